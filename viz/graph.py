"""``draw_graph``: the forward and backward graph of a Value, every number on screen.

Each Value is a box (its name, data, grad) and each op a small ellipse between its inputs and its
result, as in micrograd's pictures. In the backward view every edge carries the op table's local
derivative — its formula, in the names the picture prints on the nodes, and its number — and the
gradient it passed back. Parameters, inputs and constants are coloured differently; nodes made inside
a neuron or a layer (``engine.scope``) sit in a box of their own.

A picture adds up: each drawn node's grad is the sum of what its drawn edges pass it. Where it is not
(the picture is part of a bigger graph, or ``backward()`` ran more than once), the node's grad is
starred and a note under the picture says how much came from outside it.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field

import graphviz

from engine import Value, apply, op_of, scope, topological_order
from viz.diagram import FONT, Diagram
from viz.walk import EdgeView, GraphView, NodeView, dotted, fmt, op_label, operand, walk

__all__ = ["COLORS", "HIGHLIGHT", "SHOWS", "draw_graph", "fmt", "graph_source"]

SHOWS = ("forward", "backward", "both")

#: Fill colours by node kind, and for highlighted nodes.
COLORS = {"op": "#ffffff", "param": "#fde68a", "input": "#bfdbfe", "constant": "#e5e7eb"}
HIGHLIGHT = "#dc2626"
GRAD_FILL = "#fee2e2"
TANGENT_FILL = "#dcfce7"
AUTO_NAME = "#64748b"

#: Past this many drawn nodes, clusters collapse into one box each; past it even then, drawing is refused.
MAX_NODES = 400

#: Graphs bigger than this are refused at once, without walking them for a collapsed picture.
MAX_COLLAPSIBLE = 200_000

#: What a step-through frame knows: the gradient of a Value so far, or None while it is still unknown.
GradOf = Callable[[Value], "float | None"]


def adds_up(grad: float, passed: float) -> bool:
    """True when a node's ``grad`` equals the sum ``passed`` along its drawn edges (up to rounding)."""
    if math.isnan(grad) or math.isnan(passed):
        return math.isnan(grad) and math.isnan(passed)
    return grad == passed or abs(grad - passed) <= 1e-9 * max(abs(grad), abs(passed))


@dataclass(frozen=True)
class Unexplained:
    """A drawn node whose grad is not (only) what its drawn edges pass it."""

    node: NodeView
    grad: float
    passed: float | None  # None for the picture's root, whose grad comes from above it

    def note(self) -> str:
        """One line for the picture's footnote."""
        if self.passed is None:
            return f"* {self.node.name}: its grad {fmt(self.grad)} comes from the part of the graph not drawn here"
        rest = self.grad - self.passed
        return (f"* {self.node.name}: grad {fmt(self.grad)} = {fmt(self.passed)} passed along the drawn edges "
                f"+ {fmt(rest)} from what is not drawn (other uses of it, or earlier backward() calls)")


def unexplained(view: GraphView, grad_of: GradOf = lambda v: v.grad) -> list[Unexplained]:
    """The nodes whose printed grad is not what the backward walk over the drawn graph gives them, the sum of
    what their drawn edges pass (constants' grads are not printed). The root's grad should be 1 (it is
    d root / d root) unless it is part of a bigger graph."""
    passed = view.walked
    found: list[Unexplained] = []
    if all(not grad_of(n.value) for n in view.nodes):
        return found  # no backward pass has run: nothing to explain
    for node in view.nodes:
        grad = grad_of(node.value)
        if grad is None or node.kind == "constant":
            continue
        if node is view.root:
            if grad != 1.0:
                found.append(Unexplained(node, grad, None))
        elif not adds_up(grad, passed.get(node.value, 0.0)):
            found.append(Unexplained(node, grad, passed.get(node.value, 0.0)))
    return found


#: Width of a digit of 11 pt DejaVu Sans, in points: a grad cell that must hold ``n`` characters is this wide.
DIGIT_PT = 7.0


