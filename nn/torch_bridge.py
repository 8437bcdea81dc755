"""Convert an ``MLP`` to a ``torch.nn.Sequential`` and back (the optional extra ``glassgrad[torch]``).

The bridge speaks an MLP's plain description, never the class itself (``nn.network`` imports this module, not
the other way round): ``to_torch(config, state)`` takes ``MLP.config()`` and ``MLP.state_dict()`` and builds
``Linear, activation, Linear, …, Linear[, Softmax(dim=-1) | Sigmoid]`` in float64 with those weights, so the
same input gives the same outputs and, for the same loss, the same parameter gradients as glassgrad.
``from_torch(seq)`` reads such a Sequential back into ``(config, state)`` and refuses, with a ``ValueError``
naming the module, anything it cannot represent. ``MLP.to_torch()`` and ``MLP.from_torch(seq)`` are the calls
on models.

PyTorch is imported inside these functions only: ``import nn`` never needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from engine.value import describe
from nn.activations import LEAKY_SLOPE

if TYPE_CHECKING:
    import torch

#: The PyTorch version this bridge is tested against (what ``glassgrad[torch]`` installs).
TORCH_VERSION = "2.13.0"

_SUPPORTED = (
    "nn.Linear (with bias) layers, one activation between consecutive Linears, the same for all of them "
    f"(nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU(negative_slope={LEAKY_SLOPE}) or nn.Identity for linear), "
    "and optionally a final nn.Softmax(dim=-1) or nn.Sigmoid after the last Linear"
)


def _require_torch() -> None:
    """Nothing when PyTorch can be imported; otherwise an ImportError that says how to install it."""
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise ImportError(
            f"The PyTorch bridge needs PyTorch, which is not installed: pip install 'glassgrad[torch]' "
            f"(torch=={TORCH_VERSION})"
        ) from e


def _activation_modules() -> dict[str, type[torch.nn.Module]]:
    """glassgrad activation name -> the torch module class that computes it."""
    import torch.nn as tnn

    return {
        "sigmoid": tnn.Sigmoid,
        "tanh": tnn.Tanh,
        "relu": tnn.ReLU,
        "leaky_relu": tnn.LeakyReLU,
        "linear": tnn.Identity,
    }


def _config(config: object) -> tuple[list[int], str, str]:
    """The layer sizes (inputs first), the hidden activation and the output of an MLP's ``config()``."""
    expected = "an MLP's config(), a dict with nin, nouts, activation and output"
    if not isinstance(config, Mapping) or not {"nin", "nouts", "activation", "output"} <= set(config):
        raise TypeError(f"to_torch(config): expected {expected}, got {describe(config)}")
    sizes = [config["nin"], *config["nouts"]] if isinstance(config["nouts"], list) else []
    if len(sizes) < 2 or not all(type(n) is int and n > 0 for n in sizes):
        raise ValueError(f"to_torch(config): expected positive int sizes nin and nouts, got {dict(config)!r}")
    if config["activation"] not in _activation_modules() or config["output"] not in ("linear", "softmax", "sigmoid"):
        raise ValueError(f"to_torch(config): expected {expected}, got {dict(config)!r}")
    return sizes, config["activation"], config["output"]


def _parameter(state: Mapping[str, float], name: str) -> float:
    """``state[name]``; a ValueError naming it when it is missing."""
    if name not in state:
        raise ValueError(f"to_torch(state): expected the parameter {name!r} of the config's MLP, got none")
    return state[name]


