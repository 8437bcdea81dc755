"""``step_backward``: the backward pass as a list of steps, and a player that shows them one by one.

Each step processes one op node, from the root back to the inputs: its upstream gradient ∂root/∂node
(complete by then, since every node that uses it came before), and for each parent the op table's
local derivative and the contribution ``local · upstream`` added to the parent's gradient.

The player lays the graph out once and shows every step on that one picture: only the highlighted node,
the gradients known so far and what each edge has passed change. It zooms and pans, and brings the step's
node into view. Without JavaScript (a saved page opened where scripts are off, a notebook not yet trusted,
a notebook viewer) it shows the finished backward pass as a still picture and every step as text.

In quiz mode (``step_backward(root, quiz=True)``) the player asks before it shows: at each step, for every
edge the step passes along, the local derivative and what it passes back; it checks each answer to three
significant figures, then reveals the step, and keeps a score.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import Value, topological_order
from nn.files import write_text_atomic
from viz.assets import static_text
from viz.diagram import Diagram
from viz.graph import SHOWS, edge_key, fitting, graph_source
from viz.walk import EdgeView, GraphView, fmt, forward_text, operand, program, walk

#: Numbers the players this process makes, so that each display gets its own element id (and a re-run of a
#: notebook the same ids: its files do not change when its numbers do not).
_DISPLAYS = itertools.count(1)

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
    """One op node processed by the backward pass. ``name`` is what the picture calls the node."""

    index: int
    node: Value
    upstream: float
    contributions: tuple[Contribution, ...]
    name: str = ""
    computes: str = ""
    root: str = "root"

    def describe(self) -> str:
        """The step in one line of words and numbers, in the names the picture prints on the nodes."""
        name = self.name or self.node.label or self.node.op
        node, root = operand(name), operand(self.root)  # in a derivative: ∂C/∂(w₁₂²a₂¹)
        parts = [
            f"{c.input_name} gets ∂{node}/∂{operand(c.input_name)} · ∂{root}/∂{node} = "
            f"{c.formula} × {fmt(self.upstream)} "
            f"= {fmt(c.local)} × {fmt(self.upstream)} = {fmt(c.added)} (now {fmt(c.total_after)})"
            for c in self.contributions
        ]
        computes = f" = {self.computes}" if self.computes else ""
        return f"step {self.index + 1}: {name}{computes}, ∂{root}/∂{node} = {fmt(self.upstream)}; " + "; ".join(parts)

    def question(self) -> str:
        """What the quiz asks at this step, before it shows the answers."""
        name = self.name or self.node.label or self.node.op
        computes = f" = {self.computes}" if self.computes else ""
        at = f"∂{operand(self.root)}/∂{operand(name)}"
        return (f"step {self.index + 1}: {name}{computes}, {at} = {fmt(self.upstream)}. "
                f"For each edge: its local derivative, and what it passes back (local × {fmt(self.upstream)})?")


class BackwardSteps:
    """The steps of a backward pass (``len``, indexing, iteration), their frames and an HTML player.

    In Jupyter it shows the player (a slider, previous/next, zoom); ``.save("steps.html")`` writes a page
    with the same player (plain JavaScript, nothing fetched from the network).
    """

    def __init__(self, root: Value, view: GraphView, steps: list[Step], known: list[dict[Value, float]],
                 show: str, rankdir: str, renderer: str, quiz: bool = False) -> None:
        self.root = root
        self.quiz = quiz
        self.view = view
        self.steps = steps
        self._known = known  # after each step: the gradients known so far
        self.show, self.rankdir, self.renderer = show, rankdir, renderer
        self._layout: Diagram | None = None
        self._direction = rankdir

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
        """Step ``i`` as a diagram of its own: its node highlighted, the gradients known after it filled in."""
        if not -len(self.steps) <= i < len(self.steps):
            raise IndexError(f"frame: expected a step index in 0..{len(self.steps) - 1}, got {i}")
        known = self._known[i]
        node = self.steps[i].node
        processed = {s.node for s in self.steps[: i + 1]}
        self.layout()
        rankdir = self._direction
        return Diagram(graph_source(self.view, self.show, rankdir, {node}, known.get, processed), self.renderer)

    def layout(self) -> Diagram:
        """The one picture every step is shown on: the finished backward pass (laid out once, then kept)."""
        if self._layout is None:
            final = self.gradients
            widest: dict[Value, int] = {}  # the longest grad text a node shows in any step, so every step fits
            for known in self._known:
                for value, grad in known.items():
                    widest[value] = max(widest.get(value, 0), len(fmt(grad)))

            def make(direction: str) -> Diagram:
                source = graph_source(self.view, self.show, direction, set(), final.get, widths=widest)
                return Diagram(source, self.renderer)

            if self.rankdir == "auto":
                self._layout, self._direction = fitting(make)
            else:
                self._layout, self._direction = make(self.rankdir), self.rankdir
        return self._layout

    def _states(self) -> list[dict[str, Any]]:
        """For each step, what changes on the picture: the node, the edges it passes along, the new texts."""
        keys = {edge: edge_key(self.view, k) for k, edge in enumerate(self.view.edges)}
        into: dict[Value, list[EdgeView]] = {}
        for edge in self.view.backward:  # in the walk's order: a node's edges by index, as its contributions
            into.setdefault(edge.child.value, []).append(edge)
        states = []
        for step in self.steps:
            node = self.view.node(step.node)
            grads = {self.view.node(c.parent).id: fmt(c.total_after) for c in step.contributions}
            passes = {keys[e]: fmt(c.added) for e, c in zip(into[step.node], step.contributions)}
            state: dict[str, Any] = {"node": node.id, "grads": grads, "passes": passes, "caption": step.describe()}
            if self.quiz:
                state["question"] = step.question()
                state["asks"] = [{"of": f"∂{operand(step.name)}/∂{operand(c.input_name)}", "local": _exact(c.local),
                                  "passed": _exact(c.added)} for c in step.contributions]
            states.append(state)
        return states

    def html(self) -> str:
        """The player as an HTML fragment. Each call gets its own element id, so several players of the same
        graph on one page (or in one notebook) work side by side."""
        layout = self.layout()
        key = f"{hashlib.sha1(layout.source.encode('utf-8')).hexdigest()[:8]}-{next(_DISPLAYS)}"
        root = self.view.root
        data = {
            "svg": _strip_xml_header(layout.svg()),
            "root": root.id,
            "steps": self._states(),
            "controls": _CONTROLS.format(last=max(len(self.steps) - 1, 0), count=len(self.steps))
            + (_QUIZ if self.quiz else ""),
            "quiz": self.quiz,
        }
        still = base64.b64encode(layout.preview_png()).decode("ascii")
        width, _ = layout.size()
        listing = "\n".join(program(self.view))
        return _PLAYER.format(
            key=key,
            title=html.escape(f"{root.name} = {forward_text(self.view, root)}" if root.value.parents else root.name),
            root=html.escape(root.name),
            count=len(self.steps),
            listing=html.escape(listing),
            lines=len(program(self.view)),
            still=still,
            still_width=round(width * layout.display_scale()),
            captions="".join(f"<li>{html.escape(s.describe())}</li>" for s in self.steps),
            data=json.dumps(data).replace("</", "<\\/"),  # a label cannot close the script
            css=static_text("viz", "steps.css"),
            js=static_text("viz", "steps.js"),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a standalone HTML page with the player (works offline)."""
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"BackwardSteps.save: expected a path ending in .html, got {str(path)!r}")
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>glassgrad: the backward pass of {html.escape(self.view.root.name)}, step by step</title></head>\n"
            f'<body style="margin: 1em">{self.html()}</body></html>\n'
        )
        return write_text_atomic(target, page)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"<BackwardSteps: {len(self.steps)} steps>"


