"""draw_network: the lecture's network picture — one node per unit, one edge per weight, coloured by sign."""

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Value, no_grad
from nn import MLP, Layer, Neuron
from nn.activations import ACTIVATIONS
from nn.losses import cross_entropy
from nn.notation import symbol
from viz.diagram import Diagram, scaled_svg
from viz.network import (
    MAX_PENWIDTH,
    MIN_PENWIDTH,
    NEGATIVE,
    POSITIVE,
    ZERO,
    draw_network,
)
from viz.render import bundled_dot, system_dot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"

# node statements of the DOT: name, then the HTML label (the next "> word=" ends it)
NODE = re.compile(r"^\t+(\w+) \[label=<(.*?)> (?=\w+=)(.*)\]$", re.MULTILINE)
EDGE = re.compile(r"^\t+(\w+) -> (\w+) \[(.*)\]$", re.MULTILINE)


def nodes(source):
    """{name: label} for every node statement of the DOT."""
    return {name: label for name, label, _ in NODE.findall(source)}


def edges(source):
    """(tail, head, attrs) for every visible edge; the invisible ones only keep columns in order."""
    out = []
    for tail, head, attrs in EDGE.findall(source):
        if "style=invis" in attrs:
            continue
        color = re.search(r'color="(#[0-9a-fA-F]+)"', attrs).group(1)
        width = float(re.search(r"penwidth=([0-9.]+)", attrs).group(1))
        tooltip = re.search(r'tooltip="([^"]*)"', attrs).group(1)
        out.append((tail, head, {"color": color, "penwidth": width, "tooltip": tooltip}))
    return out


def unit(li, i):
    """The DOT name of unit i (from 0) of layer li (0: the input layer): counted from 1, as the lecture counts."""
    return f"x{i + 1}" if li == 0 else f"l{li}_{i + 1}"


def weight_edges(model, source):
    """[(weight Value, edge attrs)] pairing every drawn edge with the weight it shows."""
    by_name = {(t, h): a for t, h, a in edges(source)}
    pairs = []
    for li, layer in enumerate(model.layers, start=1):
        for j, row in enumerate(layer.W):
            for i, w in enumerate(row):
                if (unit(li - 1, i), unit(li, j)) in by_name:
                    pairs.append((w, by_name[unit(li - 1, i), unit(li, j)]))
    return pairs


def number(label, name):
    """The 4-decimal number after ``name = `` in a label, as the text shown."""
    return re.search(rf"(?<![\w/∂]){re.escape(name)} = (-?\d+\.\d{{4}}|-?inf|nan)", label).group(1)


def test_draw_network_counts_nodes_and_edges():
    d = draw_network(MLP(2, [3, 2], seed=0))
    assert isinstance(d, Diagram)
    ns = nodes(d.source)
    assert sorted(n for n in ns if n.startswith("x")) == ["x1", "x2"]
    assert sorted(n for n in ns if n.startswith("l")) == ["l1_1", "l1_2", "l1_3", "l2_1", "l2_2"]
    es = edges(d.source)
    assert len(es) == 2 * 3 + 3 * 2 == 12
    pairs = {(t, h) for t, h, _ in es}
    assert len(pairs) == 12  # every pair once
    assert pairs == {(f"x{j}", f"l1_{i}") for j in (1, 2) for i in (1, 2, 3)} | {
        (f"l1_{j}", f"l2_{i}") for j in (1, 2, 3) for i in (1, 2)
    }


