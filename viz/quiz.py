"""The backward-pass quiz: reading an answer, checking it, keeping the score, and the quiz in a terminal.

``step_backward(root, quiz=True)`` asks, at each step, for every input that is not a constant: the local derivative
of its edge and what the edge passes back (local × the step's gradient). An answer is a number or arithmetic on
numbers (``2*-0.0125``, ``1 - 0.76*0.76``), read by ``read_number``: never by ``eval``. Its grammar::

    entry   = sum                                     (spaces anywhere between the parts)
    sum     = product { ("+" | "-" | "−") product }
    product = signed { ("*" | "×" | "·" | "⋅" | "/" | "÷") signed }
    signed  = ("+" | "-" | "−") signed | atom
    atom    = number | "inf" | "∞" | "nan" | "(" sum ")"
    number  = digits ["." [digits]] | "." digits, then optionally an exponent: ("e" | "E") ["+" | "-" | "−"] digits

An answer is right when it agrees with the step's number to three significant figures (``agrees``). A wrong
number may be tried again; the score counts the answers right at the first try, and text that is not a number is
said to be so and costs no try. At the end the quiz names the steps to review.

The page's script (``viz/static/steps.js``: ``ggReadNumber``, ``ggAgrees``) holds the same rules with the same
messages, for the page; ``take_quiz`` asks in a terminal (``glassgrad graph EXPR ... --quiz``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from viz.steps import BackwardSteps, Step
from viz.walk import fmt

#: The signs an answer may use, beside the ASCII ones: the minus sign (U+2212), ×, the middle dot, the dot
#: operator (U+22C5), ÷.
MINUS, TIMES, DIVIDE = "-\u2212", "*×·⋅", "/÷"

#: An unsigned number: ``12``, ``0.5``, ``.5``, ``5.``, ``1e-3``, ``2.5E+4``, ``1e−3``.
NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+\-\u2212]?[0-9]+)?")

#: The words for the numbers that are not finite.
WORDS = {"inf": math.inf, "infinity": math.inf, "∞": math.inf, "nan": math.nan}

#: Brackets and signs nested deeper than this are refused (no answer needs them; the reader recurses).
MAX_DEPTH = 50


class NotANumberError(ValueError):
    """An answer that is not a number: its message says why, and where."""


def read_number(text: str) -> float:
    """The number ``text`` stands for, a number or arithmetic on numbers (the module's grammar); a ``NotANumberError``
    saying why and at which column (counted from 1) when it stands for none, or divides by zero."""
    return _Reader(text).entry()


class _Reader:
    """A recursive-descent reader of one answer, one method per rule of the grammar."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.depth = text, 0, 0

    def entry(self) -> float:
        if not self.text.strip():
            raise NotANumberError("empty: type a number")
        value = self.sum()
        if self.peek():
            raise self.unexpected()
        return value

    def sum(self) -> float:
        value = self.product()
        while (sign := self.take("+" + MINUS)) is not None:
            right = self.product()
            value = value + right if sign == "+" else value - right
        return value

    def product(self) -> float:
        value = self.signed()
        while (sign := self.take(TIMES + DIVIDE)) is not None:
            column = self.pos  # the sign's, counted from 1
            right = self.signed()
            if sign in DIVIDE and right == 0:
                raise NotANumberError(f'division by zero (the "{sign}" at column {column})')
            value = value / right if sign in DIVIDE else value * right
        return value

    def signed(self) -> float:
        sign = self.take("+" + MINUS)
        if sign is None:
            return self.atom()
        value = self.deeper(self.signed)
        return -value if sign in MINUS else value

    def atom(self) -> float:
        char = self.peek()
        if char == "(":
            column = self.pos + 1
            self.pos += 1
            value = self.deeper(self.sum)
            if self.take(")") is None:
                raise self.unexpected() if self.peek() else NotANumberError(
                    f'not a number: the "(" at column {column} is not closed')
            return value
        found = NUMBER.match(self.text, self.pos)
        if found:
            self.pos = found.end()
            return float(found.group().replace("\u2212", "-"))
        word = re.match(r"[a-zA-Z∞]+", self.text[self.pos:])
        if word and word.group().lower() in WORDS:
            self.pos += word.end()
            return WORDS[word.group().lower()]
        raise self.unexpected()

    def deeper(self, rule: Callable[[], float]) -> float:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotANumberError("not a number: brackets or signs nested too deeply")
        value = rule()
        self.depth -= 1
        return value

    def peek(self) -> str:
        """The next character that is not a space ('' at the end); skips the spaces."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self, chars: str) -> str | None:
        char = self.peek()
        if char and char in chars:
            self.pos += 1
            return char
        return None

    def unexpected(self) -> NotANumberError:
        char = self.peek()
        if not char:
            return NotANumberError("not a number: a number is missing at the end")
        return NotANumberError(f'not a number: "{char}" at column {self.pos + 1} (numbers, + − × / and brackets only)')


def agrees(answer: float, truth: float) -> bool:
    """``answer`` equals ``truth`` to three significant figures: both round to the same three figures (in the unit
    of the truth's third figure), or they are within half a percent; a zero truth takes an answer under 1e-12,
    inf and nan only themselves."""
    if math.isnan(truth):
        return math.isnan(answer)
    if math.isinf(truth) or truth == 0:
        return answer == truth or (truth == 0 and abs(answer) < 1e-12)
    if not math.isfinite(answer):
        return False
    unit = 10.0 ** (math.floor(math.log10(abs(truth))) - 2)
    same = math.floor(answer / unit + 0.5) == math.floor(truth / unit + 0.5)
    return same or abs(answer - truth) <= 5e-3 * abs(truth)


@dataclass
class Blank:
    """One number the quiz asks: a local derivative or what an edge passes back. ``state``: ``open`` (not yet
    right), ``right``, or ``shown`` (given up: the quiz showed it); ``tries``: the numbers tried."""

    step: int
    label: str
    truth: float
    tries: int = 0
    state: str = "open"

    @property
    def first_try(self) -> bool:
        return self.state == "right" and self.tries == 1

    def answer(self, text: str) -> str:
        """Check ``text``: what to tell the learner. A number counts as a try; text that is not one does not."""
        if self.state != "open":
            raise ValueError(f"Blank.answer: {self.label} is {self.state} already")
        try:
            value = read_number(text)
        except NotANumberError as error:
            return str(error)
        self.tries += 1
        if agrees(value, self.truth):
            self.state = "right"
            return "✓ right" if self.tries == 1 else f"✓ right, at try {self.tries}"
        return f"✗ {fmt(value)} is not it: try again"

    def show(self) -> str:
        """Give up: the quiz shows the number."""
        self.state = "shown"
        return f"it is {fmt(self.truth)}"


def blanks(step: Step) -> list[Blank]:
    """What ``step`` asks (``Step.asks``), each a blank to fill in."""
    return [Blank(step.index, label, truth) for label, truth in step.asks()]


@dataclass
class Quiz:
    """The blanks of every step, and the score: the answers right at the first try, of those answered."""

    steps: BackwardSteps
    by_step: list[list[Blank]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_step = [blanks(step) for step in self.steps]

    def score(self) -> str:
        done = [b for bs in self.by_step for b in bs if b.state != "open"]
        return f"{sum(b.first_try for b in done)} of {len(done)} right at the first try"

    def review(self) -> list[str]:
        """The steps with an answer not right at the first try: ``step 3 (v6 = v5^2): ∂v6/∂v5``."""
        return [f"{self.steps[i].headline()}: {', '.join(b.label for b in bs if not b.first_try)}"
                for i, bs in enumerate(self.by_step) if any(b.state != "open" and not b.first_try for b in bs)]

    def summary(self) -> str:
        missed = self.review()
        advice = f"To review: {'; '.join(missed)}." if missed else "Nothing to review: every answer right at once."
        return f"done: {self.score()}. {advice}"


#: What the terminal quiz says first: how to answer.
HOW = ("Type a number or arithmetic on numbers (2*-0.0125, 1 - 0.76*0.76; − × · ÷ too); a wrong answer may be tried "
       "again, and the score counts first tries; an empty line shows the answer.")


def take_quiz(steps: BackwardSteps, read: Callable[[str], str] = input,
              write: Callable[[str], None] = print) -> Quiz:
    """Ask the quiz in a terminal: ``read(prompt)`` gives each answer, ``write`` says everything. Each step is
    asked, then shown worked out; an end of input (``EOFError``) stops the quiz. Returns the quiz, scored."""
    quiz = Quiz(steps)
    asked = sum(len(bs) for bs in quiz.by_step)
    write(f"The backward pass of {steps.view.root.name} as a quiz: {len(steps)} steps, {asked} numbers to work out. "
          + HOW)
    for step, bs in zip(steps, quiz.by_step):
        if not bs:
            continue
        write("")
        write(step.question())
        try:
            for blank in bs:
                _ask(blank, read, write)
        except EOFError:
            write("")
            write(f"stopped at step {step.index + 1}: {quiz.score()}.")
            return quiz
        write(step.describe())
    write("")
    write(quiz.summary())
    return quiz


def _ask(blank: Blank, read: Callable[[str], str], write: Callable[[str], None]) -> None:
    """Ask one blank until it is right or the learner gives up (an empty line)."""
    while blank.state == "open":
        text = read(f"  {blank.label} = ")
        write("    " + (blank.show() if not text.strip() else blank.answer(text)))
