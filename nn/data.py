"""Seeded toy 2-D classification datasets, for training and plotting small networks.

Every generator returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` rows of floats, ``y`` a list of
int labels ``0 .. k-1``, ``n`` being the *total* number of points. Each draws from its own
``random.Random(seed)`` (never the global random state; a ``random.Random`` given as the seed is drawn
from as it is), so the same arguments give the same data, and shuffles the points with that generator
so the classes are interleaved.

- ``make_moons``, ``make_circles``, ``make_xor``: two classes that no straight line separates;
  the first test of whether a network learns a non-linear decision boundary.
- ``make_spirals``: several interleaved spiral arms (CS231n's dataset); multi-class and hard,
  a test of softmax classifiers with hidden layers.
- ``make_blobs``: Gaussian clusters around centers; easy and, when the centers are apart,
  linearly separable: a sanity check that training works at all.

TensorFlow Playground's data sets that the others do not make (the playground's "gauss", "spirals",
"reg-plane" and "reg-gauss"): ``make_gaussians``, blobs on a circle; ``make_spiral_arms``, its long
interleaved arms; and two regression sets on ``[-1, 1]²`` whose labels are floats, ``make_plane`` and
``make_bumps``.

``one_hot`` turns a label into a target vector; ``split_indices`` holds out a seeded random set of
indices, and ``train_test_split`` the rows and labels at them; ``linspace`` spaces numbers evenly.

Real images, in the same ``(X, y)`` form (rows of plain floats in ``[0, 1]``, int labels):

- ``load_digits``: scikit-learn's bundled 8×8 handwritten digits (1,797 images, 10 classes), rows of
  64 pixels. Needs the optional extra ``pip install 'glassgrad[digits]'`` (scikit-learn).
- ``load_mnist``: MNIST's IDX files (gzipped or not) that you have on disk, rows of 28 × 28 = 784
  pixels. Read with ``struct``, never pickle; the sizes in a header are checked against the file's
  size and the memory available before anything is allocated for them, and no more is read than they say.

The random draws do not depend on ``noise`` (a noise of 0 draws zeros), so the same seed gives
the same order of points and labels for any noise: only the points move.
"""

from __future__ import annotations

import gzip
import io
import math
import numbers
import os
import random
import struct
import zlib
from collections.abc import Callable, Sequence
from typing import TypeVar

from engine.value import describe
from nn.files import open_regular, read_at_most
from nn.memory import available_memory, describe_bytes, rows_bytes
from nn.seeding import Seed, generator

__all__ = [
    "linspace",
    "load_digits",
    "load_mnist",
    "make_blobs",
    "make_bumps",
    "make_circles",
    "make_gaussians",
    "make_moons",
    "make_plane",
    "make_spiral_arms",
    "make_spirals",
    "make_xor",
    "one_hot",
    "split_indices",
    "train_test_split",
]

Row = TypeVar("Row")
Label = TypeVar("Label")

Dataset = tuple[list[list[float]], list[int]]
#: A regression data set: rows of floats and a float label (the target) per row.
RegressionDataset = tuple[list[list[float]], list[float]]

#: ``make_bumps``' six Gaussian bumps ``(cx, cy, sign)``, TensorFlow Playground's: + - + above, - + - below.
BUMPS = [(-0.67, 0.4, 1.0), (0.0, 0.4, -1.0), (0.67, 0.4, 1.0),
         (-0.67, -0.4, -1.0), (0.0, -0.4, 1.0), (0.67, -0.4, -1.0)]


# ---------------------------------------------------------------------------------------------
# argument checks: TypeError for the wrong kind of value, ValueError for a value out of range


