"""The glassgrad command line."""

import subprocess
import sys

from glassgrad import demo
from glassgrad.cli import main


def test_cli_demo_prints_the_chain_rule_and_agrees_with_backward(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Forward pass" in out and "Backward pass" in out and "gradcheck" in out
    assert "∂C/∂w2 = ∂z/∂w2 · ∂C/∂z = a2 · ∂C/∂z = -2 · -0.231475 =  0.462950   backward gave  0.462950" in out


def test_cli_demo_lines_come_from_the_engine():
    lines: list[str] = []
    demo.run(lines.append)
    assert any(line.strip().startswith("z =") and "sum(" in line for line in lines)


def test_cli_without_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage: glassgrad" in capsys.readouterr().out


def test_cli_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "glassgrad", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "demo" in result.stdout
