"""Seeds: every random draw in ``nn`` comes from a private ``random.Random``, never the global random state."""

from __future__ import annotations

import numbers
import random

from engine.value import describe

#: What ``seed=`` takes: an int (the same draws every time), None (fresh entropy) or a generator to draw from.
Seed = int | random.Random | None


def generator(seed: object, what: str) -> random.Random:
    """The generator for ``seed``: ``random.Random(seed)`` for an int or None, a ``random.Random`` itself as it
    is (so several parts draw one after another from it); anything else is a TypeError naming ``what``."""
    if isinstance(seed, random.Random):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"{what}: expected an int seed, a random.Random or None, got {describe(seed)}")
    return random.Random(None if seed is None else int(seed))
