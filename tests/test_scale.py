"""Deep and wide graphs in every public path: a 1e6-node chain and a 1e5-term sum backpropagate, give
gradients, sort, and the pictures refuse them with a clear message instead of hanging."""

import math
import sys

import pytest

from engine import Value, grad, paused_gc, sum_values, topological_order
from viz import draw_graph, step_backward

pytestmark = pytest.mark.slow  # deep chains and wide sums: 1–2.5 s a test

DEEP = 1_000_000
WIDE = 100_000


@pytest.fixture(scope="module")
def chain():
    assert sys.getrecursionlimit() <= 1000  # the default: nothing here may recurse
    x = Value(0.5, label="x")
    y = x
    with paused_gc():
        for _ in range(DEEP - 1):
            y = y * 0.999999
    return x, y


def test_scale_deep_chain_backward_grad_and_order(chain):
    x, y = chain
    order = topological_order(y)
    assert len(order) == 2 * DEEP - 1 and order[0] is x and order[-1] is y  # each step adds a constant
    (g,) = grad(y, [x])
    y.backward()
    assert x.grad == g and g == pytest.approx(0.999999 ** (DEEP - 1), rel=1e-9)


def test_scale_deep_chain_pictures_refuse_with_a_clear_message(chain):
    _, y = chain
    with pytest.raises(ValueError, match=r"the graph has 1999999 nodes, more than max_nodes=400"):
        draw_graph(y)
    with pytest.raises(ValueError, match=r"the graph has 999999 op nodes, more than max_steps=300"):
        step_backward(y)


def test_scale_wide_sums_backward_and_grad():
    xs = [Value(math.sin(i)) for i in range(WIDE)]
    total = sum_values([x * x for x in xs])
    chained = sum(x * 2.0 for x in xs)  # builtin sum: a chain of 1e5 adds
    grads = grad(total, xs)
    assert all(g == 2 * x.data for g, x in zip(grads, xs))
    chained.backward()
    assert all(x.grad == 2.0 for x in xs)
    with pytest.raises(ValueError, match=r"more than max_nodes=400"):
        draw_graph(total)


def test_scale_second_derivative_through_a_long_chain():
    x = Value(0.3)
    y = x
    for _ in range(20_000):
        y = (y * 0.9999).tanh() + 0.0001
    (g,) = grad(y, [x], create_graph=True)
    (gg,) = grad(g, [x])
    assert math.isfinite(g.data) and math.isfinite(gg)
