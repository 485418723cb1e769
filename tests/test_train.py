"""Training (In[8]'s loop, ``train_kernel``): what it takes, what it refuses, and when it stops."""
import re
import sys
from fractions import Fraction

import mxnet as mx
import numpy as np
import pytest
import scipy.signal
from mxnet import init, nd

import d2l_conv
from d2l_conv import Conv2D, corr2d_fast, edge_kernel, stripe_image, train_kernel, try_all_gpus, try_gpu

X6 = stripe_image()
# In[6]'s Y = corr2d(X6, K), exactly (0/1 times +-1): training data here, so from corr2d_fast rather
# than the book's loop (~30 ms a call, tested in test_book.py and test_documented.py).
Y6 = corr2d_fast(X6, edge_kernel())


@pytest.mark.parametrize('kwargs, error, match', [
    ({'Y': Y6.T}, ValueError, r'Y must have shape \(6, 7\) .*\(1, 2\) kernel.*, got \(7, 6\)'),
    ({'Y': nd.ones((6, 6))}, ValueError, r'Y must have shape \(6, 7\)'),
    ({'X': X6.astype('float64'), 'Y': Y6.astype('float64')}, TypeError,
     r"default layer computes in float32, but X and Y are float64; cast them with astype"),
    ({'X': X6.astype('int32'), 'Y': Y6.astype('int32')}, TypeError, 'X and Y are int32'),
    ({'X': X6.astype('int32')}, TypeError, 'X is int32 but Y is float32; cast one with astype'),
    ({'X': X6.asnumpy()}, TypeError, r'X must be an mxnet NDArray, got ndarray; convert it with nd.array\(X\)'),
    ({'X': None}, TypeError, 'X must be an mxnet NDArray, got NoneType'),
    ({'Y': None}, TypeError, 'Y must be an mxnet NDArray, got NoneType'),
    ({'X': nd.ones((6,))}, ValueError, r'X must be 2-D, got shape \(6,\)'),
    ({'X': nd.ones((6, 1)), 'Y': nd.array(np.ones((6, 0)))}, ValueError, 'Y must not be empty'),
    ({'X': nd.ones((6, 1)), 'Y': nd.ones((6, 1))}, ValueError, 'X must have at least 2 columns'),
    ({'lr': 1e-310}, ValueError, r'lr must be at least 2.2250738585072014e-308 \(the smallest normal float'),
    ({'lr': 10 ** 400}, ValueError, 'lr must be a positive finite number, got 1000'),
    ({'lr': Fraction(1, 10 ** 400)}, ValueError, r'lr must be at least .*, got Fraction\(1, 1'),
    ({'lr': True}, ValueError, 'lr must be a positive finite number, got True'),
    ({'lr': 'abc'}, ValueError, "lr must be a positive finite number, got 'abc'"),
    ({'log': 1}, TypeError, 'log must be a function such as print, or None, got 1'),
    ({'conv2d': Conv2D((1, 3), corr=corr2d_fast)}, ValueError, r"Y must have the layer's output shape \(6, 6\), "
                                                               r"got \(6, 7\)"),
])
def test_train_kernel_checks_its_data(kwargs, error, match):
    args = {'X': X6, 'Y': Y6, 'num_iters': 2, 'log': None}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train_kernel(**args)


@pytest.mark.parametrize('num_iters', [1, 3])
def test_train_kernel_steps_against_numpy(num_iters):
    """In[8]'s update, step by step: l.sum() of (corr(X, w) + b - Y)**2, then w -= lr * dl/dw; b stays."""
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((5, 6)), rng.standard_normal((5, 4))
    conv2d = Conv2D((1, 3), corr=corr2d_fast)
    conv2d.weight.init, conv2d.bias.init = init.Constant(0.5), init.Constant(0.25)  # used by train_kernel's initialize
    trained, losses = train_kernel(nd.array(X), nd.array(Y), conv2d, num_iters=num_iters, lr=0.01, log=None)
    w, expected = np.full((1, 3), 0.5), []
    for _ in range(num_iters):
        r = scipy.signal.correlate2d(X, w, mode='valid') + 0.25 - Y
        expected.append((r ** 2).sum())
        w = w - 0.01 * 2 * scipy.signal.correlate2d(X, r, mode='valid')
    assert trained is conv2d
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    np.testing.assert_allclose(conv2d.weight.data().asnumpy(), w, rtol=1e-5)
    assert conv2d.bias.data().asnumpy().tolist() == [0.25]  # the book updates the weight only


def test_train_kernel_logs_every_second_batch():
    log = []
    mx.random.seed(0)
    _, losses = train_kernel(X6, Y6, num_iters=5, log=log.append)
    assert log == ['batch %d, loss %.3f' % (i, losses[i - 1]) for i in (2, 4)]


