"""The playground's page on the screens of a lecture hall (issue 25), in headless Chromium against a real server:
at 1280×800 (a projector) and 1920×1080 everything is on one screen for every network size, the maps grow with
the screen, the lecture's names are on every tooltip and in the panel, a bias can be typed, changes stick, an
edited link is applied, the numbers agree after a divergence, and the page keeps up with the frames."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("uvicorn", reason="starlette and uvicorn are dependencies of glassgrad: pip install -e .")
from pictures import after_drawing, browser_page
from served import page_opener, wait_until

from playground.runner import Runner
from playground.settings import Settings

pytestmark = pytest.mark.slow  # every test drives Chromium against a server

SCREENS = {"projector": (1280, 800), "full-hd": (1920, 1080)}
#: what must be on the screen, each in the viewport and none over another
PARTS = {"top bar": ".gg-top", "data column": ".gg-data", "glass box": ".gg-glass", "network": "#network",
         "chart": "#loss-chart", "map": "#boundary", "training loss": "#train-loss", "test loss": "#test-loss"}
BOXES = """(selectors) => Object.fromEntries(Object.entries(selectors).map(([name, s]) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return [name, [r.left, r.top, r.right, r.bottom]]; }))"""

Opener = Callable[..., tuple[Any, Runner]]


@pytest.fixture
def screen_of() -> Iterator[Callable[[tuple[int, int]], Opener]]:
    """``screen_of((width, height))(settings=None)``: a page of that size on a fresh server, loaded."""
    with browser_page() as page, page_opener(page) as open_page:
        def sized(size: tuple[int, int]) -> Opener:
            page.set_viewport_size({"width": size[0], "height": size[1]})
            return open_page

        yield sized


def format_loss(x: float | None) -> str:
    """A loss as the page shows it (a number that is not finite: a dash)."""
    if x is None:
        return "\u2014"
    return f"{x:.2e}".replace("e+0", "e+").replace("e-0", "e-") if x and not 1e-3 <= abs(x) < 1e5 else f"{x:.3f}"


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def screen_problems(page: Any, width: int, height: int) -> list[str]:
    """What is not on the screen, or lies over another part."""
    boxes = page.evaluate(BOXES, PARTS)
    neurons = page.eval_on_selector_all("#network [data-neuron], #network [data-feature]", """els => els.map(e => {
        const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
    problems = [f"{name} {box} is not within {width}×{height}" for name, box in boxes.items()
                if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height or box[2] <= box[0]]
    problems += [f"a node {box} is outside the screen" for box in neurons if box[3] > height or box[2] > width]
    names = list(boxes)
    problems += [f"{a} {boxes[a]} lies over {b} {boxes[b]}" for k, a in enumerate(names) for b in names[k + 1:]
                 if overlap(boxes[a], boxes[b])]
    return problems


@pytest.mark.parametrize("screen", SCREENS)
def test_screen_every_network_size_fits_above_the_fold(screen_of: Callable[..., Opener], screen: str) -> None:
    width, height = SCREENS[screen]
    page, runner = screen_of((width, height))()
    problems = []
    for hidden in range(7):  # 0 to 6 hidden layers of 8 neurons
        runner.handle({"type": "settings", "hash": "networkShape=" + ",".join(["8"] * hidden)})
        count = 8 * hidden + 2
        page.wait_for_function(f"document.querySelectorAll('#network [data-neuron]').length === {count}")
        after_drawing(page)  # the next animation frame lays it out
        problems += [f"{hidden} hidden layers: {p}" for p in screen_problems(page, width, height)]
        side = page.evaluate("document.querySelector('[data-neuron=\"1.1\"]').getBoundingClientRect().width")
        assert side >= 30, f"{hidden} hidden layers: neurons {side} px a side"
    assert not problems, "\n".join(problems)
    boundary = page.locator("#boundary").bounding_box()
    chart = page.locator("#loss-chart").bounding_box()
    assert chart["height"] >= 100
    if screen == "full-hd":
        assert boundary["width"] >= 400 and boundary["height"] >= 400  # the maps grow with the screen
        side = page.evaluate("document.querySelector('[data-neuron=\"1.1\"]').getBoundingClientRect().width")
        assert side >= 50


def test_screen_the_map_has_ticks_a_legend_and_shows_a_hovered_neuron(screen_of: Callable[..., Opener]) -> None:
    page, _ = screen_of(SCREENS["projector"])()
    ticks = page.eval_on_selector_all(".gg-xticks .gg-tick, .gg-yticks .gg-tick", "els => els.map(e => e.textContent)")
    assert len(ticks) >= 6 and "0" in ticks
    assert page.text_content("#legend").replace(" ", "").startswith("P(class1)0")  # the colours' numbers
    assert page.get_attribute("#boundary", "data-showing") == "output"
    before = page.evaluate("document.querySelector('#boundary').toDataURL()")
    page.hover('[data-neuron="1.2"]')
    page.wait_for_function("document.querySelector('#boundary').dataset.showing === 'neuron:1.2'")
    assert page.text_content("#map-caption").startswith("neuron 2 of layer 1: a\u2082\u00b9")
    assert page.evaluate("document.querySelector('#boundary').toDataURL()") != before
    page.hover('[data-feature="xSquared"]')
    page.wait_for_function("document.querySelector('#boundary').dataset.showing === 'feature:xSquared'")
    page.mouse.move(2, 2)
    page.wait_for_function("document.querySelector('#boundary').dataset.showing === 'output'")


def test_screen_a_bias_is_clicked_and_typed(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])()
    bias = runner.session.model.layers[0].neurons[1].b
    page.hover('[data-bias="1.2"]')
    assert page.text_content(".gg-tooltip").startswith("b\u2082\u00b9 = ")
    page.click('[data-bias="1.2"]')
    assert page.locator("#neuron-panel").is_hidden()  # the click was on the bias, not on the neuron
    page.fill("#weight-editor", "0.75")
    page.press("#weight-editor", "Enter")
    wait_until(lambda: bias.data == 0.75)
    page.click('[data-neuron="2.1"]')  # and in the opened neuron's panel
    page.wait_for_selector("#neuron-panel:not([hidden]) .gg-bias-input")
    page.fill("#neuron-panel .gg-bias-input", "-1.25")
    page.press("#neuron-panel .gg-bias-input", "Enter")
    wait_until(lambda: runner.session.model.layers[1].neurons[0].b.data == -1.25)


def test_screen_tooltips_and_the_panel_speak_the_lectures_notation(screen_of: Callable[..., Opener]) -> None:
    page, _ = screen_of(SCREENS["projector"])()
    names = page.eval_on_selector_all(".gg-feature-name", "els => els.map(e => e.textContent)")
    assert names[:3] == ["x\u2081", "x\u2082", "x\u2081\u00b2"]
    page.hover('[data-neuron="2.1"]')
    assert page.text_content(".gg-tooltip").startswith("neuron 1 of layer 2 (a\u2081\u00b2): b\u2081\u00b2 = ")
    hit = page.evaluate("""() => { const path = document.querySelector('[data-edge="1.1.2"]');
        const p = path.getPointAtLength(path.getTotalLength() * 0.85), m = path.getScreenCTM();
        return [m.a * p.x + m.e, m.d * p.y + m.f]; }""")
    page.mouse.move(hit[0], hit[1])
    page.wait_for_function("!document.querySelector('.gg-tooltip').hidden")
    assert page.text_content(".gg-tooltip").startswith("w\u2081")  # w₁ⱼ¹ of one of the edges there
    page.click('[data-neuron="2.1"]')
    page.wait_for_selector("#neuron-panel:not([hidden]) table")
    assert page.text_content("#neuron-panel .gg-panel-title") == "neuron 1 of layer 2 (a\u2081\u00b2)"
    first = page.locator("#neuron-panel tr").first.text_content()
    assert first.startswith("\u2202C/\u2202w\u2081\u2081\u00b2= a\u2081\u00b9 \u00b7 \u2202C/\u2202z\u2081\u00b2")
    page.evaluate("document.querySelector('.gg-panel-graph').hidden = true")  # viz's own drawing: not the page's
    text = page.evaluate("document.querySelector('.gg-playground').innerText")
    assert "layers." not in text and "X\u2081" not in text and "x0" not in text.replace("0x", "")


def test_screen_an_examples_numbers_lie_clear_of_the_edges(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])(Settings(networkShape=(8,) * 6))
    runner.handle({"type": "select-example", "part": "train", "index": 0})
    page.wait_for_function("document.querySelector('[data-numbers=\"6.8\"]').textContent !== ''")
    assert page.evaluate("document.querySelectorAll('.gg-numbers span').length") == 2 * (6 * 8 + 2)
    assert page.evaluate(CROSSED) == []


