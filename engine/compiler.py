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
constant (its number would be frozen into the code). A Value that ``fn`` itself creates during
the trace from a plain number (``Value(3.0)``, as a model does with the numbers of its data) is
a constant of the trace, like the ``2`` of ``x * 2``.
On each call the inputs are checked against the trace (how many, real numbers);
``compiled.check(*inputs)`` traces ``fn`` again and compares the whole graph.

With ``per_example=`` the graph traced is one example's: ``fn(*shared, *example)``, and
``compiled.batch(shared_values, rows)`` runs its code over many examples (``engine.batch``).
"""

from __future__ import annotations

import builtins
import functools
import keyword
import linecache
import math
import os
import re
import struct
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from engine import graph, switches
from engine import value as value_module
from engine.batch import BatchResult, run_batch
from engine.ops import BUILTIN_OPS, CONSTANT, OPS, VARIADIC, Op, OpKind
from engine.packing import pack
from engine.primitives import PRIMITIVES, Binding, Text
from engine.program import Function, Node, Program
from engine.value import Value, describe, to_float

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


class ShapeError(ValueError):
    """``compile``: the function's graph depends on the input values, or a call does not fit the trace."""


class Compiled:
    """A function traced once and written out as Python: call it with numbers, one per input.

    ``compiled(*inputs)`` returns ``(value, grads)``: the output's number (a list of numbers when
    ``fn`` returned several Values) and the gradient of the (first) output with respect to each
    input listed in ``wrt``, bit-identical to ``grad(output, inputs)`` on the graph (compiled with
    ``per_example``: the same operations, so the same numbers but for the sign of a zero gradient).

    Compiled with ``per_example``, ``compiled.batch(shared, rows)`` runs the one example's code over a
    batch of examples (see ``batch``); ``n_shared`` and ``n_per_example`` count the two kinds of input.
    ``program`` is the generated code as every runner takes it (``engine.program.Program``).
    """

    def __init__(self, fn: Callable[..., Any], program: Program, signature: list[tuple[Any, ...]],
                 leaves: list[Value]) -> None:
        self.fn = fn
        self.program = program  # the generated code, as every runner of ``batch`` takes it
        self.source = program.source
        self.names = program.names
        self.wrt = program.wrt
        self.n_inputs = len(leaves)
        self.n_shared = program.n_shared
        self.n_per_example = program.n_per_example
        self.n_outputs = program.n_outputs
        self.nodes = len(signature)
        self._function: Function | None = None  # the code on floats, made at the first call
        self._signature = signature
        self._leaves = leaves

    def __repr__(self) -> str:
        inputs = f"{self.n_inputs} inputs"
        if self.n_per_example:
            inputs = f"{self.n_shared} shared inputs, {self.n_per_example} per example"
        return f"<compiled {getattr(self.fn, '__name__', 'fn')}: {self.nodes} nodes, {inputs}>"

    def __call__(self, *inputs: float) -> tuple[Any, list[float]]:
        """The output's number and the gradients with respect to the inputs in ``wrt``."""
        if len(inputs) != self.n_inputs:
            raise ShapeError(f"compiled function: expected {self.n_inputs} inputs (as traced), got {len(inputs)}")
        function = self._function
        if function is None:
            function = self._function = self.program.on_floats()
        if set(map(type, inputs)) <= {float}:  # checked at C speed: the usual case
            return function(*inputs)
        xs = [x if type(x) is float else to_float(x, f"compiled function input {i}") for i, x in enumerate(inputs)]
        return function(*xs)

    def batch(
        self, shared: Sequence[float], rows: Sequence[Sequence[float]], reduce: str = "mean", runner: str = "auto"
    ) -> BatchResult:
        """Run the one example's code over ``rows`` (each row one example's ``n_per_example`` numbers; a 2-D numpy
        array works too) with the shared inputs at ``shared``: the first output summed or averaged over the
        examples (``reduce="sum"`` or ``"mean"``), its gradients with respect to the shared inputs in ``wrt``
        reduced the same way, and each example's outputs (``engine.batch.BatchResult``). ``runner``:
        ``"python"`` (a loop over the rows), ``"numpy"`` (each line over the batch axis), ``"matrix"`` (the packed
        program, ``matrix_source``: a layer's lines as matrix products, with numpy) or ``"auto"`` (matrix when numpy
        is installed, else the loop). Needs ``compile(..., per_example=...)``."""
        return run_batch(self.program, shared, rows, reduce, runner)

    @property
    def matrix_source(self) -> str:
        """The packed program as readable Python (``engine.packing``): the lanes of the graph (a layer's neurons)
        found from its shape and written as whole-array lines, ``z1 = x @ W1.T + b1`` for a layer; what
        ``batch(runner="matrix")`` runs. Written at the first use, then kept."""
        return pack(self.program).source

    def check(self, *inputs: float) -> tuple[Any, list[float]]:
        """Trace ``fn`` again at ``inputs`` and compare the graph with the compiled one; ShapeError if they
        differ. Returns the compiled result.

        The comparison is of the whole graph, node by node, and constants bit for bit: the numbers ``fn``
        lifts into the graph (``x * 2``, and the Values it creates from plain numbers, such as its data)
        are part of it. So data that ``fn`` reads from outside and that changed since ``compile`` (a list
        edited in place, another list bound to the name ``fn`` reads) is found here; the compiled function
        itself never traces again and goes on computing with the numbers it was traced with."""
        numbers = [to_float(x, f"check: input {i}") for i, x in enumerate(inputs)]
        if len(numbers) != self.n_inputs:
            raise ShapeError(f"check: expected {self.n_inputs} inputs (as traced), got {len(numbers)}")
        leaves = self._leaves  # the traced inputs again (fn may reach them from outside: a model's parameters)
        before = [leaf.data for leaf in leaves]
        try:
            for leaf, x in zip(leaves, numbers):
                leaf.data = x
            _, order, created = _trace(self.fn, leaves)
            signature = _signature(order, leaves, created)
        finally:
            for leaf, x in zip(leaves, before):
                leaf.data = x
        if signature != self._signature:
            where = next((i for i, (a, b) in enumerate(zip(signature, self._signature)) if a != b), None)
            detail = f"node {where} differs" if where is not None else f"{len(signature)} nodes, not {self.nodes}"
            raise ShapeError(
                f"check: fn built a different graph at these inputs ({detail}): its graph depends on the input "
                "values or on something else that changes (a random draw, a global, data it reads), so the "
                "compiled function, which replays the traced graph, does not compute what fn computes"
            )
        return self(*inputs)


