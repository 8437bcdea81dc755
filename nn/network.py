"""Neurons, layers and multilayer perceptrons, built from engine Values so that backprop stays visible.

The lecture's picture: a neuron is a logistic regression, ``z = Σ wᵢ·aᵢ + b``,
``a = σ(z)``; a layer is a list of neurons that all see the same inputs, so a
whole layer is ``a' = σ(W·a + b)``; a network is a chain of layers, the last
one giving the outputs (logits, or probabilities through softmax).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from engine import OPS, Value, no_grad, scope, softmax, sum_values
from engine import compile as engine_compile
from engine.value import describe, to_float
from nn.activations import ACTIVATIONS, check_activation, float_activation
from nn.module import Module
from nn.notation import layer_name, symbol, unit_name
from nn.seeding import Seed, generator

if TYPE_CHECKING:
    import torch

#: What an MLP does to its last layer's outputs (the logits).
OUTPUTS = ("linear", "softmax", "sigmoid")


def _count(n: object, what: str) -> int:
    """``n`` when it is a positive int, else a TypeError or ValueError naming ``what``."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what}: expected a positive int, got {n!r} ({type(n).__name__})")
    if n < 1:
        raise ValueError(f"{what}: expected a positive int, got {n}")
    return n


def _index(i: object, low: int, high: int, expected: str) -> int:
    """``i`` when it is an int from ``low`` to ``high``, else a TypeError or ValueError that says so."""
    if isinstance(i, bool) or not isinstance(i, int):
        raise TypeError(f"{expected} (an int from {low} to {high}), got {describe(i)}")
    if not low <= i <= high:
        raise ValueError(f"{expected} from {low} to {high}, got {i}")
    return i


def init_bound(nin: int, activation: str) -> float:
    """Half-width of the uniform initialization, scaled by fan-in: √(6/nin) (He) before a ReLU, else √(3/nin)."""
    return math.sqrt((6.0 if activation in ("relu", "leaky_relu") else 3.0) / nin)


def _check_input(x: object, nin: int, what: str) -> Sequence[Any]:
    """``x`` itself when it is a sequence of ``nin`` items; a TypeError or ValueError naming ``what`` otherwise."""
    if isinstance(x, (str, bytes, Value)) or not isinstance(x, Sequence):
        raise TypeError(f"{what}: expected a list of {nin} numbers or Values, got {x!r} ({type(x).__name__})")
    if len(x) != nin:
        raise ValueError(f"{what}: expected an input of {nin} numbers, got {len(x)}")
    return x


def as_inputs(x: object, nin: int, what: str, layer: int = 0) -> list[Value]:
    """``x`` (numbers or Values, ``nin`` of them) as Values; numbers become input leaves labelled ``x₁, x₂, …``, or
    ``a₁ˡ, a₂ˡ, …`` when they stand for the outputs of layer ``layer``."""
    xs = _check_input(x, nin, what)
    return [
        v if type(v) is Value else Value(to_float(v, f"{what} input[{j}]"), label=unit_name(j + 1, layer))
        for j, v in enumerate(xs)
    ]


def as_input_floats(x: object, nin: int, what: str) -> list[float]:
    """``x`` (numbers or Values, ``nin`` of them) as floats: the numbers ``as_inputs`` would put in its Values."""
    xs = _check_input(x, nin, what)
    return [
        v if type(v) is float else v.data if type(v) is Value else to_float(v, f"{what} input[{i}]")
        for i, v in enumerate(xs)
    ]


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
        """Name the scope its nodes are made in."""
        self._scope = scope(value)


