"""A worked example of backpropagation through one neuron, printed step by step.

The lecture's neuron: ``z = w1·a1 + w2·a2 + b``, ``a = σ(z)``, with the cost
``C = -ln a`` for a target of 1. The forward pass gives ∂z/∂w = a (the input on
that edge); the backward pass gives ∂C/∂z; their product is ∂C/∂w.
"""

from __future__ import annotations

from collections.abc import Callable

from engine import Value, gradcheck, sum_values, topological_order


def neuron_cost(a1: Value, a2: Value, w1: Value, w2: Value, b: Value) -> tuple[Value, Value, Value]:
    """One neuron and its cost: returns ``(z, a, C)``."""
    z = sum_values([w1 * a1, w2 * a2, b])
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    cost = -a.log()
    cost.label = "C"
    return z, a, cost


def run(write: Callable[[str], object] = print) -> None:
    """Print the forward pass, the backward pass and the chain-rule check of one neuron."""
    a1, a2 = Value(1.0, label="a1"), Value(-2.0, label="a2")
    w1, w2, b = Value(0.5, label="w1"), Value(-0.3, label="w2"), Value(0.1, label="b")
    z, a, cost = neuron_cost(a1, a2, w1, w2, b)

    write("A neuron is a logistic regression: z = w1·a1 + w2·a2 + b, a = σ(z), cost C = -ln a.\n")
    write("Forward pass (every node of the graph, inputs first):")
    for node in topological_order(cost):
        if node.op:
            made = f"{node.op}({', '.join(p.label or f'{p.data:g}' for p in node.parents)})"
        else:
            made = "constant" if node.is_constant else "input or parameter"
        write(f"  {node.label or '·':>3} = {node.data: .6f}   {made}")

    cost.backward()
    write("\nBackward pass (chain rule, from C back to the parameters):")
    write(f"  ∂C/∂a = -1/a          = {a.grad: .6f}")
    write(f"  ∂C/∂z = ∂a/∂z · ∂C/∂a = σ(z)(1-σ(z)) · ∂C/∂a = {z.grad: .6f}   (= a - 1 = {a.data - 1: .6f})")
    for w, inp in ((w1, a1), (w2, a2)):
        write(f"  ∂C/∂{w.label} = ∂z/∂{w.label} · ∂C/∂z = {inp.label} · ∂C/∂z = "
              f"{inp.data:g} · {z.grad:.6f} = {inp.data * z.grad: .6f}   backward gave {w.grad: .6f}")
    write(f"  ∂C/∂b  = 1 · ∂C/∂z = {b.grad: .6f}")

    gradcheck(lambda *xs: neuron_cost(*xs)[2], [1.0, -2.0, 0.5, -0.3, 0.1])
    write("\ngradcheck: every derivative agrees with central differences (eps=1e-6).")
