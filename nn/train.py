"""Training: one step on a mini-batch (``make_step``, ``train_step``), and ``fit``, epochs of them with a progress bar.

    step = make_step(model, "cross_entropy", penalty=Penalty("L2", 1e-3, model.weights()), compile=True)
    objective, losses, outputs = train_step(step, optimizer, X, targets, batch)   # batch: indices into X
    history = fit(model, X, y, epochs=50)                  # the same step, over every batch of every epoch

A step: forward every example of the batch, combine the per-example losses, add the penalty, zero the
gradients, backward, and let the optimizer update the parameters. ``fit`` checks its arguments, makes the
step (``make_step``'s), runs it over the batches of each epoch (``train_step``), measures the held-out data
and stops when the loss is no longer finite.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from engine import Value, no_grad, paused_gc
from engine.value import describe, to_float
from nn import losses
from nn.compiled_step import ArrayRun, BatchedStep, CompiledStep
from nn.losses import Penalty
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.step import Forward, GraphStep, LossFn, Step, StepNumbers

#: Named optimizers for ``fit(optimizer="adam")`` and their default learning rates.
OPTIMIZERS: dict[str, tuple[type[Optimizer], float]] = {"sgd": (SGD, 0.1), "adam": (Adam, 0.01)}

#: Losses whose first argument is the logits (a step feeds them ``model.logits(x)`` where it exists).
TAKES_LOGITS = ("cross_entropy", "binary_cross_entropy", "hinge")

#: The values of ``reduction``: how a step combines the examples' losses (``"sum"``: the lecture's total loss).
REDUCTIONS = ("mean", "sum")


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch: the loss (combined by ``reduction``) and the accuracy; with
    ``fit(validation=...)`` also the loss and accuracy on the held-out data (``val_loss``, ``val_accuracy``),
    empty lists without it."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)

    def _columns(self) -> dict[str, list[float]]:
        """The lists per epoch by name: the validation ones only when there are some."""
        columns = {"loss": self.loss, "accuracy": self.accuracy}
        if self.val_loss or self.val_accuracy:
            columns.update(val_loss=self.val_loss, val_accuracy=self.val_accuracy)
        return columns

    def to_dict(self) -> dict[str, list[Any]]:
        """``{"epoch": [1, 2, …], "loss": […], "accuracy": […]}``, JSON-able; ``"val_loss"`` and
        ``"val_accuracy"`` too when validation was measured (absent, not empty, without it)."""
        return {"epoch": list(range(1, self.epochs + 1)), **{k: list(v) for k, v in self._columns().items()}}

    def to_csv(self) -> str:
        """The history as CSV text: ``epoch,loss,accuracy`` (then ``,val_loss,val_accuracy`` when validation
        was measured) and one row per epoch."""
        columns = self._columns()
        rows = [",".join(["epoch", *columns])]
        rows += [",".join([str(e), *(repr(v) for v in values)])
                 for e, values in enumerate(zip(*columns.values()), start=1)]
        return "\n".join(rows) + "\n"


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss; ``.history`` holds the epochs before it."""

    def __init__(self, message: str, history: History) -> None:
        """The error, with the history of the epochs before it."""
        super().__init__(message)
        self.history = history


def _as_list(data: object, name: str) -> list[Any]:
    """``data`` as a list; a TypeError naming the argument when it is no sequence (or a string)."""
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(f"fit({name}): expected a list, got {type(data).__name__}")
    return list(data)


def _check_data(
    model: Module, X_in: object, y_in: object, names: tuple[str, str] = ("X", "y"), kind: str = "training"
) -> tuple[list[Sequence[float]], list[Any]]:
    """``X_in`` and ``y_in`` as lists, checked against each other and the model; errors name them by ``names``."""
    xn, yn = names
    X, y = _as_list(X_in, xn), _as_list(y_in, yn)
    if not X:
        raise ValueError(f"fit: expected at least one {kind} example, got an empty {xn}")
    if len(X) != len(y):
        raise ValueError(f"fit: {xn} and {yn} must have the same length, got {len(X)} inputs and {len(y)} labels")
    nin = getattr(model, "nin", None)
    for i, x in enumerate(X):
        if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
            raise TypeError(f"fit({xn}): expected each input to be a list of numbers, {xn}[{i}] is {x!r}")
        if nin is not None and len(x) != nin:
            raise ValueError(f"fit({xn}): the model takes {nin} numbers per input, {xn}[{i}] has {len(x)}")
        for v in x:
            if not math.isfinite(to_float(v, f"fit({xn}[{i}])")):
                raise ValueError(f"fit({xn}): expected finite numbers, got {v!r} in {xn}[{i}]")
    return X, y


