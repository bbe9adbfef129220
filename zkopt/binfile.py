"""The iden3 binary container shared by circom's .r1cs/.wtns and snarkjs' .zkey/.ptau files.

Layout (all integers little-endian)::

    magic     4 bytes   b"r1cs" | b"wtns" | b"zkey" | b"ptau"
    version   u32
    nSections u32
    nSections x (type u32, size u64, size bytes)

Readers here are strict where snarkjs is lenient: every section must lie
inside the file, nothing may follow the last section, a section type may
appear at most once, and each reader states which types it expects. Numbers
inside sections are read with ``SectionReader``, which refuses to read past
the end of its section and must be consumed exactly (``done``). Every defect
raises the caller's ``MalformedInput`` subclass with a one-line reason naming
the file kind and the section. Files are read by ``zkopt.files.read_bytes``
(regular files only, bounded), like every other input.

Integers of a prime field are stored as ``n8`` little-endian bytes; the
helpers check the header's prime and refuse values >= the prime (no silent
reduction).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from zkopt import files
from zkopt.errors import MalformedInput

_HEADER = struct.Struct("<4sII")
_SECTION = struct.Struct("<IQ")


@dataclass
class BinFile:
    """A parsed container: its kind, version and sections (type -> bytes, in file order)."""

    kind: str
    version: int
    sections: dict[int, memoryview]
    order: list[int]
    error: type[MalformedInput] = MalformedInput

    def section(self, kind: int, what: str) -> memoryview:
        """The bytes of a required section; ``error`` when it is missing."""
        if kind not in self.sections:
            raise self.error(f"{self.kind} file has no {what} section ({kind})")
        return self.sections[kind]

    def reader(self, kind: int, what: str) -> SectionReader:
        return SectionReader(self.section(kind, what), f"{self.kind} {what} section", self.error)


def parse(data: bytes | bytearray | memoryview, magic: str, versions: Iterable[int], allowed: Iterable[int],
          error: type[MalformedInput] = MalformedInput) -> BinFile:
    """Split ``data`` into sections; raise ``error`` for a bad magic, version, size or section type."""
    view = memoryview(data).cast("B")
    versions = tuple(versions)
    allowed = set(allowed)
    if len(view) < _HEADER.size:
        raise error(f"not a {magic} file: {len(view)} bytes is shorter than the header")
    got, version, count = _HEADER.unpack_from(view)
    if got != magic.encode():
        raise error(f"not a {magic} file (magic {bytes(got)!r})")
    if version not in versions:
        raise error(f"{magic} file version {version} is not supported (this zkopt reads {', '.join(map(str, versions))})")
    pos = _HEADER.size
    sections: dict[int, memoryview] = {}
    order: list[int] = []
    for i in range(count):
        if pos + _SECTION.size > len(view):
            raise error(f"{magic} file is truncated in the header of section {i + 1} of {count}")
        kind, size = _SECTION.unpack_from(view, pos)
        pos += _SECTION.size
        if size > len(view) - pos:
            raise error(f"{magic} file is truncated: section {kind} claims {size} bytes, {len(view) - pos} remain")
        if kind not in allowed:
            raise error(f"{magic} file has an unexpected section type {kind}")
        if kind in sections:
            raise error(f"{magic} file has section {kind} twice")
        sections[kind] = view[pos : pos + size]
        order.append(kind)
        pos += size
    if pos != len(view):
        raise error(f"{magic} file has {len(view) - pos} bytes after its last section")
    return BinFile(magic, version, sections, order, error)


#: Largest ceremony file read (a prepared .ptau of power 20 is about 1.2 GB); ``zkopt.files`` bounds the read.
MAX_BINARY_BYTES = 1 << 31


def read(path: str | Path, magic: str, error: type[MalformedInput] = MalformedInput) -> bytes:
    """The bytes of a ``magic`` file through ``zkopt.files.read_bytes``: regular files only, at most MAX_BINARY_BYTES."""
    return files.read_bytes(path, magic, error, MAX_BINARY_BYTES)


def dumps(magic: str, version: int, sections: Sequence[tuple[int, bytes]]) -> bytes:
    """Serialise sections in the given order."""
    parts = [_HEADER.pack(magic.encode(), version, len(sections))]
    for kind, body in sections:
        parts.append(_SECTION.pack(kind, len(body)))
        parts.append(bytes(body))
    return b"".join(parts)


class SectionReader:
    """Sequential little-endian reads inside one section; never past its end."""

    def __init__(self, data: memoryview, what: str, error: type[MalformedInput]):
        self.data = data
        self.pos = 0
        self.what = what
        self.error = error

    def take(self, n: int, what: str = "data") -> memoryview:
        if n < 0 or n > len(self.data) - self.pos:
            raise self.error(f"{self.what} is too short for its {what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self, what: str = "byte") -> int:
        return self.take(1, what)[0]

    def u32(self, what: str = "u32") -> int:
        return int.from_bytes(self.take(4, what), "little")

    def u64(self, what: str = "u64") -> int:
        return int.from_bytes(self.take(8, what), "little")

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def done(self) -> None:
        if self.pos != len(self.data):
            raise self.error(f"{self.what} has {len(self.data) - self.pos} bytes more than its contents")


def field_size(prime: int) -> int:
    """snarkjs' n8: bytes per element, a whole number of 64-bit words."""
    return ((prime.bit_length() - 1) // 64 + 1) * 8


def read_prime(reader: SectionReader, expected: int, name: str) -> int:
    """Read ``u32 n8, n8-byte prime`` and require the prime to be ``expected`` (the BN254 ``name``)."""
    n8 = reader.u32("field size")
    if n8 != field_size(expected):
        raise reader.error(f"{reader.what}: field elements of {n8} bytes, expected {field_size(expected)} (not BN254)")
    prime = int.from_bytes(reader.take(n8, "prime"), "little")
    if prime != expected:
        raise reader.error(f"{reader.what}: the prime is not BN254's {name} (another curve?)")
    return n8


def prime_bytes(prime: int) -> bytes:
    n8 = field_size(prime)
    return struct.pack("<I", n8) + prime.to_bytes(n8, "little")


def elements_from_bytes(data: memoryview | bytes, modulus: int, what: str, error: type[MalformedInput]) -> list[int]:
    """32-byte little-endian integers, each < modulus (canonical)."""
    if len(data) % 32:
        raise error(f"{what}: {len(data)} bytes is not a whole number of 32-byte field elements")
    raw = bytes(data)
    from_bytes = int.from_bytes
    out = [from_bytes(raw[i : i + 32], "little") for i in range(0, len(raw), 32)]
    for i, v in enumerate(out):
        if v >= modulus:
            raise error(f"{what}[{i}] is not canonical (>= the field modulus)")
    return out


def elements_to_bytes(values: Iterable[int]) -> bytes:
    return b"".join(v.to_bytes(32, "little") for v in values)
