"""The playground's server (playground.server) through Starlette's test client, and the command's life cycle."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="starlette and uvicorn are dependencies of glassgrad: pip install -e .")
from served import STORM, TOKEN, served
from starlette.testclient import TestClient

from nn import MLP
from playground.frames import encode_map
from playground.runner import Runner
from playground.server import MAX_BODY_BYTES, MAX_EVENT_STREAMS, create_app, local_hosts
from playground.session import Session
from playground.settings import MAX_CSV_ROWS, Settings

HOST = "127.0.0.1:8000"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_client() -> Iterator[tuple[TestClient, Runner]]:
    runner = Runner(Session(Settings(seed=3)), resolution=8)
    client = TestClient(create_app(runner, TOKEN, local_hosts("127.0.0.1", 8000)), base_url=f"http://{HOST}")
    yield client, runner
    runner.close()


def command(client: TestClient, message: object, **headers: str) -> Any:
    return client.post("/api/command", content=json.dumps(message),
                       headers={"X-Glassgrad-Token": TOKEN, "Content-Type": "application/json", **headers})


def test_playground_state_answers_the_contracts_fields(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    state = client.get(f"/api/state?token={TOKEN}").json()
    assert {"epoch", "train_loss", "test_loss", "settings", "parameters"} <= set(state)
    assert state["epoch"] == 0 and state["settings"]["seed"] == 3
    assert state["parameters"] == {name: p.data for name, p in runner.session.model.named_parameters()}
    assert next(iter(state["parameters"])) == "layers.0.neurons.0.w.0"  # MLP.named_parameters' names


@pytest.mark.parametrize("path", ["/", "/api/state", "/api/frame", "/api/data.csv", "/static/playground.js"])
def test_playground_every_request_needs_the_token(app_client: tuple[TestClient, Runner], path: str) -> None:
    client, _ = app_client
    assert client.get(path).status_code == 403
    assert client.get(f"{path}?token=wrong").status_code == 403
    assert client.get(f"{path}?token={TOKEN}").status_code == 200
    assert client.get(path, headers={"X-Glassgrad-Token": TOKEN}).status_code == 200


def test_playground_commands_need_the_token(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    response = client.post("/api/command", content=b'{"type": "step"}')
    assert response.status_code == 403 and "token" in response.json()["error"]
    assert runner.session.step_count == 0


def test_playground_refuses_other_host_names(app_client: tuple[TestClient, Runner]) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 sends Host: evil.example."""
    client, _ = app_client
    response = client.get(f"/api/state?token={TOKEN}", headers={"Host": "evil.example:8000"})
    assert response.status_code == 403 and "Host" in response.json()["error"]
    assert client.get(f"/api/state?token={TOKEN}", headers={"Host": "localhost:8000"}).status_code == 200


