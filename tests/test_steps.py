"""step_backward: one step per op node in backward order, gradients equal to backward(), frames, the player."""

import re

import pytest
from pictures import browser_page

from engine import Value, topological_order
from nn import MLP
from nn.losses import cross_entropy
from viz import step_backward
from viz.graph import HIGHLIGHT
from viz.walk import fmt


def small_loss():
    model = MLP(2, [2, 2], activation="tanh", seed=0)
    return cross_entropy(model([0.5, -1.0]), 1)  # labelled C


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
    text = step.describe()
    assert text.startswith("step 1: y = x · x, ∂y/∂y = 1; ")
    assert "x gets ∂y/∂x · ∂y/∂y = x × 1 = 3 × 1 = 3 (now 3); x gets ∂y/∂x · ∂y/∂y = x × 1 = 3 × 1 = 3 (now 6)" in text


def test_step_backward_captions_name_each_node_by_the_name_it_shows():
    steps = step_backward(small_loss())
    view = steps.view
    printed = {n.name for n in view.nodes}
    for step in steps:
        assert step.name == view.node(step.node).name
        assert step.describe().startswith(f"step {step.index + 1}: {step.name} = ")
        assert {c.input_name for c in step.contributions} <= printed
    assert len({s.name for s in steps}) == len(steps)  # no two steps are "the * node"


def test_step_backward_speaks_the_lectures_notation():
    steps = step_backward(small_loss())
    assert steps[0].describe().startswith("step 1: C = ")
    texts = [s.describe() for s in steps]
    (z,) = [t for t in texts if t.startswith("step 7: ")]
    assert z.startswith("step 7: z₁² = w₁₁²a₁¹ + w₁₂²a₂¹ + b₁², ∂C/∂z₁² = ")
    (product,) = [t for t in texts if t.startswith("step 8: ")]
    assert product.startswith("step 8: w₁₂²a₂¹ = w₁₂² · a₂¹, ∂C/∂(w₁₂²a₂¹) = ")
    assert "; w₁₂² gets ∂(w₁₂²a₂¹)/∂w₁₂² · ∂C/∂(w₁₂²a₂¹) = a₂¹ × " in product  # ∂C/∂w = a · ∂C/∂z


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


def test_step_backward_page_is_standalone_and_lays_the_graph_out_once(tmp_path):
    steps = step_backward(small_loss())
    page = steps.save(tmp_path / "steps.html").read_text()
    assert page.count("<svg") == 1, "one layout for every step"
    assert not re.search(r"""(src|href)=["']?https?://""", page), "nothing is fetched from the network"
    assert "gg-slider" in page and "gg-prev" in page and "gg-next" in page
    assert '<div class="gg-controls"></div>' in page and "<button" not in page.split("<script")[0], \
        "the controls come with the script: without JavaScript there are no dead buttons"
    assert 'src="data:image/png;base64,' in page, "without JavaScript a still picture of the finished pass"
    assert page.count("<li>step ") == len(steps), "and every step as text"
    assert "The backward pass of C = " in page and "∂C/∂node" in page, "the page says what it shows"


def test_step_backward_caption_cannot_close_the_script():
    x = Value(1.0, label="</script><b>x</b>")
    html = step_backward(x.exp()).html()
    assert html.count("</script>") == 2  # the data and the code; the label's is escaped
    assert "<b>x</b>" not in html


def test_step_backward_players_of_one_graph_get_their_own_ids():
    steps = step_backward(small_loss())
    first, second = steps.html(), steps.html()
    ids = [re.search(r'id="(gg-[\w-]+)"', h).group(1) for h in (first, second)]
    assert ids[0] != ids[1]


def test_step_backward_refuses_a_graph_with_too_many_steps():
    x = Value(0.1)
    y = x
    for _ in range(400):
        y = y.tanh()
    with pytest.raises(ValueError, match="the graph has 400 op nodes, more than max_steps=300"):
        step_backward(y)


STATE = """(root) => {
    const player = document.querySelectorAll('.gg-player')[root];
    const current = [...player.querySelectorAll('svg g.node.gg-current title')]
        .find(t => !t.textContent.endsWith('_op'));
    const grads = {}, boxes = {};
    player.querySelectorAll('svg g.node').forEach(g => {
        const title = g.querySelector('title').textContent;
        const t = [...g.querySelectorAll('text')].find(t => t.textContent.startsWith('grad '));
        if (t) grads[title] = t.textContent.slice(5);
        const shape = g.querySelector('polygon, ellipse');
        if (shape) { const r = shape.getBBox(); boxes[title] = [r.x, r.y, r.width, r.height]; }
    });
    return {current: current ? current.textContent : null, grads, boxes,
            caption: player.querySelector('.gg-caption').textContent,
            counter: player.querySelector('.gg-counter').textContent};
}"""




