// @ts-check
/* glassgrad playground: the one front end, for the page (glassgrad playground) and the Jupyter widget.

   render({model, el}) draws the playground into el and keeps it in step with `model`, a small interface:
     model.get("frame")          the newest frame (playground/runner.py: state, history, heatmaps)
     model.get("error")          the last error message, "" when the last message went through
     model.on("change:frame" | "change:error", callback)
     model.send(message)         a message for Runner.handle: {type: "play"}, {type: "settings", hash}, ...
   The page gets that interface over its server (serverModel); the widget from the kernel (anywidget).

   One plain ES module (anywidget's _esm takes it as it is; no build step), in parts: the types; small helpers
   for elements, numbers and colours; Python's rules read; the controls; the network view; the maps; the loss
   chart; the glass box; the frame loop (render); the server's model. The choices, ranges, limits and couplings
   of the settings are Python's (playground/settings.py rules(), in a full frame): the page builds its menus,
   sliders and caps from them and writes none of them again. Checked by tsc (make typecheck-js). */

/* -- the types --------------------------------------------------------------------------------------------- */

/** @typedef {string | number | boolean | number[]} SettingValue */
/** The settings (playground/settings.py Settings.to_dict), by TF Playground's names.
    @typedef {{dataset: string, classes: number, output: string, networkShape: number[], showTestData: boolean,
      discretize: boolean, [name: string]: SettingValue}} Settings */
/** The choices, ranges, limits and couplings of the settings (playground/settings.py rules()).
    @typedef {object} Rules
    @property {{classification: string[], regression: string[]}} datasets
    @property {string[]} multiclass the data sets whose number of classes is the `classes` setting (others: 2)
    @property {string[]} outputs
    @property {string[]} binaryOutputs outputs that take two classes only
    @property {string} regressionOutput the output of the regression data sets
    @property {string[]} activations
    @property {string[]} optimizers
    @property {string[]} regularizations
    @property {string[]} features TF Playground's feature names, in the order the inputs take them
    @property {Record<string, [number, number]>} integers whole-number settings: [low, high]
    @property {Record<string, [number, number]>} numbers real-number settings: [low, high] (learningRate: (0, high])
    @property {number} maxLayers
    @property {number} maxNeurons
    @property {number} maxCsvBytes
    @property {number} maxCsvRows
    @property {number} maxCoordinate
    @property {Settings} defaults
    @property {Record<string, string>} labels how the page names a choice (a name not in it is shown as it is)
    @property {Record<string, string>} outputLabels each output's name on the page */
/** A point: x1, x2 and its label (a class number, or a regression target). @typedef {[number, number, number]} Point */
/** @typedef {"train" | "test"} Part */
/** A map over the plane: one byte a cell, base64 (playground/frames.py encode_map). @typedef {{lo: number, hi: number,
    data: string}} MapData */
/** @typedef {"probability" | "score" | "classes" | "value"} MapKind */
/** @typedef {{resolution: number, extent: [number, number, number, number], output: MapData & {kind: MapKind},
    features: Record<string, MapData>, neurons: Record<string, MapData>}} Maps */
/** @typedef {{z: number | null, a: number | null, dz: number | null, da: number | null}} NeuronNumbers */
/** The chosen example's pass. @typedef {{part: Part, index: number, inputs: number[], loss: number | null,
    neurons: Record<string, NeuronNumbers>}} Example */
/** @typedef {{name: string, input: string, a: number | null, dz: number | null, grad: number | null}} PanelRow */
/** The opened neuron's panel (playground/glassbox.py neuron_view). @typedef {{neuron: string, svg: string,
    rows: PanelRow[], bias: {name: string, grad: number | null}, z: number | null, a: number | null,
    dz: number | null}} Panel */
/** A file or a text to hand over (playground/export.py). @typedef {{what: string, filename: string,
    text: string}} Export */
/** What a frame leaves out when it did not change: the page keeps the last. @typedef {{train: Point[],
    test: Point[], rules: Rules, maps: Maps | null}} Kept */
/** A frame as drawn: with the points, rules and maps of the last frame that had them.
    @typedef {Kept & {epoch: number, step: number, train_loss: number | null, test_loss: number | null,
      train_accuracy: number | null, test_accuracy: number | null, settings: Settings, hash: string,
      problem: string, classes: number, features: string[], layers: number[],
      parameters: Record<string, number | null>, playing: boolean, history: [number, number | null, number | null][],
      gradients: Record<string, number | null> | null, timeline: {epochs: number[], viewing: number | null},
      divergence: {title: string, message: string, neuron: string | null} | null,
      selected: {example: [Part, number] | null, neuron: string | null}, example: Example | null,
      panel: Panel | null, export?: Export}} Frame */
/** A frame as it comes. @typedef {Omit<Frame, keyof Kept> & Partial<Kept>} Incoming */
/** A message for Runner.handle (playground/messages.py).
    @typedef {{type: "play" | "pause" | "step" | "epoch" | "reset" | "regenerate" | "close-neuron" | "continue"}
      | {type: "settings", hash: string} | {type: "csv", text: string} | {type: "weight", name: string, value: string}
      | {type: "add-point", x1: number, x2: number, label: number}
      | {type: "remove-point", x1: number, x2: number, radius: number}
      | {type: "select-example", part: Part, index: number} | {type: "open-neuron", neuron: string}
      | {type: "view-epoch", epoch: number} | {type: "export", what: "model" | "code"}
      | {type: "export", what: "steps", scope: "neuron" | "example"}} Message */
/** @typedef {{frame: Incoming | null, error: string}} Traits */
/** @typedef {<K extends keyof Traits>(name: K, value: Traits[K]) => void} Setter */
/** The model: anywidget's, or serverModel's over the page's server.
    @typedef {object} Model
    @property {<K extends keyof Traits>(name: K) => Traits[K] | undefined} get
    @property {(event: `change:${keyof Traits}`, callback: () => void) => void} on
    @property {(message: Message) => unknown} send */
/** What every part reads: the model, the root element, the frame drawn last and what frames keep.
    @typedef {object} Core
    @property {Model} model
    @property {HTMLElement} root
    @property {Frame | null} frame
    @property {Partial<Kept>} kept
    @property {boolean} busy a draw is asked for the next animation frame
    @property {string} rulesKey the rules the controls were built from (their JSON)
    @property {HTMLElement} tooltip
    @property {HTMLElement} message
    @property {Element | null} source the control that sent the last message (its error is shown beside it) */
/** The top bar and the data column.
    @typedef {object} Controls
    @property {HTMLButtonElement} play
    @property {HTMLElement} epoch
    @property {Record<string, HTMLSelectElement>} selects the settings chosen from a menu, by name
    @property {Record<string, HTMLInputElement>} sliders the settings set on a slider, by name
    @property {HTMLElement} datasets */
/** The network column. @typedef {object} NetworkView
    @property {HTMLElement} network
    @property {HTMLButtonElement} addLayer
    @property {HTMLButtonElement} removeLayer
    @property {HTMLElement} layerCount
    @property {HTMLElement} layerButtons
    @property {string} layoutKey the layers and features the drawing was laid out for
    @property {Record<string, [SVGPathElement, string]>} edges "L.j.i" → its path and its weight's name
    @property {Record<string, HTMLCanvasElement>} canvases "feature:name" and "neuron:L.j" → the node's map */
/** The output column. @typedef {object} OutputView
    @property {HTMLElement} trainLoss
    @property {HTMLElement} testLoss
    @property {HTMLElement} trainAcc
    @property {HTMLElement} testAcc
    @property {HTMLCanvasElement} chart
    @property {HTMLCanvasElement} boundary
    @property {HTMLElement} axes
    @property {HTMLInputElement} showTest
    @property {HTMLInputElement} discretize
    @property {HTMLSelectElement} pointClass */
/** The glass box and the neuron's panel. @typedef {object} GlassView
    @property {HTMLInputElement} gradientView
    @property {HTMLInputElement} timeline
    @property {HTMLElement} timelineText
    @property {HTMLButtonElement} continueButton
    @property {HTMLSelectElement} examplePart
    @property {HTMLInputElement} exampleIndex
    @property {HTMLElement} exampleText
    @property {HTMLElement} divergence
    @property {HTMLElement} panel
    @property {string} panelKey what the panel was drawn for */
/** @typedef {Core & {controls: Controls, net: NetworkView, output: OutputView, glass: GlassView}} View */

