"""d2l_conv: the "Convolution Layers" chapter of Dive into Deep Learning (MXNet Gluon).

``d2l_conv.book`` is the page (``corr2d``, ``Conv2D``); the rest is what the
package adds: the chapter's data, the In[8] training loop, GPU helpers, the
fast and differentiable ``corr2d_fast`` (``d2l_conv.fast``), the exercises'
kernels (``d2l_conv.kernels``) and pictures (``d2l_conv.plot``, imported on
demand so that matplotlib stays out of the scripts' start-up).
"""
import sys
import warnings

import d2l_conv_compat

__version__ = '0.1.0'
SUPPORTED_PYTHONS = ((3, 8), (3, 15))  # first and last, each tested by .ci/run

if not SUPPORTED_PYTHONS[0] <= sys.version_info[:2] <= SUPPORTED_PYTHONS[1]:
    warnings.warn('d2l_conv is tested on Python %d.%d to %d.%d, not on %d.%d'
                  % (SUPPORTED_PYTHONS[0] + SUPPORTED_PYTHONS[1] + sys.version_info[:2]), RuntimeWarning)

d2l_conv_compat.install()  # the .pth did this already, unless d2l_conv runs from a checkout
try:
    import mxnet  # noqa: F401
except ImportError as e:
    if e.name == 'mxnet':  # no mxnet at all
        raise ImportError("d2l_conv needs MXNet 1.9.1: pip install --no-deps mxnet==1.9.1 "
                          "(or a CUDA build such as mxnet-cu112==1.9.1)") from e
    if e.name is None:  # "cannot import name ...": mxnet's own files are damaged or mixed
        raise ImportError('mxnet is installed but fails to import: %s' % e) from e
    hint = 'pip install setuptools, which provides it on Python 3.12+' if e.name == 'distutils' else \
        'pip install %s' % e.name.partition('.')[0]
    raise ImportError('mxnet is installed but cannot import %s: %s' % (e.name, hint)) from e
except OSError as e:  # a CUDA build without the CUDA libraries it links against
    from ._cuda import missing_library_message
    raise ImportError(missing_library_message(e)) from None
except AttributeError as e:  # numpy removed a name mxnet 1.9.1 uses, and the hook was off
    hint = ('unset %s' % d2l_conv_compat.ENV if not d2l_conv_compat.enabled()
            else "pip install 'numpy<1.24'")
    raise ImportError('mxnet 1.9.1 does not import with numpy %s (%s); %s'
                      % (getattr(sys.modules.get('numpy'), '__version__', '?'), e, hint)) from e

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
