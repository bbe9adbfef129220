"""A wallet's address: the one line others pay to, carrying its spending public key and its X25519 key.

Text form: ``zk1`` + 64 hex digits of the spending public key + 64 of the
X25519 public key + 8 of a checksum (the first 4 bytes of
SHA-256(b"zkopt/address/v1" || both keys)), all lowercase: 139 characters.
The checksum catches a mistyped or truncated address before anything is paid
to a key nobody holds; ``parse`` refuses anything else with one line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from zkopt.errors import MalformedInput
from zkopt.field import R

PREFIX = "zk1"
_DOMAIN = b"zkopt/address/v1"
_PATTERN = re.compile(r"zk1([0-9a-f]{64})([0-9a-f]{64})([0-9a-f]{8})")


@dataclass(frozen=True)
class Address:
    """Where notes go: ``pk`` owns them, ``encryption_key`` (X25519, 32 bytes) reads them."""

    pk: int
    encryption_key: bytes

    def __str__(self) -> str:
        keys = self.pk.to_bytes(32, "big") + self.encryption_key
        return PREFIX + keys.hex() + _checksum(keys).hex()


def _checksum(keys: bytes) -> bytes:
    return hashlib.sha256(_DOMAIN + keys).digest()[:4]


def parse(text: object) -> Address:
    """The address of ``text``; MalformedInput with one line for anything but a well-formed address."""
    if not isinstance(text, str):
        raise MalformedInput("an address is text starting with zk1")
    match = _PATTERN.fullmatch(text.strip())
    if not match:
        raise MalformedInput(f"not a zkopt address (zk1 and {64 + 64 + 8} lowercase hex digits): {text.strip()[:24]!r}...")
    pk_hex, key_hex, check_hex = match.groups()
    keys = bytes.fromhex(pk_hex + key_hex)
    if _checksum(keys).hex() != check_hex:
        raise MalformedInput("the address's checksum does not match: it was mistyped or cut short")
    pk = int(pk_hex, 16)
    if pk >= R:
        raise MalformedInput("the address's public key is not a field element")
    return Address(pk, bytes.fromhex(key_hex))