def _check_validation(model: Module, validation: object) -> tuple[list[Sequence[float]], list[Any]] | None:
    """``fit``'s ``validation``: None, or a pair ``(X_val, y_val)`` checked like the training data."""
    if validation is None:
        return None
    if isinstance(validation, (str, bytes)) or not isinstance(validation, Sequence) or len(validation) != 2:
        raise TypeError(f"fit(validation): expected None or a pair (X_val, y_val), got {describe(validation)}")
    return _check_data(model, validation[0], validation[1], ("X_val", "y_val"), "validation")


def _class_labels(y: list[Any], name: str) -> list[int]:
    """``y`` as int class labels; a TypeError naming the first that is not an int."""
    for i, t in enumerate(y):
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise TypeError(f"fit({name}): expected int class labels, {name}[{i}] is {t!r} ({type(t).__name__})")
    return [int(t) for t in y]


def targets_for(loss: str, y: list[Any], nout: int, name: str = "y") -> list[Any]:
    """The labels in the form ``loss`` takes: 0..k-1 for cross entropy, 0/1 for BCE, ±1 for hinge (errors call
    the labels ``name``)."""
    if loss == "mse":  # one-hot class labels for several outputs, plain numbers for one
        if nout > 1:
            return [[float(i == t) for i in range(nout)] for t in _class_labels(y, name)]
        return [to_float(t, f"fit({name}[{i}])") for i, t in enumerate(y)]
    labels = _class_labels(y, name)
    kinds = set(labels)
    if loss == "cross_entropy":
        if nout < 2:
            raise ValueError("fit: cross_entropy needs a model with 2 or more outputs (one logit per class), got 1")
        bad = sorted(k for k in kinds if not 0 <= k < nout)
        if bad:
            raise ValueError(f"fit({name}): cross_entropy expects labels in 0..{nout - 1} (one per output), "
                             f"got {bad[:5]}")
        return labels
    if nout != 1:
        raise ValueError(f"fit: {loss} needs a model with one output, got {nout}")
    if not (kinds <= {0, 1} or kinds <= {-1, 1}):
        raise ValueError(f"fit({name}): {loss} expects binary labels (0/1 or -1/+1), got {sorted(kinds)[:5]}")
    if loss == "hinge":
        return [1 if t == 1 else -1 for t in labels]
    return [1 if t == 1 else 0 for t in labels]


def _correct(scores: list[float], target: Any, loss: str) -> bool:
    """Whether ``scores`` give ``target``'s class: the largest output, or for one output its side of 0."""
    if len(scores) > 1:
        guess = max(range(len(scores)), key=scores.__getitem__)
        return bool(guess == (target if isinstance(target, int) else max(range(len(target)), key=target.__getitem__)))
    s = scores[0]
    if loss == "mse":  # a class label as a number: right when the output rounds to it
        return math.isfinite(s) and bool(round(s) == target)
    return (s > 0.0) == bool(target == 1)


