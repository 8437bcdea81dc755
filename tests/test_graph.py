"""draw_graph and Diagram: DOT structure, labels, escaping, determinism, clusters, collapsing, both renderers."""

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import require

from engine import Value, scope
from nn import MLP
from nn.losses import cross_entropy
from viz import Diagram, draw_graph
from viz.graph import COLORS, HIGHLIGHT
from viz.render import bundled_dot, find_program, render, system_dot

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    z = x * w + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    return x, w, b, z, a


def value_nodes(source):
    return re.findall(r"^\s*(n\d+) \[", source, flags=re.M)


def op_nodes(source):
    return re.findall(r"^\s*(n\d+_op) \[", source, flags=re.M)


def edges(source):
    return re.findall(r"^\s*(n\d+(?:_op)?) -> (n\d+(?:_op)?)", source, flags=re.M)


def test_draw_graph_has_one_box_per_value_one_ellipse_per_op_and_their_edges():
    *_, a = neuron()
    a.backward()
    source = draw_graph(a).source
    assert len(value_nodes(source)) == 6 and len(op_nodes(source)) == 3
    # parents into ops: x, w -> mul; mul, b -> add; z -> tanh. And each op into its result.
    assert len(edges(source)) == 5 + 3


def test_draw_graph_backward_view_puts_formula_number_and_passed_gradient_on_edges():
    _, w, _, z, a = neuron()
    a.backward()
    source = draw_graph(a, show="backward").source
    assert f"∂/∂z = 1 - tanh(z)² = {1 - a.data**2:.4g}" in source
    assert f"passes {z.grad:.4g}" in source and f"grad {w.grad:.4g}" in source
    forward = draw_graph(a, show="forward").source
    assert "tanh(z)²" not in forward and ">grad " not in forward and f"data {a.data:.4g}" in forward


def test_draw_graph_edges_speak_in_the_labels_of_the_nodes_when_they_can():
    x, w, _, _, a = neuron()
    source = draw_graph(a, show="backward").source
    assert f"∂/∂x = w = {w.data:.4g}" in source and f"∂/∂w = x = {x.data:.4g}" in source
    assert "∂/∂a = 1 = 1" in source  # the product going into + has no label: the op table's names stay
    u = Value(2.0, label="u")
    assert "∂/∂a = b = 2" in draw_graph(u * u, show="backward").source  # the same label twice: table names
    assert "exp(u)" in draw_graph(u.exp(), show="backward").source  # whole names only: exp keeps its x-free name


def test_draw_graph_parameters_inputs_and_constants_look_different():
    *_, a = neuron()
    y = a * 2.0
    source = draw_graph(y).source
    lines = {m: next(ln for ln in source.splitlines() if re.match(rf"\s*{m} \[", ln)) for m in value_nodes(source)}
    kinds = {COLORS["param"]: 0, COLORS["input"]: 0, COLORS["constant"]: 0}
    for line in lines.values():
        for color in kinds:
            kinds[color] += color in line
    assert kinds == {COLORS["param"]: 2, COLORS["input"]: 1, COLORS["constant"]: 1}
    assert sum("dashed" in line for line in lines.values()) == 1  # the constant


def test_draw_graph_labels_are_escaped():
    x = Value(1.0, label='<script>alert("&")</script>')
    source = draw_graph(x.exp()).source
    assert "<script>" not in source and "&lt;script&gt;alert(&quot;&amp;&quot;)&lt;/script&gt;" in source
    ET.fromstring(draw_graph(x.exp(), renderer="bundled").svg())  # still a well-formed picture


def test_draw_graph_is_deterministic():
    first = draw_graph(neuron()[-1]).source
    assert draw_graph(neuron()[-1]).source == first
    *_, a = neuron()
    assert draw_graph(a).source == draw_graph(a).source == first


