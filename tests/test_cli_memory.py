"""glassgrad.memory: the estimate that lets glassgrad train refuse a run the machine cannot hold."""

import sys
import tracemalloc
from pathlib import Path

import pytest

from engine import topological_order
from glassgrad.memory import available_memory, describe_bytes, estimate, nodes_per_example
from nn import MLP, fit
from nn.data import make_moons
from nn.losses import LOSSES
from nn.train import TAKES_LOGITS, targets_for


@pytest.mark.parametrize(("hidden", "nout", "loss"), [
    ([16, 16], 2, "cross_entropy"), ([4], 1, "hinge"), ([32, 8], 5, "mse"), ([], 3, "cross_entropy"),
    ([16, 16], 1, "binary_cross_entropy"),
])
def test_cli_memory_nodes_per_example_bounds_the_real_graph_closely(hidden, nout, loss):
    model = MLP(2, [*hidden, nout], seed=0)
    (target,) = targets_for(loss, [0], nout)
    outputs = model.logits([0.5, -0.5]) if loss in TAKES_LOGITS else model([0.5, -0.5])
    nodes = len(topological_order(LOSSES[loss](outputs, target))) - len(model.parameters())
    assert nodes <= nodes_per_example([2, *hidden, nout]) <= 1.1 * nodes + 20


@pytest.mark.slow  # measures real allocations
def test_cli_memory_estimate_is_not_below_what_python_allocates():
    X, y = make_moons(400, seed=0)
    fit(MLP(2, [3, 2], seed=0), X[:2], y[:2], epochs=1, progress=False)  # imports done before measuring
    model = MLP(2, [16, 16, 2], seed=0)
    tracemalloc.start()
    try:
        fit(model, X, y, epochs=1, progress=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    need = estimate(400, [2, 16, 16, 2], None, compiled=False)
    assert peak <= need.total <= 2 * peak


def test_cli_memory_estimate_grows_with_the_batch_not_the_epochs():
    full = estimate(10_000, [2, 16, 16, 2], None, compiled=False)
    batched = estimate(10_000, [2, 16, 16, 2], 100, compiled=False)
    assert full.data == batched.data and full.examples_per_step == 10_000 and batched.examples_per_step == 100
    assert full.step_graph == 100 * batched.step_graph
    compiled = estimate(100, [2, 4, 2], None, compiled=True)  # one example traced, its code run over the batch
    assert compiled.step_graph < estimate(100, [2, 4, 2], None, compiled=False).step_graph
    wider = estimate(10_000, [2, 4, 2], None, compiled=True)
    assert wider.step_graph - compiled.step_graph == 16 * compiled.nodes_per_example * (10_000 - 100)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_cli_memory_available_is_at_most_what_the_machine_has():
    info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()}
    available = available_memory()
    assert available is not None and 0 < available <= info["MemTotal"] + info.get("SwapTotal", 0)


def test_cli_memory_describe_bytes_reads_like_a_person_would_write_it():
    assert [describe_bytes(n) for n in (999, 1_500, 24_100_000_000, 89_600_000_000_000)] == [
        "999 bytes", "1.5 KB", "24.1 GB", "89.6 TB"]
