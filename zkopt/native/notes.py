"""Notes and keys with plain ints: public keys, commitments, nullifiers and the randomness of every new note.

These are the formulas of DESIGN.md ("Notes and keys"), the spec the note
circuits are tested against. Every hash is circomlib's Poseidon
(``zkopt.native.poseidon.hash``):

- public key        ``pk = Poseidon(sk)``                                                (t = 2)
- cash note         ``cm = Poseidon(CASH_TAG, amount, owner_pk, rho)``                   (t = 5)
- option note       ``cm = Poseidon(OPTION_TAG, asset, expiry, collateral, holder_pk,
                                    writer_pk, rho, leg_0, leg_1, leg_2, leg_3)``      (t = 12)
- packed leg        ``leg_i = quantity + 2^64 strike + 2^128 kind + 2^129 side``         (< 2^130)
- nullifier         ``nf = Poseidon(NULLIFIER_TAG, secret, cm)``                         (t = 4)
- output rho        ``rho_i = Poseidon(RHO_TAG, nf, i, secret)``                         (t = 5)
- deposit rho       ``rho = Poseidon(DEPOSIT_TAG, seed)``                                (t = 3)
- dummy rho         ``rho = Poseidon(DUMMY_TAG, nf_a)``                                  (t = 3)

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

**Option notes are positions.** An option note holds one position
(``Position``): an underlying, an expiry and up to ``MAX_LEGS`` = 4 legs
(``payoff.Leg``: kind, strike, quantity, side), with one collateral, written
by one writer to one holder. Unused slots hold the zero leg (``EMPTY_LEG``,
a short call of quantity 0 struck at 0), which packs to 0 and pays nothing. A
leg packs into one field element: with strike and quantity below 2^64 and
kind and side bits, the packing is below 2^130 and one-to-one, so the
eleven inputs of one Poseidon (t = 12) bind every term of the position;
both circuits that hash it range-check each part first. A one-leg position
is the single option of the earlier format (same payouts); its commitment
differs (tag ``zkopt/option/v2``).

Why the tags: every hash starts with a constant naming what it is, so a value
of one kind can never be reinterpreted as another of the same width. The tags
are the big-endian integers of short ASCII strings (12 to 18 bytes, far below
2^248 and therefore canonical field elements).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from zkopt.field import R, parse_decimal
from zkopt.native import payoff as _payoff
from zkopt.native import poseidon
from zkopt.native.payoff import Leg

#: Domain tag of cash note commitments: the ASCII bytes b"zkopt/cash/v1" read as a big-endian integer.
CASH_TAG = int.from_bytes(b"zkopt/cash/v1", "big")
#: Domain tag of option note commitments: b"zkopt/option/v2" (v2: a position of up to MAX_LEGS packed legs).
OPTION_TAG = int.from_bytes(b"zkopt/option/v2", "big")
#: Domain tag of nullifiers: b"zkopt/nullifier/v2" (v2: the nullifier binds the note's commitment).
NULLIFIER_TAG = int.from_bytes(b"zkopt/nullifier/v2", "big")
#: Domain tag of the rho of a spending transaction's outputs: b"zkopt/rho/v1".
RHO_TAG = int.from_bytes(b"zkopt/rho/v1", "big")
#: Domain tag of a deposit's rho: b"zkopt/deposit/v1".
DEPOSIT_TAG = int.from_bytes(b"zkopt/deposit/v1", "big")
#: Domain tag of the rho of a transfer's dummy second input, derived from the first input's nullifier.
DUMMY_TAG = int.from_bytes(b"zkopt/dummy/v1", "big")

#: Option kinds (a leg's ``kind``): cash-settled European call and put.
CALL = _payoff.CALL
PUT = _payoff.PUT
#: A leg's ``side``: the writer is SHORT the leg (pays it) or LONG it (it offsets the short legs).
SHORT = _payoff.SHORT
LONG = _payoff.LONG

#: Leg slots of an option note (the circuits' L); unused slots hold EMPTY_LEG.
MAX_LEGS = 4
#: The unused slot: packs to 0 and pays nothing at any price.
EMPTY_LEG = Leg(CALL, 0, 0, SHORT)
#: Where each part of a leg sits in its packed field element (quantity in bits 0..63).
STRIKE_SHIFT, KIND_SHIFT, SIDE_SHIFT = 64, 128, 129

#: Output positions (the ``i`` of the output rho): each transaction's new notes in public-input order.
OPEN_OPTION, OPEN_CHANGE = 0, 1
SETTLE_HOLDER, SETTLE_WRITER = 0, 1
WITHDRAW_CHANGE = 0
TRANSFER_OUTPUTS = (0, 1)


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


def pack_leg(leg: Leg) -> int:
    """One leg as one field element: quantity + 2^64 strike + 2^128 kind + 2^129 side (below 2^130, one-to-one)."""
    if not isinstance(leg, Leg):
        raise ValueError(f"expected a Leg, got {type(leg).__name__}")
    return leg.quantity + (leg.strike << STRIKE_SHIFT) + (leg.kind << KIND_SHIFT) + (leg.side << SIDE_SHIFT)


@dataclass(frozen=True)
class Position:
    """The terms of an option note: the underlying ``asset``, the ``expiry`` and up to MAX_LEGS legs.

    ``legs`` is padded with EMPTY_LEG to MAX_LEGS slots, so one position has
    one form (and one commitment). A position of zero legs only is valid and
    pays nothing (as a call of quantity 0 did).
    """

    asset: int
    expiry: int
    legs: tuple[Leg, ...]

    def __post_init__(self):
        _element(self.asset, "asset")
        _payoff.check_u64(self.expiry, "expiry")
        if isinstance(self.legs, (str, bytes)) or not isinstance(self.legs, Iterable):
            raise ValueError("legs must be a sequence of Leg")
        legs = tuple(self.legs)
        if len(legs) > MAX_LEGS:
            raise ValueError(f"a position has at most {MAX_LEGS} legs, got {len(legs)}")
        for i, leg in enumerate(legs):
            if not isinstance(leg, Leg):
                raise ValueError(f"leg {i} must be a Leg, got {type(leg).__name__}")
        object.__setattr__(self, "legs", legs + (EMPTY_LEG,) * (MAX_LEGS - len(legs)))

    @property
    def used_legs(self) -> tuple[Leg, ...]:
        """The slots that hold a leg (every slot but EMPTY_LEG), in slot order."""
        return tuple(leg for leg in self.legs if leg != EMPTY_LEG)


def option_commitment(position: Position, collateral: int, holder_pk: int, writer_pk: int, rho: int) -> int:
    """Commitment of an option note: Poseidon(OPTION_TAG, asset, expiry, collateral, holder_pk, writer_pk, rho, legs).

    One Poseidon of 11 inputs (t = 12): the position's four packed leg slots
    (``pack_leg``) come last. Collateral is < 2^64; keys and rho are field elements.
    """
    if not isinstance(position, Position):
        raise ValueError(f"expected a Position, got {type(position).__name__}")
    return poseidon.hash(
        OPTION_TAG,
        position.asset,
        position.expiry,
        _payoff.check_u64(collateral, "collateral"),
        _element(holder_pk, "holder_pk"),
        _element(writer_pk, "writer_pk"),
        _element(rho, "rho"),
        *(pack_leg(leg) for leg in position.legs),
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


def dummy_rho(nf_a: int) -> int:
    """The rho of a transfer's dummy second input: Poseidon(DUMMY_TAG, nf_a), fixed by the first input's spend."""
    return poseidon.hash(DUMMY_TAG, _element(nf_a, "nf_a"))


def _parse_flat(what: str, data: object, names: list[str]) -> dict[str, int]:
    """The canonical decimal values of exactly the keys ``names``; ValueError on a missing or unknown key."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must be a JSON object, got {type(data).__name__}")
    missing = [n for n in names if n not in data]
    if missing:
        raise ValueError(f"{what} is missing {missing[0]!r}")
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{what} has unknown key {unknown[0]!r}")
    return {n: parse_decimal(data[n], R, n) for n in names}


