"""--save and --plot never lose or clobber a file: d2l_conv.files, through the scripts where the script matters.

A regular file anywhere is replaced atomically with its metadata; what is not
a regular file is written through; a file the caller may not write is refused.
"""
import errno
import json
import os
import pwd
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings

import numpy as np
import pytest
from mxnet.gluon import nn

import d2l_conv
from d2l_conv import commands
from d2l_conv.files import STALE_AFTER, atomic_write, check_writable

BOOK_KERNEL = np.array([[0.9895, -0.9873705]], np.float32)


@pytest.fixture(autouse=True)
def training_data_from_corr2d_fast(monkeypatch):
    """The scripts run here (in-process) train only to have a file to write: their Y = corr2d(X, K) (In[6])
    comes from corr2d_fast, the same array exactly (0/1 times +-1), not from the book's loop (~30 ms a call).
    test_scripts.py and test_documented.py run the book's loop."""
    monkeypatch.setattr(commands, 'corr2d', d2l_conv.corr2d_fast)


def _learned(path):
    conv2d = nn.Conv2D(1, kernel_size=(1, 2))
    conv2d.load_parameters(str(path))
    return conv2d.weight.data().reshape((1, 2)).asnumpy()


def _write(data):
    """A writer for atomic_write that puts ``data`` in the file."""
    def write(tmp):
        with open(tmp, 'wb') as f:
            f.write(data)
    return write


def _mknod(path, minor):
    if os.geteuid() != 0:
        pytest.skip('making a device node needs root')
    try:
        os.mknod(str(path), 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (OSError, AttributeError) as e:
        pytest.skip('cannot make a device node here: %s' % e)


# What is not a regular file is written through

@pytest.mark.slow  # three trainings and a plot
def test_device_nodes_are_written_through_never_replaced(script, tmp_path):
    """A node made here (never the machine's /dev/null): 1,3 is null, 1,7 is full."""
    _mknod(tmp_path / 'null', 3)
    _mknod(tmp_path / 'full', 7)
    res = script('learn_kernel.py', '--iters', '2', '--plot', str(tmp_path / 'null'))
    assert res.code == 0 and res.err == '' and res.out.endswith('<NDArray 1x2 @cpu(0)>\n')
    res = script('edge_detection.py', '--plot', str(tmp_path / 'null'))
    assert res.code == 0 and res.err == ''
    res = script('learn_kernel.py', '--iters', '2', '--save', str(tmp_path / 'full'))
    assert res.code == 1 and res.error() == 'cannot write %s: No space left on device' % (tmp_path / 'full')
    for name in ('null', 'full'):
        assert stat.S_ISCHR(os.lstat(str(tmp_path / name)).st_mode), name  # still the device
    assert sorted(os.listdir(str(tmp_path))) == ['full', 'null']  # no temporary file beside them


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / 'fifo'
    os.mkfifo(str(fifo))
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)  # never blocks exit
    reader.start()
    assert check_writable(str(fifo)) == str(fifo)
    atomic_write(str(fifo), _write(b'hello'))
    reader.join(10)
    assert received == [b'hello'] and stat.S_ISFIFO(os.lstat(str(fifo)).st_mode)


def test_a_fifo_removed_while_training_is_not_made_a_regular_file(tmp_path):
    """The write through used open(..., 'ab'), whose O_CREAT made a regular file where the FIFO had been."""
    fifo = tmp_path / 'fifo'
    os.mkfifo(str(fifo))

    def remove_then_write(tmp):
        fifo.unlink()
        _write(b'hello')(tmp)
    with pytest.raises(FileNotFoundError):
        atomic_write(str(fifo), remove_then_write)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('name', ['/proc/self/fd/%d', '/dev/fd/%d'])
