"""The timing harness of ``bench_engine``, and its W2, W3, W4 and depth test: chains, memory per node, a dot
product, recursion depth.

Each timed workload (W1's demo steps too) is a list of ``Case`` objects, one per implementation
(glassgrad, micrograd, the hand-written floats floor), timed side by side by ``time_cases`` and checked
against each other by ``check_outcomes``. ``bench_engine.main`` runs them and prints the tables.

micrograd 0.1.0's ``Value`` has ``+ * ** relu`` and no ``tanh`` (nor ``exp``), so the chains give it
``mg_tanh``: a ``tanh`` op written the way micrograd writes its own ops (see ``Value.relu``).
"""

from __future__ import annotations

import contextlib
import gc
import math
import random
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd.engine import Value as MgValue  # type: ignore[import-untyped]

import engine
from engine import Value, paused_gc

CHAIN_A = 0.9999  # x = tanh(x·a + b): with a just under 1 and b tiny, x decays slowly from x0 towards ~0.008 ...
CHAIN_B = 1e-6  # ... and d x_n / d x_0 stays a normal float (4.6e-4, 1.1e-5, 2.6e-12 at 1e3, 1e4, 1e5 steps)
CHAIN_X0 = 0.5
NODES_PER_STEP = 5  # the constants a and b, the product, the sum and the tanh
DEFAULT_RECURSION_LIMIT = 1000  # CPython's default ``sys.getrecursionlimit()``
MG_DEPTH_RANGE = (100, 2000)  # where the micrograd depth probe searches
HERE = Path(__file__).resolve().parent

Flat = list[float]


# --- micrograd's missing tanh, recursion limits, node counts ---------------------------------------


