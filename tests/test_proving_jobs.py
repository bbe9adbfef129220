"""zkopt.proving_jobs with the small ``chain`` circuit: the worker's task, the strict reading of answers, the pool.

The real settle circuit on a pool and on a Dask cluster is tests/test_expiry.py.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time

import pytest

from zkopt import proving_jobs, r1cs
from zkopt.circuits import build
from zkopt.errors import MalformedInput, MalformedKey
from zkopt.field import R
from zkopt.groth16 import setup, verify
from zkopt.proving_jobs import (
    LocalPool,
    ProofJob,
    ShippedKey,
    install_key,
    prove_job,
    read_answer,
)


@pytest.fixture(scope="module")
def chain_key():
    return setup(r1cs.compile(build("chain", {"n": 64})), random.Random(5))


def test_a_job_answers_in_snarkjs_json_and_reads_back_as_a_valid_proof(chain_key):
    key = ShippedKey.of(chain_key)
    answer = prove_job(key.digest, key.data, {"x": "3"})
    assert set(answer) == {"public", "proof", "seconds"}
    assert answer["public"] == [str(pow(3, 65, R))]
    result = read_answer("a", answer)
    assert result.error is None and result.public == [pow(3, 65, R)]
    verify(chain_key.vk, result.public, result.proof)
    # Installed once: the same digest needs no bytes any more.
    assert read_answer("b", prove_job(key.digest, None, {"x": "4"})).public == [pow(4, 65, R)]


def test_a_job_that_cannot_be_proved_answers_one_line(chain_key):
    key = ShippedKey.of(chain_key)
    assert prove_job("00" * 32, None, {"x": "3"}) == {"error": "this worker has no copy of the proving key"}
    bad = prove_job(key.digest, key.data, {"x": "three"})
    assert set(bad) == {"error"} and "\n" not in bad["error"] and "x" in bad["error"]
    assert read_answer("c", bad).error == bad["error"]


def test_a_shipped_key_must_match_its_digest(chain_key):
    key = ShippedKey.of(chain_key)
    with pytest.raises(MalformedKey, match="does not match its SHA-256"):
        install_key("11" * 32, key.data)
    tampered = key.data[:-1] + bytes([key.data[-1] ^ 1])
    assert "does not match" in prove_job(key.digest[:-1] + "0", tampered, {"x": "3"})["error"]


def test_answers_are_read_strictly(chain_key):
    key = ShippedKey.of(chain_key)
    good = prove_job(key.digest, key.data, {"x": "3"})
    off_curve = {**good, "proof": {**good["proof"], "pi_a": ["1", "3", "1"]}}
    assert read_answer("d", off_curve).error.startswith("the worker's answer is unusable:")
    assert read_answer("e", {**good, "public": [str(R)]}).error.startswith("the worker's answer is unusable:")
    assert read_answer("f", ["not", "a", "dict"]).error == "the worker's answer is not a proof"
    assert read_answer("g", {"public": good["public"]}).error.startswith("the worker's answer is unusable:")


def test_the_pool_proves_every_job_and_reports_the_bad_one(chain_key):
    jobs = [ProofJob(str(x), {"x": str(x)}) for x in range(2, 6)] + [ProofJob("bad", {"x": "-1"})]
    with LocalPool(2) as pool:
        assert pool.describe() == "a local pool of 2 processes"
        results = {r.tag: r for r in pool.prove(chain_key, jobs)}
        again = list(pool.prove(chain_key, jobs[:1]))  # the same pool and key serve the next batch
    assert sorted(results) == ["2", "3", "4", "5", "bad"]
    for x in range(2, 6):
        verify(chain_key.vk, results[str(x)].public, results[str(x)].proof)
    assert results["bad"].error and results["bad"].proof is None
    assert again[0].public == results["2"].public and pool.restarts == 0
    assert LocalPool(1).describe() == "a local pool of 1 process"
    for workers in (0, -1, True, 1.5):
        with pytest.raises(MalformedInput, match="positive integer"):
            LocalPool(workers)


def _kill_pool_children(stop: threading.Event) -> None:
    while not stop.is_set():
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
        time.sleep(0.01)


def test_a_pool_broken_while_idle_is_rebuilt_for_the_next_batch(chain_key):
    with LocalPool(1) as pool:
        assert len(list(pool.prove(chain_key, [ProofJob("a", {"x": "3"})]))) == 1
        (child,) = multiprocessing.active_children()
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        (result,) = pool.prove(chain_key, [ProofJob("b", {"x": "4"})])
    assert result.public == [pow(4, 65, R)] and pool.restarts == 1


def test_a_pool_that_keeps_breaking_reports_its_jobs_failed(chain_key, monkeypatch):
    monkeypatch.setattr(proving_jobs, "MAX_RESTARTS", 1)
    stop = threading.Event()
    killer = threading.Thread(target=_kill_pool_children, args=(stop,), daemon=True)
    killer.start()
    try:
        with LocalPool(1) as pool:
            results = list(pool.prove(chain_key, [ProofJob("a", {"x": "3"}), ProofJob("b", {"x": "4"})]))
    finally:
        stop.set()
        killer.join()
    assert sorted(r.tag for r in results) == ["a", "b"]
    assert {r.error for r in results} == {"a process of the proving pool died while proving it (2 times in this batch)"}
    assert pool.restarts == 1
