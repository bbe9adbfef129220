"""Phase 2: the init key from a ptau, contributions, beacon, verification and every way it fails; proving with the keys."""

from __future__ import annotations

import dataclasses
import random

import pytest

from tests.ceremony_helpers import ptau_with_secrets
from tests.sample_circuits import TwoPublic
from zkopt import curve, r1cs
from zkopt.ceremony import phase2, transcript
from zkopt.circuits.chain import Chain
from zkopt.errors import InvalidProof, InvalidTranscript, MalformedKey
from zkopt.field import R
from zkopt.groth16 import prove, proving_key_file, qap, verify, zkey
from zkopt.poly import Domain

TAU, ALPHA, BETA = 31337, 4242, 777
BEACON = bytes(range(32))


@pytest.fixture(scope="module")
def pot():
    return ptau_with_secrets(4, TAU, ALPHA, BETA)


@pytest.fixture(scope="module")
def shape():
    return r1cs.compile(Chain(6))


@pytest.fixture(scope="module")
def keys(pot, shape):
    init = phase2.new(shape, pot)
    one, h1 = phase2.contribute(init, "alice", "alice")
    two, h2 = phase2.contribute(one, "bob", "bob")
    final, h3 = phase2.beacon(two, BEACON, 10, "beacon")
    return {"init": init, "one": one, "final": final, "hashes": [h1, h2, h3]}


def test_the_init_key_is_the_circuits_qap_at_tau(pot, shape, keys):
    init = keys["init"]
    domain = qap.domain_for(shape)
    u, v, w = qap.evaluate_at(shape, domain, TAU)
    g1 = lambda k: curve.g1_mul(curve.G1_GENERATOR, k % R)  # noqa: E731
    assert init.a == [g1(x) for x in u] and init.b1 == [g1(x) for x in v]
    assert init.b2 == [curve.g2_mul(curve.G2_GENERATOR, x) for x in v]
    combined = [BETA * a + ALPHA * b + c for a, b, c in zip(u, v, w)]
    assert init.ic == [g1(x) for x in combined[: shape.n_public + 1]]
    assert init.c == [g1(x) for x in combined[shape.n_public + 1 :]]
    assert init.h == [g1(x) for x in Domain(2 * domain.size).lagrange_at(TAU)[1::2]]
    assert (init.alpha_1, init.beta_1) == (g1(ALPHA), g1(BETA))
    assert init.delta_1 == curve.G1_GENERATOR and init.contributions == []
    assert zkey.loads(zkey.dumps(init)).cs_hash == init.cs_hash and init.order == zkey.NEW_ORDER


def test_contributions_verify_and_list_their_hashes(pot, shape, keys):
    final = zkey.loads(zkey.dumps(keys["final"]))
    report = phase2.verify(final, shape, pot)
    assert [c.hash for c in report.contributions] == keys["hashes"]
    assert [(c.name, c.kind) for c in report.contributions] == [("alice", 0), ("bob", 0), ("beacon", 1)]
    assert report.cs_hash == keys["init"].cs_hash and len(report.transcript_hash) == 64
    assert phase2.verify(keys["init"], shape, pot).contributions == ()
    # only delta, L, H and the records change
    init = keys["init"]
    assert (final.a, final.b2, final.ic, final.coeffs) == (init.a, init.b2, init.ic, init.coeffs)
    assert final.c != init.c and final.h != init.h


def test_the_final_key_proves_and_delta_is_the_product(keys, shape):
    final = keys["final"]
    witness = r1cs.solve(Chain(6), {"x": "3"})
    proof = prove(final.to_proving_key(shape.name, shape.params, shape.digest()), witness, random.Random(1))
    verify(final.verifying_key(), witness.public, proof)
    with pytest.raises(InvalidProof):
        verify(final.verifying_key(), [witness.public[0] + 1], proof)
    with pytest.raises(InvalidProof):  # a proof for the init key (delta = 1) is no proof for the final key
        verify(final.verifying_key(), witness.public,
               prove(keys["init"].to_proving_key(shape.name, shape.params, shape.digest()), witness))


def test_an_imported_zkey_proving_key_round_trips_as_zkpk_version_2(keys, shape):
    pk = keys["final"].to_proving_key(shape.name, shape.params, shape.digest())
    data = proving_key_file.dumps(pk)
    assert data[8:10] == b"\x00\x02"
    back = proving_key_file.loads(data)
    assert back.h_form == "odd-coset" and back.h_query == pk.h_query and len(back.h_query) == pk.domain_size
    witness = r1cs.solve(Chain(6), {"x": "5"})
    verify(back.vk, witness.public, prove(back, witness))
    bad = bytearray(data)
    bad[9] = 3
    with pytest.raises(MalformedKey, match="unsupported proving key version 3"):
        proving_key_file.loads(bytes(bad))


def _with_record(key, index, **changes):
    records = list(key.contributions)
    records[index] = dataclasses.replace(records[index], **changes)
    return key.replace(contributions=records)