#: ``compile``'s default limit on the graph's size: Python's own compiler needs ~8 s and ~1 GB for 200,000 nodes.
MAX_NODES = 250_000


def compile(  # noqa: A001 - engine.compile, by the design; the builtin is used as builtins.compile
    fn: Callable[..., Any],
    example_inputs: Sequence[float | Value],
    wrt: Sequence[int] | None = None,
    *,
    per_example: Sequence[float | Value] | None = None,
    max_nodes: int = MAX_NODES,
) -> Compiled:
    """Trace ``fn(*values)`` once (one Value per example input) and write its forward and backward
    passes out as straight-line Python on floats.

    An example input may be a Value itself (a model's parameter, say): the trace then uses that
    Value, and the compiled function takes its number as that input. ``wrt`` lists the inputs
    whose gradients are returned (default: all). ``fn`` returns a Value or a list of Values (the
    first is differentiated). A graph of more than ``max_nodes`` nodes is refused (ValueError) before
    any code is written.

    The Values ``fn`` creates from plain numbers while it is traced (a model lifting the numbers of its
    data, ``engine.compile(lambda *p: loss(model, X, y), model.parameters())``) are constants of the trace,
    written into the code as numbers; a Value made before the trace and not among the inputs is refused
    (ShapeError). ``Compiled.check`` traces again and compares those constants too, bit for bit.

    ``per_example``: one example's inputs (its features, then its targets), given after the shared
    ``example_inputs`` (the parameters): ``fn(*shared, *example)`` is traced for that one example, and
    ``compiled.batch(shared_values, rows)`` runs its code over a batch of examples::

        compiled = engine.compile(lambda *v: hinge(model(v[-3:-1]), v[-1]), model.parameters(),
                                  per_example=[0.0, 0.0, 1.0])
        loss, grads, outputs = compiled.batch([p.data for p in model.parameters()], [[x0, x1, y], ...])

    ``wrt`` then indexes the shared inputs (default: all of them).
    """
    if not callable(fn):
        raise TypeError(f"compile(fn, ...): expected a callable, got {describe(fn)}")
    shared = _check_inputs(example_inputs, "example_inputs")
    example = [] if per_example is None else _check_inputs(per_example, "per_example")
    if per_example is not None and not example:
        raise ValueError("compile(per_example): expected one example's inputs (at least one), got none")
    # inputs given as numbers become leaves labelled x0, x1, … (shared) and e0, e1, … (one example's)
    leaves = [
        x if type(x) is Value else Value(to_float(x, f"compile: example input {i}"), label=f"x{i}")
        for i, x in enumerate(shared)
    ] + [
        x if type(x) is Value else Value(to_float(x, f"compile: per_example input {j}"), label=f"e{j}")
        for j, x in enumerate(example)
    ]
    if len({id(x) for x in leaves}) != len(leaves):
        raise ValueError("compile: the same Value is given twice among the example inputs")
    if per_example is None:
        chosen = tuple(range(len(leaves))) if wrt is None else _check_wrt(wrt, len(leaves))
    else:
        chosen = tuple(range(len(shared))) if wrt is None else _check_wrt(wrt, len(shared), "shared ")
    outputs, order, created = _trace(fn, leaves)
    if len(order) > max_nodes:
        raise ValueError(
            f"compile: the graph has {len(order):,} nodes, more than max_nodes={max_nodes:,}; Python's compiler "
            "would need minutes and gigabytes for its code. Compile a smaller piece (one batch, one example: "
            "per_example=...), or pass a larger max_nodes"
        )
    signature = _signature(order, leaves, created)
    writer = _Writer(per_example=per_example is not None)
    source, name, args = _write(writer, order, outputs, leaves, chosen, created, getattr(fn, "__name__", "fn"))
    names = {name[node]: node.label for node in name}
    filename = f"<glassgrad compiled {len(order)} nodes {id(source):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks show lines
    nodes, positions = _nodes(order, leaves, created, name)
    program = Program(source, filename, writer.namespace, writer.calls, args, names, chosen, len(shared), len(outputs),
                      per_example is not None, nodes, tuple(positions[o] for o in outputs))
    return Compiled(fn, program, signature, leaves)


