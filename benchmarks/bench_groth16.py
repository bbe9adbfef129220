"""Time Groth16 setup, prove and verify of the ``chain`` circuit; one JSON line per measurement.

    python benchmarks/bench_groth16.py            # n = 2^10 and 2^13
    python benchmarks/bench_groth16.py --large    # adds n = 2^16
    python benchmarks/bench_groth16.py --n 4096   # just this size

Timings are wall-clock seconds inside this process (setup, prove, verify, and
verify with a prepared key). Keys stay in memory; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time

from zkopt import curve, r1cs
from zkopt.circuits.chain import Chain
from zkopt.groth16 import prepare, prove, setup, verify


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def bench_chain(n: int, rng: random.Random) -> None:
    circuit = Chain(n)
    common = {"circuit": "chain", "n": n, "backend": curve.backend.current(), "python": platform.python_version()}

    t = time.perf_counter()
    shape = r1cs.compile(circuit)
    pk = setup(shape, rng)
    emit(op="setup", seconds=round(time.perf_counter() - t, 4), **common)

    t = time.perf_counter()
    witness = r1cs.solve(circuit, {"x": "3"})
    proof = prove(pk, witness, rng)
    emit(op="prove", seconds=round(time.perf_counter() - t, 4), **common)

    t = time.perf_counter()
    verify(pk.vk, witness.public, proof)
    emit(op="verify", seconds=round(time.perf_counter() - t, 4), **common)

    pvk = prepare(pk.vk)
    t = time.perf_counter()
    verify(pvk, witness.public, proof)
    emit(op="verify_prepared", seconds=round(time.perf_counter() - t, 4), **common)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="chain length (repeatable)")
    parser.add_argument("--large", action="store_true", help="also run n = 2^16")
    args = parser.parse_args()
    sizes = args.n or [2**10, 2**13] + ([2**16] if args.large else [])
    rng = random.Random(2026)
    for n in sizes:
        bench_chain(n, rng)


if __name__ == "__main__":
    main()
