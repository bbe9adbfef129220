"""Every point times its own scalar (GLV in G1, psi in G2) against py_ecc, and the unreduced G2 multiplication."""

from __future__ import annotations

import pytest

from zkopt import curve
from zkopt.curve import _scale, backend
from zkopt.field import R


def _edge_scalars(rng, n):
    return [0, 1, 2, R - 1, R - 2, R // 2, R // 2 + 1, _scale.LAMBDA, _scale.PSI_EIGENVALUE] + [
        rng.randrange(R) for _ in range(n)]


def test_glv_split_is_short_and_exact(rng):
    for k in _edge_scalars(rng, 200):
        k1, k2 = _scale.glv_split(k)
        assert (k1 + k2 * _scale.LAMBDA - k) % R == 0
        assert abs(k1) < 1 << 128 and abs(k2) < 1 << 128
        parts = _scale.gls_split(k)
        assert (sum(v * pow(_scale.PSI_EIGENVALUE, j, R) for j, v in enumerate(parts)) - k) % R == 0
        assert max(abs(v) for v in parts) < 1 << 66


def test_the_gls_basis_spans_the_kernel_lattice():
    mu = _scale.PSI_EIGENVALUE
    assert (mu ** 4 - mu ** 2 + 1) % R == 0
    for row in _scale.GLS_BASIS:
        assert sum(v * pow(mu, j, R) for j, v in enumerate(row)) % R == 0
    det = 1  # independent vectors of the kernel: a non-zero multiple of r (3r: a sublattice of index 3)
    m = [list(row) for row in _scale.GLS_BASIS]
    from fractions import Fraction

    f = [[Fraction(v) for v in row] for row in m]
    for c in range(4):
        p = next(i for i in range(c, 4) if f[i][c])
        if p != c:
            f[c], f[p] = f[p], f[c]
            det = -det
        det *= f[c][c]
        for i in range(c + 1, 4):
            f[i] = [a - f[i][c] / f[c][c] * b for a, b in zip(f[i], f[c])]
    assert det != 0 and det % R == 0


def test_the_endomorphisms_act_as_their_eigenvalues(rng):
    p = curve.g1_mul(curve.G1_GENERATOR, rng.randrange(1, R))
    assert curve.g1_mul(p, _scale.LAMBDA) == (p[0] * _scale.BETA % curve.Q, p[1])
    q = curve.g2_mul(curve.G2_GENERATOR, rng.randrange(1, R))
    assert curve.g2_mul(q, _scale.PSI_EIGENVALUE) == curve.groups._g2_fast.psi(q)


def test_g1_mul_each_matches_py_ecc(rng):
    scalars = _edge_scalars(rng, 6)
    points = [curve.g1_mul(curve.G1_GENERATOR, rng.randrange(1, R)) for _ in scalars]
    points[3] = None
    points[4] = curve.G1_GENERATOR
    fast = curve.g1_mul_each(points, scalars)
    with backend.use(backend.REFERENCE):
        assert fast == curve.g1_mul_each(points, scalars)
    same = curve.g1_mul_each(points, [scalars[-1]] * len(points))
    assert same == [curve.g1_mul(p, scalars[-1]) for p in points]


def test_g2_mul_each_matches_py_ecc(rng):
    scalars = _edge_scalars(rng, 2)
    points = [curve.g2_mul(curve.G2_GENERATOR, rng.randrange(1, R)) for _ in scalars]
    points[1] = None
    fast = curve.g2_mul_each(points, scalars)
    with backend.use(backend.REFERENCE):
        assert fast == curve.g2_mul_each(points, scalars)


def test_mul_each_wants_one_scalar_per_point():
    with pytest.raises(ValueError, match="as many scalars"):
        curve.g1_mul_each([curve.G1_GENERATOR], [1, 2])
    with pytest.raises(ValueError, match="as many scalars"):
        curve.g2_mul_each([], [1])


def test_unreduced_g2_multiplication_clears_the_cofactor(g2_outside_subgroup):
    from zkopt.ceremony.transcript import G2_COFACTOR

    cleared = curve.g2_mul_unreduced(g2_outside_subgroup, G2_COFACTOR)
    assert curve.is_in_subgroup_g2(cleared) and cleared is not None
    with backend.use(backend.REFERENCE):
        assert curve.g2_mul_unreduced(g2_outside_subgroup, G2_COFACTOR) == cleared
    # reducing the cofactor mod r first gives another point: the multiplication must not reduce
    assert curve.g2_mul_unreduced(g2_outside_subgroup, G2_COFACTOR % R) != cleared
    with pytest.raises(ValueError):
        curve.g2_mul_unreduced(g2_outside_subgroup, -1)
