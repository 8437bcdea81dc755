"""The playground's settings: its controls, with TensorFlow Playground's names, every value checked.

``Settings`` are the page's controls (they live in the URL hash); making one checks every field, and a bad
value is a ValueError whose message says what was expected and what was given (the page shows it). The
choices, ranges and couplings are written here once; ``rules()`` hands them to the front end, which never
writes them again. ``Task`` is what a session trains, read off the settings (or off a user's own model).

    s = Settings.from_hash("dataset=spirals&classes=3&networkShape=8,8")
    s.to_hash(); s.features; Task.of(s).nout
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from engine.value import describe
from nn.activations import ACTIVATIONS

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
MAX_HASH_CHARS = 8000  # the settings and up to 200 points
MAX_CSV_ROWS, MAX_CSV_BYTES = 10_000, 1_000_000
MAX_COORDINATE = 1e6  # |x1|, |x2| of a point, and |label| of a regression point
MAX_RESOLUTION = 200
MOMENTUM = 0.9
#: the numeric settings' ranges, [low, high]; the learning rate's is open at 0 (``(0, 100]``)
INTEGER_RANGES = {"classes": (2, 5), "percTrainData": (10, 90), "batchSize": (1, 100), "seed": (0, 2**32 - 1)}
NUMBER_RANGES = {"noise": (0.0, 50.0), "learningRate": (0.0, 100.0), "regularizationRate": (0.0, 10.0)}
#: the data sets whose number of classes is the ``classes`` setting (the others have two)
MULTICLASS = ("spirals", "gauss")
#: outputs that take two classes only
BINARY_OUTPUTS = ("sigmoid", "hinge")
#: how the page names each choice (a name not here is shown as it is)
LABELS = {
    "moons": "Moons", "circles": "Circles", "xor": "XOR", "gauss": "Gaussians", "spirals": "Spirals",
    "reg-plane": "Plane (regression)", "reg-gauss": "Bumps (regression)",
    "relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear", "leaky_relu": "Leaky ReLU",
    "softmax": "softmax + cross entropy", "hinge": "hinge (SVM)", "mse": "mean squared error",
    "sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam", "none": "None",
}
#: the output's label where it differs from the activation of the same name
OUTPUT_LABELS = {"sigmoid": "sigmoid + binary cross entropy"}

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")  # ASCII digits only: \d takes any script's
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")
_HASH_VALUE = re.compile(r"[A-Za-z0-9.,_+-]*")


def fail(name: str, expected: str, given: object) -> ValueError:
    """The ValueError for a bad setting: ``name: expected ..., got ...``."""
    return ValueError(f"{name}: expected {expected}, got {describe(given)}")


def check_number(value: object, name: str, low: float, high: float, low_open: bool = False) -> float:
    """``value`` (a real number, or its text in the hash) as a float in [low, high] (``(low, high]``)."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
    expected = f"a number in {interval}"
    text = isinstance(value, str) and _NUMBER.fullmatch(value.strip()) is not None
    if not (text or (isinstance(value, (int, float)) and not isinstance(value, bool))):
        raise fail(name, expected, value)
    try:
        x = float(value)  # type: ignore[arg-type]  # a str or a real number, as just checked
    except OverflowError:  # an int beyond the floats
        raise fail(name, expected, value) from None
    if not (math.isfinite(x) and (low < x if low_open else low <= x) and x <= high):
        raise fail(name, expected, value)
    return x


def check_integer(value: object, name: str, low: int, high: int) -> int:
    """``value`` (an int, or its text) as an int in [low, high]."""
    expected = f"a whole number from {low} to {high}"
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        n = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        raise fail(name, expected, value)
    if not low <= n <= high:
        raise fail(name, expected, value)
    return n


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise fail(name, f"one of {', '.join(choices)}", value)
    return value


