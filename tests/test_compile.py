"""engine.compile: a traced graph written out as Python on floats, bit-identical to the graph,
refusing what it cannot replay."""

import math
import random
import re
import struct
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from engine import OPS, Compiled, ShapeError, Value, grad, logsumexp, register_op, sum_values, unregister_op
from engine import compile as compile_graph
from engine.ops import BUILTIN_OPS
from engine.primitives import PRIMITIVES, power
from engine.testing import expressions, op_inputs
from nn import losses
from nn.data import make_moons


def _bits(x):
    return struct.pack("<d", x)


def _same(a, b):
    """Bit for bit (so -0.0 is not 0.0, and a nan is a nan)."""
    return (math.isnan(a) and math.isnan(b)) or _bits(a) == _bits(b)


def _graph_result(fn, numbers):
    leaves = [Value(x) for x in numbers]
    out = fn(*leaves)
    return out.data, grad(out, leaves)


@given(expressions())
def test_compile_matches_the_graph_bit_for_bit_on_random_dags(expr):
    compiled = compile_graph(expr, list(expr.inputs))
    value, grads = compiled(*expr.inputs)
    expected_value, expected_grads = _graph_result(expr, expr.inputs)
    assert _same(value, expected_value)
    assert len(grads) == len(expected_grads) and all(map(_same, grads, expected_grads))


