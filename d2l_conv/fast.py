"""Fast, differentiable 2-D correlation and convolution: what the package adds to the page.

Every function here is built from MXNet operators that autograd can
differentiate (reshape, transpose, slice, dot, Convolution), so it can sit in
``Conv2D(kernel_size, corr=corr2d_fast)`` and learn. None loops over pixels.

MXNet's CPU ``Convolution`` with one input and one output channel is poorly
vectorised (and for kernels of 7x7 falls back to something 100x slower), so
large images are rewritten "space to depth": the image is split into
``s_h x s_w`` phase channels and the kernel into the equivalent
``(s_h s_w) -> (s_h s_w)`` channel kernel, which oneDNN runs efficiently.
Outside ``autograd.record()`` the whole graph runs as one cached MXNet call.
"""
import functools

import mxnet as mx
import numpy as np
from mxnet import autograd, nd

from .checks import check_corr_args

__all__ = ['corr2d_fast', 'convolve2d', 'corr2d_matmul']

# Measured on 2 cores with benchmarks/bench_corr2d.py: kernels of more than two
# taps on outputs of at least this many pixels take the phase rewrite.
_PHASE_MIN_PIXELS = 1 << 15


def corr2d_fast(X, K):
    """2-D cross-correlation of ``X`` with ``K``, differentiable in both.

    Same result as ``corr2d`` (In[2]) without a Python loop over pixels.

    Parameters
    ----------
    X : NDArray, shape (n_h, n_w)
    K : NDArray, shape (k_h, k_w), no larger than X, same dtype and context.

    Returns
    -------
    Y : NDArray, shape (n_h - k_h + 1, n_w - k_w + 1)
        On X's context; float32 unless X and K are float64.

    Raises
    ------
    TypeError, ValueError
        As ``corr2d``, with the same messages.
    """
    (n_h, n_w), (k_h, k_w) = check_corr_args(X, K)
    X, K = _as_float(X, K)
    if k_h * k_w == 1:
        return nd.broadcast_mul(X, K)
    s_h = s_w = 1
    if k_h * k_w > 2 and (n_h - k_h + 1) * (n_w - k_w + 1) >= _PHASE_MIN_PIXELS:
        s_h, s_w = _phase_factor(n_h), _phase_factor(n_w)
    M = _phase_matrix(k_h, k_w, s_h, s_w, X.context, X.dtype) if s_h * s_w > 1 else None
    if autograd.is_recording():
        # Eager operators: MXNet 1.9.1's CachedOp backward fails on some padded
        # oneDNN convolutions ("could not create a primitive descriptor for a
        # reorder primitive"); the eager ones differentiate correctly.
        return _graph(nd, X, K, M, n_h, n_w, k_h, k_w, s_h, s_w)
    return _cached_graph(n_h, n_w, k_h, k_w, s_h, s_w)(X, K, *([M] if M is not None else []))


def convolve2d(X, K):
    """True 2-D convolution (the kernel flipped on both axes), valid mode.

    ``convolve2d(X, K) == corr2d(X, K[::-1, ::-1])``: the chapter's point that
    a "convolutional" layer computes a cross-correlation, and that the two
    differ only by flipping a kernel that is learned anyway.

    Parameters
    ----------
    X : NDArray, shape (n_h, n_w)
    K : NDArray, shape (k_h, k_w)

    Returns
    -------
    NDArray, shape (n_h - k_h + 1, n_w - k_w + 1)
    """
    check_corr_args(X, K)
    return corr2d_fast(X, nd.reverse(K, axis=(0, 1)))


def corr2d_matmul(X, K):
    """2-D cross-correlation as one matrix product (the book's exercise 3).

    The ``k_h * k_w`` shifted views of X are stacked into an im2col matrix of
    shape ``(k_h * k_w, n_out)``; one ``dot`` with the flattened kernel gives
    every output pixel. Differentiable in X and K.

    Parameters
    ----------
    X : NDArray, shape (n_h, n_w)
    K : NDArray, shape (k_h, k_w)

    Returns
    -------
    NDArray, shape (n_h - k_h + 1, n_w - k_w + 1)
    """
    (n_h, n_w), (k_h, k_w) = check_corr_args(X, K)
    X, K = _as_float(X, K)
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    cols = nd.stack(*[nd.slice(X, begin=(a, b), end=(a + o_h, b + o_w)).reshape((-1,))
                      for a in range(k_h) for b in range(k_w)])  # (k_h * k_w, o_h * o_w)
    return nd.dot(K.reshape((1, -1)), cols).reshape((o_h, o_w))


def _phase_factor(n):
    """Phases along an axis of length n: 4 or 2 where they divide n, else 1."""
    return 4 if n % 4 == 0 else 2 if n % 2 == 0 else 1


def _phase_taps(k, s):
    """Taps along an axis of the phase kernel for a kernel of length k and s phases."""
    return (s + k - 2) // s + 1


