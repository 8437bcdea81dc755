"""glassgrad train: the decision-boundary and history pictures it leaves beside the model."""

import re

import pytest

from glassgrad.cli import main
from glassgrad.train import TrainConfig, run

pytestmark = pytest.mark.slow  # a training run that writes its PNGs and SVGs per test

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_cli_train_writes_decision_boundary_and_history_png(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--epochs", "2", "--samples", "20", "--hidden", "4", "--out", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    for name in ("decision_boundary.png", "history.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, name
        assert str(out / name) in printed


def test_cli_train_lists_the_pictures_in_its_files(tmp_path):
    result = run(TrainConfig(dataset="blobs", classes=3, epochs=2, samples=15, hidden=[3], out=str(tmp_path)),
                 progress=False)
    assert result.files["boundary_png"] == tmp_path / "decision_boundary.png"
    assert result.files["history_png"] == tmp_path / "history.png"
    assert all(path.is_file() for path in result.files.values())


def test_cli_train_writes_one_neurons_forward_and_backward_graph(tmp_path):
    import xml.etree.ElementTree as ET

    result = run(TrainConfig(epochs=2, samples=15, hidden=[3], out=str(tmp_path)), progress=False)
    svg = result.files["neuron_svg"].read_text()
    ET.fromstring(svg)
    for text in ("neuron 1 of layer 1 (a₁¹)", "w₁₁¹", "w₁₂¹", "w₁₁¹x₁", "z₁¹", "grad", "∂/∂"):
        assert text in svg, text
    assert all(p.grad == 0.0 for p in result.model.parameters())  # the drawing left no gradients behind


def test_cli_train_neuron_diagram_shows_this_examples_gradients_not_trainings(tmp_path):
    from pictures import grad_problems

    result = run(TrainConfig(dataset="spirals", epochs=3, samples=30, out=str(tmp_path)), progress=False)
    svg = result.files["neuron_svg"].read_text()
    assert grad_problems(svg) == []
    starred = sorted(line.split(":")[0] for line in re.findall(r">\* ([^<]*)<", svg))
    assert starred == ["a₁¹", "x₁", "x₂"]  # what comes from above, and the inputs' other neurons; never a weight
    assert "its grad" in svg and "from what is not drawn" in svg


def test_cli_train_neuron_diagram_for_a_linear_neuron_and_a_binary_loss(tmp_path):
    result = run(TrainConfig(loss="hinge", activation="linear", epochs=1, samples=10, hidden=[2], out=str(tmp_path)),
                 progress=False)
    svg = result.files["neuron_svg"].read_text()
    assert ">z₁¹<" in svg or "z₁¹</text>" in svg
