"""glassgrad.expression and ``glassgrad graph``: a whitelist walk over ``ast``, never eval; clear errors; fuzzed."""

import ast
import builtins
import inspect
import math
import subprocess
import sys

import pytest
from conftest import require
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import OPS, Value, apply, logsumexp, register_op, unregister_op
from engine.ops import BUILTIN_OPS
from glassgrad import expression
from glassgrad.cli import MAX_EDGES, _check_drawable, main
from glassgrad.expression import MAX_DEPTH, MAX_LENGTH, ExpressionError, build, parse_assignments
from viz.graph import MAX_NODES
from viz.render import bundled_dot, system_dot


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0) or (math.isnan(a) and math.isnan(b))


# --- values and gradients equal the same expression built with Values ---

CASES = [
    ("tanh(x*w + b)", {"x": 0.5, "w": -1.2, "b": 0.3}, lambda v: (v["x"] * v["w"] + v["b"]).tanh()),
    ("x**2 + 2**x - x/y", {"x": 1.5, "y": -0.7}, lambda v: v["x"] ** 2 + 2 ** v["x"] - v["x"] / v["y"]),
    ("logsumexp(x, y, 1)", {"x": 0.2, "y": -1.0}, lambda v: logsumexp([v["x"], v["y"], 1])),
    ("leaky_relu(x, s=0.2)", {"x": -2.0}, lambda v: v["x"].leaky_relu(0.2)),
    ("abs(-x)", {"x": 1.25}, lambda v: abs(-v["x"])),
    ("pow(x, p=-2) * sum(x, y, 3) / sqrt(y)", {"x": 0.8, "y": 2.0},
     lambda v: v["x"] ** -2 * apply("sum", v["x"], v["y"], 3) / v["y"].sqrt()),
    ("sigmoid(x) - softplus(-y) + log_sigmoid(x*y) + relu(x - y) + exp(log(y))", {"x": 0.3, "y": 1.7},
     lambda v: v["x"].sigmoid() - (-v["y"]).softplus() + (v["x"] * v["y"]).log_sigmoid() + (v["x"] - v["y"]).relu()
     + v["y"].log().exp()),
    ("vpow(x, y) + add(x, 1) * mul(2, y)", {"x": 1.3, "y": 0.4},
     lambda v: v["x"] ** v["y"] + (v["x"] + 1) * (2 * v["y"])),
    ("-x ** 2 + +y", {"x": 3.0, "y": 1.0}, lambda v: -(v["x"] ** 2) + v["y"]),
]


@pytest.mark.parametrize(("text", "values", "direct"), CASES, ids=[c[0] for c in CASES])
def test_evaluate_gives_the_value_and_gradients_of_the_same_expression_built_with_values(text, values, direct):
    built = build(text, values)
    built.root.backward()
    leaves = {name: Value(number, label=name) for name, number in values.items()}
    expected = direct(leaves)
    expected.backward()
    assert same(built.root.data, expected.data)
    assert built.root.label == "f"
    assert list(built.leaves) == list(values)  # every variable used, in order of first use
    for name, leaf in built.leaves.items():
        assert leaf.label == name and leaf.parents == ()
        assert same(leaf.grad, leaves[name].grad), name


def test_the_same_name_is_one_leaf():
    built = build("x*x", {"x": 3.0})
    built.root.backward()
    x = built.leaves["x"]
    assert built.root.parents == (x, x)
    assert x.grad == 6.0


def test_numbers_alone_and_a_lone_variable():
    assert build("2**3", {}).root.data == 8.0
    assert build("1/0", {}).root.data == math.inf  # IEEE, as everywhere in glassgrad: never a ZeroDivisionError
    assert build("7", {}).root.label == "f"
    x = build("  x", {"x": 2.0}).root  # leading spaces are fine; a lone variable keeps its name
    assert x.data == 2.0 and x.label == "x"


def test_ops_registered_later_are_functions_too():
    register_op("cube", lambda x: x * x * x, lambda x, out: (3.0 * x * x,), ["3·x²"])
    register_op("scale", lambda x, k: k * x, lambda x, out, k: (k,), ["k"], param="k")
    try:
        built = build("cube(x) + scale(x, k=-4)", {"x": 2.0})
        built.root.backward()
        assert built.root.data == 0.0 and built.leaves["x"].grad == 12.0 - 4.0
        with pytest.raises(ExpressionError, match=r"scale\(\) needs its number parameter k"):
            build("scale(x)", {"x": 1.0})
    finally:
        unregister_op("cube")
        unregister_op("scale")
    with pytest.raises(ExpressionError, match="not a function of the op table"):
        build("cube(x)", {"x": 2.0})


