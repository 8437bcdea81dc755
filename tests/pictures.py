"""Checks on the pictures the project draws, made on what a reader sees: the SVG's own text.

``grad_problems``: each drawn node's printed grad equals the sum of what its drawn edges print that they
pass (to the printed precision), unless the picture stars it (its note says what is not drawn); the root
of a graph, whose grad is not passed along an edge, shows 1 or is starred.

``TEXT_OUTSIDE_BOXES``: a script for a browser that lists every text of a node that is not inside one of
the node's shapes (a cell of a table, a box, an ellipse), as the browser lays the text out.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import require

from engine import Value

CHROMIUM = os.environ.get("GLASSGRAD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@contextmanager
def browser_page(**options: Any) -> Iterator[Any]:
    """A page of headless Chromium (the system's, driven by Playwright), 1100×900; skipped with a reason (failed
    on CI) when Chromium or Playwright is missing."""
    require(CHROMIUM, "Chromium", "apt-get install chromium")
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (in the dev extra)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1100, "height": 900}, **options)
        finally:
            browser.close()


def after_drawing(page: Any) -> None:
    """Wait until ``page`` has been through two more animation frames: whatever a change scheduled for the next
    one (a redraw, a layout) has run, however slow the machine."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def neuron() -> tuple[Value, Value, Value, Value, Value]:
    """The lecture's neuron a = tanh(x·w + b) at x = 0.5, w = -1.2, b = 0.3, with z and a labelled."""
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    z = x * w + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    return x, w, b, z, a

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = r"(-?(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|inf)|nan)"


def _texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]


def is_graph_diagram(svg: str) -> bool:
    """True for a picture of ``draw_graph`` (not a network, a plot, a collapsed graph)."""
    return "<title>glassgrad</title>" in svg and "grad " in svg and "(collapsed)" not in svg


def grad_problems(svg: str) -> list[str]:
    """What does not add up in a ``draw_graph`` picture with gradients (empty when everything does)."""
    root = ET.fromstring(svg)
    grads: dict[str, tuple[float, bool]] = {}  # node id -> (printed grad, starred)
    labels: dict[str, float] = {}  # id of an edge-label node -> what it passes
    edges: list[tuple[str, str, float | None]] = []
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        texts = _texts(g)
        passes = [float(m.group(1)) for t in texts if (m := re.fullmatch(rf"passes {NUMBER}", t))]
        if g.get("class") == "node":
            for t in texts:
                m = re.fullmatch(rf"grad {NUMBER}( \*)?", t)
                if m:
                    grads[title.text] = (float(m.group(1)), bool(m.group(2)))
            if passes:
                labels[title.text] = passes[0]
        elif g.get("class") == "edge" and "->" in title.text:
            tail, head = title.text.split("->")
            edges.append((tail, head, passes[0] if passes else None))
    passed: dict[str, list[float]] = {}
    for tail, head, amount in edges:
        if amount is None and head in labels:
            amount = labels[head]  # an edge drawn into a cluster: its label is a node of its own
        if amount is not None and tail in grads:
            passed.setdefault(tail, []).append(amount)
    leaving = {tail for tail, _, _ in edges}
    problems = []
    for node, (grad, starred) in grads.items():
        if starred:
            continue
        terms = passed.get(node, [])
        if node not in leaving:  # the root: nothing drawn passes it its grad
            if grad != 1.0:
                problems.append(f"{node}: the root shows grad {grad}, not 1, and no note says why")
            continue
        total = math.fsum(terms)
        slack = 1e-3 * (abs(grad) + math.fsum(abs(t) for t in terms)) + 1e-12
        if not (abs(grad - total) <= slack or (math.isnan(grad) and math.isnan(total))):
            problems.append(f"{node}: grad {grad} but its drawn edges pass {terms} (sum {total})")
    return problems


#: For ``page.evaluate``: the texts of SVG nodes that lie outside every shape of their node, with 0.5 px slack.
TEXT_OUTSIDE_BOXES = """() => {
    const out = [];
    const within = (r, s) => r.left >= s.left - 0.5 && r.right <= s.right + 0.5
                           && r.top >= s.top - 0.5 && r.bottom <= s.bottom + 0.5;
    for (const g of document.querySelectorAll('g.node')) {
        const shapes = [...g.querySelectorAll('polygon, ellipse, path')]
            .filter(s => s.getAttribute('stroke') !== 'transparent' || s.getAttribute('fill') !== 'none')
            .map(s => s.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
        if (!shapes.length) continue;
        for (const t of g.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            const x = r.left + 1, y = (r.top + r.bottom) / 2;  // where the text starts: its own cell holds it
            const holders = shapes.filter(s => x >= s.left && x <= s.right && y >= s.top && y <= s.bottom);
            if (!holders.length) { out.push(g.querySelector('title').textContent + ': ' + t.textContent); continue; }
            const cell = holders.reduce((a, b) => a.width * a.height <= b.width * b.height ? a : b);
            if (!within(r, cell)) out.push(g.querySelector('title').textContent + ': ' + t.textContent);
        }
    }
    return out;
}"""
