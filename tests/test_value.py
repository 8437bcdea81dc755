"""Value: construction, attributes, operators with numbers, identity semantics and bad input."""

import cmath
import math
import operator
import re
from fractions import Fraction

import pytest

from engine import Value, apply, grad, logsumexp, register_op, sum_values, unregister_op
from engine.ops import power


def test_value_converts_any_real_to_float():
    for x, expected in [(2, 2.0), (2.5, 2.5), (Fraction(1, 4), 0.25), (-0.0, -0.0)]:
        v = Value(x)
        assert type(v.data) is float and v.data == expected
    assert math.isnan(Value(math.nan).data)


@pytest.mark.parametrize("bad", ["1.0", [1.0], None, 1j, True, Value(1.0)])
def test_value_rejects_non_real_data_with_what_was_given(bad):
    with pytest.raises(TypeError, match=r"expected a real number.*got .*\((str|list|NoneType|complex|bool|Value)\)"):
        Value(bad)


def test_value_rejects_a_non_string_label():
    with pytest.raises(TypeError, match="label.*expected a str, got 3 \\(int\\)"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_value_leaf_attributes():
    x = Value(2.0, label="x")
    assert (x.data, x.grad, x.label, x.op, x.parents) == (2.0, 0.0, "x", "", ())
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"


def test_value_op_node_records_op_and_ordered_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c.op == "mul" and c.parents == (a, b) and type(c.parents) is tuple
    assert "op='mul'" in repr(c)


def test_value_parents_are_an_ordered_tuple_for_any_number_of_inputs():
    xs = [Value(float(i)) for i in range(4)]
    for n in range(1, 5):
        node = sum_values(xs[:n])
        assert node.parents == tuple(xs[:n]) and type(node.parents) is tuple
    assert xs[0].tanh().parents == (xs[0],) and (xs[1] + xs[0]).parents == (xs[1], xs[0])
    assert Value(1.0).parents == () and (2 * xs[0]).parents[0].parents == ()


def test_value_op_node_is_one_gc_object_without_a_parents_tuple():
    import gc

    a, b = Value(1.0), Value(2.0)
    c = a * b
    tuples = [r for r in gc.get_referents(c) if type(r) is tuple]
    assert not any(a in t or b in t for t in tuples), "a binary node keeps its parents in slots, not a tuple"
    assert a in gc.get_referents(c) and b in gc.get_referents(c)


def test_value_number_operands_become_constant_leaves():
    x = Value(3.0)
    y = 2 * x
    const, same = y.parents
    assert same is x and const.is_constant and const.data == 2.0 and const.op == ""
    assert not x.is_constant


def test_value_number_exponent_is_a_parameter_not_a_node():
    x = Value(3.0)
    y = x**2
    assert y.op == "pow" and y.parents == (x,) and y.arg == 2.0 and y.data == 9.0


def test_value_value_exponent_and_number_base():
    x, y = Value(2.0), Value(3.0)
    assert (x**y).op == "vpow" and (x**y).data == 8.0
    z = 2**y
    assert z.data == 8.0 and z.parents[1] is y and z.parents[0].is_constant


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda x: x + 1, 4.0),
        (lambda x: 1 + x, 4.0),
        (lambda x: x - 1, 2.0),
        (lambda x: 1 - x, -2.0),
        (lambda x: x * 2, 6.0),
        (lambda x: 2 * x, 6.0),
        (lambda x: x / 2, 1.5),
        (lambda x: 6 / x, 2.0),
        (lambda x: -x, -3.0),
        (lambda x: abs(-x), 3.0),
        (lambda x: x**2, 9.0),
        (lambda x: 2**x, 8.0),
        (lambda x: x.relu(), 3.0),
        (lambda x: (-x).leaky_relu(0.1), -0.30000000000000004),
    ],
)
def test_value_operators_with_numbers(expr, expected):
    assert expr(Value(3.0)).data == expected


def test_value_unary_methods_cover_the_design():
    x = Value(0.5)
    for name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "softplus", "log_sigmoid", "tan", "sinh", "cosh",
                 "asin", "acos", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10"):
        out = getattr(x, name)()
        assert out.op == name and out.parents == (x,)


@pytest.mark.parametrize("bad", ["a", [1], None, 1j])
def test_value_operator_with_a_non_number_is_a_clear_type_error(bad):
    x = Value(1.0)
    for fn in (lambda: x + bad, lambda: bad + x, lambda: x * bad, lambda: x - bad, lambda: x / bad, lambda: x**bad):
        with pytest.raises(TypeError, match="expected a real number|unsupported operand|can't multiply|can only"):
            fn()


