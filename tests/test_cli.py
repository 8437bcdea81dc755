"""The glassgrad command line."""

import importlib.metadata
import os
import subprocess
import sys

import pytest

from glassgrad import demo
from glassgrad.cli import EXIT_BROKEN_PIPE, main


def test_cli_demo_prints_the_chain_rule_and_agrees_with_backward(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Forward pass" in out and "Backward pass" in out and "gradcheck" in out
    assert "∂C/∂w₂ = ∂z/∂w₂ · ∂C/∂z = x₂ · ∂C/∂z = -2 · -0.231475 =  0.462950   backward gave  0.462950" in out
    assert "w₁x₁ =  0.500000   mul(w₁, x₁)" in out and "z =  1.200000   sum(w₁x₁, w₂x₂, b)" in out


def test_cli_demo_lines_come_from_the_engine():
    lines: list[str] = []
    demo.run(lines.append)
    assert any(line.strip().startswith("z =") and "sum(" in line for line in lines)


def test_cli_without_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage: glassgrad" in capsys.readouterr().out


@pytest.mark.slow  # a Python subprocess
def test_cli_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "glassgrad", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "demo" in result.stdout


def test_cli_graph_code_prints_the_compiled_chain_rule(tmp_path, capsys):
    assert main(["graph", "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3", "--out", str(tmp_path / "g.svg"), "--code"]) == 0
    printed = capsys.readouterr().out
    assert "def compiled(x, w, b):" in printed and "d_x = 0.0 + w * d_v2" in printed
    assert "return v5_f, [d_x, d_w, d_b]" in printed
    assert "# packed (compiled.matrix_source)" in printed and "def packed(p, X, grads=True):" in printed
    assert "    v5_f = tanh(v4)  # tanh\n" in printed, "the packed program: its lines over whole arrays"


def test_cli_graph_code_of_a_lone_number_and_an_unused_variable(tmp_path, capsys):
    assert main(["graph", "2*x", "x=1", "y=3", "--out", str(tmp_path / "g.svg"), "--code"]) == 0
    printed = capsys.readouterr().out
    assert "def compiled(x, y):" in printed and "[d_x, 0.0]" in printed


def test_cli_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"glassgrad {importlib.metadata.version('glassgrad')}\n"


def test_cli_version_outside_an_installation_says_so(monkeypatch, capsys):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == "glassgrad 0+unknown (not installed)\n"


@pytest.mark.slow  # a Python subprocess
def test_cli_closed_stdout_exits_quietly_with_141():
    # `glassgrad demo | head` when head has already gone: the read end of the pipe is closed before the first write
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "glassgrad", "demo"], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, "")


@pytest.mark.slow  # Python subprocesses
def test_cli_ctrl_c_while_it_still_imports_ends_without_a_traceback(tmp_path):
    """Ctrl-C at any moment of the start (here 0.05 s to 0.6 s in, while numpy, matplotlib and graphviz load):
    one line and 130, or Python's own default before it handles signals, never a KeyboardInterrupt traceback."""
    import signal
    import time

    seen = set()
    for delay in (0.05, 0.15, 0.3, 0.45, 0.6):
        process = subprocess.Popen([sys.executable, "-m", "glassgrad", "train", "--epochs", "2000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert "Traceback" not in err, f"after {delay} s:\n{err}"
        assert process.returncode in (130, -signal.SIGINT), (delay, process.returncode, err)
        if process.returncode == 130:
            assert "interrupted" in err
        seen.add(process.returncode)
    assert 130 in seen


def test_cli_help_documents_the_exit_status(capsys):
    for argv in (["--help"], ["train", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        printed = capsys.readouterr().out
        assert "exit status:" in printed and "141" in printed and "lower --lr" in printed
        assert "\n  74   train: writing the files failed" in printed and "\n  130  stopped by Ctrl-C" in printed
