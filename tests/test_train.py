"""nn.fit: the acceptance runs of the issue, the history, the progress bar, divergence and bad input."""

import math
import random
import warnings

import pytest

import nn.compiled_step as compiled_step
from engine import sum_values
from nn import MLP, DivergenceError, History, fit
from nn.compiled_step import BatchedStep, CompiledStep
from nn.data import make_moons, make_spirals, make_xor
from nn.losses import Penalty, cross_entropy, mse, total
from nn.optim import SGD, Adam
from nn.step import GraphStep
from nn.train import make_step, targets_for, train_step


@pytest.mark.slow  # trains to an accuracy
def test_fit_reproduces_micrograds_demo_to_full_training_accuracy():
    # micrograd's demo: moons, 100 points, MLP(2, [16, 16, 1]), hinge + 1e-4·L2, SGD lr = 1 - 0.9·k/100, 100 steps.
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    opt = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    history = fit(model, X, y, loss="hinge", optimizer=opt, epochs=100, l2=1e-4, progress=False)
    assert history.epochs == 100
    assert sum(model.predict(x) == t for x, t in zip(X, y)) == 100
    assert history.loss[-1] < 0.1 * history.loss[0]


@pytest.mark.slow  # trains to an accuracy
def test_fit_three_class_spiral_reaches_95_percent_with_softmax_cross_entropy_and_adam():
    X, y = make_spirals(90, classes=3, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 3], activation="relu", seed=0)
    history = fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05), epochs=100,
                  progress=False)
    accuracy = sum(model.predict(x) == t for x, t in zip(X, y)) / len(X)
    assert accuracy >= 0.95
    assert history.accuracy[-1] >= 0.9


def test_fit_history_has_loss_and_accuracy_per_epoch_and_exports():
    X, y = make_xor(40, noise=0.05, seed=1)
    model = MLP(2, [8, 2], activation="tanh", seed=0)
    history = fit(model, X, y, epochs=5, optimizer="adam", lr=0.05, progress=False)
    assert isinstance(history, History) and history.epochs == 5 and len(history.accuracy) == 5
    assert all(0.0 <= a <= 1.0 for a in history.accuracy) and all(math.isfinite(v) for v in history.loss)
    d = history.to_dict()
    assert d["epoch"] == [1, 2, 3, 4, 5] and d["loss"] == history.loss
    csv = history.to_csv().splitlines()
    assert csv[0] == "epoch,loss,accuracy" and len(csv) == 6 and csv[1].startswith("1,")


def test_fit_shows_a_progress_bar_with_loss_and_accuracy(capsys):
    X, y = make_moons(20, seed=0)
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err and "loss=" in err and "acc=" in err


def test_fit_compiled_says_on_the_bar_while_it_compiles(capsys):
    X, y = make_moons(20, seed=0)
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=3, progress=True, compile=True)
    err = capsys.readouterr().err
    assert err.count("compiling the step") >= 1 and err.rstrip().splitlines()[-1].lstrip("\r").startswith("training")


def test_fit_binary_labels_as_zero_one_or_plus_minus_one_train_the_same():
    X, y01 = make_moons(30, seed=2)
    ypm = [1 if t == 1 else -1 for t in y01]
    for loss in ("hinge", "binary_cross_entropy"):
        a, b = MLP(2, [6, 1], seed=0), MLP(2, [6, 1], seed=0)
        ha = fit(a, X, y01, loss=loss, optimizer="sgd", lr=0.1, epochs=3, progress=False)
        hb = fit(b, X, ypm, loss=loss, optimizer="sgd", lr=0.1, epochs=3, progress=False)
        assert ha.loss == hb.loss and a.state_dict() == b.state_dict()


def test_fit_minibatches_sum_reduction_and_a_custom_loss():
    X, y = make_moons(30, seed=3)
    model = MLP(2, [6, 2], seed=0)
    h = fit(model, X, y, batch_size=7, reduction="sum", epochs=4, optimizer="adam", lr=0.02, progress=False)
    assert h.epochs == 4 and h.loss[-1] < h.loss[0]
    regression = MLP(2, [6, 1], seed=0)
    targets = [x[0] + x[1] for x in X]
    h2 = fit(regression, X, targets, loss=lambda out, t: mse(out, t), optimizer="adam", lr=0.02, epochs=30,
             progress=False)
    assert h2.loss[-1] < h2.loss[0]


