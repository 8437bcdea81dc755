"""The playground's messages: what the front end (a click, a key) asks the ``Runner`` to do, each one checked.

``play``, ``pause``, ``step`` (one mini-batch), ``epoch``, ``reset`` (new weights), ``regenerate`` (new data
seed), ``settings`` (``hash``: the URL hash text), ``weight`` (``name``, ``value``), ``add-point`` (``x1``,
``x2``, ``label``), ``remove-point`` (``x1``, ``x2``, ``radius``), ``csv`` (``text``); the glass box's
``select-example`` (``part``, ``index``), ``open-neuron`` (``neuron``: ``L.j``), ``close-neuron``,
``view-epoch`` (``epoch``), ``continue`` and ``export`` (``what``: model, code or steps; ``scope`` for steps).
A bad message is a ValueError or TypeError saying what was expected and what was given.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from engine.value import describe
from nn import MLP
from playground import export
from playground.data import link_points
from playground.glassbox import ExamplePass, check_neuron, neuron_view
from playground.session import Session
from playground.settings import MAX_CSV_BYTES, MAX_HASH_CHARS, Settings, parse_hash
from playground.snapshot import Snapshot
from playground.timeline import Timeline


class Runner(Protocol):
    """What the handlers use of the ``playground.runner.Runner`` that calls them (so this module needs not
    import it)."""

    session: Session
    timeline: Timeline
    selected_example: tuple[str, int] | None
    selected_neuron: str | None
    viewing: int | None

    def play(self) -> None: ...
    def train(self, count: int | None = None) -> None: ...
    def continue_from_view(self) -> None: ...
    def snapshot(self) -> Snapshot: ...
    def viewed_model(self) -> MLP: ...
    def example_pass(self, snap: Snapshot) -> ExamplePass: ...

#: what does a message: called with the runner and the message
Handler = Callable[[Runner, Mapping[str, Any]], object]

#: a message has at most this many fields, each named in at most this many ASCII characters
MAX_FIELDS, MAX_NAME = 8, 32
#: a whole number in a message is at most this large (JSON numbers beyond it lose digits in JavaScript anyway)
MAX_INTEGER = 2**53
#: the one field that may be long and hold any text: a CSV file's; other texts are ASCII of at most this many
MAX_TEXT = 2 * MAX_HASH_CHARS

#: the messages that stop training first (as TF Playground's buttons do); the others change it while it plays
PAUSING = frozenset({"pause", "step", "epoch", "reset", "weight", "select-example", "open-neuron", "view-epoch",
                     "continue", "export"})
#: the messages that train: from a past epoch the timeline shows, they train on from there
TRAINING = frozenset({"play", "step", "epoch"})


def _settings(runner: Runner, message: Mapping[str, Any]) -> dict[str, list[str]] | None:
    """The settings a link's hash names (only those: the others stay), this playground's or TensorFlow
    Playground's; what it ignored comes back as ``notices`` (to the page that sent it)."""
    text = message.get("hash")
    if not isinstance(text, str):
        raise ValueError(f"settings: expected a hash text such as 'dataset=moons&noise=10', got {describe(text)}")
    settings, notices = Settings.from_link(text, base=runner.session.settings)
    points = link_points(parse_hash(text), settings)  # checked before anything changes
    runner.session.update(settings)
    if points is not None and [runner.session.train, runner.session.test] != list(points):
        runner.session.set_points(*points)
    return {"notices": notices} if notices else None


def _regenerate(runner: Runner, message: Mapping[str, Any]) -> None:
    """New points: the same settings with another data seed."""
    fields = runner.session.settings.to_dict()
    fields["seed"] = random.randrange(2**32)
    runner.session.update(Settings.validated(fields))


def _select_example(runner: Runner, message: Mapping[str, Any]) -> None:
    part, index = message.get("part", "train"), message.get("index")
    if part not in ("train", "test"):
        raise ValueError(f"select-example: expected part 'train' or 'test', got {describe(part)}")
    count = len(runner.session.examples.part(part)[0])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ValueError(f"select-example: expected an index from 0 to {count - 1} of the {part} examples, "
                         f"got {describe(index)}")
    runner.selected_example = (part, index)


def _open_neuron(runner: Runner, message: Mapping[str, Any]) -> None:
    key = message.get("neuron")
    check_neuron(runner.session.model, key)
    if runner.selected_example is None:  # a neuron is shown for an example: training example 0 until one is picked
        runner.selected_example = ("train", 0)
    runner.selected_neuron = str(key)


def _view_epoch(runner: Runner, message: Mapping[str, Any]) -> None:
    epoch = message.get("epoch")
    if isinstance(epoch, bool) or epoch not in runner.timeline.epochs:
        raise ValueError(f"view-epoch: expected one of the epochs kept ({runner.timeline.describe_epochs()}), "
                         f"got {describe(epoch)}")
    runner.viewing = None if epoch == runner.session.epoch_count else int(epoch)


