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
import json
import random
import threading
import time
from array import array
from collections.abc import Callable, Mapping
from typing import Any

import numpy

from engine.value import describe
from nn import MLP
from viz.glassbox import ExamplePass, check_neuron, example_pass, explain_divergence, neuron_view, steps_page
from viz.session import OUTPUT_LOSSES, Session, Settings, Snapshot, finite_or_none

RESOLUTION = 40  # heatmap cells a side, for the output's map and every small one (the page interpolates)
FRAME_SECONDS = 1 / 30  # while playing, a frame about this often; training gets the time frames leave (a step at least)
LOSS_SECONDS = 0.1  # while playing, a frame's losses may be this old (measuring all points costs more than a map)
MAX_HISTORY = 1000  # loss history entries kept; past it every other one is dropped
LEVELS = 254  # a map's value is encoded as a byte 0..254 over its range; 255 is "not a finite number"

Frame = dict[str, Any]
#: the messages that stop training first (as TF Playground's buttons do); the others change it while it plays
PAUSING = frozenset({"pause", "step", "epoch", "reset", "weight", "select-example", "open-neuron", "view-epoch",
                     "continue", "export"})
#: the messages that train: from a past epoch the timeline shows, they train on from there
TRAINING = frozenset({"play", "step", "epoch"})


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
        self._snapshots: list[array[float]] = []  # the parameters at each epoch of the history (time travel)
        self.selected_example: tuple[str, int] | None = None  # ("train" or "test", index) of the chosen example
        self.selected_neuron: str | None = None  # "L.j" of the opened neuron
        self.viewing: int | None = None  # the epoch the timeline shows, None for now
        self.divergence: dict[str, Any] | None = None  # why training stopped non-finite (explain_divergence)
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
            if kind in TRAINING and self.viewing is not None:
                self._continue(message)  # training from a past epoch trains on from there
            answer = action(self, message)
            self._record()
        playing = self.playing  # then the training thread's next frame, a few hundredths of a second away, has maps
        frame = self.frame(full=True, loss_age=LOSS_SECONDS if playing else 0.0, with_maps=not playing)
        self._publish(frame)
        if isinstance(answer, dict):  # an export: for the one who asked, not for every page
            return {**frame, "export": answer}
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

    def _steps(self, count: int | None = None) -> None:
        """``count`` steps (None: to the end of the epoch), stopping early if one diverges."""
        epoch = self.session.epoch_count
        while (count is None and self.session.epoch_count == epoch) or (count is not None and count > 0):
            self.session.step()
            count = None if count is None else count - 1
            if self.session.diverged:
                self._diverged()
                return

    def _diverged(self) -> None:
        """Training went non-finite: pause (the training thread stops), say where (``explain_divergence``)."""
        self._playing.clear()
        s = self.session
        inputs, targets = s._train_inputs, s._train_targets
        self.divergence = explain_divergence(s.model, s.before_step, [(inputs[i], targets[i]) for i in s.last_batch],
                                             s.task.loss)

    def _select_example(self, message: Mapping[str, Any]) -> None:
        part, index = message.get("part", "train"), message.get("index")
        if part not in ("train", "test"):
            raise ValueError(f"select-example: expected part 'train' or 'test', got {describe(part)}")
        count = len(self.session._train_inputs if part == "train" else self.session._test_inputs)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise ValueError(f"select-example: expected an index from 0 to {count - 1} of the {part} examples, "
                             f"got {describe(index)}")
        self.selected_example = (part, index)

    def _open_neuron(self, message: Mapping[str, Any]) -> None:
        key = message.get("neuron")
        check_neuron(self.session.model, key)
        if self.selected_example is None:  # a neuron is shown for an example: training example 0 until one is picked
            self.selected_example = ("train", 0)
        self.selected_neuron = str(key)

    def _view_epoch(self, message: Mapping[str, Any]) -> None:
        epoch = message.get("epoch")
        epochs = [h[0] for h in self.history]
        if epoch not in epochs or isinstance(epoch, bool):
            raise ValueError(f"view-epoch: expected one of the epochs kept ({_ranges(epochs)}), got {describe(epoch)}")
        self.viewing = None if epoch == self.session.epoch_count else int(epoch)  # type: ignore[arg-type]  # in epochs

    def _continue(self, message: Mapping[str, Any]) -> None:
        """Train on from the epoch the timeline shows: its parameters, a new optimizer; later epochs dropped."""
        if self.viewing is None:
            return
        k, parameters = self._kept(self.viewing)
        self.session.model.load_state_dict(parameters)
        self.session.restart_from(self.viewing)
        self.history, self._snapshots = self.history[: k + 1], self._snapshots[: k + 1]
        self.viewing, self.divergence = None, None

    def _export(self, message: Mapping[str, Any]) -> dict[str, str]:
        what = message.get("what")
        if what == "model":
            model = self._viewed_model()
            return {"what": "model", "filename": "model.json", "text": json.dumps(model.document(), indent=1)}
        if what == "code":
            return {"what": "code", "filename": "playground.py", "text": self.code()}
        if what == "steps":
            return {"what": "steps", "filename": "steps.html", "text": self._steps_page(message.get("scope"))}
        raise ValueError(f"export: expected what to be model, code or steps, got {describe(what)}")

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
                    if self.session.diverged:
                        self._diverged()
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
            self.history, self._snapshots = [], []
            self.viewing = self.divergence = None
            self.selected_neuron = None
            if self.selected_example is not None and self.selected_example[1] >= len(
                    s._train_inputs if self.selected_example[0] == "train" else s._test_inputs):
                self.selected_example = None
        if not self.history or self.history[-1][0] != s.epoch_count:
            self.history.append([s.epoch_count, finite_or_none(s.train_loss), finite_or_none(s.test_loss)])
            self._snapshots.append(array("d", (p.data for p in s.model.parameters())))
            if len(self.history) > MAX_HISTORY:  # thinned: every other epoch, the first and the last kept
                self.history = self.history[:-1:2] + self.history[-1:]
                self._snapshots = self._snapshots[:-1:2] + self._snapshots[-1:]

    def _kept(self, epoch: int) -> tuple[int, dict[str, float]]:
        """Where ``epoch`` is in the history, and the parameters kept for it, by name."""
        k = [h[0] for h in self.history].index(epoch)
        return k, dict(zip(self.session.model.state_dict(), self._snapshots[k]))

    def _snapshot(self) -> Snapshot:
        """The session now, or at the epoch the timeline shows."""
        with self._lock:
            if self.viewing is None:
                return self.session.snapshot()
            return self.session.snapshot(self._kept(self.viewing)[1], self.viewing)

    def _viewed_model(self) -> MLP:
        """The model at the epoch the timeline shows (a copy), or the live one."""
        return self.session.model if self.viewing is None else self.session.model.copy(self._kept(self.viewing)[1])

    def state(self) -> dict[str, Any]:
        """What ``GET /api/state`` answers: the session's ``state()`` (at the epoch the timeline shows) and whether
        it is playing."""
        return {**self.session.state(self._snapshot()), "playing": self.playing, "viewing": self.viewing}

    def frame(self, full: bool = False, loss_age: float = 0.0, with_maps: bool = True) -> Frame:
        """The session now: state (points only when they changed since the last frame, or ``full``), history, maps
        (unless not ``with_maps``: the front end keeps the last ones).

        Computed from one snapshot of the session without holding a lock, so messages are not kept waiting; the
        losses may be up to ``loss_age`` seconds old (they are measured anew at most that often).
        """
        snap = self._snapshot()
        state = {**self.session.state(snap, loss_age), "playing": self.playing}
        if with_maps:
            state["maps"] = self.maps(snap)
        state.update(self.glass_box(snap))
        with self._lock:
            points = (id(self.session.train), len(snap.train) + len(snap.test))
            if not full and points == self._points_sent:
                del state["train"], state["test"]
            self._points_sent = points
            state["history"] = [list(h) for h in self.history]
        return state

    def maps(self, snapshot: Snapshot | None = None) -> dict[str, Any] | None:
        """Every heatmap, encoded: the output's (``kind`` says how to colour it), each feature's, each neuron's;
        None when the inputs are not points in the plane (a user's own model of another input size)."""
        snap = self.session.snapshot() if snapshot is None else snapshot
        if snap.extent is None:  # inputs that are not points in the plane: no maps
            return None
        raw = snap.heatmaps(self.resolution)
        task = snap.task
        output = raw["output"]
        if task.problem == "regression":
            kind, (lo, hi) = "value", _symmetric(output)
        elif task.classes > 2:
            kind, lo, hi = "classes", 0.0, float(task.classes - 1)
        elif task.output in ("softmax", "sigmoid"):
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

    def glass_box(self, snap: Snapshot) -> dict[str, Any]:
        """The frame's glass box: the last batch's gradients, the timeline, a divergence, and while paused the
        chosen example's numbers and the opened neuron's panel."""
        live = self.viewing is None and self.session.step_count > 0
        grads = {n: finite_or_none(p.grad) for n, p in self.session.model.named_parameters()} if live else None
        part: dict[str, Any] = {
            "gradients": grads,
            "timeline": {"epochs": [h[0] for h in self.history], "viewing": self.viewing},
            "divergence": self.divergence,
            "selected": {"example": list(self.selected_example) if self.selected_example else None,
                         "neuron": self.selected_neuron},
            "example": None,
            "panel": None,
        }
        if self.playing or self.selected_example is None or self.divergence is not None:
            return part
        passed = self._example_pass(snap)
        part["example"] = {
            "part": self.selected_example[0], "index": self.selected_example[1], "inputs": passed.inputs,
            "loss": finite_or_none(passed.loss),
            "neurons": {k: {name: finite_or_none(getattr(n, name)) for name in ("z", "a", "dz", "da")}
                        for k, n in passed.neurons.items()},
        }
        if self.selected_neuron is not None:
            part["panel"], _ = neuron_view(self.session.model, passed, self.selected_neuron, snap.parameters)
        return part

    def _example_pass(self, snap: Snapshot) -> ExamplePass:
        assert self.selected_example is not None
        part, index = self.selected_example
        inputs = snap.train_inputs if part == "train" else snap.test_inputs
        targets = snap.train_targets if part == "train" else snap.test_targets
        return example_pass(self.session.model, inputs[index], targets[index], snap.task.loss, snap.parameters)

    def _steps_page(self, scope: object) -> str:
        if scope not in ("neuron", "example"):
            raise ValueError(f"steps: expected scope 'neuron' or 'example', got {describe(scope)}")
        if self.selected_example is None or (scope == "neuron" and self.selected_neuron is None):
            raise ValueError(f"steps: expected an example{' and a neuron' if scope == 'neuron' else ''} chosen first")
        snap = self._snapshot()
        passed = self._example_pass(snap)
        part, index = self.selected_example
        if scope == "example":
            return steps_page(passed.cost, f"the backward pass of {part} example {index}: every step, from its loss C")
        assert self.selected_neuron is not None
        _, out = neuron_view(self.session.model, passed, self.selected_neuron, snap.parameters)
        return steps_page(out, f"neuron {self.selected_neuron}'s own backward pass for {part} example {index}, from "
                               f"its output a (grads here are ∂a/∂node; times ∂C/∂a they are the panel's ∂C/∂node)")

    def code(self) -> str:
        """Python that reproduces this run: the same settings (its URL hash) and as many epochs."""
        s = self.session
        if s.own:
            return ("# a playground on your own model and data: it trained the MLP you passed in place;\n"
                    "# save it with playground.model.save('model.json') and load it with MLP.load\n")
        return (f"from viz.session import Session, Settings\n\n"
                f"session = Session(Settings.from_hash({s.settings.to_hash()!r}))\n"
                f"for _ in range({s.epoch_count}):\n"
                f"    session.epoch()\n"
                f"print(session.train_loss, session.test_loss)\n"
                f"session.model.save('model.json')  # MLP.load('model.json') reads it\n\n"
                f"# the closest glassgrad train command (its own data generator and input x1, x2 only):\n"
                f"# {self.command()}\n")

    def command(self) -> str:
        """The ``glassgrad train`` command closest to this run (``glassgrad train`` makes its own data and
        takes x1, x2 as the inputs: the features are not among its options)."""
        st = self.session.settings
        dataset = {"gauss": "blobs", "reg-plane": "moons", "reg-gauss": "moons"}.get(st.dataset, st.dataset)
        loss = OUTPUT_LOSSES[st.output]
        parts = ["glassgrad train", f"--dataset {dataset}", f"--noise {st.noise / 100:g}",
                 f"--hidden {' '.join(map(str, st.networkShape))}" if st.networkShape else "",
                 f"--activation {st.activation}", f"--loss {loss}",
                 f"--optimizer {'sgd' if st.optimizer == 'momentum' else st.optimizer}", f"--lr {st.learningRate:g}",
                 f"--epochs {max(1, self.session.epoch_count)}", f"--batch-size {st.batchSize}",
                 f"--test-split {1 - st.percTrainData / 100:g}", f"--seed {st.seed}"]
        if st.regularization == "L2" and st.regularizationRate:
            parts.append(f"--l2 {st.regularizationRate:g}")
        if st.dataset in ("spirals", "gauss"):
            parts.append(f"--classes {st.classes}")
        return " ".join(p for p in parts if p)

    def close(self) -> None:
        """Stop training and forget the subscribers."""
        self.pause()
        with self._lock:
            self._subscribers.clear()