def test_verification_names_the_first_bad_contribution(pot, shape, keys):
    final = keys["final"]
    bob = final.contributions[1]
    wrong_g1 = curve.g1_mul(curve.G1_GENERATOR, 99)
    cases = [
        (_with_record(final, 1, g2_spx=curve.g2_mul(curve.G2_GENERATOR, 5)), 2, "proof of knowledge"),
        (_with_record(final, 0, transcript=bytes(64)), 1, "transcript hash"),
        (_with_record(final, 1, g1_sx=wrong_g1), 2, "transcript hash"),
        (_with_record(final, 1, delta_after=curve.g1_mul(bob.delta_after, 2)), 2, "deltaAfter"),
        (_with_record(final, 2, iterations_exp=12), 3, "beacon's key"),
        (final.replace(cs_hash=bytes(64)), 1, "transcript hash"),
    ]
    for bad, index, fragment in cases:
        with pytest.raises(InvalidTranscript, match=f"contribution #{index}.*{fragment}") as info:
            phase2.verify(bad, shape, pot)
        assert info.value.contribution == index
    with pytest.raises(InvalidTranscript, match="delta_1 is not the last contribution's deltaAfter"):
        phase2.verify(final.replace(delta_1=wrong_g1), shape, pot)
    with pytest.raises(InvalidTranscript, match="delta_2 does not match"):
        phase2.verify(final.replace(delta_2=curve.g2_mul(final.delta_2, 2)), shape, pot)


def test_verification_checks_the_key_against_the_circuit_and_the_ptau(pot, shape, keys):
    final = keys["final"]
    bump = lambda points, i: [curve.g1_add(p, curve.G1_GENERATOR) if j == i else p for j, p in enumerate(points)]  # noqa: E731
    cases = [
        (final.replace(a=bump(final.a, 3)), "the A points"),
        (final.replace(b1=bump(final.b1, 2)), "the B1 points"),
        (final.replace(b2=[curve.g2_neg(p) if j == 2 else p for j, p in enumerate(final.b2)]), "the B2 points"),
        (final.replace(ic=bump(final.ic, 1)), "the IC points"),
        (final.replace(c=bump(final.c, 0)), "the L points"),
        (final.replace(h=bump(final.h, 5)), "the H points"),
        (final.replace(coeffs=[(m, r, w, (v + 1) % R if i == 0 else v) for i, (m, r, w, v) in enumerate(final.coeffs)]),
         "coefficients are not the circuit's"),
    ]
    for bad, fragment in cases:
        with pytest.raises(InvalidTranscript, match=fragment):
            phase2.verify(bad, shape, pot)
    with pytest.raises(InvalidTranscript, match="coefficients are not the circuit's|is for"):
        phase2.verify(final, r1cs.compile(Chain(5)), pot)
    other_pot = ptau_with_secrets(4, TAU + 1, ALPHA, BETA)
    with pytest.raises(InvalidTranscript, match="not the circuit's|not the ptau's|circuit hash"):
        phase2.verify(final, shape, other_pot)


def test_b2_outside_the_subgroup_is_refused(pot, shape, keys, g2_outside_subgroup):
    final = keys["final"]
    bad = final.replace(b2=[g2_outside_subgroup if j == 1 else p for j, p in enumerate(final.b2)])
    with pytest.raises(InvalidTranscript, match=r"B2\[1\] is outside the prime-order subgroup"):
        phase2.verify(bad, shape, pot)


def test_new_refuses_an_unprepared_or_small_ptau(shape):
    with pytest.raises(MalformedKey, match="not prepared"):
        phase2.new(shape, ptau_with_secrets(4, TAU, ALPHA, BETA, prepared=False))
    with pytest.raises(MalformedKey, match="power 2"):
        phase2.new(shape, ptau_with_secrets(2, TAU, ALPHA, BETA))


def test_contributing_checks_the_chain_first(keys):
    broken = _with_record(keys["one"], 0, transcript=bytes(64))
    with pytest.raises(InvalidTranscript, match="contribution #1"):
        phase2.contribute(broken, "x")


def test_a_single_party_zkey_has_one_real_contribution_and_proves():
    shape = r1cs.compile(TwoPublic())
    key = phase2.single_party(shape, random.Random(5))
    (record,) = phase2.check_chain(key)
    assert record.name.startswith("single-party")
    witness = r1cs.solve(TwoPublic(), {"a": "2", "b": "3", "x": "4"})
    verify(key.verifying_key(), witness.public, prove(key.to_proving_key(shape.name, {}, shape.digest()), witness))
    # snarkjs' prover path: the A and B rows from the coefficient section, C = A * B
    proof, public = zkey.loads(zkey.dumps(key)).prove(witness.values)
    assert public == witness.public
    bad = list(witness.values)
    bad[-1] = (bad[-1] + 1) % R
    with pytest.raises(InvalidProof, match="does not satisfy"):
        key.prove(bad)


def test_hash_to_g2_is_in_g2_and_depends_on_every_byte():
    a = transcript.hash_to_g2(bytes(64))
    b = transcript.hash_to_g2(bytes(31) + b"\x01" + bytes(32))
    assert curve.is_in_subgroup_g2(a) and a != b
    assert transcript.hash_to_g2(bytes(32) + b"\x01" + bytes(31)) == a  # only the first 32 bytes seed it
