"""Fast, differentiable 2-D correlation and convolution: what the package adds to the page.

``corr2d_fast(X, K)`` computes what the book's loop ``corr2d`` computes, with
MXNet operators instead of a Python loop over pixels, differentiably in X and
K (so ``Conv2D(kernel_size, corr=corr2d_fast)`` learns), with NaN and +-Inf
where ``scipy.signal.correlate2d`` puts them, for legacy ``mx.nd`` and
``mx.np`` arrays. This docstring is the one place that says which path runs
when, and why; the numbers are from ``benchmarks/bench_corr2d.py``.

Paths, with (o_h, o_w) the output's shape:

* **1x1 kernel**: ``X * K``, one broadcast multiply.
* **Direct**, for outputs narrower than ``2 * _BLOCK`` columns, or at most
  ``_DIRECT_MAX_PIXELS`` pixels with at most ``_DIRECT_MAX_TAPS`` taps: one
  ``Convolution`` with one input and one output channel. MXNet's CPU
  convolution handles a single channel poorly (5x5 on 2048x2050: 40 ms; 7x7 on
  1024x1024: 260 ms), but on small images one operator call beats everything
  (256x256 3x3 included: the row blocks' extra operators cost as much as
  they save there, per call).
* **FFT**, for kernels of ``_FFT_MIN_TAPS`` (20x20) taps or more when scipy
  is installed: real FFTs of X and the flipped K (``scipy.fft``, single
  precision for float32, all cores). From about 20x20 the FFT's cost, which
  does not grow with the kernel, beats the row blocks (31x31 on 1023x1023:
  about 5 ms against 16 ms; 16x16: a tie). Its rounding error scales with the
  largest ``|X| * sum|K|`` in the image rather than each window's (float64
  is 3-4x slower here, so float32 stays float32). Without scipy these kernels
  take the row blocks.
* **Row blocks**, everything else. Each output row is cut into blocks of
  ``s = _BLOCK`` columns, and one ``Convolution`` with s filters computes all
  blocks at once: filter j is K shifted j columns right in a window of
  ``(k_h, w)``, ``w = s + k_w - 1``, and the convolution steps s columns, so
  its output channel j at block b is ``Y[i, b s + j]``. oneDNN runs this
  16-filter form near its best for every kernel size tried (3x3 to 31x31), and
  one transpose turns its ``(s, o_h, o_w / s)`` output into Y's rows. When s
  does not divide o_w, the last ``r = o_w mod s`` columns come from the same
  filters on the image's last window, and two slice assignments put the parts
  together. The filter bank is made per call, with no shared graph (a cached
  ``CachedOp`` called at once by the caller's thread and MXNet's custom-op
  thread crashed on first use of a shape): on a CPU numpy places K's entries
  (read in place, a DLPack view) by a cached read-only index, and MXNet reads
  the result in place (``nd.from_numpy``), so the convolution waits on no
  operator; elsewhere one sparse product with a cached 0/1 matrix
  (``_bank_matrix``). The image-sized operators run eagerly on reshaped views
  (``view``: ``NDArray.reshape``'s checks cost ~20 µs, as much as a small
  convolution), and no buffer outlives a call (memory behaves as with
  ``nd.Convolution``).

The private keyword ``_method='direct' | 'blocks' | 'fft'`` forces a path (as
scipy's ``method=``), for tests; on outputs narrower than ``2 * _BLOCK``
forced row blocks are ``o_w // 2`` columns wide.

NaN and Inf. The bank's zeros multiply pixels beside each window, and
``0 * nan`` is NaN: one NaN would spread to 16 outputs per row (and to all of
them through an FFT). The row-block path therefore checks X and K, and
copies no image out of MXNet to do it. On a CPU, numpy reads X's and K's
memory in place (a DLPack view) on the calling thread while MXNet convolves.
Elsewhere (a GPU, or an X that oneDNN keeps in a blocked layout) one MXNet
reduction, ``sum(X) + sum(K)`` (row sums by a matrix-vector product), is
queued before the convolution, and only that scalar reaches the host. The FFT
path checks X and K on the host, where scipy needs them
anyway. When the check fails (or a sum overflows), the path correlates X and
K with the non-finite entries set to 0 and adds NaN, +Inf or -Inf where some
product ``X[i+a, j+b] K[a, b]`` is NaN, +Inf or -Inf, from correlations of
0/1 masks (``_corr2d_nonfinite``, MXNet operators only): scipy's values,
exactly. The direct path has no structural zeros and needs no check.

Gradients. Under ``autograd.record()`` the direct path is recorded as it is.
The row-block and FFT paths run as a custom operator (``_Corr2dOp``),
because Convolution's own backward for one input channel and stride s is slow:
``dX = corr2d(dY padded by k - 1, K flipped)`` by the same paths, and
``dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY)`` as ``k_h k_w`` dot products of
flat views (``_kernel_grad``), or by FFT, each checked as above. dY is padded
before the row blocks (oneDNN's strided Convolution runs ~4x slower padding by
itself), up to whole blocks (no tail); on a CPU numpy pads the host view
(``nd.pad`` is ~10x slower) and computes dK's products on host views (one
operator per product would cost ~30 µs each). Nothing leaves the host there:
on a GPU these are ``nd.pad`` and ``nd.dot``. Every call builds its own operator and arrays, so any
number of graphs can be alive, threads can train at once, and any mix of new
shapes, threads and recording is safe. A custom operator still queued at exit
would hang the interpreter's shutdown: ``nd.waitall`` runs at exit first.

Context. Results are on X's context: MXNet's operators put the result for
``cpu_pinned`` input on ``cpu``, and that one case is copied back. On a GPU
the direct and row-block paths stay on the device (one scalar per check comes
back); the FFT path (kernels of 20x20 and more) copies X and K to the host
and Y back, two image-sized transfers and a stall per call, as scipy's own
FFT would.
"""
import atexit
import functools

