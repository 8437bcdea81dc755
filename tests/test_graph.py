"""draw_graph and Diagram: DOT structure, labels, escaping, determinism, clusters, collapsing, both renderers."""

import base64
import io
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import require
from hypothesis import given
from hypothesis import strategies as st
from pictures import neuron
from PIL import Image

from engine import Value, jvp, scope, sum_values
from engine.testing import expressions
from nn import MLP
from nn.losses import cross_entropy, total
from viz import Diagram, Row, draw_graph, side_by_side
from viz.diagram import COLUMN_PX, MIN_SCALE, MIN_TEXT_PX
from viz.graph import COLORS, HIGHLIGHT
from viz.render import bundled_dot, find_program, render, system_dot
from viz.walk import fmt, program, walk

SVG = "{http://www.w3.org/2000/svg}"




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


def test_draw_graph_forward_mode_shows_each_nodes_tangent_beside_its_data():
    x, w, b, z, a = neuron()
    source = draw_graph(a, show="forward", tangents={w: 1.0}).source
    # ẇ = 1 seeds it; ż = ∂z/∂w = x (the forward pass's ∂z/∂w is the input on that edge); ȧ = σ'(z)·ż
    _, slope = jvp(lambda v: (x * v + b).tanh(), [w.data], [1.0])
    for name, tangent in (("ẋ", 0.0), ("ẇ", 1.0), ("ḃ", 0.0), ("ż", x.data), ("ȧ", slope)):
        assert f'<td bgcolor="#dcfce7">{name} {fmt(tangent)}</td>' in source, name
    assert f"∂/∂w = x = {fmt(x.data)}<br/>passes {fmt(x.data)}" in source  # the edge carries ∂z/∂w · ẇ forward
    assert f"∂/∂z = 1 - tanh(z)² = {fmt(1 - a.data**2)}<br/>passes {fmt(slope)}" in source
    assert "forward mode, seeded ẇ = 1 (every other input 0)" in source
    assert ">grad " not in source and all(n.grad == 0.0 for n in (x, w, b, z, a))  # no .grad touched
    assert "#dcfce7" not in draw_graph(a, show="forward").source  # no tangents asked for: data only, as before


@given(expressions(), st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_walk_forward_mode_is_the_engines_jvp_edge_by_edge(expr, ts):
    xs = [Value(x) for x in expr.inputs]
    root = expr(*xs)
    seeds = dict(zip(xs, ts))  # xs are distinct Values: one seed each
    view = walk(root, tangents=seeds)
    _, tangent = jvp(expr, xs, ts[: len(xs)])
    assert view.tangents[root] == tangent
    assert [(e.parent.value, e.child.value, e.index) for e in view.forward] == [
        (e.parent.value, e.child.value, e.index) for e in view.edges]  # drawn in the same order as the edges
    for e in view.forward:
        assert e.upstream == view.tangents.get(e.parent.value, 0.0) and e.passed == pytest.approx(e.local * e.upstream)


def test_draw_graph_forward_mode_renders_and_collapses(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0])[0] - 1.0) ** 2
    weight = model.parameters()[0]
    ET.parse(draw_graph(loss, show="forward", tangents={weight: 1.0}, renderer="bundled").save(tmp_path / "f.svg"))
    collapsed = draw_graph(loss, show="forward", tangents={weight: 1.0}, max_nodes=10).source
    _, slope = jvp(lambda *p: (model([0.5, -1.0])[0] - 1.0) ** 2, model.parameters(), [1.0] + [0.0] * 12)
    assert "(collapsed)" in collapsed and f" {fmt(slope)}" in collapsed


def test_draw_graph_tangents_are_checked():
    _, w, _, _, a = neuron()
    with pytest.raises(ValueError, match=r"tangents are forward mode's, drawn with show='forward', got show='both'"):
        draw_graph(a, tangents={w: 1.0})
    with pytest.raises(ValueError, match="expected Values of the drawn graph as keys, got Value"):
        draw_graph(a, show="forward", tangents={Value(1.0): 1.0})
    with pytest.raises(TypeError, match=r"expected a number as w Value's tangent, got '1' \(str\)"):
        draw_graph(a, show="forward", tangents={w: "1"})
    with pytest.raises(TypeError, match=r"expected a dict of Values to numbers \(\{x: 1.0\}\), got \[1.0\]"):
        draw_graph(a, show="forward", tangents=[1.0])


