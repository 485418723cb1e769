"""d2l_conv_compat: mxnet 1.9.1 imports on numpy versions that removed names it uses.

Each case runs in a fresh interpreter, since mxnet imports once per process. The
numpy 2 removals are simulated on whatever numpy is installed, so that every
Python of CI checks the placeholders, not only 3.13.
"""
import copy
import glob
import importlib.machinery
import os
import pickle
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import d2l_conv_compat
from conftest import ROOT

# numpy as numpy 2.x left it for mxnet: the names gone (and np.bool, as in 1.24-1.26,
# unless this is numpy 2, which has np.bool again and relies on it).
SIMULATE_REMOVALS = """
import numpy
REMOVED = ('PZERO', 'NZERO', 'NAN', 'NaN', 'NINF', 'PINF', 'alltrue', 'in1d', 'trapz', 'msort')
if numpy.__version__ < '2':
    REMOVED += ('bool',)
numpy_getattr = numpy.__getattr__
for name in REMOVED:
    numpy.__dict__.pop(name, None)
numpy.__all__ = [name for name in numpy.__all__ if name not in REMOVED]
def __getattr__(name):
    if name in REMOVED:
        raise AttributeError('numpy has no attribute %r (simulated)' % name)
    return numpy_getattr(name)
numpy.__getattr__ = __getattr__
"""


def python(code, **env):
    """Run ``code`` in a fresh interpreter from an empty directory; return (returncode, stdout, stderr)."""
    environ = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''), **env)
    res = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], cwd=os.path.dirname(ROOT),
                         env=environ, capture_output=True, text=True, timeout=120)
    return res.returncode, res.stdout, res.stderr


@pytest.mark.slow
def test_placeholders_while_mxnet_imports_and_numpy_restored_after():
    rc, out, err = python(SIMULATE_REMOVALS + """
import math
import d2l_conv_compat
d2l_conv_compat.install()
import mxnet as mx
print(mx.np.PZERO, math.copysign(1, mx.np.NZERO), mx.np.NINF, mx.np.PINF, math.isnan(mx.np.NAN))
print(hasattr(numpy, 'PZERO'), numpy.__getattr__ is __getattr__, numpy.bool is numpy.bool_)
try:
    mx.np.alltrue([True])
except RuntimeError as e:
    print(e.args[0].split(' (')[0])
print(mx.nd.array([1, 2, 3]).sum().asscalar())
""")
    assert rc == 0, err
    assert out.splitlines() == [
        '0.0 -1.0 -inf inf True',
        # numpy's own __getattr__ again; np.bool stays (mxnet uses it at run time)
        'False True True',
        'numpy.alltrue was removed from NumPy %s, which MXNet 1.9.1 falls back to here'
        % out.split('NumPy ')[1].split(',')[0],
        '6.0',
    ]


@pytest.mark.slow
def test_without_the_hook_the_simulated_numpy_breaks_mxnet():
    rc, out, err = python(SIMULATE_REMOVALS + 'import mxnet\n', D2L_CONV_MXNET_COMPAT='0')  # off in .pth too
    assert rc == 1 and 'AttributeError' in err


@pytest.mark.slow
def test_switched_off_by_the_environment_variable():
    rc, out, err = python(SIMULATE_REMOVALS + """
import d2l_conv_compat
print(d2l_conv_compat.install())
import d2l_conv
""", D2L_CONV_MXNET_COMPAT='0')
    assert rc == 1 and out == 'False\n'
    assert err.splitlines()[-1].startswith('ImportError: mxnet 1.9.1 does not import with numpy ')
    assert err.splitlines()[-1].endswith('; unset D2L_CONV_MXNET_COMPAT')


@pytest.mark.slow
def test_real_numpy_changed_only_where_needed():
    """numpy <= 1.23 and 2.x: nothing bound; 1.24-1.26: np.bool alone."""
    rc, out, err = python("""
import types
import numpy
before = set(numpy.__dict__)
import d2l_conv_compat
d2l_conv_compat.install()
import mxnet
print(sorted(k for k in set(numpy.__dict__) - before  # numpy 2 imports its submodules lazily
             if not isinstance(numpy.__dict__[k], types.ModuleType)), numpy.__version__)
""")
    assert rc == 0, err
    added, version = out.rsplit(' ', 1)
    major_minor = tuple(int(v) for v in version.split('.')[:2])
    assert added == ("['bool']" if (1, 24) <= major_minor < (2, 0) else '[]')