def test_a_file_descriptor_is_written_through(tmp_path, name):
    """As ``--save /dev/stdout`` with stdout redirected to a file: appended to, never replaced."""
    target = tmp_path / 'out'
    target.write_bytes(b'log\n')
    inode = os.stat(str(target)).st_ino
    with open(str(target), 'ab') as f:
        atomic_write(name % f.fileno(), _write(b'params'))
    assert target.read_bytes() == b'log\nparams' and os.stat(str(target)).st_ino == inode
    assert os.listdir(str(tmp_path)) == ['out']


@pytest.mark.slow
def test_stdout_to_dev_stdout_is_written_through(shell, tmp_path):
    """--save /dev/stdout with stdout redirected to a file: the file gets the log, then the parameters."""
    res = shell('"$PY" "$S" --iters 2 --save /dev/stdout > out')
    assert res.returncode == 0, res.stderr
    data = (tmp_path / 'out').read_bytes()
    assert data.startswith(b'batch 2, loss 4.949\n') and len(data) > 200
    assert sorted(os.listdir(str(tmp_path))) == ['out']


# A regular file is replaced atomically, wherever it lives

@pytest.mark.parametrize('under', ['/dev/fd/%d', '/proc/self/fd/%d'])
def test_a_regular_file_under_dev_or_proc_is_replaced_not_appended(script, tmp_path, under):
    """As /dev/shm/k.params: it was appended to, so that loading it gave the first run's kernel. Here the
    directory is tmp_path, open as a descriptor (nothing is written outside tmp_path)."""
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        path = (under % fd) + '/k.params'
        assert script('learn_kernel.py', '--save', path).code == 0
        first = os.stat(str(tmp_path / 'k.params'))
        res = script('learn_kernel.py', '--seed', '7', '--iters', '3', '--save', path)
    finally:
        os.close(fd)
    assert res.code == 0, res.err
    now = os.stat(str(tmp_path / 'k.params'))
    assert now.st_size == first.st_size and now.st_ino != first.st_ino  # a new file, renamed over the old
    np.testing.assert_allclose(_learned(tmp_path / 'k.params'), [[0.716, -0.741]], atol=1e-3)  # the second run's
    assert os.listdir(str(tmp_path)) == ['k.params']


@pytest.mark.slow  # draws a picture
def test_a_regular_file_through_proc_self_cwd_is_replaced(script, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'k.png').write_bytes(b'an old picture')
    res = script('edge_detection.py', '--plot', '/proc/self/cwd/k.png')
    assert res.code == 0, res.err
    assert (tmp_path / 'k.png').read_bytes().startswith(b'\x89PNG\r\n\x1a\n')  # not the old bytes, then a PNG
    atomic_write('/proc/self/cwd/k.png', _write(b'new'))
    assert (tmp_path / 'k.png').read_bytes() == b'new' and os.listdir(str(tmp_path)) == ['k.png']


def test_a_symlink_keeps_pointing_at_its_replaced_target(script, tmp_path):
    (tmp_path / 'real').mkdir()
    target = tmp_path / 'real' / 'target.params'
    target.write_bytes(b'stale')
    os.symlink(os.path.join('real', 'target.params'), str(tmp_path / 'link.params'))
    res = script('learn_kernel.py', '--save', str(tmp_path / 'link.params'))
    assert res.code == 0, res.err
    assert os.readlink(str(tmp_path / 'link.params')) == os.path.join('real', 'target.params')
    np.testing.assert_array_equal(_learned(target), BOOK_KERNEL)
    assert sorted(os.listdir(str(tmp_path))) == ['link.params', 'real']
    assert os.listdir(str(tmp_path / 'real')) == ['target.params']


def test_hard_links_are_the_same_file(script, tmp_path):
    (tmp_path / 'a').write_bytes(b'A')
    os.link(str(tmp_path / 'a'), str(tmp_path / 'b'))
    res = script('learn_kernel.py', '--save', str(tmp_path / 'a'), '--plot', str(tmp_path / 'b'))
    assert res.code == 2 and 'name the same file' in res.usage_error()


