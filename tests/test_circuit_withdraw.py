"""The withdraw circuit at depth 4: native first, lint, mutation sweep, and the spends that must fail.

That a proof cannot be redirected to another recipient is a property of the
proof, not of the constraints: tests/test_circuit_groth16.py checks it.
"""

from __future__ import annotations

import pytest

from tests.circuit_fixtures import DEPTH, SCALE, U64, World, failing, raw_cash_commitment, solve, with_list_item
from tests.soundness import assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.circuits import withdraw
from zkopt.circuits.withdraw import Withdraw
from zkopt.field import R
from zkopt.errors import MalformedInput
from zkopt.native.notes import WITHDRAW_CHANGE, CashNote, cash_nullifier, output_rho, public_key, withdraw_change
from zkopt.r1cs.lint import lint

RECIPIENT = int.from_bytes(b"acct:alice", "big")


@pytest.fixture
def world(rng):
    return World(rng)


def _inputs(world, amount, recipient=RECIPIENT):
    return withdraw.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), amount, recipient)


def _rho(world):
    """The change's rho: derived from the spent nullifier and the owner's key."""
    return output_rho(world.cash.nullifier(world.writer_sk), WITHDRAW_CHANGE, world.writer_sk)


def _solve(inputs):
    return solve("withdraw", inputs, depth=DEPTH)


@pytest.mark.parametrize("amount", [0, 1, 250 * SCALE, 1_000 * SCALE])
def test_honest_withdrawal_matches_native(world, amount):
    w = _solve(_inputs(world, amount))
    assert_satisfied(w)
    change = CashNote(world.cash.amount - amount, world.writer_pk, _rho(world))
    assert w.public == [
        world.tree.root, world.cash.nullifier(world.writer_sk), amount, RECIPIENT, change.commitment(),
    ]
    assert withdraw_change(world.cash, world.writer_sk, amount) == change


def test_public_names_are_the_ledger_names():
    assert r1cs.compile(Withdraw(depth=DEPTH)).public_names == list(withdraw.PUBLIC) == [
        "root", "nf_in", "amount", "recipient", "cm_change",
    ]


@pytest.mark.parametrize("depth", [DEPTH, 20])
def test_lint_is_clean_and_the_recipient_is_in_a_constraint(depth):
    shape = r1cs.compile(Withdraw(depth=depth))
    assert lint(shape) == []
    row = shape.labels.index("withdraw/recipient/bind")
    recipient = shape.public_names.index("recipient") + 1
    assert [index for index, _ in shape.a[row]] == [recipient] and shape.b[row] == shape.c[row] == []


def test_any_recipient_satisfies_the_constraints(world):
    # The R1CS cannot prefer one recipient; binding comes from the proof (see the module docstring).
    for recipient in (0, 1, R - 1):
        assert_satisfied(_solve(_inputs(world, SCALE, recipient)))


def test_mutation_sweep(world):
    mutation_sweep(_solve(_inputs(world, 250 * SCALE)))  # every private variable, none free


def test_amount_above_the_note_is_rejected_at_the_change(world):
    inputs = _inputs(world, world.cash.amount)
    change = raw_cash_commitment(-1, world.writer_pk, _rho(world))
    inputs.update(amount=str(world.cash.amount + 1), cm_change=str(change))
    assert failing(_solve(inputs)) == ["withdraw/change/range/sum"]


@pytest.mark.parametrize("amount", [U64, R - 1])
def test_amount_of_2_64_or_more_is_rejected(world, amount):
    inputs = _inputs(world, 0)
    change = raw_cash_commitment(world.cash.amount - amount, world.writer_pk, _rho(world))
    inputs.update(amount=str(amount), cm_change=str(change))
    assert failing(_solve(inputs))[0] == "withdraw/amount/range/sum"


def test_change_that_does_not_add_up_is_rejected(world):
    inputs = _inputs(world, 250 * SCALE)
    more = CashNote(world.cash.amount - 250 * SCALE + 1, world.writer_pk, _rho(world))
    assert failing(_solve({**inputs, "cm_change": str(more.commitment())})) == ["withdraw/cm_change/equal"]
    # Change to another owner's key.
    other = CashNote(world.cash.amount - 250 * SCALE, world.holder_pk, _rho(world))
    assert failing(_solve({**inputs, "cm_change": str(other.commitment())})) == ["withdraw/cm_change/equal"]


def test_direction_bit_two_is_rejected_at_its_level(world):
    inputs = with_list_item(_inputs(world, SCALE), "directions", 0, 2)
    assert failing(_solve(inputs)) == ["withdraw/merkle/level_0/direction", "withdraw/merkle/root"]


def test_foreign_note_is_rejected_at_the_root(world, rng):
    # A note of the owner's key that is not in the tree, with its own nullifier and change.
    foreign = CashNote(world.cash.amount, world.writer_pk, rng.randrange(R))
    inputs = _inputs(world, SCALE)
    inputs.update(
        rho_in=str(foreign.rho), nf_in=str(foreign.nullifier(world.writer_sk)),
        cm_change=str(withdraw_change(foreign, world.writer_sk, SCALE).commitment()),
    )
    assert failing(_solve(inputs)) == ["withdraw/merkle/root"]


def test_second_nullifier_for_the_same_note_is_rejected(world, rng):
    inputs = _inputs(world, SCALE)
    other = cash_nullifier(rng.randrange(R), world.cash.commitment())
    # The change derives its rho from the public nf_in, so it follows the false one and fails too.
    assert failing(_solve({**inputs, "nf_in": str(other)})) == ["withdraw/nf_in/equal", "withdraw/cm_change/equal"]
    # A spend under another key (its own nullifier and change) is not the owner's note.
    sk2 = rng.randrange(R)
    as_sk2 = CashNote(world.cash.amount, public_key(sk2), world.cash.rho)
    forged = {
        **inputs, "sk": str(sk2), "nf_in": str(as_sk2.nullifier(sk2)),
        "cm_change": str(withdraw_change(as_sk2, sk2, SCALE).commitment()),
    }
    assert failing(_solve(forged)) == ["withdraw/merkle/root"]


def test_a_change_with_a_chosen_rho_has_no_witness(world, rng):
    inputs = _inputs(world, SCALE)
    chosen = CashNote(world.cash.amount - SCALE, world.writer_pk, rng.randrange(R))
    assert failing(_solve({**inputs, "cm_change": str(chosen.commitment())})) == ["withdraw/cm_change/equal"]
    with pytest.raises(MalformedInput, match="unknown input 'rho_change'"):
        _solve({**inputs, "rho_change": "1"})


def test_inputs_helper_refuses_what_cannot_fit(world, rng):
    with pytest.raises(ValueError, match="spending key"):
        withdraw.inputs(world.cash, rng.randrange(R), world.tree.membership(world.cash_index), 1, RECIPIENT)
    with pytest.raises(ValueError, match="amount"):
        withdraw.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), world.cash.amount + 1, RECIPIENT)
    with pytest.raises(ValueError, match="not this note"):
        withdraw.inputs(world.cash, world.writer_sk, world.tree.membership(0), 1, RECIPIENT)
