"""``python -m d2l_conv learn-kernel | edge-detection | exercises [options]``: the chapter's scripts."""
from .cli import run
from .commands import PROG, main

if __name__ == '__main__':  # not when a tool such as pytest --doctest-modules imports it
    run(main, prog=PROG)