@given(expressions(max_inputs=3), st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_compile_matches_the_graph_at_other_inputs_than_traced(expr, others):
    compiled = compile_graph(expr, list(expr.inputs))
    point = others[: len(expr.inputs)]
    value, grads = compiled(*point)
    expected_value, expected_grads = _graph_result(expr, point)
    assert _same(value, expected_value) and all(map(_same, grads, expected_grads))


@pytest.mark.parametrize("op", [OPS[name] for name in sorted(BUILTIN_OPS)], ids=str)
@given(data=st.data())
def test_op_written_out_agrees_with_forward_and_partials_bit_for_bit(op, data):
    xs, param = data.draw(op_inputs(op))
    special = data.draw(st.sampled_from([None, 0.0, -0.0, math.inf, -math.inf, math.nan]))
    if special is not None:
        xs = (special, *xs[1:])
    traced = op.written(len(xs), param)
    assert None not in traced, f"{op.name}: a built-in op's math must write itself out as code"
    names = [f"x{i}" for i in range(len(xs))]
    env = dict(PRIMITIVES, **dict(zip(names, xs)))
    out = op.apply_forward(tuple(xs), param)
    assert len(traced[1]) == len(xs), f"{op.name}: one partial per input"
    partials = op.apply_partials(tuple(xs), out, param)
    for written in ("code", "float_code"):  # calls by name (for any runner), and the float code with inlines
        assert _same(eval(getattr(traced[0], written).format(*names, out="out"), {}, env), out)
        for d, partial in zip(traced[1], partials):
            env["out"] = out
            assert _same(float(eval(getattr(d, written).format(*names, out="out"), {}, env)), float(partial))


def _mlp_step(activation, loss_name, output_size):
    model = nn.MLP(2, [5, output_size], activation=activation, seed=3)
    rng = random.Random(0)
    points = [[Value(rng.uniform(-1, 1), label="x0"), Value(rng.uniform(-1, 1), label="x1")] for _ in range(6)]
    classes = [rng.randrange(max(output_size, 2)) for _ in range(6)]
    labels = {
        "hinge": [2.0 * c - 1.0 for c in classes],
        "binary_cross_entropy": [float(c) for c in classes],
        "mse": [[float(c == k) for k in range(output_size)] for c in classes],
        "cross_entropy": classes,
    }[loss_name]
    params = model.parameters()
    loss_fn = losses.LOSSES[loss_name]

    def step(*values):
        per_example = [loss_fn(model(x), y) for x, y in zip(points, labels)]
        return losses.total(per_example) + losses.l2(params, 1e-3)

    data = [v for point in points for v in point]
    return step, params, data


@pytest.mark.parametrize(
    ("activation", "loss_name", "outputs"),
    [
        ("relu", "hinge", 1),
        ("tanh", "cross_entropy", 3),
        ("sigmoid", "mse", 2),
        ("leaky_relu", "binary_cross_entropy", 1),
    ],
)
def test_compile_matches_the_graph_bit_for_bit_on_an_mlp(activation, loss_name, outputs):
    step, params, data = _mlp_step(activation, loss_name, outputs)
    compiled = compile_graph(step, params + data, wrt=list(range(len(params))))
    loss, grads = compiled(*[p.data for p in params], *[x.data for x in data])
    out = step()
    assert _same(loss, out.data)
    assert all(map(_same, grads, grad(out, params)))
    assert len(grads) == len(params)


def test_compile_follows_new_parameter_values_like_the_graph():
    step, params, data = _mlp_step("relu", "hinge", 1)
    compiled = compile_graph(step, params + data)
    for p in params:
        p.data *= 0.5
    loss, grads = compiled(*[p.data for p in params], *[x.data for x in data])
    out = step()
    assert _same(loss, out.data) and all(map(_same, grads, grad(out, params + data)))


def test_compile_source_is_the_chain_rule_written_out():
    def neuron(w, a, b):
        return (w * a + b).tanh()

    compiled = compile_graph(neuron, [0.5, -1.0, 0.1])
    source = compiled.source
    assert " = tanh(v" in source and "(1.0 - v" in source  # the op table's math, written out
    assert source.count("\n") == len(source.splitlines()), (
        "every line ends in \\n and no name or comment brings another line break (\\r, \\x0c, \\u2028, ...): "
        "linecache holds the source split by splitlines(), which must count lines as Python's compiler does, "
        "or tracebacks show the wrong line"
    )
    forward, backward = source.split("# backward")
    assert not re.search(r"\bd_v", forward) and re.search(r"\bd_v", backward)
    value, grads = compiled(0.5, -1.0, 0.1)
    t = math.tanh(0.5 * -1.0 + 0.1)
    assert value == t and grads == [(1.0 - t * t) * -1.0, (1.0 - t * t) * 0.5, 0.0 + (1.0 - t * t)]
    assert set(compiled.names.values()) >= {"x0", "x1", "x2"}


def test_compile_names_spell_the_lectures_labels_in_ascii():
    """w₁₂² is the argument ``w12_2``, z₁² the line ``v…_z1_2``, the cross entropy's −z₁² ``v…_neg_z1_2``."""
    model = nn.MLP(2, [2, 2], activation="tanh", seed=0)
    compiled = compile_graph(lambda *p: losses.cross_entropy(model.logits([0.5, -1.0]), 0), model.parameters())
    header = compiled.source.splitlines()[0]
    assert header.startswith("def compiled(w11_1, w12_1, b1_1, w21_1, w22_1, b2_1, w11_2,")
    assert re.search(r"\bv\d+_z1_2 = total\(", compiled.source) and re.search(r"\bv\d+_neg_z1_2 = ", compiled.source)
    assert re.search(r"\bv\d+_ln_sum_j_e_zj = logsumexp\(", compiled.source)
    assert compiled.names["w12_2"] == "w\u2081\u2082\u00b2"  # and back to the label
    twins = [Value(1.0, label="w\u2081"), Value(2.0, label="w1")]  # both spell w1: neither takes the name
    assert compile_graph(lambda a, b: a * b, twins).source.splitlines()[0] == "def compiled(v0_w1, v1_w1):"


def test_compile_names_come_from_labels_and_never_carry_user_text():
    hostile = 'z"""\nimport os; os.system("echo pwned")  # ü'

    def fn(x):
        y = x * 2.0
        y.label = hostile
        return y.exp()

    compiled = compile_graph(fn, [1.0])
    assert "import os" not in compiled.source and "pwned" not in compiled.source
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", name) for name in compiled.names)
    assert hostile in compiled.names.values()  # the mapping back keeps the label itself
    assert any(re.fullmatch(r"v\d+_z_import_os_os_system_ec", name) for name in compiled.names)


def test_compile_names_inputs_by_their_labels_when_they_can_be():
    inputs = [Value(1.0, label="w1"), Value(2.0, label="float"), Value(3.0, label="v3"), Value(4.0, label="dup"),
              Value(5.0, label="lambda"), Value(6.0, label="dup")]
    compiled = compile_graph(lambda *xs: sum_values(list(xs)), inputs)
    header = compiled.source.splitlines()[0]
    args = header[len("def compiled("):-2].split(", ")
    assert args[0] == "w1" and all(re.fullmatch(r"v\d+(_\w+)?", a) for a in args[1:]), args
    assert compiled(*range(1, 7)) == (21.0, [1.0] * 6)


def test_compile_refuses_control_flow_on_a_computed_number():
    def branches(x):
        y = x * 2.0
        return y.exp() if y.data > 0 else y.tanh()

    with pytest.raises(ShapeError, match=r"reads the number of a Value .*test_compile.py:\d+"):
        compile_graph(branches, [1.0])

    def via_float(x):
        return x.exp() if float(x) > 0 else x.tanh()

    with pytest.raises(TypeError, match=r"float\(v\).*expected a number.*v\.data"):  # in a trace or not
        compile_graph(via_float, [1.0])


def test_compile_refuses_a_comparison_of_traced_numbers():
    def larger(x, y):
        return max(x * 2.0, y).exp()  # which one is selected depends on x and y: a branch

    with pytest.raises(ShapeError, match=r"compares the number of a Value it computes \(.*test_compile.py:\d+: "
                                         r"< <= > >=, and so max, min, sorted\).*\(max\(a, b\) = b \+ \(a - b\)"):
        compile_graph(larger, [1.0, 3.0])
    with pytest.raises(ShapeError, match="compares the number"):  # an input compared with a number
        compile_graph(lambda x: x.exp() if x > 0 else x.tanh(), [1.0])
    with pytest.raises(ShapeError, match="compares the number"):
        compile_graph(lambda x, y: sorted([x, y])[0] * 2.0, [1.0, 3.0])
    # constants compared with each other decide nothing about the inputs
    compiled = compile_graph(lambda x: x * max(Value(2.0), Value(3.0)), [1.0])
    assert compiled(2.0) == (6.0, [3.0])


def test_compile_leaves_the_value_class_as_it_was():
    data_slot, to_float, init = Value.__dict__["data"], Value.__float__, Value.__dict__["__init__"]
    with pytest.raises(ShapeError):
        compile_graph(lambda x: x.exp() if x.data > 0 else x, [1.0])
    with pytest.raises(ZeroDivisionError):
        compile_graph(lambda x: 1 // 0, [1.0])
    assert Value.__dict__["data"] is data_slot and Value.__float__ is to_float and Value.__dict__["__init__"] is init
    assert Value(2.0).data == 2.0


def test_compile_refuses_a_value_that_is_neither_input_nor_constant():
    w = Value(3.0, label="w")
    with pytest.raises(ShapeError, match="neither an input nor a constant \\('w'\\)"):
        compile_graph(lambda x: x * w, [1.0])
    assert compile_graph(lambda x, w: x * w, [1.0, w])(2.0, 4.0) == (8.0, [4.0, 2.0])


def test_compile_check_finds_a_graph_that_changed():
    flag = {"long": False}

    def fn(x):
        y = x.tanh()
        return y.tanh() if flag["long"] else y

    compiled = compile_graph(fn, [0.3])
    assert compiled.check(0.7) == compiled(0.7)
    flag["long"] = True
    with pytest.raises(ShapeError, match="different graph"):
        compiled.check(0.7)


def test_compile_check_retraces_a_model_that_uses_its_own_parameters():
    step, params, data = _mlp_step("relu", "hinge", 1)
    compiled = compile_graph(step, params + data, wrt=list(range(len(params))))
    numbers = [p.data * 0.5 for p in params] + [x.data for x in data]
    before = [p.data for p in params]
    assert compiled.check(*numbers) == compiled(*numbers)
    assert [p.data for p in params] == before, "check puts the parameters' numbers back"


def test_compile_check_compares_constants_bit_for_bit():
    constant = {"c": math.nan}
    compiled = compile_graph(lambda x: x * constant["c"], [1.0])
    assert math.isnan(compiled.check(2.0)[0])  # the same nan: the same graph
    constant["c"] = -0.0
    with pytest.raises(ShapeError, match="different graph"):
        compiled.check(2.0)


def test_compiled_call_checks_its_inputs():
    compiled = compile_graph(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(ShapeError, match="expected 2 inputs .*got 3"):
        compiled(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="input 1: expected a real number.*got '2' \\(str\\)"):
        compiled(1.0, "2")
    assert compiled(3, 4) == (12.0, [4.0, 3.0]) and type(compiled(3, 4)[0]) is float


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("not callable", [1.0]), TypeError, "expected a callable"),
        ((lambda x: x, 1.0), TypeError, "expected a list of numbers or Values"),
        ((lambda x: x, ["a"]), TypeError, "example input 0"),
        ((lambda x: 3.0, [1.0]), TypeError, "return a Value or a list of Values, got 3.0"),
        ((lambda x: [], [1.0]), TypeError, "return a Value or a list of Values"),
    ],
)
def test_compile_bad_arguments_are_clear_errors(args, error, match):
    with pytest.raises(error, match=match):
        compile_graph(*args)


