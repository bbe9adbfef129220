"""What only a PostgreSQL ledger has: `ledger migrate` to and from it, damage a tamperer with SQL access leaves,
an unreachable server, and two servers of one database racing on one nullifier.

The rest of the ledger suite runs on both backends (the ``ledger_location`` fixture).
"""

from __future__ import annotations

import json
import random
import threading
import time

import pytest

from tests.cli_fixtures import DEPTH, fails, ok, shared_keys
from tests.ledger_fixtures import (
    World,
    deposit,
    pg_dump,
    raw_store,
    run_scenario,
    snapshot,
)
from tests.pg_cluster import fresh_database
from tests.serve_fixtures import served
from zkopt.audit import audit
from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.ledger import Ledger, Observation, Transaction, copy, oracle

pytestmark = pytest.mark.postgres


@pytest.fixture
def file_world(tmp_path, rng):
    world = World(tmp_path / "ledger.db", rng)
    run_scenario(world)
    world.ledger.close()
    return world


def _audited(*where) -> dict:
    report = json.loads(ok("audit", *where, "--json").stdout)
    assert report["ok"], report
    return report


def test_migrate_copies_a_file_into_postgresql_and_back_with_the_same_head(file_world, pg_url, tmp_path):
    source = file_world.path
    before = snapshot(source)
    out = ok("ledger", "migrate", "--db", source, "--to", pg_url).stdout
    assert out.startswith("copied 6 entries to postgresql://") and "head hash" in out
    after = snapshot(source)
    assert (after[0], after[2]) == (before[0], before[2]), "the source changed"  # (a reader may leave an empty WAL)
    from_file, from_pg = _audited("--db", source), _audited("--db", pg_url)
    assert from_pg["head_hash"] == from_file["head_hash"] and from_pg["genesis_hash"] == from_file["genesis_hash"]
    assert from_pg["transactions"] == from_file["transactions"] == 4
    assert "OK" in ok("ledger", "check", "--db", pg_url).stdout
    # And back into a new file: the same rows, so the same dump and the same audit.
    back = tmp_path / "back.db"
    ok("ledger", "migrate", "--db", pg_url, "--to", back, "--json")
    assert snapshot(back)[2] == before[2]
    assert _audited("--db", back)["head_hash"] == from_file["head_hash"]
    # The PostgreSQL ledger goes on taking entries where the file left off.
    with Ledger.open(pg_url, clock=file_world.clock) as ledger:
        assert ledger.state().entries == 6
        file_world.ledger = ledger
        assert deposit(file_world, 7).seq == 7


def test_migrate_refuses_a_used_target_and_changes_nothing(file_world, pg_url, tmp_path):
    ok("ledger", "migrate", "--db", file_world.path, "--to", pg_url)
    rows = pg_dump(pg_url)
    other = tmp_path / "other.db"
    World(other, random.Random(5)).ledger.close()
    fails(2, "is not empty", "ledger", "migrate", "--db", other, "--to", pg_url)
    assert pg_dump(pg_url) == rows
    fails(2, "already exists", "ledger", "migrate", "--db", pg_url, "--to", other)
    fails(2, "no ledger file", "ledger", "migrate", "--db", tmp_path / "missing.db", "--to", tmp_path / "x.db")
    ok("oracle", "keygen", "--out", tmp_path / "m.key", "--committee", tmp_path / "committee.json")
    fails(2, "is not empty", "ledger", "init", "--db", pg_url, "--keys", shared_keys(),
          "--committee", tmp_path / "committee.json", "--depth", DEPTH)
    assert pg_dump(pg_url) == rows
    assert not (tmp_path / "x.db").exists()


def test_a_copy_that_fails_half_way_leaves_no_ledger_behind(file_world, pg_url, tmp_path, monkeypatch):
    real = copy._copy_table

    def broken(src, dst, table):
        if table == "roots":
            raise MalformedInput("the disk is full")
        real(src, dst, table)

    monkeypatch.setattr(copy, "_copy_table", broken)
    with pytest.raises(MalformedInput, match="disk is full"):
        copy.copy_ledger(file_world.path, pg_url)
    assert pg_dump(pg_url) == (), "a half copy was left in PostgreSQL"
    with pytest.raises(MalformedInput, match="disk is full"):
        copy.copy_ledger(file_world.path, tmp_path / "half.db")
    assert not list(tmp_path.glob("half.db*")), "a half copy was left on disk"


