"""Every picture the project writes can be believed and read: its numbers add up, and its text fits its boxes
in a browser that has only the DejaVu fonts (what many Linux machines have)."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import require
from pictures import TEXT_OUTSIDE_BOXES, browser_page, grad_problems, is_graph_diagram, neuron

from engine import Value
from glassgrad.cli import main
from glassgrad.train import TrainConfig, run
from nn import MLP
from nn.losses import cross_entropy
from viz import Diagram, draw_graph, draw_network, step_backward
from viz.render import bundled_dot

ROOT = Path(__file__).resolve().parent.parent
def neuron_loss():
    return neuron()[-1]


def cli_pictures(tmp_path):
    """The diagrams the command line writes: glassgrad train's neuron.svg (two runs) and glassgrad graph's."""
    paths = []
    for name, config in (("moons", TrainConfig(epochs=3, samples=30, out=str(tmp_path / "moons"))),
                         ("spirals", TrainConfig(dataset="spirals", epochs=3, samples=30, out=str(tmp_path / "sp")))):
        paths.append(run(config, progress=False).files["neuron_svg"])
    graph = tmp_path / "g.svg"
    assert main(["graph", "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3", "--out", str(graph)]) == 0
    return [*paths, graph]


def notebook_diagrams():
    """Every draw_graph picture in the committed notebooks' outputs, as (where, svg)."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for k, cell in enumerate(json.loads(path.read_text())["cells"]):
            for output in cell.get("outputs", []):
                svg = output.get("data", {}).get("image/svg+xml")
                if svg is not None:
                    text = "".join(svg) if isinstance(svg, list) else svg
                    if is_graph_diagram(text):
                        found.append((f"{path.stem} cell {k}", text))
    return found


@pytest.mark.slow  # training runs and every docs picture
def test_pictures_grads_add_up_in_the_docs_and_the_command_line_pictures(tmp_path, capsys):
    svgs = {p.name: p.read_text() for p in sorted((ROOT / "docs").glob("*.svg"))}
    svgs |= {str(p.relative_to(tmp_path)): p.read_text() for p in cli_pictures(tmp_path)}
    capsys.readouterr()
    assert "backward.svg" in svgs and len(svgs) >= 4
    for where, svg in svgs.items():
        assert is_graph_diagram(svg), where
        assert grad_problems(svg) == [], where


def test_pictures_grads_add_up_in_the_notebooks():
    diagrams = notebook_diagrams()
    assert len(diagrams) >= 5
    for where, svg in diagrams:
        assert grad_problems(svg) == [], where


def test_pictures_grad_check_catches_a_number_that_does_not_add_up():
    a = neuron_loss()
    a.backward()
    svg = draw_graph(a, show="both").svg()
    assert grad_problems(svg) == []
    w = a.parents[0].parents[0].parents[1]
    wrong = svg.replace(f"grad {w.grad:.4g}<", "grad 0.123<")
    assert wrong != svg and len(grad_problems(wrong)) == 1
    stale = draw_graph(a, show="both")  # backward twice: leaves hold two passes, their edges pass one
    a.backward()
    again = draw_graph(a, show="both")
    assert "grad &#45;2.196 *" in again.svg() and "from what is not drawn" in again.svg() and stale.svg() != again.svg()
    assert grad_problems(again.svg()) == []  # starred and explained


def test_pictures_a_part_of_a_graph_says_what_it_leaves_out():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    out = model([0.5, -1.0])[0]
    out.backward()
    hidden_a = next(n for n in out.parents[0].parents if n.label == "a₁¹")  # a hidden neuron's output
    source = draw_graph(hidden_a).source
    assert "comes from the part of the graph not drawn here" in source  # ∂out/∂a arrives from above
    assert "x₁: grad" in source and "from what is not drawn" in source  # x₁ feeds the other neurons too


def pictures_to_read(tmp_path):
    """Pictures of every kind, drawn through the system dot where it is installed and through graphviz-pure."""
    a = neuron_loss()
    a.backward()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    loss = cross_entropy([*model([0.5, -1.0]), Value(0.0)], 1)
    loss.backward()
    made = {"neuron.svg": draw_graph(a), "mlp.svg": draw_graph(loss), "network.svg": draw_network(model, [0.5, -1])}
    made["steps layout.svg"] = step_backward(a).layout()
    made["reverse network.svg"] = draw_network(model, [0.5, -1], target=[1.0], show="backward")
    made["reverse lecture network.svg"] = draw_network(MLP(2, [2, 2, 2], activation="sigmoid", output="sigmoid"),
                                                       [1, -1], target=[1.0, 0.0], show="backward")
    big = MLP(2, [16, 16, 3], activation="relu", seed=0)
    big_loss = cross_entropy(big([0.5, -1.0]), 1)
    big_loss.backward()
    made["collapsed.svg"] = draw_graph(big_loss)
    paths = [tmp_path / "docs-backward.svg"]
    paths[0].write_text((ROOT / "docs" / "backward.svg").read_text())
    for renderer in ("system", "bundled"):
        for name, d in made.items():
            path = tmp_path / f"{renderer}-{name}"
            if renderer == "system" and not shutil.which("dot"):
                continue
            Diagram(d.source, renderer).save(path)
            paths.append(path)
    return paths


def outside(paths):
    found = {}
    with browser_page() as page:
        for path in paths:
            page.goto(path.as_uri())
            found[path.name] = page.evaluate(TEXT_OUTSIDE_BOXES)
    return found


@pytest.mark.slow  # Chromium
def test_pictures_text_fits_its_boxes_in_a_browser_with_only_dejavu(tmp_path):
    require(shutil.which("dot"), "the Graphviz dot program", "apt-get install graphviz")
    paths = pictures_to_read(tmp_path) + cli_pictures(tmp_path)
    assert len(paths) >= 12
    assert outside(paths) == {p.name: [] for p in paths}


@pytest.mark.slow  # Chromium
def test_pictures_text_check_catches_a_font_the_layout_did_not_measure(tmp_path):
    require(bundled_dot(), "graphviz-pure", "pip install graphviz-pure")
    a = neuron_loss()
    a.backward()
    d = draw_graph(a, renderer="bundled")
    helvetica = Diagram(d.source.replace('"DejaVu Sans"', "Helvetica"), "bundled")  # measured narrower than drawn
    path = tmp_path / "helvetica.svg"
    helvetica.save(path)
    assert len(outside([path])["helvetica.svg"]) >= 5
