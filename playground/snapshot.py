"""A playground session at one moment: what its numbers and pictures are computed from, with no lock held.

``Session.snapshot()`` copies the settings, the points, the examples and the network's parameters; the losses,
accuracies and heatmaps of a frame are computed from it by the packed forward pass over many points
(``nn.network.PackedMLP``: each layer one matrix product), while the training thread goes on.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine import OPS, Value, no_grad
from nn import MLP, losses
from nn.data import linspace
from nn.network import PackedMLP
from playground.data import Examples, Point
from playground.settings import FEATURES, MAX_RESOLUTION, Settings, Task, check_integer


def unit_key(L: int, j: int) -> str:
    """The key ``"L.j"`` of unit ``j`` (its index, from 0) of layer ``L``, as the lecture and the page count them:
    layer L from 1 (the inputs are layer 0), the unit from 1."""
    return f"{L}.{j + 1}"


def finite_or_none(x: float | None) -> float | None:
    """``x``, or None when it is None or not a finite number (JSON has no NaN)."""
    return x if x is not None and math.isfinite(x) else None


@dataclass(frozen=True)
class Snapshot:
    """A session at one moment (``Session.snapshot``): what its pictures and numbers are computed from, with no
    lock held, while training goes on."""

    settings: Settings
    task: Task
    config: dict[str, Any]
    packed: PackedMLP
    train: list[Point]
    test: list[Point]
    examples: Examples
    extent: tuple[float, float, float, float] | None
    epoch: int
    step: int
    version: int
    custom_data: bool
    own: bool
    layers: list[int]
    parameters: dict[str, float]

    def forward(self, columns: list[list[float]]) -> list[list[list[float]]]:
        """Every neuron's ``a`` at many points given as input columns, layer by layer (``FloatMLP.forward_columns``'s
        shape), at this moment's parameters: the packed forward pass (each layer one matrix product, numpy)."""
        return self.packed.forward_columns(columns, params=self.parameters)

    def model(self) -> MLP:
        """A new ``MLP`` of this moment: its shape and its parameters (for the glass box's graphs)."""
        model = MLP.from_config(self.config)
        model.load_state_dict(self.parameters)
        return model

    def predicted(self, logits: list[float]) -> float:
        """The class the logits predict (as a float), or for regression the prediction itself."""
        if len(logits) > 1:
            return float(max(range(len(logits)), key=logits.__getitem__))
        z = logits[0]
        if self.task.problem == "regression":
            return z
        return float(z > (0.5 if self.task.output == "mse" else 0.0))

    def measure(self) -> dict[str, float | None]:
        """Loss (mean, no penalty) and accuracy on train and test: the packed forward pass (``forward``), the loss
        from ``nn.losses`` on the logits."""
        loss_fn = losses.LOSSES[self.task.loss]
        result: dict[str, float | None] = {}
        ex = self.examples
        for part, inputs, targets, labels in (("train", ex.train_inputs, ex.train_targets, ex.train_labels),
                                              ("test", ex.test_inputs, ex.test_targets, ex.test_labels)):
            total, correct = 0.0, 0
            columns = [list(c) for c in zip(*inputs)] if inputs else [[] for _ in range(self.task.nin)]
            with no_grad():
                for zs, t, label in zip(zip(*self.forward(columns)[-1]), targets, labels):
                    logits = list(zs)
                    total += loss_fn([Value(z) for z in logits], t).data
                    correct += self.predicted(logits) == label
            n = len(labels)
            result[f"{part}_loss"] = total / n if n else None
            classify = n > 0 and self.task.problem == "classification"
            result[f"{part}_accuracy"] = correct / n if classify else None
        return result

    def grid(self, resolution: int) -> list[tuple[float, float]]:
        """The heatmaps' ``resolution²`` points (x1, x2), row by row from the top (largest x2), left to right."""
        n = check_integer(resolution, "resolution", 2, MAX_RESOLUTION)
        if self.extent is None:
            raise ValueError(f"heatmaps: expected a network of points in the plane, got {self.task.nin} inputs")
        a, b, c, d = self.extent
        xs, ys = linspace(a, b, n), linspace(d, c, n)
        return [(x1, x2) for x2 in ys for x1 in xs]

    def heatmaps(self, resolution: int = 50, output_resolution: int | None = None) -> dict[str, Any]:
        """Every map over the plane, as flat lists of ``resolution²`` floats in ``grid`` order.

        ``output``: for two classes the probability of class 1 (softmax, sigmoid) or the score (hinge, mse);
        for 3+ classes the predicted class; for regression the prediction — on a grid of ``output_resolution``
        cells a side when given (finer: ``output_map``). ``features``: every input feature's value, on or off, by
        name. ``neurons``: each neuron's activation ``a``, keyed ``"L.j"`` (``unit_key``: layer L and neuron j from
        1; the last layer's are the logits). The packed forward pass (``forward``), no graph.
        """
        every_feature, neuron_maps = self._maps(resolution)
        fine = output_resolution or resolution
        return {
            "resolution": resolution,
            "extent": list(self.extent or ()),
            "output": self._output(neuron_maps[-1]) if fine == resolution else self.output_map(fine),
            "features": every_feature,
            "neurons": {unit_key(L, j): values for L, maps in enumerate(neuron_maps, start=1)
                        for j, values in enumerate(maps)},
        }

    def output_map(self, resolution: int) -> list[float]:
        """The output's map alone (``heatmaps``' ``output``), at its own resolution, finer than the neurons': only
        the features that are on, only the last layer kept (as arrays until then)."""
        fns = [FEATURES[name] for name in self.task.features or ("x", "y")]
        rows = [[f(x1, x2) for f in fns] for x1, x2 in self.grid(resolution)]
        logits = self.packed.layers(rows, params=self.parameters)[-1]
        return self._output(logits.T.tolist())

    def _maps(self, resolution: int) -> tuple[dict[str, list[float]], list[list[list[float]]]]:
        """Every feature's values over the ``grid`` and every neuron's ``a`` there (the packed forward pass)."""
        points = self.grid(resolution)
        x1s, x2s = [p[0] for p in points], [p[1] for p in points]
        every_feature = {name: list(map(f, x1s, x2s)) for name, f in FEATURES.items()}
        names = self.task.features or ("x", "y")  # a user's own 2-D inputs are x1, x2 themselves
        return every_feature, self.forward([every_feature[n] for n in names])

    def _output(self, logits: list[list[float]]) -> list[float]:
        """The output's map from the logits' maps: p(class 1) = σ(z₂ − z₁) for two logits (σ(z) for sigmoid), the
        predicted class for more, the prediction (or the score) for one."""
        sigmoid: Callable[[float], float] = OPS["sigmoid"].floats
        if len(logits) == 2:
            return list(map(sigmoid, map(operator.sub, logits[1], logits[0])))
        if len(logits) > 2:
            return [self.predicted(list(zs)) for zs in zip(*logits)]
        return list(map(sigmoid, logits[0])) if self.task.output == "sigmoid" else logits[0]

