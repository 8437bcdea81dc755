"""The op table: every primitive op, its forward and its local partials, each written once, side by side.

Each entry says, for one op, how to compute its output (``forward``) and the local partial derivatives
∂out/∂inputᵢ (``partials``, as functions of the inputs and the output), each as one Python expression
over ``+ - *`` and the primitives of ``engine.primitives`` (``exp``, ``log``, ``power``, ``step``, …).
That one expression is everything, in the spirit of PyTorch's derivatives.yaml:

- run on floats, it is the forward and the fast first-order backward;
- run on Values, it builds the derivative's own graph (``create_graph=True``, higher orders);
- run on ``Sym``s, it writes itself out: the Python code ``engine.compile`` generates (which runs on
  floats, or on arrays with other functions bound to the primitives' names) and the formula diagrams
  and docs print. Readable math written by hand (``Op.partials_math``: ``1 - tanh(x)²``) may stand beside
  it where it reads better than the expression; ``Op.doc`` is built from the formulas.

The upstream gradient never appears here: the chain rule lives in one place, the backward loop
(``parent.grad += local · node.grad``). The table drives the backward pass, the property tests
(``tests/`` iterate ``OPS``), the diagrams and custom ops (``register_op``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from engine.primitives import (
    Sym,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    cos,
    cosh,
    data_of,
    exp,
    expm1,
    is_zero,
    log,
    log1p,
    log2,
    log10,
    log_sigmoid,
    logsumexp,
    nonneg,
    power,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    step,
    tan,
    tanh,
    total,
    where,
)

__all__ = ["BUILTIN_OPS", "OPS", "VARIADIC", "Domain", "Op", "data_of", "exp", "log", "power", "sigmoid"]

#: ``Op.arity`` of an op that takes any number (at least one) of inputs.
VARIADIC = -1


class OpKind(Enum):
    """``Op.kind``: how the float backward loop calls an op's partials."""

    UNARY = "unary"  # one input, no parameter: partials(x, out), called directly
    BINARY = "binary"  # two inputs, no parameter: partials(a, b, out), called directly
    UNIT = "unit"  # every partial is 1 (a sum): the upstream gradient is passed on, the partials never called
    GENERAL = "general"  # anything else: through Op.apply_partials


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
    """One primitive: a name, its forward and its local partials, each one expression (see the module doc).

    - ``forward(*xs)`` (``forward(xs)`` when variadic; ``p`` appended when ``param`` is set) gives the output.
    - ``partials(*xs, out)`` (``partials(xs, out)`` when variadic; ``p`` appended when ``param`` is set) gives
      one local derivative ∂out/∂xᵢ per input.
    - ``partials_math`` and ``forward_math``: the partials (one per input; one for all inputs of a variadic op) and
      the forward as a person writes them, in the names of ``inputs``, ``out`` and the parameter, where that reads
      better than the expression written out (``1 - tanh(x)²`` beside ``1 - out·out``); empty: none given.
      What diagrams and messages print is ``formulas`` (``formula(i)``) and ``forward_formula``: the given
      math, or else the expression's own; ``doc`` is both in one line.
    - ``unit_partials`` declares that every partial is exactly 1 (sums), so the backward loop may pass
      the upstream gradient on without calling ``partials``; the property tests check the claim.
    - ``domain``: where property tests draw each input; ``excluded(*xs)``: True at the joint inputs they must
      not draw (where a derivative does not exist across inputs, as ``hypot``'s at the origin).
    """

    name: str
    forward: Callable[..., Any]
    partials: Callable[..., tuple[Any, ...]]
    partials_math: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ("x",)
    arity: int = 1
    param: str | None = None
    symbol: str = ""
    forward_math: str = ""
    domain: tuple[Domain, ...] = ()
    param_domain: Domain | None = None
    unit_partials: bool = False
    excluded: Callable[..., bool] | None = None
    kind: OpKind = field(default=OpKind.GENERAL, init=False, compare=False)
    floats: Callable[..., Any] = field(default=print, init=False, compare=False, repr=False)
    _written: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        kind = OpKind.GENERAL
        if self.unit_partials:
            kind = OpKind.UNIT
        elif self.param is None and self.arity == 1:
            kind = OpKind.UNARY
        elif self.param is None and self.arity == 2:
            kind = OpKind.BINARY
        object.__setattr__(self, "kind", kind)
        # the forward on floats: a primitive's float function itself, when the forward is a primitive
        object.__setattr__(self, "floats", getattr(self.forward, "on_floats", self.forward))

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

    @property
    def formulas(self) -> tuple[str, ...]:
        """The readable partials, one per input (one for all of a variadic op's): ``partials_math``, or the
        expression's own formula in the names of ``inputs``, ``out`` and the parameter."""
        if self.partials_math:
            return self.partials_math
        partials = self.written(readable=True)[1]
        return tuple(s.math for s in partials) if partials is not None else ("?",) * max(self.arity, 1)

    def formula(self, i: int) -> str:
        """The readable local derivative ∂out/∂inputᵢ."""
        formulas = self.formulas
        return formulas[min(i, len(formulas) - 1)]

    @property
    def forward_formula(self) -> str:
        """The readable forward: ``forward_math``, or the expression's own formula, or ``name(inputs)``."""
        if self.forward_math:
            return self.forward_math
        written = self.written(readable=True)[0]
        return written.math if written is not None else f"{self.name}({', '.join(self.inputs)})"

    @property
    def doc(self) -> str:
        """The op's math in one line, the forward then each partial: ``tanh(x); ∂/∂x = 1 - tanh(x)²``."""
        partial_names = self.inputs if self.arity != VARIADIC else self.inputs[:1]
        parts = ", ".join(f"∂/∂{name} = {self.formula(i)}" for i, name in enumerate(partial_names))
        return f"{self.forward_formula}; {parts}"

    def written(
        self, n: int = 1, arg: float | None = None, readable: bool = False
    ) -> tuple[Sym | None, list[Sym] | None]:
        """The forward and the partials written out (``Sym``s) for ``n`` inputs (a variadic op) and the parameter
        ``arg``: ``readable``, in the op's own names (``x``, ``out``, ``p``); else with ``{0}``, ``{1}``, … and
        ``{out}`` in the code, to be filled in by ``str.format``. Either is None when its expression does not write
        itself out (a custom op written with ``math``, ``/`` or ``**``: the compiled code then calls it)."""
        key = (n, arg, readable)
        if key not in self._written:
            self._written[key] = self._write(n, arg, readable)
        return self._written[key]  # type: ignore[no-any-return]

    def _write(self, n: int, arg: float | None, readable: bool) -> tuple[Sym | None, list[Sym] | None]:
        count = n if self.arity == VARIADIC else self.arity
        p: Any
        if readable:
            xs = [Sym(self.inputs[min(i, len(self.inputs) - 1)]) for i in range(count)]
            out, p = Sym("out"), Sym(self.param or "p")
        else:
            xs = [Sym(f"{{{i}}}") for i in range(count)]
            out, p = Sym("{out}"), arg
        parameter = () if self.param is None else (p,)
        variadic = self.arity == VARIADIC
        try:
            forward: Sym | None = Sym.of(self.forward(xs, *parameter) if variadic else self.forward(*xs, *parameter))
        except (TypeError, ValueError, AttributeError, ArithmeticError):
            forward = None
        try:
            partials = self.partials(xs, out, *parameter) if variadic else self.partials(*xs, out, *parameter)
            written: list[Sym] | None = [Sym.of(d) for d in partials]
        except (TypeError, ValueError, AttributeError, ArithmeticError):
            written = None
        return forward, written

    def apply_forward(self, xs: tuple[float, ...], arg: float | None = None) -> float:
        """The op's output for float inputs ``xs`` (and its parameter ``arg``)."""
        if self.arity == VARIADIC:
            return self.floats(xs)  # type: ignore[no-any-return]
        if self.param is None:
            return self.floats(*xs)  # type: ignore[no-any-return]
        return self.floats(*xs, arg)  # type: ignore[no-any-return]

    def apply_partials(self, xs: tuple[Any, ...], out: Any, arg: float | None = None) -> tuple[Any, ...]:
        """The local partials ∂out/∂xᵢ, for float or Value inputs ``xs`` and output ``out``."""
        if self.arity == VARIADIC:
            return self.partials(xs, out)
        if self.param is None:
            return self.partials(*xs, out)
        return self.partials(*xs, out, arg)


