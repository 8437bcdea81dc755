"""The playground's training session (playground.session): settings and their hash, training, updates, points,
maps, state."""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import replace

import pytest

from nn import MLP
from playground.session import Session
from playground.settings import FEATURES, MAX_CSV_ROWS, Settings


def weights(session: Session) -> dict[str, float]:
    return session.model.state_dict()


# --- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [
    Settings(),
    Settings(dataset="spirals", classes=4, noise=25, percTrainData=70, batchSize=30, networkShape=(8, 8, 8, 8, 8, 8),
             activation="leaky_relu", learningRate=1e-5, regularization="L1", regularizationRate=0.003, seed=4294967295,
             x=False, sinX=True, xTimesY=True, optimizer="adam"),
    Settings(dataset="reg-gauss", networkShape=(), output="mse", optimizer="momentum", xSquared=True, ySquared=True),
])
def test_session_settings_round_trip_through_hash(settings: Settings) -> None:
    text = settings.to_hash()
    assert Settings.from_hash(text) == settings
    assert Settings.from_hash("#" + text) == settings
    assert Settings.validated(settings.to_dict()) == settings


def test_session_settings_hash_keeps_missing_names_at_their_defaults() -> None:
    s = Settings.from_hash("#dataset=xor&networkShape=3&learningRate=0.1")
    assert s == Settings(dataset="xor", networkShape=(3,), learningRate=0.1)
    assert Settings.from_hash("") == Settings()


@pytest.mark.parametrize(("text", "name"), [
    ("dataset=mnist", "dataset"),
    ("networkShape=" + ",".join(["4"] * 100), "networkShape"),
    ("networkShape=4,9", "networkShape"),
    ("networkShape=4,x", "networkShape"),
    ("learningRate=nan", "learningRate"),
    ("learningRate=inf", "learningRate"),
    ("learningRate=0", "learningRate"),
    ("noise=-1", "noise"),
    ("percTrainData=95", "percTrainData"),
    ("batchSize=0", "batchSize"),
    ("batchSize=2.5", "batchSize"),
    ("activation=gelu", "activation"),
    ("regularization=L3", "regularization"),
    ("regularizationRate=-0.1", "regularizationRate"),
    ("seed=-1", "seed"),
    ("classes=6", "classes"),
    ("x=maybe", "x"),
    ("x=false&y=false", "features"),
    ("optimizer=rmsprop", "optimizer"),
    ("dataset=reg-plane&output=softmax", "output"),
    ("dataset=spirals&classes=3&output=hinge", "output"),
    ("bogus=1", "settings"),
    ("dataset", "URL hash"),
    ("dataset=moons&dataset=xor", "URL hash"),
    ("=moons", "URL hash"),
    ("activation=__import__('os')", "activation"),
    ("seed=" + "9" * 9000, "URL hash"),
])
def test_session_bad_setting_is_a_value_error_naming_it(text: str, name: str) -> None:
    with pytest.raises(ValueError, match="expected") as info:
        Settings.from_hash(text)
    message = str(info.value)
    assert message.startswith(name), message
    assert "got" in message


@pytest.mark.parametrize(("mapping", "name"), [
    ({"learningRate": float("nan")}, "learningRate"),
    ({"noise": -0.5}, "noise"),
    ({"networkShape": [4] * 100}, "networkShape"),
    ({"batchSize": True}, "batchSize"),
    ({"dataset": None}, "dataset"),
])
def test_session_bad_typed_setting_is_a_value_error_naming_it(mapping: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}: expected .* got "):
        Settings.validated(mapping)


# --- training ---------------------------------------------------------------------------------------


def test_session_training_on_moons_lowers_the_training_loss() -> None:
    session = Session(Settings(dataset="moons"))
    assert (len(session.train), len(session.test)) == (250, 250)
    before = session.train_loss
    assert before is not None
    for _ in range(10):
        session.epoch()
    assert session.epoch_count == 10
    assert session.step_count == 10 * 25  # 250 points, batches of 10
    after = session.train_loss
    assert after is not None and after < before - 0.05
    assert session.train_accuracy is not None and session.train_accuracy > 0.7


