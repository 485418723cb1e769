"""Small argparse helpers shared by the commands (``d2l_conv.commands``).

Bad arguments end as the usage line and one error line (exit status 2), a
failure at run time as one error line (exit status 1), never a traceback.
"""
import argparse
import errno
import math
import os
import signal
import sys

from mxnet.base import MXNetError

from .files import atomic_write, check_writable, error_line, printable

__all__ = ['argtype', 'positive', 'seed', 'output_path', 'plot_path', 'plot_format', 'check_figure',
           'check_distinct', 'import_plot', 'write_or_exit', 'fail', 'run']

SEED_MIN, SEED_MAX = -2 ** 31, 2 ** 31 - 1  # mx.random.seed passes the seed as a C int
PLOT_FORMATS = ('png', 'pdf', 'svg')


def argtype(parse):
    """An argparse ``type`` from a function that raises ValueError with a message.

    Examples
    --------
    >>> argtype(int)('12')
    12
    """
    def arg(text):
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e))
    arg.__name__ = parse.__name__
    return arg


def positive(type_):
    """An argparse ``type`` for a finite number above zero of ``type_`` (int or float).

    A float must also be normal (at least ``sys.float_info.min``, about
    2.2e-308): MXNet cannot take a smaller one as a scalar.

    Examples
    --------
    >>> positive(float)('0.03')
    0.03
    >>> positive(float)('1e400')
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a finite number, got 1e400
    >>> positive(float)('1e-320')
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be at least 2.2250738585072014e-308 (the smallest normal float), got 1e-320
    """
    def parse(text):
        value = type_(text)  # argparse turns a ValueError here into "invalid positive int value"
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError('must be a finite number, got %s' % text)
        if not value > 0:
            raise argparse.ArgumentTypeError('must be positive, got %s' % text)
        if isinstance(value, float) and value < sys.float_info.min:
            raise argparse.ArgumentTypeError('must be at least %r (the smallest normal float), got %s'
                                             % (sys.float_info.min, text))
        return value
    parse.__name__ = 'positive ' + type_.__name__
    return parse


def seed(text):
    """An argparse ``type`` for an MXNet seed: an int from -2**31 to 2**31 - 1.

    ``mx.random.seed`` passes its argument as a C int, so a larger one would
    silently repeat a smaller seed (4294967296 would be seed 0).

    Examples
    --------
    >>> seed('42')
    42
    >>> seed('4294967296')
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be from -2147483648 to 2147483647 (MXNet's seeds), got 4294967296
    """
    value = int(text)  # argparse turns a ValueError here into "invalid seed value"
    if not SEED_MIN <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError("must be from %d to %d (MXNet's seeds), got %s"
                                         % (SEED_MIN, SEED_MAX, text))
    return value


def output_path(text):
    """An argparse ``type`` for ``--save``: ``check_writable`` as a usage error, in a directory whose
    name is UTF-8. MXNet encodes the path it writes as UTF-8, so a directory named otherwise would fail
    only after training (the file's own name may be anything: the temporary file is named in ASCII)."""
    try:
        check_writable(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))
    directory = os.path.dirname(os.path.realpath(text))
    try:
        directory.encode('utf-8')
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError('cannot save in directory %s: its name is not UTF-8, and MXNet writes '
                                         'only to UTF-8 paths' % printable(directory))
    return text


def plot_format(path):
    """The matplotlib format for ``path``, from its extension: png (also with none), pdf or svg.

    Examples
    --------
    >>> plot_format('kernel.svg'), plot_format('kernel.PDF'), plot_format('/dev/null')
    ('svg', 'pdf', 'png')
    >>> plot_format('kernel.jpg')
    Traceback (most recent call last):
    ...
    ValueError: cannot write a picture named kernel.jpg; use a .png, .pdf or .svg file name
    """
    ext = os.path.splitext('x' + os.path.basename(path))[1].lower()  # 'x': '.pdf' alone is a .pdf too
    if not ext:
        return 'png'
    if ext[1:] not in PLOT_FORMATS:
        raise ValueError('cannot write a picture named %s; use a .png, .pdf or .svg file name'
                         % printable(os.path.basename(path)))
    return ext[1:]


