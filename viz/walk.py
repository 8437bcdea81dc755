"""Walking a graph for drawing: nodes with deterministic ids in topological order, what kind of node each
is, the name the picture gives it, the cluster it belongs to, and on each edge the op table's local
derivative (formula and number).

Every node a picture can mention has a name printed on it, in the lecture's notation (``nn.notation``): its
label (nn labels a network's nodes ``x₁``, ``wᵢⱼˡ``, ``bᵢˡ``, ``zᵢˡ``, ``aᵢˡ``, a loss ``C``, the total ``L``)
when no other drawn node carries the same one. Several examples in one graph each make their nodes in a scope
``example n`` (``with engine.scope(f"example {n}")``); a label that their nodes share gets the example's number as
a superscript, ``C²``, ``x₁²``, or in parentheses after a layer's, ``z₁¹⁽²⁾``. A label shared otherwise gets a
count, ``z#2``. An unlabelled product of a parameter and another node, both named with one letter and indexes
(a neuron's ``w·a`` on one edge), is called by the two names side by side, ``w₁₂²a₂¹``; another unlabelled node
``v3``; a constant by its number. Formulas on edges and captions speak only in these names, so a formula never
names a node by a name that another node carries (the op table's generic names ``a``, ``b``, ``x`` are replaced).

Kept apart from the drawing, so the same walk serves the diagrams, the backward step-through and tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine import ForwardEdge, Value, backward_edges, op_of, push_tangents, topological_order
from engine.ops import VARIADIC, Op
from nn.notation import SUBSCRIPT_DIGITS, SUPERSCRIPT_DIGITS, SYMBOL, example_mark

#: Leaf labels that nn gives its parameters (``w₁``, ``w₁₂²``, …, ``b``, ``b₁²``; ``w0`` too); used when no
#: ``params`` are given.
PARAMETER_LABEL = re.compile(rf"^(w\d*|[wb][{SUBSCRIPT_DIGITS},]*[{SUPERSCRIPT_DIGITS}]*)$")

#: A scope that holds one example's nodes: ``example 3``.
EXAMPLE_SCOPE = re.compile(r"example (\d+)")


def fmt(x: float) -> str:
    """A number as pictures print it: 4 significant digits, ``inf``/``nan``, and never ``-0``."""
    return f"{x + 0.0 if x == 0.0 else x:.4g}"


def dotted(name: str) -> str:
    """A node's name with a dot over its first letter, Newton's mark of a rate, for its tangent: ``x`` → ``ẋ``."""
    return unicodedata.normalize("NFC", name[:1] + "\u0307") + name[1:]  # one character where there is one: ḃ


@dataclass(frozen=True, eq=False)
class NodeView:
    """One Value of the graph: its id (``n0``, ``n1``, … in topological order), kind, cluster path, and
    ``name``, what the picture prints on it and what formulas call it. ``auto_named``: the name was
    made up by the picture (the node has no label of its own)."""

    id: str
    value: Value
    kind: str
    scope: tuple[str, ...]
    name: str
    auto_named: bool = False


@dataclass(frozen=True, eq=False)
class EdgeView:
    """An edge parent → child as the engine's backward walk took it: the child's op's local derivative
    ∂child/∂parent (``formula``, in the names the picture gives the nodes, and ``local``), the child's gradient
    ``upstream``, what the edge ``passed`` back (``local · upstream``) and the parent's gradient after it
    (``total``). ``input_name`` is the parent's name. In ``GraphView.forward``, the same edge as forward mode took
    it: ``upstream`` is the parent's tangent, ``passed`` what the edge carried forward (``local · upstream``) and
    ``total`` the child's tangent after it."""

    parent: NodeView
    child: NodeView
    index: int
    input_name: str
    formula: str
    local: float
    upstream: float = 0.0
    passed: float = 0.0
    total: float = 0.0


@dataclass(frozen=True)
class GraphView:
    """The nodes (topological order, root last) and edges of a graph, ready to draw: ``edges`` child by child in
    topological order, ``backward`` the same edges in the order the backward walk took them, and ``walked``
    each node's gradient from that walk over the drawn graph (seeded with the root's gradient). When the walk was
    given tangents, ``tangents`` holds each node's tangent from forward mode (``engine.push_tangents``) and
    ``forward`` its edges, in the order of ``edges``."""

    nodes: list[NodeView]
    edges: list[EdgeView]
    by_value: dict[Value, NodeView]
    backward: list[EdgeView]
    walked: dict[Value, float]
    tangents: dict[Value, float] | None = None
    forward: list[EdgeView] = field(default_factory=list)
    seeds: tuple[Value, ...] = ()

    def node(self, value: Value) -> NodeView:
        """The view of ``value`` (a KeyError if it is not in the graph)."""
        if value not in self.by_value:
            raise KeyError(f"{value!r} is not in this graph")
        return self.by_value[value]

    @property
    def root(self) -> NodeView:
        """The node the graph was walked from."""
        return self.nodes[-1]


