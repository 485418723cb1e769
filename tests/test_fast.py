"""corr2d_fast, convolve2d and corr2d_matmul against scipy.signal, numpy and nd.Convolution.

Each path of corr2d_fast (1x1, direct, bands, blocks, FFT; see d2l_conv/fast.py) is
checked, also on small shapes, by the private ``_method=`` keyword that picks one.
"""
import os
import subprocess
import sys
import threading

import mxnet as mx
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings, strategies as st
from mxnet import autograd, nd, npx

import d2l_conv
from d2l_conv import Conv2D, convolve2d, corr2d, corr2d_fast, corr2d_matmul, edge_kernel, stripe_image, train_kernel
from d2l_conv import fast

TOL = dict(rtol=1e-4, atol=1e-4)  # float32 sums of up to a few hundred terms of size ~1


@st.composite
def image_and_kernel(draw, max_side=24):
    n_h, n_w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k_h, k_w = draw(st.integers(1, n_h)), draw(st.integers(1, n_w))  # 1x1 up to K the size of X
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return rng.standard_normal((n_h, n_w)), rng.standard_normal((k_h, k_w))


@pytest.mark.slow  # 60 random shapes, with gradients
@settings(max_examples=60, deadline=None)
@given(image_and_kernel())
def test_against_scipy(XK):
    X, K = XK
    Xn, Kn = nd.array(X), nd.array(K)
    valid = scipy.signal.correlate2d(X, K, mode='valid')
    np.testing.assert_allclose(corr2d_fast(Xn, Kn).asnumpy(), valid, **TOL)
    np.testing.assert_allclose(corr2d_matmul(Xn, Kn).asnumpy(), valid, **TOL)
    np.testing.assert_allclose(convolve2d(Xn, Kn).asnumpy(), scipy.signal.convolve2d(X, K, mode='valid'), **TOL)


@pytest.mark.parametrize('shape, kshape', [
    ((40, 70), (3, 3)), ((42, 70), (3, 3)),  # blocks of 8 x 1: 38 rows (6 left over), 40 rows (none)
    ((37, 50), (2, 5)), ((42, 46), (7, 7)), ((300, 333), (4, 3)),  # 4 x 4: padded to whole blocks, or not
])
@pytest.mark.parametrize('views', [True, False])
def test_blocks_with_and_without_host_views(monkeypatch, shape, kshape, views):
    """Blocks, dX and dK, both where numpy works on host views (a CPU: the bank, dK's products, the finite
    check) and where it cannot (a GPU: MXNet's sparse product, nd.dot, an MXNet reduction)."""
    if not views:
        monkeypatch.setattr(fast, 'host_view', lambda A: None)
    rng = np.random.default_rng(sum(shape + kshape))
    X, K = rng.standard_normal(shape), rng.standard_normal(kshape)
    dY = rng.standard_normal((shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1))
    Xn, Kn = nd.array(X, dtype='float64'), nd.array(K, dtype='float64')
    Xn.attach_grad()
    Kn.attach_grad()
    with autograd.record():
        Y = corr2d_fast(Xn, Kn, _method='blocks')
    Y.backward(nd.array(dY, dtype='float64'))
    tol = dict(rtol=1e-10, atol=1e-10)  # float64
    np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'), **tol)
    np.testing.assert_allclose(Kn.grad.asnumpy(), scipy.signal.correlate2d(X, dY, mode='valid'), **tol)
    np.testing.assert_allclose(Xn.grad.asnumpy(), scipy.signal.convolve2d(dY, K, mode='full'), **tol)


@pytest.mark.parametrize('kshape, extra, views', [
    ((3, 3), 0, True), ((3, 3), 7, False), ((4, 3), 5, True), ((4, 3), 2, False), ((1, 4), 0, True),
    ((6, 5), 3, True),  # the fewest rows the bands take, plus extra: groups of 2 (k_h // 2) to that + 7 rows
])
def test_bands_with_and_without_host_views(monkeypatch, kshape, extra, views):
    """Bands, dX and dK, odd and even kernels (an even one gets a zero row), with the filters placed by numpy
    (a CPU) or by MXNet (a GPU)."""
    if not views:
        monkeypatch.setattr(fast, 'host_view', lambda A: None)
    shape = (fast._band_min_rows(kshape[0]) + kshape[0] - 1 + extra, 23)
    rng = np.random.default_rng(sum(shape + kshape))
    X, K = rng.standard_normal(shape), rng.standard_normal(kshape)
    dY = rng.standard_normal((shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1))
    dX, dK = _grads(lambda X, K: corr2d_fast(X, K, _method='bands'), X, K, dY)
    tol = dict(rtol=1e-10, atol=1e-10)  # float64
    np.testing.assert_allclose(corr2d_fast(nd.array(X, dtype='float64'), nd.array(K, dtype='float64'),
                                           _method='bands').asnumpy(),
                               scipy.signal.correlate2d(X, K, mode='valid'), **tol)
    np.testing.assert_allclose(dK, scipy.signal.correlate2d(X, dY, mode='valid'), **tol)
    np.testing.assert_allclose(dX, scipy.signal.convolve2d(dY, K, mode='full'), **tol)


