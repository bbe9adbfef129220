"""Notes and keys with plain ints: public keys, commitments, nullifiers and settlement randomness.

These are the formulas of DESIGN.md ("Notes and keys"), the spec the note
circuits are tested against. Every hash is circomlib's Poseidon
(``zkopt.native.poseidon.hash``):

- public key        ``pk = Poseidon(sk)``
- cash note         ``cm = Poseidon(CASH_TAG, amount, owner_pk, rho)``                 (t = 5)
- option note       ``cm = Poseidon(OPTION_TAG, asset, kind, strike, quantity, expiry,
                                    collateral, holder_pk, writer_pk, rho)``          (t = 11)
- cash nullifier    ``nf = Poseidon(NULLIFIER_TAG, rho, sk)``                          (t = 4)
- option nullifier  ``nf = Poseidon(NULLIFIER_TAG, rho)``                              (t = 3)
- settlement rhos   ``(Poseidon(rho, 1), Poseidon(rho, 2))``                           (t = 3)

Why the tags: every commitment and nullifier starts with a constant naming
what it is, so a value of one kind can never be reinterpreted as another of
the same width. The tags are the big-endian integers of short ASCII strings
(13 to 18 bytes, so far below 2^248 and therefore canonical field elements).

Why the settlement rhos: the two cash notes a settlement creates take their
randomness from the option's ``rho``, which both holder and writer know, so
both parties can open both output notes whoever submits the settlement.
Neither can spend the other's note: a cash nullifier needs the owner's ``sk``.

``rho`` must be fresh randomness per note (``secrets.randbelow(R)``): two
option notes sharing a ``rho`` share a nullifier, so only one could ever be
settled.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from zkopt.field import R, parse_decimal
from zkopt.native import payoff as _payoff
from zkopt.native import poseidon

#: Domain tag of cash note commitments: the ASCII bytes b"zkopt/cash/v1" read as a big-endian integer.
CASH_TAG = int.from_bytes(b"zkopt/cash/v1", "big")
#: Domain tag of option note commitments: b"zkopt/option/v1" as a big-endian integer.
OPTION_TAG = int.from_bytes(b"zkopt/option/v1", "big")
#: Domain tag of both nullifier kinds: b"zkopt/nullifier/v1" as a big-endian integer.
NULLIFIER_TAG = int.from_bytes(b"zkopt/nullifier/v1", "big")

#: Option kinds (the ``kind`` field): cash-settled European call and put.
CALL = _payoff.CALL
PUT = _payoff.PUT

#: Exclusive upper bound of every amount, price, quantity, collateral and expiry.
U64_BOUND = _payoff.U64_BOUND

#: Second inputs of the settlement rho derivation: Poseidon(rho, 1) for the holder, Poseidon(rho, 2) for the writer.
HOLDER_RHO_INDEX = 1
WRITER_RHO_INDEX = 2


def _element(value: object, what: str) -> int:
    """Check that ``value`` is a canonical field element; return it."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value < R:
        raise ValueError(f"{what} is not a field element (must be in [0, r))")
    return value


def public_key(sk: int) -> int:
    """The public key of a spending key: Poseidon(sk)."""
    return poseidon.hash(_element(sk, "sk"))


def cash_commitment(amount: int, owner_pk: int, rho: int) -> int:
    """Commitment of a cash note: Poseidon(CASH_TAG, amount, owner_pk, rho); amount < 2^64."""
    amount = _payoff.check_u64(amount, "amount")
    return poseidon.hash(CASH_TAG, amount, _element(owner_pk, "owner_pk"), _element(rho, "rho"))


def option_commitment(
    asset: int,
    kind: int,
    strike: int,
    quantity: int,
    expiry: int,
    collateral: int,
    holder_pk: int,
    writer_pk: int,
    rho: int,
) -> int:
    """Commitment of an option note: one Poseidon of 10 inputs (t = 11), OPTION_TAG first.

    ``kind`` is CALL or PUT; strike, quantity, expiry and collateral are < 2^64;
    asset, the keys and rho are field elements.
    """
    return poseidon.hash(
        OPTION_TAG,
        _element(asset, "asset"),
        _payoff.check_kind(kind),
        _payoff.check_u64(strike, "strike"),
        _payoff.check_u64(quantity, "quantity"),
        _payoff.check_u64(expiry, "expiry"),
        _payoff.check_u64(collateral, "collateral"),
        _element(holder_pk, "holder_pk"),
        _element(writer_pk, "writer_pk"),
        _element(rho, "rho"),
    )


