"""The autograd switches, flipped by the context managers in ``engine.modes``: one set per thread (and per
asyncio task), kept in context variables.

A ``with no_grad():`` in one thread (a notebook cell, a web request) does not stop another thread's
training from recording its graph: a new thread starts with the defaults. Node creation stays as cheap
as with plain globals: it reads the scope, and ``special``, the number of threads now inside
``no_grad()`` or ``detect_anomaly()``; only while that is not 0 does it look at its own thread's
switches. (A task created inside ``no_grad()`` that runs on after the block has ended records again.)
Change the switches only through the setters, which keep ``special`` in step.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import Any

#: False inside ``no_grad()``: new nodes record no parents.
_grad_enabled: ContextVar[bool] = ContextVar("glassgrad_grad_enabled", default=True)

#: The active ``detect_anomaly()`` watcher, or None.
_anomaly: ContextVar[Any] = ContextVar("glassgrad_anomaly", default=None)

#: The names of the scopes that new nodes are made in, outermost first (``engine.scope``); () for none.
_scope: ContextVar[tuple[str, ...]] = ContextVar("glassgrad_scope", default=())

grad_enabled = _grad_enabled.get
anomaly = _anomaly.get
scope = _scope.get

#: How many threads (contexts) are inside ``no_grad()`` or ``detect_anomaly()``: 0 is node creation's fast path.
special = 0
_counting = threading.Lock()


def _is_special() -> bool:
    return not _grad_enabled.get() or _anomaly.get() is not None


def _count(before: bool) -> None:
    global special
    after = _is_special()
    if before != after:
        with _counting:
            special += 1 if after else -1


def set_grad_enabled(enabled: bool) -> bool:
    """Switch recording on or off in this thread; returns the previous setting."""
    before, previous = _is_special(), _grad_enabled.get()
    _grad_enabled.set(enabled)
    _count(before)
    return previous


def set_anomaly(watch: Any) -> Any:
    """Install an anomaly watcher (or None) in this thread; returns the previous one."""
    before, previous = _is_special(), _anomaly.get()
    _anomaly.set(watch)
    _count(before)
    return previous


def set_scope(path: tuple[str, ...]) -> tuple[str, ...]:
    """Make new nodes of this thread in the scope ``path``; returns the previous one."""
    previous = _scope.get()
    _scope.set(path)
    return previous
