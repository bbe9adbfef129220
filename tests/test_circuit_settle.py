"""The settle circuit at depth 4: native payouts, lint, mutation sweeps, and every attack on the payout and the note."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.circuit_fixtures import (
    DEPTH,
    SCALE,
    U64,
    World,
    failing,
    raw_cash_commitment,
    raw_option_commitment,
    solve,
    solve_with_hints,
    with_list_item,
)
from tests.soundness import assert_rejected, assert_satisfied, mutation_sweep
from zkopt import field, r1cs
from zkopt.circuits import notes, settle
from zkopt.circuits.settle import Settle
from zkopt.field import R
from zkopt.native import payoff, poseidon
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CALL, MAX_LEGS, NULLIFIER_TAG, PUT, CashNote, option_nullifier, output_rho
from zkopt.r1cs.lint import lint

U64_MAX = U64 - 1

# (kind, strike, quantity, collateral, price) -> (payout, writer): K = 100, q = 1.5, collateral 80.
CASES = {
    "itm-call": ((CALL, 100 * SCALE, 1_500_000, 80 * SCALE, 130 * SCALE), (45 * SCALE, 35 * SCALE)),
    "otm-put": ((PUT, 100 * SCALE, 1_500_000, 80 * SCALE, 130 * SCALE), (0, 80 * SCALE)),
    "itm-put": ((PUT, 100 * SCALE, 1_500_000, 80 * SCALE, 70 * SCALE), (45 * SCALE, 35 * SCALE)),
    "capped-call": ((CALL, 100 * SCALE, 1_500_000, 80 * SCALE, 200 * SCALE), (80 * SCALE, 0)),
    "at-the-strike": ((CALL, 100 * SCALE, 1_500_000, 80 * SCALE, 100 * SCALE), (0, 80 * SCALE)),
    "floor": ((CALL, 100 * SCALE + 1, 1_500_000, 80 * SCALE, 150 * SCALE), (74_999_998, 80 * SCALE - 74_999_998)),
    "widest": ((CALL, 0, U64_MAX, U64_MAX, U64_MAX), (U64_MAX, 0)),
    "widest-uncapped": ((PUT, U64_MAX, SCALE, U64_MAX, 1), (U64_MAX - 1, 1)),
    "zero-quantity": ((PUT, 100 * SCALE, 0, 0, 0), (0, 0)),
}


@pytest.fixture
def world(rng):
    return World(rng)


def _note(world, case):
    kind, strike, quantity, collateral, _ = CASES[case][0]
    return world.option(kind=kind, strike=strike, quantity=quantity, collateral=collateral)


def _settled(world, case):
    """(option, index, price, inputs) with the option appended to the world's tree."""
    option = _note(world, case)
    index = world.add_option(option)
    price = CASES[case][0][4]
    return option, index, price, settle.inputs(option, world.tree.membership(index), price)


def _solve(inputs):
    return solve("settle", inputs, depth=DEPTH)


def _cash(amount, pk, rho):
    return str(raw_cash_commitment(amount, pk, rho))


def _rhos(option):
    """The (holder, writer) output rhos of the option's settlement: from its nullifier and its rho."""
    return option.output_rho(0), option.output_rho(1)


# --- honest settlements -----------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_honest_settlement_matches_native(world, case):
    option, index, price, inputs = _settled(world, case)
    payout, writer = CASES[case][1]
    holder_note, writer_note = option.settlement_notes(price)
    assert holder_note.amount == payout
    assert writer_note.amount == writer
    w = _solve(inputs)
    assert_satisfied(w)
    assert w.public == [
        world.tree.root, option.nullifier(), option.position.asset, option.position.expiry, price,
        holder_note.commitment(), writer_note.commitment(),
    ]


def test_public_names_are_the_ledger_names():
    assert r1cs.compile(Settle(depth=DEPTH)).public_names == list(settle.PUBLIC) == [
        "root", "nf_option", "asset", "expiry", "price", "cm_holder", "cm_writer",
    ]


@pytest.mark.parametrize("depth", [DEPTH, 20])
def test_lint_is_clean(depth):
    assert lint(r1cs.compile(Settle(depth=depth))) == []


@pytest.mark.parametrize("case", ["itm-call", "otm-put", "capped-call", "floor"])
def test_mutation_sweep(world, case):
    # Every private variable (about 4,000), none free: no hint is left unpinned in any branch.
    mutation_sweep(_solve(_settled(world, case)[3]))


HYP = settings(max_examples=25, deadline=None, derandomize=True)


