"""The scripts as a user runs them: ``python -m d2l_conv COMMAND`` and examples/*.py, their arguments,
their one-line errors and their manners as Unix tools.

Most cases run in-process through ``main(argv)``; those marked slow start a Python.
"""
import os
import sys

import pytest

from d2l_conv import commands

from documented import IN6, IN7, IN8, OUT5, OUT9


@pytest.mark.parametrize('args, message', [
    (['--iters', '0'], 'argument --iters: must be positive, got 0'),
    (['--iters', '-3'], 'argument --iters: must be positive, got -3'),
    (['--iters', '1.5'], "argument --iters: invalid positive int value: '1.5'"),
    (['--lr', 'abc'], "argument --lr: invalid positive float value: 'abc'"),
    (['--lr', '-1'], 'argument --lr: must be positive, got -1'),
    (['--lr', '1e400'], 'argument --lr: must be a finite number, got 1e400'),
    (['--lr', 'inf'], 'argument --lr: must be a finite number, got inf'),
    (['--lr', 'nan'], 'argument --lr: must be a finite number, got nan'),
    (['--lr', '1e-320'], 'argument --lr: must be at least 2.2250738585072014e-308 (the smallest normal float), '
                         'got 1e-320'),
    (['--seed', '4294967296'], "argument --seed: must be from -2147483648 to 2147483647 (MXNet's seeds), "
                               "got 4294967296"),
    (['--seed', '-2147483649'], "argument --seed: must be from -2147483648 to 2147483647 (MXNet's seeds), "
                                "got -2147483649"),
    (['--seed', '1.5'], "argument --seed: invalid seed value: '1.5'"),
    (['--ctx', 'tpu'], "argument --ctx: unknown context 'tpu'; use cpu, gpu, gpu:N or auto"),
    (['--layer', 'book'], "argument --layer: invalid choice: 'book'"),
    (['--save', '/nonexistent-dir/k.params'], 'argument --save: /nonexistent-dir does not exist'),
    (['--plot', '/proc/k.png'], 'argument --plot: cannot write in directory /proc'),
])
def test_bad_arguments_are_a_usage_line_and_one_error_line(script, args, message):
    res = script('learn_kernel.py', *args)
    assert res.code == 2 and res.out == ''
    assert res.usage_error().startswith(message)


def test_seeds_at_the_ends_of_the_range_are_distinct(script):
    """4294967296 used to be seed 0 again; the ends of MXNet's range are accepted and differ."""
    runs = [script('learn_kernel.py', '--iters', '2', '--seed', seed) for seed in ('-2147483648', '2147483647', '0')]
    assert [res.code for res in runs] == [0, 0, 0]
    assert len({res.out for res in runs}) == 3


@pytest.mark.parametrize('args, message', [
    (['--lr', '1', '--iters', '40'], 'the loss became inf at batch 13: lr=1.0 is too large'),
    (['--lr', '1e308'], 'the loss became nan at batch 2: lr=1e+308 is too large'),
    (['--lr', '1e308', '--iters', '1'], 'the weight became non-finite at batch 1: lr=1e+308 is too large'),
])
def test_diverging_training_exits_1_and_saves_nothing(script, tmp_path, args, message):
    res = script('learn_kernel.py', *args, '--save', str(tmp_path / 'k.params'))
    assert res.code == 1 and 'nan' not in res.out and 'inf' not in res.out.replace('loss', '')
    assert res.error() == message
    assert os.listdir(str(tmp_path)) == []


# python -m d2l_conv COMMAND: the same commands, with the same options

def test_the_commands_print_the_documents_outputs(capsys):
    commands.main(['learn-kernel'])
    assert capsys.readouterr().out == IN8 + OUT9 + '\n'
    commands.main(['edge-detection'])
    assert capsys.readouterr().out == OUT5 + '\n' + IN6 + IN7


