"""Bad input to the library is a TypeError/ValueError naming the problem, never an MXNetError."""
import numbers
from decimal import Decimal
from fractions import Fraction

import mxnet as mx
import numpy as np
import pytest
from mxnet import nd
from mxnet.gluon import nn

from d2l_conv import Conv2D, convolve2d, corr2d, corr2d_fast, corr2d_matmul
from d2l_conv.checks import MAX_SIZE, check_kernel_size, check_positive_int, check_size, is_number

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
    (X, nd.ones((2, 6)), ValueError, r'kernel K of shape \(2, 6\) is larger than input X'),
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


# The training data below is In[6]'s Y, from corr2d_fast: exact here (0/1 times +-1), and the book's loop
# (~30 ms a call) is not what these tests check.
@pytest.mark.parametrize('kwargs, match', [({'num_iters': 0}, 'num_iters'), ({'num_iters': 2.5}, 'num_iters'),
                                           ({'lr': -1}, 'lr'), ({'lr': 'abc'}, 'lr'), ({'lr': float('nan')}, 'lr')])
def test_train_kernel_arguments(kwargs, match):
    from d2l_conv import edge_kernel, stripe_image, train_kernel
    X = stripe_image()
    with pytest.raises(ValueError, match=match):
        train_kernel(X, corr2d_fast(X, edge_kernel()), **kwargs)


@pytest.mark.parametrize('lr', [Decimal('0.03'), Fraction(3, 100), np.float32(0.03), 0.03])
def test_train_kernel_takes_any_real_lr(lr):
    """A Decimal or a Fraction is a real number too (Decimal is no numbers.Real): the same losses as float(lr)."""
    from d2l_conv import edge_kernel, stripe_image, train_kernel
    X = stripe_image()
    mx.random.seed(0)
    _, losses = train_kernel(X, corr2d_fast(X, edge_kernel()), num_iters=2, lr=lr, log=None)
    mx.random.seed(0)
    _, expected = train_kernel(X, corr2d_fast(X, edge_kernel()), num_iters=2, lr=float(lr), log=None)
    assert losses == expected


POSITIVE = 'lr must be a positive finite number, got '


@pytest.mark.parametrize('lr, match', [
    (Decimal('1e400'), POSITIVE + r"Decimal\('1E\+400'\)"), pytest.param(10 ** 400, POSITIVE + '1000', id='10**400'),
    (Decimal('NaN'), POSITIVE), (Decimal('sNaN'), POSITIVE), (Decimal('-0.03'), POSITIVE), (1j, POSITIVE + '1j'),
    (True, POSITIVE + 'True'), (Fraction(1, 10 ** 400), 'lr must be at least'),
    (Decimal('1e-400'), 'lr must be at least'),
])
def test_train_kernel_bad_lr(lr, match):
    from d2l_conv import edge_kernel, stripe_image, train_kernel
    X = stripe_image()
    with pytest.raises(ValueError, match=match):
        train_kernel(X, corr2d_fast(X, edge_kernel()), lr=lr)


@pytest.mark.parametrize('conv2d, match', [
    ('x', r"conv2d must be a gluon layer such as Conv2D\(\(1, 2\), corr=corr2d_fast\) .*got 'x'"),
    (nn.Sequential(), 'conv2d must have a weight parameter .*; Sequential has none'),
])
def test_train_kernel_bad_layer(conv2d, match):
    from d2l_conv import edge_kernel, stripe_image, train_kernel
    X = stripe_image()
    with pytest.raises(TypeError, match=match):
        train_kernel(X, corr2d_fast(X, edge_kernel()), conv2d=conv2d)


@pytest.mark.parametrize('kind, good, bad', [
    (numbers.Integral, [3, np.int64(3), np.uint8(3)], [True, np.bool_(True), 3.0, '3', None]),
    ((numbers.Real, Decimal), [0.5, 3, np.float32(0.5), Fraction(1, 2), Decimal('0.5')], [True, 1j, '0.5', None]),
])
def test_is_number_is_never_a_bool(kind, good, bad):
    assert [is_number(v, kind) for v in good + bad] == [True] * len(good) + [False] * len(bad)


@pytest.mark.parametrize('value', [True, np.True_, 2.0, '2'])
def test_counts_are_ints_not_bools(value):
    with pytest.raises(ValueError, match='n must be a positive integer, got'):
        check_positive_int('n', value)
    with pytest.raises(TypeError, match='kernel_size must be an int or a pair of ints, got'):
        check_kernel_size((1, value))


def test_check_size_takes_exactly_max_size():
    assert MAX_SIZE == 2 ** 31 - 2 and check_size('a', MAX_SIZE) is None
    with pytest.raises(ValueError, match="a has 2147483647 entries; MXNet's arrays hold at most 2147483646"):
        check_size('a', MAX_SIZE + 1)


def test_the_books_loop_takes_only_dense_legacy_arrays():
    with pytest.raises(TypeError, match='corr2d .* takes legacy mx.nd arrays, not mx.np arrays'):
        corr2d(X.as_np_ndarray(), K.as_np_ndarray())
    with pytest.raises(TypeError, match='X is a csr sparse array'):
        corr2d(X.tostype('csr'), K)
