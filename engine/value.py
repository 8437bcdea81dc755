"""``Value``: one number of a computation, and the op and parents that made it.

A Value is small: eight slots and no closure. The parents of a unary or binary
op sit in two slots of their own (no tuple: one object per node, which is what
Python's memory and its garbage collector pay for); only an op of three or more
inputs keeps them in a tuple. A node's backward rule is not stored on it but
looked up in the op table (``engine.ops``), so a dropped graph holds no
reference cycles and is freed at once by reference counting.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Union, cast

from engine import switches
from engine.ops import ADD, BUILTIN_OPS, CONSTANT, LOGSUMEXP, MUL, OPS, POW, SUM, VARIADIC, VPOW, Domain, Op
from engine.primitives import Sym, data_of

Number = Union[int, float]
Operand = Union["Value", int, float]


def describe(x: object) -> str:
    """``'abc' (str)``: a short account of an unexpected argument for error messages."""
    if isinstance(x, int) and x.bit_length() > 196:  # repr of a huge int is long, and past 4,300 digits refused
        return f"a whole number of about {int(x.bit_length() * 0.30103) + 1:,} digits ({type(x).__name__})"
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(x).__name__})"


def _is_bool(x: object) -> bool:
    return isinstance(x, bool)  # True/False are ints to Python; as data they are almost always a mistake


def to_float(x: object, what: str) -> float:
    """``x`` as a float when it is a real number (not a bool); otherwise a TypeError naming ``what``."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not _is_bool(x):
        return float(x)
    raise TypeError(f"{what}: expected a real number (int or float), got {describe(x)}")


def _refuse_number(v: Value, calls: str, number: str) -> NoReturn:
    """The TypeError of a conversion of ``v`` to a plain number: ``calls`` names the conversion, ``number``
    how to read the number on purpose."""
    raise TypeError(
        f"{calls}: expected a number, got {describe(v)}. A Value does not turn into a plain number by itself: "
        "that number has no parents, so the graph would be cut there and every gradient through it silently "
        "wrong (math.exp(v) * v would give the gradient e^v, not (v + 1)·e^v). To stay in the graph use the "
        "Value's ops: v.exp(), v.log(), v.tanh(), v.sigmoid(), v ** p, abs(v); for the number alone (no "
        f"gradient) write {number}. In a custom op's partials, which get Values under create_graph=True, use "
        "the primitives of engine.primitives, which take floats and Values alike: exp, log, power, sigmoid, "
        "sqrt, sin, cos, atan, step, where, … (engine.ops re-exports exp, log, power, sigmoid, data_of)"
    )


