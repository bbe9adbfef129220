"""Tests for zkopt.curve.groups: the fast backend against py_ecc, subgroup checks, validation, encodings.

Known answers come from py_ecc (optimized_bn128) through the reference backend;
the G2 subgroup check is cross-checked against the definition [r]P == 0 on
points built inside and outside the subgroup.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.curve_points import f2mul, fq2_sqrt, twist_point
from zkopt.curve import _g1_fast, _g2_fast, _reference, backend
from zkopt.curve import groups as g
from zkopt.errors import InvalidPoint
from zkopt.field import R

Q = g.Q
G1 = g.G1_GENERATOR
G2 = g.G2_GENERATOR

@pytest.fixture(autouse=True)
def fast_backend_by_default():
    """Tests name the backend they compare; everything else runs fast whatever the environment says."""
    with backend.use(backend.FAST):
        yield


EDGE_SCALARS = [0, 1, 2, 3, R - 2, R - 1, R, R + 1, R + 5, 2 * R - 1, -1, -5, -R, 2**254, 2**256 + 7]


def both(fn, *args):
    """fn(*args) under the fast and the reference backend."""
    with backend.use(backend.FAST):
        fast = fn(*args)
    with backend.use(backend.REFERENCE):
        ref = fn(*args)
    return fast, ref


def random_g1(rng, n=1):
    return g.g1_mul_many(G1, [rng.randrange(1, R) for _ in range(n)])


def random_g2(rng, n=1):
    return g.g2_mul_many(G2, [rng.randrange(1, R) for _ in range(n)])


def test_fq2_sqrt_helper(rng):
    a = (rng.randrange(Q), rng.randrange(Q))
    s = fq2_sqrt(f2mul(a, a))
    assert s is not None and f2mul(s, s) == f2mul(a, a)
    non_residue = (9, 1)  # xi = 9 + u is not a square in Fq2 (the twist needs that)
    assert fq2_sqrt(non_residue) is None


# --- constants ------------------------------------------------------------------------------


def test_constants_match_py_ecc():
    assert Q == _reference._bn.field_modulus
    assert G1 == _reference.G1
    assert G2 == _reference.G2
    assert both(g.is_on_curve_g1, G1) == (True, True)
    assert both(g.is_on_curve_g2, G2) == (True, True)
    assert both(g.is_in_subgroup_g2, G2) == (True, True)


def test_generators_have_order_r():
    assert both(g.g1_mul, G1, R) == (None, None)
    assert both(g.g2_mul, G2, R) == (None, None)
    assert g.g1_mul(G1, R - 1) == g.g1_neg(G1) != G1
    assert g.g2_mul(G2, R - 1) == g.g2_neg(G2) != G2


# --- G1 and G2 arithmetic against py_ecc ----------------------------------------------------

GROUPS = {
    "g1": dict(add=g.g1_add, neg=g.g1_neg, double=g.g1_double, mul=g.g1_mul, msm=g.msm_g1,
               mul_many=g.g1_mul_many, gen=G1, rand=random_g1, fast=_g1_fast),
    "g2": dict(add=g.g2_add, neg=g.g2_neg, double=g.g2_double, mul=g.g2_mul, msm=g.msm_g2,
               mul_many=g.g2_mul_many, gen=G2, rand=random_g2, fast=_g2_fast),
}


@pytest.fixture(params=sorted(GROUPS))
def grp(request):
    return GROUPS[request.param]


def test_add_double_neg_match_reference(grp, rng):
    P, P2 = grp["rand"](rng, 2)
    cases = [(P, P2), (P, P), (P, grp["neg"](P)), (P, None), (None, P2), (None, None), (grp["gen"], P)]
    for a, b in cases:
        fast, ref = both(grp["add"], a, b)
        assert fast == ref
    for a in (P, None, grp["gen"]):
        for op in ("double", "neg"):
            fast, ref = both(grp[op], a)
            assert fast == ref
    assert grp["add"](P, grp["neg"](P)) is None
    assert grp["double"](P) == grp["add"](P, P)


def test_add_is_not_trivially_equal(grp, rng):
    # negative twin: distinct inputs give distinct, checkable results
    P, P2 = grp["rand"](rng, 2)
    assert grp["add"](P, P2) != grp["add"](P, P)
    assert grp["neg"](P) != P
    assert grp["double"](P) != P


@pytest.mark.parametrize("k", EDGE_SCALARS)
def test_mul_edge_scalars_match_reference(grp, rng, k):
    P = grp["rand"](rng)[0]
    fast, ref = both(grp["mul"], P, k)
    assert fast == ref
    assert both(grp["mul"], None, k) == (None, None)


def test_mul_random_scalars_match_reference(grp, rng):
    P = grp["rand"](rng)[0]
    for _ in range(3):
        k = rng.randrange(-2 * R, 2 * R)
        fast, ref = both(grp["mul"], P, k)
        assert fast == ref
        assert fast != grp["mul"](P, k + 1)  # negative twin: neighbours differ


@settings(max_examples=25, deadline=None, derandomize=True)
@given(a=st.integers(min_value=-(2**260), max_value=2**260), b=st.integers(min_value=0, max_value=2**256))
def test_g1_mul_is_linear(a, b):
    lhs = g.g1_add(g.g1_mul(G1, a), g.g1_mul(G1, b))
    assert lhs == g.g1_mul(G1, a + b)
    assert (lhs == g.g1_mul(G1, a + b + 1)) is False


# --- MSM -------------------------------------------------------------------------------------


def msm_case(grp, rng, n):
    """n points with repeats, a cancelling pair and infinity; scalars heavy in 0, 1, r - 1."""
    pts = grp["rand"](rng, max(1, (n + 1) // 2))
    points, scalars = [], []
    specials = [0, 1, R - 1, 2, R - 2, R]
    for i in range(n):
        P = pts[rng.randrange(len(pts))]
        if i % 7 == 3:
            P = None
        points.append(P)
        scalars.append(specials[i % len(specials)] if i % 3 else rng.randrange(R))
    if n >= 2:
        # P and -P with equal scalars cancel; the same point twice lands in one bucket
        points[0], points[1] = pts[0], grp["neg"](pts[0])
        scalars[0] = scalars[1] = rng.randrange(2, R)
    return points, scalars


@pytest.mark.parametrize("n", [0, 1, 2, 17, 100])
def test_msm_matches_reference(grp, rng, n):
    points, scalars = msm_case(grp, rng, n)
    fast, ref = both(grp["msm"], points, scalars)
    assert fast == ref
    if n >= 2:
        # negative twin: breaking the cancellation changes the answer
        bumped = [scalars[0] + 1] + scalars[1:]
        assert grp["msm"](points, bumped) == grp["add"](fast, points[0])
        assert grp["msm"](points, bumped) != fast


def test_msm_cancels_to_infinity(grp, rng):
    P, P2 = grp["rand"](rng, 2)
    k, k2 = rng.randrange(R), rng.randrange(R)
    points = [P, P2, grp["neg"](P), P2]
    scalars = [k, k2, k, R - k2]
    assert both(grp["msm"], points, scalars) == (None, None)
    assert grp["msm"](points, [k, k2, k, R - k2 + 1]) == P2


def test_msm_small_windows_exercise_bucket_collisions(grp, rng):
    # Tiny windows force many points into one bucket, including equal and opposite points.
    pts = grp["rand"](rng, 3)
    points = pts * 6 + [grp["neg"](p) for p in pts] * 2
    scalars = [rng.choice([5, 6, 7, 2**200 + 5, R - 9]) for _ in points]
    expected = None
    for P, k in zip(points, scalars):
        expected = grp["add"](expected, grp["mul"](P, k))
    for window in (1, 2, 3, 5):
        assert grp["fast"].msm(points, scalars, window) == expected
    assert grp["fast"].msm(points, scalars[:-1] + [scalars[-1] + 1], 2) != expected


def test_msm_rejects_length_mismatch(grp, rng):
    P = grp["rand"](rng)[0]
    for name in (backend.FAST, backend.REFERENCE):
        with backend.use(name), pytest.raises(ValueError, match="as many scalars"):
            grp["msm"]([P, P], [1])


def test_msm_large_fast_matches_mul_sum(rng):
    # Large enough to pick a wide default window; checked against per-point multiplication.
    n = 600
    points = random_g1(rng, 40)
    points = [points[i % 40] for i in range(n)]
    scalars = [rng.randrange(R) for _ in range(n)]
    expected = None
    for P, k in zip(points, scalars):
        expected = g.g1_add(expected, g.g1_mul(P, k))
    assert g.msm_g1(points, scalars) == expected
    scalars[17] += 1
    assert g.msm_g1(points, scalars) != expected


# --- fixed-base batches -----------------------------------------------------------------------


def test_mul_many_matches_reference(grp, rng):
    P = grp["rand"](rng)[0]
    scalars = [0, 1, R - 1, R, R + 5, -1, -(2**255), 2**256] + [rng.randrange(R) for _ in range(4)]
    fast, ref = both(grp["mul_many"], P, scalars)
    assert fast == ref
    assert fast[0] is None and fast[1] == P and fast[2] == grp["neg"](P)
    assert both(grp["mul_many"], P, []) == ([], [])
    assert both(grp["mul_many"], None, [3, 4]) == ([None, None], [None, None])


def test_mul_many_wide_window_matches_mul(rng):
    # 3000 scalars select a wider window than the small cases above.
    scalars = [rng.randrange(-R, 2 * R) for _ in range(3000)]
    out = g.g1_mul_many(G1, scalars)
    for i in rng.sample(range(len(scalars)), 20):
        assert out[i] == g.g1_mul(G1, scalars[i])
        assert out[i] != g.g1_mul(G1, scalars[i] + 1)


# --- on-curve and subgroup checks --------------------------------------------------------------


def off_curve_g1(rng):
    while True:
        P = (rng.randrange(Q), rng.randrange(Q))
        if not _g1_fast.is_on_curve(P):
            return P


def off_curve_g2(rng):
    while True:
        P = ((rng.randrange(Q), rng.randrange(Q)), (rng.randrange(Q), rng.randrange(Q)))
        if not _g2_fast.is_on_curve(P):
            return P


def test_is_on_curve_matches_py_ecc(rng):
    for P in random_g1(rng, 3) + [None, G1]:
        assert both(g.is_on_curve_g1, P) == (True, True)
    for _ in range(3):
        assert both(g.is_on_curve_g1, off_curve_g1(rng)) == (False, False)
    assert both(g.is_on_curve_g1, (0, 0)) == (False, False)
    for P in random_g2(rng, 2) + [None, twist_point(rng)]:
        assert both(g.is_on_curve_g2, P) == (True, True)
    for _ in range(3):
        assert both(g.is_on_curve_g2, off_curve_g2(rng)) == (False, False)
    assert both(g.is_on_curve_g2, ((0, 0), (0, 0))) == (False, False)


def test_is_on_curve_rejects_non_points():
    for bad in [(1,), (1, 2, 3), [1, 2], (True, 2), (1, "2"), (Q + 1, 2), (1, 2 - Q), "G1"]:
        assert g.is_on_curve_g1(bad) is False
    assert g.is_on_curve_g1((1, 2 + Q)) is False
    assert g.is_on_curve_g2(((G2[0][0], G2[0][1]), (G2[1][0] + Q, G2[1][1]))) is False
    assert g.is_on_curve_g2(G1) is False


def test_subgroup_check_inside_matches_definition(rng):
    for P in random_g2(rng, 3) + [G2, None]:
        assert both(g.is_in_subgroup_g2, P) == (True, True)
        assert g.g2_mul(P, R) is None


def test_subgroup_check_outside_matches_definition(rng):
    cofactor = 2 * Q - R  # #E'(Fq2) = r * (2q - r) for BN curves
    inside = random_g2(rng)[0]
    for _ in range(3):
        P = twist_point(rng)
        assert g.is_on_curve_g2(P)
        rP = _reference._bn.multiply(_reference._to2(P), R)
        assert not _reference._bn.is_inf(rP)  # the slow definition, in py_ecc: [r]P != 0
        assert both(g.is_in_subgroup_g2, P) == (False, False)
        mixed = g.g2_add(P, inside)
        assert both(g.is_in_subgroup_g2, mixed) == (False, False)
        # clearing the cofactor lands in G2 (the positive twin, from the same point)
        cleared = _g2_fast.to_affine(_mul_unreduced_g2(P, cofactor))
        assert both(g.is_in_subgroup_g2, cleared) == (True, True)


def _mul_unreduced_g2(P, k):
    # g2_mul reduces k mod r, which is wrong for cofactor multiplication outside G2.
    x0, x1, y0, y1 = _g2_fast._flat(P)
    acc = None
    for i in range(k.bit_length() - 1, -1, -1):
        acc = _g2_fast.jac_double(acc)
        if (k >> i) & 1:
            acc = _g2_fast.jac_madd(acc, x0, x1, y0, y1)
    return acc


def test_subgroup_check_rejects_off_curve(rng):
    assert both(g.is_in_subgroup_g2, off_curve_g2(rng)) == (False, False)


def test_psi_acts_as_q_on_g2(rng):
    P = random_g2(rng)[0]
    assert _g2_fast.psi(P) == g.g2_mul(P, Q)
    assert _g2_fast.psi(P) != g.g2_mul(P, Q + 1)


# --- validation ----------------------------------------------------------------------------------


def test_validate_accepts_valid_points(rng):
    P1 = random_g1(rng)[0]
    P2 = random_g2(rng)[0]
    for name in (backend.FAST, backend.REFERENCE):
        with backend.use(name):
            assert g.validate_g1(P1, "proof.A") == P1
            assert g.validate_g2(P2, "proof.B") == P2
            assert g.validate_g1(None, "proof.A", allow_infinity=True) is None
            assert g.validate_g2(None, "proof.B", allow_infinity=True) is None


class _MyInt(int):
    pass


def test_validate_returns_plain_ints():
    P = g.validate_g1((_MyInt(1), _MyInt(2)), "vk.alpha")
    assert P == G1 and all(type(c) is int for c in P)


G1_BAD = [
    ([1, 2], "is not a pair of integers"),
    ((1,), "is not a pair of integers"),
    ((1, 2, 1), "is not a pair of integers"),
    ((True, 2), "is not a pair of integers"),
    ((1, 2.0), "is not a pair of integers"),
    (("1", "2"), "is not a pair of integers"),
    ((1, -2), "negative coordinate"),
    ((1, 2 + Q), "coordinate >= q"),
    ((1 + Q, 2), "coordinate >= q"),
    ((1, 3), "is not on the curve"),
    ((0, 0), "is not on the curve"),
    (None, "is the point at infinity"),
]


@pytest.mark.parametrize("bad,reason", G1_BAD)
def test_validate_g1_rejects(bad, reason):
    for name in (backend.FAST, backend.REFERENCE):
        with backend.use(name), pytest.raises(InvalidPoint, match=reason) as info:
            g.validate_g1(bad, "proof.A")
        assert str(info.value).startswith("proof.A ")
        assert "\n" not in str(info.value)


def _g2_bad_cases():
    (x0, x1), (y0, y1) = G2
    return [
        ([G2[0], G2[1]], "is not a pair of pairs of integers"),
        ((G2[0],), "is not a pair of pairs of integers"),
        ((x0, x1), "is not a pair of pairs of integers"),
        (((x0, x1), [y0, y1]), "is not a pair of pairs of integers"),
        (((x0, x1), (y0, y1, 0)), "is not a pair of pairs of integers"),
        (((x0, True), (y0, y1)), "is not a pair of pairs of integers"),
        (((x0, x1), (y0, -y1)), "negative coordinate"),
        (((x0 + Q, x1), (y0, y1)), "coordinate >= q"),
        (((x0, x1), (y0, y1 + Q)), "coordinate >= q"),
        (((x0, x1), (y0, (y1 + 1) % Q)), "is not on the curve"),
        (((0, 0), (0, 0)), "is not on the curve"),
        (None, "is the point at infinity"),
    ]


@pytest.mark.parametrize("index", range(len(_g2_bad_cases())))
def test_validate_g2_rejects(index):
    bad, reason = _g2_bad_cases()[index]
    for name in (backend.FAST, backend.REFERENCE):
        with backend.use(name), pytest.raises(InvalidPoint, match=reason) as info:
            g.validate_g2(bad, "vk.gamma")
        assert str(info.value).startswith("vk.gamma ")


def test_validate_g2_rejects_outside_subgroup(rng):
    P = twist_point(rng)
    for name in (backend.FAST, backend.REFERENCE):
        with backend.use(name), pytest.raises(InvalidPoint, match="vk.gamma is outside the prime-order subgroup"):
            g.validate_g2(P, "vk.gamma")


# --- encodings --------------------------------------------------------------------------------------


def test_encoding_known_answers():
    assert g.g1_to_bytes(G1) == (1).to_bytes(32, "big") + (2).to_bytes(32, "big")
    assert g.g1_to_bytes(None) == bytes(64)
    assert g.g2_to_bytes(None) == bytes(128)
    assert g.g2_to_bytes(G2)[:32] == G2[0][0].to_bytes(32, "big")  # c0 first
    assert g.g2_to_bytes(G2)[32:64] == G2[0][1].to_bytes(32, "big")


def test_encoding_round_trip(rng):
    for P in random_g1(rng, 3) + [G1]:
        data = g.g1_to_bytes(P)
        assert len(data) == 64 and g.g1_from_bytes(data, "proof.A") == P
        assert g.g1_from_bytes(bytearray(data), "proof.A") == P
    for P in random_g2(rng, 2) + [G2]:
        data = g.g2_to_bytes(P)
        assert len(data) == 128 and g.g2_from_bytes(data, "proof.B") == P
    assert g.g1_from_bytes(bytes(64), "proof.A", allow_infinity=True) is None
    assert g.g2_from_bytes(bytes(128), "proof.B", allow_infinity=True) is None


def test_g1_from_bytes_rejects(rng):
    P = random_g1(rng)[0]
    data = g.g1_to_bytes(P)
    x, y = P
    cases = [
        (data[:-1], "must be 64 bytes, got 63"),
        (data + b"\x00", "must be 64 bytes, got 65"),
        (b"", "must be 64 bytes, got 0"),
        (data.hex(), "is not bytes"),
        ((x + Q).to_bytes(32, "big") + y.to_bytes(32, "big"), "coordinate >= q"),
        (x.to_bytes(32, "big") + (y + Q).to_bytes(32, "big"), "coordinate >= q"),
        (b"\xff" * 64, "coordinate >= q"),
        (x.to_bytes(32, "big") + ((y + 1) % Q).to_bytes(32, "big"), "is not on the curve"),
        (bytes(64), "proof.A is the point at infinity"),
    ]
    for bad, reason in cases:
        with pytest.raises(InvalidPoint, match=reason) as info:
            g.g1_from_bytes(bad, "proof.A")
        assert str(info.value).startswith("proof.A ")


def test_g2_from_bytes_rejects(rng):
    P = random_g2(rng)[0]
    data = g.g2_to_bytes(P)
    (x0, x1), (y0, y1) = P
    outside = g.g2_to_bytes(twist_point(rng))
    cases = [
        (data[:-1], "must be 128 bytes, got 127"),
        (data + data, "must be 128 bytes, got 256"),
        ((x0 + Q).to_bytes(32, "big") + data[32:], "coordinate >= q"),
        (data[:96] + (y1 + Q).to_bytes(32, "big"), "coordinate >= q"),
        (data[:96] + ((y1 + 1) % Q).to_bytes(32, "big"), "is not on the curve"),
        (data[32:64] + data[:32] + data[64:], "is not on the curve"),  # c1/c0 swapped (EIP-197 order)
        (outside, "is outside the prime-order subgroup"),
        (bytes(128), "is the point at infinity"),
    ]
    for bad, reason in cases:
        with pytest.raises(InvalidPoint, match=reason) as info:
            g.g2_from_bytes(bad, "vk.delta")
        assert str(info.value).startswith("vk.delta ")


def test_to_bytes_rejects_non_canonical_tuples():
    with pytest.raises(InvalidPoint, match="coordinate >= q"):
        g.g1_to_bytes((1, 2 + Q))
    with pytest.raises(InvalidPoint, match="not a pair"):
        g.g1_to_bytes([1, 2])
    with pytest.raises(InvalidPoint, match="negative coordinate"):
        g.g2_to_bytes(((1, -1), (2, 2)))
    assert len(g.g1_to_bytes(G1)) == 64  # the valid twin


def test_msm_functions_are_picklable():
    import pickle

    for fn in (g.msm_g1, g.msm_g2, g.g1_mul_many, g.g2_mul_many):
        assert pickle.loads(pickle.dumps(fn)) is fn


# The twist's cofactor 2q - r factors as below (checked by the first test); a point of order f * r or f,
# for each prime f, is the hardest case for a subgroup check: only its small component is wrong.
COFACTOR_PRIMES = (10069, 5864401, 1875725156269, 197620364512881247228717050342013327560683201906968909)


def test_cofactor_factorisation():
    product = 1
    for f in COFACTOR_PRIMES:
        product *= f
    assert product == 2 * Q - R


@pytest.mark.parametrize("prime", COFACTOR_PRIMES)
def test_subgroup_check_rejects_every_small_torsion_component(rng, prime):
    cofactor = 2 * Q - R
    while True:
        # T = [r * cofactor / prime] P has order dividing `prime`; retry in the rare case it is 0.
        torsion = _g2_fast.to_affine(_mul_unreduced_g2(twist_point(rng), R * (cofactor // prime)))
        if torsion is not None:
            break
    assert g.is_on_curve_g2(torsion)
    assert _g2_fast.to_affine(_mul_unreduced_g2(torsion, prime)) is None  # order exactly `prime`
    inside = random_g2(rng)[0]
    for point in (torsion, g.g2_add(inside, torsion)):
        assert both(g.is_in_subgroup_g2, point) == (False, False)
    assert both(g.is_in_subgroup_g2, inside) == (True, True)  # the twin: the same point without T
