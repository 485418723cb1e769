"""Writing files so that nothing is lost or clobbered.

- A regular file is replaced atomically wherever it lives (``/dev/shm``,
  ``/proc/self/cwd/...`` too): a checked temporary file beside it, then a rename.
  The new file keeps the old one's owner (where allowed), mode, extended
  attributes and POSIX ACL, as ``shutil.copystat`` copies them; a new file gets
  what ``open()`` gives it (the umask, or the directory's default ACL).
- A symbolic link keeps pointing where it pointed; its target is replaced.
- What is not a regular file (a device, a FIFO), and the process's own file
  descriptors (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``), are written
  through (appended to), never renamed over.
- An existing file that the caller may not write is refused, as ``open()`` and
  ``cp`` refuse it, and so is one that the caller may not rename over (another
  user's file in a sticky directory such as ``/tmp``). A failed or short write leaves the old file byte for byte.
- A temporary file that a killed run left beside the target (``.NAME.XXXXXXXX.tmp``,
  the caller's, over a minute old) is removed by the next write there.
"""
import errno
import glob
import os
import random
import re
import shutil
import stat
import sys
import tempfile
import time

__all__ = ['check_writable', 'atomic_write', 'error_line', 'printable']

STALE_AFTER = 60  # seconds: a temporary file older than this was left by a run that was killed
_TEMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_'  # tempfile's, so that its names match too
_TEMP_SUFFIX = '.tmp'
# The process's own descriptors: written through even where they lead to a regular file (`> out`).
_DESCRIPTOR = re.compile(r'/dev/(std(in|out|err)|fd/\d+)|/proc/[^/]+(/task/\d+)?/fd/\d+')
_ACL = 'system.posix_acl_access'  # a file's POSIX ACL, as Linux stores it
_WHY_NOT_A_DIRECTORY = {errno.ENOENT: 'does not exist', errno.ENOTDIR: 'is not a directory',
                        errno.ELOOP: 'goes through a loop of symbolic links'}


def printable(path):
    """``path`` as it can be shown on one line: itself, or its ``repr`` if it holds a newline
    or another character that does not print.

    Examples
    --------
    >>> printable('kernel.params'), printable('two\\nlines.params')
    ('kernel.params', "'two\\\\nlines.params'")
    """
    return path if path.isprintable() else repr(path)


def _stat(path):
    try:
        return os.stat(path)
    except OSError:  # missing, or a file where a directory should be: the directory checks say which
        return None


def _is_descriptor(path):
    """Whether ``path`` is, or links to, a process's file descriptor (``/dev/stdout``, ``/dev/fd/1``)."""
    for _ in range(40):  # as many links as the kernel follows
        path = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
        if _DESCRIPTOR.fullmatch(path):
            return True
        if not os.path.islink(path):
            return False
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return False


def _resolve(path):
    """(target, its stat or None, write through?) for ``path``, or OSError saying why not.

    What is not a regular file, and a process's file descriptor, is written
    through at ``path``; otherwise a symbolic link's target is what gets replaced.
    """
    st = _stat(path)
    if path.endswith(os.sep) and not (st and stat.S_ISDIR(st.st_mode)):
        raise NotADirectoryError(errno.ENOTDIR, 'is not a directory (it ends with %s)' % os.sep, path)
    if st is not None and stat.S_ISSOCK(st.st_mode):
        raise OSError(errno.ENXIO, 'is a socket, not a file', path)
    if st is not None and not stat.S_ISDIR(st.st_mode) and (not stat.S_ISREG(st.st_mode) or _is_descriptor(path)):
        return path, st, True
    try:
        target = os.path.realpath(path)
    except FileNotFoundError:  # os.getcwd(), for a relative path
        raise FileNotFoundError(errno.ENOENT, 'is relative to the current directory, which was removed', path)
    if os.path.islink(target):  # realpath stops at a loop
        raise OSError(errno.ELOOP, 'is a loop of symbolic links', path)
    st = _stat(target)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, 'is a directory', path)
    return target, st, False


def _temp_prefix(target):
    """``.NAME.``: the temporary file's name is this, 8 characters and ``.tmp``. Within NAME_MAX
    (255 bytes) and in ASCII (MXNet encodes the path it writes as UTF-8, which a non-UTF-8 name is not)."""
    return '.' + os.path.basename(target).encode('ascii', 'replace').decode('ascii')[:200] + '.'


