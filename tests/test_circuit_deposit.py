"""The deposit circuit: native first, lint, mutation sweep, and the amounts that must fail."""

from __future__ import annotations

import pytest

from tests.circuit_fixtures import U64, failing, solve
from tests.soundness import assert_rejected, assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.circuits import deposit
from zkopt.circuits.deposit import Deposit
from zkopt.field import R
from zkopt.native import poseidon
from zkopt.native.notes import CASH_TAG, CashNote, cash_commitment, deposit_note, deposit_rho, public_key
from zkopt.r1cs.lint import lint

SEED = 0x5EED


@pytest.fixture
def note(rng):
    return deposit_note(250_000_000, public_key(rng.randrange(R)), SEED)


@pytest.mark.parametrize("amount", [0, 1, 250_000_000, U64 - 1])
def test_honest_deposit_is_accepted_and_public_values_are_native(rng, amount):
    seed = rng.randrange(R)
    note = deposit_note(amount, public_key(rng.randrange(R)), seed)
    w = solve("deposit", deposit.inputs(note, seed))
    assert_satisfied(w)
    assert w.public == [amount, cash_commitment(amount, note.owner_pk, deposit_rho(seed))]
    assert w.r1cs.public_names == list(deposit.PUBLIC) == ["amount", "cm_out"]


def test_lint_is_clean_and_sweep_rejects_every_single_change(note):
    assert lint(r1cs.compile(Deposit())) == []
    mutation_sweep(solve("deposit", deposit.inputs(note, SEED)))  # no free entries: every private variable is pinned


@pytest.mark.parametrize("amount", [U64, U64 + 5, R - 1])
def test_amount_of_2_64_or_more_is_rejected_at_its_range_check(note, amount):
    # The commitment is made to the out-of-range amount, so only the range check objects.
    inputs = {**deposit.inputs(note, SEED), "amount": str(amount)}
    inputs["cm_out"] = str(poseidon.hash(CASH_TAG, amount, note.owner_pk, note.rho))
    assert failing(solve("deposit", inputs)) == ["deposit/amount/range/sum"]


def test_claimed_amount_other_than_the_note_is_rejected_at_the_commitment(note):
    inputs = {**deposit.inputs(note, SEED), "amount": str(note.amount + 1)}
    assert failing(solve("deposit", inputs)) == ["deposit/cm_out/equal"]


def test_changed_key_seed_or_rho_is_rejected(note):
    w = solve("deposit", deposit.inputs(note, SEED))
    assert_rejected(w, "owner_pk", note.owner_pk + 1, label="deposit/cm_out")
    assert_rejected(w, "seed", SEED + 1, label="deposit/rho")


def test_a_deposit_cannot_take_a_chosen_rho(rng):
    """The squatting attack: a deposit of a note whose rho is not in the deposit domain has no witness.

    The attacker knows the target note's opening (a 0 note with a rho a spend derives) and feeds its rho
    in where the circuit takes randomness, the seed: the circuit hashes it, so the commitment differs.
    Overwriting the derived rho's variables instead is what the mutation sweep rejects.
    """
    target = CashNote(0, public_key(rng.randrange(R)), rng.randrange(R))
    inputs = {"amount": "0", "cm_out": str(target.commitment()), "owner_pk": str(target.owner_pk), "seed": str(target.rho)}
    assert failing(solve("deposit", inputs)) == ["deposit/cm_out/equal"]


def test_inputs_takes_a_deposit_note():
    with pytest.raises(TypeError, match="CashNote"):
        deposit.inputs({"amount": 1}, SEED)
    with pytest.raises(ValueError, match="deposit rho"):
        deposit.inputs(CashNote(1, 2, 3), SEED)
