"""`zkopt circuits`, `ledger init|show|submit|check-opening`, `oracle keygen|sign|post` and `audit` through click's runner.

Each command: its result, its --json shape, and its failures (exit 1 checked
and refused, exit 2 unusable input), each one line on stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import time

import pytest

from tests.ledger_fixtures import snapshot as file_snapshot
from tests.cli_fixtures import DEPTH, fails, invoke, ok, shared_keys
from zkopt.cli import common as cli_common
from zkopt.units import asset_id

NOW = int(time.time())


def snapshot(db):
    """The main file's hash and the logical dump (each CLI call opens and closes the ledger, so the WAL comes and goes)."""
    main, _, dump = file_snapshot(db)
    return main, dump
EXPIRY = NOW - 3600


# --- circuits --------------------------------------------------------------------------------------


def test_circuits_lists_every_circuit_with_cost_and_public_inputs():
    text = ok("circuits").stdout
    assert "open       11,596 constraints (depth=20, grid=8)" in text
    assert "public: root, nf_in, cm_option, cm_change, asset, expiry, grid[0..7]" in text
    assert "public: root, nf_option, asset, expiry, price, cm_holder, cm_writer" in text
    rows = json.loads(ok("circuits", "--json").stdout)
    assert [r["name"] for r in rows] == ["chain", "deposit", "open", "settle", "transfer", "withdraw"]
    assert set(rows[0]) == {"name", "params", "statement", "constraints", "public"}
    by_name = {r["name"]: r for r in rows}
    assert by_name["deposit"] == {**by_name["deposit"], "constraints": 609, "public": ["amount", "cm_out"], "params": {}}
    assert by_name["withdraw"]["params"] == {"depth": 20}


# --- a small market: committee, ledger, one deposit ---------------------------------------------------


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-ledger")
    members = []
    for i in range(3):
        members.append(ok("oracle", "keygen", "--out", d / f"m{i}.key", "--committee", d / "committee.json").stdout.strip())
    result = ok("ledger", "init", "--db", d / "ledger.db", "--keys", shared_keys(), "--committee", d / "committee.json",
                "--depth", DEPTH)
    ok("wallet", "new", "--wallet", d / "w.json")
    ok("wallet", "deposit", "--wallet", d / "w.json", "--db", d / "ledger.db", "--keys", shared_keys(),
       "--amount", "250.5", "--out", d / "deposit.json")
    return {"dir": d, "db": d / "ledger.db", "members": members, "init": result}


def test_oracle_keygen_writes_owner_only_keys_and_the_committee(market):
    d = market["dir"]
    for i, public in enumerate(market["members"]):
        assert len(bytes.fromhex(public)) == 32
        assert stat.S_IMODE(os.stat(d / f"m{i}.key").st_mode) == 0o600
        assert json.loads((d / f"m{i}.key").read_text())["public_key"] == public
    assert json.loads((d / "committee.json").read_text()) == {"members": market["members"]}
    fails(2, "already exists", "oracle", "keygen", "--out", d / "m0.key")


def test_oracle_keygen_refuses_a_damaged_committee_before_writing_a_key(tmp_path):
    (tmp_path / "committee.json").write_text('{"members": ["not hex"]}')
    fails(2, "member 0 is not a hex public key", "oracle", "keygen", "--out", tmp_path / "m.key",
          "--committee", tmp_path / "committee.json")
    assert not (tmp_path / "m.key").exists()


def test_ledger_init_reports_the_genesis_and_loads_the_shared_keys(market):
    text = market["init"].stdout
    assert "tree depth 4, oracle committee 2 of 3" in text
    assert "open       7,676 constraints, keys loaded" in text
    assert "single-party" not in text  # no setup ran: the keys were loaded


def test_ledger_init_failures(market, tmp_path):
    d = market["dir"]
    args = ("--keys", shared_keys(), "--committee", d / "committee.json", "--depth", DEPTH)
    fails(2, "already exists", "ledger", "init", "--db", market["db"], *args)
    fails(2, "committee file not found", "ledger", "init", "--db", tmp_path / "a.db", "--keys", shared_keys(),
          "--committee", tmp_path / "none.json", "--depth", DEPTH)
    fails(2, "threshold must be in [1, 3]", "ledger", "init", "--db", tmp_path / "b.db", *args, "--threshold", 4)
    fails(2, "parameters", "ledger", "init", "--db", tmp_path / "c.db", *args[:4], "--depth", 5)
    fails(2, "Invalid value for '--depth'", "ledger", "init", "--db", tmp_path / "d.db", *args[:4], "--depth", 0)
    fails(2, "not a percentage", "ledger", "init", "--db", tmp_path / "e.db", *args, "--margin-shocks", "-50,x")
    fails(2, "margin shocks", "ledger", "init", "--db", tmp_path / "f.db", *args, "--margin-shocks", "-50,50")
    assert not any(tmp_path.glob("*.db"))


