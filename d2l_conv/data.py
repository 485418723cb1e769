"""The chapter's example data: the stripe image of In[5] and the edge kernel of In[6]."""
import mxnet as mx
import numpy as np
from mxnet import nd

from .checks import check_positive_int, check_size
from .context import check_context

__all__ = ['stripe_image', 'edge_kernel', 'diagonal_image']


def _ctx(ctx):
    """``ctx`` (default cpu) if MXNet can compute there, else the ValueError of ``check_context``."""
    return check_context(mx.cpu() if ctx is None else ctx)


def stripe_image(ctx=None):
    """The 6x8 image X of In[5]: ones, with columns 2..5 set to zero.

    Returns an NDArray of shape (6, 8), float32, on ``ctx`` (default cpu; a
    GPU that is not there is a ValueError, as in ``train_kernel``).
    Its vertical edges sit between columns 1|2 (1 to 0) and 5|6 (0 to 1).

    Examples
    --------
    >>> stripe_image()
    <BLANKLINE>
    [[1. 1. 0. 0. 0. 0. 1. 1.]
     [1. 1. 0. 0. 0. 0. 1. 1.]
     [1. 1. 0. 0. 0. 0. 1. 1.]
     [1. 1. 0. 0. 0. 0. 1. 1.]
     [1. 1. 0. 0. 0. 0. 1. 1.]
     [1. 1. 0. 0. 0. 0. 1. 1.]]
    <NDArray 6x8 @cpu(0)>
    """
    X = nd.ones((6, 8), ctx=_ctx(ctx))
    X[:, 2:6] = 0
    return X


def edge_kernel(ctx=None):
    """The 1x2 kernel K = [[1, -1]] of In[6], which detects vertical edges.

    Correlated with an image it gives 1 where a pixel is brighter than its
    right neighbour, -1 where it is darker, 0 elsewhere. Shape (1, 2), float32,
    on ``ctx`` (default cpu).

    Examples
    --------
    >>> edge_kernel()
    <BLANKLINE>
    [[ 1. -1.]]
    <NDArray 1x2 @cpu(0)>
    """
    return nd.array([[1, -1]], ctx=_ctx(ctx))


def diagonal_image(n=6, ctx=None):
    """An n x n image with a diagonal edge (the book's exercise 1): ``X[i, j] = 1`` where
    ``j >= i`` (on and above the diagonal), 0 below. ``n`` is a positive int.

    ``corr2d(X, K)`` with the edge kernel gives -1 just left of the diagonal
    (a 0 followed by a 1); ``corr2d(X.T, K)`` gives +1 on the diagonal (a 1
    followed by a 0), since transposing swaps the bright and dark sides; ``corr2d(X, K.T)`` finds the
    same edge from above, +1 where a 1 sits over a 0. A diagonal edge has both
    a horizontal and a vertical part, so K and K.T both see it.

    Examples
    --------
    >>> diagonal_image(3)
    <BLANKLINE>
    [[1. 1. 1.]
     [0. 1. 1.]
     [0. 0. 1.]]
    <NDArray 3x3 @cpu(0)>
    """
    n = check_positive_int('n', n)  # a Python int: n * n of a numpy int64 would wrap around
    check_size('diagonal_image(%d)' % n, n * n)
    ctx = _ctx(ctx)
    return nd.array(np.triu(np.ones((n, n), np.float32)), ctx=ctx)
