"""The op table: every primitive op, its forward and its local partials, side by side.

Each entry says, for one op, how to compute its output from plain floats
(``forward``) and the local partial derivatives ∂out/∂inputᵢ (``partials``),
as functions of the inputs and the output. The upstream gradient never appears
here: the chain rule lives in one place, the backward loop
(``parent.grad += local · node.grad``).

Partials are written with the polymorphic helpers below (``exp``, ``log``,
``power``, ``sigmoid``, ``data_of``), so that the same formula runs on floats
(first-order backward, the fast path) and on Values (``create_graph=True``,
which builds the derivative as a graph of its own and so gives higher-order
derivatives). They never use ``/`` or ``**`` on floats, which raise in Python.

The table drives the backward pass, the property tests (``tests/`` iterate
``OPS``), the formula labels of diagrams and custom ops (``register_op``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import fmath

#: ``Op.arity`` of an op that takes any number (at least one) of inputs.
VARIADIC = -1

#: ``Op.kind``: how the backward loop calls the partials (a unary or binary op without a parameter
#: is called directly; anything else through ``Op.apply_partials``).
UNARY, BINARY, UNIT, OTHER = 1, 2, 3, 0


@dataclass(frozen=True)
class Domain:
    """Where property tests sample one input: ``[lo, hi]``, staying ``margin`` away from each ``avoid`` point.

    ``avoid`` lists kinks and poles (``relu`` at 0), where central differences do not apply.
    """

    lo: float = -3.0
    hi: float = 3.0
    avoid: tuple[float, ...] = ()
    margin: float = 1e-2

    def contains(self, x: float) -> bool:
        """True when ``x`` is inside ``[lo, hi]`` and clear of every avoided point."""
        return self.lo <= x <= self.hi and all(abs(x - a) > self.margin for a in self.avoid)


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: a name, its forward on floats and its local partials.

    - ``forward(*xs)`` (``forward(xs)`` when variadic; ``p`` appended when ``param`` is set)
      returns a float and never raises.
    - ``partials(*xs, out)`` (``partials(xs, out)`` when variadic; ``p`` appended when ``param``
      is set) returns one local derivative ∂out/∂xᵢ per input; each may be a float or a Value.
    - ``formulas`` are the same partials as short readable text, one per input (one for all
      inputs of a variadic op), in the names of ``inputs``; diagrams print them on edges.
    - ``unit_partials`` declares that every partial is exactly 1 (sums), so the backward loop may pass
      the upstream gradient on without calling ``partials``; the property tests check the claim.
    - ``code`` (optional) is the forward and each partial again as a Python expression on floats,
      ``{0}``, ``{1}`` for the inputs and ``{out}`` for the output (``""``: call the function instead).
      ``engine.compile`` writes them inline; the property tests check that they agree with
      ``forward`` and ``partials`` bit for bit.
    """

    name: str
    forward: Callable[..., float]
    partials: Callable[..., tuple[Any, ...]]
    formulas: tuple[str, ...]
    inputs: tuple[str, ...] = ("x",)
    arity: int = 1
    param: str | None = None
    symbol: str = ""
    doc: str = ""
    domain: tuple[Domain, ...] = ()
    param_domain: Domain | None = None
    unit_partials: bool = False
    code: tuple[str, ...] = ()
    kind: int = field(default=OTHER, init=False, compare=False)

    def __post_init__(self) -> None:
        kind = OTHER
        if self.unit_partials:
            kind = UNIT
        elif self.param is None and self.arity == 1:
            kind = UNARY
        elif self.param is None and self.arity == 2:
            kind = BINARY
        object.__setattr__(self, "kind", kind)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    @property
    def label(self) -> str:
        """What a diagram prints in the op's node: its symbol, or its name."""
        return self.symbol or self.name

    def input_domain(self, i: int) -> Domain:
        """The sampling domain of input ``i`` (the last one repeats; default ``[-3, 3]``)."""
        if not self.domain:
            return Domain()
        return self.domain[min(i, len(self.domain) - 1)]

    def formula(self, i: int) -> str:
        """The readable local derivative ∂out/∂inputᵢ."""
        return self.formulas[min(i, len(self.formulas) - 1)]

    def apply_forward(self, xs: tuple[float, ...], arg: float | None = None) -> float:
        """The op's output for float inputs ``xs`` (and its parameter ``arg``)."""
        if self.arity == VARIADIC:
            return self.forward(xs)
        if self.param is None:
            return self.forward(*xs)
        return self.forward(*xs, arg)

    def apply_partials(self, xs: tuple[Any, ...], out: Any, arg: float | None = None) -> tuple[Any, ...]:
        """The local partials ∂out/∂xᵢ, for float or Value inputs ``xs`` and output ``out``."""
        if self.arity == VARIADIC:
            return self.partials(xs, out)
        if self.param is None:
            return self.partials(*xs, out)
        return self.partials(*xs, out, arg)


