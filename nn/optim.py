"""Optimizers: ``SGD`` and ``Adam``, with PyTorch's update rules, on lists of engine ``Value`` parameters.

An optimizer reads each parameter's ``.grad`` (filled by ``loss.backward()``) and changes its
``.data`` in place with plain float arithmetic, under ``engine.no_grad()``: a step builds no graph.
The usual loop::

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for batch in data:
        opt.zero_grad()
        loss = compute_loss(batch)
        loss.backward()
        opt.step()

The learning rate is a positive number or a schedule ``lr(step) -> float`` called with the index
of the update (0 for the first). ``state_dict()`` holds the step count and every per-parameter
buffer as plain lists of floats, so it survives ``json.dumps``.

``step_arrays(data, grad, buffers)`` is the same update on parameters held in an array (numpy's, as
``fit(compile=True)`` keeps them while it runs the packed program): the same float operations element by
element, written with arithmetic operators alone, so the numbers are the float update's bit for bit.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any, Union

from engine import Value, no_grad
from engine.value import describe

#: A schedule: the index of the update (0 for the first) to the learning rate used for it.
Schedule = Callable[[int], float]
#: A learning rate: a positive finite number, or a schedule.
LearningRate = Union[float, Schedule]

#: An array of floats (numpy's), one number per parameter: what ``step_arrays`` updates in place.
Array = Any

__all__ = ["SGD", "Adam", "LearningRate", "Optimizer", "Schedule"]


def _real(x: object, what: str, expected: str) -> float:
    """``x`` as a float when it is a real number (not a bool); a TypeError otherwise, a ValueError if too big."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what}: expected {expected}, got {describe(x)}")
    try:
        return float(x)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{what}: expected {expected}, got {describe(x)}") from None


def _unit_interval(x: object, what: str) -> float:
    """A real number in [0, 1) (momentum, a beta), else a TypeError or ValueError naming ``what``."""
    expected = "a real number in [0, 1)"
    value = _real(x, what, expected)
    if not 0.0 <= value < 1.0:  # also false for nan
        raise ValueError(f"{what}: expected {expected}, got {describe(x)}")
    return value


def _non_negative(x: object, what: str) -> float:
    """A finite real number >= 0 (a weight decay), else a TypeError or ValueError naming ``what``."""
    expected = "a finite real number >= 0"
    value = _real(x, what, expected)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{what}: expected {expected}, got {describe(x)}")
    return value


def _positive(x: object, what: str) -> float:
    """A finite real number > 0 (a learning rate, an eps), else a TypeError or ValueError naming ``what``."""
    expected = "a finite real number > 0"
    value = _real(x, what, expected)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{what}: expected {expected}, got {describe(x)}")
    return value


def _check_lr(lr: object, owner: str) -> LearningRate:
    """A positive finite number (as a float) or a callable schedule, else a TypeError or ValueError."""
    if callable(lr):
        return lr  # its results are checked at each step, in lr_at
    expected = "a finite real number > 0 or a callable lr(step) -> float"
    value = _real(lr, f"{owner}(lr=...)", expected)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{owner}(lr=...): expected {expected}, got {describe(lr)}")
    return value


def _check_params(params: object, owner: str) -> list[Value]:
    """A new list of the distinct Values in ``params``, else a TypeError or ValueError naming the bad item."""
    what = f"{owner}(params=...)"
    if isinstance(params, (Value, str, bytes, Set, Mapping)) or not isinstance(params, Iterable):
        order = "; a set has no fixed order, pass a list" if isinstance(params, Set) else ""
        raise TypeError(f"{what}: expected a non-empty list of Values, got {describe(params)}{order}")
    items = list(params)
    if not items:
        raise ValueError(f"{what}: expected a non-empty list of Values, got an empty {type(params).__name__}")
    seen: dict[int, int] = {}
    for i, p in enumerate(items):
        if not isinstance(p, Value):
            raise TypeError(f"{what}: expected a Value at index {i}, got {describe(p)}")
        first = seen.setdefault(id(p), i)
        if first != i:
            raise ValueError(f"{what}: the same Value appears at index {first} and index {i}: {p!r}")
    return items


