"""Time corr2d_fast against what a user would write instead, in one run.

    python benchmarks/bench_corr2d.py            # the README's table
    python benchmarks/bench_corr2d.py --rounds 3 # quicker, noisier

Peers take and return NDArrays, as corr2d_fast does:
  nd.Convolution  X, K reshaped to (1, 1, h, w), Convolution, reshaped back;
  scipy           nd.array(scipy.signal.correlate2d(X.asnumpy(), K.asnumpy(), 'valid')).
The faithful loop corr2d is timed where it takes under a second. Each time is
the best over rounds of the mean of a batch of calls, rounds interleaved (in
rotating order) so that all functions see the same machine load. "ratio" is corr2d_fast over the
best peer; below 1 is faster.
"""
import argparse
import os
import platform
import time

import mxnet as mx
import numpy as np
import scipy
import scipy.signal
from mxnet import nd

from d2l_conv import corr2d, corr2d_fast

CASES = [((6, 8), (1, 2)), ((256, 258), (3, 3)), ((1024, 1026), (3, 3)), ((1024, 1026), (5, 5)),
         ((2048, 2050), (3, 3)), ((2048, 2050), (5, 5))]
LARGE = CASES[2:]


def nd_convolution(X, K):
    Y = nd.Convolution(X.reshape((1, 1) + X.shape), K.reshape((1, 1) + K.shape),
                       kernel=K.shape, num_filter=1, no_bias=True)
    return Y.reshape(Y.shape[2:])


def scipy_correlate2d(X, K):
    return nd.array(scipy.signal.correlate2d(X.asnumpy(), K.asnumpy(), mode='valid'))


def time_batch(f, X, K, n):
    start = time.perf_counter()
    for _ in range(n):
        Y = f(X, K)
    Y.wait_to_read()  # MXNet is asynchronous: wait for the last result
    return (time.perf_counter() - start) / n


def measure(fns, X, K, rounds, budget=0.02):
    """Best-of-rounds mean seconds per call for each function, rounds interleaved."""
    ns = {}
    for name, f in fns.items():  # size each batch to about `budget` seconds, then warm up
        ns[name] = max(1, int(budget / time_batch(f, X, K, 1)))
        time_batch(f, X, K, 5 * ns[name])  # caches, allocator and oneDNN primitives settle
    best = dict.fromkeys(fns, float('inf'))
    names = list(fns)
    for r in range(rounds):  # rotate the order: no function always follows the same one
        for name in names[r % len(names):] + names[:r % len(names)]:
            best[name] = min(best[name], time_batch(fns[name], X, K, ns[name]))
    return best


def fmt(seconds):
    return '%.1f µs' % (seconds * 1e6) if seconds < 1e-3 else '%.2f ms' % (seconds * 1e3)


def main():
    parser = argparse.ArgumentParser(usage='%(prog)s [options]', description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=30, help='interleaved rounds (default: 30)')
    args = parser.parse_args()
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')),
               platform.processor()) if os.path.exists('/proc/cpuinfo') else platform.processor()
    print('%s, %d cores; Python %s, mxnet %s, numpy %s, scipy %s\n' % (
        cpu, os.cpu_count(), platform.python_version(), mx.__version__, np.__version__, scipy.__version__))
    print('| X | K | corr2d_fast | nd.Convolution | scipy | corr2d (book) | ratio |')
    print('|---|---|---|---|---|---|---|')
    rng = np.random.default_rng(0)
    ratios = {}
    for x_shape, k_shape in CASES:  # warm up the process: threads, allocator, oneDNN
        X, K = (nd.array(rng.standard_normal(s), dtype='float32') for s in (x_shape, k_shape))
        for f in (corr2d_fast, nd_convolution, scipy_correlate2d):
            time_batch(f, X, K, 3)
    for x_shape, k_shape in CASES:
        X, K = (nd.array(rng.standard_normal(s), dtype='float32') for s in (x_shape, k_shape))
        fns = {'fast': corr2d_fast, 'conv': nd_convolution, 'scipy': scipy_correlate2d}
        if np.prod(x_shape) <= 1000:
            fns['book'] = corr2d
        t = measure(fns, X, K, args.rounds)
        ratios[x_shape, k_shape] = t['fast'] / min(t['conv'], t['scipy'])
        print('| %dx%d | %dx%d | %s | %s | %s | %s | %.2f |' % (
            x_shape + k_shape + (fmt(t['fast']), fmt(t['conv']), fmt(t['scipy']),
                                 fmt(t['book']) if 'book' in t else '-', ratios[x_shape, k_shape])))
    large = [ratios[c] for c in LARGE]
    print('\nworst ratio %.2f (target <= 1.15); geometric mean of the 1024/2048 ratios %.2f (target <= 0.50)'
          % (max(ratios.values()), np.exp(np.mean(np.log(large)))))


if __name__ == '__main__':
    main()
