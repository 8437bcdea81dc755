"""Neuron, Layer and MLP: the lecture's structure, its matrix form, the forward pass on floats, and bad input."""

import math
import random
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Value, detect_anomaly, softmax, topological_order
from nn import MLP, Layer, Neuron, fit
from nn.activations import ACTIVATIONS, LEAKY_SLOPE, float_activation
from nn.data import make_moons
from nn.network import OUTPUTS, FloatMLP, PackedMLP, init_bound

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
    assert {n.label for n in leaves if n not in set(model.parameters())} == {"x₁", "x₂"}


def test_mlp_labels_its_nodes_in_the_lectures_notation():
    model = MLP(2, [3, 12, 2], seed=0)  # layer 2 has two-digit neurons: its indexes are separated by a comma
    first, second, output = model.layers
    assert [w.label for w in first.neurons[0].w] == ["w₁₁¹", "w₁₂¹"] and first.neurons[2].b.label == "b₃¹"
    assert [w.label for w in second.neurons[10].w] == ["w₁₁,₁²", "w₁₁,₂²", "w₁₁,₃²"]
    assert second.neurons[10].b.label == "b₁₁²" and output.neurons[1].w[11].label == "w₂,₁₂³"
    assert [layer.name for layer in model.layers] == ["layer 1", "layer 2", "layer 3: output layer"]
    assert [n.name for n in second.neurons[:2]] == ["neuron 1", "neuron 2"]
    _, layers = model.trace([0.5, -1.0])
    z, a = layers[1][10]
    assert (z.label, a.label, a.scope) == ("z₁₁²", "a₁₁²", ("layer 2", "neuron 11"))
    assert [z.label for z, _ in layers[2]] == ["z₁³", "z₂³"]  # the output layer is linear: a = z
    assert [p.parents[1].label for p in layers[0][0][0].parents[:-1]] == ["x₁", "x₂"]


def test_neuron_and_layer_alone_are_labelled_as_far_as_their_place_is_known():
    neuron = Neuron(2, activation="tanh", seed=0)
    a = neuron([1.0, 2.0])
    assert [w.label for w in neuron.w] == ["w₁", "w₂"] and neuron.b.label == "b" and neuron.name == "neuron"
    assert (a.label, a.parents[0].label) == ("a", "z")
    layer = Layer(2, 3, activation="tanh", seed=0)
    outputs = layer([1.0, 2.0])
    assert [w.label for w in layer.neurons[1].w] == ["w₂₁", "w₂₂"] and layer.neurons[1].b.label == "b₂"
    assert [a.label for a in outputs] == ["a₁", "a₂", "a₃"] and outputs[1].scope == ("layer", "neuron 2")
    assert MLP(2, [3], seed=0).layers[0].name == "layer 1: output layer"  # one layer: the output layer


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
        (lambda: MLP(2, [3], seed="x"), TypeError,
         r"MLP\(seed\): expected an int seed, a random\.Random or None, got 'x' \(str\)"),
        (lambda: Layer(2, True), TypeError, r"Layer\(nout\): expected a positive int, got True"),
        (lambda: MLP(2, [3, 1]).forward_floats([1.0]), ValueError, "MLP: expected an input of 2 numbers, got 1"),
        (lambda: MLP(2, [3, 1]).predict("ab"), TypeError, "expected a list of 2 numbers or Values, got 'ab'"),
        (lambda: MLP(2, [3, 1]).as_floats().logits([1.0, "b"]), TypeError, r"input\[1\]: expected a real number"),
        (lambda: MLP(2, [3, 1]).predict_proba([True, 1.0]), TypeError, r"input\[0\]: expected a real number"),
        (lambda: FloatMLP(Layer(2, 3)), TypeError, r"FloatMLP\(model\): expected an nn.MLP, got Layer"),
        (lambda: float_activation("gelu"), ValueError, r"float_activation\(name\): expected one of .*got 'gelu'"),
    ],
)
def test_mlp_bad_input_is_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --- the forward pass on floats ---


def _bits(v):
    return struct.pack("<d", v)  # bit for bit: tells -0.0 from 0.0, and compares nan with itself


