"""Many Groth16 proofs at once: circuit input maps proved on a local process pool or on an existing Dask cluster.

A job holds what one proof needs and nothing more: the circuit's inputs (names
to decimal strings, as ``zkopt prove --input`` reads them) and, for the whole
batch, which proving key, named by the SHA-256 of its ``.zkpk`` bytes. Never a
wallet, a wallet file or a spending key (the callers' input maps hold none).
The key reaches each worker process once: the local pool's initializer parses
it as the process starts; on Dask its bytes are scattered to every worker once
(``broadcast``) and parsed by each worker process on first use. A worker
builds the circuit the key names, solves the witness and proves in one process
(``ZKOPT_PROCESSES=1``: the parallelism is the workers'), with blinding from
its own OS CSPRNG, and answers with snarkjs JSON, which the caller reads back
with the strict readers: a worker's answer is checked like any file.

A worker does see the whole witness (for a settlement: the option's terms and
its rho). Run workers only on machines the trader controls; the Dask protocol
carries pickles and has no authentication, so keep it on a private network or
TLS (README, "Settling a whole expiry").

Faults: a job that fails (an unsatisfied witness, a worker that keeps dying)
is reported with a one-line reason and the others go on. A killed process
breaks a whole ``ProcessPoolExecutor``; the pool is then rebuilt and the
unfinished jobs resubmitted, at most ``MAX_RESTARTS`` times per batch. Dask
reschedules a lost worker's jobs by itself and gives up on a job that took
several workers down with it (``KilledWorker``). Proving has no side effect,
so a job run twice only costs time.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from zkopt.errors import MalformedInput, MalformedKey, ZkoptError, shown
from zkopt.groth16 import Proof, ProvingKey

#: How often one batch may rebuild a broken local pool before its unfinished jobs are reported failed.
MAX_RESTARTS = 3


@dataclass(frozen=True)
class ProofJob:
    """One proof to make: the caller's name for it (``tag``) and the circuit's inputs."""

    tag: str
    inputs: Mapping[str, str]


@dataclass(frozen=True)
class ProofResult:
    """A finished job: the public inputs and proof, or a one-line ``error``; ``seconds`` the worker spent."""

    tag: str
    public: list[int] | None = None
    proof: Proof | None = None
    error: str | None = None
    seconds: float = 0.0


# --- the worker's side ---------------------------------------------------------------------------

# Parsed proving keys of this worker process, by the SHA-256 of their file bytes.
_KEYS: dict[str, ProvingKey] = {}


def install_key(digest: str, data: bytes) -> ProvingKey:
    """Parse a shipped proving key once per process (checked against its digest); prove in this process only."""
    pk = _KEYS.get(digest)
    if pk is None:
        from zkopt.groth16 import proving_key_file

        if hashlib.sha256(data).hexdigest() != digest:
            raise MalformedKey("the shipped proving key does not match its SHA-256")
        pk = proving_key_file.loads(data)
        _KEYS.clear()  # one batch, one key: a long-lived worker keeps only the newest
        _KEYS[digest] = pk
    os.environ["ZKOPT_PROCESSES"] = "1"
    return pk


def prove_inputs(pk: ProvingKey, inputs: Mapping[str, object]) -> tuple[list[int], Proof]:
    """Solve the circuit that ``pk`` names for ``inputs`` and prove it: (public inputs, proof)."""
    from zkopt import circuits, r1cs
    from zkopt.groth16 import prove

    try:
        instance = circuits.build(pk.circuit, pk.params)
    except ValueError as exc:
        raise MalformedKey(f"proving key names {exc}") from None
    witness = r1cs.solve(instance, dict(inputs))
    return list(witness.public), prove(pk, witness)


def prove_job(digest: str, data: bytes | None, inputs: Mapping[str, str]) -> dict:
    """A worker's task: prove ``inputs`` with the key ``digest`` (``data``: its bytes, unless already installed).

    Answers ``{"public", "proof", "seconds"}`` in snarkjs JSON, or
    ``{"error": one line}`` for a job that cannot be proved.
    """
    from zkopt.groth16 import snarkjs

    start = time.perf_counter()
    try:
        pk = _KEYS.get(digest)
        if pk is None:
            if data is None:
                raise MalformedKey("this worker has no copy of the proving key")
            pk = install_key(digest, data)
        public, proof = prove_inputs(pk, inputs)
    except (ZkoptError, ValueError, TypeError) as exc:
        return {"error": " ".join(str(exc).split()) or exc.__class__.__name__}
    return {
        "public": snarkjs.public_to_json(public),
        "proof": snarkjs.proof_to_json(proof),
        "seconds": time.perf_counter() - start,
    }


# --- the caller's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedKey:
    """A proving key as it travels: its ``.zkpk`` bytes and their SHA-256 (hex)."""

    data: bytes
    digest: str

    @classmethod
    def of(cls, pk: ProvingKey) -> ShippedKey:
        from zkopt.groth16 import proving_key_file

        data = proving_key_file.dumps(pk)
        return cls(data, hashlib.sha256(data).hexdigest())


def read_answer(tag: str, answer: object) -> ProofResult:
    """A worker's answer read back strictly (points on the curve and in the subgroup, inputs < r)."""
    from zkopt.groth16 import snarkjs

    if not isinstance(answer, dict):
        return ProofResult(tag, error="the worker's answer is not a proof")
    if "error" in answer:
        return ProofResult(tag, error=str(answer["error"]))
    try:
        public = snarkjs.public_from_json(answer.get("public"))
        proof = snarkjs.proof_from_json(answer.get("proof"))
        seconds = float(answer.get("seconds", 0.0))
    except (MalformedInput, TypeError, ValueError) as exc:
        return ProofResult(tag, error=f"the worker's answer is unusable: {exc}")
    return ProofResult(tag, public, proof, seconds=seconds)


