"""Kill a submitting process with SIGKILL at random moments, many times, and audit after each kill.

The long run of tests/test_ledger_crash.py: after every kill, every receipt
the child acknowledged is on the ledger with its hash and the file audits
clean. Prints one JSON line (rounds, kills while running, acknowledged
entries); the figures go to docs/ledger.md.

    python3 benchmarks/crash_ledger.py [--rounds 50] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ledger_fixtures import World  # noqa: E402
from tests.test_ledger_crash import assert_intact, kill_rounds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        path, receipts = Path(scratch) / "ledger.db", Path(scratch) / "receipts.jsonl"
        World(path, rng, depth=10).ledger.close()
        receipts.touch()
        counts: list[int] = []
        started = time.perf_counter()
        running = kill_rounds(path, receipts, args.rounds, rng, lambda r: counts.append(assert_intact(path, receipts, r)))
        print(json.dumps({
            "rounds": args.rounds, "killed_while_running": running, "acknowledged": counts[-1],
            "audits_ok": len(counts), "lost": 0, "seconds": round(time.perf_counter() - started, 1),
        }))


if __name__ == "__main__":
    main()
