"""Flip bytes of a small ledger file, one per copy, and count what the auditor and `zkopt ledger check` make of each.

The long run of tests/test_ledger_tamper.py: every byte (the default) or a
seeded sample (--sample N). For each copy it records whether the audit
failed (caught), held with the original head hash and a clean integrity
check (harmless: the byte was free space), or held on a damaged file (the
one outcome that must never occur), and whether anything raised. Prints one
JSON line of totals; the figures go to docs/ledger.md.

    python3 benchmarks/tamper_ledger.py [--sample N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ledger_fixtures import World, run_scenario  # noqa: E402
from zkopt.audit import audit  # noqa: E402
from zkopt.errors import MalformedInput  # noqa: E402
from zkopt.ledger import schema  # noqa: E402
from zkopt.ledger.integrity import check_file, sqlite_problems  # noqa: E402


def pristine(directory: Path) -> tuple[bytes, bytes]:
    path = directory / "ledger.db"
    world = World(path, random.Random(31))
    run_scenario(world)
    head = world.ledger.state().head_hash
    world.ledger.checkpoint()
    world.ledger.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path.read_bytes(), head


def integrity_fails(path: Path) -> bool:
    conn = schema.connect(path, "ro")
    try:
        return bool(sqlite_problems(conn))
    except schema.DAMAGE:
        return True
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="flip this many seeded byte positions instead of every byte")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        data, head = pristine(directory)
        positions = range(len(data))
        if args.sample is not None and args.sample < len(data):
            positions = sorted(random.Random(args.seed).sample(positions, args.sample))
        totals = {"file_bytes": len(data), "flips": 0, "caught": 0, "harmless": 0, "ok_on_damaged": 0, "raised": 0}
        started = time.perf_counter()
        for position in positions:
            path = directory / "flip.db"
            damaged = bytearray(data)
            damaged[position] ^= 1 << (position % 8)
            path.write_bytes(bytes(damaged))
            totals["flips"] += 1
            try:
                report = audit(path, rng=random.Random(position))
                if not report.ok:
                    totals["caught"] += 1
                elif integrity_fails(path) or report.head_hash != head or check_file(path):
                    totals["ok_on_damaged"] += 1
                    print(f"byte {position}: audit OK on a damaged file", file=sys.stderr)
                else:
                    totals["harmless"] += 1
            except MalformedInput:
                totals["caught"] += 1
            except Exception:  # noqa: BLE001 - counting them is the point
                totals["raised"] += 1
                print(f"byte {position}:\n{traceback.format_exc()}", file=sys.stderr)
        totals["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
