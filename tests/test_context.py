"""Context helpers on this CPU-only machine, and the one ImportError of ``import d2l_conv``."""
import re
import sys

import d2l_conv_compat
import mxnet as mx
import pytest

import d2l_conv
from d2l_conv import check_context, parse_ctx, try_all_gpus, try_gpu
from d2l_conv import _mxnet_import
from d2l_conv._mxnet_import import import_mxnet, missing_library_message

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


def test_with_fake_gpus_parse_ctx_takes_those_there(monkeypatch):
    monkeypatch.setattr(d2l_conv.context, 'num_gpus', lambda: 2)
    monkeypatch.setattr(mx.runtime, 'Features', CUDA)
    assert parse_ctx('gpu') == mx.gpu(0) and parse_ctx('gpu:1') == mx.gpu(1)
    with pytest.raises(ValueError, match=r'gpu\(2\) requested, but MXNet sees 2 GPU\(s\); check nvidia-smi'):
        parse_ctx('gpu:2')


class CUDA:
    """mx.runtime.Features() of a CUDA build."""
    @staticmethod
    def is_enabled(name):
        return name == 'CUDA'


def test_a_cuda_build_without_a_gpu_is_told_to_check_the_driver(monkeypatch):
    monkeypatch.setattr(mx.runtime, 'Features', CUDA)
    with pytest.raises(ValueError, match=r'gpu\(0\) requested, but MXNet sees 0 GPU\(s\); .*CUDA_VISIBLE_DEVICES'):
        check_context(mx.gpu(0))


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
    error, = res.stderr.splitlines()[-1:]
    assert error.startswith('learn_kernel.py: error: argument --ctx: gpu(0) requested, but this mxnet is a CPU-only')
    assert 'pip uninstall mxnet' in error and 'mxnet-cu112==1.9.1' in error


def test_train_kernel_on_missing_gpu_is_a_value_error():
    from d2l_conv import edge_kernel, corr2d_fast, stripe_image, train_kernel
    X = stripe_image()
    with pytest.raises(ValueError, match='CPU-only build'):
        train_kernel(X, corr2d_fast(X, edge_kernel()), ctx=mx.gpu(0))


@pytest.mark.slow
def test_missing_mxnet_is_a_clear_import_error():
    import subprocess
    import sys
    from conftest import ROOT
    res = subprocess.run([sys.executable, '-c', "import sys; sys.modules['mxnet'] = None; import d2l_conv"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    error = res.stderr.splitlines()[-1]
    assert error.startswith('ImportError: d2l_conv needs MXNet 1.9.1') and 'pip install --no-deps mxnet==1.9.1' in error


@pytest.fixture(scope='module')
def mxnet_distribution():
    """The names of the installed mxnet distributions, as the messages write them (``mxnet`` here)."""
    return _mxnet_import._mxnet_distribution()


@pytest.fixture
def distribution_read_once(monkeypatch, mxnet_distribution):
    """Each message below names the installed mxnet distribution: reading every installed package's metadata
    costs ~35 ms, so this module reads it once (the doctest of missing_library_message reads it afresh)."""
    monkeypatch.setattr(_mxnet_import, '_mxnet_distribution', lambda: mxnet_distribution)


@pytest.fixture
def failing_import(monkeypatch):
    """``failing_import(error)``: the next ``import mxnet`` raises ``error`` (mxnet's own modules stay loaded)."""
    def fail(error):
        class Finder:
            @staticmethod
            def find_spec(name, path=None, target=None):
                if name == 'mxnet':
                    raise error
        monkeypatch.delitem(sys.modules, 'mxnet')
        monkeypatch.setattr(sys, 'meta_path', [Finder] + sys.meta_path)
    return fail


@pytest.mark.parametrize('error, words', [
    (ModuleNotFoundError('no mxnet', name='mxnet'), 'd2l_conv needs MXNet 1.9.1: pip install --no-deps'),
    (ModuleNotFoundError('no requests', name='requests'), 'cannot import requests: pip install requests$'),
    (ModuleNotFoundError('no graphviz.x', name='graphviz.x'), 'cannot import graphviz.x: pip install graphviz$'),
    (ModuleNotFoundError('no distutils', name='distutils'), 'distutils: pip install setuptools, which provides it'),
    (ImportError("cannot import name 'x'"), "mxnet is installed but fails to import: cannot import name 'x'"),
    (OSError('libcudnn.so.8: cannot open'), r'could not load libcudnn.so.8, which cuDNN 8 for CUDA 11'),
    (AttributeError("no attribute 'bool'"), r"does not import with numpy .*; pip install 'numpy<1.24'"),
])
def test_import_mxnet_turns_each_failure_into_one_import_error(failing_import, distribution_read_once, error, words):
    failing_import(error)
    with pytest.raises(ImportError, match=words):
        import_mxnet()


def test_with_the_hook_off_numpy_failure_says_unset(failing_import, monkeypatch):
    failing_import(AttributeError("module 'numpy' has no attribute 'bool'"))
    monkeypatch.setattr(d2l_conv_compat, 'enabled', lambda: False)
    with pytest.raises(ImportError, match='; unset %s$' % d2l_conv_compat.ENV):
        import_mxnet()


@pytest.mark.parametrize('text, words', [
    ('libcudart.so.11.0: cannot open', 'could not load libcudart.so.11.0, which the CUDA 11.2 runtime'),
    ('libcublasLt.so.11: cannot open', r'libcublasLt.so.11, which the CUDA 11.2 toolkit \(cuBLAS'),
    ('libnvrtc-builtins.so.11.2: x', r'libnvrtc-builtins.so.11.2, which the CUDA 11.2 toolkit \(NVRTC\)'),
    ('libcuda.so.1: x', 'libcuda.so.1, which the NVIDIA driver provides'),
    ('libgfortran.so.5: cannot open', r'^mxnet\S* could not load libgfortran.so.5 \(libgfortran.so.5: cannot open\)$'),
    ('something else', '^mxnet failed to load its native library: something else$'),
])
def test_missing_library_names_the_library_and_its_provider(distribution_read_once, text, words):
    assert re.search(words, missing_library_message(OSError(text)))
