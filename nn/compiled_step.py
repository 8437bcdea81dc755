"""The training steps of ``fit(compile=True)``: the step traced once with ``engine.compile``, then run on numbers.

For a built-in loss (``BatchedStep``) one example's forward pass and loss are traced, with the parameters
as shared inputs and the example's inputs and targets as per-example inputs
(``engine.compile(..., per_example=...)``), and ``Compiled.batch`` runs that code over every batch, of any
size: numpy when it is installed (each line of the code over the batch axis), else a Python loop over the
examples. Its losses and gradients agree with the graph's to rounding (1e-12 relative): the sums over the
examples are added in another order. The L2 penalty, a function of the parameters alone, is compiled on
its own and added. Cross entropy picks the target's logit, which would make the label part of the graph's
shape; the example is traced with the label's one-hot form instead (``losses.cross_entropy`` with one-hot
Values: the same numbers while the logits are finite).

A custom loss takes the labels as they are, so there the labels are part of the graph: ``CompiledStep``
traces the whole batch's graph (``nn.train.step_graph``), bit-identical to it, one compiled step per batch of
examples, which only full-batch training keeps to one.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import engine
from engine import BatchResult, Compiled, Value
from nn import losses

#: One training step's graph: the objective, each example's loss, each example's outputs.
StepGraph = tuple[Value, list[Value], list[list[Value]]]

#: How a new ``BatchedStep`` runs the compiled example over a batch (``Compiled.batch``): numpy when installed.
RUNNER = "auto"


class BatchedStep:
    """``fit``'s step for a built-in loss: one example's outputs and loss compiled once, run over each batch.

    ``forward`` gives the objective (the examples' losses combined by ``reduction``, plus ``l2 · Σ p²``), each
    example's loss and outputs as floats; ``backward`` sets each parameter's ``.grad`` to d(objective)/d(parameter);
    ``evaluate`` gives the loss (without L2) and the outputs on held-out data. ``runner`` is ``Compiled.batch``'s
    (``RUNNER`` when the step is made).
    """

    def __init__(
        self,
        forward: Callable[[Sequence[Any]], list[Value]],
        loss_fn: Callable[[list[Value], Any], Value],
        params: list[Value],
        loss_name: str,
        n_outputs: int,
        reduction: str,
        l2: float,
    ) -> None:
        self.forward_fn, self.loss_fn, self.params, self.n_outputs = forward, loss_fn, params, n_outputs
        self.loss_name, self.reduction, self.l2 = loss_name, reduction, l2
        self.compiled: Compiled | None = None
        self.penalty: Compiled | None = None
        self.runner = RUNNER
        self._grads: list[float] | None = None

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True before the first ``forward``, which traces and compiles the example."""
        return self.compiled is None

    def forward(
        self, inputs: Sequence[Sequence[float]], targets: Sequence[Any], batch: Sequence[int]
    ) -> tuple[float, list[float], list[list[float]]]:
        """The step for the examples ``batch``, whose inputs and targets are given: the objective, each example's loss
        and outputs (the gradients are kept for ``backward``)."""
        shared, result = self._run(inputs, targets)
        objective, grads = result.loss, result.grads
        if self.penalty is not None:
            value, penalty_grads = self.penalty(*shared)
            objective += value
            grads = list(map(operator.add, grads, penalty_grads))
        self._grads = grads
        return objective, [out[0] for out in result.outputs], [out[1:] for out in result.outputs]

    def backward(self) -> None:
        """Each parameter's ``.grad`` set to its gradient from the last ``forward``."""
        _set_grads(self.params, self._grads, "BatchedStep")
        self._grads = None

    def evaluate(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[float, list[list[float]]]:
        """The loss on ``(inputs, targets)`` (each example's, combined by ``reduction``; no L2) and each example's
        outputs, from the compiled example: no graph is built, no gradient touched."""
        _, result = self._run(inputs, targets)
        return result.loss, [out[1:] for out in result.outputs]

    def _run(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[list[float], BatchResult]:
        """The parameters' numbers, and the compiled example run over ``(inputs, targets)``."""
        compiled = self.trace(inputs[0], targets[0])
        shared = [p.data for p in self.params]
        return shared, compiled.batch(shared, self._rows(inputs, targets), reduce=self.reduction, runner=self.runner)

    def trace(self, x: Sequence[float], target: Any) -> Compiled:
        """The compiled example: traced and compiled at the first call (with the L2 penalty), at the example ``x`` with
        ``target``; kept for every later call."""
        if self.compiled is None:
            n_params, n_in = len(self.params), len(x)

            def example(*values: Value) -> list[Value]:
                """One example's loss and outputs: the parameters, then its inputs and its targets."""
                xs, ts = list(values[n_params:n_params + n_in]), list(values[n_params + n_in:])
                outputs = self.forward_fn(xs)
                return [self.loss_fn(outputs, ts if self._target_is_list() else ts[0]), *outputs]

            self.compiled = engine.compile(example, self.params, per_example=self._rows([x], [target])[0])
            if self.l2:
                alpha = self.l2
                self.penalty = engine.compile(lambda *ps: losses.l2(ps, alpha), self.params)
        return self.compiled

    def _target_is_list(self) -> bool:
        """True when a target is a list of numbers: one-hot for cross entropy, one per output for MSE."""
        return self.loss_name == "cross_entropy" or (self.loss_name == "mse" and self.n_outputs > 1)

    def _rows(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> list[list[float]]:
        """One row per example, as the compiled example takes it: the inputs, then the target's numbers (class
        indices one-hot for cross entropy)."""
        if self.loss_name == "cross_entropy":
            eye = [[float(j == k) for j in range(self.n_outputs)] for k in range(self.n_outputs)]
            return [[*x, *eye[t]] for x, t in zip(inputs, targets)]
        if self._target_is_list():
            return [[*x, *map(float, t)] for x, t in zip(inputs, targets)]
        return [[*x, float(t)] for x, t in zip(inputs, targets)]


class CompiledStep:
    """``fit``'s step for a custom loss, compiled: the whole batch's graph (``nn.train.step_graph``) traced with the
    parameters and the examples' inputs as inputs, the labels as they are (part of the graph), bit-identical to it.
    ``forward`` gives the objective, the per-example losses and the outputs as floats, ``backward`` sets each
    parameter's ``.grad`` to d(objective)/d(parameter). One compiled step per batch of examples.
    """

    def __init__(
        self, graph: Callable[[Sequence[Sequence[Any]], Sequence[Any]], StepGraph], params: list[Value]
    ) -> None:
        self.graph, self.params = graph, params
        self.compiled: dict[tuple[int, ...], Compiled] = {}
        self._grads: list[float] | None = None

    def forward(
        self, inputs: list[Sequence[float]], targets: list[Any], batch: Sequence[int]
    ) -> tuple[float, list[float], list[list[float]]]:
        """The step for the examples ``batch`` (their indices), whose inputs and targets are given: the objective,
        each example's loss and outputs (the gradients are kept for ``backward``)."""
        key = tuple(batch)
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

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True when the step for ``batch`` is not compiled yet (its first call traces and compiles it)."""
        return tuple(batch) not in self.compiled

    def _trace(self, inputs: list[Sequence[float]], targets: list[Any]) -> Compiled:
        xs = [[Value(v, label=f"x{j}") for j, v in enumerate(x)] for x in inputs]

        def step(*_: Value) -> list[Value]:
            objective, per_example, outputs = self.graph(xs, targets)
            return [objective, *per_example, *[v for out in outputs for v in out]]

        leaves = [v for x in xs for v in x]
        return engine.compile(step, self.params + leaves, wrt=list(range(len(self.params))))


def _set_grads(params: list[Value], grads: list[float] | None, step: str) -> None:
    """Each parameter's ``.grad`` set to its gradient from the step's last ``forward`` (``grads``)."""
    if grads is None:
        raise RuntimeError(f"{step}.backward: expected a forward() first, got none since the last backward()")
    for p, g in zip(params, grads):
        p.grad = g
