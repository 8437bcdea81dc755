"""The loop runner of ``Compiled.batch``: the program on floats, once per example (row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine import fmath
from engine.program import Program

#: Rows the loop keeps the gradients of at a time, before adding them to the running sums.
CHUNK = 256


def run(program: Program, shared: list[float], rows: Any) -> tuple[float, list[float], list[list[float]]]:
    """The program on floats, once per row (a list of rows, or a 2-D numpy array). Returns the first output and the
    gradients, each summed over the rows left to right (as ``fmath.total``), and each row's outputs."""
    function = program.on_floats()
    table: Sequence[Sequence[float]] = rows.tolist() if hasattr(rows, "tolist") else rows  # an array's rows as floats
    single = program.n_outputs == 1
    outputs: list[list[float]] = []
    grads = [0.0] * len(program.wrt)
    for start in range(0, len(table), CHUNK):  # a chunk's gradients at a time: memory stays bounded
        results = [function(*shared, *row) for row in table[start:start + CHUNK]]
        outputs += [[value] for value, _ in results] if single else [value for value, _ in results]
        grads = [sum(column, total) for total, column in zip(grads, zip(*(g for _, g in results)))]
    return fmath.total([out[0] for out in outputs]), grads, outputs
