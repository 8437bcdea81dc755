"""glassgrad vs micrograd vs hand-written floats (and PyTorch): time per workload, memory per node, recursion depth.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/bench_engine.py            # 5 repeats, about 5 minutes
    .venv/bin/python benchmarks/bench_engine.py --quick    # 1 repeat, no micrograd 1e5-step chain, one digits seed

Everything runs side by side in one process, from the same seeded weights and data, and every
implementation's numbers are checked against micrograd's (and the floats floor's) on every run.
Times are medians over ``--repeats``; ratios are to micrograd's median from the same run.

W1, "micrograd demo step"
    One SGD step of micrograd's demo: ``MLP(2, [16, 16, 1])`` (ReLU hidden layers, linear
    output; each neuron is ``b + Σ wᵢ·xᵢ``) on ``nn.data.make_moons(100, noise=0.1, seed=0)``
    (labels ±1, as ``nn.fit`` gives them to the hinge loss), with the SVM max-margin loss
    ``mean relu(1 - yᵢ·scoreᵢ) + 1e-4 · Σ p²``, then zero grads, backward and ``p.data -= 0.1 · p.grad``.
    The implementations start each repeat from the same seeded weights:

    - ``glassgrad-sum``: glassgrad Values, written like micrograd (builtin ``sum`` chains of adds);
    - ``glassgrad``: the same with ``engine.sum_values`` (one n-ary node) for every sum;
    - ``glassgrad-nn``: glassgrad's own ``nn.MLP``, ``nn.losses`` and ``nn.optim.SGD``, run as ``nn.fit`` runs a step
      (inside ``engine.paused_gc()``);
    - ``glassgrad-compiled``: the same model and loss traced once by ``engine.compile`` (outside the
      timing; its one-off time is printed); a step is one call of the compiled function (loss and
      gradients as floats) and the SGD update on floats. Its losses, gradients and updated parameters
      must also equal ``glassgrad-nn``'s to 1e-12 relative over 3 steps (in practice bit-identical);
    - ``glassgrad-batched-auto``, ``glassgrad-batched-numpy`` and ``glassgrad-batched-python``: the step as
      ``make_step(compile=True)`` makes it (``nn.compiled_step.BatchedStep``): one example's forward pass and
      hinge loss traced once by ``engine.compile(..., per_example=...)``, its code run over the 100 points by
      ``Compiled.batch`` with the packed program (``"auto"``: the matrix runner, each layer a matrix product),
      with numpy line by line, or by a Python loop, the L2 penalty compiled on its own, then ``nn.optim.SGD`` on
      the Values; it must equal ``glassgrad-nn``'s to 1e-12 relative over 3 steps;
    - ``micrograd``: micrograd 0.1.0's own ``MLP`` and ``Value``, the demo's loss verbatim;
    - ``floats``: no graph at all; explicit loops for the forward pass and hand-derived
      gradients for the backward pass (the floor any scalar engine is measured against);
    - ``torch`` (when PyTorch is installed): the step batched in float64 tensors on one thread,
      ``Sequential(Linear, ReLU, Linear, ReLU, Linear)``, ``torch.optim.SGD``.

    On every repeat the losses and all 337 parameter gradients must agree with micrograd's to
    1e-9 relative (else SystemExit). A timed step is: make the input Values, forward, zero
    grads, backward, SGD update, drop the loss and ``gc.collect()``, so each implementation
    pays for freeing its own graph (micrograd's closures make reference cycles that only the
    cyclic collector frees; glassgrad's graph is freed by reference counting at ``del``).

W1 warm
    The fast implementations (floats, the batched step with each runner, the packed step on arrays as
    ``fit(compile=True)`` runs it (``glassgrad-packed-arrays``: ``BatchedStep.on_arrays`` and
    ``SGD.step_arrays``), torch, glassgrad-compiled) timed warm: 20 untimed steps each, then interleaved rounds
    of 10 timed steps each, every step from the same weights (so the same work: the floats floor skips zero
    gradients, which training makes more of), medians. A small step's time in PyTorch is several times its warm
    time when it runs cold between other engines' allocations, so the targets of the batched step (≤ 0.5× the
    floats and ≤ 3× torch with numpy line by line, ≤ 2× the floats with the Python loop; ≤ 0.5× torch with the
    packed program, runner "auto") are judged here, warm for all. Also the time to compile and pack the batched
    step (one example's trace and code, the L2 penalty's, both packed and bound to numpy), the median of 5
    (target ≤ 0.05 s).

W6, "packed" (``benchmarks/packed.py``)
    ``fit(compile=True)``'s epoch on the demo (one step and its SGD update; the difference of 400 and 200
    epochs) with the packed program and with the per-node numpy runner, beside torch's step (target ≤ 1×);
    a 3-24-24-1 tanh network written by hand (builtin ``sum``), its squared error and every gradient over 200
    rows, by the packed program, the per-node numpy runner and torch (target: packed ≥ 5× faster than per
    node). Warm, interleaved rounds, medians.

W5, "digits" (``benchmarks/digits.py``, when scikit-learn is installed; ``--no-digits`` leaves it out)
    ``MLP(64, [32, 10])`` trained with ``fit(compile=True)`` on an 80/20 split of the 8×8 digits, five
    seeds: ≥ 95% test accuracy in ≤ 1.5 s each; beside it, for the first seed, the per-node numpy runner's run,
    the same training in PyTorch, and the graph path's time from its first epoch, extrapolated.

numpy's BLAS runs on one thread, as torch does (``torch.set_num_threads(1)``): the script runs itself again
with ``OPENBLAS_NUM_THREADS=1`` (``benchmarks/threads.py``) when it is not set.

W2, "chain"
    ``x = tanh(x·a + b)`` with plain floats ``a = 0.9999``, ``b = 1e-6`` (5 nodes a step: the
    constants a and b, the product, the sum, the tanh), 1e3, 1e4 and 1e5 steps from ``x0 = 0.5``:
    build, backward, free. ``x`` and ``d x / d x0`` must agree to 1e-9 relative between glassgrad,
    micrograd and the floats floor (a forward loop keeping each tanh, a backward loop by hand).

W3, "bytes per node"
    The same chain, 20,000 steps (100,001 nodes): tracemalloc's traced-memory growth over the
    build and the growth of ``len(gc.get_objects())`` (collector disabled), each divided by the
    nodes counted from the graph (``engine.topological_order``; an iterative walk of ``_prev``
    for micrograd). Also ``x = (x * 1.0001).relu()``, which micrograd has natively.

W4, "dot product"
    ``Σ aᵢ·bᵢ`` over two lists of 1e5 Values (seeded uniform floats): glassgrad through builtin
    ``sum`` (a chain of 1e5 adds) and through ``engine.sum_values`` (one n-ary node), micrograd
    through builtin ``sum``, and floats; build, backward, free. The sum and all 2e5 gradients
    must agree to 1e-9 relative.

Depth
    The longest chain ``y = y.tanh()`` whose backward runs at CPython's default recursion limit
    (1000): glassgrad is run at 1,000,000 steps (its graph walks are iterative); micrograd's
    largest working n is found by binary search between 100 and 2000 in a fresh interpreter.

micrograd 0.1.0 has no ``tanh``: it gets ``graph_workloads.mg_tanh``, written in micrograd's own
style (a closure ``_backward``, like its ``relu``). Its backward sorts the graph recursively, so its
runs of W1, W2 and W4 get a recursion limit of 3 × (graph depth) + 1000, set for the run only;
each such depth is first tried in a child interpreter (a C stack overflow would kill this one
before Python 3.11): a size that fails there is reported as "n/a (recursion)". Everything else
runs at the default limit.

Timing: every timed workload is a list of ``graph_workloads.Case`` run by ``graph_workloads.time_cases``.
``gc.collect()`` runs before each timed run, outside the timing, and the objects alive
then (the harness, the inputs) are frozen out of the collector (``gc.freeze()``) until the run
ends, so each ``gc.collect()`` in a run, automatic or final, walks only that run's own objects.
The order of the implementations rotates from repeat to repeat. The summary at the end puts each
workload beside the issue's targets (W1 ≤ 0.08×, W1 compiled ≤ 0.02× micrograd and ≤ 3× the floats,
the W1 warm and W5 targets above, W2 and W4 ≤ 0.1× micrograd, ≤ 160 bytes and ≤ 2 GC objects per node,
depth ≥ 1,000,000).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, cast

try:
    from micrograd.engine import Value as MgValue  # type: ignore[import-untyped]
    from micrograd.nn import MLP as MgMLP  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    raise SystemExit("bench_engine: micrograd is not installed; run `.venv/bin/pip install micrograd==0.1.0`") from None

import engine
import nn
from engine import Value, matrix_runner, numpy_runner
from nn import losses
from nn.compiled_step import BatchedStep
from nn.data import make_moons
from nn.optim import SGD
from nn.train import targets_for

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the helper module beside this script
import graph_workloads as gw
import packed
import threads

SIZES: tuple[int, ...] = (2, 16, 16, 1)  # micrograd's MLP(2, [16, 16, 1])
N_POINTS = 100
NOISE = 0.1
ALPHA = 1e-4  # L2 regularization strength of micrograd's demo
LR = 0.1
SEED = 0
RTOL = 1e-9  # agreement required between implementations (relative) ...
ATOL = 1e-15  # ... with this absolute floor for values that cancel to (almost) zero
RTOL_COMPILED = 1e-12  # W1: glassgrad-compiled against the glassgrad-nn graph it was traced from (relative) ...
COMPILED_CHECK_STEPS = 3  # ... over this many consecutive steps
RECURSION_LIMIT = 10_000  # micrograd's backward sorts the graph recursively: W1's graph is ~450 deep
CHAIN_STEPS = (1_000, 10_000, 100_000)  # W2
QUICK_MICROGRAD_MAX_STEPS = 10_000  # --quick: micrograd's W2 chains up to this many steps only
MEMORY_NODES = 100_000  # W3
DOT_SIZE = 100_000  # W4
DOT_SEED = 1
DEPTH = 1_000_000  # the steps of glassgrad's depth chain ...
DEPTH_TARGET = 1_000_000  # ... and the depth the issue asks for at the default recursion limit
TARGET_W1 = 0.08  # the targets: ratio to micrograd, ...
TARGET_COMPILED = 0.02  # ... W1 compiled by engine.compile (and within TARGET_COMPILED_FLOOR × the floats floor), ...
TARGET_COMPILED_FLOOR = 3.0
TARGET_W2_W4 = 0.1
TARGET_BYTES = 160.0  # ... bytes and GC-tracked objects per node, depth
TARGET_OBJECTS = 2.0
TARGET_COMPILE_SECONDS = 0.05  # issue 18: compiling the batched demo step (one example) ...
TARGET_NUMPY_FLOATS = 0.5  # ... its warm step with numpy ≤ 0.5× the floats ...
TARGET_NUMPY_TORCH = 3.0  # ... and ≤ 3× PyTorch's ...
TARGET_PYTHON_FLOATS = 2.0  # ... and with the Python loop ≤ 2× the floats
TARGET_PACKED_TORCH = 0.5  # issue 26: the demo step by the packed program (runner="auto") ≤ 0.5× PyTorch's, ...
TARGET_FIT_EPOCH_TORCH = 1.0  # ... an epoch of fit(compile=True) on the demo ≤ 1× PyTorch's step, ...
TARGET_HAND_SPEEDUP = 5.0  # ... and the hand-written network packed ≥ 5× faster than by the per-node numpy runner
RUNNERS_TIMED = ("auto", "numpy", "python")  # W1 warm: the batched step by each runner ("auto": the packed program)
FIT_EPOCHS = 200  # W6: fit's epoch timed as the difference of 2·N and N epochs (N/5 for the per-node runner), ...
HAND_CALLS = 50  # ... the hand-written network's step timed over this many calls (a fifth for the per-node runner)
WARMUP_STEPS = 20  # W1 warm: untimed steps of each implementation first, ...
STEPS_PER_ROUND = 10  # ... then rounds of this many timed steps each, ...
COMPILE_REPEATS = 5  # ... and the batched step compiled this many times

Flat = list[float]
Points = list[list[float]]


# --- data and weights -------------------------------------------------------------------------


def moons() -> tuple[Points, list[float]]:
    """``nn.data.make_moons`` with its labels as ``nn.fit`` gives them to the hinge loss (-1.0 and +1.0)."""
    X, y = make_moons(N_POINTS, noise=NOISE, seed=SEED)
    return X, [float(t) for t in targets_for("hinge", y, 1)]


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
    """One implementation of the training step: load weights, step, read back loss and gradients.

    The defaults serve implementations whose parameters ``params`` are Values of a graph.
    """

    name: str = ""
    params: list[Any]

    def load(self, flat: Flat) -> None:
        """Set the parameters to ``flat`` and their gradients to zero."""
        for p, v in zip(self.params, flat, strict=True):
            p.data = v
            p.grad = 0.0

    def step(self) -> Any:
        """Build the loss, zero grads, backward, SGD update; return the loss (a graph root or a float)."""
        raise NotImplementedError

    def loss_of(self, loss: Any) -> float:
        """The number held by what ``step`` returned."""
        return float(loss.data)

    def grads(self) -> Flat:
        """The gradients of the last ``step``, in parameter order."""
        return [float(p.grad) for p in self.params]

    def count_nodes(self, loss: Any) -> int | None:
        """The number of graph nodes behind what ``step`` returned, or None when there is no graph."""
        return gw.glass_node_count(loss)

    def parameters_now(self) -> Flat:
        """The parameters as the last ``step`` left them, in micrograd's order."""
        return [float(p.data) for p in self.params]

    def nodes_per_step(self, flat: Flat) -> int | None:
        """``count_nodes`` of one step from ``flat`` (untimed)."""
        self.load(flat)
        return self.count_nodes(self.step())

    def case(self, flat: Flat) -> gw.Case:
        """A step as a case of the harness: ``load(flat)`` (untimed), then ``step`` (timed; its graph is
        dropped inside the timing), then the gradients."""
        return gw.Case(self.name, lambda: self.load(flat), lambda _: self.loss_of(self.step()), lambda _: self.grads())


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

    def __init__(self, points: Points, labels: list[float], fused: bool) -> None:
        self.name = "glassgrad" if fused else "glassgrad-sum"
        self.points, self.labels, self.fused = points, labels, fused
        self.model = GlassMLP(SIZES, fused)
        self.params = self.model.parameters()

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