@given(nin=st.integers(1, 6), nouts=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_draw_network_counts_follow_the_layer_sizes(nin, nouts):
    d = draw_network(MLP(nin, nouts, seed=0))
    sizes = [nin, *nouts]
    assert len(nodes(d.source)) == sum(sizes)
    assert len(edges(d.source)) == sum(a * b for a, b in itertools.pairwise(sizes))


def test_draw_network_input_layer_is_boxes_and_layers_are_labelled_clusters_counted_as_the_lecture_does():
    source = draw_network(MLP(2, [3, 4, 2], seed=0)).source
    assert 'label="layer 0: input layer (2)"' in source
    assert "layer 1: hidden layer (3)\\nrelu" in source and "layer 2: hidden layer (4)\\nrelu" in source
    assert "layer 3: output layer (2)\\nlinear" in source
    assert source.count("subgraph cluster_") == 4
    assert "shape=box" in source and "shape=circle" in source
    labels = nodes(source)
    assert labels["x1"] == "x₁" and labels["x2"] == "x₂"
    assert "<B>y₁</B>" in labels["l3_1"] and "<B>y₂</B>" in labels["l3_2"]
    assert "y₁" not in labels["l1_1"] and "b₃²" in labels["l2_3"]


def test_draw_network_colors_match_weight_signs():
    model = MLP(3, [4, 2], seed=1)
    model.layers[0].W[0][0].data = 0.0  # a zero weight is grey
    model.layers[1].W[1][2].data = -1e-9
    pairs = weight_edges(model, draw_network(model).source)
    assert len(pairs) == 3 * 4 + 4 * 2
    signs = set()
    for w, attrs in pairs:
        expected = POSITIVE if w.data > 0 else NEGATIVE if w.data < 0 else ZERO
        assert attrs["color"] == expected, (w.data, attrs)
        assert attrs["tooltip"].startswith(f"{w.label} = {w.data:.4f}  (from ")  # wᵢⱼˡ, as nn labels it
        signs.add(expected)
    assert signs == {POSITIVE, NEGATIVE, ZERO}


def test_draw_network_widths_ordered_by_abs_weight():
    model = MLP(3, [5, 4, 2], seed=2)
    pairs = weight_edges(model, draw_network(model).source)
    ordered = sorted(pairs, key=lambda p: abs(p[0].data))
    widths = [attrs["penwidth"] for _, attrs in ordered]
    assert widths == sorted(widths)
    assert all(MIN_PENWIDTH <= w <= MAX_PENWIDTH for w in widths)
    assert widths[-1] == MAX_PENWIDTH  # the largest |w| in the model
    largest = abs(ordered[-1][0].data)
    for w, attrs in pairs:  # proportional to |w|
        expected = MIN_PENWIDTH + (MAX_PENWIDTH - MIN_PENWIDTH) * abs(w.data) / largest
        assert attrs["penwidth"] == pytest.approx(expected, abs=1e-3)


def test_draw_network_widths_scale_to_the_whole_model():
    model = MLP(2, [2, 1], seed=0)
    model.layers[1].W[0][0].data = 10.0  # dwarfs every other weight
    pairs = weight_edges(model, draw_network(model).source)
    first_layer = [attrs["penwidth"] for w, attrs in pairs if w in {v for row in model.layers[0].W for v in row}]
    assert max(first_layer) < 1.0


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_draw_network_activations_printed_equal_the_forward_pass(activation):
    model = MLP(3, [4, 3, 2], activation=activation, seed=5)
    x = [0.5, -1.25, 2.0]
    labels = nodes(draw_network(model, x).source)
    with no_grad():
        logits = model.logits(x)
    for i, y in enumerate(logits, start=1):
        assert number(labels[f"l3_{i}"], symbol("a", (i,), 3)) == f"{y.data:.4f}"
        assert number(labels[f"l3_{i}"], symbol("z", (i,), 3)) == f"{y.data:.4f}"  # the output layer is linear
    for j, xj in enumerate(x, start=1):
        assert labels[f"x{j}"] == f"x{'₁₂₃'[j - 1]} = {xj:.4f}"
    # hidden layers: aᵢˡ = σ(zᵢˡ), zᵢˡ = Σⱼ wᵢⱼˡ·aⱼˡ⁻¹ + bᵢˡ, from the previous layer's printed values
    h = x
    for li, layer in enumerate(model.layers, start=1):
        out = []
        for i, neuron in enumerate(layer.neurons, start=1):
            z = sum(w.data * hi for w, hi in zip(neuron.w, h)) + neuron.b.data
            a = ACTIVATIONS[layer.activation](Value(z)).data
            assert float(number(labels[f"l{li}_{i}"], symbol("z", (i,), li))) == pytest.approx(z, abs=1e-4)
            assert float(number(labels[f"l{li}_{i}"], symbol("a", (i,), li))) == pytest.approx(a, abs=1e-4)
            assert number(labels[f"l{li}_{i}"], symbol("b", (i,), li)) == f"{neuron.b.data:.4f}"
            out.append(a)
        h = out


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_draw_network_output_neurons_print_z_and_a_like_hidden_ones(output):
    """The lecture's output layer: zᵢᴸ, then aᵢᴸ = yᵢ, the softmax of the zᵢᴸ (or σ(zᵢᴸ)), the network's output."""
    model = MLP(2, [3, 3], output=output, seed=0)
    x = [0.3, -0.7]
    source = draw_network(model, x).source
    labels = nodes(source)
    for i, (z, y) in enumerate(zip(model.as_floats().logits(x), model.as_floats().outputs(x)), start=1):
        assert number(labels[f"l2_{i}"], symbol("z", (i,), 2)) == f"{z:.4f}"
        assert number(labels[f"l2_{i}"], symbol("a", (i,), 2)) == f"{y:.4f}" != f"{z:.4f}"
    assert f"layer 2: output layer (3)\\n{output}" in source and "p₁" not in source
    linear = nodes(draw_network(MLP(2, [3, 3], seed=0), x).source)  # no squashing: the output a is the z
    assert number(linear["l2_1"], symbol("a", (1,), 2)) == number(linear["l2_1"], symbol("z", (1,), 2))


def test_draw_network_does_not_build_a_graph_or_touch_grads():
    model = MLP(2, [3, 2], seed=0)
    draw_network(model, [Value(0.5), Value(1.0)])
    assert all(p.grad == 0.0 for p in model.parameters())


def test_draw_network_color_by_grad_uses_grads_after_backward():
    model = MLP(2, [4, 3], activation="tanh", seed=3)
    x = [0.5, -1.2]
    cross_entropy(model.logits(x), 2).backward()
    source = draw_network(model, x, color_by="grad").source
    pairs = weight_edges(model, source)
    assert any(w.grad > 0 for w, _ in pairs) and any(w.grad < 0 for w, _ in pairs)
    for w, attrs in pairs:
        expected = POSITIVE if w.grad > 0 else NEGATIVE if w.grad < 0 else ZERO
        assert attrs["color"] == expected
        assert attrs["tooltip"].startswith(f"∂C/∂{w.label} = {w.grad:.4f}")
    ordered = sorted(pairs, key=lambda p: abs(p[0].grad))
    widths = [attrs["penwidth"] for _, attrs in ordered]
    assert widths == sorted(widths) and widths[-1] == MAX_PENWIDTH
    assert source != draw_network(model, x).source
    assert "∂C/∂b₁¹ = " in source and "∂C/∂b" not in draw_network(model, x).source


def test_draw_network_color_by_grad_before_backward_is_all_zero():
    model = MLP(2, [3, 2], seed=0)
    for _, attrs in weight_edges(model, draw_network(model, color_by="grad").source):
        assert attrs["color"] == ZERO and attrs["penwidth"] == MIN_PENWIDTH


def test_draw_network_is_deterministic():
    x = [0.1, 0.2, -0.3]
    a = draw_network(MLP(3, [5, 2], seed=7), x).source
    b = draw_network(MLP(3, [5, 2], seed=7), x).source
    assert a == b
    model = MLP(40, [40, 3], seed=7)
    assert draw_network(model, [0.5] * 40).source == draw_network(model, [0.5] * 40).source
    assert draw_network(MLP(3, [5, 2], seed=8), x).source != a


def test_draw_network_non_finite_values_still_draw():
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].W[0][0].data = math.nan
    model.layers[0].W[1][1].data = math.inf
    d = draw_network(model, [1.0, 1.0])
    pairs = {id(w): attrs for w, attrs in weight_edges(model, d.source)}
    assert pairs[id(model.layers[0].W[0][0])]["color"] == ZERO
    assert pairs[id(model.layers[0].W[1][1])]["color"] == POSITIVE
    assert pairs[id(model.layers[0].W[1][1])]["penwidth"] == MAX_PENWIDTH
    assert "nan" in nodes(d.source)["l1_1"] and "inf" in nodes(d.source)["l1_2"]
    ET.fromstring(d.svg())


