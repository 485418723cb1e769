"""d2l_conv: the "Convolution Layers" chapter of Dive into Deep Learning (MXNet Gluon).

``d2l_conv.book`` is the page (``corr2d``, ``Conv2D``); the rest is what the
package adds: the chapter's data, the In[8] training loop, GPU helpers, the
fast and differentiable ``corr2d_fast`` (``d2l_conv.fast``), the exercises'
kernels (``d2l_conv.kernels``) and pictures (``d2l_conv.plot``, imported on
demand so that matplotlib stays out of the scripts' start-up).
"""
try:
    import mxnet  # noqa: F401
except ImportError as e:  # no mxnet at all
    raise ImportError("d2l_conv needs MXNet 1.9.1: pip install 'mxnet==1.9.1' "
                      "(or a CUDA build such as mxnet-cu112==1.9.1)") from e
except AttributeError as e:  # numpy >= 1.24 removed np.bool, which mxnet 1.9.1 uses
    raise ImportError("mxnet 1.9.1 needs numpy < 1.24: pip install 'numpy<1.24' (%s)" % e) from e

from . import kernels
from .book import Conv2D, corr2d
from .context import check_context, parse_ctx, try_all_gpus, try_gpu
from .data import diagonal_image, edge_kernel, stripe_image
from .exercises import corr2d_matmul
from .fast import convolve2d, corr2d_fast
from .train import train_kernel

__all__ = ['corr2d', 'Conv2D', 'corr2d_fast', 'convolve2d', 'corr2d_matmul',
           'stripe_image', 'edge_kernel', 'diagonal_image', 'kernels', 'train_kernel',
           'try_gpu', 'try_all_gpus', 'check_context', 'parse_ctx']
__version__ = '0.1.0'
