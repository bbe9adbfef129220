"""Files: atomic writes, create-only writes, and the one JSON reader every input file goes through.

Writes are atomic (a temporary file in the same directory, fsync,
``os.replace``, fsync of the directory), so a crash leaves the old file or
the new one, never a torn one; ``write_new`` refuses to overwrite (key
files). ``read_json`` turns every failure into one ``MalformedInput`` line
(or the subclass the caller names: MalformedKey for keys, MalformedProof for
proofs), so no reader ends in a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
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


def read_json(path: str | os.PathLike, what: str, error: type[MalformedInput] = MalformedInput) -> object:
    """Parse a JSON file; ``error`` (MalformedInput or a subclass) with one line when it is missing, unreadable or not JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {what} file {path}: {exc.__class__.__name__}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} file {path} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
