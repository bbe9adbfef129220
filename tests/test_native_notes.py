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
    NULLIFIER_TAG,
    OPTION_TAG,
    PUT,
    RHO_TAG,
    CashNote,
    OptionNote,
    cash_commitment,
    cash_nullifier,
    deposit_note,
    deposit_rho,
    open_notes,
    option_commitment,
    option_nullifier,
    output_rho,
    public_key,
    withdraw_change,
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


TAGS = {
    CASH_TAG: b"zkopt/cash/v1",
    OPTION_TAG: b"zkopt/option/v1",
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


def test_nullifier_binds_the_commitment_and_the_secret(rng):
    """Two different notes never share a nullifier, even with the same rho (the shared-nullifier attack)."""
    real = _option(rng)
    dummy = _option(rng, rho=real.rho, quantity=0, collateral=0)
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
        (lambda: option_commitment(1, 2, 1, 1, 1, 1, 1, 1, 1), "kind must be CALL"),
        (lambda: option_commitment(1, 0, 2**64, 1, 1, 1, 1, 1, 1), "strike is out of range"),
        (lambda: option_commitment(1, 0, 1, 2**64, 1, 1, 1, 1, 1), "quantity is out of range"),
        (lambda: option_commitment(1, 0, 1, 1, 2**64, 1, 1, 1, 1), "expiry is out of range"),
        (lambda: option_commitment(1, 0, 1, 1, 1, 2**64, 1, 1, 1), "collateral is out of range"),
        (lambda: option_commitment(R, 0, 1, 1, 1, 1, 1, 1, 1), "asset is not a field element"),
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
    note = _option(rng, kind=PUT)
    assert note.commitment() == option_commitment(*_ints(note).values())
    assert note.nullifier() == option_nullifier(note.rho, note.commitment())
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
    terms = dict(
        asset=rng.randrange(R), kind=CALL, strike=100_000_000, quantity=1_500_000, expiry=1_767_225_600,
        collateral=60_000_000, holder_pk=public_key(rng.randrange(R)),
    )
    terms.update(changes)
    return terms


def test_deposit_note_takes_its_rho_from_the_seed(rng):
    seed = rng.randrange(R)
    note = deposit_note(5, 7, seed)
    assert note == CashNote(5, 7, poseidon.hash(DEPOSIT_TAG, seed))
    assert deposit_note(5, 7, (seed + 1) % R) != note


def test_open_notes_derive_both_rhos_from_the_spent_nullifier(rng):
    sk = rng.randrange(R)
    spent = CashNote(100_000_000, public_key(sk), rng.randrange(R))
    option, change = open_notes(spent, sk, **_terms(rng))
    nf = spent.nullifier(sk)
    assert option.rho == poseidon.hash(RHO_TAG, nf, 0, sk)
    assert change == CashNote(40_000_000, spent.owner_pk, poseidon.hash(RHO_TAG, nf, 1, sk))
    assert option.writer_pk == spent.owner_pk and option.collateral == 60_000_000
    # The same terms from another spent note give other notes: nothing repeats across spends.
    other = CashNote(100_000_000, public_key(sk), rng.randrange(R))
    option2, change2 = open_notes(other, sk, **_terms(rng, holder_pk=option.holder_pk, asset=option.asset))
    assert option2.rho != option.rho and change2.rho != change.rho
    # Negative twins: another key, a collateral above the note.
    with pytest.raises(ValueError, match="not the spending key"):
        open_notes(spent, (sk + 1) % R, **_terms(rng))
    with pytest.raises(ValueError, match="collateral must be"):
        open_notes(spent, sk, **_terms(rng, collateral=100_000_001))


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
