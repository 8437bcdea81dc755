"""Random expression DAGs from engine.testing: backward against central differences, grad()
against backward, and a sympy oracle (the same expression differentiated symbolically)."""

import sympy
from hypothesis import find, given, settings

from engine import Value, grad, topological_order
from engine.ops import BUILTIN_OPS, OPS
from engine.testing import check_gradients, expressions

BUILTINS = [OPS[name] for name in sorted(BUILTIN_OPS)]


def _sigmoid(x):
    return 1 / (1 + sympy.exp(-x))


# The same ops in sympy: (inputs..., param) -> expression.
SYMPY = {
    "add": lambda a, b, p: a + b,
    "mul": lambda a, b, p: a * b,
    "pow": lambda x, p: x ** sympy.Float(p),
    "vpow": lambda a, b, p: a**b,
    "exp": lambda x, p: sympy.exp(x),
    "log": lambda x, p: sympy.log(x),
    "tanh": lambda x, p: sympy.tanh(x),
    "sigmoid": lambda x, p: _sigmoid(x),
    "relu": lambda x, p: sympy.Piecewise((x, x > 0), (0, True)),
    "leaky_relu": lambda x, p: sympy.Piecewise((x, x > 0), (sympy.Float(p) * x, True)),
    "abs": lambda x, p: sympy.Abs(x),
    "sqrt": lambda x, p: sympy.sqrt(x),
    "softplus": lambda x, p: sympy.log(1 + sympy.exp(x)),
    "log_sigmoid": lambda x, p: sympy.log(_sigmoid(x)),
    "sum": lambda *xs: sympy.Add(*xs[:-1]),
    "logsumexp": lambda *xs: sympy.log(sympy.Add(*[sympy.exp(x) for x in xs[:-1]])),
}


def test_dag_sympy_oracle_covers_every_builtin_op():
    assert set(SYMPY) == set(BUILTIN_OPS)


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


@settings(max_examples=60)
@given(expressions(BUILTINS, max_steps=6))
def test_dag_gradients_agree_with_sympy_to_1e9(expr):
    symbols = sympy.symbols(f"x0:{len(expr.inputs)}", real=True)
    exact = expr.evaluate(list(symbols), lambda op, args, p: SYMPY[op.name](*args, p))
    point = dict(zip(symbols, [sympy.Float(x, 40) for x in expr.inputs]))
    xs = [Value(x) for x in expr.inputs]
    root = expr(*xs)
    root.backward()
    assert abs(root.data - float(exact.evalf(40, subs=point))) <= 1e-9 * max(1.0, abs(root.data))
    for symbol, x in zip(symbols, xs):
        expected = float(sympy.diff(exact, symbol).evalf(40, subs=point))
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
