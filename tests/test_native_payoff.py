"""Tests for zkopt.native.payoff: fixed-point payoff, the collateral cap, and the margin check over a grid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkopt.native.payoff import (
    CALL,
    DEFAULT_SHOCKS,
    PUT,
    SCALE,
    U64_BOUND,
    default_grid,
    gross_payout,
    intrinsic,
    margin_ok,
    payout,
    settle_amounts,
    worst_loss,
)

U64_MAX = U64_BOUND - 1
u64 = st.integers(min_value=0, max_value=U64_MAX)
kinds = st.sampled_from([CALL, PUT])
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)


def test_known_values():
    # A call struck at 100 on 1.5 units, settled at 112.5: 1.5 * 12.5 = 18.75.
    assert intrinsic(CALL, 100 * SCALE, 112_500_000) == 12_500_000
    assert gross_payout(CALL, 100 * SCALE, 1_500_000, 112_500_000) == 18_750_000
    assert payout(CALL, 100 * SCALE, 1_500_000, 10 * SCALE, 112_500_000) == 10 * SCALE
    assert settle_amounts(CALL, 100 * SCALE, 1_500_000, 20 * SCALE, 112_500_000) == (18_750_000, 1_250_000)
    # Out of the money: nothing is paid.
    assert intrinsic(CALL, 100, 99) == 0 and intrinsic(PUT, 100, 101) == 0
    assert intrinsic(PUT, 100, 40) == 60
    assert intrinsic(CALL, 100, 100) == intrinsic(PUT, 100, 100) == 0


def test_floor_rounds_down_toward_the_writer():
    # quantity 0.000001 on intrinsic 0.999999: the product is below one unit of 10^-6.
    assert gross_payout(CALL, 0, 1, SCALE - 1) == 0
    assert gross_payout(CALL, 0, 1, SCALE) == 1
    # 0.333333 units * 3.000000 = 0.999999 exactly; 0.5 units * 0.000001 rounds to 0.
    assert gross_payout(PUT, 3 * SCALE, 333_333, 0) == 999_999
    assert gross_payout(CALL, 0, 500_000, 1) == 0
    assert gross_payout(CALL, 0, 500_000, 3) == 1


def test_edge_values():
    assert gross_payout(CALL, 0, U64_MAX, U64_MAX) == U64_MAX * U64_MAX // SCALE
    assert U64_MAX * U64_MAX < 2**128
    assert payout(CALL, 0, U64_MAX, U64_MAX, U64_MAX) == U64_MAX
    assert payout(PUT, U64_MAX, U64_MAX, 0, 0) == 0
    assert payout(CALL, 0, 0, U64_MAX, U64_MAX) == 0
    assert intrinsic(PUT, U64_MAX, 0) == U64_MAX


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: intrinsic(CALL, U64_BOUND, 1), "strike is out of range"),
        (lambda: intrinsic(CALL, 1, U64_BOUND), "price is out of range"),
        (lambda: intrinsic(CALL, -1, 1), "strike is out of range"),
        (lambda: intrinsic(2, 1, 1), "kind must be CALL"),
        (lambda: intrinsic(True, 1, 1), "kind must be CALL"),
        (lambda: gross_payout(CALL, 1, U64_BOUND, 1), "quantity is out of range"),
        (lambda: payout(CALL, 1, 1, U64_BOUND, 1), "collateral is out of range"),
        (lambda: worst_loss(CALL, 1, 1, []), "grid is empty"),
        (lambda: worst_loss(CALL, 1, 1, [1, U64_BOUND]), "grid price 1 is out of range"),
        (lambda: margin_ok(CALL, 1, 1, U64_BOUND, [1]), "collateral is out of range"),
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
    paid = payout(kind, strike, quantity, collateral, price)
    holder, writer = settle_amounts(kind, strike, quantity, collateral, price)
    assert 0 <= paid <= collateral
    assert paid <= gross_payout(kind, strike, quantity, price)
    assert holder == paid and holder + writer == collateral and writer >= 0


@SETTINGS
@given(kinds, u64, u64, u64)
def test_gross_is_the_floor_of_the_exact_product(kind, strike, quantity, price):
    gross = gross_payout(kind, strike, quantity, price)
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
    loss = worst_loss(kind, strike, quantity, grid)
    assert loss == gross_payout(kind, strike, quantity, extreme)
    assert margin_ok(kind, strike, quantity, collateral, grid) == (collateral >= loss)
    # Margin at the extreme covers every price in between the grid's ends.
    if margin_ok(kind, strike, quantity, collateral, grid):
        lo, hi = min(grid), max(grid)
        for s in (lo, hi, (lo + hi) // 2, strike if lo <= strike <= hi else lo):
            assert payout(kind, strike, quantity, collateral, s) == gross_payout(kind, strike, quantity, s)


def test_margin_exactly_at_the_boundary():
    grid = default_grid(100 * SCALE)
    assert max(grid) == 150 * SCALE and min(grid) == 50 * SCALE
    # Call struck at 110 on 2 units: worst loss at 150 is 80.
    assert worst_loss(CALL, 110 * SCALE, 2 * SCALE, grid) == 80 * SCALE
    assert margin_ok(CALL, 110 * SCALE, 2 * SCALE, 80 * SCALE, grid)
    assert not margin_ok(CALL, 110 * SCALE, 2 * SCALE, 80 * SCALE - 1, grid)
    # Put struck at 90 on 2 units: worst loss at 50 is 80.
    assert worst_loss(PUT, 90 * SCALE, 2 * SCALE, grid) == 80 * SCALE
    assert margin_ok(PUT, 90 * SCALE, 2 * SCALE, 80 * SCALE, grid)
    assert not margin_ok(PUT, 90 * SCALE, 2 * SCALE, 80 * SCALE - 1, grid)
    # Strike not on the grid, out of the money everywhere: no margin needed.
    assert margin_ok(CALL, 151 * SCALE, 2 * SCALE, 0, grid)


def test_call_loss_above_the_grid_is_capped_by_collateral():
    grid = default_grid(100 * SCALE)
    collateral = worst_loss(CALL, 100 * SCALE, SCALE, grid)
    assert margin_ok(CALL, 100 * SCALE, SCALE, collateral, grid)
    # Far above the grid the claim exceeds the collateral, and the payout stops at it.
    assert gross_payout(CALL, 100 * SCALE, SCALE, 1000 * SCALE) > collateral
    assert payout(CALL, 100 * SCALE, SCALE, collateral, 1000 * SCALE) == collateral


def test_put_grid_with_zero_covers_every_price():
    grid = default_grid(100 * SCALE, [-SCALE, 0, SCALE])
    assert grid == [0, 100 * SCALE, 200 * SCALE]
    collateral = worst_loss(PUT, 80 * SCALE, 3 * SCALE, grid)
    assert collateral == 240 * SCALE
    for price in (0, 1, 79 * SCALE, U64_MAX):
        assert payout(PUT, 80 * SCALE, 3 * SCALE, collateral, price) == gross_payout(PUT, 80 * SCALE, 3 * SCALE, price)


def test_default_grid():
    assert len(DEFAULT_SHOCKS) >= 8
    assert default_grid(100 * SCALE) == [p * SCALE for p in (50, 70, 80, 90, 110, 120, 130, 150)]
    # Floors: spot 3 (0.000003) shocked by +50% is 4.5 -> 4.
    assert default_grid(3, [500_000, -500_000]) == [4, 1]
    assert default_grid(0) == [0] * len(DEFAULT_SHOCKS)
