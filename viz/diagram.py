"""``Diagram``: DOT text that renders to SVG or PNG, saves to a file, and shows itself in Jupyter."""

from __future__ import annotations

import os
from pathlib import Path

from nn.files import write_bytes_atomic, write_text_atomic
from viz.render import render


class Diagram:
    """A picture described in DOT: ``.source`` is the text, ``.svg()`` the rendered picture,
    ``.save(path)`` writes ``.svg``, ``.png`` or ``.dot`` by the suffix. Shows inline in Jupyter.
    """

    def __init__(self, source: str, renderer: str = "auto") -> None:
        self.source = source
        self.renderer = renderer
        self._svg: str | None = None

    def svg(self) -> str:
        """The diagram as SVG text (rendered once, then kept)."""
        if self._svg is None:
            self._svg = render(self.source, "svg", self.renderer).decode("utf-8")
        return self._svg

    def png(self) -> bytes:
        """The diagram as PNG bytes."""
        return render(self.source, "png", self.renderer)

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

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        return f"<Diagram: {self.source.count(chr(10))} lines of DOT>"