def test_save_and_plot_to_one_file_is_a_usage_error(script, tmp_path):
    path = str(tmp_path / 'k.png')
    res = script('learn_kernel.py', '--save', path, '--plot', path)
    assert res.code == 2 and res.out == ''
    assert res.usage_error() == '--save and --plot name the same file %s; give each its own' % path
    os.symlink('k.png', str(tmp_path / 'link.png'))  # the same file under another name
    res = script('learn_kernel.py', '--save', path, '--plot', str(tmp_path / 'link.png'))
    assert res.code == 2 and 'name the same file' in res.usage_error()
    assert os.listdir(str(tmp_path)) == ['link.png']


# Metadata: the old file's, or what open() gives a new one

def test_an_existing_file_keeps_its_mode(script, tmp_path):
    target = tmp_path / 'k.params'
    target.write_bytes(b'old')
    os.chmod(str(target), 0o600)
    res = script('learn_kernel.py', '--iters', '2', '--save', str(target))
    assert res.code == 0, res.err
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o600 and target.read_bytes() != b'old'
    os.chmod(str(target), 0o640)
    atomic_write(str(target), _write(b''))
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o640 and target.read_bytes() == b''


def test_the_new_file_has_new_times(tmp_path):
    """shutil.copystat copies the times too: the replaced file's are the new file's own."""
    target = tmp_path / 'k.params'
    target.write_bytes(b'old')
    os.utime(str(target), (946684800, 946684800))  # 2000-01-01
    before = time.time()
    atomic_write(str(target), _write(b'new'))
    assert os.stat(str(target)).st_mtime >= before - 2


def test_an_existing_file_keeps_its_owner(tmp_path):
    if os.geteuid() != 0:
        pytest.skip('giving a file to another user needs root')
    nobody = pwd.getpwnam('nobody')
    target = tmp_path / 'k.params'
    target.write_bytes(b'old')
    os.chown(str(target), nobody.pw_uid, nobody.pw_gid)
    atomic_write(str(target), _write(b'new'))
    st = os.stat(str(target))
    assert (st.st_uid, st.st_gid) == (nobody.pw_uid, nobody.pw_gid) and target.read_bytes() == b'new'


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, umask, mode):
    """Not a temporary file's private 0600."""
    old = os.umask(umask)
    try:
        atomic_write(str(tmp_path / 'new'), _write(b''))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'new')).st_mode) == mode


ACCESS, DEFAULT = 'system.posix_acl_access', 'system.posix_acl_default'
USER_OBJ, USER, GROUP_OBJ, MASK, OTHER = 0x01, 0x02, 0x04, 0x10, 0x20  # the kernel's POSIX ACL tags


def _acl(*entries):
    """The xattr value of a POSIX ACL (version 2) with entries (tag, permission bits, user id or None)."""
    return struct.pack('<I', 2) + b''.join(struct.pack('<HHI', tag, perm, 0xFFFFFFFF if uid is None else uid)
                                           for tag, perm, uid in entries)


def _setxattr(path, name, value):
    try:
        os.setxattr(str(path), name, value)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
            pytest.skip('%s: %s' % (name, e.strerror))
        raise


def test_an_existing_file_keeps_its_acl_and_extended_attributes(tmp_path):
    """A 0600 file readable by nobody through its ACL: the mask used to become the group's read bit."""
    target = tmp_path / 'k.params'
    target.write_bytes(b'old')
    os.chmod(str(target), 0o600)
    acl = _acl((USER_OBJ, 6, None), (USER, 4, 65534), (GROUP_OBJ, 0, None), (MASK, 4, None), (OTHER, 0, None))
    _setxattr(target, ACCESS, acl)
    _setxattr(target, 'user.note', b'precious')
    atomic_write(str(target), _write(b'new'))
    assert target.read_bytes() == b'new'
    assert os.getxattr(str(target), ACCESS) == acl  # group::---, nobody's r--, the mask r--
    assert os.getxattr(str(target), 'user.note') == b'precious'
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o640  # the group bits show the mask


