"""The playground's app on a real uvicorn server in a thread, on 127.0.0.1 and a free port (for browser tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from viz.runner import Runner

TOKEN = "test-token"


@contextmanager
def served(runner: Runner) -> Iterator[str]:
    """Serve ``runner`` while the block runs; yields the base URL (``http://127.0.0.1:PORT``), token ``TOKEN``."""
    import uvicorn

    from glassgrad.playground import create_app, local_hosts

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    app = create_app(runner, TOKEN, local_hosts("127.0.0.1", port), stopping=lambda: server.should_exit)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.pause()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
