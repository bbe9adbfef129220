"""The demo (``zkopt.demo.run`` and ``zkopt demo``) at depth 4: the story, the files it leaves, a cached rerun, a replay.

The first run makes its own keys (seeded); the second, through the CLI in
the same directory, must reuse them and start a fresh ledger. The
transactions it leaves in txs/ are then replayed onto a new ledger at the
times the original accepted them, which must end in the same state and pass
the audit; on the real clock the replay stops at the open, whose expiry has
passed. The story on a chain runs in a copy of that directory, on its keys.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import stat

import pytest

from tests.cli_fixtures import fails, ok
from zkopt import demo
from zkopt.errors import MalformedInput
from zkopt.ledger import Ledger
from zkopt.wallet import Wallet

DEPTH = 4
STEPS = ["keys", "market", "deposit", "spot", "open", "price", "settle", "withdraw", "audit"]
TXS = ["001-deposit.json", "002-deposit.json", "003-price.json", "004-bundle.json", "006-price.json", "007-settle.json",
       "008-withdraw.json"]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo") / "run"
    lines: list[str] = []
    result = demo.run(directory, DEPTH, echo=lines.append, rng=random.Random(7))
    with Ledger.open(directory / "ledger.db") as ledger:
        state = ledger.state()
        genesis_hash = ledger.genesis.hash()
    keys = {p.relative_to(directory): p.stat().st_mtime_ns for p in (directory / "keys").rglob("*") if p.is_file()}
    return {"dir": directory, "result": result, "story": "\n".join(lines), "state": state, "genesis": genesis_hash,
            "keys": keys}


def test_the_first_run_sets_up_keys_and_tells_the_story(first):
    result, story = first["result"], first["story"]
    assert result.ok and result.keys_created and result.leaked == []
    assert [name for name, _ in result.steps] == STEPS
    assert result.audit.ok and result.audit.proofs_checked == 6 and result.audit.signatures_checked == 4
    for fragment in (
        "made by a single-party setup (UNSAFE outside demos)",
        "alice pays 10000 into the pool",
        "oracle members 1 and 2 sign the ETH-USD spot, 3000 (member 3 is silent)",
        "the margin grid is the ledger's: the last attested spot x the genesis shocks\n"
        "    (-50% -30% -20% -10% +10% +20% +30% +50%); an open with any other grid is rejected",
        "on the ledger's grid (the attested spot 3000 x the genesis shocks, 1500 .. 4500) alice's worst loss is 2800, "
        "at 4500",
        "with collateral 2500 there is no proof: the circuit fails at open/margin/point_7/",
        "(2 of 3, one price), and 3400 is the settlement price",
        "he gets 600 = 2 x (3400 - 3100) and alice 2600",
        "balance 9550 (change 6800 + 2600 + premium 150)",
        "alice sells bob a call on ETH-USD for a premium of 150",
        "entries 4 and 5, accepted together or not at all",
        "bob's wallet finds the option by itself",
        "the premium 150 and bob's change 350",
        "OK, every check holds",
        "public  amount=10000000000 (10000)",
        "grid[0..7]=1500 2100 2400 2700 3300 3600 3900 4500",
        "price=3400000000 (3400)",
        "What stayed private (only in the wallets): strike 3100, quantity 2, collateral 3200",
        "checked: none of these",
        "Timings: keys",
    ):
        assert fragment in story, fragment
    state = first["state"]
    assert (state.entries, state.leaf_count, state.pool_balance) == (8, 9, 9_900_000_000)


def test_the_run_leaves_its_files(first):
    d = first["dir"]
    assert sorted(p.name for p in (d / "txs").iterdir()) == TXS
    assert sorted(p.name for p in (d / "wallets").iterdir()) == ["alice.json", "bob.json"]  # no opening by hand
    assert sorted(p.name for p in (d / "oracle").iterdir()) == ["committee.json", "member-1.key", "member-2.key",
                                                                "member-3.key"]
    for secret in ("wallets/alice.json", "wallets/bob.json", "oracle/member-1.key"):
        assert stat.S_IMODE(os.stat(d / secret).st_mode) == 0o600, secret
    for kind in ("deposit", "open", "settle", "withdraw", "transfer"):
        assert (d / "keys" / kind / "proving_key.zkpk").is_file() and (d / "keys" / kind / "verification_key.json").is_file()
    tx = json.loads((d / "txs" / "007-settle.json").read_text())
    assert set(tx) == {"kind", "public", "proof", "notes"} and tx["kind"] == "settle" and len(tx["notes"]) == 1
    assert len(json.loads((d / "txs" / "006-price.json").read_text())["attestations"]) == 2
    spot = json.loads((d / "txs" / "003-price.json").read_text())["attestations"]
    assert len(spot) == 2 and {a["price"] for a in spot} == {"3000000000"}
    opened, premium = json.loads((d / "txs" / "004-bundle.json").read_text())["bundle"]
    assert premium["kind"] == "transfer" and premium["public"][-1] == opened["public"][2]  # condition = cm_option
    assert opened["kind"] == "open" and opened["public"][-8:] == [str(p * 10**6) for p in
                                                                  (1500, 2100, 2400, 2700, 3300, 3600, 3900, 4500)]


def test_the_wallets_know_their_notes(first):
    d = first["dir"]
    alice, bob = Wallet.load(d / "wallets" / "alice.json"), Wallet.load(d / "wallets" / "bob.json")
    assert alice.balance() == 9_550_000_000 and bob.balance() == 350_000_000
    assert sorted(n.status for n in alice.notes) == ["spent", "spent", "unspent", "unspent", "unspent"]
    option = next(n for n in bob.notes if n.type == "option")
    assert option.origin == "received in entry 4" and option.status == "spent"
    assert f"settlement of {option.id}" in [n.origin for n in bob.notes]
    assert not any(n.type == "cash" and n.note.amount == 0 for n in alice.notes + bob.notes)
    assert all(n.status != "pending" for n in alice.notes + bob.notes)


def test_the_cli_demo_reuses_the_keys_and_starts_afresh(first):
    d = first["dir"]
    story = ok("demo", "--depth", DEPTH, "--dir", d).stdout
    assert "loaded from the cache" in story and "single-party setup" not in story
    keys = {p.relative_to(d): p.stat().st_mtime_ns for p in (d / "keys").rglob("*") if p.is_file()}
    assert keys == first["keys"]
    with Ledger.open(d / "ledger.db") as ledger:
        assert ledger.genesis.hash() != first["genesis"]  # a new committee, a new ledger
        assert ledger.state().entries == 8
    assert sorted(p.name for p in (d / "txs").iterdir()) == TXS
    assert sorted(p.name for p in (d / "wallets").iterdir()) == ["alice.json", "bob.json"]
    assert (d / "oracle" / "committee.json").is_file() and (d / "ledger.db").is_file()
    alice = Wallet.load(d / "wallets" / "alice.json")
    assert alice.balance() == 9_550_000_000 and alice.sk != Wallet.load(first["dir"] / "wallets" / "bob.json").sk
    audit = ok("audit", "--db", d / "ledger.db")
    assert "OK: every check holds" in audit.stdout


def test_the_transactions_replay_onto_a_new_ledger_at_their_own_times(first, tmp_path):
    # A ledger replaying the files at the times the original accepted them ends in the same state, entry
    # for entry (the same head hash), and passes the audit.
    from zkopt.files import read_json
    from zkopt.ledger.transactions import parse_submission
    from zkopt.oracle_files import read_attestations

    d = first["dir"]
    with Ledger.open(d / "ledger.db") as original:
        genesis, a = original.genesis, original.state()
        times = {seq: original.entry(seq)["accepted_at"] for seq in range(1, a.entries + 1)}
    now = [0]
    replay = tmp_path / "replay.db"
    with Ledger.create(replay, genesis, clock=lambda: now[0]) as copy:
        for name in TXS:
            now[0] = times[int(name[:3])]
            if name.endswith("-price.json"):
                copy.post_price(read_attestations([str(d / "txs" / name)]))
                continue
            parsed = parse_submission(read_json(d / "txs" / name, "transaction"))
            if isinstance(parsed, list):
                copy.submit_bundle(parsed)
            else:
                copy.submit(parsed.kind, list(parsed.public), parsed.proof, parsed.notes)
        b = copy.state()
    assert b == a
    fails(1, "rejected: nullifier", "ledger", "submit", "--db", replay, d / "txs" / "007-settle.json")
    ok("audit", "--db", replay)


def test_a_replay_on_the_real_clock_refuses_the_expired_open(first, tmp_path):
    # Today the option's expiry has passed: opening it now could settle at once, so the ledger refuses it
    # and nothing changes.
    d = first["dir"]
    replay = tmp_path / "replay.db"
    ok("ledger", "init", "--db", replay, "--keys", d / "keys", "--committee", d / "oracle" / "committee.json",
       "--depth", DEPTH, "--threshold", 2)
    ok("ledger", "submit", "--db", replay, d / "txs" / "001-deposit.json")
    ok("ledger", "submit", "--db", replay, d / "txs" / "002-deposit.json")
    ok("oracle", "post", "--db", replay, d / "txs" / "003-price.json")
    before = replay.read_bytes()
    fails(1, "is not after the ledger's time", "ledger", "submit", "--db", replay, d / "txs" / "004-bundle.json")
    assert replay.read_bytes() == before
    with Ledger.open(replay) as copy:
        assert copy.state().entries == 3


def test_a_foreign_directory_is_never_cleared(tmp_path):
    precious = tmp_path / "wallets" / "alice.json"
    precious.parent.mkdir()
    precious.write_text("my real wallet")
    with pytest.raises(MalformedInput, match="not a zkopt demo directory"):
        demo.run(tmp_path, DEPTH, echo=lambda line: None)
    fails(2, "not a zkopt demo directory", "demo", "--dir", tmp_path, "--depth", DEPTH)
    assert precious.read_text() == "my real wallet"
    (tmp_path / "file").write_text("x")
    fails(2, "is a file", "demo", "--dir", tmp_path / "file", "--depth", DEPTH)
    fails(2, "Invalid value for '--depth'", "demo", "--dir", tmp_path / "new", "--depth", 0)
    fails(2, "Invalid value for '--depth'", "demo", "--dir", tmp_path / "new", "--depth", 3)  # 8 leaves, 9 notes
    with pytest.raises(MalformedInput, match=r"depth must be an integer in \[4, 32\]"):
        demo.run(tmp_path / "new", 2, echo=lambda line: None)


@pytest.mark.evm
def test_the_story_runs_on_a_chain_with_its_gas(chain_tools, first, tmp_path):
    # A copy of the first run's directory: the chain story reuses its keys (their setup is the first test's).
    from tests.chain_fixtures import NODE_MODULES

    shutil.copytree(first["dir"], tmp_path / "chain")
    lines: list[str] = []
    result = demo.run(tmp_path / "chain", DEPTH, echo=lines.append, rng=random.Random(8), chain_node_modules=NODE_MODULES)
    assert not result.keys_created
    story = "\n".join(lines)
    assert result.ok and result.leaked == [] and [name for name, _ in result.steps] == STEPS
    assert result.audit.ok and result.audit.proofs_checked == 4 and result.audit.signatures_checked == 4
    assert [kind for kind, _ in result.gas] == ["deposit", "price", "open", "price", "settle", "withdraw"]
    assert all(50_000 < gas < 1_000_000 for _, gas in result.gas)  # each below Tornado's 1.0M deposit
    assert "a pool 0x" in story and "on an in-process py-evm chain" in story
    assert "he gets 600 = 2 x (3400 - 3100) and alice 2600" in story
    assert "none of these 14 values occurs in the chain's transactions and events" in story  # no 0 change kept
    assert f"gas {result.gas[0][1]:,})" in story
    # The scan finds a private value where it occurs: it can fail.
    assert demo._leaks(b"x" + (3_100 * 10**6).to_bytes(32, "big"), {"strike": 3_100 * 10**6}) == ["strike"]


def test_demo_chain_needs_solc_js(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKOPT_NODE_MODULES", str(tmp_path / "nowhere"))
    fails(2, "--chain compiles the pool with solc-js, not found in", "demo", "--chain", "--dir", tmp_path / "d",
          "--depth", DEPTH)
    assert not (tmp_path / "d").exists()