def _int_arg(value: object, name: str, what: str, minimum: int, unit: str = "") -> int:
    """``value`` as an int >= ``minimum`` (bools refused), or an error naming ``what`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what}: expected an int {name}, got {describe(value)}")
    result = int(value)
    if result < minimum:
        raise ValueError(f"{what}: expected {name} >= {minimum}{unit}, got {value!r}")
    return result


def _real_arg(value: object, name: str, what: str) -> float:
    """``value`` as a finite float (ints accepted, bools refused), or an error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: expected a real number {name} (int or float), got {describe(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{what}: expected a finite {name}, got {value!r}")
    return result


def _nonnegative_arg(value: object, name: str, what: str) -> float:
    """``value`` as a finite float >= 0 (a noise or a standard deviation)."""
    result = _real_arg(value, name, what)
    if result < 0:
        raise ValueError(f"{what}: expected {name} >= 0, got {value!r}")
    return result


# ---------------------------------------------------------------------------------------------
# shared pieces


def linspace(start: float, stop: float, num: int) -> list[float]:
    """``num`` evenly spaced numbers from ``start`` to ``stop``, both included (``[start]`` when num is 1):
    ``start + i·step`` with ``step = (stop - start) / (num - 1)``, the last one ``stop`` exactly."""
    what = "linspace"
    start, stop = _real_arg(start, "start", what), _real_arg(stop, "stop", what)
    num = _int_arg(num, "num", what, 1)
    if num == 1:
        return [start]
    step = (stop - start) / (num - 1)
    return [start + i * step for i in range(num - 1)] + [stop]


def _split_evenly(n: int, parts: int) -> list[int]:
    """``n`` split into ``parts`` counts differing by at most one, the larger ones first."""
    return [n // parts + (1 if k < n % parts else 0) for k in range(parts)]


def _shuffled(rng: random.Random, rows: list[list[float]], labels: list[int]) -> Dataset:
    """``rows`` and ``labels`` put in one random order (the same for both), drawn from ``rng``."""
    order = list(range(len(labels)))
    rng.shuffle(order)
    return [rows[i] for i in order], [labels[i] for i in order]


def _noisy(rng: random.Random, x1: float, x2: float, noise: float) -> list[float]:
    """``[x1, x2]`` with independent Gaussian noise of standard deviation ``noise`` on each coordinate."""
    return [x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)]


# ---------------------------------------------------------------------------------------------
# datasets


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """Two interleaving half circles (as scikit-learn's): ``n // 2`` points labelled 0, the rest 1.

    Label 0 lies on the upper half circle ``(cos t, sin t)``, label 1 on the lower one
    ``(1 - cos t, 0.5 - sin t)``, with ``t`` evenly spaced in ``[0, π]`` (ends included) and
    Gaussian noise of standard deviation ``noise`` added to each coordinate.
    """
    what = "make_moons"
    n = _int_arg(n, "n", what, 2, " points")
    noise = _nonnegative_arg(noise, "noise", what)
    rng = generator(seed, what)
    n_outer = n // 2
    rows: list[list[float]] = []
    labels: list[int] = []
    for t in linspace(0.0, math.pi, n_outer):
        rows.append(_noisy(rng, math.cos(t), math.sin(t), noise))
        labels.append(0)
    for t in linspace(0.0, math.pi, n - n_outer):
        rows.append(_noisy(rng, 1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5, noise))
        labels.append(1)
    return _shuffled(rng, rows, labels)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0) -> Dataset:
    """Two concentric circles: ``n // 2`` points on radius 1 (label 0), the rest on radius ``factor`` (label 1).

    On each circle the angles are evenly spaced over ``[0, 2π)`` (0 included, 2π not, so no
    point is repeated); ``0 < factor < 1``; Gaussian noise of standard deviation ``noise`` is
    added to each coordinate.
    """
    what = "make_circles"
    n = _int_arg(n, "n", what, 2, " points")
    noise = _nonnegative_arg(noise, "noise", what)
    radius_in = _real_arg(factor, "factor", what)
    if not 0.0 < radius_in < 1.0:
        raise ValueError(f"{what}: expected 0 < factor < 1, got {factor!r}")
    rng = generator(seed, what)
    n_outer = n // 2
    rows: list[list[float]] = []
    labels: list[int] = []
    for label, (count, radius) in enumerate(((n_outer, 1.0), (n - n_outer, radius_in))):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            rows.append(_noisy(rng, radius * math.cos(t), radius * math.sin(t), noise))
            labels.append(label)
    return _shuffled(rng, rows, labels)


def _arms(what: str, n: object, classes: object, noise: object, seed: Seed) -> tuple[int, list[int], float,
                                                                                  random.Random]:
    """A spiral data set's arguments checked: the number of arms, each arm's count of points (``n`` split evenly,
    one per arm at least), the noise and the seeded generator."""
    classes = _int_arg(classes, "classes", what, 2)
    n = _int_arg(n, "n", what, classes, " points (one per class at least)")
    return classes, _split_evenly(n, classes), _nonnegative_arg(noise, "noise", what), generator(seed, what)


def make_spirals(n: int = 90, classes: int = 3, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """``classes`` spiral arms around the origin (CS231n's dataset), about ``n / classes`` points each.

    Arm ``k`` gets ``n // classes`` points, one more for the first ``n % classes`` arms. Along an
    arm the radius ``r`` runs evenly from 0 to 1 and the angle ``t`` evenly from ``4k`` to
    ``4(k + 1)`` radians; the point is ``(r sin t, r cos t)``. Here ``noise`` is the standard
    deviation, in radians, of Gaussian noise added to the *angle* (CS231n uses 0.2), so every
    point keeps its radius and ``|point| <= 1`` whatever the noise. Every arm starts at the
    origin, so with ``n > classes`` the first point of each arm is ``(0, 0)``.
    """
    classes, counts, noise, rng = _arms("make_spirals", n, classes, noise, seed)
    rows: list[list[float]] = []
    labels: list[int] = []
    for k, count in enumerate(counts):
        radii = linspace(0.0, 1.0, count)
        angles = linspace(4.0 * k, 4.0 * (k + 1), count)
        for r, t in zip(radii, angles):
            t += rng.gauss(0.0, noise)
            rows.append([r * math.sin(t), r * math.cos(t)])
            labels.append(k)
    return _shuffled(rng, rows, labels)


def _centers_arg(centers: object, box: object, rng: random.Random, what: str) -> list[tuple[float, float]]:
    """The blob centers: ``centers`` points drawn uniformly in ``box`` squared, or the given list of [x, y]."""
    if isinstance(box, bool) or not isinstance(box, (list, tuple)) or len(box) != 2:
        raise TypeError(f"{what}: expected box as a pair (low, high), got {describe(box)}")
    low, high = _real_arg(box[0], "box low", what), _real_arg(box[1], "box high", what)
    if not low < high:
        raise ValueError(f"{what}: expected box (low, high) with low < high, got {box!r}")
    if isinstance(centers, (list, tuple)):
        if not centers:
            raise ValueError(f"{what}: expected at least one center, got an empty {type(centers).__name__}")
        result: list[tuple[float, float]] = []
        for i, c in enumerate(centers):
            if not isinstance(c, (list, tuple)) or len(c) != 2:
                raise TypeError(f"{what}: expected each center as [x, y], center {i} is {describe(c)}")
            result.append((_real_arg(c[0], f"x of center {i}", what), _real_arg(c[1], f"y of center {i}", what)))
        return result
    if isinstance(centers, bool) or not isinstance(centers, numbers.Integral):
        raise TypeError(f"{what}: expected centers as an int or a list of [x, y] centers, got {describe(centers)}")
    count = _int_arg(centers, "centers", what, 1)
    return [(rng.uniform(low, high), rng.uniform(low, high)) for _ in range(count)]


def make_blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 1.0,
    seed: Seed = 0,
    box: tuple[float, float] = (-5.0, 5.0),
) -> Dataset:
    """Gaussian blobs: points around each center with standard deviation ``std``, labelled by center index.

    ``centers`` is either a count (that many centers drawn uniformly in the square ``box × box``,
    ``box = (low, high)``) or a list of ``[x, y]`` centers. The ``n`` points are split as evenly as
    possible (the first ``n % len(centers)`` centers get one more), so ``n >= len(centers)``.
    """
    what = "make_blobs"
    n = _int_arg(n, "n", what, 1, " points")
    std = _nonnegative_arg(std, "std", what)
    rng = generator(seed, what)
    return _blobs(rng, n, _centers_arg(centers, box, rng, what), std, what)


def _blobs(rng: random.Random, n: int, centers: list[tuple[float, float]], std: float, what: str) -> Dataset:
    """``n`` points around ``centers`` (split evenly, the first ones one more) with Gaussian noise ``std``, labelled
    by center, shuffled; drawn from ``rng``."""
    if n < len(centers):
        raise ValueError(f"{what}: expected n >= {len(centers)} points (one per center at least), got {n!r}")
    rows: list[list[float]] = []
    labels: list[int] = []
    for label, ((cx, cy), count) in enumerate(zip(centers, _split_evenly(n, len(centers)))):
        for _ in range(count):
            rows.append(_noisy(rng, cx, cy, std))
            labels.append(label)
    return _shuffled(rng, rows, labels)


def make_gaussians(n: int = 100, classes: int = 2, noise: float = 0.0, seed: Seed = 0) -> Dataset:
    """TensorFlow Playground's "gauss": ``classes`` Gaussian blobs (``make_blobs``) whose centers lie on a circle of
    radius 2.5, the first at 45°, the others evenly around it; the blobs' standard deviation is ``0.5 + 2·noise``.
    """
    what = "make_gaussians"
    n = _int_arg(n, "n", what, 1, " points")
    classes = _int_arg(classes, "classes", what, 2)
    std = 0.5 + 2 * _nonnegative_arg(noise, "noise", what)
    angles = [math.pi / 4 + 2 * math.pi * i / classes for i in range(classes)]
    centers = [(2.5 * math.cos(t), 2.5 * math.sin(t)) for t in angles]
    return _blobs(generator(seed, what), n, centers, std, what)


def make_spiral_arms(n: int = 100, classes: int = 2, noise: float = 0.0, seed: Seed = 0) -> Dataset:
    """TensorFlow Playground's "spiral": one arm a class, interleaved — along arm ``k`` point ``i`` of its ``m``
    has the radius ``r = 5·i/m`` and the angle ``t = 1.75·2π·i/m + 2πk/classes`` (1.75 turns; two arms half a
    turn apart), at ``(r sin t, r cos t)`` plus uniform noise in ``[-noise, noise]`` on each coordinate.
    Arm ``k`` gets ``n // classes`` points, one more for the first ``n % classes`` arms."""
    classes, counts, noise, rng = _arms("make_spiral_arms", n, classes, noise, seed)
    rows: list[list[float]] = []
    labels: list[int] = []
    for k, count in enumerate(counts):
        for i in range(count):
            r, t = 5.0 * i / count, 1.75 * 2.0 * math.pi * i / count + 2.0 * math.pi * k / classes
            rows.append([r * math.sin(t) + rng.uniform(-1.0, 1.0) * noise,
                         r * math.cos(t) + rng.uniform(-1.0, 1.0) * noise])
            labels.append(k)
    return _shuffled(rng, rows, labels)


def make_xor(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """The XOR problem: points uniform in ``[-1, 1]²``, label 1 where ``x1 · x2 < 0`` (2nd and 4th quadrants), else 0.

    The labels are computed before the Gaussian noise (standard deviation ``noise``) is added to
    each coordinate, so with noise some points cross the axes. The class sizes are random.
    """
    what = "make_xor"
    n = _int_arg(n, "n", what, 1, " points")
    noise = _nonnegative_arg(noise, "noise", what)
    rng = generator(seed, what)
    rows: list[list[float]] = []
    labels: list[int] = []
    for _ in range(n):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        labels.append(1 if x1 * x2 < 0 else 0)
        rows.append(_noisy(rng, x1, x2, noise))
    return _shuffled(rng, rows, labels)


def _regression(what: str, n: object, noise: object, seed: object,
                target: Callable[[float, float], float]) -> RegressionDataset:
    """``n`` points uniform in ``[-1, 1]²``, each labelled ``target(x1, x2)`` plus Gaussian noise of standard
    deviation ``noise``; drawn from the generator of ``seed``: x1, x2, then the noise, point after point."""
    count = _int_arg(n, "n", what, 1, " points")
    std = _nonnegative_arg(noise, "noise", what)
    rng = generator(seed, what)
    rows: list[list[float]] = []
    labels: list[float] = []
    for _ in range(count):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        rows.append([x1, x2])
        labels.append(target(x1, x2) + rng.gauss(0.0, std))
    return rows, labels


def make_plane(n: int = 100, noise: float = 0.0, seed: Seed = 0) -> RegressionDataset:
    """TensorFlow Playground's "reg-plane": points uniform in ``[-1, 1]²`` labelled ``(x1 + x2) / 2``, a float, plus
    Gaussian noise of standard deviation ``noise``."""
    return _regression("make_plane", n, noise, seed, lambda x1, x2: (x1 + x2) / 2)


def _bumps(x1: float, x2: float) -> float:
    """The sum of the six signed ``BUMPS`` ``sign · exp(-|x - c|² / 0.08)`` at ``(x1, x2)``."""
    return sum(s * math.exp(-((x1 - cx) ** 2 + (x2 - cy) ** 2) / 0.08) for cx, cy, s in BUMPS)


def make_bumps(n: int = 100, noise: float = 0.0, seed: Seed = 0) -> RegressionDataset:
    """TensorFlow Playground's "reg-gauss": points uniform in ``[-1, 1]²`` labelled by six signed Gaussian bumps
    (``BUMPS``: ``Σ sign · exp(-|x - c|² / 0.08)``), a float, plus Gaussian noise of standard deviation ``noise``."""
    return _regression("make_bumps", n, noise, seed, _bumps)


# ---------------------------------------------------------------------------------------------
# helpers


def one_hot(label: int, classes: int) -> list[float]:
    """The target vector for ``label``: ``classes`` floats, 1.0 at index ``label`` and 0.0 elsewhere."""
    what = "one_hot"
    classes = _int_arg(classes, "classes", what, 1)
    label = _int_arg(label, "label", what, 0)
    if label >= classes:
        raise ValueError(f"{what}: expected 0 <= label < classes = {classes}, got {label!r}")
    vector = [0.0] * classes
    vector[label] = 1.0
    return vector


def split_indices(n: int, n_test: int, seed: Seed = 0) -> tuple[list[int], list[int]]:
    """``(train, test)``: the indices ``0 .. n-1`` in a seeded random order (``random.Random(seed).shuffle``), the
    first ``n_test`` of it held out as ``test`` and the rest ``train``; ``0 <= n_test <= n``, either part may be
    empty. The one train/test split: ``train_test_split`` holds out the rows at ``test``."""
    what = "split_indices"
    n = _int_arg(n, "n", what, 0)
    n_test = _int_arg(n_test, "n_test", what, 0)
    if n_test > n:
        raise ValueError(f"{what}: expected n_test <= n = {n}, got {n_test}")
    order = list(range(n))
    generator(seed, what).shuffle(order)
    return order[n_test:], order[:n_test]


def train_test_split(
    X: Sequence[Row],
    y: Sequence[Label],
    test_fraction: float = 0.25,
    seed: Seed = 0,
) -> tuple[list[Row], list[Label], list[Row], list[Label]]:
    """``(X_train, y_train, X_test, y_test)``: a seeded random ``round(len(X) * test_fraction)`` pairs held out
    (those at ``split_indices(len(X), n_test, seed)``'s test indices).

    Rows and labels stay paired and are not copied; both parts must come out non-empty.
    """
    what = "train_test_split"
    for name, seq in (("X", X), ("y", y)):
        if not isinstance(seq, (list, tuple)):
            raise TypeError(f"{what}: expected {name} as a list, got {describe(seq)}")
    if len(X) != len(y):
        raise ValueError(f"{what}: expected X and y of the same length, got {len(X)} rows and {len(y)} labels")
    fraction = _real_arg(test_fraction, "test_fraction", what)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"{what}: expected 0 < test_fraction < 1, got {test_fraction!r}")
    generator(seed, what)  # a bad seed is named before the sizes are
    n_test = round(len(X) * fraction)
    if not 0 < n_test < len(X):
        raise ValueError(
            f"{what}: expected both parts non-empty, got {n_test} test and {len(X) - n_test} train points"
            f" from {len(X)} points with test_fraction={test_fraction!r}"
        )
    train, test = split_indices(len(X), n_test, seed)
    return [X[i] for i in train], [y[i] for i in train], [X[i] for i in test], [y[i] for i in test]


# ---------------------------------------------------------------------------------------------
# real images


def load_digits() -> Dataset:
    """scikit-learn's 8×8 handwritten digits: 1,797 rows of 64 floats in ``[0, 1]`` and labels 0–9.

    Each row is one image read row by row, its pixels (0 to 16 in the original) divided by 16; the
    order is scikit-learn's (``train_test_split`` shuffles). The images ship inside scikit-learn, so
    nothing is downloaded; without scikit-learn an ImportError says how to install it.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as error:
        raise ImportError(
            "load_digits: expected scikit-learn (it ships the digits), got no module named 'sklearn'; "
            "install the extra: pip install 'glassgrad[digits]' (or pip install scikit-learn)"
        ) from error
    bunch = sklearn_digits()
    pixels = [i / 16.0 for i in range(17)]  # one float object per grey level, shared by every row
    X = [[pixels[int(v)] for v in row] for row in bunch.data.tolist()]
    return X, [int(t) for t in bunch.target.tolist()]


#: The magic numbers of IDX files (MNIST's format) of images and of labels: two zero bytes, the element
#: type (0x08: unsigned byte) and the number of dimensions (3: count, rows, columns; 1: count).
IDX_IMAGES, IDX_LABELS = 0x00000803, 0x00000801

#: Deflate compresses at most about 1032:1, so a gzipped file of c bytes holds at most this many times c.
GZIP_MAX_RATIO = 1032


def _idx_name(path: object, what: str) -> str:
    """``path`` as a str, or a TypeError naming what was given."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: expected a path (str or Path), got {describe(path)}")
    return os.fspath(path)


