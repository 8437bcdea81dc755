"""Float math with IEEE-754 semantics: never raises, never returns a complex number.

Python's own float operators raise where IEEE returns a special value
(``1.0 / 0.0``, ``math.log(0.0)``, ``math.exp(1000.0)``, ``(-8.0) ** 0.5`` is
even complex). These functions return what PyTorch returns instead:
``log(0) = -inf``, ``log(-1) = nan``, ``1/0 = inf``, ``(-8) ** 0.5 = nan``,
``exp(1000) = inf``. The op table's forward functions are built from them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

INF = math.inf
NAN = math.nan


def _is_odd_integer(p: float) -> bool:
    """True when ``p`` is an odd integer (so a negative base keeps its sign)."""
    return math.isfinite(p) and p == math.floor(p) and math.fmod(p, 2.0) != 0.0


def power(x: float, p: float) -> float:
    """``x ** p`` with IEEE results: ``0 ** -1 = inf``, ``(-8) ** 0.5 = nan``, overflow to ``±inf``."""
    try:
        return math.pow(x, p)
    except ValueError:
        if x == 0.0:  # zero to a negative power: a signed infinity
            return math.copysign(INF, x) if _is_odd_integer(p) else INF
        return NAN  # a negative base to a non-integer power
    except OverflowError:
        return -INF if x < 0.0 and _is_odd_integer(p) else INF


def _overflowing(on_floats: Callable[[float], float], signed: bool, doc: str) -> Callable[[float], float]:
    """``on_floats`` with IEEE overflow: ``inf`` (``±inf`` by the sign of ``x`` when ``signed``) where it raises."""

    def overflowing(x: float) -> float:
        try:
            return on_floats(x)
        except OverflowError:
            return math.copysign(INF, x) if signed else INF

    overflowing.__name__ = overflowing.__qualname__ = on_floats.__name__
    overflowing.__doc__ = doc
    return overflowing


exp = _overflowing(math.exp, False, "``e ** x``; overflows to ``inf`` instead of raising.")
expm1 = _overflowing(math.expm1, False, "``e^x - 1``, exact near 0; overflows to ``inf`` instead of raising.")
sinh = _overflowing(math.sinh, True, "Hyperbolic sine; overflows to ``±inf`` instead of raising.")
cosh = _overflowing(math.cosh, False, "Hyperbolic cosine; overflows to ``inf`` instead of raising.")


def _logarithm(on_positive: Callable[[float], float], doc: str) -> Callable[[float], float]:
    """A logarithm with IEEE results: ``on_positive`` above 0, ``-inf`` at 0, ``nan`` below (and at ``nan``)."""

    def logarithm(x: float) -> float:
        if x > 0.0:
            return on_positive(x)
        return -INF if x == 0.0 else NAN  # negative or nan

    logarithm.__name__ = logarithm.__qualname__ = on_positive.__name__
    logarithm.__doc__ = doc
    return logarithm


log = _logarithm(math.log, "Natural logarithm: ``log(0) = -inf``, ``log(x < 0) = nan``.")
log2 = _logarithm(math.log2, "Base-2 logarithm: ``log2(0) = -inf``, ``log2(x < 0) = nan``.")
log10 = _logarithm(math.log10, "Base-10 logarithm: ``log10(0) = -inf``, ``log10(x < 0) = nan``.")


def log1p(x: float) -> float:
    """``ln(1 + x)``, exact near 0 (``math.log1p``): ``-inf`` at -1, ``nan`` below."""
    if x > -1.0:
        return math.log1p(x)
    return -INF if x == -1.0 else NAN


def sqrt(x: float) -> float:
    """Square root: ``sqrt(x < 0) = nan``."""
    return math.sqrt(x) if x >= 0.0 else (NAN if x < 0.0 else x)


def sigmoid(x: float) -> float:
    """``1 / (1 + e^-x)``, evaluated so that ``exp`` only ever sees a non-positive argument."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)  # x < 0 or nan
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """``log(1 + e^x)`` as ``max(x, 0) + log1p(e^-|x|)``: finite for every finite ``x``."""
    return max(x, 0.0) + math.log1p(exp(-abs(x))) if x == x else x


def log_sigmoid(x: float) -> float:
    """``log σ(x) = -softplus(-x)`` as ``min(x, 0) - log1p(e^-|x|)``."""
    return min(x, 0.0) - math.log1p(exp(-abs(x))) if x == x else x


def logsumexp(xs: Sequence[float]) -> float:
    """``log Σ e^xᵢ`` shifted by the largest ``xᵢ``, so no term overflows."""
    if any(x != x for x in xs):
        return NAN
    m = max(xs)
    if math.isinf(m):  # all -inf gives -inf; any +inf gives +inf
        return m
    return m + math.log(sum(math.exp(x - m) for x in xs))


#: Hyperbolic tangent: ``math.tanh`` itself, which never raises.
tanh = math.tanh


def sin(x: float) -> float:
    """Sine; ``nan`` at ``±inf`` (where ``math.sin`` raises)."""
    return math.sin(x) if math.isfinite(x) else NAN


def cos(x: float) -> float:
    """Cosine; ``nan`` at ``±inf`` (where ``math.cos`` raises)."""
    return math.cos(x) if math.isfinite(x) else NAN


def tan(x: float) -> float:
    """Tangent; ``nan`` at ``±inf`` (where ``math.tan`` raises)."""
    return math.tan(x) if math.isfinite(x) else NAN


def asin(x: float) -> float:
    """Arcsine, in [-π/2, π/2]; ``nan`` outside [-1, 1]."""
    return math.asin(x) if -1.0 <= x <= 1.0 else NAN


def acos(x: float) -> float:
    """Arccosine, in [0, π]; ``nan`` outside [-1, 1]."""
    return math.acos(x) if -1.0 <= x <= 1.0 else NAN


#: Inverse hyperbolic sine: ``math.asinh`` itself, which never raises (``asinh(±inf) = ±inf``).
asinh = math.asinh


def acosh(x: float) -> float:
    """Inverse hyperbolic cosine, exact near 1 (``math.acosh``); ``nan`` below 1."""
    return math.acosh(x) if x >= 1.0 else NAN


def atanh(x: float) -> float:
    """Inverse hyperbolic tangent: ``±inf`` at ``±1``, ``nan`` beyond."""
    if -1.0 < x < 1.0:
        return math.atanh(x)
    return math.copysign(INF, x) if x in (-1.0, 1.0) else NAN


def relu(x: float) -> float:
    """``max(0, x)``, keeping ``nan`` (as PyTorch does)."""
    return 0.0 if x < 0.0 else x


def step(x: float) -> float:
    """1 where ``x > 0``, else 0 (``nan`` gives 0): the derivative of ``relu``."""
    return 1.0 if x > 0.0 else 0.0


def nonneg(x: float) -> float:
    """1 where ``x ≥ 0``, else 0."""
    return 1.0 if x >= 0.0 else 0.0


def is_zero(x: float) -> float:
    """1 where ``x == 0``, else 0."""
    return 1.0 if x == 0.0 else 0.0


def sign(x: float) -> float:
    """-1, 0 or 1 by the sign of ``x``; ``nan`` for ``nan``."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else NAN


def total(xs: Sequence[float]) -> float:
    """``0.0 + x₀ + x₁ + …``, added left to right (Python's ``sum``, whose order the backward loop's sums share)."""
    return sum(xs, 0.0)


def where(condition: float, yes: float, no: float) -> float:
    """``yes`` where ``condition`` is nonzero, else ``no`` (both already computed: IEEE math never raises)."""
    return yes if condition else no