def test_a_parameter_is_a_signed_number_given_by_keyword():
    assert build("pow(x, p=-2)", {"x": 2.0}).root.data == 0.25
    assert build("pow(x, p=+3)", {"x": 2.0}).root.data == 8.0
    with pytest.raises(ExpressionError, match=r"leaky_relu\(\) needs its number parameter s.*leaky_relu\(x, s=0.5\)"):
        build("leaky_relu(x)", {"x": 1.0})
    with pytest.raises(ExpressionError, match="the parameter s of leaky_relu.. must be a number at column 17"):
        build("leaky_relu(x, s=x)", {"x": 1.0})
    with pytest.raises(ExpressionError, match="the parameter p of pow.. must be a number"):
        build("pow(x, p=True)", {"x": 1.0})
    with pytest.raises(ExpressionError, match=r"leaky_relu\(\) has no keyword argument 'slope'.*parameter is s"):
        build("leaky_relu(x, slope=0.1)", {"x": 1.0})


def test_wrong_arity_says_how_to_call():
    with pytest.raises(ExpressionError, match=r"tanh\(\) takes 1 argument, got 2 at column 1; call it as tanh\(x\)"):
        build("tanh(x, x)", {"x": 1.0})
    with pytest.raises(ExpressionError, match=r"vpow\(\) takes 2 arguments, got 1"):
        build("vpow(x)", {"x": 1.0})
    with pytest.raises(ExpressionError, match=r"sum\(\) takes at least one argument, got none"):
        build("sum()", {})


# --- what is not allowed, and where ---

V = {"x": 0.5, "w": -1.2, "b": 0.3}

DISALLOWED = [
    ("x.real", r"'\.' \(attribute access\) is not allowed at column 2", 2),
    ("x*w.b", r"'\.' \(attribute access\) is not allowed at column 4", 4),
    ("x[0]", r"'\[\.\.\.\]' \(indexing\) is not allowed at column 2", 2),
    ("lambda: x", r"'lambda' .* is not allowed at column 1", 1),
    ("__import__('os')", r"calling '__import__', which is not a function of the op table, is not allowed", 1),
    ("x + 'a'", r"a string is not allowed at column 5", 5),
    ("b'a'", r"bytes is not allowed", 1),
    ("x * True", r"'True' \(a bool\) is not allowed at column 5", 5),
    ("1j * x", r"a complex number is not allowed at column 1", 1),
    ("None", r"'None' is not allowed", 1),
    ("tanh(x, y=1)", r"tanh\(\) has no keyword argument 'y' at column 9; its inputs are positional arguments", 9),
    ("x < w", r"'<' \(a comparison\) is not allowed at column 3", 3),
    ("x not in w", r"'not in' \(a comparison\) is not allowed at column 3", 3),
    ("x and w", r"'and' is not allowed at column 3", 3),
    ("f'{x}'", r"an f-string is not allowed at column 1", 1),
    ("(y := 1)", r"':=' \(assignment\) is not allowed at column 4", 4),
    ("[x, w]", r"a list '\[\.\.\.\]' is not allowed at column 1", 1),
    ("x, w", r"a tuple .* is not allowed at column 1", 1),
    ("{x}", r"a set .* is not allowed", 1),
    ("{x: w}", r"a dict .* is not allowed", 1),
    ("sum(x, *w)", r"'\*' \(unpacking\) is not allowed at column 8", 8),
    ("tanh(**x)", r"'\*\*' \(keyword unpacking\) is not allowed at column 6", 6),
    ("print(x)", r"calling 'print', which is not a function of the op table, is not allowed at column 1", 1),
    ("(x)(1)", r"'x' is a variable, not a function at column 2; to multiply, write x\*\(\.\.\.\)", 2),
    ("(x + 1)(2)", r"calling the result of an expression is not allowed at column 1", 1),
    ("(lambda: 1)()", r"'lambda' .* is not allowed at column 2", 2),
    ("x.real(1)", r"'\.' \(attribute access\) is not allowed at column 2", 2),
    ("[i for i in x]", r"a comprehension is not allowed", 1),
    ("x if w else b", r"'\.\.\. if \.\.\. else \.\.\.' \(a conditional\) is not allowed", 1),
    ("x // 2", r"'//' \(floor division\) is not allowed at column 3", 3),
    ("x % 2", r"'%' \(remainder\) is not allowed at column 3", 3),
    ("x ^ 2", r"'\^' \(bitwise xor; powers are written \*\*\) is not allowed at column 3", 3),
    ("x @ w", r"'@' \(matrix product\) is not allowed", 3),
    ("not x", r"'not' is not allowed at column 1", 1),
    ("~x", r"'~' \(bitwise not\) is not allowed at column 1", 1),
    ("x[1:2]", r"indexing", 2),
    ("...", r"'\.\.\.' is not allowed", 1),
    ("tanh", r"'tanh' is a function at column 1; call it, like tanh\(x\)", 1),
    ("éé * x.real", r"unknown name 'éé' at column 1", 1),  # columns count characters, not UTF-8 bytes
    ("éé.real", r"'\.' \(attribute access\) is not allowed at column 3", 3),
]


