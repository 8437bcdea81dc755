"""nn.data: the toy datasets' shapes, class counts, geometry, seeding and shuffling; the helpers; bad input."""

import gzip
import itertools
import math
import random
import re
import struct
import sys
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn.data as data_module
from nn.data import (
    linspace,
    load_digits,
    load_mnist,
    make_blobs,
    make_bumps,
    make_circles,
    make_gaussians,
    make_moons,
    make_plane,
    make_spiral_arms,
    make_spirals,
    make_xor,
    one_hot,
    split_indices,
    train_test_split,
)

GENERATORS = [make_moons, make_circles, make_spirals, make_blobs, make_xor]
NOISE_ARG = {make_moons: "noise", make_circles: "noise", make_spirals: "noise", make_blobs: "std", make_xor: "noise"}
CLASSES = {make_moons: 2, make_circles: 2, make_spirals: 3, make_blobs: 3, make_xor: 2}  # with default arguments
SEED_EXPECTED = r"expected an int seed, a random\.Random or None"


def assert_dataset(X, y, n, classes):
    """X is n rows [float, float], y n int labels in 0..classes-1."""
    assert isinstance(X, list) and isinstance(y, list)
    assert len(X) == len(y) == n
    for row in X:
        assert isinstance(row, list) and len(row) == 2
        assert all(type(v) is float and math.isfinite(v) for v in row)
    assert all(type(label) is int and 0 <= label < classes for label in y)


def by_class(X, y):
    """The rows of each label, in order of appearance."""
    groups = {}
    for row, label in zip(X, y):
        groups.setdefault(label, []).append(row)
    return groups


def runs(y):
    """How many maximal runs of equal consecutive labels y has (k when sorted into k class blocks)."""
    return 1 + sum(a != b for a, b in itertools.pairwise(y))


# --- shapes, types, counts ------------------------------------------------------------------


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_datasets_default_shapes_are_rows_of_two_floats_and_int_labels_covering_every_class(make):
    X, y = make()
    n = 90 if make is make_spirals else 100
    assert_dataset(X, y, n, CLASSES[make])
    assert set(y) == set(range(CLASSES[make]))


@pytest.mark.parametrize(
    ("make", "kwargs", "counts"),
    [
        (make_moons, {"n": 101}, {0: 50, 1: 51}),
        (make_moons, {"n": 2}, {0: 1, 1: 1}),
        (make_circles, {"n": 101}, {0: 50, 1: 51}),
        (make_circles, {"n": 3}, {0: 1, 1: 2}),
        (make_spirals, {"n": 10, "classes": 3}, {0: 4, 1: 3, 2: 3}),
        (make_spirals, {"n": 11, "classes": 4}, {0: 3, 1: 3, 2: 3, 3: 2}),
        (make_spirals, {"n": 2, "classes": 2}, {0: 1, 1: 1}),
        (make_blobs, {"n": 10, "centers": 3}, {0: 4, 1: 3, 2: 3}),
        (make_blobs, {"n": 7, "centers": [[0, 0], [5, 5]]}, {0: 4, 1: 3}),
        (make_blobs, {"n": 1, "centers": 1}, {0: 1}),
    ],
)
def test_datasets_split_n_points_among_classes_as_documented(make, kwargs, counts):
    X, y = make(**kwargs)
    assert len(X) == kwargs["n"]
    assert Counter(y) == counts


@given(n=st.integers(2, 200), seed=st.integers(0, 2**64))
def test_datasets_any_n_and_seed_give_n_valid_points_and_balanced_classes(n, seed):
    for make, classes in ((make_moons, 2), (make_circles, 2), (make_spirals, 2), (make_blobs, 2)):
        X, y = make(n, 2, seed=seed) if make in (make_spirals, make_blobs) else make(n, seed=seed)
        assert_dataset(X, y, n, classes)
        sizes = Counter(y)
        assert set(sizes) == {0, 1}
        assert abs(sizes[0] - sizes[1]) <= 1
    X, y = make_xor(n, seed=seed)
    assert_dataset(X, y, n, 2)