def test_fit_divergence_stops_naming_the_epoch_and_the_loss_or_continues_when_asked():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [8, 1], activation="linear", seed=0)
    before = model.state_dict()
    with pytest.raises(DivergenceError, match=r"training diverged at epoch \d+: the loss is (inf|nan)") as info:
        fit(model, X, [t * 1.0 for t in y], loss="mse", optimizer="sgd", lr=1e6, epochs=50, progress=False)
    assert info.value.history.epochs >= 1 and all(math.isfinite(v) for v in model.state_dict().values())
    model.load_state_dict(before)
    history = fit(model, X, [t * 1.0 for t in y], loss="mse", optimizer="sgd", lr=1e6, epochs=10, progress=False,
                  on_divergence="continue")
    assert history.epochs == 10 and not math.isfinite(history.loss[-1])


@pytest.mark.parametrize(
    "loss, sizes, kwargs",
    [
        ("cross_entropy", [8, 2], {}),
        ("cross_entropy", [8, 3], {"batch_size": 6, "l2": 1e-3, "reduction": "sum"}),
        ("hinge", [8, 1], {"batch_size": 16, "l2": 1e-3, "optimizer": "sgd"}),
        ("binary_cross_entropy", [6, 1], {"batch_size": 7, "reduction": "sum"}),
        ("mse", [6, 2], {"batch_size": 9, "activation": "tanh"}),
    ],
)
@pytest.mark.parametrize("runner", ["matrix", "numpy", "python"])
def test_fit_compiled_trains_like_the_graph_to_rounding(loss, sizes, kwargs, runner, monkeypatch):
    # each example compiled once and run over every batch (the last one smaller): the same numbers as the graph's
    # but for the order of the sums over the examples, so equal to rounding, not bit for bit
    monkeypatch.setattr(compiled_step, "RUNNER", runner)
    X, y = make_moons(40, noise=0.1, seed=1)
    kwargs = dict(kwargs)
    activation = kwargs.pop("activation", "relu")
    runs = []
    for compile_step in (False, True):
        model = MLP(2, sizes, activation=activation, seed=0)
        history = fit(model, X, y, loss=loss, epochs=6, progress=False, compile=compile_step, **kwargs)
        runs.append((history, model.state_dict()))
    (graph, graph_state), (compiled, compiled_state) = runs
    assert compiled.accuracy == graph.accuracy
    assert compiled.loss == pytest.approx(graph.loss, rel=1e-12, abs=1e-15)
    assert list(compiled_state) == list(graph_state)
    assert list(compiled_state.values()) == pytest.approx(list(graph_state.values()), rel=1e-12, abs=1e-15)


@pytest.mark.slow  # trains to an accuracy
@pytest.mark.parametrize(
    "data, sizes, loss, optimizer, kwargs",
    [
        (lambda: make_moons(100, noise=0.1, seed=0), [16, 16, 1], "hinge", lambda ps: SGD(ps, lr=0.5), {"l2": 1e-4}),
        (lambda: make_spirals(90, classes=3, noise=0.1, seed=0), [16, 16, 3], "cross_entropy",
         lambda ps: Adam(ps, lr=0.05), {}),
    ],
    ids=["moons-demo", "spiral"],
)
def test_fit_compiled_reaches_the_graphs_accuracy_on_the_demo_and_the_spiral(data, sizes, loss, optimizer, kwargs):
    X, y = data()
    results = []
    for compile_step in (False, True):
        model = MLP(2, sizes, activation="relu", seed=0)
        history = fit(model, X, y, loss=loss, optimizer=optimizer(model.parameters()), epochs=12, progress=False,
                      compile=compile_step, **kwargs)
        results.append((history.accuracy, sum(model.predict(x) == t for x, t in zip(X, y))))
    assert results[0] == results[1]
    assert results[1][1] > 0.6 * len(X), "it trained"