def test_playground_refuses_commands_from_other_origins(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    response = command(client, {"type": "step"}, Origin="http://evil.example")
    assert response.status_code == 403 and "Origin" in response.json()["error"]
    assert runner.session.step_count == 0
    assert command(client, {"type": "step"}, Origin=f"http://{HOST}").status_code == 200
    assert runner.session.step_count == 1


def test_playground_page_and_files_are_served(app_client: tuple[TestClient, Runner]) -> None:
    client, _ = app_client
    page = client.get(f"/?token={TOKEN}")
    assert page.headers["content-type"].startswith("text/html")
    assert f"static/playground.js?token={TOKEN}" in page.text and "{{token}}" not in page.text
    script = client.get(f"/static/playground.js?token={TOKEN}")
    assert script.headers["content-type"].startswith("text/javascript") and "export default { render }" in script.text
    assert client.get(f"/static/playground.css?token={TOKEN}").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("name", ["session.py", "..%2Fsession.py", "steps.js", "playground.html"])
def test_playground_serves_only_its_static_files(app_client: tuple[TestClient, Runner], name: str) -> None:
    client, _ = app_client
    assert client.get(f"/static/{name}?token={TOKEN}").status_code == 404


@pytest.mark.parametrize(("message", "expected"), [
    ({"type": "settings", "hash": "dataset=mnist"}, "dataset: expected one of moons"),
    ({"type": "settings", "hash": "networkShape=" + ",".join(["4"] * 100)}, "expected 0 to 6 hidden layer"),
    ({"type": "settings", "hash": "learningRate=nan"}, "learningRate: expected a number in (0, 100]"),
    ({"type": "settings", "hash": "learningRate=1e999"}, "learningRate: expected a number"),
    ({"type": "settings", "hash": "dataset=moons&&"}, "URL hash: expected key=value"),
    ({"type": "settings", "hash": "seed=__import__('os')"}, "seed: expected letters, digits"),
    ({"type": "settings"}, "settings: expected a hash text"),
    ({"type": "weight", "name": "layers.9.neurons.0.b", "value": 1}, "set_weight(name): expected a parameter"),
    ({"type": "weight", "name": "layers.0.neurons.0.b", "value": "1+1"}, "expected a number"),
    ({"type": "add-point", "x1": 0, "x2": 0, "label": 7}, "label: expected a whole number from 0 to 1"),
    ({"type": "add-point", "x1": "nan", "x2": 0, "label": 0}, "add_point(x1): expected a number"),
    ({"type": "csv", "text": "x1,x2,label\n0.5,zero,1\n"}, "CSV line 2: x2: expected a number"),
    ({"type": "csv", "text": "0,0,0\n" * (MAX_CSV_ROWS + 1)}, f"expected at most {MAX_CSV_ROWS:,} rows"),
    ({"type": "csv", "text": 5}, "CSV: expected text"),
    ({"type": "launch"}, "message type: expected one of play"),
    ([1, 2], "message: expected an object with a type"),
])
def test_playground_bad_messages_are_a_400_saying_what_was_expected(
    app_client: tuple[TestClient, Runner], message: object, expected: str
) -> None:
    client, _ = app_client
    before = client.get(f"/api/state?token={TOKEN}").json()
    response = command(client, message)
    assert response.status_code == 400
    assert expected in response.json()["error"]
    after = client.get(f"/api/state?token={TOKEN}").json()  # the server goes on, unchanged
    assert after["settings"] == before["settings"] and after["parameters"] == before["parameters"]
    assert len(after["train"]) == len(before["train"])


TF_LINK = ("activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&regularizationRate=0"
           "&noise=0&networkShape=4,2&seed=0.80256&showTestData=false&discretize=false&percTrainData=50&x=true&y=true"
           "&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false"
           "&collectStats=false&problem=classification&initZero=false&hideText=false")


def test_playground_settings_from_a_tf_playground_link_open_with_notices(
    app_client: tuple[TestClient, Runner],
) -> None:
    client, runner = app_client
    answer = command(client, {"type": "settings", "hash": TF_LINK}).json()
    assert answer["settings"]["dataset"] == "circles" and answer["settings"]["noise"] == 0
    assert any(n.startswith("initZero: a TensorFlow Playground setting") for n in answer["notices"])
    assert any(n.startswith("seed: TensorFlow Playground's 0.80256 taken as") for n in answer["notices"])
    answer = command(client, {"type": "settings", "hash": "problem=regression&regDataset=reg-gauss&colour=red"}).json()
    assert answer["settings"]["dataset"] == "reg-gauss" and answer["settings"]["output"] == "mse"
    assert answer["notices"] == ["colour: a setting with no meaning here; ignored"]
    assert "notices" not in runner.frame()  # for the page that sent the link only


def test_playground_settings_change_only_what_they_name(app_client: tuple[TestClient, Runner]) -> None:
    client, _ = app_client
    command(client, {"type": "settings", "hash": "activation=relu"})
    answer = command(client, {"type": "settings", "hash": "learningRate=0.1"}).json()
    assert answer["settings"]["activation"] == "relu" and answer["settings"]["learningRate"] == 0.1  # both stick


def test_playground_bad_json_is_a_400(app_client: tuple[TestClient, Runner]) -> None:
    client, _ = app_client
    response = client.post("/api/command", content=b"{type: step", headers={"X-Glassgrad-Token": TOKEN})
    assert response.status_code == 400 and "expected a JSON object" in response.json()["error"]
    response = client.post("/api/command", content=b"\xff\xfe", headers={"X-Glassgrad-Token": TOKEN})
    assert response.status_code == 400


HOSTILE = [
    (b'{"type": "step", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deep"),
    (b'{"type": "weight", "name": "layers.0.neurons.0.w.0", "value": ' + b"9" * 5000 + b"}", "bad JSON"),
    (b'{"type": "weight", "name": "layers.0.neurons.0.w.0", "value": ' + b"9" * 4000 + b"}", "at most"),
    (b'{"type": "add-point", "x1": ' + b"9" * 400 + b', "x2": 0, "label": 1}', "at most"),
    (b'{"type": "weight", "name": ["layers"], "value": 1}', "name: expected a number, true/false or a text"),
    (b'{"type": "weight", "name": "layers.0.neurons.0.w.0", "value": NaN}', "NaN is not a JSON number"),
    (b'{"type": "open-neuron", "neuron": "\\u0661.\\u0660"}', "neuron: expected ASCII text"),
    (b'{"type": "select-example", "index": {"a": 1}}', "index: expected a number"),
    (b'{"type": "step", "\\u00e9": 1}', "field names of 1 to 32 ASCII characters"),
]


@pytest.mark.parametrize(("body", "expected"), HOSTILE, ids=[
    "deep", "long-int", "huge-weight", "huge-point", "list-name", "nan", "arabic-digits", "object", "field-name"])
def test_playground_hostile_json_is_a_400_saying_what(app_client: tuple[TestClient, Runner], body: bytes,
                                                       expected: str) -> None:
    client, _ = app_client
    response = client.post("/api/command", content=body, headers={"X-Glassgrad-Token": TOKEN})
    assert response.status_code == 400 and expected in response.json()["error"]
    assert len(response.json()["error"]) < 400  # a value is quoted short, never whole
    assert command(client, {"type": "step"}).status_code == 200  # and the server goes on


def test_playground_open_neuron_takes_ascii_digits_only(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    assert command(client, {"type": "open-neuron", "neuron": "1.1"}).status_code == 200
    for key in ("\u0661.\u0661", "1.1 ", "01.0001", "+1.1", "1.0"):
        assert command(client, {"type": "open-neuron", "neuron": key}).status_code == 400
    assert runner.selected_neuron == "1.1"


def test_playground_bodies_are_bounded(app_client: tuple[TestClient, Runner]) -> None:
    """Ten million rows of CSV never reach the parser: the body stops at MAX_BODY_BYTES (413)."""
    client, runner = app_client
    big = json.dumps({"type": "csv", "text": "0.1,0.2,1\n" * (MAX_BODY_BYTES // 10 + 1)})
    response = command(client, json.loads(big))
    assert response.status_code == 413 and "at most" in response.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        for _ in range(MAX_BODY_BYTES // 100_000 + 2):
            yield b" " * 100_000

    response = client.post("/api/command", content=chunks(), headers={"X-Glassgrad-Token": TOKEN})
    assert response.status_code == 413
    assert not runner.session.custom_data


def test_playground_commands_change_the_session(app_client: tuple[TestClient, Runner]) -> None:
    client, _ = app_client
    frame = command(client, {"type": "epoch"}).json()
    assert frame["epoch"] == 1 and frame["step"] == 25  # 250 training points, batches of 10
    assert frame["history"][0][0] == 0 and frame["history"][-1][0] == 1
    weights = frame["parameters"]
    frame = command(client, {"type": "settings", "hash": "seed=3&learningRate=0.1&optimizer=adam&batchSize=5"}).json()
    assert frame["parameters"] == weights and frame["epoch"] == 1  # a new rate or optimizer keeps the weights
    frame = command(client, {"type": "settings", "hash": "networkShape=3&seed=3"}).json()
    assert frame["layers"] == [2, 3, 2] and frame["epoch"] == 0
    frame = command(client, {"type": "weight", "name": "layers.0.neurons.2.w.1", "value": "-1.5"}).json()
    assert frame["parameters"]["layers.0.neurons.2.w.1"] == -1.5
    count = len(frame["train"])
    frame = command(client, {"type": "add-point", "x1": 0.25, "x2": -0.5, "label": 1}).json()
    assert len(frame["train"]) == count + 1 and frame["train"][-1] == [0.25, -0.5, 1.0]
    frame = command(client, {"type": "remove-point", "x1": 0.25, "x2": -0.5}).json()
    assert len(frame["train"]) == count
    frame = command(client, {"type": "csv", "text": "x1,x2,label\n0,0,0\n1,1,1\n2,2,1\n3,3,0\n"}).json()
    assert len(frame["train"]) + len(frame["test"]) == 4 and frame["custom_data"]
    assert client.get(f"/api/data.csv?token={TOKEN}").text.splitlines()[0] == "x1,x2,label"
    seed = frame["settings"]["seed"]
    assert command(client, {"type": "regenerate"}).json()["settings"]["seed"] != seed


def test_playground_play_trains_until_pause(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    assert command(client, {"type": "play"}).json()["playing"]
    deadline = time.monotonic() + 20
    while runner.session.epoch_count < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    frame = command(client, {"type": "pause"}).json()
    assert not frame["playing"] and frame["epoch"] >= 2
    steps = runner.session.step_count
    time.sleep(0.3)
    assert runner.session.step_count == steps == client.get(f"/api/state?token={TOKEN}").json()["step"]


def test_playground_events_stream_frames(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    with client.stream("GET", f"/api/events?token={TOKEN}") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        frames = (json.loads(line[len("data: "):]) for line in events.iter_lines() if line.startswith("data: "))
        first = next(frames)  # the run as it is when the page listens
        runner.handle({"type": "step"})
        then = next(frames)
    assert first["step"] == 0 and then["step"] == 1
    assert set(then["maps"]) == {"resolution", "extent", "output", "features", "neurons"}


def test_playground_event_streams_are_bounded() -> None:
    """At most MAX_EVENT_STREAMS pages listen at once; a closed page frees its place."""
    runner = Runner(resolution=4)
    with served(runner) as base:
        url = f"{base}/api/events?token={TOKEN}"
        streams = [urllib.request.urlopen(url, timeout=10) for _ in range(MAX_EVENT_STREAMS)]
        try:
            assert all(s.readline().startswith(b"retry:") for s in streams)
            assert status(url) == 429
        finally:
            for stream in streams:
                stream.close()
        deadline = time.monotonic() + 10  # each stream notices its page left at its next keep-alive
        while status(url) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status(url) == 200


def test_playground_maps_encode_values_as_bytes() -> None:
    import base64

    encoded = encode_map([-1.0, 0.0, 1.0, 5.0, math.nan, math.inf], -1.0, 1.0)
    assert list(base64.b64decode(encoded["data"])) == [0, 127, 254, 254, 255, 255]


def test_playground_frame_maps_are_the_sessions_heatmaps() -> None:
    import base64

    runner = Runner(Session(Settings(networkShape=(3,))), resolution=6)
    frame = runner.frame(full=True)
    raw = runner.session.heatmaps(6)
    for key, values in raw["neurons"].items():
        encoded = frame["maps"]["neurons"][key]
        decoded = [encoded["lo"] + b / 254 * (encoded["hi"] - encoded["lo"]) for b in base64.b64decode(encoded["data"])]
        step = (encoded["hi"] - encoded["lo"]) / 254
        assert all(abs(d - v) <= step / 2 + 1e-12 for d, v in zip(decoded, values))
    assert frame["maps"]["output"]["kind"] == "probability"
    assert [frame["train"], frame["test"]] == [[list(p) for p in runner.session.train],
                                               [list(p) for p in runner.session.test]]
    assert "train" not in runner.frame()  # points only when they changed
    runner.close()


def test_playground_state_parameters_load_into_an_mlp(app_client: tuple[TestClient, Runner]) -> None:
    client, runner = app_client
    state = client.get(f"/api/state?token={TOKEN}").json()
    model = MLP(2, [4, 2, 2], activation="tanh")
    for name, p in model.named_parameters():
        p.data = state["parameters"][name]
    assert model.forward_floats([0.3, -0.2]) == runner.session.model.forward_floats([0.3, -0.2])


# --- the command ------------------------------------------------------------------------------------------


def start_command(*args: str, cache: Path | None = None, said: list[str] | None = None,
                  ) -> tuple[subprocess.Popen[str], str]:
    """``glassgrad playground --no-browser ARGS`` in a process of its own, with ``cache`` as the user's cache folder
    (default: keep nothing, ``--no-state``); returns it and the URL it printed (the lines before it go to ``said``)."""
    flags = ["--no-state"] if cache is None and "--state" not in args else []
    process = subprocess.Popen(
        [sys.executable, "-m", "glassgrad", "playground", "--no-browser", *flags, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **({"XDG_CACHE_HOME": str(cache)} if cache else {})},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if said is not None:
            said.append(line)
        if line.startswith("http://"):
            return process, line.strip()
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"no URL printed; stderr: {process.communicate()[1]}")


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow  # a Python subprocess
def test_playground_command_serves_until_ctrl_c() -> None:
    process, url = start_command()
    try:
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        token = url.split("token=")[1]
        base = url.split("/?")[0]
        assert status(url) == 200
        assert status(f"{base}/api/state") == 403
        with urllib.request.urlopen(f"{base}/api/state?token={token}", timeout=10) as response:
            assert json.load(response)["epoch"] == 0
        with urllib.request.urlopen(f"{base}/api/events?token={token}", timeout=10) as events:  # an open stream
            assert events.readline().startswith(b"retry:")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=15)
        assert process.returncode == 0 and "stopped" in out and "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.slow  # a Python subprocess
def test_playground_command_warns_when_not_only_local() -> None:
    process, url = start_command("--host", "127.0.0.2")  # still loopback, but not the default
    try:
        assert url.startswith("http://127.0.0.2:")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
        assert "warning: serving on 127.0.0.2" in err and process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.slow  # a Python subprocess
def test_playground_command_rejects_a_bad_port() -> None:
    result = subprocess.run([sys.executable, "-m", "glassgrad", "playground", "--no-browser", "--port", "http"],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "expected a port number" in result.stderr


def post(url: str, message: dict[str, Any], path: str = "api/command") -> Any:
    """POST ``message`` to the server of the page ``url`` (``session=`` in it names the run); its JSON answer."""
    base, query = url.split("/?")
    request = urllib.request.Request(f"{base}/{path}?{query}", data=json.dumps(message).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.slow  # two Python subprocesses
def test_playground_command_keeps_the_runs_across_a_restart(tmp_path: Path) -> None:
    """Two pages' runs, one trained on a loaded CSV, the server stopped with Ctrl-C and started again: the same
    runs under the same ids, token and port, so each page's old address answers with its own run; the file is its
    owner's only."""
    said: list[str] = []
    process, url = start_command(cache=tmp_path, said=said)
    kept = tmp_path / "glassgrad" / "playground.json"
    try:
        assert any(f"the runs are kept in {kept}" in line for line in said)
        first = post(url, {"hash": "dataset=xor"}, "api/session")["session"]
        second = post(url, {"hash": "dataset=circles"}, "api/session")["session"]
        page = f"{url}&session={first}"
        post(page, {"type": "csv", "text": "x1,x2,label\n0,0,0\n1,1,1\n0.5,0.2,0\n0.9,0.7,1\n"})
        for _ in range(3):
            frame = post(page, {"type": "epoch"})
        before = {k: frame[k] for k in ("epoch", "step", "parameters", "train", "test", "settings")}
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
    assert process.returncode == 0 and kept.stat().st_mode & 0o777 == 0o600
    said.clear()
    again, url_again = start_command(cache=tmp_path, said=said)
    try:
        assert url_again == url and any("went on with the 2 runs kept there" in line for line in said)
        with urllib.request.urlopen(page.replace("/?", "/api/frame?"), timeout=30) as response:
            after = json.load(response)
        assert {k: after[k] for k in before} == before and after["session"] == first
        with urllib.request.urlopen(f"{url.replace('/?', '/api/frame?')}&session={second}", timeout=30) as response:
            assert json.load(response)["settings"]["dataset"] == "circles"
    finally:
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=15)


@pytest.mark.slow  # a Python subprocess
def test_playground_command_refuses_a_file_that_is_not_kept_runs(tmp_path: Path) -> None:
    bad = tmp_path / "run.json"
    bad.write_text('{"format": "something else"}')
    result = subprocess.run([sys.executable, "-m", "glassgrad", "playground", "--no-browser", "--state", str(bad)],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            timeout=60)
    assert result.returncode == 2 and "expected kept playground runs" in result.stderr
    assert bad.read_text() == '{"format": "something else"}'  # never overwritten


# -- under load: one discipline for every change, bounded connections -------------------------------------------



@pytest.mark.slow
def test_playground_storm_of_commands_never_breaks_the_runner() -> None:
    """Eight clients send random commands for a bounded time: every answer is 200 or a 4xx that says why, the
    training thread never dies, and the state after is whole (the model's parameters are the frame's)."""
    import random

    runner = Runner(Session(Settings(seed=1)), resolution=4)
    statuses: list[int] = []
    with served(runner) as base:
        def client(seed: int) -> None:
            rng, deadline = random.Random(seed), time.monotonic() + 3.0
            while time.monotonic() < deadline and len(statuses) < 2000:
                body = json.dumps(rng.choice(STORM)).encode()
                request = urllib.request.Request(f"{base}/api/command", data=body, method="POST",
                                                 headers={"X-Glassgrad-Token": TOKEN})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        statuses.append(response.status)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)
                    assert error.code < 500 and "error" in json.loads(error.read())

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        runner.pause()
        frame = runner.frame(full=True)
        divergence = frame["divergence"] or {"title": ""}
        assert divergence["title"] != "Training stopped by an error."  # the training thread never failed
        assert statuses and all(code < 500 for code in statuses), sorted(set(statuses))
        model = runner.session.model
        assert frame["parameters"] == {n: p.data for n, p in model.named_parameters()}
        assert frame["layers"] == [model.nin, *model.nouts]
        runner.handle({"type": "reset"})
        runner.handle({"type": "play"})
        deadline = time.monotonic() + 10
        while runner.session.step_count == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.playing and runner.session.step_count > 0  # it still trains
        runner.close()


def test_server_connections_are_made_for_tcp_so_answers_are_not_delayed() -> None:
    """The listening socket is made for TCP by name, so asyncio sets TCP_NODELAY on every connection it accepts
    (without it, each answer on a kept-alive connection waited ~40 ms for Nagle's algorithm)."""
    import asyncio
    import socket

    from playground.server import _listening

    sock = _listening("127.0.0.1", 0)
    assert sock.proto == socket.IPPROTO_TCP
    seen: list[int] = []

    class Record(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            seen.append(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Record, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname())
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(accept_one())
    assert seen == [1]


def test_server_drops_a_request_that_never_arrives_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import playground.server

    monkeypatch.setattr(playground.server, "REQUEST_SECONDS", 0.3)
    with served(Runner(resolution=4)) as base:
        port = int(base.rsplit(":", 1)[1])
        half = socket.create_connection(("127.0.0.1", port))
        half.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the headers never end
        silent = socket.create_connection(("127.0.0.1", port))  # says nothing at all
        for s in (half, silent):
            s.settimeout(10)
            assert s.recv(100) == b""  # closed by the server, not by this timeout
            s.close()
        with urllib.request.urlopen(f"{base}/api/state?token={TOKEN}", timeout=10) as response:
            assert response.status == 200  # others are still served


@pytest.mark.slow
def test_server_caps_the_connections_open_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import playground.server

    monkeypatch.setattr(playground.server, "MAX_CONNECTIONS", 3)
    monkeypatch.setattr(playground.server, "REQUEST_SECONDS", 60.0)  # the three within the cap stay open here
    with served(Runner(resolution=4)) as base:
        port = int(base.rsplit(":", 1)[1])
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
        closed = 0
        for s in held:
            s.settimeout(0.5)
            with contextlib.suppress(TimeoutError):
                closed += s.recv(1) == b""
        assert closed == 3  # the three past the cap; the first three stay open until their requests come
        for s in held:
            s.close()