/* -- elements, numbers and colours ------------------------------------------------------------------------- */

/* class colours: class 0 orange, class 1 blue (as TensorFlow Playground), then green, purple, red */
const CLASS_RGB = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40]];
const WHITE = [255, 255, 255];
const NODE = 34;  /* a node's side in pixels (playground.css .gg-node) */
/* the values the learning-rate and regularization-rate menus offer (TensorFlow Playground's), kept to Python's
   ranges; a link may set any other value in range, and the menu then shows it too */
const RATE_MENU = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];
const REGULARIZATION_RATE_MENU = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
/* the sliders' steps (their ranges are Python's) */
const SLIDER_STEPS = { percTrainData: 10, noise: 5, batchSize: 1 };

/** @typedef {string | number | ((event: Event) => void)} Attribute */
/**
 * An HTML element: `attrs` are attributes, but "text" is its text and "on…" a listener; then its children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, Attribute>} [attrs]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function element(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") { e.textContent = String(v); }
    else if (typeof v === "function") { e.addEventListener(k.slice(2), v); }
    else { e.setAttribute(k, String(v)); }
  }
  for (const c of children) { e.append(c); }
  return e;
}

/**
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElementTagNameMap[K]}
 */
function svgElement(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) { e.setAttribute(k, String(v)); }
  return e;
}

/** A select's options, anew. @param {HTMLSelectElement} select @param {[string, string][]} options value, text */
function fillSelect(select, options) {
  select.textContent = "";
  for (const [value, text] of options) { select.append(element("option", { value: value, text: text })); }
}

/** A link clicked for the user: `text` saved as `filename`. @param {string} text @param {string} type
    @param {string} filename */
function download(text, type, filename) {
  const link = element("a", { href: URL.createObjectURL(new Blob([text], { type: type })), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

/** A map from the frame back to numbers; byte 255 is "not finite" (null). @param {MapData} map
    @returns {(number | null)[]} */
function decode(map) {
  const bytes = atob(map.data), out = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    out[i] = b === 255 ? null : map.lo + (b / 254) * (map.hi - map.lo);
  }
  return out;
}

/** @param {number[]} a @param {number[]} b @param {number} t @returns {number[]} */
function mix(a, b, t) { return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)); }

/** colour of a value on a diverging scale: -1 orange, 0 white, +1 blue. @param {number} t in [-1, 1] */
function diverging(t) {
  return t < 0 ? mix(WHITE, CLASS_RGB[0], Math.min(1, -t)) : mix(WHITE, CLASS_RGB[1], Math.min(1, t));
}

/** @param {number} label @returns {number[]} */
function classColour(label) { return CLASS_RGB[Math.round(label)] || [0, 0, 0]; }

/** @param {number | null | undefined} x */
function format4(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  return Number(x).toPrecision(4);
}

/** @param {number | null | undefined} x */
function format(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  return x !== 0 && (Math.abs(x) < 0.001 || Math.abs(x) >= 1e5) ? x.toExponential(2) : x.toFixed(3);
}