def _make_optimizer(optimizer: object, lr: float | None, params: list[Value]) -> Optimizer:
    """``optimizer`` itself, or the named one of ``OPTIMIZERS`` on ``params`` at ``lr`` (or its default)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        cls, default_lr = OPTIMIZERS[optimizer]
        return cls(params, lr=default_lr if lr is None else lr)
    raise ValueError(f"fit(optimizer): expected an Optimizer or one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")


def _batches(n: int, batch_size: int | None, rng: random.Random) -> Iterator[list[int]]:
    """The batches of one epoch: every index at once, or the indices shuffled by ``rng`` in ``batch_size`` slices."""
    if batch_size is None or batch_size >= n:
        yield list(range(n))
        return
    order = list(range(n))
    rng.shuffle(order)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | LossFn = "cross_entropy",
    optimizer: Optimizer | str = "adam",
    epochs: int = 100,
    batch_size: int | None = None,
    progress: bool = True,
    *,
    lr: float | None = None,
    reduction: str = "mean",
    l2: float = 0.0,
    seed: int = 0,
    on_divergence: str = "stop",
    compile: bool = False,  # noqa: A002 - the name the design gives it
    validation: tuple[Sequence[Sequence[float]], Sequence[Any]] | None = None,
) -> History:
    """Train ``model`` on ``(X, y)``; returns the loss and accuracy of every epoch.

    Each step (``make_step``'s, run by ``train_step``): forward every example of the batch, combine the
    per-example losses by ``reduction`` (``"sum"``: the lecture's total loss; ``"mean"``), add ``l2 · Σ p²``
    over every parameter (``Penalty("L2", l2, model.parameters())``), zero the gradients, backward, and let
    the optimizer update the parameters. ``loss`` is a name from ``nn.losses``
    (labels are converted: 0/1 or ±1 for the binary losses) or a function ``(outputs, target) -> Value``.
    ``optimizer`` is an Optimizer, or ``"sgd"``/``"adam"`` with ``lr``. ``batch_size=None`` is full batch.
    A non-finite loss raises ``DivergenceError`` naming the epoch (``on_divergence="continue"`` goes on).
    ``compile=True`` traces the step once (``engine.compile``) and runs it on numbers: for a built-in loss, one
    example's forward pass and loss, run over each batch of any size (``nn.compiled_step.BatchedStep``: with numpy,
    the packed program, each layer a matrix product, the parameters and the optimizer's update held in arrays
    for the run (SGD, Adam); else a Python loop), its losses, gradients and updates equal to the graph's to
    rounding (1e-12 relative) and many times faster; for a custom loss, the whole batch's graph, bit for bit
    (full batch only).

    ``validation=(X_val, y_val)``: held-out data, measured after each epoch's last update into
    ``History.val_loss`` and ``History.val_accuracy`` (and shown on the progress bar). Its loss is the
    training loss's: the same loss function and ``reduction`` over the held-out examples, without the
    ``l2`` penalty; it is computed under ``no_grad()`` (with ``compile=True`` and a built-in loss, by the
    compiled example), so no graph is built and no gradient touched. A non-finite validation loss is a divergence
    too (the epoch is then not recorded).
    """
    l2 = _check_options(on_divergence, reduction, epochs, batch_size, l2)
    xs, labels = _check_data(model, X, y)
    held_out = _check_validation(model, validation)
    params = model.parameters()
    with no_grad():
        nout = len(model([float(v) for v in xs[0]]))
    loss_fn, name = _loss_fn(loss, "fit")
    targets = labels if name == "custom" else targets_for(name, labels, nout)
    if held_out is not None and name != "custom":
        held_out = held_out[0], targets_for(name, held_out[1], nout, "y_val")
    opt = _make_optimizer(optimizer, lr, params)
    _check_fit_compile(compile, name, batch_size, len(xs))
    penalty = Penalty("L2", l2, params) if l2 else None
    step = _build_step(model, params, loss_fn, name, nout, reduction, penalty, compile)
    on_arrays = (isinstance(step, BatchedStep) and step.packed() and opt.updates_arrays()
                 and list(map(id, opt.params)) == list(map(id, params)))  # the array holds the step's parameters
    run = (_ArrayRun if on_arrays else _Run)(step, opt, params, xs, targets, name, reduction, on_divergence, held_out)
    return run.train(epochs, batch_size, random.Random(seed), progress)


def _check_options(on_divergence: object, reduction: object, epochs: object, batch_size: object, l2: object) -> float:
    """``fit``'s settings checked, in the order of its signature's keywords; ``l2`` as a float."""
    if on_divergence not in ("stop", "continue"):
        raise ValueError(f"fit(on_divergence): expected 'stop' or 'continue', got {on_divergence!r}")
    _check_reduction(reduction, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit(epochs): expected a positive int, got {epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"fit(batch_size): expected a positive int or None, got {batch_size!r}")
    rate = to_float(l2, "fit(l2)")
    if not (rate >= 0.0 and math.isfinite(rate)):
        raise ValueError(f"fit(l2): expected a finite number >= 0, got {l2!r}")
    return rate


def _check_fit_compile(compile: object, loss: str, batch_size: int | None, n: int) -> None:  # noqa: A002
    """``fit``'s ``compile`` checked: True or False, and no mini-batches for a custom loss compiled, each of which
    would be a graph of its own to compile."""
    _check_compile(compile, "fit")
    if compile and loss == "custom" and batch_size is not None and batch_size < n:
        raise ValueError(
            f"fit(compile=True): a custom loss takes the labels as they are, so they are part of the graph and "
            f"every mini-batch of {batch_size} would be a new graph to compile; use batch_size=None (full batch), "
            "a built-in loss, or compile=False"
        )


@dataclass
class _Run:
    """One ``fit``: its step, optimizer and data, the epoch it is in, and what it has measured so far."""

    step: Step
    optimizer: Optimizer
    params: list[Value]
    xs: list[Sequence[float]]
    targets: list[Any]
    loss: str
    reduction: str
    on_divergence: str
    held_out: tuple[list[Sequence[float]], list[Any]] | None
    history: History = field(default_factory=History)
    epoch: int = 0
    #: the parameters before the last step whose loss was finite: where a divergence puts them back
    last_good: list[float] = field(default_factory=list)

    def train(self, epochs: int, batch_size: int | None, rng: random.Random, progress: bool) -> History:
        """``epochs`` passes over the training data in batches of ``batch_size`` shuffled by ``rng``; the history."""
        self.last_good = [p.data for p in self.params]
        bar = _progress_bar(epochs) if progress else None
        try:
            for self.epoch in range(1, epochs + 1):
                loss_sum, correct = self._epoch(_batches(len(self.xs), batch_size, rng), bar)
                self._record(loss_sum, correct, bar)
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _epoch(self, batches: Iterator[list[int]], bar: Any) -> tuple[float, int]:
        """One step per batch: the sum of the examples' losses and how many examples the model got right."""
        loss_sum, correct = 0.0, 0
        for batch in batches:
            compiling = bar is not None and self.step.will_compile(batch)
            if compiling:  # tracing and compiling take seconds, once: say so
                bar.set_description("compiling the step")
            _, per_example, outputs = train_step(self.step, self.optimizer, self.xs, self.targets, batch,
                                                 before_update=self._before_update)
            if compiling:
                bar.set_description("training", refresh=False)
            correct += sum(_correct(out, self.targets[i], self.loss) for out, i in zip(outputs, batch))
            loss_sum += sum(per_example)
        return loss_sum, correct

    def _before_update(self, objective: float) -> None:
        """Between a step's forward pass and its update: a non-finite objective is a divergence (``_check``); a
        finite one makes the parameters as they are the last good ones."""
        self._check(objective)
        if math.isfinite(objective):
            self.last_good = [p.data for p in self.params]

    def _check(self, loss: float, what: str = "loss") -> None:
        """``_check_finite`` for this run: a DivergenceError, with the parameters put back, for a non-finite loss."""
        _check_finite(loss, self.params, self.last_good, self.epoch, self.on_divergence, self.history, what)

    def _held_out_accuracy(self) -> tuple[float, float]:
        """The loss and the accuracy on the held-out data."""
        assert self.held_out is not None  # asked for
        val_loss, outputs = self.step.evaluate(*self.held_out)
        return val_loss, _accuracy(outputs, self.held_out[1], self.loss)

    def _record(self, loss_sum: float, correct: int, bar: Any) -> None:
        """The epoch's loss and accuracy into the history, after the held-out data's (measured first, so that every
        list has its entry when it diverges), and onto the progress bar."""
        history, n = self.history, len(self.xs)
        if self.held_out is not None:
            val_loss, val_accuracy = self._held_out_accuracy()
            self._check(val_loss, "validation loss")
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
        history.loss.append(loss_sum if self.reduction == "sum" else loss_sum / n)
        history.accuracy.append(correct / n)
        shown = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.3f}"}
        if self.held_out is not None:
            shown.update(val_loss=f"{history.val_loss[-1]:.4f}", val_acc=f"{history.val_accuracy[-1]:.3f}")
        if bar is not None:
            bar.set_postfix(shown, refresh=False)
            bar.update(1)


