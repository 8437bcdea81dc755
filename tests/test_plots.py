"""viz.plots: the decision-boundary and history plots, and saving."""

import random

import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet

from nn import MLP, History
from viz.plots import class_colors, plot_decision_boundary, plot_history, save_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

X = [[-1.0, -0.5], [-0.8, 0.7], [0.2, -0.3], [0.9, 0.4], [1.2, -1.1], [0.0, 1.5]]
Y = [0, 1, 0, 1, 1, 0]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _random_model(activation, nout, seed):
    """An MLP with random weights and random (non-zero) biases, so every activation sees both signs."""
    model = MLP(2, [5, 4, nout], activation=activation, seed=seed)
    rng = random.Random(seed)
    for layer in model.layers:
        for b in layer.b:
            b.data = rng.uniform(-1.0, 1.0)
    return model


def _scatter(ax):
    return next(c for c in ax.collections if isinstance(c, PathCollection) and not isinstance(c, ContourSet))


def _contours(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


# --- the decision boundary ---


def test_plot_decision_boundary_draws_regions_points_and_labels():
    model = _random_model("relu", 2, seed=1)
    fig = plot_decision_boundary(model, X, Y, resolution=20, title="moons")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert 1 <= len(_contours(ax)) <= 2  # one filled region per class the grid shows
    assert len(_scatter(ax).get_offsets()) == len(X)
    assert ax.get_title() == "moons"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x₁", "x₂")
    assert ax.get_aspect() == 1.0
    x_lo, x_hi = ax.get_xlim()
    y_lo, y_hi = ax.get_ylim()
    assert x_lo < min(p[0] for p in X) and x_hi > max(p[0] for p in X)
    assert y_lo < min(p[1] for p in X) and y_hi > max(p[1] for p in X)


def test_plot_decision_boundary_fills_each_class_where_the_model_predicts_it():
    model = MLP(2, [2], seed=0)  # one linear layer: logits (-x₁, x₁), so class 1 exactly where x₁ > 0
    (w0, w1), (v0, v1) = model.layers[0].W
    w0.data, w1.data, v0.data, v1.data = -1.0, 0.0, 1.0, 0.0
    resolution = 30
    fig = plot_decision_boundary(model, X, Y, resolution=resolution)
    ax = fig.axes[0]
    left, right = _contours(ax)  # class 0, then class 1
    step = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (resolution - 1)
    colors = class_colors(2)
    for regions, c in ((left, 0), (right, 1)):
        assert list(regions.levels) == [0.5, 1.5]
        assert tuple(regions.get_facecolor()[0][:3]) == to_rgba(colors[c])[:3]
    right_xs = [x for path in right.get_paths() for x, _ in path.vertices]
    left_xs = [x for path in left.get_paths() for x, _ in path.vertices]
    assert min(right_xs) >= -step and max(left_xs) <= step  # split along x₁ = 0, not x₂ = 0
    assert max(right_xs) == pytest.approx(ax.get_xlim()[1]) and min(left_xs) == pytest.approx(ax.get_xlim()[0])


def test_plot_decision_boundary_colours_points_by_label():
    model = _random_model("tanh", 3, seed=2)
    labels = [0, 1, 2, 2, 1, 0]
    fig = plot_decision_boundary(model, X, labels, resolution=10)
    colors = class_colors(3)
    faces = _scatter(fig.axes[0]).get_facecolors()
    assert [tuple(c) for c in faces] == [to_rgba(colors[t]) for t in labels]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["class 0", "class 1", "class 2"]


def test_plot_decision_boundary_default_title_reports_accuracy():
    model = _random_model("sigmoid", 1, seed=4)
    right = sum(model.predict(x) == t for x, t in zip(X, Y))
    fig = plot_decision_boundary(model, X, Y, resolution=10)
    assert f"{right / len(X):.1%}" in fig.axes[0].get_title()


def test_plot_decision_boundary_draws_into_a_given_ax():
    fig, (left, right) = plt.subplots(1, 2)
    model = _random_model("relu", 2, seed=5)
    assert plot_decision_boundary(model, X, Y, ax=right, resolution=10) is fig
    assert _contours(right) and not _contours(left)


def test_plot_decision_boundary_one_class_region_still_draws():
    model = MLP(2, [2, 2], seed=0)
    for p in model.parameters():
        p.data = 0.0
    model.layers[-1].b[1].data = 1.0  # class 1 everywhere
    fig = plot_decision_boundary(model, X, Y, resolution=10)
    assert len(_contours(fig.axes[0])) == 1


@pytest.mark.parametrize(
    ("X_", "y_", "error", "match"),
    [
        ([], [], ValueError, "empty"),
        (X, Y[:-1], ValueError, "same length"),
        ([[0.0, 1.0, 2.0]], [0], ValueError, "2 numbers"),
        ([[0.0, float("nan")]], [0], ValueError, "finite"),
        ([[0.0, "a"]], [0], TypeError, "real number"),
        ("points", [0], TypeError, "expected a list of points"),
        (X, "011010", TypeError, "list of int class labels"),
        ([0.5], [0], TypeError, r"\[x1, x2\]"),
        ([[0.0, 1.0]], [0.5], TypeError, "int class labels"),
        ([[0.0, 1.0]], [-1], ValueError, "not negative"),
    ],
)
def test_plot_decision_boundary_rejects_bad_data(X_, y_, error, match):
    with pytest.raises(error, match=match):
        plot_decision_boundary(MLP(2, [2]), X_, y_)


def test_plot_decision_boundary_rejects_bad_model_and_options():
    with pytest.raises(TypeError, match="nn.MLP"):
        plot_decision_boundary("model", X, Y)
    with pytest.raises(ValueError, match="2 inputs"):
        plot_decision_boundary(MLP(3, [2]), X, Y)
    with pytest.raises(ValueError, match=">= 2"):
        plot_decision_boundary(MLP(2, [2]), X, Y, resolution=1)
    with pytest.raises(TypeError, match="int >= 2"):
        plot_decision_boundary(MLP(2, [2]), X, Y, resolution=10.0)
    with pytest.raises(TypeError, match="Axes"):
        plot_decision_boundary(MLP(2, [2]), X, Y, ax="ax")


# --- the history ---


def _line_data(ax):
    (line,) = ax.get_lines()
    return list(line.get_xdata()), list(line.get_ydata())


def test_plot_history_from_history_has_loss_and_accuracy_panels():
    history = History(loss=[0.9, 0.5, 0.2], accuracy=[0.5, 0.75, 1.0])
    fig = plot_history(history)
    loss_ax, acc_ax = fig.axes
    assert _line_data(loss_ax) == ([1, 2, 3], [0.9, 0.5, 0.2])
    assert _line_data(acc_ax) == ([1, 2, 3], [0.5, 0.75, 1.0])
    assert (loss_ax.get_ylabel(), acc_ax.get_ylabel()) == ("loss", "accuracy")
    assert loss_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"
    assert "loss" in loss_ax.get_title() and "accuracy" in acc_ax.get_title()


def test_plot_history_from_a_history_json_dict():
    record = {"config": {}, "epoch": [1, 2], "loss": [1.5, 1.0], "accuracy": [0.25, 0.5], "final_accuracy": 0.5}
    fig = plot_history(record)
    loss_ax, acc_ax = fig.axes
    assert _line_data(loss_ax)[1] == [1.5, 1.0] and _line_data(acc_ax)[1] == [0.25, 0.5]


def test_plot_history_into_a_given_ax_uses_a_twin_axis():
    fig, ax = plt.subplots()
    assert plot_history(History(loss=[2.0, 1.0], accuracy=[0.0, 1.0]), ax=ax) is fig
    assert len(fig.axes) == 2  # ax and its twin
    twin = next(a for a in fig.axes if a is not ax)
    assert _line_data(ax)[1] == [2.0, 1.0] and _line_data(twin)[1] == [0.0, 1.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "accuracy"]


def test_plot_history_with_no_epochs_says_so():
    fig = plot_history(History())
    assert "no epochs ran" in [t.get_text() for t in fig.axes[0].texts]


def test_plot_history_without_accuracy_still_plots_the_loss():
    fig = plot_history({"loss": [1.0, 0.5]})
    assert _line_data(fig.axes[0])[1] == [1.0, 0.5]
    assert not fig.axes[1].get_lines()


@pytest.mark.parametrize(
    ("history", "error", "match"),
    [
        ({"accuracy": [0.5]}, ValueError, "'loss' list"),
        ({"loss": "0.5"}, TypeError, "list of numbers"),
        ({"loss": [0.5, "x"]}, TypeError, "real number"),
        ({"loss": [0.5, 0.4], "accuracy": [1.0]}, ValueError, "one accuracy per epoch"),
        ([0.5, 0.4], TypeError, "nn.History or a dict"),
    ],
)
def test_plot_history_rejects_bad_history(history, error, match):
    with pytest.raises(error, match=match):
        plot_history(history)


# --- saving ---


def test_class_colors_are_distinct_for_many_classes():
    for k in (2, 10, 12):
        colors = [to_rgba(c) for c in class_colors(k)]
        assert len(colors) == len(set(colors)) == k


def test_save_figure_writes_a_png_and_closes_the_figure(tmp_path):
    fig = plot_decision_boundary(_random_model("relu", 2, seed=6), X, Y, resolution=20)
    number = fig.number
    path = save_figure(fig, tmp_path / "boundary.png")
    assert path == tmp_path / "boundary.png"
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert 5_000 < len(data) < 2_000_000
    assert not plt.fignum_exists(number)
    assert [p.name for p in tmp_path.iterdir()] == ["boundary.png"]  # no temporary file left behind


def test_save_figure_writes_svg_by_suffix(tmp_path):
    path = save_figure(plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0])), tmp_path / "history.SVG")
    text = path.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_save_figure_rejects_bad_suffix_figure_and_folder(tmp_path):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        save_figure(plot_history({"loss": [1.0]}), tmp_path / "history.jpg")
    with pytest.raises(TypeError, match="Figure"):
        save_figure("figure", tmp_path / "x.png")
    with pytest.raises(ValueError, match="does not exist"):
        save_figure(plot_history({"loss": [1.0]}), tmp_path / "missing" / "x.png")
    assert plt.get_fignums() == []  # closed even when saving failed
