"""Kernels that answer the chapter's exercise 4: derivatives and integrals as correlations.

Correlating a kernel K with samples f(0), f(1), ... gives sum_k K[k] f(j + k):
a fixed linear combination of neighbours, which is exactly what a finite
difference or a quadrature rule is.
"""
from math import comb

from mxnet import nd

from .checks import check_positive_int

__all__ = ['derivative', 'second_derivative', 'laplacian', 'integral']


def derivative(d=1):
    """The minimal (1, d+1) kernel for the d-th derivative: ``K[k] = (-1)**k * C(d, k)``.

    Correlated with samples of a polynomial of degree d and leading coefficient
    a, it gives ``(-1)**d * d! * a`` everywhere, and 0 for every polynomial of
    lower degree (the d-th forward difference, up to sign). ``derivative(1)``
    is the chapter's edge kernel ``[[1, -1]]``. No shorter kernel can do this:
    d + 1 taps are needed to cancel the d + 1 coefficients of lower degree.
    """
    check_positive_int('d', d)
    return nd.array([[(-1) ** k * comb(d, k) for k in range(d + 1)]])


def second_derivative():
    """The (1, 3) kernel ``[[1, -2, 1]]``: f(j) - 2 f(j+1) + f(j+2) = f''(j+1) for
    polynomials up to degree 3 (the central second difference), i.e. ``derivative(2)``."""
    return derivative(2)


def laplacian():
    """The 3x3 kernel of the discrete Laplacian, f_xx + f_yy at the centre pixel::

        [[0,  1, 0],
         [1, -4, 1],
         [0,  1, 0]]

    It is zero on planes and ramps, and marks edges in every direction at once.
    """
    return nd.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def integral(n):
    """The (1, n) box kernel of ones: correlation sums n consecutive samples.

    ``sum_{k<n} f(j + k)`` is the left Riemann sum of the integral of f over
    ``[j, j + n]`` with unit steps, so the correlation is a running integral
    over a window of n samples (exact for constant f).
    """
    check_positive_int('n', n)
    return nd.ones((1, n))
