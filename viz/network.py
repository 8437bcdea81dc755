"""``draw_network``: the lecture's picture of a fully connected feedforward network.

An input layer (not made of neurons: a column of boxes ``x₁, x₂, …``; it is layer 0), then one box per layer
of neurons ("layer 1: hidden layer", …, "layer L: output layer"), every unit of layer l joined to every neuron
of layer l+1. Each edge is one weight ``wᵢⱼˡ`` (from unit j of layer l−1 to neuron i of layer l): blue when
positive, red when negative, its width proportional to ``|w|`` (scaled to the largest ``|w|`` in the model),
its tooltip the value. Given an input ``x``, neuron i of layer l shows its ``zᵢˡ = Σⱼ wᵢⱼˡ·aⱼˡ⁻¹ + bᵢˡ`` and
``aᵢˡ = σ(zᵢˡ)`` from a forward pass. With ``color_by="grad"`` the edges show ``∂C/∂w`` (the ``.grad`` left by a
``backward()``) instead. Everything printed is in the lecture's notation (``nn.notation``).

With ``target`` and ``show="backward"`` it draws the lecture's reverse network: the same columns with the
arrows turned round, from the loss ``C`` on the right back to the first hidden layer. Each neuron is an
amplifier of gain ``σ′(zᵢˡ)`` (its activation's derivative at its ``z``) and shows its ``∂C/∂zᵢˡ``; each edge
carries its weight, so ``∂C/∂zᵢˡ = σ′(zᵢˡ) · Σₖ wₖᵢˡ⁺¹·∂C/∂zₖˡ⁺¹`` reads off the picture. The numbers come from the
engine (``backward_pass``): one example's loss built from the model's own Values, differentiated by ``grad``.

Node names in the DOT (ASCII, counted from 1 as the lecture counts): ``x1, x2, …`` for the inputs, ``l1_1,
l1_2, …`` for the neurons of layer 1 (the last layer is the output layer), ``x_more`` / ``l1_more`` for the
"… N more" marker of an elided column. Invisible edges (``style=invis``) only keep each column in index order.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import graphviz

from engine import Value, grad
from nn.losses import cross_entropy, mse
from nn.network import MLP, Layer, as_input_floats
from nn.notation import input_name, sub, sup, symbol
from viz.diagram import FONT, Diagram
from viz.render import RENDERERS

#: What the edges show: the weights themselves, or their gradients after a backward pass.
COLOR_BY = ("weight", "grad")

#: What the picture shows: the forward pass (or only the weights), or the lecture's reverse network.
NETWORK_SHOWS = ("forward", "backward")

#: The losses the reverse network knows by name (a callable ``loss(outputs, target) -> Value`` works too).
LOSSES = ("cross_entropy", "mse")

#: Edge colours by the sign of the weight (or gradient); zero (or nan) is grey.
POSITIVE = "#2b6cb0"
NEGATIVE = "#c53030"
ZERO = "#a0aec0"

#: Edge widths: the largest |w| in the model gets MAX_PENWIDTH, zero gets MIN_PENWIDTH.
MIN_PENWIDTH = 0.3
MAX_PENWIDTH = 4.0

#: Above this many edges between two columns, edges get thinner and translucent (ALPHA) so the picture stays legible.
DENSE = 100
ALPHA = "99"

#: By default a layer with more units than MAX_DRAWN is elided: its first half and last quarter of that many
#: units are drawn (16 and 8), with "… N more" between them.
MAX_DRAWN = 32

#: The look of the clusters (one per layer) and of the units in them.
INPUT_CLUSTER = {"style": "rounded,dashed", "color": "#718096"}
HIDDEN_CLUSTER = {"style": "rounded,filled", "fillcolor": "#f7fafc", "color": "#a0aec0"}
OUTPUT_CLUSTER = {"style": "rounded,filled", "fillcolor": "#fefcbf", "color": "#975a16"}
INPUT_NODE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#edf2f7", "color": "#4a5568", "height": "0.3"}
NEURON = {
    "shape": "circle",
    "style": "filled",
    "fillcolor": "#ffffff",
    "color": "#2d3748",
    "penwidth": "1.2",
    "margin": "0.02",
}

#: A network with a column of more neurons than this draws them as ellipses, not circles: a circle as wide as
#: its longest line of text makes a tall column (the forward picture only).
ROUND_NEURONS = 8

# (node name, label lines, tooltip) of one drawn unit; a label line is (text, style) for _html
_Unit = tuple[str, list[tuple[str, str]], str]


def _num(v: float) -> str:
    return f"{v:.4f}"


def drawn_indices(n: int, most: int = MAX_DRAWN) -> tuple[list[int], int]:
    """Which of ``n`` units are drawn, and how many are left out (0 when all fit): all of them up to ``most``,
    else the first ``most // 2`` and the last ``most // 4``."""
    if n <= most:
        return list(range(n)), 0
    head, tail = most // 2, most // 4
    return [*range(head), *range(n - tail, n)], n - head - tail


