"""The test oracle: each built-in op once more, in three independent forms, one row per op.

- ``math``: plain floats through ``math`` (``mpmath`` at 50 digits where floats would lose bits, and for the
  functions whose float form is ``math``'s own);
  tests/test_ops.py compares the op's forward with it.
- ``sympy``: a symbolic expression; tests/test_dag.py differentiates random expressions with it.
- ``torch``: float64 tensors; tests/test_torch_crosscheck.py compares values, first and second
  derivatives with torch's autograd.

Every form takes the op's inputs, then its parameter when the op has one (``call`` does that), as the
op's own forward does. Adding an op to the table of engine/ops.py means adding its row here: each of
the three test files checks that the rows are exactly ``BUILTIN_OPS``.

sympy and torch are imported at the first call of one of their forms, so a test that needs only the
math forms runs without them (torch is optional: ``pip install 'glassgrad[torch]'``).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath


class _Later:
    """A module imported when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


sympy = _Later("sympy")
torch = _Later("torch")
F = _Later("torch.nn.functional")


@dataclass(frozen=True)
class Oracle:
    """One op's reference forms: on floats, in sympy, in torch (see the module's docstring)."""

    math: Callable[..., float]
    sympy: Callable[..., Any]
    torch: Callable[..., Any]


def call(form: Callable[..., Any], xs: Sequence[Any], param: float | None) -> Any:
    """``form`` at the inputs ``xs``, and at the op's parameter when it has one (``param`` is not None)."""
    return form(*xs) if param is None else form(*xs, param)


def _mp(fn: Callable[..., Any]) -> Callable[..., float]:
    """``fn`` of mpmath at 50 digits, rounded once to a float."""

    def at(*xs: float) -> float:
        with mpmath.workdps(50):
            return float(fn(*xs))

    return at


_logsumexp = _mp(lambda *xs: mpmath.log(mpmath.fsum(mpmath.exp(x) for x in xs)))


def _sympy_sigmoid(x: Any) -> Any:
    return 1 / (1 + sympy.exp(-x))


#: op name -> Oracle(math, sympy, torch).
ORACLES: dict[str, Oracle] = {
    "add": Oracle(lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    "mul": Oracle(lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    "pow": Oracle(lambda x, p: math.pow(x, p), lambda x, p: x ** sympy.Float(p), lambda x, p: x ** float(p)),
    "vpow": Oracle(lambda a, b: math.pow(a, b), lambda a, b: a**b, lambda a, b: a**b),
    "exp": Oracle(math.exp, lambda x: sympy.exp(x), lambda x: torch.exp(x)),
    "log": Oracle(math.log, lambda x: sympy.log(x), lambda x: torch.log(x)),
    "tanh": Oracle(math.tanh, lambda x: sympy.tanh(x), lambda x: torch.tanh(x)),
    "atan": Oracle(math.atan, lambda x: sympy.atan(x), lambda x: torch.atan(x)),
    "sin": Oracle(math.sin, lambda x: sympy.sin(x), lambda x: torch.sin(x)),
    "cos": Oracle(math.cos, lambda x: sympy.cos(x), lambda x: torch.cos(x)),
    "tan": Oracle(_mp(mpmath.tan), lambda x: sympy.tan(x), lambda x: torch.tan(x)),
    "sinh": Oracle(_mp(mpmath.sinh), lambda x: sympy.sinh(x), lambda x: torch.sinh(x)),
    "cosh": Oracle(_mp(mpmath.cosh), lambda x: sympy.cosh(x), lambda x: torch.cosh(x)),
    "asin": Oracle(_mp(mpmath.asin), lambda x: sympy.asin(x), lambda x: torch.asin(x)),
    "acos": Oracle(_mp(mpmath.acos), lambda x: sympy.acos(x), lambda x: torch.acos(x)),
    "asinh": Oracle(_mp(mpmath.asinh), lambda x: sympy.asinh(x), lambda x: torch.asinh(x)),
    "acosh": Oracle(_mp(mpmath.acosh), lambda x: sympy.acosh(x), lambda x: torch.acosh(x)),
    "atanh": Oracle(_mp(mpmath.atanh), lambda x: sympy.atanh(x), lambda x: torch.atanh(x)),
    "log1p": Oracle(_mp(mpmath.log1p), lambda x: sympy.log(1 + x), lambda x: torch.log1p(x)),
    "expm1": Oracle(_mp(mpmath.expm1), lambda x: sympy.exp(x) - 1, lambda x: torch.expm1(x)),
    "log2": Oracle(_mp(lambda x: mpmath.log(x, 2)), lambda x: sympy.log(x, 2), lambda x: torch.log2(x)),
    "log10": Oracle(_mp(mpmath.log10), lambda x: sympy.log(x, 10), lambda x: torch.log10(x)),
    "sigmoid": Oracle(lambda x: 1.0 / (1.0 + math.exp(-x)), _sympy_sigmoid, lambda x: torch.sigmoid(x)),
    "relu": Oracle(
        lambda x: max(0.0, x),
        lambda x: sympy.Piecewise((x, x > 0), (0, True)),
        lambda x: torch.relu(x),
    ),
    "leaky_relu": Oracle(
        lambda x, s: x if x >= 0 else s * x,
        lambda x, s: sympy.Piecewise((x, x > 0), (sympy.Float(s) * x, True)),
        lambda x, s: F.leaky_relu(x, negative_slope=float(s)),
    ),
    "abs": Oracle(math.fabs, lambda x: sympy.Abs(x), lambda x: torch.abs(x)),
    "sqrt": Oracle(math.sqrt, lambda x: sympy.sqrt(x), lambda x: torch.sqrt(x)),
    "softplus": Oracle(
        lambda x: math.log1p(math.exp(x)),
        lambda x: sympy.log(1 + sympy.exp(x)),
        lambda x: F.softplus(x),
    ),
    "log_sigmoid": Oracle(
        lambda x: -math.log1p(math.exp(-x)),
        lambda x: sympy.log(_sympy_sigmoid(x)),
        lambda x: F.logsigmoid(x),
    ),
    "sum": Oracle(lambda *xs: math.fsum(xs), lambda *xs: sympy.Add(*xs), lambda *xs: torch.stack(xs).sum()),
    "logsumexp": Oracle(
        _logsumexp,
        lambda *xs: sympy.log(sympy.Add(*[sympy.exp(x) for x in xs])),
        lambda *xs: torch.logsumexp(torch.stack(xs), 0),
    ),
}
