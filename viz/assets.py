"""Front-end files shipped as package data: ``viz/static`` (the step player) and ``playground/static`` (the page)."""

from __future__ import annotations

from importlib import resources


def static_text(package: str, name: str) -> str:
    """The file ``name`` of ``package``'s ``static`` folder (package data, also inside a wheel), as text."""
    return resources.files(package).joinpath("static").joinpath(name).read_text(encoding="utf-8")
