import importlib.util
import os
import subprocess
import sys

import pytest

try:
    from hypothesis import settings
except ImportError:  # hypothesis is only needed by the property tests
    settings = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if settings is not None:
    # CI=1 (set by most CI services) makes the property tests draw the same examples on every
    # run, so that a CI failure reproduces locally with CI=1 python -m pytest; HYPOTHESIS_PROFILE
    # picks a profile by name.
    settings.register_profile('ci', derandomize=True, print_blob=True, deadline=None)
    settings.register_profile('dev', print_blob=True)
    settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE') or ('ci' if os.environ.get('CI') else 'dev'))


@pytest.fixture
def run_script():
    """Run ``python examples/NAME args...`` from the repo root as a user would."""
    def run(name, *args, cwd=ROOT):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
        return subprocess.run([sys.executable, os.path.join(ROOT, 'examples', name), *args],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return run


@pytest.fixture
def script_main():
    """``main`` of examples/NAME, to run in-process (no 2 s MXNet import per case)."""
    def load(name):
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(ROOT, 'examples', name))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.main
    return load


@pytest.fixture(autouse=True)
def close_figures():
    """Figures that a test made are closed after it (pyplot keeps them all otherwise)."""
    yield
    if 'matplotlib.pyplot' in sys.modules:
        sys.modules['matplotlib.pyplot'].close('all')