class Neuron(_Scoped):
    """One neuron: ``z = Σ wⱼ·aⱼ + b`` (one mul node per edge, one sum node labelled ``z``), then ``a = σ(z)``.

    Its weights, bias, ``z`` and ``a`` are labelled in the lecture's notation (``nn.notation``) as far as its place
    is known: ``w₁, w₂, …, b, z, a`` alone; ``wᵢⱼ, bᵢ, zᵢ, aᵢ`` as neuron i of a layer; ``wᵢⱼˡ, bᵢˡ, zᵢˡ, aᵢˡ`` in
    layer l of an MLP.
    """

    def __init__(self, nin: int, activation: str = "relu", seed: Seed = None) -> None:
        """``nin`` weights drawn uniformly in ``±init_bound`` from the seed's generator, and a bias of 0."""
        self.nin = _count(nin, "Neuron(nin)")
        self.activation = check_activation(activation, "Neuron(activation)")
        rng = generator(seed, "Neuron(seed)")
        bound = init_bound(self.nin, self.activation)
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(self.nin)]
        self.b = Value(0.0)
        self._place(None, None)  # a Layer numbers its neurons, an MLP its layers

    def _place(self, i: int | None, layer: int | None) -> None:
        """Make it neuron ``i`` (from 1; None: of no layer) of layer ``layer`` (from 1; None: of no MLP): its scope
        (``neuron i``) and the labels of its weights, bias, ``z`` and ``a`` (``wᵢⱼˡ``, ``bᵢˡ``, ``zᵢˡ``, ``aᵢˡ``)."""
        at = () if i is None else (i,)
        for j, w in enumerate(self.w, start=1):
            w.label = symbol("w", (*at, j), layer)
        self.b.label = symbol("b", at, layer)
        self._z, self._a = symbol("z", at, layer), symbol("a", at, layer)
        self.name = "neuron" if i is None else f"neuron {i}"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output for inputs ``x``: the node ``a`` (or ``z`` itself when the activation is linear)."""
        return self._nodes(as_inputs(x, self.nin, "Neuron"))[1]

    def _nodes(self, xs: list[Value]) -> tuple[Value, Value]:
        """``(z, a)`` for the checked Values ``xs``: one mul node per edge wⱼ·aⱼ, one Σ node ``z``, then ``a = σ(z)``
        (``a`` is ``z`` itself when the activation is linear); the only forward of a neuron on Values."""
        with self._scope:
            z = sum_values([*map(operator.mul, self.w, xs), self.b])
            z.label = self._z
            if self.activation == "linear":
                return z, z
            a = ACTIVATIONS[self.activation](z)
        a.label = self._a
        return z, a

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``w.0, w.1, …`` then ``b``."""
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def config(self) -> dict[str, Any]:
        """``{nin, activation}``."""
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """``nin`` weights and a bias."""
        sizes = _sizes(config, "nin")
        return None if sizes is None else sizes[0] + 1

    def __repr__(self) -> str:
        """``Neuron(2, activation='relu')``."""
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(_Scoped):
    """A fully connected layer: ``nout`` neurons that all see the same ``nin`` inputs. Always returns a list."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", seed: Seed = None) -> None:
        """``nout`` neurons named ``neuron 1, neuron 2, …``, drawn one after another from the seed's generator."""
        self.nin = _count(nin, "Layer(nin)")
        self.nout = _count(nout, "Layer(nout)")
        self.activation = check_activation(activation, "Layer(activation)")
        rng = generator(seed, "Layer(seed)")
        self.neurons = [Neuron(self.nin, self.activation, rng) for _ in range(self.nout)]
        self._place(None)  # an MLP numbers its layers

    def _place(self, layer: int | None, output: bool = False) -> None:
        """Make it layer ``layer`` (from 1; None: of no MLP), the output layer when ``output``: its scope
        (``layer l``, ``layer l: output layer``) and its neurons' (``neuron 1, neuron 2, …``, and their labels)."""
        for i, n in enumerate(self.neurons, start=1):
            n._place(i, layer)
        self.name = "layer" if layer is None else layer_name(layer, output)

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """``σ(W·x + b)``, one Value per neuron."""
        xs = as_inputs(x, self.nin, "Layer")
        with self._scope:
            return [n._nodes(xs)[1] for n in self.neurons]

    @property
    def W(self) -> list[list[Value]]:
        """The weight matrix, ``nout × nin``: row i holds neuron i's weights (the lecture's ``Wˡ``, ``wᵢⱼˡ`` at row i,
        column j, both from 1 there)."""
        return [n.w for n in self.neurons]

    @property
    def b(self) -> list[Value]:
        """The bias vector, one per neuron."""
        return [n.b for n in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``neurons.j.<the neuron's name>`` for each neuron j in turn."""
        return [(f"neurons.{j}.{name}", p) for j, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def config(self) -> dict[str, Any]:
        """``{nin, nout, activation}``."""
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """``(nin + 1) · nout``: each neuron's weights and bias."""
        sizes = _sizes(config, "nin", "nout")
        return None if sizes is None else (sizes[0] + 1) * sizes[1]

    def __repr__(self) -> str:
        """``Layer(2, 4, activation='relu')``."""
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
        """The layers named ``layer 1, layer 2, …, layer L: output layer``, their weights drawn one after another
        from the seed's generator."""
        self.nin = _count(nin, "MLP(nin)")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"MLP(nouts): expected a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_count(n, f"MLP(nouts[{i}])") for i, n in enumerate(nouts)]
        self.activation = check_activation(activation, "MLP(activation)")
        if output not in OUTPUTS:
            raise ValueError(f"MLP(output): expected one of {', '.join(OUTPUTS)}, got {output!r}")
        self.output = output
        rng = generator(seed, "MLP(seed)")
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], self.activation if i < last else "linear", rng)
            for i in range(len(self.nouts))
        ]
        for L, layer in enumerate(self.layers, start=1):
            layer._place(L, output=layer is self.layers[-1])

    def trace(
        self, x: Sequence[Value | float], on_neuron: Callable[[int, int], None] | None = None
    ) -> tuple[list[Value], list[list[tuple[Value, Value]]]]:
        """The forward pass on Values for one input ``x``, and every neuron's nodes: ``(logits, layers)`` where
        ``layers[L - 1][j]`` is ``(z, a)`` of neuron j (from 0) of layer L (from 1; the inputs are layer 0), ``a``
        being ``z`` itself for a linear neuron (the last layer's: the logits).

        ``on_neuron(L, j)``, when given, is called just before neuron j of layer L is computed, so whoever
        catches an exception raised while it is (``engine.detect_anomaly()``'s, say) knows which neuron it
        came from. Numbers given in ``x`` become input leaves labelled ``x₁, x₂, …``; every node is made in
        the scope of its layer and its neuron (``layer 1/neuron 4``: j = 3) and labelled as the lecture names it
        (``z₄¹``, ``a₄¹``), the one forward that ``logits`` and ``__call__`` run.
        """
        h = as_inputs(x, self.nin, "MLP")
        layers: list[list[tuple[Value, Value]]] = []
        for L, layer in enumerate(self.layers, start=1):
            with layer._scope:  # sizes match by construction: no re-checks
                if on_neuron is None:
                    nodes = [n._nodes(h) for n in layer.neurons]
                else:
                    nodes = [_announced(on_neuron, L, j, n, h) for j, n in enumerate(layer.neurons)]
            layers.append(nodes)
            h = [a for _, a in nodes]
        return h, layers

    def trace_neuron(self, L: int, j: int, x: Sequence[Value | float]) -> tuple[Value, Value]:
        """``(z, a)`` of neuron j (from 0) of layer L (from 1) alone, on the inputs ``x`` it takes (the previous
        layer's outputs; Values as they are, numbers as leaves ``x₁, x₂, …`` for layer 1, ``a₁ˡ⁻¹, a₂ˡ⁻¹, …`` for
        a later one), its nodes made in the scopes ``trace`` makes them in: that neuron's part of the graph, for a
        picture of it."""
        layer = self.layers[_index(L, 1, len(self.layers), "MLP.trace_neuron(L): expected a layer") - 1]
        _index(j, 0, layer.nout - 1, f"MLP.trace_neuron(j): expected a neuron of layer {L}")
        xs = as_inputs(x, layer.nin, f"MLP.trace_neuron({L}, {j})", L - 1)
        with layer._scope:
            return layer.neurons[j]._nodes(xs)

    def logits(self, x: Sequence[Value | float]) -> list[Value]:
        """The last layer's outputs before any softmax or sigmoid."""
        return self.trace(x)[0]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """The network's outputs for one input ``x`` (``nin`` numbers): always a list of Values."""
        return _squash(self.logits(x), self.output)

    def as_floats(self) -> FloatMLP:
        """The weights and biases as they are now, read out as floats, with the forward pass on them (no graph).

        Its numbers are bit for bit those of the Value graph; take one for many points (a heatmap's grid).
        """
        return FloatMLP(self)

    def forward_floats(self, x: Sequence[float]) -> list[list[tuple[float, float]]]:
        """Every neuron's ``(z, a)`` for the input ``x``, layer by layer, as floats, without building a graph.

        Bit for bit the data of the nodes ``z`` and ``a`` of ``self.logits(x)``; the last layer's are the logits
        (a = z). For many points, ``self.as_floats().forward`` reads the weights once.
        """
        return FloatMLP(self).forward(x)

    def predict_proba(self, x: Sequence[float]) -> list[float]:
        """Class probabilities for ``x``: softmax of the logits, or σ(logit) for a single output (no graph kept)."""
        return FloatMLP(self).predict_proba(x)

    def predict(self, x: Sequence[float]) -> int:
        """The predicted class: the largest logit, or (one output) 1 when the logit is positive."""
        return FloatMLP(self).predict(x)

    def weights(self) -> list[Value]:
        """Every weight, no bias, in the order of ``parameters()``: what TensorFlow Playground's L1 and L2 penalize
        (``nn.losses.Penalty("L2", rate, model.weights())``)."""
        return [w for layer in self.layers for n in layer.neurons for w in n.w]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``layers.i.<the layer's name>`` for each layer i in turn."""
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        """``{nin, nouts, activation, output}``: ``MLP(**config)`` rebuilds the shape."""
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation, "output": self.output}

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """Each layer's ``(nin + 1) · nout``, added up."""
        sizes = _sizes(config, "nin", "nouts")
        return None if sizes is None else sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))

    def to_torch(self) -> torch.nn.Sequential:
        """This network as a float64 ``torch.nn.Sequential`` with copies of its weights (needs ``glassgrad[torch]``).

        See ``nn.torch_bridge.to_torch``, which builds it from ``config()`` and ``state_dict()``.
        """
        from nn.torch_bridge import to_torch

        return to_torch(self.config(), self.state_dict())

    @classmethod
    def from_torch(cls, seq: torch.nn.Sequential) -> MLP:
        """A new MLP from a ``torch.nn.Sequential`` of the shape ``to_torch`` builds (needs ``glassgrad[torch]``).

        See ``nn.torch_bridge.from_torch``, which reads its config and weights: a module it cannot represent is a
        ValueError naming it, a non-finite weight a ValueError of ``load_state_dict``.
        """
        from nn.torch_bridge import from_torch

        config, state = from_torch(seq)
        model = cls.from_config(config)
        model.load_state_dict(state)  # checks every value is finite
        return model

    def __repr__(self) -> str:
        """``MLP(2, [16, 16, 1], activation='relu', output='linear')``."""
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, output={self.output!r})"


