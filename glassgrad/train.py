"""``glassgrad train``: the main job — a dataset, a network, a training run, and the files it leaves."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine import topological_order
from nn import MLP, DivergenceError, History, fit
from nn import data as datasets
from nn.files import write_json_atomic, write_text_atomic
from nn.losses import LOSSES
from nn.train import TAKES_LOGITS, targets_for
from viz.diagram import Diagram

#: Dataset name -> how to make it from (n, noise, classes, seed).
DATASETS: dict[str, Any] = {
    "moons": lambda n, noise, classes, seed: datasets.make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, classes, seed: datasets.make_circles(n, noise=noise, seed=seed),
    "xor": lambda n, noise, classes, seed: datasets.make_xor(n, noise=noise, seed=seed),
    "spirals": lambda n, noise, classes, seed: datasets.make_spirals(n, classes=classes, noise=noise, seed=seed),
    "blobs": lambda n, noise, classes, seed: datasets.make_blobs(n, centers=classes, std=1.0 + noise, seed=seed),
}


@dataclass
class TrainConfig:
    """Everything a training run depends on; written beside its results."""

    dataset: str = "moons"
    samples: int = 100
    noise: float = 0.1
    classes: int = 3
    hidden: list[int] = field(default_factory=lambda: [16, 16])
    activation: str = "relu"
    output: str = "linear"
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float | None = None
    epochs: int = 100
    batch_size: int | None = None
    l2: float = 0.0
    seed: int = 0
    compile: bool = False
    out: str = "runs/moons"


@dataclass
class TrainResult:
    """What a run produced: the model, its history, the files written and the final training accuracy."""

    model: MLP
    history: History
    files: dict[str, Path]
    accuracy: float
    diverged: str | None = None


def outputs_for(loss: str, classes: int, dataset: str) -> int:
    """How many outputs the network needs: one per class for cross entropy and MSE, one for binary losses."""
    if loss in ("hinge", "binary_cross_entropy"):
        if classes > 2:
            raise ValueError(f"--loss {loss} is for two classes; the {dataset} dataset here has {classes}")
        return 1
    return classes


def run(config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train as ``config`` says; write ``model.json``, ``history.json``, ``history.csv``, ``decision_boundary.png``,
    ``history.png`` and ``neuron.svg`` (one neuron's forward and backward graph) into ``config.out``."""
    if config.dataset not in DATASETS:
        raise ValueError(f"--dataset: expected one of {', '.join(DATASETS)}, got {config.dataset!r}")
    X, y = DATASETS[config.dataset](config.samples, config.noise, config.classes, config.seed)
    classes = max(y) + 1
    model = MLP(2, [*config.hidden, outputs_for(config.loss, classes, config.dataset)],
                activation=config.activation, output=config.output, seed=config.seed)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    diverged = None
    try:
        history = fit(model, X, y, loss=config.loss, optimizer=config.optimizer, lr=config.lr, epochs=config.epochs,
                      batch_size=config.batch_size, l2=config.l2, seed=config.seed, progress=progress,
                      compile=config.compile)
    except DivergenceError as error:
        history, diverged = error.history, str(error)
    accuracy = sum(model.predict(x) == t for x, t in zip(X, y)) / len(X)
    files = {
        "model": model.save(out / "model.json"),
        "history": write_json_atomic(out / "history.json", {
            "config": asdict(config), **history.to_dict(), "final_accuracy": accuracy, "diverged": diverged,
        }),
        "history_csv": write_text_atomic(out / "history.csv", history.to_csv()),
    }
    from viz.plots import plot_decision_boundary, plot_history, save_figure  # matplotlib: loaded only when needed

    title = f"{config.dataset}: {accuracy:.1%} training accuracy after {history.epochs} epochs"
    files["boundary_png"] = save_figure(plot_decision_boundary(model, X, y, title=title),
                                        out / "decision_boundary.png")
    files["history_png"] = save_figure(plot_history(history), out / "history.png")
    files["neuron_svg"] = neuron_diagram(model, X[0], y[0], config.loss).save(out / "neuron.svg")
    return TrainResult(model, history, files, accuracy, diverged)


def neuron_diagram(model: MLP, x: list[float], label: int, loss: str) -> Diagram:
    """The first hidden neuron's forward and backward graph for one example: data and ∂C/∂node on every node,
    the local derivative on every edge. The model's gradients are left at zero."""
    from viz import draw_graph

    nout = model.nouts[-1]
    (target,) = targets_for(loss, [label], nout)
    outputs = model.logits(x) if loss in TAKES_LOGITS else model(x)
    cost = LOSSES[loss](outputs, target)
    cost.backward()
    first = ("layer 0", "neuron 0")
    nodes = [n for n in topological_order(cost) if n.scope == first and n.label in ("a", "z")]
    neuron_out = next((n for n in nodes if n.label == "a"), nodes[0])
    diagram = draw_graph(neuron_out, show="both", params=model.parameters())
    model.zero_grad()
    return diagram


def summary(result: TrainResult) -> str:
    """A few lines for the terminal: the result and where the files are."""
    lines = []
    if result.diverged:
        lines.append(f"stopped: {result.diverged}")
    h = result.history
    if h.epochs:
        lines.append(f"trained {h.epochs} epochs: loss {h.loss[0]:.4f} -> {h.loss[-1]:.4f}, "
                     f"training accuracy {result.accuracy:.1%}")
    lines += [f"  {name:<12} {path}" for name, path in result.files.items()]
    return "\n".join(lines)


def config_from_json(text: str) -> TrainConfig:
    """A config from the ``config`` object of a ``history.json`` (to rerun a run)."""
    return TrainConfig(**json.loads(text)["config"])