@HYP
@given(
    st.sampled_from([CALL, PUT]),
    st.integers(0, 300 * SCALE),
    st.integers(0, 10 * SCALE),
    st.integers(0, 500 * SCALE),
    st.integers(0, 400 * SCALE),
    st.integers(0, 2**32),
)
def test_payout_equals_native(kind, strike, quantity, collateral, price, seed):
    world = World(random.Random(seed))
    option = world.option(kind=kind, strike=strike, quantity=quantity, collateral=collateral)
    index = world.add_option(option)
    w = _solve(settle.inputs(option, world.tree.membership(index), price))
    assert_satisfied(w)
    holder, writer = option.settlement_notes(price)
    assert holder.amount == payoff.payout([payoff.Leg(kind, strike, quantity)], collateral, price)
    assert w.public[5:] == [holder.commitment(), writer.commitment()]


# --- the payout cannot be moved -----------------------------------------------------------


def _value(witness, name):
    return witness.values[witness.r1cs.variable_names.index(name)]


def test_put_above_the_strike_cannot_claim_the_wrapped_difference(world):
    # Out-of-the-money put (S = 130 > K = 100) claimed as worth K - S mod r: the evil prover clears
    # the comparison bit and every later hint follows. The wrapped value reads as a negative claim
    # (net = r - 45), so the lie gains nothing, and the comparison's recomposition catches it.
    # (A LONG leg's wrapped value would read as a gain: tests/test_circuit_position.py.)
    option, index, price, inputs = _settled(world, "otm-put")
    lie = {"payoff/value/leg_0/intrinsic/compare/diff/bit_64": lambda b: 0}
    w = solve_with_hints(Settle(depth=DEPTH), inputs, lie)
    assert _value(w, "payoff/value/leg_0/intrinsic/value") == (option.position.legs[0].strike - price) % R
    assert _value(w, "payoff/payout/select") == 0
    assert failing(w) == ["settle/payoff/value/leg_0/intrinsic/compare/diff/sum"]


def test_payout_plus_one_is_rejected_wherever_it_is_claimed(world):
    option, index, price, inputs = _settled(world, "itm-call")
    payout, rest = CASES["itm-call"][1]
    rho_h, rho_w = _rhos(option)
    shifted = {
        **inputs,
        "cm_holder": _cash(payout + 1, option.holder_pk, rho_h),
        "cm_writer": _cash(rest - 1, option.writer_pk, rho_w),
    }
    # Only in the outputs: both commitments are wrong.
    assert failing(_solve(shifted)) == ["settle/cm_holder/equal", "settle/cm_writer/equal"]
    # A quotient one higher: the remainder (the dividend minus quotient * SCALE, no hint of its own)
    # drops by SCALE and wraps.
    w = solve_with_hints(Settle(depth=DEPTH), shifted, {"payoff/quotient": lambda q: q + 1})
    assert failing(w)[0] == "settle/payoff/remainder_range/sum"
    # Overwriting the gross claim or the payout itself breaks their constraints.
    honest = _solve(inputs)
    assert_rejected(honest, "payoff/gross", payout + 1, label="settle/payoff/gross")
    assert_rejected(honest, "payoff/payout/select", payout + 1, label="settle/payoff/payout/select")


def test_remainder_of_scale_or_more_is_caught_by_the_upper_check(world):
    # The writer pays one tick less: quotient - 1, so the remainder grows by SCALE. 10^6 still fits
    # 20 bits, so only the check remainder <= SCALE - 1 catches it (why both remainder checks exist).
    option, index, price, inputs = _settled(world, "itm-call")
    payout, rest = CASES["itm-call"][1]
    leg = option.position.legs[0]
    assert payout * SCALE == leg.quantity * (price - leg.strike)  # remainder 0
    rho_h, rho_w = _rhos(option)
    inputs.update(
        cm_holder=_cash(payout - 1, option.holder_pk, rho_h), cm_writer=_cash(rest + 1, option.writer_pk, rho_w)
    )
    w = solve_with_hints(Settle(depth=DEPTH), inputs, {"payoff/quotient": lambda q: q - 1})
    assert failing(w) == ["settle/payoff/remainder_below_scale/sum"]


def test_quotient_above_its_width_is_rejected(world):
    # Any remainder has a quotient (dividend - m) / SCALE mod r: remainder + 1 gives a quotient near
    # r, caught by the quotient's range check.
    option, index, price, inputs = _settled(world, "floor")
    leg = option.position.legs[0]
    dividend = leg.quantity * (price - leg.strike) + notes.DIVISION_OFFSET
    lie = {"payoff/quotient": lambda q: (dividend - (dividend % SCALE + 1)) * field.inv(SCALE) % R}
    w = solve_with_hints(Settle(depth=DEPTH), inputs, lie)
    labels = failing(w)
    assert labels[0] == "settle/payoff/quotient_range/sum"
    assert not any("remainder" in label for label in labels)


