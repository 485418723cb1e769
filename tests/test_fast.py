"""corr2d_fast, convolve2d and corr2d_matmul against scipy.signal, and their gradients."""
import mxnet as mx
import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given, settings, strategies as st
from mxnet import autograd, nd

from d2l_conv import Conv2D, convolve2d, corr2d_fast, corr2d_matmul, edge_kernel, stripe_image, train_kernel
from d2l_conv.fast import _cached_graph, _graph, _phase_matrix

TOL = dict(rtol=1e-4, atol=1e-4)  # float32 sums of up to a few hundred terms of size ~1


@st.composite
def image_and_kernel(draw, max_side=24):
    n_h, n_w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k_h, k_w = draw(st.integers(1, n_h)), draw(st.integers(1, n_w))  # 1x1 up to K the size of X
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return rng.standard_normal((n_h, n_w)), rng.standard_normal((k_h, k_w))


@settings(max_examples=60, deadline=None)
@given(image_and_kernel())
def test_against_scipy(XK):
    X, K = XK
    Xn, Kn = nd.array(X), nd.array(K)
    valid = scipy.signal.correlate2d(X, K, mode='valid')
    np.testing.assert_allclose(corr2d_fast(Xn, Kn).asnumpy(), valid, **TOL)
    np.testing.assert_allclose(corr2d_matmul(Xn, Kn).asnumpy(), valid, **TOL)
    np.testing.assert_allclose(convolve2d(Xn, Kn).asnumpy(), scipy.signal.convolve2d(X, K, mode='valid'), **TOL)


@settings(max_examples=40, deadline=None)
@given(image_and_kernel(), st.sampled_from([(1, 2), (2, 1), (2, 2), (4, 2), (2, 4), (4, 4)]))
def test_phase_path_against_scipy(XK, phases):
    """The large-image path, eager and cached, forced on small shapes cut to a multiple of the phases."""
    X, K = XK
    s_h, s_w = phases
    X = X[:X.shape[0] // s_h * s_h, :X.shape[1] // s_w * s_w]
    assume(X.shape[0] >= K.shape[0] and X.shape[1] >= K.shape[1])
    valid = scipy.signal.correlate2d(X, K, mode='valid')
    Xn, Kn = nd.array(X), nd.array(K)
    M = _phase_matrix(K.shape[0], K.shape[1], s_h, s_w, Xn.context, Xn.dtype)
    shapes = X.shape + K.shape + phases
    np.testing.assert_allclose(_graph(nd, Xn, Kn, M, *shapes).asnumpy(), valid, **TOL)
    np.testing.assert_allclose(_cached_graph(*shapes)(Xn, Kn, M).asnumpy(), valid, **TOL)


@pytest.mark.parametrize('shape, kshape', [((7, 9), (2, 3)), ((200, 202), (3, 3)), ((1500, 1502), (3, 3))])
def test_gradients_closed_form(shape, kshape):
    """L = sum(corr2d(X, K)): dL/dK = corr2d(X, ones), dL/dX = full convolution of ones with K."""
    rng = np.random.default_rng(1)
    X, K = nd.array(rng.standard_normal(shape)), nd.array(rng.standard_normal(kshape))
    X.attach_grad()
    K.attach_grad()
    with autograd.record():
        Y = corr2d_fast(X, K)
        l = Y.sum()
    l.backward()
    ones = np.ones(Y.shape)
    np.testing.assert_allclose(K.grad.asnumpy(), scipy.signal.correlate2d(X.asnumpy(), ones, mode='valid'),
                               rtol=1e-4, atol=1e-1)  # sums of ~360,000 float32 terms
    np.testing.assert_allclose(X.grad.asnumpy(), scipy.signal.convolve2d(ones, K.asnumpy(), mode='full'), **TOL)


def test_convolve2d_is_corr2d_with_flipped_kernel():
    rng = np.random.default_rng(2)
    X, K = nd.array(rng.standard_normal((8, 10))), nd.array(rng.standard_normal((3, 4)))
    np.testing.assert_allclose(convolve2d(X, K).asnumpy(),
                               corr2d_fast(X, nd.array(K.asnumpy()[::-1, ::-1].copy())).asnumpy(), **TOL)


def test_output_dtype_and_integer_inputs():
    X = nd.array(np.arange(12).reshape(3, 4), dtype='int32')
    K = nd.array([[1, -1]], dtype='int32')
    for corr in (corr2d_fast, corr2d_matmul):
        Y = corr(X, K)
        assert Y.dtype == np.float32 and (Y.asnumpy() == -1).all()
    assert corr2d_fast(X.astype('float64'), K.astype('float64')).dtype == np.float64


def test_custom_conv2d_learns_the_edge_kernel():
    mx.random.seed(0)
    X = stripe_image()
    Y = corr2d_fast(X, edge_kernel())
    conv2d, losses = train_kernel(X, Y, Conv2D((1, 2), corr=corr2d_fast), num_iters=20, log=None)
    np.testing.assert_allclose(conv2d.weight.data().asnumpy(), [[1, -1]], atol=0.05)
    assert losses[-1] < losses[0] / 100  # the floor is the untrained bias (as in the book's loop)


@pytest.mark.parametrize('shape, kshape', [((6, 8), (1, 2)), ((256, 258), (3, 3))])
def test_results_do_not_share_memory(shape, kshape):
    """The cached graph reuses its buffers between calls: earlier results must stay intact."""
    rng = np.random.default_rng(4)
    Xs = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    K = rng.standard_normal(kshape).astype(np.float32)
    Ys = [corr2d_fast(nd.array(X), nd.array(K)) for X in Xs]
    for X, Y in zip(Xs, Ys):
        np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'), **TOL)
