"""The scripted scenario of the ledger tests, with the REAL circuits at depth 4, through the Python API.

Deposit, attest a spot, open a call margin-checked on the ledger's grid
(the spot x the genesis shocks), report the price after expiry, settle,
withdraw part of the payout: every proof is a real Groth16 proof of the
project's circuits (keys shared with the CLI tests), every transaction is
accepted, and the auditor finds nothing. Then the negative twins: the
settlement replayed (the same proof, and a fresh proof of the same statement)
is rejected with the database unchanged, and an under-margined open has no
proof at all.
"""

from __future__ import annotations

import random

import pytest

from tests.ledger_fixtures import (
    ASSET,
    COLLATERAL,
    DEPOSIT,
    GRID,
    QUANTITY,
    RECIPIENT,
    SETTLE_PRICE,
    SPOT,
    STRIKE,
    WITHDRAW,
    assert_rejected,
    snapshot,
)
from tests.cli_fixtures import DEPTH
from tests.market_fixtures import Market
from zkopt import r1cs
from zkopt.audit import audit, check_disclosure, export_opening
from zkopt.circuits import build, deposit, open_position, settle, withdraw
from zkopt.errors import Unsatisfied
from zkopt.groth16 import prove
from zkopt.ledger import Observation, oracle
from zkopt.native import payoff
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CALL, Leg, Position, deposit_note, open_notes, public_key


@pytest.fixture(scope="module")
def scenario(real_keys, tmp_path_factory):
    rng = random.Random(5_2026)
    market = Market(tmp_path_factory.mktemp("scenario") / "ledger.db", real_keys, rng)
    sk_writer, sk_holder = rng.randrange(1, 2**250), rng.randrange(1, 2**250)
    pk_writer, pk_holder = public_key(sk_writer), public_key(sk_holder)
    expiry = market.clock.t + 3600
    seed = rng.randrange(1, 2**250)
    cash = deposit_note(DEPOSIT, pk_writer, seed)
    position = Position(ASSET, expiry, (Leg(CALL, STRIKE, QUANTITY),))
    option, _ = open_notes(cash, sk_writer, position, collateral=COLLATERAL, holder_pk=pk_holder)
    assert payoff.margin_ok(position.legs, COLLATERAL, GRID)
    receipts = {}

    receipts["deposit"], _, _ = market.submit("deposit", deposit.inputs(cash, seed))
    now = market.clock.t
    spot = [oracle.sign(Observation(ASSET, now, SPOT, now), market.members[i]) for i in (0, 1)]
    receipts["spot"] = market.ledger.post_price(spot)
    grid = market.ledger.margin_grid(ASSET)
    assert grid == GRID
    receipts["open"], _, _ = market.submit("open", open_position.inputs(cash, sk_writer, market.tree.membership(0), option, grid))
    market.clock.advance(3600 + 120)
    observed = market.clock.t - 60
    report = [
        oracle.sign(Observation(ASSET, expiry, price, observed), market.members[i])
        for i, price in ((0, SETTLE_PRICE), (2, SETTLE_PRICE))
    ]
    receipts["price"] = market.ledger.post_price(report)
    option_index = receipts["open"].leaf_indices[0]
    receipts["settle"], settle_public, settle_proof = market.submit(
        "settle", settle.inputs(option, market.tree.membership(option_index), SETTLE_PRICE)
    )
    holder_note, writer_note = option.settlement_notes(SETTLE_PRICE)
    holder_index = receipts["settle"].leaf_indices[0]
    receipts["withdraw"], _, _ = market.submit(
        "withdraw",
        withdraw.inputs(holder_note, sk_holder, market.tree.membership(holder_index), WITHDRAW, RECIPIENT),
    )
    return {
        "market": market,
        "receipts": receipts,
        "option": option,
        "option_index": option_index,
        "cash": cash,
        "sk_writer": sk_writer,
        "position": position,
        "holder_note": holder_note,
        "writer_note": writer_note,
        "settle": (settle_public, settle_proof),
    }


def test_every_transaction_is_accepted_and_the_books_balance(scenario):
    receipts, market = scenario["receipts"], scenario["market"]
    assert [receipts[k].seq for k in ("deposit", "spot", "open", "price", "settle", "withdraw")] == [1, 2, 3, 4, 5, 6]
    assert receipts["price"].price == SETTLE_PRICE  # the price both signers attest
    state = market.ledger.state()
    assert state.pool_balance == DEPOSIT - WITHDRAW
    assert state.leaf_count == 6
    holder, writer = scenario["holder_note"], scenario["writer_note"]
    assert holder.amount == payoff.payout([Leg(CALL, STRIKE, QUANTITY)], COLLATERAL, SETTLE_PRICE) > WITHDRAW
    assert holder.amount + writer.amount == COLLATERAL
    assert market.ledger.find_commitment(writer.commitment()) == (receipts["settle"].leaf_indices[1], 5)


def test_audit_passes_and_disclosure_finds_the_settled_option(scenario):
    market = scenario["market"]
    report = audit(market.ledger, rng=random.Random(3))
    assert report.ok, report.to_text()
    assert (report.transactions, report.price_reports, report.proofs_checked) == (4, 2, 4)
    disclosed = check_disclosure(market.ledger, export_opening(scenario["option"]))
    assert (disclosed.leaf_index, disclosed.seq, disclosed.spent_in) == (scenario["option_index"], 3, 5)


def test_a_replayed_settlement_is_rejected_and_changes_nothing(scenario):
    market = scenario["market"]
    public, proof = scenario["settle"]
    assert_rejected(market.ledger, lambda: market.ledger.submit("settle", public, proof), "already spent")
    # A fresh proof of the same statement (Groth16 proofs are re-randomisable) is no way around it.
    fresh_public, fresh_proof = market.prove(
        "settle", settle.inputs(scenario["option"], market.tree.membership(scenario["option_index"]), SETTLE_PRICE)
    )
    assert fresh_proof != proof
    before = snapshot(market.ledger.path)
    assert_rejected(market.ledger, lambda: market.ledger.submit("settle", fresh_public, fresh_proof), "already spent")
    assert snapshot(market.ledger.path) == before
    assert audit(market.ledger, rng=random.Random(4)).ok


def test_an_under_margined_open_has_no_proof(scenario, real_keys):
    cash = scenario["cash"]
    collateral = payoff.worst_loss(scenario["position"].legs, GRID) - 1
    short, _ = open_notes(cash, scenario["sk_writer"], scenario["position"], collateral=collateral,
                          holder_pk=scenario["option"].holder_pk)
    tree = MerkleTree(DEPTH)
    index = tree.append(cash.commitment())
    inputs = open_position.inputs(cash, scenario["sk_writer"], tree.membership(index), short, GRID)
    witness = r1cs.solve(build("open", real_keys["open"][1].params), inputs)
    assert witness.which_unsatisfied().startswith("open/margin/point_7/")
    with pytest.raises(Unsatisfied):
        prove(real_keys["open"][1], witness, random.Random(1))
