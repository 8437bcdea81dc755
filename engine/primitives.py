"""The primitives an op's math is written in, for floats, for Values and as text.

Every op of the table writes its forward and its partials once, as a Python expression over ``+ - *``
and these functions: ``exp log tanh sigmoid softplus log_sigmoid sqrt sin cos tan atan sinh cosh asin acos
asinh acosh atanh log1p expm1 log2 log10 power relu step nonneg is_zero sign where total logsumexp``.
Each function looks at what it is given:

- floats: IEEE float math (``engine.fmath``), never an exception, never a complex number — the fast
  first-order backward and every forward;
- Values: graph nodes (the Value's own method of the same name, ``x.exp()``; ``x ** p`` for ``power``: this
  module does not import ``engine.value``), so the same partials build the derivative's own graph
  (``create_graph=True``, higher-order derivatives); the 0/1 functions (``step``, ``sign``, …) give a
  plain float, a constant of that graph (their derivative is 0 wherever it exists);
- ``Sym``: the expression as text, once as Python code (which ``engine.compile`` writes, and which runs
  on floats or, with other functions bound to these names, on arrays) and once as a formula to read
  (``1 - out·out``), which diagrams and docs print.

``/`` and ``**`` are not among them: on floats Python raises where IEEE gives ``inf`` or a complex
number, so the math uses ``power(x, -1.0)`` and ``power(x, p)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NoReturn

from engine import fmath


class Binding(IntEnum):
    """How tightly a Sym's text binds, loosest first: a conditional (``a if c else b``), a sum, a product, a leading
    minus, an atom (a name, a number, a call). A text that binds more loosely than its place is put in parentheses."""

    CONDITIONAL = 0
    SUM = 1
    PRODUCT = 2
    NEGATION = 3
    ATOM = 4


def _number_text(x: float | int) -> tuple[str, str]:
    """A number as code (``repr``, so it reads back exactly; ``inf``/``nan`` by those names) and as math."""
    if isinstance(x, float) and x != x:
        return "nan", "nan"
    if isinstance(x, float) and x in (fmath.INF, -fmath.INF):
        return ("inf", "∞") if x > 0 else ("-inf", "-∞")
    return repr(x), f"{x:g}"


class Text(IntEnum):
    """The three ways a Sym writes itself, by their place in ``Sym.texts``: ``CODE``, Python that calls the primitives
    by name (it runs on floats, or on arrays with array functions bound to those names); ``FLOAT_CODE``, Python for
    floats alone (the few primitives that read better inline, as ``relu``'s conditional, written out); ``MATH``, the
    expression to read."""

    CODE = 0
    FLOAT_CODE = 1
    MATH = 2

#: The primitives the float code writes inline (on a name or a number): the same float operations as their
#: function in ``engine.fmath``, without the call (the property tests check both, bit for bit).
INLINE_ON_FLOATS = {"relu": "(0.0 if {0} < 0.0 else {0})", "step": "(1.0 if {0} > 0.0 else 0.0)"}


class Sym:
    """An expression written out, three ways (``code``, ``float_code``, ``math``; see ``Text``) with how tightly it
    binds (``Binding``). Arithmetic on Syms (``+ - *``, unary ``-``, ``abs``) and the primitives of this module make
    new Syms; anything that would need the number (``/``, ``**``, ``float()``, ``if``) raises ``TypeError`` naming
    the primitive to use."""

    __slots__ = ("strength", "texts")

    def __init__(
        self, code: str, math: str | None = None, strength: Binding = Binding.ATOM, float_code: str | None = None
    ) -> None:
        self.texts = (code, code if float_code is None else float_code, code if math is None else math)
        self.strength = strength

    @property
    def code(self) -> str:
        """Python that calls the primitives by name."""
        return self.texts[Text.CODE]

    @property
    def float_code(self) -> str:
        """Python for floats: ``code`` with the ``INLINE_ON_FLOATS`` primitives written out."""
        return self.texts[Text.FLOAT_CODE]

    @property
    def math(self) -> str:
        """The expression to read: ``1 - out·out``."""
        return self.texts[Text.MATH]

    def __repr__(self) -> str:
        return f"Sym({self.code!r})"

    @staticmethod
    def of(x: Any) -> Sym:
        """``x`` as a Sym: itself, or a number written out."""
        if isinstance(x, Sym):
            return x
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            code, math = _number_text(x)
            return Sym(code, math, Binding.NEGATION if code.startswith("-") else Binding.ATOM)
        raise TypeError(f"an op's expression: expected numbers, Values and primitives, got {x!r} ({type(x).__name__})")

    def wrapped(self, strength: Binding, tight: bool = False) -> tuple[str, str, str]:
        """The three texts, in parentheses when this binds less tightly than ``strength`` (or as tightly, for the
        right side of ``-``)."""
        if self.strength < strength or (tight and self.strength == strength):
            return tuple(f"({t})" for t in self.texts)  # type: ignore[return-value]
        return self.texts

    def _binary(self, other: Any, symbol: str, math_symbol: str, strength: Binding, reflected: bool = False) -> Sym:
        left, right = (Sym.of(other), self) if reflected else (self, Sym.of(other))
        lt, rt = left.wrapped(strength), right.wrapped(strength, tight=True)
        code, float_code = (f"{lt[k]} {symbol} {rt[k]}" for k in (Text.CODE, Text.FLOAT_CODE))
        return Sym(code, f"{lt[Text.MATH]}{math_symbol}{rt[Text.MATH]}", strength, float_code)

    def __add__(self, other: Any) -> Sym:
        return self._binary(other, "+", " + ", Binding.SUM)

    def __radd__(self, other: Any) -> Sym:
        return self._binary(other, "+", " + ", Binding.SUM, reflected=True)

    def __sub__(self, other: Any) -> Sym:
        return self._binary(other, "-", " - ", Binding.SUM)

    def __rsub__(self, other: Any) -> Sym:
        return self._binary(other, "-", " - ", Binding.SUM, reflected=True)

    def __mul__(self, other: Any) -> Sym:
        return self._binary(other, "*", "·", Binding.PRODUCT)

    def __rmul__(self, other: Any) -> Sym:
        return self._binary(other, "*", "·", Binding.PRODUCT, reflected=True)

    def __neg__(self) -> Sym:
        code, float_code, math = self.wrapped(Binding.NEGATION)
        return Sym(f"-{code}", f"-{math}", Binding.NEGATION, f"-{float_code}")

    def __abs__(self) -> Sym:
        return Sym(f"abs({self.code})", f"|{self.math}|", Binding.ATOM, f"abs({self.float_code})")

    def _refuse(self, what: str, instead: str) -> NoReturn:
        raise TypeError(f"an op's expression uses {what}, which floats and Values do not share: write {instead}")

    def __truediv__(self, other: Any) -> Sym:
        self._refuse("/", "a * power(b, -1.0) (on floats, / raises where IEEE gives inf)")

    __rtruediv__ = __truediv__

    def __pow__(self, other: Any) -> Sym:
        self._refuse("**", "power(x, p) (on floats, ** can raise or give a complex number)")

    __rpow__ = __pow__

    def __bool__(self) -> bool:
        self._refuse("a truth test (if, and, or) on a number", "where(step(x), yes, no)")

    def __float__(self) -> float:
        self._refuse("float() or math.*", "the primitives of engine.primitives (exp, log, power, …)")


def call(name: str, args: Sequence[Any], math: str | None = None) -> Sym:
    """A primitive applied to Syms (or numbers): ``exp(x)`` as code; ``math`` formats the readable form
    (``{0}`` an argument, ``{1}`` the same in parentheses unless it is atomic, for one-argument primitives;
    ``{2}``, ``{3}`` for the second of two)."""
    syms = [Sym.of(a) for a in args]
    code = f"{name}({', '.join(s.code for s in syms)})"
    float_code = f"{name}({', '.join(s.float_code for s in syms)})"
    if name in INLINE_ON_FLOATS and syms[0].strength == Binding.ATOM:
        float_code = INLINE_ON_FLOATS[name].format(syms[0].float_code)
    if math is None:
        return Sym(code, f"{name}({', '.join(s.math for s in syms)})", Binding.ATOM, float_code)
    readable = math.format(*(s.math for s in syms), *(s.wrapped(Binding.ATOM)[Text.MATH] for s in syms))
    return Sym(code, readable, Binding.ATOM, float_code)


#: The 0/1 primitives on a Value: a plain float, a constant of the derivative's graph (their derivative is 0
#: wherever it exists). Every other primitive on a Value applies the op of the same name: a graph node.
CONSTANT_ON_VALUES: dict[str, Callable[[float], float]] = {
    "step": fmath.step, "nonneg": fmath.nonneg, "is_zero": fmath.is_zero, "sign": fmath.sign,
}

#: How each primitive reads as math (``{0}`` an argument, ``{1}`` the same in parentheses unless it is atomic).
MATH: dict[str, str] = {
    "exp": "exp({0})", "log": "ln {1}", "tanh": "tanh({0})", "sigmoid": "σ({0})", "softplus": "softplus({0})",
    "log_sigmoid": "log σ({0})", "sqrt": "√{1}", "relu": "max(0, {0})", "power": "{2}^{3}",
    "log1p": "ln(1 + {0})", "log2": "log₂ {1}", "log10": "log₁₀ {1}",
    "step": "{0} > 0", "nonneg": "{0} ≥ 0", "is_zero": "{0} = 0", "sign": "sign({0})",
}


def data_of(x: Any) -> float:
    """The number behind ``x``: ``x.data`` for a Value, ``x`` itself for a float."""
    return x if type(x) is float else float(x.data)


def _other(name: str, *args: Any) -> Any:
    """A primitive on something other than floats: Syms become text, ints among the numbers floats, and a Value
    (any graph node) the node its own op of the same name makes (``x.exp()``, ``x ** p``), or a constant."""
    if any(isinstance(a, Sym) for a in args):
        return call(name, args, MATH.get(name))
    if all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
        return PRIMITIVES[name](*(float(a) for a in args))
    if name == "power":
        x, p = args
        return x**p  # a number base to a Value power: Python hands it to the Value's ``__rpow__``
    if name in CONSTANT_ON_VALUES:
        return CONSTANT_ON_VALUES[name](data_of(args[0]))
    method = getattr(type(args[0]), name, None)  # a Value's method of the primitive's name applies that op
    if method is None:
        raise TypeError(f"{name}(): expected a float, a Value or a Sym, got {args[0]!r} ({type(args[0]).__name__})")
    return method(args[0])


#: Every primitive by name, on floats: what ``engine.compile``'s code calls (``_unary`` adds the one-argument ones).
PRIMITIVES: dict[str, Any] = {
    "power": fmath.power, "where": fmath.where, "total": fmath.total, "logsumexp": fmath.logsumexp,
    "inf": fmath.INF, "nan": fmath.NAN,
}


def _unary(name: str, on_floats: Callable[[float], float], doc: str) -> Callable[[Any], Any]:
    """A one-argument primitive: ``on_floats`` for a float, else what ``_other`` makes of the argument."""

    def primitive(x: Any) -> Any:
        return on_floats(x) if type(x) is float else _other(name, x)

    primitive.__name__ = primitive.__qualname__ = name
    primitive.__doc__ = doc
    primitive.on_floats = on_floats  # type: ignore[attr-defined]  # an op whose forward is this calls it directly
    PRIMITIVES[name] = on_floats
    return primitive


exp = _unary("exp", fmath.exp, "``e ** x``.")
log = _unary("log", fmath.log, "``ln x``: ``-inf`` at 0, ``nan`` below.")
tanh = _unary("tanh", fmath.tanh, "Hyperbolic tangent.")
sigmoid = _unary("sigmoid", fmath.sigmoid, "``σ(x) = 1 / (1 + e^-x)``, stable.")
softplus = _unary("softplus", fmath.softplus, "``ln(1 + e^x)``, stable.")
log_sigmoid = _unary("log_sigmoid", fmath.log_sigmoid, "``ln σ(x)``, stable.")
sqrt = _unary("sqrt", fmath.sqrt, "Square root: ``nan`` below 0.")
relu = _unary("relu", fmath.relu, "``max(0, x)``, keeping ``nan``.")
step = _unary("step", fmath.step, "1 where ``x > 0``, else 0.")
nonneg = _unary("nonneg", fmath.nonneg, "1 where ``x ≥ 0``, else 0.")
is_zero = _unary("is_zero", fmath.is_zero, "1 where ``x == 0``, else 0.")
sign = _unary("sign", fmath.sign, "-1, 0 or 1 by the sign of ``x``.")
atan = _unary("atan", math.atan, "Arctangent, in (-π/2, π/2).")
sin = _unary("sin", fmath.sin, "Sine (``nan`` at ``±inf``).")
cos = _unary("cos", fmath.cos, "Cosine (``nan`` at ``±inf``).")
tan = _unary("tan", fmath.tan, "Tangent (``nan`` at ``±inf``).")
sinh = _unary("sinh", fmath.sinh, "Hyperbolic sine.")
cosh = _unary("cosh", fmath.cosh, "Hyperbolic cosine.")
asin = _unary("asin", fmath.asin, "Arcsine: ``nan`` outside [-1, 1].")
acos = _unary("acos", fmath.acos, "Arccosine: ``nan`` outside [-1, 1].")
asinh = _unary("asinh", fmath.asinh, "Inverse hyperbolic sine.")
acosh = _unary("acosh", fmath.acosh, "Inverse hyperbolic cosine: ``nan`` below 1.")
atanh = _unary("atanh", fmath.atanh, "Inverse hyperbolic tangent: ``±inf`` at ``±1``, ``nan`` beyond.")
log1p = _unary("log1p", fmath.log1p, "``ln(1 + x)``, exact near 0.")
expm1 = _unary("expm1", fmath.expm1, "``e^x - 1``, exact near 0.")
log2 = _unary("log2", fmath.log2, "Base-2 logarithm.")
log10 = _unary("log10", fmath.log10, "Base-10 logarithm.")


def power(x: Any, p: Any) -> Any:
    """``x ** p`` with IEEE results (``0 ** -1 = inf``, ``(-8) ** 0.5 = nan``)."""
    return fmath.power(x, p) if type(x) is float and type(p) is float else _other("power", x, p)


power.on_floats = fmath.power  # type: ignore[attr-defined]


def where(condition: Any, yes: Any, no: Any) -> Any:
    """``yes`` where ``condition`` (a 0/1 of ``step``, ``nonneg``, ``is_zero`` or their product) is nonzero,
    else ``no``. A number condition is decided at once; a Sym one is written out."""
    if isinstance(condition, Sym):
        c, y, n = Sym.of(condition), Sym.of(yes), Sym.of(no)
        return Sym(f"where({c.code}, {y.code}, {n.code})", f"{y.math} if {c.math} else {n.math}", Binding.CONDITIONAL,
                   f"where({c.float_code}, {y.float_code}, {n.float_code})")
    return yes if condition else no


def _call_on_tuple(name: str, xs: Sequence[Any], math: Callable[[list[Sym]], str]) -> Sym:
    """A primitive of many arguments written out: ``name((x0, x1, …,))`` as code, ``math(syms)`` to read."""
    syms = [Sym.of(x) for x in xs]
    code, float_code = (f"{name}(({', '.join(s.texts[k] for s in syms)},))" for k in (Text.CODE, Text.FLOAT_CODE))
    return Sym(code, math(syms), Binding.ATOM, float_code)


def total(xs: Sequence[Any]) -> Any:
    """``Σᵢ xᵢ``, added left to right from 0.0 (floats or Syms; one call, however many terms)."""
    if any(isinstance(x, Sym) for x in xs):
        return _call_on_tuple("total", xs, lambda syms: " + ".join(s.wrapped(Binding.SUM)[Text.MATH] for s in syms))
    return fmath.total(xs)


total.on_floats = fmath.total  # type: ignore[attr-defined]


def logsumexp(xs: Sequence[Any]) -> Any:
    """``ln Σᵢ e^xᵢ``, shifted by the largest ``xᵢ`` so no term overflows (floats or Syms)."""
    if any(isinstance(x, Sym) for x in xs):
        return _call_on_tuple("logsumexp", xs, lambda syms: f"ln Σ exp({', '.join(s.math for s in syms)})")
    return fmath.logsumexp(tuple(xs))


logsumexp.on_floats = fmath.logsumexp  # type: ignore[attr-defined]


