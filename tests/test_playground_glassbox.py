"""The playground opened up (issue 17): an example's numbers, a neuron's panel, the gradient view, time travel,
divergence explained, and what can be taken away — through the Runner, and in Chromium."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nn import MLP
from nn.losses import LOSSES
from playground import timeline
from playground.runner import Runner
from playground.session import Session
from playground.settings import Settings


@pytest.fixture
def runner() -> Iterator[Runner]:
    r = Runner(Session(Settings(seed=2)), resolution=6)
    r.handle({"type": "epoch"})
    yield r
    r.close()


def test_glassbox_example_numbers_are_the_engines(runner: Runner) -> None:
    frame = runner.handle({"type": "select-example", "part": "train", "index": 7})
    session = runner.session
    x, target = session.examples.train_inputs[7], session.examples.train_targets[7]
    model = MLP.from_config(session.model.config())
    model.load_state_dict(session.model.state_dict())
    cost = LOSSES["cross_entropy"](model.logits(x), target)
    cost.backward()
    z = model.layers[1].neurons[0].b  # ∂C/∂b = ∂C/∂z of neuron 2.1 (layer 2, neuron 1)
    assert frame["example"]["loss"] == cost.data
    assert frame["example"]["neurons"]["2.1"]["dz"] == z.grad
    assert frame["selected"] == {"example": ["train", 7], "neuron": None}


def test_glassbox_neuron_panel_shows_the_lectures_identity(runner: Runner) -> None:
    runner.handle({"type": "select-example", "part": "test", "index": 3})
    panel = runner.handle({"type": "open-neuron", "neuron": "2.2"})["panel"]
    assert panel["neuron"] == "2.2" and "<svg" in panel["svg"]
    assert len(panel["rows"]) == 4  # neuron 2.1 has the four neurons of layer 1 as inputs
    for row in panel["rows"]:
        assert row["grad"] == row["a"] * row["dz"] == row["product"]  # ∂C/∂w = a · ∂C/∂z, bit for bit
    assert panel["bias"]["grad"] == panel["dz"]
    assert runner.selected_neuron == "2.2"


def test_glassbox_panel_is_drawn_once_per_moment_and_choice(runner: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    import playground.glassbox

    drawn: list[str] = []
    draw = playground.glassbox.draw_graph
    monkeypatch.setattr(playground.glassbox, "draw_graph", lambda *a, **k: drawn.append("svg") or draw(*a, **k))
    runner.handle({"type": "open-neuron", "neuron": "2.2"})
    first = runner.frame()
    again = runner.frame(full=True)
    assert len(drawn) == 1 and again["panel"] == first["panel"]  # paused, nothing changed: not drawn again
    runner.handle({"type": "open-neuron", "neuron": "2.1"})
    runner.handle({"type": "step"})
    assert len(drawn) == 3 and runner.frame()["panel"]["neuron"] == "2.1"


def test_glassbox_leaves_trainings_gradients_alone(runner: Runner) -> None:
    runner.handle({"type": "step"})
    grads = [p.grad for p in runner.session.model.parameters()]
    frame = runner.handle({"type": "select-example", "part": "train", "index": 0})
    runner.handle({"type": "open-neuron", "neuron": "1.3"})
    assert [p.grad for p in runner.session.model.parameters()] == grads
    assert frame["gradients"] == {n: p.grad for n, p in runner.session.model.named_parameters()}


def test_glassbox_timeline_restores_an_epochs_weights_and_continues_from_there(runner: Runner) -> None:
    weights = {1: runner.state()["parameters"]}
    for epoch in (2, 3):
        runner.handle({"type": "epoch"})
        weights[epoch] = runner.state()["parameters"]
    frame = runner.handle({"type": "view-epoch", "epoch": 2})
    assert frame["epoch"] == 2 and frame["parameters"] == weights[2] and frame["timeline"]["viewing"] == 2
    assert runner.state()["parameters"] == weights[2]  # GET /api/state answers the epoch the slider shows
    assert frame["train_loss"] == pytest.approx(runner.history[2][1])
    frame = runner.handle({"type": "continue"})
    assert frame["timeline"] == {"epochs": [0, 1, 2], "viewing": None}
    assert runner.session.state()["parameters"] == weights[2]
    frame = runner.handle({"type": "epoch"})
    assert frame["epoch"] == 3 and frame["parameters"] != weights[3]  # a new optimizer from epoch 2


def test_glassbox_timeline_is_thinned_to_its_bound_keeping_first_and_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline, "MAX_EPOCHS", 8)  # the bound is under test, not its size: a few epochs reach it
    r = Runner(Session(Settings(percTrainData=10, batchSize=50)), resolution=4)
    for _ in range(3 * timeline.MAX_EPOCHS + 1):  # one step a whole epoch (25 training points, batches of 50)
        r.session.step()
        r._record()
    assert r.session.epoch_count > timeline.MAX_EPOCHS
    assert len(r.timeline.parameters) == len(r.history) <= timeline.MAX_EPOCHS
    assert [r.history[0][0], r.history[-1][0]] == [0, r.session.epoch_count]  # thinning keeps the first and last
    epoch = r.history[1][0]
    assert r.handle({"type": "view-epoch", "epoch": epoch})["epoch"] == epoch


def test_glassbox_divergence_pauses_and_names_the_op() -> None:
    r = Runner(Session(Settings(learningRate=30, activation="relu", output="mse", batchSize=1)), resolution=4)
    for _ in range(5):
        frame = r.handle({"type": "epoch"})
        if frame["divergence"]:
            break
    assert frame["divergence"] is not None
    assert "gave inf from finite inputs" in frame["divergence"]["message"]
    assert not r.playing and frame["example"] is None


def test_glassbox_saved_model_loads_with_mlp_load(runner: Runner, tmp_path: Path) -> None:
    export = runner.handle({"type": "export", "what": "model"})["export"]
    (tmp_path / export["filename"]).write_text(export["text"])
    model = MLP.load(tmp_path / export["filename"])
    assert model.state_dict() == runner.session.model.state_dict()


def run_code(runner: Runner) -> Any:
    """The session the page's *Copy code* makes, run here."""
    code = runner.handle({"type": "export", "what": "code"})["export"]["text"]
    assert "glassgrad train --dataset moons" in code
    scope: dict[str, Any] = {}
    exec(compile(code.replace("session.model.save('model.json')", ""), "playground.py", "exec"), scope)
    return scope["session"]


