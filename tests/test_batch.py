"""Compiled.batch: one example's compiled code run over a batch, by the Python loop, by numpy line by line and by the
packed program (the matrix runner), against the graph."""

import math
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Value, apply, grad, numpy_runner, register_op, unregister_op
from engine import compile as compile_graph
from engine.batch import BatchResult
from engine.fmath import total
from engine.primitives import power
from engine.testing import INPUT_DOMAIN, expressions, floats_in
from nn import MLP, losses
from nn.data import make_moons

RUNNERS = ["python", "numpy", "matrix"]


def _close(a, b, rtol=1e-12, atol=1e-15):
    """Equal to rounding: ``rtol`` relative, ``atol`` absolute near zero; nan only with nan, inf only with itself."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def _same_but_zero_sign(a, b):
    """Bit for bit, but for the sign of a zero (the per-example code sums a gradient from its first term, not 0.0)."""
    if a == 0.0 and b == 0.0:
        return True
    return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)


def _on_the_graph(fn, shared, rows, reduce="sum", params=None):
    """What batch promises, from one graph per row: the first output and the shared inputs' gradients summed over
    the rows left to right (times 1/n for the mean), and each row's outputs. ``params``: the Values fn uses as its
    shared inputs (a model's), set to ``shared``; else new ones."""
    leaves = params if params is not None else [Value(x) for x in shared]
    for leaf, x in zip(leaves, shared):
        leaf.data = x
    losses_, grads, outputs = [], [], []
    for row in rows:
        out = fn(*leaves, *[Value(x) for x in row])
        outs = out if isinstance(out, list) else [out]
        losses_.append(outs[0].data)
        grads.append(grad(outs[0], leaves))
        outputs.append([o.data for o in outs])
    loss, summed = total(losses_), [total(column) for column in zip(*grads)]
    if reduce == "mean":
        loss, summed = loss * (1.0 / len(rows)), [g * (1.0 / len(rows)) for g in summed]
    return loss, summed, outputs


def _split(expr):
    """An expression's inputs as shared ones (all but the last) and one example's (the last)."""
    return list(expr.inputs[:-1]), list(expr.inputs[-1:])


@given(expressions(max_inputs=4), st.lists(floats_in(INPUT_DOMAIN), min_size=1, max_size=6))
def test_batch_python_runner_is_the_graph_per_example_summed_left_to_right(expr, column):
    shared, example = _split(expr)
    compiled = compile_graph(expr, shared, per_example=example)
    rows = [[x] for x in column]
    loss, grads, outputs = compiled.batch(shared, rows, reduce="sum", runner="python")
    want_loss, want_grads, want_outputs = _on_the_graph(expr, shared, rows)
    assert _same_but_zero_sign(loss, want_loss)
    assert len(grads) == len(want_grads) and all(map(_same_but_zero_sign, grads, want_grads))
    assert all(map(_same_but_zero_sign, [o[0] for o in outputs], [o[0] for o in want_outputs]))


@pytest.mark.parametrize("runner", ["numpy", "matrix"])
@given(expressions(max_inputs=4), st.lists(floats_in(INPUT_DOMAIN), min_size=1, max_size=12),
       st.sampled_from(["sum", "mean"]))
def test_batch_numpy_runners_agree_with_the_graph_on_random_dags(runner, expr, column, reduce):
    # numpy's own tanh may differ from the C library's by an ulp: equal to rounding, not bit for bit
    shared, example = _split(expr)
    compiled = compile_graph(expr, shared, per_example=example)
    rows = [[x] for x in column]
    loss, grads, outputs = compiled.batch(shared, rows, reduce=reduce, runner=runner)
    want_loss, want_grads, want_outputs = _on_the_graph(expr, shared, rows, reduce)
    assert _close(loss, want_loss)
    assert all(map(_close, grads, want_grads)), (grads, want_grads)
    assert all(_close(o[0], w[0]) for o, w in zip(outputs, want_outputs))


def _network_example(activation, loss_name, n_outputs):
    """One example's loss and outputs for an MLP(3, [5, n]): the function, its shared inputs, one example and rows."""
    model = MLP(3, [5, n_outputs], activation=activation, seed=2)
    params = model.parameters()
    X, y = make_moons(23, noise=0.2, seed=4)
    targets = {
        "cross_entropy": lambda t: [float(t == k) for k in range(n_outputs)],
        "mse": lambda t: [float(t == k) for k in range(n_outputs)],
        "hinge": lambda t: [2.0 * t - 1.0],
        "binary_cross_entropy": lambda t: [float(t)],
    }[loss_name]
    rows = [[x0, x1, x0 * x1, *targets(t)] for (x0, x1), t in zip(X, y)]
    loss_fn = losses.LOSSES[loss_name]

    def example(*values):
        x, t = list(values[len(params):len(params) + 3]), list(values[len(params) + 3:])
        outputs = model.logits(x)
        return [loss_fn(outputs, t if len(t) > 1 else t[0]), *outputs]

    return example, params, rows


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize(
    ("activation", "loss_name", "outputs"),
    [("relu", "hinge", 1), ("tanh", "cross_entropy", 3), ("sigmoid", "mse", 2),
     ("leaky_relu", "binary_cross_entropy", 1), ("relu", "cross_entropy", 2), ("linear", "mse", 1)],
)
@pytest.mark.parametrize("reduce", ["mean", "sum"])
def test_batch_agrees_with_the_graph_to_1e_12_on_networks(runner, activation, loss_name, outputs, reduce):
    example, params, rows = _network_example(activation, loss_name, outputs)
    shared = [p.data for p in params]
    compiled = compile_graph(example, params, per_example=rows[0])
    result = compiled.batch(shared, rows, reduce=reduce, runner=runner)
    want_loss, want_grads, want_outputs = _on_the_graph(example, shared, rows, reduce, params)
    assert isinstance(result, BatchResult) and len(result.grads) == len(params)
    assert _close(result.loss, want_loss)
    assert all(map(_close, result.grads, want_grads))
    assert len(result.outputs) == len(rows) and all(len(o) == 1 + outputs for o in result.outputs)
    assert all(_close(a, b) for got, want in zip(result.outputs, want_outputs) for a, b in zip(got, want))


def test_batch_both_per_node_runners_give_the_same_numbers_one_source():
    example, params, rows = _network_example("relu", "cross_entropy", 3)
    compiled = compile_graph(example, params, per_example=rows[0])
    shared = [p.data for p in params]
    by_loop, by_numpy = (compiled.batch(shared, rows, runner=r) for r in ("python", "numpy"))
    assert _close(by_loop.loss, by_numpy.loss) and all(map(_close, by_loop.grads, by_numpy.grads))
    on_arrays, on_floats = numpy_runner.function_for(compiled.program), compiled.program.on_floats()
    assert on_arrays.__code__ is on_floats.__code__ and on_arrays is not on_floats, "one generated source"
    assert " relu(" in compiled.source and "step(" in compiled.source, "primitives called by name, for any runner"


def test_batch_rows_may_be_a_numpy_array_and_auto_is_matrix():
    example, params, rows = _network_example("tanh", "mse", 2)
    compiled = compile_graph(example, params, per_example=rows[0])
    shared = [p.data for p in params]
    from_lists = compiled.batch(shared, rows, runner="matrix")
    from_array = compiled.batch(shared, np.array(rows), runner="auto")
    by_loop = compiled.batch(shared, np.array(rows), runner="python")
    assert from_lists == from_array and all(type(g) is float for g in from_array.grads)
    assert type(by_loop.loss) is float and _close(by_loop.loss, from_array.loss)


def test_batch_shared_values_change_between_calls():
    example, params, rows = _network_example("relu", "hinge", 1)
    compiled = compile_graph(example, params, per_example=rows[0])
    for scale in (1.0, 0.5, -2.0):
        shared = [p.data * scale for p in params]
        for runner in RUNNERS:
            loss, grads, _ = compiled.batch(shared, rows, runner=runner)
            want_loss, want_grads, _ = _on_the_graph(example, shared, rows, "mean", params)
            assert _close(loss, want_loss) and all(map(_close, grads, want_grads))


@pytest.mark.parametrize("runner", RUNNERS)
def test_batch_gives_ieee_results_without_warnings(runner):
    def fn(s, x):
        return [(s * x).log() + (x * 1000.0).exp() - x.sqrt(), s / x, x.sigmoid(), abs(x) ** -1]

    rows = [[0.0], [-0.0], [-1.0], [1.0], [math.inf], [-math.inf], [math.nan], [1e308]]
    compiled = compile_graph(fn, [1.0], per_example=[1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        _, _, outputs = compiled.batch([1.0], rows, reduce="sum", runner=runner)
    _, _, want = _on_the_graph(fn, [1.0], rows)
    for got_row, want_row in zip(outputs, want):
        assert all(map(_same_but_zero_sign, got_row, want_row)), (got_row, want_row)


def test_batch_an_output_or_gradient_the_same_for_every_example():
    compiled = compile_graph(lambda a, b, x: [a * b + x * 0.0, a * 2.0], [2.0, 3.0], per_example=[1.0])
    for runner in RUNNERS:
        loss, grads, outputs = compiled.batch([2.0, 3.0], [[1.0], [5.0], [7.0]], reduce="sum", runner=runner)
        assert loss == 18.0 and grads == [9.0, 6.0] and [o[1] for o in outputs] == [4.0, 4.0, 4.0]
    unused = compile_graph(lambda a, b, x: a * x, [2.0, 3.0], per_example=[1.0])
    assert unused.batch([2.0, 3.0], [[1.0], [2.0]], reduce="sum", runner="numpy").grads == [3.0, 0.0]


@pytest.fixture
def custom_ops():
    register_op("cube_b", lambda x: x * x * x, lambda x, out: (3.0 * x * x,))  # written with + - *: it writes out
    register_op("atan_b", math.atan, lambda x, out: (power(1.0 + x * x, -1.0),))  # math.atan: called, vectorized
    register_op("lse_b", lambda xs: math.log(sum(math.exp(x) for x in xs)),  # variadic, called
                lambda xs, out: tuple(math.exp(x - out) for x in xs), arity=-1)
    register_op("scale_b", lambda x, p: math.copysign(x * p, x), lambda x, out, p: (p,), param="p")
    yield
    for name in ("cube_b", "atan_b", "lse_b", "scale_b"):
        unregister_op(name)


@pytest.mark.parametrize("runner", RUNNERS)
def test_batch_custom_ops_written_out_or_called(custom_ops, runner):
    def fn(s, x, y):
        written, called = apply("cube_b", s * x), apply("atan_b", x * s)
        return written + called + apply("lse_b", s, x, y) + apply("scale_b", y, param=2.5)

    compiled = compile_graph(fn, [0.7], per_example=[0.3, -0.4])
    assert "forward_atan_b(" in compiled.source and "partials_lse_b((" in compiled.source
    rows = [[0.3, -0.4], [1.5, 2.0], [-2.0, 0.25]]
    loss, grads, _ = compiled.batch([0.7], rows, reduce="sum", runner=runner)
    want_loss, want_grads, _ = _on_the_graph(fn, [0.7], rows)
    assert _close(loss, want_loss) and all(map(_close, grads, want_grads))


def test_batch_per_example_call_is_the_graph_for_one_example():
    example, params, rows = _network_example("tanh", "cross_entropy", 3)
    compiled = compile_graph(example, params, per_example=rows[0])
    shared = [p.data for p in params]
    values, grads = compiled(*shared, *rows[1])
    _, want_grads, want_outputs = _on_the_graph(example, shared, rows[1:2], params=params)
    assert all(map(_same_but_zero_sign, values, want_outputs[0])) and all(map(_same_but_zero_sign, grads, want_grads))
    assert compiled.n_shared == len(params) and compiled.n_per_example == 6
    assert compiled.wrt == tuple(range(len(params)))
    assert f"{len(params)} shared inputs, 6 per example" in repr(compiled)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda c: c.batch([1.0], [[1.0]], runner="gpu"), ValueError,
         r"batch\(runner\): expected one of auto, matrix, numpy"),
        (lambda c: c.batch([1.0], [[1.0]], reduce="max"), ValueError, r"batch\(reduce\): expected 'mean' or 'sum'"),
        (lambda c: c.batch([1.0, 2.0], [[1.0]]), ValueError, r"batch\(shared\): expected 1 numbers .* got 2"),
        (lambda c: c.batch(1.0, [[1.0]]), TypeError, r"batch\(shared\): expected a list of 1 numbers, got 1.0"),
        (lambda c: c.batch(["a"], [[1.0]]), TypeError, r"batch\(shared\[0\]\): expected a real number"),
        (lambda c: c.batch([1.0], []), ValueError, r"batch\(rows\): expected at least one row, got none"),
        (lambda c: c.batch([1.0], "ab"), TypeError, r"batch\(rows\): expected a list of rows"),
        (lambda c: c.batch([1.0], [[1.0], [1.0, 2.0]]), ValueError, r"batch\(rows\[1\]\): expected 1 numbers .* got 2"),
        (lambda c: c.batch([1.0], [1.0]), TypeError, r"batch\(rows\[0\]\): expected a list of 1 numbers, got 1.0"),
        (lambda c: c.batch([1.0], [[True]]), TypeError, r"batch\(rows\[0\]\[0\]\): expected a real number.*bool"),
        (lambda c: c.batch([1.0], [["x"]]), TypeError, r"batch\(rows\[0\]\[0\]\): expected a real number"),
        (lambda c: c.batch([1.0], np.zeros((2, 3))), ValueError, r"one row of 1 per example, got an array of shape"),
    ],
)
def test_batch_bad_arguments_are_clear_errors(call, error, match):
    compiled = compile_graph(lambda s, x: s * x, [1.0], per_example=[2.0])
    with pytest.raises(error, match=match):
        call(compiled)


