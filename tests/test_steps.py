"""step_backward: one step per op node in backward order, gradients equal to backward(), frames, the player."""

import os
import re
import shutil

import pytest
from conftest import require

from engine import Value, topological_order
from nn import MLP
from nn.losses import cross_entropy
from viz import step_backward
from viz.graph import HIGHLIGHT

CHROMIUM = os.environ.get("GLASSGRAD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def small_loss():
    model = MLP(2, [2, 2], activation="tanh", seed=0)
    loss = cross_entropy(model([0.5, -1.0]), 1)
    loss.label = "C"
    return loss


def test_step_backward_has_one_step_per_op_node_in_backward_order():
    loss = small_loss()
    steps = step_backward(loss)
    ops = [n for n in topological_order(loss) if n.parents]
    assert len(steps) == len(ops)
    assert steps[0].node is loss and steps[0].upstream == 1.0
    position = {s.node: s.index for s in steps}
    for s in steps:
        for p in s.node.parents:
            if p.parents:
                assert position[p] > s.index  # a node is processed after every node that uses it


def test_step_backward_gradients_equal_backward_and_touch_no_grad():
    loss = small_loss()
    steps = step_backward(loss)
    assert all(n.grad == 0.0 for n in topological_order(loss))
    loss.backward()
    assert all(steps.gradients[n] == n.grad for n in topological_order(loss))


def test_step_backward_contribution_is_local_times_upstream_and_accumulates():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    (step,) = step_backward(y)
    a, b = step.contributions
    assert a.parent is b.parent is x and a.local == b.local == 3.0
    assert a.added == 3.0 * step.upstream and a.total_after == 3.0 and b.total_after == 6.0
    assert "x: b = 3 × 1 = 3 (now 3); x: a = 3 × 1 = 3 (now 6)" in step.describe()


def test_step_backward_frames_highlight_their_node_and_fill_gradients_so_far():
    loss = small_loss()
    steps = step_backward(loss)
    first = steps.frame(0).source
    assert "grad ?" in first  # nothing below the root is known yet
    last = steps.frame(len(steps) - 1).source
    assert "grad ?" not in last
    for i in (0, len(steps) // 2, len(steps) - 1):
        node_id = steps.view.node(steps[i].node).id
        (line,) = [ln for ln in steps.frame(i).source.splitlines() if HIGHLIGHT in ln]
        assert line.strip().startswith(f"{node_id} [")


def test_step_backward_page_is_standalone(tmp_path):
    page = step_backward(small_loss()).save(tmp_path / "steps.html").read_text()
    assert page.count('class="gg-frame"') == len(step_backward(small_loss()))
    assert page.count("<svg") == page.count('class="gg-frame"')
    assert not re.search(r"""(src|href)=["']?https?://""", page), "nothing is fetched from the network"
    assert 'type="range"' in page and "gg-prev" in page and "gg-next" in page


def test_step_backward_caption_cannot_close_the_script():
    x = Value(1.0, label="</script><b>x</b>")
    html = step_backward(x.exp()).html()
    assert html.count("</script>") == 1


def test_step_backward_refuses_a_graph_with_too_many_steps():
    x = Value(0.1)
    y = x
    for _ in range(400):
        y = y.tanh()
    with pytest.raises(ValueError, match="the graph has 400 op nodes, more than max_steps=300"):
        step_backward(y)


def test_step_backward_player_moves_the_highlight_in_a_browser(tmp_path):
    require(CHROMIUM, "Chromium", "apt-get install chromium")
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (in the dev extra)")
    steps = step_backward(small_loss())
    path = steps.save(tmp_path / "steps.html")
    highlighted = """() => {
        const frame = [...document.querySelectorAll('.gg-frame')].find(f => !f.hidden);
        const node = [...frame.querySelectorAll('g.node')].find(g => g.querySelector('[stroke="COLOR"]'));
        return [frame.dataset.step, node ? node.querySelector('title').textContent : null];
    }""".replace("COLOR", HIGHLIGHT)
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            page = browser.new_page()
            page.goto(path.as_uri())
            assert page.evaluate(highlighted) == ["0", steps.view.node(steps[0].node).id]
            page.locator(".gg-slider").fill("3")
            assert page.evaluate(highlighted) == ["3", steps.view.node(steps[3].node).id]
            assert page.locator(".gg-counter").text_content() == f"step 4 / {len(steps)}"
            page.locator(".gg-next").click()
            assert page.evaluate(highlighted) == ["4", steps.view.node(steps[4].node).id]
            page.locator(".gg-prev").click()
            page.locator(".gg-prev").click()
            assert page.evaluate(highlighted)[0] == "2"
            assert page.locator(".gg-caption").text_content().startswith("step 3:")
        finally:
            browser.close()
