"""Notes and keys with plain ints: public keys, commitments, nullifiers and the randomness of every new note.

These are the formulas of DESIGN.md ("Notes and keys"), the spec the note
circuits are tested against. Every hash is circomlib's Poseidon
(``zkopt.native.poseidon.hash``):

- public key        ``pk = Poseidon(sk)``                                                (t = 2)
- cash note         ``cm = Poseidon(CASH_TAG, amount, owner_pk, rho)``                   (t = 5)
- option note       ``cm = Poseidon(OPTION_TAG, asset, kind, strike, quantity, expiry,
                                    collateral, holder_pk, writer_pk, rho)``            (t = 11)
- nullifier         ``nf = Poseidon(NULLIFIER_TAG, secret, cm)``                         (t = 4)
- output rho        ``rho_i = Poseidon(RHO_TAG, nf, i, secret)``                         (t = 5)
- deposit rho       ``rho = Poseidon(DEPOSIT_TAG, seed)``                                (t = 3)

**The spend secret.** Every note has one secret that spending it needs: a
cash note's is its owner's spending key ``sk``; an option note's is its own
``rho``, which holder and writer both know, so either can settle it (the
outputs go to ``holder_pk`` and ``writer_pk`` whoever submits).

**Uniqueness by construction** (as Zcash Orchard does it). A transaction
that spends a note publishes its nullifier ``nf``, and its output ``i``
(in public-input order) takes ``rho_i = Poseidon(RHO_TAG, nf, i, secret)``;
the circuits compute this, so no spender chooses an output's randomness. The
ledger accepts each nullifier once, so no two spends share ``nf``, and no two
outputs share a ``rho``. A deposit spends nothing: its ``rho`` is
``Poseidon(DEPOSIT_TAG, seed)`` for a private random seed, a hash of another
width and tag, which no spend output can equal. So nobody can create a note
equal to another party's future note (a settlement output, a change note).
The nullifier binds the commitment, so two different notes never share one
(no "faerie gold"), whatever their ``rho``. The secret in both hashes keeps
them private: ``nf`` and the outputs' ``rho`` are public-looking values that
only the note's parties can compute, so an observer links neither a
nullifier to its commitment nor an output to its spend.

Why the tags: every hash starts with a constant naming what it is, so a value
of one kind can never be reinterpreted as another of the same width. The tags
are the big-endian integers of short ASCII strings (12 to 18 bytes, far below
2^248 and therefore canonical field elements).
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
#: Domain tag of nullifiers: b"zkopt/nullifier/v2" (v2: the nullifier binds the note's commitment).
NULLIFIER_TAG = int.from_bytes(b"zkopt/nullifier/v2", "big")
#: Domain tag of the rho of a spending transaction's outputs: b"zkopt/rho/v1".
RHO_TAG = int.from_bytes(b"zkopt/rho/v1", "big")
#: Domain tag of a deposit's rho: b"zkopt/deposit/v1".
DEPOSIT_TAG = int.from_bytes(b"zkopt/deposit/v1", "big")

#: Option kinds (the ``kind`` field): cash-settled European call and put.
CALL = _payoff.CALL
PUT = _payoff.PUT

#: Output positions (the ``i`` of the output rho): each transaction's new notes in public-input order.
OPEN_OPTION, OPEN_CHANGE = 0, 1
SETTLE_HOLDER, SETTLE_WRITER = 0, 1
WITHDRAW_CHANGE = 0


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


def nullifier(secret: int, cm: int) -> int:
    """Nullifier of the note ``cm`` with spend secret ``secret``: Poseidon(NULLIFIER_TAG, secret, cm).

    The secret is the owner's ``sk`` for a cash note and the note's ``rho``
    for an option note (``cash_nullifier``, ``option_nullifier``).
    """
    return poseidon.hash(NULLIFIER_TAG, _element(secret, "secret"), _element(cm, "cm"))


def cash_nullifier(sk: int, cm: int) -> int:
    """Nullifier of the cash note ``cm``: Poseidon(NULLIFIER_TAG, sk, cm), so only its owner can compute it."""
    return nullifier(_element(sk, "sk"), cm)


def option_nullifier(rho: int, cm: int) -> int:
    """Nullifier of the option note ``cm``: Poseidon(NULLIFIER_TAG, rho, cm), so holder and writer both can."""
    return nullifier(_element(rho, "rho"), cm)


def output_rho(nf: int, index: int, secret: int) -> int:
    """The rho of output ``index`` of a transaction spending nullifier ``nf``: Poseidon(RHO_TAG, nf, index, secret)."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 2**16:
        raise ValueError(f"output index must be an int in [0, 2^16), got {index!r}")
    return poseidon.hash(RHO_TAG, _element(nf, "nf"), index, _element(secret, "secret"))


