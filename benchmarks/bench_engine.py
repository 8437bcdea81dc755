"""glassgrad vs micrograd vs hand-written floats: time per training step and memory per node.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/bench_engine.py            # 5 repeats
    .venv/bin/python benchmarks/bench_engine.py --quick    # 1 repeat

Two workloads, all in one process:

W1, "micrograd demo step"
    One SGD step of micrograd's demo: ``MLP(2, [16, 16, 1])`` (ReLU hidden layers, linear
    output; each neuron is ``b + Σ wᵢ·xᵢ``) on 100 points of a two-moons data set, with the
    SVM max-margin loss ``mean relu(1 - yᵢ·scoreᵢ) + 1e-4 · Σ p²``, then zero grads,
    backward and ``p.data -= 0.1 · p.grad``. Five implementations start each repeat from the
    same seeded weights:

    - ``glassgrad-sum``: glassgrad Values, written like micrograd (builtin ``sum`` chains of adds);
    - ``glassgrad``: the same with ``engine.sum_values`` (one n-ary node) for every sum;
    - ``glassgrad-nn``: glassgrad's own ``nn.MLP``, ``nn.losses`` and ``nn.optim.SGD`` (what ``nn.fit`` runs);
    - ``micrograd``: micrograd 0.1.0's own ``MLP`` and ``Value``, the demo's loss verbatim;
    - ``floats``: no graph at all; explicit loops for the forward pass and hand-derived
      gradients for the backward pass (the floor any scalar engine is measured against).

    Before timing, the losses and all 337 parameter gradients must agree with micrograd's to
    1e-9 relative (else SystemExit). A timed step is: make the input Values, forward, zero
    grads, backward, SGD update, ``del loss`` and ``gc.collect()``, so each implementation
    pays for freeing its own graph (micrograd's closures make reference cycles that only the
    cyclic collector frees; glassgrad's graph is freed by reference counting at ``del``).
    ``gc.collect()`` runs before each timed step too, outside the timing, so no one pays for
    another's garbage. The order of the implementations rotates from repeat to repeat.

W2, "bytes per node"
    A chain ``x = (x * 1.0001).op()`` of 100,000 nodes (33,333 links of three nodes each:
    the constant 1.0001, the product and the op, plus the input leaf). Bytes per node is the
    tracemalloc traced-memory growth while building it, divided by the number of nodes in the
    graph (``engine.topological_order`` for glassgrad, an iterative walk of ``_prev`` for
    micrograd). GC objects per node is the growth of ``len(gc.get_objects())`` over the build,
    with the collector disabled. micrograd 0.1.0 has no ``tanh``, so its chain uses ``relu``;
    glassgrad is shown with both.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from typing import Any, cast

try:
    from micrograd.engine import Value as MgValue  # type: ignore[import-untyped]
    from micrograd.nn import MLP as MgMLP  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    raise SystemExit("bench_engine: micrograd is not installed; run `.venv/bin/pip install micrograd==0.1.0`") from None

import engine
import nn
from engine import Value
from nn import losses
from nn.optim import SGD

SIZES: tuple[int, ...] = (2, 16, 16, 1)  # micrograd's MLP(2, [16, 16, 1])
N_POINTS = 100
NOISE = 0.1
ALPHA = 1e-4  # L2 regularization strength of micrograd's demo
LR = 0.1
SEED = 0
RTOL = 1e-9  # agreement required between implementations (relative) ...
ATOL = 1e-15  # ... with this absolute floor for values that cancel to (almost) zero
CHAIN_NODES = 100_000
RECURSION_LIMIT = 10_000  # micrograd's backward sorts the graph recursively

Point = tuple[float, float]
Flat = list[float]


# --- data and weights -------------------------------------------------------------------------


def make_moons(n: int = N_POINTS, noise: float = NOISE, seed: int = SEED) -> tuple[list[Point], list[float]]:
    """Two interleaving half circles, like ``sklearn.datasets.make_moons``, in pure Python.

    Returns ``n`` points and their labels ``-1.0`` (upper moon) and ``+1.0`` (lower moon),
    with Gaussian noise of standard deviation ``noise`` drawn from ``random.Random(seed)``.
    """
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    points: list[Point] = []
    labels: list[float] = []
    for i in range(n_out):
        t = math.pi * i / (n_out - 1)
        points.append((math.cos(t), math.sin(t)))
        labels.append(-1.0)
    for i in range(n_in):
        t = math.pi * i / (n_in - 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t)))
        labels.append(1.0)
    points = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y in points]
    order = list(range(n))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def init_weights(sizes: Sequence[int] = SIZES, seed: int = SEED) -> Flat:
    """Initial parameters in micrograd's order (layer, neuron, then ``w₀ … wₙ₋₁, b``).

    Weights are uniform in ``[-1, 1]`` and biases zero, as in micrograd's ``Neuron``.
    """
    rng = random.Random(seed)
    flat: Flat = []
    for nin, nout in itertools.pairwise(sizes):
        for _ in range(nout):
            flat.extend(rng.uniform(-1.0, 1.0) for _ in range(nin))
            flat.append(0.0)
    return flat


# --- implementations of W1 --------------------------------------------------------------------


class Impl:
    """One implementation of the training step: load weights, step, read back loss and gradients."""

    name: str = ""

    def load(self, flat: Flat) -> None:
        """Set the parameters to ``flat`` and their gradients to zero."""
        raise NotImplementedError

    def step(self) -> Any:
        """Build the loss, zero grads, backward, SGD update; return the loss (a graph root or a float)."""
        raise NotImplementedError

    def loss_of(self, loss: Any) -> float:
        """The number held by what ``step`` returned."""
        return float(loss.data)

    def grads(self) -> Flat:
        """The gradients of the last ``step``, in parameter order."""
        raise NotImplementedError

    def count_nodes(self, loss: Any) -> int | None:
        """The number of graph nodes behind what ``step`` returned, or None when there is no graph."""
        return None


class GlassNeuron:
    """micrograd's ``Neuron`` on glassgrad Values; ``fused`` sums with one ``engine.sum_values`` node."""

    def __init__(self, nin: int, nonlin: bool, fused: bool) -> None:
        self.w = [Value(0.0) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin
        self.fused = fused

    def __call__(self, x: Sequence[Value]) -> Value:
        if self.fused:
            act = engine.sum_values([self.b, *(wi * xi for wi, xi in zip(self.w, x, strict=True))])
        else:
            act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class GlassLayer:
    """micrograd's ``Layer``: a list of neurons; a one-neuron layer returns a Value, not a list."""

    def __init__(self, nin: int, nout: int, nonlin: bool, fused: bool) -> None:
        self.neurons = [GlassNeuron(nin, nonlin, fused) for _ in range(nout)]

    def __call__(self, x: Sequence[Value]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]


class GlassMLP:
    """micrograd's ``MLP`` on glassgrad Values: ReLU hidden layers, a linear last layer."""

    def __init__(self, sizes: Sequence[int], fused: bool) -> None:
        last = len(sizes) - 2
        self.layers = [GlassLayer(sizes[i], sizes[i + 1], i != last, fused) for i in range(len(sizes) - 1)]

    def __call__(self, x: Sequence[Value]) -> Value:
        h: Any = x
        for layer in self.layers:
            h = layer(h)
        return h  # type: ignore[no-any-return]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


class Glassgrad(Impl):
    """glassgrad, micrograd's demo written with builtin ``sum`` or with ``engine.sum_values``."""

    def __init__(self, points: list[Point], labels: list[float], fused: bool) -> None:
        self.name = "glassgrad" if fused else "glassgrad-sum"
        self.points, self.labels, self.fused = points, labels, fused
        self.model = GlassMLP(SIZES, fused)
        self.params = self.model.parameters()

    def load(self, flat: Flat) -> None:
        for p, v in zip(self.params, flat, strict=True):
            p.data = v
            p.grad = 0.0

    def step(self) -> Value:
        model, params = self.model, self.params
        inputs = [list(map(Value, xrow)) for xrow in self.points]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(self.labels, scores, strict=True)]
        if self.fused:
            data_loss = engine.sum_values(losses) * (1.0 / len(losses))
            reg_loss = ALPHA * engine.sum_values([p * p for p in params])
        else:
            # builtin sum starts from the int 0 (a constant node), so typeshed says ``Value | int``
            data_loss = cast(Value, sum(losses)) * (1.0 / len(losses))
            reg_loss = ALPHA * cast(Value, sum(p * p for p in params))
        total_loss = data_loss + reg_loss
        for p in params:
            p.grad = 0.0
        total_loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return total_loss

    def grads(self) -> Flat:
        return [p.grad for p in self.params]

    def count_nodes(self, loss: Any) -> int:
        return len(engine.topological_order(loss))


