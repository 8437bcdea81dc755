"""The backward-pass quiz: reading answers (numbers and arithmetic, never eval), checking them, retries and the
first-try score, constants not asked, no answer shown before it is asked (the still, its PNG, the page without
JavaScript), the page in Chromium with and without JavaScript, and the same quiz in a terminal."""

import base64
import html
import io
import math
import os
import re
import sys
from pathlib import Path

import pytest
from pictures import browser_page

import viz.quiz
from engine import Value
from glassgrad.cli import main
from nn import MLP
from nn.losses import mse
from viz import step_backward
from viz.quiz import Blank, NotANumberError, Quiz, agrees, read_number, take_quiz
from viz.walk import fmt

#: Where the browser tests leave screenshots of what a learner sees, when set (``GLASSGRAD_SHOTS=/tmp/quiz``).
SHOTS = os.environ.get("GLASSGRAD_SHOTS")

#: Answers and the numbers they stand for: the page's reader (steps.js) must give exactly these too.
VALID = [
    ("2", 2.0), ("-0.0125", -0.0125), ("2*-0.0125", -0.025), ("1 - 0.76*0.76", 1 - 0.76 * 0.76),
    ("\u22120.5", -0.5), ("2\u2212\u22123", 5.0), ("2×3", 6.0), ("2·3", 6.0), ("2⋅3", 6.0), ("6÷4", 1.5),
    ("1e-3", 0.001), ("2.5E+2", 250.0), ("1e\u22123", 0.001), (".5", 0.5), ("5.", 5.0), ("1 + 2*3", 7.0),
    ("(1 + 2)*3", 9.0), ("2*3 - 4/2", 4.0), ("8/4/2", 1.0), ("2-3-4", -5.0), ("--1", 1.0), ("-(2 + 1)", -3.0),
    ("+4", 4.0), ("  3 ", 3.0), ("2 * - 3", -6.0), ("((0.5))", 0.5), ("0.105*-0.2384", 0.105 * -0.2384),
    ("inf", math.inf), ("-∞", -math.inf), ("1e999", math.inf), ("NaN", math.nan),
]

#: Entries that are not numbers, and what the quiz says of each (the page says the same).
INVALID = [
    ("", "empty: type a number"),
    ("   ", "empty: type a number"),
    ("abc", 'not a number: "a" at column 1 (numbers, + − × / and brackets only)'),
    ("2*", "not a number: a number is missing at the end"),
    ("-", "not a number: a number is missing at the end"),
    ("(1 + 2", 'not a number: the "(" at column 1 is not closed'),
    ("1 + 2)", 'not a number: ")" at column 6 (numbers, + − × / and brackets only)'),
    ("1/0", 'division by zero (the "/" at column 2)'),
    ("1 ÷ (2 - 2)", 'division by zero (the "÷" at column 3)'),
    ("0,5", 'not a number: "," at column 2 (numbers, + − × / and brackets only)'),
    ("2^2", 'not a number: "^" at column 2 (numbers, + − × / and brackets only)'),
    ("2**2", 'not a number: "*" at column 3 (numbers, + − × / and brackets only)'),
    ("1e", 'not a number: "e" at column 2 (numbers, + − × / and brackets only)'),
    ("1..2", 'not a number: "." at column 3 (numbers, + − × / and brackets only)'),
    ("2 3", 'not a number: "3" at column 3 (numbers, + − × / and brackets only)'),
    ("__import__('os')", 'not a number: "_" at column 1 (numbers, + − × / and brackets only)'),
    ("x", 'not a number: "x" at column 1 (numbers, + − × / and brackets only)'),
    ("(" * 60 + "1" + ")" * 60, "not a number: brackets or signs nested too deeply"),
    ("-" * 60 + "1", "not a number: brackets or signs nested too deeply"),
]


@pytest.mark.parametrize(("text", "number"), VALID)
def test_quiz_reads_numbers_and_arithmetic(text, number):
    got = read_number(text)
    assert got == number or (math.isnan(got) and math.isnan(number))


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_quiz_says_why_an_entry_is_not_a_number(text, message):
    with pytest.raises(NotANumberError) as caught:
        read_number(text)
    assert str(caught.value) == message


