"""glassgrad's pictures: the forward and backward graph, the backward pass step by step, the network."""

from viz.diagram import Diagram
from viz.graph import draw_graph
from viz.steps import BackwardSteps, step_backward

__all__ = ["BackwardSteps", "Diagram", "draw_graph", "step_backward"]
