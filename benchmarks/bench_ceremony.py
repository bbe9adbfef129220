"""zkopt's ceremony commands against snarkjs 0.7.6, side by side in one run; prints JSON lines and a table.

    python benchmarks/bench_ceremony.py              # ptau power 14, settle at depth 20
    python benchmarks/bench_ceremony.py --circuit deposit --power 9 --repeats 1   # a quick look

Both tools run as whole processes on the same input files, the way a
ceremony script runs them:

* ``ptau prepare`` (snarkjs: ``powersoftau prepare phase2``) of a contributed
  power-14 powers of tau; the two outputs are compared byte for byte;
* phase 2 of the settle circuit (exported with ``zkopt export r1cs``):
  ``zkey new`` (for information), ``zkey contribute`` to the init key, and
  ``zkey verify`` of a transcript with two contributions and a beacon.

Targets (issue 13): contribute and verify at most snarkjs' time; prepare at
2^14 well under snarkjs'. Files are cached under benchmarks/.cache/ceremony
(gitignored); --fresh starts over.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "tools" / "interop" / "node_modules"
CACHE = Path(__file__).resolve().parent / ".cache" / "ceremony"
SNARKJS = ["node", str(TOOLS / "snarkjs" / "build" / "cli.cjs")]
# The console script of the interpreter running this benchmark (not another zkopt on PATH).
_SCRIPT = Path(sys.executable).parent / "zkopt"
ZKOPT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "zkopt.cli"]
BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Run a whole process; return (wall seconds, peak resident memory of that process in KiB)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *map(str, cmd)], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd[:4]))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, int(done.stderr.strip().splitlines()[-1])


def best_of(times: int, cmd: list[str], cwd: Path) -> tuple[float, int]:
    results = [run(cmd, cwd) for _ in range(times)]
    return min(r[0] for r in results), max(r[1] for r in results)


def emit(rows: list, **fields) -> None:
    print(json.dumps(fields), flush=True)
    rows.append(fields)


def once(path: Path, cmd: list[str], cwd: Path) -> None:
    if not path.exists():
        run(cmd, cwd)


def bench(circuit: str, power: int, depth: int, repeats: int, rows: list) -> None:
    work = CACHE / f"{circuit}_p{power}_d{depth}"
    work.mkdir(parents=True, exist_ok=True)
    # phase 1: an accumulator with one contribution, prepared by both tools
    once(work / "pot_0.ptau", [*ZKOPT, "ptau", "new", "bn128", power, "pot_0.ptau"], work)
    once(work / "pot_1.ptau", [*ZKOPT, "ptau", "contribute", "pot_0.ptau", "pot_1.ptau", "-e=bench"], work)
    t, m = run([*SNARKJS, "powersoftau", "prepare", "phase2", "pot_1.ptau", "sj_final.ptau"], work)
    emit(rows, tool="snarkjs", op="ptau_prepare", power=power, seconds=round(t, 2), peak_kib=m)
    t, m = run([*ZKOPT, "ptau", "prepare", "pot_1.ptau", "zk_final.ptau"], work)
    emit(rows, tool="zkopt", op="ptau_prepare", power=power, seconds=round(t, 2), peak_kib=m,
         identical=(work / "zk_final.ptau").read_bytes() == (work / "sj_final.ptau").read_bytes())
    # phase 2 of settle
    params = [] if circuit == "deposit" else ["--param", f"depth={depth}"]
    once(work / "settle.r1cs", [*ZKOPT, "export", "r1cs", circuit, "settle.r1cs", *params], work)
    t, m = run([*SNARKJS, "zkey", "new", "settle.r1cs", "zk_final.ptau", "sj_0.zkey"], work)
    emit(rows, tool="snarkjs", op="zkey_new", power=power, depth=depth, seconds=round(t, 2), peak_kib=m)
    t, m = run([*ZKOPT, "zkey", "new", "settle.r1cs", "zk_final.ptau", "settle_0.zkey"], work)
    emit(rows, tool="zkopt", op="zkey_new", power=power, depth=depth, seconds=round(t, 2), peak_kib=m,
         identical=(work / "settle_0.zkey").read_bytes() == (work / "sj_0.zkey").read_bytes())
    t, m = best_of(repeats, [*SNARKJS, "zkey", "contribute", "settle_0.zkey", "sj_1.zkey", "-e=bench"], work)
    emit(rows, tool="snarkjs", op="zkey_contribute", power=power, depth=depth, seconds=round(t, 2), peak_kib=m)
    t, m = best_of(repeats, [*ZKOPT, "zkey", "contribute", "settle_0.zkey", "settle_1.zkey", "-e=bench"], work)
    emit(rows, tool="zkopt", op="zkey_contribute", power=power, depth=depth, seconds=round(t, 2), peak_kib=m)
    run([*ZKOPT, "zkey", "contribute", "settle_1.zkey", "settle_2.zkey", "-e=bench 2"], work)
    run([*ZKOPT, "zkey", "beacon", "settle_2.zkey", "settle_final.zkey", BEACON, "10"], work)
    verify = ["settle.r1cs", "zk_final.ptau", "settle_final.zkey"]
    t, m = best_of(repeats, [*SNARKJS, "zkey", "verify", *verify], work)
    emit(rows, tool="snarkjs", op="zkey_verify", power=power, depth=depth, seconds=round(t, 2), peak_kib=m)
    t, m = best_of(repeats, [*ZKOPT, "zkey", "verify", *verify], work)
    emit(rows, tool="zkopt", op="zkey_verify", power=power, depth=depth, seconds=round(t, 2), peak_kib=m)
    t, m = run([*ZKOPT, "ptau", "verify", "zk_final.ptau"], work)
    emit(rows, tool="zkopt", op="ptau_verify", power=power, seconds=round(t, 2), peak_kib=m)
    t, m = run([*SNARKJS, "powersoftau", "verify", "zk_final.ptau"], work)
    emit(rows, tool="snarkjs", op="ptau_verify", power=power, seconds=round(t, 2), peak_kib=m)


def table(rows: list, circuit: str, power: int, depth: int) -> str:
    by = {(r["tool"], r["op"]): r for r in rows}
    lines = ["| measure | zkopt | snarkjs | ratio | target |", "| --- | --- | --- | --- | --- |"]
    for op, measure, target in (
        ("ptau_prepare", f"ptau prepare, power {power}", "well under 1x"),
        ("ptau_verify", f"ptau verify (prepared), power {power}", ""),
        ("zkey_new", f"zkey new, {circuit} depth {depth}", ""),
        ("zkey_contribute", f"zkey contribute, {circuit} depth {depth}", "<= 1x"),
        ("zkey_verify", f"zkey verify (2 contributions + beacon), {circuit} depth {depth}", "<= 1x"),
    ):
        ours, theirs = by.get(("zkopt", op)), by.get(("snarkjs", op))
        if not ours or not theirs:
            continue
        same = " (same bytes)" if ours.get("identical") else ""
        lines.append(f"| {measure} | {ours['seconds']:.1f} s{same} | {theirs['seconds']:.1f} s | "
                     f"{ours['seconds'] / theirs['seconds']:.2f}x | {target} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuit", default="settle", choices=["settle", "open", "withdraw", "deposit"])
    parser.add_argument("--power", type=int, default=14, help="ptau power (settle at depth 20 needs 13)")
    parser.add_argument("--depth", type=int, default=20, help="settle's tree depth")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs for contribute and verify")
    parser.add_argument("--fresh", action="store_true", help="delete the cached files first")
    args = parser.parse_args()
    if not (TOOLS / "snarkjs").is_dir():
        raise SystemExit("snarkjs not installed: run `npm ci --prefix tools/interop`")
    if args.fresh:
        shutil.rmtree(CACHE, ignore_errors=True)
    rows: list = []
    bench(args.circuit, args.power, args.depth, args.repeats, rows)
    print(table(rows, args.circuit, args.power, args.depth))


if __name__ == "__main__":
    main()
