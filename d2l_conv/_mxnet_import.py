"""``import mxnet`` for d2l_conv, or one ImportError that says what to install or change.

MXNet 1.9.1 fails to import in several ways a learner cannot read: no mxnet; a
dependency of it missing (``requests``; ``distutils`` on Python 3.12+, which
setuptools provides); a numpy that removed names it uses while the
d2l_conv_compat hook is switched off; a native library missing (an
``OSError``): a CUDA build without CUDA, cuDNN or NCCL, or Linux aarch64 with
neither Arm Performance Libraries nor OpenBLAS and LAPACKE (d2l_conv_armpl).
:func:`import_mxnet` turns each into one ``ImportError`` line.
"""
import importlib.util
import re
import sys

import d2l_conv_armpl
import d2l_conv_compat

try:
    from importlib.metadata import distributions
except ImportError:  # pragma: no cover (Python 3.7 is refused by setup.py)
    distributions = None

__all__ = ['import_mxnet', 'PROVIDERS', 'REQUIREMENTS', 'missing_library_message']


def import_mxnet():
    """Import and return mxnet, with the hook in place, or raise one ``ImportError`` saying what to do."""
    d2l_conv_compat.install()  # the .pth did this already, unless d2l_conv runs from a checkout
    d2l_conv_armpl.load()  # Linux aarch64: before libmxnet.so loads, also where the hook is switched off
    try:
        import mxnet
    except ImportError as e:
        if e.name == 'mxnet':  # no mxnet at all
            raise ImportError("d2l_conv needs MXNet 1.9.1: pip install --no-deps mxnet==1.9.1 "
                              "(or a CUDA build such as mxnet-cu112==1.9.1)") from e
        if e.name is None:  # "cannot import name ...": mxnet's own files are damaged or mixed
            raise ImportError('mxnet is installed but fails to import: %s' % e) from e
        raise ImportError('mxnet is installed but cannot import %s: %s' % (e.name, _install_hint(e.name))) from e
    except OSError as e:  # a native library it links against is missing (a CUDA build without CUDA, say)
        raise ImportError(missing_library_message(e)) from None
    except AttributeError as e:  # numpy removed a name mxnet 1.9.1 uses, and the hook was off
        hint = ('unset %s' % d2l_conv_compat.ENV if not d2l_conv_compat.enabled()
                else "pip install 'numpy<1.24'")
        raise ImportError('mxnet 1.9.1 does not import with numpy %s (%s); %s'
                          % (getattr(sys.modules.get('numpy'), '__version__', '?'), e, hint)) from e
    return mxnet


def _install_hint(name):
    """What provides the module ``name`` that mxnet failed to import."""
    if name != 'distutils':
        return 'pip install %s' % name.partition('.')[0]
    if sys.flags.no_site and importlib.util.find_spec('_distutils_hack') is not None:
        # setuptools is there, but its distutils shim is the distutils-precedence.pth that -S skipped
        return ('setuptools provides it through distutils-precedence.pth, which python -S skipped: '
                'run without -S, or import setuptools before mxnet')
    return 'pip install setuptools, which provides it on Python 3.12+'


# The libraries mxnet-cu112 1.9.1's libmxnet.so loads, by name prefix, and what provides them.
PROVIDERS = (
    ('libcuda.so', 'the NVIDIA driver'),
    ('libcudnn', 'cuDNN 8 for CUDA 11'),
    ('libnccl', 'NCCL 2'),
    ('libcudart', 'the CUDA 11.2 runtime'),
    ('libnvrtc', 'the CUDA 11.2 toolkit (NVRTC)'),
    ('libcu', 'the CUDA 11.2 toolkit (cuBLAS, cuFFT, cuRAND, cuSOLVER, cuSPARSE)'),
    ('libnv', 'the CUDA 11.2 toolkit'),
)
REQUIREMENTS = 'the NVIDIA driver, the CUDA 11.2 runtime and toolkit libraries, cuDNN 8 and NCCL 2'


def _mxnet_distribution():
    names = sorted(d.metadata['Name'] for d in distributions() if (d.metadata['Name'] or '').lower()
                   .startswith('mxnet')) if distributions else []
    return ', '.join(names) or 'mxnet'


def missing_library_message(error):
    """One line for an OSError raised by ``import mxnet``, naming the missing library and its provider.

    >>> print(missing_library_message(OSError('libcudnn.so.8: cannot open shared object file: '
    ...                                       'No such file or directory')))  # doctest: +ELLIPSIS
    mxnet... could not load libcudnn.so.8, which cuDNN 8 for CUDA 11 provides; ...
    """
    text = str(error)
    match = re.search(r'(lib[\w.+-]+\.so[\w.]*)', text)
    if not match:
        return 'mxnet failed to load its native library: %s' % text
    library = match.group(1)
    provider = next((who for prefix, who in PROVIDERS if library.startswith(prefix)), None)
    dist = _mxnet_distribution()
    if provider is None:
        return '%s could not load %s (%s)' % (dist, library, text)
    return ('%s could not load %s, which %s provides; a CUDA build of MXNet needs %s on the library path '
            '(LD_LIBRARY_PATH). Without them or a GPU: pip uninstall %s && pip install --no-deps mxnet==1.9.1'
            % (dist, library, provider, REQUIREMENTS, dist.split(',')[0]))
