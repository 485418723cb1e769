"""Packaging: the metadata in pyproject.toml, the editable wheel's .pth, and a notebook kernel that
installed d2l_conv with %pip while it was running (so its .pth was never processed)."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import version

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import d2l_conv
from conftest import ROOT
from test_compat import SIMULATE_REMOVALS

try:
    import tomllib
except ImportError:  # Python < 3.11: pytest's own dependency
    import tomli as tomllib

with open(os.path.join(ROOT, 'pyproject.toml'), 'rb') as f:
    PYPROJECT = tomllib.load(f)


def requirements_here(requirements, name):
    """The specifiers of ``name`` among ``requirements`` whose markers hold on this Python."""
    return [r.specifier for r in map(Requirement, requirements)
            if r.name == name and (r.marker is None or r.marker.evaluate({'extra': ''}))]


def test_installing_never_changes_a_numpy_the_hook_supports():
    """Colab and Kaggle have numpy 2 on Python 3.10-3.12: a numpy < 2 bound would downgrade it."""
    specifiers = requirements_here(PYPROJECT['project']['dependencies'], 'numpy')
    assert specifiers
    for numpy in ('1.17.0', '1.23.5', '1.26.4', '2.0.2', '2.2.6', '2.5.5', '2.99'):
        assert all(s.contains(numpy) for s in specifiers), numpy


def test_every_supported_python_is_declared_and_run_by_ci():
    first, last = d2l_conv.SUPPORTED_PYTHONS
    supported = ['3.%d' % minor for minor in range(first[1], last[1] + 1)]
    classifiers = [c.rsplit(' :: ', 1)[1] for c in PYPROJECT['project']['classifiers']
                   if re.fullmatch(r'Programming Language :: Python :: 3\.\d+', c)]
    with open(os.path.join(ROOT, '.ci', 'run'), encoding='utf-8') as f:
        ci = re.search(r'^PYTHONS="([^"]*)"', f.read(), re.M).group(1).split()
    assert classifiers == ci == supported
    # no upper bound: pip installs on a newer Python, and import d2l_conv warns there
    assert Requirement('python' + PYPROJECT['project']['requires-python']).specifier.contains('3.99')



def test_ci_runs_the_readmes_two_commands_verbatim():
    """The README's set-up block and .ci/run's two commands are the same text, so CI proves what a reader types."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
        setup = re.search(r'^## Set up\n.*?^```sh\n(.*?)^```', f.read(), re.M | re.S).group(1)
    readme = [line for line in setup.splitlines() if line.startswith('python ')]
    with open(os.path.join(ROOT, '.ci', 'run'), encoding='utf-8') as f:
        ci = f.read()
    commands = [re.search(r"^%s='([^']*)'" % name, ci, re.M).group(1) for name in ('FIRST_COMMAND', 'TEST_COMMAND')]
    assert readme == commands


def build_setuptools():
    """The setuptools versions that pyproject.toml's build-system allows on this Python."""
    specifiers = requirements_here(PYPROJECT['build-system']['requires'], 'setuptools')
    assert len(specifiers) == 1
    return specifiers[0]


BUILD_FILES = ['setup.py', 'pyproject.toml', 'README.md', 'LICENSE', 'NOTICE', 'd2l_conv_compat.py',
               'd2l_conv_compat.pth']


@pytest.mark.slow
def test_editable_wheel_carries_the_pth(tmp_path):
    """setup.py wraps setuptools' private ``editable_wheel._select_strategy``: with the setuptools that
    pip builds with here (requirements.txt pins the newest that pyproject.toml allows), the editable
    wheel still carries d2l_conv_compat.pth, and the version is read without importing d2l_conv."""
    installed = Version(version('setuptools'))
    if not build_setuptools().contains(installed):
        pytest.skip('setuptools %s is not one that pyproject.toml builds with here (%s)'
                    % (installed, build_setuptools()))
    src = tmp_path / 'src'
    shutil.copytree(os.path.join(ROOT, 'd2l_conv'), str(src / 'd2l_conv'),
                    ignore=shutil.ignore_patterns('__pycache__'))
    for name in BUILD_FILES:
        shutil.copy(os.path.join(ROOT, name), str(src))
    code = ("import sys; sys.modules['mxnet'] = None\n"  # importing d2l_conv would fail
            "from setuptools import build_meta; print(build_meta.build_editable(sys.argv[1]))")
    res = subprocess.run([sys.executable, '-c', code, str(tmp_path)], cwd=str(src), capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    wheel = res.stdout.splitlines()[-1]
    assert wheel == 'd2l_conv-%s-0.editable-py3-none-any.whl' % d2l_conv.__version__
    with zipfile.ZipFile(str(tmp_path / wheel)) as z, open(os.path.join(ROOT, 'd2l_conv_compat.pth'), 'rb') as f:
        assert z.read('d2l_conv_compat.pth') == f.read()


# A kernel started before `%pip install d2l_conv`: its site-packages and their other .pth files
# (setuptools' distutils shim, the editable install's path) are there, d2l_conv_compat.pth was not run.
KERNEL_BEFORE_THE_INSTALL = """
import os, site, sys
sitedirs = %r
known = set()
for sitedir in sitedirs:
    sys.path.append(sitedir)
    for name in sorted(os.listdir(sitedir)):
        if name.endswith('.pth') and name != 'd2l_conv_compat.pth':
            site.addpackage(sitedir, name, known)
print('d2l_conv_compat' in sys.modules)
""" % (sorted({sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib']}),)


def in_kernel_before_the_install(code):
    """Run ``code`` with numpy 2's removals, in a Python that never processed d2l_conv_compat.pth."""
    env = dict(os.environ, PYTHONPATH=ROOT)  # the checkout too, where d2l_conv is not installed
    return subprocess.run([sys.executable, '-S', '-c', KERNEL_BEFORE_THE_INSTALL + SIMULATE_REMOVALS + code],
                          cwd=os.path.dirname(ROOT), env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_import_d2l_conv_first_works_without_a_restart():
    res = in_kernel_before_the_install('import d2l_conv\nfrom mxnet import nd\n'
                                       'print(nd.array([[0, 1], [2, 3]]).sum().asscalar())')
    assert (res.returncode, res.stdout) == (0, 'False\n6.0\n'), res.stderr


@pytest.mark.slow
def test_the_chapters_in1_first_needs_a_restart():
    res = in_kernel_before_the_install('from mxnet import autograd, nd')
    assert res.returncode == 1 and res.stdout == 'False\n'
    assert res.stderr.splitlines()[-1].startswith('AttributeError: ')
