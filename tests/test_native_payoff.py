"""Tests for zkopt.native.payoff: fixed-point payoff of positions, the collateral cap, and the margin over a grid.

The single-option cases are one-leg positions (``one``) and keep the
assertions they had when an option was one leg.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkopt.native.payoff import (
    CALL,
    DEFAULT_SHOCKS,
    FINE_SHOCKS,
    LONG,
    PUT,
    SCALE,
    SHORT,
    U64_BOUND,
    Leg,
    default_grid,
    gross_payout,
    intrinsic,
    leg_requirements,
    margin_ok,
    net_value,
    payout,
    settle_amounts,
    worst_loss,
    worst_price,
)

U64_MAX = U64_BOUND - 1
u64 = st.integers(min_value=0, max_value=U64_MAX)
kinds = st.sampled_from([CALL, PUT])
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)


def one(kind: int, strike: int, quantity: int) -> list[Leg]:
    """A one-leg position: the single option, the writer short it."""
    return [Leg(kind, strike, quantity)]


def test_known_values():
    # A call struck at 100 on 1.5 units, settled at 112.5: 1.5 * 12.5 = 18.75.
    assert intrinsic(CALL, 100 * SCALE, 112_500_000) == 12_500_000
    assert gross_payout(one(CALL, 100 * SCALE, 1_500_000), 112_500_000) == 18_750_000
    assert payout(one(CALL, 100 * SCALE, 1_500_000), 10 * SCALE, 112_500_000) == 10 * SCALE
    assert settle_amounts(one(CALL, 100 * SCALE, 1_500_000), 20 * SCALE, 112_500_000) == (18_750_000, 1_250_000)
    # Out of the money: nothing is paid.
    assert intrinsic(CALL, 100, 99) == 0 and intrinsic(PUT, 100, 101) == 0
    assert intrinsic(PUT, 100, 40) == 60
    assert intrinsic(CALL, 100, 100) == intrinsic(PUT, 100, 100) == 0


def test_floor_rounds_down_toward_the_writer():
    # quantity 0.000001 on intrinsic 0.999999: the product is below one unit of 10^-6.
    assert gross_payout(one(CALL, 0, 1), SCALE - 1) == 0
    assert gross_payout(one(CALL, 0, 1), SCALE) == 1
    # 0.333333 units * 3.000000 = 0.999999 exactly; 0.5 units * 0.000001 rounds to 0.
    assert gross_payout(one(PUT, 3 * SCALE, 333_333), 0) == 999_999
    assert gross_payout(one(CALL, 0, 500_000), 1) == 0
    assert gross_payout(one(CALL, 0, 500_000), 3) == 1


def test_edge_values():
    assert gross_payout(one(CALL, 0, U64_MAX), U64_MAX) == U64_MAX * U64_MAX // SCALE
    assert U64_MAX * U64_MAX < 2**128
    assert payout(one(CALL, 0, U64_MAX), U64_MAX, U64_MAX) == U64_MAX
    assert payout(one(PUT, U64_MAX, U64_MAX), 0, 0) == 0
    assert payout(one(CALL, 0, 0), U64_MAX, U64_MAX) == 0
    assert intrinsic(PUT, U64_MAX, 0) == U64_MAX


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: intrinsic(CALL, U64_BOUND, 1), "strike is out of range"),
        (lambda: intrinsic(CALL, 1, U64_BOUND), "price is out of range"),
        (lambda: intrinsic(CALL, -1, 1), "strike is out of range"),
        (lambda: intrinsic(2, 1, 1), "kind must be CALL"),
        (lambda: intrinsic(True, 1, 1), "kind must be CALL"),
        (lambda: gross_payout(one(CALL, 1, U64_BOUND), 1), "quantity is out of range"),
        (lambda: payout(one(CALL, 1, 1), U64_BOUND, 1), "collateral is out of range"),
        (lambda: worst_loss(one(CALL, 1, 1), []), "grid is empty"),
        (lambda: worst_loss(one(CALL, 1, 1), [1, U64_BOUND]), "grid price 1 is out of range"),
        (lambda: margin_ok(one(CALL, 1, 1), U64_BOUND, [1]), "collateral is out of range"),
        (lambda: default_grid(U64_BOUND), "spot is out of range"),
        (lambda: default_grid(100, [-SCALE - 1]), "below -100%"),
        (lambda: default_grid(U64_MAX, [1]), "grid price 0 is out of range"),
        (lambda: default_grid(100, [0.1]), "must be an int"),
        (lambda: default_grid(100, []), "no shocks"),
    ],
)
def test_rejects_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@SETTINGS
@given(kinds, u64, u64, u64, u64)
def test_payout_is_capped_and_splits_the_collateral(kind, strike, quantity, collateral, price):
    paid = payout(one(kind, strike, quantity), collateral, price)
    holder, writer = settle_amounts(one(kind, strike, quantity), collateral, price)
    assert 0 <= paid <= collateral
    assert paid <= gross_payout(one(kind, strike, quantity), price)
    assert holder == paid and holder + writer == collateral and writer >= 0


@SETTINGS
@given(kinds, u64, u64, u64)
def test_gross_is_the_floor_of_the_exact_product(kind, strike, quantity, price):
    gross = gross_payout(one(kind, strike, quantity), price)
    exact = quantity * intrinsic(kind, strike, price)
    assert exact < 2**128
    assert gross * SCALE <= exact < (gross + 1) * SCALE


@SETTINGS
@given(u64, u64)
def test_call_put_symmetry(strike, price):
    # Intrinsic values: call - put = S - K (put-call parity at expiry, per unit).
    assert intrinsic(CALL, strike, price) - intrinsic(PUT, strike, price) == price - strike
    # Mirrored: a call at (K, S) pays what a put at (S, K) pays.
    assert intrinsic(CALL, strike, price) == intrinsic(PUT, price, strike)


@SETTINGS
@given(kinds, u64, u64, st.lists(u64, min_size=1, max_size=12), u64)
def test_grid_extremes_decide_the_margin(kind, strike, quantity, grid, collateral):
    extreme = max(grid) if kind == CALL else min(grid)
    loss = worst_loss(one(kind, strike, quantity), grid)
    assert loss == gross_payout(one(kind, strike, quantity), extreme)
    assert margin_ok(one(kind, strike, quantity), collateral, grid) == (collateral >= loss)
    # Margin at the extreme covers every price in between the grid's ends.
    if margin_ok(one(kind, strike, quantity), collateral, grid):
        lo, hi = min(grid), max(grid)
        for s in (lo, hi, (lo + hi) // 2, strike if lo <= strike <= hi else lo):
            assert payout(one(kind, strike, quantity), collateral, s) == gross_payout(one(kind, strike, quantity), s)


def test_margin_exactly_at_the_boundary():
    grid = default_grid(100 * SCALE)
    assert max(grid) == 150 * SCALE and min(grid) == 50 * SCALE
    # Call struck at 110 on 2 units: worst loss at 150 is 80.
    assert worst_loss(one(CALL, 110 * SCALE, 2 * SCALE), grid) == 80 * SCALE
    assert margin_ok(one(CALL, 110 * SCALE, 2 * SCALE), 80 * SCALE, grid)
    assert not margin_ok(one(CALL, 110 * SCALE, 2 * SCALE), 80 * SCALE - 1, grid)
    # Put struck at 90 on 2 units: worst loss at 50 is 80.
    assert worst_loss(one(PUT, 90 * SCALE, 2 * SCALE), grid) == 80 * SCALE
    assert margin_ok(one(PUT, 90 * SCALE, 2 * SCALE), 80 * SCALE, grid)
    assert not margin_ok(one(PUT, 90 * SCALE, 2 * SCALE), 80 * SCALE - 1, grid)
    # Strike not on the grid, out of the money everywhere: no margin needed.
    assert margin_ok(one(CALL, 151 * SCALE, 2 * SCALE), 0, grid)


def test_call_loss_above_the_grid_is_capped_by_collateral():
    grid = default_grid(100 * SCALE)
    collateral = worst_loss(one(CALL, 100 * SCALE, SCALE), grid)
    assert margin_ok(one(CALL, 100 * SCALE, SCALE), collateral, grid)
    # Far above the grid the claim exceeds the collateral, and the payout stops at it.
    assert gross_payout(one(CALL, 100 * SCALE, SCALE), 1000 * SCALE) > collateral
    assert payout(one(CALL, 100 * SCALE, SCALE), collateral, 1000 * SCALE) == collateral


def test_put_grid_with_zero_covers_every_price():
    grid = default_grid(100 * SCALE, [-SCALE, 0, SCALE])
    assert grid == [0, 100 * SCALE, 200 * SCALE]
    collateral = worst_loss(one(PUT, 80 * SCALE, 3 * SCALE), grid)
    assert collateral == 240 * SCALE
    for price in (0, 1, 79 * SCALE, U64_MAX):
        assert payout(one(PUT, 80 * SCALE, 3 * SCALE), collateral, price) == gross_payout(one(PUT, 80 * SCALE, 3 * SCALE), price)


def test_default_grid():
    assert len(DEFAULT_SHOCKS) >= 8
    assert default_grid(100 * SCALE) == [p * SCALE for p in (50, 70, 80, 90, 110, 120, 130, 150)]
    # Floors: spot 3 (0.000003) shocked by +50% is 4.5 -> 4.
    assert default_grid(3, [500_000, -500_000]) == [4, 1]
    assert default_grid(0) == [0] * len(DEFAULT_SHOCKS)


# --- positions of several legs -----------------------------------------------------------------

legs_strategy = st.lists(st.builds(Leg, kinds, u64, u64, st.sampled_from([SHORT, LONG])), min_size=1, max_size=4)
GRID = default_grid(100 * SCALE)


def test_a_leg_is_validated_and_a_long_leg_counts_against_the_holder():
    assert Leg(CALL, 1, 2) == Leg(CALL, 1, 2, SHORT)
    assert Leg(CALL, 100, 3).value(110) == 30 and Leg(CALL, 100, 3, LONG).value(110) == -30
    for bad, message in [
        (lambda: Leg(2, 1, 1), "kind must be CALL"),
        (lambda: Leg(CALL, U64_BOUND, 1), "strike is out of range"),
        (lambda: Leg(CALL, 1, -1), "quantity is out of range"),
        (lambda: Leg(CALL, 1, 1, 2), "side must be SHORT"),
        (lambda: Leg(CALL, 1, 1, True), "side must be SHORT"),
        (lambda: gross_payout([], 1), "at least one leg"),
        (lambda: gross_payout([(CALL, 1, 1)], 1), "leg 0 must be a Leg"),
    ]:
        with pytest.raises(ValueError, match=message):
            bad()


def test_the_issues_positions():
    straddle = [Leg(CALL, 100 * SCALE, 2 * SCALE), Leg(PUT, 100 * SCALE, 2 * SCALE)]
    spread = [Leg(CALL, 100 * SCALE, 2 * SCALE), Leg(CALL, 120 * SCALE, 2 * SCALE, LONG)]
    strangle = [Leg(CALL, 110 * SCALE, SCALE), Leg(PUT, 90 * SCALE, SCALE)]
    # The straddle needs the larger of its legs' worst losses, not the sum (they happen at opposite ends).
    assert leg_requirements(straddle, GRID) == [100 * SCALE, 100 * SCALE]
    assert worst_loss(straddle, GRID) == 100 * SCALE
    assert worst_price(straddle, GRID) == 50 * SCALE  # the first of the two ends that need it
    # The spread's long call caps the loss at the spread (2 x 20) from 120 up; alone it needs nothing.
    assert leg_requirements(spread, GRID) == [100 * SCALE, 0]
    assert worst_loss(spread, GRID) == 40 * SCALE
    assert [gross_payout(spread, p) for p in GRID] == [0, 0, 0, 0, 20 * SCALE, 40 * SCALE, 40 * SCALE, 40 * SCALE]
    assert worst_loss(strangle, GRID) == 40 * SCALE == sum(leg_requirements(strangle, GRID)) // 2
    # Settlement on both sides of the straddle's strike, and above the grid the cap.
    assert settle_amounts(straddle, 100 * SCALE, 130 * SCALE) == (60 * SCALE, 40 * SCALE)
    assert settle_amounts(straddle, 100 * SCALE, 80 * SCALE) == (40 * SCALE, 60 * SCALE)
    assert payout(straddle, 100 * SCALE, 300 * SCALE) == 100 * SCALE


def test_the_sum_is_rounded_once_down():
    # Each leg's exact claim is 74.9999985 at 150: floors per leg would give 149.999996.
    leg = Leg(CALL, 100 * SCALE + 1, 1_500_000)
    assert gross_payout([leg], 150 * SCALE) == 74_999_998
    assert gross_payout([leg, leg], 150 * SCALE) == 149_999_997
    # A long leg's deduction is exact too: 74.9999985 - 0.0000005 = 74.999998 exactly.
    assert gross_payout([leg, Leg(CALL, 0, 1, LONG)], SCALE // 2) == 0
    assert net_value([leg, Leg(CALL, 150 * SCALE - 1, 500_000, LONG)], 150 * SCALE) == 74_999_998 * SCALE


def test_the_holder_never_pays_and_unused_legs_change_nothing():
    hedged = [Leg(CALL, 100 * SCALE, SCALE), Leg(CALL, 90 * SCALE, 2 * SCALE, LONG)]
    assert net_value(hedged, 150 * SCALE) == -70 * SCALE * SCALE
    assert payout(hedged, 10 * SCALE, 150 * SCALE) == 0 and worst_loss(hedged, GRID) == 0
    idle = [Leg(PUT, 5, 0), Leg(CALL, 0, 0, LONG)]
    for price in GRID + [0, U64_MAX]:
        assert gross_payout(one(CALL, 100 * SCALE, SCALE) + idle, price) == gross_payout(one(CALL, 100 * SCALE, SCALE), price)


@SETTINGS
@given(legs_strategy, u64, u64)
def test_the_payout_is_the_floor_of_the_exact_signed_sum(legs, collateral, price):
    exact = sum((1 if leg.side == SHORT else -1) * leg.quantity * intrinsic(leg.kind, leg.strike, price) for leg in legs)
    assert net_value(legs, price) == exact and abs(exact) < 4 * 2**128
    gross = gross_payout(legs, price)
    assert gross == (exact // SCALE if exact > 0 else 0)
    holder, writer = settle_amounts(legs, collateral, price)
    assert holder == min(gross, collateral) and holder + writer == collateral and writer >= 0


@SETTINGS
@given(legs_strategy, st.lists(u64, min_size=1, max_size=16), u64)
def test_the_requirement_is_the_largest_claim_on_the_grid(legs, grid, collateral):
    required = worst_loss(legs, grid)
    assert required == max(gross_payout(legs, p) for p in grid) == gross_payout(legs, worst_price(legs, grid))
    assert margin_ok(legs, collateral, grid) == (collateral >= required)
    # Never more than the legs alone would need together, up to the rounding: the sum is floored once,
    # each leg alone is floored on its own (under one unit of 10^-6 lost per extra leg).
    assert required <= sum(leg_requirements(legs, grid)) + len(legs) - 1
    assert all(need == 0 for leg, need in zip(legs, leg_requirements(legs, grid)) if leg.side == LONG)


@SETTINGS
@given(st.lists(st.builds(Leg, kinds, u64, u64), min_size=1, max_size=4), u64, u64, u64)
def test_short_legs_only_are_covered_between_the_grids_ends(legs, a, b, inside):
    # A sum of short calls and puts is convex: on [lo, hi] its claim peaks at an end.
    lo, hi = min(a, b), max(a, b)
    price = lo + inside % (hi - lo + 1)
    assert gross_payout(legs, price) <= worst_loss(legs, [lo, hi])


def test_a_long_leg_can_peak_between_grid_prices_and_the_fine_grid_finds_it():
    # The holder long a butterfly 90 / 95 / 100 peaks at 95, between the 8-point grid's 90 and 110.
    fly = [Leg(CALL, 90 * SCALE, SCALE), Leg(CALL, 95 * SCALE, 2 * SCALE, LONG), Leg(CALL, 100 * SCALE, SCALE)]
    assert worst_loss(fly, GRID) == 0 < gross_payout(fly, 95 * SCALE) == 5 * SCALE
    fine = default_grid(100 * SCALE, FINE_SHOCKS)
    assert len(fine) == 16 and 95 * SCALE in fine and worst_loss(fly, fine) == 5 * SCALE
    assert fine == sorted(fine) and min(fine) == min(GRID) and max(fine) == max(GRID)
