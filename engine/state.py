"""Process-wide autograd switches, flipped by the context managers in ``engine.modes``.

Kept in one tiny module so that node creation and the backward loop read them
with one lookup. They are global (not per thread): glassgrad is a teaching
engine and runs single-threaded. Change them only through the setters, which
keep ``plain`` in step.
"""

from __future__ import annotations

from typing import Any

#: False inside ``no_grad()``: new nodes record no parents.
grad_enabled: bool = True

#: The active ``detect_anomaly()`` watcher, or None.
anomaly: Any = None

#: True when nodes are recorded and no watcher is active: node creation's fast path.
plain: bool = True

#: The names of the scopes that new nodes are made in, outermost first (``engine.scope``); () for none.
scope: tuple[str, ...] = ()


def set_grad_enabled(enabled: bool) -> bool:
    """Switch recording on or off; returns the previous setting."""
    global grad_enabled, plain
    previous = grad_enabled
    grad_enabled = enabled
    plain = grad_enabled and anomaly is None
    return previous


def set_anomaly(watch: Any) -> Any:
    """Install an anomaly watcher (or None); returns the previous one."""
    global anomaly, plain
    previous = anomaly
    anomaly = watch
    plain = grad_enabled and anomaly is None
    return previous
