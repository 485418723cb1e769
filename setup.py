"""The commands that install d2l_conv_compat.pth; the metadata is in pyproject.toml.

Besides the package, d2l_conv installs ``d2l_conv_compat.py`` and
``d2l_conv_compat.pth`` into site-packages: the .pth line makes MXNet 1.9.1
importable on numpy >= 1.24 (see d2l_conv_compat's docstring). Regular installs
get the .pth from ``build_py``, editable ones (``pip install -e``) from
``editable_wheel``, whose private ``_select_strategy`` this wraps (setuptools >= 64;
pyproject.toml bounds the versions tested, tests/test_packaging.py checks it).
"""
import os

import setuptools
from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
PTH = 'd2l_conv_compat.pth'


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
        with open(os.path.join(HERE, PTH), 'rb') as f:
            wheel.writestr(PTH, f.read())


class editable_wheel_with_pth(editable_wheel):
    def _select_strategy(self, *args, **kwargs):
        return _StrategyWithPth(super()._select_strategy(*args, **kwargs))


def _pre_pep639_licence():
    """Python 3.8's setuptools (75.3.x, the last for 3.8) reads PEP 639's licence fields in their older form.

    ``license = "Apache-2.0"`` becomes ``license = {text = ...}`` and ``license-files`` moves to
    ``tool.setuptools``, in the dict that setuptools loads from pyproject.toml, before it validates it.
    """
    from setuptools.config import pyprojecttoml
    load_file = pyprojecttoml.load_file

    def load_file_pre_pep639(filepath):
        config = load_file(filepath)
        project = config.get('project', {})
        if isinstance(project.get('license'), str):
            project['license'] = {'text': project['license']}
        if 'license-files' in project:
            config.setdefault('tool', {}).setdefault('setuptools', {})['license-files'] = project.pop('license-files')
        return config
    pyprojecttoml.load_file = load_file_pre_pep639


if int(setuptools.__version__.split('.')[0]) < 77:
    _pre_pep639_licence()

setup(cmdclass={'build_py': build_py_with_pth, 'editable_wheel': editable_wheel_with_pth})
