"""Plots of a trained network: its decision regions over the data, and its loss and accuracy per epoch.

Built on matplotlib. Each plot function returns the Figure (draw into an ``ax`` of your own, or let it
make a new figure); ``save_figure`` writes it as PNG or SVG and closes it. Without a display (a server,
CI) the Agg backend is selected before the first figure, unless a backend was chosen or this is Jupyter.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from engine.value import describe, to_float
from nn.files import write_bytes_atomic
from nn.network import MLP
from nn.train import History

#: File suffix -> the format ``save_figure`` writes.
FORMATS = {".png": "png", ".svg": "svg"}


# --- argument checks ---


def _check_model(model: object, what: str) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"{what}(model): expected an nn.MLP, got {describe(model)}")
    if model.nin != 2:
        raise ValueError(f"{what}(model): expected a model with 2 inputs (a point in the plane), got {model.nin}")
    return model


def _check_points(X: object, y: object, what: str) -> tuple[list[tuple[float, float]], list[int]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"{what}(X): expected a list of points [x1, x2], got {describe(X)}")
    if isinstance(y, (str, bytes)) or not isinstance(y, Sequence):
        raise TypeError(f"{what}(y): expected a list of int class labels, got {describe(y)}")
    if len(X) == 0:
        raise ValueError(f"{what}(X): expected at least one point [x1, x2], got an empty X")
    if len(X) != len(y):
        raise ValueError(f"{what}: X and y must have the same length, got {len(X)} points and {len(y)} labels")
    points = []
    for i, p in enumerate(X):
        if isinstance(p, (str, bytes)) or not isinstance(p, Sequence):
            raise TypeError(f"{what}(X): expected each point to be a list [x1, x2], X[{i}] is {describe(p)}")
        if len(p) != 2:
            raise ValueError(f"{what}(X): expected each point to have 2 numbers [x1, x2], X[{i}] has {len(p)}")
        x1, x2 = to_float(p[0], f"{what}(X[{i}][0])"), to_float(p[1], f"{what}(X[{i}][1])")
        if not (math.isfinite(x1) and math.isfinite(x2)):
            raise ValueError(f"{what}(X): expected finite coordinates, X[{i}] is {[x1, x2]}")
        points.append((x1, x2))
    labels = []
    for i, t in enumerate(y):
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise TypeError(f"{what}(y): expected int class labels 0, 1, …, y[{i}] is {describe(t)}")
        if t < 0:
            raise ValueError(f"{what}(y): expected class labels 0, 1, … (not negative), y[{i}] is {t}")
        labels.append(int(t))
    return points, labels


def _check_ax(ax: object, what: str) -> Axes | None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"{what}(ax): expected a matplotlib Axes or None, got {describe(ax)}")
    return ax


def _root_figure(ax: Axes) -> Figure:
    fig = ax.figure
    return fig.figure if isinstance(fig, SubFigure) else fig  # a SubFigure's .figure is its top-level Figure


def _headless() -> bool:
    """True when plots can only go to files: no display, not in Jupyter, and no backend chosen by the user."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("MPLBACKEND"):
        return False
    if sys.platform in ("darwin", "win32") or "ipykernel" in sys.modules:  # a display without $DISPLAY; Jupyter
        return False
    chosen = getattr(matplotlib.rcParams, "_get_backend_or_none", None)  # None: the backend is still "auto"
    return chosen is None or chosen() is None


def _new_figure(ncols: int, figsize: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    """A pyplot figure (so ``plt.show()`` and Jupyter display it) with ``ncols`` axes side by side."""
    if "matplotlib.pyplot" not in sys.modules and _headless():
        matplotlib.use("Agg")  # before pyplot picks an interactive backend that has no display to open
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize)
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _close(fig: Figure) -> None:
    """Forget ``fig`` in pyplot (a figure made without pyplot has nothing to forget)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)


def class_colors(k: int) -> list[Any]:
    """``k`` distinct colours, one per class: matplotlib's tab10 up to 10 classes, else spread over turbo."""
    if k <= 10:
        return [tuple(c) for c in matplotlib.colormaps["tab10"](np.arange(k))]
    return [tuple(c) for c in matplotlib.colormaps["turbo"](np.linspace(0.05, 0.95, k))]


