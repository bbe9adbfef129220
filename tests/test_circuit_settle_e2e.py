"""Settle end to end at the production depth 20: one setup, three proofs, each checked by zkopt and by snarkjs.

The only Groth16 run of a real circuit at full size in the suite (marked slow,
but part of the default run). Cases: an in-the-money call, an out-of-the-money
put, and a payout capped at the collateral; each also with a tampered public
input (the settlement price), which both verifiers must reject.
"""

from __future__ import annotations

import json
import random
import subprocess

import pytest

from tests.circuit_fixtures import SCALE, World
from zkopt import r1cs
from zkopt.circuits import settle
from zkopt.circuits.settle import Settle
from zkopt.errors import InvalidProof
from zkopt.groth16 import prepare, prove, setup, snarkjs, verify
from zkopt.native.notes import CALL, PUT

pytestmark = [pytest.mark.interop, pytest.mark.slow]

DEPTH = 20
SEED = 20_2026

# name: (kind, price, expected payout); K = 100, q = 1.5, collateral 80 (SCALE units).
CASES = {
    "itm-call": (CALL, 130 * SCALE, 45 * SCALE),
    "otm-put": (PUT, 130 * SCALE, 0),
    "capped-call": (CALL, 200 * SCALE, 80 * SCALE),
}


@pytest.fixture(scope="module")
def keys():
    rng = random.Random(SEED)
    shape = r1cs.compile(Settle(depth=DEPTH))
    return shape, setup(shape, rng)


@pytest.fixture(scope="module")
def proofs(keys):
    """For each case: (public inputs, proof), proved against one depth-20 tree holding all three options."""
    shape, pk = keys
    rng = random.Random(SEED + 1)
    world = World(rng, depth=DEPTH)
    notes = {name: world.option(kind=kind) for name, (kind, _, _) in CASES.items()}
    indices = {name: world.add_option(note) for name, note in notes.items()}
    out = {}
    for name, (_, price, payout) in CASES.items():
        witness = r1cs.solve(Settle(depth=DEPTH), settle.inputs(notes[name], world.tree.membership(indices[name]), price))
        holder, writer = notes[name].settlement_notes(price)
        assert (holder.amount, writer.amount) == (payout, notes[name].collateral - payout)
        assert witness.public[5:] == [holder.commitment(), writer.commitment()]
        out[name] = (witness.public, prove(pk, witness, rng))
    return out


def _snarkjs_verify(node_tools, directory, vk, public, proof) -> subprocess.CompletedProcess:
    paths = {"vk": directory / "vk.json", "public": directory / "public.json", "proof": directory / "proof.json"}
    paths["vk"].write_text(snarkjs.dumps(snarkjs.vk_to_json(vk)))
    paths["public"].write_text(snarkjs.dumps(snarkjs.public_to_json(public)))
    paths["proof"].write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    cmd = [*node_tools.snarkjs(), "groth16", "verify", str(paths["vk"]), str(paths["public"]), str(paths["proof"])]
    return subprocess.run(cmd, cwd=directory, capture_output=True, text=True, timeout=300)


def test_the_production_shape(keys):
    shape, pk = keys
    assert shape.public_names == list(settle.PUBLIC)
    assert pk.n_public == 7 and pk.domain_size == 8192


@pytest.mark.parametrize("case", sorted(CASES))
def test_settlement_proof_verifies_in_zkopt_and_snarkjs(keys, proofs, node_tools, tmp_path, case):
    _, pk = keys
    public, proof = proofs[case]
    verify(pk.vk, public, proof)
    verify(prepare(pk.vk), public, proof)
    done = _snarkjs_verify(node_tools, tmp_path, pk.vk, public, proof)
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_tampered_price_is_rejected_by_both(keys, proofs, node_tools, tmp_path, case):
    _, pk = keys
    public, proof = proofs[case]
    tampered = list(public)
    tampered[settle.PUBLIC.index("price")] += 1
    with pytest.raises(InvalidProof):
        verify(pk.vk, tampered, proof)
    done = _snarkjs_verify(node_tools, tmp_path, pk.vk, tampered, proof)
    assert done.returncode != 0 and "Invalid proof" in done.stdout + done.stderr, done.stdout + done.stderr
    # The proof files themselves round-trip: what snarkjs read is what zkopt wrote.
    assert snarkjs.public_from_json(json.loads((tmp_path / "public.json").read_text())) == tampered
