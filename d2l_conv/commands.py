"""The chapter's scripts, as ``python -m d2l_conv COMMAND [options]`` and ``python examples/SCRIPT.py [options]``.

Each command is ``NAME(argv=None, prog=None)``: it parses ``argv`` (default
``sys.argv[1:]``), prints what the chapter prints, and exits through argparse
on bad arguments (status 2) or with one error line on a failure (status 1);
``cli.run`` adds the rest of a Unix tool's manners. ``main`` picks the command.
"""
import argparse
import sys

import mxnet as mx
import numpy as np
from mxnet import autograd, nd
from mxnet.base import MXNetError

from . import kernels
from .book import Conv2D, corr2d
from .cli import (argtype, check_distinct, check_figure, fail, import_plot, output_path, plot_format, plot_path,
                  positive, seed, write_or_exit)
from .context import parse_ctx
from .data import diagonal_image, edge_kernel, stripe_image
from .exercises import corr2d_matmul
from .fast import corr2d_fast
from .train import train_kernel

__all__ = ['learn_kernel', 'edge_detection', 'exercises', 'main', 'COMMANDS']

PROG = 'python -m d2l_conv'


def _parser(command, prog):
    return argparse.ArgumentParser(prog=prog, usage='%(prog)s [options]', description=command.__doc__.splitlines()[0])


def _write_plot(parser, path, fig):
    fmt = plot_format(path)

    def write(tmp):
        # A file of ours, closed here: the one matplotlib opens for a PDF is left to the garbage collector
        # when writing fails (a full disk), whose flush then printed "Exception ignored ... OSError".
        with open(tmp, 'wb') as f:
            fig.savefig(f, format=fmt)
    write_or_exit(parser, path, write, check=check_figure(fmt))


def _loads_back(conv2d):
    """A check for atomic_write: the file holds exactly ``conv2d``'s parameters (MXNet's
    ``save_parameters`` does not report a failed write, on a full disk say)."""
    def check(path):
        saved = mx.nd.load(path)
        params = conv2d._collect_params_with_prefix()  # the names save_parameters writes
        if sorted(saved) != sorted(params) or any(
                (saved[name].asnumpy() != param.data().asnumpy()).any() for name, param in params.items()):
            raise ValueError('the parameters read back differ from the layer\'s')
    return check


def learn_kernel(argv=None, prog=None):
    """Learn the edge kernel [1, -1] from the stripe image: the chapter's In[8] and Out[9].

    With the defaults it prints the five ``batch N, loss X.XXX`` lines of In[8]
    and then Out[9], the learned kernel ``[[ 0.9895    -0.9873705]]``. A layer
    saved with ``--save`` loads back with
    ``nn.Conv2D(1, kernel_size=(1, 2)).load_parameters('kernel.params')``.
    """
    parser = _parser(learn_kernel, prog)
    parser.add_argument('--ctx', type=argtype(parse_ctx), default='cpu',
                        help='cpu, gpu, gpu:N or auto (default: cpu)')
    parser.add_argument('--iters', type=positive(int), default=10, help='gradient steps (default: 10)')
    parser.add_argument('--lr', type=positive(float), default=3e-2, help='learning rate (default: 0.03)')
    parser.add_argument('--layer', choices=('gluon', 'custom'), default='gluon',
                        help="gluon: the document's nn.Conv2D; custom: d2l_conv.Conv2D with corr2d_fast")
    parser.add_argument('--seed', type=seed, default=0,
                        help='MXNet seed, -2**31 to 2**31-1; 0 reproduces the document (default: 0)')
    parser.add_argument('--plot', metavar='PATH', type=plot_path,
                        help='write a picture of the loss curve and the kernels (.png, .pdf or .svg)')
    parser.add_argument('--save', metavar='PATH', type=output_path,
                        help="save the learned layer's parameters (Gluon save_parameters)")
    args = parser.parse_args(argv)
    check_distinct(parser, ('--save', args.save), ('--plot', args.plot))
    plot = import_plot(parser) if args.plot else None

    mx.random.seed(args.seed)
    X = stripe_image()                     # (6, 8)
    K = edge_kernel()                      # (1, 2)
    Y = corr2d(X, K)                       # (6, 7)
    layer = Conv2D((1, 2), corr=corr2d_fast) if args.layer == 'custom' else None
    try:
        conv2d, losses = train_kernel(X, Y, layer, num_iters=args.iters, lr=args.lr, ctx=args.ctx)
    except FloatingPointError as e:  # the loss diverged: say so, and save nothing
        fail(parser, str(e))
    print(repr(conv2d.weight.data().reshape((1, 2))))  # Out[9]
    if args.save:
        write_or_exit(parser, args.save, conv2d.save_parameters, check=_loads_back(conv2d))
    if plot:
        _write_plot(parser, args.plot, plot.plot_training(losses, conv2d.weight.data(), K))