#: For ``page.evaluate``: each "numbers under a neuron: an edge" where the edge (its line, as wide as it is drawn)
#: passes through the numbers' box, on points along it.
CROSSED = """() => {
    const boxes = [...document.querySelectorAll('.gg-numbers')].filter(c => c.textContent)
        .map(c => [c.dataset.numbers, c.getBoundingClientRect()]), out = [];
    for (const path of document.querySelectorAll('#network .gg-edge')) {
        const length = path.getTotalLength(), m = path.getScreenCTM();
        const half = Number(path.getAttribute('stroke-width')) / 2;
        for (let k = 0; k <= 60; k++) {
            const p = path.getPointAtLength(k / 60 * length), x = m.a * p.x + m.e, y = m.d * p.y + m.f;
            for (const [key, r] of boxes) {
                if (x > r.left - half && x < r.right + half && y > r.top - half && y < r.bottom + half) {
                    out.push(`${key}: ${path.dataset.edge}`);
                }
            }
        }
    }
    return [...new Set(out)];
}"""


def test_screen_the_gradient_view_is_on_its_line_and_its_hint_follows(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])()
    box, words = page.locator("#gradient-view").bounding_box(), page.locator("#gradient-view + span").bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (words["y"] + words["height"] / 2)) < 4 and words["x"] > box["x"]
    assert "the sign of its weight w" in page.text_content("#edges-hint")
    page.click("#step")
    wait_until(lambda: runner.session.step_count == 1)
    page.check("#gradient-view")
    page.wait_for_function("document.querySelector('#edges-hint').textContent.includes('of the last batch')")
    assert "as wide as" not in page.text_content("#edges-hint")


