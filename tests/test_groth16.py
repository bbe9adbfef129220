"""Groth16 end to end on small circuits, and every way a verifier must refuse."""

import dataclasses
import random

import pytest

from zkopt import curve, r1cs
from zkopt.circuits.chain import Chain
from zkopt.errors import InvalidPoint, InvalidProof, MalformedKey, MalformedProof, Unsatisfied
from zkopt.field import R
from zkopt.groth16 import Proof, prepare, prove, setup, verify, verify_batch
from zkopt.groth16 import proving_key_file
from tests.sample_circuits import TwoPublic


@pytest.fixture(scope="module")
def chain_setup():
    rng = random.Random(1)
    circuit = Chain(3)
    pk = setup(r1cs.compile(circuit), rng)
    witness = r1cs.solve(circuit, {"x": "3"})
    proof = prove(pk, witness, rng)
    return pk, witness, proof


@pytest.fixture(scope="module")
def two_public_setup():
    rng = random.Random(2)
    circuit = TwoPublic()
    pk = setup(r1cs.compile(circuit), rng)
    witness = r1cs.solve(circuit, {"a": "5", "b": "7", "x": "11"})
    return pk, witness, prove(pk, witness, rng)


def test_round_trip(chain_setup):
    pk, witness, proof = chain_setup
    assert witness.public == [81]
    verify(pk.vk, witness.public, proof)
    verify(prepare(pk.vk), witness.public, proof)


def test_public_signals_order_outputs_then_inputs(two_public_setup):
    pk, witness, proof = two_public_setup
    assert witness.public == [5 * 7 + 11 * 11, 5, 7]
    verify(pk.vk, witness.public, proof)
    with pytest.raises(InvalidProof):
        verify(pk.vk, [5, 5 * 7 + 11 * 11, 7], proof)


def test_same_witness_gives_different_proofs(chain_setup):
    pk, witness, proof = chain_setup
    again = prove(pk, witness, random.Random(99))
    assert again != proof
    verify(pk.vk, witness.public, again)


def test_changed_public_input_is_invalid(chain_setup):
    pk, witness, proof = chain_setup
    with pytest.raises(InvalidProof):
        verify(pk.vk, [witness.public[0] + 1], proof)


def test_public_input_plus_r_is_malformed(chain_setup):
    pk, witness, proof = chain_setup
    with pytest.raises(MalformedProof, match="canonical"):
        verify(pk.vk, [witness.public[0] + R], proof)
    with pytest.raises(MalformedProof, match="canonical"):
        verify(pk.vk, [-1], proof)


@pytest.mark.parametrize("public", [[], [81, 81]])
def test_wrong_number_of_public_inputs_is_malformed(chain_setup, public):
    pk, _, proof = chain_setup
    with pytest.raises(MalformedProof, match="expected 1 public inputs"):
        verify(pk.vk, public, proof)


def test_swapped_a_and_c_is_invalid(chain_setup):
    pk, witness, proof = chain_setup
    with pytest.raises(InvalidProof):
        verify(pk.vk, witness.public, Proof(a=proof.c, b=proof.b, c=proof.a))


def test_proof_from_another_statement_is_invalid(chain_setup, two_public_setup):
    pk, witness, _ = chain_setup
    _, _, other = two_public_setup
    with pytest.raises(InvalidProof):
        verify(pk.vk, witness.public, other)


def test_g2_coordinates_in_wrong_order_are_refused(chain_setup):
    pk, witness, proof = chain_setup
    (x0, x1), (y0, y1) = proof.b
    swapped = Proof(a=proof.a, b=((x1, x0), (y1, y0)), c=proof.c)
    # c1-first order (as in EIP-197) describes another Fq2 point, off the twist curve.
    with pytest.raises(MalformedProof, match="proof.B is not on the curve"):
        verify(pk.vk, witness.public, swapped)


def test_point_off_the_curve_is_malformed(chain_setup):
    pk, witness, proof = chain_setup
    x, y = proof.a
    with pytest.raises(MalformedProof, match="not on the curve"):
        verify(pk.vk, witness.public, dataclasses.replace(proof, a=(x, (y + 1) % curve.Q)))


def test_point_at_infinity_is_malformed(chain_setup):
    pk, witness, proof = chain_setup
    with pytest.raises(MalformedProof, match="infinity"):
        verify(pk.vk, witness.public, dataclasses.replace(proof, c=None))
    with pytest.raises(MalformedProof, match="infinity"):
        verify(pk.vk, witness.public, dataclasses.replace(proof, b=None))


def test_coordinate_not_below_q_is_malformed(chain_setup):
    pk, witness, proof = chain_setup
    x, y = proof.a
    with pytest.raises(MalformedProof):
        verify(pk.vk, witness.public, dataclasses.replace(proof, a=(x + curve.Q, y)))


def test_g2_point_outside_the_subgroup_is_malformed(chain_setup, g2_outside_subgroup):
    pk, witness, proof = chain_setup
    with pytest.raises(MalformedProof, match="subgroup"):
        verify(pk.vk, witness.public, dataclasses.replace(proof, b=g2_outside_subgroup))


def test_bad_verifying_key_is_malformed(chain_setup, g2_outside_subgroup):
    pk, witness, proof = chain_setup
    with pytest.raises(MalformedKey, match="subgroup"):
        verify(dataclasses.replace(pk.vk, delta_g2=g2_outside_subgroup), witness.public, proof)
    x, y = pk.vk.alpha_g1
    with pytest.raises(MalformedKey, match="not on the curve"):
        verify(dataclasses.replace(pk.vk, alpha_g1=(x, (y + 1) % curve.Q)), witness.public, proof)