def check_flag(value: object, name: str) -> bool:
    """``value`` as a bool: a bool, or its hash text ``true``/``false``."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise fail(name, "true or false", value)


def check_shape(value: object, name: str) -> tuple[int, ...]:
    """The hidden layers' sizes: a list of ints, or their text ``4,2`` (empty: no hidden layer)."""
    expected = f"0 to {MAX_LAYERS} hidden layer sizes from 1 to {MAX_NEURONS}, such as 4,2"
    if isinstance(value, str):
        items: list[object] = list(value.split(",")) if value.strip() else []
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise fail(name, expected, value)
    if len(items) > MAX_LAYERS:
        raise ValueError(f"{name}: expected {expected}, got {len(items)} layers")
    return tuple(check_integer(v, f"{name} (layer {i + 1})", 1, MAX_NEURONS) for i, v in enumerate(items))


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
        ints = {name: check_integer(getattr(self, name), name, *INTEGER_RANGES[name]) for name in INTEGER_RANGES}
        reals = {name: check_number(getattr(self, name), name, *NUMBER_RANGES[name], low_open=name == "learningRate")
                 for name in NUMBER_RANGES}
        checked = {
            **ints,
            **reals,
            "dataset": check_choice(self.dataset, "dataset", DATASETS),
            "networkShape": check_shape(self.networkShape, "networkShape"),
            "activation": check_choice(self.activation, "activation", tuple(ACTIVATIONS)),
            "regularization": check_choice(self.regularization, "regularization", REGULARIZATIONS),
            **{name: check_flag(getattr(self, name), name) for name in FEATURES},
            "output": check_choice(self.output, "output", tuple(OUTPUT_LOSSES)),
            "optimizer": check_choice(self.optimizer, "optimizer", OPTIMIZERS),
            "showTestData": check_flag(self.showTestData, "showTestData"),
            "discretize": check_flag(self.discretize, "discretize"),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if not any(checked[name] for name in FEATURES):
            raise ValueError(f"features: expected at least one of {', '.join(FEATURES)} on, got none")
        if self.dataset in REGRESSION and self.output != "mse":
            raise ValueError(f"output: expected mse for the regression data set {self.dataset}, got {self.output!r}")
        if self.dataset in CLASSIFICATION and self.output in BINARY_OUTPUTS and self.class_count > 2:
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
        return self.classes if self.dataset in MULTICLASS else 2

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
        """Settings from the URL hash ``key=value&key=value`` (a leading ``#`` is fine) of this playground's own names,
        every one checked; malformed or unknown: a ValueError (``from_link`` reads any link, TF Playground's too)."""
        return cls.validated(parse_hash(text))

    @classmethod
    def from_link(cls, text: str, base: Settings | None = None) -> tuple[Settings, list[str]]:
        """Settings from a link's hash, this playground's or TensorFlow Playground's (its names and values are
        translated: ``dataset=circle``, ``problem=regression&regDataset=reg-gauss``, a seed such as ``0.4213``),
        changing ``base`` (default: the defaults) where the link names a setting. A name with no meaning here
        (``initZero``, ``hideText``, ``cosX``, a typo) is ignored and said in the notices returned; a value out of
        range is a ValueError, as in ``from_hash``."""
        pairs, notices = _from_tf(parse_hash(text))
        known = {f.name for f in fields(cls)} | set(LINK_POINTS)
        for key in [k for k in pairs if k not in known]:
            notices.append(f"{key}: {'a TensorFlow Playground' if key in TF_IGNORED else 'a'} setting with no "
                           "meaning here; ignored")
            del pairs[key]
        values = (base or cls()).to_dict()
        values.update({k: v for k, v in pairs.items() if k not in LINK_POINTS})
        if pairs.get("dataset") in REGRESSION and "output" not in pairs:
            values["output"] = "mse"  # the one output of regression data
        elif pairs.get("dataset") in CLASSIFICATION and values["output"] == "mse" and "output" not in pairs:
            values["output"] = cls.output
        return cls.validated(values), notices

    def to_hash(self) -> str:
        """The URL hash ``key=value&...`` of every setting (``from_hash`` reads it back to these settings)."""
        return "&".join(f"{name}={_hash_text(value)}" for name, value in asdict(self).items())

    def to_dict(self) -> dict[str, Any]:
        """``{name: value}`` with JSON types (``networkShape`` a list)."""
        return {name: list(v) if isinstance(v, tuple) else v for name, v in asdict(self).items()}


def parse_hash(text: str) -> dict[str, str]:
    """The ``key=value`` pairs of a URL hash (``#`` first is fine), each key once and each value of letters, digits
    and ``. , _ + -`` only; anything else is a ValueError saying what was expected."""
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
    return pairs


#: the link's names for the points it carries (``playground.data.link_points``), not settings
LINK_POINTS = ("train", "test")
#: TensorFlow Playground's data set names, as this playground names them
TF_DATASETS = {"circle": "circles", "spiral": "spirals"}
#: TensorFlow Playground's settings that mean nothing here (its view and its feature set, not this one's)
TF_IGNORED = frozenset({"initZero", "collectStats", "hideText", "cosX", "cosY", "tutorial"})


def _from_tf(pairs: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """A link's pairs with TensorFlow Playground's names and values translated (its ``problem``, ``regDataset``,
    data set names and fractional seed), and the notices of what was translated."""
    pairs, notices = dict(pairs), []
    problem, regression = pairs.pop("problem", None), pairs.pop("regDataset", None)
    if "dataset" in pairs:
        pairs["dataset"] = TF_DATASETS.get(pairs["dataset"], pairs["dataset"])
    if problem == "regression":
        pairs["dataset"] = regression or "reg-plane"
    elif problem not in (None, "classification"):
        notices.append(f"problem: expected classification or regression, got {problem!r}; ignored")
    seed = pairs.get("seed")
    if seed is not None and not _INTEGER.fullmatch(seed) and _NUMBER.fullmatch(seed) and 0 <= float(seed) < 1:
        pairs["seed"] = str(round(float(seed) * 2**32) % 2**32)
        notices.append(f"seed: TensorFlow Playground's {seed} taken as {pairs['seed']}")
    return pairs, notices


def _hash_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return repr(value) if isinstance(value, float) else str(value)


#: what ``Session.update`` rebuilds when these settings change (anything else: nothing, used from the next step)
DATA_KEYS = frozenset({"dataset", "classes", "noise", "percTrainData", "seed"})
NETWORK_KEYS = frozenset({"networkShape", "activation", "output", *FEATURES})
OPTIMIZER_KEYS = frozenset({"optimizer", "learningRate"})
#: the settings that change how the next steps train (and so how a run replays)
TRAINING_KEYS = OPTIMIZER_KEYS | {"batchSize", "regularization", "regularizationRate"}


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


def rules() -> dict[str, Any]:
    """The choices, ranges, limits and couplings of the settings, JSON-ready, for the front end (in a full frame):
    the page builds its controls from them and never writes them again."""
    return {
        "datasets": {"classification": list(CLASSIFICATION), "regression": list(REGRESSION)},
        "multiclass": list(MULTICLASS),
        "outputs": list(OUTPUT_LOSSES),
        "binaryOutputs": list(BINARY_OUTPUTS),
        "regressionOutput": "mse",
        "activations": list(ACTIVATIONS),
        "optimizers": list(OPTIMIZERS),
        "regularizations": list(REGULARIZATIONS),
        "features": list(FEATURES),
        "integers": {name: list(r) for name, r in INTEGER_RANGES.items()},
        "numbers": {name: list(r) for name, r in NUMBER_RANGES.items()},
        "maxLayers": MAX_LAYERS,
        "maxNeurons": MAX_NEURONS,
        "maxCsvBytes": MAX_CSV_BYTES,
        "maxCsvRows": MAX_CSV_ROWS,
        "maxCoordinate": MAX_COORDINATE,
        "defaults": Settings().to_dict(),
        "labels": dict(LABELS),
        "outputLabels": {name: OUTPUT_LABELS.get(name, LABELS.get(name, name)) for name in OUTPUT_LOSSES},
    }