def test_a_new_file_follows_the_directorys_default_acl(tmp_path):
    """The mode and ACL that open() (touch) gives a file there, whatever the umask."""
    _setxattr(tmp_path, DEFAULT, _acl((USER_OBJ, 6, None), (USER, 6, 65534), (GROUP_OBJ, 0, None),
                                      (MASK, 6, None), (OTHER, 0, None)))
    open(str(tmp_path / 'touched'), 'w').close()
    atomic_write(str(tmp_path / 'new'), _write(b'new'))
    touched, new = os.stat(str(tmp_path / 'touched')), os.stat(str(tmp_path / 'new'))
    assert stat.S_IMODE(new.st_mode) == stat.S_IMODE(touched.st_mode) == 0o660
    assert os.getxattr(str(tmp_path / 'new'), ACCESS) == os.getxattr(str(tmp_path / 'touched'), ACCESS)


def test_an_existing_file_without_an_acl_gets_none_from_the_directorys_default(tmp_path):
    """The temporary file inherits the default ACL when it is made; the old file had none."""
    target = tmp_path / 'k.params'
    target.write_bytes(b'old')
    os.chmod(str(target), 0o644)
    _setxattr(tmp_path, DEFAULT, _acl((USER_OBJ, 6, None), (USER, 6, 65534), (GROUP_OBJ, 0, None),
                                      (MASK, 6, None), (OTHER, 0, None)))
    atomic_write(str(target), _write(b'new'))
    assert ACCESS not in os.listxattr(str(target)) and stat.S_IMODE(os.stat(str(target)).st_mode) == 0o644


# A file the caller may not write is refused, as open() and cp refuse it

@pytest.fixture
def shared_dir():
    """A directory that nobody can reach (tmp_path's parents are private to root), removed afterwards."""
    path = tempfile.mkdtemp(prefix='d2l_conv-test-')
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


def _as_nobody(fn):
    """``fn()`` run as the user nobody, in a forked child (the Python here may be unreadable for nobody,
    so no new interpreter); its JSON-able result. A user other than root runs ``fn()`` as itself."""
    if os.geteuid() != 0:
        return fn()
    nobody = pwd.getpwnam('nobody')
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # "multi-threaded, fork() may deadlock": MXNet's idle
        pid = os.fork()
    if pid == 0:  # the child: drop root for good, run fn, report, and never return into pytest
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            result = {'value': fn()}
        except BaseException:
            result = {'error': traceback.format_exc()}
        with os.fdopen(write_end, 'w') as f:
            json.dump(result, f)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        if not select.select([f], [], [], 120)[0]:  # a child stuck at fork (a lock of MXNet's threads): end it
            os.kill(pid, signal.SIGKILL)
        data = f.read()
    os.waitpid(pid, 0)
    assert data, 'the child running as nobody ended without a result'
    result = json.loads(data)
    assert 'error' not in result, result['error']
    return result['value']


def _refused(script, path):
    """Run --save PATH and atomic_write(PATH) as nobody: (exit status, stdout, error text, atomic_write's error)."""
    def run():
        res = script('learn_kernel.py', '--iters', '1', '--save', path)
        try:
            atomic_write(path, _write(b'clobbered'))
            written = None
        except OSError as e:
            written = [e.errno, e.strerror]
        return [res.code, res.out, res.usage_error() if res.code == 2 else res.err, written]
    return _as_nobody(run)


def test_a_read_only_file_is_refused_before_training(script, shared_dir):
    path = os.path.join(shared_dir, 'k.params')
    with open(path, 'w') as f:
        f.write('precious\n')
    os.chmod(path, 0o444)
    if os.geteuid() == 0:
        os.chown(path, pwd.getpwnam('nobody').pw_uid, -1)  # nobody's own file, read-only
        os.chown(shared_dir, pwd.getpwnam('nobody').pw_uid, -1)
    code, out, error, written = _refused(script, path)
    assert code == 2 and out == '' and error == 'argument --save: cannot write %s: permission denied' % path
    assert written == [errno.EACCES, 'Permission denied']
    assert open(path).read() == 'precious\n' and stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert os.listdir(shared_dir) == ['k.params']


