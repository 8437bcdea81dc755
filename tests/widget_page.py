"""The widget's front end in a browser page without Jupyter: its ES module (``Playground._esm``) loaded as
anywidget loads it (a blob URL, then the default export's ``render``), against a stand-in for anywidget's
model that holds a frame made in Python. The tests and scripts/screenshot_widget.py use it."""

from __future__ import annotations

import json
from typing import Any

#: For ``page.evaluate``: style the page, make ``window.model`` (get, set, on, off, send; ``window.sent`` keeps
#: what was sent), import the module from a blob and render it into ``#widget`` (``width`` px wide if given, as a
#: notebook's column is).
RENDER = """async ({esm, css, frameText, width}) => {
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const values = {frame: JSON.parse(frameText), error: ""}, listeners = {};
  window.sent = [];
  window.model = {
    get: (name) => values[name],
    set: (name, value) => { values[name] = value; for (const f of listeners[`change:${name}`] || []) f(); },
    on: (event, f) => { (listeners[event] = listeners[event] || []).push(f); },
    off: () => {},
    send: (message) => { window.sent.push(message); },
  };
  const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
  const module = await import(url);
  URL.revokeObjectURL(url);
  const el = document.createElement("div");
  el.id = "widget";
  if (width) { el.style.width = `${width}px`; }
  document.body.append(el);
  module.default.render({model: window.model, el});
}"""

DRAWN = "document.querySelectorAll('#widget [data-neuron]').length > 0"


def render_widget(page: Any, frame: dict[str, Any], width: int | None = None) -> None:
    """Render the widget's module into ``page`` against ``frame`` (sent as JSON, as the kernel sends it), in a
    container ``width`` px wide if given (else the page's); waits until the network is drawn."""
    from playground.widget import Playground

    page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.evaluate(RENDER, {"esm": Playground._esm, "css": Playground._css,
                           "frameText": json.dumps(frame, allow_nan=False), "width": width})
    page.wait_for_function(DRAWN, timeout=20_000)
    assert not errors, errors


#: For ``page.evaluate`` with a list of frames (``juggle_frames``): one set as the model's frame every 33 ms, 90
#: times (each a new step); then how many were drawn, the step on the screen and what each draw took, in ms.
JUGGLE = """async (frames) => {
    const root = document.querySelector('#widget .gg-playground'), drawn = () => Number(root.dataset.drawn);
    const first = drawn(), times = [];
    for (let k = 0; k < 90; k++) {
        window.model.set('frame', Object.assign({}, frames[k % frames.length], {step: 1000 + k}));
        await new Promise((done) => setTimeout(done, 33));
        times.push(Number(root.dataset.drawMs));
    }
    await new Promise((done) => setTimeout(done, 150));
    return {count: drawn() - first, step: root.dataset.step, times: times};
}"""


def juggle_frames(page: Any, size: tuple[int, int]) -> dict[str, Any]:
    """The widget of a 6×8 network at ``size`` (width, height), sent a new frame (every map changing) every 33 ms,
    90 times: ``{"count": frames drawn, "step": the step on the screen (the last sent is 1089), "times": the
    milliseconds each draw took}``. The screen test checks what is drawn; benchmarks/page_draws.py prints how fast."""
    from playground.runner import Runner
    from playground.session import Session
    from playground.settings import Settings

    runner = Runner(Session(Settings(networkShape=(8,) * 6, learningRate=0.3)))
    frames = [runner.frame(full=True)]
    for _ in range(5):
        runner.handle({"type": "step"})
        frames.append({k: v for k, v in runner.frame().items() if k not in ("train", "test")})
    page.set_viewport_size({"width": size[0], "height": size[1]})
    render_widget(page, frames[0])
    page.wait_for_timeout(300)
    result: dict[str, Any] = page.evaluate(JUGGLE, [json.loads(json.dumps(f)) for f in frames[1:]])
    return result
