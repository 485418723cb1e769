"""Detect the stripe's vertical edges with K = [[1, -1]]: the chapter's In[5], In[6] and In[7].

    python examples/edge_detection.py
    python examples/edge_detection.py --plot edges.png   # heatmaps of X, Y and z

Prints X (Out[5]), then ``print(X, Y)`` (In[6]: Y marks the edges with 1 and
-1), then ``print(X.T, z)`` (In[7]: on the transposed image the same kernel
sees no edge and z is all zeros).
"""
import argparse

from d2l_conv import corr2d, edge_kernel, stripe_image
from d2l_conv.cli import check_figure, plot_format, plot_path, run, write_or_exit


def main(argv=None):
    parser = argparse.ArgumentParser(usage='%(prog)s [options]', description=__doc__.splitlines()[0])
    parser.add_argument('--plot', metavar='PATH', type=plot_path,
                        help='write a picture of the three heatmaps (.png, .pdf or .svg)')
    args = parser.parse_args(argv)

    X = stripe_image()     # (6, 8)
    print(repr(X))         # Out[5]
    K = edge_kernel()      # (1, 2)
    Y = corr2d(X, K)       # (6, 7)
    print(X, Y)            # In[6]
    z = corr2d(X.T, K)     # (8, 5)
    print(X.T, z)          # In[7]
    if args.plot:
        from d2l_conv.plot import show_heatmaps  # matplotlib only when asked: keeps the run fast
        fig = show_heatmaps([X, Y, z], ['X', 'Y = corr2d(X, K)', 'z = corr2d(X.T, K)'])
        fmt = plot_format(args.plot)
        write_or_exit(parser, args.plot, lambda tmp: fig.savefig(tmp, format=fmt), check=check_figure(fmt))


if __name__ == '__main__':
    run(main)