def test_the_exercises_command_answers_all_four(capsys):
    commands.main(['exercises'])
    out = capsys.readouterr().out
    assert [line[:2] for line in out.splitlines() if line[:1].isdigit()] == ['1.', '2.', '3.', '4.']
    assert '3. corr2d as one matrix product equals the loop: True' in out.splitlines()


@pytest.mark.parametrize('command, script_name', [('learn-kernel', 'learn_kernel.py'),
                                                  ('edge-detection', 'edge_detection.py'),
                                                  ('exercises', 'exercises.py')])
def test_a_command_and_its_script_take_the_same_options(script, capsys, command, script_name):
    with pytest.raises(SystemExit) as exit_:
        commands.main([command, '--help'])
    assert exit_.value.code == 0
    prog = 'python -m d2l_conv ' + command
    command_help = capsys.readouterr().out
    res = script(script_name, '--help')
    assert res.code == 0 and command_help.startswith('usage: %s [options]\n' % prog)
    assert command_help.replace(prog, script_name) == res.out


@pytest.mark.parametrize('argv, message', [
    ([], 'which command? learn-kernel, edge-detection, exercises'),
    (['learn_kernel'], "argument COMMAND: invalid choice: 'learn_kernel'"),
    # a command's option first: argparse used to call its value the unknown command ("invalid choice: '3'")
    (['--iters', '3', 'learn-kernel'], 'which command? learn-kernel, edge-detection, exercises (--iters is an '
     'option of a command: it comes after the command)'),
    (['--save=k.params'], 'which command? learn-kernel, edge-detection, exercises (--save is an option'),
])
def test_a_missing_or_unknown_command_is_a_usage_error(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        commands.main(argv)
    out, err = capsys.readouterr()
    usage, error = err.splitlines()
    assert exit_.value.code == 2 and out == ''
    assert usage == 'usage: python -m d2l_conv {learn-kernel,edge-detection,exercises} [options]'
    assert error.startswith('python -m d2l_conv: error: ' + message)


def test_a_commands_errors_name_the_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        commands.main(['learn-kernel', '--iters', '0'])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        'usage: python -m d2l_conv learn-kernel [options]',
        'python -m d2l_conv learn-kernel: error: argument --iters: must be positive, got 0']


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        commands.main(['--help'])
    listed = [line.split()[0] for line in capsys.readouterr().out.split('commands:\n')[1].splitlines()]
    assert listed == ['learn-kernel', 'edge-detection', 'exercises']


@pytest.mark.slow
def test_python_m_d2l_conv_learn_kernel_prints_in8_and_out9(run_python, tmp_path):
    res = run_python('-m', 'd2l_conv', 'learn-kernel', cwd=tmp_path)
    assert res.returncode == 0 and res.stderr == ''
    assert res.stdout == IN8 + OUT9 + '\n'


@pytest.mark.slow
def test_python_m_d2l_conv_errors_are_one_line(run_python, tmp_path):
    res = run_python('-m', 'd2l_conv', 'learn-kernel', '--save', str(tmp_path / 'missing' / 'k.params'))
    assert res.returncode == 2 and res.stdout == '' and 'Traceback' not in res.stderr
    assert res.stderr.splitlines()[-1] == ('python -m d2l_conv learn-kernel: error: argument --save: %s does not exist'
                                           % (tmp_path / 'missing'))


# Without a working MXNet, one line and exit status 1

BROKEN_MXNET = {
    'no mxnet': ('raise ModuleNotFoundError("No module named \'mxnet\'", name="mxnet")',
                 'pip install --no-deps mxnet==1.9.1'),
    'a CUDA build without CUDA': ('raise OSError("libcudart.so.11.0: cannot open shared object file: '
                                  'No such file or directory")', 'libcudart.so.11.0'),
    'aarch64 without Arm PL': ('raise OSError("libarmpl_lp64_mp.so: cannot open shared object file: '
                               'No such file or directory")', 'libarmpl_lp64_mp.so'),
}


