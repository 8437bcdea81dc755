"""Updates per second of the playground's training session (playground.session), as the page would drive it.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/playground_session.py

One update is one ``step()`` (a mini-batch of 10 of the 250 training points of moons) and ``heatmaps(50)``
(the output's, each feature's and each neuron's map on a 50 × 50 grid, by float forward passes);
"+ losses" also measures the training and test loss and accuracy (``state()``), as the page shows them.
Networks: the default (inputs 2, hidden [4, 2]) and 6 hidden layers of 8. Not a test: it prints figures.
"""

from __future__ import annotations

import time

from playground import Session, Settings


def updates_per_second(settings: Settings, with_state: bool, seconds: float = 2.0) -> float:
    """How many updates run in about ``seconds`` (the best of three rounds), divided by the time they took."""
    best = 0.0
    for _ in range(3):
        session = Session(settings)
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            session.step()
            session.heatmaps(50)
            if with_state:
                session.state()
            count += 1
        best = max(best, count / elapsed)
    return best


def main() -> None:
    for label, shape in (("default [4, 2]", (4, 2)), ("6 x 8", (8,) * 6)):
        settings = Settings(dataset="moons", networkShape=shape, batchSize=10, percTrainData=50)
        plain = updates_per_second(settings, with_state=False)
        full = updates_per_second(settings, with_state=True)
        print(f"{label:>15}: {plain:6.1f} updates/s (step + heatmaps 50), {full:6.1f} with losses and state()")


if __name__ == "__main__":
    main()
