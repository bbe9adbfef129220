"""Every refusal of the SQLite ledger is also the pool's: one test per rule, on both backends.

``market`` is a SQLite ledger (tests/ledger_fixtures.World) or a pool on the
Hardhat node (tests/chain_fixtures.ChainMarket), with the same stand-in
circuits, a root history of 2 and the same helpers; each test builds what its
rule needs with fresh values on the module's market, submits the offending
transaction and checks the refusal (the reason names the rule, in each
backend's words) and that the entry count did not move. The pool's refusals
come from the contract itself: the chain client checks nothing but the shape
before sending. The pool runs on Hardhat rather than py-evm, whose pairing
precompile (py_ecc) takes about a second a verified transaction (this module
took 57 s with py-evm, 20 s on Hardhat, node start included); py-evm still
runs the pool's whole scenario and audit in tests/test_chain_pool.py.
"""

from __future__ import annotations

import random

import pytest

from tests.chain_fixtures import ChainMarket
from tests.ledger_fixtures import World
from zkopt.errors import LedgerRejected
from zkopt.native import payoff

ASSET = int.from_bytes(b"RULES-USD", "big")
SPOT = 2_000 * 10**6
PRICE = 2_100 * 10**6


@pytest.fixture(scope="module", params=["sqlite", pytest.param("chain", marks=pytest.mark.evm)])
def market(request, tmp_path_factory):
    if request.param == "sqlite":
        world = World(tmp_path_factory.mktemp("rules") / "ledger.db", random.Random(7), history=2)
    else:
        from zkopt.chain import node

        world = ChainMarket(node.connect(request.getfixturevalue("hardhat_url")), random.Random(7), history=2)
    world.backend = request.param
    world.post_spot(ASSET, SPOT)
    return world


def refused(market, action, sqlite: str, chain: str) -> str:
    before = market.ledger.state().entries
    with pytest.raises(LedgerRejected) as info:
        action()
    reason = info.value.reason
    assert "\n" not in reason
    assert (sqlite if market.backend == "sqlite" else chain) in reason, reason
    assert market.ledger.state().entries == before
    return reason


def cash(market, amount=10**9) -> int:
    """A deposit to a fresh commitment; returns a nullifier to spend it with (stand-ins bind nothing else)."""
    market.submit("deposit", amount=amount, cm_out=market.fresh())
    return market.fresh()


def open_values(market, **overrides):
    values = dict(root=market.ledger.root, nf_in=market.fresh(), cm_option=market.fresh(), cm_change=market.fresh(),
                  asset=ASSET, grid=market.ledger.margin_grid(ASSET))
    values.update(overrides)
    return values


def withdraw_values(market, **overrides):
    values = dict(root=market.ledger.root, nf_in=market.fresh(), amount=1, recipient=0xAB, cm_change=market.fresh())
    values.update(overrides)
    return values


def test_replayed_nullifier(market):
    nf = cash(market)
    market.submit("withdraw", **withdraw_values(market, nf_in=nf))
    refused(market, lambda: market.submit("withdraw", **withdraw_values(market, nf_in=nf)),
            "already spent", "the nullifier was already spent")


def test_replayed_deposit_commitment(market):
    cm = market.fresh()
    market.submit("deposit", amount=5, cm_out=cm)
    refused(market, lambda: market.submit("deposit", amount=5, cm_out=cm),
            "already on the ledger", "already on the ledger")


def test_same_commitment_twice_in_one_transaction(market):
    cm = market.fresh()
    refused(market, lambda: market.submit("open", **open_values(market, cm_option=cm, cm_change=cm)),
            "same commitment twice", "same commitment twice")


def test_a_batch_judges_each_transaction_and_the_rest_go_on(market):
    from zkopt.ledger import Receipt, Transaction

    cm = market.fresh()
    market.submit("deposit", amount=5, cm_out=cm)
    replayed = Transaction("deposit", *market.prove("deposit", amount=5, cm_out=cm))
    good = Transaction("deposit", *market.prove("deposit", amount=6, cm_out=market.fresh()))
    before = market.ledger.state().entries
    results = market.ledger.submit_batch([replayed, good])
    assert isinstance(results[0], LedgerRejected) and "already on the ledger" in results[0].reason
    assert isinstance(results[1], Receipt) and results[1].seq == before + 1
    assert market.ledger.state().entries == before + 1


def test_stale_root(market):
    stale = market.ledger.root
    cash(market)
    cash(market)  # two newer roots: with a history of 2 the old one has left the window
    refused(market, lambda: market.submit("withdraw", **withdraw_values(market, root=stale)),
            "not one of the last 2 roots", "not one of the recent roots")
    refused(market, lambda: market.submit("withdraw", **withdraw_values(market, root=market.fresh())),
            "stale or unknown", "stale or unknown")


def test_withdrawal_above_the_pool(market):
    pool = market.ledger.state().pool_balance
    refused(market, lambda: market.submit("withdraw", **withdraw_values(market, amount=pool + 1)),
            "exceeds the pool balance", "exceeds the pool balance")


def test_amount_above_64_bits(market):
    from zkopt.errors import MalformedSubmission

    with pytest.raises(MalformedSubmission, match="exceeds 64 bits"):  # the shape: refused before anything is sent
        market.submit("deposit", amount=1 << 64, cm_out=market.fresh())


