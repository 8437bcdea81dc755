"""The numpy runner of ``Compiled.batch``: the primitives on arrays, and the compiled code run over the batch axis.

The code ``engine.compile(..., per_example=...)`` writes calls the primitives by name (``exp``, ``where``,
``total``, …: each op's one written expression, ``Sym.code``). Here those names are bound to numpy
functions with the float functions' IEEE results (``engine.fmath``): the same source, executed once, then
computes every line for the whole batch at once, a per-example input being an array with one number per
example. A custom op whose math does not write itself out is called through ``numpy.vectorize`` of its
float functions. Only this module imports numpy, and only ``batch(runner="numpy")`` imports it.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine import fmath
from engine.ops import VARIADIC, Op
from engine.program import Function, Program

Array = Any  # a float64 ndarray, or a number (a shared input, a constant)

#: 0 and 1 as 0-d arrays: numpy mixes them with an array faster than Python floats (no scalar conversion each time)
_ZERO, _ONE = np.array(0.0), np.array(1.0)


def relu(x: Array) -> Array:
    """``0 if x < 0 else x``, as ``fmath.relu``: ``nan`` and ``-0.0`` stay (``numpy.maximum`` may make ``-0.0`` 0)."""
    return np.where(x < _ZERO, _ZERO, x)


def step(x: Array) -> Array:
    """1.0 where ``x > 0``, else 0.0 (``nan`` too)."""
    return (x > _ZERO).astype(np.float64)


def nonneg(x: Array) -> Array:
    """1.0 where ``x ≥ 0``, else 0.0."""
    return (x >= _ZERO).astype(np.float64)


def is_zero(x: Array) -> Array:
    """1.0 where ``x == 0``, else 0.0."""
    return (x == _ZERO).astype(np.float64)


def sign(x: Array) -> Array:
    """-1.0, 0.0 or 1.0 by the sign of ``x`` (0.0 for ``-0.0``), ``nan`` for ``nan``."""
    return np.sign(x) + _ZERO  # + 0 makes a -0.0 0.0, as fmath.sign gives


def sigmoid(x: Array) -> Array:
    """``1 / (1 + e^-x)`` where ``x ≥ 0``, ``e^x / (1 + e^x)`` elsewhere: ``exp`` never sees a positive number."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: Array) -> Array:
    """``max(x, 0) + log1p(e^-|x|)``: finite for every finite ``x``."""
    return np.maximum(x, _ZERO) + np.log1p(np.exp(-np.abs(x)))


def log_sigmoid(x: Array) -> Array:
    """``min(x, 0) - log1p(e^-|x|)``."""
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def total(xs: Sequence[Array]) -> Array:
    """``x₀ + x₁ + …``, left to right (``fmath.total`` starts from 0.0: the same sum, but for the sign of a zero)."""
    return functools.reduce(operator.add, xs)


def logsumexp(xs: Sequence[Array]) -> Array:
    """``m + ln Σᵢ e^(xᵢ - m)`` with ``m`` the largest ``xᵢ`` (``nan`` if any is; ``m`` itself when it is infinite)."""
    m = functools.reduce(np.maximum, xs)  # numpy's maximum passes a nan on
    shifted = m + np.log(functools.reduce(operator.add, [np.exp(x - m) for x in xs]))
    return np.where(np.isinf(m), m, shifted)


def power(x: Array, p: Array) -> Array:
    """``x ** p`` as ``fmath.power`` (C's ``pow``) gives it. ``numpy.power`` takes ``sqrt`` for ``p = 0.5``, which
    differs at two bases (``-inf``: ``pow`` gives ``inf``, ``sqrt`` ``nan``; ``-0.0``: ``0.0`` and ``-0.0``): those
    elements, when there are any, are computed by ``fmath.power`` itself."""
    out = np.power(x, p)
    special = np.isneginf(x) | ((x == _ZERO) & np.signbit(x))
    if np.any(special):
        exact = np.vectorize(fmath.power, otypes=[np.float64])(x, p)
        out = np.where(special, exact, out)
    return out