def test_roots_file_in_a_directory_nobody_can_write_is_refused(script, shared_dir):
    if os.geteuid() != 0:
        pytest.skip('needs root: the file is root\'s')
    os.chown(shared_dir, pwd.getpwnam('nobody').pw_uid, -1)
    path = os.path.join(shared_dir, 'k.params')
    with open(path, 'w') as f:
        f.write('root\'s\n')
    os.chmod(path, 0o644)
    code, out, error, written = _refused(script, path)
    assert code == 2 and out == '' and error.endswith('cannot write %s: permission denied' % path)
    assert written == [errno.EACCES, 'Permission denied']
    assert open(path).read() == 'root\'s\n' and os.stat(path).st_uid == 0  # still root's


def test_another_users_writable_file_in_a_sticky_directory_is_refused_before_training(script, shared_dir):
    """/tmp, /dev/shm: nobody may write root's 0666 file but not rename over it; that used to fail after training."""
    if os.geteuid() != 0:
        pytest.skip('needs root: the file is root\'s')
    os.chmod(shared_dir, 0o1777)
    path = os.path.join(shared_dir, 'k.params')
    with open(path, 'w') as f:
        f.write('root\'s\n')
    os.chmod(path, 0o666)
    code, out, error, written = _refused(script, path)
    assert code == 2 and out == ''
    assert error == "argument --save: cannot replace %s: another user's file in a sticky directory" % path \
        + ' (such as /tmp), which only its owner may replace'
    assert written[0] == errno.EPERM
    assert open(path).read() == 'root\'s\n' and os.listdir(shared_dir) == ['k.params']


def test_an_immutable_file_is_refused_before_training(script, tmp_path):
    target = tmp_path / 'k.params'
    target.write_bytes(b'kept')
    if os.geteuid() != 0 or subprocess.run(['chattr', '+i', str(target)], capture_output=True).returncode:
        pytest.skip('needs root and chattr on a file system that has +i')
    try:
        res = script('learn_kernel.py', '--save', str(target))
    finally:
        subprocess.run(['chattr', '-i', str(target)], check=True)
    assert res.code == 2 and res.out == '' and res.usage_error().endswith('permission denied')
    assert target.read_bytes() == b'kept'


# Failures leave the old file byte for byte, and no temporary file

def test_a_write_that_does_not_load_back_keeps_the_old_file(script, tmp_path, monkeypatch):
    """What a full disk does to MXNet's save_parameters: it writes nothing and reports nothing."""
    target = tmp_path / 'k.params'
    target.write_bytes(b'the good file')
    monkeypatch.setattr(nn.Block, 'save_parameters', lambda self, path, *a, **k: open(path, 'wb').close())
    res = script('learn_kernel.py', '--iters', '2', '--save', str(target))
    assert res.code == 1 and 'NDArray 1x2' in res.out
    assert res.error().startswith('cannot write %s: the written file does not read back (is the disk full?)' % target)
    assert target.read_bytes() == b'the good file' and os.listdir(str(tmp_path)) == ['k.params']