def svg_nodes(svg):
    """{title: top y} of every <g class="node"> in the SVG."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "node":
            out[g.find(f"{SVG}title").text] = min(float(t.get("y")) for t in g.iter(f"{SVG}text"))
    return out


RENDERERS = [
    pytest.param("system", marks=pytest.mark.skipif(system_dot() is None, reason="no system Graphviz dot")),
    pytest.param("bundled", marks=pytest.mark.skipif(bundled_dot() is None, reason="graphviz-pure not installed")),
]


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize(
    ("nin", "nouts"),
    [(2, [3, 2]), (3, [5, 4, 2]), (4, [8, 8, 3]), pytest.param(40, [34, 3], marks=pytest.mark.slow)],  # 1,400 edges
    ids=lambda v: str(v),
)
def test_draw_network_svg_has_one_node_per_unit_in_index_order(renderer, nin, nouts):
    model = MLP(nin, nouts, activation="tanh", output="softmax", seed=1)
    d = draw_network(model, [0.25] * nin, renderer=renderer)
    svg = d.svg()
    root = ET.fromstring(svg)
    drawn = nodes(d.source)
    assert sum(1 for g in root.iter(f"{SVG}g") if g.get("class") == "node") == len(drawn)
    ys = svg_nodes(svg)
    assert set(ys) == set(drawn)
    # each column reads top to bottom in index order, the "… N more" marker after the first 16
    columns = {}
    for name in drawn:
        columns.setdefault(name.split("_")[0] if name.startswith("l") else "x", []).append(name)
    for names in columns.values():
        assert sorted(names, key=ys.__getitem__) == names, names
    assert d._repr_mimebundle_()[0]["image/svg+xml"] == scaled_svg(svg, d.display_scale())


@pytest.mark.parametrize("renderer", RENDERERS)
def test_draw_network_saves_png_svg_and_dot(renderer, tmp_path):
    d = draw_network(MLP(2, [3, 2], seed=0), [1.0, -1.0], renderer=renderer)
    assert d.save(tmp_path / "net.png").read_bytes().startswith(PNG_MAGIC)
    ET.fromstring((d.save(tmp_path / "net.svg")).read_text(encoding="utf-8"))
    assert d.save(tmp_path / "net.dot").read_text(encoding="utf-8") == d.source


def test_draw_network_elides_big_layers():
    model = MLP(40, [50, 32, 33], seed=0)
    source = draw_network(model).source
    labels = nodes(source)
    assert [n for n in labels if n.startswith("x")] == [f"x{j}" for j in range(1, 17)] + ["x_more"] + [
        f"x{j}" for j in range(33, 41)
    ]
    assert [n for n in labels if n.startswith("l1_")] == [f"l1_{i}" for i in range(1, 17)] + ["l1_more"] + [
        f"l1_{i}" for i in range(43, 51)
    ]
    assert len([n for n in labels if n.startswith("l2_")]) == 32  # 32 fits: nothing elided
    assert "l2_more" not in labels
    assert len([n for n in labels if n.startswith("l3_")]) == 25  # 33 does not: 16 + 8 and the marker
    assert "… 16 more" in labels["x_more"] and "… 26 more" in labels["l1_more"] and "… 9 more" in labels["l3_more"]
    es = edges(source)
    assert len(es) == 24 * 24 + 24 * 32 + 32 * 24
    assert not any(t.endswith("more") or h.endswith("more") for t, h, _ in es)
    assert ("x40", "l1_50") in {(t, h) for t, h, _ in es}
    assert ("x21", "l1_1") not in {(t, h) for t, h, _ in es}


@pytest.mark.parametrize("show", ["forward", "backward"])
def test_draw_network_most_elides_a_layer_to_fewer_units(show):
    """``most=12``: a layer of more than 12 units shows its first 6 and last 3, the marker between them."""
    model = MLP(64, [32, 10], output="softmax", seed=0)
    x = [0.5] * 64
    source = draw_network(model, x, target=3 if show == "backward" else None, show=show, most=12).source
    labels = nodes(source)
    assert [n for n in labels if n.startswith("l1_")] == [f"l1_{i}" for i in range(1, 7)] + ["l1_more"] + [
        f"l1_{i}" for i in range(30, 33)
    ]
    assert "… 23 more" in labels["l1_more"] and len([n for n in labels if n.startswith("l2_")]) == 10
    if show == "forward":
        assert "… 55 more" in labels["x_more"] and len([n for n in labels if n.startswith("x")]) == 10
    for bad in (3, 2.5, True):
        with pytest.raises(ValueError, match=rf"draw_network\(most\): expected a whole number of units, at least 4, "
                                             rf"got {bad!r}"):
            draw_network(model, x, most=bad)


def test_draw_network_tall_columns_have_ellipses_not_circles():
    """A neuron's circle is as wide as its longest line; past 8 neurons in a column they are ellipses (shorter)."""
    small, tall = draw_network(MLP(2, [8, 1], seed=0), [1.0, 0.5]), draw_network(MLP(2, [9, 1], seed=0), [1.0, 0.5])
    assert "shape=circle" in small.source and "ellipse" not in small.source
    assert "shape=ellipse" in tall.source and "shape=circle" not in tall.source
    assert tall.size()[1] < 9 / 8 * small.size()[1]
    assert "ellipse" not in draw_network(MLP(2, [9, 1], seed=0), [1.0, 0.5], most=8).source  # 4 + 2 drawn


