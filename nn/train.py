"""``fit``: the training loop — forward over the data, the loss, backward, an optimizer step — with a progress bar."""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine import Value, no_grad, paused_gc
from engine.value import describe, to_float
from nn import losses
from nn.compiled_step import BatchedStep, CompiledStep, StepGraph
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer

#: Named optimizers for ``fit(optimizer="adam")`` and their default learning rates.
OPTIMIZERS: dict[str, tuple[type[Optimizer], float]] = {"sgd": (SGD, 0.1), "adam": (Adam, 0.01)}

#: Losses whose first argument is the logits (so ``fit`` feeds them ``model.logits(x)`` where it exists).
TAKES_LOGITS = ("cross_entropy", "binary_cross_entropy", "hinge")

LossFn = Callable[[list[Value], Any], Value]


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
        super().__init__(message)
        self.history = history


def _as_list(data: object, name: str) -> list[Any]:
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
    if len(scores) > 1:
        guess = max(range(len(scores)), key=scores.__getitem__)
        return bool(guess == (target if isinstance(target, int) else max(range(len(target)), key=target.__getitem__)))
    s = scores[0]
    if loss == "mse":  # a class label as a number: right when the output rounds to it
        return math.isfinite(s) and bool(round(s) == target)
    return (s > 0.0) == bool(target == 1)


def _make_optimizer(optimizer: object, lr: float | None, params: list[Value]) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        cls, default_lr = OPTIMIZERS[optimizer]
        return cls(params, lr=default_lr if lr is None else lr)
    raise ValueError(f"fit(optimizer): expected an Optimizer or one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")


