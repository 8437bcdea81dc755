/* The step player of viz.steps: one laid-out SVG, every step shown on it by changing texts and classes. */
function ggStepPlayer(id) {
  var root = document.getElementById(id);
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var data = JSON.parse(root.querySelector(".gg-data").textContent);
  var view = root.querySelector(".gg-view");
  view.innerHTML = data.svg;
  var svg = view.querySelector("svg");
  var natural = [svg.width.baseVal.value, svg.height.baseVal.value];
  var byTitle = {};
  svg.querySelectorAll("g.node, g.edge").forEach(function (g) {
    var t = g.querySelector("title");
    if (t) { byTitle[t.textContent] = g; }
  });
  function textStarting(g, prefix) {
    if (!g) { return null; }
    var found = null;
    g.querySelectorAll("text").forEach(function (t) { if (t.textContent.indexOf(prefix) === 0) { found = t; } });
    return found;
  }
  var gradText = {}, passText = {};
  Object.keys(byTitle).forEach(function (k) {
    var g = textStarting(byTitle[k], "grad "), p = textStarting(byTitle[k], "passes ");
    if (g) { gradText[k] = g; }
    if (p) { passText[k] = p; }
  });
  root.querySelector(".gg-controls").innerHTML = data.controls;
  var slider = root.querySelector(".gg-slider");
  var steps = data.steps, current = 0, scale = 1;
  function zoom(s) {
    scale = Math.max(0.2, Math.min(4, s));
    svg.style.width = (natural[0] * scale) + "px";
    svg.style.height = (natural[1] * scale) + "px";
  }
  function fit() { zoom(Math.max(0.7, Math.min(1, (view.clientWidth - 4) / natural[0]))); }
  function reveal(g) {
    if (!g) { return; }
    var r = g.getBoundingClientRect(), c = view.getBoundingClientRect();
    if (r.left < c.left || r.right > c.right) { view.scrollLeft += (r.left + r.right) / 2 - (c.left + c.right) / 2; }
    if (r.top < c.top || r.bottom > c.bottom) { view.scrollTop += (r.top + r.bottom) / 2 - (c.top + c.bottom) / 2; }
  }
  function show(i) {
    if (!steps.length) { return; }
    i = Math.max(0, Math.min(steps.length - 1, i));
    current = i;
    Object.keys(gradText).forEach(function (k) { gradText[k].textContent = k === data.root ? "grad 1" : "grad ?"; });
    Object.keys(passText).forEach(function (k) { passText[k].textContent = "passes ?"; });
    svg.querySelectorAll(".gg-current, .gg-active").forEach(function (g) { g.classList.remove("gg-current", "gg-active"); });
    for (var s = 0; s <= i; s++) {
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
    root.querySelector(".gg-counter").textContent = "step " + (i + 1) + " / " + steps.length;
    root.querySelector(".gg-caption").textContent = step.caption;
    reveal(byTitle[step.node + "_op"] || byTitle[step.node]);
  }
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  root.querySelector(".gg-prev").addEventListener("click", function () { show(current - 1); });
  root.querySelector(".gg-next").addEventListener("click", function () { show(current + 1); });
  root.querySelector(".gg-zoom-in").addEventListener("click", function () { zoom(scale * 1.25); reveal(svg.querySelector(".gg-current")); });
  root.querySelector(".gg-zoom-out").addEventListener("click", function () { zoom(scale / 1.25); });
  root.querySelector(".gg-fit").addEventListener("click", fit);
  root.addEventListener("keydown", function (e) {
    if (e.target === slider) { return; }
    var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: steps.length - 1 };
    if (moves[e.key] !== undefined) { show(moves[e.key]); e.preventDefault(); }
  });
  var drag = null;
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
  root.querySelector(".gg-list").open = false;
  fit();
  show(0);
}
