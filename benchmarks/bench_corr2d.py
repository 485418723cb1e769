"""Time corr2d_fast against what a user would write instead, in one run.

    python benchmarks/bench_corr2d.py            # the tables of docs/performance.md
    python benchmarks/bench_corr2d.py --rounds 5 # quicker, noisier

Peers take and return NDArrays, as corr2d_fast does:
  nd.Convolution  X, K reshaped to (1, 1, h, w), Convolution, reshaped back;
  correlate2d     nd.array(scipy.signal.correlate2d(X.asnumpy(), K.asnumpy(), 'valid'));
  fftconvolve     nd.array(scipy.signal.fftconvolve(X.asnumpy(), K.asnumpy()[::-1, ::-1], 'valid')).

Two tables per operation. "Per call" times ``Y = f(X, K); Y.wait_to_read()``,
a caller who waits for each result; "pipelined" times a batch of calls with
one wait at the end (MXNet runs call i while Python prepares call i + 1).
Each time is the best over rounds of the mean of a batch, rounds interleaved
(in rotating order) so that all functions see the same machine load; peers
slower than a second per call get fewer rounds. "ratio" is corr2d_fast over
the best peer (below 1 is faster); "x roofline" is corr2d_fast over
max(bytes moved / copy bandwidth, FLOPs / sgemm peak), both measured in this
run: bytes are X read and Y written (training: also dY read and dX written),
FLOPs 2 k_h k_w per output (training: 3 times that).

The training step is forward and backward with gradients for X and K:
``with autograd.record(): Y = corr(X, K)``, then ``Y.backward(dY)`` with a
fixed random dY, against the same with nd.Convolution. (A loss such as
``Y.sum()`` would add MXNet's reduction to both.)
"""
import argparse
import os
import platform
import time

import mxnet as mx
import numpy as np
import scipy
import scipy.signal
from mxnet import autograd, nd

from d2l_conv import corr2d_fast

FORWARD = [((6, 8), (1, 2)), ((64, 64), (3, 3)), ((256, 258), (3, 3)), ((513, 517), (3, 3)),
           ((1023, 1025), (3, 3)), ((1023, 1025), (5, 5)), ((1024, 1026), (3, 3)), ((1024, 1026), (5, 5)),
           ((1024, 1024), (7, 7)), ((1023, 1023), (11, 11)), ((1024, 1024), (15, 15)),
           ((2048, 2050), (3, 3)), ((2048, 2050), (5, 5)), ((2047, 2047), (5, 5))]
TRAINING = [((6, 8), (1, 2)), ((1024, 1026), (3, 3)), ((1024, 1026), (5, 5)), ((2048, 2050), (3, 3))]


def nd_convolution(X, K):
    Y = nd.Convolution(X.reshape((1, 1) + X.shape), K.reshape((1, 1) + K.shape),
                       kernel=K.shape, num_filter=1, no_bias=True)
    return Y.reshape(Y.shape[2:])


def scipy_correlate2d(X, K):
    return nd.array(scipy.signal.correlate2d(X.asnumpy(), K.asnumpy(), mode='valid'))


def scipy_fftconvolve(X, K):
    return nd.array(scipy.signal.fftconvolve(X.asnumpy(), K.asnumpy()[::-1, ::-1], mode='valid'))


def training_step(corr, dY):
    def step(X, K):
        with autograd.record():
            Y = corr(X, K)
        Y.backward(dY)
        return K.grad
    return step


def time_batch(f, X, K, n, wait_each):
    """Mean seconds per call of n calls, waiting for each result (wait_each) or only for the last."""
    start = time.perf_counter()
    for _ in range(n):
        Y = f(X, K)
        if wait_each:
            nd.waitall()  # Y, and in a training step both gradients
    Y.wait_to_read()  # MXNet is asynchronous: wait for the last result
    nd.waitall()
    return (time.perf_counter() - start) / n


def measure(fns, args, rounds, wait_each, budget=0.02):
    """Best-of-rounds mean seconds per call for each function, rounds interleaved."""
    ns, first = {}, {}
    for name, (f, a) in fns.items():  # size each batch to about `budget` seconds, then warm up
        first[name] = time_batch(f, *args[a], 1, wait_each)
        ns[name] = max(1, int(budget / first[name]))
        if first[name] < 0.2:
            time_batch(f, *args[a], 3 * ns[name], wait_each)  # caches, allocator and oneDNN primitives settle
    best = dict.fromkeys(fns, float('inf'))
    names = list(fns)
    for r in range(rounds):  # rotate the order: no function always follows the same one
        for name in names[r % len(names):] + names[:r % len(names)]:
            if first[name] > 1 and r >= 2:
                continue  # a few rounds are enough for a second per call
            f, a = fns[name]
            best[name] = min(best[name], time_batch(f, *args[a], ns[name], wait_each))
    return best


def machine_peaks(rounds):
    """(copy bandwidth in bytes/s, sgemm peak in FLOP/s) of this machine now, best of rounds."""
    big = nd.ones((2048, 2048))
    a = nd.ones((1024, 1024))
    t = measure({'copy': (lambda X, K: X.copy(), 'big'), 'sgemm': (lambda X, K: nd.dot(X, X), 'a')},
                {'big': (big, None), 'a': (a, None)}, rounds, wait_each=False)
    return 2 * big.size * 4 / t['copy'], 2 * 1024 ** 3 / t['sgemm']


