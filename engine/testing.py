"""Hypothesis strategies and checks for property-testing gradients (needs ``hypothesis``).

    from hypothesis import given
    from engine.testing import expressions, check_gradients

    @given(expressions())
    def test_backward_matches_central_differences(expr):
        check_gradients(expr, expr.inputs)

``op_inputs(op)`` draws inputs from an op's domain in the table, ``expressions()``
draws random expression DAGs over the table (nodes used several times included),
and ``check_gradients`` compares first (and second) derivatives with central
differences, raising ``engine.GradcheckError`` on a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import strategies as st

from engine.autograd import gradcheck, gradgradcheck
from engine.ops import OPS, SUM, VARIADIC, Domain, Op
from engine.value import Value, apply

T = TypeVar("T")

#: Where ``expressions()`` draws its inputs: away from zero, so sqrt/log/pow of an input are defined.
INPUT_DOMAIN = Domain(-2.0, 2.0, avoid=(0.0,), margin=0.1)


def floats_in(domain: Domain) -> st.SearchStrategy[float]:
    """Floats inside ``domain``, clear of its avoided points (kinks, poles).

    Drawn from the intervals between the avoided points rather than filtered, so Hypothesis's
    favourite values (0.0 among them) never waste a draw.
    """
    edges = [domain.lo]
    for a in sorted(domain.avoid):
        if domain.lo < a < domain.hi:
            edges += [a - domain.margin, a + domain.margin]
    edges.append(domain.hi)
    pieces = [
        st.floats(lo, hi, exclude_min=lo != domain.lo, exclude_max=hi != domain.hi, allow_nan=False)
        for lo, hi in zip(edges[::2], edges[1::2])
        if lo < hi
    ]
    if not pieces:
        raise ValueError(f"floats_in: {domain} leaves no room to draw from")
    return st.one_of(pieces)


@st.composite
def op_inputs(draw: st.DrawFn, op: Op, max_terms: int = 4) -> tuple[tuple[float, ...], float | None]:
    """Inputs for one op from its domain, and its parameter when it has one: ``(xs, param)``."""
    n = draw(st.integers(1, max_terms)) if op.arity == VARIADIC else op.arity
    xs = tuple(draw(floats_in(op.input_domain(i))) for i in range(n))
    param = draw(floats_in(op.param_domain or Domain())) if op.param is not None else None
    return xs, param


@dataclass(frozen=True)
class Step:
    """One node of an ``Expression``: ``op`` applied to earlier nodes (by index), with its parameter."""

    op: Op
    args: tuple[int, ...]
    param: float | None = None


@dataclass(frozen=True)
class Expression:
    """A random expression DAG: inputs are nodes ``0..n-1``; step k makes node ``n + k``; the last is the root.

    Call it with Values (or numbers) to build the graph; ``evaluate`` runs it in any algebra
    (floats, sympy) given a function that applies one op.
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

    def __str__(self) -> str:
        n = len(self.inputs)
        lines = [f"v{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, step in enumerate(self.steps):
            args = ", ".join(f"v{i}" for i in step.args)
            param = f"; {step.op.param}={step.param!r}" if step.param is not None else ""
            lines.append(f"v{n + k} = {step.op.name}({args}{param})")
        return "\n".join(lines)


def _candidates(op: Op, position: int, values: Sequence[float]) -> list[int]:
    domain = op.input_domain(position)
    return [i for i, v in enumerate(values) if domain.contains(v)]


@st.composite
def expressions(
    draw: st.DrawFn,
    ops: Iterable[Op | str] | None = None,
    max_inputs: int = 3,
    max_steps: int = 8,
) -> Expression:
    """Random expression DAGs over the op table (all registered ops by default).

    Each step applies an op to earlier nodes whose values lie in that op's domain, so a node
    can feed several later nodes (shared subexpressions) and every op sees valid inputs at the
    drawn point. The root sums every node that nothing else used, so every step matters.
    """
    table = [OPS[o] if isinstance(o, str) else o for o in (ops if ops is not None else list(OPS.values()))]
    if not table:
        raise ValueError("expressions(ops=...): expected at least one op, got none")
    inputs = tuple(draw(st.lists(floats_in(INPUT_DOMAIN), min_size=1, max_size=max_inputs)))
    values = list(inputs)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(table))
        n = draw(st.integers(1, 3)) if op.arity == VARIADIC else op.arity
        pools = [_candidates(op, i, values) for i in range(n)]
        if not all(pools):
            continue  # no earlier node lies in this op's domain
        args = tuple(draw(st.sampled_from(pool)) for pool in pools)
        param = draw(floats_in(op.param_domain or Domain())) if op.param is not None else None
        steps.append(Step(op, args, param))
        values.append(op.apply_forward(tuple(values[i] for i in args), param))
    used = {i for step in steps for i in step.args}
    sinks = tuple(i for i in range(len(values)) if i not in used)
    steps.append(Step(SUM, sinks))
    return Expression(inputs, tuple(steps))


def check_gradients(
    f: Callable[..., Value],
    inputs: Sequence[float],
    order: int = 2,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> None:
    """Assert that backward (and, for ``order=2``, double backward) agree with central differences.

    Raises ``engine.GradcheckError`` (an ``AssertionError``) naming the first disagreeing input.
    """
    if order not in (1, 2):
        raise ValueError(f"check_gradients(order=...): expected 1 or 2, got {order!r}")
    gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)
    if order == 2:
        gradgradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)


def op_function(op: Op, param: float | None = None) -> Callable[..., Any]:
    """``f(*xs)`` applying ``op`` (with a fixed parameter) to Values: what ``check_gradients`` takes."""
    return lambda *xs: apply(op, *xs, param=param)
