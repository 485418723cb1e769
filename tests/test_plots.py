"""Pictures: what d2l_conv.plot draws, and the files that --plot writes (with or without matplotlib)."""
import os
import sys

import numpy as np
import pytest
from mxnet import nd
from mxnet.gluon import nn

from d2l_conv import corr2d, diagonal_image, edge_kernel, stripe_image
from d2l_conv.plot import plot_training, show_heatmaps

PNG = b'\x89PNG\r\n\x1a\n'


def _panels(fig):
    """{title: axes} of a figure (the colorbar has no title)."""
    return {ax.get_title(): ax for ax in fig.axes if ax.get_title()}


@pytest.mark.slow  # draws a picture
def test_each_heatmap_draws_its_own_array():
    X, D = stripe_image(), diagonal_image(6)
    arrays = [X, corr2d(X, edge_kernel()), D]
    panels = _panels(show_heatmaps(arrays, ['a', 'b', 'c']))
    assert sorted(panels) == ['a', 'b', 'c']
    for title, A in zip('abc', arrays):
        np.testing.assert_array_equal(panels[title].images[0].get_array(), A.asnumpy())
        texts = [float(t.get_text()) for t in panels[title].texts]
        np.testing.assert_array_equal(texts, A.asnumpy().ravel())  # the values written in the cells


@pytest.mark.slow  # draws a picture
def test_training_plot_draws_the_losses_and_each_kernel():
    learned, true = nd.array([[0.75, -0.5]]), edge_kernel()
    panels = _panels(plot_training([4.9, 0.8, 0.1], learned.reshape((1, 1, 1, 2)), true))
    assert sorted(panels) == ['learned kernel', 'squared error', 'true kernel']
    line, = panels['squared error'].lines
    assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == [4.9, 0.8, 0.1]
    assert panels['squared error'].get_yscale() == 'log'
    np.testing.assert_array_equal(panels['learned kernel'].images[0].get_array(), [[0.75, -0.5]])
    assert [t.get_text() for t in panels['learned kernel'].texts] == ['0.75', '-0.5']  # to two decimals
    np.testing.assert_array_equal(panels['true kernel'].images[0].get_array(), [[1, -1]])


@pytest.mark.parametrize('arrays, titles, match', [
    ([], [], 'one title per array, and at least one array; got 0 arrays and 0 titles'),
    ([nd.ones((2, 2))], [], 'one title per array, and at least one array; got 1 arrays and 0 titles'),
    ([nd.ones((3,))], ['a'], r'a: a heatmap needs a non-empty 2-D array, got shape \(3,\)'),
    ([np.ones((2, 0))], ['b'], r'b: a heatmap needs a non-empty 2-D array, got shape \(2, 0\)'),
])
def test_show_heatmaps_refuses_what_it_cannot_draw(arrays, titles, match):
    with pytest.raises(ValueError, match=match):
        show_heatmaps(arrays, titles)


@pytest.mark.slow  # draws a picture
def test_heatmap_text_is_white_on_dark_cells():
    """Symmetric scale, 0 the neutral colour; values beyond half the scale are written in white."""
    ax = show_heatmaps([nd.array([[3, 1.5, 1.6, 0, -2, 0.5]])], ['a']).axes[0]
    assert ax.images[0].get_clim() == (-3.0, 3.0)
    assert [t.get_color() for t in ax.texts] == ['white', 'black', 'white', 'black', 'white', 'black']


@pytest.mark.slow  # draws a picture
def test_heatmap_scale_is_at_least_one():
    assert show_heatmaps([nd.array([[0.25, 0]])], ['a']).axes[0].images[0].get_clim() == (-1.0, 1.0)


@pytest.mark.slow  # draws a picture
def test_heatmap_scale_ignores_inf():
    fig = show_heatmaps([nd.array([[np.inf, 1.0, -3.0]])], ['a'])
    assert fig.axes[0].images[0].get_clim() == (-3.0, 3.0)


@pytest.mark.parametrize('ext, head, tail', [('png', PNG, b'IEND\xaeB`\x82'), ('pdf', b'%PDF-', b'%%EOF'),
                                             ('svg', b'<?xml', b'</svg>')])
@pytest.mark.slow  # trains, then renders a file
def test_plot_format_follows_the_extension(script, tmp_path, ext, head, tail):
    path = tmp_path / ('edges.' + ext.upper())
    res = script('edge_detection.py', '--plot', str(path))
    assert res.code == 0, res.err
    data = path.read_bytes()
    assert data.startswith(head) and data.rstrip().endswith(tail)