def _check_inputs(inputs: object, what: str) -> list[Any]:
    """``compile``'s ``example_inputs`` or ``per_example`` as a list; a TypeError for anything but a sequence."""
    if isinstance(inputs, (str, bytes, Value)) or not isinstance(inputs, Sequence):
        raise TypeError(f"compile(fn, {what}): expected a list of numbers or Values, got {describe(inputs)}")
    return list(inputs)


def _check_wrt(wrt: object, n: int, kind: str = "") -> tuple[int, ...]:
    if isinstance(wrt, (str, bytes)) or not isinstance(wrt, Sequence):
        raise TypeError(f"compile(wrt): expected a list of input indices, got {describe(wrt)}")
    for i in wrt:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise ValueError(f"compile(wrt): expected {kind}input indices in 0..{n - 1}, got {describe(i)}")
    return tuple(wrt)


# --- tracing ---


def _trace(fn: Callable[..., Any], leaves: list[Value]) -> tuple[list[Value], list[Value], set[Value]]:
    """Call ``fn`` on ``leaves`` with recording on, watching for reads of numbers: its output Values, every node
    of their graphs (``_order``) and the Values ``fn`` created from plain numbers (constants of the trace)."""
    previous = switches.set_grad_enabled(True)
    try:
        with _watching() as watch:
            out = fn(*leaves)
    finally:
        switches.set_grad_enabled(previous)
    outputs = [out] if type(out) is Value else list(out) if isinstance(out, (list, tuple)) else None
    if not outputs or any(type(o) is not Value for o in outputs):
        raise TypeError(f"compile: expected fn to return a Value or a list of Values, got {describe(out)}")
    if watch.reads:
        where, compared = watch.reads[0]
        what = (f"compares the number of a Value it computes ({where}: < <= > >=, and so max, min, sorted); "
                "which Value it selects" if compared else
                f"reads the number of a Value it computes ({where}); the graph it builds")
        raise ShapeError(
            f"compile: fn {what} could then depend on the input values, and a compiled function replays one graph. "
            "Read numbers outside fn, or use the graph itself" + (" (max(a, b) = b + (a - b).relu())" * compared)
        )
    inputs = set(leaves)
    order = _order(outputs)
    for node in order:
        if not node.parents and node not in inputs and node._op is not CONSTANT and node not in watch.created:
            what = f"{node.label!r}" if node.label else repr(node)
            raise ShapeError(
                f"compile: fn uses a Value that is neither an input nor a constant ({what}): it was made before "
                "the trace (or from computed numbers), so its number would be frozen into the compiled code. Pass "
                "it among the example inputs"
            )
    return outputs, order, watch.created


