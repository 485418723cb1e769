"""Context helpers on this CPU-only machine."""
import mxnet as mx
import pytest

from d2l_conv import check_context, parse_ctx, try_all_gpus, try_gpu

pytestmark = pytest.mark.skipif(mx.context.num_gpus() > 0, reason='expects a machine without GPUs')


def test_try_gpu_falls_back_to_cpu():
    assert try_gpu() == mx.cpu(0) and try_gpu(3) == mx.cpu(0)


def test_try_all_gpus_is_never_empty():
    assert try_all_gpus() == [mx.cpu(0)]


def test_parse_ctx():
    assert parse_ctx('cpu') == mx.cpu() and parse_ctx('auto') == mx.cpu()
    for text in ('gpu', 'gpu:1'):
        with pytest.raises(ValueError, match='mxnet-cu112'):
            parse_ctx(text)
    for text in ('tpu', 'gpu:x', 'cpu:1', '', 'gpu:-1', 'gpu:+1', 'gpu: 1'):
        with pytest.raises(ValueError, match='unknown context'):
            parse_ctx(text)


@pytest.mark.parametrize('text', ['gpu:\u00b2', 'gpu:\u0663', 'gpu:\uff11'])  # superscript 2, Arabic 3, fullwidth 1
def test_parse_ctx_takes_only_ascii_digits(text):
    """str.isdigit passes these; int() then refused the first and read the others as 3 and 1."""
    with pytest.raises(ValueError, match=r"unknown context '%s'; .* or auto \(N in the digits 0-9\)" % text):
        parse_ctx(text)


def test_parse_ctx_takes_text():
    with pytest.raises(TypeError, match="parse_ctx takes text such as 'cpu' or 'gpu:0', got 0"):
        parse_ctx(0)


def test_check_context_rejects_missing_gpu_and_non_contexts():
    with pytest.raises(ValueError, match=r'gpu\(0\) requested'):
        check_context(mx.gpu(0))
    with pytest.raises(TypeError, match='mx.Context'):
        check_context('cpu')


@pytest.mark.slow
def test_learn_kernel_gpu_fails_cleanly(run_script):
    res = run_script('learn_kernel.py', '--ctx', 'gpu')
    assert res.returncode == 2 and res.stdout == ''
    assert 'Traceback' not in res.stderr
    assert res.stderr.splitlines()[-1] == (
        'learn_kernel.py: error: argument --ctx: gpu(0) requested, but this mxnet is a '
        'CPU-only build; for a GPU, first pip uninstall mxnet, then pip install --no-deps '
        'mxnet-cu112==1.9.1 (it needs the NVIDIA driver, CUDA 11.2, cuDNN 8 and NCCL 2)')


def test_train_kernel_on_missing_gpu_is_a_value_error():
    from d2l_conv import edge_kernel, corr2d, stripe_image, train_kernel
    X = stripe_image()
    with pytest.raises(ValueError, match='CPU-only build'):
        train_kernel(X, corr2d(X, edge_kernel()), ctx=mx.gpu(0))


@pytest.mark.slow
def test_missing_mxnet_is_a_clear_import_error():
    import subprocess
    import sys
    from conftest import ROOT
    res = subprocess.run([sys.executable, '-c', "import sys; sys.modules['mxnet'] = None; import d2l_conv"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr.splitlines()[-1] == ("ImportError: d2l_conv needs MXNet 1.9.1: pip install --no-deps "
                                           "mxnet==1.9.1 (or a CUDA build such as mxnet-cu112==1.9.1)")
