"""Argument checks shared by the correlations and layers: bad input becomes a
``TypeError``/``ValueError`` that names the problem, never a raw MXNetError."""
import numbers
import operator

import mxnet as mx
import numpy as np
from mxnet import nd, sym

__all__ = ['check_corr_args', 'check_kernel_size', 'check_matrix', 'check_positive_int', 'check_size', 'is_number',
           'MAX_SIZE']

MAX_SIZE = 2 ** 31 - 2  # entries of one NDArray: mxnet 1.9.1's wheels (no INT64_TENSOR_SIZE) need size < 2**31 - 1


def is_number(value, kind):
    """True if ``value`` is a ``kind`` (a class or a tuple of them) but not a bool: ``True`` is no count or rate.

    Examples
    --------
    >>> is_number(3, numbers.Integral), is_number(np.int64(3), numbers.Integral), is_number(True, numbers.Integral)
    (True, True, False)
    >>> is_number(3.0, numbers.Integral), is_number(3.0, numbers.Real)
    (False, True)
    """
    return isinstance(value, kind) and not isinstance(value, bool)


def check_matrix(name, A):
    """Return the shape of ``A`` if it is a non-empty 2-D dense NDArray (legacy or ``mx.np``).

    Otherwise raise TypeError (not an NDArray, a Symbol, sparse) or ValueError
    (not 2-D, empty), naming ``A`` as ``name``.

    Examples
    --------
    >>> check_matrix('Y', nd.ones((2, 3)))
    (2, 3)
    >>> check_matrix('Y', nd.ones((2, 3, 4)))
    Traceback (most recent call last):
    ...
    ValueError: Y must be 2-D, got shape (2, 3, 4)
    """
    if not isinstance(A, nd.NDArray):
        if isinstance(A, sym.Symbol):  # inside a hybridized block
            raise TypeError('%s is a Symbol: these functions are imperative and take NDArrays; call them from an '
                            'nn.Block, or from a HybridBlock that is not hybridized' % name)
        raise TypeError('%s must be an mxnet NDArray, got %s; convert it with nd.array(%s)'
                        % (name, type(A).__name__, name))
    if A.stype != 'default':
        raise TypeError("%s is a %s sparse array; convert it with %s.tostype('default')" % (name, A.stype, name))
    shape = A.shape  # one C call; this check runs before every fast correlation
    if len(shape) != 2:
        raise ValueError('%s must be 2-D, got shape %s' % (name, shape))
    if 0 in shape:
        raise ValueError('%s must not be empty, got shape %s' % (name, shape))
    return shape


def check_corr_args(X, K, np_ok=False):
    """Check that image ``X`` and kernel ``K`` can be cross-correlated.

    Raises ``TypeError`` unless both are NDArrays of one dtype, not bool
    (which MXNet's operators do not take), and ``mx.np`` arrays only with
    ``np_ok`` (the book's loop needs legacy NDArrays), and ``ValueError`` unless both are
    non-empty, 2-D, on one context, with K no larger than X on either axis.
    Returns the shapes of X and K.

    Examples
    --------
    >>> from mxnet import nd
    >>> check_corr_args(nd.ones((6, 8)), nd.ones((1, 2)))
    ((6, 8), (1, 2))
    >>> check_corr_args(nd.ones((6, 8)), nd.ones((1, 2), dtype='bool'))
    Traceback (most recent call last):
    ...
    TypeError: K is bool; cast it with K.astype('float32')
    """
    if type(X) is nd.NDArray is type(K):  # the common case, in a few µs: dense (sparse arrays are subclasses)
        x_shape, k_shape = X.shape, K.shape
        if (len(x_shape) == 2 == len(k_shape) and 0 < k_shape[0] <= x_shape[0] and 0 < k_shape[1] <= x_shape[1]
                and X.dtype is K.dtype is not np.bool_ and X.context == K.context):
            return x_shape, k_shape
    x_shape, k_shape = check_matrix('X', X), check_matrix('K', K)
    if not np_ok and (isinstance(X, mx.np.ndarray) or isinstance(K, mx.np.ndarray)):
        raise TypeError('corr2d (the book\'s loop) takes legacy mx.nd arrays, not mx.np arrays: pass '
                        'X.as_nd_ndarray() and K.as_nd_ndarray(), or use corr2d_fast, which takes both')
    if k_shape[0] > x_shape[0] or k_shape[1] > x_shape[1]:
        raise ValueError('kernel K of shape %s is larger than input X of shape %s'
                         % (k_shape, x_shape))
    if X.ctx != K.ctx:  # .ctx: mx.np arrays warn on .context
        raise ValueError('X is on %s but K is on %s; move one with as_in_context'
                         % (X.ctx, K.ctx))
    dtypes = np.dtype(X.dtype), np.dtype(K.dtype)  # one C call each; mx.np arrays give np.dtype already
    if np.bool_ in dtypes:  # MXNet's operators fail on bool ("Unknown type enum 7")
        name = 'X' if dtypes[0] == np.bool_ else 'K'
        raise TypeError("%s is bool; cast it with %s.astype('float32')" % (name, name))
    if dtypes[0] != dtypes[1]:
        raise TypeError('X is %s but K is %s; cast one with astype' % (dtypes[0].name, dtypes[1].name))
    return x_shape, k_shape


def check_kernel_size(kernel_size):
    """Return ``kernel_size`` as a pair of positive ints (an int k means (k, k)).

    A kernel has at most ``MAX_SIZE`` = 2**31 - 2 entries, the most an
    NDArray of this MXNet build can hold.

    Examples
    --------
    >>> check_kernel_size(3)
    (3, 3)
    >>> check_kernel_size([1, 2])
    (1, 2)
    >>> check_kernel_size((1, 2 ** 31))
    Traceback (most recent call last):
    ...
    ValueError: kernel_size (1, 2147483648) has 2147483648 entries; MXNet's arrays hold at most 2147483646
    """
    if is_number(kernel_size, numbers.Integral):
        kernel_size = (kernel_size, kernel_size)
    if (not isinstance(kernel_size, (tuple, list)) or len(kernel_size) != 2
            or not all(is_number(k, numbers.Integral) for k in kernel_size)):
        raise TypeError('kernel_size must be an int or a pair of ints, got %r' % (kernel_size,))
    if min(kernel_size) < 1:
        raise ValueError('kernel_size entries must be positive, got %r' % (tuple(kernel_size),))
    kernel_size = tuple(int(k) for k in kernel_size)
    check_size('kernel_size %r' % (kernel_size,), kernel_size[0] * kernel_size[1])
    return kernel_size


def check_size(what, size):
    """Raise ValueError unless an array of ``size`` entries fits in an NDArray (``MAX_SIZE``)."""
    if size > MAX_SIZE:
        raise ValueError("%s has %d entries; MXNet's arrays hold at most %d" % (what, size, MAX_SIZE))


def check_positive_int(name, value):
    """Return ``value`` as a Python int if it is an int of at least 1, else raise ValueError naming ``name``.

    A Python int, so that arithmetic on it cannot wrap around as a numpy int64's does.

    Examples
    --------
    >>> check_positive_int('n', 6)
    6
    >>> check_positive_int('n', 0)
    Traceback (most recent call last):
    ...
    ValueError: n must be a positive integer, got 0
    """
    if not is_number(value, numbers.Integral) or value < 1:
        raise ValueError('%s must be a positive integer, got %r' % (name, value))
    return operator.index(value)
