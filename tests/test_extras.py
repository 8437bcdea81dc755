"""A notebook whose optional extra is missing says so in one line and skips that part: Run All ends without error."""

import sys
from pathlib import Path

import nbformat
import pytest

from nn.extras import installed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def test_extras_installed_says_what_is_missing_in_one_line(monkeypatch, capsys):
    assert installed("json") is True and capsys.readouterr().out == ""
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    assert installed("torch", skipping="the hand-over to PyTorch") is False
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "PyTorch is not installed, so the hand-over to PyTorch is skipped" in out
    assert "make lab" in out and "glassgrad[torch]" in out


@pytest.mark.slow  # a Jupyter kernel
def test_extras_digits_notebook_without_scikit_learn_runs_to_the_end(tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "09_digits.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys\nsys.modules['sklearn'] = None  # hide scikit-learn"))
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()  # raises on an error
    printed = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    line = "scikit-learn (the digits) is not installed, so the rest of this notebook is skipped"
    assert "".join(printed).count(line) == 1
    assert sum(bool(c.outputs) for c in nb.cells if c.cell_type == "code") == 1  # the line; nothing else ran
