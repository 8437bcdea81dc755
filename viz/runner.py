"""The playground's engine room: a ``Session`` played by a training thread, driven by messages, drawn from frames.

The page's server and the Jupyter widget both hold one ``Runner``; the front end (one JavaScript module)
sends it messages and draws the frames it publishes::

    runner = Runner(Session(Settings.from_hash("dataset=spirals&networkShape=8,8")))
    runner.handle({"type": "play"})                # training runs in a thread of its own
    stop = runner.subscribe(print)                 # each new frame, about 30 a second while playing
    runner.handle({"type": "pause"}); stop()

Messages (``handle`` checks each and raises ValueError/TypeError saying what was expected):
``play``, ``pause``, ``step`` (one mini-batch), ``epoch``, ``reset`` (new weights), ``regenerate`` (new data
seed), ``settings`` (``hash``: the URL hash text), ``weight`` (``name``, ``value``), ``add-point`` (``x1``,
``x2``, ``label``), ``remove-point`` (``x1``, ``x2``, ``radius``), ``csv`` (``text``).

A frame is a JSON-ready dict: the session's ``state()`` without the points (those come only when they
changed, or in a ``full`` frame), the loss history per epoch, and every heatmap as bytes (``encode_map``).
"""

from __future__ import annotations

import base64
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy

from engine.value import describe
from viz.session import Session, Settings, Snapshot

RESOLUTION = 40  # heatmap cells a side, for the output's map and every small one (the page interpolates)
FRAME_SECONDS = 1 / 30  # while playing, a frame about this often; training gets the time frames leave (a step at least)
LOSS_SECONDS = 0.1  # while playing, a frame's losses may be this old (measuring all points costs more than a map)
MAX_HISTORY = 1000  # loss history entries kept; past it every other one is dropped
LEVELS = 254  # a map's value is encoded as a byte 0..254 over its range; 255 is "not a finite number"

Frame = dict[str, Any]
#: the messages that stop training first (as TF Playground's buttons do); the others change it while it plays
PAUSING = frozenset({"pause", "step", "epoch", "reset", "weight"})


def encode_map(values: list[float], lo: float, hi: float) -> dict[str, Any]:
    """A map as ``{"lo", "hi", "data"}``: ``data`` is base64 of one byte a value, ``round((v-lo)/(hi-lo)·254)``,
    clipped to 0..254; a non-finite value is 255. The front end reads it back as ``lo + byte/254·(hi-lo)``."""
    v = numpy.asarray(values, dtype=float)
    finite = numpy.isfinite(v)
    scale = LEVELS / (hi - lo) if hi > lo else 0.0
    with numpy.errstate(all="ignore"):
        levels = numpy.clip(numpy.rint((v - lo) * scale), 0, LEVELS)
    data = numpy.where(finite, levels, 255).astype(numpy.uint8).tobytes()
    return {"lo": lo, "hi": hi, "data": base64.b64encode(data).decode("ascii")}


def _symmetric(values: list[float]) -> tuple[float, float]:
    """``(-m, m)`` with ``m`` the largest finite |value|, at least 1: activations and features share a scale."""
    v = numpy.abs(numpy.asarray(values, dtype=float))
    m = max(1.0, float(v[numpy.isfinite(v)].max(initial=1.0)))
    return -m, m


