"""The book's corr2d and Conv2D against independent references."""
import numpy as np
import pytest
import scipy.signal
from mxnet import autograd, nd
from mxnet.base import MXNetError

from d2l_conv import Conv2D, corr2d, stripe_image


@pytest.mark.parametrize('shape, kshape', [((1, 1), (1, 1)), ((5, 7), (2, 3)), ((9, 4), (9, 1)),
                                           ((3, 12), (1, 12)), ((6, 6), (6, 6)), ((8, 5), (3, 3))])
def test_corr2d_matches_scipy(shape, kshape):
    rng = np.random.default_rng(sum(shape + kshape))
    X, K = rng.standard_normal(shape), rng.standard_normal(kshape)
    Y = corr2d(nd.array(X), nd.array(K))
    assert Y.shape == (shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1)
    np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'),
                               rtol=1e-5, atol=1e-5)  # float32 sums of at most 72 terms


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
