"""The command line on a Hardhat node: the README's on-chain walkthrough with the real depth-4 circuits.

`zkopt chain deploy`, test tokens, `wallet deposit/open/settle/withdraw --chain --pool`, oracle members with
Ethereum keys (`oracle keygen --ethereum`, `oracle sign`, `oracle post --chain`), `wallet sync`, then `zkopt audit
--chain` (exit 0), and the one-line refusals: a replayed settlement (exit 1), a missing --pool (exit 2), a
node that is not there (exit 2).
"""

from __future__ import annotations

import json

import pytest

from tests.cli_fixtures import fails, ok, shared_keys
from tests.conftest import INTEROP_DIR

pytestmark = pytest.mark.evm


def test_a_market_on_a_hardhat_node_from_the_command_line(hardhat_url, tmp_path, monkeypatch):
    from zkopt.chain import node

    monkeypatch.setenv("ZKOPT_NODE_MODULES", str(INTEROP_DIR / "node_modules"))
    keys = shared_keys()
    members = [tmp_path / f"m{i}.key" for i in range(3)]
    addresses = [ok("oracle", "keygen", "--ethereum", "--out", m).stdout.strip() for m in members]
    out = ok("chain", "deploy", "--chain", hardhat_url, "--keys", keys, "--depth", 4, "--threshold", 2,
             *[a for address in addresses for a in ("--member", address)], "--json").stdout
    pool = json.loads(out)["pool"]
    at = ("--chain", hardhat_url, "--pool", pool)
    w3 = node.connect(hardhat_url)
    sender = w3.eth.accounts[0]
    ok("chain", "mint", "--chain", hardhat_url, "--pool", pool, "--to", sender, "--amount", "10000")
    holder_pk = ok("wallet", "new", "--wallet", tmp_path / "holder.json").stdout.strip()
    ok("wallet", "new", "--wallet", tmp_path / "writer.json")
    ok("wallet", "deposit", "--wallet", tmp_path / "writer.json", *at, "--keys", keys, "--amount", "10000")
    now = node.now(w3)
    for i in (0, 1):
        ok("oracle", "sign", "--key", members[i], "--asset", "ETH-USD", "--expiry", now, "--observed-at", now,
           "--price", "3000", "--out", tmp_path / f"s{i}.json")
    node.set_time(w3, now + 5)
    ok("oracle", "post", *at, tmp_path / "s0.json", tmp_path / "s1.json")
    expiry = now + 3_600
    ok("wallet", "open", "--wallet", tmp_path / "writer.json", *at, "--keys", keys, "--holder", holder_pk,
       "--asset", "ETH-USD", "--kind", "call", "--strike", "3100", "--quantity", "2", "--expiry", expiry,
       "--collateral", "3200", "--share", tmp_path / "option.json")
    ok("wallet", "import", "--wallet", tmp_path / "holder.json", tmp_path / "option.json", "--asset", "ETH-USD")
    node.set_time(w3, expiry + 60)
    for i in (1, 2):
        ok("oracle", "sign", "--key", members[i], "--asset", "ETH-USD", "--expiry", expiry, "--observed-at",
           expiry + 30, "--price", "3400", "--out", tmp_path / f"o{i}.json")
    ok("oracle", "post", *at, tmp_path / "o1.json", tmp_path / "o2.json")
    ok("wallet", "sync", "--wallet", tmp_path / "holder.json", *at)
    notes = json.loads(ok("wallet", "notes", "--wallet", tmp_path / "holder.json", "--json").stdout)["notes"]
    (option_id,) = [n["id"] for n in notes if n["type"] == "option"]
    ok("wallet", "settle", "--wallet", tmp_path / "holder.json", *at, "--keys", keys, "--note", option_id,
       "--out", tmp_path / "settle.json")
    ok("ledger", "submit", *at, tmp_path / "settle.json")
    fails(1, "already spent", "ledger", "submit", *at, tmp_path / "settle.json")
    ok("wallet", "sync", "--wallet", tmp_path / "holder.json", *at)
    bob = "0x" + "b0" * 20
    ok("wallet", "withdraw", "--wallet", tmp_path / "holder.json", *at, "--keys", keys, "--amount", "600",
       "--recipient", bob)
    from zkopt.chain.ledger import ChainLedger
    from zkopt.evm import pool as pool_sources

    token = w3.eth.contract(address=ChainLedger(w3, pool).token.address, abi=pool_sources.TOKEN_ABI)
    assert token.functions.balanceOf(w3.to_checksum_address(bob)).call() == 600 * 10**6
    sync = ok("wallet", "sync", "--wallet", tmp_path / "writer.json", *at).stdout
    assert "from the settlement of" in sync
    report = json.loads(ok("audit", *at, "--json").stdout)
    assert report["ok"] and report["entries"] == 6 and report["proofs_checked"] == 4
    fails(2, "--chain URL --pool ADDRESS", "audit", "--chain", hardhat_url)
    fails(2, "no Ethereum JSON-RPC node", "audit", "--chain", "http://127.0.0.1:9", "--pool", pool)