def nn_demo_loss(model: nn.MLP, points: Sequence[Sequence[Any]], labels: Sequence[float]) -> Value:
    """micrograd's demo loss with glassgrad's nn: mean hinge over the points plus ``ALPHA · Σ p²``
    (``glassgrad-nn`` builds it every step, ``glassgrad-compiled`` traces it once: one definition for both)."""
    per_example = [losses.hinge(model(x), y) for x, y in zip(points, labels, strict=True)]
    return losses.objective(per_example, "mean", model.parameters(), ALPHA)


class GlassgradNN(Impl):
    """glassgrad's own library as ``nn.fit`` runs it: ``nn.MLP``, ``nn.losses`` (hinge, mean, l2), ``nn.optim.SGD``."""

    name = "glassgrad-nn"

    def __init__(self, points: Points, labels: list[float]) -> None:
        self.points, self.labels = points, labels
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=SEED)
        self.params = self.model.parameters()
        self.optimizer = SGD(self.params, lr=LR)

    def step(self) -> Value:
        with engine.paused_gc():  # as nn.fit runs each step (the final gc.collect() stays in the timing)
            total_loss = nn_demo_loss(self.model, self.points, self.labels)
            self.optimizer.zero_grad()
            total_loss.backward()
            self.optimizer.step()
        return total_loss


