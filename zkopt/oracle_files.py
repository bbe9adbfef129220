"""Oracle members' files: private key files, committee lists, signed observations read back.

**Oracle key files** (``zkopt oracle keygen``) are JSON with the raw Ed25519
private key in hex (owner-only permissions, never overwritten); a committee
file lists members' public keys, ``{"members": ["<hex>", ...], "threshold": k}``
(threshold optional). Observation files hold one attestation, a list of
them, or ``{"attestations": [...]}``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from zkopt.errors import MalformedInput
from zkopt.files import read_json, write_json_atomic, write_new
from zkopt.ledger import Attestation, oracle

ORACLE_KEY_FORMAT = "zkopt-oracle-key/v1"


def write_oracle_key(path: str | os.PathLike, private_key) -> bytes:
    """Write a new member key file (owner-only; refuses to overwrite) and return the raw public key."""
    public = oracle.public_key_bytes(private_key)
    obj = {
        "format": ORACLE_KEY_FORMAT,
        "private_key": oracle.private_key_bytes(private_key).hex(),
        "public_key": public.hex(),
    }
    write_new(path, json.dumps(obj, indent=1) + "\n", 0o600)
    return public


def read_oracle_key(path: str | os.PathLike):
    """A member's private key from its key file; MalformedInput when the file is not one."""
    obj = read_json(path, "oracle key")
    try:
        if not isinstance(obj, dict) or obj.get("format") != ORACLE_KEY_FORMAT:
            raise ValueError(f"not a zkopt oracle key file ({ORACLE_KEY_FORMAT})")
        key = oracle.load_private_key(bytes.fromhex(obj["private_key"]))
        if oracle.public_key_bytes(key).hex() != obj.get("public_key"):
            raise ValueError("the public key does not belong to the private key")
    except (KeyError, TypeError, ValueError, MalformedInput) as exc:
        raise MalformedInput(f"oracle key {path}: {exc}") from None
    return key


def read_committee(path: str | os.PathLike) -> tuple[list[bytes], int | None]:
    """(member public keys, threshold or None) from a committee file."""
    obj = read_json(path, "committee")
    if isinstance(obj, list):
        obj = {"members": obj}
    if not isinstance(obj, dict) or not isinstance(obj.get("members"), list):
        raise MalformedInput(f'committee {path}: expected {{"members": ["<hex public key>", ...]}}')
    members = []
    for i, text in enumerate(obj["members"]):
        try:
            raw = bytes.fromhex(text)
        except (TypeError, ValueError):
            raise MalformedInput(f"committee {path}: member {i} is not a hex public key") from None
        members.append(oracle.check_public_key(raw, f"committee member {i}"))
    threshold = obj.get("threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int)):
        raise MalformedInput(f"committee {path}: threshold must be an integer")
    return members, threshold


def add_to_committee(path: str | os.PathLike, public: bytes) -> int:
    """Append a member's public key to a committee file (created if missing); return the member count."""
    path = Path(path)
    members, threshold = read_committee(path) if path.exists() else ([], None)
    if public in members:
        raise MalformedInput(f"{path} already lists this key")
    members.append(public)
    obj: dict = {"members": [m.hex() for m in members]}
    if threshold is not None:
        obj["threshold"] = threshold
    write_json_atomic(path, obj, 0o644)
    return len(members)


def read_attestations(paths: Sequence[str | os.PathLike]) -> list:
    """Signed observations from files: each an attestation, a list of them, or {"attestations": [...]}."""
    out = []
    for path in paths:
        obj = read_json(path, "observation")
        items = obj.get("attestations") if isinstance(obj, dict) and "attestations" in obj else obj
        items = items if isinstance(items, list) else [items]
        for item in items:
            try:
                out.append(Attestation.from_json(item))
            except MalformedInput as exc:
                raise MalformedInput(f"{path}: {exc}") from None
    return out