def test_ledger_init_with_other_margin_shocks(market, tmp_path):
    d = market["dir"]
    shocks = "-40,-25.5,-12,-5,5,12,25.5,40"
    ok("ledger", "init", "--db", tmp_path / "m.db", "--keys", shared_keys(), "--committee", d / "committee.json",
       "--depth", DEPTH, "--margin-shocks", shocks)
    from zkopt.ledger import Ledger

    with Ledger.open(tmp_path / "m.db") as ledger:
        assert ledger.genesis.margin_shocks == (-400_000, -255_000, -120_000, -50_000, 50_000, 120_000, 255_000, 400_000)


def test_ledger_submit_and_show(market):
    db, d = market["db"], market["dir"]
    shown = json.loads(ok("ledger", "show", "--db", db, "--json").stdout)
    assert shown["entries"] == 0 and shown["pool_balance"] == "0"
    receipt = json.loads(ok("ledger", "submit", "--db", db, d / "deposit.json", "--json").stdout)
    assert (receipt["seq"], receipt["kind"], receipt["leaf_indices"]) == (1, "deposit", [0])
    shown = json.loads(ok("ledger", "show", "--db", db, "--json", "--entries").stdout)
    assert set(shown) == {
        "path", "genesis_hash", "head_hash", "entries", "tree_depth", "root_history", "root", "leaf_count",
        "pool_balance", "circuits", "committee", "margin_shocks", "log",
    }
    assert shown["margin_shocks"] == [-500_000, -300_000, -200_000, -100_000, 100_000, 200_000, 300_000, 500_000]
    assert shown["circuits"]["open"]["public_names"][:6] == ["root", "nf_in", "cm_option", "cm_change", "asset", "expiry"]
    assert (shown["entries"], shown["leaf_count"], shown["pool_balance"], shown["tree_depth"]) == (1, 1, "250500000", 4)
    assert shown["committee"] == {"threshold": 2, "members": market["members"]}
    assert sorted(shown["circuits"]) == ["deposit", "open", "settle", "transfer", "withdraw"]
    assert shown["log"][0]["kind"] == "deposit" and shown["log"][0]["public"]["amount"] == "250500000"
    text = ok("ledger", "show", "--db", db).stdout
    assert "pool balance  250.5 (250500000 units of 10^-6)" in text and "oracle        2 of 3 signatures" in text
    assert "margin grid   last attested spot x (1 + shock), shocks -50% -30% -20% -10% +10% +20% +30% +50%" in text


def test_ledger_submit_failures_leave_the_file_unchanged(market, tmp_path):
    db, d = market["db"], market["dir"]
    if json.loads(ok("ledger", "show", "--db", db, "--json").stdout)["entries"] == 0:
        ok("ledger", "submit", "--db", db, d / "deposit.json")
    before = snapshot(db)
    fails(1, "rejected: output commitment cm_out is already on the ledger", "ledger", "submit", "--db", db,
          d / "deposit.json")
    tx = json.loads((d / "deposit.json").read_text())
    tx["public"][0] = str(int(tx["public"][0]) + 1)  # claim a larger deposit with the same proof
    (tmp_path / "bigger.json").write_text(json.dumps(tx))
    fails(1, "rejected: the proof does not verify", "ledger", "submit", "--db", db, tmp_path / "bigger.json")
    # Inputs that cannot even be checked are unusable (2), not refused (1): + r, a wrong count, a bad proof.
    from zkopt.field import R

    noncanonical = json.loads((d / "deposit.json").read_text())
    noncanonical["public"][1] = str(int(noncanonical["public"][1]) + R)
    (tmp_path / "plus_r.json").write_text(json.dumps(noncanonical))
    fails(2, "error: public input cm_out is not a canonical field element", "ledger", "submit", "--db", db,
          tmp_path / "plus_r.json")
    short = json.loads((d / "deposit.json").read_text())
    short["public"] = short["public"][:1]
    (tmp_path / "short.json").write_text(json.dumps(short))
    fails(2, "error: deposit takes 2 public inputs, got 1", "ledger", "submit", "--db", db, tmp_path / "short.json")
    tx["kind"] = "mint"
    (tmp_path / "mint.json").write_text(json.dumps(tx))
    fails(1, "rejected: unknown transaction kind 'mint'", "ledger", "submit", "--db", db, tmp_path / "mint.json")
    (tmp_path / "junk.json").write_text('{"kind": "deposit"}')
    fails(2, "transaction lacks 'public'", "ledger", "submit", "--db", db, tmp_path / "junk.json")
    (tmp_path / "junk.json").write_text("[")
    fails(2, "not valid JSON", "ledger", "submit", "--db", db, tmp_path / "junk.json")
    (tmp_path / "report.json").write_text('{"attestations": []}')
    fails(2, "is a price report, not a transaction: post it with `zkopt oracle post", "ledger", "submit", "--db", db,
          tmp_path / "report.json")
    fails(2, "transaction file not found", "ledger", "submit", "--db", db, tmp_path / "none.json")
    fails(2, "no ledger file", "ledger", "submit", "--db", tmp_path / "none.db", d / "deposit.json")
    (tmp_path / "not.db").write_bytes(b"this is not sqlite" * 100)
    fails(2, "not a usable ledger", "ledger", "show", "--db", tmp_path / "not.db")
    assert snapshot(db) == before