# --- polymorphic helpers: floats go through IEEE float math, Values build graph nodes ---


def data_of(x: Any) -> float:
    """The number behind ``x``: ``x.data`` for a Value, ``x`` itself for a float."""
    return x if type(x) is float else float(x.data)


def exp(x: Any) -> Any:
    """``e ** x`` on a float or a Value."""
    return fmath.exp(x) if type(x) is float else x.exp()


def log(x: Any) -> Any:
    """``ln x`` on a float or a Value."""
    return fmath.log(x) if type(x) is float else x.log()


def sigmoid(x: Any) -> Any:
    """``σ(x)`` on a float or a Value."""
    return fmath.sigmoid(x) if type(x) is float else x.sigmoid()


def power(x: Any, p: Any) -> Any:
    """``x ** p`` on floats (IEEE, never raises) or Values (a graph node)."""
    return fmath.power(x, p) if type(x) is float and type(p) is float else x**p


def _relu(x: float) -> float:
    return 0.0 if x < 0.0 else x  # keeps nan, like PyTorch


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else math.nan


def _pow_partials(x: Any, out: Any, p: float) -> tuple[Any, ...]:
    # d/dx x^p = p·x^(p-1); PyTorch's convention: zero when p == 0 (even at x == 0).
    return (0.0 if p == 0.0 else p * power(x, p - 1.0),)


