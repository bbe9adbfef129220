"""`zkopt wallet ...` end to end through click's runner with the real circuits at depth 4.

The module fixture plays a whole market from the command line: a committee
of three, a ledger, a writer and a holder; deposit, two members attest the
ETH-USD spot, open a call margin-checked on the ledger's grid (that spot x
the genesis shocks; the holder imports the shared option), two of three members sign the
price, the holder settles (written to a file, submitted with `ledger
submit`), withdraws his payout, and the writer's wallet picks up its
settlement note. The tests check each step's output and files, then the
failures: exit 1 for what the wallet or the ledger refuses, exit 2 for
unusable input, each one line on stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time

import pytest

from tests.cli_fixtures import DEPTH, FUTURE, fails, invoke, ok, shared_keys, short_expiry, wait_until
from tests.serve_fixtures import served
from zkopt.cli import common as cli_common
from zkopt.wallet import note_id



def post_spot(d, db, ticker, price, members=(0, 1), at=None):
    """Members sign ``price`` of ``ticker`` for the attestation time ``at`` (default now); the ledger takes it as the
    spot from then on (the report of the latest time not after its clock). ``db`` is the ledger file, or the
    options that name a ledger on a command line (``("--ledger", URL)``)."""
    at = int(time.time()) if at is None else at
    files = []
    for i in members:
        files.append(d / f"spot-{ticker}-{at}-{i}.json")
        ok("oracle", "sign", "--key", d / f"m{i}.key", "--asset", ticker, "--expiry", at, "--price", price,
           "--out", files[-1])
    where = tuple(db) if isinstance(db, tuple) else ("--db", db)
    return ok("oracle", "post", *where, *files)


@pytest.fixture(scope="module", params=["file", "server", pytest.param("postgresql", marks=pytest.mark.postgres)])
def flow(request, tmp_path_factory):
    """The README's market from the shell, every party on the ledger file, on `zkopt ledger serve` of it, or on
    `zkopt ledger serve` of a PostgreSQL ledger (the tests that name the ledger with --db reach that database)."""
    d = tmp_path_factory.mktemp(f"cli-wallet-{request.param}")
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            from tests.pg_cluster import fresh_database

            db = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        else:
            db = d / "ledger.db"
        keys = shared_keys()
        w, h = d / "writer.json", d / "holder.json"
        out = {"dir": d, "db": db, "keys": keys, "writer": w, "holder": h}
        for i in range(3):
            ok("oracle", "keygen", "--out", d / f"m{i}.key", "--committee", d / "committee.json")
        ok("ledger", "init", "--db", db, "--keys", keys, "--committee", d / "committee.json", "--depth", DEPTH)
        url = stack.enter_context(served(db, d / "access.log")) if request.param != "file" else None
        yield _market(d, db, keys, out, ("--ledger", url) if url else ("--db", db))


def _market(d, db, keys, out, where):
    w, h = out["writer"], out["holder"]
    out["where"] = where
    out["writer_pk"] = ok("wallet", "new", "--wallet", w).stdout.strip()
    out["holder_new"] = json.loads(ok("wallet", "new", "--wallet", h, "--json").stdout)
    out["holder_pk"] = out["holder_new"]["public_key"]
    tx = (*where, "--keys", keys)
    out["deposit"] = ok("wallet", "deposit", "--wallet", w, *tx, "--amount", "10000", "--json")
    out["spot"] = post_spot(d, where, "ETH-USD", "3000")
    expiry = short_expiry()
    out["open"] = ok(
        "wallet", "open", "--wallet", w, *tx, "--holder", out["holder_pk"], "--asset", "ETH-USD", "--kind", "call",
        "--strike", "3100", "--quantity", "2", "--expiry", expiry, "--collateral", "3200",
        "--share", d / "share.json",
    )
    out["import"] = ok("wallet", "import", "--wallet", h, d / "share.json", "--asset", "ETH-USD", *where)
    wait_until(expiry + 1)
    for i, price in ((0, "3400"), (2, "3400")):
        ok("oracle", "sign", "--key", d / f"m{i}.key", "--asset", "ETH-USD", "--expiry", expiry, "--price", price,
           "--out", d / f"o{i}.json")
    out["post"] = ok("oracle", "post", *where, d / "o0.json", d / "o2.json")
    option = json.loads((d / "share.json").read_text())
    out["option_id"] = json.loads(ok("wallet", "notes", "--wallet", h, "--json").stdout)["notes"][0]["id"]
    out["settle_file"] = ok("wallet", "settle", "--wallet", h, *tx, "--note", out["option_id"][:6],
                            "--out", d / "settle.json")
    out["settle_submit"] = ok("ledger", "submit", *where, d / "settle.json")
    out["holder_sync"] = ok("wallet", "sync", "--wallet", h, *where)
    out["withdraw"] = ok("wallet", "withdraw", "--wallet", h, *tx, "--amount", "600", "--recipient", "acct:bob",
                         "--json")
    out["writer_notes"] = ok("wallet", "notes", "--wallet", w, *where)
    out["option"] = option
    post_spot(d, where, "ETH-USD", "3000", at=expiry + 1)  # last, as entry numbers are checked: the spot is 3000 again after the settlement price
    return out


def test_new_prints_the_public_key_and_makes_an_owner_only_file(flow):
    for who in ("writer", "holder"):
        path = flow[who]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert json.loads(path.read_text())["public_key"] == flow[f"{who}_pk"]
    assert flow["holder_new"] == {"wallet": str(flow["holder"]), "public_key": flow["holder_pk"],
                                  "address": ok("wallet", "address", "--wallet", flow["holder"]).stdout.strip()}
    assert flow["holder_new"]["address"].startswith("zk1")
    fails(2, "already exists", "wallet", "new", "--wallet", flow["writer"])


def test_deposit_json(flow):
    out = json.loads(flow["deposit"].stdout)
    assert set(out) == {"kind", "submitted", "receipt", "tx_file", "public", "spends", "creates", "prove_seconds"}
    assert (out["kind"], out["submitted"], out["tx_file"], out["spends"]) == ("deposit", True, None, [])
    assert out["public"]["amount"] == "10000000000" and out["receipt"]["leaf_indices"] == [0]
    assert out["creates"] == [{"id": out["creates"][0]["id"], "type": "cash", "status": "unspent"}]


def test_open_locks_the_collateral_and_shares_the_option(flow):
    text = flow["open"].stdout
    assert flow["spot"].stdout.startswith("accepted: entry 2 (price)")
    assert text.startswith("accepted: entry 3 (open)") and "new notes at leaves 1, 2" in text
    assert ("grid: 1500 2100 2400 2700 3300 3600 3900 4500 (the ledger's: last attested spot of ETH-USD x the "
            "genesis margin shocks)") in text
    assert "ETH-USD call:3100:2 expiry " in text and "collateral 3200 (writer)" in text
    assert "cash 6800" in text and f"share: {flow['dir'] / 'share.json'}" in text
    share = flow["dir"] / "share.json"
    assert stat.S_IMODE(os.stat(share).st_mode) == 0o600
    assert flow["option"]["type"] == "option"
    assert flow["option"]["note"]["holder_pk"] == flow["holder_pk"]
    assert flow["option"]["note"]["writer_pk"] == flow["writer_pk"]
    assert flow["import"].stdout.startswith(f"imported {flow['option_id']}")
    assert "(holder)  [unspent]" in flow["import"].stdout


def test_price_report_of_two_members_agreeing(flow):
    assert flow["post"].stdout.strip().endswith("settlement price 3400 (2 signatures)")


def test_settle_to_a_file_then_submit_then_sync(flow):
    text = flow["settle_file"].stdout
    assert text.startswith(f"settle transaction written to {flow['dir'] / 'settle.json'} (not submitted")
    assert "cash 600  [pending]" in text
    # The hint names every option the next two commands need.
    named = " ".join(map(str, flow["where"]))
    assert f"zkopt ledger submit {named} " in text and f"then zkopt wallet sync --wallet {flow['holder']} {named}" in text
    tx = json.loads((flow["dir"] / "settle.json").read_text())
    assert set(tx) == {"kind", "public", "proof", "notes"} and tx["kind"] == "settle" and len(tx["public"]) == 7
    assert len(tx["notes"]) == 1  # the holder's payout, sealed to the holder
    assert flow["settle_submit"].stdout.startswith("accepted: entry 5 (settle)")
    sync = flow["holder_sync"].stdout
    assert f"{flow['option_id']} was spent in entry 5" in sync and sync.strip().endswith("balance 600")


def test_withdraw_pays_the_recipient(flow):
    out = json.loads(flow["withdraw"].stdout)
    assert out["receipt"]["seq"] == 6 and out["public"]["amount"] == "600000000"
    assert out["public"]["recipient"] == str(int.from_bytes(b"acct:bob", "big"))
    assert len(out["spends"]) == 1 and out["creates"] == []  # the whole 600 is paid: no change of 0 is kept


def test_the_writer_wallet_finds_its_settlement_note(flow):
    text = flow["writer_notes"].stdout
    assert "cash 2600  (settlement of" in text and "cash 6800  (change of" in text
    assert text.strip().endswith("balance 9400 (unspent cash notes, as of the last sync)")
    rows = [line.split() for line in text.splitlines()[2:-1]]
    assert [r[1] for r in rows] == ["spent", "spent", "unspent", "unspent"]


def test_notes_never_print_secrets_unless_asked(flow):
    sk = json.loads(flow["writer"].read_text())["spending_key"]
    plain = ok("wallet", "notes", "--wallet", flow["writer"])
    listed = ok("wallet", "notes", "--wallet", flow["writer"], "--json")
    obj = json.loads(listed.stdout)
    assert set(obj) == {"public_key", "balance", "notes"} and obj["balance"] == "9400000000"
    assert set(obj["notes"][0]) == {"id", "type", "note", "origin", "leaf_index", "created_in", "spent_in"}
    assert all("rho" not in n["note"] for n in obj["notes"])
    for output in (plain.stdout, listed.stdout):
        assert sk not in output
        assert not any(str(n["note"].get("amount", "")) == "" for n in obj["notes"] if n["type"] == "cash")
    rhos = [n["note"]["rho"] for n in json.loads(flow["writer"].read_text())["notes"]]
    assert not any(rho in plain.stdout or rho in listed.stdout for rho in rhos)
    opened = json.loads(ok("wallet", "notes", "--wallet", flow["writer"], "--json", "--openings").stdout)
    assert [n["note"]["rho"] for n in opened["notes"]] == rhos and sk not in json.dumps(opened)
    fails(2, "--openings prints secrets and needs --json", "wallet", "notes", "--wallet", flow["writer"], "--openings")


def test_disclose_and_check_the_opening(flow, tmp_path):
    opening = tmp_path / "opening.json"
    ok("wallet", "disclose", "--wallet", flow["writer"], "--note", flow["option_id"], "--out", opening)
    assert stat.S_IMODE(os.stat(opening).st_mode) == 0o600
    assert json.loads(opening.read_text()) == flow["option"]
    text = ok("ledger", "check-opening", "--db", flow["db"], opening).stdout
    assert text.startswith("on the ledger: option note at leaf 1, created by entry 3 (open)")
    assert "settled in entry 5" in text
    checked = json.loads(ok("ledger", "check-opening", "--db", flow["db"], opening, "--json").stdout)
    assert (checked["leaf_index"], checked["seq"], checked["spent_in"]) == (1, 3, 5)
    forged = json.loads(opening.read_text())
    forged["note"]["strike[0]"] = "3000000000"  # claim a lower strike than was written
    opening.write_text(json.dumps(forged))
    fails(1, "invalid: the disclosed note's commitment is not on the ledger", "ledger", "check-opening",
          "--db", flow["db"], opening)


def test_a_replayed_settlement_is_rejected(flow):
    fails(1, "rejected: nullifier nf_option was already spent (entry 5)", "ledger", "submit", "--db", flow["db"],
          flow["dir"] / "settle.json")
    # Either party may settle; once one has, the other's wallet sees it on the ledger and refuses.
    for who in ("holder", "writer"):
        fails(1, "was already settled (entry 5)", "wallet", "settle", "--wallet", flow[who], "--db", flow["db"],
              "--keys", flow["keys"], "--note", flow["option_id"])


def test_wallet_refusals_exit_1(flow, tmp_path):
    tx = ("--db", flow["db"], "--keys", flow["keys"])
    fails(1, "the withdrawal of 1000000 exceeds this wallet's unspent cash of 9400", "wallet", "withdraw", "--wallet", flow["writer"],
          *tx, "--amount", "1000000", "--recipient", "7")
    fails(1, "no note 'abcdef'", "wallet", "settle", "--wallet", flow["writer"], *tx, "--note", "abcdef")
    cash = json.loads(ok("wallet", "notes", "--wallet", flow["writer"], "--json").stdout)["notes"][2]["id"]
    fails(1, "is a cash note", "wallet", "settle", "--wallet", flow["writer"], *tx, "--note", cash)
    fails(1, "margin check fails: collateral 2500 does not cover the worst loss 2800 (at the grid price 4500)",
          "wallet", "open", "--wallet", flow["writer"], *tx, "--holder", flow["holder_pk"], "--asset", "ETH-USD",
          "--kind", "call", "--strike", "3100", "--quantity", "2", "--expiry", FUTURE, "--collateral", "2500")
    fails(1, "no attested spot price for DOGE-USD: the ledger's margin grid is the last attested spot x the genesis "
          "shocks", "wallet", "open", "--wallet", flow["writer"], *tx, "--holder", flow["holder_pk"],
          "--asset", "DOGE-USD", "--kind", "call", "--strike", "1", "--quantity", "1", "--expiry", FUTURE,
          "--collateral", "1")
    stranger = tmp_path / "stranger.json"
    ok("wallet", "new", "--wallet", stranger)
    fails(1, "does not name this wallet's public key", "wallet", "import", "--wallet", stranger,
          flow["dir"] / "share.json")


def test_an_unpriced_option_cannot_settle_yet(flow, tmp_path):
    """Open written to a file, submitted by `ledger submit`, found by `wallet sync`; no price yet, so no settlement."""
    tx = ("--db", flow["db"], "--keys", flow["keys"])
    post_spot(flow["dir"], flow["db"], "BTC-USD", "900", members=(1, 2))
    opened = ok("wallet", "open", "--wallet", flow["writer"], *tx, "--holder", flow["holder_pk"], "--asset", "BTC-USD",
                "--kind", "put", "--strike", "1000", "--quantity", "0.5", "--expiry", "2030-01-01T00:00:00Z",
                "--collateral", "500", "--out", tmp_path / "open.json", "--json")
    assert json.loads(opened.stdout)["grid"] == [str(g * 10**6) for g in (450, 630, 720, 810, 990, 1080, 1170, 1350)]
    created = json.loads(opened.stdout)["creates"]
    assert [c["status"] for c in created] == ["pending", "pending"]
    ok("ledger", "submit", "--db", flow["db"], tmp_path / "open.json")
    synced = ok("wallet", "sync", "--wallet", flow["writer"], "--db", flow["db"]).stdout
    assert f"{created[0]['id']} is on the ledger" in synced
    fails(1, "no attested price yet for BTC-USD at expiry 2030-01-01T00:00:00Z", "wallet", "settle",
          "--wallet", flow["writer"], *tx, "--note", created[0]["id"])


def test_unusable_input_exits_2(flow, tmp_path):
    tx = ("--db", flow["db"], "--keys", flow["keys"])
    fails(2, "wallet file not found", "wallet", "deposit", "--wallet", tmp_path / "none.json", *tx, "--amount", "1")
    broken = tmp_path / "broken.json"
    broken.write_text(flow["writer"].read_text().replace(flow["writer_pk"], flow["holder_pk"]))
    fails(2, "does not belong to the spending key", "wallet", "notes", "--wallet", broken)
    fails(2, "no deposit proving key", "wallet", "deposit", "--wallet", flow["writer"], "--db", flow["db"],
          "--keys", tmp_path, "--amount", "1")
    fails(2, "Invalid value for '--amount'", "wallet", "deposit", "--wallet", flow["writer"], *tx, "--amount", "1.5e3")
    fails(2, "Invalid value for '--holder'", "wallet", "open", "--wallet", flow["writer"], *tx, "--holder", "-1",
          "--asset", "X", "--kind", "call", "--strike", "1", "--quantity", "1", "--expiry", "1", "--collateral", "1")
    fails(2, "Invalid value for '--kind'", "wallet", "open", "--wallet", flow["writer"], *tx, "--holder", "1",
          "--asset", "X", "--kind", "straddle", "--strike", "1", "--quantity", "1", "--expiry", "1",
          "--collateral", "1")
    fails(2, "ticker", "wallet", "open", "--wallet", flow["writer"], *tx, "--holder", "1", "--asset", " X",
          "--kind", "call", "--strike", "1", "--quantity", "1", "--expiry", "1", "--collateral", "1")
    fails(2, "No such option '--spot'", "wallet", "open", "--wallet", flow["writer"], *tx, "--holder", "1",
          "--asset", "X", "--kind", "call", "--strike", "1", "--quantity", "1", "--expiry", "1", "--collateral", "1",
          "--spot", "1")
    fails(2, "longer than 31 bytes", "wallet", "withdraw", "--wallet", flow["writer"], *tx, "--amount", "1",
          "--recipient", "x" * 40)
    fails(2, "at least 4 hex digits", "wallet", "disclose", "--wallet", flow["writer"], "--note", "ab",
          "--out", tmp_path / "o.json")
    (tmp_path / "bad-opening.json").write_text('{"type": "bond", "note": {}}')
    fails(2, "unknown note type 'bond'", "wallet", "import", "--wallet", flow["writer"], tmp_path / "bad-opening.json")
    fails(2, "no ledger file", "wallet", "sync", "--wallet", flow["writer"], "--db", tmp_path / "none.db")


def test_progress_lines_only_on_a_terminal(flow, tmp_path, monkeypatch):
    wallet = tmp_path / "w.json"
    ok("wallet", "new", "--wallet", wallet)
    piped = ok("wallet", "deposit", "--wallet", wallet, "--db", flow["db"], "--keys", flow["keys"], "--amount", "1")
    assert piped.stderr == ""
    monkeypatch.setattr(cli_common, "_stderr_is_tty", lambda: True)
    shown = ok("wallet", "deposit", "--wallet", wallet, "--db", flow["db"], "--keys", flow["keys"], "--amount", "2")
    assert "proving deposit (609 constraints)" in shown.stderr
    assert shown.stdout.startswith("accepted:")


def test_note_ids_are_the_commitment_prefix(flow):
    from zkopt.audit import parse_opening

    assert note_id(parse_opening(flow["option"])) == flow["option_id"]
    lines = invoke("wallet", "notes", "--wallet", flow["holder"]).stdout.splitlines()
    assert [line.split()[:2] for line in lines if line.startswith(flow["option_id"])] == [[flow["option_id"], "spent"]]
