"""``step_backward``: the backward pass as a list of steps, and a player that shows them one by one.

Each step processes one op node, from the root back to the inputs: its upstream gradient ∂root/∂node
(complete by then, since every node that uses it came before), and for each parent the op table's
local derivative and the contribution ``local · upstream`` added to the parent's gradient. Each step
has a frame: the graph with that node highlighted and the gradients known so far filled in.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine import Value, topological_order
from nn.files import write_text_atomic
from viz.diagram import Diagram
from viz.graph import SHOWS, fmt, graph_source
from viz.walk import EdgeView, GraphView, NodeView, op_label, walk

#: More steps than this is a graph too big to step through; a ValueError says so.
MAX_STEPS = 300


@dataclass(frozen=True)
class Contribution:
    """What one step adds to one parent: ``local · upstream``, and the parent's gradient after it."""

    parent: Value
    input_name: str
    formula: str
    local: float
    added: float
    total_after: float


@dataclass(frozen=True)
class Step:
    """One op node processed by the backward pass."""

    index: int
    node: Value
    upstream: float
    contributions: tuple[Contribution, ...]

    def describe(self) -> str:
        """The step in one line of words and numbers."""
        name = _name(self.node)
        parts = [
            f"{_name(c.parent)}: {c.formula} = {fmt(c.local)} × {fmt(self.upstream)} "
            f"= {fmt(c.added)} (now {fmt(c.total_after)})"
            for c in self.contributions
        ]
        head = f"step {self.index + 1}: {name} ({self.node.op}), ∂root/∂node = {fmt(self.upstream)}; "
        return head + "; ".join(parts)


