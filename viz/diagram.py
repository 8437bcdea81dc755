"""``Diagram``: DOT text that renders to SVG or PNG, saves to a file, and shows itself in Jupyter.

Pictures are laid out and drawn in DejaVu Sans, the font most Linux machines have (and matplotlib's),
so that both dot programs measure the text as a browser with only DejaVu will draw it; browsers without
it fall back to their (narrower) sans-serif, which fits the boxes too.
"""

from __future__ import annotations

import base64
import io
import os
import re
import tempfile
import webbrowser
from pathlib import Path
from typing import Any

from nn.files import write_bytes_atomic, write_text_atomic
from viz.render import render

#: The font of every diagram, as dot sees it, and as the SVG asks the browser for it.
FONT = "DejaVu Sans"
FONT_FAMILY = "DejaVu Sans,sans-serif"

#: A notebook's output column, in CSS pixels: JupyterLab's at its default 1280-px window with the file browser
#: open (VS Code's and Notebook 7's are wider). Wider pictures are scaled down to it, but never below half their
#: size (MIN_SCALE) nor so far that their smallest text is under MIN_TEXT_PX tall; they scroll beyond that, and
#: the drawing functions lay them out so that they do not (top to bottom, tighter spacing, elided fan-ins).
COLUMN_PX = 848
MIN_SCALE = 0.5
MIN_TEXT_PX = 9.0

_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')


def scaled_svg(svg: str, scale: float) -> str:
    """``svg`` with its width and height multiplied by ``scale`` (its viewBox keeps the drawing whole)."""
    def resize(m: re.Match[str]) -> str:
        return f'<svg width="{float(m.group(1)) * scale:.2f}pt" height="{float(m.group(2)) * scale:.2f}pt"'

    return _SIZE.sub(resize, svg, count=1)


def smallest_scale(svg: str) -> float:
    """How far ``svg`` may be shrunk: to ``MIN_SCALE``, or less far when its smallest text (in pt) would fall
    under ``MIN_TEXT_PX``."""
    sizes = [float(m) for m in _FONT_SIZE.findall(svg)]
    return max(MIN_SCALE, MIN_TEXT_PX / (min(sizes) * 4 / 3)) if sizes else MIN_SCALE


def _fitting(width: float, floor: float, column: float = COLUMN_PX) -> float:
    """The scale a notebook shows a picture ``width`` pixels wide at: 1, or down to fit the column but not below
    ``floor``."""
    return 1.0 if width <= column else min(1.0, max(column / width, floor))


def _small_png(diagrams: list[Diagram], scale: float, gap: int) -> bytes:
    """``diagrams`` rendered at ``scale`` side by side (``gap`` pixels apart, top-aligned on white), as a small PNG in
    64 colours: what a viewer that shows no SVG gets (a few hundred kB for a big network, rather than megabytes)."""
    from PIL import Image  # Pillow, which matplotlib brings

    images = [Image.open(io.BytesIO(render(d.source, "png", d.renderer, dpi=96 * scale))).convert("RGB")
              for d in diagrams]
    row = Image.new("RGB", (sum(i.width for i in images) + gap * (len(images) - 1), max(i.height for i in images)),
                    "white")
    left = 0
    for image in images:
        row.paste(image, (left, 0))
        left += image.width + gap
    out = io.BytesIO()
    row.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(out, format="PNG", optimize=True)
    return out.getvalue()


