"""playground.Playground, the playground as a Jupyter widget: its Python side with the kernel's comm replaced by one
that records what it would send, and its front end (the page's own module) in headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anywidget", reason="pip install 'glassgrad[widget]' (anywidget is in the dev extra)")
import comm
from comm.base_comm import BaseComm

from nn import MLP
from nn.data import make_moons
from playground import Playground, Session, Settings

ROOT = Path(__file__).resolve().parent.parent


class RecordingComm(BaseComm):
    """A comm that keeps every message the widget would send to the front end, and takes messages from it."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None,
                    **keys: Any) -> None:
        self.sent.append((msg_type, json.loads(json.dumps(data, allow_nan=False))))

    def from_front_end(self, content: Any) -> None:
        """What ``model.send(content)`` in the front end arrives as (ipywidgets' custom message)."""
        self.handle_msg({"content": {"comm_id": self.comm_id, "data": {"method": "custom", "content": content}},
                         "buffers": []})

    def frames(self) -> list[dict[str, Any]]:
        """The frames sent as state updates, in order."""
        return [d["state"]["frame"] for t, d in self.sent
                if t == "comm_msg" and d.get("method") == "update" and "frame" in d["state"]]

    def errors(self) -> list[str]:
        return [d["state"]["error"] for t, d in self.sent
                if t == "comm_msg" and d.get("method") == "update" and "error" in d["state"]]