def roofline(x_shape, k_shape, peaks, training=False):
    """Seconds at best: bytes moved over the copy bandwidth, or FLOPs over the sgemm peak."""
    o = (x_shape[0] - k_shape[0] + 1) * (x_shape[1] - k_shape[1] + 1)
    n = x_shape[0] * x_shape[1]
    moved, flops = 4 * (n + o), 2 * o * k_shape[0] * k_shape[1]
    if training:
        moved, flops = 2 * moved, 3 * flops
    return max(moved / peaks[0], flops / peaks[1])


def fmt(seconds):
    return '%.1f µs' % (seconds * 1e6) if seconds < 1e-3 else '%.2f ms' % (seconds * 1e3)


def geomean(values):
    return float(np.exp(np.mean(np.log(values))))


def machine():
    cpu = platform.processor()
    if os.path.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            cpu = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')), cpu)
    return '%s, %d cores; Python %s, mxnet %s, numpy %s, scipy %s' % (
        cpu, os.cpu_count(), platform.python_version(), mx.__version__, np.__version__, scipy.__version__)


def arrays(rng, x_shape, k_shape, grad=False):
    X, K = (nd.array(rng.standard_normal(s), dtype='float32') for s in (x_shape, k_shape))
    if grad:
        X.attach_grad()
        K.attach_grad()
    o_shape = (x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1)
    return {'XK': (X, K), 'Y': (nd.zeros(o_shape), None)}


def forward_table(rng, rounds, wait_each, peaks):
    print('| X | K | corr2d_fast | nd.Convolution | correlate2d | fftconvolve | ratio | x roofline |')
    print('|---|---|---|---|---|---|---|---|')
    ratios = {}
    for x_shape, k_shape in FORWARD:
        a = arrays(rng, x_shape, k_shape)
        fns = {'fast': (corr2d_fast, 'XK'), 'conv': (nd_convolution, 'XK'), 'scipy': (scipy_correlate2d, 'XK'),
               'fft': (scipy_fftconvolve, 'XK')}
        t = measure(fns, a, rounds, wait_each)
        ratios[x_shape, k_shape] = t['fast'] / min(t['conv'], t['scipy'], t['fft'])
        print('| %dx%d | %dx%d | %s | %s | %s | %s | %.2f | %.1f |' % (
            x_shape + k_shape + tuple(fmt(t[k]) for k in ('fast', 'conv', 'scipy', 'fft'))
            + (ratios[x_shape, k_shape], t['fast'] / roofline(x_shape, k_shape, peaks))), flush=True)
    tiny = max(r for (x_shape, _), r in ratios.items() if min(x_shape) < 256)
    worst = max(r for (x_shape, _), r in ratios.items() if min(x_shape) >= 256)
    large = [r for (x_shape, _), r in ratios.items() if min(x_shape) >= 1023]
    print('\nworst ratio from 256x256 up %.2f (goal <= 1.0), tiny %.2f (goal <= 1.05); geometric mean for sides '
          '>= 1023: %.2f (goal <= 0.25)\n' % (worst, tiny, geomean(large)))


def training_table(rng, rounds, wait_each, peaks):
    print('| X | K | corr2d_fast | nd.Convolution | ratio | x roofline |')
    print('|---|---|---|---|---|---|')
    ratios = {}
    for x_shape, k_shape in TRAINING:
        a = arrays(rng, x_shape, k_shape, grad=True)
        dY = nd.array(rng.standard_normal(a['Y'][0].shape), dtype='float32')
        fns = {'fast': (training_step(corr2d_fast, dY), 'XK'), 'conv': (training_step(nd_convolution, dY), 'XK')}
        t = measure(fns, a, rounds, wait_each)
        ratios[x_shape] = t['fast'] / t['conv']
        print('| %dx%d | %dx%d | %s | %s | %.2f | %.1f |' % (
            x_shape + k_shape + (fmt(t['fast']), fmt(t['conv']), ratios[x_shape],
                                 t['fast'] / roofline(x_shape, k_shape, peaks, training=True))), flush=True)
    large = [r for x_shape, r in ratios.items() if min(x_shape) >= 256]
    print('\n6x8 ratio %.2f (goal <= 1.05); worst from 1024x1024 up %.2f (goal <= 0.6); geometric mean %.2f '
          '(goal <= 0.35)\n' % (ratios[6, 8], max(large), geomean(large)))


def main():
    parser = argparse.ArgumentParser(usage='%(prog)s [options]', description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=20, help='interleaved rounds (default: 20)')
    args = parser.parse_args()
    print(machine() + '\n')
    rng = np.random.default_rng(0)
    for x_shape, k_shape in FORWARD[:5]:  # warm up the process: threads, allocator, oneDNN
        a = arrays(rng, x_shape, k_shape)
        for f in (corr2d_fast, nd_convolution, scipy_correlate2d, scipy_fftconvolve):
            time_batch(f, *a['XK'], 3, False)
    peaks = machine_peaks(args.rounds)
    print('copy bandwidth %.1f GB/s, sgemm %.1f GFLOP/s (this run)\n' % (peaks[0] / 1e9, peaks[1] / 1e9))
    for wait_each, title in ((True, 'per call, waiting for each result'), (False, 'pipelined')):
        print('Forward, Y = corr(X, K), %s:\n' % title)
        forward_table(rng, args.rounds, wait_each, peaks)
        print('Training step, forward and backward in X and K, %s:\n' % title)
        training_table(rng, args.rounds, wait_each, peaks)


if __name__ == '__main__':
    main()
