"""Losses: each equals its textbook formula, stays finite for huge logits, has the gradient the lecture derives,
passes gradcheck, and refuses bad input with a message saying what was given."""

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engine import Value, grad, gradcheck, softmax
from nn.losses import (
    LOSSES,
    PENALTIES,
    Penalty,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l1,
    l2,
    mean,
    mse,
    objective,
    penalized,
    total,
)

TOL = {"rel_tol": 1e-9, "abs_tol": 1e-9}

moderate = st.floats(-20.0, 20.0, allow_nan=False)
logit_lists = st.lists(moderate, min_size=1, max_size=6)
unit = st.floats(0.0, 1.0, allow_nan=False)


def values(xs):
    return [Value(x) for x in xs]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def close(a, b, rel_tol=1e-9, abs_tol=1e-9):
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)


def all_close(xs, ys, **tol):
    return len(xs) == len(ys) and all(close(x, y, **tol) for x, y in zip(xs, ys))


# --- cross_entropy --------------------------------------------------------------------------------------------------


@given(data=st.data(), logits=logit_lists)
def test_cross_entropy_equals_minus_log_softmax_of_the_target(data, logits):
    t = data.draw(st.integers(0, len(logits) - 1))
    zs = values(logits)
    expected = -math.log(softmax(zs)[t].data)
    assert close(cross_entropy(zs, t).data, expected)
    m = max(logits)  # and the formula by hand, in floats
    assert close(cross_entropy(zs, t).data, m + math.log(sum(math.exp(z - m) for z in logits)) - logits[t])


@given(data=st.data(), logits=logit_lists)
def test_cross_entropy_gradient_wrt_logits_is_softmax_minus_onehot(data, logits):
    t = data.draw(st.integers(0, len(logits) - 1))
    zs = values(logits)
    p = [v.data for v in softmax(zs)]
    expected = [p_i - (1.0 if i == t else 0.0) for i, p_i in enumerate(p)]
    assert all_close(grad(cross_entropy(zs, t), zs), expected)


@pytest.mark.parametrize(
    "target, loss, gradient",
    [
        (0, 0.0, [0.0, 0.0, 0.0]),  # the right class by a margin of 1000: no loss, no push
        (1, 1000.0, [1.0, -1.0, 0.0]),
        (2, 2000.0, [1.0, 0.0, -1.0]),
    ],
)
def test_cross_entropy_is_finite_and_exact_for_logits_of_1000(target, loss, gradient):
    zs = values([1000.0, 0.0, -1000.0])
    out = cross_entropy(zs, target)
    assert math.isfinite(out.data)
    assert close(out.data, loss, rel_tol=1e-12, abs_tol=1e-12)
    assert all_close(grad(out, zs), gradient, rel_tol=1e-12, abs_tol=1e-12)


def test_cross_entropy_of_equal_logits_is_log_of_the_class_count():
    for n in (1, 2, 3, 10):
        assert close(cross_entropy(values([0.7] * n), n - 1).data, math.log(n))


# --- binary_cross_entropy -------------------------------------------------------------------------------------------


@given(z=st.floats(-15.0, 15.0, allow_nan=False), y=unit)
def test_binary_cross_entropy_equals_the_textbook_formula_for_moderate_logits(z, y):
    s = sigmoid(z)
    textbook = -(y * math.log(s) + (1.0 - y) * math.log(1.0 - s))
    # 1 - σ(15) ≈ 3e-7 loses about 9 digits when computed in floats: the textbook side is the inexact one
    assert close(binary_cross_entropy(Value(z), y).data, textbook, rel_tol=1e-7, abs_tol=1e-7)


