"""Ceremony files with known secrets, so tests can compute every point the slow, independent way.

The points are fixed-base multiplications of the known secrets, batched so
that big files share the work between two processes (as the ceremony code
itself does, through zkopt.ceremony._parallel); the results are the same
points either way.
"""

from __future__ import annotations

from zkopt import curve
from zkopt.ceremony import _parallel, phase1
from zkopt.ceremony.ptau import ALPHA_TAU_G1, BETA_G2, BETA_TAU_G1, TAU_G1, TAU_G2, Ptau
from zkopt.curve import snarkjs_encoding as enc
from zkopt.field import R

G1, G2 = curve.G1_GENERATOR, curve.G2_GENERATOR


def _mul_generator(group: int, scalars: list[int]) -> list:
    return curve.g1_mul_many(G1, scalars) if group == 1 else curve.g2_mul_many(G2, scalars)


def fixed_base(g1_scalars: list[int], g2_scalars: list[int]) -> tuple[list, list]:
    """([k]G1 for k in g1_scalars], [[k]G2 for k in g2_scalars]), on two processes when the lists are long."""
    if not _parallel.enabled(len(g1_scalars) + len(g2_scalars)):
        return _mul_generator(1, g1_scalars), _mul_generator(2, g2_scalars)
    h1, h2 = len(g1_scalars) // 2, len(g2_scalars) // 2
    a1, a2, b1, b2 = _parallel.run_split(_mul_generator, [(1, g1_scalars[:h1]), (2, g2_scalars[:h2]),
                                                          (1, g1_scalars[h1:]), (2, g2_scalars[h2:])])
    return a1 + b1, a2 + b2


class _Batch:
    """Named lists of G1 and G2 scalars, multiplied in one ``fixed_base`` call."""

    def __init__(self):
        self.g1: dict = {}
        self.g2: dict = {}

    def points(self) -> dict:
        g1, g2 = fixed_base([k for v in self.g1.values() for k in v], [k for v in self.g2.values() for k in v])
        out = {}
        for names, flat in ((self.g1, g1), (self.g2, g2)):
            at = 0
            for name, scalars in names.items():
                out[name] = flat[at : at + len(scalars)]
                at += len(scalars)
        return out


def _accumulator_scalars(batch: _Batch, power: int, tau: int, alpha: int, beta: int) -> None:
    """The five point sections of an accumulator for (tau, alpha, beta) at ``power``."""
    n = 1 << power
    powers = [pow(tau, i, R) for i in range(2 * n - 1)]
    batch.g1[TAU_G1] = powers
    batch.g2[TAU_G2] = powers[:n]
    batch.g1[ALPHA_TAU_G1] = [alpha * t % R for t in powers[:n]]
    batch.g1[BETA_TAU_G1] = [beta * t % R for t in powers[:n]]
    batch.g2[BETA_G2] = [beta]


def ptau_with_secrets(power: int, tau: int, alpha: int, beta: int, prepared: bool = True) -> Ptau:
    """An accumulator for known (tau, alpha, beta), without contribution records (it is not a transcript)."""
    batch = _Batch()
    _accumulator_scalars(batch, power, tau, alpha, beta)
    points = {kind: (enc.g2_to_lem if kind in batch.g2 else enc.g1_to_lem)(p) for kind, p in batch.points().items()}
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

    batch = _Batch()
    _accumulator_scalars(batch, power, tau, alpha, beta)
    for kind, factor in ((TAU_G1, 1), (ALPHA_TAU_G1, alpha), (BETA_TAU_G1, beta), (TAU_G2, 1)):
        levels = range(power + 2) if kind == TAU_G1 else range(power + 1)
        scalars = [factor * v % R for m in levels for v in _lagrange_scalars(1 << m, tau, kind == TAU_G1 and m == power + 1)]
        (batch.g2 if kind == TAU_G2 else batch.g1)[LAGRANGE[kind]] = scalars
    points = batch.points()
    challenge = phase1.first_challenge(power)
    key = phase1.key_for([tau, alpha, beta], challenge, transcript.ChaCha([seed] * 8))
    accumulator = {kind: points[kind] for kind in (TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1, BETA_G2)}
    p, _ = phase1.with_record(phase1.new(power), challenge, key, accumulator)
    lagrange = {LAGRANGE[kind]: (enc.g2_to_lem if kind == TAU_G2 else enc.g1_to_lem)(points[LAGRANGE[kind]])
                for kind in (TAU_G1, ALPHA_TAU_G1, BETA_TAU_G1, TAU_G2)}
    return Ptau(power, power, {**p.points, **lagrange}, p.contributions, (1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15))


def _write_single_party(jobs, secrets) -> None:
    """Write each (shape, path, seed)'s single-party zkey made from the phase-1 ``secrets``."""
    import random

    from zkopt.ceremony import phase2
    from zkopt.groth16 import zkey

    for shape, path, seed in jobs:
        zkey.write(phase2.single_party(shape, random.Random(seed), secrets), path)


def ceremony_directory(path, depth: int, kinds, tau: int = 0x5EED, alpha: int = 0xA1FA, beta: int = 0xBE7A):
    """A ceremony directory (pot.ptau and KIND.zkey) for the transaction circuits at ``depth``, from known secrets.

    The circuits' keys are made in two processes (when there are two cores),
    the kinds shared out by their constraint counts.
    """
    from pathlib import Path

    from zkopt import circuits, r1cs
    from zkopt.ceremony import ptau as ptau_file
    from zkopt.groth16 import qap
    from zkopt.keydir import circuit_params

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    shapes = {k: r1cs.compile(circuits.build(k, circuit_params(k, depth))) for k in kinds}
    power = max(qap.domain_for(s).size for s in shapes.values()).bit_length() - 1
    ptau_file.write(verifiable_ptau(power, tau, alpha, beta), path / "pot.ptau")
    shares: tuple[list, list] = ([], [])
    for kind in sorted(kinds, key=lambda k: -shapes[k].n_constraints):
        lighter = min(shares, key=lambda share: sum(s.n_constraints for s, _, _ in share))
        lighter.append((shapes[kind], path / f"{kind}.zkey", f"7-{kind}"))
    constraints = sum(s.n_constraints for s in shapes.values())
    if len(shapes) > 1 and _parallel.enabled(constraints):
        _parallel.run_split(_write_single_party, [(share, (tau, alpha, beta)) for share in shares])
    else:
        _write_single_party([*shares[0], *shares[1]], (tau, alpha, beta))
    return path
