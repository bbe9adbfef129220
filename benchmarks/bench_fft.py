"""Benchmark of zkopt.poly transforms, and the pure-Python loop they were chosen over.

Prints one JSON object per line, per (implementation, operation, size):

    python benchmarks/bench_fft.py                # sizes 2^10, 2^14, 2^16
    python benchmarks/bench_fft.py --log-sizes 10 14 --repeats 5

``impl`` is ``numpy-object`` (zkopt.poly: each butterfly layer is a handful of
vectorised operations on numpy object arrays of Python ints) or
``python-loop`` (the same iterative radix-2 algorithm, same twiddle table and
same lazy reduction, written as nested Python loops over a list). The loop
version lives here rather than in the library because the library keeps only
the faster of the two; its output is checked against the library's before it
is timed so that a wrong implementation cannot win.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from zkopt.field import R  # noqa: E402
from zkopt.poly import Domain  # noqa: E402


def fft_python_loop(coeffs: list[int], twiddles: list[int], rev: list[int]) -> list[int]:
    """Iterative in-place radix-2 DIT over a Python list; only products are reduced."""
    n = len(rev)
    a = [coeffs[r] if r < len(coeffs) else 0 for r in rev]
    m = 1
    while m < n:
        step = n // (2 * m)
        w = twiddles[::step][:m]
        for start in range(0, n, 2 * m):
            for j in range(m):
                u = a[start + j]
                v = a[start + j + m] * w[j] % R
                a[start + j] = u + v
                a[start + j + m] = u - v
        m *= 2
    return [x % R for x in a]


def time_call(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-sizes", type=int, nargs="+", default=[10, 14, 16])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    env = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine()}

    def emit(impl: str, op: str, log_size: int, best: float, median: float) -> None:
        record = {
            "bench": "fft",
            "impl": impl,
            "op": op,
            "log_size": log_size,
            "size": 1 << log_size,
            "best_s": round(best, 6),
            "median_s": round(median, 6),
            "repeats": args.repeats,
            **env,
        }
        print(json.dumps(record), flush=True)

    for log_size in args.log_sizes:
        domain = Domain(1 << log_size)
        values = [rng.randrange(R) for _ in range(domain.size)]

        # First use of a size builds its twiddle and coset tables; later calls reuse them.
        start = time.perf_counter()
        expected = domain.fft(values)
        emit("numpy-object", "fft_first_call_with_tables", log_size, *(time.perf_counter() - start,) * 2)

        for op in ("fft", "ifft", "coset_fft", "coset_ifft"):
            fn = getattr(domain, op)
            emit("numpy-object", op, log_size, *time_call(lambda: fn(values), args.repeats))

        half = domain.elements()[: max(domain.size // 2, 1)]
        rev = [int(format(i, f"0{log_size}b")[::-1], 2) if log_size else 0 for i in range(domain.size)]
        if fft_python_loop(values, half, rev) != expected:
            raise SystemExit(f"python-loop fft disagrees with zkopt.poly at 2^{log_size}")
        timing = time_call(lambda: fft_python_loop(values, half, rev), args.repeats)
        emit("python-loop", "fft", log_size, *timing)


if __name__ == "__main__":
    main()
