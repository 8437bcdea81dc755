"""Expressions typed on the command line, such as ``tanh(x*w + b)``, turned into a graph of Values.

The text is parsed with ``ast.parse`` and the tree is walked here, node by node, against a whitelist:

- numbers (``2``, ``0.5``, ``1e-3``; not bools, strings or complex numbers);
- the variables given as ``NAME=VALUE``: each name is one leaf ``Value(value, label=name)``, the same
  leaf wherever the name appears (so ``x*x`` has one input and ``∂/∂x = 2x``);
- ``+ - * / **``, unary ``-`` and ``+``, and parentheses;
- calls of the ops of the table ``engine.OPS`` by name, read when the expression is evaluated (so ops added
  with ``engine.register_op`` work too), with their inputs as positional arguments: ``tanh(x)``,
  ``vpow(x, y)``, ``sum(x, y, 1)`` and ``logsumexp(x, y, 1)`` (any number of inputs). An op with a number
  parameter takes it as a keyword argument named after the parameter, and only so: ``leaky_relu(x, s=0.1)``,
  ``pow(x, p=3)``; its value is a number, optionally signed.

Anything else (attributes, indexing, lambdas, comprehensions, comparisons, strings, other calls ...) is an
``ExpressionError`` that says what is not allowed and where. Nothing of the text is ever run by Python:
no ``eval``, ``exec`` or ``compile``; the numbers are computed by the engine's Values, which never raise
(``1/0`` is ``inf``, as everywhere in glassgrad). An operator between two numbers lifts the left one into
a constant node, so ``2**3`` is a ``pow`` node of the constant 2.
"""

from __future__ import annotations

import ast
import keyword
import operator
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from engine import OPS, VARIADIC, Op, Value, apply
from engine.value import constant, to_float

#: Longest expression text accepted, in characters.
MAX_LENGTH = 10_000

#: Deepest nesting of sub-expressions accepted (``-(-(-x))`` is 4 deep).
MAX_DEPTH = 200

_TOO_DEEP = (f"nested too deeply (more than {MAX_DEPTH} levels); simplify it (a long chain of + can be "
             "written sum(a, b, c, ...))")

#: An example expression for help texts and messages.
EXAMPLE = "tanh(x*w + b)"

_NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's line ends (a form feed is whitespace, not a line end)
_LEADING = " \t\f\r\n"  # whitespace the parser would reject as an indent when it starts the text

_BINARY: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
}
_OTHER_BINARY: dict[type[ast.operator], tuple[str, str]] = {
    ast.FloorDiv: ("//", "'//' (floor division)"),
    ast.Mod: ("%", "'%' (remainder)"),
    ast.MatMult: ("@", "'@' (matrix product)"),
    ast.LShift: ("<<", "'<<' (shift)"),
    ast.RShift: (">>", "'>>' (shift)"),
    ast.BitOr: ("|", "'|' (bitwise or)"),
    ast.BitXor: ("^", "'^' (bitwise xor; powers are written **)"),
    ast.BitAnd: ("&", "'&' (bitwise and)"),
}
_OTHER_UNARY: dict[type[ast.unaryop], str] = {ast.Not: "'not'", ast.Invert: "'~' (bitwise not)"}
_COMPARISONS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: "'.' (attribute access)",
    ast.Subscript: "'[...]' (indexing)",
    ast.Lambda: "'lambda' (a function definition)",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.IfExp: "'... if ... else ...' (a conditional)",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.NamedExpr: "':=' (assignment)",
    ast.List: "a list '[...]'",
    ast.Tuple: "a tuple (commas outside the arguments of a function)",
    ast.Set: "a set '{...}'",
    ast.Dict: "a dict '{...}'",
    ast.Starred: "'*' (unpacking)",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield from'",
    ast.Slice: "a slice",
}