def _exact(x: float) -> float | str:
    """A number for the quiz's JSON: the float itself, or ``"inf"``, ``"-inf"``, ``"nan"`` (JSON has none)."""
    return x if math.isfinite(x) else fmt(x)


def _strip_xml_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def step_backward(
    root: Value,
    show: str = "both",
    rankdir: str = "auto",
    max_steps: int = MAX_STEPS,
    renderer: str = "auto",
    quiz: bool = False,
) -> BackwardSteps:
    """The backward pass from ``root`` as steps, one per op node in backward order; touches no ``.grad``.

    ``quiz=True``: the player asks, at each step, for each edge's local derivative and what it passes back,
    checks the answers to three significant figures, then reveals the step; a score at the end.

    The gradients are computed here by the same rule as ``backward()`` (the op table's partials, the
    chain rule along each edge), so the last step's gradients equal what ``root.backward()`` gives.
    """
    if show not in SHOWS:
        raise ValueError(f"step_backward(show=...): expected one of {', '.join(SHOWS)}, got {show!r}")
    if rankdir not in ("auto", "LR", "TB", "RL", "BT"):
        raise ValueError(f"step_backward(rankdir=...): expected auto, LR, TB, RL or BT, got {rankdir!r}")
    if not isinstance(quiz, bool):
        raise TypeError(f"step_backward(quiz=...): expected True or False, got {quiz!r}")
    if not isinstance(root, Value):
        raise TypeError(f"step_backward: expected a Value (the root of a graph), got {root!r}")
    order = topological_order(root)
    count = sum(1 for n in order if n.parents)
    if count > max_steps:
        raise ValueError(
            f"step_backward: the graph has {count} op nodes, more than max_steps={max_steps}; "
            f"step through a smaller graph (one neuron, one example) or raise max_steps"
        )
    view = walk(root, order=order, seed=1.0)  # the engine's own backward walk, edge by edge
    known: list[dict[Value, float]] = []
    steps: list[Step] = []
    grads: dict[Value, float] = {root: 1.0}
    for node, edges in itertools.groupby(view.backward, key=lambda e: e.child):
        contributions = []
        for edge in edges:
            grads[edge.parent.value] = edge.total
            contributions.append(Contribution(edge.parent.value, edge.input_name, edge.formula, edge.local,
                                              edge.passed, edge.total))
        upstream = view.walked.get(node.value, 0.0)
        steps.append(Step(len(steps), node.value, upstream, tuple(contributions), node.name,
                          forward_text(view, node), view.root.name))
        known.append(dict(grads))
    return BackwardSteps(root, view, steps, known, show, rankdir, renderer, quiz)


