"""Learn the edge kernel [1, -1] from the stripe image: the chapter's In[8] and Out[9].

    python examples/learn_kernel.py                 # the document's log and kernel, to the digit
    python examples/learn_kernel.py --iters 20 --lr 0.01
    python examples/learn_kernel.py --layer custom  # the chapter's Conv2D with corr2d_fast: it learns
    python examples/learn_kernel.py --ctx gpu       # needs a CUDA build, e.g. mxnet-cu112==1.9.1
    python examples/learn_kernel.py --plot kernel.png --save kernel.params

The same as ``python -m d2l_conv learn-kernel``: d2l_conv.commands.learn_kernel.
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
from d2l_conv.commands import learn_kernel as main  # noqa: E402

if __name__ == '__main__':
    run(main)
