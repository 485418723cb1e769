"""In[8]: learning the edge kernel from X and Y with autograd."""
import decimal
import math
import numbers
import reprlib
import sys

import mxnet as mx
import numpy as np
from mxnet import autograd, npx
from mxnet.base import MXNetError
from mxnet.gluon import nn

from .checks import check_matrix, check_positive_int, is_number
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
        A gluon layer with a ``weight`` parameter, on 2-D data, such as
        ``Conv2D((1, 2), corr=corr2d_fast)``. By default the document's
        ``nn.Conv2D(1, kernel_size=(1, 2))``, for which X and Y are reshaped
        to ``(1, 1, h, w)``.
    num_iters : int
        Number of gradient steps, at least 1.
    lr : real number
        Learning rate: an int, float, numpy scalar, ``Fraction`` or ``Decimal``,
        finite, and at least ``sys.float_info.min`` (about 2.2e-308, the
        smallest normal float), which MXNet needs of a scalar.
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

    Raises
    ------
    TypeError
        X or Y is not an NDArray, their dtypes differ, or (default layer)
        they are not float32; ``conv2d`` is not a layer with a weight.
    ValueError
        X or Y is not 2-D or empty, Y's shape is not the layer's output shape,
        a bad ``num_iters``, ``lr`` or ``ctx``.
    FloatingPointError
        The loss or the learned weight stopped being finite (``lr`` too large):
        training stops there.

    Examples
    --------
    >>> import mxnet as mx
    >>> from d2l_conv import corr2d, edge_kernel, stripe_image
    >>> X = stripe_image()
    >>> Y = corr2d(X, edge_kernel())
    >>> mx.random.seed(0)
    >>> conv2d, losses = train_kernel(X, Y, num_iters=4)
    batch 2, loss 4.949
    batch 4, loss 0.831
    >>> train_kernel(X, Y, lr=1e308, log=None)
    Traceback (most recent call last):
    ...
    FloatingPointError: the loss became nan at batch 2: lr=1e+308 is too large
    """
    ctx = check_context(ctx or mx.cpu())
    check_positive_int('num_iters', num_iters)
    rate = _check_lr(lr)
    if log is not None and not callable(log):  # else a raw TypeError at the second batch, mid-training
        raise TypeError('log must be a function such as print, or None, got %r' % (log,))
    check_matrix('X', X)
    check_matrix('Y', Y)
    if X.dtype != Y.dtype:
        raise TypeError('X is %s but Y is %s; cast one with astype' % (np.dtype(X.dtype).name, np.dtype(Y.dtype).name))
    for name, A in (('X', X), ('Y', Y)):  # else the loss is NaN from the start, and lr would take the blame
        if not np.isfinite(A.asnumpy()).all():
            raise ValueError('%s holds NaN or Inf; training needs finite data' % name)
    if conv2d is not None:
        _check_layer(conv2d)
    else:
        if X.dtype != np.float32:
            raise TypeError("the default layer computes in float32, but X and Y are %s; cast them with "
                            "astype('float32')" % np.dtype(X.dtype).name)
        if X.shape[1] < 2:
            raise ValueError('X must have at least 2 columns for the (1, 2) kernel, got shape %s' % (X.shape,))
        if Y.shape != (X.shape[0], X.shape[1] - 1):
            raise ValueError('Y must have shape %s (the output of the (1, 2) kernel on X of shape %s), got %s'
                             % ((X.shape[0], X.shape[1] - 1), X.shape, Y.shape))
        conv2d = nn.Conv2D(1, kernel_size=(1, 2))
        X = X.reshape((1, 1) + X.shape)  # (1, 1, 6, 8)
        Y = Y.reshape((1, 1) + Y.shape)  # (1, 1, 6, 7)
    if npx.is_np_array():  # the layer's parameters and operators are mx.np ones, or legacy ones
        X, Y = (A if isinstance(A, mx.np.ndarray) else A.as_np_ndarray() for A in (X, Y))
    else:
        X, Y = (A.as_nd_ndarray() if isinstance(A, mx.np.ndarray) else A for A in (X, Y))
    conv2d.initialize(ctx=ctx)
    X, Y = X.copyto(ctx) if X.ctx != ctx else X, Y.copyto(ctx) if Y.ctx != ctx else Y  # both kinds of array
    losses = []
    for i in range(num_iters):
        with autograd.record():
            Y_hat = _forward(conv2d, X)
            if Y_hat.shape != Y.shape:
                raise ValueError("Y must have the layer's output shape %s, got %s" % (Y_hat.shape, Y.shape))
            l = (Y_hat - Y) ** 2
        l.backward()  # after the block: the working form of In[8] (README, errata)
        conv2d.weight.data()[:] -= rate * conv2d.weight.grad()
        losses.append(float(l.sum().asnumpy().item()))  # .item(): mx.np arrays have no asscalar
        if not math.isfinite(losses[-1]):
            raise FloatingPointError('the loss became %s at batch %d: lr=%s is too large'
                                     % (losses[-1], i + 1, reprlib.repr(lr)))
        if log and (i + 1) % 2 == 0:
            log('batch %d, loss %.3f' % (i + 1, losses[-1]))
    if not np.isfinite(conv2d.weight.data().asnumpy()).all():  # the last step can overflow the weight
        raise FloatingPointError('the weight became non-finite at batch %d: lr=%s is too large'
                                 % (num_iters, reprlib.repr(lr)))
    return conv2d, losses


def _forward(conv2d, X):
    """``conv2d(X)``; the book's Conv2D, whose corr2d assigns in place, as a TypeError saying what to do."""
    try:
        return conv2d(X)
    except MXNetError as e:
        if 'Inplace operations' not in str(e):
            raise
        raise TypeError("this layer cannot learn: its corr assigns Y[i, j] in place, which autograd refuses "
                        "(the book's exercise 2); use Conv2D(kernel_size, corr=corr2d_fast)") from None


def _check_layer(conv2d):
    """TypeError unless ``conv2d`` is a gluon Block with a weight (Conv2D checks its ``corr`` itself)."""
    if not isinstance(conv2d, mx.gluon.Block):
        raise TypeError('conv2d must be a gluon layer such as Conv2D((1, 2), corr=corr2d_fast) or '
                        'nn.Conv2D(1, kernel_size=(1, 2)), got %s' % reprlib.repr(conv2d))
    if not isinstance(getattr(conv2d, 'weight', None), mx.gluon.Parameter):
        raise TypeError('conv2d must have a weight parameter to learn, as Conv2D and nn.Conv2D do; %s has none'
                        % type(conv2d).__name__)


def _check_lr(lr):
    """``lr`` as a float: a real number (Decimal too), finite, at least the smallest normal float."""
    bad = ValueError('lr must be a positive finite number, got %s' % reprlib.repr(lr))
    if not is_number(lr, (numbers.Real, decimal.Decimal)):  # Decimal is no numbers.Real, but a real number
        raise bad
    try:
        value = float(lr)
    except (OverflowError, ValueError):  # an int or a Fraction beyond float's range; Decimal('sNaN')
        raise bad from None
    if not (value > 0 or value == 0 and lr > 0) or value == math.inf:  # NaN is not > 0; a tiny Fraction gives 0.0
        raise bad
    if value < sys.float_info.min:
        raise ValueError('lr must be at least %r (the smallest normal float; MXNet cannot take a smaller '
                         'scalar), got %s' % (sys.float_info.min, reprlib.repr(lr)))
    return value