def test_what_a_tamperer_with_sql_access_changes_is_found(pg_url, rng):
    world = World(pg_url, rng)
    run_scenario(world)
    world.ledger.close()
    assert audit(pg_url).ok
    with raw_store(pg_url) as conn:
        # Drop the rule that enforces unique nullifiers, then spend one twice: the recount and the catalog see it.
        conn.execute("ALTER TABLE nullifiers DROP CONSTRAINT nullifiers_pkey")
        (nf, seq), = conn.execute("SELECT nf, seq FROM nullifiers ORDER BY seq LIMIT 1").fetchall()
        conn.execute("INSERT INTO nullifiers (nf, seq) VALUES (?, ?)", (nf, seq))
        conn.execute("CREATE FUNCTION hide() RETURNS trigger AS 'BEGIN RETURN NULL; END' LANGUAGE plpgsql")
        conn.execute("CREATE TRIGGER hide_leaves BEFORE INSERT ON leaves FOR EACH ROW EXECUTE FUNCTION hide()")
    found = [f.message for f in audit(pg_url).findings]
    assert "a nullifier appears twice" in found
    assert any("nullifiers.nullifiers_pkey is missing" in m for m in found), found
    assert any("trigger leaves.hide_leaves is not zkopt's" in m for m in found), found
    fails(1, "check failed", "ledger", "check", "--db", pg_url)
    fails(2, "run `zkopt ledger check`", "ledger", "show", "--db", pg_url)


def test_an_unreachable_or_empty_database_is_one_line(pg_url):
    fails(2, "cannot reach the PostgreSQL ledger at postgresql://zkopt:***@127.0.0.1:1/nowhere",
          "ledger", "show", "--db", "postgresql://zkopt:secret@127.0.0.1:1/nowhere")
    fails(2, "holds no zkopt ledger", "ledger", "show", "--db", pg_url)
    fails(2, "cannot reach the PostgreSQL ledger", "audit", "--db", "postgresql://zkopt@127.0.0.1:1/nowhere")
    fails(2, "cannot reach the PostgreSQL ledger", "ledger", "check", "--db", "postgresql://zkopt@127.0.0.1:1/nowhere")


def test_two_servers_of_one_database_race_on_one_nullifier(real_keys, pg_server_url, tmp_path):
    """8 clients, 4 on each of two `ledger serve` processes of one PostgreSQL ledger, spend one note: one wins."""
    from tests.ledger_fixtures import ASSET, SPOT
    from tests.market_fixtures import Market
    from zkopt.circuits import deposit as deposit_circuit
    from zkopt.circuits import withdraw
    from zkopt.ledger.remote import RemoteLedger
    from zkopt.native import payoff
    from zkopt.native.notes import deposit_note, public_key

    with fresh_database(pg_server_url) as url:
        rng = random.Random(16_2027)
        market = Market(url, real_keys, rng)
        sk = rng.randrange(1, 2**250)
        note = deposit_note(80 * payoff.SCALE, public_key(sk), 51)
        market.submit("deposit", deposit_circuit.inputs(note, 51))
        t = market.clock.t
        market.ledger.post_price([oracle.sign(Observation(ASSET, t, SPOT, t), market.members[i]) for i in (0, 1)])
        path = market.ledger.membership(0)
        market.ledger.close()
        txs = []
        for i in range(8):
            public, proof = market.prove("withdraw", withdraw.inputs(note, sk, path, payoff.SCALE, 2000 + i))
            txs.append(Transaction("withdraw", tuple(public), proof))
        with served(url, tmp_path / "a.log") as first, served(url, tmp_path / "b.log") as second:
            outcomes: list = [None] * 8
            barrier = threading.Barrier(8)

            def client(i: int) -> None:
                with RemoteLedger(first if i % 2 else second) as remote:
                    barrier.wait()
                    try:
                        outcomes[i] = remote.submit(txs[i].kind, list(txs[i].public), txs[i].proof)
                    except LedgerRejected as exc:
                        outcomes[i] = exc

            threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            accepted = [o for o in outcomes if o is not None and not isinstance(o, Exception)]
            refused = [o for o in outcomes if isinstance(o, LedgerRejected)]
            assert len(accepted) == 1 and len(refused) == 7, outcomes
            assert all("already spent" in r.reason for r in refused), [r.reason for r in refused]
            # The auditor's copy through either server, and the database itself, agree.
            heads = {_audited("--ledger", first)["head_hash"], _audited("--ledger", second)["head_hash"]}
            assert heads == {_audited("--db", url)["head_hash"]}


def test_a_server_that_drops_the_connection_refuses_in_one_line(pg_url, rng):
    import psycopg

    from zkopt.ledger.database import StoreError

    world = World(pg_url, rng)
    deposit(world)
    before = pg_dump(pg_url)
    public, proof = world.prove("deposit", amount=3, cm_out=world.fresh())
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"SELECT pg_terminate_backend(pid) {others}")
        deadline = time.monotonic() + 30
        while admin.execute(f"SELECT COUNT(*) {others}").fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.05)  # termination is a signal: wait until the ledger's backend is gone
    with pytest.raises(LedgerRejected) as refused:
        world.ledger.submit("deposit", public, proof)
    assert "\n" not in refused.value.reason
    with pytest.raises(StoreError) as failed:
        world.ledger.state()
    assert "\n" not in str(failed.value)
    world.ledger.close()
    assert pg_dump(pg_url) == before
    with Ledger.open(pg_url) as reopened:
        assert reopened.submit("deposit", public, proof).seq == 2