class _ArrayRun(_Run):
    """``_Run`` on arrays (``nn.compiled_step.ArrayRun``: the packed program's step and the optimizer's update on the
    parameters held in an array for the whole run, written back to the Values when it ends, however it ends): the
    same steps, the same numbers to rounding."""

    arrays: ArrayRun | None = None

    def train(self, epochs: int, batch_size: int | None, rng: random.Random, progress: bool) -> History:
        """``_Run.train``, the parameters in arrays meanwhile (from the first epoch on)."""
        try:
            return super().train(epochs, batch_size, rng, progress)
        finally:
            if self.arrays is not None:
                self.arrays.close()

    def _start(self, bar: Any) -> ArrayRun:
        """The run's arrays, the example traced and compiled first (saying so on the bar: it takes a while, once)."""
        compiling = bar is not None and self.step.will_compile([0])
        if compiling:
            bar.set_description("compiling the step")
        self.arrays = ArrayRun(cast(BatchedStep, self.step), self.optimizer, self.xs, self.targets)
        self.classes = self.arrays.array([_target_class(t) for t in self.targets])
        if compiling:
            bar.set_description("training", refresh=False)
        return self.arrays

    def _epoch(self, batches: Iterator[list[int]], bar: Any) -> tuple[float, int]:
        """One step per batch on arrays: the sum of the examples' losses and how many the model got right."""
        arrays = self.arrays or self._start(bar)
        loss_sum, correct = 0.0, 0
        for batch in batches:
            objective, per_example, outputs = arrays.forward(batch)
            self._before_update(objective)
            arrays.update()
            correct += _count_correct(outputs, self.classes[batch], self._target_in(batch), self.loss)
            loss_sum += sum(per_example.tolist())  # left to right, as _Run adds them
        return loss_sum, correct

    def _target_in(self, batch: list[int]) -> Callable[[int], Any]:
        """The target of the example at position i of ``batch``."""
        return lambda i: self.targets[batch[i]]

    def _before_update(self, objective: float) -> None:
        """``_Run._before_update`` on the arrays."""
        assert self.arrays is not None  # started
        self._check(objective)
        if math.isfinite(objective):
            self.arrays.keep()

    def _check(self, loss: float, what: str = "loss") -> None:
        """``_Run._check``, the parameters in the array put back (the Values get them when the run ends)."""
        if not math.isfinite(loss) and self.on_divergence == "stop" and self.arrays is not None:
            self.arrays.restore()
        _check_finite(loss, [], [], self.epoch, self.on_divergence, self.history, what)

    def _held_out_accuracy(self) -> tuple[float, float]:
        """The loss and the accuracy on the held-out data, at the parameters in the array."""
        assert self.held_out is not None and self.arrays is not None  # asked for, started
        X_val, y_val = self.held_out
        val_loss, outputs = self.arrays.evaluate(X_val, y_val)
        classes = self.arrays.array([_target_class(t) for t in y_val])
        return val_loss, _count_correct(outputs, classes, y_val.__getitem__, self.loss) / len(y_val)


