"""Modes that change how nodes are recorded: ``no_grad`` and ``detect_anomaly``.

Each is a context manager that restores the previous state in ``finally``, so
modes nest and an exception inside never leaves a mode switched on.
"""

from __future__ import annotations

import contextlib
import linecache
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from engine import switches
from engine.ops import Op
from engine.value import Value

#: Frames from these files are library code, not the user's: the engine itself and contextlib.
_SKIP_DIRS = (os.path.dirname(os.path.abspath(__file__)), os.path.abspath(contextlib.__file__ or ""))


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside, new nodes record no parents: for optimizer steps and evaluation."""
    previous = switches.set_grad_enabled(False)
    try:
        yield
    finally:
        switches.set_grad_enabled(previous)


class scope:  # noqa: N801 - used like a function: ``with scope("neuron 3"):``
    """Inside ``with scope(name):``, new nodes are tagged with ``name`` (nested scopes add up), and
    diagrams group them in a box. nn opens one per layer and per neuron.
    """

    __slots__ = ("_parent", "_path", "_previous", "name")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"scope(name): expected a non-empty str, got {name!r}")
        self.name = name
        self._previous: tuple[str, ...] = ()
        self._parent: tuple[str, ...] | None = None
        self._path: tuple[str, ...] = (name,)

    def __enter__(self) -> scope:
        previous = switches.scope()
        if previous is not self._parent:  # a scope object used again in the same place reuses its path
            self._parent = previous
            self._path = (*previous, self.name)
        self._previous = previous
        switches.set_scope(self._path)
        return self

    def __exit__(self, *exc: object) -> None:
        switches.set_scope(self._previous)


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return switches.grad_enabled()


def _user_site() -> str:
    """``file:line: source`` of the innermost frame outside the engine: the user code that made a node."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_SKIP_DIRS):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}" + (f": {source}" if source else "")


def _name(node: Value) -> str:
    return repr(node.label) if node.label else "unlabelled"


def _inputs_text(op: Op, parents: tuple[Value, ...], arg: float | None) -> str:
    names = [op.inputs[min(i, len(op.inputs) - 1)] for i in range(len(parents))]
    parts = [f"{n}={p.data!r} ({_name(p)})" for n, p in zip(names, parents)]
    if op.param is not None:
        parts.append(f"{op.param}={arg!r}")
    return ", ".join(parts)


def _finite(x: Any) -> bool:
    return math.isfinite(x if isinstance(x, (int, float)) else x.data)


class _AnomalyWatch:
    """Records where each node was made and raises at the first non-finite result of finite inputs."""

    def __init__(self) -> None:
        self.sites: dict[Value, str] = {}

    def created(self, node: Value, op: Op, parents: tuple[Value, ...], arg: float | None) -> None:
        site = _user_site()
        self.sites[node] = site
        if not math.isfinite(node.data) and all(math.isfinite(p.data) for p in parents):
            raise FloatingPointError(
                f"{op.name} gave {node.data!r} from finite inputs {_inputs_text(op, parents, arg)}; "
                f"node created at {site}"
            )

    def check_backward(self, node: Value, upstream: Any, local: tuple[Any, ...]) -> None:
        op = node._op
        if op is None or not _finite(upstream) or not all(math.isfinite(p.data) for p in node.parents):
            return
        g = float(upstream if isinstance(upstream, (int, float)) else upstream.data)
        for i, d in enumerate(local):
            dv = float(d if isinstance(d, (int, float)) else d.data)
            if not (math.isfinite(dv) and math.isfinite(dv * g)):
                name = op.inputs[min(i, len(op.inputs) - 1)]
                raise FloatingPointError(
                    f"backward through {op.name} gave a non-finite local derivative "
                    f"∂out/∂{name} = {op.formula(i)} = {dv!r} "
                    f"at {_inputs_text(op, node.parents, node._arg)} (upstream gradient {g!r}); "
                    f"node {_name(node)} created at {self.sites.get(node, '<before detect_anomaly()>')}"
                )


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside, the first op whose output or gradient is non-finite while its inputs were finite raises
    ``FloatingPointError`` naming the op, its inputs, the node's label and the line of user code that
    created the node. Slower: every node records where it was made.
    """
    previous = switches.set_anomaly(_AnomalyWatch())
    try:
        yield
    finally:
        switches.set_anomaly(previous)
