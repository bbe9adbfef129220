"""Walkthrough (a): prove a call's payout without revealing its strike, and look at what the verifier sees.

A holder owns a call option note: strike, quantity and collateral are known
only to the two parties; the note's commitment sits in a Merkle tree of
notes. At expiry the price is public. The `settle` circuit proves, in zero
knowledge, that the two new cash notes split the collateral correctly:

    payout = min(quantity * max(price - strike, 0), collateral)

The verifier gets seven public inputs (root, nullifier, asset, expiry,
price and the two output commitments) and a 256-byte proof, and learns
nothing about the strike, the quantity, the collateral or the payout.

This script: runs a single-party setup of `settle` (for demos only), makes
the note and a small tree, proves the settlement, verifies it, shows that a
changed public price fails verification and that a claimed larger payout
has no proof at all, and writes `verification_key.json`, `public.json` and
`proof.json` (snarkjs formats) to the output directory, so that
`zkopt verify` (or snarkjs) can check them.

    python3 examples/settle_hidden_strike.py --depth 20 --out examples-out/settle
"""

from __future__ import annotations

import argparse
import secrets
import time
from pathlib import Path

from zkopt import r1cs
from zkopt.circuits import settle
from zkopt.circuits.settle import Settle
from zkopt.errors import InvalidProof
from zkopt.field import R
from zkopt.groth16 import prove, setup, snarkjs, verify
from zkopt.native import payoff
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CALL, CashNote, Leg, OptionNote, Position, public_key
from zkopt.units import asset_id, format_amount, format_time, short

SCALE = payoff.SCALE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/settle"), help="output directory")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # The two parties' keys and the option they agreed on (all private).
    holder_sk, writer_sk = secrets.randbelow(R - 1) + 1, secrets.randbelow(R - 1) + 1
    strike, quantity, collateral = 27_500 * SCALE, 3 * SCALE, 20_000 * SCALE
    expiry = 1_798_761_600  # 2027-01-01T00:00:00Z
    option = OptionNote(
        Position(asset_id("BTC-USD"), expiry, (Leg(CALL, strike, quantity),)),
        collateral=collateral, holder_pk=public_key(holder_sk), writer_pk=public_key(writer_sk),
        rho=secrets.randbelow(R),
    )

    # The note among others in the tree of commitments (here a local tree; a ledger keeps the real one).
    tree = MerkleTree(args.depth)
    for _ in range(3):
        tree.append(secrets.randbelow(R - 1) + 1)
    index = tree.append(option.commitment())

    print(f"settle circuit at depth {args.depth}: single-party setup (unsafe outside demos) ...", flush=True)
    t0 = time.perf_counter()
    shape = r1cs.compile(Settle(depth=args.depth))
    pk = setup(shape)
    print(f"  {shape.n_constraints:,} constraints, {time.perf_counter() - t0:.1f} s")

    price = 31_250 * SCALE  # the attested price at expiry: public
    holder_note, writer_note = option.settlement_notes(price)
    inputs = settle.inputs(option, tree.membership(index), price)
    witness = r1cs.solve(Settle(depth=args.depth), inputs)
    t0 = time.perf_counter()
    proof = prove(pk, witness)
    print(f"proved the settlement in {time.perf_counter() - t0:.1f} s")

    print("\nWhat the verifier sees (public inputs, in order):")
    for name, value in zip(shape.public_names, witness.public):
        note = {"price": f"  = {format_amount(value)}", "expiry": f"  = {format_time(value)}",
                "asset": "  = SHA-256('BTC-USD')[:31]"}.get(name, "")
        print(f"  {name:<10} {short(value, 20)}{note}")
    print("  and the proof: A in G1, B in G2, C in G1 (256 bytes)")
    verify(pk.vk, witness.public, proof)
    print("verify: valid")

    print("\nWhat stays private (in the parties' wallets only):")
    print(f"  strike {format_amount(strike)}, quantity {format_amount(quantity)}, collateral {format_amount(collateral)}")
    print(f"  holder's payout {format_amount(holder_note.amount)} = min(3 x (31250 - 27500), 20000); "
          f"writer keeps {format_amount(writer_note.amount)}")
    print("  the keys, the note's randomness, and which leaf of the tree was settled")

    # A changed public input: the same proof does not verify for another price.
    tampered = list(witness.public)
    tampered[shape.public_names.index("price")] += 1
    try:
        verify(pk.vk, tampered, proof)
        raise SystemExit("a proof verified for another price: this must never happen")
    except InvalidProof:
        print("\nthe same proof with price + 0.000001: invalid (every public input is bound)")

    # A false claim: the holder tries to take the whole collateral. No witness satisfies the circuit.
    greedy = CashNote(collateral, option.holder_pk, holder_note.rho)
    lie = {**inputs, "cm_holder": str(greedy.commitment())}
    failed = r1cs.solve(Settle(depth=args.depth), lie).which_unsatisfied()
    print(f"claiming the whole collateral instead: no proof exists, the circuit fails at {failed}")

    (args.out / "verification_key.json").write_text(snarkjs.dumps(snarkjs.vk_to_json(pk.vk)))
    (args.out / "public.json").write_text(snarkjs.dumps(snarkjs.public_to_json(witness.public)))
    (args.out / "proof.json").write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    print(f"\nwrote {args.out}/verification_key.json, public.json, proof.json; check them with")
    print(f"  zkopt verify --vk {args.out}/verification_key.json --public {args.out}/public.json --proof {args.out}/proof.json")


if __name__ == "__main__":
    main()
