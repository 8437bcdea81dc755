// @ts-check
/* glassgrad playground: the one front end, for the page (glassgrad playground) and the Jupyter widget.

   render({model, el}) draws the playground into el and keeps it in step with `model`, a small interface:
     model.get("frame")          the newest frame (playground/runner.py: state, history, heatmaps)
     model.get("error")          the last error message, "" when the last message went through
     model.get("link")           the page's link (its URL hash text); the widget has none
     model.on("change:frame" | "change:error", callback)
     model.send(message)         a message for Runner.handle: {type: "play"}, {type: "settings", hash}, ...
   The page gets that interface over its server (serverModel); the widget from the kernel (anywidget).

   One screen, as TensorFlow Playground's: the top bar; then in one row the data column, the network (with the
   glass box's controls under it) and the output column (losses, chart, map); the network and the maps scale to
   the room the playground has (fit), and an opened neuron's panel slides over the side away from it.

   One plain ES module (anywidget's _esm takes it as it is; no build step), in parts: the types; small helpers
   for elements, numbers and colours; Python's rules and the lecture's names read; the controls; the sizes; the
   network view; the maps; the output column and the loss chart; the glass box; the frame loop (render); the
   server's model. The choices, ranges, limits and couplings of the settings are Python's (playground/settings.py
   rules(), in a full frame), and so are the lecture's names of every parameter and unit (playground/notation.py,
   the frame's names and units): the page writes none of them again. Checked by tsc (make typecheck-js). */

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
/** A unit's names as the lecture writes them (playground/notation.py units): an input's x, a neuron's z, a, b;
    and its words ("neuron 1 of layer 2"). @typedef {{x?: string, z?: string, a?: string, b?: string,
    words: string}} Unit */
/** A file or a text to hand over (playground/export.py). @typedef {{what: string, filename: string,
    text: string}} Export */
/** What a frame leaves out when it did not change: the page keeps the last. @typedef {{train: Point[],
    test: Point[], rules: Rules, maps: Maps | null, names: Record<string, string>,
    units: Record<string, Unit>}} Kept */
/** A frame as drawn: with the points, rules, names and maps of the last frame that had them.
    @typedef {Kept & {epoch: number, step: number, train_loss: number | null, test_loss: number | null,
      train_accuracy: number | null, test_accuracy: number | null, settings: Settings, hash: string,
      problem: string, classes: number, features: string[], layers: number[], custom_data?: boolean,
      link_note?: string | null,
      parameters: Record<string, number | null>, playing: boolean, history: [number, number | null, number | null][],
      gradients: Record<string, number | null> | null, timeline: {epochs: number[], viewing: number | null},
      divergence: {title: string, message: string, neuron: string | null} | null,
      selected: {example: [Part, number] | null, neuron: string | null}, example: Example | null,
      panel: Panel | null, export?: Export, notices?: string[]}} Frame */
/** A frame as it comes. @typedef {Omit<Frame, keyof Kept> & Partial<Kept>} Incoming */
/** A message for Runner.handle (playground/messages.py).
    @typedef {{type: "play" | "pause" | "step" | "epoch" | "reset" | "regenerate" | "close-neuron" | "continue"}
      | {type: "settings", hash: string} | {type: "csv", text: string} | {type: "weight", name: string, value: string}
      | {type: "add-point", x1: number, x2: number, label: number}
      | {type: "remove-point", x1: number, x2: number, radius: number}
      | {type: "select-example", part: Part, index: number} | {type: "open-neuron", neuron: string}
      | {type: "view-epoch", epoch: number} | {type: "export", what: "model" | "code"}
      | {type: "export", what: "steps", scope: "neuron" | "example"}} Message */
/** @typedef {{frame: Incoming | null, error: string, link: string}} Traits */
/** @typedef {<K extends keyof Traits>(name: K, value: Traits[K]) => void} Setter */
/** The model: anywidget's, or serverModel's over the page's server.
    @typedef {object} Model
    @property {<K extends keyof Traits>(name: K) => Traits[K] | undefined} get
    @property {(event: `change:${keyof Traits}`, callback: () => void) => void} on
    @property {(message: Message) => unknown} send */
/** The sizes fit to the room: the output map's side and the chart's height, in CSS pixels.
    @typedef {{map: number, chart: number}} Sizes */
/** What every part reads: the model, the root element, the frame drawn last and what frames keep.
    @typedef {object} Core
    @property {Model} model
    @property {HTMLElement} root
    @property {HTMLElement} main the row of columns, whose room the sizes fit
    @property {Frame | null} frame
    @property {Partial<Kept>} kept
    @property {boolean} busy a draw is asked for the next animation frame
    @property {string} rulesKey the rules the controls were built from (their JSON)
    @property {HTMLElement} tooltip
    @property {HTMLElement} message
    @property {HTMLElement} notice what a command's answer noted (not an error)
    @property {Element | null} source the control that sent the last message (its error is shown beside it)
    @property {string} hovered the node whose map the output shows large ("neuron:L.j", "feature:name"), or ""
    @property {Map<HTMLCanvasElement, string>} painted what each small map's canvas shows (drawn again on change)
    @property {Sizes} sizes */
/** The top bar and the data column.
    @typedef {object} Controls
    @property {HTMLButtonElement} play
    @property {HTMLElement} epoch
    @property {Record<string, HTMLSelectElement>} selects the settings chosen from a menu, by name
    @property {Record<string, HTMLInputElement>} sliders the settings set on a slider, by name
    @property {HTMLElement} datasets
    @property {HTMLElement} linkNote why the link does not hold the loaded points */
/** The network column. @typedef {object} NetworkView
    @property {HTMLElement} network
    @property {HTMLButtonElement} addLayer
    @property {HTMLButtonElement} removeLayer
    @property {HTMLElement} layerCount
    @property {HTMLElement} layerButtons
    @property {HTMLElement} hint what the edges show
    @property {string} layoutKey the layers, features and room the drawing was laid out for
    @property {Grid | null} grid
    @property {Record<string, [SVGPathElement, string]>} edges "L.j.i" → its path and its weight's name
    @property {Record<string, HTMLCanvasElement>} canvases "feature:name" and "neuron:L.j" → the node's map
    @property {Record<string, HTMLElement>} captions "L.j" → the example's numbers under the neuron */
/** The output column. @typedef {object} OutputView
    @property {HTMLElement} column
    @property {HTMLElement} trainLoss
    @property {HTMLElement} testLoss
    @property {HTMLElement} trainAcc
    @property {HTMLElement} testAcc
    @property {HTMLCanvasElement} chart
    @property {HTMLElement} mapBlock the map with its axes' ticks
    @property {HTMLCanvasElement} boundary
    @property {HTMLCanvasElement} background the output's map without the points (painted when it changes)
    @property {HTMLElement} xTicks
    @property {HTMLElement} yTicks
    @property {HTMLElement} caption what the map shows
    @property {HTMLElement} legend its colours with numbers
    @property {string} ticksKey the extent and size the ticks were made for
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
    @property {HTMLElement} codeBox
    @property {string} panelKey what the panel was drawn for */
/** @typedef {Core & {controls: Controls, net: NetworkView, output: OutputView, glass: GlassView}} View */

/* -- elements, numbers and colours ------------------------------------------------------------------------- */

/* class colours: class 0 orange, class 1 blue (as TensorFlow Playground), then green, purple, red */
const CLASS_RGB = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40]];
const WHITE = [255, 255, 255];
const NOT_FINITE_RGB = [200, 200, 200];
/* the loss chart's curves: two colours apart from each other and from the classes' */
const TRAIN_COLOUR = "#183d4e", TEST_COLOUR = "#d6336c";
/* the values the learning-rate and regularization-rate menus offer (TensorFlow Playground's), kept to Python's
   ranges; a link may set any other value in range, and the menu then shows it too */
const RATE_MENU = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];
const REGULARIZATION_RATE_MENU = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
/* the sliders' steps (their ranges are Python's) */
const SLIDER_STEPS = { percTrainData: 10, noise: 5, batchSize: 1 };
/* a map is painted this many pixels a side at most, then scaled (the browser smooths it): the output's, a node's */
const PAINTED_OUTPUT = 160, PAINTED_NODE = 64;
/** Narrower than this (a notebook's column), the playground takes its compact layout (class gg-compact, the CSS):
    the data column folds into a strip over the network and the output's map, side by side. */
const COMPACT_WIDTH = 1000;

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

/** A map from the frame back to numbers; byte 255 is "not finite" (NaN). @param {MapData} map */
function decode(map) {
  const bytes = atob(map.data), out = new Float64Array(bytes.length), step = (map.hi - map.lo) / 254;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    out[i] = b === 255 ? NaN : map.lo + b * step;
  }
  return out;
}

/** @param {number} x @param {number} lo @param {number} hi */
function clamp(x, lo, hi) { return Math.min(hi, Math.max(lo, x)); }

/** @param {number[]} a @param {number[]} b @param {number} t @returns {number[]} */
function mix(a, b, t) { return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)); }

/** colour of a value on a diverging scale: -1 orange, 0 white, +1 blue. @param {number} t in [-1, 1] */
function diverging(t) {
  return t < 0 ? mix(WHITE, CLASS_RGB[0], Math.min(1, -t)) : mix(WHITE, CLASS_RGB[1], Math.min(1, t));
}

/** @param {number[]} rgb */
function css(rgb) { return `rgb(${rgb.join(",")})`; }