/** "1 neuron", "2 neurons". @param {number} n @param {string} word */
function counted(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

/* -- Python's rules, read ---------------------------------------------------------------------------------- */

/** @param {Rules} rules @param {string} dataset */
function isRegression(rules, dataset) { return rules.datasets.regression.includes(dataset); }

/** The outputs Python takes for these settings: the regression output for regression data; for more than two
    classes, not the outputs that take two. @param {Rules} rules @param {Record<string, SettingValue>} s */
function outputsFor(rules, s) {
  const dataset = String(s["dataset"]);
  if (isRegression(rules, dataset)) { return [rules.regressionOutput]; }
  const classes = rules.multiclass.includes(dataset) ? Number(s["classes"]) : 2;
  return rules.outputs.filter((o) => classes <= 2 || !rules.binaryOutputs.includes(o));
}

/** The settings with `values` changed, and the output changed with them where the data asks for another (back
    to the default output when leaving regression data). @param {Rules} rules @param {Settings} before
    @param {Record<string, SettingValue>} values @returns {Record<string, SettingValue>} */
function coupled(rules, before, values) {
  const s = Object.assign({}, before, values);
  const allowed = outputsFor(rules, s);
  const leaving = "dataset" in values && isRegression(rules, before.dataset)
    && !isRegression(rules, String(s["dataset"]));
  if (!allowed.includes(String(s["output"])) || leaving) {
    s["output"] = allowed.includes(rules.defaults.output) ? rules.defaults.output : allowed[0];
  }
  return s;
}

/** The URL hash of settings. @param {Record<string, SettingValue>} settings */
function hashOf(settings) {
  return Object.entries(settings).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join("&");
}

/** A setting's range: [low, high] from the integers' or the numbers' table. @param {Rules} rules
    @param {string} name @returns {[number, number]} */
function rangeOf(rules, name) {
  const range = rules.integers[name] || rules.numbers[name];
  if (!range) { throw new Error(`the rules give no range for ${name}`); }
  return range;
}

/** The menu's values within Python's range of `name`. @param {Rules} rules @param {string} name
    @param {number[]} menu @returns {[string, string][]} */
function menuIn(rules, name, menu) {
  const [lo, hi] = rangeOf(rules, name);
  return menu.filter((v) => v >= lo && v <= hi).map((v) => [String(v), String(v)]);
}

/** A feature's name as the inputs are written here: x → X₁, y → X₂, xSquared → X₁², xTimesY → X₁X₂,
    sinX → sin(X₁) (TF Playground's names are made of these parts). @param {string} name */
function featureLabel(name) {
  /** @param {string} letter */
  const input = (letter) => ({ x: "X\u2081", y: "X\u2082" })[letter.toLowerCase()] ?? letter;
  const applied = /^([a-z]{2,})([A-Z])$/.exec(name);  /* a function of one input */
  if (applied) { return `${applied[1]}(${input(applied[2])})`; }
  return name.replace(/Squared/g, "\u00b2").replace(/Times/g, "").replace(/[xyXY]/g, input);
}

/* -- the controls: the top bar and the data column ---------------------------------------------------------- */

/** The settings changed by `values` (and what they couple), sent as a hash. @param {Core} view
    @param {Record<string, SettingValue>} values */
function change(view, values) {
  const frame = view.frame;
  if (!frame) { return; }
  view.model.send({ type: "settings", hash: hashOf(coupled(frame.rules, frame.settings, values)) });
}

/** @param {Core} view @param {(shape: number[]) => number[]} edit */
function changeShape(view, edit) {
  if (view.frame) { change(view, { networkShape: edit([...view.frame.settings.networkShape]) }); }
}

/** An error in the message bar, and beside the control that sent the message it answers (gone with the next
    answer that is not an error). @param {Core} view @param {string} text */
function showError(view, text) {
  view.message.textContent = text;
  view.message.hidden = !text;
  for (const note of view.root.querySelectorAll(".gg-error-note")) { note.remove(); }
  const source = view.source;
  if (text && source && source !== view.root && view.root.contains(source)) {
    source.insertAdjacentElement("afterend", element("span", { class: "gg-error-note", role: "alert", text: text }));
  }
}

/** ``model`` whose ``send`` first notes the control that sent the message (the one with the focus, if it is in
    the playground). @param {Model} model @param {Core} view @returns {Model} */
function noting(model, view) {
  return {  /* not a copy of `model`: anywidget's keeps get, on and send on its prototype */
    get: (name) => model.get(name),
    on: (event, callback) => model.on(event, callback),
    send: (message) => {
      const active = document.activeElement;
      view.source = active && view.root.contains(active) ? active : null;
      model.send(message);
    },
  };
}

/** A menu of a setting (its options come with the rules). @param {Core} view @param {Controls} controls
    @param {string} id @param {string} label */
function menu(view, controls, id, label) {
  const s = element("select", { id: id, "aria-label": label });
  s.addEventListener("change", () => change(view, { [id]: s.value }));
  controls.selects[id] = s;
  return element("label", { class: "gg-field" }, [element("span", { text: label }), s]);
}

/** A slider of a setting (its range comes with the rules). @param {Core} view @param {Controls} controls
    @param {keyof typeof SLIDER_STEPS} id @param {string} label */
function slider(view, controls, id, label) {
  const input = element("input", { id: id, type: "range", step: SLIDER_STEPS[id] });
  const shown = element("span", { class: "gg-value" });
  input.addEventListener("input", () => { shown.textContent = input.value; });
  input.addEventListener("change", () => change(view, { [id]: input.value }));
  controls.sliders[id] = input;
  return element("label", { class: "gg-field gg-slider" }, [element("span", { text: label }), input, shown]);
}

/** The top bar: play, step, epoch, reset, the epoch counter and the training's menus. @param {Core} view
    @param {Controls} controls */
function topBar(view, controls) {
  const send = (/** @type {Message} */ message) => () => view.model.send(message);
  return element("div", { class: "gg-top" }, [
    controls.play,
    element("button", { id: "step", title: "Train on one mini-batch", text: "Step", onclick: send({ type: "step" }) }),
    element("button", { id: "epoch-step", title: "Train one epoch", text: "Epoch", onclick: send({ type: "epoch" }) }),
    element("button", { id: "reset", title: "New initial weights; epoch 0", text: "Reset",
      onclick: send({ type: "reset" }) }),
    element("span", { class: "gg-counter" }, [element("span", { text: "Epoch " }), controls.epoch]),
    menu(view, controls, "learningRate", "Learning rate"),
    menu(view, controls, "activation", "Activation"),
    menu(view, controls, "optimizer", "Optimizer"),
    menu(view, controls, "regularization", "Regularization"),
    menu(view, controls, "regularizationRate", "Regularization rate"),
    menu(view, controls, "output", "Output and loss"),
  ]);
}

/** The data column: the data sets, classes, the data's sliders, new points, a CSV in and out.
    @param {Core} view @param {Controls} controls */
function dataColumn(view, controls) {
  const csvInput = element("input", { type: "file", accept: ".csv,text/csv", id: "csv-file" });
  csvInput.addEventListener("change", () => loadCsv(view, csvInput));
  return element("section", { class: "gg-column gg-data" }, [
    element("h2", { text: "Data" }), controls.datasets, menu(view, controls, "classes", "Classes"),
    slider(view, controls, "percTrainData", "Ratio of training to test data, %"),
    slider(view, controls, "noise", "Noise"),
    slider(view, controls, "batchSize", "Batch size"),
    element("div", { class: "gg-row" }, [
      element("button", { id: "regenerate", text: "Regenerate", title: "New points (a new data seed)",
        onclick: () => view.model.send({ type: "regenerate" }) })]),
    element("div", { class: "gg-row" }, [element("label", { class: "gg-file" }, [
      element("span", { text: "Load CSV (x1,x2,label)" }), csvInput]),
    element("button", { id: "save-csv", text: "Save CSV", onclick: () => saveData(view) })]),
  ]);
}

/** The top bar and the data column, made; their menus and ranges are filled in by applyRules.
    @param {Core} view @returns {[Controls, HTMLElement, HTMLElement]} */
function makeControls(view) {
  const play = element("button", { id: "play", class: "gg-play", title: "Play / pause training",
    "aria-pressed": "false", text: "\u25b6 Play" });
  play.addEventListener("click", () => view.model.send({ type: view.frame && view.frame.playing ? "pause" : "play" }));
  /** @type {Controls} */
  const controls = { play: play, epoch: element("span", { id: "epoch", class: "gg-epoch", text: "0" }), selects: {},
    sliders: {}, datasets: element("div", { class: "gg-datasets" }) };
  return [controls, topBar(view, controls), dataColumn(view, controls)];
}

/** The menus, data sets and slider ranges, built from Python's rules. @param {Core} view @param {Controls} controls
    @param {Rules} rules */
function applyRules(view, controls, rules) {
  const key = JSON.stringify(rules);
  if (key === view.rulesKey) { return; }
  view.rulesKey = key;
  const same = (/** @type {(string | number)[]} */ names, labels = rules.labels) => names.map((n) =>
    /** @type {[string, string]} */ ([String(n), labels[String(n)] ?? String(n)]));
  const [lo, hi] = rangeOf(rules, "classes");
  /** @type {Record<string, [string, string][]>} each menu's options: value, text */
  const options = { activation: same(rules.activations), optimizer: same(rules.optimizers),
    regularization: same(rules.regularizations), output: same(rules.outputs, rules.outputLabels),
    learningRate: menuIn(rules, "learningRate", RATE_MENU),
    regularizationRate: menuIn(rules, "regularizationRate", REGULARIZATION_RATE_MENU),
    classes: same(Array.from({ length: hi - lo + 1 }, (_, k) => lo + k)) };
  for (const [name, select] of Object.entries(controls.selects)) { fillSelect(select, options[name] || []); }
  for (const [name, input] of Object.entries(controls.sliders)) {
    const [min, max] = rangeOf(rules, name);
    input.min = String(min);
    input.max = String(max);
  }
  controls.datasets.textContent = "";
  for (const dataset of [...rules.datasets.classification, ...rules.datasets.regression]) {
    controls.datasets.append(element("button", { class: "gg-dataset", "data-dataset": dataset, text: rules.labels[dataset] ?? dataset,
      onclick: () => change(view, { dataset: dataset }) }));
  }
}

/** A control shows a setting's value (a menu gets an option for a value it lacks); not while it has the focus.
    @param {HTMLSelectElement | HTMLInputElement} input @param {SettingValue} value */
function setControl(input, value) {
  if (document.activeElement === input) { return; }
  const text = String(value);
  if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === text)) {
    input.append(element("option", { value: text, text: text }));
  }
  input.value = text;
  const shown = input.parentElement && input.parentElement.querySelector(".gg-value");
  if (shown) { shown.textContent = text; }
}

/** The controls show the frame's settings. @param {View} view @param {Frame} frame */
function drawControls(view, frame) {
  const s = frame.settings, { controls, output, net } = view;
  for (const [name, input] of [...Object.entries(controls.selects), ...Object.entries(controls.sliders)]) {
    setControl(input, s[name] ?? "");
  }
  const classes = controls.selects["classes"];
  if (classes && classes.parentElement) { classes.parentElement.hidden = !frame.rules.multiclass.includes(s.dataset); }
  controls.datasets.querySelectorAll("button").forEach((b) =>
    b.classList.toggle("gg-selected", b.dataset["dataset"] === s.dataset));
  output.showTest.checked = s.showTestData;
  output.discretize.checked = s.discretize;
  /** @type {[string, string][]} */
  const wanted = frame.problem === "regression" ? [["1", "value 1"], ["-1", "value \u22121"]]
    : Array.from({ length: frame.classes }, (_, k) => [String(k), `class ${k}`]);
  if ([...output.pointClass.options].map((o) => o.value).join() !== wanted.map((w) => w[0]).join()) {
    fillSelect(output.pointClass, wanted);
  }
  net.addLayer.disabled = s.networkShape.length >= frame.rules.maxLayers;
  net.removeLayer.disabled = s.networkShape.length === 0;
}

/** The points as a CSV file (x1,x2,label). @param {Core} view */
function saveData(view) {
  const frame = view.frame;
  if (!frame) { return; }
  const rows = ["x1,x2,label", ...[...frame.train, ...frame.test].map((p) =>
    `${p[0]},${p[1]},${frame.problem === "regression" ? p[2] : Math.round(p[2])}`)];
  download(rows.join("\n") + "\n", "text/csv", "playground.csv");
}

/** A CSV file chosen by the user, sent unless larger than Python takes. @param {Core} view
    @param {HTMLInputElement} input */
async function loadCsv(view, input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file || !view.frame) { return; }
  const most = view.frame.rules.maxCsvBytes;
  if (file.size > most) {
    showError(view, `CSV: expected at most ${most.toLocaleString()} bytes, got ${file.size.toLocaleString()}`);
    return;
  }
  view.model.send({ type: "csv", text: await file.text() });
}

/* -- the network view --------------------------------------------------------------------------------------- */

/** The network column: add or remove layers, the drawing, the hint. @param {Core} view
    @returns {[NetworkView, HTMLElement]} */
