"""The notebook check is real: a stored output that no longer matches fails pytest --nbval."""
import os
import subprocess
import sys

from conftest import ROOT

NOTEBOOK = os.path.join(ROOT, 'examples', 'convolution_layers.ipynb')


def test_changed_stored_output_fails(tmp_path):
    text = open(NOTEBOOK, encoding='utf-8').read()
    assert text.count('batch 10, loss 0.004') == 1
    (tmp_path / 'changed.ipynb').write_text(text.replace('batch 10, loss 0.004', 'batch 10, loss 0.005'),
                                            encoding='utf-8')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-m', 'pytest', '--nbval', '-p', 'no:cacheprovider', '-q',
                          '--rootdir', str(tmp_path), 'changed.ipynb'],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stdout
    assert 'FAILED changed.ipynb::Cell 7' in res.stdout  # the In[8] cell, and no other
    assert res.stdout.splitlines()[-1].startswith('1 failed, 15 passed')
