"""The playground's glass box: one example's pass through the network, neuron by neuron, as the engine computes it.

    passed = example_pass(model.copy(), x, target, "cross_entropy")  # forward and backward of one example's loss
    passed.neurons["2.0"].dz                                     # ∂C/∂z of layer 2's neuron 0, from backward()
    view = neuron_view(passed, "2.0")                            # that neuron's graph (SVG) and ∂C/∂w = a·∂C/∂z
    explain_divergence(model, inputs, targets, "cross_entropy")  # the first non-finite node (detect_anomaly)

Every number comes from the engine on a copy of the model (the model's own ``.grad``, which training and the
gradient view use, is not touched). Neurons are keyed ``"L.j"`` as the lecture counts them: layer L from 1 (the
inputs are layer 0), neuron j from 1 (``unit_key``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import Value, detect_anomaly
from engine.graph import backprop, topological_order
from engine.value import describe
from nn import MLP
from nn.losses import LOSSES
from nn.notation import symbol, unit_name
from playground.snapshot import unit_key
from viz.graph import draw_graph


@dataclass(frozen=True)
class NeuronNumbers:
    """One neuron for one example: ``z``, ``a`` and what backward() gave them, ``∂C/∂z`` and ``∂C/∂a``."""

    z: float
    a: float
    dz: float
    da: float


@dataclass(frozen=True)
class ExamplePass:
    """One example's loss ``C``, its inputs, every neuron's numbers and every parameter's ``∂C/∂p`` by name, on
    ``model``, the copy of the network it was computed on."""

    loss: float
    inputs: list[float]
    neurons: dict[str, NeuronNumbers]
    grads: dict[str, float]
    cost: Value  # the root of the example's graph (for the step-through)
    model: MLP


def example_pass(copy: MLP, inputs: Sequence[float], target: Any, loss: str) -> ExamplePass:
    """Forward and ``backward()`` of one example's loss ``loss(logits, target)`` on ``copy``, a copy of the network
    made for it (its ``.grad`` are set; the network that trains is not touched)."""
    if loss not in LOSSES:
        raise ValueError(f"example_pass(loss): expected one of {', '.join(LOSSES)}, got {loss!r}")
    logits, layers = copy.trace(list(inputs))
    cost = LOSSES[loss](logits, target)
    cost.backward()
    neurons = {unit_key(L, j): NeuronNumbers(z.data, a.data, z.grad, a.grad)
               for L, layer in enumerate(layers, start=1) for j, (z, a) in enumerate(layer)}
    grads = {name: p.grad for name, p in copy.named_parameters()}
    return ExamplePass(cost.data, list(inputs), neurons, grads, cost, copy)


def check_neuron(model: MLP, key: object) -> tuple[int, int]:
    """``(L, j)`` of the neuron key ``"L.j"`` of ``model`` (``unit_key``: j counted from 1), with ``j`` returned as
    the neuron's index (from 0); anything else is a ValueError saying what was expected."""
    sizes = model.nouts
    if isinstance(key, str) and re.fullmatch(r"[0-9]{1,3}\.[0-9]{1,3}", key):  # ASCII: isdigit takes any script
        L, j = (int(part) for part in key.split("."))
        if 1 <= L <= len(sizes) and 1 <= j <= sizes[L - 1]:
            return L, j - 1
    raise ValueError(f"neuron: expected L.j with layer L from 1 to {len(sizes)} and j from 1 to its number of "
                     f"neurons, got {describe(key)}")