def test_a_false_cap_bit_cannot_pay_more_than_the_collateral(world):
    # Capped case (gross 150 > collateral 80): claiming [gross < collateral] would pay 150 and give
    # the writer 80 - 150 mod r.
    option, index, price, inputs = _settled(world, "capped-call")
    gross = payoff.gross_payout(option.position.legs, price)
    rho_h, rho_w = _rhos(option)
    inputs.update(
        cm_holder=_cash(gross, option.holder_pk, rho_h),
        cm_writer=_cash(option.collateral - gross, option.writer_pk, rho_w),
    )
    w = solve_with_hints(Settle(depth=DEPTH), inputs, {"payoff/cap/diff/bit_111": lambda b: 0})
    assert failing(w) == ["settle/payoff/cap/diff/sum"]


@pytest.mark.parametrize(("holder_delta", "writer_delta"), [(0, 1), (1, 0), (-1, 0), (0, -1), (1, -1)])
def test_outputs_that_do_not_split_the_collateral_are_rejected(world, holder_delta, writer_delta):
    option, index, price, inputs = _settled(world, "itm-call")
    payout, rest = CASES["itm-call"][1]
    rho_h, rho_w = _rhos(option)
    inputs.update(
        cm_holder=_cash(payout + holder_delta, option.holder_pk, rho_h),
        cm_writer=_cash(rest + writer_delta, option.writer_pk, rho_w),
    )
    expected = ["settle/cm_holder/equal"] * bool(holder_delta) + ["settle/cm_writer/equal"] * bool(writer_delta)
    assert failing(_solve(inputs)) == expected


def test_outputs_to_other_keys_or_randomness_are_rejected(world, rng):
    option, index, price, inputs = _settled(world, "itm-call")
    payout, rest = CASES["itm-call"][1]
    rho_h, rho_w = _rhos(option)
    thief = rng.randrange(R)
    assert failing(_solve({**inputs, "cm_holder": _cash(payout, thief, rho_h)})) == ["settle/cm_holder/equal"]
    assert failing(_solve({**inputs, "cm_writer": _cash(rest, option.writer_pk, rho_h)})) == ["settle/cm_writer/equal"]
    # The old derivations (Poseidon(rho, 1), Poseidon(rho, 2)) and any chosen rho are no longer outputs.
    for rho in (poseidon.hash(option.rho, 1), rng.randrange(R)):
        assert failing(_solve({**inputs, "cm_holder": _cash(payout, option.holder_pk, rho)})) == [
            "settle/cm_holder/equal"
        ]


def test_outputs_take_their_rho_from_the_nullifier_and_the_options_rho(world):
    option, index, price, inputs = _settled(world, "itm-call")
    holder, writer = option.settlement_notes(price)
    nf = option.nullifier()
    assert (holder.rho, writer.rho) == (output_rho(nf, 0, option.rho), output_rho(nf, 1, option.rho))
    w = _solve(inputs)
    assert w.public[-2:] == [holder.commitment(), writer.commitment()]


# --- values above the widths ------------------------------------------------------------------


def _forged(world, price, **fields):
    """Settle inputs for a one-leg note with any field values (committed raw, appended to the tree)."""
    base = world.option()
    leg = base.position.legs[0]
    values = dict(
        asset=base.position.asset, expiry=base.position.expiry, collateral=base.collateral,
        holder_pk=base.holder_pk, writer_pk=base.writer_pk, rho=base.rho,
        kind=leg.kind, side=leg.side, strike=leg.strike, quantity=leg.quantity,
    )
    values.update(fields)
    parts = [values[n] for n in ("kind", "side", "strike", "quantity")]
    cm = raw_option_commitment(*(values[n] for n in ("asset", "expiry", "collateral", "holder_pk", "writer_pk", "rho")),
                               [parts])
    index = world.tree.append(cm)
    siblings, directions = world.tree.path(index)
    nf = option_nullifier(values["rho"], cm)
    rho_h, rho_w = output_rho(nf, 0, values["rho"]), output_rho(nf, 1, values["rho"])
    inputs = {
        "root": str(world.tree.root),
        "directions": [str(d) for d in directions],
        "siblings": [str(s) for s in siblings],
        "nf_option": str(nf),
        "asset": str(values["asset"]),
        "expiry": str(values["expiry"] % R),
        "price": str(price % R),
        **{n: [str(p % R)] + ["0"] * (MAX_LEGS - 1) for n, p in zip(("kind", "side", "strike", "quantity"), parts)},
        **{k: str(values[k] % R) for k in ("collateral", "holder_pk", "writer_pk")},
        "rho": str(values["rho"]),
        "cm_holder": "0",  # outputs are set by the tests that look past the first failure
        "cm_writer": "0",
    }
    return values, inputs, (rho_h, rho_w)