def test_fit_compiled_custom_loss_and_divergence():
    X, y = make_moons(20, seed=0)
    targets = [x[0] - x[1] for x in X]
    for compile_step in (False, True):
        model = MLP(2, [5, 1], seed=0)
        h = fit(model, X, targets, loss=lambda out, t: mse(out, t), epochs=5, progress=False, compile=compile_step)
        assert h.loss[-1] < h.loss[0]
    model = MLP(2, [8, 1], activation="linear", seed=0)
    with pytest.raises(DivergenceError, match=r"training diverged at epoch \d+"):
        fit(model, X, [t * 1.0 for t in y], loss="mse", optimizer="sgd", lr=1e6, epochs=50, progress=False,
            compile=True)
    assert all(math.isfinite(v) for v in model.state_dict().values())


def test_fit_compiled_refuses_minibatches_whose_labels_shape_the_graph():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 2], seed=0)
    with pytest.raises(ValueError, match="a custom loss takes the labels as they are.*batch_size=None"):
        fit(model, X, y, loss=lambda out, t: mse(out, [float(t == 0), float(t == 1)]), batch_size=5, compile=True,
            progress=False)
    with pytest.raises(TypeError, match=r"fit\(compile\): expected True or False, got 'yes'"):
        fit(model, X, y, compile="yes", progress=False)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"X": [[1.0]], "y": [0]}, ValueError, r"the model takes 2 numbers per input, X\[0\] has 1"),
        ({"X": [], "y": []}, ValueError, "expected at least one training example, got an empty X"),
        ({"X": [[0.0, 1.0]], "y": [0, 1]}, ValueError, "same length, got 1 inputs and 2 labels"),
        ({"X": "ab", "y": [0]}, TypeError, r"fit\(X\): expected a list, got str"),
        ({"y": [0.5, 1.0]}, TypeError, r"expected int class labels, y\[0\] is 0.5 \(float\)"),
        ({"y": [0, 3]}, ValueError, r"cross_entropy expects labels in 0..1 \(one per output\), got \[3\]"),
        ({"loss": "hinge"}, ValueError, "hinge needs a model with one output, got 2"),
        ({"loss": "l1"}, ValueError, "expected one of cross_entropy, binary_cross_entropy, mse, hinge"),
        ({"optimizer": "rmsprop"}, ValueError, "expected an Optimizer or one of sgd, adam, got 'rmsprop'"),
        ({"epochs": 0}, ValueError, r"fit\(epochs\): expected a positive int, got 0"),
        ({"batch_size": 0}, ValueError, r"fit\(batch_size\): expected a positive int or None, got 0"),
        ({"reduction": "max"}, ValueError, "expected 'mean' or 'sum', got 'max'"),
        ({"on_divergence": "ignore"}, ValueError, "expected 'stop' or 'continue'"),
    ],
)
def test_fit_bad_input_is_a_clear_error(kwargs, error, message):
    args = {"X": [[0.0, 1.0], [1.0, 0.0]], "y": [0, 1], **kwargs}
    model = MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit(model, progress=False, epochs=kwargs.get("epochs", 2), **{k: v for k, v in args.items() if k != "epochs"})
    assert model.state_dict() == before


def test_fit_binary_loss_rejects_multiclass_labels():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"expects binary labels \(0/1 or -1/\+1\), got \[0, 2\]"):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [0, 2], loss="binary_cross_entropy", progress=False)


# --- held-out data: fit(validation=...) ----------------------------------------------------


