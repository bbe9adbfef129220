"""Many points, each times its own scalar: GLV (G1) and GLS (G2) endomorphism splitting with width-5 NAF.

Private to ``zkopt.curve``; ``groups`` is the public face (``g1_mul_each``,
``g2_mul_each``). This is the workhorse of ceremonies, where every point of
a key is multiplied by a secret (a contribution) or by a root of unity (a
group FFT), so the MSM's bucket sharing does not apply.

Both groups have an endomorphism that acts on the prime-order subgroup as a
known scalar:

* G1: phi(x, y) = (beta x, y) with beta a cube root of unity in Fq, equal
  to [LAMBDA] for a cube root of unity LAMBDA in Fr. A scalar k is split as
  k = k1 + k2 LAMBDA (mod r) with |k1|, |k2| about 2^127 by a short basis of
  the lattice {(a, b): a + b LAMBDA = 0 mod r} (Gallant, Lambert, Vanstone;
  "Guide to ECC" algorithm 3.74).
* G2: psi (untwist-Frobenius-twist) acts as [mu] with mu = q mod r = 6x^2,
  a root of X^4 - X^2 + 1, so k splits into four ~64-bit parts over
  psi^0..psi^3 by rounding against a short basis (Galbraith-Scott).

[k]P = sum_j [k_j] endo^j(P) then costs one run of doublings shared by all
parts (Straus: ~128 in G1, ~65 in G2), plus one mixed addition per non-zero
NAF digit; the odd multiples of P are made once and mapped through the
endomorphism. G2 points must lie in G2 (``psi`` only acts as mu there):
callers validate.
"""

from __future__ import annotations

import math
from fractions import Fraction
from collections.abc import Sequence

from zkopt.curve import _g1_fast as g1
from zkopt.curve import _g2_fast as g2
from zkopt.field import R

_WINDOW = 5
_ODD = 1 << (_WINDOW - 2)  # odd multiples 1, 3, ..., 2^(w-1) - 1 of each point


