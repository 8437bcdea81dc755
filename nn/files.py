"""Files: written atomically (a crash in the middle of a save never loses the previous file), read within bounds.

A reader opens only regular files (``open_regular``: a FIFO, a device such as ``/dev/zero`` or a folder is
refused, its size saying nothing of what it would give), reads a chunk at a time up to what it will use
(``read_at_most``), and quotes a value from a file in an error message by ``quote``: a few dozen characters,
whatever the file holds.
"""

from __future__ import annotations

import io
import json
import os
import reprlib
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The most characters of a value that an error message quotes (``quote``).
QUOTE_CHARS = 60

#: A reader reads at most this many bytes at once, so its memory grows with what a file holds, not what it claims.
CHUNK_BYTES = 1 << 20


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


def _bounded_repr() -> reprlib.Repr:
    """A ``reprlib.Repr`` that never builds the whole repr of a long string, a huge int or a big container."""
    shown = reprlib.Repr()
    shown.maxlevel = 2
    shown.maxstring = shown.maxlong = shown.maxother = QUOTE_CHARS
    shown.maxtuple = shown.maxlist = shown.maxarray = shown.maxdict = 6
    shown.maxset = shown.maxfrozenset = shown.maxdeque = 6
    return shown


_SHOWN = _bounded_repr()


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and ``...``: ``limit`` characters in all."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quote(value: object) -> str:
    """``value``'s repr for an error message, at most ``QUOTE_CHARS`` characters (``'xxxxxxxx...xxxx'``, ``[1, 2,
    ...]``), made without the whole repr of a value read from a file, however long."""
    return shorten(_SHOWN.repr(value))


#: Opening a FIFO for reading waits for a writer, unless opened without blocking (POSIX; 0 where there is none).
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

#: What a file that is not a regular file is, by the ``stat`` test that tells it.
_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (a named pipe)"),
                (stat.S_ISCHR, "a character device (as /dev/zero is)"), (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str:
    """What a file of ``mode`` that is not a regular file is: ``'a folder'``, ``'a FIFO (a named pipe)'``, ..."""
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), "neither a regular file nor a folder")


