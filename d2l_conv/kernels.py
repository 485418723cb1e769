"""Kernels that answer the chapter's exercise 4: derivatives and integrals as correlations.

Correlating a kernel K with samples f(0), f(1), ... gives sum_k K[k] f(j + k):
a fixed linear combination of neighbours, which is exactly what a finite
difference or a quadrature rule is.
"""
from math import comb

import numpy as np
from mxnet import nd

from .checks import check_positive_int, check_size

__all__ = ['derivative', 'max_derivative_order', 'second_derivative', 'laplacian', 'integral']

_FLOATS = ('float16', 'float32', 'float64')


def max_derivative_order(dtype='float32'):
    """The largest d for which ``derivative(d, dtype)`` is exact: ``2**d <= 2**(mantissa bits + 1)``.

    The taps' absolute values sum to 2**d, so then every tap, and every partial
    sum of taps in any order, is an integer the dtype holds exactly: correlated
    with a constant the kernel gives exactly 0. That is d <= 11 for float16,
    24 for float32 and 53 for float64.

    Examples
    --------
    >>> max_derivative_order('float32'), max_derivative_order('float64')
    (24, 53)
    """
    name = np.dtype(dtype).name if _is_dtype(dtype) else None
    if name not in _FLOATS:
        raise TypeError('dtype must be one of %s, got %r' % (', '.join(_FLOATS), dtype))
    return np.finfo(name).nmant + 1


def _is_dtype(dtype):
    if dtype is None:  # numpy reads None as float64, MXNet as float32: say which
        return False
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return True


def derivative(d=1, dtype='float32'):
    """The minimal (1, d+1) kernel for the d-th derivative: ``K[k] = (-1)**k * C(d, k)``.

    Correlated with samples of a polynomial of degree d and leading coefficient
    a, it gives ``(-1)**d * d! * a`` everywhere, and 0 for every polynomial of
    lower degree (the d-th forward difference, up to sign). ``derivative(1)``
    is the chapter's edge kernel ``[[1, -1]]``. No shorter kernel can do this:
    d + 1 taps are needed to cancel the d + 1 coefficients of lower degree.

    The taps are exact in ``dtype`` (float16, float32 or float64) for d up to
    ``max_derivative_order(dtype)`` (11, 24, 53); a larger d is a ValueError,
    since rounded taps no longer cancel (in float32, d = 30 would give -1 on a
    constant, not 0).

    Examples
    --------
    >>> derivative(3)
    <BLANKLINE>
    [[ 1. -3.  3. -1.]]
    <NDArray 1x4 @cpu(0)>
    >>> derivative(30)
    Traceback (most recent call last):
    ...
    ValueError: d = 30 is too large: float32 taps are exact up to d = 24; use dtype='float64' (up to d = 53)
    """
    d = check_positive_int('d', d)
    limit = max_derivative_order(dtype)
    if d > limit:
        hint = "; use dtype='float64' (up to d = 53)" if limit < 53 else ''
        raise ValueError('d = %d is too large: %s taps are exact up to d = %d%s'
                         % (d, np.dtype(dtype).name, limit, hint))
    return nd.array([[(-1) ** k * comb(d, k) for k in range(d + 1)]], dtype=dtype)


def second_derivative():
    """The (1, 3) kernel ``[[1, -2, 1]]``: f(j) - 2 f(j+1) + f(j+2) = f''(j+1) for
    polynomials up to degree 3 (the central second difference), i.e. ``derivative(2)``.

    Examples
    --------
    >>> second_derivative()
    <BLANKLINE>
    [[ 1. -2.  1.]]
    <NDArray 1x3 @cpu(0)>
    """
    return derivative(2)


def laplacian():
    """The 3x3 kernel of the discrete Laplacian, f_xx + f_yy at the centre pixel::

        [[0,  1, 0],
         [1, -4, 1],
         [0,  1, 0]]

    It is zero on planes and ramps, and marks edges in every direction at once.

    Examples
    --------
    >>> laplacian().asnumpy().tolist()
    [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]
    """
    return nd.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def integral(n):
    """The (1, n) box kernel of ones: correlation sums n consecutive samples.

    ``sum_{k<n} f(j + k)`` is the left Riemann sum of the integral of f over
    ``[j, j + n]`` with unit steps, so the correlation is a running integral
    over a window of n samples (exact for constant f).

    Examples
    --------
    >>> integral(3)
    <BLANKLINE>
    [[1. 1. 1.]]
    <NDArray 1x3 @cpu(0)>
    """
    n = check_positive_int('n', n)
    check_size('integral(%d)' % n, n)
    return nd.ones((1, n))