def _read_exactly(stream: io.BufferedIOBase, count: int, name: str, part: str, what: str) -> bytearray:
    """``count`` bytes from ``stream``, or a ValueError naming the file when it ends (or is corrupt) first."""
    try:
        data = read_at_most(stream, count)  # a chunk at a time: memory grows only with what is there
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"{what}: {name!r} is not a readable IDX file ({error})") from None
    if len(data) < count:
        raise ValueError(f"{what}: {name!r} is truncated: expected {count:,} bytes of {part}, got {len(data):,}")
    return data


def _read_idx(name: str, magic: int, what: str, check: Callable[[list[int]], None]) -> tuple[list[int], bytearray]:
    """The dimensions and the bytes of the IDX file ``name`` (gzipped or not, told by gzip's first two bytes),
    whose magic number must be ``magic``. ``check`` sees the dimensions before the data is read.

    Reads at most what the header declares and one byte more (a well-formed file has none), from a regular
    file only; gzip's output too, however much more the file would inflate to."""
    raw, size = open_regular(name, what)
    with raw:
        zipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        with gzip.GzipFile(fileobj=raw, mode="rb") if zipped else raw as stream:
            dims = _idx_dims(stream, name, magic, what)
            count = math.prod(dims)
            # the header against the file's size, before reading (or allocating) what it claims
            most = (size * GZIP_MAX_RATIO if zipped else size) - 4 - 4 * len(dims)
            if count > most:
                raise ValueError(f"{what}: {name!r} is truncated: its header claims {' × '.join(map(str, dims))} "
                                 f"= {count:,} bytes of data, the file holds {'at most ' if zipped else ''}"
                                 f"{max(most, 0):,}")
            check(dims)
            data = _read_exactly(stream, count, name, "data", what)
            if _one_more_byte(stream):
                raise ValueError(f"{what}: {name!r} is longer than its header says ({count:,} bytes of data)")
    return dims, data