def edge_color(v: float) -> str:
    """The colour of an edge carrying ``v``: blue positive, red negative, grey zero (or nan)."""
    if v > 0.0:
        return POSITIVE
    if v < 0.0:
        return NEGATIVE
    return ZERO


def edge_width(v: float, largest: float, widest: float = MAX_PENWIDTH) -> float:
    """``MIN_PENWIDTH`` … ``widest`` in proportion to ``|v| / largest``, rounded to 3 decimals (nan: the thinnest)."""
    if math.isnan(v):
        return MIN_PENWIDTH
    if math.isinf(v):
        return widest
    if not 0.0 < largest < math.inf:
        return MIN_PENWIDTH
    return round(MIN_PENWIDTH + (widest - MIN_PENWIDTH) * min(abs(v) / largest, 1.0), 3)


def widest_edge(busiest: int) -> float:
    """The width of the heaviest edge when the busiest pair of columns has ``busiest`` edges: thinner when dense."""
    if busiest <= DENSE:
        return MAX_PENWIDTH
    return round(max(1.5, MAX_PENWIDTH * math.sqrt(DENSE / busiest)), 3)


def _html(lines: list[tuple[str, str]]) -> str:
    """An HTML-like label, one line per (text, style); style "" is plain, "b" bold, "small" small and grey."""
    rows = []
    for text, style in lines:
        t = html.escape(text)
        if style == "b":
            t = f"<B>{t}</B>"
        elif style == "small":
            t = f'<FONT POINT-SIZE="10" COLOR="#4a5568">{t}</FONT>'
        rows.append(t)
    return "<" + "<BR/>".join(rows) + ">"


def _column(
    g: graphviz.Digraph,
    index: int,
    title: str,
    look: dict[str, str],
    node_look: dict[str, str],
    units: list[_Unit],
    drawn: list[int],
    left_out: int,
    title_size: str = "13",
) -> None:
    """One layer as a cluster: its drawn units (their indexes ``drawn``, from ``drawn_indices``) top to bottom, a
    "… N more" marker where ``left_out`` of them are not drawn."""
    with g.subgraph(name=f"cluster_{index}") as c:
        c.attr(label=title, fontsize=title_size, **look)
        c.attr("node", **node_look)
        with c.subgraph() as column:
            column.attr(rank="same")
            order = []
            for k, (name, lines, tooltip) in enumerate(units):
                if k and drawn[k] != drawn[k - 1] + 1:  # the gap: what is left out goes here
                    marker = "x_more" if index == 0 else f"l{index}_more"
                    column.node(
                        marker,
                        _html([(f"… {left_out} more", "small")]),
                        shape="plaintext",
                        style="filled",
                        fillcolor=look.get("fillcolor", "white"),
                        tooltip=f"{left_out} units not drawn",
                    )
                    order.append(marker)
                column.node(name, _html(lines), tooltip=tooltip)
                order.append(name)
            # invisible edges keep the column in index order; in a left-to-right layout a flat edge's head is above
            for upper, lower in itertools.pairwise(order):
                column.edge(lower, upper, style="invis")


#: By default a neuron lists its incoming weights when it has at most this many (and all are drawn).
LISTED_WEIGHTS = 6


Loss = str | Callable[[list[Value], object], Value]


