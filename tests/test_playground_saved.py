"""The playground's run kept across restarts (playground.saved): the file, what it holds, what it refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from playground import Runner, Session, Settings, saved


def test_saved_run_comes_back_with_its_token_and_port(tmp_path: Path) -> None:
    runner = Runner(Session(Settings(seed=4)), resolution=4)
    runner.handle({"type": "epoch"})
    path = tmp_path / "deep" / "run.json"
    saved.save(path, runner, "a-token-of-twenty-chars", 8123)
    kept = saved.load(path)
    assert kept is not None and (kept.token, kept.port) == ("a-token-of-twenty-chars", 8123)
    assert kept.session.model.state_dict() == runner.session.model.state_dict() and kept.session.epoch_count == 1
    assert path.stat().st_mode & 0o777 == 0o600  # it holds the token
    runner.close()


def test_saved_load_of_no_file_is_none(tmp_path: Path) -> None:
    assert saved.load(tmp_path / "none.json") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("not json", "is not valid JSON"),
    ('{"format": "other"}', "expected a kept playground run"),
    ('{"format": "glassgrad-playground-run", "version": 1, "token": "short", "port": 1, "run": {}}', "token"),
    ('{"format": "glassgrad-playground-run", "version": 1, "token": "' + "t" * 20 + '", "port": 70000, "run": {}}',
     "port"),
    ('{"format": "glassgrad-playground-run", "version": 1, "token": "' + "t" * 20 + '", "port": 1, "run": []}',
     "expected an object"),
])
def test_saved_load_refuses_what_is_not_a_kept_run(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "run.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=expected):
        saved.load(path)


def test_saved_load_refuses_a_file_too_large_or_not_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved, "MAX_FILE_BYTES", 100)
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": "glassgrad-playground-run", "pad": "x" * 200}))
    with pytest.raises(ValueError, match="100 bytes"):
        saved.load(path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for not_a_file in (fifo, tmp_path):  # refused at once: a FIFO is never waited on
        with pytest.raises(ValueError, match="a kept run"):
            saved.load(not_a_file)


def test_saver_saves_when_the_run_changed_and_on_stop(tmp_path: Path) -> None:
    runner = Runner(Session(Settings(seed=1)), resolution=4)
    path = tmp_path / "run.json"
    saver = saved.Saver(path, runner, "t" * 20, 0, warn=lambda text: None)
    saver.start()
    first = path.read_text()
    runner.handle({"type": "step"})
    saver.stop()
    assert path.read_text() != first and json.loads(path.read_text())["run"]["step"] == 1
    runner.close()