def as_float(x: Array) -> Array:
    """What ``float()`` is to a custom op's number on floats: a float array (or number)."""
    return np.asarray(x, dtype=np.float64)


#: The primitives of ``engine.primitives`` on arrays, by the names the generated code calls.
PRIMITIVES_ON_ARRAYS: dict[str, Any] = {
    "exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "atan": np.arctan, "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "asin": np.arcsin, "acos": np.arccos,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh, "log1p": np.log1p, "expm1": np.expm1,
    "log2": np.log2, "log10": np.log10, "power": power, "where": np.where,
    "sigmoid": sigmoid, "softplus": softplus, "log_sigmoid": log_sigmoid, "relu": relu, "step": step,
    "nonneg": nonneg, "is_zero": is_zero, "sign": sign, "total": total, "logsumexp": logsumexp,
    "inf": float("inf"), "nan": float("nan"),
}


def vectorized(op: Op, which: str) -> Callable[..., Any]:
    """A custom op's float ``forward`` or ``partials`` (``which``) applied element by element (``numpy.vectorize``),
    called as the generated code calls them: the partials give one array per input."""
    fn = op.forward if which == "forward" else op.partials
    variadic = op.arity == VARIADIC

    def call(*args: Any) -> Any:
        count = len(args[0]) if variadic else op.arity  # forward(xs)/partials(xs, out): the inputs as one tuple
        arrays = (*args[0], *args[1:]) if variadic else args

        def element(*a: float) -> Any:
            return fn(a[:count], *a[count:]) if variadic else fn(*a)

        if which == "forward":
            return np.vectorize(element, otypes=[np.float64])(*arrays)
        if count == 1:  # one output: vectorize wants the number, not a tuple of one
            return (np.vectorize(lambda *a: element(*a)[0], otypes=[np.float64])(*arrays),)
        return np.vectorize(element, otypes=[np.float64] * count)(*arrays)

    return call


def function_for(program: Program) -> Function:
    """The program executed with the primitives on arrays (made once per program, then kept)."""

    def on_arrays(name: str, value: Any) -> Any:
        if name in PRIMITIVES_ON_ARRAYS:
            return PRIMITIVES_ON_ARRAYS[name]
        if name == "as_float":
            return as_float
        if name in program.calls:
            return vectorized(*program.calls[name])
        return value  # a number (inf, nan) the code names

    return program.bound("numpy", on_arrays)


def run(program: Program, shared: list[float], rows: Any) -> tuple[float, list[float], list[list[float]]]:
    """The code once over the batch axis: the per-example inputs as arrays (one number per row), the shared ones as
    numbers. Returns the first output and the gradients, each summed over the rows, and each row's outputs."""
    function = function_for(program)
    columns = np.ascontiguousarray(np.asarray(rows, dtype=np.float64).T)  # one contiguous array per input
    n = columns.shape[1]
    values = np.array(shared)
    numbers = [values[i, ...] for i in range(len(shared))]  # 0-d arrays: numpy mixes them faster than Python floats
    with np.errstate(all="ignore"):  # IEEE results, as on floats: inf and nan without warnings
        values, grads = function(*numbers, *columns)
        outputs = np.empty((program.n_outputs, n))
        for j, value in enumerate(values if program.n_outputs > 1 else [values]):
            outputs[j] = value  # a number (an output the same for every example) fills its row
        sums = _summed(grads, n)
        loss = float(outputs[0].sum())
    return loss, sums.tolist(), outputs.T.tolist()


def _summed(grads: list[Array], n: int) -> Array:
    """Each gradient summed over the batch axis (a number, the same for every example, counts ``n`` times)."""
    try:
        matrix = np.array(grads, dtype=np.float64)  # one array per gradient: one call
    except ValueError:  # arrays and numbers mixed
        matrix = np.empty(0)
    if matrix.shape != (len(grads), n):
        matrix = np.empty((len(grads), n))
        for k, g in enumerate(grads):
            matrix[k] = g
    return matrix.sum(axis=1)
