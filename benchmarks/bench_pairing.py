"""Benchmark the BN254 pairing: one pairing, a Groth16-shaped check, a batch of 64 proofs.

Prints one JSON object per line: {"op", "n", "backend", "arith", "seconds",
"cpu_seconds", ...}, where n is the number of Miller-loop pairs and the times
are the best of --repeat runs (wall clock and process CPU time: the machine is
shared, and the minimum is the least noisy estimate). Measurements:

    pairing           e(P, Q) for a plain G2 point (fast and reference)
    prepare_g2        precomputing the 88 lines of a fixed G2 point
    groth16_check     e(-A, B) e(L, gamma) e(C, delta) e(alpha, beta) == 1: 3 pairs,
                      gamma and delta prepared, e(alpha, beta) a cached GT factor
    batch64_check     64 proofs' (A_i, B_i) with plain B_i plus 3 prepared pairs,
                      one Miller loop and one final exponentiation; "per_proof" = seconds / 64

Examples:

    python benchmarks/bench_pairing.py
    python benchmarks/bench_pairing.py --arith int      # the plain-int fallback (no gmpy2)
    python benchmarks/bench_pairing.py --ops pairing --repeat 10
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from zkopt.curve import backend  # noqa: E402
from zkopt.curve import groups as g  # noqa: E402
from zkopt.field import R  # noqa: E402

# The package re-exports a function named ``pairing``; fetch the module itself.
pm = importlib.import_module("zkopt.curve.pairing")

SEED = 20261124
OPS = ["pairing", "prepare_g2", "groth16_check", "batch64_check"]


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def best_of(repeat: int, fn) -> tuple[float, float]:
    wall = cpu = float("inf")
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def use_plain_ints() -> None:
    """Run the fast backend on plain ints, as if gmpy2 were not installed."""
    saved = sys.modules.get("gmpy2")
    sys.modules["gmpy2"] = None  # makes "from gmpy2 import ..." raise ImportError
    try:
        spec = importlib.util.spec_from_file_location("_tower_int", REPO / "zkopt" / "curve" / "_tower.py")
        tower = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tower)
    finally:
        if saved is None:
            del sys.modules["gmpy2"]
        else:
            sys.modules["gmpy2"] = saved
    pm._t, pm._q = tower, tower._q
    pm.AFFINE_BATCH_MIN = 4  # the measured break-even for ints (see pairing.py)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", nargs="+", default=OPS, choices=OPS)
    parser.add_argument("--arith", default="auto", choices=["auto", "int"],
                        help="auto: gmpy2 when installed; int: force the plain-int fallback")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-reference", action="store_true", help="skip the (slow) py_ecc measurement")
    args = parser.parse_args(argv)

    if args.arith == "int":
        use_plain_ints()
    arith = pm._t.BIGINT
    rng = random.Random(SEED)
    with backend.use(backend.FAST):
        scalars = [rng.randrange(1, R) for _ in range(8)]
        p = g.g1_mul(g.G1_GENERATOR, scalars[0])
        q = g.g2_mul(g.G2_GENERATOR, scalars[1])
        gamma, delta, beta = (g.g2_mul(g.G2_GENERATOR, s) for s in scalars[2:5])
        l_pt, c_pt, alpha = (g.g1_mul(g.G1_GENERATOR, s) for s in scalars[5:8])

        if "pairing" in args.ops:
            wall, cpu = best_of(args.repeat, lambda: pm.pairing(p, q))
            emit(op="pairing", n=1, backend="fast", arith=arith, seconds=wall, cpu_seconds=cpu)
            if not args.no_reference:
                with backend.use(backend.REFERENCE):
                    wall, cpu = best_of(max(1, args.repeat // 3), lambda: pm.pairing(p, q))
                emit(op="pairing", n=1, backend="reference", arith="py_ecc", seconds=wall, cpu_seconds=cpu)

        if "prepare_g2" in args.ops:
            wall, cpu = best_of(args.repeat, lambda: pm.prepare_g2(q))
            emit(op="prepare_g2", n=1, backend="fast", arith=arith, seconds=wall, cpu_seconds=cpu)

        gamma_p, delta_p, beta_p = pm.prepare_g2(gamma), pm.prepare_g2(delta), pm.prepare_g2(beta)
        alpha_beta = pm.pairing(alpha, beta)
        if "groth16_check" in args.ops:
            # Not a valid proof (the check is False), but exactly the work of one.
            pairs = [(g.g1_neg(p), q), (l_pt, gamma_p), (c_pt, delta_p)]
            wall, cpu = best_of(args.repeat, lambda: pm.pairing_check(pairs, gt_factor=alpha_beta))
            emit(op="groth16_check", n=3, backend="fast", arith=arith, seconds=wall, cpu_seconds=cpu)

        if "batch64_check" in args.ops:
            a_pts = g.g1_mul_many(g.G1_GENERATOR, [rng.randrange(1, R) for _ in range(64)])
            b_pts = g.g2_mul_many(g.G2_GENERATOR, [rng.randrange(1, R) for _ in range(64)])
            pairs = list(zip(a_pts, b_pts)) + [(l_pt, gamma_p), (c_pt, delta_p), (alpha, beta_p)]
            wall, cpu = best_of(max(1, args.repeat // 2), lambda: pm.pairing_check(pairs))
            emit(op="batch64_check", n=len(pairs), backend="fast", arith=arith, seconds=wall,
                 cpu_seconds=cpu, per_proof=wall / 64, cpu_per_proof=cpu / 64)


if __name__ == "__main__":
    main()
