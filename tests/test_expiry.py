"""Settling a whole expiry (zkopt.expiry.settle_all) with real proofs at depth 4: pool, Dask, reruns, failures.

The book (tests/expiry_fixtures.py): four options a market maker wrote, three
due at E1 (two ETH-USD, one BTC-USD), one waiting for its E2 price; the
ledger's root window is K = 2, so the three go in two waves (2 + 1). Every test
works on its own copy and ends with the auditor replaying the ledger.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time

import pytest

from tests.cli_fixtures import fails, ok, shared_keys
from tests.expiry_fixtures import E1, PRICES, ROOT_HISTORY, LocalDask, build_book
from zkopt.audit import audit
from zkopt.cli import common as cli_common
from zkopt.errors import MalformedInput
from zkopt.expiry import settle_all
from zkopt.keydir import KeyDir
from zkopt.ledger import Ledger
from zkopt.proving_jobs import DaskCluster, LocalPool, ProofResult, Provers
from zkopt.wallet import Wallet

DUE = 3  # the first three positions expire at E1, which has prices


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return build_book(tmp_path_factory.mktemp("expiry-book"))


@pytest.fixture
def mine(book, tmp_path):
    return book.copy(tmp_path / "book")


@pytest.fixture(scope="module")
def pool():
    """One local pool of two processes for the module: spawned once, the key parsed once per process."""
    with LocalPool(2) as shared:
        yield shared


def settled_entries(ledger: Ledger) -> list[int]:
    return [e["seq"] for e in ledger.entries() if e.get("kind") == "settle"]


def proved_against(ledger: Ledger) -> list[str]:
    """The root each settle entry's proof was made against, in log order."""
    return [e["public"][e["public_names"].index("root")] for e in ledger.entries() if e.get("kind") == "settle"]


def expected_amounts(wallet: Wallet, option) -> tuple[int, ...]:
    price = PRICES[option.position.asset]
    return tuple(n.amount for n in option.settlement_notes(price) if n.owner_pk == wallet.pk)


def check_every_due_note_settled_once(book, report, maker: Wallet) -> None:
    """Each due note settled exactly once (one settle entry each, its nullifier spent), the E2 one untouched."""
    assert report.ok, report.to_json()
    assert [o.status for o in report.outcomes] == ["settled"] * DUE + ["waiting"]
    assert [o.id for o in report.outcomes] == book.ids
    with book.ledger() as ledger:
        seqs = settled_entries(ledger)
        assert sorted(o.seq for o in report.outcomes[:DUE]) == seqs and len(seqs) == DUE
        for option_id in book.ids[:DUE]:
            entry = maker.find(option_id)
            assert entry.status == "spent" and ledger.nullifier_seq(entry.note.nullifier()) == entry.spent_in
        assert maker.find(book.ids[DUE]).status == "unspent"
    reloaded = Wallet.load(book.maker)  # what the file says, not just the object
    for outcome in report.outcomes[:DUE]:
        option = reloaded.find(outcome.id).note
        assert outcome.amounts == expected_amounts(reloaded, option)
        shares = [n for n in reloaded.notes if n.origin == f"settlement of {outcome.id}"]
        assert [n.note.amount for n in shares] == list(outcome.amounts)
        assert all(n.status == "unspent" for n in shares)
    result = audit(book.db)
    assert result.ok, result.to_text()


def test_the_local_pool_settles_every_due_note_in_waves_of_the_root_window(mine, pool):
    maker = Wallet.load(mine.maker)
    seen = []
    restarts = pool.restarts
    with mine.ledger() as ledger:
        before = ledger.state().entries
        report = settle_all(maker, ledger, KeyDir(shared_keys()), pool, progress=lambda d, t: seen.append((d, t)))
        assert ledger.state().entries == before + DUE
        roots = proved_against(ledger)
    assert seen == [(i, DUE) for i in range(1, DUE + 1)] and report.proofs == DUE
    assert report.provers == "a local pool of 2 processes" and pool.restarts == restarts
    check_every_due_note_settled_once(mine, report, maker)
    # Submitted in the wallet's order, in two waves of at most K = 2 proofs per root: 2 against one root, then 1.
    assert [o.seq for o in report.outcomes[:DUE]] == sorted(o.seq for o in report.outcomes[:DUE])
    assert len(set(roots[:ROOT_HISTORY])) == 1 and roots[ROOT_HISTORY] != roots[0]
    # The holder finds its payouts: 300 + 0 + 400.
    holder = Wallet.load(mine.holder)
    with mine.ledger() as ledger:
        holder.sync(ledger)
    assert holder.balance() == 700 * 10**6


def test_proofs_gone_stale_are_proved_again(mine, pool):
    # Three proofs against one root, but the window keeps 2: the third is refused as stale and proved again.
    maker = Wallet.load(mine.maker)
    seen = []
    with mine.ledger() as ledger:
        report = settle_all(maker, ledger, KeyDir(shared_keys()), pool, per_root=3,
                            progress=lambda d, t: seen.append((d, t)))
    assert report.proofs == DUE + 1 and seen[-1] == (DUE + 1, DUE + 1)
    check_every_due_note_settled_once(mine, report, maker)


