"""``Ledger.summary``: the ledger at a glance, exactly what ``zkopt ledger show --json`` prints."""

from __future__ import annotations

import json

import pytest

from tests.cli_fixtures import ok
from tests.ledger_fixtures import ASSET, DEPOSIT, SETTLE_PRICE, WITHDRAW, World, public_names, run_scenario
from zkopt.ledger import oracle
from zkopt.native import payoff


@pytest.fixture
def world(ledger_location, tmp_path, rng):
    w = World(ledger_location, rng)
    yield w
    w.ledger.close()


def test_summary_of_a_new_ledger(world):
    summary = world.ledger.summary()
    assert summary["path"] == str(world.path)
    assert (summary["entries"], summary["leaf_count"], summary["pool_balance"]) == (0, 0, "0")
    # Before any entry the head is the genesis hash (the first entry's previous hash).
    assert summary["head_hash"] == summary["genesis_hash"] == world.genesis.hash().hex()
    assert summary["root"] == str(world.ledger.root)
    assert world.ledger.summary(entries=True)["log"] == []


def test_summary_after_the_scenario(world):
    scenario = run_scenario(world)
    receipts = scenario.receipts
    summary = world.ledger.summary()
    assert "log" not in summary
    assert summary["head_hash"] == receipts["withdraw"].entry_hash.hex()
    assert (summary["entries"], summary["leaf_count"]) == (6, 6)
    assert summary["pool_balance"] == str(DEPOSIT - WITHDRAW)
    assert summary["root"] == str(receipts["withdraw"].root)
    assert (summary["tree_depth"], summary["root_history"]) == (4, 32)
    assert sorted(summary["circuits"]) == ["deposit", "open", "settle", "withdraw"]
    assert summary["circuits"]["settle"] == {
        "public_names": list(public_names("settle")),
        "vk_sha256": world.genesis.circuits["settle"].vk_sha256.hex(),
        "transcript_hash": None,  # a single-party setup: no ceremony transcript
    }
    members = [oracle.public_key_bytes(m).hex() for m in world.members]
    assert summary["committee"] == {"threshold": 2, "members": members}
    assert summary["margin_shocks"] == list(payoff.DEFAULT_SHOCKS)

    full = world.ledger.summary(entries=True)
    assert {k: v for k, v in full.items() if k != "log"} == summary
    log = full["log"]
    assert [(item["seq"], item["type"]) for item in log] == [
        (1, "tx"), (2, "price"), (3, "tx"), (4, "price"), (5, "tx"), (6, "tx"),
    ]
    assert [item["accepted_at"] for item in log] == [r.accepted_at for r in receipts.values()]
    assert log[0] == {
        "seq": 1,
        "type": "tx",
        "accepted_at": receipts["deposit"].accepted_at,
        "kind": "deposit",
        "public": {"amount": str(DEPOSIT), "cm_out": str(scenario.notes["deposit"].commitment())},
    }
    assert log[3] == {
        "seq": 4,
        "type": "price",
        "accepted_at": receipts["price"].accepted_at,
        "asset": str(ASSET),
        "expiry": scenario.expiry,
        "price": str(SETTLE_PRICE),
        "signatures": 3,
    }
    assert list(log[2]["public"]) == list(public_names("open"))
    assert json.loads(json.dumps(full)) == full


@pytest.mark.parametrize("entries", [False, True])
def test_summary_is_what_ledger_show_prints(world, entries):
    run_scenario(world)
    flags = ["--entries"] if entries else []
    shown = json.loads(ok("ledger", "show", "--db", world.path, "--json", *flags).stdout)
    assert shown == world.ledger.summary(entries=entries)
