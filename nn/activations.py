"""Activation functions by name: what a neuron applies to its pre-activation z, on Values and on floats."""

from __future__ import annotations

from collections.abc import Callable

from engine import OPS, Value, no_grad
from engine.value import describe

#: The slope of the ``"leaky_relu"`` activation where z < 0 (PyTorch's ``LeakyReLU`` default too).
LEAKY_SLOPE = 0.01


def _linear(z: Value) -> Value:
    """The identity: a linear neuron's a is its z itself."""
    return z


def _leaky_relu(z: Value) -> Value:
    """``leaky_relu`` with nn's slope, ``LEAKY_SLOPE``."""
    return z.leaky_relu(LEAKY_SLOPE)


#: name -> function Value -> Value. "linear" is the identity (no activation node).
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": _leaky_relu,
    "linear": _linear,
}


def float_activation(name: str) -> Callable[[float], float]:
    """The activation ``name`` on floats: bit for bit the data of the node its Value function makes.

    It is the float forward (``Op.floats``) of the activation's op in the table, the function the Value
    method calls (``leaky_relu``'s with ``LEAKY_SLOPE``), or the identity for ``"linear"``. An activation
    added to ``ACTIVATIONS`` that is not the Value method of an op runs its Value function on a Value
    instead (the same float, slower). ``name`` must be in ``ACTIVATIONS``.
    """
    check_activation(name, "float_activation(name)")
    if name == "linear":
        return _identity
    if name == "leaky_relu":
        leaky = OPS["leaky_relu"].floats
        return lambda z: leaky(z, LEAKY_SLOPE)
    function = ACTIVATIONS[name]
    if name in OPS and function is getattr(Value, name, None):  # Value.tanh is a node of the op tanh
        return OPS[name].floats

    def through_a_value(z: float) -> float:
        """The activation's Value function run on a Value of ``z``, its data taken."""
        with no_grad():
            return function(Value(z)).data

    return through_a_value


def _identity(z: float) -> float:
    """The identity on floats."""
    return z


def check_activation(name: object, what: str = "activation") -> str:
    """``name`` when it names an activation; otherwise a ValueError (or TypeError) listing the choices."""
    if not isinstance(name, str):
        raise TypeError(f"{what}: expected one of {', '.join(ACTIVATIONS)} (a str), got {describe(name)}")
    if name not in ACTIVATIONS:
        raise ValueError(f"{what}: expected one of {', '.join(ACTIVATIONS)}, got {name!r}")
    return name