@pytest.mark.parametrize(("text", "message", "column"), DISALLOWED, ids=[d[0] for d in DISALLOWED])
def test_each_disallowed_construct_is_a_clear_expression_error(text, message, column):
    with pytest.raises(ExpressionError, match=message) as caught:
        build(text, V)
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error).startswith("expression: ")
    assert error.column == column and error.line == 1
    assert str(error).splitlines()[-1] == "    " + " " * (column - 1) + "^"  # a caret under the place


def test_not_allowed_lists_what_is_allowed():
    with pytest.raises(ExpressionError) as caught:
        build("x.y", V)
    first = str(caught.value).splitlines()[0]
    assert "allowed: numbers, the names x, w, b, + - * / **" in first
    for name in OPS:
        assert name in first
    assert "leaky_relu(x, s=NUMBER)" in first and "logsumexp(x1, x2, ...)" in first


def test_syntax_errors_carry_the_column_and_a_caret_line():
    with pytest.raises(ExpressionError, match="invalid syntax at column 5") as caught:
        build("x + * w", V)
    assert caught.value.column == 5
    assert str(caught.value).splitlines()[1:] == ["    x + * w", "        ^"]
    with pytest.raises(ExpressionError, match="column 4; the expression ends too early"):
        build("x +", V)
    with pytest.raises(ExpressionError, match=r"'\(' was never closed at column 5"):
        build("tanh(x", V)
    with pytest.raises(ExpressionError, match="column 3; give variables after the expression as NAME=VALUE"):
        build("x = 1", V)
    with pytest.raises(ExpressionError, match=r"invalid decimal literal at column 1; to multiply, write the '\*'"):
        build("3x", V)
    with pytest.raises(ExpressionError, match="at column 7") as caught:  # columns of the text as given
        build("   x +", V)
    assert caught.value.column == 7
    with pytest.raises(ExpressionError, match="at line 2, column 5") as caught:
        build("(x\n + y.z)", {"x": 1.0, "y": 2.0})
    assert (caught.value.line, caught.value.column) == (2, 5)


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ExpressionError, match="unknown name 'z' at column 5; the variables given are x, w, b"):
        build("x + z", V)
    with pytest.raises(ExpressionError, match="unknown name 'x' at column 1; no variables were given.*NAME=VALUE"):
        build("x", {})
    with pytest.raises(ExpressionError, match="unknown name 'os'"):
        build("os", V)