def test_quiz_reads_without_eval(monkeypatch):
    import builtins

    def refuse(*args, **kwargs):
        raise AssertionError("the quiz called eval")

    monkeypatch.setattr(builtins, "eval", refuse)
    assert read_number("2*-0.0125") == -0.025 and read_number("(1 + 2)*3") == 9.0
    here = Path(viz.quiz.__file__).parent
    source = (here / "quiz.py").read_text(encoding="utf-8") + (here / "static" / "steps.js").read_text(encoding="utf-8")
    assert not re.search(r"\beval\s*\(|new Function|\bFunction\s*\(", source.replace("never by ``eval``", ""))


@pytest.mark.parametrize(("answer", "truth", "right"), [
    (0.123, 0.12345, True), (0.1235, 0.12345, True), (0.125, 0.12345, False), (0.124, 0.12345, True),
    (-0.025, -0.02504, True),
    (3.004, 3.0, True), (2.9, 3.0, False), (1.0149, 1.0051, True), (0.995, 1.0049, True), (0.99, 1.0049, False),
    (0.0, 0.0, True), (1e-13, 0.0, True), (1e-3, 0.0, False), (math.inf, math.inf, True), (-math.inf, math.inf, False),
    (math.nan, math.nan, True), (1.0, math.nan, False), (math.nan, 1.0, False), (math.inf, 1.0, False),
])
def test_quiz_agrees_to_three_significant_figures(answer, truth, right):
    assert agrees(answer, truth) is right


def test_quiz_blank_takes_a_wrong_answer_then_a_right_one():
    blank = Blank(0, "∂y/∂x", 0.4224)
    assert blank.answer("0.4") == "✗ 0.4 is not it: try again" and blank.state == "open"
    assert blank.answer("1 - 0.76*0.76") == "✓ right, at try 2" and blank.state == "right"
    assert blank.tries == 2 and not blank.first_try
    with pytest.raises(ValueError, match="right already"):
        blank.answer("0.4224")


def test_quiz_blank_not_a_number_costs_no_try():
    blank = Blank(0, "∂y/∂x", -0.025)
    assert blank.answer("2*") == "not a number: a number is missing at the end"
    assert blank.answer("") == "empty: type a number"
    assert blank.tries == 0 and blank.state == "open"
    assert blank.answer("2*−0.0125") == "✓ right" and blank.first_try


def test_quiz_blank_given_up_shows_its_number():
    blank = Blank(0, "∂y/∂x", 0.41421356)
    assert blank.show() == "it is 0.4142" and blank.state == "shown" and not blank.first_try


def small():
    """y = x·w + x at x = 2, w = 3: step 1 the add (x·w and x each get 1), step 2 the mul (x gets 3, w gets 2)."""
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    p = x * w
    p.label = "p"
    y = p + x
    y.label = "y"
    return y


def lecture_loss():
    """The lecture's network (2 inputs, three layers of two sigmoid neurons) on (1, −1), squared error against
    (1, 0): as notebook 00 quizzes it."""
    weights = [[[1, -2], [-1, 1]], [[2, -1], [-2, -1]], [[3, -1], [-1, 4]]]
    biases = [[1, 0], [0, 0], [-2, 2]]
    model = MLP(2, [2, 2, 2], activation="sigmoid", output="sigmoid")
    state = {}
    for k, (rows, bs) in enumerate(zip(weights, biases)):
        for j, (row, b) in enumerate(zip(rows, bs)):
            state |= {f"layers.{k}.neurons.{j}.w.{i}": float(w) for i, w in enumerate(row)}
            state[f"layers.{k}.neurons.{j}.b"] = float(b)
    model.load_state_dict(state)
    return mse(model([1.0, -1.0]), [1.0, 0.0])