def op_label(value: Value) -> str:
    """What the op node of ``value`` shows: the op's symbol, with its parameter (``^2``, ``leaky_relu 0.01``)."""
    op = op_of(value)
    if op is None:
        return value.op
    if op.param is not None and value.arg is not None:
        return f"{op.label}{fmt(value.arg)}" if op.label == "^" else f"{op.label} {fmt(value.arg)}"
    return op.label


_SIMPLE = re.compile(rf"[\w#.]+(,[{SUBSCRIPT_DIGITS}]+[\w#]*)*")
_INDEXES = f"{SUBSCRIPT_DIGITS}{SUPERSCRIPT_DIGITS},⁽⁾"
_LETTER = rf"[^\W\d_{_INDEXES}]"  # a letter, not a sub- or superscript digit (which are word characters too)
_PRODUCT = re.compile(rf"{_LETTER}[{_INDEXES}]+{_LETTER}[{_INDEXES}]*")


def operand(name: str) -> str:
    """A name as it stands inside a formula or after a ∂: in parentheses unless it is one simple token
    (``-1.2`` → ``(-1.2)``, and a product of indexed names ``w₁₂²a₂¹`` → ``(w₁₂²a₂¹)``)."""
    return name if _SIMPLE.fullmatch(name) and not _PRODUCT.fullmatch(name) else f"({name})"


def formula_in_names(op: Op, i: int, parents: list[str], out: str, arg: float | None) -> str:
    """The readable partial ∂out/∂inputᵢ of ``op`` (the table's formula) with the op's generic names replaced by
    the names of the nodes: its inputs by ``parents``, ``out`` by ``out``, its parameter by its number."""
    names = {name: parents[i] for name in op.inputs} if op.arity == VARIADIC else dict(zip(op.inputs, parents))
    names["out"] = out
    if op.param is not None and arg is not None:
        names[op.param] = fmt(arg)
    formula = op.formula(i)
    if formula in names:  # the partial is one node itself (∂(a·b)/∂a = b): no parentheses needed
        return names[formula]
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?![\w])")
    return pattern.sub(lambda m: operand(names[m.group(1)]), formula)


def _kind(value: Value, params: set[Value] | None) -> str:
    if value.parents:
        return "op"
    if value.is_constant:
        return "constant"
    if params is not None:
        return "param" if value in params else "input"
    return "param" if PARAMETER_LABEL.match(value.label) else "input"


def _example(scope: tuple[str, ...]) -> int | None:
    """The number of the example a scope path belongs to (its part ``example n``), or None."""
    found = [int(m.group(1)) for part in scope if (m := EXAMPLE_SCOPE.fullmatch(part))]
    return found[-1] if found else None


def _product_name(value: Value, names: dict[Value, str], kinds: dict[Value, str]) -> str | None:
    """An unlabelled ``mul`` of a parameter and another node, both named with one letter and indexes: the two names
    side by side (``w₁₂²a₂¹``, in the op's order); None for any other node."""
    if value.op != "mul" or len(value.parents) != 2 or value.parents[0] is value.parents[1]:
        return None
    if "param" not in (kinds[p] for p in value.parents) or "constant" in (kinds[p] for p in value.parents):
        return None
    factors = [names[p] for p in value.parents]
    return "".join(factors) if all(SYMBOL.fullmatch(f) for f in factors) else None


def _names(order: list[Value], scopes: list[tuple[str, ...]], kinds: list[str]) -> list[tuple[str, bool]]:
    """Each node's name and whether it was made up: unique labels as they are; a label that several nodes share
    gets the number of its example (``C²``, ``z₁¹⁽²⁾``) or else a count (``z#2``); constants are called by their
    number; unlabelled products of a parameter ``w₁₂²a₂¹``, other unlabelled nodes ``v1``, ``v2``, … (skipping
    names already taken)."""
    counts = Counter(v.label for v in order if v.label)
    examples = [_example(sc) for sc in scopes]
    marked = Counter((v.label, n) for v, n in zip(order, examples) if counts[v.label] > 1 and n is not None)
    taken = set(counts)
    seen: Counter[str] = Counter()
    given: dict[Value, str] = {}
    kind_of = dict(zip(order, kinds))
    names: list[tuple[str, bool]] = []
    auto = 0
    for value, n in zip(order, examples):
        label = value.label
        if label and counts[label] == 1:
            names.append((label, False))
        elif label and n is not None and marked[(label, n)] == 1:
            names.append((example_mark(label, n), False))
        elif label:
            seen[label] += 1
            names.append((f"{label}#{seen[label]}", False))
        elif value.is_constant:
            names.append((fmt(value.data), False))
        elif (product := _product_name(value, given, kind_of)) is not None and product not in taken:
            taken.add(product)
            names.append((product, True))
        else:
            auto += 1
            while f"v{auto}" in taken:
                auto += 1
            names.append((f"v{auto}", True))
        given[value] = names[-1][0]
    return names


