"""glassgrad's engine: a scalar autograd graph you can see through.

Every number is a ``Value`` that remembers the op and the parents that made it;
``backward()`` applies the chain rule along the graph in reverse topological
order, with each op's local derivatives taken from one table (``engine.ops``).
"""

from engine.autograd import GradcheckError, grad, gradcheck, gradgradcheck
from engine.batch import BatchResult
from engine.compiler import Compiled, ShapeError
from engine.compiler import compile as compile  # noqa: A004 - engine.compile, by the design (re-exported)
from engine.graph import BackwardEdge, backward_edges, op_of, paused_gc, topological_order
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
    "log_softmax",
    "logsumexp",
    "no_grad",
    "op_of",
    "paused_gc",
    "register_op",
    "scope",
    "softmax",
    "sum_values",
    "topological_order",
    "unregister_op",
]