class GlassgradCompiled(Impl):
    """``glassgrad-nn``'s forward and loss (``nn.MLP``, ``nn.losses`` hinge, mean, l2) traced once by
    ``engine.compile``; a step is one call of the compiled function and the SGD update on floats."""

    name = "glassgrad-compiled"

    def __init__(self, points: Points, labels: list[float]) -> None:
        self.labels = labels
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=SEED)
        self.params = params = self.model.parameters()
        # the data are inputs of the compiled function too (Values in the trace, numbers in each call)
        self.points = [[Value(a, label="x0"), Value(b, label="x1")] for a, b in points]
        self.data: Flat = [float(v.data) for point in self.points for v in point]
        self.n_params = len(params)
        t0 = time.perf_counter()
        self.compiled = engine.compile(
            self.step_loss, [*params, *(v for point in self.points for v in point)], wrt=list(range(self.n_params))
        )
        self.compiled.program.on_floats()  # Python compiles the code when it is first called: that too, here
        self.compile_seconds = time.perf_counter() - t0
        self.flat: Flat = [p.data for p in params]
        self.last_grads: Flat = [0.0] * self.n_params

    def step_loss(self, *values: Value) -> Value:
        """The traced function, ``GlassgradNN``'s loss: its arguments are the model's own parameters and the
        Values of ``self.points``, so it reaches them through the model and ``self``."""
        return nn_demo_loss(self.model, self.points, self.labels)

    def load(self, flat: Flat) -> None:
        if len(flat) != self.n_params:
            raise ValueError(f"glassgrad-compiled: expected {self.n_params} parameters, got {len(flat)}")
        self.flat = list(flat)
        self.last_grads = [0.0] * self.n_params

    def step(self) -> float:
        loss, grads = self.compiled(*self.flat, *self.data)
        self.flat = [p - LR * g for p, g in zip(self.flat, grads, strict=True)]  # as SGD: p.data - lr·p.grad
        self.last_grads = grads
        return cast(float, loss)

    def loss_of(self, loss: Any) -> float:
        return float(loss)

    def grads(self) -> Flat:
        return list(self.last_grads)

    def parameters_now(self) -> Flat:
        return list(self.flat)

    def count_nodes(self, loss: Any) -> int:
        """The nodes of the traced graph, each replayed as lines of the compiled function (no graph is built)."""
        return self.compiled.nodes


class GlassgradBatched(Impl):
    """``glassgrad-nn``'s step as ``fit(compile=True)`` runs it: ``nn.compiled_step.BatchedStep``, whose one example's
    hinge loss is traced once by ``engine.compile(..., per_example=...)`` and run over the 100 points by
    ``Compiled.batch`` with ``runner`` (``numpy``: each line over the batch axis; ``python``: a loop over the points),
    plus the L2 penalty compiled on its own; then ``nn.optim.SGD``, inside ``engine.paused_gc()`` as ``fit`` runs it."""

    def __init__(self, points: Points, labels: list[float], runner: str) -> None:
        self.name = f"glassgrad-batched-{runner}"
        self.points, self.labels, self.runner = points, labels, runner
        self.model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=SEED)
        self.params = self.model.parameters()
        self.optimizer = SGD(self.params, lr=LR)
        self.batch = list(range(len(points)))
        self.compile_seconds, self.stepper = self.compile()

    def compile(self) -> tuple[float, BatchedStep]:
        """A new step, traced and compiled (the example, the penalty; for numpy the same code bound to numpy's
        functions; for the packed program, both packed and bound): the seconds it took, and the step."""
        t0 = time.perf_counter()
        stepper = BatchedStep(self.model.logits, losses.hinge, self.params, "hinge", 1, "mean", ALPHA)
        stepper.runner = self.runner
        compiled = stepper.trace(self.points[0], self.labels[0])
        if self.runner == "numpy":
            numpy_runner.function_for(compiled.program)
        elif stepper.packed():
            for program in (compiled.program, stepper.compiled_penalty.program if stepper.compiled_penalty else None):
                if program is not None:
                    matrix_runner.function_for(program)
        return time.perf_counter() - t0, stepper

    def step(self) -> float:
        with engine.paused_gc():
            loss, _, _ = self.stepper.forward(self.points, self.labels, self.batch)
            self.optimizer.zero_grad()
            self.stepper.backward()
            self.optimizer.step()
        return loss

    def loss_of(self, loss: Any) -> float:
        return float(loss)

    def count_nodes(self, loss: Any) -> int | None:
        """The nodes of one example's traced graph, run for every example (no graph is built)."""
        return None if self.stepper.compiled is None else self.stepper.compiled.nodes


