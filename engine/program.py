"""``Program``: the code ``engine.compile`` writes for one traced graph, as the one record every runner takes.

The compiler writes the source of one function, ``compiled(*inputs) -> (value, grads)``, from the op table
(``engine.compiler``). What the source calls by name — the primitives (``exp``, ``where``, …), ``as_float``, a
custom op's ``forward_<op>``/``partials_<op>`` and the non-finite numbers ``number_<k>`` — is listed in
``namespace``, bound to its float function or number. A runner binds those names to its own functions (numpy's, to
run every line over a batch axis) and executes the one code object: ``Program.bound``.

``nodes`` is the traced graph itself, node by node in the order the code computes them, for a runner that writes
code of its own from it (``engine.packing``: the packed program of ``runner="matrix"``). The code object is made
from ``source`` when a runner first needs it: a runner that does not (the matrix runner) never pays for it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import CodeType
from typing import Any, NamedTuple

from engine.ops import Op

#: What ``compiled(*inputs)`` returns: the output's number (a list of them for several outputs), and the gradients.
Function = Callable[..., tuple[Any, list[Any]]]


class Node(NamedTuple):
    """One node of a traced graph, where the generated code computes it: an input (``input``, its position among the
    inputs), a constant (``value``), or ``op`` applied to earlier nodes (``parents``, their positions in
    ``Program.nodes``) with its parameter ``arg``. ``name`` is the node's name in ``Program.source``, ``label`` its
    label in the graph."""

    op: Op | None
    arg: float | None
    parents: tuple[int, ...]
    input: int | None
    value: float
    name: str
    label: str


def _as_is(name: str, value: Any) -> Any:
    """The binding of a name on floats: the float function or number the compiler gave it."""
    return value


@dataclass(frozen=True, eq=False)
class Program:
    """The generated code of one traced graph, and what a runner needs to run it.

    - ``source``: the Python source of ``compiled(*inputs)``; ``filename``: the name tracebacks give it; ``code``:
      that source compiled (when first asked for).
    - ``namespace``: every name the code calls that is not an argument, bound to its float function or number;
      ``calls``: the names among them that are an op's own ``forward`` or ``partials`` (a custom op whose math does
      not write itself out), with the op and which of the two.
    - ``inputs``: the argument names, the shared inputs first (``n_shared`` of them), then one example's;
      ``names``: every generated name and the label of the node it holds; ``wrt``: the inputs whose gradients
      ``compiled`` returns, by position; ``n_outputs``: how many outputs ``value`` holds.
    - ``per_example``: written for ``compile(..., per_example=...)``, to be run over a batch of examples.
    - ``nodes``: the traced graph (``Node``), in the order the code computes it; ``outputs``: the positions of the
      outputs there, the differentiated one first.
    """

    source: str
    filename: str
    namespace: Mapping[str, Any]
    calls: Mapping[str, tuple[Op, str]]
    inputs: tuple[str, ...]
    names: dict[str, str]
    wrt: tuple[int, ...]
    n_shared: int
    n_outputs: int
    per_example: bool
    nodes: tuple[Node, ...] = ()
    outputs: tuple[int, ...] = ()
    _functions: dict[str, Function] = field(default_factory=dict, repr=False)

    @cached_property
    def code(self) -> CodeType:
        """``source`` compiled, once (Python's compiler takes ~20 µs a line)."""
        return builtins.compile(self.source, self.filename, "exec")

    @property
    def n_per_example(self) -> int:
        """How many inputs are one example's (0 for a program of a whole graph)."""
        return len(self.inputs) - self.n_shared if self.per_example else 0

    def bound(self, runner: str, bind: Callable[[str, Any], Any]) -> Function:
        """``compiled`` executed with each name of ``namespace`` bound to ``bind(name, its float binding)``: the
        runner's own function for it. Made once per ``runner`` (a name), then kept."""
        function = self._functions.get(runner)
        if function is None:
            namespace = {name: bind(name, value) for name, value in self.namespace.items()}
            exec(self.code, namespace)  # code the compiler wrote from the op table only
            function = self._functions[runner] = namespace["compiled"]
        return function

    def on_floats(self) -> Function:
        """``compiled`` on floats: the names bound as the compiler bound them."""
        return self.bound("floats", _as_is)
