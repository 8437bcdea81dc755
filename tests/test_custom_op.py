"""register_op: a custom op works in backward, higher order, gradcheck and the strategies."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import OPS, Domain, GradcheckError, Value, grad, gradcheck, register_op, unregister_op
from engine.ops import exp
from engine.testing import check_gradients, expressions, op_inputs


@pytest.fixture
def cube():
    fn = register_op(
        "cube",
        lambda x: x * x * x,
        lambda x, out: (3.0 * x * x,),
        ["3·x²"],
        doc="x³; ∂/∂x = 3·x²",
        domain=[Domain(-2.0, 2.0)],
    )
    yield fn
    unregister_op("cube")


@pytest.fixture
def gauss():
    # A parametrised op: exp(-x² / s), written with the polymorphic exp so it works on Values too.
    fn = register_op(
        "gauss",
        lambda x, s: math.exp(-x * x / s),
        lambda x, out, s: (-2.0 * x / s * out,),
        ["-2x/s · out"],
        param="s",
        param_domain=Domain(0.5, 3.0),
    )
    yield fn
    unregister_op("gauss")


def test_custom_op_forward_backward_and_labels(cube):
    x = Value(2.0, label="x")
    y = cube(x)
    assert y.data == 8.0 and y.op == "cube" and y.parents == (x,)
    y.backward()
    assert x.grad == 12.0
    assert OPS["cube"].formula(0) == "3·x²"


def test_custom_op_higher_order(cube):
    x = Value(1.5)
    (g,) = grad(cube(x), [x], create_graph=True)
    (gg,) = grad(g, [x])
    assert g.data == pytest.approx(6.75) and gg == pytest.approx(9.0)


def test_custom_op_with_a_parameter(gauss):
    x = Value(0.5)
    y = gauss(x, s=2.0)
    assert y.data == pytest.approx(math.exp(-0.125)) and y.arg == 2.0
    assert gradcheck(lambda v: gauss(v, s=2.0), [0.5])


def test_custom_op_in_property_strategies():
    name = "softsign"
    fn = register_op(name, lambda x: x / (1.0 + abs(x)), lambda x, out: ((1.0 + abs(x)) ** -2.0,), ["1/(1+|x|)²"],
                     domain=[Domain(avoid=(0.0,))])
    try:

        @settings(max_examples=30)
        @given(st.data())
        def check(data):
            (x,), _ = data.draw(op_inputs(OPS[name]))
            check_gradients(fn, [x], order=2)
            expr = data.draw(expressions([OPS[name], OPS["mul"]]))
            assert {s.op.name for s in expr.steps} <= {name, "mul", "sum"}
            check_gradients(expr, expr.inputs, order=2)

        check()
    finally:
        unregister_op(name)


def test_custom_op_wrong_derivative_is_caught_by_gradcheck():
    wrong = register_op("wrong_exp", math.exp, lambda x, out: (exp(x) * 1.01,), ["e^x (off by 1%)"])
    try:
        with pytest.raises(GradcheckError, match=r"d f/d input 0 at \[0.3\]: backward gives .* central differences"):
            gradcheck(lambda v: wrong(v), [0.3])
    finally:
        unregister_op("wrong_exp")


def test_custom_op_registration_errors(cube):
    with pytest.raises(ValueError, match="an op named 'cube' exists already"):
        register_op("cube", abs, lambda x, out: (1.0,), ["1"])
    with pytest.raises(ValueError, match="expected a name that is a Python identifier, got 'a b'"):
        register_op("a b", abs, lambda x, out: (1.0,), ["1"])
    with pytest.raises(TypeError, match="expected a callable forward, got 3"):
        register_op("three", 3, lambda x, out: (1.0,), ["1"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected 2 formula\\(s\\), one per input, got 1"):
        register_op("two", lambda a, b: a, lambda a, b, out: (1.0, 0.0), ["1"], arity=2)
    with pytest.raises(ValueError, match="'tanh' is a built-in op and cannot be removed"):
        unregister_op("tanh")
    with pytest.raises(ValueError, match="no custom op named 'nope'"):
        unregister_op("nope")
