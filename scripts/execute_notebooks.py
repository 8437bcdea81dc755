"""Execute the notebooks in place, so that they are committed with fresh outputs and no execution noise.

    .venv/bin/python scripts/execute_notebooks.py              # every notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py notebooks/01_value_and_chain_rule.ipynb

Outputs are kept; run times and widget state are dropped, and the kernel metadata is written in full
but without what changes between machines (the Python version is kept to major.minor), so a re-run
that computes the same numbers leaves the files unchanged.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT_SECONDS = 600

#: The kernelspec every notebook is committed with: the python3 kernel (in .venv, ipykernel's own).
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

#: The ``language_info`` of ipykernel's python3 kernel, but its version: what editors and nbconvert read
#: (``file_extension`` names the script that ``jupyter nbconvert --to script`` writes).
LANGUAGE_INFO: dict[str, Any] = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def execute(path: Path) -> nbformat.NotebookNode:
    """Run every cell of the notebook at ``path`` (in the notebooks folder) and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=TIMEOUT_SECONDS, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def language_info(reported: Any) -> dict[str, Any]:
    """A complete ``language_info``: ``LANGUAGE_INFO`` and the major.minor version of the Python the kernel
    ``reported`` (the kernel's ``language_info``, or None: then this interpreter's)."""
    version = reported.get("version") if isinstance(reported, dict) else None
    major_minor = ".".join(str(version or platform.python_version()).split(".")[:2])
    return {**LANGUAGE_INFO, "version": major_minor}


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run and says nothing: timings, widget state, the kernel's patch version."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = language_info(nb.metadata.get("language_info"))
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
    return nb


def main(argv: list[str]) -> int:
    """Execute the notebooks named in ``argv`` (default: all of them) and write each back, cleaned."""
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name} ...", flush=True)
        nb = clean(execute(path))
        nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
