"""The notebooks run top to bottom, and what is committed reads well: outputs without errors or noise."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))

NOISE = [
    (re.compile(r"(/work/|/tmp/|/home/|/root/|/Users/|[A-Z]:\\\\)"), "a machine path"),
    (re.compile(r"\d+(\.\d+)?\s*(it|epoch)/s|\[\d\d:\d\d<"), "a progress-bar timing"),
    (re.compile(r"Wall time|CPU times"), "a timing"),
]
#: JupyterLab's default column at 1280 px with the file browser open shows about 105 characters of code.
CODE_COLUMNS = 100


def test_notebooks_exist():
    names = [p.stem for p in NOTEBOOKS]
    assert names == [
        "00_lecture",
        "01_value_and_chain_rule",
        "02_neuron_layer_network",
        "03_backpropagation",
        "04_training",
        "05_testing_gradients",
        "06_higher_order_and_stability",
        "07_compiled_code",
        "08_playground",
        "09_digits",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_with_clean_outputs(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "a notebook with code"
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "run top to bottom, once"
    assert sum(c["cell_type"] == "markdown" for c in nb["cells"]) >= 3, "explanation between the calls"
    from execute_notebooks import LANGUAGE_INFO  # the language_info that make notebooks writes

    info = nb["metadata"].get("language_info", {})
    assert {key: info.get(key) for key in LANGUAGE_INFO} == LANGUAGE_INFO and "version" in info, (
        f"a complete language_info (file_extension, mimetype, ...): got {info}; make notebooks writes it"
    )
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", "".join(output.get("traceback", []))
            text = json.dumps(output)
            for pattern, what in NOISE:
                match = pattern.search(text)
                assert match is None, f"{what} in an output of {path.name}: {match.group(0)!r}"
            if output.get("name") == "stderr":
                pytest.fail(f"stderr output in {path.name}: {''.join(output['text'])[:200]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_code_lines_fit_a_jupyterlab_column(path):
    nb = json.loads(path.read_text())
    too_long = [
        f"cell {k}, {len(line)} characters: {line}"
        for k, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line) > CODE_COLUMNS
    ]
    assert not too_long, f"code lines longer than {CODE_COLUMNS} characters in {path.name}:\n" + "\n".join(too_long)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
@pytest.mark.slow  # a Jupyter kernel per notebook: 2–30 s each
def test_notebook_runs_top_to_bottom(path):
    from execute_notebooks import execute  # nbclient and a python3 kernel come with the dev extra

    nb = execute(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else ""
