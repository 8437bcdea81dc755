"""W6, the packed program (issue 26): ``fit(compile=True)``'s epoch on micrograd's demo, and a network written by hand.

``bench_engine`` runs these beside PyTorch and the per-node numpy runner, in the same process:

- ``fit_epoch_seconds(runner, epochs)``: micrograd's demo (``MLP(2, [16, 16, 1])``, hinge loss, L2 1e-4, SGD lr 0.1,
  the 100 moons points, full batch) trained by ``fit(compile=True)``, the compiled step run by ``runner``
  (``nn.compiled_step.RUNNER``: ``"auto"`` is the packed program, the parameters and the update on arrays;
  ``"numpy"`` the per-node numpy runner, the update on the Values). An epoch is one step and its update.
- ``HandNetwork``: a 3-24-24-1 tanh network written micrograd's way (lists of Values, builtin ``sum``), its squared
  error over 200 rows, loss and every gradient: ``Compiled.batch`` with the packed program (``"matrix"``) and with
  the per-node numpy runner, and the same network in PyTorch (float64, one thread).
"""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import nn
import nn.compiled_step as compiled_step
from engine import Value
from engine import compile as compile_graph
from engine.numpy_runner import as_float
from nn.data import make_moons
from nn.optim import SGD

HAND_SIZES = (3, 24, 24, 1)
HAND_ROWS = 200
SEED = 0


def fit_epoch_seconds(runner: str, epochs: int) -> float:
    """Seconds of one ``fit(compile=True)`` of micrograd's demo for ``epochs`` epochs, the step run by ``runner``."""
    X, y = make_moons(100, noise=0.1, seed=SEED)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=SEED)
    before = compiled_step.RUNNER
    compiled_step.RUNNER = runner
    try:
        started = time.perf_counter()
        nn.fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=epochs, l2=1e-4,
               compile=True, progress=False)
        return time.perf_counter() - started
    finally:
        compiled_step.RUNNER = before


def epoch_seconds(runner: str, epochs: int) -> float:
    """One epoch of ``fit_epoch_seconds``: the difference between ``2·epochs`` and ``epochs`` epochs (the compile
    and the setup cancel), per epoch."""
    return (fit_epoch_seconds(runner, 2 * epochs) - fit_epoch_seconds(runner, epochs)) / epochs


class HandNetwork:
    """The 3-24-24-1 tanh network written by hand, one example's squared error compiled (``engine.compile(...,
    per_example=...)``), its rows, and the same network in PyTorch when it is installed."""

    def __init__(self) -> None:
        rng = random.Random(SEED)
        self.layers = [[([Value(rng.uniform(-1.0, 1.0)) for _ in range(nin)], Value(rng.uniform(-0.1, 0.1)))
                        for _ in range(nout)] for nin, nout in itertools.pairwise(HAND_SIZES)]
        self.params = [v for layer in self.layers for w, b in layer for v in (*w, b)]
        self.rows = [[rng.uniform(-2.0, 2.0) for _ in range(HAND_SIZES[0] + 1)] for _ in range(HAND_ROWS)]
        self.shared = [p.data for p in self.params]
        self.array = as_float(self.rows)
        self.compiled = compile_graph(self.loss, self.params, per_example=self.rows[0])

    def loss(self, *values: Value) -> Value:
        """One example's squared error: the network on its inputs, minus its target, squared."""
        x: list[Value] = list(values[len(self.params):len(self.params) + HAND_SIZES[0]])
        for depth, layer in enumerate(self.layers):
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            if depth < len(self.layers) - 1:
                x = [v.tanh() for v in x]
        return (x[0] - values[-1]) ** 2

    def run(self, runner: str) -> float:
        """Loss and every gradient over the rows (their mean), by ``runner``; the loss."""
        return self.compiled.batch(self.shared, self.array, reduce="mean", runner=runner).loss

    def torch(self) -> Any:
        """The same network and loss in PyTorch (float64, one thread): a function that runs forward and backward
        over the rows and returns the loss; None without PyTorch."""
        try:
            import torch
        except ImportError:
            return None
        torch.set_num_threads(1)
        layers: list[Any] = []
        for k, layer in enumerate(self.layers):
            linear = torch.nn.Linear(len(layer[0][0]), len(layer), dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor([[v.data for v in w] for w, _ in layer], dtype=torch.float64))
                linear.bias.copy_(torch.tensor([b.data for _, b in layer], dtype=torch.float64))
            layers += [linear, torch.nn.Tanh()] if k < len(self.layers) - 1 else [linear]
        net = torch.nn.Sequential(*layers)
        data = torch.tensor(self.rows, dtype=torch.float64)
        x, target = data[:, :HAND_SIZES[0]], data[:, HAND_SIZES[0]]

        def step() -> float:
            net.zero_grad(set_to_none=True)
            loss = ((net(x)[:, 0] - target) ** 2).mean()
            loss.backward()
            return float(loss.item())

        return step