class FloatMLP:
    """An MLP's weights and biases read out as floats, and its forward pass on them: the same numbers, no graph.

    Each neuron computes ``z = Σ(w₁·a₁, w₂·a₂, …, b)`` through the float forwards of the table's ``mul`` and
    ``sum`` and ``a`` through its activation's (``nn.activations.float_activation``): the float operations of
    the Value graph in its order, so every number is bit for bit the ``.data`` of the node that
    ``model.logits(x)`` builds, and ``outputs(x)`` those of ``model(x)``. The weights are read once, when it
    is made (``MLP.as_floats()``): the fast way over many points, and a snapshot that later training leaves
    as it was.
    """

    def __init__(self, model: MLP) -> None:
        """The model's weights, biases and activations read out now."""
        if not isinstance(model, MLP):
            raise TypeError(f"FloatMLP(model): expected an nn.MLP, got {describe(model)}")
        self.nin = model.nin
        self.output = model.output
        #: per layer: the weight matrix (row j: neuron j's weights), the biases, the activation on floats
        self.layers: list[tuple[list[list[float]], list[float], Callable[[float], float]]] = [
            ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons],
             float_activation(layer.activation))
            for layer in model.layers
        ]
        self._mul: Callable[[float, float], float] = OPS["mul"].floats  # the ops' float forwards, as Values call them
        self._sum: Callable[[list[float]], float] = OPS["sum"].floats

    def _run(self, x: object, layers: list[list[tuple[float, float]]] | None) -> list[float]:
        """The last layer's outputs for ``x``; each layer's ``(z, a)`` pairs appended to ``layers`` when given."""
        mul, total = self._mul, self._sum
        h = as_input_floats(x, self.nin, "MLP")
        for W, b, act in self.layers:
            zs = [total([*map(mul, row, h), bias]) for row, bias in zip(W, b)]
            h = list(map(act, zs))
            if layers is not None:
                layers.append(list(zip(zs, h)))
        return h

    def forward(self, x: Sequence[float]) -> list[list[tuple[float, float]]]:
        """Every neuron's ``(z, a)`` for the input ``x`` (``nin`` numbers), layer by layer; in the last, a = z."""
        layers: list[list[tuple[float, float]]] = []
        self._run(x, layers)
        return layers

    def logits(self, x: Sequence[float]) -> list[float]:
        """The last layer's outputs for ``x``: ``model.logits(x)``'s numbers."""
        return self._run(x, None)

    def outputs(self, x: Sequence[float]) -> list[float]:
        """``model(x)``'s numbers: the logits, or their softmax or sigmoid probabilities, as ``output`` says."""
        logits = self._run(x, None)
        return logits if self.output == "linear" else _probabilities(logits, self.output)

    def forward_columns(self, columns: Sequence[Sequence[float]]) -> list[list[list[float]]]:
        """Every neuron's ``a`` over many points at once: ``columns[i]`` holds input i of every point; returns,
        layer by layer, one list per neuron of its ``a`` at each point (the last layer's: the logits).

        The same float operations as ``forward`` in the same order (bit for bit its numbers), looped a layer
        at a time over all the points, which is several times faster for a heatmap's grid.
        """
        if len(columns) != self.nin:
            raise ValueError(f"FloatMLP.forward_columns: expected {self.nin} input columns, got {len(columns)}")
        mul = self._mul
        add_up: Callable[..., float] = self._sum  # fmath.total: any sequence of floats
        h = [list(map(float, c)) for c in columns]
        layers: list[list[list[float]]] = []
        for W, b, act in self.layers:
            a = []
            for row, bias in zip(W, b):  # z = Σ(w₁·a₁, w₂·a₂, …, b) at every point, as _run adds it
                products = [map(mul, repeat(w), column) for w, column in zip(row, h)]
                a.append(list(map(act, map(add_up, zip(*products, repeat(bias))))))
            layers.append(a)
            h = a
        return layers

    def predict_proba(self, x: Sequence[float]) -> list[float]:
        """Class probabilities for ``x``: softmax of the logits, or σ(logit) for a single output."""
        logits = self._run(x, None)
        return _probabilities(logits, "sigmoid" if len(logits) == 1 else "softmax")

    def predict(self, x: Sequence[float]) -> int:
        """The predicted class: the largest logit (the first of equal ones), or (one output) 1 when it is positive."""
        logits = self._run(x, None)
        if len(logits) == 1:
            return int(logits[0] > 0.0)
        return max(range(len(logits)), key=logits.__getitem__)

    def __repr__(self) -> str:
        """``FloatMLP([2, 16, 1], output='linear')``: the sizes, inputs first."""
        sizes = [self.nin, *(len(b) for _, b, _ in self.layers)]
        return f"FloatMLP({sizes}, output={self.output!r})"


