"""The oracle committee: Ed25519 keys, signed price observations, and the rule that turns them into one final price.

Each committee member signs its own ``Observation`` (asset, expiry, price,
observation time). A price report is a set of such signed observations for
one (asset, expiry). The ledger accepts a report when it holds valid
signatures from at least k distinct configured members, **all attesting the
same price**, and nothing else (an unknown signer, a repeated signer, one bad
signature or one other price rejects the whole report, so a report is never
half-trusted). That price is the final price.

Why agreement and not a median of whatever was signed: the submitter of a
report chooses which signed observations it holds, and observations are
public files. With a median of any k of them, one corrupt member plus one
honest observation (k = 2) set the price the corrupt member signed, so
fewer than k members could settle every option; and even with an honest
committee, the first poster picked the subset that suited it. With
agreement, a price needs k members to sign it: fewer than k colluding
members cannot set any price, which is the committee's trust assumption
(README). Members agree on the value off the ledger (for example each signs
the median of the committee's observations, as oracle networks do).

Signed message (fixed width, big-endian, 78 bytes)::

    "zkopt/oracle/price/v1\\0" (22 bytes) || asset (32) || expiry (8) || price (8) || observed_at (8)

Times are Unix seconds. The message does not name a ledger: an observation is
a fact about the market, usable by any ledger that trusts the member's key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from zkopt import field
from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.native.payoff import U64_BOUND

#: Domain separator of a signed price observation.
MESSAGE_DOMAIN = b"zkopt/oracle/price/v1\x00"
#: Length of the signed message: domain, asset, expiry, price, observation time.
MESSAGE_BYTES = len(MESSAGE_DOMAIN) + 32 + 8 + 8 + 8
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


def _u64(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < U64_BOUND:
        raise MalformedInput(f"{what} must be an integer in [0, 2^64)")
    return value


@dataclass(frozen=True)
class Observation:
    """One member's observed price of ``asset`` for the option expiry ``expiry``, seen at ``observed_at``."""

    asset: int
    expiry: int
    price: int
    observed_at: int

    def __post_init__(self):
        if not isinstance(self.asset, int) or isinstance(self.asset, bool) or not 0 <= self.asset < field.R:
            raise MalformedInput("asset must be a field element in [0, r)")
        _u64(self.expiry, "expiry")
        _u64(self.price, "price")
        _u64(self.observed_at, "observed_at")

    def message(self) -> bytes:
        """The canonical bytes a member signs."""
        return (
            MESSAGE_DOMAIN
            + self.asset.to_bytes(32, "big")
            + self.expiry.to_bytes(8, "big")
            + self.price.to_bytes(8, "big")
            + self.observed_at.to_bytes(8, "big")
        )


@dataclass(frozen=True)
class Attestation:
    """A signed observation: the member's raw Ed25519 public key, what it observed, and its signature."""

    member: bytes
    observation: Observation
    signature: bytes

    def to_json(self) -> dict:
        o = self.observation
        return {
            "member": self.member.hex(),
            "asset": str(o.asset),
            "expiry": str(o.expiry),
            "price": str(o.price),
            "observed_at": str(o.observed_at),
            "signature": self.signature.hex(),
        }

    @staticmethod
    def from_json(obj: object) -> Attestation:
        """Parse ``to_json`` output strictly; raises MalformedInput with one line."""
        keys = {"member", "asset", "expiry", "price", "observed_at", "signature"}
        if not isinstance(obj, Mapping) or set(obj) != keys:
            raise MalformedInput(f"an attestation must be a JSON object with exactly {sorted(keys)}")
        try:
            member = bytes.fromhex(obj["member"])
            signature = bytes.fromhex(obj["signature"])
            values = {
                name: field.parse_decimal(obj[name], field.R if name == "asset" else U64_BOUND, name)
                for name in ("asset", "expiry", "price", "observed_at")
            }
        except (TypeError, ValueError) as exc:
            raise MalformedInput(f"attestation: {exc}") from None
        return Attestation(member, Observation(**values), signature)


@dataclass(frozen=True)
class FinalPrice:
    """The accepted price of (asset, expiry) and the earliest observation time among its signers."""

    asset: int
    expiry: int
    price: int
    observed_at: int


