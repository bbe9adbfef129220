"""Tests for zkopt.native.notes: the formulas of DESIGN.md, tags, validation, JSON round trips.

The expected values are recomputed here from ``poseidon.hash`` with the
formula written out, so a changed layout (input order, tag, width) fails.
"""

from __future__ import annotations

import json

import pytest

from zkopt.field import R
from zkopt.native import notes, poseidon
from zkopt.native.notes import (
    CALL,
    CASH_TAG,
    NULLIFIER_TAG,
    OPTION_TAG,
    PUT,
    CashNote,
    OptionNote,
    cash_commitment,
    cash_nullifier,
    option_commitment,
    option_nullifier,
    public_key,
    settlement_rhos,
)

U64_MAX = 2**64 - 1


def _option(rng, **changes) -> OptionNote:
    fields = dict(
        asset=rng.randrange(R),
        kind=CALL,
        strike=100_000_000,
        quantity=1_500_000,
        expiry=1_767_225_600,
        collateral=60_000_000,
        holder_pk=public_key(rng.randrange(R)),
        writer_pk=public_key(rng.randrange(R)),
        rho=rng.randrange(R),
    )
    fields.update(changes)
    return OptionNote(**fields)


def test_tags_are_the_ascii_strings_and_distinct():
    assert CASH_TAG.to_bytes(13, "big") == b"zkopt/cash/v1"
    assert OPTION_TAG.to_bytes(15, "big") == b"zkopt/option/v1"
    assert NULLIFIER_TAG.to_bytes(18, "big") == b"zkopt/nullifier/v1"
    assert len({CASH_TAG, OPTION_TAG, NULLIFIER_TAG}) == 3
    assert all(tag < 2**248 for tag in (CASH_TAG, OPTION_TAG, NULLIFIER_TAG))
    assert (CALL, PUT) == (0, 1)


def test_formulas_match_design(rng):
    sk, rho = rng.randrange(R), rng.randrange(R)
    pk = public_key(sk)
    assert pk == poseidon.hash(sk)
    assert cash_commitment(5, pk, rho) == poseidon.hash(CASH_TAG, 5, pk, rho)
    assert cash_nullifier(rho, sk) == poseidon.hash(NULLIFIER_TAG, rho, sk)
    assert option_nullifier(rho) == poseidon.hash(NULLIFIER_TAG, rho)
    assert settlement_rhos(rho) == (poseidon.hash(rho, 1), poseidon.hash(rho, 2))
    args = (7, PUT, 1, 2, 3, 4, pk, 9, rho)
    assert option_commitment(*args) == poseidon.hash(OPTION_TAG, *args)


def test_edge_values_are_accepted(rng):
    top = R - 1
    assert public_key(0) == poseidon.hash(0)
    assert cash_commitment(U64_MAX, top, top) == poseidon.hash(CASH_TAG, U64_MAX, top, top)
    assert cash_commitment(0, 0, 0) == poseidon.hash(CASH_TAG, 0, 0, 0)
    option_commitment(top, CALL, U64_MAX, U64_MAX, U64_MAX, U64_MAX, top, top, top)


def test_every_field_changes_the_commitment(rng):
    base = _ints(_option(rng))
    seen = {OptionNote(**base).commitment()}
    for name in ("asset", "strike", "quantity", "expiry", "collateral", "holder_pk", "writer_pk", "rho"):
        seen.add(OptionNote(**{**base, name: (base[name] + 1) % R}).commitment())
    seen.add(OptionNote(**{**base, "kind": PUT}).commitment())
    assert len(seen) == 10


def _ints(note) -> dict[str, int]:
    return {k: int(v) for k, v in note.to_dict().items()}


