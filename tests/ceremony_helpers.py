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