# --- the table: one line of math per forward and per partial ---

#: ln 2 and ln 10, the constants of the base-2 and base-10 logarithms' derivatives (as PyTorch writes them).
LN2, LN10 = 0.6931471805599453, 2.302585092994046

_TABLE = [
    Op("add", operator.add, lambda a, b, out: (1.0, 1.0), inputs=("a", "b"), arity=2, symbol="+",
       unit_partials=True),
    Op("mul", operator.mul, lambda a, b, out: (b, a), inputs=("a", "b"), arity=2, symbol="*"),
    # d/dx x^p = p·x^(p-1); PyTorch's convention: zero when p == 0 (even at x == 0)
    Op("pow", power, lambda x, out, p: (where(is_zero(p), 0.0, p * power(x, p - 1.0)),),
       ("p·x^(p-1)",), param="p", symbol="^", domain=(Domain(0.1, 4.0),), param_domain=Domain(-3.0, 3.0)),
    # at a == 0 the formulas give 0·inf: the limits are used instead (0 for b == 0, and 0 for ∂/∂b when b >= 0)
    Op("vpow", power,
       lambda a, b, out: (where(is_zero(a) * is_zero(b), 0.0, b * power(a, b - 1.0)),
                          where(is_zero(a) * nonneg(b), 0.0, out * log(a))),
       ("b·a^(b-1)", "a^b·ln a"), inputs=("a", "b"), arity=2, symbol="^",
       domain=(Domain(0.1, 4.0), Domain(-3.0, 3.0))),
    Op("exp", exp, lambda x, out: (out,), ("exp(x)",), forward_math="e^x", domain=(Domain(-5.0, 5.0),)),
    Op("log", log, lambda x, out: (power(x, -1.0),), ("1/x",), domain=(Domain(0.05, 20.0),)),
    Op("tanh", tanh, lambda x, out: (1.0 - out * out,), ("1 - tanh(x)²",)),
    Op("sigmoid", sigmoid, lambda x, out: (out * (1.0 - out),), ("σ(x)·(1 - σ(x))",), symbol="σ",
       forward_math="σ(x) = 1 / (1 + e^-x)"),
    Op("relu", relu, lambda x, out: (step(x),), ("1 if x > 0 else 0",),
       domain=(Domain(avoid=(0.0,)),)),
    Op("leaky_relu", lambda x, s: where(nonneg(x), x, s * x), lambda x, out, s: (where(step(x), 1.0, s),),
       ("1 if x > 0 else s",), param="s", domain=(Domain(avoid=(0.0,)),), param_domain=Domain(0.0, 0.5)),
    Op("abs", abs, lambda x, out: (sign(x),), symbol="|x|", domain=(Domain(avoid=(0.0,)),)),
    Op("sqrt", sqrt, lambda x, out: (0.5 * power(out, -1.0),), ("1/(2·√x)",), symbol="√",
       domain=(Domain(0.05, 20.0),)),
    Op("atan", atan, lambda x, out: (power(1.0 + x * x, -1.0),), ("1/(1 + x²)",)),
    Op("sin", sin, lambda x, out: (cos(x),)),
    Op("cos", cos, lambda x, out: (-sin(x),)),
    Op("tan", tan, lambda x, out: (1.0 + out * out,), ("1 + tan(x)²",), domain=(Domain(-1.5, 1.5),)),
    Op("sinh", sinh, lambda x, out: (cosh(x),), domain=(Domain(-5.0, 5.0),)),
    Op("cosh", cosh, lambda x, out: (sinh(x),), domain=(Domain(-5.0, 5.0),)),
    # 1 - x² as (1 - x)·(1 + x): exact near ±1, where 1 - x·x loses the low bits of x
    Op("asin", asin, lambda x, out: (power((1.0 - x) * (1.0 + x), -0.5),), ("1/√(1 - x²)",),
       domain=(Domain(-0.98, 0.98),)),
    Op("acos", acos, lambda x, out: (-power((1.0 - x) * (1.0 + x), -0.5),), ("-1/√(1 - x²)",),
       domain=(Domain(-0.98, 0.98),)),
    Op("asinh", asinh, lambda x, out: (power(x * x + 1.0, -0.5),), ("1/√(x² + 1)",), domain=(Domain(-5.0, 5.0),)),
    Op("acosh", acosh, lambda x, out: (power((x - 1.0) * (x + 1.0), -0.5),), ("1/√(x² - 1)",),
       domain=(Domain(1.02, 20.0),)),
    Op("atanh", atanh, lambda x, out: (power((1.0 - x) * (1.0 + x), -1.0),), ("1/(1 - x²)",),
       domain=(Domain(-0.98, 0.98),)),
    Op("log1p", log1p, lambda x, out: (power(1.0 + x, -1.0),), ("1/(1 + x)",), domain=(Domain(-0.95, 20.0),)),
    Op("expm1", expm1, lambda x, out: (out + 1.0,), ("e^x",), forward_math="e^x - 1", domain=(Domain(-5.0, 5.0),)),
    Op("log2", log2, lambda x, out: (power(x * LN2, -1.0),), ("1/(x·ln 2)",), domain=(Domain(0.05, 20.0),)),
    Op("log10", log10, lambda x, out: (power(x * LN10, -1.0),), ("1/(x·ln 10)",), domain=(Domain(0.05, 20.0),)),
    Op("softplus", softplus, lambda x, out: (sigmoid(x),), forward_math="ln(1 + e^x)",
       domain=(Domain(-6.0, 6.0),)),
    Op("log_sigmoid", log_sigmoid, lambda x, out: (sigmoid(-x),), symbol="log σ",
       forward_math="ln σ(x) = -softplus(-x)", domain=(Domain(-6.0, 6.0),)),
    Op("sum", total, lambda xs, out: (1.0,) * len(xs), inputs=("xᵢ",), arity=VARIADIC,
       symbol="Σ", forward_math="Σᵢ xᵢ", unit_partials=True),
    Op("logsumexp", logsumexp, lambda xs, out: tuple(exp(x - out) for x in xs), inputs=("xᵢ",),
       arity=VARIADIC, symbol="logΣexp", forward_math="ln Σᵢ e^xᵢ (shifted by the largest xᵢ)",
       domain=(Domain(-5.0, 5.0),)),
]

#: The registry: op name -> Op. Builtins below; ``engine.register_op`` adds custom ops.
OPS: dict[str, Op] = {op.name: op for op in _TABLE}

#: The names of the ops that ship with glassgrad (custom ops come on top).
BUILTIN_OPS: frozenset[str] = frozenset(OPS)

#: The op of a constant leaf (a number lifted into a Value by an operator): no inputs, no partials.
CONSTANT = Op("const", lambda: 0.0, lambda out: (), (), inputs=(), arity=0, forward_math="a number, held constant")

ADD, MUL, POW, VPOW = OPS["add"], OPS["mul"], OPS["pow"], OPS["vpow"]
SUM, LOGSUMEXP = OPS["sum"], OPS["logsumexp"]
