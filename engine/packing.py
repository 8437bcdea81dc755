"""Packing: the lanes of one example's traced graph found, and written as whole-array operations.

A network built from scalars holds the lecture's matrix form only implicitly: the neurons of a layer are
isomorphic subgraphs side by side. ``pack(program)`` finds them from the graph's own shape (never from labels or
scopes, so a network written by hand as lists of Values packs as ``nn.MLP`` does) and writes the program that
``batch(runner="matrix")`` runs (``engine.matrix_runner``, which binds its names to numpy):

- **Lanes.** Nodes that do the same op (the same parameter) on inputs that are themselves lanes of one pack form a
  pack, one lane per node: built bottom up, a node's pack is named by its op and its parents' packs, so two nodes
  share a pack exactly when their subgraphs have the same shape. The inputs of one example are one pack (``X``,
  one column per input), the shared inputs another (``p``), the constants a third. ``+`` and ``*`` are commutative,
  so their parents are taken in a fixed order of their packs; an add or sum whose only consumer is another add or
  sum is merged into it (builtin ``sum``'s chain of adds is one sum of many terms). A node the first output depends
  on never shares a pack with one it does not, so no lane passes back a gradient the graph would not.
- **Whole-array lines.** A pack of k lanes is an array of k columns (one row per example when it depends on the
  example): its op runs once, on its parents' packs read at the lanes it needs (a slice, or an index array).
- **Matrix products.** A sum of two or more products ``w·a`` a lane, where every lane (neuron) takes the same
  inputs ``a`` and its own weights ``w`` (the same for every example), is ``a @ W.T``: the products are not
  computed on their own. It is refused (the products computed, then summed lane by lane, and a comment says why)
  when a product is used anywhere else or when the neurons do not share their inputs. Products of two numbers that
  both change from example to example (a one-hot target times a logit) are elementwise, then summed.
- **Backward.** Each pack's gradient is the sum of what its consumers pass it, in the reverse order of the packs:
  a line's local derivatives (the op table's own partials) times the gradient above, scattered back to the lanes
  read; a matrix product's are ``dz @ W`` and ``dz.T @ a`` (the outer products summed over the batch); a shared
  input's gradient is summed over the batch.

Only sums are reordered (a matrix product adds its terms in its own order), so results agree with the graph to
rounding; every product and every op is the graph's own, so inf and nan come out as on floats. What does not
pack (a node alone in its pack) stays one line of its own, as in ``compiled.source``.
"""

from __future__ import annotations

import builtins
import itertools
import math
import struct
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from types import CodeType
from typing import Any
from weakref import WeakKeyDictionary

from engine.ops import ADD, MUL, POW, SUM, VARIADIC, Op, OpKind
from engine.primitives import Binding, Sym
from engine.primitives import logsumexp as logsumexp_of
from engine.primitives import total as total_of
from engine.program import Program

#: The packs every program has: the example's inputs, the shared inputs, the constants.
X, P, C = 0, 1, 2


class Indices(tuple):  # type: ignore[type-arg]
    """Lane numbers the packed code reads or writes at: a runner binds them to an integer array (nested: 2-D)."""

    __slots__ = ()


class Numbers(tuple):  # type: ignore[type-arg]
    """Constants of several lanes: a runner binds them to a float array."""

    __slots__ = ()


@dataclass(eq=False)
class Pack:
    """One pack: ``lanes`` (the positions of its nodes in ``Program.nodes``; for ``X`` and ``P``, the inputs'
    positions among the example's or the shared inputs), what computes it (``op`` and ``arg``; ``kind`` "sum"
    for a merged sum, "leaf" for X, P and C), whether it changes from example to example (``batched``), whether the
    first output depends on it (``on_root``) and whether its gradient is wanted (``wanted``: on the way from the
    first output to a shared input), and ``covers``, how many nodes of each op it stands for. An op pack's
    ``parents`` give, input by input, the pack read and the lane read for each of its lanes; a sum pack's
    ``groups``, for each pack its terms come from, the lanes read for each of its lanes. ``fused``: a pack of
    products written into a matrix product, not computed on its own; ``var``: its name in the code."""

    id: int
    kind: str
    op: Op | None = None
    arg: float | None = None
    lanes: list[int] = field(default_factory=list)
    batched: bool = False
    on_root: bool = False
    wanted: bool = False
    parents: list[tuple[int, list[int]]] = field(default_factory=list)
    groups: dict[int, list[list[int]]] = field(default_factory=dict)
    covers: Counter[str] = field(default_factory=Counter)
    fused: bool = False
    var: str = ""

    @property
    def multi(self) -> bool:
        """True for a pack of several lanes (an array with a lane axis); X and P always are."""
        return self.id in (X, P) or len(self.lanes) > 1


@dataclass
class Product:
    """A sum's terms ``w·a`` packed as a matrix product: ``a`` read from pack ``a_pack`` at ``a_lanes`` (the same for
    every lane of the sum), ``w`` from ``w_pack`` at ``w_lanes`` (one row per lane of the sum)."""

    a_pack: int
    a_lanes: list[int]
    w_pack: int
    w_lanes: list[list[int]]