def test_compile_refuses_a_graph_past_max_nodes_before_writing_code():
    def chain(x):
        for _ in range(10):
            x = x.tanh()
        return x

    with pytest.raises(ValueError, match="the graph has 11 nodes, more than max_nodes=10"):
        compile_graph(chain, [0.5], max_nodes=10)
    assert compile_graph(chain, [0.5], max_nodes=11).nodes == 11


def test_compile_bad_wrt_and_repeated_inputs():
    x = Value(1.0)
    with pytest.raises(ValueError, match="same Value is given twice"):
        compile_graph(lambda a, b: a * b, [x, x])
    with pytest.raises(ValueError, match="indices in 0..1, got 2"):
        compile_graph(lambda a, b: a * b, [1.0, 2.0], wrt=[2])
    with pytest.raises(TypeError, match="list of input indices"):
        compile_graph(lambda a, b: a * b, [1.0, 2.0], wrt="0")


def test_compile_several_outputs_and_unused_inputs():
    compiled = compile_graph(lambda x, y, unused: [x * y, x.exp(), y], [2.0, 3.0, 5.0], wrt=[1, 2])
    values, grads = compiled(2.0, 3.0, 5.0)
    assert values == [6.0, math.exp(2.0), 3.0] and grads == [2.0, 0.0]