def test_cash_and_option_nullifiers_differ_for_the_same_rho(rng):
    rho, sk = rng.randrange(R), rng.randrange(R)
    # Different widths (t = 4 and t = 3) use different Poseidon constants.
    assert cash_nullifier(rho, sk) != option_nullifier(rho)
    assert cash_nullifier(rho, sk) != cash_nullifier(rho, (sk + 1) % R)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cash_commitment(2**64, 1, 1), "amount is out of range"),
        (lambda: cash_commitment(-1, 1, 1), "amount is out of range"),
        (lambda: cash_commitment(1, R, 1), "owner_pk is not a field element"),
        (lambda: cash_commitment(1, 1, True), "rho must be an int"),
        (lambda: public_key(R), "sk is not a field element"),
        (lambda: public_key("1"), "sk must be an int"),
        (lambda: option_commitment(1, 2, 1, 1, 1, 1, 1, 1, 1), "kind must be CALL"),
        (lambda: option_commitment(1, 0, 2**64, 1, 1, 1, 1, 1, 1), "strike is out of range"),
        (lambda: option_commitment(1, 0, 1, 2**64, 1, 1, 1, 1, 1), "quantity is out of range"),
        (lambda: option_commitment(1, 0, 1, 1, 2**64, 1, 1, 1, 1), "expiry is out of range"),
        (lambda: option_commitment(1, 0, 1, 1, 1, 2**64, 1, 1, 1), "collateral is out of range"),
        (lambda: option_commitment(R, 0, 1, 1, 1, 1, 1, 1, 1), "asset is not a field element"),
        (lambda: cash_nullifier(R, 1), "rho is not a field element"),
        (lambda: option_nullifier(-1), "rho is not a field element"),
        (lambda: settlement_rhos(R), "rho is not a field element"),
        (lambda: CashNote(2**64, 1, 1), "amount is out of range"),
    ],
)
def test_out_of_range_fields_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_cash_note_commitment_nullifier_and_json(rng):
    sk = rng.randrange(R)
    note = CashNote(amount=12_500_000, owner_pk=public_key(sk), rho=rng.randrange(R))
    assert note.commitment() == cash_commitment(note.amount, note.owner_pk, note.rho)
    assert note.nullifier(sk) == cash_nullifier(note.rho, sk)
    # Negative twin: somebody else's key cannot produce the nullifier.
    with pytest.raises(ValueError, match="not the spending key"):
        note.nullifier((sk + 1) % R)
    data = json.loads(json.dumps(note.to_dict()))
    assert data == {"amount": "12500000", "owner_pk": str(note.owner_pk), "rho": str(note.rho)}
    assert CashNote.from_dict(data) == note


def test_option_note_commitment_nullifier_and_json(rng):
    note = _option(rng, kind=PUT)
    assert note.commitment() == option_commitment(*_ints(note).values())
    assert note.nullifier() == option_nullifier(note.rho)
    data = json.loads(json.dumps(note.to_dict()))
    assert all(isinstance(v, str) for v in data.values())
    assert list(data) == [
        "asset", "kind", "strike", "quantity", "expiry", "collateral", "holder_pk", "writer_pk", "rho"
    ]
    assert OptionNote.from_dict(data) == note


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("rho"), "missing 'rho'"),
        (lambda d: d.update(extra="1"), "unknown key 'extra'"),
        (lambda d: d.update(amount=12), "must be a decimal string"),
        (lambda d: d.update(amount="012"), "not a canonical decimal"),
        (lambda d: d.update(amount="-1"), "not a canonical decimal"),
        (lambda d: d.update(amount=str(2**64)), "amount is out of range"),
        (lambda d: d.update(rho=str(R)), "rho is out of range"),
    ],
)
def test_cash_note_from_dict_rejects_malformed(change, message):
    data = CashNote(1, 2, 3).to_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        CashNote.from_dict(data)


def test_option_from_dict_rejects_bad_kind_and_non_object(rng):
    data = _option(rng).to_dict()
    data["kind"] = "2"
    with pytest.raises(ValueError, match="kind must be CALL"):
        OptionNote.from_dict(data)
    with pytest.raises(ValueError, match="must be a JSON object"):
        OptionNote.from_dict([1, 2])


def test_settlement_notes_go_to_both_parties_with_derived_rhos(rng):
    holder_sk, writer_sk = rng.randrange(R), rng.randrange(R)
    note = _option(
        rng,
        kind=CALL,
        strike=100_000_000,
        quantity=2_000_000,
        collateral=50_000_000,
        holder_pk=public_key(holder_sk),
        writer_pk=public_key(writer_sk),
    )
    holder, writer = note.settlement_notes(110_000_000)  # intrinsic 10, quantity 2: payout 20
    rho_h, rho_w = settlement_rhos(note.rho)
    assert holder == CashNote(20_000_000, note.holder_pk, rho_h)
    assert writer == CashNote(30_000_000, note.writer_pk, rho_w)
    assert holder.amount + writer.amount == note.collateral
    assert rho_h != rho_w
    # Each party can spend only its own output.
    holder.nullifier(holder_sk)
    with pytest.raises(ValueError, match="not the spending key"):
        holder.nullifier(writer_sk)
    # Far in the money the payout is capped by the collateral.
    capped, rest = note.settlement_notes(1_000_000_000)
    assert (capped.amount, rest.amount) == (50_000_000, 0)


def test_module_exports_constants():
    assert notes.U64_BOUND == 2**64
    assert (notes.HOLDER_RHO_INDEX, notes.WRITER_RHO_INDEX) == (1, 2)
