"""Four processes submit 50 transactions each to one ledger, racing on the same nullifiers: one winner per nullifier.

On both backends: a SQLite file's write lock, and PostgreSQL's serializable writes behind the ledger_state lock.
"""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter

from tests.ledger_fixtures import World, prove_standin, standin_key
from zkopt.audit import audit
from zkopt.errors import LedgerRejected
from zkopt.ledger import Ledger

PROCESSES = 4
PER_PROCESS = 50
SHARED_NULLIFIERS = PER_PROCESS // 2
DEPOSIT = 100


def nullifier(j: int) -> int:
    return 10**30 + j


def commitment(process: int, i: int) -> int:
    return 10**40 + process * 1000 + i


def worker(args):
    """Alternate deposits and withdrawals; withdrawal j spends the shared nullifier j that every process also spends."""
    path, process = args
    rng = random.Random(1000 + process)
    results = []
    with Ledger.open(path, busy_timeout=120) as ledger:
        for i in range(PER_PROCESS):
            if i % 2 == 0:
                kind, values = "deposit", dict(amount=DEPOSIT, cm_out=commitment(process, i))
            else:
                kind = "withdraw"
                values = dict(root=ledger.root, nf_in=nullifier(i // 2), amount=1, recipient=process)
                values["cm_change"] = commitment(process, i)
            public, proof = prove_standin(kind, values, rng)
            try:
                receipt = ledger.submit(kind, public, proof)
                results.append((kind, i // 2, receipt.seq, None))
            except LedgerRejected as exc:
                results.append((kind, i // 2, None, exc.reason))
    return results


def test_concurrent_submissions_race_on_nullifiers(ledger_location, rng):
    world = World(ledger_location, rng, depth=8)
    world.ledger.close()
    for kind in ("deposit", "withdraw"):
        standin_key(kind)  # computed once here, inherited by the forked workers
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        outcomes = pool.map(worker, [(str(world.path), p) for p in range(PROCESSES)])
    everything = [r for per_process in outcomes for r in per_process]
    assert len(everything) == PROCESSES * PER_PROCESS

    deposits = [r for r in everything if r[0] == "deposit"]
    assert all(seq is not None for _, _, seq, _ in deposits), "a deposit was refused"
    withdrawals = [r for r in everything if r[0] == "withdraw"]
    winners = Counter(j for _, j, seq, _ in withdrawals if seq is not None)
    assert winners == Counter(range(SHARED_NULLIFIERS)), "each shared nullifier must be accepted exactly once"
    losers = [reason for _, _, seq, reason in withdrawals if seq is None]
    assert len(losers) == (PROCESSES - 1) * SHARED_NULLIFIERS
    assert all("already spent" in reason for reason in losers), set(losers)

    seqs = sorted(seq for _, _, seq, _ in everything if seq is not None)
    assert seqs == list(range(1, len(seqs) + 1)), "accepted entries must be numbered without gaps"
    with Ledger.open(world.path) as ledger:
        assert ledger.pool_balance == PROCESSES * (PER_PROCESS // 2) * DEPOSIT - SHARED_NULLIFIERS
        assert all(ledger.is_spent(nullifier(j)) for j in range(SHARED_NULLIFIERS))
    report = audit(world.path, rng=random.Random(6))
    assert report.ok, report.to_text()
    assert report.transactions == len(seqs) == PROCESSES * PER_PROCESS // 2 + SHARED_NULLIFIERS
