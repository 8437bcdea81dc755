"""Pictures of a network that reads 8×8 digits (``nn.data.load_digits``): what the first layer looks for,
which test digits it gets wrong, and one digit's forward pass.

A digit is a row of 64 pixels in [0, 1], read row by row from the top left (``x₁ … x₈`` the top row), drawn
dark on white. The plot functions follow ``viz.plots``: each returns a matplotlib Figure (``save_figure``
writes it), and every prediction is the model's own float forward pass, ``model.as_floats()``.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from engine.value import describe, to_float
from nn.network import MLP
from nn.notation import input_name
from viz.network import NEGATIVE, draw_network
from viz.plots import _check_ax, _new_figure, _root_figure
from viz.render import RENDERERS, render

#: A digit is SIDE × SIDE pixels, PIXELS numbers.
SIDE = 8
PIXELS = SIDE * SIDE

#: Mistakes are framed and labelled in the network diagrams' red (negative weights there).
MISTAKE = NEGATIVE

#: The weights' colours: red below zero, blue above, as the network diagram colours its edges.
WEIGHT_COLORMAP = "RdBu"

#: The narrowest grid of digits or weight images, in inches: room for its two lines of title.
MIN_WIDTH = 5.5

#: The resolution the forward-pass figure renders its network at (``save_figure`` writes 120 dpi).
DPI = 120


# --- argument checks ---


def _check_digits_model(model: object, what: str) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"{what}(model): expected an nn.MLP, got {describe(model)}")
    if model.nin != PIXELS:
        raise ValueError(f"{what}(model): expected a model with {PIXELS} inputs (an 8×8 digit), got {model.nin}")
    return model


def _check_pixels(x: object, what: str) -> list[float]:
    """``x`` as 64 finite floats, or a TypeError/ValueError saying what ``what`` expected."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{what}: expected a row of {PIXELS} pixel values (an 8×8 digit), got {describe(x)}")
    if len(x) != PIXELS:
        raise ValueError(f"{what}: expected {PIXELS} pixel values (an 8×8 digit), got {len(x)}")
    pixels = [to_float(v, f"{what}[{i}]") for i, v in enumerate(x)]
    for i, v in enumerate(pixels):
        if not math.isfinite(v):
            raise ValueError(f"{what}: expected finite pixel values, [{i}] is {v}")
    return pixels


def _check_count(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what}: expected an int >= 1, got {describe(n)}")
    if n < 1:
        raise ValueError(f"{what}: expected an int >= 1, got {n}")
    return n


def _check_digits(X: object, y: object, what: str) -> tuple[list[list[float]], list[int]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"{what}(X): expected a list of digits, rows of {PIXELS} pixel values, got {describe(X)}")
    if isinstance(y, (str, bytes)) or not isinstance(y, Sequence):
        raise TypeError(f"{what}(y): expected a list of int labels 0..9, got {describe(y)}")
    if len(X) == 0:
        raise ValueError(f"{what}(X): expected at least one digit, got an empty X")
    if len(X) != len(y):
        raise ValueError(f"{what}: X and y must have the same length, got {len(X)} digits and {len(y)} labels")
    rows = [_check_pixels(x, f"{what}(X[{i}])") for i, x in enumerate(X)]
    labels = []
    for i, t in enumerate(y):
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise TypeError(f"{what}(y): expected int labels 0..9, y[{i}] is {describe(t)}")
        if t < 0:
            raise ValueError(f"{what}(y): expected labels 0, 1, … (not negative), y[{i}] is {t}")
        labels.append(int(t))
    return rows, labels


def _grid(n: int, ncols: int, cell: float, extra: float) -> tuple[Figure, list[Axes]]:
    """A figure of ``n`` square axes, ``ncols`` a row, ``cell`` inches each, ``extra`` inches above for a title;
    at least MIN_WIDTH inches wide, so that the title fits over a few panels."""
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, _ = _new_figure(0, (max(ncols * cell, MIN_WIDTH), nrows * cell + extra))
    return fig, [fig.add_subplot(nrows, ncols, k + 1) for k in range(n)]


def _image(ax: Axes, pixels: Sequence[float]) -> None:
    """One digit in ``ax``: dark ink on white, 0 white and 1 black, no ticks."""
    ax.imshow(np.array(pixels, dtype=float).reshape(SIDE, SIDE), cmap="gray_r", vmin=0.0, vmax=1.0)
    ax.set_xticks([])
    ax.set_yticks([])


# --- the pictures ---


def plot_digit(x: Sequence[float], ax: Axes | None = None, title: str | None = None) -> Figure:
    """One digit (64 pixel values, row by row) as an 8×8 image, dark on white. Returns the Figure."""
    pixels = _check_pixels(x, "plot_digit(x)")
    axes = _check_ax(ax, "plot_digit")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"plot_digit(title): expected a str or None, got {describe(title)}")
    if axes is None:
        fig, (axes,) = _new_figure(1, (2.5, 2.5))
    else:
        fig = _root_figure(axes)
    _image(axes, pixels)
    if title is not None:
        axes.set_title(title)
    return fig


