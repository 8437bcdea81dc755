"""Will a training run fit in memory? An estimate of what it needs, and what the machine has free.

A run that does not fit is killed by the kernel without a word, after minutes of making data. So
``glassgrad train`` estimates first, from costs measured once and written down here, and refuses a run
whose estimate is more than the memory available (``nn.memory.available_memory``, which ``nn.data.load_mnist``
uses too), saying what it needs and why.

The costs were measured as the growth of peak resident memory (``ru_maxrss``) on CPython 3.11, 64-bit
Linux, with ``MLP(2, [16, 16, 2])`` on moons (409 graph nodes per example), and rounded up:

- a data row: 215–250 bytes per point as the five datasets make them, plus ~60 for ``fit``'s checked
  copies and targets; 300 bytes per point over a whole ``glassgrad train`` run of 40,000 points;
- a graph node alive during one training step: 199 bytes (the node, the backward pass's order and
  visited set, its gradient), the same at 2,000 and 8,000 examples per step;
- a compiled step (``--compile``): one example's graph traced and compiled, 8,290 bytes per traced node
  (the trace, the generated source and the code object Python compiles from it), whose code runs over
  each batch with numpy, keeping two float64 arrays per node (its value and its gradient) of one number
  per example: 16 bytes per node and example (``MLP(64, [32, 10])`` on the 1,797 digits, 2,564 nodes per
  example: 77.7 MB at its peak for full batches, 29.5 MB for batches of 256);
- a parameter: 201 bytes to build, and with Adam's two moments and the last good copy ~370 in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from nn.memory import available_memory, describe_bytes

__all__ = ["MemoryEstimate", "available_memory", "describe_bytes", "estimate", "nodes_per_example"]

#: Measured costs (see the module's docstring), in bytes, rounded up.
DATA_BYTES_PER_POINT = 320
GRAPH_BYTES_PER_NODE = 220
COMPILED_BYTES_PER_NODE = 9_000
ARRAY_BYTES_PER_NODE_AND_EXAMPLE = 16
BYTES_PER_PARAMETER = 400


@dataclass(frozen=True)
class MemoryEstimate:
    """What a run needs at its peak, in bytes: the data, the parameters and the graph of one training step."""

    data: int
    parameters: int
    step_graph: int
    nodes_per_example: int
    examples_per_step: int

    @property
    def total(self) -> int:
        """All three together."""
        return self.data + self.parameters + self.step_graph


def nodes_per_example(sizes: Sequence[int]) -> int:
    """Graph nodes that one example adds to a training step of an MLP with layer ``sizes`` (inputs first).

    Each neuron of a layer with ``nin`` inputs makes one mul node per input, its sum ``z`` and its
    activation ``a``; the inputs are leaves; the loss adds a few nodes per output.
    """
    layers = sum(nout * (nin + 2) for nin, nout in pairwise(sizes))
    return sizes[0] + layers + 4 * sizes[-1] + 8


def estimate(samples: int, sizes: Sequence[int], batch_size: int | None, compiled: bool) -> MemoryEstimate:
    """The memory a run needs: ``samples`` points, an MLP with layer ``sizes`` (inputs first), steps of
    ``batch_size`` examples (None: all of them) on the graph, or traced and compiled with ``compiled``."""
    per_step = samples if batch_size is None else min(batch_size, samples)
    parameters = sum((nin + 1) * nout for nin, nout in pairwise(sizes))
    per_example = nodes_per_example(sizes)
    if compiled:  # one example's trace, run over the batch: arrays of one number per example
        step = per_example * (COMPILED_BYTES_PER_NODE + ARRAY_BYTES_PER_NODE_AND_EXAMPLE * per_step)
    else:
        step = per_step * per_example * GRAPH_BYTES_PER_NODE
    return MemoryEstimate(
        data=samples * DATA_BYTES_PER_POINT,
        parameters=parameters * BYTES_PER_PARAMETER,
        step_graph=step,
        nodes_per_example=per_example,
        examples_per_step=per_step,
    )
