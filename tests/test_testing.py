"""engine.testing: the strategies and checks a user property-tests their own op with, used as the README says."""

import inspect
import math
import subprocess
import sys

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from engine import OPS, Domain, GradcheckError, gradcheck, gradgradcheck, register_op, unregister_op
from engine.primitives import power, sqrt, step, where
from engine.testing import INPUT_DOMAIN, OpInputs, check_gradients, expressions, floats_in, op_inputs

FEW = settings(max_examples=40, database=None, deadline=None)


@pytest.fixture
def hypot():
    """hypot(a, b) = √(a² + b²), with ∂/∂b wrong for b < 0 (it drops the sign); no derivative at the origin."""
    fn = register_op(
        "hypot_c",
        lambda a, b: sqrt(a * a + b * b),
        lambda a, b, out: (a * power(out, -1.0), where(step(b), b, -b) * power(out, -1.0)),
        ["a/hypot", "|b|/hypot (wrong)"],
        arity=2,
        inputs=("a", "b"),
        excluded=lambda a, b: a * a + b * b < 0.01,
    )
    yield fn
    unregister_op("hypot_c")


def test_testing_op_inputs_take_an_op_by_name_looked_up_when_drawing():
    later = op_inputs("later_c")  # written before the op exists, as at a test module's top
    register_op("later_c", lambda x: 2.0 * x, lambda x, out: (2.0,), domain=[Domain(1.0, 2.0)])
    try:
        case = find(later, lambda c: True, settings=FEW)
        assert isinstance(case, OpInputs) and case.param is None and 1.0 <= case.xs[0] <= 2.0
    finally:
        unregister_op("later_c")
    with pytest.raises(ValueError, match=r"op_inputs: expected the name of a registered op \(.*\), got 'later_c'"):
        find(later, lambda c: True, settings=FEW)


@pytest.mark.slow  # a Hypothesis search of up to 2,000 examples
def test_testing_expressions_default_to_the_builtins_plus_the_ops_included(hypot):
    default = find(expressions(), lambda e: True, settings=FEW)
    assert all(op.name in OPS and op.name != "hypot_c" for op in default.ops)

    @FEW
    @given(expressions())
    def never_draws_a_stray_op(expr):
        assert "hypot_c" not in {op.name for op in expr.ops}

    never_draws_a_stray_op()
    # one op among the table's thirty: searched long enough to meet it for sure (find stops at the first)
    plenty = settings(max_examples=2000, database=None, deadline=None)
    assert find(expressions(include=["hypot_c"]), lambda e: "hypot_c" in {op.name for op in e.ops}, settings=plenty)
    with pytest.raises(ValueError, match="expected the name of a registered op .*, got 'nope'"):
        find(expressions(ops=["nope"]), lambda e: True, settings=FEW)


def test_testing_expressions_draw_an_op_whose_domain_lies_outside_the_inputs():
    register_op("far_c", lambda x: x * x, lambda x, out: (3.0 * x,), domain=[Domain(3.0, 10.0)])  # wrong
    try:
        assert not Domain(3.0, 10.0).contains(INPUT_DOMAIN.hi)
        expr = find(expressions(ops=["far_c", "mul"]), lambda e: "far_c" in {op.name for op in e.ops}, settings=FEW)
        with pytest.raises(GradcheckError, match="far_c"):
            check_gradients(expr, expr.inputs, order=1)
        register_op("empty_c", lambda x: x, lambda x, out: (1.0,), domain=[Domain(3.0, 2.0)])
        with pytest.raises(ValueError, match=r"expressions: op 'empty_c' cannot be drawn: .* leaves no room"):
            find(expressions(ops=["empty_c"]), lambda e: True, settings=FEW)
    finally:
        unregister_op("far_c")
        if "empty_c" in OPS:
            unregister_op("empty_c")