def cash_nullifier(rho: int, sk: int) -> int:
    """Nullifier of a cash note: Poseidon(NULLIFIER_TAG, rho, sk), so only the owner can compute it."""
    return poseidon.hash(NULLIFIER_TAG, _element(rho, "rho"), _element(sk, "sk"))


def option_nullifier(rho: int) -> int:
    """Nullifier of an option note: Poseidon(NULLIFIER_TAG, rho), so holder and writer can both compute it."""
    return poseidon.hash(NULLIFIER_TAG, _element(rho, "rho"))


def settlement_rhos(rho: int) -> tuple[int, int]:
    """Randomness of the two settlement outputs: (Poseidon(rho, 1), Poseidon(rho, 2)) for (holder, writer)."""
    rho = _element(rho, "rho")
    return poseidon.hash(rho, HOLDER_RHO_INDEX), poseidon.hash(rho, WRITER_RHO_INDEX)


class _Note:
    """Shared JSON conversion: every field as a canonical decimal string."""

    def to_dict(self) -> dict[str, str]:
        """The note as a JSON-friendly dict of decimal strings, in field order."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: object):
        """Parse ``to_dict`` output; raises ValueError on a missing or unknown key or a non-canonical number."""
        if not isinstance(data, dict):
            raise ValueError(f"{cls.__name__} must be a JSON object, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"{cls.__name__} is missing {missing[0]!r}")
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"{cls.__name__} has unknown key {unknown[0]!r}")
        return cls(**{n: parse_decimal(data[n], R, n) for n in names})


@dataclass(frozen=True)
class CashNote(_Note):
    """A cash note: ``amount`` (fixed point, < 2^64) owned by ``owner_pk``, blinded by ``rho``."""

    amount: int
    owner_pk: int
    rho: int

    def __post_init__(self):
        _payoff.check_u64(self.amount, "amount")
        _element(self.owner_pk, "owner_pk")
        _element(self.rho, "rho")

    def commitment(self) -> int:
        return cash_commitment(self.amount, self.owner_pk, self.rho)

    def nullifier(self, sk: int) -> int:
        """The nullifier under the owner's spending key; ValueError if ``sk`` is not the owner's key."""
        if public_key(sk) != self.owner_pk:
            raise ValueError("sk is not the spending key of this note's owner")
        return cash_nullifier(self.rho, sk)


@dataclass(frozen=True)
class OptionNote(_Note):
    """An option position: the contract terms, the collateral locked, both parties' keys, and ``rho``."""

    asset: int
    kind: int
    strike: int
    quantity: int
    expiry: int
    collateral: int
    holder_pk: int
    writer_pk: int
    rho: int

    def __post_init__(self):
        _element(self.asset, "asset")
        _payoff.check_kind(self.kind)
        for name in ("strike", "quantity", "expiry", "collateral"):
            _payoff.check_u64(getattr(self, name), name)
        for name in ("holder_pk", "writer_pk", "rho"):
            _element(getattr(self, name), name)

    def commitment(self) -> int:
        return option_commitment(
            self.asset,
            self.kind,
            self.strike,
            self.quantity,
            self.expiry,
            self.collateral,
            self.holder_pk,
            self.writer_pk,
            self.rho,
        )

    def nullifier(self) -> int:
        return option_nullifier(self.rho)

    def settlement_notes(self, price: int) -> tuple[CashNote, CashNote]:
        """The (holder, writer) cash notes a settlement at ``price`` creates: payout and collateral - payout."""
        paid = _payoff.payout(self.kind, self.strike, self.quantity, self.collateral, price)
        rho_holder, rho_writer = settlement_rhos(self.rho)
        return (
            CashNote(paid, self.holder_pk, rho_holder),
            CashNote(self.collateral - paid, self.writer_pk, rho_writer),
        )
