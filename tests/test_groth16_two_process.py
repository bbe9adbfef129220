"""Batch verification on two processes (``TwoProcessVerifier``): the same verdicts as ``verify_batch``,
with either half judged by the helper, a malformed proof named here, and a dead helper costing no verdict."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from zkopt import r1cs
from zkopt.circuits.chain import Chain
from zkopt.errors import InvalidProof, MalformedProof
from zkopt.field import R
from zkopt.groth16 import prove, setup
from zkopt.groth16.two_process import TwoProcessVerifier


@pytest.fixture(scope="module")
def batch():
    rng = random.Random(21)
    circuit = Chain(3)
    pk = setup(r1cs.compile(circuit), rng)
    witness = r1cs.solve(circuit, {"x": "3"})
    return pk.vk, [(list(witness.public), prove(pk, witness, rng)) for _ in range(8)]


@pytest.fixture(scope="module", params=[0.5, 0], ids=["half-here", "all-in-helper"])
def verifier(request):
    with TwoProcessVerifier(local_share=request.param) as running:
        yield running


def _spoiled(items, *positions):
    out = list(items)
    for j in positions:
        public, proof = out[j]
        out[j] = ([(public[0] + 1) % R], proof)
    return out


def test_a_good_batch_holds(batch, verifier):
    vk, items = batch
    verifier.verify_batch(vk, items)
    verifier.verify_batch(vk, items[:2])  # too few to split, unless the helper takes everything
    verifier.verify_batch(vk, [])
    assert verifier.failures == 0
    with pytest.raises(InvalidProof) as info:
        verifier.verify_batch(vk, _spoiled(items[:2], 1))
    assert info.value.indices == [1]


def test_a_share_is_a_fraction_below_one():
    for share in (-0.1, 1, 2):
        with pytest.raises(ValueError, match="local_share"):
            TwoProcessVerifier(local_share=share)


@pytest.mark.parametrize("bad", [[1], [6], [0, 7], [2, 3, 4, 5]])
def test_every_bad_proof_is_named_whichever_half_holds_it(batch, verifier, bad):
    vk, items = batch
    with pytest.raises(InvalidProof) as info:
        verifier.verify_batch(vk, _spoiled(items, *bad))
    assert info.value.indices == bad
    assert str(info.value).startswith(f"{len(bad)} of 8 proofs do not verify")
    assert verifier.failures == 0


def test_a_malformed_proof_is_named_by_its_place_in_the_whole_batch(batch, verifier):
    vk, items = batch
    items = list(items)
    items[5] = ([R], items[5][1])
    with pytest.raises(MalformedProof, match="proof 5: public input 0 is not a canonical field element"):
        verifier.verify_batch(vk, items)


def test_a_killed_helper_costs_no_verdict_and_is_started_again(batch, verifier):
    vk, items = batch
    verifier.start()
    (pid,) = verifier._helper._processes
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(InvalidProof) as info:
        verifier.verify_batch(vk, _spoiled(items, 6))
    assert info.value.indices == [6] and verifier.failures == 1
    verifier.verify_batch(vk, items)
    (again,) = verifier._helper._processes
    assert again != pid and verifier.failures == 1
    with pytest.raises(InvalidProof) as info:
        verifier.verify_batch(vk, _spoiled(items, 7))
    assert info.value.indices == [7]


def test_with_one_process_nothing_is_started(batch, monkeypatch):
    monkeypatch.setenv("ZKOPT_PROCESSES", "1")
    vk, items = batch
    with TwoProcessVerifier() as alone:
        with pytest.raises(InvalidProof) as info:
            alone.verify_batch(vk, _spoiled(items, 4))
        assert info.value.indices == [4] and alone._helper is None


def test_the_helper_ends_with_the_process_that_started_it():
    owner = subprocess.Popen(
        [sys.executable, "-c", "import time\nfrom zkopt.groth16.two_process import TwoProcessVerifier\n"
         "v = TwoProcessVerifier(); v.start(); print(*v._helper._processes, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        helper = int(owner.stdout.readline())
        os.kill(helper, 0)  # running
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(helper, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("the helper outlived the process that started it")
