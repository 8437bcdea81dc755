"""fit's compiled steps: BatchedStep (one example compiled, run over each batch) against the graph's step."""

import pytest

import nn.compiled_step as compiled_step
from nn import MLP, losses
from nn.compiled_step import BatchedStep
from nn.data import make_moons
from nn.train import GraphStep, evaluate, step_graph, targets_for


def _steps(loss, sizes, activation, reduction, l2):
    """The graph's step and the batched step for the same model, loss, reduction and L2, and the data's targets."""
    model = MLP(2, sizes, activation=activation, seed=5)
    params = model.parameters()
    forward = model.logits
    loss_fn = losses.LOSSES[loss]

    def graph(inputs, targets):
        return step_graph(forward, loss_fn, inputs, targets, params, reduction, l2)

    X, y = make_moons(13, noise=0.2, seed=2)
    targets = targets_for(loss, y, sizes[-1])
    return GraphStep(graph), BatchedStep(forward, loss_fn, params, loss, sizes[-1], reduction, l2), params, X, targets


def _close(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("runner", ["numpy", "python"])
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


@pytest.mark.parametrize("runner", ["numpy", "python"])
def test_compiled_step_evaluates_held_out_data_like_the_graph(runner, monkeypatch):
    monkeypatch.setattr(compiled_step, "RUNNER", runner)
    _, batched, params, X, targets = _steps("cross_entropy", [4, 2], "relu", "mean", 0.5)
    loss, outputs = batched.evaluate(X, targets)
    model_loss, _ = evaluate(batched.forward_fn, batched.loss_fn, X, targets, "cross_entropy", "mean")
    assert _close(loss, model_loss)  # no L2 term in a held-out loss
    assert all(_close(out, [v.data for v in batched.forward_fn(x)]) for out, x in zip(outputs, X))
    assert batched.penalty is not None and all(p.grad == 0.0 for p in params), "evaluating touches no gradient"


def test_compiled_step_backward_needs_a_forward():
    _, batched, _, X, targets = _steps("hinge", [3, 1], "relu", "mean", 0.0)
    with pytest.raises(RuntimeError, match=r"BatchedStep.backward: expected a forward\(\) first"):
        batched.backward()
    batched.forward(X[:2], targets[:2], [0, 1])
    batched.backward()
    with pytest.raises(RuntimeError, match="expected a forward"):
        batched.backward()