# --- the plots ---


def plot_decision_boundary(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    ax: Axes | None = None,
    resolution: int = 80,
    title: str | None = None,
) -> Figure:
    """The plane filled with the class ``model`` predicts there (a contour set per class), and ``X`` coloured by ``y``.

    The class at each of ``resolution × resolution`` grid points is exactly ``model.predict``'s. ``title``
    defaults to the training accuracy on ``(X, y)``. Returns the Figure (``ax``'s figure when given).
    """
    what = "plot_decision_boundary"
    net = _check_model(model, what)
    points, labels = _check_points(X, y, what)
    axes = _check_ax(ax, what)
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise TypeError(f"{what}(resolution): expected an int >= 2, got {describe(resolution)}")
    if resolution < 2:
        raise ValueError(f"{what}(resolution): expected an int >= 2 (grid points per side), got {resolution}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"{what}(title): expected a str or None, got {describe(title)}")

    classify = net.as_floats().predict  # the weights read once: model.predict's classes, fast over the grid

    # the grid: the points' bounding box plus a margin (10% of the larger side, at least 0.5)
    x1s, x2s = [p[0] for p in points], [p[1] for p in points]
    pad = max(0.1 * max(max(x1s) - min(x1s), max(x2s) - min(x2s)), 0.5)
    g1 = np.linspace(min(x1s) - pad, max(x1s) + pad, resolution)
    g2 = np.linspace(min(x2s) - pad, max(x2s) + pad, resolution)
    predicted = np.array([[classify((a, b)) for a in g1.tolist()] for b in g2.tolist()])

    k = max(2 if net.nouts[-1] == 1 else net.nouts[-1], max(labels) + 1)
    colors = class_colors(k)
    if axes is None:
        fig, (axes,) = _new_figure(1, (6.0, 5.0))
    else:
        fig = _root_figure(axes)
    # one filled region per class, from its 0/1 indicator: contouring the class numbers themselves would
    # paint a sliver of class 1 wherever the regions of classes 0 and 2 meet
    for c in sorted(set(predicted.ravel().tolist())):
        axes.contourf(g1, g2, (predicted == c).astype(float), levels=[0.5, 1.5], colors=[colors[c]], alpha=0.3)
    axes.scatter(x1s, x2s, c=[colors[t] for t in labels], edgecolors="black", linewidths=0.6, s=28, zorder=3)
    shown = sorted(set(labels))
    axes.legend(
        handles=[Line2D([], [], marker="o", linestyle="", markerfacecolor=colors[c], markeredgecolor="black",
                        label=f"class {c}") for c in shown],
        loc="best", fontsize="small", framealpha=0.8,
    )
    axes.set_xlim(float(g1[0]), float(g1[-1]))
    axes.set_ylim(float(g2[0]), float(g2[-1]))
    axes.set_aspect("equal")
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    if title is None:
        accuracy = sum(classify(p) == t for p, t in zip(points, labels)) / len(points)
        title = f"decision regions: {accuracy:.1%} of the points right"
    axes.set_title(title)
    return fig


#: The lists per epoch that ``plot_history`` draws (each optional but ``loss``), in the order of ``History``.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _history_lists(history: object) -> dict[str, list[float]]:
    what = "plot_history(history)"
    if isinstance(history, History):
        source: Mapping[str, Any] = {key: getattr(history, key) for key in HISTORY_KEYS}
    elif isinstance(history, Mapping):
        source = history
    else:
        raise TypeError(f"{what}: expected an nn.History or a dict with 'loss' and 'accuracy' lists, "
                        f"got {describe(history)}")
    if "loss" not in source:
        raise ValueError(f"{what}: expected a 'loss' list (one number per epoch), got keys {sorted(map(str, source))}")
    lists = {}
    for key in HISTORY_KEYS:
        values = source.get(key, [])
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"{what}: expected '{key}' to be a list of numbers, got {describe(values)}")
        lists[key] = [to_float(v, f"{what}['{key}'][{i}]") for i, v in enumerate(values)]
        if key != "loss" and lists[key] and len(lists[key]) != len(lists["loss"]):
            raise ValueError(f"{what}: expected one {key} per epoch, got {len(lists['loss'])} losses and "
                             f"{len(lists[key])} '{key}' values")
    return lists


