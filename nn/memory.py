"""How much memory this process can still use, and how much rows of data take: what lets a reader refuse a file
whose data would not fit, before reading it, and ``glassgrad train`` a run (``glassgrad.memory``).

``available_memory`` is Linux's MemAvailable plus free swap, capped by the cgroup's limit. ``rows_bytes`` is what
``count`` rows of ``width`` floats take as ``nn.data`` reads them from files (``load_mnist``): a list per row
pointing at shared float objects (one per grey level), and an int label per row. Measured with tracemalloc on
CPython 3.11, 64-bit Linux (``load_mnist`` of 100,000 images of 1 pixel, 20,000 of 8 × 8, 2,000 of 28 × 28):

- kept, a row and its label: 104 bytes with one pixel (the list, 56 bytes, with room for four pointers; its
  pointer in the list of rows; the label's pointer), 585 with 64, 6,952 with 784 (8.8 bytes a pixel: the
  pointer, and the list's room to grow);
- at the peak, while the rows are made from the file's bytes (one a pixel, one a label): 106, 650 and 7,738.

``rows_bytes`` rounds these up: 100 bytes a row and 10 a pixel (110, 740 and 7,940).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Bytes a row of data costs besides its values (see the module's docstring), and each value: rounded up.
ROW_BYTES = 100
VALUE_BYTES = 10


def rows_bytes(count: int, width: int) -> int:
    """Bytes that ``count`` rows of ``width`` shared floats take with their labels, and the file's bytes of them."""
    return count * (ROW_BYTES + VALUE_BYTES * width)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):  # missing, unreadable, "max" (no limit) or empty
        return None


def _meminfo() -> dict[str, int]:
    """Linux's ``/proc/meminfo`` in bytes (empty elsewhere)."""
    fields: dict[str, int] = {}
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return fields
    for line in lines:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            fields[name] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return fields


def _cgroup_room() -> int | None:
    """What the memory limit of this process's cgroup (v2, else v1) leaves free, or None without a limit."""
    root = Path("/sys/fs/cgroup")
    for limit_file, usage_file in (("memory.max", "memory.current"),
                                   ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")):
        limit, usage = _read_int(root / limit_file), _read_int(root / usage_file)
        if limit is not None and usage is not None and limit < 1 << 60:  # v1 writes "no limit" as ~2^63
            return max(limit - usage, 0)
    return None


def available_memory() -> int | None:
    """Bytes a new run can still use: Linux's MemAvailable plus free swap, capped by a cgroup limit; elsewhere
    the physical memory; None where neither can be read (then nothing is refused)."""
    info = _meminfo()
    room = [info["MemAvailable"] + info.get("SwapFree", 0)] if "MemAvailable" in info else []
    cgroup = _cgroup_room()
    if cgroup is not None:
        room.append(cgroup)
    if room:
        return min(room)
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):  # no sysconf (Windows) or no such name
        return None


def describe_bytes(n: int) -> str:
    """``n`` bytes for people: ``'3.2 GB'`` (decimal units, up to TB)."""
    if n < 1000:
        return f"{n} bytes"
    size = n / 1000
    for unit in ("KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} TB"