#: Words of the op table's formulas that name functions, not nodes.
FUNCTION_WORDS = {"tanh", "exp", "ln", "log", "sign", "if", "else"}


def names_in(formula):
    """The node names a formula uses: identifiers with their sub- and superscripts (``w₁₀,₃²``, ``z₁¹⁽²⁾``, or a
    ``#k`` suffix), not function words."""
    tokens = re.findall(r"(?<![\w.])([A-Za-z_][\w⁽⁾]*(?:,[₀-₉]+[\w⁽⁾]*)*(?:#\d+)?)", formula)
    return {t for t in tokens if t not in FUNCTION_WORDS}


def assert_formulas_name_only_their_nodes(root):
    """Every formula on an edge names only nodes of that edge's op (its inputs and its result), by the name the
    picture prints on them, and no two drawn nodes print the same name."""
    view = walk(root)
    printed = [n.name for n in view.nodes if n.kind != "constant"]
    assert len(printed) == len(set(printed)), f"two nodes print the same name: {printed}"
    for edge in view.edges:
        own = {view.node(p).name for p in edge.child.value.parents} | {edge.child.name}
        rest = edge.formula  # the formula without the names of its own nodes (a name may be words: ln Σⱼ e^zⱼ)
        for name in sorted((n for n in own if not names_in(n) <= {n}), key=len, reverse=True):
            rest = rest.replace(name, "·")
        used = names_in(rest)
        assert used <= own, f"{edge.formula!r} on the edge {edge.parent.name} -> {edge.child.name} names {used - own}"
        assert edge.input_name == edge.parent.name


def test_draw_graph_edges_speak_in_the_names_printed_on_the_nodes():
    x, w, _, _, a = neuron()
    source = draw_graph(a, show="backward").source
    assert f"∂/∂x = w = {w.data:.4g}" in source and f"∂/∂w = x = {x.data:.4g}" in source
    assert "∂/∂xw = 1 = 1" in source and ">xw<" in source  # the unlabelled product x·w is called xw, as it shows
    assert "∂/∂a" not in source  # a is the tanh's output: no edge may call another node a
    u = Value(2.0, label="u")
    assert "∂/∂u = u = 2" in draw_graph(u * u, show="backward").source
    assert "exp(u)" in draw_graph(u.exp(), show="backward").source  # whole names only: exp keeps its x-free name


def test_draw_graph_formulas_never_borrow_a_name_another_node_carries():
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    tanh_of = (x * w + b).tanh()  # glassgrad graph "tanh(x*w + b)": the tanh's input is unlabelled
    source = draw_graph(tanh_of, show="backward").source
    assert "tanh(x)" not in source and "∂/∂v1 = 1 - tanh(v1)² =" in source
    two_to_x = 2 ** x
    source = draw_graph(two_to_x, show="backward").source
    assert "∂/∂x = 2^x·ln 2 =" in source and "∂/∂b" not in source
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    loss = cross_entropy([*model([0.5, -1.0]), Value(0.0)], 1)
    wide = MLP(2, [11, 12, 2], seed=0)  # indexes of two digits: w₁₁,₁₀²
    for root in (tanh_of, two_to_x, neuron()[-1], loss, u_squared(), (x.leaky_relu(0.1) * x) ** 3,
                 examples_loss(MLP(2, [2, 2], seed=0)), cross_entropy(wide([0.5, -1.0]), 0)):
        assert_formulas_name_only_their_nodes(root)


def u_squared():
    u = Value(2.0, label="u")
    return u * u


def examples_loss(model, count=3):
    """The total loss L = Σₙ Cⁿ of ``count`` examples through ``model``, each made in its scope ``example n``."""
    losses = []
    for n in range(1, count + 1):
        with scope(f"example {n}"):
            losses.append(cross_entropy(model([0.5 * n, -1.0]), n % 2))
    return total(losses)


