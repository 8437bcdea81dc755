"""``glassgrad train``: the main job — a dataset, a network, a training run, and the files it leaves."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine import topological_order
from glassgrad.memory import available_memory, describe_bytes, estimate
from nn import MLP, DivergenceError, History, fit
from nn import data as datasets
from nn.files import write_json_atomic, write_text_atomic
from nn.losses import LOSSES
from nn.train import OPTIMIZERS, TAKES_LOGITS, targets_for
from viz.diagram import Diagram

#: Dataset name -> how to make it from (n, noise, classes, seed).
DATASETS: dict[str, Any] = {
    "moons": lambda n, noise, classes, seed: datasets.make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, classes, seed: datasets.make_circles(n, noise=noise, seed=seed),
    "xor": lambda n, noise, classes, seed: datasets.make_xor(n, noise=noise, seed=seed),
    "spirals": lambda n, noise, classes, seed: datasets.make_spirals(n, classes=classes, noise=noise, seed=seed),
    "blobs": lambda n, noise, classes, seed: datasets.make_blobs(n, centers=classes, std=1.0 + noise, seed=seed),
}

#: The datasets whose number of classes is ``--classes``; the others have two.
MANY_CLASSES = ("spirals", "blobs")


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
    config: TrainConfig | None = None

    @property
    def loss_got_worse(self) -> bool:
        """True when the last epoch's loss is higher than the first epoch's (it takes two epochs to tell)."""
        loss = self.history.loss
        return len(loss) >= 2 and loss[-1] > loss[0]


def outputs_for(loss: str, classes: int, dataset: str) -> int:
    """How many outputs the network needs: one per class for cross entropy and MSE, one for binary losses."""
    if loss in ("hinge", "binary_cross_entropy"):
        if classes > 2:
            raise ValueError(f"--loss {loss} is for two classes; the {dataset} dataset here has {classes}")
        return 1
    return classes


def check_output_folder(out: str) -> None:
    """A ValueError unless ``out`` is a folder or can be made one (neither it nor a folder above it is a file)."""
    path = Path(out)
    for part in (path, *path.parents):
        if part.is_dir():
            return
        if part.exists():
            given = "an existing file" if part == path else f"a path under {str(part)!r}, which is a file"
            raise ValueError(f"--out {str(out)!r}: expected a folder (made if it is missing), got {given}")


def check_memory(config: TrainConfig) -> None:
    """A ValueError when the run's estimated memory (``glassgrad.memory``: the data, the parameters and one
    training step's graph) is more than the memory available, saying what it needs and what to change."""
    classes = config.classes if config.dataset in MANY_CLASSES else 2
    nout = 1 if config.loss in ("hinge", "binary_cross_entropy") else classes
    sizes = [2, *config.hidden, nout]
    numbers = [config.samples, *sizes] + ([] if config.batch_size is None else [config.batch_size])
    if not all(type(n) is int and n >= 1 for n in numbers):
        return  # the dataset, the MLP and fit refuse these, each saying why
    need = estimate(config.samples, sizes, config.batch_size, config.compile)
    available = available_memory()
    if available is None or need.total <= available:
        return
    graph = "compiled step" if config.compile else "step's graph"
    room = available - need.data - need.parameters
    per_example = need.step_graph // need.examples_per_step
    if need.examples_per_step > 1 and room >= per_example:
        advice = f"use --batch-size {room // per_example} or less"
    elif need.parameters > need.data:
        advice = "use smaller --hidden layers"
    else:
        advice = "use fewer --samples"
    raise ValueError(
        f"expected a run that fits in the {describe_bytes(available)} of memory available, got one that needs "
        f"about {describe_bytes(need.total)}: the data (--samples {config.samples}) {describe_bytes(need.data)}, "
        f"the parameters {describe_bytes(need.parameters)}, one {graph} ({need.examples_per_step:,} examples × "
        f"{need.nodes_per_example:,} nodes) {describe_bytes(need.step_graph)}; {advice}"
    )