def _random_model(activation, output, nouts, seed):
    """An MLP with random weights and random (non-zero) biases, so every activation sees both signs of z."""
    model = MLP(3, nouts, activation=activation, output=output, seed=seed)
    rng = random.Random(seed)
    for layer in model.layers:
        for b in layer.b:
            b.data = rng.uniform(-1.0, 1.0)
    return model


NUMBERS = st.one_of(st.floats(-5.0, 5.0), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0]))


@given(
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    output=st.sampled_from(OUTPUTS),
    nouts=st.sampled_from([[1], [4, 1], [5, 4, 3], [2, 6, 2]]),
    seed=st.integers(0, 2**16),
    x=st.lists(NUMBERS, min_size=3, max_size=3),
)
def test_forward_floats_is_bit_for_bit_the_value_graph(activation, output, nouts, seed, x):
    model = _random_model(activation, output, nouts, seed)
    floats = model.as_floats()
    layers = model.forward_floats(x)
    assert [[tuple(map(_bits, p)) for p in layer] for layer in floats.forward(x)] == [
        [tuple(map(_bits, p)) for p in layer] for layer in layers
    ]
    h = x
    for layer, pairs in zip(model.layers, layers, strict=True):
        h = layer(h)  # the graph, layer by layer: a node a per neuron, its parent the node z (or z itself)
        zs = [a if a.op == "sum" else a.parents[0] for a in h]
        assert [(_bits(z), _bits(a)) for z, a in pairs] == [(_bits(z.data), _bits(a.data)) for z, a in zip(zs, h)]
    logits = model.logits(x)
    assert list(map(_bits, floats.logits(x))) == [_bits(v.data) for v in logits]
    assert list(map(_bits, floats.outputs(x))) == [_bits(v.data) for v in model(x)]
    probabilities = [logits[0].sigmoid()] if len(logits) == 1 else softmax(logits)
    assert list(map(_bits, model.predict_proba(x))) == [_bits(p.data) for p in probabilities]
    zs = [v.data for v in logits]
    if not any(map(math.isnan, zs)):  # nan logits: no class is the largest
        expected = int(zs[0] > 0.0) if len(zs) == 1 else max(range(len(zs)), key=zs.__getitem__)
        assert model.predict(x) == floats.predict(x) == expected


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_float_activation_is_the_value_function_on_floats(activation):
    on_floats = float_activation(activation)
    for z in [0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 3.0, -3.0, 40.0, -40.0, 1e308, -1e308,
              math.inf, -math.inf, math.nan]:
        assert _bits(on_floats(z)) == _bits(ACTIVATIONS[activation](Value(z)).data), (activation, z)


def test_leaky_relu_keeps_its_negative_slope_on_floats_and_values():
    assert float_activation("leaky_relu")(-2.0) == ACTIVATIONS["leaky_relu"](Value(-2.0)).data == -2.0 * LEAKY_SLOPE
    model = MLP(2, [1, 1], activation="leaky_relu", seed=0)
    hidden, last = model.layers
    hidden.W[0][0].data, hidden.W[0][1].data, hidden.b[0].data = 1.0, 0.0, 0.0
    last.W[0][0].data, last.b[0].data = 1.0, 0.0
    assert model.forward_floats([-2.0, 5.0]) == [[(-2.0, -0.02)], [(-0.02, -0.02)]]


def test_float_activation_of_an_added_activation_runs_its_value_function(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "swish", lambda z: z * z.sigmoid())
    model = _random_model("swish", "linear", [4, 2], seed=3)
    for x in ([0.3, -1.7, 2.0], [-0.4, 0.0, 1.1]):
        assert model.as_floats().logits(x) == [v.data for v in model.logits(x)]


@pytest.mark.parametrize("nout", [1, 3])
def test_predict_breaks_ties_like_the_first_largest_logit(nout):
    model = MLP(2, [3, nout], seed=0)
    for p in model.parameters():
        p.data = 0.0  # every logit exactly 0: class 0 for one output (not > 0), the first class for several
    assert model.as_floats().logits([1.0, -1.0]) == [0.0] * nout
    assert model.predict([1.0, -1.0]) == 0


