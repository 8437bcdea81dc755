// @ts-check
/* The step player of viz.steps: one laid-out SVG, every step shown on it by changing texts and classes.
   In quiz mode (data.quiz) a step is first asked, then checked and revealed: steps before `revealed` are shown
   as usual, the step at `revealed` as a question (its edges' local derivatives and passes hidden).
   A classic script (no module): viz/steps.py puts it in the player's HTML and calls ggStepPlayer(its id). The
   elements it finds are in that HTML (viz/steps.py's _PLAYER, _CONTROLS, _QUIZ), hence the casts below. */

/** One edge's question in quiz mode: its local derivative and what it passes back (a number, or "inf", "nan").
    @typedef {{of: string, local: number | string, passed: number | string}} Ask */
/** What a step changes on the picture (BackwardSteps._states): the node, the new grads by node id, what each
    edge passes by edge key, the caption, and in quiz mode the question and its asks.
    @typedef {{node: string, grads: Record<string, string>, passes: Record<string, string>, caption: string,
      question: string, asks: Ask[]}} Step */
/** The player's data (the JSON in its .gg-data script). @typedef {{svg: string, root: string, steps: Step[],
    controls: string, quiz: boolean}} PlayerData */
/** An answer as typed, and whether it was right. @typedef {[string, boolean]} Answer */
/** Texts of the picture by node id or edge key. @typedef {Record<string, SVGTextElement>} Texts */

