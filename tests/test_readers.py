"""Readers bounded by what they will produce, not by what they read: ``load_mnist`` and ``MLP.load`` against files
built to make them take memory (the bombs of issue 24), each refused with a clear message before its data is read.

A bomb is built small here: a gzip of zeros that inflates ~1,000 times, a header that declares more than it holds,
a sparse file, a symlink to /dev/zero, a FIFO. The memory ``load_mnist`` compares with is set where a test needs
a machine of a known size (``nn.data.available_memory``).
"""

import gzip
import json
import os
import re
import struct
import threading
import tracemalloc
import zlib

import pytest

import nn.data
import nn.files
import nn.module
from nn import MLP
from nn.data import load_mnist
from nn.files import QUOTE_CHARS, quote, read_at_most
from nn.memory import rows_bytes

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="FIFOs, /dev/zero")

#: What a refusal may allocate at its peak, in bytes: its buffers, never the data a file declares.
SMALL_PEAK = 2_000_000


def gzip_of_zeros(header: bytes, zeros: int) -> bytes:
    """``header`` and ``zeros`` zero bytes, gzipped a megabyte at a time (they inflate ~1,000 times)."""
    packer, chunk = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1 << 20)  # wbits 31: gzip's container
    parts = [packer.compress(header)]
    for start in range(0, zeros, len(chunk)):
        parts.append(packer.compress(chunk[: min(len(chunk), zeros - start)]))
    return b"".join([*parts, packer.flush()])


def images_header(count, rows, cols):
    return struct.pack(">IIII", 0x803, count, rows, cols)


def labels_header(count):
    return struct.pack(">II", 0x801, count)


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


@pytest.fixture
def machine(monkeypatch):
    """A machine with 50 MB of memory available, as ``load_mnist`` sees it."""
    monkeypatch.setattr(nn.data, "available_memory", lambda: 50_000_000)


# --- load_mnist --------------------------------------------------------------------------------------------------


def test_load_mnist_gzip_declaring_more_images_than_memory_holds_is_refused_before_reading(tmp_path, machine):
    images = write(tmp_path / "images.gz", gzip_of_zeros(images_header(20_000, 28, 28), 20_000 * 784))  # 16 KB
    labels = write(tmp_path / "labels.gz", gzip.compress(labels_header(20_000) + bytes(20_000)))
    message, peak = peak_of(lambda: load_mnist(images, labels))
    assert message == (f"load_mnist: expected images that fit in the 50.0 MB of memory available, got 20,000 images "
                       f"of 28 × 28 pixels in {str(images)!r}, which need about 158.8 MB as rows of floats")
    assert peak < SMALL_PEAK


def test_load_mnist_one_pixel_images_count_their_rows_not_only_their_pixels(tmp_path, machine):
    count = 1_000_000  # 1 MB of pixels that would take 110 MB as rows
    images = write(tmp_path / "images.gz", gzip_of_zeros(images_header(count, 1, 1), count))
    labels = write(tmp_path / "labels.gz", gzip_of_zeros(labels_header(count), count))
    message, peak = peak_of(lambda: load_mnist(images, labels))
    assert "got 1,000,000 images of 1 × 1 pixels" in message and "need about 110.0 MB as rows of floats" in message
    assert peak < SMALL_PEAK


@pytest.mark.parametrize("rows, cols", [(0, 0), (0, 28), (28, 0)])
def test_load_mnist_empty_images_are_refused_before_the_labels_are_read(tmp_path, monkeypatch, rows, cols):
    images = write(tmp_path / "images", images_header(20_000_000, rows, cols))  # 16 bytes
    labels = write(tmp_path / "labels.gz", gzip_of_zeros(labels_header(20_000_000), 20_000_000))  # 19 KB
    opened = []
    real_open = nn.files.open_regular
    monkeypatch.setattr(nn.data, "open_regular", lambda name, what: opened.append(name) or real_open(name, what))
    message, peak = peak_of(lambda: load_mnist(images, labels))
    assert message == (f"load_mnist: expected images of at least 1 × 1 pixels, got 20,000,000 images of "
                       f"{rows} × {cols} in {str(images)!r}")
    assert opened == [str(images)] and peak < SMALL_PEAK


def test_load_mnist_label_count_is_checked_before_the_labels_are_read(tmp_path, monkeypatch):
    images = write(tmp_path / "images", images_header(2, 1, 1) + b"\x00\xff")
    labels = write(tmp_path / "labels.gz", gzip_of_zeros(labels_header(20_000_000), 20_000_000))
    reads = spy_reads(monkeypatch, nn.data)
    message, peak = peak_of(lambda: load_mnist(images, labels))
    assert "got 2 images in" in message and "and 20,000,000 labels in" in message
    assert [len(data) for data in reads] == [4, 12, 2, 4, 4]  # images: magic, sizes, data; labels: magic, count
    assert peak < SMALL_PEAK


def test_load_mnist_reads_one_byte_past_what_the_header_declares_at_most(tmp_path):
    images = write(tmp_path / "images.gz", gzip_of_zeros(images_header(3, 2, 3), 3 * 6 + 20_000_000))  # 20 MB more
    labels = write(tmp_path / "labels", labels_header(3) + bytes(3))
    message, peak = peak_of(lambda: load_mnist(images, labels))
    assert message == f"load_mnist: {str(images)!r} is longer than its header says (18 bytes of data)"
    assert peak < SMALL_PEAK  # the 20 MB more were never inflated


@POSIX
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_load_mnist_of_a_fifo_or_a_device_is_refused_without_waiting(tmp_path, kind):
    images = tmp_path / "images"
    if kind == "fifo":
        os.mkfifo(images)
    else:
        images.symlink_to("/dev/zero")
    labels = write(tmp_path / "labels", labels_header(0))
    message = finishes(lambda: load_mnist(images, labels))
    assert message.startswith(f"load_mnist: cannot read {str(images)!r}: expected a regular file, got a ")
    assert ("FIFO" if kind == "fifo" else "character device") in message


def test_load_mnist_rows_stay_lists_of_the_shared_grey_levels(tmp_path):
    images = write(tmp_path / "images", images_header(2, 1, 2) + bytes([0, 255, 255, 0]))
    labels = write(tmp_path / "labels", labels_header(2) + bytes([1, 2]))
    X, y = load_mnist(images, labels)
    assert X == [[0.0, 1.0], [1.0, 0.0]] and type(X[0]) is list and y == [1, 2]
    assert X[0][1] is X[1][0]  # one float object per grey level


@pytest.mark.parametrize("count, rows, cols", [(20_000, 1, 1), (2_000, 8, 8), (200, 28, 28)])
def test_rows_bytes_is_not_below_what_load_mnist_allocates(tmp_path, count, rows, cols):
    pixels = bytes(i % 256 for i in range(count * rows * cols))
    images = write(tmp_path / "images", images_header(count, rows, cols) + pixels)
    labels = write(tmp_path / "labels", labels_header(count) + bytes(count))
    tracemalloc.start()
    try:
        X, _ = load_mnist(images, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(X) == count and peak <= rows_bytes(count, rows * cols) <= 1.3 * peak


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