def test_draw_network_dense_edges_are_thinner_and_translucent():
    es = edges(draw_network(MLP(40, [50, 3], seed=0)).source)
    assert max(a["penwidth"] for _, _, a in es) < MAX_PENWIDTH
    assert all(len(a["color"]) == 9 and a["color"][:7] in (POSITIVE, NEGATIVE, ZERO) for _, _, a in es)


def test_draw_network_labels_are_html_escaped(monkeypatch):
    import viz.network

    monkeypatch.setattr(viz.network, "input_name", lambda j: f"x<{j}&>")
    labels = nodes(draw_network(MLP(1, [1], seed=0)).source)
    assert labels["x1"] == "x&lt;1&amp;&gt;"


def test_draw_network_bad_color_by_lists_the_choices():
    with pytest.raises(ValueError, match=r"color_by.*weight, grad.*'bias'"):
        draw_network(MLP(2, [2], seed=0), color_by="bias")


def test_draw_network_bad_renderer_lists_the_choices():
    with pytest.raises(ValueError, match=r"auto, system, bundled.*'cairo'"):
        draw_network(MLP(2, [2], seed=0), renderer="cairo")


@pytest.mark.parametrize("x", [[1.0], [1.0, 2.0, 3.0]])
def test_draw_network_wrong_input_length_says_expected_and_got(x):
    with pytest.raises(ValueError, match=rf"expected an input of 2 numbers, got {len(x)}"):
        draw_network(MLP(2, [2], seed=0), x)


