"""Phase 1: contributions, beacons, verification (and every way it fails), prepared Lagrange levels."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from tests.ceremony_helpers import ptau_with_secrets
from zkopt import curve
from zkopt.ceremony import phase1, ptau, transcript
from zkopt.ceremony.blake2 import Blake2b
from zkopt.ceremony.ptau import ALPHA_TAU_G1, BETA_TAU_G1, LAGRANGE, TAU_G1, TAU_G2
from zkopt.curve import snarkjs_encoding as enc
from zkopt.errors import InvalidTranscript, MalformedKey
from zkopt.field import R
from zkopt.poly import Domain

POWER = 3
BEACON = bytes(range(1, 33))


@pytest.fixture(scope="module")
def ceremony():
    """new -> alice -> bob -> beacon -> prepared, at power 3, plus every intermediate file."""
    p0 = phase1.new(POWER)
    p1, h1 = phase1.contribute(p0, "alice's text", "alice")
    p2, h2 = phase1.contribute(p1, "bob's text", "bob")
    p3, h3 = phase1.beacon(p2, BEACON, 10, "beacon")
    return {"files": [p0, p1, p2, p3], "hashes": [h1, h2, h3], "final": phase1.prepare(p3)}


def test_a_new_accumulator_is_all_generators_and_not_a_transcript():
    p = phase1.new(POWER)
    assert set(p.g1(TAU_G1)) == {curve.G1_GENERATOR} and len(p.g1(TAU_G1)) == 2 * 8 - 1
    assert set(p.g2(TAU_G2)) == {curve.G2_GENERATOR}
    with pytest.raises(InvalidTranscript, match="no contribution"):
        phase1.verify(p)
    with pytest.raises(MalformedKey, match="power must be in"):
        phase1.new(0)


def test_contributions_chain_and_verify(ceremony):
    final = ptau.loads(ptau.dumps(ceremony["final"]))
    report = phase1.verify(final)
    assert [(c.index, c.name, c.kind) for c in report.contributions] == [(1, "alice", 0), (2, "bob", 0),
                                                                           (3, "beacon", 1)]
    assert [c.response_hash for c in report.contributions] == ceremony["hashes"]
    assert report.prepared and not phase1.verify(ceremony["files"][3]).prepared
    p1, p2 = ceremony["files"][1:3]
    assert p2.contributions[0] == p1.contributions[0]  # earlier records are carried over unchanged


def test_the_points_are_powers_of_the_secrets_product(ceremony):
    """tau G1[i] = tau^i G1 with tau hidden: check consecutive ratios against tau G2[1] with pairings."""
    p = ceremony["files"][3]
    g1, g2 = p.g1(TAU_G1), p.g2(TAU_G2)
    for i in range(len(g1) - 1):
        assert transcript.same_ratio(g1[i], g1[i + 1], curve.G2_GENERATOR, g2[1])
    assert g1[0] == curve.G1_GENERATOR and g1[1] != curve.G1_GENERATOR


def test_the_response_hash_is_what_hashlib_gives(ceremony):
    """The saved 216-byte state resumes to the response hash: BLAKE2b(challenge, compressed points, key)."""
    p1 = ceremony["files"][1]
    record = p1.contributions[0]
    data = phase1.first_challenge(POWER)
    for kind in (TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1, ptau.BETA_G2):
        points = p1.g2(kind) if ptau.is_g2(kind) else p1.g1(kind)
        data += (enc.g2_to_c if ptau.is_g2(kind) else enc.g1_to_c)(points)
    assert hashlib.blake2b(data + record.key.to_u()).digest() == ceremony["hashes"][0]
    assert Blake2b.from_state(record.partial_hash).update(record.key.to_u()).digest() == ceremony["hashes"][0]


def test_the_beacon_is_deterministic(ceremony):
    p2 = ceremony["files"][2]
    again, digest = phase1.beacon(p2, BEACON, 10, "beacon")
    assert ptau.dumps(again) == ptau.dumps(ceremony["files"][3]) and digest == ceremony["hashes"][2]
    other, _ = phase1.beacon(p2, BEACON, 11, "beacon")
    assert other.contributions[-1].key != again.contributions[-1].key


def test_contribution_refusals(ceremony):
    truncated = dataclasses.replace(ceremony["files"][1], ceremony_power=POWER + 1)
    with pytest.raises(MalformedKey, match="truncated"):
        phase1.contribute(truncated, "x")
    with pytest.raises(ValueError, match="iteration exponent"):
        phase1.beacon(ceremony["files"][1], BEACON, 9)
    # contributing to a prepared file gives an unprepared one (its Lagrange points would be stale)
    again, _ = phase1.contribute(ceremony["final"], "x")
    assert not again.prepared


def _with_record(p, index, **changes):
    records = list(p.contributions)
    records[index] = dataclasses.replace(records[index], **changes)
    return dataclasses.replace(p, contributions=records, _cache={})


def _with_point(p, kind, index, point):
    size = enc.G2_SIZE if ptau.is_g2(kind) else enc.G1_SIZE
    data = bytearray(p.points[kind])
    data[index * size : (index + 1) * size] = (enc.g2_to_lem if ptau.is_g2(kind) else enc.g1_to_lem)([point])
    return dataclasses.replace(p, points={**p.points, kind: bytes(data)}, _cache={})


def test_verification_names_the_first_bad_contribution(ceremony):
    final = ceremony["final"]
    bob = final.contributions[1]
    other = curve.g1_mul(curve.G1_GENERATOR, 12345)
    cases = [
        (_with_record(final, 1, key=dataclasses.replace(bob.key, tau=(bob.key.tau[0], other, bob.key.tau[2]))),
         "contribution #2 \\(bob\\): the proof of knowledge of tau"),
        (_with_record(final, 1, alpha_g1=other), "contribution #2 \\(bob\\): alpha\\*G1 does not follow"),
        (_with_record(final, 0, beta_g2=curve.g2_mul(curve.G2_GENERATOR, 7)), "contribution #1 \\(alice\\)"),
        (_with_record(final, 2, iterations_exp=11), "contribution #3 \\(beacon\\): the beacon's key"),
    ]
    for bad, fragment in cases:
        with pytest.raises(InvalidTranscript, match=fragment) as info:
            phase1.verify(bad)
        assert info.value.contribution == int(fragment.split("#")[1][0])


def test_verification_checks_every_point_section(ceremony):
    final = ceremony["final"]
    g1 = final.g1(TAU_G1)
    swapped = _with_point(final, TAU_G1, 5, g1[6])
    with pytest.raises(InvalidTranscript, match="tauG1 section is not a sequence of powers"):
        phase1.verify(swapped)
    beta = final.g1(BETA_TAU_G1)
    with pytest.raises(InvalidTranscript, match="betaTauG1 section"):
        phase1.verify(_with_point(final, BETA_TAU_G1, 3, curve.g1_add(beta[3], curve.G1_GENERATOR)))
    g2 = final.g2(TAU_G2)
    with pytest.raises(InvalidTranscript, match="tauG2 section"):
        phase1.verify(_with_point(final, TAU_G2, 7, g2[6]))
    with pytest.raises(InvalidTranscript, match="alpha/beta points do not match"):
        phase1.verify(_with_point(final, ALPHA_TAU_G1, 0, curve.G1_GENERATOR))
    last = final.contributions[-1]
    with pytest.raises(InvalidTranscript, match="next challenge"):
        phase1.verify(_with_record(final, 2, next_challenge=bytes(64)))
    lag = final.g1(LAGRANGE[TAU_G1])
    with pytest.raises(InvalidTranscript, match="prepared lagrange tauG1"):
        phase1.verify(_with_point(final, LAGRANGE[TAU_G1], 20, curve.g1_add(lag[20], curve.G1_GENERATOR)))
    lag2 = final.g2(LAGRANGE[TAU_G2])
    with pytest.raises(InvalidTranscript, match="prepared lagrange tauG2"):
        phase1.verify(_with_point(final, LAGRANGE[TAU_G2], 3, lag2[4]))
    assert last.kind == 1


def test_a_truncated_file_verifies_without_its_challenge(ceremony):
    """A file cut from a bigger ceremony keeps the records; its points no longer hash to the last challenge."""
    p = ceremony["files"][3]
    n = 1 << (POWER - 1)
    cut = {k: v[: ptau.section_points(k, POWER - 1) * (enc.G2_SIZE if ptau.is_g2(k) else enc.G1_SIZE)]
           for k, v in p.points.items()}
    truncated = ptau.Ptau(POWER - 1, POWER, cut, list(p.contributions))
    assert len(truncated.g1(TAU_G1)) == 2 * n - 1
    assert phase1.verify(phase1.prepare(truncated)).ceremony_power == POWER


def test_prepare_gives_each_levels_lagrange_basis_at_tau():
    tau, alpha, beta = 987654321, 1234567, 7654321
    p = ptau_with_secrets(POWER, tau, alpha, beta)
    for kind, factor in ((TAU_G1, 1), (ALPHA_TAU_G1, alpha), (BETA_TAU_G1, beta)):
        for m in range(POWER + (2 if kind == TAU_G1 else 1)):
            size = 1 << m
            expected = [curve.g1_mul(curve.G1_GENERATOR, factor * v % R) for v in Domain(size).lagrange_at(tau)]
            if kind == TAU_G1 and m == POWER + 1:  # the top level lacks tau^(2n-1): L_j(tau) minus its share
                missing = pow(tau, size - 1, R)
                w_inv = Domain(size).omega_inv
                expected = [curve.g1_mul(curve.G1_GENERATOR, (v - missing * pow(w_inv, j * (size - 1), R)
                                                              * pow(size, -1, R)) % R)
                            for j, v in enumerate(Domain(size).lagrange_at(tau))]
            assert p.g1(LAGRANGE[kind], size - 1, size) == expected, (kind, m)
    for m in range(POWER + 1):
        size = 1 << m
        assert p.lagrange_g2(size) == [curve.g2_mul(curve.G2_GENERATOR, v) for v in Domain(size).lagrange_at(tau)]


def test_the_batch_checks_use_128_bit_weights():
    weights = phase1._weights(1000)
    assert max(weights) < 1 << phase1.CHECK_BITS and max(weights) > 1 << (phase1.CHECK_BITS - 8)
    assert phase1.CHECK_BITS >= 128
