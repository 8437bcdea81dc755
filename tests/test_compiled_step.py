"""fit's compiled steps: BatchedStep (one example compiled, run over each batch) against the graph's step."""

import math
import warnings

import pytest

import nn.compiled_step as compiled_step
from engine import sum_values
from nn import MLP, losses
from nn.compiled_step import BatchedStep
from nn.data import make_moons
from nn.optim import Adam
from nn.step import GraphStep
from nn.train import evaluate, make_step, targets_for


def _steps(loss, sizes, activation, reduction, l2):
    """The graph's step and the batched step for the same model, loss, reduction and L2, and the data's targets."""
    model = MLP(2, sizes, activation=activation, seed=5)
    params = model.parameters()
    forward = model.logits
    loss_fn = losses.LOSSES[loss]
    penalty = losses.Penalty("L2", l2, params) if l2 else None
    X, y = make_moons(13, noise=0.2, seed=2)
    targets = targets_for(loss, y, sizes[-1])
    batched = BatchedStep(forward, loss_fn, params, loss, sizes[-1], reduction, penalty)
    return GraphStep(forward, loss_fn, reduction, penalty), batched, params, X, targets


def _close(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("runner", ["matrix", "numpy", "python"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("l2", [0.0, 1e-2])
@pytest.mark.parametrize(
    ("loss", "sizes", "activation"),
    [("cross_entropy", [4, 3], "relu"), ("hinge", [4, 1], "tanh"), ("binary_cross_entropy", [3, 1], "sigmoid"),
     ("mse", [3, 2], "leaky_relu"), ("mse", [3, 1], "relu")],
)
def test_compiled_step_agrees_with_the_graphs_step_to_1e_12(loss, sizes, activation, reduction, l2, runner,
                                                           monkeypatch):
    monkeypatch.setattr(compiled_step, "RUNNER", runner)
    graph, batched, params, X, targets = _steps(loss, sizes, activation, reduction, l2)
    for batch in ([0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], [4]):  # batches of any size, one compiled example
        inputs, batch_targets = [X[i] for i in batch], [targets[i] for i in batch]
        assert batched.will_compile(batch) == (batch[0] == 0)
        want = graph.forward(inputs, batch_targets, batch)
        got = batched.forward(inputs, batch_targets, batch)
        assert _close(got[0], want[0]) and _close(got[1], want[1])
        assert all(_close(g, w) for g, w in zip(got[2], want[2])) and len(got[2]) == len(batch)
        for p in params:
            p.grad = 0.0
        graph.backward()
        want_grads = [p.grad for p in params]
        batched.backward()
        assert _close([p.grad for p in params], want_grads)


@pytest.mark.parametrize("runner", ["matrix", "numpy", "python"])
def test_compiled_step_evaluates_held_out_data_like_the_graph(runner, monkeypatch):
    monkeypatch.setattr(compiled_step, "RUNNER", runner)
    _, batched, params, X, targets = _steps("cross_entropy", [4, 2], "relu", "mean", 0.5)
    loss, outputs = batched.evaluate(X, targets)
    model_loss, _ = evaluate(batched.forward_fn, batched.loss_fn, X, targets, "cross_entropy", "mean")
    assert _close(loss, model_loss)  # no L2 term in a held-out loss
    assert all(_close(out, [v.data for v in batched.forward_fn(x)]) for out, x in zip(outputs, X))
    assert batched.compiled_penalty is not None and all(p.grad == 0.0 for p in params), "evaluating touches no gradient"


def test_compiled_step_backward_needs_a_forward():
    _, batched, _, X, targets = _steps("hinge", [3, 1], "relu", "mean", 0.0)
    with pytest.raises(RuntimeError, match=r"BatchedStep.backward: expected a forward\(\) first"):
        batched.backward()
    batched.forward(X[:2], targets[:2], [0, 1])
    batched.backward()
    with pytest.raises(RuntimeError, match="expected a forward"):
        batched.backward()


# --- penalties: L1 or L2, over every parameter or the weights only (TensorFlow Playground's) ----------------------


def _hand_objective(model, loss, inputs, targets, kind, rate, weights_only, reduction):
    """The objective built by hand, as the playground built it: each example's loss on the logits, their mean (or
    sum), plus rate·Σ|w| (L1) or rate·Σw² (L2) over the weights only, or over every parameter."""
    per_example = [losses.LOSSES[loss](model.logits(x), t) for x, t in zip(inputs, targets)]
    objective = losses.mean(per_example) if reduction == "mean" else losses.total(per_example)
    params = [w for layer in model.layers for n in layer.neurons for w in n.w] if weights_only else model.parameters()
    terms = [abs(p) for p in params] if kind == "L1" else [p * p for p in params]
    return objective + rate * sum_values(terms)


@pytest.mark.parametrize("runner", ["matrix", "numpy", "python"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weights_only", [True, False])
@pytest.mark.parametrize("kind", ["L1", "L2"])
@pytest.mark.parametrize(("loss", "sizes"), [("cross_entropy", [5, 3]), ("mse", [4, 1]), ("hinge", [4, 1])])
def test_penalties_on_the_graph_and_compiled_steps_agree_with_a_hand_built_graph(loss, sizes, kind, weights_only,
                                                                                 reduction, runner, monkeypatch):
    monkeypatch.setattr(compiled_step, "RUNNER", runner)
    model = MLP(2, sizes, activation="tanh", seed=3)
    params = model.parameters()
    penalty = losses.Penalty(kind, 0.03, model.weights() if weights_only else params)
    X, y = make_moons(9, noise=0.2, seed=4)
    targets = targets_for(loss, y, sizes[-1]) if loss != "mse" else [x[0] - x[1] for x in X]
    graph = make_step(model, loss, reduction=reduction, penalty=penalty)
    batched = make_step(model, loss, reduction=reduction, penalty=penalty, compile=True)
    assert isinstance(graph, GraphStep) and isinstance(batched, BatchedStep)
    for batch in ([0, 1, 2, 3], [4, 5, 6, 7, 8], [2]):
        inputs, batch_targets = [X[i] for i in batch], [targets[i] for i in batch]
        hand = _hand_objective(model, loss, inputs, batch_targets, kind, 0.03, weights_only, reduction)
        model.zero_grad()
        hand.backward()
        want = [p.grad for p in params]
        want_losses = [losses.LOSSES[loss](model.logits(x), t).data for x, t in zip(inputs, batch_targets)]
        for step in (graph, batched):
            objective, per_example, _ = step.forward(inputs, batch_targets, batch)
            model.zero_grad()
            step.backward()
            assert _close(objective, hand.data) and _close(per_example, want_losses)
            assert _close([p.grad for p in params], want)
            if step is graph:
                assert objective == hand.data and [p.grad for p in params] == want, "the graph's: bit for bit"
        for p, g in zip(params, want):  # move on, so the next batch sees other parameters
            p.data -= 0.1 * g


def test_a_replaced_penalty_is_compiled_again_and_the_example_is_not():
    model = MLP(2, [4, 2], seed=1)
    X, y = make_moons(6, noise=0.1, seed=0)
    step = make_step(model, "cross_entropy", penalty=losses.Penalty("L2", 0.1, model.parameters()), compile=True)
    first, _, _ = step.forward(X, y, range(6))
    step.backward()
    example, l2_code = step.compiled, step.compiled_penalty
    step.penalty = losses.Penalty("L1", 0.2, model.weights())
    second, _, _ = step.forward(X, y, range(6))
    step.backward()
    got = [p.grad for p in model.parameters()]
    assert step.compiled is example and step.compiled_penalty is not l2_code
    hand = _hand_objective(model, "cross_entropy", X, y, "L1", 0.2, True, "mean")
    assert _close(second, hand.data) and second != first
    model.zero_grad()
    hand.backward()
    assert _close(got, [p.grad for p in model.parameters()])
    step.penalty = None
    assert _close(step.forward(X, y, range(6))[0], losses.mean([losses.cross_entropy(model.logits(x), t)
                                                                 for x, t in zip(X, y)]).data)
    assert step.compiled_penalty is None


def test_a_custom_losss_compiled_step_compiles_each_batch_with_its_penalty():
    model = MLP(2, [3, 1], seed=2)
    X, y = make_moons(5, noise=0.1, seed=1)
    targets = [float(t) for t in y]
    custom = make_step(model, lambda out, t: losses.mse(out, t), penalty=losses.Penalty("L1", 0.1, model.weights()),
                       compile=True)
    graph = make_step(model, lambda out, t: losses.mse(out, t), penalty=losses.Penalty("L1", 0.1, model.weights()))
    assert isinstance(custom, compiled_step.CompiledStep) and custom.will_compile([0, 1, 2, 3, 4])
    assert custom.forward(X, targets, [0, 1, 2, 3, 4]) == graph.forward(X, targets, [0, 1, 2, 3, 4])
    assert not custom.will_compile([0, 1, 2, 3, 4])
    custom.penalty = losses.Penalty("L2", 0.1, model.weights())
    graph.penalty = custom.penalty
    assert custom.will_compile([0, 1, 2, 3, 4]) and custom.graph_step.penalty is custom.penalty
    assert custom.forward(X, targets, [0, 1, 2, 3, 4]) == graph.forward(X, targets, [0, 1, 2, 3, 4])
    assert custom.evaluate(X, targets) == graph.evaluate(X, targets)


def test_batched_step_counts_the_outputs_and_refuses_a_penalty_on_other_values():
    model = MLP(2, [3, 3], seed=0)
    X, y = make_moons(6, noise=0.1, seed=0)
    step = BatchedStep(model.logits, losses.cross_entropy, model.parameters(), "cross_entropy", None, "mean")
    step.forward(X, [t + 1 for t in y], range(6))
    assert step.n_outputs == 3
    step.penalty = losses.Penalty("L1", 0.1, MLP(2, [3, 3], seed=0).weights())
    with pytest.raises(ValueError, match=r"BatchedStep: expected the penalty's parameters among the step's, its "
                                         r"parameter 0 \(Value\(.*\)\) is not"):
        step.forward(X, y, range(6))
    legacy = BatchedStep(model.logits, losses.cross_entropy, model.parameters(), "cross_entropy", 3, "mean", 0.5)
    assert legacy.penalty is not None and (legacy.penalty.kind, legacy.penalty.rate) == ("L2", 0.5)
    assert legacy.penalty.params == tuple(model.parameters()), "a number is fit's l2: over every parameter"


def test_array_run_updates_through_inf_and_nan_as_on_the_values_without_warnings():
    np = pytest.importorskip("numpy")
    X, y = make_moons(6, noise=0.1, seed=0)
    model, twin = MLP(2, [3, 2], seed=0), MLP(2, [3, 2], seed=0)
    step = BatchedStep(model.logits, losses.cross_entropy, model.parameters(), "cross_entropy", 2, "mean")
    run = compiled_step.ArrayRun(step, Adam(model.parameters(), lr=0.1), X, y)
    adam = Adam(twin.parameters(), lr=0.1)
    grads = ([math.inf, -math.inf, math.nan, 1.0, 0.0] * 4)[:len(twin.parameters())]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        for _ in range(2):
            run.grads = np.array(grads)
            run.update()
            for p, g in zip(twin.parameters(), grads):
                p.grad = g
            adam.step()
    run.close()
    want = [p.data for p in twin.parameters()]
    assert [str(p.data) for p in model.parameters()] == [str(v) for v in want], "inf and nan where the Values have them"
