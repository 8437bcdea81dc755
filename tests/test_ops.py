"""The op table, iterated: every op's forward, first and second derivatives, and IEEE behaviour.

A new op added to the table is tested here the moment it is added.
"""

import cmath
import itertools
import math

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import ORACLES, call

from engine import OPS, VARIADIC, Value, apply, grad
from engine.ops import BUILTIN_OPS
from engine.testing import check_gradients, op_function, op_inputs

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -8.0, 1e-310, 1e308, -1e308, 1000.0, -1000.0, math.inf, -math.inf, math.nan]

ALL_OPS = sorted(OPS)
UNIT_OPS = [name for name in ALL_OPS if OPS[name].unit_partials]


def test_op_table_every_builtin_has_a_math_reference():
    assert set(ORACLES) == set(BUILTIN_OPS)


def test_op_table_every_op_is_documented_with_its_math():
    for op in OPS.values():
        assert op.doc and "∂" in op.doc, op.name
        n = 1 if op.arity == VARIADIC else op.arity
        assert len(op.formulas) == n and all(op.formulas), op.name
        assert len(op.inputs) == n and all(op.inputs), f"{op.name}: one name per input, which formulas use"


@pytest.mark.parametrize("name", sorted(BUILTIN_OPS))
@given(data=st.data())
def test_op_forward_agrees_with_math(name, data):
    op = OPS[name]
    xs, param = data.draw(op_inputs(op))
    expected = call(ORACLES[name].math, xs, param)
    got = apply(op, *xs, param=param).data
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ALL_OPS)
@given(data=st.data())
def test_op_partials_agree_with_central_differences(name, data):
    op = OPS[name]
    xs, param = data.draw(op_inputs(op))
    check_gradients(op_function(op, param), xs, order=1)


@pytest.mark.parametrize("name", ALL_OPS)
@given(data=st.data())
def test_op_second_derivatives_agree_with_central_differences(name, data):
    op = OPS[name]
    xs, param = data.draw(op_inputs(op))
    check_gradients(op_function(op, param), xs, order=2)


@pytest.mark.parametrize("name", ALL_OPS)
def test_op_never_raises_or_goes_complex_at_special_floats(name):
    op = OPS[name]
    n = 2 if op.arity == VARIADIC else op.arity
    params = [None] if op.param is None else [2.0, 0.5, -1.0, 0.0, 3.0, -0.5]
    for xs in itertools.product(SPECIAL, repeat=n):
        for param in params:
            out = op.apply_forward(xs, param)
            assert type(out) is float, (name, xs, param, out)
            for d in op.apply_partials(xs, out, param):
                assert isinstance(d, float) and not isinstance(d, complex), (name, xs, param, d)
            # the same inputs through Values and backward
            vs = [Value(x) for x in xs]
            root = apply(op, *vs, param=param)
            root.backward()
            assert all(type(v.grad) is float for v in vs)


def test_op_ieee_cases_of_the_design():
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)
    assert (Value(1.0) / 0).data == math.inf
    assert (Value(-1.0) / 0).data == -math.inf
    assert math.isnan((Value(0.0) / 0).data)
    assert math.isnan((Value(-8) ** 0.5).data)
    assert Value(1000.0).exp().data == math.inf
    assert (Value(0.0) ** -1).data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert math.isnan(Value(-1.0).sqrt().data)
    assert not isinstance((Value(-8.0) ** Value(1 / 3)).data, complex)