def test_oracle_sign_and_post(market, tmp_path):
    d, db = market["dir"], market["db"]
    common = ("--asset", "ETH-USD", "--expiry", EXPIRY)
    ok("oracle", "sign", "--key", d / "m0.key", *common, "--price", "3400", "--out", tmp_path / "o0.json")
    ok("oracle", "sign", "--key", d / "m2.key", *common, "--price", "3400", "--observed-at", NOW - 60,
       "--out", tmp_path / "o2.json")
    ok("oracle", "sign", "--key", d / "m1.key", *common, "--price", "3400.5", "--out", tmp_path / "o1.json")
    signed = json.loads((tmp_path / "o0.json").read_text())
    assert signed["member"] == market["members"][0] and signed["price"] == "3400000000"
    assert signed["asset"] == str(asset_id("ETH-USD")) and signed["expiry"] == str(EXPIRY)
    before = snapshot(db)
    fails(1, "rejected: 1 oracle signatures, at least 2 required", "oracle", "post", "--db", db, tmp_path / "o0.json")
    fails(1, "rejected: oracle member 0 signed twice", "oracle", "post", "--db", db, tmp_path / "o0.json",
          tmp_path / "o0.json")
    fails(1, "must all attest one price", "oracle", "post", "--db", db, tmp_path / "o0.json", tmp_path / "o1.json")
    assert snapshot(db) == before
    receipt = json.loads(ok("oracle", "post", "--db", db, tmp_path / "o0.json", tmp_path / "o2.json", "--json").stdout)
    assert receipt["entry_type"] == "price" and receipt["price"] == "3400000000"
    fails(1, "already has a final price", "oracle", "post", "--db", db, tmp_path / "o0.json", tmp_path / "o2.json")


def test_oracle_sign_failures(market, tmp_path):
    d = market["dir"]
    common = ("--asset", "ETH-USD", "--expiry", EXPIRY, "--out", tmp_path / "o.json")
    fails(2, "before the expiry", "oracle", "sign", "--key", d / "m0.key", *common, "--price", "1",
          "--observed-at", EXPIRY - 1)
    fails(2, "more than 6 decimals", "oracle", "sign", "--key", d / "m0.key", *common, "--price", "1.0000001")
    fails(2, "neither Unix seconds nor an ISO 8601", "oracle", "sign", "--key", d / "m0.key", "--asset", "ETH-USD",
          "--expiry", "soon", "--price", "1", "--out", tmp_path / "o.json")
    fails(2, "oracle key file not found", "oracle", "sign", "--key", tmp_path / "none.key", *common, "--price", "1")
    fails(2, "not a zkopt oracle key", "oracle", "sign", "--key", d / "committee.json", *common, "--price", "1")
    (tmp_path / "obs.json").write_text('{"member": "00"}')
    fails(2, "obs.json", "oracle", "post", "--db", market["db"], tmp_path / "obs.json")
    assert not (tmp_path / "o.json").exists()


# --- audit ------------------------------------------------------------------------------------------------


def test_audit_of_a_sound_ledger(market):
    db = market["db"]
    if json.loads(ok("ledger", "show", "--db", db, "--json").stdout)["entries"] == 0:
        ok("ledger", "submit", "--db", db, market["dir"] / "deposit.json")
    text = ok("audit", "--db", db).stdout
    assert "result         OK: every check holds" in text
    report = json.loads(ok("audit", "--db", db, "--json").stdout)
    assert report["ok"] is True and report["findings"] == [] and report["proofs_checked"] >= 1
    ok("audit", "--db", db, "--genesis-hash", report["genesis_hash"])
    fails(1, "audit failed: 1 finding (first: #0 [genesis] the genesis hash differs from the published one)",
          "audit", "--db", db, "--genesis-hash", "00" * 32)
    fails(2, "must be hex", "audit", "--db", db, "--genesis-hash", "xyz")
    fails(2, "32 bytes", "audit", "--db", db, "--genesis-hash", "00")