/** @param {number} label @returns {number[]} */
function classColour(label) { return CLASS_RGB[Math.round(label)] || [0, 0, 0]; }

/** @param {number | null | undefined} x */
function format4(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  return Number(x).toPrecision(4);
}

/** A loss or a tick: 3 decimals, or 3 digits with an exponent when very small or large.
    @param {number | null | undefined} x */
function format(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  return x !== 0 && (Math.abs(x) < 0.001 || Math.abs(x) >= 1e5) ? x.toExponential(2) : x.toFixed(3);
}

/** Short, for the numbers under a neuron: 3 significant digits. @param {number | null | undefined} x */
function format3(x) {
  if (x === null || x === undefined) { return "\u2014"; }
  const t = Number(x.toPrecision(3));
  return t !== 0 && (Math.abs(t) < 0.001 || Math.abs(t) >= 1e5) ? t.toExponential(1) : String(t);
}

/** A parameter's value to edit: 6 significant digits, "" when it is not finite.
    @param {number | null | undefined} x */
function editable(x) { return x === null || x === undefined ? "" : String(Number(x.toPrecision(6))); }

/** "1 neuron", "2 neurons". @param {number} n @param {string} word */
function counted(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

/* -- Python's rules and the lecture's names, read ---------------------------------------------------------- */

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

/** A setting's value as the URL hash writes it. @param {SettingValue | undefined} v */
function hashText(v) { return Array.isArray(v) ? v.join(",") : String(v); }

/** The URL hash of settings. @param {Record<string, SettingValue>} settings */
function hashOf(settings) {
  return Object.entries(settings).map(([k, v]) => `${k}=${hashText(v)}`).join("&");
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

/** A feature of a point as the lecture writes the inputs: x → x₁, y → x₂, xSquared → x₁², xTimesY → x₁x₂,
    sinX → sin(x₁) (TF Playground's names are made of these parts). @param {string} name */
function featureLabel(name) {
  /** @param {string} letter */
  const input = (letter) => ({ x: "x\u2081", y: "x\u2082" })[letter.toLowerCase()] ?? letter;
  const applied = /^([a-z]{2,})([A-Z])$/.exec(name);  /* a function of one input */
  if (applied) { return `${applied[1]}(${input(applied[2])})`; }
  return name.replace(/Squared/g, "\u00b2").replace(/Times/g, "").replace(/[xyXY]/g, input);
}

/** A parameter's lecture name (wᵢⱼˡ, bᵢˡ: the frame's names); never its Python name. @param {Frame} frame
    @param {string} name */
function lectureName(frame, name) { return frame.names[name] ?? "this parameter"; }

/** A unit's lecture names ("L.j": the frame's units). @param {Frame} frame @param {string} key @returns {Unit} */
function unitOf(frame, key) { return frame.units[key] ?? { words: "this neuron" }; }

/** What feeds an edge or a row of the panel: input xⱼ (with the feature it is, when that reads otherwise) or the
    activation aⱼ of the layer below. @param {Frame} frame @param {string} key "L.j" of the unit */
function inputName(frame, key) {
  const u = unitOf(frame, key);
  if (!key.startsWith("0.")) { return u.a ?? u.words; }
  const feature = frame.features[Number(key.split(".")[1]) - 1];
  const label = feature === undefined ? "" : featureLabel(feature);
  return label && label !== u.x ? `${u.x} = ${label}` : (u.x ?? u.words);
}

/** The names of neuron j (from 0) of layer L: its key, its weights' and its bias's. @param {number} L
    @param {number} j */
function neuronNames(L, j) {
  const prefix = `layers.${L - 1}.neurons.${j}`;
  return { key: unitKey(L, j), bias: `${prefix}.b`, weight: (/** @type {number} */ i) => `${prefix}.w.${i}` };
}

/** A unit's key as the page and the server write it: "L.j", layer L (the inputs are layer 0) and unit j, both as
    the lecture counts them (j from 1); `j` here is the unit's index, from 0. @param {number} L @param {number} j */
function unitKey(L, j) { return `${L}.${j + 1}`; }

/* -- the controls: the top bar and the data column ---------------------------------------------------------- */

/** The settings `values` change, sent: only those, and what they couple (the output), so that a change sent
    before the answer to another one is in does not undo it. @param {Core} view
    @param {Record<string, SettingValue>} values */
function change(view, values) {
  const frame = view.frame;
  if (!frame) { return; }
  const next = coupled(frame.rules, frame.settings, values);
  const changed = Object.entries(next).filter(([k, v]) => k in values || hashText(v) !== hashText(frame.settings[k]));
  view.model.send({ type: "settings", hash: hashOf(Object.fromEntries(changed)) });
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

/** What an answer noted (a link's names ignored, where training went on from): an information line, not an
    error; gone with the next message sent. @param {Core} view @param {string[]} notices */
function showNotices(view, notices) {
  view.notice.textContent = notices.length ? `\u2139 ${notices.join("; ")}` : "";
  view.notice.hidden = !notices.length;
}

/** ``model`` whose ``send`` first notes the control that sent the message (the one with the focus, if it is in
    the playground) and clears the last notices. @param {Model} model @param {Core} view @returns {Model} */
function noting(model, view) {
  return {  /* not a copy of `model`: anywidget's keeps get, on and send on its prototype */
    get: (name) => model.get(name),
    on: (event, callback) => model.on(event, callback),
    send: (message) => {
      const active = document.activeElement;
      view.source = active && view.root.contains(active) ? active : null;
      showNotices(view, []);
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
  return element("label", { class: "gg-field gg-slider" }, [element("span", {}, [`${label} `, shown]), input]);
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

/** The data column: the data sets, classes, the data's sliders, new points, a CSV in and out, the model and its
    code out. @param {Core} view @param {Controls} controls */
function dataColumn(view, controls) {
  const csvInput = element("input", { type: "file", accept: ".csv,text/csv", id: "csv-file" });
  csvInput.addEventListener("change", () => loadCsv(view, csvInput));
  const exportButton = (/** @type {string} */ id, /** @type {"model" | "code"} */ what, /** @type {string} */ text,
    /** @type {string} */ title) => element("button", { id: id, text: text, title: title,
    onclick: () => view.model.send({ type: "export", what: what }) });
  return element("section", { class: "gg-column gg-data" }, [
    element("h2", { text: "Data" }), controls.datasets, menu(view, controls, "classes", "Classes"),
    slider(view, controls, "percTrainData", "Training data, %:"),
    slider(view, controls, "noise", "Noise:"),
    slider(view, controls, "batchSize", "Batch size:"),
    element("div", { class: "gg-row" }, [
      element("button", { id: "regenerate", text: "Regenerate", title: "New points (a new data seed)",
        onclick: () => view.model.send({ type: "regenerate" }) })]),
    element("label", { class: "gg-file" }, [element("span", { text: "Load CSV (x1,x2,label)" }), csvInput]),
    element("div", { class: "gg-row" }, [
      element("button", { id: "save-csv", text: "Save CSV", onclick: () => saveData(view) })]),
    controls.linkNote,
    element("div", { class: "gg-row gg-export" }, [
      exportButton("save-model", "model", "Save model", "The JSON that MLP.load reads"),
      exportButton("copy-code", "code", "Copy code", "Python and the glassgrad train command")]),
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
    sliders: {}, datasets: element("div", { class: "gg-datasets" }),
    linkNote: element("p", { id: "link-note", class: "gg-hint gg-link-note" }) };
  controls.linkNote.hidden = true;
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
    controls.datasets.append(element("button", { class: "gg-dataset", "data-dataset": dataset,
      text: rules.labels[dataset] ?? dataset, onclick: () => change(view, { dataset: dataset }) }));
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
  drawLinkNote(controls.linkNote, frame, view.model.get("link"));
}

/** Under the CSV buttons, when the points were loaded from a file and the page's link does not hold them: so.
    @param {HTMLElement} note @param {Frame} frame @param {string | undefined} link the page's link (none: the
    widget) */
function drawLinkNote(note, frame, link) {
  const text = link === undefined ? "" : frame.link_note || "";
  note.hidden = !text;
  note.textContent = text ? `The ${text}.` : "";
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

/* -- the sizes: everything on one screen ------------------------------------------------------------------- */

/** The output map's side and the chart's height for the room the row of columns has: the map takes at most
    28% of the width (38% in the compact layout) and the height the rest of the output column leaves it; the network lays itself out in what
    the map leaves (layoutNetwork). Sizes change in steps of 4 pixels, so that nothing shivers. @param {View} view */
function fit(view) {
  const { main, output } = view, width = main.clientWidth, height = main.clientHeight;
  if (!width || !height) { return; }
  const chart = Math.round(clamp(height * 0.15, 100, 170));
  const others = output.column.offsetHeight - output.mapBlock.offsetHeight - output.chart.offsetHeight;
  const share = view.root.classList.contains("gg-compact") ? 0.38 : 0.28;
  const map = 4 * Math.floor(clamp(Math.min(width * share, height - chart - others - 6), 200, 640) / 4);
  if (map === view.sizes.map && chart === view.sizes.chart) { return; }
  view.sizes = { map: map, chart: chart };
  view.root.style.setProperty("--map", `${map}px`);
  view.root.style.setProperty("--chart", `${chart}px`);
  sizeCanvas(output.boundary, map, map);
  sizeCanvas(output.chart, 0, chart);  /* not to hold the column at a width it had */
  sizeCanvas(output.chart, output.mapBlock.offsetWidth, chart);  /* as wide as the map and its ticks */
}

/** A canvas `width` × `height` CSS pixels, with a pixel of its own for each of the screen's.
    @param {HTMLCanvasElement} canvas @param {number} width @param {number} height */
function sizeCanvas(canvas, width, height) {
  const scale = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
}

/** A 2D context drawing in CSS pixels on a canvas sized by sizeCanvas. @param {HTMLCanvasElement} canvas */
function context(canvas) {
  const ctx = canvas.getContext("2d");
  if (ctx) {
    const scale = canvas.width / (canvas.clientWidth || canvas.width);
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
  }
  return ctx;
}

/* -- the network view --------------------------------------------------------------------------------------- */


/** The network column: add or remove layers, the drawing, what its edges show; the glass box's controls go
    under it (render). @param {Core} view @returns {[NetworkView, HTMLElement]} */
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
    hint: element("p", { class: "gg-hint gg-edges-hint", id: "edges-hint" }),
    layoutKey: "", grid: null, edges: {}, canvases: {}, captions: {},
  };
  const column = element("section", { class: "gg-column gg-net" }, [
    element("h2", {}, [net.addLayer, net.removeLayer, net.layerCount]), net.layerButtons, net.network, net.hint]);
  return [net, column];
}

/** Where the drawing puts things, fit to its room: the width of the features' names, columns and rows apart, a
    node's side, the font of the numbers under a neuron and their room (two lines); the drawing's size.
    @typedef {{left: number, columnGap: number, rowGap: number, node: number, font: number, caption: number,
      rows: number, width: number, height: number}} Grid */

/** @param {Frame} frame @param {number} width @param {number} height the drawing's room @returns {Grid} */
function gridOf(frame, width, height) {
  const rows = Math.max(frame.rules.features.length, ...frame.layers.slice(1));
  const gaps = Math.max(1, frame.layers.length - 1);  /* between the inputs' column and the output layer's */
  const left = Math.round(clamp(width * 0.09, 48, 80));
  const font = Math.round(clamp(height / rows / 7, 11, 15)), caption = Math.ceil(2.3 * font);
  const rowGap = Math.max(caption + 16, height / rows);
  const node = Math.floor(clamp(Math.min(rowGap - caption - 4, (width - left - 8) / gaps * 0.5), 16, 80));
  return { left, columnGap: (width - left - node - 8) / gaps, rowGap, node, font, caption, rows, width,
    height: rows * rowGap };
}

/** The top left corner of node j of `count` in column `col`: the columns' nodes centred on the rows.
    @param {Grid} grid @param {number} col @param {number} j @param {number} count @returns {[number, number]} */
function corner(grid, col, j, count) {
  const y = (grid.rows - count) * grid.rowGap / 2 + j * grid.rowGap + (grid.rowGap - grid.node - grid.caption) / 2;
  return [Math.round(grid.left + grid.columnGap * col), Math.round(y)];
}

/** The network laid out anew when its layers, features or room changed: inputs, neurons, edges, layer buttons.
    @param {View} view @param {Frame} frame */
function layoutNetwork(view, frame) {
  const net = view.net, width = net.network.clientWidth, height = net.network.clientHeight;
  const key = JSON.stringify([frame.layers, frame.features, width, height]);
  if (key === net.layoutKey) { return; }
  net.layoutKey = key;
  net.network.textContent = "";
  net.edges = {};
  net.canvases = {};
  net.captions = {};
  view.painted.clear();
  const grid = net.grid = gridOf(frame, width, height);
  const svg = svgElement("svg", { width: grid.width, height: grid.height, class: "gg-edges" });
  net.network.append(svg);
  /** @type {Record<string, [number, number]>} "L.j" → the node's top left corner (inputs: those on) */
  const nodes = layoutInputs(view, frame, grid);
  for (let L = 1; L < frame.layers.length; L++) {
    for (let j = 0; j < frame.layers[L]; j++) {
      nodes[unitKey(L, j)] = layoutNeuron(view, frame, corner(grid, L, j, frame.layers[L]), L, j);
      layoutEdges(view, svg, nodes, frame.layers[L - 1], L, j);
    }
  }
  layoutLayerButtons(view, frame, grid);
}

/** A node's box: the map's canvas in it, at `at`. @param {View} view @param {[number, number]} at
    @param {Record<string, Attribute>} attrs @returns {[HTMLElement, HTMLCanvasElement]} */
function nodeBox(view, at, attrs) {
  const side = view.net.grid ? view.net.grid.node : 34, canvas = element("canvas");
  sizeCanvas(canvas, side, side);
  const node = element("div", Object.assign({ style: `left:${at[0]}px;top:${at[1]}px;width:${side}px;` +
    `height:${side}px` }, attrs), [canvas]);
  node.addEventListener("mousemove", (e) => moveTooltip(view, e));
  view.net.network.append(node);
  return [node, canvas];
}

/** The inputs: every feature, on or off; the network takes those that are on, in this order. Hovered, a
    feature's map shows on the output; clicked, it switches. @param {View} view @param {Frame} frame
    @param {Grid} grid @returns {Record<string, [number, number]>} */
function layoutInputs(view, frame, grid) {
  /** @type {Record<string, [number, number]>} */
  const nodes = {}, on = frame.features, all = frame.rules.features;
  all.forEach((name, row) => {
    const at = corner(grid, 0, row, all.length), text = featureLabel(name), active = on.includes(name);
    const [node, canvas] = nodeBox(view, at, { class: `gg-node gg-feature${active ? "" : " gg-off"}`,
      "data-feature": name });
    node.addEventListener("click", () => change(view, { [name]: active ? "false" : "true" }));
    node.addEventListener("mouseenter", (e) => {
      hover(view, `feature:${name}`);
      showTooltip(view, e, `${text}: click to switch ${active ? "off" : "on"}`);
    });
    node.addEventListener("mouseleave", () => unhover(view));
    view.net.network.append(element("div", { class: "gg-feature-name", text: text,
      style: `width:${grid.left - 8}px;top:${at[1] + grid.node / 2}px` }));
    view.net.canvases[`feature:${name}`] = canvas;
    if (active) { nodes[unitKey(0, on.indexOf(name))] = at; }
  });
  return nodes;
}

/** Neuron j of layer L: a node that shows its map (large on the output while hovered) and opens on a click; a
    handle in its corner for its bias; room under it for an example's numbers.
    @param {View} view @param {Frame} frame @param {[number, number]} at @param {number} L @param {number} j */
function layoutNeuron(view, frame, at, L, j) {
  const names = neuronNames(L, j), output = L === frame.layers.length - 1, grid = view.net.grid;
  const side = grid ? grid.node : 34, font = grid ? grid.font : 11;
  const [node, canvas] = nodeBox(view, at, { class: `gg-node${output ? " gg-output-node" : ""}`,
    "data-neuron": names.key });
  node.addEventListener("mouseenter", (e) => { hover(view, `neuron:${names.key}`); showNeuron(view, e, names.key); });
  node.addEventListener("mouseleave", () => unhover(view));
  node.addEventListener("click", () => view.model.send({ type: "open-neuron", neuron: names.key }));
  const bias = element("div", { class: "gg-bias", "data-bias": names.key, role: "button",
    style: `width:${Math.round(clamp(side / 4, 8, 14))}px;height:${Math.round(clamp(side / 4, 8, 14))}px` });
  bias.addEventListener("mouseenter", (e) => showParameter(view, e, names.bias, names.key));
  bias.addEventListener("mouseleave", (e) => showNeuron(view, e, names.key));
  bias.addEventListener("click", (e) => { e.stopPropagation(); editParameter(view, e, names.bias); });
  node.append(bias);
  const caption = element("div", { class: "gg-numbers", "data-numbers": names.key,
    style: `left:${at[0] - 5}px;top:${at[1] + side + 1}px;width:${side + 10}px;font-size:${font}px` });
  view.net.network.append(caption);
  view.net.canvases[`neuron:${names.key}`] = canvas;
  view.net.captions[names.key] = caption;
  return at;
}

/** The edges into neuron j of layer L from the `count` nodes of layer L-1: a path drawn, a wider one to point at.
    @param {View} view @param {SVGSVGElement} svg @param {Record<string, [number, number]>} nodes
    @param {number} count @param {number} L @param {number} j */
function layoutEdges(view, svg, nodes, count, L, j) {
  const to = nodes[unitKey(L, j)], side = view.net.grid?.node ?? 34;
  for (let i = 0; i < count; i++) {
    const from = nodes[unitKey(L - 1, i)];
    if (!from || !to) { continue; }
    const [x0, y0] = [from[0] + side, from[1] + side / 2], [x1, y1] = [to[0], to[1] + side / 2];
    const mid = (x0 + x1) / 2, edge = `${unitKey(L, j)}.${i + 1}`, name = neuronNames(L, j).weight(i);
    const d = `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}`;
    const path = svgElement("path", { d: d, class: "gg-edge", "data-edge": edge });
    const hit = svgElement("path", { d: d, class: "gg-edge-hit" });
    hit.addEventListener("mouseenter", (e) => showParameter(view, e, name, unitKey(L - 1, i)));
    hit.addEventListener("mousemove", (e) => moveTooltip(view, e));
    hit.addEventListener("mouseleave", () => { view.tooltip.hidden = true; });
    hit.addEventListener("click", (e) => editParameter(view, e, name));
    svg.append(path, hit);
    view.net.edges[edge] = [path, name];
  }
}

/** Buttons over each hidden layer: more or fewer neurons (within Python's cap); the count of hidden layers.
    @param {View} view @param {Frame} frame @param {Grid} grid */
function layoutLayerButtons(view, frame, grid) {
  const { layerButtons, layerCount } = view.net, shape = frame.settings.networkShape;
  layerButtons.textContent = "";
  shape.forEach((n, h) => {
    const x = grid.left + grid.columnGap * (h + 1) + grid.node / 2;
    const edit = (/** @type {number} */ delta) => changeShape(view, (s) => s.map((v, k) =>
      k === h ? Math.max(1, Math.min(frame.rules.maxNeurons, v + delta)) : v));
    layerButtons.append(element("div", { class: "gg-layer-edit", style: `left:${Math.round(x)}px` }, [
      element("button", { class: "gg-add-neuron", "data-layer": h + 1, title: "Add a neuron", text: "+",
        onclick: () => edit(1) }),
      element("button", { class: "gg-remove-neuron", "data-layer": h + 1, title: "Remove a neuron", text: "\u2212",
        onclick: () => edit(-1) }),
      element("div", { class: "gg-layer-size", text: counted(n, "neuron") }),
    ]));
  });
  layerCount.textContent = ` ${counted(shape.length, "hidden layer")}`;
}

/** The network drawn for the frame: edges by weight (or by gradient), each neuron's bias and numbers, every
    node's map. @param {View} view @param {Frame} frame */
function drawNetwork(view, frame) {
  layoutNetwork(view, frame);
  const gradientView = view.glass.gradientView.checked;
  drawEdges(view.net, frame, gradientView);
  drawNeurons(view.net, frame);
  view.net.hint.textContent = gradientView && frame.gradients
    ? "Gradient view: an edge's colour is the sign of \u2202C/\u2202w of the last batch (blue +, orange \u2212), " +
      "its width |\u2202C/\u2202w| against the largest. Hover an edge for w and \u2202C/\u2202w."
    : "An edge's colour is the sign of its weight w (blue +, orange \u2212), its width |w|. Hover an edge, or a " +
      "neuron's corner for its bias b; click to type a new one. Hover a neuron: its map on the output; click: open it.";
  if (!frame.maps) { return; }
  for (const [name, map] of Object.entries(frame.maps.features)) {
    const canvas = view.net.canvases[`feature:${name}`];
    if (canvas) { paintNode(view, canvas, map, frame.settings.discretize); }
  }
  for (const [key, map] of Object.entries(frame.maps.neurons)) {
    const canvas = view.net.canvases[`neuron:${key}`];
    if (canvas) { paintNode(view, canvas, map, frame.settings.discretize); }
  }
}

/** Each edge coloured by its weight's sign and as wide as the weight, or in the gradient view by ∂C/∂w of the
    last batch. @param {NetworkView} net @param {Frame} frame @param {boolean} gradientView */
function drawEdges(net, frame, gradientView) {
  const p = frame.parameters, g = frame.gradients || {}, byGradient = gradientView && !!frame.gradients;
  const largest = byGradient ? Math.max(1e-300, ...Object.values(g).map((v) => Math.abs(v || 0))) : 1;
  const widest = 8 * clamp((net.grid?.node ?? 34) / 34, 0.75, 1.6);
  for (const [path, name] of Object.values(net.edges)) {
    const w = p[name], v = byGradient ? g[name] : w;
    const width = byGradient ? widest * Math.abs(v || 0) / largest : Math.min(widest, Math.abs(w || 0) * 2);
    const none = v === null || v === undefined;
    path.setAttribute("stroke", none ? "#bbb" : css(diverging(Math.sign(v))));
    path.setAttribute("stroke-width", String(none ? 1 : Math.max(0.5, width)));
    path.dataset["weight"] = w === null || w === undefined ? "" : String(w);
    const gradient = g[name];
    path.dataset["gradient"] = gradient === null || gradient === undefined ? "" : String(gradient);
  }
}

/** Each neuron: opened, where training diverged, its bias's colour, and under it the chosen example's a and
    ∂C/∂z. @param {NetworkView} net @param {Frame} frame */
function drawNeurons(net, frame) {
  const passed = frame.example, opened = frame.selected.neuron, bad = frame.divergence && frame.divergence.neuron;
  net.network.querySelectorAll("[data-neuron]").forEach((node) => {
    const key = /** @type {HTMLElement} */ (node).dataset["neuron"] ?? "", numbers = passed && passed.neurons[key];
    node.classList.toggle("gg-opened", key === opened);
    node.classList.toggle("gg-diverged", key === bad);
    const [L, j] = key.split(".").map(Number), b = frame.parameters[neuronNames(L ?? 0, (j ?? 1) - 1).bias];
    const handle = /** @type {HTMLElement | null} */ (node.querySelector(".gg-bias"));
    if (handle) { handle.style.background = b === null || b === undefined ? "#bbb" : css(diverging(clamp(b, -1, 1))); }
    const caption = net.captions[key], text = numbers ? `${format3(numbers.a)} ${format3(numbers.dz)}` : "";
    if (caption && caption.dataset["text"] !== text) {
      caption.dataset["text"] = text;
      caption.replaceChildren(...(numbers ? [element("span", { class: "gg-num-a", text: format3(numbers.a) }),
        element("span", { class: "gg-num-dz", text: format3(numbers.dz) })] : []));
    }
  });
}

/** @param {Core} view @param {MouseEvent} e */
function moveTooltip(view, e) {
  const box = view.root.getBoundingClientRect(), tip = view.tooltip;
  const left = e.clientX - box.left + 14, room = box.width - tip.offsetWidth - 8;
  tip.style.left = `${Math.max(4, left > room ? e.clientX - box.left - tip.offsetWidth - 10 : left)}px`;
  tip.style.top = `${e.clientY - box.top + 14}px`;
}

/** @param {Core} view @param {MouseEvent} e @param {string} text */
function showTooltip(view, e, text) {
  view.tooltip.textContent = text;
  view.tooltip.hidden = false;
  moveTooltip(view, e);
}

/** A weight's or a bias's tooltip, in the lecture's names: wᵢⱼˡ = …, from what to which neuron (in the gradient
    view also ∂C/∂w). @param {Core} view @param {MouseEvent} e @param {string} name @param {string} from the unit
    it comes from ("L.j"; a bias: its own neuron) */
function showParameter(view, e, name, from) {
  const frame = view.frame;
  if (!frame) { return; }
  const v = frame.parameters[name], shown = v === null || v === undefined ? "not a finite number" : v.toPrecision(4);
  const to = name.endsWith(".b") ? from : neuronKeyOf(name);
  const where = name.endsWith(".b") ? `the bias of ${unitOf(frame, to).words}`
    : `from ${inputName(frame, from)} to ${unitOf(frame, to).words}`;
  const g = frame.gradients && frame.gradients[name];
  const gradient = g === null || g === undefined ? "" : `\n\u2202C/\u2202${lectureName(frame, name)} = ` +
    `${g.toPrecision(3)} (last batch)`;
  showTooltip(view, e, `${lectureName(frame, name)} = ${shown}: ${where}${gradient}\nclick to type a new value`);
}

/** The key "L.j" of the neuron a parameter belongs to. @param {string} name "layers.L-1.neurons.j-1...." */
function neuronKeyOf(name) {
  const parts = name.split(".");
  return unitKey(Number(parts[1]) + 1, Number(parts[3]));
}

/** A neuron's tooltip: its words and names, its bias, and the chosen example's numbers.
    @param {Core} view @param {MouseEvent} e @param {string} key "L.j" */
function showNeuron(view, e, key) {
  const frame = view.frame;
  if (!frame) { return; }
  const u = unitOf(frame, key), [L, j] = key.split(".").map(Number);
  const b = frame.parameters[neuronNames(L ?? 0, (j ?? 1) - 1).bias];
  const numbers = frame.example && frame.example.neurons[key];
  const example = numbers ? `\nfor the example: ${u.z} = ${format4(numbers.z)}, ${u.a} = ${format4(numbers.a)}, ` +
    `\u2202C/\u2202${u.z} = ${format4(numbers.dz)}` : "";
  showTooltip(view, e, `${u.words} (${u.a}): ${u.b} = ${format4(b)}${example}\nits map is on the output; ` +
    "click to open it");
}

/** A box to type a parameter's new value in, where it was clicked; Enter sends it, Escape or a click away drops
    it. @param {Core} view @param {MouseEvent} e @param {string} name a weight's or a bias's name */
function editParameter(view, e, name) {
  view.tooltip.hidden = true;
  view.root.querySelectorAll(".gg-weight-editor").forEach((x) => x.remove());
  const value = view.frame ? view.frame.parameters[name] : null;
  const input = element("input", { type: "text", class: "gg-weight-editor", id: "weight-editor",
    "aria-label": `new value of ${view.frame ? lectureName(view.frame, name) : "the parameter"}`,
    value: editable(value) });
  const box = view.root.getBoundingClientRect();
  input.style.left = `${Math.min(e.clientX - box.left, box.width - 160)}px`;
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

/** A node hovered: its map shows on the output, large. @param {View} view @param {string} key */
function hover(view, key) {
  view.hovered = key;
  requestDraw(view);
}

/** @param {View} view */
function unhover(view) {
  view.tooltip.hidden = true;
  hover(view, "");
}

/* -- the maps: every node's small map, the output's large one with the points, its ticks and legend ---------- */

/** The colours of a map's values: a table of 257 RGB entries (0..255 the places on the scale from -1 to 1, or the
    classes; 256 "not finite") and how a value finds its place: `scale` · v + `shift` on the scale (`classes`:
    the nearest cell's class). @typedef {{table: Uint8ClampedArray, scale: number, shift: number,
    classes: boolean}} Palette */

/* the colour tables made so far, by kind, crispness and fade */
const TABLES = new Map();

/** @param {MapKind} kind @param {boolean} crisp @param {number} fade 0..1: how far towards white (so that points
    drawn on the map stand out) @returns {Uint8ClampedArray} */
function tableOf(kind, crisp, fade) {
  const key = `${kind === "classes" ? kind : ""}|${crisp}|${fade}`, known = TABLES.get(key);
  if (known) { return known; }
  const table = new Uint8ClampedArray(257 * 3);
  const put = (/** @type {number} */ k, /** @type {number[]} */ rgb) => table.set(fade ? mix(rgb, WHITE, fade) : rgb,
    3 * k);
  put(256, NOT_FINITE_RGB);
  if (kind === "classes") { CLASS_RGB.forEach((c, k) => put(k, mix(WHITE, c, crisp ? 0.75 : 0.55))); }
  else { for (let k = 0; k < 256; k++) { put(k, diverging(crisp ? (k < 128 ? -1 : 1) : k / 127.5 - 1)); } }
  TABLES.set(key, table);
  return table;
}

/** @param {MapKind} kind @param {boolean} crisp @param {number} m the largest |value| of the map @param {number} fade
    @returns {Palette} */
function paletteOf(kind, crisp, m, fade) {
  const table = tableOf(kind, crisp, fade);
  return kind === "probability" ? { table, scale: 2, shift: -1, classes: false }
    : { table, scale: 1 / m, shift: 0, classes: kind === "classes" };
}

/** For each pixel along a side of `pixels`, the grid's two cells around its centre and how far it is between
    them (a grid of `n` cells a side). @param {number} pixels @param {number} n */
function cellsAlong(pixels, n) {
  const lo = new Int32Array(pixels), hi = new Int32Array(pixels), f = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const g = clamp((p + 0.5) / pixels * n - 0.5, 0, n - 1);
    lo[p] = Math.floor(g);
    hi[p] = Math.min(n - 1, Math.floor(g) + 1);
    f[p] = g - Math.floor(g);
  }
  return { lo, hi, f };
}

/** An image of the grid's values, a pixel at a time: interpolated between the cells around it (bilinear; for
    classes the nearest cell's), then coloured, so that a boundary is smooth however coarse the grid.
    @param {ImageData} image @param {Float64Array} values NaN where not finite @param {Palette} palette */
function fillImage(image, values, palette) {
  const { width: W, height: H, data } = image, { table, scale, shift, classes } = palette;
  const n = Math.round(Math.sqrt(values.length)), cols = cellsAlong(W, n), rows = cellsAlong(H, n);
  for (let py = 0; py < H; py++) {
    const r0 = (rows.lo[py] ?? 0) * n, r1 = (rows.hi[py] ?? 0) * n, fy = rows.f[py] ?? 0;
    for (let px = 0; px < W; px++) {
      const c0 = cols.lo[px] ?? 0, c1 = cols.hi[px] ?? 0, fx = cols.f[px] ?? 0;
      const v = classes ? values[(fy < 0.5 ? r0 : r1) + (fx < 0.5 ? c0 : c1)] ?? NaN
        : ((values[r0 + c0] ?? NaN) * (1 - fx) + (values[r0 + c1] ?? NaN) * fx) * (1 - fy)
          + ((values[r1 + c0] ?? NaN) * (1 - fx) + (values[r1 + c1] ?? NaN) * fx) * fy;
      const k = 3 * (v !== v ? 256 : classes ? clamp(Math.round(v), 0, CLASS_RGB.length - 1)
        : Math.round((clamp(v * scale + shift, -1, 1) + 1) * 127.5)), i = 4 * (py * W + px);
      data[i] = table[k] ?? 0;
      data[i + 1] = table[k + 1] ?? 0;
      data[i + 2] = table[k + 2] ?? 0;
      data[i + 3] = 255;
    }
  }
}

/* the canvas a large map is painted on before it is scaled to its own */
const scratch = { canvas: /** @type {HTMLCanvasElement | null} */ (null) };

/** A map on a canvas: painted at most `most` pixels a side, then scaled by the browser (which smooths it).
    @param {HTMLCanvasElement} canvas @param {MapData} map @param {MapKind} kind @param {boolean} crisp
    @param {number} fade @param {number} most */
function paintMap(canvas, map, kind, crisp, fade, most) {
  const ctx = canvas.getContext("2d");
  if (!ctx || !canvas.width || !canvas.height) { return; }
  const w = Math.min(most, canvas.width), h = Math.min(most, canvas.height);
  const image = ctx.createImageData(w, h);
  fillImage(image, decode(map), paletteOf(kind, crisp, Math.max(Math.abs(map.lo), Math.abs(map.hi)) || 1, fade));
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (w === canvas.width && h === canvas.height) { ctx.putImageData(image, 0, 0); return; }
  const small = scratch.canvas = scratch.canvas || element("canvas");
  small.width = w;
  small.height = h;
  const smallCtx = small.getContext("2d");
  if (!smallCtx) { return; }
  smallCtx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, w, h, 0, 0, canvas.width, canvas.height);
}

/** A node's small map, painted again only when it changed. @param {Core} view @param {HTMLCanvasElement} canvas
    @param {MapData} map @param {boolean} crisp */
function paintNode(view, canvas, map, crisp) {
  const key = `${crisp}|${canvas.width}|${map.lo}|${map.hi}|${map.data}`;
  if (view.painted.get(canvas) === key) { return; }
  view.painted.set(canvas, key);
  paintMap(canvas, map, "value", crisp, 0, PAINTED_NODE);
}

/** What the output's map shows: the output, or the hovered node's map; with a caption and the legend's name.
    @typedef {{key: string, map: MapData, kind: MapKind, caption: string, name: string}} Shown */

/** @param {View} view @param {Frame} frame @param {Maps} maps @returns {Shown} */
function shownMap(view, frame, maps) {
  const [what, key] = view.hovered.split(/:(.*)/s);
  if (what === "neuron" && key && maps.neurons[key]) {
    const u = unitOf(frame, key);
    return { key: view.hovered, map: maps.neurons[key], kind: "value", caption: `${u.words}: ${u.a} over the plane`,
      name: u.a ?? "a" };
  }
  if (what === "feature" && key && maps.features[key]) {
    return { key: view.hovered, map: maps.features[key], kind: "value",
      caption: `the feature ${featureLabel(key)} over the plane`, name: featureLabel(key) };
  }
  const o = maps.output, words = { probability: ["the probability of class 1", "P(class 1)"],
    classes: ["the class the network picks", "class"], score: ["the score (above 0: class 1)", "score"],
    value: ["the value the network gives", "value"] }[o.kind];
  return { key: "output", map: o, kind: o.kind, caption: `The output: ${words[0]}`, name: words[1] };
}

/** The output's map (or the hovered node's), the points on it (test points with a dark ring), a ring around the
    chosen example; the axes' ticks and the colours' legend. @param {View} view @param {Frame} frame
    @param {Maps} maps */
function drawBoundary(view, frame, maps) {
  const output = view.output, canvas = output.boundary, shown = shownMap(view, frame, maps);
  const size = canvas.clientWidth || view.sizes.map, crisp = frame.settings.discretize;
  const background = output.background, key = `${shown.key}|${crisp}|${canvas.width}|${shown.map.data}`;
  if (view.painted.get(background) !== key) {
    view.painted.set(background, key);
    background.width = canvas.width;
    background.height = canvas.height;
    paintMap(background, shown.map, shown.kind, crisp, 0.4, PAINTED_OUTPUT);
  }
  const ctx = context(canvas);
  if (!ctx) { return; }
  ctx.drawImage(background, 0, 0, size, size);
  canvas.dataset["ring"] = drawPoints(ctx, frame, maps, size);
  canvas.dataset["showing"] = shown.key;
  output.caption.textContent = shown.caption;
  drawTicks(output, maps, size);
  drawLegend(output.legend, frame, shown);
}

/** The points, and a ring around the chosen example (none when none is chosen); returns the ringed point, as
    "train.3", or "". @param {CanvasRenderingContext2D} ctx @param {Frame} frame @param {Maps} maps
    @param {number} size */
function drawPoints(ctx, frame, maps, size) {
  const radius = clamp(size / 95, 3, 5.5), largest = Math.max(1, ...frame.train.map((p) => Math.abs(p[2])));
  const colour = (/** @type {number} */ label) => css(frame.problem === "regression"
    ? diverging(label / largest) : classColour(label));
  const ring = (/** @type {Point} */ p, /** @type {number} */ r) => {
    const [x, y] = toMap(maps, size, p[0], p[1]);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  };
  for (const [list, test] of /** @type {[Point[], boolean][]} */ ([[frame.train, false],
    [frame.settings.showTestData ? frame.test : [], true]])) {
    ctx.lineWidth = 1;
    ctx.strokeStyle = test ? "#222" : "#fff";  /* test points: a dark ring */
    for (const p of list) {
      ring(p, radius);
      ctx.fillStyle = colour(p[2]);
      ctx.fill();
      ctx.stroke();
    }
  }
  const chosen = frame.selected.example;
  const p = chosen && (chosen[0] === "train" ? frame.train : frame.test)[chosen[1]];
  if (!chosen || !p) { return ""; }
  ring(p, radius + 5);
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = "#111";
  ctx.stroke();
  return `${chosen[0]}.${chosen[1]}`;
}

/** A point of the plane on the map, in CSS pixels. @param {Maps} maps @param {number} size the map's side
    @param {number} x1 @param {number} x2 @returns {[number, number]} */
function toMap(maps, size, x1, x2) {
  const [a, b, c, d] = maps.extent;
  return [(x1 - a) / (b - a) * size, (d - x2) / (d - c) * size];
}

/** Round values between lo and hi, about five of them: 1, 2 or 5 times a power of ten apart.
    @param {number} lo @param {number} hi @returns {number[]} */
function ticksBetween(lo, hi) {
  const raw = (hi - lo) / 5, power = 10 ** Math.floor(Math.log10(raw)), f = raw / power;
  const step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power, out = [];
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) { out.push(Number((k * step).toPrecision(6))); }
  return out;
}

/** The axes' ticks: x₁ along the bottom, x₂ up the left. @param {OutputView} output @param {Maps} maps
    @param {number} size */
function drawTicks(output, maps, size) {
  const key = JSON.stringify([maps.extent, size]);
  if (key === output.ticksKey) { return; }
  output.ticksKey = key;
  const [a, b, c, d] = maps.extent;
  output.xTicks.textContent = "";
  output.yTicks.textContent = "";
  for (const v of ticksBetween(a, b)) {
    output.xTicks.append(element("span", { class: "gg-tick", text: String(v), style: `left:${(v - a) / (b - a) * size}px` }));
  }
  for (const v of ticksBetween(c, d)) {
    output.yTicks.append(element("span", { class: "gg-tick", text: String(v), style: `top:${(d - v) / (d - c) * size}px` }));
  }
}

/** The colours of the map shown, with numbers: a scale from orange through white to blue with its ends and
    middle, or a swatch a class. @param {HTMLElement} legend @param {Frame} frame @param {Shown} shown */
function drawLegend(legend, frame, shown) {
  const { map, kind } = shown, crisp = frame.settings.discretize, m = Math.max(Math.abs(map.lo), Math.abs(map.hi));
  const key = JSON.stringify([shown.key, kind, crisp, kind === "probability" || kind === "classes" ? 0 : m,
    frame.classes]);
  if (legend.dataset["key"] === key) { return; }
  legend.dataset["key"] = key;
  legend.textContent = "";
  if (kind === "classes" || (crisp && (kind === "probability" || kind === "score"))) {
    const count = kind === "classes" ? frame.classes : 2;
    legend.append(...Array.from({ length: count }, (_, k) => element("span", { class: "gg-swatch" }, [
      element("span", { class: "gg-swatch-box", style: `background:${css(mix(WHITE, classColour(k), 0.75))}` }),
      `class ${k}`])));
    return;
  }
  const ends = kind === "probability" ? ["0", "0.5", "1"] : [format3(-m), "0", format3(m)];
  const bar = element("div", { class: "gg-legend-bar", style: `background:linear-gradient(to right,` +
    `${css(diverging(-1))},${css(WHITE)},${css(diverging(1))})` });
  legend.append(element("span", { class: "gg-legend-name", text: shown.name }), element("div", { class: "gg-scale" }, [
    bar, element("div", { class: "gg-legend-numbers" }, ends.map((t) => element("span", { text: t })))]));
}

/** The point shown within a few pixels of (px, py) on the map, nearest first: [part, index], or null.
    @param {Frame} frame @param {Maps} maps @param {number} size @param {number} px @param {number} py
    @returns {[Part, number] | null} */
function nearestPoint(frame, maps, size, px, py) {
  /** @type {[Part, number] | null} */
  let best = null, distance = 7;  /* pixels */
  /** @type {[Part, Point[]][]} */
  const shown = [["train", frame.train], ["test", frame.settings.showTestData ? frame.test : []]];
  for (const [part, list] of shown) {
    list.forEach((p, i) => {
      const [x, y] = toMap(maps, size, p[0], p[1]), d = Math.hypot(x - px, y - py);
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
  const near = nearestPoint(frame, frame.maps, r.width, e.clientX - r.left, e.clientY - r.top);
  if (e.shiftKey) {
    view.model.send({ type: "remove-point", x1: x1, x2: x2, radius: (b - a) / 30 });
  } else if (near) {  /* a click on a point picks it as the example */
    view.model.send({ type: "select-example", part: near[0], index: near[1] });
  } else {
    view.model.send({ type: "add-point", x1: x1, x2: x2, label: Number(view.output.pointClass.value) });
  }
}

/* -- the output column and the loss chart -------------------------------------------------------------------- */

/** The output column: the losses (each in its curve's colour), the chart, the map with its ticks, caption and
    legend, and its options. @param {Core} view @returns {OutputView} */
function makeOutput(view) {
  const swatch = (/** @type {string} */ colour) => element("span", { class: "gg-line", style: `background:${colour}` });
  const mapBlock = element("div", { class: "gg-map" });
  /** @type {OutputView} */
  const out = {
    column: element("section", { class: "gg-column gg-output" }), mapBlock: mapBlock,
    trainLoss: element("span", { id: "train-loss", class: "gg-loss", text: "\u2014" }),
    testLoss: element("span", { id: "test-loss", class: "gg-loss", text: "\u2014" }),
    trainAcc: element("span", { class: "gg-acc" }), testAcc: element("span", { class: "gg-acc" }),
    chart: element("canvas", { id: "loss-chart" }),
    boundary: element("canvas", { id: "boundary",
      title: "Click: add a point of the chosen class (on a point: choose it as the example); shift-click: remove" }),
    background: element("canvas"),
    xTicks: element("div", { class: "gg-xticks" }), yTicks: element("div", { class: "gg-yticks" }),
    caption: element("div", { class: "gg-caption", id: "map-caption" }),
    legend: element("div", { class: "gg-legend", id: "legend" }), ticksKey: "",
    showTest: element("input", { type: "checkbox", id: "showTestData" }),
    discretize: element("input", { type: "checkbox", id: "discretize" }),
    pointClass: element("select", { id: "point-class", "aria-label": "Class of a new point" }),
  };
  for (const box of [out.showTest, out.discretize]) {
    box.addEventListener("change", () => change(view, { [box.id]: box.checked ? "true" : "false" }));
  }
  mapBlock.append(out.yTicks, out.boundary, element("div", { class: "gg-axis-names" }, [
    element("span", { text: "x\u2082\u2191" }), element("span", { text: "x\u2081\u2192" })]), out.xTicks);
  out.column.append(element("h2", { text: "Output" }),
    element("div", { class: "gg-losses" }, [
      element("div", {}, [swatch(TEST_COLOUR), element("span", { text: "Test loss " }), out.testLoss, out.testAcc]),
      element("div", {}, [swatch(TRAIN_COLOUR), element("span", { text: "Training loss " }), out.trainLoss,
        out.trainAcc])]),
    out.chart, out.caption, mapBlock, out.legend,
    element("div", { class: "gg-row" }, [
      element("label", { class: "gg-check" }, [out.showTest, element("span", { text: "Show test data" })]),
      element("label", { class: "gg-check" }, [out.discretize, element("span", { text: "Discretize output" })])]),
    element("div", { class: "gg-row" }, [element("label", {}, [element("span", { text: "New point: " }),
      out.pointClass]), element("span", { class: "gg-hint", text: "click to add, shift-click to remove" })]));
  return out;
}

/** The losses and accuracies. @param {OutputView} out @param {Frame} frame */
function drawLosses(out, frame) {
  const accuracy = (/** @type {number | null} */ a) => a === null ? "" : ` (accuracy ${(100 * a).toFixed(1)}%)`;
  out.trainLoss.textContent = format(frame.train_loss);
  out.testLoss.textContent = format(frame.test_loss);
  const lost = (/** @type {number | null} */ loss) => loss === null && frame.divergence ? " not finite" : "";
  out.trainAcc.textContent = lost(frame.train_loss) + accuracy(frame.train_accuracy);
  out.testAcc.textContent = lost(frame.test_loss) + accuracy(frame.test_accuracy);
}

/** The chart's curves: the loss per epoch kept, and the losses now (those shown above the chart) as the last
    point, so that the chart and the numbers agree; a loss that is not finite now keeps the epoch's last.
    @param {Frame} frame @returns {[number, number | null, number | null][]} */
function chartPoints(frame) {
  const h = frame.history.slice(), last = h[h.length - 1];
  if (frame.timeline.viewing !== null) { return h; }
  const kept = last && last[0] === frame.epoch ? last : null;
  const now = /** @type {[number, number | null, number | null]} */ ([frame.epoch,
    frame.train_loss ?? (kept ? kept[1] : null), frame.test_loss ?? (kept ? kept[2] : null)]);
  if (kept) { h[h.length - 1] = now; } else { h.push(now); }
  return h;
}

/** The loss per epoch, training and test in their colours, with the epoch the timeline shows marked; its axes'
    numbers in margins the curves keep clear of. @param {HTMLCanvasElement} chart @param {Frame} frame */
function drawChart(chart, frame) {
  const ctx = context(chart), W = chart.clientWidth, H = chart.clientHeight;
  if (!ctx || !W) { return; }
  ctx.clearRect(0, 0, W, H);
  const h = chartPoints(frame), values = h.flatMap((e) => [e[1], e[2]]).filter((v) => v !== null);
  const font = parseFloat(getComputedStyle(chart).fontSize) || 13;
  const box = { left: 0, top: 4, right: W - 2, bottom: H - font - 6 };
  const top = Math.max(0, ...values), last = Math.max(1, ...h.map((e) => e[0]));
  box.left = chartAxes(ctx, box, font, top, last);
  chart.dataset["top"] = format(top);
  const x = (/** @type {number} */ epoch) => box.left + epoch / last * (box.right - box.left);
  const y = (/** @type {number} */ v) => box.bottom - v / (top || 1) * (box.bottom - box.top);
  const viewing = frame.timeline.viewing;
  if (viewing !== null) {  /* the epoch the timeline shows */
    ctx.fillStyle = "#c0392b";
    ctx.fillRect(x(viewing) - 1, box.top, 2, box.bottom - box.top);
    chart.dataset["marker"] = String(viewing);
  } else { delete chart.dataset["marker"]; }
  for (const [col, colour] of /** @type {[1 | 2, string][]} */ ([[2, TEST_COLOUR], [1, TRAIN_COLOUR]])) {
    ctx.beginPath();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    let started = false;
    for (const e of h) {
      const v = e[col];
      if (v === null) { started = false; continue; }
      if (started) { ctx.lineTo(x(e[0]), y(v)); } else { ctx.moveTo(x(e[0]), y(v)); started = true; }
    }
    ctx.stroke();
  }
}

/** The chart's axes: the largest loss and 0 up the left, the epochs along the bottom, outside the box the curves
    are drawn in; returns the box's left edge. @param {CanvasRenderingContext2D} ctx
    @param {{left: number, top: number, right: number, bottom: number}} box @param {number} font
    @param {number} top the largest loss @param {number} last the last epoch */
function chartAxes(ctx, box, font, top, last) {
  ctx.font = `${Math.round(font * 0.85)}px 'DejaVu Sans', Verdana, sans-serif`;
  ctx.fillStyle = "#555";
  const label = format(top), left = Math.ceil(Math.max(ctx.measureText(label).width, ctx.measureText("0").width)) + 6;
  ctx.textBaseline = "top";
  ctx.fillText(label, left - 4 - ctx.measureText(label).width, box.top);
  ctx.textBaseline = "bottom";
  ctx.fillText("0", left - 4 - ctx.measureText("0").width, box.bottom + 4);
  ctx.textBaseline = "top";
  ctx.fillText("0", left, box.bottom + 3);
  const end = `epoch ${last}`;
  ctx.fillText(end, box.right - ctx.measureText(end).width, box.bottom + 3);
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left + 0.5, box.top);
  ctx.lineTo(left + 0.5, box.bottom + 0.5);
  ctx.lineTo(box.right, box.bottom + 0.5);
  ctx.stroke();
  return left + 2;
}

/* -- the glass box: an example, a neuron, the gradients, the epochs, where it went wrong ---------------------- */

/** The glass box's controls (under the network) and the neuron's panel (over the side of the row away from the
    neuron). @param {Core} view @returns {[GlassView, HTMLElement]} */
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
    panel: element("section", { id: "neuron-panel", class: "gg-drawer gg-panel" }),
    codeBox: element("section", { id: "code-box", class: "gg-drawer gg-code-box" }),
    panelKey: "",
  };
  glass.divergence.hidden = true;
  glass.panel.hidden = true;
  glass.codeBox.hidden = true;
  wireGlass(view, glass);
  const bar = element("div", { class: "gg-glass" }, [
    element("div", { class: "gg-row" }, [
      element("label", { class: "gg-check", title: "Edges by \u2202C/\u2202w of the last batch, not by w" }, [
        glass.gradientView, element("span", { text: "Gradient view" })]),
      element("span", { class: "gg-glass-gap", text: "Epochs trained:" }), glass.timeline, glass.timelineText,
      glass.continueButton]),
    element("div", { class: "gg-row" }, [element("span", { text: "Example:" }), glass.examplePart,
      glass.exampleIndex, element("span", { class: "gg-hint", text: "or click a point on the map, then a neuron" })]),
    glass.exampleText]);
  return [glass, bar];
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
    @param {View} view @param {Frame} frame */
function drawGlass(view, frame) {
  const glass = view.glass, t = frame.timeline;
  const k = t.viewing === null ? t.epochs.length - 1 : t.epochs.indexOf(t.viewing);
  glass.timeline.max = String(Math.max(0, t.epochs.length - 1));
  if (document.activeElement !== glass.timeline) { glass.timeline.value = String(k); }
  glass.timelineText.textContent = t.viewing === null ? `epoch ${frame.epoch} (now)` : `epoch ${t.viewing}`;
  glass.continueButton.hidden = t.viewing === null;
  glass.divergence.hidden = !frame.divergence;
  glass.divergence.textContent = frame.divergence ? `${frame.divergence.title} ${frame.divergence.message}` : "";
  glass.exampleText.textContent = exampleWords(frame);
  const chosen = frame.selected.example;
  if (chosen && document.activeElement !== glass.exampleIndex) {
    glass.exampleIndex.value = String(chosen[1]);
    glass.examplePart.value = chosen[0];
  }
  drawPanel(view, frame);
}

/** What the example line says: the chosen example's inputs and loss, or why its numbers are not shown.
    @param {Frame} frame */
function exampleWords(frame) {
  const ex = frame.example, chosen = frame.selected.example;
  const part = (/** @type {Part} */ p) => p === "train" ? "training" : "test";
  if (ex) {
    const inputs = ex.inputs.map((v, k) => `${unitOf(frame, `0.${k + 1}`).x ?? "input"} = ${format4(v)}`).join(", ");
    return `${part(ex.part)} example ${ex.index}: ${inputs}; its loss C = ${format4(ex.loss)}. Under each neuron: ` +
      "its a, then \u2202C/\u2202z.";
  }
  if (!chosen) { return frame.playing ? "" : "No example chosen."; }
  const why = frame.divergence ? "no numbers while the network is not finite"
    : frame.playing ? "its numbers show when training pauses" : "its numbers do not fit this network";
  return `${part(chosen[0])} example ${chosen[1]} chosen: ${why}.`;
}

/** The opened neuron's panel, drawn anew only when what it shows changed, on the side away from the neuron.
    @param {View} view @param {Frame} frame */
function drawPanel(view, frame) {
  const glass = view.glass, p = frame.panel;
  glass.panel.hidden = !p;
  if (!p) { glass.panelKey = ""; return; }
  const bias = frame.parameters[p.bias.name];
  const key = JSON.stringify([p.neuron, p.rows, p.bias, frame.selected.example, bias, frame.units[p.neuron]]);
  if (key !== glass.panelKey) {
    glass.panelKey = key;
    fillPanel(view, frame, p);
  }
  placeDrawer(view, glass.panel, p.neuron);
}

/** A drawer over the row, on the side of the neuron with more room, as wide as that room (between 430 and 1000
    pixels): the neuron stays in sight. @param {View} view @param {HTMLElement} drawer @param {string} key "L.j" */
function placeDrawer(view, drawer, key) {
  const node = view.net.network.querySelector(`[data-neuron="${key}"]`), room = view.main.getBoundingClientRect();
  const box = node ? node.getBoundingClientRect() : null;
  const right = box ? room.right - box.right - 14 : room.width, left = box ? box.left - room.left - 14 : 0;
  drawer.classList.toggle("gg-on-left", left > right);
  drawer.style.width = `${Math.round(clamp(Math.max(left, right), Math.min(room.width, 430), 1000))}px`;
}

/** The panel's content: its title in the lecture's words, the neuron's numbers, the lecture's identity
    ∂C/∂w = a · ∂C/∂z row by row, its bias to type, the step-through buttons and its graph.
    @param {View} view @param {Frame} frame @param {Panel} p */
function fillPanel(view, frame, p) {
  const panel = view.glass.panel, u = unitOf(frame, p.neuron), model = view.model;
  panel.textContent = "";
  const figure = element("div", { class: "gg-panel-graph", title: "Click: the graph at its own size, or fit" });
  figure.innerHTML = p.svg;  /* drawn by viz.draw_graph from the engine's numbers */
  figure.addEventListener("click", () => figure.classList.toggle("gg-zoomed"));
  const stepButton = (/** @type {"neuron" | "example"} */ scope, /** @type {string} */ text) => element("button", {
    class: "gg-steps-button", "data-scope": scope, text: text,
    onclick: () => model.send({ type: "export", what: "steps", scope: scope }) });
  panel.append(
    element("h2", {}, [element("span", { class: "gg-panel-title", text: `${u.words} (${u.a})` }),
      element("button", { class: "gg-close", text: "Close", onclick: () => model.send({ type: "close-neuron" }) })]),
    element("p", { class: "gg-panel-numbers", text: `${u.z} = ${format4(p.z)}, ${u.a} = ${format4(p.a)}, ` +
      `\u2202C/\u2202${u.z} = ${format4(p.dz)}` }),
    element("p", { class: "gg-hint", text: "The lecture's identity, each number from the engine: a weight's " +
      `gradient is its input times the neuron's \u2202C/\u2202${u.z}.` }),
    element("table", { class: "gg-identity" }, identityRows(frame, p)),
    biasEditor(view, frame, p.bias.name),
    element("div", { class: "gg-row" }, [stepButton("neuron", "Step through this neuron"),
      stepButton("example", "Step through the whole example")]),
    element("div", { class: "gg-steps" }), figure);
}

/** A row per weight, ∂C/∂wᵢⱼˡ = aⱼˡ⁻¹ · ∂C/∂zᵢˡ with the numbers, and one for the bias. @param {Frame} frame
    @param {Panel} p */
function identityRows(frame, p) {
  const u = unitOf(frame, p.neuron), dz = `\u2202C/\u2202${u.z}`;
  const rows = p.rows.map((r) => {
    const parts = r.name.split("."), from = unitOf(frame, `${parts[1]}.${Number(parts[5]) + 1}`);
    return element("tr", { "data-weight": r.name }, [
      element("td", { text: `\u2202C/\u2202${lectureName(frame, r.name)}` }),
      element("td", { text: `= ${from.x ?? from.a} \u00b7 ${dz}` }),
      element("td", { class: "gg-a", text: `= (${format4(r.a)})` }),
      element("td", { class: "gg-dz", text: `\u00d7 (${format4(r.dz)})` }),
      element("td", { class: "gg-grad", text: `= ${format4(r.grad)}` }),
    ]);
  });
  rows.push(element("tr", { "data-weight": p.bias.name }, [
    element("td", { text: `\u2202C/\u2202${lectureName(frame, p.bias.name)}` }), element("td", { text: `= ${dz}` }),
    element("td"), element("td"), element("td", { class: "gg-grad", text: `= ${format4(p.bias.grad)}` })]));
  return rows;
}

/** The neuron's bias, to type a new one (Enter sends it). @param {Core} view @param {Frame} frame
    @param {string} name the bias's name */
function biasEditor(view, frame, name) {
  const b = frame.parameters[name];
  const input = element("input", { type: "text", class: "gg-bias-input", "aria-label": `new value of ` +
    `${lectureName(frame, name)}`, value: editable(b) });
  input.addEventListener("keydown", (k) => {
    if (k.key === "Enter") { view.model.send({ type: "weight", name: name, value: input.value.trim() }); }
  });
  return element("label", { class: "gg-row" }, [element("span", { text: `Its bias ${lectureName(frame, name)} =` }),
    input, element("span", { class: "gg-hint", text: "type a new one, then Enter" })]);
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
    const box = element("textarea", { class: "gg-code", id: "code-text", readonly: "readonly", rows: 24 });
    box.value = out.text;
    glass.codeBox.textContent = "";
    glass.codeBox.append(element("h2", {}, [element("span", { text: "The run as code (copied)" }),
      element("button", { class: "gg-close", text: "Close", onclick: () => { glass.codeBox.hidden = true; } })]), box);
    glass.codeBox.hidden = false;
    box.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(out.text).catch(() => {}); }
    return;
  }
  download(out.text, "application/json", out.filename);
}

/* -- the frame loop ------------------------------------------------------------------------------------------ */

/** Everything drawn for the newest frame (once an animation frame: frames that came in between are skipped).
    @param {View} view */
function draw(view) {
  view.busy = false;
  const frame = view.frame;
  if (!frame) { return; }
  const started = performance.now(), { controls, output, root } = view;
  applyRules(view, controls, frame.rules);
  controls.play.textContent = frame.playing ? "\u275a\u275a Pause" : "\u25b6 Play";
  controls.play.setAttribute("aria-pressed", frame.playing ? "true" : "false");
  controls.epoch.textContent = String(frame.epoch);
  drawLosses(output, frame);
  drawControls(view, frame);
  for (const part of [output.mapBlock, output.caption, output.legend]) { part.hidden = !frame.maps; }
  fit(view);
  drawNetwork(view, frame);
  if (frame.maps) { drawBoundary(view, frame, frame.maps); }
  drawChart(output.chart, frame);
  drawGlass(view, frame);
  root.dataset["step"] = String(frame.step);
  root.dataset["drawn"] = String(Number(root.dataset["drawn"] || 0) + 1);  /* frames drawn: the page's update count */
  root.dataset["drawMs"] = (performance.now() - started).toFixed(1);  /* what the last one took */
}

/** A draw at the next animation frame, unless one is asked for already. @param {View} view */
function requestDraw(view) {
  if (!view.busy) { view.busy = true; requestAnimationFrame(() => draw(view)); }
}

/** The model's newest frame, completed with what earlier frames kept; drawn at the next animation frame. What a
    command's answer carries for its sender (notices, an export) is taken at once, before a newer frame hides it.
    @param {View} view */
function take(view) {
  const next = view.model.get("frame");
  if (!next) { return; }
  const kept = view.kept;
  if (next.train && next.test) { kept.train = next.train; kept.test = next.test; }
  if (next.rules) { kept.rules = next.rules; }
  if (next.names) { kept.names = next.names; }
  if (next.units) { kept.units = next.units; }
  if ("maps" in next && next.maps !== undefined) { kept.maps = next.maps; }
  if (next.notices) { showNotices(view, next.notices); }
  delete next.notices;  /* shown once, also when the frame is read again */
  if (!("maps" in next) && !view.frame) { return; }  /* a message's answer while playing: maps follow */
  const { train, test, rules, maps } = kept;
  if (!train || !test || !rules || maps === undefined) { return; }
  const out = next.export;
  delete next.export;  /* handled once, also when the frame is read again */
  view.frame = Object.assign({}, next, { train, test, rules, maps, names: kept.names || {}, units: kept.units || {} });
  if (out) { handleExport(view.glass, out); }
  requestDraw(view);
}

/** The playground drawn into `el`, kept in step with `model`; returns what removes it. It fills `el`'s height
    when `el` has one (the page), else takes a height of its own (the widget); narrower than COMPACT_WIDTH (a
    notebook's column) it takes the compact layout.
    @param {{model: Model, el: HTMLElement}} where */
function render({ model, el }) {
  const root = element("div", { class: `gg-playground${el.clientHeight < 400 ? " gg-own-height" : ""}` });
  root.classList.toggle("gg-compact", el.clientWidth > 0 && el.clientWidth < COMPACT_WIDTH);  /* from the first draw */
  el.append(root);
  /** @type {Core} */
  const core = { model, root, main: element("div", { class: "gg-main" }), frame: null, kept: {}, busy: false,
    rulesKey: "", source: null, hovered: "", painted: new Map(), sizes: { map: 0, chart: 0 },
    tooltip: element("div", { class: "gg-tooltip" }),
    message: element("div", { id: "message", class: "gg-message", role: "alert" }),
    notice: element("div", { id: "notice", class: "gg-notice", role: "status" }) };
  core.model = noting(model, core);
  for (const line of [core.tooltip, core.message, core.notice]) { line.hidden = true; }
  const [controls, top, data] = makeControls(core), [net, network] = makeNetworkView(core);
  const output = makeOutput(core), [glass, glassBar] = makeGlass(core);
  const view = Object.assign(core, { controls, net, output, glass });
  network.append(glassBar);
  glass.gradientView.addEventListener("change", () => requestDraw(view));
  output.boundary.addEventListener("click", (e) => clickMap(view, e));
  core.main.append(data, network, output.column, glass.panel, glass.codeBox);
  root.append(top, core.message, core.notice, glass.divergence, core.main, core.tooltip);
  model.on("change:frame", () => take(view));
  model.on("change:error", () => showError(view, model.get("error") || ""));
  const resized = new ResizeObserver(() => {
    root.classList.toggle("gg-compact", root.clientWidth < COMPACT_WIDTH);  /* its own width, not the window's */
    requestDraw(view);
  });
  resized.observe(root);
  resized.observe(core.main);
  window.addEventListener("hashchange", () => {  /* the link sends a message (serverModel), not a control */
    core.source = null;
    showNotices(core, []);
  });
  take(view);
  showError(view, model.get("error") || "");
  return () => { resized.disconnect(); root.remove(); };
}

/* -- the server's model -------------------------------------------------------------------------------------- */

/** The model interface over the playground's server: commands by POST, frames by server-sent events, and the
    settings kept in the page's URL hash (a link reproduces the run; a hash edited on the open page is applied).
    @param {string} token @returns {Promise<Model>} */
export async function serverModel(token) {
  /** @type {Traits} */
  const values = { frame: null, error: "", link: "" };
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
  keepLink(model, values);
  set("frame", started.frame);
  window.addEventListener("hashchange", () => {
    const [text, wrong] = linkSettings(location.hash);
    if (wrong) { set("error", `The link's settings were not applied: ${wrong}`); return; }
    if (text !== values.link) { send({ type: "settings", hash: text }); }  /* only what it names changes */
  });
  const events = new EventSource(api("api/events"));
  events.addEventListener("frame", (e) => set("frame", JSON.parse(/** @type {MessageEvent<string>} */ (e).data)));
  return model;
}

/** The page's link kept with each frame: the run's link as the server writes it (its settings, and the points
    when they are not the data set's own and fit a link); written in the URL hash without a new history entry.
    @param {Model} model @param {Traits} values */
function keepLink(model, values) {
  model.on("change:frame", () => {
    const f = values.frame;
    if (!f || !f.hash) { return; }
    values.link = f.hash;
    if (linkSettings(location.hash)[0] !== values.link) { history.replaceState(null, "", `#${values.link}`); }
  });
}

/** This page's own run, started on the server from the link's settings (its hash text): the run's id, its first
    frame (with the notices of what the link said that means nothing here), and why the link's settings were not
    applied (then the run has the defaults). @param {string} url @param {string} token @param {string} hash
    @returns {Promise<{session: string, frame: Incoming, error: string}>} */
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
  return { session: answer.session, frame: answer, error: error };
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