def check_writable(path):
    """Return ``path`` if a file can be written there, else raise ValueError saying why.

    For a path that does not exist or is a regular file (or a link to one), it
    tries to create a file in the directory (``os.access`` says yes to root
    even where nothing can be written), and an existing file must be writable
    for the caller (``os.access``), as ``open`` requires. A device or a FIFO is
    written through and only needs write permission.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'kernel.params')
    >>> check_writable(path) == path
    True
    >>> check_writable('/nonexistent-dir/kernel.params')
    Traceback (most recent call last):
    ...
    ValueError: /nonexistent-dir does not exist
    >>> check_writable('')
    Traceback (most recent call last):
    ...
    ValueError: the path is empty
    """
    if not path:
        raise ValueError('the path is empty')
    try:
        target, st, through = _resolve(path)
    except OSError as e:
        raise ValueError('%s %s' % (printable(path), e.strerror))
    if not through:
        _check_directory(path, target)
    if st is not None and not os.access(target, os.W_OK):
        raise ValueError('cannot write %s: permission denied' % printable(path))
    if not through and not _may_replace(target, st):
        raise ValueError('cannot replace %s: %s' % (printable(path), _STICKY))
    return path


_STICKY = "another user's file in a sticky directory (such as /tmp), which only its owner may replace"


def _may_replace(target, st):
    """False where renaming over ``target`` (whose stat is ``st``) would fail although it is writable:
    another user's file in a sticky directory (``/tmp``, ``/dev/shm``) that the caller does not own
    either (the kernel's rule for a sticky directory; root may)."""
    if st is None or not hasattr(os, 'geteuid') or os.geteuid() in (0, st.st_uid):
        return True
    directory = os.stat(os.path.dirname(target))
    return not directory.st_mode & stat.S_ISVTX or directory.st_uid == os.geteuid()


def _check_directory(path, target):
    """ValueError unless a temporary file for ``target`` can be made beside it."""
    directory = os.path.dirname(target)
    longest = len(os.fsencode(os.path.join(directory, _temp_prefix(target) + 'x' * 8 + _TEMP_SUFFIX)))
    path_max = os.pathconf('/', 'PC_PATH_MAX')  # counting the final NUL
    if longest >= path_max:
        raise ValueError('the path is too long (%d bytes): with its temporary file\'s name it would pass the '
                         'system\'s limit of %d bytes' % (len(os.fsencode(target)), path_max - 1))
    try:
        st = os.stat(directory)
    except OSError as e:
        raise ValueError('%s %s' % (printable(directory), _WHY_NOT_A_DIRECTORY.get(e.errno, e.strerror)))
    if not stat.S_ISDIR(st.st_mode):
        raise ValueError('%s is not a directory' % printable(directory))
    try:
        tempfile.TemporaryFile(dir=directory).close()
        name_max = os.pathconf(directory, 'PC_NAME_MAX')
    except OSError as e:
        raise ValueError('cannot write in directory %s: %s' % (printable(directory), e.strerror))
    if len(os.fsencode(os.path.basename(target))) > name_max:
        raise ValueError('%s: the file name is longer than %d bytes' % (printable(path), name_max))


def error_line(e):
    """One line that says what went wrong in exception ``e``: an OSError's strerror, else the
    message, without the C++ traceback that an MXNetError carries.

    Examples
    --------
    >>> error_line(FileNotFoundError(2, 'No such file or directory'))
    'No such file or directory'
    >>> error_line(ValueError('Traceback (most recent call last):\\n  File "x.cc", line 1\\nMXNetError: bad magic'))
    'bad magic'
    """
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    for line in lines:
        if line.startswith('MXNetError: '):
            return line[len('MXNetError: '):]
    lines = [line for line in lines if not line.startswith(('Traceback (most recent call last)', 'File "'))]
    return lines[0] if lines else type(e).__name__


def _chain(e):
    """``e`` and the exceptions it was raised from or while handling."""
    seen = []
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def _fsync(path, directory=False):
    """Flush ``path`` to the disk: a failed write that the writer did not report shows here."""
    try:
        fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)  # Windows fsyncs only writable files
    except OSError:
        if directory:  # some systems cannot open a directory; its entry is then on its own
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _remove_stale(directory, prefix):
    """Remove the temporary files ``PREFIX`` + 8 characters + ``.tmp`` in ``directory`` that a killed
    run left: regular files of the caller's, last written more than STALE_AFTER seconds ago."""
    pattern = glob.escape(os.path.join(directory, prefix)) + '[%s]' % _TEMP_CHARS * 8 + _TEMP_SUFFIX
    for name in glob.glob(pattern):
        try:
            st = os.lstat(name)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and time.time() - st.st_mtime > STALE_AFTER:
                os.remove(name)
        except OSError:  # gone already, or not ours to remove
            pass