def test_session_same_settings_give_the_same_run() -> None:
    a, b = Session(Settings(seed=3)), Session(Settings(seed=3))
    for _ in range(7):
        a.step()
        b.step()
    assert a.state() == b.state()


def test_session_learning_rate_or_optimizer_change_keeps_the_weights() -> None:
    session = Session(Settings(optimizer="adam", learningRate=0.01))
    session.epoch()
    trained = weights(session)
    assert session.update(replace(session.settings, learningRate=0.1)) == "optimizer"
    assert weights(session) == trained and session.epoch_count == 1
    assert session.optimizer.lr == 0.1 and session.optimizer.step_count == 25  # Adam's state kept
    assert session.update(replace(session.settings, optimizer="momentum")) == "optimizer"
    assert weights(session) == trained and session.epoch_count == 1
    assert session.optimizer.step_count == 0
    assert session.update(replace(session.settings, batchSize=5, regularization="L2")) == "nothing"
    assert weights(session) == trained
    session.step()
    assert weights(session) != trained


def test_session_network_change_rebuilds_the_network_on_the_same_points() -> None:
    session = Session()
    session.epoch()
    points = list(session.train)
    new = replace(session.settings, networkShape=(3, 3, 3), activation="relu")
    assert session.update(new) == "network"
    assert session.state()["layers"] == [2, 3, 3, 3, 2]
    assert session.epoch_count == 0 and session.train == points
    assert weights(session) == weights(Session(new))  # fresh from the seed
    assert session.update(replace(new, noise=30)) == "data"
    assert session.train != points


def test_session_reset_restores_the_initial_weights() -> None:
    session = Session()
    initial = weights(session)
    session.epoch()
    session.reset()
    assert weights(session) == initial and session.epoch_count == 0


def test_session_set_weight_changes_the_parameter() -> None:
    session = Session()
    name = "layers.1.neurons.0.w.2"
    session.set_weight(name, 1.5)
    assert dict(session.model.named_parameters())[name].data == 1.5
    assert session.state()["parameters"][name] == 1.5
    with pytest.raises(ValueError, match="expected a parameter name"):
        session.set_weight("layers.9.neurons.0.w.0", 1.0)
    with pytest.raises(ValueError, match="expected a number"):
        session.set_weight(name, float("nan"))


# --- points -----------------------------------------------------------------------------------------


def test_session_add_and_remove_a_point() -> None:
    session = Session()
    n = len(session.train)
    session.add_point(5.0, 5.0, 1)
    assert len(session.train) == n + 1 and session.train[-1] == (5.0, 5.0, 1.0)
    assert session.remove_point_near(5.05, 4.95) == (5.0, 5.0, 1.0)
    assert session.remove_point_near(50.0, 50.0) is None
    assert len(session.train) == n
    with pytest.raises(ValueError, match="add_point: label: expected a whole number from 0 to 1"):
        session.add_point(0.0, 0.0, 2)
    session.step()  # the order of the pass is made anew over the changed points


def test_session_csv_round_trip() -> None:
    session = Session(Settings(dataset="spirals", classes=3))
    text = session.to_csv()
    assert text.splitlines()[0] == "x1,x2,label"
    other = Session(Settings(dataset="spirals", classes=3, seed=1))
    assert other.load_csv(text) == 500
    assert sorted(other.train + other.test) == sorted(session.train + session.test)
    assert other.custom_data and other.state()["custom_data"]
    regression = Session(Settings(dataset="reg-plane", output="mse"))
    copy = Session(Settings(dataset="reg-plane", output="mse"))
    copy.load_csv(regression.to_csv())
    assert sorted(copy.train + copy.test) == sorted(regression.train + regression.test)


