"""Random expression DAGs from engine.testing: backward against central differences, grad()
against backward, and a sympy oracle (the same expression differentiated symbolically)."""

import pytest
import sympy
from hypothesis import find, given, settings
from oracles import ORACLES, call

from engine import Value, grad, topological_order
from engine.ops import BUILTIN_OPS, OPS
from engine.testing import check_gradients, expressions

BUILTINS = [OPS[name] for name in sorted(BUILTIN_OPS)]


def test_dag_sympy_oracle_covers_every_builtin_op():
    assert set(ORACLES) == set(BUILTIN_OPS)


@given(expressions(BUILTINS))
def test_dag_backward_agrees_with_central_differences(expr):
    check_gradients(expr, expr.inputs, order=1)


@settings(max_examples=40)
@given(expressions(BUILTINS, max_steps=6))
def test_dag_second_derivatives_agree_with_central_differences(expr):
    check_gradients(expr, expr.inputs, order=2)


@given(expressions(BUILTINS))
def test_dag_grad_agrees_with_backward(expr):
    xs = [Value(x) for x in expr.inputs]
    root = expr(*xs)
    functional = grad(root, xs)
    assert all(n.grad == 0.0 for n in topological_order(root))
    root.backward()
    assert functional == [x.grad for x in xs]


@pytest.mark.slow  # sympy on every example
@settings(max_examples=60)
@given(expressions(BUILTINS, max_steps=6))
def test_dag_gradients_agree_with_sympy_to_1e9(expr):
    symbols = sympy.symbols(f"x0:{len(expr.inputs)}", real=True)
    exact = expr.evaluate(list(symbols), lambda op, args, p: call(ORACLES[op.name].sympy, args, p))
    point = dict(zip(symbols, [sympy.Float(x, 40) for x in expr.inputs]))
    xs = [Value(x) for x in expr.inputs]
    root = expr(*xs)
    root.backward()
    # substituted before evaluating: a Piecewise (relu) then picks its branch by the numbers, and never evaluates
    # the branch it does not take (acos of -2, say, which is complex and cannot be compared)
    assert abs(root.data - float(exact.subs(point).evalf(40))) <= 1e-9 * max(1.0, abs(root.data))
    for symbol, x in zip(symbols, xs):
        expected = float(sympy.diff(exact, symbol).subs(point).evalf(40))
        assert abs(x.grad - expected) <= 1e-9 * max(1.0, abs(expected)), (str(expr), symbol, x.grad, expected)


def test_dag_expressions_share_subexpressions():
    # The strategy makes real DAGs: it can draw a node that feeds two different consumers.
    def shared(expr):
        users = [set() for _ in range(len(expr.inputs) + len(expr.steps))]
        for k, step in enumerate(expr.steps[:-1]):
            for i in step.args:
                users[i].add(k)
        return any(len(u) >= 2 for u in users)

    expr = find(expressions(BUILTINS), shared, settings=settings(database=None))
    assert shared(expr)
