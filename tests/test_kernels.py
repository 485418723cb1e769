"""The chapter's data and kernels: the layer's kernel sizes, the data's checks, the exercises' kernels,
and what all four correlations refuse."""
from math import comb

import mxnet as mx
import numpy as np
import pytest
from mxnet import nd
from mxnet.gluon import nn

from d2l_conv import (Conv2D, convolve2d, corr2d, corr2d_fast, corr2d_matmul, diagonal_image, edge_kernel, kernels,
                      stripe_image)

NO_GPU = pytest.mark.skipif(mx.context.num_gpus() > 0, reason='expects a machine without GPUs')


@pytest.mark.parametrize('kernel_size', [2 ** 40, (1, 2 ** 31), (2 ** 16, 2 ** 16)])
def test_conv2d_refuses_kernels_mxnet_cannot_hold(kernel_size):
    with pytest.raises(ValueError, match=r"kernel_size .* entries; MXNet's arrays hold at most 2147483646"):
        Conv2D(kernel_size)


@NO_GPU
@pytest.mark.parametrize('make', [stripe_image, edge_kernel, diagonal_image])
def test_data_on_a_missing_gpu_is_a_value_error(make):
    with pytest.raises(ValueError, match=r'gpu\(0\) requested'):
        make(ctx=mx.gpu())
    with pytest.raises(TypeError, match='ctx must be an mx.Context'):
        make(ctx='cpu')


@pytest.mark.parametrize('make', [stripe_image, edge_kernel, diagonal_image])
def test_data_is_made_on_the_context_asked_for(make):
    assert make(ctx=mx.cpu(1)).context == mx.cpu(1)
    assert make(ctx=mx.cpu(1)).asnumpy().tolist() == make().asnumpy().tolist()


@pytest.mark.parametrize('n', [0, -1, 2.0, True])
def test_diagonal_image_needs_a_positive_size(n):
    with pytest.raises(ValueError, match='n must be a positive integer, got %r' % (n,)):
        diagonal_image(n)



def test_diagonal_image_size_check_does_not_wrap():
    with pytest.raises(ValueError, match="MXNet's arrays hold at most"):
        diagonal_image(np.int64(2 ** 32))



@pytest.mark.parametrize('corr', [corr2d, corr2d_fast, convolve2d, corr2d_matmul])
@pytest.mark.parametrize('bool_x, bool_k', [(True, True), (True, False), (False, True)])
def test_bool_arrays_are_refused_by_all_four(corr, bool_x, bool_k):
    X, K = stripe_image(), edge_kernel()
    X, K = (X.astype('bool') if bool_x else X), (K.astype('bool') if bool_k else K)
    name = 'X' if bool_x else 'K'
    with pytest.raises(TypeError, match=r"^%s is bool; cast it with %s.astype\('float32'\)$" % (name, name)):
        corr(X, K)


def test_symbols_are_told_the_functions_are_imperative():
    class Hybrid(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            return corr2d_fast(x, x)
    block = Hybrid()
    block.hybridize()
    with pytest.raises(TypeError, match='X is a Symbol: these functions are imperative and take NDArrays'):
        block(nd.ones((3, 3)))
    with pytest.raises(TypeError, match='K is a Symbol'):
        corr2d(nd.ones((3, 3)), mx.sym.var('K'))


@pytest.mark.parametrize('dtype, limit', [('float16', 11), ('float32', 24), ('float64', 53)])
def test_derivative_is_exact_up_to_its_limit(dtype, limit):
    K = kernels.derivative(limit, dtype=dtype)
    assert K.dtype == np.dtype(dtype) and kernels.max_derivative_order(dtype) == limit
    assert K.asnumpy()[0].tolist() == [(-1) ** k * comb(limit, k) for k in range(limit + 1)]  # every tap exact
    if dtype != 'float16':  # MXNet has no float16 sum on the CPU worth trusting; the taps are the point
        ones = nd.ones((2, limit + 5), dtype=dtype)
        assert (corr2d(ones, K).asnumpy() == 0).all()  # a constant's derivative, exactly
    hint = '' if dtype == 'float64' else r"; use dtype='float64' \(up to d = 53\)"
    with pytest.raises(ValueError, match='^d = %d is too large: %s taps are exact up to d = %d%s$' % (limit + 1, dtype,
                                                                                                       limit, hint)):
        kernels.derivative(limit + 1, dtype=dtype)


@pytest.mark.parametrize('d', [1, 2, 3, 5])
def test_derivative_of_a_polynomial_against_numpy(d):
    """Correlated with samples of a degree-d polynomial: (-1)**d d! a everywhere, and numpy's d-th difference."""
    t = np.arange(12.0)
    f = 0.5 * t ** d + np.polyval(np.arange(1.0, d + 1), t)  # leading coefficient 0.5, then lower degrees
    got = corr2d(nd.array([f], dtype='float64'), kernels.derivative(d, dtype='float64')).asnumpy()[0]
    np.testing.assert_allclose(got, (-1) ** d * np.diff(f, n=d), rtol=1e-6)  # corr2d's Y is float32
    np.testing.assert_allclose(got, (-1) ** d * np.prod(range(1, d + 1)) * 0.5, rtol=1e-6)


def test_laplacian_and_integral_against_numpy():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((5, 7))
    lap = corr2d(nd.array(A), kernels.laplacian()).asnumpy()
    expected = A[:-2, 1:-1] + A[2:, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] - 4 * A[1:-1, 1:-1]
    np.testing.assert_allclose(lap, expected, rtol=1e-5, atol=1e-5)  # float32 sums of 5 terms
    assert kernels.second_derivative().asnumpy().tolist() == [[1, -2, 1]]
    box = corr2d(nd.array(A), kernels.integral(3)).asnumpy()
    np.testing.assert_allclose(box, A[:, :-2] + A[:, 1:-1] + A[:, 2:], rtol=1e-5, atol=1e-5)


def test_integral_refuses_what_mxnet_cannot_hold():
    with pytest.raises(ValueError, match=r"integral\(2147483647\) has 2147483647 entries; MXNet's arrays hold"):
        kernels.integral(2 ** 31 - 1)


@pytest.mark.parametrize('d', [30, 200])
def test_derivative_beyond_float32s_limit_is_refused(d):
    with pytest.raises(ValueError, match=r"d = %d is too large: float32 taps are exact up to d = 24; "
                                         r"use dtype='float64' \(up to d = 53\)" % d):
        kernels.derivative(d)


@pytest.mark.parametrize('dtype', ['int32', None, 'nonsense'])
def test_derivative_needs_a_float_dtype(dtype):
    with pytest.raises(TypeError, match='dtype must be one of float16, float32, float64, got %r' % (dtype,)):
        kernels.derivative(2, dtype=dtype)


