"""Ceremony keys for a ledger: install (verified), the genesis's transcript hashes, `audit --transcripts`, the demo.

The ceremony directories are built from known phase-1 secrets with fixed-base
multiplications (tests/ceremony_helpers.py) so that a power-12 ptau takes
seconds; every check runs the real verifiers on them.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.ceremony_helpers import ceremony_directory
from tests.cli_fixtures import fails, ok
from tests.ledger_fixtures import member_keys
from zkopt import ceremony_keys
from zkopt.ceremony import phase2
from zkopt.errors import InvalidTranscript, MalformedInput, MalformedKey
from zkopt.groth16 import zkey
from zkopt.ledger import CircuitEntry, Genesis, Ledger, oracle, schema
from zkopt.keydir import KeyDir

DEPTH = 1
#: The five circuits' ceremony is for the demo's story, whose nine notes need a tree of depth 4.
MARKET_DEPTH = 4
MARKET_KINDS = ("deposit", "open", "settle", "withdraw", "transfer")


@functools.lru_cache(maxsize=None)
def _full_ceremony() -> Path:
    path = Path(tempfile.mkdtemp(prefix="zkopt-ceremony-"))
    atexit.register(shutil.rmtree, path, True)
    return ceremony_directory(path / "ceremony", MARKET_DEPTH, MARKET_KINDS)


@pytest.fixture(scope="module")
def deposit_ceremony(tmp_path_factory):
    return ceremony_directory(tmp_path_factory.mktemp("c") / "ceremony", DEPTH, ("deposit",))


@pytest.fixture(scope="module")
def installed(deposit_ceremony, tmp_path_factory):
    keys = KeyDir(tmp_path_factory.mktemp("k") / "keys")
    return keys, ceremony_keys.install(deposit_ceremony, keys, DEPTH, kinds=("deposit",))["deposit"].entry


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="module")
def recontributed(deposit_ceremony, tmp_path_factory):
    """The same ceremony with one more (valid) deposit contribution: another transcript of the circuit (read only)."""
    other = _copy(deposit_ceremony, tmp_path_factory.mktemp("other") / "ceremony")
    key, _ = phase2.contribute(zkey.read(other / "deposit.zkey"), "one more")
    zkey.write(key, other / "deposit.zkey")
    return other


def test_install_verifies_and_records_the_transcript(installed, recontributed):
    keys, entry = installed
    assert entry.transcript_hash is not None and len(entry.transcript_hash) == 64
    assert keys.manifest()["deposit"]["transcript_hash"] == entry.transcript_hash.hex()
    assert keys.proving_key("deposit", entry).h_form == "odd-coset"
    # a key directory holding other keys is refused before anything is verified or written
    with pytest.raises(MalformedKey, match="holds other deposit keys"):
        ceremony_keys.install(recontributed, keys, DEPTH, kinds=("deposit",))
    assert keys.manifest()["deposit"]["transcript_hash"] == entry.transcript_hash.hex()


def test_a_bad_ceremony_directory_is_refused(deposit_ceremony, tmp_path):
    bad = _copy(deposit_ceremony, tmp_path / "bad")
    key = zkey.read(bad / "deposit.zkey")
    zkey.write(key.replace(contributions=[dataclasses.replace(key.contributions[0], transcript=bytes(64))]),
               bad / "deposit.zkey")
    with pytest.raises(InvalidTranscript, match="deposit.zkey: contribution #1"):
        ceremony_keys.verify(bad, DEPTH, kinds=("deposit",))
    zkey.write(key.replace(contributions=[], delta_1=phase2.G1, delta_2=phase2.G2), bad / "deposit.zkey")
    with pytest.raises(InvalidTranscript, match="deposit.zkey: it has no contribution"):
        ceremony_keys.verify(bad, DEPTH, kinds=("deposit",))
    (bad / "deposit.zkey").unlink()
    with pytest.raises(MalformedInput, match="has no deposit.zkey"):
        ceremony_keys.verify(bad, DEPTH, kinds=("deposit",))
    shutil.copy(bad / "pot.ptau", bad / "second.ptau")
    with pytest.raises(MalformedInput, match="exactly one .ptau"):
        ceremony_keys.verify(bad, DEPTH, kinds=("deposit",))


def _deposit_ledger(path: Path, entry: CircuitEntry) -> Path:
    members = member_keys(3)
    genesis = Genesis(circuits={"deposit": entry}, committee=[oracle.public_key_bytes(m) for m in members],
                      threshold=2, tree_depth=DEPTH)
    Ledger.create(path, genesis).close()
    return path


def test_the_auditor_checks_the_setup_against_the_genesis(installed, deposit_ceremony, recontributed, tmp_path):
    _, entry = installed
    db = _deposit_ledger(tmp_path / "ledger.db", entry)
    assert ceremony_keys.check(deposit_ceremony, db) == []
    with Ledger.open(db) as opened:
        assert opened.genesis.circuits["deposit"].transcript_hash == entry.transcript_hash
    # another valid transcript of the same circuit is not the one the ledger was made with
    messages = [f.message for f in ceremony_keys.check(recontributed, db)]
    assert any("not the one the genesis records" in m for m in messages)
    assert any("verification key is not the ledger's" in m for m in messages)
    # a ledger made with single-party keys has no transcript to check
    plain = _deposit_ledger(tmp_path / "plain.db", dataclasses.replace(entry, transcript_hash=None))
    assert [f.message for f in ceremony_keys.check(deposit_ceremony, plain)] == [
        "the deposit key comes from a single-party setup (no transcript recorded)"]


def test_audit_transcripts_from_the_command_line(installed, deposit_ceremony, tmp_path):
    _, entry = installed
    db = _deposit_ledger(tmp_path / "ledger.db", entry)
    assert "OK: every check holds" in ok("audit", "--db", db, "--transcripts", deposit_ceremony).output
    report = json.loads(ok("audit", "--db", db, "--transcripts", deposit_ceremony, "--json").output)
    assert report["ok"] and report["findings"] == []
    plain = _deposit_ledger(tmp_path / "plain.db", dataclasses.replace(entry, transcript_hash=None))
    fails(1, "audit failed: 1 finding (first: #0 [setup] the deposit key comes from a single-party setup",
          "audit", "--db", plain, "--transcripts", deposit_ceremony)
    fails(2, "no ceremony directory", "audit", "--db", db, "--transcripts", tmp_path / "missing")


def test_transcript_hashes_extend_the_genesis_encoding_only_when_present(installed):
    _, entry = installed
    members = [oracle.public_key_bytes(m) for m in member_keys(3)]
    with_hash = Genesis(circuits={"deposit": entry}, committee=members, threshold=2, tree_depth=DEPTH)
    without = Genesis(circuits={"deposit": dataclasses.replace(entry, transcript_hash=None)}, committee=members,
                      threshold=2, tree_depth=DEPTH)
    old_style = schema.encode_genesis(DEPTH, without.root_history, 2, members,
                                      [("deposit", entry.vk_sha256, entry.public_names)], without.margin_shocks)
    assert without.encode() == old_style
    assert with_hash.encode().startswith(old_style) and with_hash.hash() != without.hash()
    assert Genesis.from_json(with_hash.to_json()).hash() == with_hash.hash()
    with pytest.raises(MalformedInput, match="64 bytes"):
        Genesis(circuits={"deposit": dataclasses.replace(entry, transcript_hash=b"x")}, committee=members,
                threshold=2, tree_depth=DEPTH)


def test_ceremony_options_refuse_an_unusable_directory(tmp_path):
    committee = tmp_path / "committee.json"
    committee.write_text(json.dumps({"members": [oracle.public_key_bytes(m).hex() for m in member_keys(3)]}))
    (tmp_path / "empty").mkdir()
    fails(2, "exactly one .ptau", "ledger", "init", "--db", tmp_path / "l.db", "--keys", tmp_path / "keys",
          "--committee", committee, "--depth", DEPTH, "--zkeys", tmp_path / "empty")
    assert not (tmp_path / "l.db").exists()
    fails(2, "no ceremony directory", "demo", "--dir", tmp_path / "demo", "--depth", MARKET_DEPTH,
          "--zkeys", tmp_path / "missing")
    fails(2, "not a pool's", "audit", "--chain", "http://127.0.0.1:9", "--pool", "0x" + "11" * 20,
          "--transcripts", tmp_path / "empty")


def test_the_demo_and_a_ledger_on_ceremony_keys(tmp_path):
    """The demo's whole story, proofs and audit, runs on the five circuits' ceremony keys; its key directory
    keeps the verified transcripts, so a ledger made later from it records the same hashes.

    The transcripts are verified once (about a minute): `ledger init --zkeys` calls the same
    ``ceremony_keys.install`` as `demo --zkeys`, and its refusals are tested above.
    """
    ceremony = _full_ceremony()
    story = ok("demo", "--dir", tmp_path / "demo", "--depth", MARKET_DEPTH, "--zkeys", ceremony)
    assert "from the multi-party ceremony" in story.output and "single-party" not in story.output
    with Ledger.open(tmp_path / "demo" / "ledger.db") as market:
        recorded = {k: e.transcript_hash for k, e in market.genesis.circuits.items()}
        assert market.state().entries > 4  # deposit, spot, open, price, settle, withdraw
    assert sorted(recorded) == sorted(MARKET_KINDS)
    assert all(h is not None and len(h) == 64 for h in recorded.values())
    for i in range(3):
        ok("oracle", "keygen", "--out", tmp_path / f"m{i}.key", "--committee", tmp_path / "committee.json")
    db = tmp_path / "ledger.db"
    ok("ledger", "init", "--db", db, "--keys", tmp_path / "demo" / "keys", "--committee", tmp_path / "committee.json",
       "--depth", MARKET_DEPTH)
    shown = json.loads(ok("ledger", "show", "--db", db, "--json").output)
    assert {k: c["transcript_hash"] for k, c in shown["circuits"].items()} == {k: h.hex() for k, h in recorded.items()}