def _target_class(target: Any) -> float:
    """A target as one number: a one-hot list's class (the first largest), else the target itself."""
    if isinstance(target, (list, tuple)):
        return float(max(range(len(target)), key=target.__getitem__))
    return float(target)


def _count_correct(outputs: Any, classes: Any, target: Callable[[int], Any], loss: str) -> int:
    """How many rows of ``outputs`` (an array, one row per example) give their target's class, as ``_correct`` says:
    ``classes`` holds each target as ``_target_class`` gives it (an array), ``target(i)`` is row i's target."""
    if outputs.shape[1] > 1:
        right = outputs.argmax(1) == classes
        for i in (outputs != outputs).any(1).nonzero()[0].tolist():  # nan: numpy's argmax picks it, max() does not
            right[i] = _correct(outputs[i].tolist(), target(i), loss)
    elif loss == "mse":
        right = (abs(outputs[:, 0]) < math.inf) & (outputs[:, 0].round() == classes)
    else:
        right = (outputs[:, 0] > 0.0) == (classes == 1.0)
    return int(right.sum())


def _accuracy(outputs: list[list[float]], targets: Sequence[Any], loss: str) -> float:
    """The fraction of the examples whose ``outputs`` give their target's class (``_correct``)."""
    return sum(_correct(out, t, loss) for out, t in zip(outputs, targets)) / len(outputs)


