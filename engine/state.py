"""Process-wide autograd switches, flipped by the context managers in ``engine.modes``.

Kept in one tiny module so that node creation and the backward loop read them
with one lookup. They are global (not per thread): glassgrad is a teaching
engine and runs single-threaded.
"""

from __future__ import annotations

from typing import Any

#: False inside ``no_grad()``: new nodes record no parents.
grad_enabled: bool = True

#: The active ``detect_anomaly()`` watcher, or None.
anomaly: Any = None