def test_too_long_too_deep_and_odd_text_are_expression_errors():
    with pytest.raises(ExpressionError, match="too long"):
        build("x+" * (MAX_LENGTH // 2) + "x", V)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        build("+".join(["x"] * (MAX_DEPTH + 5)), V)
    build("+".join(["x"] * (MAX_DEPTH - 5)), V)  # just below the limit is fine
    for deep in ("-" * 5000 + "x", "x" + "**x" * 3000, "(" * 300 + "x" + ")" * 300, "x" + ".a" * 4000, "~" * 9000):
        with pytest.raises(ExpressionError):
            build(deep, V)
    for odd, message in (("", "empty"), ("   ", "empty"), ("x\0", "null character"), ("x\ud800", "surrogate"),
                         ("9" * 5000, "too many digits"), ("9" * 400 + " * x", "too large for a float")):
        with pytest.raises(ExpressionError, match=message):
            build(odd, V)


def test_variables_are_checked():
    with pytest.raises(ExpressionError, match="not a valid name"):
        build("x", {"1x": 1.0})
    with pytest.raises(ExpressionError, match="expected a real number"):
        build("x", {"x": "1"})
    with pytest.raises(ExpressionError, match="expected a str"):
        build(3, {})


# --- nothing of the text is ever run ---


def test_no_code_of_the_text_runs(tmp_path, monkeypatch):
    sentinel = tmp_path / "pwned"
    parsed = []
    real_compile = builtins.compile

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "only ast.parse may compile the text"
        parsed.append(source)
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec must never be called")

    monkeypatch.setattr(builtins, "compile", only_ast)
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    attacks = [
        f"__import__('os').system('touch {sentinel}')",
        f"open({str(sentinel)!r}, 'w')",
        f"exec(\"open({str(sentinel)!r}, 'w')\")",
        f"[open({str(sentinel)!r}, 'w') for _ in 'a']",
        f"(lambda: open({str(sentinel)!r}, 'w'))()",
        f"x.__class__.__init__.__globals__['__builtins__']['open']({str(sentinel)!r}, 'w')",
        f"tanh(open({str(sentinel)!r}, 'w'))",
        f"x + (y := open({str(sentinel)!r}, 'w'))",
    ]
    for attack in attacks:
        with pytest.raises(ExpressionError):
            build(attack, {"x": 1.0})
        assert not sentinel.exists(), attack
    assert len(parsed) == len(attacks)


def test_the_module_never_calls_eval_exec_or_compile():
    tree = ast.parse(inspect.getsource(expression))
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__", "open"}


# --- NAME=VALUE pairs ---


def test_parse_assignments_reads_names_and_numbers():
    values = parse_assignments(["x=0.5", "w=-1.2", "b=1e-3", "big=inf", "odd=nan", " s = 2 "])
    assert list(values) == ["x", "w", "b", "big", "odd", "s"]
    assert values["x"] == 0.5 and values["w"] == -1.2 and values["big"] == math.inf and math.isnan(values["odd"])
    assert parse_assignments([]) == {}


@pytest.mark.parametrize(("pairs", "message"), [
    (["x"], r"'x': expected NAME=VALUE, like x=0.5"),
    (["=1"], r"'=1': expected a name before '='"),
    (["x="], r"'x=': expected a number after '=', like x=0.5"),
    (["x=abc"], r"'x=abc': the value of x must be a number .* got 'abc'"),
    (["x=1", "x=2"], r"'x=2': x is given twice"),
    (["tanh=1"], r"'tanh=1': 'tanh' is the name of a function \(tanh\(x\)\); pick another name"),
    (["1x=2"], r"'1x' is not a name"),
    (["a-b=2"], r"'a-b' is not a name"),
    (["lambda=2"], r"'lambda' is a Python keyword"),
    (["True=2"], r"'True' is a Python keyword"),
])
def test_parse_assignments_rejects_bad_pairs_clearly(pairs, message):
    with pytest.raises(ValueError, match=message):
        parse_assignments(pairs)


# --- the command line ---


def needs_a_renderer():
    require(system_dot() or bundled_dot(), "a dot program", "apt-get install graphviz, or pip install graphviz-pure")


def test_cli_graph_writes_the_picture_and_the_steps_and_prints_f_and_the_gradients(tmp_path, capsys):
    needs_a_renderer()
    out, steps = tmp_path / "g.svg", tmp_path / "steps.html"
    code = main(["graph", "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3", "unused=1", "--out", str(out),
                 "--steps", str(steps)])
    assert code == 0
    x, w, b = Value(0.5), Value(-1.2), Value(0.3)
    f = (x * w + b).tanh()
    f.backward()
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        f"f = {f.data:.6g}",
        f"∂f/∂x = {x.grad:.6g}",
        f"∂f/∂w = {w.grad:.6g}",
        f"∂f/∂b = {b.grad:.6g}",
        "∂f/∂unused = 0   (unused does not appear in the expression)",
    ]
    assert "<svg" in out.read_text(encoding="utf-8")
    page = steps.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "gg-player" in page


def test_cli_graph_quiz_writes_a_page_that_asks_before_it_shows(tmp_path, capsys):
    needs_a_renderer()
    steps = tmp_path / "quiz.html"
    assert main(["graph", "x*y + x", "x=2", "y=3", "--out", str(tmp_path / "g.dot"), "--steps", str(steps),
                 "--quiz"]) == 0
    page = steps.read_text(encoding="utf-8")
    assert '"quiz": true' in page and "gg-check" in page and "gg-score" in page


def test_cli_graph_writes_dot_with_the_chosen_view(tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", "x*x", "x=3", "--out", str(out), "--show", "forward"]) == 0
    assert "f = 9\n∂f/∂x = 6\n" in capsys.readouterr().out
    source = out.read_text(encoding="utf-8")
    assert "data 9" in source and "data 3" in source and "grad 6" not in source


@pytest.mark.parametrize(("argv", "message"), [
    (["graph", "x.real", "x=1"], "glassgrad graph: expression: '.' (attribute access) is not allowed at column 2"),
    (["graph", "x + z", "x=1"], "glassgrad graph: expression: unknown name 'z' at column 5; the variables given are x"),
    (["graph", "x +", "x=1"], "glassgrad graph: expression: invalid syntax at column 4"),
    (["graph", "x", "x=abc"], "glassgrad graph: 'x=abc': the value of x must be a number"),
    (["graph", "x", "x", "=", "1"], "glassgrad graph: 'x': expected NAME=VALUE"),
    (["graph", "x", "x=1", "--out", "g.txt"], "glassgrad graph: --out 'g.txt': expected a path ending in .svg"),
    (["graph", "x", "x=1", "--steps", "s.svg"], "glassgrad graph: --steps 's.svg': expected a path ending in .html"),
])
def test_cli_graph_bad_input_exits_2_with_a_message_and_no_traceback(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(message)
    assert "Traceback" not in captured.err
    assert not list(tmp_path.iterdir())  # nothing written


def test_cli_graph_of_thousands_of_edges_is_refused_before_drawing_at_once(tmp_path, capsys, monkeypatch):
    many = "sum(" + ",".join(["x"] * 4990) + ")"  # 2 nodes, 4,990 edges: minutes of rendering, once

    def never(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the graph was sent to Graphviz")

    monkeypatch.setattr("viz.diagram.render", never)
    code = main(["graph", many, "x=1", "--out", str(tmp_path / "g.svg"), "--steps", str(tmp_path / "s.html")])
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before anything, the value included
    assert captured.err == (f"glassgrad graph: expected a graph of at most {MAX_NODES:,} nodes and {MAX_EDGES:,} "
                            "edges to draw, got 2 nodes and 4,990 edges (each input of an op is an edge: sum(x, x) "
                            "has 2); draw a smaller expression\n")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("expression", "drawable"), [
    ("sum(" + ",".join(["x"] * MAX_EDGES) + ")", True),
    ("sum(" + ",".join(["x"] * (MAX_EDGES + 1)) + ")", False),
    ("sum(" + ",".join(["exp(x)"] * (MAX_NODES - 2)) + ")", True),  # x, the exps and the sum
    ("sum(" + ",".join(["exp(x)"] * (MAX_NODES - 1)) + ")", False),
])
def test_cli_graph_limits_both_nodes_and_edges(expression, drawable):
    root = build(expression, {"x": 1.0}).root
    if drawable:
        _check_drawable(root)
    else:
        with pytest.raises(ValueError, match=r"^expected a graph of at most "):
            _check_drawable(root)


@pytest.mark.slow  # a Python subprocess
def test_cli_graph_in_a_subprocess_fails_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "glassgrad", "graph", "__import__('os').getcwd()", "x=1"],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("glassgrad graph: expression: '.' (attribute access) is not allowed at column 17")
    assert "Traceback" not in done.stderr


def test_cli_graph_help_explains_the_syntax_with_an_example(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["graph", "--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert 'glassgrad graph "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3 --out g.svg' in text
    assert "leaky_relu(x, s=0.1)" in text and "never run by Python" in text


# --- fuzzing: any text gives a Value or an ExpressionError, never anything else ---

EXPRESSION_CHARACTERS = "xwb0123456789.+-*/()**, abcdefghijklmnopqrstuvwxyz_=[]{}'\"<>%@~:;!&|^\\\n\t"
TOKENS = ["x", "w", "b", "y", "1", "2.5", "1e3", "0", "+", "-", "*", "/", "**", "(", ")", ",", " ", "=", "s=", "p=",
          ".", "[", "]", "tanh(", "logsumexp(", "leaky_relu(", "pow(", "sum(", "vpow(", "exp(", "log(", "'", "lambda",
          "not ", "if", "else", ":", "__import__", "print(", "True", "1j", "@", "//", "f'{", "}", "*x", "**x"]


def check_value_or_expression_error(text: str) -> None:
    try:
        result = build(text, V).root
    except ExpressionError as error:
        assert str(error).startswith("expression: ")
    else:
        assert isinstance(result, Value)


@pytest.mark.slow  # a long Hypothesis search (300 examples)
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_any_text_gives_a_value_or_an_expression_error(text):
    check_value_or_expression_error(text)


expression_like_text = st.one_of(
    st.text(alphabet=EXPRESSION_CHARACTERS, max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
)


@pytest.mark.slow  # a long Hypothesis search (300 examples)
@settings(max_examples=300, deadline=None)
@given(expression_like_text)
def test_fuzz_expression_like_text_gives_a_value_or_an_expression_error(text):
    check_value_or_expression_error(text)


# --- fuzzing: random valid expressions equal the same expression built with Values ---

BUILTINS = [OPS[name] for name in sorted(BUILTIN_OPS)]


def _lift(a, b):
    """As build does: an operator between two numbers lifts the left one into a Value."""
    return Value(a) if not isinstance(a, Value) and not isinstance(b, Value) else a


BINARY = {
    "+": lambda a, b: _lift(a, b) + b,
    "-": lambda a, b: _lift(a, b) - b,
    "*": lambda a, b: _lift(a, b) * b,
    "/": lambda a, b: _lift(a, b) / b,
    "**": lambda a, b: _lift(a, b) ** b,
}

numbers = st.one_of(st.integers(-5, 5), st.floats(-4.0, 4.0, allow_nan=False).map(lambda v: round(v, 3)))
leaves = st.one_of(
    st.sampled_from(["x", "y"]).map(lambda name: (name, lambda env, name=name: env[name])),
    numbers.map(lambda n: (f"({n!r})", lambda env, n=n: float(n))),
)


@st.composite
def calls(draw, children):
    op = draw(st.sampled_from(BUILTINS))
    count = draw(st.integers(1, 3)) if op.arity == -1 else op.arity
    args = [draw(children) for _ in range(count)]
    texts = [text for text, _ in args]
    param = None
    if op.param is not None:
        param = draw(numbers)
        texts.append(f"{op.param}={param!r}")
    fns = [fn for _, fn in args]
    return (f"{op.name}({', '.join(texts)})",
            lambda env: apply(op.name, *[fn(env) for fn in fns], param=None if param is None else float(param)))


def extend(children):
    binary = st.tuples(children, st.sampled_from(list(BINARY)), children).map(
        lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", lambda env, t=t: BINARY[t[1]](t[0][1](env), t[2][1](env))))
    negative = children.map(lambda c: (f"(-{c[0]})", lambda env, c=c: -c[1](env)))
    return st.one_of(binary, negative, calls(children))


valid_expressions = st.recursive(leaves, extend, max_leaves=12)


@pytest.mark.slow  # a long Hypothesis search (200 examples)
@settings(max_examples=200, deadline=None)
@given(valid_expressions, st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
def test_fuzz_valid_expressions_equal_the_same_expression_built_with_values(expr, x, y):
    text, direct = expr
    built = build(text, {"x": x, "y": y})
    built.root.backward()
    env = {"x": Value(x, label="x"), "y": Value(y, label="y")}
    expected = direct(env)
    expected = expected if isinstance(expected, Value) else Value(expected)
    expected.backward()
    assert same(built.root.data, expected.data), text
    for name, leaf in env.items():
        got = built.leaves[name].grad if name in built.leaves else 0.0
        assert same(got, leaf.grad), (text, name)