def _batches(n: int, batch_size: int | None, rng: random.Random) -> Iterator[list[int]]:
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

    Each step: forward every example of the batch, combine the per-example losses by ``reduction``
    (``"sum"``: the lecture's total loss; ``"mean"``), add ``l2 · Σ p²``, zero the gradients,
    backward, and let the optimizer update the parameters. ``loss`` is a name from ``nn.losses``
    (labels are converted: 0/1 or ±1 for the binary losses) or a function ``(outputs, target) -> Value``.
    ``optimizer`` is an Optimizer, or ``"sgd"``/``"adam"`` with ``lr``. ``batch_size=None`` is full batch.
    A non-finite loss raises ``DivergenceError`` naming the epoch (``on_divergence="continue"`` goes on).
    ``compile=True`` traces the step once (``engine.compile``) and runs it on numbers: for a built-in loss, one
    example's forward pass and loss, run over each batch of any size (numpy when it is installed, else a Python
    loop; ``nn.compiled_step.BatchedStep``), its losses, gradients and updates equal to the graph's to rounding
    (1e-12 relative) and many times faster; for a custom loss, the whole batch's graph, bit for bit (full
    batch only).

    ``validation=(X_val, y_val)``: held-out data, measured after each epoch's last update into
    ``History.val_loss`` and ``History.val_accuracy`` (and shown on the progress bar). Its loss is the
    training loss's: the same loss function and ``reduction`` over the held-out examples, without the
    ``l2`` penalty; it is computed under ``no_grad()`` (with ``compile=True`` and a built-in loss, by the
    compiled example), so no graph is built and no gradient touched. A non-finite validation loss is a divergence
    too (the epoch is then not recorded).
    """
    if on_divergence not in ("stop", "continue"):
        raise ValueError(f"fit(on_divergence): expected 'stop' or 'continue', got {on_divergence!r}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"fit(reduction): expected 'mean' or 'sum', got {reduction!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit(epochs): expected a positive int, got {epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"fit(batch_size): expected a positive int or None, got {batch_size!r}")
    if not to_float(l2, "fit(l2)") >= 0.0:
        raise ValueError(f"fit(l2): expected a number >= 0, got {l2!r}")
    xs, labels = _check_data(model, X, y)
    held_out = _check_validation(model, validation)
    params = model.parameters()
    with no_grad():
        nout = len(model([float(v) for v in xs[0]]))
    if isinstance(loss, str):
        if loss not in losses.LOSSES:
            raise ValueError(f"fit(loss): expected one of {', '.join(losses.LOSSES)} or a function, got {loss!r}")
        loss_fn: LossFn = losses.LOSSES[loss]
        targets = targets_for(loss, labels, nout)
        name = loss
    elif callable(loss):
        loss_fn, targets, name = loss, labels, "custom"
    else:
        raise TypeError(f"fit(loss): expected a loss name or a function, got {loss!r}")
    if held_out is not None and name != "custom":
        held_out = held_out[0], targets_for(name, held_out[1], nout, "y_val")
    opt = _make_optimizer(optimizer, lr, params)
    forward: Callable[[Sequence[float]], list[Value]] = model
    if name in TAKES_LOGITS:
        forward = getattr(model, "logits", forward)

    def graph(inputs: Sequence[Sequence[Any]], batch_targets: Sequence[Any]) -> StepGraph:
        return step_graph(forward, loss_fn, inputs, batch_targets, params, reduction, l2)

    if not isinstance(compile, bool):
        raise TypeError(f"fit(compile): expected True or False, got {compile!r}")
    step: Step = GraphStep(graph)
    if compile and name != "custom":  # one example compiled, run over each batch
        step = BatchedStep(forward, loss_fn, params, name, nout, reduction, l2)
    elif compile:
        step = _custom_compiled_step(graph, params, batch_size, len(xs))

    def validate(inputs: list[Sequence[float]], held_targets: list[Any]) -> tuple[float, float]:
        """The held-out loss (no L2) and accuracy: by the compiled example when there is one, else on Values."""
        if not isinstance(step, BatchedStep):
            return evaluate(forward, loss_fn, inputs, held_targets, name, reduction)
        val_loss, outputs = step.evaluate(inputs, held_targets)
        return val_loss, sum(_correct(out, t, name) for out, t in zip(outputs, held_targets)) / len(inputs)

    rng = random.Random(seed)
    history = History()
    last_good = [p.data for p in params]
    bar = _progress_bar(epochs) if progress else None
    try:
        for epoch in range(1, epochs + 1):
            epoch_loss, correct = 0.0, 0
            for batch in _batches(len(xs), batch_size, rng):
                batch_targets = [targets[i] for i in batch]
                compiling = bar is not None and step.will_compile(batch)
                if compiling and bar is not None:  # tracing and compiling take seconds, once: say so
                    bar.set_description("compiling the step")
                with paused_gc():  # a step's graph has no cycles: refcounting frees it, no collector passes
                    objective, per_example, outputs = step.forward([xs[i] for i in batch], batch_targets, batch)
                    if compiling and bar is not None:
                        bar.set_description("training", refresh=False)
                    correct += sum(_correct(out, t, name) for out, t in zip(outputs, batch_targets))
                    epoch_loss += sum(per_example)
                    _check_finite(objective, params, last_good, epoch, on_divergence, history)
                    last_good = [p.data for p in params] if math.isfinite(objective) else last_good
                    opt.zero_grad()
                    step.backward()
                    opt.step()
            if held_out is not None:  # measured before the epoch is recorded, so that every list has its entry
                val_loss, val_accuracy = validate(*held_out)
                _check_finite(val_loss, params, last_good, epoch, on_divergence, history, "validation loss")
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_accuracy)
            history.loss.append(epoch_loss if reduction == "sum" else epoch_loss / len(xs))
            history.accuracy.append(correct / len(xs))
            shown = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.3f}"}
            if held_out is not None:
                shown.update(val_loss=f"{history.val_loss[-1]:.4f}", val_acc=f"{history.val_accuracy[-1]:.3f}")
            if bar is not None:
                bar.set_postfix(shown, refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate(
    forward: Callable[[Sequence[Any]], list[Value]],
    loss_fn: LossFn,
    inputs: Sequence[Sequence[Any]],
    targets: Sequence[Any],
    name: str,
    reduction: str,
) -> tuple[float, float]:
    """The loss (each example's ``loss_fn``, combined by ``reduction``; no L2) and the accuracy of ``forward`` on
    ``(inputs, targets)``, computed under ``no_grad()``: Values that record no parents, so no graph is kept."""
    total, correct = 0.0, 0
    with no_grad():
        for x, t in zip(inputs, targets):
            outputs = forward(x)
            total += loss_fn(outputs, t).data
            correct += _correct([v.data for v in outputs], t, name)
    return (total if reduction == "sum" else total / len(inputs)), correct / len(inputs)


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


def step_graph(
    forward: Callable[[Sequence[Any]], list[Value]],
    loss_fn: LossFn,
    inputs: Sequence[Sequence[Any]],
    targets: Sequence[Any],
    params: list[Value],
    reduction: str,
    l2: float,
) -> StepGraph:
    """One training step's graph: each example's outputs and loss, and the objective ``fit`` minimizes (the
    losses combined by ``reduction``, plus ``l2 · Σ p²``). Returns ``(objective, per-example losses, outputs)``."""
    outputs, per_example = [], []
    for x, t in zip(inputs, targets):
        outputs.append(forward(x))
        per_example.append(loss_fn(outputs[-1], t))
    return losses.objective(per_example, reduction, params, l2), per_example, outputs


class Step(Protocol):
    """A training step as ``fit`` runs it, on the graph or compiled: ``forward``, zeroed gradients, ``backward``."""

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True when ``forward`` for ``batch`` (its examples' indices) compiles first, which takes a while."""
        ...

    def forward(
        self, inputs: list[Sequence[float]], targets: list[Any], batch: Sequence[int]
    ) -> tuple[float, list[float], list[list[float]]]:
        """The objective, each example's loss and outputs for the examples ``batch``, whose inputs and targets
        are given."""
        ...

    def backward(self) -> None:
        """Each parameter's ``.grad`` (zeroed before) set to d(objective)/d(parameter) of the last ``forward``."""
        ...


class GraphStep:
    """The step on the graph: ``step_graph`` built on the batch's numbers, then ``backward()`` through it."""

    def __init__(self, graph: Callable[[Sequence[Sequence[Any]], Sequence[Any]], StepGraph]) -> None:
        self.graph = graph
        self._objective: Value | None = None

    def will_compile(self, batch: Sequence[int]) -> bool:
        """Never: nothing is compiled."""
        return False

    def forward(
        self, inputs: list[Sequence[float]], targets: list[Any], batch: Sequence[int]
    ) -> tuple[float, list[float], list[list[float]]]:
        """The batch's graph, kept until ``backward``; its objective, losses and outputs as numbers."""
        objective, per_example, outputs = self.graph(inputs, targets)
        self._objective = objective
        return objective.data, [v.data for v in per_example], [[v.data for v in out] for out in outputs]

    def backward(self) -> None:
        """The backward pass through the last ``forward``'s graph, which is then let go (refcounting frees it)."""
        if self._objective is None:
            raise RuntimeError("GraphStep.backward: expected a forward() first, got none since the last backward()")
        objective, self._objective = self._objective, None
        objective.backward()


def _custom_compiled_step(
    graph: Callable[[Sequence[Sequence[Any]], Sequence[Any]], StepGraph],
    params: list[Value],
    batch_size: int | None,
    n: int,
) -> CompiledStep:
    """The compiled step of a custom loss: the whole batch's graph; a ValueError for mini-batches, each of which
    would be a graph of its own to compile."""
    if batch_size is not None and batch_size < n:
        raise ValueError(
            f"fit(compile=True): a custom loss takes the labels as they are, so they are part of the graph and "
            f"every mini-batch of {batch_size} would be a new graph to compile; use batch_size=None (full batch), "
            "a built-in loss, or compile=False"
        )
    return CompiledStep(graph, params)


def _progress_bar(epochs: int) -> Any:
    from tqdm import tqdm  # the one package nn uses beyond engine, for the progress bar only

    return tqdm(total=epochs, desc="training", unit="epoch", file=sys.stderr, dynamic_ncols=True)