#: The player's controls: put in by its script, so that where scripts do not run there are no dead buttons.
_CONTROLS = """<button type="button" class="gg-prev" title="previous step (←)">&#9664;</button>
<input type="range" class="gg-slider" min="0" max="{last}" value="0" step="1" aria-label="step">
<button type="button" class="gg-next" title="next step (→)">&#9654;</button>
<span class="gg-counter">step 1 / {count}</span>
<button type="button" class="gg-zoom-out" title="zoom out">&#8722;</button>
<button type="button" class="gg-zoom-in" title="zoom in">+</button>
<button type="button" class="gg-fit" title="fit the width">fit</button>"""

#: The quiz's form, under the controls: filled in by the script for each step.
_QUIZ = """<div class="gg-quiz"><div class="gg-asks"></div>
<button type="button" class="gg-check" title="check the answers (Enter)">check</button>
<span class="gg-score">score: 0 / 0</span></div>"""

_PLAYER = """<div class="gg-player" id="gg-{key}" tabindex="0" style="font-family: 'DejaVu Sans', sans-serif; \
font-size: 14px; line-height: 1.4; outline: none">
<style>{css}</style>
<div><b>The backward pass of {title}</b>, one step per op node ({count} steps), from {root} back to the inputs.</div>
<details><summary>What the graph computes ({lines} lines, in the names printed on the nodes)</summary>\
<pre style="margin: 0.3em 0">{listing}</pre></details>
<div style="margin: 0.3em 0">Each box shows a node's name, its <i>data</i> and its <i>grad</i> = ∂{root}/∂node: \
how much \
{root} changes per unit change of that node. A step takes one op node, whose grad is complete by then, and passes back \
along each of its edges the local derivative × its grad; a node's grad is the sum of what its edges pass it. \
<span style="background: #fee2e2">grad ?</span> = not known yet.</div>
<div class="gg-key" style="font-size: 12px; margin: 0.3em 0">Colours: \
<span style="background: #fde68a">parameter</span> <span style="background: #bfdbfe">input</span> \
<span style="background: #e5e7eb; border-style: dashed">constant</span> <span>computed node</span> \
<span style="background: #ede9fe; border-radius: 1em">op</span> \
<span style="border: 2px solid #dc2626">this step's node</span> \
<span style="color: #b91c1c; border-color: #dc2626">the edges it passes along</span></div>
<div class="gg-controls"></div>
<div class="gg-caption"></div>
<div class="gg-view"><img class="gg-still" alt="the finished backward pass of {root}" \
src="data:image/png;base64,{still}" width="{still_width}" style="max-width: none"></div>
<details class="gg-list"><summary>All {count} steps as text</summary><ol>{captions}</ol></details>
<script type="application/json" class="gg-data">{data}</script>
<script>{js}
ggStepPlayer("gg-{key}");</script>
</div>
"""
