"""``compile``: a traced graph written out as straight-line Python on floats.

``compile(fn, example_inputs)`` calls ``fn`` once on Values and records the graph it
builds. It then writes one Python function, line by line, from the op table: first the
forward pass (one assignment per node, in topological order), then the backward pass
(one line per edge, from the output back to the inputs: ``d_a = d_a + ∂out/∂a · d_out``),
the chain rule written out. The source is kept (``compiled.source``) and every name in it
maps back to a node of the graph (``compiled.names``).

The generated code does exactly the float operations of ``grad(output, inputs)``, in the
same order, so its results are bit-identical to the graph's. It is built from the op table
and from numbers only: no label or other user string ever reaches the source (names are
made of ASCII letters, digits and ``_`` kept from the labels).

A compiled function replays one graph. ``compile`` refuses ``fn`` when the graph could
depend on the input values: when ``fn`` reads the number of a Value it computes
(``.data``, the only way Python control flow can branch on one: ``float(v)``, ``bool(v)`` and
the like raise ``TypeError`` anywhere), or uses a Value that is neither an input nor a
constant (its number would be frozen into the code).
On each call the inputs are checked against the trace (how many, real numbers);
``compiled.check(*inputs)`` traces ``fn`` again and compares the whole graph.
"""

from __future__ import annotations

import builtins
import keyword
import linecache
import math
import os
import re
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from engine import graph, state
from engine.ops import BUILTIN_OPS, CONSTANT, OPS, UNIT, VARIADIC, Op
from engine.primitives import PRIMITIVES, PRODUCT
from engine.value import Value, describe, to_float

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


class ShapeError(ValueError):
    """``compile``: the function's graph depends on the input values, or a call does not fit the trace."""


class Compiled:
    """A function traced once and written out as Python: call it with numbers, one per input.

    ``compiled(*inputs)`` returns ``(value, grads)``: the output's number (a list of numbers when
    ``fn`` returned several Values) and the gradient of the (first) output with respect to each
    input listed in ``wrt``, bit-identical to ``grad(output, inputs)`` on the graph.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        source: str,
        function: Callable[..., tuple[Any, list[float]]],
        names: dict[str, str],
        wrt: tuple[int, ...],
        signature: list[tuple[Any, ...]],
        leaves: list[Value],
    ) -> None:
        self.fn = fn
        self.source = source
        self.names = names
        self.wrt = wrt
        self.n_inputs = len(leaves)
        self.nodes = len(signature)
        self._function = function
        self._signature = signature
        self._leaves = leaves

    def __repr__(self) -> str:
        return f"<compiled {getattr(self.fn, '__name__', 'fn')}: {self.nodes} nodes, {self.n_inputs} inputs>"

    def __call__(self, *inputs: float) -> tuple[Any, list[float]]:
        """The output's number and the gradients with respect to the inputs in ``wrt``."""
        if len(inputs) != self.n_inputs:
            raise ShapeError(f"compiled function: expected {self.n_inputs} inputs (as traced), got {len(inputs)}")
        xs = [x if type(x) is float else to_float(x, f"compiled function input {i}") for i, x in enumerate(inputs)]
        return self._function(*xs)

    def check(self, *inputs: float) -> tuple[Any, list[float]]:
        """Trace ``fn`` again at ``inputs`` and compare the graph with the compiled one; ShapeError if they
        differ. Returns the compiled result."""
        numbers = [to_float(x, f"check: input {i}") for i, x in enumerate(inputs)]
        if len(numbers) != self.n_inputs:
            raise ShapeError(f"check: expected {self.n_inputs} inputs (as traced), got {len(numbers)}")
        leaves = self._leaves  # the traced inputs again (fn may reach them from outside: a model's parameters)
        before = [leaf.data for leaf in leaves]
        try:
            for leaf, x in zip(leaves, numbers):
                leaf.data = x
            signature = _signature(_trace(self.fn, leaves)[1], leaves)
        finally:
            for leaf, x in zip(leaves, before):
                leaf.data = x
        if signature != self._signature:
            where = next((i for i, (a, b) in enumerate(zip(signature, self._signature)) if a != b), None)
            detail = f"node {where} differs" if where is not None else f"{len(signature)} nodes, not {self.nodes}"
            raise ShapeError(
                f"check: fn built a different graph at these inputs ({detail}): its graph depends on the input "
                "values or on something else that changes (a random draw, a global), so the compiled function, "
                "which replays the traced graph, does not compute what fn computes"
            )
        return self(*inputs)