class GlassgradArrays(Impl):
    """The demo step as ``fit(compile=True)`` runs it when numpy is installed: ``BatchedStep.on_arrays`` (the packed
    programs of the example's hinge loss and of the L2 penalty) on a float64 array of the parameters and one of the
    100 rows, then ``SGD.step_arrays`` on that array: no Value is touched."""

    name = "glassgrad-packed-arrays"

    def __init__(self, points: Points, labels: list[float]) -> None:
        model = nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", seed=SEED)
        self.params = model.parameters()
        self.stepper = BatchedStep(model.logits, losses.hinge, self.params, "hinge", 1, "mean", ALPHA)
        self.compiled = self.stepper.trace(points[0], labels[0])
        self.theta = numpy_runner.as_float([p.data for p in self.params])
        self.rows = numpy_runner.as_float(self.stepper.rows_for(points, labels))
        self.optimizer = SGD(self.params, lr=LR)
        self.g: Any = None

    def load(self, flat: Flat) -> None:
        self.theta[...] = flat

    def step(self) -> float:
        loss, _, _, self.g = self.stepper.on_arrays(self.theta, self.rows)
        self.optimizer.step_arrays(self.theta, self.g, {})
        return loss

    def loss_of(self, loss: Any) -> float:
        return float(loss)

    def grads(self) -> Flat:
        return cast(Flat, self.g.tolist())

    def parameters_now(self) -> Flat:
        return cast(Flat, self.theta.tolist())

    def count_nodes(self, loss: Any) -> int:
        """The nodes of one example's traced graph, packed into whole-array lines (no graph is built)."""
        return self.compiled.nodes


class Torch(Impl):
    """PyTorch on the same step, batched: float64 tensors, ``Sequential(Linear, ReLU, Linear, ReLU, Linear)``, the
    hinge loss of all 100 points as one tensor expression plus ``ALPHA · Σ p²``, backward, ``torch.optim.SGD``; one
    thread (``torch.set_num_threads(1)``)."""

    name = "torch"

    def __init__(self, points: Points, labels: list[float]) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.X = torch.tensor(points, dtype=torch.float64)
        self.y = torch.tensor(labels, dtype=torch.float64)
        shapes = list(itertools.pairwise(SIZES))
        layers: list[Any] = []
        for i, (nin, nout) in enumerate(shapes):
            layers.append(torch.nn.Linear(nin, nout, dtype=torch.float64))
            if i < len(shapes) - 1:
                layers.append(torch.nn.ReLU())
        self.net = torch.nn.Sequential(*layers)
        self.linears = [m for m in self.net if isinstance(m, torch.nn.Linear)]
        self.params = list(self.net.parameters())
        self.optimizer = torch.optim.SGD(self.params, lr=LR)

    def load(self, flat: Flat) -> None:
        """The weights in micrograd's order (neuron by neuron: its weights, then its bias), gradients cleared."""
        k = 0
        with self.torch.no_grad():
            for lin in self.linears:
                nout, nin = lin.weight.shape
                for j in range(nout):
                    lin.weight[j] = self.torch.tensor(flat[k:k + nin], dtype=self.torch.float64)
                    lin.bias[j] = flat[k + nin]
                    k += nin + 1
        if k != len(flat):
            raise ValueError(f"torch: expected {k} parameters, got {len(flat)}")
        self.optimizer.zero_grad(set_to_none=True)

    def step(self) -> Any:
        scores = self.net(self.X).squeeze(1)
        data_loss = self.torch.relu(1.0 - self.y * scores).mean()
        total_loss = data_loss + ALPHA * sum((p * p).sum() for p in self.params)
        self.optimizer.zero_grad(set_to_none=True)
        total_loss.backward()
        self.optimizer.step()
        return total_loss

    def loss_of(self, loss: Any) -> float:
        return float(loss.item())

    def grads(self) -> Flat:
        out: Flat = []
        for lin in self.linears:
            weights, biases = lin.weight.grad, lin.bias.grad
            if weights is None or biases is None:
                raise RuntimeError("torch: no gradients: expected a step() first")
            for j in range(weights.shape[0]):
                out.extend(weights[j].tolist())
                out.append(float(biases[j]))
        return out

    def count_nodes(self, loss: Any) -> None:
        return None


def torch_version() -> str | None:
    """PyTorch's version, or None when it is not installed (then its rows are left out)."""
    try:
        import torch
    except ImportError:
        return None
    return str(torch.__version__)


