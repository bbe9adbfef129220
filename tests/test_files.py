"""zkopt.files: the one bounded, strict reader of input files, and atomic writes.

Each hostile input that once ended in a traceback, a hang or a MemoryError
(JSON nested 1,000 deep, a 100,000-digit number, /dev/zero, a FIFO) is one
MalformedInput line here, of the subclass the caller names.
"""

from __future__ import annotations

import os

import pytest

from zkopt.errors import MalformedInput, MalformedKey
from zkopt.files import (
    MAX_JSON_DEPTH,
    MAX_NUMBER_DIGITS,
    parse_json,
    read_bytes,
    read_json,
    write_atomic,
    write_json_atomic,
    write_new,
)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[" * 1000 + "]" * 1000, "nests deeper than"),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nests deeper than"),
        ("1" * 100_000, "a number of 100,000 digits"),
        ("-" + "9" * (MAX_NUMBER_DIGITS + 1), "digits"),
        ('{"a": 1.5}', "non-integer number '1.5'"),
        ('{"a": 1e3}', "non-integer number"),
        ("[NaN]", "NaN"),
        ("[Infinity]", "Infinity"),
        ('{"a": ', r"not valid JSON \(line 1"),
        ("", "not valid JSON"),
    ],
)
def test_hostile_json_is_one_line(tmp_path, text, message):
    path = tmp_path / "in.json"
    path.write_text(text)
    with pytest.raises(MalformedInput, match=message) as info:
        read_json(path, "proof")
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_what_is_accepted():
    depth_ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(depth_ok, "x") is not None
    assert parse_json('{"a": [1, "2", null, true], "b": -' + "9" * MAX_NUMBER_DIGITS + "}", "x")["a"] == [1, "2", None, True]
    with pytest.raises(MalformedInput, match="not UTF-8"):
        parse_json(b"\xff\xfe", "x")


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # a reader would block for ever on it
    for path in (fifo, tmp_path, "/dev/zero"):
        with pytest.raises(MalformedKey, match="is not a regular file"):
            read_bytes(path, "verification key", MalformedKey)
    with pytest.raises(MalformedInput, match="file not found"):
        read_json(tmp_path / "missing.json", "wallet")


def test_size_limit(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(MalformedInput, match="larger than 1,000 bytes"):
        read_bytes(path, "observation", limit=1000)
    assert read_bytes(path, "observation", limit=1001) == b"x" * 1001


def test_atomic_and_create_only_writes(tmp_path):
    path = tmp_path / "w.json"
    write_json_atomic(path, {"a": 1}, 0o600)
    assert read_json(path, "w") == {"a": 1}
    assert path.stat().st_mode & 0o777 == 0o600
    write_atomic(path, "[2]", 0o644)
    assert read_json(path, "w") == [2] and path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["w.json"]  # no temporary file left behind
    write_new(tmp_path / "k", b"key")
    with pytest.raises(MalformedInput, match="refusing to overwrite"):
        write_new(tmp_path / "k", b"other")
    assert (tmp_path / "k").read_bytes() == b"key"