def edge_detection(argv=None, prog=None):
    """Detect the stripe's vertical edges with K = [[1, -1]]: the chapter's In[5], In[6] and In[7].

    Prints X (Out[5]), then ``print(X, Y)`` (In[6]: Y marks the edges with 1 and
    -1), then ``print(X.T, z)`` (In[7]: on the transposed image the same kernel
    sees no edge and z is all zeros).
    """
    parser = _parser(edge_detection, prog)
    parser.add_argument('--plot', metavar='PATH', type=plot_path,
                        help='write a picture of the three heatmaps (.png, .pdf or .svg)')
    args = parser.parse_args(argv)
    plot = import_plot(parser) if args.plot else None

    X = stripe_image()     # (6, 8)
    print(repr(X))         # Out[5]
    K = edge_kernel()      # (1, 2)
    Y = corr2d(X, K)       # (6, 7)
    print(X, Y)            # In[6]
    z = corr2d(X.T, K)     # (8, 5)
    print(X.T, z)          # In[7]
    if plot:
        _write_plot(parser, args.plot, plot.show_heatmaps([X, Y, z], ['X', 'Y = corr2d(X, K)', 'z = corr2d(X.T, K)']))


def exercises(argv=None, prog=None):
    """The chapter's exercises, answered in code.

    1. A diagonal edge under K, X.T and K.T.  2. Why the book's Conv2D cannot
    learn, and the layer that can.  3. corr2d as one matrix product.  4. Kernels
    for derivatives and integrals.
    """
    _parser(exercises, prog).parse_args(argv)

    print('1. A diagonal edge X, then corr2d(X, K), corr2d(X.T, K), corr2d(X, K.T)')
    X, K = diagonal_image(), edge_kernel()  # (6, 6), (1, 2)
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
    X = stripe_image()  # (6, 8)
    Y = corr2d(X, K)    # (6, 7)
    conv2d, _ = train_kernel(X, Y, Conv2D((1, 2), corr=corr2d_fast), log=None)
    print('   Conv2D((1, 2), corr=corr2d_fast) learns', conv2d.weight.data().asnumpy())

    print('\n3. corr2d as one matrix product equals the loop:',
          bool((corr2d_matmul(X, K) == corr2d(X, K)).min()))

    print('\n4. Kernels on samples of f(x) = x**3 at x = 0..7:')
    f = nd.array([np.arange(8.0) ** 3])  # (1, 8)
    for name, k in [('derivative(1)', kernels.derivative(1)), ('derivative(3)', kernels.derivative(3)),
                    ('second_derivative()', kernels.second_derivative()), ('integral(2)', kernels.integral(2))]:
        print('   %-20s %-22s -> %s' % (name, k.asnumpy()[0], corr2d(f, k).asnumpy()[0]))


COMMANDS = {'learn-kernel': learn_kernel, 'edge-detection': edge_detection, 'exercises': exercises}


def main(argv=None):
    """``python -m d2l_conv COMMAND [options]``: run one of COMMANDS with its options."""
    parser = argparse.ArgumentParser(
        prog=PROG, usage='%%(prog)s {%s} [options]' % ','.join(COMMANDS),
        description="The chapter's scripts. %s COMMAND --help lists a command's options." % PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='commands:\n' + '\n'.join('  %-16s%s' % (name, command.__doc__.splitlines()[0])
                                         for name, command in COMMANDS.items()))
    parser.add_argument('command', metavar='COMMAND', nargs='?', choices=COMMANDS, help=argparse.SUPPRESS)
    parser.add_argument('options', nargs=argparse.REMAINDER, help=argparse.SUPPRESS)  # the command's own
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0].startswith('-') and argv[0] not in ('-h', '--help'):  # argparse would name its value
        parser.error('which command? %s (%s is an option of a command: it comes after the command)'
                     % (', '.join(COMMANDS), argv[0].partition('=')[0]))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error('which command? %s' % ', '.join(COMMANDS))
    COMMANDS[args.command](args.options, prog='%s %s' % (PROG, args.command))