/** @param {string} id the player's element id */
function ggStepPlayer(id) {
  var root = /** @type {HTMLElement} */ (document.getElementById(id));
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var data = /** @type {PlayerData} */ (JSON.parse(/** @type {string} */ (
    /** @type {Element} */ (root.querySelector(".gg-data")).textContent)));
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
  var slider = /** @type {HTMLInputElement} */ (root.querySelector(".gg-slider"));
  var steps = data.steps, current = 0, scale = 1;
  var quiz = !!data.quiz, revealed = quiz ? 0 : steps.length, right = 0, asked = 0;
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
  /** @param {number} i */
  function show(i) {
    if (!steps.length) { return; }
    i = Math.max(0, Math.min(steps.length - 1, revealed, i));
    current = i;
    var asking = i === revealed;  /* quiz mode: this step is a question, its numbers not shown yet */
    Object.keys(gradText).forEach(function (k) { gradText[k].textContent = k === data.root ? "grad 1" : "grad ?"; });
    Object.keys(passText).forEach(function (k) { passText[k].textContent = "passes ?"; });
    Object.keys(localText).forEach(function (k) { localText[k][0].textContent = localText[k][1]; });
    for (var h = revealed; h < steps.length && quiz; h++) {
      Object.keys(steps[h].passes).forEach(function (k) {
        if (localText[k]) { var t = localText[k][1]; localText[k][0].textContent = t.slice(0, t.lastIndexOf(" = ")) + " = ?"; }
      });
    }
    svg.querySelectorAll(".gg-current, .gg-active").forEach(function (g) { g.classList.remove("gg-current", "gg-active"); });
    for (var s = 0; s < (asking ? i : i + 1); s++) {
      var st = steps[s];
      Object.keys(st.grads).forEach(function (k) { if (gradText[k]) { gradText[k].textContent = "grad " + st.grads[k]; } });
      Object.keys(st.passes).forEach(function (k) { if (passText[k]) { passText[k].textContent = "passes " + st.passes[k]; } });
    }
    var step = steps[i];
    [step.node, step.node + "_op"].forEach(function (k) { if (byTitle[k]) { byTitle[k].classList.add("gg-current"); } });
    Object.keys(byTitle).forEach(function (k) {
      if (step.passes[k] !== undefined) { byTitle[k].classList.add("gg-active"); }
      var arrow = k.split("->");
      if (arrow.length === 2 && step.passes[arrow[0]] !== undefined) { byTitle[k].classList.add("gg-active"); }
      if (arrow.length === 2 && step.passes[arrow[1]] !== undefined) { byTitle[k].classList.add("gg-active"); }
    });
    slider.value = String(i);
    /** @type {Element} */ (root.querySelector(".gg-counter")).textContent = "step " + (i + 1) + " / " + steps.length;
    /** @type {Element} */ (root.querySelector(".gg-caption")).textContent = asking ? step.question : step.caption;
    if (quiz) { ask(i, asking); }
    reveal(byTitle[step.node + "_op"] || byTitle[step.node]);
  }
  /* The quiz: one row of two answers per edge of the step; marks after a check. */
  /** @param {number | string} text @returns {number | null} */
  function number(text) {
    var t = String(text).trim().replace(/\u2212/g, "-").toLowerCase();
    if (t === "nan") { return NaN; }
    if (t === "inf" || t === "+inf" || t === "infinity") { return Infinity; }
    if (t === "-inf" || t === "-infinity") { return -Infinity; }
    if (t === "" || isNaN(Number(t))) { return null; }
    return Number(t);
  }
  /** @param {string} answer @param {number | string} truth */
  function agrees(answer, truth) {  /* equal to three significant figures */
    var a = number(answer), t = /** @type {number} */ (number(truth));  /* the truth is a number, inf or nan */
    if (a === null) { return false; }
    if (isNaN(t)) { return isNaN(a); }
    if (!isFinite(t) || t === 0) { return a === t || (t === 0 && Math.abs(a) < 1e-12); }
    return Number(a.toPrecision(3)) === Number(t.toPrecision(3)) || Math.abs(a - t) <= 5e-3 * Math.abs(t);
  }
  /** @param {number | string} x */
  function shown(x) { return typeof x === "number" ? String(Number(x.toPrecision(4))) : x; }
  var asks = /** @type {HTMLElement} */ (quiz ? root.querySelector(".gg-asks") : null),
    answers = /** @type {Record<number, {local: Answer, passed: Answer}[]>} */ ({});  /* by step */
  /** @param {number} i @param {boolean} asking */
  function ask(i, asking) {
    var rows = steps[i].asks.map(function (q, e) {
      var got = answers[i] ? answers[i][e] : null;
      /** @param {"local" | "passed"} kind @param {string} label */
      function field(kind, label) {
        var mark = "";
        if (got) {
          var ok = got[kind][1];
          mark = ok ? ' <span class="gg-right">&#10003;</span>'
                    : ' <span class="gg-wrong">&#10007; it is ' + shown(q[kind]) + "</span>";
        }
        return "<label>" + label + ' <input type="text" inputmode="decimal" size="9" class="gg-' + kind + '"' +
          (got ? " disabled" : "") + "></label>" + mark;
      }
      return '<div class="gg-ask">' + field("local", q.of.replace(/&/g, "&amp;").replace(/</g, "&lt;") + " =") +
        " &nbsp; " + field("passed", "passes back") + "</div>";
    });
    asks.innerHTML = rows.join("");
    asks.querySelectorAll(".gg-ask").forEach(function (row, e) {
      if (!answers[i]) { return; }
      /** @type {HTMLInputElement} */ (row.querySelector(".gg-local")).value = answers[i][e].local[0];
      /** @type {HTMLInputElement} */ (row.querySelector(".gg-passed")).value = answers[i][e].passed[0];
    });
    /** @type {HTMLButtonElement} */ (root.querySelector(".gg-check")).disabled = !asking;
    var first = /** @type {HTMLInputElement | null} */ (asks.querySelector("input:not([disabled])"));
    if (first && asking && root.contains(document.activeElement)) { first.focus(); }
  }
  function check() {
    var i = revealed;
    if (!quiz || current !== i || i >= steps.length) { return; }
    answers[i] = [];
    asks.querySelectorAll(".gg-ask").forEach(function (row, e) {
      var q = steps[i].asks[e];
      var got = /** @type {{local: Answer, passed: Answer}} */ ({});
      /** @type {("local" | "passed")[]} */ (["local", "passed"]).forEach(function (kind) {
        var value = /** @type {HTMLInputElement} */ (row.querySelector(".gg-" + kind)).value;
        var ok = agrees(value, q[kind]);
        got[kind] = [value, ok];
        asked += 1;
        if (ok) { right += 1; }
      });
      answers[i].push(got);
    });
    revealed = i + 1;
    var done = revealed === steps.length;
    /** @type {Element} */ (root.querySelector(".gg-score")).textContent =
      (done ? "done! final score: " : "score: ") + right + " / " + asked;
    show(i);
  }
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); slider.value = String(current); });
  if (quiz) {
    /** @type {Element} */ (root.querySelector(".gg-check")).addEventListener("click", check);
    asks.addEventListener("keydown", function (e) { if (e.key === "Enter") { check(); e.preventDefault(); } });
  }
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
