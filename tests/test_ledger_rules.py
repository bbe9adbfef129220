"""The ledger's rules as pure functions: each holds for good values and names the culprit, in both voices, for bad ones.

The ledger (tests/test_ledger.py) and the auditor (tests/test_audit.py) are
tested end to end; here are the rules on plain values, including the cases
neither reaches with an honest ledger file.
"""

from __future__ import annotations

import pickle

import pytest

from zkopt import curve
from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.groth16 import Proof
from zkopt.ledger import SPECS, rules
from zkopt.ledger.oracle import FinalPrice
from zkopt.ledger.rules import RuleBroken
from zkopt.native import payoff

SETTLE = SPECS["settle"]
OPEN = SPECS["open"]
OPEN_NAMES = ("root", "nf_in", "cm_option", "cm_change", "asset", "expiry", *(f"grid[{i}]" for i in range(8)))


def broken(rule, *args) -> RuleBroken:
    with pytest.raises(RuleBroken) as info:
        rule(*args)
    e = info.value
    assert isinstance(e, LedgerRejected) and e.reason == str(e) and "\n" not in e.reason + e.finding
    copy = pickle.loads(pickle.dumps(e))  # a refusal raised in a worker process reaches its caller whole
    assert (type(copy), copy.check, copy.reason, copy.finding) == (type(e), e.check, e.reason, e.finding)
    return e


def test_shape_rules_are_unusable_input_and_state_rules_refusals():
    """A submission that cannot even be checked is MalformedInput too (the CLI's exit 2); a refused one is not."""
    assert isinstance(broken(rules.public_values, "settle", ("a", "b"), [1]), MalformedInput)
    assert isinstance(broken(rules.public_values, "settle", ("a",), [rules.R]), MalformedInput)
    assert isinstance(broken(rules.u64_inputs, SETTLE, settle_values(price=payoff.U64_BOUND)), MalformedInput)
    assert isinstance(broken(rules.groth16_proof, "proof"), MalformedInput)
    assert not isinstance(broken(rules.known_kind, "mint", ("settle",)), MalformedInput)
    assert not isinstance(broken(rules.settlement_time, SETTLE, settle_values(expiry=100), 99), MalformedInput)


def settle_values(expiry=100, price=7):
    return dict(root=1, nf_option=2, asset=3, expiry=expiry, price=price, cm_holder=4, cm_writer=5)


def test_shape_rules():
    names = {"deposit": ("amount", "cm_out")}
    proof = Proof(curve.G1_GENERATOR, curve.G2_GENERATOR, curve.G1_GENERATOR)
    spec, values = rules.transaction_shape("deposit", names, [5, 6], proof)
    assert spec is SPECS["deposit"] and values == {"amount": 5, "cm_out": 6}
    e = broken(rules.transaction_shape, "mint", names, [5, 6], None)
    assert (e.check, e.reason, e.finding) == (
        "transaction", "unknown transaction kind 'mint'; this ledger accepts deposit", "unknown transaction kind 'mint'"
    )
    # A kind the genesis lists but no spec knows (only a corrupt file has one) is unknown too.
    assert broken(rules.known_kind, "mint", {"mint": ()}).check == "transaction"
    e = broken(rules.transaction_shape, "deposit", names, [5], None)
    assert e.reason == "deposit takes 2 public inputs, got 1"
    assert e.finding == "stored public inputs are unusable: 1 public inputs, the deposit circuit has 2"
    assert "canonical" in broken(rules.transaction_shape, "deposit", names, [5, rules.R], None).reason
    assert broken(rules.transaction_shape, "deposit", names, [1 << 64, 6], None).check == "pool"
    assert broken(rules.transaction_shape, "deposit", names, [5, 6], "pi").reason == "the proof is not a Groth16 proof"
    e = broken(rules.u64_inputs, SETTLE, settle_values(expiry=1 << 64))
    assert (e.check, e.reason) == ("settlement", "public input expiry exceeds 64 bits")
    assert e.finding == "expiry exceeds 64 bits"
    rules.u64_inputs(SETTLE, settle_values(expiry=(1 << 64) - 1))


def test_nullifier_and_root_rules():
    values = dict(root=9, nf_in=10, amount=1, recipient=0, cm_change=11)
    spec = SPECS["withdraw"]
    assert rules.fresh_nullifiers(spec, values, {}.get) == [10]
    e = broken(rules.fresh_nullifiers, spec, values, {10: 4}.get)
    assert (e.check, e.reason, e.finding) == (
        "nullifier", "nullifier nf_in was already spent (entry 4)", "nullifier nf_in was already spent in entry 4"
    )
    twice = type(spec)("twice", nullifiers=("a", "b"))
    assert "same nullifier twice" in broken(rules.fresh_nullifiers, twice, {"a": 1, "b": 1}, {}.get).reason
    rules.recent_root(spec, values, {9}.__contains__, 3)
    assert broken(rules.recent_root, spec, values, {8}.__contains__, 3).finding.endswith("one of the last 3 roots")
    rules.recent_root(SPECS["deposit"], {"amount": 1, "cm_out": 2}, set().__contains__, 3)  # no root, no rule


