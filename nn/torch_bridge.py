"""Convert an ``MLP`` to a ``torch.nn.Sequential`` and back (the optional extra ``glassgrad[torch]``).

``to_torch(model)`` builds ``Linear, activation, Linear, …, Linear[, Softmax(dim=-1) | Sigmoid]`` in
float64 with the model's weights, so the same input gives the same outputs and, for the same loss,
the same parameter gradients as glassgrad. ``from_torch(seq)`` reads such a Sequential back into a
new ``MLP`` and refuses, with a ``ValueError`` naming the module, anything it cannot represent.

PyTorch is imported inside these functions only: ``import nn`` never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.value import describe
from nn.activations import LEAKY_SLOPE

if TYPE_CHECKING:
    import torch

    from nn.network import MLP

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


def to_torch(model: MLP) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` computing the same function as ``model``, with copies of its weights.

    Layer i becomes ``nn.Linear(nin, nout)`` with ``weight = W`` (``nout × nin``) and ``bias = b``; the
    hidden activation (``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``, ``nn.LeakyReLU(0.01)``, or ``nn.Identity``
    for ``"linear"``) follows every layer but the last; ``output="softmax"`` appends ``nn.Softmax(dim=-1)``
    and ``output="sigmoid"`` appends ``nn.Sigmoid``. The result shares no storage with ``model``.
    """
    from nn.network import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expected an MLP, got {describe(model)}")
    _require_torch()
    import torch
    import torch.nn as tnn

    hidden = _activation_modules()[model.activation]
    modules: list[Any] = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        linear = tnn.Linear(layer.nin, layer.nout, bias=True, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in row] for row in layer.W], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([b.data for b in layer.b], dtype=torch.float64))
        modules.append(linear)
        if i < last:
            modules.append(hidden(LEAKY_SLOPE) if model.activation == "leaky_relu" else hidden())
    if model.output == "softmax":
        modules.append(tnn.Softmax(dim=-1))
    elif model.output == "sigmoid":
        modules.append(tnn.Sigmoid())
    seq: torch.nn.Sequential = tnn.Sequential(*modules)
    return seq


def _refuse(index: int, module: object, why: str) -> ValueError:
    return ValueError(f"from_torch: cannot represent module {index} ({module!r}): {why}; supported: {_SUPPORTED}")


def from_torch(seq: torch.nn.Sequential) -> MLP:
    """A new ``MLP`` with the architecture and (copied) weights of ``seq``, the shape ``to_torch`` builds.

    ``seq`` must be ``Linear, act, Linear, act, …, Linear`` with every ``Linear`` having a bias and
    matching the previous one's size, every ``act`` the same supported activation, and optionally a final
    ``nn.Softmax(dim=-1)`` (``output="softmax"``) or ``nn.Sigmoid`` (``output="sigmoid"``). A single
    Linear gives an MLP with no hidden layer (its ``activation`` is then the default ``"relu"``, unused).
    Anything else is a ``ValueError`` naming the module and its index; not a Sequential, a ``TypeError``.
    """
    _require_torch()
    import torch
    import torch.nn as tnn

    from nn.network import MLP

    if not isinstance(seq, tnn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {describe(seq)}")
    modules = list(seq)
    if not modules:
        raise ValueError(f"from_torch: the Sequential is empty; supported: {_SUPPORTED}")
    output = "linear"
    body: list[tnn.Module] = modules
    end = modules[-1]
    if type(end) is tnn.Softmax:
        if end.dim != -1:
            raise _refuse(len(modules) - 1, end, "a softmax must be over the last dimension, dim=-1")
        output, body = "softmax", modules[:-1]
    elif type(end) is tnn.Sigmoid and len(modules) >= 2 and type(modules[-2]) is tnn.Linear:
        output, body = "sigmoid", modules[:-1]
    if not body:
        raise _refuse(0, modules[0], "there is no nn.Linear before it")
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
    nouts = [m.out_features for m in layers]
    model = MLP(layers[0].in_features, nouts, activation=activation or "relu", output=output)
    state: dict[str, float] = {}
    for i, m in enumerate(layers):
        weight = m.weight.detach().to(device="cpu", dtype=torch.float64).tolist()
        bias = m.bias.detach().to(device="cpu", dtype=torch.float64).tolist()
        for j, (row, b) in enumerate(zip(weight, bias)):
            for k, w in enumerate(row):
                state[f"layers.{i}.neurons.{j}.w.{k}"] = w
            state[f"layers.{i}.neurons.{j}.b"] = b
    model.load_state_dict(state)  # checks every value is finite
    return model