#: The answers the browser test types, step by step, blank by blank: each a list of entries, the last one right,
#: or None to give the step up (the page's "show the answers").
ANSWERS = [
    [["1"], ["2*0.5"], ["abc", "1"], ["3", "1"]],  # x·w and x each get 1; a non-number costs no try, a 3 does
    [["3.004"], ["\u2212(\u22123)"], ["6÷3"], ["1/0", None]],  # x gets 3, w gets 2: "show the answers"
]


def replay(quiz):
    """``ANSWERS`` given to a Python quiz: what the page's score and review must then say."""
    for bs, entries in zip(quiz.by_step, ANSWERS):
        for blank, typed in zip(bs, entries):
            for text in typed:
                if text is None:
                    blank.show()
                else:
                    blank.answer(text)
    return quiz


def test_quiz_score_counts_first_tries_and_names_the_steps_to_review():
    quiz = replay(Quiz(step_backward(small(), quiz=True)))
    assert quiz.score() == "6 of 8 right at the first try"
    assert quiz.review() == ["step 1 (y = p + x): passes back to x", "step 2 (p = x · w): passes back to w"]
    assert quiz.summary() == ("done: 6 of 8 right at the first try. To review: step 1 (y = p + x): passes back to x; "
                              "step 2 (p = x · w): passes back to w.")
    perfect = Quiz(step_backward(small(), quiz=True))
    for bs in perfect.by_step:
        for blank in bs:
            blank.answer(repr(blank.truth))
    assert perfect.summary() == "done: 8 of 8 right at the first try. Nothing to review: every answer right at once."


def test_quiz_asks_no_constant():
    x = Value(0.5, label="x")
    y = (x.tanh() - 1.0) ** 2  # the −1 of the subtraction is a constant
    y.label = "C"
    steps = step_backward(y, quiz=True)
    (sub,) = [s for s in steps if any(c.constant for c in s.contributions)]
    assert [c.input_name for c in sub.contributions] == ["v1", "-1"] and [c.input_name for c in sub.asked] == ["v1"]
    assert [label for label, _ in sub.asks()] == ["∂v2/∂v1", "passes back to v1"]
    assert sub.question().endswith("(The constant -1: not asked.)")
    page = steps.html()
    assert "passes back to -1" not in page and "∂v2/∂(-1)" not in page.split('"blanks"', 1)[1]
    lecture = step_backward(lecture_loss(), quiz=True)
    constants = {c.input_name for s in lecture for c in s.contributions if c.constant}
    assert constants == {"0.5", "0", "-1"}  # mse's ½, and the target (1, 0) subtracted
    assert all(not c.constant for s in lecture for c in s.asked)
    assert sum(len(s.asks()) for s in lecture) == 2 * sum(len(s.contributions) for s in lecture) - 2 * 3


def _shown_without_script(page: str) -> str:
    """The HTML a browser shows where scripts do not run: the page without its scripts and the still's PNG data."""
    page = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    return re.sub(r'src="data:image/png;base64,[^"]*"', 'src=""', page)


def test_quiz_still_and_its_preview_show_no_answer(tmp_path):
    steps = step_backward(lecture_loss(), quiz=True)
    still = steps.still()
    svg = still.svg()
    page = steps.save(tmp_path / "quiz.html").read_text(encoding="utf-8")
    shown = _shown_without_script(page)
    root = steps[0].node
    for value, grad in steps.gradients.items():
        if value is not root:
            assert f"grad {fmt(grad)}" not in still.source and f"grad {fmt(grad).replace('-', '&#45;')}" not in svg
            assert f"grad {fmt(grad)}" not in shown
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert [t for t in texts if t.startswith("grad ")].count("grad 1") == 1 and "grad ?" in texts
    assert all(t.endswith("= ?") for t in texts if t.startswith("∂/∂")), "a local derivative shows, formula or number"
    assert all(t == "passes ?" for t in texts if t.startswith("passes "))
    assert all(html.escape(s.describe()) not in shown for s in steps)
    assert all(html.escape(s.question()) in shown for s in steps), "without JavaScript: the questions as text"
    png = re.search(r'class="gg-still" alt="([^"]*)" src="data:image/png;base64,([^"]*)"', page)
    assert png.group(1) == "the question: the graph of C with its data, no gradient worked out yet"
    assert base64.b64decode(png.group(2)) == still.preview_png(), "the preview is the question's picture"
    assert "Run this cell to take the quiz:" in shown and "grad ?</span> = not known yet" not in shown


