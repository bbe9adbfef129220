"""Benchmark the BN254 group layer: MSM, fixed-base batches, and the int-vs-mpz choice.

Prints one JSON object per line: {"op", "n", "backend", "seconds", ...}; the
time is the best of --repeat runs (the machine is shared, the minimum is the
least noisy estimate). Examples:

    python benchmarks/bench_msm.py                       # G1 and G2 MSM at 1024, 8192 (+65536 for G1)
    python benchmarks/bench_msm.py --ops msm_g2 --sizes 65536
    python benchmarks/bench_msm.py --tune --sizes 1024 8192   # sweep Pippenger window widths
    python benchmarks/bench_msm.py --backend reference --sizes 64
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zkopt.curve import _g1_fast, _g2_fast, backend  # noqa: E402
from zkopt.curve import groups as g  # noqa: E402
from zkopt.field import R  # noqa: E402

SEED = 20261124


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def inputs(group: str, n: int, rng: random.Random):
    mul_many = g.g1_mul_many if group == "g1" else g.g2_mul_many
    base = g.G1_GENERATOR if group == "g1" else g.G2_GENERATOR
    with backend.use(backend.FAST):
        points = mul_many(base, [rng.randrange(1, R) for _ in range(n)])
    scalars = [rng.randrange(R) for _ in range(n)]
    return points, scalars


def bench_mulmod(repeat: int) -> None:
    """The measurement behind using gmpy2: one 254-bit multiply-and-reduce, int vs mpz."""
    rng = random.Random(SEED)
    a, b = rng.randrange(g.Q), rng.randrange(g.Q)
    kinds = [("int", int)]
    if _g1_fast.mpz is not int:
        kinds.append(("mpz", _g1_fast.mpz))
    for name, conv in kinds:
        env = {"a": conv(a), "b": conv(b), "q": conv(g.Q)}
        number = 200_000
        t = min(timeit.repeat("a * b % q", globals=env, number=number, repeat=repeat)) / number
        emit(op="mulmod", n=1, backend=name, seconds=t)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", nargs="+", default=["mulmod", "msm_g1", "msm_g2", "g1_mul_many", "g2_mul_many"],
                        choices=["mulmod", "msm_g1", "msm_g2", "g1_mul_many", "g2_mul_many"])
    parser.add_argument("--sizes", nargs="+", type=int, default=None,
                        help="default: 1024 8192 65536 for G1, 1024 8192 for G2")
    parser.add_argument("--backend", default=backend.FAST, choices=[backend.FAST, backend.REFERENCE])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tune", action="store_true", help="sweep MSM window widths (fast backend)")
    args = parser.parse_args(argv)

    for op in args.ops:
        if op == "mulmod":
            bench_mulmod(args.repeat)
            continue
        group = "g1" if "g1" in op else "g2"
        sizes = args.sizes or ([1024, 8192, 65536] if group == "g1" else [1024, 8192])
        for n in sizes:
            points, scalars = inputs(group, n, random.Random(SEED + n))
            if op.startswith("msm"):
                if args.tune:
                    fast = _g1_fast if group == "g1" else _g2_fast
                    default = fast.window_for(n)
                    for c in range(max(2, default - 3), default + 3):
                        t = best_of(args.repeat, lambda: fast.msm(points, scalars, c))
                        emit(op=op, n=n, backend="fast", seconds=t, window=c, default=c == default)
                    continue
                fn = g.msm_g1 if group == "g1" else g.msm_g2
                with backend.use(args.backend):
                    t = best_of(args.repeat, lambda: fn(points, scalars))
            else:
                fn = g.g1_mul_many if group == "g1" else g.g2_mul_many
                base = g.G1_GENERATOR if group == "g1" else g.G2_GENERATOR
                with backend.use(args.backend):
                    t = best_of(args.repeat, lambda: fn(base, scalars))
            emit(op=op, n=n, backend=args.backend, seconds=t)


if __name__ == "__main__":
    main()