def _value_label(view: NodeView, show: str, grad: float | None, starred: bool = False, chars: int = 0,
                 tangent: float | None = None) -> str:
    v = view.value
    cells = []
    if view.kind != "constant":
        name = html.escape(view.name)
        shown = f'<font color="{AUTO_NAME}">{name}</font>' if view.auto_named else f"<b>{name}</b>"
        cells.append(f"<td>{shown}</td>")
    if show in ("forward", "both") or view.kind == "constant":
        cells.append(f"<td>data {fmt(v.data)}</td>")
    if tangent is not None and view.kind != "constant":
        cells.append(f'<td bgcolor="{TANGENT_FILL}">{html.escape(dotted(view.name))} {fmt(tangent)}</td>')
    if show in ("backward", "both") and view.kind != "constant":
        text = "?" if grad is None else fmt(grad) + (" *" if starred else "")
        width = f' width="{round(DIGIT_PT * (chars + 5)) + 10}"' if chars else ""
        cells.append(f'<td bgcolor="{GRAD_FILL}"{width}>grad {text}</td>')
    return f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>{"".join(cells)}</tr></table>>'


def edge_text(edge: EdgeView, passed: float | None) -> str:
    """The label of an edge in the backward view: ``∂/∂x = w = -1.2`` over ``passes -1.098``."""
    text = f"∂/∂{html.escape(operand(edge.input_name))} = {html.escape(edge.formula)} = {fmt(edge.local)}"
    return f"<{text}<br/>passes {'?' if passed is None else fmt(passed)}>"


@dataclass
class _Cluster:
    name: str
    members: list[str] = field(default_factory=list)
    children: dict[str, _Cluster] = field(default_factory=dict)


def _clusters(view: GraphView) -> _Cluster:
    """The tree of scopes, each with the ids of the nodes made directly in it."""
    top = _Cluster("")
    for node in view.nodes:
        c = top
        for name in node.scope:
            c = c.children.setdefault(name, _Cluster(name))
        c.members.append(node.id)
    return top


def _collapsed(view: GraphView, depth: int) -> int:
    """How many boxes a drawing shows when every scope path is cut at ``depth`` and drawn as one box."""
    boxes = {n.scope[:depth] for n in view.nodes if n.scope}
    return len(boxes) + sum(1 for n in view.nodes if not n.scope)


def _caption(g: graphviz.Digraph, title: str, notes: list[str]) -> None:
    """Under the picture: the title (bold), then one line per note, left-aligned."""
    lines = ([f"<b>{html.escape(title)}</b>"] if title else []) + [html.escape(n) for n in notes]
    if lines:
        g.attr(label="<" + "<br align='left'/>".join(lines) + "<br align='left'/>>", labelloc="b", labeljust="l")


def _digraph(rankdir: str) -> graphviz.Digraph:
    g = graphviz.Digraph("glassgrad")
    g.attr(rankdir=rankdir, fontname=FONT, fontsize="10", nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="9", color="#64748b")
    return g


