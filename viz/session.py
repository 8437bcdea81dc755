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
import operator
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from engine import OPS, Value, no_grad, paused_gc, sum_values
from engine.value import describe
from nn import MLP, losses
from nn.activations import ACTIVATIONS
from nn.data import make_blobs, make_circles, make_moons, make_spirals, make_xor
from nn.network import FloatMLP
from nn.optim import SGD, Adam, Optimizer
from nn.train import targets_for

CLASSIFICATION = ("moons", "circles", "xor", "gauss", "spirals")
REGRESSION = ("reg-plane", "reg-gauss")
DATASETS = CLASSIFICATION + REGRESSION
#: output name -> the nn.losses loss it trains with (on the logits)
OUTPUT_LOSSES = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy", "hinge": "hinge", "mse": "mse"}
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "L1", "L2")
#: TF Playground's feature names and what each computes from a point (x1, x2), in the order the inputs take
FEATURES: dict[str, Callable[[float, float], float]] = {
    "x": lambda x1, x2: x1,
    "y": lambda x1, x2: x2,
    "xSquared": lambda x1, x2: x1 * x1,
    "ySquared": lambda x1, x2: x2 * x2,
    "xTimesY": lambda x1, x2: x1 * x2,
    "sinX": lambda x1, x2: math.sin(x1),
    "sinY": lambda x1, x2: math.sin(x2),
}
NUM_POINTS = 500  # generated per data set, as TF Playground; percTrainData=50 gives 250 training points
MAX_LAYERS, MAX_NEURONS = 6, 8
MAX_HASH_CHARS = 2000
MAX_CSV_ROWS, MAX_CSV_BYTES = 10_000, 1_000_000
MAX_COORDINATE = 1e6  # |x1|, |x2| of a point, and |label| of a regression point
MAX_RESOLUTION = 200
MOMENTUM = 0.9

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_HASH_VALUE = re.compile(r"[A-Za-z0-9.,_+-]*")


def _fail(name: str, expected: str, given: object) -> ValueError:
    return ValueError(f"{name}: expected {expected}, got {describe(given)}")


def _number(value: object, name: str, low: float, high: float, low_open: bool = False) -> float:
    """``value`` (a real number, or its text in the hash) as a float in [low, high] (``(low, high]``)."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
    expected = f"a number in {interval}"
    text = isinstance(value, str) and _NUMBER.fullmatch(value.strip()) is not None
    if text or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        x = float(value)  # type: ignore[arg-type]  # a str or a real number, as just checked
    else:
        raise _fail(name, expected, value)
    if not (math.isfinite(x) and (low < x if low_open else low <= x) and x <= high):
        raise _fail(name, expected, value)
    return x


def _integer(value: object, name: str, low: int, high: int) -> int:
    """``value`` (an int, or its text) as an int in [low, high]."""
    expected = f"a whole number from {low} to {high}"
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        n = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        raise _fail(name, expected, value)
    if not low <= n <= high:
        raise _fail(name, expected, value)
    return n


def _choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _fail(name, f"one of {', '.join(choices)}", value)
    return value


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _fail(name, "true or false", value)


def _shape(value: object, name: str) -> tuple[int, ...]:
    """The hidden layers' sizes: a list of ints, or their text ``4,2`` (empty: no hidden layer)."""
    expected = f"0 to {MAX_LAYERS} hidden layer sizes from 1 to {MAX_NEURONS}, such as 4,2"
    if isinstance(value, str):
        items: list[object] = list(value.split(",")) if value.strip() else []
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _fail(name, expected, value)
    if len(items) > MAX_LAYERS:
        raise ValueError(f"{name}: expected {expected}, got {len(items)} layers")
    return tuple(_integer(v, f"{name} (layer {i + 1})", 1, MAX_NEURONS) for i, v in enumerate(items))


