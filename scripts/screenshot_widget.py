"""Draw the playground widget as notebook 8 shows it, for readers without a kernel: its front end (the page's
module, as ``playground.Playground`` ships it) in headless Chromium against a frame of a run made here.

    .venv/bin/python scripts/screenshot_widget.py      # writes notebooks/images/playground_widget.png

The run: the default playground (moons, a 4-2 tanh network) at learning rate 0.1, 40 epochs; then a training
point picked and the first hidden neuron opened, as a click on each would.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks" / "images" / "playground_widget.png"
sys.path.insert(0, str(ROOT / "tests"))  # the browser and the page that renders the widget: shared with its tests

EPOCHS = 40


def main() -> int:
    """Train the run, render the widget against its frame, and save the screenshot of the widget."""
    from pictures import browser_page
    from widget_page import render_widget

    from playground import Playground

    playground = Playground(settings="learningRate=0.1")
    try:
        for _ in range(EPOCHS):
            playground.handle({"type": "epoch"})
        playground.handle({"type": "select-example", "part": "train", "index": 0})
        with browser_page() as page:
            render_widget(page, playground.frame, width=848)  # JupyterLab's default column at 1280 px
            page.wait_for_timeout(300)  # the canvases are painted on the next animation frame
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.locator("#widget").screenshot(path=str(OUT))
    finally:
        playground.close()
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