def to_torch(config: Mapping[str, Any], state: Mapping[str, float]) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` computing the MLP of ``config`` (``MLP.config()``) with the parameters
    ``state`` (``MLP.state_dict()``), copied: ``MLP.to_torch()`` calls it.

    Layer i becomes ``nn.Linear(nin, nout)`` with ``weight = W`` (``nout × nin``) and ``bias = b``; the
    hidden activation (``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``, ``nn.LeakyReLU(0.01)``, or ``nn.Identity``
    for ``"linear"``) follows every layer but the last; ``output="softmax"`` appends ``nn.Softmax(dim=-1)``
    and ``output="sigmoid"`` appends ``nn.Sigmoid``. The result shares no storage with the model.
    """
    _require_torch()
    sizes, activation, output = _config(config)
    if not isinstance(state, Mapping):
        raise TypeError(f"to_torch(state): expected an MLP's state_dict(), got {describe(state)}")
    import torch
    import torch.nn as tnn

    hidden = _activation_modules()[activation]
    modules: list[Any] = []
    for i, (nin, nout) in enumerate(pairwise(sizes)):
        prefix = f"layers.{i}.neurons"
        weight = [[_parameter(state, f"{prefix}.{j}.w.{k}") for k in range(nin)] for j in range(nout)]
        bias = [_parameter(state, f"{prefix}.{j}.b") for j in range(nout)]
        linear = tnn.Linear(nin, nout, bias=True, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        if i < len(sizes) - 2:
            modules.append(hidden(LEAKY_SLOPE) if activation == "leaky_relu" else hidden())
    if output == "softmax":
        modules.append(tnn.Softmax(dim=-1))
    elif output == "sigmoid":
        modules.append(tnn.Sigmoid())
    seq: torch.nn.Sequential = tnn.Sequential(*modules)
    return seq


def _refuse(index: int, module: object, why: str) -> ValueError:
    """The ValueError for a module ``from_torch`` cannot represent: its index, itself, why, and what it can."""
    return ValueError(f"from_torch: cannot represent module {index} ({module!r}): {why}; supported: {_SUPPORTED}")


def _output(modules: list[Any]) -> tuple[str, list[Any]]:
    """The MLP's ``output`` a Sequential's last module gives (softmax, sigmoid or linear), and the modules before
    it (all of them for ``"linear"``)."""
    import torch.nn as tnn

    end = modules[-1]
    if type(end) is tnn.Softmax:
        if end.dim != -1:
            raise _refuse(len(modules) - 1, end, "a softmax must be over the last dimension, dim=-1")
        return "softmax", modules[:-1]
    if type(end) is tnn.Sigmoid and len(modules) >= 2 and type(modules[-2]) is tnn.Linear:
        return "sigmoid", modules[:-1]
    return "linear", modules


def _layers(body: list[Any]) -> tuple[list[Any], str | None]:
    """The Linears of ``Linear, act, Linear, …, Linear`` and the one activation between them (None: no hidden
    layer), each module checked."""
    import torch.nn as tnn

    by_class = {cls: name for name, cls in _activation_modules().items()}
    activation: str | None = None
    activation_at = -1
    layers: list[tnn.Linear] = []
    for i, m in enumerate(body):
        if i % 2 == 0:  # a Linear
            if type(m) is not tnn.Linear:
                raise _refuse(i, m, "expected an nn.Linear here")
            if m.bias is None:
                raise _refuse(i, m, "a Linear without bias (glassgrad neurons always have one)")
            if layers and m.in_features != layers[-1].out_features:
                given = layers[-1].out_features
                raise _refuse(i, m, f"in_features={m.in_features} but the previous Linear gives {given}")
            layers.append(m)
            continue
        name = by_class.get(type(m))
        if name is None:
            raise _refuse(i, m, "expected a supported activation between two Linears")
        if name == "leaky_relu" and m.negative_slope != LEAKY_SLOPE:
            raise _refuse(i, m, f"LeakyReLU must have negative_slope={LEAKY_SLOPE}, glassgrad's leaky_relu")
        if activation is not None and name != activation:
            raise _refuse(i, m, f"every hidden activation must be the same, module {activation_at} is {activation}")
        activation, activation_at = name, i
    if len(body) % 2 == 0:  # ends with an activation, not a Linear
        i = len(body) - 1
        raise _refuse(i, body[i], "the last layer must be an nn.Linear (then optionally Softmax(dim=-1) or Sigmoid)")
    return layers, activation


def from_torch(seq: torch.nn.Sequential) -> tuple[dict[str, Any], dict[str, float]]:
    """``(config, state)`` of the MLP that ``seq`` computes, the shape ``to_torch`` builds: ``MLP.from_config``
    and ``load_state_dict`` make it (``MLP.from_torch(seq)`` does). The weights are copies, as float64 numbers.

    ``seq`` must be ``Linear, act, Linear, act, …, Linear`` with every ``Linear`` having a bias and
    matching the previous one's size, every ``act`` the same supported activation, and optionally a final
    ``nn.Softmax(dim=-1)`` (``output="softmax"``) or ``nn.Sigmoid`` (``output="sigmoid"``). A single
    Linear gives an MLP with no hidden layer (its ``activation`` is then the default ``"relu"``, unused).
    Anything else is a ``ValueError`` naming the module and its index; not a Sequential, a ``TypeError``.
    """
    _require_torch()
    import torch
    import torch.nn as tnn

    if not isinstance(seq, tnn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {describe(seq)}")
    modules = list(seq)
    if not modules:
        raise ValueError(f"from_torch: the Sequential is empty; supported: {_SUPPORTED}")
    output, body = _output(modules)
    if not body:
        raise _refuse(0, modules[0], "there is no nn.Linear before it")
    layers, activation = _layers(body)
    config = {"nin": layers[0].in_features, "nouts": [m.out_features for m in layers],
              "activation": activation or "relu", "output": output}
    state: dict[str, float] = {}
    for i, m in enumerate(layers):
        weight = m.weight.detach().to(device="cpu", dtype=torch.float64).tolist()
        bias = m.bias.detach().to(device="cpu", dtype=torch.float64).tolist()
        for j, (row, b) in enumerate(zip(weight, bias)):
            for k, w in enumerate(row):
                state[f"layers.{i}.neurons.{j}.w.{k}"] = w
            state[f"layers.{i}.neurons.{j}.b"] = b
    return config, state
