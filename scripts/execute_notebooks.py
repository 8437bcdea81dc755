"""Execute the notebooks in place, so that they are committed with fresh outputs and no execution noise.

    .venv/bin/python scripts/execute_notebooks.py              # every notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py notebooks/01_value_and_chain_rule.ipynb

Outputs are kept; run times, kernel metadata and widget state are dropped, so a re-run that computes
the same numbers leaves the files unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT_SECONDS = 600


def execute(path: Path) -> nbformat.NotebookNode:
    """Run every cell of the notebook at ``path`` (in the notebooks folder) and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=TIMEOUT_SECONDS, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run and says nothing: timings, kernel details, widget state."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
    return nb


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name} ...", flush=True)
        nb = clean(execute(path))
        nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
