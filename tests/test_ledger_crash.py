"""Crash safety: a submitting process killed with SIGKILL at random moments never loses an acknowledged entry.

After every kill the file audits clean and holds every receipt acknowledged
so far; ``benchmarks/crash_ledger.py`` runs the same loop for many rounds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ledger_fixtures import World, prove_standin
from zkopt.audit import audit
from zkopt.ledger import Ledger

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 6


def acknowledged_receipts(path: Path) -> list[dict]:
    """The receipts the child acknowledged: a line cut by the kill has no newline, it was never acknowledged."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def assert_intact(db_path: Path, receipts: Path, seed: int) -> int:
    """Every acknowledged entry is on the ledger with its hash, and the file audits clean; the count."""
    acknowledged = acknowledged_receipts(receipts)
    with Ledger.open(db_path) as ledger:
        for ack in acknowledged:
            assert ledger.entry(ack["seq"])["entry_hash"] == ack["hash"]
        assert ledger.state().entries >= len(acknowledged)
    report = audit(db_path, rng=random.Random(seed))
    assert report.ok, report.to_text()
    return len(acknowledged)


def kill_rounds(db_path: Path, receipts: Path, rounds: int, rng: random.Random, after_each=None) -> int:
    """Start the submitting child ``rounds`` times, SIGKILL it at a random moment; how many were still running."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    killed_running = 0
    for round_ in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db_path), str(receipts), str(rng.randrange(2**32))],
            cwd=REPO, env=env, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert child.stdout.readline().strip() == "ready"
            # Let the child acknowledge at least one more entry (a loaded machine is slow), then kill it at a
            # random moment of what follows: often in the middle of a submission.
            before = len(acknowledged_receipts(receipts))
            deadline = time.monotonic() + 30
            while len(acknowledged_receipts(receipts)) == before and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.4))
            killed_running += child.poll() is None
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait()
            child.stdout.close()
        if after_each is not None:
            after_each(round_)
    return killed_running


def child_loop(db_path: str, receipts_path: str, seed: int) -> None:
    """Submit deposits and withdrawals forever; after each commit, append its receipt to the receipts file."""
    rng = random.Random(seed)
    with Ledger.open(db_path) as ledger, open(receipts_path, "a", encoding="utf-8") as out:
        print("ready", flush=True)
        i = 0
        while True:
            if i % 3 == 2:
                kind = "withdraw"
                nf, cm = rng.randrange(1, 2**200), rng.randrange(1, 2**200)
                values = dict(root=ledger.root, nf_in=nf, amount=1, recipient=i, cm_change=cm)
            else:
                kind, values = "deposit", dict(amount=10, cm_out=rng.randrange(1, 2**200))
            public, proof = prove_standin(kind, values, rng)
            receipt = ledger.submit(kind, public, proof)
            # The receipt is printed only after submit returned, that is after COMMIT.
            out.write(json.dumps({"seq": receipt.seq, "hash": receipt.entry_hash.hex()}) + "\n")
            out.flush()
            i += 1


CHILD = (
    "import sys; from tests.test_ledger_crash import child_loop; "
    "child_loop(sys.argv[1], sys.argv[2], int(sys.argv[3]))"
)


def test_sigkill_never_loses_an_acknowledged_entry(tmp_path, rng):
    world = World(tmp_path / "ledger.db", rng, depth=10)
    world.ledger.close()
    receipts = tmp_path / "receipts.jsonl"
    receipts.touch()
    counts = []
    killed_running = kill_rounds(
        world.path, receipts, ROUNDS, rng, lambda round_: counts.append(assert_intact(world.path, receipts, round_))
    )
    assert killed_running == ROUNDS, "the child must still be submitting when it is killed"
    assert counts == sorted(counts) and counts[-1] >= ROUNDS, f"too few submissions to exercise anything: {counts}"
