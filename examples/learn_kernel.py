"""Learn the edge kernel [1, -1] from the stripe image: the chapter's In[8] and Out[9].

    python examples/learn_kernel.py                 # the document's log and kernel, to the digit
    python examples/learn_kernel.py --iters 20 --lr 0.01
    python examples/learn_kernel.py --layer custom  # the chapter's Conv2D with corr2d_fast: it learns
    python examples/learn_kernel.py --ctx gpu       # needs a CUDA build, e.g. mxnet-cu112==1.9.1
    python examples/learn_kernel.py --plot kernel.png --save kernel.params

With the defaults it prints the five ``batch N, loss X.XXX`` lines of In[8]
and then Out[9], the learned kernel ``[[ 0.9895    -0.9873705]]``. A layer
saved with ``--save`` loads back with
``nn.Conv2D(1, kernel_size=(1, 2)).load_parameters('kernel.params')``.
"""
import argparse

import mxnet as mx

import d2l_conv
from d2l_conv.cli import (argtype, check_distinct, check_figure, fail, output_path, plot_format, plot_path,
                          positive, run, seed, write_or_exit)


def loads_back(conv2d):
    """A check for atomic_write: the file holds exactly ``conv2d``'s parameters (MXNet's
    ``save_parameters`` does not report a failed write, on a full disk say)."""
    def check(path):
        saved = mx.nd.load(path)
        params = conv2d._collect_params_with_prefix()  # the names save_parameters writes
        if sorted(saved) != sorted(params) or any(
                (saved[name].asnumpy() != param.data().asnumpy()).any() for name, param in params.items()):
            raise ValueError('the parameters read back differ from the layer\'s')
    return check


def main(argv=None):
    parser = argparse.ArgumentParser(usage='%(prog)s [options]', description=__doc__.splitlines()[0])
    parser.add_argument('--ctx', type=argtype(d2l_conv.parse_ctx), default='cpu',
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

    mx.random.seed(args.seed)
    X = d2l_conv.stripe_image()                     # (6, 8)
    K = d2l_conv.edge_kernel()                      # (1, 2)
    Y = d2l_conv.corr2d(X, K)                       # (6, 7)
    layer = d2l_conv.Conv2D((1, 2), corr=d2l_conv.corr2d_fast) if args.layer == 'custom' else None
    try:
        conv2d, losses = d2l_conv.train_kernel(X, Y, layer, num_iters=args.iters, lr=args.lr, ctx=args.ctx)
    except FloatingPointError as e:  # the loss diverged: say so, and save nothing
        fail(parser, str(e))
    print(repr(conv2d.weight.data().reshape((1, 2))))  # Out[9]
    if args.save:
        write_or_exit(parser, args.save, conv2d.save_parameters, check=loads_back(conv2d))
    if args.plot:
        from d2l_conv.plot import plot_training  # matplotlib only when asked: keeps the run fast
        fig = plot_training(losses, conv2d.weight.data(), K)
        fmt = plot_format(args.plot)
        write_or_exit(parser, args.plot, lambda tmp: fig.savefig(tmp, format=fmt), check=check_figure(fmt))


if __name__ == '__main__':
    run(main)