import mxnet as mx
import numpy as np
from mxnet import autograd, nd

from ._arrays import correlation, host_view, view

_slice_assign = nd._internal._slice_assign  # the operator behind NDArray.__setitem__ with slices

__all__ = ['corr2d_fast', 'convolve2d']

_BLOCK = 16                   # s: output columns per row block (the number of filters)
_DIRECT_MAX_TAPS = 25         # kernels up to 5x5 ...
_DIRECT_MAX_PIXELS = 1 << 16  # ... on outputs up to this size (256x256) take the direct path
_FFT_MIN_TAPS = 400           # kernels of 20x20 taps and more take the FFT path (with scipy)
_DK_CHUNK = 1 << 20           # elements of dY per chunk of the kernel gradient's dot products in MXNet ...
_DK_HOST_CHUNK = 1 << 18      # ... and in numpy
_METHODS = (None, 'direct', 'blocks', 'fft')
_CPU = mx.cpu()               # the context of arrays that MXNet reads in place from numpy (nd.from_numpy)


@correlation
def corr2d_fast(X, K, _method=None):
    """2-D cross-correlation of ``X`` with ``K``, differentiable in both.

    Same result as ``corr2d`` (In[2]) without a Python loop over pixels, with
    NaN and +-Inf where ``scipy.signal.correlate2d`` puts them.

    Parameters
    ----------
    X : NDArray or mx.np.ndarray, shape (n_h, n_w)
    K : NDArray or mx.np.ndarray, shape (k_h, k_w), no larger than X, same dtype and context.

    Returns
    -------
    Y : NDArray (mx.np.ndarray if X is one), shape (n_h - k_h + 1, n_w - k_w + 1)
        On X's context; float32 unless X and K are float64 (integer and
        float16 inputs are computed in float32, where the book's loop wraps
        or overflows). For kernels of 20x20 taps and more (the FFT path), the
        float32 rounding error scales with the image's largest
        ``|X| * sum|K|``: use float64 when that matters.

    Raises
    ------
    TypeError, ValueError
        As ``corr2d``, with the same messages.

    Examples
    --------
    >>> from mxnet import nd
    >>> X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    >>> corr2d_fast(X, nd.array([[0, 1], [2, 3]]))
    <BLANKLINE>
    [[19. 25.]
     [37. 43.]]
    <NDArray 2x2 @cpu(0)>
    """
    return _corr2d(X, K, _checked(_method))


