"""Writing files atomically: a crash in the middle of a save never loses the previous file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _mode_for(target: Path) -> int:
    """The permissions the file should get: those of the file it replaces, else 0666 less the umask."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk where the system allows opening a folder (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: see ``write_bytes_atomic``."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it over."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"cannot write {str(target)!r}: the folder {str(folder)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(tmp, _mode_for(target))  # mkstemp makes it owner-only; keep the usual permissions
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        _sync_folder(folder)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """``obj`` as indented JSON (no NaN or Infinity: they are not JSON), written atomically."""
    return write_text_atomic(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def _reject_constant(name: str) -> Any:
    """A ValueError for NaN or Infinity, which JSON does not have."""
    raise ValueError(f"{name} is not a JSON number")


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """Parse a JSON file (strict: no NaN/Infinity), turning every failure into a ValueError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{what}: no such file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{what}: cannot read {str(path)!r}: {error}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:  # RecursionError: nesting too deep, e.g. [[[[...]]]]
        raise ValueError(f"{what}: {str(path)!r} is not valid JSON ({error})") from None