@pytest.mark.slow  # 30 random shapes, with gradients
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 11), st.integers(1, 11), st.integers(0, 40), st.integers(0, 30), st.integers(0, 2 ** 32 - 1))
def test_bands_against_scipy(k_h, k_w, extra_rows, extra_cols, seed):
    """Forward and both gradients on the band path, from the fewest rows it takes up, in float64."""
    rng = np.random.default_rng(seed)
    shape = (fast._band_min_rows(k_h) + k_h - 1 + extra_rows, k_w + extra_cols)
    X, K = rng.standard_normal(shape), rng.standard_normal((k_h, k_w))
    dY = rng.standard_normal((shape[0] - k_h + 1, shape[1] - k_w + 1))
    Y = corr2d_fast(nd.array(X, dtype='float64'), nd.array(K, dtype='float64'), _method='bands').asnumpy()
    dX, dK = _grads(lambda X, K: corr2d_fast(X, K, _method='bands'), X, K, dY)
    tol = dict(rtol=1e-10, atol=1e-10)  # float64
    np.testing.assert_allclose(Y, scipy.signal.correlate2d(X, K, mode='valid'), **tol)
    np.testing.assert_allclose(dK, scipy.signal.correlate2d(X, dY, mode='valid'), **tol)
    np.testing.assert_allclose(dX, scipy.signal.convolve2d(dY, K, mode='full'), **tol)


def test_bands_refuse_an_image_too_short():
    n = fast._band_min_rows(3)
    corr2d_fast(nd.ones((n + 2, 9)), nd.ones((3, 3)), _method='bands')
    with pytest.raises(ValueError, match=r"_method='bands' needs an output of at least %d rows .* got %d" % (n, n - 1)):
        corr2d_fast(nd.ones((n + 1, 9)), nd.ones((3, 3)), _method='bands')


