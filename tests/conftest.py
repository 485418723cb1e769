import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def run_script():
    """Run ``python examples/NAME args...`` from the repo root as a user would."""
    def run(name, *args, cwd=ROOT):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
        return subprocess.run([sys.executable, os.path.join(ROOT, 'examples', name), *args],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return run
