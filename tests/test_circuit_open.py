"""The open circuit at depth 4: native first, lint, mutation sweep, the margin boundary, the attacks that must fail."""

from __future__ import annotations

import dataclasses

import pytest

from tests.circuit_fixtures import (
    DEPTH,
    SCALE,
    U64,
    World,
    failing,
    grid8,
    raw_cash_commitment,
    raw_option_commitment,
    solve,
    solve_with_hints,
    with_list_item,
)
from tests.soundness import assert_rejected, assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.circuits import open_position
from zkopt.circuits.open_position import OpenPosition
from zkopt.field import R
from zkopt.native import payoff
from zkopt.errors import MalformedInput
from zkopt.native.notes import (
    CALL,
    OPEN_CHANGE,
    OPEN_OPTION,
    PUT,
    CashNote,
    cash_nullifier,
    open_notes,
    output_rho,
    public_key,
)
from zkopt.r1cs.lint import lint

SPOT = 100 * SCALE
GRID = grid8(SPOT)  # 50, 70, 80, 90, 110, 120, 130, 150 (x SCALE): lowest first


@pytest.fixture
def world(rng):
    return World(rng)


def _reopen(spent, sk, option):
    """(option, change) of an open of ``spent`` with ``sk`` and the terms of ``option``."""
    return open_notes(spent, sk, option.position, collateral=option.collateral, holder_pk=option.holder_pk)


def _open_inputs(world, option, grid=GRID):
    return open_position.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), option, grid)


def _change_rho(world, spent=None):
    return (spent or world.cash).output_rho(world.writer_sk, OPEN_CHANGE)


def _solve(inputs, **params):
    return solve("open", inputs, depth=DEPTH, **params)


def _native_public(world, option, grid=GRID):
    change = CashNote(world.cash.amount - option.collateral, world.writer_pk, _change_rho(world))
    return [
        world.tree.root,
        world.cash.nullifier(world.writer_sk),
        option.commitment(),
        change.commitment(),
        option.position.asset,
        option.position.expiry,
        *grid,
    ]


# --- honest openings ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [CALL, PUT])
def test_honest_opening_is_accepted_and_public_values_are_native(world, kind):
    option = world.written(kind=kind)  # K = 100, q = 1.5: worst loss 75 at the grid's far end
    assert payoff.worst_loss(option.position.legs, GRID) == 75 * SCALE <= option.collateral
    w = _solve(_open_inputs(world, option))
    assert_satisfied(w)
    assert w.public == _native_public(world, option)
    assert w.r1cs.public_names == list(open_position.public_names(8))


def test_public_names_are_the_ledger_names():
    assert open_position.public_names(8) == (
        "root", "nf_in", "cm_option", "cm_change", "asset", "expiry",
        "grid[0]", "grid[1]", "grid[2]", "grid[3]", "grid[4]", "grid[5]", "grid[6]", "grid[7]",
    )


def test_the_public_asset_is_the_notes_asset(world):
    # The public asset is hashed into cm_option as it is: a note on one asset cannot be opened
    # under another public asset (the ledger picks the margin grid by the public asset).
    option = world.written()
    asset = option.position.asset
    inputs = _open_inputs(world, option)
    assert inputs["asset"] == str(asset)
    inputs["asset"] = str(asset + 1)
    assert failing(_solve(inputs))[0] == "open/cm_option/equal"
    # Twin: the note on the other asset, with its own commitment, is accepted under that asset.
    other = world.written(asset=asset + 1)
    w = _solve(_open_inputs(world, other))
    assert_satisfied(w)
    assert w.public[w.r1cs.public_names.index("asset")] == asset + 1


def test_the_public_expiry_is_the_notes_expiry(world):
    # The ledger refuses an opening whose public expiry is not after its clock; that is only a
    # rule about the note if the public expiry is the one hashed into cm_option.
    option = world.written()
    expiry = option.position.expiry
    inputs = _open_inputs(world, option)
    assert inputs["expiry"] == str(expiry)
    inputs["expiry"] = str(expiry + 1)
    assert failing(_solve(inputs))[0] == "open/cm_option/equal"
    other = world.written(expiry=expiry + 1)
    w = _solve(_open_inputs(world, other))
    assert_satisfied(w)
    assert w.public[w.r1cs.public_names.index("expiry")] == expiry + 1