def test_glassbox_code_reproduces_the_run_at_any_step(runner: Runner) -> None:
    runner.handle({"type": "epoch"})
    for _ in range(3):  # mid-epoch, as after Play and Pause
        runner.handle({"type": "step"})
    session = run_code(runner)
    assert session.model.state_dict() == runner.session.model.state_dict()
    assert (session.epoch_count, session.step_count) == (runner.session.epoch_count, runner.session.step_count)


def test_glassbox_code_of_a_run_changed_by_hand_is_the_run_itself(runner: Runner) -> None:
    runner.handle({"type": "weight", "name": "layers.0.neurons.0.b", "value": 0.75})
    runner.handle({"type": "add-point", "x1": 0.2, "x2": 0.3, "label": 1})
    runner.handle({"type": "settings", "hash": "learningRate=0.1"})
    runner.handle({"type": "step"})
    session = run_code(runner)
    assert session.model.state_dict() == runner.session.model.state_dict()
    assert session.train == runner.session.train and session.settings == runner.session.settings


@pytest.mark.slow  # builds two step-through pages
def test_glassbox_steps_page_is_a_player(runner: Runner) -> None:
    runner.handle({"type": "open-neuron", "neuron": "1.1"})
    for scope in ("neuron", "example"):
        page = runner.handle({"type": "export", "what": "steps", "scope": scope})["export"]["text"]
        assert page.startswith("<!doctype html>") and "ggStepPlayer" in page


@pytest.mark.parametrize(("message", "expected"), [
    ({"type": "open-neuron", "neuron": "9.0"}, "neuron: expected L.j"),
    ({"type": "open-neuron", "neuron": "1.x"}, "neuron: expected L.j"),
    ({"type": "select-example", "part": "train", "index": 10_000}, "select-example: expected an index"),
    ({"type": "select-example", "part": "all", "index": 0}, "expected part 'train' or 'test'"),
    ({"type": "view-epoch", "epoch": 99}, "view-epoch: expected one of the epochs kept"),
    ({"type": "export", "what": "pickle"}, "export: expected what to be model, code or steps"),
    ({"type": "export", "what": "steps", "scope": "layer"}, "steps: expected scope"),
])
def test_glassbox_bad_messages_say_what_was_expected(runner: Runner, message: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected.replace("(", r"\(")):
        runner.handle(message)


def test_glassbox_frames_are_json(runner: Runner) -> None:
    runner.handle({"type": "select-example", "part": "train", "index": 1})
    frame = runner.handle({"type": "open-neuron", "neuron": "3.2"})
    text = json.dumps(frame, allow_nan=False)
    assert json.loads(text)["panel"]["neuron"] == "3.2"


