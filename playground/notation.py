"""The lecture's names for what the page prints (``nn.notation`` writes them): each parameter's ``wᵢⱼˡ`` or ``bᵢˡ``
and each unit's ``x``, ``z``, ``a``, ``b`` and words, sent with every full frame.

    names([2, 4, 2])["layers.1.neurons.0.w.3"] == "w₁₄²";  units([2, 4, 2])["2.1"]["a"] == "a₁²"
"""

from __future__ import annotations

from nn.notation import input_name, symbol


def names(layers: list[int]) -> dict[str, str]:
    """Each parameter's name (``MLP.named_parameters``) → its lecture name: ``wᵢⱼˡ`` and ``bᵢˡ``, for a network of
    ``layers`` = [inputs, size of layer 1, …]."""
    found = {}
    for L in range(1, len(layers)):
        for i in range(1, layers[L] + 1):
            prefix = f"layers.{L - 1}.neurons.{i - 1}"
            found.update({f"{prefix}.w.{j - 1}": symbol("w", (i, j), L) for j in range(1, layers[L - 1] + 1)})
            found[f"{prefix}.b"] = symbol("b", (i,), L)
    return found


def units(layers: list[int]) -> dict[str, dict[str, str]]:
    """Each unit's key ``"L.j"`` → its lecture names: an input's ``x`` (``x₁``), a neuron's ``z``, ``a`` and ``b``
    (``z₁²``, ``a₁²``, ``b₁²``) and its words (``neuron 1 of layer 2``, the last layer's called the output layer)."""
    found = {f"0.{k}": {"x": input_name(k), "words": f"input {input_name(k)}"} for k in range(1, layers[0] + 1)}
    for L in range(1, len(layers)):
        where = "the output layer" if len(layers) - 1 == L else f"layer {L}"
        for i in range(1, layers[L] + 1):
            found[f"{L}.{i}"] = {**{c: symbol(c, (i,), L) for c in "zab"}, "words": f"neuron {i} of {where}"}
    return found