@pytest.mark.parametrize("params", [{"depth": DEPTH}, {}, {"depth": DEPTH, "grid": 9}])
def test_lint_is_clean(params):
    assert lint(r1cs.compile(OpenPosition(**params))) == []


@pytest.mark.parametrize("kind", [CALL, PUT])
def test_mutation_sweep(world, kind):
    # Every private variable (about 7,400 of them at depth 4), none free.
    mutation_sweep(_solve(_open_inputs(world, world.written(kind=kind))))


def test_the_native_default_grid_fits_the_default_circuit_and_a_larger_grid_works(world):
    assert len(payoff.default_grid(SPOT)) == OpenPosition().grid
    grid = payoff.default_grid(SPOT, (*payoff.DEFAULT_SHOCKS, 0))
    assert len(grid) == 9
    option = world.written()
    w = solve("open", _open_inputs(world, option, grid=grid), depth=DEPTH, grid=9)
    assert_satisfied(w)
    assert w.public[6:] == grid


def test_grid_order_does_not_matter(world):
    assert_satisfied(_solve(_open_inputs(world, world.written(kind=PUT), grid=GRID[::-1])))


def test_out_of_the_grid_strike_and_zero_quantity(world):
    # The strike need not be on the grid; a call struck above every grid price needs no collateral.
    assert_satisfied(_solve(_open_inputs(world, world.written(strike=400 * SCALE, collateral=0))))
    assert_satisfied(_solve(_open_inputs(world, world.written(kind=PUT, quantity=0, collateral=0))))
    # Zero-width grid (all prices equal) is fine too.
    assert_satisfied(_solve(_open_inputs(world, world.written(collateral=0, strike=SPOT), grid=[SPOT] * 8)))


# --- the margin boundary ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "strike", "point"),
    [(CALL, 100 * SCALE + 1, 7), (PUT, 100 * SCALE - 1, 0)],
    ids=["call-fails-at-the-highest-price", "put-fails-at-the-lowest-price"],
)
def test_collateral_exactly_at_the_margin_is_accepted_and_one_tick_short_is_rejected(world, kind, strike, point):
    # q * intrinsic = 1.5 * 49.999999 = 74.9999985: the floor (74.999998) is the margin, so the
    # boundary exercises the "+ SCALE - 1" of the division-free comparison.
    quantity = 1_500_000
    loss = payoff.worst_loss([payoff.Leg(kind, strike, quantity)], GRID)
    assert loss == 74_999_998 and quantity * (50 * SCALE - 1) % SCALE == SCALE // 2
    exact = world.written(kind=kind, strike=strike, quantity=quantity, collateral=loss)
    assert_satisfied(_solve(_open_inputs(world, exact)))
    short = world.written(kind=kind, strike=strike, quantity=quantity, collateral=loss - 1)
    assert not payoff.margin_ok(short.position.legs, short.collateral, GRID)
    assert failing(_solve(_open_inputs(world, short))) == [f"open/margin/point_{point}/slack/sum"]


def test_every_point_that_is_short_is_named(world):
    # A call with no collateral fails at every grid price above the strike (110, 120, 130, 150).
    option = world.written(collateral=0)
    assert failing(_solve(_open_inputs(world, option))) == [f"open/margin/point_{i}/slack/sum" for i in (4, 5, 6, 7)]


def test_loss_above_the_slack_width_is_rejected_even_with_the_largest_collateral(world):
    # q = 2^64 - 1 units of 10^-6 on a call struck at 0: even at 50 the loss P is about 2^89, and the
    # largest collateral's bound is below 2^84, so the slack wraps to nearly r (far above 131 bits).
    assert (U64 - 1) * 50 * SCALE > 2**84 > (U64 - 1) * SCALE + SCALE - 1
    rich, index = world.cash_note(U64 - 1)
    option = world.written(spent=rich, strike=0, quantity=U64 - 1, collateral=U64 - 1)
    inputs = open_position.inputs(rich, world.writer_sk, world.tree.membership(index), option, GRID)
    assert failing(_solve(inputs)) == [f"open/margin/point_{i}/slack/sum" for i in range(8)]