@pytest.fixture
def widget_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``widget_of(*args, **kwargs)``: a Playground on a RecordingComm (``widget.comm``), closed afterwards."""
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))
    made: list[Playground] = []

    def make(*args: Any, **kwargs: Any) -> Playground:
        made.append(Playground(*args, **kwargs))
        return made[-1]

    yield make
    for widget in made:
        widget.close()


def small_settings() -> Settings:
    return Settings.from_hash("dataset=moons&networkShape=3&percTrainData=50&batchSize=10")


def test_widget_opens_with_the_runners_full_frame(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    kind, data = widget.comm.sent[0]
    assert kind == "comm_open"
    state = data["state"]
    assert state["_model_name"] == "AnyModel" and state["_esm"] == Playground._esm and state["error"] == ""
    frame = state["frame"]
    assert frame["epoch"] == 0 and frame["layers"] == [2, 3, 2] and frame["maps"] and frame["train"]


def test_widget_message_from_the_front_end_goes_to_the_runner(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    widget.comm.from_front_end({"type": "step"})
    assert widget.frame["step"] == 1 == widget.runner.session.step_count
    assert widget.comm.frames()[-1]["step"] == 1
    widget.comm.from_front_end({"type": "epoch"})
    assert widget.frame["epoch"] == 1 and widget.comm.frames()[-1]["epoch"] == 1
    assert [e for e, _, _ in widget.history] == [0, 1]


def test_widget_bad_message_sets_error_and_a_good_one_clears_it(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    widget.comm.from_front_end({"type": "fly"})
    assert "message type" in widget.error and "'fly'" in widget.error
    widget.comm.from_front_end({"type": "settings", "hash": "learningRate=-1"})
    assert widget.error.startswith("learningRate: expected a number")
    widget.comm.from_front_end(["not", "a", "message"])
    assert widget.error.startswith("message: expected an object with a type")
    assert widget.comm.errors()[-1] == widget.error
    widget.comm.from_front_end({"type": "step"})
    assert widget.error == "" and widget.comm.errors()[-1] == ""


def test_widget_hostile_messages_set_error_and_never_escape(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    deep: list[Any] = []
    for _ in range(500):  # what a comm message can hold (the kernel's JSON decoder stops deeper ones first)
        deep = [deep]
    for message, expected in (({"type": "step", "x": deep}, "x: expected a number"),
                              ({"type": "weight", "name": "layers.0.neurons.0.b", "value": 10**5000}, "at most"),
                              ({"type": "weight", "name": ["layers"], "value": 1}, "name: expected"),
                              ({"type": "open-neuron", "neuron": "\u0661.\u0660"}, "ASCII")):
        widget.comm.from_front_end(message)
        assert expected in widget.error and len(widget.error) < 400
    widget.comm.from_front_end({"type": "step"})
    assert widget.error == "" and widget.runner.session.step_count == 1


def test_widget_frame_is_json_serialisable(widget_of: Any) -> None:
    widget = widget_of(settings=Settings.from_hash("dataset=spirals&classes=3&networkShape=4,4&learningRate=10"))
    for message in ({"type": "epoch"}, {"type": "epoch"}, {"type": "weight", "name": "layers.0.neurons.0.b",
                                                           "value": "1e308"}):
        widget.comm.from_front_end(message)
        assert json.loads(json.dumps(widget.frame, allow_nan=False)) == widget.frame
    assert widget.comm.frames()  # RecordingComm checked each with allow_nan=False


def test_widget_export_goes_out_once_and_is_not_kept(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    widget.comm.from_front_end({"type": "export", "what": "model"})
    sent = widget.comm.frames()
    assert sent[-2]["export"]["filename"] == "model.json" and "export" not in sent[-1]
    assert "export" not in widget.frame and widget.error == ""
    assert sent[-1] == {k: v for k, v in sent[-2].items() if k != "export"}


def test_widget_own_model_is_trained_in_place(widget_of: Any) -> None:
    X, y = make_moons(60, noise=0.1, seed=1)
    model = MLP(2, [5, 2], activation="tanh", seed=3)
    widget = widget_of(model, X, y, settings="learningRate=0.3")
    assert widget.model is model and widget.session.model is model
    before = [p.data for p in model.parameters()]
    widget.comm.from_front_end({"type": "step"})
    after = [p.data for p in model.parameters()]
    assert after != before
    assert widget.frame["parameters"]["layers.0.neurons.0.w.0"] == model.layers[0].neurons[0].w[0].data
    assert widget.frame["own"] is True and widget.frame["layers"] == [2, 5, 2]


def test_widget_own_model_with_three_inputs_has_no_maps(widget_of: Any) -> None:
    X = [[i / 10, (i % 3) / 3, (i % 5) / 5] for i in range(30)]
    y = [int(row[0] > 1.5) for row in X]
    widget = widget_of(MLP(3, [4, 2], seed=0), X, y)
    widget.comm.from_front_end({"type": "step"})
    assert widget.error == "" and widget.frame["maps"] is None and widget.frame["layers"] == [3, 4, 2]


def test_widget_training_thread_frames_reach_the_front_end_whole(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    runner_frames: list[dict[str, Any]] = []
    widget.runner.subscribe(runner_frames.append)
    widget.comm.from_front_end({"type": "play"})
    deadline = time.monotonic() + 30
    while len(widget.comm.frames()) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    widget.comm.from_front_end({"type": "pause"})
    assert not widget.runner.playing
    sent = widget.comm.frames()
    assert len(sent) >= 6 and any(f["playing"] for f in sent) and sent[-1]["playing"] is False
    assert any("train" not in f for f in runner_frames), "the runner leaves unchanged points out"
    assert all("train" in f and "maps" in f for f in sent), "the widget's frame always has what a new view draws"
    assert sent[-1]["step"] == widget.runner.session.step_count > 0


def test_widget_close_stops_training_and_closes_the_comm(widget_of: Any) -> None:
    widget = widget_of(settings=small_settings())
    widget.comm.from_front_end({"type": "play"})
    recording = widget.comm
    assert widget.runner.playing
    widget.close()
    assert not widget.runner.playing and widget.comm is None
    assert recording.sent[-1][0] == "comm_close"
    count = len(recording.sent)
    time.sleep(0.2)
    assert len(recording.sent) == count, "nothing is sent after close"


def test_widget_python_api(widget_of: Any) -> None:
    session = Session(small_settings())
    widget = widget_of(session=session)
    assert widget.session is session and widget.runner.session is session
    assert widget.selected_example is None and widget.selected_neuron is None
    frame = widget.handle({"type": "epoch"})
    assert frame["epoch"] == 1 and widget.frame["epoch"] == 1
    epoch, train, test = widget.history[-1]
    assert epoch == 1 and train == pytest.approx(session.train_loss) and test == pytest.approx(session.test_loss)
    with pytest.raises(ValueError, match="message type"):
        widget.handle({"type": "fly"})
    assert repr(widget).startswith("Playground(epoch=1, step=") and "0x" not in repr(widget)


def test_widget_bad_arguments_are_type_errors(widget_of: Any) -> None:
    X, y = make_moons(20, seed=0)
    with pytest.raises(TypeError, match="together"):
        widget_of(MLP(2, [2]), X)
    with pytest.raises(TypeError, match="no session"):
        widget_of(MLP(2, [2]), X, y, session=Session())
    with pytest.raises(TypeError, match="Settings or a hash text"):
        widget_of(settings=3)
    with pytest.raises(TypeError, match="Session"):
        widget_of(session="moons")
    with pytest.raises(TypeError, match="nn.MLP"):
        widget_of("model", X, y)


def test_widget_module_is_the_pages_module() -> None:
    page_module = (ROOT / "playground" / "static" / "playground.js").read_text(encoding="utf-8")
    assert Playground._esm.startswith(page_module) and len(Playground._esm) - len(page_module) < 200
    assert "export default" in Playground._esm
    assert ".gg-playground" in Playground._css and "body {" not in Playground._css


@pytest.mark.slow  # a Python subprocess
def test_widget_import_playground_needs_no_anywidget() -> None:
    code = (
        "import sys; sys.modules['anywidget'] = None\n"
        "import viz, playground, playground.server\n"
        "try:\n"
        "    from playground import Playground\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "pip install 'glassgrad[widget]'" in out.stdout


# -- the front end: the module in headless Chromium, against a frame made in Python ----------------------------


@pytest.fixture
def page() -> Iterator[Any]:
    from pictures import browser_page

    with browser_page() as page:
        yield page


@pytest.mark.slow  # Chromium
def test_widget_front_end_draws_the_frame_and_sends_messages(page: Any, widget_of: Any) -> None:
    from widget_page import render_widget

    widget = widget_of(settings=small_settings())
    widget.handle({"type": "epoch"})
    widget.handle({"type": "epoch"})
    render_widget(page, widget.runner.frame(full=True))
    neurons = page.eval_on_selector_all("#widget [data-neuron]", "els => els.map(e => e.dataset.neuron)")
    assert neurons == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert page.text_content("#widget #epoch") == "2"
    assert float(page.text_content("#train-loss")) == pytest.approx(widget.session.train_loss, abs=5e-4)
    page.click("#step")
    page.click("#play")
    assert page.evaluate("window.sent") == [{"type": "step"}, {"type": "play"}]


@pytest.mark.slow  # Chromium
def test_widget_front_end_follows_frame_and_error_changes(page: Any, widget_of: Any) -> None:
    from widget_page import render_widget

    widget = widget_of(settings=small_settings())
    render_widget(page, widget.frame)
    assert page.text_content("#epoch") == "0" and page.locator("#message").is_hidden()
    widget.handle({"type": "epoch"})
    page.evaluate("frame => window.model.set('frame', JSON.parse(frame))", json.dumps(widget.frame))
    page.wait_for_function("document.querySelector('#epoch').textContent === '1'")
    page.evaluate("() => window.model.set('error', 'learningRate: expected a number')")
    assert page.text_content("#message") == "learningRate: expected a number" and page.locator("#message").is_visible()


@pytest.mark.slow  # Chromium
@pytest.mark.parametrize("window", [848, 1920])
def test_widget_front_end_in_a_notebook_column_shows_controls_network_and_map_together(page: Any, widget_of: Any,
                                                                                       window: int) -> None:
    """In a column 848 px wide (a notebook's; the window as wide, or wider: the widget's own width counts) the
    widget takes its compact layout: the top controls, the network and the output's map seen together within
    848 × 800, none over another."""
    from pictures import after_drawing
    from widget_page import render_widget

    page.set_viewport_size({"width": window, "height": 800})
    widget = widget_of(settings=Settings.from_hash("learningRate=0.1"))  # the default network, as notebook 8's
    render_widget(page, widget.frame, width=848)
    after_drawing(page)  # the ResizeObserver's draw, on the next animation frame
    boxes = {name: page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect();"
                                         " return {x: r.x, y: r.y, right: r.right, bottom: r.bottom}; }")
             for name, selector in [("widget", "#widget"), ("controls", "#widget .gg-top"),
                                    ("network", "#network"), ("map", "#boundary")]}
    widget_box = boxes.pop("widget")
    assert widget_box["right"] - widget_box["x"] == pytest.approx(848, abs=1)
    for name, box in boxes.items():
        assert widget_box["x"] <= box["x"] and box["right"] <= widget_box["right"] + 0.5, (name, box)
        assert box["y"] >= 0 and box["bottom"] <= 800, (name, box)
        assert name == "controls" or (box["right"] - box["x"] > 100 and box["bottom"] - box["y"] > 100), (name, box)
    assert page.eval_on_selector("#boundary", "e => e.getBoundingClientRect().width") >= 280  # a map of ~300 px
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            A, B = boxes[a], boxes[b]
            apart = A["right"] <= B["x"] or B["right"] <= A["x"] or A["bottom"] <= B["y"] or B["bottom"] <= A["y"]
            assert apart, (a, A, b, B)
    assert page.eval_on_selector("#widget .gg-playground", "e => e.classList.contains('gg-compact')")