class _Watch:
    """What one thread's trace notes: where ``fn`` first read a computed number, and the Values it created."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, bool]] = []  # (file:line, whether it was a comparison)
        self.created: set[Value] = set()
        self._in_engine: dict[str, bool] = {}

    def read(self, value: Value, frame: FrameType) -> None:
        """Note a read by ``frame`` unless it is the engine's own code or the Value is a constant. A comparison
        (``a < b``, which reads in the engine's ``_compared``) is noted at the line that compares."""
        compared = frame.f_code is _COMPARED
        if compared:  # _compared, called by the operator's method, called by the line that compares
            frame = frame.f_back.f_back if frame.f_back and frame.f_back.f_back else frame
        filename = frame.f_code.co_filename
        if filename not in self._in_engine:
            self._in_engine[filename] = os.path.dirname(os.path.abspath(filename)) == _ENGINE_DIR
        if ((compared or not self._in_engine[filename]) and value._op is not CONSTANT
                and value not in self.created and not self.reads):
            self.reads.append((f"{filename}:{frame.f_lineno}", compared))


#: The threads tracing now, each with its watch; the data slot and the constructor of Value while no one traces.
_tracers: dict[int, _Watch] = {}
_tracers_lock = threading.Lock()
_DATA_SLOT = Value.__dict__["data"]
_COMPARED = value_module._compared.__code__  # where a comparison of Values reads their numbers
_INIT = Value.__init__


class _WatchedData:
    """``Value.data`` while some thread traces: a read by a tracing thread is noted, every other read and every
    write goes straight to the slot (another thread's training goes on unwatched)."""

    def __get__(self, obj: Value | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        watch = _tracers.get(threading.get_ident())
        if watch is not None:
            watch.read(obj, sys._getframe(1))
        return _DATA_SLOT.__get__(obj, owner)

    def __set__(self, obj: Value, value: float) -> None:
        _DATA_SLOT.__set__(obj, value)


_WATCHED = _WatchedData()


def _watched_init(self: Value, data: float, label: str = "") -> None:
    """``Value.__init__`` while some thread traces: a Value that a tracing thread makes from a number is noted
    as a constant of its trace."""
    _INIT(self, data, label)
    watch = _tracers.get(threading.get_ident())
    if watch is not None:
        watch.created.add(self)


@contextmanager
def _watching() -> Iterator[_Watch]:
    """Inside, ``.data`` of a non-constant Value read by this thread's code outside the engine is recorded (as
    ``file:line``), and so is every Value this thread creates (``Value(x)``); ``float(v)`` and ``bool(v)`` need no
    watching, they always raise. The class attributes are swapped while any thread traces; other threads' reads
    and Values are not recorded."""
    watch = _Watch()
    me = threading.get_ident()
    with _tracers_lock:
        _tracers[me] = watch
        if len(_tracers) == 1:
            setattr(Value, "data", _WATCHED)  # noqa: B010 - swapped on the class while anyone traces
            setattr(Value, "__init__", _watched_init)  # noqa: B010
    try:
        yield watch
    finally:
        with _tracers_lock:
            del _tracers[me]
            if not _tracers:
                setattr(Value, "data", _DATA_SLOT)  # noqa: B010
                setattr(Value, "__init__", _INIT)  # noqa: B010


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


def _nodes(order: list[Value], leaves: list[Value], created: set[Value],
           name: dict[Value, str]) -> tuple[tuple[Node, ...], dict[Value, int]]:
    """The traced graph as ``Program.nodes`` (each node with its ``name`` in the code), and each node's position
    there."""
    position = {node: i for i, node in enumerate(order)}
    index = {leaf: i for i, leaf in enumerate(leaves)}
    nodes = []
    for node in order:
        k = index.get(node)
        if k is not None or node._op is CONSTANT or node in created or node._op is None:
            nodes.append(Node(None, None, (), k, node.data, name[node], node.label))
        else:
            nodes.append(Node(node._op, node._arg, tuple(position[p] for p in node.parents), None, node.data,
                              name[node], node.label))
    return tuple(nodes), position


def _bits(x: float) -> bytes:
    """A float's eight bytes: equal exactly when the numbers are the same (nan and -0.0 included)."""
    return struct.pack("<d", x)


def _signature(order: list[Value], leaves: list[Value], created: set[Value]) -> list[tuple[Any, ...]]:
    """The graph's shape, node by node: an input's index, a constant's number (``created``: leaves ``fn`` made,
    constants too), or an op with its parameter and the positions of its parents."""
    position = {node: i for i, node in enumerate(order)}
    index = {leaf: i for i, leaf in enumerate(leaves)}
    shape: list[tuple[Any, ...]] = []
    for node in order:
        if node in index:
            shape.append(("input", index[node]))
        elif node._op is CONSTANT or node in created:
            shape.append(("constant", _bits(node.data)))
        else:
            arg = None if node._arg is None else _bits(node._arg)
            shape.append((node._op, arg, tuple(position[p] for p in node.parents)))
    return shape


# --- writing the code ---

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")
#: How a label's math is spelled in ASCII: subscripts as plain digits and letters (w₁₂ → w12), a run of
#: superscripts after an underscore (z₁² → z1_2), a leading minus as ``neg`` and Σ as ``sum``.
_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₙ", "0123456789ijkln")
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹ⁿˡ⁽⁾"
_SUPERSCRIPT_ASCII = str.maketrans(_SUPERSCRIPT, "0123456789nl__")
_RAISED = re.compile(f"[{_SUPERSCRIPT}]+")


#: Names the generated code uses for itself, which an input's label cannot take.
_OWN_NAMES = re.compile(r"v\d.*|d_.*|p_.*|forward_.*|partials_.*|number_.*|compiled|as_float")


@functools.lru_cache(maxsize=4096)  # a graph repeats its labels (z, a, w₁₂², … once per example)
def ascii_name(label: str) -> str:
    """``label`` in ASCII letters, digits and ``_`` (possibly empty): ``w₁₂²`` → ``w12_2``, ``−z₁³`` →
    ``neg_z1_3``, ``ln Σⱼ e^zⱼ`` → ``ln_sum_j_e_zj``, ``x`` → ``x``."""
    text = label.strip()
    text = ("neg_" + text[1:]) if text[:1] in ("\u2212", "-") else text
    text = _RAISED.sub(lambda m: "_" + m.group(0).translate(_SUPERSCRIPT_ASCII), text.translate(_SUBSCRIPT))
    text = unicodedata.normalize("NFKD", text.replace("Σ", " sum "))  # ŷ → y and a combining mark, dropped
    return _NOT_NAME.sub("_", text).strip("_")


def _input_names(leaves: list[Value]) -> dict[Value, str]:
    """Each input named by its label in ASCII (``w1``, ``w12_2`` for ``w₁₂²``) when that is an identifier, unique
    among the inputs and clear of the code's own names and Python's; the others get no name here (``_name_for``
    then)."""
    labels = [ascii_name(leaf.label) for leaf in leaves]
    counts = Counter(labels)
    names = {}
    for leaf, label in zip(leaves, labels):
        if (
            label.isidentifier() and counts[label] == 1 and not keyword.iskeyword(label)
            and not hasattr(builtins, label) and not _OWN_NAMES.fullmatch(label) and label not in PRIMITIVES
        ):
            names[leaf] = label
    return names


def _name_for(label: str, i: int) -> str:
    """``v12``, or ``v12_z1_2`` for a node labelled ``z₁²`` (``ascii_name``, at most 24 characters of it)."""
    tail = ascii_name(label)[:24].strip("_")
    return f"v{i}_{tail}" if tail else f"v{i}"


class _Writer:
    """How the code is written, and the namespace of the generated function: the op table's functions and
    non-finite numbers, by name.

    The whole-graph code (``per_example=False``) is for floats alone: the ``float_code`` text of the ops' math
    (``relu`` inline), ``float()`` around a custom op's result, and every gradient summed from ``0.0`` as the
    backward loop does, so it is bit-identical to the graph. The per-example code is for any runner: the ops'
    ``code`` text, which calls the primitives by name, and ``as_float`` for ``float``; a gradient starts from
    its first term and the root's ``1.0`` is not multiplied in (the same numbers, but for the sign of a zero
    gradient, and fewer operations for numpy to run over the batch).
    """

    def __init__(self, per_example: bool = False) -> None:
        self.per_example = per_example
        self.text = Text.CODE if per_example else Text.FLOAT_CODE
        self.as_float = "as_float" if per_example else "float"
        self.namespace: dict[str, Any] = dict(PRIMITIVES)  # what the ops' written-out math calls, on floats
        if per_example:
            self.namespace["as_float"] = float
        #: each op function the code calls, by its name there: the op and "forward" or "partials"
        self.calls: dict[str, tuple[Op, str]] = {}
        self._ops: dict[tuple[int, str], str] = {}

    def function(self, op: Op, which: str) -> str:
        """The name the code calls ``op.forward`` or ``op.partials`` by."""
        key = (id(op), which)
        if key not in self._ops:
            name = f"{which}_{op.name}"
            while name in self.namespace:
                name += "_"
            self.namespace[name] = op.forward if which == "forward" else op.partials
            self.calls[name] = (op, which)
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
    writer: _Writer,
    order: list[Value],
    outputs: list[Value],
    leaves: list[Value],
    wrt: tuple[int, ...],
    created: set[Value],
    fn_name: str,
) -> tuple[str, dict[Value, str], tuple[str, ...]]:
    """The source of ``compiled(*inputs)`` (its namespace fills ``writer.namespace``), each node's name in it, and
    the argument names. ``created``: leaves ``fn`` made from numbers, written as constants."""
    inputs_named = _input_names(leaves)
    name = {node: inputs_named.get(node) or _name_for(node.label, i) for i, node in enumerate(order)}
    for leaf in leaves:
        if leaf not in name:  # an input fn did not use: it still takes its place among the arguments
            name[leaf] = inputs_named.get(leaf) or _name_for(leaf.label, len(name))
    args = tuple(name[leaf] for leaf in leaves)
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
        if node._op is CONSTANT or node in created:
            lines.append(f"    {name[node]} = {writer.number(node.data)}")
            continue
        lines.append(f"    {name[node]} = {_forward_code(node, name, writer)}  # {node._op.name}")  # type: ignore[union-attr]

    lines.append("    # backward: the chain rule, from the output back to the inputs. A node's gradient is the sum of")
    lines.append("    # what each consumer passes it (∂consumer/∂node · d_consumer), in the backward loop's order")
    backward = order if len(outputs) == 1 else graph.topological_order(outputs[0])  # the first output's order
    root = outputs[0]
    # a gradient nobody reads is not computed: a constant's, an input's not in wrt (leaves pass nothing on)
    unread = {node for node in backward if not node.parents} - {leaves[k] for k in wrt}
    terms: dict[Value, list[str]] = {}
    for node in reversed(backward):
        if node is root:
            lines.append(f"    d_{name[root]} = 1.0")
        elif node in terms:
            lines.extend(_sum_lines(f"d_{name[node]}", terms[node], writer.per_example))
        if node.parents:
            lines.extend(_backward_code(node, name, terms, unread, writer, node is root))
    grad_of = {node: f"d_{name[node]}" for node in backward if node is root or node in terms}
    values = name[root] if len(outputs) == 1 else "[" + ", ".join(name[o] for o in outputs) + "]"
    grads = ", ".join(grad_of.get(leaves[k], "0.0") for k in wrt)
    lines.append(f"    return {values}, [{grads}]")
    return "\n".join(lines) + "\n", name, args


#: Terms per line of a gradient's sum: Python's compiler recurses once per ``+`` of a line.
TERMS_PER_LINE = 100


def _sum_lines(target: str, terms: list[str], from_first: bool = False) -> list[str]:
    """``target = 0.0 + t1 + t2 + …`` (``from_first``: ``t1 + t2 + …``), continued on further lines
    (``target = target + …``) past ``TERMS_PER_LINE`` terms: the same additions, left to right."""
    lines = []
    for start in range(0, len(terms), TERMS_PER_LINE):
        chunk = " + ".join(terms[start:start + TERMS_PER_LINE])
        first = "" if start == 0 and from_first else "0.0 + " if start == 0 else f"{target} + "
        lines.append(f"    {target} = {first}{chunk}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _forward_code(node: Value, name: dict[Value, str], writer: _Writer) -> str:
    """The right-hand side computing ``node`` from its parents: the op's forward written out, or a call."""
    op = node._op
    assert op is not None  # an op node
    xs = [name[p] for p in node.parents]
    forward = op.written(len(xs), node._arg)[0]
    if forward is not None:
        code = forward.texts[writer.text].format(*xs, out=name[node])
    else:
        call = writer.function(op, "forward")
        if op.arity == VARIADIC:
            code = f"{call}(({', '.join(xs)},))"
        else:
            if node._arg is not None:
                xs.append(writer.number(node._arg))
            code = f"{call}({', '.join(xs)})"
    builtin = op.name in BUILTIN_OPS and OPS.get(op.name) is op
    return code if builtin else f"{writer.as_float}({code})"  # as ``apply`` makes a custom op's number a float


def _backward_code(
    node: Value,
    name: dict[Value, str],
    terms: dict[Value, list[str]],
    unread: set[Value],
    writer: _Writer,
    is_root: bool = False,
) -> list[str]:
    """What ``node`` passes each parent (``∂node/∂parent · d_node``, appended to ``terms``; per example, the root
    passes its partials alone), and the line computing its partials when they come from a call."""
    op = node._op
    assert op is not None  # an op node
    parents = node.parents
    upstream = f"d_{name[node]}"
    xs = [name[p] for p in parents]
    out = name[node]
    lines: list[str] = []
    partials = op.written(len(xs), node._arg)[1]
    if op.kind is OpKind.UNIT:  # every partial is 1: the gradient is passed on
        passed = [upstream] * len(parents)
    else:  # the op's partials (written out, or from a call), each times the upstream gradient
        if partials is not None:
            written = [d.texts[writer.text].format(*xs, out=out) for d in partials]
            factors = [w if d.strength >= Binding.PRODUCT else f"({w})" for w, d in zip(written, partials)]
        else:
            local = f"p_{out}"
            call = writer.function(op, "partials")
            if op.arity == VARIADIC:
                lines.append(f"    {local} = {call}(({', '.join(xs)},), {out})")
            else:
                arg = [writer.number(node._arg)] if node._arg is not None else []
                lines.append(f"    {local} = {call}({', '.join([*xs, out, *arg])})")
            factors = [f"{local}[{i}]" for i in range(len(parents))]
        passed = factors if is_root and writer.per_example else [f"{f} * {upstream}" for f in factors]
    for parent, term in zip(parents, passed):
        if parent not in unread:
            terms.setdefault(parent, []).append(term)
    return lines