def test_glassbox_own_model_of_64_inputs_has_network_and_panel_but_no_maps() -> None:
    X = [[((i * 7 + k) % 11) / 10 for k in range(64)] for i in range(30)]
    y = [i % 10 for i in range(30)]
    model = MLP(64, [6, 10], seed=1)
    r = Runner(Session.from_model(model, X, y), resolution=4)
    frame = r.handle({"type": "epoch"})
    assert frame["maps"] is None and frame["layers"] == [64, 6, 10] and frame["own"]
    r.handle({"type": "select-example", "part": "train", "index": 2})
    panel = r.handle({"type": "open-neuron", "neuron": "1.5"})["panel"]
    assert len(panel["rows"]) == 64 and all(row["grad"] == row["a"] * row["dz"] for row in panel["rows"])
    assert math.isfinite(frame["train_loss"])
    r.close()


# --- in Chromium ---------------------------------------------------------------------------------------------


@pytest.mark.slow  # Chromium against a server
def test_glassbox_page_point_then_neuron_shows_pythons_numbers() -> None:
    from pictures import browser_page
    from served import TOKEN, served

    runner = Runner(Session(Settings(seed=4, showTestData=False)), resolution=10)
    runner.handle({"type": "epoch"})
    with browser_page() as page, served(runner) as base:
        page.goto(f"{base}/?token={TOKEN}")
        page.wait_for_function("document.querySelectorAll('#network [data-neuron]').length > 0")
        a, b, c, d = runner.session.extent()
        x1, x2, _ = runner.session.train[11]
        page.locator("#boundary").scroll_into_view_if_needed()
        box = page.locator("#boundary").bounding_box()
        page.mouse.click(box["x"] + (x1 - a) / (b - a) * box["width"], box["y"] + (d - x2) / (d - c) * box["height"])
        page.wait_for_function("document.querySelector('#example-text').textContent.includes('training example')")
        assert runner.selected_example is not None and runner.selected_example[0] == "train"
        index = runner.selected_example[1]
        assert runner.session.train[index] == runner.session.train[11] or math.dist(
            runner.session.train[index][:2], (x1, x2)) < (b - a) / 40
        page.click('[data-neuron="2.1"]')
        page.wait_for_selector("#neuron-panel:not([hidden]) table")
        passed = runner.example_pass(runner.session.snapshot())
        for row in page.locator("#neuron-panel tr").all()[:-1]:
            name = row.get_attribute("data-weight")
            a_text = row.locator(".gg-a").text_content().strip("= ()")
            grad_text = row.locator(".gg-grad").text_content().strip("= ")
            layer, neuron, i = int(name.split(".")[1]), int(name.split(".")[3]), int(name.split(".")[5])
            want_a = passed.neurons[f"{layer}.{i + 1}"].a  # unit i + 1 of layer `layer`
            want_grad = passed.grads[name]
            assert float(a_text) == pytest.approx(want_a, rel=5e-4)
            assert float(grad_text) == pytest.approx(want_grad, rel=5e-4)
            assert want_grad == want_a * passed.neurons[f"{layer + 1}.{neuron + 1}"].dz

        widths = page.eval_on_selector_all("[data-edge]", "els => els.map(e => e.getAttribute('stroke-width'))")
        page.check("#gradient-view")
        page.wait_for_function("""widths => JSON.stringify([...document.querySelectorAll('[data-edge]')].map(
            e => e.getAttribute('stroke-width'))) !== JSON.stringify(widths)""", arg=widths, timeout=10_000)


