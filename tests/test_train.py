"""Training (In[8]'s loop, ``train_kernel``): what it takes, what it refuses, and when it stops."""
import re
from fractions import Fraction

import mxnet as mx
import numpy as np
import pytest
from mxnet import nd

import d2l_conv
from d2l_conv import Conv2D, corr2d, corr2d_fast, edge_kernel, stripe_image, train_kernel, try_all_gpus, try_gpu

X6 = stripe_image()
Y6 = corr2d(X6, edge_kernel())


@pytest.mark.parametrize('kwargs, error, match', [
    ({'Y': Y6.T}, ValueError, r'Y must have shape \(6, 7\) \(the output of the \(1, 2\) kernel on X of shape '
                              r'\(6, 8\)\), got \(7, 6\)'),
    ({'Y': nd.ones((6, 6))}, ValueError, r'Y must have shape \(6, 7\)'),
    ({'X': X6.astype('float64'), 'Y': Y6.astype('float64')}, TypeError,
     r"the default layer computes in float32, but X and Y are float64; cast them with astype\('float32'\)"),
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


def test_train_kernel_takes_any_real_lr():
    """A Fraction is a real number: it trains as its float value does."""
    mx.random.seed(0)
    _, exact = train_kernel(X6, Y6, lr=Fraction(3, 100), log=None)
    mx.random.seed(0)
    _, plain = train_kernel(X6, Y6, lr=0.03, log=None)
    assert exact == plain and round(exact[-1], 3) == 0.004


def test_train_kernel_stops_when_the_loss_diverges():
    with pytest.raises(FloatingPointError, match=r'the loss became (inf|nan) at batch \d+: lr=10 is too large'):
        train_kernel(X6, Y6, lr=10, num_iters=100, log=None)



def test_train_kernel_refuses_data_with_nan():
    X = stripe_image()
    X[0, 0] = float('nan')
    with pytest.raises(ValueError, match='X holds NaN or Inf; training needs finite data'):
        train_kernel(X, corr2d(stripe_image(), edge_kernel()), log=None)



def test_train_kernel_says_the_books_conv2d_cannot_learn():
    X = stripe_image()
    with pytest.raises(TypeError, match=r"this layer cannot learn: .*corr=corr2d_fast"):
        train_kernel(X, corr2d(X, edge_kernel()), Conv2D((1, 2)), log=None)



@pytest.mark.parametrize('set_np', [False, True])
@pytest.mark.parametrize('layer', ['gluon', 'custom'])
def test_train_kernel_takes_mx_np_arrays(set_np, layer):
    """mx.np data trains as legacy data does, npx.set_np() or not: the same losses, bit for bit."""
    def run(X, Y):
        mx.random.seed(0)
        conv2d = Conv2D((1, 2), corr=corr2d_fast) if layer == 'custom' else None
        return train_kernel(X, Y, conv2d, num_iters=4, log=None)[1]
    X = stripe_image()
    Y = corr2d(X, edge_kernel())
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

