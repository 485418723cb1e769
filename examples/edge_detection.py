"""Detect the stripe's vertical edges with K = [[1, -1]]: the chapter's In[5], In[6] and In[7].

    python examples/edge_detection.py
    python examples/edge_detection.py --plot edges.png   # heatmaps of X, Y and z

The same as ``python -m d2l_conv edge-detection``: d2l_conv.commands.edge_detection.
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
from d2l_conv.commands import edge_detection as main  # noqa: E402

if __name__ == '__main__':
    run(main)
