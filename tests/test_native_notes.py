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
    DEPOSIT_TAG,
    EMPTY_LEG,
    LONG,
    MAX_LEGS,
    NULLIFIER_TAG,
    OPTION_TAG,
    PUT,
    RHO_TAG,
    SHORT,
    CashNote,
    Leg,
    OptionNote,
    Position,
    cash_commitment,
    cash_nullifier,
    deposit_note,
    deposit_rho,
    open_notes,
    option_commitment,
    option_nullifier,
    output_rho,
    pack_leg,
    public_key,
    withdraw_change,
)

U64_MAX = 2**64 - 1


def _option(rng, legs=(Leg(CALL, 100_000_000, 1_500_000),), **changes) -> OptionNote:
    fields = dict(
        collateral=60_000_000,
        holder_pk=public_key(rng.randrange(R)),
        writer_pk=public_key(rng.randrange(R)),
        rho=rng.randrange(R),
    )
    fields.update(changes)
    return OptionNote(Position(rng.randrange(R), 1_767_225_600, legs), **fields)


def _packed(kind, side, strike, quantity) -> int:
    """The packing written out: quantity in bits 0..63, strike in 64..127, kind at 128, side at 129."""
    return quantity + strike * 2**64 + kind * 2**128 + side * 2**129


TAGS = {
    CASH_TAG: b"zkopt/cash/v1",
    OPTION_TAG: b"zkopt/option/v2",
    NULLIFIER_TAG: b"zkopt/nullifier/v2",
    RHO_TAG: b"zkopt/rho/v1",
    DEPOSIT_TAG: b"zkopt/deposit/v1",
}


def test_tags_are_the_ascii_strings_and_distinct():
    for tag, text in TAGS.items():
        assert tag.to_bytes(len(text), "big") == text
        assert tag < 2**248
    assert len(TAGS) == 5
    assert (CALL, PUT) == (0, 1)


def test_formulas_match_design(rng):
    sk, rho, cm, nf, seed = (rng.randrange(R) for _ in range(5))
    pk = public_key(sk)
    assert pk == poseidon.hash(sk)
    assert cash_commitment(5, pk, rho) == poseidon.hash(CASH_TAG, 5, pk, rho)
    assert cash_nullifier(sk, cm) == poseidon.hash(NULLIFIER_TAG, sk, cm)
    assert option_nullifier(rho, cm) == poseidon.hash(NULLIFIER_TAG, rho, cm)
    assert output_rho(nf, 1, sk) == poseidon.hash(RHO_TAG, nf, 1, sk)
    assert deposit_rho(seed) == poseidon.hash(DEPOSIT_TAG, seed)
    position = Position(7, 3, (Leg(PUT, 1, 2), Leg(CALL, 5, 6, LONG)))
    legs = (_packed(PUT, SHORT, 1, 2), _packed(CALL, LONG, 5, 6), 0, 0)
    assert option_commitment(position, 4, pk, 9, rho) == poseidon.hash(OPTION_TAG, 7, 3, 4, pk, 9, rho, *legs)


def test_edge_values_are_accepted(rng):
    top = R - 1
    assert public_key(0) == poseidon.hash(0)
    assert cash_commitment(U64_MAX, top, top) == poseidon.hash(CASH_TAG, U64_MAX, top, top)
    assert cash_commitment(0, 0, 0) == poseidon.hash(CASH_TAG, 0, 0, 0)
    widest = Position(top, U64_MAX, (Leg(PUT, U64_MAX, U64_MAX, LONG),) * MAX_LEGS)
    assert pack_leg(widest.legs[0]) == 2**130 - 1
    option_commitment(widest, U64_MAX, top, top, top)


def test_every_field_changes_the_commitment(rng):
    base = _option(rng).to_dict()
    seen = {OptionNote.from_dict(base).commitment()}
    for name, value in base.items():
        changed = 1 - int(value) if name.startswith(("kind[", "side[")) else (int(value) + 1) % R
        seen.add(OptionNote.from_dict({**base, name: str(changed)}).commitment())
    assert len(seen) == len(base) + 1 == 2 + 4 * MAX_LEGS + 4 + 1


def test_the_packing_is_one_to_one_on_valid_legs():
    edges = [Leg(k, s, q, d) for k in (CALL, PUT) for d in (SHORT, LONG) for s in (0, 1, U64_MAX) for q in (0, 1, U64_MAX)]
    packed = [pack_leg(leg) for leg in edges]
    assert len(set(packed)) == len(edges) and max(packed) < 2**130
    assert pack_leg(EMPTY_LEG) == 0
    assert [pack_leg(leg) for leg in edges[:3]] == [_packed(leg.kind, leg.side, leg.strike, leg.quantity) for leg in edges[:3]]


