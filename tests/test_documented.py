"""Every documented output of the spec, as exact text."""
import contextlib
import io
import os
import re

import mxnet as mx
import pytest
from mxnet import nd

from d2l_conv import corr2d, edge_kernel, stripe_image, train_kernel

from documented import IN6, IN7, IN8, OUT3, OUT5, OUT9

SPEC = os.path.join(os.path.dirname(__file__), 'data', 'convolution-layers.txt')
SHARED_SPEC = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'spec',
                           'convolution-layers.txt')


def stdout_of(fn):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        fn()
    return out.getvalue()


def test_out3_sanity():
    X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = nd.array([[0, 1], [2, 3]])
    assert repr(corr2d(X, K)) == OUT3


def test_out5_stripe_image():
    assert repr(stripe_image()) == OUT5


def test_in6_vertical_edges():
    X, K = stripe_image(), edge_kernel()
    Y = corr2d(X, K)
    assert stdout_of(lambda: print(X, Y)) == IN6


def test_in7_no_horizontal_edges():
    X, K = stripe_image(), edge_kernel()
    z = corr2d(X.T, K)
    assert stdout_of(lambda: print(X.T, z)) == IN7


def test_in8_log_and_out9_kernel():
    mx.random.seed(0)
    X = stripe_image()
    Y = corr2d(X, edge_kernel())
    log = []
    conv2d, losses = train_kernel(X, Y, log=log.append)
    assert '\n'.join(log) + '\n' == IN8
    assert len(losses) == 10 and losses[-1] < losses[0]
    assert repr(conv2d.weight.data().reshape((1, 2))) == OUT9


def test_learn_kernel_script(run_script):
    res = run_script('learn_kernel.py')
    assert res.returncode == 0, res.stderr
    assert res.stdout == IN8 + OUT9 + '\n'


def test_edge_detection_script(run_script):
    res = run_script('edge_detection.py')
    assert res.returncode == 0, res.stderr
    assert res.stdout == OUT5 + '\n' + IN6 + IN7


def _tokens(text):
    return [t for t in text.split() if not re.fullmatch(r'Out\[\d\]:', t)]


@pytest.mark.parametrize('expected', [OUT3, OUT5, IN6, IN7, IN8, OUT9],
                         ids=['Out3', 'Out5', 'In6', 'In7', 'In8', 'Out9'])
def test_spec_tokens(expected):
    """Each expected text is one contiguous run of the spec's tokens (layout whitespace aside)."""
    spec = ' '.join(_tokens(open(SPEC, encoding='utf-8').read()))
    assert ' ' + ' '.join(_tokens(expected)) + ' ' in ' ' + spec + ' '


@pytest.mark.skipif(not os.path.exists(SHARED_SPEC), reason='no ../shared/spec beside the checkout')
def test_vendored_spec_is_current():
    assert open(SPEC, encoding='utf-8').read() == open(SHARED_SPEC, encoding='utf-8').read()


def test_same_seed_same_bits():
    X = stripe_image()
    Y = corr2d(X, edge_kernel())
    runs = []
    for seed in (3, 3, 4):
        mx.random.seed(seed)
        conv2d, losses = train_kernel(X, Y, log=None)
        runs.append((conv2d.weight.data().asnumpy(), losses))
    assert runs[0][0].tobytes() == runs[1][0].tobytes() and runs[0][1] == runs[1][1]
    assert runs[0][0].tobytes() != runs[2][0].tobytes()