def run(config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train as ``config`` says; write ``model.json``, ``history.json``, ``history.csv``, ``decision_boundary.png``,
    ``history.png`` and ``neuron.svg`` (one neuron's forward and backward graph) into ``config.out``."""
    if config.dataset not in DATASETS:
        raise ValueError(f"--dataset: expected one of {', '.join(DATASETS)}, got {config.dataset!r}")
    check_output_folder(config.out)
    check_memory(config)
    X, y = DATASETS[config.dataset](config.samples, config.noise, config.classes, config.seed)
    classes = max(y) + 1
    model = MLP(2, [*config.hidden, outputs_for(config.loss, classes, config.dataset)],
                activation=config.activation, output=config.output, seed=config.seed)
    out = Path(config.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # e.g. no permission: a clear message rather than a traceback
        raise ValueError(f"--out {str(config.out)!r}: cannot make the folder ({error.strerror})") from None
    diverged = None
    try:
        history = fit(model, X, y, loss=config.loss, optimizer=config.optimizer, lr=config.lr, epochs=config.epochs,
                      batch_size=config.batch_size, l2=config.l2, seed=config.seed, progress=progress,
                      compile=config.compile)
    except DivergenceError as error:
        history, diverged = error.history, str(error)
    predict = model.as_floats().predict  # the trained weights, read once
    accuracy = sum(predict(x) == t for x, t in zip(X, y)) / len(X)
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
    return TrainResult(model, history, files, accuracy, diverged, config)


def neuron_diagram(model: MLP, x: list[float], label: int, loss: str) -> Diagram:
    """The first hidden neuron's forward and backward graph for one example: data and ∂C/∂node on every node,
    the local derivative on every edge, for this example alone (the gradients that training left are cleared
    first). What reaches the neuron from the layers above, and what its inputs pass to other neurons, is not
    drawn: the picture's note says how much. The model's gradients are left at zero."""
    from viz import draw_graph

    nout = model.nouts[-1]
    (target,) = targets_for(loss, [label], nout)
    model.zero_grad()
    outputs = model.logits(x) if loss in TAKES_LOGITS else model(x)
    cost = LOSSES[loss](outputs, target)
    cost.backward()
    first = ("layer 0", "neuron 0")
    nodes = [n for n in topological_order(cost) if n.scope == first and n.label in ("a", "z")]
    neuron_out = next((n for n in nodes if n.label == "a"), nodes[0])
    example = ", ".join(f"{v:.4g}" for v in x)
    title = (f"layer 0, neuron 0 for one training example, x = ({example}), label {label}: "
             f"data and grad = ∂C/∂node of its {loss} loss C")
    diagram = draw_graph(neuron_out, show="both", params=model.parameters(), title=title)
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
    if result.loss_got_worse:
        lines.append(f"the loss got worse: {h.loss[0]:.4f} in epoch 1, {h.loss[-1]:.4f} in epoch {h.epochs}")
    if (result.diverged or result.loss_got_worse) and result.config is not None:
        lines.append(lr_hint(result.config))
    lines += [f"  {name:<12} {path}" for name, path in result.files.items()]
    return "\n".join(lines)


def lr_hint(config: TrainConfig) -> str:
    """What to try after a run that diverged or got worse: a lower ``--lr`` (the optimizer's default, or a tenth)."""
    default = OPTIMIZERS[config.optimizer][1] if config.optimizer in OPTIMIZERS else None
    lr = config.lr if config.lr is not None else default
    if lr is None:
        return "hint: the learning rate is probably too high: try a lower --lr"
    lower = default if default is not None and lr > default else lr / 10
    named = f" ({config.optimizer}'s default)" if lower == default else ""
    also = "; or the --l2 penalty outweighs the data" if config.l2 > 0 else ""
    return f"hint: the learning rate {lr:g} is probably too high: try a lower --lr, e.g. --lr {lower:g}{named}{also}"


def config_from_json(text: str) -> TrainConfig:
    """A config from the ``config`` object of a ``history.json`` (to rerun a run)."""
    return TrainConfig(**json.loads(text)["config"])
