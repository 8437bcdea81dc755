"""The playground's points: TensorFlow Playground's data sets (made by ``nn.data``), the train/test split and CSV.

A point is ``(x1, x2, label)``: a class index as a float, or a regression target. Every number read from a
user (a CSV line, a clicked point) is checked: a ValueError says what was expected and what was given.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from engine.value import describe
from nn.data import make_blobs, make_circles, make_moons, make_spirals, make_xor
from playground.settings import (
    MAX_COORDINATE,
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    NUM_POINTS,
    REGRESSION,
    Settings,
    check_integer,
    check_number,
)

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
