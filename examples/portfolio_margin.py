"""Walkthrough (e): portfolio margin, positions of several legs on one collateral, plotted and proven.

A position note holds up to four legs (call or put, strike, quantity, and
whether the writer is short or long the leg) on one underlying and one
expiry, with one collateral. The `open` circuit proves that the collateral
covers the worst loss of the *whole position* at every price of the ledger's
scenario grid (here spot 3000 x (1 + shock), shocks -50% .. +50%), and the
`settle` circuit pays min(the legs' summed payoff, collateral). Legs that
lose at opposite ends of the grid (a straddle, a strangle) need the larger
of their losses, not the sum; a long leg offsets the short one at the same
price (a call spread needs only the spread).

This script prints, for a straddle, a call spread and a strangle, what each
leg alone would need, what the position needs, and the saving; it plots
each position's payoff (the writer's loss) over the prices with the grid,
the legs one by one and the two requirements (`portfolio_margin.png`,
matplotlib, Agg backend). Then it proves the straddle's opening with the
real `open` circuit with exactly the larger leg's requirement, shows that
one unit of 10^-6 less has no witness, and settles it with real `settle`
proofs on both sides of the strike (the keys of a key directory, made by a
single-party setup the first time: demos only).

    python3 examples/portfolio_margin.py --depth 20 --out examples-out/portfolio [--keys DIR]
"""

from __future__ import annotations

import argparse
import secrets
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from zkopt import circuits, r1cs  # noqa: E402
from zkopt.circuits import open_position, settle  # noqa: E402
from zkopt.field import R  # noqa: E402
from zkopt.groth16 import prove, verify  # noqa: E402
from zkopt.keydir import KeyDir  # noqa: E402
from zkopt.native import payoff  # noqa: E402
from zkopt.native.merkle import MerkleTree  # noqa: E402
from zkopt.native.notes import CashNote, Position, open_notes, public_key  # noqa: E402
from zkopt.units import asset_id, format_amount, format_leg, parse_leg  # noqa: E402

SCALE = payoff.SCALE
SPOT = 3_000 * SCALE
POSITIONS = {
    "straddle": [parse_leg("call:3000:2"), parse_leg("put:3000:2")],
    "call spread": [parse_leg("call:3100:2"), parse_leg("call:3300:-2")],
    "strangle": [parse_leg("call:3300:2"), parse_leg("put:2700:2")],
}


def claims(legs, prices) -> list[float]:
    """The holder's gross claim (the writer's loss) at each price, in whole units."""
    return [payoff.gross_payout(legs, p) / SCALE for p in prices]


def leg_values(leg, prices) -> list[float]:
    """One leg's signed part of the claim at each price (negative for a leg the writer is long), in whole units."""
    return [leg.value(p) / SCALE / SCALE for p in prices]