def evaluate(
    forward: Forward,
    loss_fn: LossFn,
    inputs: Sequence[Sequence[Any]],
    targets: Sequence[Any],
    name: str,
    reduction: str,
) -> tuple[float, float]:
    """The loss (each example's ``loss_fn``, combined by ``reduction``; no penalty) and the accuracy of ``forward``
    on ``(inputs, targets)``, computed under ``no_grad()`` (``GraphStep.evaluate``): no graph is kept."""
    loss, outputs = GraphStep(forward, loss_fn, reduction).evaluate(inputs, targets)
    return loss, _accuracy(outputs, targets, name)


def _check_finite(
    loss: float,
    params: list[Value],
    last_good: list[float],
    epoch: int,
    on_divergence: str,
    history: History,
    what: str = "loss",
) -> None:
    """DivergenceError for a non-finite loss (``what``: the training loss, or the validation loss after the
    epoch's updates; unless ``on_divergence="continue"``), with the parameters put back to the last ones whose
    training loss was finite."""
    if math.isfinite(loss) or on_divergence != "stop":
        return
    for p, v in zip(params, last_good):
        p.data = v
    raise DivergenceError(
        f"training diverged at epoch {epoch}: the {what} is {loss!r} "
        f"(lower the learning rate, or pass on_divergence='continue'); "
        f"the parameters are back to the last ones whose loss was finite",
        history,
    )


# ---------------------------------------------------------------------------------------------
# one step


def make_step(
    model: Module,
    loss: str | LossFn = "cross_entropy",
    *,
    reduction: str = "mean",
    penalty: Penalty | None = None,
    compile: bool = False,  # noqa: A002 - fit's name for it
) -> Step:
    """The training step of ``model`` for ``loss``, which ``train_step`` runs on each mini-batch.

    ``loss`` is a name of ``nn.losses.LOSSES`` (fed ``model.logits(x)`` for those on logits, ``TAKES_LOGITS``,
    else ``model(x)``; its targets in the form ``targets_for`` gives them) or a function ``(outputs, target) ->
    Value`` fed ``model(x)``. The objective is the examples' losses combined by ``reduction`` (``"mean"``, or
    ``"sum"``: the lecture's total loss) plus ``penalty``, an ``nn.losses.Penalty`` over some of the model's
    parameters (None: nothing; the step's ``penalty`` may be replaced between steps).

    ``compile=False``: the step on the graph (``nn.step.GraphStep``), bit for bit ``fit``'s. ``compile=True``: for
    a built-in loss, one example's graph compiled at the first step and run over each batch of any size
    (``nn.compiled_step.BatchedStep``: the graph's numbers to rounding, 1e-12 relative, many times faster); for
    a custom loss, each batch's whole graph compiled (``CompiledStep``: bit for bit, once per distinct batch, so
    for full batches only).
    """
    what = "make_step"
    if not isinstance(model, Module):
        raise TypeError(f"{what}(model): expected an nn Module (an MLP, say), got {describe(model)}")
    loss_fn, name = _loss_fn(loss, what)
    _check_reduction(reduction, what)
    params = model.parameters()
    if penalty is not None:
        if not isinstance(penalty, Penalty):
            raise TypeError(f"{what}(penalty): expected an nn.losses.Penalty or None, got {describe(penalty)}")
        stray = penalty.first_outside(params)
        if stray is not None:
            raise ValueError(f"{what}(penalty): expected a penalty on the model's parameters, its parameter "
                             f"{stray} is not one of them")
    _check_compile(compile, what)
    return _build_step(model, params, loss_fn, name, None, reduction, penalty, compile)


