"""backward(): the accumulation rule, topological order, depth, determinism and freeing."""

import gc
import math
import struct
import sys
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import OPS, Value, backward_edges, grad, op_of, sum_values, topological_order
from engine.testing import expressions


def test_backward_node_used_twice_receives_both_contributions():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    y = Value(3.0)
    (y + y + y).backward()
    assert y.grad == 3.0


def test_backward_sets_each_node_to_d_root_d_node():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(0.5, label="b")
    z = x * w + b
    a = z.tanh()
    a.backward()
    assert a.grad == 1.0
    assert z.grad == 1.0 - math.tanh(z.data) ** 2
    assert w.grad == x.data * z.grad and x.grad == w.data * z.grad and b.grad == z.grad


def test_backward_twice_doubles_leaf_grads_exactly_and_keeps_intermediate_grads():
    x, y = Value(0.3), Value(-1.7)
    h = (x * y).sigmoid() + x.exp() * y.tanh()
    out = (h * h).log() + h
    out.backward()
    first = {n: n.grad for n in topological_order(out)}
    out.backward()
    for node, g in first.items():
        if node.parents:
            assert node.grad == g, "intermediate grads are this pass's, never compounded"
        else:
            assert node.grad == 2 * g, "leaf grads accumulate: exactly twice"


def test_backward_accumulates_several_losses_into_leaves():
    x = Value(2.0)
    (x * 3).backward()
    (x * x).backward()
    assert x.grad == 3.0 + 4.0


def test_backward_on_a_leaf_root_adds_one():
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


@given(expressions(), st.sampled_from([2.0, -0.5, 0.25, -8.0]))
def test_backward_seeded_scales_every_gradient_by_the_seed(expr, seed):
    # a power of two: the scaled sums round exactly as the unscaled ones, so gradients are equal exactly (a zero's
    # sign aside: a gradient starts at 0.0, and 0.0 + -0.0 is 0.0 where -0.5·0.0 is -0.0)
    xs = [Value(x) for x in expr.inputs]
    root = expr(*xs)
    order = topological_order(root)
    root.backward()
    once = [node.grad for node in order]
    for x in xs:
        x.grad = 0.0
    root.backward(gradient=seed)
    assert all(_same(node.grad + 0.0, seed * g + 0.0) for node, g in zip(order, once))


def test_backward_seeded_is_the_chain_rule_across_two_graphs():
    # C = c(y) backpropagated at once equals y.backward(gradient=∂C/∂y): the outer graph's gradient seeds the inner
    x, w = Value(0.8), Value(-1.3)
    y = (x * w).tanh() + x.exp()
    c = (y * y).log1p()
    c.backward()
    whole = (x.grad, w.grad)
    x.grad = w.grad = 0.0
    y.backward(gradient=grad(c, [y])[0])
    assert (x.grad, w.grad) == pytest.approx(whole, rel=1e-15)


def test_backward_seeded_keeps_the_contract():
    # non-leaves hold this pass's seeded gradient, leaves accumulate; a seed is a real number
    x = Value(2.0)
    h = x * x
    h.exp().backward(gradient=3.0)
    h.exp().backward(gradient=3.0)
    assert h.grad == 3.0 * math.exp(4.0) and x.grad == 2 * 3.0 * math.exp(4.0) * 4.0
    leaf = Value(1.0)
    leaf.backward(gradient=0.5)
    assert leaf.grad == 0.5
    with pytest.raises(TypeError, match=r"backward\(gradient=...\): expected a real number \(int or float\), got 'a'"):
        x.backward(gradient="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got True"):
        x.backward(gradient=True)


def test_topological_order_puts_every_node_after_its_parents():
    x = Value(1.0)
    a = x * 2
    b = a.exp() + a
    c = b * a + x
    order = topological_order(c)
    position = {n: i for i, n in enumerate(order)}
    assert order[-1] is c and len(order) == len(set(order))
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


def _recursive_order(root):
    """The classic recursive depth-first order (micrograd's): each node after its parents, parents in order."""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


@given(expressions())
def test_topological_order_is_the_recursive_depth_first_order(expr):
    # the iterative walk must give exactly this order: diagrams number nodes by it, and gradients are summed in it
    root = expr(*[Value(x) for x in expr.inputs])
    assert topological_order(root) == _recursive_order(root)


def _same(a, b):
    """Bit for bit (so -0.0 is not 0.0, and a nan is a nan)."""
    return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)


@given(expressions())
def test_backward_fast_path_equals_the_engines_walk_edge_by_edge(expr):
    # backward()'s unrolled float loop is the one copy of the chain rule beside backward_edges: the same sums
    root = expr(*[Value(x) for x in expr.inputs])
    order = topological_order(root)
    root.backward()
    walked = {root: 1.0}
    edges = list(backward_edges(order, walked))
    assert len(edges) == sum(len(n.parents) for n in order)
    for node in order:
        if node is not root:
            assert _same(walked.get(node, 0.0), node.grad), node
    for edge in edges:
        assert edge.passed == edge.local * edge.upstream or edge.local == 1.0


def test_backward_edges_walk_from_the_root_with_locals_and_totals():
    x = Value(3.0, label="x")
    y = (x * x).tanh()
    edges = list(backward_edges(topological_order(y), {y: 1.0}))
    walked = [(e.node.op, e.parent is x, e.index) for e in edges]
    assert walked == [("tanh", False, 0), ("mul", True, 0), ("mul", True, 1)]
    square = y.parents[0]
    assert edges[0].local == 1.0 - y.data**2 and edges[0].passed == edges[0].local
    assert edges[1].local == 3.0 and edges[1].total == edges[1].passed and edges[2].total == 2 * edges[1].passed
    assert op_of(square) is OPS["mul"] and op_of(x) is None


@pytest.mark.slow  # a million nodes
def test_backward_million_node_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000
    x = Value(0.5, label="x")
    y = x
    for _ in range(1_000_000):
        y = y.tanh()
    y.backward()
    assert 0.0 < x.grad < 1.0
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_backward_gives_bit_identical_gradients_every_run():
    def build():
        xs = [Value(0.1 * i - 0.35) for i in range(8)]
        h = [((xs[i] * xs[(i * 3) % 8]).tanh() + xs[i - 1].sigmoid()) for i in range(8)]
        loss = sum_values([v * v for v in h]) + sum(h).softplus()
        loss.backward()
        return [x.grad for x in xs], [n.grad for n in topological_order(loss)]

    first = build()
    for _ in range(3):
        assert build() == first


def _live_values():
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def test_backward_dropped_graph_is_freed_by_reference_counting():
    gc.collect()
    gc.disable()
    try:
        before = _live_values()
        tracemalloc.start()
        x = Value(0.5)
        y = x
        for _ in range(20_000):
            y = (y * 1.0001).tanh()
        y.backward()
        built = tracemalloc.get_traced_memory()[0]
        del y
        freed = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert _live_values() == before + 1, "only x is left: the graph went with its last reference"
        assert freed < 0.05 * built, "its memory went too (what stays is CPython's tuple free list)"
        assert gc.collect() == 0, "nothing was left for the cycle collector"
    finally:
        gc.enable()
