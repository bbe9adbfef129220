"""The transfer circuit at depth 4: native twins, lint, mutation sweeps, and the transfers that must fail.

That a proof cannot be moved to another condition, root or nullifier is a
property of the proof: the last test proves and verifies for real.
"""

from __future__ import annotations

import pytest

from tests.circuit_fixtures import DEPTH, SCALE, U64, World, failing, raw_cash_commitment, solve, with_list_item
from tests.soundness import assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.circuits import transfer
from zkopt.circuits.transfer import Transfer
from zkopt.field import R
from zkopt.errors import InvalidProof
from zkopt.groth16 import prove, setup, verify
from zkopt.native.notes import CashNote, cash_nullifier, dummy_rho, output_rho, transfer_notes
from zkopt.r1cs.lint import lint


@pytest.fixture
def world(rng):
    return World(rng)


def _two_notes(world, a=60 * SCALE, b=60 * SCALE):
    (note_a, index_a), (note_b, index_b) = world.cash_note(a), world.cash_note(b)
    return note_a, world.tree.membership(index_a), note_b, world.tree.membership(index_b)


def _pay(world, amounts=(100 * SCALE, 20 * SCALE), **extra):
    """Two 60s of the writer: ``amounts[0]`` to the holder, ``amounts[1]`` back to the writer."""
    note_a, path_a, note_b, path_b = _two_notes(world)
    outputs = [(amounts[0], world.holder_pk), (amounts[1], world.writer_pk)]
    return transfer.inputs(note_a, path_a, world.writer_sk, outputs, note_b, path_b, **extra)


def _with_dummy(world, amounts=(50 * SCALE, 950 * SCALE)):
    outputs = [(amounts[0], world.holder_pk), (amounts[1], world.writer_pk)]
    return transfer.inputs(world.cash, world.tree.membership(world.cash_index), world.writer_sk, outputs)


def _solve(inputs):
    return solve("transfer", inputs, depth=DEPTH)


def _outputs(world, nf_a, amounts, owners):
    return [CashNote(amount, owner, output_rho(nf_a, i, world.writer_sk)) for i, (amount, owner) in enumerate(zip(amounts, owners))]


def test_a_payment_from_two_notes_matches_native(world):
    inputs = _pay(world)
    w = _solve(inputs)
    assert_satisfied(w)
    note_a = CashNote.from_dict({"amount": inputs["amount_a"], "owner_pk": str(world.writer_pk), "rho": inputs["rho_a"]})
    nf_a = cash_nullifier(world.writer_sk, note_a.commitment())
    made = _outputs(world, nf_a, (100 * SCALE, 20 * SCALE), (world.holder_pk, world.writer_pk))
    assert w.public[:2] == [world.tree.root, nf_a]
    assert w.public[3:] == [made[0].commitment(), made[1].commitment(), 0]


def test_a_dummy_second_input_is_worth_nothing_and_fully_derived(world):
    w = _solve(_with_dummy(world))
    assert_satisfied(w)
    nf_a = world.cash.nullifier(world.writer_sk)
    dummy = CashNote(0, world.writer_pk, dummy_rho(nf_a))
    assert w.public[2] == cash_nullifier(world.writer_sk, dummy.commitment())
    second, made = transfer_notes(world.cash, None, world.writer_sk, [(50 * SCALE, world.holder_pk), (950 * SCALE, world.writer_pk)])
    assert second == dummy and w.public[3:5] == [n.commitment() for n in made]


@pytest.mark.parametrize("amounts", [(0, 120 * SCALE), (120 * SCALE, 0)])
def test_a_zero_output_is_a_valid_note(world, amounts):
    assert_satisfied(_solve(_pay(world, amounts)))


def test_public_names_are_the_ledger_names():
    assert r1cs.compile(Transfer(depth=DEPTH)).public_names == list(transfer.PUBLIC) == [
        "root", "nf_a", "nf_b", "cm_out_a", "cm_out_b", "condition",
    ]


@pytest.mark.parametrize("depth", [DEPTH, 20])
def test_lint_is_clean(depth):
    assert lint(r1cs.compile(Transfer(depth=depth))) == []


def test_mutation_sweep_with_two_real_inputs(world):
    mutation_sweep(_solve(_pay(world, condition=12345)))


def test_mutation_sweep_with_a_dummy(world):
    mutation_sweep(_solve(_with_dummy(world)))


def test_an_output_one_more_than_the_inputs_is_rejected(world):
    inputs = _pay(world)
    nf_a = int(inputs["nf_a"])
    more = _outputs(world, nf_a, (100 * SCALE + 1, 20 * SCALE), (world.holder_pk, world.writer_pk))[0]
    inputs.update(amount_out_a=str(more.amount), cm_out_a=str(more.commitment()))
    assert failing(_solve(inputs)) == ["transfer/balance/equal"]


def test_a_wrapped_around_negative_output_is_rejected(world):
    # 130 to the holder and "-10" (r - 10) back: the sum is right mod r, the change is not an amount.
    inputs = _pay(world)
    nf_a = int(inputs["nf_a"])
    rho = output_rho(nf_a, 1, world.writer_sk)
    inputs.update(
        amount_out_a=str(130 * SCALE), cm_out_a=str(_outputs(world, nf_a, (130 * SCALE,), (world.holder_pk,))[0].commitment()),
        amount_out_b=str(R - 10 * SCALE), cm_out_b=str(raw_cash_commitment(-10 * SCALE, world.writer_pk, rho)),
    )
    assert failing(_solve(inputs))[0] == "transfer/amount_out_b/range/sum"


