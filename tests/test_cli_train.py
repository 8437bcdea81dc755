"""glassgrad train: the main job's files, its summary and its errors."""

import csv
import json
import re

import pytest

import glassgrad.train as train_module
from glassgrad.cli import main
from glassgrad.memory import estimate
from glassgrad.train import TrainConfig, TrainResult, config_from_json, lr_hint, run
from nn import MLP, History


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


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_binary_loss_builds_one_output_and_spirals_many(tmp_path):
    binary = run(TrainConfig(loss="hinge", optimizer="sgd", epochs=2, samples=20, hidden=[3], out=str(tmp_path / "a")),
                 progress=False)
    assert binary.model.nouts == [3, 1]
    spirals = run(TrainConfig(dataset="spirals", classes=4, epochs=2, samples=20, hidden=[3], out=str(tmp_path / "b")),
                  progress=False)
    assert spirals.model.nouts == [3, 4]


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_config_round_trips_through_history(tmp_path):
    config = TrainConfig(epochs=2, samples=12, hidden=[3], out=str(tmp_path))
    run(config, progress=False)
    assert config_from_json((tmp_path / "history.json").read_text()) == config


def test_cli_train_reports_bad_choices_clearly(tmp_path, capsys):
    code = main(["train", "--dataset", "spirals", "--loss", "hinge", "--out", str(tmp_path), "--no-progress"])
    assert code == 2
    assert "--loss hinge is for two classes; the spirals dataset here has 3" in capsys.readouterr().err


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_divergence_keeps_the_history_and_fails(tmp_path, capsys):
    code = main(["train", "--loss", "mse", "--optimizer", "sgd", "--lr", "1e9", "--activation", "linear",
                 "--epochs", "20", "--samples", "20", "--out", str(tmp_path), "--no-progress"])
    assert code == 1
    printed = capsys.readouterr().out
    assert "training diverged at epoch" in printed and "try a lower --lr, e.g. --lr 0.1 (sgd's default)" in printed
    assert json.loads((tmp_path / "history.json").read_text())["diverged"].startswith("training diverged")


def _same_model_to_rounding(graph_dir, compiled_dir):
    """The two runs' models: the same parameters, equal to rounding (the compiled step sums over the examples in
    another order than the graph)."""
    graph, compiled = MLP.load(graph_dir / "model.json"), MLP.load(compiled_dir / "model.json")
    assert graph.config() == compiled.config()
    want, got = graph.state_dict(), compiled.state_dict()
    assert list(got) == list(want) and list(got.values()) == pytest.approx(list(want.values()), rel=1e-12, abs=1e-15)


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_compile_writes_the_same_model_as_the_graph(tmp_path):
    args = ["train", "--epochs", "4", "--samples", "24", "--hidden", "5", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "graph")]) == 0
    assert main([*args, "--compile", "--out", str(tmp_path / "compiled")]) == 0
    _same_model_to_rounding(tmp_path / "graph", tmp_path / "compiled")
    history = json.loads((tmp_path / "compiled" / "history.json").read_text())
    assert history["config"]["compile"] is True
    graph_loss = json.loads((tmp_path / "graph" / "history.json").read_text())["loss"]
    assert history["loss"] == pytest.approx(graph_loss, rel=1e-12)


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_compile_with_minibatches_of_cross_entropy_matches_the_graph(tmp_path):
    args = ["train", "--epochs", "3", "--samples", "30", "--hidden", "4", "--batch-size", "8", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "graph")]) == 0
    assert main([*args, "--compile", "--out", str(tmp_path / "compiled")]) == 0
    _same_model_to_rounding(tmp_path / "graph", tmp_path / "compiled")


SMALL = ["--epochs", "2", "--samples", "20", "--hidden", "4", "--no-progress"]


