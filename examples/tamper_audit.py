"""Walkthrough (d): the auditor catches a tampered ledger.

A ledger is one SQLite file: anyone with write access to it could edit a row.
The auditor (`zkopt audit`, `zkopt.audit.audit`) trusts nothing it did not
recompute: it replays the log from the genesis, re-verifies every proof and
oracle signature, rebuilds the Merkle tree, the nullifier set and the pool
balance, re-hashes the entry chain, and compares all of it with what the
file stores. Each finding names the log entry it concerns.

This script builds a small ledger (a deposit, a spot report signed by two
oracle members, and an open margin-checked on the ledger's grid: two real
proofs), audits it (OK), then makes two copies and damages each with
sqlite3, one byte at a time:

- copy 1: one byte of the open transaction's stored proof;
- copy 2: one byte of a note commitment in the `leaves` table.

and prints the auditor's findings for each. Try the same from the shell:
`zkopt audit --db OUT/tampered-proof.db` exits 1 and lists the findings.

    python3 examples/tamper_audit.py --depth 20 --out examples-out/tamper [--keys DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time
from pathlib import Path

from zkopt.audit import audit
from zkopt.ledger import Genesis, Ledger, Observation, oracle
from zkopt.native.notes import CALL, Leg, Position
from zkopt.keydir import TX_KINDS, KeyDir
from zkopt.units import asset_id, parse_amount
from zkopt.wallet import Wallet


def flip(db: Path, sql_select: str, sql_update: str, position: int) -> None:
    """Flip the lowest bit of one byte of one BLOB, as an attacker with file access could."""
    conn = sqlite3.connect(db)
    try:
        blob = bytearray(conn.execute(sql_select).fetchone()[0])
        blob[position] ^= 0x01
        conn.execute(sql_update, (bytes(blob),))
        conn.commit()
    finally:
        conn.close()


def show(title: str, db: Path) -> None:
    report = audit(db)
    verdict = "OK: every check holds" if report.ok else f"FAILED with {len(report.findings)} findings"
    print(f"\n{title}: {verdict}")
    for finding in report.findings:
        print(f"  {finding}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/tamper"), help="output directory")
    parser.add_argument("--keys", type=Path, help="key directory to use or fill (default: OUT/keys)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / "ledger.db"
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "tampered-proof.db", "tampered-commitment.db"):
        (args.out / name).unlink(missing_ok=True)

    t0 = time.perf_counter()
    keys = KeyDir(args.keys or args.out / "keys")
    infos = keys.ensure(args.depth)
    members = [oracle.keygen() for _ in range(3)]
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=[oracle.public_key_bytes(m) for m in members],
        threshold=2,
        tree_depth=args.depth,
    )
    writer, holder = Wallet.create(), Wallet.create()
    with Ledger.create(db, genesis) as ledger:
        writer.deposit(ledger, keys, parse_amount("1000"))
        now = int(time.time())
        spot = Observation(asset_id("ETH-USD"), now, parse_amount("3000"), now)  # the spot, attested now
        ledger.post_price([oracle.sign(spot, key) for key in members[:2]])
        call = Leg(CALL, parse_amount("3100"), parse_amount("0.2"))
        writer.open_position(  # margin-checked on the ledger's grid: that spot x the genesis shocks
            ledger, keys, holder_pk=holder.pk, position=Position(asset_id("ETH-USD"), now + 86_400, (call,)),
            collateral=parse_amount("300"),
        )
        ledger.checkpoint()  # fold the WAL into the main file, so a file copy holds everything
    print(f"built {db}: entry 1 deposit, entry 2 spot report, entry 3 open ({time.perf_counter() - t0:.1f} s)")
    show("audit of the original", db)

    proof_copy = args.out / "tampered-proof.db"
    shutil.copy(db, proof_copy)
    flip(proof_copy, "SELECT proof FROM transactions WHERE seq = 3",
         "UPDATE transactions SET proof = ? WHERE seq = 3", 100)
    show("copy 1, one byte of entry 3's proof flipped", proof_copy)

    leaf_copy = args.out / "tampered-commitment.db"
    shutil.copy(db, leaf_copy)
    flip(leaf_copy, "SELECT cm FROM leaves WHERE leaf_index = 1",
         "UPDATE leaves SET cm = ? WHERE leaf_index = 1", 31)
    show("copy 2, one byte of the commitment at leaf 1 flipped", leaf_copy)
    print(f"\nshell: zkopt audit --db {proof_copy}   (exit 1 with the findings above)")


if __name__ == "__main__":
    main()
