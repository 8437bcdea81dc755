"""The playground: TensorFlow Playground's controls on glassgrad's engine, where every neuron can be opened.

The live app, in layers over ``engine``, ``nn`` and ``viz``:

- ``settings``: the controls (TF Playground's names, checked) and ``rules()``, their choices for the page;
- ``data``: the points (``nn.data``'s data sets), the train/test split, CSV;
- ``session``: one run — data, features, an ``nn.MLP``, its optimizer — trained one mini-batch at a time
  with ``nn.train``'s one step; ``snapshot``: a moment of it, what numbers and maps are computed from;
- ``runner``: a session played by a training thread, driven by ``messages``, drawn from frames (``frames``:
  the heatmaps), with a ``timeline`` of its epochs for time travel;
- ``glassbox``: one example's pass through the network as the engine computes it; ``export``: the model,
  the code and the step-through a page hands out;
- ``server``: the Starlette app and uvicorn server behind ``glassgrad playground``; ``widget``: the
  ``Playground`` Jupyter widget (anywidget); ``static``: the one front end both of them serve.

    from playground import Playground          # in a notebook (pip install 'glassgrad[widget]')
    Playground(); Playground(model, X, y)
"""

from typing import TYPE_CHECKING, Any

from playground.runner import Runner
from playground.session import Session
from playground.settings import Settings

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ below imports it on first use
    from playground.widget import Playground as Playground

__all__ = ["Playground", "Runner", "Session", "Settings"]


def __getattr__(name: str) -> Any:
    """``playground.Playground``, imported on first use, so that the server does not need anywidget."""
    if name == "Playground":
        from playground.widget import Playground

        return Playground
    raise AttributeError(f"module 'playground' has no attribute {name!r}")