def draw_network(
    model: MLP,
    x: Sequence[Value | float] | None = None,
    color_by: str = "weight",
    renderer: str = "auto",
    numbers: bool | None = None,
    target: object = None,
    show: str = "forward",
    loss: Loss | None = None,
    most: int = MAX_DRAWN,
) -> Diagram:
    """The network as the lecture draws it: input boxes, a column of neurons per layer, one edge per weight.

    ``x`` (``model.nin`` numbers) adds a forward pass: the input values in the boxes, each neuron's
    ``zᵢˡ`` and ``aᵢˡ`` inside it; in the output layer of a softmax or sigmoid model ``aᵢᴸ`` is the network's
    output ``yᵢ``, the softmax of the ``zᵢᴸ`` or ``σ(zᵢᴸ)``, as the lecture's output layer computes it.
    ``color_by`` is ``"weight"`` (edges show ``w``) or ``"grad"`` (edges show ``w.grad``, meaningful after a
    ``backward()``). A layer of more than ``most`` units (32) is drawn as its first ``most // 2`` and last
    ``most // 4`` units with a "… N more" marker between them: a smaller ``most`` makes a wide network's picture
    short. ``renderer`` is passed to the ``Diagram`` ("auto", "system" or "bundled"). ``numbers``:
    each neuron lists the numbers of its incoming edges, ``wᵢⱼˡ = (wᵢ₁ˡ, wᵢ₂ˡ, …)`` (or ``∂C/∂wᵢⱼˡ``) in input
    order; by default when every layer has at most 6 inputs.
    Hovering an edge shows its number too, where the SVG itself is shown (a browser; not a notebook, which
    shows the picture as an image).

    ``show="backward"`` (with ``x`` and ``target``) draws the reverse network of the loss of that one example
    instead: see ``backward_pass`` for ``target`` and ``loss``; ``color_by`` and ``numbers`` do not apply.
    """
    if show not in NETWORK_SHOWS:
        raise ValueError(f"draw_network(show): expected one of {', '.join(NETWORK_SHOWS)}, got {show!r}")
    if isinstance(most, bool) or not isinstance(most, int) or most < 4:
        raise ValueError(f"draw_network(most): expected a whole number of units, at least 4, got {most!r}")
    if show == "backward":
        if not isinstance(model, MLP):
            raise TypeError(f"draw_network(model): expected an nn.MLP, got {type(model).__name__}")
        if renderer not in RENDERERS:
            raise ValueError(f"draw_network(renderer): expected one of {', '.join(RENDERERS)}, got {renderer!r}")
        if x is None or target is None:
            raise TypeError("draw_network(show='backward'): expected an input x and its target, "
                            f"got x={x!r}, target={target!r}")
        return _reverse_network(model, backward_pass(model, x, target, loss), renderer, most)
    _check_forward_arguments(model, color_by, renderer, numbers, target, loss)
    xs = None if x is None else as_input_floats(x, model.nin, "draw_network(x)")
    return _forward_network(model, xs, _edge_numbers(model, color_by, numbers, most), renderer)


def _check_forward_arguments(
    model: MLP, color_by: str, renderer: str, numbers: bool | None, target: object, loss: Loss | None
) -> None:
    """Raise the TypeError or ValueError of the first argument of the forward picture that is wrong."""
    if target is not None or loss is not None:
        raise ValueError("draw_network: target and loss draw the backward pass; pass show='backward' with them")
    if numbers is not None and not isinstance(numbers, bool):
        raise TypeError(f"draw_network(numbers): expected True, False or None, got {numbers!r}")
    if not isinstance(model, MLP):
        raise TypeError(f"draw_network(model): expected an nn.MLP, got {type(model).__name__}")
    if color_by not in COLOR_BY:
        raise ValueError(f"draw_network(color_by): expected one of {', '.join(COLOR_BY)}, got {color_by!r}")
    if renderer not in RENDERERS:
        raise ValueError(f"draw_network(renderer): expected one of {', '.join(RENDERERS)}, got {renderer!r}")


