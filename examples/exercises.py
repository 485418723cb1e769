"""The chapter's exercises, answered in code.

    python examples/exercises.py

The same as ``python -m d2l_conv exercises``: d2l_conv.commands.exercises.
"""
import os
import sys

try:
    import d2l_conv  # noqa: F401 (first, before anything imports MXNet: its ImportError says what to install)
except ImportError as e:
    hint = ('; install it first: python -m pip install -e . in the checkout (the README\'s set-up commands)'
            if isinstance(e, ModuleNotFoundError) and e.name == 'd2l_conv' else '')
    sys.exit('%s: error: %s%s' % (os.path.basename(sys.argv[0]), ' '.join(str(e).split()), hint))

from d2l_conv.cli import run  # noqa: E402
from d2l_conv.commands import exercises as main  # noqa: E402

if __name__ == '__main__':
    run(main)
