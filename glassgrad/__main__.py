"""``python -m glassgrad``: the same as the ``glassgrad`` console command."""

from glassgrad.cli import main

raise SystemExit(main())
