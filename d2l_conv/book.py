"""The chapter's own code, cell for cell: In[2] ``corr2d`` and In[4] ``Conv2D``.

This module is the page. The bodies below are the document's, line for line;
the only additions are an argument check before the loop and the ``corr``
keyword that lets a differentiable correlation be plugged into the layer
(``d2l_conv.fast.corr2d_fast``). Fast, differentiable code lives in
``d2l_conv.fast``.
"""
from mxnet import nd  # In[1]; autograd is used by d2l_conv.train
from mxnet.gluon import nn

from .checks import check_corr_args, check_kernel_size

__all__ = ['corr2d', 'Conv2D']


def corr2d(X, K):
    """2-D cross-correlation of ``X`` with the kernel ``K`` (In[2]), by a loop.

    One Python iteration per output pixel: slow, and it writes into ``Y`` in
    place, so it cannot be differentiated under ``autograd.record()``.

    Parameters
    ----------
    X : NDArray, shape (n_h, n_w)
        Input image.
    K : NDArray, shape (k_h, k_w)
        Kernel, no larger than ``X``, same dtype and context.

    Returns
    -------
    Y : NDArray, shape (n_h - k_h + 1, n_w - k_w + 1)
        float32, on X's context, ``Y[i, j] = sum(X[i:i+k_h, j:j+k_w] * K)``.

    Raises
    ------
    TypeError
        X or K is not an NDArray, or their dtypes differ.
    ValueError
        X or K is not 2-D or empty, K is larger than X, or they sit on
        different contexts.

    Examples
    --------
    The chapter's sanity test (In[3]):

    >>> from mxnet import nd
    >>> X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    >>> K = nd.array([[0, 1], [2, 3]])
    >>> corr2d(X, K)
    <BLANKLINE>
    [[19. 25.]
     [37. 43.]]
    <NDArray 2x2 @cpu(0)>
    """
    check_corr_args(X, K)
    h, w = K.shape
    Y = nd.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), ctx=X.context)  # book: default ctx
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i: i + h, j: j + w] * K).sum()
    return Y


class Conv2D(nn.Block):
    """The chapter's 2-D convolutional layer (In[4]): ``corr(x, weight) + bias``.

    With the default ``corr=corr2d`` this is the document's layer, and it
    cannot be trained: ``corr2d`` assigns ``Y[i, j]`` in place, which MXNet
    refuses while recording (the book's exercise 2). Pass
    ``corr=d2l_conv.corr2d_fast`` for a layer that learns.

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
        Shape ``(k_h, k_w)`` of the weight; an int ``k`` means ``(k, k)``.
    corr : callable, default corr2d
        ``corr(X, K)`` computing the 2-D cross-correlation.

    Inputs:
        - **x**: 2-D NDArray of shape ``(n_h, n_w)``, float32.

    Outputs:
        - **out**: NDArray of shape ``(n_h - k_h + 1, n_w - k_w + 1)``.

    Examples
    --------
    >>> from mxnet import init, nd
    >>> conv2d = Conv2D((1, 2))
    >>> conv2d.initialize(init.Constant(1))  # weight [[1, 1]], bias [1]
    >>> conv2d(nd.array([[1, 2, 3]]))
    <BLANKLINE>
    [[4. 6.]]
    <NDArray 1x2 @cpu(0)>
    """

    def __init__(self, kernel_size, corr=corr2d, **kwargs):
        kernel_size = check_kernel_size(kernel_size)
        if not callable(corr):  # else the first forward pass fails with "'NoneType' object is not callable"
            raise TypeError('corr must be a function corr(X, K) such as corr2d or corr2d_fast, got %r' % (corr,))
        super(Conv2D, self).__init__(**kwargs)
        self.corr = corr
        self.weight = self.params.get('weight', shape=kernel_size)
        self.bias = self.params.get('bias', shape=(1,))

    def forward(self, x):
        return self.corr(x, self.weight.data()) + self.bias.data()
