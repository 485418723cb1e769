"""Bad input to the library is a TypeError/ValueError naming the problem, never an MXNetError."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import nd

from d2l_conv import Conv2D, convolve2d, corr2d, corr2d_fast, corr2d_matmul

X, K = nd.ones((4, 5)), nd.ones((2, 2))
CORRS = [corr2d, corr2d_fast, convolve2d, corr2d_matmul]


@pytest.mark.parametrize('corr', CORRS)
@pytest.mark.parametrize('X, K, error, match', [
    (np.ones((4, 5)), K, TypeError, 'X must be an mxnet NDArray, got ndarray'),
    (X, [[1, -1]], TypeError, 'K must be an mxnet NDArray, got list'),
    (nd.ones((1, 4, 5)), K, ValueError, r'X must be 2-D, got shape \(1, 4, 5\)'),
    (X, nd.ones((2,)), ValueError, r'K must be 2-D, got shape \(2,\)'),
    (X, nd.array(np.ones((0, 2))), ValueError, 'K must not be empty'),
    (X, nd.ones((5, 2)), ValueError, r'kernel K of shape \(5, 2\) is larger than input X of shape \(4, 5\)'),
    (X, nd.ones((2, 2), dtype='float64'), TypeError, 'X is float32 but K is float64'),
    (X, nd.ones((2, 2), ctx=mx.cpu(1)), ValueError,
     r'X is on cpu\(0\) but K is on cpu\(1\); move one with as_in_context'),
    (nd.ones((4, 5), ctx=mx.cpu(1)), K, ValueError, r'X is on cpu\(1\) but K is on cpu\(0\)'),
])
def test_bad_arguments(corr, X, K, error, match):
    with pytest.raises(error, match=match):
        corr(X, K)


@pytest.mark.parametrize('kernel_size, error', [((0, 2), ValueError), ((1, -2), ValueError), (0, ValueError),
                                                ((1, 2, 3), TypeError), ('3', TypeError), ((1.5, 2), TypeError)])
def test_conv2d_kernel_size_checked_at_construction(kernel_size, error):
    with pytest.raises(error, match='kernel_size'):
        Conv2D(kernel_size)


def test_conv2d_int_kernel_size_is_square():
    assert Conv2D(3).weight.shape == (3, 3)


def test_conv2d_forward_checks_its_input():
    conv = Conv2D((1, 2), corr=corr2d_fast)
    conv.initialize()
    with pytest.raises(ValueError, match=r'X must be 2-D, got shape \(1, 1, 6, 8\)'):
        conv(nd.ones((1, 1, 6, 8)))


@pytest.mark.parametrize('kwargs, match', [({'num_iters': 0}, 'num_iters'), ({'num_iters': 2.5}, 'num_iters'),
                                           ({'lr': -1}, 'lr'), ({'lr': 'abc'}, 'lr'), ({'lr': float('nan')}, 'lr')])
def test_train_kernel_arguments(kwargs, match):
    from d2l_conv import edge_kernel, stripe_image, train_kernel
    X = stripe_image()
    with pytest.raises(ValueError, match=match):
        train_kernel(X, corr2d(X, edge_kernel()), **kwargs)