@pytest.mark.parametrize("screen", SCREENS)
def test_screen_an_opened_neuron_and_its_panel_are_both_in_sight(screen_of: Callable[..., Opener],
                                                                  screen: str) -> None:
    width, height = SCREENS[screen]
    page, _ = screen_of((width, height))(Settings(networkShape=(8, 8, 8)))
    for key in ("1.1", "3.8", "4.2"):
        if page.locator("#neuron-panel").is_visible():  # the panel may lie over the next neuron: closed first
            page.click("#neuron-panel .gg-close")
            page.wait_for_selector("#neuron-panel", state="hidden")
        page.click(f'[data-neuron="{key}"]')
        page.wait_for_function(f"document.querySelector('[data-neuron=\"{key}\"]').classList.contains('gg-opened')"
                               " && !document.querySelector('#neuron-panel').hidden")
        after_drawing(page)
        panel = page.locator("#neuron-panel").bounding_box()
        node = page.locator(f'[data-neuron="{key}"]').bounding_box()
        assert panel["y"] >= 0 and panel["y"] + panel["height"] <= height and panel["width"] >= 400, panel
        assert not overlap([node["x"], node["y"], node["x"] + node["width"], node["y"] + node["height"]],
                           [panel["x"], panel["y"], panel["x"] + panel["width"], panel["y"] + panel["height"]]), key


def test_screen_two_quick_changes_both_stick(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])()
    page.select_option("#activation", "relu")
    page.wait_for_timeout(50)
    page.select_option("#learningRate", "0.1")
    wait_until(lambda: (runner.session.settings.activation, runner.session.settings.learningRate) == ("relu", 0.1))
    page.wait_for_timeout(500)  # and nothing sent later undoes either
    assert (runner.session.settings.activation, runner.session.settings.learningRate) == ("relu", 0.1)
    page.wait_for_function("location.hash.includes('activation=relu') && location.hash.includes('learningRate=0.1')")