@dataclass(frozen=True)
class Settings:
    """The page's controls, named as in TensorFlow Playground's URL where it has the control.

    ``noise`` is TF's 0–50 (percent of the data's scale); ``classes`` (2–5) is used by spirals and gauss;
    the features ``x``…``sinY`` are on or off (one at least); ``output`` picks the last layer and the loss:
    softmax + cross entropy, sigmoid + binary cross entropy, hinge, or mse (the one for ``reg-*`` data).
    Making one checks every field (also when made directly), so a Settings is always valid.
    """

    dataset: str = "moons"
    classes: int = 2
    noise: float = 10.0
    percTrainData: int = 50  # noqa: N815 - TF Playground's URL name (the contract)
    batchSize: int = 10  # noqa: N815 - TF Playground's URL name (the contract)
    networkShape: tuple[int, ...] = (4, 2)  # noqa: N815 - TF Playground's URL name (the contract)
    activation: str = "tanh"
    learningRate: float = 0.03  # noqa: N815 - TF Playground's URL name (the contract)
    regularization: str = "none"
    regularizationRate: float = 0.0  # noqa: N815 - TF Playground's URL name (the contract)
    seed: int = 0
    x: bool = True
    y: bool = True
    xSquared: bool = False  # noqa: N815 - TF Playground's URL name (the contract)
    ySquared: bool = False  # noqa: N815 - TF Playground's URL name (the contract)
    xTimesY: bool = False  # noqa: N815 - TF Playground's URL name (the contract)
    sinX: bool = False  # noqa: N815 - TF Playground's URL name (the contract)
    sinY: bool = False  # noqa: N815 - TF Playground's URL name (the contract)
    output: str = "softmax"
    optimizer: str = "sgd"
    showTestData: bool = False  # noqa: N815 - TF Playground's URL name; the page's view only, as is discretize
    discretize: bool = False

    def __post_init__(self) -> None:
        checked = {
            "dataset": _choice(self.dataset, "dataset", DATASETS),
            "classes": _integer(self.classes, "classes", 2, 5),
            "noise": _number(self.noise, "noise", 0.0, 50.0),
            "percTrainData": _integer(self.percTrainData, "percTrainData", 10, 90),
            "batchSize": _integer(self.batchSize, "batchSize", 1, 100),
            "networkShape": _shape(self.networkShape, "networkShape"),
            "activation": _choice(self.activation, "activation", tuple(ACTIVATIONS)),
            "learningRate": _number(self.learningRate, "learningRate", 0.0, 100.0, low_open=True),
            "regularization": _choice(self.regularization, "regularization", REGULARIZATIONS),
            "regularizationRate": _number(self.regularizationRate, "regularizationRate", 0.0, 10.0),
            "seed": _integer(self.seed, "seed", 0, 2**32 - 1),
            **{name: _flag(getattr(self, name), name) for name in FEATURES},
            "output": _choice(self.output, "output", tuple(OUTPUT_LOSSES)),
            "optimizer": _choice(self.optimizer, "optimizer", OPTIMIZERS),
            "showTestData": _flag(self.showTestData, "showTestData"),
            "discretize": _flag(self.discretize, "discretize"),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if not any(checked[name] for name in FEATURES):
            raise ValueError(f"features: expected at least one of {', '.join(FEATURES)} on, got none")
        if self.dataset in REGRESSION and self.output != "mse":
            raise ValueError(f"output: expected mse for the regression data set {self.dataset}, got {self.output!r}")
        if self.dataset in CLASSIFICATION and self.output in ("sigmoid", "hinge") and self.class_count > 2:
            raise ValueError(
                f"output: expected softmax or mse for {self.class_count} classes ({self.output} takes 2), "
                f"got {self.output!r}"
            )

    @property
    def problem(self) -> str:
        """``"classification"`` or ``"regression"``, from the data set."""
        return "regression" if self.dataset in REGRESSION else "classification"

    @property
    def class_count(self) -> int:
        """How many classes the data set has: ``classes`` for spirals and gauss, 2 for the others (0: regression)."""
        if self.dataset in REGRESSION:
            return 0
        return self.classes if self.dataset in ("spirals", "gauss") else 2

    @property
    def features(self) -> list[str]:
        """The names of the features that are on, in the order the network takes them."""
        return [name for name in FEATURES if getattr(self, name)]

    @classmethod
    def validated(cls, mapping: Mapping[str, object]) -> Settings:
        """Settings from ``{name: value}`` (values typed, or their hash text); missing names keep the defaults.

        An unknown name, or a value out of range, is a ValueError naming it, what was expected and what was given.
        """
        if not isinstance(mapping, Mapping):
            raise TypeError(f"Settings.validated: expected a mapping of names to values, got {describe(mapping)}")
        known = [f.name for f in fields(cls)]
        for key in mapping:
            if key not in known:
                raise ValueError(f"settings: expected one of {', '.join(known)}, got {describe(key)}")
        values: dict[str, Any] = dict(mapping)
        return cls(**values)

    @classmethod
    def from_hash(cls, text: str) -> Settings:
        """Settings from the URL hash ``key=value&key=value`` (a leading ``#`` is fine); malformed: a ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"URL hash: expected a str, got {describe(text)}")
        if len(text) > MAX_HASH_CHARS:
            raise ValueError(f"URL hash: expected at most {MAX_HASH_CHARS} characters, got {len(text)}")
        body = text[1:] if text.startswith("#") else text
        pairs: dict[str, str] = {}
        for part in body.split("&") if body else []:
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise ValueError(f"URL hash: expected key=value pairs joined by &, got {describe(part)}")
            if key in pairs:
                raise ValueError(f"URL hash: expected each setting once, got {key!r} twice")
            if not _HASH_VALUE.fullmatch(value):
                raise ValueError(f"{key}: expected letters, digits and . , _ + - only, got {describe(value)}")
            pairs[key] = value
        return cls.validated(pairs)

    def to_hash(self) -> str:
        """The URL hash ``key=value&...`` of every setting (``from_hash`` reads it back to these settings)."""
        return "&".join(f"{name}={_hash_text(value)}" for name, value in asdict(self).items())

    def to_dict(self) -> dict[str, Any]:
        """``{name: value}`` with JSON types (``networkShape`` a list)."""
        return {name: list(v) if isinstance(v, tuple) else v for name, v in asdict(self).items()}


def _hash_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return repr(value) if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------------------------
# data

Point = tuple[float, float, float]  # x1, x2, label (a class index as a float, or a regression target)


def _regression(dataset: str, n: int, noise: float, seed: int) -> list[Point]:
    """TF Playground's regression sets on [-1, 1]²: a plane ``(x1 + x2) / 2``, or six signed Gaussian bumps."""
    rng = random.Random(seed)
    bumps = [(cx, cy, s) for cy, first in ((0.4, 1.0), (-0.4, -1.0)) for cx, s in ((-0.67, first), (0.0, -first),
                                                                                   (0.67, first))]
    points: list[Point] = []
    for _ in range(n):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        if dataset == "reg-plane":
            target = (x1 + x2) / 2
        else:
            target = sum(s * math.exp(-((x1 - cx) ** 2 + (x2 - cy) ** 2) / 0.08) for cx, cy, s in bumps)
        points.append((x1, x2, target + rng.gauss(0.0, noise)))
    return points


def make_points(settings: Settings) -> list[Point]:
    """The ``NUM_POINTS`` points of the settings' data set, its noise and seed (``noise / 100`` as a std)."""
    std, seed, k = settings.noise / 100, settings.seed, settings.class_count
    if settings.dataset in REGRESSION:
        return _regression(settings.dataset, NUM_POINTS, std, seed)
    if settings.dataset == "gauss":  # k blobs on a circle of radius 2.5
        angles = [math.pi / 4 + 2 * math.pi * i / k for i in range(k)]
        centers = [[2.5 * math.cos(t), 2.5 * math.sin(t)] for t in angles]
        X, y = make_blobs(NUM_POINTS, centers=centers, std=0.5 + 2 * std, seed=seed)
    elif settings.dataset == "spirals":
        X, y = make_spirals(NUM_POINTS, classes=k, noise=std, seed=seed)
    elif settings.dataset == "circles":
        X, y = make_circles(NUM_POINTS, noise=std, seed=seed)
    elif settings.dataset == "xor":
        X, y = make_xor(NUM_POINTS, noise=std, seed=seed)
    else:
        X, y = make_moons(NUM_POINTS, noise=std, seed=seed)
    return [(r[0], r[1], float(label)) for r, label in zip(X, y)]


def split(points: list[Point], perc_train: int, seed: int) -> tuple[list[Point], list[Point]]:
    """``(train, test)``: a seeded shuffle, ``percTrainData`` percent to training (one point at least)."""
    order = list(points)
    random.Random(seed).shuffle(order)
    n_train = max(1, round(len(order) * perc_train / 100))
    return order[:n_train], order[n_train:]


def _label(value: object, settings: Settings, where: str) -> float:
    """A point's label (or its text): a class index 0..k-1 for classification, a number for regression."""
    if settings.problem == "regression":
        return _number(value, f"{where}: label", -MAX_COORDINATE, MAX_COORDINATE)
    return float(_integer(value, f"{where}: label", 0, settings.class_count - 1))


def parse_csv(text: str, settings: Settings) -> list[Point]:
    """The points of CSV text ``x1,x2,label`` (a header line ``x1,x2,label`` optional), checked line by line."""
    if not isinstance(text, str):
        raise TypeError(f"CSV: expected text, got {describe(text)}")
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) <= MAX_CSV_BYTES else len(text)
    if size > MAX_CSV_BYTES:
        raise ValueError(f"CSV: expected at most {MAX_CSV_BYTES:,} bytes, got {size:,}")
    lines = text.splitlines()
    if lines and lines[0].replace(" ", "").lower() == "x1,x2,label":
        lines[0] = ""
    points: list[Point] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"CSV line {number}"
        cells = line.split(",")
        if len(cells) != 3:
            raise ValueError(f"{where}: expected 3 values x1,x2,label, got {len(cells)}: {describe(line)}")
        if len(points) == MAX_CSV_ROWS:
            raise ValueError(f"CSV: expected at most {MAX_CSV_ROWS:,} rows, got more ({where})")
        x1 = _number(cells[0].strip(), f"{where}: x1", -MAX_COORDINATE, MAX_COORDINATE)
        x2 = _number(cells[1].strip(), f"{where}: x2", -MAX_COORDINATE, MAX_COORDINATE)
        points.append((x1, x2, _label(cells[2].strip(), settings, where)))
    if not points:
        raise ValueError("CSV: expected at least one row x1,x2,label, got none")
    return points