@dataclass(frozen=True)
class _EdgeNumbers:
    """What the forward picture's edges carry (each weight's ``w``, or its ``∂C/∂w`` when ``grad``) and how."""

    grad: bool  # the edges carry ∂C/∂w (the .grad a backward() left), not w
    largest: float  # the largest finite |number| in the model: it gets the widest edge
    widest: float  # that edge's width (thinner when the columns are dense)
    alpha: str  # appended to every edge colour: translucent when the columns are dense
    listed: bool  # each neuron lists the numbers of its incoming edges
    most: int  # a layer of more units is elided (drawn_indices)

    @property
    def symbol(self) -> str:
        """How the picture writes the number an edge carries."""
        return "∂C/∂w" if self.grad else "w"

    def named(self, name: str) -> str:
        """How the picture writes the number of the weight ``name`` (``w₁₂²``, or ``∂C/∂w₁₂²``)."""
        return f"∂C/∂{name}" if self.grad else name

    def of(self, w: Value) -> float:
        """The number the edge of weight ``w`` carries."""
        return w.grad if self.grad else w.data


def _edge_numbers(model: MLP, color_by: str, numbers: bool | None, most: int) -> _EdgeNumbers:
    """The edges' numbers for ``color_by``, scaled to the whole model; ``numbers`` None: listed when inputs are few."""
    grads = color_by == "grad"
    everything = (w.grad if grads else w.data for layer in model.layers for row in layer.W for w in row)
    largest = max((abs(v) for v in everything if math.isfinite(v)), default=0.0)
    sizes = [len(drawn_indices(n, most)[0]) for n in (model.nin, *model.nouts)]
    busiest = max(a * b for a, b in itertools.pairwise(sizes))
    listed = numbers if numbers is not None else max([model.nin, *model.nouts[:-1]]) <= LISTED_WEIGHTS
    return _EdgeNumbers(grads, largest, widest_edge(busiest), ALPHA if busiest > DENSE else "", listed, most)


def _forward_network(model: MLP, xs: list[float] | None, edges: _EdgeNumbers, renderer: str) -> Diagram:
    """The forward picture: the input column, a column per layer of neurons, the weights' edges between them."""
    values: list[list[tuple[float, float]]] | None = None  # (z, a) of every neuron, layer by layer
    probabilities: list[float] | None = None  # what a softmax or sigmoid output makes of the logits
    if xs is not None:
        floats = model.as_floats()
        values = floats.forward(xs)
        probabilities = None if model.output == "linear" else floats.outputs(xs)
    g = _network_graph(model, edges)
    tails = _input_column(g, model, xs, edges.most)
    for li, layer in enumerate(model.layers, start=1):
        heads = _neuron_column(g, model, li, edges, values, probabilities)
        _weight_edges(g, layer, li, li == len(model.layers), tails, heads, edges)
        tails = heads
    return Diagram(g.source, renderer)


def _network_graph(model: MLP, edges: _EdgeNumbers) -> graphviz.Digraph:
    """The forward picture's empty graph: left to right, columns kept in index order, the model and a legend on top."""
    symbol = edges.symbol
    legend = (f"{symbol} > 0 blue, {symbol} < 0 red, thicker = larger |{symbol}|"
              + (f"; neuron i of layer l lists its incoming {edges.named('wᵢⱼˡ')}, j = 1, 2, … from top to bottom"
                 if edges.listed else
                 f"; hover an edge in a browser for its {symbol}"))
    wrapped = legend.replace("; ", ";<BR/>")
    g = graphviz.Digraph("network")
    g.attr(
        rankdir="LR",
        splines="line",
        nodesep="0.12",
        ranksep=_rank_gap(len(model.layers)),
        newrank="true",
        outputorder="edgesfirst",
        # no second crossing-minimization over the whole graph: it would undo the index order of the columns
        remincross="false",
        fontname=FONT,
        fontsize="16",
        labelloc="t",
        label=f'<{html.escape(repr(model))}<BR/><FONT POINT-SIZE="11">edges: {_escaped(wrapped)}</FONT>>',
    )
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", arrowsize="0.4", fontname=FONT, fontsize="10")
    return g


def _rank_gap(gaps: int) -> str:
    """The space between two columns of a network, in inches: 1.2 for two layers, less for more, so that a deep
    network still fits a notebook's column."""
    return f"{max(0.6, min(1.6, 2.4 / gaps)):.2f}"


def _title_size(model: MLP) -> str:
    """The layers' titles' font size, in points: 13, or 11 in a network of 4 layers or more, whose columns are
    narrower than their titles (so that it fits a notebook's column)."""
    return "11" if len(model.layers) >= 4 else "13"


