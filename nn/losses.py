"""Losses for one example, and how to combine them over a data set.

Each loss that involves a probability takes *logits* and computes through a
stable form (logsumexp, softplus), so large logits never overflow. Combine
per-example losses with ``total`` (the lecture's total loss: the sum over all
training data) or ``mean``; add ``l2(params, alpha)`` for weight decay.

The numeric targets of ``binary_cross_entropy``, ``mse`` and ``hinge`` may also be
Values (taken as they are): ``fit(compile=True)`` traces a step with the labels as
inputs, so one compiled step serves every batch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from engine import Value, logsumexp, scope, sum_values
from engine.value import to_float


def _values(xs: object, what: str) -> list[Value]:
    if type(xs) is Value:
        return [xs]
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or not xs:
        raise TypeError(f"{what}: expected a Value or a non-empty list of Values, got {xs!r} ({type(xs).__name__})")
    for i, x in enumerate(xs):
        if type(x) is not Value:
            raise TypeError(f"{what}: expected Values, item {i} is {x!r} ({type(x).__name__})")
    return list(xs)


def _label(target: object, what: str) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"{what}: expected an int class index, got {target!r} ({type(target).__name__})")
    return int(target)


def cross_entropy(logits: Sequence[Value], target: int | Sequence[Value]) -> Value:
    """``-ln softmax(logits)[target] = logsumexp(logits) - logits[target]``; ∂/∂zᵢ = pᵢ - [i = target].

    ``target`` may also be the class as one-hot Values ``ŷ``: then ``logsumexp(logits) - Σⱼ ŷⱼ·zⱼ``, the
    lecture's ``-Σⱼ ŷⱼ ln yⱼ``. While the logits are finite it gives the same numbers, loss and gradients,
    bit for bit; ``fit(compile=True)`` traces with it, so the labels are inputs of the compiled step.
    """
    zs = _values(logits, "cross_entropy(logits)")
    if isinstance(target, (list, tuple)) and target and all(type(t) is Value for t in target):
        if len(target) != len(zs):
            raise ValueError(f"cross_entropy: expected {len(zs)} one-hot target Values, got {len(target)}")
        with scope("cross_entropy"):
            return logsumexp(zs) - sum_values([t * z for t, z in zip(target, zs)])
    k = _label(target, "cross_entropy(target)")
    if not 0 <= k < len(zs):
        raise ValueError(f"cross_entropy: expected a target class in 0..{len(zs) - 1}, got {k}")
    with scope("cross_entropy"):
        return logsumexp(zs) - zs[k]


def binary_cross_entropy(logit: Value | Sequence[Value], target: float | Value) -> Value:
    """``-[y·ln σ(z) + (1-y)·ln(1-σ(z))] = softplus(z) - y·z`` for a target y in [0, 1]; ∂/∂z = σ(z) - y."""
    (z,) = _one(logit, "binary_cross_entropy(logit)")
    y = target if type(target) is Value else to_float(target, "binary_cross_entropy(target)")
    if type(y) is float and not 0.0 <= y <= 1.0:
        raise ValueError(f"binary_cross_entropy: expected a target in [0, 1] (0 or 1 for a class), got {target!r}")
    with scope("binary_cross_entropy"):
        return z.softplus() - y * z


def mse(pred: Value | Sequence[Value], target: float | Value | Sequence[float | Value]) -> Value:
    """Mean squared error over the outputs: ``(1/n) Σ (predᵢ - targetᵢ)²``."""
    ps = _values(pred, "mse(pred)")
    ts = [target] if not isinstance(target, Sequence) else list(target)
    if len(ts) != len(ps):
        raise ValueError(f"mse: expected {len(ps)} target(s), one per prediction, got {len(ts)}")
    ys = [t if type(t) is Value else to_float(t, "mse(target)") for t in ts]
    with scope("mse"):
        squares = [(p - y) ** 2 for p, y in zip(ps, ys)]
        return squares[0] if len(squares) == 1 else sum_values(squares) * (1.0 / len(squares))


def hinge(score: Value | Sequence[Value], y: float | Value) -> Value:
    """The SVM max-margin loss ``max(0, 1 - y·score)`` for a label y of -1 or +1."""
    (s,) = _one(score, "hinge(score)")
    label = y if type(y) is Value else to_float(y, "hinge(y)")
    if type(label) is float and label not in (-1.0, 1.0):
        raise ValueError(f"hinge: expected a label of -1 or +1, got {y!r}")
    with scope("hinge"):
        return (1.0 - label * s).relu()


def _one(x: object, what: str) -> list[Value]:
    xs = _values(x, what)
    if len(xs) != 1:
        raise ValueError(f"{what}: expected one output (a binary classifier), got {len(xs)}")
    return xs


def total(losses: Sequence[Value]) -> Value:
    """The total loss: the sum of the per-example losses over the training data (one Σ node)."""
    return sum_values(_values(losses, "total(losses)"))


def mean(losses: Sequence[Value]) -> Value:
    """The mean of the per-example losses."""
    xs = _values(losses, "mean(losses)")
    return sum_values(xs) * (1.0 / len(xs))


def l2(params: Sequence[Value], alpha: float) -> Value:
    """The L2 penalty ``alpha · Σ p²`` (weight decay)."""
    a = to_float(alpha, "l2(alpha)")
    if not (a >= 0.0 and math.isfinite(a)):  # `a < 0.0` let NaN (and inf) through
        raise ValueError(f"l2: expected a finite alpha >= 0, got {alpha!r}")
    ps = _values(params, "l2(params)")
    return a * sum_values([p * p for p in ps])


def objective(per_example: Sequence[Value], reduction: str, params: Sequence[Value], alpha: float) -> Value:
    """What ``fit`` minimizes: the per-example losses combined by ``reduction`` (``"sum"``: ``total``;
    ``"mean"``), plus ``l2(params, alpha)`` when ``alpha`` is not 0."""
    data_loss = total(per_example) if reduction == "sum" else mean(per_example)
    return data_loss + l2(params, alpha) if alpha else data_loss


#: Loss names for ``nn.fit`` and the command line.
LOSSES = {
    "cross_entropy": cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
    "mse": mse,
    "hinge": hinge,
}