@pytest.mark.slow  # trains, then renders a file
def test_a_dot_pdf_name_is_a_pdf(script, tmp_path):
    res = script('learn_kernel.py', '--iters', '2', '--plot', str(tmp_path / '.pdf'))
    assert res.code == 0, res.err
    assert (tmp_path / '.pdf').read_bytes().startswith(b'%PDF-')


@pytest.mark.parametrize('name', ['learn_kernel.py', 'edge_detection.py'])
def test_an_unknown_picture_extension_is_a_usage_error(script, tmp_path, name):
    res = script(name, '--plot', str(tmp_path / 'k.jpg'))
    assert res.code == 2
    error = res.usage_error()
    assert error.startswith('argument --plot: cannot write a picture named k.jpg') and '.png, .pdf or .svg' in error
    assert os.listdir(str(tmp_path)) == []


@pytest.fixture
def no_matplotlib(monkeypatch):
    """As if matplotlib were not installed (it is the optional ``plot`` extra)."""
    for name in list(sys.modules):
        if name == 'matplotlib' or name.startswith('matplotlib.') or name == 'd2l_conv.plot':
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'matplotlib', None)  # import matplotlib raises ImportError
    monkeypatch.delattr('d2l_conv.plot', raising=False)


@pytest.mark.parametrize('name', ['learn_kernel.py', 'edge_detection.py'])
def test_plot_without_matplotlib_is_one_clear_line(script, tmp_path, no_matplotlib, name):
    res = script(name, '--plot', str(tmp_path / 'k.png'))
    assert res.code == 2 and res.out == ''  # before any training
    error = res.usage_error()
    assert error.startswith('--plot needs matplotlib') and "pip install 'd2l_conv[plot]'" in error
    assert os.listdir(str(tmp_path)) == []


def test_everything_else_works_without_matplotlib(script, tmp_path, no_matplotlib):
    res = script('learn_kernel.py', '--save', str(tmp_path / 'k.params'))
    assert res.code == 0 and res.err == '' and res.out.endswith('<NDArray 1x2 @cpu(0)>\n')
    conv2d = nn.Conv2D(1, kernel_size=(1, 2))
    conv2d.load_parameters(str(tmp_path / 'k.params'))
    np.testing.assert_array_equal(conv2d.weight.data().reshape((1, 2)).asnumpy(), np.float32([[0.9895, -0.9873705]]))
    assert script('edge_detection.py').code == 0
    from d2l_conv import plot  # noqa: F401 (it imports matplotlib only to draw: the quick subset never pays for it)


@pytest.mark.slow
def test_plot_and_save_together(run_script, tmp_path):
    """The README's command, as a user runs it: a complete picture and parameters that load back."""
    res = run_script('learn_kernel.py', '--plot', 'k.png', '--save', 'k.params', cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(os.listdir(str(tmp_path))) == ['k.params', 'k.png']  # no temporary file left
    import matplotlib.image
    assert (tmp_path / 'k.png').read_bytes().startswith(PNG)
    assert matplotlib.image.imread(str(tmp_path / 'k.png')).ndim == 3  # it decodes, as a colour picture
    conv2d = nn.Conv2D(1, kernel_size=(1, 2))
    conv2d.load_parameters(str(tmp_path / 'k.params'))
    np.testing.assert_array_equal(conv2d.weight.data().reshape((1, 2)).asnumpy(), np.float32([[0.9895, -0.9873705]]))


@pytest.mark.slow
@pytest.mark.parametrize('backend, code, error', [
    ('module://no_such_backend', 0, ''),  # used to be a ModuleNotFoundError traceback after training
    ('bogus', 2, "python -m d2l_conv edge-detection: error: --plot: matplotlib does not import: Key backend: 'bogus' "
                 "is not a valid value for backend"),  # used to be a ValueError traceback
])
def test_plot_draws_with_agg_whatever_mplbackend_says(run_python, tmp_path, backend, code, error):
    res = run_python('-m', 'd2l_conv', 'edge-detection', '--plot', 'e.png', cwd=tmp_path, env={'MPLBACKEND': backend})
    assert res.returncode == code, res.stderr
    if code == 0:
        assert res.stderr == '' and (tmp_path / 'e.png').read_bytes().startswith(b'\x89PNG')
    else:
        lines = res.stderr.splitlines()
        assert res.stdout == '' and len(lines) == 2 and lines[1].startswith(error)
        assert os.listdir(str(tmp_path)) == []
