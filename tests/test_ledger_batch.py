"""Ledger.submit_batch with stand-in circuits: one batch verification, each transaction judged on its own.

A batch must log exactly what the same transactions submitted one by one
would log, refuse each bad one with its reason while the rest go on, leave
the file untouched by the refused ones, check each root against the window
as of its own place in the log, and keep the auditor agreeing.
"""

from __future__ import annotations

import pytest

from tests.ledger_fixtures import ASSET, SPOT, World, deposit, snapshot
from zkopt import curve
from zkopt.audit import audit
from zkopt.errors import LedgerRejected
from zkopt.groth16 import Proof
from zkopt.ledger import Ledger, Receipt, Transaction, database, schema
from zkopt.ledger.rules import RuleBroken


def withdrawal(world, amount=1, root=None, nf=None) -> Transaction:
    public, proof = world.prove(
        "withdraw",
        root=world.ledger.root if root is None else root,
        nf_in=world.fresh() if nf is None else nf,
        amount=amount,
        recipient=77,
        cm_change=world.fresh(),
    )
    return Transaction("withdraw", tuple(public), proof)


def a_deposit(world, amount=5) -> Transaction:
    public, proof = world.prove("deposit", amount=amount, cm_out=world.fresh())
    return Transaction("deposit", tuple(public), proof)


def twins(tmp_path, rng) -> tuple[World, World]:
    """Two ledgers with the same genesis, clock and first deposit of 100: the same state."""
    worlds = World(tmp_path / "one.db", rng), World(tmp_path / "two.db", rng)
    first = a_deposit(worlds[0], 100)
    for world in worlds:
        world.ledger.submit(first.kind, list(first.public), first.proof)
    assert worlds[0].ledger.root == worlds[1].ledger.root
    return worlds


def dump(path) -> tuple:
    return snapshot(path)[2]


def count_final_exponentiations(monkeypatch) -> list:
    calls = []
    real = curve.pairing_check

    def counting(*args, **kwargs):
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(curve, "pairing_check", counting)
    return calls


def test_a_batch_logs_the_same_entries_as_submitting_one_by_one(tmp_path, rng, monkeypatch):
    batched, single = twins(tmp_path, rng)
    txs = [withdrawal(batched, 3), a_deposit(batched, 7), withdrawal(batched, 4), a_deposit(batched, 9)]

    calls = count_final_exponentiations(monkeypatch)
    receipts = batched.ledger.submit_batch(txs)
    assert len(calls) == 2  # one pairing check per kind (deposit, withdraw): one final exponentiation each
    assert all(isinstance(r, Receipt) for r in receipts)
    assert [r.seq for r in receipts] == [2, 3, 4, 5]
    assert [r.kind for r in receipts] == ["withdraw", "deposit", "withdraw", "deposit"]

    for tx in txs:
        single.ledger.submit(tx.kind, list(tx.public), tx.proof)
    assert dump(batched.path) == dump(single.path)
    assert batched.ledger.pool_balance == 100 - 3 + 7 - 4 + 9
    report = audit(batched.path)
    assert report.ok, report.to_text()
    assert report.transactions == 5


def test_each_bad_transaction_is_refused_with_its_reason_and_the_rest_go_on(tmp_path, rng, monkeypatch, g2_outside_subgroup):
    world, twin = twins(tmp_path, rng)
    good = [withdrawal(world, 1), withdrawal(world, 2)]
    spent_nf = good[0].public[1]
    other = withdrawal(world, 5)
    swapped = Transaction("withdraw", other.public, Proof(a=other.proof.c, b=other.proof.b, c=other.proof.a))
    changed = Transaction("withdraw", (*other.public[:2], other.public[2] + 1, *other.public[3:]), other.proof)
    off_curve = Transaction("withdraw", other.public, Proof(a=(1, 3), b=other.proof.b, c=other.proof.c))
    # The batch check trusts the ledger's own point checks: a B outside G2's subgroup is refused before it.
    outside = Transaction("withdraw", other.public, Proof(a=other.proof.a, b=g2_outside_subgroup, c=other.proof.c))
    short = Transaction("withdraw", other.public[:4], other.proof)
    unknown = Transaction("transfer", other.public, other.proof)
    too_much = withdrawal(world, 1_000)
    double_spend = withdrawal(world, 1, nf=spent_nf)
    batch = [good[0], swapped, changed, off_curve, short, unknown, too_much, double_spend, good[1], "not a tx", outside]

    calls = count_final_exponentiations(monkeypatch)
    results = world.ledger.submit_batch(batch)
    # One batch check of the six well-formed withdrawals fails, then each of them alone names the bad ones.
    assert len(calls) == 1 + 6 and calls[0] == 6 + 3
    reasons = [r.reason if isinstance(r, LedgerRejected) else r.seq for r in results]
    assert reasons[0] == 2 and reasons[8] == 3
    assert reasons[1] == reasons[2] == "the proof does not verify under the withdraw verification key"
    assert reasons[3].startswith("malformed proof:")
    assert reasons[4] == "withdraw takes 5 public inputs, got 4"
    assert reasons[5].startswith("unknown transaction kind 'transfer'")
    assert reasons[6] == "withdrawal of 1000 exceeds the pool balance 99"
    assert reasons[7] == "nullifier nf_in was already spent (entry 2)"
    assert reasons[9] == "a batch holds Transaction objects"
    assert reasons[10].startswith("malformed proof:") and "subgroup" in reasons[10]
    assert all("\n" not in r for r in reasons if isinstance(r, str))
    assert isinstance(results[7], RuleBroken) and results[7].check == "nullifier"

    # The refused ones changed nothing: the file is the one that got only the two good ones.
    assert [r.seq for r in twin.ledger.submit_batch(good)] == [2, 3]
    assert dump(world.path) == dump(twin.path)
    assert audit(world.path).ok


