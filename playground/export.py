"""What the playground hands out: the model's JSON, the Python that reproduces a run, the closest
``glassgrad train`` command, and a backward pass as a standalone step-through page."""

from __future__ import annotations

import html
import json

from engine import Value
from nn import MLP
from playground.session import Session
from playground.settings import OUTPUT_LOSSES
from viz.steps import step_backward

#: the step-through of one example's whole backward pass is offered up to this many op nodes
MAX_EXAMPLE_STEPS = 400


def model_file(model: MLP) -> dict[str, str]:
    """The model as ``model.json``: ``Module.document``, what ``MLP.save`` writes and ``MLP.load`` reads."""
    return {"what": "model", "filename": "model.json", "text": json.dumps(model.document(), indent=1)}


def code(session: Session) -> str:
    """Python that reproduces this run at the step it is on: its settings (its URL hash) and as many steps; or,
    once it was changed by hand (a weight typed, points added, settings changed while it trained, a CSV), the run
    itself as ``Session.to_document`` keeps it."""
    if session.own:
        return ("# a playground on your own model and data: it trained the MLP you passed in place;\n"
                "# save it with playground.model.save('model.json') and load it with MLP.load\n")
    if session.replayable:
        made = (f"from playground import Session, Settings\n\n"
                f"session = Session(Settings.from_hash({session.settings.to_hash()!r}))\n"
                f"for _ in range({session.step_count}):  # mini-batches of {session.settings.batchSize}: "
                f"{session.epoch_count} epochs and what this one has done\n"
                f"    session.step()\n")
    else:
        made = ("import json\n\nfrom playground import Session\n\n"
                "# changed by hand on the way, so its settings alone do not replay it: the run itself, at this step\n"
                f"session = Session.restore(json.loads({json.dumps(session.to_document())!r}))\n")
    return (f"{made}print(session.epoch_count, session.train_loss, session.test_loss)\n"
            f"session.model.save('model.json')  # MLP.load('model.json') reads it\n\n"
            f"# the closest glassgrad train command (its own data generator and input x1, x2 only):\n"
            f"# {command(session)}\n")


def command(session: Session) -> str:
    """The ``glassgrad train`` command closest to this run (``glassgrad train`` makes its own data and takes
    x1, x2 as the inputs: the features are not among its options)."""
    st = session.settings
    dataset = {"gauss": "blobs", "reg-plane": "moons", "reg-gauss": "moons"}.get(st.dataset, st.dataset)
    parts = ["glassgrad train", f"--dataset {dataset}", f"--noise {st.noise / 100:g}",
             f"--hidden {' '.join(map(str, st.networkShape))}" if st.networkShape else "",
             f"--activation {st.activation}", f"--loss {OUTPUT_LOSSES[st.output]}",
             f"--optimizer {'sgd' if st.optimizer == 'momentum' else st.optimizer}", f"--lr {st.learningRate:g}",
             f"--epochs {max(1, session.epoch_count)}", f"--batch-size {st.batchSize}",
             f"--test-split {1 - st.percTrainData / 100:g}", f"--seed {st.seed}"]
    if st.regularization == "L2" and st.regularizationRate:
        parts.append(f"--l2 {st.regularizationRate:g}")
    if st.dataset in ("spirals", "gauss"):
        parts.append(f"--classes {st.classes}")
    return " ".join(p for p in parts if p)


def steps_page(root: Value, title: str, gradient: float = 1.0) -> str:
    """A standalone page stepping through the backward pass from ``root`` (``step_backward``, seeded with
    ``gradient``), for an iframe."""
    player = step_backward(root, max_steps=MAX_EXAMPLE_STEPS, gradient=gradient).html()
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>body{{font-family:'DejaVu Sans',sans-serif;font-size:13px;margin:6px}}</style></head>"
            f"<body><p>{html.escape(title)}</p>{player}</body></html>")
