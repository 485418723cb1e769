"""The notebook check is real: a stored output that no longer matches fails pytest --nbval on that cell."""
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

NOTEBOOK = os.path.join(ROOT, 'examples', 'convolution_layers.ipynb')


@pytest.mark.slow
def test_changed_stored_output_fails(tmp_path):
    notebook = json.load(open(NOTEBOOK, encoding='utf-8'))
    code_cells = [cell for cell in notebook['cells'] if cell['cell_type'] == 'code']
    in8 = next(i for i, cell in enumerate(code_cells) if 'l.backward()' in ''.join(cell['source']))
    output = code_cells[in8]['outputs'][0]
    assert output['text'][-1] == 'batch 10, loss 0.004\n'
    output['text'][-1] = 'batch 10, loss 0.005\n'
    (tmp_path / 'changed.ipynb').write_text(json.dumps(notebook), encoding='utf-8')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-m', 'pytest', '--nbval', '-p', 'no:cacheprovider', '-q',
                          '--rootdir', str(tmp_path), 'changed.ipynb'],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stdout
    failed = [line for line in res.stdout.splitlines() if line.startswith('FAILED ')]
    assert [line.split(' - ')[0] for line in failed] == ['FAILED changed.ipynb::Cell %d' % in8]  # In[8] alone