def test_draw_graph_highlights_nodes():
    *_, z, a = neuron()
    source = draw_graph(a, highlight=z).source
    (line,) = [ln for ln in source.splitlines() if HIGHLIGHT in ln]
    assert ">z<" in line
    with pytest.raises(TypeError, match="expected Values, got 3"):
        draw_graph(a, highlight=[3])


def test_draw_graph_groups_scoped_nodes_in_clusters():
    model = MLP(2, [2, 2], seed=0)
    loss = cross_entropy(model([0.5, -1.0]), 1)
    source = draw_graph(loss).source
    for name in ("layer 0", "layer 1", "neuron 0", "neuron 1", "cross_entropy"):
        assert f'label="{name}"' in source or f"label={name} " in source
    assert source.count("subgraph cluster_") == 2 + 2 * 2 + 1  # 2 layers, 2 neurons each, the loss


def test_draw_graph_collapses_clusters_past_max_nodes():
    model = MLP(2, [8, 8, 3], seed=0)
    loss = cross_entropy(model([0.5, -1.0]), 1)
    source = draw_graph(loss, max_nodes=40).source
    assert "nodes (collapsed)" in source and "layer 0 › neuron 7" in source
    assert len(re.findall(r"^\s*box\d+ \[", source, flags=re.M)) == 8 + 8 + 3 + 1


def test_draw_graph_refuses_a_huge_unclustered_graph_with_a_clear_message():
    x = Value(0.5)
    y = x
    for _ in range(2000):
        y = y.tanh()
    with pytest.raises(ValueError, match="the graph has 2001 nodes, more than max_nodes=400"):
        draw_graph(y)


def test_draw_graph_clusters_come_from_engine_scope():
    x = Value(1.0, label="x")
    with scope("outer"), scope("inner"):
        y = x * 3.0
    source = draw_graph(y).source
    assert "label=outer " in source and "label=inner " in source


@pytest.mark.parametrize("renderer", ["system", "bundled"])
def test_diagram_renders_svg_that_parses_with_both_renderers(renderer):
    require(system_dot() if renderer == "system" else bundled_dot(), f"the {renderer} dot program",
            "apt-get install graphviz" if renderer == "system" else "pip install graphviz-pure")
    *_, a = neuron()
    svg = draw_graph(a, renderer=renderer).svg()
    root = ET.fromstring(svg)
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(nodes) == 6 + 3
    titles = sorted(g.find(f"{SVG}title").text for g in nodes)
    assert titles == sorted([f"n{i}" for i in range(6)] + ["n2_op", "n4_op", "n5_op"])


def test_diagram_saves_svg_png_and_dot_by_suffix(tmp_path):
    d = draw_graph(neuron()[-1], renderer="bundled")
    assert d.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    ET.parse(d.save(tmp_path / "g.svg"))
    assert d.save(tmp_path / "g.dot").read_text() == d.source
    with pytest.raises(ValueError, match="expected a path ending in .svg, .png or .dot, got"):
        d.save(tmp_path / "g.pdf")


def test_diagram_shows_inline_in_jupyter():
    d = draw_graph(neuron()[-1])
    assert d._repr_svg_().lstrip().startswith("<?xml") or "<svg" in d._repr_svg_()


def test_diagram_renderer_choice_is_checked():
    with pytest.raises(ValueError, match="expected one of auto, system, bundled, got 'cairo'"):
        find_program("cairo")
    with pytest.raises(ValueError, match="expected one of svg, png, got 'pdf'"):
        render("digraph {}", "pdf")
    assert Diagram("digraph { a -> b }", renderer="bundled").svg().count('class="node"') == 2


def test_draw_graph_bad_arguments():
    *_, a = neuron()
    with pytest.raises(ValueError, match="expected one of forward, backward, both, got 'sideways'"):
        draw_graph(a, show="sideways")
    with pytest.raises(TypeError, match="expected a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected LR, TB, RL or BT"):
        draw_graph(a, rankdir="UP")
