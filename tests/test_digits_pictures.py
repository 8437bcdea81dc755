"""viz.digits: the first layer's weights as 8×8 images, test digits with their predictions, one digit's forward
pass; and the two pictures ``glassgrad train --dataset digits`` writes."""

import importlib.util
import json
import random

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import require

from glassgrad.cli import main
from glassgrad.train import TrainConfig, run, split
from nn import MLP
from viz import plot_digit, plot_digit_predictions, plot_forward_pass, plot_weight_images
from viz.digits import MISTAKE, WEIGHT_COLORMAP
from viz.plots import save_figure

pytestmark = pytest.mark.slow  # the digits: trains on 64 inputs and draws figures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _digits(n, seed):
    """``n`` random 'digits' (64 pixels in [0, 1]) and labels 0..9: no scikit-learn needed."""
    rng = random.Random(seed)
    return [[rng.random() for _ in range(64)] for _ in range(n)], [rng.randrange(10) for _ in range(n)]


def _is_framed_red(ax):
    return all(s.get_linewidth() == 3.0 and s.get_edgecolor() == plt.matplotlib.colors.to_rgba(MISTAKE)
               for s in ax.spines.values())


# --- the test digits with their predictions ---


def test_plot_digit_predictions_marks_exactly_the_mistakes_of_the_float_predictions():
    model = MLP(64, [6, 10], seed=3)
    X, y = _digits(30, seed=1)
    predicted = [model.as_floats().predict(x) for x in X]
    assert predicted == [model.predict(x) for x in X]  # the graph path agrees
    wrong = [k for k in range(30) if predicted[k] != y[k]]
    assert 0 < len(wrong) < 30  # random labels: some right, some wrong
    fig = plot_digit_predictions(model, X, y, ncols=6)
    assert len(fig.axes) == 30
    for k, ax in enumerate(fig.axes):
        if k in wrong:
            assert ax.get_title() == f"{y[k]} → {predicted[k]}" and _is_framed_red(ax)
            assert ax.title.get_color() == MISTAKE
        else:
            assert ax.get_title() == str(y[k]) and not any(s.get_linewidth() == 3.0 for s in ax.spines.values())
    right = 30 - len(wrong)
    assert fig._suptitle.get_text().startswith(f"{right} of 30 right ({right / 30:.1%}); all 30 digits\n")


def test_plot_digit_predictions_shows_each_digits_pixels_row_by_row():
    model = MLP(64, [3, 10], seed=0)
    X, y = _digits(4, seed=2)
    fig = plot_digit_predictions(model, X, y)
    for x, ax in zip(X, fig.axes):
        image = ax.get_images()[0]
        assert np.array_equal(image.get_array(), np.array(x).reshape(8, 8))
        assert image.get_clim() == (0.0, 1.0) and image.get_cmap().name == "gray_r"


def test_plot_digit_predictions_mistakes_only_shows_the_first_count_mistakes_in_order():
    model = MLP(64, [6, 10], seed=3)
    X, y = _digits(30, seed=1)
    wrong = [k for k, x in enumerate(X) if model.predict(x) != y[k]]
    fig = plot_digit_predictions(model, X, y, count=3, mistakes_only=True, title="the mistakes")
    assert len(fig.axes) == 3 and all(_is_framed_red(ax) for ax in fig.axes)
    for k, ax in zip(wrong, fig.axes):
        assert np.array_equal(ax.get_images()[0].get_array(), np.array(X[k]).reshape(8, 8))
    assert fig._suptitle.get_text() == "the mistakes\na mistake is framed in red and titled true → predicted"


def test_plot_digit_predictions_without_mistakes_says_so():
    model = MLP(64, [3, 10], seed=0)
    X, _ = _digits(5, seed=4)
    y = [model.predict(x) for x in X]
    fig = plot_digit_predictions(model, X, y, mistakes_only=True)
    assert [t.get_text() for t in fig.axes[0].texts] == ["no mistakes"]
    assert fig._suptitle.get_text().startswith("5 of 5 right (100.0%)")


# --- the first layer's weights ---