@pytest.mark.slow
def test_full_disk_keeps_the_old_params(shell, tmp_path):
    """A 64 KiB tmpfs in a private mount namespace, filled up: the second --save fails, the first file stays."""
    if os.geteuid() != 0 or not shutil.which('unshare'):
        pytest.skip('needs root and unshare')
    disk = tmp_path / 'disk'
    disk.mkdir()
    res = shell('''unshare -m sh -c '
        D=disk T=.
        mount -t tmpfs -o size=64k tmpfs "$D" || exit 0
        touch "$T/mounted"
        "$PY" "$S" --iters 2 --save "$D/k.params" > /dev/null || exit 3
        cp "$D/k.params" "$T/good.params"
        head -c 1000000 /dev/zero > "$D/fill" 2> /dev/null
        "$PY" "$S" --save "$D/k.params" > /dev/null 2> "$T/err"
        echo $? > "$T/rc"
        cp "$D/k.params" "$T/after.params"
        ls -A "$D" > "$T/ls"
    ' ''', timeout=240)
    if not (tmp_path / 'mounted').exists():
        pytest.skip('cannot mount a tmpfs in a private namespace here: %s' % res.stderr.strip())
    assert res.returncode == 0, res.stderr
    assert (tmp_path / 'rc').read_text() == '1\n'
    err = (tmp_path / 'err').read_text()
    assert 'Traceback' not in err and len(err.splitlines()) == 1
    assert err.startswith('learn_kernel.py: error: cannot write disk/k.params: the written file does not read back '
                          '(is the disk full?): ')
    good = (tmp_path / 'good.params').read_bytes()
    assert len(good) > 0 and (tmp_path / 'after.params').read_bytes() == good  # byte for byte
    assert (tmp_path / 'ls').read_text().split() == ['fill', 'k.params']  # no temporary file left
    assert not os.listdir(str(disk))  # the tmpfs was private to the namespace


@pytest.mark.slow
@pytest.mark.parametrize('ext', ['pdf', 'svg'])
def test_full_disk_while_plotting_is_one_line(shell, tmp_path, ext):
    """A PDF used to add "Exception ignored in: <_io.BufferedWriter ...>" and an OSError line."""
    if os.geteuid() != 0 or not shutil.which('unshare'):
        pytest.skip('needs root and unshare')
    (tmp_path / 'disk').mkdir()
    res = shell('''unshare -m sh -c '
        mount -t tmpfs -o size=64k tmpfs disk || exit 0
        touch mounted
        head -c 1000000 /dev/zero > disk/fill 2> /dev/null
        "$PY" "$S" --iters 1 --plot disk/k.%s > /dev/null 2> err
        echo $? > rc
        ls -A disk > ls
    ' ''' % ext, timeout=240)
    if not (tmp_path / 'mounted').exists():
        pytest.skip('cannot mount a tmpfs in a private namespace here: %s' % res.stderr.strip())
    assert (tmp_path / 'rc').read_text() == '1\n'
    assert (tmp_path / 'err').read_text() == ('learn_kernel.py: error: cannot write disk/k.%s: No space left on '
                                              'device\n' % ext)
    assert (tmp_path / 'ls').read_text().split() == ['fill']


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / 'out.params'
    target.write_bytes(b'old')

    def half_then_fail(tmp):
        open(tmp, 'wb').write(b'half')
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(target), half_then_fail)
    assert target.read_bytes() == b'old' and os.listdir(str(tmp_path)) == ['out.params']


def test_a_writers_own_error_after_a_failed_write_is_the_oserror(tmp_path):
    """matplotlib's PDF writer on a full disk: ENOSPC, then its own AttributeError while closing."""
    target = tmp_path / 'k.pdf'
    target.write_bytes(b'old')

    def write(tmp):
        try:
            raise OSError(errno.ENOSPC, 'No space left on device')
        except OSError:
            raise AttributeError("'Stream' object has no attribute 'pos'")
    with pytest.raises(OSError, match='No space left on device'):
        atomic_write(str(target), write)
    assert target.read_bytes() == b'old' and os.listdir(str(tmp_path)) == ['k.pdf']


