"""Time settling a whole expiry: N settle proofs at depth 20 in one process, on the local pool, on a Dask cluster.

    python benchmarks/bench_expiry.py                      # 32 proofs, depth 20, keys in a temporary directory
    python benchmarks/bench_expiry.py --keys DIR --proofs 8 --depth 4
    python benchmarks/bench_expiry.py --scheduler tcp://HOST:PORT   # an existing cluster instead of a local one

The jobs are N settle input maps (options in a native Merkle tree, one
attested price), the ones `zkopt wallet settle --all` hands its provers.
Rows: one process, proving one after the other (``ZKOPT_PROCESSES=1``); the
same with the prover's own second process (what `wallet settle --note` does
per note); `zkopt.proving_jobs.LocalPool` with one process per core; a Dask
cluster of 2 single-thread workers started here as `dask scheduler` and
`dask worker` subprocesses on 127.0.0.1 (or the one at --scheduler); and the
ledger's check of the N proofs, `verify_batch` against N single checks. Pool
and Dask times include starting the pool processes (the cluster is already
up) and shipping the key. One JSON line per measurement, with the machine's
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zkopt.circuits import settle
from zkopt.groth16 import prepare, verify, verify_batch
from zkopt.keydir import KeyDir
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CALL, PUT, Leg, OptionNote, Position
from zkopt.proving_jobs import DaskCluster, LocalPool, ProofJob, prove_inputs


def settle_jobs(depth: int, count: int) -> list[ProofJob]:
    """``count`` settle input maps: options on one asset and expiry, each in a native tree of ``depth``."""
    tree = MerkleTree(depth)
    options = [
        OptionNote(Position(7, 1_800_000_000, (Leg(CALL if i % 2 == 0 else PUT, 3_000_000_000 + 10_000_000 * i,
                                                  1_000_000),)), 1_500_000_000, 11 + i, 12 + i, 1_000 + i)
        for i in range(count)
    ]
    for option in options:
        tree.append(option.commitment())
    return [ProofJob(str(i), settle.inputs(o, tree.membership(i), 3_250_000_000)) for i, o in enumerate(options)]


def emit(op: str, seconds: float, proofs: int, baseline: float | None, **extra) -> None:
    row = {"op": op, "proofs": proofs, "seconds": round(seconds, 2), "proofs_per_second": round(proofs / seconds, 3)}
    if baseline:
        row["speedup_over_one_process"] = round(baseline / seconds, 2)
    print(json.dumps({**row, **extra}), flush=True)


def run_provers(provers, pk, jobs) -> tuple[float, list]:
    start = time.perf_counter()
    results = list(provers.prove(pk, jobs))
    seconds = time.perf_counter() - start
    bad = [r.error for r in results if r.error]
    if bad or len(results) != len(jobs):
        raise SystemExit(f"{provers.describe()}: {len(bad)} failures, e.g. {bad[:1]}")
    return seconds, results


def start_dask(directory: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler and ``workers`` single-thread workers on 127.0.0.1, as `dask` subprocesses."""
    local = ["--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0"]
    scheduler_file = directory / "scheduler.json"
    log = open(directory / "dask.log", "wb")  # noqa: SIM115 - shared by the processes, closed at exit
    cmd = [sys.executable, "-m", "dask"]
    processes = [subprocess.Popen([*cmd, "scheduler", *local, "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(scheduler_file)], stdout=log, stderr=log)]
    while not scheduler_file.exists():
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    for i in range(workers):
        processes.append(subprocess.Popen([*cmd, "worker", address, *local, "--nthreads", "1", "--name", f"w{i}",
                                           "--local-directory", str(directory / "scratch")], stdout=log, stderr=log))
    return address, processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--proofs", type=int, default=32)
    parser.add_argument("--keys", type=Path, help="key directory to use or fill (default: a temporary one)")
    parser.add_argument("--scheduler", help="an existing Dask cluster (default: start 2 workers on 127.0.0.1)")
    args = parser.parse_args()
    print(json.dumps({"op": "load average before", "loadavg": os.getloadavg(), "cores": os.cpu_count()}), flush=True)
    with tempfile.TemporaryDirectory(prefix="zkopt-bench-expiry-") as tmp:
        keys = KeyDir(args.keys or Path(tmp) / "keys")
        infos = keys.ensure(args.depth)
        pk = keys.proving_key("settle", infos["settle"].entry)
        jobs = settle_jobs(args.depth, args.proofs)
        n = len(jobs)
        print(json.dumps({"op": "settle circuit", "depth": args.depth, "constraints": infos["settle"].constraints}))

        os.environ["ZKOPT_PROCESSES"] = "1"
        start = time.perf_counter()
        proofs = [prove_inputs(pk, job.inputs) for job in jobs]
        one = time.perf_counter() - start
        emit("one process, one proof after the other", one, n, one)
        del os.environ["ZKOPT_PROCESSES"]
        start = time.perf_counter()
        for job in jobs:
            prove_inputs(pk, job.inputs)
        emit("one proof after the other, each split over 2 processes (wallet settle --note)",
             time.perf_counter() - start, n, one)

        with LocalPool() as pool:
            seconds, _ = run_provers(pool, pk, jobs)
            emit(f"zkopt.proving_jobs.LocalPool: {pool.describe()}", seconds, n, one)

        processes = []
        address = args.scheduler
        if address is None:
            address, processes = start_dask(Path(tmp), 2)
        try:
            with DaskCluster(address, timeout=60) as cluster:
                cluster.client.wait_for_workers(2, timeout=60)
                seconds, _ = run_provers(cluster, pk, jobs)
                emit(f"zkopt.proving_jobs.DaskCluster: {cluster.describe()}", seconds, n, one)
        finally:
            for process in processes[::-1]:
                process.terminate()
                process.wait()

        pvk = prepare(pk.vk)
        start = time.perf_counter()
        for public, proof in proofs:
            verify(pvk, public, proof)
        single = time.perf_counter() - start
        start = time.perf_counter()
        verify_batch(pvk, proofs)
        batch = time.perf_counter() - start
        print(json.dumps({"op": "verify the proofs (prepared key)", "proofs": n, "one_by_one_seconds": round(single, 3),
                          "batch_seconds": round(batch, 3), "ratio": round(single / batch, 2)}), flush=True)
    print(json.dumps({"op": "load average after", "loadavg": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