@correlation
def convolve2d(X, K, _method=None):
    """True 2-D convolution (the kernel flipped on both axes), valid mode.

    ``convolve2d(X, K) == corr2d(X, K[::-1, ::-1])``: the chapter's point that
    a "convolutional" layer computes a cross-correlation, and that the two
    differ only by flipping a kernel that is learned anyway.

    Parameters
    ----------
    X : NDArray or mx.np.ndarray, shape (n_h, n_w)
    K : NDArray or mx.np.ndarray, shape (k_h, k_w)

    Returns
    -------
    NDArray (mx.np.ndarray if X is one), shape (n_h - k_h + 1, n_w - k_w + 1)

    Examples
    --------
    >>> from mxnet import nd
    >>> convolve2d(nd.array([[1, 2, 3]]), nd.array([[1, 0]]))
    <BLANKLINE>
    [[2. 3.]]
    <NDArray 1x2 @cpu(0)>
    """
    return _corr2d(X, nd.reverse(K, axis=(0, 1)), _checked(_method))


def _checked(method):
    """``_method``, the private keyword with which tests pick a path (as scipy's ``method=``), if valid."""
    if method not in _METHODS or (method == 'fft' and _scipy_fft() is None):
        raise ValueError("_method must be None, 'direct', 'blocks' or 'fft' (with scipy), got %r" % (method,))
    return method


def _plan(o_h, o_w, k_h, k_w):
    """The path for an output of (o_h, o_w) and a (k_h, k_w) kernel: 'direct', 'blocks' or 'fft'."""
    if _fft_for(k_h, k_w):
        return 'fft'
    if o_w < 2 * _BLOCK or (k_h * k_w <= _DIRECT_MAX_TAPS and o_h * o_w <= _DIRECT_MAX_PIXELS):
        return 'direct'
    return 'blocks'