# ---------------------------------------------------------------------------------------------
# the session

#: what ``Session.update`` rebuilds when these settings change (anything else: nothing, used from the next step)
DATA_KEYS = frozenset({"dataset", "classes", "noise", "percTrainData", "seed"})
NETWORK_KEYS = frozenset({"networkShape", "activation", "output", *FEATURES})
OPTIMIZER_KEYS = frozenset({"optimizer", "learningRate"})


def _linspace(start: float, stop: float, n: int) -> list[float]:
    """``n`` >= 2 evenly spaced numbers from ``start`` to ``stop``, both ends exact."""
    return [start + (stop - start) * i / (n - 1) for i in range(n - 1)] + [stop]


def finite_or_none(x: float | None) -> float | None:
    """``x``, or None when it is None or not a finite number (JSON has no NaN)."""
    return x if x is not None and math.isfinite(x) else None


@dataclass(frozen=True)
class Task:
    """What a session trains: ``problem`` (classification or regression), the number of ``classes`` (0 for
    regression), the ``output`` (a key of ``OUTPUT_LOSSES``: how the logits are read and the loss), the input
    ``features`` (their names; empty for a user's own inputs) and ``nin``, the network's number of inputs."""

    problem: str
    classes: int
    output: str
    features: tuple[str, ...]
    nin: int

    @classmethod
    def of(cls, settings: Settings) -> Task:
        """The task the page's settings set."""
        return cls(settings.problem, settings.class_count, settings.output, tuple(settings.features),
                   len(settings.features))

    @property
    def loss(self) -> str:
        """The ``nn.losses`` loss, on the logits."""
        return OUTPUT_LOSSES[self.output]

    @property
    def nout(self) -> int:
        """The network's number of outputs: one per class for softmax (and mse on 3+ classes), else one."""
        multi = self.output == "softmax" or (self.output == "mse" and self.classes > 2)
        return self.classes if multi else 1


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
        self._new_data()

    #: True for a user's own model and data (``from_model``): their network and data stay as they are
    own = False

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
        self._train_inputs, self._train_labels, self._test_inputs, self._test_labels = self._examples()
        self._train_targets = self._targets(self._train_labels)
        self._test_targets = self._targets(self._test_labels)
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
        """Epoch 0 of a new run of the model as it is: counters, the shuffling's generator, nothing measured yet."""
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

    def _objective(self, batch: list[int]) -> Value:
        """The batch's mean loss on the logits plus the penalty (L1: rate·Σ|w|, L2: rate·Σw², weights only)."""
        s = self.settings
        loss_fn = losses.LOSSES[self.task.loss]
        per_example = [loss_fn(self.model.logits(self._train_inputs[i]), self._train_targets[i]) for i in batch]
        objective = losses.mean(per_example)
        if s.regularization == "none" or s.regularizationRate == 0.0:
            return objective
        weights = [w for layer in self.model.layers for n in layer.neurons for w in n.w]
        terms = [abs(w) for w in weights] if s.regularization == "L1" else [w * w for w in weights]
        return objective + s.regularizationRate * sum_values(terms)

    def step(self) -> float:
        """Train on one mini-batch of ``batchSize`` training points; returns its objective (loss + penalty)."""
        with self._lock:
            if not self._order:
                self._order = list(range(len(self._train_inputs)))
                self._rng.shuffle(self._order)
            batch, self._order = self._order[: self.settings.batchSize], self._order[self.settings.batchSize:]
            params = self.model.parameters()
            before = [p.data for p in params]
            self.last_batch = batch
            with paused_gc():
                objective = self._objective(batch)
                self.optimizer.zero_grad()
                objective.backward()
                self.optimizer.step()
            self.diverged = not (math.isfinite(objective.data) and all(math.isfinite(p.data) for p in params))
            if self.diverged:  # the parameters it started from, by name, for explaining it
                self.before_step = dict(zip(self.model.state_dict(), before))
            self.step_count += 1
            if not self._order:
                self.epoch_count += 1
            self._version += 1
            return objective.data

    def restart_from(self, epoch: int) -> None:
        """Train on from the model's parameters as they are now, as epoch ``epoch``: a new optimizer, a new pass."""
        with self._lock:
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
            if name not in params:
                first = next(iter(params))
                raise ValueError(
                    f"set_weight(name): expected a parameter name such as {first!r} ({len(params)} parameters), "
                    f"got {describe(name)}"
                )
            params[name].data = _number(value, f"set_weight({name})", -MAX_COORDINATE, MAX_COORDINATE)
            self._version += 1

    def add_point(self, x1: float, x2: float, label: float) -> None:
        """Add a training point; ``label`` is a class index (classification) or a number (regression)."""
        with self._lock:
            point = (_number(x1, "add_point(x1)", -MAX_COORDINATE, MAX_COORDINATE),
                     _number(x2, "add_point(x2)", -MAX_COORDINATE, MAX_COORDINATE),
                     _label(label, self.settings, "add_point"))
            if len(self.train) + len(self.test) >= MAX_CSV_ROWS:
                raise ValueError(f"add_point: expected at most {MAX_CSV_ROWS:,} points, got one more")
            self.train.append(point)
            self._data_changed()

    def remove_point_near(self, x1: float, x2: float, radius: float = 0.1) -> Point | None:
        """Remove the point (train or test) nearest to (x1, x2) within ``radius``; returns it, or None if none is."""
        with self._lock:
            x1 = _number(x1, "remove_point_near(x1)", -MAX_COORDINATE, MAX_COORDINATE)
            x2 = _number(x2, "remove_point_near(x2)", -MAX_COORDINATE, MAX_COORDINATE)
            r = _number(radius, "remove_point_near(radius)", 0.0, MAX_COORDINATE)
            candidates = [(math.hypot(p[0] - x1, p[1] - x2), part, i)
                          for part in (self.train, self.test) for i, p in enumerate(part)]
            distance, part, i = min(candidates, key=lambda c: c[0])
            if distance > r:
                return None
            if part is self.train and len(self.train) == 1:
                raise ValueError("remove_point_near: expected to keep one training point at least, got the last one")
            point = part.pop(i)
            self._data_changed()
            return point

    def to_csv(self) -> str:
        """All points (training then test) as CSV text: a header ``x1,x2,label``, one row per point."""
        with self._lock:
            label = (repr if self.task.problem == "regression" else lambda v: str(int(v)))
            rows = [f"{p[0]!r},{p[1]!r},{label(p[2])}" for p in self.train + self.test]
            return "\n".join(["x1,x2,label", *rows]) + "\n"

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
            return len(points)

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
                settings=self.settings, task=self.task, net=model.as_floats(), train=list(self.train),
                test=list(self.test), train_inputs=self._train_inputs, train_labels=self._train_labels,
                train_targets=self._train_targets, test_inputs=self._test_inputs, test_labels=self._test_labels,
                test_targets=self._test_targets, extent=self._extent,
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
            "hash": snap.settings.to_hash(),
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


