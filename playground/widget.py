"""The playground as a Jupyter widget (anywidget): the page's one front end, fed by a ``Runner`` in the kernel.

    from playground import Playground
    playground = Playground()                  # the default session (moons, a 4-2 network): shows in the cell
    playground = Playground(model, X, y)       # a user's own MLP and data; trained in place
    playground.model, playground.history       # the live MLP; [(epoch, train loss, test loss), ...]
    playground.handle({"type": "epoch"})       # what a click would do, from Python
    playground.close()                         # stops training

The front end is ``playground/static/playground.js`` itself (anywidget calls its ``render({model, el})``) with
``playground.css``. It reads two synced traits, ``frame`` and ``error``, and sends messages with
``model.send``: each goes to ``Runner.handle``; its answer becomes ``frame`` (and ``error`` is cleared), a
ValueError/TypeError becomes ``error``. The ``frame`` trait keeps the points and maps of earlier frames when
a frame leaves them out, so that a view made later (the cell shown again, a reloaded page) can draw.

Threads: frames from the training thread set ``frame`` from that thread, not through the kernel's loop.
ipykernel sends a comm message from any thread (it hands it to its IOPub thread and falls back on the shell's
parent message), so a playing widget moves even while another cell keeps the kernel busy; a lock sends one
frame at a time. Clicks are shell messages: they wait for a busy cell to finish, as any widget's do.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from engine.value import describe
from nn import MLP
from playground.runner import Frame, Runner
from playground.session import Session
from playground.settings import Settings
from viz.assets import static_text

try:
    import anywidget
    import traitlets
except ImportError as missing:  # pragma: no cover - the tests run with the dev extra, which has anywidget
    raise ImportError(
        f"playground.Playground is a Jupyter widget built on anywidget, which is not installed ({missing}): "
        "pip install 'glassgrad[widget]'"
    ) from missing

#: frame keys that a frame may leave out when they did not change (the front end keeps the last ones)
KEPT = (("train", "test", "rules", "names", "units"), ("maps",))


class Playground(anywidget.AnyWidget):
    """The playground in a notebook: ``Playground()``, ``Playground(model, X, y)`` or ``Playground(session=...)``."""

    _esm = static_text("playground", "playground.js")  # the page's own module: its default export renders it
    _css = static_text("playground", "playground.css")
    frame = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, model: MLP | None = None, X: Sequence[Sequence[float]] | None = None,
                 y: Sequence[float] | None = None, *, session: Session | None = None,
                 settings: Settings | str | None = None) -> None:
        if isinstance(settings, str):
            settings = Settings.from_hash(settings)
        elif settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"Playground(settings): expected a Settings or a hash text such as 'dataset=xor', "
                            f"got {describe(settings)}")
        if model is not None or X is not None or y is not None:
            if model is None or X is None or y is None or session is not None:
                raise TypeError("Playground(model, X, y): expected a model, its inputs X and labels y together "
                                f"(and no session), got model={describe(model)}, X={describe(X)}, "
                                f"y={describe(y)}, session={describe(session)}")
            session = Session.from_model(model, X, y, settings)
        elif session is None:
            session = Session(settings)
        elif settings is not None:
            raise TypeError("Playground(session=..., settings=...): expected one of them, the session has its settings")
        runner = Runner(session)
        self._frame_lock = threading.Lock()
        self._last_frame: Frame | None = None  # the runner's frame shown last (its answers come twice: published)
        super().__init__(frame=runner.frame(full=True))
        self.on_msg(self._on_message)
        self._unsubscribe = runner.subscribe(self._show)
        self.runner = runner

    # -- what a notebook reads -----------------------------------------------------------------

    @property
    def session(self) -> Session:
        """The training session (data, the network, its optimizer) this widget shows."""
        return self.runner.session

    @property
    def model(self) -> MLP:
        """The live network: the very ``MLP`` training changes (a user's own one for ``Playground(model, X, y)``)."""
        return self.runner.session.model

    @property
    def history(self) -> list[tuple[int, float | None, float | None]]:
        """The losses per epoch trained: ``(epoch, training loss, test loss)``, None where not finite."""
        return [(int(e or 0), train, test) for e, train, test in self.runner.history]

    @property
    def selected_example(self) -> tuple[str, int] | None:
        """The example picked in the view (a click on a point): ``("train" or "test", index)``, or None."""
        return self.runner.selected_example

    @property
    def selected_neuron(self) -> str | None:
        """The neuron opened in the view (a click on a neuron): ``"L.j"`` (layer L from 1, neuron j from 1), or None."""
        return self.runner.selected_neuron

    # -- messages and frames -------------------------------------------------------------------

    def handle(self, message: Mapping[str, Any]) -> Frame:
        """Do what the front end's ``message`` asks (``Runner.handle``) and show the frame it answers; returns it."""
        frame = self.runner.handle(message)
        self._show(frame)
        self.error = ""
        return frame

    def _on_message(self, widget: object, content: object, buffers: object) -> None:
        """A message from the front end (``model.send``): handled, or its ValueError/TypeError shown as ``error``."""
        if isinstance(content, Mapping) and content.get("kind") == "anywidget-command":
            return  # anywidget's own request/response messages, answered by anywidget
        try:
            self.handle(content)  # type: ignore[arg-type]  # Runner.handle checks it is a message
        except (ValueError, TypeError) as bad:
            self.error = str(bad)

    def _show(self, frame: Frame) -> None:
        """Set ``frame`` (from any thread), with the points and maps of the last one where this one leaves them out;
        an export in it goes out once."""
        with self._frame_lock:
            if frame is self._last_frame:
                return
            self._last_frame = frame
            last = self.frame
            whole = dict(frame)
            for keys in KEPT:
                if keys[0] not in whole and keys[0] in last:
                    whole.update({k: last[k] for k in keys})
            self.frame = whole
            if "export" in whole:  # a one-off (a file to save, code to copy): sent once, not kept for later views
                self.frame = {k: v for k, v in whole.items() if k != "export"}

    def close(self) -> None:
        """Stop training and close the widget (its views go away)."""
        runner = getattr(self, "runner", None)  # close may come from __del__ of a half-made widget
        if runner is not None:
            self._unsubscribe()
            runner.close()
        super().close()

    def __repr__(self) -> str:
        """A short, stable text: what a notebook shows without a kernel (no object address)."""
        runner = getattr(self, "runner", None)
        if runner is None:
            return "Playground()"
        s = runner.session
        return (f"Playground(epoch={s.epoch_count}, step={s.step_count}, layers={[s.model.nin, *s.model.nouts]}, "
                f"train_loss={_number(s.train_loss)}, test_loss={_number(s.test_loss)})")


def _number(x: float | None) -> str:
    return "None" if x is None else f"{x:.4f}"
