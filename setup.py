"""d2l_conv: the "Convolution Layers" chapter of Dive into Deep Learning (MXNet Gluon), tested.

MXNet itself is not a requirement: install it first, ``pip install --no-deps
mxnet==1.9.1`` (README). Its metadata asks for numpy < 2, which Python 3.13 has
no wheels for, and its CPU wheel ``mxnet`` and CUDA wheels ``mxnet-cu112`` and
friends install the same module, which pip cannot express as "any one of them".
What mxnet needs at run time is listed here instead.

Besides the package, this installs ``d2l_conv_compat.py`` and
``d2l_conv_compat.pth`` into site-packages: the .pth line makes MXNet 1.9.1
importable on numpy >= 1.24 (see d2l_conv_compat's docstring). Regular installs
get the .pth from ``build_py``, editable ones (``pip install -e``) from
``editable_wheel``.
"""
import os
import re

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
PTH = 'd2l_conv_compat.pth'


def read(name):
    with open(os.path.join(HERE, name), encoding='utf-8') as f:
        return f.read()


class build_py_with_pth(build_py):
    """Copies the .pth file to the top of build_lib, i.e. of site-packages."""

    def run(self):
        super().run()
        self.copy_file(os.path.join(HERE, PTH), os.path.join(self.build_lib, PTH), preserve_mode=False)

    def get_outputs(self, *args, **kwargs):
        return super().get_outputs(*args, **kwargs) + [os.path.join(self.build_lib, PTH)]


class _StrategyWithPth:
    """Wraps an editable strategy of setuptools so the editable wheel carries the .pth too."""

    def __init__(self, strategy):
        self.strategy = strategy

    def __enter__(self):
        self.strategy.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.strategy.__exit__(*exc_info)

    def __call__(self, wheel, files, mapping):
        self.strategy(wheel, files, mapping)
        wheel.writestr(PTH, read(PTH).encode('utf-8'))


class editable_wheel_with_pth(editable_wheel):
    def _select_strategy(self, *args, **kwargs):
        return _StrategyWithPth(super()._select_strategy(*args, **kwargs))


setup(
    name='d2l_conv',
    version=re.search(r"^__version__ = '([^']+)'", read('d2l_conv/__init__.py'), re.M).group(1),
    description='The Convolution Layers chapter of Dive into Deep Learning (MXNet), as a tested package',
    long_description=read('README.md'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=['d2l_conv'],
    py_modules=['d2l_conv_compat', 'd2l_conv_armpl'],
    cmdclass={'build_py': build_py_with_pth, 'editable_wheel': editable_wheel_with_pth},
    # Tested on each of these (.ci/run); pip refuses the others in one line.
    python_requires='>=3.8, <3.14',
    install_requires=[
        # mxnet 1.9.1's own requirements, but numpy: d2l_conv_compat lets it run on numpy 2
        'requests>=2.20, <3',
        'graphviz>=0.8.1, <0.9',
        'numpy>1.16, <2; python_version < "3.13"',
        'numpy>=2.1; python_version >= "3.13"',
        'setuptools; python_version >= "3.12"',  # mxnet imports distutils, which setuptools provides
        'matplotlib>=3.3',
    ],
    extras_require={
        'test': ['pytest>=7', 'hypothesis>=6', 'scipy>=1.5', 'nbval>=0.10', 'ipykernel>=6', 'ruff'],
    },
    classifiers=[
        'Programming Language :: Python :: 3 :: Only',
        'Programming Language :: Python :: 3.8',
        'Programming Language :: Python :: 3.9',
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Programming Language :: Python :: 3.13',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