def test_compile_a_node_used_thousands_of_times():
    def fn(x):
        return sum_values([x * float(i) for i in range(5000)])

    compiled = compile_graph(fn, [1.0])
    assert compiled(2.0) == _graph_result(fn, [2.0]) and compiled(2.0)[1] == [float(sum(range(5000)))]
    assert max(line.count("+") for line in compiled.source.splitlines()) <= 101


def test_compile_an_output_that_is_an_input():
    assert compile_graph(lambda x: x, [2.0])(5.0) == (5.0, [1.0])


def test_compile_custom_ops_are_written_out_like_builtins_or_called_from_the_table():
    cube = register_op("cube_c", lambda x: x * x * x, lambda x, out: (3 * x * x,), ["3·x²"])
    clip = register_op("int_one", lambda x: 1, lambda x, out: (0,), ["0"])
    atan = register_op("atan_c", math.atan, lambda x, out: (power(1.0 + x * x, -1.0),))  # math: not traceable
    try:
        compiled = compile_graph(lambda x: cube(x) + clip(x) + atan(x), [2.0])
        assert "float(x0 * x0 * x0)" in compiled.source and "3 * x0 * x0 * d_" in compiled.source
        assert "forward_atan_c(" in compiled.source and "power(1.0 + x0 * x0, -1.0) * d_" in compiled.source
        value, grads = compiled(1.5)
        assert value == 1.5**3 + 1.0 + math.atan(1.5) and type(value) is float
        assert grads == [3 * 1.5 * 1.5 + 1.0 / (1.0 + 1.5 * 1.5)]
    finally:
        for name in ("cube_c", "int_one", "atan_c"):
            unregister_op(name)


def _every_builtin_op(a, b):
    terms = {
        "add": a + b, "mul": a * b, "pow": a**3, "vpow": a**b, "leaky_relu": a.leaky_relu(0.2), "abs": abs(a),
        "sum": sum_values([a, b, a]), "logsumexp": logsumexp([a, b, b]),
    }
    for name in BUILTIN_OPS - set(terms):
        terms[name] = getattr(a, name)()
    assert {node.op for node in terms.values()} == BUILTIN_OPS
    return sum_values(list(terms.values()))


def test_compile_writes_every_builtin_op():
    compiled = compile_graph(_every_builtin_op, [0.7, 1.3])
    for point in ([0.7, 1.3], [0.2, 2.5], [-0.4, 0.5]):
        value, grads = compiled(*point)
        expected_value, expected_grads = _graph_result(_every_builtin_op, point)
        assert _same(value, expected_value) and all(map(_same, grads, expected_grads))