@pytest.fixture(params=sorted(BROKEN_MXNET))
def broken_mxnet(request, tmp_path, python_env):
    """(environment whose ``import mxnet`` fails as the case says, key words of d2l_conv's message)."""
    code, words = BROKEN_MXNET[request.param]
    (tmp_path / 'mxnet').mkdir()
    (tmp_path / 'mxnet' / '__init__.py').write_text(code + '\n')
    return {'PYTHONPATH': str(tmp_path) + os.pathsep + python_env['PYTHONPATH']}, words


@pytest.mark.slow
@pytest.mark.parametrize('name', ['learn_kernel.py', 'edge_detection.py', 'exercises.py'])
def test_a_script_without_a_working_mxnet_is_one_line(run_python, script_path, broken_mxnet, name):
    env, words = broken_mxnet
    res = run_python(script_path(name), env=env)
    assert res.returncode == 1 and res.stdout == ''
    assert len(res.stderr.splitlines()) == 1 and res.stderr.startswith(name + ': error: '), res.stderr
    assert words in res.stderr


@pytest.mark.slow
def test_python_m_d2l_conv_without_a_working_mxnet_is_one_line(run_python, broken_mxnet):
    env, words = broken_mxnet
    res = run_python('-m', 'd2l_conv', 'learn-kernel', env=env)
    assert res.returncode == 1 and res.stdout == ''
    assert len(res.stderr.splitlines()) == 1 and words in res.stderr, res.stderr


# A Unix tool's manners

@pytest.mark.slow
def test_usage_errors_have_no_traceback(run_script, tmp_path):
    """In a subprocess: what the user sees is the usage line and one error line."""
    (tmp_path / 'afile').write_text('')
    res = run_script('learn_kernel.py', '--save', str(tmp_path / 'afile' / 'k.params'))
    assert res.returncode == 2 and res.stdout == '' and len(res.stderr.splitlines()) == 2
    assert res.stderr.splitlines()[-1].endswith('afile is not a directory')
    assert os.listdir(str(tmp_path)) == ['afile']


@pytest.mark.slow
@pytest.mark.parametrize('name', ['edge_detection.py', 'learn_kernel.py'])
def test_a_closed_stdout_ends_quietly(python_env, script_path, name):
    """``script | head -1``, made deterministic: the reader is gone before the first write."""
    import subprocess
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        res = subprocess.run([sys.executable, script_path(name)], stdout=write_end, stderr=subprocess.PIPE,
                             env=python_env, timeout=120)
    finally:
        os.close(write_end)
    assert res.stderr == b'' and res.returncode == 141  # 128 + SIGPIPE, as a shell reports `yes | head -1`


@pytest.mark.slow
def test_closed_stdout_is_one_line(shell):
    res = shell('"$PY" "$S" >&-')
    assert res.returncode == 1
    assert res.stderr == 'learn_kernel.py: error: cannot write to stdout: stdout is closed\n'


def test_ci_hypothesis_profile_is_reproducible():
    """conftest's ``ci`` profile: the same examples on every run, so that a CI failure reproduces."""
    from hypothesis import settings
    assert settings.get_profile('ci').derandomize is True and settings.get_profile('ci').deadline is None


@pytest.mark.slow
@pytest.mark.parametrize('name', ['learn_kernel.py', 'edge_detection.py', 'exercises.py'])
def test_a_script_without_the_package_installed_says_how_to_install_it(run_python, script_path, tmp_path, name):
    """A fresh clone, the set-up skipped (-I -S: no site-packages, no PYTHONPATH): it said only "No module named"."""
    res = run_python('-I', '-S', script_path(name), cwd=tmp_path)
    assert res.returncode == 1 and res.stdout == ''
    assert res.stderr == ("%s: error: No module named 'd2l_conv'; install it first: python -m pip install -e . in "
                          "the checkout (the README's set-up commands)\n" % name)