#: ``compile``'s default limit on the graph's size: Python's own compiler needs ~8 s and ~1 GB for 200,000 nodes.
MAX_NODES = 250_000


def compile(  # noqa: A001 - engine.compile, by the design; the builtin is used as builtins.compile
    fn: Callable[..., Any],
    example_inputs: Sequence[float | Value],
    wrt: Sequence[int] | None = None,
    *,
    max_nodes: int = MAX_NODES,
) -> Compiled:
    """Trace ``fn(*values)`` once (one Value per example input) and write its forward and backward
    passes out as straight-line Python on floats.

    An example input may be a Value itself (a model's parameter, say): the trace then uses that
    Value, and the compiled function takes its number as that input. ``wrt`` lists the inputs
    whose gradients are returned (default: all). ``fn`` returns a Value or a list of Values (the
    first is differentiated). A graph of more than ``max_nodes`` nodes is refused (ValueError) before
    any code is written.
    """
    if not callable(fn):
        raise TypeError(f"compile(fn, ...): expected a callable, got {describe(fn)}")
    if isinstance(example_inputs, (str, bytes, Value)) or not isinstance(example_inputs, Sequence):
        raise TypeError(
            f"compile(fn, example_inputs): expected a list of numbers or Values, got {describe(example_inputs)}"
        )
    leaves = [
        x if type(x) is Value else Value(to_float(x, f"compile: example input {i}"), label=f"x{i}")
        for i, x in enumerate(example_inputs)
    ]
    if len({id(x) for x in leaves}) != len(leaves):
        raise ValueError("compile: the same Value is given twice among the example inputs")
    chosen = tuple(range(len(leaves))) if wrt is None else _check_wrt(wrt, len(leaves))
    outputs, order = _trace(fn, leaves)
    if len(order) > max_nodes:
        raise ValueError(
            f"compile: the graph has {len(order):,} nodes, more than max_nodes={max_nodes:,}; Python's compiler "
            "would need minutes and gigabytes for its code. Compile a smaller piece (one batch, one example), "
            "or pass a larger max_nodes"
        )
    signature = _signature(order, leaves)
    source, namespace, names = _write(order, outputs, leaves, chosen, getattr(fn, "__name__", "fn"))
    filename = f"<glassgrad compiled {len(order)} nodes {id(source):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks show lines
    exec(builtins.compile(source, filename, "exec"), namespace)  # code written from the op table only
    return Compiled(fn, source, namespace["compiled"], names, chosen, signature, leaves)


def _check_wrt(wrt: object, n: int) -> tuple[int, ...]:
    if isinstance(wrt, (str, bytes)) or not isinstance(wrt, Sequence):
        raise TypeError(f"compile(wrt): expected a list of input indices, got {describe(wrt)}")
    for i in wrt:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise ValueError(f"compile(wrt): expected input indices in 0..{n - 1}, got {describe(i)}")
    return tuple(wrt)


# --- tracing ---


