"""Fast, differentiable 2-D correlation and convolution: what the package adds to the page.

``corr2d_fast(X, K)`` computes what the book's loop ``corr2d`` computes, with
MXNet operators instead of a Python loop over pixels, differentiably in X and
K (so ``Conv2D(kernel_size, corr=corr2d_fast)`` learns), with NaN and +-Inf
where ``scipy.signal.correlate2d`` puts them, for legacy ``mx.nd`` and
``mx.np`` arrays. This docstring is the one place that says which path runs
when, and why; the numbers are from ``benchmarks/bench_corr2d.py``.

Paths, with (o_h, o_w) the output's shape:

* **1x1 kernel**: ``X * K``, one broadcast multiply.
* **Direct**, for outputs smaller than two blocks in either direction, or
  of at most ``_DIRECT_MAX_PIXELS`` pixels with at most ``_DIRECT_MAX_TAPS``
  taps: one ``Convolution`` with one input and one output channel. MXNet's
  CPU convolution handles a single channel poorly (5x5 on 2048x2050: 70 ms;
  7x7 on 1024x1024: 530 ms), but on small images one operator call beats
  everything (256x256 3x3 included: the blocks' extra operators cost as much
  as they save there, per call).
* **FFT**, for kernels of ``_FFT_MIN_TAPS`` (20x20) taps or more when scipy
  is installed: real FFTs of X and the flipped K (``scipy.fft``, single
  precision for float32, all cores). From about 16x16 the FFT's cost, which
  does not grow with the kernel, beats the blocks (31x31 on 1024x1024: 15 ms
  against 40 ms; 15x15: a tie at 14 ms). Its rounding error scales with the
  largest ``|X| * sum|K|`` in the image rather than each window's (float64
  is 3-4x slower here, so float32 stays float32). Without scipy these kernels
  take the blocks.
* **Bands**, for float32 kernels of up to ``_BANDS_MAX_TAPS`` (11x11) taps
  on outputs of at least ``_band_min_rows`` rows (72 for 3x3): X's rows, cut
  into ``_BANDS`` (8) bands, are the channels of one depthwise
  ``Convolution`` (``num_group``), which oneDNN runs near the memory's speed
  with no structural zeros (1024x1024: 3x3 in 1.6 ms, 7x7 in 3.5 ms, against
  7 and 540 ms for one channel). Each band is padded by zeros, so the rows
  about each band's edge are recomputed from X by a second, small depthwise
  ``Convolution`` and written over (``_bands``). oneDNN runs 8 or 16
  channels this way but 7, 12 or 15 channels 5-10x slower, and float64 has
  no oneDNN convolution (MXNet's own grouped one is 2-6x slower than the
  blocks). Larger kernels measured no faster than the blocks.
* **Blocks**, everything else. Y is cut into blocks of (b_h, b_w) outputs
  (``_block_shape``: 8 x 1 for kernels of up to 9 taps, else 4 x 4), and one
  strided ``Convolution`` with b_h b_w filters computes all blocks at once:
  filter (i, j) is K shifted i rows down and j columns right in a window of
  (b_h + k_h - 1, b_w + k_w - 1), so its output channel i b_w + j at block
  (c, d) is ``Y[c b_h + i, d b_w + j]``. oneDNN runs 8 and 16 filters with
  one input channel near the machine's sgemm peak, so a block costs its
  window's products, zeros included: 30 per output for 3x3 (9 needed), 64
  for 5x5, 324 for 15x15, against MXNet's single-channel convolution running
  far below peak. One transpose (8 x 1) or two (4 x 4) put Y's entries in
  place. Rows left over by 8 x 1 blocks come from the same filters on X's
  last rows and one copy; 4 x 4 blocks pad X with zeros to whole blocks and
  slice. The filter bank is made per call, with no shared graph (a cached
  ``CachedOp`` called at once by the caller's thread and MXNet's custom-op
  thread crashed on first use of a shape): on a CPU numpy places K's entries
  (read in place, a DLPack view) by a cached read-only index, and MXNet reads
  the result in place (``nd.from_numpy``), so the convolution waits on no
  operator; elsewhere one sparse product with a cached 0/1 matrix
  (``_bank_matrix``). The image-sized operators run eagerly on reshaped views
  (``view``: ``NDArray.reshape``'s checks cost ~20 µs, as much as a small
  convolution), every image-sized buffer comes from MXNet's operators (a
  fresh 16 MB numpy array costs ~9 ms of page faults on this machine, each
  call), and no buffer outlives a call.

The private keyword ``_method='direct' | 'bands' | 'blocks' | 'fft'`` forces a
path (as scipy's ``method=``), for tests; on outputs smaller than two blocks,
forced blocks are at most half the output in each direction, and forced bands
refuse outputs shorter than ``_band_min_rows``.

NaN and Inf. The bank's zeros multiply pixels beside each window, and
``0 * nan`` is NaN: one NaN would spread to every output of its blocks (and
to all of them through an FFT), or, through an even kernel's zero row, to
the outputs of the band path above it. So the block and FFT paths, and the
band path for kernels of an even number of rows, check their result Y,
which copies no image out of MXNet: every entry of X and K meets some
filter entry, zero or not, so a NaN or Inf in X or K leaves some
non-finite entry in Y. On a CPU numpy reads Y in place (a DLPack view), row
sums by one matrix-vector product; elsewhere the same product in MXNet, and
only a row of sums reaches the host. When Y is not all finite (or a sum
overflows), the path correlates X and K with the non-finite entries set to 0
and adds NaN, +Inf or -Inf where some product ``X[i+a, j+b] K[a, b]`` is NaN,
+Inf or -Inf, from correlations of 0/1 masks (``_corr2d_nonfinite``, MXNet
operators only): scipy's values, exactly. The direct path, and the band
path for kernels of an odd number of rows, have no structural zeros that
reach Y (the bands' padding only reaches rows that are recomputed) and need
no check; but the band path for the gradient in X (dY padded by k - 1
zeros, which are products with K there) is checked like the blocks.

Gradients. Under ``autograd.record()`` the direct path is recorded as it is.
The band, block and FFT paths run as a custom operator (``_Corr2dOp``): their
results are put together from pieces, and the blocks' Convolution (one input
channel, a stride) has a slow backward. It computes
``dX = corr2d(dY padded by k - 1, K flipped)`` by the same paths, and
``dK[a, b] = sum(X[a:a+o_h, b:b+o_w] * dY)`` as ``k_h k_w`` dot products of
flat views (``_kernel_grad``), or by FFT, each checked as above. Padding is
done before the blocks' convolution (oneDNN's strided Convolution runs ~4x
slower padding by itself); on a CPU numpy computes dK's products on host
views (one operator per product would cost ~30 µs each), on a GPU
``nd.dot``. Every call builds its own operator and arrays, so any number of
graphs can be alive, threads can train at once, and any mix of new shapes,
threads and recording is safe. A custom operator still queued at exit would
hang the interpreter's shutdown: ``nd.waitall`` runs at exit first.

Context. Results are on X's context: MXNet's operators put the result for
``cpu_pinned`` input on ``cpu``, and that one case is copied back. On a GPU
the direct and block paths stay on the device (a row of sums per check comes
back); the FFT path (kernels of 20x20 and more) copies X and K to the host
and Y back, two image-sized transfers and a stall per call, as scipy's own
FFT would.
"""
import atexit
import functools