class Graph:
    """The packs of one program: ``packs`` in the order they are computed, the pack and lane of each node, the
    terms of each merged sum, and each sum pack's products (``products``: pack id -> the term pack's id -> Product)
    or why a sum's products were refused (``refused``)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        nodes = program.nodes
        self.uses = [0] * len(nodes)
        self.consumer = [-1] * len(nodes)
        for i, node in enumerate(nodes):
            for q in node.parents:
                self.uses[q] += 1
                self.consumer[q] = i
        for o in program.outputs:
            self.uses[o] += 1  # an output is never merged into a sum nor fused into a product
        self.on_root = _ancestors(program, program.outputs[0]) if program.outputs else set()
        self.terms: dict[int, list[int]] = {}
        self.merged: set[int] = set()
        self.pack_of: list[int] = [-1] * len(nodes)
        self.lane_of: list[int] = [-1] * len(nodes)
        self.packs: list[Pack] = [Pack(X, "leaf", batched=True, lanes=list(range(program.n_per_example))),
                                  Pack(P, "leaf", lanes=list(range(program.n_shared)), wanted=bool(program.wrt)),
                                  Pack(C, "leaf")]
        self.products: dict[int, dict[int, Product]] = {}
        self.refused: dict[int, str] = {}
        self._keys: dict[Any, int] = {}
        self._merge_sums()
        for i in range(len(nodes)):
            if i not in self.merged:
                self._place(i)
        for pack in self.packs[C + 1:]:
            if pack.kind == "sum":
                self._find_products(pack)

    def _merge_sums(self) -> None:
        """Each add or sum node's terms, with an add or sum whose only consumer is another add or sum merged in."""
        nodes = self.program.nodes
        is_sum = [node.op is ADD or node.op is SUM for node in nodes]
        for i, node in enumerate(nodes):
            if not is_sum[i]:
                continue
            terms: list[int] = []
            for q in node.parents:
                if is_sum[q] and self.uses[q] == 1 and self.consumer[q] == i:
                    terms.extend(self.terms[q])
                    self.merged.add(q)
                else:
                    terms.append(q)
            self.terms[i] = terms

    def _place(self, i: int) -> None:
        """Node ``i`` into its pack (a new one when no node of its shape came before)."""
        node, n_shared = self.program.nodes[i], self.program.n_shared
        if node.input is not None:
            self.pack_of[i], self.lane_of[i] = (P, node.input) if node.input < n_shared else \
                (X, node.input - n_shared)
            return
        if node.op is None:  # a constant
            self._join(self.packs[C], i)
            return
        on_root = i in self.on_root
        if i in self.terms:
            key: Any = ("sum", on_root, tuple(sorted(self.pack_of[t] for t in self.terms[i])))
            parents = self.terms[i]
        else:
            parents = list(node.parents)
            if node.op is MUL and self.pack_of[parents[0]] > self.pack_of[parents[1]]:
                parents.reverse()  # a·b = b·a: the parents in the order of their packs
            arg = None if node.arg is None else struct.pack("<d", node.arg)
            key = (node.op, arg, on_root, tuple(self.pack_of[q] for q in parents))
        k = self._keys.get(key)
        if k is None:
            k = self._keys[key] = len(self.packs)
            kinds = [self.packs[self.pack_of[q]] for q in parents]
            self.packs.append(Pack(k, "sum" if i in self.terms else "op", node.op, node.arg,
                                   batched=any(p.batched for p in kinds), on_root=on_root,
                                   wanted=on_root and any(p.wanted for p in kinds)))
        pack = self.packs[k]
        self._join(pack, i)
        if pack.kind == "sum":
            self._add_terms(pack, i)
        else:
            if len(pack.lanes) == 1:
                pack.parents = [(self.pack_of[q], []) for q in parents]
            for (_, lanes), q in zip(pack.parents, parents):
                lanes.append(self.lane_of[q])

    def _join(self, pack: Pack, i: int) -> None:
        """Node ``i`` as the next lane of ``pack``."""
        self.pack_of[i], self.lane_of[i] = pack.id, len(pack.lanes)
        pack.lanes.append(i)
        node = self.program.nodes[i]
        pack.covers[node.op.name if node.op is not None else "constant"] += 1
        if i in self.terms:
            pack.covers.update(_merged_ops(self, i))

    def _add_terms(self, pack: Pack, i: int) -> None:
        """The lanes of sum node ``i``'s terms, grouped by the pack they come from."""
        by_pack: dict[int, list[int]] = {}
        for t in self.terms[i]:
            by_pack.setdefault(self.pack_of[t], []).append(self.lane_of[t])
        for k, lanes in by_pack.items():
            pack.groups.setdefault(k, []).append(lanes)

    def _find_products(self, pack: Pack) -> None:
        """The sum's groups of two or more products a lane that are matrix products (``Product``), and why the
        others are not (``refused``)."""
        for k, rows in pack.groups.items():
            term = self.packs[k]
            if term.op is not MUL or term.kind != "op" or len(rows[0]) < 2:
                continue
            if all(self.packs[factor].batched for factor, _ in term.parents):
                continue  # products of two numbers of each example's (a one-hot target's and a logit's): elementwise
            why = self._unfusable(term, rows)
            product = None if why else _product(self.packs, term, rows)
            if isinstance(product, str) or product is None:
                self.refused[pack.id] = f"not a matrix product: {why or product}; the {len(term.lanes)} " \
                    "products are computed on their own, then summed lane by lane"
                continue
            term.fused = True
            self.products.setdefault(pack.id, {})[k] = product

    def _unfusable(self, term: Pack, rows: list[list[int]]) -> str:
        """Why the products ``term`` cannot be left out of the code (they are used outside this sum), or ''."""
        counted = Counter(lane for row in rows for lane in row)
        if len(counted) != len(term.lanes) or any(n != 1 for n in counted.values()):
            return "the products are not each used once by this sum"
        if any(self.uses[i] != 1 for i in term.lanes):
            return "the products are used outside this sum too (or are outputs)"
        return ""


