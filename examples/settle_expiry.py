"""Walkthrough (e): a market maker settles a whole expiry at once, its proofs made in parallel.

At an expiry a market maker holds many positions, and each settlement is a
Groth16 proof (one to two seconds at depth 20). `zkopt wallet settle --all`
proves all of them in parallel and submits them in batches, each checked by
the ledger with one batch verification:

1. keys, a ledger whose committee is three oracle members (two must sign),
   a market maker and two traders (`Wallet.create`);
2. the maker deposits; two members attest the ETH-USD spot, which fixes the
   margin grid; the maker writes `--positions` calls and puts on ETH-USD, all
   expiring at one time, alternately to the two traders, each with just the
   collateral the margin check asks for;
3. after the expiry two members attest the settlement price;
4. `zkopt wallet settle --all --expiry T` (in Python:
   `zkopt.expiry.settle_all(maker, ledger, keys, provers)`): every position,
   proved on a local pool of one process per core
   (`zkopt.proving_jobs.LocalPool`), or with `--scheduler tcp://HOST:PORT` on
   an existing Dask cluster (`DaskCluster`; `pip install 'zkopt[dask]'`), and
   submitted in batches. Each worker gets only the settle circuit's inputs and
   the proving key, never a wallet or a spending key; it does see the option's
   terms, so workers belong on machines the trader controls;
5. the traders' wallets find their payouts (`sync`); the auditor replays all.

The ledger's clock is scripted (the story takes the last two days), so the
expiry passes without waiting and the command line, which reads the real
clock, finds it passed. Output: the ledger file and the three wallets in the
output directory.

    python3 examples/settle_expiry.py --depth 20 --out examples-out/expiry [--positions 6] [--keys DIR]
        [--workers N | --scheduler tcp://HOST:PORT]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from zkopt.audit import audit, export_opening
from zkopt.keydir import TX_KINDS, KeyDir
from zkopt.ledger import Genesis, Ledger, Observation, oracle
from zkopt.native import payoff
from zkopt.native.notes import CALL, PUT, Leg, Position
from zkopt.units import asset_id, format_amount, format_time, parse_amount
from zkopt.wallet import Wallet

TICKER = "ETH-USD"
SPOT = parse_amount("3000")
PRICE = parse_amount("3250")
STEP = parse_amount("100")


class Clock:
    """The ledger's clock: Unix seconds that move when the script says so."""

    def __init__(self, t: int):
        self.t = t

    def __call__(self) -> int:
        return self.t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/expiry"), help="output directory")
    parser.add_argument("--keys", type=Path, help="key directory to use or fill (default: OUT/keys)")
    parser.add_argument("--positions", type=int, default=6, help="options written for the one expiry")
    parser.add_argument("--workers", type=int, help="processes of the local pool (default: one per core)")
    parser.add_argument("--scheduler", help="prove on the Dask cluster at this address instead")
    args = parser.parse_args()
    if 1 + 4 * args.positions > 1 << args.depth:  # a deposit, then two leaves per open and per settlement
        parser.error(f"a tree of depth {args.depth} holds {1 << args.depth} notes: too few for {args.positions} positions")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "maker.json", "bob.json", "carol.json"):
        (args.out / name).unlink(missing_ok=True)  # this script's own files from an earlier run

    # 1. Keys, ledger, wallets.
    t0 = time.perf_counter()
    keys = KeyDir(args.keys or args.out / "keys")
    infos = keys.ensure(args.depth)
    made = [k for k, i in infos.items() if i.created]
    print(f"keys in {keys.path}: {'set up ' + ', '.join(made) if made else 'loaded'} ({time.perf_counter() - t0:.1f} s)")
    members = [oracle.keygen() for _ in range(3)]
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=[oracle.public_key_bytes(m) for m in members],
        threshold=2,
        tree_depth=args.depth,
    )
    clock = Clock(int(time.time()) - 2 * 86_400)
    ledger = Ledger.create(args.out / "ledger.db", genesis, clock=clock)
    maker = Wallet.create(args.out / "maker.json")
    traders = {"bob": Wallet.create(args.out / "bob.json"), "carol": Wallet.create(args.out / "carol.json")}

    def attest(expiry: int, price: int, observed_at: int):
        observation = Observation(asset_id(TICKER), expiry, price, observed_at)
        return ledger.post_price([oracle.sign(observation, key) for key in members[:2]])

    # 2. The maker's book: calls above the spot and puts below it, each with the collateral the margin asks for.
    maker.deposit(ledger, keys, parse_amount("1000000"))
    attest(clock.t, SPOT, clock.t)
    grid = ledger.margin_grid(asset_id(TICKER))
    clock.t += 60
    expiry = clock.t + 86_400
    print(f"the maker writes {args.positions} options on {TICKER} expiring {format_time(expiry)} "
          f"(spot {format_amount(SPOT)}, margin grid {format_amount(grid[0])} .. {format_amount(grid[-1])}):")
    for i in range(args.positions):
        kind = CALL if i % 2 == 0 else PUT
        strike = SPOT + (i // 2 + 1) * STEP if kind == CALL else SPOT - (i // 2 + 1) * STEP
        quantity = parse_amount("1")
        position = Position(asset_id(TICKER), expiry, (Leg(kind, strike, quantity),))
        collateral = payoff.worst_loss(position.legs, grid)
        name = "bob" if i % 2 == 0 else "carol"
        opened = maker.open_position(
            ledger, keys, holder_pk=traders[name].pk, position=position, collateral=collateral, ticker=TICKER
        )
        traders[name].import_opening(export_opening(opened.tx.share), TICKER)
        print(f"  {maker.describe(opened.tx.creates[0])} to {name}")

    # 3. The expiry passes; two members attest the settlement price.
    clock.t = expiry + 600
    report = attest(expiry, PRICE, expiry + 60)
    print(f"price report accepted as entry {report.seq}: {TICKER} settles at {format_amount(report.price)}")

    # 4. One command settles the whole expiry (the ledger's scripted clock ended before now, so the real clock
    #    the command line uses is past the expiry too).
    maker.save()
    ledger.close()
    command = [sys.executable, "-m", "zkopt.cli", "wallet", "settle", "--wallet", str(args.out / "maker.json"),
               "--db", str(args.out / "ledger.db"), "--keys", str(keys.path), "--all", "--expiry", str(expiry)]
    if args.scheduler or args.workers:
        command += ["--scheduler", args.scheduler] if args.scheduler else ["--workers", str(args.workers)]
    print("$ zkopt " + " ".join(command[3:]))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    print(done.stdout.rstrip())
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip())

    # 5. The traders find their payouts; anyone can audit.
    with Ledger.open(args.out / "ledger.db") as ledger:
        for name, trader in traders.items():
            trader.sync(ledger)
            trader.save()
            print(f"{name}'s wallet finds its payouts: {format_amount(trader.balance())}")
    audited = audit(args.out / "ledger.db")
    print(f"audit: {'OK' if audited.ok else 'FAILED'}; {audited.entries} entries, {audited.proofs_checked} proofs")
    if not audited.ok:
        raise SystemExit(audited.to_text())


if __name__ == "__main__":
    main()