def test_quiz_page_carries_the_blanks_and_the_form(tmp_path):
    steps = step_backward(small(), quiz=True)
    page = steps.save(tmp_path / "quiz.html").read_text(encoding="utf-8")
    assert '"quiz": true' in page and '"blanks": [' in page and "gg-check" in page and "gg-give-up" in page
    assert '"label": "\\u2202p/\\u2202x", "truth": 3.0, "text": "3"' in page
    assert "<button" not in page.split("<script")[0], "the quiz's form comes with the script too"
    assert steps[0].question().startswith("step 1: y = p + x, ∂y/∂y = 1. For each input")
    plain = step_backward(small())
    assert '"quiz": false' in plain.html() and plain.still() is plain.layout()
    assert "Run this cell" not in plain.html()
    with pytest.raises(TypeError, match="expected True or False"):
        step_backward(small(), quiz="yes")


def test_quiz_in_a_terminal_retries_and_reviews():
    typed = iter(["1", "2*0.5", "abc", "1", "3", "1", "3.004", "−(−3)", "6÷3", "1/0", ""])
    said = []
    quiz = take_quiz(step_backward(small(), quiz=True), read=lambda prompt: said.append(prompt) or next(typed),
                     write=said.append)
    assert said[0].startswith("The backward pass of y as a quiz: 2 steps, 8 numbers to work out. Type a number")
    assert said[2].startswith("step 1: y = p + x, ∂y/∂y = 1.")
    assert said[3:7] == ["  ∂y/∂p = ", "    ✓ right", "  passes back to p = ", "    ✓ right"]
    assert "    not a number: \"a\" at column 1 (numbers, + − × / and brackets only)" in said
    assert "    ✗ 3 is not it: try again" in said and "    ✓ right, at try 2" in said
    assert "    division by zero (the \"/\" at column 2)" in said and "    it is 2" in said
    assert said[-1] == quiz.summary() == replay(Quiz(step_backward(small(), quiz=True))).summary()
    assert step_backward(small()).steps[0].describe() in said, "a step answered is shown worked out"


def test_quiz_in_a_terminal_stops_at_the_end_of_input():
    def read(prompt):
        raise EOFError

    said = []
    quiz = take_quiz(step_backward(small(), quiz=True), read=read, write=said.append)
    assert said[-1] == "stopped at step 1: 0 of 0 right at the first try." and quiz.score().startswith("0 of 0")


