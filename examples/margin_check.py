"""Walkthrough (b): the margin check of `open`, with the payoff diagram and the scenario grid plotted to a PNG.

When a writer opens an option, the `open` circuit proves that the locked
collateral covers the writer's loss at every price of a public scenario
grid (here spot x (1 + shock) for shocks -50% .. +50%, the default grid),
without revealing the strike, the quantity or the collateral. On a ledger
the grid is not the writer's choice: it must be the ledger's margin grid,
the asset's last attested spot x the genesis margin shocks
(`Ledger.margin_grid(asset)`), and the asset is a public input of `open`. For a single
call or put the loss is monotonic in the price, so the grid's extreme in the
losing direction decides: the highest price for a call, the lowest for a put.

This script draws the writer's loss of a call and of a put against the
settlement price, marks the eight grid prices and the collateral, and saves
the figure as `margin.png` (matplotlib, Agg backend: no display needed).
Then it proves the call's opening with the real `open` circuit (single-party
setup, demos only) and shows that the same option with too little
collateral has no proof: the circuit names the grid point where it fails.

    python3 examples/margin_check.py --depth 20 --out examples-out/margin
"""

from __future__ import annotations

import argparse
import secrets
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from zkopt import r1cs  # noqa: E402
from zkopt.circuits import open_position  # noqa: E402
from zkopt.circuits.open_position import OpenPosition  # noqa: E402
from zkopt.field import R  # noqa: E402
from zkopt.groth16 import prove, setup, verify  # noqa: E402
from zkopt.native import payoff  # noqa: E402
from zkopt.native.merkle import MerkleTree  # noqa: E402
from zkopt.native.notes import CALL, PUT, CashNote, Leg, Position, open_notes, public_key  # noqa: E402
from zkopt.units import asset_id, format_amount  # noqa: E402

SCALE = payoff.SCALE


def loss_curve(kind: int, strike: int, quantity: int, prices: list[int]) -> list[float]:
    """The writer's loss (the holder's gross payout) at each price, in whole units."""
    return [payoff.gross_payout([Leg(kind, strike, quantity)], p) / SCALE for p in prices]


def plot(path: Path, spot: int, grid: list[int], options: dict[str, tuple[int, int, int, int]]) -> None:
    prices = [spot * i // 200 for i in range(0, 401)]  # 0 .. 2 x spot
    fig, axes = plt.subplots(1, len(options), figsize=(11, 4.2), sharey=True)
    for ax, (title, (kind, strike, quantity, collateral)) in zip(axes, options.items()):
        worst = payoff.worst_loss([Leg(kind, strike, quantity)], grid)
        ax.plot([p / SCALE for p in prices], loss_curve(kind, strike, quantity, prices), label="writer's loss")
        ax.scatter([g / SCALE for g in grid], loss_curve(kind, strike, quantity, grid), color="black", zorder=3,
                   label="scenario grid")
        ax.axhline(collateral / SCALE, color="green", linestyle="--", label=f"collateral {format_amount(collateral)}")
        ax.axhline(worst / SCALE, color="red", linestyle=":", label=f"worst loss on the grid {format_amount(worst)}")
        ax.axvspan(min(grid) / SCALE, max(grid) / SCALE, color="grey", alpha=0.1, label="covered price range")
        ax.axvline(spot / SCALE, color="grey", linewidth=0.8)
        ax.set_title(title)
        ax.set_xlabel("settlement price")
        ax.legend(fontsize=8, loc="upper center")
    axes[0].set_ylabel("loss (units)")
    fig.suptitle("Margin check of `open`: collateral >= the writer's loss at every grid price")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/margin"), help="output directory")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    spot = 3_000 * SCALE
    grid = payoff.default_grid(spot)
    call = (CALL, 3_100 * SCALE, 2 * SCALE, 3_200 * SCALE)
    put = (PUT, 2_900 * SCALE, 2 * SCALE, 3_000 * SCALE)
    print("scenario grid:", " ".join(format_amount(g) for g in grid), f"(spot {format_amount(spot)}, -50% .. +50%)")
    for name, (kind, strike, quantity, collateral) in (("call", call), ("put", put)):
        worst = payoff.worst_loss([Leg(kind, strike, quantity)], grid)
        at = payoff.worst_price([Leg(kind, strike, quantity)], grid)
        verdict = "covered" if worst <= collateral else "NOT covered"
        print(f"{name}: strike {format_amount(strike)}, quantity {format_amount(quantity)}: worst loss "
              f"{format_amount(worst)} at {format_amount(at)}; collateral {format_amount(collateral)} -> {verdict}")
    png = args.out / "margin.png"
    plot(png, spot, grid, {"call, strike 3100, quantity 2": call, "put, strike 2900, quantity 2": put})
    print(f"payoff diagram written to {png}")

    # Prove the call's opening: the writer spends a cash note of 10000 into the option and the change.
    writer_sk, holder_sk = secrets.randbelow(R - 1) + 1, secrets.randbelow(R - 1) + 1
    cash = CashNote(10_000 * SCALE, public_key(writer_sk), secrets.randbelow(R))
    tree = MerkleTree(args.depth)
    index = tree.append(cash.commitment())
    kind, strike, quantity, collateral = call
    position = Position(asset_id("ETH-USD"), 1_798_761_600, (Leg(kind, strike, quantity),))
    option, _ = open_notes(cash, writer_sk, position, collateral=collateral, holder_pk=public_key(holder_sk))
    circuit = OpenPosition(depth=args.depth, grid=len(grid))
    print(f"\nopen circuit at depth {args.depth}: single-party setup (unsafe outside demos) ...", flush=True)
    t0 = time.perf_counter()
    shape = r1cs.compile(circuit)
    pk = setup(shape)
    print(f"  {shape.n_constraints:,} constraints, {time.perf_counter() - t0:.1f} s")
    inputs = open_position.inputs(cash, writer_sk, tree.membership(index), option, grid)
    witness = r1cs.solve(circuit, inputs)
    t0 = time.perf_counter()
    proof = prove(pk, witness)
    verify(pk.vk, witness.public, proof)
    print(f"margin proof with collateral {format_amount(collateral)}: valid ({time.perf_counter() - t0:.1f} s)")
    print("  public: root, nullifier, the two new commitments, the asset and the 8 grid prices; strike,")
    print("  quantity and collateral stay private")

    short, _ = open_notes(cash, writer_sk, position, collateral=2_500 * SCALE, holder_pk=public_key(holder_sk))
    short_inputs = open_position.inputs(cash, writer_sk, tree.membership(index), short, grid)
    failed = r1cs.solve(circuit, short_inputs).which_unsatisfied()
    print(f"with collateral 2500 (< the worst loss 2800): no proof exists; the circuit fails at {failed}")
    print(f"  (point_7 is grid[7] = {format_amount(grid[7])}, the +50% scenario)")


if __name__ == "__main__":
    main()
