"""The auditor: a clean ledger passes; one flipped byte anywhere, or an entry that skipped a check, is found and named.

Plus selective disclosure: an owner's opening is checked against the ledger.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3

import pytest

from tests.ledger_fixtures import ASSET, GRID, World, prove_standin, run_scenario
from zkopt.audit import audit, check_disclosure, export_opening, parse_opening
from zkopt.errors import InvalidProof, MalformedInput
from zkopt.ledger import Ledger, schema
from zkopt.ledger.tree import StoredTree
from zkopt.native import notes, payoff


@pytest.fixture(scope="module")
def scenario_db(tmp_path_factory):
    """The scripted scenario's ledger, closed (WAL folded in), and what made it."""
    path = tmp_path_factory.mktemp("audit") / "scenario.db"
    world = World(path, random.Random(4242))
    scenario = run_scenario(world)
    world.ledger.close()
    return path, scenario


@pytest.fixture
def copy(scenario_db, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copyfile(scenario_db[0], path)
    return path


def audit_of(path):
    return audit(path, rng=random.Random(5))


def test_clean_ledger_passes_with_text_and_json(scenario_db):
    path, scenario = scenario_db
    report = audit_of(path)
    assert report.ok, report.to_text()
    assert (report.entries, report.transactions, report.price_reports) == (6, 4, 2)
    assert report.leaf_count == 6 and report.nullifiers == 3
    assert report.head_hash == scenario.receipts["withdraw"].entry_hash
    assert "OK" in report.to_text()
    obj = json.loads(json.dumps(report.to_json()))
    assert obj["ok"] is True and obj["findings"] == [] and obj["pool_balance"] == str(report.pool_balance)


def test_published_genesis_hash_is_compared(scenario_db):
    path, _ = scenario_db
    with Ledger.open(path) as ledger:
        published = ledger.genesis.hash()
    assert audit(path, genesis_hash=published).ok
    report = audit(path, genesis_hash=bytes(32))
    assert not report.ok and report.seqs == [0] and "published" in report.findings[0].message


# --- one flipped byte -----------------------------------------------------------------------------

# (table, column, row selector, the entry that must be named first)
TARGETS = [
    ("transactions", "proof", "seq = 5", 5),
    ("transactions", "public", "seq = 3", 3),
    ("transactions", "root", "seq = 6", 6),
    ("leaves", "cm", "leaf_index = 3", 5),
    ("nullifiers", "nf", "seq = 6", 6),
    ("price_signatures", "signature", "seq = 4 AND position = 1", 4),
    ("price_signatures", "price", "seq = 4 AND position = 0", 4),
    ("price_signatures", "member_key", "seq = 4 AND position = 2", 4),
    ("price_reports", "price", "seq = 4", 4),
    ("price_reports", "price", "seq = 2", 2),
    ("circuits", "vk_json", "kind = 'settle'", 0),
    ("circuits", "vk_sha256", "kind = 'open'", 0),
    ("oracle_members", "public_key", "member = 1", 0),
    ("genesis", "genesis_hash", "id = 1", 0),
    ("genesis", "margin_shocks", "id = 1", 0),
    ("log", "entry_hash", "seq = 3", 3),
    ("log", "prev_hash", "seq = 5", 5),
    ("tree_nodes", "value", "level = 1 AND position = 1", 5),
    ("roots", "root", "position = 2", 3),
    ("ledger_state", "head_hash", "id = 1", 6),
]


def flip_byte(path, table, column, where, rng) -> None:
    conn = sqlite3.connect(path)
    try:
        (value,) = conn.execute(f"SELECT {column} FROM {table} WHERE {where}").fetchone()
        data = bytearray(value.encode() if isinstance(value, str) else value)
        i = rng.randrange(len(data))
        # Text stays ASCII when only the lowest bit changes; a BLOB gets a random bit.
        data[i] ^= 1 if isinstance(value, str) else 1 << rng.randrange(8)
        new = data.decode() if isinstance(value, str) else bytes(data)
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (new,))
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("table, column, where, seq", TARGETS, ids=[f"{t}.{c}" for t, c, _, _ in TARGETS])
def test_one_flipped_byte_is_found_and_named(copy, table, column, where, seq):
    rng = random.Random(f"{table}.{column}")
    pristine = copy.with_name("pristine.db")
    shutil.copyfile(copy, pristine)
    for _ in range(3):  # three different bytes, each in a fresh copy
        shutil.copyfile(pristine, copy)
        flip_byte(copy, table, column, where, rng)
        report = audit_of(copy)
        assert not report.ok
        assert report.seqs[0] == seq, report.to_text()
        assert f"#{seq} " in report.to_text()


