"""Fast, differentiable 2-D correlation and convolution: what the package adds to the page.

``corr2d_fast(X, K)`` is built from MXNet operators that autograd can
differentiate (pad, tile, slice, reshape, transpose, Convolution, concat), so it
can sit in ``Conv2D(kernel_size, corr=corr2d_fast)`` and learn. None loops over
pixels. It takes and returns legacy ``mx.nd`` arrays and ``mx.np`` arrays.

Which path runs, and why (measured with ``benchmarks/bench_corr2d.py``):

* **1x1 kernel**: ``X * K``, one broadcast multiply.
* **Direct**: one ``Convolution`` with one input and one output channel, for
  outputs narrower than two row blocks or smaller than ``_DIRECT_MAX_PIXELS``
  with at most ``_DIRECT_MAX_TAPS`` taps. MXNet's CPU convolution handles one
  channel poorly (a 7x7 kernel on a 1024x1024 image takes a quarter of a
  second), but on small inputs nothing beats one operator call.
* **Row blocks** (everything else): each output row is cut into blocks of
  ``s = _BLOCK`` columns, and one ``Convolution`` with ``s`` filters computes
  all of them. Filter ``j`` is K shifted ``j`` columns right inside a window of
  ``(k_h, s + k_w - 1)``, and the convolution steps ``s`` columns at a time,
  so its output channel ``j`` at block ``q`` is ``Y[i, q s + j]``. oneDNN runs
  this many-filter, strided form well (for kernels up to 31x31 and more), and
  one transpose turns its ``(s, o_h, q)`` output into Y's row layout. When
  ``s`` does not divide the output width, the last ``r`` columns come from the
  last ``s`` filters on the image's last window, and are concatenated.
  The filter bank is made from K by pad, tile, slice and reshape (the "skewed
  tile" trick: tiling ``[K, 0 x s]`` s times and reading it with a row length
  one shorter shifts each copy one column right), so gradients reach K and no
  constant array is shared between calls or graphs.

The filter bank's zeros multiply image pixels next to each window: a NaN or
Inf there would leak into ``s`` neighbouring outputs (``0 * inf = nan``). So
the row-block path checks its result (one matrix-vector product, about a
tenth of the convolution's time); when anything is not finite, it correlates
the finite parts and adds, from exact correlations of 0/1 masks, NaN and +-Inf
where ``scipy.signal.correlate2d`` has them.

Outside ``autograd.record()`` the direct and row-block graphs run as one MXNet
``CachedOp`` call (saving 7-10 operator calls of ~20 us each). CachedOps are
kept per kernel shape in a small LRU (``_GRAPHS``), not per image shape, and
without static allocation, so any number of image shapes reuse them and no
buffers outlive a call: memory behaves as with ``nd.Convolution``. Under
recording the same graph runs eagerly, with fresh arrays in every call, so any
number of graphs can be alive and threads can train at once (and MXNet 1.9.1's
CachedOp backward fails on oneDNN transposes of 8 or more channels).
"""
import collections
import threading

import mxnet as mx
import numpy as np
from mxnet import autograd, nd

from .checks import check_corr_args

__all__ = ['corr2d_fast', 'convolve2d']

_BLOCK = 16                 # s: output columns per row block (the number of filters)
_DIRECT_MAX_TAPS = 25       # kernels up to 5x5 ...
_DIRECT_MAX_PIXELS = 1 << 15  # ... on outputs up to this size take the direct path
_GRAPHS_MAX = 32            # CachedOps kept, one per (kernel shape, block, remainder, path)

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
        On X's context; float32 unless X and K are float64.

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
    (n_h, n_w), (k_h, k_w) = check_corr_args(X, K, np_ok=True)
    as_np = isinstance(X, mx.np.ndarray)
    X, K = _as_float(_legacy(X), _legacy(K))
    Y = _corr2d(X, K, n_h, n_w, k_h, k_w, exact=True)
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


def _plan(n_h, n_w, k_h, k_w):
    """(path, s, r): 'direct' or 'blocks' with s columns per block and r left over."""
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    if o_w < 2 * _BLOCK or (k_h * k_w <= _DIRECT_MAX_TAPS and o_h * o_w <= _DIRECT_MAX_PIXELS):
        return 'direct', 1, 0
    return 'blocks', _BLOCK, o_w % _BLOCK