def plot_weight_images(model: MLP, ncols: int = 8) -> Figure:
    """What each neuron of the first layer looks for: its 64 incoming weights as an 8×8 image, one panel per
    neuron i titled ``neuron i`` (the image of ``wᵢⱼ¹`` over the pixels j), red below zero and blue above on one
    scale symmetric about 0."""
    what = "plot_weight_images"
    net = _check_digits_model(model, what)
    columns = _check_count(ncols, f"{what}(ncols)")
    layer = net.layers[0]
    weights = np.array([[w.data for w in row] for row in layer.W], dtype=float)
    finite = np.abs(weights[np.isfinite(weights)])
    largest = float(finite.max()) if finite.size and finite.max() > 0.0 else 1.0
    fig, panels = _grid(layer.nout, columns, 1.25, 1.1)
    image = None
    for j, ax in enumerate(panels):
        image = ax.imshow(weights[j].reshape(SIDE, SIDE), cmap=WEIGHT_COLORMAP, vmin=-largest, vmax=largest)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"neuron {j + 1}", fontsize=10, pad=3)
    kind = "output layer" if len(net.layers) == 1 else "hidden layer"
    fig.suptitle(f"what neuron i of layer 1 ({kind}) looks for: its {PIXELS} weights wᵢⱼ¹ as an 8×8 image\n"
                 f"(pixel j = 1 … {PIXELS} row by row; red w < 0, blue w > 0, white 0)", fontsize=11)
    fig.tight_layout()
    if image is not None:
        fig.colorbar(image, ax=panels, shrink=0.9, fraction=0.03, pad=0.02, panchor=False, label="weight w")
    return fig


def plot_digit_predictions(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    count: int = 60,
    ncols: int = 10,
    mistakes_only: bool = False,
    title: str | None = None,
) -> Figure:
    """The first ``count`` digits of ``X`` (or of its mistakes) with what ``model`` predicts: a right one is
    titled with its label, a mistake framed in red and titled ``true → predicted``. ``title`` (the first line
    of the figure's; by default how many of ``X`` are right) comes before a line saying how mistakes look."""
    what = "plot_digit_predictions"
    net = _check_digits_model(model, what)
    rows, labels = _check_digits(X, y, what)
    shown_max = _check_count(count, f"{what}(count)")
    columns = _check_count(ncols, f"{what}(ncols)")
    if not isinstance(mistakes_only, bool):
        raise TypeError(f"{what}(mistakes_only): expected True or False, got {describe(mistakes_only)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"{what}(title): expected a str or None, got {describe(title)}")
    predict = net.as_floats().predict  # the model's float forward pass, the weights read once
    predicted = [predict(x) for x in rows]
    wrong = [k for k, (p, t) in enumerate(zip(predicted, labels)) if p != t]
    chosen = (wrong if mistakes_only else list(range(len(rows))))[:shown_max]
    right = len(rows) - len(wrong)
    shown = "mistakes" if mistakes_only else "digits"
    if title is None:
        first = "all" if len(chosen) == (len(wrong) if mistakes_only else len(rows)) else "the first"
        title = f"{right} of {len(rows)} right ({right / len(rows):.1%})"
        title += f"; {first} {len(chosen)} {shown}" if chosen else ""
    title += "\na mistake is framed in red and titled true → predicted"
    if not chosen:
        fig, (ax,) = _new_figure(1, (5.0, 2.0))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center", fontsize=14, transform=ax.transAxes)
        fig.suptitle(title, fontsize=11)
        return fig
    fig, panels = _grid(len(chosen), columns, 1.0, 0.9)
    for ax, k in zip(panels, chosen):
        _image(ax, rows[k])
        if predicted[k] == labels[k]:
            ax.set_title(str(predicted[k]), fontsize=11, pad=3)
            continue
        ax.set_title(f"{labels[k]} → {predicted[k]}", fontsize=11, pad=3, color=MISTAKE, fontweight="bold")
        for spine in ax.spines.values():
            spine.set_color(MISTAKE)
            spine.set_linewidth(3.0)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_forward_pass(model: MLP, x: Sequence[float], label: int | None = None, renderer: str = "auto") -> Figure:
    """One digit beside its forward pass through ``model``: the 8×8 image, then ``draw_network(model, x)``
    (each neuron's z and a; layers wider than 32 units elided) rendered as a picture. Returns the Figure."""
    what = "plot_forward_pass"
    net = _check_digits_model(model, what)
    pixels = _check_pixels(x, f"{what}(x)")
    if label is not None and (isinstance(label, bool) or not isinstance(label, int)):
        raise TypeError(f"{what}(label): expected an int label or None, got {describe(label)}")
    if renderer not in RENDERERS:
        raise ValueError(f"{what}(renderer): expected one of {', '.join(RENDERERS)}, got {renderer!r}")
    floats = net.as_floats()
    predicted = floats.predict(pixels)
    proba = floats.predict_proba(pixels)  # one output: [p(class 1)]
    p = proba[predicted] if len(proba) > 1 else proba[0] if predicted else 1.0 - proba[0]
    diagram = draw_network(net, pixels, renderer=renderer)
    import matplotlib.image

    picture = matplotlib.image.imread(io.BytesIO(render(diagram.source, "png", renderer, dpi=DPI)), format="png")
    height, width = picture.shape[:2]
    side = 2.6 * DPI  # the digit's panel, in pixels at DPI
    fig, _ = _new_figure(0, ((side + width) / DPI, max(height, 1.6 * side) / DPI))
    total_w, total_h = side + width, max(height, 1.6 * side)
    digit_ax = fig.add_axes((0.1 * side / total_w, 0.5 - 0.4 * side / total_h, 0.8 * side / total_w,
                             0.8 * side / total_h))
    _image(digit_ax, pixels)
    digit_ax.set_xlabel(f"pixels {input_name(1)} … {input_name(PIXELS)},\nrow by row from the top left", fontsize=9)
    told = "" if label is None else f"label {label}, "
    digit_ax.set_title(f"{told}predicted {predicted}\n(p = {p:.3f})", fontsize=11,
                       color=MISTAKE if label is not None and label != predicted else "black")
    net_ax = fig.add_axes((side / total_w, (total_h - height) / 2 / total_h, width / total_w, height / total_h))
    net_ax.imshow(picture)
    net_ax.set_axis_off()
    return fig