# --- seeding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_datasets_same_seed_gives_identical_data_and_another_seed_different_data(make):
    assert make(seed=7) == make(seed=7)
    assert make() == make(seed=0), "the default seed is 0"
    assert make(seed=7) != make(seed=8)


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_datasets_seed_none_draws_fresh_data(make):
    first, second = make(seed=None), make(seed=None)
    assert len(first[0]) == len(second[0])
    assert first != second


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_datasets_never_touch_the_global_random_state(make):
    random.seed(1234)
    state = random.getstate()
    make(seed=3)
    make(seed=None)
    assert random.getstate() == state


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_datasets_noise_moves_points_but_keeps_their_order_and_labels(make):
    X0, y0 = make(seed=5, **{NOISE_ARG[make]: 0.0})
    X1, y1 = make(seed=5, **{NOISE_ARG[make]: 0.01})
    assert y0 == y1
    assert X0 != X1
    assert max(math.dist(p, q) for p, q in zip(X0, X1)) < 0.1


# --- shuffling --------------------------------------------------------------------------------


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", range(5))
def test_datasets_shuffle_interleaves_classes(make, seed):
    _, y = make(seed=seed)
    k = CLASSES[make]
    assert y != sorted(y)
    assert set(y[: len(y) // 2]) == set(range(k)), "the first half already holds every class"
    assert runs(y) > len(y) / 4, f"labels change often along the list, not in {k} blocks"


# --- geometry with noise = 0 ------------------------------------------------------------------


def test_make_moons_without_noise_puts_label_0_on_the_upper_unit_half_circle_and_label_1_on_the_shifted_lower_one():
    X, y = make_moons(n=51, noise=0)
    groups = by_class(X, y)
    for x1, x2 in groups[0]:
        assert math.hypot(x1, x2) == pytest.approx(1.0, abs=1e-12)
        assert x2 >= 0.0
    for x1, x2 in groups[1]:
        assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0, abs=1e-12)
        assert x2 <= 0.5
    for row in ([1.0, 0.0], [-1.0, 0.0]):  # t = 0 and t = π are both included
        assert any(math.dist(row, p) < 1e-12 for p in groups[0])
    for row in ([0.0, 0.5], [2.0, 0.5]):
        assert any(math.dist(row, p) < 1e-12 for p in groups[1])


def test_make_moons_without_noise_spaces_the_angles_evenly_over_0_to_pi():
    X, y = make_moons(n=20, noise=0)
    angles = sorted(math.atan2(x2, x1) for (x1, x2), label in zip(X, y) if label == 0)
    assert angles == pytest.approx([math.pi * i / 9 for i in range(10)], abs=1e-12)


@pytest.mark.parametrize("factor", [0.5, 0.1, 0.9])
def test_make_circles_without_noise_puts_label_0_at_radius_1_and_label_1_at_radius_factor(factor):
    X, y = make_circles(n=40, noise=0, factor=factor)
    for (x1, x2), label in zip(X, y):
        assert math.hypot(x1, x2) == pytest.approx(1.0 if label == 0 else factor, abs=1e-12)


def test_make_circles_without_noise_spaces_angles_evenly_without_repeating_a_point():
    X, y = make_circles(n=16, noise=0)
    for label in (0, 1):
        angles = sorted(math.atan2(x2, x1) % (2 * math.pi) for (x1, x2), c in zip(X, y) if c == label)
        assert angles == pytest.approx([2 * math.pi * i / 8 for i in range(8)], abs=1e-12)


@pytest.mark.parametrize("noise", [0.0, 0.5, 3.0])
def test_make_spirals_points_stay_within_the_unit_disc_whatever_the_noise(noise):
    X, _ = make_spirals(n=300, classes=5, noise=noise)
    assert all(math.hypot(x1, x2) <= 1.0 + 1e-12 for x1, x2 in X)


def test_make_spirals_without_noise_arm_k_is_r_sin_t_r_cos_t_with_t_running_from_4k_to_4k_plus_4():
    X, y = make_spirals(n=31, classes=3, noise=0)
    for k, rows in by_class(X, y).items():
        radii = sorted(math.hypot(x1, x2) for x1, x2 in rows)
        m = len(rows)
        assert radii == pytest.approx([i / (m - 1) for i in range(m)], abs=1e-12), "r evenly from 0 to 1"
        for x1, x2 in rows:
            r = math.hypot(x1, x2)
            t = 4 * k + 4 * r  # r = i/(m-1) and t = 4k + 4i/(m-1) together
            assert x1 == pytest.approx(r * math.sin(t), abs=1e-12)
            assert x2 == pytest.approx(r * math.cos(t), abs=1e-12)


def test_make_blobs_without_spread_puts_every_point_on_its_own_center():
    centers = [[0.0, 0.0], [3.0, -1.0], [-2.5, 4.0]]
    X, y = make_blobs(n=30, centers=centers, std=0)
    for row, label in zip(X, y):
        assert row == centers[label]


def test_make_blobs_with_a_count_draws_that_many_centers_inside_the_box():
    X, y = make_blobs(n=40, centers=4, std=0, box=(2.0, 3.0))
    assert len({tuple(row) for row in X}) == 4
    assert all(2.0 <= v <= 3.0 for row in X for v in row)
    for rows in by_class(X, y).values():
        assert all(row == rows[0] for row in rows), "one center per label"


def test_make_blobs_far_apart_centers_are_recovered_by_nearest_center():
    centers = [[-10.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
    X, y = make_blobs(n=300, centers=centers, std=1.0, seed=1)
    nearest = [min(range(3), key=lambda c: math.dist(row, centers[c])) for row in X]
    assert nearest == y


def test_make_blobs_std_is_the_spread_around_each_center():
    X, _ = make_blobs(n=4000, centers=[[1.0, -2.0]], std=0.5, seed=2)
    for axis, center in ((0, 1.0), (1, -2.0)):
        values = [row[axis] for row in X]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        assert mean == pytest.approx(center, abs=0.05)
        assert sd == pytest.approx(0.5, rel=0.1)


def test_make_xor_without_noise_labels_1_exactly_in_the_second_and_fourth_quadrants():
    X, y = make_xor(n=500, noise=0)
    assert all(-1.0 <= v <= 1.0 for row in X for v in row)
    for (x1, x2), label in zip(X, y):
        assert label == (1 if x1 * x2 < 0 else 0)
    assert 150 < sum(y) < 350, "uniform points: about half in each class"


def test_make_xor_labels_come_from_the_points_before_noise():
    X0, y0 = make_xor(n=500, noise=0, seed=4)
    X1, y1 = make_xor(n=500, noise=0.3, seed=4)
    assert y1 == y0
    assert all(label == (1 if x1 * x2 < 0 else 0) for (x1, x2), label in zip(X0, y1)), "the noiseless points decide"
    assert any(label != (1 if x1 * x2 < 0 else 0) for (x1, x2), label in zip(X1, y1)), "noise crosses the axes"


# --- helpers ----------------------------------------------------------------------------------


def test_one_hot_is_one_at_the_label_and_zero_elsewhere():
    assert one_hot(0, 3) == [1.0, 0.0, 0.0]
    assert one_hot(2, 3) == [0.0, 0.0, 1.0]
    assert one_hot(0, 1) == [1.0]
    assert all(type(v) is float for v in one_hot(1, 4))


def test_train_test_split_partitions_the_pairs_with_a_quarter_held_out():
    X, y = make_moons(n=100)
    X_train, y_train, X_test, y_test = train_test_split(X, y)
    assert (len(X_train), len(y_train), len(X_test), len(y_test)) == (75, 75, 25, 25)
    pairs = sorted((tuple(r), c) for r, c in zip(X, y))
    assert sorted((tuple(r), c) for r, c in zip(X_train + X_test, y_train + y_test)) == pairs


@given(n=st.integers(2, 100), fraction=st.floats(0.01, 0.99), seed=st.integers(0, 2**32))
def test_train_test_split_keeps_rows_with_their_labels_and_holds_out_round_n_times_fraction(n, fraction, seed):
    X = [[float(i), -float(i)] for i in range(n)]
    y = list(range(n))
    n_test = round(n * fraction)
    if not 0 < n_test < n:
        with pytest.raises(ValueError, match="expected both parts non-empty"):
            train_test_split(X, y, fraction, seed)
        return
    X_train, y_train, X_test, y_test = train_test_split(X, y, fraction, seed)
    assert len(X_test) == len(y_test) == n_test
    assert all(row == X[label] for row, label in zip(X_train + X_test, y_train + y_test))
    assert sorted(y_train + y_test) == y


def test_train_test_split_is_seeded_and_leaves_its_inputs_alone():
    X, y = make_xor(n=40)
    X_copy, y_copy = [list(r) for r in X], list(y)
    assert train_test_split(X, y, seed=1) == train_test_split(X, y, seed=1)
    assert train_test_split(X, y, seed=1) != train_test_split(X, y, seed=2)
    assert (X, y) == (X_copy, y_copy)


def test_train_test_split_holds_out_the_first_indices_of_the_seeds_shuffle():
    X, y = make_moons(n=30, seed=3)
    order = list(range(30))
    random.Random(5).shuffle(order)  # the split as it has always been: a seeded shuffle, the first n_test held out
    split = train_test_split(X, y, 0.2, seed=5)
    assert split == ([X[i] for i in order[6:]], [y[i] for i in order[6:]], [X[i] for i in order[:6]],
                     [y[i] for i in order[:6]])
    assert split_indices(30, 6, 5) == (order[6:], order[:6])


@given(n=st.integers(0, 60), data=st.data(), seed=st.integers(0, 2**32))
def test_split_indices_partitions_range_n_with_n_test_held_out(n, data, seed):
    n_test = data.draw(st.integers(0, n))
    train, test = split_indices(n, n_test, seed)
    assert len(test) == n_test and sorted(train + test) == list(range(n))
    assert split_indices(n, n_test, seed) == (train, test)
    assert split_indices(n, 0, seed)[0] == test + train, "one shuffle for every n_test: only the cut moves"


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((5, 6, 0), ValueError, r"split_indices: expected n_test <= n = 5, got 6"),
        ((5, -1, 0), ValueError, r"split_indices: expected n_test >= 0, got -1"),
        ((-1, 0, 0), ValueError, r"split_indices: expected n >= 0, got -1"),
        ((5.0, 1, 0), TypeError, r"split_indices: expected an int n, got 5\.0 \(float\)"),
        ((5, 1, "s"), TypeError, rf"split_indices: {SEED_EXPECTED}, got 's' \(str\)"),
    ],
)
def test_split_indices_bad_input_raises_saying_what_was_expected_and_given(args, error, message):
    with pytest.raises(error, match=message):
        split_indices(*args)


# --- TensorFlow Playground's data sets ----------------------------------------------------------
# The oracles are the playground's own formulas as it generated its points (viz/session.py before they moved
# here): the same draws in the same order give the same points.


def _playground_regression(dataset, n, noise, seed):
    rng = random.Random(seed)
    bumps = [(cx, cy, s) for cy, first in ((0.4, 1.0), (-0.4, -1.0)) for cx, s in ((-0.67, first), (0.0, -first),
                                                                                   (0.67, first))]
    points = []
    for _ in range(n):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        if dataset == "reg-plane":
            target = (x1 + x2) / 2
        else:
            target = sum(s * math.exp(-((x1 - cx) ** 2 + (x2 - cy) ** 2) / 0.08) for cx, cy, s in bumps)
        points.append((x1, x2, target + rng.gauss(0.0, noise)))
    return points


def _playground_gauss(n, k, noise, seed):
    angles = [math.pi / 4 + 2 * math.pi * i / k for i in range(k)]
    centers = [[2.5 * math.cos(t), 2.5 * math.sin(t)] for t in angles]
    X, y = make_blobs(n, centers=centers, std=0.5 + 2 * noise, seed=seed)
    return [(r[0], r[1], float(label)) for r, label in zip(X, y)]


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1])
@pytest.mark.parametrize("noise", [0.0, 0.1, 0.5])
def test_playground_data_sets_are_the_playgrounds_points(seed, noise):
    for make, name in ((make_plane, "reg-plane"), (make_bumps, "reg-gauss")):
        X, y = make(500, noise, seed)
        assert [(r[0], r[1], t) for r, t in zip(X, y)] == _playground_regression(name, 500, noise, seed)
        assert all(type(t) is float for t in y) and all(-1.0 <= v <= 1.0 for r in X for v in r)
    for k in (2, 3, 5):
        X, y = make_gaussians(500, k, noise, seed)
        assert [(r[0], r[1], float(t)) for r, t in zip(X, y)] == _playground_gauss(500, k, noise, seed)
        assert sorted(set(y)) == list(range(k))


