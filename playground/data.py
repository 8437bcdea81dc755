"""The playground's points: TensorFlow Playground's data sets (made by ``nn.data``), the train/test split and CSV.

A point is ``(x1, x2, label)``: a class index as a float, or a regression target. Every number read from a
user (a CSV line, a clicked point) is checked: a ValueError says what was expected and what was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.value import describe
from nn.data import (
    Dataset,
    RegressionDataset,
    make_bumps,
    make_circles,
    make_gaussians,
    make_moons,
    make_plane,
    make_spiral_arms,
    make_xor,
    split_indices,
)
from playground.settings import (
    MAX_COORDINATE,
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    NUM_POINTS,
    Settings,
    check_integer,
    check_number,
)

Point = tuple[float, float, float]  # x1, x2, label (a class index as a float, or a regression target)


#: each data set's maker in nn.data, called as maker(n, noise, seed, classes)
MAKERS: dict[str, Callable[[int, float, int, int], Dataset | RegressionDataset]] = {
    "moons": lambda n, noise, seed, k: make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, seed, k: make_circles(n, noise=noise, seed=seed),
    "xor": lambda n, noise, seed, k: make_xor(n, noise=noise, seed=seed),
    "gauss": lambda n, noise, seed, k: make_gaussians(n, classes=k, noise=noise, seed=seed),
    "spirals": lambda n, noise, seed, k: make_spiral_arms(n, classes=k, noise=noise, seed=seed),
    "reg-plane": lambda n, noise, seed, k: make_plane(n, noise=noise, seed=seed),
    "reg-gauss": lambda n, noise, seed, k: make_bumps(n, noise=noise, seed=seed),
}


def make_points(settings: Settings) -> list[Point]:
    """The ``NUM_POINTS`` points of the settings' data set, its noise and seed (``noise / 100`` as a std)."""
    X, y = MAKERS[settings.dataset](NUM_POINTS, settings.noise / 100, settings.seed, settings.class_count)
    return [(r[0], r[1], float(label)) for r, label in zip(X, y)]


def split_order(n: int, perc_train: int, seed: int) -> tuple[list[int], list[int]]:
    """The indices of the training and the test examples of ``n``: a seeded shuffle (``nn.data.split_indices``),
    ``percTrainData`` percent to training, one at least."""
    return split_indices(n, n - max(1, round(n * perc_train / 100)), seed)


def split(points: list[Point], perc_train: int, seed: int) -> tuple[list[Point], list[Point]]:
    """``(train, test)`` points, split by ``split_order``."""
    train, test = split_order(len(points), perc_train, seed)
    return [points[i] for i in train], [points[i] for i in test]


def to_label(value: object, settings: Settings, where: str) -> float:
    """A point's label (or its text): a class index 0..k-1 for classification, a number for regression."""
    if settings.problem == "regression":
        return check_number(value, f"{where}: label", -MAX_COORDINATE, MAX_COORDINATE)
    return float(check_integer(value, f"{where}: label", 0, settings.class_count - 1))


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
        x1 = check_number(cells[0].strip(), f"{where}: x1", -MAX_COORDINATE, MAX_COORDINATE)
        x2 = check_number(cells[1].strip(), f"{where}: x2", -MAX_COORDINATE, MAX_COORDINATE)
        points.append((x1, x2, to_label(cells[2].strip(), settings, where)))
    if not points:
        raise ValueError("CSV: expected at least one row x1,x2,label, got none")
    return points



@dataclass(frozen=True)
class Examples:
    """What the network trains and is tested on: the inputs (the features of the points, or a user's own rows),
    the labels (a class index as a float, or a regression target) and the targets in the form the loss takes,
    of the training and of the test examples. Made anew whenever the data change, never changed in place."""

    train_inputs: list[list[float]]
    train_labels: list[float]
    train_targets: list[Any]
    test_inputs: list[list[float]]
    test_labels: list[float]
    test_targets: list[Any]

    def part(self, name: str) -> tuple[list[list[float]], list[Any]]:
        """The inputs and targets of the ``"train"`` or the ``"test"`` examples."""
        if name == "train":
            return self.train_inputs, self.train_targets
        return self.test_inputs, self.test_targets


#: a link carries the points (training and test) when they are this many at most; more would not fit a URL
MAX_LINK_POINTS = 200


def points_text(points: list[Point]) -> str:
    """Points for a link's hash: ``x1_x2_label`` joined by commas, each number to 4 significant digits."""
    return ",".join(f"{x1:.4g}_{x2:.4g}_{label:.4g}" for x1, x2, label in points)


def link_points(pairs: dict[str, str], settings: Settings) -> tuple[list[Point], list[Point]] | None:
    """The training and test points a link's ``train=`` and ``test=`` carry (``points_text``), checked as a CSV's
    are; None when it carries none."""
    if "train" not in pairs:
        return None
    parts = []
    for name in ("train", "test"):
        points = []
        for k, item in enumerate(filter(None, pairs.get(name, "").split(","))):
            cells, where = item.split("_"), f"{name} point {k + 1} of the link"
            if len(cells) != 3:
                raise ValueError(f"{where}: expected x1_x2_label, got {describe(item)}")
            points.append((check_number(cells[0], f"{where}: x1", -MAX_COORDINATE, MAX_COORDINATE),
                           check_number(cells[1], f"{where}: x2", -MAX_COORDINATE, MAX_COORDINATE),
                           to_label(cells[2], settings, where)))
        parts.append(points)
    if not parts[0] or len(parts[0]) + len(parts[1]) > MAX_LINK_POINTS:
        raise ValueError(f"the link's points: expected 1 to {MAX_LINK_POINTS} with one for training at least, got "
                         f"{len(parts[0])} and {len(parts[1])}")
    return parts[0], parts[1]
