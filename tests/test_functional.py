"""The composite functions on lists of Values: softmax, log_softmax, logsumexp, sum_values."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import OPS, Value, grad, log_softmax, logsumexp, softmax, sum_values
from engine.ops import BUILTIN_OPS

logits = st.lists(st.floats(-50, 50), min_size=1, max_size=6)


def test_every_builtin_unary_op_is_a_value_method():
    for name in BUILTIN_OPS:
        op = OPS[name]
        if op.arity == 1 and name != "pow":  # pow is the ** operator
            method = "__abs__" if name == "abs" else name
            assert callable(getattr(Value, method, None)), name


@given(logits)
def test_softmax_is_a_probability_distribution(xs):
    probs = softmax(xs)
    assert all(0.0 <= p.data <= 1.0 for p in probs)
    assert math.fsum(p.data for p in probs) == pytest.approx(1.0, abs=1e-12)


def test_softmax_and_log_softmax_are_stable_on_large_logits():
    probs = softmax([1000.0, 0.0, -1000.0])
    assert [p.data for p in probs] == pytest.approx([1.0, 0.0, 0.0], abs=1e-300)
    logp = log_softmax([1000.0, 0.0])
    assert logp[0].data == 0.0 and logp[1].data == -1000.0
    assert logsumexp([1000.0, 1000.0]).data == pytest.approx(1000.0 + math.log(2), rel=1e-15)


@given(logits, st.data())
def test_log_softmax_gradient_is_onehot_minus_softmax(xs, data):
    target = data.draw(st.integers(0, len(xs) - 1))
    values = [Value(x) for x in xs]
    loss = -log_softmax(values)[target]
    grads = grad(loss, values)
    probs = [p.data for p in softmax(xs)]
    for i, g in enumerate(grads):
        assert g == pytest.approx(probs[i] - (1.0 if i == target else 0.0), abs=1e-12)


def test_sum_values_is_one_node_with_one_edge_per_term():
    xs = [Value(float(i)) for i in range(5)]
    total = sum_values([*xs, 2])
    assert total.op == "sum" and total.parents[:5] == tuple(xs) and total.parents[5].is_constant
    assert total.data == 12.0
    total.backward()
    assert [x.grad for x in xs] == [1.0] * 5
