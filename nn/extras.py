"""The optional extras a notebook may use, and what a notebook does without one: say so in one line and skip.

``installed("torch", skipping="the hand-over to PyTorch")`` is True when ``import torch`` would work; otherwise it
prints one line (what is missing, what is skipped, how to install it) and returns False, so a cell can skip its
part with ``if``. ``notebook_needs("sklearn")`` is for a notebook that is all one part: without the module, every
later cell of the IPython session does nothing (until the module is installed), so Run All ends without an error.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

__all__ = ["EXTRAS", "installed", "notebook_needs"]

#: module -> (what it is, the extra of glassgrad that installs it)
EXTRAS = {
    "sklearn": ("scikit-learn (the digits)", "digits"),
    "torch": ("PyTorch", "torch"),
    "anywidget": ("anywidget (the Jupyter widget)", "widget"),
}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module without a spec
        return False


def installed(module: str, skipping: str = "this part") -> bool:
    """True when ``module`` can be imported; otherwise one line saying so and what is ``skipping``, and False."""
    if _importable(module):
        return True
    what, extra = EXTRAS.get(module, (module, module))
    print(f"{what} is not installed, so {skipping} is skipped: `make lab` installs it "
          f"(or pip install 'glassgrad[{extra}]')")
    return False


def notebook_needs(module: str) -> bool:
    """``installed(module)`` for the rest of a notebook: without it, one line, and under IPython every later cell
    is skipped (its code is not run) until ``module`` can be imported."""
    if installed(module, "the rest of this notebook"):
        return True
    shell = _ipython()
    if shell is not None:
        def skip(lines: list[str]) -> list[str]:
            if _importable(module):
                shell.input_transformers_post.remove(skip)
                return lines
            return []

        shell.input_transformers_post.append(skip)
    return False


def _ipython() -> Any:
    """The running IPython shell (a notebook's kernel), or None outside one."""
    ipython = sys.modules.get("IPython")
    return None if ipython is None else ipython.get_ipython()