class BackwardSteps:
    """The steps of a backward pass (``len``, indexing, iteration), their frames and an HTML player.

    In Jupyter it shows a slider with previous/next buttons; ``.save("steps.html")`` writes a page with
    the same player (plain JavaScript, inline SVG, nothing fetched from the network).
    """

    def __init__(self, root: Value, view: GraphView, steps: list[Step], known: list[dict[Value, float]],
                 show: str, rankdir: str, renderer: str) -> None:
        self.root = root
        self.view = view
        self.steps = steps
        self._known = known  # after each step: the gradients known so far
        self.show, self.rankdir, self.renderer = show, rankdir, renderer

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    @property
    def gradients(self) -> dict[Value, float]:
        """Every node's gradient after the last step: what ``backward()`` gives."""
        return dict(self._known[-1]) if self._known else {self.root: 1.0}

    def frame(self, i: int) -> Diagram:
        """Step ``i`` as a diagram: its node highlighted, the gradients known after it filled in."""
        if not -len(self.steps) <= i < len(self.steps):
            raise IndexError(f"frame: expected a step index in 0..{len(self.steps) - 1}, got {i}")
        known = self._known[i]
        node = self.steps[i].node
        processed = {s.node for s in self.steps[: i + 1]}
        source = graph_source(self.view, self.show, self.rankdir, {node}, known.get, processed)
        return Diagram(source, self.renderer)

    def html(self) -> str:
        """The player as an HTML fragment: every frame as inline SVG, a slider, previous/next buttons."""
        frames = [self.frame(i).svg() for i in range(len(self.steps))]
        captions = [s.describe() for s in self.steps]
        ids = [self.view.node(s.node).id for s in self.steps]
        key = hashlib.sha1("".join(frames).encode("utf-8")).hexdigest()[:10]
        return _PLAYER.format(
            key=key,
            last=len(frames) - 1,
            count=len(frames),
            first_caption=html.escape(captions[0]) if captions else "",
            frames="".join(
                f'<div class="gg-frame" data-step="{i}" data-node="{ids[i]}"'
                f'{"" if i == 0 else " hidden"}>{_strip_xml_header(svg)}</div>'
                for i, svg in enumerate(frames)
            ),
            captions=json.dumps(captions).replace("</", "<\\/"),  # a label cannot close the script
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a standalone HTML page with the player (works offline)."""
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"BackwardSteps.save: expected a path ending in .html, got {str(path)!r}")
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>glassgrad: the backward pass, step by step</title></head>\n"
            f"<body>{self.html()}</body></html>\n"
        )
        return write_text_atomic(target, page)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"<BackwardSteps: {len(self.steps)} steps>"


def _name(value: Value) -> str:
    """How a caption names a node: its label, else what made it."""
    if value.label:
        return value.label
    if value.parents:
        return f"the {op_label(value)} node"
    return f"the constant {fmt(value.data)}" if value.is_constant else "an input"


def _strip_xml_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def step_backward(
    root: Value, show: str = "both", rankdir: str = "LR", max_steps: int = MAX_STEPS, renderer: str = "auto"
) -> BackwardSteps:
    """The backward pass from ``root`` as steps, one per op node in backward order; touches no ``.grad``.

    The gradients are computed here by the same rule as ``backward()`` (the op table's partials, the
    chain rule along each edge), so the last step's gradients equal what ``root.backward()`` gives.
    """
    if show not in SHOWS:
        raise ValueError(f"step_backward(show=...): expected one of {', '.join(SHOWS)}, got {show!r}")
    if not isinstance(root, Value):
        raise TypeError(f"step_backward: expected a Value (the root of a graph), got {root!r}")
    order = topological_order(root)
    count = sum(1 for n in order if n.parents)
    if count > max_steps:
        raise ValueError(
            f"step_backward: the graph has {count} op nodes, more than max_steps={max_steps}; "
            f"step through a smaller graph (one neuron, one example) or raise max_steps"
        )
    view = walk(root, order=order)
    ops = [n for n in reversed(view.nodes) if n.value.parents]
    edges_into: dict[NodeView, list[EdgeView]] = {}
    for edge in view.edges:
        edges_into.setdefault(edge.child, []).append(edge)
    grads: dict[Value, float] = {root: 1.0}
    steps: list[Step] = []
    known: list[dict[Value, float]] = []
    for k, node in enumerate(ops):
        upstream = grads.get(node.value, 0.0)
        contributions = []
        for edge in sorted(edges_into[node], key=lambda e: e.index):
            added = edge.local * upstream
            parent = edge.parent.value
            grads[parent] = grads.get(parent, 0.0) + added
            contributions.append(Contribution(parent, edge.input_name, edge.formula, edge.local, added, grads[parent]))
        steps.append(Step(k, node.value, upstream, tuple(contributions)))
        known.append(dict(grads))
    return BackwardSteps(root, view, steps, known, show, rankdir, renderer)


_PLAYER = """<div class="gg-player" id="gg-{key}" style="font-family: Helvetica, Arial, sans-serif">
<div style="display: flex; gap: 0.5em; align-items: center; margin: 0.3em 0">
<button type="button" class="gg-prev">&#9664; previous</button>
<input type="range" class="gg-slider" min="0" max="{last}" value="0" step="1" style="flex: 1">
<button type="button" class="gg-next">next &#9654;</button>
<span class="gg-counter">step 1 / {count}</span>
</div>
<div class="gg-caption" style="font-size: 0.9em; margin: 0.3em 0">{first_caption}</div>
<style>#gg-{key} .gg-frame svg {{ max-width: 100%; height: auto; }}</style>
<div class="gg-frames" style="overflow: auto">{frames}</div>
<script>
(function () {{
  var root = document.getElementById("gg-{key}");
  var captions = {captions};
  var frames = root.querySelectorAll(".gg-frame");
  var slider = root.querySelector(".gg-slider");
  function show(i) {{
    i = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) {{ frames[k].hidden = (k !== i); }}
    slider.value = String(i);
    root.querySelector(".gg-counter").textContent = "step " + (i + 1) + " / " + frames.length;
    root.querySelector(".gg-caption").textContent = captions[i] || "";
  }}
  slider.addEventListener("input", function () {{ show(parseInt(slider.value, 10)); }});
  root.querySelector(".gg-prev").addEventListener("click", function () {{ show(parseInt(slider.value, 10) - 1); }});
  root.querySelector(".gg-next").addEventListener("click", function () {{ show(parseInt(slider.value, 10) + 1); }});
  show(0);
}})();
</script>
</div>
"""
