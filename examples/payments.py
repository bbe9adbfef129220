"""Walkthrough (g): paying privately, receiving without a file, and merging notes, with the Python API.

1. Alice deposits 60 twice: two cash notes, neither of which holds 100;
2. `payments.pay(alice, ..., bob.address, 100)`: one `transfer` spends both
   notes into 100 for Bob and 20 of change for Alice; no amount is public,
   and each new note travels sealed to its owner's X25519 key
   (`zkopt.note_encryption`) in the transaction itself;
3. `bob.sync(ledger)`: Bob's wallet opens what is sealed to it and finds the
   100 on the ledger, with no file passed between them;
4. Alice deposits 30 and withdraws 45: no note holds 45, so the wallet first
   merges her 20 and 30 into one note (a transfer to herself, reported in
   `alice.notices`), then withdraws; the change of 5 stays private;
5. what the ledger shows of the payment: its six public inputs, none of them
   an amount; and the audit.

    python3 examples/payments.py --depth 20 --out examples-out/payments [--keys DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from zkopt.audit import audit
from zkopt.keydir import TX_KINDS, KeyDir
from zkopt.ledger import Genesis, Ledger, oracle
from zkopt.units import format_amount, parse_amount
from zkopt.wallet import Wallet
from zkopt.wallet.payments import pay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/payments"), help="output directory")
    parser.add_argument("--keys", type=Path, help="key directory to use or fill (default: OUT/keys)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "alice.json", "bob.json"):
        (args.out / name).unlink(missing_ok=True)  # this script's own files from an earlier run

    t0 = time.perf_counter()
    keys = KeyDir(args.keys or args.out / "keys")
    infos = keys.ensure(args.depth)
    made = [k for k, i in infos.items() if i.created]
    print(f"keys in {keys.path}: {'set up ' + ', '.join(made) if made else 'loaded'} ({time.perf_counter() - t0:.1f} s)")
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=[oracle.public_key_bytes(oracle.keygen()) for _ in range(3)],
        threshold=2,
        tree_depth=args.depth,
    )
    ledger = Ledger.create(args.out / "ledger.db", genesis)
    alice, bob = Wallet.create(args.out / "alice.json"), Wallet.create(args.out / "bob.json")
    print(f"bob's address: {str(bob.address)[:24]}... ({len(str(bob.address))} characters)")

    # 1. Two notes of 60.
    for _ in range(2):
        alice.deposit(ledger, keys, parse_amount("60"))
    print(f"alice holds {len(alice.notes)} notes, balance {format_amount(alice.balance())}")

    # 2. One transfer pays 100 from both.
    paid = pay(alice, ledger, keys, bob.address, parse_amount("100"))
    named = paid.tx.named()
    print(f"pay accepted as entry {paid.receipt.seq}: spends {' and '.join(paid.tx.spends)}; "
          f"alice's balance {format_amount(alice.balance())} (proof {paid.tx.prove_seconds:.1f} s)")
    print(f"  public: {', '.join(named)} (no amount); {len(paid.tx.sealed)} sealed notes of "
          f"{len(paid.tx.sealed[0])} bytes each")

    # 3. Bob finds it with no file passed.
    for line in bob.sync(ledger):
        print(f"bob's sync: {line}")
    bob.save()
    print(f"bob's balance: {format_amount(bob.balance())}")

    # 4. A withdrawal no single note covers: the wallet merges first, and says so.
    alice.deposit(ledger, keys, parse_amount("30"))
    out = alice.withdraw(ledger, keys, parse_amount("45"), int.from_bytes(b"alice bank account", "big"))
    for notice in alice.notices:
        print(f"alice's wallet: {notice}")
    print(f"withdraw accepted as entry {out.receipt.seq}: 45 leaves the pool; alice keeps "
          f"{format_amount(alice.balance())} in {sum(1 for n in alice.notes if n.status == 'unspent')} note")
    ledger.close()

    # 5. The audit needs no secret.
    report = audit(args.out / "ledger.db")
    print(f"audit: {'OK' if report.ok else 'FAILED'}; {report.entries} entries, {report.proofs_checked} proofs, "
          f"{report.encrypted_notes} sealed notes carried")
    if not report.ok:
        raise SystemExit(report.to_text())


if __name__ == "__main__":
    main()
