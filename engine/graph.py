"""Walking the graph: the topological order and the one backward loop (the chain rule).

Both are iterative, so depth is limited by memory, not by Python's recursion
limit, and deterministic: parents are an ordered tuple and are visited in order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine import state

if TYPE_CHECKING:
    from engine.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node of ``root``'s graph, each after all of its parents: inputs first, ``root`` last.

    An iterative depth-first search (the same order as the classic recursive one).
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    push, pop, append, add = stack.append, stack.pop, order.append, visited.add
    while stack:
        node, expanded = pop()
        if expanded:  # all of its parents are in the order now
            append(node)
        elif node not in visited:  # a node is marked when expanded, not when pushed
            add(node)
            push((node, True))
            for parent in reversed(node.parents):
                if parent not in visited:
                    push((parent, False))
    return order


def backprop(root: Value, create_graph: bool = False) -> tuple[list[Value], dict[Value, Any]]:
    """The chain rule over ``root``'s graph: d(root)/d(node) for every node, touching no ``.grad``.

    Returns the topological order and a dict node -> gradient. Each node, from ``root``
    back to the inputs, passes ``local · upstream`` to each parent, where ``local`` is the
    op table's partial ∂node/∂parent. With ``create_graph`` the partials are computed on
    Values, so the gradients are Values themselves and can be differentiated again.
    """
    order = topological_order(root)
    adjoints: dict[Value, Any] = {root: 1.0}
    get = adjoints.get
    anomaly = state.anomaly
    previous = state.grad_enabled
    state.grad_enabled = create_graph  # derivative graphs are recorded only when asked for
    try:
        for node in reversed(order):
            parents = node.parents
            if not parents:
                continue
            upstream = adjoints[node]
            op = node._op
            assert op is not None  # a node with parents was made by an op
            if create_graph:
                local = op.apply_partials(parents, node, node._arg)
            else:
                local = op.apply_partials(tuple([p.data for p in parents]), node.data, node._arg)
            if anomaly is not None:
                anomaly.check_backward(node, upstream, local)
            for parent, d in zip(parents, local):
                contribution = upstream if (type(d) is float and d == 1.0) else d * upstream
                before = get(parent)
                adjoints[parent] = contribution if before is None else before + contribution
    finally:
        state.grad_enabled = previous
    return order, adjoints