def test_testing_excluded_joint_inputs_are_never_drawn(hypot):
    @FEW
    @given(op_inputs("hypot_c"), expressions(ops=["hypot_c", "mul"]))
    def clear_of_the_origin(case, expr):
        a, b = case.xs
        assert a * a + b * b >= 0.01
        values = list(expr.inputs)
        for s in expr.steps:
            args = [values[i] for i in s.args]
            if s.op.name == "hypot_c":
                assert args[0] ** 2 + args[1] ** 2 >= 0.01
            values.append(s.op.apply_forward(tuple(args), s.param))

    clear_of_the_origin()


@pytest.mark.slow  # a Hypothesis search
def test_testing_a_failing_expression_prints_as_a_program_naming_its_ops_and_formulas(hypot):
    @settings(max_examples=200, database=None, deadline=None, derandomize=True)
    @given(expressions(ops=["hypot_c", "mul"]))
    def gradients_agree(expr):
        check_gradients(expr, expr.inputs, order=1)

    with pytest.raises(GradcheckError) as caught:
        gradients_agree()
    message = str(caught.value)
    assert "in the expression\n    v0 = " in message and "= hypot_c(v" in message
    assert "hypot_c: √(a·a + b·b); ∂/∂a = a/hypot, ∂/∂b = |b|/hypot (wrong)" in message
    assert "v1 = hypot_c(v0, v0)" in message and "at [-1.0]" in message  # shrunk to the smallest case of the bug
    expr = find(expressions(ops=["hypot_c"]), lambda e: True, settings=FEW)
    assert repr(expr).startswith("Expression(\n    v0 = ") and "Step(" not in repr(expr)


def test_testing_wrong_first_derivative_passes_gradgradcheck_but_not_check_gradients():
    softsign = register_op("softsign_c", lambda x: x * power(1.0 + abs(x), -1.0),
                           lambda x, out: (power(1.0 + abs(x), -1.0),))  # wrong: 1/(1+|x|)², not 1/(1+|x|)
    try:
        assert gradgradcheck(softsign, [2.0])  # the second derivative is that of the (wrong) first: consistent
        with pytest.raises(GradcheckError, match="gradcheck: d f/d input 0 at \\[2.0\\]"):
            check_gradients(softsign, [2.0], order=2)
    finally:
        unregister_op("softsign_c")


def test_testing_checks_share_one_default_tolerance():
    defaults = [
        {k: p.default for k, p in inspect.signature(fn).parameters.items() if k in ("eps", "atol", "rtol")}
        for fn in (gradcheck, gradgradcheck, check_gradients)
    ]
    assert defaults[0] == defaults[1] == defaults[2] == {"eps": 1e-6, "atol": 1e-6, "rtol": 1e-4}


def test_testing_draws_shrink_towards_positive_numbers():
    assert find(floats_in(INPUT_DOMAIN), lambda x: True, settings=FEW) > 0.0
    assert find(st.tuples(floats_in(Domain(-3.0, 3.0, avoid=(0.0,)))), lambda t: True, settings=FEW)[0] > 0.0
    assert math.isfinite(find(floats_in(Domain(-5.0, -1.0)), lambda x: True, settings=FEW))


@pytest.mark.slow  # pytest in a subprocess
def test_testing_the_readme_example_runs_as_a_test_module(tmp_path):
    import re
    import subprocess
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Test your own op"):]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    (tmp_path / "test_hypot.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr


def test_testing_hypothesis_reports_a_failing_expression_as_its_program(hypot):
    @settings(max_examples=200, database=None, deadline=None, derandomize=True, print_blob=False)
    @given(expressions(ops=["hypot_c", "mul"]))
    def gradients_agree(expr):
        check_gradients(expr, expr.inputs, order=1)

    with pytest.raises(GradcheckError) as caught:
        gradients_agree()
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "expr=Expression(\n" in notes and "= hypot_c(v" in notes and "Step(" not in notes


def test_testing_without_hypothesis_says_what_to_install():
    script = """
import sys
sys.modules["hypothesis"] = None  # import hypothesis now raises ImportError
import engine
try:
    import engine.testing
except ImportError as error:
    print(error)
else:
    print("imported")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "engine.testing needs hypothesis" in done.stdout
    assert "pip install 'glassgrad[dev]'" in done.stdout and "pip install hypothesis" in done.stdout
