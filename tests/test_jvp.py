"""jvp(): forward mode, the tangents pushed through the graph with the op table's partials, against grad()."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import ForwardEdge, Value, grad, jvp, no_grad, push_tangents, topological_order
from engine.testing import expressions

tangents = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


def _directional(gradients, ts):
    """Σᵢ ∂f/∂xᵢ · ẋᵢ, and the size of its largest term (what rounding is relative to)."""
    terms = [g * t for g, t in zip(gradients, ts)]
    return math.fsum(terms), max([1.0, *map(abs, terms)])


@given(expressions(), tangents)
def test_jvp_agrees_with_grad_on_random_dags(expr, ts):
    ts = ts[: len(expr.inputs)]
    value, tangent = jvp(expr, list(expr.inputs), ts)
    xs = [Value(x) for x in expr.inputs]
    root = expr(*xs)
    expected, scale = _directional(grad(root, xs), ts)
    assert value == root.data
    assert abs(tangent - expected) <= 1e-12 * scale, (str(expr), tangent, expected)


@given(expressions(max_inputs=3))
def test_jvp_one_pass_per_input_gives_every_partial(expr):
    # forward mode's price: n passes (each unit vector in turn) for what one backward pass gives
    n = len(expr.inputs)
    xs = [Value(x) for x in expr.inputs]
    gradients = grad(expr(*xs), xs)
    for i in range(n):
        _, partial = jvp(expr, list(expr.inputs), [float(i == j) for j in range(n)])
        assert partial == pytest.approx(gradients[i], rel=1e-12, abs=1e-12), (str(expr), i)


@given(expressions(max_steps=6), tangents)
def test_jvp_create_graph_tangent_differentiates_to_the_hessian_times_the_tangent(expr, ts):
    ts = ts[: len(expr.inputs)]
    xs = [Value(x) for x in expr.inputs]
    _, tangent = jvp(expr, xs, ts, create_graph=True)
    assert type(tangent) is Value
    hessian_times_t = grad(tangent, xs)  # ∂/∂xⱼ Σᵢ ∂f/∂xᵢ·ẋᵢ
    firsts = grad(expr(*xs), xs, create_graph=True)
    for j, got in enumerate(hessian_times_t):
        expected, scale = _directional([grad(g, xs)[j] for g in firsts], ts)
        assert abs(got - expected) <= 1e-10 * scale, (str(expr), j, got, expected)


def test_jvp_nested_gives_higher_derivatives():
    def cube(x):
        return x**3

    def slope(x):
        return jvp(cube, [x], [1.0], create_graph=True)[1]

    def curvature(x):
        return jvp(slope, [x], [1.0], create_graph=True)[1]

    assert jvp(cube, [2.0], [1.0]) == (8.0, 12.0)
    assert jvp(slope, [2.0], [1.0]) == (12.0, 12.0)
    assert jvp(curvature, [2.0], [1.0]) == (12.0, 6.0)


def test_jvp_of_the_value_functions():
    value, tangent = jvp(lambda x, y: x.asinh() * y.log1p(), [0.5, 2.0], [1.0, -3.0])
    assert value == math.asinh(0.5) * math.log1p(2.0)
    expected = math.log1p(2.0) / math.sqrt(1.25) - 3.0 * math.asinh(0.5) / 3.0
    assert tangent == pytest.approx(expected, rel=1e-15)


def test_jvp_uses_a_value_primal_itself_and_touches_no_grad():
    w = Value(3.0, label="w")
    w.grad = 7.0
    outside = Value(2.0)
    value, tangent = jvp(lambda v: v * outside + outside.exp(), [w], [1.0])  # f reaches outside by itself
    assert (value, tangent) == (6.0 + math.exp(2.0), 2.0)
    assert w.grad == 7.0 and outside.grad == 0.0
    assert jvp(lambda a, b: a * 3.0, [w, w], [1.0, 0.5]) == (9.0, 4.5)  # one Value given twice: both rates
    assert jvp(lambda a: Value(5.0), [1.0], [1.0]) == (5.0, 0.0)  # an output that does not depend on the input
    assert jvp(lambda a: a, [1.0], [2.5]) == (1.0, 2.5)


def test_jvp_records_its_graph_inside_no_grad():
    with no_grad():
        assert jvp(lambda x: x.exp(), [0.0], [2.0]) == (1.0, 2.0)


def test_push_tangents_edge_by_edge_is_the_chain_rule_forward():
    x, w, b = Value(0.5, label="x"), Value(-2.0, label="w"), Value(0.25, label="b")
    z = x * w + b
    a = z.tanh()
    edges: list[ForwardEdge] = []
    tangents = push_tangents(topological_order(a), {w: 1.0}, edges=edges)
    assert [(e.node.op, e.parent.label or e.parent.op, e.index) for e in edges] == [
        ("mul", "x", 0), ("mul", "w", 1), ("add", "mul", 0), ("add", "b", 1), ("tanh", "add", 0)]
    for e in edges:
        assert e.tangent == tangents.get(e.parent, 0.0)
        assert e.passed == (e.tangent if e.local == 1.0 else e.local * e.tangent)
    assert tangents[z] == x.data  # ∂z/∂w = x: the forward pass's ∂z/∂w is the input on that edge
    assert tangents[a] == (1.0 - a.data**2) * x.data == grad(a, [w])[0]
    assert tangents[w] == 1.0 and x not in tangents


def test_jvp_rejects_bad_arguments():
    f = lambda x: x * 2.0  # noqa: E731
    with pytest.raises(TypeError, match=r"jvp\(f, \.\.\.\): expected a callable, got 3"):
        jvp(3, [1.0], [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected primals as a list, got 1.0"):
        jvp(f, 1.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected one tangent per primal, got 1 primals and 2 tangents"):
        jvp(f, [1.0], [1.0, 0.0])
    with pytest.raises(TypeError, match=r"jvp tangents\[0\]: expected a real number .*got 'a'"):
        jvp(f, [1.0], ["a"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"jvp primals\[0\]: expected a real number"):
        jvp(f, [None], [1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="jvp: f must return a Value, it returned 2.0"):
        jvp(lambda x: 2.0, [1.0], [1.0])  # type: ignore[arg-type, return-value]