class Value:
    """A scalar node of the computation graph.

    ``data`` is the number, ``grad`` the derivative of the last ``backward()`` root with
    respect to it, ``label`` a name for diagrams and messages, ``parents`` the inputs of the
    op that made it (empty for a leaf), ``op`` that op's name (``''`` for a leaf).

    A Value never turns into a plain number by itself: ``float(v)``, ``int(v)``, ``complex(v)``,
    ``round(v)``, ``math.trunc/floor/ceil(v)``, ``operator.index(v)``, and so everything that calls
    them (``math.exp(v)``, ``math.pow(v, 2)``, ``numpy.float64(v)``), raise ``TypeError``. The
    number they would return has no parents: the graph would be cut there and every gradient
    through it silently wrong (``math.exp(v) * v`` would give the gradient ``e^v``, not
    ``(v + 1)·e^v``). Stay in the graph with the Value's ops (``v.exp()``), and read the number,
    knowingly, as ``v.data``. The partials of a custom op get Values under ``create_graph=True``,
    so they use the primitives of ``engine.primitives`` (``exp``, ``log``, ``power``, ``sin``,
    ``step``, …), not ``math``. Nor has a Value a truth value: ``bool(v)``, ``if v:`` and
    ``v or default`` raise ``TypeError`` (is ``Value(0.0)`` false, or a node that is there?);
    compare it (``v > 0``) or test ``v is None``.

    ``< <= > >=`` compare the numbers (a Value or a real number on either side) and give a plain bool, so
    ``max(a, b)``, ``min`` and ``sorted`` select Values (the gradient reaches the one selected). ``==`` is not
    overloaded: Values are equal only to themselves and hash by identity (dict keys, set members).
    """

    # _a, _b: the parents. None, None for a leaf; x, None for one parent; x, y for two; None and the
    # tuple of them for three or more (see ``parents``)
    __slots__ = ("_a", "_arg", "_b", "_op", "_scope", "data", "grad", "label")

    data: float
    grad: float
    label: str
    _a: Value | None
    _b: Value | tuple[Value, ...] | None
    _op: Op | None
    _arg: float | None
    _scope: tuple[str, ...]

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"Value(label=...): expected a str, got {describe(label)}")
        _set_leaf(self, to_float(data, "Value(data)"), label, None)

    # --- what the node is ---

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order; ``()`` for a leaf."""
        a, b = self._a, self._b
        if b is None:
            return () if a is None else (a,)
        if a is None:
            return b  # type: ignore[return-value]  # three or more parents: b is their tuple
        return (a, b)  # type: ignore[return-value]  # two parents: b is a Value

    @property
    def op(self) -> str:
        """The name of the op that made this node, ``''`` for a leaf (an input, a parameter or a constant)."""
        op = self._op
        return "" if op is None or op is CONSTANT else op.name

    @property
    def arg(self) -> float | None:
        """The op's number parameter (the exponent of ``x ** 2``), or None."""
        return self._arg

    @property
    def scope(self) -> tuple[str, ...]:
        """The scopes the node was made in, outermost first: ``("layer 1", "neuron 3")``; () for none."""
        return self._scope

    @property
    def is_constant(self) -> bool:
        """True for a number lifted into the graph by an operator (the ``2`` of ``x * 2``)."""
        return self._op is CONSTANT

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self.op else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    # --- no way out of the graph by accident: conversions to a plain number, and truth, raise ---

    def __bool__(self) -> NoReturn:
        raise TypeError(
            f"bool(v), if v:, v or ...: expected a bool, got {describe(self)}. The truth of a Value is "
            "ambiguous (is Value(0.0) false, or a node that is there?): compare its number, v.data > 0 or "
            "v.data != 0, or test for a missing Value with v is None"
        )

    if not TYPE_CHECKING:  # hidden from type checkers, which then flag float(v) and math.exp(v) as well

        def __float__(self) -> NoReturn:
            _refuse_number(self, "float(v), math.*(v) and numpy.float64(v)", "v.data")

        def __int__(self) -> NoReturn:
            _refuse_number(self, "int(v)", "int(v.data)")

        def __index__(self) -> NoReturn:
            _refuse_number(self, "operator.index(v), range(v) and seq[v]", "int(v.data)")

        def __complex__(self) -> NoReturn:
            _refuse_number(self, "complex(v) and cmath.*(v)", "complex(v.data)")

        def __round__(self, ndigits: int | None = None) -> NoReturn:
            _refuse_number(self, "round(v)", "round(v.data)")

        def __trunc__(self) -> NoReturn:
            _refuse_number(self, "math.trunc(v)", "math.trunc(v.data)")

        def __floor__(self) -> NoReturn:
            _refuse_number(self, "math.floor(v)", "math.floor(v.data)")

        def __ceil__(self) -> NoReturn:
            _refuse_number(self, "math.ceil(v)", "math.ceil(v.data)")

    # --- comparisons: of the numbers, giving a plain bool (``==`` is not among them: it stays identity) ---

    def __lt__(self, other: Operand) -> bool:
        a, b = _compared(self, other, "<")
        return a < b

    def __le__(self, other: Operand) -> bool:
        a, b = _compared(self, other, "<=")
        return a <= b

    def __gt__(self, other: Operand) -> bool:
        a, b = _compared(self, other, ">")
        return a > b

    def __ge__(self, other: Operand) -> bool:
        a, b = _compared(self, other, ">=")
        return a >= b

    # --- arithmetic: primitives from the op table, derived ops composed from them ---

    def __add__(self, other: Operand) -> Value:
        other = other if type(other) is Value else constant(other, "+")
        return _node(ADD, self, other, _add(self.data, other.data))

    def __radd__(self, other: Number) -> Value:
        return constant(other, "+") + self

    def __mul__(self, other: Operand) -> Value:
        other = other if type(other) is Value else constant(other, "*")
        return _node(MUL, self, other, _mul(self.data, other.data))

    def __rmul__(self, other: Number) -> Value:
        return constant(other, "*") * self

    def __pow__(self, other: Operand) -> Value:
        """``x ** p``: a number exponent is a parameter of the ``pow`` op; a Value exponent uses ``vpow``."""
        if type(other) is Value:
            return _node(VPOW, self, other, VPOW.floats(self.data, other.data))
        p = to_float(other, "Value ** p")
        return _node(POW, self, None, POW.floats(self.data, p), p)

    def __rpow__(self, other: Number) -> Value:
        return constant(other, "**") ** self

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Operand) -> Value:
        if type(other) is Value:
            return self + (-other)
        return self + constant(-to_float(other, "Value - number"), "-")

    def __rsub__(self, other: Number) -> Value:
        return constant(other, "-") + (-self)

    def __truediv__(self, other: Operand) -> Value:
        other = other if type(other) is Value else constant(other, "/")
        return self * other**-1.0

    def __rtruediv__(self, other: Number) -> Value:
        return constant(other, "/") * self**-1.0

    def __abs__(self) -> Value:
        return _unary(OPS["abs"], self)

    # --- unary ops of the table, as methods ---

    def exp(self) -> Value:
        """``e ** x``."""
        return _unary(OPS["exp"], self)

    def log(self) -> Value:
        """Natural logarithm; ``log(0) = -inf``, ``log(x < 0) = nan``."""
        return _unary(OPS["log"], self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(OPS["tanh"], self)

    def sigmoid(self) -> Value:
        """Logistic function ``1 / (1 + e^-x)``, stable for any finite x."""
        return _unary(OPS["sigmoid"], self)

    def relu(self) -> Value:
        """``max(0, x)``."""
        return _unary(OPS["relu"], self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """``x`` where ``x ≥ 0``, else ``slope · x``."""
        s = to_float(slope, "leaky_relu(slope)")
        return _node(OPS["leaky_relu"], self, None, OPS["leaky_relu"].floats(self.data, s), s)

    def atan(self) -> Value:
        """Arctangent."""
        return _unary(OPS["atan"], self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(OPS["sin"], self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(OPS["cos"], self)

    def tan(self) -> Value:
        """Tangent; ``nan`` at ``±inf``."""
        return _unary(OPS["tan"], self)

    def sinh(self) -> Value:
        """Hyperbolic sine."""
        return _unary(OPS["sinh"], self)

    def cosh(self) -> Value:
        """Hyperbolic cosine."""
        return _unary(OPS["cosh"], self)

    def asin(self) -> Value:
        """Arcsine; ``nan`` outside [-1, 1], as PyTorch's."""
        return _unary(OPS["asin"], self)

    def acos(self) -> Value:
        """Arccosine; ``nan`` outside [-1, 1]."""
        return _unary(OPS["acos"], self)

    def asinh(self) -> Value:
        """Inverse hyperbolic sine."""
        return _unary(OPS["asinh"], self)

    def acosh(self) -> Value:
        """Inverse hyperbolic cosine, exact near 1; ``nan`` below 1."""
        return _unary(OPS["acosh"], self)

    def atanh(self) -> Value:
        """Inverse hyperbolic tangent; ``atanh(±1) = ±inf``, ``nan`` beyond."""
        return _unary(OPS["atanh"], self)

    def log1p(self) -> Value:
        """``ln(1 + x)``, exact for x near 0 (where ``(1 + x).log()`` loses it)."""
        return _unary(OPS["log1p"], self)

    def expm1(self) -> Value:
        """``e^x - 1``, exact for x near 0 (where ``x.exp() - 1`` loses it)."""
        return _unary(OPS["expm1"], self)

    def log2(self) -> Value:
        """Base-2 logarithm; ``log2(0) = -inf``, ``log2(x < 0) = nan``."""
        return _unary(OPS["log2"], self)

    def log10(self) -> Value:
        """Base-10 logarithm; ``log10(0) = -inf``, ``log10(x < 0) = nan``."""
        return _unary(OPS["log10"], self)

    def sqrt(self) -> Value:
        """Square root; ``sqrt(x < 0) = nan``."""
        return _unary(OPS["sqrt"], self)

    def softplus(self) -> Value:
        """``ln(1 + e^x)``, stable for any finite x."""
        return _unary(OPS["softplus"], self)

    def log_sigmoid(self) -> Value:
        """``ln σ(x)``, stable for any finite x."""
        return _unary(OPS["log_sigmoid"], self)

    # --- gradients ---

    def backward(self, gradient: Number = 1.0) -> None:
        """Backpropagate from this node: every node of its graph gets ``.grad`` = gradient · d(self)/d(node).

        ``gradient`` seeds the root, as PyTorch's ``y.backward(gradient=g)``: the gradient of some outer C with
        respect to this node, ∂C/∂self (1.0: this node is C itself). Non-leaf nodes are *set* to this pass's
        gradient; leaves *add* it to what they hold, so several losses accumulate (``zero_grad`` resets). The
        walk is ``engine.graph.backward``.
        """
        _backward_pass(self, to_float(gradient, "backward(gradient=...)"))


def _compared(a: Value, b: object, symbol: str) -> tuple[float, float]:
    """The two numbers that ``a < b`` (``symbol``) compares: ``a.data`` and ``b``'s number (a Value's ``.data``, or a
    real number). The comparison is of numbers only, a plain bool that records nothing: ``max(a, b)`` selects a
    Value, and the gradient reaches the one selected. ``engine.compile`` refuses a traced function that compares
    (it watches this function's reads)."""
    return a.data, b.data if type(b) is Value else to_float(b, f"Value {symbol} operand")


def _graph_not_loaded(root: Value, gradient: float) -> None:
    """``Value.backward`` before ``engine.graph`` installed its walk (which ``import engine`` does)."""
    raise RuntimeError("Value.backward: engine.graph, which walks the graph, is not loaded; import engine")


#: What ``Value.backward`` runs: ``engine.graph.backward``. That module walks Values, so it stands above this one
#: and installs its walk here when it is loaded (``import engine`` loads it, and every ``engine.*`` import does).
_backward_pass: Callable[[Value, float], None] = _graph_not_loaded


def install_backward(walk: Callable[[Value, float], None]) -> None:
    """Make ``Value.backward`` run ``walk`` (``engine.graph`` installs its ``backward``)."""
    global _backward_pass
    _backward_pass = walk


_new = object.__new__
_scope = switches.scope  # the scope of this thread's new nodes
_add, _mul = ADD.forward, MUL.forward  # the table's forwards, bound once for the two commonest ops


def _node(
    op: Op, a: Value | None, b: Value | tuple[Value, ...] | None, data: float, arg: float | None = None
) -> Value:
    """A new node holding ``data``, made by ``op`` from the parents ``a, b`` (laid out as in ``Value``),
    recorded unless in ``no_grad``. Sets the eight slots inline, without a call (the hot path; a leaf's are set
    by ``_set_leaf``)."""
    node: Value = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._a = a
    node._b = b
    node._op = op
    node._arg = arg
    node._scope = _scope()  # this thread's (engine.switches)
    if not switches.special:  # no thread is in no_grad() or detect_anomaly()
        return node
    parents = node.parents
    if not switches.grad_enabled():
        node._a = node._b = None
        node._op = None
        node._arg = None
    watch = switches.anomaly()
    if watch is not None:
        watch.created(node, op, parents, arg)
    return node


def _node_of(op: Op, parents: tuple[Value, ...], data: float, arg: float | None = None) -> Value:
    """``_node`` for parents given as a tuple (of any length)."""
    n = len(parents)
    if n == 1:
        return _node(op, parents[0], None, data, arg)
    if n == 2:
        return _node(op, parents[0], parents[1], data, arg)
    return _node(op, None, parents, data, arg)


def _unary(op: Op, x: Value) -> Value:
    return _node(op, x, None, op.floats(x.data))


def _set_leaf(node: Value, data: float, label: str, op: Op | None) -> None:
    """The slots of a leaf (an input, a parameter, or a constant when ``op`` is ``CONSTANT``). ``_node`` sets
    the same slots of an op node inline: node creation is the hot path."""
    node.data = data
    node.grad = 0.0
    node.label = label
    node._a = node._b = None
    node._op = op
    node._arg = None
    node._scope = _scope()


def constant(x: object, where: str = "") -> Value:
    """A number lifted into the graph as a constant leaf; a TypeError for anything else."""
    node: Value = _new(Value)
    _set_leaf(node, x if type(x) is float else to_float(x, f"Value {where} operand" if where else "constant"), "",
              CONSTANT)
    return node


def as_value(x: object, what: str) -> Value:
    """``x`` itself when it is a Value, a constant leaf when it is a number, else a TypeError."""
    if type(x) is Value:
        return x
    if isinstance(x, numbers.Real) and not _is_bool(x):
        return constant(x)
    raise TypeError(f"{what}: expected a Value or a real number, got {describe(x)}")


_JUST_VALUES = {Value}


def _as_values(xs: Iterable[object], what: str, empty: bool = False) -> tuple[Value, ...]:
    """``xs`` as a tuple of Values (numbers become constant leaves); an empty one only when ``empty``."""
    if type(xs) is not list and type(xs) is not tuple and (
        isinstance(xs, (Value, str, bytes)) or not isinstance(xs, Iterable)
    ):
        raise TypeError(f"{what}: expected a list of Values or numbers, got {describe(xs)}")
    items = tuple(xs)
    if not items and not empty:
        raise ValueError(f"{what}: expected at least one Value, got an empty list")
    if set(map(type, items)) == _JUST_VALUES:  # all Values, checked at C speed
        return cast("tuple[Value, ...]", items)
    return tuple(as_value(x, what) for x in items)  # numbers (or bad input) among them


def apply(op: Op | str, *inputs: Operand, param: float | None = None) -> Value:
    """Apply an op of the table (an ``Op`` or its name) to Values or numbers: one new node."""
    if isinstance(op, str):
        if op not in OPS:
            raise ValueError(f"apply: expected the name of an op ({', '.join(sorted(OPS))}), got {op!r}")
        op = OPS[op]
    if not isinstance(op, Op) or op is CONSTANT:
        raise TypeError(f"apply: expected an Op or an op name, got {describe(op)}")
    xs = _as_values(inputs, f"{op.name}()")
    if op.arity != VARIADIC and len(xs) != op.arity:
        raise ValueError(f"{op.name}(): expected {op.arity} input(s), got {len(xs)}")
    arg: float | None = None
    if op.param is not None:
        if param is None:
            raise TypeError(f"{op.name}(): missing its number parameter {op.param!r}")
        arg = to_float(param, f"{op.name}({op.param}=...)")
    elif param is not None:
        raise TypeError(f"{op.name}(): takes no parameter, got param={describe(param)}")
    data = op.apply_forward(tuple(x.data for x in xs), arg)
    return _node_of(op, xs, to_float(data, f"{op.name} forward result"), arg)


def sum_values(xs: Iterable[Operand]) -> Value:
    """``Σᵢ xᵢ`` as one n-ary node (one edge per term; builtin ``sum`` makes a chain of adds). The sum of no terms
    is a constant 0.0, as Python's ``sum([])`` is 0."""
    values = _as_values(xs, "sum_values()", empty=True)
    if not values:
        return constant(0.0)
    return _node_of(SUM, values, SUM.floats([x.data for x in values]))


def logsumexp(xs: Iterable[Operand]) -> Value:
    """``ln Σᵢ e^xᵢ`` as one node, shifted by the largest xᵢ so it never overflows."""
    values = _as_values(xs, "logsumexp()")
    return _node_of(LOGSUMEXP, values, LOGSUMEXP.floats([x.data for x in values]))


def log_softmax(xs: Iterable[Operand]) -> list[Value]:
    """``xᵢ - logsumexp(x)``: log-probabilities, stable for large inputs."""
    values = _as_values(xs, "log_softmax()")
    lse = logsumexp(values)
    return [x - lse for x in values]


def softmax(xs: Iterable[Operand]) -> list[Value]:
    """``e^(xᵢ - logsumexp(x))``: probabilities that sum to one, stable for large inputs."""
    return [lp.exp() for lp in log_softmax(xs)]


#: What Python's float arithmetic raises where IEEE gives inf or nan (a custom op's math then runs on Values).
_NOT_IEEE = (ZeroDivisionError, OverflowError)

_WRITE_IEEE = ("its math must run on floats and on Values alike: math.* raises on a domain error and does not take "
               "Values; write it with + - * and engine.primitives (power(x, -1.0) for 1/x, power(x, p), sqrt, log, "
               "sin, …)")


def _shown(name: str, args: tuple[Any, ...], count: int) -> str:
    """``name(x0, x1)`` with the numbers a function of a custom op was called with."""
    xs = args[0] if count < 0 else args[:count]
    return f"{name}({', '.join(x.code if isinstance(x, Sym) else repr(data_of(x)) for x in xs)})"


def _on_values(fn: Callable[..., Any], args: tuple[Any, ...], arity: int, with_out: bool) -> Any:
    """``fn`` run on Values made of its float inputs (and the output, ``with_out``; a parameter stays a number),
    recording nothing: Value arithmetic follows IEEE where Python's float arithmetic raises or turns complex."""

    def lift(x: Any) -> Any:
        return Value(x) if type(x) is float else x

    lifted = int(with_out) + (1 if arity == VARIADIC else arity)  # how many leading arguments become Values
    head = [tuple(map(lift, a)) if arity == VARIADIC and k == 0 else lift(a) for k, a in enumerate(args[:lifted])]
    previous = switches.set_grad_enabled(False)
    try:
        return fn(*head, *args[lifted:])
    finally:
        switches.set_grad_enabled(previous)


def _number(x: Any) -> Any:
    """A Value's number (from ``_on_values``), or ``x`` itself."""
    return x.data if type(x) is Value else x


def _checked_forward(name: str, forward: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """A custom op's forward with IEEE results where Python's float arithmetic would raise (``1.0 / 0.0``) or give
    a complex number (``(-8.0) ** 0.5``): the same math then runs on Values; anything else it raises names the op."""

    def run(*args: Any) -> Any:
        try:
            out = forward(*args)
            if not isinstance(out, complex):
                return out
        except _NOT_IEEE:
            pass
        except ValueError as error:
            raise ValueError(f"op {name!r}: its forward raised ValueError ({error}) at "
                             f"{_shown(name, args, arity)}; {_WRITE_IEEE}") from error
        try:
            return _number(_on_values(forward, args, arity, with_out=False))
        except TypeError as error:
            raise ValueError(f"op {name!r}: its forward has no IEEE result at {_shown(name, args, arity)}; "
                             f"{_WRITE_IEEE}") from error

    return run


def _checked_partials(name: str, partials: Callable[..., Any], arity: int) -> Callable[..., tuple[Any, ...]]:
    """A custom op's partials, checked each time they run: one real number or Value per input (ints become
    floats); IEEE results where Python's float arithmetic would raise or give a complex number (the same math
    then runs on Values); anything else is an error naming the op and saying what to write."""

    def run(*args: Any) -> tuple[Any, ...]:
        count = len(args[0]) if arity == VARIADIC else arity
        try:
            result = partials(*args)
            if isinstance(result, (tuple, list)) and any(isinstance(d, complex) for d in result):
                result = tuple(map(_number, _on_values(partials, args, arity, with_out=True)))
        except _NOT_IEEE:
            result = tuple(map(_number, _on_values(partials, args, arity, with_out=True)))
        except ValueError as error:
            raise ValueError(f"op {name!r}: its partials raised ValueError ({error}) at "
                             f"{_shown(name, args, arity)}; {_WRITE_IEEE}") from error
        if not isinstance(result, (tuple, list)):
            raise TypeError(f"op {name!r}: partials must return a tuple of {count} local derivative(s), one per "
                            f"input, got {describe(result)}")
        if len(result) != count:
            raise ValueError(f"op {name!r}: partials must return {count} local derivative(s), one per input, got "
                             f"{len(result)}: {describe(result)}")
        local = []
        for i, d in enumerate(result):
            if type(d) is float or isinstance(d, (Value, Sym)):
                local.append(d)
            elif isinstance(d, numbers.Real) and not _is_bool(d):
                local.append(float(d))
            else:
                raise TypeError(f"op {name!r}: partial {i}: expected a real number or a Value, got {describe(d)}")
        return tuple(local)

    return run


def register_op(
    name: str,
    forward: Callable[..., float],
    partials: Callable[..., tuple[Any, ...]],
    formulas: Sequence[str] | None = None,
    *,
    inputs: Sequence[str] | None = None,
    arity: int = 1,
    param: str | None = None,
    symbol: str = "",
    doc: str = "",
    domain: Sequence[Domain] = (),
    param_domain: Domain | None = None,
    excluded: Callable[..., bool] | None = None,
) -> Callable[..., Value]:
    """Add a custom op to the table, the same way the built-in ops are written; returns a function that
    applies it to Values or numbers.

    ``forward`` and ``partials`` (the inputs and the output in, one local derivative per input out; see
    ``engine.ops.Op``) are each one expression over ``+ - *`` and the primitives of ``engine.primitives``
    (``exp``, ``log``, ``power``, ``sigmoid``, ``step``, ``where``, …): written so, the op runs on floats and on
    Values (``create_graph=True``), and ``engine.compile`` writes it out as code. ``math`` functions raise
    ``TypeError`` on Values; ``/`` and ``**`` raise on some floats. ``formulas``: readable partials for
    diagrams, one per input (``Op.partials_math``; default: the expression's own formula); ``doc``: the forward
    in words (``Op.forward_math``: the part before a ``;``, if any, is kept). From then on the op works in
    backward, higher-order ``grad``, ``gradcheck``, the property strategies of ``engine.testing``, the compiler
    and the diagrams.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"register_op: expected a name that is a Python identifier, got {describe(name)}")
    if name in OPS:
        raise ValueError(f"register_op: an op named {name!r} exists already")
    for what, fn in (("forward", forward), ("partials", partials)):
        if not callable(fn):
            raise TypeError(f"register_op({name!r}): expected a callable {what}, got {describe(fn)}")
    if formulas is not None and (
        isinstance(formulas, str) or not all(isinstance(f, str) for f in formulas) or not formulas
    ):
        raise TypeError(f"register_op({name!r}): expected formulas as a list of str, got {describe(formulas)}")
    if not isinstance(arity, int) or (arity < 1 and arity != VARIADIC):
        raise ValueError(f"register_op({name!r}): expected arity >= 1 or VARIADIC (-1), got {describe(arity)}")
    if formulas is not None and arity != VARIADIC and len(formulas) != arity:
        raise ValueError(f"register_op({name!r}): expected {arity} formula(s), one per input, got {len(formulas)}")
    if inputs is not None:
        names = tuple(inputs)
    else:
        names = ("x",) if arity == 1 else ("xᵢ",) if arity == VARIADIC else tuple(f"x{i}" for i in range(arity))
    op = Op(name, _checked_forward(name, forward, arity), _checked_partials(name, partials, arity),
            tuple(formulas or ()), inputs=names, arity=arity, param=param, symbol=symbol,
            forward_math=doc.split(";")[0].strip(), domain=tuple(domain), param_domain=param_domain, excluded=excluded)
    OPS[name] = op

    def apply_op(*xs: Operand, **kw: float) -> Value:
        return apply(op, *xs, param=kw.get(param) if param else None)

    apply_op.__name__ = name
    apply_op.__doc__ = op.doc
    return apply_op


def unregister_op(name: str) -> None:
    """Remove a custom op from the table (built-in ops stay)."""
    if name in BUILTIN_OPS:
        raise ValueError(f"unregister_op: {name!r} is a built-in op and cannot be removed")
    if name not in OPS:
        raise ValueError(f"unregister_op: no custom op named {name!r}")
    del OPS[name]