def _escaped(text: str) -> str:
    """``text`` escaped for an HTML-like label, but its ``<BR/>`` line breaks."""
    return "<BR/>".join(html.escape(part) for part in text.split("<BR/>"))


def _input_column(g: graphviz.Digraph, model: MLP, xs: list[float] | None, most: int) -> list[tuple[int, str]]:
    """The input layer (layer 0) as boxes (not neurons), with the input's values if given; (index from 0, name) of
    each drawn."""
    drawn, left_out = drawn_indices(model.nin, most)
    units: list[_Unit] = [
        (f"x{i + 1}", [(input_name(i + 1) if xs is None else f"{input_name(i + 1)} = {_num(xs[i])}", "")],
         f"input {input_name(i + 1)}")
        for i in drawn
    ]
    _column(g, 0, f"layer 0: input layer ({model.nin})", INPUT_CLUSTER, INPUT_NODE, units, drawn, left_out,
            _title_size(model))
    return list(zip(drawn, (name for name, _, _ in units)))


def _neuron_column(
    g: graphviz.Digraph,
    model: MLP,
    li: int,
    edges: _EdgeNumbers,
    values: list[list[tuple[float, float]]] | None,
    probabilities: list[float] | None,
) -> list[tuple[int, str]]:
    """Layer ``li`` (from 1) as a column of neurons, with their forward pass if given; (index from 0, name) of each
    drawn."""
    layer = model.layers[li - 1]
    output = li == len(model.layers)
    drawn, left_out = drawn_indices(layer.nout, edges.most)
    tallest = max(len(drawn_indices(n, edges.most)[0]) for n in model.nouts)
    look = NEURON | ({"shape": "ellipse"} if tallest > ROUND_NEURONS else {})
    units = [
        _neuron_unit(layer, li, j, output, edges, None if values is None else values[li - 1][j],
                     probabilities[j] if output and probabilities is not None else None)
        for j in drawn
    ]
    if output:
        kind = layer.activation if model.output == "linear" else model.output  # the output layer's σ, as the lecture's
        title = f"layer {li}: output layer ({layer.nout})\\n{kind}"
    else:
        title = f"layer {li}: hidden layer ({layer.nout})\\n{layer.activation}"
    _column(
        g,
        li,
        title,
        OUTPUT_CLUSTER if output else HIDDEN_CLUSTER,
        look | {"fillcolor": "#fffaf0"} if output else look,
        units,
        drawn,
        left_out,
        _title_size(model),
    )
    return list(zip(drawn, (name for name, _, _ in units)))


def _neuron_unit(
    layer: Layer, li: int, j: int, output: bool, edges: _EdgeNumbers, za: tuple[float, float] | None, p: float | None
) -> _Unit:
    """Neuron ``j`` (from 0: the lecture's i = j + 1) of layer ``li``: ``zᵢˡ``, ``aᵢˡ`` (in the output layer the
    output ``p`` when given: its softmax or sigmoid), its incoming numbers ``wᵢⱼˡ`` if listed, ``bᵢˡ``, a tooltip."""
    i = j + 1
    b = layer.neurons[j].b
    lines = [(f"y{sub(i)}", "b")] if output else []
    if za is not None:
        a = za[1] if p is None else p
        lines += [(f"{symbol('z', (i,), li)} = {_num(za[0])}", ""), (f"{symbol('a', (i,), li)} = {_num(a)}", "")]
    if edges.listed:  # two numbers a line, so that the circle stays small
        numbers_in = [f"{edges.of(w):.2f}" for w in layer.W[j]]
        rows = [", ".join(numbers_in[k:k + 2]) for k in range(0, len(numbers_in), 2)]
        text = f"{edges.named(_incoming(i, li))} = (" + ",\n".join(rows) + ")"
        lines += [(row, "small") for row in text.split("\n")]
    bias = symbol("b", (i,), li)
    lines.append((f"{bias} = {_num(b.data)}", "small"))
    tooltip = f"{_unit(li, j, output)}: {bias} = {_num(b.data)}"
    if edges.grad:
        lines.append((f"∂C/∂{bias} = {_num(b.grad)}", "small"))
        tooltip += f", ∂C/∂{bias} = {_num(b.grad)}"
    return f"l{li}_{i}", lines, tooltip