def _cube_root_of_unity(p: int) -> int:
    for base in range(2, 100):
        root = pow(base, (p - 1) // 3, p)
        if root != 1:
            return root
    raise RuntimeError("no cube root of unity found")  # pragma: no cover


def _glv_constants() -> tuple[int, int]:
    """(beta, lambda) with phi(P) = (beta x, y) = [lambda] P on G1, checked on the generator."""
    beta = _cube_root_of_unity(g1.Q)
    lam = _cube_root_of_unity(R)
    for b in (beta, beta * beta % g1.Q):
        for candidate in (lam, lam * lam % R):
            if g1.mul((1, 2), candidate) == (b % g1.Q, 2):
                return b, candidate
    raise RuntimeError("GLV constants do not match")  # pragma: no cover


BETA, LAMBDA = _glv_constants()


def _short_basis(n: int, lam: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two short vectors (a, b) with a + b lam = 0 mod n, by the extended Euclidean algorithm."""
    r0, r1 = n, lam
    t0, t1 = 0, 1
    bound = 1 << ((n.bit_length() + 1) // 2)
    while r1 >= bound:
        quotient = r0 // r1
        r0, r1 = r1, r0 - quotient * r1
        t0, t1 = t1, t0 - quotient * t1
    # now r0 >= sqrt(n) > r1: (r1, -t1) is short; the shorter of (r0, -t0) and the next remainder completes it
    quotient = r0 // r1
    r2, t2 = r0 - quotient * r1, t0 - quotient * t1
    v1 = (r1, -t1)
    v2 = min((r0, -t0), (r2, -t2), key=lambda v: v[0] * v[0] + v[1] * v[1])
    return v1, v2


(_A1, _B1), (_A2, _B2) = _short_basis(R, LAMBDA)


def glv_split(k: int) -> tuple[int, int]:
    """k1, k2 with k1 + k2 LAMBDA = k (mod r), both about 127 bits (signed)."""
    c1 = (_B2 * k + R // 2) // R
    c2 = (-_B1 * k + R // 2) // R
    return k - c1 * _A1 - c2 * _A2, -c1 * _B1 - c2 * _B2


#: psi's eigenvalue on G2: q mod r = 6 x^2 (a root of X^4 - X^2 + 1 mod r).
PSI_EIGENVALUE = g1.Q % R
_X = g2.BN_X
#: Four short independent vectors of {v : v0 + v1 mu + v2 mu^2 + v3 mu^3 = 0 mod r}, mu = PSI_EIGENVALUE
#: (Galbraith and Scott, "Exponentiation in pairing-friendly groups using homomorphisms", BN curves);
#: they span a sublattice of index 3, which rounding against them only needs to be short.
GLS_BASIS = ((_X + 1, _X, _X, -2 * _X), (2 * _X + 1, -_X, -(_X + 1), -_X),
             (2 * _X, 2 * _X + 1, 2 * _X + 1, 2 * _X + 1), (_X - 1, 4 * _X + 2, -2 * _X + 1, _X - 1))


def _first_row_of_inverse(rows) -> tuple[tuple[int, ...], int]:
    """(n_0..n_3, d) with the first row of rows^-1 equal to n_i / d, d > 0 (exact Gauss-Jordan)."""

    size = len(rows)
    m = [[Fraction(v) for v in row] + [Fraction(int(i == j)) for j in range(size)] for i, row in enumerate(rows)]
    for col in range(size):
        pivot = next(i for i in range(col, size) if m[i][col])
        m[col], m[pivot] = m[pivot], m[col]
        m[col] = [v / m[col][col] for v in m[col]]
        for i in range(size):
            if i != col and m[i][col]:
                m[i] = [a - m[i][col] * b for a, b in zip(m[i], m[col])]
    first = m[0][size:]
    d = math.lcm(*(v.denominator for v in first))
    return tuple(int(v * d) for v in first), d


_GLS_INV, _GLS_DEN = _first_row_of_inverse(GLS_BASIS)


def gls_split(k: int) -> tuple[int, int, int, int]:
    """v0..v3 (signed, about 64 bits) with v0 + v1 mu + v2 mu^2 + v3 mu^3 = k (mod r): Babai rounding."""
    coeffs = [(k * n + _GLS_DEN // 2) // _GLS_DEN for n in _GLS_INV]
    return tuple(int(k * (j == 0)) - sum(c * b[j] for c, b in zip(coeffs, GLS_BASIS)) for j in range(4))


def _wnaf(k: int) -> list[int]:
    """Width-5 NAF digits of k >= 0, least significant first (odd digits in (-16, 16))."""
    digits = []
    full = 1 << _WINDOW
    half = full >> 1
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        digits.append(d)
        k >>= 1
    return digits


# Plans of recent scalars, shared by calls: a group FFT multiplies by the same few thousand
# roots of unity level after level, a contribution by one secret.
_SCHEDULES: dict[tuple, tuple] = {}
_SCHEDULES_MAX = 1 << 15


# The few distinct per-bit addition lists, shared by every plan (a plan is then ~1 KB of pointers).
_STEPS: dict[tuple, tuple] = {}


def _plan(parts: Sequence[int]) -> tuple[tuple, tuple]:
    """The Straus plan of a split scalar: the signs of its parts, and per bit from the top the (part, digit)
    additions after that bit's doubling (the first entry's doubling is skipped: it starts from infinity)."""
    digits = [_wnaf(abs(v)) for v in parts]
    size = max(len(d) for d in digits)
    steps = []
    for i in range(size - 1, -1, -1):
        adds = tuple((j, d[i]) for j, d in enumerate(digits) if i < len(d) and d[i])
        steps.append(_STEPS.setdefault(adds, adds))
    return tuple(1 if v >= 0 else -1 for v in parts), tuple(steps)


def _schedule(k: int, split) -> tuple[tuple, tuple]:
    """The plan of [k]: (signs, steps), cached across calls."""
    key = (k, split)
    cached = _SCHEDULES.get(key)
    if cached is None:
        if len(_SCHEDULES) >= _SCHEDULES_MAX:
            _SCHEDULES.clear()
        cached = _SCHEDULES[key] = _plan(split(k % R))
    return cached


# --- G1 --------------------------------------------------------------------------------------------


def _g1_odd_multiples(points: list) -> list:
    """For each affine point (mpz x, y), the affine odd multiples P, 3P, ..., 15P; one inversion for all."""
    doubles = g1.normalize_many([g1.jac_double((x, y, g1._ONE)) for x, y in points])
    jac = []
    for (x, y), (dx, dy) in zip(points, doubles):
        acc = (x, y, g1._ONE)
        jac.append(acc)
        for _ in range(_ODD - 1):
            acc = g1.jac_madd(acc, dx, dy)
            jac.append(acc)
    flat = g1.normalize_many(jac)
    return [flat[i : i + _ODD] for i in range(0, len(flat), _ODD)]


def _signed(table: list, sign: int, q, beta=None) -> dict:
    """Digit d -> the affine point d * (sign * P) (or its phi image), for the odd |d| < 16."""
    out = {}
    for j, (x, y) in enumerate(table):
        if beta is not None:
            x = beta * x % q
        d = 2 * j + 1
        out[d] = (x, y if sign > 0 else q - y)
        out[-d] = (x, q - y if sign > 0 else y)
    return out


def _g1_run(steps: tuple, tabs: tuple, q):
    """The Straus loop of a plan over one point's signed tables, with the formulas written out.

    The hot path spells out the a = 0 doubling (dbl-2009-l) and the mixed
    addition, as ``_g1_fast.msm`` does; the rare cases (an addition of equal
    or opposite points, infinity) finish through ``jac_double`` / ``jac_madd``,
    which handle them.
    """
    i = 0
    acc = None
    while acc is None and i < len(steps):  # the leading bits, until the accumulator is a point
        acc = g1.jac_double(acc)
        for j, d in steps[i]:
            acc = g1.jac_madd(acc, *tabs[j][d])
        i += 1
    if acc is None:
        return None
    X, Y, Z = acc
    # A reduction costs about three multiplications here, so D, V and HHH stay unreduced
    # (at most ~770-bit intermediates): only values that feed later steps are taken mod q.
    for n in range(i, len(steps)):
        A = X * X % q
        BB = Y * Y % q
        D = 4 * X * BB
        E = 3 * A
        X2 = (E * E - 2 * D) % q
        Z = 2 * Y * Z % q
        Y = (E * (D - X2) - 8 * BB * BB) % q
        X = X2
        for m, (j, d) in enumerate(steps[n]):
            x, y = tabs[j][d]
            ZZ = Z * Z % q
            H = (x * ZZ - X) % q
            r = (y * ZZ * Z - Y) % q
            if not H:  # equal or opposite points: the complete formulas take over
                acc = g1.jac_madd((X, Y, Z), x, y)
                for j2, d2 in steps[n][m + 1 :]:
                    acc = g1.jac_madd(acc, *tabs[j2][d2])
                for later in steps[n + 1 :]:
                    acc = g1.jac_double(acc)
                    for j2, d2 in later:
                        acc = g1.jac_madd(acc, *tabs[j2][d2])
                return acc
            HH = H * H % q
            HHH = H * HH
            V = X * HH
            X3 = (r * r - HHH - 2 * V) % q
            Y = (r * (V - X3) - Y * HHH) % q
            Z = Z * H % q
            X = X3
    return (X, Y, Z)


def g1_mul_each(points: Sequence, scalars: Sequence[int]) -> list:
    """[[k_i] P_i]; points are affine G1 tuples or None; scalars any ints (reduced mod r)."""
    if len(points) != len(scalars):
        raise ValueError(f"mul_each needs as many scalars as points ({len(scalars)} != {len(points)})")
    results: list = [None] * len(points)
    work = []
    for i, (p, k) in enumerate(zip(points, scalars)):
        k %= R
        if k == 1:
            results[i] = p
        elif p is not None and k:
            work.append((i, g1.mpz(p[0]), g1.mpz(p[1])))
    tables = _g1_odd_multiples([(x, y) for _, x, y in work])
    q = g1._q
    beta = g1.mpz(BETA)
    jac = []
    for (index, _, _), table in zip(work, tables):
        (s1, s2), steps = _schedule(scalars[index] % R, glv_split)
        jac.append(_g1_run(steps, (_signed(table, s1, q), _signed(table, s2, q, beta)), q))
    for (index, _, _), value in zip(work, g1.batch_to_affine(jac)):
        results[index] = value
    return results


# --- G2 --------------------------------------------------------------------------------------------


def _g2_odd_multiples(points: list) -> list:
    doubles = g2.normalize_many([g2.jac_double(p + (g2._ONE, g2._ZERO)) for p in points])
    jac = []
    for p, dbl in zip(points, doubles):
        acc = p + (g2._ONE, g2._ZERO)
        jac.append(acc)
        for _ in range(_ODD - 1):
            acc = g2.jac_madd(acc, *dbl)
            jac.append(acc)
    flat = g2.normalize_many(jac)
    return [flat[i : i + _ODD] for i in range(0, len(flat), _ODD)]


def _psi_flat(p: tuple) -> tuple:
    """psi on a flat affine (x0, x1, y0, y1) of mpz."""
    x0, x1, y0, y1 = p
    q = g2._q
    gx0, gx1 = g2._PSI_X
    gy0, gy1 = g2._PSI_Y
    return ((x0 * gx0 + x1 * gx1) % q, (x0 * gx1 - x1 * gx0) % q,
            (y0 * gy0 + y1 * gy1) % q, (y0 * gy1 - y1 * gy0) % q)


def g2_mul_each(points: Sequence, scalars: Sequence[int]) -> list:
    """[[k_i] P_i] for points of G2 (the subgroup: psi must act as 6x^2) or None.

    Each scalar is split into four ~64-bit parts over psi^0..psi^3 (4-dimensional GLS), so
    one run of ~65 doublings serves all four; the odd multiples of P are mapped by psi.
    """
    if len(points) != len(scalars):
        raise ValueError(f"mul_each needs as many scalars as points ({len(scalars)} != {len(points)})")
    results: list = [None] * len(points)
    work = []
    for i, (p, k) in enumerate(zip(points, scalars)):
        k %= R
        if k == 1:
            results[i] = p
        elif p is not None and k:
            work.append((i, g2._flat(p)))
    tables = _g2_odd_multiples([p for _, p in work])
    q = g2._q
    double, madd = g2.jac_double, g2.jac_madd
    jac = []
    for (index, _), table in zip(work, tables):
        signs, steps = _schedule(scalars[index] % R, gls_split)
        images = [table]
        for _ in range(3):
            images.append([_psi_flat(p) for p in images[-1]])
        signed = []
        for tab, sign in zip(images, signs):
            entry = {}
            for j, (x0, x1, y0, y1) in enumerate(tab):
                pos, neg = (x0, x1, y0, y1), (x0, x1, q - y0, q - y1)
                entry[2 * j + 1], entry[-2 * j - 1] = (pos, neg) if sign > 0 else (neg, pos)
            signed.append(entry)
        acc = None
        for adds in steps:
            acc = double(acc)
            for j, d in adds:
                acc = madd(acc, *signed[j][d])
        jac.append(acc)
    for (index, _), value in zip(work, g2.batch_to_affine(jac)):
        results[index] = value
    return results


def g2_mul_unreduced(point, k: int):
    """[k]P for any point on the twist and any k >= 0, without reducing k mod r (cofactor clearing)."""
    if point is None or k == 0:
        return None
    x0, x1, y0, y1 = g2._flat(point)
    acc = (x0, x1, y0, y1, g2._ONE, g2._ZERO)
    for i in range(k.bit_length() - 2, -1, -1):
        acc = g2.jac_double(acc)
        if (k >> i) & 1:
            acc = g2.jac_madd(acc, x0, x1, y0, y1)
    return g2.to_affine(acc)
