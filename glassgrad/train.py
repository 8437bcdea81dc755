"""``glassgrad train``: the main job — a dataset, a network, a training run, and the files it leaves."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine import topological_order
from glassgrad.memory import available_memory, describe_bytes, estimate
from nn import MLP, DivergenceError, History, fit
from nn import data as datasets
from nn.compiled_step import BatchedStep
from nn.files import replacing_folder, write_json_atomic, write_text_atomic
from nn.losses import LOSSES, Penalty
from nn.notation import symbol
from nn.train import OPTIMIZERS, TAKES_LOGITS, make_step, targets_for
from viz.diagram import Diagram


def digits(n: int | None, seed: int) -> datasets.Dataset:
    """scikit-learn's 8×8 digits (``nn.data.load_digits``): all 1,797, or a seeded random ``n`` of them."""
    try:
        X, y = datasets.load_digits()
    except ImportError as error:  # a bad-input exit (2) with load_digits' advice, not a traceback
        raise ValueError(f"--dataset digits: {error}") from None
    if n is None:
        return X, y
    if not 1 <= n <= len(X):
        raise ValueError(f"--samples: expected 1 to {len(X):,} for the digits dataset (its size), got {n}")
    chosen = sorted(random.Random(seed).sample(range(len(X)), n))
    return [X[i] for i in chosen], [y[i] for i in chosen]


#: Dataset name -> how to make it from (n, noise, classes, seed); n None is the dataset's default size.
DATASETS: dict[str, Any] = {
    "moons": lambda n, noise, classes, seed: datasets.make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, classes, seed: datasets.make_circles(n, noise=noise, seed=seed),
    "xor": lambda n, noise, classes, seed: datasets.make_xor(n, noise=noise, seed=seed),
    "spirals": lambda n, noise, classes, seed: datasets.make_spirals(n, classes=classes, noise=noise, seed=seed),
    "blobs": lambda n, noise, classes, seed: datasets.make_blobs(n, centers=classes, std=1.0 + noise, seed=seed),
    "digits": lambda n, noise, classes, seed: digits(n, seed),
}

#: Points in a toy dataset when ``--samples`` is not given (digits: all of them).
DEFAULT_SAMPLES = 100

#: The datasets whose number of classes is ``--classes``; ``FIXED_SHAPE`` gives the others' (inputs, classes, size).
MANY_CLASSES = ("spirals", "blobs")
FIXED_SHAPE = {"digits": (64, 10, 1797)}

#: How many digits ``digits.png`` shows (the first of the test set).
DIGITS_SHOWN = 60

#: The largest input whose first hidden neuron ``neuron.svg`` draws (one edge and a node per input).
NEURON_DIAGRAM_MAX_INPUTS = 8

#: The files a run writes, by their key in ``TrainResult.files``. A folder that holds only these is an earlier
#: run's, which a new run replaces whole.
FILES = {
    "model": "model.json", "history": "history.json", "history_csv": "history.csv",
    "boundary_png": "decision_boundary.png", "history_png": "history.png", "neuron_svg": "neuron.svg",
    "weights_png": "weights.png", "digits_png": "digits.png",
}

#: Files a file browser leaves in any folder it shows (macOS, Windows): no reason to refuse a run's folder.
BROWSER_FILES = (".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass
class TrainConfig:
    """Everything a training run depends on; written beside its results."""

    dataset: str = "moons"
    samples: int | None = None  # None: DEFAULT_SAMPLES for a toy dataset, every image of digits
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
    test_split: float = 0.2  # the fraction held out as the test set (0: none)


@dataclass
class TrainResult:
    """What a run produced: the model, its history, the files written, the final training accuracy, the final
    test accuracy (None without a test set) and the pictures not drawn, each with why."""

    model: MLP
    history: History
    files: dict[str, Path]
    accuracy: float
    diverged: str | None = None
    config: TrainConfig | None = None
    test_accuracy: float | None = None
    skipped: list[str] = field(default_factory=list)

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


def check_earlier_run(out: str) -> None:
    """A ValueError unless ``out`` is missing, empty, or an earlier run's folder (only ``FILES`` in it): a run
    replaces the whole folder, so anything else in it would be lost."""
    path = Path(out)
    if not path.is_dir():
        return
    try:
        entries = list(path.iterdir())
    except OSError as error:
        raise ValueError(f"--out {str(out)!r}: cannot read the folder ({error.strerror})") from None
    runs = set(FILES.values())
    others = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in entries
                    if entry.name not in BROWSER_FILES and not (entry.name in runs and entry.is_file()))
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3:,} more" if len(others) > 3 else "")
        raise ValueError(f"--out {str(out)!r}: expected a new folder, an empty one or an earlier run's (a run "
                         f"replaces it whole), got a folder that also holds {shown}; choose another --out")


