"""The playground's app on a real uvicorn server in a thread, on 127.0.0.1 and a free port (for browser tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playground.runner import Runner

TOKEN = "test-token"


@contextmanager
def served(runner: Runner) -> Iterator[str]:
    """Serve ``runner`` while the block runs; yields the base URL (``http://127.0.0.1:PORT``), token ``TOKEN``."""
    from playground.server import running

    with running(runner, TOKEN) as url:
        yield url.split("/?")[0]