def walk(
    root: Value, params: Iterable[Value] | None = None, order: list[Value] | None = None, seed: float | None = None,
    tangents: Mapping[Value, float] | None = None,
) -> GraphView:
    """The view of ``root``'s graph. ``params`` marks which leaves are parameters (default: leaves labelled
    like nn's weights and biases); other leaves are inputs or constants. A leaf joins its consumers'
    cluster when they all share one. Each edge's numbers come from the engine's own backward walk
    (``engine.backward_edges``) over the drawn graph, seeded with ``seed`` (default: the root's ``.grad``);
    no ``.grad`` is touched. ``tangents`` (a Value of the graph → its tangent; every other leaf's is 0): the
    engine's forward mode is walked too (``engine.push_tangents``), for ``GraphView.tangents`` and ``forward``."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value (the root of a graph), got {root!r} ({type(root).__name__})")
    if order is None:
        order = topological_order(root)
    param_set = set(params) if params is not None else None
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    scopes = []
    for value in order:
        users = consumers.get(value, [])
        if not value.parents and users and len({u.scope for u in users}) == 1:
            scopes.append(users[0].scope)  # a weight sits inside the neuron that uses it
        else:
            scopes.append(value.scope)
    nodes: list[NodeView] = []
    views: dict[Value, NodeView] = {}
    kinds = [_kind(value, param_set) for value in order]
    for i, (value, scope, kind, (name, auto)) in enumerate(zip(order, scopes, kinds, _names(order, scopes, kinds))):
        view = NodeView(f"n{i}", value, kind, scope, name, auto)
        nodes.append(view)
        views[value] = view
    walked: dict[Value, float] = {root: root.grad if seed is None else seed}
    backward = [_edge_view(views, e.node, e.parent, e.index, e.local, e.upstream, e.passed, e.total)
                for e in backward_edges(order, walked)]
    position = {node.value: k for k, node in enumerate(nodes)}
    edges = sorted(backward, key=lambda e: (position[e.child.value], e.index))
    if tangents is None:
        return GraphView(nodes, edges, views, backward, walked)
    pushed: list[ForwardEdge] = []
    forward_tangents = push_tangents(order, dict(tangents), edges=pushed)  # node by node: the order of ``edges``
    forward = [_edge_view(views, e.node, e.parent, e.index, e.local, e.tangent, e.passed, e.total) for e in pushed]
    return GraphView(nodes, edges, views, backward, walked, forward_tangents, forward, tuple(tangents))


def _edge_view(views: dict[Value, NodeView], node: Value, parent: Value, index: int, local: float, upstream: float,
               passed: float, total: float) -> EdgeView:
    """The view of the edge ``parent`` → ``node`` (its ``index``-th input), with its formula in the picture's names."""
    into, out_of = views[node], views[parent]
    op = op_of(node)
    assert op is not None  # the walks yield only op nodes
    formula = formula_in_names(op, index, [views[p].name for p in node.parents], into.name, node.arg)
    return EdgeView(out_of, into, index, out_of.name, formula, float(local), float(upstream), float(passed),
                    float(total))


#: How ``program`` writes the forward of the ops that read better in infix.
_INFIX = {"add": " + ", "mul": " · ", "sum": " + ", "vpow": "^"}


def forward_text(view: GraphView, node: NodeView) -> str:
    """The op of ``node`` applied to its inputs, in the picture's names: ``x · w``, ``tanh(z)``, ``x^2``."""
    value = node.value
    args = [view.node(p).name for p in value.parents]
    if value.op in _INFIX:
        summing = value.op in ("add", "sum")  # a product needs no parentheses in a sum: w₁₁¹x₁ + b₁¹
        return _INFIX[value.op].join(a if summing and _PRODUCT.fullmatch(a) else operand(a) for a in args)
    if value.op == "pow" and value.arg is not None:
        return f"{operand(args[0])}^{operand(fmt(value.arg))}"
    if value.arg is not None:
        args.append(fmt(value.arg))
    return f"{value.op}({', '.join(args)})"


def program(view: GraphView) -> list[str]:
    """What the graph computes, one line per op node in topological order: ``z = wx + b``."""
    return [f"{n.name} = {forward_text(view, n)}" for n in view.nodes if n.value.parents]