def plot(path: Path, grid: list[int]) -> None:
    prices = [SPOT * i // 200 for i in range(0, 401)]  # 0 .. 2 x spot
    fig, axes = plt.subplots(1, len(POSITIONS), figsize=(13, 4.8), sharey=True)
    for ax, (name, legs) in zip(axes, POSITIONS.items()):
        each = payoff.leg_requirements(legs, grid)
        whole = payoff.worst_loss(legs, grid)
        ax.axvspan(min(grid) / SCALE, max(grid) / SCALE, color="grey", alpha=0.08)
        ax.axhline(0, color="grey", linewidth=0.6)
        for leg in legs:
            ax.plot([p / SCALE for p in prices], leg_values(leg, prices), linestyle=":", linewidth=1.5,
                    label=f"leg {format_leg(leg)}")
        ax.plot([p / SCALE for p in prices], claims(legs, prices), color="black", linewidth=2,
                label="the position's claim")
        ax.scatter([g / SCALE for g in grid], claims(legs, grid), color="black", zorder=3, label="scenario grid")
        ax.axhline(sum(each) / SCALE, color="orange", linestyle="--",
                   label=f"legs one by one: {format_amount(sum(each))}")
        ax.axhline(whole / SCALE, color="red", label=f"portfolio requirement: {format_amount(whole)}")
        ax.set_title(f"{name}: saves {format_amount(sum(each) - whole)}")
        ax.set_xlabel("settlement price")
        ax.set_ylim(-6_500, 7_000)
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_ylabel("writer's loss (units)")
    fig.suptitle("Portfolio margin of `open`: the collateral covers the whole position at every grid price "
                 "(grey: the grid's range)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/portfolio"), help="output directory")
    parser.add_argument("--keys", type=Path, help="key directory to use or fill (default: OUT/keys)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    grid = payoff.default_grid(SPOT)
    print("scenario grid:", " ".join(format_amount(g) for g in grid), f"(spot {format_amount(SPOT)}, -50% .. +50%)")
    for name, legs in POSITIONS.items():
        each = payoff.leg_requirements(legs, grid)
        whole = payoff.worst_loss(legs, grid)
        saving = sum(each) - whole
        print(f"{name}: {' '.join(format_leg(leg) for leg in legs)}: legs one by one "
              f"{' + '.join(format_amount(x) for x in each)} = {format_amount(sum(each))}, position "
              f"{format_amount(whole)} (at {format_amount(payoff.worst_price(legs, grid))}) -> saving "
              f"{format_amount(saving)} ({100 * saving / sum(each):.0f}%)")
    png = args.out / "portfolio_margin.png"
    plot(png, grid)
    print(f"payoff diagram written to {png}")

    # The straddle, proven: the writer spends a cash note of 10000 into the position and the change.
    legs = POSITIONS["straddle"]
    required = payoff.worst_loss(legs, grid)
    writer_sk, holder_sk = secrets.randbelow(R - 1) + 1, secrets.randbelow(R - 1) + 1
    cash = CashNote(10_000 * SCALE, public_key(writer_sk), secrets.randbelow(R))
    tree = MerkleTree(args.depth)
    cash_index = tree.append(cash.commitment())
    position = Position(asset_id("ETH-USD"), 1_798_761_600, tuple(legs))
    terms = dict(holder_pk=public_key(holder_sk))
    option, _ = open_notes(cash, writer_sk, position, collateral=required, **terms)
    t0 = time.perf_counter()
    keys = KeyDir(args.keys or args.out / "keys")
    infos = keys.ensure(args.depth)
    made = [k for k, i in infos.items() if i.created]
    print(f"\nkeys in {keys.path}: {'set up ' + ', '.join(made) if made else 'loaded'} ({time.perf_counter() - t0:.1f} s; "
          f"open {infos['open'].constraints:,} constraints, settle {infos['settle'].constraints:,})")
    open_pk, settle_pk = keys.proving_key("open"), keys.proving_key("settle")
    open_circuit, settle_circuit = circuits.build("open", open_pk.params), circuits.build("settle", settle_pk.params)
    witness = r1cs.solve(open_circuit, open_position.inputs(cash, writer_sk, tree.membership(cash_index), option, grid))
    t0 = time.perf_counter()
    verify(open_pk.vk, witness.public, prove(open_pk, witness))
    print(f"open proof of the straddle with collateral {format_amount(required)} (the larger leg, not "
          f"{format_amount(sum(payoff.leg_requirements(legs, grid)))}): valid ({time.perf_counter() - t0:.1f} s)")
    short, _ = open_notes(cash, writer_sk, position, collateral=required - 1, **terms)
    failed = r1cs.solve(open_circuit, open_position.inputs(cash, writer_sk, tree.membership(cash_index), short, grid))
    print(f"with collateral {format_amount(required - 1)} there is no witness: the circuit fails at "
          f"{failed.which_unsatisfied()}")

    # One note settles once, at the attested price; here a proof for a price on each side of the strike.
    option_index = tree.append(option.commitment())  # as the ledger appends it
    for price in (3_400 * SCALE, 2_500 * SCALE):
        witness = r1cs.solve(settle_circuit, settle.inputs(option, tree.membership(option_index), price))
        verify(settle_pk.vk, witness.public, prove(settle_pk, witness))
        holder, writer = option.settlement_notes(price)
        side = "the call's side" if price > SPOT else "the put's side"
        print(f"settled at {format_amount(price)} ({side}): holder {format_amount(holder.amount)}, writer "
              f"{format_amount(writer.amount)} (proof valid)")


if __name__ == "__main__":
    main()
