"""The chapter's exercises 1 and 4, against numpy."""
import math

import numpy as np
import pytest
from mxnet import nd

from d2l_conv import corr2d, diagonal_image, edge_kernel, kernels


def test_exercise_1_diagonal_edge():
    X, K = diagonal_image(6), edge_kernel()
    Xn = np.triu(np.ones((6, 6)))
    assert (X.asnumpy() == Xn).all()
    np.testing.assert_array_equal(corr2d(X, K).asnumpy(), Xn[:, :-1] - Xn[:, 1:])
    np.testing.assert_array_equal(corr2d(X.T, K).asnumpy(), Xn.T[:, :-1] - Xn.T[:, 1:])
    assert corr2d(X.T, K).asnumpy().max() == 1 and corr2d(X, K).asnumpy().min() == -1  # the sign flips
    np.testing.assert_array_equal(corr2d(X, K.T).asnumpy(), Xn[:-1] - Xn[1:])


@pytest.mark.parametrize('d', [1, 2, 3, 4])
def test_derivative_kernel_on_polynomials(d):
    K = kernels.derivative(d)
    assert K.shape == (1, d + 1)
    x = np.arange(12.0)
    lead = 0.5
    f = nd.array([lead * x ** d + 3 * x ** (d - 1) + 1])  # leading coefficient 0.5, lower terms vanish
    np.testing.assert_allclose(corr2d(f, K).asnumpy(), (-1) ** d * math.factorial(d) * lead, rtol=1e-5, atol=1e-3)
    for lower in range(d):
        np.testing.assert_allclose(corr2d(nd.array([x ** lower]), K).asnumpy(), 0, atol=1e-3)


def test_derivative_1_is_the_edge_kernel():
    assert (kernels.derivative(1).asnumpy() == edge_kernel().asnumpy()).all()


def test_second_derivative_and_laplacian():
    x = np.arange(10.0)
    np.testing.assert_allclose(corr2d(nd.array([x ** 2]), kernels.second_derivative()).asnumpy(), 2)
    L = kernels.laplacian()
    assert L.shape == (3, 3) and L.asnumpy().sum() == 0
    i, j = np.mgrid[:8, :9].astype(float)
    np.testing.assert_allclose(corr2d(nd.array(i ** 2 + 3 * j ** 2 + i * j), L).asnumpy(), 2 + 6)  # f_xx + f_yy


def test_integral_is_a_window_sum():
    f = np.random.default_rng(3).standard_normal(20)
    c = np.concatenate([[0], np.cumsum(f)])
    np.testing.assert_allclose(corr2d(nd.array([f]), kernels.integral(4)).asnumpy()[0], c[4:] - c[:-4],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('bad', [0, -1, 1.5])
def test_kernel_sizes_checked(bad):
    with pytest.raises(ValueError, match=r'^d must be a positive integer, got %s$' % bad):
        kernels.derivative(bad)
    with pytest.raises(ValueError, match=r'^n must be a positive integer, got %s$' % bad):
        kernels.integral(bad)


def test_exercises_script(run_script):
    res = run_script('exercises.py')
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert '   Inplace operations (+=, -=, x[:]=, etc) are not supported when recording with autograd.' in lines
    assert '3. corr2d as one matrix product equals the loop: True' in lines
    assert '   derivative(3)        [ 1. -3.  3. -1.]      -> [-6. -6. -6. -6. -6.]' in lines
    learned = next(line for line in lines if 'learns' in line)
    w = np.array([float(v) for v in learned.split('[[')[1].rstrip(']').split()])
    np.testing.assert_allclose(w, [1, -1], atol=0.05)