@functools.lru_cache(maxsize=None)
def _phase_matrix(k_h, k_w, s_h, s_w, ctx, dtype):
    """The 0/1 NDArray M with ``M @ K.ravel()`` = the phase kernel, of shape
    (s_h s_w * s_h s_w * p_h * p_w, k_h * k_w).

    Output phase (r, t), input phase (r2, t2), tap (u, v) of the phase kernel
    reads ``K[s_h u + r2 - r, s_w v + t2 - t]`` where that lies in K, else 0.
    """
    p_h, p_w = _phase_taps(k_h, s_h), _phase_taps(k_w, s_w)
    r, t, r2, t2, u, v = np.ogrid[:s_h, :s_w, :s_h, :s_w, :p_h, :p_w]
    a, b = s_h * u + r2 - r, s_w * v + t2 - t  # broadcast to the kernel's 6 axes
    M = np.zeros((s_h, s_w, s_h, s_w, p_h, p_w, k_h * k_w), np.float32)
    inside = (a >= 0) & (a < k_h) & (b >= 0) & (b < k_w)
    np.put_along_axis(M, np.where(inside, a * k_w + b, 0)[..., None], inside[..., None], axis=-1)
    return nd.array(M.reshape((-1, k_h * k_w)), ctx=ctx, dtype=dtype)


def _as_float(X, K):
    """X and K as float32 unless they are float32 or float64: Convolution and dot
    compute in floating point, and corr2d returns float32 for integer input."""
    if X.dtype in (np.float32, np.float64):
        return X, K
    return X.astype('float32'), K.astype('float32')


def _graph(F, X, K, M, n_h, n_w, k_h, k_w, s_h, s_w):
    """corr2d as a Convolution, with F = mx.nd (run now) or mx.sym (build a graph).

    With s_h = s_w = 1 a plain one-channel Convolution. Otherwise on the
    image's s_h x s_w phases: X (n_h, n_w) becomes s_h s_w channels of
    (n_h / s_h, n_w / s_w), the kernel ``M @ K.ravel()`` maps them to the s_h s_w
    output phases, which interleave back into Y.
    """
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    if s_h * s_w == 1:
        Y = F.Convolution(data=X.reshape((1, 1, n_h, n_w)), weight=K.reshape((1, 1, k_h, k_w)),
                          kernel=(k_h, k_w), num_filter=1, no_bias=True)
        return Y.reshape((o_h, o_w))
    p_h, p_w = _phase_taps(k_h, s_h), _phase_taps(k_w, s_w)
    R, C = n_h // s_h, n_w // s_w  # phase image size
    # Zero phase rows/columns (Convolution pads both ends) so the phase outputs
    # cover every output pixel; the surplus is cropped at the end.
    pad = (max(0, -(-o_h // s_h) + p_h - 1 - R), max(0, -(-o_w // s_w) + p_w - 1 - C))
    P, Q = R + 2 * pad[0] - p_h + 1, C + 2 * pad[1] - p_w + 1  # phase output size
    x = X.reshape((R, s_h, C, s_w)).transpose((1, 3, 0, 2)).reshape((1, s_h * s_w, R, C))
    w = F.dot(M, K.reshape((-1,))).reshape((s_h * s_w, s_h * s_w, p_h, p_w))
    y = F.Convolution(data=x, weight=w, kernel=(p_h, p_w), pad=pad, num_filter=s_h * s_w, no_bias=True)
    Y = y.reshape((s_h, s_w, P, Q)).transpose((2, 0, 3, 1)).reshape((P * s_h, Q * s_w))
    if (P * s_h, Q * s_w) == (o_h, o_w):
        return Y
    top, left = s_h * pad[0], s_w * pad[1]
    return F.slice(Y, begin=(top, left), end=(top + o_h, left + o_w))


@functools.lru_cache(maxsize=4)  # each keeps its buffers (static_alloc): a few shapes only
def _cached_graph(n_h, n_w, k_h, k_w, s_h, s_w):
    """``_graph`` for one set of shapes as one CachedOp call taking (X, K) or (X, K, M).

    One call instead of 4 to 9 eager operators saves their ~20 us overhead
    each, and static buffers spare large images a page fault per new array.
    """
    X, K, M = mx.sym.var('X'), mx.sym.var('K'), mx.sym.var('M')
    Y = _graph(mx.sym, X, K, M if s_h * s_w > 1 else None, n_h, n_w, k_h, k_w, s_h, s_w)
    assert Y.list_inputs() in (['X', 'K'], ['X', 'M', 'K']), Y.list_inputs()
    op = nd.CachedOp(Y, flags=[('static_alloc', True), ('static_shape', True)])
    if len(Y.list_inputs()) == 2:
        return op
    return lambda X, K, M: op(X, M, K)