@pytest.mark.slow  # Chromium
def test_step_backward_player_shows_every_step_on_one_layout_in_a_browser(tmp_path):
    steps = step_backward(small_loss())
    path = steps.save(tmp_path / "steps.html")
    view = steps.view
    with browser_page() as page:
        page.goto(path.as_uri())
        first = page.evaluate(STATE, 0)
        assert first["current"] == view.node(steps[0].node).id and first["counter"] == f"step 1 / {len(steps)}"
        assert first["caption"] == steps[0].describe()
        for i in (3, len(steps) - 1):
            page.locator(".gg-slider").fill(str(i))
            state = page.evaluate(STATE, 0)
            assert state["current"] == view.node(steps[i].node).id
            assert state["boxes"] == first["boxes"], "the layout does not move between steps"
            known = steps._known[i]
            for node in view.nodes:
                if node.kind != "constant":
                    want = fmt(known[node.value]) if node.value in known else "?"
                    assert state["grads"][node.id] == want, (i, node.name)
        page.locator(".gg-prev").click()
        assert page.evaluate(STATE, 0)["counter"] == f"step {len(steps) - 1} / {len(steps)}"
        page.locator(".gg-player").focus()
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        assert page.evaluate(STATE, 0)["current"] == view.node(steps[1].node).id
        page.locator(".gg-slider").focus()
        page.keyboard.press("ArrowRight")  # the slider itself answers the arrow keys
        assert page.evaluate(STATE, 0)["current"] == view.node(steps[2].node).id


@pytest.mark.slow  # Chromium
def test_step_backward_player_is_readable_and_brings_the_step_into_view(tmp_path):
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    loss = (model([0.5, -1.0])[0] - 1.0) ** 2  # the 2-4-1 network of 23 steps, ~2,300 pt wide
    steps = step_backward(loss)
    path = steps.save(tmp_path / "steps.html")
    with browser_page() as page:
        page.goto(path.as_uri())
        heights = page.evaluate("""() => [...document.querySelectorAll('.gg-view svg g.node text')]
            .map(t => t.getBoundingClientRect().height)""")
        assert min(heights) >= 9, f"labels {min(heights):.1f} px tall"
        for i in range(0, len(steps), 5):
            page.locator(".gg-slider").fill(str(i))
            inside = page.evaluate("""() => {
                const v = document.querySelector('.gg-view').getBoundingClientRect();
                const r = document.querySelector('.gg-view svg .gg-current').getBoundingClientRect();
                return r.left >= v.left - 1 && r.right <= v.right + 1
                    && r.top >= v.top - 1 && r.bottom <= v.bottom + 1;
            }""")
            assert inside, f"step {i + 1}'s node is out of view"
        before = page.evaluate("() => document.querySelector('.gg-view svg').getBoundingClientRect().width")
        page.locator(".gg-zoom-in").click()
        after = page.evaluate("() => document.querySelector('.gg-view svg').getBoundingClientRect().width")
        assert after == pytest.approx(before * 1.25, rel=0.01)


@pytest.mark.slow  # Chromium
def test_step_backward_two_players_of_one_graph_work_side_by_side(tmp_path):
    steps = step_backward(small_loss())
    path = tmp_path / "two.html"
    path.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{steps.html()}{steps.html()}</body>")
    with browser_page() as page:
        page.goto(path.as_uri())
        page.locator(".gg-next").nth(1).click()
        page.locator(".gg-next").nth(1).click()
        assert page.evaluate(STATE, 0)["counter"] == f"step 1 / {len(steps)}"
        assert page.evaluate(STATE, 1)["counter"] == f"step 3 / {len(steps)}"
        page.locator(".gg-next").nth(0).click()
        assert page.evaluate(STATE, 0)["counter"] == f"step 2 / {len(steps)}"
        assert page.evaluate(STATE, 1)["counter"] == f"step 3 / {len(steps)}"


@pytest.mark.slow  # Chromium
def test_step_backward_page_without_javascript_shows_a_still_and_the_steps(tmp_path):
    steps = step_backward(small_loss())
    path = steps.save(tmp_path / "steps.html")
    with browser_page(java_script_enabled=False) as page:
        page.goto(path.as_uri())
        assert not page.locator(".gg-prev").is_visible() and not page.locator(".gg-slider").is_visible()
        still = page.locator("img.gg-still")
        assert still.is_visible()
        assert page.evaluate("() => document.querySelector('img.gg-still').naturalWidth") > 100
        page.locator(".gg-list summary").click()
        assert page.locator(".gg-list li").count() == len(steps)
        assert page.locator(".gg-list li").first.is_visible()
