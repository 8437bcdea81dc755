"""glassgrad's pictures: the forward and backward graph, the backward pass step by step, the network, the plots
of a training run, and the pictures of a digits model. Static pictures only: the live app is the package
``playground``, which draws with these."""

from viz.diagram import Diagram, Row, side_by_side
from viz.digits import plot_digit, plot_digit_predictions, plot_forward_pass, plot_weight_images
from viz.graph import draw_graph
from viz.network import draw_network
from viz.plots import plot_decision_boundary, plot_history
from viz.steps import BackwardSteps, step_backward

__all__ = [
    "BackwardSteps",
    "Diagram",
    "Row",
    "draw_graph",
    "draw_network",
    "plot_decision_boundary",
    "plot_digit",
    "plot_digit_predictions",
    "plot_forward_pass",
    "plot_history",
    "plot_weight_images",
    "side_by_side",
    "step_backward",
]