def test_unsatisfied_witness_gives_no_proof(chain_setup):
    pk, witness, _ = chain_setup
    values = list(witness.values)
    values[1] = (values[1] + 1) % R
    with pytest.raises(Unsatisfied, match="chain/y"):
        prove(pk, dataclasses.replace(witness, values=values))


def test_proving_key_for_another_circuit_is_refused(chain_setup):
    pk, _, _ = chain_setup
    with pytest.raises(MalformedKey, match="another circuit"):
        prove(pk, r1cs.solve(Chain(4), {"x": "3"}))


def test_proving_key_file_round_trip(chain_setup):
    pk, witness, _ = chain_setup
    loaded = proving_key_file.loads(proving_key_file.dumps(pk))
    assert loaded == pk
    verify(loaded.vk, witness.public, prove(loaded, witness))


@pytest.mark.parametrize("cut", [1, 32, 100])
def test_truncated_proving_key_is_malformed(chain_setup, cut):
    pk, _, _ = chain_setup
    data = proving_key_file.dumps(pk)
    with pytest.raises(MalformedKey):
        proving_key_file.loads(data[:-cut])


def test_corrupted_proving_key_is_malformed(chain_setup):
    pk, _, _ = chain_setup
    data = bytearray(proving_key_file.dumps(pk))
    data[len(data) // 2] ^= 1
    with pytest.raises(MalformedKey, match="checksum"):
        proving_key_file.loads(bytes(data))
    with pytest.raises(MalformedKey, match="magic"):
        proving_key_file.loads(b"NOTAKEY!" + bytes(data[8:]))


def test_batch_verification(chain_setup):
    pk, witness, _ = chain_setup
    rng = random.Random(5)
    items = [(witness.public, prove(pk, witness, rng)) for _ in range(4)]
    verify_batch(pk.vk, items, rng)
    verify_batch(pk.vk, [], rng)


def test_batch_with_one_bad_proof_names_it(chain_setup):
    pk, witness, _ = chain_setup
    rng = random.Random(6)
    items = [(witness.public, prove(pk, witness, rng)) for _ in range(4)]
    items[2] = ([witness.public[0] + 1], items[2][1])
    with pytest.raises(InvalidProof) as info:
        verify_batch(pk.vk, items, rng)
    assert info.value.indices == [2]
    assert "#2" in str(info.value)


def test_batch_with_malformed_member_is_malformed(chain_setup):
    pk, witness, proof = chain_setup
    with pytest.raises(MalformedProof, match="proof 1"):
        verify_batch(pk.vk, [(witness.public, proof), ([R], proof)])


def test_two_process_prover_matches_the_single_process_one(monkeypatch):
    # Large enough for the forked worker (>= 256 terms), so the C MSM is split.
    circuit = Chain(300)
    pk = setup(r1cs.compile(circuit), random.Random(11))
    witness = r1cs.solve(circuit, {"x": "5"})
    parallel = prove(pk, witness, random.Random(12))
    monkeypatch.setenv("ZKOPT_PROCESSES", "1")
    single = prove(pk, witness, random.Random(12))
    assert parallel == single
    verify(pk.vk, witness.public, parallel)


def test_fast_and_reference_backends_give_the_same_keys_and_proof():
    circuit = TwoPublic()
    shape = r1cs.compile(circuit)
    witness = r1cs.solve(circuit, {"a": "2", "b": "9", "x": "4"})
    fast_pk = setup(shape, random.Random(21))
    fast_proof = prove(fast_pk, witness, random.Random(22))
    with curve.backend.use("reference"):
        ref_pk = setup(shape, random.Random(21))
        ref_proof = prove(ref_pk, witness, random.Random(22))
        verify(ref_pk.vk, witness.public, ref_proof)
    assert ref_pk == fast_pk
    assert ref_proof == fast_proof


def _with_fresh_checksum(body: bytes) -> bytes:
    import hashlib

    return body + hashlib.sha256(body).digest()


@pytest.mark.parametrize("section_from_end", [64, 128 * 3 + 64])
def test_proving_key_point_off_the_curve_is_malformed_even_with_a_valid_checksum(chain_setup, section_from_end):
    # The last 32 bytes are the checksum; before them come b_g2_query (G2) points.
    pk, _, _ = chain_setup
    body = bytearray(proving_key_file.dumps(pk)[:-32])
    body[-section_from_end] ^= 1
    with pytest.raises(MalformedKey, match="not on the curve|>= q"):
        proving_key_file.loads(_with_fresh_checksum(bytes(body)))


def test_bulk_point_decoders_agree_with_the_single_ones(chain_setup):
    pk, _, _ = chain_setup
    g1 = [p for p in pk.h_query + pk.a_query]
    g2 = [p for p in pk.b_g2_query]
    assert curve.g1_points_from_bytes(b"".join(map(curve.g1_to_bytes, g1)), "x") == g1
    assert curve.g2_points_from_bytes(b"".join(map(curve.g2_to_bytes, g2)), "x") == g2
    x, y = pk.alpha_g1
    bad = curve.g1_to_bytes(pk.alpha_g1)[:32] + (y + 1).to_bytes(32, "big")
    with pytest.raises(InvalidPoint, match=r"x\[0\] is not on the curve"):
        curve.g1_points_from_bytes(bad, "x")
    with pytest.raises(InvalidPoint, match="whole number"):
        curve.g1_points_from_bytes(bytes(65), "x")
