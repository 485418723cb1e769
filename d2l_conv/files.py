"""Writing files so that an interrupted run never leaves half of one."""
import os
import tempfile

__all__ = ['check_writable', 'atomic_write']


def check_writable(path):
    """Return ``path`` if a file can be written there, else raise ValueError saying why.

    Tries to create a file in the directory (``os.access`` says yes to root
    even where nothing can be written).
    """
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError('%s is a directory' % path)
    if not os.path.isdir(directory):
        raise ValueError('%s %s' % (directory, 'is not a directory' if os.path.exists(directory)
                                    else 'does not exist'))
    try:
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as e:
        raise ValueError('cannot write in directory %s: %s' % (directory, e.strerror))
    return path


def atomic_write(path, write):
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The rename is atomic on one file system: readers see the old file or the
    complete new one. If ``write`` fails, the temporary file is removed and
    ``path`` is untouched.
    """
    check_writable(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix='.' + os.path.basename(path) + '.', suffix='.tmp')
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