def _merged_ops(graph: Graph, i: int) -> Counter[str]:
    """The ops of the add and sum nodes merged into sum node ``i`` (the nodes it stands for besides itself)."""
    found: Counter[str] = Counter()
    stack = [q for q in graph.program.nodes[i].parents if q in graph.merged]
    while stack:
        q = stack.pop()
        node = graph.program.nodes[q]
        found[node.op.name if node.op is not None else "constant"] += 1
        stack.extend(r for r in node.parents if r in graph.merged)
    return found


def _ancestors(program: Program, root: int) -> set[int]:
    """The positions of ``root`` and of every node it depends on."""
    seen = {root}
    stack = [root]
    while stack:
        for q in program.nodes[stack.pop()].parents:
            if q not in seen:
                seen.add(q)
                stack.append(q)
    return seen


def _product(packs: list[Pack], term: Pack, rows: list[list[int]]) -> Product | str:
    """The products ``term`` (each row: the lanes of one lane of the sum) as ``a @ W.T``: one factor read at the same
    lanes in every row (a pack of several lanes), the other the same for every example (not both change from example
    to example: ``_find_products`` leaves those out); else why not."""
    (first, first_lanes), (second, second_lanes) = term.parents
    orientations = [(first, first_lanes, second, second_lanes), (second, second_lanes, first, first_lanes)]
    orientations.sort(key=lambda o: (not packs[o[0]].batched, packs[o[2]].batched))  # a batched, W not, first
    for a_pack, a_of, w_pack, w_of in orientations:
        if packs[w_pack].batched or not packs[a_pack].multi:
            continue
        pairs = [sorted((a_of[lane], w_of[lane]) for lane in row) for row in rows]
        a_lanes = [a for a, _ in pairs[0]]
        if all([a for a, _ in row] == a_lanes for row in pairs):
            return Product(a_pack, a_lanes, w_pack, [[w for _, w in row] for row in pairs])
    return "the lanes (neurons) do not all take the same inputs"


# --- writing the packed program ---

#: The names the packed code calls besides the primitives of ``engine.primitives``: a runner binds each.
HELPERS = ("empty", "zeros", "ones", "add_at", "broadcast_to", "as_float", "logsumexp_lanes", "total_lanes")

#: Variadic primitives a pack of one lane computes over a lane axis when all its inputs come from one pack.
LANE_REDUCTIONS = {"logsumexp": (logsumexp_of, "logsumexp_lanes"), "total": (total_of, "total_lanes")}


@dataclass(frozen=True, eq=False)
class Packed:
    """The packed program of one ``Program``: ``source``, the Python of ``packed(p, X, grads=True)`` (``p`` the shared
    inputs, ``X`` one row per example; it returns the outputs, one row per example and one column per output, and
    the gradient of the first output summed over the examples, one number per shared input, or None without
    ``grads``); ``namespace``, the names it
    uses besides the primitives and ``HELPERS`` (``Indices``, ``Numbers``, non-finite numbers); ``calls``, a custom
    op's ``forward``/``partials`` it calls by name; ``packs``, the packs written as whole-array lines, ``products``
    the matrix products among them."""

    source: str
    filename: str
    namespace: dict[str, Any]
    calls: dict[str, tuple[Op, str]]
    nodes: int
    packs: int
    products: int

    @cached_property
    def code(self) -> CodeType:
        """``source`` compiled, once."""
        return builtins.compile(self.source, self.filename, "exec")


_PACKED: WeakKeyDictionary[Program, Packed] = WeakKeyDictionary()


def pack(program: Program) -> Packed:
    """The packed program of ``program`` (written at the first call, then kept with the program)."""
    packed = _PACKED.get(program)
    if packed is None:
        packed = _PACKED[program] = _Writer(Graph(program)).write()
    return packed


def _number(x: float) -> str:
    """A finite number as code that reads back exactly, in parentheses when it is negative."""
    return f"({x!r})" if x < 0 or (x == 0.0 and math.copysign(1.0, x) < 0) else repr(x)