def open_regular(path: str | os.PathLike[str], what: str) -> tuple[io.BufferedReader, int]:
    """``path`` opened to read bytes, and its size, read from the opened file (``os.fstat``): a ValueError naming
    it when it is missing, unreadable or not a regular file (a FIFO, a device such as ``/dev/zero`` or a symlink
    to one, a folder), whose size says nothing of what reading it gives. Opened without waiting, so a FIFO
    that no one writes to is refused at once rather than waited on."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ValueError(f"{what}: no such file {name!r}") from None
    except OSError as error:
        raise ValueError(f"{what}: cannot read {name!r} ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{what}: cannot read {name!r}: expected a regular file, got {_kind(info.st_mode)}")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def read_at_most(stream: io.BufferedIOBase, count: int) -> bytearray:
    """Up to ``count`` bytes of ``stream`` (fewer where it ends), ``CHUNK_BYTES`` at a time: memory grows with what
    the stream gives, never with what is asked (a 1 GB read of a 10-byte file takes 10 bytes)."""
    data = bytearray()
    while len(data) < count:
        chunk = stream.read(min(count - len(data), CHUNK_BYTES))
        if not chunk:
            break
        data += chunk
    return data


def read_json(path: str | os.PathLike[str], what: str, limit: int) -> Any:
    """Parse a JSON file (strict: no NaN/Infinity) of at most ``limit`` bytes, turning every failure into a
    ValueError naming the file. A regular file only (``open_regular``); a larger one is refused by its size before
    anything is read, and no more than ``limit + 1`` bytes are ever read (a file that grows is refused too)."""
    name = str(path)
    stream, size = open_regular(path, what)
    with stream:
        if size > limit:
            raise ValueError(_too_large(what, name, size, limit))
        try:
            data = read_at_most(stream, limit + 1)
        except OSError as error:
            raise ValueError(f"{what}: cannot read {name!r} ({error.strerror})") from None
    if len(data) > limit:
        raise ValueError(_too_large(what, name, len(data), limit, "at least "))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{what}: cannot read {name!r}: {error}") from None
    del data  # the text holds it now: parse without the bytes too
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:  # RecursionError: nesting too deep, e.g. [[[[...]]]]
        raise ValueError(f"{what}: {str(path)!r} is not valid JSON ({error})") from None


def _too_large(what: str, name: str, size: int, limit: int, at_least: str = "") -> str:
    """The message of a file over the size ``limit``."""
    return f"{what}: expected a file of at most {limit:,} bytes, got {at_least}{size:,} bytes in {name!r}"


@contextmanager
def replacing_folder(path: str | os.PathLike[str], what: str = "folder") -> Iterator[Path]:
    """A new empty folder to write into, which takes the place of the folder ``path`` when the block ends.

    The new folder is ``NAME.tmp-XXXXXXXX`` beside ``path`` (in its parent, made if missing: the same file
    system), made on entering, before the block runs, and checked by writing a file into it. When the block
    ends without an exception, a folder already at ``path`` is renamed aside (``NAME.old-XXXXXXXX``), the new
    one renamed to ``path``, and the old one removed: ``path`` is at every moment the old folder whole or the
    new one whole, never a mix. A Ctrl-C during those renames is ignored (the block is done by then). When
    the block raises (an OSError, a KeyboardInterrupt ...) or a rename fails, the new folder is removed, and
    so are the empty folders made for it, and ``path`` is as it was. Only a process killed outright can leave
    the new folder or the old one beside ``path``. A ValueError on entering, naming ``path`` as ``what`` and
    saying why: it is a file, a folder that cannot be written, the current folder or one above it, or no
    folder can be written beside it.
    """
    given = f"{what} {str(path)!r}"
    target = Path(path).resolve()  # a symlink to a folder: the folder it points at is replaced
    _check_replaceable(target, given)
    made = [folder for folder in target.parents if not folder.exists()]  # deepest first
    new = target.with_name(f"{target.name}.tmp-{secrets.token_hex(4)}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _make_writable_folder(new)
    except BaseException as error:
        _remove_empty(made)
        if not isinstance(error, OSError):
            raise
        where = "" if error.filename is None else f": {str(error.filename)!r}"
        raise ValueError(f"{given}: cannot write there ({error.strerror or error}{where})") from None
    try:
        yield new
        with _sigint_ignored():
            _swap_folder(new, target)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        _remove_empty(made)
        raise


def _check_replaceable(target: Path, given: str) -> None:
    """A ValueError unless ``target`` is missing or a folder this process can empty, and holds no current folder."""
    if target.exists() and not target.is_dir():
        raise ValueError(f"{given}: expected a folder, got a file")
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise ValueError(f"{given}: expected a folder that can be written, got one that cannot (permission denied)")
    here = Path.cwd()
    if target == here or target in here.parents:
        where = "the current folder" if target == here else "a folder above the current one"
        raise ValueError(f"{given}: expected a folder other than the current one and those above it (it is "
                         f"replaced whole), got {where}")


def _make_writable_folder(folder: Path) -> None:
    """Make ``folder`` (0777 less the umask, as any new folder) and write a file into it and remove it: an OSError
    unless files can be written there (no permission, a full disk ...). On failure the folder is removed again."""
    folder.mkdir()
    try:
        probe = folder / "probe"
        with open(probe, "wb") as file:
            file.write(b"probe")
            file.flush()
            os.fsync(file.fileno())
        probe.unlink()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _swap_folder(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; a folder already there is renamed aside first (back again if the rename
    fails) and removed after."""
    if not target.exists():
        os.rename(new, target)
    else:
        shutil.copymode(target, new)  # the permissions the old folder had
        aside = target.with_name(f"{target.name}.old-{secrets.token_hex(4)}")
        os.rename(target, aside)
        try:
            os.rename(new, target)
        except BaseException:
            os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    _sync_folder(target.parent)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ctrl-C ignored during the block. Python handles signals in the main thread only; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
