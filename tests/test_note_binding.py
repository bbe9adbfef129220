"""The blocking attacks of the note-binding issue, with REAL proofs at depth 4 on a real ledger.

Each attack froze an option's collateral for good under the old formulas
(a free ``rho`` at open, a nullifier of the rho alone, settlement outputs
derived from the rho alone, and deposits of any opening):

1. shared option nullifier: the holder (or the writer), who knows a live
   option's rho, opens a dummy option with that rho and settles it at once;
2. squatted settlement output: before expiry the holder deposits a 0 note
   equal to the future ``cm_holder`` (the writer: ``cm_writer`` of a capped call).

Now each has no witness, or the ledger refuses it with the file unchanged,
and the honest settlement afterwards is accepted; the audit passes.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from tests.ledger_fixtures import ASSET, SPOT, assert_rejected
from tests.market_fixtures import Market
from zkopt import r1cs
from zkopt.audit import audit
from zkopt.circuits import build, deposit, open_position, settle
from zkopt.errors import Unsatisfied
from zkopt.groth16 import prove
from zkopt.ledger import Observation, oracle
from zkopt.native import payoff
from zkopt.native.notes import CALL, Leg, Position, deposit_note, open_notes, public_key

SCALE = payoff.SCALE
STRIKE = SPOT * 11 // 10  # a call 10% out of the money at the spot
QUANTITY = 2 * SCALE
OTM_PRICE = SPOT  # settles below the strike: the holder's output is a 0 note
CAPPED_PRICE = 10 * SPOT  # far in the money: the payout is the whole collateral, the writer's output a 0 note


@pytest.fixture(scope="module")
def story(real_keys, tmp_path_factory):
    """Deposits, a spot, and alice's call to bob, all accepted; the attacks run against this ledger."""
    rng = random.Random(9_2026)
    market = Market(tmp_path_factory.mktemp("binding") / "ledger.db", real_keys, rng)
    alice_sk, bob_sk = rng.randrange(1, 2**250), rng.randrange(1, 2**250)
    alice_cash = deposit_note(1_000 * SPOT, public_key(alice_sk), 11)
    bob_cash = deposit_note(10 * SCALE, public_key(bob_sk), 12)
    market.submit("deposit", deposit.inputs(alice_cash, 11))
    market.submit("deposit", deposit.inputs(bob_cash, 12))
    spot_time = market.clock.t
    spot = [oracle.sign(Observation(ASSET, spot_time, SPOT, spot_time), market.members[i]) for i in (0, 1)]
    market.ledger.post_price(spot)
    grid = market.ledger.margin_grid(ASSET)
    collateral = payoff.worst_loss([Leg(CALL, STRIKE, QUANTITY)], grid)
    expiry = spot_time + 3600
    position = Position(ASSET, expiry, (Leg(CALL, STRIKE, QUANTITY),))
    live, _ = open_notes(alice_cash, alice_sk, position, collateral=collateral, holder_pk=public_key(bob_sk))
    receipt, _, _ = market.submit("open", open_position.inputs(alice_cash, alice_sk, market.tree.membership(0), live, grid))
    market.clock.advance(60)
    return {
        "market": market, "rng": rng, "alice_sk": alice_sk, "bob_sk": bob_sk, "bob_cash": bob_cash, "bob_index": 1,
        "spot_time": spot_time, "grid": grid, "live": live, "live_index": receipt.leaf_indices[0],
    }


def _prove(market, kind, inputs):
    """A proof of ``inputs`` with the real key, or Unsatisfied when the statement has no witness."""
    _, pk = market.keys[kind]
    witness = r1cs.solve(build(kind, pk.params), inputs)
    return witness, prove(pk, witness, market.rng)


def _dummy_position(story, expiry=None):
    """The dummy the attacks need: quantity 0, expiring at the spot's time (it has a price) unless told."""
    return Position(ASSET, story["spot_time"] if expiry is None else expiry, (Leg(CALL, STRIKE, 0),))