@pytest.mark.parametrize("amount", [U64, R - 1])
def test_an_input_amount_of_2_64_or_more_is_rejected(world, amount):
    inputs = _pay(world)
    assert failing(_solve({**inputs, "amount_a": str(amount)}))[0] == "transfer/amount_a/range/sum"


def test_a_foreign_first_input_is_rejected_at_the_root(world, rng):
    foreign = CashNote(60 * SCALE, world.writer_pk, rng.randrange(R))
    inputs = _pay(world)
    inputs.update(rho_a=str(foreign.rho), nf_a=str(foreign.nullifier(world.writer_sk)))
    assert "transfer/in_a/merkle/root" in failing(_solve(inputs))


def test_a_foreign_second_input_is_rejected_at_the_root(world, rng):
    foreign = CashNote(60 * SCALE, world.writer_pk, rng.randrange(R))
    inputs = _pay(world)
    inputs.update(rho_b=str(foreign.rho), nf_b=str(foreign.nullifier(world.writer_sk)))
    assert failing(_solve(inputs)) == ["transfer/in_b/merkle/root"]


def test_another_owners_note_cannot_be_spent(world):
    # The holder's note in the tree, spent with the writer's key: its commitment is not the holder's.
    theirs = CashNote(60 * SCALE, world.holder_pk, 99)
    index = world.tree.append(theirs.commitment())
    inputs = _pay(world)
    path = world.tree.membership(index)
    inputs.update(rho_b=str(theirs.rho), directions_b=path.inputs()["directions"], siblings_b=path.inputs()["siblings"],
                  root=str(world.tree.root))
    assert "transfer/in_b/merkle/root" in failing(_solve(inputs))


def test_the_same_note_as_both_inputs_is_rejected(world):
    note_a, path_a, _, _ = _two_notes(world)
    with pytest.raises(ValueError, match="same note twice"):
        transfer.inputs(note_a, path_a, world.writer_sk, [(100 * SCALE, world.holder_pk), (20 * SCALE, world.writer_pk)],
                        note_a, path_a)
    inputs = _pay(world)
    inputs.update(amount_b=inputs["amount_a"], rho_b=inputs["rho_a"], nf_b=inputs["nf_a"],
                  directions_b=inputs["directions_a"], siblings_b=inputs["siblings_a"])
    assert failing(_solve(inputs)) == ["transfer/distinct/nullifiers"]


def test_a_dummy_with_value_is_rejected(world):
    # Claim input b is a dummy worth 60 (no membership needed): the dummy's amount must be 0.
    inputs = _with_dummy(world)
    nf_a = int(inputs["nf_a"])
    fake = CashNote(60 * SCALE, world.writer_pk, dummy_rho(nf_a))
    more = _outputs(world, nf_a, (110 * SCALE,), (world.holder_pk,))[0]
    inputs.update(amount_b=str(fake.amount), nf_b=str(fake.nullifier(world.writer_sk)),
                  amount_out_a=str(more.amount), cm_out_a=str(more.commitment()))
    assert failing(_solve(inputs)) == ["transfer/in_b/dummy/amount"]


def test_a_dummy_rho_chosen_freely_is_rejected(world):
    inputs = _with_dummy(world)
    free = CashNote(0, world.writer_pk, 424242)
    inputs.update(rho_b=str(free.rho), nf_b=str(free.nullifier(world.writer_sk)))
    assert failing(_solve(inputs)) == ["transfer/in_b/dummy/rho_equal"]


def test_a_dummy_path_is_all_zeros(world):
    inputs = with_list_item(_with_dummy(world), "siblings_b", 2, 7)
    assert failing(_solve(inputs)) == ["transfer/in_b/dummy/sibling_2"]


def test_a_real_second_input_claimed_as_dummy_to_skip_its_path_pays_nothing(world):
    # Marking a member note as a dummy does not let it through with value: its rho is not the dummy rho.
    inputs = _pay(world)
    assert "transfer/in_b/dummy/amount" in failing(_solve({**inputs, "dummy_b": "1"}))


def test_an_output_rho_not_derived_from_nf_a_is_rejected(world):
    inputs = _pay(world)
    chosen = CashNote(100 * SCALE, world.holder_pk, 31337)
    assert failing(_solve({**inputs, "cm_out_a": str(chosen.commitment())})) == ["transfer/cm_out_a/equal"]
    # Derived from the second nullifier instead of the first.
    from_b = CashNote(100 * SCALE, world.holder_pk, output_rho(int(inputs["nf_b"]), 0, world.writer_sk))
    assert failing(_solve({**inputs, "cm_out_a": str(from_b.commitment())})) == ["transfer/cm_out_a/equal"]


def test_a_wrong_key_is_refused_natively_and_rejected_in_circuit(world, rng):
    note_a, path_a, note_b, path_b = _two_notes(world)
    with pytest.raises(ValueError, match="spending key"):
        transfer.inputs(note_a, path_a, world.holder_sk, [(120 * SCALE, world.holder_pk), (0, world.holder_pk)], note_b, path_b)
    inputs = _pay(world)
    assert "transfer/in_a/merkle/root" in failing(_solve({**inputs, "sk": str(world.holder_sk)}))


def test_a_proof_binds_condition_root_and_nullifiers(world, rng):
    circuit = Transfer(depth=DEPTH)
    pk = setup(r1cs.compile(circuit), rng)
    w = r1cs.solve(circuit, _pay(world, condition=777))
    proof = prove(pk, w, rng)
    verify(pk.vk, w.public, proof)
    for position in range(len(transfer.PUBLIC)):
        changed = list(w.public)
        changed[position] = (changed[position] + 1) % R
        with pytest.raises(InvalidProof):
            verify(pk.vk, changed, proof)