class Optimizer(ABC):
    """Base of the optimizers: the parameters, the learning rate, the step count and the per-parameter buffers.

    A subclass passes the names of its buffers (one float per parameter each, starting at 0.0) and
    implements ``_update(lr)``, which changes every ``p.data`` from ``p.grad``; ``step()`` runs it
    under ``no_grad()`` with ``lr = lr_at(step_count)`` and then counts the step.
    """

    params: list[Value]
    step_count: int
    _lr: LearningRate
    _buffers: dict[str, list[float]]

    def __init__(self, params: Iterable[Value], lr: LearningRate, *, buffers: Sequence[str] = ()) -> None:
        """The checked parameters and learning rate, step 0, and each named buffer at 0.0 per parameter."""
        owner = type(self).__name__
        checked = _check_params(params, owner)
        rate = _check_lr(lr, owner)
        self.params = checked
        self._lr = rate
        self.step_count = 0
        self._buffers = {name: [0.0] * len(checked) for name in buffers}

    @property
    def lr(self) -> LearningRate:
        """The learning rate: a positive float or a schedule ``lr(step) -> float``; assignments are checked."""
        return self._lr

    @lr.setter
    def lr(self, value: LearningRate) -> None:
        """Set the learning rate, checked."""
        self._lr = _check_lr(value, type(self).__name__)

    def lr_at(self, step: int) -> float:
        """The learning rate of update number ``step`` (0 for the first): ``lr`` or ``lr(step)``.

        A schedule's result must be a finite real number >= 0: anything else raises naming the step and the value.
        """
        owner = type(self).__name__
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"{owner}.lr_at(step): expected an int >= 0, got {describe(step)}")
        if step < 0:
            raise ValueError(f"{owner}.lr_at(step): expected an int >= 0, got {step!r}")
        lr = self._lr
        if not callable(lr):
            return lr
        rate = lr(step)
        what = f"{owner}: the learning-rate schedule at step {step}"
        expected = "a finite real number >= 0"
        value = _real(rate, what, expected)
        if not (math.isfinite(value) and value >= 0.0):
            raise ValueError(f"{what}: expected {expected}, got {describe(rate)}")
        return value

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (``backward()`` adds to leaf gradients)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """One update of every parameter from its ``.grad``, under ``no_grad()``; then ``step_count += 1``.

        The learning rate is fetched first, so a schedule that raises leaves parameters and state untouched.
        """
        lr = self.lr_at(self.step_count)
        with no_grad():
            self._update(lr)
        self.step_count += 1

    @abstractmethod
    def _update(self, lr: float) -> None:
        """Change every ``p.data`` (and the buffers) for update number ``step_count + 1``, at learning rate ``lr``."""

    def updates_arrays(self) -> bool:
        """True when ``step_arrays`` gives this optimizer's update: its class writes it (and ``_update`` is that
        class's own, not one a subclass changed)."""
        owner = next(k for k in type(self).__mro__ if "_update" in vars(k))  # the class whose update this is
        return "_update_arrays" in vars(owner)

    def buffers(self) -> dict[str, list[float]]:
        """Each per-parameter buffer by name, as the lists the optimizer keeps (a copy)."""
        return {name: list(buffer) for name, buffer in self._buffers.items()}

    def step_arrays(self, data: Array, grad: Array, buffers: dict[str, Array]) -> None:
        """``step()`` on arrays: ``data`` (every parameter's number, in the order of ``params``) updated in place from
        ``grad``, with ``buffers`` (``buffers()``, as arrays) in place of the optimizer's own; then ``step_count +=
        1``. The parameters' Values are not touched: whoever holds the arrays writes them back
        (``load_buffers`` for the buffers)."""
        if not self.updates_arrays():
            raise TypeError(f"{type(self).__name__}.step_arrays: expected an optimizer whose class writes its update "
                            "on arrays (SGD, Adam), got one that changes or lacks it; use step()")
        self._update_arrays(self.lr_at(self.step_count), data, grad, buffers)
        self.step_count += 1

    def load_buffers(self, buffers: dict[str, Array]) -> None:
        """The per-parameter buffers set from arrays (or lists) of the same names, as ``step_arrays`` left them."""
        self._buffers = {name: [float(x) for x in buffers[name]] for name in self._buffers}

    def _update_arrays(self, lr: float, data: Array, grad: Array, buffers: dict[str, Array]) -> None:
        """``_update`` on arrays (see ``step_arrays``); an optimizer without it updates through ``step()`` only."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, int | list[float]]:
        """A JSON-able copy of the state: ``{"step_count": n, <buffer>: [one float per parameter], ...}``."""
        state: dict[str, int | list[float]] = {"step_count": self.step_count}
        for name, buffer in self._buffers.items():
            state[name] = list(buffer)
        return state

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Restore a ``state_dict()`` (same optimizer type and parameter count); on any error nothing changes.

        The parameters' data is not part of the state: restore it separately.
        """
        owner = type(self).__name__
        what = f"{owner}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{what}: expected a dict, got {describe(state)}")
        expected_keys = {"step_count", *self._buffers}
        missing = sorted(expected_keys - set(state))
        unexpected = sorted(str(k) for k in set(state) - expected_keys)
        if missing or unexpected:
            raise ValueError(
                f"{what}: expected the keys {sorted(expected_keys)}, got {sorted(map(str, state))} "
                f"(missing {missing}, unexpected {unexpected})"
            )
        step_count = state["step_count"]
        if isinstance(step_count, bool) or not isinstance(step_count, int):
            raise TypeError(f"{what}: expected 'step_count' to be an int >= 0, got {describe(step_count)}")
        if step_count < 0:
            raise ValueError(f"{what}: expected 'step_count' to be an int >= 0, got {step_count!r}")
        n = len(self.params)
        buffers: dict[str, list[float]] = {}
        for name in self._buffers:
            values = state[name]
            if not isinstance(values, (list, tuple)):
                raise TypeError(f"{what}: expected {name!r} to be a list of {n} floats, got {describe(values)}")
            if len(values) != n:
                raise ValueError(
                    f"{what}: expected {name!r} to hold {n} floats (one per parameter), got {len(values)}"
                )
            buffers[name] = [_real(v, f"{what}: {name}[{i}]", "a real number") for i, v in enumerate(values)]
        self.step_count = step_count
        self._buffers = buffers

    def __repr__(self) -> str:
        """The optimizer's kind, parameter count, learning rate and step count."""
        return f"{type(self).__name__}({len(self.params)} params, lr={self._lr!r}, step_count={self.step_count})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay, as ``torch.optim.SGD``.

    For each parameter p, at learning rate lr:
    ``g = p.grad + weight_decay·p.data``; with momentum, ``v = momentum·v + g`` (``v = g`` at the
    first step) and ``g = v``; then ``p.data -= lr·g``.
    """

    momentum: float
    weight_decay: float

    def __init__(
        self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        """The checked momentum and weight decay; a momentum buffer only when there is momentum."""
        mu = _unit_interval(momentum, "SGD(momentum=...)")
        wd = _non_negative(weight_decay, "SGD(weight_decay=...)")
        super().__init__(params, lr, buffers=("momentum_buffer",) if mu else ())
        self.momentum = mu
        self.weight_decay = wd

    def _update(self, lr: float) -> None:
        """``p.data -= lr · g`` for every parameter, g with weight decay and momentum as the class says."""
        mu, wd = self.momentum, self.weight_decay
        first = self.step_count == 0
        velocity = self._buffers.get("momentum_buffer")
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            if velocity is not None:
                g = g if first else mu * velocity[i] + g
                velocity[i] = g
            p.data = p.data - lr * g

    def _update_arrays(self, lr: float, data: Array, grad: Array, buffers: dict[str, Array]) -> None:
        """``_update``'s operations on arrays, in place."""
        mu, wd = self.momentum, self.weight_decay
        g = grad + wd * data if wd else grad
        velocity = buffers.get("momentum_buffer")
        if velocity is not None:
            if self.step_count == 0:
                velocity[...] = g
            else:
                velocity *= mu
                velocity += g
            g = velocity
        data -= lr * g

    def __repr__(self) -> str:
        """The optimizer's settings and step count."""
        return (
            f"SGD({len(self.params)} params, lr={self._lr!r}, momentum={self.momentum!r}, "
            f"weight_decay={self.weight_decay!r}, step_count={self.step_count})"
        )


