"""Shared fixtures: the checkout's place, running its scripts (in-process and as a user would), the
Hypothesis profiles, and closing figures."""
import importlib.util
import os
import subprocess
import sys
from typing import NamedTuple

import pytest

try:
    from hypothesis import settings
except ImportError:  # hypothesis is only needed by the property tests
    settings = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout (prefer the fixtures below)

if settings is not None:
    # CI=1 (set by most CI services) makes the property tests draw the same examples on every
    # run, so that a CI failure reproduces locally with CI=1 python -m pytest; HYPOTHESIS_PROFILE
    # picks a profile by name.
    settings.register_profile('ci', derandomize=True, print_blob=True, deadline=None)
    settings.register_profile('dev', print_blob=True)
    settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE') or ('ci' if os.environ.get('CI') else 'dev'))


SUBPROCESS_FIXTURES = {'run_python', 'run_script', 'shell'}
PLOT_MODULE = os.path.join(ROOT, 'd2l_conv', 'plot.py')  # its doctests draw pictures


def pytest_collection_modifyitems(items):
    """``slow`` (the criterion is pyproject.toml's ``markers`` text), besides the tests marked so: the
    notebook's cells (nbval starts a kernel, which imports mxnet), every test that starts a Python through
    the fixtures below, and d2l_conv/plot.py's doctests (they draw: importing matplotlib.pyplot alone costs
    ~0.3-0.8 s, which the quick subset never pays)."""
    for item in items:
        if (item.path.suffix == '.ipynb' or SUBPROCESS_FIXTURES & set(getattr(item, 'fixturenames', ()))
                or str(item.path) == PLOT_MODULE):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def root():
    """The checkout's directory."""
    return ROOT


@pytest.fixture
def python_env():
    """``os.environ`` with the checkout first on PYTHONPATH: a subprocess imports this d2l_conv."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])))


@pytest.fixture
def run_python(python_env):
    """``run_python(*args, cwd=ROOT, env=None)``: ``python ARGS`` in a subprocess (a CompletedProcess, text).

    ``env`` adds to ``python_env``. Every test that uses it is ``@pytest.mark.slow``: ``import mxnet``
    costs a subprocess about 1.3 s.
    """
    def run(*args, cwd=ROOT, env=None, timeout=120):
        return subprocess.run([sys.executable, *args], cwd=str(cwd), env=dict(python_env, **(env or {})),
                              capture_output=True, text=True, timeout=timeout)
    return run


@pytest.fixture
def script_path():
    """``script_path(NAME)``: the path of examples/NAME."""
    return lambda name: os.path.join(ROOT, 'examples', name)


@pytest.fixture
def run_script(run_python, script_path):
    """Run ``python examples/NAME args...`` from the repo root as a user would (slow: a subprocess)."""
    return lambda name, *args, cwd=ROOT: run_python(script_path(name), *args, cwd=cwd)


@pytest.fixture
def shell(python_env, script_path, tmp_path):
    """``shell(COMMAND)``: ``sh -c COMMAND`` in tmp_path, with ``$PY`` this Python and ``$S``
    examples/learn_kernel.py (slow: a subprocess)."""
    env = dict(python_env, PY=sys.executable, S=script_path('learn_kernel.py'))
    return lambda command, timeout=120: subprocess.run(['sh', '-c', command], cwd=str(tmp_path), env=env,
                                                       capture_output=True, text=True, timeout=timeout)


_MAINS = {}


@pytest.fixture
def script_main(script_path):
    """``main`` of examples/NAME, to run in-process (no 2 s MXNet import per case)."""
    def load(name):
        if name not in _MAINS:
            spec = importlib.util.spec_from_file_location(name[:-3], script_path(name))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _MAINS[name] = module.main
        return _MAINS[name]
    return load


class Ran(NamedTuple):
    """What a script run in-process did: exit status, stdout, stderr, and its name (``prog``)."""
    code: int
    out: str
    err: str
    prog: str

    def error(self):
        """The text of the one ``PROG: error: ...`` line that a failure at run time prints."""
        lines = self.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(self.prog + ': error: '), self.err
        return lines[0][len(self.prog + ': error: '):]

    def usage_error(self):
        """The text of the error line after the usage line, which bad arguments print."""
        lines = self.err.splitlines()
        assert len(lines) == 2 and lines[0] == 'usage: %s [options]' % self.prog, self.err
        assert lines[1].startswith(self.prog + ': error: '), self.err
        return lines[1][len(self.prog + ': error: '):]


@pytest.fixture
def script(script_main, capsys, monkeypatch):
    """``script(NAME, *args)`` runs examples/NAME's main in-process: a ``Ran``."""
    def run(name, *args):
        monkeypatch.setattr(sys, 'argv', [name])  # argparse's prog, as from the shell
        try:
            script_main(name)(list(args))
            code = 0
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        return Ran(code, out, err, name)
    return run


@pytest.fixture(autouse=True)
def close_figures():
    """Figures that a test made are closed after it (pyplot keeps them all otherwise)."""
    yield
    if 'matplotlib.pyplot' in sys.modules:
        sys.modules['matplotlib.pyplot'].close('all')
