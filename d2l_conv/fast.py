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
  1024x1024: 260 ms), but on small images one operator call beats everything.
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
  together. The filter bank is a small cached graph of K (pad, tile, slice,
  reshape: tiling ``[K, 0 x s]`` s times and reading it back in rows one
  shorter shifts each copy one column further), kept per kernel shape in an
  LRU of ``_GRAPHS_MAX`` entries; the image-sized operators run eagerly on
  reshaped views, since a CachedOp copies at each reshape, and no buffer
  outlives a call (memory behaves as with ``nd.Convolution``).

NaN and Inf. The bank's zeros multiply pixels beside each window, and
``0 * nan`` is NaN: one NaN would spread to 16 outputs per row (and to all of
them through an FFT). The row-block and FFT paths therefore check X and K:
images up to ``_HOST_CHECK_MAX`` pixels by numpy on the calling thread while
MXNet convolves (waiting on MXNet's engine costs more under load), larger ones
by their row sums (one matrix-vector product). When X or K holds a NaN or Inf
(or a row sum overflows), the path correlates X and K with
those entries set to 0 and adds NaN, +Inf or -Inf where some product
``X[i+a, j+b] K[a, b]`` is NaN, +Inf or -Inf, from correlations of 0/1 masks
(``_corr2d_nonfinite``): scipy's values, exactly. The direct path has no
structural zeros and needs no check.

Gradients. Under ``autograd.record()`` the direct path is recorded as it is.
The row-block and FFT paths run as a custom operator (``_RowBlocks``),
because Convolution's own backward for one input channel and stride s is slow:
``dX = corr2d(dY padded by k - 1, K flipped)`` by the same paths (with
Convolution's padding), and ``dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY)`` as
``k_h k_w`` dot products of flat views (``_kernel_grad``), or by FFT. Every call
builds its own operator and arrays, so any number of graphs can be alive, and
threads can train at once.
"""
import collections
import threading

import mxnet as mx
import numpy as np
from mxnet import autograd, nd

from .checks import check_corr_args

_slice_assign = nd._internal._slice_assign  # the operator behind NDArray.__setitem__ with slices

__all__ = ['corr2d_fast', 'convolve2d']

_BLOCK = 16                 # s: output columns per row block (the number of filters)
_DIRECT_MAX_TAPS = 25       # kernels up to 5x5 ...
_DIRECT_MAX_PIXELS = 1 << 15  # ... on outputs up to this size take the direct path
_GRAPHS_MAX = 32            # filter-bank CachedOps kept, one per (kernel shape, block)

_FFT_MIN_TAPS = 400         # kernels of 20x20 taps and more take the FFT path (with scipy)
_HOST_CHECK_MAX = 1 << 21   # images up to this size are checked for NaN/Inf by numpy, larger by MXNet

_GRAPHS = collections.OrderedDict()
_GRAPHS_LOCK = threading.Lock()


def corr2d_fast(X, K):
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
    check_corr_args(X, K, np_ok=True)
    as_np = isinstance(X, mx.np.ndarray)
    X, K = _as_float(_legacy(X), _legacy(K))
    Y = _corr2d(X, K, exact=True)
    return Y.as_np_ndarray() if as_np else Y


def convolve2d(X, K):
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
    check_corr_args(X, K, np_ok=True)
    as_np = isinstance(X, mx.np.ndarray)
    Y = corr2d_fast(_legacy(X), nd.reverse(_legacy(K), axis=(0, 1)))
    return Y.as_np_ndarray() if as_np else Y


def _legacy(A):
    """An ``mx.np`` array as a legacy NDArray sharing its memory and autograd node."""
    return A.as_nd_ndarray() if isinstance(A, mx.np.ndarray) else A


def _as_float(X, K):
    """X and K as float32 unless they are float32 or float64: Convolution computes
    in floating point, and corr2d returns float32 for integer input."""
    if X.dtype in (np.float32, np.float64):
        return X, K
    return X.astype('float32'), K.astype('float32')


def _plan(o_h, o_w, k_h, k_w):
    """(path, s, r) for an output of (o_h, o_w): 'direct', 'fft', or 'blocks' of s columns and r left over."""
    if _fft_for(k_h, k_w):
        return 'fft', 0, 0
    if o_w < 2 * _BLOCK or (k_h * k_w <= _DIRECT_MAX_TAPS and o_h * o_w <= _DIRECT_MAX_PIXELS):
        return 'direct', 1, 0
    return 'blocks', _BLOCK, o_w % _BLOCK


def _corr2d(X, K, exact, full=False, out=None):
    """corr2d of float X and K (legacy NDArrays), by the path ``_plan`` picks.

    With ``exact``, X and K are checked first on the row-block and FFT paths,
    and ``_corr2d_nonfinite`` computes the result if they hold NaN or Inf;
    without, the result is returned as it is (for input known to be finite).
    ``full`` pads X with k - 1 zeros on every side (for the gradient in X), and
    ``out``, outside recording, receives the result.
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    if k_h * k_w == 1:
        return nd.broadcast_mul(X, K, out=out)
    p_h, p_w = (k_h - 1, k_w - 1) if full else (0, 0)
    o_h, o_w = n_h + 2 * p_h - k_h + 1, n_w + 2 * p_w - k_w + 1
    path, s, r = _plan(o_h, o_w, k_h, k_w)
    if path == 'direct':
        y = nd.Convolution(data=X.reshape((1, 1, n_h, n_w)), weight=K.reshape((1, 1, k_h, k_w)),
                           kernel=(k_h, k_w), pad=(p_h, p_w), num_filter=1, no_bias=True)  # (1, 1, o_h, o_w)
        return y.reshape((o_h, o_w)) if out is None else y.reshape((o_h, o_w)).copyto(out)
    if autograd.is_recording():
        # Convolution's own backward for the row-block graph is slow (one input
        # channel, stride s): this custom operator gives the gradients by two
        # more correlations (see _RowBlocks).
        return nd.Custom(X, K, op_type=_ROW_BLOCKS)
    on_host = n_h * n_w <= _HOST_CHECK_MAX
    if exact and not on_host:  # each row's sum: NaN or Inf where the row holds one (or the sum overflows)
        check = nd.dot(X, nd.ones((n_w, 1), ctx=X.context, dtype=X.dtype))  # (n_h, 1)
    if path == 'blocks':
        Y = _row_blocks(X, K, s, r, full, out)  # queued; runs while this thread checks
    # Small X: copied and checked here while MXNet convolves (no wait for its engine).
    if not exact or (np.isfinite(X.asnumpy() if on_host else check.asnumpy()).all()
                     and np.isfinite(K.asnumpy()).all()):
        return Y if path == 'blocks' else _fft_corr(X, K, full, out)
    # X or K is not all finite: redo it exactly.
    if full:
        X = nd.pad(X.reshape((1, 1, n_h, n_w)), mode='constant',
                   pad_width=(0, 0, 0, 0, p_h, p_h, p_w, p_w)).reshape((n_h + 2 * p_h, n_w + 2 * p_w))
    Y = _corr2d_nonfinite(X, K, (p_h, p_w))
    if out is None:
        return Y
    out[:] = Y
    return out


_ROW_BLOCKS = 'd2l_conv_corr2d_row_blocks'


class _RowBlocks(mx.operator.CustomOp):
    """corr2d on the row-block or FFT path, with its gradients as correlations.

    With Y = corr2d(X, K) and the loss's gradient dY (o_h, o_w):
    dX = corr2d(dY padded by (k_h - 1, k_w - 1) zeros on every side, K flipped),
    by the forward paths themselves; dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY),
    by ``_kernel_grad`` or by FFT. Each call builds its own operator: no shared
    state. A CustomOp runs on threads of its own, where waiting on MXNet's
    engine is safe (see DEVELOPERS.md for autograd.Function).
    """

    def forward(self, is_train, req, in_data, out_data, aux):
        X, K = in_data
        if req[0] == 'write':
            _corr2d(X, K, exact=True, out=out_data[0])
        else:
            self.assign(out_data[0], req[0], _corr2d(X, K, exact=True))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        (X, K), dY = in_data, out_grad[0]
        k_h, k_w = K.shape
        if req[0] == 'write':
            _corr2d(dY, nd.reverse(K, axis=(0, 1)), exact=True, full=True, out=in_grad[0])
        elif req[0] != 'null':
            self.assign(in_grad[0], req[0], _corr2d(dY, nd.reverse(K, axis=(0, 1)), exact=True, full=True))
        if req[1] != 'null':
            dK = _fft_corr(X, dY, False, None) if _fft_for(k_h, k_w) else _kernel_grad(X, dY, k_h, k_w)
            if not np.isfinite(dK.asnumpy()).all():  # the flat views and the FFT spread NaN and Inf: redo exactly
                dK = _corr2d(X, dY, exact=True)
            self.assign(in_grad[1], req[1], dK)


@mx.operator.register(_ROW_BLOCKS)
class _RowBlocksProp(mx.operator.CustomOpProp):
    def __init__(self):
        super(_RowBlocksProp, self).__init__(need_top_grad=True)

    def list_arguments(self):
        return ['X', 'K']

    def infer_shape(self, in_shape):
        (n_h, n_w), (k_h, k_w) = in_shape
        return in_shape, [(n_h - k_h + 1, n_w - k_w + 1)], []

    def infer_type(self, in_type):
        return in_type, [in_type[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return _RowBlocks()


def _kernel_grad(X, dY, k_h, k_w):
    """dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY) as k_h k_w dot products of flat views.

    With dY's rows padded to X's width n_w (zeros in the last k_w - 1 columns),
    the window of X for tap (a, b) is the flat range that starts at a n_w + b:
    MXNet slices the first axis without a copy. Chunks of about a million
    elements keep each chunk of dY in cache for its k_h k_w products.
    """
    n_w, (o_h, o_w) = X.shape[1], dY.shape
    rows = max(1, (1 << 20) // n_w)                                      # rows of dY per chunk
    Xf = X.reshape((-1,))                                                # (n_h n_w,)
    taps = []
    for top in range(0, o_h, rows):
        m = min(rows, o_h - top)
        length = m * n_w - (k_w - 1)                                     # the last window ends inside X
        d = nd.pad(dY[top:top + m].reshape((1, 1, m, o_w)), mode='constant',
                   pad_width=(0, 0, 0, 0, 0, 0, 0, k_w - 1)).reshape((-1,))[:length]  # (length,)
        start = top * n_w
        taps += [nd.dot(Xf[start + a * n_w + b:start + a * n_w + b + length], d)
                 for a in range(k_h) for b in range(k_w)]                # k_h k_w of (1,)
    return nd.concat(*taps, dim=0).reshape((-1, k_h * k_w)).sum(axis=0).reshape((k_h, k_w))


def _row_blocks(X, K, s, r, full, out):
    """corr2d(X, K) on the row-block path (outside recording; see the module docstring).

    X is (n_h, n_w), K (k_h, k_w), Y (o_h, o_w) = (n_h - k_h + 1, n_w - k_w + 1),
    or with ``full`` X padded by (p_h, p_w) = (k_h - 1, k_w - 1) zeros on each
    side and Y (n_h + k_h - 1, n_w + k_w - 1). o_w = q s + r. Eager operators
    on reshaped views: a CachedOp would copy at each reshape.
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    p_h, p_w = (k_h - 1, k_w - 1) if full else (0, 0)
    o_h, o_w = n_h + 2 * p_h - k_h + 1, n_w + 2 * p_w - k_w + 1
    q, w = o_w // s, s + k_w - 1                                         # blocks per row, filter width
    x = X.reshape((1, 1, n_h, n_w))                                      # (1, 1, n_h, n_w), a view
    bank = _bank(K, s)                                                   # (s, 1, k_h, w): bank[j, 0, :, j:j+k_w] = K
    y = nd.Convolution(data=x, weight=bank, kernel=(k_h, w), stride=(1, s), pad=(p_h, p_w),
                       num_filter=s, no_bias=True)                       # (1, s, o_h, q): y[0, j, i, b] = Y[i, b s + j]
    if r == 0:
        if out is None:
            return nd.transpose(y, axes=(0, 2, 3, 1)).reshape((o_h, o_w))  # (o_h, q s)
        nd.transpose(y, axes=(0, 2, 3, 1), out=out.reshape((1, o_h, q, s)))
        return out
    Y = nd.transpose(y, axes=(0, 2, 3, 1)).reshape((o_h, q * s))         # (o_h, q s)
    # The window that Y[:, o_w - s:] reads: X's columns from n_w + p_w - w on, padded.
    start = n_w + p_w - w                                                # below 0 only with full and n_w < s
    tail = nd.slice_axis(x, axis=3, begin=max(0, start), end=None)       # (1, 1, n_h, w - p_w + min(start, 0))
    if full:  # p_w zeros on the right, and on the left if the window starts in the left padding
        tail = nd.pad(tail, mode='constant', pad_width=(0, 0, 0, 0, p_h, p_h, max(0, -start), p_w))
    # tail: (1, 1, n_h + 2 p_h, w)
    t = nd.Convolution(data=tail, weight=bank, kernel=(k_h, w), num_filter=s,
                       no_bias=True)                                     # (1, s, o_h, 1): Y[:, o_w - s:]
    t = nd.slice_axis(t, axis=1, begin=s - r, end=None)                  # (1, r, o_h, 1): Y[:, o_w - r:]
    t = nd.transpose(t, axes=(0, 2, 3, 1)).reshape((o_h, r))             # (o_h, r)
    if out is None:
        out = nd.empty((o_h, o_w), ctx=X.context, dtype=X.dtype)
    # Two slice assignments (what out[:, a:b] = ... runs, less 50 us of Python indexing):
    # concat along axis 1 is 10x slower on large images.
    _slice_assign(out, Y, begin=(0, 0), end=(o_h, q * s), out=out)
    _slice_assign(out, t, begin=(0, q * s), end=(o_h, o_w), out=out)
    return out                                                           # (o_h, o_w)


_SCIPY_FFT = []  # [scipy.fft or None] once looked up


def _fft_for(k_h, k_w):
    """Whether a (k_h, k_w) kernel takes the FFT path: ``_FFT_MIN_TAPS`` taps or more, and scipy there."""
    return k_h * k_w >= _FFT_MIN_TAPS and _scipy_fft() is not None


def _scipy_fft():
    """scipy.fft, or None without scipy (an optional dependency), imported on first use."""
    if not _SCIPY_FFT:
        try:
            import scipy.fft
            _SCIPY_FFT.append(scipy.fft)
        except ImportError:
            _SCIPY_FFT.append(None)
    return _SCIPY_FFT[0]


def _fft_corr(X, K, full, out):
    """corr2d(X, K) by real FFTs, for kernels of ``_FFT_MIN_TAPS`` taps or more.

    The correlation is the convolution with K flipped. Valid outputs need
    transforms only as long as X (the circular wrap-around reaches just the
    first k - 1 rows and columns, which are dropped); full ones n + k - 1.
    scipy.fft keeps float32 in single precision and uses every core.
    """
    fft = _scipy_fft()
    x, k = X.asnumpy(), K.asnumpy()
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
        y = np.ldexp(y, e_x + e_k).astype(y.dtype)                      # inf where the true value overflows
    if out is None:
        return nd.array(y, ctx=X.context, dtype=X.dtype)
    out[:] = y
    return out


def _bank(K, s):
    """The s filters of the row-block path, (s, 1, k_h, s + k_w - 1), by a cached graph."""
    op, names = _cached_bank(K.shape, s)
    return op(*[{'K': K}[name] for name in names])  # inputs bound by name, in the CachedOp's order


def _bank_graph(F, K, k_h, k_w, s):
    """Filter j is K shifted j columns right in a window of width w = s + k_w - 1.

    Tiling [K, 0 x s] s times and reading it back in rows of w = (k_w + s) - 1
    shifts each copy one column further right: the "skewed tile".
    """
    w = s + k_w - 1
    bank = F.pad(K.reshape((1, 1, k_h, k_w)), mode='constant',
                 pad_width=(0, 0, 0, 0, 0, 0, 0, s))                     # (1, 1, k_h, k_w + s): [K, 0]
    bank = F.tile(bank, reps=(1, 1, 1, s))                               # (1, 1, k_h, s (k_w + s))
    bank = F.slice_axis(bank, axis=3, begin=0, end=s * w)                # (1, 1, k_h, s w)
    bank = F.transpose(bank.reshape((k_h, s, w)), axes=(1, 0, 2))        # (s, k_h, w)
    return bank.reshape((s, 1, k_h, w))                                  # (s, 1, k_h, w)


def _cached_bank(k_shape, s):
    """``_bank_graph`` as a CachedOp (one call instead of six) and its input names, kept per
    kernel shape in an LRU of ``_GRAPHS_MAX``. Its arrays are small (s k_h (s + k_w - 1)):
    no image-sized buffer is kept, however many image shapes are seen.
    """
    key = (k_shape, s)
    with _GRAPHS_LOCK:
        if key in _GRAPHS:
            _GRAPHS.move_to_end(key)
            return _GRAPHS[key]
    graph = _bank_graph(mx.sym, mx.sym.var('K'), k_shape[0], k_shape[1], s)
    entry = nd.CachedOp(graph), graph.list_inputs()
    with _GRAPHS_LOCK:
        entry = _GRAPHS.setdefault(key, entry)
        while len(_GRAPHS) > _GRAPHS_MAX:
            _GRAPHS.popitem(last=False)
    return entry


def _corr2d_nonfinite(X, K, pad=(0, 0)):
    """corr2d of X and K that hold NaN or +-Inf, with scipy's NaN and +-Inf.

    Y = corr2d(X0, K0) + N, where X0 and K0 have their non-finite entries set
    to 0, and N is NaN, +Inf or -Inf where some product X[i+a, j+b] K[a, b] is
    not finite, else 0. N follows from counts of NaN, +Inf and -Inf products,
    each a correlation of 0/1 masks (integer counts, exact up to rounding).
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    x, k = X.asnumpy(), K.asnumpy()
    ctx, dtype = X.context, X.dtype

    def masks(a):
        fin = np.isfinite(a)
        return {'nan': np.isnan(a), 'pinf': a == np.inf, 'ninf': a == -np.inf, 'zero': a == 0,
                'pos': fin & (a > 0), 'neg': fin & (a < 0), 'all': np.ones(a.shape, bool)}
    mx_, mk = masks(x), masks(k)
    if pad != (0, 0):  # X's first and last pad rows and columns are padding, not data: no product there
        inside = np.zeros(x.shape, bool)
        inside[pad[0]:n_h - pad[0], pad[1]:n_w - pad[1]] = True
        mx_['all'] &= inside
        mx_['zero'] &= inside

    def count(pairs):
        total = np.zeros((n_h - k_h + 1, n_w - k_w + 1), np.float64)
        for a, b in pairs:
            if a.any() and b.any():
                total += _corr2d(nd.array(a, ctx=ctx, dtype=dtype), nd.array(b, ctx=ctx, dtype=dtype),
                                 exact=False).asnumpy()
        return total > 0.5  # counts are integers (FFT rounding aside)
    inf_x, inf_k = mx_['pinf'] | mx_['ninf'], mk['pinf'] | mk['ninf']
    with autograd.pause():
        nan = count([(mx_['nan'], mk['all']), (mx_['all'], mk['nan']), (inf_x, mk['zero']), (mx_['zero'], inf_k)])
        pos = count([(mx_['pinf'], mk['pos'] | mk['pinf']), (mx_['ninf'], mk['neg'] | mk['ninf']),
                     (mx_['pos'], mk['pinf']), (mx_['neg'], mk['ninf'])])
        neg = count([(mx_['pinf'], mk['neg'] | mk['ninf']), (mx_['ninf'], mk['pos'] | mk['pinf']),
                     (mx_['pos'], mk['ninf']), (mx_['neg'], mk['pinf'])])
    N = np.where(nan | (pos & neg), np.nan, np.where(pos, np.inf, np.where(neg, -np.inf, 0)))
    X0 = nd.where(nd.array(np.isfinite(x), ctx=ctx, dtype=dtype), X, nd.zeros_like(X))
    K0 = nd.where(nd.array(np.isfinite(k), ctx=ctx, dtype=dtype), K, nd.zeros_like(K))
    return _corr2d(X0, K0, exact=False) + nd.array(N, ctx=ctx, dtype=dtype)