def test_plot_weight_images_shows_each_neurons_weights_on_one_symmetric_scale():
    model = MLP(64, [5, 7, 10], seed=2)
    fig = plot_weight_images(model, ncols=3)
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in panels] == ["neuron 1", "neuron 2", "neuron 3", "neuron 4", "neuron 5"]
    largest = max(abs(w.data) for n in model.layers[0].neurons for w in n.w)
    for j, ax in enumerate(panels):
        image = ax.get_images()[0]
        data = image.get_array()
        assert data.shape == (8, 8)
        for i, w in enumerate(model.layers[0].neurons[j].w):
            assert data[i // 8, i % 8] == w.data  # pixel (row, column) = weight of input 8·row + column
        assert image.get_clim() == (-largest, largest) and image.get_cmap().name == WEIGHT_COLORMAP
    assert len(fig.axes) == 6  # and one colorbar
    assert "what neuron i of layer 1 (hidden layer)" in fig._suptitle.get_text() and "wᵢⱼ¹" in fig._suptitle.get_text()


def test_plot_weight_images_zero_weights_sit_at_the_middle_of_the_colormap():
    model = MLP(64, [2, 10], seed=0)
    for w in model.layers[0].neurons[0].w:
        w.data = 0.0
    fig = plot_weight_images(model)
    image = fig.axes[0].get_images()[0]
    assert image.norm(0.0) == 0.5
    assert -image.get_clim()[0] == image.get_clim()[1] > 0.0
    for w in model.layers[0].neurons[1].w:
        w.data = 0.0
    image = plot_weight_images(model).axes[0].get_images()[0]
    assert image.get_clim() == (-1.0, 1.0)  # all zero: white, on a scale that still has a width


# --- one digit, and its forward pass ---


def test_plot_digit_shows_the_pixels_row_by_row():
    x = [i / 63 for i in range(64)]
    fig = plot_digit(x, title="a ramp")
    data = fig.axes[0].get_images()[0].get_array()
    assert data[0, 7] == x[7] and data[1, 0] == x[8] and data[7, 7] == x[63]
    assert fig.axes[0].get_title() == "a ramp"


def test_plot_forward_pass_shows_the_digit_beside_the_network_and_the_float_prediction():
    model = MLP(64, [4, 10], seed=1)
    X, _ = _digits(1, seed=5)
    predicted = model.as_floats().predict(X[0])
    wrong = (predicted + 1) % 10
    fig = plot_forward_pass(model, X[0], label=wrong)
    digit, network = fig.axes
    assert np.array_equal(digit.get_images()[0].get_array(), np.array(X[0]).reshape(8, 8))
    assert digit.get_title().startswith(f"label {wrong}, predicted {predicted}\n(p = ")
    assert digit.title.get_color() == MISTAKE
    assert digit.get_xlabel().startswith("pixels x₁ … x₆₄,")  # the inputs, counted from 1 as the network counts them
    picture = network.get_images()[0].get_array()
    assert picture.ndim == 3 and picture.shape[0] > 500  # the rendered draw_network, tall with its 4 + 10 neurons


# --- bad input ---

GOOD_X, GOOD_Y = _digits(2, seed=0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: plot_weight_images("model"), TypeError, r"plot_weight_images\(model\): expected an nn.MLP"),
        (lambda m: plot_weight_images(MLP(2, [3, 2])), ValueError, "expected a model with 64 inputs .* got 2"),
        (lambda m: plot_weight_images(m, ncols=0), ValueError, r"\(ncols\): expected an int >= 1, got 0"),
        (lambda m: plot_weight_images(m, ncols="4"), TypeError, r"\(ncols\): expected an int >= 1"),
        (lambda m: plot_digit_predictions(m, [[0.5] * 63], [1]), ValueError,
         r"\(X\[0\]\): expected 64 pixel values \(an 8×8 digit\), got 63"),
        (lambda m: plot_digit_predictions(m, [[0.5] * 63 + ["a"]], [1]), TypeError,
         r"\(X\[0\]\)\[63\]: expected a real number"),
        (lambda m: plot_digit_predictions(m, [[0.5] * 63 + [float("nan")]], [1]), ValueError,
         r"expected finite pixel values, \[63\] is nan"),
        (lambda m: plot_digit_predictions(m, "digits", [1]), TypeError, r"\(X\): expected a list of digits"),
        (lambda m: plot_digit_predictions(m, [], []), ValueError, "expected at least one digit"),
        (lambda m: plot_digit_predictions(m, GOOD_X, [1]), ValueError, "got 2 digits and 1 labels"),
        (lambda m: plot_digit_predictions(m, GOOD_X, [1, True]), TypeError, r"y\[1\] is True"),
        (lambda m: plot_digit_predictions(m, GOOD_X, [1, -1]), ValueError, r"not negative\), y\[1\] is -1"),
        (lambda m: plot_digit_predictions(m, GOOD_X, GOOD_Y, count=0), ValueError, r"\(count\): expected an int >= 1"),
        (lambda m: plot_digit_predictions(m, GOOD_X, GOOD_Y, mistakes_only=1), TypeError, "expected True or False"),
        (lambda m: plot_digit_predictions(m, GOOD_X, GOOD_Y, title=3), TypeError, r"\(title\): expected a str"),
        (lambda m: plot_digit([0.0] * 65), ValueError, r"plot_digit\(x\): expected 64 pixel values"),
        (lambda m: plot_digit(np.zeros((8, 8))), TypeError, r"plot_digit\(x\): expected a row of 64 pixel values"),
        (lambda m: plot_forward_pass(m, GOOD_X[0], label="3"), TypeError, r"\(label\): expected an int label"),
        (lambda m: plot_forward_pass(m, GOOD_X[0], renderer="svg"), ValueError, r"\(renderer\): expected one of"),
    ],
)
def test_digits_pictures_bad_input_raise_saying_what_was_expected(call, error, message):
    with pytest.raises(error, match=message):
        call(MLP(64, [3, 10], seed=0))


