"""The front end's JavaScript (playground/static/playground.js, viz/static/steps.js): its JSDoc types pass the
TypeScript checker (tsconfig.json), and the playground's page writes none of Python's choices or limits again —
it reads them from the frame's ``rules`` (playground/settings.py ``rules()``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import require

from playground.settings import rules

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "playground" / "static" / "playground.js"


#: after these characters (and after ``return``) a ``/`` starts a regular expression, else it divides
REGEX_AFTER = "(,=:[!&|?{};+-*%<>~^"


def _quoted(source: str, i: int, close: str, stop: str = "") -> int:
    """The index of the ``close`` (or ``stop``) that ends the literal whose text starts at ``source[i]``."""
    while source[i] != close and not (stop and source.startswith(stop, i)):
        i += 2 if source[i] == "\\" else 1
    return i


def _regex_end(source: str, i: int) -> int:
    """The index just after the regular expression that starts at ``source[i]`` (a ``/``), before its flags."""
    i += 1
    while source[i] != "/":
        i = source.index("]", i) + 1 if source[i] == "[" else i + (2 if source[i] == "\\" else 1)
    return i + 1


def string_literals(source: str) -> list[str]:
    """The texts of the string literals of JavaScript ``source`` ("…", '…', and the fixed parts of `…${…}…`),
    comments and regular expressions skipped: a small lexer, enough for the page's plain style."""
    found: list[str] = []
    templates: list[int] = []  # for each ${ of a template we are in: the depth of braces where it opened
    depth, i, last = 0, 0, "("
    while i < len(source):
        c = source[i]
        if source.startswith("//", i):
            newline = source.find("\n", i)
            i = len(source) if newline < 0 else newline
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif c in "\"'":
            end = _quoted(source, i + 1, c)
            found.append(source[i + 1:end])
            i, last = end + 1, "a"
        elif c == "`" or (c == "}" and templates and templates[-1] == depth):
            if c == "}":
                templates.pop()
            end = _quoted(source, i + 1, "`", "${")
            found.append(source[i + 1:end])
            if source[end] == "`":
                i, last = end + 1, "a"
            else:
                templates.append(depth)
                i, last = end + 2, "("
        elif c == "/" and (last in REGEX_AFTER or source[:i].rstrip().endswith("return")):
            i, last = _regex_end(source, i), "a"
        else:
            depth += {"{": 1, "}": -1}.get(c, 0)
            if not c.isspace():
                last = "a" if c.isalnum() or c in "_$." else c
            i += 1
    return found


def test_frontend_lexer_finds_string_literals() -> None:
    code = 'const a = "one", b = \'two\' /* "no" */; // "no"\nconst r = /"no"/g, t = `x${f("three")}y${`in`}z`;'
    assert string_literals(code) == ["one", "two", "x", "three", "y", "in", "z"]


def test_frontend_types_pass_the_typescript_checker() -> None:
    tsc = ROOT / "node_modules" / ".bin" / "tsc"
    require(tsc.exists(), "TypeScript (node_modules/.bin/tsc)", "make test, make typecheck-js or npm ci")
    done = subprocess.run([str(tsc), "--noEmit", "-p", str(ROOT)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_frontend_writes_none_of_pythons_choices() -> None:
    r = rules()
    names = {*r["datasets"]["classification"], *r["datasets"]["regression"], *r["outputs"], *r["activations"],
             *r["optimizers"], *r["regularizations"], *r["features"], r["regressionOutput"]}
    literals = string_literals(PAGE.read_text(encoding="utf-8"))
    written = sorted({text for text in literals for name in names
                      if text == name or (len(text) > 1 and text[-1] in "-_" and name.startswith(text))})
    assert not written, f"playground.js writes Python's choices (or their prefixes) {written}: read frame.rules"


def test_frontend_reads_pythons_limits() -> None:
    source = PAGE.read_text(encoding="utf-8")
    r = rules()
    for name in ("maxLayers", "maxNeurons", "maxCsvBytes", "multiclass", "binaryOutputs", "regressionOutput",
                 "integers", "numbers", "defaults"):
        assert name in r and re.search(rf"\brules\.{name}\b", source), f"playground.js does not read rules.{name}"
    for limit in (r["maxCsvBytes"], r["maxCsvRows"]):
        numerals = {str(limit), f"{limit:_}", f"{limit:.0e}".replace("e+0", "e").replace("e+", "e")}
        assert not any(re.search(rf"(?<![\w.]){re.escape(x)}(?![\w.])", source) for x in numerals), limit