def test_compiled_repr_and_attributes():
    compiled = compile_graph(lambda x, y: x * y + 1.0, [1.0, 2.0])
    assert isinstance(compiled, Compiled) and compiled.nodes == 5 and compiled.n_inputs == 2
    assert "5 nodes, 2 inputs" in repr(compiled) and compiled.wrt == (0, 1)


def test_compiled_tracebacks_show_the_generated_line():
    boom = register_op("boom", lambda x: math.sqrt(x), lambda x, out: (0.5 * power(out, -1.0),), ["1/(2√x)"])
    try:
        compiled = compile_graph(lambda x: boom(x) * 2.0, [1.0])
        with pytest.raises(ValueError, match=r"op 'boom': its forward raised ValueError .* at boom\(-1.0\)") as info:
            compiled(-1.0)
        assert "float(forward_boom(x0))" in "".join(traceback.format_tb(info.tb))
    finally:
        unregister_op("boom")


def test_compile_is_engine_compile_but_a_star_import_keeps_the_builtin():
    import engine

    namespace = {}
    exec("from engine import *", namespace)
    assert engine.compile is compile_graph and "compile" not in namespace


# --- Values that fn makes from numbers: constants of the trace ---------------------------------------------


def _moons_hinge():
    X, y = make_moons(12, noise=0.1, seed=0)
    return [list(x) for x in X], [1.0 if t == 1 else -1.0 for t in y]


def _data_loss(model, X, y):
    return losses.mean([losses.hinge(model(x), t) for x, t in zip(X, y)])


def test_compile_the_natural_call_lifts_the_data_as_constants():
    X, y = _moons_hinge()
    model = nn.MLP(2, [4, 1], seed=0)
    params = model.parameters()
    compiled = compile_graph(lambda *p: _data_loss(model, X, y), params)  # model(x) makes Values of x's numbers
    assert compiled.n_inputs == len(params)
    for p in params:
        p.data *= 0.5
    value, grads = compiled(*[p.data for p in params])
    out = _data_loss(model, X, y)
    assert _same(value, out.data) and all(map(_same, grads, grad(out, params)))
    assert "x₁" in compiled.names.values(), "the data's Values keep their labels (nn's x₁, x₂) in compiled.names"


def test_compile_a_value_made_inside_fn_may_be_read_but_one_made_before_is_refused():
    def made_inside(x):
        c = Value(3.0, label="c")
        return x * c if c.data > 0 else x  # the number of a constant: the graph cannot depend on the inputs
    assert compile_graph(made_inside, [2.0])(5.0) == (15.0, [3.0])
    before = Value(3.0, label="before")
    with pytest.raises(ShapeError, match=r"neither an input nor a constant \('before'\): it was made before"):
        compile_graph(lambda x: x * before, [2.0])

    def from_a_computed_number(x):
        return x * Value(x.data)  # the input's number read in fn: refused as any read of a computed number
    with pytest.raises(ShapeError, match="reads the number of a Value"):
        compile_graph(from_a_computed_number, [2.0])


def test_compile_check_finds_data_that_changed_since_the_trace():
    X, y = _moons_hinge()
    model = nn.MLP(2, [3, 1], seed=1)
    params = model.parameters()
    compiled = compile_graph(lambda *p: _data_loss(model, X, y), params)
    numbers = [p.data for p in params]
    traced = compiled(*numbers)
    assert compiled.check(*numbers) == traced  # the same data: the same graph, constants bit for bit
    X[3][1] += 1e-9  # the data edited in place after the compile
    with pytest.raises(ShapeError, match="different graph"):
        compiled.check(*numbers)
    assert compiled(*numbers) == traced, "the compiled function itself goes on with the traced numbers"


def test_compile_another_thread_makes_values_while_one_traces():
    import threading

    made = []
    started, release = threading.Event(), threading.Event()

    def other():
        started.set()
        release.wait(5)
        made.append(Value(1.0, label="elsewhere"))

    thread = threading.Thread(target=other)
    thread.start()

    def fn(x):
        started.wait(5)
        release.set()
        thread.join(5)
        return x * made[0]  # made during the trace, but by another thread: not this trace's constant

    with pytest.raises(ShapeError, match=r"neither an input nor a constant \('elsewhere'\)"):
        compile_graph(fn, [1.0])
