"""Pairing tests: the fast tower and pairing against py_ecc, bilinearity, checks, prepared points, GT values.

The independent reference throughout is py_ecc (``optimized_bn128``): test
points are made with its scalar multiplication, tower arithmetic is compared
with its FQ12 (through our basis conversion), and pairing values with its
pairing. The fast backend's final exponentiation is the exact textbook power,
so fast and reference GT values must be *equal*, not merely related.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest
from py_ecc.optimized_bn128 import G1 as PY_G1
from py_ecc.optimized_bn128 import G2 as PY_G2
from py_ecc.optimized_bn128 import multiply, normalize
from py_ecc.optimized_bn128 import optimized_pairing as py

from zkopt.curve import backend
from zkopt.field import R

# ``zkopt.curve`` re-exports a *function* named ``pairing``, which shadows the
# submodule as an attribute of the package; fetch the module itself.
pm = importlib.import_module("zkopt.curve.pairing")
tower = importlib.import_module("zkopt.curve._tower")

Q = tower.Q
REPO = Path(__file__).resolve().parent.parent


# --- helpers ---------------------------------------------------------------------


def g1(k: int):
    """k * G1 as an affine int tuple (None for infinity), computed by py_ecc."""
    pt = normalize(multiply(PY_G1, k % R))
    return None if k % R == 0 else (int(pt[0]), int(pt[1]))


def g2(k: int):
    """k * G2 as ((x_c0, x_c1), (y_c0, y_c1)) (None for infinity), computed by py_ecc."""
    if k % R == 0:
        return None
    x, y = normalize(multiply(PY_G2, k % R))
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


def neg1(p):
    return (p[0], -p[1] % Q)


def rand_fq12(rng):
    return tuple(rng.randrange(Q) for _ in range(12))


def ints(a):
    return tuple(int(c) for c in a)


def py_pow(a, e):
    """a^e computed by py_ecc's FQ12, converted back to our layout."""
    return pm._from_pyecc(pm._to_pyecc(a) ** e)


def cyclotomic(rng):
    """A random element of the cyclotomic subgroup: the easy part applied to a random element."""
    f = rand_fq12(rng)
    f = tower.mul(tower.conj(f), tower.inv(f))
    return ints(tower.mul(tower.frobenius2(f), f))


@pytest.fixture(autouse=True)
def fast_by_default():
    """Tests mean the fast backend unless they ask for ``any_backend`` (ZKOPT_CURVE_BACKEND may differ)."""
    with backend.use(backend.FAST):
        yield


@pytest.fixture(params=[backend.FAST, backend.REFERENCE])
def any_backend(request):
    with backend.use(request.param):
        yield request.param


# --- the generated code ----------------------------------------------------------


