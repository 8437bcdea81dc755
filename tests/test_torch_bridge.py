"""The PyTorch bridge: MLP.to_torch / MLP.from_torch give the same function, gradients and training runs."""

import ast
import random
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed: pip install 'glassgrad[torch]' (torch==2.13.0)")
F = torch.nn.functional
tnn = torch.nn

from nn import MLP  # noqa: E402
from nn.data import make_moons  # noqa: E402
from nn.losses import cross_entropy, mean, total  # noqa: E402
from nn.optim import SGD, Adam  # noqa: E402

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OUTPUTS = ["linear", "softmax", "sigmoid"]
REL = 1e-12


def close(a, b, rel=REL, scale=0.0):
    """Relative agreement: |a - b| <= rel · max(|a|, |b|, scale); exact zeros (dead ReLUs) must agree exactly.

    ``scale`` is the size of the vector a and b belong to: an entry that nearly cancels (1e-6 from terms of
    size 1) carries the summation-order rounding of its terms, so it is compared relative to its vector.
    """
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b), scale)


def all_close(xs, ys, rel=REL):
    """Every pair close, relative to the largest entry of the two vectors (a norm-wise relative error)."""
    scale = max(map(abs, [*xs, *ys]))
    return len(xs) == len(ys) and all(close(a, b, rel, scale) for a, b in zip(xs, ys))


def random_inputs(n, nin, seed=1):
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(n)]


def torch_grads(seq, model):
    """The torch gradients, in the order of model.named_parameters()."""
    grads = []
    linears = [m for m in seq if isinstance(m, tnn.Linear)]
    for i, layer in enumerate(model.layers):
        W, b = linears[i].weight.grad.tolist(), linears[i].bias.grad.tolist()
        for j in range(layer.nout):
            grads += [*W[j], b[j]]
    return grads


# ---- to_torch: the structure ----------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_to_torch_structure(activation, output):
    model = MLP(3, [4, 5, 2], activation=activation, output=output, seed=0)
    seq = model.to_torch()
    assert isinstance(seq, tnn.Sequential)
    kinds = [type(m) for m in seq]
    act = {"sigmoid": tnn.Sigmoid, "tanh": tnn.Tanh, "relu": tnn.ReLU, "leaky_relu": tnn.LeakyReLU}
    hidden = act.get(activation, tnn.Identity)
    tail = {"linear": [], "softmax": [tnn.Softmax], "sigmoid": [tnn.Sigmoid]}[output]
    assert kinds == [tnn.Linear, hidden, tnn.Linear, hidden, tnn.Linear, *tail]
    for p in seq.parameters():
        assert p.dtype == torch.float64
    if activation == "leaky_relu":
        assert seq[1].negative_slope == 0.01
    if output == "softmax":
        assert seq[-1].dim == -1
    assert seq[0].weight.tolist() == [[w.data for w in row] for row in model.layers[0].W]
    assert seq[0].bias.tolist() == [b.data for b in model.layers[0].b]


def test_to_torch_copies_weights():
    model = MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    seq = model.to_torch()
    with torch.no_grad():
        seq[0].weight.add_(1.0)
    assert model.state_dict() == before
    model.layers[0].neurons[0].w[0].data = 42.0
    assert seq[0].weight[0, 0].item() != 42.0


def test_to_torch_rejects_what_is_not_an_mlps_config_and_state():
    from nn.torch_bridge import to_torch

    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"to_torch\(config\): expected an MLP's config\(\).*got 'model' \(str\)"):
        to_torch("model", {})
    with pytest.raises(ValueError, match=r"to_torch\(config\): expected positive int sizes"):
        to_torch({**model.config(), "nouts": [3, 0]}, model.state_dict())
    with pytest.raises(ValueError, match=r"to_torch\(config\): expected an MLP's config"):
        to_torch({**model.config(), "activation": "swish"}, model.state_dict())
    with pytest.raises(TypeError, match=r"to_torch\(state\): expected an MLP's state_dict\(\), got None"):
        to_torch(model.config(), None)
    state = model.state_dict()
    del state["layers.1.neurons.0.b"]
    with pytest.raises(ValueError, match=r"to_torch\(state\): expected the parameter 'layers.1.neurons.0.b'"):
        to_torch(model.config(), state)