class GlassgradNN(Impl):
    """glassgrad's own library as ``nn.fit`` runs it: ``nn.MLP``, ``nn.losses`` (hinge, mean, l2), ``nn.optim.SGD``."""

    name = "glassgrad-nn"

    def __init__(self, points: list[Point], labels: list[float]) -> None:
        self.points, self.labels = [list(p) for p in points], labels
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=SEED)
        self.params = self.model.parameters()
        self.optimizer = SGD(self.params, lr=LR)

    def load(self, flat: Flat) -> None:
        for p, v in zip(self.params, flat, strict=True):
            p.data = v
            p.grad = 0.0

    def step(self) -> Value:
        model = self.model
        per_example = [losses.hinge(model(x), y) for x, y in zip(self.points, self.labels, strict=True)]
        total_loss = losses.mean(per_example) + losses.l2(self.params, ALPHA)
        self.optimizer.zero_grad()
        total_loss.backward()
        self.optimizer.step()
        return total_loss

    def grads(self) -> Flat:
        return [p.grad for p in self.params]

    def count_nodes(self, loss: Any) -> int:
        return len(engine.topological_order(loss))


class Micrograd(Impl):
    """micrograd 0.1.0's own ``MLP`` and the loss of its demo notebook, verbatim (but for the fixed lr)."""

    name = "micrograd"

    def __init__(self, points: list[Point], labels: list[float]) -> None:
        self.points, self.labels = points, labels
        self.model = MgMLP(SIZES[0], list(SIZES[1:]))
        self.params = self.model.parameters()

    def load(self, flat: Flat) -> None:
        for p, v in zip(self.params, flat, strict=True):
            p.data = v
            p.grad = 0

    def step(self) -> Any:
        model = self.model
        inputs = [list(map(MgValue, xrow)) for xrow in self.points]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(self.labels, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return total_loss

    def grads(self) -> Flat:
        return [float(p.grad) for p in self.params]

    def count_nodes(self, loss: Any) -> int:
        return micrograd_node_count(loss)


class Floats(Impl):
    """The same step on plain floats: explicit forward loops and hand-derived gradients, no graph."""

    name = "floats"

    def __init__(self, points: list[Point], labels: list[float]) -> None:
        self.points, self.labels = points, labels
        self.shapes = list(itertools.pairwise(SIZES))
        # W[l][j] = weights of neuron j of layer l; B[l][j] its bias; GW, GB the gradients.
        self.W: list[list[Flat]] = [[[0.0] * nin for _ in range(nout)] for nin, nout in self.shapes]
        self.B: list[Flat] = [[0.0] * nout for _, nout in self.shapes]
        self.GW: list[list[Flat]] = [[[0.0] * nin for _ in range(nout)] for nin, nout in self.shapes]
        self.GB: list[Flat] = [[0.0] * nout for _, nout in self.shapes]

    def _flat_slots(self) -> Iterator[tuple[Flat, int]]:
        """(list, index) of every parameter, in micrograd's parameter order."""
        for layer, (nin, nout) in enumerate(self.shapes):
            for j in range(nout):
                for i in range(nin):
                    yield self.W[layer][j], i
                yield self.B[layer], j

    def load(self, flat: Flat) -> None:
        slots = list(self._flat_slots())
        if len(slots) != len(flat):
            raise ValueError(f"floats: expected {len(slots)} parameters, got {len(flat)}")
        for (row, i), v in zip(slots, flat, strict=True):
            row[i] = v
        self.GW = [[[0.0] * nin for _ in range(nout)] for nin, nout in self.shapes]
        self.GB = [[0.0] * nout for _, nout in self.shapes]

    def step(self) -> float:
        W, B = self.W, self.B
        n_layers = len(W)
        last = n_layers - 1
        GW = [[[0.0] * len(row) for row in layer] for layer in W]  # zero grads
        GB = [[0.0] * len(layer) for layer in B]
        inv_n = 1.0 / len(self.points)
        data_loss = 0.0
        for (x0, x1), y in zip(self.points, self.labels, strict=True):
            # forward: keep each layer's input and pre-activation
            acts: list[Flat] = [[x0, x1]]
            pres: list[Flat] = []
            for layer in range(n_layers):
                a = acts[-1]
                z = []
                for w, b in zip(W[layer], B[layer], strict=True):
                    s = b
                    for wi, ai in zip(w, a, strict=True):
                        s += wi * ai
                    z.append(s)
                pres.append(z)
                acts.append(z if layer == last else [s if s > 0.0 else 0.0 for s in z])
            score = acts[-1][0]
            margin = 1.0 + -y * score
            if margin > 0.0:
                data_loss += margin
                g: Flat = [-y * inv_n]  # d loss / d score
            else:
                g = [0.0]
            # backward: g is d loss / d (this layer's output); turn it into d loss / d pre-activation
            for layer in range(last, -1, -1):
                z, a = pres[layer], acts[layer]
                gz = g if layer == last else [gj if zj > 0.0 else 0.0 for gj, zj in zip(g, z, strict=True)]
                gw_l, gb_l, w_l = GW[layer], GB[layer], W[layer]
                for j, gj in enumerate(gz):
                    if gj == 0.0:
                        continue
                    gb_l[j] += gj
                    row = gw_l[j]
                    for i, ai in enumerate(a):
                        row[i] += gj * ai
                if layer:
                    g = [0.0] * len(a)
                    for j, gj in enumerate(gz):
                        if gj == 0.0:
                            continue
                        for i, wji in enumerate(w_l[j]):
                            g[i] += wji * gj
        reg = 0.0
        for layer in range(n_layers):
            for j, (w, b) in enumerate(zip(W[layer], B[layer], strict=True)):
                row = GW[layer][j]
                for i, wi in enumerate(w):
                    reg += wi * wi
                    row[i] += 2.0 * ALPHA * wi
                reg += b * b
                GB[layer][j] += 2.0 * ALPHA * b
        loss = data_loss * inv_n + ALPHA * reg
        for layer in range(n_layers):  # SGD update
            for j in range(len(W[layer])):
                w, gw = W[layer][j], GW[layer][j]
                for i in range(len(w)):
                    w[i] -= LR * gw[i]
                B[layer][j] -= LR * GB[layer][j]
        self.GW, self.GB = GW, GB
        return loss

    def loss_of(self, loss: Any) -> float:
        return float(loss)

    def grads(self) -> Flat:
        out: Flat = []
        for layer in range(len(self.GW)):
            for j, row in enumerate(self.GW[layer]):
                out.extend(row)
                out.append(self.GB[layer][j])
        return out


def micrograd_node_count(root: Any) -> int:
    """The number of nodes of a micrograd graph: an iterative walk of ``_prev`` (no recursion limit)."""
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


# --- W1: check, then time -----------------------------------------------------------------------


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


def check_agreement(impls: Sequence[Impl], reference: Impl, flat: Flat) -> dict[str, int | None]:
    """One step of each from ``flat``: SystemExit unless loss and gradients match ``reference``'s.

    Returns each implementation's number of graph nodes per step (None for the floats).
    """
    results: dict[str, tuple[float, Flat]] = {}
    nodes: dict[str, int | None] = {}
    for impl in impls:
        impl.load(flat)
        loss = impl.step()
        results[impl.name] = (impl.loss_of(loss), impl.grads())
        nodes[impl.name] = impl.count_nodes(loss)
        del loss
        gc.collect()
    ref_loss, ref_grads = results[reference.name]
    for name, (loss_value, grads) in results.items():
        if not _close(loss_value, ref_loss):
            raise SystemExit(f"bench_engine: {name} loss {loss_value!r} != {reference.name} loss {ref_loss!r}")
        if len(grads) != len(ref_grads):
            raise SystemExit(f"bench_engine: {name} has {len(grads)} gradients, {reference.name} {len(ref_grads)}")
        bad = [(i, g, r) for i, (g, r) in enumerate(zip(grads, ref_grads, strict=True)) if not _close(g, r)]
        if bad:
            i, g, r = bad[0]
            raise SystemExit(
                f"bench_engine: {name} disagrees with {reference.name} on {len(bad)} of {len(grads)} gradients "
                f"(first: parameter {i}: {g!r} vs {r!r})"
            )
    return nodes


def time_steps(impls: Sequence[Impl], flat: Flat, repeats: int) -> dict[str, tuple[list[float], list[float]]]:
    """Seconds per step and seconds of the final ``gc.collect()`` in it, ``repeats`` times for each."""
    times: dict[str, tuple[list[float], list[float]]] = {impl.name: ([], []) for impl in impls}
    clock = time.perf_counter
    for r in range(repeats):
        k = r % len(impls)
        for impl in [*impls[k:], *impls[:k]]:
            impl.load(flat)
            gc.collect()
            t0 = clock()
            loss = impl.step()
            del loss
            t1 = clock()
            gc.collect()
            t2 = clock()
            times[impl.name][0].append(t2 - t0)
            times[impl.name][1].append(t2 - t1)
    return times


# --- W2: memory per node ------------------------------------------------------------------------


def glass_chain(links: int, op: str) -> Callable[[], Value]:
    """A builder of ``x = (x * 1.0001).op()`` on glassgrad Values, ``links`` times from one leaf."""

    def build() -> Value:
        x = Value(1.0)
        for _ in range(links):
            x = getattr(x * 1.0001, op)()
        return x

    return build


def micrograd_chain(links: int) -> Callable[[], Any]:
    """A builder of ``x = (x * 1.0001).relu()`` on micrograd Values (micrograd 0.1.0 has no tanh)."""

    def build() -> Any:
        x = MgValue(1.0)
        for _ in range(links):
            x = (x * 1.0001).relu()
        return x

    return build


def measure_memory(build: Callable[[], Any], count: Callable[[Any], int]) -> tuple[int, float, float]:
    """(nodes, traced bytes per node, GC-tracked objects per node) of the graph ``build`` makes."""
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            root = build()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        nodes = count(root)
        del root
        gc.collect()
        objects_before = len(gc.get_objects())
        root = build()
        objects_grown = len(gc.get_objects()) - objects_before
        if count(root) != nodes:
            raise SystemExit("bench_engine: the chain changed size between two builds")
        del root
    finally:
        gc.enable()
    gc.collect()
    return nodes, grown / nodes, objects_grown / nodes


# --- report ---------------------------------------------------------------------------------------


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Plain-text table: columns padded to their widest cell, numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="timed steps per implementation (median reported)")
    parser.add_argument("--quick", action="store_true", help="one repeat (a smoke run)")
    parser.add_argument("--chain-nodes", type=int, default=CHAIN_NODES, help="nodes of the W2 chain")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    links = max(1, (args.chain_nodes - 1) // 3)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))

    print(f"Python {sys.version.split()[0]} ({platform.python_implementation()}, {platform.platform()})")
    print(f"glassgrad {_version('glassgrad')}, micrograd {_version('micrograd')}")
    print()

    points, labels = make_moons()
    flat = init_weights()
    glass_sum = Glassgrad(points, labels, fused=False)
    glass = Glassgrad(points, labels, fused=True)
    glass_nn = GlassgradNN(points, labels)
    micro = Micrograd(points, labels)
    floats = Floats(points, labels)
    impls: list[Impl] = [glass_sum, glass, glass_nn, micro, floats]

    nodes = check_agreement(impls, micro, flat)
    times = time_steps(impls, flat, repeats)

    medians = {name: statistics.median(t) for name, (t, _) in times.items()}
    ref = medians[micro.name]
    rows = []
    for impl in impls:
        step_times, gc_times = times[impl.name]
        n = nodes[impl.name]
        rows.append(
            [
                impl.name,
                f"{medians[impl.name] * 1e3:.2f}",
                f"{min(step_times) * 1e3:.2f}",
                f"{statistics.median(gc_times) * 1e3:.2f}",
                f"{n:,}" if n is not None else "-",
                f"{medians[impl.name] / n * 1e6:.3f}" if n else "-",
                f"{medians[impl.name] / ref:.2f}x",
            ]
        )
    print(
        f"W1  micrograd demo step: MLP{list(SIZES)}, {len(points)} two-moons points, SVM loss + "
        f"{ALPHA:g}·Σp², SGD lr={LR}; median of {repeats} repeat(s); losses and {len(flat)} gradients "
        f"agree to {RTOL:g} rel"
    )
    print(
        format_table(
            ["implementation", "ms/step", "min ms", "gc ms", "nodes/step", "us/node", "vs micrograd"],
            rows,
            [False, True, True, True, True, True, True],
        )
    )
    print("  ms/step = inputs + forward + zero_grad + backward + SGD update + del loss + gc.collect();")
    print("  gc ms = the final gc.collect() alone (frees micrograd's cyclic closures); nodes/step = graph size")
    print()

    chains = [
        ("glassgrad", "tanh", glass_chain(links, "tanh"), lambda root: len(engine.topological_order(root))),
        ("glassgrad", "relu", glass_chain(links, "relu"), lambda root: len(engine.topological_order(root))),
        ("micrograd", "relu", micrograd_chain(links), micrograd_node_count),
    ]
    mem_rows = []
    for name, op, build, count in chains:
        n_nodes, bytes_per_node, objects_per_node = measure_memory(build, count)
        mem_rows.append(
            [name, f"(x * 1.0001).{op}()", f"{n_nodes:,}", f"{bytes_per_node:.1f}", f"{objects_per_node:.2f}"]
        )
    print(f"W2  memory per node: chain of {links:,} links (3 nodes each, plus the input leaf)")
    print(
        format_table(
            ["engine", "link", "nodes", "bytes/node", "gc objects/node"],
            mem_rows,
            [False, False, True, True, True],
        )
    )
    print(
        "  bytes/node = tracemalloc growth over the build / nodes; gc objects/node = len(gc.get_objects()) "
        "growth (gc disabled)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
