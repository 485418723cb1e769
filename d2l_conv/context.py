"""Where to compute: d2l-style GPU helpers and the ``--ctx`` parser of the scripts."""
import numbers

import mxnet as mx
from mxnet.base import MXNetError

from .checks import is_number

__all__ = ['num_gpus', 'try_gpu', 'try_all_gpus', 'check_context', 'parse_ctx']


def num_gpus():
    """Number of GPUs MXNet can use; 0 for a CPU build or a CUDA build without a driver."""
    try:
        return mx.context.num_gpus()
    except MXNetError:
        return 0


def try_gpu(i=0):
    """Return gpu(i) if MXNet sees it, otherwise cpu(). ``i`` is an int, at least 0.

    Examples
    --------
    >>> try_gpu(1000)  # no machine has a thousand GPUs
    cpu(0)
    >>> try_gpu() in [mx.gpu(0), mx.cpu()]
    True
    >>> try_gpu(-1)
    Traceback (most recent call last):
    ...
    ValueError: i must be a GPU index, an int >= 0, got -1
    """
    if not is_number(i, numbers.Integral) or i < 0:
        raise ValueError('i must be a GPU index, an int >= 0, got %r' % (i,))
    return mx.gpu(int(i)) if num_gpus() > i else mx.cpu()


def try_all_gpus():
    """Return all GPUs MXNet sees, or [cpu()] if there is none (never an empty list).

    Examples
    --------
    >>> try_all_gpus() == ([mx.gpu(i) for i in range(num_gpus())] or [mx.cpu()])
    True
    """
    return [mx.gpu(i) for i in range(num_gpus())] or [mx.cpu()]


def check_context(ctx):
    """Return ``ctx`` if MXNet can compute there, else raise ValueError saying what to install."""
    if not isinstance(ctx, mx.Context):
        raise TypeError('ctx must be an mx.Context such as mx.cpu() or mx.gpu(0), got %r' % (ctx,))
    if ctx.device_type == 'gpu' and ctx.device_id >= num_gpus():
        if not mx.runtime.Features().is_enabled('CUDA'):
            raise ValueError('%s requested, but this mxnet is a CPU-only build; for a GPU, first '
                             'pip uninstall mxnet, then pip install --no-deps mxnet-cu112==1.9.1 (it needs '
                             'the NVIDIA driver, CUDA 11.2, cuDNN 8 and NCCL 2)' % ctx)
        raise ValueError('%s requested, but MXNet sees %d GPU(s); check nvidia-smi and '
                         'CUDA_VISIBLE_DEVICES' % (ctx, num_gpus()))
    return ctx


def parse_ctx(text):
    """Parse ``cpu``, ``gpu``, ``gpu:N`` or ``auto`` (= try_gpu()) into a usable context.

    Raises ValueError for any other text, or for a GPU that is not there. N is
    written in the digits 0-9 (``str.isdigit`` would also pass ``²`` and ``٣``).

    Examples
    --------
    >>> parse_ctx('cpu')
    cpu(0)
    >>> parse_ctx('gpu:٣')
    Traceback (most recent call last):
    ...
    ValueError: unknown context 'gpu:٣'; use cpu, gpu, gpu:N or auto (N in the digits 0-9)
    """
    if not isinstance(text, str):
        raise TypeError("parse_ctx takes text such as 'cpu' or 'gpu:0', got %r" % (text,))
    kind, _, index = text.partition(':')
    if text == 'auto':
        return try_gpu()
    if text == 'cpu':
        return mx.cpu()
    if kind == 'gpu' and (not index or index.isascii() and index.isdigit()):
        return check_context(mx.gpu(int(index or 0)))
    raise ValueError("unknown context %r; use cpu, gpu, gpu:N or auto (N in the digits 0-9)" % text)
