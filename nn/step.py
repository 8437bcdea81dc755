"""A training step on one mini-batch, on the graph: the batch's Values built, then ``backward()`` through them.

A step computes the batch's objective — each example's loss on the model's outputs, combined by a
``reduction``, plus an optional ``nn.losses.Penalty`` — and sets each parameter's ``.grad`` to its gradient.
``Step`` is what every step does (this module's ``GraphStep``, and the compiled ones of ``nn.compiled_step``);
``nn.train.make_step`` picks one for a model and a loss, and ``nn.train.train_step`` runs it with an
optimizer: the one step that ``fit``'s loop and the playground both take.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from engine import Value, no_grad
from nn import losses
from nn.losses import Penalty

#: A loss: ``(outputs, target) -> Value`` (``nn.losses.LOSSES`` holds the built-in ones).
LossFn = Callable[[list[Value], Any], Value]

#: A forward pass: one example's inputs -> its outputs (``model.logits`` or the model itself).
Forward = Callable[[Sequence[Any]], list[Value]]

#: One training step's graph: the objective, each example's loss, each example's outputs.
StepGraph = tuple[Value, list[Value], list[list[Value]]]

#: What a step's ``forward`` gives, as numbers: the objective, each example's loss, each example's outputs.
StepNumbers = tuple[float, list[float], list[list[float]]]


@runtime_checkable
class Step(Protocol):
    """A training step, on the graph or compiled: ``forward`` on a batch, zeroed gradients, ``backward``.

    ``penalty`` (an ``nn.losses.Penalty`` or None) may be replaced between steps: the next ``forward`` adds the
    new one (a compiled step compiles the penalty again, not the examples).
    """

    penalty: Penalty | None

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True when ``forward`` for ``batch`` (its examples' indices) compiles first, which takes a while."""
        ...

    def forward(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any], batch: Sequence[int]) -> StepNumbers:
        """The objective, each example's loss and outputs for the examples ``batch``, whose inputs and targets
        are given."""
        ...

    def backward(self) -> None:
        """Each parameter's ``.grad`` (zeroed before) set to d(objective)/d(parameter) of the last ``forward``."""
        ...

    def evaluate(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[float, list[list[float]]]:
        """The loss on ``(inputs, targets)`` (each example's, combined by the step's reduction; no penalty) and each
        example's outputs, building no graph and touching no gradient."""
        ...


def step_graph(
    forward: Forward,
    loss_fn: LossFn,
    inputs: Sequence[Sequence[Any]],
    targets: Sequence[Any],
    reduction: str,
    penalty: Penalty | None,
) -> StepGraph:
    """One training step's graph: each example's outputs and loss, and the objective (``losses.penalized``: the
    losses combined by ``reduction``, plus the ``penalty``). Returns ``(objective, per-example losses, outputs)``."""
    outputs, per_example = [], []
    for x, t in zip(inputs, targets):
        outputs.append(forward(x))
        per_example.append(loss_fn(outputs[-1], t))
    return losses.penalized(per_example, reduction, penalty), per_example, outputs


class GraphStep:
    """The step on the graph: ``step_graph`` built on the batch's numbers, then ``backward()`` through it.

    ``forward`` is the model's forward pass (``model.logits`` for a loss on logits), ``loss_fn`` one example's
    loss, ``reduction`` ``"mean"`` or ``"sum"``, ``penalty`` what is added to the objective (None: nothing).
    """

    def __init__(self, forward: Forward, loss_fn: LossFn, reduction: str = "mean",
                 penalty: Penalty | None = None) -> None:
        """The step's parts; nothing is built before the first ``forward``."""
        self.forward_fn, self.loss_fn, self.reduction, self.penalty = forward, loss_fn, reduction, penalty
        self._objective: Value | None = None

    def will_compile(self, batch: Sequence[int]) -> bool:
        """Never: nothing is compiled."""
        return False

    def graph(self, inputs: Sequence[Sequence[Any]], targets: Sequence[Any]) -> StepGraph:
        """The batch's graph (``step_graph``) with this step's forward, loss, reduction and penalty."""
        return step_graph(self.forward_fn, self.loss_fn, inputs, targets, self.reduction, self.penalty)

    def forward(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any], batch: Sequence[int]) -> StepNumbers:
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

    def evaluate(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[float, list[list[float]]]:
        """The loss on ``(inputs, targets)`` (each example's ``loss_fn``, combined by ``reduction``; no penalty) and
        each example's outputs, under ``no_grad()``: Values that record no parents, so no graph is kept."""
        total, outputs = 0.0, []
        with no_grad():
            for x, t in zip(inputs, targets):
                out = self.forward_fn(x)
                total += self.loss_fn(out, t).data
                outputs.append([v.data for v in out])
        return (total if self.reduction == "sum" else total / len(inputs)), outputs