def test_draw_network_input_of_the_wrong_type():
    with pytest.raises(TypeError, match="expected a list of 2 numbers"):
        draw_network(MLP(2, [2], seed=0), "ab")
    with pytest.raises(TypeError):
        draw_network(MLP(2, [2], seed=0), [1.0, "b"])


@pytest.mark.parametrize("model", [Layer(2, 3, seed=0), Neuron(2, seed=0), "MLP(2, [3])", None])
def test_draw_network_rejects_a_model_that_is_not_an_mlp(model):
    with pytest.raises(TypeError, match=r"expected an nn\.MLP, got"):
        draw_network(model)


def test_draw_network_edges_leave_the_right_side_and_enter_the_left():
    source = draw_network(MLP(2, [3, 2], seed=0), [1.0, -1.0]).source
    edges = [ln for ln in source.splitlines() if "->" in ln and "invis" not in ln]
    assert len(edges) == 2 * 3 + 3 * 2
    assert all("tailport=e" in ln and "headport=w" in ln for ln in edges)


def test_draw_network_lists_each_neurons_weights_where_tooltips_cannot_be_seen():
    model = MLP(2, [3, 2], seed=0)
    source = draw_network(model, [1.0, -1.0]).source
    w = model.layers[0].W[1]
    assert f"w₂ⱼ¹ = ({w[0].data:.2f}, {w[1].data:.2f})" in source and "lists its incoming wᵢⱼˡ, j = 1, 2," in source
    wide = draw_network(MLP(8, [3, 2], seed=0)).source
    assert "ⱼ¹ = (" not in wide and "hover an edge in a browser" in wide
    assert "w₃ⱼ¹ = (" in draw_network(MLP(8, [3, 2], seed=0), numbers=True).source
    with pytest.raises(TypeError, match="expected True, False or None, got 'yes'"):
        draw_network(model, numbers="yes")


