"""The playground's app on a real uvicorn server in a thread, on 127.0.0.1 and a free port (for browser tests)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from playground.runner import Runner
from playground.session import Session
from playground.settings import Settings

TOKEN = "test-token"


@contextmanager
def served(runner: Runner) -> Iterator[str]:
    """Serve ``runner`` while the block runs; yields the base URL (``http://127.0.0.1:PORT``), token ``TOKEN``."""
    from playground.server import running

    with running(runner, TOKEN) as url:
        yield url.split("/?")[0]


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Poll ``condition`` until it holds (AssertionError after ``seconds``): a change the server makes in its own
    time, such as the answer to a command the page sent."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


#: a page of the playground is drawn once its network has neurons
LOADED = "document.querySelectorAll('#network [data-neuron]').length > 0"


@contextmanager
def page_opener(page: Any) -> Iterator[Callable[..., tuple[Any, Runner]]]:
    """``open(settings=None, hash="")``: a fresh playground server for ``settings``, ``page`` loaded on it (with the
    link's ``hash``); returns the page and the server's runner. Every server is stopped when the block ends."""
    with ExitStack() as servers:
        def open_page(settings: Settings | None = None, hash: str = "") -> tuple[Any, Runner]:  # noqa: A002
            runner = Runner(Session(settings), resolution=20)
            base = servers.enter_context(served(runner))
            page.goto(f"{base}/?token={TOKEN}" + (f"#{hash}" if hash else ""))
            page.wait_for_function(LOADED, timeout=20_000)
            return page, runner

        yield open_page


#: The commands a storm of clients sends at random (the storm test here, benchmarks/playground_storm.py there).
STORM = [
    {"type": "play"}, {"type": "pause"}, {"type": "step"}, {"type": "epoch"}, {"type": "reset"},
    {"type": "settings", "hash": "networkShape=3"}, {"type": "settings", "hash": "networkShape=5,4&activation=relu"},
    {"type": "settings", "hash": "dataset=xor&networkShape=2,2"}, {"type": "select-example", "index": 3},
    {"type": "open-neuron", "neuron": "1.1"}, {"type": "close-neuron"}, {"type": "view-epoch", "epoch": 1},
    {"type": "continue"}, {"type": "weight", "name": "layers.0.neurons.0.b", "value": 0.5},
    {"type": "add-point", "x1": 0.1, "x2": 0.2, "label": 1}, {"type": "regenerate"},
]
