"""Argument checks shared by the correlations and layers: bad input becomes a
``TypeError``/``ValueError`` that names the problem, never a raw MXNetError."""
import numbers

import mxnet as mx
import numpy as np
from mxnet import nd

__all__ = ['check_corr_args', 'check_kernel_size', 'check_positive_int']


def _check_matrix(name, A):
    if not isinstance(A, nd.NDArray):
        raise TypeError('%s must be an mxnet NDArray, got %s; convert it with nd.array(%s)'
                        % (name, type(A).__name__, name))
    shape = A.shape  # one C call; this check runs before every fast correlation
    if len(shape) != 2:
        raise ValueError('%s must be 2-D, got shape %s' % (name, shape))
    if 0 in shape:
        raise ValueError('%s must not be empty, got shape %s' % (name, shape))
    return shape


def check_corr_args(X, K, np_ok=False):
    """Check that image ``X`` and kernel ``K`` can be cross-correlated.

    Raises ``TypeError`` unless both are NDArrays of one dtype (``mx.np``
    arrays only with ``np_ok``: the book's loop needs legacy NDArrays), and
    ``ValueError`` unless both are non-empty, 2-D, on one context, with K no
    larger than X on either axis. Returns the shapes of X and K.
    """
    x_shape, k_shape = _check_matrix('X', X), _check_matrix('K', K)
    if not np_ok and (isinstance(X, mx.np.ndarray) or isinstance(K, mx.np.ndarray)):
        raise TypeError('corr2d (the book\'s loop) takes legacy mx.nd arrays, not mx.np arrays: pass '
                        'X.as_nd_ndarray() and K.as_nd_ndarray(), or use corr2d_fast, which takes both')
    if k_shape[0] > x_shape[0] or k_shape[1] > x_shape[1]:
        raise ValueError('kernel K of shape %s is larger than input X of shape %s'
                         % (k_shape, x_shape))
    if X.ctx != K.ctx:  # .ctx: mx.np arrays warn on .context
        raise ValueError('X is on %s but K is on %s; move one with as_in_context'
                         % (X.ctx, K.ctx))
    if X.dtype != K.dtype:
        raise TypeError('X is %s but K is %s; cast one with astype'
                        % (np.dtype(X.dtype).name, np.dtype(K.dtype).name))
    return x_shape, k_shape


def check_kernel_size(kernel_size):
    """Return ``kernel_size`` as a pair of positive ints (an int k means (k, k))."""
    if isinstance(kernel_size, numbers.Integral):
        kernel_size = (kernel_size, kernel_size)
    if (not isinstance(kernel_size, (tuple, list)) or len(kernel_size) != 2
            or not all(isinstance(k, numbers.Integral) and not isinstance(k, bool)
                       for k in kernel_size)):
        raise TypeError('kernel_size must be an int or a pair of ints, got %r' % (kernel_size,))
    if min(kernel_size) < 1:
        raise ValueError('kernel_size entries must be positive, got %r' % (tuple(kernel_size),))
    return tuple(int(k) for k in kernel_size)


def check_positive_int(name, value):
    """Return ``value`` if it is an int of at least 1, else raise ValueError naming ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError('%s must be a positive integer, got %r' % (name, value))
    return value
