"""The lecture's notation for what the page prints: inputs x₁, x₂ …; layer l from 1 (the inputs are layer 0),
neuron i from 1; zᵢˡ, aᵢˡ, bᵢˡ, and wᵢⱼˡ from neuron j of layer l−1 to neuron i of layer l.

    names([2, 4, 2])["layers.1.neurons.0.w.3"] == "w₁₄²";  units([2, 4, 2])["2.1"]["a"] == "a₁²"
"""

from __future__ import annotations

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sub(*indices: int) -> str:
    """Indices as subscripts: ``sub(1, 2)`` is ₁₂ (and ₁₀,₃ where one has two digits, so they read apart)."""
    joint = "," if any(i > 9 for i in indices) else ""
    return joint.join(str(i) for i in indices).translate(_SUB)


def sup(index: int) -> str:
    """A layer's number as a superscript: ``sup(2)`` is ²."""
    return str(index).translate(_SUP)


def names(layers: list[int]) -> dict[str, str]:
    """Each parameter's name (``MLP.named_parameters``) → its lecture name: ``wᵢⱼˡ`` and ``bᵢˡ``, for a network of
    ``layers`` = [inputs, size of layer 1, …]."""
    found = {}
    for L in range(1, len(layers)):
        for i in range(1, layers[L] + 1):
            prefix = f"layers.{L - 1}.neurons.{i - 1}"
            found.update({f"{prefix}.w.{j - 1}": f"w{sub(i, j)}{sup(L)}" for j in range(1, layers[L - 1] + 1)})
            found[f"{prefix}.b"] = f"b{sub(i)}{sup(L)}"
    return found


def units(layers: list[int]) -> dict[str, dict[str, str]]:
    """Each unit's key ``"L.j"`` → its lecture names: an input's ``x`` (``x₁``), a neuron's ``z``, ``a`` and ``b``
    (``z₁²``, ``a₁²``, ``b₁²``) and its words (``neuron 1 of layer 2``, the last layer's called the output layer)."""
    found = {f"0.{k}": {"x": f"x{sub(k)}", "words": f"input x{sub(k)}"} for k in range(1, layers[0] + 1)}
    for L in range(1, len(layers)):
        where = "the output layer" if len(layers) - 1 == L else f"layer {L}"
        for i in range(1, layers[L] + 1):
            found[f"{L}.{i}"] = {"z": f"z{sub(i)}{sup(L)}", "a": f"a{sub(i)}{sup(L)}", "b": f"b{sub(i)}{sup(L)}",
                                 "words": f"neuron {i} of {where}"}
    return found
