"""The matrix runner: the packed program (engine.packing) against the graph, on random networks (nn.MLP and written by
hand), random graphs and the numbers where IEEE gives inf and nan; and what the packed program says."""

import itertools
import math
import random
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value, grad, matrix_runner, sum_values
from engine.packing import pack
from nn import MLP, losses
from nn.activations import ACTIVATIONS
from nn.network import OUTPUTS

#: Relative to the largest gradient, of the batch or of one example (the loss: to itself): only sums are reordered,
#: and a sum that cancels to 0 on the graph may leave a rounding error of its terms (a matrix product adds with fma).
RTOL = 1e-12


def _on_the_graph(fn, params, shared, rows, reduce="sum"):
    """One graph per row: the first output and the shared inputs' gradients summed over the rows (times 1/n for the
    mean), each row's outputs, and the largest finite gradient, of the batch or of one example (the scale of
    ``RTOL``)."""
    for p, x in zip(params, shared):
        p.data = x
    loss, grads, outputs, largest = 0.0, [0.0] * len(params), [], 0.0
    for row in rows:
        out = fn(*params, *[Value(x) for x in row])
        outs = out if isinstance(out, list) else [out]
        loss += outs[0].data
        each = grad(outs[0], params)
        largest = max([largest, *(abs(g) for g in each if math.isfinite(g))])
        grads = [g + h for g, h in zip(grads, each)]
        outputs.append([o.data for o in outs])
    if reduce == "mean":
        loss, grads, largest = loss / len(rows), [g / len(rows) for g in grads], largest / len(rows)
    return loss, grads, outputs, max([largest, *(abs(g) for g in grads if math.isfinite(g))])


def _agree(got, want, scale):
    """Equal to ``RTOL`` of ``scale``; nan only with nan, an infinity only with itself."""
    if math.isnan(got) or math.isnan(want):
        return math.isnan(got) and math.isnan(want)
    if math.isinf(got) or math.isinf(want):
        return got == want
    return abs(got - want) <= RTOL * scale + 1e-300


def _check(fn, params, rows, reduce="sum"):
    """``fn`` compiled for one example and run by the matrix runner over ``rows``, against the graph."""
    shared = [p.data for p in params]
    compiled = engine.compile(fn, params, per_example=rows[0])
    result = compiled.batch(shared, rows, reduce=reduce, runner="matrix")
    want_loss, want_grads, want_outputs, largest = _on_the_graph(fn, params, shared, rows, reduce)
    assert _agree(result.loss, want_loss, abs(want_loss)), (result.loss, want_loss)
    bad = [(k, g, w) for k, (g, w) in enumerate(zip(result.grads, want_grads)) if not _agree(g, w, largest)]
    assert not bad, (bad[:5], compiled.matrix_source)
    for got_row, want_row in zip(result.outputs, want_outputs):
        assert all(_agree(a, b, max(abs(b), 1.0)) for a, b in zip(got_row, want_row)), (got_row, want_row)
    return compiled


# --- networks: nn.MLP ------------------------------------------------------------------------------------------


@st.composite
def mlp_steps(draw):
    """An MLP of random shape, activation and output, one example's loss (with an L2 term or a Penalty over the
    weights, traced into the example), and a batch of 1 to 12 rows."""
    nin = draw(st.integers(1, 4))
    loss_name = draw(st.sampled_from(sorted(losses.LOSSES)))
    fewest = 2 if loss_name == "cross_entropy" else 1
    nout = 1 if loss_name in ("hinge", "binary_cross_entropy") else draw(st.integers(fewest, 4))
    hidden = draw(st.lists(st.integers(1, 6), max_size=3))
    model = MLP(nin, [*hidden, nout], activation=draw(st.sampled_from(sorted(ACTIVATIONS))),
                output=draw(st.sampled_from(OUTPUTS)), seed=draw(st.integers(0, 99)))
    kind = draw(st.sampled_from([None, "L1", "L2"]))
    penalty = None if kind is None else losses.Penalty(kind, draw(st.floats(1e-4, 1.0)),
                                                       draw(st.sampled_from([model.weights(), model.parameters()])))
    params, n_target = model.parameters(), nout if loss_name in ("cross_entropy", "mse") else 1
    loss_fn = losses.LOSSES[loss_name]

    def example(*values):
        x, t = list(values[len(params):len(params) + nin]), list(values[len(params) + nin:])
        outputs = model.logits(x) if loss_name != "mse" else model(x)
        loss = loss_fn(outputs, t if loss_name == "cross_entropy" or len(t) > 1 else t[0])
        return [loss if penalty is None else penalty.added_to(loss), *outputs]

    target = {"hinge": st.sampled_from([-1.0, 1.0]), "binary_cross_entropy": st.sampled_from([0.0, 1.0])}.get(
        loss_name, st.floats(-2.0, 2.0))
    if loss_name == "cross_entropy":
        one_hot = st.integers(0, nout - 1).map(lambda k: [float(j == k) for j in range(nout)])
    else:
        one_hot = st.lists(target, min_size=n_target, max_size=n_target)
    row = st.tuples(st.lists(st.floats(-3.0, 3.0), min_size=nin, max_size=nin), one_hot).map(lambda r: r[0] + r[1])
    rows = draw(st.lists(row, min_size=1, max_size=12))
    return example, params, rows, draw(st.sampled_from(["sum", "mean"]))


