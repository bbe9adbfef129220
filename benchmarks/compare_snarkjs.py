"""zkopt against snarkjs on the same ``chain`` circuit, in one run; prints JSON lines and a table.

    python benchmarks/compare_snarkjs.py              # n = 8192
    python benchmarks/compare_snarkjs.py --large      # also n = 65536 (slow: minutes)

Needs node and `npm ci --prefix tools/interop` (snarkjs 0.7.6, circom2). Both
tools run as whole processes, the way users run them; zkopt's in-process
verification and batch verification are measured too. The powers-of-tau file
and circom build are cached under benchmarks/.cache (gitignored).

Targets (issue "Fast proving and verification in Python"):
  zkopt prove (whole process)    <= 2 x snarkjs groth16 prove
  zkopt verify (whole process)   <= 0.5 x snarkjs groth16 verify
  verify inside the process      <= 10 ms
  batch of 64, per proof         <= 3 ms
  zkopt setup                    <= snarkjs groth16 setup
  zkopt prove at n = 65536       <= 60 s, peak memory <= 1 GiB
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "tools" / "interop" / "node_modules"
CACHE = Path(__file__).resolve().parent / ".cache"
SNARKJS = ["node", str(TOOLS / "snarkjs" / "build" / "cli.cjs")]
CIRCOM = [str(TOOLS / ".bin" / "circom2")]
# The console script users run; `python -m zkopt.cli` where it is not on PATH.
ZKOPT = [shutil.which("zkopt")] if shutil.which("zkopt") else [sys.executable, "-m", "zkopt.cli"]

CIRCOM_CHAIN = """pragma circom 2.0.0;
template Chain(N) {
    signal input x;
    signal output y;
    signal t[N];
    t[0] <== x * x;
    for (var i = 1; i < N; i++) { t[i] <== t[i - 1] * x; }
    y <== t[N - 1];
}
component main = Chain(%d);
"""


def run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Run a whole process; return (wall seconds, peak resident memory of that process in KiB)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, int(done.stderr.strip().splitlines()[-1])


def best_of(times: int, cmd: list[str], cwd: Path) -> tuple[float, int]:
    results = [run(cmd, cwd) for _ in range(times)]
    return min(r[0] for r in results), max(r[1] for r in results)


def ptau_for(power: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    final = CACHE / f"pot{power}_final.ptau"
    if not final.exists():
        run([*SNARKJS, "powersoftau", "new", "bn128", str(power), f"pot{power}_0.ptau"], CACHE)
        run([*SNARKJS, "powersoftau", "contribute", f"pot{power}_0.ptau", f"pot{power}_1.ptau", "-e=zkopt bench"], CACHE)
        run([*SNARKJS, "powersoftau", "prepare", "phase2", f"pot{power}_1.ptau", final.name], CACHE)
    return final


def emit(rows: list, **fields) -> None:
    print(json.dumps(fields), flush=True)
    rows.append(fields)


def compare(n: int, repeats: int, rows: list, in_process_only: bool = False) -> None:
    work = CACHE / f"chain{n}"
    work.mkdir(parents=True, exist_ok=True)
    (work / "input.json").write_text('{"x": "3"}')
    power = max(n + 2, 2).bit_length()
    if in_process_only:
        in_process(work, n, rows)
        return
    ptau = ptau_for(power)

    # snarkjs side
    (work / "chain.circom").write_text(CIRCOM_CHAIN % n)
    if not (work / "chain.r1cs").exists():
        run([*CIRCOM, "chain.circom", "--r1cs", "--wasm", "-o", "."], work)
    t, m = run([*SNARKJS, "groth16", "setup", "chain.r1cs", str(ptau), "chain_0.zkey"], work)
    emit(rows, tool="snarkjs", op="setup", n=n, seconds=round(t, 3), peak_kib=m)
    run([*SNARKJS, "zkey", "contribute", "chain_0.zkey", "chain.zkey", "-e=zkopt bench"], work)
    run([*SNARKJS, "zkey", "export", "verificationkey", "chain.zkey", "snarkjs_vk.json"], work)
    run([*SNARKJS, "wtns", "calculate", "chain_js/chain.wasm", "input.json", "chain.wtns"], work)
    t, m = best_of(repeats, [*SNARKJS, "groth16", "prove", "chain.zkey", "chain.wtns", "sj_proof.json", "sj_public.json"], work)
    emit(rows, tool="snarkjs", op="prove_process", n=n, seconds=round(t, 3), peak_kib=m)
    t, m = best_of(repeats, [*SNARKJS, "groth16", "verify", "snarkjs_vk.json", "sj_public.json", "sj_proof.json"], work)
    emit(rows, tool="snarkjs", op="verify_process", n=n, seconds=round(t, 3), peak_kib=m)

    # zkopt side, as a user runs it
    t, m = run([*ZKOPT, "setup", "chain", "--param", f"n={n}", "--out", "keys"], work)
    emit(rows, tool="zkopt", op="setup", n=n, seconds=round(t, 3), peak_kib=m)
    prove_cmd = [*ZKOPT, "prove", "--pk", "keys/proving_key.zkpk", "--input", "input.json",
                 "--proof", "proof.json", "--public", "public.json"]
    t, m = best_of(repeats, prove_cmd, work)
    emit(rows, tool="zkopt", op="prove_process", n=n, seconds=round(t, 3), peak_kib=m,
         note="peak of the main process; the G2 MSM runs in a forked child")
    verify_cmd = [*ZKOPT, "verify", "--vk", "keys/verification_key.json", "--public", "public.json", "--proof", "proof.json"]
    t, m = best_of(repeats, verify_cmd, work)
    emit(rows, tool="zkopt", op="verify_process", n=n, seconds=round(t, 3), peak_kib=m)
    t, m = best_of(repeats, [*ZKOPT, "verify", "--vk", "snarkjs_vk.json", "--public", "sj_public.json", "--proof", "sj_proof.json"], work)
    emit(rows, tool="zkopt", op="verify_snarkjs_proof_process", n=n, seconds=round(t, 3), peak_kib=m)
    in_process(work, n, rows)


def in_process(work: Path, n: int, rows: list) -> None:
    from zkopt import curve
    from zkopt.field import R
    from zkopt.groth16 import Proof, snarkjs
    from zkopt.groth16.verifier import prepare_checked, verify, verify_batch

    vk = snarkjs.vk_from_json(json.loads((work / "keys" / "verification_key.json").read_text()))
    public = snarkjs.public_from_json(json.loads((work / "public.json").read_text()))
    proof = snarkjs.proof_from_json(json.loads((work / "proof.json").read_text()))
    times = []
    for _ in range(20):
        start = time.perf_counter()
        verify(vk, public, proof)
        times.append(time.perf_counter() - start)
    emit(rows, tool="zkopt", op="verify_in_process", n=n, seconds=round(min(times), 5))
    pvk = prepare_checked(vk)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        verify(pvk, public, proof)
        times.append(time.perf_counter() - start)
    emit(rows, tool="zkopt", op="verify_prepared_in_process", n=n, seconds=round(min(times), 5))

    # 64 distinct valid proofs of the statement, by Groth16 re-randomisation:
    # A' = A / t, B' = t B + t u delta, C' = C + u A keeps e(A', B') = e(A, B) e(u A, delta).
    rng = random.Random(1)
    items = []
    for _ in range(64):
        t, u = rng.randrange(1, R), rng.randrange(1, R)
        items.append((public, Proof(
            a=curve.g1_mul(proof.a, pow(t, -1, R)),
            b=curve.g2_add(curve.g2_mul(proof.b, t), curve.g2_mul(vk.delta_g2, t * u)),
            c=curve.g1_add(proof.c, curve.g1_mul(proof.a, u)),
        )))
    best = None
    for _ in range(3):
        start = time.perf_counter()
        verify_batch(pvk, items, rng)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    emit(rows, tool="zkopt", op="verify_batch64_per_proof", n=n, seconds=round(best / 64, 5))


def table(rows: list) -> str:
    by = {(r["tool"], r["op"], r["n"]): r for r in rows}
    lines = ["| n | measure | zkopt | snarkjs | ratio | target |", "| --- | --- | --- | --- | --- | --- |"]
    for n in sorted({r["n"] for r in rows}):
        def get(tool, op):
            row = by.get((tool, op, n))
            return row["seconds"] if row else None

        def line(measure, ours, theirs, target):
            ratio = f"{ours / theirs:.2f}x" if ours is not None and theirs else "-"
            fmt = lambda v: "-" if v is None else (f"{v * 1000:.2f} ms" if v < 1 else f"{v:.2f} s")
            lines.append(f"| {n} | {measure} | {fmt(ours)} | {fmt(theirs)} | {ratio} | {target} |")

        line("setup", get("zkopt", "setup"), get("snarkjs", "setup"), "<= 1x")
        line("prove (whole process)", get("zkopt", "prove_process"), get("snarkjs", "prove_process"), "<= 2x")
        line("verify (whole process)", get("zkopt", "verify_process"), get("snarkjs", "verify_process"), "<= 0.5x")
        line("verify a snarkjs proof (whole process)", get("zkopt", "verify_snarkjs_proof_process"), get("snarkjs", "verify_process"), "<= 0.5x")
        line("verify in process", get("zkopt", "verify_in_process"), None, "<= 10 ms")
        line("verify in process, prepared key", get("zkopt", "verify_prepared_in_process"), None, "")
        line("batch of 64, per proof", get("zkopt", "verify_batch64_per_proof"), None, "<= 3 ms")
        peak = by.get(("zkopt", "prove_process", n))
        if peak:
            lines.append(f"| {n} | prove peak memory (main process) | {peak['peak_kib'] / 1024:.0f} MiB | "
                         f"{by.get(('snarkjs', 'prove_process', n), {}).get('peak_kib', 0) / 1024:.0f} MiB | - | <= 1 GiB at 65536 |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also n = 65536")
    parser.add_argument("--n", type=int, action="append", help="chain length (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many process runs")
    parser.add_argument("--in-process-only", action="store_true", help="reuse the files of an earlier run; time verification only")
    args = parser.parse_args()
    if not (TOOLS / "snarkjs").is_dir():
        raise SystemExit("snarkjs not installed: run `npm ci --prefix tools/interop`")
    rows: list = []
    for n in args.n or ([8192] + ([65536] if args.large else [])):
        compare(n, args.repeats, rows, args.in_process_only)
    print(table(rows))


if __name__ == "__main__":
    main()
