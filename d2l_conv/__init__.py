"""d2l_conv: the "Convolution Layers" chapter of Dive into Deep Learning (MXNet Gluon).

``d2l_conv.book`` is the page (``corr2d``, ``Conv2D``); the rest is what the
package adds: the chapter's data, the In[8] training loop, GPU helpers, the
fast and differentiable ``corr2d_fast`` (``d2l_conv.fast``), the exercises'
kernels (``d2l_conv.kernels``) and pictures (``d2l_conv.plot``, imported on
demand so that matplotlib stays out of the scripts' start-up).
"""
import sys
import warnings

__version__ = '0.1.0'
SUPPORTED_PYTHONS = ((3, 8), (3, 15))  # first and last, each tested by .ci/run

if not SUPPORTED_PYTHONS[0] <= sys.version_info[:2] <= SUPPORTED_PYTHONS[1]:
    warnings.warn('d2l_conv is tested on Python %d.%d to %d.%d, not on %d.%d'
                  % (SUPPORTED_PYTHONS[0] + SUPPORTED_PYTHONS[1] + sys.version_info[:2]), RuntimeWarning)

from ._mxnet_import import import_mxnet  # noqa: E402

try:
    import_mxnet()  # or one ImportError saying what to install
except ImportError as e:
    e.name = __name__  # so that `python -m d2l_conv` (runpy) prints it as one line, not a traceback
    raise

from . import kernels  # noqa: E402 (after the checks above)
from .book import Conv2D, corr2d  # noqa: E402
from .context import check_context, parse_ctx, try_all_gpus, try_gpu  # noqa: E402
from .data import diagonal_image, edge_kernel, stripe_image  # noqa: E402
from .exercises import corr2d_matmul  # noqa: E402
from .fast import convolve2d, corr2d_fast  # noqa: E402
from .train import train_kernel  # noqa: E402

__all__ = ['corr2d', 'Conv2D', 'corr2d_fast', 'convolve2d', 'corr2d_matmul',
           'stripe_image', 'edge_kernel', 'diagonal_image', 'kernels', 'train_kernel',
           'try_gpu', 'try_all_gpus', 'check_context', 'parse_ctx']