class _Note:
    """Shared JSON conversion: every field as a canonical decimal string."""

    def to_dict(self) -> dict[str, str]:
        """The note as a JSON-friendly dict of decimal strings, in field order."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: object):
        """Parse ``to_dict`` output; raises ValueError on a missing or unknown key or a non-canonical number."""
        return cls(**_parse_flat(cls.__name__, data, [f.name for f in fields(cls)]))


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


#: The JSON names of a leg slot's parts: ``kind[i]``, ``side[i]``, ``strike[i]``, ``quantity[i]``.
LEG_FIELDS = ("kind", "side", "strike", "quantity")


@dataclass(frozen=True)
class OptionNote(_Note):
    """An option note: a ``Position`` (asset, expiry, legs), the collateral locked, both parties' keys, and ``rho``.

    Its JSON form (``to_dict``) is flat, every value a decimal string:
    ``asset``, ``expiry``, then ``kind[i]``, ``side[i]``, ``strike[i]``,
    ``quantity[i]`` for each of the MAX_LEGS slots, then ``collateral``,
    ``holder_pk``, ``writer_pk``, ``rho``.
    """

    position: Position
    collateral: int
    holder_pk: int
    writer_pk: int
    rho: int

    def __post_init__(self):
        if not isinstance(self.position, Position):
            raise ValueError(f"position must be a Position, got {type(self.position).__name__}")
        _payoff.check_u64(self.collateral, "collateral")
        for name in ("holder_pk", "writer_pk", "rho"):
            _element(getattr(self, name), name)

    def to_dict(self) -> dict[str, str]:
        values = {"asset": self.position.asset, "expiry": self.position.expiry}
        for i, leg in enumerate(self.position.legs):
            values.update({f"{name}[{i}]": getattr(leg, name) for name in LEG_FIELDS})
        values.update(collateral=self.collateral, holder_pk=self.holder_pk, writer_pk=self.writer_pk, rho=self.rho)
        return {k: str(v) for k, v in values.items()}

    @classmethod
    def from_dict(cls, data: object) -> OptionNote:
        slots = [f"{name}[{i}]" for i in range(MAX_LEGS) for name in LEG_FIELDS]
        v = _parse_flat(cls.__name__, data, ["asset", "expiry", *slots, "collateral", "holder_pk", "writer_pk", "rho"])
        legs = [Leg(**{name: v[f"{name}[{i}]"] for name in LEG_FIELDS}) for i in range(MAX_LEGS)]
        return cls(Position(v["asset"], v["expiry"], tuple(legs)), v["collateral"], v["holder_pk"], v["writer_pk"], v["rho"])

    def commitment(self) -> int:
        return option_commitment(self.position, self.collateral, self.holder_pk, self.writer_pk, self.rho)

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
        paid = _payoff.payout(self.position.legs, self.collateral, price)
        return (
            CashNote(paid, self.holder_pk, self.output_rho(SETTLE_HOLDER)),
            CashNote(self.collateral - paid, self.writer_pk, self.output_rho(SETTLE_WRITER)),
        )


# --- the notes each transaction creates ---------------------------------------------------


def deposit_note(amount: int, owner_pk: int, seed: int) -> CashNote:
    """The cash note a deposit of ``amount`` to ``owner_pk`` creates with the depositor's random ``seed``."""
    return CashNote(amount, owner_pk, deposit_rho(seed))


