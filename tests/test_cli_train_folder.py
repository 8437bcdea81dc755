"""glassgrad train's output folder: checked before training, written beside it and renamed into place, so that it
holds one run whole (the new one, or after a failure or Ctrl-C the one before) and never a mix."""

import errno
import io
import json
import os
import pwd
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import glassgrad.train as train_module
import nn.files
from glassgrad.cli import EXIT_INTERRUPTED, EXIT_NOT_SAVED, main
from viz.render import RenderError

SMALL = ["--epochs", "2", "--samples", "20", "--hidden", "3", "--no-progress"]


def earlier_run(folder):
    """A folder as an earlier run left it (its files' text stands in for their contents), and that text by name."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: f"the earlier {name}" for name in ("model.json", "history.json", "weights.png")}
    for name, text in files.items():
        (folder / name).write_text(text)
    return files


def as_nobody(run):
    """``run()`` in a forked child that has become the user nobody (whom permission bits stop, as they do not stop
    root): its return value and what it wrote on stderr."""
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: never returns into pytest
        try:
            nobody = pwd.getpwnam("nobody")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            sys.stderr = io.StringIO()
            code = run()
            os.write(writing, json.dumps([code, sys.stderr.getvalue()]).encode())
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as answer:
        data = answer.read()
    os.waitpid(child, 0)
    code, err = json.loads(data or b"[null, \"the child failed\"]")
    return code, err


def contents(folder):
    """Each file's text and each folder's "/", by name."""
    return {path.name: path.read_text() if path.is_file() else "/" for path in folder.iterdir()}


def untrained(monkeypatch):
    """fit fails the test if it is called: a refusal comes before any training."""
    def fit(*args, **kwargs):
        raise AssertionError("trained before the refusal")

    monkeypatch.setattr(train_module, "fit", fit)


def one_line(err, start):
    assert err.count("\n") == 1 and err.startswith(start), err
    assert "Traceback" not in err


@pytest.mark.slow  # a training run that writes its pictures
def test_cli_train_folder_replaces_an_earlier_run_whole(tmp_path, capsys):
    out = tmp_path / "run"
    earlier_run(out)
    assert main(["train", *SMALL, "--out", str(out)]) == 0
    written = {"model.json", "history.json", "history.csv", "decision_boundary.png", "history.png", "neuron.svg"}
    assert {path.name for path in out.iterdir()} == written  # the earlier weights.png is gone: no mix
    assert "the earlier" not in (out / "model.json").read_text()
    assert [path.name for path in tmp_path.iterdir()] == ["run"]  # nothing left beside it
    assert str(out / "model.json") in capsys.readouterr().out


def test_cli_train_folder_that_holds_other_files_is_refused_before_training(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    files = earlier_run(out)
    (out / "notes.txt").write_text("mine")
    (out / "older").mkdir()
    untrained(monkeypatch)
    assert main(["train", *SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    one_line(err, f"glassgrad train: --out {str(out)!r}: expected a new folder, an empty one or an earlier run's")
    assert "got a folder that also holds notes.txt, older/; choose another --out" in err
    assert contents(out) == {**files, "notes.txt": "mine", "older": "/"}


def test_cli_train_folder_that_cannot_be_written_is_refused_before_training(tmp_path, monkeypatch, capsys):
    # as root, permissions do not stop writing: a read-only file system is stood in for by the probe failing
    def read_only(folder):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))

    monkeypatch.setattr(nn.files, "_make_writable_folder", read_only)
    untrained(monkeypatch)
    out = tmp_path / "new" / "run"
    assert main(["train", *SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    one_line(err, f"glassgrad train: --out {str(out)!r}: cannot write there (Read-only file system: ")
    assert not list(tmp_path.iterdir())  # the folder made for it is removed again


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX's")
@pytest.mark.parametrize(("locked", "message"), [
    ("run", "expected a folder that can be written, got one that cannot (permission denied)"),
    ("parent", "cannot write there (Permission denied: "),
])
def test_cli_train_folder_without_permission_is_refused_before_training(locked, message, tmp_path, monkeypatch,
                                                                        capsys):
    """As root, whom permission bits do not stop, the command runs as the user nobody in a process of its own."""
    if os.geteuid() == 0:
        tmp_path = Path(tempfile.mkdtemp(prefix="glassgrad-nobody-"))  # pytest's own folder is root's only
        os.chmod(tmp_path, 0o755)
    out = tmp_path / "parent" / "run"
    files = earlier_run(out)
    folder = out if locked == "run" else out.parent
    try:
        if os.geteuid() == 0:
            for path in (out.parent, out, *out.iterdir()):
                os.chown(path, pwd.getpwnam("nobody").pw_uid, -1)
            folder.chmod(0o500)
            code, err = as_nobody(lambda: main(["train", *SMALL, "--out", str(out)]))
        else:
            untrained(monkeypatch)
            folder.chmod(0o500)
            code, err = main(["train", *SMALL, "--out", str(out)]), capsys.readouterr().err
    finally:
        folder.chmod(0o700)
    assert code == 2
    one_line(err, f"glassgrad train: --out {str(out)!r}: {message}")
    assert contents(out) == files
    if os.geteuid() == 0:
        shutil.rmtree(tmp_path)


@pytest.mark.parametrize("failure", ["full disk", "dot failed"])
def test_cli_train_write_failure_at_the_end_is_one_line_and_keeps_the_earlier_run(failure, tmp_path, monkeypatch,
                                                                                  capsys):
    def full(path, obj):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def broken(*args):
        raise RenderError("dot failed on this diagram:\nError: syntax error in line 1")

    if failure == "full disk":
        monkeypatch.setattr(train_module, "write_json_atomic", full)  # history.json, after model.json is written
    else:
        monkeypatch.setattr(train_module, "neuron_diagram", broken)  # the last file of a 2-D run
        monkeypatch.setattr("viz.plots.save_figure", lambda fig, path: path)  # no pictures: a fast test
    out = tmp_path / "run"
    files = earlier_run(out)
    assert main(["train", *SMALL, "--out", str(out)]) == EXIT_NOT_SAVED
    reason = "No space left on device" if failure == "full disk" else "dot failed on this diagram: Error: syntax"
    err = capsys.readouterr().err
    one_line(err, f"glassgrad train: could not write the run's files ({reason}")
    assert err.endswith(f"; nothing saved, --out {str(out)!r} is as it was\n")
    assert contents(out) == files
    assert [path.name for path in tmp_path.iterdir()] == ["run"]


def test_cli_train_failed_rename_into_place_puts_the_earlier_run_back(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    files = earlier_run(out)
    rename = os.rename

    def failing(src, dst):
        if ".tmp-" in str(src):  # the new folder into place, after the old one went aside
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        rename(src, dst)

    monkeypatch.setattr(nn.files.os, "rename", failing)
    monkeypatch.setattr("viz.plots.save_figure", lambda fig, path: path)
    assert main(["train", *SMALL, "--out", str(out)]) == EXIT_NOT_SAVED
    one_line(capsys.readouterr().err, "glassgrad train: could not write the run's files (Input/output error)")
    assert contents(out) == files
    assert [path.name for path in tmp_path.iterdir()] == ["run"]


def test_cli_train_ctrl_c_exits_130_in_one_line_and_keeps_the_earlier_run(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        assert [path.name for path in tmp_path.iterdir() if ".tmp-" in path.name]  # training into a new folder
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "fit", interrupted)
    out = tmp_path / "run"
    files = earlier_run(out)
    assert main(["train", *SMALL, "--out", str(out)]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == f"glassgrad train: interrupted; nothing saved, --out {str(out)!r} is as it was\n"
    assert contents(out) == files
    assert [path.name for path in tmp_path.iterdir()] == ["run"]


@pytest.mark.skipif(signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
                    reason="Ctrl-C is ignored in this process (started as a background job)")
def test_cli_train_ctrl_c_turned_into_another_error_still_counts(tmp_path, monkeypatch, capsys):
    def numpy_like(*args, **kwargs):  # numpy's C extensions, imported when Ctrl-C comes, raise an ImportError
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None

    monkeypatch.setattr(train_module, "fit", numpy_like)
    out = tmp_path / "run"
    assert main(["train", *SMALL, "--out", str(out)]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == f"glassgrad train: interrupted; nothing saved, --out {str(out)!r} is as it was\n"
    assert not list(tmp_path.iterdir())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's own handler again


def test_cli_ctrl_c_in_any_command_exits_130_in_one_line(monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("glassgrad.demo.run", interrupted)
    assert main(["demo"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "glassgrad: interrupted\n"


def read_until(stream, text, seconds):
    """What ``stream`` (a pipe's raw file) gives until ``text`` is in it, or ``seconds`` have passed."""
    seen, deadline = b"", time.monotonic() + seconds
    while text.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.1)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    return seen.decode(errors="replace")


@pytest.mark.slow  # a Python subprocess that trains until it is interrupted
@pytest.mark.skipif(os.name != "posix", reason="SIGINT is sent the POSIX way")
def test_cli_train_sigint_during_training_exits_130_and_leaves_nothing(tmp_path):
    out = tmp_path / "runs" / "moons"
    child = subprocess.Popen(
        [sys.executable, "-m", "glassgrad", "train", "--epochs", "1000000", "--samples", "20", "--hidden", "3",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored, even under a background job
    )
    try:
        started = read_until(child.stderr, "epoch/s", seconds=60)
        assert "epoch/s" in started, started
        assert [path.name[:10] for path in (tmp_path / "runs").iterdir()] == ["moons.tmp-"]  # training into it
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    lines = stderr.decode().splitlines()
    assert child.returncode == EXIT_INTERRUPTED and stdout == b""
    assert lines[-1] == f"glassgrad train: interrupted; nothing saved, --out {str(out)!r} is as it was"
    assert "Traceback" not in stderr.decode()
    assert not list(tmp_path.iterdir())  # runs/, made for the run, is removed with it