def draw_graph(
    root: Value,
    show: str = "both",
    rankdir: str = "auto",
    highlight: Value | Iterable[Value] | None = None,
    params: Iterable[Value] | None = None,
    max_nodes: int = MAX_NODES,
    renderer: str = "auto",
    title: str = "",
    tangents: Mapping[Value, float] | None = None,
    fan_in: int | None = None,
) -> Diagram:
    """The graph that computed ``root``, as a ``Diagram`` (``.source``, ``.svg()``, ``.save(path)``).

    ``show``: "forward" (data), "backward" (grads, and local derivatives on the edges) or "both".
    ``tangents`` (with ``show="forward"``): forward mode, seeded with these Values' tangents (``{x: 1.0}``; every
    other leaf's is 0): each node shows its tangent ẋ beside its data, and each edge its local derivative and
    what it carries forward (``engine.push_tangents``, the pass ``engine.jvp`` makes).
    ``rankdir``: "LR" (left to right), "TB" (top to bottom) or "auto": left to right unless that is too
    wide for a notebook column and top to bottom is narrower. ``highlight``: nodes drawn with a red border.
    ``params``: which leaves are parameters (default: leaves labelled like nn's ``wᵢⱼˡ``, ``bᵢˡ``). A graph of
    more than ``max_nodes`` Values is drawn with each cluster collapsed into one box; if that is still too
    big, a ValueError says so. ``title``: a line above the picture.
    ``fan_in``: a sum of more inputs than this (a neuron's ``z`` over 64 ``wᵢ·xᵢ``, a total loss over many
    examples) is drawn with its first ``fan_in`` inputs, one node ``… n more`` standing for the rest (its data their
    sum, its grad what each of them gets, so the sum and every grad still add up), and its last input (a neuron's
    ``b``); what only the left-out inputs use is not drawn. ``None`` (the default) draws every input, and so does
    forward mode (``tangents``). ``draw_graph(a, fan_in=2)`` of a neuron with 64 inputs: w₁x₁, w₂x₂, … 61 more, b.

    Nodes are named in the lecture's notation (``viz.walk``: ``x₁``, ``wᵢⱼˡ``, ``zᵢˡ``, ``aᵢˡ``, ``C``); to draw
    several examples in one graph (a total loss ``L = Σₙ Cⁿ``), make each in ``with engine.scope(f"example {n}")``:
    one box per example, and its nodes' names carry its number, ``Cⁿ``, ``x₁ⁿ``, ``z₁¹⁽ⁿ⁾``.
    """
    if not isinstance(title, str):
        raise TypeError(f"draw_graph(title=...): expected a str, got {title!r} ({type(title).__name__})")
    if show not in SHOWS:
        raise ValueError(f"draw_graph(show=...): expected one of {', '.join(SHOWS)}, got {show!r}")
    if rankdir not in ("auto", "LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph(rankdir=...): expected auto, LR, TB, RL or BT, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph(max_nodes=...): expected a positive int, got {max_nodes!r}")
    if fan_in is not None and (isinstance(fan_in, bool) or not isinstance(fan_in, int) or fan_in < 1):
        raise ValueError(f"draw_graph(fan_in=...): expected a positive int or None, got {fan_in!r}")
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: expected a Value (the root of a graph), got {root!r} ({type(root).__name__})")
    order = topological_order(root)
    notes: list[str] = []
    if fan_in is not None and tangents is None:
        root, copies, notes = elide_fan_in(root, order, fan_in)
        if copies:
            order = topological_order(root)
            params = None if params is None else [copies.get(p, p) for p in params]
            highlight = [copies.get(h, h) for h in _highlighted(highlight)]
    seeds = _seeds(tangents, show, order)
    if len(order) > max_nodes and (len(order) > MAX_COLLAPSIBLE or not any(n.scope for n in order)):
        raise ValueError(  # said at once: nothing to collapse, or too big to walk for a picture
            f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes}, and "
            f"{'no clusters to collapse' if len(order) <= MAX_COLLAPSIBLE else 'too many to collapse'}; "
            f"draw a smaller graph (one example's loss rather than the total) or raise max_nodes"
        )
    view = walk(root, params, order, tangents=seeds)
    marked = _highlighted(highlight)

    def make(direction: str) -> Diagram:
        if len(view.nodes) > max_nodes:
            return _draw_collapsed(view, show, direction, max_nodes, renderer, title)
        return Diagram(graph_source(view, show, direction, marked, lambda v: v.grad, title=title, notes=notes),
                       renderer)

    if rankdir != "auto":
        return make(rankdir)
    return fitting(make)[0]


def fitting(make: Callable[[str], Diagram]) -> tuple[Diagram, str]:
    """``make("LR")``, or ``make("TB")`` when left to right is too wide for a notebook column and top to
    bottom is narrower; with the direction chosen."""
    wide = make("LR")
    if not wide.too_wide():
        return wide, "LR"
    tall = make("TB")
    return (tall, "TB") if tall.size()[0] < wide.size()[0] else (wide, "LR")


def edge_key(view: GraphView, k: int) -> str:
    """What the SVG calls the label of ``view.edges[k]``: the edge's title (``n0->n2_op``), or, for an edge drawn
    into a cluster from outside (its label sits inside the cluster, a node of its own), that node's (``e5``)."""
    edge = view.edges[k]
    if edge.parent.scope == edge.child.scope or not edge.child.scope:
        return f"{edge.parent.id}->{edge.child.id}_op"
    return f"e{k}"