def _corr2d(X, K, method=None, check_finite=True, full=False, out=None):
    """corr2d of float X and K (legacy NDArrays) by ``method``, or by the path ``_plan`` picks.

    With ``check_finite``, the row-block and FFT results are checked and, if X
    or K holds NaN or Inf, computed again by ``_corr2d_nonfinite``; without,
    the result is returned as it is (for input known to be finite).
    ``full`` pads X with k - 1 zeros on every side (for the gradient in X),
    and ``out``, outside recording, receives the result.
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    if k_h * k_w == 1:
        return nd.broadcast_mul(X, K, out=out)
    p_h, p_w = (k_h - 1, k_w - 1) if full else (0, 0)
    o_h, o_w = n_h + 2 * p_h - k_h + 1, n_w + 2 * p_w - k_w + 1
    path = method or _plan(o_h, o_w, k_h, k_w)
    if path == 'direct':  # out as a view: the result of a copy would stay in oneDNN's blocked layout
        y = nd.Convolution(data=view(X, (1, 1, n_h, n_w)), weight=view(K, (1, 1, k_h, k_w)),
                           kernel=(k_h, k_w), pad=(p_h, p_w), num_filter=1, no_bias=True,
                           out=None if out is None else view(out, (1, 1, o_h, o_w)))
        return view(y, (o_h, o_w)) if out is None else out
    if autograd.is_recording():
        # Convolution's own backward for the row-block graph is slow (one input
        # channel, stride s): this custom operator gives the gradients by two
        # more correlations (see _Corr2dOp).
        return nd.Custom(X, K, op_type=_CORR2D_OP, method=str(method))
    if path == 'blocks':
        views = check_finite and _host_views(X, K)  # on a CPU: numpy views of X and K, no copy
        total = _total(X, K) if check_finite and not views else None  # elsewhere: one scalar, queued first
        k = views[1] if views else None
        if full:  # oneDNN's strided Convolution runs ~4x slower when it pads: pad first, on the right up to
            # whole blocks (e more columns: no tail to add, 6 operators fewer), and drop those columns
            e = -o_w % min(_BLOCK, max(1, o_w // 2))
            Y = _row_blocks(_padded(X, (p_h, p_h), (p_w, p_w + e)), K, None if e else out, k)
            Y = nd.slice_axis(Y, axis=1, begin=0, end=o_w, out=out) if e else Y
        else:
            Y = _row_blocks(X, K, out, k)  # queued: MXNet convolves while this thread checks
        if not check_finite or (all(np.isfinite(v).all() for v in views) if views
                                else np.isfinite(total.asscalar())):
            return Y
    else:
        x, k = X.asnumpy(), K.asnumpy()  # scipy.fft works on the host
        if not check_finite or (np.isfinite(x).all() and np.isfinite(k).all()):
            return _to_mx(_fft_corr(x, k, full), X, out)
    # X or K is not all finite: redo it exactly.
    if full:
        X = _padded(X, (p_h, p_h), (p_w, p_w))
    Y = _corr2d_nonfinite(X, K, (p_h, p_w))
    return Y if out is None else Y.copyto(out)


def _padded(X, rows, cols):
    """X with rows = (above, below) zero rows and cols = (left, right) zero columns.

    On the CPU numpy pads X's host view into an array that MXNet then reads
    in place: about 10x faster than ``nd.pad`` (0.3 ms against 3-4 ms on
    1024x1024), and no data leaves the host. Elsewhere ``nd.pad``.
    """
    (n_h, n_w), (a, b), (c, d) = X.shape, rows, cols
    x = host_view(X) if X.context == _CPU else None
    if x is None:
        return view(nd.pad(view(X, (1, 1, n_h, n_w)), mode='constant', pad_width=(0, 0, 0, 0, a, b, c, d)),
                    (n_h + a + b, n_w + c + d))
    z = np.empty((n_h + a + b, n_w + c + d), x.dtype)
    z[:a], z[a + n_h:], z[a:a + n_h, :c], z[a:a + n_h, c + n_w:] = 0, 0, 0, 0
    z[a:a + n_h, c:c + n_w] = x
    return nd.from_numpy(z, zero_copy=True)


def _host_views(X, K):
    """Zero-copy numpy views of X and K (see ``host_view``), or None if either has none."""
    views = host_view(X), host_view(K)
    return None if views[0] is None or views[1] is None else views


def _total(X, K):
    """sum(X) + sum(K) as a (1,) NDArray, queued in MXNet: NaN or Inf if X or K holds one.

    X's row sums by a matrix-vector product (``nd.sum`` is much slower), then
    their sum. A sum that overflows reads as not finite: the caller then
    computes exactly, which costs time, never correctness.
    """
    ones = nd.ones((X.shape[1], 1), ctx=X.context, dtype=X.dtype)
    return nd.sum(nd.dot(X, ones)) + nd.sum(K)


_CORR2D_OP = 'd2l_conv_corr2d'
# A custom operator's call still queued at exit needs Python on MXNet's thread while the
# interpreter shuts down, and the process hangs: wait for them first (before MXNet's own
# atexit handler, registered at its import).
atexit.register(nd.waitall)


class _Corr2dOp(mx.operator.CustomOp):
    """corr2d on the row-block or FFT path (or a forced ``method``), with its gradients as correlations.

    With Y = corr2d(X, K) and the loss's gradient dY (o_h, o_w):
    dX = corr2d(dY padded by (k_h - 1, k_w - 1) zeros on every side, K flipped),
    by the forward paths themselves; dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY),
    by ``_kernel_grad`` or by FFT. Each call builds its own operator: no shared
    state. A CustomOp runs on threads of its own, where waiting on MXNet's
    engine is safe (see DEVELOPERS.md for autograd.Function).
    """

    def __init__(self, method):
        super(_Corr2dOp, self).__init__()
        self.method = method

    def forward(self, is_train, req, in_data, out_data, aux):
        X, K = in_data
        if req[0] == 'write':
            _corr2d(X, K, self.method, out=out_data[0])
        else:
            self.assign(out_data[0], req[0], _corr2d(X, K, self.method))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        (X, K), dY = in_data, out_grad[0]
        k_h, k_w = K.shape
        if req[0] == 'write':
            _corr2d(dY, nd.reverse(K, axis=(0, 1)), self.method, full=True, out=in_grad[0])
        elif req[0] != 'null':
            self.assign(in_grad[0], req[0], _corr2d(dY, nd.reverse(K, axis=(0, 1)), self.method, full=True))
        if req[1] != 'null':
            if self.method == 'fft' or (self.method is None and _fft_for(k_h, k_w)):
                dK = _to_mx(_fft_corr(X.asnumpy(), dY.asnumpy(), False), X, None)
            else:
                dK = _kernel_grad(X, dY, k_h, k_w)
            if not np.isfinite(nd.sum(dK).asscalar()):  # flat views and FFT spread NaN and Inf: redo exactly
                dK = _corr2d(X, dY)
            self.assign(in_grad[1], req[1], dK)


@mx.operator.register(_CORR2D_OP)
class _Corr2dOpProp(mx.operator.CustomOpProp):
    def __init__(self, method='None'):
        super(_Corr2dOpProp, self).__init__(need_top_grad=True)
        self.method = None if method == 'None' else method  # custom operators get their options as strings

    def list_arguments(self):
        return ['X', 'K']

    def infer_shape(self, in_shape):
        (n_h, n_w), (k_h, k_w) = in_shape
        return in_shape, [(n_h - k_h + 1, n_w - k_w + 1)], []

    def infer_type(self, in_type):
        return in_type, [in_type[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return _Corr2dOp(self.method)


def _kernel_grad(X, dY, k_h, k_w):
    """dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY) as k_h k_w dot products of flat views.

    With dY's rows padded to X's width n_w (zeros in the last k_w - 1 columns),
    the window of X for tap (a, b) is the flat range that starts at a n_w + b.
    The products run in chunks of rows, each chunk of dY reused from cache for
    its k_h k_w products. On the CPU numpy computes them on host views of X
    and dY, in chunks of ``_DK_HOST_CHUNK`` elements (no operator to queue per
    product: 2 µs a product instead of 30); elsewhere MXNet, in chunks of
    ``_DK_CHUNK``, with flat slices of the first axis (no copy).
    """
    (n_h, n_w), o_h = X.shape, dY.shape[0]
    x, dy = (host_view(X), host_view(dY)) if X.context == _CPU else (None, None)
    chunk = _DK_CHUNK if x is None or dy is None else _DK_HOST_CHUNK
    rows = max(1, chunk // n_w)                                          # rows of dY per chunk
    if x is None or dy is None:
        Xf, dot = view(X, (n_h * n_w,)), nd.dot
        Df = view(_padded(dY, (0, 0), (0, k_w - 1)), (o_h * n_w,))       # dY's rows padded to n_w, flat
    else:
        d = np.empty((o_h, n_w), dy.dtype)
        d[:, n_w - k_w + 1:], d[:, :n_w - k_w + 1] = 0, dy
        Xf, Df, dot = x.reshape(-1), d.reshape(-1), np.dot
    taps = []
    for top in range(0, o_h, rows):
        m = min(rows, o_h - top)
        start, length = top * n_w, m * n_w - (k_w - 1)                   # the last window ends inside X
        d = Df[start:start + length]                                     # (length,)
        taps += [dot(Xf[start + a * n_w + b:start + a * n_w + b + length], d)
                 for a in range(k_h) for b in range(k_w)]                # k_h k_w of (1,) or scalars
    if x is None or dy is None:
        return nd.concat(*taps, dim=0).reshape((-1, k_h * k_w)).sum(axis=0).reshape((k_h, k_w))
    dK = np.array(taps, x.dtype).reshape((-1, k_h * k_w)).sum(axis=0).reshape((k_h, k_w))
    return nd.from_numpy(dK, zero_copy=True)


def _row_blocks(X, K, out, k=None):
    """corr2d(X, K) on the row-block path (outside recording; see the module docstring).

    X is (n_h, n_w), K (k_h, k_w), Y (o_h, o_w) = (n_h - k_h + 1, n_w - k_w + 1).
    o_w = q s + r, with s = ``_BLOCK`` (fewer on outputs narrower than
    2 ``_BLOCK``, reached only by ``_method``). k is K's host view, if it has
    one (see ``_bank``).
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    s = min(_BLOCK, max(1, o_w // 2))
    q, r, w = o_w // s, o_w % s, s + k_w - 1                             # blocks per row, left over, filter width
    x = view(X, (1, 1, n_h, n_w))                                        # (1, 1, n_h, n_w), a view
    bank = _bank(K, s, k)                                                # (s, 1, k_h, w): bank[j, 0, :, j:j+k_w] = K
    y = nd.Convolution(data=x, weight=bank, kernel=(k_h, w), stride=(1, s), num_filter=s,
                       no_bias=True)                                     # (1, s, o_h, q): y[0, j, i, b] = Y[i, b s + j]
    if r == 0:
        if out is None:
            return view(nd.transpose(y, axes=(0, 2, 3, 1)), (o_h, o_w))    # (o_h, q s)
        nd.transpose(y, axes=(0, 2, 3, 1), out=view(out, (1, o_h, q, s)))
        return out
    Y = view(nd.transpose(y, axes=(0, 2, 3, 1)), (o_h, q * s))           # (o_h, q s)
    tail = nd.slice_axis(x, axis=3, begin=n_w - w, end=None)             # (1, 1, n_h, w): what Y[:, o_w - s:] reads
    t = nd.Convolution(data=tail, weight=bank, kernel=(k_h, w), num_filter=s,
                       no_bias=True)                                     # (1, s, o_h, 1): Y[:, o_w - s:]
    t = nd.slice_axis(t, axis=1, begin=s - r, end=None)                  # (1, r, o_h, 1): Y[:, o_w - r:]
    t = view(nd.transpose(t, axes=(0, 2, 3, 1)), (o_h, r))               # (o_h, r)
    if out is None:
        out = nd.empty((o_h, o_w), ctx=X.context, dtype=X.dtype)
    # Two slice assignments (what out[:, a:b] = ... runs, less 50 us of Python indexing):
    # concat along axis 1 is 10x slower on large images.
    _slice_assign(out, Y, begin=(0, 0), end=(o_h, q * s), out=out)
    _slice_assign(out, t, begin=(0, q * s), end=(o_h, o_w), out=out)
    return out                                                           # (o_h, o_w)


def _bank(K, s, k=None):
    """The s filters of the row-block path, (s, 1, k_h, s + k_w - 1), no shared graph.

    From k, K's host view (a CPU), numpy places K's entries (``_bank_index``)
    in an array that MXNet then reads in place: no operator, so nothing for the
    convolution to wait on. Elsewhere one sparse product does it (``_bank_matrix``).
    """
    k_h, k_w = K.shape
    shape = (s, 1, k_h, s + k_w - 1)
    if k is not None and K.context == _CPU:
        bank = np.concatenate((k.reshape(-1), np.zeros(1, k.dtype))).take(_bank_index(k_h, k_w, s))
        return nd.from_numpy(bank.reshape(shape), zero_copy=True)
    bank = nd.sparse.dot(_bank_matrix(k_h, k_w, s, K.context, np.dtype(K.dtype).name), view(K, (k_h * k_w, 1)))
    return view(bank, shape)


@functools.lru_cache(maxsize=64)
def _bank_index(k_h, k_w, s):
    """For each entry of the filter bank, the index of the K entry it copies, or k_h k_w (a zero).

    Filter j is K shifted j columns right in a window of width w = s + k_w - 1.
    Never written after it is made (read-only), so any thread may read it.
    """
    w = s + k_w - 1
    index = np.full((s, k_h, w), k_h * k_w)
    for j in range(s):
        index[j, :, j:j + k_w] = np.arange(k_h * k_w).reshape((k_h, k_w))
    index = index.reshape(-1)
    index.flags.writeable = False
    return index


@functools.lru_cache(maxsize=64)
def _bank_matrix(k_h, k_w, s, ctx, dtype):
    """The 0/1 CSR matrix (s k_h w, k_h k_w) whose product with K's entries is the filter bank.

    Filter j is K shifted j columns right in a window of width w = s + k_w - 1,
    zeros elsewhere: each row holds at most one 1, at the K entry it copies.
    Kept per kernel shape, block, context and dtype; never written after it is
    made (MXNet reads one array from any number of threads safely).
    """
    w = s + k_w - 1
    source = np.full((s, k_h, w), -1)
    for j in range(s):
        source[j, :, j:j + k_w] = np.arange(k_h * k_w).reshape((k_h, k_w))
    source = source.reshape(-1)
    taken = source >= 0
    indptr = np.concatenate([[0], np.cumsum(taken)])
    return nd.sparse.csr_matrix((np.ones(taken.sum(), dtype), source[taken], indptr),
                                shape=(source.size, k_h * k_w), ctx=ctx, dtype=dtype)


def _fft_for(k_h, k_w):
    """Whether a (k_h, k_w) kernel takes the FFT path: ``_FFT_MIN_TAPS`` taps or more, and scipy there."""
    return k_h * k_w >= _FFT_MIN_TAPS and _scipy_fft() is not None


@functools.lru_cache(maxsize=None)
def _scipy_fft():
    """scipy.fft, or None without scipy (an optional dependency), imported on first use."""
    try:
        import scipy.fft
    except ImportError:
        return None
    return scipy.fft


def _fft_corr(x, k, full):
    """corr2d(x, k) of numpy arrays by real FFTs, for kernels of ``_FFT_MIN_TAPS`` taps or more.

    The correlation is the convolution with K flipped. Valid outputs need
    transforms only as long as X (the circular wrap-around reaches just the
    first k - 1 rows and columns, which are dropped); full ones n + k - 1.
    scipy.fft keeps float32 in single precision and uses every core.
    """
    fft = _scipy_fft()
    # Scale both to a largest |entry| in [0.5, 1) by powers of two (exact), so that
    # no transform or spectral product overflows; scaled back by ldexp at the end.
    e_x = int(np.frexp(np.abs(x).max())[1]) if x.any() else 0
    e_k = int(np.frexp(np.abs(k).max())[1]) if k.any() else 0
    x, k = np.ldexp(x, -e_x).astype(x.dtype), np.ldexp(k, -e_k).astype(k.dtype)
    (n_h, n_w), (k_h, k_w) = x.shape, k.shape
    f_h, f_w = (n_h + k_h - 1, n_w + k_w - 1) if full else (n_h, n_w)
    size = (fft.next_fast_len(f_h, real=True), fft.next_fast_len(f_w, real=True))
    z = fft.irfft2(fft.rfft2(x, size, workers=-1) * fft.rfft2(k[::-1, ::-1], size, workers=-1), size,
                   workers=-1)                                           # size: full convolution, wrapped
    y = z[:f_h, :f_w] if full else z[k_h - 1:n_h, k_w - 1:n_w]           # (o_h, o_w)
    with np.errstate(over='ignore'):
        return np.ldexp(y, e_x + e_k).astype(y.dtype)                   # inf where the true value overflows


def _to_mx(y, like, out):
    """The numpy array y as an NDArray on ``like``'s context and dtype, in ``out`` if given."""
    if out is None:
        return nd.array(y, ctx=like.context, dtype=like.dtype)
    out[:] = y
    return out


def _corr2d_nonfinite(X, K, pad=(0, 0)):
    """corr2d of X and K that hold NaN or +-Inf, with scipy's NaN and +-Inf, by MXNet operators.

    Y = corr2d(X0, K0) + N, where X0 and K0 have their non-finite entries set
    to 0, and N is NaN, +Inf or -Inf where some product X[i+a, j+b] K[a, b] is
    not finite, else 0. N follows from counts of NaN, +Inf and -Inf products,
    each a correlation of 0/1 masks (integer counts, exact up to rounding).
    With ``pad``, X's first and last pad rows and columns are padding, not
    data: no product there.
    """
    (n_h, n_w), (p_h, p_w) = X.shape, pad

    def masks(A, inside):
        finite, nan = nd.contrib.isfinite(A), nd.contrib.isnan(A)
        return {'nan': nan, 'pinf': A == np.inf, 'ninf': A == -np.inf, 'zero': (A == 0) * inside,
                'pos': finite * (A > 0), 'neg': finite * (A < 0), 'all': inside}
    inside = nd.ones((1, 1, n_h - 2 * p_h, n_w - 2 * p_w), ctx=X.context, dtype=X.dtype)
    inside = nd.pad(inside, mode='constant', pad_width=(0, 0, 0, 0, p_h, p_h, p_w, p_w)).reshape((n_h, n_w))
    mx_, mk = masks(X, inside), masks(K, nd.ones_like(K))

    def any_product(pairs):  # where some pair (a, b) of masks has a[i+a, j+b] b[a, b] = 1
        return sum(_corr2d(a, b, check_finite=False) for a, b in pairs) > 0.5  # counts are integers (FFT aside)
    inf_x, inf_k = mx_['pinf'] + mx_['ninf'], mk['pinf'] + mk['ninf']
    with autograd.pause():
        nan = any_product([(mx_['nan'], mk['all']), (mx_['all'], mk['nan']), (inf_x, mk['zero']),
                           (mx_['zero'], inf_k)])
        pos = any_product([(mx_['pinf'], mk['pos'] + mk['pinf']), (mx_['ninf'], mk['neg'] + mk['ninf']),
                           (mx_['pos'], mk['pinf']), (mx_['neg'], mk['ninf'])])
        neg = any_product([(mx_['pinf'], mk['neg'] + mk['ninf']), (mx_['ninf'], mk['pos'] + mk['pinf']),
                           (mx_['pos'], mk['ninf']), (mx_['neg'], mk['pinf'])])
        full = functools.partial(nd.full, nan.shape, ctx=X.context, dtype=X.dtype)
        N = nd.where(nan + pos * neg, full(np.nan), nd.where(pos, full(np.inf), nd.where(neg, full(-np.inf),
                                                                                            full(0))))
        X0 = nd.where(nd.contrib.isfinite(X), X, nd.zeros_like(X))
        K0 = nd.where(nd.contrib.isfinite(K), K, nd.zeros_like(K))
        return _corr2d(X0, K0, check_finite=False) + N
