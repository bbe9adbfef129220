"""Paying, receiving and selling an option for a premium, from the shell, with the real circuits at depth 4.

The issue's "done when": two deposits of 60 to one wallet, `wallet pay` of
100 to a second wallet, whose `wallet sync` shows a balance of 100 with no
file passed between them, and which withdraws 100; a bundle whose second
transaction is invalid leaves the ledger file unchanged; the audit passes.
Then the premium: the writer's quote, the holder's conditioned payment, the
writer's bundle, and the counterparty's ways to cheat it. Every test runs
twice: on the ledger file (``--db``) and through ``zkopt ledger serve``
(``--ledger URL``), the same commands and the same answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time

import pytest

from tests.cli_fixtures import DEPTH, FUTURE, fails, ok, shared_keys
from tests.ledger_fixtures import snapshot
from tests.serve_fixtures import served

BACKENDS = ["file", "server"]


def shell(*args: object, code: int = 0) -> subprocess.CompletedProcess:
    """``zkopt ARGS`` in its own process, as a user runs it; the exit code must be ``code``."""
    done = subprocess.run([sys.executable, "-m", "zkopt.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=600)
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture(scope="module", params=BACKENDS)
def market(request, tmp_path_factory):
    with _new_market(tmp_path_factory.mktemp(f"transfers-{request.param}"), request.param) as made:
        yield made


@contextlib.contextmanager
def _new_market(d, backend):
    """A committee of three, a ledger at depth 4 (16 leaves) and the wallets of alice and bob, in ``d``; every
    command reaches the ledger as ``backend`` says: its file, or the server of it."""
    db, keys = d / "ledger.db", shared_keys()
    for i in range(3):
        ok("oracle", "keygen", "--out", d / f"m{i}.key", "--committee", d / "committee.json")
    ok("ledger", "init", "--db", db, "--keys", keys, "--committee", d / "committee.json", "--depth", DEPTH)
    for name in ("alice", "bob"):
        ok("wallet", "new", "--wallet", d / f"{name}.json")
    with served(db, d / "access.log") if backend == "server" else contextlib.nullcontext() as url:
        where = ("--ledger", url) if url else ("--db", db)
        yield {"dir": d, "db": db, "where": where, "tx": (*where, "--keys", keys)}


def _balance(market, name):
    return json.loads(ok("wallet", "notes", "--wallet", market["dir"] / f"{name}.json", *market["where"],
                         "--json").stdout)


def post_spot(market, ticker, price):
    """Two members sign ``price`` of ``ticker`` now, posted as the spot."""
    d, at = market["dir"], int(time.time())
    files = []
    for i in (0, 1):
        files.append(d / f"spot-{ticker}-{at}-{i}.json")
        ok("oracle", "sign", "--key", d / f"m{i}.key", "--asset", ticker, "--expiry", at, "--price", price,
           "--out", files[-1])
    return ok("oracle", "post", *market["where"], *files)


def test_pay_100_from_two_60s_and_the_payee_finds_and_withdraws_it(market):
    d, tx = market["dir"], market["tx"]
    alice, bob = d / "alice.json", d / "bob.json"
    for _ in range(2):
        shell("wallet", "deposit", "--wallet", alice, *tx, "--amount", "60")
    address = shell("wallet", "address", "--wallet", bob).stdout.strip()
    assert address.startswith("zk1") and len(address) == 139
    paid = shell("wallet", "pay", "--wallet", alice, *tx, "--to", address, "--amount", "100")
    assert "accepted" in paid.stdout and "(transfer)" in paid.stdout
    assert _balance(market, "alice")["balance"] == "20000000"
    synced = shell("wallet", "sync", "--wallet", bob, *market["where"])
    assert "received cash 100" in synced.stdout and "balance 100" in synced.stdout
    shell("wallet", "withdraw", "--wallet", bob, *tx, "--amount", "100", "--recipient", "acct:bob")
    after = _balance(market, "bob")
    assert after["balance"] == "0"
    # The whole-note withdrawal's 0 change is not kept: bob's list holds only the spent note.
    assert [(n["spent_in"] is not None, n["note"]["amount"]) for n in after["notes"]] == [(True, "100000000")]
    assert "OK" in shell("audit", *market["where"]).stdout


def test_a_withdrawal_larger_than_any_note_merges_first_and_says_so(market):
    d, tx = market["dir"], market["tx"]
    alice = d / "alice.json"
    shell("wallet", "deposit", "--wallet", alice, *tx, "--amount", "30")
    out = shell("wallet", "withdraw", "--wallet", alice, *tx, "--amount", "45", "--recipient", "acct:alice")
    assert "merged notes" in out.stdout and "no single note held the withdrawal of 45" in out.stdout
    assert _balance(market, "alice")["balance"] == "5000000"  # 20 + 30 - 45
    fails(1, "exceeds this wallet's unspent cash of 5", "wallet", "withdraw", "--wallet", alice, *tx,
          "--amount", "6", "--recipient", "acct:alice")


def test_a_bundle_whose_second_transaction_is_invalid_leaves_the_file_unchanged(market):
    d, db, tx = market["dir"], market["db"], market["tx"]
    ok("wallet", "deposit", "--wallet", d / "bob.json", *tx, "--amount", "1", "--out", d / "first.json")
    ok("wallet", "deposit", "--wallet", d / "bob.json", *tx, "--amount", "2", "--out", d / "second.json")
    first, second = (json.loads((d / f).read_text()) for f in ("first.json", "second.json"))
    second["public"][0] = str(int(second["public"][0]) + 1)  # claims 2 units more than it proves
    (d / "bundle.json").write_text(json.dumps({"bundle": [first, second]}))
    before = snapshot(db)
    fails(1, "bundle transaction 2 of 2: the proof does not verify", "ledger", "submit", *market["where"], d / "bundle.json")
    (d / "bundle.json").write_text(json.dumps({"bundle": [first, {"kind": "deposit"}]}))
    fails(2, "bundle transaction 2 of 2", "ledger", "submit", *market["where"], d / "bundle.json")
    assert snapshot(db) == before
    (d / "bundle.json").write_text(json.dumps({"bundle": [first, json.loads((d / "second.json").read_text())]}))
    assert ok("ledger", "submit", *market["where"], d / "bundle.json").stdout.count("accepted") == 2
    assert "OK" in ok("audit", *market["where"]).stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_option_sold_for_a_premium_in_one_bundle(tmp_path, backend):
    with _new_market(tmp_path, backend) as market:
        _sell_an_option(market)


def _sell_an_option(market):
    d, db, tx = market["dir"], market["db"], market["tx"]
    alice, bob = d / "alice.json", d / "bob.json"
    ok("wallet", "deposit", "--wallet", alice, *tx, "--amount", "5000")
    ok("wallet", "deposit", "--wallet", bob, *tx, "--amount", "50")
    post_spot(market, "ETH-USD", "3000")
    bob_address = ok("wallet", "address", "--wallet", bob).stdout.strip()
    terms = ("--asset", "ETH-USD", "--kind", "call", "--strike", "3100", "--quantity", "1", "--expiry", FUTURE,
             "--collateral", "1600")
    quoted = ok("wallet", "open", "--wallet", alice, *tx, "--holder", bob_address, *terms, "--premium", "40",
                "--quote-out", d / "quote.json")
    assert "premium of 40" in quoted.stdout
    fails(2, "--quote-out", "wallet", "open", "--wallet", alice, *tx, "--holder", bob_address, *terms, "--premium", "40")
    ok("wallet", "pay", "--wallet", bob, *tx, "--for", d / "quote.json", "--out", d / "payment.json")
    payment = json.loads((d / "payment.json").read_text())
    before = snapshot(db)
    # The writer takes the payment alone: refused, unchanged.
    fails(1, "valid only in a bundle", "ledger", "submit", *market["where"], d / "payment.json")
    assert snapshot(db) == before
    # A quote that the holder tampers with to pay less is refused by the writer before anything is proved.
    cheap = dict(payment)
    quote = json.loads((d / "quote.json").read_text())
    (d / "quote-30.json").write_text(json.dumps({**quote, "premium": "30000000"}))
    ok("wallet", "pay", "--wallet", d / "bob.json", *tx, "--for", d / "quote-30.json", "--out", d / "payment-30.json")
    fails(1, "not the quoted premium 40", "wallet", "open", "--wallet", alice, *tx, "--quote", d / "quote.json",
          "--payment", d / "payment-30.json")
    assert snapshot(db) == before and cheap == payment
    sold = ok("wallet", "open", "--wallet", alice, *tx, "--quote", d / "quote.json", "--payment", d / "payment.json")
    assert sold.stdout.count("accepted") == 2 and "(one bundle)" in sold.stdout
    # The holder's wallet finds the option and its change by itself; the writer has the premium.
    ok("wallet", "sync", "--wallet", bob, *market["where"])
    bob_notes = _balance(market, "bob")
    option = [n for n in bob_notes["notes"] if n["type"] == "option"]
    assert len(option) == 1 and option[0]["leaf_index"] is not None and option[0]["spent_in"] is None
    alice_notes = _balance(market, "alice")
    assert any(n["note"].get("amount") == "40000000" and n["leaf_index"] is not None and n["spent_in"] is None
               for n in alice_notes["notes"])
    # The same bundle again: its nullifiers are spent.
    kept = _balance(market, "alice")["notes"]
    fails(1, "already spent", "wallet", "open", "--wallet", alice, *tx, "--quote", d / "quote.json",
          "--payment", d / "payment.json")
    assert _balance(market, "alice")["notes"] == kept  # the refused bundle left the wallet as it was
    assert "OK" in ok("audit", *market["where"]).stdout