@pytest.mark.slow  # a training run with its pictures
def test_cli_train_show_code_prints_the_packed_step_before_training(tmp_path, capsys):
    assert main(["train", *SMALL, "--hidden", "6", "5", "--l2", "1e-3", "--compile", "--show-code",
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    code, trained = printed.split("trained 2 epochs")
    assert "    z1 = x @ W1.T + b1  # 6 neurons of layer 1: 12 mul nodes and 6 sum nodes packed\n" in code
    assert "    z2 = a1 @ W2.T + b2  # 5 neurons of layer 2: 30 mul nodes and 5 sum nodes packed\n" in code
    assert "# the L2 penalty, a function of the parameters alone, packed on its own and added:" in code
    assert str(tmp_path / "model.json") in trained


def test_cli_train_show_code_needs_compile(tmp_path, capsys):
    assert main(["train", *SMALL, "--show-code", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == ("glassgrad train: --show-code: expected --compile too (the code shown is the "
                                       "compiled step's)\n")


def test_cli_train_out_that_is_a_file_is_refused_in_one_line(tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    assert main(["train", *SMALL, "--out", str(existing)]) == 2
    assert capsys.readouterr().err == (f"glassgrad train: --out {str(existing)!r}: expected a folder (made if it is "
                                       f"missing), got an existing file\n")
    assert main(["train", *SMALL, "--out", str(existing / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"got a path under {str(existing)!r}, which is a file" in err
    assert existing.read_text() == "keep me"


def test_cli_train_samples_that_do_not_fit_in_memory_are_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--samples", "1000000000", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("glassgrad train: expected a run that fits in the ")
    assert "the data (--samples 1000000000) 320.0 GB" in err  # refused on any machine with less than ~90 TB free
    assert re.search(r"; use (fewer --samples|--batch-size \d+ or less)\n$", err)
    assert not out.exists()


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_memory_check_suggests_a_batch_size_that_fits(tmp_path, monkeypatch):
    monkeypatch.setattr(train_module, "available_memory", lambda: 300_000)
    config = TrainConfig(samples=200, hidden=[4], epochs=1, out=str(tmp_path))
    with pytest.raises(ValueError, match=r"fits in the 300\.0 KB of memory available") as refused:
        run(config, progress=False)
    batch = int(re.search(r"use --batch-size (\d+) or less$", str(refused.value)).group(1))
    assert 1 < batch < 200 and estimate(200, [2, 4, 2], batch, False).total <= 300_000
    assert estimate(200, [2, 4, 2], batch + 1, False).total > 300_000
    assert run(TrainConfig(samples=200, hidden=[4], epochs=1, batch_size=batch, out=str(tmp_path)),
               progress=False).history.epochs == 1


@pytest.mark.slow  # training runs with their pictures
def test_cli_train_loss_that_got_worse_says_so_and_fails(tmp_path, capsys):
    code = main(["train", *SMALL, "--epochs", "5", "--lr", "1e6", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 1
    assert "the loss got worse: " in printed and " in epoch 1, " in printed
    assert "try a lower --lr, e.g. --lr 0.01 (adam's default)" in printed
    assert (tmp_path / "model.json").exists()


@pytest.mark.parametrize(("optimizer", "lr", "suggested"), [
    ("adam", 1e6, "--lr 0.01 (adam's default)"),
    ("sgd", None, "--lr 0.01"),
    ("adam", 0.001, "--lr 0.0001"),
])
def test_cli_train_lr_hint_suggests_a_lower_rate(optimizer, lr, suggested):
    hint = lr_hint(TrainConfig(optimizer=optimizer, lr=lr))
    assert hint.endswith(f"try a lower --lr, e.g. {suggested}")


def test_cli_train_loss_got_worse_needs_two_epochs():
    def result(losses):
        return TrainResult(MLP(2, [2]), History(loss=losses, accuracy=[0.5] * len(losses)), {}, 0.5)

    assert [result(losses).loss_got_worse for losses in ([], [3.0], [1.0, 2.0], [2.0, 2.0], [2.0, 1.0])] == [
        False, False, True, False, False]
