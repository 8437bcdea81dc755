"""The playground's maps in a frame: every heatmap over the plane, encoded as one byte a cell.

The front end reads a map ``{"lo", "hi", "data"}`` back as ``lo + byte/254·(hi-lo)``; 255 is "not a finite
number". The output's map says how to colour it (``kind``): a probability, a score, a class, or a value.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy

from playground.snapshot import Snapshot

RESOLUTION = 40  # heatmap cells a side of every small map: the features' and the neurons' (the page interpolates)
OUTPUT_RESOLUTION = 100  # the output's map, as TensorFlow Playground's
LEVELS = 254  # a map's value is encoded as a byte 0..254 over its range; 255 is "not a finite number"


def finite_json(value: Any) -> Any:
    """``value`` with every float that is not finite replaced by None, in its lists and dicts (JSON has no NaN or
    Infinity, and a browser's JSON.parse refuses them): what a frame holds, made safe to send."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def encode_map(values: list[float], lo: float, hi: float) -> dict[str, Any]:
    """A map as ``{"lo", "hi", "data"}``: ``data`` is base64 of one byte a value, ``round((v-lo)/(hi-lo)·254)``,
    clipped to 0..254; a non-finite value is 255."""
    v = numpy.asarray(values, dtype=float)
    finite = numpy.isfinite(v)
    scale = LEVELS / (hi - lo) if hi > lo else 0.0
    with numpy.errstate(all="ignore"):
        levels = numpy.clip(numpy.rint((v - lo) * scale), 0, LEVELS)
    data = numpy.where(finite, levels, 255).astype(numpy.uint8).tobytes()
    return {"lo": lo, "hi": hi, "data": base64.b64encode(data).decode("ascii")}


def symmetric_range(values: list[float]) -> tuple[float, float]:
    """``(-m, m)`` with ``m`` the largest finite |value|, at least 1: activations and features share a scale."""
    v = numpy.abs(numpy.asarray(values, dtype=float))
    m = max(1.0, float(v[numpy.isfinite(v)].max(initial=1.0)))
    return -m, m


def maps(snap: Snapshot, resolution: int = RESOLUTION) -> dict[str, Any] | None:
    """Every heatmap of ``snap``, encoded: the output's (``kind`` says how to colour it), each feature's, each
    neuron's; None when the inputs are not points in the plane (a user's own model of another input size)."""
    if snap.extent is None:
        return None
    fine = max(resolution, OUTPUT_RESOLUTION)
    raw = snap.heatmaps(resolution, fine)
    task, output = snap.task, raw["output"]
    if task.problem == "regression":
        kind, (lo, hi) = "value", symmetric_range(output)
    elif task.classes > 2:
        kind, lo, hi = "classes", 0.0, float(task.classes - 1)
    elif task.output in ("softmax", "sigmoid"):
        kind, lo, hi = "probability", 0.0, 1.0
    else:
        kind, (lo, hi) = "score", symmetric_range(output)
    return {
        "resolution": raw["resolution"],
        "extent": raw["extent"],
        "output": {"kind": kind, "resolution": fine, **encode_map(output, lo, hi)},
        "features": {name: encode_map(v, *symmetric_range(v)) for name, v in raw["features"].items()},
        "neurons": {key: encode_map(v, *symmetric_range(v)) for key, v in raw["neurons"].items()},
    }
