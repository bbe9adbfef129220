"""Oracle members on chain: Ethereum keys (secp256k1) signing the ledger's own observation message.

The pool cannot check Ed25519 cheaply, so on chain a member is an Ethereum
address and an attestation is its EIP-191 ``personal_sign`` signature of
``Observation.message()`` (the same 78 bytes the SQLite ledger's members sign
with Ed25519): ``keccak256("\\x19Ethereum Signed Message:\\n78" || message)``.
An ``Attestation`` then carries the 20-byte address as ``member`` and the
65-byte signature ``r || s || v`` (v = 27 or 28, s in the lower half), so
observation files keep one format.
"""

from __future__ import annotations

import secrets

from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.ledger.oracle import Attestation, Observation

ADDRESS_BYTES = 20
SIGNATURE_BYTES = 65
#: secp256k1's group order.
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def keygen() -> bytes:
    """A fresh 32-byte secp256k1 private key from the OS's randomness."""
    return (secrets.randbelow(ORDER - 1) + 1).to_bytes(32, "big")


def address(private_key: bytes) -> bytes:
    """The 20-byte Ethereum address of a private key."""
    from eth_keys import keys

    return keys.PrivateKey(bytes(private_key)).public_key.to_canonical_address()


def _digest(observation: Observation) -> bytes:
    from eth_account.messages import _hash_eip191_message, encode_defunct

    return _hash_eip191_message(encode_defunct(primitive=observation.message()))


def sign(observation: Observation, private_key: bytes) -> Attestation:
    """A member's attestation of ``observation``: its address and the 65-byte signature r || s || v."""
    from eth_keys import keys

    if not isinstance(observation, Observation):
        raise MalformedInput("sign takes an Observation")
    key = keys.PrivateKey(bytes(private_key))
    signature = key.sign_msg_hash(_digest(observation))
    r, s, v = signature.r, signature.s, signature.v + 27
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    return Attestation(key.public_key.to_canonical_address(), observation, raw)


def split(attestation: Attestation) -> tuple[int, int, int]:
    """(v, r, s) of a chain attestation; MalformedInput unless it is 65 bytes with v in {27, 28}."""
    raw = bytes(attestation.signature)
    if len(raw) != SIGNATURE_BYTES or raw[64] not in (27, 28):
        raise MalformedInput("a chain oracle signature is 65 bytes r || s || v with v = 27 or 28")
    if len(bytes(attestation.member)) != ADDRESS_BYTES:
        raise MalformedInput("a chain oracle member is a 20-byte Ethereum address")
    return raw[64], int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")


def signer(attestation: Attestation) -> bytes:
    """The address that signed ``attestation``'s observation; LedgerRejected for a malformed or malleable one."""
    from eth_keys import keys
    from eth_keys.exceptions import BadSignature

    v, r, s = split(attestation)
    if not (0 < r < ORDER and 0 < s <= ORDER // 2):
        raise LedgerRejected("a malformed oracle signature")
    try:
        public = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(_digest(attestation.observation))
    except (BadSignature, ValueError):
        raise LedgerRejected("an oracle signature does not recover to a key") from None
    return public.to_canonical_address()


def check_report(attestations, committee, threshold: int, now: int):
    """``zkopt.ledger.oracle.check_report``'s rules for chain attestations (the pool's ``postPrice``, replayed).

    Returns the FinalPrice; LedgerRejected with one line otherwise.
    """
    from zkopt.ledger.oracle import FinalPrice

    if not attestations:
        raise LedgerRejected("a price report needs at least one signed observation")
    first = attestations[0].observation
    members = {bytes(m): i for i, m in enumerate(committee)}
    seen: set[bytes] = set()
    for j, att in enumerate(attestations):
        obs = att.observation
        if (obs.asset, obs.expiry, obs.price) != (first.asset, first.expiry, first.price):
            raise LedgerRejected(f"observation {j} is for another (asset, expiry, price) than observation 0")
        who = signer(att)
        if who != bytes(att.member) or who not in members:
            raise LedgerRejected(f"observation {j} is not signed by a committee member")
        if who in seen:
            raise LedgerRejected(f"oracle member {members[who]} signed twice (observation {j})")
        seen.add(who)
        if obs.observed_at < obs.expiry or obs.observed_at > now:
            raise LedgerRejected(f"observation {j} was made at {obs.observed_at}, outside [expiry, {now}]")
    if len(seen) < threshold:
        raise LedgerRejected(f"{len(seen)} oracle signatures, at least {threshold} required")
    return FinalPrice(first.asset, first.expiry, first.price, min(a.observation.observed_at for a in attestations))


#: A chain member's key file: ``{"format": "zkopt-oracle-key/v1", "scheme": "ethereum", "private_key", "address"}``.
KEY_SCHEME = "ethereum"


def write_key_file(path, private_key: bytes) -> bytes:
    """Write a new Ethereum member key file (owner-only, never overwritten); return the address."""
    import json

    from zkopt.files import write_new
    from zkopt.oracle_files import ORACLE_KEY_FORMAT

    member = address(private_key)
    obj = {"format": ORACLE_KEY_FORMAT, "scheme": KEY_SCHEME, "private_key": bytes(private_key).hex(),
           "address": "0x" + member.hex()}
    write_new(path, json.dumps(obj, indent=1) + "\n", 0o600)
    return member


def read_key_file(path) -> bytes | None:
    """The private key of an Ethereum member key file; None for another kind of oracle key file."""
    from zkopt.files import read_json

    obj = read_json(path, "oracle key")
    if not isinstance(obj, dict) or obj.get("scheme") != KEY_SCHEME:
        return None
    try:
        key = bytes.fromhex(obj["private_key"])
        if len(key) != 32 or not 0 < int.from_bytes(key, "big") < ORDER:
            raise ValueError("the private key is not a secp256k1 scalar")
        if "0x" + address(key).hex() != str(obj.get("address", "")).lower():
            raise ValueError("the address does not belong to the private key")
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedInput(f"oracle key {path}: {exc}") from None
    return key
