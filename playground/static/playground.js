/* glassgrad playground: the one front end, for the page (glassgrad playground) and the Jupyter widget.

   render({model, el}) draws the playground into el and keeps it in step with `model`, a small interface:
     model.get("frame")          the newest frame (playground/runner.py: state, history, heatmaps)
     model.get("error")          the last error message, "" when the last message went through
     model.on("change:frame" | "change:error", callback)
     model.send(message)         a message for Runner.handle: {type: "play"}, {type: "settings", hash}, ...
   The page gets that interface over its server (serverModel); the widget from the kernel (anywidget). */

const FEATURES = [
  ["x", "X\u2081"], ["y", "X\u2082"], ["xSquared", "X\u2081\u00b2"], ["ySquared", "X\u2082\u00b2"],
  ["xTimesY", "X\u2081X\u2082"], ["sinX", "sin(X\u2081)"], ["sinY", "sin(X\u2082)"],
];
const DATASETS = [
  ["moons", "Moons"], ["circles", "Circles"], ["xor", "XOR"], ["gauss", "Gaussians"], ["spirals", "Spirals"],
  ["reg-plane", "Plane (regression)"], ["reg-gauss", "Bumps (regression)"],
];
const RATES = ["0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", "30", "100"];
const REG_RATES = ["0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"];
const ACTIVATIONS = [["relu", "ReLU"], ["tanh", "Tanh"], ["sigmoid", "Sigmoid"], ["linear", "Linear"],
  ["leaky_relu", "Leaky ReLU"]];
const OUTPUTS = [["softmax", "softmax + cross entropy"], ["sigmoid", "sigmoid + binary cross entropy"],
  ["hinge", "hinge (SVM)"], ["mse", "mean squared error"]];
const OPTIMIZERS = [["sgd", "SGD"], ["momentum", "SGD + momentum"], ["adam", "Adam"]];
const REGULARIZATIONS = [["none", "None"], ["L1", "L1"], ["L2", "L2"]];
/* class colours: class 0 orange, class 1 blue (as TensorFlow Playground), then green, purple, red */
const CLASS_RGB = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40]];
const NODE = 34, MAX_NEURONS = 8, MAX_LAYERS = 6;

function element(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") { e.textContent = v; } else if (k.startsWith("on")) { e.addEventListener(k.slice(2), v); }
    else { e.setAttribute(k, v); }
  }
  for (const c of children || []) { e.append(c); }
  return e;
}

function svgElement(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) { e.setAttribute(k, v); }
  return e;
}

function select(id, options, label) {
  const s = element("select", { id: id, "aria-label": label });
  for (const [value, text] of options) { s.append(element("option", { value: value, text: text })); }
  return element("label", { class: "gg-field" }, [element("span", { text: label }), s]);
}

/* A map from the frame ({lo, hi, data: base64 bytes}) back to numbers; byte 255 is "not finite" (null). */
function decode(map) {
  const bytes = atob(map.data), out = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    out[i] = b === 255 ? null : map.lo + (b / 254) * (map.hi - map.lo);
  }
  return out;
}

function mix(a, b, t) { return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)); }

/* colour of a value on a diverging scale: -1 orange, 0 white, +1 blue (t in [-1, 1]) */
function diverging(t) {
  const white = [255, 255, 255];
  return t < 0 ? mix(white, CLASS_RGB[0], Math.min(1, -t)) : mix(white, CLASS_RGB[1], Math.min(1, t));
}

function format4(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  return Number(x).toPrecision(4);
}

function format(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  return x !== 0 && (Math.abs(x) < 0.001 || Math.abs(x) >= 1e5) ? x.toExponential(2) : x.toFixed(3);
}