# --- glassgrad train --dataset digits ---


def _require_sklearn():
    require(importlib.util.find_spec("sklearn"), "scikit-learn", "pip install 'glassgrad[digits]'")


def test_cli_train_digits_writes_weight_images_and_test_digits(tmp_path, capsys):
    _require_sklearn()
    code = main(["train", "--dataset", "digits", "--samples", "60", "--hidden", "3", "--epochs", "1",
                 "--no-progress", "--out", str(tmp_path)])
    assert code in (0, 1)  # one epoch: the loss has no second epoch to get worse in
    printed = capsys.readouterr().out
    for name in ("weights.png", "digits.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, name
        assert str(tmp_path / name) in printed


def test_cli_train_digits_grid_is_the_test_set_with_the_saved_models_mistakes(tmp_path, monkeypatch):
    _require_sklearn()
    import viz.plots

    drawn = {}
    monkeypatch.setattr(viz.plots, "save_figure", lambda fig, path: drawn.setdefault(path.name, fig) and path)
    result = run(TrainConfig(dataset="digits", samples=60, hidden=[3], epochs=1, out=str(tmp_path)), progress=False)
    assert {"weights.png", "digits.png"} <= set(drawn)
    assert result.files["weights_png"].name == "weights.png" and result.files["digits_png"].name == "digits.png"
    from glassgrad.train import digits

    _, (X_test, y_test) = split(*digits(60, seed=0), 0.2, 0)
    model = MLP.load(tmp_path / "model.json")
    grid = drawn["digits.png"]
    assert len(grid.axes) == len(X_test) == 12
    for x, t, ax in zip(X_test, y_test, grid.axes):
        assert np.array_equal(ax.get_images()[0].get_array(), np.array(x).reshape(8, 8))
        p = model.predict(x)
        assert ax.get_title() == (str(t) if p == t else f"{t} → {p}")
    right = round(result.test_accuracy * 12)
    title = grid._suptitle.get_text()
    assert title.startswith(f"{right} of the 12 test digits right ({right / 12:.1%}) after 1 epoch\n")
    weights = [ax for ax in drawn["weights.png"].axes if ax.get_images()]
    assert [ax.get_title() for ax in weights] == ["neuron 1", "neuron 2", "neuron 3"]


def test_cli_train_digits_without_a_test_set_shows_training_digits(tmp_path, monkeypatch):
    _require_sklearn()
    import viz.plots

    drawn = {}
    monkeypatch.setattr(viz.plots, "save_figure", lambda fig, path: drawn.setdefault(path.name, fig) and path)
    run(TrainConfig(dataset="digits", samples=70, hidden=[2], epochs=1, test_split=0.0, out=str(tmp_path)),
        progress=False)
    grid = drawn["digits.png"]
    assert len(grid.axes) == 60
    assert " of the 70 training digits right " in grid._suptitle.get_text()
    assert "; the first 60 of them" in grid._suptitle.get_text()


def test_cli_train_2d_data_writes_no_digit_pictures(tmp_path):
    result = run(TrainConfig(epochs=1, samples=20, hidden=[3], out=str(tmp_path)), progress=False)
    assert "weights_png" not in result.files and "digits_png" not in result.files
    assert not (tmp_path / "weights.png").exists() and not (tmp_path / "digits.png").exists()
    assert json.loads((tmp_path / "history.json").read_text())["config"]["dataset"] == "moons"


def test_save_figure_writes_the_digit_pictures_as_png(tmp_path):
    model = MLP(64, [2, 10], seed=0)
    X, y = _digits(3, seed=0)
    for name, fig in [("w.png", plot_weight_images(model)), ("d.png", plot_digit_predictions(model, X, y))]:
        assert save_figure(fig, tmp_path / name).read_bytes().startswith(PNG_MAGIC)