def test_value_hashes_and_compares_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2 and {a: 1}[a] == 1
    assert (a == 1.0) is False  # == is identity, never the numbers: a <= b and b <= a, yet a != b
    assert a <= b and b <= a


@pytest.mark.parametrize(("x", "y"), [(1.0, 2.0), (2.0, 1.0), (1.5, 1.5), (-0.0, 0.0), (math.nan, 1.0)])
def test_value_comparisons_compare_the_numbers_as_plain_bools(x, y):
    for compare in (operator.lt, operator.le, operator.gt, operator.ge):
        expected = compare(x, y)
        for got in (compare(Value(x), Value(y)), compare(Value(x), y), compare(x, Value(y))):
            assert type(got) is bool and got == expected, (compare, x, y)
        assert compare(Value(x), Fraction(3, 2)) == compare(x, Fraction(3, 2))  # any real number


def test_value_comparison_records_nothing_and_refuses_a_non_number():
    a = Value(2.0)
    assert (a < 3) is True and a.parents == () and a.grad == 0.0
    for bad in ("a", None, True, [1]):
        with pytest.raises(TypeError, match=r"Value < operand: expected a real number .*, got"):
            a < bad


def test_value_max_min_sorted_select_values_and_the_gradient_reaches_the_one_selected():
    a, b, c = Value(0.5, label="a"), Value(-2.0, label="b"), Value(3.0, label="c")
    assert max(a, b) is a and min(a, b) is b and max(a, 1.0) == 1.0 and max([a, b, c]) is c
    assert sorted([c, a, b]) == [b, a, c]
    y = max(a * b, c.tanh()) * 2.0 + min(a, c)
    y.backward()
    assert (a.grad, b.grad, c.grad) == (1.0, 0.0, 2.0 * (1.0 - math.tanh(3.0) ** 2))
    tie, other = Value(1.0), Value(1.0)
    max(tie, other).backward()  # a tie: Python's max picks the first, which takes the whole gradient
    assert (tie.grad, other.grad) == (1.0, 0.0)


# --- a Value never becomes a plain number, or a truth value, by itself ---

#: What every refused conversion says: the Value's own ops, .data, and the primitives for custom partials.
STAY_IN_THE_GRAPH = r"v\.exp\(\).*engine\.primitives, which take floats and Values alike: exp, log, power, sigmoid"


@pytest.mark.parametrize(
    ("convert", "number"),
    [
        (float, "v.data"),
        (math.exp, "v.data"),
        (lambda v: math.pow(v, 2.0), "v.data"),
        (math.log, "v.data"),
        (math.isfinite, "v.data"),
        (lambda v: math.fsum([v, 1.0]), "v.data"),
        (lambda v: "%f" % v, "v.data"),  # noqa: UP031 - %-formatting is one more way to call float()
        (int, "int(v.data)"),
        (complex, "complex(v.data)"),
        (cmath.exp, "complex(v.data)"),
        (round, "round(v.data)"),
        (lambda v: round(v, 2), "round(v.data)"),
        (math.trunc, "math.trunc(v.data)"),
        (math.floor, "math.floor(v.data)"),
        (math.ceil, "math.ceil(v.data)"),
        (operator.index, "int(v.data)"),
        (range, "int(v.data)"),
        (lambda v: [0.0, 1.0][v], "int(v.data)"),
    ],
    ids=["float", "math.exp", "math.pow", "math.log", "math.isfinite", "math.fsum", "%f", "int", "complex",
         "cmath.exp", "round", "round-2", "math.trunc", "math.floor", "math.ceil", "operator.index", "range", "index"],
)
def test_value_conversion_to_a_number_raises_naming_what_to_write_instead(convert, number):
    v = Value(1.0, label="v")
    with pytest.raises(TypeError, match=r"expected a number, got Value\(data=1.0.*\(Value\)") as info:
        convert(v)
    message = str(info.value)
    assert f"write {number}." in message and re.search(STAY_IN_THE_GRAPH, message)
    assert "cut" in message, "the message says why: the number would cut the graph"


def test_value_conversion_through_numpy_raises():
    np = pytest.importorskip("numpy")
    v = Value(1.0)
    for convert in (np.float64, lambda v: np.array([v], dtype=float), np.int64):
        with pytest.raises(TypeError, match=STAY_IN_THE_GRAPH):
            convert(v)
    assert type(np.float64(2.0) * v) is Value, "numpy numbers still combine with a Value into a node"