function makeNetworkView(view) {
  const shape = (/** @type {(s: number[], rules: Rules) => number[]} */ edit) => () =>
    changeShape(view, (s) => view.frame ? edit(s, view.frame.rules) : s);
  /** @type {NetworkView} */
  const net = {
    network: element("div", { id: "network", class: "gg-network" }),
    addLayer: element("button", { id: "add-layer", title: "Add a hidden layer", text: "+",
      onclick: shape((s, rules) => s.length < rules.maxLayers ? [...s, Math.min(2, rules.maxNeurons)] : s) }),
    removeLayer: element("button", { id: "remove-layer", title: "Remove the last hidden layer", text: "\u2212",
      onclick: shape((s) => s.slice(0, -1)) }),
    layerCount: element("span", { class: "gg-layer-count" }),
    layerButtons: element("div", { class: "gg-layer-buttons" }),
    layoutKey: "", edges: {}, canvases: {},
  };
  const column = element("section", { class: "gg-column gg-net" }, [
    element("h2", {}, [net.addLayer, net.removeLayer, net.layerCount]), net.layerButtons, net.network,
    element("p", { class: "gg-hint", text: "Blue: positive, orange: negative; an edge is as wide as its weight. " +
      "Hover on an edge for its weight, click it to type a new one. Click a feature to switch it on or off." }),
  ]);
  return [net, column];
}

/** Where the drawing puts things: columns apart, rows apart, the inputs' column; and its size.
    @typedef {{columnGap: number, rowGap: number, left: number, rows: number, width: number, height: number}} Grid */

/** @param {Frame} frame @returns {Grid} */
function gridOf(frame) {
  const columnGap = 124, rowGap = 46, left = 80;  /* room for an example's numbers beside each neuron */
  const rows = Math.max(frame.rules.features.length, ...frame.layers.slice(1));
  const width = left + columnGap * (frame.layers.length - 1) + NODE + 84;  /* + the numbers beside the outputs */
  return { columnGap, rowGap, left, rows, width, height: rows * rowGap + 10 };
}

/** The top left corner of node j of `count` in column `col`. @param {Grid} grid @param {number} col
    @param {number} j @param {number} count @returns {[number, number]} */
function centre(grid, col, j, count) {
  return [grid.left + grid.columnGap * col, 5 + (grid.rows - count) * grid.rowGap / 2 + j * grid.rowGap];
}

/** The network laid out anew when its layers or features changed: inputs, neurons, edges, layer buttons.
    @param {View} view @param {Frame} frame */
function layoutNetwork(view, frame) {
  const net = view.net, key = JSON.stringify([frame.layers, frame.features]);
  if (key === net.layoutKey) { return; }
  net.layoutKey = key;
  net.network.textContent = "";
  net.edges = {};
  const grid = gridOf(frame);
  net.network.style.width = `${grid.width}px`;
  net.network.style.height = `${grid.height}px`;
  const svg = svgElement("svg", { width: grid.width, height: grid.height, class: "gg-edges" });
  net.network.append(svg);
  /** @type {Record<string, [number, number]>} "L.j" → the node's top left corner (inputs: those on) */
  const nodes = layoutInputs(view, frame, grid);
  for (let L = 1; L < frame.layers.length; L++) {
    for (let j = 0; j < frame.layers[L]; j++) {
      nodes[unitKey(L, j)] = layoutNeuron(view, frame, centre(grid, L, j, frame.layers[L]), L, j);
      layoutEdges(view, svg, nodes, frame.layers[L - 1], L, j);
    }
  }
  layoutLayerButtons(view, frame, grid);
}

/** The inputs: every feature, on or off; the network takes those that are on, in this order.
    @param {View} view @param {Frame} frame @param {Grid} grid @returns {Record<string, [number, number]>} */
function layoutInputs(view, frame, grid) {
  /** @type {Record<string, [number, number]>} */
  const nodes = {}, on = frame.features, all = frame.rules.features;
  all.forEach((name, row) => {
    const [x, y] = centre(grid, 0, row, all.length), text = featureLabel(name), active = on.includes(name);
    const canvas = element("canvas", { width: NODE, height: NODE });
    const node = element("div", { class: `gg-node gg-feature${active ? "" : " gg-off"}`, "data-feature": name,
      title: `${text}: click to switch ${active ? "off" : "on"}`, style: `left:${x}px;top:${y}px` }, [canvas]);
    node.addEventListener("click", () => change(view, { [name]: active ? "false" : "true" }));
    view.net.network.append(node, element("div", { class: "gg-feature-name", text: text,
      style: `left:${x - 74}px;top:${y + NODE / 2 - 8}px` }));
    view.net.canvases[`feature:${name}`] = canvas;
    if (active) { nodes[unitKey(0, on.indexOf(name))] = [x, y]; }
  });
  return nodes;
}

/** A unit's key as the page and the server write it: "L.j", layer L (the inputs are layer 0) and unit j, both as
    the lecture counts them (j from 1); `j` here is the unit's index, from 0. @param {number} L @param {number} j */
function unitKey(L, j) { return `${L}.${j + 1}`; }

/** Neuron j of layer L: a node that shows its map, its bias on hover, and opens on a click.
    @param {View} view @param {Frame} frame @param {[number, number]} at @param {number} L @param {number} j */
function layoutNeuron(view, frame, at, L, j) {
  const [x, y] = at, canvas = element("canvas", { width: NODE, height: NODE });
  const output = L === frame.layers.length - 1;
  const node = element("div", { class: `gg-node${output ? " gg-output-node" : ""}`, "data-neuron": unitKey(L, j),
    style: `left:${x}px;top:${y}px` }, [canvas]);
  node.addEventListener("mouseenter", (e) => showNeuron(view, e, L, j));
  node.addEventListener("click", () => view.model.send({ type: "open-neuron", neuron: unitKey(L, j) }));
  node.addEventListener("mouseleave", () => { view.tooltip.hidden = true; });
  view.net.network.append(node);
  view.net.canvases[`neuron:${unitKey(L, j)}`] = canvas;
  return at;
}

/** The edges into neuron j of layer L from the `count` nodes of layer L-1: a path drawn, a wider one to point at.
    @param {View} view @param {SVGSVGElement} svg @param {Record<string, [number, number]>} nodes
    @param {number} count @param {number} L @param {number} j */
function layoutEdges(view, svg, nodes, count, L, j) {
  const to = nodes[unitKey(L, j)];
  for (let i = 0; i < count; i++) {
    const from = nodes[unitKey(L - 1, i)];
    if (!from || !to) { continue; }
    const [x0, y0] = [from[0] + NODE, from[1] + NODE / 2], [x1, y1] = [to[0], to[1] + NODE / 2];
    const mid = (x0 + x1) / 2;
    const d = `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}`;
    const path = svgElement("path", { d: d, class: "gg-edge", "data-edge": `${unitKey(L, j)}.${i + 1}` });
    const hit = svgElement("path", { d: d, class: "gg-edge-hit" });
    const name = `layers.${L - 1}.neurons.${j}.w.${i}`;
    hit.addEventListener("mouseenter", (e) => showWeight(view, e, name));
    hit.addEventListener("mousemove", (e) => moveTooltip(view, e));
    hit.addEventListener("mouseleave", () => { view.tooltip.hidden = true; });
    hit.addEventListener("click", (e) => editWeight(view, e, name));
    svg.append(path, hit);
    view.net.edges[`${unitKey(L, j)}.${i + 1}`] = [path, name];
  }
}

/** Buttons over each hidden layer: more or fewer neurons (within Python's cap); the count of hidden layers.
    @param {View} view @param {Frame} frame @param {Grid} grid */
function layoutLayerButtons(view, frame, grid) {
  const { layerButtons, layerCount } = view.net, shape = frame.settings.networkShape;
  layerButtons.textContent = "";
  layerButtons.style.width = `${grid.width}px`;
  shape.forEach((n, h) => {
    const x = grid.left + grid.columnGap * (h + 1) + NODE / 2;
    const edit = (/** @type {number} */ delta) => changeShape(view, (s) => s.map((v, k) =>
      k === h ? Math.max(1, Math.min(frame.rules.maxNeurons, v + delta)) : v));
    layerButtons.append(element("div", { class: "gg-layer-edit", style: `left:${x - 36}px` }, [
      element("button", { class: "gg-add-neuron", "data-layer": h + 1, title: "Add a neuron", text: "+",
        onclick: () => edit(1) }),
      element("button", { class: "gg-remove-neuron", "data-layer": h + 1, title: "Remove a neuron", text: "\u2212",
        onclick: () => edit(-1) }),
      element("div", { class: "gg-layer-size", text: counted(n, "neuron") }),
    ]));
  });
  layerCount.textContent = ` ${counted(shape.length, "hidden layer")}`;
}

