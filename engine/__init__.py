"""glassgrad's engine: a scalar autograd graph you can see through.

Every number is a ``Value`` that remembers the op and the parents that made it;
``backward()`` applies the chain rule along the graph in reverse topological
order, with each op's local derivatives taken from one table (``engine.ops``).

The modules stand on each other in one direction: each imports only modules to its left (no import circle,
not even inside a function; ``tests/test_layers.py`` checks it):

    switches, fmath → primitives → ops → value → graph, modes → autograd → program → packing
    → python_runner, numpy_runner → matrix_runner → batch → compiler → testing

- ``switches``: the per-thread autograd switches; ``fmath``: IEEE float math; ``primitives``: the functions an
  op's math is written in (floats, Values, text); ``ops``: the op table; ``value``: ``Value`` and ``register_op``;
- ``graph``: the topological order, the backward walk and forward mode's tangents; ``modes``: ``no_grad``,
  ``detect_anomaly``, ``scope``; ``autograd``: ``grad``, ``gradcheck``, ``jvp`` (forward mode);
- ``program``: the code ``compile`` writes, as the record every runner takes; ``packing``: the lanes of its graph
  found and written as whole-array lines (``Compiled.matrix_source``); ``python_runner``, ``numpy_runner``,
  ``matrix_runner``: that code over a batch (the packed program for ``matrix_runner``); ``batch``: ``Compiled.batch``,
  which picks a runner; ``compiler``: ``compile``;
- ``testing``: hypothesis strategies (needs the dev extra).

A lower module reaches a higher one only through what it is handed: a primitive applied to a Value calls the
Value's method of the same name (``x.exp()``); ``Value.backward`` runs the walk that ``engine.graph`` installs
when it is loaded; ``engine.batch`` loads a runner by its module's name (``batch.RUNNERS``). Outside the standard
library the engine imports only numpy (in ``numpy_runner`` and ``matrix_runner``, when those runners are used) and
hypothesis (in ``testing``).
"""

from engine.autograd import GradcheckError, grad, gradcheck, gradgradcheck, jvp
from engine.batch import BatchResult
from engine.compiler import Compiled, ShapeError
from engine.compiler import compile as compile  # noqa: A004 - engine.compile, by the design (re-exported)
from engine.graph import BackwardEdge, ForwardEdge, backward_edges, op_of, paused_gc, push_tangents, topological_order
from engine.modes import detect_anomaly, is_grad_enabled, no_grad, scope
from engine.ops import OPS, VARIADIC, Domain, Op
from engine.value import (
    Value,
    apply,
    log_softmax,
    logsumexp,
    register_op,
    softmax,
    sum_values,
    unregister_op,
)

# ``compile`` is left out of ``__all__``: ``from engine import *`` must not hide the builtin ``compile``
__all__ = [
    "OPS",
    "VARIADIC",
    "BackwardEdge",
    "BatchResult",
    "Compiled",
    "Domain",
    "ForwardEdge",
    "GradcheckError",
    "Op",
    "ShapeError",
    "Value",
    "apply",
    "backward_edges",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "jvp",
    "log_softmax",
    "logsumexp",
    "no_grad",
    "op_of",
    "paused_gc",
    "push_tangents",
    "register_op",
    "scope",
    "softmax",
    "sum_values",
    "topological_order",
    "unregister_op",
]
