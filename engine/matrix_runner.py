"""The matrix runner of ``Compiled.batch``: the packed program (``engine.packing``) run with numpy.

``engine.packing`` finds the lanes of one example's graph (a layer's neurons, side by side) and writes them as
whole-array lines: matrix products for the sums of products, elementwise lines for the rest, reductions for the
losses. Its code calls the primitives by the names the per-node code uses (bound here to ``numpy_runner``'s array
functions, the same IEEE results) and a few helpers of its own (``zeros``, ``add_at``, …). Only this
module and ``numpy_runner`` import numpy, and only when ``batch(runner="matrix")`` (or ``"auto"``) runs.

``run_arrays(program, p, X)`` runs it for a caller that keeps its numbers in arrays (``nn``'s compiled training step,
a network's forward pass over a grid of points); ``run`` is the runner of ``batch``; ``function_for(program)`` is
the packed code itself, ``packed(p, X, grads=True) -> (outputs, g)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from engine.numpy_runner import PRIMITIVES_ON_ARRAYS, as_float, vectorized
from engine.packing import Indices, Numbers, Packed, pack
from engine.program import Program

Array = Any  # a float64 ndarray, or a number

#: The packed code's function: ``packed(p, X, grads=True) -> (outputs, g)`` (see ``engine.packing.Packed``).
PackedFunction = Callable[..., tuple[Array, Array | None]]


def add_at(target: Array, lanes: Array, values: Array) -> None:
    """``values`` added into ``target`` at ``lanes`` of its last axis, a lane read twice getting both."""
    np.add.at(target, (..., lanes), values)  # type: ignore[arg-type]  # numpy's stubs leave out Ellipsis


def logsumexp_lanes(xs: Array) -> Array:
    """``logsumexp`` over the last axis, as ``fmath.logsumexp``: ``nan`` if any is, the largest when it is
    infinite, else ``m + ln Σ e^(x - m)`` with ``m`` the largest."""
    m = xs.max(-1)  # numpy's max passes a nan on
    shifted = m + np.log(np.exp(xs - m[..., None]).sum(-1))
    return np.where(np.isinf(m), m, shifted)


def total_lanes(xs: Array) -> Array:
    """``total`` over the last axis."""
    return xs.sum(-1)


#: The helpers of the packed code (``engine.packing.HELPERS``) on arrays.
HELPERS_ON_ARRAYS: dict[str, Any] = {
    "empty": np.empty, "zeros": np.zeros, "ones": np.ones, "add_at": add_at, "broadcast_to": np.broadcast_to,
    "as_float": as_float,
    "logsumexp_lanes": logsumexp_lanes, "total_lanes": total_lanes,
}

_FUNCTIONS: WeakKeyDictionary[Packed, PackedFunction] = WeakKeyDictionary()


def function_for(program: Program) -> PackedFunction:
    """The packed program of ``program`` on arrays (packed and made once per program, then kept):
    ``packed(p, X, grads=True)``, ``p`` the shared inputs (a float64 array), ``X`` one row per example (2-D; zero
    columns, one row, for a program of a whole graph). Call it inside ``numpy.errstate(all="ignore")`` for IEEE
    results without warnings."""
    packed = pack(program)
    function = _FUNCTIONS.get(packed)
    if function is None:
        namespace = {**PRIMITIVES_ON_ARRAYS, **HELPERS_ON_ARRAYS}
        for name, value in packed.namespace.items():
            if isinstance(value, Indices):
                namespace[name] = np.array(value, dtype=np.intp)
            elif isinstance(value, Numbers):
                namespace[name] = np.array(value, dtype=np.float64)
            else:
                namespace[name] = value
        for name, (op, which) in packed.calls.items():
            namespace[name] = vectorized(op, which)
        exec(packed.code, namespace)  # code the packer wrote from the op table and numbers only
        function = _FUNCTIONS[packed] = namespace["packed"]
    return function


def run_arrays(program: Program, p: Array, X: Array, grads: bool = True) -> tuple[Array, Array | None]:
    """The packed program on arrays: ``p`` the shared inputs (float64), ``X`` one row per example (2-D float64; no
    columns and one row for a program of a whole graph). Returns each example's outputs (one row per example, one
    column per output) and the first output's gradient with respect to the shared inputs in ``wrt``, summed over
    the examples (None unless ``grads``): IEEE results, without warnings."""
    function = function_for(program)
    with np.errstate(all="ignore"):  # IEEE results, as on floats: inf and nan without warnings
        outputs, g = function(p, X, grads)
    if g is not None and program.wrt != tuple(range(program.n_shared)):
        g = g[list(program.wrt)]
    return outputs, g


def quietly(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` with numpy's floating-point warnings off: IEEE results (inf, nan) as on floats, silently
    (an optimizer's update on arrays, say)."""
    with np.errstate(all="ignore"):
        return function(*args)


def run(program: Program, shared: list[float], rows: Any) -> tuple[float, Array, Array]:
    """The packed program over the rows: the first output and the gradients (an array), each summed over the rows,
    and each row's outputs (an array, a row each)."""
    outputs, g = run_arrays(program, np.array(shared, dtype=np.float64), np.asarray(rows, dtype=np.float64))
    return float(outputs[:, 0].sum()), g, outputs
