"""The walkthroughs in examples/ run as a user would run them (subprocesses, depth 4) and say what they should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli_fixtures import shared_keys

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script: str, out: Path, *extra) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--depth", "4", "--out", str(out), *map(str, extra)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_settle_hidden_strike(tmp_path):
    text = run("settle_hidden_strike.py", tmp_path)
    assert "verify: valid" in text
    assert "price      31250000000  = 31250" in text
    assert "strike 27500, quantity 3, collateral 20000" in text
    assert "the same proof with price + 0.000001: invalid" in text
    assert "the circuit fails at settle/cm_holder/equal" in text
    for name in ("verification_key.json", "public.json", "proof.json"):
        assert (tmp_path / name).is_file()
    from click.testing import CliRunner

    from zkopt.cli import main

    checked = CliRunner().invoke(main, ["verify", "--vk", str(tmp_path / "verification_key.json"),
                                        "--public", str(tmp_path / "public.json"), "--proof", str(tmp_path / "proof.json")])
    assert checked.exit_code == 0 and "valid" in checked.stdout


def test_margin_check_plots_and_proves(tmp_path):
    text = run("margin_check.py", tmp_path)
    assert "call: strike 3100, quantity 2: worst loss 2800 at 4500; collateral 3200 -> covered" in text
    assert "put: strike 2900, quantity 2: worst loss 2800 at 1500; collateral 3000 -> covered" in text
    assert "margin proof with collateral 3200: valid" in text
    assert "the circuit fails at open/margin/point_7/" in text
    png = tmp_path / "margin.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_portfolio_margin_plots_saves_and_proves(tmp_path):
    text = run("portfolio_margin.py", tmp_path, "--keys", shared_keys())
    assert "straddle: call:3000:2 put:3000:2: legs one by one 3000 + 3000 = 6000, position 3000 (at 1500) -> saving 3000" in text
    assert "call spread: call:3100:2 call:3300:-2: legs one by one 2800 + 0 = 2800, position 400 (at 3300) -> saving 2400" in text
    assert "strangle: call:3300:2 put:2700:2: legs one by one 2400 + 2400 = 4800, position 2400 (at 1500) -> saving 2400" in text
    assert "keys in" in text and "loaded" in text
    assert "open proof of the straddle with collateral 3000 (the larger leg, not 6000): valid" in text
    assert "with collateral 2999.999999 there is no witness: the circuit fails at open/margin/point_0/slack/sum" in text
    assert "settled at 3400 (the call's side): holder 800, writer 2200 (proof valid)" in text
    assert "settled at 2500 (the put's side): holder 1000, writer 2000 (proof valid)" in text
    png = tmp_path / "portfolio_margin.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    # The copy the examples README shows is a real plot of the same figure.
    shown = EXAMPLES / "portfolio_margin.png"
    assert shown.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "(portfolio_margin.png)" in (EXAMPLES / "README.md").read_text()


def test_private_settlement(tmp_path):
    text = run("private_settlement.py", tmp_path, "--keys", shared_keys())
    assert "keys in" in text and "loaded" in text
    assert "spot report accepted as entry 2: spot 62000, margin grid 31000 43400 49600 55800 68200 74400 80600 93000" in text
    assert "open accepted as entry 3: public root, nf_in, cm_option, cm_change, asset, grid[0..7]" in text
    assert "price report accepted as entry 4: settlement price 57250" in text
    assert "the holder's wallet now holds 1375" in text
    assert "the writer's wallet: 48625" in text
    assert "audit: OK; 6 entries, 4 proofs, pool 48625" in text
    assert all((tmp_path / n).is_file() for n in ("ledger.db", "writer.json", "holder.json"))


def test_tamper_audit(tmp_path):
    text = run("tamper_audit.py", tmp_path, "--keys", shared_keys())
    original, proof, leaf = text.split("\n\n")[1:4]
    assert original.strip() == "audit of the original: OK: every check holds"
    assert "FAILED" in proof and "#3 [proof]" in proof
    assert "FAILED" in leaf and "#3 [commitment] the stored leaf 1 differs" in leaf
    assert (tmp_path / "tampered-proof.db").is_file()


def test_settle_expiry(tmp_path):
    text = run("settle_expiry.py", tmp_path, "--keys", shared_keys(), "--positions", "3", "--workers", "2")
    assert "the maker writes 3 options on ETH-USD expiring" in text
    assert "ETH-USD call:3100:1" in text and "collateral 1400 (writer) to bob" in text
    assert "price report accepted as entry 6: ETH-USD settles at 3250" in text
    assert f"$ zkopt wallet settle --wallet {tmp_path / 'maker.json'} --db {tmp_path / 'ledger.db'}" in text
    assert "--all --expiry " in text
    settled = [line for line in text.splitlines() if line.startswith("settled   ")]
    assert len(settled) == 3 and all("(writer): entry " in line for line in settled)
    assert "call:3100:1" in settled[0] and settled[0].endswith("entry 7; to this wallet 1250")
    assert "3 settled, 0 settled elsewhere, 0 failed, 0 waiting; 3 proofs in" in text
    assert "on a local pool of 2 processes" in text
    assert "bob's wallet finds its payouts: 200" in text and "carol's wallet finds its payouts: 0" in text
    assert "audit: OK; 9 entries, 7 proofs" in text
    assert all((tmp_path / n).is_file() for n in ("ledger.db", "maker.json", "bob.json", "carol.json"))


def test_payments_pay_receive_and_merge(tmp_path):
    text = run("payments.py", tmp_path, "--keys", shared_keys())
    assert "alice holds 2 notes, balance 120" in text
    assert "alice's balance 20" in text and "public: root, nf_a, nf_b, cm_out_a, cm_out_b, condition (no amount)" in text
    assert "received cash 100" in text and "bob's balance: 100" in text
    assert "merged notes" in text and "no single note held the withdrawal of 45" in text
    assert "alice keeps 5 in 1 note" in text
    assert "audit: OK" in text
