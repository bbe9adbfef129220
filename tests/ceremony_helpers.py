"""Ceremony files with known secrets, so tests can compute every point the slow, independent way."""

from __future__ import annotations

from zkopt import curve
from zkopt.ceremony import phase1
from zkopt.ceremony.ptau import ALPHA_TAU_G1, BETA_G2, BETA_TAU_G1, TAU_G1, TAU_G2, Ptau
from zkopt.curve import snarkjs_encoding as enc
from zkopt.field import R

G1, G2 = curve.G1_GENERATOR, curve.G2_GENERATOR


def ptau_with_secrets(power: int, tau: int, alpha: int, beta: int, prepared: bool = True) -> Ptau:
    """An accumulator for known (tau, alpha, beta), without contribution records (it is not a transcript)."""
    n = 1 << power
    powers = [pow(tau, i, R) for i in range(2 * n - 1)]
    points = {
        TAU_G1: enc.g1_to_lem(curve.g1_mul_many(G1, powers)),
        TAU_G2: enc.g2_to_lem(curve.g2_mul_many(G2, powers[:n])),
        ALPHA_TAU_G1: enc.g1_to_lem(curve.g1_mul_many(G1, [alpha * t % R for t in powers[:n]])),
        BETA_TAU_G1: enc.g1_to_lem(curve.g1_mul_many(G1, [beta * t % R for t in powers[:n]])),
        BETA_G2: enc.g2_to_lem([curve.g2_mul(G2, beta)]),
    }
    p = Ptau(power, power, points, [])
    return phase1.prepare(p) if prepared else p


def _lagrange_scalars(size: int, tau: int, drop_last: bool) -> list[int]:
    """L_j(tau) on the size-``size`` domain; with ``drop_last`` as if tau^(size-1) were missing (tau G1's top level)."""
    from zkopt.poly import Domain

    domain = Domain(size)
    values = domain.lagrange_at(tau)
    if drop_last:
        missing = pow(tau, size - 1, R) * domain.size_inv % R
        values = [(v - missing * pow(domain.omega_inv, j * (size - 1), R)) % R for j, v in enumerate(values)]
    return values


def verifiable_ptau(power: int, tau: int, alpha: int, beta: int, seed: int = 1) -> Ptau:
    """A prepared ptau that passes ``phase1.verify``: one real contribution record for (tau, alpha, beta).

    Every point is a fixed-base multiplication of the known secrets (no
    group FFT), so a power-12 file takes seconds; the record's proofs of
    knowledge and hashes are made by phase 1's own code.
    """
    from zkopt.ceremony import transcript
    from zkopt.ceremony.ptau import LAGRANGE

    n = 1 << power
    powers = [pow(tau, i, R) for i in range(2 * n - 1)]
    points = {
        TAU_G1: curve.g1_mul_many(G1, powers),
        TAU_G2: curve.g2_mul_many(G2, powers[:n]),
        ALPHA_TAU_G1: curve.g1_mul_many(G1, [alpha * t % R for t in powers[:n]]),
        BETA_TAU_G1: curve.g1_mul_many(G1, [beta * t % R for t in powers[:n]]),
        BETA_G2: [curve.g2_mul(G2, beta)],
    }
    challenge = phase1.first_challenge(power)
    key = phase1.key_for([tau, alpha, beta], challenge, transcript.ChaCha([seed] * 8))
    p, _ = phase1.with_record(phase1.new(power), challenge, key, points)
    lagrange = {}
    for kind, factor in ((TAU_G1, 1), (ALPHA_TAU_G1, alpha), (BETA_TAU_G1, beta), (TAU_G2, 1)):
        levels = range(power + 2) if kind == TAU_G1 else range(power + 1)
        scalars = [factor * v % R for m in levels for v in _lagrange_scalars(1 << m, tau, kind == TAU_G1 and m == power + 1)]
        if kind == TAU_G2:
            lagrange[LAGRANGE[kind]] = enc.g2_to_lem(curve.g2_mul_many(G2, scalars))
        else:
            lagrange[LAGRANGE[kind]] = enc.g1_to_lem(curve.g1_mul_many(G1, scalars))
    return Ptau(power, power, {**p.points, **lagrange}, p.contributions, (1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15))


def ceremony_directory(path, depth: int, kinds, tau: int = 0x5EED, alpha: int = 0xA1FA, beta: int = 0xBE7A):
    """A ceremony directory (pot.ptau and KIND.zkey) for the transaction circuits at ``depth``, from known secrets."""
    import random
    from pathlib import Path

    from zkopt import circuits, r1cs
    from zkopt.ceremony import phase2, ptau as ptau_file
    from zkopt.groth16 import qap, zkey
    from zkopt.keydir import circuit_params

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    shapes = {k: r1cs.compile(circuits.build(k, circuit_params(k, depth))) for k in kinds}
    power = max(qap.domain_for(s).size for s in shapes.values()).bit_length() - 1
    ptau_file.write(verifiable_ptau(power, tau, alpha, beta), path / "pot.ptau")
    rng = random.Random(7)
    for kind, shape in shapes.items():
        zkey.write(phase2.single_party(shape, rng, (tau, alpha, beta)), path / f"{kind}.zkey")
    return path