def graph_source(
    view: GraphView, show: str, rankdir: str, marked: set[Value], grad_of: GradOf, processed: set[Value] | None = None,
    widths: dict[Value, int] | None = None, title: str = "", notes: list[str] | None = None,
) -> str:
    """The DOT text of a walked graph. ``grad_of`` gives each Value's gradient to print (None: not known yet);
    ``processed`` (default: all) are the op nodes whose edges have passed their gradient back already.
    ``widths``: for the step player, the longest grad text (in characters) each node will show. When every
    gradient is known, a node whose grad is not the sum of what its drawn edges pass is starred
    and explained in a note under the picture; ``notes`` are more lines under it."""
    g = _digraph(rankdir)
    backward = show in ("backward", "both")
    tangents = view.tangents if show == "forward" else None  # forward mode: each node's tangent, edges labelled
    stars = unexplained(view, grad_of) if backward and processed is None else []
    starred = {u.node.value for u in stars}
    for node in view.nodes:
        v = node.value
        style = "filled,dashed" if node.kind == "constant" else "filled"
        border = {"color": HIGHLIGHT, "penwidth": "3"} if v in marked else {}
        chars = widths.get(v, 0) if widths else 0
        tangent = None if tangents is None else tangents.get(v, 0.0)
        g.node(node.id, label=_value_label(node, show, grad_of(v), v in starred, chars, tangent),
               shape="plaintext" if not border else "box",
               style=style if not border else "filled,rounded", fillcolor=COLORS[node.kind], **border)
        if v.parents:
            g.node(f"{node.id}_op", label=html.escape(op_label(v)), shape="ellipse", style="filled",
                   fillcolor="#ede9fe", fontsize="10", width="0.3", height="0.3", margin="0.02")
            g.edge(f"{node.id}_op", node.id)
    crossing: dict[str, list[str]] = {}  # cluster path -> label nodes of edges entering it from outside
    drawn = [(f"{n.id}_op", n.id) for n in view.nodes if n.value.parents]  # (tail, head) of each drawn edge
    for k, edge in enumerate(view.edges if tangents is None else view.forward):
        head = f"{edge.child.id}_op"
        if not backward and tangents is None:
            g.edge(edge.parent.id, head)
            drawn.append((edge.parent.id, head))
            continue
        done = processed is None or edge.child.value in processed
        label = edge_text(edge, edge.passed if done else None)
        tag = edge_key(view, k)
        if "->" in tag:
            g.edge(edge.parent.id, head, label=label)
            drawn.append((edge.parent.id, head))
            continue
        # an edge entering a cluster from outside: its label sits inside the cluster, next to the op it feeds,
        # so that in a bundle of such edges each label stays with its own edge
        g.node(tag, label=label, shape="plaintext", fontsize="9", margin="0.02", height="0.2")
        g.edge(edge.parent.id, tag, arrowhead="none")
        g.edge(tag, head)
        drawn += [(edge.parent.id, tag), (tag, head)]
        crossing.setdefault(" › ".join(edge.child.scope), []).append(tag)
    counter = [0]
    top = _clusters(view)
    groups = _stacks(top, view, crossing, drawn) if rankdir in ("TB", "BT") else []
    anchors = {id(c): f"top{k}" for k, (c, _) in enumerate(c for group in groups for c in group)}
    if groups:  # a column of neurons, edges beside it: a little closer together
        g.attr(nodesep="0.2")
    for child in top.children.values():  # nodes outside any scope are placed already
        _emit_cluster(g, child, counter, view, crossing, (), anchors)
    _stack(g, groups, anchors, drawn)
    _caption(g, title, ([u.note() for u in stars] if tangents is None else _forward_notes(view, tangents))
             + (notes or []))
    return str(g.source)