@pytest.mark.slow  # 60 random shapes, with gradients
@settings(max_examples=60, deadline=None)
@given(image_and_kernel(max_side=48), st.sampled_from(['direct', 'blocks', 'fft']))
def test_each_path_against_scipy(XK, method):
    """Forward and both gradients by each path; blocks of 1 to 8 rows or 4 x 4, and every remainder."""
    X, K = XK
    Xn, Kn = nd.array(X, dtype='float64'), nd.array(K, dtype='float64')
    Xn.attach_grad()
    Kn.attach_grad()
    dY = np.random.default_rng(X.size).standard_normal((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))
    Y0 = corr2d_fast(Xn, Kn, _method=method)
    with autograd.record():
        Y = corr2d_fast(Xn, Kn, _method=method)
    Y.backward(nd.array(dY, dtype='float64'))
    tol = dict(rtol=1e-10, atol=1e-10)  # float64
    np.testing.assert_allclose(Y0.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'), **tol)
    np.testing.assert_allclose(Y.asnumpy(), Y0.asnumpy(), **tol)
    np.testing.assert_allclose(Kn.grad.asnumpy(), scipy.signal.correlate2d(X, dY, mode='valid'), **tol)
    np.testing.assert_allclose(Xn.grad.asnumpy(), scipy.signal.convolve2d(dY, K, mode='full'), **tol)


@pytest.mark.parametrize('shape, kshape', [((7, 9), (2, 3)), ((200, 202), (3, 3)), ((513, 517), (3, 3)),
                                           ((300, 333), (7, 5))])
def test_gradients_closed_form(shape, kshape):
    """L = sum(corr2d(X, K) * G): dL/dK = corr2d(X, G), dL/dX = full convolution of G with K."""
    rng = np.random.default_rng(1)
    X, K = nd.array(rng.standard_normal(shape)), nd.array(rng.standard_normal(kshape))
    G = rng.standard_normal((shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1))
    X.attach_grad()
    K.attach_grad()
    with autograd.record():
        loss = (corr2d_fast(X, K) * nd.array(G)).sum()
    loss.backward()
    np.testing.assert_allclose(K.grad.asnumpy(), scipy.signal.correlate2d(X.asnumpy(), G, mode='valid'),
                               rtol=1e-4, atol=2e-2)  # sums of up to 260,000 float32 terms
    np.testing.assert_allclose(X.grad.asnumpy(), scipy.signal.convolve2d(G, K.asnumpy(), mode='full'), **TOL)


@pytest.mark.parametrize('shape', [(40, 50), (300, 333)])  # direct and block paths
@pytest.mark.parametrize('which', ['K', 'X'])
def test_gradient_of_one_input_alone_and_accumulated(shape, which):
    """Only K (as in training) or only X needs a gradient: it is still written; grad_req='add' adds."""
    rng = np.random.default_rng(5)
    X, K = nd.array(rng.standard_normal(shape)), nd.array(rng.standard_normal((3, 3)))
    (K if which == 'K' else X).attach_grad(grad_req='add')
    for _ in range(2):
        with autograd.record():
            loss = corr2d_fast(X, K).sum()
        loss.backward()
    ones = np.ones((shape[0] - 2, shape[1] - 2))
    if which == 'K':
        np.testing.assert_allclose(K.grad.asnumpy(), 2 * scipy.signal.correlate2d(X.asnumpy(), ones, mode='valid'),
                                   rtol=1e-4, atol=1e-2)
    else:
        np.testing.assert_allclose(X.grad.asnumpy(), 2 * scipy.signal.convolve2d(ones, K.asnumpy(), mode='full'),
                                   **TOL)


@pytest.mark.slow  # big images
def test_agrees_with_nd_convolution_on_large_odd_shapes():
    rng = np.random.default_rng(6)
    for shape, kshape in [((257, 263), (11, 11)), ((131, 301), (5, 31)), ((200, 190), (31, 31))]:  # 31x31: FFT
        X, K = nd.array(rng.standard_normal(shape)), nd.array(rng.standard_normal(kshape))
        ref = nd.Convolution(X.reshape((1, 1) + shape), K.reshape((1, 1) + kshape), kernel=kshape,
                             num_filter=1, no_bias=True)
        np.testing.assert_allclose(corr2d_fast(X, K).asnumpy(), ref.asnumpy()[0, 0], rtol=1e-4, atol=1e-3)


# --- NaN and Inf where scipy puts them ---------------------------------------------------------------

def _special(case, X, K):
    X, K = X.copy(), K.copy()
    if case == 'nan in X':
        X[5, 7] = np.nan
    elif case == '+inf and -inf in X':
        X[5, 7], X[6, 9], X[20, 3] = np.inf, -np.inf, np.inf
    elif case == 'inf in X, a zero in K':
        X[9, 11], K[0, 1] = -np.inf, 0
    elif case == 'inf in K':
        K[1, 1] = np.inf
        X[4, 4] = 0  # 0 * inf = nan there
    elif case == '-inf and nan in K':
        K[0, 0], K[1, 2] = -np.inf, np.nan
    elif case == 'inf in K and X':
        K[2, 0], X[10, 10], X[12, 30] = np.inf, -np.inf, np.inf
    elif case == 'nan in the last pixel':  # in one window only: blocks left over, or padded to whole blocks
        X[-1, -1] = np.nan
    elif case == 'nan and inf about band edges':  # 200 rows, 3x3: bands of 24 rows, groups from rows 22 and 46
        for i, row in enumerate([r for r in (21, 22, 23, 24, 25, 46, 47, 48, 49) if r < len(X)] + [len(X) - 2]):
            X[row, 5 * i % X.shape[1]] = (np.nan, np.inf, -np.inf)[i % 3]
    return X, K


SPECIAL = ['nan in X', '+inf and -inf in X', 'inf in X, a zero in K', 'inf in K', '-inf and nan in K',
           'inf in K and X', 'nan in the last pixel', 'nan and inf about band edges']


def assert_special_values_equal(Y, ref):
    assert (np.isnan(Y) == np.isnan(ref)).all(), 'NaN at %s, scipy at %s' % (np.argwhere(np.isnan(Y))[:5],
                                                                             np.argwhere(np.isnan(ref))[:5])
    assert (np.isposinf(Y) == np.isposinf(ref)).all()
    assert (np.isneginf(Y) == np.isneginf(ref)).all()
    finite = np.isfinite(ref)
    np.testing.assert_allclose(Y[finite], ref[finite], **TOL)


@pytest.mark.parametrize('case', SPECIAL)
@pytest.mark.parametrize('shape, kshape, method', [
    ((200, 203), (3, 3), None), ((200, 203), (3, 3), 'fft'),  # the natural path (bands: no check)
    ((95, 47), (4, 3), 'bands'),  # bands of an even kernel: its zero row, then the check
    ((26, 33), (3, 3), 'blocks'), ((43, 38), (5, 5), 'blocks'),  # 8 x 1, none left over; 4 x 4, padded
])
def test_nan_and_inf_where_scipy_puts_them(case, method, shape, kshape):
    rng = np.random.default_rng(7)
    X, K = _special(case, rng.standard_normal(shape).astype(np.float32),
                    rng.standard_normal(kshape).astype(np.float32))
    ref = scipy.signal.correlate2d(X, K, mode='valid')
    assert_special_values_equal(corr2d_fast(nd.array(X), nd.array(K), _method=method).asnumpy(), ref)
    if method is None:  # convolve2d flips K first, then takes the same code: one path is enough
        Yc = convolve2d(nd.array(X), nd.array(K[::-1, ::-1].copy())).asnumpy()
        assert_special_values_equal(Yc, ref)


@pytest.mark.parametrize('case', SPECIAL)
def test_nan_and_inf_by_the_mxnet_check(monkeypatch, case):
    """Where numpy cannot view Y in place (a GPU, numpy < 1.22): MXNet sums Y's rows, only the sums reach the host."""
    monkeypatch.setattr(fast, 'host_view', lambda A: None)
    rng = np.random.default_rng(7)
    X, K = _special(case, rng.standard_normal((42, 45)).astype(np.float32),
                    rng.standard_normal((3, 3)).astype(np.float32))
    assert_special_values_equal(corr2d_fast(nd.array(X), nd.array(K), _method='blocks').asnumpy(),
                                scipy.signal.correlate2d(X, K, mode='valid'))


@pytest.mark.parametrize('case', SPECIAL)
def test_nan_and_inf_on_the_direct_path(case):
    rng = np.random.default_rng(8)
    X, K = _special(case, rng.standard_normal((40, 40)).astype(np.float32),
                    rng.standard_normal((3, 3)).astype(np.float32))
    assert fast._plan(38, 38, 3, 3) == 'direct'
    assert_special_values_equal(corr2d_fast(nd.array(X), nd.array(K)).asnumpy(),
                                scipy.signal.correlate2d(X, K, mode='valid'))


@pytest.mark.slow  # big images
def test_one_nan_pixel_in_a_large_image():
    """The issue's case: one NaN in 512x512 with 3x3 is 9 NaN outputs (the phase rewrite gave 64)."""
    rng = np.random.default_rng(9)
    X, K = rng.standard_normal((512, 512)).astype(np.float32), rng.standard_normal((3, 3)).astype(np.float32)
    X[100, 200] = np.nan
    Y = corr2d_fast(nd.array(X), nd.array(K)).asnumpy()
    assert np.isnan(Y).sum() == 9
    assert_special_values_equal(Y, scipy.signal.correlate2d(X, K, mode='valid'))
    X[100, 200] = 1
    K[1, 1] = np.inf
    Y = corr2d_fast(nd.array(X), nd.array(K)).asnumpy()
    assert np.isinf(Y).all() and not np.isnan(Y).any()  # scipy: +-inf everywhere, never NaN
    assert_special_values_equal(Y, scipy.signal.correlate2d(X, K, mode='valid'))


# --- live graphs, threads, memory --------------------------------------------------------------------

@pytest.mark.parametrize('shape, method', [((40, 50), None), ((512, 512), None), ((100, 120), 'fft')])
def test_two_live_graphs(shape, method):
    rng = np.random.default_rng(10)
    X1, X2 = nd.array(rng.standard_normal(shape)), nd.array(rng.standard_normal(shape))
    K = nd.array(rng.standard_normal((3, 3)))
    grads = []
    K.attach_grad()
    with autograd.record():
        l1 = corr2d_fast(X1, K, _method=method).sum()
    with autograd.record():
        l2 = corr2d_fast(X2, K, _method=method).sum()
    for loss in (l1, l2):
        loss.backward()
        grads.append(K.grad.copy())
    ones = np.ones((shape[0] - 2, shape[1] - 2))
    for grad, X in zip(grads, (X1, X2)):
        np.testing.assert_allclose(grad.asnumpy(), scipy.signal.correlate2d(X.asnumpy(), ones, mode='valid'),
                                   rtol=1e-4, atol=3e-2)


@pytest.mark.slow  # four threads training on block-sized images
def test_training_in_threads():
    """Four threads train the chapter's Conv2D with corr2d_fast at once (band path), X's gradient too."""
    true_K = nd.array([[1, -1, 0.5], [0, 2, 1], [1, 1, -1]])
    results = {}

    def train(seed):
        try:
            X = nd.array(np.random.default_rng(seed).standard_normal((200, 340)))
            Y = corr2d_fast(X, true_K)
            X.attach_grad()  # the backward computes dX as well: it waits on MXNet's engine in every thread
            layer = Conv2D((3, 3), corr=corr2d_fast)
            layer.initialize(mx.init.Constant(0.1))
            for _ in range(40):
                with autograd.record():
                    loss = ((layer(X) - Y) ** 2).mean()
                loss.backward()
                for p in (layer.weight, layer.bias):
                    p.data()[:] -= 0.2 * p.grad()
            results[seed] = layer.weight.data().asnumpy()
        except Exception as e:  # noqa: BLE001 - reported below
            results[seed] = e

    assert fast._plan(198, 338, 3, 3) == 'bands'
    threads = [threading.Thread(target=train, args=(seed,), daemon=True) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), 'deadlock'
    for seed in range(4):
        assert not isinstance(results[seed], Exception), results[seed]
        np.testing.assert_allclose(results[seed], true_K.asnumpy(), atol=1e-2)


def _rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2 ** 20


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists('/proc/self/statm'), reason='needs /proc (Linux)')
def test_memory_bounded_over_distinct_shapes():
    """60 image shapes with 2 kernel shapes: RSS grows no more than with nd.Convolution."""
    rng = np.random.default_rng(11)
    K3, K5 = nd.array(rng.standard_normal((3, 3))), nd.array(rng.standard_normal((5, 5)))
    shapes = [(300 + 7 * i, 310 + 5 * i) for i in range(60)]
    assert fast._plan(298, 308, 3, 3) == 'bands' and fast._plan(298, 308, 5, 5) == 'bands'

    def grow(f):
        before = _rss_mb()
        for i, shape in enumerate(shapes):
            X = nd.array(rng.standard_normal(shape))
            f(X, K3 if i % 2 else K5).wait_to_read()
            del X
        nd.waitall()
        return _rss_mb() - before

    def nd_convolution(X, K):
        return nd.Convolution(X.reshape((1, 1) + X.shape), K.reshape((1, 1) + K.shape), kernel=K.shape,
                              num_filter=1, no_bias=True)

    growth = grow(corr2d_fast)
    conv_growth = grow(nd_convolution)
    assert growth < conv_growth + 32, (growth, conv_growth)  # MB


