"""Hypothesis strategies and checks for property-testing gradients (needs ``hypothesis``).

    from hypothesis import given
    from engine.testing import expressions, check_gradients

    @given(expressions())
    def test_backward_matches_central_differences(expr):
        check_gradients(expr, expr.inputs)

``op_inputs(op)`` draws inputs from an op's domain in the table, ``expressions()``
draws random expression DAGs over the table (nodes used several times included),
and ``check_gradients`` compares first (and second) derivatives with central
differences, raising ``engine.GradcheckError`` on a mismatch. Ops may be given by
name: the name is looked up when a value is drawn, so a strategy can be written at
a test module's top before a fixture registers the op it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

try:
    from hypothesis import assume, event
    from hypothesis import strategies as st
except ImportError as missing:  # a dev extra, not a dependency of the engine
    raise ImportError(
        "engine.testing needs hypothesis, which is not installed: pip install 'glassgrad[dev]' (or pip install "
        "hypothesis)"
    ) from missing

from engine.autograd import ATOL, EPS, RTOL, GradcheckError, gradcheck, gradgradcheck
from engine.ops import BUILTIN_OPS, OPS, SUM, VARIADIC, Domain, Op
from engine.value import Value, apply

T = TypeVar("T")

#: Where ``expressions()`` draws its inputs: away from zero, so sqrt/log/pow of an input are defined.
INPUT_DOMAIN = Domain(-2.0, 2.0, avoid=(0.0,), margin=0.1)


def floats_in(domain: Domain) -> st.SearchStrategy[float]:
    """Floats inside ``domain``, clear of its avoided points (kinks, poles).

    Drawn from the intervals between the avoided points rather than filtered, so Hypothesis's
    favourite values (0.0 among them) never waste a draw. The piece that holds the smallest positive
    numbers comes first, so a failing case shrinks towards them (1.0 rather than -1.0).
    """
    edges = [domain.lo]
    for a in sorted(domain.avoid):
        if domain.lo < a < domain.hi:
            edges += [a - domain.margin, a + domain.margin]
    edges.append(domain.hi)
    spans = [(lo, hi) for lo, hi in zip(edges[::2], edges[1::2]) if lo < hi]
    if not spans:
        raise ValueError(f"floats_in: {domain} leaves no room to draw from")
    spans.sort(key=lambda span: (span[1] <= 0.0, abs(span[0])))  # positive first, nearest to zero first
    return st.one_of([
        st.floats(lo, hi, exclude_min=lo != domain.lo, exclude_max=hi != domain.hi, allow_nan=False)
        for lo, hi in spans
    ])


def resolve(op: Op | str, what: str = "op") -> Op:
    """``op`` itself, or the op registered under that name: a ValueError naming the ops there are if none is."""
    if isinstance(op, Op):
        return op
    if not isinstance(op, str):
        raise TypeError(f"{what}: expected an Op or an op's name, got {op!r} ({type(op).__name__})")
    if op not in OPS:
        raise ValueError(f"{what}: expected the name of a registered op ({', '.join(sorted(OPS))}), got {op!r}; "
                         "a custom op must be registered before a value is drawn (a module-scoped fixture)")
    return OPS[op]


class OpInputs(NamedTuple):
    """What ``op_inputs`` draws: the inputs ``xs`` and the parameter (None for an op without one)."""

    xs: tuple[float, ...]
    param: float | None


@st.composite
def op_inputs(draw: st.DrawFn, op: Op | str, max_terms: int = 4) -> OpInputs:
    """Inputs for one op (an Op, or its name, looked up when drawing) from its domain, and its parameter when it
    has one, clear of the points its ``excluded`` names."""
    op = resolve(op, "op_inputs")
    n = draw(st.integers(1, max_terms)) if op.arity == VARIADIC else op.arity
    xs = tuple(draw(floats_in(op.input_domain(i))) for i in range(n))
    param = draw(floats_in(op.param_domain or Domain())) if op.param is not None else None
    assume(op.excluded is None or not op.excluded(*xs))
    return OpInputs(xs, param)


@dataclass(frozen=True)
class Step:
    """One node of an ``Expression``: ``op`` applied to earlier nodes (by index), with its parameter."""

    op: Op
    args: tuple[int, ...]
    param: float | None = None


@dataclass(frozen=True, repr=False)
class Expression:
    """A random expression DAG: inputs are nodes ``0..n-1``; step k makes node ``n + k``; the last is the root.

    Call it with Values (or numbers) to build the graph; ``evaluate`` runs it in any algebra
    (floats, sympy) given a function that applies one op. It prints as the program it is
    (``v3 = hypot(v0, v0)``), and ``ops`` names the ops it uses.
    """

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]

    def evaluate(self, leaves: Sequence[T], apply_op: Callable[[Op, tuple[T, ...], float | None], T]) -> T:
        """Run the steps on ``leaves`` with ``apply_op(op, args, param)``; returns the root."""
        if len(leaves) != len(self.inputs):
            raise ValueError(f"Expression: expected {len(self.inputs)} inputs, got {len(leaves)}")
        nodes = list(leaves)
        for step in self.steps:
            nodes.append(apply_op(step.op, tuple(nodes[i] for i in step.args), step.param))
        return nodes[-1]

    def __call__(self, *xs: Value | float) -> Value:
        values = [x if isinstance(x, Value) else Value(x) for x in xs]
        return self.evaluate(values, lambda op, args, param: apply(op, *args, param=param))

    @property
    def ops(self) -> list[Op]:
        """The ops the expression uses, each once, in the order they first appear (the closing sum left out)."""
        seen: dict[str, Op] = {}
        for step in self.steps[:-1]:
            seen.setdefault(step.op.name, step.op)
        return list(seen.values())

    def __str__(self) -> str:
        n = len(self.inputs)
        lines = [f"v{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, step in enumerate(self.steps):
            args = ", ".join(f"v{i}" for i in step.args)
            param = f", {step.op.param}={step.param!r}" if step.param is not None else ""
            lines.append(f"v{n + k} = {step.op.name}({args}{param})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "Expression(\n    " + str(self).replace("\n", "\n    ") + "\n)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How Hypothesis (and IPython) print it in a failing example: as the program, not field by field."""
        printer.text(repr(self))


