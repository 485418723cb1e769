"""Answers to the chapter's exercises that are functions rather than kernels.

Exercise 3 asks for the 2-D correlation as one matrix product: ``corr2d_matmul``.
It is an answer to read, not a fast path (``d2l_conv.fast.corr2d_fast`` is the
fast one); the exercises' kernels are in ``d2l_conv.kernels``, and
``examples/exercises.py`` runs all four exercises.
"""
from mxnet import nd

from ._arrays import correlation
from .checks import check_size

__all__ = ['corr2d_matmul']


@correlation
def corr2d_matmul(X, K):
    """2-D cross-correlation as one matrix product (the book's exercise 3).

    The ``k_h * k_w`` shifted views of X are stacked into an im2col matrix of
    shape ``(k_h * k_w, n_out)``; one ``dot`` with the flattened kernel gives
    every output pixel. Differentiable in X and K.

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
    >>> X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    >>> corr2d_matmul(X, nd.array([[0, 1], [2, 3]]))
    <BLANKLINE>
    [[19. 25.]
     [37. 43.]]
    <NDArray 2x2 @cpu(0)>
    """
    (n_h, n_w), (k_h, k_w) = X.shape, K.shape
    o_h, o_w = n_h - k_h + 1, n_w - k_w + 1
    check_size("corr2d_matmul's im2col matrix", k_h * k_w * o_h * o_w)
    cols = nd.stack(*[nd.slice(X, begin=(a, b), end=(a + o_h, b + o_w)).reshape((-1,))
                      for a in range(k_h) for b in range(k_w)])  # (k_h * k_w, o_h * o_w)
    return nd.dot(K.reshape((1, -1)), cols).reshape((o_h, o_w))  # (1, k_h k_w) @ (k_h k_w, o_h o_w)
