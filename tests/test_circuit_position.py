"""Positions of several legs in open and settle (depth 4): portfolio margin, signed legs, widths, rounding, attacks.

Native first: every requirement and payout is ``zkopt.native.payoff``'s,
and each boundary has its negative twin one unit of 10^-6 away, named by the
constraint that rejects it. The one-leg cases are in test_circuit_open.py
and test_circuit_settle.py; they keep today's option's assertions.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.circuit_fixtures import DEPTH, SCALE, U64, World, failing, grid8, solve, solve_with_hints
from tests.soundness import assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.circuits import notes, open_position, settle
from zkopt.circuits.open_position import OpenPosition
from zkopt.circuits.settle import Settle
from zkopt.field import R
from zkopt.native import payoff
from zkopt.native.notes import EMPTY_LEG, MAX_LEGS
from zkopt.native.payoff import CALL, LONG, PUT, Leg
from zkopt.r1cs.lint import lint

U64_MAX = U64 - 1
GRID = grid8(100 * SCALE)  # 50, 70, 80, 90, 110, 120, 130, 150 (x SCALE)
FINE_GRID = payoff.default_grid(100 * SCALE, payoff.FINE_SHOCKS)  # 50, 60, 70, 75, ... 95, 105, ... 150

#: The three positions of the issue, at strike(s) around the spot 100 (quantities in units).
STRADDLE = (Leg(CALL, 100 * SCALE, 2 * SCALE), Leg(PUT, 100 * SCALE, 1_500_000))  # call 100 at 150, put 75 at 50
CALL_SPREAD = (Leg(CALL, 100 * SCALE, 2 * SCALE), Leg(CALL, 120 * SCALE, 2 * SCALE, LONG))  # 40 from 120 up
STRANGLE = (Leg(CALL, 110 * SCALE, SCALE), Leg(PUT, 90 * SCALE, SCALE))  # 40 at either end
#: The holder long a butterfly 90 / 95 / 100: it peaks at 95, between two prices of the 8-point grid.
BUTTERFLY = (Leg(CALL, 90 * SCALE, SCALE), Leg(CALL, 95 * SCALE, 2 * SCALE, LONG), Leg(CALL, 100 * SCALE, SCALE))
#: Long legs worth more than the short one everywhere: the net claim is never positive.
OVER_HEDGED = (Leg(CALL, 100 * SCALE, SCALE), Leg(CALL, 90 * SCALE, 2 * SCALE, LONG))


@pytest.fixture
def world(rng):
    return World(rng)


def _open_inputs(world, legs, collateral, grid=GRID):
    option = world.written(legs=legs, collateral=collateral)
    return open_position.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), option, grid)


def _open(world, legs, collateral, grid=GRID):
    return solve("open", _open_inputs(world, legs, collateral, grid), depth=DEPTH, grid=len(grid))


def _settled(world, legs, collateral, price):
    option = world.option(legs=legs, collateral=collateral)
    inputs = settle.inputs(option, world.tree.membership(world.add_option(option)), price)
    return option, inputs


def _settle(world, legs, collateral, price):
    option, inputs = _settled(world, legs, collateral, price)
    w = solve("settle", inputs, depth=DEPTH)
    return option, w


def _slack_failures(points):
    return [f"open/margin/point_{j}/slack/sum" for j in points]


# --- portfolio margin: the requirement of the whole position ---------------------------------


@pytest.mark.parametrize(
    ("legs", "per_leg", "portfolio", "points"),
    [
        (STRADDLE, [100, 75], 100, [7]),  # the larger of the two legs' worst losses, not their sum
        (CALL_SPREAD, [100, 0], 40, [5, 6, 7]),  # the long call caps the loss at the spread
        (STRANGLE, [40, 40], 40, [0, 7]),  # either end, never both
    ],
    ids=["straddle", "call-spread", "strangle"],
)
def test_the_requirement_is_the_positions_and_one_unit_less_has_no_witness(world, legs, per_leg, portfolio, points):
    assert payoff.leg_requirements(legs, GRID) == [x * SCALE for x in per_leg]
    required = payoff.worst_loss(legs, GRID)
    assert required == portfolio * SCALE < sum(per_leg) * SCALE
    assert_satisfied(_open(world, legs, required))
    assert failing(_open(world, legs, required - 1)) == _slack_failures(points)


def test_the_requirement_rounds_the_sum_once(world):
    # Two calls struck at 100.000001 on 1.5 units: each leg's exact loss at 150 is 74.9999985, so
    # floors per leg would need 2 x 74.999998 = 149.999996; the floor of the sum is 149.999997.
    leg = Leg(CALL, 100 * SCALE + 1, 1_500_000)
    assert payoff.leg_requirements([leg, leg], GRID) == [74_999_998, 74_999_998]
    required = payoff.worst_loss([leg, leg], GRID)
    assert required == 149_999_997
    assert_satisfied(_open(world, (leg, leg), required))
    assert failing(_open(world, (leg, leg), required - 1)) == _slack_failures([7])


def test_long_legs_worth_more_than_the_short_ones_need_no_collateral(world):
    assert payoff.worst_loss(OVER_HEDGED, GRID) == 0
    assert payoff.net_value(OVER_HEDGED, 150 * SCALE) < 0  # the slack is bound + |net|, still in range
    assert_satisfied(_open(world, OVER_HEDGED, 0))
    # Without its long leg the same short call needs 50.
    assert failing(_open(world, OVER_HEDGED[:1], 0)) == _slack_failures([4, 5, 6, 7])


def test_unused_legs_cost_nothing_and_zero_quantity_legs_pay_nothing(world):
    call = STRADDLE[0]
    idle = (Leg(PUT, 77 * SCALE, 0), Leg(CALL, 0, 0, LONG), EMPTY_LEG)
    assert payoff.worst_loss((call, *idle), GRID) == payoff.worst_loss([call], GRID) == 100 * SCALE
    assert_satisfied(_open(world, (call, *idle), 100 * SCALE))
    assert failing(_open(world, (call, *idle), 100 * SCALE - 1)) == _slack_failures([7])
    for price in (0, 130 * SCALE, U64_MAX):
        one = _settle(world, [call], 100 * SCALE, price)[1]
        four = _settle(world, (call, *idle), 100 * SCALE, price)[1]
        assert_satisfied(four)
        assert one.values[one.r1cs.variable_names.index("payoff/payout/select")] == four.values[
            four.r1cs.variable_names.index("payoff/payout/select")
        ]


def test_a_finer_grid_finds_a_peak_between_the_coarse_prices(world):
    # The butterfly peaks at 95 (claim 5): the 8-point grid has 90 and 110 around it (claim 0 at both),
    # the 16-point grid has 95 itself.
    assert payoff.worst_loss(BUTTERFLY, GRID) == 0
    assert payoff.worst_loss(BUTTERFLY, FINE_GRID) == 5 * SCALE == payoff.gross_payout(BUTTERFLY, 95 * SCALE)
    point = FINE_GRID.index(95 * SCALE)
    assert_satisfied(_open(world, BUTTERFLY, 5 * SCALE, FINE_GRID))
    assert failing(_open(world, BUTTERFLY, 5 * SCALE - 1, FINE_GRID)) == _slack_failures([point])


# --- widths: the sums of four products ------------------------------------------------------------


def test_four_short_legs_at_the_widest_have_no_witness_even_with_the_largest_collateral(world):
    # Each product is about 2^128 * (grid / 2^64): the sum is far above the largest bound (< 2^84).
    rich, index = world.cash_note(U64_MAX)
    option = world.written(spent=rich, legs=[Leg(CALL, 0, U64_MAX)] * MAX_LEGS, collateral=U64_MAX)
    inputs = open_position.inputs(rich, world.writer_sk, world.tree.membership(index), option, [U64_MAX] * 8)
    assert failing(solve("open", inputs, depth=DEPTH)) == _slack_failures(range(8))


def test_four_long_legs_at_the_widest_stay_inside_the_slack_width(world):
    # net = -4 (2^64 - 1)^2 > -2^130, the most negative value: the honest slack bound + |net| < 2^131.
    legs = [Leg(CALL, 0, U64_MAX, LONG)] * MAX_LEGS
    assert -payoff.net_value(legs, U64_MAX) < 2**notes.NET_BITS
    assert_satisfied(_open(world, legs, 0, [U64_MAX] * 8))


@pytest.mark.parametrize(
    ("legs", "price", "expected"),
    [
        ([Leg(CALL, 0, U64_MAX)] * MAX_LEGS, U64_MAX, U64_MAX),  # the largest claim, capped
        ([Leg(CALL, 0, U64_MAX, LONG)] * MAX_LEGS, U64_MAX, 0),  # the most negative net
        ([Leg(CALL, 0, U64_MAX)] * 3 + [Leg(CALL, 0, U64_MAX, LONG)], U64_MAX, U64_MAX),
        ([Leg(PUT, U64_MAX, U64_MAX, LONG)] * 3 + [Leg(PUT, U64_MAX, U64_MAX)], 0, 0),
        ([Leg(CALL, 0, SCALE), Leg(CALL, 0, SCALE - 1, LONG)], U64_MAX, U64_MAX // SCALE),  # just above 0
        ([Leg(CALL, 0, SCALE - 1), Leg(CALL, 0, SCALE, LONG)], U64_MAX, 0),  # just below 0
    ],
    ids=["4-short", "4-long", "3-short-1-long", "3-long-1-short", "net-just-positive", "net-just-negative"],
)
def test_settlement_at_the_widths_matches_native(world, legs, price, expected):
    option, w = _settle(world, legs, U64_MAX, price)
    assert_satisfied(w)
    holder, writer = option.settlement_notes(price)
    assert holder.amount == payoff.payout(legs, U64_MAX, price) == expected
    assert w.public[-2:] == [holder.commitment(), writer.commitment()]


# --- settlement of the three positions ----------------------------------------------------


@pytest.mark.parametrize(
    ("legs", "price", "paid"),
    [
        (STRADDLE, 130 * SCALE, 60 * SCALE),  # call side: 2 x 30
        (STRADDLE, 80 * SCALE, 30 * SCALE),  # put side: 1.5 x 20
        (STRADDLE, 100 * SCALE, 0),  # at the strike
        (STRADDLE, 300 * SCALE, 100 * SCALE),  # far above the grid: capped at the collateral
        (CALL_SPREAD, 110 * SCALE, 20 * SCALE),
        (CALL_SPREAD, 500 * SCALE, 40 * SCALE),  # never more than the spread
        (CALL_SPREAD, 90 * SCALE, 0),
        (STRANGLE, 95 * SCALE, 0),  # between the strikes
        (STRANGLE, 60 * SCALE, 30 * SCALE),
        (OVER_HEDGED, 150 * SCALE, 0),  # a negative net pays nothing; the holder never pays
    ],
)
def test_positions_settle_as_native(world, legs, price, paid):
    collateral = payoff.worst_loss(legs, GRID)
    option, w = _settle(world, legs, collateral, price)
    assert_satisfied(w)
    holder, writer = option.settlement_notes(price)
    assert (holder.amount, writer.amount) == (paid, collateral - paid)
    assert w.public[-2:] == [holder.commitment(), writer.commitment()]


# Strikes and quantities small enough that four legs' worst loss on GRID (at most 4 x 1.5 x 150) fits the world's cash.
leg_strategy = st.builds(
    Leg, st.sampled_from([CALL, PUT]), st.integers(0, 200 * SCALE), st.integers(0, 1_500_000),
    st.sampled_from([payoff.SHORT, LONG]),
)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(st.lists(leg_strategy, min_size=1, max_size=MAX_LEGS), st.integers(0, 400 * SCALE), st.integers(0, 2**32))
def test_payout_and_margin_equal_native(legs, price, seed):
    world = World(random.Random(seed))
    collateral = payoff.worst_loss(legs, GRID)
    option, w = _settle(world, legs, collateral, price)
    assert w.public[-2:] == [n.commitment() for n in option.settlement_notes(price)]
    assert_satisfied(w)
    assert_satisfied(_open(world, legs, collateral))
    if collateral:
        assert failing(_open(world, legs, collateral - 1))


# --- attacks on the signed sum -------------------------------------------------------------


def test_a_long_legs_wrapped_value_cannot_be_claimed_as_a_gain(world):
    # At 110 the spread's long call (120) is out of the money. Claiming [110 >= 120] makes its value
    # 110 - 120 mod r, which its negative sign turns into +20: the holder would get 40, not 20.
    option, inputs = _settled(world, CALL_SPREAD, 40 * SCALE, 110 * SCALE)
    lie = {"payoff/value/leg_1/intrinsic/compare/diff/bit_64": lambda b: 1}
    w = solve_with_hints(Settle(depth=DEPTH), inputs, lie)
    assert w.values[w.r1cs.variable_names.index("payoff/payout/select")] == 40 * SCALE
    assert failing(w) == ["settle/payoff/value/leg_1/intrinsic/compare/diff/sum"] + [
        "settle/cm_holder/equal", "settle/cm_writer/equal"
    ]


def test_an_out_of_the_money_legs_wrapped_value_cannot_offset_another_legs_loss(world):
    # The straddle with collateral 25 instead of 100. At each grid price one leg is out of the money;
    # claiming the wrong side of its strike makes its value S - K or K - S mod r, a "negative" loss
    # that would offset the other leg's (at 150: 100 - 75 = 25). Only the lied comparisons object.
    assert failing(_open(world, STRADDLE, 25 * SCALE)) == _slack_failures([0, 1, 2, 5, 6, 7])
    lies = {f"margin/point_{j}/value/leg_0/intrinsic/compare/diff/bit_64": (lambda b: 1) for j in (0, 1, 2)}
    lies.update({f"margin/point_{j}/value/leg_1/intrinsic/compare/diff/bit_64": (lambda b: 0) for j in (5, 6, 7)})
    w = solve_with_hints(OpenPosition(depth=DEPTH), _open_inputs(world, STRADDLE, 25 * SCALE), lies)
    assert failing(w) == [f"open/margin/point_{j}/value/leg_{0 if j < 4 else 1}/intrinsic/compare/diff/sum"
                          for j in (0, 1, 2, 5, 6, 7)]


def test_a_negative_net_cannot_be_paid_as_its_absolute_value(world):
    # OVER_HEDGED at 150: net = 50 - 120 = -70. A quotient that claims +70 breaks the remainder;
    # a sign bit that claims "non-negative" breaks the quotient's recomposition.
    option, inputs = _settled(world, OVER_HEDGED, 10 * SCALE, 150 * SCALE)
    offset = 2**notes.FLOOR_BITS
    w = solve_with_hints(Settle(depth=DEPTH), inputs, {"payoff/quotient": lambda q: offset + 70 * SCALE})
    assert failing(w)[0] == "settle/payoff/remainder_range/sum"
    w = solve_with_hints(Settle(depth=DEPTH), inputs, {f"payoff/quotient_range/bit_{notes.FLOOR_BITS}": lambda b: 1})
    assert failing(w)[0] == "settle/payoff/quotient_range/sum"


def test_a_wrapped_negative_quantity_is_refused_in_both_circuits(world):
    # A "negative" quantity r - q is no long leg: only the side bit gives a sign.
    for name in ("open", "settle"):
        if name == "open":
            inputs = _open_inputs(world, STRADDLE, 100 * SCALE)
        else:
            inputs = _settled(world, STRADDLE, 100 * SCALE, 130 * SCALE)[1]
        inputs["quantity"] = [str(R - 2 * SCALE)] + inputs["quantity"][1:]
        assert failing(solve(name, inputs, depth=DEPTH))[0] == f"{name}/quantity[0]/range/sum"


def test_parts_of_two_legs_cannot_trade_places_in_the_packing(world):
    # strike + 1 and quantity - 2^64 pack to the same field element: the quantity's range check refuses it.
    option, inputs = _settled(world, STRADDLE, 100 * SCALE, 130 * SCALE)
    leg = option.position.legs[0]
    inputs["strike"] = [str(leg.strike + 1)] + inputs["strike"][1:]
    inputs["quantity"] = [str((leg.quantity - U64) % R)] + inputs["quantity"][1:]
    assert failing(solve("settle", inputs, depth=DEPTH))[0] == "settle/quantity[0]/range/sum"


# --- shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("circuit", [OpenPosition(depth=DEPTH, grid=16), Settle(depth=DEPTH)], ids=["open-16", "settle"])
def test_lint_is_clean(circuit):
    assert lint(r1cs.compile(circuit)) == []


@pytest.mark.parametrize("name", ["open", "settle"])
def test_mutation_sweep_of_a_mixed_position(world, name):
    # Every private variable, none free, with short and long legs of both kinds in all four slots.
    legs = (*CALL_SPREAD, Leg(PUT, 90 * SCALE, SCALE, LONG), Leg(PUT, 95 * SCALE, 3 * SCALE))
    collateral = payoff.worst_loss(legs, GRID)
    if name == "open":
        w = _open(world, legs, collateral)
    else:
        w = _settle(world, legs, collateral, 80 * SCALE)[1]
    mutation_sweep(w)
