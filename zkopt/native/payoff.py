"""Position payoff and margin with plain ints: the fixed-point spec the settle and open circuits follow.

Fixed point. Amounts, prices, strikes and collateral are unsigned integers in
units of 10^-6 (``SCALE = 10**6``, six decimals: 12.5 is ``12_500_000``).
The quantity is fixed point with the same six decimals (1.5 units is
``1_500_000``). Every one of these values is in [0, 2^64); anything else
raises ValueError.

**A position** is a list of legs on one underlying and one expiry. A leg is a
cash-settled European call or put (``kind``) with a ``strike``, an unsigned
``quantity`` and a ``side``: ``SHORT`` when the writer is short the leg (it
pays the holder ``quantity * intrinsic``), ``LONG`` when the writer is long it
(the holder owes that leg's payoff, which only offsets the position's short
legs: the holder never pays at settlement). At a price S:

- ``intrinsic = max(S - K, 0)`` for a call, ``max(K - S, 0)`` for a put;
- ``leg_value = +quantity * intrinsic`` (SHORT) or ``-quantity * intrinsic``
  (LONG): exact, in units of 10^-12 (two fixed-point factors), each term
  below 2^128;
- ``net_value = sum of leg_value``: exact, of either sign;
- ``gross = floor(max(net_value, 0) / SCALE)``: the holder's claim. **One
  rounding, of the sum**, down, so it favours the writer by less than one
  unit of 10^-6 in all; a flooring per leg would round each long leg's
  deduction down too (in the holder's favour) and add an error per leg;
- ``payout = min(gross, collateral)``: the holder never gets more than the
  writer locked; the writer gets ``collateral - payout``.

A one-leg SHORT position is exactly the single option: ``floor(q * intrinsic
/ SCALE)`` capped at the collateral.

**Margin.** ``worst_loss(legs, grid)`` is the largest gross claim over a
public grid of settlement prices (the portfolio requirement), and
``margin_ok`` asks ``collateral >= worst_loss``. The whole position is
priced at each grid price, so legs that lose at different prices (a
straddle's call and put) need the larger of their losses, not the sum, and a
long leg offsets the short legs' losses at the same price (a call spread needs
the spread). ``leg_requirements`` gives what each leg alone would need, each
rounded on its own: the position, rounded once, can need up to one unit of
10^-6 per extra leg more than their sum.

What a grid covers. Each leg's value is piecewise linear in S with one kink
at its strike, and so is the position. A position of SHORT legs only is a
sum of convex functions, hence convex: on [min(grid), max(grid)] its claim
peaks at an end, so the grid's two extremes decide the check and a passing
check covers every price in between (for one call the highest price, for one
put the lowest). With LONG legs the claim can peak between two grid prices
(a butterfly peaks at its middle strike): the check then covers the grid
prices only, and a finer grid (G = 16) narrows the gap. Outside the grid a
call's claim is unbounded above max(grid); settlement caps every payout at
the collateral, so the pool never pays more than was locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Fixed-point scale: six decimals for amounts, prices, strikes, collateral and quantity.
SCALE = 10**6

#: Exclusive upper bound of every amount, price, strike, quantity and collateral.
U64_BOUND = 1 << 64

#: Products quantity * intrinsic are below this bound (both factors < 2^64).
U128_BOUND = 1 << 128

#: Option kinds.
CALL = 0
PUT = 1

#: Sides of a leg, from the writer's view: SHORT pays the holder, LONG is owed by the holder (offsets only).
SHORT = 0
LONG = 1

#: Default shocks for ``default_grid``, in millionths (SCALE units): -50% .. +50%, eight points,
#: the grid size the ``open`` circuit takes by default.
DEFAULT_SHOCKS = (-500_000, -300_000, -200_000, -100_000, 100_000, 200_000, 300_000, 500_000)

#: A finer grid over the same range, sixteen points (``open`` with grid = 16): steps of 5% near the spot.
FINE_SHOCKS = (
    -500_000, -400_000, -300_000, -250_000, -200_000, -150_000, -100_000, -50_000,
    50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 400_000, 500_000,
)


def check_u64(value: object, what: str) -> int:
    """Return ``value`` if it is an int in [0, 2^64); raise ValueError naming ``what`` otherwise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value < U64_BOUND:
        raise ValueError(f"{what} is out of range (must be in [0, 2^64))")
    return value