def test_playground_data_sets_geometry():
    X, y = make_plane(200, noise=0.0, seed=1)
    assert all(t == (r[0] + r[1]) / 2 for r, t in zip(X, y))
    X, y = make_bumps(200, noise=0.0, seed=1)
    assert make_bumps(1, 0.0, 0) != make_bumps(1, 0.0, 1) and max(map(abs, y)) <= 1.5
    X, y = make_gaussians(400, 4, noise=0.0, seed=2)
    for k, (cx, cy) in enumerate([(1, 1), (-1, 1), (-1, -1), (1, -1)]):  # 45°, 135°, 225°, 315° at radius 2.5
        points = [r for r, t in zip(X, y) if t == k]
        mean_x, mean_y = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
        assert abs(mean_x - cx * 2.5 / math.sqrt(2)) < 0.15 and abs(mean_y - cy * 2.5 / math.sqrt(2)) < 0.15


@pytest.mark.parametrize(
    ("make", "kwargs", "error", "message"),
    [
        (make_plane, {"n": 0}, ValueError, r"make_plane: expected n >= 1 points, got 0"),
        (make_bumps, {"noise": -0.1}, ValueError, r"make_bumps: expected noise >= 0, got -0\.1"),
        (make_bumps, {"seed": 1.5}, TypeError, rf"make_bumps: {SEED_EXPECTED}, got 1\.5 \(float\)"),
        (make_gaussians, {"classes": 1}, ValueError, r"make_gaussians: expected classes >= 2, got 1"),
        (make_gaussians, {"n": 2, "classes": 3}, ValueError, r"make_gaussians: expected n >= 3 points .*got 2"),
        (make_gaussians, {"noise": "x"}, TypeError, r"make_gaussians: expected a real number noise .*got 'x'"),
    ],
)
def test_playground_data_sets_bad_input(make, kwargs, error, message):
    with pytest.raises(error, match=message):
        make(**kwargs)