def check_test_split(fraction: object) -> float:
    """``--test-split`` as a float in [0, 1), or a ValueError saying what was expected."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= fraction < 1.0:
        raise ValueError(f"--test-split: expected a fraction in [0, 1) (0: no test set), got {fraction!r}")
    return float(fraction)


def split(X: list[list[float]], y: list[int], fraction: float, seed: int) -> tuple[datasets.Dataset, datasets.Dataset]:
    """``(X, y)`` as a training set and a seeded random ``round(len(X) · fraction)`` test set (empty for 0)."""
    if fraction == 0.0:
        return (X, y), ([], [])
    n_test = round(len(X) * fraction)
    if not 0 < n_test < len(X):
        raise ValueError(f"--test-split {fraction:g}: expected a fraction that holds out at least one of the "
                         f"{len(X)} points and trains on at least one, got {n_test} held out (0 means no test set)")
    X_train, y_train, X_test, y_test = datasets.train_test_split(X, y, fraction, seed=seed)
    return (X_train, y_train), (X_test, y_test)


def check_memory(config: TrainConfig) -> None:
    """A ValueError when the run's estimated memory (``glassgrad.memory``: the data, the parameters and one
    training step's graph) is more than the memory available, saying what it needs and what to change."""
    nin, classes, size = FIXED_SHAPE.get(config.dataset, (2, 2, DEFAULT_SAMPLES))
    classes = config.classes if config.dataset in MANY_CLASSES else classes
    samples = size if config.samples is None else config.samples
    nout = 1 if config.loss in ("hinge", "binary_cross_entropy") else classes
    sizes = [nin, *config.hidden, nout]
    numbers = [samples, *sizes] + ([] if config.batch_size is None else [config.batch_size])
    if not all(type(n) is int and n >= 1 for n in numbers):
        return  # the dataset, the MLP and fit refuse these, each saying why
    need = estimate(samples, sizes, config.batch_size, config.compile)
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
        f"about {describe_bytes(need.total)}: the data (--samples {samples}) {describe_bytes(need.data)}, "
        f"the parameters {describe_bytes(need.parameters)}, one {graph} ({need.examples_per_step:,} examples × "
        f"{need.nodes_per_example:,} nodes) {describe_bytes(need.step_graph)}; {advice}"
    )


def step_code(model: MLP, X: list[list[float]], y: list[int], config: TrainConfig) -> str:
    """The packed program of the step ``fit(compile=True)`` runs for ``config`` (``Compiled.matrix_source``): one
    example's loss and outputs, each layer a matrix product, then the L2 penalty's own when there is one."""
    targets = targets_for(config.loss, y, model.nouts[-1])
    penalty = Penalty("L2", config.l2, model.parameters()) if config.l2 else None
    step = make_step(model, config.loss, penalty=penalty, compile=True)
    assert isinstance(step, BatchedStep)  # a built-in loss
    code = step.trace(X[0], targets[0]).matrix_source
    if step.compiled_penalty is not None:
        code += "\n# the L2 penalty, a function of the parameters alone, packed on its own and added:\n"
        code += step.compiled_penalty.matrix_source
    return code.rstrip("\n")


