"""Float math with IEEE-754 semantics: never raises, never returns a complex number.

Python's own float operators raise where IEEE returns a special value
(``1.0 / 0.0``, ``math.log(0.0)``, ``math.exp(1000.0)``, ``(-8.0) ** 0.5`` is
even complex). These functions return what PyTorch returns instead:
``log(0) = -inf``, ``log(-1) = nan``, ``1/0 = inf``, ``(-8) ** 0.5 = nan``,
``exp(1000) = inf``. The op table's forward functions are built from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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


def exp(x: float) -> float:
    """``e ** x``; overflows to ``inf`` instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def log(x: float) -> float:
    """Natural logarithm: ``log(0) = -inf``, ``log(x < 0) = nan``."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -INF
    return NAN  # negative or nan


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