@given(z=st.floats(-30.0, 30.0, allow_nan=False), y=unit)
def test_binary_cross_entropy_gradient_is_sigmoid_minus_target(z, y):
    x = Value(z)
    assert close(grad(binary_cross_entropy(x, y), [x])[0], sigmoid(z) - y, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize(
    "z, y, loss, gradient",
    [(1000.0, 1, 0.0, 0.0), (1000.0, 0, 1000.0, 1.0), (-1000.0, 1, 1000.0, -1.0), (-1000.0, 0, 0.0, 0.0)],
)
def test_binary_cross_entropy_is_finite_and_exact_for_logits_of_plus_minus_1000(z, y, loss, gradient):
    x = Value(z)
    out = binary_cross_entropy(x, y)
    assert math.isfinite(out.data)
    assert close(out.data, loss, rel_tol=1e-12, abs_tol=1e-12)
    assert close(grad(out, [x])[0], gradient, rel_tol=1e-12, abs_tol=1e-12)


def test_binary_cross_entropy_accepts_a_one_element_list():
    assert binary_cross_entropy([Value(0.0)], 1).data == pytest.approx(math.log(2.0), rel=1e-12)


# --- mse ------------------------------------------------------------------------------------------------------------


@given(pairs=st.lists(st.tuples(moderate, moderate), min_size=1, max_size=6))
def test_mse_value_and_gradient(pairs):
    preds = values([p for p, _ in pairs])
    targets = [t for _, t in pairs]
    n = len(pairs)
    out = mse(preds, targets)
    assert close(out.data, sum((p - t) ** 2 for p, t in pairs) / n, rel_tol=1e-12, abs_tol=1e-12)
    assert all_close(grad(out, preds), [2.0 * (p - t) / n for p, t in pairs], rel_tol=1e-12, abs_tol=1e-12)


def test_mse_of_one_value_and_a_number():
    x = Value(3.0)
    out = mse(x, 1)
    assert out.data == 4.0
    assert grad(out, [x]) == [4.0]


# --- hinge ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "score, y, loss",
    [(0.3, 1, 0.7), (0.3, -1, 1.3), (-0.5, 1, 1.5), (-0.5, -1, 0.5), (0.0, 1, 1.0), (0.0, -1.0, 1.0)],
)
def test_hinge_value_for_labels_plus_and_minus_one(score, y, loss):
    assert close(hinge(Value(score), y).data, loss, rel_tol=1e-12, abs_tol=1e-12)


@given(s=st.floats(-10.0, 10.0, allow_nan=False), y=st.sampled_from([-1, 1, -1.0, 1.0]))
def test_hinge_is_max_of_zero_and_one_minus_margin_with_gradient_minus_y_outside_the_zero_region(s, y):
    assume(abs(1.0 - y * s) > 1e-9)  # not at the kink
    x = Value(s)
    out = hinge(x, y)
    assert close(out.data, max(0.0, 1.0 - y * s), rel_tol=1e-12, abs_tol=1e-12)
    assert grad(out, [x]) == [0.0 if y * s > 1.0 else -float(y)]


@pytest.mark.parametrize("score, y", [(1.0, 1), (2.5, 1), (100.0, 1), (-1.0, -1), (-2.5, -1), (-100.0, -1)])
def test_hinge_is_zero_with_zero_gradient_once_the_margin_is_at_least_one(score, y):
    x = Value(score)
    out = hinge(x, y)
    assert out.data == 0.0
    assert grad(out, [x]) == [0.0]


# --- total, mean, l2 ------------------------------------------------------------------------------------------------


@given(xs=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=8))
def test_total_is_the_sum_and_mean_is_the_sum_over_n(xs):
    vs = values(xs)
    n = len(xs)
    assert close(total(vs).data, math.fsum(xs), rel_tol=1e-12, abs_tol=1e-6)
    assert close(mean(vs).data, math.fsum(xs) / n, rel_tol=1e-12, abs_tol=1e-6)
    assert grad(total(vs), vs) == [1.0] * n
    assert all_close(grad(mean(vs), vs), [1.0 / n] * n, rel_tol=1e-15, abs_tol=0.0)


def test_total_and_mean_of_one_value():
    x = Value(2.5)
    assert total([x]).data == mean([x]).data == 2.5


def test_losses_are_labelled_c_and_the_total_l_as_the_lecture_names_them():
    z = [Value(0.5), Value(-1.0)]
    examples = [cross_entropy(z, 1), cross_entropy(z, [Value(0.0), Value(1.0)]), binary_cross_entropy(z[0], 1.0),
                mse(z, [1.0, 0.0]), mse(z[0], 1.0), hinge(z[0], -1.0)]
    assert [c.label for c in examples] == ["C"] * 6
    assert total(examples).label == "L" and all(c.label == "C" for c in examples)


