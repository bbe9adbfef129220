"""Every command over the same malformed inputs: exit 2, one line on stderr, no traceback, the ledger unchanged.

The same hostile files (JSON nested 1,000 deep, a 100,000-digit number, a
float, NaN, non-UTF-8 bytes, an empty file, a directory, a FIFO, /dev/zero,
a missing path) go into every file argument of every command; then
hypothesis throws random JSON and random bytes at `verify`, `ledger submit`,
`oracle post` and `wallet import` as real subprocesses. Only the documented
exit codes (README, "Exit codes") may come back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_fixtures import DEPTH, invoke, ok, shared_keys
from tests.ledger_fixtures import snapshot as file_snapshot

EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256 of nothing


def snapshot(db):
    """The file, its WAL and its rows; an empty WAL (left by a reader) counts as none."""
    main, wal, dump = file_snapshot(db)
    return main, None if wal == EMPTY else wal, dump

HOSTILE_TEXT = {
    "deep": "[" * 1000 + "]" * 1000,
    "digits": "1" * 100_000,
    "float": '{"a": 1.5}',
    "nan": "[NaN]",
    "binary": b"\xff\xfe\x00\x01",
    "empty": "",
    "truncated": '{"kind": "deposit", "public": ["1"',
}


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A ledger with one deposit pending, a wallet, oracle keys, a chain proof; and the hostile files."""
    d = tmp_path_factory.mktemp("malformed")
    for i in range(2):
        ok("oracle", "keygen", "--out", d / f"m{i}.key", "--committee", d / "committee.json")
    ok("ledger", "init", "--db", d / "ledger.db", "--keys", shared_keys(), "--committee", d / "committee.json",
       "--depth", DEPTH)
    ok("wallet", "new", "--wallet", d / "w.json")
    ok("setup", "chain", "--param", "n=4", "--out", d / "chain")
    (d / "input.json").write_text('{"x": "3"}')
    ok("prove", "--pk", d / "chain" / "proving_key.zkpk", "--input", d / "input.json",
       "--proof", d / "proof.json", "--public", d / "public.json")
    hostile = {}
    for name, content in HOSTILE_TEXT.items():
        path = d / f"{name}.json"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        hostile[name] = path
    os.mkfifo(d / "fifo.json")
    hostile.update(fifo=d / "fifo.json", directory=d / "chain", zero="/dev/zero", missing=d / "none.json")
    return d, hostile


def commands(d, bad):
    """Each command with ``bad`` in one of its file arguments (every other argument valid)."""
    vk, public, proof = d / "chain" / "verification_key.json", d / "public.json", d / "proof.json"
    db, wallet, keys = d / "ledger.db", d / "w.json", shared_keys()
    return [
        ("verify", "--vk", bad, "--public", public, "--proof", proof),
        ("verify", "--vk", vk, "--public", bad, "--proof", proof),
        ("verify", vk, public, bad),
        ("prove", "--pk", d / "chain" / "proving_key.zkpk", "--input", bad, "--proof", d / "p2.json",
         "--public", d / "q2.json"),
        ("prove", "--pk", bad, "--input", d / "input.json", "--proof", d / "p2.json", "--public", d / "q2.json"),
        ("ledger", "submit", "--db", db, bad),
        ("ledger", "check-opening", "--db", db, bad),
        ("ledger", "init", "--db", d / "new.db", "--keys", keys, "--committee", bad, "--depth", DEPTH),
        ("oracle", "post", "--db", db, bad),
        ("oracle", "sign", "--key", bad, "--asset", "ETH-USD", "--expiry", "1", "--price", "1", "--out", d / "o.json"),
        ("wallet", "import", "--wallet", wallet, bad),
        ("wallet", "notes", "--wallet", bad),
        ("wallet", "deposit", "--wallet", bad, "--db", db, "--keys", keys, "--amount", "1"),
        ("export", "solidity", "--vk", bad, "--out", d / "V.sol"),
        ("export", "calldata", "--proof", bad, "--public", public),
    ]


@pytest.mark.parametrize("kind", sorted([*HOSTILE_TEXT, "fifo", "directory", "zero", "missing"]))
def test_every_command_refuses_each_hostile_file_with_one_line(setting, kind):
    d, hostile = setting
    before = snapshot(d / "ledger.db")
    for args in commands(d, hostile[kind]):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, (args, lines)
        assert len(lines[0]) < 400, lines[0]
    assert snapshot(d / "ledger.db") == before
    assert not (d / "new.db").exists() and not (d / "V.sol").exists()


def test_a_damaged_ledger_file_is_exit_2_for_every_command_that_reads_it(setting, tmp_path):
    d, hostile = setting
    for content in (b"", b"this is not sqlite" * 200, (d / "ledger.db").read_bytes()[:1000]):
        db = tmp_path / "bad.db"
        db.write_bytes(content)
        for args in (("ledger", "show", "--db", db), ("ledger", "check", "--db", db), ("audit", "--db", db),
                     ("ledger", "submit", "--db", db, d / "public.json"),
                     ("wallet", "sync", "--wallet", d / "w.json", "--db", db)):
            result = invoke(*args)
            assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, (args, result.output)


# --- random input, real processes -------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**300), 2**300) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)
documents = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"kind": st.sampled_from(["deposit", "settle", "dеposit"]),
                           "public": st.lists(st.text(alphabet="0123456789", max_size=90), max_size=4),
                           "proof": json_values}).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)


def run(*args):
    return subprocess.run([sys.executable, "-m", "zkopt.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents, which=st.sampled_from(["verify", "submit", "post", "import"]))
def test_random_files_give_only_documented_codes_and_one_line(setting, tmp_path_factory, document, which):
    d, _ = setting
    path = tmp_path_factory.mktemp("fuzz") / "in.json"
    path.write_bytes(document)
    args = {
        "verify": ("verify", d / "chain" / "verification_key.json", path, d / "proof.json"),
        "submit": ("ledger", "submit", "--db", d / "ledger.db", path),
        "post": ("oracle", "post", "--db", d / "ledger.db", path),
        "import": ("wallet", "import", "--wallet", d / "w.json", path),
    }[which]
    before = snapshot(d / "ledger.db")
    done = run(*args)
    assert done.returncode in (1, 2), (args, document[:80], done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert snapshot(d / "ledger.db") == before