/** The network drawn for the frame: edges by weight (or by gradient), each neuron's numbers, every node's map.
    @param {View} view @param {Frame} frame */
function drawNetwork(view, frame) {
  layoutNetwork(view, frame);
  drawEdges(view.net, frame, view.glass.gradientView.checked);
  drawNeurons(view.net, frame);
  const crisp = frame.settings.discretize;
  if (!frame.maps) { return; }
  for (const [name, map] of Object.entries(frame.maps.features)) {
    const canvas = view.net.canvases[`feature:${name}`];
    if (canvas) { paintMap(canvas, map, "value", crisp); }
  }
  for (const [key, map] of Object.entries(frame.maps.neurons)) {
    const canvas = view.net.canvases[`neuron:${key}`];
    if (canvas) { paintMap(canvas, map, "value", crisp); }
  }
}

/** Each edge coloured by its weight's sign and as wide as the weight, or in the gradient view by ∂C/∂w of the
    last batch. @param {NetworkView} net @param {Frame} frame @param {boolean} gradientView */
function drawEdges(net, frame, gradientView) {
  const p = frame.parameters, g = frame.gradients || {}, byGradient = gradientView && !!frame.gradients;
  const largest = byGradient ? Math.max(1e-300, ...Object.values(g).map((v) => Math.abs(v || 0))) : 1;
  for (const [path, name] of Object.values(net.edges)) {
    const w = p[name], v = byGradient ? g[name] : w;
    const width = byGradient ? 0.5 + 7.5 * Math.abs(v || 0) / largest : Math.min(8, Math.abs(w || 0) * 2);
    const none = v === null || v === undefined;
    path.setAttribute("stroke", none ? "#bbb" : `rgb(${diverging(Math.sign(v)).join(",")})`);
    path.setAttribute("stroke-width", String(none ? 1 : Math.max(0.5, width)));
    path.dataset["weight"] = w === null || w === undefined ? "" : String(w);
    const gradient = g[name];
    path.dataset["gradient"] = gradient === null || gradient === undefined ? "" : String(gradient);
  }
}

/** Each neuron: opened, where training diverged, and the chosen example's a and ∂C/∂z beside it.
    @param {NetworkView} net @param {Frame} frame */
function drawNeurons(net, frame) {
  const passed = frame.example, opened = frame.selected.neuron, bad = frame.divergence && frame.divergence.neuron;
  net.network.querySelectorAll("[data-neuron]").forEach((node) => {
    const key = /** @type {HTMLElement} */ (node).dataset["neuron"] ?? "", numbers = passed && passed.neurons[key];
    node.classList.toggle("gg-opened", key === opened);
    node.classList.toggle("gg-diverged", key === bad);
    let label = node.querySelector(".gg-numbers");
    if (!numbers) { if (label) { label.remove(); } return; }
    if (!label) { label = element("div", { class: "gg-numbers" }); node.append(label); }
    label.textContent = `a ${format4(numbers.a)}\n\u2202C/\u2202z ${format4(numbers.dz)}`;
  });
}

/** @param {Core} view @param {MouseEvent} e */
function moveTooltip(view, e) {
  const box = view.root.getBoundingClientRect();
  view.tooltip.style.left = `${e.clientX - box.left + 12}px`;
  view.tooltip.style.top = `${e.clientY - box.top + 12}px`;
}

/** @param {Core} view @param {MouseEvent} e @param {string} text */
function showTooltip(view, e, text) {
  view.tooltip.textContent = text;
  view.tooltip.hidden = false;
  moveTooltip(view, e);
}

/** @param {Core} view @param {MouseEvent} e @param {string} name a weight's name */
function showWeight(view, e, name) {
  const w = view.frame ? view.frame.parameters[name] : null;
  const shown = w === null || w === undefined ? "not a finite number" : w.toPrecision(4);
  showTooltip(view, e, `${name} = ${shown}  (click to change)`);
}

/** @param {Core} view @param {MouseEvent} e @param {number} L @param {number} j */
function showNeuron(view, e, L, j) {
  const b = view.frame ? view.frame.parameters[`layers.${L - 1}.neurons.${j}.b`] : null;
  showTooltip(view, e, `neuron ${unitKey(L, j)}: bias ${b === null || b === undefined ? "not finite" : b.toPrecision(4)}`);
}

/** A box to type a weight's new value in, where the edge was clicked; Enter sends it, Escape or a click away
    drops it. @param {Core} view @param {MouseEvent} e @param {string} name */
function editWeight(view, e, name) {
  view.tooltip.hidden = true;
  view.root.querySelectorAll(".gg-weight-editor").forEach((x) => x.remove());
  const input = element("input", { type: "text", class: "gg-weight-editor", id: "weight-editor",
    "aria-label": `new value of ${name}`, value: String(view.frame ? view.frame.parameters[name] : "") });
  const box = view.root.getBoundingClientRect();
  input.style.left = `${e.clientX - box.left}px`;
  input.style.top = `${e.clientY - box.top}px`;
  input.addEventListener("keydown", (k) => {
    if (k.key === "Enter") { view.model.send({ type: "weight", name: name, value: input.value.trim() }); input.blur(); }
    if (k.key === "Escape") { input.blur(); }  /* the blur handler removes it */
  });
  input.addEventListener("blur", () => input.remove());
  view.root.append(input);
  input.focus();
  input.select();
}

/* -- the maps: the output's decision map with the points, and every node's small map ----------------------- */

/** A value's colour on a map of its kind. @param {number | null} v @param {MapKind} kind @param {boolean} crisp
    @param {number} m the largest |value| of the map @returns {number[]} */
function colourOf(v, kind, crisp, m) {
  if (v === null) { return [200, 200, 200]; }
  if (kind === "probability") { return diverging(crisp ? (v > 0.5 ? 1 : -1) : 2 * v - 1); }
  if (kind === "classes") { return mix(WHITE, classColour(v), crisp ? 0.75 : 0.55); }
  return diverging(crisp ? Math.sign(v) : v / m);
}

/** The value at a pixel's place in the grid: interpolated between the cells around it (bilinear), or the
    nearest cell's (class numbers). @param {(number | null)[]} values @param {number} n cells a side
    @param {number} gy @param {number} gx the place in cells @param {boolean} nearest */
function sample(values, n, gy, gx, nearest) {
  const r0 = Math.floor(gy), r1 = Math.min(n - 1, r0 + 1), fy = gy - r0;
  const c0 = Math.floor(gx), c1 = Math.min(n - 1, c0 + 1), fx = gx - c0;
  const at = (/** @type {number} */ r, /** @type {number} */ c) => values[r * n + c];
  if (nearest) { return at(fy < 0.5 ? r0 : r1, fx < 0.5 ? c0 : c1); }
  const a = at(r0, c0), b = at(r0, c1), c = at(r1, c0), d = at(r1, c1);
  return a === null || b === null || c === null || d === null ? null
    : (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/** A map on a canvas, a pixel at a time: values interpolated between the grid's cells, then coloured, so a
    boundary is smooth however coarse the grid; `fade` (0..1) lightens it towards white, so that points drawn
    on it stand out. @param {HTMLCanvasElement} canvas @param {MapData} map @param {MapKind} kind
    @param {boolean} crisp @param {number} [fade] */
function paintMap(canvas, map, kind, crisp, fade = 0) {
  const ctx = canvas.getContext("2d");
  if (!ctx) { return; }
  const values = decode(map), n = Math.round(Math.sqrt(values.length));
  const W = canvas.width, H = canvas.height, image = ctx.createImageData(W, H);
  const m = Math.max(Math.abs(map.lo), Math.abs(map.hi)) || 1;
  for (let py = 0; py < H; py++) {
    const gy = Math.min(n - 1, Math.max(0, (py + 0.5) / H * n - 0.5));
    for (let px = 0; px < W; px++) {
      const gx = Math.min(n - 1, Math.max(0, (px + 0.5) / W * n - 0.5));
      let rgb = colourOf(sample(values, n, gy, gx, kind === "classes"), kind, crisp, m);
      if (fade) { rgb = mix(rgb, WHITE, fade); }
      image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * (py * W + px));
    }
  }
  ctx.putImageData(image, 0, 0);
}

/** @param {Frame} frame @param {number} label */
function pointColour(frame, label) {
  if (frame.problem === "regression") {
    const m = Math.max(1, ...frame.train.map((p) => Math.abs(p[2])));
    return `rgb(${diverging(label / m).join(",")})`;
  }
  return `rgb(${classColour(label).join(",")})`;
}

/** A point of the plane on the canvas. @param {Maps} maps @param {HTMLCanvasElement} canvas @param {number} x1
    @param {number} x2 @returns {[number, number]} */
function toCanvas(maps, canvas, x1, x2) {
  const [a, b, c, d] = maps.extent;
  return [(x1 - a) / (b - a) * canvas.width, (d - x2) / (d - c) * canvas.height];
}

/** The output's map, the points on it (test points with a dark ring) and a ring around the chosen example.
    @param {OutputView} output @param {Frame} frame @param {Maps} maps */
function drawBoundary(output, frame, maps) {
  const s = frame.settings, canvas = output.boundary;
  paintMap(canvas, maps.output, maps.output.kind, s.discretize, 0.4);
  const ctx = canvas.getContext("2d");
  if (!ctx) { return; }
  const ring = (/** @type {Point} */ p, /** @type {number} */ radius) => {
    const [x, y] = toCanvas(maps, canvas, p[0], p[1]);
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, 2 * Math.PI);
  };
  const draw = (/** @type {Point[]} */ list, /** @type {boolean} */ test) => {
    for (const p of list) {
      ring(p, 3.2);
      ctx.fillStyle = pointColour(frame, p[2]);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = test ? "#222" : "#fff";  /* test points: a dark ring */
      ctx.stroke();
    }
  };
  draw(frame.train, false);
  if (s.showTestData) { draw(frame.test, true); }
  const chosen = frame.selected.example;
  const p = chosen && (chosen[0] === "train" ? frame.train : frame.test)[chosen[1]];
  if (p) {  /* the chosen example: a ring around it */
    ring(p, 8);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#111";
    ctx.stroke();
  }
  const [a, b, c, d] = maps.extent;
  output.axes.textContent = `x\u2081 from ${a.toFixed(1)} to ${b.toFixed(1)}, ` +
    `x\u2082 from ${c.toFixed(1)} to ${d.toFixed(1)}`;
}