def moons_split():
    X, y = make_moons(40, noise=0.1, seed=3)
    return X[:30], y[:30], X[30:], y[30:]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fit_validation_records_the_same_loss_without_l2_and_accuracy_each_epoch(reduction):
    X, y, X_val, y_val = moons_split()
    model = MLP(2, [6, 2], seed=0)
    seen = []

    measure = GraphStep.evaluate

    def after_each_epoch(step, *args):  # the parameters as each epoch left them, to recompute its validation numbers
        seen.append(model.state_dict())
        return measure(step, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GraphStep, "evaluate", after_each_epoch)
        history = fit(model, X, y, epochs=4, l2=0.5, reduction=reduction, validation=(X_val, y_val), progress=False)
    assert len(history.val_loss) == len(history.val_accuracy) == history.epochs == len(seen) == 4
    for state, val_loss, val_accuracy in zip(seen, history.val_loss, history.val_accuracy):
        again = MLP(2, [6, 2], seed=1)
        again.load_state_dict(state)
        per_example = [cross_entropy(again.logits(x), t).data for x, t in zip(X_val, y_val)]
        expected = sum(per_example) if reduction == "sum" else sum(per_example) / len(X_val)
        assert val_loss == pytest.approx(expected, rel=1e-12, abs=1e-15)  # no l2 term, though fit's objective has one
        assert val_accuracy == sum(again.predict(x) == t for x, t in zip(X_val, y_val)) / len(X_val)


def test_fit_validation_builds_no_graph_and_leaves_training_unchanged():
    X, y, X_val, y_val = moons_split()
    plain, held = MLP(2, [5, 2], seed=0), MLP(2, [5, 2], seed=0)
    history = fit(plain, X, y, epochs=3, progress=False)
    with_val = fit(held, X, y, epochs=3, progress=False, validation=(X_val, y_val))
    assert with_val.loss == history.loss and held.state_dict() == plain.state_dict()
    assert history.val_loss == [] and history.val_accuracy == []


def test_fit_validation_outputs_record_no_parents():
    X, y, X_val, y_val = moons_split()
    graphs = []

    def loss(outputs, target):  # a custom loss sees what fit built: a graph when training, bare Values when not
        graphs.append(outputs[0].parents != ())
        return mse(outputs, [float(target == 0), float(target == 1)])

    fit(MLP(2, [3, 2], seed=0), X, y, loss=loss, epochs=2, progress=False, validation=(X_val, y_val))
    assert graphs.count(False) == 2 * len(X_val) and graphs.count(True) == 2 * len(X)


def test_fit_validation_compiled_matches_the_graph():
    X, y, X_val, y_val = moons_split()
    graph = fit(MLP(2, [5, 2], seed=0), X, y, epochs=3, progress=False, validation=(X_val, y_val))
    compiled = fit(MLP(2, [5, 2], seed=0), X, y, epochs=3, progress=False, validation=(X_val, y_val), compile=True)
    assert compiled.val_loss == pytest.approx(graph.val_loss, rel=1e-12) and compiled.val_accuracy == graph.val_accuracy


def test_fit_validation_converts_binary_labels_like_the_training_labels():
    X, y, X_val, y_val = moons_split()
    history = fit(MLP(2, [5, 1], seed=0), X, y, loss="hinge", epochs=2, progress=False,
                  validation=(X_val, [1 if t == 1 else -1 for t in y_val]))
    same = fit(MLP(2, [5, 1], seed=0), X, y, loss="hinge", epochs=2, progress=False, validation=(X_val, y_val))
    assert history.val_loss == same.val_loss and history.val_accuracy == same.val_accuracy


def test_fit_validation_shows_on_the_progress_bar(capsys):
    X, y, X_val, y_val = moons_split()
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=2, validation=(X_val, y_val))
    err = capsys.readouterr().err
    assert "val_loss=" in err and "val_acc=" in err


def test_fit_history_exports_validation_columns_only_when_measured():
    plain = History(loss=[0.5, 0.25], accuracy=[0.5, 1.0])
    assert "val_loss" not in plain.to_dict() and plain.to_csv().splitlines()[0] == "epoch,loss,accuracy"
    held = History(loss=[0.5, 0.25], accuracy=[0.5, 1.0], val_loss=[0.75, 0.5], val_accuracy=[0.25, 0.75])
    assert held.to_dict()["val_loss"] == [0.75, 0.5] and held.to_dict()["val_accuracy"] == [0.25, 0.75]
    assert held.to_csv().splitlines() == ["epoch,loss,accuracy,val_loss,val_accuracy", "1,0.5,0.5,0.75,0.25",
                                          "2,0.25,1.0,0.5,0.75"]