# --- the numpy interface -----------------------------------------------------------------------------

@pytest.fixture
def np_semantics():
    npx.set_np()
    try:
        yield
    finally:
        npx.reset_np()


@pytest.mark.parametrize('shape', [(30, 40), (300, 333)])
@pytest.mark.parametrize('name', ['corr2d_fast', 'convolve2d', 'corr2d_matmul'])
def test_mx_np_arrays_round_trip(np_semantics, name, shape):
    corr = getattr(d2l_conv, name)
    flip = (lambda K: K[::-1, ::-1]) if name == 'convolve2d' else (lambda K: K)
    rng = np.random.default_rng(13)
    X, K = rng.standard_normal(shape).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    Xm, Km = mx.np.array(X), mx.np.array(K)
    Y = corr(Xm, Km)
    assert isinstance(Y, mx.np.ndarray)
    np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, flip(K), mode='valid'), **TOL)
    Xm.attach_grad()
    Km.attach_grad()
    with autograd.record():
        Y = corr(Xm, Km)
        loss = Y.sum()
    loss.backward()
    assert isinstance(Y, mx.np.ndarray) and isinstance(Km.grad, mx.np.ndarray)
    ones = np.ones(Y.shape)
    np.testing.assert_allclose(Km.grad.asnumpy(), flip(scipy.signal.correlate2d(X, ones, mode='valid')),
                               rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(Xm.grad.asnumpy(), scipy.signal.convolve2d(ones, flip(K), mode='full'), **TOL)


def test_mx_np_arrays_without_set_np():
    X, K = mx.np.array([[0., 1, 2], [3, 4, 5], [6, 7, 8]]), mx.np.array([[0., 1], [2, 3]])
    Y = corr2d_fast(X, K)
    assert isinstance(Y, mx.np.ndarray) and Y.asnumpy().tolist() == [[19, 25], [37, 43]]


def test_conv2d_learns_under_set_np(np_semantics):
    mx.random.seed(0)
    X = mx.np.array(stripe_image().asnumpy())
    Y = corr2d_fast(X, mx.np.array(edge_kernel().asnumpy()))
    layer = Conv2D((1, 2), corr=corr2d_fast)
    layer.initialize()
    for _ in range(30):
        with autograd.record():
            loss = ((layer(X) - Y) ** 2).sum()
        loss.backward()
        layer.weight.data()[:] -= 3e-2 * layer.weight.grad()
    assert isinstance(layer(X), mx.np.ndarray)
    np.testing.assert_allclose(layer.weight.data().asnumpy(), [[1, -1]], atol=0.1)


def test_book_corr2d_refuses_mx_np_with_advice():
    with pytest.raises(TypeError, match=r'as_nd_ndarray\(\).*corr2d_fast'):
        corr2d(mx.np.ones((3, 3)), mx.np.ones((2, 2)))


# --- small things ------------------------------------------------------------------------------------

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
    big = nd.array(np.arange(300 * 333).reshape(300, 333) % 7, dtype='int32')  # the block path
    np.testing.assert_array_equal(corr2d_fast(big, nd.array([[1, 2, 3]], dtype='int32')).asnumpy(),
                                  scipy.signal.correlate2d(big.asnumpy(), [[1, 2, 3]], mode='valid'))


@pytest.mark.parametrize('kshape', [(5, 5), (13, 13), (21, 21)])  # bands, blocks, FFT
def test_same_inputs_same_bits(kshape):
    rng = np.random.default_rng(3)
    X, K = nd.array(rng.standard_normal((300, 333))), nd.array(rng.standard_normal(kshape))
    assert corr2d_fast(X, K).asnumpy().tobytes() == corr2d_fast(X, K).asnumpy().tobytes()


def test_custom_conv2d_learns_the_edge_kernel():
    mx.random.seed(0)
    X = stripe_image()
    Y = corr2d_fast(X, edge_kernel())
    conv2d, losses = train_kernel(X, Y, Conv2D((1, 2), corr=corr2d_fast), num_iters=20, log=None)
    np.testing.assert_allclose(conv2d.weight.data().asnumpy(), [[1, -1]], atol=0.05)
    assert losses[-1] < losses[0] / 100  # the floor is the untrained bias (as in the book's loop)


@pytest.mark.parametrize('shape, kshape', [((6, 8), (1, 2)), ((256, 258), (3, 3)), ((300, 333), (5, 5))])
def test_results_do_not_share_memory(shape, kshape):
    rng = np.random.default_rng(4)
    Xs = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    K = rng.standard_normal(kshape).astype(np.float32)
    Ys = [corr2d_fast(nd.array(X), nd.array(K)) for X in Xs]
    for X, Y in zip(Xs, Ys):
        np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'), **TOL)


def test_fft_path_large_finite_values_stay_finite():
    """The FFT path scales by powers of two: no transform overflows (scipy: finite), a true overflow is inf."""
    X = np.zeros((64, 64), np.float32)
    X[30, 30] = 1e36
    K = np.ones((20, 20), np.float32)
    Y = corr2d_fast(nd.array(X), nd.array(K)).asnumpy()
    ref = scipy.signal.correlate2d(X.astype(np.float64), K, mode='valid')
    assert np.isfinite(Y).all()
    np.testing.assert_allclose(Y, ref, rtol=1e-5, atol=1e36 * 400 * 1e-6)  # error scale: max|X| sum|K| eps
    assert np.isposinf(corr2d_fast(nd.full((64, 64), 3e38), nd.array(K)).asnumpy()).all()


def _grads(f, X, K, dY):
    Xn, Kn = nd.array(X, dtype=X.dtype), nd.array(K, dtype=K.dtype)
    Xn.attach_grad()
    Kn.attach_grad()
    with autograd.record():
        Y = f(Xn, Kn)
    Y.backward(nd.array(dY, dtype=dY.dtype))
    return Xn.grad.asnumpy(), Kn.grad.asnumpy()


@pytest.mark.parametrize('shape, kshape', [((40, 60), (7, 7)), ((60, 60), (20, 20))])  # blocks, FFT
@pytest.mark.parametrize('where', ['X', 'K'])
def test_gradients_with_nan_and_inf_inputs_match_scipy(shape, kshape, where):
    """dK = correlate2d(X, dY, 'valid'), and dX the sum of dY shifted by (a, b) times K[a, b]: with Inf in K,
    dX has Inf where a shifted dY overlaps it, not NaN everywhere (scipy's 'full' mode pads dY with zeros)."""
    rng = np.random.default_rng(0)
    X, K = rng.standard_normal(shape), rng.standard_normal(kshape)
    if where == 'X':
        X[10, 0], X[20, 30] = np.nan, np.inf
    else:
        K[1, 1] = np.inf
    dY = rng.standard_normal((shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1))
    dX, dK = _grads(corr2d_fast, X, K, dY)
    ref_dX = np.zeros(shape)
    with np.errstate(invalid='ignore'):
        for (a, b), k in np.ndenumerate(K):
            ref_dX[a:a + dY.shape[0], b:b + dY.shape[1]] += dY * k
    for got, ref in ((dX, ref_dX), (dK, scipy.signal.correlate2d(X, dY, 'valid'))):
        assert_special_values_equal(got, ref)
        finite = np.isfinite(ref)
        np.testing.assert_allclose(got[finite], ref[finite], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize('dtype, method', [('float32', None), ('float64', 'bands')])
def test_band_path_gradient_in_x_with_inf_in_k(dtype, method):
    """Review of the band path: dX is a correlation of dY padded by k - 1 zeros, and with an odd kernel the band
    path skipped the NaN/Inf check: with Inf in K, 0 * inf put NaN on dX's border, where the shifted sums (and
    the block path) have +-Inf."""
    shape, kshape = (300, 333), (3, 3)
    assert fast._plan(shape[0], shape[1], *kshape) == 'bands'  # dX is X's shape
    rng = np.random.default_rng(18)
    X, K = rng.standard_normal(shape).astype(dtype), rng.standard_normal(kshape).astype(dtype)
    K[1, 1] = np.inf
    dY = rng.standard_normal((shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1)).astype(dtype)
    dX, dK = _grads(lambda X, K: corr2d_fast(X, K, _method=method), X, K, dY)
    ref_dX = np.zeros(shape)
    with np.errstate(invalid='ignore'):
        for (a, b), k in np.ndenumerate(K.astype(np.float64)):
            ref_dX[a:a + dY.shape[0], b:b + dY.shape[1]] += dY * k
    assert_special_values_equal(dX, ref_dX)
    assert_special_values_equal(dK, scipy.signal.correlate2d(X, dY, 'valid'))


def test_sparse_arrays_are_refused():
    X = nd.ones((6, 8)).tostype('csr')
    with pytest.raises(TypeError, match=r"X is a csr sparse array; convert it with X.tostype\('default'\)"):
        corr2d_fast(X, edge_kernel())


# --- safe on first use, from any thread; no host copies; out=; cpu_pinned ---------------------------

FRESH_SHAPES = """
import threading
from mxnet import autograd, nd
from d2l_conv import corr2d_fast

def run(seed, kernels):
    X = nd.random.normal(shape=(300, 500))
    X.attach_grad()
    for k in kernels:  # a new kernel shape each time: forward and backward interleaved
        K = nd.random.normal(shape=(1 + (k + seed) % 3, k))
        K.attach_grad()
        with autograd.record():
            Y = corr2d_fast(X, K)
        Y.backward()
        corr2d_fast(X, K).wait_to_read()

run(0, range(3, 40))
threads = [threading.Thread(target=run, args=(seed, range(40 + seed, 80, 2))) for seed in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print('clean')
"""  # no nd.waitall() at the end: the last backward may still be queued at exit


@pytest.mark.slow
def test_fresh_kernel_shapes_with_backward_and_two_threads():
    """Issue 14: a cached filter-bank graph called by the user's thread and MXNet's custom-op thread at once
    crashed (MXNetError, segfault, terminate) within a few new kernel shapes, and the process then hung at exit."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(d2l_conv.__file__)))
    res = subprocess.run([sys.executable, '-c', FRESH_SHAPES], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert (res.returncode, res.stdout) == (0, 'clean\n'), res.stderr[-2000:]


@pytest.mark.parametrize('shape, kshape, method', [((300, 333), (3, 3), None), ((300, 333), (4, 3), None),
                                                   ((40, 50), (3, 3), None), ((64, 70), (5, 4), 'blocks'),
                                                   ((6, 8), (1, 2), None)])  # bands, odd and even; direct
def test_no_image_sized_host_copies(monkeypatch, shape, kshape, method):
    """On the direct, band and block paths, forward and backward, at most one scalar (the NaN/Inf check)
    leaves MXNet per correlation: no copy of X, Y or the gradients to the host, nor back."""
    rng = np.random.default_rng(14)
    X, K = nd.array(rng.standard_normal(shape)), nd.array(rng.standard_normal(kshape))
    X.attach_grad()
    K.attach_grad()

    def step():
        Y = corr2d_fast(X, K, _method=method)
        with autograd.record():
            loss = (corr2d_fast(X, K, _method=method) * Y).sum()
        loss.backward()
        nd.waitall()
    step()  # the filter bank's index is made once per kernel shape
    copies = []
    for name in ('asnumpy', '_sync_copyfrom'):  # to the host, and from it (nd.array, x[:] = numpy)
        original = getattr(nd.NDArray, name)
        monkeypatch.setattr(nd.NDArray, name, lambda self, *a, _f=original, _n=name: (copies.append((_n, self.size)),
                                                                                     _f(self, *a))[1])
    step()
    monkeypatch.undo()
    assert all(size == 1 for _, size in copies), copies
    assert len(copies) <= 4  # Y, the recorded forward, dX and dK: one check each (odd bands: dX only)
    np.testing.assert_allclose(K.grad.asnumpy(), scipy.signal.correlate2d(
        X.asnumpy(), corr2d_fast(X, K).asnumpy(), mode='valid'), rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('shape, kshape', [((40, 27), (7, 7)), ((33, 70), (4, 5))])
def test_custom_op_on_the_direct_path_writes_its_output(dtype, shape, kshape):
    """Issue 14: the custom operator's out= on the direct path was copied from oneDNN's blocked layout,
    which failed ('Check failed: !is_view') and left zeros or garbage in float32."""
    rng = np.random.default_rng(15)
    X, K = rng.standard_normal(shape).astype(dtype), rng.standard_normal(kshape).astype(dtype)
    Xn, Kn = nd.array(X, dtype=dtype), nd.array(K, dtype=dtype)
    Xn.attach_grad()
    Kn.attach_grad()
    dY = rng.standard_normal((shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1)).astype(dtype)
    for _ in range(3):
        with autograd.record():
            Y = nd.Custom(Xn, Kn, op_type=fast._CORR2D_OP, method='direct')
        Y.backward(nd.array(dY, dtype=dtype))
        np.testing.assert_allclose(Y.asnumpy(), scipy.signal.correlate2d(X, K, mode='valid'), **TOL)
        np.testing.assert_allclose(Xn.grad.asnumpy(), scipy.signal.convolve2d(dY, K, mode='full'), **TOL)
        np.testing.assert_allclose(Kn.grad.asnumpy(), scipy.signal.correlate2d(X, dY, mode='valid'), **TOL)


@pytest.mark.parametrize('shape', [(6, 8), (300, 333)])  # direct, blocks
@pytest.mark.parametrize('name', ['corr2d_fast', 'convolve2d', 'corr2d_matmul'])
def test_cpu_pinned_in_cpu_pinned_out(name, shape):
    """Issue 16: convolve2d refused two cpu_pinned arrays ('X is on cpu_pinned(0) but K is on cpu(0)'),
    and the others returned cpu(0) arrays."""
    corr = getattr(d2l_conv, name)
    rng = np.random.default_rng(16)
    X, K = rng.standard_normal(shape).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32)
    Y = corr(nd.array(X, ctx=mx.cpu_pinned()), nd.array(K, ctx=mx.cpu_pinned()))
    assert Y.context == mx.cpu_pinned()
    ref = scipy.signal.convolve2d if name == 'convolve2d' else scipy.signal.correlate2d
    np.testing.assert_allclose(Y.asnumpy(), ref(X, K, mode='valid'), **TOL)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match=r"_method must be None, 'direct', 'bands', 'blocks' or 'fft'.*got 'loop'"):
        corr2d_fast(nd.ones((6, 8)), edge_kernel(), _method='loop')


@pytest.mark.parametrize('source', ['corr2d_fast 7x7', 'Convolution, 8 filters'])
def test_recorded_block_path_on_a_onednn_blocked_input(source):
    """Review of issue 14: under autograd.record() the block path runs as a custom operator, and MXNet hands it
    X as raw memory. When X is a reshaped view of an array that oneDNN keeps in a blocked layout (the direct
    path's result for kernels of 6x6 and more, a multi-filter Convolution's output), Y and dK were garbage or NaN."""
    from d2l_conv._arrays import host_view
    rng = np.random.default_rng(17)
    if source == 'corr2d_fast 7x7':
        A, W = nd.array(rng.standard_normal((40, 27))), nd.array(rng.standard_normal((7, 7)))
        Z = corr2d_fast(A, W, _method='direct')                               # (34, 21)
        z = scipy.signal.correlate2d(A.asnumpy(), W.asnumpy(), mode='valid')
    else:
        A, W = nd.array(rng.standard_normal((1, 1, 22, 20))), nd.array(rng.standard_normal((8, 1, 3, 3)))
        Z = nd.Convolution(A, W, kernel=(3, 3), num_filter=8, no_bias=True).reshape((160, 18))
        z = np.concatenate([scipy.signal.correlate2d(A.asnumpy()[0, 0], w[0], mode='valid') for w in W.asnumpy()])
    Z.wait_to_read()
    if host_view(Z) is not None:
        pytest.skip('oneDNN keeps this array in the plain layout on this CPU')
    K = nd.array(rng.standard_normal((3, 3)))
    K.attach_grad()
    with autograd.record():
        Y = corr2d_fast(Z, K, _method='blocks')
    Y.backward(nd.ones_like(Y))
    y = scipy.signal.correlate2d(z, K.asnumpy(), mode='valid')
    np.testing.assert_allclose(Y.asnumpy(), y, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(K.grad.asnumpy(), scipy.signal.correlate2d(z, np.ones(y.shape), mode='valid'),
                               rtol=1e-4, atol=1e-2)