def elide_fan_in(root: Value, order: list[Value], fan_in: int) -> tuple[Value, dict[Value, Value], list[str]]:
    """``root``'s graph (``order``, topologically sorted) with every sum of more than ``fan_in + 2`` inputs cut to
    its first ``fan_in`` inputs, a leaf ``… n more`` (the rest's sum, with the grad each of them has) and its last
    input: a copy of each node from such a sum up to the root (same data, grad, label and scope), the rest of
    the graph shared. Returns the new root, the copies by original, and a note for the picture (none when
    nothing is elided: then the root itself)."""
    copies: dict[Value, Value] = {}
    elided = 0
    for v in order:
        op, parents = op_of(v), v.parents
        wide = op is not None and op.unit_partials and len(parents) > fan_in + 2
        if not wide and not any(p in copies for p in parents):
            continue
        inputs = [copies.get(p, p) for p in parents]
        if wide:
            rest = parents[fan_in:-1]
            more = Value(math.fsum(p.data for p in rest), label=f"… {len(rest)} more")
            more.grad = v.grad  # every partial of a sum is 1: each left-out input got the sum's grad
            inputs = [*inputs[:fan_in], more, inputs[-1]]
            elided += len(rest)
        with ExitStack() as stack:
            for name in v.scope:
                stack.enter_context(scope(name))
            copy = apply(op, *inputs, param=v.arg)  # type: ignore[arg-type]  # op is not None: v has parents
        copy.data, copy.grad, copy.label = v.data, v.grad, v.label
        copies[v] = copy
    if not copies:
        return root, copies, []
    return copies[root], copies, [f"… n more: n inputs of a sum drawn as one node, their sum (fan_in={fan_in}; "
                                  f"{elided} left out in all)"]


def _forward_notes(view: GraphView, tangents: dict[Value, float]) -> list[str]:
    """The footnote of a forward-mode picture: the seeds, and what each node's dotted number is."""
    seeds = ", ".join(f"{dotted(view.node(v).name)} = {fmt(tangents[v])}" for v in view.seeds)
    return [f"forward mode, seeded {seeds} (every other input 0): each node's dotted number is",
            "its derivative along that direction, the sum of what its edges pass forward,",
            "each the local derivative times the dotted number of the node it comes from"]


def _emit_cluster(graph: graphviz.Digraph, cluster: _Cluster, counter: list[int], view: GraphView,
                  crossing: dict[str, list[str]], path: tuple[str, ...], anchors: dict[int, str]) -> None:
    """A box for ``cluster``: its nodes (with their op ellipses and the labels of edges entering it), then its
    sub-clusters inside it."""
    counter[0] += 1
    path = (*path, cluster.name)
    with graph.subgraph(name=f"cluster_{counter[0]}") as sub:
        sub.attr(label=cluster.name, style="rounded,filled", fillcolor="#f8fafc", color="#94a3b8",
                 fontname=FONT, fontsize="11")
        for node_id in _members(cluster, view, crossing, path):
            sub.node(node_id)
        if id(cluster) in anchors:  # stacked under the cluster before it (``_stack``): the point it hangs from
            sub.node(anchors[id(cluster)], label="", shape="point", style="invis", width="0", height="0")
        for child in cluster.children.values():
            _emit_cluster(sub, child, counter, view, crossing, path, anchors)


def _members(cluster: _Cluster, view: GraphView, crossing: dict[str, list[str]], path: tuple[str, ...]) -> list[str]:
    """The DOT ids drawn directly in ``cluster`` (at ``path``): its nodes, their op ellipses, the labels of the
    edges entering it."""
    ids = []
    for node_id in cluster.members:
        ids.append(node_id)
        if view.nodes[int(node_id[1:])].value.parents:
            ids.append(f"{node_id}_op")
    return ids + crossing.get(" › ".join(path), [])


def _stacks(cluster: _Cluster, view: GraphView, crossing: dict[str, list[str]], drawn: list[tuple[str, str]],
            path: tuple[str, ...] = ()) -> list[list[tuple[_Cluster, set[str]]]]:
    """The groups of clusters a top-to-bottom picture stacks one under the other rather than side by side: the
    innermost clusters of one scope (the neurons of a layer), each with the DOT ids drawn in it, when none of
    them feeds another (so that the order they were made in is a free choice)."""
    inner = [(c, (*path, c.name)) for c in cluster.children.values()]
    found = [group for c, p in inner for group in _stacks(c, view, crossing, drawn, p)]
    leaves = [(c, set(_members(c, view, crossing, p))) for c, p in inner if not c.children]
    if not path or len(leaves) != len(inner) or len(leaves) < 2:
        return found
    owner = {node_id: k for k, (_, ids) in enumerate(leaves) for node_id in ids}
    if all(owner.get(tail, k) == k for k, (_, ids) in enumerate(leaves) for tail, head in drawn if head in ids):
        found.append(leaves)
    return found


