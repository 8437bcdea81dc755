"""gradcheck and gradgradcheck: what they accept, and the message a mismatch gives."""

import pytest

from engine import GradcheckError, Value, gradcheck, gradgradcheck, register_op, unregister_op
from engine.ops import data_of


def test_gradcheck_passes_on_a_correct_function():
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, 1.7]) is True
    assert gradgradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, 1.7]) is True


def test_gradcheck_error_is_an_assertion_naming_input_numbers_and_tolerance():
    bad = register_op("bad_square", lambda x: x * x, lambda x, out: (2.0 * x + 0.1,), ["2x (+0.1)"])
    try:
        with pytest.raises(AssertionError) as info:
            gradcheck(lambda a, b: a + bad(b), [1.0, 2.0])
        assert isinstance(info.value, GradcheckError)
        message = str(info.value)
        assert "input 1" in message and "4.1" in message and "4.0000" in message and "tolerance" in message
    finally:
        unregister_op("bad_square")


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # First derivative right on floats, but built from the bare number on Values (data_of: no parents, as
    # for relu's step), so its own derivative is lost. (float(x) would raise on a Value.)
    odd = register_op("odd_square", lambda x: x * x, lambda x, out: (2.0 * data_of(x),), ["2x"])
    try:
        assert gradcheck(odd, [1.5])
        with pytest.raises(GradcheckError, match="d²f/d input 0 d input 0 .* backward gives 0.0"):
            gradgradcheck(odd, [1.5])
    finally:
        unregister_op("odd_square")


@pytest.mark.parametrize(
    "args, error, message",
    [
        (("not callable", [1.0]), TypeError, "expected a callable, got 'not callable'"),
        ((lambda x: x, "ab"), TypeError, "expected a non-empty list of numbers, got 'ab'"),
        ((lambda x: x, []), TypeError, "expected a non-empty list of numbers, got \\[\\]"),
        ((lambda x: x, ["a"]), TypeError, "gradcheck inputs\\[0\\]: expected a real number"),
        ((lambda x: 3.0, [1.0]), TypeError, "f must return a Value, it returned 3.0 \\(float\\)"),
    ],
)
def test_gradcheck_rejects_bad_arguments(args, error, message):
    with pytest.raises(error, match=message):
        gradcheck(*args)


def test_gradcheck_rejects_bad_tolerances():
    with pytest.raises(ValueError, match="expected eps > 0, got 0.0"):
        gradcheck(lambda x: x, [1.0], eps=0.0)
    with pytest.raises(ValueError, match="expected a finite atol >= 0, got -1"):
        gradcheck(lambda x: x, [1.0], atol=-1)


def test_gradcheck_leaves_no_grad_behind():
    seen = []

    def f(x: Value) -> Value:
        seen.append(x)
        return x * x

    gradcheck(f, [2.0])
    assert all(v.grad == 0.0 for v in seen)