def test_a_killed_pool_process_breaks_the_pool_which_is_rebuilt(mine, pool):
    maker = Wallet.load(mine.maker)
    killed = []
    restarts = pool.restarts

    def kill_a_worker(done, total):
        if not killed:
            child = multiprocessing.active_children()[0]
            os.kill(child.pid, signal.SIGKILL)
            killed.append((child.pid, done, total))

    with mine.ledger() as ledger:
        report = settle_all(maker, ledger, KeyDir(shared_keys()), pool, progress=kill_a_worker)
    assert killed and killed[0][1] < killed[0][2]  # mid-batch
    assert pool.restarts == restarts + 1
    check_every_due_note_settled_once(mine, report, maker)


@pytest.mark.dask
def test_a_dask_worker_killed_mid_batch_and_every_note_still_settled_once(mine, tmp_path, dask_tools):
    cluster = LocalDask(tmp_path / "dask")
    try:
        provers = DaskCluster(cluster.address, timeout=60)
        provers.client.wait_for_workers(2, timeout=60)
        names = {addr: info["name"] for addr, info in provers.client.scheduler_info()["workers"].items()}
        finished, killed = [], []

        def kill_the_first_busy_worker():
            # As soon as a worker holds a proving job, and a moment into it, that worker's machine is lost.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = [names[addr] for addr, keys in provers.client.processing().items() if keys]
                if busy:
                    time.sleep(0.2)
                    cluster.kill(busy[0])
                    killed.append((busy[0], len(finished)))
                time.sleep(0.02)

        killer = threading.Thread(target=kill_the_first_busy_worker, daemon=True)
        maker = Wallet.load(mine.maker)
        with mine.ledger() as ledger, provers:
            assert provers.describe() == f"the Dask cluster at {cluster.address} (2 workers)"
            killer.start()
            report = settle_all(maker, ledger, KeyDir(shared_keys()), provers,
                                progress=lambda done, total: finished.append(done))
        killer.join()
        name, done_then = killed[0]
        assert done_then < DUE and cluster.workers[name].returncode == -signal.SIGKILL
        assert report.proofs == DUE  # the lost job was rerun by Dask; each note was proved and submitted once
        check_every_due_note_settled_once(mine, report, maker)
    finally:
        cluster.close()


def test_a_rerun_after_an_interruption_settles_exactly_what_is_left(mine, pool, monkeypatch):
    keys = KeyDir(shared_keys())
    # 1. A crash right after the ledger committed the first wave, before the wallet marked it.
    real = Ledger.submit_batch

    def commit_then_crash(self, transactions):
        real(self, transactions)
        raise KeyboardInterrupt

    monkeypatch.setattr(Ledger, "submit_batch", commit_then_crash)
    with mine.ledger() as ledger, pytest.raises(KeyboardInterrupt):
        settle_all(Wallet.load(mine.maker), ledger, keys, pool)
    monkeypatch.undo()
    on_file = Wallet.load(mine.maker)
    assert [on_file.find(i).status for i in mine.ids[:2]] == ["unspent"] * 2  # not marked...
    assert sum(n.status == "pending" for n in on_file.notes) == 2  # ...but the maker's notes are saved, pending

    # 2. Interrupted again while proving what is left: nothing is submitted.
    seen = []

    def interrupt(done, total):
        seen.append(total)
        raise KeyboardInterrupt

    with mine.ledger() as ledger, pytest.raises(KeyboardInterrupt):
        settle_all(Wallet.load(mine.maker), ledger, keys, pool, progress=interrupt)
    assert seen == [1]  # the sync found the first wave on the ledger: one note left

    # 3. The rerun proves exactly that note.
    maker = Wallet.load(mine.maker)
    with mine.ledger() as ledger:
        report = settle_all(maker, ledger, keys, pool)
        assert len(settled_entries(ledger)) == DUE
    assert report.proofs == 1
    assert [o.status for o in report.outcomes] == ["settled", "waiting"]
    assert audit(mine.db).ok
    assert all(maker.find(i).status == "spent" for i in mine.ids[:DUE])
    assert not any(n.status == "pending" for n in maker.notes)