@pytest.mark.parametrize(("text", "message"), [
    ("x1,x2,label\n0.5,0.5,1\n0.1,abc,0\n", "CSV line 3: x2: expected a number"),
    ("0.5,0.5,1\n0.1,0.2,7\n", "CSV line 2: label: expected a whole number from 0 to 1"),
    ("0.5,0.5,1.5\n", "CSV line 1: label: expected a whole number"),
    ("0.5,0.5\n", "CSV line 1: expected 3 values"),
    ("nan,0.5,1\n", "CSV line 1: x1: expected a number"),
    ("1e400,0.5,1\n", "CSV line 1: x1: expected a number"),
    ("x1,x2,label\n", "CSV: expected at least one row"),
    ("0,0,0\n" * (MAX_CSV_ROWS + 1), "CSV: expected at most 10,000 rows"),
    ("#" * 1_000_001, "CSV: expected at most 1,000,000 bytes"),
])
def test_session_bad_csv_is_a_value_error_naming_the_line(text: str, message: str) -> None:
    session = Session()
    before = session.to_csv()
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        session.load_csv(text)
    assert session.to_csv() == before  # nothing changed


# --- reading ----------------------------------------------------------------------------------------


def test_session_heatmaps_have_the_right_sizes_and_the_models_numbers() -> None:
    session = Session(Settings(networkShape=(3, 2), xTimesY=True, sinY=True))
    session.epoch()
    maps = session.heatmaps(7)
    assert maps["resolution"] == 7 and len(maps["extent"]) == 4
    assert len(maps["output"]) == 49
    assert list(maps["features"]) == list(FEATURES)  # every feature, on or off: the page shows all seven
    assert list(maps["neurons"]) == ["1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2"]
    assert all(len(values) == 49 for group in ("features", "neurons") for values in maps[group].values())
    grid = session.grid(7)
    a, b, c, d = maps["extent"]
    assert grid[0] == (a, d) and grid[6] == (b, d) and grid[-1] == (b, c)  # rows from the top, left to right
    net = session.model.as_floats()
    for k in (0, 17, 48):
        x1, x2 = grid[k]
        assert all(maps["features"][name][k] == f(x1, x2) for name, f in FEATURES.items())
        inputs = [FEATURES[name](x1, x2) for name in session.settings.features]  # the network takes those on
        layers = net.forward(inputs)  # the model's own float forward, to rounding (a matrix product's own order)
        for L, layer in enumerate(layers, start=1):
            for j, (_, activation) in enumerate(layer):
                assert maps["neurons"][f"{L}.{j + 1}"][k] == pytest.approx(activation, rel=1e-12, abs=1e-15)
        assert maps["output"][k] == pytest.approx(net.predict_proba(inputs)[1], rel=1e-12, abs=1e-15)


def test_session_heatmaps_of_three_classes_give_the_predicted_class() -> None:
    session = Session(Settings(dataset="spirals", classes=3))
    maps = session.heatmaps(5)
    net = session.model.as_floats()
    assert maps["output"] == [float(net.predict([x1, x2])) for x1, x2 in session.grid(5)]
    with pytest.raises(ValueError, match="resolution: expected a whole number from 2 to 200"):
        session.heatmaps(10_000)


def test_session_state_is_json_with_the_contract_fields() -> None:
    session = Session()
    session.step()
    state = json.loads(json.dumps(session.state(), allow_nan=False))
    for key in ("epoch", "train_loss", "test_loss", "settings", "parameters", "layers", "train", "test"):
        assert key in state
    assert state["epoch"] == 0 and isinstance(state["train_loss"], float)
    assert list(state["parameters"]) == [name for name, _ in session.model.named_parameters()]
    assert state["settings"]["networkShape"] == [4, 2] and state["settings"]["learningRate"] == 0.03
    assert Settings.validated(state["settings"]) == session.settings
    assert Settings.from_hash(state["hash"]) == session.settings
    assert state["layers"] == [2, 4, 2, 2]
    assert len(state["train"]) == 250 and len(state["train"][0]) == 3


def test_session_state_has_no_nan_after_divergence() -> None:
    settings = Settings(dataset="reg-plane", networkShape=(), output="mse", learningRate=10.0)
    session = Session(settings)
    session.set_weight("layers.0.neurons.0.w.0", 1e6)
    for _ in range(40):
        session.step()
    text = json.dumps(session.state(), allow_nan=False)  # non-finite numbers are null
    assert "null" in text