def test_a_dummy_option_with_the_live_options_rho_has_no_witness(story):
    market, live = story["market"], story["live"]
    bob_cash, bob_sk = story["bob_cash"], story["bob_sk"]
    dummy, _ = open_notes(bob_cash, bob_sk, _dummy_position(story), collateral=0, holder_pk=live.holder_pk)
    with_live_rho = dataclasses.replace(dummy, rho=live.rho)
    with pytest.raises(ValueError, match="rho is not the one this spend derives"):
        open_position.inputs(bob_cash, bob_sk, market.tree.membership(story["bob_index"]), with_live_rho, story["grid"])
    # Written by hand, the inputs fail where the circuit derives the option's rho from bob's nullifier.
    inputs = open_position.inputs(bob_cash, bob_sk, market.tree.membership(story["bob_index"]), dummy, story["grid"])
    inputs["cm_option"] = str(with_live_rho.commitment())
    with pytest.raises(Unsatisfied, match="open/cm_option/equal"):
        _prove(market, "open", inputs)
    # And were such a note ever made, its nullifier binds its own commitment, not the live option's.
    assert with_live_rho.nullifier() != live.nullifier()


def test_the_best_dummy_open_and_settle_leave_the_live_option_settleable(story):
    """The attacker's best effort (an honest dummy, opened and settled soon after) spends only its own nullifier."""
    market, live = story["market"], story["live"]
    bob_cash, bob_sk = story["bob_cash"], story["bob_sk"]
    path = market.tree.membership(story["bob_index"])
    # Already expired (the spot's time has a price), it could settle at once: the ledger refuses the open.
    expired, _ = open_notes(bob_cash, bob_sk, _dummy_position(story), collateral=0, holder_pk=live.holder_pk)
    witness, proof = _prove(market, "open", open_position.inputs(bob_cash, bob_sk, path, expired, story["grid"]))
    assert_rejected(market.ledger, lambda: market.ledger.submit("open", witness.public, proof),
                    "is not after the ledger's time")
    # Expiring a second from now, with a price attested for that second, it opens and settles.
    soon = market.clock.t + 1
    dummy, _ = open_notes(bob_cash, bob_sk, _dummy_position(story, soon), collateral=0, holder_pk=live.holder_pk)
    opened, _, _ = market.submit("open", open_position.inputs(bob_cash, bob_sk, path, dummy, story["grid"]))
    market.clock.advance(2)
    market.ledger.post_price([oracle.sign(Observation(ASSET, soon, SPOT, soon), market.members[i]) for i in (0, 1)])
    market.submit("settle", settle.inputs(dummy, market.tree.membership(opened.leaf_indices[0]), SPOT))
    assert market.ledger.is_spent(dummy.nullifier())
    assert not market.ledger.is_spent(live.nullifier())


@pytest.mark.parametrize(("side", "price"), [(0, OTM_PRICE), (1, CAPPED_PRICE)], ids=["holder", "writer"])
def test_a_deposit_equal_to_a_future_settlement_output_has_no_witness(story, side, price):
    market, live = story["market"], story["live"]
    target = live.settlement_notes(price)[side]
    assert target.amount == 0  # the 0 note either party could have deposited before
    # The deposit circuit hashes whatever seed it is given into the deposit domain: no seed gives the
    # target's rho, which the settlement derives from the option's nullifier.
    inputs = {"amount": "0", "cm_out": str(target.commitment()), "owner_pk": str(target.owner_pk), "seed": str(target.rho)}
    with pytest.raises(Unsatisfied, match="deposit/cm_out/equal"):
        _prove(market, "deposit", inputs)
    # A real proof of an honest 0 deposit, its commitment swapped for the target's: the proof fails.
    witness, proof = _prove(market, "deposit", deposit.inputs(deposit_note(0, target.owner_pk, 99), 99))
    public = list(witness.public)
    public[witness.r1cs.public_names.index("cm_out")] = target.commitment()
    assert_rejected(market.ledger, lambda: market.ledger.submit("deposit", public, proof), "does not verify")


def test_the_honest_settlement_is_accepted_after_the_attacks_and_the_audit_passes(story):
    market, live = story["market"], story["live"]
    expiry = live.position.expiry
    market.clock.t = expiry + 120
    report = [oracle.sign(Observation(ASSET, expiry, OTM_PRICE, expiry + 60), market.members[i]) for i in (1, 2)]
    market.ledger.post_price(report)
    receipt, _, _ = market.submit("settle", settle.inputs(live, market.tree.membership(story["live_index"]), OTM_PRICE))
    holder, writer = live.settlement_notes(OTM_PRICE)
    assert (holder.amount, writer.amount) == (0, live.collateral)
    assert market.ledger.find_commitment(holder.commitment())[0] == receipt.leaf_indices[0]
    assert market.ledger.find_commitment(writer.commitment())[0] == receipt.leaf_indices[1]
    report = audit(market.ledger, rng=random.Random(5))
    assert report.ok, report.to_text()
