"""d2l_conv_compat: mxnet 1.9.1 imports on numpy versions that removed names it uses.

Each case runs in a fresh interpreter, since mxnet imports once per process. The
numpy 2 removals are simulated on whatever numpy is installed, so that every
Python of CI checks the placeholders, not only 3.13.
"""
import glob
import os
import subprocess
import sys
import sysconfig
import textwrap

import pytest

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


def test_without_the_hook_the_simulated_numpy_breaks_mxnet():
    rc, out, err = python(SIMULATE_REMOVALS + 'import mxnet\n', D2L_CONV_MXNET_COMPAT='0')  # off in .pth too
    assert rc == 1 and 'AttributeError' in err


def test_switched_off_by_the_environment_variable():
    rc, out, err = python(SIMULATE_REMOVALS + """
import d2l_conv_compat
print(d2l_conv_compat.install())
import d2l_conv
""", D2L_CONV_MXNET_COMPAT='0')
    assert rc == 1 and out == 'False\n'
    assert err.splitlines()[-1].startswith('ImportError: mxnet 1.9.1 does not import with numpy ')
    assert err.splitlines()[-1].endswith('; unset D2L_CONV_MXNET_COMPAT')


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
    with open(INSTALLED_PTH, encoding='utf-8') as f:  # fails if an install (editable too) left it out
        assert 'd2l_conv_compat.install()' in f.read()


@needs_install
def test_installed_hook_costs_no_import_at_start():
    res = subprocess.run([sys.executable, '-c', "import sys; print('numpy' in sys.modules, 'mxnet' in sys.modules, "
                          "[type(f).__module__ for f in sys.meta_path].count('d2l_conv_compat'))"],
                         cwd=os.path.dirname(ROOT), env=dict(os.environ, PYTHONPATH=''),
                         capture_output=True, text=True, timeout=60)
    assert res.stdout == 'False False 1\n', res.stderr


def test_the_hook_module_imports_nothing_heavy():
    """What the .pth costs every interpreter: d2l_conv_compat and math, not threading, typing or importlib.abc."""
    code = ("import math, os, sys; before = set(sys.modules); import d2l_conv_compat; d2l_conv_compat.install(); "
            "print(sorted(set(sys.modules) - before))")  # os: what site imports anyway
    res = subprocess.run([sys.executable, '-S', '-c', code], env=dict(os.environ, PYTHONPATH=ROOT),  # -S: no .pth
                         cwd=os.path.dirname(ROOT), capture_output=True, text=True, timeout=60)
    assert res.stdout == "['d2l_conv_compat']\n", res.stderr


@needs_install
def test_installed_hook_lets_in1_run_as_printed():
    """The chapter's In[1] first, with no d2l_conv import, as in a fresh notebook kernel."""
    res = subprocess.run([sys.executable, '-c', SIMULATE_REMOVALS + 'from mxnet import autograd, nd\n'
                          'from mxnet.gluon import nn\nprint(nd.array([[0, 1], [2, 3]]).sum())'],
                         cwd=os.path.dirname(ROOT), env=dict(os.environ, PYTHONPATH=''),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout == '\n[6.]\n<NDArray 1 @cpu(0)>\n'


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


def test_a_missing_dependency_of_mxnet_is_named():
    rc, out, err = python("import sys; sys.modules['requests'] = None; import d2l_conv")
    assert rc == 1
    assert err.splitlines()[-1] == 'ImportError: mxnet is installed but cannot import requests: pip install requests'


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
