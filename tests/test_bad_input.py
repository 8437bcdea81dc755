"""The bad-input matrix: every public entry point, given the wrong thing, answers with a TypeError or
ValueError that says what was expected and what was given, and changes nothing."""

import math

import pytest

from engine import Value, apply, grad, gradcheck, logsumexp, register_op, softmax, sum_values
from nn import MLP, Layer, Neuron, fit
from nn.data import make_blobs, make_moons, make_spirals
from nn.losses import binary_cross_entropy, cross_entropy, hinge, l2, mse
from nn.optim import SGD, Adam
from viz import draw_graph, draw_network, plot_decision_boundary, step_backward

x = Value(1.0)
model = MLP(2, [3, 2], seed=0)

CASES = [
    # engine
    ("Value('1')", lambda: Value("1"), TypeError),
    ("Value([1])", lambda: Value([1]), TypeError),
    ("Value(1, label=2)", lambda: Value(1, label=2), TypeError),
    ("Value + str", lambda: x + "a", TypeError),
    ("Value ** list", lambda: x ** [2], TypeError),
    ("apply unknown", lambda: apply("nope", 1.0), ValueError),
    ("apply arity", lambda: apply("mul", 1.0), ValueError),
    ("logsumexp([])", lambda: logsumexp([]), ValueError),
    ("sum_values(Value)", lambda: sum_values(x), TypeError),
    ("logsumexp(['a'])", lambda: logsumexp(["a"]), TypeError),
    ("softmax([])", lambda: softmax([]), ValueError),
    ("grad(float)", lambda: grad(1.0, [x]), TypeError),
    ("grad inputs not list", lambda: grad(x * 2, x), TypeError),
    ("gradcheck not callable", lambda: gradcheck(3, [1.0]), TypeError),
    ("gradcheck empty", lambda: gradcheck(lambda v: v, []), TypeError),
    ("gradcheck eps", lambda: gradcheck(lambda v: v, [1.0], eps=-1.0), ValueError),
    ("register_op name", lambda: register_op("a b", abs, abs, ["1"]), ValueError),
    # nn
    ("Neuron(0)", lambda: Neuron(0), ValueError),
    ("Neuron activation", lambda: Neuron(2, activation="swish"), ValueError),
    ("Layer(2, '3')", lambda: Layer(2, "3"), TypeError),
    ("MLP nouts", lambda: MLP(2, 3), TypeError),
    ("MLP output", lambda: MLP(2, [3], output="logits"), ValueError),
    ("MLP input length", lambda: model([1.0, 2.0, 3.0]), ValueError),
    ("MLP input type", lambda: model(["a", 1.0]), TypeError),
    ("MLP input empty", lambda: model([]), ValueError),
    ("cross_entropy target", lambda: cross_entropy([x, x], 5), ValueError),
    ("cross_entropy float target", lambda: cross_entropy([x, x], 1.0), TypeError),
    ("bce target", lambda: binary_cross_entropy(x, 2), ValueError),
    ("hinge label", lambda: hinge(x, 0), ValueError),
    ("mse lengths", lambda: mse([x, x], [1.0]), ValueError),
    ("l2 alpha nan", lambda: l2([x], math.nan), ValueError),
    ("SGD lr", lambda: SGD([x], lr=0), ValueError),
    ("SGD params", lambda: SGD([1.0], lr=0.1), TypeError),
    ("Adam betas", lambda: Adam([x], betas=(1.0, 0.9)), ValueError),
    ("make_moons n", lambda: make_moons(0), ValueError),
    ("make_spirals classes", lambda: make_spirals(10, classes=1), ValueError),
    ("make_blobs noise", lambda: make_blobs(10, std=-1.0), ValueError),
    ("fit empty", lambda: fit(MLP(2, [2], seed=0), [], [], progress=False), ValueError),
    ("fit nan input", lambda: fit(MLP(2, [2], seed=0), [[math.nan, 1.0]], [0], progress=False), ValueError),
    ("fit inf input", lambda: fit(MLP(2, [2], seed=0), [[math.inf, 1.0]], [0], progress=False), ValueError),
    ("fit loss", lambda: fit(MLP(2, [2], seed=0), [[0.0, 1.0]], [0], loss="l1", progress=False), ValueError),
    # viz
    ("draw_graph float", lambda: draw_graph(1.0), TypeError),
    ("draw_graph show", lambda: draw_graph(x * 2, show="up"), ValueError),
    ("step_backward float", lambda: step_backward(1.0), TypeError),
    ("draw_network not MLP", lambda: draw_network(x), TypeError),
    ("draw_network color_by", lambda: draw_network(model, color_by="size"), ValueError),
    ("plot_decision_boundary X", lambda: plot_decision_boundary(model, [], []), ValueError),
]


@pytest.mark.parametrize("call, error", [(c, e) for _, c, e in CASES], ids=[name for name, _, _ in CASES])
def test_bad_input_is_a_clear_error_saying_what_was_expected_and_given(call, error):
    before = model.state_dict()
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert type(info.value) in (TypeError, ValueError) or issubclass(type(info.value), (TypeError, ValueError))
    assert "expect" in message and "got" in message, message
    assert model.state_dict() == before