class Adam(Optimizer):
    """Adam with L2 weight decay added to the gradient, as ``torch.optim.Adam``.

    For each parameter p at step t (1 for the first update), at learning rate lr:
    ``g = p.grad + weight_decay·p.data``; ``m = β₁·m + (1-β₁)·g``; ``v = β₂·v + (1-β₂)·g²``;
    ``m̂ = m/(1-β₁ᵗ)``; ``v̂ = v/(1-β₂ᵗ)``; ``p.data -= lr·m̂/(√v̂ + eps)``. m and v start at 0
    (the buffers ``exp_avg`` and ``exp_avg_sq``).
    """

    betas: tuple[float, float]
    eps: float
    weight_decay: float

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        """The checked betas, eps and weight decay, and the two moment buffers."""
        if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence):
            raise TypeError(f"Adam(betas=...): expected a pair of real numbers in [0, 1), got {describe(betas)}")
        if len(betas) != 2:
            raise ValueError(
                f"Adam(betas=...): expected a pair of real numbers in [0, 1), got {len(betas)} items: {betas!r}"
            )
        b1 = _unit_interval(betas[0], "Adam(betas[0]=...)")
        b2 = _unit_interval(betas[1], "Adam(betas[1]=...)")
        e = _positive(eps, "Adam(eps=...)")
        wd = _non_negative(weight_decay, "Adam(weight_decay=...)")
        super().__init__(params, lr, buffers=("exp_avg", "exp_avg_sq"))
        self.betas = (b1, b2)
        self.eps = e
        self.weight_decay = wd

    def _update(self, lr: float) -> None:
        """Adam's update of every parameter, as the class says, at step ``step_count + 1``."""
        (b1, b2), eps, wd = self.betas, self.eps, self.weight_decay
        t = self.step_count + 1
        correction1 = 1.0 - b1**t
        correction2 = 1.0 - b2**t
        m, v = self._buffers["exp_avg"], self._buffers["exp_avg_sq"]
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * (g * g)
            m_hat = m[i] / correction1
            v_hat = v[i] / correction2
            p.data = p.data - lr * m_hat / (math.sqrt(v_hat) + eps)

    def _update_arrays(self, lr: float, data: Array, grad: Array, buffers: dict[str, Array]) -> None:
        """``_update``'s operations on arrays, in place (``** 0.5`` is numpy's exact square root, as ``math.sqrt``)."""
        (b1, b2), eps, wd = self.betas, self.eps, self.weight_decay
        t = self.step_count + 1
        correction1 = 1.0 - b1**t
        correction2 = 1.0 - b2**t
        m, v = buffers["exp_avg"], buffers["exp_avg_sq"]
        g = grad + wd * data if wd else grad
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        data -= lr * (m / correction1) / ((v / correction2) ** 0.5 + eps)

    def __repr__(self) -> str:
        """The optimizer's settings and step count."""
        return (
            f"Adam({len(self.params)} params, lr={self._lr!r}, betas={self.betas!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r}, step_count={self.step_count})"
        )
