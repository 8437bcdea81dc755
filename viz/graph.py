"""``draw_graph``: the forward and backward graph of a Value, every number on screen.

Each Value is a box (label, data, grad) and each op a small ellipse between its inputs and its result,
as in micrograd's pictures. In the backward view every edge carries the op table's local derivative —
its formula and its number — and the gradient it passed back. Parameters, inputs and constants are
coloured differently; nodes made inside a neuron or a layer (``engine.scope``) sit in a box of their own.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import graphviz

from engine import Value, topological_order
from viz.diagram import Diagram
from viz.walk import GraphView, NodeView, op_label, walk

SHOWS = ("forward", "backward", "both")

#: Fill colours by node kind, and for highlighted nodes.
COLORS = {"op": "#ffffff", "param": "#fde68a", "input": "#bfdbfe", "constant": "#e5e7eb"}
HIGHLIGHT = "#dc2626"

#: Past this many drawn nodes, clusters collapse into one box each; past it even then, drawing is refused.
MAX_NODES = 400

#: Graphs bigger than this are refused at once, without walking them for a collapsed picture.
MAX_COLLAPSIBLE = 200_000


def fmt(x: float) -> str:
    """A number as diagrams print it: 4 significant digits, or ``inf``/``nan``."""
    return f"{x:.4g}"


#: What a step-through frame knows: the gradient of a Value so far, or None while it is still unknown.
GradOf = Callable[[Value], "float | None"]


def _value_label(view: NodeView, show: str, grad: float | None) -> str:
    v = view.value
    cells = [f"<td><b>{html.escape(v.label)}</b></td>"] if v.label else []
    if show in ("forward", "both") or view.kind == "constant":
        cells.append(f"<td>data {fmt(v.data)}</td>")
    if show in ("backward", "both") and view.kind != "constant":
        cells.append(f'<td bgcolor="#fee2e2">grad {"?" if grad is None else fmt(grad)}</td>')
    return f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>{"".join(cells)}</tr></table>>'


def _edge_label(formula: str, name: str, local: float, passed: float | None) -> str:
    text = f"∂/∂{html.escape(name)} = {html.escape(formula)} = {fmt(local)}"
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


def draw_graph(
    root: Value,
    show: str = "both",
    rankdir: str = "LR",
    highlight: Value | Iterable[Value] | None = None,
    params: Iterable[Value] | None = None,
    max_nodes: int = MAX_NODES,
    renderer: str = "auto",
) -> Diagram:
    """The graph that computed ``root``, as a ``Diagram`` (``.source``, ``.svg()``, ``.save(path)``).

    ``show``: "forward" (data), "backward" (grads, and local derivatives on the edges) or "both".
    ``highlight``: nodes drawn with a red border. ``params``: which leaves are parameters (default:
    leaves labelled like nn's ``w0``…, ``b``). A graph of more than ``max_nodes`` Values is drawn with
    each cluster collapsed into one box; if that is still too big, a ValueError says so.
    """
    if show not in SHOWS:
        raise ValueError(f"draw_graph(show=...): expected one of {', '.join(SHOWS)}, got {show!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph(rankdir=...): expected LR, TB, RL or BT, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph(max_nodes=...): expected a positive int, got {max_nodes!r}")
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: expected a Value (the root of a graph), got {root!r} ({type(root).__name__})")
    order = topological_order(root)
    if len(order) > max_nodes and (len(order) > MAX_COLLAPSIBLE or not any(n.scope for n in order)):
        raise ValueError(  # said at once: nothing to collapse, or too big to walk for a picture
            f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes}, and "
            f"{'no clusters to collapse' if len(order) <= MAX_COLLAPSIBLE else 'too many to collapse'}; "
            f"draw a smaller graph (one example's loss rather than the total) or raise max_nodes"
        )
    view = walk(root, params, order)
    if len(view.nodes) > max_nodes:
        return _draw_collapsed(view, rankdir, max_nodes, renderer)
    return Diagram(graph_source(view, show, rankdir, _highlighted(highlight), lambda v: v.grad), renderer)


def graph_source(
    view: GraphView, show: str, rankdir: str, marked: set[Value], grad_of: GradOf, processed: set[Value] | None = None
) -> str:
    """The DOT text of a walked graph. ``grad_of`` gives each Value's gradient to print (None: not known yet);
    ``processed`` (default: all) are the op nodes whose edges have passed their gradient back already."""
    g = graphviz.Digraph("glassgrad")
    g.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", color="#64748b")
    for node in view.nodes:
        v = node.value
        style = "filled,dashed" if node.kind == "constant" else "filled"
        border = {"color": HIGHLIGHT, "penwidth": "3"} if v in marked else {}
        g.node(node.id, label=_value_label(node, show, grad_of(v)), shape="plaintext" if not border else "box",
               style=style if not border else "filled,rounded", fillcolor=COLORS[node.kind], **border)
        if v.parents:
            g.node(f"{node.id}_op", label=html.escape(op_label(v)), shape="ellipse", style="filled",
                   fillcolor="#ede9fe", fontsize="10", width="0.3", height="0.3", margin="0.02")
            g.edge(f"{node.id}_op", node.id)
    for edge in view.edges:
        attrs = {}
        if show in ("backward", "both"):
            upstream = grad_of(edge.child.value)
            done = processed is None or edge.child.value in processed
            passed = edge.local * upstream if done and upstream is not None else None
            attrs["label"] = _edge_label(edge.formula, edge.input_name, edge.local, passed)
        g.edge(edge.parent.id, f"{edge.child.id}_op", **attrs)
    counter = [0]
    for child in _clusters(view).children.values():  # nodes outside any scope are placed already
        _emit_cluster(g, child, counter, view)
    return str(g.source)


def _emit_cluster(graph: graphviz.Digraph, cluster: _Cluster, counter: list[int], view: GraphView) -> None:
    """A box for ``cluster``: its nodes (with their op ellipses), then its sub-clusters inside it."""
    counter[0] += 1
    with graph.subgraph(name=f"cluster_{counter[0]}") as sub:
        sub.attr(label=cluster.name, style="rounded,filled", fillcolor="#f8fafc", color="#94a3b8",
                 fontname="Helvetica", fontsize="11")
        for node_id in cluster.members:
            sub.node(node_id)
            if view.nodes[int(node_id[1:])].value.parents:
                sub.node(f"{node_id}_op")
        for child in cluster.children.values():
            _emit_cluster(sub, child, counter, view)


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


def _draw_collapsed(view: GraphView, rankdir: str, max_nodes: int, renderer: str) -> Diagram:
    """Each cluster as one box (at the deepest scope level that fits), edges between boxes merged."""
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
    g = graphviz.Digraph("glassgrad")
    g.attr(rankdir=rankdir, fontname="Helvetica")
    g.attr("node", fontname="Helvetica", fontsize="11")
    for node in view.nodes:
        if node.scope:
            boxes.setdefault(node.scope[:depth], []).append(node)
        else:
            box_of[node.id] = node.id
            g.node(node.id, label=_value_label(node, "both", node.value.grad), shape="plaintext", style="filled",
                   fillcolor=COLORS[node.kind])
    for k, (path, members) in enumerate(boxes.items()):
        box = f"box{k}"
        for m in members:
            box_of[m.id] = box
        text = html.escape(" › ".join(path))
        g.node(box, label=f"<<b>{text}</b><br/>{len(members)} nodes (collapsed)>", shape="box3d",
               style="filled", fillcolor="#f1f5f9")
    seen: set[tuple[str, str]] = set()
    for edge in view.edges:
        a, b = box_of[edge.parent.id], box_of[edge.child.id]
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            g.edge(a, b)
    return Diagram(g.source, renderer)
