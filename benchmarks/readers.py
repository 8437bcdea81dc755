"""Readers against bombs: what ``load_mnist`` and ``MLP.load`` cost to refuse the files issue 24 found.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/readers.py            # every case
    .venv/bin/python benchmarks/readers.py --list     # the cases' names
    .venv/bin/python benchmarks/readers.py gz-99kb    # some of them

Each case builds its files in a temporary folder, then reads them in a process of its own, twice: once timed,
with its peak resident memory (``ru_maxrss``, the interpreter and its imports included: the ``baseline`` case
reads nothing), once under tracemalloc for the peak of what the read itself allocates. A gzip of zeros is built
as many gzip members of a megabyte each (a reader inflates them as one stream), so a 2 MB file that inflates to
2 GB takes no time to make.

``load_mnist`` compares what a file's images would take as rows with the memory available; where a case's file
would fit in this machine's memory (and loading it would take gigabytes), it runs on a machine of the size the
``available`` column says (``nn.data.available_memory`` set in that process), so the refusal is what is measured.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20


def gzip_of_zeros(header: bytes, zeros: int) -> bytes:
    """``header`` and ``zeros`` zero bytes as gzip: a member of the header, then one member per megabyte."""
    member = gzip.compress(bytes(MB), compresslevel=9, mtime=0)
    whole, rest = divmod(zeros, MB)
    return gzip.compress(header, mtime=0) + member * whole + gzip.compress(bytes(rest), compresslevel=9, mtime=0)


def images_header(count: int, rows: int, cols: int) -> bytes:
    return struct.pack(">IIII", 0x803, count, rows, cols)


def labels_header(count: int) -> bytes:
    return struct.pack(">II", 0x801, count)


def mnist_pair(folder: Path, count: int, rows: int, cols: int, zipped_labels: bool = True) -> list[str]:
    """An images file (gzipped zeros) of ``count`` images of ``rows × cols`` and a labels file of ``count``."""
    images, labels = folder / "images.gz", folder / ("labels.gz" if zipped_labels else "labels")
    images.write_bytes(gzip_of_zeros(images_header(count, rows, cols), count * rows * cols))
    labels.write_bytes(gzip_of_zeros(labels_header(count), count) if zipped_labels else labels_header(count))
    return [str(images), str(labels)]


def empty_images(folder: Path) -> list[str]:
    """16 bytes declaring 20,000,000 images of 0 × 0, and 19 KB of gzipped labels for them."""
    images, labels = folder / "images", folder / "labels.gz"
    images.write_bytes(images_header(20_000_000, 0, 0))
    labels.write_bytes(gzip_of_zeros(labels_header(20_000_000), 20_000_000))
    return [str(images), str(labels)]


def trailing(folder: Path) -> list[str]:
    """Three 2 × 3 images, then 100 MB of zeros more than the header declares (gzipped: 100 KB)."""
    images, labels = folder / "images.gz", folder / "labels"
    images.write_bytes(gzip_of_zeros(images_header(3, 2, 3), 18 + 100 * MB))
    labels.write_bytes(labels_header(3) + bytes(3))
    return [str(images), str(labels)]


def sparse_model(folder: Path) -> list[str]:
    """A 500 MB model file that is a hole on disk."""
    path = folder / "model.json"
    with open(path, "wb") as f:
        f.truncate(500_000_000)
    return [str(path)]


def dev_zero(folder: Path) -> list[str]:
    path = folder / "model.json"
    path.symlink_to("/dev/zero")
    return [str(path)]


def fifo(folder: Path) -> list[str]:
    path = folder / "model.json"
    os.mkfifo(path)
    return [str(path)]


def model_of(body: Callable[[int], str]) -> Callable[[Path], list[str]]:
    """A model file just under the limit (``MAX_MODEL_BYTES``): ``body(room)`` fills it."""

    def build(folder: Path) -> list[str]:
        from nn.module import MAX_MODEL_BYTES

        path = folder / "model.json"
        path.write_text(body(MAX_MODEL_BYTES - 100))
        return [str(path)]

    return build


def long_format(room: int) -> str:
    """A document whose "format" is one string of ``room`` characters."""
    return json.dumps({"format": "x" * room, "version": 1})


def many_numbers(room: int) -> str:
    """A document whose "format" is a list of some 25 million numbers (one float object each when parsed)."""
    return '{"format": [' + ",".join(["0.5"] * (room // 4)) + "]}"


@dataclass(frozen=True)
class Case:
    """A file (or pair) that ``reader`` is given, what it is, and the memory ``load_mnist`` sees (None: this
    machine's)."""

    name: str
    about: str
    reader: str  # "load_mnist", "MLP.load" or "nothing"
    build: Callable[[Path], list[str]]
    available: int | None = None


CASES = [
    Case("baseline", "the interpreter, nn imported, nothing read", "nothing", lambda folder: []),
    Case("gz-99kb", "99 KB gzip declaring 130,000 images of 28 × 28 (102 MB of zeros): fits here, loads",
         "load_mnist", lambda folder: mnist_pair(folder, 130_000, 28, 28)),
    Case("gz-99kb-small-machine", "the same file on a machine with 512 MB available", "load_mnist",
         lambda folder: mnist_pair(folder, 130_000, 28, 28), available=512_000_000),
    Case("gz-78kb-1x1", "78 KB gzip declaring 80,000,000 images of 1 × 1 (would take 8.8 GB as rows), on 4 GB",
         "load_mnist", lambda folder: mnist_pair(folder, 80_000_000, 1, 1), available=4_000_000_000),
    Case("empty-images", "16 bytes declaring 20,000,000 images of 0 × 0, and 19 KB of gzipped labels",
         "load_mnist", empty_images),
    Case("gz-2mb-1x1", "2 MB gzip declaring 2,000,000,000 images of 1 × 1 (would take 220 GB as rows)",
         "load_mnist", lambda folder: mnist_pair(folder, 2_000_000_000, 1, 1, zipped_labels=False)),
    Case("gz-trailing", "100 KB gzip: 3 images of 2 × 3, then 100 MB of zeros the header does not declare",
         "load_mnist", trailing),
    Case("model-500mb-sparse", "a 500 MB model file (sparse: a hole on disk)", "MLP.load", sparse_model),
    Case("model-dev-zero", "a model file that is a symlink to /dev/zero", "MLP.load", dev_zero),
    Case("model-fifo", "a model file that is a FIFO no one writes to", "MLP.load", fifo),
    Case("model-long-string", "100 MB, just under the limit: a 'format' of one string of 100 MB",
         "MLP.load", model_of(long_format)),
    Case("model-many-numbers", "100 MB, just under the limit: a 'format' of 25,000,000 numbers",
         "MLP.load", model_of(many_numbers)),
]


@dataclass(frozen=True)
class Measured:
    """What a read gave (its error's message, or what it loaded) and what it cost."""

    outcome: str
    seconds: float
    peak: int | None  # bytes, under tracemalloc
    maxrss: int  # bytes, the process's peak resident memory


def read(case: Case, paths: list[str], traced: bool) -> Measured:
    """In the child: read ``paths`` as ``case`` says, and what it cost."""
    import nn.data
    from nn import MLP

    available = case.available
    if available is not None:
        vars(nn.data)["available_memory"] = lambda: available
    calls: dict[str, Callable[[], object]] = {
        "load_mnist": lambda: nn.data.load_mnist(*paths), "MLP.load": lambda: MLP.load(paths[0]),
        "nothing": lambda: None,
    }
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        result = calls[case.reader]()
        outcome = f"loaded ({len(result[0]):,} rows)" if isinstance(result, tuple) else "nothing read"
    except ValueError as error:
        outcome = f"ValueError: {error}"
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    return Measured(outcome, seconds, peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def child(case: Case, paths: list[str], traced: bool) -> Measured:
    """``read`` in a process of its own."""
    command = [sys.executable, __file__, "--child", case.name, "--traced" if traced else "--timed", *paths]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    if done.returncode != 0:
        return Measured(f"failed ({done.returncode}): {done.stderr.strip()[-300:]}", 0.0, None, 0)
    return Measured(**json.loads(done.stdout))


def size_of(paths: list[str]) -> str:
    """What the files hold on disk: their sizes, or what they are."""
    sizes = []
    for path in paths:
        if os.path.islink(path) or not os.path.isfile(path):
            sizes.append("not a regular file")
        else:
            sizes.append(f"{os.path.getsize(path):,} B")
    return " + ".join(sizes) or "-"


def megabytes(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    by_name = {case.name: case for case in CASES}
    if args.child:
        print(json.dumps(asdict(read(by_name[args.child], args.cases, args.traced))))
        return 0
    if args.list:
        print("\n".join(f"{case.name}: {case.about}" for case in CASES))
        return 0
    unknown = [name for name in args.cases if name not in by_name]
    if unknown:
        parser.error(f"expected case names among {', '.join(by_name)}, got {', '.join(unknown)}")
    from nn.memory import available_memory, describe_bytes

    machine = available_memory()
    print(f"Python {sys.version.split()[0]}, {sys.platform}; memory available: "
          f"{'unknown' if machine is None else describe_bytes(machine)}\n")
    for case in [by_name[name] for name in args.cases] or CASES:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            paths = case.build(Path(folder))
            built, sizes = time.perf_counter() - start, size_of(paths)
            timed, traced = child(case, paths, traced=False), child(case, paths, traced=True)
        available = "this machine's" if case.available is None else describe_bytes(case.available)
        print(f"{case.name}: {case.about}\n"
              f"  {case.reader} of {sizes} (built in {built:.2f} s), memory available: {available}\n"
              f"  time {timed.seconds * 1000:,.1f} ms (traced: {traced.seconds * 1000:,.1f} ms)"
              f"  tracemalloc peak {megabytes(traced.peak)}  ru_maxrss {megabytes(timed.maxrss)}\n"
              f"  {timed.outcome}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
