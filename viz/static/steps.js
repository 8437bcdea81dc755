// @ts-check
/* The step player of viz.steps: one laid-out SVG, every step shown on it by changing texts and classes.
   In quiz mode (data.quiz) a step is first asked, then checked and revealed: steps before the quiz's `revealed`
   are shown as usual, the step at `revealed` as a question (its edges' local derivatives and passes hidden, as
   those of the steps after it).
   The quiz's rules (ggReadNumber, ggAgrees, ggAnswer) are viz/quiz.py's, with the same messages.
   A classic script (no module): viz/steps.py puts it in the player's HTML and calls ggStepPlayer(its id). The
   elements it finds are in that HTML (viz/steps.py's _PLAYER, _CONTROLS, _QUIZ), hence the casts below. */

/** One number the quiz asks (Step.asks): what it is, the number (or "inf", "-inf", "nan") and as pictures print it.
    @typedef {{label: string, truth: number | string, text: string}} BlankData */
/** What a step changes on the picture (BackwardSteps._states): the node, the new grads by node id, what each
    edge passes by edge key, the caption, and in quiz mode the question, the step in a few words and its blanks.
    @typedef {{node: string, grads: Record<string, string>, passes: Record<string, string>, caption: string,
      question: string, headline: string, blanks: BlankData[]}} Step */
/** The player's data (the JSON in its .gg-data script): the picture, the root's id, the steps, the controls and
    the quiz's form (HTML), quiz mode or not. @typedef {{svg: string, root: string, steps: Step[], controls: string,
    form: string, quiz: boolean}} PlayerData */
/** A blank as the learner fills it in: what was typed, the numbers tried, "open" (not yet right), "right" or
    "shown" (given up), and what the quiz said. @typedef {{data: BlankData, text: string, tries: number,
    state: string, note: string}} Blank */
/** Texts of the picture by node id or edge key. @typedef {Record<string, SVGTextElement>} Texts */

/* ---- the quiz's rules: viz/quiz.py's read_number, agrees and Blank.answer ---- */

var GG_MINUS = "-\u2212", GG_TIMES = "*\u00d7\u00b7\u22c5", GG_DIVIDE = "/\u00f7";
/** @type {Record<string, number>} */
var GG_WORDS = { inf: Infinity, infinity: Infinity, "\u221e": Infinity, nan: NaN };

/** The number `text` stands for, a number or arithmetic on numbers (viz/quiz.py's grammar: + − × · ÷ / ( ),
    signs, 1e-3, inf, nan); throws an Error saying why and at which column when it stands for none. Never eval.
    @param {string} text @returns {number} */
function ggReadNumber(text) {
  var pos = 0, depth = 0;
  function peek() {
    while (pos < text.length && /\s/.test(text.charAt(pos))) { pos++; }
    return pos < text.length ? String.fromCodePoint(/** @type {number} */ (text.codePointAt(pos))) : "";
  }
  /** @param {string} chars @returns {string | null} */
  function take(chars) {
    var c = peek();
    if (c && chars.indexOf(c) >= 0) { pos++; return c; }
    return null;
  }
  function unexpected() {
    var c = peek();
    if (!c) { return new Error("not a number: a number is missing at the end"); }
    return new Error('not a number: "' + c + '" at column ' + (pos + 1) + " (numbers, + \u2212 \u00d7 / and brackets only)");
  }
  /** @param {function(): number} rule */
  function deeper(rule) {
    if (++depth > 50) { throw new Error("not a number: brackets or signs nested too deeply"); }
    var value = rule();
    depth--;
    return value;
  }
  function sum() {
    var value = product(), sign;
    while ((sign = take("+" + GG_MINUS)) !== null) { value = sign === "+" ? value + product() : value - product(); }
    return value;
  }
  function product() {
    var value = signed(), sign;
    while ((sign = take(GG_TIMES + GG_DIVIDE)) !== null) {
      var column = pos, right = signed(), dividing = GG_DIVIDE.indexOf(sign) >= 0;
      if (dividing && right === 0) { throw new Error('division by zero (the "' + sign + '" at column ' + column + ")"); }
      value = dividing ? value / right : value * right;
    }
    return value;
  }
  /** @returns {number} */
  function signed() {
    var sign = take("+" + GG_MINUS);
    if (sign === null) { return atom(); }
    var value = deeper(signed);
    return GG_MINUS.indexOf(sign) >= 0 ? -value : value;
  }
  function atom() {
    if (peek() === "(") { return bracket(); }
    var found = ggMatch(/(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+\-\u2212]?[0-9]+)?/y, text, pos);
    if (found) { pos += found.length; return Number(found.replace("\u2212", "-")); }
    var word = ggMatch(/[a-zA-Z\u221e]+/y, text, pos).toLowerCase();
    if (word && GG_WORDS.hasOwnProperty(word)) { pos += word.length; return GG_WORDS[word]; }
    throw unexpected();
  }
  function bracket() {
    var column = pos + 1;
    pos++;
    var value = deeper(sum);
    if (take(")") === null) {
      throw peek() ? unexpected() : new Error('not a number: the "(" at column ' + column + " is not closed");
    }
    return value;
  }
  if (!text.trim()) { throw new Error("empty: type a number"); }
  var value = sum();
  if (peek()) { throw unexpected(); }
  return value;
}

