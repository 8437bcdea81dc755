"""The compiled training steps (``make_step(..., compile=True)``): traced once with ``engine.compile``, run on numbers.

For a built-in loss (``BatchedStep``) one example's forward pass and loss are traced, with the parameters
as shared inputs and the example's inputs and targets as per-example inputs
(``engine.compile(..., per_example=...)``), and ``Compiled.batch`` runs that code over every batch, of any
size: when numpy is installed, the packed program (``engine.packing``: each layer's lines as matrix products,
the matrix runner), else a Python loop over the examples. Its losses and gradients agree with the graph's to
rounding (1e-12 relative): only sums are added in another order. The penalty (``nn.losses.Penalty``, L1 or L2
over some of the parameters), a function of the parameters alone, is compiled on its own and added; a new
penalty is compiled again, the example is not. Cross entropy picks the target's logit, which would make the label
part of the graph's shape; the example is traced with the label's one-hot form instead (``losses.cross_entropy``
with one-hot Values: the same numbers while the logits are finite). ``ArrayRun`` is ``fit``'s loop on arrays: the
parameters, the optimizer's buffers and the data held in numpy arrays for the whole run, the update done on them.

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
from engine.batch import resolve_runner
from nn.losses import Penalty
from nn.optim import Optimizer
from nn.step import Forward, GraphStep, LossFn, StepNumbers

#: How a new ``BatchedStep`` runs the compiled example over a batch (``Compiled.batch``): the packed program (the
#: matrix runner) when numpy is installed, else the Python loop.
RUNNER = "auto"

#: A numpy array (nn never imports numpy: the engine's matrix runner makes and fills them).
Array = Any


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

    def packed(self) -> bool:
        """True when the step runs the packed program (``runner`` is, or ``"auto"`` picks, the matrix runner)."""
        return resolve_runner(self.runner) == "matrix"

    def on_arrays(self, theta: Array, rows: Array, grads: bool = True, penalty: bool = True
                  ) -> tuple[float, Array, Array, Array | None]:
        """The step by the packed program, on arrays: ``theta``, every parameter's number (float64, in the order of
        ``params``), and ``rows``, one row per example as the compiled example takes them (``rows_for``, as float64).
        Returns the objective (the examples' losses combined by ``reduction``, plus the penalty unless ``penalty`` is
        False), each example's loss, each example's outputs (one row each) and the objective's gradient (None unless
        ``grads``). Needs numpy, and the example traced (``trace``)."""
        from engine.matrix_runner import run_arrays  # numpy is imported here, when it is used

        assert self.compiled is not None, "trace() first"
        values, g = run_arrays(self.compiled.program, theta, rows, grads)
        losses, objective = values[:, 0], float(values[:, 0].sum())
        if self.reduction == "mean":
            scale = 1.0 / len(rows)  # as nn.losses.mean: the sum times 1/n
            objective, g = objective * scale, None if g is None else g * scale
        compiled_penalty = self._compiled_penalty() if penalty else None
        if compiled_penalty is not None:
            value, penalty_grads = run_arrays(compiled_penalty.program, theta, rows[:1, :0], grads)  # no example
            objective += float(value[0, 0])
            g = None if g is None or penalty_grads is None else g + penalty_grads
        return objective, losses, values[:, 1:], g

    def forward(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any], batch: Sequence[int]) -> StepNumbers:
        """The step for the examples ``batch``, whose inputs and targets are given: the objective, each example's loss
        and outputs (the gradients are kept for ``backward``)."""
        if self.packed():
            theta, rows = self._arrays(inputs, targets)
            objective, per_example, outputs, g = self.on_arrays(theta, rows)
            assert g is not None  # asked for
            self._grads = g.tolist()
            return objective, per_example.tolist(), outputs.tolist()
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
        if self.packed():
            loss, _, outputs, _ = self.on_arrays(*self._arrays(inputs, targets), grads=False, penalty=False)
            return loss, outputs.tolist()
        _, result = self._run(inputs, targets)
        return result.loss, [out[1:] for out in result.outputs]

    def _arrays(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[Array, Array]:
        """The parameters' numbers and the examples' rows, as float64 arrays; the example traced first."""
        from engine.numpy_runner import as_float

        self.trace(inputs[0], targets[0])
        return as_float([p.data for p in self.params]), as_float(self.rows_for(inputs, targets))

    def _run(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[list[float], BatchResult]:
        """The parameters' numbers, and the compiled example run over ``(inputs, targets)``."""
        compiled = self.trace(inputs[0], targets[0])
        shared = [p.data for p in self.params]
        return shared, compiled.batch(shared, self.rows_for(inputs, targets), reduce=self.reduction,
                                      runner=self.runner)

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

            self.compiled = engine.compile(example, self.params, per_example=self.rows_for([x], [target])[0])
            self._compiled_penalty()
        return self.compiled

    def _target_is_list(self) -> bool:
        """True when a target is a list of numbers: one-hot for cross entropy, one per output for MSE."""
        return self.loss_name == "cross_entropy" or (self.loss_name == "mse" and (self.n_outputs or 0) > 1)

    def rows_for(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> list[list[float]]:
        """One row per example, as the compiled example takes it: the inputs, then the target's numbers (class
        indices one-hot for cross entropy)."""
        if self.loss_name == "cross_entropy":
            n = self.n_outputs or 0  # counted by trace before any row is made
            eye = [[float(j == k) for j in range(n)] for k in range(n)]
            return [[*x, *eye[t]] for x, t in zip(inputs, targets)]
        if self._target_is_list():
            return [[*x, *map(float, t)] for x, t in zip(inputs, targets)]
        return [[*x, float(t)] for x, t in zip(inputs, targets)]


class ArrayRun:
    """``fit``'s steps on arrays, for a ``BatchedStep`` that runs the packed program and an optimizer that updates
    arrays (``Optimizer.updates_arrays``): for the whole run the parameters (``theta``), the optimizer's buffers and
    every example's row live in float64 arrays; a batch's rows are gathered by index, the step is
    ``BatchedStep.on_arrays`` and the update ``Optimizer.step_arrays`` (the same numbers as ``step()``, bit for bit).
    The Values are not touched until ``close()``, which writes the parameters, their last gradients and the
    optimizer's buffers back (call it however the run ends)."""

    def __init__(self, step: BatchedStep, optimizer: Optimizer, inputs: Sequence[Sequence[float]],
                 targets: Sequence[Any]) -> None:
        """The arrays of a run of ``step`` with ``optimizer`` on the examples ``(inputs, targets)``."""
        from engine.matrix_runner import quietly
        from engine.numpy_runner import as_float  # numpy is imported here, when it is used

        self.step, self.optimizer, self.array, self._quietly = step, optimizer, as_float, quietly
        step.trace(inputs[0], targets[0])
        self.theta = as_float([p.data for p in step.params])
        self.rows = as_float(step.rows_for(inputs, targets))
        self.buffers = {name: as_float(buffer) for name, buffer in optimizer.buffers().items()}
        self.grads: Array | None = None  # the last forward's
        self.applied: Array | None = None  # the last update's
        self.last_good = self.theta.copy()  # the parameters before the last step whose objective was finite
        self._every = list(range(len(inputs)))
        self._held_out: tuple[int, int, Array] | None = None

    def forward(self, batch: list[int]) -> tuple[float, Array, Array]:
        """The step on the examples ``batch`` (indices): the objective, each example's loss and outputs (arrays); the
        gradient is kept for ``update``."""
        rows = self.rows if batch == self._every else self.rows[batch]
        objective, losses, outputs, self.grads = self.step.on_arrays(self.theta, rows)
        return objective, losses, outputs

    def keep(self) -> None:
        """The parameters as they are now: the last good ones (``restore`` puts them back)."""
        self.last_good[...] = self.theta

    def restore(self) -> None:
        """The parameters back to the last good ones."""
        self.theta[...] = self.last_good

    def update(self) -> None:
        """The optimizer's update of the parameters, from the last ``forward``'s gradient."""
        self._quietly(self.optimizer.step_arrays, self.theta, self.grads, self.buffers)  # inf and nan as on floats
        self.applied = self.grads

    def evaluate(self, inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[float, Array]:
        """``BatchedStep.evaluate`` at the parameters in ``theta``: the loss (no penalty) and the outputs (an array);
        the same held-out data's rows are made once."""
        key = (id(inputs), id(targets))
        if self._held_out is None or self._held_out[:2] != key:
            self._held_out = (*key, self.array(self.step.rows_for(inputs, targets)))
        loss, _, outputs, _ = self.step.on_arrays(self.theta, self._held_out[2], grads=False, penalty=False)
        return loss, outputs

    def close(self) -> None:
        """The parameters, the gradients of the last update (as ``backward`` leaves them) and the optimizer's buffers
        written back to the Values and the optimizer."""
        for p, x in zip(self.step.params, self.theta.tolist()):
            p.data = x
        if self.applied is not None:
            for p, g in zip(self.step.params, self.applied.tolist()):
                p.grad = g
        self.optimizer.load_buffers(self.buffers)


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
