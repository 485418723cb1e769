"""Let MXNet 1.9.1 import on numpy >= 1.24 and numpy 2.x (Python 3.12 and 3.13).

MXNet 1.9.1 is the last release. Its Python code binds numpy names at import
time that numpy has since removed (``np.bool`` in 1.24; ``np.PZERO``, ``np.NAN``,
``np.alltrue``, ``np.in1d``, ``np.trapz``, ... in 2.0-2.4), so ``import mxnet``
fails with an ``AttributeError`` on current numpy. This module changes exactly
this, and only while a module named ``mxnet`` or ``mxnet.*`` is being executed:

* a numpy attribute that does not exist, read by MXNet's code (the reading
  frame's module is ``mxnet`` or ``mxnet.*``), resolves to a placeholder: numpy's own
  documented value for the removed constants (``PZERO = 0.0``, ``NZERO = -0.0``,
  ``NAN = NaN = nan``, ``PINF = Inf = Infinity = infty = inf``, ``NINF = -inf``),
  and otherwise a function that raises ``RuntimeError`` naming the removed numpy
  function when it is called (``mx.np.alltrue`` and the like: as numpy 1.20-1.23
  did for its removed financial functions);
* on numpy 1.24-1.26 only, ``numpy.bool = numpy.bool_`` is bound for the rest
  of the process (numpy < 1.24 had ``np.bool``; numpy 2 has it again, as this
  same type), since MXNet also uses it at run time (boolean indexing of
  ``mx.np`` arrays).

Other code, such as scipy importing meanwhile, sees numpy as it is. After the
import numpy is as it was, but for that ``numpy.bool``. Where numpy has every
name MXNet asks for (numpy <= 1.23), nothing is bound at all. MXNet code that
reads a removed name only when it is called (``mx.np.pad``, the estimator's
handlers) still fails on current numpy: neither the chapter nor d2l_conv uses it.

How it takes effect: installing d2l_conv puts ``d2l_conv_compat.pth`` into
site-packages, whose one line calls :func:`install` at interpreter start. That
adds a finder to the front of ``sys.meta_path`` which wraps the loader of every
``mxnet`` module; importing this module and adding the finder import neither
numpy nor mxnet, so programs that never import mxnet pay nothing. The user may
import mxnet first (``from mxnet import autograd, nd``, the chapter's In[1]) or
never import d2l_conv at all. ``import d2l_conv`` calls :func:`install` too.

Set the environment variable ``D2L_CONV_MXNET_COMPAT`` to ``0``, ``false``,
``no``, ``off``, ``n``, ``f``, ``none`` or ``disabled`` (any case; or a number
equal to 0, such as ``0.0``) to switch it off. Empty or unset means on, as for
Python's own ``PYTHON*`` variables; ``1``, ``true``, ``yes``, ``on``, ``y``,
``t`` and ``enabled`` mean on too, and any other value leaves it on with one
``RuntimeWarning``. On Python >= 3.12 MXNet also imports ``distutils``, which
setuptools provides (a dependency of d2l_conv there); nothing here changes that.

The hook gets along with other import machinery: a finder that, like this
one, asks the rest of ``sys.meta_path`` is asked at most once per module, and
the wrapped loader copies, deep-copies and pickles like the loader it wraps.

Limits: the hook wraps modules that the import system loads. ``python -m
mxnet.numpy.utils`` (say) runs that module as ``__main__`` through runpy, outside
the hook, so on numpy >= 1.24 it fails as plain MXNet does; import it instead.
"""
import _thread  # not threading, nor importlib.abc: this module loads at every interpreter start
import math
import os
import sys

__all__ = ['install', 'uninstall', 'enabled', 'CONSTANTS']

ENV = 'D2L_CONV_MXNET_COMPAT'
OFF = ('0', 'false', 'no', 'off', 'n', 'f', 'none', 'disabled')
ON = ('', 'true', 'yes', 'on', 'y', 't', 'enabled')  # '': empty means unset, as for PYTHON*; numbers aside

# numpy 2.0 removed these constants; the values are the ones its messages give.
CONSTANTS = {'PZERO': 0.0, 'NZERO': -0.0, 'NAN': math.nan, 'NaN': math.nan, 'PINF': math.inf,
             'Inf': math.inf, 'Infinity': math.inf, 'infty': math.inf, 'NINF': -math.inf}

_lock = _thread.RLock()
_depth = 0            # mxnet modules being executed right now (they import each other)
_numpy_getattr = None  # numpy's own module __getattr__ while ours is in place
_finding = set()      # (thread, module name) that _Finder is looking up right now
_warned = set()       # unknown values of ENV already warned about


