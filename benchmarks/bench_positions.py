"""Time setup, witness, prove and verify of ``open`` (G = 8 and 16) and ``settle`` on a four-leg position.

    python benchmarks/bench_positions.py              # depth 20
    python benchmarks/bench_positions.py --depth 4

One JSON line per (circuit, grid): constraints, the Groth16 evaluation domain
and wall-clock seconds in this process. The position uses all four leg slots
(short and long legs of both kinds), so the witness is the full shape's;
the cost does not depend on which legs are used (unused slots are zero legs).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time

from zkopt import circuits, curve, r1cs
from zkopt.circuits import open_position, settle
from zkopt.groth16 import prove, qap, setup, verify
from zkopt.native import payoff
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CashNote, Position, open_notes, public_key
from zkopt.units import parse_leg

SCALE = payoff.SCALE
LEGS = tuple(parse_leg(t) for t in ("call:3000:2", "put:3000:2", "call:3600:-1", "put:2400:-1"))


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def bench(name: str, params: dict, inputs: dict, rng: random.Random) -> None:
    circuit = circuits.build(name, params)
    shape = r1cs.compile(circuit)
    common = {"circuit": name, "params": circuit.params(), "constraints": shape.n_constraints,
              "qap_domain": qap.domain_for(shape).size, "backend": curve.backend.current(),
              "python": platform.python_version()}
    t = time.perf_counter()
    pk = setup(shape, rng)
    setup_s = time.perf_counter() - t
    t = time.perf_counter()
    witness = r1cs.solve(circuit, inputs)
    witness_s = time.perf_counter() - t
    t = time.perf_counter()
    proof = prove(pk, witness, rng)
    prove_s = time.perf_counter() - t
    t = time.perf_counter()
    verify(pk.vk, witness.public, proof)
    verify_s = time.perf_counter() - t
    emit(**common, setup=round(setup_s, 3), witness=round(witness_s, 3), prove=round(prove_s, 3),
         verify=round(verify_s, 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Merkle tree depth (20 in production)")
    args = parser.parse_args()
    rng = random.Random(2026)
    writer_sk, holder_sk = rng.randrange(1, 2**250), rng.randrange(1, 2**250)
    cash = CashNote(100_000 * SCALE, public_key(writer_sk), rng.randrange(1, 2**250))
    tree = MerkleTree(args.depth)
    cash_index = tree.append(cash.commitment())
    position = Position(7, 1_798_761_600, LEGS)
    for shocks in (payoff.DEFAULT_SHOCKS, payoff.FINE_SHOCKS):
        grid = payoff.default_grid(3_000 * SCALE, shocks)
        collateral = payoff.worst_loss(LEGS, grid)
        option, _ = open_notes(cash, writer_sk, position, collateral=collateral, holder_pk=public_key(holder_sk))
        inputs = open_position.inputs(cash, writer_sk, tree.membership(cash_index), option, grid)
        bench("open", {"depth": args.depth, "grid": len(grid)}, inputs, rng)
    index = tree.append(option.commitment())
    bench("settle", {"depth": args.depth}, settle.inputs(option, tree.membership(index), 3_300 * SCALE), rng)


if __name__ == "__main__":
    main()