function render({ model, el }) {
  const root = element("div", { class: "gg-playground" });
  el.append(root);
  let frame = null, points = { train: [], test: [] }, busy = false;
  const canvases = {};

  /* -- the top bar -------------------------------------------------------------------------- */
  const play = element("button", { id: "play", class: "gg-play", title: "Play / pause training",
    "aria-pressed": "false", text: "\u25b6 Play" });
  const step = element("button", { id: "step", title: "Train on one mini-batch", text: "Step" });
  const epochButton = element("button", { id: "epoch-step", title: "Train one epoch", text: "Epoch" });
  const reset = element("button", { id: "reset", title: "New initial weights; epoch 0", text: "Reset" });
  const epoch = element("span", { id: "epoch", class: "gg-epoch", text: "0" });
  const top = element("div", { class: "gg-top" }, [
    play, step, epochButton, reset,
    element("span", { class: "gg-counter" }, [element("span", { text: "Epoch " }), epoch]),
    select("learningRate", RATES.map((r) => [r, r]), "Learning rate"),
    select("activation", ACTIVATIONS, "Activation"),
    select("optimizer", OPTIMIZERS, "Optimizer"),
    select("regularization", REGULARIZATIONS, "Regularization"),
    select("regularizationRate", REG_RATES.map((r) => [r, r]), "Regularization rate"),
    select("output", OUTPUTS, "Output and loss"),
  ]);
  const message = element("div", { id: "message", class: "gg-message", role: "alert" });
  message.hidden = true;

  /* -- data column ------------------------------------------------------------------------ */
  const datasetButtons = element("div", { class: "gg-datasets" }, DATASETS.map(([value, text]) =>
    element("button", { class: "gg-dataset", "data-dataset": value, text: text,
      onclick: () => change({ dataset: value }) })));
  const classes = select("classes", [2, 3, 4, 5].map((k) => [String(k), String(k)]), "Classes");
  const slider = (id, label, min, max, stepSize) => {
    const input = element("input", { id: id, type: "range", min: min, max: max, step: stepSize });
    const shown = element("span", { class: "gg-value" });
    input.addEventListener("input", () => { shown.textContent = input.value; });
    input.addEventListener("change", () => change({ [id]: input.value }));
    return element("label", { class: "gg-field gg-slider" }, [element("span", { text: label }), input, shown]);
  };
  const csvInput = element("input", { type: "file", accept: ".csv,text/csv", id: "csv-file" });
  csvInput.addEventListener("change", async () => {
    const file = csvInput.files[0];
    csvInput.value = "";
    if (!file) { return; }
    if (file.size > 1000000) { showError(`CSV: expected at most 1,000,000 bytes, got ${file.size.toLocaleString()}`); return; }
    model.send({ type: "csv", text: await file.text() });
  });
  const saveCsv = element("button", { id: "save-csv", text: "Save CSV", onclick: () => saveData() });
  const dataColumn = element("section", { class: "gg-column gg-data" }, [
    element("h2", { text: "Data" }), datasetButtons, classes,
    slider("percTrainData", "Ratio of training to test data, %", 10, 90, 10),
    slider("noise", "Noise", 0, 50, 5),
    slider("batchSize", "Batch size", 1, 30, 1),
    element("div", { class: "gg-row" }, [
      element("button", { id: "regenerate", text: "Regenerate", title: "New points (a new data seed)",
        onclick: () => model.send({ type: "regenerate" }) })]),
    element("div", { class: "gg-row" }, [element("label", { class: "gg-file" }, [
      element("span", { text: "Load CSV (x1,x2,label)" }), csvInput]), saveCsv]),
  ]);

  /* -- the network ---------------------------------------------------------------------- */
  const layerCount = element("span", { class: "gg-layer-count" });
  const addLayer = element("button", { id: "add-layer", title: "Add a hidden layer", text: "+",
    onclick: () => changeShape((s) => s.length < MAX_LAYERS ? [...s, 2] : s) });
  const removeLayer = element("button", { id: "remove-layer", title: "Remove the last hidden layer", text: "\u2212",
    onclick: () => changeShape((s) => s.slice(0, -1)) });
  const layerButtons = element("div", { class: "gg-layer-buttons" });
  const network = element("div", { id: "network", class: "gg-network" });
  const networkColumn = element("section", { class: "gg-column gg-net" }, [
    element("h2", {}, [addLayer, removeLayer, layerCount]), layerButtons, network,
    element("p", { class: "gg-hint", text: "Blue: positive, orange: negative; an edge is as wide as its weight. " +
      "Hover on an edge for its weight, click it to type a new one. Click a feature to switch it on or off." }),
  ]);

  /* -- output column ------------------------------------------------------------------- */
  const trainLoss = element("span", { id: "train-loss", text: "\u2014" });
  const testLoss = element("span", { id: "test-loss", text: "\u2014" });
  const trainAcc = element("span", { class: "gg-acc" }), testAcc = element("span", { class: "gg-acc" });
  const chart = element("canvas", { id: "loss-chart", width: 300, height: 70 });
  const boundary = element("canvas", { id: "boundary", width: 300, height: 300,
    title: "Click: add a point of the chosen class; shift-click: remove the nearest point" });
  const axes = element("div", { class: "gg-axes" });
  const showTest = element("input", { type: "checkbox", id: "showTestData" });
  showTest.addEventListener("change", () => change({ showTestData: showTest.checked ? "true" : "false" }));
  const discretize = element("input", { type: "checkbox", id: "discretize" });
  discretize.addEventListener("change", () => change({ discretize: discretize.checked ? "true" : "false" }));
  const pointClass = element("select", { id: "point-class", "aria-label": "Class of a new point" });
  const outputColumn = element("section", { class: "gg-column gg-output" }, [
    element("h2", { text: "Output" }),
    element("div", { class: "gg-losses" }, [
      element("div", {}, [element("span", { text: "Test loss " }), testLoss, testAcc]),
      element("div", {}, [element("span", { text: "Training loss " }), trainLoss, trainAcc]),
    ]),
    chart,
    element("div", { class: "gg-boundary" }, [boundary, axes]),
    element("div", { class: "gg-row" }, [
      element("label", {}, [showTest, element("span", { text: " Show test data" })]),
      element("label", {}, [discretize, element("span", { text: " Discretize output" })]),
    ]),
    element("div", { class: "gg-row" }, [element("label", {}, [element("span", { text: "New point: " }),
      pointClass]), element("span", { class: "gg-hint", text: "click to add, shift-click to remove" })]),
  ]);

  /* -- the glass box: an example, a neuron, the gradients, the epochs, where it went wrong, take it away ---- */
  const gradientView = element("input", { type: "checkbox", id: "gradient-view" });
  gradientView.addEventListener("change", () => { if (frame) { drawNetwork(); } });
  const timeline = element("input", { type: "range", id: "timeline", min: 0, max: 0, step: 1, value: 0,
    "aria-label": "the epoch shown" });
  const timelineText = element("span", { class: "gg-timeline-text" });
  timeline.addEventListener("change", () => {
    const epochs = frame ? frame.timeline.epochs : [];
    if (epochs.length) { model.send({ type: "view-epoch", epoch: epochs[Number(timeline.value)] }); }
  });
  timeline.addEventListener("input", () => {
    const epochs = frame ? frame.timeline.epochs : [];
    timelineText.textContent = `epoch ${epochs[Number(timeline.value)]}`;
  });
  const continueButton = element("button", { id: "continue", text: "Continue from here",
    title: "Train on from the epoch shown (later epochs are dropped; the optimizer starts anew)",
    onclick: () => model.send({ type: "continue" }) });
  const examplePart = element("select", { id: "example-part", "aria-label": "training or test example" }, [
    element("option", { value: "train", text: "training" }), element("option", { value: "test", text: "test" })]);
  const exampleIndex = element("input", { type: "number", id: "example-index", min: 0, value: 0,
    "aria-label": "example number" });
  const pickExample = () => model.send({ type: "select-example", part: examplePart.value,
    index: Number(exampleIndex.value) });
  exampleIndex.addEventListener("change", pickExample);
  examplePart.addEventListener("change", pickExample);
  const exampleText = element("div", { class: "gg-example-text", id: "example-text" });
  const divergence = element("div", { id: "divergence", class: "gg-message gg-divergence", role: "alert" });
  divergence.hidden = true;
  const glass = element("section", { class: "gg-column gg-glass" }, [
    element("h2", { text: "Glass box" }),
    element("label", { class: "gg-row" }, [gradientView,
      element("span", { text: " Gradient view: edges by ∂C/∂w of the last batch" })]),
    element("div", { class: "gg-row" }, [element("span", { text: "Epochs trained: " }), timeline, timelineText,
      continueButton]),
    element("div", { class: "gg-row" }, [element("span", { text: "Example: " }), examplePart, exampleIndex,
      element("span", { class: "gg-hint", text: "or click a point on the map; then click a neuron" })]),
    exampleText,
    element("div", { class: "gg-row" }, [
      element("button", { id: "save-model", text: "Save model", title: "The JSON that MLP.load reads",
        onclick: () => model.send({ type: "export", what: "model" }) }),
      element("button", { id: "copy-code", text: "Copy code", title: "Python and the glassgrad train command",
        onclick: () => model.send({ type: "export", what: "code" }) })]),
  ]);
  const panel = element("section", { id: "neuron-panel", class: "gg-column gg-panel" });
  panel.hidden = true;

  const tooltip = element("div", { class: "gg-tooltip" });
  tooltip.hidden = true;
  root.append(top, message, divergence,
    element("div", { class: "gg-main" }, [dataColumn, networkColumn, outputColumn, glass]), panel, tooltip);

  for (const id of ["learningRate", "activation", "optimizer", "regularization", "regularizationRate", "output",
    "classes"]) {
    root.querySelector(`#${id}`).addEventListener("change", (e) => change({ [id]: e.target.value }));
  }
  play.addEventListener("click", () => model.send({ type: frame && frame.playing ? "pause" : "play" }));
  step.addEventListener("click", () => model.send({ type: "step" }));
  epochButton.addEventListener("click", () => model.send({ type: "epoch" }));
  reset.addEventListener("click", () => model.send({ type: "reset" }));

  /* -- changing settings ------------------------------------------------------------------ */
  function hashOf(settings) {
    return Object.entries(settings).map(([k, v]) =>
      `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join("&");
  }

  function change(values) {
    if (!frame) { return; }
    const s = Object.assign({}, frame.settings, values);
    const regression = s.dataset.startsWith("reg-");
    if (regression) { s.output = "mse"; }
    const k = ["spirals", "gauss"].includes(s.dataset) ? Number(s.classes) : 2;
    if (!regression && (k > 2 && ["sigmoid", "hinge"].includes(s.output))) { s.output = "softmax"; }
    if ("dataset" in values && !regression && frame.settings.dataset.startsWith("reg-")) { s.output = "softmax"; }
    model.send({ type: "settings", hash: hashOf(s) });
  }

  function changeShape(edit) { if (frame) { change({ networkShape: edit([...frame.settings.networkShape]) }); } }

  function saveData() {
    if (!frame) { return; }
    const rows = ["x1,x2,label", ...[...points.train, ...points.test].map((p) =>
      `${p[0]},${p[1]},${frame.problem === "regression" ? p[2] : Math.round(p[2])}`)];
    const link = element("a", { href: URL.createObjectURL(new Blob([rows.join("\n") + "\n"], { type: "text/csv" })),
      download: "playground.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function showError(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  /* -- drawing ----------------------------------------------------------------------------- */
  function colourOf(v, kind, crisp, m) {
    if (v === null) { return [200, 200, 200]; }
    if (kind === "probability") { return diverging(crisp ? (v > 0.5 ? 1 : -1) : 2 * v - 1); }
    if (kind === "classes") { return mix([255, 255, 255], CLASS_RGB[Math.round(v)] || [0, 0, 0], crisp ? 0.75 : 0.55); }
    return diverging(crisp ? Math.sign(v) : v / m);
  }

  /* a map on a canvas, a pixel at a time: values interpolated between the grid's cells (bilinear; the nearest
     cell for class numbers), then coloured, so a boundary is smooth however coarse the grid; `fade` (0..1)
     lightens it towards white, so that points drawn on it stand out */
  function paintMap(canvas, map, kind, crisp, fade) {
    const values = decode(map), n = Math.round(Math.sqrt(values.length));
    const W = canvas.width, H = canvas.height, ctx = canvas.getContext("2d"), image = ctx.createImageData(W, H);
    const m = Math.max(Math.abs(map.lo), Math.abs(map.hi)) || 1, nearest = kind === "classes";
    const at = (r, c) => values[r * n + c];
    for (let py = 0; py < H; py++) {
      const gy = Math.min(n - 1, Math.max(0, (py + 0.5) / H * n - 0.5)), r0 = Math.floor(gy);
      const r1 = Math.min(n - 1, r0 + 1), fy = gy - r0;
      for (let px = 0; px < W; px++) {
        const gx = Math.min(n - 1, Math.max(0, (px + 0.5) / W * n - 0.5)), c0 = Math.floor(gx);
        const c1 = Math.min(n - 1, c0 + 1), fx = gx - c0;
        let v;
        if (nearest) { v = at(fy < 0.5 ? r0 : r1, fx < 0.5 ? c0 : c1); }
        else {
          const a = at(r0, c0), b = at(r0, c1), c = at(r1, c0), d = at(r1, c1);
          v = a === null || b === null || c === null || d === null ? null
            : (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
        }
        let rgb = colourOf(v, kind, crisp, m);
        if (fade) { rgb = mix(rgb, [255, 255, 255], fade); }
        image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * (py * W + px));
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  function pointColour(label) {
    if (frame.problem === "regression") {
      const m = Math.max(1, ...points.train.map((p) => Math.abs(p[2])));
      return `rgb(${diverging(label / m).join(",")})`;
    }
    return `rgb(${(CLASS_RGB[Math.round(label)] || [0, 0, 0]).join(",")})`;
  }

  function toCanvas(x1, x2) {
    const [a, b, c, d] = frame.maps.extent;
    return [(x1 - a) / (b - a) * boundary.width, (d - x2) / (d - c) * boundary.height];
  }

  function drawBoundary() {
    const s = frame.settings;
    paintMap(boundary, frame.maps.output, frame.maps.output.kind, s.discretize, 0.4);
    const ctx = boundary.getContext("2d");
    const draw = (list, test) => {
      for (const p of list) {
        const [x, y] = toCanvas(p[0], p[1]);
        ctx.beginPath();
        ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
        ctx.fillStyle = pointColour(p[2]);
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = test ? "#222" : "#fff";  /* test points: a dark ring */
        ctx.stroke();
      }
    };
    draw(points.train, false);
    if (s.showTestData) { draw(points.test, true); }
    const chosen = frame.selected.example;
    const p = chosen && (chosen[0] === "train" ? points.train : points.test)[chosen[1]];
    if (p) {  /* the chosen example: a ring around it */
      const [x, y] = toCanvas(p[0], p[1]);
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#111";
      ctx.stroke();
    }
    const [a, b, c, d] = frame.maps.extent;
    axes.textContent = `x\u2081 from ${a.toFixed(1)} to ${b.toFixed(1)}, x\u2082 from ${c.toFixed(1)} to ${d.toFixed(1)}`;
  }

  function drawChart() {
    const ctx = chart.getContext("2d"), h = frame.history, W = chart.width, H = chart.height;
    ctx.clearRect(0, 0, W, H);
    const values = h.flatMap((e) => [e[1], e[2]]).filter((v) => v !== null);
    if (h.length < 2 || !values.length) { return; }
    const top = Math.max(...values), last = h[h.length - 1][0] || 1;
    ctx.font = "10px 'DejaVu Sans', sans-serif";
    ctx.fillStyle = "#555";
    ctx.fillText(`loss ${format(top)}`, 2, 10);
    ctx.fillText("0", 2, H - 3);
    ctx.fillText(`epoch ${last}`, W - 4 - ctx.measureText(`epoch ${last}`).width, H - 3);
    ctx.fillStyle = "#333";
    ctx.fillText("\u2014 training", W - 128, 10);
    ctx.fillStyle = "#999";
    ctx.fillText("\u2014 test", W - 52, 10);
    if (frame.timeline && frame.timeline.viewing !== null) {  /* the epoch the timeline shows */
      const x = frame.timeline.viewing / last * (W - 2) + 1;
      ctx.fillStyle = "#c0392b";
      ctx.fillRect(x - 1, 0, 2, H);
      chart.dataset.marker = String(frame.timeline.viewing);
    } else { delete chart.dataset.marker; }
    for (const [col, colour] of [[1, "#333"], [2, "#999"]]) {
      ctx.beginPath();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      let started = false;
      for (const e of h) {
        if (e[col] === null) { started = false; continue; }
        const x = e[0] / last * (W - 2) + 1, y = H - 2 - (e[col] / (top || 1)) * (H - 4);
        if (started) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); started = true; }
      }
      ctx.stroke();
    }
  }

  let layoutKey = "";
  const edges = {}, nodes = {};

  function layoutNetwork() {
    const s = frame.settings, layers = frame.layers; /* [inputs, hidden..., outputs] */
    const key = JSON.stringify([layers, frame.features]);
    if (key === layoutKey) { return; }
    layoutKey = key;
    network.textContent = "";
    for (const k of Object.keys(edges)) { delete edges[k]; }
    for (const k of Object.keys(nodes)) { delete nodes[k]; }
    const columnGap = 124, rowGap = 46, left = 80;  /* room for an example's numbers beside each neuron */
    const rows = Math.max(FEATURES.length, ...layers.slice(1));
    const width = left + columnGap * (layers.length - 1) + NODE + 84, height = rows * rowGap + 10;  /* + the numbers beside the outputs */
    network.style.width = `${width}px`;
    network.style.height = `${height}px`;
    const svg = svgElement("svg", { width: width, height: height, class: "gg-edges" });
    network.append(svg);
    const centre = (col, j, count) => {
      const x = col === 0 ? left : left + columnGap * col;
      const y = 5 + (rows - count) * rowGap / 2 + j * rowGap;
      return [x, y];
    };
    /* inputs: every feature, on or off; the network takes those that are on, in this order */
    const on = frame.features;
    FEATURES.forEach(([name, text], row) => {
      const [x, y] = centre(0, row, FEATURES.length);
      const active = on.includes(name);
      const canvas = element("canvas", { width: NODE, height: NODE });
      const node = element("div", { class: `gg-node gg-feature${active ? "" : " gg-off"}`, "data-feature": name,
        title: `${text}: click to switch ${active ? "off" : "on"}`, style: `left:${x}px;top:${y}px` }, [canvas]);
      node.addEventListener("click", () => change({ [name]: active ? "false" : "true" }));
      network.append(node, element("div", { class: "gg-feature-name", text: text,
        style: `left:${x - 74}px;top:${y + NODE / 2 - 8}px` }));
      canvases[`feature:${name}`] = canvas;
      if (active) { nodes[`0.${on.indexOf(name)}`] = [x, y]; }
    });
    for (let L = 1; L < layers.length; L++) {
      for (let j = 0; j < layers[L]; j++) {
        const [x, y] = centre(L, j, layers[L]);
        nodes[`${L}.${j}`] = [x, y];
        const canvas = element("canvas", { width: NODE, height: NODE });
        const output = L === layers.length - 1;
        const node = element("div", { class: `gg-node${output ? " gg-output-node" : ""}`, "data-neuron": `${L}.${j}`,
          style: `left:${x}px;top:${y}px` }, [canvas]);
        node.addEventListener("mouseenter", (e) => showNeuron(e, L, j));
        node.addEventListener("click", () => model.send({ type: "open-neuron", neuron: `${L}.${j}` }));
        node.addEventListener("mouseleave", () => { tooltip.hidden = true; });
        network.append(node);
        canvases[`neuron:${L}.${j}`] = canvas;
        for (let i = 0; i < layers[L - 1]; i++) {
          const from = nodes[`${L - 1}.${i}`];
          if (!from) { continue; }
          const [x0, y0] = [from[0] + NODE, from[1] + NODE / 2], [x1, y1] = [x, y + NODE / 2];
          const mid = (x0 + x1) / 2;
          const d = `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}`;
          const path = svgElement("path", { d: d, class: "gg-edge", "data-edge": `${L}.${j}.${i}` });
          const hit = svgElement("path", { d: d, class: "gg-edge-hit" });
          const name = `layers.${L - 1}.neurons.${j}.w.${i}`;
          hit.addEventListener("mouseenter", (e) => showWeight(e, name));
          hit.addEventListener("mousemove", (e) => moveTooltip(e));
          hit.addEventListener("mouseleave", () => { tooltip.hidden = true; });
          hit.addEventListener("click", (e) => editWeight(e, name));
          svg.append(path, hit);
          edges[`${L}.${j}.${i}`] = [path, name];
        }
      }
    }
    /* buttons over each hidden layer: more or fewer neurons */
    layerButtons.textContent = "";
    layerButtons.style.width = `${width}px`;
    s.networkShape.forEach((n, h) => {
      const x = left + columnGap * (h + 1) + NODE / 2;
      const edit = (delta) => changeShape((shape) => shape.map((v, k) =>
        k === h ? Math.max(1, Math.min(MAX_NEURONS, v + delta)) : v));
      layerButtons.append(element("div", { class: "gg-layer-edit", style: `left:${x - 36}px` }, [
        element("button", { class: "gg-add-neuron", "data-layer": h + 1, title: "Add a neuron", text: "+",
          onclick: () => edit(1) }),
        element("button", { class: "gg-remove-neuron", "data-layer": h + 1, title: "Remove a neuron", text: "\u2212",
          onclick: () => edit(-1) }),
        element("div", { class: "gg-layer-size", text: `${n} neuron${n === 1 ? "" : "s"}` }),
      ]));
    });
    const hidden = s.networkShape.length;
    layerCount.textContent = ` ${hidden} hidden layer${hidden === 1 ? "" : "s"}`;
  }

  function drawNetwork() {
    layoutNetwork();
    const p = frame.parameters, crisp = frame.settings.discretize;
    const byGradient = gradientView.checked && frame.gradients;
    const g = frame.gradients || {};
    const largest = byGradient ? Math.max(1e-300, ...Object.values(g).map((v) => Math.abs(v || 0))) : 1;
    for (const [key, [path, name]] of Object.entries(edges)) {
      const w = p[name], v = byGradient ? g[name] : w;
      const width = byGradient ? 0.5 + 7.5 * Math.abs(v || 0) / largest : Math.min(8, Math.abs(w) * 2);
      path.setAttribute("stroke", v === null || v === undefined ? "#bbb" : `rgb(${diverging(Math.sign(v)).join(",")})`);
      path.setAttribute("stroke-width", v === null || v === undefined ? 1 : Math.max(0.5, width));
      path.dataset.weight = w === null ? "" : String(w);
      path.dataset.gradient = g[name] === null || g[name] === undefined ? "" : String(g[name]);
    }
    const passed = frame.example, opened = frame.selected.neuron, bad = frame.divergence && frame.divergence.neuron;
    network.querySelectorAll("[data-neuron]").forEach((node) => {
      const key = node.dataset.neuron, numbers = passed && passed.neurons[key];
      node.classList.toggle("gg-opened", key === opened);
      node.classList.toggle("gg-diverged", key === bad);
      let label = node.querySelector(".gg-numbers");
      if (!numbers) { if (label) { label.remove(); } return; }
      if (!label) { label = element("div", { class: "gg-numbers" }); node.append(label); }
      label.textContent = `a ${format4(numbers.a)}\n\u2202C/\u2202z ${format4(numbers.dz)}`;
    });
    if (!frame.maps) { return; }
    for (const [name, map] of Object.entries(frame.maps.features)) {
      if (canvases[`feature:${name}`]) { paintMap(canvases[`feature:${name}`], map, "value", crisp); }
    }
    for (const [key, map] of Object.entries(frame.maps.neurons)) {
      if (canvases[`neuron:${key}`]) { paintMap(canvases[`neuron:${key}`], map, "value", crisp); }
    }
  }

  function moveTooltip(e) {
    const box = root.getBoundingClientRect();
    tooltip.style.left = `${e.clientX - box.left + 12}px`;
    tooltip.style.top = `${e.clientY - box.top + 12}px`;
  }

  function showWeight(e, name) {
    const w = frame.parameters[name];
    tooltip.textContent = `${name} = ${w === null ? "not a finite number" : w.toPrecision(4)}  (click to change)`;
    tooltip.hidden = false;
    moveTooltip(e);
  }

  function showNeuron(e, L, j) {
    const b = frame.parameters[`layers.${L - 1}.neurons.${j}.b`];
    tooltip.textContent = `neuron ${L}.${j}: bias ${b === null ? "not finite" : b.toPrecision(4)}`;
    tooltip.hidden = false;
    moveTooltip(e);
  }

  function editWeight(e, name) {
    tooltip.hidden = true;
    root.querySelectorAll(".gg-weight-editor").forEach((x) => x.remove());
    const input = element("input", { type: "text", class: "gg-weight-editor", id: "weight-editor",
      "aria-label": `new value of ${name}`, value: String(frame.parameters[name]) });
    const box = root.getBoundingClientRect();
    input.style.left = `${e.clientX - box.left}px`;
    input.style.top = `${e.clientY - box.top}px`;
    input.addEventListener("keydown", (k) => {
      if (k.key === "Enter") { model.send({ type: "weight", name: name, value: input.value.trim() }); input.blur(); }
      if (k.key === "Escape") { input.blur(); }  /* the blur handler removes it */
    });
    input.addEventListener("blur", () => input.remove());
    root.append(input);
    input.focus();
    input.select();
  }

  boundary.addEventListener("click", (e) => {
    if (!frame) { return; }
    const r = boundary.getBoundingClientRect();
    const [a, b, c, d] = frame.maps.extent;
    const x1 = a + (e.clientX - r.left) / r.width * (b - a), x2 = d - (e.clientY - r.top) / r.height * (d - c);
    const near = nearestPoint(e.clientX - r.left, e.clientY - r.top);
    if (e.shiftKey) {
      model.send({ type: "remove-point", x1: x1, x2: x2, radius: (b - a) / 30 });
    } else if (near) {  /* a click on a point picks it as the example */
      model.send({ type: "select-example", part: near[0], index: near[1] });
    } else {
      const label = frame.problem === "regression" ? Number(pointClass.value) : Number(pointClass.value);
      model.send({ type: "add-point", x1: x1, x2: x2, label: label });
    }
  });

  function nearestPoint(px, py) {
    let best = null, distance = 6;  /* pixels */
    for (const [part, list] of [["train", points.train], ["test", frame.settings.showTestData ? points.test : []]]) {
      list.forEach((p, i) => {
        const [x, y] = toCanvas(p[0], p[1]), d = Math.hypot(x - px, y - py);
        if (d <= distance) { best = [part, i]; distance = d; }
      });
    }
    return best;
  }

  function drawGlass() {
    const t = frame.timeline, k = t.viewing === null ? t.epochs.length - 1 : t.epochs.indexOf(t.viewing);
    timeline.max = String(Math.max(0, t.epochs.length - 1));
    if (document.activeElement !== timeline) { timeline.value = String(k); }
    timelineText.textContent = t.viewing === null ? `epoch ${frame.epoch} (now)` : `epoch ${t.viewing}`;
    continueButton.hidden = t.viewing === null;
    divergence.hidden = !frame.divergence;
    divergence.textContent = frame.divergence ? `Training stopped: the loss or a weight is no longer a finite ` +
      `number. Where it began: ${frame.divergence.message}` : "";
    const ex = frame.example;
    exampleText.textContent = ex ? `${ex.part === "train" ? "training" : "test"} example ${ex.index}: inputs ` +
      `(${ex.inputs.map(format4).join(", ")}), loss C = ${format4(ex.loss)}; each neuron shows a and \u2202C/\u2202z`
      : (frame.playing ? "" : "no example chosen");
    if (ex && document.activeElement !== exampleIndex) { exampleIndex.value = String(ex.index); examplePart.value = ex.part; }
    drawPanel();
  }

  let panelKey = "";
  function drawPanel() {
    const p = frame.panel;
    panel.hidden = !p;
    if (!p) { panelKey = ""; return; }
    const key = JSON.stringify([p.neuron, p.rows, frame.selected.example]);
    if (key === panelKey) { return; }
    panelKey = key;
    panel.textContent = "";
    const rows = p.rows.map((r) => element("tr", { "data-weight": r.name }, [
      element("td", { text: `\u2202C/\u2202${r.name.split(".").slice(-2).join("")}` }),
      element("td", { text: `= ${r.input} \u00b7 \u2202C/\u2202z` }),
      element("td", { class: "gg-a", text: `= (${format4(r.a)})` }),
      element("td", { class: "gg-dz", text: `\u00d7 (${format4(r.dz)})` }),
      element("td", { class: "gg-grad", text: `= ${format4(r.grad)}` }),
    ]));
    rows.push(element("tr", { "data-weight": p.bias.name }, [element("td", { text: "\u2202C/\u2202b" }),
      element("td", { text: "= \u2202C/\u2202z" }), element("td", {}), element("td", {}),
      element("td", { class: "gg-grad", text: `= ${format4(p.bias.grad)}` })]));
    const figure = element("div", { class: "gg-panel-graph" });
    figure.innerHTML = p.svg;  /* drawn by viz.draw_graph from the engine's numbers */
    const steps = element("div", { class: "gg-steps" });
    const stepButton = (scope, text) => element("button", { class: "gg-steps-button", "data-scope": scope, text: text,
      onclick: () => model.send({ type: "export", what: "steps", scope: scope }) });
    panel.append(
      element("h2", {}, [element("span", { text: `Neuron ${p.neuron}: z = ${format4(p.z)}, a = ${format4(p.a)}, ` +
        `\u2202C/\u2202z = ${format4(p.dz)}` }),
        element("button", { class: "gg-close", text: "Close", onclick: () => model.send({ type: "close-neuron" }) })]),
      element("p", { class: "gg-hint", text: "The lecture's identity, each number from the engine: the weight's " +
        "gradient is its input a times the neuron's \u2202C/\u2202z." }),
      element("table", { class: "gg-identity" }, rows),
      element("div", { class: "gg-row" }, [stepButton("neuron", "Step through this neuron"),
        stepButton("example", "Step through the whole example")]),
      steps, figure);
  }

  function handleExport(out) {
    if (out.what === "steps") {
      const steps = panel.querySelector(".gg-steps");
      if (!steps) { return; }
      steps.textContent = "";
      steps.append(element("iframe", { class: "gg-steps-frame", title: "backward pass, step by step",
        srcdoc: out.text }));
      return;
    }
    if (out.what === "code") {
      const box = element("textarea", { class: "gg-code", id: "code-text", readonly: "readonly", rows: 12 });
      box.value = out.text;
      exampleText.after(box);
      box.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(out.text).catch(() => {}); }
      return;
    }
    const link = element("a", { href: URL.createObjectURL(new Blob([out.text], { type: "application/json" })),
      download: out.filename });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function setControl(id, value) {
    const input = root.querySelector(`#${id}`);
    if (!input || document.activeElement === input) { return; }
    const text = String(value);
    if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === text)) {
      input.append(element("option", { value: text, text: text }));
    }
    input.value = text;
    const shown = input.parentElement.querySelector(".gg-value");
    if (shown) { shown.textContent = text; }
  }

  function drawControls() {
    const s = frame.settings;
    for (const id of ["learningRate", "activation", "optimizer", "regularization", "regularizationRate", "output",
      "classes", "percTrainData", "noise", "batchSize"]) { setControl(id, s[id]); }
    root.querySelector("#classes").parentElement.hidden = !["spirals", "gauss"].includes(s.dataset);
    root.querySelectorAll(".gg-dataset").forEach((b) => b.classList.toggle("gg-selected", b.dataset.dataset === s.dataset));
    showTest.checked = s.showTestData;
    discretize.checked = s.discretize;
    const wanted = frame.problem === "regression" ? [["1", "value 1"], ["-1", "value \u22121"]]
      : Array.from({ length: frame.classes }, (_, k) => [String(k), `class ${k}`]);
    if ([...pointClass.options].map((o) => o.value).join() !== wanted.map((w) => w[0]).join()) {
      pointClass.textContent = "";
      for (const [v, t] of wanted) { pointClass.append(element("option", { value: v, text: t })); }
    }
    addLayer.disabled = s.networkShape.length >= MAX_LAYERS;
    removeLayer.disabled = s.networkShape.length === 0;
  }

  function draw() {
    busy = false;
    if (!frame) { return; }
    play.textContent = frame.playing ? "\u275a\u275a Pause" : "\u25b6 Play";
    play.setAttribute("aria-pressed", frame.playing ? "true" : "false");
    epoch.textContent = String(frame.epoch);
    trainLoss.textContent = format(frame.train_loss);
    testLoss.textContent = format(frame.test_loss);
    trainAcc.textContent = frame.train_accuracy === null ? "" : ` (accuracy ${(100 * frame.train_accuracy).toFixed(1)}%)`;
    testAcc.textContent = frame.test_accuracy === null ? "" : ` (accuracy ${(100 * frame.test_accuracy).toFixed(1)}%)`;
    drawControls();
    drawNetwork();
    if (frame.maps) { drawBoundary(); }
    boundary.parentElement.hidden = !frame.maps;
    drawChart();
    drawGlass();
    root.dataset.step = String(frame.step);
    root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1);  /* frames drawn: the page's update count */
  }

  function take() {
    const next = model.get("frame");
    if (!next) { return; }
    if (next.train) { points = { train: next.train, test: next.test }; }
    if (!("maps" in next) && frame) { next.maps = frame.maps; }  /* a message's answer while playing: maps follow */
    if (!("maps" in next)) { return; }
    frame = next;
    if (next.export) { const out = next.export; delete next.export; handleExport(out); }
    if (!busy) { busy = true; requestAnimationFrame(draw); }
  }

  model.on("change:frame", take);
  model.on("change:error", () => showError(model.get("error") || ""));
  take();
  showError(model.get("error") || "");
  return () => { root.remove(); };
}

