"""What a CUDA build of MXNet needs besides itself, for the ImportError of ``import d2l_conv``."""
import re

try:
    from importlib.metadata import distributions
except ImportError:  # pragma: no cover (Python 3.7 is refused by setup.py)
    distributions = None

__all__ = ['PROVIDERS', 'missing_library_message']

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