def test_each_root_must_be_recent_at_its_own_place_in_the_log(ledger_location, tmp_path, rng):
    world = World(ledger_location, rng, history=3)
    deposit(world, 100)
    root = world.ledger.root
    txs = [withdrawal(world, 1, root=root) for _ in range(5)]
    results = world.ledger.submit_batch(txs)
    # Entries 2, 3, 4 each add a root; the window of 3 then no longer holds `root`.
    assert [r.seq for r in results[:3]] == [2, 3, 4]
    for stale in results[3:]:
        assert isinstance(stale, RuleBroken) and stale.check == "root"
        assert stale.reason == "root is not one of the last 3 roots (stale or unknown)"
    report = audit(world.path)
    assert report.ok, report.to_text()
    # Twin: the same withdrawals proved again against the current root are accepted.
    again = [withdrawal(world, 1, nf=tx.public[1]) for tx in txs[3:]]
    assert [r.seq for r in world.ledger.submit_batch(again)] == [5, 6]
    assert audit(world.path).ok


def test_a_batch_where_nothing_passes_leaves_the_file_byte_for_byte(ledger_location, tmp_path, rng):
    world = World(ledger_location, rng)
    deposit(world, 100)
    spent = withdrawal(world, 1)
    world.ledger.submit(spent.kind, list(spent.public), spent.proof)
    again = withdrawal(world, 1, nf=spent.public[1])  # verifies, then refused under the write lock
    bad = Transaction("deposit", a_deposit(world).public, spent.proof)
    world.ledger.checkpoint()
    before = snapshot(world.path)
    results = world.ledger.submit_batch([again, bad])
    assert [r.reason for r in results] == [
        "nullifier nf_in was already spent (entry 2)",
        "the proof does not verify under the deposit verification key",
    ]
    assert snapshot(world.path) == before
    assert world.ledger.submit_batch([]) == []


def test_a_busy_ledger_refuses_the_whole_batch_unchanged(ledger_location, tmp_path, rng):
    world = World(ledger_location, rng)
    deposit(world, 100)
    txs = [withdrawal(world, 1), a_deposit(world)]
    world.ledger.close()
    ledger = Ledger.open(world.path, busy_timeout=0.05)
    ledger.checkpoint()
    before = snapshot(world.path)
    blocker = schema.connect(world.path, "rw")
    database.begin_write(blocker, 1000)
    results = ledger.submit_batch(txs)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert all(isinstance(r, LedgerRejected) and "busy" in r.reason for r in results)
    assert snapshot(world.path) == before
    assert [r.seq for r in ledger.submit_batch(txs)] == [2, 3]
    ledger.close()


@pytest.mark.parametrize("batch", ["deposit", b"x", {"kind": "deposit"}, 7])
def test_a_batch_must_be_a_list(ledger_location, tmp_path, rng, batch):
    world = World(ledger_location, rng)
    with pytest.raises(LedgerRejected, match="a batch is a list of Transaction objects"):
        world.ledger.submit_batch(batch)