def test_linspace_spaces_evenly_with_both_ends_exact():
    assert linspace(0.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert linspace(2.0, 3.0, 1) == [2.0] and linspace(-1, 1, 2) == [-1.0, 1.0]
    assert linspace(0.0, math.pi, 7)[-1] == math.pi
    with pytest.raises(ValueError, match=r"linspace: expected num >= 1, got 0"):
        linspace(0.0, 1.0, 0)
    with pytest.raises(TypeError, match=r"linspace: expected an int num, got 2\.0 \(float\)"):
        linspace(0.0, 1.0, 2.0)
    with pytest.raises(ValueError, match=r"linspace: expected a finite stop, got inf"):
        linspace(0.0, math.inf, 3)


# --- bad input --------------------------------------------------------------------------------


BAD_INPUT = [
    # n: an int, not a bool, large enough
    (make_moons, {"n": 0}, ValueError, r"^make_moons: expected n >= 2 points, got 0$"),
    (make_moons, {"n": -1}, ValueError, r"make_moons: expected n >= 2 points, got -1"),
    (make_moons, {"n": "a"}, TypeError, r"^make_moons: expected an int n, got 'a' \(str\)$"),
    (make_moons, {"n": True}, TypeError, r"make_moons: expected an int n, got True \(bool\)"),
    (make_moons, {"n": 10.0}, TypeError, r"make_moons: expected an int n, got 10\.0 \(float\)"),
    (make_circles, {"n": 1}, ValueError, r"make_circles: expected n >= 2 points, got 1"),
    (make_circles, {"n": "a"}, TypeError, r"make_circles: expected an int n, got 'a' \(str\)"),
    (make_spirals, {"n": 2, "classes": 3}, ValueError, r"make_spirals: expected n >= 3 points .*, got 2"),
    (make_spirals, {"n": False}, TypeError, r"make_spirals: expected an int n, got False \(bool\)"),
    (make_blobs, {"n": 0}, ValueError, r"make_blobs: expected n >= 1 points, got 0"),
    (make_blobs, {"n": 2, "centers": 3}, ValueError, r"make_blobs: expected n >= 3 points .*, got 2"),
    (make_blobs, {"n": None}, TypeError, r"make_blobs: expected an int n, got None \(NoneType\)"),
    (make_xor, {"n": 0}, ValueError, r"make_xor: expected n >= 1 points, got 0"),
    (make_xor, {"n": True}, TypeError, r"make_xor: expected an int n, got True \(bool\)"),
    # noise / std: a finite real number >= 0
    (make_moons, {"noise": -1}, ValueError, r"make_moons: expected noise >= 0, got -1"),
    (make_moons, {"noise": "0.1"}, TypeError, r"make_moons: expected a real number noise .*, got '0\.1' \(str\)"),
    (make_moons, {"noise": True}, TypeError, r"make_moons: expected a real number noise .*, got True \(bool\)"),
    (make_moons, {"noise": math.nan}, ValueError, r"make_moons: expected a finite noise, got nan"),
    (make_circles, {"noise": -0.5}, ValueError, r"make_circles: expected noise >= 0, got -0\.5"),
    (make_spirals, {"noise": math.inf}, ValueError, r"make_spirals: expected a finite noise, got inf"),
    (make_xor, {"noise": -1}, ValueError, r"make_xor: expected noise >= 0, got -1"),
    (make_blobs, {"std": -1.0}, ValueError, r"make_blobs: expected std >= 0, got -1\.0"),
    # seed: an int or None
    (make_moons, {"seed": "x"}, TypeError, rf"make_moons: {SEED_EXPECTED}, got 'x' \(str\)"),
    (make_xor, {"seed": 1.5}, TypeError, rf"make_xor: {SEED_EXPECTED}, got 1\.5 \(float\)"),
    (make_blobs, {"seed": True}, TypeError, rf"make_blobs: {SEED_EXPECTED}, got True \(bool\)"),
    # dataset-specific arguments
    (make_circles, {"factor": 1.5}, ValueError, r"make_circles: expected 0 < factor < 1, got 1\.5"),
    (make_circles, {"factor": 1}, ValueError, r"make_circles: expected 0 < factor < 1, got 1"),
    (make_circles, {"factor": 0}, ValueError, r"make_circles: expected 0 < factor < 1, got 0"),
    (make_circles, {"factor": "big"}, TypeError, r"make_circles: expected a real number factor .*, got 'big' \(str\)"),
    (make_spirals, {"classes": 1}, ValueError, r"make_spirals: expected classes >= 2, got 1"),
    (make_spirals, {"classes": 2.0}, TypeError, r"make_spirals: expected an int classes, got 2\.0 \(float\)"),
    (make_blobs, {"centers": 0}, ValueError, r"make_blobs: expected centers >= 1, got 0"),
    (make_blobs, {"centers": []}, ValueError, r"make_blobs: expected at least one center, got an empty list"),
    (make_blobs, {"centers": "abc"}, TypeError, r"make_blobs: expected centers as an int or .*, got 'abc' \(str\)"),
    (make_blobs, {"centers": True}, TypeError, r"make_blobs: expected centers as an int or .*, got True \(bool\)"),
    (make_blobs, {"centers": [[0, 0], [1]]}, TypeError, r"make_blobs: expected each center as \[x, y\], center 1 is"),
    (make_blobs, {"centers": [[0, "y"]]}, TypeError, r"make_blobs: .* y of center 0 .*, got 'y' \(str\)"),
    (make_blobs, {"box": (1.0, 1.0)}, ValueError, r"make_blobs: expected box \(low, high\) with low < high, got"),
    (make_blobs, {"box": 5}, TypeError, r"make_blobs: expected box as a pair \(low, high\), got 5 \(int\)"),
]


@pytest.mark.parametrize(("make", "kwargs", "error", "message"), BAD_INPUT)
def test_datasets_bad_input_raises_saying_what_was_expected_and_given(make, kwargs, error, message):
    with pytest.raises(error, match=message):
        make(**kwargs)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((3, 3), ValueError, r"one_hot: expected 0 <= label < classes = 3, got 3"),
        ((-1, 3), ValueError, r"one_hot: expected label >= 0, got -1"),
        ((0, 0), ValueError, r"one_hot: expected classes >= 1, got 0"),
        ((True, 2), TypeError, r"one_hot: expected an int label, got True \(bool\)"),
        ((1.0, 2), TypeError, r"one_hot: expected an int label, got 1\.0 \(float\)"),
        ((0, "2"), TypeError, r"one_hot: expected an int classes, got '2' \(str\)"),
    ],
)
def test_one_hot_bad_input_raises_saying_what_was_expected_and_given(args, error, message):
    with pytest.raises(error, match=message):
        one_hot(*args)


