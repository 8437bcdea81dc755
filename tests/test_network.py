"""Neuron, Layer and MLP: the lecture's structure, its matrix form, and bad input."""

import math

import pytest

from engine import Value, topological_order
from nn import MLP, Layer, Neuron
from nn.activations import ACTIVATIONS
from nn.network import init_bound

SIGMA = {
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(0.0, z),
    "leaky_relu": lambda z: z if z >= 0 else 0.01 * z,
    "linear": lambda z: z,
}


def test_neuron_is_a_logistic_regression_with_labelled_z_and_a():
    n = Neuron(3, activation="sigmoid", seed=0)
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1"), Value(2.0, label="x2")]
    a = n(x)
    assert a.label == "a" and a.op == "sigmoid"
    (z,) = a.parents
    assert z.label == "z" and z.op == "sum" and len(z.parents) == 4 and z.parents[-1] is n.b
    for w, xi, edge in zip(n.w, x, z.parents[:3]):
        assert edge.op == "mul" and edge.parents == (w, xi)  # the lecture's edge w_i·a_i
    expected = 1.0 / (1.0 + math.exp(-(sum(w.data * xi.data for w, xi in zip(n.w, x)) + n.b.data)))
    assert a.data == pytest.approx(expected, rel=1e-15)


def test_neuron_linear_activation_returns_z_itself():
    z = Neuron(2, activation="linear", seed=0)([1.0, 2.0])
    assert z.label == "z" and z.op == "sum"


@pytest.mark.parametrize("bad", ["softmax", "ReLU", ""])
def test_neuron_unknown_activation_lists_the_choices(bad):
    with pytest.raises(ValueError, match=f"expected one of sigmoid, tanh, relu, leaky_relu, linear, got {bad!r}"):
        Neuron(2, activation=bad)


def test_neuron_initialization_is_seeded_and_scaled_by_fan_in():
    a, b, c = Neuron(50, seed=1), Neuron(50, seed=1), Neuron(50, seed=2)
    assert [w.data for w in a.w] == [w.data for w in b.w] != [w.data for w in c.w]
    for activation in ACTIVATIONS:
        bound = init_bound(50, activation)
        ws = [w.data for w in Neuron(50, activation=activation, seed=0).w]
        assert max(map(abs, ws)) <= bound and max(map(abs, ws)) > 0.5 * bound
    assert init_bound(200, "relu") == pytest.approx(init_bound(50, "relu") / 2)


def test_layer_always_returns_a_list_and_exposes_w_and_b():
    layer = Layer(3, 1, seed=0)
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1
    wide = Layer(3, 4, seed=0)
    assert len(wide.W) == 4 and all(len(row) == 3 for row in wide.W) and len(wide.b) == 4
    assert wide.W[2] is wide.neurons[2].w


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_layer_equals_the_matrix_form_sigma_of_w_a_plus_b(activation):
    layer = Layer(4, 3, activation=activation, seed=3)
    for n in layer.neurons:
        n.b.data = 0.1 * len(n.w)  # a non-zero bias
    a = [0.3, -1.2, 2.0, 0.7]
    W = [[w.data for w in row] for row in layer.W]
    b = [v.data for v in layer.b]
    expected = [SIGMA[activation](sum(W[j][i] * a[i] for i in range(4)) + b[j]) for j in range(3)]
    assert [v.data for v in layer(a)] == pytest.approx(expected, rel=1e-14)


def test_mlp_equals_the_chain_of_matrix_operations():
    model = MLP(3, [5, 4, 2], activation="tanh", seed=7)
    x = [0.2, -0.4, 1.5]
    h = x
    for i, layer in enumerate(model.layers):
        W = [[w.data for w in row] for row in layer.W]
        b = [v.data for v in layer.b]
        sigma = SIGMA["tanh"] if i < len(model.layers) - 1 else SIGMA["linear"]
        h = [sigma(sum(W[j][k] * h[k] for k in range(len(h))) + b[j]) for j in range(len(W))]
    assert [v.data for v in model(x)] == pytest.approx(h, rel=1e-14)


