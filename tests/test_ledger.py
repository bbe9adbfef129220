"""The ledger with stand-in circuits: the scripted scenario, and every way a transaction is refused, file untouched."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3

import pytest

from tests.ledger_fixtures import (
    ASSET,
    GRID,
    SPOT,
    FakeClock,
    World,
    assert_rejected,
    deposit,
    make_genesis,
    member_keys,
    prove_standin,
    public_names,
    raw_store,
    refused,
    run_scenario,
    snapshot,
    standin_key,
)
from zkopt import curve
from zkopt.audit import audit
from zkopt.errors import LedgerRejected, MalformedInput, MalformedKey, MalformedProof
from zkopt.field import R
from zkopt.groth16 import Proof, verify
from zkopt.ledger import CircuitEntry, Genesis, Ledger, Transaction, database, oracle, schema
from zkopt.native.merkle import MerkleTree


@pytest.fixture
def world(ledger_location, tmp_path, rng):
    w = World(ledger_location, rng)
    yield w
    w.ledger.close()


def withdraw_values(world, amount=10, root=None, nf=None):
    return dict(
        root=world.ledger.root if root is None else root,
        nf_in=world.fresh() if nf is None else nf,
        amount=amount,
        recipient=77,
        cm_change=world.fresh(),
    )


# --- the scenario ------------------------------------------------------------------------------


def test_scenario_is_accepted_and_audits_clean(world):
    scenario = run_scenario(world)
    receipts = scenario.receipts
    assert [r.seq for r in receipts.values()] == [1, 2, 3, 4, 5, 6]
    assert [r.kind for r in receipts.values()] == ["deposit", "price", "open", "price", "settle", "withdraw"]
    assert receipts["open"].leaf_indices == (1, 2) and receipts["settle"].leaf_indices == (3, 4)
    state = world.ledger.state()
    assert state.entries == 6 and state.leaf_count == 6
    assert state.pool_balance == 9_000_000_000_000 - 500_000_000_000
    assert state.head_hash == receipts["withdraw"].entry_hash
    report = audit(world.ledger, rng=random.Random(1))
    assert report.ok, report.to_text()
    assert report.proofs_checked == 4 and report.signatures_checked == 5
    # The same units as `ledger show`: the human amount, then the raw units.
    assert "pool balance   8500000 (8500000000000 units of 10^-6)" in report.to_text()


def test_reopened_ledger_has_the_same_state_and_the_native_tree(world, tmp_path):
    scenario = run_scenario(world)
    before = world.ledger.state()
    world.ledger.close()
    with Ledger.open(world.path) as ledger:
        assert ledger.state() == before
        native = MerkleTree(depth=4)
        for i in range(ledger.leaf_count):
            native.append(ledger.leaf(i))
        assert ledger.root == native.root
        for i in range(ledger.leaf_count):
            path = ledger.membership(i)
            assert path == native.membership(i)
            MerkleTree.verify_path(ledger.leaf(i), path.directions, path.siblings, ledger.root)
        assert ledger.recent_roots()[-1] == ledger.root
        assert [e["seq"] for e in ledger.entries()] == [1, 2, 3, 4, 5, 6]
        assert [e["entry_type"] for e in ledger.entries(4)] == ["price", "tx", "tx"]
        assert ledger.find_commitment(scenario.notes["option"].commitment()) == (1, 3)
        assert ledger.find_commitment(12345) is None
        assert ledger.is_spent(scenario.notes["option"].nullifier())
        assert not ledger.is_spent(scenario.notes["holder_change"].rho)
        with pytest.raises(ValueError):
            ledger.membership(ledger.leaf_count)
    world.ledger = Ledger.open(world.path)


def test_a_damaged_tree_node_gives_no_path(world):
    for _ in range(3):
        deposit(world)
    world.ledger.close()
    with raw_store(world.path) as conn:
        conn.execute("UPDATE tree_nodes SET value = ? WHERE level = 1 AND position = 1", (b"\x00" * 31 + b"\x07",))
    world.ledger = Ledger.open(world.path)
    # Leaf 0's path uses node (1, 1) as a sibling: it no longer leads to the stored root.
    with pytest.raises(MalformedInput, match="does not lead to its root; run zkopt audit"):
        world.ledger.membership(0)


def test_roots_window_counts_transactions_not_leaves(world):
    # open appends two leaves but adds one root: the window is of ledger states.
    deposit(world)
    world.post_spot(ASSET, SPOT)  # a price report adds no root
    count = len(world.ledger.recent_roots())
    fresh = world.fresh
    root = world.ledger.root
    world.submit("open", root=root, nf_in=fresh(), cm_option=fresh(), cm_change=fresh(), asset=ASSET, grid=GRID)
    assert len(world.ledger.recent_roots()) == count + 1


def test_transaction_json_round_trip(world):
    public, proof = world.prove("deposit", amount=5, cm_out=world.fresh())
    tx = Transaction("deposit", tuple(public), proof).to_json()
    text = json.dumps(tx)
    receipt = world.ledger.submit_json(json.loads(text))
    assert receipt.seq == 1 and world.ledger.pool_balance == 5
    assert json.loads(json.dumps(receipt.to_json()))["seq"] == 1


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda tx: tx.pop("proof"), "lacks 'proof'"),
        (lambda tx: tx.update(extra=1), "unknown field"),
        (lambda tx: tx.update(public=["05", "1"]), "not a canonical decimal"),
        (lambda tx: tx.update(public="5"), "must be a list"),
        (lambda tx: tx["proof"].update(pi_a=["1", "3", "1"]), "malformed transaction"),
        (lambda tx: tx.update(kind="mint"), "unknown transaction kind"),
    ],
)
def test_malformed_transaction_json_is_rejected(world, mutate, reason):
    public, proof = world.prove("deposit", amount=5, cm_out=world.fresh())
    tx = Transaction("deposit", tuple(public), proof).to_json()
    mutate(tx)
    assert_rejected(world.ledger, lambda: world.ledger.submit_json(tx), reason)


# --- replay -----------------------------------------------------------------------------------


def test_replayed_settlement_with_a_fresh_proof_is_rejected(world):
    scenario = run_scenario(world)
    option = scenario.notes["option"]
    holder, writer = option.settlement_notes(scenario.receipts["price"].price)
    values = dict(
        root=world.ledger.root,
        nf_option=option.nullifier(),
        asset=ASSET,
        expiry=scenario.expiry,
        price=scenario.receipts["price"].price,
        cm_holder=holder.commitment(),
        cm_writer=writer.commitment(),
    )
    # A different proof of the same statement (fresh blinding): it verifies, so only the nullifier can stop it.
    public, proof = prove_standin("settle", values, random.Random(999))
    verify(standin_key("settle").vk, public, proof)
    assert refused(world, "settle", public, proof, "already spent")
    # Twin: the same statement with a fresh nullifier (and outputs) passes every other check.
    values.update(nf_option=world.fresh(), cm_holder=world.fresh(), cm_writer=world.fresh())
    public, proof = prove_standin("settle", values, random.Random(1000))
    assert world.ledger.submit("settle", public, proof).seq == 7


def test_replayed_settlement_with_a_rerandomised_proof_is_rejected(world):
    """Anyone can re-randomise a Groth16 proof without the witness; the nullifier must still stop it."""
    scenario = run_scenario(world)
    entry = world.ledger.entry(scenario.receipts["settle"].seq)
    public = [int(v) for v in entry["public"]]
    proof = schema.proof_from(bytes.fromhex(entry["proof"]))
    vk = standin_key("settle").vk
    # A' = A / t, B' = t B + t u delta, C' = C + u A: e(A', B') = e(A, B) e(u A, delta) keeps the equation.
    t, u = 7, 11
    mauled = Proof(
        a=curve.g1_mul(proof.a, pow(t, -1, R)),
        b=curve.g2_add(curve.g2_mul(proof.b, t), curve.g2_mul(vk.delta_g2, t * u)),
        c=curve.g1_add(proof.c, curve.g1_mul(proof.a, u)),
    )
    assert schema.proof_bytes(mauled) != schema.proof_bytes(proof)
    verify(vk, public, mauled)
    assert refused(world, "settle", public, mauled, "already spent")


def test_the_exact_same_transaction_twice_is_rejected(world):
    deposit(world)
    public, proof = world.prove("withdraw", **withdraw_values(world))
    world.ledger.submit("withdraw", public, proof)
    refused(world, "withdraw", public, proof, "already spent")


def test_a_deposit_reusing_a_commitment_is_rejected(world):
    cm = world.fresh()
    world.submit("deposit", amount=1, cm_out=cm)
    public, proof = world.prove("deposit", amount=2, cm_out=cm)
    refused(world, "deposit", public, proof, "already on the ledger")
    public, proof = world.prove("deposit", amount=2, cm_out=0)
    refused(world, "deposit", public, proof, "empty leaf")


def test_one_transaction_creating_the_same_commitment_twice_is_rejected(world):
    deposit(world)
    world.post_spot(ASSET, SPOT)
    cm = world.fresh()
    values = dict(root=world.ledger.root, nf_in=world.fresh(), cm_option=cm, cm_change=cm, asset=ASSET, grid=GRID)
    public, proof = world.prove("open", **values)
    refused(world, "open", public, proof, "same commitment twice")
    values["cm_change"] = world.fresh()
    world.submit("open", **values)


# --- keys and proofs ---------------------------------------------------------------------------


def test_proof_for_another_circuit_is_rejected(world):
    deposit(world)
    values = withdraw_values(world)
    # Same public names, different circuit (cubes instead of squares) and key.
    public, rogue = prove_standin("withdraw", values, world.rng, power=3)
    refused(world, "withdraw", public, rogue, "does not verify under the withdraw")
    # The open circuit's proof submitted as a withdrawal: wrong shape altogether.
    open_values = dict(root=world.ledger.root, nf_in=1, cm_option=2, cm_change=3, asset=ASSET, grid=GRID)
    open_public, open_proof = world.prove("open", **open_values)
    refused(world, "withdraw", open_public, open_proof, "takes 5 public inputs")
    # A withdrawal's proof presented as a deposit: the deposit key rejects it.
    public_w, proof_w = world.prove("withdraw", **values)
    refused(world, "deposit", [public_w[2], public_w[4]], proof_w, "does not verify")
    # Twin: the right circuit's proof of the same statement is accepted.
    world.ledger.submit("withdraw", public_w, proof_w)


def test_tampered_and_malformed_proofs_are_rejected(world):
    public, proof = world.prove("deposit", amount=3, cm_out=world.fresh())
    swapped = Proof(a=proof.c, b=proof.b, c=proof.a)
    refused(world, "deposit", public, swapped, "does not verify")
    off_curve = Proof(a=(1, 3), b=proof.b, c=proof.c)
    refused(world, "deposit", public, off_curve, "malformed proof")
    refused(world, "deposit", public, "proof", "not a Groth16 proof")
    changed = [public[0] + 1, public[1]]
    refused(world, "deposit", changed, proof, "does not verify")
    world.ledger.submit("deposit", public, proof)


@pytest.mark.parametrize("position", range(5))
def test_public_input_plus_r_is_rejected(world, position):
    deposit(world)
    public, proof = world.prove("withdraw", **withdraw_values(world))
    # x + r is the same field element, so the pairing equation holds: only the canonical check stops it.
    aliased = list(public)
    aliased[position] += R
    name = public_names("withdraw")[position]
    refused(world, "withdraw", aliased, proof, f"public input {name} is not a canonical")
    tx = Transaction("withdraw", tuple(public), proof).to_json()
    tx["public"][position] = str(public[position] + R)
    assert_rejected(world.ledger, lambda: world.ledger.submit_json(tx), "not a canonical field element")
    negative = [*public[:position], -1, *public[position + 1 :]]
    refused(world, "withdraw", negative, proof, "canonical")
    world.ledger.submit("withdraw", public, proof)


def test_wrong_count_and_unknown_kind_are_rejected(world):
    public, proof = world.prove("deposit", amount=3, cm_out=world.fresh())
    refused(world, "deposit", public[:1], proof, "takes 2 public inputs")
    refused(world, "mint", public, proof, "unknown transaction kind")
    refused(world, "deposit", [True, public[1]], proof, "not an integer")
    world.ledger.submit("deposit", public, proof)


def test_amount_above_64_bits_is_rejected(world):
    public, proof = world.prove("deposit", amount=1 << 64, cm_out=world.fresh())
    refused(world, "deposit", public, proof, "exceeds 64 bits")
    public, proof = world.prove("deposit", amount=(1 << 64) - 1, cm_out=world.fresh())
    world.ledger.submit("deposit", public, proof)
    assert world.ledger.pool_balance == (1 << 64) - 1


# --- roots ------------------------------------------------------------------------------------


def test_stale_and_unknown_roots_are_rejected(ledger_location, tmp_path, rng):
    world = World(ledger_location, rng, history=3)
    deposit(world, 100)
    stale = world.ledger.root  # root position 1 (position 0 is the empty tree)
    for _ in range(3):
        deposit(world, 100)
    oldest = world.ledger.recent_roots()[0]  # positions 2, 3, 4 are the last K = 3
    assert len(world.ledger.recent_roots()) == 3 and stale not in world.ledger.recent_roots()
    public, proof = world.prove("withdraw", **withdraw_values(world, root=stale))
    refused(world, "withdraw", public, proof, "last 3 roots")
    public, proof = world.prove("withdraw", **withdraw_values(world, root=world.fresh()))
    refused(world, "withdraw", public, proof, "stale or unknown")
    # Twin: the oldest root still in the window is accepted.
    world.submit("withdraw", **withdraw_values(world, root=oldest))
    world.ledger.close()


# --- pool -------------------------------------------------------------------------------------


def test_withdrawal_above_the_pool_balance_is_rejected(world):
    deposit(world, 100)
    public, proof = world.prove("withdraw", **withdraw_values(world, amount=101))
    refused(world, "withdraw", public, proof, "exceeds the pool balance 100")
    world.submit("withdraw", **withdraw_values(world, amount=100))
    assert world.ledger.pool_balance == 0
    public, proof = world.prove("withdraw", **withdraw_values(world, amount=1))
    refused(world, "withdraw", public, proof, "exceeds the pool balance 0")


# --- settlement -------------------------------------------------------------------------------


def settle_values(world, expiry, price, asset=ASSET):
    return dict(
        root=world.ledger.root,
        nf_option=world.fresh(),
        asset=asset,
        expiry=expiry,
        price=price,
        cm_holder=world.fresh(),
        cm_writer=world.fresh(),
    )


def test_settle_before_expiry_is_rejected(world):
    expiry = world.clock.t + 100
    public, proof = world.prove("settle", **settle_values(world, expiry, 500))
    refused(world, "settle", public, proof, "has not passed")
    # Even with the clock past the expiry, an observation from before the expiry is refused...
    world.clock.advance(200)
    early = world.attest(ASSET, expiry, [500, 500], observed_at=expiry - 1)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(early), "before the expiry")
    # ...and the settlement still has no price.
    refused(world, "settle", public, proof, "no attested price")
    # Twin: after a valid report the same transaction is accepted.
    world.ledger.post_price(world.attest(ASSET, expiry, [500, 500], observed_at=expiry))
    world.ledger.submit("settle", public, proof)


def test_settle_price_not_attested_or_wrong_is_rejected(world):
    expiry = world.clock.t
    world.clock.advance(10)
    public, proof = world.prove("settle", **settle_values(world, expiry, 700))
    refused(world, "settle", public, proof, "no attested price")
    world.ledger.post_price(world.attest(ASSET, expiry, [700, 700, 700], observed_at=expiry + 5))
    assert world.ledger.final_price(ASSET, expiry).price == 700
    wrong_public, wrong_proof = world.prove("settle", **settle_values(world, expiry, 701))
    refused(world, "settle", wrong_public, wrong_proof, "differs from the attested price 700")
    # Another asset or expiry has no price even though this one has.
    other = settle_values(world, expiry + 1, 700)
    p2, pr2 = world.prove("settle", **other)
    refused(world, "settle", p2, pr2, "no attested price")
    world.ledger.submit("settle", public, proof)


# --- genesis, files, schema -------------------------------------------------------------------------


def test_genesis_validation():
    members = member_keys(3)
    good = make_genesis(members, 2)
    assert good.hash() == make_genesis(members, 2).hash()
    assert good.hash() != make_genesis(members, 3).hash()
    assert Genesis.from_json(json.loads(json.dumps(good.to_json()))).hash() == good.hash()
    with pytest.raises(MalformedInput, match="threshold"):
        make_genesis(members, 4)
    with pytest.raises(MalformedInput, match="threshold"):
        make_genesis(members, 0)
    with pytest.raises(MalformedInput, match="appears twice"):
        make_genesis([members[0], members[0]], 1)
    vk = standin_key("withdraw").vk
    with pytest.raises(MalformedInput, match="no public signal 'nf_in'"):
        renamed = ["root", "nf", "amount", "recipient", "cm_change"]
        Genesis({"withdraw": CircuitEntry.from_vk(vk, renamed)}, good.committee, 1)
    with pytest.raises(MalformedKey, match="4 names"):
        Genesis({"withdraw": CircuitEntry.from_vk(vk, ["root", "nf_in", "amount", "cm_change"])}, good.committee, 1)
    with pytest.raises(MalformedInput, match="unknown transaction kind"):
        Genesis({"mint": CircuitEntry.from_vk(vk, public_names("withdraw"))}, good.committee, 1)
    open_vk = standin_key("open").vk
    short = list(public_names("open"))
    short[-1] = "grid[9]"
    with pytest.raises(MalformedInput, match="without gaps"):
        Genesis({"open": CircuitEntry.from_vk(open_vk, short)}, good.committee, 1)
    with pytest.raises(MalformedInput, match="tree depth"):
        make_genesis(members, 2, depth=0)
    bad_json = json.loads(json.dumps(good.to_json()))
    bad_json["circuits"]["deposit"]["vk_sha256"] = "00" * 32
    with pytest.raises(MalformedInput, match="stated SHA-256"):
        Genesis.from_json(bad_json)


def test_open_grid_needs_at_least_eight_prices():
    from tests.ledger_fixtures import StandIn
    from zkopt import r1cs
    from zkopt.groth16 import setup

    class SmallGrid(StandIn):
        def define(self, cs):
            for n in ("root", "nf_in", "cm_option", "cm_change", "asset", "expiry", *(f"grid[{i}]" for i in range(7))):
                x = cs.public_input(n)
                cs.mul(x, x, f"sq/{n}")

    vk = setup(r1cs.compile(SmallGrid("open")), random.Random(5)).vk
    names = ["root", "nf_in", "cm_option", "cm_change", "asset", "expiry", *(f"grid[{i}]" for i in range(7))]
    with pytest.raises(MalformedInput, match="at least 8"):
        Genesis({"open": CircuitEntry.from_vk(vk, names)}, [oracle.public_key_bytes(member_keys(1)[0])], 1)


def test_create_and_open_refuse_wrong_files(world, tmp_path):
    with pytest.raises(MalformedInput, match="already exists|is not empty"):
        Ledger.create(world.path, world.genesis)
    with pytest.raises(MalformedInput, match="no ledger file"):
        Ledger.open(tmp_path / "missing.db")
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(MalformedInput):
        Ledger.open(tmp_path / "junk.db")
    assert not (tmp_path / "missing.db").exists()


def test_open_refuses_a_changed_genesis(world):
    deposit(world)
    world.ledger.close()
    with raw_store(world.path) as conn:
        conn.execute("UPDATE genesis SET root_history = root_history + 1")
    with pytest.raises(MalformedInput, match="genesis does not match"):
        Ledger.open(world.path)
    with raw_store(world.path) as conn:
        conn.execute("UPDATE genesis SET root_history = root_history - 1, margin_shocks = '[0, 0, 0, 0, 0, 0, 0, 0]'")
    with pytest.raises(MalformedInput, match="genesis does not match"):
        Ledger.open(world.path)
    with raw_store(world.path) as conn:
        conn.execute("UPDATE genesis SET margin_shocks = NULL")  # what migrating a file made before the policy leaves
    with pytest.raises(MalformedInput, match="created before the margin policy"):
        Ledger.open(world.path)
    assert "created before the margin policy" in audit(world.path).to_text()


def test_schema_version_and_migrations(world):
    with raw_store(world.path) as conn:
        assert schema.schema_version(conn) == schema.SCHEMA_VERSION == schema.MIGRATIONS[-1].version
        if not database.is_postgres(conn):
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    world.ledger.close()
    with raw_store(world.path) as conn:
        database.set_schema_version(conn, schema.SCHEMA_VERSION + 1)
    with pytest.raises(MalformedInput, match="newer"):
        Ledger.open(world.path)
    with raw_store(world.path) as conn:
        database.set_schema_version(conn, schema.SCHEMA_VERSION)
    world.ledger = Ledger.open(world.path)
    assert world.ledger.state().entries == 0


def _downgrade(path, version: int) -> None:
    """Rewrite the file's schema objects to exactly those of ``version`` (the rows follow with a VACUUM)."""
    old = sqlite3.connect(":memory:", isolation_level=None)
    schema.migrate(old, version)
    wanted = dict(old.execute("SELECT name, sql FROM sqlite_master").fetchall())
    conn = sqlite3.connect(path)
    present = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall())
    for name in sorted(set(present) - set(wanted)):
        conn.execute(f"DROP TABLE {name}")
    conn.execute("PRAGMA writable_schema = ON")
    for name, sql in wanted.items():
        if present.get(name) not in (None, sql):
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql, name))
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")  # rewrite the rows with the old layout
    conn.close()