ROWS, LABELS = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], [0, 1, 0, 1]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((ROWS, LABELS), {"test_fraction": 0}, ValueError, r"expected 0 < test_fraction < 1, got 0$"),
        ((ROWS, LABELS), {"test_fraction": 1.0}, ValueError, r"expected 0 < test_fraction < 1, got 1\.0"),
        ((ROWS, LABELS), {"test_fraction": -0.2}, ValueError, r"expected 0 < test_fraction < 1, got -0\.2"),
        ((ROWS, LABELS), {"test_fraction": "0.2"}, TypeError, r"got '0\.2' \(str\)"),
        ((ROWS, LABELS), {"test_fraction": 0.1}, ValueError, r"expected both parts non-empty, got 0 test and 4 train"),
        ((ROWS, LABELS), {"test_fraction": 0.9}, ValueError, r"expected both parts non-empty, got 4 test and 0 train"),
        ((ROWS, LABELS), {"seed": "s"}, TypeError, rf"{SEED_EXPECTED}, got 's' \(str\)"),
        ((ROWS, LABELS[:3]), {}, ValueError, r"expected X and y of the same length, got 4 rows and 3 labels"),
        (([], []), {}, ValueError, r"expected both parts non-empty, got 0 test and 0 train points from 0 points"),
        (("abcd", LABELS), {}, TypeError, r"expected X as a list, got 'abcd' \(str\)"),
        ((ROWS, None), {}, TypeError, r"expected y as a list, got None \(NoneType\)"),
    ],
)
def test_train_test_split_bad_input_raises_saying_what_was_expected_and_given(args, kwargs, error, message):
    with pytest.raises(error, match=f"^train_test_split: .*{message}"):
        train_test_split(*args, **kwargs)