def run(config: TrainConfig, progress: bool = True, on_code: Callable[[str], None] | None = None) -> TrainResult:
    """Train as ``config`` says, on all but a held-out test set (``config.test_split``); write ``model.json``,
    ``history.json``, ``history.csv``, ``history.png``, and for small inputs ``decision_boundary.png`` (2-D
    inputs) and ``neuron.svg`` (one neuron's forward and backward graph, up to NEURON_DIAGRAM_MAX_INPUTS
    inputs), for 8×8 digits ``weights.png`` (the first layer's weights as images) and ``digits.png`` (the
    first DIGITS_SHOWN test digits, mistakes marked) into ``config.out``.

    They are written into a new folder beside ``config.out``, made before training, which then replaces it
    whole (``nn.files.replacing_folder``). A ValueError before training when that folder cannot be made or
    ``config.out`` holds files that are not a run's; when writing fails (an OSError) or training is
    interrupted (KeyboardInterrupt), ``config.out`` is as it was. ``on_code``, when given, gets the packed program
    of the compiled step before training (``step_code``; with ``config.compile``)."""
    if config.dataset not in DATASETS:
        raise ValueError(f"--dataset: expected one of {', '.join(DATASETS)}, got {config.dataset!r}")
    fraction = check_test_split(config.test_split)
    check_output_folder(config.out)
    check_earlier_run(config.out)
    check_memory(config)
    samples = DEFAULT_SAMPLES if config.samples is None and config.dataset not in FIXED_SHAPE else config.samples
    X_all, y_all = DATASETS[config.dataset](samples, config.noise, config.classes, config.seed)
    classes = max(y_all) + 1
    (X, y), (X_test, y_test) = split(X_all, y_all, fraction, config.seed)
    nin = len(X[0])
    model = MLP(nin, [*config.hidden, outputs_for(config.loss, classes, config.dataset)],
                activation=config.activation, output=config.output, seed=config.seed)
    if on_code is not None and config.compile:
        on_code(step_code(model, X, y, config))
    with replacing_folder(config.out, "--out") as folder:
        diverged = None
        try:
            history = fit(model, X, y, loss=config.loss, optimizer=config.optimizer, lr=config.lr,
                          epochs=config.epochs, batch_size=config.batch_size, l2=config.l2, seed=config.seed,
                          progress=progress, compile=config.compile, validation=(X_test, y_test) if X_test else None)
        except DivergenceError as error:
            history, diverged = error.history, str(error)
        predict = model.as_floats().predict  # the trained weights, read once
        accuracy = sum(predict(x) == t for x, t in zip(X, y)) / len(X)
        test_accuracy = sum(predict(x) == t for x, t in zip(X_test, y_test)) / len(X_test) if X_test else None
        files = {
            "model": model.save(folder / FILES["model"]),
            "history": write_json_atomic(folder / FILES["history"], {
                "config": asdict(config), **history.to_dict(), "final_accuracy": accuracy,
                "final_test_accuracy": test_accuracy, "diverged": diverged,
            }),
            "history_csv": write_text_atomic(folder / FILES["history_csv"], history.to_csv()),
        }
        from viz.digits import PIXELS, plot_digit_predictions, plot_weight_images  # matplotlib: loaded when needed
        from viz.plots import plot_decision_boundary, plot_history, save_figure

        skipped = []
        if nin == 2:
            tested = "" if test_accuracy is None else f", {test_accuracy:.1%} test"
            title = f"{config.dataset}: {accuracy:.1%} training{tested} accuracy after {history.epochs} epochs"
            files["boundary_png"] = save_figure(plot_decision_boundary(model, X, y, title=title),
                                                folder / FILES["boundary_png"])
        else:
            skipped.append(f"no decision_boundary.png: it draws the plane of 2-D inputs, these have {nin}")
        files["history_png"] = save_figure(plot_history(history), folder / FILES["history_png"])
        if nin <= NEURON_DIAGRAM_MAX_INPUTS:
            files["neuron_svg"] = neuron_diagram(model, X[0], y[0], config.loss).save(folder / FILES["neuron_svg"])
        else:
            skipped.append(f"no neuron.svg: the first hidden neuron has {nin} inputs, too many edges to read "
                           f"(drawn for {NEURON_DIAGRAM_MAX_INPUTS} or fewer)")
        if nin == PIXELS:  # each row an 8×8 image: what the first layer looks for, and which digits it gets wrong
            files["weights_png"] = save_figure(plot_weight_images(model), folder / FILES["weights_png"])
            shown_X, shown_y, which = (X_test, y_test, "test") if X_test else (X, y, "training")
            right = sum(predict(x) == t for x, t in zip(shown_X, shown_y))
            title = (f"{right} of the {len(shown_X)} {which} digits right ({right / len(shown_X):.1%}) "
                     f"after {history.epochs} epoch{'' if history.epochs == 1 else 's'}")
            if len(shown_X) > DIGITS_SHOWN:
                title += f"; the first {DIGITS_SHOWN} of them"
            files["digits_png"] = save_figure(plot_digit_predictions(model, shown_X, shown_y, count=DIGITS_SHOWN,
                                                                     title=title), folder / FILES["digits_png"])
    files = {key: Path(config.out) / path.name for key, path in files.items()}  # where they are now
    return TrainResult(model, history, files, accuracy, diverged, config, test_accuracy, skipped)


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
    first = (model.layers[0].name, model.layers[0].neurons[0].name)
    a, z = symbol("a", (1,), 1), symbol("z", (1,), 1)  # the lecture's a₁¹ and z₁¹, as nn labels them
    nodes = [n for n in topological_order(cost) if n.scope == first and n.label in (a, z)]
    neuron_out = next((n for n in nodes if n.label == a), nodes[0])
    example = ", ".join(f"{v:.4g}" for v in x)
    title = (f"neuron 1 of layer 1 ({neuron_out.label}) for one training example, x = ({example}), label {label}: "
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
        tested = "" if result.test_accuracy is None else f", test accuracy {result.test_accuracy:.1%}"
        lines.append(f"trained {h.epochs} epochs: loss {h.loss[0]:.4f} -> {h.loss[-1]:.4f}, "
                     f"training accuracy {result.accuracy:.1%}{tested}")
    if result.loss_got_worse:
        lines.append(f"the loss got worse: {h.loss[0]:.4f} in epoch 1, {h.loss[-1]:.4f} in epoch {h.epochs}")
    if (result.diverged or result.loss_got_worse) and result.config is not None:
        lines.append(lr_hint(result.config))
    lines += [f"  {name:<12} {path}" for name, path in result.files.items()]
    lines += [f"  {note}" for note in result.skipped]
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
