"""The numpy runner: every primitive on arrays, and every op of the table written out and run on arrays, against the
float path, op by op (a new op of the table is tested here the moment it is added)."""

import itertools
import math
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import OPS, VARIADIC, register_op, unregister_op
from engine.numpy_runner import PRIMITIVES_ON_ARRAYS, vectorized
from engine.primitives import PRIMITIVES, power
from engine.testing import floats_in, op_inputs

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -8.0, 2.0, 1e-310, 1e308, -1e308, 1000.0, -1000.0, math.inf, -math.inf, math.nan]


def _bits(x):
    return struct.pack("<d", x)


def _agree(got, want):
    """Equal to rounding (1e-12 relative); nan only with nan, an infinity only with itself."""
    if math.isnan(got) or math.isnan(want):
        return math.isnan(got) and math.isnan(want)
    return got == want or (math.isfinite(want) and math.isclose(got, want, rel_tol=1e-12))


def test_numpy_runner_has_every_primitive():
    assert set(PRIMITIVES_ON_ARRAYS) == set(PRIMITIVES)


#: The primitives whose numpy function is numpy's own, which may be an ulp off the C library's (compared to 1e-12;
#: an infinity and nan still exactly): at 2.0, numpy's sinh gives 3.6268604078470186, math.sinh ...9.
ULP_OFF = {"tanh", "tan", "sinh", "cosh", "asin", "acos", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10"}


@pytest.mark.parametrize("name", sorted(set(PRIMITIVES) - {"inf", "nan", "where", "total", "logsumexp"}))
def test_numpy_runner_primitive_agrees_with_the_float_function_at_special_numbers(name):
    on_floats, on_arrays = PRIMITIVES[name], PRIMITIVES_ON_ARRAYS[name]
    points = list(itertools.product(SPECIAL, repeat=2)) if name == "power" else [(x,) for x in SPECIAL]
    columns = [np.array(column) for column in zip(*points)]
    with np.errstate(all="ignore"):
        got = np.broadcast_to(on_arrays(*columns), (len(points),))
    for point, g in zip(points, got.tolist()):
        want = on_floats(*point)
        if name in ULP_OFF:  # numpy's own function may be an ulp off the C library's
            assert _agree(g, want), (name, point, g, want)
        else:  # bit for bit, the sign of a zero included
            assert _bits(g) == _bits(want) or (math.isnan(g) and math.isnan(want)), (name, point, g, want)


@pytest.mark.parametrize("name", ["total", "logsumexp"])
def test_numpy_runner_many_argument_primitives_at_special_numbers(name):
    on_floats, on_arrays = PRIMITIVES[name], PRIMITIVES_ON_ARRAYS[name]
    for n in (1, 2, 3):
        points = list(itertools.product(SPECIAL, repeat=n))
        with np.errstate(all="ignore"):
            got = on_arrays([np.array(column) for column in zip(*points)]).tolist()
        for point, g in zip(points, got):
            assert _agree(g, on_floats(point)), (name, point, g, on_floats(point))


def test_numpy_runner_where_picks_as_on_floats():
    condition, yes, no = np.array([1.0, 0.0, math.nan, -0.0]), np.array([1.0, 2.0, 3.0, 4.0]), 9.0
    assert PRIMITIVES_ON_ARRAYS["where"](condition, yes, no).tolist() == [
        PRIMITIVES["where"](c, y, no) for c, y in zip(condition.tolist(), yes.tolist())
    ]


def _on_arrays(op, rows, param):
    """The op's forward and partials run as the numpy runner runs the generated code: each written expression
    (``Sym.code``) evaluated with the primitives' names bound to numpy functions, or the op's float functions
    vectorized when its math does not write itself out; one array element per row."""
    n = len(rows[0])
    names = [f"x{i}" for i in range(n)]
    columns = [np.array(column) for column in zip(*rows)]
    env = {**PRIMITIVES_ON_ARRAYS, **dict(zip(names, columns))}
    forward, partials = op.written(n, param)
    variadic, extra = op.arity == VARIADIC, [] if param is None else [param]
    with np.errstate(all="ignore"):
        if forward is not None:
            out = eval(forward.code.format(*names, out="out"), {}, env)
        else:
            out = vectorized(op, "forward")(*((columns,) if variadic else (*columns, *extra)))
        env["out"] = out = np.broadcast_to(np.asarray(out, dtype=float), (len(rows),))
        if partials is not None:
            ds = [eval(d.code.format(*names, out="out"), {}, env) for d in partials]
        else:
            ds = vectorized(op, "partials")(*((columns, out) if variadic else (*columns, out, *extra)))
    return out.tolist(), [np.broadcast_to(d, (len(rows),)).tolist() for d in ds]


#: Custom ops this module registers: one written with primitives (it writes itself out), one with math.* and /
#: (its forward and partials are called, through numpy.vectorize).
CUSTOM = ["softsign_np", "atan_np"]


@pytest.fixture(scope="module", autouse=True)
def custom_ops():
    register_op("softsign_np", lambda x: x * power(1.0 + abs(x), -1.0), lambda x, out: (power(1.0 + abs(x), -2.0),))
    register_op("atan_np", math.atan, lambda x, out: (1.0 / (1.0 + x * x),))
    yield
    for name in CUSTOM:
        unregister_op(name)


@pytest.mark.parametrize("name", [*sorted(OPS), *CUSTOM])
@given(data=st.data())
def test_numpy_runner_op_agrees_with_the_float_path(name, data):
    op = OPS[name]
    first, param = data.draw(op_inputs(op))
    row = st.tuples(*[st.one_of(floats_in(op.input_domain(i)), st.sampled_from(SPECIAL)) for i in range(len(first))])
    rows = [first, *data.draw(st.lists(row, max_size=7))]
    out, partials = _on_arrays(op, rows, param)
    for k, xs in enumerate(rows):
        want = op.apply_forward(xs, param)
        assert _agree(out[k], want), (name, xs, param, out[k], want)
        want_partials = op.apply_partials(xs, want, param)
        assert len(partials) == len(want_partials), name
        for i, (got, d) in enumerate(zip(partials, want_partials)):
            assert _agree(got[k], float(d)), (name, xs, param, f"partial {i}", got[k], d)


@pytest.mark.parametrize("x", [float("-inf"), -0.0, 0.0, -2.0, 4.0, float("inf"), float("nan")])
@pytest.mark.parametrize("p", [0.5, -0.5, 2.0, 3.0, -1.0, 1.5, 0.0])
def test_numpy_runner_power_is_cs_pow_at_every_special_base(x: float, p: float) -> None:
    """numpy.power takes sqrt for p = 0.5: (-inf) ** 0.5 would be nan and (-0.0) ** 0.5 -0.0, where pow gives
    inf and 0.0 (found by the op-by-op property test)."""
    from engine import fmath
    from engine.numpy_runner import power as power_on_arrays

    with np.errstate(all="ignore"):
        got = float(power_on_arrays(np.array([x, 1.0]), p)[0])
    want = fmath.power(x, p)
    assert (math.isnan(got) and math.isnan(want)) or (got == want and math.copysign(1, got) == math.copysign(1, want))