def test_a_false_comparison_bit_cannot_hide_a_call_loss(world):
    # The writer claims every grid price is below the strike (bit 64 of g - K + 2^64 cleared), so the
    # intrinsic values, products and slacks all follow the lie and the margin would pass with 0.
    option = world.written(collateral=0)
    lies = {f"margin/point_{i}/value/leg_0/intrinsic/compare/diff/bit_64": (lambda b: 0) for i in (4, 5, 6, 7)}
    w = solve_with_hints(OpenPosition(depth=DEPTH), _open_inputs(world, option), lies)
    assert failing(w) == [f"open/margin/point_{i}/value/leg_0/intrinsic/compare/diff/sum" for i in (4, 5, 6, 7)]


def test_a_false_product_is_rejected(world):
    w = _solve(_open_inputs(world, world.written()))
    assert_rejected(w, "margin/point_7/value/leg_0/value", 0, label="open/margin/point_7/value/leg_0/value")


# --- values above the widths ----------------------------------------------------------------


def _forge_option(world, option, **changes):
    """Open inputs for a one-leg ``option`` with fields changed to any field elements (commitment recomputed raw)."""
    leg = option.position.legs[0]
    values = dict(
        asset=option.position.asset, expiry=option.position.expiry, collateral=option.collateral,
        holder_pk=option.holder_pk, writer_pk=option.writer_pk, rho=option.rho,
        kind=leg.kind, side=leg.side, strike=leg.strike, quantity=leg.quantity,
    )
    values.update(changes)
    inputs = _open_inputs(world, option)
    for name in ("kind", "side", "strike", "quantity"):
        inputs[name] = [str(values[name] % R)] + inputs[name][1:]
    for name in ("expiry", "collateral", "asset", "holder_pk"):
        inputs[name] = str(values[name] % R)
    parts = [values[n] for n in ("kind", "side", "strike", "quantity")]
    notes = [values[n] for n in ("asset", "expiry", "collateral", "holder_pk", "writer_pk", "rho")]
    inputs["cm_option"] = str(raw_option_commitment(*notes, [parts]))
    change = (world.cash.amount - values["collateral"]) % R
    inputs["cm_change"] = str(raw_cash_commitment(change, world.writer_pk, _change_rho(world)))
    return inputs


@pytest.mark.parametrize("name", ["strike", "quantity"])
def test_leg_parts_of_2_64_or_more_are_rejected_at_their_range_check(world, name):
    option = world.written()
    inputs = _forge_option(world, option, **{name: getattr(option.position.legs[0], name) + U64})
    assert failing(_solve(inputs))[0] == f"open/{name}[0]/range/sum"


def test_expiry_of_2_64_or_more_is_rejected_at_its_range_check(world):
    option = world.written()
    inputs = _forge_option(world, option, expiry=option.position.expiry + U64)
    assert failing(_solve(inputs))[0] == "open/expiry/range/sum"


def test_collateral_above_its_width_is_rejected(world):
    # 2^64 + 80: the change (amount - collateral) wraps too, and the margin's bound overflows 84 bits.
    labels = failing(_solve(_forge_option(world, world.written(), collateral=U64 + 80 * SCALE)))
    assert labels[0] == "open/collateral/range/sum"
    assert "open/change/range/sum" in labels


def test_wrapped_negative_collateral_is_rejected(world):
    # collateral = -1 makes change = amount + 1, which fits 64 bits: only the collateral's own range
    # check and the margin (whose bound -1 wraps every slack) object.
    labels = failing(_solve(_forge_option(world, world.written(), collateral=-1)))
    assert labels == ["open/collateral/range/sum"] + [f"open/margin/point_{i}/slack/sum" for i in range(8)]


