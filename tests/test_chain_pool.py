"""The pool contract on real EVMs: Poseidon equal to the native hash, the generated config and ABI, the scenario on
py-evm and on a Hardhat node, and the chain audit (clean, then naming a tampered event).

The market uses the stand-in circuits (real Groth16 proofs in milliseconds, the
real circuits' public names): tests/chain_fixtures.py. Each node gets one
deployment for the module.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from tests.chain_fixtures import NODE_MODULES, ChainMarket
from tests.ledger_fixtures import DEPOSIT, KINDS, RECIPIENT, WITHDRAW, public_names, run_scenario
from zkopt.evm import pool as pool_sources
from zkopt.evm import poseidon_sol
from zkopt.field import R
from zkopt.native import poseidon

SHOCKS = (-500_000, -300_000, -200_000, -100_000, 100_000, 200_000, 300_000, 500_000)


@pytest.mark.parametrize("t", [2, 3, 4, 5, 17])
def test_the_sparse_form_of_poseidon_is_the_permutation(t):
    form = poseidon_sol.optimized(t)
    rng = random.Random(t)
    for state in ([0] * t, [R - 1] * t, *([rng.randrange(R) for _ in range(t)] for _ in range(4))):
        assert poseidon_sol.permute_optimized(form, state) == poseidon.permute(state)
    # Its negative twin: one constant off and the permutation differs.
    broken = dataclasses.replace(form, partial=((form.partial[0][0] + 1, *form.partial[0][1:]), *form.partial[1:]))
    assert poseidon_sol.permute_optimized(broken, [1] * t) != poseidon.permute([1] * t)


def test_the_config_reads_public_inputs_by_name():
    names = {k: public_names(k) for k in KINDS}
    constants = dict(pool_sources.layout_constants(names))
    assert constants["OPEN_GRID"] == names["open"].index("grid[0]") and constants["GRID_SIZE"] == 8
    assert constants["WITHDRAW_RECIPIENT"] == names["withdraw"].index("recipient")
    assert constants["OPEN_EXPIRY"] == names["open"].index("expiry")
    source = pool_sources.config_source(names, depth=4, root_history=2, margin_shocks=SHOCKS)
    assert f"uint256 constant OPEN_EXPIRY = {names['open'].index('expiry')};" in source
    for broken, reason in (
        ({**names, "settle": names["settle"][1:]}, "no public input 'root'"),
        ({**names, "open": tuple(n for n in names["open"] if n != "expiry")}, "no public input 'expiry'"),
        ({k: v for k, v in names.items() if k != "withdraw"}, "needs a withdraw circuit"),
        ({**names, "open": ("grid[0]", "x", "grid[1]", *[n for n in names["open"] if not n.startswith("grid")])},
         "consecutive"),
    ):
        with pytest.raises(ValueError, match=reason):
            pool_sources.layout_constants(broken)
    with pytest.raises(ValueError, match="margin shocks"):
        pool_sources.config_source(names, depth=4, root_history=2, margin_shocks=SHOCKS[:7])


@pytest.fixture(scope="module", params=["py-evm", "hardhat"])
def market(request, chain_tools):
    from zkopt.chain import node

    w3 = node.in_process() if request.param == "py-evm" else node.connect(request.getfixturevalue("hardhat_url"))
    return ChainMarket(w3, random.Random(15))


@pytest.mark.evm
def test_poseidon_on_chain_equals_the_native_hash(market):
    w3 = market.w3
    rng = random.Random(3)
    pairs = [(0, 0), (1, 2), (R - 1, R - 1), *((rng.randrange(R), rng.randrange(R)) for _ in range(5))]
    for a, b in pairs:
        out = w3.eth.call({"to": market.deployment.poseidon, "data": a.to_bytes(32, "big") + b.to_bytes(32, "big")})
        assert int.from_bytes(out, "big") == poseidon.hash(a, b)
    with pytest.raises(Exception):  # any other length reverts
        w3.eth.call({"to": market.deployment.poseidon, "data": (1).to_bytes(32, "big")})


@pytest.mark.evm
def test_the_abi_built_in_python_is_solcs(market):
    from zkopt.chain.deploy import compile_market

    def normal(entries):
        def p(x):
            return (x.get("name"), x["type"], x.get("indexed"), tuple(p(c) for c in x.get("components", ())))
        return sorted(
            (e["type"], e.get("name"), tuple(map(p, e.get("inputs", ()))), tuple(map(p, e.get("outputs", ()))),
             e.get("stateMutability"))
            for e in entries if e["type"] in ("function", "event")
        )

    compiled = compile_market(market.genesis, NODE_MODULES)[pool_sources.POOL]
    assert normal(pool_sources.abi(market.genesis.public_names())) == normal(compiled.abi)


@pytest.mark.evm
def test_the_scenario_settles_on_chain_and_audits_clean(market):
    from zkopt.chain.audit import audit_chain

    scenario = run_scenario(market)
    ledger = market.ledger
    assert [r.seq for r in scenario.receipts.values()] == [1, 2, 3, 4, 5, 6]
    assert ledger.find_commitment(scenario.notes["holder_change"].commitment()) == (5, 6)
    assert ledger.nullifier_seq(scenario.notes["option"].nullifier()) == 5
    token = market.w3.eth.contract(address=market.deployment.token, abi=pool_sources.TOKEN_ABI)
    recipient = market.w3.to_checksum_address(RECIPIENT.to_bytes(20, "big"))
    assert token.functions.balanceOf(recipient).call() == WITHDRAW
    assert ledger.token_balance() == ledger.pool_balance == DEPOSIT - WITHDRAW
    for i in range(ledger.leaf_count):  # every path the events rebuild leads to the pool's root
        assert ledger.membership(i).root == ledger.root
    report = audit_chain(ledger, node_modules=NODE_MODULES)
    assert report.ok, report.to_text()
    assert (report.entries, report.proofs_checked, report.signatures_checked) == (6, 4, 5)


def _tampered(events, seq, change):
    out = []
    for event in events:
        if event.seq == seq:
            args = dict(event.args)
            change(args)
            event = dataclasses.replace(event, args=args)
        out.append(event)
    return out


@pytest.mark.evm
@pytest.mark.parametrize("what", ["public-input", "proof", "root", "price", "signature"])
def test_the_chain_audit_names_a_tampered_event(market, what):
    from zkopt.chain.audit import audit_chain

    if market.ledger.state().entries < 6:
        run_scenario(market)
    events = market.ledger.events()
    by_kind = {e.kind: e.seq for e in events}

    def bump(name, index=None):
        def change(args):
            if index is None:
                args[name] = args[name] + 1
            else:
                values = list(args[name])
                values[index] = (values[index] + 1) % R
                args[name] = values
        return change

    def bad_signature(args):
        first = dict(args["attestations"][0])
        first["s"] = (int.from_bytes(first["s"], "big") - 1).to_bytes(32, "big")
        args["attestations"] = [first, *args["attestations"][1:]]

    seq, change = {
        "public-input": (by_kind["open"], bump("input", 2)),
        "proof": (by_kind["settle"], bump("proof", 7)),
        "root": (by_kind["deposit"], bump("root")),
        "price": (by_kind["price"], bump("price")),
        "signature": (by_kind["price"], bad_signature),
    }[what]
    report = audit_chain(market.ledger, events=_tampered(events, seq, change))
    assert not report.ok
    assert min(report.seqs) == seq, report.to_text()