def _ranges(epochs: list[Any]) -> str:
    """A short text of the epochs kept: ``0, 1, ..., 57`` or the few there are."""
    return ", ".join(map(str, epochs)) if len(epochs) <= 4 else f"{epochs[0]}, {epochs[1]}, ..., {epochs[-1]}"


_ACTIONS: dict[str, Callable[[Runner, Mapping[str, Any]], object]] = {
    "play": lambda r, m: r.play(),
    "pause": lambda r, m: None,  # handle pauses first
    "step": lambda r, m: r._steps(1),
    "epoch": lambda r, m: r._steps(None),
    "reset": lambda r, m: r.session.reset(),
    "regenerate": Runner._regenerate,
    "settings": Runner._settings,
    "weight": lambda r, m: r.session.set_weight(m.get("name"), m.get("value")),  # type: ignore[arg-type]  # checked there
    "add-point": lambda r, m: r.session.add_point(m.get("x1"), m.get("x2"), m.get("label")),  # type: ignore[arg-type]  # checked there
    "remove-point": Runner._remove_point,
    "csv": lambda r, m: r.session.load_csv(m.get("text")),  # type: ignore[arg-type]  # checked there
    "select-example": Runner._select_example,
    "open-neuron": Runner._open_neuron,
    "close-neuron": lambda r, m: setattr(r, "selected_neuron", None),
    "view-epoch": Runner._view_epoch,
    "continue": Runner._continue,
    "export": Runner._export,
}