def _failure(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


class Provers:
    """Where proofs run. ``prove(pk, jobs)`` yields one ProofResult per job, in the order they finish."""

    def prove(self, pk: ProvingKey, jobs: Sequence[ProofJob]) -> Iterator[ProofResult]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Provers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalPool(Provers):
    """A process pool on this machine, one process per core by default; the key is parsed once per process.

    Processes are started with ``spawn`` (a fresh interpreter: nothing of the
    caller's state, its wallet included, is inherited) and kept between
    batches with the same key. ``restarts`` counts how often a broken pool
    was rebuilt.
    """

    def __init__(self, workers: int | None = None):
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise MalformedInput(f"the number of workers must be a positive integer, got {shown(workers)}")
        self.workers = workers or os.cpu_count() or 1
        self.restarts = 0
        self._executor: ProcessPoolExecutor | None = None
        self._digest: str | None = None

    def describe(self) -> str:
        return f"a local pool of {self.workers} process{'es' if self.workers > 1 else ''}"

    def _start(self, key: ShippedKey) -> ProcessPoolExecutor:
        self.close()
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=install_key,
            initargs=(key.digest, key.data),
        )
        self._digest = key.digest
        return self._executor

    def _submit(self, key: ShippedKey, jobs: Sequence[ProofJob]) -> dict:
        try:
            return {self._executor.submit(prove_job, key.digest, None, dict(job.inputs)): job for job in jobs}
        except BrokenProcessPool:  # a process died after the last batch, while the pool was idle
            self.restarts += 1
            self._start(key)
            return {self._executor.submit(prove_job, key.digest, None, dict(job.inputs)): job for job in jobs}

    def prove(self, pk: ProvingKey, jobs: Sequence[ProofJob]) -> Iterator[ProofResult]:
        key = ShippedKey.of(pk)
        if self._executor is None or self._digest != key.digest:
            self._start(key)
        todo, pending, restarts = list(jobs), {}, 0
        try:
            while todo:
                pending, todo = self._submit(key, todo), []
                for future in as_completed(list(pending)):
                    job = pending.pop(future)
                    try:
                        answer = future.result()
                    except BrokenProcessPool:
                        todo.append(job)
                        continue
                    except Exception as exc:  # noqa: BLE001 - a job's own failure is reported, the others go on
                        yield ProofResult(job.tag, error=_failure(exc))
                        continue
                    yield read_answer(job.tag, answer)
                if todo and restarts == MAX_RESTARTS:
                    reason = f"a process of the proving pool died while proving it ({MAX_RESTARTS + 1} times in this batch)"
                    for job in todo:
                        yield ProofResult(job.tag, error=reason)
                    return
                if todo:
                    restarts += 1
                    self.restarts += 1
                    self._start(key)
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            self._digest = None


class DaskCluster(Provers):
    """An existing Dask cluster (``dask scheduler`` + ``dask worker``s), reached at ``address`` (tcp://HOST:PORT).

    Every worker needs this version of zkopt installed. The key's bytes are
    scattered to all workers once per key; each job carries only its inputs.
    """

    def __init__(self, address: str, timeout: float = 10.0):
        try:
            import distributed
        except ImportError:
            raise MalformedInput("proving on a Dask cluster needs dask.distributed: pip install 'zkopt[dask]'") from None
        self.address = address
        try:
            self.client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise MalformedInput(f"no Dask scheduler answers at {shown(address)}: {' '.join(str(exc).split())}") from None
        self._scattered: dict[str, object] = {}

    def describe(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"the Dask cluster at {self.address} ({workers} worker{'s' if workers != 1 else ''})"

    def prove(self, pk: ProvingKey, jobs: Sequence[ProofJob]) -> Iterator[ProofResult]:
        import distributed

        key = ShippedKey.of(pk)
        data = self._scattered.get(key.digest)
        if data is None:
            self._scattered.clear()
            data = self._scattered[key.digest] = self.client.scatter(key.data, broadcast=True, hash=False)
        batch = uuid.uuid4().hex[:8]
        pending = {
            self.client.submit(
                prove_job, key.digest, data, dict(job.inputs), pure=False, key=f"zkopt-prove-{batch}-{i}"
            ): job
            for i, job in enumerate(jobs)
        }
        try:
            for future in distributed.as_completed(list(pending), loop=self.client.loop):
                job = pending.pop(future)
                try:
                    answer = future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost key, a cancelled job: reported
                    yield ProofResult(job.tag, error=_failure(exc))
                    continue
                finally:
                    future.release()
                yield read_answer(job.tag, answer)
        finally:
            if pending:
                self.client.cancel(list(pending))

    def close(self) -> None:
        self.client.close()


__all__ = [
    "MAX_RESTARTS",
    "DaskCluster",
    "LocalPool",
    "ProofJob",
    "ProofResult",
    "Provers",
    "ShippedKey",
    "install_key",
    "prove_inputs",
    "prove_job",
    "read_answer",
]
