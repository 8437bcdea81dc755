"""The ``glassgrad`` console command: ``glassgrad train`` (the main job), ``graph``, ``playground`` and ``demo``."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from engine import Value, topological_order
from engine import compile as compile_graph
from glassgrad import demo
from glassgrad.exits import EXIT_INTERRUPTED
from glassgrad.expression import EXAMPLE, build, parse_assignments, syntax_help
from glassgrad.train import DATASETS, DEFAULT_SAMPLES, TrainConfig, check_test_split, run, summary
from nn.activations import ACTIVATIONS
from nn.losses import LOSSES
from nn.network import OUTPUTS
from nn.train import OPTIMIZERS
from viz.graph import MAX_NODES, SHOWS, draw_graph
from viz.quiz import take_quiz
from viz.render import RENDERERS, RenderError
from viz.steps import step_backward

#: The exit status when stdout is closed before glassgrad is done (``glassgrad demo | head``): 128 + SIGPIPE,
#: what ``cat`` or ``yes`` report there, so ``set -o pipefail`` treats glassgrad like them.
EXIT_BROKEN_PIPE = 141

#: The exit status when ``glassgrad train`` trained but could not write its files (a full disk ...): sysexits.h's
#: EX_IOERR.
EXIT_NOT_SAVED = 74

#: What each exit status means; the end of ``glassgrad --help`` and ``glassgrad train --help``.
EXIT_STATUS = f"""exit status:
  0    done (train: and the last epoch's loss is not higher than the first's)
  1    train: training diverged, or the last epoch's loss is higher than the first's; the files
       are written, and the summary says so and suggests a lower --lr
  2    bad input (an unknown choice, an --out that is a file, not writable or holds other files,
       a run whose estimated memory is more than is free, a graph too big to draw): a message on
       stderr saying what was expected, nothing trained
  {EXIT_NOT_SAVED}   train: writing the files failed (e.g. a full disk); one line on stderr, and the
       --out folder is as it was before the run
  {EXIT_INTERRUPTED}  stopped by Ctrl-C (playground: 0, Ctrl-C is how it ends); train: the --out
       folder is as it was before the run
  {EXIT_BROKEN_PIPE}  stdout was closed early, e.g. glassgrad demo | head (quietly, as cat does)"""


def version() -> str:
    """glassgrad's version as installed (``importlib.metadata``); ``0+unknown`` when run from a source tree that
    is not installed (``pip install -e .`` fixes that)."""
    try:
        return importlib.metadata.version("glassgrad")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except None and False (their help says what they mean)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False:
            return action.help or ""
        return super()._get_help_string(action) or ""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``glassgrad``: one subcommand per job."""
    parser = argparse.ArgumentParser(
        prog="glassgrad",
        description="glassgrad: a glass-box scalar autograd engine. See every derivative.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    installed = version()
    parser.add_argument("--version", action="version",
                        version=f"glassgrad {installed}" + (" (not installed)" if installed == "0+unknown" else ""))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="print a worked example of backpropagation through one neuron")
    defaults = TrainConfig()
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy dataset and write the model and its history",
        description=textwrap.fill(
            "Train a multilayer perceptron on a 2-D toy dataset (or the 8×8 digits) with a progress bar, holding out "
            "a test set, then write model.json (the trained weights), history.json and history.csv (loss and "
            "accuracy per epoch, on the training and the test set) and pictures into the output folder: "
            "history.png; for 2-D data decision_boundary.png and neuron.svg (one neuron's graph); for the digits "
            "weights.png (what each first-layer neuron looks for) and digits.png (test digits with their "
            "predictions, mistakes in red).",
            79),
        epilog=EXIT_STATUS,
        formatter_class=_RawDescriptionHelpFormatter,
    )
    data = train.add_argument_group("data")
    data.add_argument("--dataset", choices=list(DATASETS), default=defaults.dataset,
                      help="a 2-D toy dataset, or digits: scikit-learn's 8×8 handwritten digits (64 inputs, 10 "
                           "classes; pip install 'glassgrad[digits]')")
    data.add_argument("--samples", type=int, default=defaults.samples,
                      help=f"number of points in all (default: {DEFAULT_SAMPLES}; digits: all 1,797, or a seeded "
                           "random subset). No fixed limit: a run is refused when its estimated memory (the "
                           "data, the parameters and one step's graph, from costs per point and per node measured "
                           "once) is more than the memory free, saying what it needs")
    data.add_argument("--noise", type=float, default=defaults.noise, help="standard deviation of the noise")
    data.add_argument("--classes", type=int, default=defaults.classes, help="classes of spirals and blobs")
    data.add_argument("--test-split", type=_fraction, default=defaults.test_split, metavar="FRACTION",
                      help="the fraction of the points held out as a test set (split with --seed), reported beside "
                           "the training accuracy; 0: no test set")
    net = train.add_argument_group("network")
    net.add_argument("--hidden", type=int, nargs="*", default=defaults.hidden, metavar="SIZE",
                     help="hidden layer sizes; the output layer has one neuron per class (one for binary losses)")
    net.add_argument("--activation", choices=list(ACTIVATIONS), default=defaults.activation,
                     help="activation of the hidden neurons")
    net.add_argument("--output", choices=list(OUTPUTS), default=defaults.output,
                     help="what the network returns; losses always use its logits")
    opt = train.add_argument_group("training")
    opt.add_argument("--loss", choices=list(LOSSES), default=defaults.loss,
                     help="loss per example, computed from the logits; the mean over each batch is minimized")
    opt.add_argument("--optimizer", choices=list(OPTIMIZERS), default=defaults.optimizer, help="update rule")
    opt.add_argument("--lr", type=float, default=defaults.lr,
                     help="learning rate (default: 0.1 for sgd, 0.01 for adam)")
    opt.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the data")
    opt.add_argument("--batch-size", type=int, default=defaults.batch_size, help="examples per step (default: all)")
    opt.add_argument("--l2", type=float, default=defaults.l2, help="L2 penalty alpha·Σp²")
    opt.add_argument("--seed", type=int, default=defaults.seed, help="seed of the data, the weights and the batches")
    opt.add_argument("--compile", action="store_true",
                     help="trace one example's step once and run its generated code over each mini-batch (with "
                          "numpy: the packed program, each layer a matrix product): the same results to rounding, "
                          "many times faster")
    opt.add_argument("--show-code", action="store_true",
                     help="with --compile: first print the packed program the compiled step runs, the lecture's "
                          "z = a @ W.T + b found in the graph of scalars")
    train.add_argument("--out", default=None,
                       help="output folder: a new one, an empty one or an earlier run's, which the run replaces "
                            "whole once all its files are written (default: runs/DATASET)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_graph(commands)
    _add_playground(commands)
    return parser


class _RawDescriptionHelpFormatter(argparse.RawDescriptionHelpFormatter, _HelpFormatter):
    """Keeps the line breaks of the description and the epilog (examples, exit status), and shows defaults."""


def _add_graph(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    graph = commands.add_parser(
        "graph",
        help=f'draw the forward and backward graph of an expression, like "{EXAMPLE}"',
        description="\n\n".join(textwrap.fill(paragraph, 79, break_on_hyphens=False) for paragraph in (
            "Evaluate an expression of named numbers, backpropagate through it, print its value f and the gradient "
            "∂f/∂NAME of each variable, and draw its graph (every value, every local derivative, every gradient) "
            "as a picture; --steps also writes a page that steps through the backward pass.",
            syntax_help(),
        )),
        epilog=f"""examples:
  glassgrad graph "{EXAMPLE}" x=0.5 w=-1.2 b=0.3 --out g.svg
  glassgrad graph "x**2 + 2**x - x/y" x=3 y=2 --steps steps.html
  glassgrad graph "{EXAMPLE}" x=0.5 w=-1.2 b=0.3 --quiz   (do the backward pass yourself, here)
  glassgrad graph "leaky_relu(x, s=0.1) + logsumexp(x, y, 1)" x=-2 y=0.5
  glassgrad graph --out neg.svg -- "-x*y" x=1 y=2   (an expression that starts with '-' goes after --)

Options go after the variables (or before the expression).""",
        formatter_class=_RawDescriptionHelpFormatter,
    )
    graph.add_argument("expression", metavar="EXPR", help=f'the expression, in quotes: "{EXAMPLE}"')
    graph.add_argument("variables", nargs="*", metavar="NAME=VALUE",
                       help="the value of each variable of the expression, like x=0.5 (no spaces around '=')")
    graph.add_argument("--out", default="graph.svg", help="the picture to write: .svg, .png or .dot")
    graph.add_argument("--steps", default=None, metavar="PATH",
                       help="also write an HTML page that steps through the backward pass (.html)")
    graph.add_argument("--quiz", action="store_true",
                       help="the backward pass as a quiz, here: each step's local derivatives and what its edges pass "
                            "back (numbers or arithmetic like 2*-0.0125; a wrong answer may be tried again), then the "
                            "gradients; with --steps, the quiz as a page instead. --out gets the question: the graph "
                            "with its data, no gradients")
    graph.add_argument("--code", action="store_true",
                       help="also print the Python that engine.compile writes for the expression: the forward pass "
                            "line by line, then the chain rule; and its packed program (compiled.matrix_source), "
                            "the nodes that do the same op side by side as whole-array lines")
    graph.add_argument("--show", choices=SHOWS, default="both",
                       help="what the boxes show: the data (forward), the gradients (backward) or both")
    graph.add_argument("--renderer", choices=RENDERERS, default="auto",
                       help="the dot program: the system Graphviz (system), the one pip installed (bundled), or the "
                       "system one when there is one (auto)")


def _add_playground(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    playground = commands.add_parser(
        "playground",
        help="train a network live in the browser (a local server; Ctrl-C stops it)",
        description=textwrap.fill(
            "Serve the playground: pick a data set, shape a network, press play and watch every neuron learn, "
            "trained on glassgrad's engine. Prints the address to open (with its access token) and serves until "
            "Ctrl-C.", 79),
        formatter_class=_HelpFormatter,
    )
    playground.add_argument("--port", type=_port, default=0, help="the port to serve on (default: a free one)")
    playground.add_argument("--host", default="127.0.0.1",
                            help="the address to listen on; anything but this machine's own gets a warning")
    playground.add_argument("--no-browser", action="store_true", help="do not open the page in the default browser")
    playground.add_argument("--state", metavar="FILE", type=Path, default=None,
                            help="the file the run is kept in across restarts, with its token and port (default: "
                            "glassgrad/playground.json in the user's cache folder)")
    playground.add_argument("--no-state", action="store_true", help="keep nothing: a new run at every start")
    playground.add_argument("--token", default=None,
                            help="the access token (default: the kept run's, else a new random one), so that an open "
                            "page reconnects after a restart")


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535 (0: a free one), got {text!r}")
    return int(text)


def _playground(args: argparse.Namespace) -> int:
    from playground.saved import default_path
    from playground.server import serve  # starlette and uvicorn load only for this command

    state = None if args.no_state else (args.state or default_path())
    try:
        return serve(args.host, args.port, open_browser=not args.no_browser, state=state, token=args.token)
    except ValueError as error:
        print(f"glassgrad playground: {error}", file=sys.stderr)
        return 2


def _fraction(text: str) -> float:
    """``--test-split``'s value: a float in [0, 1), else argparse's error (exit status 2)."""
    try:
        return check_test_split(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1) (0: no test set), got {text!r}") from None


def _train(args: argparse.Namespace) -> int:
    config = TrainConfig(
        dataset=args.dataset, samples=args.samples, noise=args.noise, classes=args.classes, hidden=list(args.hidden),
        activation=args.activation, output=args.output, loss=args.loss, optimizer=args.optimizer, lr=args.lr,
        epochs=args.epochs, batch_size=args.batch_size, l2=args.l2, seed=args.seed, compile=args.compile,
        out=args.out or f"runs/{args.dataset}", test_split=args.test_split,
    )
    if args.show_code and not args.compile:
        print("glassgrad train: --show-code: expected --compile too (the code shown is the compiled step's)",
              file=sys.stderr)
        return 2
    pressed: list[int] = []
    try:
        with _ctrl_c_noted(pressed):
            result = run(config, progress=not args.no_progress, on_code=print if args.show_code else None)
    except BaseException as error:
        return _train_failed(error, config.out, interrupted=bool(pressed))
    print(summary(result))
    return 1 if result.diverged or result.loss_got_worse else 0


def _train_failed(error: BaseException, out: str, interrupted: bool) -> int:
    """The exit status of a run that raised ``error``, after one line on stderr saying what happened (``run``
    leaves ``--out`` as it was); an error of another kind is raised again."""
    kept = f"nothing saved, --out {out!r} is as it was"
    if interrupted or isinstance(error, KeyboardInterrupt):
        message, code = f"interrupted; {kept}", EXIT_INTERRUPTED
    elif isinstance(error, (TypeError, ValueError)):
        message, code = str(error), 2
    elif isinstance(error, (OSError, RenderError)):  # writing the files, into the folder that replaces --out
        reason = error.strerror if isinstance(error, OSError) and error.strerror else " ".join(str(error).split())
        message, code = f"could not write the run's files ({reason}); {kept}", EXIT_NOT_SAVED
    else:
        raise error
    print(f"glassgrad train: {message}", file=sys.stderr)
    return code


@contextmanager
def _ctrl_c_noted(pressed: list[int]) -> Iterator[None]:
    """Ctrl-C during the block raises KeyboardInterrupt as usual and is noted in ``pressed`` too, so that a library
    which turns it into another error (numpy's import does: an ImportError) cannot hide it. Only where Python's
    own handler is in place: in the main thread, and not when Ctrl-C is ignored (a background job)."""
    if threading.current_thread() is not threading.main_thread() or (
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return

    def note(signum: int, frame: FrameType | None) -> None:
        pressed.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


#: The most edges ``glassgrad graph`` draws, beside at most MAX_NODES nodes: each input of an op is one (``sum(x, x)``
#: has two) and they, more than the nodes, make drawing slow. MAX_NODES two-input ops summed have about three a node.
MAX_EDGES = 3 * MAX_NODES


def _check_drawable(root: Value) -> None:
    """A ValueError when the graph of ``root`` has more than MAX_NODES nodes or MAX_EDGES edges, counted before
    anything is drawn."""
    order = topological_order(root)
    nodes, edges = len(order), sum(len(value.parents) for value in order)
    if nodes > MAX_NODES or edges > MAX_EDGES:
        raise ValueError(f"expected a graph of at most {MAX_NODES:,} nodes and {MAX_EDGES:,} edges to draw, got "
                         f"{nodes:,} nodes and {edges:,} edges (each input of an op is an edge: sum(x, x) has 2); "
                         "draw a smaller expression")


def _suffix_error(path: str, suffixes: tuple[str, ...], option: str) -> str | None:
    if Path(path).suffix.lower() in suffixes:
        return None
    return f"{option} {path!r}: expected a path ending in {', '.join(suffixes)}"


def _graph(args: argparse.Namespace) -> int:
    problem = _suffix_error(args.out, (".svg", ".png", ".dot", ".gv"), "--out")
    if problem is None and args.steps is not None:
        problem = _suffix_error(args.steps, (".html", ".htm"), "--steps")
    if problem is not None:
        print(f"glassgrad graph: {problem}", file=sys.stderr)
        return 2
    try:
        variables = parse_assignments(args.variables)
        built = build(args.expression, variables)
        root = built.root
        _check_drawable(root)
        root.backward()
        print(f"f = {root.data:.6g}")
        if args.quiz and not _graph_quiz(args, root):
            return 0
        for name in variables:
            leaf = built.leaves.get(name)
            if leaf is None:
                print(f"∂f/∂{name} = 0   ({name} does not appear in the expression)")
            else:
                print(f"∂f/∂{name} = {leaf.grad:.6g}")
        if args.code:
            print(_compiled_source(args.expression, variables))
        if not args.quiz:
            print(f"wrote {draw_graph(root, show=args.show, renderer=args.renderer).save(args.out)}")
        if args.steps is not None and not args.quiz:
            print(f"wrote {step_backward(root, show=args.show, renderer=args.renderer).save(args.steps)}")
    except (ValueError, RuntimeError, OSError) as error:  # bad input, no dot program, a file not writable
        print(f"glassgrad graph: {error}", file=sys.stderr)
        return 2
    return 0


def _graph_quiz(args: argparse.Namespace, root: Value) -> bool:
    """``--quiz``: --out gets the question (the graph with its data, no gradient); with --steps the quiz is written
    as a page (False: print no gradient, they are its answers), else asked here (True: then the gradients)."""
    steps = step_backward(root, show=args.show, renderer=args.renderer, quiz=True)
    print(f"wrote {steps.still().save(args.out)} (the question: the graph with its data, no gradient yet)")
    if args.steps is not None:
        print(f"wrote {steps.save(args.steps)} (the quiz: open it in a browser)")
        return False
    take_quiz(steps)
    return True


def _compiled_source(expression: str, variables: dict[str, float]) -> str:
    """The code ``engine.compile`` writes for the expression, its variables as the inputs, and its packed program."""
    names = list(variables)
    leaves = [Value(variables[name], label=name) for name in names]

    def f(*values: Value) -> Value:
        return build(expression, variables, dict(zip(names, values))).root

    compiled = compile_graph(f, leaves)
    packed = ("# packed (compiled.matrix_source): the nodes that do the same op side by side, as whole-array lines; "
              "p holds the variables")
    return f"{compiled.source}\n{packed}\n{compiled.matrix_source}".rstrip("\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``glassgrad`` with ``argv`` (default: the process arguments); returns the exit code.

    When stdout is closed before the output is all written (``glassgrad demo | head``), it stops quietly
    with ``EXIT_BROKEN_PIPE`` rather than a ``BrokenPipeError`` traceback (the recipe of Python's ``signal``
    documentation); after Ctrl-C, with ``EXIT_INTERRUPTED`` and one line rather than a ``KeyboardInterrupt``
    traceback.
    """
    try:
        try:
            return _main(argv)
        finally:  # flushed here, so that a closed pipe is met inside the try, not at interpreter exit
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:  # train says itself what it kept
        print("glassgrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _silence_stdout() -> None:
    """Point stdout's file descriptor at the null device, so the flush at interpreter exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured, or replaced by a test)
        pass


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo.run()
        return 0
    if args.command == "train":
        return _train(args)
    if args.command == "graph":
        return _graph(args)
    if args.command == "playground":
        return _playground(args)
    parser.print_help()
    return 2