def test_fit_validation_divergence_stops_with_every_list_the_same_length():
    X, y, X_val, y_val = moons_split()
    model = MLP(2, [4, 1], activation="linear", seed=0)
    with pytest.raises(DivergenceError, match=r"diverged at epoch \d+: the (validation )?loss is") as caught:
        fit(model, X, y, loss="mse", optimizer="sgd", lr=1e9, epochs=20, progress=False, validation=(X_val, y_val))
    h = caught.value.history
    assert len(h.loss) == len(h.accuracy) == len(h.val_loss) == len(h.val_accuracy)
    assert all(math.isfinite(v) for v in h.val_loss)


@pytest.mark.parametrize(
    "validation, error, message",
    [
        ([[0.0, 1.0]], TypeError, r"fit\(validation\): expected None or a pair \(X_val, y_val\), got \[\[0\.0, 1"),
        ("ab", TypeError, r"fit\(validation\): expected None or a pair \(X_val, y_val\), got 'ab' \(str\)"),
        (([], []), ValueError, "expected at least one validation example, got an empty X_val"),
        (([[0.0, 1.0]], [0, 1]), ValueError, "X_val and y_val must have the same length, got 1 inputs and 2 labels"),
        (([[0.0]], [0]), ValueError, r"fit\(X_val\): the model takes 2 numbers per input, X_val\[0\] has 1"),
        (([[0.0, math.nan]], [0]), ValueError, r"fit\(X_val\): expected finite numbers, got nan in X_val\[0\]"),
        (([[0.0, 1.0]], [0.5]), TypeError, r"fit\(y_val\): expected int class labels, y_val\[0\] is 0\.5"),
        (([[0.0, 1.0]], [2]), ValueError, r"fit\(y_val\): cross_entropy expects labels in 0..1 .*got \[2\]"),
    ],
)
def test_fit_validation_bad_input_is_a_clear_error(validation, error, message):
    model = MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1], epochs=1, progress=False, validation=validation)
    assert model.state_dict() == before


# --- one step: make_step and train_step, what fit's loop runs ---------------------------------------------------


@pytest.mark.parametrize("compile_step", [False, True])
def test_fit_is_train_step_over_each_epochs_batches(compile_step):
    X, y = make_moons(24, noise=0.1, seed=5)
    fitted, stepped = MLP(2, [6, 1], seed=0), MLP(2, [6, 1], seed=0)
    history = fit(fitted, X, y, loss="hinge", optimizer="sgd", lr=0.2, epochs=3, batch_size=10, l2=1e-3, seed=4,
                  progress=False, compile=compile_step)
    step = make_step(stepped, "hinge", penalty=Penalty("L2", 1e-3, stepped.parameters()), compile=compile_step)
    optimizer = SGD(stepped.parameters(), lr=0.2)
    targets, rng, losses = targets_for("hinge", y, 1), random.Random(4), []
    for _ in range(3):
        order = list(range(24))
        rng.shuffle(order)
        epoch = [train_step(step, optimizer, X, targets, order[k:k + 10])[1] for k in range(0, 24, 10)]
        losses.append(sum(sum(batch) for batch in epoch) / 24)
    assert stepped.state_dict() == fitted.state_dict() and losses == history.loss