class Runner:
    """A ``Session``, a training thread that plays it, and the frames it publishes to subscribers."""

    def __init__(self, session: Session | None = None, resolution: int = RESOLUTION) -> None:
        self.session = Session() if session is None else session
        if not isinstance(self.session, Session):
            raise TypeError(f"Runner(session): expected a viz.session.Session, got {describe(session)}")
        self.resolution = resolution
        self.history: list[list[float | None]] = []  # [epoch, train loss, test loss] per epoch trained
        self._lock = threading.RLock()
        self._playing = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscribers: list[Callable[[Frame], None]] = []
        self._points_sent: tuple[int, int] | None = None  # (data id, count) the last frame's points were
        self._record()

    # -- messages ------------------------------------------------------------------------------

    def handle(self, message: Mapping[str, Any]) -> Frame:
        """Do what ``message`` says (its ``type`` names it); returns the frame after it, with the points."""
        if not isinstance(message, Mapping) or not isinstance(message.get("type"), str):
            raise ValueError(f"message: expected an object with a type such as 'play', got {describe(message)}")
        kind = message["type"]
        action = _ACTIONS.get(kind)
        if action is None:
            raise ValueError(f"message type: expected one of {', '.join(_ACTIONS)}, got {describe(kind)}")
        if kind in PAUSING:
            self.pause()
        with self._lock:
            action(self, message)
            self._record()
        playing = self.playing  # then the training thread's next frame, a few hundredths of a second away, has maps
        frame = self.frame(full=True, loss_age=LOSS_SECONDS if playing else 0.0, with_maps=not playing)
        self._publish(frame)
        return frame

    def _settings(self, message: Mapping[str, Any]) -> None:
        text = message.get("hash")
        if not isinstance(text, str):
            raise ValueError(f"settings: expected a hash text such as 'dataset=moons&noise=10', got {describe(text)}")
        self.session.update(Settings.from_hash(text))

    def _regenerate(self, message: Mapping[str, Any]) -> None:
        """New points: the same settings with another data seed."""
        fields = self.session.settings.to_dict()
        fields["seed"] = random.randrange(2**32)
        self.session.update(Settings.validated(fields))

    def _remove_point(self, message: Mapping[str, Any]) -> None:
        self.session.remove_point_near(message.get("x1"), message.get("x2"), message.get("radius", 0.1))  # type: ignore[arg-type]  # checked there

    # -- playing -------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        """True while the training thread runs."""
        return self._playing.is_set()

    def play(self) -> None:
        """Start training in a thread of its own (nothing happens if it runs already)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._playing.set()
            self._thread = threading.Thread(target=self._train, name="glassgrad-playground", daemon=True)
            self._thread.start()

    def pause(self) -> None:
        """Stop training after the step it is on; returns once the thread has stopped."""
        self._playing.clear()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None

    def _train(self) -> None:
        """The training thread: steps, then a frame, until paused; steps take what ``FRAME_SECONDS`` leaves."""
        frame_cost = 0.0
        while self._playing.is_set():
            start = time.perf_counter()
            while self._playing.is_set():
                with self._lock:  # one step at a time: a message waits for one step at most
                    self.session.step()
                    self._record()
                if time.perf_counter() - start >= FRAME_SECONDS - frame_cost:
                    break
            begun = time.perf_counter()
            self._publish(self.frame(loss_age=LOSS_SECONDS))
            frame_cost = min(FRAME_SECONDS / 2, time.perf_counter() - begun)

    # -- frames ----------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Frame], None]) -> Callable[[], None]:
        """Call ``callback(frame)`` with each new frame (from the thread that made it); returns the unsubscribe."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _publish(self, frame: Frame) -> None:
        for callback in list(self._subscribers):
            callback(frame)

    def _record(self) -> None:
        """Keep the history in step with the session: a new run starts it anew, a finished epoch adds to it."""
        s = self.session
        if not self.history or s.epoch_count < self.history[-1][0] or (s.epoch_count == 0 and s.step_count == 0):  # type: ignore[operator]  # epochs are ints
            self.history = []
        if not self.history or self.history[-1][0] != s.epoch_count:
            self.history.append([s.epoch_count, _finite(s.train_loss), _finite(s.test_loss)])
            if len(self.history) > MAX_HISTORY:
                self.history = self.history[:-1:2] + self.history[-1:]

    def state(self) -> dict[str, Any]:
        """What ``GET /api/state`` answers: the session's ``state()`` and whether it is playing."""
        return {**self.session.state(), "playing": self.playing}

    def frame(self, full: bool = False, loss_age: float = 0.0, with_maps: bool = True) -> Frame:
        """The session now: state (points only when they changed since the last frame, or ``full``), history, maps
        (unless not ``with_maps``: the front end keeps the last ones).

        Computed from one snapshot of the session without holding a lock, so messages are not kept waiting; the
        losses may be up to ``loss_age`` seconds old (they are measured anew at most that often).
        """
        snap = self.session.snapshot()
        state = {**self.session.state(snap, loss_age), "playing": self.playing}
        if with_maps:
            state["maps"] = self.maps(snap)
        with self._lock:
            points = (id(self.session.train), len(snap.train) + len(snap.test))
            if not full and points == self._points_sent:
                del state["train"], state["test"]
            self._points_sent = points
            state["history"] = [list(h) for h in self.history]
        return state

    def maps(self, snapshot: Snapshot | None = None) -> dict[str, Any]:
        """Every heatmap, encoded: the output's (``kind`` says how to colour it), each feature's, each neuron's."""
        snap = self.session.snapshot() if snapshot is None else snapshot
        raw = snap.heatmaps(self.resolution)
        s = snap.settings
        output = raw["output"]
        if s.problem == "regression":
            kind, (lo, hi) = "value", _symmetric(output)
        elif s.class_count > 2:
            kind, lo, hi = "classes", 0.0, float(s.class_count - 1)
        elif s.output in ("softmax", "sigmoid"):
            kind, lo, hi = "probability", 0.0, 1.0
        else:
            kind, (lo, hi) = "score", _symmetric(output)
        return {
            "resolution": raw["resolution"],
            "extent": raw["extent"],
            "output": {"kind": kind, **encode_map(output, lo, hi)},
            "features": {name: encode_map(v, *_symmetric(v)) for name, v in raw["features"].items()},
            "neurons": {key: encode_map(v, *_symmetric(v)) for key, v in raw["neurons"].items()},
        }

    def close(self) -> None:
        """Stop training and forget the subscribers."""
        self.pause()
        with self._lock:
            self._subscribers.clear()


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


_ACTIONS: dict[str, Callable[[Runner, Mapping[str, Any]], object]] = {
    "play": lambda r, m: r.play(),
    "pause": lambda r, m: None,  # handle pauses first
    "step": lambda r, m: r.session.step(),
    "epoch": lambda r, m: r.session.epoch(),
    "reset": lambda r, m: r.session.reset(),
    "regenerate": Runner._regenerate,
    "settings": Runner._settings,
    "weight": lambda r, m: r.session.set_weight(m.get("name"), m.get("value")),  # type: ignore[arg-type]  # checked there
    "add-point": lambda r, m: r.session.add_point(m.get("x1"), m.get("x2"), m.get("label")),  # type: ignore[arg-type]  # checked there
    "remove-point": Runner._remove_point,
    "csv": lambda r, m: r.session.load_csv(m.get("text")),  # type: ignore[arg-type]  # checked there
}
