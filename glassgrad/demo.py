"""A worked example of backpropagation through one neuron, printed step by step, in the lecture's notation.

The lecture's neuron: ``z = w₁x₁ + w₂x₂ + b``, ``a = σ(z)``, with the cost ``C = −ln a`` for a target of 1. The
forward pass gives ∂z/∂wⱼ = xⱼ (the input on that edge); the backward pass gives ∂C/∂z; their product is ∂C/∂wⱼ.
"""

from __future__ import annotations

from collections.abc import Callable

from engine import Value, gradcheck, sum_values, topological_order
from nn.notation import sub


def neuron_cost(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> tuple[Value, Value, Value]:
    """One neuron and its cost: returns ``(z, a, C)``; the products are labelled ``w₁x₁``, ``w₂x₂``."""
    products = []
    for w, x in ((w1, x1), (w2, x2)):
        product = w * x
        product.label = w.label + x.label
        products.append(product)
    z = sum_values([*products, b])
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    log_a = a.log()
    log_a.label = "ln a"
    cost = -log_a
    cost.label = "C"
    return z, a, cost


def _made_of(node: Value) -> str:
    """How the forward pass made ``node``: its op and its parents' names, or what kind of leaf it is."""
    if node.op:
        return f"{node.op}({', '.join(p.label or f'{p.data:g}' for p in node.parents)})"
    if node.is_constant:
        return "constant"
    return "input" if node.label.startswith("x") else "parameter"


def run(write: Callable[[str], object] = print) -> None:
    """Print the forward pass, the backward pass and the chain-rule check of one neuron."""
    x1, x2 = Value(1.0, label=f"x{sub(1)}"), Value(-2.0, label=f"x{sub(2)}")
    w1, w2, b = Value(0.5, label=f"w{sub(1)}"), Value(-0.3, label=f"w{sub(2)}"), Value(0.1, label="b")
    z, a, cost = neuron_cost(x1, x2, w1, w2, b)

    write("A neuron is a logistic regression: z = w₁x₁ + w₂x₂ + b, a = σ(z), cost C = −ln a (a target of 1).\n")
    write("Forward pass (every node of the graph, inputs first):")
    for node in topological_order(cost):
        write(f"  {node.label or f'{node.data:g}':>4} = {node.data: .6f}   {_made_of(node)}")

    cost.backward()
    write("\nBackward pass (chain rule, from C back to the parameters):")
    write(f"  ∂C/∂a = −1/a = {a.grad: .6f}")
    write(f"  ∂C/∂z = ∂a/∂z · ∂C/∂a = σ(z)(1 − σ(z)) · ∂C/∂a = {z.grad: .6f}   (= a − 1 = {a.data - 1: .6f})")
    for w, x in ((w1, x1), (w2, x2)):
        write(f"  ∂C/∂{w.label} = ∂z/∂{w.label} · ∂C/∂z = {x.label} · ∂C/∂z = "
              f"{x.data:g} · {z.grad:.6f} = {x.data * z.grad: .6f}   backward gave {w.grad: .6f}")
    write(f"  ∂C/∂b  = 1 · ∂C/∂z = {b.grad: .6f}")

    gradcheck(lambda *xs: neuron_cost(*xs)[2], [1.0, -2.0, 0.5, -0.3, 0.1])
    write("\ngradcheck: every derivative agrees with central differences (eps=1e-6).")