@pytest.mark.file_only  # PostgreSQL ledgers begin at schema 5
@pytest.mark.parametrize("version", [3, 4])
def test_an_older_ledger_is_audited_as_it_is_and_migrated_with_the_same_hashes(world, version):
    """Version 4 added circuits.transcript_hash, version 5 encrypted notes and bundles: an older file audits clean
    read-only against its own schema, and Ledger.open migrates it without changing its genesis or head hash."""
    deposit(world)
    genesis_hash = world.ledger.genesis.hash()
    head = world.ledger.state().head_hash
    world.ledger.close()
    _downgrade(world.path, version)
    with sqlite3.connect(world.path) as conn:
        assert schema.schema_version(conn) == version
        assert ("transcript_hash" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'circuits'").fetchone()[0]) == (
            version >= schema.TRANSCRIPTS_VERSION)
    report = audit(world.path)
    assert report.ok, report.to_text()
    assert report.head_hash == head
    world.ledger = Ledger.open(world.path)
    assert world.ledger.genesis.hash() == genesis_hash and world.ledger.state().head_hash == head
    assert all(entry.transcript_hash is None for entry in world.ledger.genesis.circuits.values())
    world.ledger.close()
    with sqlite3.connect(world.path) as conn:
        assert schema.schema_version(conn) == schema.SCHEMA_VERSION == schema.BUNDLES_VERSION
    report = audit(world.path)
    assert report.ok and report.head_hash == head