@dataclass(frozen=True)
class Snapshot:
    """A session at one moment (``Session.snapshot``): what its pictures and numbers are computed from, with no
    lock held, while training goes on."""

    settings: Settings
    task: Task
    net: FloatMLP
    train: list[Point]
    test: list[Point]
    train_inputs: list[list[float]]
    train_labels: list[float]
    train_targets: list[Any]
    test_inputs: list[list[float]]
    test_labels: list[float]
    test_targets: list[Any]
    extent: tuple[float, float, float, float] | None
    epoch: int
    step: int
    version: int
    custom_data: bool
    own: bool
    layers: list[int]
    parameters: dict[str, float]

    def predicted(self, logits: list[float]) -> float:
        """The class the logits predict (as a float), or for regression the prediction itself."""
        if len(logits) > 1:
            return float(max(range(len(logits)), key=logits.__getitem__))
        z = logits[0]
        if self.task.problem == "regression":
            return z
        return float(z > (0.5 if self.task.output == "mse" else 0.0))

    def measure(self) -> dict[str, float | None]:
        """Loss (mean, no penalty) and accuracy on train and test: float passes (``forward_columns``), the loss
        from ``nn.losses`` on the logits."""
        loss_fn = losses.LOSSES[self.task.loss]
        result: dict[str, float | None] = {}
        for part, inputs, targets, labels in (("train", self.train_inputs, self.train_targets, self.train_labels),
                                              ("test", self.test_inputs, self.test_targets, self.test_labels)):
            total, correct = 0.0, 0
            columns = [list(c) for c in zip(*inputs)] if inputs else [[] for _ in range(self.task.nin)]
            with no_grad():
                for zs, t, label in zip(zip(*self.net.forward_columns(columns)[-1]), targets, labels):
                    logits = list(zs)
                    total += loss_fn([Value(z) for z in logits], t).data
                    correct += self.predicted(logits) == label
            n = len(labels)
            result[f"{part}_loss"] = total / n if n else None
            classify = n > 0 and self.task.problem == "classification"
            result[f"{part}_accuracy"] = correct / n if classify else None
        return result

    def grid(self, resolution: int) -> list[tuple[float, float]]:
        """The heatmaps' ``resolution²`` points (x1, x2), row by row from the top (largest x2), left to right."""
        n = _integer(resolution, "resolution", 2, MAX_RESOLUTION)
        if self.extent is None:
            raise ValueError(f"heatmaps: expected a network of points in the plane, got {self.task.nin} inputs")
        a, b, c, d = self.extent
        xs, ys = _linspace(a, b, n), _linspace(d, c, n)
        return [(x1, x2) for x2 in ys for x1 in xs]

    def heatmaps(self, resolution: int = 50) -> dict[str, Any]:
        """Every map over the plane, as flat lists of ``resolution²`` floats in ``grid`` order.

        ``output``: for two classes the probability of class 1 (softmax, sigmoid) or the score (hinge, mse);
        for 3+ classes the predicted class; for regression the prediction. ``features``: every input feature's
        value, on or off, by name. ``neurons``: each neuron's activation ``a``, keyed ``"L.j"`` (layer L from 1,
        neuron j from 0; the last layer's are the logits). Float passes (``FloatMLP.forward_columns``), no graph.
        """
        points = self.grid(resolution)
        x1s, x2s = [p[0] for p in points], [p[1] for p in points]
        every_feature = {name: list(map(f, x1s, x2s)) for name, f in FEATURES.items()}
        names = self.task.features or ("x", "y")  # a user's own 2-D inputs are x1, x2 themselves
        neuron_maps = self.net.forward_columns([every_feature[n] for n in names])
        logits = neuron_maps[-1]
        sigmoid: Callable[[float], float] = OPS["sigmoid"].floats  # p(class 1) = σ(z₁ - z₀) for two logits
        if len(logits) == 2:
            output = list(map(sigmoid, map(operator.sub, logits[1], logits[0])))
        elif len(logits) > 2:
            output = [self.predicted(list(zs)) for zs in zip(*logits)]
        else:
            output = list(map(sigmoid, logits[0])) if self.task.output == "sigmoid" else logits[0]
        return {
            "resolution": resolution,
            "extent": list(self.extent or ()),
            "output": output,
            "features": every_feature,
            "neurons": {f"{L}.{j}": values for L, maps in enumerate(neuron_maps, start=1)
                        for j, values in enumerate(maps)},
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
        self._rows = [[_number(v, f"X[{i}][{k}]", -MAX_COORDINATE, MAX_COORDINATE) for k, v in enumerate(row)]
                      for i, row in enumerate(_rows(X, model.nin))]
        if regression:
            self._labels = [_number(v, f"y[{i}]", -MAX_COORDINATE, MAX_COORDINATE) for i, v in enumerate(y)]
        else:
            self._labels = [float(_integer(v, f"y[{i}]", 0, classes - 1)) for i, v in enumerate(y)]
        self.model = model
        self._initial = model.state_dict()
        super().__init__(settings)

    @property
    def task(self) -> Task:
        """What the model learns, from its output and the labels (see ``Session.from_model``)."""
        return self._task

    def _new_data(self) -> None:
        order = split([(float(i), 0.0, 0.0) for i in range(len(self._rows))],
                      self.settings.percTrainData, self.settings.seed)
        self._split = [[int(p[0]) for p in part] for part in order]
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