def test_batch_needs_per_example_and_compile_checks_it():
    whole = compile_graph(lambda s, x: s * x, [1.0, 2.0])
    with pytest.raises(ValueError, match="batch: expected a function compiled with per_example"):
        whole.batch([1.0, 2.0], [[1.0]])
    with pytest.raises(ValueError, match=r"compile\(per_example\): expected one example's inputs"):
        compile_graph(lambda s: s, [1.0], per_example=[])
    with pytest.raises(TypeError, match=r"compile\(fn, per_example\): expected a list of numbers or Values"):
        compile_graph(lambda s, x: s * x, [1.0], per_example=2.0)
    with pytest.raises(ValueError, match=r"compile\(wrt\): expected shared input indices in 0..0, got 1"):
        compile_graph(lambda s, x: s * x, [1.0], [1], per_example=[2.0])


def test_batch_without_numpy_runs_the_python_loop():
    script = """
import sys
sys.modules["numpy"] = None  # import numpy now raises ImportError
import engine
compiled = engine.compile(lambda s, x: (s * x).tanh(), [0.5], per_example=[1.0])
result = compiled.batch([0.5], [[1.0], [2.0]])
assert "numpy" not in [m.split(".")[0] for m in sys.modules if sys.modules[m] is not None], "engine never imported it"
try:
    compiled.batch([0.5], [[1.0]], runner="numpy")
except ImportError as error:
    print("refused:", error)
print(result.loss)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: batch(runner='numpy'): numpy is not installed" in done.stdout
    assert float(done.stdout.split()[-1]) == pytest.approx((math.tanh(0.5) + math.tanh(1.0)) / 2, rel=1e-15)
