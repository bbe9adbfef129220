"""Option payoff and margin with plain ints: the fixed-point spec the payoff and margin circuits follow.

Fixed point. Amounts, prices, strikes and collateral are unsigned integers in
units of 10^-6 (``SCALE = 10**6``, six decimals: 12.5 is ``12_500_000``).
The quantity is fixed point with the same six decimals (1.5 units is
``1_500_000``). Every one of these values is in [0, 2^64); anything else
raises ValueError. Products ``quantity * intrinsic`` are below 2^128 because
both factors are range-checked to 64 bits in the circuits, so no product can
wrap modulo r before it is compared (circuits/settle/SPEC.md).

Settlement of one cash-settled European option at price S:

- ``intrinsic = max(S - K, 0)`` for a call, ``max(K - S, 0)`` for a put;
- ``gross = floor(quantity * intrinsic / SCALE)``: the holder's claim, rounded
  down (rounding favours the writer by less than one unit of 10^-6);
- ``payout = min(gross, collateral)``: the holder never gets more than the
  writer locked;
- the writer gets ``collateral - payout``; the two always add up to the collateral.

Margin. ``worst_loss(kind, K, q, grid)`` is the largest gross payout over a
public grid of settlement prices and ``margin_ok`` asks ``collateral >=
worst_loss``. For a single call or put the gross payout is piecewise linear in
S with one kink at K, and monotonic: non-decreasing for a call, non-increasing
for a put (the floor keeps it monotonic). Hence:

- the grid's extremes decide the check: for a call the highest grid price,
  for a put the lowest; the other points cannot change the outcome, and the
  private strike need not be on the grid;
- a check that passes covers *every* price in [min(grid), max(grid)], not only
  the grid points (a monotonic function peaks at an end of an interval);
- a put's loss is bounded, ``floor(q * K / SCALE)`` at S = 0, so a grid that
  contains 0 makes the margin check cover every possible price;
- a call's loss is unbounded above the grid, so the check says nothing about
  prices above max(grid). That is why the payout is also capped by the
  collateral: above the grid the holder gets at most what was locked.

So the grid must contain the price scenarios the collateral is meant to cover,
in particular the extreme shock in each direction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Fixed-point scale: six decimals for amounts, prices, strikes, collateral and quantity.
SCALE = 10**6

#: Exclusive upper bound of every amount, price, strike, quantity and collateral.
U64_BOUND = 1 << 64

#: Products quantity * intrinsic are below this bound (both factors < 2^64).
U128_BOUND = 1 << 128

#: Option kinds.
CALL = 0
PUT = 1

#: Default shocks for ``default_grid``, in millionths (SCALE units): -50% .. +50%, eight points,
#: the grid size the ``open`` circuit takes by default.
DEFAULT_SHOCKS = (-500_000, -300_000, -200_000, -100_000, 100_000, 200_000, 300_000, 500_000)


def check_u64(value: object, what: str) -> int:
    """Return ``value`` if it is an int in [0, 2^64); raise ValueError naming ``what`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value < U64_BOUND:
        raise ValueError(f"{what} is out of range (must be in [0, 2^64))")
    return value


def check_kind(value: object) -> int:
    """Return ``value`` if it is CALL or PUT; raise ValueError otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value not in (CALL, PUT):
        raise ValueError(f"kind must be CALL (0) or PUT (1), got {value!r}")
    return value


def intrinsic(kind: int, strike: int, price: int) -> int:
    """Intrinsic value per unit: max(price - strike, 0) for a call, max(strike - price, 0) for a put."""
    kind, strike, price = check_kind(kind), check_u64(strike, "strike"), check_u64(price, "price")
    diff = price - strike if kind == CALL else strike - price
    return max(diff, 0)


def gross_payout(kind: int, strike: int, quantity: int, price: int) -> int:
    """The holder's claim before the collateral cap: floor(quantity * intrinsic / SCALE)."""
    value = intrinsic(kind, strike, price)
    return check_u64(quantity, "quantity") * value // SCALE


def payout(kind: int, strike: int, quantity: int, collateral: int, price: int) -> int:
    """What the holder receives: min(gross_payout, collateral); the writer gets collateral - payout."""
    collateral = check_u64(collateral, "collateral")
    return min(gross_payout(kind, strike, quantity, price), collateral)


def settle_amounts(kind: int, strike: int, quantity: int, collateral: int, price: int) -> tuple[int, int]:
    """(holder amount, writer amount) of a settlement at ``price``; they sum to the collateral."""
    paid = payout(kind, strike, quantity, collateral, price)
    return paid, collateral - paid


def _grid(grid: Iterable[int]) -> list[int]:
    points = list(grid)
    if not points:
        raise ValueError("the price grid is empty")
    return [check_u64(p, f"grid price {i}") for i, p in enumerate(points)]


def worst_loss(kind: int, strike: int, quantity: int, grid: Iterable[int]) -> int:
    """The writer's worst loss over the grid: the largest gross payout at any grid price."""
    return max(gross_payout(kind, strike, quantity, p) for p in _grid(grid))


def margin_ok(kind: int, strike: int, quantity: int, collateral: int, grid: Iterable[int]) -> bool:
    """True when collateral covers the worst loss over the grid (see the module docstring for what that covers)."""
    return check_u64(collateral, "collateral") >= worst_loss(kind, strike, quantity, grid)


def default_grid(spot: int, shocks: Sequence[int] = DEFAULT_SHOCKS) -> list[int]:
    """Grid prices floor(spot * (SCALE + shock) / SCALE), one per shock, in the order given.

    Shocks are ints in millionths (-200_000 is -20%) and at least -SCALE (a
    price cannot go below 0); every point must stay below 2^64.
    """
    spot = check_u64(spot, "spot")
    points = []
    for i, shock in enumerate(shocks):
        if not isinstance(shock, int) or isinstance(shock, bool):
            raise ValueError(f"shock {i} must be an int in millionths, got {type(shock).__name__}")
        if shock < -SCALE:
            raise ValueError(f"shock {i} is below -100%")
        points.append(check_u64(spot * (SCALE + shock) // SCALE, f"grid price {i}"))
    if not points:
        raise ValueError("no shocks given")
    return points
