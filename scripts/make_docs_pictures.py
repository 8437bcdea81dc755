"""Regenerate the pictures the README shows (``make docs``): a backward-pass diagram, a decision boundary, the
playground in headless Chromium (``docs/playground.png``), and the pictures of the lecture notebook
(``notebooks/00_lecture.ipynb``), as that notebook last drew them.

The lecture's pictures are taken from the executed notebook's outputs (a cell tagged ``docs:NAME`` gives
``docs/lecture/NAME.svg`` or ``.png``), so the docs show exactly what the notebook computed; run
``scripts/execute_notebooks.py notebooks/00_lecture.ipynb`` first when the notebook changed.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

from engine import Value
from nn import MLP, fit
from nn.data import make_moons
from viz import draw_graph
from viz.plots import plot_decision_boundary, save_figure

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LECTURE = ROOT / "notebooks" / "00_lecture.ipynb"


def backward_diagram() -> Path:
    """The lecture's neuron, a = tanh(x·w + b), after backward: every local derivative on its edge."""
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    z = x * w + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    a.backward()
    return draw_graph(a, show="both", renderer="bundled").save(DOCS / "backward.svg")


def decision_boundary() -> Path:
    """micrograd's demo, trained with glassgrad: moons, MLP(2, [16, 16, 1]), hinge loss, 100 SGD steps."""
    from nn.optim import SGD

    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    opt = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    fit(model, X, y, loss="hinge", optimizer=opt, epochs=100, l2=1e-4, progress=False)
    fig = plot_decision_boundary(model, X, y, title="micrograd's demo in glassgrad: moons, MLP(2, [16, 16, 1])")
    return save_figure(fig, DOCS / "decision_boundary.png")


#: the playground's screenshot: this link's settings, trained for PLAYGROUND_EPOCHS before the page is opened
PLAYGROUND_LINK = ("dataset=spirals&noise=5&networkShape=8,8,5&activation=tanh&learningRate=0.01&optimizer=adam"
                   "&xSquared=true&ySquared=true&sinX=true&sinY=true&seed=2&showTestData=true")
PLAYGROUND_EPOCHS = 120
PLAYGROUND_EXAMPLE = 17  # the training example whose pass the opened neuron shows


def playground_pictures() -> list[Path]:
    """``glassgrad playground`` as a browser shows it (the system's Chromium, DejaVu fonts), after training; and its
    glass box, one neuron opened for one example."""
    from playwright.sync_api import sync_playwright

    from playground import Runner, Session, Settings
    from playground.server import running

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("make docs: the playground's picture needs Chromium (apt-get install chromium)")
    runner = Runner(Session(Settings.from_hash(PLAYGROUND_LINK)))
    for _ in range(PLAYGROUND_EPOCHS):
        runner.handle({"type": "epoch"})  # as the page's Epoch button: the loss chart gets each epoch
    path, opened = DOCS / "playground.png", DOCS / "playground_neuron.png"
    with running(runner) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})  # a projector
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('#network [data-neuron]').length > 0")
        page.wait_for_timeout(500)
        page.screenshot(path=str(path))
        # the glass box: one training example chosen, neuron 3.3 opened (its graph and ∂C/∂w = a · ∂C/∂z)
        runner.handle({"type": "select-example", "part": "train", "index": PLAYGROUND_EXAMPLE})
        runner.handle({"type": "open-neuron", "neuron": "3.3"})
        page.reload()
        page.wait_for_selector("#neuron-panel:not([hidden]) table")
        page.wait_for_timeout(500)
        page.locator("#neuron-panel").screenshot(path=str(opened))
        browser.close()
    return [path, opened]


def lecture_pictures() -> list[Path]:
    """The pictures of the lecture notebook, one per cell tagged ``docs:NAME``: its SVG, or else its PNG."""
    folder = DOCS / "lecture"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for cell in json.loads(LECTURE.read_text(encoding="utf-8"))["cells"]:
        names = [t.removeprefix("docs:") for t in cell.get("metadata", {}).get("tags", []) if t.startswith("docs:")]
        pictures = [o["data"] for o in cell.get("outputs", []) if "image/svg+xml" in o.get("data", {})
                    or "image/png" in o.get("data", {})]
        if not names or not pictures:
            continue
        data = pictures[-1]
        if "image/svg+xml" in data:
            svg = data["image/svg+xml"]
            path = folder / f"{names[0]}.svg"
            path.write_text("".join(svg) if isinstance(svg, list) else svg, encoding="utf-8")
        else:
            path = folder / f"{names[0]}.png"
            path.write_bytes(base64.b64decode("".join(data["image/png"])))
        written.append(path)
    return written


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for path in (backward_diagram(), decision_boundary(), *playground_pictures(), *lecture_pictures()):
        print(f"wrote {path.relative_to(ROOT)}")