/** The point shown within a few pixels of (px, py) on the map, nearest first: [part, index], or null.
    @param {Frame} frame @param {Maps} maps @param {HTMLCanvasElement} canvas @param {number} px @param {number} py
    @returns {[Part, number] | null} */
function nearestPoint(frame, maps, canvas, px, py) {
  /** @type {[Part, number] | null} */
  let best = null, distance = 6;  /* pixels */
  /** @type {[Part, Point[]][]} */
  const shown = [["train", frame.train], ["test", frame.settings.showTestData ? frame.test : []]];
  for (const [part, list] of shown) {
    list.forEach((p, i) => {
      const [x, y] = toCanvas(maps, canvas, p[0], p[1]), d = Math.hypot(x - px, y - py);
      if (d <= distance) { best = [part, i]; distance = d; }
    });
  }
  return best;
}

/** A click on the map: on a point, it is the example; elsewhere a new point of the chosen class; with shift, the
    points near it go. @param {View} view @param {MouseEvent} e */
function clickMap(view, e) {
  const frame = view.frame, canvas = view.output.boundary;
  if (!frame || !frame.maps) { return; }
  const r = canvas.getBoundingClientRect(), [a, b, c, d] = frame.maps.extent;
  const x1 = a + (e.clientX - r.left) / r.width * (b - a), x2 = d - (e.clientY - r.top) / r.height * (d - c);
  const near = nearestPoint(frame, frame.maps, canvas, e.clientX - r.left, e.clientY - r.top);
  if (e.shiftKey) {
    view.model.send({ type: "remove-point", x1: x1, x2: x2, radius: (b - a) / 30 });
  } else if (near) {  /* a click on a point picks it as the example */
    view.model.send({ type: "select-example", part: near[0], index: near[1] });
  } else {
    view.model.send({ type: "add-point", x1: x1, x2: x2, label: Number(view.output.pointClass.value) });
  }
}

/* -- the output column and the loss chart -------------------------------------------------------------------- */

/** The output column: the losses, the chart, the map and its options. @param {Core} view
    @returns {[OutputView, HTMLElement]} */
function makeOutput(view) {
  /** @type {OutputView} */
  const out = {
    trainLoss: element("span", { id: "train-loss", text: "\u2014" }),
    testLoss: element("span", { id: "test-loss", text: "\u2014" }),
    trainAcc: element("span", { class: "gg-acc" }), testAcc: element("span", { class: "gg-acc" }),
    chart: element("canvas", { id: "loss-chart", width: 300, height: 70 }),
    boundary: element("canvas", { id: "boundary", width: 300, height: 300,
      title: "Click: add a point of the chosen class; shift-click: remove the nearest point" }),
    axes: element("div", { class: "gg-axes" }),
    showTest: element("input", { type: "checkbox", id: "showTestData" }),
    discretize: element("input", { type: "checkbox", id: "discretize" }),
    pointClass: element("select", { id: "point-class", "aria-label": "Class of a new point" }),
  };
  for (const box of [out.showTest, out.discretize]) {
    box.addEventListener("change", () => change(view, { [box.id]: box.checked ? "true" : "false" }));
  }
  const column = element("section", { class: "gg-column gg-output" }, [
    element("h2", { text: "Output" }),
    element("div", { class: "gg-losses" }, [
      element("div", {}, [element("span", { text: "Test loss " }), out.testLoss, out.testAcc]),
      element("div", {}, [element("span", { text: "Training loss " }), out.trainLoss, out.trainAcc]),
    ]),
    out.chart,
    element("div", { class: "gg-boundary" }, [out.boundary, out.axes]),
    element("div", { class: "gg-row" }, [
      element("label", {}, [out.showTest, element("span", { text: " Show test data" })]),
      element("label", {}, [out.discretize, element("span", { text: " Discretize output" })]),
    ]),
    element("div", { class: "gg-row" }, [element("label", {}, [element("span", { text: "New point: " }),
      out.pointClass]), element("span", { class: "gg-hint", text: "click to add, shift-click to remove" })]),
  ]);
  return [out, column];
}

/** The losses and accuracies. @param {OutputView} out @param {Frame} frame */
function drawLosses(out, frame) {
  const accuracy = (/** @type {number | null} */ a) => a === null ? "" : ` (accuracy ${(100 * a).toFixed(1)}%)`;
  out.trainLoss.textContent = format(frame.train_loss);
  out.testLoss.textContent = format(frame.test_loss);
  out.trainAcc.textContent = accuracy(frame.train_accuracy);
  out.testAcc.textContent = accuracy(frame.test_accuracy);
}

/** The loss per epoch, training and test, with the epoch the timeline shows marked.
    @param {HTMLCanvasElement} chart @param {Frame} frame */
function drawChart(chart, frame) {
  const ctx = chart.getContext("2d"), h = frame.history, W = chart.width, H = chart.height;
  if (!ctx) { return; }
  ctx.clearRect(0, 0, W, H);
  const values = h.flatMap((e) => [e[1], e[2]]).filter((v) => v !== null);
  const lastEntry = h[h.length - 1];
  if (h.length < 2 || !values.length || !lastEntry) { return; }
  const top = Math.max(...values), last = lastEntry[0] || 1;
  chartLabels(ctx, W, H, top, last);
  const viewing = frame.timeline ? frame.timeline.viewing : null;
  if (viewing !== null) {  /* the epoch the timeline shows */
    const x = viewing / last * (W - 2) + 1;
    ctx.fillStyle = "#c0392b";
    ctx.fillRect(x - 1, 0, 2, H);
    chart.dataset["marker"] = String(viewing);
  } else { delete chart.dataset["marker"]; }
  for (const [col, colour] of /** @type {[1 | 2, string][]} */ ([[1, "#333"], [2, "#999"]])) {
    ctx.beginPath();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    let started = false;
    for (const e of h) {
      const v = e[col];
      if (v === null) { started = false; continue; }
      const x = e[0] / last * (W - 2) + 1, y = H - 2 - (v / (top || 1)) * (H - 4);
      if (started) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); started = true; }
    }
    ctx.stroke();
  }
}

/** @param {CanvasRenderingContext2D} ctx @param {number} W @param {number} H @param {number} top the largest
    loss @param {number} last the last epoch */