@pytest.mark.parametrize("version", [1, 2])
def test_a_ledger_made_for_the_circuits_before_note_binding_is_refused_unchanged(world, version):
    world.ledger.close()
    with raw_store(world.path) as conn:
        database.set_schema_version(conn, version)
    before = snapshot(world.path)
    with pytest.raises(MalformedInput, match=f"schema version {version} was made for the circuits before note binding"):
        Ledger.open(world.path)
    assert snapshot(world.path) == before  # refused before any migration wrote to it
    assert "before note binding" in audit(world.path).to_text()


def test_a_busy_ledger_rejects_without_change(ledger_location, tmp_path, rng):
    world = World(ledger_location, rng)
    deposit(world)
    world.ledger.close()
    ledger = Ledger.open(world.path, busy_timeout=0.05)
    blocker = schema.connect(world.path, "rw")
    public, proof = world.prove("deposit", amount=1, cm_out=world.fresh())
    ledger.checkpoint()
    before = snapshot(world.path)
    database.begin_write(blocker, 1000)
    with pytest.raises(LedgerRejected, match="busy"):
        ledger.submit("deposit", public, proof)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert snapshot(world.path) == before
    assert ledger.submit("deposit", public, proof).seq == 2
    ledger.close()


def test_receipt_and_entry_expose_only_public_data(world):
    receipt = deposit(world, 42)
    entry = world.ledger.entry(receipt.seq)
    assert entry["kind"] == "deposit" and entry["public"][0] == "42"
    assert entry["public_names"] == ["amount", "cm_out"]
    assert bytes.fromhex(entry["proof"]) and len(bytes.fromhex(entry["proof"])) == schema.PROOF_BYTES
    assert dataclasses.asdict(receipt)["leaf_indices"] == (0,)
    with pytest.raises(ValueError):
        world.ledger.entry(99)


