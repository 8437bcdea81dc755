"""Walking the graph: the topological order, the one backward walk (the chain rule, edge by edge) and its
forward-mode twin (``push_tangents``).

Both are iterative, so depth is limited by memory, not by Python's recursion
limit, and deterministic: parents are an ordered tuple and are visited in order.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from engine import switches
from engine.ops import Op, OpKind
from engine.value import Value, install_backward


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a walk over the graph, then resume it.

    A graph holds no reference cycles (it is freed by reference counting), but a walk over a big one
    allocates many short-lived containers, which makes the collector traverse every node of the graph
    again and again: up to 4x the cost of the walk itself. Nothing is lost by waiting until the walk ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def topological_order(root: Value) -> list[Value]:
    """Every node of ``root``'s graph, each after all of its parents: inputs first, ``root`` last.

    An iterative depth-first search (the same order as the classic recursive one). The stack
    holds only the current path, each node with an iterator over the parents still to visit.
    """
    return _walk(root, None)


def _walk(root: Value, held: list[tuple[Value, float]] | None) -> list[Value]:
    """The topological order of ``topological_order``. With ``held``, the walk also prepares a backward
    pass as it goes: every ``.grad`` is set to 0, and each leaf that held a gradient keeps
    ``(leaf, grad)`` in ``held`` (a leaf at 0 needs nothing put back)."""
    with paused_gc():
        order: list[Value] = []
        visited: set[Value] = set()
        stack: list[Any] = [root]  # a node to visit, or None: "the node under me is done"
        push, pop, emit, add = stack.append, stack.pop, order.append, visited.add
        while stack:
            node = pop()
            if node is None:  # all of its parents are in the order
                node = pop()
                if held is not None:
                    node.grad = 0.0
                emit(node)
                continue
            if node in visited:  # pushed twice before its first visit
                continue
            add(node)
            a, b = node._a, node._b  # the parents, laid out as ``Value`` describes
            if b is None and a is None:  # a leaf is done at once
                if held is not None and node.grad != 0.0:
                    held.append((node, node.grad))
                    node.grad = 0.0
                emit(node)
                continue
            push(node)
            push(None)
            if a is None:  # three or more parents, in a tuple
                for parent in reversed(b):  # b holds the tuple here
                    if parent not in visited:
                        push(parent)
                continue
            if b is not None and b not in visited:  # the first parent is visited first
                push(b)
            if a not in visited:
                push(a)
        return order


def backward(root: Value, gradient: float = 1.0) -> None:
    """``root.backward(gradient)``: every node of ``root``'s graph gets ``.grad`` = gradient · d(root)/d(node).
    Non-leaf nodes are *set* to this pass's gradient; leaves *add* it to what they held (and keep what they held
    if the pass raises, as ``detect_anomaly()`` may)."""
    with paused_gc():
        order, held = order_for_backward(root)
        root.grad = gradient
        try:
            backprop(order)
        except BaseException:  # e.g. detect_anomaly(): leaves keep what they held before this pass
            for node in order:
                if not node.parents:
                    node.grad = 0.0
            for leaf, before in held:
                leaf.grad = before
            raise
        for leaf, before in held:
            leaf.grad = before + leaf.grad


def order_for_backward(root: Value) -> tuple[list[Value], list[tuple[Value, float]]]:
    """The topological order with every ``.grad`` set to 0, and the ``(leaf, grad)`` pairs of the leaves
    that held a nonzero gradient before."""
    held: list[tuple[Value, float]] = []
    order = _walk(root, held)
    return order, held


@dataclass(frozen=True)
class BackwardEdge:
    """One edge of a backward pass, as the chain rule takes it: ``node`` passes ``passed`` back to its
    ``index``-th parent, where ``passed = local · upstream``: ``local`` is the op table's partial ∂node/∂parent
    and ``upstream`` the gradient of ``node`` (complete by then: every consumer of ``node`` came before).
    ``total`` is the parent's gradient after this edge added to it."""

    node: Value
    parent: Value
    index: int
    local: Any
    upstream: Any
    passed: Any
    total: Any


def op_of(node: Value) -> Op | None:
    """The op table entry that made ``node`` (kept on the node, so it works after ``unregister_op``); None for a
    leaf."""
    op = node._op
    return None if op is None or not node.parents else op


def backward_edges(
    order: list[Value], grads: dict[Value, Any] | None = None, create_graph: bool = False
) -> Iterator[BackwardEdge]:
    """The chain rule over ``order`` (a topological order, root last), edge by edge, from the root back.

    Each op node's partials come from the op table; each edge passes ``local · upstream`` back and adds it to
    its parent's gradient, which the walk keeps in ``grads`` (a dict holding the root's seed, usually
    ``{root: 1.0}``; a node missing from it has gradient 0), or in the nodes' ``.grad`` when ``grads`` is None
    (every ``.grad`` 0 but the root's seed). With ``create_graph`` the partials are computed on Values, so the
    gradients are Values themselves and can be differentiated again. Inside ``detect_anomaly()`` a
    non-finite local derivative from finite numbers raises. The float fast path of ``backward()``
    (``_backprop_floats``) is the same rule, unrolled.
    """
    anomaly = switches.anomaly()
    in_slots = grads is None
    for node in reversed(order):
        parents = node.parents
        if not parents:
            continue
        upstream: Any = node.grad if grads is None else grads.get(node, 0.0)
        op = node._op
        assert op is not None  # a node with parents was made by an op
        if create_graph:
            try:
                local = op.apply_partials(parents, node, node._arg)
            except TypeError as error:  # say whose partials: a custom op's, written with math.* on floats
                raise TypeError(
                    f"the partials of op {op.name!r}, called on Values for create_graph=True: {error}"
                ) from error
        else:
            local = op.apply_partials(tuple([p.data for p in parents]), node.data, node._arg)
        if anomaly is not None:
            anomaly.check_backward(node, upstream, local)
        for index, (parent, d) in enumerate(zip(parents, local)):
            passed = upstream if (type(d) is float and d == 1.0) else d * upstream
            before: Any = parent.grad if in_slots else grads.get(parent, 0.0)  # type: ignore[union-attr]
            # a Value gradient starts as what is passed (no "0 +" node in the derivative's graph)
            total = passed if (type(before) is float and before == 0.0 and type(passed) is not float) \
                else before + passed
            if in_slots:
                parent.grad = total
            else:
                grads[parent] = total  # type: ignore[index]
            yield BackwardEdge(node, parent, index, d, upstream, passed, total)


