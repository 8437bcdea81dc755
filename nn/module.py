"""``Module``: what every network part has — its parameters, their gradients, and a state that saves to JSON."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from engine import Value
from nn.files import quote, read_json, shorten, write_json_atomic

#: What a saved model file says it is, and the version of its layout.
FORMAT = "glassgrad-model"
VERSION = 1

#: The largest model file ``load`` reads, in bytes (100 MB): some two million parameters, far more than a network
#: of Values trains; a larger file is refused by its size before it is read.
MAX_MODEL_BYTES = 100_000_000

#: The most characters ``load`` keeps of a constructor's complaint about a config, which may quote a value of the
#: file whole: its own words (some 40 characters before the value) and a few dozen of the value.
COMPLAINT_CHARS = 100

M = TypeVar("M", bound="Module")


def _some(names: list[str]) -> str:
    """``3 ('a', 'b', 'c', ...)``: how many names, and the first few."""
    shown = ", ".join(map(quote, names[:3]))
    return f"{len(names)} ({shown}{', ...' if len(names) > 3 else ''})"


class Module:
    """A part of a network. Subclasses give ``named_parameters()`` and ``config()`` (their constructor arguments)."""

    def __call__(self, x: Any) -> Any:
        """The module's output for the input ``x``."""
        raise NotImplementedError

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``[(name, Value)]`` in a fixed order, e.g. ``("layers.0.neurons.3.w.1", w)``."""
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's shape (JSON-able)."""
        raise NotImplementedError

    def parameters(self) -> list[Value]:
        """The parameters, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (``backward()`` adds into leaves)."""
        for p in self.parameters():
            p.grad = 0.0

    def copy(self: M, parameters: Mapping[str, object] | None = None) -> M:
        """A new module of the same shape (``config()``) holding ``parameters`` by name (default: this one's)."""
        twin = type(self).from_config(self.config())
        twin.load_state_dict(self.state_dict() if parameters is None else parameters)
        return twin

    def state_dict(self) -> dict[str, float]:
        """``{name: value}`` of every parameter."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set the parameters from ``state``; a ValueError, and the module untouched, unless every name matches
        and every value is a finite number."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> number, got {type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        known = set(expected)
        missing = [n for n in expected if n not in state]
        unexpected = [n for n in state if n not in known]
        if missing or unexpected:
            found = (("missing", missing), ("unexpected", unexpected))
            parts = [f"{kind} {_some(names)}" for kind, names in found if names]
            raise ValueError(
                f"load_state_dict: the names do not match this {type(self).__name__}'s "
                f"{len(expected)} parameters: {'; '.join(parts)}"
            )
        values = []
        for name in expected:
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise ValueError(f"load_state_dict: {name!r} must be a number, got {quote(v)} ({type(v).__name__})")
            try:
                x = float(v)
            except OverflowError:  # an int too large for a float, e.g. a 400-digit JSON integer
                x = math.inf
            if not math.isfinite(x):
                raise ValueError(f"load_state_dict: {name!r} must be finite, got {quote(v)}")
            values.append(x)
        for (_, p), v in zip(named, values):  # every check passed: now change the model
            p.data = v

    def document(self) -> dict[str, Any]:
        """The JSON document ``save`` writes and ``load`` reads: format, version, class, config, parameters."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "model": type(self).__name__,
            "config": self.config(),
            "parameters": self.state_dict(),
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the module as JSON (``document()``), atomically; returns the path."""
        return write_json_atomic(path, self.document())

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """How many parameters a module of this ``config`` has, without building it (None: unknown)."""
        return None

    @classmethod
    def from_config(cls: type[M], config: Mapping[str, Any]) -> M:
        """A new module of the shape ``config`` describes (its weights freshly initialized)."""
        return cls(**config)

    @classmethod
    def load(cls: type[M], path: str | os.PathLike[str]) -> M:
        """Read a module saved by ``save``. JSON only, never pickle: a file cannot run code. Any problem with
        the file is a ValueError that says what was wrong, quoting a few dozen characters of a bad value at most.
        A file over ``MAX_MODEL_BYTES`` (100 MB), or anything but a regular file (a FIFO, a device such as
        ``/dev/zero``, a folder), is refused before it is read."""
        what = f"{cls.__name__}.load"
        doc = read_json(path, what, MAX_MODEL_BYTES)
        if not isinstance(doc, dict):
            raise ValueError(f"{what}: expected a JSON object in {str(path)!r}, got {type(doc).__name__}")
        if doc.get("format") != FORMAT:
            raise ValueError(f"{what}: {str(path)!r} is not a glassgrad model (format {quote(doc.get('format'))})")
        if type(doc.get("version")) is not int or doc.get("version") != VERSION:  # not True, not 1.0
            raise ValueError(
                f"{what}: {str(path)!r} has format version {quote(doc.get('version'))}; "
                f"this glassgrad reads version {VERSION}"
            )
        if doc.get("model") != cls.__name__:
            raise ValueError(f"{what}: {str(path)!r} holds a {quote(doc.get('model'))}, not a {cls.__name__}")
        config, parameters = doc.get("config"), doc.get("parameters")
        if not isinstance(config, dict) or not isinstance(parameters, dict):
            raise ValueError(f"{what}: {str(path)!r} needs a 'config' object and a 'parameters' object")
        count = cls.parameter_count(config)
        if count is not None and count != len(parameters):
            raise ValueError(
                f"{what}: {str(path)!r} describes a {cls.__name__} of {count} parameters but holds {len(parameters)}"
            )
        try:
            model = cls.from_config(config)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{what}: {str(path)!r} has an invalid config {quote(config)}: "
                             f"{shorten(str(error), COMPLAINT_CHARS)}") from None
        model.load_state_dict(parameters)
        return model