def open_notes(
    spent: CashNote, sk: int, position: Position, *, collateral: int, holder_pk: int
) -> tuple[OptionNote, CashNote]:
    """The (option, change) an open creates when the writer spends ``spent`` with ``sk``.

    The writer is the spent note's owner; the option holds ``position`` and
    ``collateral``, the change the rest. ValueError when ``sk`` is not the
    owner's key or the collateral exceeds the spent amount.
    """
    if public_key(sk) != spent.owner_pk:
        raise ValueError("sk is not the spending key of the spent note's owner")
    if isinstance(collateral, bool) or not isinstance(collateral, int) or not 0 <= collateral <= spent.amount:
        raise ValueError("the collateral must be an int in [0, the spent note's amount]")
    nf = spent.nullifier(sk)
    option = OptionNote(position, collateral, holder_pk, spent.owner_pk, output_rho(nf, OPEN_OPTION, sk))
    change = CashNote(spent.amount - collateral, spent.owner_pk, output_rho(nf, OPEN_CHANGE, sk))
    return option, change


def withdraw_change(spent: CashNote, sk: int, amount: int) -> CashNote:
    """The change note a withdrawal of ``amount`` from ``spent`` creates: spent.amount - amount, same owner."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= spent.amount:
        raise ValueError("amount must be an int in [0, the spent note's amount]")
    return CashNote(spent.amount - amount, spent.owner_pk, spent.output_rho(sk, WITHDRAW_CHANGE))


def transfer_notes(
    spent_a: CashNote, spent_b: CashNote | None, sk: int, outputs: Iterable[tuple[int, int]]
) -> tuple[CashNote, list[CashNote]]:
    """The (second input, [output a, output b]) of a transfer spending ``spent_a`` and ``spent_b`` with ``sk``.

    ``spent_b`` None means a dummy: a 0-value note of the same owner with
    ``dummy_rho(nf_a)``, which needs no membership. ``outputs`` are two
    (amount, owner_pk) pairs; output i takes ``output_rho(nf_a, i, sk)``.
    ValueError when ``sk`` does not own both inputs, the inputs are one note,
    or the outputs' amounts do not add up to the inputs'.
    """
    nf_a = spent_a.nullifier(sk)
    second = spent_b if spent_b is not None else CashNote(0, spent_a.owner_pk, dummy_rho(nf_a))
    if second.nullifier(sk) == nf_a:
        raise ValueError("a transfer cannot spend the same note twice")
    pairs = list(outputs)
    if len(pairs) != len(TRANSFER_OUTPUTS):
        raise ValueError(f"a transfer has {len(TRANSFER_OUTPUTS)} outputs, got {len(pairs)}")
    made = [CashNote(amount, owner, output_rho(nf_a, i, sk)) for i, (amount, owner) in zip(TRANSFER_OUTPUTS, pairs)]
    if sum(note.amount for note in made) != spent_a.amount + second.amount:
        raise ValueError("the outputs of a transfer must add up to its inputs")
    return second, made
