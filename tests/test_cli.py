"""The scripts as a user runs them: pictures, saving, and one-line errors for bad input."""
import io
import os
import sys

import matplotlib.image
import numpy as np
import pytest
from mxnet.gluon import nn

from d2l_conv import corr2d, diagonal_image, edge_kernel, stripe_image
from d2l_conv.files import atomic_write
from d2l_conv.plot import plot_training, show_heatmaps

PNG = b'\x89PNG\r\n\x1a\n'


@pytest.mark.parametrize('args, message', [
    (['--iters', '0'], 'argument --iters: must be positive, got 0'),
    (['--iters', '-3'], 'argument --iters: must be positive, got -3'),
    (['--lr', 'abc'], "argument --lr: invalid positive float value: 'abc'"),
    (['--lr', '-1'], 'argument --lr: must be positive, got -1'),
    (['--ctx', 'tpu'], "argument --ctx: unknown context 'tpu'; use cpu, gpu, gpu:N or auto"),
    (['--save', '/nonexistent-dir/k.params'], 'argument --save: /nonexistent-dir does not exist'),
    (['--plot', '/proc/k.png'], 'argument --plot: cannot write in directory /proc'),
    (['--layer', 'book'], "argument --layer: invalid choice: 'book'"),
])
def test_bad_arguments_one_line(script_main, capsys, monkeypatch, args, message):
    monkeypatch.setattr(sys, 'argv', ['learn_kernel.py'])  # argparse's prog, as from the shell
    with pytest.raises(SystemExit) as exit_:
        script_main('learn_kernel.py')(args)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == ''
    usage, error = err.splitlines()
    assert usage == 'usage: learn_kernel.py [options]'
    assert error.startswith('learn_kernel.py: error: ' + message)


def test_save_into_a_file_as_directory_fails_cleanly(run_script, tmp_path):
    """Also in a subprocess: what the user sees is the usage line and one error line, no traceback."""
    (tmp_path / 'afile').write_text('')
    res = run_script('learn_kernel.py', '--save', str(tmp_path / 'afile' / 'k.params'))
    assert res.returncode == 2 and res.stdout == '' and len(res.stderr.splitlines()) == 2
    assert res.stderr.splitlines()[-1].endswith('afile is not a directory')
    assert os.listdir(tmp_path) == ['afile']


def test_plot_and_save_together(run_script, tmp_path):
    res = run_script('learn_kernel.py', '--plot', 'k.png', '--save', 'k.params', cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(os.listdir(tmp_path)) == ['k.params', 'k.png']  # no temporary file left
    assert (tmp_path / 'k.png').read_bytes().startswith(PNG)
    assert matplotlib.image.imread(tmp_path / 'k.png').shape[:2] == (300, 1000)
    conv2d = nn.Conv2D(1, kernel_size=(1, 2))
    conv2d.load_parameters(str(tmp_path / 'k.params'))
    assert conv2d.weight.data().reshape((1, 2)).asnumpy().tolist() == [[np.float32(0.9895), np.float32(-0.9873705)]]


def test_edge_detection_plot(run_script, tmp_path):
    res = run_script('edge_detection.py', '--plot', str(tmp_path / 'e.png'))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / 'e.png').read_bytes().startswith(PNG)


def _png(arrays):
    buf = io.BytesIO()
    show_heatmaps(arrays, ['a', 'b']).savefig(buf, format='png')
    return buf.getvalue()


def test_heatmaps_depend_on_the_data():
    K = edge_kernel()
    X, D = stripe_image(), diagonal_image(6)
    assert _png([X, corr2d(X, K)]) == _png([X, corr2d(X, K)])
    assert _png([X, corr2d(X, K)]) != _png([D, corr2d(D, K)])


def test_training_plot_depends_on_the_data():
    def png(losses, learned):
        buf = io.BytesIO()
        plot_training(losses, learned, edge_kernel()).savefig(buf, format='png')
        return buf.getvalue()
    learned = edge_kernel() * 0.9
    assert png([4.9, 0.8, 0.1], learned) == png([4.9, 0.8, 0.1], learned)
    assert png([4.9, 0.8, 0.1], learned) != png([4.9, 2.0, 0.1], learned) != png([4.9, 2.0, 0.1], learned * 0.5)


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / 'out.params'
    target.write_bytes(b'old')

    def half_then_fail(tmp):
        open(tmp, 'wb').write(b'half')
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(target), half_then_fail)
    assert target.read_bytes() == b'old' and os.listdir(tmp_path) == ['out.params']
