"""Files: atomic writes, create-only writes, and the one JSON reader every input file goes through.

Writes are atomic (a temporary file in the same directory, fsync,
``os.replace``, fsync of the directory), so a crash leaves the old file or
the new one, never a torn one; ``write_new`` refuses to overwrite (key
files). ``read_bytes`` and ``read_json`` are the one bounded, strict reader
of every input file (proofs, public inputs, keys, transactions,
observations, openings, wallets): regular files only, a size limit, and for
JSON a nesting limit, a digit limit on numbers and no floats. Every failure
is one ``MalformedInput`` line (or the subclass the caller names:
MalformedKey for keys, MalformedProof for proofs), so no reader ends in a
traceback, hangs on a FIFO or exhausts memory on /dev/zero.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path

from zkopt.errors import MalformedInput


def write_atomic(path: str | os.PathLike, data: bytes | str, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, os.replace, fsync the directory."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def write_json_atomic(path: str | os.PathLike, obj: object, mode: int = 0o600) -> None:
    write_atomic(path, json.dumps(obj, indent=1) + "\n", mode)


def write_new(path: str | os.PathLike, data: bytes | str, mode: int = 0o600) -> None:
    """Create ``path`` with ``data`` (owner-only by default); MalformedInput if it already exists."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise MalformedInput(f"{path} already exists; refusing to overwrite it") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_directory(path.parent if str(path.parent) else Path("."))


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: Largest input file read: far above any key, proof, transaction, wallet or report zkopt writes.
MAX_FILE_BYTES = 64 << 20
#: Deepest JSON nesting accepted (zkopt's own files nest at most 5 levels).
MAX_JSON_DEPTH = 32
#: Most digits of a JSON number (a field element has 77; zkopt writes field elements as strings).
MAX_NUMBER_DIGITS = 80


def read_bytes(
    path: str | os.PathLike, what: str, error: type[MalformedInput] = MalformedInput, limit: int = MAX_FILE_BYTES
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``error`` with one line otherwise.

    Refuses what is not a regular file (a directory, a FIFO that would block,
    a device such as /dev/zero that never ends) before reading it, and reads
    at most ``limit`` + 1 bytes, so no input can hang or exhaust memory.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise error(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise error(f"cannot read {what} file {path}: {exc.strerror or exc.__class__.__name__}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{what} {path} is not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"cannot read {what} file {path}: {exc.strerror or exc.__class__.__name__}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise error(f"{what} file {path} is larger than {limit:,} bytes")
    return b"".join(chunks)


def _number(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {digits:,} digits (at most {MAX_NUMBER_DIGITS})")
    return int(text)


def _no_float(text: str):
    raise ValueError(f"the non-integer number {text[:20]!r} (numbers are integers or decimal strings)")


def _no_constant(text: str):
    raise ValueError(f"{text} (not JSON)")


def _depth(obj: object) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse_json(text: str | bytes, what: str, error: type[MalformedInput] = MalformedInput) -> object:
    """Parse JSON strictly: integers of at most MAX_NUMBER_DIGITS digits, no floats, NaN or Infinity, nesting
    at most MAX_JSON_DEPTH; ``error`` with one line otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise error(f"{what} is not UTF-8 text") from None
    try:
        obj = json.loads(text, parse_int=_number, parse_float=_no_float, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise error(f"{what} holds {exc}") from None
    if _depth(obj) > MAX_JSON_DEPTH:
        raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    return obj


def read_json(path: str | os.PathLike, what: str, error: type[MalformedInput] = MalformedInput) -> object:
    """A JSON file read by ``read_bytes`` and parsed by ``parse_json``: every failure is ``error`` with one line."""
    data = read_bytes(path, what, error)
    return parse_json(data, f"{what} file {path}", error)
