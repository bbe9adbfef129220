"""Walkthrough (c): a full private settlement on a ledger, with the Python API.

The same story as `zkopt demo`, written out as library calls:

1. `KeyDir(path).ensure(depth)`: the Groth16 keys of the four transaction
   circuits (single-party setup the first time; demos only);
2. `Genesis(...)` + `Ledger.create(...)`: a SQLite ledger that accepts those
   circuits and an oracle committee of three members, two of whom must sign;
3. `Wallet.create()`: a writer and a holder, each with a spending key;
4. `writer.deposit(...)`; two members attest the BTC-USD spot
   (`ledger.post_price(...)`), which fixes the ledger's margin grid
   (`ledger.margin_grid(asset)`: the spot x the genesis shocks);
   `writer.open_position(...)`: a put written to the holder, margin-checked
   on that grid; the holder imports the option's opening;
5. after expiry, `oracle.sign(...)` by two members and `ledger.post_price(...)`;
6. `holder.settle(...)`, `holder.withdraw(...)`; `writer.sync(ledger)` finds
   the writer's share of the collateral;
7. `audit(path)`: replay and re-verify everything without any secret.

The ledger's clock is injectable (`Ledger.create(..., clock=...)`): here a
small scripted clock lets the expiry pass without waiting. Output: the
ledger file and both wallets in the output directory.

    python3 examples/private_settlement.py --depth 20 --out examples-out/settlement [--keys DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from zkopt.audit import audit, export_opening
from zkopt.ledger import Genesis, Ledger, Observation, oracle
from zkopt.native.notes import PUT, Leg, Position
from zkopt.keydir import TX_KINDS, KeyDir
from zkopt.units import asset_id, format_amount, parse_amount
from zkopt.wallet import Wallet


class Clock:
    """The ledger's clock: Unix seconds that move when the script says so."""

    def __init__(self, t: int):
        self.t = t

    def __call__(self) -> int:
        return self.t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/settlement"), help="output directory")
    parser.add_argument("--keys", type=Path, help="key directory to use or fill (default: OUT/keys)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "writer.json", "holder.json"):
        (args.out / name).unlink(missing_ok=True)  # this script's own files from an earlier run

    # 1. Keys: loaded when the directory has them, else a single-party setup.
    t0 = time.perf_counter()
    keys = KeyDir(args.keys or args.out / "keys")
    infos = keys.ensure(args.depth)
    made = [k for k, i in infos.items() if i.created]
    print(f"keys in {keys.path}: {'set up ' + ', '.join(made) if made else 'loaded'} ({time.perf_counter() - t0:.1f} s)")

    # 2. The ledger and its committee (2 of 3).
    members = [oracle.keygen() for _ in range(3)]
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=[oracle.public_key_bytes(m) for m in members],
        threshold=2,
        tree_depth=args.depth,
    )
    clock = Clock(int(time.time()) - 7 * 86_400)  # the story starts a week ago and ends before now
    ledger = Ledger.create(args.out / "ledger.db", genesis, clock=clock)
    print(f"ledger {ledger.path}, genesis hash {genesis.hash().hex()[:16]}...")

    # 3. Two traders.
    writer = Wallet.create(args.out / "writer.json")
    holder = Wallet.create(args.out / "holder.json")

    # 4. The writer deposits; two members attest the BTC-USD spot (for the attestation time now), which fixes
    #    the ledger's margin grid; the writer writes the holder a put on BTC-USD, margin-checked on that grid.
    deposit = writer.deposit(ledger, keys, parse_amount("50000"))
    print(f"deposit accepted as entry {deposit.receipt.seq} (proof {deposit.tx.prove_seconds:.1f} s)")
    clock.t += 60
    spot = [Observation(asset_id("BTC-USD"), clock.t, parse_amount("62000"), clock.t) for _ in range(2)]
    spot_receipt = ledger.post_price([oracle.sign(obs, key) for obs, key in zip(spot, members[:2])])
    grid = ledger.margin_grid(asset_id("BTC-USD"))
    print(f"spot report accepted as entry {spot_receipt.seq}: spot {format_amount(spot_receipt.price)}, margin grid "
          f"{' '.join(format_amount(g) for g in grid)} (the spot x the genesis shocks)")
    clock.t += 60
    expiry = clock.t + 3 * 86_400
    put = Leg(PUT, strike=parse_amount("60000"), quantity=parse_amount("0.5"))
    opened = writer.open_position(
        ledger, keys, holder_pk=holder.pk, position=Position(asset_id("BTC-USD"), expiry, (put,)),
        collateral=parse_amount("15000"), ticker="BTC-USD",
    )
    print(f"open accepted as entry {opened.receipt.seq}: public {', '.join(opened.tx.names[:5])}, grid[0..7] "
          f"(proof {opened.tx.prove_seconds:.1f} s)")
    holder.import_opening(export_opening(opened.tx.share), "BTC-USD")
    holder.sync(ledger)
    holder.save()

    # 5. Expiry passes; two of the three members sign the price they agreed on (a report needs k signers of one price).
    clock.t = expiry + 600
    observations = [Observation(asset_id("BTC-USD"), expiry, parse_amount("57250"), expiry + 60 + i) for i in range(2)]
    report = ledger.post_price([oracle.sign(obs, key) for obs, key in zip(observations, members[::2])])
    print(f"price report accepted as entry {report.seq}: settlement price {format_amount(report.price)}")

    # 6. The holder settles (the payout is 0.5 x (60000 - 57250) = 1375) and withdraws it.
    clock.t += 60
    option_id = holder.notes[0].id
    settled = holder.settle(ledger, keys, option_id)
    payout = holder.balance()
    print(f"settle accepted as entry {settled.receipt.seq}: the holder's wallet now holds {format_amount(payout)}")
    clock.t += 60
    paid = holder.withdraw(ledger, keys, payout, int.from_bytes(b"holder bank account", "big"))
    print(f"withdraw accepted as entry {paid.receipt.seq}: {format_amount(payout)} leaves the pool")
    writer.sync(ledger)
    writer.save()
    print(f"the writer's wallet: {format_amount(writer.balance())} "
          f"(change 35000 + the collateral not paid out, {format_amount(15_000 * 10**6 - payout)})")
    state = ledger.state()
    ledger.close()

    # 7. Anyone can audit the file: no secret needed.
    report = audit(args.out / "ledger.db")
    print(f"audit: {'OK' if report.ok else 'FAILED'}; {report.entries} entries, {report.proofs_checked} proofs, "
          f"pool {format_amount(state.pool_balance)}")
    if not report.ok:
        raise SystemExit(report.to_text())


if __name__ == "__main__":
    main()
