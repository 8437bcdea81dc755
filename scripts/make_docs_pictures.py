"""Regenerate the pictures the README shows: a backward-pass diagram and a decision boundary (``make docs``)."""

from __future__ import annotations

from pathlib import Path

from engine import Value
from nn import MLP, fit
from nn.data import make_moons
from viz import draw_graph
from viz.plots import plot_decision_boundary, save_figure

DOCS = Path(__file__).resolve().parent.parent / "docs"


def backward_diagram() -> Path:
    """The lecture's neuron, a = tanh(x·w + b), after backward: every local derivative on its edge."""
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    z = x * w + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    a.backward()
    return draw_graph(a, show="both", renderer="bundled").save(DOCS / "backward.svg")


def decision_boundary() -> Path:
    """micrograd's demo, trained with glassgrad: moons, MLP(2, [16, 16, 1]), hinge loss, 100 SGD steps."""
    from nn.optim import SGD

    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    opt = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    fit(model, X, y, loss="hinge", optimizer=opt, epochs=100, l2=1e-4, progress=False)
    fig = plot_decision_boundary(model, X, y, title="micrograd's demo in glassgrad: moons, MLP(2, [16, 16, 1])")
    return save_figure(fig, DOCS / "decision_boundary.png")


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for path in (backward_diagram(), decision_boundary()):
        print(f"wrote docs/{path.name}")