def test_audit_finds_a_flipped_proof_byte(market, tmp_path):
    db = market["db"]
    if json.loads(ok("ledger", "show", "--db", db, "--json").stdout)["entries"] == 0:
        ok("ledger", "submit", "--db", db, market["dir"] / "deposit.json")
    copy = tmp_path / "copy.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    proof = bytearray(conn.execute("SELECT proof FROM transactions WHERE seq = 1").fetchone()[0])
    proof[40] ^= 0x01
    conn.execute("UPDATE transactions SET proof = ? WHERE seq = 1", (bytes(proof),))
    conn.commit()
    conn.close()
    result = fails(1, "audit failed", "audit", "--db", copy, "--json")
    report = json.loads(result.stdout)
    assert report["ok"] is False and {f["seq"] for f in report["findings"]} == {1}
    assert "result         FAILED" in invoke("audit", "--db", copy).stdout


def test_audit_of_an_unusable_file_exits_2(tmp_path):
    fails(2, "no ledger file", "audit", "--db", tmp_path / "none.db")
    (tmp_path / "junk.db").write_bytes(b"x" * 4096)
    fails(2, "cannot be read", "audit", "--db", tmp_path / "junk.db")
    sqlite3.connect(tmp_path / "empty.db").execute("CREATE TABLE t (x)").connection.close()
    fails(2, "cannot be read", "audit", "--db", tmp_path / "empty.db")


# --- progress and usage errors -----------------------------------------------------------------------


def test_progress_goes_to_stderr_only_on_a_terminal(market, tmp_path, monkeypatch):
    db = market["db"]
    piped = ok("audit", "--db", db)
    assert piped.stderr == ""
    monkeypatch.setattr(cli_common, "_stderr_is_tty", lambda: True)
    on_terminal = ok("audit", "--db", db)
    assert "auditing" in on_terminal.stderr and on_terminal.stdout == piped.stdout


def test_usage_errors_are_one_line_with_exit_2():
    fails(2, "the ledger is missing: --db FILE, --ledger URL", "ledger", "show")
    fails(2, "No such command 'frobnicate'", "frobnicate")
    fails(2, "Invalid value for '--amount'", "wallet", "deposit", "--wallet", "w", "--db", "d", "--keys", "k",
          "--amount", "-5")


@pytest.mark.parametrize(
    "command",
    [
        (), ("circuits",), ("ledger",), ("ledger", "init"), ("ledger", "show"), ("ledger", "submit"),
        ("ledger", "check-opening"), ("oracle",), ("oracle", "keygen"), ("oracle", "sign"), ("oracle", "post"),
        ("wallet",), ("wallet", "new"), ("wallet", "deposit"), ("wallet", "open"), ("wallet", "settle"),
        ("wallet", "withdraw"), ("wallet", "notes"), ("wallet", "disclose"), ("wallet", "import"), ("wallet", "sync"),
        ("audit",), ("demo",), ("setup",), ("prove",), ("verify",),
    ],
)
def test_every_command_has_help(command):
    result = ok(*command, "--help")
    assert result.stdout.startswith("Usage: ") and "--help" in result.stdout


def test_a_busy_ledger_exits_75_after_a_bounded_wait_and_says_why_on_a_terminal(market, tmp_path, monkeypatch):
    db, d = market["db"], market["dir"]
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing: it holds the write lock
    try:
        monkeypatch.setenv("ZKOPT_BUSY_TIMEOUT", "0.3")
        before = snapshot(db)
        started = time.monotonic()
        result = invoke("ledger", "submit", "--db", db, d / "deposit.json")
        assert result.exit_code == 75, result.output
        assert time.monotonic() - started < 10
        assert result.stderr.strip().splitlines() == [
            "busy: the ledger is busy: another process held its write lock for 0.3 s; nothing was changed, retry"
        ]
        monkeypatch.setattr(cli_common, "_stderr_is_tty", lambda: True)
        result = invoke("ledger", "submit", "--db", db, d / "deposit.json")
        assert result.exit_code == 75
        assert result.stderr.splitlines()[0] == "zkopt: waiting for the ledger: another process holds its write lock ..."
        monkeypatch.setenv("ZKOPT_BUSY_TIMEOUT", "soon")
        assert invoke("ledger", "submit", "--db", db, d / "deposit.json").exit_code == 2
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert snapshot(db) == before
