"""The lecture's backpropagation, checked on a real network.

∂C/∂w = ∂z/∂w · ∂C/∂z: the forward pass gives ∂z/∂w (the input a on that edge), the backward
pass gives ∂C/∂z. On every edge of every neuron, ``w.grad`` must be exactly that product.
"""

import math

import pytest

from engine import Value, topological_order
from nn import MLP
from nn.data import make_spirals
from nn.losses import cross_entropy, total
from nn.notation import symbol


def _edges(root: Value, params: list[Value]) -> dict[Value, list[tuple[Value, Value]]]:
    """For each weight w: every (a, z) with a mul node w·a feeding the sum node z (labelled zᵢˡ), in root's graph."""
    weights = set(params)
    consumers: dict[Value, list[Value]] = {}
    for node in topological_order(root):
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    edges: dict[Value, list[tuple[Value, Value]]] = {}
    for node in consumers:
        if node.op == "mul" and node.parents[0] in weights:
            w, a = node.parents
            (z,) = consumers[node]
            assert z.op == "sum" and z.label[0] == "z"
            edges.setdefault(w, []).append((a, z))
    return edges


def test_lecture_every_weight_grad_is_forward_a_times_backward_dz_for_one_example():
    model = MLP(2, [4, 4, 3], activation="sigmoid", seed=0)
    loss = cross_entropy(model([0.5, -1.2]), 2)
    model.zero_grad()
    loss.backward()
    edges = _edges(loss, model.parameters())
    weights = [p for name, p in model.named_parameters() if ".w." in name]
    assert set(edges) == set(weights)
    for w in weights:
        ((a, z),) = edges[w]
        assert w.grad == a.data * z.grad  # exactly: the chain rule, one edge


def test_lecture_bias_grad_is_dc_dz():
    model = MLP(2, [3, 2], activation="tanh", seed=1)
    loss = cross_entropy(model([1.0, 0.5]), 0)
    loss.backward()
    for L, layer in enumerate(model.layers, start=1):
        for i, n in enumerate(layer.neurons, start=1):
            (z,) = [c for c in topological_order(loss) if c.label == symbol("z", (i,), L) and n.b in c.parents]
            assert n.b.grad == z.grad


def test_lecture_total_loss_gradient_is_the_sum_over_examples():
    X, y = make_spirals(12, classes=3, noise=0.1, seed=0)
    model = MLP(2, [5, 3], activation="relu", seed=2)
    loss = total([cross_entropy(model(x), t) for x, t in zip(X, y)])
    model.zero_grad()
    loss.backward()
    edges = _edges(loss, model.parameters())
    for w, pairs in edges.items():
        assert len(pairs) == len(X)  # one edge per example
        assert w.grad == pytest.approx(math.fsum(a.data * z.grad for a, z in pairs), rel=1e-12, abs=1e-15)


def test_lecture_softmax_cross_entropy_output_dc_dz_is_p_minus_onehot():
    model = MLP(2, [4, 3], seed=0)
    x, target = [0.3, -0.7], 1
    logits = model(x)
    loss = cross_entropy(logits, target)
    loss.backward()
    probs = model.predict_proba(x)
    assert [z.label for z in logits] == ["z₁²", "z₂²", "z₃²"]
    for i, z in enumerate(logits):
        assert z.grad == pytest.approx(probs[i] - (1.0 if i == target else 0.0), abs=1e-15)


def test_lecture_hidden_dc_dz_is_sigma_prime_times_weighted_sum_of_next_layer():
    # The backward pass, layer by layer: ∂C/∂zᵢˡ = σ′(zᵢˡ) · Σₖ wₖᵢˡ⁺¹ · ∂C/∂zₖˡ⁺¹.
    model = MLP(2, [3, 2], activation="sigmoid", seed=4)
    loss = cross_entropy(model([0.9, -0.1]), 0)
    loss.backward()
    order = topological_order(loss)

    def z_of(b: Value) -> Value:  # the z node (zᵢˡ) whose bias is b (bᵢˡ)
        (z,) = [n for n in order if n.label == "z" + b.label[1:] and n.parents[-1] is b]
        return z

    hidden = [z_of(b) for b in model.layers[0].b]
    out = [z_of(b) for b in model.layers[1].b]
    for j, z in enumerate(hidden):
        s = 1.0 / (1.0 + math.exp(-z.data))
        back = sum(model.layers[1].W[k][j].data * out[k].grad for k in range(2))
        assert z.grad == pytest.approx(s * (1 - s) * back, rel=1e-13)