def _stack(graph: graphviz.Digraph, groups: list[list[tuple[_Cluster, set[str]]]], anchors: dict[int, str],
           drawn: list[tuple[str, str]]) -> None:
    """Each group of ``_stacks`` one under the other, in order: invisible edges from the last nodes of each
    cluster (those that feed nothing else in it) to an invisible point at the top of the next (``anchors``), and
    from it to that cluster's first nodes (those fed by nothing in it). Both are short, so no edge is routed
    round a cluster, and the heavy first keeps the clusters in one column."""
    pairs = [pair for group in groups for pair in itertools.pairwise(group)]
    whole = [set().union(*(ids for _, ids in group)) for group in groups]
    for before, after in itertools.permutations(range(len(groups)), 2):  # a layer and the next: one column too
        if _feeds(whole[before], whole[after], drawn) and not _feeds(whole[after], whole[before], drawn):
            pairs.append((groups[before][-1], groups[after][0]))
    for (_, upper), (lower, ids) in pairs:
        anchor = anchors[id(lower)]
        for tail in sorted(t for t in upper if not any(a == t and b in upper for a, b in drawn)):
            graph.edge(tail, anchor, style="invis", weight="100")
        for head in sorted(h for h in ids if not any(b == h and a in ids for a, b in drawn)):
            # the labels of edges entering it a rank above its leaves (weights, bias), and the labels of the leaves'
            # edges a rank below them: three narrower rows than one
            graph.edge(anchor, head, style="invis", minlen="1" if head.startswith("e") else "2")


def _feeds(tails: set[str], heads: set[str], drawn: list[tuple[str, str]]) -> bool:
    """True when a drawn edge goes from one of ``tails`` to one of ``heads``."""
    return any(a in tails and b in heads for a, b in drawn)


def _seeds(tangents: Mapping[Value, float] | None, show: str, order: list[Value]) -> dict[Value, float] | None:
    """``draw_graph``'s tangents checked: a mapping of Values of the graph to real numbers, with ``show="forward"``."""
    if tangents is None:
        return None
    if not isinstance(tangents, Mapping):
        raise TypeError(f"draw_graph(tangents=...): expected a dict of Values to numbers ({{x: 1.0}}), got "
                        f"{tangents!r} ({type(tangents).__name__})")
    if show != "forward":
        raise ValueError(f"draw_graph(tangents=...): tangents are forward mode's, drawn with show='forward', got "
                         f"show={show!r}")
    in_graph = set(order)
    seeds: dict[Value, float] = {}
    for value, tangent in tangents.items():
        if not isinstance(value, Value) or value not in in_graph:
            raise ValueError(f"draw_graph(tangents=...): expected Values of the drawn graph as keys, got {value!r}")
        if isinstance(tangent, bool) or not isinstance(tangent, (int, float)):
            raise TypeError(f"draw_graph(tangents=...): expected a number as {value.label or 'a'} Value's tangent, "
                            f"got {tangent!r} ({type(tangent).__name__})")
        seeds[value] = float(tangent)
    return seeds


def _highlighted(highlight: Value | Iterable[Value] | None) -> set[Value]:
    if highlight is None:
        return set()
    if isinstance(highlight, Value):
        return {highlight}
    marked = set(highlight)
    bad = [h for h in marked if not isinstance(h, Value)]
    if bad:
        raise TypeError(f"draw_graph(highlight=...): expected Values, got {bad[0]!r} ({type(bad[0]).__name__})")
    return marked