class PackedMLP:
    """An MLP's forward pass compiled once and packed (``engine.packing``, numpy): every neuron's ``a`` over many points
    at once, each layer one matrix product, ``a = σ(x @ W.T + b)``.

    One point's graph is traced when it is made (its inputs per point, the parameters shared), for the model's
    shape; each call runs it at the parameters then (``params``: the model's numbers as they are now, or others of
    the same shape — a snapshot's), so one ``PackedMLP`` serves a network through its training. Its numbers are
    ``FloatMLP``'s to rounding (1e-12 relative): a matrix product adds a neuron's terms in its own order. Needs numpy
    (an ImportError otherwise: ``FloatMLP.forward_columns`` is the pure-Python forward).
    """

    def __init__(self, model: MLP) -> None:
        """The forward pass of ``model`` (its shape; its parameters are read at each call) traced and compiled."""
        if not isinstance(model, MLP):
            raise TypeError(f"PackedMLP(model): expected an nn.MLP, got {describe(model)}")
        try:
            from engine.numpy_runner import as_float  # numpy is imported here
        except ImportError:
            raise ImportError("PackedMLP: needs numpy, which is not installed: pip install numpy "
                              "(FloatMLP.forward_columns is the forward pass in pure Python)") from None

        self.model, self.nin, self.sizes, self._array = model, model.nin, list(model.nouts), as_float
        self.names = [name for name, _ in model.named_parameters()]
        params = model.parameters()

        def every_neuron(*values: Value) -> list[Value]:
            """Every neuron's ``a``, layer by layer, for one point (the parameters, then the point's inputs), after a
            first output that is a constant: nothing to differentiate, so no neuron is set apart as one the first
            output depends on, and each layer is one pack."""
            return [Value(0.0), *(a for layer in model.trace(list(values[len(params):]))[1] for _, a in layer)]

        self.compiled = engine_compile(every_neuron, params, per_example=[0.0] * model.nin)

    def layers(self, points: Any, params: Sequence[float] | Mapping[str, float] | None = None) -> list[Any]:
        """Every neuron's ``a`` at each of ``points`` (one row of ``nin`` numbers per point: a list of rows or a 2-D
        numpy array), layer by layer: one array per layer, a row per point and a column per neuron (the last
        layer's: the logits). ``params``: the parameters' numbers in the order of ``model.parameters()`` (or by the
        names of ``named_parameters()``); None: the model's own, now."""
        from engine.matrix_runner import run_arrays

        X = self._array(points)
        if X.ndim != 2 or X.shape[1] != self.nin:
            raise ValueError(f"PackedMLP.layers: expected points of {self.nin} numbers each (one row per point), got "
                             f"an array of shape {X.shape}")
        outputs, _ = run_arrays(self.compiled.program, self._parameters(params), X, grads=False)
        ends = list(itertools.accumulate(self.sizes))
        return [outputs[:, 1 + end - k:1 + end] for end, k in zip(ends, self.sizes)]

    def forward_columns(self, columns: Sequence[Sequence[float]], params: Sequence[float] | Mapping[str, float] |
                        None = None) -> list[list[list[float]]]:
        """``FloatMLP.forward_columns`` packed: ``columns[i]`` holds input i of every point; returns, layer by layer,
        one list per neuron of its ``a`` at each point (the last layer's: the logits). ``params`` as ``layers``."""
        if len(columns) != self.nin:
            raise ValueError(f"PackedMLP.forward_columns: expected {self.nin} input columns, got {len(columns)}")
        if not len(columns[0]):
            return [[[] for _ in range(k)] for k in self.sizes]
        return [layer.T.tolist() for layer in self.layers(self._array(columns).T, params)]

    def _parameters(self, params: Sequence[float] | Mapping[str, float] | None) -> Any:
        """The parameters' numbers as an array, in the order of ``model.parameters()``."""
        if params is None:
            return self._array([p.data for p in self.model.parameters()])
        if isinstance(params, Mapping):
            missing = [name for name in self.names if name not in params]
            if missing:
                raise ValueError(f"PackedMLP: expected a number for every parameter, got none for {missing[:3]}")
            params = [params[name] for name in self.names]
        if len(params) != len(self.names):
            raise ValueError(f"PackedMLP: expected {len(self.names)} parameters (the model's), got {len(params)}")
        return self._array(params)

    def __repr__(self) -> str:
        """``PackedMLP([2, 16, 1])``: the sizes, inputs first."""
        return f"PackedMLP({[self.nin, *self.sizes]})"


def _announced(on_neuron: Callable[[int, int], None], L: int, j: int, neuron: Neuron,
               xs: list[Value]) -> tuple[Value, Value]:
    """``on_neuron(L, j)``, then ``neuron``'s ``(z, a)`` on ``xs``."""
    on_neuron(L, j)
    return neuron._nodes(xs)


def _squash(logits: list[Value], output: str) -> list[Value]:
    """The logits through an output function (one of ``OUTPUTS``): softmax, sigmoid, or as they are."""
    if output == "softmax":
        return softmax(logits)
    if output == "sigmoid":
        return [v.sigmoid() for v in logits]
    return logits


def _probabilities(logits: list[float], output: str) -> list[float]:
    """Float logits through ``_squash``: the engine's own ops on a few Values, no graph kept."""
    with no_grad():
        return [p.data for p in _squash([Value(z) for z in logits], output)]
