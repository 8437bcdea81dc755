"""Neurons, layers and multilayer perceptrons, built from engine Values so that backprop stays visible.

The lecture's picture: a neuron is a logistic regression, ``z = Σ wᵢ·aᵢ + b``,
``a = σ(z)``; a layer is a list of neurons that all see the same inputs, so a
whole layer is ``a' = σ(W·a + b)``; a network is a chain of layers, the last
one giving the outputs (logits, or probabilities through softmax).
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from engine import Value, no_grad, scope, softmax, sum_values
from engine.value import to_float
from nn.activations import ACTIVATIONS, check_activation
from nn.module import Module

if TYPE_CHECKING:
    import torch

#: What an MLP does to its last layer's outputs (the logits).
OUTPUTS = ("linear", "softmax", "sigmoid")

Seed = int | random.Random | None


def _rng(seed: object, what: str) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(f"{what}(seed=...): expected an int, a random.Random or None, got {seed!r} ({type(seed).__name__})")


def _count(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what}: expected a positive int, got {n!r} ({type(n).__name__})")
    if n < 1:
        raise ValueError(f"{what}: expected a positive int, got {n}")
    return n


def init_bound(nin: int, activation: str) -> float:
    """Half-width of the uniform initialization, scaled by fan-in: √(6/nin) (He) before a ReLU, else √(3/nin)."""
    return math.sqrt((6.0 if activation in ("relu", "leaky_relu") else 3.0) / nin)


def as_inputs(x: object, nin: int, what: str) -> list[Value]:
    """``x`` (numbers or Values, ``nin`` of them) as Values; numbers become input leaves labelled ``x0, x1, …``."""
    if isinstance(x, (str, bytes, Value)) or not isinstance(x, Sequence):
        raise TypeError(f"{what}: expected a list of {nin} numbers or Values, got {x!r} ({type(x).__name__})")
    if len(x) != nin:
        raise ValueError(f"{what}: expected an input of {nin} numbers, got {len(x)}")
    return [v if type(v) is Value else Value(to_float(v, f"{what} input[{i}]"), label=f"x{i}") for i, v in enumerate(x)]


def _sizes(config: Mapping[str, Any], *keys: str) -> list[int] | None:
    """The layer sizes a config names (``nouts`` may be a list), or None when they are not all ints."""
    sizes: list[Any] = []
    for key in keys:
        v = config.get(key)
        sizes += v if isinstance(v, list) else [v]
    return sizes if all(type(s) is int for s in sizes) else None


class _Scoped(Module):
    """A module whose nodes are made in a scope of its own name, so a diagram draws them in one box."""

    _scope: scope

    @property
    def name(self) -> str:
        """The scope its nodes are made in: ``neuron 3`` inside a layer, ``layer 1`` inside an MLP."""
        return self._scope.name

    @name.setter
    def name(self, value: str) -> None:
        self._scope = scope(value)


class Neuron(_Scoped):
    """One neuron: ``z = Σ wᵢ·aᵢ + b`` (one mul node per edge, one sum node labelled ``z``), then ``a = σ(z)``."""

    def __init__(self, nin: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _count(nin, "Neuron(nin)")
        self.activation = check_activation(activation, "Neuron(activation)")
        rng = _rng(seed, "Neuron")
        bound = init_bound(self.nin, self.activation)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(self.nin)]
        self.b = Value(0.0, label="b")
        self.name = "neuron"  # its scope in diagrams; a Layer numbers its neurons

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output for inputs ``x``: the node ``a`` (or ``z`` itself when the activation is linear)."""
        return self._forward(as_inputs(x, self.nin, "Neuron"))

    def _forward(self, xs: list[Value]) -> Value:
        # one mul node per edge w_i·a_i, then one Σ node z; xs are checked Values
        with self._scope:
            z = sum_values([*map(operator.mul, self.w, xs), self.b])
            z.label = "z"
            if self.activation == "linear":
                return z
            a = ACTIVATIONS[self.activation](z)
        a.label = "a"
        return a

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        sizes = _sizes(config, "nin")
        return None if sizes is None else sizes[0] + 1

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(_Scoped):
    """A fully connected layer: ``nout`` neurons that all see the same ``nin`` inputs. Always returns a list."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _count(nin, "Layer(nin)")
        self.nout = _count(nout, "Layer(nout)")
        self.activation = check_activation(activation, "Layer(activation)")
        rng = _rng(seed, "Layer")
        self.neurons = [Neuron(self.nin, self.activation, rng) for _ in range(self.nout)]
        for j, n in enumerate(self.neurons):
            n.name = f"neuron {j}"
        self.name = "layer"  # its scope in diagrams; an MLP numbers its layers

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """``σ(W·x + b)``, one Value per neuron."""
        xs = as_inputs(x, self.nin, "Layer")
        with self._scope:
            return [n._forward(xs) for n in self.neurons]

    @property
    def W(self) -> list[list[Value]]:
        """The weight matrix, ``nout × nin``: row j holds neuron j's weights."""
        return [n.w for n in self.neurons]

    @property
    def b(self) -> list[Value]:
        """The bias vector, one per neuron."""
        return [n.b for n in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{j}.{name}", p) for j, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        sizes = _sizes(config, "nin", "nout")
        return None if sizes is None else (sizes[0] + 1) * sizes[1]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: hidden layers with ``activation``, then a linear last layer (the logits).

    ``nouts`` lists the layer sizes; the last is the number of outputs. ``output`` says what the call
    returns: ``"linear"`` the logits, ``"softmax"`` probabilities (the lecture's softmax output layer),
    ``"sigmoid"`` one independent probability per output. Losses in ``nn.losses`` take logits.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", output: str = "linear", seed: Seed = 0
    ) -> None:
        self.nin = _count(nin, "MLP(nin)")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"MLP(nouts): expected a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_count(n, f"MLP(nouts[{i}])") for i, n in enumerate(nouts)]
        self.activation = check_activation(activation, "MLP(activation)")
        if output not in OUTPUTS:
            raise ValueError(f"MLP(output): expected one of {', '.join(OUTPUTS)}, got {output!r}")
        self.output = output
        rng = _rng(seed, "MLP")
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], self.activation if i < last else "linear", rng)
            for i in range(len(self.nouts))
        ]
        for i, layer in enumerate(self.layers):
            layer.name = f"layer {i}"

    def logits(self, x: Sequence[Value | float]) -> list[Value]:
        """The last layer's outputs before any softmax or sigmoid."""
        h = as_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            with layer._scope:
                h = [n._forward(h) for n in layer.neurons]  # sizes match by construction: no re-checks
        return h

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """The network's outputs for one input ``x`` (``nin`` numbers): always a list of Values."""
        out = self.logits(x)
        if self.output == "softmax":
            return softmax(out)
        if self.output == "sigmoid":
            return [v.sigmoid() for v in out]
        return out

    def predict_proba(self, x: Sequence[float]) -> list[float]:
        """Class probabilities for ``x``: softmax of the logits, or σ(logit) for a single output (no graph kept)."""
        with no_grad():
            logits = self.logits(x)
            if len(logits) == 1:
                return [logits[0].sigmoid().data]
            return [p.data for p in softmax(logits)]

    def predict(self, x: Sequence[float]) -> int:
        """The predicted class: the largest logit, or (one output) 1 when the logit is positive."""
        with no_grad():
            logits = [v.data for v in self.logits(x)]
        if len(logits) == 1:
            return int(logits[0] > 0.0)
        return max(range(len(logits)), key=logits.__getitem__)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation, "output": self.output}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        sizes = _sizes(config, "nin", "nouts")
        return None if sizes is None else sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))

    def to_torch(self) -> torch.nn.Sequential:
        """This network as a float64 ``torch.nn.Sequential`` with copies of its weights (needs ``glassgrad[torch]``).

        See ``nn.torch_bridge.to_torch``.
        """
        from nn.torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, seq: torch.nn.Sequential) -> MLP:
        """A new MLP from a ``torch.nn.Sequential`` of the shape ``to_torch`` builds (needs ``glassgrad[torch]``).

        See ``nn.torch_bridge.from_torch``: a module it cannot represent is a ValueError naming it.
        """
        from nn.torch_bridge import from_torch

        return from_torch(seq)

    def __repr__(self) -> str:
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, output={self.output!r})"
