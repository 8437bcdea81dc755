"""The playground's run kept across restarts (playground.saved): the file, what it holds, what it refuses."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from playground import Settings, saved
from playground.runs import Runs

HEAD = '"format": "glassgrad-playground-runs", "version": 1'


def test_saved_runs_come_back_with_their_ids_token_and_port(tmp_path: Path) -> None:
    runs = Runs()
    first, runner = runs.create(Settings(seed=4))
    second, _ = runs.create(Settings(dataset="xor"))
    runner.handle({"type": "epoch"})
    path = tmp_path / "deep" / "runs.json"
    saved.save(path, runs, "a-token-of-twenty-chars", 8123)
    kept = saved.load(path)
    assert kept is not None and (kept.token, kept.port) == ("a-token-of-twenty-chars", 8123)
    assert [run_id for run_id, _ in kept.runs.items()] == [first, second]  # the most recently used last
    again = kept.runs.get(first).session
    assert again.model.state_dict() == runner.session.model.state_dict() and again.epoch_count == 1
    assert kept.runs.get(second).session.settings.dataset == "xor"
    assert path.stat().st_mode & 0o777 == 0o600  # it holds the token
    runs.close()
    kept.runs.close()


def test_saved_load_of_no_file_is_none(tmp_path: Path) -> None:
    assert saved.load(tmp_path / "none.json") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("not json", "is not valid JSON"),
    ('{"format": "other"}', "expected kept playground runs"),
    ("{" + HEAD + ', "token": "short", "port": 1, "runs": []}', "token"),
    ("{" + HEAD + ', "token": "' + "t" * 20 + '", "port": 70000, "runs": []}', "port"),
    ("{" + HEAD + ', "token": "' + "t" * 20 + '", "port": 1, "runs": {}}', "expected runs as a list"),
    ("{" + HEAD + ', "token": "' + "t" * 20 + '", "port": 1, "runs": [{"id": "a", "run": []}]}',
     "runs[0]: a kept run: expected an object"),
])
def test_saved_load_refuses_what_is_not_a_kept_run(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "run.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(expected)):
        saved.load(path)


def test_saved_load_refuses_a_file_too_large_or_not_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved, "MAX_FILE_BYTES", 100)
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": "glassgrad-playground-runs", "pad": "x" * 200}))
    with pytest.raises(ValueError, match="100 bytes"):
        saved.load(path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for not_a_file in (fifo, tmp_path):  # refused at once: a FIFO is never waited on
        with pytest.raises(ValueError, match="a kept run"):
            saved.load(not_a_file)


def test_saver_saves_when_a_run_changed_and_on_stop(tmp_path: Path) -> None:
    runs = Runs()
    _, runner = runs.create(Settings(seed=1))
    path = tmp_path / "runs.json"
    saver = saved.Saver(path, runs, "t" * 20, 0, warn=lambda text: None)
    saver.start()
    first = path.read_text()
    runner.handle({"type": "step"})
    saver.stop()
    assert path.read_text() != first and json.loads(path.read_text())["runs"][0]["run"]["step"] == 1
    runs.close()