def test_quiz_cli_asks_in_the_terminal_then_prints_the_gradients(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n1\n1\n1\n3\n3\n2\n2\n"))
    out = tmp_path / "question.dot"
    assert main(["graph", "x*w + x", "x=2", "w=3", "--out", str(out), "--quiz"]) == 0
    printed = capsys.readouterr().out
    assert printed.index("step 1: ") < printed.index("∂f/∂x = 4"), "the gradients come after the quiz"
    assert "done: 8 of 8 right at the first try. Nothing to review" in printed
    question = out.read_text(encoding="utf-8")
    assert "grad ?" in question and "grad 4" not in question and "= ?<br/>" in question


def test_quiz_cli_writes_a_page_and_prints_no_gradient(tmp_path, capsys):
    steps = tmp_path / "quiz.html"
    assert main(["graph", "x*w + x", "x=2", "w=3", "--out", str(tmp_path / "g.dot"), "--steps", str(steps),
                 "--quiz"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("f = 8\n") and "∂f/∂" not in printed
    page = steps.read_text(encoding="utf-8")
    assert '"quiz": true' in page and "gg-check" in page and "gg-score" in page


# ---- in Chromium ----

QUIZ = """(n) => {
    const player = document.querySelectorAll('.gg-player')[n];
    const texts = [...player.querySelectorAll('svg text')].map(t => t.textContent);
    return {caption: player.querySelector('.gg-caption').textContent,
            counter: player.querySelector('.gg-counter').textContent,
            score: player.querySelector('.gg-score').textContent,
            status: player.querySelector('.gg-status').textContent,
            rows: player.querySelectorAll('.gg-ask').length,
            notes: [...player.querySelectorAll('.gg-blank')]
                .map(b => (b.querySelector('.gg-note') || {}).textContent || ''),
            open: [...player.querySelectorAll('input.gg-answer')].map(i => !i.disabled),
            locals: texts.filter(t => t.startsWith('∂/∂')), grads: texts.filter(t => t.startsWith('grad ')),
            text: player.innerText};
}"""


def _type(page, entries):
    """Fill each open field of the step's form with the next entry (None: leave it), then check."""
    fields = page.locator("input.gg-answer")
    for k, text in enumerate(entries):
        if text is not None:
            fields.nth(k).fill(text)
    page.locator(".gg-check").click()


def _shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))


@pytest.mark.slow  # Chromium
def test_quiz_page_with_javascript_asks_checks_retries_and_reviews(tmp_path):
    steps = step_backward(small(), quiz=True)
    path = steps.save(tmp_path / "quiz.html")
    first, second = steps[0], steps[1]
    with browser_page() as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        state = page.evaluate(QUIZ, 0)
        assert state["caption"] == first.question() and state["rows"] == 2 and all(state["open"])
        assert "Run this cell" not in state["text"], "the script runs: no word of running it"
        assert all(t.endswith(" = ?") for t in state["locals"]) and sorted(state["grads"]) == ["grad 1", "grad ?",
                                                                                               "grad ?", "grad ?"]
        for grad in ("grad 4", "grad 2", "passes 1"):
            assert grad not in state["text"]
        _shoot(page, "js-start.png")
        _type(page, ["1", "2*0.5", "abc", "3"])  # right, right (arithmetic), not a number, wrong
        state = page.evaluate(QUIZ, 0)
        assert state["notes"] == ["✓ right", "✓ right", INVALID[2][1], "✗ 3 is not it: try again"]
        assert state["caption"] == first.question(), "not all right yet: the step stays a question"
        assert state["open"] == [False, False, True, True] and state["score"] == "score: 0 of 0 right at the first try"
        _shoot(page, "js-wrong.png")
        _type(page, [None, None, "1", "1"])
        state = page.evaluate(QUIZ, 0)
        assert state["notes"] == ["✓ right", "✓ right", "✓ right", "✓ right, at try 2"]
        assert state["caption"] == first.describe() and state["score"] == "score: 3 of 4 right at the first try"
        assert state["status"] == "Step 1 worked out: ▶ for the next."
        assert sum(t.endswith(" = ?") for t in state["locals"]) == 2, "step 2's edges are still to be asked"
        _shoot(page, "js-right.png")
        page.locator(".gg-next").click()
        state = page.evaluate(QUIZ, 0)
        assert state["caption"] == second.question() and state["counter"] == "step 2 / 2"
        _type(page, ["3.004", "\u2212(\u22123)", "6÷3", "1/0"])
        state = page.evaluate(QUIZ, 0)
        assert state["notes"] == ["✓ right", "✓ right", "✓ right", 'division by zero (the "/" at column 2)']
        page.locator(".gg-give-up").click()
        state = page.evaluate(QUIZ, 0)
        assert state["notes"][3] == "it is 2" and state["caption"] == second.describe()
        assert state["status"] == replay(Quiz(step_backward(small(), quiz=True))).summary()
        assert state["status"].startswith("done: 6 of 8 right at the first try. To review: step 1 (y = p + x)")
        assert state["score"] == "", "the score is in the summary now"
        assert not any(t.endswith(" = ?") for t in state["locals"]), "every step revealed"
        _shoot(page, "js-end.png")
        page.locator(".gg-review .gg-goto").first.click()  # the review's "step 1 (y = p + x)" shows that step
        state = page.evaluate(QUIZ, 0)
        assert state["counter"] == "step 1 / 2" and state["caption"] == first.describe()
        assert state["notes"][3] == "✓ right, at try 2" and not any(state["open"])
        assert errors == []


@pytest.mark.slow  # Chromium
def test_quiz_page_without_javascript_shows_the_question_and_no_answer(tmp_path):
    steps = step_backward(lecture_loss(), quiz=True)
    path = steps.save(tmp_path / "quiz.html")
    with browser_page(java_script_enabled=False) as page:
        page.goto(path.as_uri())
        run = page.locator(".gg-run")
        assert run.is_visible() and run.inner_text().startswith("Run this cell to take the quiz:")
        assert page.locator("img.gg-still").is_visible() and not page.locator(".gg-check").is_visible()
        assert page.evaluate("() => document.querySelector('img.gg-still').naturalWidth") > 100
        page.locator(".gg-list summary").click()
        text = page.locator("body").inner_text()
        assert page.locator(".gg-list li").count() == len(steps) and steps[-1].question() in text
        root = steps[0].node
        for value, grad in steps.gradients.items():
            if value is not root:
                assert f"grad {fmt(grad)}" not in text
        assert not any(s.describe() in text for s in steps)
        page.locator(".gg-list summary").click()
        page.evaluate("() => window.scrollTo(0, 0)")
        _shoot(page, "nojs.png")


@pytest.mark.slow  # Chromium
def test_quiz_page_reads_and_checks_as_python_does(tmp_path):
    path = step_backward(small(), quiz=True).save(tmp_path / "quiz.html")
    numbers = [0.0, -0.0, 1.0, -0.025, 0.12345, 1e-5, 1.234e-5, 9999.5, 12346.0, 0.99995, 2.5e-300, math.inf, math.nan,
               -1.0981, 0.0001234, 123.456]
    pairs = [(a, t) for a in (0.123, 0.1235, 3.004, 1e-13, -0.025) for t in (0.12345, 3.0, 0.0, -0.02504)]
    with browser_page() as page:
        page.goto(path.as_uri())
        got = page.evaluate("""([texts, numbers, pairs]) => ({
            read: texts.map(t => { try { const v = ggReadNumber(t); return isFinite(v) ? v : String(v); }
                                   catch (e) { return {error: e.message}; } }),
            shown: numbers.map(x => ggFmt(x === 'inf' ? Infinity : x === 'nan' ? NaN : x)),
            agree: pairs.map(([a, t]) => ggAgrees(a, t))})""",
                            [[t for t, _ in VALID + INVALID],
                             ["inf" if x == math.inf else "nan" if math.isnan(x) else x for x in numbers], pairs])
    want = [v if math.isfinite(v) else {math.inf: "Infinity", -math.inf: "-Infinity"}.get(v, "NaN") for _, v in VALID]
    assert got["read"][: len(VALID)] == want
    assert got["read"][len(VALID):] == [{"error": message} for _, message in INVALID]
    assert got["shown"] == [fmt(x) for x in numbers]
    assert got["agree"] == [agrees(a, t) for a, t in pairs]


@pytest.mark.slow  # Chromium
def test_quiz_page_cannot_skip_ahead_of_the_question(tmp_path):
    steps = step_backward(lecture_loss(), quiz=True)
    path = steps.save(tmp_path / "quiz.html")
    with browser_page() as page:
        page.goto(path.as_uri())
        page.locator(".gg-slider").fill(str(len(steps) - 1))
        state = page.evaluate(QUIZ, 0)
        assert state["counter"] == f"step 1 / {len(steps)}" and state["caption"] == steps[0].question()
        page.locator(".gg-next").click()
        assert page.evaluate(QUIZ, 0)["counter"] == f"step 1 / {len(steps)}"
        assert state["rows"] == 1, "C = v7 · 0.5 asks about v7 only: the constant ½ is not asked"