@pytest.mark.parametrize('name', ['out', 'new\nline'])
def test_directory_removed_while_training_is_one_line(script, tmp_path, monkeypatch, name):
    out_dir = tmp_path / name
    out_dir.mkdir()
    train = d2l_conv.train_kernel

    def train_then_remove(*args, **kwargs):
        result = train(*args, **kwargs)
        shutil.rmtree(str(out_dir))
        return result
    monkeypatch.setattr(d2l_conv.commands, 'train_kernel', train_then_remove)
    path = str(out_dir / 'k.params')
    res = script('learn_kernel.py', '--iters', '2', '--save', path)
    assert res.code == 1
    assert res.error() == 'cannot write %s: No such file or directory' % (path if path.isprintable() else repr(path))


def test_stale_temporary_files_of_killed_runs_are_removed(tmp_path):
    """Only this target's, by their exact pattern, and only those older than STALE_AFTER seconds."""
    old = time.time() - STALE_AFTER - 10
    names = {'.k.pdf.abcd1234.tmp': old, '.k.pdf.x_yz0000.tmp': old,  # a killed savefig's: removed
             '.k.pdf.fresh123.tmp': time.time(),  # another run's, writing now
             '.k.pdf.abcd12345.tmp': old, '.other.pdf.abcd1234.tmp': old, 'k.pdf.abcd1234.tmp': old}
    for name, when in names.items():
        (tmp_path / name).write_bytes(b'')
        os.utime(str(tmp_path / name), (when, when))
    os.mkdir(str(tmp_path / '.k.pdf.dir12345.tmp'))
    os.utime(str(tmp_path / '.k.pdf.dir12345.tmp'), (old, old))
    atomic_write(str(tmp_path / 'k.pdf'), _write(b'%PDF-'))
    assert sorted(os.listdir(str(tmp_path))) == sorted(
        ['k.pdf', '.k.pdf.fresh123.tmp', '.k.pdf.abcd12345.tmp', '.other.pdf.abcd1234.tmp', 'k.pdf.abcd1234.tmp',
         '.k.pdf.dir12345.tmp'])


@pytest.mark.slow
def test_sigterm_while_writing_leaves_no_temporary_file(python_env, script_path, tmp_path):
    """A FIFO with no reader blocks the write; SIGTERM then ends the script quietly, its temp file removed."""
    os.mkfifo(str(tmp_path / 'fifo'))
    (tmp_path / 'tmp').mkdir()
    proc = subprocess.Popen([sys.executable, script_path('learn_kernel.py'), '--iters', '2',
                             '--save', str(tmp_path / 'fifo')], env=dict(python_env, TMPDIR=str(tmp_path / 'tmp')),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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


# Paths that cannot be written are usage errors that say why, before any training

@pytest.mark.parametrize('make, message', [
    (lambda d: str(d / 'x') + os.sep, 'x/ is not a directory (it ends with /)'),
    (lambda d: str(d / ('a' * 256)), ': the file name is longer than 255 bytes'),
    (lambda d: str(d / 'missing' / 'k.params'), 'missing does not exist'),
])
def test_paths_that_cannot_be_written_are_usage_errors(script, tmp_path, make, message):
    res = script('learn_kernel.py', '--save', make(tmp_path))
    assert res.code == 2 and res.out == '' and res.usage_error().endswith(message)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('option', ['--save', '--plot'])
def test_an_empty_path_is_a_usage_error(script, option):
    res = script('learn_kernel.py', option, '')
    assert res.code == 2 and res.out == '' and res.usage_error() == 'argument %s: the path is empty' % option


def test_a_socket_is_a_usage_error(script, tmp_path):
    import socket
    path = str(tmp_path / 'sock')
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)
        res = script('learn_kernel.py', '--save', path)
    assert res.code == 2 and res.usage_error() == 'argument --save: %s is a socket, not a file' % path


def test_a_symlink_loop_is_refused_and_kept(script, tmp_path):
    os.symlink('b', str(tmp_path / 'a'))
    os.symlink('a', str(tmp_path / 'b'))
    res = script('learn_kernel.py', '--save', str(tmp_path / 'a'))
    assert res.code == 2 and res.usage_error() == 'argument --save: %s is a loop of symbolic links' % (tmp_path / 'a')
    with pytest.raises(OSError, match='loop of symbolic links'):
        atomic_write(str(tmp_path / 'b'), _write(b''))
    assert os.readlink(str(tmp_path / 'a')) == 'b' and os.readlink(str(tmp_path / 'b')) == 'a'
    assert sorted(os.listdir(str(tmp_path))) == ['a', 'b']


