"""Losses for one example, and how to combine them over a data set.

Each loss that involves a probability takes *logits* and computes through a
stable form (logsumexp, softplus), so large logits never overflow. Combine
per-example losses with ``total`` (the lecture's total loss: the sum over all
training data) or ``mean``. One example's loss is labelled ``C`` and the total ``L``, the lecture's names
(``L = Σₙ Cⁿ``); add ``l2(params, alpha)`` for weight decay, or
``l1(params, alpha)``. A ``Penalty`` names one of them with its rate and the
parameters it penalizes, for a training step to add (``nn.train.make_step``).

The numeric targets of ``binary_cross_entropy``, ``mse`` and ``hinge`` may also be
Values (taken as they are): ``fit(compile=True)`` traces a step with the labels as
inputs, so one compiled step serves every batch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from engine import Value, logsumexp, scope, sum_values
from engine.value import describe, to_float
from nn.notation import LOSS, PICKED, SPREAD, TOTAL_LOSS, sub


def _values(xs: object, what: str) -> list[Value]:
    """``xs`` (a Value or a non-empty list of them) as a list; a TypeError naming ``what`` otherwise."""
    if type(xs) is Value:
        return [xs]
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or not xs:
        raise TypeError(f"{what}: expected a Value or a non-empty list of Values, got {xs!r} ({type(xs).__name__})")
    for i, x in enumerate(xs):
        if type(x) is not Value:
            raise TypeError(f"{what}: expected Values, item {i} is {x!r} ({type(x).__name__})")
    return list(xs)


def _label(target: object, what: str) -> int:
    """``target`` as an int class index; a TypeError naming ``what`` otherwise."""
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
            picked = sum_values([t * z for t, z in zip(target, zs)])
            picked.label = PICKED
            return _named(_spread(zs) + _negated(picked, PICKED))
    k = _label(target, "cross_entropy(target)")
    if not 0 <= k < len(zs):
        raise ValueError(f"cross_entropy: expected a target class in 0..{len(zs) - 1}, got {k}")
    with scope("cross_entropy"):
        return _named(_spread(zs) + _negated(zs[k], zs[k].label or f"z{sub(k + 1)}"))


def _spread(zs: list[Value]) -> Value:
    """``ln Σⱼ e^zⱼ``, labelled so (the cross entropy's first term)."""
    spread = logsumexp(zs)
    spread.label = SPREAD
    return spread


def _negated(term: Value, name: str) -> Value:
    """``−term``, labelled ``−name``."""
    negated = -term
    negated.label = f"\u2212{name}"
    return negated


def binary_cross_entropy(logit: Value | Sequence[Value], target: float | Value) -> Value:
    """``-[y·ln σ(z) + (1-y)·ln(1-σ(z))] = softplus(z) - y·z`` for a target y in [0, 1]; ∂/∂z = σ(z) - y."""
    (z,) = _one(logit, "binary_cross_entropy(logit)")
    y = target if type(target) is Value else to_float(target, "binary_cross_entropy(target)")
    if type(y) is float and not 0.0 <= y <= 1.0:
        raise ValueError(f"binary_cross_entropy: expected a target in [0, 1] (0 or 1 for a class), got {target!r}")
    with scope("binary_cross_entropy"):
        return _named(z.softplus() - y * z)


def mse(pred: Value | Sequence[Value], target: float | Value | Sequence[float | Value]) -> Value:
    """Mean squared error over the outputs: ``(1/n) Σ (predᵢ - targetᵢ)²``."""
    ps = _values(pred, "mse(pred)")
    ts = [target] if not isinstance(target, Sequence) else list(target)
    if len(ts) != len(ps):
        raise ValueError(f"mse: expected {len(ps)} target(s), one per prediction, got {len(ts)}")
    ys = [t if type(t) is Value else to_float(t, "mse(target)") for t in ts]
    with scope("mse"):
        squares = [(p - y) ** 2 for p, y in zip(ps, ys)]
        return _named(squares[0] if len(squares) == 1 else sum_values(squares) * (1.0 / len(squares)))


def hinge(score: Value | Sequence[Value], y: float | Value) -> Value:
    """The SVM max-margin loss ``max(0, 1 - y·score)`` for a label y of -1 or +1."""
    (s,) = _one(score, "hinge(score)")
    label = y if type(y) is Value else to_float(y, "hinge(y)")
    if type(label) is float and label not in (-1.0, 1.0):
        raise ValueError(f"hinge: expected a label of -1 or +1, got {y!r}")
    with scope("hinge"):
        return _named((1.0 - label * s).relu())


def _named(loss: Value, name: str = LOSS) -> Value:
    """``loss``, labelled ``name``: ``C``, one example's loss, unless it is the total ``L``."""
    loss.label = name
    return loss


def _one(x: object, what: str) -> list[Value]:
    """``x`` as a list of exactly one Value (a binary classifier's output)."""
    xs = _values(x, what)
    if len(xs) != 1:
        raise ValueError(f"{what}: expected one output (a binary classifier), got {len(xs)}")
    return xs


def total(losses: Sequence[Value]) -> Value:
    """The total loss ``L = Σₙ Cⁿ``: the sum of the per-example losses over the training data (one Σ node)."""
    return _named(sum_values(_values(losses, "total(losses)")), TOTAL_LOSS)


def mean(losses: Sequence[Value]) -> Value:
    """The mean of the per-example losses."""
    xs = _values(losses, "mean(losses)")
    return sum_values(xs) * (1.0 / len(xs))


def _rate(value: object, what: str, name: str) -> float:
    """``value`` as a finite float >= 0 (a penalty's rate), or an error naming ``what`` and ``name``."""
    a = to_float(value, f"{what}({name})")
    if not (a >= 0.0 and math.isfinite(a)):  # `a < 0.0` let NaN (and inf) through
        raise ValueError(f"{what}: expected a finite {name} >= 0, got {value!r}")
    return a


def l1(params: Sequence[Value], alpha: float) -> Value:
    """The L1 penalty ``alpha · Σ |p|`` (it drives small weights to exactly 0)."""
    a = _rate(alpha, "l1", "alpha")
    ps = _values(params, "l1(params)")
    return a * sum_values([abs(p) for p in ps])


def l2(params: Sequence[Value], alpha: float) -> Value:
    """The L2 penalty ``alpha · Σ p²`` (weight decay)."""
    a = _rate(alpha, "l2", "alpha")
    ps = _values(params, "l2(params)")
    return a * sum_values([p * p for p in ps])


#: The penalties a ``Penalty`` may be, by TensorFlow Playground's names.
PENALTIES: dict[str, Callable[[Sequence[Value], float], Value]] = {"L1": l1, "L2": l2}


class Penalty:
    """A penalty on some parameters that a training step adds to its objective: ``"L1"``, ``rate · Σ |p|``
    (``l1``), or ``"L2"``, ``rate · Σ p²`` (``l2``), over ``params``; a rate of 0 adds nothing (no node).

    ``fit(l2=r)`` penalizes every parameter, ``Penalty("L2", r, model.parameters())``; TensorFlow Playground
    the weights only, ``Penalty("L1", r, model.weights())``. It does not change once made (a compiled step
    compiles it once): for another rate, make another.
    """

    __slots__ = ("_kind", "_params", "_rate")

    def __init__(self, kind: str, rate: float, params: Sequence[Value]) -> None:
        """The penalty checked: a kind of ``PENALTIES``, a finite rate >= 0, Values to penalize."""
        if not isinstance(kind, str):
            raise TypeError(f"Penalty(kind): expected one of {', '.join(PENALTIES)} (a str), got {describe(kind)}")
        if kind not in PENALTIES:
            raise ValueError(f"Penalty(kind): expected one of {', '.join(PENALTIES)}, got {kind!r}")
        self._kind = kind
        self._rate = _rate(rate, "Penalty", "rate")
        self._params = tuple(_values(params, "Penalty(params)"))

    @property
    def kind(self) -> str:
        """``"L1"`` or ``"L2"``."""
        return self._kind

    @property
    def rate(self) -> float:
        """The factor in front of the sum, a finite float >= 0."""
        return self._rate

    @property
    def params(self) -> tuple[Value, ...]:
        """The Values it penalizes."""
        return self._params

    def first_outside(self, params: Sequence[Value]) -> int | None:
        """The index of the first of its parameters that is not among ``params`` (None: all of them are)."""
        known = {id(p) for p in params}
        return next((i for i, p in enumerate(self._params) if id(p) not in known), None)

    def term(self) -> Value:
        """The penalty's node: ``l1(params, rate)`` or ``l2(params, rate)``."""
        return PENALTIES[self._kind](self._params, self._rate)

    def added_to(self, loss: Value) -> Value:
        """``loss + term()``, or ``loss`` itself when the rate is 0."""
        return loss + self.term() if self._rate else loss

    def __repr__(self) -> str:
        """``Penalty('L2', 0.001, <12 parameters>)``."""
        return f"Penalty({self._kind!r}, {self._rate!r}, <{len(self._params)} parameters>)"


def penalized(per_example: Sequence[Value], reduction: str, penalty: Penalty | None) -> Value:
    """A training step's objective: the per-example losses combined by ``reduction`` (``"sum"``: ``total``;
    ``"mean"``), plus the ``penalty`` when there is one (and its rate is not 0)."""
    data_loss = total(per_example) if reduction == "sum" else mean(per_example)
    return data_loss if penalty is None else penalty.added_to(data_loss)


def objective(per_example: Sequence[Value], reduction: str, params: Sequence[Value], alpha: float) -> Value:
    """What ``fit(l2=alpha)`` minimizes: ``penalized`` with ``l2(params, alpha)`` when ``alpha`` is not 0."""
    return penalized(per_example, reduction, Penalty("L2", alpha, params) if alpha else None)


#: Loss names for ``nn.fit`` and the command line.
LOSSES = {
    "cross_entropy": cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
    "mse": mse,
    "hinge": hinge,
}