/** What the sticky `pattern` matches at `pos` of `text` ("" when nothing).
    @param {RegExp} pattern @param {string} text @param {number} pos */
function ggMatch(pattern, text, pos) {
  pattern.lastIndex = pos;
  var m = pattern.exec(text);
  return m ? m[0] : "";
}

/** A number as pictures print it (viz.walk.fmt, Python's "{:.4g}"): 4 significant digits, inf, nan, never -0.
    (A tie exact in binary, 12345, rounds up here and to even in Python: 1.235e+04, 1.234e+04.) @param {number} x */
function ggFmt(x) {
  if (isNaN(x)) { return "nan"; }
  if (!isFinite(x)) { return x > 0 ? "inf" : "-inf"; }
  if (x === 0) { return "0"; }
  var parts = x.toExponential(3).split("e"), e = Number(parts[1]);
  /** @param {string} s */
  function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); }
  if (e < -4 || e >= 4) {
    return trim(parts[0]) + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
  }
  return trim(x.toFixed(3 - e));
}

/** `answer` equals `truth` to three significant figures (viz.quiz.agrees).
    @param {number} answer @param {number | string} truth a number, or "inf", "-inf", "nan" */
function ggAgrees(answer, truth) {
  var t = typeof truth === "number" ? truth : ggReadNumber(truth);
  if (isNaN(t)) { return isNaN(answer); }
  if (!isFinite(t) || t === 0) { return answer === t || (t === 0 && Math.abs(answer) < 1e-12); }
  if (!isFinite(answer)) { return false; }
  var unit = Math.pow(10, Math.floor(Math.log10(Math.abs(t))) - 2);
  var same = Math.floor(answer / unit + 0.5) === Math.floor(t / unit + 0.5);
  return same || Math.abs(answer - t) <= 5e-3 * Math.abs(t);
}

/** Check what was typed into `blank` (viz.quiz.Blank.answer): a number counts as a try, text that is not one
    does not; the note says which. @param {Blank} blank @param {string} text */
function ggAnswer(blank, text) {
  var value;
  blank.text = text;
  try { value = ggReadNumber(text); } catch (e) { blank.note = /** @type {Error} */ (e).message; return; }
  blank.tries += 1;
  if (ggAgrees(value, blank.data.truth)) {
    blank.state = "right";
    blank.note = blank.tries === 1 ? "\u2713 right" : "\u2713 right, at try " + blank.tries;
  } else {
    blank.note = "\u2717 " + ggFmt(value) + " is not it: try again";
  }
}