def test_op_functions_are_ieee_at_and_beyond_their_domains():
    # as PyTorch: the value at a domain's edge is its limit, beyond the edge nan; never an exception
    at = {
        "asin": [(2.0, math.nan), (-1.0, -math.pi / 2)], "acos": [(-2.0, math.nan), (1.0, 0.0)],
        "atanh": [(1.0, math.inf), (-1.0, -math.inf), (1.5, math.nan)], "acosh": [(0.5, math.nan), (1.0, 0.0)],
        "log1p": [(-1.0, -math.inf), (-2.0, math.nan)], "log2": [(0.0, -math.inf), (-1.0, math.nan)],
        "log10": [(0.0, -math.inf), (math.inf, math.inf)], "tan": [(math.inf, math.nan)],
        "sinh": [(1000.0, math.inf), (-1000.0, -math.inf)], "cosh": [(-1000.0, math.inf)],
        "expm1": [(1000.0, math.inf), (-math.inf, -1.0)], "asinh": [(-math.inf, -math.inf)],
    }
    for name, cases in at.items():
        for x, expected in cases:
            got = getattr(Value(x), name)().data
            assert got == expected or (math.isnan(got) and math.isnan(expected)), (name, x, got)
    # the derivative at an edge is infinite, as PyTorch's: asin' = 1/√(1 - x²), atanh' = 1/(1 - x²)
    for name in ("asin", "atanh"):
        x = Value(1.0)
        assert grad(getattr(x, name)(), [x]) == [math.inf], name


@pytest.mark.parametrize(("name", "x"), [
    ("log1p", 1e-17), ("log1p", -3e-12), ("expm1", 1e-17), ("expm1", -3e-12),
    ("acosh", 1.0 + 2.0**-40), ("asin", 1.0 - 2.0**-40), ("acos", -1.0 + 2.0**-40), ("atanh", 1.0 - 2.0**-40),
])
def test_op_exact_where_the_naive_formula_is_not(name, x):
    """log1p and expm1 near 0, acosh near 1, the derivatives of asin, acos and atanh near ±1: value and derivative to
    1e-13 of the exact ones, where ln(1 + x), e^x - 1, ln(x + √(x² - 1)) and 1/√(1 - x·x) lose most of their
    digits (1 + 1e-17 is 1)."""
    with mpmath.workdps(60):
        f = getattr(mpmath, name)
        value, derivative = float(f(mpmath.mpf(x))), float(mpmath.diff(f, mpmath.mpf(x)))  # mpf(x) is x exactly
    v = Value(x)
    y = getattr(v, name)()
    y.backward()
    assert y.data == pytest.approx(value, rel=1e-13)
    assert v.grad == pytest.approx(derivative, rel=1e-13)


@given(st.floats(-1e308, 1e308))
def test_op_stable_forms_stay_finite_for_finite_input(x):
    v = Value(x)
    for out in (v.sigmoid(), v.softplus(), v.log_sigmoid(), apply("logsumexp", x, -x, 0.0)):
        assert math.isfinite(out.data), (x, out)
    assert 0.0 <= v.sigmoid().data <= 1.0


@given(st.floats(-1e308, 1e308))
def test_op_stable_gradients_stay_finite_for_finite_input(x):
    for method in ("sigmoid", "softplus", "log_sigmoid", "tanh"):
        v = Value(x)
        getattr(v, method)().backward()
        assert math.isfinite(v.grad), (method, x, v.grad)


def test_op_stable_forms_match_closed_forms_at_extremes():
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(-1000.0).log_sigmoid().data == -1000.0
    assert apply("logsumexp", 1000.0, 1000.0).data == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    assert apply("logsumexp", -math.inf, -math.inf).data == -math.inf


def test_op_pow_of_negative_base_is_nan_not_complex():
    assert isinstance(cmath.sqrt(-8), complex)  # what plain Python would do
    out = Value(-8.0) ** 0.5
    assert type(out.data) is float and math.isnan(out.data)
    assert (Value(-8.0) ** 3).data == -512.0


@pytest.mark.parametrize("name", UNIT_OPS)
@given(data=st.data())
def test_op_unit_partials_claim_is_true(name, data):
    # The backward loop skips `partials` for ops that declare every partial to be 1: check the claim.
    op = OPS[name]
    xs, param = data.draw(op_inputs(op))
    local = op.apply_partials(xs, op.apply_forward(xs, param), param)
    assert all(type(d) is float and d == 1.0 for d in local)