@pytest.mark.parametrize("name", ["kind", "side"])
def test_kind_or_side_two_is_rejected(world, name):
    assert failing(_solve(_forge_option(world, world.written(), **{name: 2})))[0] == f"open/{name}[0]/boolean"


def test_collateral_above_the_spent_amount_is_rejected_at_the_change(world):
    inputs = _forge_option(world, world.written(quantity=1), collateral=world.cash.amount + 1)
    assert failing(_solve(inputs)) == ["open/change/range/sum"]


def test_spent_amount_of_2_64_is_rejected(world):
    rho_in, sk = 77, world.writer_sk
    leaf = raw_cash_commitment(U64, world.writer_pk, rho_in)
    index = world.tree.append(leaf)
    option = world.written()
    inputs = _open_inputs(world, option)
    siblings, directions = world.tree.path(index)
    # The forged note's own nullifier and the outputs it derives, so only the width objects.
    nf = cash_nullifier(sk, leaf)
    forged = dataclasses.replace(option, rho=output_rho(nf, OPEN_OPTION, sk))
    change = raw_cash_commitment(U64 - option.collateral, world.writer_pk, output_rho(nf, OPEN_CHANGE, sk))
    inputs.update(
        root=str(world.tree.root), siblings=[str(s) for s in siblings], directions=[str(d) for d in directions],
        amount_in=str(U64), rho_in=str(rho_in), nf_in=str(nf), cm_option=str(forged.commitment()),
        cm_change=str(change),
    )
    assert failing(_solve(inputs)) == ["open/amount_in/range/sum"]


def test_grid_price_of_2_64_is_rejected(world):
    inputs = with_list_item(_open_inputs(world, world.written(kind=PUT)), "grid", 3, U64)
    assert failing(_solve(inputs))[0] == "open/grid[3]/range/sum"


# --- spending: membership, nullifier, ownership -----------------------------------------


def test_direction_bit_two_is_rejected_at_its_level(world):
    inputs = with_list_item(_open_inputs(world, world.written()), "directions", 2, 2)
    assert failing(_solve(inputs)) == ["open/merkle/level_2/direction", "open/merkle/root"]


def test_foreign_note_is_rejected_at_the_root(world):
    # A note the writer could open (own key) but that is not in the tree, with its own nullifier and outputs.
    foreign = CashNote(world.cash.amount, world.writer_pk, world.rng.randrange(R))
    option = world.written(spent=foreign)
    _, change = _reopen(foreign, world.writer_sk, option)
    inputs = _open_inputs(world, world.written())
    inputs.update(
        rho_in=str(foreign.rho), nf_in=str(foreign.nullifier(world.writer_sk)),
        cm_option=str(option.commitment()), cm_change=str(change.commitment()),
    )
    assert failing(_solve(inputs)) == ["open/merkle/root"]


def test_second_nullifier_for_the_same_note_is_rejected(world, rng):
    inputs = _open_inputs(world, world.written())
    other = cash_nullifier(rng.randrange(R), world.cash.commitment())
    # The outputs derive their rho from the public nf_in, so they follow the false one and fail too.
    assert failing(_solve({**inputs, "nf_in": str(other)})) == [
        "open/nf_in/equal", "open/cm_option/equal", "open/cm_change/equal"
    ]
    # Another key gives another nullifier, but then the note is not the owner's: a self-consistent
    # opening under sk' (its own nullifier, option and change) fails only at the root.
    sk2 = rng.randrange(R)
    as_sk2 = dataclasses.replace(world.cash, owner_pk=public_key(sk2))
    option2 = world.written(spent=as_sk2, sk=sk2)
    _, change2 = _reopen(as_sk2, sk2, option2)
    forged = {
        **inputs,
        "sk": str(sk2),
        "nf_in": str(as_sk2.nullifier(sk2)),
        "cm_option": str(option2.commitment()),
        "cm_change": str(change2.commitment()),
    }
    assert failing(_solve(forged)) == ["open/merkle/root"]


