"""The training step of ``fit(compile=True)``: the step's graph traced once with ``engine.compile``,
then replayed on floats.

The traced step is the graph ``fit`` builds without compile (every example's forward pass and
loss, combined by ``reduction``, plus the L2 term), with the parameters, the examples' inputs and
the targets as inputs, so one compiled step serves every batch of a size, and its loss and
gradients are bit-identical to the graph's. Cross entropy picks the target's logit, which would
make the labels part of the graph's shape; the step is traced with its one-hot form instead
(``losses.cross_entropy`` with one-hot Values: the same numbers while the logits are finite).
A custom loss takes the labels as they are, so there the labels are part of the graph: one
compiled step per batch of examples, which only full-batch training keeps to one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import engine
from engine import Compiled, Value
from nn import losses

#: The losses whose targets can be inputs of a compiled step (cross entropy's as one-hot Values).
NUMERIC_TARGETS = ("hinge", "binary_cross_entropy", "mse", "cross_entropy")


class CompiledStep:
    """``step(inputs, targets)`` for one batch: ``(objective, per-example losses, outputs, gradients)`` as floats.

    The gradients are d(objective)/d(parameter), in the order of ``params``.
    """

    def __init__(
        self,
        forward: Callable[[Any], list[Value]],
        loss_fn: Callable[[list[Value], Any], Value],
        loss_name: str,
        params: list[Value],
        reduction: str,
        l2: float,
        n_outputs: int,
    ) -> None:
        self.forward, self.loss_fn, self.params = forward, loss_fn, params
        self.reduction, self.l2, self.n_outputs = reduction, l2, n_outputs
        self.numeric_targets = loss_name in NUMERIC_TARGETS
        self.one_hot = loss_name == "cross_entropy"
        self.compiled: dict[Any, Compiled] = {}

    def __call__(
        self, inputs: list[Sequence[float]], targets: list[Any], batch: Sequence[int]
    ) -> tuple[float, list[float], list[list[float]], list[float]]:
        """The step for the examples ``batch`` (their indices), whose inputs and targets are given."""
        key = self._key(batch)
        if key not in self.compiled:
            self.compiled[key] = self._trace(inputs, targets)
        numbers = [p.data for p in self.params] + [float(v) for x in inputs for v in x]
        if self.numeric_targets:
            numbers += _flat_targets(self._as_inputs(targets))
        values, grads = self.compiled[key](*numbers)
        n = len(inputs)
        nout = (len(values) - 1 - n) // n
        outputs = [values[1 + n + i * nout: 1 + n + (i + 1) * nout] for i in range(n)]
        return values[0], values[1:1 + n], outputs, grads

    def will_compile(self, batch: Sequence[int]) -> bool:
        """True when the step for ``batch`` is not compiled yet (its first call traces and compiles it)."""
        return self._key(batch) not in self.compiled

    def _key(self, batch: Sequence[int]) -> Any:
        # numeric targets are inputs: one step per batch size; else the labels are in the graph: per examples
        return len(batch) if self.numeric_targets else tuple(batch)

    def _trace(self, inputs: list[Sequence[float]], targets: list[Any]) -> Compiled:
        xs = [[Value(v, label=f"x{j}") for j, v in enumerate(x)] for x in inputs]
        ys: list[Any] = list(targets)
        leaves = [v for x in xs for v in x]
        if self.numeric_targets:
            ys = [
                [Value(t, label="y") for t in y] if isinstance(y, list) else Value(y, label="y")
                for y in self._as_inputs(targets)
            ]
            leaves += [v for y in ys for v in (y if isinstance(y, list) else [y])]

        def step(*_: Value) -> list[Value]:
            outputs = [self.forward(x) for x in xs]
            per_example = [self.loss_fn(out, y) for out, y in zip(outputs, ys)]
            objective = losses.objective(per_example, self.reduction, self.params, self.l2)
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
