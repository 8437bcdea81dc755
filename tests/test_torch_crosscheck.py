"""Cross-check against PyTorch float64: every op of the table (value, first and second derivatives)
and random expression DAGs from engine.testing (value and gradients). Skipped where torch is absent."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import ORACLES, call

torch = pytest.importorskip("torch", reason="PyTorch is not installed: pip install 'glassgrad[torch]' (torch==2.13.0)")

from engine import Value, apply, grad  # noqa: E402
from engine.ops import BUILTIN_OPS, OPS  # noqa: E402
from engine.testing import expressions, op_inputs  # noqa: E402

BUILTINS = [OPS[name] for name in sorted(BUILTIN_OPS)]


def apply_torch(op, args, param):
    return call(ORACLES[op.name].torch, args, param)


def leaves(xs):
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]


def as_float(t):
    return 0.0 if t is None else float(t.detach())


def assert_close(got, expected, rel, abs_, what):
    assert math.isclose(got, expected, rel_tol=rel, abs_tol=abs_), (
        f"{what}: glassgrad {got!r} != torch {expected!r} (diff {got - expected:.3g})"
    )


def test_torch_mapping_covers_every_builtin_op():
    assert set(ORACLES) == set(BUILTIN_OPS)


@pytest.mark.parametrize("name", sorted(BUILTIN_OPS))
@given(data=st.data())
def test_op_value_and_first_derivatives_match_torch(name, data):
    op = OPS[name]
    xs, param = data.draw(op_inputs(op), label="(xs, param)")
    ts = leaves(xs)
    expected = call(ORACLES[name].torch, ts, param)
    expected_grads = [as_float(g) for g in torch.autograd.grad(expected, ts, allow_unused=True)]

    vs = [Value(x) for x in xs]
    root = apply(op, *vs, param=param)
    assert_close(root.data, float(expected.detach()), 1e-12, 1e-15, f"{name}{xs} p={param} value")
    for i, (got, want) in enumerate(zip(grad(root, vs), expected_grads)):
        assert_close(got, want, 1e-12, 1e-14, f"{name}{xs} p={param} d/dx{i}")


def torch_hessian(name, xs, param):
    ts = leaves(xs)
    out = call(ORACLES[name].torch, ts, param)
    firsts = torch.autograd.grad(out, ts, create_graph=True, allow_unused=True)
    rows = []
    for g in firsts:
        if g is None or not g.requires_grad:  # a constant first derivative (add, sum, relu, ...)
            rows.append([0.0] * len(xs))
        else:
            rows.append([as_float(h) for h in torch.autograd.grad(g, ts, retain_graph=True, allow_unused=True)])
    if name == "vpow" and xs[1] == 0.0:
        # torch masks ∂(a^b)/∂a = b·a^(b-1) to 0 with a `where(b == 0, 0, ...)`, which also cuts
        # its derivative in b: torch gives ∂²/∂b∂a = 0 at b == 0 instead of a^(b-1)·(1 + b·ln a) = 1/a
        # (see test_vpow_mixed_second_derivative_at_zero_exponent). Use its other mixed partial.
        rows[0][1] = rows[1][0]
    return rows


@pytest.mark.parametrize("name", sorted(BUILTIN_OPS))
@settings(max_examples=60)
@given(data=st.data())
def test_op_second_derivatives_match_torch(name, data):
    op = OPS[name]
    xs, param = data.draw(op_inputs(op), label="(xs, param)")
    expected = torch_hessian(name, xs, param)
    vs = [Value(x) for x in xs]
    root = apply(op, *vs, param=param)
    firsts = grad(root, vs, create_graph=True)
    for i, g in enumerate(firsts):
        for j, (got, want) in enumerate(zip(grad(g, vs), expected[i])):
            assert_close(got, want, 1e-10, 1e-12, f"{name}{xs} p={param} d2/dx{i}dx{j}")


@given(expressions(BUILTINS))
def test_dag_value_and_gradients_match_torch(expr):
    ts = leaves(expr.inputs)
    expected = expr.evaluate(ts, apply_torch)
    expected_grads = [as_float(g) for g in torch.autograd.grad(expected, ts, allow_unused=True)]

    vs = [Value(x) for x in expr.inputs]
    root = expr(*vs)
    assert_close(root.data, float(expected.detach()), 1e-9, 1e-12, f"{expr}\nvalue")
    for i, (got, want) in enumerate(zip(grad(root, vs), expected_grads)):
        assert_close(got, want, 1e-9, 1e-12, f"{expr}\nd/dx{i}")


@given(st.floats(0.1, 4.0))
def test_vpow_mixed_second_derivative_at_zero_exponent(a):
    # Where glassgrad and torch legitimately disagree: ∂/∂b (∂(a^b)/∂a) at b == 0 is 1/a, and glassgrad
    # gives it; torch 2.13's masked pow backward gives 0 there (its Hessian is then not symmetric).
    va, vb = Value(a), Value(0.0)
    da, db = grad(apply(OPS["vpow"], va, vb), [va, vb], create_graph=True)
    assert_close(grad(da, [vb])[0], 1.0 / a, 1e-12, 1e-15, f"vpow({a}, 0.0) d2/db da")
    assert_close(grad(db, [va])[0], 1.0 / a, 1e-12, 1e-15, f"vpow({a}, 0.0) d2/da db")
    ta, tb = leaves([a, 0.0])
    _, gb = torch.autograd.grad(ta**tb, [ta, tb], create_graph=True)
    assert_close(as_float(torch.autograd.grad(gb, [ta])[0]), 1.0 / a, 1e-12, 1e-15, "torch d2/da db")


@given(st.lists(st.sampled_from([-1.5, 0.0, 0.25, 2.0]), min_size=1, max_size=5), st.booleans())
def test_max_and_min_select_as_torch_max_along_a_dim(xs, largest):
    # max(values) selects one Value, the first of equal ones; torch.max(t, dim=0) selects the first index of the
    # largest as well, and its gradient reaches that element alone (ties included: the list is drawn with repeats)
    vs = [Value(x) for x in xs]
    selected = max(vs) if largest else min(vs)
    (selected * 3.0).backward()
    ts = leaves(xs)
    stacked = torch.stack(ts)
    value, index = torch.max(stacked, 0) if largest else torch.min(stacked, 0)
    (value * 3.0).backward()
    assert selected is vs[int(index)] and selected.data == float(value.detach())
    assert [v.grad for v in vs] == [as_float(t.grad) for t in ts]