@dataclass(frozen=True)
class ForwardEdge:
    """One edge of a forward-mode pass, as the chain rule takes it: ``parent`` passes ``passed = local · tangent`` on
    to ``node``, whose ``index``-th input it is: ``local`` is the op table's partial ∂node/∂parent and ``tangent`` the
    parent's tangent (complete by then: every input of ``node`` came before). ``total`` is the tangent of ``node``
    after this edge added to it."""

    node: Value
    parent: Value
    index: int
    local: Any
    tangent: Any
    passed: Any
    total: Any


def push_tangents(
    order: list[Value], tangents: dict[Value, Any], create_graph: bool = False, edges: list[ForwardEdge] | None = None
) -> dict[Value, Any]:
    """Forward mode over ``order`` (a topological order, inputs first): every node's tangent ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ, the
    op table's partials times the tangents of its inputs, node by node in graph order. Returns ``tangents``.

    ``tangents`` holds the seeds: a node in it keeps the tangent given (an input's ẋ); every other leaf's is 0. It
    receives the tangent of every other op node. With ``create_graph`` the partials are computed on Values, recorded,
    so the tangents are Values themselves and can be differentiated again. ``edges``, a list, receives a
    ``ForwardEdge`` for each edge (the pictures draw them). ``backward_edges`` is the same rule run from the root back:
    there one pass gives every input's gradient of one output, here one directional derivative of every node.
    """
    previous = switches.set_grad_enabled(create_graph)  # derivative graphs are recorded only when asked for
    try:
        for node in order:
            parents = node.parents
            if not parents or node in tangents:
                continue
            op = node._op
            assert op is not None  # a node with parents was made by an op
            if create_graph:
                local = op.apply_partials(parents, node, node._arg)
            else:
                local = op.apply_partials(tuple([p.data for p in parents]), node.data, node._arg)
            total: Any = None
            for index, (parent, d) in enumerate(zip(parents, local)):
                tangent = tangents.get(parent, 0.0)
                passed = tangent if (type(d) is float and d == 1.0) else d * tangent
                total = passed if total is None else total + passed
                if edges is not None:
                    edges.append(ForwardEdge(node, parent, index, d, tangent, passed, total))
            tangents[node] = total
    finally:
        switches.set_grad_enabled(previous)
    return tangents


def backprop(order: list[Value], create_graph: bool = False) -> None:
    """The chain rule over ``order`` (a topological order, root last), gradients kept in ``.grad``.

    Expects every ``.grad`` of ``order`` to hold 0 but the root's, which holds the seed (1 by default). On plain floats
    outside ``detect_anomaly()`` it runs the unrolled fast path; otherwise it walks ``backward_edges``, with
    the gradients recorded as graphs of their own (held in ``.grad`` only for the pass) when ``create_graph``.
    """
    if not create_graph and switches.anomaly() is None:
        with paused_gc():
            _backprop_floats(order)
        return
    previous = switches.set_grad_enabled(create_graph)  # derivative graphs are recorded only when asked for
    try:
        for _ in backward_edges(order, None, create_graph):
            pass
    finally:
        switches.set_grad_enabled(previous)


def _backprop_floats(order: list[Value]) -> None:
    """``backprop`` on plain floats: the same chain rule as ``backward_edges``, each parent's gradient the sum
    ``0 + Σ local · upstream`` in the same order, with the commonest call shapes unpacked for speed (tested
    equal to the walk on random graphs)."""
    binary, unary, unit = OpKind.BINARY, OpKind.UNARY, OpKind.UNIT  # bound once: the loop is the hot path
    for node in reversed(order):
        a: Any = node._a
        b: Any = node._b
        if b is None and a is None:  # a leaf
            continue
        upstream = node.grad
        op = node._op
        kind = op.kind  # type: ignore[union-attr]
        if kind is binary:
            da, db = op.partials(a.data, b.data, node.data)  # type: ignore[union-attr]
            a.grad += da * upstream
            b.grad += db * upstream
        elif kind is unary:
            a.grad += op.partials(a.data, node.data)[0] * upstream  # type: ignore[union-attr]
        elif kind is unit:  # a sum: every local derivative is 1
            for parent in node.parents if a is not None else b:
                parent.grad += upstream
        else:
            parents = node.parents
            local = op.apply_partials(tuple([p.data for p in parents]), node.data, node._arg)  # type: ignore[union-attr]
            for parent, d in zip(parents, local):
                parent.grad += d * upstream


install_backward(backward)  # Value.backward runs this walk (engine.value cannot import this module)