/** @param {string} s */
function ggEscape(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;"); }

/* ---- the quiz's form ---- */

/** The quiz of a player: the blanks of each step, its form under the controls, the score and the review.
    @param {HTMLElement} root the player @param {Step[]} steps
    @param {function(number): void} go shows step i (the player's `show`)
    @returns {{revealed: function(): number, render: function(number, boolean): void}} */
function ggQuiz(root, steps, go) {
  var blanks = steps.map(function (s) {
    return s.blanks.map(function (b) { return /** @type {Blank} */ ({ data: b, text: "", tries: 0, state: "open", note: "" }); });
  });
  var form = /** @type {HTMLElement} */ (root.querySelector(".gg-asks"));
  var status = /** @type {HTMLElement} */ (root.querySelector(".gg-status"));
  var quiz = { revealed: 0, current: 0 };
  /** @param {number} i */
  function finish(i) {
    quiz.revealed = i + 1;
    while (quiz.revealed < steps.length && !blanks[quiz.revealed].length) { quiz.revealed++; }
    var done = quiz.revealed >= steps.length;
    /** @type {Element} */ (root.querySelector(".gg-score")).textContent = done ? "" : "score: " + ggScore(blanks);
    go(i);
    status.innerHTML = done ? ggReview(steps, blanks) : "Step " + (i + 1) + " worked out: \u25b6 for the next.";
    if (root.contains(document.activeElement)) { /** @type {HTMLElement} */ (root.querySelector(".gg-next")).focus(); }
  }
  function check() {
    var i = quiz.revealed;
    if (quiz.current !== i || i >= steps.length) { return; }
    form.querySelectorAll("input.gg-answer:not([disabled])").forEach(function (input) {
      var field = /** @type {HTMLInputElement} */ (input);
      ggAnswer(blanks[i][Number(field.dataset.k)], field.value);
    });
    if (blanks[i].every(function (b) { return b.state !== "open"; })) { finish(i); return; }
    render(i, true);
    status.textContent = "Try again where it says so; \u201cshow the answers\u201d gives this step up.";
    var open = /** @type {HTMLInputElement | null} */ (form.querySelector("input.gg-answer:not([disabled])"));
    if (open) { open.focus(); open.select(); }
  }
  function giveUp() {
    var i = quiz.revealed;
    if (quiz.current !== i || i >= steps.length) { return; }
    blanks[i].forEach(function (b) {
      if (b.state === "open") { b.state = "shown"; b.note = "it is " + b.data.text; }
    });
    finish(i);
  }
  /** @param {number} i @param {boolean} asking */
  function render(i, asking) {
    quiz.current = i;
    form.innerHTML = ggRows(blanks[i], asking);
    /** @type {HTMLButtonElement} */ (root.querySelector(".gg-check")).disabled = !asking;
    /** @type {HTMLButtonElement} */ (root.querySelector(".gg-give-up")).disabled = !asking;
    if (asking && quiz.revealed < steps.length) { status.textContent = ""; }
    var first = /** @type {HTMLInputElement | null} */ (form.querySelector("input:not([disabled])"));
    if (first && asking && root.contains(document.activeElement)) { first.focus(); }
  }
  /** @type {Element} */ (root.querySelector(".gg-check")).addEventListener("click", check);
  /** @type {Element} */ (root.querySelector(".gg-give-up")).addEventListener("click", giveUp);
  form.addEventListener("keydown", function (e) { if (e.key === "Enter") { check(); e.preventDefault(); } });
  status.addEventListener("click", function (e) {
    var step = /** @type {HTMLElement} */ (e.target).dataset.step;
    if (step !== undefined) { go(Number(step)); }
  });
  while (quiz.revealed < steps.length && !blanks[quiz.revealed].length) { quiz.revealed++; }
  return { revealed: function () { return quiz.revealed; }, render: render };
}

/** The form's rows: one per input asked, its local derivative and what its edge passes back, each with its note.
    @param {Blank[]} blanks @param {boolean} asking */
function ggRows(blanks, asking) {
  var rows = [];
  for (var k = 0; k < blanks.length; k += 2) {
    rows.push('<div class="gg-ask">' + ggField(blanks[k], k, "gg-local", asking) + " &nbsp; " +
      ggField(blanks[k + 1], k + 1, "gg-passed", asking) + "</div>");
  }
  return rows.join("");
}

/** One blank: its label, its field (closed once right or shown) and its note.
    @param {Blank} b @param {number} k @param {string} kind @param {boolean} asking */
function ggField(b, k, kind, asking) {
  var mark = b.state === "right" ? "gg-right" : b.state === "shown" ? "gg-shown"
    : b.note.charAt(0) === "\u2717" ? "gg-wrong" : "gg-nan";
  return '<span class="gg-blank"><label>' + ggEscape(b.data.label) + ' = <input type="text" size="10" ' +
    'spellcheck="false" autocomplete="off" class="gg-answer ' + kind + '" data-k="' + k + '" value="' +
    ggEscape(b.text) + '"' + (asking && b.state === "open" ? "" : " disabled") + "></label>" +
    (b.note ? ' <span class="gg-note ' + mark + '">' + ggEscape(b.note) + "</span>" : "") + "</span>";
}

/** The score (viz.quiz.Quiz.score): the answers right at the first try, of those answered.
    @param {Blank[][]} blanks */
function ggScore(blanks) {
  var right = 0, done = 0;
  blanks.forEach(function (bs) {
    bs.forEach(function (b) {
      if (b.state !== "open") { done++; }
      if (b.state === "right" && b.tries === 1) { right++; }
    });
  });
  return right + " of " + done + " right at the first try";
}

/** The end of the quiz (viz.quiz.Quiz.summary): the score and the steps to review, each a button that shows it.
    @param {Step[]} steps @param {Blank[][]} blanks */
function ggReview(steps, blanks) {
  var missed = [];
  for (var i = 0; i < steps.length; i++) {
    var labels = blanks[i].filter(function (b) { return !(b.state === "right" && b.tries === 1); })
      .map(function (b) { return ggEscape(b.data.label); });
    if (labels.length) {
      missed.push('<button type="button" class="gg-goto" data-step="' + i + '">' + ggEscape(steps[i].headline) +
        "</button>: " + labels.join(", "));
    }
  }
  var advice = missed.length ? "To review: " + missed.join("; ") + "."
    : "Nothing to review: every answer right at once.";
  return '<div class="gg-review">done: ' + ggScore(blanks) + ". " + advice + "</div>";
}

/* ---- the player ---- */

/** @param {string} id the player's element id */
function ggStepPlayer(id) {
  var root = /** @type {HTMLElement} */ (document.getElementById(id));
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var data = /** @type {PlayerData} */ (JSON.parse(/** @type {string} */ (
    /** @type {Element} */ (root.querySelector(".gg-data")).textContent)));
  var run = root.querySelector(".gg-run");
  if (run) { run.remove(); }  /* "run this cell": it runs */
  var view = /** @type {HTMLElement} */ (root.querySelector(".gg-view"));
  view.innerHTML = data.svg;
  var svg = /** @type {SVGSVGElement} */ (view.querySelector("svg"));
  var natural = [svg.width.baseVal.value, svg.height.baseVal.value];
  /** @type {Record<string, Element>} the picture's nodes and edges by their title (node id, or edge key) */
  var byTitle = {};
  svg.querySelectorAll("g.node, g.edge").forEach(function (g) {
    var t = g.querySelector("title");
    if (t) { byTitle[t.textContent] = g; }
  });
  /** @param {Element | undefined} g @param {string} prefix @returns {SVGTextElement | null} */
  function textStarting(g, prefix) {
    if (!g) { return null; }
    var found = /** @type {SVGTextElement | null} */ (null);
    g.querySelectorAll("text").forEach(function (t) {
      if (/** @type {string} */ (t.textContent).indexOf(prefix) === 0) { found = t; }
    });
    return found;
  }
  /* the texts of grads and passes by key; of each edge's local derivative, the element and its text */
  var gradText = /** @type {Texts} */ ({}), passText = /** @type {Texts} */ ({}),
    localText = /** @type {Record<string, [SVGTextElement, string]>} */ ({});
  Object.keys(byTitle).forEach(function (k) {
    var g = textStarting(byTitle[k], "grad "), p = textStarting(byTitle[k], "passes ");
    var l = textStarting(byTitle[k], "\u2202/\u2202");
    if (g) { gradText[k] = g; }
    if (p) { passText[k] = p; }
    if (l) { localText[k] = [l, /** @type {string} */ (l.textContent)]; }
  });
  /** @type {HTMLElement} */ (root.querySelector(".gg-controls")).innerHTML = data.controls;
  /** @type {HTMLElement} */ (root.querySelector(".gg-form")).innerHTML = data.form;
  var slider = /** @type {HTMLInputElement} */ (root.querySelector(".gg-slider"));
  var steps = data.steps, current = 0, scale = 1;
  var quiz = data.quiz ? ggQuiz(root, steps, show) : null;
  function revealed() { return quiz ? quiz.revealed() : steps.length; }
  /** @param {number} s */
  function zoom(s) {
    scale = Math.max(0.2, Math.min(4, s));
    svg.style.width = (natural[0] * scale) + "px";
    svg.style.height = (natural[1] * scale) + "px";
  }
  function fit() { zoom(Math.max(0.7, Math.min(1, (view.clientWidth - 4) / natural[0]))); }
  /** @param {Element | null | undefined} g */
  function reveal(g) {
    if (!g) { return; }
    var r = g.getBoundingClientRect(), c = view.getBoundingClientRect();
    if (r.left < c.left || r.right > c.right) { view.scrollLeft += (r.left + r.right) / 2 - (c.left + c.right) / 2; }
    if (r.top < c.top || r.bottom > c.bottom) { view.scrollTop += (r.top + r.bottom) / 2 - (c.top + c.bottom) / 2; }
  }
  /* the picture as it stands before step `until` (quiz mode: the local derivatives of steps not yet asked hidden,
     formula and number: "∂/∂x = ?") */
  /** @param {number} until */
  function paint(until) {
    Object.keys(gradText).forEach(function (k) { gradText[k].textContent = k === data.root ? "grad 1" : "grad ?"; });
    Object.keys(passText).forEach(function (k) { passText[k].textContent = "passes ?"; });
    Object.keys(localText).forEach(function (k) { localText[k][0].textContent = localText[k][1]; });
    for (var h = revealed(); h < steps.length; h++) {
      Object.keys(steps[h].passes).forEach(function (k) {
        if (localText[k]) { var t = localText[k][1]; localText[k][0].textContent = t.slice(0, t.indexOf(" = ")) + " = ?"; }
      });
    }
    for (var s = 0; s < until; s++) {
      var st = steps[s];
      Object.keys(st.grads).forEach(function (k) { if (gradText[k]) { gradText[k].textContent = "grad " + st.grads[k]; } });
      Object.keys(st.passes).forEach(function (k) { if (passText[k]) { passText[k].textContent = "passes " + st.passes[k]; } });
    }
  }
  /** @param {Step} step */
  function highlight(step) {
    svg.querySelectorAll(".gg-current, .gg-active").forEach(function (g) { g.classList.remove("gg-current", "gg-active"); });
    [step.node, step.node + "_op"].forEach(function (k) { if (byTitle[k]) { byTitle[k].classList.add("gg-current"); } });
    Object.keys(byTitle).forEach(function (k) {
      var arrow = k.split("->");
      if (step.passes[k] !== undefined || (arrow.length === 2 && (step.passes[arrow[0]] !== undefined
          || step.passes[arrow[1]] !== undefined))) { byTitle[k].classList.add("gg-active"); }
    });
  }
  /** @param {number} i */
  function show(i) {
    if (!steps.length) { return; }
    i = Math.max(0, Math.min(steps.length - 1, revealed(), i));
    current = i;
    var asking = i === revealed();  /* quiz mode: this step is a question, its numbers not shown yet */
    paint(asking ? i : i + 1);
    var step = steps[i];
    highlight(step);
    slider.value = String(i);
    /** @type {Element} */ (root.querySelector(".gg-counter")).textContent = "step " + (i + 1) + " / " + steps.length;
    /** @type {Element} */ (root.querySelector(".gg-caption")).textContent = asking ? step.question : step.caption;
    if (quiz) { quiz.render(i, asking); }
    reveal(byTitle[step.node + "_op"] || byTitle[step.node]);
  }
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); slider.value = String(current); });
  /** @type {Element} */ (root.querySelector(".gg-prev")).addEventListener("click", function () { show(current - 1); });
  /** @type {Element} */ (root.querySelector(".gg-next")).addEventListener("click", function () { show(current + 1); });
  /** @type {Element} */ (root.querySelector(".gg-zoom-in")).addEventListener("click", function () {
    zoom(scale * 1.25);
    reveal(svg.querySelector(".gg-current"));
  });
  /** @type {Element} */ (root.querySelector(".gg-zoom-out")).addEventListener("click", function () {
    zoom(scale / 1.25);
  });
  /** @type {Element} */ (root.querySelector(".gg-fit")).addEventListener("click", fit);
  root.addEventListener("keydown", function (e) {
    if (e.target === slider || /** @type {Element} */ (e.target).tagName === "INPUT") { return; }
    /** @type {Record<string, number>} */
    var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: steps.length - 1 };
    if (moves[e.key] !== undefined) { show(moves[e.key]); e.preventDefault(); }
  });
  var drag = /** @type {number[] | null} */ (null);  /* where a drag began: pointer x, y; scroll left, top */
  view.addEventListener("pointerdown", function (e) {
    drag = [e.clientX, e.clientY, view.scrollLeft, view.scrollTop];
    view.classList.add("gg-dragging");
  });
  window.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    view.scrollLeft = drag[2] - (e.clientX - drag[0]);
    view.scrollTop = drag[3] - (e.clientY - drag[1]);
  });
  window.addEventListener("pointerup", function () { drag = null; view.classList.remove("gg-dragging"); });
  /** @type {HTMLDetailsElement} */ (root.querySelector(".gg-list")).open = false;
  fit();
  show(0);
}