def test_value_exp_stays_in_the_graph_where_math_exp_would_cut_it():
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"math\.exp\(v\) \* v would give the gradient e\^v, not \(v \+ 1\)"):
        math.exp(v) * v  # the trap: silently d/dv = e before, instead of 2e
    y = v.exp() * v
    y.backward()
    assert v.grad == pytest.approx(2.0 * math.e, rel=1e-15)  # 5.4365..., the whole derivative
    assert math.exp(v.data) == math.e  # the number, read on purpose, is a plain float


def test_value_custom_op_partials_with_math_raise_under_create_graph_naming_the_helpers():
    cube = register_op("cube_by_math_pow", lambda x: x * x * x, lambda x, out: (3.0 * math.pow(x, 2.0),), ["3·x²"])
    try:
        x = Value(2.0)
        assert grad(cube(x), [x]) == [12.0]  # first order: the partials get floats, where math.pow works
        with pytest.raises(TypeError, match=r"partials of op 'cube_by_math_pow', called on Values for "
                                            r"create_graph=True: float\(v\), math\.\*\(v\).*" + STAY_IN_THE_GRAPH):
            grad(cube(x), [x], create_graph=True)  # before: the second derivative came out as 0, silently
    finally:
        unregister_op("cube_by_math_pow")
    fixed = register_op("cube_by_power", lambda x: x * x * x, lambda x, out: (3.0 * power(x, 2.0),), ["3·x²"])
    try:
        x = Value(2.0)
        (g,) = grad(fixed(x), [x], create_graph=True)
        assert g.data == 12.0 and grad(g, [x]) == [12.0]  # d²/dx² x³ = 6x
    finally:
        unregister_op("cube_by_power")


@pytest.mark.parametrize("number", [0.0, 1.0, -1.0, math.nan])
def test_value_truth_is_refused_naming_what_to_compare(number):
    v = Value(number)
    pattern = r"expected a bool, got Value\(.*\(Value\).*compare its number, v\.data > 0.*v is None"
    for use in (bool, lambda v: not v, lambda v: v or Value(2.0), lambda v: v and 1.0, lambda v: 1 if v else 0):
        with pytest.raises(TypeError, match=pattern):
            use(v)
    assert v in [Value(number), v] and v is not None  # identity tests and membership need no truth value


def test_value_conversions_and_truth_leave_the_value_unchanged():
    v = Value(3.0, label="v")
    for convert in (float, bool, int, math.exp):
        with pytest.raises(TypeError):
            convert(v)
    assert (v.data, v.grad, v.label, v.parents) == (3.0, 0.0, "v", ())


def test_value_apply_by_name_and_its_errors():
    assert apply("tanh", 0.0).data == 0.0
    assert apply("pow", 3.0, param=2).data == 9.0
    with pytest.raises(ValueError, match="expected the name of an op .*tanh.*got 'nope'"):
        apply("nope", 1.0)
    with pytest.raises(ValueError, match="mul\\(\\): expected 2 input\\(s\\), got 1"):
        apply("mul", 1.0)
    with pytest.raises(TypeError, match="missing its number parameter 'p'"):
        apply("pow", 1.0)
    with pytest.raises(TypeError, match="takes no parameter"):
        apply("exp", 1.0, param=2.0)
    with pytest.raises(TypeError, match="expected an Op or an op name, got 3"):
        apply(3, 1.0)  # type: ignore[arg-type]


def test_sum_values_of_nothing_is_a_constant_zero():
    empty = sum_values([])
    assert empty.data == 0.0 and empty.is_constant and empty.parents == ()
    assert sum_values(iter([])).is_constant  # any empty iterable, as Python's sum
    x = Value(3.0)
    y = x * 2.0 + sum_values([])
    y.backward()
    assert y.data == 6.0 and x.grad == 2.0


def test_value_nary_functions_reject_empty_and_non_lists():
    with pytest.raises(ValueError, match="expected at least one Value, got an empty list"):
        logsumexp([])  # ln 0 = -inf: no sum of nothing to fall back on, unlike sum_values
    for fn in (sum_values, logsumexp):
        with pytest.raises(TypeError, match="expected a list of Values or numbers, got"):
            fn(Value(1.0))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="expected a Value or a real number, got 'x' \\(str\\)"):
            fn([Value(1.0), "x"])  # type: ignore[list-item]
