"""The scripts and the library under hostile use: nothing lost, nothing clobbered, no raw errors.

The scripts run in-process through ``main(argv)`` (no 2 s MXNet import per
case) except where the process itself matters: a closed stdout, and a full
disk in a private mount namespace.
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import signal
import threading
import time
from fractions import Fraction
from math import comb

import mxnet as mx
import numpy as np
import pytest
from mxnet import nd
from mxnet.gluon import nn

import d2l_conv
from conftest import ROOT
from d2l_conv import (Conv2D, convolve2d, corr2d, corr2d_fast, corr2d_matmul, diagonal_image, edge_kernel,
                      kernels, stripe_image, train_kernel, try_all_gpus, try_gpu)
from d2l_conv.files import atomic_write, check_writable

PNG = b'\x89PNG\r\n\x1a\n'
NO_GPU = pytest.mark.skipif(mx.context.num_gpus() > 0, reason='expects a machine without GPUs')


@pytest.fixture
def script(script_main, capsys, monkeypatch):
    """``script(NAME, *args)`` runs examples/NAME's main in-process: (exit status, stdout, stderr)."""
    def run(name, *args):
        monkeypatch.setattr(sys, 'argv', [name])  # argparse's prog, as from the shell
        try:
            script_main(name)(list(args))
            code = 0
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        return code, out, err
    return run


def _one_error_line(err, prog='learn_kernel.py'):
    """The text of the single ``PROG: error: ...`` line that a runtime failure prints (exit 1)."""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prog + ': error: '), err
    return lines[0][len(prog + ': error: '):]


def _usage_error(err, prog='learn_kernel.py'):
    usage, error = err.splitlines()
    assert usage == 'usage: %s [options]' % prog
    assert error.startswith(prog + ': error: ')
    return error[len(prog + ': error: '):]


def _learned(path):
    conv2d = nn.Conv2D(1, kernel_size=(1, 2))
    conv2d.load_parameters(str(path))
    return conv2d.weight.data().reshape((1, 2)).asnumpy()


def _mknod(path, minor):
    if os.geteuid() != 0:
        pytest.skip('making a device node needs root')
    try:
        os.mknod(str(path), 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (OSError, AttributeError) as e:
        pytest.skip('cannot make a device node here: %s' % e)


# --save and --plot never lose or clobber anything

def test_device_nodes_are_written_through_never_replaced(script, tmp_path):
    """A node made here (never the machine's /dev/null): 1,3 is null, 1,7 is full."""
    _mknod(tmp_path / 'null', 3)
    _mknod(tmp_path / 'full', 7)
    code, out, err = script('learn_kernel.py', '--iters', '2', '--plot', str(tmp_path / 'null'))
    assert code == 0 and err == '' and out.endswith('<NDArray 1x2 @cpu(0)>\n')
    code, _, err = script('edge_detection.py', '--plot', str(tmp_path / 'null'))
    assert code == 0 and err == ''
    code, _, err = script('learn_kernel.py', '--iters', '2', '--save', str(tmp_path / 'full'))
    assert code == 1
    assert _one_error_line(err) == 'cannot write %s: No space left on device' % (tmp_path / 'full')
    for name in ('null', 'full'):
        assert stat.S_ISCHR(os.lstat(str(tmp_path / name)).st_mode), name  # still the device
    assert sorted(os.listdir(str(tmp_path))) == ['full', 'null']  # no temporary file beside them


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / 'fifo'
    os.mkfifo(str(fifo))
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)  # never blocks exit
    reader.start()

    def write(tmp):
        with open(tmp, 'wb') as f:
            f.write(b'hello')
    assert check_writable(str(fifo)) == str(fifo)
    atomic_write(str(fifo), write)
    reader.join(10)
    assert received == [b'hello'] and stat.S_ISFIFO(os.lstat(str(fifo)).st_mode)


def test_save_through_a_symlink_keeps_the_link(script, tmp_path):
    (tmp_path / 'real').mkdir()
    target = tmp_path / 'real' / 'target.params'
    target.write_bytes(b'stale')
    os.symlink(os.path.join('real', 'target.params'), str(tmp_path / 'link.params'))
    code, _, err = script('learn_kernel.py', '--save', str(tmp_path / 'link.params'))
    assert code == 0, err
    assert os.readlink(str(tmp_path / 'link.params')) == os.path.join('real', 'target.params')
    np.testing.assert_array_equal(_learned(target), np.array([[0.9895, -0.9873705]], np.float32))
    assert sorted(os.listdir(str(tmp_path))) == ['link.params', 'real'] and os.listdir(str(tmp_path / 'real')) == [
        'target.params']