@pytest.mark.slow  # Chromium against a server
def test_glassbox_page_timeline_and_divergence() -> None:
    from pictures import browser_page
    from served import TOKEN, served

    runner = Runner(Session(Settings(seed=1)), resolution=10)
    for _ in range(3):
        runner.handle({"type": "epoch"})
    then = runner.history[1]
    with browser_page() as page, served(runner) as base:
        page.goto(f"{base}/?token={TOKEN}")
        page.wait_for_function("document.querySelectorAll('#network [data-neuron]').length > 0")
        page.evaluate("() => { const t = document.querySelector('#timeline'); t.value = '1'; "
                      "t.dispatchEvent(new Event('change')); }")
        page.wait_for_function("document.querySelector('#loss-chart').dataset.marker === '1'")
        assert page.text_content("#epoch") == "1" and runner.viewing == 1
        weight = runner.state()["parameters"]["layers.0.neurons.1.w.0"]
        assert weight == runner.timeline.parameters[1][3] and then[0] == 1  # w.0 of neuron 1: the fourth parameter
        page.click("#continue")
        page.wait_for_function("document.querySelector('#epoch').textContent === '1' && "
                               "document.querySelector('#continue').hidden")

        for control, value, check in (("output", "mse", lambda: runner.session.settings.output == "mse"),
                                      ("learningRate", "100", lambda: runner.session.settings.learningRate == 100),
                                      ("activation", "relu", lambda: runner.session.settings.activation == "relu")):
            page.select_option(f"#{control}", value)
            deadline = time.monotonic() + 20
            while not check() and time.monotonic() < deadline:  # each change waits for the server's answer
                time.sleep(0.05)
            page.wait_for_function(f"location.hash.includes('{control}={value}')")
        for _ in range(5):
            before = page.text_content("#epoch")
            page.click("#epoch-step")
            deadline = time.monotonic() + 20  # each epoch waits for the server's answer, however slow the machine
            while (page.text_content("#epoch") == before and not page.locator("#divergence").is_visible()
                   and time.monotonic() < deadline):
                page.wait_for_timeout(50)
            if page.locator("#divergence").is_visible():
                break
        text = page.text_content("#divergence")  # a hundredfold in an epoch: exploding before it is non-finite
        assert text.startswith("Training stopped: the loss is exploding.") and "lower it and press Play" in text


def test_glassbox_play_after_a_divergence_goes_on_from_the_last_finite_parameters() -> None:
    r = Runner(Session(Settings(learningRate=30, activation="relu", output="mse", batchSize=1)), resolution=4)
    frame = r.handle({"type": "epoch"})
    assert frame["divergence"] is not None and frame["train_loss"] is None  # non-finite
    r.handle({"type": "settings", "hash": "learningRate=0.01"})
    frame = r.handle({"type": "step"})
    assert frame["divergence"] is None and math.isfinite(frame["train_loss"])
    assert frame["notices"][0].startswith("went back to epoch 0, the lowest training loss before training diverged")
    assert all(math.isfinite(v) for v in frame["parameters"].values())
    r.close()


def test_glassbox_a_loss_that_explodes_while_finite_is_called_diverging_and_recovered() -> None:
    r = Runner(Session(Settings(learningRate=100)), resolution=4)  # softmax: the loss jumps a hundredfold, finite
    frame = r.handle({"type": "epoch"})
    assert frame["divergence"] is not None and "grew" in frame["divergence"]["message"]
    assert math.isfinite(frame["train_loss"]) and not r.playing
    r.handle({"type": "settings", "hash": "learningRate=0.03"})
    frame = r.handle({"type": "epoch"})
    assert frame["notices"][0].startswith("went back to epoch 0, the lowest training loss before training diverged")
    assert frame["divergence"] is None and frame["epoch"] == 1 and frame["train_loss"] < 1.0
    r.close()


def test_glassbox_training_from_a_past_epoch_says_it_continues_from_there(runner: Runner) -> None:
    runner.handle({"type": "epoch"})
    runner.handle({"type": "view-epoch", "epoch": 0})
    frame = runner.handle({"type": "step"})
    assert frame["notices"] == ["went on from epoch 0, which the timeline showed; epochs 1 to 2 were dropped"]


def test_glassbox_neurons_step_through_shows_dC_dnode_as_the_panel(runner: Runner) -> None:
    runner.handle({"type": "select-example", "part": "train", "index": 4})
    panel = runner.handle({"type": "open-neuron", "neuron": "2.1"})["panel"]
    page = runner.handle({"type": "export", "what": "steps", "scope": "neuron"})["export"]["text"]
    assert "every grad is ∂C/∂node, as in the panel" in page
    assert f"{panel['dz']:.4g}" in page  # z's grad in the player is the panel's ∂C/∂z, not ∂a/∂z


def test_step_backward_seeded_gives_each_grad_times_the_seed() -> None:
    from engine import Value
    from viz import step_backward

    x = Value(0.5, label="x")
    y = (x * x).tanh()

    def grad_of_x(steps: Any) -> float:
        return [c.total_after for step in steps for c in step.contributions if c.parent is x][-1]

    plain, seeded = step_backward(y), step_backward(y, gradient=-2.5)
    assert grad_of_x(seeded) == pytest.approx(-2.5 * grad_of_x(plain), rel=1e-15)
    y.backward(gradient=-2.5)
    assert grad_of_x(seeded) == pytest.approx(x.grad, rel=1e-15)
