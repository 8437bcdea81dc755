"""register_op: a custom op works in backward, higher order, gradcheck and the strategies."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import OPS, Domain, GradcheckError, Value, detect_anomaly, grad, gradcheck, register_op, unregister_op
from engine.ops import exp, power
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


def _both_paths(fn, xs):
    """The gradients of ``fn`` at ``xs`` by backward() (floats) and by grad(create_graph=True) (Values)."""
    leaves = [Value(x) for x in xs]
    fn(*leaves).backward()
    first = [v.grad for v in leaves]
    again = [Value(x) for x in xs]
    second = [g.data for g in grad(fn(*again), again, create_graph=True)]
    return first, second


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_custom_op_partials_give_ieee_results_on_both_paths():
    div = register_op("div_c", lambda a, b: a / b, lambda a, b, out: (1.0 / b, -a / (b * b)), arity=2,
                      inputs=("a", "b"))
    root = register_op("cbrt_c", lambda x: x ** (1 / 3), lambda x, out: ((1 / 3) * x ** (-2 / 3),))
    try:
        floats, values = _both_paths(div, [0.0, 0.0])  # Python's / raises here; IEEE gives inf and nan
        assert all(map(_same, floats, values)) and math.isinf(floats[0]) and math.isnan(floats[1])
        assert math.isnan(div(Value(0.0), Value(0.0)).data)
        floats, values = _both_paths(root, [-8.0])  # ** on a negative base: complex in Python, nan in IEEE
        assert type(floats[0]) is float and math.isnan(floats[0]) and all(map(_same, floats, values))
        assert math.isnan(root(Value(-8.0)).data)
    finally:
        unregister_op("div_c")
        unregister_op("cbrt_c")


def test_custom_op_misuse_names_the_op_and_what_was_expected_on_both_paths():
    bare = register_op("bare_c", lambda x: x, lambda x, out: 1.0)
    short = register_op("short_c", lambda a, b: a * b, lambda a, b, out: (b,), arity=2)
    domain = register_op("domain_c", lambda x: math.sqrt(x), lambda x, out: (0.5 * power(out, -1.0),))
    try:
        for path in (lambda f, v: f(v).backward(), lambda f, v: grad(f(v), [v], create_graph=True)):
            with pytest.raises(TypeError, match=r"op 'bare_c': partials must return a tuple of 1 local derivative"):
                path(bare, Value(1.0))
            with pytest.raises(ValueError, match=r"op 'short_c': partials must return 2 local derivative\(s\), one "
                                                 r"per input, got 1"):
                path(lambda v: short(v, v), Value(1.0))
        with pytest.raises(ValueError, match=r"op 'domain_c': its forward raised ValueError \(math domain error\) "
                                             r"at domain_c\(-1.0\); .* engine.primitives"):
            domain(Value(-1.0))
    finally:
        for name in ("bare_c", "short_c", "domain_c"):
            unregister_op(name)


def test_custom_op_int_partials_work_everywhere_detect_anomaly_included():
    twice = register_op("twice_c", lambda x: 2.0 * x, lambda x, out: (2,))
    try:
        x = Value(1.5)
        with detect_anomaly():
            twice(x).backward()
        assert x.grad == 2.0 and type(x.grad) is float
    finally:
        unregister_op("twice_c")


def test_custom_op_math_in_partials_is_refused_under_create_graph_naming_the_primitives():
    sine = register_op("sine_c", math.sin, lambda x, out: (math.cos(x),))
    try:
        x = Value(0.5)
        sine(x).backward()
        assert x.grad == math.cos(0.5)  # on floats math works
        with pytest.raises(TypeError, match=r"partials of op 'sine_c', called on Values .* engine\.primitives.* cos"):
            grad(sine(x), [x], create_graph=True)
    finally:
        unregister_op("sine_c")
