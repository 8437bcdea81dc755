"""Digits: the lecture's handwritten digits, trained with ``fit(compile=True)``: test accuracy and time per seed.

Run from the repository root with the project's virtual environment (scikit-learn ships the digits)::

    .venv/bin/python benchmarks/digits.py                    # five seeds compiled, the graph path's first epoch
    .venv/bin/python benchmarks/digits.py --graph-epochs 50  # the graph path's whole run too (many minutes)

The work: ``MLP(64, [32, 10])`` (ReLU, linear logits), cross entropy, Adam (lr 0.006), L2 1e-4, mini-batches
of 256, 50 epochs, on an 80/20 split of ``nn.data.load_digits()`` (1,438 training and 359 test images, the
split drawn once with seed 0 by ``nn.data.train_test_split``). Each of five seeds draws its own model
initialization and its own shuffling of the batches. Each run is ``fit(..., compile=True, validation=test)``:
one example's forward pass and loss compiled once and run over every batch (with numpy, the packed program:
each layer a matrix product, the parameters and Adam's update on arrays), the test set measured after every
epoch. Its time is the whole ``fit`` call (compiling, training, measuring the test set each epoch); the target
is ≥ 95% test accuracy at the end, in ≤ 1.5 s, for every seed (issue 26; numpy's BLAS on one thread).

Beside them, for the first seed: the same run with the per-node numpy runner (each line of the example's code
over the batch, the update on the Values), the same training in PyTorch (float64, one thread, the same initial
weights, batches, Adam and L2 penalty), and the graph path (``compile=False``), which builds every example's graph
with Values: timed over its first ``--graph-epochs`` epochs (one by default), its time for all 50 extrapolated
(epochs cost the same).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import threads

import nn.compiled_step as compiled_step
from nn import MLP, fit
from nn.data import load_digits, train_test_split
from nn.optim import Adam

SEEDS = (0, 1, 2, 3, 4)
HIDDEN = 32
EPOCHS = 50
BATCH_SIZE = 256
LR = 0.006
L2 = 1e-4
TEST_FRACTION = 0.2
SPLIT_SEED = 0
TARGET_ACCURACY = 0.95
TARGET_SECONDS = 1.5


@dataclass(frozen=True)
class Result:
    """One seed's run: the final test accuracy, the seconds of the whole ``fit``, the first epoch at ≥ 95%."""

    seed: int
    accuracy: float
    seconds: float
    first_epoch: int | None


def met(result: Result) -> bool:
    """The target: ≥ ``TARGET_ACCURACY`` test accuracy at the end, in ≤ ``TARGET_SECONDS``."""
    return result.accuracy >= TARGET_ACCURACY and result.seconds <= TARGET_SECONDS


Split = tuple[list[list[float]], list[int], list[list[float]], list[int]]


def train(seed: int, compile_step: bool, epochs: int, data: Split, runner: str = "auto") -> tuple[Result, MLP]:
    """One run of ``fit`` on the split ``data`` with ``seed`` for the model and the shuffling, a compiled step run
    by ``runner`` (``nn.compiled_step.RUNNER``)."""
    X_train, y_train, X_test, y_test = data
    model = MLP(64, [HIDDEN, 10], activation="relu", seed=seed)
    before, compiled_step.RUNNER = compiled_step.RUNNER, runner
    try:
        started = time.perf_counter()
        history = fit(model, X_train, y_train, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=LR),
                      epochs=epochs, batch_size=BATCH_SIZE, l2=L2, seed=seed, compile=compile_step,
                      validation=(X_test, y_test), progress=False)
        seconds = time.perf_counter() - started
    finally:
        compiled_step.RUNNER = before
    first = next((e for e, a in enumerate(history.val_accuracy, start=1) if a >= TARGET_ACCURACY), None)
    return Result(seed, history.val_accuracy[-1], seconds, first), model