def _selector(lanes: list[int], size: int) -> str | None:
    """``lanes`` of a pack of ``size`` lanes as a slice (``""`` for all of them, in order), or None when they are
    no slice."""
    if lanes == list(range(size)):
        return ""
    if len(lanes) == 1:
        return None
    step = lanes[1] - lanes[0]
    if step >= 1 and all(b - a == step for a, b in itertools.pairwise(lanes)):
        return f"{lanes[0]}:{lanes[-1] + 1}" + (f":{step}" if step > 1 else "")
    return None


def _grouped(code: str) -> str:
    """``code`` ready for a method call or an operator: in parentheses unless it is a plain name."""
    return code if code.isidentifier() else f"({code})"


class _Writer:
    """Writes the packed program of a ``Graph``: the packs' forward lines in order, then their backward lines in
    reverse, each gradient accumulated as its consumers pass it on (see the module's doc)."""

    def __init__(self, graph: Graph) -> None:
        self.graph, self.packs, self.nodes = graph, graph.packs, graph.program.nodes
        self.namespace: dict[str, Any] = {}
        self.constants: dict[Any, str] = {}
        self.calls: dict[str, tuple[Op, str]] = {}
        self.forward: list[str] = []
        self.backward: list[str] = []
        self.layers = 0
        self.used: set[str] = {"X", "p", "n", "g", "grads"}
        self.reads: dict[int, list[str]] = {}  # an op pack's inputs as its lines read them
        self.factors: dict[int, tuple[str, str]] = {}  # a matrix product's inputs: a and W
        self.owned: dict[int, bool] = {}  # a pack whose gradient is defined: may it be changed in place?
        self.p_sites: list[tuple[int, list[int]]] = []  # backward lines that add into lanes of g, and those lanes
        self.p_writes: Counter[int] = Counter()  # how many lines add into each lane of g
        self.packs[X].var, self.packs[P].var = "X", "p"

    # -- names and constants

    def fresh(self, name: str) -> str:
        """``name``, or ``name_2``, ``name_3``, … when it is taken."""
        candidate, k = name, 1
        while candidate in self.used:
            k += 1
            candidate = f"{name}_{k}"
        self.used.add(candidate)
        return candidate

    def constant(self, value: Any, prefix: str) -> str:
        """A name bound to ``value`` (``Indices``, ``Numbers``, a non-finite number) in the namespace: the same name
        for the same lanes or numbers."""
        key = (type(value), value if not isinstance(value, float) else struct.pack("<d", value))
        name = self.constants.get(key)
        if name is None:
            name = self.constants[key] = self.fresh(prefix)
            self.namespace[name] = value
        return name

    def number(self, x: float) -> str:
        """A number as code: its repr, or a bound name for inf and nan."""
        return _number(x) if math.isfinite(x) else self.constant(x, "number")

    def function(self, op: Op, which: str) -> str:
        """The name the code calls ``op.forward`` or ``op.partials`` by."""
        for name, called in self.calls.items():
            if called == (op, which):
                return name
        name = self.fresh(f"{which}_{op.name}")
        self.calls[name] = (op, which)
        return name

    # -- reading lanes

    def values(self, lanes: Any) -> Any:
        """The numbers of constant lanes (nested as ``lanes`` is)."""
        if isinstance(lanes, list):
            return [self.values(lane) for lane in lanes]
        return self.nodes[self.packs[C].lanes[lanes]].value

    def read(self, src: Pack, lanes: Any, multi: bool) -> str:
        """Pack ``src`` at ``lanes`` as a reader of ``multi`` lanes sees it (a 2-D ``lanes``: a lane axis of rows)."""
        return self.reading(src, lanes, multi)[0]

    def reading(self, src: Pack, lanes: Any, multi: bool, prefix: str = "at") -> tuple[str, bool]:
        """``read``'s code, and whether it gathers by an index array (a copy, worth a name of its own)."""
        if src.id == C:
            values = self.values(lanes)
            flat = [v for row in values for v in row] if values and isinstance(values[0], list) else values
            if len({struct.pack("<d", v) for v in flat}) == 1:
                return self.number(flat[0]), False
            return (self.constant(Numbers(values), "c") if multi else self.number(flat[0])), False
        if not src.multi:
            return (f"{src.var}[:, None]" if multi and src.batched else src.var), False
        axis = ":, " if src.batched else ""
        if not multi:
            return f"{src.var}[{axis}{lanes[0]}]", False
        two_d = isinstance(lanes[0], list)
        selector = None if two_d else _selector(lanes, len(src.lanes))
        if selector == "":
            return src.var, False
        if selector is not None:
            return f"{src.var}[{axis}{selector}]", False
        at = self.constant(Indices(tuple(map(tuple, lanes)) if two_d else tuple(lanes)), prefix)
        return f"{src.var}[{axis}{at}]", True

    def named(self, src: Pack, lanes: Any, multi: bool, name: str, always: bool = False) -> str:
        """``read``, assigned to a name of its own (``name``) when it gathers by an index array (or ``always``, unless
        it is a name already)."""
        code, gathers = self.reading(src, lanes, multi, f"{name}_at")
        if not gathers and not (always and not code.isidentifier()):
            return code
        var = self.fresh(name)
        self.forward.append(f"    {var} = {code}")
        return var

    def has_lanes(self, src: Pack, lanes: Any) -> bool:
        """True when reading ``src`` at ``lanes`` for a pack of several lanes gives an array with a lane axis: not
        when every lane reads the same node (a pack of one lane, or one same constant)."""
        if src.id == C:
            values = self.values(lanes)
            flat = [v for row in values for v in row] if values and isinstance(values[0], list) else values
            return len({struct.pack("<d", v) for v in flat}) > 1
        return src.multi

    def lane_shaped(self, code: str, pack: Pack) -> str:
        """``code`` made an array with a lane axis (a read-only view): its lanes compute the same number, the same
        op on the same nodes."""
        shape = f"(n, {len(pack.lanes)})" if pack.batched else f"({len(pack.lanes)},)"
        return f"broadcast_to({code}, {shape})"

    def lane(self, i: int) -> str:
        """Node ``i``'s number over the examples: its lane of its pack."""
        src = self.packs[self.graph.pack_of[i]]
        return self.read(src, [self.graph.lane_of[i]], False)

    # -- the forward pass

    def var_for(self, pack: Pack) -> str:
        """A pack's name: its first node's name in ``compiled.source`` (``a1``, ``a2``, … for a layer's activation:
        an op of one input, not a power, on every lane of a layer's ``z``)."""
        if pack.kind == "op" and len(pack.parents) == 1 and pack.op is not POW:
            (k, lanes), = pack.parents
            src = self.packs[k]
            if src.var.startswith("z") and src.var[1:].isdigit() and lanes == list(range(len(src.lanes))):
                return self.fresh(f"a{src.var[1:]}")
        return self.fresh(self.nodes[pack.lanes[0]].name)

    def write_op(self, pack: Pack) -> None:
        """The forward line of an op pack: the op's written forward on its inputs' lanes."""
        op = pack.op
        assert op is not None  # an op pack
        pack.var = self.var_for(pack)
        reduction = _lane_reduction(self.packs, pack)
        if reduction is not None:
            (k, _), lanes = pack.parents[0], [lane for _, (lane,) in pack.parents]
            reads = [self.named(self.packs[k], lanes, True, f"{pack.var}_in")]
            self.reads[pack.id] = reads
            self.forward.append(f"    {pack.var} = {reduction[0]}({reads[0]})  # {op.name} over {len(lanes)} lanes")
            return
        reads = [self.named(self.packs[k], lanes, pack.multi, f"{pack.var}_{q}")
                 for q, (k, lanes) in enumerate(pack.parents)]
        self.reads[pack.id] = reads
        forward = op.written(len(reads), pack.arg)[0]
        if forward is not None:
            code = forward.code.format(*reads, out=pack.var)
        else:
            call, arg = self.function(op, "forward"), [] if pack.arg is None else [self.number(pack.arg)]
            code = f"{call}(({', '.join(reads)},))" if op.arity == VARIADIC else f"{call}({', '.join(reads + arg)})"
        if not _builtin(op):
            code = f"as_float({code})"  # as ``apply`` makes a custom op's number a float
        if pack.multi and not any(self.has_lanes(self.packs[k], lanes) for k, lanes in pack.parents):
            code = self.lane_shaped(code, pack)
        what = f"{len(pack.lanes)} {op.name} nodes" if pack.multi else op.name
        self.forward.append(f"    {pack.var} = {code}  # {what}")

    def write_sum(self, pack: Pack) -> None:
        """The forward line of a sum pack: its groups of terms, each a matrix product, a gather or a reduction."""
        products = self.graph.products.get(pack.id, {})
        layer = 0
        if len(products) == 1 and all(self.packs[pr.a_pack].batched for pr in products.values()):
            self.layers += 1
            layer = self.layers
            pack.var = self.fresh(f"z{layer}")
        else:
            pack.var = self.fresh(self.nodes[pack.lanes[0]].name)
        terms = []
        for k, rows in sorted(pack.groups.items(), key=lambda group: (group[0] not in products, group[0] == C)):
            src = self.packs[k]
            if k in products:
                terms.append(self.write_product(pack, products[k], layer))
            elif k == C:
                sums = [sum(self.values(row), 0.0) for row in rows]  # the constants of a lane, added first
                terms.append(self.read_numbers(sums, pack.multi))
            elif all(len(row) == 1 for row in rows):
                name = f"b{layer}" if layer and k == P else f"{pack.var}_{k}"
                terms.append(self.named(src, [row[0] for row in rows], pack.multi, name, always=bool(layer)))
            else:
                terms.append(self.read_sum(src, rows, pack))
        code = " + ".join(terms)
        if pack.multi and not products and not any(self.has_lanes(self.packs[k], rows) for k, rows in
                                                   pack.groups.items()):
            code = self.lane_shaped(code, pack)
        if pack.id in self.graph.refused:
            self.forward.append(f"    # {self.graph.refused[pack.id]}")
        self.forward.append(f"    {pack.var} = {code}  # {self.sum_comment(pack, layer)}")

    def read_numbers(self, values: list[float], multi: bool) -> str:
        """Constants, one per lane, as code."""
        if len({struct.pack("<d", v) for v in values}) == 1 or not multi:
            return self.number(values[0])
        return self.constant(Numbers(values), "c")

    def read_sum(self, src: Pack, rows: list[list[int]], pack: Pack) -> str:
        """Several terms per lane from ``src``, summed: ``x + x`` for a node of its own, else a gather summed over
        its last axis."""
        if not src.multi:
            single = self.read(src, [0], pack.multi)
            return "(" + " + ".join([single] * len(rows[0])) + ")"
        lanes: Any = rows if pack.multi else rows[0]
        return f"{_grouped(self.read(src, lanes, True))}.sum(-1)"

    def write_product(self, pack: Pack, product: Product, layer: int) -> str:
        """A matrix product's code (``a @ W.T``), its two inputs read (and named) first."""
        a_src, w_src = self.packs[product.a_pack], self.packs[product.w_pack]
        a_name = ("x" if a_src.id == X else f"a{layer - 1}") if layer else f"{pack.var}_a"
        a = self.named(a_src, product.a_lanes, True, a_name, always=True)
        w_lanes: Any = product.w_lanes if pack.multi else product.w_lanes[0]
        w = self.named(w_src, w_lanes, True, (f"W{layer}" if pack.multi else f"w{layer}") if layer else f"{pack.var}_w",
                       always=True)
        self.factors[pack.id] = (a, w)
        if not a_src.batched and pack.multi:
            return f"{w} @ {a}"
        return f"{a} @ {w}.T" if pack.multi else f"{a} @ {w}"

    def sum_comment(self, pack: Pack, layer: int) -> str:
        """What a sum pack's line stands for, in the lecture's terms for a layer."""
        covered = Counter(pack.covers)
        for k in self.graph.products.get(pack.id, {}):
            covered.update(self.packs[k].covers)
        nodes = " and ".join(f"{n} {op} node{'s' if n != 1 else ''}" for op, n in sorted(covered.items(), key=_order))
        if layer:
            k = len(pack.lanes)
            return f"{k} neuron{'s' if k != 1 else ''} of layer {layer}: {nodes} packed"
        return f"{nodes} packed" if sum(covered.values()) > 1 else next(iter(covered))

    # -- the backward pass

    def grad_of(self, pack: Pack) -> str:
        """The name of a pack's gradient: ``g`` for the shared inputs', ``d_<name>`` for any other's."""
        return "g" if pack.id == P else f"d_{pack.var}"

    def accumulate(self, src: Pack, c: str, owned: bool) -> None:
        """``c`` (the whole of a pack's shape) added to its gradient, or its gradient's first term."""
        d = self.grad_of(src)
        if src.id == P:
            self.backward.append(f"    g += {c}")
            self.p_writes.update(range(len(src.lanes)))
        elif src.id not in self.owned:
            self.backward.append(f"    {d} = {c}")
            self.owned[src.id] = owned
        else:
            self.backward.append(f"    {d} = {d} + {c}")
            self.owned[src.id] = True

    def in_place(self, src: Pack) -> str:
        """The name of a pack's gradient, made an array of its own first (zeros, or a copy) so lanes can be added."""
        d = self.grad_of(src)
        if src.id == P:
            return d
        if src.id not in self.owned:
            shape = f"(n, {len(src.lanes)})" if src.batched else f"{len(src.lanes)}"
            self.backward.append(f"    {d} = zeros({shape})")
        elif not self.owned[src.id]:
            self.backward.append(f"    {d} = {d}.copy()")
        self.owned[src.id] = True
        return d

    def scatter(self, src: Pack, lanes: Any, c: str, batched: bool, multi: bool, full: bool = True,
                owned: bool = True) -> None:
        """What a line passes back, ``c`` (one row per example when ``batched``, a lane axis when ``multi``; a 2-D
        ``lanes``: a lane axis of rows), added into the gradient of ``src`` at ``lanes``. ``full``: ``c`` has the
        whole shape of what was read (else it broadcasts); ``owned``: ``c`` is a new array."""
        if not src.wanted or src.id in (X, C):
            return
        if batched and not src.batched:  # a shared input's gradient: summed over the examples
            c, owned = f"{_grouped(c)}.sum({'0' if multi else ''})", True
        if not src.multi:
            if multi:
                c, owned = f"{_grouped(c)}.sum(-1)", True
            self.accumulate(src, c, owned)
            return
        two_d = multi and isinstance(lanes[0], list)
        flat = [lane for row in lanes for lane in row] if two_d else lanes
        if multi and not two_d and full and lanes == list(range(len(src.lanes))):
            self.accumulate(src, c, owned)
            return
        d = self.in_place(src)
        if src.id == P:
            self.p_writes.update(set(flat))
        selector = str(lanes[0]) if not multi else None if two_d else _selector(lanes, len(src.lanes))
        if selector == "":  # every lane, in order: ``c`` broadcasts
            self.backward.append(f"    {d} += {c}")
            return
        at = selector or self.constant(Indices(tuple(map(tuple, lanes)) if two_d else tuple(lanes)), "at")
        if len(set(flat)) != len(flat):
            self.backward.append(f"    add_at({d}, {at}, {c})")
            return
        if src.id == P:
            self.p_sites.append((len(self.backward), flat))
        axis = ":, " if src.batched else ""
        self.backward.append(f"    {d}[{axis}{at}] += {c}")

    def back_op(self, pack: Pack) -> None:
        """What an op pack passes each of its inputs: its local derivative times its gradient."""
        op, d, reads = pack.op, self.grad_of(pack), self.reads[pack.id]
        assert op is not None  # an op pack
        wanted = [self.packs[k].wanted for k, _ in pack.parents]
        reduction = _lane_reduction(self.packs, pack)
        if reduction is not None:
            (k, _), lanes = pack.parents[0], [lane for _, (lane,) in pack.parents]
            out = f"{pack.var}[:, None]" if pack.batched else pack.var
            local = f"({reduction[1].replace('{#}', reads[0]).replace('{out}', out)})"
            upstream = f"{d}[:, None]" if pack.batched else d
            self.scatter(self.packs[k], lanes, f"{local} * {upstream}", pack.batched, True)
            return
        factors: list[str | None] = [None] * len(reads)  # None: the gradient passed on as it is (a sum's)
        if op.kind is not OpKind.UNIT:
            partials = op.written(len(reads), pack.arg)[1]
            if partials is not None:
                factors = [_factor(p, reads, pack.var) for p in partials]
            elif any(wanted):
                local, call = f"p_{pack.var}", self.function(op, "partials")
                arg = [] if pack.arg is None else [self.number(pack.arg)]
                inputs = f"({', '.join(reads)},)" if op.arity == VARIADIC else ", ".join(reads)
                self.backward.append(f"    {local} = {call}({', '.join([inputs, pack.var, *arg])})")
                factors = [f"{local}[{q}]" for q in range(len(reads))]
        for (k, lanes), factor, want in zip(pack.parents, factors, wanted):
            if want:
                c = d if factor is None else f"{factor} * {d}"
                self.scatter(self.packs[k], lanes, c, pack.batched, pack.multi, owned=factor is not None)

    def back_sum(self, pack: Pack) -> None:
        """What a sum pack passes its terms (its gradient itself) and a matrix product its two inputs."""
        d, products = self.grad_of(pack), self.graph.products.get(pack.id, {})
        for k, rows in pack.groups.items():
            src = self.packs[k]
            if k in products:
                self.back_product(pack, products[k])
            elif not src.wanted:
                continue
            elif len(rows[0]) == 1:
                self.scatter(src, [row[0] for row in rows], d, pack.batched, pack.multi, owned=False)
            elif not src.multi:
                self.scatter(src, [0] * len(rows), f"{len(rows[0])}.0 * {d}", pack.batched, pack.multi)
            else:
                upstream = f"{d}[..., None]" if pack.multi else f"{d}[:, None]" if pack.batched else d
                self.scatter(src, rows if pack.multi else rows[0], upstream, pack.batched, True, full=False,
                             owned=False)

    def back_product(self, pack: Pack, product: Product) -> None:
        """A matrix product's backward: ``dz @ W`` to its input, ``dz.T @ a`` (summed over the batch) to W."""
        d, (a, w) = self.grad_of(pack), self.factors[pack.id]
        a_src, w_src = self.packs[product.a_pack], self.packs[product.w_pack]
        if pack.batched and not a_src.batched:  # a product the same for every example, in a sum that is not
            d = f"{d}.sum({'0' if pack.multi else ''})"
        w_lanes: Any = product.w_lanes if pack.multi else product.w_lanes[0]
        if a_src.batched:
            d_w, d_a = (f"{d}.T @ {a}", f"{d} @ {w}") if pack.multi else (f"{d} @ {a}", f"{d}[:, None] * {w}")
        else:
            d_w, d_a = (f"{d}[:, None] * {a}", f"{d} @ {w}") if pack.multi else (f"{d} * {a}", f"{d} * {w}")
        self.scatter(w_src, w_lanes, d_w, False, True)
        self.scatter(a_src, product.a_lanes, d_a, a_src.batched, True)

    # -- the whole program

    def write(self) -> Packed:
        """The packed program: forward lines, the outputs, backward lines (from the first output), the gradient."""
        program, graph = self.graph.program, self.graph
        for pack in self.packs[C + 1:]:
            if not pack.fused:
                (self.write_sum if pack.kind == "sum" else self.write_op)(pack)
        self.write_outputs()
        self.write_backward()
        for line, lanes in self.p_sites:  # a lane of g written once, by this line alone: set, not added
            if all(self.p_writes[lane] == 1 for lane in lanes):
                self.backward[line] = self.backward[line].replace("] += ", "] = ", 1)
        written = [p for p in self.packs[C + 1:] if not p.fused]
        title = f"{len(program.nodes)} nodes in {len(written)} packs"
        head = [
            "def packed(p, X, grads=True):",
            f'    """The packed program: forward and backward of {len(program.nodes)} nodes over a batch, in '
            f'{len(written)} lines of whole arrays."""',
            f"    # p: the {program.n_shared} shared inputs; X: one row per example, its {program.n_per_example} inputs"
            if program.per_example else f"    # p: the {program.n_shared} inputs; X: one row, no columns (the whole "
            "graph is one example)",
            "    n = X.shape[0]",
            "    # forward: each pack of lanes, one line over whole arrays",
        ]
        tail = ["    if not grads:", "        return outputs, None",
                "    # backward: each pack's gradient, what its consumers pass it, summed over the batch for p",
                f"    g = zeros({program.n_shared})", *self.backward, "    return outputs, g"]
        source = "\n".join(head + self.forward + tail) + "\n"
        filename = f"<glassgrad packed {title} {id(source):x}>"
        products = sum(len(v) for v in graph.products.values())
        return Packed(source, filename, self.namespace, self.calls, len(program.nodes), len(written), products)

    def write_outputs(self) -> None:
        """``outputs``: one row per example, one column per output; consecutive lanes of a pack copied at once."""
        graph = self.graph
        runs: list[list[int]] = []  # the outputs, run by run: [pack, first lane, how many]
        for o in graph.program.outputs:
            k, lane = graph.pack_of[o], graph.lane_of[o]
            if runs and runs[-1][0] == k and self.packs[k].multi and runs[-1][1] + runs[-1][2] == lane:
                runs[-1][2] += 1
            else:
                runs.append([k, lane, 1])
        self.forward.append(f"    outputs = empty((n, {len(graph.program.outputs)}))")
        column = 0
        for k, lane, count in runs:
            src = self.packs[k]
            lanes = list(range(lane, lane + count))
            code = self.read(src, lanes, True) if count > 1 else self.read(src, lanes, False)
            at = f"{column}:{column + count}" if count > 1 else f"{column}"
            self.forward.append(f"    outputs[:, {at}] = {code}")
            column += count

    def write_backward(self) -> None:
        """The backward lines: the first output's gradient (1 per example), then every pack's, in reverse."""
        graph = self.graph
        root = graph.program.outputs[0]
        pack = self.packs[graph.pack_of[root]]
        if pack.id in (X, P, C):  # the output is an input or a constant
            if pack.id == P and pack.wanted:
                self.backward.append(f"    g[{graph.lane_of[root]}] += float(n)")
            return
        if not pack.wanted:
            return
        self.backward.append(f"    {self.grad_of(pack)} = {'ones(n)' if pack.batched else 'float(n)'}")
        self.owned[pack.id] = True
        for pack in reversed(self.packs[C + 1:]):
            if pack.id in self.owned and not pack.fused:
                (self.back_sum if pack.kind == "sum" else self.back_op)(pack)


