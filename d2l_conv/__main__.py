"""``python -m d2l_conv learn-kernel | edge-detection | exercises [options]``: the chapter's scripts."""
from .cli import run
from .commands import PROG, main

run(main, prog=PROG)
