"""d2l_conv: the "Convolution Layers" chapter of Dive into Deep Learning (MXNet Gluon), tested.

MXNet is an extra, not a hard requirement: the CPU wheel ``mxnet`` and the
CUDA wheels (``mxnet-cu112`` and friends) install the same ``mxnet`` module,
and pip cannot express "any one of them". ``pip install '.[cpu]'`` brings the
CPU build; with a CUDA build already installed, ``pip install .`` keeps it.
"""
from setuptools import find_packages, setup

setup(
    name='d2l_conv',
    version='0.1.0',
    description='The Convolution Layers chapter of Dive into Deep Learning (MXNet), as a tested package',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(include=['d2l_conv', 'd2l_conv.*']),
    # mxnet 1.9.1 (the last release) uses np.bool, gone in numpy 1.24, whose
    # oldest wheels stop at Python 3.11; matplotlib 3.11 needs numpy >= 1.25.
    python_requires='>=3.8, <3.12',
    install_requires=['numpy>=1.17, <1.24', 'matplotlib>=3.3, <3.11'],
    extras_require={
        'cpu': ['mxnet==1.9.1'],
        'test': ['pytest>=7', 'hypothesis>=6', 'scipy>=1.5, <1.16', 'nbval>=0.10', 'ipykernel>=6'],
    },
    classifiers=[
        'Programming Language :: Python :: 3 :: Only',
        'Programming Language :: Python :: 3.11',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