import mxnet as mx
import numpy as np
from mxnet import autograd, nd

from ._arrays import correlation, host_view, rows, view

_slice_assign = nd._internal._slice_assign  # the operators behind NDArray.__setitem__ with slices
_slice_assign_scalar = nd._internal._slice_assign_scalar

__all__ = ['corr2d_fast', 'convolve2d']

_BANDS = 8                    # bands of X's rows on the band path: the channels of one depthwise Convolution
_BANDS_MAX_TAPS = 121         # (oneDNN runs 8 or 16 fast, 7, 12 or 15 5-10x slower), for kernels up to 11x11
_SMALL_TAPS = 9               # kernels of up to 9 taps (3x3) take blocks of _TALL_BLOCK = (8, 1), larger
_TALL_BLOCK = (8, 1)          # ones _SQUARE_BLOCK: (b_h, b_w) output rows and columns per block, b_h b_w
_SQUARE_BLOCK = (4, 4)        # filters (see _block_shape)
_STRIPE = 1 << 20             # outputs per stripe of the block path (4 MB of float32)
_DIRECT_MAX_TAPS = 25         # kernels up to 5x5 ...
_DIRECT_MAX_PIXELS = 1 << 16  # ... on outputs up to this size (256x256) take the direct path
_FFT_MIN_TAPS = 400           # kernels of 20x20 taps and more take the FFT path (with scipy)
_DK_CHUNK = 1 << 20           # elements of dY per chunk of the kernel gradient's dot products in MXNet ...
_DK_HOST_CHUNK = 1 << 18      # ... and in numpy
_METHODS = (None, 'direct', 'bands', 'blocks', 'fft')
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
        raise ValueError("_method must be None, 'direct', 'bands', 'blocks' or 'fft' (with scipy), got %r"
                         % (method,))
    return method