def deposit_rho(seed: int) -> int:
    """The rho of a deposited note: Poseidon(DEPOSIT_TAG, seed) for the depositor's private random seed."""
    return poseidon.hash(DEPOSIT_TAG, _element(seed, "seed"))


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
        return cash_nullifier(sk, self.commitment())

    def output_rho(self, sk: int, index: int) -> int:
        """The rho of output ``index`` of a transaction that spends this note with its owner's ``sk``."""
        return output_rho(self.nullifier(sk), index, sk)


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
        return option_nullifier(self.rho, self.commitment())

    def output_rho(self, index: int) -> int:
        """The rho of output ``index`` of the settlement: derived from the nullifier and the note's own rho."""
        return output_rho(self.nullifier(), index, self.rho)

    def settlement_notes(self, price: int) -> tuple[CashNote, CashNote]:
        """The (holder, writer) cash notes a settlement at ``price`` creates: payout and collateral - payout.

        Both parties know the option's rho, so both can open both outputs,
        whoever submits the settlement.
        """
        paid = _payoff.payout(self.kind, self.strike, self.quantity, self.collateral, price)
        return (
            CashNote(paid, self.holder_pk, self.output_rho(SETTLE_HOLDER)),
            CashNote(self.collateral - paid, self.writer_pk, self.output_rho(SETTLE_WRITER)),
        )


# --- the notes each transaction creates ---------------------------------------------------


def deposit_note(amount: int, owner_pk: int, seed: int) -> CashNote:
    """The cash note a deposit of ``amount`` to ``owner_pk`` creates with the depositor's random ``seed``."""
    return CashNote(amount, owner_pk, deposit_rho(seed))


def open_notes(
    spent: CashNote,
    sk: int,
    *,
    asset: int,
    kind: int,
    strike: int,
    quantity: int,
    expiry: int,
    collateral: int,
    holder_pk: int,
) -> tuple[OptionNote, CashNote]:
    """The (option, change) an open creates when the writer spends ``spent`` with ``sk``.

    The writer is the spent note's owner; the option holds ``collateral``
    and the change the rest. ValueError when ``sk`` is not the owner's key or
    the collateral exceeds the spent amount.
    """
    if public_key(sk) != spent.owner_pk:
        raise ValueError("sk is not the spending key of the spent note's owner")
    if isinstance(collateral, bool) or not isinstance(collateral, int) or not 0 <= collateral <= spent.amount:
        raise ValueError("the collateral must be an int in [0, the spent note's amount]")
    nf = spent.nullifier(sk)
    option = OptionNote(
        asset, kind, strike, quantity, expiry, collateral, holder_pk, spent.owner_pk, output_rho(nf, OPEN_OPTION, sk)
    )
    change = CashNote(spent.amount - collateral, spent.owner_pk, output_rho(nf, OPEN_CHANGE, sk))
    return option, change


def withdraw_change(spent: CashNote, sk: int, amount: int) -> CashNote:
    """The change note a withdrawal of ``amount`` from ``spent`` creates: spent.amount - amount, same owner."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= spent.amount:
        raise ValueError("amount must be an int in [0, the spent note's amount]")
    return CashNote(spent.amount - amount, spent.owner_pk, spent.output_rho(sk, WITHDRAW_CHANGE))