def test_the_bridge_speaks_config_and_state_and_never_imports_the_network():
    from nn import torch_bridge
    from nn.torch_bridge import from_torch, to_torch

    model = MLP(3, [4, 2], activation="tanh", output="softmax", seed=1)
    seq = to_torch(model.config(), model.state_dict())
    assert from_torch(seq) == (model.config(), model.state_dict())
    tree = ast.parse(Path(torch_bridge.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "nn.network" not in imported and "nn" not in imported, "nn.network imports the bridge, not the other way"


# ---- round trip -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_round_trip_same_state_and_config(activation, output):
    model = MLP(3, [4, 5, 2], activation=activation, output=output, seed=7)
    back = MLP.from_torch(model.to_torch())
    assert isinstance(back, MLP)
    assert back.state_dict() == model.state_dict()
    assert back.config() == model.config()


def test_round_trip_single_layer():
    model = MLP(4, [3], output="softmax", seed=3)
    back = MLP.from_torch(model.to_torch())
    assert back.state_dict() == model.state_dict()
    assert (back.nin, back.nouts, back.output) == (4, [3], "softmax")


def test_from_torch_of_a_torch_built_module():
    torch.manual_seed(0)
    seq = tnn.Sequential(tnn.Linear(2, 6), tnn.Tanh(), tnn.Linear(6, 3), tnn.Softmax(dim=-1))  # float32
    model = MLP.from_torch(seq)
    assert model.config() == {"nin": 2, "nouts": [6, 3], "activation": "tanh", "output": "softmax"}
    x = [0.3, -1.2]
    expected = seq(torch.tensor(x)).tolist()
    got = [v.data for v in model(x)]
    assert got == pytest.approx(expected, rel=1e-5)  # torch computed in float32


# ---- outputs and gradients ------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_outputs_match(activation, output):
    model = MLP(3, [6, 5, 4], activation=activation, output=output, seed=11)
    seq = model.to_torch()
    xs = random_inputs(10, 3)
    with torch.no_grad():
        batch = seq(torch.tensor(xs, dtype=torch.float64)).tolist()
        single = [seq(torch.tensor(x, dtype=torch.float64)).tolist() for x in xs]  # unbatched: softmax dim=-1
    for x, row, one in zip(xs, batch, single):
        ours = [v.data for v in model(x)]
        assert all_close(ours, row), (ours, row)
        assert all_close(ours, one), (ours, one)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_cross_entropy_loss_and_gradients_match(activation):
    model = MLP(3, [6, 5, 4], activation=activation, seed=5)
    seq = model.to_torch()
    xs = random_inputs(6, 3, seed=2)
    ys = [0, 3, 1, 2, 3, 0]

    model.zero_grad()
    loss = total([cross_entropy(model.logits(x), y) for x, y in zip(xs, ys)])
    loss.backward()

    logits = seq(torch.tensor(xs, dtype=torch.float64))
    tloss = F.cross_entropy(logits, torch.tensor(ys), reduction="sum")
    tloss.backward()

    assert close(loss.data, tloss.item())
    theirs = torch_grads(seq, model)
    assert len(theirs) == len(model.parameters())
    start = 0
    for i, layer in enumerate(model.layers):  # per layer: its weight and bias gradients, relative to their size
        n = layer.nout * (layer.nin + 1)
        ours = [p.grad for p in layer.parameters()]
        assert all_close(ours, theirs[start : start + n]), (i, ours, theirs[start : start + n])
        start += n


# ---- from_torch refuses what it cannot represent --------------------------------------------------------------


@pytest.mark.parametrize(
    ("modules", "index", "what"),
    [
        (lambda: [tnn.Linear(2, 3), tnn.Dropout(0.5), tnn.Linear(3, 2)], 1, "Dropout"),
        (lambda: [tnn.Conv1d(1, 1, 3), tnn.ReLU(), tnn.Linear(3, 2)], 0, "Conv1d"),
        (lambda: [tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 3), tnn.Tanh(), tnn.Linear(3, 1)], 3, "Tanh"),
        (lambda: [tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 2, bias=False)], 2, "bias=False"),
        (lambda: [tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 2), tnn.Softmax(dim=0)], 3, "Softmax"),
        (lambda: [tnn.Linear(2, 3), tnn.LeakyReLU(0.2), tnn.Linear(3, 2)], 1, "LeakyReLU"),
        (lambda: [tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(4, 2)], 2, "in_features=4"),
        (lambda: [tnn.Linear(2, 3), tnn.ReLU()], 1, "ReLU"),
        (lambda: [tnn.Linear(2, 3), tnn.Linear(3, 2)], 1, "Linear"),
        (lambda: [tnn.Softmax(dim=-1)], 0, "Softmax"),
    ],
    ids=["dropout", "conv", "mixed", "no-bias", "softmax-dim0", "leaky-0.2", "sizes", "trailing-act", "no-act", "only"],
)
def test_from_torch_refuses(modules, index, what):
    seq = tnn.Sequential(*modules())
    with pytest.raises(ValueError) as info:
        MLP.from_torch(seq)
    message = str(info.value)
    assert f"module {index}" in message
    assert what in message
    assert "supported:" in message and "nn.Linear" in message and "Softmax(dim=-1)" in message