def _factor(partial: Sym, reads: list[str], out: str) -> str:
    """A written partial on the lines' inputs, ready to be multiplied (in parentheses if it binds less tightly)."""
    code = partial.code.format(*reads, out=out)
    return code if partial.strength >= Binding.PRODUCT else f"({code})"


def _builtin(op: Op) -> bool:
    """True for an op that ships with glassgrad (its forward gives a float; a custom op's is made one)."""
    from engine.ops import BUILTIN_OPS, OPS

    return op.name in BUILTIN_OPS and OPS.get(op.name) is op


def _order(item: tuple[str, int]) -> tuple[bool, str]:
    """Products first, then the rest by name."""
    return item[0] != "mul", item[0]


def _lane_reduction(packs: list[Pack], pack: Pack) -> tuple[str, str] | None:
    """For a one-lane pack of a variadic op over the lanes of one pack, whose forward is a reduction of
    ``LANE_REDUCTIONS`` and whose partials are one expression of their own input: the reduction's lane function and
    that expression (``{#}`` the input, ``{out}`` the output). None for anything else."""
    op = pack.op
    if pack.multi or op is None or op.arity != VARIADIC or len(pack.parents) < 2:
        return None
    if len({k for k, _ in pack.parents}) != 1 or not packs[pack.parents[0][0]].multi:
        return None
    r = len(pack.parents)
    forward, partials = op.written(r, pack.arg)
    if forward is None or partials is None:
        return None
    placeholders = [Sym(f"{{{q}}}") for q in range(r)]
    lane_function = next((name for fn, name in LANE_REDUCTIONS.values() if fn(placeholders).code == forward.code),
                         None)
    templates = {d.code.replace(f"{{{q}}}", "{#}") for q, d in enumerate(partials)}
    if lane_function is None or len(templates) != 1:
        return None
    template = templates.pop()
    if any(f"{{{q}}}" in template for q in range(r)):
        return None
    return lane_function, template
