"""The training step of ``fit(compile=True)``: the step's graph traced once with ``engine.compile``,
then replayed on floats.

The traced step is the graph ``fit`` builds without compile (``nn.train.step_graph``: every
example's forward pass and loss, combined by ``reduction``, plus the L2 term), with the parameters,
the examples' inputs and the targets as inputs, so one compiled step serves every batch of a size,
and its loss and gradients are bit-identical to the graph's. Cross entropy picks the target's
logit, which would make the labels part of the graph's shape; the step is traced with its one-hot
form instead (``losses.cross_entropy`` with one-hot Values: the same numbers while the logits are
finite). A custom loss takes the labels as they are, so there the labels are part of the graph: one
compiled step per batch of examples, which only full-batch training keeps to one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import engine
from engine import Compiled, Value
from nn import losses

#: One training step's graph: the objective, each example's loss, each example's outputs.
StepGraph = tuple[Value, list[Value], list[list[Value]]]


class CompiledStep:
    """``fit``'s step for one batch, compiled: ``forward`` gives the objective, the per-example losses and the
    outputs as floats, ``backward`` sets each parameter's ``.grad`` to d(objective)/d(parameter).

    ``graph(inputs, targets)`` builds the step's graph (``nn.train.step_graph``); it is traced with Values for
    the inputs and, for a built-in loss, the targets.
    """

    def __init__(
        self,
        graph: Callable[[Sequence[Sequence[Any]], Sequence[Any]], StepGraph],
        params: list[Value],
        loss_name: str,
        n_outputs: int,
    ) -> None:
        self.graph, self.params, self.n_outputs = graph, params, n_outputs
        self.builtin_loss = loss_name in losses.LOSSES  # its targets are inputs of the step; a custom loss's are not
        self.one_hot = loss_name == "cross_entropy"
        self.compiled: dict[Any, Compiled] = {}
        self._grads: list[float] | None = None

    def forward(
        self, inputs: list[Sequence[float]], targets: list[Any], batch: Sequence[int]
    ) -> tuple[float, list[float], list[list[float]]]:
        """The step for the examples ``batch`` (their indices), whose inputs and targets are given: the objective,
        each example's loss and outputs (the gradients are kept for ``backward``)."""
        key = self._key(batch)
        if key not in self.compiled:
            self.compiled[key] = self._trace(inputs, targets)
        numbers = [p.data for p in self.params] + [float(v) for x in inputs for v in x]
        if self.builtin_loss:
            numbers += _flat_targets(self._as_inputs(targets))
        values, self._grads = self.compiled[key](*numbers)
        n = len(inputs)
        nout = (len(values) - 1 - n) // n
        outputs = [values[1 + n + i * nout: 1 + n + (i + 1) * nout] for i in range(n)]
        return values[0], values[1:1 + n], outputs

    def backward(self) -> None:
        """Each parameter's ``.grad`` set to its gradient from the last ``forward``."""
        if self._grads is None:
            raise RuntimeError("CompiledStep.backward: expected a forward() first, got none since the last backward()")
        for p, g in zip(self.params, self._grads):
            p.grad = g
        self._grads = None

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True when the step for ``batch`` is not compiled yet (its first call traces and compiles it)."""
        return self._key(batch) not in self.compiled

    def _key(self, batch: Sequence[int]) -> Any:
        # a built-in loss's targets are inputs: one step per batch size; a custom loss's are in the graph: per examples
        return len(batch) if self.builtin_loss else tuple(batch)

    def _trace(self, inputs: list[Sequence[float]], targets: list[Any]) -> Compiled:
        xs = [[Value(v, label=f"x{j}") for j, v in enumerate(x)] for x in inputs]
        ys: list[Any] = list(targets)
        leaves = [v for x in xs for v in x]
        if self.builtin_loss:
            ys = [
                [Value(t, label="y") for t in y] if isinstance(y, list) else Value(y, label="y")
                for y in self._as_inputs(targets)
            ]
            leaves += [v for y in ys for v in (y if isinstance(y, list) else [y])]

        def step(*_: Value) -> list[Value]:
            objective, per_example, outputs = self.graph(xs, ys)
            return [objective, *per_example, *[v for out in outputs for v in out]]

        return engine.compile(step, self.params + leaves, wrt=list(range(len(self.params))))

    def _as_inputs(self, targets: list[Any]) -> list[Any]:
        """The targets as the compiled step takes them: class indices as one-hot lists for cross entropy."""
        if not self.one_hot:
            return targets
        return [[float(j == t) for j in range(self.n_outputs)] for t in targets]


def _flat_targets(targets: list[Any]) -> list[float]:
    flat: list[float] = []
    for t in targets:
        if isinstance(t, list):
            flat.extend(float(v) for v in t)
        else:
            flat.append(float(t))
    return flat