def _draw_collapsed(
    view: GraphView, show: str, rankdir: str, max_nodes: int, renderer: str, title: str = ""
) -> Diagram:
    """Each cluster as one box (at the deepest scope level that fits), kept in the order the clusters were made;
    one edge per pair of boxes, with the number of edges it stands for. A box lists the nodes that leave it
    (usually a neuron's ``a``) with their data and grad."""
    deepest = max((len(n.scope) for n in view.nodes), default=0)
    depth = next((d for d in range(deepest, 0, -1) if _collapsed(view, d) <= max_nodes), None)
    if depth is None:
        raise ValueError(
            f"draw_graph: the graph has {len(view.nodes)} nodes, more than max_nodes={max_nodes}, and collapsing "
            f"its clusters still leaves {_collapsed(view, 1)}; draw a smaller graph "
            f"(one example's loss rather than the total) or raise max_nodes"
        )
    box_of: dict[str, str] = {}
    boxes: dict[tuple[str, ...], list[NodeView]] = {}
    g = _digraph(rankdir)
    for node in view.nodes:
        if node.scope:
            boxes.setdefault(node.scope[:depth], []).append(node)
        else:
            box_of[node.id] = node.id
            tangent = view.tangents.get(node.value, 0.0) if show == "forward" and view.tangents is not None else None
            g.node(node.id, label=_value_label(node, show, node.value.grad, tangent=tangent), shape="plaintext",
                   style="filled", fillcolor=COLORS[node.kind])
    names = {path: f"box{k}" for k, path in enumerate(boxes)}
    for path, members in boxes.items():
        for m in members:
            box_of[m.id] = names[path]
    leaving = {e.parent.id for e in view.edges if box_of[e.parent.id] != box_of[e.child.id]}
    for path, members in boxes.items():
        lines = [f"<b>{html.escape(' › '.join(path))}</b>", f"{len(members)} nodes (collapsed)"]
        for m in members:
            if m.id in leaving or m is view.root:
                cells = [html.escape(m.name)]
                if show in ("forward", "both"):
                    cells.append(f"data {fmt(m.value.data)}")
                if show == "forward" and view.tangents is not None:
                    cells.append(f"{html.escape(dotted(m.name))} {fmt(view.tangents.get(m.value, 0.0))}")
                if show in ("backward", "both"):
                    cells.append(f"grad {fmt(m.value.grad)}")
                lines.append(" · ".join(cells))
        g.node(names[path], label="<" + "<br/>".join(lines) + ">", shape="box3d", style="filled",
               fillcolor="#f1f5f9", margin="0.15,0.06")
    # boxes made in one scope (the neurons of a layer) sit in a cluster of that scope, in the order they were made
    groups: dict[tuple[str, ...], list[str]] = {}
    for path in boxes:
        groups.setdefault(path[:-1], []).append(names[path])
    cluster_of: dict[str, str] = {}
    for k, (parent, row) in enumerate(groups.items()):
        if not parent:
            continue
        with g.subgraph(name=f"cluster_{k}") as sub:
            sub.attr(label=" › ".join(parent), style="rounded,filled", fillcolor="#f8fafc", color="#94a3b8")
            with sub.subgraph() as same:
                same.attr(rank="same")
                for box in row:
                    same.node(box)
                    cluster_of[box] = f"cluster_{k}"
                for upper, lower in itertools.pairwise(row):
                    if rankdir in ("LR", "RL"):  # in a left-to-right layout a flat edge's head is above its tail
                        same.edge(lower, upper, style="invis")
                    else:
                        same.edge(upper, lower, style="invis")
    middle = {cluster: row[len(row) // 2] for cluster, row in
              ((cluster_of[row[0]], row) for parent, row in groups.items() if parent)}
    # one edge per pair of clusters (a layer into the next), with the number of edges it stands for
    counts: dict[tuple[str, str], int] = {}
    for edge in view.edges:
        a, b = box_of[edge.parent.id], box_of[edge.child.id]
        if a != b:
            key = (cluster_of.get(a, a), cluster_of.get(b, b))
            counts[key] = counts.get(key, 0) + 1
    g.attr(compound="true")
    for (a, b), n in counts.items():
        ends: dict[str, str] = {}
        if a in middle:
            ends["ltail"] = a
        if b in middle:
            ends["lhead"] = b
        g.edge(middle.get(a, a), middle.get(b, b), label=f"×{n}" if n > 1 else "",
               penwidth=f"{min(1.0 + 0.25 * (n - 1), 4.0):.2f}", **ends)
    _caption(g, title, [f"{len(view.nodes)} nodes, more than max_nodes={max_nodes}: each box stands for the nodes made "
                        "in one scope", "(listing those that leave it); an arrow ×n stands for n edges"])
    return Diagram(str(g.source), renderer)
