"""The chapter's exercises, answered in code.

    python examples/exercises.py

1. A diagonal edge under K, X.T and K.T.  2. Why the book's Conv2D cannot
learn, and the layer that can.  3. corr2d as one matrix product.  4. Kernels
for derivatives and integrals.
"""
import argparse

import mxnet as mx
import numpy as np
from mxnet import autograd, nd
from mxnet.base import MXNetError

import d2l_conv
from d2l_conv import Conv2D, corr2d, corr2d_fast, kernels
from d2l_conv.exercises import corr2d_matmul  # exercise 3's answer
from d2l_conv.cli import run


def main(argv=None):
    parser = argparse.ArgumentParser(usage='%(prog)s [options]', description=__doc__.splitlines()[0])
    parser.parse_args(argv)

    print('1. A diagonal edge X, then corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T)')
    X, K = d2l_conv.diagonal_image(), d2l_conv.edge_kernel()  # (6, 6), (1, 2)
    print(X, corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T))

    print('\n2. The book\'s Conv2D under autograd.record():')
    conv2d = Conv2D(kernel_size=(1, 2))
    conv2d.initialize()
    try:
        with autograd.record():
            conv2d(X)
    except MXNetError as e:
        print('  ', next(line for line in str(e).splitlines() if 'Inplace' in line).split(': ')[-1])
    mx.random.seed(0)
    X = d2l_conv.stripe_image()  # (6, 8)
    Y = corr2d(X, K)             # (6, 7)
    conv2d, _ = d2l_conv.train_kernel(X, Y, Conv2D((1, 2), corr=corr2d_fast), log=None)
    print('   Conv2D((1, 2), corr=corr2d_fast) learns', conv2d.weight.data().asnumpy())

    print('\n3. corr2d as one matrix product equals the loop:',
          bool((corr2d_matmul(X, K) == corr2d(X, K)).min()))

    print('\n4. Kernels on samples of f(x) = x**3 at x = 0..7:')
    f = nd.array([np.arange(8.0) ** 3])  # (1, 8)
    for name, k in [('derivative(1)', kernels.derivative(1)), ('derivative(3)', kernels.derivative(3)),
                    ('second_derivative()', kernels.second_derivative()), ('integral(2)', kernels.integral(2))]:
        print('   %-20s %-22s -> %s' % (name, k.asnumpy()[0], corr2d(f, k).asnumpy()[0]))


if __name__ == '__main__':
    run(main)
