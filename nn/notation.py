"""The lecture's notation, as everything a learner reads prints it.

Inputs x₁, x₂, …; layer l counted from 1 (the inputs are layer 0), neuron i from 1; ``zᵢˡ``, ``aᵢˡ``, ``bᵢˡ``,
and ``wᵢⱼˡ`` from neuron j of layer l−1 to neuron i of layer l; ``C`` for one example's loss, ``L = Σₙ Cⁿ`` for
the total. Indexes are Unicode subscripts and the layer a superscript (DejaVu Sans, the pictures' font, has
them); two indexes in one subscript are run together, or separated by a comma when one has two digits:
``w₁₂²``, ``w₁₀,₃²``.

Several examples in one graph are told apart by a superscript n, the example's number: ``Cⁿ``, ``x₁ⁿ``; a name
that already carries a superscript (a layer's) gets it in parentheses, ``z₁¹⁽ⁿ⁾``. (``example_mark``)

Python's indexes stay 0-based inside code (``MLP.named_parameters()``: ``layers.0.neurons.3.w.1``); these
functions take the lecture's numbers, from 1.
"""

from __future__ import annotations

import re
from functools import cache

SUBSCRIPT_DIGITS = "₀₁₂₃₄₅₆₇₈₉"
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUBSCRIPTS = str.maketrans("0123456789", SUBSCRIPT_DIGITS)
_SUPERSCRIPTS = str.maketrans("0123456789", SUPERSCRIPT_DIGITS)

#: The name of one example's loss, and of the total loss over the examples.
LOSS = "C"
TOTAL_LOSS = "L"
#: The two terms of the cross entropy of one example of class k, ``C = −ln yₖ = ln Σⱼ e^zⱼ − zₖ``: the first
SPREAD = "ln Σⱼ e^zⱼ"
#: and, with a one-hot target ŷ, the second's sum ``Σⱼ ŷⱼzⱼ`` (which picks zₖ)
PICKED = "Σⱼ ŷⱼzⱼ"

#: A name of the lecture's kind: one letter, then only subscripts, superscripts and commas (``w₁₂²``, ``x₁ⁿ``…).
SYMBOL = re.compile(rf"[^\W\d_{SUBSCRIPT_DIGITS}{SUPERSCRIPT_DIGITS}][{SUBSCRIPT_DIGITS}{SUPERSCRIPT_DIGITS},⁽⁾]*")


def sub(*indexes: int) -> str:
    """The indexes as one subscript: ``sub(1, 2)`` → ``₁₂``, ``sub(10, 3)`` → ``₁₀,₃`` (a comma when one has two
    digits)."""
    texts = [str(i) for i in indexes]
    return ("," if any(len(t) > 1 for t in texts) else "").join(texts).translate(_SUBSCRIPTS)


def sup(n: int) -> str:
    """``n`` as a superscript: ``sup(12)`` → ``¹²``."""
    return str(n).translate(_SUPERSCRIPTS)


def symbol(letter: str, indexes: tuple[int, ...] = (), layer: int | None = None) -> str:
    """``letter`` with its subscripts and, when ``layer`` is given, the layer as a superscript:
    ``symbol("w", (1, 2), 2)`` → ``w₁₂²``, ``symbol("z", (3,))`` → ``z₃``, ``symbol("b")`` → ``b``."""
    return letter + sub(*indexes) + ("" if layer is None else sup(layer))


@cache
def input_name(j: int) -> str:
    """Input j (from 1): ``x₁``, ``x₂``, …"""
    return symbol("x", (j,))


def unit_name(j: int, layer: int) -> str:
    """What feeds layer ``layer + 1`` at j (from 1): input ``xⱼ`` (layer 0) or neuron j's output ``aⱼˡ``."""
    return input_name(j) if layer == 0 else symbol("a", (j,), layer)


def layer_name(layer: int, output: bool = False) -> str:
    """Layer ``layer`` (from 1) as pictures title it: ``layer 2``, or ``layer 3: output layer`` for the last."""
    return f"layer {layer}: output layer" if output else f"layer {layer}"


def example_mark(name: str, n: int) -> str:
    """``name`` as example n's: ``C`` → ``C²``, ``x₁`` → ``x₁²``; ``z₁¹`` (a superscript already) → ``z₁¹⁽²⁾``."""
    if any(c in SUPERSCRIPT_DIGITS for c in name):
        return f"{name}⁽{sup(n)}⁾"
    return name + sup(n)