def test_collateral_above_its_width_is_rejected(world):
    # collateral 2^64 + 10 with a gross payout of 45: the split 45 / 2^64 - 35 is self-consistent.
    values, inputs, (rho_h, rho_w) = _forged(world, 130 * SCALE, collateral=U64 + 10 * SCALE)
    inputs.update(
        cm_holder=_cash(45 * SCALE, values["holder_pk"], rho_h),
        cm_writer=_cash(U64 - 35 * SCALE, values["writer_pk"], rho_w),
    )
    assert failing(_solve(inputs)) == ["settle/collateral/range/sum"]


@pytest.mark.parametrize("name", ["strike", "quantity"])
def test_terms_above_their_width_are_rejected(world, name):
    values, inputs, _ = _forged(world, 130 * SCALE, **{name: U64 + 1})
    assert failing(_solve(inputs))[0] == f"settle/{name}[0]/range/sum"


@pytest.mark.parametrize("name", ["kind", "side"])
def test_kind_or_side_two_is_rejected(world, name):
    _, inputs, _ = _forged(world, 130 * SCALE, **{name: 2})
    assert failing(_solve(inputs))[0] == f"settle/{name}[0]/boolean"


def test_price_of_2_64_is_rejected(world):
    option, index, price, inputs = _settled(world, "otm-put")
    assert failing(_solve({**inputs, "price": str(U64)}))[0] == "settle/price/range/sum"


# --- the note: membership, nullifier, public terms -------------------------------------------


def test_direction_bit_two_is_rejected_at_its_level(world):
    inputs = with_list_item(_settled(world, "itm-call")[3], "directions", 1, 2)
    assert failing(_solve(inputs)) == ["settle/merkle/level_1/direction", "settle/merkle/root"]


def test_foreign_note_is_rejected_at_the_root(world):
    option = _note(world, "itm-call")  # never appended
    other = world.option()
    index = world.add_option(other)
    inputs = settle.inputs(other, world.tree.membership(index), 130 * SCALE)
    forged = settle.inputs(option, _tree_with(option).membership(0), 130 * SCALE)
    forged.update(root=inputs["root"], directions=inputs["directions"], siblings=inputs["siblings"])
    assert failing(_solve(forged)) == ["settle/merkle/root"]


def _tree_with(option):
    tree = MerkleTree(depth=DEPTH)
    tree.append(option.commitment())
    return tree


def test_second_nullifier_for_the_same_note_is_rejected(world, rng):
    option, index, price, inputs = _settled(world, "itm-call")
    cm = option.commitment()
    others = (
        option_nullifier(rng.randrange(R), cm),
        option_nullifier(option.rho, rng.randrange(R)),  # the old formula's weakness: the rho alone
        poseidon.hash(NULLIFIER_TAG, option.rho),
        option.rho,
    )
    for other in others:
        # The outputs derive their rho from the public nf_option, so they follow the false one and fail too.
        assert failing(_solve({**inputs, "nf_option": str(other)})) == [
            "settle/nf_option/equal", "settle/cm_holder/equal", "settle/cm_writer/equal"
        ]
    # Another rho gives another nullifier but another commitment: not in the tree.
    other = dataclasses.replace(option, rho=rng.randrange(R))
    rho_h, rho_w = _rhos(other)
    payout, rest = CASES["itm-call"][1]
    forged = {
        **inputs, "rho": str(other.rho), "nf_option": str(other.nullifier()),
        "cm_holder": _cash(payout, option.holder_pk, rho_h), "cm_writer": _cash(rest, option.writer_pk, rho_w),
    }
    assert failing(_solve(forged)) == ["settle/merkle/root"]


@pytest.mark.parametrize("name", ["asset", "expiry"])
def test_public_asset_and_expiry_are_the_notes_by_construction(world, name):
    # They are hashed into the commitment, so another value is another note: not in the tree, and
    # not the note the public nullifier belongs to (the nullifier binds the commitment).
    inputs = _settled(world, "itm-call")[3]
    assert failing(_solve({**inputs, name: str(int(inputs[name]) + 1)})) == [
        "settle/merkle/root", "settle/nf_option/equal"
    ]


def test_inputs_helper_refuses_what_cannot_fit(world):
    option, index, price, _ = _settled(world, "itm-call")
    with pytest.raises(ValueError, match="price"):
        settle.inputs(option, world.tree.membership(index), U64)
    with pytest.raises(ValueError, match="not this note"):
        settle.inputs(option, world.tree.membership(0), price)
    with pytest.raises(TypeError, match="OptionNote"):
        settle.inputs(CashNote(1, 2, 3), world.tree.membership(index), price)


@pytest.mark.parametrize("depth", [0, 65, "20"])
def test_bad_depth_raises(depth):
    with pytest.raises(ValueError):
        Settle(depth=depth)
