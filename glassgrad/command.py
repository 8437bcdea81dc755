"""The ``glassgrad`` console command (and ``python -m glassgrad``): ``glassgrad.cli.main``, loaded here so that
Ctrl-C while the libraries are still being imported ends the command as Ctrl-C later does, with one line and
``EXIT_INTERRUPTED``, rather than a traceback."""

from __future__ import annotations

import sys

from glassgrad.exits import EXIT_INTERRUPTED


def main() -> int:
    """Import the command line and run it; Ctrl-C during the import: one line, ``EXIT_INTERRUPTED``."""
    try:
        from glassgrad.cli import main as run
    except KeyboardInterrupt:
        print("glassgrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return run()
