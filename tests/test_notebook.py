"""The notebook check is real: a stored output that no longer matches fails pytest --nbval."""
import json
import os
import re
import subprocess
import sys

from conftest import ROOT

NOTEBOOK = os.path.join(ROOT, 'examples', 'convolution_layers.ipynb')
LOG = 'batch 10, loss 0.004'


def _code_cell_with_output(notebook, text):
    """nbval's name for the code cell whose stored output contains ``text`` ('Cell N', N counting code cells)."""
    code = [cell for cell in notebook['cells'] if cell['cell_type'] == 'code']
    hits = [i for i, cell in enumerate(code) if text in json.dumps(cell.get('outputs', []))]
    assert len(hits) == 1, hits
    return 'Cell ' + str(hits[0])


def test_changed_stored_output_fails(tmp_path):
    text = open(NOTEBOOK, encoding='utf-8').read()
    assert text.count(LOG) == 1
    cell = _code_cell_with_output(json.loads(text), LOG)  # the In[8] cell
    (tmp_path / 'changed.ipynb').write_text(text.replace(LOG, 'batch 10, loss 0.005'), encoding='utf-8')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-m', 'pytest', '--nbval', '-p', 'no:cacheprovider', '-q',
                          '--rootdir', str(tmp_path), 'changed.ipynb'],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stdout
    failed = [line for line in res.stdout.splitlines() if line.startswith('FAILED ')]
    assert [line.split(' - ')[0] for line in failed] == ['FAILED changed.ipynb::' + cell]  # that cell, no other
    assert re.match(r'1 failed, \d+ passed', res.stdout.splitlines()[-1]), res.stdout.splitlines()[-1]
