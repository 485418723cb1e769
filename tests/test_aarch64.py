"""d2l_conv_armpl, on this x86_64 machine: the stand-in ELF files, and when they are (not) used.

The stand-ins themselves run under qemu-aarch64 in ``.ci/aarch64`` (In[8]/Out[9]
to the digit, the one-process tests, and the one-line error without OpenBLAS).
Here an x86_64 stand-in shows that glibc loads what :func:`standin` writes and
lets it satisfy its ``SONAME`` and ``NEEDED``; the platform test is patched to
simulate aarch64, with library names of our own so nothing stays loaded that
could matter to another test.
"""
import ctypes
import functools
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import d2l_conv_armpl
from conftest import ROOT

EM_X86_64 = 62
x86_64_linux = pytest.mark.skipif(not (sys.platform.startswith('linux') and os.uname().machine == 'x86_64'),
                                  reason='loads x86_64 stand-ins')


def dynamic_entries(data):
    """(e_machine, e_type, [(tag name, string)] of the dynamic section), read by the program headers."""
    assert data[:6] == b'\x7fELF\x02\x01'  # ELF64, little-endian
    e_type, e_machine = struct.unpack_from('<HH', data, 16)
    phoff, = struct.unpack_from('<Q', data, 32)
    phentsize, phnum = struct.unpack_from('<HH', data, 54)
    segments = [struct.unpack_from('<IIQQQQQQ', data, phoff + i * phentsize) for i in range(phnum)]
    dyn = next(s for s in segments if s[0] == 2)  # PT_DYNAMIC
    load = next(s for s in segments if s[0] == 1)  # PT_LOAD, mapped at its p_vaddr
    assert load[2] == load[3] == 0 and load[5] == len(data)
    tags = [struct.unpack_from('<qQ', data, dyn[2] + 16 * i) for i in range(dyn[5] // 16)]
    strtab = dict(tags)[5]
    names = {1: 'NEEDED', 14: 'SONAME'}
    return e_machine, e_type, [(names[t], data[strtab + v:data.index(b'\0', strtab + v)].decode())
                               for t, v in tags if t in names]


def test_standin_is_an_aarch64_shared_object_with_only_soname_and_needed():
    data = d2l_conv_armpl.standin('libarmpl_lp64_mp.so', ('libblas.so.3', 'liblapacke.so.3'))
    assert dynamic_entries(data) == (183, 3, [('NEEDED', 'libblas.so.3'), ('NEEDED', 'liblapacke.so.3'),
                                              ('SONAME', 'libarmpl_lp64_mp.so')])
    assert dynamic_entries(d2l_conv_armpl.standin('libamath.so')) == (183, 3, [('SONAME', 'libamath.so')])


@pytest.mark.skipif(shutil.which('readelf') is None, reason='no readelf')
def test_readelf_reads_the_standin(tmp_path):
    path = tmp_path / 'standin.so'
    path.write_bytes(d2l_conv_armpl.standin('libamath.so', ('libm.so.6',)))
    out = subprocess.run(['readelf', '-hd', str(path)], capture_output=True, text=True, check=True).stdout
    assert 'AArch64' in out and 'DYN (Shared object file)' in out
    assert 'Shared library: [libm.so.6]' in out and 'Library soname: [libamath.so]' in out


@x86_64_linux
def test_glibc_loads_a_standin_and_satisfies_its_soname_and_needed():
    soname = 'libd2l_conv_test_standin_%d.so' % os.getpid()
    with pytest.raises(OSError, match=soname):
        ctypes.CDLL(soname)  # no such file anywhere
    standin = d2l_conv_armpl.load_standin(soname, ('libm.so.6',), machine=EM_X86_64)
    assert os.readlink('/proc/self/fd/%d' % standin.memfd).startswith('/memfd:' + soname)
    by_soname = ctypes.CDLL(soname)  # what libmxnet.so's NEEDED entry does
    assert by_soname._handle == standin._handle
    by_soname.cos.restype, by_soname.cos.argtypes = ctypes.c_double, [ctypes.c_double]
    assert by_soname.cos(0.0) == 1.0  # found in libm.so.6, its NEEDED: the handle's own scope
    empty = d2l_conv_armpl.load_standin(soname.replace('.so', '_empty.so'), machine=EM_X86_64)
    with pytest.raises(AttributeError, match='undefined symbol: cos'):
        empty.cos  # nothing but what it pulls in, which is nothing


@x86_64_linux
def test_nothing_happens_off_aarch64():
    before = os.listdir('/proc/self/fd')
    assert not d2l_conv_armpl.applies()
    assert d2l_conv_armpl.load() == []
    assert os.listdir('/proc/self/fd') == before


@pytest.fixture
def simulated_aarch64(monkeypatch, tmp_path):
    """applies() is true, ARMPL's names are ours, new in each test (nothing here loads the real ones),
    and tmp_path holds a libmxnet.so that needs them."""
    tag = '%d_%s' % (os.getpid(), tmp_path.name)
    names = {'libd2l_conv_armpl_%s.so' % tag: ('libd2l_conv_blas_%s.so.3' % tag,),
             'libd2l_conv_amath_%s.so' % tag: (), 'libd2l_conv_astring_%s.so' % tag: ()}
    monkeypatch.setattr(d2l_conv_armpl, 'applies', lambda: True)
    monkeypatch.setattr(d2l_conv_armpl, 'ARMPL', names)
    # the wheel's libmxnet.so as far as load() reads it: what it needs
    (tmp_path / 'libmxnet.so').write_bytes(d2l_conv_armpl.standin('libmxnet.so', ('libm.so.6',) + tuple(names)))
    return names


@x86_64_linux
def test_armpl_next_to_libmxnet_is_used_as_it_is(simulated_aarch64, tmp_path):
    for name in simulated_aarch64:  # "ArmPL": x86_64 files with those names, next to libmxnet.so
        (tmp_path / name).write_bytes(d2l_conv_armpl.standin(name, machine=EM_X86_64))
    assert d2l_conv_armpl.load(str(tmp_path)) == []  # a stand-in (aarch64 here) would raise
    with open('/proc/self/maps') as maps:
        mapped = maps.read()
    assert all(str(tmp_path / name) in mapped for name in simulated_aarch64)


@x86_64_linux
def test_standins_for_the_armpl_libraries_that_do_not_load_and_for_nothing_else(simulated_aarch64, tmp_path,
                                                                                 monkeypatch):
    """With x86_64 stand-ins (OpenBLAS played by libm.so.6): each ArmPL name gets one, once; other names none."""
    monkeypatch.setattr(d2l_conv_armpl, 'ARMPL', {name: ('libm.so.6',) * bool(needed)
                                                  for name, needed in simulated_aarch64.items()})
    monkeypatch.setattr(d2l_conv_armpl, 'load_standin', functools.partial(d2l_conv_armpl.load_standin,
                                                                          machine=EM_X86_64))
    other = 'libd2l_conv_other_%s.so' % tmp_path.name  # not ArmPL's, and absent: mxnet's own error would say so
    (tmp_path / 'libmxnet.so').write_bytes(d2l_conv_armpl.standin('libmxnet.so', (other,) + tuple(simulated_aarch64)))
    assert d2l_conv_armpl.load(str(tmp_path)) == list(simulated_aarch64)
    assert d2l_conv_armpl.load(str(tmp_path)) == []  # glibc finds the loaded stand-ins by their SONAME


@x86_64_linux
def test_a_libmxnet_that_needs_no_armpl_is_left_alone(simulated_aarch64, tmp_path):
    """A build of one's own (a Jetson's, say), without OpenBLAS or ArmPL: mxnet's own error, not ours."""
    (tmp_path / 'libmxnet.so').write_bytes(d2l_conv_armpl.standin('libmxnet.so', ('libm.so.6',)))
    assert d2l_conv_armpl.load(str(tmp_path)) == []
    os.remove(tmp_path / 'libmxnet.so')
    assert d2l_conv_armpl.load(str(tmp_path)) == []


@pytest.mark.skipif(shutil.which('readelf') is None, reason='no readelf')
def test_needed_reads_what_readelf_reads():
    init = importlib.util.find_spec('mxnet').origin  # found, not imported
    path = os.path.join(os.path.dirname(init), 'libmxnet.so')  # this machine's: 100 MB, read by its headers
    out = subprocess.run(['readelf', '-d', path], capture_output=True, text=True, check=True).stdout
    expected = [line.split('[')[1].rstrip(']') for line in out.splitlines() if '(NEEDED)' in line]
    assert len(expected) > 5 and d2l_conv_armpl.needed(path) == expected
    with pytest.raises(ValueError, match='__init__.py is not a little-endian ELF64 file'):
        d2l_conv_armpl.needed(init)  # mxnet/__init__.py


@x86_64_linux
def test_a_standin_that_cannot_load_is_one_import_error(simulated_aarch64, tmp_path, monkeypatch):
    """Here: OpenBLAS "found" (libm.so.6 stands for it), and the aarch64 stand-in cannot load on x86_64."""
    monkeypatch.setattr(d2l_conv_armpl, 'ARMPL', {name: ('libm.so.6',) * bool(needed)
                                                  for name, needed in simulated_aarch64.items()})
    with pytest.raises(ImportError, match=r'^mxnet on Linux aarch64: the stand-in for libd2l_conv_armpl_\S+ '
                                          r'\(see d2l_conv_armpl\) did not load: /proc/self/fd/\d+: '):
        d2l_conv_armpl.load(str(tmp_path))


@x86_64_linux
def test_neither_armpl_nor_openblas_is_one_import_error_naming_both_ways(simulated_aarch64, tmp_path):
    with pytest.raises(ImportError) as error:
        d2l_conv_armpl.load(str(tmp_path))
    message = str(error.value)
    blas, = next(iter(simulated_aarch64.values()))
    assert message == d2l_conv_armpl.MESSAGE % blas
    assert '\n' not in message
    assert 'apt-get install libopenblas0 liblapacke' in message
    assert 'ArmPL from Arm (https://developer.arm.com/downloads/-/arm-performance-libraries)' in message


@x86_64_linux
def test_the_message_names_only_the_libraries_that_did_not_load(simulated_aarch64, tmp_path, monkeypatch):
    armpl = next(iter(simulated_aarch64))
    absent = 'libd2l_conv_absent_%s.so.3' % tmp_path.name
    monkeypatch.setattr(d2l_conv_armpl, 'ARMPL', dict(simulated_aarch64, **{armpl: ('libm.so.6', absent)}))
    with pytest.raises(ImportError, match=r'nor OpenBLAS with LAPACKE \(%s did not load\)' % absent):
        d2l_conv_armpl.load(str(tmp_path))


SIMULATE_NEITHER = """
import d2l_conv_armpl
d2l_conv_armpl.applies = lambda: True
d2l_conv_armpl.ARMPL = {'libd2l_conv_absent_armpl.so': ('libd2l_conv_absent_blas.so.3',)}
"""
NEITHER = 'ImportError: ' + d2l_conv_armpl.MESSAGE % 'libd2l_conv_absent_blas.so.3'


def last_line_of(tmp_path, code, **env):
    """Run ``code`` with an mxnet whose libmxnet.so needs the absent ArmPL (its __init__ must not run)."""
    (tmp_path / 'mxnet').mkdir()
    (tmp_path / 'mxnet' / '__init__.py').write_text('raise AssertionError("libmxnet.so would load now")\n')
    (tmp_path / 'mxnet' / 'libmxnet.so').write_bytes(
        d2l_conv_armpl.standin('libmxnet.so', ('libd2l_conv_absent_armpl.so',)))
    res = subprocess.run([sys.executable, '-c', textwrap.dedent(SIMULATE_NEITHER + code)], cwd=str(tmp_path),
                         env=dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + ROOT, **env),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    return res.stderr.splitlines()[-1]


@pytest.mark.slow
@x86_64_linux
def test_in1_first_without_blas_gets_the_message_from_the_hook(tmp_path):
    code = 'import d2l_conv_compat\nd2l_conv_compat.install()\nfrom mxnet import autograd, nd\n'
    assert last_line_of(tmp_path, code) == NEITHER


@pytest.mark.slow
@x86_64_linux
def test_import_d2l_conv_without_blas_gets_the_message_with_the_hook_off(tmp_path):
    assert last_line_of(tmp_path, 'import d2l_conv\n', D2L_CONV_MXNET_COMPAT='0') == NEITHER


@pytest.mark.slow
@pytest.mark.skipif(sys.version_info < (3, 12), reason='distutils is in the standard library before 3.12')
def test_python_dash_s_says_why_distutils_is_missing():
    """-S skips setuptools' distutils-precedence.pth; "pip install setuptools" would not help."""
    site_packages = sysconfig.get_paths()['purelib']
    res = subprocess.run([sys.executable, '-S', '-c', 'import sys; sys.path.append(%r); import d2l_conv'
                          % site_packages], cwd=os.path.dirname(ROOT), env=dict(os.environ, PYTHONPATH=ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    error = res.stderr.splitlines()[-1]
    assert error.startswith('ImportError: mxnet is installed but cannot import distutils: ')
    assert 'distutils-precedence.pth, which python -S skipped' in error and 'import setuptools before mxnet' in error
