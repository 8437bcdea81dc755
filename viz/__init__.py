"""glassgrad's pictures: the forward and backward graph, the backward pass step by step, the network, the plots
of a training run, and the pictures of a digits model; ``Playground``, the playground as a Jupyter widget (imported
when first used: it needs anywidget, ``pip install 'glassgrad[widget]'``)."""

from typing import TYPE_CHECKING, Any

from viz.diagram import Diagram
from viz.digits import plot_digit, plot_digit_predictions, plot_forward_pass, plot_weight_images
from viz.graph import draw_graph
from viz.network import draw_network
from viz.plots import plot_decision_boundary, plot_history
from viz.steps import BackwardSteps, step_backward

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ below imports it on first use
    from viz.widget import Playground as Playground

__all__ = [
    "BackwardSteps",
    "Diagram",
    "draw_graph",
    "draw_network",
    "plot_decision_boundary",
    "plot_digit",
    "plot_digit_predictions",
    "plot_forward_pass",
    "plot_history",
    "plot_weight_images",
    "step_backward",
]


def __getattr__(name: str) -> Any:
    """``viz.Playground``, imported on first use, so that ``import viz`` does not need anywidget."""
    if name == "Playground":
        from viz.widget import Playground

        return Playground
    raise AttributeError(f"module 'viz' has no attribute {name!r}")
