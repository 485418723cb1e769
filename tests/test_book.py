"""The book's corr2d and Conv2D against independent references."""
import mxnet as mx
import numpy as np
import pytest
import scipy.signal
from mxnet import autograd, init, nd
from mxnet.base import MXNetError

from d2l_conv import Conv2D, corr2d, corr2d_fast, stripe_image


@pytest.mark.parametrize('shape, kshape', [((1, 1), (1, 1)), ((5, 7), (2, 3)), ((9, 4), (9, 1)),
                                           ((3, 12), (1, 12)), ((6, 6), (6, 6)), ((8, 5), (3, 3))])
def test_corr2d_matches_scipy(shape, kshape):
    rng = np.random.default_rng(sum(shape + kshape))
    X, K = rng.standard_normal(shape), rng.standard_normal(kshape)
    Y = corr2d(nd.array(X), nd.array(K))
    assert Y.shape == (shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1)
    np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'),
                               rtol=1e-5, atol=1e-5)  # float32 sums of at most 72 terms


def test_corr2d_stays_on_the_context_of_its_input():
    """Y is made on X's context (the book's nd.zeros used the default one)."""
    X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]], ctx=mx.cpu(1))
    Y = corr2d(X, nd.array([[0, 1], [2, 3]], ctx=mx.cpu(1)))
    assert Y.context == mx.cpu(1) and Y.asnumpy().tolist() == [[19, 25], [37, 43]]


def test_conv2d_value_and_gradient_against_nd_convolution():
    """corr(x, weight) + bias and its gradients, against MXNet's own convolution operator."""
    x = nd.random.normal(shape=(5, 6))
    conv = Conv2D((2, 3), corr=corr2d_fast)
    conv.initialize(init.Normal(1))
    conv.bias.set_data(nd.array([0.25]))
    dY = nd.random.normal(shape=(4, 4))
    with autograd.record():
        y = conv(x)
    y.backward(dY)
    w, b = conv.weight.data(), conv.bias.data()
    w4, b1, x4 = w.reshape((1, 1, 2, 3)), b.copy(), x.reshape((1, 1, 5, 6))
    for A in (w4, b1):
        A.attach_grad()
    with autograd.record():
        ref = nd.Convolution(x4, w4, b1, kernel=(2, 3), num_filter=1)
    ref.backward(dY.reshape((1, 1, 4, 4)))
    np.testing.assert_allclose(y.asnumpy(), ref[0, 0].asnumpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(conv.weight.grad().asnumpy(), w4.grad[0, 0].asnumpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(conv.bias.grad().asnumpy(), b1.grad.asnumpy(), rtol=1e-5, atol=1e-5)


def test_conv2d_parameters_and_forward():
    conv = Conv2D(kernel_size=(2, 3))
    conv.initialize()
    assert conv.weight.name.endswith('weight') and conv.bias.name.endswith('bias')
    assert conv.weight.shape == (2, 3) and conv.bias.shape == (1,)
    conv.bias.set_data(nd.array([0.5]))
    x = nd.random.normal(shape=(5, 6))
    w = conv.weight.data().asnumpy()
    expected = scipy.signal.correlate2d(x.asnumpy(), w, mode='valid') + 0.5
    np.testing.assert_allclose(conv(x).asnumpy(), expected, rtol=1e-5, atol=1e-5)


def test_conv2d_cannot_learn_exercise_2():
    """The book's layer writes Y[i, j] in place, which autograd refuses."""
    conv = Conv2D(kernel_size=(1, 2))
    conv.initialize()
    with pytest.raises(MXNetError, match='Inplace operations'):
        with autograd.record():
            loss = conv(stripe_image()).sum()
        loss.backward()


@pytest.mark.parametrize('corr', [None, 'corr2d', 3])
def test_conv2d_refuses_a_corr_that_is_not_a_function(corr):
    """Refused at construction, not at the first forward pass with "'NoneType' object is not callable"."""
    with pytest.raises(TypeError, match=r'corr must be a function corr\(X, K\)'):
        Conv2D((1, 2), corr=corr)