def test_a_symlink_loop_is_refused_and_kept(script, tmp_path):
    os.symlink('b', str(tmp_path / 'a'))
    os.symlink('a', str(tmp_path / 'b'))
    code, _, err = script('learn_kernel.py', '--save', str(tmp_path / 'a'))
    assert code == 2 and _usage_error(err) == 'argument --save: %s is a loop of symbolic links' % (tmp_path / 'a')
    with pytest.raises(OSError, match='loop of symbolic links'):
        atomic_write(str(tmp_path / 'b'), lambda tmp: open(tmp, 'wb').close())
    assert os.readlink(str(tmp_path / 'a')) == 'b' and os.readlink(str(tmp_path / 'b')) == 'a'
    assert sorted(os.listdir(str(tmp_path))) == ['a', 'b']


def test_an_existing_file_keeps_its_mode(script, tmp_path):
    target = tmp_path / 'k.params'
    target.write_bytes(b'old')
    os.chmod(str(target), 0o600)
    code, _, err = script('learn_kernel.py', '--iters', '2', '--save', str(target))
    assert code == 0, err
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o600 and target.read_bytes() != b'old'
    os.chmod(str(target), 0o640)
    atomic_write(str(target), lambda tmp: open(tmp, 'wb').close())
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o640 and target.read_bytes() == b''


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, umask, mode):
    """Not mkstemp's private 0600: the chmod in atomic_write."""
    old = os.umask(umask)
    try:
        atomic_write(str(tmp_path / 'new'), lambda tmp: open(tmp, 'wb').close())
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'new')).st_mode) == mode


def test_a_write_that_does_not_load_back_keeps_the_old_file(script, tmp_path, monkeypatch):
    """What a full disk does to MXNet's save_parameters: it writes nothing and reports nothing."""
    target = tmp_path / 'k.params'
    target.write_bytes(b'the good file')
    monkeypatch.setattr(nn.Block, 'save_parameters', lambda self, path, *a, **k: open(path, 'wb').close())
    code, out, err = script('learn_kernel.py', '--iters', '2', '--save', str(target))
    assert code == 1 and 'NDArray 1x2' in out
    assert _one_error_line(err).startswith(
        'cannot write %s: the written file does not read back (is the disk full?)' % target)
    assert target.read_bytes() == b'the good file' and os.listdir(str(tmp_path)) == ['k.params']