def enabled():
    """False when ``D2L_CONV_MXNET_COMPAT`` is set to a value in ``OFF`` or a number equal to 0.

    Any value in neither ``OFF`` nor ``ON`` keeps the hook on (without it MXNet
    does not import on numpy >= 1.24) and warns once; where warnings are errors
    (``-W error``), the warning is one line on stderr, never an exception.
    """
    value = os.environ.get(ENV, '').strip().lower()
    if value.isascii() and value.replace('.', '', 1).isdigit():  # 0, 00, 0.0; 1, 2, 1.0
        return float(value) != 0
    if value in OFF:
        return False
    if value not in ON and value not in _warned:
        _warned.add(value)
        import warnings  # only here: this module loads at every interpreter start
        message = ('%s=%r is not a value d2l_conv_compat knows: the mxnet numpy hook stays on; use one of %s '
                   'to switch it off' % (ENV, os.environ[ENV], ', '.join(OFF)))
        try:
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        except RuntimeWarning:  # -W error: raised from the .pth, a traceback at every start and no hook
            sys.stderr.write('RuntimeWarning: %s\n' % message)
    return True


def install():
    """Add the mxnet import hook to ``sys.meta_path`` once; a no-op when switched off.

    Returns True when the hook is in place.

    >>> import d2l_conv_compat
    >>> d2l_conv_compat.install()  # again: the .pth did it at start-up
    True
    >>> sum(isinstance(f, d2l_conv_compat._Finder) for f in sys.meta_path)
    1
    """
    if not enabled():
        return False
    with _lock:
        if not any(isinstance(f, _Finder) for f in sys.meta_path):
            sys.meta_path.insert(0, _Finder())
    return True


def uninstall():
    """Remove the hook (modules already imported stay as they are)."""
    with _lock:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]


def _removed_function(name, reason):
    def removed(*args, **kwargs):
        raise RuntimeError('numpy.%s was removed from NumPy %s, which MXNet 1.9.1 falls back '
                           'to here (%s)' % (name, _numpy_version(), reason))
    removed.__name__ = removed.__qualname__ = name
    return removed


def _numpy_version():
    return getattr(sys.modules.get('numpy'), '__version__', '?')


def _placeholder(name, error):
    if name in CONSTANTS:
        return CONSTANTS[name]
    return _removed_function(name, error)


def _patched_getattr(name):
    try:
        return _numpy_getattr(name)
    except AttributeError as error:
        # Only mxnet's own lines get placeholders: what else runs meanwhile (scipy.stats,
        # which mxnet.contrib imports) probes numpy with hasattr and must see the truth.
        caller = sys._getframe(1).f_globals.get('__name__') or ''
        if name.startswith('_') or not (caller == 'mxnet' or caller.startswith('mxnet.')):
            raise
        return _placeholder(name, error)


def _enter():
    """Before an mxnet module runs: make numpy's missing names resolve."""
    global _depth, _numpy_getattr
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        import numpy
        import warnings
        with warnings.catch_warnings():  # numpy 1.20-1.23 warn on np.bool but still have it
            warnings.simplefilter('ignore')
            has_bool = hasattr(numpy, 'bool')
        if not has_bool:  # numpy 1.24-1.26
            numpy.bool = numpy.bool_  # what numpy 2 calls np.bool
        original = numpy.__dict__.get('__getattr__')
        if original is not None:
            _numpy_getattr = original
            numpy.__getattr__ = _patched_getattr


def _exit():
    """After the outermost mxnet module has run: numpy's own __getattr__ again."""
    global _depth, _numpy_getattr
    with _lock:
        _depth -= 1
        if _depth == 0 and _numpy_getattr is not None:
            sys.modules['numpy'].__getattr__ = _numpy_getattr
            _numpy_getattr = None


class _Loader:
    """Runs the real loader of an mxnet module between ``_enter`` and ``_exit`` (a Loader by duck typing)."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        if module.__name__ == 'mxnet':  # before mxnet loads libmxnet.so: Linux aarch64's ArmPL (d2l_conv_armpl)
            import d2l_conv_armpl
            d2l_conv_armpl.load(os.path.dirname(module.__file__))
        try:
            _enter()  # in the try: if numpy fails to import, _exit still undoes the count
            self.loader.exec_module(module)
        finally:
            _exit()

    def __getattr__(self, name):  # get_data, get_resource_reader, ...: the real loader's
        # Not 'loader' itself (missing only in a copy that copy/pickle made with __new__ and has
        # yet to fill), nor protocol names such as __setstate__ that they look up meanwhile.
        if name == 'loader' or name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        return getattr(self.loader, name)


class _Finder:
    """Finds ``mxnet`` and ``mxnet.*`` with the other finders and wraps their loader (a MetaPathFinder)."""

    def find_spec(self, name, path=None, target=None):
        if name != 'mxnet' and not name.startswith('mxnet.'):
            return None
        # Another finder that asks the rest of sys.meta_path, as this one does, asks this one
        # again: answer None then, or the two would ask each other until RecursionError.
        key = (_thread.get_ident(), name)
        if key in _finding:
            return None
        _finding.add(key)
        try:
            spec = self._find_with_others(name, path, target)
        finally:
            _finding.discard(key)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, 'exec_module'):
            spec.loader = _Loader(spec.loader)
        return spec

    def _find_with_others(self, name, path, target):
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, 'find_spec'):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    return spec
        return None