def test_a_position_has_one_form():
    leg = Leg(CALL, 1, 2)
    assert Position(1, 2, [leg]) == Position(1, 2, (leg, EMPTY_LEG)) == Position(1, 2, (leg,) + (EMPTY_LEG,) * 3)
    assert Position(1, 2, [leg]).legs == (leg, EMPTY_LEG, EMPTY_LEG, EMPTY_LEG)
    assert Position(1, 2, [EMPTY_LEG, leg]).used_legs == (leg,)
    assert Position(1, 2, (leg, EMPTY_LEG)) != Position(1, 2, (EMPTY_LEG, leg))  # the slot is part of the note
    assert Position(1, 2, ()).used_legs == ()  # no leg: valid, pays nothing


def test_nullifier_binds_the_commitment_and_the_secret(rng):
    """Two different notes never share a nullifier, even with the same rho (the shared-nullifier attack)."""
    real = _option(rng)
    dummy = _option(rng, legs=(Leg(CALL, 100_000_000, 0),), rho=real.rho, collateral=0)
    assert real.rho == dummy.rho and real.commitment() != dummy.commitment()
    assert real.nullifier() != dummy.nullifier()
    sk, cm = rng.randrange(R), rng.randrange(R)
    assert cash_nullifier(sk, cm) != cash_nullifier((sk + 1) % R, cm)
    assert cash_nullifier(sk, cm) != cash_nullifier(sk, (cm + 1) % R)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cash_commitment(2**64, 1, 1), "amount is out of range"),
        (lambda: cash_commitment(-1, 1, 1), "amount is out of range"),
        (lambda: cash_commitment(1, R, 1), "owner_pk is not a field element"),
        (lambda: cash_commitment(1, 1, True), "rho must be an int"),
        (lambda: public_key(R), "sk is not a field element"),
        (lambda: public_key("1"), "sk must be an int"),
        (lambda: Leg(2, 1, 1), "kind must be CALL"),
        (lambda: Leg(CALL, 2**64, 1), "strike is out of range"),
        (lambda: Leg(CALL, 1, 2**64), "quantity is out of range"),
        (lambda: Leg(CALL, 1, 1, 2), "side must be SHORT"),
        (lambda: Position(1, 2**64, [Leg(CALL, 1, 1)]), "expiry is out of range"),
        (lambda: Position(R, 1, [Leg(CALL, 1, 1)]), "asset is not a field element"),
        (lambda: Position(1, 1, [Leg(CALL, 1, 1)] * 5), "at most 4 legs"),
        (lambda: Position(1, 1, [(CALL, 1, 1)]), "leg 0 must be a Leg"),
        (lambda: Position(1, 1, "legs"), "sequence of Leg"),
        (lambda: option_commitment(Position(1, 1, ()), 2**64, 1, 1, 1), "collateral is out of range"),
        (lambda: option_commitment((1, 1), 1, 1, 1, 1), "expected a Position"),
        (lambda: OptionNote((1, 1), 1, 1, 1, 1), "position must be a Position"),
        (lambda: pack_leg((CALL, 1, 1)), "expected a Leg"),
        (lambda: cash_nullifier(R, 1), "sk is not a field element"),
        (lambda: cash_nullifier(1, R), "cm is not a field element"),
        (lambda: option_nullifier(-1, 1), "rho is not a field element"),
        (lambda: output_rho(R, 0, 1), "nf is not a field element"),
        (lambda: output_rho(1, 0, R), "secret is not a field element"),
        (lambda: output_rho(1, -1, 1), "output index must be"),
        (lambda: output_rho(1, True, 1), "output index must be"),
        (lambda: deposit_rho(R), "seed is not a field element"),
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
    assert note.nullifier(sk) == cash_nullifier(sk, note.commitment())
    # Negative twin: somebody else's key cannot produce the nullifier.
    with pytest.raises(ValueError, match="not the spending key"):
        note.nullifier((sk + 1) % R)
    data = json.loads(json.dumps(note.to_dict()))
    assert data == {"amount": "12500000", "owner_pk": str(note.owner_pk), "rho": str(note.rho)}
    assert CashNote.from_dict(data) == note


def test_option_note_commitment_nullifier_and_json(rng):
    note = _option(rng, legs=(Leg(PUT, 100_000_000, 1_500_000), Leg(CALL, 120_000_000, 1, LONG)))
    assert note.commitment() == option_commitment(note.position, note.collateral, note.holder_pk, note.writer_pk, note.rho)
    assert note.nullifier() == option_nullifier(note.rho, note.commitment())
    data = json.loads(json.dumps(note.to_dict()))
    assert all(isinstance(v, str) for v in data.values())
    slots = [f"{name}[{i}]" for i in range(MAX_LEGS) for name in ("kind", "side", "strike", "quantity")]
    assert list(data) == ["asset", "expiry", *slots, "collateral", "holder_pk", "writer_pk", "rho"]
    assert (data["kind[0]"], data["side[1]"], data["strike[1]"], data["quantity[3]"]) == ("1", "1", "120000000", "0")
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


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update({"kind[0]": "2"}), "kind must be CALL"),
        (lambda d: d.update({"side[3]": "2"}), "side must be SHORT"),
        (lambda d: d.update({"strike[2]": str(2**64)}), "strike is out of range"),
        (lambda d: d.pop("quantity[3]"), r"missing 'quantity\[3\]'"),
        (lambda d: d.update({"kind[4]": "0"}), r"unknown key 'kind\[4\]'"),
        (lambda d: d.update(kind="0"), "unknown key 'kind'"),
        (lambda d: d.update(expiry=str(2**64)), "expiry is out of range"),
    ],
)
def test_option_from_dict_rejects_malformed(rng, change, message):
    data = _option(rng).to_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        OptionNote.from_dict(data)