def test_fit_compiled_on_arrays_is_train_step_on_the_values_bit_for_bit():
    """fit(compile=True) holds the parameters and Adam's buffers in arrays (the packed program's step, the update on
    arrays); train_step runs the same step on the Values: the same numbers, every epoch's and every parameter's."""
    X, y = make_spirals(45, classes=3, noise=0.1, seed=2)
    X_val, y_val = make_spirals(15, classes=3, noise=0.1, seed=3)
    fitted, stepped = MLP(2, [7, 3], seed=1), MLP(2, [7, 3], seed=1)
    fitted_adam = Adam(fitted.parameters(), lr=0.03)
    history = fit(fitted, X, y, optimizer=fitted_adam, epochs=4, batch_size=16, l2=1e-3, seed=6,
                  progress=False, compile=True, validation=(X_val, y_val))
    step = make_step(stepped, "cross_entropy", penalty=Penalty("L2", 1e-3, stepped.parameters()), compile=True)
    adam, rng, val_losses = Adam(stepped.parameters(), lr=0.03), random.Random(6), []
    for _ in range(4):
        order = list(range(45))
        rng.shuffle(order)
        for k in range(0, 45, 16):
            train_step(step, adam, X, y, order[k:k + 16])
        val_losses.append(step.evaluate(X_val, y_val)[0])
    assert stepped.state_dict() == fitted.state_dict() and adam.state_dict() == fitted_adam.state_dict()
    assert [p.grad for p in stepped.parameters()] == [p.grad for p in fitted.parameters()], "the last step's"
    assert history.val_loss == val_losses


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 1e6), ("adam", 1e160)])
def test_fit_compiled_on_arrays_goes_on_through_inf_and_nan_without_warnings(optimizer, lr):
    X, y = make_moons(30, noise=0.1, seed=0)
    targets = [float(t) for t in y]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        history = fit(MLP(2, [6, 1], activation="linear", seed=0), X, targets, loss="mse", optimizer=optimizer,
                      lr=lr, epochs=40, progress=False, compile=True, on_divergence="continue",
                      validation=(X[:5], targets[:5]))
    assert history.epochs == 40 and not all(math.isfinite(v) for v in history.loss)


def test_fit_compiled_with_an_optimizer_of_some_parameters_updates_only_those():
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [5, 2], seed=0)
    last = model.layers[-1]
    frozen = [p.data for p in model.layers[0].parameters()]
    fit(model, X, y, optimizer=SGD([*last.b, *(w for row in last.W for w in row)], lr=0.1), epochs=3,
        progress=False, compile=True)  # the optimizer's parameters, in its own order: not the step's array
    assert [p.data for p in model.layers[0].parameters()] == frozen
    assert any(p.grad != 0.0 for p in model.layers[0].parameters()), "every gradient computed, some not applied"


def test_fit_compiled_on_arrays_diverges_as_on_the_values(monkeypatch):
    X, y = make_moons(30, noise=0.1, seed=0)
    runs = []
    for on_arrays in (True, False):
        if not on_arrays:  # the update on the Values: fit's loop as train_step runs it
            monkeypatch.setattr(SGD, "updates_arrays", lambda self: False)
        model = MLP(2, [6, 1], activation="linear", seed=0)
        with pytest.raises(DivergenceError, match=r"training diverged at epoch \d+") as caught:
            fit(model, X, [float(t) for t in y], loss="mse", optimizer="sgd", lr=3.0, epochs=60, progress=False,
                compile=True, validation=(X[:5], [float(t) for t in y[:5]]))
        runs.append((caught.value.history.to_dict(), model.state_dict(), str(caught.value)))
    assert runs[0] == runs[1]
    assert all(math.isfinite(v) for v in runs[0][1].values()), "the last good parameters"


def test_train_step_gives_the_numbers_before_the_update_and_updates_like_a_hand_written_step():
    X, y = make_moons(10, noise=0.1, seed=1)
    model, by_hand = MLP(2, [4, 2], seed=3), MLP(2, [4, 2], seed=3)
    step = make_step(model, "cross_entropy", reduction="sum", penalty=Penalty("L1", 0.01, model.weights()))
    optimizer, hand_optimizer = Adam(model.parameters(), lr=0.1), Adam(by_hand.parameters(), lr=0.1)
    batch = [7, 2, 5]
    objective, per_example, outputs = train_step(step, optimizer, X, y, batch)
    per = [cross_entropy(by_hand.logits(X[i]), y[i]) for i in batch]
    hand = total(per) + 0.01 * sum_values([abs(w) for w in by_hand.weights()])
    assert (objective, per_example) == (hand.data, [v.data for v in per])
    assert outputs == [[v.data for v in by_hand.logits(X[i])] for i in batch]
    hand_optimizer.zero_grad()
    hand.backward()
    hand_optimizer.step()
    assert model.state_dict() == by_hand.state_dict() and optimizer.step_count == 1