@given(
    ps=st.lists(st.floats(-100.0, 100.0, allow_nan=False), min_size=1, max_size=8),
    alpha=st.floats(0.0, 10.0, allow_nan=False),
)
def test_l2_is_alpha_times_the_sum_of_squares_with_gradient_two_alpha_p(ps, alpha):
    vs = values(ps)
    out = l2(vs, alpha)
    assert close(out.data, alpha * math.fsum(p * p for p in ps), rel_tol=1e-12, abs_tol=1e-12)
    assert all_close(grad(out, vs), [2.0 * alpha * p for p in ps], rel_tol=1e-12, abs_tol=1e-12)


def test_l2_with_alpha_zero_is_zero():
    assert l2(values([3.0, -4.0]), 0).data == 0.0


@given(
    ps=st.lists(st.floats(-100.0, 100.0, allow_nan=False).filter(bool), min_size=1, max_size=8),
    alpha=st.floats(0.0, 10.0, allow_nan=False),
)
def test_l1_is_alpha_times_the_sum_of_absolute_values_with_gradient_alpha_sign_p(ps, alpha):
    vs = values(ps)
    out = l1(vs, alpha)
    assert close(out.data, alpha * math.fsum(abs(p) for p in ps), rel_tol=1e-12, abs_tol=1e-12)
    assert grad(out, vs) == [math.copysign(alpha, p) for p in ps]


# --- Penalty --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["L1", "L2"])
def test_penalty_is_its_function_over_its_parameters_and_nothing_at_rate_zero(kind):
    ps = values([0.5, -2.0, 3.0])
    penalty = Penalty(kind, 0.25, ps[:2])
    assert (penalty.kind, penalty.rate, penalty.params) == (kind, 0.25, tuple(ps[:2]))
    assert penalty.term().data == PENALTIES[kind](ps[:2], 0.25).data == 0.25 * (2.5 if kind == "L1" else 4.25)
    loss = Value(1.0)
    total_loss = penalty.added_to(loss)
    assert total_loss.data == 1.0 + penalty.term().data and grad(total_loss, ps)[2] == 0.0
    assert Penalty(kind, 0, ps).added_to(loss) is loss, "a rate of 0 adds no node"
    assert repr(penalty) == f"Penalty('{kind}', 0.25, <2 parameters>)"
    assert penalty.first_outside(ps) is None and penalty.first_outside(ps[1:]) == 0
    with pytest.raises(AttributeError):
        penalty.rate = 1.0


def test_penalized_is_the_combined_losses_plus_the_penalty_and_objective_its_l2_form():
    per = [Value(1.0), Value(3.0)]
    params = [Value(2.0), Value(-1.0)]
    assert penalized(per, "mean", None).data == 2.0 and penalized(per, "sum", None).data == 4.0
    assert penalized(per, "mean", Penalty("L1", 0.5, params)).data == 2.0 + 0.5 * 3.0
    assert penalized(per, "sum", Penalty("L2", 0.5, params)).data == objective(per, "sum", params, 0.5).data


