"""Time ``zkopt demo`` as a user runs it: once building the keys, then again with them cached.

    python benchmarks/bench_demo.py               # depth 20, in a fresh temporary directory
    python benchmarks/bench_demo.py --depth 4

Prints one JSON line per run (whole-process wall time). The issue's target:
under 2 minutes on the 2-core machine once the keys are cached.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZKOPT = [shutil.which("zkopt")] if shutil.which("zkopt") else [sys.executable, "-m", "zkopt.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zkopt-bench-demo-") as tmp:
        demo_dir = Path(tmp) / "demo"
        for run in ("keys built", "keys cached"):
            start = time.perf_counter()
            done = subprocess.run(
                [*ZKOPT, "demo", "--dir", str(demo_dir), "--depth", str(args.depth)], capture_output=True, text=True
            )
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"zkopt demo failed: {done.stderr.strip()}")
            print(json.dumps({"op": "demo", "run": run, "depth": args.depth, "seconds": round(seconds, 2)}), flush=True)


if __name__ == "__main__":
    main()