class Diagram:
    """A picture described in DOT: ``.source`` is the text, ``.svg()`` the rendered picture,
    ``.save(path)`` writes ``.svg``, ``.png`` or ``.dot`` by the suffix, ``.show()`` opens it in a browser.
    Shows inline in Jupyter (SVG, with a PNG beside it for viewers that do not show SVG).
    """

    def __init__(self, source: str, renderer: str = "auto") -> None:
        self.source = source
        self.renderer = renderer
        self._svg: str | None = None
        self._png: bytes | None = None
        self._preview: bytes | None = None

    def svg(self) -> str:
        """The diagram as SVG text (rendered once, then kept)."""
        if self._svg is None:
            svg = render(self.source, "svg", self.renderer).decode("utf-8")
            self._svg = svg.replace(f'font-family="{FONT}"', f'font-family="{FONT_FAMILY}"')
        return self._svg

    def png(self) -> bytes:
        """The diagram as PNG bytes (rendered once, then kept)."""
        if self._png is None:
            self._png = render(self.source, "png", self.renderer)
        return self._png

    def preview_png(self) -> bytes:
        """The picture as a small PNG, at the size a notebook shows it (``display_scale``) and in 64 colours:
        what a viewer that shows no SVG gets (a few hundred kB for a big network, rather than megabytes)."""
        if self._preview is None:
            self._preview = _small_png([self], self.display_scale(), 0)
        return self._preview

    def size(self) -> tuple[float, float]:
        """Width and height of the picture in CSS pixels, at its natural size."""
        m = _SIZE.search(self.svg())
        if m is None:
            return 0.0, 0.0
        return float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3  # 1 pt = 4/3 px

    def display_scale(self) -> float:
        """How much a notebook shows it scaled: 1, or down to fit the column but not below ``min_scale()``."""
        return _fitting(self.size()[0], self.min_scale())

    def min_scale(self) -> float:
        """The smallest scale it is shown at: half its size, or more where its smallest text needs it."""
        return smallest_scale(self.svg())

    def too_wide(self, column: float = COLUMN_PX) -> bool:
        """True when even at ``min_scale()`` the picture is wider than a notebook column."""
        return self.size()[0] * self.min_scale() > column

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the diagram to ``path``: SVG, PNG or the DOT source, chosen by the suffix; returns the path."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".svg":
            return write_text_atomic(target, self.svg())
        if suffix == ".dot" or suffix == ".gv":
            return write_text_atomic(target, self.source)
        if suffix == ".png":
            return write_bytes_atomic(target, self.png())
        raise ValueError(f"Diagram.save: expected a path ending in .svg, .png or .dot, got {str(path)!r}")

    def show(self) -> Path:
        """Open the picture in the default web browser (outside Jupyter); returns the SVG file it wrote."""
        folder = Path(tempfile.mkdtemp(prefix="glassgrad-"))
        path = self.save(folder / "diagram.svg")
        webbrowser.open(path.as_uri())
        return path

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """SVG for Jupyter, scaled to fit the column at a readable size, and the same picture as PNG for
        viewers that show no SVG (JupyterLab before a notebook is trusted, some notebook viewers)."""
        scale = self.display_scale()
        width, _ = self.size()
        data = {
            "image/svg+xml": scaled_svg(self.svg(), scale),
            "image/png": base64.b64encode(self.preview_png()).decode("ascii"),
            "text/plain": repr(self),
        }
        shown = round(width * scale)
        # wider than the column even at the smallest readable scale: let it scroll rather than shrink further
        return data, {"image/png": {"width": shown, "unconfined": True} if shown > COLUMN_PX else {"width": shown}}

    def __repr__(self) -> str:
        return (f"<Diagram: {self.source.count(chr(10))} lines of DOT; it shows itself in Jupyter; "
                f"elsewhere .show() opens it in a browser and .save('picture.svg') writes it>")


class Row:
    """Diagrams side by side, as one picture in Jupyter: the SVGs in a row, scaled together to fit the column less
    JupyterLab's padding of HTML (but not below the pictures' ``min_scale()``: the row then scrolls), and the same
    row as one PNG for viewers that show no HTML.
    ``side_by_side(a, b)`` makes one."""

    GAP_PX = 24
    PADDING_PX = 20  # JupyterLab's right padding of an HTML output


    def __init__(self, diagrams: tuple[Diagram, ...]) -> None:
        self.diagrams = diagrams

    def display_scale(self) -> float:
        """The one scale of every picture in the row: 1, or down to fit the column but not below their
        ``min_scale()``."""
        return _fitting(sum(d.size()[0] for d in self.diagrams) + self.GAP_PX * (len(self.diagrams) - 1),
                        max(d.min_scale() for d in self.diagrams), COLUMN_PX - self.PADDING_PX)

    def png(self) -> bytes:
        """The row as one small PNG, each picture at the row's scale, top-aligned on white."""
        scale = self.display_scale()
        return _small_png(list(self.diagrams), scale, round(self.GAP_PX * scale))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        scale = self.display_scale()
        cells = "".join(f"<div>{scaled_svg(d.svg(), scale)}</div>" for d in self.diagrams)
        html = (f'<div style="display: flex; gap: {round(self.GAP_PX * scale)}px; align-items: flex-start; '
                f'overflow-x: auto">{cells}</div>')
        data = {"text/html": html, "image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": repr(self)}
        return data, {}

    def __repr__(self) -> str:
        return f"<Row of {len(self.diagrams)} diagrams, side by side in Jupyter>"


def side_by_side(*diagrams: Diagram) -> Row:
    """``diagrams`` shown side by side in Jupyter (a ``Row``): the forward and the backward graph of one network,
    say."""
    if not diagrams or not all(isinstance(d, Diagram) for d in diagrams):
        raise TypeError(f"side_by_side: expected Diagrams (draw_graph's, draw_network's), got {diagrams!r}"[:200])
    return Row(diagrams)