def train_torch(seed: int, data: Split) -> Result | None:
    """The same training in PyTorch (float64, one thread): the MLP's initial weights, fit's batches (the same
    shuffling), cross entropy plus L2 · Σp², Adam, the test set measured after every epoch; None without
    PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    X_train, y_train, X_test, y_test = data
    net = MLP(64, [HIDDEN, 10], activation="relu", seed=seed).to_torch()
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    X, y = torch.tensor(X_train, dtype=torch.float64), torch.tensor(y_train)
    X_val, y_val = torch.tensor(X_test, dtype=torch.float64), torch.tensor(y_test)
    rng, order, accuracies = random.Random(seed), list(range(len(X_train))), []
    started = time.perf_counter()
    for _ in range(EPOCHS):
        rng.shuffle(order)  # as fit's batches
        for start in range(0, len(order), BATCH_SIZE):
            batch = torch.tensor(order[start:start + BATCH_SIZE])
            loss = torch.nn.functional.cross_entropy(net(X[batch]), y[batch])
            loss = loss + L2 * sum((p * p).sum() for p in net.parameters())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            accuracies.append(float((net(X_val).argmax(1) == y_val).double().mean()))
    seconds = time.perf_counter() - started
    first = next((e for e, a in enumerate(accuracies, start=1) if a >= TARGET_ACCURACY), None)
    return Result(seed, accuracies[-1], seconds, first)


def run(seeds: Sequence[int] = SEEDS, graph_epochs: int = 1) -> tuple[list[Result], float, dict[str, Result]]:
    """Every seed compiled; for the first seed the per-node numpy runner, PyTorch and the graph path's first
    ``graph_epochs`` epochs; print a table. Returns the results, the graph path's seconds for ``EPOCHS`` epochs
    (extrapolated when fewer ran), and the others' results by name."""
    X, y = load_digits()
    data = train_test_split(X, y, TEST_FRACTION, seed=SPLIT_SEED)
    results = [train(seed, True, EPOCHS, data)[0] for seed in seeds]
    others = {"per-node numpy runner": train(seeds[0], True, EPOCHS, data, runner="numpy")[0]}
    torch_result = train_torch(seeds[0], data)
    if torch_result is not None:
        others["torch"] = torch_result
    graph, _ = train(seeds[0], False, graph_epochs, data)
    graph_total = graph.seconds * EPOCHS / graph_epochs
    rows = [
        f"  seed {r.seed}: test accuracy {r.accuracy:.1%} after {EPOCHS} epochs (≥ {TARGET_ACCURACY:.0%} from epoch "
        f"{r.first_epoch}), {r.seconds:.2f} s  {'✓' if met(r) else '✗'}"
        for r in results
    ]
    print(f"W5  digits: MLP(64, [{HIDDEN}, 10]), cross entropy, Adam lr={LR:g}, L2 {L2:g}, batches of {BATCH_SIZE}, "
          f"{EPOCHS} epochs, {len(data[0]):,} training / {len(data[2]):,} test images; fit(compile=True) per seed "
          f"(target ≥ {TARGET_ACCURACY:.0%} test accuracy in ≤ {TARGET_SECONDS:g} s)")
    print("\n".join(rows))
    for name, r in others.items():
        print(f"  {name}, seed {r.seed}: test accuracy {r.accuracy:.1%}, {r.seconds:.2f} s "
              f"({r.seconds / results[0].seconds:.1f}x the packed run)")
    how = f"{graph_epochs} epoch(s) measured, {graph.seconds:.1f} s"
    how += ", extrapolated" if graph_epochs < EPOCHS else ""
    print(f"  graph path (compile=False), seed {seeds[0]}: {graph_total:.0f} s for {EPOCHS} epochs ({how}); "
          f"{graph_total / results[0].seconds:.0f}x the compiled run; test accuracy after its {graph_epochs} "
          f"epoch(s) {graph.accuracy:.1%}")
    return results, graph_total, others


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds of the compiled runs")
    parser.add_argument("--graph-epochs", type=int, default=1, help=f"epochs the graph path runs (of {EPOCHS})")
    args = parser.parse_args(argv)
    if not args.seeds or not 1 <= args.graph_epochs <= EPOCHS:
        parser.error(f"--seeds: at least one; --graph-epochs: 1 to {EPOCHS}")
    try:
        results, _, _ = run(args.seeds, args.graph_epochs)
    except ImportError as error:  # scikit-learn is not installed
        raise SystemExit(f"digits: {error}") from None
    return 0 if all(map(met, results)) else 1


if __name__ == "__main__":
    threads.on_one_thread()
    sys.exit(main())
