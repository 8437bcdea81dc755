"""A run per page (playground.runs): each page load starts its own, tabs never change each other's, a bounded
number kept, a dropped one said to be so; through the server's API and in Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from served import TOKEN
from starlette.testclient import TestClient

from playground.runs import DroppedRunError, Runs
from playground.server import create_app, local_hosts
from playground.settings import Settings


@pytest.fixture
def runs_client() -> Iterator[tuple[TestClient, Runs]]:
    runs = Runs(max_runs=3)
    client = TestClient(create_app(runs, TOKEN, local_hosts("127.0.0.1", 8000)), base_url="http://127.0.0.1:8000")
    yield client, runs
    runs.close()


def start(client: TestClient, link: str) -> Any:
    response = client.post(f"/api/session?token={TOKEN}", content=json.dumps({"hash": link}))
    assert response.status_code == 200, response.text
    return response.json()


def command(client: TestClient, session: str, message: dict[str, Any]) -> Any:
    return client.post(f"/api/command?token={TOKEN}&session={session}", content=json.dumps(message))


def test_runs_each_page_starts_its_own_from_its_link(runs_client: tuple[TestClient, Runs]) -> None:
    client, _ = runs_client
    moons, xor = start(client, "dataset=moons"), start(client, "#dataset=xor&networkShape=3")
    assert moons["session"] != xor["session"]
    assert (moons["settings"]["dataset"], xor["settings"]["dataset"]) == ("moons", "xor")
    command(client, xor["session"], {"type": "epoch"})
    again = client.get(f"/api/frame?token={TOKEN}&session={moons['session']}").json()
    assert again["settings"]["dataset"] == "moons" and again["epoch"] == 0  # the other tab's epoch left it alone
    assert start(client, "")["settings"] == Settings().to_dict()  # a fresh load without a link: the defaults


def test_runs_state_answers_the_most_recently_active_run_or_the_one_named(
    runs_client: tuple[TestClient, Runs],
) -> None:
    client, _ = runs_client
    first, second = start(client, "dataset=circles"), start(client, "dataset=xor")
    command(client, first["session"], {"type": "step"})
    state = client.get(f"/api/state?token={TOKEN}").json()
    assert state["session"] == first["session"] and state["step"] == 1
    named = client.get(f"/api/state?token={TOKEN}&session={second['session']}").json()
    assert named["settings"]["dataset"] == "xor" and named["session"] == second["session"]


def test_runs_are_bounded_and_a_dropped_one_says_so(runs_client: tuple[TestClient, Runs]) -> None:
    client, _ = runs_client
    sessions = [start(client, f"seed={k}")["session"] for k in range(4)]  # one more than max_runs=3
    gone = command(client, sessions[0], {"type": "step"})
    assert gone.status_code == 410
    assert "dropped (the server keeps 3 runs at most" in gone.json()["error"]
    assert "reload the page" in gone.json()["error"]
    assert command(client, sessions[3], {"type": "step"}).status_code == 200
    unknown = command(client, "no-such-run", {"type": "step"})
    assert unknown.status_code == 410 and "reload the page" in unknown.json()["error"]


def test_runs_idle_ones_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    import playground.runs

    clock = [1000.0]
    monkeypatch.setattr(playground.runs.time, "monotonic", lambda: clock[0])
    runs = Runs(idle_seconds=60)
    old, _ = runs.create()
    clock[0] += 30
    fresh, _ = runs.create()
    clock[0] += 45  # old: 75 s idle, fresh: 45 s
    runs.get(fresh)
    with pytest.raises(DroppedRunError, match="no page used it for 1 minutes"):
        runs.get(old)
    runs.close()


def test_runs_a_link_that_cannot_be_applied_is_a_400(runs_client: tuple[TestClient, Runs]) -> None:
    client, _ = runs_client
    response = client.post(f"/api/session?token={TOKEN}", content=json.dumps({"hash": "learningRate=-1"}))
    assert response.status_code == 400 and "learningRate: expected a number" in response.json()["error"]


@pytest.mark.slow  # Chromium
def test_runs_two_tabs_never_change_each_other() -> None:
    from pictures import browser_page

    from playground.server import running

    runs = Runs()
    with running(runs, TOKEN) as url, browser_page() as first:
        first.goto(f"{url}#dataset=moons")
        first.wait_for_function("document.querySelectorAll('#network [data-neuron]').length > 0", timeout=20_000)
        second = first.context.browser.new_page()  # another tab
        second.goto(f"{url}#dataset=xor&networkShape=3")
        second.wait_for_function("document.querySelectorAll('#network [data-neuron]').length === 5", timeout=20_000)
        second.click("#epoch-step")
        second.wait_for_function("document.querySelector('#epoch').textContent === '1'", timeout=20_000)
        first.reload()  # a fresh load is a run of its own, from its link
        first.wait_for_function("document.querySelectorAll('#network [data-neuron]').length > 0", timeout=20_000)
        assert first.text_content("#epoch") == "0" and "dataset=moons" in first.url
        datasets = sorted(runner.session.settings.dataset for _, runner in runs.items())
        assert datasets == ["moons", "moons", "xor"]
    runs.close()


def test_runs_a_link_carries_loaded_points_when_they_fit(runs_client: tuple[TestClient, Runs]) -> None:
    client, _ = runs_client
    first = start(client, "dataset=xor")
    csv = "x1,x2,label\n0,0,0\n1,1,1\n0.5,0.25,0\n"
    answer = command(client, first["session"], {"type": "csv", "text": csv}).json()
    assert "&train=" in answer["hash"] and answer["link_note"] is None
    again = start(client, answer["hash"])  # the link, opened in another tab
    assert (again["train"], again["test"]) == (answer["train"], answer["test"])
    assert again["settings"] == answer["settings"] and again["custom_data"]
    many = "x1,x2,label\n" + "".join(f"{k / 300},{k / 500},{k % 2}\n" for k in range(300))
    answer = command(client, first["session"], {"type": "csv", "text": many}).json()
    assert "&train=" not in answer["hash"] and "not these 300 points (at most 200)" in answer["link_note"]
    bad = client.post(f"/api/session?token={TOKEN}", content=json.dumps({"hash": "train=1_2&test="}))
    assert bad.status_code == 400 and "expected x1_x2_label" in bad.json()["error"]