def test_a_symlink_loop_in_a_directory_part_says_so(script, tmp_path):
    """It used to say "does not exist"."""
    os.symlink('loop', str(tmp_path / 'loop'))
    res = script('learn_kernel.py', '--save', str(tmp_path / 'loop' / 'k.params'))
    assert res.code == 2
    assert res.usage_error() == 'argument --save: %s goes through a loop of symbolic links' % (tmp_path / 'loop')
    assert os.listdir(str(tmp_path)) == ['loop']


def test_a_path_longer_than_the_system_takes_says_so(script, tmp_path):
    """Directories that exist, 17 deep, 250 bytes each: it used to say "does not exist" (ENAMETOOLONG)."""
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        for _ in range(17):
            os.mkdir('d' * 250, dir_fd=fd)
            fd, parent = os.open('d' * 250, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
    finally:
        os.close(fd)
    path = str(tmp_path) + ('/' + 'd' * 250) * 17 + '/k.params'
    res = script('learn_kernel.py', '--save', path)
    assert res.code == 2 and res.out == ''
    assert res.usage_error() == ("argument --save: the path is too long (%d bytes): with its temporary file's name "
                                 "it would pass the system's limit of 4095 bytes" % len(path))


def test_a_newline_in_a_path_stays_on_the_one_error_line(script, tmp_path):
    path = str(tmp_path / 'two\nlines' / 'k.params')
    res = script('learn_kernel.py', '--save', path)
    assert res.code == 2 and res.usage_error() == 'argument --save: %r does not exist' % os.path.dirname(path)
    res = script('learn_kernel.py', '--save', str(tmp_path / 'k\n.png'), '--plot', str(tmp_path / 'k\n.png'))
    assert res.code == 2 and res.usage_error().endswith('name the same file %r; give each its own'
                                                        % str(tmp_path / 'k\n.png'))


def test_a_name_of_255_bytes_is_written(tmp_path):
    path = tmp_path / ('k' * 248 + '.params')
    atomic_write(str(path), _write(b''))
    assert os.listdir(str(tmp_path)) == [path.name]


def test_a_name_that_is_not_utf8_is_saved(script, tmp_path):
    path = os.fsdecode(os.fsencode(str(tmp_path)) + b'/\xff.params')
    res = script('learn_kernel.py', '--iters', '2', '--save', path)
    assert res.code == 0, res.err
    assert os.listdir(os.fsencode(str(tmp_path))) == [b'\xff.params']


def test_a_directory_whose_name_is_not_utf8_is_a_usage_error_before_training(script, tmp_path):
    """MXNet encodes the path as UTF-8: it used to fail after training, with a codec's message."""
    directory = os.fsencode(str(tmp_path)) + b'/d\xff'
    os.mkdir(directory)
    res = script('learn_kernel.py', '--save', os.fsdecode(directory + b'/k.params'))
    assert res.code == 2 and res.out == ''
    assert res.usage_error() == "argument --save: cannot save in directory %r: its name is not UTF-8, and " \
        "MXNet writes only to UTF-8 paths" % os.fsdecode(directory)
    assert os.listdir(directory) == []


def test_a_relative_path_in_a_removed_current_directory_says_so(script, tmp_path, monkeypatch):
    """It used to say 'k.params No such file or directory', of the file that was to be made."""
    gone = tmp_path / 'gone'
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    res = script('learn_kernel.py', '--save', 'k.params')
    assert res.code == 2 and res.out == ''
    assert res.usage_error() == 'argument --save: k.params is relative to the current directory, which was removed'