def test_session_trains_in_one_thread_while_another_changes_it() -> None:
    session = Session()
    errors: list[BaseException] = []

    def train() -> None:
        try:
            for _ in range(3):
                session.epoch()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    worker = threading.Thread(target=train)
    worker.start()
    for i in range(20):
        session.add_point(0.01 * i, 0.0, i % 2)
        session.update(replace(session.settings, learningRate=0.03 + 0.001 * i))
        json.dumps(session.state(), allow_nan=False)
    worker.join()
    assert not errors and session.epoch_count == 3


def test_session_extent_stays_when_points_are_added_and_follows_new_data() -> None:
    session = Session()
    extent = session.extent()
    a, d = extent[0], extent[3]
    session.add_point(a + 0.01, d - 0.01, 0)  # a click in the map's corner does not move the map
    assert session.extent() == extent
    session.remove_point_near(a + 0.01, d - 0.01)
    assert session.extent() == extent
    session.load_csv("x1,x2,label\n0,0,0\n10,20,1\n")
    assert session.extent() == (-1.0, 11.0, -2.0, 22.0)


# --- a user's own model and data (Session.from_model) ------------------------------------------------------


def test_session_from_model_trains_the_users_own_mlp_in_place() -> None:
    from nn import MLP
    from nn.data import make_moons

    X, y = make_moons(60, noise=0.1, seed=1)
    model = MLP(2, [5, 2], activation="tanh", seed=3)
    before = model.state_dict()
    session = Session.from_model(model, X, y, Settings(learningRate=0.1))
    assert session.own and session.model is model and session.task.problem == "classification"
    assert len(session.train) + len(session.test) == 60  # 2-D inputs: points, and maps
    session.epoch()
    assert model.state_dict() != before  # the live model learned
    assert session.heatmaps(5)["neurons"]["2.1"]
    session.reset()
    assert model.state_dict() == before  # reset: back to the weights it came with


def test_session_from_model_of_other_input_sizes_has_no_maps() -> None:
    from nn import MLP

    X = [[(i * k % 7) / 7 for k in range(5)] for i in range(40)]
    y = [i % 3 for i in range(40)]
    session = Session.from_model(MLP(5, [4, 3], seed=0), X, y)
    assert session.task.classes == 3 and session.train == [] and session.extent() is None
    first = session.train_loss
    for _ in range(20):
        session.epoch()
    assert session.train_loss < first
    state = session.state()
    assert state["layers"] == [5, 4, 3] and state["own"] and state["train_accuracy"] is not None
    with pytest.raises(ValueError, match="expected a network of points in the plane, got 5 inputs"):
        session.heatmaps(5)


def test_session_from_model_keeps_the_data_and_network_fixed() -> None:
    from nn import MLP

    session = Session.from_model(MLP(2, [3, 1], output="linear", seed=0), [[0.0, 1.0], [1.0, 0.0]], [0.5, -0.5])
    assert session.task.problem == "regression" and session.task.loss == "mse"
    assert session.update(Settings(learningRate=0.1, optimizer="adam")) == "optimizer"
    with pytest.raises(ValueError, match="only the training can change; expected the same networkShape"):
        session.update(Settings(networkShape=(2,), learningRate=0.1))
    with pytest.raises(ValueError, match="your own data"):
        session.add_point(0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="set_points: this playground trains your own data"):
        session.set_points([(0.0, 0.0, 1.0)], [])  # a link's points: not for a user's own data either


@pytest.mark.parametrize(("X", "y", "message"), [
    ([[0.0, 1.0, 2.0]], [0], "expected rows of 2 numbers"),
    ([[0.0, "a"]], [0], r"X\[0\]\[1\]: expected a number"),
    ([[0.0, 1.0]], [2], r"y\[0\]: expected a whole number from 0 to 1"),
    ([[0.0, 1.0]], [0, 1], "a label for each"),
    ("xy", [0], "expected two sequences"),
])
def test_session_from_model_checks_its_data(X: object, y: object, message: str) -> None:
    from nn import MLP

    with pytest.raises((TypeError, ValueError), match=message):
        Session.from_model(MLP(2, [3, 2], seed=0), X, y)  # type: ignore[arg-type]