def test_an_open_whose_expiry_is_not_after_the_clock_is_refused_in_a_batch_too(ledger_location, tmp_path, rng):
    world = World(ledger_location, rng)
    world.post_spot(ASSET, SPOT)
    grid = world.ledger.margin_grid(ASSET)
    values = dict(root=world.ledger.root, nf_in=world.fresh(), cm_option=world.fresh(), cm_change=world.fresh(),
                  asset=ASSET, expiry=world.clock.t, **{f"grid[{i}]": g for i, g in enumerate(grid)})
    public, proof = world.prove("open", **values)
    results = world.ledger.submit_batch([Transaction("open", tuple(public), proof), a_deposit(world)])
    assert isinstance(results[0], RuleBroken) and results[0].check == "expiry"
    assert results[0].reason == f"the position's expiry {world.clock.t} is not after the ledger's time {world.clock.t}"
    assert isinstance(results[1], Receipt) and world.ledger.state().entries == 2


def test_uniqueness_in_a_batch_holds_against_the_ledger_and_among_the_batch(ledger_location, rng):
    """The batch asks its nullifiers and commitments ahead at once (``lookahead``); the answers must stay exact."""
    world = World(ledger_location, rng)
    deposit(world, 100)
    spent = withdrawal(world, 1)
    world.ledger.submit(spent.kind, list(spent.public), spent.proof)
    on_ledger_cm = spent.public[4]
    fresh_nf, fresh_cm = world.fresh(), world.fresh()

    def deposit_of(cm, amount=5):
        public, proof = world.prove("deposit", amount=amount, cm_out=cm)
        return Transaction("deposit", tuple(public), proof)

    def spend(nf, cm, amount=1):
        public, proof = world.prove(
            "withdraw", root=world.ledger.root, nf_in=nf, amount=amount, recipient=77, cm_change=cm
        )
        return Transaction("withdraw", tuple(public), proof)

    refused_cm = world.fresh()
    batch = [
        deposit_of(on_ledger_cm),  # 0: a leaf before the batch
        spend(spent.public[1], world.fresh()),  # 1: spent before the batch
        spend(world.fresh(), refused_cm, amount=10_000),  # 2: refused (pool), so its commitment stays free
        deposit_of(fresh_cm),  # 3: new
        deposit_of(fresh_cm),  # 4: new a moment ago, in this batch
        spend(fresh_nf, refused_cm),  # 5: takes the commitment the refused one did not
        spend(fresh_nf, world.fresh()),  # 6: spent a moment ago, in this batch
    ]
    results = world.ledger.submit_batch(batch)
    checks = [r.check if isinstance(r, RuleBroken) else r.seq for r in results]
    assert checks == ["commitment", "nullifier", "pool", 3, "commitment", 4, "nullifier"]
    assert results[6].reason == "nullifier nf_in was already spent (entry 4)"
    assert world.ledger.find_commitment(refused_cm) == (results[5].leaf_indices[0], 4)
    assert world.ledger.find_commitment(fresh_cm)[1] == 3
    # A later write (no batch) sees the same: the batch's answers did not outlive it.
    assert world.ledger.nullifier_seq(fresh_nf) == 4
    with pytest.raises(RuleBroken, match="already spent"):
        again = spend(fresh_nf, world.fresh())
        world.ledger.submit(again.kind, list(again.public), again.proof)
    assert world.ledger._lookahead is None
    report = audit(world.ledger.location)
    assert report.ok, report.to_text()


def test_a_batch_is_judged_without_the_database_and_applied_only_by_its_ledger(tmp_path, rng):
    """``judge_batch`` may run in another thread than the ledger's (a server judges the next batch while the
    writer writes the last): it reads no database, and a judged batch is applied only by the ledger that judged it."""
    import threading

    one, two = twins(tmp_path, rng)
    txs = [a_deposit(one, 3), withdrawal(one, amount=1, root=0)]  # the withdrawal's root was never the ledger's
    txs.append(Transaction("deposit", txs[0].public, txs[1].proof))  # a proof of another statement
    judged = []
    thread = threading.Thread(target=lambda: judged.append(one.ledger.judge_batch(txs)))
    thread.start()
    thread.join()
    (judged,) = judged  # a SQLite connection used from this thread would have raised ProgrammingError
    assert judged.results[0] is None and judged.results[1] is None
    assert "does not verify" in judged.results[2].reason
    with pytest.raises(LedgerRejected, match="applied by the ledger that judged it"):
        two.ledger.apply_judged(judged)
    assert two.ledger.state().entries == 1
    outcomes = one.ledger.apply_judged(judged)
    assert isinstance(outcomes[0], Receipt) and "root" in outcomes[1].reason and outcomes[2] is judged.results[2]
    assert one.ledger.state().entries == 2