def test_writer_key_other_than_the_spender_is_rejected(world, rng):
    option = dataclasses.replace(world.written(), writer_pk=public_key(rng.randrange(R)))
    inputs = _open_inputs(world, world.written())
    inputs.update(cm_option=str(option.commitment()))
    assert failing(_solve(inputs)) == ["open/cm_option/equal"]


# --- uniqueness by construction: no output randomness is the writer's -----------------------


def test_both_outputs_take_their_rho_from_the_spent_nullifier(world):
    option = world.written()
    w = _solve(_open_inputs(world, option))
    nf = world.cash.nullifier(world.writer_sk)
    assert option.rho == output_rho(nf, OPEN_OPTION, world.writer_sk)
    assert w.public[3] == CashNote(world.cash.amount - option.collateral, world.writer_pk, _change_rho(world)).commitment()
    assert "rho_option" not in w.r1cs.variable_names and "rho_change" not in w.r1cs.variable_names


def test_an_option_sharing_a_live_options_rho_has_no_witness(world, rng):
    """The shared-nullifier attack: whoever knows a live option's rho opens a dummy with that rho.

    The dummy (quantity 0, collateral 0) would share the real option's nullifier under the old
    formula. Now the open derives the rho, so a dummy with a chosen rho fails at its commitment, and
    even a note with that rho would have its own nullifier (it binds the commitment).
    """
    live = world.option()  # any live option; the attacker knows its rho
    dummy = dataclasses.replace(world.written(quantity=0, collateral=0), rho=live.rho)
    inputs = _open_inputs(world, world.written(quantity=0, collateral=0))
    assert failing(_solve({**inputs, "cm_option": str(dummy.commitment())})) == ["open/cm_option/equal"]
    assert dummy.nullifier() != live.nullifier()


def test_a_change_note_with_a_chosen_rho_has_no_witness(world, rng):
    option = world.written()
    inputs = _open_inputs(world, option)
    chosen = CashNote(world.cash.amount - option.collateral, world.writer_pk, rng.randrange(R))
    assert failing(_solve({**inputs, "cm_change": str(chosen.commitment())})) == ["open/cm_change/equal"]


def test_the_old_private_randomness_inputs_are_refused(world):
    inputs = _open_inputs(world, world.written())
    for name in ("rho_option", "rho_change"):
        with pytest.raises(MalformedInput, match=f"unknown input '{name}'"):
            _solve({**inputs, name: "1"})


def test_change_that_does_not_add_up_is_rejected(world):
    option = world.written()
    inputs = _open_inputs(world, option)
    more = CashNote(world.cash.amount - option.collateral + 1, world.writer_pk, _change_rho(world))
    assert failing(_solve({**inputs, "cm_change": str(more.commitment())})) == ["open/cm_change/equal"]


# --- parameters and the inputs helper ------------------------------------------------------


@pytest.mark.parametrize("params", [{"grid": 7}, {"grid": 0}, {"depth": 0}, {"depth": 65}, {"depth": True}])
def test_bad_parameters_raise(params):
    with pytest.raises(ValueError):
        OpenPosition(**params)


def test_inputs_helper_refuses_what_cannot_fit(world, rng):
    option = world.written()
    args = (world.cash, world.writer_sk, world.tree.membership(world.cash_index))
    with pytest.raises(ValueError, match="spending key"):
        open_position.inputs(world.cash, rng.randrange(R), world.tree.membership(world.cash_index), option, GRID)
    with pytest.raises(ValueError, match="writer_pk"):
        open_position.inputs(*args, dataclasses.replace(option, writer_pk=world.holder_pk), GRID)
    with pytest.raises(ValueError, match="collateral must be"):
        open_position.inputs(*args, dataclasses.replace(option, collateral=world.cash.amount + 1), GRID)
    with pytest.raises(ValueError, match="rho is not the one this spend derives"):
        open_position.inputs(*args, dataclasses.replace(option, rho=rng.randrange(R)), GRID)
    with pytest.raises(ValueError, match="not this note"):
        open_position.inputs(world.cash, world.writer_sk, world.tree.membership(0), option, GRID)
    with pytest.raises(ValueError, match="ints"):
        open_position.inputs(*args, option, [1.5] * 8)
