"""The playground's engine room: a ``Session`` played by a training thread, driven by messages, drawn from frames.

The page's server and the Jupyter widget both hold one ``Runner``; the front end (one JavaScript module)
sends it messages (``playground.messages``) and draws the frames it publishes::

    runner = Runner(Session(Settings.from_hash("dataset=spirals&networkShape=8,8")))
    runner.handle({"type": "play"})                # training runs in a thread of its own
    stop = runner.subscribe(print)                 # each new frame, about 30 a second while playing
    runner.handle({"type": "pause"}); stop()

A frame is a JSON-ready dict: the session's ``state()`` without the points (those come only when they
changed, or in a ``full`` frame, with the settings' ``rules``), the loss history per epoch (``Timeline``),
every heatmap as bytes (``frames.maps``) and the glass box: the chosen example's numbers, the opened
neuron's panel, the timeline and why training diverged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.value import describe
from nn import MLP
from playground import frames, messages, notation
from playground.glassbox import ExamplePass, example_pass, explain_divergence, neuron_view
from playground.session import Session
from playground.settings import rules
from playground.snapshot import Snapshot, finite_or_none
from playground.timeline import Timeline

FRAME_SECONDS = 1 / 30  # while playing, a frame about this often; training gets the time frames leave (a step at least)
LOSS_SECONDS = 0.1  # while playing, a frame's losses may be this old (measuring all points costs more than a map)
EXPLOSION, EXPLOSION_EPOCHS = 50.0, 5  # a training loss this many times the lowest of the last epochs: diverging

Frame = dict[str, Any]


class Runner:
    """A ``Session``, a training thread that plays it, the timeline of its epochs, what the glass box has chosen,
    and the frames it publishes to subscribers."""

    def __init__(self, session: Session | None = None, resolution: int = frames.RESOLUTION) -> None:
        self.session: Session = Session() if session is None else session
        if not isinstance(self.session, Session):
            raise TypeError(f"Runner(session): expected a playground.Session, got {describe(session)}")
        self.resolution = resolution
        self.timeline = Timeline()
        self._lock = threading.RLock()  # held through every change of the session and of what is chosen
        self._run = threading.Event()  # the training thread's switch (a new one for each thread)
        self._thread: threading.Thread | None = None
        self._subscribers: list[Callable[[Frame], None]] = []
        self._points_sent: tuple[int, int] | None = None  # (data id, count) the last frame's points were
        self.selected_example: tuple[str, int] | None = None  # ("train" or "test", index) of the chosen example
        self.selected_neuron: str | None = None  # "L.j" of the opened neuron
        self.viewing: int | None = None  # the epoch the timeline shows, None for now
        self.divergence: dict[str, Any] | None = None  # why training stopped non-finite (explain_divergence)
        self._chosen: tuple[tuple[Any, ...], dict[str, Any]] | None = None  # the glass box's last numbers, by moment
        self._watched_from = 0  # the first epoch whose loss counts when watching for one that explodes
        self._record()

    @property
    def history(self) -> list[list[float | None]]:
        """``[epoch, train loss, test loss]`` per epoch kept (the timeline's losses)."""
        return self.timeline.losses

    # -- messages ------------------------------------------------------------------------------

    def handle(self, message: object) -> Frame:
        """Do what ``message`` says (``playground.messages``, which checks it); returns the frame after it, with the
        points."""
        kind, handler, message = messages.action(message)
        if kind in messages.PAUSING:
            self.pause()
        with self._lock:
            said = self._before_training() if kind in messages.TRAINING else []
            answer = handler(self, message)
            self._record()
        playing = self.playing  # then the training thread's next frame, a few hundredths of a second away, has maps
        frame = self.frame(full=True, loss_age=LOSS_SECONDS if playing else 0.0, with_maps=not playing)
        self._publish(frame)
        extra = answer if isinstance(answer, dict) else {}  # an export or notices: for the one who asked only
        notices = said + list(extra.get("notices", []))
        return {**frame, **extra, **({"notices": notices} if notices else {})}

    def _before_training(self) -> list[str]:
        """What training needs first, and the notices saying so: from a past epoch the timeline shows, it goes on
        from there (the later epochs dropped); after a divergence, from the last finite parameters."""
        said = []
        if self.viewing is not None:
            last = self.timeline.epochs[-1]
            said.append(f"went on from epoch {self.viewing}, which the timeline showed"
                        + (f"; epochs {self.viewing + 1} to {last} were dropped" if last > self.viewing else ""))
            self.continue_from_view()
        if self.divergence is not None:
            said.append(self._recover())
        return said

    def _recover(self) -> str:
        """Training may go on after a divergence: back to the epoch of the lowest training loss among the last ones
        kept (finite parameters that had not yet run away), with a new optimizer (and the learning rate now set)."""
        self.divergence = None
        kept = [(loss, epoch) for epoch, loss, _ in self.timeline.losses[-EXPLOSION_EPOCHS - 1:]
                if loss is not None and (epoch or 0) >= self._watched_from]
        best = int(min(kept)[1] or 0) if kept else self.timeline.epochs[-1]
        self.viewing = best
        self.continue_from_view()
        return (f"went back to epoch {best}, the lowest training loss before training diverged (finite parameters), "
                f"with a new optimizer and learning rate {self.session.settings.learningRate:g}")

    def train(self, count: int | None = None) -> None:
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
        self._run.clear()
        s, ex = self.session, self.session.examples
        batch = [(ex.train_inputs[i], ex.train_targets[i]) for i in s.last_batch]
        self.divergence = {"title": "Training stopped: the loss or a weight is no longer a finite number. Where it "
                                    "began:", **explain_divergence(s.model, s.before_step, batch, s.task.loss)}

    def continue_from_view(self) -> None:
        """Train on from the epoch the timeline shows: its parameters, a new optimizer; later epochs dropped."""
        if self.viewing is None:
            return
        k, parameters = self.timeline.kept(self.viewing, self._names())
        self.session.model.load_state_dict(parameters)
        self.session.restart_from(self.viewing)
        self.timeline.truncate(k)
        self._watched_from = self.viewing
        self.viewing, self.divergence = None, None

    # -- playing ------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        """True while the training thread runs."""
        return self._run.is_set()

    def play(self) -> None:
        """Start training in a thread of its own (nothing happens if it runs already)."""
        with self._lock:
            if self._run.is_set():
                return
            run = self._run = threading.Event()  # this thread's own switch: a later play never revives it
            run.set()
            thread = threading.Thread(target=self._play, args=(run,), name="glassgrad-playground", daemon=True)
            thread.start()
            self._thread = thread

    def pause(self) -> None:
        """Stop training after the step it is on; returns once the thread has stopped."""
        with self._lock:
            self._run.clear()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _play(self, run: threading.Event) -> None:
        """The training thread: steps, then a frame, until ``run`` is cleared; steps take what ``FRAME_SECONDS``
        leaves. Whatever goes wrong stops it and is said in the frames (``divergence``), never lost."""
        frame_cost = 0.0
        try:
            while run.is_set():
                start = time.perf_counter()
                while run.is_set():
                    with self._lock:  # one step at a time: a message waits for one step at most
                        if not run.is_set():
                            break
                        self.train(1)
                        self._record()
                    if time.perf_counter() - start >= FRAME_SECONDS - frame_cost:
                        break
                begun = time.perf_counter()
                self._publish(self.frame(loss_age=LOSS_SECONDS))
                frame_cost = min(FRAME_SECONDS / 2, time.perf_counter() - begun)
        except Exception as error:  # a training thread must not die silently: the page is told
            with self._lock:
                run.clear()
                self.divergence = {"title": "Training stopped by an error.",
                                   "message": f"{type(error).__name__}: {error}", "neuron": None}
            self._publish(self.frame())

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
        """Keep the timeline in step with the session: a new run empties it (and what the glass box chose in
        the old run), a finished epoch adds to it."""
        if self.timeline.starts_anew(self.session):
            self.viewing = self.divergence = None
            self._watched_from = 0
            self.selected_neuron = None
            if self.selected_example is not None:
                part, index = self.selected_example
                if index >= len(self.session.examples.part(part)[0]):
                    self.selected_example = None
        if self.timeline.record(self.session) and self.divergence is None:
            self.divergence = _exploding(self.timeline, self.session, self._watched_from)
            if self.divergence is not None:
                self._run.clear()

    def _names(self) -> list[str]:
        return list(self.session.model.state_dict())

    def snapshot(self) -> Snapshot:
        """The session now, or at the epoch the timeline shows."""
        with self._lock:
            if self.viewing is None:
                return self.session.snapshot()
            return self.session.snapshot(self.timeline.kept(self.viewing, self._names())[1], self.viewing)

    def viewed_model(self) -> MLP:
        """The model at the epoch the timeline shows (a copy), or the live one."""
        if self.viewing is None:
            return self.session.model
        return self.session.model.copy(self.timeline.kept(self.viewing, self._names())[1])

    def state(self) -> dict[str, Any]:
        """What ``GET /api/state`` answers: the session's ``state()`` (at the epoch the timeline shows) and whether
        it is playing."""
        state = {**self.session.state(self.snapshot()), "playing": self.playing, "viewing": self.viewing}
        return frames.finite_json(state)  # type: ignore[no-any-return]  # a dict in, a dict out

    def frame(self, full: bool = False, loss_age: float = 0.0, with_maps: bool = True) -> Frame:
        """The session now: state (points and the settings' rules only when the points changed since the last
        frame, or ``full``), history, maps (unless not ``with_maps``: the front end keeps the last ones).

        What it shows is read at one moment under the lock (``_capture``), then computed without holding it, so
        messages are not kept waiting; the losses may be up to ``loss_age`` seconds old (they are measured anew at
        most that often).
        """
        snap, chosen, with_points = self._capture(full)
        state = {**self.session.state(snap, loss_age), "playing": chosen.playing}
        if with_maps:
            state["maps"] = frames.maps(snap, self.resolution)
        state.update(self._glass_box(snap, chosen))
        if with_points:
            state["rules"] = rules()
            state["names"], state["units"] = notation.names(snap.layers), notation.units(snap.layers)
        else:
            del state["train"], state["test"]
        state["history"] = chosen.history
        return frames.finite_json(state)  # type: ignore[no-any-return]  # a dict in, a dict out

    def _capture(self, full: bool) -> tuple[Snapshot, Chosen, bool]:
        """The session (or the epoch the timeline shows), what the glass box has chosen, and whether this frame
        carries the points (``full``, or they changed since the last frame), read together under the lock."""
        with self._lock:
            snap = self.snapshot()
            live = self.viewing is None and self.session.step_count > 0
            model = self.session.model
            chosen = Chosen(
                example=self.selected_example, neuron=self.selected_neuron, viewing=self.viewing,
                divergence=self.divergence, playing=self.playing, epochs=self.timeline.epochs,
                history=[list(h) for h in self.timeline.losses],
                gradients={n: finite_or_none(p.grad) for n, p in model.named_parameters()} if live else None,
            )
            points = (id(self.session.train), len(snap.train) + len(snap.test))
            with_points, self._points_sent = full or points != self._points_sent, points
        return snap, chosen, with_points

    def _glass_box(self, snap: Snapshot, chosen: Chosen) -> dict[str, Any]:
        """The frame's glass box: the last batch's gradients, the timeline, a divergence, and while paused the
        chosen example's numbers and the opened neuron's panel (computed once per moment and choice)."""
        part: dict[str, Any] = {
            "gradients": chosen.gradients,
            "timeline": {"epochs": chosen.epochs, "viewing": chosen.viewing},
            "divergence": chosen.divergence,
            "selected": {"example": list(chosen.example) if chosen.example else None, "neuron": chosen.neuron},
            "example": None,
            "panel": None,
        }
        if chosen.playing or chosen.example is None or chosen.divergence is not None:
            return part
        key = (snap.version, snap.epoch, chosen.viewing, chosen.example, chosen.neuron)
        cached = self._chosen
        if cached is None or cached[0] != key:
            cached = self._chosen = key, _chosen_part(snap, chosen.example, chosen.neuron)
        return {**part, **cached[1]}

    def example_pass(self, snap: Snapshot) -> ExamplePass:
        """The chosen example's forward and backward pass (training example 0 when none is chosen), at ``snap``."""
        part, index = self.selected_example or ("train", 0)
        inputs, targets = snap.examples.part(part)
        return example_pass(snap.model(), inputs[index], targets[index], snap.task.loss)

    def close(self) -> None:
        """Stop training and forget the subscribers."""
        self.pause()
        with self._lock:
            self._subscribers.clear()


@dataclass(frozen=True)
class Chosen:
    """What a frame shows beside the session, read at the moment of its snapshot: the glass box's choices, the
    divergence, whether it plays, the timeline and the last batch's gradients (None while none is live)."""

    example: tuple[str, int] | None
    neuron: str | None
    viewing: int | None
    divergence: dict[str, Any] | None
    playing: bool
    epochs: list[int]
    history: list[list[float | None]]
    gradients: dict[str, float | None] | None


def _chosen_part(snap: Snapshot, example: tuple[str, int], neuron: str | None) -> dict[str, Any]:
    """The chosen example's numbers and the opened neuron's panel (its graph drawn), at ``snap``; nothing for a
    choice that does not fit the snapshot (the data or the network changed since it was made)."""
    part, index = example
    inputs, targets = snap.examples.part(part)
    if index >= len(inputs):
        return {"example": None, "panel": None}
    passed = example_pass(snap.model(), inputs[index], targets[index], snap.task.loss)
    numbers = {
        "part": part, "index": index, "inputs": passed.inputs, "loss": finite_or_none(passed.loss),
        "neurons": {k: {name: finite_or_none(getattr(n, name)) for name in ("z", "a", "dz", "da")}
                    for k, n in passed.neurons.items()},
    }
    panel = None if neuron is None or neuron not in passed.neurons else neuron_view(passed, neuron)[0]
    return {"example": numbers, "panel": panel}


def _exploding(timeline: Timeline, session: Session, since: int) -> dict[str, Any] | None:
    """The divergence of a loss that explodes while finite: the newest epoch's training loss ``EXPLOSION`` times
    the lowest of the ``EXPLOSION_EPOCHS`` epochs before it from epoch ``since`` on (and of 0.01 at least, so that a
    loss near 0 may wander); None when it does not."""
    recent = [entry[1] for entry in timeline.losses[-EXPLOSION_EPOCHS - 1:] if (entry[0] or 0) >= since]
    latest, before = recent[-1], [loss for loss in recent[:-1] if loss is not None]
    if latest is None or not before or latest <= EXPLOSION * max(min(before), 0.01):
        return None
    low = min(before)
    epochs = len(recent) - 1 - recent.index(low)
    growth = f"{latest / low:,.0f}-fold" if latest / low < 1e6 else f"{latest / low:.1e} times"
    return {"title": "Training stopped: the loss is exploding.",
            "message": f"the training loss grew {growth} in {epochs} epoch{'s' if epochs > 1 else ''} (from "
                       f"{low:.3g} to {latest:.3g}): the steps overshoot, the learning rate "
                       f"{session.settings.learningRate:g} is too large for these gradients; lower it and press Play "
                       f"(training goes back to epoch {session.epoch_count - epochs})",
            "neuron": None}