def test_rewriting_the_same_bytes_changes_nothing(copy):
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE transactions SET proof = proof, public = public")
    conn.commit()
    conn.close()
    assert audit_of(copy).ok


def test_a_valid_proof_of_another_statement_is_named_by_batch_verification(tmp_path, rng):
    world = World(tmp_path / "ledger.db", rng)
    receipts = [world.submit("deposit", amount=i + 1, cm_out=world.fresh()) for i in range(5)]
    world.ledger.close()
    conn = sqlite3.connect(world.path)
    (other,) = conn.execute("SELECT proof FROM transactions WHERE seq = 4").fetchone()
    conn.execute("UPDATE transactions SET proof = ? WHERE seq = 3", (other,))
    conn.commit()
    conn.close()
    report = audit_of(world.path)
    proof_findings = [f for f in report.findings if f.check == "proof"]
    assert [f.seq for f in proof_findings] == [receipts[2].seq] == [3]
    assert "does not verify under the deposit key" in proof_findings[0].message


def test_missing_rows_are_named(copy):
    conn = sqlite3.connect(copy)
    conn.execute("DELETE FROM nullifiers WHERE seq = 6")
    conn.commit()
    conn.close()
    report = audit_of(copy)
    assert report.seqs == [6] and "missing from the nullifier table" in report.to_text()
    conn = sqlite3.connect(copy)
    conn.execute("DELETE FROM log WHERE seq = 3")
    conn.commit()
    conn.close()
    report = audit_of(copy)
    assert 3 in report.seqs and "a transactions row has no tx entry" in report.to_text()


def test_unreadable_or_missing_file_is_a_finding(tmp_path):
    report = audit(tmp_path / "none.db")
    assert not report.ok and report.findings[0].check == "file"
    (tmp_path / "junk.db").write_bytes(b"junk" * 1000)
    report = audit(tmp_path / "junk.db")
    assert not report.ok and report.findings[0].check == "file"


# --- entries that skipped a check (a dishonest operator with a consistent hash chain) ------------------------