def test_mlp_last_size_is_the_number_of_outputs_and_outputs_are_a_list():
    for nouts in ([1], [4, 1], [8, 8, 3]):
        out = MLP(2, nouts, seed=0)([0.5, -1.0])
        assert isinstance(out, list) and len(out) == nouts[-1]


def test_mlp_output_modes():
    x = [0.5, -1.0]
    logits = MLP(2, [4, 3], seed=0)(x)
    probs = MLP(2, [4, 3], output="softmax", seed=0)(x)
    assert math.fsum(p.data for p in probs) == pytest.approx(1.0, abs=1e-15)
    expected = [math.exp(v.data) / sum(math.exp(u.data) for u in logits) for v in logits]
    assert [p.data for p in probs] == pytest.approx(expected, rel=1e-13)
    sig = MLP(2, [4, 3], output="sigmoid", seed=0)(x)
    assert [s.data for s in sig] == pytest.approx([1 / (1 + math.exp(-v.data)) for v in logits], rel=1e-14)


def test_mlp_predict_proba_and_predict():
    model = MLP(2, [4, 3], seed=0)
    x = [0.5, -1.0]
    probs = model.predict_proba(x)
    assert all(type(p) is float for p in probs) and sum(probs) == pytest.approx(1.0)
    assert model.predict(x) == max(range(3), key=probs.__getitem__)
    binary = MLP(2, [4, 1], seed=0)
    (p,) = binary.predict_proba(x)
    assert binary.predict(x) == int(p > 0.5)


def test_mlp_parameters_order_layer_by_layer_neuron_by_neuron_weights_then_bias():
    model = MLP(2, [3, 2], seed=0)
    expected = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert model.parameters() == expected
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.1.b" and len(names) == (2 + 1) * 3 + (3 + 1) * 2


def test_mlp_is_reproducible_for_a_seed():
    a, b = MLP(2, [8, 2], seed=5), MLP(2, [8, 2], seed=5)
    assert a.state_dict() == b.state_dict() != MLP(2, [8, 2], seed=6).state_dict()


def test_mlp_forward_builds_one_graph_from_inputs_to_outputs():
    model = MLP(2, [3, 1], seed=0)
    (out,) = model([1.0, 2.0])
    leaves = {n for n in topological_order(out) if not n.parents}
    assert set(model.parameters()) <= leaves
    assert {n.label for n in leaves if n not in set(model.parameters())} == {"x0", "x1"}


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: MLP(2, [3, 1])([1.0]), ValueError, "MLP: expected an input of 2 numbers, got 1"),
        (lambda: MLP(2, [3, 1])([1.0, 2.0, 3.0]), ValueError, "expected an input of 2 numbers, got 3"),
        (lambda: MLP(2, [3, 1])("ab"), TypeError, "expected a list of 2 numbers or Values, got 'ab'"),
        (lambda: MLP(2, [3, 1])([1.0, "b"]), TypeError, r"input\[1\]: expected a real number.*'b' \(str\)"),
        (lambda: MLP(2, [3, 1])(3.0), TypeError, "expected a list of 2 numbers"),
        (lambda: MLP(0, [3]), ValueError, r"MLP\(nin\): expected a positive int, got 0"),
        (lambda: MLP(2.5, [3]), TypeError, r"MLP\(nin\): expected a positive int, got 2.5 \(float\)"),
        (lambda: MLP(2, []), TypeError, "expected a non-empty list of layer sizes"),
        (lambda: MLP(2, [3, 0]), ValueError, r"MLP\(nouts\[1\]\): expected a positive int, got 0"),
        (lambda: MLP(2, [3], activation="gelu"), ValueError, "got 'gelu'"),
        (lambda: MLP(2, [3], output="probabilities"), ValueError, "expected one of linear, softmax, sigmoid"),
        (lambda: MLP(2, [3], seed="x"), TypeError, r"expected an int, a random.Random or None, got 'x'"),
        (lambda: Layer(2, True), TypeError, r"Layer\(nout\): expected a positive int, got True"),
    ],
)
def test_mlp_bad_input_is_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()