def _plan(o_h, o_w, k_h, k_w, dtype=np.float32):
    """The path for an output of (o_h, o_w), a (k_h, k_w) kernel and a dtype: 'direct', 'bands', 'blocks'
    or 'fft'. Bands are for float32 only: oneDNN has no float64 convolution, and MXNet's own grouped one
    runs 2-6x slower than the blocks here."""
    if _fft_for(k_h, k_w):
        return 'fft'
    b_h, b_w = _block_shape(k_h, k_w)
    if o_h < 2 * b_h or o_w < 2 * b_w or (k_h * k_w <= _DIRECT_MAX_TAPS and o_h * o_w <= _DIRECT_MAX_PIXELS):
        return 'direct'
    if k_h * k_w <= _BANDS_MAX_TAPS and o_h >= _band_min_rows(k_h) and dtype == np.float32:
        return 'bands'
    return 'blocks'


def _block_shape(k_h, k_w, o_h=None, o_w=None):
    """(b_h, b_w), the output rows and columns of a block for a (k_h, k_w) kernel, at most half of (o_h, o_w).

    Filter (i, j) of the bank is K shifted i rows down and j columns right
    in a window of (b_h + k_h - 1, b_w + k_w - 1): each output costs that
    window's products, zeros included. 8 x 1 costs 30 products for 3x3 and
    one transpose to put the rows in place; 4 x 4 costs 64 for 5x5 (8 x 1:
    60, 16 x 1: 100) and 324 for 15x15 (16 x 1: 450) but two transposes, and
    oneDNN runs 16 filters near its best. (1040x1040 here: 3x3 1.6 ms with
    8 x 1; 5x5 2.0 ms with 4 x 4 against 3.0 with 8 x 1; 15x15 9.6 against
    12.9 with 16 x 1.)
    """
    b_h, b_w = _TALL_BLOCK if k_h * k_w <= _SMALL_TAPS else _SQUARE_BLOCK
    if o_h is not None:
        b_h, b_w = min(b_h, max(1, o_h // 2)), min(b_w, max(1, o_w // 2))
    return b_h, b_w


def _corr2d(X, K, method=None, check_finite=True, full=False, out=None):
    """corr2d of float X and K (legacy NDArrays) by ``method``, or by the path ``_plan`` picks.

    With ``check_finite``, a block, FFT, even-kernel band or ``full`` band
    result that is not all finite is computed again by ``_corr2d_nonfinite``
    (X or K held NaN or Inf, or a sum overflowed: ``_exact_unless_finite``);
    without, it is returned as it is (for input known to be finite, or checked
    later by the caller). ``full`` pads X with k - 1 zeros on every
    side (for the gradient in X), and ``out`` receives the result (the custom
    operator's outputs; under recording the result is a new array and
    ``out`` is not used).
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    if k_h * k_w == 1:
        return nd.broadcast_mul(X, K, out=out)
    p_h, p_w = (k_h - 1, k_w - 1) if full else (0, 0)
    o_h, o_w = n_h + 2 * p_h - k_h + 1, n_w + 2 * p_w - k_w + 1
    path = method or _plan(o_h, o_w, k_h, k_w, X.dtype)
    if path == 'bands' and o_h < _band_min_rows(k_h):
        raise ValueError("_method='bands' needs an output of at least %d rows with a kernel of %d rows, got %d"
                         % (_band_min_rows(k_h), k_h, o_h))
    if path == 'direct':  # out as a view: the result of a copy would stay in oneDNN's blocked layout
        y = nd.Convolution(data=view(X, (1, 1, n_h, n_w)), weight=view(K, (1, 1, k_h, k_w)),
                           kernel=(k_h, k_w), pad=(p_h, p_w), num_filter=1, no_bias=True,
                           out=None if out is None else view(out, (1, 1, o_h, o_w)))
        return view(y, (o_h, o_w)) if out is None else out
    if autograd.is_recording():
        # Convolution's own backward for the block graph is slow (one input
        # channel, a stride): this custom operator gives the gradients by two
        # more correlations (see _Corr2dOp).
        return nd.Custom(_plain(X), _plain(K), op_type=_CORR2D_OP, method=str(method))
    compute = {'bands': _bands, 'blocks': _blocks, 'fft': _fft_corr}[path]
    Y = compute(X, K, (p_h, p_w), out)
    # Odd bands put no structural zero into Y, but with full the zeros padding X do: 0 * inf in K is NaN.
    if not check_finite or (path == 'bands' and k_h % 2 and not full):
        return Y
    return _exact_unless_finite(Y, X, K, full, out)


def _exact_unless_finite(Y, X, K, full=False, out=None):
    """Y = corr2d(X, K) (``full``: of X padded by k - 1 zeros), or if Y holds NaN or Inf (X or K did, or a
    sum overflowed), the same computed again exactly by ``_corr2d_nonfinite``, into ``out`` if given."""
    if _finite(Y):
        return Y
    k_h, k_w = K.shape
    p_h, p_w = (k_h - 1, k_w - 1) if full else (0, 0)
    Y = _corr2d_nonfinite(_padded(X, (p_h, p_h), (p_w, p_w)) if full else X, K, (p_h, p_w))
    return Y if out is None else Y.copyto(out)


def _plain(A):
    """A, or on a CPU a copy of A in plain row-major memory if oneDNN keeps A in a blocked layout.

    MXNet 1.9.1 hands a custom operator its inputs' memory as plain rows: a
    Convolution's result in oneDNN's blocked layout, reshaped (the direct
    path's result for kernels of 6x6 and more, or a multi-filter
    Convolution's), would be read as garbage. Such an array has no host view
    (``host_view``: MXNet will not export it), which is how it is told apart;
    so does every array with numpy < 1.22, which then is copied too. Asking
    waits for A to be computed: one wait per recorded call, on its inputs.
    """
    if A.context.device_type not in ('cpu', 'cpu_pinned') or host_view(A) is not None:
        return A
    return nd.identity(A)


def _padded(X, rows, cols):
    """X with rows = (above, below) zero rows and cols = (left, right) zero columns.

    An empty array, X assigned into it and zeros into the borders: one pass
    over the image, on any context, as fast as numpy's padding on a CPU
    (``nd.pad`` is ~4x slower).
    """
    (n_h, n_w), (a, b), (c, d) = X.shape, rows, cols
    H, W = n_h + a + b, n_w + c + d
    Z = nd.empty((H, W), ctx=X.context, dtype=X.dtype)
    _slice_assign(Z, X, begin=(a, c), end=(a + n_h, c + n_w), out=Z)
    for begin, end in (((0, 0), (a, W)), ((a + n_h, 0), (H, W)), ((a, 0), (a + n_h, c)), ((a, c + n_w), (a + n_h, W))):
        if begin[0] < end[0] and begin[1] < end[1]:
            _slice_assign_scalar(Z, scalar=0.0, begin=begin, end=end, out=Z)
    return Z


def _finite(Y):
    """Whether Y holds no NaN and no Inf, read where Y is, with one number per row reaching the host.

    On a CPU numpy reads Y in place (a DLPack view): Y's row sums by one
    matrix-vector product (``isfinite(Y).all()`` would write a mask as large
    as Y), NaN or Inf wherever a row holds one. Elsewhere the same product in
    MXNet. A row sum that overflows reads as not finite: the caller then
    computes exactly, which costs time, never correctness. Either way the
    call waits for Y here: a pipelined caller's next call is prepared only
    after this one is computed.
    """
    y = host_view(Y) if Y.context == _CPU else None
    if y is None:
        return bool(np.isfinite(nd.dot(Y, nd.ones((Y.shape[1], 1), ctx=Y.context, dtype=Y.dtype)).asnumpy()).all())
    with np.errstate(invalid='ignore', over='ignore'):  # inf - inf in a row sum: that row is not finite
        return bool(np.isfinite(y.dot(np.ones(y.shape[1], y.dtype))).all())


_CORR2D_OP = 'd2l_conv_corr2d'
# A custom operator's call still queued at exit needs Python on MXNet's thread while the
# interpreter shuts down, and the process hangs: wait for them first (before MXNet's own
# atexit handler, registered at its import).
atexit.register(nd.waitall)


class _Corr2dOp(mx.operator.CustomOp):
    """corr2d on the band, block or FFT path (or a forced ``method``), with its gradients as correlations.

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
        if req[0] != 'null':  # queued: MXNet computes dX while numpy computes dK; checked after that
            K_flipped, out = nd.reverse(K, axis=(0, 1)), in_grad[0] if req[0] == 'write' else None
            dX = _corr2d(dY, K_flipped, self.method, check_finite=False, full=True, out=out)
        if req[1] != 'null':
            if self.method == 'fft' or (self.method is None and _fft_for(k_h, k_w)):
                dK = _fft_corr(X, dY)
            else:
                dK = _kernel_grad(X, dY, k_h, k_w)
            if not np.isfinite(nd.sum(dK).asscalar()):  # flat views and FFT spread NaN and Inf: redo exactly
                dK = _corr2d(X, dY)
            self.assign(in_grad[1], req[1], dK)
        if req[0] != 'null':
            dX = _exact_unless_finite(dX, dY, K_flipped, full=True, out=out)
            if out is None:
                self.assign(in_grad[0], req[0], dX)


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
    D = _padded(dY, (0, 0), (0, k_w - 1)) if k_w > 1 else dY            # dY's rows padded to n_w
    x, d = (host_view(X), host_view(D)) if X.context == _CPU else (None, None)
    on_host = x is not None and d is not None
    if on_host:
        Xf, Df, dot, chunk = x.reshape(-1), d.reshape(-1), np.dot, _DK_HOST_CHUNK
    else:
        Xf, Df, dot, chunk = view(X, (n_h * n_w,)), view(D, (o_h * n_w,)), nd.dot, _DK_CHUNK
    per_chunk = max(1, chunk // n_w)                                     # rows of dY per chunk
    taps = []
    for top in range(0, o_h, per_chunk):
        m = min(per_chunk, o_h - top)
        start, length = top * n_w, m * n_w - (k_w - 1)                   # the last window ends inside X
        rows_of_dy = Df[start:start + length]                            # (length,)
        taps += [dot(Xf[start + a * n_w + b:start + a * n_w + b + length], rows_of_dy)
                 for a in range(k_h) for b in range(k_w)]                # k_h k_w of (1,) or scalars
    if not on_host:
        return nd.concat(*taps, dim=0).reshape((-1, k_h * k_w)).sum(axis=0).reshape((k_h, k_w))
    dK = np.array(taps, x.dtype).reshape((-1, k_h * k_w)).sum(axis=0).reshape((k_h, k_w))
    return nd.from_numpy(dK, zero_copy=True)


def _bands(X, K, pad=(0, 0), out=None):
    """corr2d of X, padded by ``pad`` zeros on every side, with K, on the band path (outside recording).

    With (o_h, o_w) the output's shape and S = o_h // ``_BANDS``, X's first
    ``_BANDS`` S rows, as ``_BANDS`` bands of S rows, are the channels of one
    depthwise ``Convolution`` (``num_group``) with K, each band padded by
    p = k_h // 2 zero rows above and below (and K by a zero row below if k_h
    is even): band c gives Y's rows c S - p to (c + 1) S - p - 1, written into
    Z, which is Y with p more rows on top. Rows whose windows reach into a
    band's padding (2p about each band's edge) and the rows below the last
    band (r - 2p, fewer than ``_BANDS``) are recomputed by a second depthwise
    Convolution: group c (c = 1 .. ``_BANDS``) is Y's rows c S - 2p to
    c S - 2p + r - 1, from r + k_h - 1 rows of X taken (``_band_index``) at
    row c S - 2p, written over Z's. Y is Z's rows p to p + o_h - 1 (a view
    that keeps Z's S - r + p rows below it, never written, alive: at most an
    eighth of Y), or copied into ``out``.

    Only the padding and an even kernel's zero row are structural zeros, and
    every padded row is recomputed: for an odd k_h, Y holds NaN and +-Inf
    exactly where the products put them, with no check.
    """
    if pad != (0, 0):
        X = _padded(X, (pad[0], pad[0]), (pad[1], pad[1]))
    (n_h, n_w), (k_h, k_w), C = X.shape, K.shape, _BANDS
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    p, S = k_h // 2, o_h // C
    r, k = o_h - C * S + 2 * p, 2 * p + 1          # rows per recomputed group; the padded kernel's rows
    Z = nd.empty(((C + 1) * S - p, o_w), ctx=X.context, dtype=X.dtype)  # Y (p + o_h rows) and room for C groups
    W = _band_filters(K, k)
    nd.Convolution(data=view(rows(X, 0, C * S), (1, C, S, n_w)), weight=W, kernel=(k, k_w), pad=(p, 0),
                   num_filter=C, num_group=C, no_bias=True,
                   out=view(rows(Z, 0, C * S), (1, C, S, o_w)))         # out: in plain rows, not oneDNN's blocks
    if r:  # (none only for a one-row kernel on whole bands)
        groups = nd.take(X, _band_index(S, p, r + k_h - 1, X.context), axis=0)  # (C (r + k_h - 1), n_w)
        P = nd.empty((C, r, o_w), ctx=X.context, dtype=X.dtype)
        nd.Convolution(data=view(groups, (1, C, r + k_h - 1, n_w)), weight=W if k == k_h else _band_filters(K, k_h),
                       kernel=(k_h, k_w), num_filter=C, num_group=C, no_bias=True, out=view(P, (1, C, r, o_w)))
        Z_groups = view(rows(Z, S - p, (C + 1) * S - p), (C, S, o_w))
        _slice_assign(Z_groups, P, begin=(0, 0, 0), end=(C, r, o_w), out=Z_groups)
    Y = rows(Z, p, p + o_h)
    return Y if out is None else Y.copyto(out)


def _band_min_rows(k_h):
    """The fewest output rows the band path takes with a kernel of k_h rows: bands at least as tall as a
    recomputed group can be (2 (k_h // 2) + ``_BANDS`` - 1 rows), so that no two groups overlap."""
    return _BANDS * (2 * (k_h // 2) + _BANDS - 1)


@functools.lru_cache(maxsize=64)
def _band_index(S, p, h, ctx):
    """The rows of X that the band path's recomputed groups read: h rows from row c S - 2p, for c = 1 ..
    ``_BANDS``, as an int32 array on ctx; made once per shape and never written (any thread may read it)."""
    starts = np.arange(1, _BANDS + 1) * S - 2 * p
    return nd.array((starts[:, None] + np.arange(h)).reshape(-1), ctx=ctx, dtype='int32')


def _band_filters(K, k):
    """``_BANDS`` copies of K, each with k - k_h zero rows below: (``_BANDS``, 1, k, k_w), made per call.

    On a CPU numpy places them, reading K in place (a DLPack view), and MXNet
    reads the result in place; elsewhere MXNet's padding and a broadcast.
    """
    k_h, k_w = K.shape
    kk = host_view(K) if K.context == _CPU else None
    if kk is not None:
        W = np.zeros((_BANDS, 1, k, k_w), kk.dtype)
        W[:, 0, :k_h] = kk
        return nd.from_numpy(W, zero_copy=True)
    if k > k_h:
        K = _padded(K, (0, k - k_h), (0, 0))
    return nd.broadcast_to(view(K, (1, 1, k, k_w)), (_BANDS, 1, k, k_w))


def _blocks(X, K, pad=(0, 0), out=None):
    """corr2d of X, padded by ``pad`` zeros on every side, with K, on the block path (outside recording).

    With (o_h, o_w) the output's shape and (b_h, b_w) the block's
    (``_block_shape``), one strided ``Convolution`` with the b_h b_w filters
    of ``_bank`` computes y[0, i b_w + j, c, d] = Y[c b_h + i, d b_w + j], and
    transposes put Y's entries in place. It runs in stripes of about
    ``_STRIPE`` outputs, each written into Y: only Y is image-sized, every
    other buffer is a stripe's (see the module docstring: page faults).
    Padding comes before the convolution: oneDNN's strided Convolution runs
    ~4x slower padding by itself.
    """
    (n_h, n_w), (k_h, k_w), (p_h, p_w) = X.shape, K.shape, pad
    o_h, o_w = n_h + 2 * p_h - k_h + 1, n_w + 2 * p_w - k_w + 1
    b_h, b_w = _block_shape(k_h, k_w, o_h, o_w)
    if p_h or p_w:  # with the zeros that make whole 4 x 4 blocks, so that no stripe pads again
        e_h, e_w = (0, 0) if b_w == 1 else (-o_h % b_h, -o_w % b_w)
        X = _padded(X, (p_h, p_h + e_h), (p_w, p_w + e_w))
    bank = _bank(K, b_h, b_w)                                            # (b_h b_w, 1, h, w)
    Y = nd.empty((o_h, o_w), ctx=X.context, dtype=X.dtype) if out is None else out
    step = max(1, _STRIPE // o_w // b_h) * b_h                           # rows of Y per stripe, whole blocks
    tail = o_h % b_h if b_w == 1 else 0
    for top in range(0, o_h - tail, step):
        _stripe(X, bank, (k_h, k_w), (b_h, b_w), top, min(o_h - tail, top + step), Y)
    if tail:  # 8 x 1 blocks: the same filters on X's last b_h + k_h - 1 rows give Y's last b_h rows
        (n_h, n_w), h = X.shape, b_h + k_h - 1
        y = nd.Convolution(data=view(rows(X, n_h - h, n_h), (1, 1, h, n_w)), weight=bank, kernel=(h, k_w),
                           num_filter=b_h, no_bias=True)                 # (1, b_h, 1, o_w)
        nd.slice_axis(y, axis=1, begin=b_h - tail, end=b_h, out=view(rows(Y, o_h - tail, o_h), (1, tail, 1, o_w)))
    return Y


def _stripe(X, bank, k_shape, b_shape, top, bottom, Y):
    """Rows top to bottom - 1 of Y = corr2d(X, K), by the filters ``bank`` of (b_h, b_w) blocks, into Y.

    Rows and columns short of whole blocks (4 x 4 blocks only) are computed
    from zeros, X's own or added to this stripe of X, and dropped.
    """
    (k_h, k_w), (b_h, b_w), o_w = k_shape, b_shape, Y.shape[1]
    t = bottom - top
    e_h, e_w = -t % b_h, -o_w % b_w                                      # outputs that make whole blocks
    x = rows(X, top, min(X.shape[0], bottom + e_h + k_h - 1))           # a view
    a, b = bottom + e_h + k_h - 1 - top - x.shape[0], o_w + e_w + k_w - 1 - x.shape[1]
    if a or b:                                                           # zeros not in X
        x = _padded(x, (0, a), (0, b))
    q_h, q_w = (t + e_h) // b_h, (o_w + e_w) // b_w
    y = nd.Convolution(data=view(x, (1, 1) + x.shape), weight=bank, kernel=bank.shape[2:], stride=b_shape,
                       num_filter=b_h * b_w, no_bias=True)              # (1, b_h b_w, q_h, q_w)
    # One transpose (0, 2, 1, 3) then gives Y's rows: of y itself for 8 x 1 blocks, (1, b_h, q_h, o_w) to
    # (1, q_h, b_h, o_w); for 4 x 4 of y as (q_h, q_w, b_h, b_w), to (q_h, b_h, q_w, b_w).
    shape = (1, q_h, b_h, o_w)
    if b_w > 1:
        y, shape = view(nd.transpose(y, axes=(0, 2, 3, 1)), (q_h, q_w, b_h, b_w)), (q_h, b_h, q_w, b_w)
    if e_h or e_w:
        z = view(nd.transpose(y, axes=(0, 2, 1, 3)), (t + e_h, o_w + e_w))
        nd.slice(z, begin=(0, 0), end=(t, o_w), out=rows(Y, top, bottom))
    else:
        nd.transpose(y, axes=(0, 2, 1, 3), out=view(rows(Y, top, bottom), shape))


def _bank(K, b_h, b_w):
    """The b_h b_w filters of the block path, (b_h b_w, 1, b_h + k_h - 1, b_w + k_w - 1), made per call.

    On a CPU numpy places K's entries, read in place (a DLPack view), by
    ``_bank_index`` in an array that MXNet then reads in place: no operator,
    so nothing for the convolution to wait on, and no graph shared between
    threads. Elsewhere one sparse product does it (``_bank_matrix``).
    """
    k_h, k_w = K.shape
    shape = (b_h * b_w, 1, b_h + k_h - 1, b_w + k_w - 1)
    k = host_view(K) if K.context == _CPU else None
    if k is not None:
        bank = np.concatenate((k.reshape(-1), np.zeros(1, k.dtype))).take(_bank_index(k_h, k_w, b_h, b_w))
        return nd.from_numpy(bank.reshape(shape), zero_copy=True)
    bank = nd.sparse.dot(_bank_matrix(k_h, k_w, b_h, b_w, K.context, np.dtype(K.dtype).name),
                         view(K, (k_h * k_w, 1)))
    return view(bank, shape)


def _bank_source(k_h, k_w, b_h, b_w):
    """For each entry of the filter bank, flat, the index of the K entry it copies, or -1 (a zero).

    Filter i b_w + j is K shifted i rows down and j columns right in a window
    of (b_h + k_h - 1, b_w + k_w - 1).
    """
    source = np.full((b_h, b_w, b_h + k_h - 1, b_w + k_w - 1), -1)
    for i in range(b_h):
        for j in range(b_w):
            source[i, j, i:i + k_h, j:j + k_w] = np.arange(k_h * k_w).reshape((k_h, k_w))
    return source.reshape(-1)


@functools.lru_cache(maxsize=64)
def _bank_index(k_h, k_w, b_h, b_w):
    """``_bank_source`` with k_h k_w (an appended zero) for -1; read-only, so any thread may read it."""
    index = _bank_source(k_h, k_w, b_h, b_w)
    index[index < 0] = k_h * k_w
    index.flags.writeable = False
    return index


@functools.lru_cache(maxsize=64)
def _bank_matrix(k_h, k_w, b_h, b_w, ctx, dtype):
    """The 0/1 CSR matrix (size of the bank, k_h k_w) whose product with K's entries is the filter bank.

    Each row holds at most one 1, at the K entry it copies (``_bank_source``).
    Kept per kernel and block shape, context and dtype; never written after
    it is made (MXNet reads one array from any number of threads safely).
    """
    source = _bank_source(k_h, k_w, b_h, b_w)
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


def _fft_corr(X, K, pad=(0, 0), out=None):
    """corr2d(X, K) by real FFTs (``scipy.fft``), for kernels of ``_FFT_MIN_TAPS`` taps or more.

    The correlation is the convolution with K flipped. Valid outputs need
    transforms only as long as X: the circular wrap-around reaches just the
    first k - 1 rows and columns, which are dropped. K's transform starts
    with its k_h rows only (the other rows are zeros). scipy.fft keeps
    float32 in single precision and uses every core. On a CPU numpy reads X
    and K in place and MXNet reads the result in place (with ``out``, the
    custom operator's output, the result is copied into it); elsewhere they
    are copied to the host and back.
    """
    fft = _scipy_fft()
    if pad != (0, 0):
        X = _padded(X, (pad[0], pad[0]), (pad[1], pad[1]))
    x, k = (host_view(A) if A.context == _CPU else None for A in (X, K))
    x, k = X.asnumpy() if x is None else x, K.asnumpy() if k is None else k
    (n_h, n_w), (k_h, k_w), dtype = x.shape, k.shape, x.dtype
    # Scale K to a largest |entry| in [0.5, 1), and X too if its largest is beyond 2**+-64, by powers of
    # two (exact), so that no transform or spectral product overflows; scaled back at the end.
    e_x, e_k = (int(np.frexp(max(a.max(), -a.min()))[1]) for a in (x, k))  # frexp(0), frexp(nan): exponent 0
    e_x = e_x if abs(e_x) > 64 else 0
    x, k = _times_pow2(x, -e_x) if e_x else x, _times_pow2(k[::-1, ::-1], -e_k)
    size = (fft.next_fast_len(n_h, real=True), fft.next_fast_len(n_w, real=True))
    with np.errstate(invalid='ignore', over='ignore'):  # NaN and Inf in X or K: Y is not finite, then redone
        k_hat = fft.fft(fft.rfft(k, size[1], axis=1, workers=-1), size[0], axis=0, workers=-1)  # rfft2(k, size)
        z = fft.irfft2(fft.rfft2(x, size, workers=-1) * k_hat, size, workers=-1, overwrite_x=True)
    y = np.empty((n_h - k_h + 1, n_w - k_w + 1), dtype)                # z wrapped: Y is z[k_h-1:n_h, k_w-1:n_w]
    _times_pow2(z[k_h - 1:n_h, k_w - 1:n_w], e_x + e_k, out=y)         # inf where the true value overflows
    if X.context == _CPU and out is None:
        return nd.from_numpy(y, zero_copy=True)
    if out is None:
        return nd.array(y, ctx=X.context, dtype=X.dtype)
    out[:] = y
    return out


def _times_pow2(a, e, out=None):
    """a times 2**e (exact unless it over- or underflows), in out if given; a power of two is a multiply
    where it is a normal number of a's dtype (``np.ldexp`` is ~20x slower on float32)."""
    info = np.finfo(a.dtype)
    with np.errstate(over='ignore', under='ignore'):
        if info.minexp <= e <= info.maxexp - 1:
            return np.multiply(a, a.dtype.type(2.0 ** e), out=out)
        if out is None:
            return np.ldexp(a, e).astype(a.dtype)
        out[...] = np.ldexp(a, e)
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
