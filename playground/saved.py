"""The playground's runs kept across restarts: saved to a file (atomically) every few seconds and on exit, read
back when the server starts again with their ids, the token and the port, so that an open page reconnects to
its own run.

    path = default_path()                         # $XDG_CACHE_HOME/glassgrad/playground.json (~/.cache/...)
    kept = load(path)                             # None when there is no file; a ValueError when it is not one
    saver = Saver(path, runs, token, port); saver.start(); ...; saver.stop()   # stop saves a last time

The file holds the token: it is made readable by its owner only. A file that cannot be used is never
overwritten silently: ``load`` says why, and the command stops with that message (exit 2).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.value import describe
from nn.files import read_json, write_json_atomic
from playground.runs import MAX_RUNS, Runs
from playground.session import Session

FORMAT = "glassgrad-playground-runs"
VERSION = 1
SAVE_SECONDS = 5.0  # while the run changes, it is saved at most this often
MAX_FILE_BYTES = 20_000_000  # a kept run is far smaller (10,000 points at most); a larger file is not one


@dataclass(frozen=True)
class Kept:
    """Runs read back (under their ids, the most recently used last), and the token and port they were served
    with."""

    runs: Runs
    token: str
    port: int


def default_path() -> Path:
    """Where the run is kept when ``--state`` is not given: ``glassgrad/playground.json`` in the user's cache
    folder (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "glassgrad" / "playground.json"


def load(path: Path) -> Kept | None:
    """The run kept in ``path``, or None when there is no such file; a ValueError saying what is wrong with one
    that is not a kept run (too large, not JSON, another format, a bad part)."""
    if not os.path.lexists(path):
        return None
    document = read_json(path, "a kept run", MAX_FILE_BYTES)  # a regular file only, read within the bound
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
        raise ValueError(f"{path}: expected kept playground runs (format {FORMAT!r}, version {VERSION}), got "
                         f"{describe(document.get('format') if isinstance(document, dict) else document)}")
    token, port = document.get("token"), document.get("port")
    if not isinstance(token, str) or not token.isascii() or not 16 <= len(token) <= 200:
        raise ValueError(f"{path}: expected a token of 16 to 200 ASCII characters, got {describe(token)}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"{path}: expected a port from 0 to 65535, got {describe(port)}")
    kept = document.get("runs")
    if not isinstance(kept, list) or len(kept) > MAX_RUNS or not all(isinstance(r, dict) for r in kept):
        raise ValueError(f"{path}: expected runs as a list of at most {MAX_RUNS} objects, got {describe(kept)}")
    runs = Runs()
    for k, run in enumerate(kept):
        run_id = run.get("id")
        if not isinstance(run_id, str) or not run_id.isascii() or not 1 <= len(run_id) <= 40:
            raise ValueError(f"{path}: runs[{k}]: expected an id of 1 to 40 ASCII characters, got {describe(run_id)}")
        try:
            runs.create(session=Session.restore(run.get("run")), run_id=run_id)
        except ValueError as error:
            raise ValueError(f"{path}: runs[{k}]: {error}") from None
    return Kept(runs, token, port)


def save(path: Path, runs: Runs, token: str, port: int) -> None:
    """Write the runs (their own pages' runs, not a user's own model), the token and the port to ``path``
    atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # made owner-only first: the atomic write keeps the mode of the file it replaces
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    kept = [{"id": run_id, "run": runner.session.to_document()} for run_id, runner in runs.items()
            if not runner.session.own]
    write_json_atomic(path, {"format": FORMAT, "version": VERSION, "token": token, "port": port, "runs": kept})


class Saver:
    """A thread that saves the runs whenever one changed, at most every ``SAVE_SECONDS``; ``stop`` saves a
    last time. A save that fails is said once on ``warn`` and tried again later."""

    def __init__(self, path: Path, runs: Runs, token: str, port: int, warn: Any = print) -> None:
        self.path, self.runs, self.token, self.port, self.warn = path, runs, token, port, warn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="glassgrad-saver", daemon=True)
        self._saved: list[tuple[str, int, int, str]] | None = None  # each run's id, session, version and settings
        self._failed = False

    def start(self) -> None:
        """Save now, then whenever the run changed."""
        self.save_if_changed()
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and save a last time."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.save_if_changed()

    def save_if_changed(self) -> None:
        """Save unless the runs are as they were saved last."""
        mark = [(run_id, id(r.session), r.session.version, r.session.settings.to_hash())
                for run_id, r in self.runs.items()]
        if mark == self._saved:
            return
        try:
            save(self.path, self.runs, self.token, self.port)
        except (OSError, ValueError) as error:
            if not self._failed:
                self.warn(f"glassgrad playground: cannot keep the run in {self.path} ({error}); will try again")
            self._failed = True
            return
        self._saved, self._failed = mark, False

    def _run(self) -> None:
        while not self._stop.wait(SAVE_SECONDS):
            self.save_if_changed()