def _idx_dims(stream: io.BufferedIOBase, name: str, magic: int, what: str) -> list[int]:
    """The dimensions in an IDX header after its magic number, which must be ``magic``."""
    found = struct.unpack(">I", _read_exactly(stream, 4, name, "header", what))[0]
    if found != magic:
        kinds = {IDX_IMAGES: "images", IDX_LABELS: "labels"}
        raise ValueError(f"{what}: {name!r} is not an IDX file of {kinds[magic]}: expected the magic "
                         f"number 0x{magic:08x}, got 0x{found:08x}")
    ndims = magic & 0xFF
    return list(struct.unpack(f">{ndims}I", _read_exactly(stream, 4 * ndims, name, "header", what)))


def _one_more_byte(stream: io.BufferedIOBase) -> bytes:
    """One byte more, if there is one (a well-formed file has none)."""
    try:
        return stream.read(1)
    except (OSError, EOFError, zlib.error):
        return b"x"


def _check_images(dims: list[int], name: str, what: str) -> None:
    """A ValueError for images of no pixels, or more of them than the memory available holds as rows of floats
    (``nn.memory``: what ``glassgrad train`` measures a run against): before anything is read for them."""
    count, rows, cols = dims
    if rows == 0 or cols == 0:
        raise ValueError(f"{what}: expected images of at least 1 × 1 pixels, got {count:,} images of "
                         f"{rows} × {cols} in {name!r}")
    need, available = rows_bytes(count, rows * cols), available_memory()
    if available is not None and need > available:
        raise ValueError(f"{what}: expected images that fit in the {describe_bytes(available)} of memory available, "
                         f"got {count:,} images of {rows} × {cols} pixels in {name!r}, which need about "
                         f"{describe_bytes(need)} as rows of floats")