def test_train_step_before_update_sees_the_objective_and_can_stop_the_update():
    X, y = make_moons(8, noise=0.1, seed=1)
    model = MLP(2, [3, 2], seed=0)
    optimizer = SGD(model.parameters(), lr=0.5)
    seen = []
    objective, _, _ = train_step(make_step(model), optimizer, X, y, [0, 1], before_update=seen.append)
    assert seen == [objective] and optimizer.step_count == 1
    before = model.state_dict()

    def stop(objective):
        raise FloatingPointError("no")

    with pytest.raises(FloatingPointError, match="no"):
        train_step(make_step(model), optimizer, X, y, [0, 1], before_update=stop)
    assert model.state_dict() == before and optimizer.step_count == 1


def test_make_step_picks_the_graph_the_batched_or_the_custom_compiled_step():
    model = MLP(2, [3, 1], output="sigmoid", seed=0)
    graph = make_step(model, "binary_cross_entropy")
    assert isinstance(graph, GraphStep) and graph.forward_fn == model.logits and graph.penalty is None
    assert make_step(model, "mse").forward_fn == model, "mse takes the outputs, not the logits"
    batched = make_step(model, "hinge", reduction="sum", compile=True)
    assert isinstance(batched, BatchedStep) and batched.reduction == "sum" and batched.n_outputs is None
    custom = make_step(model, lambda out, t: mse(out, t), compile=True)
    assert isinstance(custom, CompiledStep) and custom.graph_step.forward_fn == model


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"model": "net"}, TypeError, r"make_step\(model\): expected an nn Module \(an MLP, say\), got 'net' \(str\)"),
        ({"loss": "l1"}, ValueError, r"make_step\(loss\): expected one of cross_entropy, .* or a function, got 'l1'"),
        ({"loss": 3}, TypeError, r"make_step\(loss\): expected a loss name or a function, got 3"),
        ({"reduction": "max"}, ValueError, r"make_step\(reduction\): expected 'mean' or 'sum', got 'max'"),
        ({"penalty": "L2"}, TypeError, r"make_step\(penalty\): expected an nn.losses.Penalty or None, got 'L2'"),
        ({"penalty": Penalty("L2", 0.1, MLP(2, [2]).weights())}, ValueError,
         r"make_step\(penalty\): expected a penalty on the model's parameters, its parameter 0 is not one of them"),
        ({"compile": "yes"}, TypeError, r"make_step\(compile\): expected True or False, got 'yes'"),
    ],
)
def test_make_step_bad_input_is_a_clear_error(kwargs, error, message):
    args = {"model": MLP(2, [3, 2], seed=0), **kwargs}
    with pytest.raises(error, match=message):
        make_step(args.pop("model"), **args)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"step": "step"}, TypeError, r"train_step\(step\): expected a step of make_step, got 'step' \(str\)"),
        ({"optimizer": None}, TypeError, r"train_step\(optimizer\): expected an nn.optim Optimizer, got None"),
        ({"targets": [0]}, ValueError, r"train_step: expected a target per input, got 4 inputs and 1 targets"),
        ({"batch": []}, TypeError, r"train_step\(batch\): expected a non-empty list of example indices, got \[\]"),
        ({"batch": 2}, TypeError, r"train_step\(batch\): expected a non-empty list of example indices, got 2"),
        ({"batch": [1, 4]}, ValueError, r"train_step\(batch\): expected indices of the 4 examples \(0 to 3\), got 4"),
        ({"batch": [True]}, ValueError, r"expected indices of the 4 examples \(0 to 3\), got True"),
    ],
)
def test_train_step_bad_input_is_a_clear_error(change, error, message):
    model = MLP(2, [3, 2], seed=0)
    args = {"step": make_step(model), "optimizer": SGD(model.parameters(), lr=0.1), "inputs": [[0.0, 1.0]] * 4,
            "targets": [0, 1, 0, 1], "batch": [0, 1], **change}
    before = model.state_dict()
    with pytest.raises(error, match=message):
        train_step(args["step"], args["optimizer"], args["inputs"], args["targets"], args["batch"])
    assert model.state_dict() == before


def test_fit_l2_must_be_finite_and_not_negative():
    for bad in (-0.1, math.inf, math.nan):
        with pytest.raises(ValueError, match=r"fit\(l2\): expected a finite number >= 0, got"):
            fit(MLP(2, [3, 2], seed=0), [[0.0, 1.0]], [0], l2=bad, progress=False)
