"""Fast, differentiable 2-D correlation and convolution: what the package adds to the page.

Every function here is built from MXNet operators that autograd can
differentiate (reshape, transpose, slice, dot, Convolution), so it can sit in
``Conv2D(kernel_size, corr=corr2d_fast)`` and learn. None loops over pixels.

MXNet's CPU ``Convolution`` with one input and one output channel is poorly
vectorised (and for kernels of 7x7 falls back to something 100x slower), so
large images are rewritten "space to depth": the image is split into
``s_h x s_w`` phase channels and the kernel into the equivalent
``(s_h s_w) -> (s_h s_w)`` channel kernel, which oneDNN runs efficiently.
"""
import functools
import math

import mxnet as mx
import numpy as np
from mxnet import nd

from .checks import check_corr_args

__all__ = ['corr2d_fast', 'convolve2d', 'corr2d_matmul']

# Paths by output size, measured on 2 cores (benchmarks/bench_corr2d.py):
# below _CACHED_MAX_PIXELS one CachedOp call beats four operator calls; above
# _PHASE_MIN_PIXELS (and for kernels of more than two taps) the phase rewrite
# beats the plain Convolution; in between, the plain Convolution.
_CACHED_MAX_PIXELS = 1 << 15
_PHASE_MIN_PIXELS = 1 << 17


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
    if X.dtype not in (np.float32, np.float64):  # Convolution computes in floating point
        X, K = X.astype('float32'), K.astype('float32')
    if k_h * k_w == 1:
        return nd.broadcast_mul(X, K)
    pixels = (n_h - k_h + 1) * (n_w - k_w + 1)
    if pixels < _CACHED_MAX_PIXELS:
        return _conv_op(k_h, k_w)(X, K)
    if k_h * k_w > 2 and pixels >= _PHASE_MIN_PIXELS:
        s_h, s_w = _phase_factor(n_h, k_h), _phase_factor(n_w, k_w)
        if s_h * s_w > 1:
            return _corr2d_phases(X, K, s_h, s_w)
    # keyword data/weight: MXNet's generated wrapper handles them faster than positional ones
    Y = nd.Convolution(data=X.reshape((1, 1, n_h, n_w)), weight=K.reshape((1, 1, k_h, k_w)),
                       kernel=(k_h, k_w), num_filter=1, no_bias=True)
    return Y.reshape((n_h - k_h + 1, n_w - k_w + 1))


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
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    cols = nd.stack(*[nd.slice(X, begin=(a, b), end=(a + o_h, b + o_w)).reshape((-1,))
                      for a in range(k_h) for b in range(k_w)])  # (k_h * k_w, o_h * o_w)
    return nd.dot(K.reshape((1, -1)), cols).reshape((o_h, o_w))


@functools.lru_cache(maxsize=None)
def _conv_op(k_h, k_w):
    """One-channel Convolution of a 2-D X with a (k_h, k_w) K, as one CachedOp.

    A single call instead of reshape, reshape, Convolution, reshape: on small
    images MXNet's per-operator overhead (about 20 us each) is the cost. (On
    large ones it is slower than the plain operator, hence the size switch.)
    """
    X, K = mx.sym.var('X'), mx.sym.var('K')
    Y = mx.sym.Convolution(data=mx.sym.expand_dims(mx.sym.expand_dims(X, axis=0), axis=0),
                           weight=mx.sym.expand_dims(mx.sym.expand_dims(K, axis=0), axis=0),
                           kernel=(k_h, k_w), num_filter=1, no_bias=True)  # (1, 1, o_h, o_w)
    return nd.CachedOp(mx.sym.squeeze(Y, axis=(0, 1)))


def _phase_factor(n, k):
    """Phases along an axis of length n for a kernel of length k: 4 or 2 that
    divides n, preferably k - 1 too (then the phase outputs tile the output
    exactly and nothing is padded or cropped), else 1."""
    for m in (math.gcd(n, k - 1), n):
        for s in (4, 2):
            if m % s == 0:
                return s
    return 1


@functools.lru_cache(maxsize=None)
def _phase_matrix(k_h, k_w, s_h, s_w, ctx, dtype):
    """0/1 NDArray M with ``M @ K.ravel()`` = the phase kernel, and that kernel's shape.

    Output phase (r, t), input phase (r2, t2), tap (u, v) of the phase kernel
    reads ``K[s_h u + r2 - r, s_w v + t2 - t]`` where that lies in K, else 0.
    """
    p_h, p_w = (s_h + k_h - 2) // s_h + 1, (s_w + k_w - 2) // s_w + 1
    r, t, r2, t2, u, v = np.ogrid[:s_h, :s_w, :s_h, :s_w, :p_h, :p_w]
    a, b = s_h * u + r2 - r, s_w * v + t2 - t  # broadcast to the kernel's 6 axes
    M = np.zeros((s_h, s_w, s_h, s_w, p_h, p_w, k_h * k_w), np.float32)
    inside = (a >= 0) & (a < k_h) & (b >= 0) & (b < k_w)
    np.put_along_axis(M, np.where(inside, a * k_w + b, 0)[..., None], inside[..., None], axis=-1)
    return nd.array(M.reshape((-1, k_h * k_w)), ctx=ctx, dtype=dtype), (s_h * s_w, s_h * s_w, p_h, p_w)


def _corr2d_phases(X, K, s_h, s_w):
    """corr2d as an (s_h s_w)-channel Convolution on the image's phases."""
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    M, w_shape = _phase_matrix(k_h, k_w, s_h, s_w, X.context, X.dtype)
    p_h, p_w = w_shape[2:]
    R, C = n_h // s_h, n_w // s_w  # phase image size
    # Zero phase rows/columns (Convolution pads both ends) so the phase outputs
    # cover every output pixel; the surplus is cropped at the end.
    pad = (max(0, -(-o_h // s_h) + p_h - 1 - R), max(0, -(-o_w // s_w) + p_w - 1 - C))
    x = X.reshape((R, s_h, C, s_w)).transpose((1, 3, 0, 2)).reshape((1, s_h * s_w, R, C))
    w = nd.dot(M, K.reshape((-1,))).reshape(w_shape)
    y = nd.Convolution(data=x, weight=w, kernel=(p_h, p_w), pad=pad, num_filter=s_h * s_w, no_bias=True)
    P, Q = y.shape[2:]
    Y = y.reshape((s_h, s_w, P, Q)).transpose((2, 0, 3, 1)).reshape((P * s_h, Q * s_w))
    if Y.shape == (o_h, o_w):
        return Y
    top, left = s_h * pad[0], s_w * pad[1]
    return nd.slice(Y, begin=(top, left), end=(top + o_h, left + o_w))