def _create_temp(directory, prefix, mode):
    """Create an empty file ``PREFIX`` + 8 random characters + ``.tmp`` in ``directory`` as
    ``open(name, 'x')`` does, with ``mode`` before the umask or default ACL; return its name."""
    for _ in range(100):
        name = os.path.join(directory, prefix + ''.join(random.choices(_TEMP_CHARS, k=8)) + _TEMP_SUFFIX)
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
            return name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, 'no free temporary file name', directory)


def _keep_metadata(st, target, tmp):
    """Give ``tmp`` the metadata of ``target`` (whose stat is ``st``): owner where allowed, then
    ``shutil.copystat``'s mode, extended attributes and POSIX ACL (or none, as the old file); its
    times stay the new file's."""
    now = os.stat(tmp)
    if (st.st_uid, st.st_gid) != (now.st_uid, now.st_gid):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)  # before the mode: chown clears set-user-ID bits
        except (OSError, AttributeError):
            pass
    try:  # an ACL that tmp inherited from the directory's default ACL, where the old file had none
        if _ACL in os.listxattr(tmp) and _ACL not in os.listxattr(target):
            os.removexattr(tmp, _ACL)
    except (OSError, AttributeError):  # no extended attributes here
        pass
    shutil.copystat(target, tmp)
    os.utime(tmp, ns=(now.st_atime_ns, now.st_mtime_ns))


def atomic_write(path, write, check=None):
    """Call ``write(tmp)`` on a temporary file, check it, then put it at ``path``.

    - Nothing at ``path``, or a regular file: the temporary file sits beside it,
      is flushed to the disk (fsync), checked, given the old file's owner (where
      allowed), mode, extended attributes and ACL (a new file gets what
      ``open`` gives) and renamed over it. The rename is atomic on one file
      system: readers see the old file or the complete new one.
    - A symbolic link: the same for the file it points to; the link stays.
    - A device, a FIFO or a file descriptor (``/dev/null``, a named pipe,
      ``/dev/stdout``): the checked bytes are written through to it; it is never
      replaced.

    ``check(tmp)``, if given, raises if the written file is not what was meant
    (say, it does not load back: some writers, MXNet's ``save_parameters``
    among them, do not report a full disk). Any failure raises ``OSError``,
    removes the temporary file and leaves ``path`` as it was. An existing
    ``path`` that the caller may not write raises PermissionError, as ``open`` does.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'hello.txt')
    >>> def write(tmp):
    ...     with open(tmp, 'w') as f:
    ...         f.write('hello')
    >>> atomic_write(path, write)
    >>> open(path).read()
    'hello'
    """
    if not path:
        raise OSError(errno.ENOENT, 'the path is empty')
    target, st, through = _resolve(path)
    if st is not None and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    if not through and not _may_replace(target, st):
        raise PermissionError(errno.EPERM, 'cannot replace ' + _STICKY, path)
    directory = tempfile.gettempdir() if through else os.path.dirname(target)
    prefix = _temp_prefix(target)
    _remove_stale(directory, prefix)
    # An existing file's data stays private until its own metadata is copied; a new file is made as open() would.
    tmp = _create_temp(directory, prefix, 0o600 if through or st is not None else 0o666)
    try:
        try:
            write(tmp)
        except OSError:
            raise
        except Exception as e:  # a writer's own error after a failed write (matplotlib's PDF on a full disk)
            cause = next((c for c in _chain(e) if isinstance(c, OSError)), None)
            raise cause if cause is not None else OSError(errno.EIO, error_line(e))
        _fsync(tmp)
        if check is not None:
            try:
                check(tmp)
            except Exception as e:
                raise OSError(errno.EIO, 'the written file does not read back (is the disk full?): %s'
                              % error_line(e))
        if through:
            if sys.stdout is not None:  # /dev/stdout, say: what was printed comes first
                sys.stdout.flush()
            # Appending: a device ignores it, and /dev/stdout redirected to a file is not truncated.
            # Without O_CREAT: a FIFO removed meanwhile is not made a regular file, and Linux's
            # protected_fifos refuses O_CREAT on another user's FIFO in a sticky directory.
            with open(tmp, 'rb') as src, os.fdopen(os.open(target, os.O_WRONLY | os.O_APPEND), 'wb') as dst:
                shutil.copyfileobj(src, dst)
            return
        if st is not None:
            _keep_metadata(st, target, tmp)
        os.replace(tmp, target)
        _fsync(directory, directory=True)
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)