def force_append(path, kind, public, proof, accepted_at) -> int:
    """Append a transaction with a correct hash chain and root but without any of the ledger's checks."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        entries, head, leaf_count = conn.execute("SELECT entries, head_hash, leaf_count FROM ledger_state").fetchone()
        depth = conn.execute("SELECT tree_depth FROM genesis").fetchone()[0]
        outputs = {"deposit": [1], "open": [2, 3], "settle": [5, 6], "withdraw": [4]}[kind]
        _, root = StoredTree(conn, depth).plan_append(leaf_count, [public[i] for i in outputs])
        seq = entries + 1
        blobs = (schema.public_bytes(public), schema.proof_bytes(proof), schema.fe_bytes(root))
        digest = schema.entry_hash(head, schema.encode_tx_entry(seq, accepted_at, kind, *blobs))
        conn.execute("INSERT INTO log VALUES (?, 'tx', ?, ?, ?)", (seq, accepted_at, head, digest))
        conn.execute("INSERT INTO transactions (seq, kind, public, proof, root) VALUES (?, ?, ?, ?, ?)", (seq, kind, *blobs))
        conn.execute("UPDATE ledger_state SET entries = ?, head_hash = ?", (seq, digest))
        return seq
    finally:
        conn.close()


def forged_findings(copy, scenario, kind, values, accepted_at=None, check=None):
    public, proof = prove_standin(kind, values, random.Random(8))
    accepted_at = scenario.expiry + 1000 if accepted_at is None else accepted_at
    seq = force_append(copy, kind, public, proof, accepted_at)
    report = audit_of(copy)
    assert report.seqs[0] == seq == 7
    return [f.message for f in report.findings if f.seq == seq and (check is None or f.check == check)]


def root_of(path):
    with Ledger.open(path) as ledger:
        return ledger.root


def withdraw(root, nf, amount=1):
    return dict(root=root, nf_in=nf, amount=amount, recipient=9, cm_change=random.Random(nf).randrange(1, notes.R))


def test_audit_finds_a_double_spend(copy, scenario_db):
    _, scenario = scenario_db
    nf = scenario.notes["holder"].nullifier(scenario.secrets["sk_holder"])
    messages = forged_findings(copy, scenario, "withdraw", withdraw(root_of(copy), nf), check="nullifier")
    assert any("already spent in entry 6" in m for m in messages)


def test_audit_finds_an_unknown_root(copy, scenario_db):
    _, scenario = scenario_db
    messages = forged_findings(copy, scenario, "withdraw", withdraw(12345, 777), check="root")
    assert any("not one of the last 32 roots" in m for m in messages)


def test_audit_finds_a_negative_pool(copy, scenario_db):
    _, scenario = scenario_db
    messages = forged_findings(copy, scenario, "withdraw", withdraw(root_of(copy), 778, amount=10**13), check="pool")
    assert any("negative" in m for m in messages)


@pytest.mark.parametrize("case", ["wrong price", "before expiry", "no price"])
def test_audit_finds_a_bad_settlement(copy, scenario_db, case):
    _, scenario = scenario_db
    price = scenario.receipts["price"].price
    values = dict(root=root_of(copy), nf_option=31337, asset=ASSET, expiry=scenario.expiry, price=price)
    values.update(cm_holder=41, cm_writer=43)
    accepted_at = None
    if case == "wrong price":
        values["price"] = price + 1
    elif case == "before expiry":
        accepted_at = scenario.expiry - 1
    else:
        values["expiry"] = scenario.expiry + 1
    messages = forged_findings(copy, scenario, "settle", values, accepted_at, check="settlement")
    expected = {
        "wrong price": "differs from the attested",
        "before expiry": "before the expiry",
        "no price": "no price",
    }[case]
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize("case", ["halved grid", "stale spot", "other asset", "right grid"])
def test_audit_finds_an_open_off_the_margin_grid(copy, scenario_db, case):
    _, scenario = scenario_db
    # The forged open comes after the settlement report, whose price is then the asset's latest spot.
    spot = scenario.receipts["price"].price
    required = payoff.default_grid(spot)
    grid, asset = list(required), ASSET
    if case == "halved grid":
        grid = [g // 2 for g in required]  # every price below the call's strike: no collateral needed
    elif case == "stale spot":
        grid = list(GRID)  # the first spot's grid, no longer the ledger's
    elif case == "other asset":
        asset = ASSET + 1  # no spot was ever attested for it
    values = dict(root=root_of(copy), nf_in=31338, cm_option=47, cm_change=53, asset=asset, expiry=scenario.expiry + 10**6)
    values.update({f"grid[{i}]": g for i, g in enumerate(grid)})
    messages = forged_findings(copy, scenario, "open", values, check="margin")
    expected = {
        "halved grid": f"the grid [{grid[0]} .. {grid[-1]}] is not the margin grid [{required[0]} .. {required[-1]}] "
        f"of the attested spot {spot}",
        "stale spot": f"the grid [{GRID[0]} .. {GRID[-1]}] is not the margin grid",
        "other asset": f"no spot price for asset {ASSET + 1} was attested earlier in the log",
    }.get(case)
    if expected is None:
        assert messages == []  # twin: the ledger's grid is no finding
    else:
        assert len(messages) == 1 and messages[0].startswith(expected), messages


def test_audit_finds_a_price_report_below_threshold(copy, scenario_db):
    _, scenario = scenario_db
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("DELETE FROM price_signatures WHERE seq = 4 AND position > 0")
    # Re-hash the chain from entry 4 on so that only the oracle rule is broken.
    prev = conn.execute("SELECT prev_hash FROM log WHERE seq = 4").fetchone()[0]
    entries = conn.execute("SELECT seq, entry_type, accepted_at FROM log WHERE seq >= 4 ORDER BY seq").fetchall()
    for seq, entry_type, accepted_at in entries:
        if entry_type == "price":
            row = conn.execute(
                "SELECT asset, expiry, price, observed_at FROM price_reports WHERE seq = ?", (seq,)
            ).fetchone()
            sigs = conn.execute(
                "SELECT member_key, price, observed_at, signature FROM price_signatures WHERE seq = ? ORDER BY position",
                (seq,),
            ).fetchall()
            body = schema.encode_price_entry(seq, accepted_at, *row, sigs)
        else:
            row = conn.execute("SELECT kind, public, proof, root FROM transactions WHERE seq = ?", (seq,)).fetchone()
            body = schema.encode_tx_entry(seq, accepted_at, *row)
        digest = schema.entry_hash(prev, body)
        conn.execute("UPDATE log SET prev_hash = ?, entry_hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    conn.execute("UPDATE ledger_state SET head_hash = ?", (prev,))
    conn.close()
    report = audit_of(copy)
    assert report.seqs == [4], report.to_text()
    assert [f.check for f in report.findings] == ["oracle"]
    assert "1 oracle signatures, at least 2 required" in report.findings[0].message


# --- selective disclosure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, seq, kind, leaf",
    [("deposit", 1, "deposit", 0), ("option", 3, "open", 1), ("change", 3, "open", 2), ("holder", 5, "settle", 3),
     ("writer", 5, "settle", 4), ("holder_change", 6, "withdraw", 5)],
)
def test_disclosure_of_each_note(scenario_db, name, seq, kind, leaf):
    path, scenario = scenario_db
    note = scenario.notes[name]
    opening = json.loads(json.dumps(export_opening(note)))
    assert parse_opening(opening) == note
    disclosed = check_disclosure(path, opening)
    assert (disclosed.seq, disclosed.kind, disclosed.leaf_index) == (seq, kind, leaf)
    assert disclosed.commitment == note.commitment()
    assert disclosed.values == {k: int(v) for k, v in note.to_dict().items()}
    if name == "option":
        assert disclosed.spent_in == 5 and disclosed.values["strike[0]"] == note.position.legs[0].strike
    else:
        assert disclosed.spent_in is None
    assert json.loads(json.dumps(disclosed.to_json()))["seq"] == seq


@pytest.mark.parametrize("field", ["amount", "owner_pk", "rho"])
def test_disclosure_with_one_wrong_value_is_refused(scenario_db, field):
    path, scenario = scenario_db
    opening = export_opening(scenario.notes["holder"])
    opening["note"][field] = str(int(opening["note"][field]) + 1)
    with Ledger.open(path) as ledger:
        with pytest.raises(InvalidProof, match="not on the ledger"):
            check_disclosure(ledger, opening)


def test_disclosure_of_an_unspent_option_and_malformed_openings(scenario_db):
    path, scenario = scenario_db
    option = scenario.notes["option"]
    opening = option.to_dict()
    other = notes.OptionNote.from_dict({**opening, "strike[0]": str(int(opening["strike[0]"]) + 1)})
    with pytest.raises(InvalidProof):
        check_disclosure(path, export_opening(other))
    for bad in [{"type": "bond", "note": {}}, {"type": "cash"}, {"type": "cash", "note": {"amount": "1"}},
                {"type": "cash", "note": {"amount": "-1", "owner_pk": "1", "rho": "1"}}, "cash"]:
        with pytest.raises(MalformedInput):
            check_disclosure(path, bad)
    with pytest.raises(MalformedInput):
        export_opening("note")


def test_audit_finds_an_entry_logged_before_the_previous_one(copy, scenario_db):
    _, scenario = scenario_db
    with Ledger.open(copy) as ledger:
        last = ledger.entry(ledger.state().entries)["accepted_at"]
    values = withdraw(root_of(copy), 779)
    assert forged_findings(copy, scenario, "withdraw", values, accepted_at=last - 1, check="clock")


def test_an_entry_at_the_same_time_as_the_previous_one_is_no_clock_finding(copy, scenario_db):
    _, scenario = scenario_db
    with Ledger.open(copy) as ledger:
        last = ledger.entry(ledger.state().entries)["accepted_at"]
    assert forged_findings(copy, scenario, "withdraw", withdraw(root_of(copy), 780), accepted_at=last, check="clock") == []


def test_a_transaction_of_a_kind_no_spec_knows_is_a_finding_not_a_crash(tmp_path, rng):
    world = World(tmp_path / "ledger.db", rng)
    world.submit("deposit", amount=5, cm_out=world.fresh())
    world.ledger.close()
    conn = sqlite3.connect(world.path)
    conn.execute(
        "INSERT INTO circuits SELECT 'mint', vk_json, vk_sha256, public_names, transcript_hash FROM circuits WHERE kind = 'deposit'"
    )
    conn.execute("UPDATE transactions SET kind = 'mint'")
    conn.commit()
    conn.close()
    report = audit_of(world.path)
    assert "#1 [transaction] unknown transaction kind 'mint'" in report.to_text()
    # Twin: the same entry under its own kind is no transaction finding.
    conn = sqlite3.connect(world.path)
    conn.execute("UPDATE transactions SET kind = 'deposit'")
    conn.commit()
    conn.close()
    assert not [f for f in audit_of(world.path).findings if f.check == "transaction"]


@pytest.mark.parametrize("offset", [0, -1, 1])
def test_audit_finds_an_open_whose_expiry_is_not_after_its_time(copy, scenario_db, offset):
    """A forged open accepted at time T with expiry T (or earlier) could settle at once: a finding; T + 1 is none."""
    _, scenario = scenario_db
    accepted_at = scenario.expiry + 1000
    required = payoff.default_grid(scenario.receipts["price"].price)
    values = dict(root=root_of(copy), nf_in=31339, cm_option=59, cm_change=61, asset=ASSET, expiry=accepted_at + offset)
    values.update({f"grid[{i}]": g for i, g in enumerate(required)})
    messages = forged_findings(copy, scenario, "open", values, accepted_at=accepted_at, check="expiry")
    if offset > 0:
        assert messages == []
    else:
        assert messages == [f"opened at {accepted_at} with an expiry ({accepted_at + offset}) that is not after it"]

