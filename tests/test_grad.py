"""grad(): the functional gradient, first and higher order, touching no .grad."""

import math

import pytest

from engine import Value, grad, topological_order


def test_grad_returns_floats_and_touches_no_grad():
    x, y = Value(2.0), Value(3.0)
    out = x * y + x.exp()
    gx, gy = grad(out, [x, y])
    assert (gx, gy) == (3.0 + math.exp(2.0), 2.0)
    assert all(n.grad == 0.0 for n in topological_order(out))


def test_grad_agrees_with_backward():
    x, y = Value(0.7), Value(-1.3)
    out = ((x * y).tanh() + (x / y).sigmoid()) ** 2
    expected = grad(out, [x, y])
    out.backward()
    assert expected == [x.grad, y.grad]


def test_grad_of_an_unrelated_input_is_zero():
    x, z = Value(1.0), Value(5.0)
    out = x * 2
    assert grad(out, [z]) == [0.0]
    (g,) = grad(out, [z], create_graph=True)
    assert type(g) is Value and g.data == 0.0 and g.parents == ()


def test_grad_create_graph_gives_second_and_third_derivatives():
    x = Value(0.4)
    y = x**3 + x.exp()
    (g,) = grad(y, [x], create_graph=True)
    (gg,) = grad(g, [x], create_graph=True)
    (ggg,) = grad(gg, [x])
    assert g.data == pytest.approx(3 * 0.4**2 + math.exp(0.4), rel=1e-14)
    assert gg.data == pytest.approx(6 * 0.4 + math.exp(0.4), rel=1e-14)
    assert ggg == pytest.approx(6 + math.exp(0.4), rel=1e-14)


def test_grad_create_graph_mixed_partials():
    x, y = Value(1.5), Value(-0.5)
    out = x * x * y + (x * y).tanh()
    gx, gy = grad(out, [x, y], create_graph=True)
    (gxy,) = grad(gx, [y])
    (gyx,) = grad(gy, [x])
    t = math.tanh(x.data * y.data)
    expected = 2 * x.data + (1 - t * t) + x.data * y.data * (-2 * t * (1 - t * t))
    assert gxy == pytest.approx(expected, rel=1e-13) and gyx == pytest.approx(expected, rel=1e-13)


def test_grad_of_output_with_respect_to_itself_is_one():
    x = Value(3.0)
    assert grad(x, [x]) == [1.0]


def test_grad_output_seeds_the_output_as_backward_gradient_does():
    x, y = Value(0.6), Value(-2.2)
    out = (x * y).sin() + y.cosh()
    assert grad(out, [x, y], grad_output=-4.0) == [-4.0 * g for g in grad(out, [x, y])]
    out.backward(gradient=0.3)
    assert grad(out, [x, y], grad_output=0.3) == [x.grad, y.grad]
    assert grad(x, [x], grad_output=2.5) == [2.5]


def test_grad_output_as_a_value_stays_in_the_graph_under_create_graph():
    # a vector-Jacobian product ∂C/∂x = g·∂y/∂x, differentiated in the seed g (PyTorch's grad_outputs, create_graph)
    x, g = Value(0.9), Value(2.0, label="g")
    y = x.sinh() * x
    (vjp,) = grad(y, [x], create_graph=True, grad_output=g)
    dy = math.cosh(0.9) * 0.9 + math.sinh(0.9)
    assert vjp.data == pytest.approx(2.0 * dy, rel=1e-15)
    assert grad(vjp, [g]) == [pytest.approx(dy, rel=1e-15)]
    assert grad(y, [x], grad_output=g) == [pytest.approx(2.0 * dy, rel=1e-15)]  # without create_graph: its number


def test_grad_rejects_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="grad\\(output, ...\\): expected a Value, got 3.0 \\(float\\)"):
        grad(3.0, [x])  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="expected a list of Values, got Value"):
        grad(x * 2, x)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="item 1 is 2.0 \\(float\\)"):
        grad(x * 2, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"grad\(grad_output=...\): expected a real number \(int or float\), got '1'"):
        grad(x * 2, [x], grad_output="1")  # type: ignore[call-overload]