# --- real images: scikit-learn's digits, MNIST's IDX files ----------------------------------


def require_sklearn():
    import importlib.util

    from conftest import require

    require(importlib.util.find_spec("sklearn"), "scikit-learn", "pip install 'glassgrad[digits]'")


def test_load_digits_is_1797_rows_of_64_floats_in_unit_range_and_ten_int_labels():
    require_sklearn()
    X, y = load_digits()
    assert len(X) == len(y) == 1797
    assert all(isinstance(row, list) and len(row) == 64 for row in X)
    assert all(type(v) is float and 0.0 <= v <= 1.0 for row in X for v in row)
    assert max(v for row in X for v in row) == 1.0  # scaled by the largest pixel value, 16
    assert all(type(t) is int for t in y) and Counter(y).keys() == set(range(10))


def test_load_digits_pixels_are_scikit_learns_divided_by_16():
    require_sklearn()
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    X, y = load_digits()
    assert X[5] == [v / 16 for v in bunch.data[5].tolist()] and y == bunch.target.tolist()


def test_load_digits_without_sklearn_says_how_to_install_it(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # None in sys.modules: import fails
    with pytest.raises(ImportError, match=r"scikit-learn.*pip install 'glassgrad\[digits\]'"):
        load_digits()


def idx_images(images, rows=2, cols=3, magic=0x803, count=None):
    """An IDX file of unsigned-byte images (each a flat list of rows · cols ints) as bytes."""
    header = struct.pack(">IIII", magic, len(images) if count is None else count, rows, cols)
    return header + bytes(v for image in images for v in image)


def idx_labels(labels, magic=0x801, count=None):
    """An IDX file of unsigned-byte labels as bytes."""
    return struct.pack(">II", magic, len(labels) if count is None else count) + bytes(labels)


MNIST_IMAGES = [[0, 255, 51, 102, 0, 17], [255, 255, 0, 0, 1, 2], [3, 4, 5, 6, 7, 8]]
MNIST_LABELS = [7, 0, 9]


def write_pair(tmp_path, images=None, labels=None, zipped=False):
    """The two files in ``tmp_path`` (gzipped when ``zipped``), their paths."""
    paths = []
    for name, data in (("images", images or idx_images(MNIST_IMAGES)), ("labels", labels or idx_labels(MNIST_LABELS))):
        path = tmp_path / (f"{name}-idx.gz" if zipped else f"{name}-idx")
        path.write_bytes(gzip.compress(data) if zipped else data)
        paths.append(path)
    return paths


@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzipped"])
def test_load_mnist_reads_idx_rows_as_pixels_over_255_and_int_labels(tmp_path, zipped):
    X, y = load_mnist(*write_pair(tmp_path, zipped=zipped))
    assert [[v / 255 for v in image] for image in MNIST_IMAGES] == X and y == MNIST_LABELS
    assert all(type(v) is float for row in X for v in row) and all(type(t) is int for t in y)


def test_load_mnist_tells_gzip_by_its_bytes_not_the_name_and_takes_str_paths(tmp_path):
    images, labels = write_pair(tmp_path, zipped=True)
    plain_name = tmp_path / "images-idx3-ubyte"  # gzipped content without .gz
    images.rename(plain_name)
    assert load_mnist(str(plain_name), str(labels))[1] == MNIST_LABELS


@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzipped"])
def test_load_mnist_truncated_file_is_a_value_error_naming_it(tmp_path, zipped):
    data = idx_images(MNIST_IMAGES)
    images, labels = write_pair(tmp_path, images=data[:-4], zipped=zipped)
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(images)))} is truncated"):
        load_mnist(images, labels)
    images, labels = write_pair(tmp_path, images=data[:10], zipped=zipped)  # inside the header
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(images)))} is truncated: expected 12 bytes of header"):
        load_mnist(images, labels)