def test_from_torch_refuses_empty():
    with pytest.raises(ValueError, match="empty"):
        MLP.from_torch(tnn.Sequential())


@pytest.mark.parametrize("thing", [tnn.Linear(2, 2), [tnn.Linear(2, 2)], None, "seq"])
def test_from_torch_refuses_not_a_sequential(thing):
    with pytest.raises(TypeError, match="torch.nn.Sequential"):
        MLP.from_torch(thing)


def test_from_torch_refuses_non_finite_weights():
    seq = tnn.Sequential(tnn.Linear(2, 2))
    with torch.no_grad():
        seq[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        MLP.from_torch(seq)


# ---- a whole training run -------------------------------------------------------------------------------------


@pytest.mark.slow  # trains in both engines
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_run_matches(optimizer, activation):
    X, y = make_moons(40, seed=0)
    model = MLP(2, [8, 8, 2], activation=activation, seed=0)
    seq = model.to_torch()
    if optimizer == "sgd":
        ours = SGD(model.parameters(), lr=0.1, momentum=0.9)
        theirs = torch.optim.SGD(seq.parameters(), lr=0.1, momentum=0.9)
    else:
        ours = Adam(model.parameters(), lr=0.01)
        theirs = torch.optim.Adam(seq.parameters(), lr=0.01)
    tx, ty = torch.tensor(X, dtype=torch.float64), torch.tensor(y)

    our_losses, their_losses = [], []
    for _ in range(20):
        ours.zero_grad()
        loss = mean([cross_entropy(model.logits(x), t) for x, t in zip(X, y)])
        loss.backward()
        ours.step()
        our_losses.append(loss.data)

        theirs.zero_grad()
        tloss = F.cross_entropy(seq(tx), ty, reduction="mean")
        tloss.backward()
        theirs.step()
        their_losses.append(tloss.item())

    assert our_losses[-1] < our_losses[0]  # it trains
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(our_losses, their_losses)) if not close(a, b, rel=1e-9)]
    assert not bad, bad


# ---- torch stays optional -------------------------------------------------------------------------------------


def test_importing_nn_does_not_import_torch():
    code = "import sys, nn, nn.network, nn.torch_bridge; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_says_how_to_install(monkeypatch):
    model = MLP(2, [2], seed=0)
    seq = model.to_torch()
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    for call in (model.to_torch, lambda: MLP.from_torch(seq)):
        with pytest.raises(ImportError, match=r"pip install 'glassgrad\[torch\]' \(torch==2\.13\.0\)"):
            call()