def neuron_view(passed: ExamplePass, key: str, renderer: str = "auto") -> tuple[dict[str, Any], Value]:
    """Neuron ``key``'s part of the example's graph, drawn (``svg``: each wᵢ·aᵢ node, z, a, with data and
    ∂C/∂node, the local derivative and what is passed on every edge), and the lecture's identity per weight:
    ``rows`` of ``{name, a, dz, product, grad}`` where ``product`` = a × ∂C/∂z and ``grad`` is ∂C/∂w as
    backward() gave it; ``bias``: ``{name, grad}`` (∂C/∂b = ∂C/∂z). Also returns the neuron's output node."""
    L, j = check_neuron(passed.model, key)
    neuron = passed.model.layers[L - 1].neurons[j]
    previous = passed.inputs if L == 1 else [passed.neurons[unit_key(L - 1, i)].a for i in range(neuron.nin)]
    names = [unit_name(i + 1, L - 1) for i in range(neuron.nin)]  # x₁ … or a₁ˡ⁻¹ …: what feeds layer L
    leaves = [Value(v, label=name) for v, name in zip(previous, names)]
    _, out = passed.model.trace_neuron(L, j, leaves)
    order = topological_order(out)
    for node in order:
        node.grad = 0.0
    numbers = passed.neurons[key]
    out.grad = numbers.da  # what reached the neuron's output in the example's backward pass
    backprop(order)
    output = len(passed.model.nouts) == L
    where = f"neuron {j + 1} of {'the output layer' if output else f'layer {L}'}"
    title = (f"{where} ({symbol('a', (j + 1,), L)}) for the chosen example: data, and grad = ∂C/∂node of the "
             f"example's loss C; ∂C/∂a = {numbers.da:.4g} reached its output from the layers above")
    svg = draw_graph(out, show="both", params=[*neuron.w, neuron.b], title=title, renderer=renderer).svg()
    prefix = f"layers.{L - 1}.neurons.{j}"
    rows = [{"name": f"{prefix}.w.{i}", "input": names[i], "a": a, "dz": numbers.dz, "product": a * numbers.dz,
             "grad": passed.grads[f"{prefix}.w.{i}"]} for i, a in enumerate(previous)]
    bias = {"name": f"{prefix}.b", "grad": passed.grads[f"{prefix}.b"]}
    view = {"neuron": key, "words": where, "svg": svg, "rows": rows, "bias": bias,
            "z": numbers.z, "a": numbers.a, "dz": numbers.dz, "da": numbers.da, "loss": passed.loss}
    return view, out


def explain_divergence(model: MLP, parameters: Mapping[str, float], examples: Sequence[tuple[Sequence[float], Any]],
                       loss: str) -> dict[str, Any]:
    """Why a step went non-finite: its examples replayed from the parameters before it under ``detect_anomaly``.

    Returns ``{"message", "neuron"}``: the anomaly mode's message (the op, its inputs, the node's label) and the
    neuron ``L.j`` it happened in (None when it was in the loss or the update); when no node of the graph went
    non-finite, the message names the parameter the optimizer's update made non-finite.
    """
    copy = model.copy(parameters)
    at: list[str] = []  # the neuron being computed, "L.j"

    def mark(L: int, j: int) -> None:
        at[:] = [unit_key(L, j)]

    for inputs, target in examples:
        with detect_anomaly():
            try:
                logits, _ = copy.trace(list(inputs), on_neuron=mark)
            except FloatingPointError as error:
                return {"message": f"neuron {at[0]}: {error}", "neuron": at[0]}
            try:
                cost = LOSSES[loss](logits, target)
            except FloatingPointError as error:
                return {"message": f"the {loss} loss: {error}", "neuron": None}
            try:
                cost.backward()
            except FloatingPointError as error:
                neuron = _first_non_finite_neuron(model.copy(parameters), inputs, target, loss)
                return {"message": f"backward: {error}", "neuron": neuron}
    return {"message": "no node of the graph went non-finite from finite inputs: the optimizer's update did "
                       "(a learning rate too large for the gradients); lower the learning rate",
            "neuron": None}


def _first_non_finite_neuron(copy: MLP, inputs: Sequence[float], target: Any, loss: str) -> str | None:
    """The neuron whose ∂C/∂z the backward pass made non-finite first (backward goes from the output layer), on
    ``copy``, a copy of the network made for it."""
    passed = example_pass(copy, inputs, target, loss)
    for L in range(len(copy.nouts), 0, -1):
        for j in range(copy.nouts[L - 1]):
            if not math.isfinite(passed.neurons[unit_key(L, j)].dz):
                return unit_key(L, j)
    return None