@pytest.mark.parametrize(
    "args, error, message",
    [
        (("L3", 0.1), ValueError, "Penalty(kind): expected one of L1, L2, got 'L3'"),
        ((2, 0.1), TypeError, "Penalty(kind): expected one of L1, L2 (a str), got 2 (int)"),
        (("L1", -0.1), ValueError, "Penalty: expected a finite rate >= 0, got -0.1"),
        (("L2", math.nan), ValueError, "Penalty: expected a finite rate >= 0, got nan"),
        (("L2", "0.1"), TypeError, "Penalty(rate): expected a real number (int or float), got '0.1' (str)"),
    ],
)
def test_penalty_bad_input_says_what_was_expected(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Penalty(*args, three())
    with pytest.raises(TypeError, match=re.escape("Penalty(params): expected Values, item 0 is 1.0 (float)")):
        Penalty("L1", 0.1, [1.0])


# --- gradcheck ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, point",
    [
        (lambda a, b, c: cross_entropy([a, b, c], 0), [0.3, -1.2, 2.0]),
        (lambda a, b, c: cross_entropy([a, b, c], 2), [5.0, 4.0, -3.0]),
        (lambda a, b: cross_entropy((a, b), 1), [1000.0, 999.0]),
        (lambda z: binary_cross_entropy(z, 1), [0.7]),
        (lambda z: binary_cross_entropy(z, 0.25), [-2.3]),
        (lambda z: binary_cross_entropy(z, 0), [40.0]),
        (lambda a, b: mse([a, b], [0.5, -1.0]), [1.5, 0.25]),
        (lambda a: mse(a, 2.0), [-0.75]),
        (lambda s: hinge(s, 1), [0.2]),
        (lambda s: hinge(s, -1), [-0.4]),
        (lambda s: hinge(s, -1), [1.7]),
        (lambda s: hinge(s, 1), [1.7]),  # in the zero region: both sides say 0
        (lambda a, b, c: total([a, b, c]), [0.1, -2.0, 3.5]),
        (lambda a, b, c: mean([a, b, c]), [0.1, -2.0, 3.5]),
        (lambda a, b, c: l2([a, b, c], 0.1), [0.1, -2.0, 3.5]),
        (lambda a, b: mean([cross_entropy([a, b], 0), cross_entropy([b, a], 0)]) + l2([a, b], 0.01), [0.4, -0.9]),
    ],
    ids=[
        "ce-0", "ce-2", "ce-large", "bce-1", "bce-soft", "bce-saturated", "mse-list", "mse-one",
        "hinge+1", "hinge-1", "hinge-1-wrong-side", "hinge-zero-region", "total", "mean", "l2", "combined",
    ],
)
def test_gradcheck_passes_on_each_loss(f, point):
    assert gradcheck(f, point) is True


@given(logits=st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=2, max_size=5), data=st.data())
def test_gradcheck_passes_on_cross_entropy_anywhere(logits, data):
    t = data.draw(st.integers(0, len(logits) - 1))
    assert gradcheck(lambda *zs: cross_entropy(list(zs), t), logits)


@given(z=st.floats(-20.0, 20.0, allow_nan=False), y=unit)
def test_gradcheck_passes_on_binary_cross_entropy_anywhere(z, y):
    assert gradcheck(lambda x: binary_cross_entropy(x, y), [z])


# --- bad input ------------------------------------------------------------------------------------------------------