def _trace(fn: Callable[..., Any], leaves: list[Value]) -> tuple[list[Value], list[Value]]:
    """Call ``fn`` on ``leaves`` with recording on, watching for reads of numbers: its output Values and
    every node of their graphs (``_order``)."""
    previous = state.set_grad_enabled(True)
    try:
        with _watching_reads() as reads:
            out = fn(*leaves)
    finally:
        state.set_grad_enabled(previous)
    outputs = [out] if type(out) is Value else list(out) if isinstance(out, (list, tuple)) else None
    if not outputs or any(type(o) is not Value for o in outputs):
        raise TypeError(f"compile: expected fn to return a Value or a list of Values, got {describe(out)}")
    if reads:
        raise ShapeError(
            f"compile: fn reads the number of a Value it computes ({reads[0]}); the graph it builds could "
            "then depend on the input values, and a compiled function replays one graph. Read numbers "
            "outside fn, or use the graph itself"
        )
    inputs = set(leaves)
    order = _order(outputs)
    for node in order:
        if not node.parents and node not in inputs and node._op is not CONSTANT:
            what = f"{node.label!r}" if node.label else repr(node)
            raise ShapeError(
                f"compile: fn uses a Value that is neither an input nor a constant ({what}); its number would be "
                "frozen into the compiled code. Pass it among the example inputs"
            )
    return outputs, order


#: The threads tracing now, each with what notes its reads; the data slot of Value while no one traces.
_tracers: dict[int, Callable[[Value, FrameType], None]] = {}
_tracers_lock = threading.Lock()
_DATA_SLOT = Value.__dict__["data"]