def test_settlement_rules():
    rules.settlement_time(SETTLE, settle_values(expiry=100), 100)
    e = broken(rules.settlement_time, SETTLE, settle_values(expiry=100), 99)
    assert e.reason == "expiry 100 has not passed (ledger time 99)"
    assert e.finding == "settled at 99, before the expiry 100"
    good = {(3, 100): FinalPrice(3, 100, 7, 100)}
    rules.settlement_price(SETTLE, settle_values(), lambda a, x: good.get((a, x)))
    assert "no attested price" in broken(rules.settlement_price, SETTLE, settle_values(), lambda a, x: None).reason
    early = FinalPrice(3, 100, 7, 99)
    e = broken(rules.settlement_price, SETTLE, settle_values(), lambda a, x: early)
    assert e.finding == e.reason == "the attested price for expiry 100 was observed before it"
    e = broken(rules.settlement_price, SETTLE, settle_values(price=8), lambda a, x: good.get((a, x)))
    assert e.reason == "settlement price 8 differs from the attested price 7"


def test_open_expiry_rule():
    values = dict(root=1, nf_in=2, cm_option=4, cm_change=5, asset=3, expiry=100)
    rules.open_expiry(OPEN, values, 99)
    e = broken(rules.open_expiry, OPEN, values, 100)
    assert (e.check, e.reason) == ("expiry", "the position's expiry 100 is not after the ledger's time 100")
    assert e.finding == "opened at 100 with an expiry (100) that is not after it"
    assert not isinstance(e, MalformedInput)
    rules.open_expiry(SETTLE, settle_values(expiry=1), 100)  # only an opening has the rule
    values["expiry"] = payoff.U64_BOUND
    assert isinstance(broken(rules.u64_inputs, OPEN, values), MalformedInput)


def test_margin_rules():
    spot = FinalPrice(3, 50, 30_000, 50)
    grid = payoff.default_grid(30_000)
    values = dict(root=1, nf_in=2, cm_option=4, cm_change=5, asset=3, expiry=200)
    values.update({f"grid[{i}]": g for i, g in enumerate(grid)})
    assert rules.required_grid(3, spot, payoff.DEFAULT_SHOCKS) == grid
    rules.margin_grid(OPEN, OPEN_NAMES, values, spot, payoff.DEFAULT_SHOCKS)
    e = broken(rules.margin_grid, OPEN, OPEN_NAMES, values, None, payoff.DEFAULT_SHOCKS)
    assert (e.check, e.reason) == ("margin", "no attested spot price for asset 3 (the margin grid needs one)")
    assert e.finding == "no spot price for asset 3 was attested earlier in the log"
    values["grid[7]"] += 1
    e = broken(rules.margin_grid, OPEN, OPEN_NAMES, values, spot, payoff.DEFAULT_SHOCKS)
    assert e.reason.startswith(f"the margin grid is not the ledger's for asset 3: expected [{grid[0]} .. {grid[-1]}]")
    given, required = f"[{grid[0]} .. {grid[-1] + 1}]", f"[{grid[0]} .. {grid[-1]}]"
    assert e.finding == f"the grid {given} is not the margin grid {required} of the attested spot 30000"


def test_pool_output_clock_and_price_rules():
    withdraw = SPECS["withdraw"]
    assert rules.pool_change(withdraw, {"amount": 5}) == -5 and rules.pool_change(SETTLE, settle_values()) == 0
    assert rules.pool_after(5, -5) == 0
    e = broken(rules.pool_after, 4, -5)
    assert e.reason == "withdrawal of 5 exceeds the pool balance 4"
    assert e.finding == "the pool balance becomes negative (-1)"
    outputs = {"cm_holder": 4, "cm_writer": 5}
    assert rules.new_outputs(SETTLE, outputs, {}.get, 2, 4) == [4, 5]
    e = broken(rules.new_outputs, SETTLE, outputs, {5: 2}.get, 2, 4)
    assert (e.reason, e.finding) == (
        "output commitment cm_writer is already on the ledger (entry 2)", "output cm_writer is already on the ledger"
    )
    e = broken(rules.new_outputs, SETTLE, {**outputs, "cm_holder": 0}, {}.get, 2, 4)
    assert e.finding == "output cm_holder is 0"
    twice = {"cm_holder": 4, "cm_writer": 4}
    assert "same commitment twice" in broken(rules.new_outputs, SETTLE, twice, {}.get, 2, 4).reason
    e = broken(rules.new_outputs, SETTLE, outputs, {}.get, 3, 4)
    assert (e.reason, e.finding) == ("the note tree is full (4 leaves)", "the tree is full")
    rules.in_time_order(10, None)
    rules.in_time_order(10, 10)
    assert broken(rules.in_time_order, 9, 10).finding == "accepted at 9, before the previous entry (10)"
    rules.first_final_price(3, 100, None)
    e = broken(rules.first_final_price, 3, 100, 2)
    assert (e.check, e.reason) == ("oracle", "asset 3 at expiry 100 already has a final price (entry 2)")