def _build_step(model: Module, params: list[Value], loss_fn: LossFn, name: str, nout: int | None, reduction: str,
                penalty: Penalty | None, compile: bool) -> Step:  # noqa: A002 - fit's name for it
    """The step ``make_step`` describes, for checked arguments (``name`` is ``"custom"`` for a loss function;
    ``nout``, the model's number of outputs, None when not known yet)."""
    forward: Forward = model
    if name in TAKES_LOGITS:
        forward = getattr(model, "logits", forward)
    if compile and name != "custom":  # one example compiled, run over each batch
        return BatchedStep(forward, loss_fn, params, name, nout, reduction, penalty)
    graph = GraphStep(forward, loss_fn, reduction, penalty)
    return CompiledStep(graph, params) if compile else graph


def train_step(
    step: Step,
    optimizer: Optimizer,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Any],
    batch: Sequence[int],
    *,
    before_update: Callable[[float], None] | None = None,
) -> StepNumbers:
    """One step on the mini-batch ``batch`` (indices into ``inputs`` and ``targets``, all the training examples):
    ``step.forward`` on its examples, then ``optimizer.zero_grad()``, ``step.backward()`` and ``optimizer.step()``,
    with Python's cyclic collector paused (``engine.paused_gc``: a step's graph has no cycles, refcounting frees
    it). Returns the forward pass's numbers, from before the update: ``(objective, each example's loss, each
    example's outputs)``.

    ``before_update(objective)``, when given, runs between the forward pass and the update; what it raises ends
    the step with the parameters untouched (``fit`` stops there when the loss is not finite).
    """
    _check_step_arguments(step, optimizer, inputs, targets, batch)
    with paused_gc():
        numbers = step.forward([inputs[i] for i in batch], [targets[i] for i in batch], batch)
        if before_update is not None:
            before_update(numbers[0])
        optimizer.zero_grad()
        step.backward()
        optimizer.step()
    return numbers


def _check_step_arguments(step: object, optimizer: object, inputs: Sequence[Sequence[float]], targets: Sequence[Any],
                          batch: object) -> None:
    """``train_step``'s arguments checked: a step, an optimizer, as many targets as inputs, a batch of indices."""
    what = "train_step"
    if not isinstance(step, Step):
        raise TypeError(f"{what}(step): expected a step of make_step, got {describe(step)}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{what}(optimizer): expected an nn.optim Optimizer, got {describe(optimizer)}")
    if len(inputs) != len(targets):
        raise ValueError(f"{what}: expected a target per input, got {len(inputs)} inputs and {len(targets)} targets")
    if isinstance(batch, (str, bytes)) or not isinstance(batch, Sequence) or not batch:
        raise TypeError(f"{what}(batch): expected a non-empty list of example indices, got {describe(batch)}")
    bad = [i for i in batch if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(inputs)]
    if bad:
        raise ValueError(f"{what}(batch): expected indices of the {len(inputs)} examples (0 to {len(inputs) - 1}), "
                         f"got {bad[0]!r}")


def _loss_fn(loss: object, what: str) -> tuple[LossFn, str]:
    """The loss function and its name (``"custom"`` for a function of one's own) of a loss name or function."""
    if isinstance(loss, str):
        if loss not in losses.LOSSES:
            raise ValueError(f"{what}(loss): expected one of {', '.join(losses.LOSSES)} or a function, got {loss!r}")
        return losses.LOSSES[loss], loss
    if callable(loss):
        return loss, "custom"
    raise TypeError(f"{what}(loss): expected a loss name or a function, got {loss!r}")


def _check_reduction(reduction: object, what: str) -> None:
    """Nothing when ``reduction`` is one of ``REDUCTIONS``; else a ValueError naming ``what``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{what}(reduction): expected 'mean' or 'sum', got {reduction!r}")


def _check_compile(compile: object, what: str) -> None:  # noqa: A002 - fit's name for it
    """Nothing when ``compile`` is True or False; else a TypeError naming ``what``."""
    if not isinstance(compile, bool):
        raise TypeError(f"{what}(compile): expected True or False, got {compile!r}")


def _progress_bar(epochs: int) -> Any:
    """A tqdm bar on stderr counting ``epochs``."""
    from tqdm import tqdm  # the one package nn uses beyond engine, for the progress bar only

    return tqdm(total=epochs, desc="training", unit="epoch", file=sys.stderr, dynamic_ncols=True)