def test_screen_an_edited_link_is_applied_and_its_notices_shown(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])()
    page.evaluate("location.hash = 'activation=sigmoid&initZero=false'")
    wait_until(lambda: runner.session.settings.activation == "sigmoid")
    page.wait_for_function("!document.querySelector('#notice').hidden")
    assert "initZero" in page.text_content("#notice") and page.locator("#message").is_hidden()
    assert runner.session.settings.dataset == "moons"  # what the hash does not name stays
    page.wait_for_function("location.hash.includes('dataset=moons') && location.hash.includes('activation=sigmoid')")
    page.evaluate("location.hash = 'noise=500'")
    page.wait_for_function("!document.querySelector('#message').hidden")
    assert "noise" in page.text_content("#message") and runner.session.settings.noise == 10
    page.click("#step")  # the next message clears the notices
    page.wait_for_function("document.querySelector('#notice').hidden")


def test_screen_a_link_from_tensorflow_playground_shows_its_notices(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])(hash="dataset=circle&initZero=false&hideText=true")
    assert runner.session.settings.dataset == "circles"
    page.wait_for_function("!document.querySelector('#notice').hidden")
    notice = page.text_content("#notice")
    assert "initZero" in notice and "hideText" in notice and page.locator("#message").is_hidden()


def test_screen_after_a_divergence_every_number_agrees(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])(Settings(activation="relu", output="mse", learningRate=100,
                                                            seed=1))
    runner.handle({"type": "select-example", "part": "train", "index": 3})
    for _ in range(20):
        runner.handle({"type": "epoch"})
        if runner.divergence is not None:
            break
    assert runner.divergence is not None
    page.wait_for_function("!document.querySelector('#divergence').hidden")
    after_drawing(page)
    history = [v for row in runner.history for v in row[1:] if v is not None]
    state = runner.state()
    losses = [v for v in (state["train_loss"], state["test_loss"]) if v is not None]
    top = page.get_attribute("#loss-chart", "data-top")
    shown = [page.text_content("#train-loss"), page.text_content("#test-loss")]
    assert float(top) == pytest.approx(max(history + losses), rel=1e-2)  # the chart's top: the largest loss
    if losses and max(losses) >= max(history):
        assert top in shown  # the chart's label is the loss shown
    assert shown == [format_loss(state["train_loss"]), format_loss(state["test_loss"])]
    assert page.get_attribute("#boundary", "data-ring") == "train.3"
    assert page.text_content("#example-text").startswith("training example 3 chosen")
    runner.handle({"type": "reset"})  # a new run: nothing chosen, no ring, and the page says so
    runner.selected_example = None
    runner.handle({"type": "pause"})
    page.wait_for_function("document.querySelector('#boundary').dataset.ring === ''")
    assert page.text_content("#example-text") == "No example chosen."


def test_screen_a_loaded_csv_is_kept_in_the_link_when_it_fits(screen_of: Callable[..., Opener]) -> None:
    page, runner = screen_of(SCREENS["projector"])()
    csv = "x1,x2,label\n" + "".join(f"{k / 10},{-k / 7:.4f},{k % 2}\n" for k in range(300))
    page.set_input_files("#csv-file", files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.wait_for_function("!document.querySelector('#link-note').hidden")  # too many for a link
    assert "not these 300 points (at most 200)" in page.text_content("#link-note")
    assert "train=" not in page.evaluate("location.hash")
    few = "x1,x2,label\n" + "".join(f"{k / 10},{-k / 7:.4f},{k % 2}\n" for k in range(40))
    page.set_input_files("#csv-file", files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": few.encode()}])
    page.wait_for_function("location.hash.includes('&train=')")
    assert page.locator("#link-note").is_hidden()
    link = page.evaluate("decodeURIComponent(location.hash)")
    train = link.split("&train=")[1].split("&")[0]
    points = [tuple(float(v) for v in p.split("_")) for p in train.split(",")]
    assert points == [tuple(float(f"{v:.4g}") for v in p) for p in runner.session.train]  # 4 significant digits


def test_screen_draws_the_newest_of_thirty_frames_a_second() -> None:
    """Frames of a 6×8 network, every map changing, 30 a second for 3 seconds, into the widget's module (the
    page's) at 1920×1080: each draw shows the newest frame, none is drawn twice, and the last one is on the
    screen at the end, not a stale one. (How many it draws a second is a figure of benchmarks/page_draws.py.)"""
    from widget_page import juggle_frames

    with browser_page() as page:
        result = juggle_frames(page, SCREENS["full-hd"])
    assert result["step"] == "1089"  # the newest frame is the one on the screen
    assert 1 <= result["count"] <= 90, result  # frames the page had no time for are skipped, never drawn twice