class ExpressionError(ValueError):
    """An expression that cannot be evaluated: a syntax error, an unknown name, a construct not allowed.

    ``line`` and ``column`` (1-based, in characters of the text as given) say where, when known.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class Built:
    """An evaluated expression: its ``root`` Value and the variable ``leaves`` it uses, by name, in order of use."""

    root: Value
    leaves: dict[str, Value] = field(default_factory=dict)


def signature(op: Op) -> str:
    """How an op is called in an expression: ``tanh(x)``, ``vpow(a, b)``, ``sum(x1, x2, ...)``, ``pow(x, p=NUMBER)``."""
    if op.arity == VARIADIC:
        args = ["x1", "x2", "..."]
    elif len(op.inputs) == op.arity:
        args = list(op.inputs)
    else:
        args = [f"x{i}" for i in range(1, op.arity + 1)]
    if op.param is not None:
        args.append(f"{op.param}=NUMBER")
    return f"{op.name}({', '.join(args)})"


def syntax_help(ops: Mapping[str, Op] | None = None) -> str:
    """What an expression may contain, for help texts."""
    table = OPS if ops is None else ops
    functions = ", ".join(signature(op) for _, op in sorted(table.items()))
    return (
        "An expression may contain numbers, the variables given as NAME=VALUE, + - * / ** (and unary -), "
        f"parentheses and the functions of the op table: {functions}. A function's number parameter is a keyword "
        "argument: leaky_relu(x, s=0.1), pow(x, p=3) (the same as x**3). The expression is parsed, never run by Python."
    )


def parse_assignments(args: Iterable[str]) -> dict[str, float]:
    """``["x=0.5", "w=-1.2"]`` as ``{"x": 0.5, "w": -1.2}``; a ValueError saying what is wrong with a bad pair.

    Names are Python identifiers that are neither keywords nor op names; values are anything ``float()``
    reads (``-2``, ``1e-3``, ``inf``, ``nan``).
    """
    values: dict[str, float] = {}
    for arg in args:
        text, sep, number = arg.partition("=")
        name, number = unicodedata.normalize("NFKC", text.strip()), number.strip()
        if not sep:
            raise ValueError(f"{arg!r}: expected NAME=VALUE, like x=0.5 (with no spaces around '=')")
        if not name:
            raise ValueError(f"{arg!r}: expected a name before '=', like x=0.5")
        if not name.isidentifier():
            raise ValueError(
                f"{arg!r}: {text.strip()!r} is not a name; a name has letters, digits and _ and does not start with "
                "a digit, like x, w1 or bias"
            )
        if keyword.iskeyword(name):
            raise ValueError(f"{arg!r}: {name!r} is a Python keyword and cannot name a variable")
        if name in OPS:
            raise ValueError(f"{arg!r}: {name!r} is the name of a function ({signature(OPS[name])}); "
                             "pick another name for the variable")
        if name in values:
            raise ValueError(f"{arg!r}: {name} is given twice")
        if not number:
            raise ValueError(f"{arg!r}: expected a number after '=', like {name}=0.5")
        try:
            values[name] = float(number)
        except ValueError:
            raise ValueError(
                f"{arg!r}: the value of {name} must be a number (like 0.5, -2, 1e-3, inf or nan), got {number!r}"
            ) from None
    return values


def build(text: str, variables: Mapping[str, float], leaves: Mapping[str, Value] | None = None) -> Built:
    """The graph of the expression ``text`` with ``variables`` as its leaves; an ExpressionError if it is not one.

    Returns its root Value, labelled ``f`` (unless the whole expression is one variable, which keeps its name),
    and the variable leaves it uses (their grads after backward). ``leaves`` (optional) are the Values to use
    for variables, by name (``engine.compile`` traces with them).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expression: expected a str, got {type(text).__name__}")
    builder = _Builder(text, _check_variables(variables))
    builder.given = dict(leaves or {})
    return builder.run()


