"""Pictures of the chapter: heatmaps of X, Y and corr2d(X.T, K), the loss curve, the kernels.

matplotlib.pyplot is imported by the functions that draw, not here: it costs ~0.3-0.8 s, which
importing this module (pytest's --doctest-modules collects it) need not pay. Without a display
matplotlib picks Agg by itself; the scripts choose Agg (d2l_conv.cli.import_plot).
"""
import numpy as np

__all__ = ['show_heatmaps', 'plot_training']


def _host_2d(A, title):
    """``A`` as a numpy array, or a ValueError if it is not a non-empty 2-D array."""
    A = A.asnumpy() if hasattr(A, 'asnumpy') else np.asarray(A)
    if A.ndim != 2 or A.size == 0:
        raise ValueError('%s: a heatmap needs a non-empty 2-D array, got shape %s' % (title, A.shape))
    return A


def _heatmap(ax, A, title):
    A = _host_2d(A, title)
    finite = np.abs(A[np.isfinite(A)])  # NaN and Inf are drawn at the ends of the scale
    lim = max(1.0, float(finite.max()) if finite.size else 1.0)  # symmetric: 0 is the neutral colour
    im = ax.imshow(A, cmap='coolwarm', vmin=-lim, vmax=lim)
    for (i, j), v in np.ndenumerate(A):
        ax.text(j, i, '%g' % round(float(v), 2), ha='center', va='center', fontsize=8,
                color='white' if abs(v) > lim / 2 else 'black')
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def show_heatmaps(arrays, titles):
    """One figure with a readable heatmap per 2-D array (values written in the cells).

    ``show_heatmaps([X, Y, corr2d(X.T, K)], ['X', 'Y = corr2d(X, K)', 'corr2d(X.T, K)'])``

    Examples
    --------
    >>> from d2l_conv import corr2d, edge_kernel, stripe_image
    >>> X = stripe_image()
    >>> fig = show_heatmaps([X, corr2d(X, edge_kernel())], ['X', 'Y'])
    >>> [ax.get_title() for ax in fig.axes]  # two panels and the colour bar
    ['X', 'Y', '']
    >>> fig.axes[1].images[0].get_array()[0].tolist()
    [0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]
    """
    if not arrays or len(arrays) != len(titles):
        raise ValueError('show_heatmaps needs one title per array, and at least one array; got %d arrays '
                         'and %d titles' % (len(arrays), len(titles)))
    arrays = [_host_2d(A, title) for A, title in zip(arrays, titles)]  # refused before a figure is made
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(arrays), figsize=(3.2 * len(arrays), 3), squeeze=False)
    for ax, A, title in zip(axes[0], arrays, titles):
        im = _heatmap(ax, A, title)
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8)
    return fig


def plot_training(losses, learned, true):
    """The loss curve (log scale) beside the learned and the true kernel.

    Examples
    --------
    >>> from mxnet import nd
    >>> fig = plot_training([4.9, 0.8, 0.1], nd.array([[0.9, -0.8]]), nd.array([[1, -1]]))
    >>> [ax.get_title() for ax in fig.axes]
    ['squared error', 'learned kernel', 'true kernel']
    >>> fig.axes[1].images[0].get_array().tolist()
    [[0.8999999761581421, -0.800000011920929]]
    """
    import matplotlib.pyplot as plt
    fig, (ax_loss, ax_learned, ax_true) = plt.subplots(
        1, 3, figsize=(10, 3), gridspec_kw={'width_ratios': [2, 1, 1]})
    ax_loss.semilogy(range(1, len(losses) + 1), losses, marker='o')
    ax_loss.set_xlabel('batch')
    ax_loss.set_ylabel('loss')
    ax_loss.set_title('squared error')
    _heatmap(ax_learned, learned.reshape((1, -1)), 'learned kernel')
    _heatmap(ax_true, true.reshape((1, -1)), 'true kernel')
    fig.tight_layout()
    return fig