def _export(runner: Runner, message: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """A file for the page that asked (``export`` in its answer only): the model, the code or a step-through."""
    what = message.get("what")
    if what == "model":
        return {"export": export.model_file(runner.viewed_model())}
    if what == "code":
        return {"export": {"what": "code", "filename": "playground.py", "text": export.code(runner.session)}}
    if what == "steps":
        page = _steps_page(runner, message.get("scope"))
        return {"export": {"what": "steps", "filename": "steps.html", "text": page}}
    raise ValueError(f"export: expected what to be model, code or steps, got {describe(what)}")


def _steps_page(runner: Runner, scope: object) -> str:
    """The step-through of the chosen example's backward pass (``scope`` "example"), or of the opened neuron's."""
    if scope not in ("neuron", "example"):
        raise ValueError(f"steps: expected scope 'neuron' or 'example', got {describe(scope)}")
    if runner.selected_example is None or (scope == "neuron" and runner.selected_neuron is None):
        raise ValueError(f"steps: expected an example{' and a neuron' if scope == 'neuron' else ''} chosen first")
    snap = runner.snapshot()
    passed = runner.example_pass(snap)
    part, index = runner.selected_example
    if scope == "example" or runner.selected_neuron is None:
        return export.steps_page(passed.cost, f"the backward pass of {part} example {index}: every step, from its "
                                              f"loss C")
    view, out = neuron_view(passed, runner.selected_neuron)
    title = (f"{view['words']}'s own backward pass for {part} example {index}, from its output {out.label or 'a'}, "
             f"seeded with the ∂C/∂a = {view['da']:.4g} that reached it: every grad is ∂C/∂node, as in the panel")
    return export.steps_page(out, title, gradient=view["da"])


def _remove_point(runner: Runner, message: Mapping[str, Any]) -> None:
    runner.session.remove_point_near(message.get("x1"), message.get("x2"), message.get("radius", 0.1))  # type: ignore[arg-type]  # checked there


ACTIONS: dict[str, Handler] = {
    "play": lambda r, m: r.play(),
    "pause": lambda r, m: None,  # handle pauses first
    "step": lambda r, m: r.train(1),
    "epoch": lambda r, m: r.train(None),
    "reset": lambda r, m: r.session.reset(),
    "regenerate": _regenerate,
    "settings": _settings,
    "weight": lambda r, m: r.session.set_weight(m.get("name"), m.get("value")),  # type: ignore[arg-type]  # checked there
    "add-point": lambda r, m: r.session.add_point(m.get("x1"), m.get("x2"), m.get("label")),  # type: ignore[arg-type]  # checked there
    "remove-point": _remove_point,
    "csv": lambda r, m: r.session.load_csv(m.get("text")),  # type: ignore[arg-type]  # checked there
    "select-example": _select_example,
    "open-neuron": _open_neuron,
    "close-neuron": lambda r, m: setattr(r, "selected_neuron", None),
    "view-epoch": _view_epoch,
    "continue": lambda r, m: r.continue_from_view(),
    "export": _export,
}


def action(message: object) -> tuple[str, Handler, Mapping[str, Any]]:
    """The message's type, the handler that does it and the message itself, checked (``check_fields``); a
    ValueError for anything that is not a known message."""
    if not isinstance(message, Mapping) or not isinstance(message.get("type"), str):
        raise ValueError(f"message: expected an object with a type such as 'play', got {describe(message)}")
    check_fields(message)
    kind = message["type"]
    handler = ACTIONS.get(kind)
    if handler is None:
        raise ValueError(f"message type: expected one of {', '.join(ACTIONS)}, got {describe(kind)}")
    return kind, handler, message


def check_fields(message: Mapping[Any, Any]) -> None:
    """Every field of ``message`` a short ASCII name with one plain value: a number (a whole one at most
    ``MAX_INTEGER``), true/false, null, or a short ASCII text (the CSV ``text`` up to ``MAX_CSV_BYTES``): never a
    list or an object. A ValueError names the first field that is not."""
    if len(message) > MAX_FIELDS:
        raise ValueError(f"message: expected at most {MAX_FIELDS} fields, got {len(message)}")
    for name, value in message.items():
        if not isinstance(name, str) or not name.isascii() or not 0 < len(name) <= MAX_NAME:
            raise ValueError(f"message: expected field names of 1 to {MAX_NAME} ASCII characters, got {describe(name)}")
        if isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        if isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                raise ValueError(f"{name}: expected a number of at most {MAX_INTEGER:,}, got {describe(value)}")
            continue
        if not isinstance(value, str):
            raise ValueError(f"{name}: expected a number, true/false or a text, got {describe(value)}")
        limit = MAX_CSV_BYTES if name == "text" else MAX_TEXT
        if len(value) > limit or (name != "text" and not value.isascii()):
            raise ValueError(f"{name}: expected {'a text' if name == 'text' else 'ASCII text'} of at most {limit:,} "
                             f"characters, got {describe(value)}")