@pytest.mark.slow
def test_cuda_build_without_its_libraries_is_one_import_error(tmp_path):
    fake = tmp_path / 'mxnet'
    fake.mkdir()
    (fake / '__init__.py').write_text(
        "raise OSError('libcudnn.so.8: cannot open shared object file: No such file or directory')\n")
    res = subprocess.run([sys.executable, '-c', 'import d2l_conv'], cwd=str(tmp_path),
                         env=dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    last = res.stderr.splitlines()[-1]
    assert last.startswith('ImportError: ') and 'could not load libcudnn.so.8, which cuDNN 8 for CUDA 11 provides' \
        in last and 'CUDA 11.2 runtime' in last and 'NCCL 2' in last and 'NVIDIA driver' in last
    assert 'OSError' not in res.stderr  # raised "from None": one error, not a chain


SITE_PACKAGES = sysconfig.get_paths()['purelib']
INSTALLED_PTH = os.path.join(SITE_PACKAGES, 'd2l_conv_compat.pth')
# pip's record of an install, regular or editable; a bare checkout on PYTHONPATH has none
needs_install = pytest.mark.skipif(not glob.glob(os.path.join(SITE_PACKAGES, 'd2l_conv-*.dist-info')),
                                   reason='d2l_conv is not installed here (a bare checkout)')


@needs_install
def test_install_put_the_pth_in_site_packages():
    with open(INSTALLED_PTH, encoding='utf-8') as f, open(os.path.join(ROOT, 'd2l_conv_compat.pth')) as source:
        assert f.read() == source.read()  # fails if an install (editable too) left it out, or an old one is left


@pytest.mark.slow
@needs_install
def test_installed_hook_costs_no_import_at_start():
    res = subprocess.run([sys.executable, '-c', "import sys; print('numpy' in sys.modules, 'mxnet' in sys.modules, "
                          "[type(f).__module__ for f in sys.meta_path].count('d2l_conv_compat'))"],
                         cwd=os.path.dirname(ROOT), env=dict(os.environ, PYTHONPATH=''),
                         capture_output=True, text=True, timeout=60)
    assert res.stdout == 'False False 1\n', res.stderr


@pytest.mark.slow
def test_the_hook_module_imports_nothing_heavy():
    """What the .pth costs every interpreter: d2l_conv_compat and math, not threading, typing or importlib.abc."""
    code = ("import math, os, sys; before = set(sys.modules); import d2l_conv_compat; d2l_conv_compat.install(); "
            "print(sorted(set(sys.modules) - before))")  # os: what site imports anyway
    res = subprocess.run([sys.executable, '-S', '-c', code], env=dict(os.environ, PYTHONPATH=ROOT),  # -S: no .pth
                         cwd=os.path.dirname(ROOT), capture_output=True, text=True, timeout=60)
    assert res.stdout == "['d2l_conv_compat']\n", res.stderr


@pytest.mark.slow
@needs_install
def test_installed_hook_lets_in1_run_as_printed():
    """The chapter's In[1] first, with no d2l_conv import, as in a fresh notebook kernel."""
    res = subprocess.run([sys.executable, '-c', SIMULATE_REMOVALS + 'from mxnet import autograd, nd\n'
                          'from mxnet.gluon import nn\nprint(nd.array([[0, 1], [2, 3]]).sum())'],
                         cwd=os.path.dirname(ROOT), env=dict(os.environ, PYTHONPATH=''),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout == '\n[6.]\n<NDArray 1 @cpu(0)>\n'


@pytest.mark.slow
def test_untested_newer_python_gets_one_warning_line():
    rc, out, err = python("""
import sys, warnings
import mxnet  # first: other libraries read sys.version_info too
sys.version_info = (3, 16, 0, 'final', 0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    import d2l_conv
print([str(w.message) for w in caught if w.category is RuntimeWarning])
""")
    assert rc == 0, err
    assert out == "['d2l_conv is tested on Python 3.8 to 3.15, not on 3.16']\n"


@pytest.mark.slow
def test_a_missing_dependency_of_mxnet_is_named():
    rc, out, err = python("import sys; sys.modules['requests'] = None; import d2l_conv")
    assert rc == 1
    assert err.splitlines()[-1] == 'ImportError: mxnet is installed but cannot import requests: pip install requests'


@pytest.mark.slow
def test_hook_recovers_after_a_failed_import():
    """numpy broken on the first try (say, in a notebook), mended, then mxnet imports patched."""
    rc, out, err = python("""
import sys
import d2l_conv_compat
d2l_conv_compat.install()
sys.modules['numpy'] = None
try:
    import mxnet
except ImportError:
    pass
del sys.modules['numpy']
for name in [m for m in sys.modules if m.split('.')[0] == 'mxnet']:
    del sys.modules[name]
print(d2l_conv_compat._depth)
""" + SIMULATE_REMOVALS + """
import mxnet
print(mxnet.np.PZERO)
""")
    assert (rc, out) == (0, '0\n0.0\n'), err


class HandOff:
    """A meta-path finder that, like d2l_conv_compat's, asks the rest of sys.meta_path for mxnet."""
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] != 'mxnet':
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, 'find_spec'):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    return spec
        return None


@pytest.mark.slow
@pytest.mark.parametrize('where', ['before', 'after'])
def test_another_finder_that_hands_off_to_the_others(where):
    """Each finder asks the other: without a guard, import mxnet ends in RecursionError."""
    import inspect
    rc, out, err = python(SIMULATE_REMOVALS + "import sys\n" + inspect.getsource(HandOff) + """
import d2l_conv_compat
d2l_conv_compat.install()
sys.meta_path.insert(%d, HandOff())
import mxnet
print(type(mxnet.__spec__.loader).__name__, type(mxnet.ndarray.__spec__.loader).__name__, mxnet.np.PZERO)
""" % (0 if where == 'before' else 1))
    assert (rc, out) == (0, '_Loader _Loader 0.0\n'), err