def test_load_mnist_longer_than_its_header_is_a_value_error(tmp_path):
    images, labels = write_pair(tmp_path, labels=idx_labels(MNIST_LABELS) + b"\x00")
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(labels)))} is longer than its header says"):
        load_mnist(images, labels)


def test_load_mnist_wrong_magic_number_is_a_value_error_naming_the_file(tmp_path):
    images, labels = write_pair(tmp_path, images=idx_images(MNIST_IMAGES, magic=0x801))
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(images)))} is not an IDX file of images: expected "
                                         r"the magic number 0x00000803, got 0x00000801"):
        load_mnist(images, labels)
    images, labels = write_pair(tmp_path)
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(labels)))} is not an IDX file of images"):
        load_mnist(labels, images)  # swapped


def test_load_mnist_count_mismatch_names_both_files(tmp_path):
    images, labels = write_pair(tmp_path, labels=idx_labels(MNIST_LABELS[:2]))
    with pytest.raises(ValueError, match=rf"got 3 images in {re.escape(repr(str(images)))} and 2 labels in "
                                         rf"{re.escape(repr(str(labels)))}"):
        load_mnist(images, labels)


@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzipped"])
def test_load_mnist_huge_header_count_is_refused_before_reading(tmp_path, monkeypatch, zipped):
    images, labels = write_pair(tmp_path, images=idx_images(MNIST_IMAGES, rows=28, cols=28, count=10**9), zipped=zipped)
    reads = []
    original = data_module._read_exactly

    def recording(stream, count, *args):
        reads.append(count)
        return original(stream, count, *args)

    monkeypatch.setattr(data_module, "_read_exactly", recording)
    with pytest.raises(ValueError, match=r"is truncated: its header claims 1000000000 × 28 × 28 = 784,000,000,000 "
                                         r"bytes of data, the file holds " + ("at most " if zipped else "")):
        load_mnist(images, labels)
    assert reads == [4, 12]  # the magic and the dimensions: nothing asked for the claimed data


