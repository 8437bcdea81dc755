"""``Compiled.batch``: one example's compiled code, run over a batch of examples by a loop or by numpy.

``engine.compile(fn, shared, per_example=example)`` traces ``fn(*shared, *example)`` for one example
and writes its forward and backward once. ``compiled.batch(shared_values, rows)`` runs that code for
every row (one example's inputs) and gives back the first output summed or averaged over the
examples, its gradients with respect to the shared inputs reduced the same way, and each example's
outputs. Each runner executes the one generated source (``engine.program.Program``):

- ``"python"``: a loop over the rows, the code on floats (``engine.python_runner``);
- ``"numpy"``: the code once, each line over the batch axis: a per-example input is an array (one
  number per example), a shared input stays a number, and the primitives' names are bound to numpy
  functions (``engine.numpy_runner``); the shared inputs' gradients are summed over the batch axis.
- ``"matrix"``: the packed program (``engine.packing``, ``Compiled.matrix_source``): the lanes of the graph (a
  layer's neurons) as whole-array lines, a layer's sums of products as matrix products, with numpy
  (``engine.matrix_runner``).

``"auto"`` is the first of ``RUNNERS`` that is installed: matrix when numpy is, else the loop. All agree with the
graph (one graph per example, summed) to rounding, about 1e-12 relative: the same operations per example, sums
added in another order (the loop adds the examples left to right, numpy pairwise; a matrix product adds a
neuron's terms in its own order).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from engine.program import Program
from engine.value import describe, to_float


class Runner(NamedTuple):
    """Where a runner of ``batch`` lives: ``module`` has ``run(program, shared, rows) -> (loss, grads, outputs)``
    (the first output and the gradients summed over the rows, each row's outputs; the gradients and the outputs
    as lists of floats, or as numpy arrays, which ``batch`` scales and turns into lists); ``needs``, the package it
    imports, if any (looked for, not imported, by ``"auto"``)."""

    module: str
    needs: str | None = None


#: The runners of ``batch(runner=...)`` by name; ``"auto"`` takes the first whose package is installed. A new runner
#: is a module with ``run`` and its line here.
RUNNERS: dict[str, Runner] = {
    "matrix": Runner("engine.matrix_runner", "numpy"),
    "numpy": Runner("engine.numpy_runner", "numpy"),
    "python": Runner("engine.python_runner"),
}

#: ``batch(reduce=...)``: the examples' first outputs and gradients averaged, or summed.
REDUCTIONS = ("mean", "sum")


class BatchResult(NamedTuple):
    """What ``Compiled.batch`` gives: ``loss``, the first output over the examples (summed or averaged);
    ``grads``, its gradient with respect to each shared input in ``wrt``, reduced the same way; ``outputs``,
    each example's outputs (every output of ``fn``, the first included), one list per row."""

    loss: float
    grads: list[float]
    outputs: list[list[float]]


def run_batch(program: Program, shared: Sequence[float], rows: Any, reduce: str, runner: str) -> BatchResult:
    """``compiled.batch(shared, rows, reduce, runner)``: the arguments checked, the runner run, the sums reduced."""
    if not program.n_per_example:
        raise ValueError("batch: expected a function compiled with per_example=... (one example's inputs), got one "
                         "compiled for a whole graph: call it as compiled(*inputs)")
    if reduce not in REDUCTIONS:
        raise ValueError(f"batch(reduce): expected 'mean' or 'sum', got {describe(reduce)}")
    module = importlib.import_module(RUNNERS[resolve_runner(runner)].module)  # numpy is imported here, when used
    numbers = _shared(shared, program.n_shared)
    checked = _rows(rows, program.n_per_example)
    loss, grads, outputs = module.run(program, numbers, checked)
    if reduce == "mean":
        scale = 1.0 / len(outputs)  # as nn.losses.mean: the sum times 1/n
        loss, grads = loss * scale, grads * scale if hasattr(grads, "tolist") else [g * scale for g in grads]
    if hasattr(grads, "tolist"):  # a runner's arrays (numpy's), as lists of floats
        grads, outputs = grads.tolist(), outputs.tolist()
    return BatchResult(loss, grads, outputs)


def _installed(name: str) -> bool:
    """True when the runner ``name`` can run: the package it needs is installed (found, not imported)."""
    needs = RUNNERS[name].needs
    return needs is None or importlib.util.find_spec(needs) is not None


def resolve_runner(runner: object) -> str:
    """The name of the runner ``batch(runner=...)`` uses (``"auto"``: the first of ``RUNNERS`` that is installed);
    a ValueError for an unknown name, an ImportError for a runner whose package is not installed."""
    if not isinstance(runner, str) or (runner != "auto" and runner not in RUNNERS):
        raise ValueError(f"batch(runner): expected one of {', '.join(['auto', *RUNNERS])}, got {describe(runner)}")
    if runner == "auto":
        return next(name for name in RUNNERS if _installed(name))
    if not _installed(runner):
        needs = RUNNERS[runner].needs
        raise ImportError(f"batch(runner={runner!r}): {needs} is not installed; pip install {needs}, or use "
                          "runner='python'")
    return runner


def _shared(shared: object, n: int) -> list[float]:
    """The shared inputs' numbers, ``n`` of them, as floats."""
    if isinstance(shared, (str, bytes)) or not isinstance(shared, Sequence):
        raise TypeError(f"batch(shared): expected a list of {n} numbers, got {describe(shared)}")
    if len(shared) != n:
        raise ValueError(f"batch(shared): expected {n} numbers (the shared inputs, as traced), got {len(shared)}")
    if set(map(type, shared)) <= {float}:  # checked at C speed: the usual case
        return list(shared)
    return [x if type(x) is float else to_float(x, f"batch(shared[{i}])") for i, x in enumerate(shared)]


def _rows(rows: Any, k: int) -> Any:
    """``rows`` checked: one or more rows of ``k`` real numbers each (lists, or a 2-D numpy array of numbers). Lists
    of floats come back as they are, other numbers as floats; an array as it is."""
    shape = getattr(rows, "shape", None)
    if shape is not None and hasattr(rows, "dtype"):  # a numpy array
        if len(shape) != 2 or shape[0] == 0 or shape[1] != k or rows.dtype.kind not in "fiu":
            raise ValueError(f"batch(rows): expected a 2-D array of numbers, one row of {k} per example, got an "
                             f"array of shape {shape} and dtype {rows.dtype}")
        return rows
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(f"batch(rows): expected a list of rows, each {k} numbers (one example's inputs), got "
                        f"{describe(rows)}")
    if not rows:
        raise ValueError("batch(rows): expected at least one row, got none")
    if not set(map(type, rows)) <= {list, tuple} or set(map(len, rows)) != {k}:  # the usual case checked at C speed
        for i, row in enumerate(rows):
            if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
                raise TypeError(f"batch(rows[{i}]): expected a list of {k} numbers, got {describe(row)}")
            if len(row) != k:
                raise ValueError(f"batch(rows[{i}]): expected {k} numbers (one example's inputs, as traced), got "
                                 f"{len(row)}")
    if set(map(type, itertools.chain.from_iterable(rows))) <= {float}:
        return rows
    return [[x if type(x) is float else to_float(x, f"batch(rows[{i}][{j}])") for j, x in enumerate(row)]
            for i, row in enumerate(rows)]
