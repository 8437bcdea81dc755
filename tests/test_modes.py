"""no_grad and detect_anomaly: what they record, what they raise, and that they restore state."""

import math

import pytest

from engine import Value, detect_anomaly, is_grad_enabled, no_grad


def test_no_grad_records_no_parents():
    x = Value(2.0)
    with no_grad():
        y = (x * 3).exp() + x
        assert not is_grad_enabled()
    assert y.parents == () and y.op == "" and y.data == math.exp(6.0) + 2.0
    assert is_grad_enabled()
    z = x * 3
    assert z.parents[0] is x


def test_no_grad_restores_state_after_an_exception_and_nests():
    with pytest.raises(RuntimeError), no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
        raise RuntimeError
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def step(v: Value) -> Value:
        return v * 2

    assert step(Value(1.0)).parents == ()


def test_detect_anomaly_names_op_inputs_and_user_line_in_forward():
    x = Value(0.0, label="x")
    with pytest.raises(FloatingPointError) as info, detect_anomaly():
        y = x.log()  # the line the message must name
    message = str(info.value)
    assert "log gave -inf from finite inputs x=0.0 ('x')" in message
    assert "test_modes.py" in message and "y = x.log()  # the line the message must name" in message
    assert "y" not in locals()


def test_detect_anomaly_names_the_node_label_in_backward():
    x = Value(0.0, label="x")
    with detect_anomaly():
        r = x.sqrt()
        r.label = "root of x"
        loss = r * 2.0
        with pytest.raises(FloatingPointError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward through sqrt" in message and "1/(2·√x) = inf" in message
    assert "node 'root of x'" in message and "r = x.sqrt()" in message


def test_detect_anomaly_failed_backward_leaves_accumulated_leaf_grads_as_they_were():
    x, w = Value(0.0, label="x"), Value(2.0, label="w")
    (w * 3.0).backward()
    with detect_anomaly():
        loss = (x * w).sqrt() + w
        with pytest.raises(FloatingPointError):
            loss.backward()
    assert w.grad == 3.0 and x.grad == 0.0


def test_detect_anomaly_ignores_non_finite_values_that_came_in_non_finite():
    with detect_anomaly():
        y = Value(math.inf) * 2.0 + 1.0
        y.backward()
    assert y.data == math.inf


def test_detect_anomaly_off_lets_ieee_values_through():
    y = Value(0.0).log() * 2
    y.backward()
    assert y.data == -math.inf