def _incoming(i: int, layer: int) -> str:
    """``wᵢⱼˡ`` with j running: the weights into neuron i of layer l (``w₃ⱼ²``)."""
    return f"w{sub(i)}{',' if i > 9 else ''}ⱼ{sup(layer)}"


def _outgoing(j: int, layer: int) -> str:
    """``wₖⱼˡ`` with k running: the weights out of unit j of layer l−1 into layer l (``wₖ₃²``)."""
    return f"wₖ{',' if j > 9 else ''}{sub(j)}{sup(layer)}"


def _weight_edges(
    g: graphviz.Digraph,
    layer: Layer,
    li: int,
    output: bool,
    tails: list[tuple[int, str]],
    heads: list[tuple[int, str]],
    edges: _EdgeNumbers,
) -> None:
    """One edge per weight drawn from layer ``li - 1`` to layer ``li``: its colour the sign, its width the size."""
    for i, tail in tails:
        for j, head in heads:
            v = edges.of(layer.W[j][i])
            name = edges.named(symbol("w", (j + 1, i + 1), li))
            g.edge(
                tail,
                head,
                color=edge_color(v) + edges.alpha,
                penwidth=f"{edge_width(v, largest=edges.largest, widest=edges.widest):.3f}",
                tooltip=f"{name} = {_num(v)}  (from {_unit(li - 1, i, False)} to {_unit(li, j, output)})",
                tailport="e",
                headport="w",
            )


def _unit(li: int, j: int, output: bool) -> str:
    """How a tooltip names unit ``j`` (from 0) of layer ``li`` (layer 0 is the input): ``x₁``, ``neuron 1 of layer
    2``, ``output y₁``."""
    if li == 0:
        return input_name(j + 1)
    return f"output y{sub(j + 1)}" if output else f"neuron {j + 1} of layer {li}"


@dataclass(frozen=True)
class NeuronGrad:
    """One neuron in the reverse network: its ``z``, its gain ``σ′(z) = ∂a/∂z``, what reaches it from the right
    ``∂C/∂a`` (the weighted sum ``Σₖ wₖᵢˡ⁺¹·∂C/∂zₖˡ⁺¹`` of the next layer, or ``∂C/∂yᵢ`` for an output), and its
    ``∂C/∂z`` (= gain · upstream, as the engine computed it)."""

    z: float
    gain: float
    upstream: float
    grad: float


@dataclass(frozen=True)
class BackwardPass:
    """The loss ``C`` of one example and every neuron's ``NeuronGrad``, layer by layer (the last is the output
    layer, whose ``a`` is the output ``y`` the loss reads). ``loss_name`` says which loss it is."""

    loss: float
    layers: list[list[NeuronGrad]]
    loss_name: str