function chartLabels(ctx, W, H, top, last) {
  ctx.font = "10px 'DejaVu Sans', sans-serif";
  ctx.fillStyle = "#555";
  ctx.fillText(`loss ${format(top)}`, 2, 10);
  ctx.fillText("0", 2, H - 3);
  ctx.fillText(`epoch ${last}`, W - 4 - ctx.measureText(`epoch ${last}`).width, H - 3);
  ctx.fillStyle = "#333";
  ctx.fillText("\u2014 training", W - 128, 10);
  ctx.fillStyle = "#999";
  ctx.fillText("\u2014 test", W - 52, 10);
}

/* -- the glass box: an example, a neuron, the gradients, the epochs, where it went wrong, take it away -------- */

/** The glass box's column and the neuron's panel. @param {Core} view @returns {[GlassView, HTMLElement]} */
function makeGlass(view) {
  /** @type {GlassView} */
  const glass = {
    gradientView: element("input", { type: "checkbox", id: "gradient-view" }),
    timeline: element("input", { type: "range", id: "timeline", min: 0, max: 0, step: 1, value: 0,
      "aria-label": "the epoch shown" }),
    timelineText: element("span", { class: "gg-timeline-text" }),
    continueButton: element("button", { id: "continue", text: "Continue from here",
      title: "Train on from the epoch shown (later epochs are dropped; the optimizer starts anew)",
      onclick: () => view.model.send({ type: "continue" }) }),
    examplePart: element("select", { id: "example-part", "aria-label": "training or test example" }, [
      element("option", { value: "train", text: "training" }), element("option", { value: "test", text: "test" })]),
    exampleIndex: element("input", { type: "number", id: "example-index", min: 0, value: 0,
      "aria-label": "example number" }),
    exampleText: element("div", { class: "gg-example-text", id: "example-text" }),
    divergence: element("div", { id: "divergence", class: "gg-message gg-divergence", role: "alert" }),
    panel: element("section", { id: "neuron-panel", class: "gg-column gg-panel" }),
    panelKey: "",
  };
  glass.divergence.hidden = true;
  glass.panel.hidden = true;
  wireGlass(view, glass);
  const exportButton = (/** @type {string} */ id, /** @type {"model" | "code"} */ what, /** @type {string} */ text,
    /** @type {string} */ title) => element("button", { id: id, text: text, title: title,
    onclick: () => view.model.send({ type: "export", what: what }) });
  const column = element("section", { class: "gg-column gg-glass" }, [
    element("h2", { text: "Glass box" }),
    element("label", { class: "gg-row" }, [glass.gradientView,
      element("span", { text: " Gradient view: edges by ∂C/∂w of the last batch" })]),
    element("div", { class: "gg-row" }, [element("span", { text: "Epochs trained: " }), glass.timeline,
      glass.timelineText, glass.continueButton]),
    element("div", { class: "gg-row" }, [element("span", { text: "Example: " }), glass.examplePart,
      glass.exampleIndex,
      element("span", { class: "gg-hint", text: "or click a point on the map; then click a neuron" })]),
    glass.exampleText,
    element("div", { class: "gg-row" }, [
      exportButton("save-model", "model", "Save model", "The JSON that MLP.load reads"),
      exportButton("copy-code", "code", "Copy code", "Python and the glassgrad train command")]),
  ]);
  return [glass, column];
}

/** The timeline's and the example picker's listeners. @param {Core} view @param {GlassView} glass */
function wireGlass(view, glass) {
  const epochAt = () => {
    const epochs = view.frame ? view.frame.timeline.epochs : [];
    return epochs[Number(glass.timeline.value)];
  };
  glass.timeline.addEventListener("change", () => {
    const epoch = epochAt();
    if (epoch !== undefined) { view.model.send({ type: "view-epoch", epoch: epoch }); }
  });
  glass.timeline.addEventListener("input", () => { glass.timelineText.textContent = `epoch ${epochAt()}`; });
  const pickExample = () => view.model.send({ type: "select-example",
    part: glass.examplePart.value === "test" ? "test" : "train", index: Number(glass.exampleIndex.value) });
  glass.exampleIndex.addEventListener("change", pickExample);
  glass.examplePart.addEventListener("change", pickExample);
}

/** The glass box for the frame: the timeline, a divergence, the chosen example, the opened neuron.
    @param {GlassView} glass @param {Frame} frame @param {Model} model */
function drawGlass(glass, frame, model) {
  const t = frame.timeline, k = t.viewing === null ? t.epochs.length - 1 : t.epochs.indexOf(t.viewing);
  glass.timeline.max = String(Math.max(0, t.epochs.length - 1));
  if (document.activeElement !== glass.timeline) { glass.timeline.value = String(k); }
  glass.timelineText.textContent = t.viewing === null ? `epoch ${frame.epoch} (now)` : `epoch ${t.viewing}`;
  glass.continueButton.hidden = t.viewing === null;
  glass.divergence.hidden = !frame.divergence;
  glass.divergence.textContent = frame.divergence ? `${frame.divergence.title} ${frame.divergence.message}` : "";
  const ex = frame.example;
  glass.exampleText.textContent = ex ? `${ex.part === "train" ? "training" : "test"} example ${ex.index}: inputs ` +
    `(${ex.inputs.map(format4).join(", ")}), loss C = ${format4(ex.loss)}; each neuron shows a and \u2202C/\u2202z`
    : (frame.playing ? "" : "no example chosen");
  if (ex && document.activeElement !== glass.exampleIndex) {
    glass.exampleIndex.value = String(ex.index);
    glass.examplePart.value = ex.part;
  }
  drawPanel(glass, frame, model);
}

/** The opened neuron's panel: the lecture's identity ∂C/∂w = a · ∂C/∂z row by row, the step-through buttons and
    its graph; drawn anew only when what it shows changed. @param {GlassView} glass @param {Frame} frame
    @param {Model} model */
function drawPanel(glass, frame, model) {
  const p = frame.panel, panel = glass.panel;
  panel.hidden = !p;
  if (!p) { glass.panelKey = ""; return; }
  const key = JSON.stringify([p.neuron, p.rows, frame.selected.example]);
  if (key === glass.panelKey) { return; }
  glass.panelKey = key;
  panel.textContent = "";
  const figure = element("div", { class: "gg-panel-graph" });
  figure.innerHTML = p.svg;  /* drawn by viz.draw_graph from the engine's numbers */
  const stepButton = (/** @type {"neuron" | "example"} */ scope, /** @type {string} */ text) => element("button", {
    class: "gg-steps-button", "data-scope": scope, text: text,
    onclick: () => model.send({ type: "export", what: "steps", scope: scope }) });
  panel.append(
    element("h2", {}, [element("span", { text: `Neuron ${p.neuron}: z = ${format4(p.z)}, a = ${format4(p.a)}, ` +
      `\u2202C/\u2202z = ${format4(p.dz)}` }),
    element("button", { class: "gg-close", text: "Close", onclick: () => model.send({ type: "close-neuron" }) })]),
    element("p", { class: "gg-hint", text: "The lecture's identity, each number from the engine: the weight's " +
      "gradient is its input a times the neuron's \u2202C/\u2202z." }),
    element("table", { class: "gg-identity" }, identityRows(p)),
    element("div", { class: "gg-row" }, [stepButton("neuron", "Step through this neuron"),
      stepButton("example", "Step through the whole example")]),
    element("div", { class: "gg-steps" }), figure);
}

/** A row per weight, ∂C/∂wᵢ = aᵢ · ∂C/∂z with the numbers, and one for the bias. @param {Panel} p */
function identityRows(p) {
  const rows = p.rows.map((r) => element("tr", { "data-weight": r.name }, [
    element("td", { text: `\u2202C/\u2202${r.name.split(".").slice(-2).join("")}` }),
    element("td", { text: `= ${r.input} \u00b7 \u2202C/\u2202z` }),
    element("td", { class: "gg-a", text: `= (${format4(r.a)})` }),
    element("td", { class: "gg-dz", text: `\u00d7 (${format4(r.dz)})` }),
    element("td", { class: "gg-grad", text: `= ${format4(r.grad)}` }),
  ]));
  rows.push(element("tr", { "data-weight": p.bias.name }, [element("td", { text: "\u2202C/\u2202b" }),
    element("td", { text: "= \u2202C/\u2202z" }), element("td"), element("td"),
    element("td", { class: "gg-grad", text: `= ${format4(p.bias.grad)}` })]));
  return rows;
}

