"""glassgrad's pictures: the forward and backward graph, the backward pass step by step, the network."""

from viz.diagram import Diagram
from viz.graph import draw_graph
from viz.network import draw_network
from viz.plots import plot_decision_boundary, plot_history
from viz.steps import BackwardSteps, step_backward

__all__ = [
    "BackwardSteps",
    "Diagram",
    "draw_graph",
    "draw_network",
    "plot_decision_boundary",
    "plot_history",
    "step_backward",
]