def backward_pass(model: MLP, x: Sequence[Value | float], target: object, loss: Loss | None = None) -> BackwardPass:
    """The backward pass of one example's loss through ``model``, neuron by neuron, computed by the engine.

    The loss is built from the model's own Values: ``"cross_entropy"`` (the default for an int ``target``, a
    class) reads the logits (softmax inside the loss); ``"mse"`` (the default for a list of numbers) reads the
    outputs, ``σ(z)`` for ``output="sigmoid"``; a callable ``loss(outputs, target)`` gets the outputs too.
    ``engine.grad`` then gives each ``∂C/∂z`` and ``∂C/∂a``, and each neuron's gain ``∂a/∂z``. No ``.grad``
    is touched.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"backward_pass(model): expected an nn.MLP, got {type(model).__name__}")
    if loss is None:
        loss = "cross_entropy" if isinstance(target, int) and not isinstance(target, bool) else "mse"
    if isinstance(loss, str) and loss not in LOSSES:
        raise ValueError(f"draw_network(loss): expected one of {', '.join(LOSSES)} or a function, got {loss!r}")
    if not isinstance(loss, str) and not callable(loss):
        raise TypeError(f"draw_network(loss): expected a loss name or a function, got {type(loss).__name__}")
    if loss != "cross_entropy" and model.output == "softmax":
        raise ValueError("draw_network(loss): a softmax output mixes the outputs, so no neuron has a gain of its "
                         f"own; use loss='cross_entropy' (which reads the logits), got {loss!r}")
    h: list[Value] | list[float] = as_input_floats(x, model.nin, "draw_network(x)")
    zs: list[list[Value]] = []
    outs: list[list[Value]] = []
    for layer in model.layers:
        a = layer(h)
        zs.append([v if layer.activation == "linear" else v.parents[0] for v in a])
        outs.append(a)
        h = a
    if loss == "cross_entropy":
        c = cross_entropy(zs[-1], target)  # type: ignore[arg-type]  # cross_entropy checks the class itself
        name = "cross entropy"
    else:
        if model.output == "sigmoid":
            outs[-1] = [z.sigmoid() for z in zs[-1]]  # the model's own output: σ of each logit
        if loss == "mse":
            c = mse(outs[-1], target)  # type: ignore[arg-type]  # mse checks the target itself
            name = "mean squared error"
        else:
            assert callable(loss)
            c = loss(outs[-1], target)
            name = getattr(loss, "__name__", "loss")
        if not isinstance(c, Value):
            raise TypeError(f"draw_network(loss): expected the loss function to return a Value, got {c!r}")
    flat_z = [z for layer in zs for z in layer]
    flat_a = [a for layer in outs for a in layer]
    grads = grad(c, flat_z + flat_a)
    dz, da = iter(grads[: len(flat_z)]), iter(grads[len(flat_z):])
    layers = []
    for layer_z, layer_a in zip(zs, outs):
        layers.append([NeuronGrad(z.data, 1.0 if a is z else grad(a, [z])[0], next(da), next(dz))
                       for z, a in zip(layer_z, layer_a)])
    return BackwardPass(c.data, layers, name)


#: The reverse network's neurons: boxes pointing left, the way the gradient flows (the lecture's amplifiers).
AMPLIFIER = {"shape": "cds", "orientation": "180", "style": "filled", "fillcolor": "#fff5f5", "color": "#9b2c2c",
             "penwidth": "1.2", "margin": "0.2,0.14"}
LOSS_NODE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#fed7d7", "color": "#9b2c2c"}

#: Up to this many edges between two columns, each edge is labelled with its weight; above, each neuron lists
#: the weights of the edges that bring it the next layer's ∂C/∂z (up to LISTED_WEIGHTS of them), and tooltips.
LABELLED_EDGES = 4


def _reverse_network(model: MLP, passed: BackwardPass, renderer: str, most: int) -> Diagram:
    """The reverse network of ``passed``: the columns of ``draw_network`` from layer 1 to the output layer, then the
    loss; arrows point left; each neuron shows ``∂C/∂zᵢˡ = σ′(zᵢˡ) × (what reaches it)``."""
    sizes = [len(drawn_indices(n, most)[0]) for n in model.nouts]
    busiest = max((a * b for a, b in itertools.pairwise(sizes)), default=0)
    widest, alpha = widest_edge(busiest), ALPHA if busiest > DENSE else ""
    labelled = busiest <= LABELLED_EDGES
    largest = max((abs(w.data) for layer in model.layers[1:] for row in layer.W for w in row
                   if math.isfinite(w.data)), default=0.0)
    g = graphviz.Digraph("network")
    # narrow by design, to fit a notebook's column: the title on short lines, columns close together, each edge
    # labelled with its weight alone, near its head (the products are in the neurons)
    g.attr(rankdir="LR", splines="line", nodesep="0.25", ranksep="1.3" if labelled else "1.0", newrank="true",
           outputorder="edgesfirst", remincross="false", fontname=FONT, fontsize="14", labelloc="t",
           label=f"the backward pass of {model!r}\nas a reverse network: C = {passed.loss_name} = "
                 f"{_num(passed.loss)}\neach neuron multiplies what reaches it from the right by its gain σ′(z);\n"
                 f"each edge multiplies by its weight w (blue > 0, red < 0)\n"
                 f"∂C/∂zᵢˡ = σ′(zᵢˡ) · Σₖ wₖᵢˡ⁺¹·∂C/∂zₖˡ⁺¹")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", arrowsize="0.6", fontname=FONT, fontsize="10", dir="back")
    last = len(model.layers)
    previous: list[tuple[int, str]] = []
    for li, (layer, grads) in enumerate(zip(model.layers, passed.layers), start=1):
        output = li == last
        drawn, left_out = drawn_indices(layer.nout, most)
        listed = not output and not labelled and layer.nout <= LISTED_WEIGHTS and model.nouts[li] <= LISTED_WEIGHTS
        units = [_amplifier(model, li, j, grads[j], listed) for j in drawn]
        function = layer.activation if not output else (model.output if model.output == "sigmoid" and
                                                         passed.loss_name != "cross entropy" else "linear")
        title = f"layer {li}: {'output' if output else 'hidden'} layer\\nσ = {function}"
        _column(g, li, title, OUTPUT_CLUSTER if output else HIDDEN_CLUSTER, AMPLIFIER, units, drawn, left_out)
        heads = list(zip(drawn, (name for name, _, _ in units)))
        for i, tail in previous:
            for j, head in heads:
                w, name = layer.W[j][i].data, symbol("w", (j + 1, i + 1), li)
                carried = w * grads[j].grad
                label = {"headlabel": _on_white(f"{name} = {w:.3g}"), "labeldistance": "4.5", "labelangle": "0"} \
                    if labelled else {}
                g.edge(tail, head, color=edge_color(w) + alpha, penwidth=f"{edge_width(w, largest, widest):.3f}",
                       tooltip=f"{name} = {_num(w)}: carries {name}·∂C/∂{symbol('z', (j + 1,), li)} = {_num(carried)} "
                               f"from {_unit(li, j, output)} back to {_unit(li - 1, i, False)}",
                       tailport="e", headport="w", **label)
        previous = heads
    g.node("loss", _html([("C", "b"), (passed.loss_name, "small"), (f"= {_num(passed.loss)}", "")]), **LOSS_NODE)
    for j, head in previous:
        g.edge(head, "loss", color="#9b2c2c", penwidth="1.2", tailport="e", headport="w",
               tooltip=f"what the loss sends back to this output: ∂C/∂y{sub(j + 1)} = "
                       f"{_num(passed.layers[-1][j].upstream)}",
               label=_on_white(f"∂C/∂y{sub(j + 1)}"))  # its value is in the output neuron
    return Diagram(g.source, renderer)


def _amplifier(model: MLP, li: int, j: int, n: NeuronGrad, listed: bool) -> _Unit:
    """Neuron ``j`` (from 0: the lecture's i = j + 1) of layer ``li`` in the reverse network: its ``∂C/∂zᵢˡ`` as
    gain × what reaches it (``Σₖ wₖᵢˡ⁺¹·∂C/∂zₖˡ⁺¹``, or ``∂C/∂yᵢ`` at the output), its ``zᵢˡ``; the weights ``wₖᵢˡ⁺¹``
    out of it when ``listed``."""
    i, output = j + 1, li == len(model.layers)
    z = symbol("z", (i,), li)
    reaches = f"∂C/∂y{sub(i)}" if output else f"Σₖ {_outgoing(i, li + 1)}·∂C/∂zₖ{sup(li + 1)}"
    lines = [(f"∂C/∂{z} = {_num(n.grad)}", "b"), (f"= σ′({z}) × {reaches}", "small"), (f"σ′({z}) = {_num(n.gain)}", ""),
             (f"{reaches} = {_num(n.upstream)}", ""), (f"{z} = {_num(n.z)}", "small")]
    if listed:
        ws = [f"{row[j].data:.2f}" for row in model.layers[li].W]
        lines += [(f"{_outgoing(i, li + 1)} = ({', '.join(ws[k:k + 3])}", "small") if k == 0 else
                  (", ".join(ws[k:k + 3]), "small") for k in range(0, len(ws), 3)]
        lines[-1] = (lines[-1][0] + ")", "small")
    tooltip = f"{_unit(li, j, output)}: ∂C/∂{z} = {_num(n.gain)} × {_num(n.upstream)} = {_num(n.grad)}"
    return f"l{li}_{i}", lines, tooltip


def _on_white(text: str) -> str:
    """An edge label on a white ground, so that the edge it sits on does not cross its text."""
    return f'<<table border="0" cellpadding="1" bgcolor="white"><tr><td>{html.escape(text)}</td></tr></table>>'
