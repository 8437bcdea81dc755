"""The compiled training steps (``make_step(..., compile=True)``): traced once with ``engine.compile``, run on numbers.

For a built-in loss (``BatchedStep``) one example's forward pass and loss are traced, with the parameters
as shared inputs and the example's inputs and targets as per-example inputs
(``engine.compile(..., per_example=...)``), and ``Compiled.batch`` runs that code over every batch, of any
size: numpy when it is installed (each line of the code over the batch axis), else a Python loop over the
examples. Its losses and gradients agree with the graph's to rounding (1e-12 relative): the sums over the
examples are added in another order. The penalty (``nn.losses.Penalty``, L1 or L2 over some of the
parameters), a function of the parameters alone, is compiled on its own and added; a new penalty is compiled
again, the example is not. Cross entropy picks the target's logit, which would make the label part of the graph's
shape; the example is traced with the label's one-hot form instead (``losses.cross_entropy`` with one-hot
Values: the same numbers while the logits are finite).

A custom loss takes the labels as they are, so there the labels are part of the graph: ``CompiledStep``
traces the whole batch's graph (``nn.step.step_graph``), bit-identical to it, one compiled step per batch of
examples, which only full-batch training keeps to one.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import engine
from engine import BatchResult, Compiled, Value, no_grad
from nn.losses import Penalty
from nn.step import Forward, GraphStep, LossFn, StepNumbers

#: How a new ``BatchedStep`` runs the compiled example over a batch (``Compiled.batch``): numpy when installed.
RUNNER = "auto"


class BatchedStep:
    """The compiled step for a built-in loss: one example's outputs and loss compiled once, run over each batch.

    ``forward`` gives the objective (the examples' losses combined by ``reduction``, plus the penalty), each
    example's loss and outputs as floats; ``backward`` sets each parameter's ``.grad`` to d(objective)/d(parameter);
    ``evaluate`` gives the loss (without the penalty) and the outputs on held-out data. ``params`` are the
    parameters (the shared inputs of the compiled example; a penalty's must be among them); ``n_outputs`` is
    how many outputs the model has (None: counted when the example is traced); ``penalty`` a ``Penalty``, None,
    or a number r for ``fit``'s ``l2``: ``Penalty("L2", r, params)``. ``runner`` is ``Compiled.batch``'s
    (``RUNNER`` when the step is made).
    """

    def __init__(
        self,
        forward: Forward,
        loss_fn: LossFn,
        params: list[Value],
        loss_name: str,
        n_outputs: int | None,
        reduction: str,
        penalty: Penalty | float | None = None,
    ) -> None:
        """The step's parts as given; nothing is traced before the first ``forward``."""
        self.forward_fn, self.loss_fn, self.params, self.n_outputs = forward, loss_fn, params, n_outputs
        self.loss_name, self.reduction = loss_name, reduction
        if penalty is not None and not isinstance(penalty, Penalty):
            penalty = Penalty("L2", penalty, params) if penalty else None
        self.penalty: Penalty | None = penalty
        self.compiled: Compiled | None = None
        self.compiled_penalty: Compiled | None = None
        self._penalty_compiled_for: Penalty | None = None
        self.runner = RUNNER
        self._grads: list[float] | None = None

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True before the first ``forward``, which traces and compiles the example."""
        return self.compiled is None

    def forward(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any], batch: Sequence[int]) -> StepNumbers:
        """The step for the examples ``batch``, whose inputs and targets are given: the objective, each example's loss
        and outputs (the gradients are kept for ``backward``)."""
        shared, result = self._run(inputs, targets)
        objective, grads = result.loss, result.grads
        penalty = self._compiled_penalty()
        if penalty is not None:
            value, penalty_grads = penalty(*shared)
            objective += value
            grads = list(map(operator.add, grads, penalty_grads))
        self._grads = grads
        return objective, [out[0] for out in result.outputs], [out[1:] for out in result.outputs]

    def _compiled_penalty(self) -> Compiled | None:
        """The penalty compiled as a function of every parameter (those it leaves out get 0): compiled again when
        ``penalty`` was replaced; None without one or at a rate of 0."""
        penalty = self.penalty
        if penalty is not self._penalty_compiled_for:
            self.compiled_penalty = None
            if penalty is not None and penalty.rate:
                stray = penalty.first_outside(self.params)
                if stray is not None:
                    raise ValueError(f"BatchedStep: expected the penalty's parameters among the step's, its "
                                     f"parameter {stray} ({penalty.params[stray]!r}) is not")
                self.compiled_penalty = engine.compile(lambda *_: penalty.term(), self.params)
            self._penalty_compiled_for = penalty
        return self.compiled_penalty

    def backward(self) -> None:
        """Each parameter's ``.grad`` set to its gradient from the last ``forward``."""
        _set_grads(self.params, self._grads, "BatchedStep")
        self._grads = None

    def evaluate(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[float, list[list[float]]]:
        """The loss on ``(inputs, targets)`` (each example's, combined by ``reduction``; no penalty) and each example's
        outputs, from the compiled example: no graph is built, no gradient touched."""
        _, result = self._run(inputs, targets)
        return result.loss, [out[1:] for out in result.outputs]

    def _run(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[list[float], BatchResult]:
        """The parameters' numbers, and the compiled example run over ``(inputs, targets)``."""
        compiled = self.trace(inputs[0], targets[0])
        shared = [p.data for p in self.params]
        return shared, compiled.batch(shared, self._rows(inputs, targets), reduce=self.reduction, runner=self.runner)

    def trace(self, x: Sequence[float], target: Any) -> Compiled:
        """The compiled example: traced and compiled at the first call (with the penalty), at the example ``x`` with
        ``target``; kept for every later call."""
        if self.compiled is None:
            if self.n_outputs is None:
                with no_grad():
                    self.n_outputs = len(self.forward_fn(list(x)))
            n_params, n_in = len(self.params), len(x)

            def example(*values: Value) -> list[Value]:
                """One example's loss and outputs: the parameters, then its inputs and its targets."""
                xs, ts = list(values[n_params:n_params + n_in]), list(values[n_params + n_in:])
                outputs = self.forward_fn(xs)
                return [self.loss_fn(outputs, ts if self._target_is_list() else ts[0]), *outputs]

            self.compiled = engine.compile(example, self.params, per_example=self._rows([x], [target])[0])
            self._compiled_penalty()
        return self.compiled

    def _target_is_list(self) -> bool:
        """True when a target is a list of numbers: one-hot for cross entropy, one per output for MSE."""
        return self.loss_name == "cross_entropy" or (self.loss_name == "mse" and (self.n_outputs or 0) > 1)

    def _rows(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> list[list[float]]:
        """One row per example, as the compiled example takes it: the inputs, then the target's numbers (class
        indices one-hot for cross entropy)."""
        if self.loss_name == "cross_entropy":
            n = self.n_outputs or 0  # counted by trace before any row is made
            eye = [[float(j == k) for j in range(n)] for k in range(n)]
            return [[*x, *eye[t]] for x, t in zip(inputs, targets)]
        if self._target_is_list():
            return [[*x, *map(float, t)] for x, t in zip(inputs, targets)]
        return [[*x, float(t)] for x, t in zip(inputs, targets)]


class CompiledStep:
    """The compiled step for a custom loss: the whole batch's graph (``graph_step.graph``) traced with the parameters
    and the examples' inputs as inputs, the labels as they are (part of the graph), bit-identical to it.
    ``forward`` gives the objective, the per-example losses and the outputs as floats, ``backward`` sets each
    parameter's ``.grad`` to d(objective)/d(parameter). One compiled step per batch of examples (and penalty);
    ``evaluate`` and ``penalty`` are the graph step's.
    """

    def __init__(self, graph_step: GraphStep, params: list[Value]) -> None:
        """The step on ``graph_step``'s graph for ``params``; nothing is traced before the first ``forward``."""
        self.graph_step, self.params = graph_step, params
        self.compiled: dict[tuple[tuple[int, ...], Penalty | None], Compiled] = {}
        self._grads: list[float] | None = None

    @property
    def penalty(self) -> Penalty | None:
        """The graph step's penalty, which the next ``forward`` compiles in."""
        return self.graph_step.penalty

    @penalty.setter
    def penalty(self, value: Penalty | None) -> None:
        """A new penalty for the graph step: the next ``forward`` compiles the batch with it."""
        self.graph_step.penalty = value

    def forward(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any], batch: Sequence[int]) -> StepNumbers:
        """The step for the examples ``batch`` (their indices), whose inputs and targets are given: the objective,
        each example's loss and outputs (the gradients are kept for ``backward``)."""
        key = (tuple(batch), self.penalty)
        if key not in self.compiled:
            self.compiled[key] = self._trace(inputs, targets)
        numbers = [p.data for p in self.params] + [float(v) for x in inputs for v in x]
        values, self._grads = self.compiled[key](*numbers)
        n = len(inputs)
        nout = (len(values) - 1 - n) // n
        outputs = [values[1 + n + i * nout: 1 + n + (i + 1) * nout] for i in range(n)]
        return values[0], values[1:1 + n], outputs

    def backward(self) -> None:
        """Each parameter's ``.grad`` set to its gradient from the last ``forward``."""
        _set_grads(self.params, self._grads, "CompiledStep")
        self._grads = None

    def evaluate(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[float, list[list[float]]]:
        """The graph step's ``evaluate``: the loss (no penalty) and the outputs on ``(inputs, targets)``."""
        return self.graph_step.evaluate(inputs, targets)

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True when the step for ``batch`` is not compiled yet (its first call traces and compiles it)."""
        return (tuple(batch), self.penalty) not in self.compiled

    def _trace(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> Compiled:
        """The batch's graph compiled: the parameters and the inputs (leaves ``x0, x1, …``) in, the objective, the
        losses and the outputs out, differentiated with respect to the parameters."""
        xs = [[Value(v, label=f"x{j}") for j, v in enumerate(x)] for x in inputs]

        def step(*_: Value) -> list[Value]:
            """The batch's objective, its losses and its outputs, flat: what the compiled step returns."""
            objective, per_example, outputs = self.graph_step.graph(xs, targets)
            return [objective, *per_example, *[v for out in outputs for v in out]]

        leaves = [v for x in xs for v in x]
        return engine.compile(step, self.params + leaves, wrt=list(range(len(self.params))))


def _set_grads(params: list[Value], grads: list[float] | None, step: str) -> None:
    """Each parameter's ``.grad`` set to its gradient from the step's last ``forward`` (``grads``)."""
    if grads is None:
        raise RuntimeError(f"{step}.backward: expected a forward() first, got none since the last backward()")
    for p, g in zip(params, grads):
        p.grad = g