def _check_variables(variables: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(variables, Mapping):
        raise ExpressionError(f"expression: expected the variables as a dict of name -> number, got "
                              f"{type(variables).__name__}")
    checked: dict[str, float] = {}
    for name, number in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(f"expression: the variable name {name!r} is not a valid name")
        try:
            checked[unicodedata.normalize("NFKC", name)] = to_float(number, f"the variable {name}")
        except TypeError as error:
            raise ExpressionError(f"expression: {error}") from None
    return checked


def _caret(line: str, column: int) -> str:
    """Two lines: the text (a window of it when it is long) and a caret under ``column`` (1-based)."""
    column = max(1, min(column, len(line) + 1))
    width = 76
    start = 0 if len(line) <= width else max(0, min(column - 1 - width // 2, len(line) - width))
    shown = "".join(c if c.isprintable() else " " for c in line[start:start + width])
    before = "…" if start > 0 else ""
    after = "…" if start + width < len(line) else ""
    return f"    {before}{shown}{after}\n    {' ' * (len(before) + column - 1 - start)}^"


class _Builder:
    """One evaluation: the text, its lines (for positions), the variables, the leaves made so far, the ops."""

    def __init__(self, text: str, variables: dict[str, float]) -> None:
        self.text = text
        self.lines = _NEWLINE.split(text)
        self.body = text.lstrip(_LEADING)  # what is parsed; positions in it are shifted back to the text
        prefix_lines = _NEWLINE.split(text[: len(text) - len(self.body)])
        self.line_shift = len(prefix_lines) - 1
        self.column_shift = len(prefix_lines[-1])
        self.body_lines = _NEWLINE.split(self.body)
        self.variables = variables
        self.leaves: dict[str, Value] = {}
        self.given: dict[str, Value] = {}  # Values to use as leaves instead of new ones, by name
        self.ops = dict(OPS)  # the whitelist of functions: the op table as it is now

    # --- positions and messages ---

    def _where(self, line: int, column: int) -> tuple[int, int, str]:
        """``(line, column, text)`` in the text as given, from a 1-based position in the parsed body."""
        if line == 1:
            column += self.column_shift
        line += self.line_shift
        place = f"line {line}, column {column}" if len(self.lines) > 1 else f"column {column}"
        excerpt = _caret(self.lines[line - 1], column) if 1 <= line <= len(self.lines) else ""
        return line, column, f"{place}\n{excerpt}" if excerpt else place

    def _char_column(self, line: int, byte_offset: int) -> int:
        """The 1-based character column of ast's UTF-8 byte offset on a (1-based) line of the body."""
        if not 1 <= line <= len(self.body_lines):
            return byte_offset + 1
        return len(self.body_lines[line - 1].encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def _position(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
        return line, self._char_column(line, getattr(node, "col_offset", 0))

    def _token(self, after: ast.AST, token: str, before: ast.AST | None, fallback: ast.AST) -> tuple[int, int]:
        """Where ``token`` is, searched from the end of ``after`` (up to the start of ``before`` on that line)."""
        line, start = getattr(after, "end_lineno", None), getattr(after, "end_col_offset", None)
        if line is None or start is None or not 1 <= line <= len(self.body_lines):
            return self._position(fallback)
        text = self.body_lines[line - 1].encode("utf-8")
        end = len(text)
        if before is not None and getattr(before, "lineno", None) == line:
            end = getattr(before, "col_offset", end)
        found = text.find(token.encode("utf-8"), start, end)
        return (line, self._char_column(line, found)) if found >= 0 else self._position(fallback)

    def fail(self, message: str, at: tuple[int, int] | None, tail: str = "") -> NoReturn:
        """Raise an ExpressionError: ``message`` at the body position ``at`` (if known), then ``tail``."""
        tail = f"; {tail}" if tail else ""
        if at is None:
            raise ExpressionError(f"expression: {message}{tail}")
        line, column, place = self._where(*at)
        first, _, excerpt = place.partition("\n")
        raise ExpressionError(f"expression: {message} at {first}{tail}" + (f"\n{excerpt}" if excerpt else ""),
                              line, column)

    def not_allowed(self, what: str, at: tuple[int, int]) -> NoReturn:
        self.fail(f"{what} is not allowed", at, tail=self.allowed())

    def allowed(self) -> str:
        names = ", ".join(self.variables)
        functions = ", ".join(signature(op) for _, op in sorted(self.ops.items()))
        named = f"the names {names}, " if names else ""
        return f"allowed: numbers, {named}+ - * / ** and parentheses, and the functions {functions}"

    def known_names(self) -> str:
        if not self.variables:
            return "no variables were given; give them after the expression as NAME=VALUE, like x=0.5"
        return f"the variables given are {', '.join(self.variables)} (give more as NAME=VALUE, like x=0.5)"

    # --- parsing ---

    def run(self) -> Built:
        if len(self.text) > MAX_LENGTH:
            self.fail(f"too long ({len(self.text):,} characters; at most {MAX_LENGTH:,})", None)
        if not self.body.strip():
            self.fail(f"empty; write one like {EXAMPLE}", None)
        for i, line in enumerate(self.body_lines, start=1):
            try:
                line.encode("utf-8")
            except UnicodeEncodeError as error:
                self.fail("a character that is not valid text (a lone surrogate)", (i, error.start + 1))
            if "\0" in line:
                self.fail("a null character is not allowed", (i, line.index("\0") + 1))
        tree = self.parse()
        depth = _depth(tree)
        if depth > MAX_DEPTH:
            self.fail(_TOO_DEEP, None)
        result = self.value(tree.body)
        root = result if isinstance(result, Value) else constant(result)
        if not root.label:  # a lone variable keeps its name
            root.label = "f"
        return Built(root, self.leaves)

    def parse(self) -> ast.Expression:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. invalid escapes in strings, which are rejected anyway
                return ast.parse(self.body + "\n", mode="eval")  # the newline: a column for an early end
        except SyntaxError as error:
            message = error.msg or "invalid syntax"
            if "integer string conversion" in message:
                message = "a number with too many digits"
            elif message.startswith("too many nested parentheses"):
                message = "too many nested parentheses"
            number_then_name = message == "invalid decimal literal"
            line, offset = error.lineno, error.offset
            at = (line, offset) if line is not None and offset is not None and offset > 0 else None
            if at is None and line is not None:
                at = (line, 1)
            tail = "to multiply, write the '*', like 3*x" if number_then_name else ""
            if at is not None and 1 <= at[0] <= len(self.body_lines):
                text = self.body_lines[at[0] - 1]
                if at[1] > len(text.rstrip()) and at[0] == len(self.body_lines):
                    tail = "the expression ends too early"
                elif text[at[1] - 1:at[1]] == "=" and text[at[1] - 1:at[1] + 1] != "==":
                    tail = "give variables after the expression as NAME=VALUE, like x=0.5"
            self.fail(message, at, tail=tail)
        except (MemoryError, RecursionError):
            self.fail(_TOO_DEEP, None)
        except ValueError as error:  # the parser's other complaints about the text itself
            self.fail(str(error), None)

    # --- the whitelist walk ---

    def value(self, node: ast.expr) -> Value | float:
        """The Value (or, for a number, the float) of a whitelisted node; ExpressionError for anything else."""
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.variable(node)
        if isinstance(node, ast.BinOp):
            symbol = _BINARY.get(type(node.op))
            if symbol is None:
                token, what = _OTHER_BINARY.get(type(node.op), ("", f"the operator {type(node.op).__name__}"))
                self.not_allowed(what, self._token(node.left, token, node.right, node) if token else
                                 self._position(node))
            return _binary(symbol, self.value(node.left), self.value(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.value(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.value(node.operand)
            self.not_allowed(_OTHER_UNARY.get(type(node.op), type(node.op).__name__), self._position(node))
        if isinstance(node, ast.Call):
            return self.call(node)
        self.reject(node)

    def reject(self, node: ast.AST) -> NoReturn:
        """The ExpressionError for a construct outside the whitelist, pointing at its telling token."""
        if isinstance(node, ast.Compare):
            symbol = _COMPARISONS.get(type(node.ops[0]), "?")
            at = self._token(node.left, symbol.split()[0], node.comparators[0], node)
            self.not_allowed(f"'{symbol}' (a comparison)", at)
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            self.not_allowed(f"'{word}'", self._token(node.values[0], word, node.values[1], node))
        if isinstance(node, ast.Attribute):
            self.not_allowed(_CONSTRUCTS[ast.Attribute], self._token(node.value, ".", None, node))
        if isinstance(node, ast.Subscript):
            self.not_allowed(_CONSTRUCTS[ast.Subscript], self._token(node.value, "[", node.slice, node))
        if isinstance(node, ast.NamedExpr):
            self.not_allowed(_CONSTRUCTS[ast.NamedExpr], self._token(node.target, ":=", node.value, node))
        self.not_allowed(_CONSTRUCTS.get(type(node), f"'{type(node).__name__}'"), self._position(node))

    def number(self, node: ast.Constant) -> float:
        value = node.value
        if type(value) is int or type(value) is float:
            try:
                return float(value)
            except OverflowError:
                self.fail("a number too large for a float", self._position(node))
        if isinstance(value, bool):
            what = f"'{value}' (a bool)"
        elif isinstance(value, complex):
            what = "a complex number"
        elif isinstance(value, str):
            what = "a string"
        elif isinstance(value, bytes):
            what = "bytes"
        elif value is None:
            what = "'None'"
        elif value is Ellipsis:
            what = "'...'"
        else:
            what = f"a constant of type {type(value).__name__}"
        self.not_allowed(what, self._position(node))

    def variable(self, node: ast.Name) -> Value:
        name = node.id
        leaf = self.leaves.get(name)
        if leaf is not None:
            return leaf
        if name not in self.variables:
            if name in self.ops:
                self.fail(f"{name!r} is a function", self._position(node),
                          tail=f"call it, like {signature(self.ops[name])}")
            self.fail(f"unknown name {name!r}", self._position(node), tail=self.known_names())
        given = self.given.get(name)  # `is None`: a Value has no truth value (Value(0.0) is still a leaf)
        leaf = self.leaves[name] = given if given is not None else Value(self.variables[name], label=name)
        return leaf

    def call(self, node: ast.Call) -> Value:
        func = node.func
        if not isinstance(func, ast.Name):
            if not isinstance(func, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)):
                self.reject(func)  # name what is called: '.' in os.system(...), 'lambda' in (lambda: 1)()
            self.not_allowed("calling the result of an expression", self._position(node))
        op = self.ops.get(func.id)
        if op is None:
            if func.id in self.variables:
                self.fail(f"{func.id!r} is a variable, not a function", self._position(func),
                          tail=f"to multiply, write {func.id}*(...)")
            self.not_allowed(f"calling {func.id!r}, which is not a function of the op table,", self._position(func))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.not_allowed(_CONSTRUCTS[ast.Starred], self._position(arg))
        param: float | None = None
        for kw in node.keywords:
            if kw.arg is None:
                self.not_allowed("'**' (keyword unpacking)", self._position(kw))
            if kw.arg != op.param:
                has = f"its number parameter is {op.param}" if op.param else "its inputs are positional arguments"
                self.fail(f"{op.name}() has no keyword argument {kw.arg!r}", self._position(kw),
                          tail=f"{has}: {signature(op)}")
            param = self.param_number(kw.value, op)
        count = len(node.args)
        if op.arity == VARIADIC and count == 0:
            self.fail(f"{op.name}() takes at least one argument, got none", self._position(node),
                      tail=f"call it as {signature(op)}")
        if op.arity != VARIADIC and count != op.arity:
            plural = "" if op.arity == 1 else "s"
            self.fail(f"{op.name}() takes {op.arity} argument{plural}, got {count}", self._position(node),
                      tail=f"call it as {signature(op)}")
        if op.param is not None and param is None:
            example = f"{op.name}({', '.join(['x'] * max(op.arity, 1))}, {op.param}=0.5)"
            self.fail(f"{op.name}() needs its number parameter {op.param}", self._position(node),
                      tail=f"give it as a keyword argument, like {example}")
        inputs = [self.value(arg) for arg in node.args]
        try:
            return apply(op, *inputs, param=param)
        except (TypeError, ValueError, ArithmeticError) as error:  # a custom op that misbehaves
            self.fail(f"{op.name}() failed", self._position(node), tail=str(error))

    def param_number(self, node: ast.expr, op: Op) -> float:
        """A parameter is a number, optionally signed: ``s=0.1``, ``p=-2``."""
        sign, inner = 1.0, node
        while isinstance(inner, ast.UnaryOp) and isinstance(inner.op, (ast.USub, ast.UAdd)):
            sign = -sign if isinstance(inner.op, ast.USub) else sign
            inner = inner.operand
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
            return sign * self.number(inner)
        self.fail(f"the parameter {op.param} of {op.name}() must be a number", self._position(node),
                  tail=f"write a number, like {op.param}=0.5")


def _binary(symbol: str, a: Value | float, b: Value | float) -> Value:
    """``a symbol b`` with Value operators; between two numbers the left one becomes a constant node."""
    left = a if isinstance(a, Value) or isinstance(b, Value) else constant(a)
    result: Value = _OPERATORS[symbol](left, b)
    return result


def _depth(tree: ast.AST) -> int:
    """The deepest nesting of expression nodes in ``tree``, found without recursion (stops past MAX_DEPTH)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


__all__: Sequence[str] = ["EXAMPLE", "MAX_DEPTH", "MAX_LENGTH", "Built", "ExpressionError", "build",
                          "parse_assignments", "signature", "syntax_help"]