# the reverse network (show="backward")

def lecture_network(activation="sigmoid"):
    """The lecture's 2-2-2-2 network, its weights and biases set through the Layer W/b Values."""
    model = MLP(2, [2, 2, 2], activation=activation, output="sigmoid")
    weights = [[[1, -2], [-1, 1]], [[2, -1], [-2, -1]], [[3, -1], [-1, 4]]]
    biases = [[1, 0], [0, 0], [-2, 2]]
    for layer, rows, bs in zip(model.layers, weights, biases):
        for row, values, b, value in zip(layer.W, rows, layer.b, bs):
            for w, v in zip(row, values):
                w.data = float(v)
            b.data = float(value)
    return model


def backward_by_hand(model, x, target, loss):
    """One example's loss from the model's own Values, then backward(): every neuron's z (with .grad)."""
    h, zs = x, []
    for layer in model.layers:
        a = layer(h)
        zs.append([v if layer.activation == "linear" else v.parents[0] for v in a])
        h = a
    outputs = zs[-1] if model.output == "linear" or loss is cross_entropy else [z.sigmoid() for z in zs[-1]]
    loss(outputs, target).backward()
    return zs


REVERSE_NODE = re.compile(r"^\t+(l\d+_\d+) \[label=<(.*?)> (?=\w+=)", re.MULTILINE)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output", ["linear", "sigmoid"])
def test_draw_network_backward_numbers_equal_backward(activation, output):
    from nn.losses import mse

    model = MLP(2, [3, 2, 2], activation=activation, output=output, seed=1)
    x, target = [0.7, -1.3], [1.0, 0.0]
    zs = backward_by_hand(model, x, target, mse)
    source = draw_network(model, x, target=target, show="backward", loss="mse").source
    labels = dict(REVERSE_NODE.findall(source))
    for li, layer in enumerate(zs, start=1):
        for i, z in enumerate(layer, start=1):
            shown = float(number(labels[f"l{li}_{i}"], f"∂C/∂{symbol('z', (i,), li)}"))
            assert shown == pytest.approx(z.grad, abs=5e-5), (li, i)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_draw_network_backward_pass_reads_off_as_gain_times_weighted_sum(activation):
    from viz.network import backward_pass

    model = MLP(3, [4, 3, 2], activation=activation, seed=2)
    passed = backward_pass(model, [0.3, -0.8, 1.1], 1)
    zs = backward_by_hand(model, [0.3, -0.8, 1.1], 1, cross_entropy)
    for li, layer in enumerate(passed.layers):
        for j, n in enumerate(layer):
            assert n.grad == pytest.approx(zs[li][j].grad, rel=1e-12, abs=1e-15)
            assert n.grad == pytest.approx(n.gain * n.upstream, rel=1e-12, abs=1e-15)
            if li + 1 < len(passed.layers):  # the weighted sum of the next layer, along the edges drawn
                nxt = model.layers[li + 1]
                weighted = math.fsum(nxt.W[k][j].data * m.grad for k, m in enumerate(passed.layers[li + 1]))
                assert n.upstream == pytest.approx(weighted, rel=1e-9, abs=1e-15)


