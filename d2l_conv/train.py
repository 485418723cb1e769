"""In[8]: learning the edge kernel from X and Y with autograd."""
import math
import numbers

import mxnet as mx
from mxnet import autograd
from mxnet.gluon import nn

from .checks import check_positive_int
from .context import check_context

__all__ = ['train_kernel']


def train_kernel(X, Y, conv2d=None, num_iters=10, lr=3e-2, ctx=None, log=print):
    """Learn a kernel that maps ``X`` to ``Y`` with the book's loop (In[8]).

    Each iteration records ``l = (conv2d(X) - Y) ** 2``, calls ``l.backward()``
    after the record block and updates ``weight.data()[:] -= lr * grad`` (the
    bias is left alone, as in the book). Every second iteration it logs
    ``batch N, loss X.XXX``.

    Parameters
    ----------
    X : NDArray, shape (n_h, n_w)
        Input image, e.g. ``stripe_image()``.
    Y : NDArray, shape (n_h - k_h + 1, n_w - k_w + 1)
        Target, e.g. ``corr2d(X, edge_kernel())``.
    conv2d : Block, optional
        A layer on 2-D data such as ``Conv2D((1, 2), corr=corr2d_fast)``. By
        default the document's ``nn.Conv2D(1, kernel_size=(1, 2))``, for which
        X and Y are reshaped to ``(1, 1, h, w)``.
    num_iters : int
        Number of gradient steps, at least 1.
    lr : float
        Learning rate, positive.
    ctx : Context, default mx.cpu()
        Where the layer is initialised and the data copied.
    log : callable or None
        Receives each ``batch N, loss X.XXX`` line; None for silence.

    Returns
    -------
    conv2d : Block
        The trained layer.
    losses : list of float
        ``l.sum()`` after each iteration's forward pass.
    """
    ctx = check_context(ctx or mx.cpu())
    check_positive_int('num_iters', num_iters)
    if not isinstance(lr, numbers.Real) or not 0 < lr < math.inf:
        raise ValueError('lr must be a positive finite number, got %r' % (lr,))
    if conv2d is None:
        conv2d = nn.Conv2D(1, kernel_size=(1, 2))
        X = X.reshape((1, 1) + X.shape)  # (1, 1, 6, 8)
        Y = Y.reshape((1, 1) + Y.shape)  # (1, 1, 6, 7)
    conv2d.initialize(ctx=ctx)
    X, Y = X.as_in_context(ctx), Y.as_in_context(ctx)
    losses = []
    for i in range(num_iters):
        with autograd.record():
            Y_hat = conv2d(X)
            l = (Y_hat - Y) ** 2
        l.backward()  # after the block: the working form of In[8] (README, errata)
        conv2d.weight.data()[:] -= lr * conv2d.weight.grad()
        losses.append(float(l.sum().asscalar()))
        if log and (i + 1) % 2 == 0:
            log('batch %d, loss %.3f' % (i + 1, losses[-1]))
    return conv2d, losses