def test_generated_tower_matches_its_generator():
    spec = importlib.util.spec_from_file_location("gen_tower", REPO / "tools" / "gen_tower.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (REPO / "zkopt" / "curve" / "_tower.py").read_text()
    assert text == gen.render(), "zkopt/curve/_tower.py was edited by hand or is stale: run tools/gen_tower.py"
    assert "do not edit by hand" in text.splitlines()[0]


def test_basis_conversion_round_trips_and_is_a_ring_map(rng):
    for _ in range(3):
        a, b = rand_fq12(rng), rand_fq12(rng)
        assert pm._from_pyecc(pm._to_pyecc(a)) == a
        assert pm._to_pyecc(pm._from_pyecc(pm._to_pyecc(b))) == pm._to_pyecc(b)
        sum_ours = tuple((x + y) % Q for x, y in zip(a, b))
        assert pm._to_pyecc(a) + pm._to_pyecc(b) == pm._to_pyecc(sum_ours)
    # u = w^6 - 9 and w^6 = 9 + u: the two bases share w.
    w = (0, 0, 1, 0) + (0,) * 8
    u = (0, 1) + (0,) * 10
    assert pm._to_pyecc(w) ** 6 == pm._to_pyecc((9, 1) + (0,) * 10)
    assert pm._to_pyecc(u) ** 2 == -py.FQ12.one()


def test_tower_arithmetic_matches_pyecc(rng):
    a, b = rand_fq12(rng), rand_fq12(rng)
    assert ints(tower.mul(a, b)) == pm._from_pyecc(pm._to_pyecc(a) * pm._to_pyecc(b))
    assert ints(tower.sqr(a)) == pm._from_pyecc(pm._to_pyecc(a) ** 2)
    assert ints(tower.mul(tower.inv(a), a)) == tower.ONE
    assert ints(tower.inv(a)) == pm._from_pyecc(pm._to_pyecc(a).inv())
    assert ints(tower.frobenius1(a)) == py_pow(a, Q)
    assert ints(tower.frobenius2(a)) == py_pow(a, Q**2)
    assert ints(tower.frobenius3(a)) == py_pow(a, Q**3)
    assert ints(tower.conj(a)) == py_pow(a, Q**6)
    # Negative twin: the Frobenius maps are not the identity, nor each other.
    assert len({ints(tower.frobenius1(a)), ints(tower.frobenius2(a)), ints(tower.frobenius3(a)), a}) == 4


def test_sparse_line_products_match_dense_products(rng):
    f = rand_fq12(rng)
    la0, la1, lb0, lb1, xs, ys = (rng.randrange(Q) for _ in range(6))
    A = (la0 * xs % Q, la1 * xs % Q)
    B = (lb0 * ys % Q, lb1 * ys % Q)
    # 1 + A w + B w^3: coefficient of w^k at indices 2k, 2k + 1.
    dense = (1, 0) + A + (0, 0) + B + (0,) * 4
    assert ints(tower.mul_line(f, (la0, la1, lb0, lb1), xs, ys)) == ints(tower.mul(f, dense))
    c = (rng.randrange(Q), rng.randrange(Q))
    dense_raw = c + A + (0, 0) + B + (0,) * 4
    assert ints(tower.mul_line_raw(f, c + A + B)) == ints(tower.mul(f, dense_raw))


def test_cyclotomic_squarings_need_the_cyclotomic_subgroup(rng):
    a = cyclotomic(rng)
    assert pm._to_pyecc(a) ** (Q**6 + 1) == py.FQ12.one()
    square = ints(tower.sqr(a))
    assert ints(tower.cyclotomic_sqr(a)) == square
    # Karabina: square the compressed form (the w^1, w^4, w^2, w^5 coefficients), then decompress.
    comp = (a[2], a[3], a[8], a[9], a[4], a[5], a[10], a[11])
    h = tower.compressed_sqr(comp)
    d0, d1 = 4 * h[0] % Q, 4 * h[1] % Q
    n = pow(d0 * d0 + d1 * d1, -1, Q)
    assert ints(tower.decompress(h, (d0 * n % Q, -d1 * n % Q))) == square
    # Negative twin: outside the subgroup both shortcuts give wrong squares.
    b = rand_fq12(rng)
    assert ints(tower.cyclotomic_sqr(b)) != ints(tower.sqr(b))
    comp_b = (b[2], b[3], b[8], b[9], b[4], b[5], b[10], b[11])
    assert ints(tower.compressed_sqr(comp_b)) != tuple(ints(tower.sqr(b))[i] for i in (2, 3, 8, 9, 4, 5, 10, 11))


# --- the final exponentiation ----------------------------------------------------


def test_hard_part_decomposition():
    x = pm.X
    assert Q == 36 * x**4 + 36 * x**3 + 24 * x**2 + 6 * x + 1
    assert R == 36 * x**4 + 36 * x**3 + 18 * x**2 + 6 * x + 1
    assert (Q**4 - Q**2 + 1) % R == 0
    l0 = -36 * x**3 - 30 * x**2 - 18 * x - 2
    l1 = -36 * x**3 - 18 * x**2 - 12 * x + 1
    l2 = 6 * x**2 + 1
    assert l0 + l1 * Q + l2 * Q**2 + Q**3 == (Q**4 - Q**2 + 1) // R
    # The vectorial chain's exponents: y0 = f^(q + q^2 + q^3), y1 = f^-1, y2 = f^(x^2 q^2),
    # y3 = f^(-x q), y4 = f^(-x - x^2 q), y5 = f^(-x^2), y6 = f^(-x^3 - x^3 q), raised to
    # 1, 2, 6, 12, 18, 30, 36.
    ys = [Q + Q**2 + Q**3, -1, x**2 * Q**2, -x * Q, -x - x**2 * Q, -(x**2), -(x**3) - x**3 * Q]
    assert sum(e * k for e, k in zip(ys, [1, 2, 6, 12, 18, 30, 36])) == (Q**4 - Q**2 + 1) // R


def test_final_exponentiation_is_exactly_the_textbook_power(rng):
    f = rand_fq12(rng)
    assert ints(pm._final_exponentiation(f)) == pm._from_pyecc(py.final_exponentiate(pm._to_pyecc(f)))
    assert pm._final_exponentiation(tower.ONE) == tower.ONE


def test_exponentiation_by_x(rng):
    a = cyclotomic(rng)
    expected = py_pow(a, pm.X)
    assert ints(pm._exp_by_x(a)) == expected
    assert ints(pm._exp_by_x_plain(a)) == expected
    assert ints(pm._exp_by_x(tower.ONE)) == tower.ONE  # g2 = 0: the uncompressed fallback
    assert ints(pm._exp_by_x(a)) != py_pow(a, pm.X + 1)


# --- pairing values ----------------------------------------------------------------


def test_fast_equals_reference_exactly(rng):
    for _ in range(2):
        p, q = g1(rng.randrange(1, R)), g2(rng.randrange(1, R))
        fast = pm.pairing(p, q)
        with backend.use(backend.REFERENCE):
            reference = pm.pairing(p, q)
        assert fast == reference
        assert pm.pairing(p, pm.prepare_g2(q)) == reference
    # And both agree with py_ecc called directly (G2 first, projective points).
    direct = pm._from_pyecc(py.pairing(PY_G2, PY_G1))
    assert pm.pairing(g1(1), g2(1)) == direct


def test_bilinearity(rng):
    p, q = g1(1), g2(1)
    base = pm.pairing(p, q)
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    e_ab = pm.pairing(g1(a), g2(b))
    assert e_ab == pm.gt_pow(base, a * b)
    assert pm.pairing(g1(a), q) == pm.pairing(p, g2(a))
    assert pm.pairing(g1(a + b), q) == pm.gt_mul(pm.pairing(g1(a), q), pm.pairing(g1(b), q))
    # Negative twins: an exponent off by one is a different value.
    assert e_ab != pm.gt_pow(base, a * b + 1)
    assert pm.pairing(g1(a), q) != pm.pairing(p, g2(a + 1))


def test_non_degenerate_and_of_order_r():
    e = pm.pairing(g1(1), g2(1))
    assert e != pm.GT_ONE
    assert pm._to_pyecc(e) ** R == py.FQ12.one()
    assert pm._to_pyecc(e) ** (R // 3) != py.FQ12.one()  # r is prime: no smaller order


def test_gt_values_are_plain_hashable_int_tuples(any_backend):
    e = pm.pairing(g1(3), g2(5))
    assert type(e) is tuple and len(e) == 12
    assert all(type(c) is int and 0 <= c < Q for c in e)
    assert {e: 1}[pm.pairing(g1(5), g2(3))] == 1
    assert pm.gt_mul(e, pm.GT_ONE) == e
    assert pm.gt_mul(e, pm.pairing(g1(-3), g2(5))) == pm.GT_ONE
    assert pm.gt_pow(e, 2) == pm.gt_mul(e, e)
    assert pm.gt_pow(e, -1) == pm.pairing(g1(-3), g2(5))


def test_gt_arithmetic_agrees_across_backends(rng):
    a, b = pm.pairing(g1(rng.randrange(1, R)), g2(1)), pm.pairing(g1(1), g2(rng.randrange(1, R)))
    k = rng.randrange(R)
    fast = (pm.gt_mul(a, b), pm.gt_pow(a, k))
    with backend.use(backend.REFERENCE):
        assert (pm.gt_mul(a, b), pm.gt_pow(a, k)) == fast


# --- pairing checks ----------------------------------------------------------------


def test_pairing_check_of_a_balanced_product(any_backend, rng):
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    p, q = g1(1), g2(1)
    assert pm.pairing_check([(g1(a), g2(b)), (g1(-a * b), q)])
    assert pm.pairing_check([(g1(a), g2(b)), (g1(-a * b), pm.prepare_g2(q))])
    # Negative twins: one scalar off by one, on either side.
    assert not pm.pairing_check([(g1(a), g2(b)), (g1(-a * b + 1), q)])
    assert not pm.pairing_check([(g1(a + 1), pm.prepare_g2(g2(b))), (g1(-a * b), q)])
    assert not pm.pairing_check([(p, q)])


def test_points_at_infinity_contribute_one(any_backend):
    p, q = g1(7), g2(11)
    e = pm.pairing(p, q)
    assert pm.pairing(None, q) == pm.GT_ONE
    assert pm.pairing(p, None) == pm.GT_ONE
    assert pm.pairing(p, pm.prepare_g2(None)) == pm.GT_ONE
    assert pm.pairing_product([(p, q), (None, q), (p, None), (p, pm.prepare_g2(None))]) == e
    assert pm.pairing_check([])
    assert pm.pairing_check([(None, q), (p, None)])
    assert pm.pairing_check([(None, q)], gt_factor=pm.GT_ONE)
    assert not pm.pairing_check([(None, q), (p, q)])


def test_gt_factor(any_backend):
    p, q = g1(5), g2(9)
    factor = pm.pairing(p, q)  # like e(alpha, beta) cached in a prepared verifying key
    assert pm.pairing_check([(neg1(p), q)], gt_factor=factor)
    assert pm.pairing_check([(neg1(p), pm.prepare_g2(q))], gt_factor=factor)
    assert pm.pairing_check([], gt_factor=pm.GT_ONE)
    assert not pm.pairing_check([(neg1(p), q)], gt_factor=pm.gt_mul(factor, factor))
    assert not pm.pairing_check([(p, q)], gt_factor=factor)
    with pytest.raises(TypeError):
        pm.pairing_check([(p, q)], gt_factor=(1, 0))


def test_gt_factor_from_the_other_backend():
    p, q = g1(4), g2(6)
    with backend.use(backend.REFERENCE):
        factor = pm.pairing(p, q)
    assert pm.pairing_check([(neg1(p), pm.prepare_g2(q))], gt_factor=factor)


def test_groth16_shaped_check(rng):
    # e(A, B) = e(alpha, beta) e(L, gamma) e(C, delta), checked as
    # e(-A, B) e(L, gamma) e(C, delta) e(alpha, beta) == 1 with gamma, delta prepared.
    alpha, beta, gamma, delta = (rng.randrange(1, R) for _ in range(4))
    l_, c_ = rng.randrange(1, R), rng.randrange(1, R)
    a_ = rng.randrange(1, R)
    b_ = (alpha * beta + l_ * gamma + c_ * delta) * pow(a_, -1, R) % R
    gamma_p, delta_p = pm.prepare_g2(g2(gamma)), pm.prepare_g2(g2(delta))
    alpha_beta = pm.pairing(g1(alpha), g2(beta))
    pairs = [(g1(-a_), g2(b_)), (g1(l_), gamma_p), (g1(c_), delta_p)]
    assert pm.pairing_check(pairs, gt_factor=alpha_beta)
    pairs[1] = (g1(l_ + 1), gamma_p)  # a changed public input
    assert not pm.pairing_check(pairs, gt_factor=alpha_beta)


def test_batch_of_many_pairs(rng):
    # 9 plain G2 points (the batched affine path), 2 prepared, one balancing pair.
    scalars = [(rng.randrange(1, R), rng.randrange(1, R)) for _ in range(11)]
    pairs = [(g1(a), g2(b)) for a, b in scalars[:9]]
    pairs += [(g1(a), pm.prepare_g2(g2(b))) for a, b in scalars[9:]]
    total = sum(a * b for a, b in scalars)
    pairs.append((g1(-total), g2(1)))
    assert pm.pairing_check(pairs)
    pairs[4] = (g1(scalars[4][0] + 1), pairs[4][1])
    assert not pm.pairing_check(pairs)


def test_prepared_lines_are_the_normalised_projective_lines():
    q = g2(123456789)
    prepared = pm.prepare_g2(q)
    assert len(prepared.lines) == pm.LINES_PER_POINT == 88
    raw = pm._raw_lines(q, 1, 1)  # (c, A, B) with xP = yP = 1
    for (c0, c1, a0, a1, b0, b1), line in zip(raw, prepared.lines):
        n = pow(c0 * c0 + c1 * c1, -1, Q)
        i0, i1 = c0 * n, -c1 * n  # 1 / c
        assert ints(line) == (
            (a0 * i0 - a1 * i1) % Q,
            (a0 * i1 + a1 * i0) % Q,
            (b0 * i0 - b1 * i1) % Q,
            (b0 * i1 + b1 * i0) % Q,
        )
    assert prepared == pm.prepare_g2(q) and hash(prepared) == hash(pm.prepare_g2(q))
    assert prepared != pm.prepare_g2(g2(2))


def test_affine_and_projective_paths_agree(monkeypatch, rng):
    pairs = [(g1(rng.randrange(1, R)), g2(rng.randrange(1, R))) for _ in range(3)]
    results = set()
    for threshold in (1, 2, 100):  # all affine, affine from two points on, all projective
        monkeypatch.setattr(pm, "AFFINE_BATCH_MIN", threshold)
        results.add(pm.pairing_product(pairs))
        results.add(pm.pairing_product(pairs[:1]))
    assert len(results) == 2
    assert pm.pairing_product(pairs[:1]) == pm.pairing(*pairs[0])


def test_plain_int_fallback_gives_the_same_values(monkeypatch):
    # Load the generated module as if gmpy2 were missing, and run a pairing on it.
    monkeypatch.setitem(sys.modules, "gmpy2", None)
    spec = importlib.util.spec_from_file_location("_tower_int", REPO / "zkopt" / "curve" / "_tower.py")
    int_tower = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(int_tower)
    assert int_tower.BIGINT == "int" and type(int_tower._q) is int
    p, q = g1(31), g2(37)
    expected = pm.pairing(p, q)
    monkeypatch.setattr(pm, "_t", int_tower)
    monkeypatch.setattr(pm, "_q", int_tower._q)
    for threshold in (1, 4):
        monkeypatch.setattr(pm, "AFFINE_BATCH_MIN", threshold)
        assert pm.pairing(p, q) == expected


def test_degenerate_input_raises_instead_of_returning_garbage():
    # y = 0 is no G1 point (the caller validates); the loop refuses to divide by it.
    with pytest.raises(ValueError, match="degenerate"):
        pm.pairing_check([((1, 0), pm.prepare_g2(g2(1)))])