def test_as_floats_is_a_snapshot_of_the_weights_and_takes_values_and_ints():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 2], seed=0)
    before = model.as_floats()
    logits = before.logits(X[0])
    fit(model, X, y, epochs=3, progress=False)
    assert before.logits(X[0]) == logits != model.as_floats().logits(X[0])
    assert model.as_floats().logits([1, Value(2.0)]) == [v.data for v in model.logits([1.0, 2.0])]
    assert repr(before) == "FloatMLP([2, 4, 2], output='linear')"


# --- the one forward on Values: trace -------------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_trace_gives_each_neurons_z_and_a_nodes_of_the_one_forward(activation):
    model = MLP(2, [3, 2], activation=activation, seed=4)
    logits, layers = model.trace([0.5, -1.5])
    assert [len(layer) for layer in layers] == [3, 2]
    for L, layer in enumerate(layers, start=1):
        for j, (z, a) in enumerate(layer):
            scope = ("layer 1" if L == 1 else "layer 2: output layer", f"neuron {j + 1}")
            assert z.label == f"z{'₁₂₃'[j]}{'¹²'[L - 1]}" and z.op == "sum" and z.scope == scope
            linear = activation == "linear" or L == 2
            assert (a is z) if linear else (a.label == f"a{'₁₂₃'[j]}¹" and a.parents == (z,) and a.scope == z.scope)
    assert logits == [a for _, a in layers[-1]]
    assert [_bits(v.data) for v in logits] == [_bits(v.data) for v in model.logits([0.5, -1.5])]
    assert [v.data for v in model([0.5, -1.5])] == [v.data for v in logits]
    floats = model.forward_floats([0.5, -1.5])
    assert [[(z.data, a.data) for z, a in layer] for layer in layers] == floats


def test_trace_says_which_neuron_it_computes_before_it_does():
    model = MLP(2, [3, 2], activation="tanh", seed=4)
    seen = []
    model.trace([1.0, 2.0], on_neuron=lambda L, j: seen.append((L, j)))
    assert seen == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]
    at = []
    model.layers[0].neurons[1].w[1].data = 1e308  # w·x = 2e308 overflows: inf from finite inputs
    with detect_anomaly(), pytest.raises(FloatingPointError):
        model.trace([1.0, 2.0], on_neuron=lambda L, j: at.append((L, j)))
    assert at == [(1, 0), (1, 1)], "the neuron whose node went non-finite was the last announced"


def test_trace_neuron_makes_one_neurons_nodes_in_the_scopes_of_the_whole_forward():
    model = MLP(2, [3, 2], activation="relu", seed=1)
    x = [0.3, -0.7]
    _, layers = model.trace(x)
    inputs = [Value(a.data, label=f"a{i}") for i, (_, a) in enumerate(layers[0])]
    z, a = model.trace_neuron(2, 1, inputs)
    assert (z.data, a.data) == (layers[1][1][0].data, layers[1][1][1].data) and a is z
    assert z.scope == ("layer 2: output layer", "neuron 2") and inputs[0] in {p.parents[1] for p in z.parents[:-1]}
    z1, a1 = model.trace_neuron(1, 2, x)
    assert a1.label == "a₃¹" and a1.parents == (z1,) and z1.data == layers[0][2][0].data
    assert [p.parents[1].label for p in z1.parents[:-1]] == ["x₁", "x₂"]
    z2, _ = model.trace_neuron(2, 0, [a.data for _, a in layers[0]])  # numbers: the outputs of layer 1
    assert [p.parents[1].label for p in z2.parents[:-1]] == ["a₁¹", "a₂¹", "a₃¹"]
    with pytest.raises(ValueError, match=r"MLP.trace_neuron\(L\): expected a layer from 1 to 2, got 3"):
        model.trace_neuron(3, 0, x)
    with pytest.raises(TypeError, match=r"expected a neuron of layer 2 \(an int from 0 to 1\), got '0' \(str\)"):
        model.trace_neuron(2, "0", x)
    with pytest.raises(ValueError, match=r"MLP.trace_neuron\(2, 0\): expected an input of 3 numbers, got 2"):
        model.trace_neuron(2, 0, x)


def test_weights_are_the_parameters_without_the_biases():
    model = MLP(3, [4, 2], seed=0)
    weights = model.weights()
    assert weights == [p for name, p in model.named_parameters() if not name.endswith(".b")]
    assert len(weights) == 3 * 4 + 4 * 2


