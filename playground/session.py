"""The playground's training session: its settings, data, input features, network and optimizer, one step at a time.

No HTTP here: the server and the Jupyter widget hold a ``Session`` and call it. ``Settings`` are the page's
controls, with TensorFlow Playground's names (they live in the URL hash); every value is checked, and a
bad one is a ValueError whose message says what was expected and what was given (the page shows it).

    s = Session(Settings.from_hash("dataset=moons&networkShape=4,2&learningRate=0.03"))
    s.step(); s.epoch()                         # one mini-batch; one pass over the training data
    s.train_loss, s.test_loss, s.epoch_count
    s.heatmaps(50)                              # the output's, every feature's and every neuron's map
    s.state()                                   # JSON-ready: what GET /api/state answers

Threads: the server trains in a thread while requests read and change the session. Every public method
takes the session's lock (a ``threading.RLock``), so a step, an update, a new point or a ``state()`` each
see the session whole; the engine's switches (``no_grad``) are per thread, so training in one thread and
a ``no_grad`` evaluation in another do not disturb each other.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from engine.value import describe
from nn import MLP
from nn.losses import Penalty
from nn.network import PackedMLP
from nn.optim import SGD, Adam, Optimizer
from nn.train import make_step, targets_for, train_step
from playground.data import (
    MAX_LINK_POINTS,
    Examples,
    Point,
    make_points,
    parse_csv,
    points_text,
    split,
    split_order,
    to_label,
)
from playground.settings import (
    DATA_KEYS,
    FEATURES,
    MAX_COORDINATE,
    MAX_CSV_ROWS,
    MOMENTUM,
    NETWORK_KEYS,
    OPTIMIZER_KEYS,
    TRAINING_KEYS,
    Settings,
    Task,
    check_integer,
    check_number,
)
from playground.snapshot import Snapshot, finite_or_none


class Session:
    """One playground run: data (train/test), input features, an ``nn.MLP``, its optimizer, and the counters.

    ``Session.from_model(model, X, y)`` trains a user's own network on their own data instead.

    Every public method holds the session's lock (``threading.RLock``): a training thread and request
    threads can share one session.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self._lock = threading.RLock()
        self.settings = Settings() if settings is None else settings
        if not isinstance(self.settings, Settings):
            raise TypeError(f"Session(settings): expected a Settings, got {describe(settings)}")
        self.custom_data = False  # True once the points were loaded from CSV
        self.train: list[Point] = []
        self.test: list[Point] = []
        self._version = 0  # counts every change, never goes back: a cached measurement names the version it is of
        self.run_count = 0  # runs begun (new data, a new network, a reset): the timeline starts anew with each
        self._new_data()

    #: True for a user's own model and data (``from_model``): their network and data stay as they are
    own = False
    #: True: train with ``fit(compile=True)``'s step (one example's graph compiled, run over each batch; its losses
    #: and gradients the graph's to rounding), at TF Playground's pace; False: on the graph, bit for bit. The glass
    #: box builds the scalar graph of whatever it opens either way.
    compiled = True

    @classmethod
    def from_model(cls, model: MLP, X: Sequence[Sequence[float]], y: Sequence[float],
                   settings: Settings | None = None) -> Session:
        """A session that trains ``model`` itself (the live MLP, in place) on ``X``, ``y``, split by
        ``percTrainData`` and ``seed`` of ``settings``, which also set the training (learning rate, optimizer,
        batch size, regularization); the network and the data stay as given. What it learns: from the model's
        output — softmax (or linear with several outputs): classes 0..nout-1, cross entropy; sigmoid: classes
        0 and 1, binary cross entropy; linear with one output: regression, mean squared error. 2-D inputs get
        the maps over the plane; other input sizes get none."""
        return OwnSession(model, X, y, settings)

    # -- building ------------------------------------------------------------------------------

    def _new_data(self) -> None:
        self.train, self.test = split(make_points(self.settings), self.settings.percTrainData, self.settings.seed)
        self.custom_data = False
        self._measure_extent()
        self._new_model()

    @property
    def version(self) -> int:
        """Counts the changes of the run (a step, new data or network, a point, a weight); never goes back."""
        return self._version

    @property
    def task(self) -> Task:
        """What this session trains (from the settings; a ``from_model`` session's from its model and labels)."""
        return Task.of(self.settings)

    def _examples(self) -> tuple[list[list[float]], list[float], list[list[float]], list[float]]:
        """The inputs and labels of the training and the test examples: the features of the points."""
        fns = [FEATURES[name] for name in self.task.features]
        inputs = [[[f(p[0], p[1]) for f in fns] for p in part] for part in (self.train, self.test)]
        return inputs[0], [p[2] for p in self.train], inputs[1], [p[2] for p in self.test]

    def _data_changed(self) -> None:
        """Recompute the inputs and targets of the examples; the next step starts a new pass over them."""
        train_inputs, train_labels, test_inputs, test_labels = self._examples()
        self.examples = Examples(train_inputs, train_labels, self._targets(train_labels),
                                 test_inputs, test_labels, self._targets(test_labels))
        self._order: list[int] = []
        self._version += 1

    def _targets(self, labels: list[float]) -> list[Any]:
        task = self.task
        kept: list[Any] = labels if task.problem == "regression" else [int(v) for v in labels]
        return targets_for(task.loss, kept, task.nout) if kept else []

    @property
    def nout(self) -> int:
        """The network's number of outputs: one per class for softmax (and mse on 3+ classes), else one."""
        return self.task.nout

    def _new_model(self) -> None:
        s = self.settings
        self.model = MLP(len(s.features), [*s.networkShape, self.nout], activation=s.activation, seed=s.seed)
        self._new_run()

    def _new_run(self) -> None:
        """Epoch 0 of a new run of the model as it is: its training step (``nn.train.make_step``, the one ``fit``
        runs), counters, the shuffling's generator, nothing measured yet."""
        self._step = make_step(self.model, self.task.loss, penalty=self._penalty(), compile=self.compiled)
        self._packed = PackedMLP(self.model)  # the maps' and the losses' forward pass over many points
        self.run_count += 1  # a new run starts here
        self.replayable = True  # its steps, replayed from its settings, give it again (until it is changed by hand)
        self._start(0)
        self._rng = random.Random(self.settings.seed)
        self.step_count = 0
        self._measured: tuple[int, float, dict[str, float | None]] | None = None
        self._data_changed()

    def _start(self, epoch: int) -> None:
        """Training starts as epoch ``epoch`` from the model as it is: a new optimizer, a new pass over the data,
        nothing diverged, no batch, no parameters from before a step."""
        self.optimizer = self._new_optimizer()
        self.epoch_count = epoch
        self._order = []
        self.diverged = False  # the last step made the loss or a parameter non-finite
        self.last_batch: list[int] = []
        self.before_step: dict[str, float] = {}

    def _new_optimizer(self) -> Optimizer:
        s, params = self.settings, self.model.parameters()
        if s.optimizer == "adam":
            return Adam(params, lr=s.learningRate)
        return SGD(params, lr=s.learningRate, momentum=MOMENTUM if s.optimizer == "momentum" else 0.0)

    # -- training ------------------------------------------------------------------------------

    def _penalty(self) -> Penalty | None:
        """TensorFlow Playground's regularization: L1 (rate·Σ|w|) or L2 (rate·Σw²) over the weights, not the biases."""
        s = self.settings
        return None if s.regularization == "none" else Penalty(s.regularization, s.regularizationRate,
                                                               self.model.weights())

    def step(self) -> float:
        """Train on one mini-batch of ``batchSize`` training points; returns its objective (loss + penalty)."""
        with self._lock:
            if not self._order:
                self._order = list(range(len(self.examples.train_inputs)))
                self._rng.shuffle(self._order)
            batch, self._order = self._order[: self.settings.batchSize], self._order[self.settings.batchSize:]
            params = self.model.parameters()
            before = [p.data for p in params]
            self.last_batch = batch
            ex = self.examples
            objective, _, _ = train_step(self._step, self.optimizer, ex.train_inputs, ex.train_targets, batch)
            self.diverged = not (math.isfinite(objective) and all(math.isfinite(p.data) for p in params))
            if self.diverged:  # the parameters it started from, by name, for explaining it
                self.before_step = dict(zip(self.model.state_dict(), before))
            self.step_count += 1
            if not self._order:
                self.epoch_count += 1
            self._version += 1
            return objective

    def restart_from(self, epoch: int) -> None:
        """Train on from the model's parameters as they are now, as epoch ``epoch``: a new optimizer, a new pass."""
        with self._lock:
            self.replayable = False
            self._start(epoch)
            self._version += 1

    def epoch(self) -> None:
        """Train on mini-batches until the current pass over the training data ends (one epoch from the start)."""
        with self._lock:
            count = self.epoch_count
            while self.epoch_count == count:
                self.step()

    def _measure(self, snapshot: Snapshot | None = None, age: float = 0.0) -> dict[str, float | None]:
        """Loss (mean, no penalty) and accuracy on train and test, on floats; cached until something changes, or
        (``age`` > 0) for up to ``age`` seconds. Computed from a snapshot, outside the lock."""
        with self._lock:
            snap = self.snapshot() if snapshot is None else snapshot
            if self._measured is not None and snap.version >= 0:
                version, when, result = self._measured
                if version == snap.version or time.monotonic() - when < age:
                    return result
        result = snap.measure()
        with self._lock:
            if self._version == snap.version:
                self._measured = (snap.version, time.monotonic(), result)
        return result

    @property
    def train_loss(self) -> float | None:
        """Mean loss over the training points (no penalty), as a float."""
        return self._measure()["train_loss"]

    @property
    def test_loss(self) -> float | None:
        """Mean loss over the test points, or None when there are none."""
        return self._measure()["test_loss"]

    @property
    def train_accuracy(self) -> float | None:
        """Fraction of training points classified right (None for regression)."""
        return self._measure()["train_accuracy"]

    @property
    def test_accuracy(self) -> float | None:
        """Fraction of test points classified right (None for regression or no test points)."""
        return self._measure()["test_accuracy"]

    # -- changing --------------------------------------------------------------------------------

    def update(self, settings: Settings) -> str:
        """Apply new settings; returns what was rebuilt: ``"data"``, ``"network"``, ``"optimizer"`` or ``"nothing"``.

        Data keys (``DATA_KEYS``: dataset, classes, noise, percTrainData, seed) make new points, a new
        network and optimizer (epoch 0; loaded CSV points are dropped). Network keys (networkShape,
        activation, output, the features) make a new network and optimizer on the same points. The
        learning rate or the optimizer keep the weights and the epoch: a new learning rate is set on the
        optimizer (its state kept); a new optimizer starts fresh. Batch size and regularization take effect
        at the next step.
        """
        if not isinstance(settings, Settings):
            raise TypeError(f"Session.update: expected a Settings, got {describe(settings)}")
        with self._lock:
            old, self.settings = self.settings, settings
            changed = {f.name for f in fields(Settings) if getattr(old, f.name) != getattr(settings, f.name)}
            if changed & DATA_KEYS:
                self._new_data()
                return "data"
            if changed & NETWORK_KEYS:
                self._new_model()
                return "network"
            if self.step_count and changed & TRAINING_KEYS:
                self.replayable = False  # trained with other settings before: its settings no longer replay it
            if changed & {"regularization", "regularizationRate"}:
                self._step.penalty = self._penalty()
            if "optimizer" in changed:
                self.optimizer = self._new_optimizer()
            elif "learningRate" in changed:
                self.optimizer.lr = settings.learningRate
            return "optimizer" if changed & OPTIMIZER_KEYS else "nothing"  # nothing measured changed: no new version

    def reset(self) -> None:
        """New initial weights (from the seed), a new optimizer, epoch 0; the points stay."""
        with self._lock:
            self._new_model()

    def set_weight(self, name: str, value: float) -> None:
        """Set the parameter ``name`` (a name of ``MLP.named_parameters``) to a finite number."""
        with self._lock:
            params = dict(self.model.named_parameters())
            if not isinstance(name, str) or name not in params:
                first = next(iter(params))
                raise ValueError(
                    f"set_weight(name): expected a parameter name such as {first!r} ({len(params)} parameters), "
                    f"got {describe(name)}"
                )
            params[name].data = check_number(value, f"set_weight({name})", -MAX_COORDINATE, MAX_COORDINATE)
            self.replayable = False
            self._version += 1

    def add_point(self, x1: float, x2: float, label: float) -> None:
        """Add a training point; ``label`` is a class index (classification) or a number (regression)."""
        with self._lock:
            point = (check_number(x1, "add_point(x1)", -MAX_COORDINATE, MAX_COORDINATE),
                     check_number(x2, "add_point(x2)", -MAX_COORDINATE, MAX_COORDINATE),
                     to_label(label, self.settings, "add_point"))
            if len(self.train) + len(self.test) >= MAX_CSV_ROWS:
                raise ValueError(f"add_point: expected at most {MAX_CSV_ROWS:,} points, got one more")
            self.train.append(point)
            self.replayable, self.custom_data = False, True
            self._data_changed()

    def remove_point_near(self, x1: float, x2: float, radius: float = 0.1) -> Point | None:
        """Remove the point (train or test) nearest to (x1, x2) within ``radius``; returns it, or None if none is."""
        with self._lock:
            x1 = check_number(x1, "remove_point_near(x1)", -MAX_COORDINATE, MAX_COORDINATE)
            x2 = check_number(x2, "remove_point_near(x2)", -MAX_COORDINATE, MAX_COORDINATE)
            r = check_number(radius, "remove_point_near(radius)", 0.0, MAX_COORDINATE)
            candidates = [(math.hypot(p[0] - x1, p[1] - x2), part, i)
                          for part in (self.train, self.test) for i, p in enumerate(part)]
            distance, part, i = min(candidates, key=lambda c: c[0])
            if distance > r:
                return None
            if part is self.train and len(self.train) == 1:
                raise ValueError("remove_point_near: expected to keep one training point at least, got the last one")
            point = part.pop(i)
            self.replayable, self.custom_data = False, True
            self._data_changed()
            return point

    def to_csv(self) -> str:
        """All points (training then test) as CSV text: a header ``x1,x2,label``, one row per point."""
        with self._lock:
            label = (repr if self.task.problem == "regression" else lambda v: str(int(v)))
            rows = [f"{p[0]!r},{p[1]!r},{label(p[2])}" for p in self.train + self.test]
            return "\n".join(["x1,x2,label", *rows]) + "\n"

    def set_points(self, train: list[Point], test: list[Point]) -> None:
        """Train and test on these points (checked ones: a link's, a kept run's); the network and optimizer made
        anew (epoch 0)."""
        with self._lock:
            self.train, self.test = list(train), list(test)
            self.custom_data = True
            self._measure_extent()
            self._new_model()
            self.replayable = False  # the points are not the settings' own

    def load_csv(self, text: str) -> int:
        """Replace the points by those of CSV text (checked: ``parse_csv``), split by percTrainData and the seed.

        The network and optimizer are made anew (epoch 0). Returns the number of points.
        """
        with self._lock:
            points = parse_csv(text, self.settings)  # raises before anything changes
            self.train, self.test = split(points, self.settings.percTrainData, self.settings.seed)
            self.custom_data = True
            self._measure_extent()
            self._new_model()
            self.replayable = False  # the points are not the settings' own
            return len(points)

    # -- kept across restarts ------------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        """The run as JSON-ready data: its settings (the URL hash), points, parameters and counters; ``restore``
        makes it again. (A user's own model and data are theirs to keep: ``own`` sessions have none.)"""
        with self._lock:
            classes = self.task.problem == "classification"
            points = [[[x1, x2, int(label) if classes else label] for x1, x2, label in part]
                      for part in (self.train, self.test)]
            return {"hash": self.settings.to_hash(), "custom_data": self.custom_data,
                    "train": points[0], "test": points[1],
                    "parameters": self.model.state_dict(), "epoch": self.epoch_count, "step": self.step_count}

    @classmethod
    def restore(cls, document: object) -> Session:
        """The session ``to_document`` wrote: every part checked (a ValueError saying which is wrong); training goes
        on from its parameters and epoch with a new optimizer."""
        if not isinstance(document, Mapping):
            raise ValueError(f"a kept run: expected an object, got {describe(document)}")
        session = cls(Settings.from_hash(_field(document, "hash", str)))
        with session._lock:
            parts = [_field(document, name, list) for name in ("train", "test")]
            if not parts[0] or len(parts[0]) + len(parts[1]) > MAX_CSV_ROWS:
                raise ValueError(f"a kept run: expected 1 to {MAX_CSV_ROWS:,} points with one for training at least")
            train, test = ([_point(p, session.settings, f"{name}[{i}]") for i, p in enumerate(part)]
                           for name, part in zip(("train", "test"), parts))
            session.set_points(train, test)
            session.custom_data = bool(_field(document, "custom_data", bool))
            session.model.load_state_dict(_field(document, "parameters", dict))
            session.restart_from(check_integer(_field(document, "epoch", int), "epoch", 0, 10**9))
            session.step_count = check_integer(_field(document, "step", int), "step", 0, 10**12)
        return session

    # -- reading ---------------------------------------------------------------------------------

    def extent(self) -> tuple[float, float, float, float] | None:
        """``(x1_min, x1_max, x2_min, x2_max)``: the plane of the heatmaps, the points' range with a 10% margin.

        Set when the points are made or loaded; adding or removing a point keeps it (a click on the map adds a
        point where it was clicked, and the map does not move under the pointer).
        """
        with self._lock:
            return self._extent

    def _measure_extent(self) -> None:
        points = self.train + self.test
        if not points:  # a user's own inputs that are not points in the plane
            self._extent = None
            return
        bounds = []
        for k in (0, 1):
            lo, hi = min(p[k] for p in points), max(p[k] for p in points)
            pad = (hi - lo) * 0.1 or 1.0
            bounds += [lo - pad, hi + pad]
        self._extent = (bounds[0], bounds[1], bounds[2], bounds[3])

    def grid(self, resolution: int) -> list[tuple[float, float]]:
        """The heatmaps' ``resolution²`` points (x1, x2), row by row from the top (largest x2), left to right."""
        return self.snapshot().grid(resolution)

    def heatmaps(self, resolution: int = 50) -> dict[str, Any]:
        """Every map over the plane (``Snapshot.heatmaps``), of the session as it is now."""
        return self.snapshot().heatmaps(resolution)

    def snapshot(self, parameters: Mapping[str, float] | None = None, epoch: int | None = None) -> Snapshot:
        """The session now, for reading without its lock: settings, points, a float copy of the network, counters;
        with ``parameters`` (by name) and ``epoch``, the session as it was then (time travel)."""
        with self._lock:
            model, version = self.model, self._version
            if parameters is not None:
                model, version = self.model.copy(parameters), -1  # -1: never a cached measurement
            return Snapshot(
                settings=self.settings, task=self.task, config=model.config(), packed=self._packed,
                train=list(self.train), test=list(self.test), examples=self.examples, extent=self._extent,
                epoch=self.epoch_count if epoch is None else epoch, step=self.step_count, version=version,
                custom_data=self.custom_data, own=self.own, layers=[self.model.nin, *self.model.nouts],
                parameters={name: p.data for name, p in model.named_parameters()},
            )

    def state(self, snapshot: Snapshot | None = None, loss_age: float = 0.0) -> dict[str, Any]:
        """A JSON-ready dict (no NaN: a non-finite number is None): counters, losses (up to ``loss_age`` seconds
        old), settings, parameters, layer sizes and points; of ``snapshot`` (from ``snapshot()``), else of now."""
        snap = self.snapshot() if snapshot is None else snapshot
        measured = self._measure(snap, loss_age)
        return {
            "epoch": snap.epoch,
            "step": snap.step,
            **{k: finite_or_none(v) for k, v in measured.items()},
            "settings": snap.settings.to_dict(),
            **_link(snap),
            "problem": snap.task.problem,
            "classes": snap.task.classes,
            "features": list(snap.task.features),
            "layers": snap.layers,
            "parameters": {name: finite_or_none(v) for name, v in snap.parameters.items()},
            "custom_data": snap.custom_data,
            "own": snap.own,
            "train": [list(p) for p in snap.train],
            "test": [list(p) for p in snap.test],
        }



class OwnSession(Session):
    """A session on a user's own ``MLP`` and data (made by ``Session.from_model``)."""

    own = True

    def __init__(self, model: MLP, X: Sequence[Sequence[float]], y: Sequence[float],
                 settings: Settings | None = None) -> None:
        if not isinstance(model, MLP):
            raise TypeError(f"Session.from_model(model): expected an nn.MLP, got {describe(model)}")
        if not _is_sequence(X) or not _is_sequence(y):
            raise TypeError(f"Session.from_model(X, y): expected two sequences, got {describe(X)} and {describe(y)}")
        if not 1 <= len(X) <= MAX_CSV_ROWS or len(y) != len(X):
            raise ValueError(f"Session.from_model(X, y): expected 1 to {MAX_CSV_ROWS:,} examples and a label for "
                             f"each, got {len(X)} rows and {len(y)} labels")
        nout = model.nouts[-1]
        if model.output == "sigmoid" and nout != 1:
            raise ValueError(f"Session.from_model(model): expected one output for sigmoid, got {nout}")
        regression = model.output == "linear" and nout == 1
        output = "mse" if regression else "sigmoid" if model.output == "sigmoid" else "softmax"
        classes = 0 if regression else max(nout, 2)
        self._task = Task("regression" if regression else "classification", classes, output, (), model.nin)
        self._rows = [[check_number(v, f"X[{i}][{k}]", -MAX_COORDINATE, MAX_COORDINATE) for k, v in enumerate(row)]
                      for i, row in enumerate(_rows(X, model.nin))]
        if regression:
            self._labels = [check_number(v, f"y[{i}]", -MAX_COORDINATE, MAX_COORDINATE) for i, v in enumerate(y)]
        else:
            self._labels = [float(check_integer(v, f"y[{i}]", 0, classes - 1)) for i, v in enumerate(y)]
        self.model = model
        self._initial = model.state_dict()
        super().__init__(settings)

    @property
    def task(self) -> Task:
        """What the model learns, from its output and the labels (see ``Session.from_model``)."""
        return self._task

    def _new_data(self) -> None:
        self._split = list(split_order(len(self._rows), self.settings.percTrainData, self.settings.seed))
        points = [[(self._rows[i][0], self._rows[i][1], self._labels[i]) for i in part] for part in self._split]
        self.train, self.test = points if self.task.nin == 2 else ([], [])
        self._measure_extent()
        self._new_model()

    def _examples(self) -> tuple[list[list[float]], list[float], list[list[float]], list[float]]:
        (train, test) = self._split
        return ([self._rows[i] for i in train], [self._labels[i] for i in train],
                [self._rows[i] for i in test], [self._labels[i] for i in test])

    def _new_model(self) -> None:
        """The model back to the weights it came with (reset: epoch 0), a new optimizer."""
        self.model.load_state_dict(self._initial)
        self._new_run()

    def update(self, settings: Settings) -> str:
        """Apply new training settings (learning rate, optimizer, batch size, regularization, the view); a change
        of the data or the network is a ValueError: they are the user's own."""
        if isinstance(settings, Settings):
            fixed = sorted(f.name for f in fields(Settings) if f.name in DATA_KEYS | NETWORK_KEYS
                           and getattr(settings, f.name) != getattr(self.settings, f.name))
            if fixed:
                raise ValueError(f"settings: this playground trains your own model on your own data, so only the "
                                 f"training can change; expected the same {', '.join(fixed)}")
        return super().update(settings)

    def _refuse(self, what: str) -> ValueError:
        return ValueError(f"{what}: this playground trains your own data; expected no change to it")

    def add_point(self, x1: float, x2: float, label: float) -> None:
        """Refused: the data are the user's own."""
        raise self._refuse("add_point")

    def remove_point_near(self, x1: float, x2: float, radius: float = 0.1) -> Point | None:
        """Refused: the data are the user's own."""
        raise self._refuse("remove_point_near")

    def set_points(self, train: list[Point], test: list[Point]) -> None:
        """Refused: the data are the user's own."""
        raise self._refuse("set_points")

    def load_csv(self, text: str) -> int:
        """Refused: the data are the user's own."""
        raise self._refuse("load_csv")


def _rows(X: Sequence[Sequence[float]], nin: int) -> list[Sequence[float]]:
    """The rows of ``X``, each checked to hold ``nin`` values."""
    for i, row in enumerate(X):
        if not _is_sequence(row) or len(row) != nin:
            raise ValueError(f"Session.from_model(X): expected rows of {nin} numbers (the model's inputs), "
                             f"got X[{i}] = {describe(row)}")
    return list(X)


def _is_sequence(value: object) -> bool:
    """A list, tuple or other sequence, but not a string."""
    return isinstance(value, Sequence) and not isinstance(value, str)


def _field(document: Mapping[str, Any], name: str, kind: type) -> Any:
    """``document[name]``, which must be a ``kind``; a ValueError naming it otherwise."""
    value = document.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"a kept run: expected {name} as {kind.__name__}, got {describe(value)}")
    return value


def _point(value: object, settings: Settings, where: str) -> Point:
    """A kept point ``[x1, x2, label]``, checked as a clicked one is."""
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError(f"a kept run: expected {where} as [x1, x2, label], got {describe(value)}")
    return (check_number(value[0], f"{where}: x1", -MAX_COORDINATE, MAX_COORDINATE),
            check_number(value[1], f"{where}: x2", -MAX_COORDINATE, MAX_COORDINATE),
            to_label(value[2], settings, where))


def _link(snap: Snapshot) -> dict[str, Any]:
    """The run's link: ``hash``, its settings and, when its points are not its data set's own (a CSV, points added or
    removed), the points too if they fit (``MAX_LINK_POINTS``); ``link_note`` says when they do not (else None)."""
    text, note = snap.settings.to_hash(), None
    if snap.custom_data:
        count = len(snap.train) + len(snap.test)
        if count <= MAX_LINK_POINTS:
            text += f"&train={points_text(snap.train)}&test={points_text(snap.test)}"
        else:
            note = (f"the link holds the settings but not these {count:,} points (at most {MAX_LINK_POINTS}): "
                    "save them as CSV to share them")
    return {"hash": text, "link_note": note}