@pytest.mark.slow  # a long Hypothesis search: each example a network compiled and packed
@given(mlp_steps())
def test_matrix_runner_agrees_with_the_graph_on_random_networks(step):
    example, params, rows, reduce = step
    _check(example, params, rows, reduce)


# --- networks written by hand, as lists of Values --------------------------------------------------------------


def _hand_network(rng, sizes, activation, style):
    """A network written micrograd's way: each neuron its own weights and bias, summed by builtin ``sum`` (a chain of
    adds, the bias first or last), ``sum_values`` or by hand, its products ``w*x`` or ``x*w`` and its terms in an
    order of its own. Returns the parameters and the forward pass."""
    layers = []
    for nin, nout in itertools.pairwise(sizes):
        layer = []
        for _ in range(nout):
            w, b = [Value(rng.uniform(-1.0, 1.0)) for _ in range(nin)], Value(rng.uniform(-0.5, 0.5))
            order = list(range(nin))
            rng.shuffle(order)
            layer.append((w, b, order, [rng.random() < 0.5 for _ in range(nin)]))
        layers.append(layer)
    params = [v for layer in layers for w, b, _, _ in layer for v in (*w, b)]

    def forward(x):
        for depth, layer in enumerate(layers):
            outs = []
            for w, b, order, flipped in layer:
                terms = [x[i] * w[i] if flip else w[i] * x[i] for i, flip in zip(order, flipped)]
                z = {"sum": lambda: sum(terms, b), "bias last": lambda: sum(terms) + b,
                     "sum_values": lambda: sum_values([*terms, b])}[style]()
                outs.append(getattr(z, activation)() if depth < len(layers) - 1 else z)
            x = outs
        return x

    return params, forward


@given(st.integers(0, 10**6), st.lists(st.integers(1, 5), min_size=1, max_size=3),
       st.sampled_from(["tanh", "relu", "sigmoid"]), st.sampled_from(["sum", "bias last", "sum_values"]),
       st.integers(1, 9))
def test_matrix_runner_agrees_with_the_graph_on_networks_written_by_hand(seed, hidden, activation, style, n):
    rng = random.Random(seed)
    params, forward = _hand_network(rng, [3, *hidden, 1], activation, style)

    def example(*values):
        (out,), y = forward(list(values[len(params):len(params) + 3])), values[-1]
        return (out - y) ** 2

    rows = [[rng.uniform(-2.0, 2.0) for _ in range(4)] for _ in range(n)]
    _check(example, params, rows)


def _demo(sizes=(2, 16, 16, 1)):
    """micrograd's demo step for one example, nn.MLP's hinge loss, and its shared inputs and example inputs."""
    model = MLP(sizes[0], list(sizes[1:]), seed=0)
    params = model.parameters()

    def example(*values):
        x, y = list(values[len(params):-1]), values[-1]
        logits = model.logits(x)
        return [losses.hinge(logits, y), *logits]

    return model, params, example


def test_packing_finds_the_lectures_matrix_form():
    _, params, example = _demo()
    compiled = engine.compile(example, params, per_example=[0.5, -0.5, 1.0])
    source = compiled.matrix_source
    assert "    z1 = x @ W1.T + b1  # 16 neurons of layer 1: 32 mul nodes and 16 sum nodes packed\n" in source
    assert "    a1 = relu(z1)  # 16 relu nodes\n" in source
    assert "    z2 = a1 @ W2.T + b2  # 16 neurons of layer 2: 256 mul nodes and 16 sum nodes packed\n" in source
    assert "    z3 = a2 @ w3 + b3  # 1 neuron of layer 3: 16 mul nodes and 1 sum node packed\n" in source
    assert re.search(r"g\[W1_at\] = d_z1\.T @ x\n", source), "the weights' gradient: outer products, summed"
    assert pack(compiled.program).products == 3 and compiled.matrix_source is source, "packed once, then kept"