def test_a_note_that_fails_is_reported_and_the_rest_go_on(mine, pool):
    keys = KeyDir(shared_keys())
    maker = Wallet.load(mine.maker)
    # A damaged wallet entry: the first option's leaf index points at the second option's leaf.
    maker.find(mine.ids[0]).leaf_index = maker.find(mine.ids[1]).leaf_index
    holder = Wallet.load(mine.holder)
    elsewhere = []

    def counterparty_settles_first(done, total):
        # Mid-batch, the holder settles the second option itself: the maker's proof of it is then refused.
        if not elsewhere:
            with mine.ledger() as other:
                elsewhere.append(holder.settle(other, keys, mine.ids[1]).receipt.seq)

    with mine.ledger() as ledger:
        report = settle_all(maker, ledger, keys, pool, progress=counterparty_settles_first)
    statuses = {o.id: (o.status, o.seq) for o in report.outcomes}
    assert statuses[mine.ids[0]][0] == "failed"
    assert "no settlement can be proved for it" in report.outcomes[0].reason
    assert statuses[mine.ids[1]] == ("elsewhere", elsewhere[0])
    assert statuses[mine.ids[2]][0] == "settled"
    assert not report.ok
    # The failed note is left as it was, with no pending note of it; the one settled elsewhere is marked spent.
    on_file = Wallet.load(mine.maker)
    assert on_file.find(mine.ids[0]).status == "unspent"
    assert not any(n.origin == f"settlement of {mine.ids[0]}" for n in on_file.notes)
    assert on_file.find(mine.ids[1]).spent_in == elsewhere[0]
    assert [n.status for n in on_file.notes if n.origin == f"settlement of {mine.ids[1]}"] == ["unspent"]
    assert audit(mine.db).ok


class LyingProvers(Provers):
    """A worker that answers every job with a proof of other public inputs."""

    def describe(self) -> str:
        return "a lying worker"

    def prove(self, pk, jobs):
        for job in jobs:
            yield ProofResult(job.tag, public=[1] * len(pk.vk.ic[1:]), proof=None)


def test_a_worker_answering_for_another_statement_is_caught_before_the_ledger(mine):
    maker = Wallet.load(mine.maker)
    before = mine.maker.read_bytes()
    with mine.ledger() as ledger:
        entries = ledger.state().entries
        report = settle_all(maker, ledger, KeyDir(shared_keys()), LyingProvers())
        assert ledger.state().entries == entries
    assert [o.status for o in report.outcomes] == ["failed"] * DUE + ["waiting"]
    assert {o.reason for o in report.outcomes[:DUE]} == {"the worker answered with a proof of other public inputs"}
    assert mine.maker.read_bytes() == before


def test_settle_all_from_the_command_line(mine, monkeypatch):
    args = ("wallet", "settle", "--wallet", mine.maker, "--db", mine.db, "--keys", shared_keys())
    one = ("--note", mine.ids[0])
    fails(2, "give either --note ID or --all", *args)
    fails(2, "give either --note ID or --all", *args, "--all", *one)
    fails(2, "--expiry, --asset, --scheduler and --workers go with --all", *args, *one, "--workers", "2")
    fails(2, "--all submits its settlements", *args, "--all", "--out", mine.dir / "tx.json")
    fails(2, "--workers sizes the local pool", *args, "--all", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2")
    fails(2, "Invalid value for '--workers'", *args, "--all", "--workers", "0")

    # A damaged entry fails (exit 1, one line on stderr); the other ETH-USD note of E1 is settled, E2's waits.
    damaged = Wallet.load(mine.maker)
    damaged.find(mine.ids[0]).leaf_index = damaged.find(mine.ids[1]).leaf_index
    damaged.save()
    failed = fails(1, "1 of 2 due settlements failed; run again to retry them",
                   *args, "--all", "--asset", "ETH-USD", "--workers", "2")
    lines = failed.stdout.splitlines()
    assert lines[0].startswith(f"failed    {mine.ids[0]}  ETH-USD call:3100:1") and "(writer)" in lines[0]
    assert "no settlement can be proved for it" in lines[0]
    assert lines[1].startswith(f"settled   {mine.ids[1]}  ETH-USD put:2900:1") and "to this wallet 1500" in lines[1]
    assert lines[2].startswith(f"waiting   {mine.ids[3]}")
    assert lines[3].startswith("1 settled, 0 settled elsewhere, 1 failed, 1 waiting; 1 proof in ")
    assert lines[3].endswith("on a local pool of 2 processes")

    # On a terminal a progress bar is drawn on stderr; piped, stderr stays empty on success.
    monkeypatch.setattr(cli_common, "_stderr_is_tty", lambda: True)
    done = ok(*args, "--all", "--asset", "BTC-USD", "--workers", "1")
    assert f"zkopt settle [{'#' * 30}] 1/1" in done.stderr
    assert done.stdout.splitlines()[0].startswith(f"settled   {mine.ids[2]}  BTC-USD call:61000:")
    monkeypatch.undo()
    waiting = ok(*args, "--all", "--expiry", E1 + 3600, "--json")
    out = json.loads(waiting.stdout)
    assert (out["ok"], out["proofs"], out["wallet"]) == (True, 0, str(mine.maker))
    assert out["notes"] == [{"id": mine.ids[3], "status": "waiting", "seq": None, "reason": "no attested price yet",
                             "amounts": []}]
    assert waiting.stderr == ""
    assert audit(mine.db).ok


@pytest.mark.dask
def test_an_unreachable_scheduler_is_one_clear_error(dask_tools):
    with pytest.raises(MalformedInput, match=r"no Dask scheduler answers at 'tcp://127.0.0.1:1': Timed out"):
        DaskCluster("tcp://127.0.0.1:1", timeout=0.5)