def _candidates(op: Op, position: int, values: Sequence[float]) -> list[int]:
    domain = op.input_domain(position)
    return [i for i, v in enumerate(values) if domain.contains(v)]


def _overlaps(domain: Domain) -> bool:
    return domain.lo < INPUT_DOMAIN.hi and INPUT_DOMAIN.lo < domain.hi


@st.composite
def expressions(
    draw: st.DrawFn,
    ops: Iterable[Op | str] | None = None,
    max_inputs: int = 3,
    max_steps: int = 8,
    *,
    include: Iterable[Op | str] = (),
) -> Expression:
    """Random expression DAGs over ``ops`` (default: the built-in ops) and the ops in ``include``; an op may be
    given by name (looked up when drawing). ``expressions(include=["hypot"])``: the built-ins and your op.

    Each step applies an op to earlier nodes whose values lie in that op's domain (and outside its
    ``excluded`` points), so a node can feed several later nodes (shared subexpressions) and every op sees
    valid inputs at the drawn point. An op whose domain lies outside the inputs' range gets an input of its
    own, drawn from its domain, so every op asked for can be drawn; an empty domain is an error. The root sums
    every node that nothing else used, so every step matters. Each drawn expression reports the ops it uses as
    Hypothesis events (``pytest --hypothesis-show-statistics`` shows how often each op was covered).
    """
    table: list[Op] = []
    for op in [*(builtin_ops() if ops is None else ops), *include]:
        resolved = resolve(op, "expressions(ops=...)")
        if resolved not in table:
            table.append(resolved)
    if not table:
        raise ValueError("expressions(ops=...): expected at least one op, got none")
    inputs = list(draw(st.lists(floats_in(INPUT_DOMAIN), min_size=1, max_size=max_inputs)))
    for op in table:  # an op that no input can feed gets inputs from its own domain
        for i in range(1 if op.arity == VARIADIC else op.arity):
            if not _overlaps(op.input_domain(i)):
                try:
                    inputs.append(draw(floats_in(op.input_domain(i))))
                except ValueError as error:
                    raise ValueError(f"expressions: op {op.name!r} cannot be drawn: {error}") from None
    values = list(inputs)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(table))
        n = draw(st.integers(1, 3)) if op.arity == VARIADIC else op.arity
        pools = [_candidates(op, i, values) for i in range(n)]
        if not all(pools):
            continue  # no node so far lies in this op's domain (its own inputs come later in the DAG)
        args = tuple(draw(st.sampled_from(pool)) for pool in pools)
        if op.excluded is not None and op.excluded(*(values[i] for i in args)):
            continue
        param = draw(floats_in(op.param_domain or Domain())) if op.param is not None else None
        steps.append(Step(op, args, param))
        values.append(op.apply_forward(tuple(values[i] for i in args), param))
    used = {i for step in steps for i in step.args}
    sinks = tuple(i for i in range(len(values)) if i not in used)
    steps.append(Step(SUM, sinks))
    expression = Expression(tuple(inputs), tuple(steps))
    for op in expression.ops:
        event(f"expressions: uses {op.name}")
    return expression


def builtin_ops() -> list[Op]:
    """The built-in ops, in the table's order."""
    return [op for name, op in OPS.items() if name in BUILTIN_OPS]


def check_gradients(
    f: Callable[..., Value],
    inputs: Sequence[float],
    order: int = 2,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> None:
    """Assert that backward (and, for ``order=2``, double backward) agree with central differences, with the
    same tolerances as ``gradcheck``.

    Raises ``engine.GradcheckError`` (an ``AssertionError``) naming the first disagreeing input; for an
    ``Expression``, the message also shows it as a program and the formulas of the ops it uses. Note that the
    second-order check differentiates the op's own partials: a wrong first derivative can pass it (it is
    consistent with itself), so ``order=2`` also runs the first-order check.
    """
    if order not in (1, 2):
        raise ValueError(f"check_gradients(order=...): expected 1 or 2, got {order!r}")
    try:
        gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)
        if order == 2:
            gradgradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as error:
        if not isinstance(f, Expression):
            raise
        formulas = "; ".join(f"{op.name}: {op.doc}" for op in f.ops)
        raise GradcheckError(f"{error}\nin the expression\n    {str(f).replace(chr(10), chr(10) + '    ')}\n"
                             f"whose ops are {formulas}") from None


def op_function(op: Op | str, param: float | None = None) -> Callable[..., Any]:
    """``f(*xs)`` applying ``op`` (an Op or its name; with a fixed parameter) to Values: what ``check_gradients``
    takes."""
    resolved = resolve(op, "op_function")
    return lambda *xs: apply(resolved, *xs, param=param)
