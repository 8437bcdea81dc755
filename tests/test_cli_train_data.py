"""glassgrad train: the held-out test set (--test-split) and the digits dataset."""

import csv
import json

import pytest

from glassgrad.cli import main
from glassgrad.train import TrainConfig, run, split
from nn import MLP
from nn.data import make_moons

SMALL = ["--epochs", "2", "--samples", "20", "--hidden", "4", "--no-progress"]


@pytest.mark.slow  # a training run with its pictures
def test_cli_train_test_split_reports_test_accuracy_in_summary_json_and_csv(tmp_path, capsys):
    assert main(["train", *SMALL, "--seed", "3", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    history = json.loads((tmp_path / "history.json").read_text())
    model = MLP.load(tmp_path / "model.json")
    (X, y), (X_test, y_test) = split(*make_moons(20, noise=0.1, seed=3), 0.2, 3)  # split with the run's seed
    assert len(X_test) == 4 and len(X) == 16
    test_accuracy = sum(model.predict(x) == t for x, t in zip(X_test, y_test)) / 4
    train_accuracy = sum(model.predict(x) == t for x, t in zip(X, y)) / 16
    assert history["final_test_accuracy"] == test_accuracy and history["final_accuracy"] == train_accuracy
    assert history["val_accuracy"][-1] == test_accuracy and len(history["val_loss"]) == 2
    assert f"training accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%}" in printed
    rows = list(csv.DictReader((tmp_path / "history.csv").open()))
    assert [float(r["val_loss"]) for r in rows] == history["val_loss"]
    assert history["config"]["test_split"] == 0.2


@pytest.mark.slow  # a training run with its pictures
def test_cli_train_test_split_zero_trains_on_every_point_and_reports_no_test(tmp_path, capsys):
    assert main(["train", *SMALL, "--test-split", "0", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    history = json.loads((tmp_path / "history.json").read_text())
    assert history["final_test_accuracy"] is None and "val_loss" not in history
    assert "test accuracy" not in printed
    assert (tmp_path / "history.csv").read_text().splitlines()[0] == "epoch,loss,accuracy"


@pytest.mark.parametrize("fraction", ["1", "1.5", "-0.1", "half", "nan"])
def test_cli_train_test_split_outside_zero_to_one_is_an_argparse_error(fraction, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["train", *SMALL, "--test-split", fraction, "--out", str(tmp_path / "run")])
    assert stopped.value.code == 2
    assert f"--test-split: expected a fraction in [0, 1) (0: no test set), got {fraction!r}" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_cli_train_test_split_that_leaves_a_part_empty_is_refused(tmp_path, capsys):
    assert main(["train", *SMALL, "--samples", "4", "--test-split", "0.1", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "--test-split 0.1: expected a fraction that holds out at least one of the 4 points" in err
    with pytest.raises(ValueError, match=r"expected a fraction in \[0, 1\) \(0: no test set\), got 1\.0"):
        run(TrainConfig(test_split=1.0, out=str(tmp_path / "run")), progress=False)


def test_cli_train_history_png_draws_the_test_curves(tmp_path, monkeypatch):
    import viz.plots

    drawn = []
    monkeypatch.setattr(viz.plots, "save_figure", lambda fig, path: drawn.append(fig) or path)
    run(TrainConfig(epochs=2, samples=20, hidden=[3], out=str(tmp_path)), progress=False)
    labels = [line.get_label() for fig in drawn for ax in fig.axes for line in ax.get_lines()]
    assert {"held-out loss", "held-out accuracy", "training loss", "training accuracy"} <= set(labels)


def require_sklearn():
    import importlib.util

    from conftest import require

    require(importlib.util.find_spec("sklearn"), "scikit-learn", "pip install 'glassgrad[digits]'")


@pytest.mark.slow  # the digits
def test_cli_train_digits_trains_a_64_input_network_and_skips_the_2d_pictures(tmp_path, capsys):
    require_sklearn()
    code = main(["train", "--dataset", "digits", "--samples", "150", "--hidden", "4", "--epochs", "1",
                 "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    model = MLP.load(tmp_path / "model.json")
    assert model.nin == 64 and model.nouts == [4, 10]
    history = json.loads((tmp_path / "history.json").read_text())
    assert history["config"]["dataset"] == "digits" and 0.0 <= history["final_test_accuracy"] <= 1.0
    assert "test accuracy" in printed
    assert "no decision_boundary.png: it draws the plane of 2-D inputs, these have 64" in printed
    assert "no neuron.svg: the first hidden neuron has 64 inputs" in printed
    assert (tmp_path / "history.png").is_file()
    assert not (tmp_path / "decision_boundary.png").exists() and not (tmp_path / "neuron.svg").exists()


def test_cli_train_digits_samples_are_a_seeded_subset_of_at_most_1797(tmp_path, capsys):
    require_sklearn()
    from glassgrad.train import digits

    assert digits(30, seed=1) == digits(30, seed=1) and digits(30, seed=1) != digits(30, seed=2)
    assert len(digits(None, seed=0)[0]) == 1797
    assert main(["train", "--dataset", "digits", "--samples", "1798", "--no-progress", "--out", str(tmp_path)]) == 2
    assert "--samples: expected 1 to 1,797 for the digits dataset (its size), got 1798" in capsys.readouterr().err


def test_cli_train_digits_without_sklearn_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    import sys

    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # None in sys.modules: import fails
    assert main(["train", "--dataset", "digits", "--no-progress", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassgrad train: --dataset digits: load_digits: expected scikit-learn")
    assert "pip install 'glassgrad[digits]'" in err and err.count("\n") == 1