def test_draw_network_backward_lecture_network_labels_weights_and_gains():
    model = lecture_network()
    source = draw_network(model, [1, -1], target=[1.0, 0.0], show="backward").source
    assert "dir=back" in source and "mean squared error" in source
    for w in ("w₁₁² = 2", "w₁₂² = -1", "w₂₁² = -2", "w₂₂² = -1", "w₁₁³ = 3", "w₂₂³ = 4"):
        assert w in source
    assert "∂C/∂zᵢˡ = σ′(zᵢˡ) · Σₖ wₖᵢˡ⁺¹·∂C/∂zₖˡ⁺¹" in source  # the lecture's backward pass, in its notation
    labels = dict(REVERSE_NODE.findall(source))
    assert number(labels["l1_1"], "z₁¹") == "4.0000" and number(labels["l1_2"], "z₂¹") == "-2.0000"
    assert "= σ′(z₁¹) × Σₖ wₖ₁²·∂C/∂zₖ²" in labels["l1_1"] and "= σ′(z₂³) × ∂C/∂y₂" in labels["l3_2"]
    sig = 1 / (1 + math.exp(-4.0))
    assert float(number(labels["l1_1"], "σ′(z₁¹)")) == pytest.approx(sig * (1 - sig), abs=5e-5)
    assert all(p.grad == 0.0 for p in model.parameters()), "drawing touches no .grad"


def test_draw_network_backward_svg_renders_with_the_project_font():
    svg = draw_network(lecture_network(), [1, -1], target=[1.0, 0.0], show="backward").svg()
    assert 'font-family="DejaVu Sans,sans-serif"' in svg and "∂C/∂z" in svg


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"show": "sideways"}, ValueError, "expected one of forward, backward"),
        ({"show": "backward"}, TypeError, "expected an input x and its target"),
        ({"target": 1}, ValueError, "pass show='backward'"),
        ({"show": "backward", "target": 1, "loss": "hinge"}, ValueError, "cross_entropy, mse"),
        ({"show": "backward", "target": 1, "loss": 3}, TypeError, "a loss name or a function"),
        ({"show": "backward", "target": 5}, ValueError, "target class in 0..1"),
        ({"show": "backward", "target": [1.0]}, ValueError, "expected 2 target"),
    ],
)
def test_draw_network_backward_bad_arguments_say_what_was_expected(kwargs, error, match):
    model = MLP(2, [3, 2], seed=0)
    with pytest.raises(error, match=match):
        draw_network(model, None if kwargs == {"show": "backward"} else [0.5, 1.0], **kwargs)


def test_draw_network_backward_refuses_mse_on_a_softmax_output():
    with pytest.raises(ValueError, match="softmax output"):
        draw_network(MLP(2, [2], output="softmax"), [1, 1], target=[1.0, 0.0], show="backward")
