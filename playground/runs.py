"""The playground's runs: one per page load, each a ``Runner`` of its own, at most ``MAX_RUNS`` at once.

A page starts its run from its link (``Runs.create``) and names it in every request (``?session=ID``); tabs
never change each other's runs. A run no page has used for ``IDLE_SECONDS`` is dropped (its training paused),
as is the least recently used one when a new run would be one too many; a page that comes back to a dropped
run is told so (``DroppedRunError``) and reloads to start again from its link. ``latest()`` is the most recently
used run: what ``GET /api/state`` answers without a session.

    runs = Runs(); run_id, runner = runs.create(Settings.from_hash("dataset=xor"))
    runs.get(run_id).handle({"type": "play"}); runs.latest(); runs.close()
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from engine.value import describe
from playground.runner import Runner
from playground.session import Session
from playground.settings import Settings

MAX_RUNS = 8  # runs kept at once; a ninth drops the one used least recently
IDLE_SECONDS = 30 * 60.0  # a run no page has used for this long is dropped
ID_CHARS = 11  # a run's id: secrets.token_urlsafe(8)


class DroppedRunError(LookupError):
    """A page named a run the server no longer has (or never had): the message says why and what to do."""


class Runs:
    """The runs of the pages the server serves, by id, with when each was last used."""

    def __init__(self, make_runner: Callable[[Session], Runner] = Runner, max_runs: int = MAX_RUNS,
                 idle_seconds: float = IDLE_SECONDS, only: Runner | None = None) -> None:
        self.make_runner, self.max_runs, self.idle_seconds = make_runner, max_runs, idle_seconds
        self._lock = threading.Lock()
        self._runs: dict[str, Runner] = {}
        self._used: dict[str, float] = {}
        self._dropped: dict[str, str] = {}  # id -> why it was dropped (the last MAX_RUNS * 8 of them)
        self.only = only  # one run every page shares (a script's or a test's own Runner): never dropped
        if only is not None:
            self._runs["only"], self._used["only"] = only, time.monotonic()
            self.idle_seconds = float("inf")

    def start(self, settings: Settings | None) -> tuple[str, Runner]:
        """A page's run, from its link's ``settings`` (None: a link without settings): a new run, or with ``only``,
        that one run, set to them when the link has any."""
        if self.only is None:
            return self.create(settings)
        if settings is not None:
            self.only.handle({"type": "settings", "hash": settings.to_hash()})
        return self.latest()

    def create(self, settings: Settings | None = None, session: Session | None = None,
               run_id: str | None = None) -> tuple[str, Runner]:
        """A new run of ``session`` (or of ``settings``; default: the defaults) under a new id (or ``run_id``, a kept
        run's); the least recently used run is dropped when there would be more than ``max_runs``."""
        runner = self.make_runner(Session(settings) if session is None else session)
        with self._lock:
            self._drop_idle()
            while len(self._runs) >= self.max_runs:
                oldest = min(self._used, key=self._used.__getitem__)
                self._drop(oldest, f"the server keeps {self.max_runs} runs at most and this one was used least "
                                   "recently")
            new_id = run_id if run_id is not None else secrets.token_urlsafe(8)
            self._runs[new_id], self._used[new_id] = runner, time.monotonic()
        return new_id, runner

    def get(self, run_id: object) -> Runner:
        """The run ``run_id`` (now its last use); ``DroppedRunError`` saying why when there is none."""
        with self._lock:
            self._drop_idle()
            if isinstance(run_id, str) and run_id in self._runs:
                self._used[run_id] = time.monotonic()
                return self._runs[run_id]
            why = self._dropped.get(run_id) if isinstance(run_id, str) else None
        if why is not None:
            raise DroppedRunError(f"session: this page's run was dropped ({why}); reload the page to start again from "
                             "its link")
        raise DroppedRunError(f"session: expected the id of one of this server's runs, got {describe(run_id)}; reload "
                         "the page to start a run")

    def latest(self) -> tuple[str, Runner]:
        """The most recently used run and its id (a new one of the defaults when there is none)."""
        with self._lock:
            self._drop_idle()
            if self._used:
                run_id = max(self._used, key=self._used.__getitem__)
                return run_id, self._runs[run_id]
        return self.create()

    def items(self) -> list[tuple[str, Runner]]:
        """Every run kept, by id, the most recently used last."""
        with self._lock:
            return [(run_id, self._runs[run_id]) for run_id in sorted(self._used, key=self._used.__getitem__)]

    def close(self) -> None:
        """Stop every run's training."""
        for _, runner in self.items():
            runner.close()

    def _drop_idle(self) -> None:
        now = time.monotonic()
        for run_id in [r for r, used in self._used.items() if now - used > self.idle_seconds]:
            self._drop(run_id, f"no page used it for {self.idle_seconds / 60:g} minutes")

    def _drop(self, run_id: str, why: str) -> None:
        runner = self._runs.pop(run_id)
        del self._used[run_id]
        self._dropped[run_id] = why
        if len(self._dropped) > self.max_runs * 8:
            del self._dropped[next(iter(self._dropped))]
        threading.Thread(target=runner.close, name="glassgrad-drop-run", daemon=True).start()
