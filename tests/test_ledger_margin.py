"""The margin policy with stand-in circuits: an open's grid must be the ledger's, from the asset's last attested spot.

The grid is payoff.default_grid(spot, genesis margin shocks) for the spot of
the asset's attested report with the latest expiry at or before the ledger's
clock (docs/ledger.md, check 2.4); every refusal leaves the file unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re

import pytest

from tests.ledger_fixtures import (
    ASSET,
    GRID,
    SPOT,
    World,
    deposit,
    make_genesis,
    member_keys,
    refused,
)
from zkopt.audit import audit
from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.ledger import Genesis, Ledger
from zkopt.native import payoff


@pytest.fixture
def world(ledger_location, tmp_path, rng):
    w = World(ledger_location, rng)
    yield w
    w.ledger.close()


def open_values(world, grid, asset=ASSET):
    fresh = world.fresh
    return dict(root=world.ledger.root, nf_in=fresh(), cm_option=fresh(), cm_change=fresh(), asset=asset, grid=grid)


def test_open_on_the_ledgers_margin_grid_is_accepted(world):
    deposit(world)
    world.post_spot(ASSET, SPOT)
    assert world.ledger.margin_grid(ASSET) == GRID == payoff.default_grid(SPOT, world.genesis.margin_shocks)
    assert world.ledger.spot_price(ASSET).price == SPOT
    receipt = world.submit("open", **open_values(world, GRID))
    assert receipt.kind == "open" and receipt.seq == 3
    assert audit(world.ledger, rng=random.Random(1)).ok


@pytest.mark.parametrize(
    "grid, given",
    [
        ([g // 2 for g in GRID], f"given [{GRID[0] // 2} .. {GRID[-1] // 2}]"),  # a grid below a call's strike
        (GRID[:-1] + [GRID[-1] - 1], f"given [{GRID[0]} .. {GRID[-1] - 1}]"),  # one point off
        (list(reversed(GRID)), f"given [{GRID[0]} .. {GRID[-1]}]"),  # same prices, another order
    ],
    ids=["halved", "one-point-off", "reordered"],
)
def test_open_with_another_grid_is_rejected(world, grid, given):
    deposit(world)
    world.post_spot(ASSET, SPOT)
    public, proof = world.prove("open", **open_values(world, grid))
    reason = refused(world, "open", public, proof, "the margin grid is not the ledger's")
    assert f"expected [{GRID[0]} .. {GRID[-1]}] (spot {SPOT} x the genesis shocks)" in reason and given in reason
    # Twin: the same transaction with the ledger's grid passes.
    world.submit("open", **open_values(world, GRID))


def test_open_without_an_attested_spot_is_rejected(world):
    deposit(world)
    public, proof = world.prove("open", **open_values(world, GRID))
    refused(world, "open", public, proof, f"no attested spot price for asset {ASSET}")
    with pytest.raises(LedgerRejected, match="no attested spot price"):
        world.ledger.margin_grid(ASSET)
    assert world.ledger.spot_price(ASSET) is None
    # Another asset's spot is no spot for this one.
    other = int.from_bytes(b"ETH-USD", "big")
    world.post_spot(other, SPOT)
    refused(world, "open", public, proof, "no attested spot price")
    assert world.ledger.margin_grid(other) == GRID
    # Twin: once the asset has a spot, the same proof is accepted.
    world.post_spot(ASSET, SPOT)
    world.ledger.submit("open", public, proof)


def test_a_newer_spot_changes_the_required_grid(world):
    deposit(world)
    world.post_spot(ASSET, SPOT)
    old = world.submit("open", **open_values(world, GRID))
    world.clock.advance(60)
    newer = 32_000_000_000
    world.post_spot(ASSET, newer)
    required = payoff.default_grid(newer)
    assert world.ledger.margin_grid(ASSET) == required != GRID
    public, proof = world.prove("open", **open_values(world, GRID))
    reason = refused(world, "open", public, proof, f"spot {newer} x the genesis shocks")
    assert f"expected [{required[0]} .. {required[-1]}]" in reason
    world.submit("open", **open_values(world, required))
    # A settlement report of an expiry after the spot's is the newest spot once it is posted.
    world.clock.advance(60)
    world.ledger.post_price(world.attest(ASSET, world.clock.t - 10, [29_000_000_000] * 2, world.clock.t))
    assert world.ledger.margin_grid(ASSET) == payoff.default_grid(29_000_000_000)
    assert old.seq == 3 and audit(world.ledger, rng=random.Random(2)).ok


def test_margin_shocks_are_part_of_the_genesis():
    members = member_keys(3)
    good = make_genesis(members, 2)
    assert good.margin_shocks == payoff.DEFAULT_SHOCKS
    assert good.to_json()["margin_shocks"] == list(payoff.DEFAULT_SHOCKS)
    other = dataclasses.replace(good, margin_shocks=tuple(s // 2 for s in payoff.DEFAULT_SHOCKS))
    assert other.hash() != good.hash()
    assert Genesis.from_json(json.loads(json.dumps(other.to_json()))).hash() == other.hash()
    for shocks, match in [
        ((100_000,) * 7, "takes 8 grid prices but the genesis lists 7 margin shocks"),
        ((100_000,) * 9, "lists 9 margin shocks"),
        ((), "no margin shock"),
        ((-1_000_001,) + (0,) * 7, "margin shock 0"),
        ((0,) * 7 + (True,), "margin shock 7"),
        ("shocks!", "list of integers"),
    ]:
        with pytest.raises(MalformedInput, match=re.escape(match)):
            dataclasses.replace(good, margin_shocks=shocks)
    # Without an open circuit any non-empty list of valid shocks is accepted.
    deposit_only = Genesis(
        {"deposit": good.circuits["deposit"]}, good.committee, 2, margin_shocks=(-500_000, 500_000)
    )
    assert deposit_only.margin_shocks == (-500_000, 500_000)


def test_a_ledger_with_other_shocks_requires_their_grid(ledger_location, tmp_path, rng):
    shocks = (-900_000, -600_000, -300_000, 0, 100_000, 300_000, 600_000, 900_000)
    world = World(ledger_location, rng, margin_shocks=shocks)
    try:
        deposit(world)
        world.post_spot(ASSET, SPOT)
        required = payoff.default_grid(SPOT, shocks)
        assert world.ledger.margin_grid(ASSET) == required
        public, proof = world.prove("open", **open_values(world, GRID))
        refused(world, "open", public, proof, f"expected [{required[0]} .. {required[-1]}]")
        world.submit("open", **open_values(world, required))
        world.ledger.close()
        with Ledger.open(world.path) as reopened:
            assert reopened.genesis.margin_shocks == shocks and reopened.genesis.hash() == world.genesis.hash()
        world.ledger = Ledger.open(world.path, clock=world.clock)
        assert audit(world.ledger, rng=random.Random(3)).ok
    finally:
        world.ledger.close()




@pytest.mark.parametrize("offset", [-3600, -1, 0])
def test_an_open_whose_expiry_is_not_after_the_clock_is_refused(world, offset):
    """An expiry that has passed (or is now) would settle at once, at a price that may already be attested."""
    deposit(world)
    world.post_spot(ASSET, SPOT)
    values = open_values(world, GRID)
    public, proof = world.prove("open", **values, expiry=world.clock.t + offset)
    refused(world, "open", public, proof, f"is not after the ledger's time {world.clock.t}")
    # Twin: one second later than the clock is accepted.
    world.submit("open", **open_values(world, GRID), expiry=world.clock.t + 1)
