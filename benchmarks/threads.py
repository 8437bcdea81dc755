"""One thread for numpy's BLAS in the benchmarks, as PyTorch runs with ``torch.set_num_threads(1)``.

OpenBLAS reads its thread count when numpy is first imported, so a benchmark sets it by running again: its
``__main__`` calls ``on_one_thread()`` first, which re-executes the same command with the variables set (nothing
happens when they already are).
"""

from __future__ import annotations

import os
import sys

#: The variables numpy's BLAS libraries read for their thread count.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def on_one_thread() -> None:
    """Go on in this process when ``ONE_THREAD`` is set, else run this command again in its place with it set."""
    if all(os.environ.get(name) == value for name, value in ONE_THREAD.items()):
        return
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ONE_THREAD})
