"""Load on `zkopt ledger serve`: proven deposits per second and request latency, with concurrent clients.

    python benchmarks/bench_serve.py                       # 400 deposits, 16 clients, tree depth 20
    python benchmarks/bench_serve.py --deposits 200 --clients 8
    python benchmarks/bench_serve.py --backend postgresql  # a throwaway cluster (fsync on), or ZKOPT_PG_URL
    python benchmarks/bench_serve.py --proofs /tmp/deposits.pickle  # prove once, reuse on the next runs

N deposit proofs are made first (on a process pool; not timed), then a new
ledger of depth 20 accepting the deposit circuit is served by `zkopt ledger
serve` in its own process on 127.0.0.1, and K client threads, each with its
own ``RemoteLedger``, submit their share as fast as the answers come back.
Rows: accepted deposits per second (first request sent to last answer),
latency percentiles per request; and, for
comparison, the same deposits submitted in process one by one
(``Ledger.submit``) and as one ``Ledger.submit_batch``. One JSON line per
measurement, with the machine's load average before and after. With
``--backend postgresql`` every ledger is a new database on a local
PostgreSQL server (a cluster started for the run, with fsync on as SQLite's
``synchronous = FULL`` is, unless ZKOPT_PG_URL names one).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.pg_cluster import fresh_database, pg_server  # noqa: E402
from tests.serve_fixtures import served  # noqa: E402
from zkopt import r1cs  # noqa: E402
from zkopt.circuits import build, deposit  # noqa: E402
from zkopt.groth16 import prove, setup  # noqa: E402
from zkopt.ledger import CircuitEntry, Genesis, Ledger, Transaction, oracle  # noqa: E402
from zkopt.ledger.remote import RemoteLedger  # noqa: E402
from zkopt.native.notes import deposit_note  # noqa: E402

_KEY = None


def _init(key) -> None:
    global _KEY
    _KEY = key


def _prove(seed: int) -> Transaction:
    rng = random.Random(seed)
    note = deposit_note(1_000_000 + seed, rng.randrange(1, 2**250), seed + 1)
    witness = r1cs.solve(build("deposit"), deposit.inputs(note, seed + 1))
    return Transaction("deposit", tuple(witness.public), prove(_KEY, witness, rng))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def emit(row: dict) -> None:
    print(json.dumps({**row, "load": os.getloadavg()[0]}), flush=True)


def fresh_ledger(path: Path, genesis: Genesis, stack: contextlib.ExitStack, server: str | None) -> Path | str:
    """A new ledger: the file at ``path`` made again, or a new database on the PostgreSQL ``server``."""
    if server is not None:
        location = stack.enter_context(fresh_database(server))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        location = path
    Ledger.create(location, genesis).close()
    return location


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deposits", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--clients-list", help="comma-separated client counts to measure in turn (overrides --clients)")
    parser.add_argument("--proofs", type=Path, help="keep the proven deposits in this file and reuse them on the next run")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    clients = [int(c) for c in args.clients_list.split(",")] if args.clients_list else [args.clients]
    key, genesis, txs = prepare(args)
    with contextlib.ExitStack() as stack:
        for backend in backends:
            server = None
            if backend == "postgresql":
                server = stack.enter_context(pg_server(durable=True))
                if server is None:
                    sys.exit("no PostgreSQL server binaries (initdb, pg_ctl) and no ZKOPT_PG_URL")
            run(txs, genesis, clients, backend, stack, server)


def prepare(args):
    """The deposit circuit's key, a genesis accepting it, and N proven deposits (proved on a process pool)."""
    key = setup(r1cs.compile(build("deposit")), random.Random(1))
    genesis = Genesis(
        circuits={"deposit": CircuitEntry.from_vk(key.vk, r1cs.compile(build("deposit")).public_names)},
        committee=[oracle.public_key_bytes(oracle.keygen()) for _ in range(3)], threshold=2, tree_depth=args.depth,
    )
    if args.proofs and args.proofs.exists():
        kept_vk, txs = pickle.loads(args.proofs.read_bytes())
        if kept_vk == key.vk and len(txs) >= args.deposits:  # the key is made from a fixed seed
            return key, genesis, txs[: args.deposits]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count(), initializer=_init, initargs=(key,)) as pool:
        txs = list(pool.map(_prove, range(args.deposits), chunksize=8))
    emit({"measure": "proved (not part of the load)", "deposits": len(txs), "seconds": round(time.perf_counter() - t0, 1)})
    if args.proofs:
        args.proofs.write_bytes(pickle.dumps((key.vk, txs)))
    return key, genesis, txs


def run(txs, genesis, clients: list[int], backend: str, stack: contextlib.ExitStack, server: str | None) -> None:
    """The in-process rows, then the HTTP load with each number of clients, on a new ledger each."""

    with tempfile.TemporaryDirectory(prefix="zkopt-bench-serve-") as scratch:
        path = Path(scratch) / "ledger.db"

        # In process, for comparison: one by one, then one batch.
        location = fresh_ledger(path, genesis, stack, server)
        with Ledger.open(location) as ledger:
            t0 = time.perf_counter()
            for tx in txs[: min(100, len(txs))]:
                ledger.submit(tx.kind, list(tx.public), tx.proof)
            seconds = time.perf_counter() - t0
        emit({"measure": "in process, Ledger.submit one by one", "backend": backend, "deposits": min(100, len(txs)),
              "per_second": round(min(100, len(txs)) / seconds, 1)})
        location = fresh_ledger(path, genesis, stack, server)
        with Ledger.open(location) as ledger:
            t0 = time.perf_counter()
            results = ledger.submit_batch(txs)
            seconds = time.perf_counter() - t0
        assert all(not isinstance(r, Exception) for r in results)
        emit({"measure": "in process, one Ledger.submit_batch", "backend": backend, "deposits": len(txs),
              "per_second": round(len(txs) / seconds, 1)})

        for count in clients:
            http_load(txs, count, backend, fresh_ledger(path, genesis, stack, server), Path(scratch) / "access.log")


def http_load(txs, clients: int, backend: str, location, log: Path) -> None:
    """Serve ``location``; ``clients`` threads, each with its own RemoteLedger, submit their share of ``txs``."""
    with served(location, log) as url:
        latencies: list[float] = []
        refused: list[str] = []
        lock = threading.Lock()
        shares = [txs[i :: clients] for i in range(clients)]
        barrier = threading.Barrier(clients + 1)

        def client(share: list[Transaction]) -> None:
            with RemoteLedger(url) as remote:
                barrier.wait()
                for tx in share:
                    start = time.perf_counter()
                    try:
                        remote.submit(tx.kind, list(tx.public), tx.proof)
                    except Exception as exc:  # noqa: BLE001 - counted, reported
                        with lock:
                            refused.append(str(exc))
                    with lock:
                        latencies.append(time.perf_counter() - start)

        threads = [threading.Thread(target=client, args=(s,)) for s in shares]
        for t in threads:
            t.start()
        load_before = os.getloadavg()[0]
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - t0
        with RemoteLedger(url) as remote:
            entries = remote.state()["entries"]
    emit({"measure": "zkopt ledger serve, HTTP", "backend": backend, "deposits": len(txs), "clients": clients,
          "accepted": entries, "refused": len(refused), "seconds": round(seconds, 2),
          "per_second": round(entries / seconds, 1),
          "latency_ms": {q: round(1000 * percentile(latencies, p), 1) for q, p in
                         (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))},
          "mean_ms": round(1000 * statistics.mean(latencies), 1), "load_before": load_before})
    if refused:
        emit({"measure": "first refusal", "reason": refused[0]})

if __name__ == "__main__":
    main()
