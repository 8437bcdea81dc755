"""The playground's page in headless Chromium, against a real server on 127.0.0.1 (tests/served.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("uvicorn", reason="starlette and uvicorn are dependencies of glassgrad: pip install -e .")
from pictures import browser_page
from served import LOADED, page_opener, wait_until

from playground.runner import Runner
from playground.settings import Settings

pytestmark = pytest.mark.slow  # every test drives Chromium against a server



@pytest.fixture
def page_of() -> Iterator[Callable[..., tuple[Any, Runner]]]:
    """``page_of(link="", settings=None)``: a Chromium page on a fresh playground server, loaded."""
    with browser_page() as page, page_opener(page) as open_page:

        def by_link(link: str = "", settings: Settings | None = None) -> tuple[Any, Runner]:
            return open_page(settings, link)

        yield by_link


def number(page: Any, selector: str) -> float:
    return float(page.text_content(selector))


def test_playground_page_has_the_contracts_elements(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of()
    for element_id in ("play", "step", "reset", "epoch", "train-loss", "test-loss", "network", "boundary"):
        assert page.locator(f"#{element_id}").count() == 1, element_id
    assert page.text_content("#epoch") == "0"
    neurons = page.eval_on_selector_all("#network [data-neuron]", "els => els.map(e => e.dataset.neuron)")
    assert neurons == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "3.1", "3.2"]  # hidden 4, 2; two softmax outputs
    edges = page.eval_on_selector_all("#network [data-edge]", "els => els.map(e => e.dataset.edge)")
    assert len(edges) == 2 * 4 + 4 * 2 + 2 * 2 and "1.4.2" in edges and "3.2.2" in edges
    assert number(page, "#train-loss") == pytest.approx(runner.session.train_loss, abs=5e-4)
    assert number(page, "#test-loss") == pytest.approx(runner.session.test_loss, abs=5e-4)
    assert page.locator("#message").is_hidden()


def test_playground_play_trains_on_moons_and_pause_stops(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of("dataset=moons&learningRate=0.1")
    first_loss = number(page, "#train-loss")
    page.click("#play")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) >= 5", timeout=60_000)
    assert page.get_attribute("#play", "aria-pressed") == "true"
    page.click("#play")  # pause
    page.wait_for_function("document.querySelector('#play').getAttribute('aria-pressed') === 'false'")
    epoch = page.text_content("#epoch")
    page.wait_for_timeout(700)
    assert page.text_content("#epoch") == epoch == str(runner.session.epoch_count)
    assert not runner.playing
    assert number(page, "#train-loss") < first_loss


def test_playground_step_and_reset(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of()
    page.click("#step")
    wait_until(lambda: runner.session.step_count == 1)
    page.click("#reset")
    wait_until(lambda: runner.session.step_count == 0)
    page.wait_for_function("document.querySelector('.gg-playground').dataset.step === '0'")


def test_playground_adding_a_hidden_layer_redraws_the_network(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of()
    page.click("#add-layer")
    page.wait_for_function("document.querySelectorAll('#network [data-neuron]').length === 10")
    assert runner.session.settings.networkShape == (4, 2, 2)
    assert page.locator('#network [data-neuron="4.1"]').count() == 1  # the outputs moved to layer 4
    assert page.locator('#network [data-edge="3.2.2"]').count() == 1
    page.click('.gg-add-neuron[data-layer="1"]')
    page.wait_for_function("document.querySelectorAll('#network [data-neuron]').length === 11")
    assert runner.session.settings.networkShape == (5, 2, 2)


def test_playground_a_shared_url_reproduces_the_settings(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    link = "dataset=spirals&classes=3&noise=20&networkShape=6,5&activation=relu&learningRate=0.01&seed=7&sinX=true"
    page, runner = page_of(link)
    wait_until(lambda: runner.session.settings.dataset == "spirals")
    settings = runner.session.settings
    assert (settings.classes, settings.noise, settings.networkShape, settings.seed, settings.sinX) == (
        3, 20.0, (6, 5), 7, True)
    page.wait_for_function("location.hash.includes('networkShape=6,5')")
    url = page.url  # the page keeps every setting in its hash: this link reproduces the run
    weights = runner.session.state()["parameters"]
    points = runner.session.train
    page2, runner2 = page_of()  # a second server (another port), fresh: the link's settings are not there yet
    other = page2.url.split("/?")[0]
    page2.goto("about:blank")  # so that the link loads the page anew, not just changes the hash
    page2.goto(url.replace(url.split("/?")[0], other))
    page2.wait_for_function(LOADED)
    wait_until(lambda: runner2.session.settings == settings)
    assert runner2.session.state()["parameters"] == weights and runner2.session.train == points


def test_playground_a_bad_url_hash_shows_a_message(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of("dataset=mnist&learningRate=0.1")
    page.wait_for_function("!document.querySelector('#message').hidden")
    text = page.text_content("#message")
    assert "settings were not applied" in text and "dataset: expected one of moons" in text
    assert runner.session.settings == Settings()  # nothing changed; the page still works
    page.click("#step")
    wait_until(lambda: runner.session.step_count == 1)


def test_playground_a_bad_control_value_shows_the_servers_message(
    page_of: Callable[..., tuple[Any, Runner]]
) -> None:
    page, runner = page_of()
    page.evaluate("""() => { const s = document.querySelector('#learningRate');
        s.append(new Option('nan', 'nan')); s.value = 'nan'; s.dispatchEvent(new Event('change')); }""")
    page.wait_for_function("!document.querySelector('#message').hidden")
    assert "learningRate: expected a number" in page.text_content("#message")
    assert runner.session.settings.learningRate == 0.03


def test_playground_edges_show_and_take_a_weight(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of()
    weight = runner.session.model.layers[0].neurons[2].w[1]
    edge = page.locator('#network [data-edge="1.3.2"]')  # from unit 2 of layer 0 to neuron 3 of layer 1
    assert float(edge.get_attribute("data-weight")) == weight.data
    width = float(edge.get_attribute("stroke-width"))
    point = page.evaluate("""() => {  // a point of the edge where no other edge lies on top of it
        const path = document.querySelector('[data-edge="1.3.2"]'), hit = path.nextElementSibling;
        const length = path.getTotalLength(), m = path.getScreenCTM();
        for (let t = 0.5; t < 0.95; t += 0.02) {
            for (const u of [t, 1 - t]) {
                const p = path.getPointAtLength(u * length), x = m.a * p.x + m.e, y = m.d * p.y + m.f;
                if (document.elementFromPoint(x, y) === hit) { return [x, y]; }
            }
        }
        return null; }""")
    assert point is not None
    page.mouse.move(point[0], point[1])
    tip = page.text_content(".gg-tooltip")  # the lecture's name, never Python's layers.0.neurons.2.w.1
    assert tip.startswith("w₃₂¹ = ") and "from x₂ to neuron 3 of layer 1" in tip and "layers." not in tip
    assert page.locator(".gg-tooltip").is_visible()
    page.evaluate("""() => { const hit = document.querySelector('[data-edge="1.3.2"]').nextElementSibling;
        hit.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 300, clientY: 300})); }""")
    page.fill("#weight-editor", "3.5")
    page.press("#weight-editor", "Enter")
    wait_until(lambda: weight.data == 3.5)
    page.wait_for_function("""document.querySelector('[data-edge="1.3.2"]').dataset.weight === '3.5'""")
    assert float(edge.get_attribute("stroke-width")) > width


def test_playground_clicks_on_the_map_add_and_remove_points(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of()
    count = len(runner.session.train)
    a, b, c, d = runner.session.extent()  # the map's plane when clicked (a point outside the data widens it)
    box = page.locator("#boundary").bounding_box()
    page.mouse.click(box["x"] + 5, box["y"] + 5)  # the top left corner: far from the data
    wait_until(lambda: len(runner.session.train) == count + 1)
    x1, x2, label = runner.session.train[-1]
    assert a < x1 < a + (b - a) * 0.05 and d - (d - c) * 0.05 < x2 < d and label == 0.0
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + 5, box["y"] + 5)
    page.keyboard.up("Shift")
    wait_until(lambda: len(runner.session.train) == count)


def test_playground_switching_a_feature_on_feeds_it_to_the_network(
    page_of: Callable[..., tuple[Any, Runner]]
) -> None:
    page, runner = page_of()
    page.click('[data-feature="xSquared"]')
    wait_until(lambda: runner.session.settings.xSquared)
    page.wait_for_function("document.querySelectorAll('#network [data-edge^=\"1.1.\"]').length === 3")
    assert runner.session.model.nin == 3


def test_playground_page_malformed_link_still_draws_and_says_why(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of("%E0%A4%A")  # a cut-off percent escape: decodeURIComponent throws
    page.wait_for_function("!document.querySelector('#message').hidden", timeout=20_000)
    assert "not a valid link" in page.text_content("#message")
    assert runner.session.settings == Settings()  # the defaults, drawn


def test_playground_page_shows_an_error_beside_the_control_that_sent_it(
    page_of: Callable[..., tuple[Any, Runner]],
) -> None:
    page, _ = page_of()
    page.focus("input[type=file]")  # as a click on it does
    page.set_input_files("input[type=file]", files=[
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"x1,x2,label\n0.5,zero,1\n"}])
    page.wait_for_selector(".gg-error-note", timeout=20_000)
    note = page.text_content(".gg-error-note")
    assert "CSV line 2: x2: expected a number" in note
    assert page.evaluate("document.querySelector('.gg-error-note').previousElementSibling.type") == "file"
    page.click("#step")  # an answer that is not an error takes the note away
    page.wait_for_function("!document.querySelector('.gg-error-note')", timeout=20_000)


def test_playground_page_sends_one_command_at_a_time(page_of: Callable[..., tuple[Any, Runner]]) -> None:
    page, runner = page_of()
    for _ in range(5):
        page.click("#step", delay=0)  # five quick clicks: five steps, each after the last one's answer
    wait_until(lambda: runner.session.step_count == 5, seconds=20)
    page.wait_for_function("document.querySelector('#epoch') !== null")
    assert page.locator("#message").is_hidden()