def test_packing_a_network_written_by_hand_packs_as_nn_mlp():
    """The packs come from the graph's shape, never from nn's scopes or labels."""
    _, params, example = _demo((3, 5, 4, 1))
    nn_packed = pack(engine.compile(example, params, per_example=[0.1, 0.2, 0.3, 1.0]).program)
    for style in ("sum", "bias last", "sum_values"):
        hand_params, forward = _hand_network(random.Random(1), [3, 5, 4, 1], "relu", style)

        def hand(*values, forward=forward, n=len(hand_params)):
            return [losses.hinge(forward(list(values[n:-1])), values[-1])]

        packed = pack(engine.compile(hand, hand_params, per_example=[0.1, 0.2, 0.3, 1.0]).program)
        assert packed.products == nn_packed.products == 3, style
        assert re.search(r"z1 = x @ W1\.T \+ b1( \+ 0\.0)?  # 5 neurons of layer 1", packed.source), packed.source


def test_packing_refuses_products_used_elsewhere_and_says_why():
    w, v = [Value(0.5), Value(-0.25)], [Value(1.5), Value(0.75)]

    def fn(*values):
        x = values[4:]
        products = [w[0] * x[0], w[1] * x[1]]
        z = sum_values([*products, v[0] * x[0], v[1] * x[1]])
        return [z.tanh() + products[0]]  # one product is used outside the sum too

    compiled = _check(fn, [*w, *v], [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]])
    assert "# not a matrix product: the products are used outside this sum too" in compiled.matrix_source


def test_packing_neurons_that_do_not_share_their_inputs_are_summed_lane_by_lane():
    ws = [[Value(0.1 * (i + j)) for j in range(3)] for i in range(2)]

    def fn(*values):
        x = values[6:]
        z0 = sum_values([ws[0][0] * x[0], ws[0][1] * x[1], ws[0][2] * x[2]])
        z1 = sum_values([ws[1][0] * x[0], ws[1][1] * x[0], ws[1][2] * x[2]])  # x[0] twice: not the same inputs
        return [z0.tanh() * z1.tanh()]

    compiled = _check(fn, [w for row in ws for w in row], [[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
    assert "do not all take the same inputs" in compiled.matrix_source


def test_matrix_runner_gives_ieee_results_without_warnings():
    _, params, example = _demo((2, 4, 1))
    params[0].data = math.inf  # a weight, and rows with inf and nan: the graph's own inf and nan
    rows = [[0.0, 1.0, 1.0], [math.inf, 1.0, -1.0], [math.nan, 0.0, 1.0], [-math.inf, 2.0, 1.0],
            [1e308, 1e308, 1.0]]
    shared = [p.data for p in params]
    compiled = engine.compile(example, params, per_example=rows[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        for row in rows:
            result = compiled.batch(shared, [row], reduce="sum", runner="matrix")
            want_loss, want_grads, _, largest = _on_the_graph(example, params, shared, [row])
            assert _agree(result.loss, want_loss, abs(want_loss)), (row, result.loss, want_loss)
            assert all(_agree(g, w, largest) for g, w in zip(result.grads, want_grads)), (row, result.grads,
                                                                                          want_grads)


def test_matrix_runner_runs_a_whole_graph_and_a_forward_pass_alone():
    """A program of a whole graph (a penalty over the parameters) has no example's inputs: X has no columns."""
    model = MLP(3, [4, 2], seed=1)
    penalty = losses.Penalty("L1", 0.01, model.weights())
    compiled = engine.compile(lambda *_: penalty.term(), model.parameters())
    packed = matrix_runner.function_for(compiled.program)
    shared = [p.data for p in model.parameters()]
    with np.errstate(all="ignore"):
        ((value,),), g = packed(np.array(shared), np.empty((1, 0)))
        outputs, none = packed(np.array(shared), np.empty((1, 0)), grads=False)
    want_value, want_grads = compiled(*shared)
    assert value == pytest.approx(want_value, rel=RTOL) and none is None and outputs.tolist() == [[value]]
    assert g.tolist() == pytest.approx(want_grads, rel=RTOL, abs=1e-300)