# --- PackedMLP: the forward pass over many points, packed (numpy) ------------------------------------------------


#: Inputs whose sums cannot overflow in one order and not in another (a sum reordered is the same to rounding).
POINT_NUMBERS = st.one_of(st.floats(-5.0, 5.0), st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan]))


def _agree_to_rounding(got, want):
    """Equal to 1e-12 relative (nan only with nan, an infinity only with itself)."""
    if math.isnan(got) or math.isnan(want):
        return math.isnan(got) and math.isnan(want)
    return got == want or (math.isfinite(want) and math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300))


@pytest.mark.slow  # a long Hypothesis search: each example a network compiled and packed
@given(
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    nouts=st.sampled_from([[1], [4, 1], [5, 4, 3], [2, 6, 2], [16, 16, 1]]),
    seed=st.integers(0, 2**16),
    columns=st.lists(st.lists(POINT_NUMBERS, min_size=3, max_size=3), min_size=1, max_size=30).map(
        lambda rows: list(zip(*rows))),
)
def test_packed_mlp_is_float_mlp_to_rounding(activation, nouts, seed, columns):
    pytest.importorskip("numpy")
    model = _random_model(activation, "linear", nouts, seed)
    got, want = PackedMLP(model).forward_columns(columns), model.as_floats().forward_columns(columns)
    assert [[len(neuron) for neuron in layer] for layer in got] == [[len(neuron) for neuron in layer] for layer in want]
    for layer_got, layer_want in zip(got, want):
        for neuron_got, neuron_want in zip(layer_got, layer_want):
            assert all(map(_agree_to_rounding, neuron_got, neuron_want)), (neuron_got, neuron_want)


def test_packed_mlp_runs_at_the_parameters_of_the_call_over_a_grid():
    np = pytest.importorskip("numpy")
    model = MLP(2, [8, 8, 1], activation="tanh", seed=1)
    packed = PackedMLP(model)
    grid = [(x1, x2) for x2 in np.linspace(3, -3, 40).tolist() for x1 in np.linspace(-3, 3, 40).tolist()]
    snapshot = model.state_dict()
    for p in model.parameters():  # training moves the parameters: each call reads them then
        p.data *= -1.5
    moved = packed.layers(np.array(grid))
    assert [layer.shape for layer in moved] == [(1600, 8), (1600, 8), (1600, 1)]
    want = model.as_floats().forward_columns(list(zip(*grid)))
    assert all(map(_agree_to_rounding, moved[1][:, 3].tolist(), want[1][3]))
    at_snapshot = packed.forward_columns(list(zip(*grid)), params=snapshot)  # a snapshot's numbers, by name
    model.load_state_dict(snapshot)
    assert all(map(_agree_to_rounding, at_snapshot[2][0], model.as_floats().forward_columns(list(zip(*grid)))[2][0]))
    assert packed.forward_columns([[], []]) == [[[]] * 8, [[]] * 8, [[]]]
    assert "z1 = X @ W1.T + b1  # 8 neurons of layer 1" in packed.compiled.matrix_source
    assert repr(packed) == "PackedMLP([2, 8, 8, 1])"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p: p.forward_columns([[0.0]]), ValueError,
         r"PackedMLP.forward_columns: expected 2 input columns, got 1"),
        (lambda p: p.layers([[0.0, 1.0, 2.0]]), ValueError, r"expected points of 2 numbers each .* shape \(1, 3\)"),
        (lambda p: p.layers([[0.0, 1.0]], params=[1.0]), ValueError, r"expected 9 parameters \(the model's\), got 1"),
        (lambda p: p.layers([[0.0, 1.0]], params={"x": 1.0}), ValueError, r"got none for \['layers.0.neurons.0.w.0'"),
        (lambda p: PackedMLP("net"), TypeError, r"PackedMLP\(model\): expected an nn.MLP, got 'net'"),
    ],
)
def test_packed_mlp_bad_input_is_a_clear_error(call, error, message):
    pytest.importorskip("numpy")
    with pytest.raises(error, match=message):
        call(PackedMLP(MLP(2, [2, 1], seed=0)))
