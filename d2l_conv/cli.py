"""Small argparse helpers shared by the example scripts: bad input ends as one argparse error line."""
import argparse
import math

__all__ = ['argtype', 'positive', 'write_or_exit']


def argtype(parse):
    """An argparse ``type`` from a function that raises ValueError with a message."""
    def arg(text):
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e))
    arg.__name__ = parse.__name__
    return arg


def positive(type_):
    """An argparse ``type`` for a finite number above zero of ``type_`` (int or float)."""
    def parse(text):
        value = type_(text)  # argparse turns a ValueError here into "invalid positive int value"
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError('must be positive, got %s' % text)
        return value
    parse.__name__ = 'positive ' + type_.__name__
    return parse


def write_or_exit(parser, path, write):
    """``atomic_write(path, write)``; an OSError (disk full, say) exits with status 1 and one line."""
    from .files import atomic_write
    try:
        atomic_write(path, write)
    except OSError as e:
        parser.exit(1, '%s: error: cannot write %s: %s\n' % (parser.prog, path, e.strerror or e))