def _vpow_partials(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # d/da a^b = b·a^(b-1); d/db a^b = a^b·ln a. At a == 0 the formulas give 0·inf: there
    # the limits are used instead (0 for b == 0, and 0 for ∂/∂b when b >= 0), as in PyTorch.
    base_is_zero = data_of(a) == 0.0
    da = 0.0 if base_is_zero and data_of(b) == 0.0 else b * power(a, b - 1.0)
    db = 0.0 if base_is_zero and data_of(b) >= 0.0 else out * log(a)
    return da, db


# --- the table ---

_TABLE = [
    Op("add", lambda a, b: a + b, lambda a, b, out: (1.0, 1.0), ("1", "1"), inputs=("a", "b"), arity=2,
       symbol="+", doc="a + b; ∂/∂a = 1, ∂/∂b = 1", unit_partials=True,
       code=("{0} + {1}", "1.0", "1.0")),
    Op("mul", lambda a, b: a * b, lambda a, b, out: (b, a), ("b", "a"), inputs=("a", "b"), arity=2,
       symbol="*", doc="a · b; ∂/∂a = b, ∂/∂b = a", code=("{0} * {1}", "{1}", "{0}")),
    Op("pow", fmath.power, _pow_partials, ("p·x^(p-1)",), param="p", symbol="^",
       doc="x^p for a number p; ∂/∂x = p·x^(p-1)",
       domain=(Domain(0.1, 4.0),), param_domain=Domain(-3.0, 3.0)),
    Op("vpow", fmath.power, _vpow_partials, ("b·a^(b-1)", "a^b·ln a"), inputs=("a", "b"), arity=2,
       symbol="^", doc="a^b for Values a, b; ∂/∂a = b·a^(b-1), ∂/∂b = a^b·ln a",
       domain=(Domain(0.1, 4.0), Domain(-3.0, 3.0))),
    Op("exp", fmath.exp, lambda x, out: (out,), ("exp(x)",), doc="e^x; ∂/∂x = e^x",
       domain=(Domain(-5.0, 5.0),), code=("", "{out}")),
    Op("log", fmath.log, lambda x, out: (power(x, -1.0),), ("1/x",), doc="ln x; ∂/∂x = 1/x",
       domain=(Domain(0.05, 20.0),)),
    Op("tanh", math.tanh, lambda x, out: (1.0 - out * out,), ("1 - tanh(x)²",),
       doc="tanh x; ∂/∂x = 1 - tanh(x)²", code=("", "1.0 - {out} * {out}")),
    Op("sigmoid", fmath.sigmoid, lambda x, out: (out * (1.0 - out),), ("σ(x)·(1 - σ(x))",), symbol="σ",
       doc="σ(x) = 1 / (1 + e^-x); ∂/∂x = σ(x)·(1 - σ(x))", code=("", "{out} * (1.0 - {out})")),
    Op("relu", _relu, lambda x, out: (1.0 if data_of(x) > 0.0 else 0.0,), ("1 if x > 0 else 0",),
       doc="max(0, x); ∂/∂x = 1 if x > 0 else 0", domain=(Domain(avoid=(0.0,)),),
       code=("0.0 if {0} < 0.0 else {0}", "1.0 if {0} > 0.0 else 0.0")),
    Op("leaky_relu", lambda x, s: x if x >= 0.0 else s * x,
       lambda x, out, s: (1.0 if data_of(x) > 0.0 else s,), ("1 if x > 0 else s",), param="s",
       doc="x if x ≥ 0 else s·x; ∂/∂x = 1 if x > 0 else s",
       domain=(Domain(avoid=(0.0,)),), param_domain=Domain(0.0, 0.5)),
    Op("abs", abs, lambda x, out: (_sign(data_of(x)),), ("sign(x)",), symbol="|x|",
       doc="|x|; ∂/∂x = sign(x)", domain=(Domain(avoid=(0.0,)),)),
    Op("sqrt", fmath.sqrt, lambda x, out: (0.5 * power(out, -1.0),), ("1/(2·√x)",), symbol="√",
       doc="√x; ∂/∂x = 1/(2·√x)", domain=(Domain(0.05, 20.0),)),
    Op("softplus", fmath.softplus, lambda x, out: (sigmoid(x),), ("σ(x)",),
       doc="ln(1 + e^x); ∂/∂x = σ(x)", domain=(Domain(-6.0, 6.0),)),
    Op("log_sigmoid", fmath.log_sigmoid, lambda x, out: (sigmoid(-x),), ("σ(-x)",), symbol="log σ",
       doc="ln σ(x) = -softplus(-x); ∂/∂x = σ(-x)", domain=(Domain(-6.0, 6.0),)),
    Op("sum", lambda xs: sum(xs, 0.0), lambda xs, out: (1.0,) * len(xs), ("1",), inputs=("xᵢ",),
       arity=VARIADIC, symbol="Σ", doc="Σᵢ xᵢ; ∂/∂xᵢ = 1", unit_partials=True),
    Op("logsumexp", fmath.logsumexp, lambda xs, out: tuple(exp(x - out) for x in xs), ("exp(xᵢ - out)",),
       inputs=("xᵢ",), arity=VARIADIC, symbol="logΣexp",
       doc="ln Σᵢ e^xᵢ (shifted by max xᵢ); ∂/∂xᵢ = e^(xᵢ - out) = softmax(x)ᵢ",
       domain=(Domain(-5.0, 5.0),)),
]

#: The registry: op name -> Op. Builtins below; ``engine.register_op`` adds custom ops.
OPS: dict[str, Op] = {op.name: op for op in _TABLE}

#: The names of the ops that ship with glassgrad (custom ops come on top).
BUILTIN_OPS: frozenset[str] = frozenset(OPS)

#: The op of a constant leaf (a number lifted into a Value by an operator): no inputs, no partials.
CONSTANT = Op("const", lambda: 0.0, lambda out: (), (), inputs=(), arity=0, doc="a number, held constant")

ADD, MUL, POW, VPOW = OPS["add"], OPS["mul"], OPS["pow"], OPS["vpow"]
SUM, LOGSUMEXP = OPS["sum"], OPS["logsumexp"]
