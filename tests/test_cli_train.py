"""glassgrad train: the main job's files, its summary and its errors."""

import csv
import json

from glassgrad.cli import main
from glassgrad.train import TrainConfig, config_from_json, run
from nn import MLP


def test_cli_train_writes_model_history_json_and_csv(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--epochs", "3", "--samples", "20", "--hidden", "4", "--out", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "trained 3 epochs" in printed and str(out / "model.json") in printed
    model = MLP.load(out / "model.json")
    assert model.nouts == [4, 2]
    history = json.loads((out / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3] and history["config"]["epochs"] == 3 and history["diverged"] is None
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [float(r["loss"]) for r in rows] == history["loss"]


def test_cli_train_binary_loss_builds_one_output_and_spirals_many(tmp_path):
    binary = run(TrainConfig(loss="hinge", optimizer="sgd", epochs=2, samples=20, hidden=[3], out=str(tmp_path / "a")),
                 progress=False)
    assert binary.model.nouts == [3, 1]
    spirals = run(TrainConfig(dataset="spirals", classes=4, epochs=2, samples=20, hidden=[3], out=str(tmp_path / "b")),
                  progress=False)
    assert spirals.model.nouts == [3, 4]


def test_cli_train_config_round_trips_through_history(tmp_path):
    config = TrainConfig(epochs=2, samples=12, hidden=[3], out=str(tmp_path))
    run(config, progress=False)
    assert config_from_json((tmp_path / "history.json").read_text()) == config


def test_cli_train_reports_bad_choices_clearly(tmp_path, capsys):
    code = main(["train", "--dataset", "spirals", "--loss", "hinge", "--out", str(tmp_path), "--no-progress"])
    assert code == 2
    assert "--loss hinge is for two classes; the spirals dataset here has 3" in capsys.readouterr().err


def test_cli_train_divergence_keeps_the_history_and_fails(tmp_path, capsys):
    code = main(["train", "--loss", "mse", "--optimizer", "sgd", "--lr", "1e9", "--activation", "linear",
                 "--epochs", "20", "--samples", "20", "--out", str(tmp_path), "--no-progress"])
    assert code == 1
    assert "training diverged at epoch" in capsys.readouterr().out
    assert json.loads((tmp_path / "history.json").read_text())["diverged"].startswith("training diverged")


def test_cli_train_compile_writes_the_same_model_as_the_graph(tmp_path):
    args = ["train", "--epochs", "4", "--samples", "24", "--hidden", "5", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "graph")]) == 0
    assert main([*args, "--compile", "--out", str(tmp_path / "compiled")]) == 0
    assert (tmp_path / "graph" / "model.json").read_bytes() == (tmp_path / "compiled" / "model.json").read_bytes()
    history = json.loads((tmp_path / "compiled" / "history.json").read_text())
    assert history["config"]["compile"] is True
    assert history["loss"] == json.loads((tmp_path / "graph" / "history.json").read_text())["loss"]


def test_cli_train_compile_with_minibatches_of_cross_entropy_matches_the_graph(tmp_path):
    args = ["train", "--epochs", "3", "--samples", "30", "--hidden", "4", "--batch-size", "8", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "graph")]) == 0
    assert main([*args, "--compile", "--out", str(tmp_path / "compiled")]) == 0
    assert (tmp_path / "graph" / "model.json").read_bytes() == (tmp_path / "compiled" / "model.json").read_bytes()