def test_full_disk_keeps_the_old_params(tmp_path):
    """A 64 KiB tmpfs in a private mount namespace, filled up: the second --save fails, the first file stays."""
    if os.geteuid() != 0 or not shutil.which('unshare'):
        pytest.skip('needs root and unshare')
    disk = tmp_path / 'disk'
    disk.mkdir()
    shell = r'''
        mount -t tmpfs -o size=64k tmpfs "$D" || exit 0
        touch "$T/mounted"
        "$PY" "$S" --iters 2 --save "$D/k.params" > /dev/null || exit 3
        cp "$D/k.params" "$T/good.params"
        head -c 1000000 /dev/zero > "$D/fill" 2> /dev/null
        "$PY" "$S" --save "$D/k.params" > /dev/null 2> "$T/err"
        echo $? > "$T/rc"
        cp "$D/k.params" "$T/after.params"
        ls -A "$D" > "$T/ls"
    '''
    env = dict(os.environ, D=str(disk), T=str(tmp_path), PY=sys.executable,
               S=os.path.join(ROOT, 'examples', 'learn_kernel.py'),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run(['unshare', '-m', 'sh', '-c', shell], env=env, capture_output=True, text=True,
                         timeout=240)
    if not (tmp_path / 'mounted').exists():
        pytest.skip('cannot mount a tmpfs in a private namespace here: %s' % res.stderr.strip())
    assert res.returncode == 0, res.stderr
    assert (tmp_path / 'rc').read_text() == '1\n'
    err = (tmp_path / 'err').read_text()
    assert 'Traceback' not in err and len(err.splitlines()) == 1
    assert err.startswith('learn_kernel.py: error: cannot write %s/k.params: the written file does not read back '
                          '(is the disk full?): ' % disk)
    good = (tmp_path / 'good.params').read_bytes()
    assert len(good) > 0 and (tmp_path / 'after.params').read_bytes() == good  # byte for byte
    assert (tmp_path / 'ls').read_text().split() == ['fill', 'k.params']  # no temporary file left
    assert not os.listdir(str(disk))  # the tmpfs was private to the namespace


def test_a_name_of_255_bytes_is_written(tmp_path):
    path = tmp_path / ('k' * 248 + '.params')
    atomic_write(str(path), lambda tmp: open(tmp, 'wb').close())
    assert os.listdir(str(tmp_path)) == [path.name]


def test_save_and_plot_to_one_file_is_a_usage_error(script, tmp_path):
    path = str(tmp_path / 'k.png')
    code, out, err = script('learn_kernel.py', '--save', path, '--plot', path)
    assert code == 2 and out == ''
    assert _usage_error(err) == '--save and --plot name the same file %s; give each its own' % path
    os.symlink('k.png', str(tmp_path / 'link.png'))  # the same file under another name
    code, _, err = script('learn_kernel.py', '--save', path, '--plot', str(tmp_path / 'link.png'))
    assert code == 2 and 'name the same file' in _usage_error(err)
    assert os.listdir(str(tmp_path)) == ['link.png']


@pytest.mark.parametrize('name, option', [('learn_kernel.py', '--save'), ('learn_kernel.py', '--plot'),
                                          ('edge_detection.py', '--plot')])
def test_an_empty_path_is_a_usage_error(script, name, option):
    code, out, err = script(name, option, '')
    assert code == 2 and out == ''
    assert _usage_error(err, name) == 'argument %s: the path is empty' % option


@pytest.mark.parametrize('ext, head, tail', [('png', PNG, b'IEND\xaeB`\x82'), ('pdf', b'%PDF-', b'%%EOF'),
                                             ('svg', b'<?xml', b'</svg>')])
def test_plot_format_follows_the_extension(script, tmp_path, ext, head, tail):
    path = tmp_path / ('edges.' + ext.upper())
    code, _, err = script('edge_detection.py', '--plot', str(path))
    assert code == 0, err
    data = path.read_bytes()
    assert data.startswith(head) and data.rstrip().endswith(tail)


@pytest.mark.parametrize('name', ['learn_kernel.py', 'edge_detection.py'])
def test_an_unknown_picture_extension_is_a_usage_error(script, tmp_path, name):
    code, _, err = script(name, '--plot', str(tmp_path / 'k.jpg'))
    assert code == 2
    assert _usage_error(err, name) == ('argument --plot: cannot write a picture named k.jpg; '
                                       'use a .png, .pdf or .svg file name')
    assert os.listdir(str(tmp_path)) == []


def test_directory_removed_while_training_is_one_line(script, tmp_path, monkeypatch):
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    train = d2l_conv.train_kernel

    def train_then_remove(*args, **kwargs):
        result = train(*args, **kwargs)
        shutil.rmtree(str(out_dir))
        return result
    monkeypatch.setattr(d2l_conv, 'train_kernel', train_then_remove)
    code, _, err = script('learn_kernel.py', '--iters', '2', '--save', str(out_dir / 'k.params'))
    assert code == 1
    assert _one_error_line(err) == 'cannot write %s: No such file or directory' % (out_dir / 'k.params')


# Training that goes wrong says so

@pytest.mark.parametrize('args, message', [
    (['--lr', '1', '--iters', '40'], 'the loss became inf at batch 13: lr=1.0 is too large'),
    (['--lr', '1e308'], 'the loss became nan at batch 2: lr=1e+308 is too large'),
    (['--lr', '1e308', '--iters', '1'], 'the weight became non-finite at batch 1: lr=1e+308 is too large'),
])
def test_diverging_training_exits_1_and_saves_nothing(script, tmp_path, args, message):
    code, out, err = script('learn_kernel.py', *args, '--save', str(tmp_path / 'k.params'))
    assert code == 1 and 'nan' not in out and 'inf' not in out.replace('loss', '')
    assert _one_error_line(err) == message
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('args, message', [
    (['--lr', '1e-320'], 'argument --lr: must be at least 2.2250738585072014e-308 (the smallest normal float), '
                         'got 1e-320'),
    (['--seed', '4294967296'], "argument --seed: must be from -2147483648 to 2147483647 (MXNet's seeds), "
                               "got 4294967296"),
    (['--seed', '-2147483649'], "argument --seed: must be from -2147483648 to 2147483647 (MXNet's seeds), "
                                "got -2147483649"),
    (['--seed', '1.5'], "argument --seed: invalid seed value: '1.5'"),
])
def test_out_of_range_numbers_are_usage_errors(script, args, message):
    code, out, err = script('learn_kernel.py', *args)
    assert code == 2 and out == ''
    assert _usage_error(err) == message


def test_seeds_at_the_ends_of_the_range_are_distinct(script):
    """4294967296 used to be seed 0 again; the ends of MXNet's range are accepted and differ."""
    runs = [script('learn_kernel.py', '--iters', '2', '--seed', seed) for seed in ('-2147483648', '2147483647', '0')]
    assert [code for code, _, _ in runs] == [0, 0, 0]
    assert len({out for _, out, _ in runs}) == 3


@pytest.mark.parametrize('name', ['edge_detection.py', 'learn_kernel.py'])
def test_a_closed_stdout_ends_quietly(name):
    """``script | head -1``, made deterministic: the reader is gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    try:
        res = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', name)], stdout=write_end,
                             stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        os.close(write_end)
    assert res.stderr == b'' and res.returncode == 141  # 128 + SIGPIPE, as a shell reports `yes | head -1`


# Raw errors that no longer get through the library

X6 = stripe_image()
Y6 = corr2d(X6, edge_kernel())


@pytest.mark.parametrize('kwargs, error, match', [
    ({'Y': Y6.T}, ValueError, r'Y must have shape \(6, 7\) \(the output of the \(1, 2\) kernel on X of shape '
                              r'\(6, 8\)\), got \(7, 6\)'),
    ({'Y': nd.ones((6, 6))}, ValueError, r'Y must have shape \(6, 7\)'),
    ({'X': X6.astype('float64'), 'Y': Y6.astype('float64')}, TypeError,
     r"the default layer computes in float32, but X and Y are float64; cast them with astype\('float32'\)"),
    ({'X': X6.astype('int32'), 'Y': Y6.astype('int32')}, TypeError, 'X and Y are int32'),
    ({'X': X6.astype('int32')}, TypeError, 'X is int32 but Y is float32; cast one with astype'),
    ({'X': X6.asnumpy()}, TypeError, r'X must be an mxnet NDArray, got ndarray; convert it with nd.array\(X\)'),
    ({'X': None}, TypeError, 'X must be an mxnet NDArray, got NoneType'),
    ({'Y': None}, TypeError, 'Y must be an mxnet NDArray, got NoneType'),
    ({'X': nd.ones((6,))}, ValueError, r'X must be 2-D, got shape \(6,\)'),
    ({'X': nd.ones((6, 1)), 'Y': nd.array(np.ones((6, 0)))}, ValueError, 'Y must not be empty'),
    ({'X': nd.ones((6, 1)), 'Y': nd.ones((6, 1))}, ValueError, 'X must have at least 2 columns'),
    ({'lr': 1e-310}, ValueError, r'lr must be at least 2.2250738585072014e-308 \(the smallest normal float'),
    ({'lr': 10 ** 400}, ValueError, 'lr must be a positive finite number, got 1000'),
    ({'lr': Fraction(1, 10 ** 400)}, ValueError, r'lr must be at least .*, got Fraction\(1, 1'),
    ({'lr': True}, ValueError, 'lr must be a positive finite number, got True'),
    ({'lr': 'abc'}, ValueError, "lr must be a positive finite number, got 'abc'"),
    ({'conv2d': Conv2D((1, 3), corr=corr2d_fast)}, ValueError, r"Y must have the layer's output shape \(6, 6\), "
                                                               r"got \(6, 7\)"),
])
def test_train_kernel_checks_its_data(kwargs, error, match):
    args = {'X': X6, 'Y': Y6, 'num_iters': 2, 'log': None}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train_kernel(**args)


def test_train_kernel_takes_any_real_lr():
    """A Fraction is a real number: it trains as its float value does."""
    mx.random.seed(0)
    _, exact = train_kernel(X6, Y6, lr=Fraction(3, 100), log=None)
    mx.random.seed(0)
    _, plain = train_kernel(X6, Y6, lr=0.03, log=None)
    assert exact == plain and round(exact[-1], 3) == 0.004


def test_train_kernel_stops_when_the_loss_diverges():
    with pytest.raises(FloatingPointError, match=r'the loss became (inf|nan) at batch \d+: lr=10 is too large'):
        train_kernel(X6, Y6, lr=10, num_iters=100, log=None)


@pytest.mark.parametrize('kernel_size', [2 ** 40, (1, 2 ** 31), (2 ** 16, 2 ** 16)])
def test_conv2d_refuses_kernels_mxnet_cannot_hold(kernel_size):
    with pytest.raises(ValueError, match=r"kernel_size .* entries; MXNet's arrays hold at most 2147483646"):
        Conv2D(kernel_size)


@NO_GPU
@pytest.mark.parametrize('make', [stripe_image, edge_kernel, diagonal_image])
def test_data_on_a_missing_gpu_is_a_value_error(make):
    with pytest.raises(ValueError, match=r'gpu\(0\) requested'):
        make(ctx=mx.gpu())
    with pytest.raises(TypeError, match='ctx must be an mx.Context'):
        make(ctx='cpu')


@pytest.mark.parametrize('n', [0, -1, 2.0, True])
def test_diagonal_image_needs_a_positive_size(n):
    with pytest.raises(ValueError, match='n must be a positive integer, got %r' % (n,)):
        diagonal_image(n)


@pytest.mark.parametrize('i', [-1, 1.5, True, '0'])
def test_try_gpu_needs_an_index(i):
    with pytest.raises(ValueError, match=re.escape('i must be a GPU index, an int >= 0, got %r' % (i,))):
        try_gpu(i)


@pytest.mark.parametrize('corr', [corr2d, corr2d_fast, convolve2d, corr2d_matmul])
@pytest.mark.parametrize('bool_x, bool_k', [(True, True), (True, False), (False, True)])
def test_bool_arrays_are_refused_by_all_four(corr, bool_x, bool_k):
    X, K = stripe_image(), edge_kernel()
    X, K = (X.astype('bool') if bool_x else X), (K.astype('bool') if bool_k else K)
    name = 'X' if bool_x else 'K'
    with pytest.raises(TypeError, match=r"^%s is bool; cast it with %s.astype\('float32'\)$" % (name, name)):
        corr(X, K)


def test_symbols_are_told_the_functions_are_imperative():
    class Hybrid(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            return corr2d_fast(x, x)
    block = Hybrid()
    block.hybridize()
    with pytest.raises(TypeError, match='X is a Symbol: these functions are imperative and take NDArrays'):
        block(nd.ones((3, 3)))
    with pytest.raises(TypeError, match='K is a Symbol'):
        corr2d(nd.ones((3, 3)), mx.sym.var('K'))


@pytest.mark.parametrize('dtype, limit', [('float16', 11), ('float32', 24), ('float64', 53)])
def test_derivative_is_exact_up_to_its_limit(dtype, limit):
    K = kernels.derivative(limit, dtype=dtype)
    assert K.dtype == np.dtype(dtype) and kernels.max_derivative_order(dtype) == limit
    assert K.asnumpy()[0].tolist() == [(-1) ** k * comb(limit, k) for k in range(limit + 1)]  # every tap exact
    if dtype != 'float16':  # MXNet has no float16 sum on the CPU worth trusting; the taps are the point
        ones = nd.ones((2, limit + 5), dtype=dtype)
        assert (corr2d(ones, K).asnumpy() == 0).all()  # a constant's derivative, exactly
    with pytest.raises(ValueError, match='d = %d is too large: %s taps are exact up to d = %d' % (limit + 1, dtype,
                                                                                                   limit)):
        kernels.derivative(limit + 1, dtype=dtype)


@pytest.mark.parametrize('d', [30, 200])
def test_derivative_beyond_float32s_limit_is_refused(d):
    with pytest.raises(ValueError, match=r"d = %d is too large: float32 taps are exact up to d = 24; "
                                         r"use dtype='float64' \(up to d = 53\)" % d):
        kernels.derivative(d)


@pytest.mark.parametrize('dtype', ['int32', None, 'nonsense'])
def test_derivative_needs_a_float_dtype(dtype):
    with pytest.raises(TypeError, match='dtype must be one of float16, float32, float64, got %r' % (dtype,)):
        kernels.derivative(2, dtype=dtype)


def test_ci_hypothesis_profile_is_reproducible():
    from hypothesis import settings
    assert settings.get_profile('ci').derandomize is True and settings.get_profile('ci').deadline is None


# Tests that catch real breakage

def test_fake_gpus_are_used(monkeypatch):
    """On a CPU machine try_gpu() == cpu() is trivially true: pretend to have two GPUs."""
    monkeypatch.setattr(d2l_conv.context, 'num_gpus', lambda: 2)
    assert try_gpu() == mx.gpu(0) and try_gpu(1) == mx.gpu(1) and try_gpu(2) == mx.cpu()
    assert try_all_gpus() == [mx.gpu(0), mx.gpu(1)]
    assert d2l_conv.parse_ctx('auto') == mx.gpu(0)
    monkeypatch.setattr(d2l_conv.context, 'num_gpus', lambda: 0)
    assert try_gpu() == mx.cpu() and try_all_gpus() == [mx.cpu()]


def _panels(fig):
    """{title: axes} of a figure (the colorbar has no title)."""
    return {ax.get_title(): ax for ax in fig.axes if ax.get_title()}


def test_each_heatmap_draws_its_own_array():
    from d2l_conv.plot import show_heatmaps
    X, D = stripe_image(), diagonal_image(6)
    arrays = [X, corr2d(X, edge_kernel()), D]
    panels = _panels(show_heatmaps(arrays, ['a', 'b', 'c']))
    assert sorted(panels) == ['a', 'b', 'c']
    for title, A in zip('abc', arrays):
        np.testing.assert_array_equal(panels[title].images[0].get_array(), A.asnumpy())
        texts = [float(t.get_text()) for t in panels[title].texts]
        np.testing.assert_array_equal(texts, A.asnumpy().ravel())  # the values written in the cells


def test_training_plot_draws_the_losses_and_each_kernel():
    from d2l_conv.plot import plot_training
    learned, true = nd.array([[0.75, -0.5]]), edge_kernel()
    panels = _panels(plot_training([4.9, 0.8, 0.1], learned.reshape((1, 1, 1, 2)), true))
    assert sorted(panels) == ['learned kernel', 'squared error', 'true kernel']
    line, = panels['squared error'].lines
    assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == [4.9, 0.8, 0.1]
    np.testing.assert_array_equal(panels['learned kernel'].images[0].get_array(), [[0.75, -0.5]])
    np.testing.assert_array_equal(panels['true kernel'].images[0].get_array(), [[1, -1]])


@pytest.mark.parametrize('set_np', [False, True])
@pytest.mark.parametrize('layer', ['gluon', 'custom'])
def test_train_kernel_takes_mx_np_arrays(set_np, layer):
    """mx.np data trains as legacy data does, npx.set_np() or not: the same losses, bit for bit."""
    def run(X, Y):
        mx.random.seed(0)
        conv2d = Conv2D((1, 2), corr=corr2d_fast) if layer == 'custom' else None
        return train_kernel(X, Y, conv2d, num_iters=4, log=None)[1]
    X = stripe_image()
    Y = corr2d(X, edge_kernel())
    expected = run(X, Y)
    if set_np:
        mx.npx.set_np()
    try:
        assert run(X.as_np_ndarray(), Y.as_np_ndarray()) == expected
    finally:
        mx.npx.reset_np()


def test_train_kernel_says_the_books_conv2d_cannot_learn():
    X = stripe_image()
    with pytest.raises(TypeError, match=r"this layer cannot learn: .*corr=corr2d_fast"):
        train_kernel(X, corr2d(X, edge_kernel()), Conv2D((1, 2)), log=None)


def test_a_writers_own_error_after_a_failed_write_is_the_oserror(tmp_path):
    """matplotlib's PDF writer on a full disk: ENOSPC, then its own AttributeError while closing."""
    target = tmp_path / 'k.pdf'
    target.write_bytes(b'old')

    def write(tmp):
        try:
            raise OSError(28, 'No space left on device')
        except OSError:
            raise AttributeError("'Stream' object has no attribute 'pos'")
    with pytest.raises(OSError, match='No space left on device'):
        atomic_write(str(target), write)
    assert target.read_bytes() == b'old' and os.listdir(str(tmp_path)) == ['k.pdf']


@pytest.mark.parametrize('make, message', [
    (lambda d: str(d / 'x') + os.sep, 'is not a directory (it ends with /)'),
    (lambda d: str(d / ('a' * 256)), 'the file name is longer than 255 bytes'),
])
def test_paths_that_cannot_be_written_are_usage_errors(script, tmp_path, make, message):
    path = make(tmp_path)
    code, _, err = script('learn_kernel.py', '--save', path)
    assert code == 2 and message in _usage_error(err)
    assert os.listdir(str(tmp_path)) == []


def test_a_socket_is_a_usage_error(script, tmp_path):
    import socket
    path = str(tmp_path / 'sock')
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)
        code, _, err = script('learn_kernel.py', '--save', path)
    assert code == 2 and _usage_error(err) == 'argument --save: %s is a socket, not a file' % path