def mg_tanh(self: Any) -> Any:
    """``tanh`` for a micrograd 0.1.0 Value, in micrograd's own style (its ``Value.relu`` pattern).

    One new node whose ``_backward`` closure adds ``(1 - t²) · out.grad`` to the input's grad,
    as in the micrograd lecture; ``math.tanh`` for the forward (glassgrad's op table uses it too).
    A function rather than a subclass: micrograd's operators always return the base ``Value``.
    """
    t = math.tanh(self.data)
    out = MgValue(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


@contextmanager
def recursion_limit(limit: int | None) -> Iterator[None]:
    """Set ``sys.setrecursionlimit(limit)`` for the block and restore the previous limit after; None: no change."""
    if limit is None:
        yield
        return
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def micrograd_limit(depth: int) -> int:
    """The recursion limit micrograd's recursive topological sort gets for a graph ``depth`` nodes deep."""
    return 3 * depth + 1000


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


def glass_node_count(root: Value) -> int:
    """The number of nodes of a glassgrad graph (``engine.topological_order`` is iterative)."""
    return len(engine.topological_order(root))


# --- timing and checking side by side --------------------------------------------------------------


@dataclass
class Case:
    """One implementation of one workload.

    ``setup()`` makes the inputs (untimed); ``run(state)`` builds the graph, runs backward and returns
    the root's number, dropping the graph when it returns (timed, together with the ``gc.collect()``
    after it); ``grads(state)`` reads back the gradients of the inputs (untimed). ``depth`` is the
    depth of a graph that micrograd's recursive backward must walk: ``run`` then gets the recursion
    limit ``micrograd_limit(depth)``; None runs at the limit in force (the default in ``bench_engine``).
    """

    name: str
    setup: Callable[[], Any]
    run: Callable[[Any], float]
    grads: Callable[[Any], Flat]
    depth: int | None = None

    @property
    def limit(self) -> int | None:
        """The recursion limit ``run`` needs, or None."""
        return None if self.depth is None else micrograd_limit(self.depth)


@dataclass
class Timing:
    """Seconds of each timed repeat of one case (build + backward + free) and of its final ``gc.collect()``."""

    total: list[float]
    gc: list[float]


Outcome = tuple[float, Flat]  # (the root's number, the inputs' gradients)


def close(a: float, b: float, rtol: float, atol: float) -> bool:
    """``math.isclose`` with both tolerances (exact equality for infinities)."""
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def check_outcomes(what: str, outcomes: dict[str, Outcome], reference: str, rtol: float, atol: float) -> None:
    """SystemExit unless every outcome's number and gradients agree with ``reference``'s."""
    ref_value, ref_grads = outcomes[reference]
    for name, (value, grads) in outcomes.items():
        if not close(value, ref_value, rtol, atol):
            raise SystemExit(f"bench_engine: {what}: {name} gives {value!r}, {reference} {ref_value!r}")
        if len(grads) != len(ref_grads):
            raise SystemExit(f"bench_engine: {what}: {name} has {len(grads)} gradients, {reference} {len(ref_grads)}")
        bad = [i for i, (g, r) in enumerate(zip(grads, ref_grads, strict=True)) if not close(g, r, rtol, atol)]
        if bad:
            i = bad[0]
            raise SystemExit(
                f"bench_engine: {what}: {name} disagrees with {reference} on {len(bad)} of {len(grads)} gradients "
                f"(first: input {i}: {grads[i]!r} vs {ref_grads[i]!r})"
            )


#: When True, every implementation builds its graph and runs backward with Python's cyclic collector paused
#: (``engine.paused_gc``, the way glassgrad's own ``nn.fit`` runs a step); the final ``gc.collect()``, which
#: frees micrograd's reference cycles, stays inside the timing either way.
PAUSE_GC = False


def time_one(case: Case) -> tuple[float, float, Outcome]:
    """One timed repeat of ``case``: (seconds in all, seconds of the final ``gc.collect()``, its outcome).

    The objects alive before the run (the harness, the inputs) are frozen out of the collector
    (``gc.freeze()``) for its duration, so each ``gc.collect()``, automatic or final, walks only what
    the run itself made: each implementation pays for freeing its own graph and nothing else.
    """
    state = case.setup()
    gc.collect()
    gc.freeze()
    clock = time.perf_counter
    try:
        t0 = clock()
        with recursion_limit(case.limit), (paused_gc() if PAUSE_GC else contextlib.nullcontext()):
            value = case.run(state)
        t1 = clock()
        gc.collect()
        t2 = clock()
    finally:
        gc.unfreeze()
    outcome = (float(value), case.grads(state))
    del state
    gc.collect()
    return t2 - t0, t2 - t1, outcome


def time_cases(
    what: str, cases: Sequence[Case], repeats: int, reference: str, rtol: float, atol: float
) -> tuple[dict[str, Timing], Outcome]:
    """Time every case ``repeats`` times, rotating their order from repeat to repeat.

    Every repeat's outcome is checked: in the first, all against ``reference``'s (SystemExit on a
    disagreement); in the later ones, each against the first repeat's ``reference`` outcome, which
    is returned with the timings.
    """
    timings = {case.name: Timing([], []) for case in cases}
    ref: Outcome | None = None
    for r in range(repeats):
        k = r % len(cases)
        outcomes: dict[str, Outcome] = {}
        for case in [*cases[k:], *cases[:k]]:
            total, collect, outcome = time_one(case)
            timings[case.name].total.append(total)
            timings[case.name].gc.append(collect)
            if ref is None:
                outcomes[case.name] = outcome
            else:
                check_outcomes(what, {case.name: outcome, reference: ref}, reference, rtol, atol)
        if ref is None:
            check_outcomes(what, outcomes, reference, rtol, atol)
            ref = outcomes[reference]
    assert ref is not None  # repeats >= 1
    return timings, ref


def time_warm(
    cases: Sequence[Case], warmup: int, rounds: int, per_round: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Time each case warm: ``warmup`` untimed runs each first, then ``rounds`` rounds in which every case, in an
    order that rotates from round to round, runs ``per_round`` times. Each run is ``setup()`` (untimed; the same
    inputs every time, so every timed run does the same work) then ``run(state)`` (timed alone, the collector left
    as it is: the fast cases make no reference cycles). Returns the seconds of every timed run per case, and each
    case's last outcome number."""
    clock = time.perf_counter
    for case in cases:
        for _ in range(warmup):
            case.run(case.setup())
    seconds: dict[str, list[float]] = {case.name: [] for case in cases}
    last: dict[str, float] = {}
    for r in range(rounds):
        k = r % len(cases)
        for case in [*cases[k:], *cases[:k]]:
            for _ in range(per_round):
                state = case.setup()
                t0 = clock()
                value = case.run(state)
                seconds[case.name].append(clock() - t0)
                last[case.name] = float(value)
    return seconds, last


# --- W2: a chain x = tanh(x·a + b) ------------------------------------------------------------------


def chain_cases(steps: int, with_micrograd: bool = True) -> list[Case]:
    """glassgrad, micrograd (when ``with_micrograd``) and floats computing ``steps`` steps of
    ``x = tanh(x·a + b)`` from ``x0``, then d x / d x0. The state is the input leaf (floats: a list
    ``[x0, grad]``)."""
    a, b = CHAIN_A, CHAIN_B

    def glass_run(x0: Value) -> float:
        x = x0
        for _ in range(steps):
            x = (x * a + b).tanh()
        x.backward()
        return x.data

    def mg_run(x0: Any) -> float:
        x = x0
        tanh = mg_tanh
        for _ in range(steps):
            x = tanh(x * a + b)
        x.backward()
        return float(x.data)

    def floats_run(state: list[float]) -> float:
        tanh = math.tanh
        x = state[0]
        outs: Flat = []
        keep = outs.append
        for _ in range(steps):  # forward: keep each tanh's output
            x = tanh(x * a + b)
            keep(x)
        g = 1.0
        for t in reversed(outs):  # backward: d tanh = 1 - t², d (x·a) = a
            g = a * ((1.0 - t * t) * g)
        state[1] = g
        return x

    cases = [Case("glassgrad", lambda: Value(CHAIN_X0), glass_run, lambda x0: [x0.grad])]
    if with_micrograd:
        cases.append(
            Case(
                "micrograd",
                lambda: MgValue(CHAIN_X0),
                mg_run,
                lambda x0: [float(x0.grad)],
                3 * steps + 1,  # tanh, add, mul per step, then the leaf
            )
        )
    cases.append(Case("floats", lambda: [CHAIN_X0, 0.0], floats_run, lambda state: [state[1]]))
    return cases


# --- W3: memory per node ----------------------------------------------------------------------------


def chain(leaf: Callable[[float], Any], x0: float, link: Callable[[Any], Any], n: int) -> Callable[[], Any]:
    """A builder of ``x = link(x)``, ``n`` times, from a new ``leaf(x0)`` (``Value`` or micrograd's) each time."""

    def build() -> Any:
        x = leaf(x0)
        for _ in range(n):
            x = link(x)
        return x

    return build


def measure_memory(build: Callable[[], Any], count: Callable[[Any], int]) -> tuple[int, float, float]:
    """(nodes, traced bytes per node, GC-tracked objects per node) of the graph ``build`` makes.

    Bytes: tracemalloc's traced-memory growth over the build. Objects: the growth of
    ``len(gc.get_objects())`` over a second build, with the collector disabled. Both are divided by
    the nodes counted from the graph.
    """
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


# --- W4: a dot product of two lists of Values --------------------------------------------------------


def dot_inputs(n: int, seed: int) -> tuple[Flat, Flat]:
    """Two lists of ``n`` floats, uniform in [-1, 1], from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)], [rng.uniform(-1.0, 1.0) for _ in range(n)]


def dot_cases(xs: Flat, ys: Flat, with_micrograd: bool = True) -> list[Case]:
    """``Σ xᵢ·yᵢ`` and its gradients: glassgrad through builtin ``sum`` and through ``engine.sum_values``,
    micrograd through builtin ``sum``, floats. The state is the two lists of input leaves."""
    n = len(xs)

    def glass_leaves() -> tuple[list[Value], list[Value]]:
        return [Value(v) for v in xs], [Value(v) for v in ys]

    def mg_leaves() -> tuple[list[Any], list[Any]]:
        return [MgValue(v) for v in xs], [MgValue(v) for v in ys]

    def builtin_sum(state: tuple[list[Any], list[Any]]) -> float:
        a, b = state
        s = sum(ai * bi for ai, bi in zip(a, b))
        s.backward()
        return float(s.data)

    def nary_sum(state: tuple[list[Value], list[Value]]) -> float:
        a, b = state
        s = engine.sum_values([ai * bi for ai, bi in zip(a, b)])
        s.backward()
        return s.data

    def leaf_grads(state: tuple[list[Any], list[Any]]) -> Flat:
        a, b = state
        return [float(v.grad) for v in a] + [float(v.grad) for v in b]

    def floats_setup() -> dict[str, Flat]:
        return {"x": xs, "y": ys, "grads": []}

    def floats_run(state: dict[str, Flat]) -> float:
        a, b = state["x"], state["y"]
        s = 0.0
        for ai, bi in zip(a, b):
            s += ai * bi
        g = 1.0  # d s / d (aᵢ·bᵢ)
        state["grads"] = [bi * g for bi in b] + [ai * g for ai in a]  # d/d aᵢ = bᵢ, d/d bᵢ = aᵢ
        return s

    cases = [
        Case("glassgrad-sum", glass_leaves, builtin_sum, leaf_grads),
        Case("glassgrad", glass_leaves, nary_sum, leaf_grads),
    ]
    if with_micrograd:
        depth = n + 2  # the chain of adds, a product, a leaf
        cases.append(Case("micrograd", mg_leaves, builtin_sum, leaf_grads, depth))
    cases.append(Case("floats", floats_setup, floats_run, lambda state: state["grads"]))
    return cases


# --- depth: the longest chain whose backward runs at the default recursion limit ---------------------


def glass_depth(n: int) -> tuple[float, float, float]:
    """Build ``y = y.tanh()`` ``n`` times from a leaf, backward and free it, at the default recursion limit.

    Returns (seconds for build + backward + free, d y / d leaf, the same by hand on floats). Raises
    RecursionError if glassgrad's backward needed more than the default limit.
    """
    gc.collect()
    gc.freeze()
    try:
        with recursion_limit(DEFAULT_RECURSION_LIMIT):
            t0 = time.perf_counter()
            leaf = Value(CHAIN_X0)
            y = leaf
            for _ in range(n):
                y = y.tanh()
            y.backward()
            del y
            gc.collect()
            seconds = time.perf_counter() - t0
    finally:
        gc.unfreeze()
    tanh = math.tanh
    x = CHAIN_X0
    outs = []
    for _ in range(n):
        x = tanh(x)
        outs.append(x)
    g = 1.0
    for t in reversed(outs):
        g = (1.0 - t * t) * g
    return seconds, leaf.grad, g


def micrograd_backward_works(n: int) -> bool:
    """True when micrograd's ``backward()`` of ``y = mg_tanh(y)``, ``n`` times from a leaf, runs at the
    recursion limit in force (False on RecursionError)."""
    y = leaf = MgValue(CHAIN_X0)
    for _ in range(n):
        y = mg_tanh(y)
    try:
        y.backward()
    except RecursionError:
        return False
    return bool(leaf.grad != 0)


def micrograd_max_depth(lo: int = MG_DEPTH_RANGE[0], hi: int = MG_DEPTH_RANGE[1]) -> int:
    """The largest ``n`` in [lo, hi] for which ``micrograd_backward_works(n)`` (binary search), at the
    recursion limit in force; ``lo - 1`` when even ``lo`` fails."""
    if not micrograd_backward_works(lo):
        return lo - 1
    if micrograd_backward_works(hi):
        return hi
    while hi - lo > 1:  # works(lo), not works(hi)
        mid = (lo + hi) // 2
        if micrograd_backward_works(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _child(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (this one's), with this folder importable."""
    prelude = f"import sys; sys.path.insert(0, {str(HERE)!r}); import graph_workloads as w; "
    return subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=timeout, check=False
    )


def micrograd_max_depth_in_child() -> tuple[int | None, str]:
    """``micrograd_max_depth()`` in a fresh interpreter at CPython's default limit: (n, '') or (None, why)."""
    code = (
        f"assert sys.getrecursionlimit() == {DEFAULT_RECURSION_LIMIT}, sys.getrecursionlimit(); "
        "print(w.micrograd_max_depth())"
    )
    done = _child(code, timeout=300)
    if done.returncode != 0:
        return None, f"probe failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}"
    return int(done.stdout.split()[-1]), ""


def micrograd_survives(depth: int) -> tuple[bool, str]:
    """Whether micrograd's recursive backward of a ``depth``-node chain runs at ``micrograd_limit(depth)``
    without crashing the interpreter (a C stack overflow is possible before Python 3.11), tried in a
    child process: (True, '') or (False, why)."""
    code = (
        f"sys.setrecursionlimit({micrograd_limit(depth)}); "
        f"ok = w.micrograd_backward_works({depth}); print('ok' if ok else 'recursion')"
    )
    try:
        done = _child(code, timeout=300)
    except subprocess.TimeoutExpired:
        return False, "timed out"
    if done.returncode != 0:
        return False, f"crashed (exit {done.returncode})"
    if done.stdout.split()[-1:] != ["ok"]:
        return False, "RecursionError"
    return True, ""
