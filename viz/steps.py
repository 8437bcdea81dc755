"""``step_backward``: the backward pass as a list of steps, and a player that shows them one by one.

Each step processes one op node, from the root back to the inputs: its upstream gradient ∂root/∂node
(complete by then, since every node that uses it came before), and for each parent the op table's
local derivative and the contribution ``local · upstream`` added to the parent's gradient.

The player lays the graph out once and shows every step on that one picture: only the highlighted node,
the gradients known so far and what each edge has passed change. It zooms and pans, and brings the step's
node into view. Without JavaScript (a saved page opened where scripts are off, a notebook not yet trusted,
a notebook viewer) it shows the finished backward pass as a still picture and every step as text.

In quiz mode (``step_backward(root, quiz=True)``) the player asks before it shows: at each step, for every
edge the step passes along to a node that is not a constant, the local derivative and what it passes back. It
takes numbers and arithmetic on them, checks each answer to three significant figures, lets a wrong one be tried
again, reveals the step once all are right (or shown), and scores the first tries (``viz.quiz`` holds the rules,
and the same quiz in a terminal). No answer is shown before it is asked: without JavaScript the quiz is its
question, the graph with its data and no gradient (``BackwardSteps.still``), and a line saying to run the cell.
The numbers the script checks against are in the page's data, which no browser displays.
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
from engine.value import to_float
from nn.files import write_text_atomic
from viz.assets import static_text
from viz.diagram import Diagram
from viz.graph import SHOWS, edge_key, edge_text, fitting, graph_source
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
    constant: bool = False  # the parent is a constant: the quiz does not ask its edge


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

    @property
    def asked(self) -> tuple[Contribution, ...]:
        """The contributions the quiz asks about: those to a parent that is not a constant."""
        return tuple(c for c in self.contributions if not c.constant)

    def asks(self) -> list[tuple[str, float]]:
        """What the quiz asks at this step, in order, as (what, number): for each input that is not a constant,
        its edge's local derivative (``∂z/∂(w₁x₁)``), then what the edge passes back (``passes back to w₁x₁``)."""
        found = []
        for c in self.asked:
            found += [(f"∂{operand(self.name)}/∂{operand(c.input_name)}", c.local),
                      (f"passes back to {c.input_name}", c.added)]
        return found

    def headline(self) -> str:
        """The step in a few words, as the quiz's review names it: ``step 3 (v6 = v5^2)``."""
        name = self.name or self.node.label or self.node.op
        return f"step {self.index + 1} ({name}{f' = {self.computes}' if self.computes else ''})"

    def question(self) -> str:
        """What the quiz asks at this step, before it shows the answers."""
        name = self.name or self.node.label or self.node.op
        computes = f" = {self.computes}" if self.computes else ""
        at = f"∂{operand(self.root)}/∂{operand(name)}"
        constants = [c.input_name for c in self.contributions if c.constant]
        aside = (f" (The constant{'s' if len(constants) > 1 else ''} {', '.join(constants)}: not asked.)"
                 if constants else "")
        return (f"step {self.index + 1}: {name}{computes}, {at} = {fmt(self.upstream)}. For each input: its edge's "
                f"local derivative, and what the edge passes back (local × {fmt(self.upstream)}).{aside}")


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
            final, widest = self.gradients, self._widest()

            def make(direction: str) -> Diagram:
                source = graph_source(self.view, self.show, direction, set(), final.get, widths=widest)
                return Diagram(source, self.renderer)

            if self.rankdir == "auto":
                self._layout, self._direction = fitting(make)
            else:
                self._layout, self._direction = make(self.rankdir), self.rankdir
        return self._layout

    def _widest(self) -> dict[Value, int]:
        """The longest grad text each node shows in any step, so that every step fits the one layout."""
        widest: dict[Value, int] = {}
        for known in self._known:
            for value, grad in known.items():
                widest[value] = max(widest.get(value, 0), len(fmt(grad)))
        return widest

    def still(self) -> Diagram:
        """The picture shown where the player's script does not run (and its preview PNG): the finished backward
        pass, or in quiz mode the question, the same graph with its data and no answer (grads, what the edges
        pass and their local derivatives all ``?``, the root's grad 1)."""
        layout = self.layout()
        if not self.quiz:
            return layout
        root = self.root
        source = graph_source(self.view, self.show, self._direction, set(),
                              lambda v: 1.0 if v is root else None, set(), widths=self._widest())
        for edge in self.view.edges:  # each edge's local derivative: ∂/∂x = ? (its formula is an answer too)
            label = edge_text(edge, None)
            source = source.replace(label, f"{label[: label.index(' = ')]} = ?<br/>{label.rpartition('<br/>')[2]}")
        return Diagram(source, self.renderer)

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
                state["question"], state["headline"] = step.question(), step.headline()
                state["blanks"] = [{"label": label, "truth": _exact(truth), "text": fmt(truth)}
                                   for label, truth in step.asks()]
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
            "controls": _CONTROLS.format(last=max(len(self.steps) - 1, 0), count=len(self.steps)),
            "form": _QUIZ if self.quiz else "",
            "quiz": self.quiz,
        }
        picture = self.still()
        still = base64.b64encode(picture.preview_png()).decode("ascii")
        width, _ = picture.size()
        listing = "\n".join(program(self.view))
        texts = [s.question() if self.quiz else s.describe() for s in self.steps]
        return _PLAYER.format(
            key=key,
            title=html.escape(f"{root.name} = {forward_text(self.view, root)}" if root.value.parents else root.name),
            root=html.escape(root.name),
            count=len(self.steps),
            listing=html.escape(listing),
            lines=len(program(self.view)),
            still=still,
            still_width=round(width * picture.display_scale()),
            still_alt=html.escape(f"the question: the graph of {root.name} with its data, no gradient worked out yet"
                                  if self.quiz else f"the finished backward pass of {root.name}"),
            captions="".join(f"<li>{html.escape(t)}</li>" for t in texts),
            listed="questions" if self.quiz else "steps",
            unknown=_UNKNOWN_QUIZ if self.quiz else _UNKNOWN,
            run=_RUN.format(root=html.escape(root.name)) if self.quiz else "",
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
    gradient: float = 1.0,
) -> BackwardSteps:
    """The backward pass from ``root`` as steps, one per op node in backward order; touches no ``.grad``.

    ``gradient`` seeds the root, as ``root.backward(gradient=...)`` does: the ∂C/∂root that reached it from a larger
    graph (one neuron's part of an example's, say), so that every step's grads are ∂C/∂node.

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
    seed = to_float(gradient, "step_backward(gradient)")
    view = walk(root, order=order, seed=seed)  # the engine's own backward walk, edge by edge
    known: list[dict[Value, float]] = []
    steps: list[Step] = []
    grads: dict[Value, float] = {root: seed}
    for node, edges in itertools.groupby(view.backward, key=lambda e: e.child):
        contributions = []
        for edge in edges:
            grads[edge.parent.value] = edge.total
            contributions.append(Contribution(edge.parent.value, edge.input_name, edge.formula, edge.local,
                                              edge.passed, edge.total, edge.parent.kind == "constant"))
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

#: The quiz's form, under the caption (the question): its rows of blanks filled in by the script for each step.
_QUIZ = """<div class="gg-quiz"><div class="gg-hint">An answer may be arithmetic: 2*-0.0125, 1 − 0.76×0.76, 1e-3. \
Enter checks; a wrong answer may be tried again; the score counts first tries.</div><div class="gg-asks"></div>
<button type="button" class="gg-check" title="check the answers (Enter)">check</button>
<button type="button" class="gg-give-up" title="show this step's answers (no score for them)">show the answers</button>
<span class="gg-score">score: 0 of 0 right at the first try</span>
<div class="gg-status"></div></div>"""

#: What ``grad ?`` means, in the key: while stepping, or in the quiz.
_UNKNOWN = '<span style="background: #fee2e2">grad ?</span> = not known yet at the step shown.'
_UNKNOWN_QUIZ = ('<span style="background: #fee2e2">grad ?</span>, <i>passes ?</i> and an edge\'s local derivative '
                 '<i>∂/∂… = ?</i> = yours to work out: the quiz asks them one step at a time.')

#: Where the quiz's script has not run (a notebook not trusted, a viewer, scripts off): what to do. The script
#: removes it.
_RUN = """<div class="gg-run" style="margin: 0.4em 0; padding: 0.4em; border: 1px solid #f59e0b; \
background: #fffbeb"><b>Run this cell to take the quiz:</b> from {root} back to the inputs, it asks at each step \
every edge's local derivative and what the edge passes back, and checks your answers. The picture is the question: \
the graph with its data, no gradient worked out yet. (A saved page: open it in a browser with JavaScript on.)</div>
"""

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
{unknown}</div>
<div class="gg-key" style="font-size: 12px; margin: 0.3em 0">Colours: \
<span style="background: #fde68a">parameter</span> <span style="background: #bfdbfe">input</span> \
<span style="background: #e5e7eb; border-style: dashed">constant</span> <span>computed node</span> \
<span style="background: #ede9fe; border-radius: 1em">op</span> \
<span style="border: 2px solid #dc2626">this step's node</span> \
<span style="color: #b91c1c; border-color: #dc2626">the edges it passes along</span></div>
{run}<div class="gg-controls"></div>
<div class="gg-caption"></div>
<div class="gg-form"></div>
<div class="gg-view"><img class="gg-still" alt="{still_alt}" \
src="data:image/png;base64,{still}" width="{still_width}" style="max-width: none"></div>
<details class="gg-list"><summary>All {count} {listed} as text</summary><ol>{captions}</ol></details>
<script type="application/json" class="gg-data">{data}</script>
<script>{js}
ggStepPlayer("gg-{key}");</script>
</div>
"""