def test_load_mnist_corrupt_gzip_is_a_value_error_naming_the_file(tmp_path):
    images, labels = write_pair(tmp_path, zipped=True)
    data = images.read_bytes()
    images.write_bytes(data[:12] + bytes(b ^ 0xFF for b in data[12:]))
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(images)))} is not a readable IDX file"):
        load_mnist(images, labels)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((3, "labels"), TypeError, r"load_mnist: expected a path \(str or Path\), got 3 \(int\)"),
        (("missing-images", "labels"), ValueError, r"load_mnist: no such file 'missing-images'"),
    ],
)
def test_load_mnist_bad_paths_are_clear_errors(args, error, match):
    with pytest.raises(error, match=match):
        load_mnist(*args)


def test_make_spiral_arms_follows_tf_playgrounds_formula():
    X, y = make_spiral_arms(200, classes=2, noise=0.0, seed=0)
    assert sorted(Counter(y).values()) == [100, 100]
    for (x1, x2), label in zip(X, y):
        r = math.hypot(x1, x2)
        assert r < 5.0
        if r > 0.5:  # the angle from the radius: t = 1.75·2π·r/5 + π·label, both arms half a turn apart
            t = 1.75 * 2 * math.pi * r / 5 + math.pi * label
            assert math.isclose(x1, r * math.sin(t), abs_tol=1e-9) and math.isclose(x2, r * math.cos(t), abs_tol=1e-9)
    X3, y3 = make_spiral_arms(90, classes=3, noise=0.5, seed=1)
    assert len(X3) == 90 and set(y3) == {0, 1, 2}
    assert make_spiral_arms(90, classes=3, noise=0.5, seed=1) == (X3, y3)  # seeded


def test_make_spiral_arms_checks_its_arguments():
    with pytest.raises(ValueError, match="classes"):
        make_spiral_arms(10, classes=1)
    with pytest.raises(ValueError, match="noise"):
        make_spiral_arms(10, noise=-1)