@pytest.mark.parametrize("bad_time", [-5, 1 << 63])
def test_clock_outside_the_stored_range_is_rejected(ledger_location, tmp_path, rng, bad_time):
    world = World(ledger_location, rng, clock=FakeClock(bad_time))
    public, proof = world.prove("deposit", amount=1, cm_out=world.fresh())
    refused(world, "deposit", public, proof, "clock")
    world.clock.t = 5
    world.ledger.submit("deposit", public, proof)
    world.ledger.close()


def test_a_clock_that_went_backwards_is_rejected(world):
    deposit(world)
    world.clock.t -= 1
    public, proof = world.prove("deposit", amount=1, cm_out=world.fresh())
    refused(world, "deposit", public, proof, "clock went backwards")
    world.clock.t += 1  # the same second as the last entry is fine
    world.ledger.submit("deposit", public, proof)


def test_proof_bytes_round_trip(world):
    _, proof = world.prove("deposit", amount=1, cm_out=world.fresh())
    data = schema.proof_bytes(proof)
    assert len(data) == schema.PROOF_BYTES and schema.proof_from(data) == proof
    bad = bytearray(data)
    bad[5] ^= 1
    with pytest.raises(MalformedProof, match="proof.A"):
        schema.proof_from(bytes(bad))
    with pytest.raises(MalformedProof, match="256"):
        schema.proof_from(data[:-1])
    assert curve.validate_g1(proof.a, "a") == proof.a