def test_train_kernel_on_another_context():
    """ctx= places the layer and the data there: the same losses and kernel as on cpu(0)."""
    mx.random.seed(0)
    conv0, losses0 = train_kernel(X6, Y6, num_iters=4, log=None)
    mx.random.seed(0)
    conv1, losses1 = train_kernel(X6, Y6, num_iters=4, ctx=mx.cpu(1), log=None)
    assert conv1.weight.data().context == mx.cpu(1) and losses1 == losses0
    assert conv1.weight.data().asnumpy().tobytes() == conv0.weight.data().asnumpy().tobytes()


@pytest.mark.parametrize('name', ['X', 'Y'])
def test_train_kernel_refuses_data_with_inf(name):
    data = {'X': X6.copy(), 'Y': Y6.copy()}
    data[name][1, 1] = float('-inf')
    with pytest.raises(ValueError, match='%s holds NaN or Inf' % name):
        train_kernel(data['X'], data['Y'], log=None)


def test_train_kernel_stops_when_the_last_step_overflows_the_weight():
    """The loss of batch 1 is finite (taken before the update); the weight it leaves is not."""
    with pytest.raises(FloatingPointError, match=r'the weight became non-finite at batch 1: lr=1e\+308'):
        train_kernel(X6, Y6, lr=1e308, num_iters=1, log=None)


def test_train_kernel_takes_the_smallest_normal_lr():
    mx.random.seed(0)
    _, losses = train_kernel(X6, Y6, lr=sys.float_info.min, num_iters=2, log=None)
    assert losses[0] == losses[1]  # a step too small to move a float32 weight


def test_train_kernel_takes_any_real_lr():
    """A Fraction is a real number: it trains as its float value does."""
    mx.random.seed(0)
    _, exact = train_kernel(X6, Y6, lr=Fraction(3, 100), log=None)
    mx.random.seed(0)
    _, plain = train_kernel(X6, Y6, lr=0.03, log=None)
    assert exact == plain and round(exact[-1], 3) == 0.004


def test_train_kernel_stops_at_the_first_loss_that_is_not_finite():
    """Batches 1-8 are finite at lr=10 from seed 0; batch 9 overflows to inf, and training stops there."""
    mx.random.seed(0)
    _, losses = train_kernel(X6, Y6, lr=10, num_iters=8, log=None)
    assert np.isfinite(losses).all() and losses[-1] > 1e30
    mx.random.seed(0)
    with pytest.raises(FloatingPointError, match=r'^the loss became inf at batch 9: lr=10 is too large$'):
        train_kernel(X6, Y6, lr=10, num_iters=100, log=None)



def test_train_kernel_refuses_data_with_nan():
    X = stripe_image()
    X[0, 0] = float('nan')
    with pytest.raises(ValueError, match='X holds NaN or Inf; training needs finite data'):
        train_kernel(X, corr2d_fast(stripe_image(), edge_kernel()), log=None)



def test_train_kernel_says_the_books_conv2d_cannot_learn():
    X = stripe_image()
    with pytest.raises(TypeError, match=r"this layer cannot learn: .*corr=corr2d_fast"):
        train_kernel(X, corr2d_fast(X, edge_kernel()), Conv2D((1, 2)), log=None)



@pytest.mark.parametrize('set_np', [False, True])
@pytest.mark.parametrize('layer', ['gluon', 'custom'])
def test_train_kernel_takes_mx_np_arrays(set_np, layer):
    """mx.np data trains as legacy data does, npx.set_np() or not: the same losses, bit for bit."""
    def run(X, Y):
        mx.random.seed(0)
        conv2d = Conv2D((1, 2), corr=corr2d_fast) if layer == 'custom' else None
        return train_kernel(X, Y, conv2d, num_iters=4, log=None)[1]
    X = stripe_image()
    Y = corr2d_fast(X, edge_kernel())
    expected = run(X, Y)
    if set_np:
        mx.npx.set_np()
    try:
        assert run(X.as_np_ndarray(), Y.as_np_ndarray()) == expected
    finally:
        mx.npx.reset_np()



# Where training runs (these belong with test_context.py)

@pytest.mark.parametrize('i', [-1, 1.5, True, '0'])
def test_try_gpu_needs_an_index(i):
    with pytest.raises(ValueError, match=re.escape('i must be a GPU index, an int >= 0, got %r' % (i,))):
        try_gpu(i)



def test_fake_gpus_are_used(monkeypatch):
    """On a CPU machine try_gpu() == cpu() is trivially true: pretend to have two GPUs."""
    monkeypatch.setattr(d2l_conv.context, 'num_gpus', lambda: 2)
    assert try_gpu() == mx.gpu(0) and try_gpu(1) == mx.gpu(1) and try_gpu(2) == mx.cpu()
    assert try_all_gpus() == [mx.gpu(0), mx.gpu(1)]
    assert d2l_conv.parse_ctx('auto') == mx.gpu(0)
    monkeypatch.setattr(d2l_conv.context, 'num_gpus', lambda: 0)
    assert try_gpu() == mx.cpu() and try_all_gpus() == [mx.cpu()]