def _corr2d(X, K, n_h, n_w, k_h, k_w, exact):
    """corr2d of float X and K (legacy NDArrays), by the path ``_plan`` picks.

    With ``exact``, a row-block result that is not all finite is recomputed by
    ``_corr2d_nonfinite``; without, it is returned as it is (for finite input).
    """
    if k_h * k_w == 1:
        return nd.broadcast_mul(X, K)
    path, s, r = _plan(n_h, n_w, k_h, k_w)
    if autograd.is_recording():
        if path == 'direct':
            return _graph(nd, X, K, path, k_h, k_w, s, r)
        # Convolution's own backward for the row-block graph is slow (one input
        # channel, stride s): this custom operator gives exact gradients by two
        # correlations (see _RowBlocks).
        return nd.Custom(X, K, op_type=_ROW_BLOCKS)
    op, names = _cached_graph(path, k_h, k_w, s, r, X.dtype)
    out = op(*[{'X': X, 'K': K}[name] for name in names])
    if path == 'direct':
        return out
    Y, check = out
    if not exact:
        return Y
    if np.isfinite(check.asnumpy().sum()):
        return Y
    # Something is not finite (or the rows' sums overflow): redo it exactly.
    return _corr2d_nonfinite(X, K, n_h, n_w, k_h, k_w)


_ROW_BLOCKS = 'd2l_conv_corr2d_row_blocks'


