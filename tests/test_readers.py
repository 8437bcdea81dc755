"""Readers bounded by what they will produce, not by what they read: ``load_mnist`` and ``MLP.load`` against files
built to make them take memory (the bombs of issue 24), each refused with a clear message before its data is read.

A bomb is built small here: a gzip of zeros that inflates ~1,000 times, a header that declares more than it holds,
a sparse file, a symlink to /dev/zero, a FIFO. The memory ``load_mnist`` compares with is set where a test needs
a machine of a known size (``nn.data.available_memory``).
"""

import json
import os
import re
import threading
import tracemalloc

import pytest

import nn.files
import nn.module
from nn import MLP
from nn.files import QUOTE_CHARS, quote, read_at_most

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="FIFOs, /dev/zero")

#: What a refusal may allocate at its peak, in bytes: its buffers, never the data a file declares.
SMALL_PEAK = 2_000_000


def write(path, data):
    path.write_bytes(data)
    return path


def peak_of(call):
    """The error ``call()`` raises (a ValueError) and the peak memory tracemalloc saw while it ran, in bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(info.value), peak


def spy_reads(monkeypatch, module):
    """What ``module``'s ``read_at_most`` returns, call after call (a list that grows as it reads)."""
    reads = []

    def reading(stream, count):
        reads.append(read_at_most(stream, count))
        return reads[-1]

    monkeypatch.setattr(module, "read_at_most", reading)
    return reads


def finishes(call, seconds=10.0):
    """``call()``'s error message, from a thread, failing the test (not hanging it) when it waits."""
    result = {}

    def run():
        try:
            call()
        except ValueError as error:
            result["message"] = str(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s"
    return result["message"]


# --- MLP.load ------------------------------------------------------------------------------------------------------


def test_mlp_load_of_a_file_over_the_limit_is_refused_by_its_size(tmp_path):
    path = tmp_path / "model.json"
    with open(path, "wb") as sparse:
        sparse.truncate(nn.module.MAX_MODEL_BYTES + 1)  # a hole on disk: nothing written
    message, peak = peak_of(lambda: MLP.load(path))
    assert message == (f"MLP.load: expected a file of at most 100,000,000 bytes, got 100,000,001 bytes in "
                       f"{str(path)!r}")
    assert peak < SMALL_PEAK


def test_mlp_load_reads_a_file_of_the_limit_and_refuses_one_byte_more(tmp_path, monkeypatch):
    model = MLP(2, [3, 2], seed=0)
    path = model.save(tmp_path / "model.json")
    monkeypatch.setattr(nn.module, "MAX_MODEL_BYTES", path.stat().st_size)
    assert MLP.load(path).state_dict() == model.state_dict()
    monkeypatch.setattr(nn.module, "MAX_MODEL_BYTES", path.stat().st_size - 1)
    with pytest.raises(ValueError, match=r"expected a file of at most [\d,]+ bytes"):
        MLP.load(path)


def test_mlp_load_of_a_file_that_grows_reads_one_byte_past_the_limit_at_most(tmp_path, monkeypatch):
    path = write(tmp_path / "model.json", b" " * 5_000)
    monkeypatch.setattr(nn.module, "MAX_MODEL_BYTES", 1_000)
    real_fstat = os.fstat
    monkeypatch.setattr(nn.files.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))
    reads = spy_reads(monkeypatch, nn.files)
    with pytest.raises(ValueError, match=rf"at most 1,000 bytes, got at least 1,001 bytes in '{re.escape(str(path))}'"):
        MLP.load(path)
    assert [len(data) for data in reads] == [1_001]


@POSIX
@pytest.mark.parametrize("kind, says", [("dev-zero", "a character device (as /dev/zero is)"),
                                        ("fifo", "a FIFO (a named pipe)"), ("folder", "a folder")])
def test_mlp_load_of_what_is_not_a_regular_file_is_refused_without_reading(tmp_path, kind, says):
    path = tmp_path / "model.json"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    message = finishes(lambda: MLP.load(path))
    assert message == f"MLP.load: cannot read {str(path)!r}: expected a regular file, got {says}"


@POSIX
def test_mlp_load_refusals_take_little_memory(tmp_path):
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.json")
    with open(tmp_path / "sparse.json", "wb") as sparse:
        sparse.truncate(10**12)  # a terabyte of hole
    for name in ("zero.json", "fifo.json", "sparse.json"):
        _, peak = peak_of(lambda: MLP.load(tmp_path / name))
        assert peak < SMALL_PEAK, name


def _valid_doc():
    return MLP(2, [2], seed=0).document()


BIG = "x" * 1_000_000


def _with_big(where):
    doc = _valid_doc()
    if where == "parameter-name":
        doc["parameters"][BIG] = doc["parameters"].pop("layers.0.neurons.0.w.0")
    elif where == "parameter-value":
        doc["parameters"]["layers.0.neurons.0.w.0"] = BIG
    elif where == "config-key":
        doc["config"][BIG] = 1
    elif where == "config-value":
        doc["config"]["activation"] = BIG
    else:
        doc[where] = BIG
    return json.dumps(doc)


@pytest.mark.parametrize("where", ["format", "version", "model", "config-key", "config-value", "parameter-name",
                                   "parameter-value"])
def test_mlp_load_quotes_a_few_dozen_characters_of_a_bad_value(tmp_path, where):
    path = write(tmp_path / "model.json", _with_big(where).encode())
    with pytest.raises(ValueError) as info:
        MLP.load(path)
    message = str(info.value)
    assert "xxx" in message and "x" * (QUOTE_CHARS + 1) not in message and len(message) < 500, message


# --- the helpers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, shown", [
    ("pickle", "'pickle'"), (None, "None"), (2, "2"), (float("inf"), "inf"), ([4, 3], "[4, 3]"),
    ({"nin": 2}, "{'nin': 2}"),
])
def test_quote_shows_a_short_value_as_repr_does(value, shown):
    assert quote(value) == shown == repr(value)


@pytest.mark.parametrize("value", ["x" * 10**6, 10**4000, list(range(10**5)), {str(i): i for i in range(1000)},
                                   [[[[["deep"]]]]], {"k" * 10**5: ["v" * 10**5]}],
                         ids=["string", "int", "list", "dict", "nested", "long-key-and-value"])
def test_quote_of_a_huge_value_is_at_most_quote_chars(value):
    text = quote(value)
    assert len(text) <= QUOTE_CHARS and "..." in text, text


def test_read_at_most_grows_with_what_the_stream_gives(tmp_path):
    path = write(tmp_path / "small", b"abc")
    with open(path, "rb") as stream:
        tracemalloc.start()
        try:
            data = read_at_most(stream, 10**12)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert data == b"abc" and peak < SMALL_PEAK
    with open(path, "rb") as stream:
        assert read_at_most(stream, 2) == b"ab"


def test_open_regular_names_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"^load_mnist: no such file '.*missing'$"):
        nn.files.open_regular(tmp_path / "missing", "load_mnist")