def test_option_from_dict_rejects_a_non_object():
    with pytest.raises(ValueError, match="must be a JSON object"):
        OptionNote.from_dict([1, 2])


def test_settlement_notes_go_to_both_parties_with_derived_rhos(rng):
    holder_sk, writer_sk = rng.randrange(R), rng.randrange(R)
    note = _option(
        rng,
        legs=(Leg(CALL, 100_000_000, 2_000_000),),
        collateral=50_000_000,
        holder_pk=public_key(holder_sk),
        writer_pk=public_key(writer_sk),
    )
    holder, writer = note.settlement_notes(110_000_000)  # intrinsic 10, quantity 2: payout 20
    nf = note.nullifier()
    rho_h, rho_w = output_rho(nf, 0, note.rho), output_rho(nf, 1, note.rho)
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
    assert (notes.OPEN_OPTION, notes.OPEN_CHANGE) == (0, 1)
    assert (notes.SETTLE_HOLDER, notes.SETTLE_WRITER) == (0, 1)
    assert notes.WITHDRAW_CHANGE == 0


# --- the notes each transaction creates ---------------------------------------------------


def _terms(rng, **changes):
    terms = dict(collateral=60_000_000, holder_pk=public_key(rng.randrange(R)))
    terms.update(changes)
    return terms


def _position(rng):
    return Position(rng.randrange(R), 1_767_225_600, (Leg(CALL, 100_000_000, 1_500_000),))


def test_deposit_note_takes_its_rho_from_the_seed(rng):
    seed = rng.randrange(R)
    note = deposit_note(5, 7, seed)
    assert note == CashNote(5, 7, poseidon.hash(DEPOSIT_TAG, seed))
    assert deposit_note(5, 7, (seed + 1) % R) != note


def test_open_notes_derive_both_rhos_from_the_spent_nullifier(rng):
    sk = rng.randrange(R)
    spent = CashNote(100_000_000, public_key(sk), rng.randrange(R))
    option, change = open_notes(spent, sk, _position(rng), **_terms(rng))
    nf = spent.nullifier(sk)
    assert option.rho == poseidon.hash(RHO_TAG, nf, 0, sk)
    assert change == CashNote(40_000_000, spent.owner_pk, poseidon.hash(RHO_TAG, nf, 1, sk))
    assert option.writer_pk == spent.owner_pk and option.collateral == 60_000_000
    # The same terms from another spent note give other notes: nothing repeats across spends.
    other = CashNote(100_000_000, public_key(sk), rng.randrange(R))
    option2, change2 = open_notes(other, sk, option.position, **_terms(rng, holder_pk=option.holder_pk))
    assert option2.rho != option.rho and change2.rho != change.rho
    # Negative twins: another key, a collateral above the note.
    with pytest.raises(ValueError, match="not the spending key"):
        open_notes(spent, (sk + 1) % R, _position(rng), **_terms(rng))
    with pytest.raises(ValueError, match="collateral must be"):
        open_notes(spent, sk, _position(rng), **_terms(rng, collateral=100_000_001))


def test_withdraw_change_is_bound_to_the_spend(rng):
    sk = rng.randrange(R)
    spent = CashNote(100, public_key(sk), rng.randrange(R))
    change = withdraw_change(spent, sk, 30)
    assert change == CashNote(70, spent.owner_pk, output_rho(spent.nullifier(sk), 0, sk))
    with pytest.raises(ValueError, match="amount must be"):
        withdraw_change(spent, sk, 101)
    with pytest.raises(ValueError, match="not the spending key"):
        withdraw_change(spent, (sk + 1) % R, 30)


def test_an_observer_without_the_secret_cannot_derive_outputs(rng):
    """The outputs' rho needs the spend secret: nf and the index alone (public) do not give it."""
    sk = rng.randrange(R)
    spent = CashNote(100, public_key(sk), rng.randrange(R))
    nf = spent.nullifier(sk)
    change = withdraw_change(spent, sk, 30)
    assert change.rho not in {poseidon.hash(RHO_TAG, nf, 0, s) for s in (0, 1, spent.rho, spent.owner_pk)}