def test_session_trains_with_nns_one_step() -> None:
    """A step is ``nn.train.train_step`` on ``make_step``'s step, with TF Playground's L1 over the weights."""
    from nn.losses import Penalty
    from nn.optim import SGD
    from nn.train import make_step, train_step

    session = Session(Settings(regularization="L1", regularizationRate=0.01, learningRate=0.1))
    model = session.model.copy()
    session.step()
    step = make_step(model, "cross_entropy", penalty=Penalty("L1", 0.01, model.weights()), compile=session.compiled)
    ex = session.examples
    train_step(step, SGD(model.parameters(), lr=0.1), ex.train_inputs, ex.train_targets, session.last_batch)
    assert model.state_dict() == session.model.state_dict()


def test_session_compiled_step_agrees_with_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(dataset="spirals", classes=3, regularization="L2", regularizationRate=0.001, optimizer="adam")
    monkeypatch.setattr(Session, "compiled", True)
    compiled = Session(settings)
    monkeypatch.setattr(Session, "compiled", False)
    graph = Session(settings)
    for session in (graph, compiled):
        session.epoch()
        session.epoch()
    for (name, a), b in zip(graph.model.state_dict().items(), compiled.model.state_dict().values()):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), name


def test_session_document_restores_the_same_run() -> None:
    session = Session(Settings(dataset="xor", networkShape=(3,), regularization="L2", regularizationRate=0.01))
    session.epoch()
    session.add_point(0.25, -0.5, 1)
    again = Session.restore(json.loads(json.dumps(session.to_document())))
    assert again.settings == session.settings and (again.train, again.test) == (session.train, session.test)
    assert again.model.state_dict() == session.model.state_dict()
    assert (again.epoch_count, again.step_count, again.train_loss) == (1, session.step_count, session.train_loss)
    again.step()  # and it trains on from there
    assert again.step_count == session.step_count + 1


@pytest.mark.parametrize(("change", "expected"), [
    ({"hash": "dataset=mars"}, "dataset: expected one of"),
    ({"parameters": {"w": 1.0}}, "names do not match"),
    ({"train": []}, "1 to 10,000 points"),
    ({"train": [[0.0, 0.0, 7]]}, "label: expected a whole number from 0 to 1"),
    ({"test": [[0.0, "a", 0]]}, "test[0]: x2: expected a number"),
    ({"epoch": -1}, "epoch: expected a whole number"),
    ({"custom_data": "yes"}, "expected custom_data as bool"),
])
def test_session_restore_refuses_a_bad_document_saying_what(change: dict[str, object], expected: str) -> None:
    document = {**Session(Settings()).to_document(), **change}
    with pytest.raises(ValueError, match=re.escape(expected)):
        Session.restore(document)


def test_notation_names_every_parameter_and_unit_as_the_lecture_does() -> None:
    from playground import notation

    names = notation.names([2, 4, 2])
    assert names["layers.0.neurons.0.w.1"] == "w₁₂¹" and names["layers.1.neurons.1.b"] == "b₂²"
    assert names["layers.1.neurons.0.w.3"] == "w₁₄²"  # from neuron 4 of layer 1 to neuron 1 of layer 2
    assert len(names) == len(MLP(2, [4, 2]).named_parameters())
    units = notation.units([2, 4, 2])
    assert units["0.2"]["x"] == "x₂" and units["1.3"]["z"] == "z₃¹" and units["2.2"]["words"].endswith("output layer")


def test_session_output_map_is_finer_than_the_neurons_and_the_same_numbers() -> None:
    from playground import frames

    snap = Session(Settings(dataset="xor", networkShape=(3,))).snapshot()
    maps = frames.maps(snap, resolution=8)
    assert maps is not None and maps["output"]["resolution"] == frames.OUTPUT_RESOLUTION == 100
    assert len(base64.b64decode(maps["output"]["data"])) == 100 * 100  # TF Playground's resolution
    assert len(base64.b64decode(maps["neurons"]["1.1"]["data"])) == 8 * 8
    assert snap.output_map(8) == pytest.approx(snap.heatmaps(8)["output"], rel=1e-12, abs=1e-15)