def test_open_with_an_expiry_not_after_the_clock(market):
    cash(market)
    refused(market, lambda: market.submit("open", **open_values(market, expiry=market.clock.t - 1)),
            "is not after the ledger's time", "is not after the block's time")
    refused(market, lambda: market.submit("open", **open_values(market, expiry=0)),
            "is not after the ledger's time", "is not after the block's time")


def test_foreign_grid(market):
    halved = [p // 2 for p in market.ledger.margin_grid(ASSET)]
    refused(market, lambda: market.submit("open", **open_values(market, grid=halved)),
            "margin grid is not the ledger's", "margin grid is not the pool's")
    refused(market, lambda: market.submit("open", **open_values(market, asset=ASSET + 1, grid=halved)),
            "no attested spot price", "no attested spot price")


def _settle(market, expiry, price, **overrides):
    values = dict(root=market.ledger.root, nf_option=market.fresh(), asset=ASSET, expiry=expiry, price=price,
                  cm_holder=market.fresh(), cm_writer=market.fresh())
    values.update(overrides)
    return values


def test_early_settle(market):
    expiry = market.clock.t + 3_600
    refused(market, lambda: market.submit("settle", **_settle(market, expiry, PRICE)),
            "has not passed", "the expiry has not passed")


def test_wrong_and_missing_price(market):
    market.clock.advance(10)
    expiry = market.clock.t
    refused(market, lambda: market.submit("settle", **_settle(market, expiry, PRICE)),
            "no attested price", "no attested price")
    market.clock.advance(60)
    market.ledger.post_price(market.attest(ASSET, expiry, [PRICE, PRICE], market.clock.t))
    refused(market, lambda: market.submit("settle", **_settle(market, expiry, PRICE + 1)),
            "differs from the attested price", "differs from the attested price")
    market.submit("settle", **_settle(market, expiry, PRICE))


def test_bad_proof(market):
    public, proof = market.prove("deposit", amount=7, cm_out=market.fresh())
    changed = [public[0], (public[1] + 1)]
    refused(market, lambda: market.ledger.submit("deposit", changed, proof),
            "does not verify", "does not verify under the deposit verification key")
    other_public, other_proof = market.prove("withdraw", **withdraw_values(market))
    refused(market, lambda: market.ledger.submit("withdraw", other_public, proof),
            "does not verify", "does not verify under the withdraw verification key")


@pytest.mark.parametrize("case", ["too-few", "non-member", "two-prices", "twice", "before-expiry", "second-report"])
def test_oracle_rules(market, case):
    market.clock.advance(5)
    expiry = market.clock.t
    market.clock.advance(5)
    now = market.clock.t
    reports = {
        "too-few": (market.attest(ASSET, expiry, [PRICE], now), "at least 2 required", "too few oracle signatures"),
        "two-prices": (market.attest(ASSET, expiry, [PRICE, PRICE + 1], now), "one price", "one price"),
        "twice": (market.attest(ASSET, expiry, [PRICE, PRICE], now, signers=[0, 0]), "signed twice",
                  "signed twice"),
        "before-expiry": (market.attest(ASSET, expiry, [PRICE, PRICE], expiry - 1), "before the expiry",
                          "before the expiry"),
    }
    if case == "non-member":
        if market.backend == "sqlite":
            from tests.ledger_fixtures import member_keys
            from zkopt.ledger import Observation, oracle

            key = member_keys(4, seed=99)[3]
            outsider = oracle.sign(Observation(ASSET, expiry, PRICE, now), key)
        else:
            from tests.chain_fixtures import member_keys
            from zkopt.chain import oracle as chain_oracle
            from zkopt.ledger import Observation

            outsider = chain_oracle.sign(Observation(ASSET, expiry, PRICE, now), member_keys(1, seed=99)[0])
        attestations = [market.attest(ASSET, expiry, [PRICE], now)[0], outsider]
        refused(market, lambda: market.ledger.post_price(attestations), "unknown key", "not signed by a committee member")
        return
    if case == "second-report":
        market.ledger.post_price(market.attest(ASSET, expiry, [PRICE, PRICE], now))
        refused(market, lambda: market.ledger.post_price(market.attest(ASSET, expiry, [PRICE, PRICE], now, [1, 2])),
                "already has a final price", "already has a final price")
        return
    attestations, sqlite, chain = reports[case]
    refused(market, lambda: market.ledger.post_price(attestations), sqlite, chain)


def test_the_latest_report_is_the_spot_and_sets_the_grid(market):
    market.post_spot(ASSET, 3 * SPOT)
    assert market.ledger.margin_grid(ASSET) == payoff.default_grid(3 * SPOT, payoff.DEFAULT_SHOCKS)
    market.submit("open", **open_values(market))


def test_after_every_refusal_the_ledger_audits_clean(market):
    """Last in the module: the accepted entries (one- and two-leaf appends, reports) replay to the same state."""
    if market.backend == "sqlite":
        from zkopt.audit import audit

        report = audit(market.ledger.path)
    else:
        from zkopt.chain.audit import audit_chain

        report = audit_chain(market.ledger)
    assert report.ok, report.to_text()
    assert report.entries == market.ledger.state().entries > 10