def _check_flag(value: object, what: str, zero: str, one: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1):
        raise ValueError(f"{what} must be {zero} (0) or {one} (1), got {value!r}")
    return value


def check_kind(value: object) -> int:
    """Return ``value`` if it is CALL or PUT; raise ValueError otherwise."""
    return _check_flag(value, "kind", "CALL", "PUT")


def check_side(value: object) -> int:
    """Return ``value`` if it is SHORT or LONG; raise ValueError otherwise."""
    return _check_flag(value, "side", "SHORT", "LONG")


@dataclass(frozen=True)
class Leg:
    """One leg of a position: a call or put of ``quantity`` at ``strike``, which the writer is short or long."""

    kind: int
    strike: int
    quantity: int
    side: int = SHORT

    def __post_init__(self):
        check_kind(self.kind)
        check_u64(self.strike, "strike")
        check_u64(self.quantity, "quantity")
        check_side(self.side)

    def value(self, price: int) -> int:
        """The holder's exact claim on this leg at ``price`` (units of 10^-12): +q * intrinsic, or - for LONG."""
        claim = self.quantity * intrinsic(self.kind, self.strike, price)
        return -claim if self.side == LONG else claim


def intrinsic(kind: int, strike: int, price: int) -> int:
    """Intrinsic value per unit: max(price - strike, 0) for a call, max(strike - price, 0) for a put."""
    kind, strike, price = check_kind(kind), check_u64(strike, "strike"), check_u64(price, "price")
    diff = price - strike if kind == CALL else strike - price
    return max(diff, 0)


def _legs(legs: Iterable[Leg]) -> list[Leg]:
    items = list(legs)
    if not items:
        raise ValueError("a position needs at least one leg")
    for i, leg in enumerate(items):
        if not isinstance(leg, Leg):
            raise ValueError(f"leg {i} must be a Leg, got {type(leg).__name__}")
    return items


def net_value(legs: Iterable[Leg], price: int) -> int:
    """The exact sum of the legs' signed claims at ``price``, unscaled (units of 10^-12); any sign."""
    return sum(leg.value(price) for leg in _legs(legs))


def gross_payout(legs: Iterable[Leg], price: int) -> int:
    """The holder's claim before the collateral cap: floor(max(net_value, 0) / SCALE), one rounding of the sum."""
    return max(net_value(legs, price), 0) // SCALE


def payout(legs: Iterable[Leg], collateral: int, price: int) -> int:
    """What the holder receives: min(gross_payout, collateral); the writer gets collateral - payout."""
    collateral = check_u64(collateral, "collateral")
    return min(gross_payout(legs, price), collateral)


def settle_amounts(legs: Iterable[Leg], collateral: int, price: int) -> tuple[int, int]:
    """(holder amount, writer amount) of a settlement at ``price``; they sum to the collateral."""
    paid = payout(legs, collateral, price)
    return paid, collateral - paid


def _grid(grid: Iterable[int]) -> list[int]:
    points = list(grid)
    if not points:
        raise ValueError("the price grid is empty")
    return [check_u64(p, f"grid price {i}") for i, p in enumerate(points)]


def worst_loss(legs: Iterable[Leg], grid: Iterable[int]) -> int:
    """The portfolio requirement: the largest gross claim of the whole position at any grid price."""
    legs, points = _legs(legs), _grid(grid)
    return max(gross_payout(legs, p) for p in points)


def worst_price(legs: Iterable[Leg], grid: Iterable[int]) -> int:
    """The first grid price at which the position's gross claim is ``worst_loss``."""
    legs, points = _legs(legs), _grid(grid)
    return max(points, key=lambda p: gross_payout(legs, p))


def leg_requirements(legs: Iterable[Leg], grid: Iterable[int]) -> list[int]:
    """What each leg alone would need: ``worst_loss([leg], grid)`` per leg (0 for a LONG leg)."""
    points = _grid(grid)
    return [worst_loss([leg], points) for leg in _legs(legs)]


def margin_ok(legs: Iterable[Leg], collateral: int, grid: Iterable[int]) -> bool:
    """True when collateral covers the worst loss over the grid (see the module docstring for what that covers)."""
    return check_u64(collateral, "collateral") >= worst_loss(legs, grid)


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