def load_mnist(images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str]) -> Dataset:
    """MNIST (or any IDX pair of the same form, e.g. Fashion-MNIST) from files on disk: rows of floats in ``[0, 1]``.

    ``images_path`` is an IDX file of unsigned-byte images (magic 0x00000803: count, rows, columns), read
    row by row into ``rows × columns`` floats ``pixel / 255``; ``labels_path`` the IDX file of their labels
    (magic 0x00000801: count), ints. Either may be gzipped (``.gz`` as MNIST ships, told by its first
    bytes, not its name). A wrong magic number, a file shorter or longer than its header says, images of
    no pixels (0 rows or 0 columns), more images than the memory available holds as rows (the estimate
    ``glassgrad train`` uses, ``nn.memory``), a label file whose count differs, or anything but a regular
    file is a ValueError naming the file, all but a file that ends early or goes on refused before its data is
    read; no more is read (or inflated) than a header declares and a byte. Nothing is downloaded, nothing unpickled.
    """
    what = "load_mnist"
    images_name, labels_name = _idx_name(images_path, what), _idx_name(labels_path, what)
    (count, rows, cols), pixels = _read_idx(images_name, IDX_IMAGES, what,
                                            lambda dims: _check_images(dims, images_name, what))

    def same_count(dims: list[int]) -> None:
        if dims[0] != count:
            raise ValueError(f"{what}: expected as many labels as images, got {count:,} images in {images_name!r} "
                             f"and {dims[0]:,} labels in {labels_name!r}")

    _, labels = _read_idx(labels_name, IDX_LABELS, what, same_count)
    scale = [i / 255.0 for i in range(256)]  # one float object per grey level, shared by every row
    width = rows * cols
    view = memoryview(pixels)
    X = [[scale[b] for b in view[i * width:(i + 1) * width]] for i in range(count)]
    return X, list(labels)