def three():
    return values([0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: cross_entropy(three(), 3), ValueError, "cross_entropy: expected a target class in 0..2, got 3"),
        (lambda: cross_entropy(three(), -1), ValueError, "cross_entropy: expected a target class in 0..2, got -1"),
        (lambda: cross_entropy(three(), 1.0), TypeError, "expected an int class index, got 1.0 (float)"),
        (lambda: cross_entropy(three(), True), TypeError, "expected an int class index, got True (bool)"),
        (lambda: cross_entropy(three(), "1"), TypeError, "expected an int class index, got '1' (str)"),
        (lambda: cross_entropy([], 0), TypeError, "cross_entropy(logits): expected a Value or a non-empty list"),
        (lambda: cross_entropy([1.0, 2.0], 0), TypeError, "expected Values, item 0 is 1.0 (float)"),
        (lambda: cross_entropy([Value(1.0), 2.0], 0), TypeError, "expected Values, item 1 is 2.0 (float)"),
        (lambda: cross_entropy(1.5, 0), TypeError, "got 1.5 (float)"),
        (lambda: binary_cross_entropy(Value(0.0), 2), ValueError, "expected a target in [0, 1]"),
        (lambda: binary_cross_entropy(Value(0.0), -0.5), ValueError, "got -0.5"),
        (lambda: binary_cross_entropy(Value(0.0), math.nan), ValueError, "expected a target in [0, 1]"),
        (lambda: binary_cross_entropy(Value(0.0), True), TypeError, "got True (bool)"),
        (lambda: binary_cross_entropy(Value(0.0), "1"), TypeError, "got '1' (str)"),
        (lambda: binary_cross_entropy(0.5, 1), TypeError, "got 0.5 (float)"),
        (lambda: binary_cross_entropy(three(), 1), ValueError, "expected one output (a binary classifier), got 3"),
        (lambda: hinge(Value(0.5), 0), ValueError, "hinge: expected a label of -1 or +1, got 0"),
        (lambda: hinge(Value(0.5), 0.5), ValueError, "expected a label of -1 or +1, got 0.5"),
        (lambda: hinge(Value(0.5), True), TypeError, "got True (bool)"),
        (lambda: hinge(0.5, 1), TypeError, "got 0.5 (float)"),
        (lambda: mse(three(), [1.0, 2.0]), ValueError, "mse: expected 3 target(s), one per prediction, got 2"),
        (lambda: mse(three(), 1.0), ValueError, "expected 3 target(s), one per prediction, got 1"),
        (lambda: mse(Value(1.0), [1.0, 2.0]), ValueError, "expected 1 target(s), one per prediction, got 2"),
        (lambda: mse([], []), TypeError, "mse(pred): expected a Value or a non-empty list of Values, got []"),
        (lambda: mse([0.5], [0.5]), TypeError, "expected Values, item 0 is 0.5 (float)"),
        (lambda: mse(Value(1.0), "a"), TypeError, "mse(target): expected a real number (int or float), got 'a' (str)"),
        (lambda: mse(Value(1.0), None), TypeError, "got None (NoneType)"),
        (lambda: total([]), TypeError, "total(losses): expected a Value or a non-empty list of Values, got []"),
        (lambda: mean([]), TypeError, "mean(losses): expected a Value or a non-empty list of Values, got []"),
        (lambda: total([1.0, 2.0]), TypeError, "item 0 is 1.0 (float)"),
        (lambda: mean("ab"), TypeError, "got 'ab' (str)"),
        (lambda: l2([1.0], 0.1), TypeError, "l2(params): expected Values, item 0 is 1.0 (float)"),
        (lambda: l2([], 0.1), TypeError, "got []"),
        (lambda: l2(three(), -0.1), ValueError, "expected a finite alpha >= 0, got -0.1"),
        (lambda: l2(three(), math.nan), ValueError, "expected a finite alpha >= 0, got nan"),
        (lambda: l2(three(), math.inf), ValueError, "expected a finite alpha >= 0, got inf"),
        (lambda: l2(three(), "0.1"), TypeError, "got '0.1' (str)"),
        (lambda: l1([], 0.1), TypeError, "l1(params): expected a Value or a non-empty list of Values, got []"),
        (lambda: l1(three(), -1), ValueError, "l1: expected a finite alpha >= 0, got -1"),
    ],
)
def test_bad_input_is_refused_with_a_message_saying_what_was_given(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_losses_table_names_each_loss():
    expected = {"cross_entropy": cross_entropy, "binary_cross_entropy": binary_cross_entropy}
    expected |= {"mse": mse, "hinge": hinge}
    assert expected == LOSSES


def test_losses_objective_is_what_fit_minimizes():
    per = [Value(1.0), Value(3.0)]
    params = [Value(2.0), Value(-1.0)]
    assert objective(per, "sum", params, 0.0).data == 4.0
    assert objective(per, "mean", params, 0.0).data == 2.0
    assert objective(per, "mean", params, 0.5).data == 2.0 + 0.5 * (4.0 + 1.0)


@given(st.lists(st.floats(-50.0, 50.0), min_size=2, max_size=5), st.data())
def test_losses_cross_entropy_one_hot_equals_the_index_form_bit_for_bit(logits, data):
    k = data.draw(st.integers(0, len(logits) - 1))
    by_index = [Value(z) for z in logits]
    by_one_hot = [Value(z) for z in logits]
    one_hot = [Value(float(j == k)) for j in range(len(logits))]
    a, b = cross_entropy(by_index, k), cross_entropy(by_one_hot, one_hot)
    assert a.data == b.data
    assert grad(a, by_index) == grad(b, by_one_hot)


def test_losses_cross_entropy_one_hot_needs_one_value_per_logit():
    with pytest.raises(ValueError, match="expected 3 one-hot target Values, got 2"):
        cross_entropy([Value(0.0), Value(1.0), Value(2.0)], [Value(0.0), Value(1.0)])