def plot_path(text):
    """An argparse ``type`` for ``--plot``: a writable path with a known picture extension."""
    try:
        plot_format(text)
        return check_writable(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


_MAGIC = {'png': (b'\x89PNG\r\n\x1a\n', b'IEND\xaeB`\x82'), 'pdf': (b'%PDF-', b'%%EOF'),
          'svg': (b'<?xml', b'</svg>')}


def check_figure(fmt):
    """A ``check`` for ``atomic_write``: the file holds a complete picture in ``fmt``."""
    head, tail = _MAGIC[fmt]

    def check(path):
        with open(path, 'rb') as f:
            data = f.read()
        if not (data.startswith(head) and data.rstrip().endswith(tail)):
            raise ValueError('not a complete %s file (%d bytes)' % (fmt.upper(), len(data)))
    return check


def check_distinct(parser, first, second):
    """A usage error if the options ``first`` and ``second`` (pairs of name and path) name one file."""
    (name1, path1), (name2, path2) = first, second
    if path1 and path2 and (os.path.realpath(path1) == os.path.realpath(path2)
                            or os.path.exists(path1) and os.path.exists(path2) and os.path.samefile(path1, path2)):
        parser.error('%s and %s name the same file %s; give each its own' % (name1, name2, printable(path1)))


def import_plot(parser):
    """``d2l_conv.plot``, imported only when a picture is asked for (matplotlib is an optional
    extra, and slow to import); without matplotlib, a usage error that says what to install.

    The commands only write files, so they draw with Agg whatever ``MPLBACKEND`` names (a
    backend that needs a display, or one that does not exist, failed only after training);
    a value that matplotlib refuses at import is a usage error too. A process that has
    imported pyplot already (a notebook that plots) keeps its backend.
    """
    try:
        import matplotlib
        if 'matplotlib.pyplot' not in sys.modules:
            matplotlib.use('agg')
        import matplotlib.pyplot  # noqa: F401 (d2l_conv.plot imports it only when it draws; fail here, before training)
        from . import plot
    except ImportError as e:
        parser.error("--plot needs matplotlib (%s): pip install 'd2l_conv[plot]', or pip install matplotlib"
                     % ' '.join(str(e).split()))
    except ValueError as e:  # MPLBACKEND=bogus, say: matplotlib checks its settings at import
        parser.error('--plot: matplotlib does not import: %s' % ' '.join(str(e).split()))
    return plot


def fail(parser, message):
    """End the script with ``PROG: error: MESSAGE`` on stderr and exit status 1 (a failure, not a usage error)."""
    parser.exit(1, '%s: error: %s\n' % (parser.prog, message))


def write_or_exit(parser, path, write, check=None):
    """``atomic_write(path, write, check)``; any failure exits with status 1 and one line."""
    try:
        atomic_write(path, write, check)
    except (OSError, ValueError, MXNetError) as e:
        fail(parser, 'cannot write %s: %s' % (printable(path), error_line(e)))


def run(main, prog=None):
    """Run a command's ``main()`` as a Unix tool (``prog``, default the script's name, in error lines).

    - The reader of stdout goes away (``script.py | head -1``): end quietly with
      status 141 (128 + SIGPIPE, what a shell reports for a tool SIGPIPE ended).
    - stdout closed (``>&-``) or full: one error line, status 1.
    - Ctrl-C, SIGTERM or SIGHUP: end quietly with 128 + the signal's number,
      after the ``finally`` clauses ran (a temporary file is removed).
    """
    prog = prog or os.path.basename(sys.argv[0])

    def stop(signum, frame):
        raise SystemExit(128 + signum)  # unwinds through atomic_write's finally
    for name in ('SIGTERM', 'SIGHUP'):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    try:
        if sys.stdout is None:
            raise OSError(errno.EBADF, 'stdout is closed')
        main()
        sys.stdout.flush()  # inside the try: the last output is written here
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)
    except BrokenPipeError:
        _stdout_to_devnull()
        sys.exit(141)
    except OSError as e:  # only stdout is written outside write_or_exit, which handles its own errors
        if sys.stdout is not None:
            _stdout_to_devnull()
        sys.stderr.write('%s: error: cannot write to stdout: %s\n' % (prog, e.strerror or e))
        sys.exit(1)


def _stdout_to_devnull():
    """Python's documented recipe for a failed stdout: point it at devnull, so the flush at exit cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
