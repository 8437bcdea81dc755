"""``python -m glassgrad``: the same as the ``glassgrad`` console command."""

from glassgrad.command import main

raise SystemExit(main())
