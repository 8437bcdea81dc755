"""How many frames a second the playground's page draws, and what a draw takes, when the server sends 30 a
second of a 6 × 8 network with every map changing (at 1920×1080, in headless Chromium).

Run from the repository root with the project's virtual environment (Debian's ``chromium`` and the dev extra's
Playwright)::

    .venv/bin/python benchmarks/page_draws.py

Not a test: it prints figures (the target: at least 20 frames drawn a second of the 30 sent). The screen test
``test_screen_draws_the_newest_of_thirty_frames_a_second`` checks what is drawn, not how fast.
"""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser and the page that renders the widget: shared with the tests

from pictures import browser_page  # noqa: E402
from widget_page import juggle_frames  # noqa: E402

REPEATS = 3
SECONDS = 90 * 0.033  # what juggle_frames sends: 90 frames, 33 ms apart


def main() -> None:
    with browser_page() as page:
        for repeat in range(1, REPEATS + 1):
            result = juggle_frames(page, (1920, 1080))
            times = [t for t in result["times"] if isinstance(t, (int, float)) and math.isfinite(t)]
            print(f"run {repeat}: {result['count']} of 90 frames drawn, {result['count'] / SECONDS:.1f} a second "
                  f"(target ≥ 20); a draw took {statistics.median(times):.1f} ms median, {max(times):.1f} ms at most; "
                  f"on the screen at the end: step {result['step']} (the last sent: 1089)")


if __name__ == "__main__":
    main()