def plot_history(history: History | Mapping[str, Any], ax: Axes | None = None) -> Figure:
    """Loss and accuracy per epoch, from an ``nn.History`` or a dict like ``history.json`` (``accuracy`` optional).

    The held-out data's ``val_loss`` and ``val_accuracy`` (``fit(validation=...)``), when there are some, are
    drawn beside the training curves, dashed, in the same colours. Without ``ax``: a new figure with two
    panels, loss left and accuracy right. With ``ax``: both in it, accuracy on a second y axis at the right.
    Returns the Figure.
    """
    lists = _history_lists(history)
    loss, accuracy, val_loss, val_accuracy = (lists[key] for key in HISTORY_KEYS)
    held_out = bool(val_loss or val_accuracy)
    axes = _check_ax(ax, "plot_history")
    if axes is None:
        fig, (loss_ax, acc_ax) = _new_figure(2, (10.0, 4.0))
    else:
        fig, loss_ax, acc_ax = _root_figure(axes), axes, axes.twinx()
    epochs = list(range(1, len(loss) + 1))
    loss_color, acc_color = "tab:blue", "tab:orange"
    loss_ax.plot(epochs, loss, color=loss_color, label="training loss" if held_out else "loss")
    if val_loss:
        loss_ax.plot(epochs, val_loss, color=loss_color, linestyle="--", label="held-out loss")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss")
    if accuracy:
        acc_ax.plot(epochs, accuracy, color=acc_color, label="training accuracy" if held_out else "accuracy")
    if val_accuracy:
        acc_ax.plot(epochs, val_accuracy, color=acc_color, linestyle="--", label="held-out accuracy")
    acc_ax.set_ylabel("accuracy")
    acc_ax.set_ylim(-0.02, 1.02)
    if axes is None:
        loss_ax.set_title("loss per epoch")
        acc_ax.set_title("accuracy per epoch" if held_out else "training accuracy per epoch")
        acc_ax.set_xlabel("epoch")
        for panel in (loss_ax, acc_ax):
            panel.grid(True, alpha=0.3)
            if held_out and panel.get_lines():
                panel.legend(loc="best", fontsize="small")
        if not accuracy and not val_accuracy:
            acc_ax.text(0.5, 0.5, "no accuracy recorded", ha="center", va="center", transform=acc_ax.transAxes)
        fig.tight_layout()
    else:
        loss_ax.set_title("loss and accuracy per epoch")
        loss_ax.yaxis.label.set_color(loss_color)
        acc_ax.yaxis.label.set_color(acc_color)
        lines = loss_ax.get_lines() + acc_ax.get_lines()
        loss_ax.legend(lines, [str(line.get_label()) for line in lines], loc="center right", fontsize="small")
    if not loss:
        loss_ax.text(0.5, 0.5, "no epochs ran", ha="center", va="center", transform=loss_ax.transAxes)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` to ``path`` atomically, as PNG or SVG by its suffix, and close the figure (even on failure)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"save_figure(fig): expected a matplotlib Figure, got {describe(fig)}")
    try:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"save_figure(path): expected a str or Path, got {describe(path)}")
        target = Path(path)
        fmt = FORMATS.get(target.suffix.lower())
        if fmt is None:
            raise ValueError(f"save_figure(path): expected a file name ending in {' or '.join(FORMATS)}, "
                             f"got {str(target)!r}")
        buffer = io.BytesIO()
        # no creation date in SVGs, so that the same figure gives the same bytes
        fig.savefig(buffer, format=fmt, dpi=120, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
        return write_bytes_atomic(target, buffer.getvalue())
    finally:
        _close(fig)