def keygen() -> Ed25519PrivateKey:
    """A fresh member key from the operating system's randomness."""
    return Ed25519PrivateKey.generate()


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key the genesis lists."""
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte private key (keep it secret)."""
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def load_private_key(raw: bytes) -> Ed25519PrivateKey:
    """A private key from its raw 32 bytes."""
    if not isinstance(raw, (bytes, bytearray)) or len(raw) != 32:
        raise MalformedInput("an Ed25519 private key is 32 raw bytes")
    return Ed25519PrivateKey.from_private_bytes(bytes(raw))


def check_public_key(raw: object, what: str = "oracle key") -> bytes:
    """Return ``raw`` if it is a usable 32-byte Ed25519 public key; MalformedInput otherwise."""
    if not isinstance(raw, (bytes, bytearray)) or len(raw) != PUBLIC_KEY_BYTES:
        raise MalformedInput(f"{what} must be {PUBLIC_KEY_BYTES} raw bytes")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(raw))
    except ValueError:
        raise MalformedInput(f"{what} is not an Ed25519 public key") from None
    return bytes(raw)


def sign(observation: Observation, private_key: Ed25519PrivateKey) -> Attestation:
    """Sign one observation with a member's key."""
    if not isinstance(observation, Observation):
        raise MalformedInput("sign takes an Observation")
    signature = private_key.sign(observation.message())
    return Attestation(public_key_bytes(private_key), observation, signature)


def check_report(
    attestations: Sequence[Attestation],
    committee: Sequence[bytes],
    threshold: int,
    now: int,
) -> FinalPrice:
    """Apply every committee rule to a report; return the final price or raise LedgerRejected (one line).

    Rules, in order: at least one attestation, all for one (asset, expiry);
    every signer a configured member, each at most once; every signature
    valid over its own observation; all of one price; no observation before
    the expiry or after ``now``; at least ``threshold`` signers. The final price
    is the one price they attest, observed at the earliest signer's time.
    The caller checks that no price for (asset, expiry) exists yet.
    """
    if isinstance(attestations, (str, bytes)) or not isinstance(attestations, Sequence) or not attestations:
        raise LedgerRejected("a price report needs at least one signed observation")
    if not all(isinstance(a, Attestation) for a in attestations):
        raise LedgerRejected("a price report is a list of Attestation objects")
    first = attestations[0].observation
    members = {bytes(key): i for i, key in enumerate(committee)}
    seen: set[bytes] = set()
    for j, att in enumerate(attestations):
        obs = att.observation
        if (obs.asset, obs.expiry) != (first.asset, first.expiry):
            raise LedgerRejected(f"observation {j} is for another (asset, expiry) than observation 0")
        member = bytes(att.member)
        if member not in members:
            raise LedgerRejected(f"observation {j} is signed by an unknown key {member.hex()[:16]}...")
        if member in seen:
            raise LedgerRejected(f"oracle member {members[member]} signed twice (observation {j})")
        seen.add(member)
        try:
            Ed25519PublicKey.from_public_bytes(member).verify(bytes(att.signature), obs.message())
        except (InvalidSignature, ValueError):
            raise LedgerRejected(f"bad signature from oracle member {members[member]} (observation {j})") from None
        if obs.price != first.price:
            raise LedgerRejected(
                f"observation {j} attests the price {obs.price}, observation 0 {first.price}: "
                "a report's signers must all attest one price"
            )
        if obs.observed_at < obs.expiry:
            raise LedgerRejected(
                f"oracle member {members[member]} observed at {obs.observed_at}, before the expiry {obs.expiry}"
            )
        if obs.observed_at > now:
            raise LedgerRejected(
                f"oracle member {members[member]} observed at {obs.observed_at}, after the ledger's time {now}"
            )
    if len(seen) < threshold:
        raise LedgerRejected(f"{len(seen)} oracle signatures, at least {threshold} required")
    return FinalPrice(
        asset=first.asset,
        expiry=first.expiry,
        price=first.price,
        observed_at=min(a.observation.observed_at for a in attestations),
    )
