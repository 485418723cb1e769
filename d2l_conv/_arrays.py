"""Array helpers shared by the engineered correlations (``fast.py``, ``exercises.py``).

``correlation`` wraps a function of two legacy float NDArrays into the public
face that ``corr2d_fast``, ``convolve2d`` and ``corr2d_matmul`` share: the
argument check, legacy ``mx.nd`` arrays inside, and the result back as X came
(an ``mx.np`` array if X is one, on X's context).
"""
import ctypes
import functools

import mxnet as mx
import numpy as np
from mxnet import nd
from mxnet.base import MXNetError, NDArrayHandle, _LIB, c_array, check_call, mx_uint

from .checks import check_corr_args

__all__ = ['correlation', 'legacy', 'as_float', 'host_view', 'rows', 'view']


def legacy(A):
    """An ``mx.np`` array as a legacy NDArray sharing its memory and autograd node."""
    return A.as_nd_ndarray() if isinstance(A, mx.np.ndarray) else A


def as_float(X, K):
    """X and K as float32 unless they are float32 or float64: Convolution and dot compute
    in floating point, and corr2d returns float32 for integer input."""
    if X.dtype in (np.float32, np.float64):
        return X, K
    return X.astype('float32'), K.astype('float32')


def correlation(compute):
    """Decorate ``compute(X, K, **options)`` of float legacy NDArrays as a correlation of any input.

    The decorated function checks X and K once (``check_corr_args``, with
    ``mx.np`` arrays allowed), passes them as legacy float NDArrays, and
    returns ``compute``'s result as an ``mx.np`` array if X is one, on X's
    context: MXNet's operators put their results for ``cpu_pinned`` input on
    ``cpu``, so that one case is copied back.
    """
    @functools.wraps(compute)
    def corr(X, K, **options):
        check_corr_args(X, K, np_ok=True)
        if type(X) is nd.NDArray is type(K) and X.dtype is np.float32 and X.context.device_type == 'cpu':
            return compute(X, K, **options)  # the common case, a few µs shorter (K: checked to match)
        as_np = isinstance(X, mx.np.ndarray)
        X, K = as_float(legacy(X), legacy(K))
        Y = compute(X, K, **options)
        ctx = X.context
        if ctx.device_type == 'cpu_pinned':
            Y = Y.as_in_context(ctx)
        return Y.as_np_ndarray() if as_np else Y
    return corr


def view(A, shape):
    """``A.reshape(shape)`` (same memory, recorded under autograd) for a legacy NDArray and a shape of
    A's size, without ``reshape``'s checks: they cost ~20 µs, as much as a small Convolution."""
    handle = NDArrayHandle()
    check_call(_LIB.MXNDArrayReshape64(A.handle, len(shape), c_array(ctypes.c_int64, shape), False,
                                       ctypes.byref(handle)))
    return nd.NDArray(handle=handle, writable=A.writable)


def rows(A, begin, end):
    """``A[begin:end]`` of a legacy NDArray: its rows begin to end - 1, the same memory (a view), without
    ``NDArray.__getitem__``'s ~50 µs of Python indexing."""
    handle = NDArrayHandle()
    check_call(_LIB.MXNDArraySlice(A.handle, mx_uint(begin), mx_uint(end), ctypes.byref(handle)))
    return nd.NDArray(handle=handle, writable=A.writable)


class _DLPack:
    """MXNet's DLPack capsule as ``numpy.from_dlpack`` takes it: an object with ``__dlpack__``."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, stream=None):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU, device 0


def host_view(A):
    """A numpy view of a CPU NDArray's memory, no copy (once MXNet's pending writes to A are done), or None.

    None where there is no such view: on a GPU, for an array that oneDNN keeps
    in a blocked layout (MXNet refuses to export it), or with numpy < 1.22
    (no ``from_dlpack``). Read it only: MXNet may read A at the same time.
    """
    if A.context.device_type not in ('cpu', 'cpu_pinned') or not hasattr(np, 'from_dlpack'):
        return None
    try:
        return np.from_dlpack(_DLPack(nd.to_dlpack_for_read(A)))
    except (MXNetError, TypeError, BufferError):
        return None