class Micrograd(Impl):
    """micrograd 0.1.0's own ``MLP`` and the loss of its demo notebook, verbatim (but for the fixed lr)."""

    name = "micrograd"

    def __init__(self, points: Points, labels: list[float]) -> None:
        self.points, self.labels = points, labels
        self.model = MgMLP(SIZES[0], list(SIZES[1:]))
        self.params = self.model.parameters()

    def step(self) -> Any:
        model = self.model
        inputs = [list(map(MgValue, xrow)) for xrow in self.points]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(self.labels, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        with gw.recursion_limit(RECURSION_LIMIT):
            total_loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return total_loss

    def count_nodes(self, loss: Any) -> int:
        return gw.micrograd_node_count(loss)


class Floats(Impl):
    """The same step on plain floats: explicit forward loops and hand-derived gradients, no graph."""

    name = "floats"

    def __init__(self, points: Points, labels: list[float]) -> None:
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

    def count_nodes(self, loss: Any) -> None:
        return None

    def grads(self) -> Flat:
        out: Flat = []
        for layer in range(len(self.GW)):
            for j, row in enumerate(self.GW[layer]):
                out.extend(row)
                out.append(self.GB[layer][j])
        return out


# --- W1: the compiled step against the graph it was traced from -----------------------------------


def check_compiled(compiled: Impl, graph: GlassgradNN, flat: Flat) -> bool:
    """``COMPILED_CHECK_STEPS`` steps of both from ``flat``: SystemExit unless the compiled step's losses,
    gradients and updated parameters equal the graph path's to ``RTOL_COMPILED`` relative.

    Returns whether they are bit-identical (what ``engine.compile`` promises for a whole graph; the batched step
    sums over the examples in another order).
    """
    compiled.load(flat)
    graph.load(flat)
    identical = True
    for step in range(1, COMPILED_CHECK_STEPS + 1):
        want = graph.loss_of(graph.step()), [*graph.grads(), *graph.parameters_now()]
        got = compiled.loss_of(compiled.step()), [*compiled.grads(), *compiled.parameters_now()]
        what = f"W1 step {step}, {compiled.name} (the {len(flat)} gradients, then the updated parameters)"
        gw.check_outcomes(what, {graph.name: want, compiled.name: got}, graph.name, RTOL_COMPILED, ATOL)
        identical = identical and got == want
    gc.collect()
    return identical


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


def _ms(seconds: float) -> str:
    """Milliseconds, with two decimals below 100 ms and one above."""
    ms = seconds * 1e3
    return f"{ms:,.1f}" if ms >= 100.0 else f"{ms:.2f}"


def _x(ratio: float | None) -> str:
    """A ratio with four decimals (so 0.0803 does not read as 0.080 beside a 0.08 target); '-' for None."""
    return "-" if ratio is None else f"{ratio:.4f}x"


@dataclass
class SummaryRow:
    """One line of the closing table: a workload, each engine's number, the ratio and the issue's target."""

    workload: str
    unit: str
    glass: str
    micro: str
    floats: str
    ratio: float | None
    target: str
    met: bool | None


def _median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


# --- the sections -------------------------------------------------------------------------------


def section_w1(repeats: int) -> list[SummaryRow]:
    """W1: the implementations of micrograd's demo step, checked against micrograd (and the compiled ones
    against glassgrad-nn) and timed side by side, each step cold (one step per repeat); print a table."""
    points, labels = moons()
    flat = init_weights()
    micro, floats, graph = Micrograd(points, labels), Floats(points, labels), GlassgradNN(points, labels)
    compiled = GlassgradCompiled(points, labels)  # engine.compile runs here, once, outside the timing
    batched = [GlassgradBatched(points, labels, runner) for runner in ("auto", "numpy", "python")]
    impls: list[Impl] = [
        Glassgrad(points, labels, fused=False),
        Glassgrad(points, labels, fused=True),
        graph,
        compiled,
        *batched,
        micro,
        floats,
    ]
    if torch_version() is not None:
        impls.append(Torch(points, labels))
    nodes = {impl.name: impl.nodes_per_step(flat) for impl in impls}
    identical = check_compiled(compiled, graph, flat)
    batched_identical = [check_compiled(impl, graph, flat) for impl in batched]
    cases = [impl.case(flat) for impl in impls]
    timings, _ = gw.time_cases("W1 demo step", cases, repeats, micro.name, RTOL, ATOL)

    medians = {name: _median(t.total) for name, t in timings.items()}
    ref = medians[micro.name]
    rows = []
    for impl in impls:
        t, n, med = timings[impl.name], nodes[impl.name], medians[impl.name]
        rows.append(
            [
                impl.name,
                f"{med * 1e3:.2f}",
                f"{min(t.total) * 1e3:.2f}",
                f"{_median(t.gc) * 1e3:.2f}",
                f"{n:,}" if n is not None else "-",
                f"{med / n * 1e6:.3f}" if n else "-",
                _x(med / ref),
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
    lines = len(compiled.compiled.source.splitlines())
    vs_floats = medians[compiled.name] / medians[floats.name]
    print(
        f"  {compiled.name}: compiled once in {compiled.compile_seconds:.2f} s ({lines:,} lines of Python, "
        f"{compiled.compiled.n_inputs} inputs), outside the timing; a step = one call + SGD on floats; its "
        f"nodes/step are the traced graph's, replayed as lines (no graph is built)"
    )
    print(
        f"  {compiled.name} vs {graph.name} over {COMPILED_CHECK_STEPS} steps: losses, gradients and updated "
        f"parameters {'bit-identical' if identical else f'agree to {RTOL_COMPILED:g} rel (not bit-identical)'}; "
        f"{vs_floats:.2f}x the floats floor (target ≤ {TARGET_COMPILED_FLOOR:g}x)"
    )
    for impl, same in zip(batched, batched_identical):
        print(
            f"  {impl.name}: one example's {nodes[impl.name]} nodes compiled in {impl.compile_seconds * 1e3:.0f} ms "
            f"(with the L2 penalty), outside the timing; vs {graph.name} over {COMPILED_CHECK_STEPS} steps: "
            f"{'bit-identical' if same else f'agree to {RTOL_COMPILED:g} rel'} (the sums over the examples are "
            "added in another order)"
        )
    print("  these are cold steps (one per repeat, after the other engines' allocations): W1 warm below times the "
          "fast ones warm")
    print()

    def row(label: str, name: str, target: float) -> SummaryRow:
        ratio = medians[name] / ref
        floor = _ms(medians[floats.name])
        return SummaryRow(
            f"W1 demo step ({label})",
            "ms",
            _ms(medians[name]),
            _ms(ref),
            floor,
            ratio,
            f"≤ {target:g}x",
            ratio <= target,
        )

    return [
        row("builtin sum", "glassgrad-sum", TARGET_W1),
        row("sum_values", "glassgrad", TARGET_W1),
        row("glassgrad nn", "glassgrad-nn", TARGET_W1),
        row("glassgrad compiled", compiled.name, TARGET_COMPILED),
        SummaryRow(
            "W1 demo step (glassgrad compiled)",
            "x floats",
            f"{vs_floats:.2f}x",
            f"{ref / medians[floats.name]:.1f}x",
            "1.00x",
            None,
            f"≤ {TARGET_COMPILED_FLOOR:g}x floats",
            vs_floats <= TARGET_COMPILED_FLOOR,
        ),
    ]


def section_w1_warm(repeats: int, quick: bool) -> list[SummaryRow]:
    """W1 warm: the demo step of the fast implementations (floats, the batched step with each runner, PyTorch,
    the whole-graph compiled step) timed warm, interleaved, median of many steps; and the per-example compile's
    time. Print a table; return the summary rows of the issue's targets."""
    points, labels = moons()
    flat = init_weights()
    impls: list[Impl] = [Floats(points, labels), *(GlassgradBatched(points, labels, r) for r in RUNNERS_TIMED),
                         GlassgradArrays(points, labels)]
    check_compiled(impls[-1], GlassgradNN(points, labels), flat)  # the step on arrays: the graph's numbers
    if torch_version() is not None:
        impls.append(Torch(points, labels))
    if not quick:
        impls.append(GlassgradCompiled(points, labels))
    rounds = max(4, 4 * repeats) if not quick else 4
    seconds, last = gw.time_warm([impl.case(flat) for impl in impls], WARMUP_STEPS, rounds, STEPS_PER_ROUND)
    reference = last[impls[0].name]
    for name, value in last.items():  # every timed step is the first step from the same weights: the same loss
        if not gw.close(value, reference, RTOL, ATOL):
            raise SystemExit(f"bench_engine: W1 warm: {name}'s loss {value!r} != the floats' {reference!r}")
    med = {name: _median(t) for name, t in seconds.items()}
    packed_step = next(impl for impl in impls if isinstance(impl, GlassgradBatched) and impl.runner == "auto")
    compiles = sorted(packed_step.compile()[0] for _ in range(COMPILE_REPEATS))
    compile_seconds = _median(compiles)
    rows = [
        [name, _ms(m), _ms(min(seconds[name])), f"{m / med['floats']:.2f}x",
         f"{m / med['torch']:.2f}x" if "torch" in med else "-"]
        for name, m in med.items()
    ]
    print(
        f"W1 warm  the demo step warm: {WARMUP_STEPS} untimed steps each, then {rounds} interleaved rounds of "
        f"{STEPS_PER_ROUND} timed steps each (every step from the same weights: the same work), median; "
        f"torch {torch_version() or 'not installed'} with 1 thread, float64"
    )
    print(format_table(["implementation", "ms/step", "min ms", "vs floats", "vs torch"], rows,
                       [False, True, True, True, True]))
    print(
        f"  compiling and packing the batched step (one example's trace and code, the L2 penalty's, both packed and "
        f"bound to numpy): median {compile_seconds * 1e3:.0f} ms of {COMPILE_REPEATS} (min {compiles[0] * 1e3:.0f} ms)"
    )
    print("  glassgrad-batched-auto: the packed program (runner='auto'), the step and SGD on the Values as train_step "
          "runs them; glassgrad-packed-arrays: the same step and SGD on arrays, as fit(compile=True) runs them")
    print()
    return _w1_warm_summary(med, compile_seconds)


def _w1_warm_summary(med: dict[str, float], compile_seconds: float) -> list[SummaryRow]:
    """W1 warm's rows in the summary: issue 18's targets for the per-node runners, issue 26's for the packed one."""
    numpy_ms, python_ms, floats_ms = med["glassgrad-batched-numpy"], med["glassgrad-batched-python"], med["floats"]

    def ratio_row(label: str, ms: float, base: str, base_ms: float, target: float | None) -> SummaryRow:
        return SummaryRow(f"W1 warm step ({label})", f"x {base}", _ms(ms), "-", _ms(floats_ms), ms / base_ms,
                          "-" if target is None else f"≤ {target:g}x {base}",
                          None if target is None else ms / base_ms <= target)

    summary = [
        SummaryRow("W1 compile and pack, per example (+ L2)", "s", f"{compile_seconds:.3f}", "-", "-", None,
                   f"≤ {TARGET_COMPILE_SECONDS:g} s", compile_seconds <= TARGET_COMPILE_SECONDS),
        ratio_row("batched, numpy", numpy_ms, "floats", floats_ms, TARGET_NUMPY_FLOATS),
    ]
    if "torch" in med:
        summary += [
            ratio_row("batched, numpy", numpy_ms, "torch", med["torch"], TARGET_NUMPY_TORCH),
            ratio_row("batched, auto: packed", med["glassgrad-batched-auto"], "torch", med["torch"],
                      TARGET_PACKED_TORCH),
            ratio_row("packed, on arrays", med["glassgrad-packed-arrays"], "torch", med["torch"], TARGET_PACKED_TORCH),
        ]
    summary.append(ratio_row("batched, python", python_ms, "floats", floats_ms, TARGET_PYTHON_FLOATS))
    return summary


def _per_call(fn: Any, calls: int) -> float:
    """Seconds per call of ``fn``, warm: two untimed calls, then ``calls`` timed together."""
    fn()
    fn()
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls


def section_packed(repeats: int, quick: bool) -> list[SummaryRow]:
    """W6: issue 26's packed program beside PyTorch and the per-node numpy runner, warm, interleaved rounds, medians:
    ``fit(compile=True)``'s epoch on micrograd's demo, and the hand-written 3-24-24-1 tanh network over 200 rows
    (``benchmarks/packed.py``). Print a table; return the summary rows of the issue's targets."""
    points, labels = moons()
    flat = init_weights()
    torch_step = Torch(points, labels) if torch_version() is not None else None
    hand = packed.HandNetwork()
    hand_torch = hand.torch()
    losses_ = {"packed": hand.run("matrix"), "per-node numpy": hand.run("numpy")}
    if hand_torch is not None:
        losses_["torch"] = hand_torch()
    if not all(gw.close(v, losses_["per-node numpy"], RTOL, ATOL) for v in losses_.values()):
        raise SystemExit(f"bench_engine: W6: the hand-written network's losses differ: {losses_}")
    times: dict[str, list[float]] = {}
    for _ in range(3 if quick else max(5, repeats)):
        runs = {
            "demo: fit(compile=True) epoch, packed": lambda: packed.epoch_seconds("auto", FIT_EPOCHS),
            "demo: fit(compile=True) epoch, per-node numpy": lambda: packed.epoch_seconds("numpy", FIT_EPOCHS // 5),
            "hand 3-24-24-1: packed": lambda: _per_call(lambda: hand.run("matrix"), HAND_CALLS),
            "hand 3-24-24-1: per-node numpy": lambda: _per_call(lambda: hand.run("numpy"), HAND_CALLS // 5),
        }
        if torch_step is not None:
            torch_step.load(flat)
            runs["demo: torch step"] = lambda: _per_call(torch_step.step, HAND_CALLS)
        if hand_torch is not None:
            runs["hand 3-24-24-1: torch"] = lambda: _per_call(hand_torch, HAND_CALLS)
        for name, run in runs.items():
            times.setdefault(name, []).append(run())
    med = {name: _median(t) for name, t in times.items()}
    torch_ms = {"demo": med.get("demo: torch step"), "hand 3-24-24-1": med.get("hand 3-24-24-1: torch")}
    rows = []
    for name, m in med.items():
        base = torch_ms[name.split(":")[0]]
        rows.append([name, _ms(m), _x(m / base) if base else "-"])
    print(f"W6  the packed program: fit(compile=True)'s epoch on micrograd's demo (step and SGD update, 100 points, "
          f"L2 {ALPHA:g}: the difference of {2 * FIT_EPOCHS} and {FIT_EPOCHS} epochs), and a 3-24-24-1 tanh network "
          f"written by hand (builtin sum), its squared error and every gradient over {packed.HAND_ROWS} rows; warm, "
          f"medians; numpy's BLAS and torch on one thread, float64; losses agree to {RTOL:g}")
    print(format_table(["workload", "ms", "vs torch"], rows, [False, True, True]))
    print()
    return _packed_summary(med)


def _packed_summary(med: dict[str, float]) -> list[SummaryRow]:
    """W6's rows in the summary: issue 26's targets."""
    epoch, hand = med["demo: fit(compile=True) epoch, packed"], med["hand 3-24-24-1: packed"]
    speedup = med["hand 3-24-24-1: per-node numpy"] / hand
    summary = [
        SummaryRow("W6 hand 3-24-24-1 tanh, 200 rows: per-node / packed", "x faster", _ms(hand), "-", "-", speedup,
                   f"≥ {TARGET_HAND_SPEEDUP:g}x", speedup >= TARGET_HAND_SPEEDUP),
    ]
    if "demo: torch step" in med:
        ratio = epoch / med["demo: torch step"]
        summary.insert(0, SummaryRow("W6 fit(compile=True) epoch, demo", "x torch", _ms(epoch), "-", "-", ratio,
                                     f"≤ {TARGET_FIT_EPOCH_TORCH:g}x torch", ratio <= TARGET_FIT_EPOCH_TORCH))
    return summary


def section_digits(quick: bool) -> list[SummaryRow]:
    """W5: the digits benchmark (``benchmarks/digits.py``), when scikit-learn (which ships the digits) is installed."""
    import digits

    try:
        results, graph_seconds, others = digits.run(seeds=digits.SEEDS[:1] if quick else digits.SEEDS,
                                                    graph_epochs=1)
    except ImportError as error:
        print(f"W5  digits: skipped ({error})")
        print()
        return []
    print()
    return [
        SummaryRow(f"W5 digits, seed {r.seed}: {r.accuracy:.1%} test", "s", f"{r.seconds:.2f}", "-", "-", None,
                   f"≥ {digits.TARGET_ACCURACY:.0%} in ≤ {digits.TARGET_SECONDS:g} s",
                   r.accuracy >= digits.TARGET_ACCURACY and r.seconds <= digits.TARGET_SECONDS)
        for r in results
    ] + [
        SummaryRow(f"W5 digits, seed {r.seed}, {name}: {r.accuracy:.1%} test", "s", f"{r.seconds:.2f}", "-", "-",
                   None, "-", None)
        for name, r in others.items()
    ] + [SummaryRow("W5 digits, graph path (extrapolated)", "s", f"{graph_seconds:.0f}", "-", "-", None, "-", None)]


def _micrograd_survives(case: gw.Case) -> str:
    """'' when micrograd's deep recursion for ``case`` survives in a child interpreter, else why not."""
    if case.depth is None or case.depth < gw.DEFAULT_RECURSION_LIMIT:
        return ""
    ok, why = gw.micrograd_survives(case.depth)
    return "" if ok else f"n/a (recursion: {why})"


def _regime(paused: bool) -> str:
    """How the collector ran, for titles and summary rows."""
    gw.PAUSE_GC = paused
    return " [collector paused: engine.paused_gc() for all]" if paused else ""


def section_w2(sizes: Sequence[int], repeats: int, quick: bool, paused: bool = False) -> list[SummaryRow]:
    """W2: the chain x = tanh(x·a + b) of each size, side by side; print a table."""
    regime = _regime(paused)
    rows = []
    summary = []
    for steps in sizes:
        skipped = ""
        if quick and steps > QUICK_MICROGRAD_MAX_STEPS:
            skipped = "skipped (--quick)"
        else:
            mg_case = next(c for c in gw.chain_cases(steps) if c.name == "micrograd")
            skipped = _micrograd_survives(mg_case)
        with_mg = not skipped
        cases = gw.chain_cases(steps, with_micrograd=with_mg)
        reference = "micrograd" if with_mg else "floats"
        timings, (x, (dx,)) = gw.time_cases(f"W2 chain of {steps:,} steps", cases, repeats, reference, RTOL, 0.0)
        med = {name: _median(t.total) for name, t in timings.items()}
        glass, flo = med["glassgrad"], med["floats"]
        micro = med.get("micrograd")
        ratio = glass / micro if micro else None
        rows.append(
            [
                f"{steps:,}",
                f"{gw.NODES_PER_STEP * steps + 1:,}",
                _ms(glass),
                _ms(micro) if micro else skipped,
                _ms(flo),
                _x(ratio),
                f"{glass / flo:.1f}x",
                _ms(_median(timings["micrograd"].gc)) if micro else "-",
                f"{x:.6g}",
                f"{dx:.6g}",
            ]
        )
        summary.append(
            SummaryRow(
                f"W2 chain, {steps:,} steps{' (paused)' if paused else ''}",
                "ms",
                _ms(glass),
                _ms(micro) if micro else skipped,
                _ms(flo),
                ratio,
                f"≤ {TARGET_W2_W4:g}x",
                None if ratio is None else ratio <= TARGET_W2_W4,
            )
        )
    print(
        f"W2  chain x = tanh(x·{gw.CHAIN_A} + {gw.CHAIN_B:g}) from x0 = {gw.CHAIN_X0}: build + backward + del + "
        f"gc.collect(); median of {repeats} repeat(s); x and dx/dx0 agree to {RTOL:g} rel across the three{regime}"
    )
    print(
        format_table(
            [
                "steps",
                "nodes",
                "glassgrad ms",
                "micrograd ms",
                "floats ms",
                "vs micrograd",
                "vs floats",
                "micrograd gc ms",
                "x",
                "dx/dx0",
            ],
            rows,
            [True] * 10,
        )
    )
    print("  nodes = 5 per step (a, b, x·a, +b, tanh) + the leaf; micrograd's tanh is graph_workloads.mg_tanh")
    print()
    return summary


def section_w3(nodes: int) -> list[SummaryRow]:
    """W3: bytes and GC-tracked objects per node of 1e5-node chains; print a table."""
    steps = nodes // gw.NODES_PER_STEP
    links = nodes // 3
    glass_count, mg_count = gw.glass_node_count, gw.micrograd_node_count
    a, b, x0 = gw.CHAIN_A, gw.CHAIN_B, gw.CHAIN_X0
    chains = [
        ("glassgrad", "tanh(x·a + b)", gw.chain(Value, x0, lambda x: (x * a + b).tanh(), steps), glass_count),
        ("micrograd", "tanh(x·a + b)", gw.chain(MgValue, x0, lambda x: gw.mg_tanh(x * a + b), steps), mg_count),
        ("glassgrad", "(x * 1.0001).relu()", gw.chain(Value, 1.0, lambda x: (x * 1.0001).relu(), links), glass_count),
        ("micrograd", "(x * 1.0001).relu()", gw.chain(MgValue, 1.0, lambda x: (x * 1.0001).relu(), links), mg_count),
    ]
    rows = []
    measured: dict[tuple[str, str], tuple[int, float, float]] = {}
    for name, link, build, count in chains:
        n_nodes, bytes_per_node, objects_per_node = gw.measure_memory(build, count)
        measured[name, link] = n_nodes, bytes_per_node, objects_per_node
        rows.append([name, link, f"{n_nodes:,}", f"{bytes_per_node:.1f}", f"{objects_per_node:.2f}"])
    print(f"W3  memory per node: chains of {steps:,} steps of tanh(x·a + b) and {links:,} links of relu")
    print(format_table(["engine", "step", "nodes", "bytes/node", "gc objects/node"], rows, [False, False] + [True] * 3))
    print(
        "  bytes/node = tracemalloc growth over the build / nodes counted in the graph; "
        "gc objects/node = len(gc.get_objects()) growth (gc disabled) / nodes"
    )
    print()
    g_nodes, g_bytes, g_objects = measured["glassgrad", "tanh(x·a + b)"]
    _, m_bytes, m_objects = measured["micrograd", "tanh(x·a + b)"]
    return [
        SummaryRow(
            f"W3 tanh chain, {g_nodes:,} nodes",
            "bytes/node",
            f"{g_bytes:.1f}",
            f"{m_bytes:.1f}",
            "-",
            g_bytes / m_bytes,
            f"≤ {TARGET_BYTES:g}",
            g_bytes <= TARGET_BYTES,
        ),
        SummaryRow(
            f"W3 tanh chain, {g_nodes:,} nodes",
            "gc objects/node",
            f"{g_objects:.2f}",
            f"{m_objects:.2f}",
            "-",
            g_objects / m_objects,
            f"≤ {TARGET_OBJECTS:g}",
            g_objects <= TARGET_OBJECTS,
        ),
    ]


def section_w4(n: int, repeats: int, paused: bool = False) -> list[SummaryRow]:
    """W4: the dot product of two lists of ``n`` Values, side by side; print a table."""
    regime = _regime(paused)
    xs, ys = gw.dot_inputs(n, DOT_SEED)
    cases = gw.dot_cases(xs, ys)
    mg_case = next(c for c in cases if c.name == "micrograd")
    skipped = _micrograd_survives(mg_case)
    if skipped:
        cases = gw.dot_cases(xs, ys, with_micrograd=False)
    reference = "floats" if skipped else "micrograd"
    timings, (total, _) = gw.time_cases(f"W4 dot product of {n:,}", cases, repeats, reference, RTOL, 0.0)
    med = {name: _median(t.total) for name, t in timings.items()}
    micro = med.get("micrograd")
    nodes = {"glassgrad-sum": 4 * n + 1, "glassgrad": 3 * n + 1, "micrograd": 4 * n + 1}
    how = {
        "glassgrad-sum": "sum(a[i] * b[i] ...)",
        "glassgrad": "engine.sum_values([a[i] * b[i] ...])",
        "micrograd": "sum(a[i] * b[i] ...)",
        "floats": "loop, gradients by hand",
    }
    rows = []
    for name, t in timings.items():
        rows.append(
            [
                name,
                how[name],
                _ms(med[name]),
                _ms(min(t.total)),
                _ms(_median(t.gc)),
                f"{nodes[name]:,}" if name in nodes else "-",
                _x(med[name] / micro) if micro else skipped,
                f"{med[name] / med['floats']:.1f}x",
            ]
        )
    print(
        f"W4  dot product of two lists of {n:,} Values (seeded uniform [-1, 1]): build + backward + del + "
        f"gc.collect(); median of {repeats} repeat(s); the sum ({total:.6g}) and {2 * n:,} gradients agree to "
        f"{RTOL:g} rel{regime}"
    )
    print(
        format_table(
            ["implementation", "how", "ms", "min ms", "gc ms", "nodes", "vs micrograd", "vs floats"],
            rows,
            [False, False] + [True] * 6,
        )
    )
    print("  nodes include the 2n input leaves (made before the timing) and builtin sum's start, the constant 0")
    print()
    return [
        SummaryRow(
            f"W4 dot product, {n:,} ({label}){' (paused)' if paused else ''}",
            "ms",
            _ms(med[name]),
            _ms(micro) if micro else skipped,
            _ms(med["floats"]),
            med[name] / micro if micro else None,
            f"≤ {TARGET_W2_W4:g}x",
            med[name] / micro <= TARGET_W2_W4 if micro else None,
        )
        for name, label in [("glassgrad-sum", "builtin sum"), ("glassgrad", "sum_values")]
    ]


def section_depth(depth: int) -> list[SummaryRow]:
    """Depth: glassgrad's backward of a ``depth``-step chain at the default recursion limit, and micrograd's
    longest working chain there (found in a child interpreter); print a table."""
    try:
        seconds, grad, expected = gw.glass_depth(depth)
    except RecursionError:
        glass_ok, glass_cell, glass_note = False, "RecursionError", "-"
    else:
        if not gw.close(grad, expected, RTOL, 0.0):
            raise SystemExit(f"bench_engine: depth: glassgrad's dy/dy0 {grad!r} != the floats' {expected!r}")
        glass_ok, glass_cell, glass_note = True, f"{depth:,}", f"{_ms(seconds)} ms, dy/dy0 = {grad:.6g} (= floats)"
    mg_n, why = gw.micrograd_max_depth_in_child()
    lo, hi = gw.MG_DEPTH_RANGE
    rows = [
        ["glassgrad", glass_cell, f"ran {depth:,} steps: build + backward + del + gc.collect() in {glass_note}"],
        [
            "micrograd",
            f"{mg_n:,}" if mg_n is not None else why,
            f"the largest n in [{lo}, {hi}] whose backward() works (binary search, fresh interpreter)",
        ],
    ]
    print(
        f"Depth  the longest chain y = y.tanh() whose backward runs at the default recursion limit "
        f"({gw.DEFAULT_RECURSION_LIMIT})"
    )
    print(format_table(["engine", "steps", "how"], rows, [False, True, False]))
    print()
    return [
        SummaryRow(
            f"depth at recursion limit {gw.DEFAULT_RECURSION_LIMIT}",
            "steps",
            glass_cell,
            f"{mg_n:,}" if mg_n is not None else why,
            "-",
            None,
            f"≥ {DEPTH_TARGET:,}",
            glass_ok and depth >= DEPTH_TARGET,
        )
    ]


def print_summary(rows: Sequence[SummaryRow], repeats: int) -> None:
    """The closing table: every workload beside the issue's targets."""
    table = [
        [
            r.workload,
            r.unit,
            r.glass,
            r.micro,
            r.floats,
            _x(r.ratio),
            r.target,
            "-" if r.met is None else "✓" if r.met else "✗",
        ]
        for r in rows
    ]
    print(f"Summary  medians of {repeats} repeat(s); ratios to micrograd from this run")
    print(
        format_table(
            ["workload", "unit", "glassgrad", "micrograd", "floats", "glassgrad/micrograd", "target", "met"],
            table,
            [False, False, True, True, True, True, False, False],
        )
    )
    met = sum(1 for r in rows if r.met)
    judged = sum(1 for r in rows if r.met is not None)
    print(f"  {met} of {judged} targets met")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per implementation (median reported)")
    parser.add_argument(
        "--quick", action="store_true", help=f"one repeat, micrograd's W2 chains up to {QUICK_MICROGRAD_MAX_STEPS:,}"
    )
    parser.add_argument("--chain-steps", type=int, nargs="+", default=list(CHAIN_STEPS), help="W2 chain lengths")
    parser.add_argument("--memory-nodes", type=int, default=MEMORY_NODES, help="nodes of the W3 chains")
    parser.add_argument("--dot-size", type=int, default=DOT_SIZE, help="length of the W4 lists")
    parser.add_argument("--depth", type=int, default=DEPTH, help="steps of glassgrad's depth chain")
    parser.add_argument("--no-digits", action="store_true", help="leave out W5, the digits (benchmarks/digits.py)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    if min([*args.chain_steps, args.memory_nodes // 5, args.dot_size, args.depth]) < 1:
        parser.error("sizes must be positive")

    print(f"Python {sys.version.split()[0]} ({platform.python_implementation()}, {platform.platform()})")
    print(
        f"glassgrad {_version('glassgrad')} (engine from {os.path.dirname(engine.__file__)}), micrograd "
        f"{_version('micrograd')}; recursion limit "
        f"{sys.getrecursionlimit()} (micrograd's backward gets 3 × graph depth + 1000 for its runs only)"
    )
    print()
    started = time.perf_counter()
    summary = section_w1(repeats)
    summary += section_w1_warm(repeats, args.quick)
    summary += section_packed(repeats, args.quick)
    if not args.no_digits:
        summary += section_digits(args.quick)
    summary += section_w2(args.chain_steps, repeats, args.quick)
    summary += section_w2(args.chain_steps, repeats, args.quick, paused=True)
    summary += section_w3(args.memory_nodes)
    summary += section_w4(args.dot_size, repeats)
    summary += section_w4(args.dot_size, repeats, paused=True)
    gw.PAUSE_GC = False
    summary += section_depth(args.depth)
    print_summary(summary, repeats)
    print(f"  total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    threads.on_one_thread()
    sys.exit(main())