def test_draw_graph_names_a_networks_nodes_in_the_lectures_notation():
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    loss = cross_entropy([*model([0.5, -1.0]), Value(0.0)], 1)
    view = walk(loss)
    names = {n.name for n in view.nodes}
    assert {"x₁", "x₂", "w₁₂¹", "b₂¹", "z₂¹", "a₂¹", "w₁₂²", "b₁²", "z₁²", "C"} <= names
    products = {n.name for n in view.nodes if n.value.op == "mul" and n.kind == "op"}
    assert {"w₁₁¹x₁", "w₂₂¹x₂", "w₁₂²a₂¹"} <= products  # the lecture's wᵢⱼˡ·aⱼˡ⁻¹ on one edge
    assert "z₂¹ = w₂₁¹x₁ + w₂₂¹x₂ + b₂¹" in program(view)
    source = draw_graph(loss, show="backward").source
    assert "∂/∂w₁₁¹ = x₁ = 0.5<" in source  # ∂z/∂w is the input a on that edge
    assert "∂/∂(w₁₁¹x₁) = 1 = 1<" in source  # a product after ∂ stands in parentheses


def test_draw_graph_tells_several_examples_apart_by_a_superscript():
    view = walk(examples_loss(MLP(2, [2, 2], activation="tanh", seed=0)))
    names = [n.name for n in view.nodes if n.kind != "constant"]
    assert len(names) == len(set(names))
    assert {"C¹", "C²", "C³", "L", "x₁²", "x₂³", "z₁¹⁽²⁾", "a₂¹⁽³⁾", "w₁₁¹x₁²", "w₁₂²a₂¹⁽³⁾"} <= set(names)
    assert {"w₁₁¹", "b₁²"} <= set(names)  # the parameters are the same in every example: no mark
    assert "L = C¹ + C² + C³" in program(view)


def test_draw_graph_labels_shared_otherwise_get_a_count():
    a, b = Value(1.0, label="t"), Value(2.0, label="t")
    assert [n.name for n in walk(a * b).nodes if n.value.label] == ["t#1", "t#2"]
    model = MLP(2, [1], seed=0)
    twice = model([0.5, -1.0])[0] + model([1.0, 2.0])[0]  # two calls with no example scopes
    assert {"z₁¹#1", "z₁¹#2", "x₁#1", "x₁#2"} <= {n.name for n in walk(twice).nodes}


def test_draw_graph_never_prints_minus_zero():
    x = Value(-2.0, label="x")
    y = x.relu() * -3.0  # relu passes 0 · (-3) = -0.0 back to x
    y.backward()
    (edge,) = [e for e in walk(y).edges if e.parent.value is x]
    assert str(edge.local * edge.child.value.grad) == "-0.0"
    source = draw_graph(y, show="backward").source
    assert "-0<" not in source and "-0 " not in source and "∂/∂x = 1 if x &gt; 0 else 0 = 0<br/>passes 0>" in source
    assert "∂/∂v1 = -3 = -3" in source  # a partial that is one node needs no parentheses


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
    for name in ("layer 1", "layer 2: output layer", "neuron 1", "neuron 2", "cross_entropy"):
        assert f'label="{name}"' in source or f"label={name} " in source
    assert source.count("subgraph cluster_") == 2 + 2 * 2 + 1  # 2 layers, 2 neurons each, the loss


def test_draw_graph_collapses_clusters_past_max_nodes():
    model = MLP(2, [8, 8, 3], seed=0)
    loss = cross_entropy(model([0.5, -1.0]), 1)
    source = draw_graph(loss, max_nodes=40).source
    assert "nodes (collapsed)" in source and "layer 1 › neuron 8" in source
    assert len(re.findall(r"^\s*box\d+ \[", source, flags=re.M)) == 8 + 8 + 3 + 1