class _WatchedData:
    """``Value.data`` while some thread traces: a read by a tracing thread is noted, every other read and every
    write goes straight to the slot (another thread's training goes on unwatched)."""

    def __get__(self, obj: Value | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        record = _tracers.get(threading.get_ident())
        if record is not None:
            record(obj, sys._getframe(1))
        return _DATA_SLOT.__get__(obj, owner)

    def __set__(self, obj: Value, value: float) -> None:
        _DATA_SLOT.__set__(obj, value)


_WATCHED = _WatchedData()


@contextmanager
def _watching_reads() -> Iterator[list[str]]:
    """Inside, ``.data`` of a non-constant Value read by this thread's code outside the engine is recorded (as
    ``file:line``); ``float(v)`` and ``bool(v)`` need no watching, they always raise. The class attribute is
    swapped while any thread traces; other threads' reads are not recorded."""
    reads: list[str] = []
    in_engine: dict[str, bool] = {}

    def record(value: Value, frame: FrameType) -> None:
        """Note a read by ``frame`` unless it is the engine's own code or the Value is a constant."""
        filename = frame.f_code.co_filename
        if filename not in in_engine:
            in_engine[filename] = os.path.dirname(os.path.abspath(filename)) == _ENGINE_DIR
        if not in_engine[filename] and value._op is not CONSTANT and not reads:
            reads.append(f"{filename}:{frame.f_lineno}")

    me = threading.get_ident()
    with _tracers_lock:
        _tracers[me] = record
        if len(_tracers) == 1:
            setattr(Value, "data", _WATCHED)  # noqa: B010 - swapped on the class while anyone traces
    try:
        yield reads
    finally:
        with _tracers_lock:
            del _tracers[me]
            if not _tracers:
                setattr(Value, "data", _DATA_SLOT)  # noqa: B010


def _order(outputs: list[Value]) -> list[Value]:
    """Every node of the outputs' graphs, parents first: the first output's order, then what the others add."""
    seen: set[Value] = set()
    order: list[Value] = []
    for out in outputs:
        for node in graph.topological_order(out):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _bits(x: float) -> bytes:
    """A float's eight bytes: equal exactly when the numbers are the same (nan and -0.0 included)."""
    return struct.pack("<d", x)


def _signature(order: list[Value], leaves: list[Value]) -> list[tuple[Any, ...]]:
    """The graph's shape, node by node: an input's index, a constant's number, or an op with its parameter
    and the positions of its parents."""
    position = {node: i for i, node in enumerate(order)}
    index = {leaf: i for i, leaf in enumerate(leaves)}
    shape: list[tuple[Any, ...]] = []
    for node in order:
        if node in index:
            shape.append(("input", index[node]))
        elif node._op is CONSTANT:
            shape.append(("constant", _bits(node.data)))
        else:
            arg = None if node._arg is None else _bits(node._arg)
            shape.append((node._op, arg, tuple(position[p] for p in node.parents)))
    return shape


# --- writing the code ---

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")


#: Names the generated code uses for itself, which an input's label cannot take.
_OWN_NAMES = re.compile(r"v\d.*|d_.*|p_.*|forward_.*|partials_.*|number_.*|compiled")


def _input_names(leaves: list[Value]) -> dict[Value, str]:
    """Each input named by its label (``w1``) when that is a plain identifier, unique among the inputs and
    clear of the code's own names and Python's; the others get no name here (``_name_for`` then)."""
    labels = [leaf.label for leaf in leaves]
    names = {}
    for leaf, label in zip(leaves, labels):
        if (
            label.isascii() and label.isidentifier() and labels.count(label) == 1 and not keyword.iskeyword(label)
            and not hasattr(builtins, label) and not _OWN_NAMES.fullmatch(label) and label not in PRIMITIVES
        ):
            names[leaf] = label
    return names


def _name_for(label: str, i: int) -> str:
    """``v12``, or ``v12_z`` for a node labelled ``z``: only ASCII letters, digits and ``_`` from the label."""
    tail = _NOT_NAME.sub("_", label).strip("_")[:24]
    return f"v{i}_{tail}" if tail else f"v{i}"


class _Writer:
    """The namespace of the generated function: the op table's functions and non-finite numbers, by name."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = dict(PRIMITIVES)  # what the ops' written-out math calls, on floats
        self._ops: dict[tuple[int, str], str] = {}

    def function(self, op: Op, which: str) -> str:
        """The name the code calls ``op.forward`` or ``op.partials`` by."""
        key = (id(op), which)
        if key not in self._ops:
            name = f"{which}_{op.name}"
            while name in self.namespace:
                name += "_"
            self.namespace[name] = op.forward if which == "forward" else op.partials
            self._ops[key] = name
        return self._ops[key]

    def number(self, x: float) -> str:
        """A float as code: its repr (which reads back exactly), or a bound name for inf and nan."""
        if math.isfinite(x):
            return repr(x)
        name = f"number_{len(self.namespace)}"
        self.namespace[name] = x
        return name


def _write(
    order: list[Value], outputs: list[Value], leaves: list[Value], wrt: tuple[int, ...], fn_name: str
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The source of ``compiled(*inputs)``, its namespace, and each generated name's node label."""
    writer = _Writer()
    inputs_named = _input_names(leaves)
    name = {node: inputs_named.get(node) or _name_for(node.label, i) for i, node in enumerate(order)}
    for leaf in leaves:
        if leaf not in name:  # an input fn did not use: it still takes its place among the arguments
            name[leaf] = inputs_named.get(leaf) or _name_for(leaf.label, len(name))
    names = {name[node]: node.label for node in name}
    args = [name[leaf] for leaf in leaves]
    inputs = set(leaves)
    title = _NOT_NAME.sub(" ", fn_name).strip() or "fn"
    lines = [
        f"def compiled({', '.join(args)}):",
        f'    """{title}: forward and backward of {_count(len(order), "node")}."""',
        "    # forward: one line per node, parents first",
    ]
    for node in order:
        if node in inputs:
            continue
        if node._op is CONSTANT:
            lines.append(f"    {name[node]} = {writer.number(node.data)}")
            continue
        lines.append(f"    {name[node]} = {_forward_code(node, name, writer)}  # {node._op.name}")  # type: ignore[union-attr]

    lines.append("    # backward: the chain rule, from the output back to the inputs. A node's gradient is the sum of")
    lines.append("    # what each consumer passes it (∂consumer/∂node · d_consumer), in the backward loop's order")
    backward = graph.topological_order(outputs[0])
    root = outputs[0]
    # a gradient nobody reads is not computed: a constant's, an input's not in wrt (leaves pass nothing on)
    unread = {node for node in backward if not node.parents} - {leaves[k] for k in wrt}
    terms: dict[Value, list[str]] = {}
    for node in reversed(backward):
        if node is root:
            lines.append(f"    d_{name[root]} = 1.0")
        elif node in terms:
            lines.extend(_sum_lines(f"d_{name[node]}", terms[node]))
        if node.parents:
            lines.extend(_backward_code(node, name, terms, unread, writer))
    grad_of = {node: f"d_{name[node]}" for node in backward if node is root or node in terms}
    values = name[root] if len(outputs) == 1 else "[" + ", ".join(name[o] for o in outputs) + "]"
    grads = ", ".join(grad_of.get(leaves[k], "0.0") for k in wrt)
    lines.append(f"    return {values}, [{grads}]")
    return "\n".join(lines) + "\n", writer.namespace, names


#: Terms per line of a gradient's sum: Python's compiler recurses once per ``+`` of a line.
TERMS_PER_LINE = 100


def _sum_lines(target: str, terms: list[str]) -> list[str]:
    """``target = 0.0 + t1 + t2 + …``, continued on further lines (``target = target + …``) past
    ``TERMS_PER_LINE`` terms: the same additions, left to right."""
    lines = []
    for start in range(0, len(terms), TERMS_PER_LINE):
        first = "0.0" if start == 0 else target
        lines.append(f"    {target} = {first} + {' + '.join(terms[start:start + TERMS_PER_LINE])}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _forward_code(node: Value, name: dict[Value, str], writer: _Writer) -> str:
    """The right-hand side computing ``node`` from its parents: the op's forward written out, or a call."""
    op = node._op
    assert op is not None  # an op node
    xs = [name[p] for p in node.parents]
    traced = op.trace(len(xs), node._arg)[0]
    if traced is not None:
        code = traced.floats.format(*xs, out=name[node])
    else:
        call = writer.function(op, "forward")
        if op.arity == VARIADIC:
            code = f"{call}(({', '.join(xs)},))"
        else:
            if node._arg is not None:
                xs.append(writer.number(node._arg))
            code = f"{call}({', '.join(xs)})"
    builtin = op.name in BUILTIN_OPS and OPS.get(op.name) is op
    return code if builtin else f"float({code})"  # as ``apply`` makes a custom op's number a float


def _backward_code(
    node: Value, name: dict[Value, str], terms: dict[Value, list[str]], unread: set[Value], writer: _Writer
) -> list[str]:
    """What ``node`` passes each parent (``∂node/∂parent · d_node``, appended to ``terms``), and the line
    computing its partials when they come from a call."""
    op = node._op
    assert op is not None  # an op node
    parents = node.parents
    upstream = f"d_{name[node]}"
    xs = [name[p] for p in parents]
    out = name[node]
    lines: list[str] = []
    traced = op.trace(len(xs), node._arg)[1]
    if op.kind == UNIT:  # every partial is 1: the gradient is passed on
        passed = [upstream] * len(parents)
    elif traced is not None:  # the op's partials written out, each times the upstream gradient
        passed = [f"{d.floats.format(*xs, out=out) if d.strength >= PRODUCT else f'({d.floats.format(*xs, out=out)})'}"
                  f" * {upstream}" for d in traced]
    else:
        local = f"p_{out}"
        call = writer.function(op, "partials")
        if op.arity == VARIADIC:
            lines.append(f"    {local} = {call}(({', '.join(xs)},), {out})")
        else:
            arg = [writer.number(node._arg)] if node._arg is not None else []
            lines.append(f"    {local} = {call}({', '.join([*xs, out, *arg])})")
        passed = [f"{local}[{i}] * {upstream}" for i in range(len(parents))]
    for parent, term in zip(parents, passed):
        if parent not in unread:
            terms.setdefault(parent, []).append(term)
    return lines
