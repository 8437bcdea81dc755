"""Every committed notebook output fits a notebook's column, measured in headless Chromium.

JupyterLab's default window (1280 px, the file browser open) leaves an output column of 848 CSS px
(``viz.diagram.COLUMN_PX``); VS Code's default notebook is wider: checked here at 1,000 px, its editor at a
1,280-px window beside the explorer. Each output is shown as a frontend shows it: the first of HTML, SVG
(inline, at the size it declares) and PNG (at its ``width`` metadata, else shrunk to the column as every
frontend does with a plain image) in a column of that width, an HTML output with JupyterLab's 20-px right
padding. Then: no output is wider than the column (none scrolls sideways), no diagram is shown below half its
natural size (its viewBox), and every SVG text is at least 9 px tall as shown.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from pictures import browser_page

from viz.diagram import COLUMN_PX

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VSCODE_PX = 1000
MIN_TEXT_PX = 9.0
MIN_SHOWN = 0.5
HTML_PADDING_PX = 20  # JupyterLab's .jp-RenderedHTMLCommon padding-right


def shown_outputs(path: Path) -> list[tuple[str, str, str]]:
    """(where, mime type, the HTML a frontend puts in the output area) for each picture or HTML output."""
    found = []
    for k, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data, meta = output.get("data", {}), output.get("metadata", {})
            kind = next((m for m in ("text/html", "image/svg+xml", "image/png") if m in data), None)
            if kind is None:
                continue
            body = "".join(data[kind]) if isinstance(data[kind], list) else data[kind]
            where = f"{path.stem} cell {k}"
            if kind == "image/svg+xml":
                found.append((where, kind, body[body.index("<svg"):]))
            elif kind == "text/html":
                found.append((where, kind, f'<div style="padding-right: {HTML_PADDING_PX}px">{body}</div>'))
            else:
                png = meta.get("image/png", {})
                size = f'width="{png["width"]}"' if "width" in png else 'style="max-width: 100%"'
                unconfined = ' class="unconfined"' if png.get("unconfined") else ""
                found.append((where, kind, f'<img{unconfined} {size} src="data:image/png;base64,{body.strip()}">'))
    return found


MEASURE = """(minText) => [...document.querySelectorAll('.out')].map(out => {
    const inner = out.firstElementChild;
    let right = 0;
    for (const e of out.querySelectorAll('*')) right = Math.max(right, e.getBoundingClientRect().right);
    const width = Math.max(out.scrollWidth, right - out.getBoundingClientRect().left);
    let scale = 1, smallest = Infinity;
    for (const svg of out.querySelectorAll('svg')) {
        const box = svg.viewBox && svg.viewBox.baseVal;
        if (!box || !box.width) continue;
        const s = svg.getBoundingClientRect().width / (box.width * 4 / 3);  // graphviz: viewBox in pt
        scale = Math.min(scale, s);
        const units = svg.getBoundingClientRect().width / box.width;  // CSS px per user unit
        for (const t of svg.querySelectorAll('text')) {
            if (!t.textContent.trim()) continue;
            smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * units);
        }
    }
    return {width: Math.round(width), scale: scale, text: smallest};
})"""


def measure(page, path: Path, column: int) -> list[tuple[str, str, dict]]:
    """Each shown output of the notebook at ``path`` laid out in a column ``column`` px wide, measured."""
    outputs = shown_outputs(path)
    cells = "".join(f'<div class="out" data-where="{html.escape(w)}" style="width: {column}px; overflow-x: auto; '
                    f'margin-bottom: 8px">{body}</div>' for w, _, body in outputs)
    page.set_content(f"<!doctype html><html><body style='margin: 0; font-family: sans-serif'>{cells}</body></html>")
    return [(w, kind, m) for (w, kind, _), m in zip(outputs, page.evaluate(MEASURE, MIN_TEXT_PX))]


def problems(measured: list[tuple[str, str, dict]], column: int) -> list[str]:
    found = []
    for where, kind, m in measured:
        if m["width"] > column:
            found.append(f"{where} ({kind}): {m['width']} px wide, wider than the {column}-px column")
        if m["scale"] < MIN_SHOWN:
            found.append(f"{where} ({kind}): shown at {m['scale']:.2f} of its size")
        if m["text"] is not None and m["text"] < MIN_TEXT_PX:
            found.append(f"{where} ({kind}): text {m['text']:.1f} px tall")
    return found


#: notebooks with outputs still wider than the column (issue 27: none left; a top-to-bottom graph stacks the neurons
#: of a layer one under the other). Strict: once one fits, its test fails until it is taken off this list.
NOT_YET: dict[str, str] = {}


def _marked(paths: list[Path]) -> list[Any]:
    """Each notebook, those of ``NOT_YET`` marked as expected to fail, with the reason."""
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(strict=True, reason=NOT_YET[p.stem])]
                         if p.stem in NOT_YET else []) for p in paths]


@pytest.mark.slow  # Chromium, every notebook's outputs
@pytest.mark.parametrize("path", _marked(NOTEBOOKS))
def test_notebook_widths_every_output_fits_jupyterlabs_column(path):
    with browser_page() as page:
        measured = measure(page, path, COLUMN_PX)
    assert problems(measured, COLUMN_PX) == []


@pytest.mark.slow  # Chromium
@pytest.mark.parametrize("name", ["03_backpropagation", "04_training", "09_digits"])
def test_notebook_widths_fit_vscodes_notebook(name):
    with browser_page() as page:
        measured = measure(page, ROOT / "notebooks" / f"{name}.ipynb", VSCODE_PX)
    assert problems(measured, VSCODE_PX) == []
