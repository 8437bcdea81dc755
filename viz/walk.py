"""Walking a graph for drawing: nodes with deterministic ids in topological order, what kind of node each
is, the cluster it belongs to, and on each edge the op table's local derivative (formula and number).

Kept apart from the drawing, so the same walk serves the diagrams, the backward step-through and tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from engine import Value, topological_order
from engine.ops import OPS

#: Leaf labels that nn gives its parameters (``w0``, ``w1``, …, ``b``); used when no ``params`` are given.
PARAMETER_LABEL = re.compile(r"^(w\d*|b)$")

KINDS = ("op", "param", "input", "constant")


@dataclass(frozen=True, eq=False)
class NodeView:
    """One Value of the graph: its id (``n0``, ``n1``, … in topological order), kind and cluster path."""

    id: str
    value: Value
    kind: str
    scope: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class EdgeView:
    """An edge parent → child: the child's op's local derivative ∂child/∂parent, formula and number.
    It passes ``local · ∂root/∂child`` back to the parent."""

    parent: NodeView
    child: NodeView
    index: int
    input_name: str
    formula: str
    local: float


@dataclass(frozen=True)
class GraphView:
    """The nodes (topological order, root last) and edges of a graph, ready to draw."""

    nodes: list[NodeView]
    edges: list[EdgeView]
    by_value: dict[Value, NodeView]

    def node(self, value: Value) -> NodeView:
        """The view of ``value`` (a KeyError if it is not in the graph)."""
        if value not in self.by_value:
            raise KeyError(f"{value!r} is not in this graph")
        return self.by_value[value]


def op_label(value: Value) -> str:
    """What the op node of ``value`` shows: the op's symbol, with its parameter (``^2``, ``leaky_relu 0.01``)."""
    op = OPS.get(value.op)
    if op is None:
        return value.op
    if op.param is not None and value.arg is not None:
        return f"{op.label}{value.arg:g}" if op.label == "^" else f"{op.label} {value.arg:g}"
    return op.label


_NAME = re.compile(r"[A-Za-z_]\w*")


def in_labels(op_name: str, parents: tuple[Value, ...], formula: str, input_name: str) -> tuple[str, str]:
    """The formula and the input's name in the labels of the parents (``∂/∂x = w`` for ``x * w``) when every
    input of a fixed-arity op carries a simple label; otherwise as the op table writes them (``∂/∂a = b``)."""
    op = OPS.get(op_name)
    if op is None or op.arity < 1 or len(parents) != len(op.inputs):
        return formula, input_name
    labels = [p.label for p in parents]
    if not all(_NAME.fullmatch(label) for label in labels) or len(set(labels)) != len(labels):
        return formula, input_name
    rename = dict(zip(op.inputs, labels))
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, op.inputs)) + r")(?![\w])")
    return pattern.sub(lambda m: rename[m.group(1)], formula), rename[input_name]


def _kind(value: Value, params: set[Value] | None) -> str:
    if value.parents:
        return "op"
    if value.is_constant:
        return "constant"
    if params is not None:
        return "param" if value in params else "input"
    return "param" if PARAMETER_LABEL.match(value.label) else "input"


def walk(root: Value, params: Iterable[Value] | None = None, order: list[Value] | None = None) -> GraphView:
    """The view of ``root``'s graph. ``params`` marks which leaves are parameters (default: leaves labelled
    like nn's weights and biases); other leaves are inputs or constants. A leaf joins its consumers'
    cluster when they all share one."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value (the root of a graph), got {root!r} ({type(root).__name__})")
    if order is None:
        order = topological_order(root)
    param_set = set(params) if params is not None else None
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    nodes: list[NodeView] = []
    views: dict[Value, NodeView] = {}
    for i, value in enumerate(order):
        scope = value.scope
        users = consumers.get(value, [])
        if not value.parents and users and len({u.scope for u in users}) == 1:
            scope = users[0].scope  # a weight sits inside the neuron that uses it
        view = NodeView(f"n{i}", value, _kind(value, param_set), scope)
        nodes.append(view)
        views[value] = view
    edges: list[EdgeView] = []
    for child in nodes:
        value = child.value
        if not value.parents:
            continue
        op = OPS[value.op]
        local = op.apply_partials(tuple(p.data for p in value.parents), value.data, value.arg)
        for i, (parent, d) in enumerate(zip(value.parents, local)):
            d = float(d)
            formula, name = in_labels(op.name, value.parents, op.formula(i), op.inputs[min(i, len(op.inputs) - 1)])
            edges.append(EdgeView(views[parent], child, i, name, formula, d))
    return GraphView(nodes, edges, views)