@pytest.fixture
def wrapped_loader(tmp_path):
    path = str(tmp_path / 'm.py')
    return d2l_conv_compat._Loader(importlib.machinery.SourceFileLoader('mxnet.m', path)), path


def test_wrapped_loader_copies_and_pickles(wrapped_loader):
    """copy and pickle make the copy with __new__ and look up __setstate__ before 'loader' exists."""
    loader, path = wrapped_loader
    assert copy.copy(loader).loader is loader.loader
    spec = copy.deepcopy(importlib.machinery.ModuleSpec('mxnet.m', loader, origin=path))
    assert type(spec.loader) is d2l_conv_compat._Loader and spec.loader.loader.path == path
    assert pickle.loads(pickle.dumps(loader)).loader.path == path


def test_wrapped_loader_forwards_only_the_real_loaders_methods(wrapped_loader):
    loader, path = wrapped_loader
    assert loader.get_filename() == path  # what importlib.resources and inspect ask of a loader
    bare = d2l_conv_compat._Loader.__new__(d2l_conv_compat._Loader)  # as copy makes it, before its state
    assert not hasattr(bare, 'loader') and not hasattr(bare, '__setstate__') and not hasattr(loader, '__wrapped__')


@pytest.mark.parametrize('value, on', [
    ('0', False), ('false', False), ('No', False), ('OFF', False), ('n', False), ('f', False), ('none', False),
    ('Disabled', False), ('0.0', False), (' 00 ', False),
    ('', True), ('1', True), ('true', True), ('yes', True), ('on', True), ('Y', True), ('enabled', True), ('2', True),
])
def test_switch_off_spellings(monkeypatch, value, on):
    monkeypatch.setenv(d2l_conv_compat.ENV, value)
    assert d2l_conv_compat.enabled() is on


def test_unknown_switch_value_warns_once_and_keeps_the_hook(monkeypatch):
    monkeypatch.setattr(d2l_conv_compat, '_warned', set())
    monkeypatch.setenv(d2l_conv_compat.ENV, 'nope')
    with pytest.warns(RuntimeWarning, match="D2L_CONV_MXNET_COMPAT='nope' is not a value .* stays on; use one of 0, "
                                            "false, no, off"):
        assert d2l_conv_compat.enabled() is True
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert d2l_conv_compat.enabled() is True  # no second warning


def test_unknown_switch_value_under_w_error_is_one_line_and_the_hook_stays(monkeypatch, capsys):
    """With -W error the warning used to raise out of the .pth's install(): a traceback at every start, no hook."""
    monkeypatch.setattr(d2l_conv_compat, '_warned', set())
    monkeypatch.setenv(d2l_conv_compat.ENV, 'maybe')
    monkeypatch.setattr(sys, 'meta_path', [f for f in sys.meta_path if not isinstance(f, d2l_conv_compat._Finder)])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert d2l_conv_compat.install() is True
    assert sum(isinstance(f, d2l_conv_compat._Finder) for f in sys.meta_path) == 1
    assert capsys.readouterr().err == ("RuntimeWarning: D2L_CONV_MXNET_COMPAT='maybe' is not a value d2l_conv_compat "
                                       "knows: the mxnet numpy hook stays on; use one of 0, false, no, off, n, f, "
                                       "none, disabled to switch it off\n")


SHADOW = 'X = 1  # a d2l_conv_compat.py of the user\'s, without install()\n'


@pytest.mark.slow
def test_pth_line_ignores_a_shadowing_module_quietly(tmp_path):
    """site runs the .pth line as below; a shadowing module made it print a traceback at every start."""
    (tmp_path / 'd2l_conv_compat.py').write_text(SHADOW)
    code = ("import site, sys; sys.path.insert(0, sys.argv[1]); site.addpackage(sys.argv[2], 'd2l_conv_compat.pth', "
            "set()); print(sys.modules['d2l_conv_compat'].__file__ == sys.argv[1] + '/d2l_conv_compat.py', "
            "[type(f).__name__ for f in sys.meta_path].count('_Finder'))")
    for shadow, expected in ((str(tmp_path), 'True 0\n'), (ROOT, 'True 1\n')):  # the real one installs the hook
        res = subprocess.run([sys.executable, '-S', '-c', code, shadow, ROOT], cwd=str(tmp_path),
                             capture_output=True, text=True, timeout=60)
        assert (res.returncode, res.stdout, res.stderr) == (0, expected, '')


@pytest.mark.slow
@needs_install
def test_installed_pth_ignores_a_shadowing_module_quietly(tmp_path):
    (tmp_path / 'd2l_conv_compat.py').write_text(SHADOW)
    res = subprocess.run([sys.executable, '-c', 'print(1)'], cwd=str(tmp_path), env=dict(os.environ,
                         PYTHONPATH=str(tmp_path)), capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stdout, res.stderr) == (0, '1\n', '')