def test_a_write_the_store_refuses_rolls_the_whole_entry_back(world):
    """A rule-abiding entry whose rows the store itself refuses (here a log row already taken behind the ledger's
    back) is refused with one line and leaves nothing of it behind: on PostgreSQL, whose writes are pipelined and
    fail only at COMMIT, as on SQLite, where the INSERT fails at once; a batch the same, and the next entry goes on."""
    deposit(world)
    entries, head = world.ledger.state().entries, world.ledger.state().head_hash
    with raw_store(world.path) as conn:
        conn.execute("INSERT INTO log (seq, entry_type, accepted_at, prev_hash, entry_hash) VALUES (?, 'tx', 0, ?, ?)",
                     (entries + 1, head, head))
    public, proof = world.prove("deposit", amount=5, cm_out=world.fresh())
    reason = assert_rejected(world.ledger, lambda: world.ledger.submit("deposit", public, proof), "could not record")
    assert "\n" not in reason
    batch = [Transaction("deposit", *world.prove("deposit", amount=6, cm_out=world.fresh())) for _ in range(3)]
    outcomes = world.ledger.submit_batch(batch)
    assert all(isinstance(o, LedgerRejected) and "could not record" in o.reason for o in outcomes)
    with raw_store(world.path) as conn:
        conn.execute("DELETE FROM log WHERE seq = ?", (entries + 1,))
    assert world.ledger.state().entries == entries
    assert world.ledger.submit("deposit", public, proof).seq == entries + 1
    assert audit(world.ledger, rng=random.Random(9)).ok