def test_a_name_that_is_not_utf8_is_saved(script, tmp_path):
    path = os.fsdecode(os.fsencode(str(tmp_path)) + b'/\xff.params')
    code, _, err = script('learn_kernel.py', '--iters', '2', '--save', path)
    assert code == 0, err
    assert os.listdir(os.fsencode(str(tmp_path))) == [b'\xff.params']


def test_hard_links_are_the_same_file(script, tmp_path):
    (tmp_path / 'a').write_bytes(b'A')
    os.link(str(tmp_path / 'a'), str(tmp_path / 'b'))
    code, _, err = script('learn_kernel.py', '--save', str(tmp_path / 'a'), '--plot', str(tmp_path / 'b'))
    assert code == 2 and 'name the same file' in _usage_error(err)


def test_a_dot_pdf_name_is_a_pdf(script, tmp_path):
    code, _, err = script('learn_kernel.py', '--iters', '2', '--plot', str(tmp_path / '.pdf'))
    assert code == 0, err
    assert (tmp_path / '.pdf').read_bytes().startswith(b'%PDF-')


def _run_shell(command, tmp_path, **env):
    env = dict(os.environ, PY=sys.executable, S=os.path.join(ROOT, 'examples', 'learn_kernel.py'),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''), **env)
    return subprocess.run(['sh', '-c', command], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=120)