/** What an export answered: the step-through in the panel, the code in a box (and on the clipboard), or a file.
    @param {GlassView} glass @param {Export} out */
function handleExport(glass, out) {
  if (out.what === "steps") {
    const steps = glass.panel.querySelector(".gg-steps");
    if (!steps) { return; }
    steps.textContent = "";
    steps.append(element("iframe", { class: "gg-steps-frame", title: "backward pass, step by step",
      srcdoc: out.text }));
    return;
  }
  if (out.what === "code") {
    const box = element("textarea", { class: "gg-code", id: "code-text", readonly: "readonly", rows: 12 });
    box.value = out.text;
    glass.exampleText.after(box);
    box.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(out.text).catch(() => {}); }
    return;
  }
  download(out.text, "application/json", out.filename);
}

/* -- the frame loop ------------------------------------------------------------------------------------------ */

/** Everything drawn for the newest frame (once an animation frame). @param {View} view */
function draw(view) {
  view.busy = false;
  const frame = view.frame;
  if (!frame) { return; }
  const { controls, output, root } = view;
  applyRules(view, controls, frame.rules);
  controls.play.textContent = frame.playing ? "\u275a\u275a Pause" : "\u25b6 Play";
  controls.play.setAttribute("aria-pressed", frame.playing ? "true" : "false");
  controls.epoch.textContent = String(frame.epoch);
  drawLosses(output, frame);
  drawControls(view, frame);
  drawNetwork(view, frame);
  if (frame.maps) { drawBoundary(output, frame, frame.maps); }
  if (output.boundary.parentElement) { output.boundary.parentElement.hidden = !frame.maps; }
  drawChart(output.chart, frame);
  drawGlass(view.glass, frame, view.model);
  root.dataset["step"] = String(frame.step);
  root.dataset["drawn"] = String(Number(root.dataset["drawn"] || 0) + 1);  /* frames drawn: the page's update count */
}

/** The model's newest frame, completed with what earlier frames kept; drawn at the next animation frame.
    @param {View} view */
function take(view) {
  const next = view.model.get("frame");
  if (!next) { return; }
  const kept = view.kept;
  if (next.train && next.test) { kept.train = next.train; kept.test = next.test; }
  if (next.rules) { kept.rules = next.rules; }
  if ("maps" in next && next.maps !== undefined) { kept.maps = next.maps; }
  if (!("maps" in next) && !view.frame) { return; }  /* a message's answer while playing: maps follow */
  const { train, test, rules, maps } = kept;
  if (!train || !test || !rules || maps === undefined) { return; }
  const out = next.export;
  delete next.export;  /* handled once, also when the frame is read again */
  view.frame = Object.assign({}, next, { train, test, rules, maps });
  if (out) { handleExport(view.glass, out); }
  if (!view.busy) { view.busy = true; requestAnimationFrame(() => draw(view)); }
}

/** The playground drawn into `el`, kept in step with `model`; returns what removes it.
    @param {{model: Model, el: HTMLElement}} where */
function render({ model, el }) {
  const root = element("div", { class: "gg-playground" });
  el.append(root);
  /** @type {Core} */
  const core = { model, root, frame: null, kept: {}, busy: false, rulesKey: "", source: null,
    tooltip: element("div", { class: "gg-tooltip" }),
    message: element("div", { id: "message", class: "gg-message", role: "alert" }) };
  core.model = noting(model, core);
  core.tooltip.hidden = true;
  core.message.hidden = true;
  const [controls, top, data] = makeControls(core), [net, network] = makeNetworkView(core);
  const [output, outputColumn] = makeOutput(core), [glass, glassColumn] = makeGlass(core);
  const view = Object.assign(core, { controls, net, output, glass });
  glass.gradientView.addEventListener("change", () => { if (view.frame) { drawNetwork(view, view.frame); } });
  output.boundary.addEventListener("click", (e) => clickMap(view, e));
  root.append(top, core.message, glass.divergence,
    element("div", { class: "gg-main" }, [data, network, outputColumn, glassColumn]), glass.panel, core.tooltip);
  model.on("change:frame", () => take(view));
  model.on("change:error", () => showError(view, model.get("error") || ""));
  take(view);
  showError(view, model.get("error") || "");
  return () => { root.remove(); };
}

/* -- the server's model -------------------------------------------------------------------------------------- */

/** The model interface over the playground's server: commands by POST, frames by server-sent events, and the
    settings kept in the page's URL hash (a link reproduces the run). @param {string} token
    @returns {Promise<Model>} */
export async function serverModel(token) {
  /** @type {Traits} */
  const values = { frame: null, error: "" };
  /** @type {Record<string, (() => void)[]>} */
  const listeners = {};
  /** @type {Setter} */
  const set = (name, value) => {
    values[name] = value;
    for (const f of listeners[`change:${name}`] || []) { f(); }
  };
  let session = "";  /* this page's run, named in every request once the server has made it */
  const api = (/** @type {string} */ path) => `${path}${path.includes("?") ? "&" : "?"}token=` +
    `${encodeURIComponent(token)}${session ? `&session=${encodeURIComponent(session)}` : ""}`;
  let queue = Promise.resolve();  /* one command at a time: each waits for the answer to the one before */
  const send = (/** @type {Message} */ message) => {
    queue = queue.then(() => command(api("api/command"), token, message, set));
  };
  /** @type {Model} */
  const model = {
    get: (name) => values[name],
    on: (event, callback) => { (listeners[event] = listeners[event] || []).push(callback); },
    send: send,
  };
  const [hash, bad] = linkSettings(location.hash);
  const started = await startRun(api("api/session"), token, hash);
  session = started.session;
  if (started.error || bad) { set("error", `The link's settings were not applied: ${started.error || bad}`); }
  else if (started.notices.length) { set("error", `From the link: ${started.notices.join("; ")}`); }
  set("frame", started.frame);
  const keepHash = () => {
    const f = values.frame;
    if (f && f.hash && location.hash.replace(/^#/, "") !== f.hash) { history.replaceState(null, "", `#${f.hash}`); }
  };
  model.on("change:frame", keepHash);
  keepHash();
  const events = new EventSource(api("api/events"));
  events.addEventListener("frame", (e) => set("frame", JSON.parse(/** @type {MessageEvent<string>} */ (e).data)));
  return model;
}

/** This page's own run, started on the server from the link's settings (its hash text): the run's id, its first
    frame, what the link said that means nothing here, and why the link's settings were not applied (then the run
    has the defaults). @param {string} url @param {string} token @param {string} hash
    @returns {Promise<{session: string, frame: Incoming, notices: string[], error: string}>} */
async function startRun(url, token, hash) {
  const post = async (/** @type {string} */ text) => {
    const response = await fetch(url, { method: "POST", body: JSON.stringify({ hash: text }),
      headers: { "Content-Type": "application/json", "X-Glassgrad-Token": token } });
    return [response.ok, await response.json()];
  };
  let [ok, answer] = await post(hash);
  let error = "";
  if (!ok) {
    error = answer.error || "the server refused them";
    [ok, answer] = await post("");
  }
  return { session: answer.session, frame: answer, notices: answer.notices || [], error: error };
}

/** The settings text of a link's hash (``#dataset=xor&...``), decoded, and "" when it cannot be: then also why.
    @param {string} hash @returns {[string, string]} */
function linkSettings(hash) {
  const text = hash.replace(/^#/, "");
  try {
    return [decodeURIComponent(text), ""];
  } catch (error) {
    return ["", `its text after # is not a valid link (${error instanceof Error ? error.message : String(error)})`];
  }
}

/** A message POSTed to the server: its answer is the new frame, or an error.
    @param {string} url @param {string} token @param {Message} message
    @param {Setter} set */
async function command(url, token, message, set) {
  let answer;
  try {
    const response = await fetch(url, { method: "POST", body: JSON.stringify(message),
      headers: { "Content-Type": "application/json", "X-Glassgrad-Token": token } });
    answer = await response.json();
    if (!response.ok) { set("error", answer.error || `the server answered ${response.status}`); return; }
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    set("error", `the playground's server does not answer (${why}); is glassgrad playground running?`);
    return;
  }
  set("error", "");
  set("frame", answer);
}

/* anywidget's entry point (the widget), and the page's: playground.render({model, el}) */
export default { render };