class _RowBlocks(mx.operator.CustomOp):
    """corr2d on the row-block path, with its gradients as correlations.

    With Y = corr2d(X, K) and the loss's gradient dY (o_h, o_w):
    dX = corr2d(dY padded by (k_h - 1, k_w - 1) zeros on every side, K flipped),
    run by the forward path itself; dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY),
    by ``_kernel_grad``. Each call builds its own operator: no shared state.
    """

    def forward(self, is_train, req, in_data, out_data, aux):
        X, K = in_data
        self.assign(out_data[0], req[0], _corr2d(X, K, *(X.shape + K.shape), exact=True))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        (X, K), dY = in_data, out_grad[0]
        k_h, k_w = K.shape
        if req[0] != 'null':
            dYp = nd.pad(dY.reshape((1, 1) + dY.shape), mode='constant',
                         pad_width=(0, 0, 0, 0, k_h - 1, k_h - 1, k_w - 1, k_w - 1))
            dYp = dYp.reshape(dYp.shape[2:])  # (n_h + k_h - 1, n_w + k_w - 1)
            self.assign(in_grad[0], req[0], _corr2d(dYp, nd.reverse(K, axis=(0, 1)), *(dYp.shape + K.shape),
                                                    exact=True))
        if req[1] != 'null':
            self.assign(in_grad[1], req[1], _kernel_grad(X, dY, k_h, k_w))


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
    MXNet slices the first axis without a copy, so each tap reads X and dY once.
    """
    n_w, (o_h, o_w) = X.shape[1], dY.shape
    length = o_h * n_w - (k_w - 1)  # the last window ends at X's last element
    dYp = nd.pad(dY.reshape((1, 1, o_h, o_w)), mode='constant',
                 pad_width=(0, 0, 0, 0, 0, 0, 0, k_w - 1)).reshape((-1,))[:length]  # (length,)
    Xf = X.reshape((-1,))                                                         # (n_h n_w,)
    taps = [nd.dot(Xf[a * n_w + b:a * n_w + b + length], dYp) for a in range(k_h) for b in range(k_w)]
    return nd.concat(*taps, dim=0).reshape((k_h, k_w))


def _graph(F, X, K, path, k_h, k_w, s, r):
    """Y = corr2d(X, K) with F = mx.nd (run now) or mx.sym (build a CachedOp's graph).

    X is (n_h, n_w), K (k_h, k_w), Y (o_h, o_w) = (n_h - k_h + 1, n_w - k_w + 1);
    on the row-block path o_w = q s + r.
    """
    x = F.expand_dims(F.expand_dims(X, axis=0), axis=0)                  # (1, 1, n_h, n_w)
    if path == 'direct':
        y = F.Convolution(data=x, weight=K.reshape((1, 1, k_h, k_w)), kernel=(k_h, k_w),
                          num_filter=1, no_bias=True)                    # (1, 1, o_h, o_w)
        return F.squeeze(y, axis=(0, 1))                                 # (o_h, o_w)
    w = s + k_w - 1                                                      # the filters' window width
    bank = F.pad(K.reshape((1, 1, k_h, k_w)), mode='constant',
                 pad_width=(0, 0, 0, 0, 0, 0, 0, s))                     # (1, 1, k_h, k_w + s): [K, 0]
    bank = F.tile(bank, reps=(1, 1, 1, s))                               # (1, 1, k_h, s (k_w + s))
    bank = F.slice_axis(bank, axis=3, begin=0, end=s * w)                # (1, 1, k_h, s w)
    bank = F.transpose(bank.reshape((k_h, s, w)), axes=(1, 0, 2))        # (s, k_h, w): bank[j, :, j:j+k_w] = K
    bank = F.expand_dims(bank, axis=1)                                   # (s, 1, k_h, w)
    y = F.Convolution(data=x, weight=bank, kernel=(k_h, w), stride=(1, s),
                      num_filter=s, no_bias=True)                        # (1, s, o_h, q): y[0, j, i, b] = Y[i, b s + j]
    Y = F.transpose(y, axes=(0, 2, 3, 1)).reshape((-3, -3))              # (o_h, q s)
    if r == 0:
        return Y
    tail = F.slice_axis(x, axis=3, begin=-w, end=None)                   # (1, 1, n_h, w): window of Y[:, o_w - s:]
    t = F.Convolution(data=tail, weight=F.slice_axis(bank, axis=0, begin=s - r, end=None),
                      kernel=(k_h, w), num_filter=r, no_bias=True)       # (1, r, o_h, 1): Y[:, o_w - r:]
    t = F.transpose(t, axes=(0, 2, 3, 1)).reshape((-3, -3))              # (o_h, r)
    return F.concat(Y, t, dim=1)                                         # (o_h, o_w)


def _cached_graph(path, k_h, k_w, s, r, dtype):
    """``_graph`` as a CachedOp and the names of its inputs in MXNet's order.

    Keyed by the kernel's shape, not the image's: the graph reshapes only
    with MXNet's shape codes, so one CachedOp serves every image shape. The
    row-block graph has a second output, each row's sum, to check for NaN/Inf.
    No ``static_alloc``: buffers would stay alive for every shape seen.
    """
    key = (path, k_h, k_w, s, r, np.dtype(dtype).name)
    with _GRAPHS_LOCK:
        if key in _GRAPHS:
            _GRAPHS.move_to_end(key)
            return _GRAPHS[key]
    X, K = mx.sym.var('X'), mx.sym.var('K')
    Y = _graph(mx.sym, X, K, path, k_h, k_w, s, r)
    if path != 'direct':
        ones = mx.sym.ones_like(mx.sym.slice_axis(Y, axis=0, begin=0, end=1))  # (1, o_w)
        Y = mx.sym.Group([Y, mx.sym.dot(Y, ones, transpose_b=True)])         # (o_h, o_w), (o_h, 1)
    entry = nd.CachedOp(Y), Y.list_inputs()
    with _GRAPHS_LOCK:
        entry = _GRAPHS.setdefault(key, entry)
        while len(_GRAPHS) > _GRAPHS_MAX:
            _GRAPHS.popitem(last=False)
    return entry


def _corr2d_nonfinite(X, K, n_h, n_w, k_h, k_w):
    """corr2d of X and K that hold NaN or +-Inf, with scipy's NaN and +-Inf.

    Y = corr2d(X0, K0) + N, where X0 and K0 have their non-finite entries set
    to 0, and N is NaN, +Inf or -Inf where some product X[i+a, j+b] K[a, b] is
    not finite, else 0. N follows from counts of NaN, +Inf and -Inf products,
    each a correlation of 0/1 masks (sums of non-negative terms: positive
    exactly where a count is).
    """
    x, k = X.asnumpy(), K.asnumpy()
    ctx, dtype = X.context, X.dtype

    def masks(a):
        fin = np.isfinite(a)
        return {'nan': np.isnan(a), 'pinf': a == np.inf, 'ninf': a == -np.inf, 'zero': a == 0,
                'pos': fin & (a > 0), 'neg': fin & (a < 0), 'all': np.ones(a.shape, bool)}
    mx_, mk = masks(x), masks(k)

    def count(pairs):
        total = np.zeros((n_h - k_h + 1, n_w - k_w + 1), np.float64)
        for a, b in pairs:
            if a.any() and b.any():
                total += _corr2d(nd.array(a, ctx=ctx, dtype=dtype), nd.array(b, ctx=ctx, dtype=dtype),
                                 n_h, n_w, k_h, k_w, exact=False).asnumpy()
        return total > 0
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
    return _corr2d(X0, K0, n_h, n_w, k_h, k_w, exact=False) + nd.array(N, ctx=ctx, dtype=dtype)