def test_closed_stdout_is_one_line(tmp_path):
    res = _run_shell('"$PY" "$S" >&-', tmp_path)
    assert res.returncode == 1
    assert res.stderr == 'learn_kernel.py: error: cannot write to stdout: stdout is closed\n'


def test_stdout_to_dev_stdout_is_written_through(tmp_path):
    """--save /dev/stdout with stdout redirected to a file: the file gets the log, then the parameters."""
    res = _run_shell('"$PY" "$S" --iters 2 --save /dev/stdout > out', tmp_path)
    assert res.returncode == 0, res.stderr
    data = (tmp_path / 'out').read_bytes()
    assert data.startswith(b'batch 2, loss 4.949\n') and len(data) > 200
    assert sorted(os.listdir(str(tmp_path))) == ['out']


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    """A FIFO with no reader blocks the write; SIGTERM then ends the script quietly, its temp file removed."""
    os.mkfifo(str(tmp_path / 'fifo'))
    (tmp_path / 'tmp').mkdir()
    env = dict(os.environ, TMPDIR=str(tmp_path / 'tmp'),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'examples', 'learn_kernel.py'), '--iters', '2',
                             '--save', str(tmp_path / 'fifo')], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    for _ in range(600):  # until the checked temporary file waits for the FIFO's reader
        if os.listdir(str(tmp_path / 'tmp')):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert b'Traceback' not in err
    assert os.listdir(str(tmp_path / 'tmp')) == []


def test_train_kernel_refuses_data_with_nan():
    X = stripe_image()
    X[0, 0] = float('nan')
    with pytest.raises(ValueError, match='X holds NaN or Inf; training needs finite data'):
        train_kernel(X, corr2d(stripe_image(), edge_kernel()), log=None)


def test_diagonal_image_size_check_does_not_wrap():
    with pytest.raises(ValueError, match="MXNet's arrays hold at most"):
        diagonal_image(np.int64(2 ** 32))


@pytest.mark.parametrize('arrays, titles', [([], []), ([nd.ones((2, 2))], []), ([nd.ones((3,))], ['a'])])
def test_show_heatmaps_refuses_what_it_cannot_draw(arrays, titles):
    from d2l_conv.plot import show_heatmaps
    with pytest.raises(ValueError):
        show_heatmaps(arrays, titles)


def test_heatmap_scale_ignores_inf():
    from d2l_conv.plot import show_heatmaps
    fig = show_heatmaps([nd.array([[np.inf, 1.0, -3.0]])], ['a'])
    assert fig.axes[0].images[0].get_clim() == (-3.0, 3.0)
