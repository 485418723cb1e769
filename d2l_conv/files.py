"""Writing files so that nothing is lost or clobbered.

A regular file is replaced atomically (a checked temporary file beside it, then
a rename), keeping its mode; a symbolic link keeps pointing where it pointed,
and its target is replaced; a device or a FIFO is written through, never
renamed over. A failed or short write leaves the old file byte for byte.
"""
import errno
import os
import shutil
import stat
import sys
import tempfile

__all__ = ['check_writable', 'atomic_write', 'error_line']


def _stat(path):
    try:
        return os.stat(path)
    except OSError:  # missing, or a file where a directory should be: the directory checks say which
        return None


def check_writable(path):
    """Return ``path`` if a file can be written there, else raise ValueError saying why.

    For a path that does not exist or is a regular file (or a link to one), it
    tries to create a file in the directory (``os.access`` says yes to root
    even where nothing can be written). A device or a FIFO is written through
    and only needs write permission.

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
        raise ValueError('%s %s' % (path, e.strerror))
    if through:  # a device or a FIFO: written through
        if not os.access(target, os.W_OK):
            raise ValueError('cannot write %s: permission denied' % path)
        return path
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise ValueError('%s %s' % (directory, 'is not a directory' if os.path.exists(directory)
                                    else 'does not exist'))
    try:
        tempfile.TemporaryFile(dir=directory).close()
        name_max = os.pathconf(directory, 'PC_NAME_MAX')
    except OSError as e:
        raise ValueError('cannot write in directory %s: %s' % (directory, e.strerror))
    if len(os.fsencode(os.path.basename(target))) > name_max:
        raise ValueError('%s: the file name is longer than %d bytes' % (path, name_max))
    return path


def _resolve(path):
    """(target, its stat or None, write through?) for ``path``, or OSError saying why not.

    A device or a FIFO, and anything under /dev or /proc (``/dev/stdout`` is
    the shell's redirection, whatever it points to), is written through at
    ``path``; otherwise a symbolic link's target is what gets replaced.
    """
    st = _stat(path)
    if path.endswith(os.sep) and not (st and stat.S_ISDIR(st.st_mode)):
        raise NotADirectoryError(errno.ENOTDIR, 'is not a directory (it ends with %s)' % os.sep, path)
    if st is not None and stat.S_ISSOCK(st.st_mode):
        raise OSError(errno.ENXIO, 'is a socket, not a file', path)
    special = os.path.abspath(path).startswith(('/dev/', '/proc/'))
    if st is not None and not stat.S_ISDIR(st.st_mode) and (special or not stat.S_ISREG(st.st_mode)):
        return path, st, True
    target = os.path.realpath(path)
    if os.path.islink(target):  # realpath stops at a loop
        raise OSError(errno.ELOOP, 'is a loop of symbolic links', path)
    st = _stat(target)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, 'is a directory', path)
    return target, st, False


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


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


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


def atomic_write(path, write, check=None):
    """Call ``write(tmp)`` on a temporary file, check it, then put it at ``path``.

    - Nothing at ``path``, or a regular file: the temporary file sits beside it,
      is flushed to the disk (fsync), checked, given the old file's mode (a new
      file gets ``0o666 & ~umask``, like ``open``) and renamed over it. The
      rename is atomic on one file system: readers see the old file or the
      complete new one.
    - A symbolic link: the same for the file it points to; the link stays.
    - A device or a FIFO (``/dev/null``, a named pipe): the checked bytes are
      written through to it; it is never replaced.

    ``check(tmp)``, if given, raises if the written file is not what was meant
    (say, it does not load back: some writers, MXNet's ``save_parameters``
    among them, do not report a full disk). Any failure raises ``OSError``,
    removes the temporary file and leaves ``path`` as it was.

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
    directory = None if through else os.path.dirname(target)  # through: the system's temporary directory
    # A name of up to 255 bytes (NAME_MAX) is allowed: keep the temporary one within it too, and in
    # ASCII (MXNet encodes the path it writes as UTF-8, which a non-UTF-8 name is not).
    name = os.path.basename(target).encode('ascii', 'replace').decode('ascii')[:200]
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + name + '.', suffix='.tmp')
    os.close(fd)
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
            with open(tmp, 'rb') as src, open(target, 'ab') as dst:
                shutil.copyfileobj(src, dst)
            return
        if st is None:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a new file's mode
        else:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # keep the old file's mode, and its owner if we may
            if (st.st_uid, st.st_gid) != (os.stat(tmp).st_uid, os.stat(tmp).st_gid):
                try:
                    os.chown(tmp, st.st_uid, st.st_gid)
                except (OSError, AttributeError):
                    pass
        os.replace(tmp, target)
        _fsync(directory, directory=True)
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)