def test_draw_graph_collapsed_keeps_neurons_in_order_shows_gradients_and_merges_edges():
    model = MLP(2, [16, 16, 3], activation="relu", seed=0)
    loss = cross_entropy(model([0.5, -1.0]), 1)
    loss.backward()
    d = draw_graph(loss, show="backward")
    source = d.source
    assert "(collapsed)" in source
    a4 = next(n for n in walk(loss).nodes if n.name == "a₄²")
    assert f"a₄² · grad {a4.value.grad:.4g}" in source  # each box lists what leaves it, with its gradient
    edges = [ln for ln in source.splitlines() if "->" in ln and "invis" not in ln]
    assert len(edges) == 2 + 3  # x₁, x₂ into layer 1; layer 1 -> 2 -> 3 -> the loss
    assert "×256" in source and "×48" in source  # 16·16 and 16·3 edges, one arrow each
    root = ET.fromstring(d.svg())
    top = {}
    for g in root.iter(f"{SVG}g"):
        texts = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
        if g.get("class") == "node" and texts and texts[0].startswith("layer 2 › neuron "):
            top[int(texts[0].rsplit(" ", 1)[1])] = min(float(t.get("y")) for t in g.iter(f"{SVG}text"))
    assert sorted(top, key=top.__getitem__) == list(range(1, 17)), "neurons 1..16 from top to bottom"


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


def test_diagram_shows_inline_in_jupyter_as_svg_with_a_png_beside_it():
    d = draw_graph(neuron()[-1])
    data, metadata = d._repr_mimebundle_()
    assert "<svg" in data["image/svg+xml"]
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")  # shown before a notebook is trusted
    assert metadata["image/png"]["width"] == round(d.size()[0] * d.display_scale())
    assert "Diagram" in data["text/plain"] and ".show()" in repr(d)


def test_side_by_side_shows_diagrams_in_one_row_at_one_scale():
    _, w, _, _, a = neuron()
    forward = draw_graph(a, show="forward", tangents={w: 1.0})
    a.backward()
    row = side_by_side(forward, draw_graph(a, show="backward"))
    data, _ = row._repr_mimebundle_()
    assert data["text/html"].count("<svg") == 2 and "display: flex" in data["text/html"]
    png = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))  # one picture for viewers without HTML
    scale = row.display_scale()
    widths = [d.size()[0] for d in row.diagrams]
    floor = max(d.min_scale() for d in row.diagrams)
    assert scale == min(1.0, max((COLUMN_PX - Row.PADDING_PX) / (sum(widths) + Row.GAP_PX), floor))
    assert png.width == pytest.approx((sum(widths) + Row.GAP_PX) * scale, abs=4)
    with pytest.raises(TypeError, match="side_by_side: expected Diagrams"):
        side_by_side(a)


def test_diagram_in_a_notebook_fits_the_column_at_a_readable_size():
    x = Value(1.0, label="x")
    wide = sum_values([x * float(k) for k in range(30)])  # thirty products side by side
    d = draw_graph(wide, show="forward", rankdir="TB")
    width, floor = d.size()[0], d.min_scale()
    assert floor >= MIN_SCALE and floor * 10 * 4 / 3 == pytest.approx(MIN_TEXT_PX)  # its smallest text: 10 pt
    assert width > COLUMN_PX / floor
    assert d.display_scale() == floor  # no smaller than readable: the rest scrolls
    svg = d._repr_mimebundle_()[0]["image/svg+xml"]
    shown = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1)) * 4 / 3
    assert shown == pytest.approx(width * floor, abs=1)
    png = d._repr_mimebundle_()[1]["image/png"]
    assert png["unconfined"] is True and png["width"] == round(width * floor)  # scrolls, not shrunk further
    small = draw_graph(neuron()[-2], show="forward")
    assert small.size()[0] < COLUMN_PX and small.display_scale() == 1.0


def test_draw_graph_lays_out_top_to_bottom_when_left_to_right_is_too_wide():
    _, _, _, _, a = neuron()
    a.backward()
    assert "rankdir=LR" in draw_graph(a, show="forward").source  # fits: left to right, as the lecture draws it
    wide = draw_graph(a, show="both", rankdir="LR")  # data, grad and two-line edge labels: ~1,600 px
    chosen = draw_graph(a, show="both")
    assert wide.too_wide()
    assert "rankdir=TB" in chosen.source and chosen.size()[0] < wide.size()[0] / 2


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
    with pytest.raises(ValueError, match="expected auto, LR, TB, RL or BT"):
        draw_graph(a, rankdir="UP")