/* The model interface over the playground's server: commands by POST, frames by server-sent events, and the
   settings kept in the page's URL hash (a link reproduces the run). */
export async function serverModel(token) {
  const values = { frame: null, error: "" }, listeners = {};
  const set = (name, value) => {
    values[name] = value;
    for (const f of listeners[`change:${name}`] || []) { f(); }
  };
  const api = (path) => `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
  const model = {
    get: (name) => values[name],
    on: (event, callback) => { (listeners[event] = listeners[event] || []).push(callback); },
    send: async (message) => {
      let answer;
      try {
        const response = await fetch(api("api/command"), { method: "POST", body: JSON.stringify(message),
          headers: { "Content-Type": "application/json", "X-Glassgrad-Token": token } });
        answer = await response.json();
        if (!response.ok) { set("error", answer.error || `the server answered ${response.status}`); return; }
      } catch (error) {
        set("error", `the playground's server does not answer (${error.message}); is glassgrad playground running?`);
        return;
      }
      set("error", "");
      set("frame", answer);
    },
  };
  const response = await fetch(api("api/frame"));
  set("frame", await response.json());
  const hash = decodeURIComponent(location.hash.replace(/^#/, ""));
  if (hash) {
    await model.send({ type: "settings", hash: hash });
    if (values.error) { set("error", `The link's settings were not applied: ${values.error}`); }
  }
  const keepHash = () => {
    const f = values.frame;
    if (f && f.hash && location.hash.replace(/^#/, "") !== f.hash) { history.replaceState(null, "", `#${f.hash}`); }
  };
  model.on("change:frame", keepHash);
  keepHash();
  const events = new EventSource(api("api/events"));
  events.addEventListener("frame", (e) => set("frame", JSON.parse(e.data)));
  return model;
}

/* anywidget's entry point (the widget), and the page's: playground.render({model, el}) */
export default { render };
