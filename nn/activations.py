"""Activation functions by name: what a neuron applies to its pre-activation z."""

from __future__ import annotations

from collections.abc import Callable

from engine import Value
from engine.value import describe


def _linear(z: Value) -> Value:
    return z


#: name -> function Value -> Value. "linear" is the identity (no activation node).
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "linear": _linear,
}


def check_activation(name: object, what: str = "activation") -> str:
    """``name`` when it names an activation; otherwise a ValueError (or TypeError) listing the choices."""
    if not isinstance(name, str):
        raise TypeError(f"{what}: expected one of {', '.join(ACTIVATIONS)} (a str), got {describe(name)}")
    if name not in ACTIVATIONS:
        raise ValueError(f"{what}: expected one of {', '.join(ACTIVATIONS)}, got {name!r}")
    return name
