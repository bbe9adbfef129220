"""The BN254 optimal-ate pairing: pairing products checked with one Miller loop and one final exponentiation.

Two backends behind one API, chosen by ``zkopt.curve.backend.current()``:

* ``"fast"``: pure Python over the generated straight-line tower arithmetic
  in ``zkopt.curve._tower`` (tools/gen_tower.py documents tower and layout).
* ``"reference"``: py_ecc's ``optimized_bn128``, whose traps stay in this
  module: its ``pairing(Q, P)`` takes G2 first, its ``FQ`` is the base field,
  its final exponentiation is the plain power (q^12 - 1) / r.

**Both backends return the same GT values, bit for bit.** The fast final
exponentiation computes exactly the textbook exponent (q^12 - 1) / r (not a
multiple c of it, as some fast implementations do), and reference values are
converted from py_ecc's Fq12 basis into ours. So a ``pairing()`` value of
either backend may be compared with, or passed as ``gt_factor`` to, the other.

Points use the project-wide representation and are assumed valid (on the
curve, in the prime-order subgroup): the caller checks. G1: ``(x, y)`` ints in
[0, q); G2: ``((x_c0, x_c1), (y_c0, y_c1))`` over Fq2 = Fq[u]/(u^2 + 1);
``None`` is the point at infinity. A GT value is an opaque, hashable 12-tuple
of ints (the Fq12 layout of ``_tower``); ``GT_ONE`` is the identity.

The fast Miller loop. It runs over the signed digits (NAF) of 6x + 2,
x = 4965661367192848881, then adds the lines through pi(Q) and -pi^2(Q).
Evaluated at P through the untwisting map (x, y) -> (x w^2, y w^3), every line
is ``c0 yP + c3 xP w + c4 w^3`` with c0, c3, c4 in Fq2 depending on Q only.
Dividing by ``c0 yP`` (a subfield element, which the final exponentiation
sends to 1) leaves ``1 + la (xP / yP) w + lb (1 / yP) w^3``, la = c3 / c0,
lb = c4 / c0: the cheapest sparse factor (``_tower.mul_line``). A
``PreparedG2`` stores the (la, lb) of its 88 lines, and all pairs share the
loop's 65 squarings. Lines of plain G2 points are computed in one of two ways,
chosen by measurement (see ``AFFINE_BATCH_MIN``):

* affine steps, whose lines come out normalised, with the inversions of each
  step shared by all plain points of the check (Montgomery's trick); this is
  also how ``prepare_g2`` works;
* projective steps with the line evaluated as ``c + A w + B w^3`` and no
  inversion at all (``_tower.mul_line_raw``), for a few plain points when the
  arithmetic runs on plain ints, where an inversion costs ~75 products.

The arithmetic runs on gmpy2's ``mpz`` when gmpy2 is installed (a project
dependency), about 1.7 times faster than on ``int``; results are ints either
way. benchmarks/bench_pairing.py measures both.
"""

from __future__ import annotations

from zkopt.curve import _tower as _t
from zkopt.curve import backend
from zkopt.field import R

Q = _t.Q
_q = _t._q  # q as the integer type the arithmetic runs on (gmpy2's mpz when installed)

#: The BN parameter: q = 36X^4 + 36X^3 + 24X^2 + 6X + 1, r = 36X^4 + 36X^3 + 18X^2 + 6X + 1.
X = 4965661367192848881

#: The optimal-ate loop count 6X + 2.
ATE_LOOP_COUNT = 6 * X + 2

#: The identity of GT.
GT_ONE: tuple = _t.ONE

#: From this many plain (unprepared) G2 points on, their lines are computed in
#: affine coordinates with batched inversions, below it projectively (see the
#: module docstring). Measured Miller loops, 1 / 2 / 4 / 8 plain points:
#: gmpy2: projective 1.67 / 2.79 / 5.09 / 9.65 ms, affine 1.58 / 2.37 / 4.07 / 7.49;
#: int:   projective 3.04 / 5.30 / 9.79 / 18.8 ms, affine 3.87 / 5.80 / 9.33 / 16.5.
AFFINE_BATCH_MIN = 1 if _t.BIGINT == "gmpy2" else 4


def _naf(n: int) -> list[int]:
    """Non-adjacent form of n > 0, most significant digit first (digits in {-1, 0, 1})."""
    digits = []
    while n:
        if n & 1:
            d = 2 - (n & 3)  # 1 if n = 1 mod 4, else -1, so the next digit is 0
            n -= d
        else:
            d = 0
        digits.append(d)
        n >>= 1
    return digits[::-1]


def _wnaf(n: int, width: int) -> dict[int, int]:
    """Width-w NAF of n > 0 as {position: odd digit}, |digit| < 2^(width - 1)."""
    digits = {}
    e = 0
    while n:
        if n & 1:
            d = n & ((1 << width) - 1)
            if d >= 1 << (width - 1):
                d -= 1 << width
            digits[e] = d
            n -= d
        n >>= 1
        e += 1
    return digits


# The NAF of 6X + 2 has 22 nonzero digits against 37 in binary; subtracting Q
# costs the same as adding it.
_ATE_NAF = _naf(ATE_LOOP_COUNT)
if sum(d << i for i, d in enumerate(reversed(_ATE_NAF))) != ATE_LOOP_COUNT or _ATE_NAF[0] != 1:
    raise RuntimeError("bad NAF of the ate loop count")

#: Lines per loop step after the leading digit: 1 (doubling) or 2 (doubling, then addition).
_STEPS = tuple(1 if d == 0 else 2 for d in _ATE_NAF[1:])
#: Lines of one G2 point: every step's, plus the two Frobenius correction lines.
LINES_PER_POINT = sum(_STEPS) + 2

# Exponentiation by X in the final exponentiation (see _exp_by_x).
_X_NAF = _naf(X)
_X_WNAF = _wnaf(X, 4)
_X_WNAF_EXPS = sorted(e for e in _X_WNAF if e)  # positions that need a decompressed power
_X_TOP = max(_X_WNAF)
if sum(d << e for e, d in _X_WNAF.items()) != X:
    raise RuntimeError("bad width-4 NAF of X")


class PreparedG2:
    """A G2 point with its Miller-loop lines precomputed (for a key's fixed points).

    ``lines`` holds one ``(la0, la1, lb0, lb1)`` per line in loop order (see
    the module docstring), ``None`` for the point at infinity; ``point``
    keeps the affine point, which the reference backend uses. Build with
    ``prepare_g2``.
    """

    __slots__ = ("point", "lines")

    def __init__(self, point, lines):
        self.point = point
        self.lines = lines

    def __repr__(self):
        return f"PreparedG2({self.point!r})"

    def __eq__(self, other):
        return isinstance(other, PreparedG2) and self.point == other.point

    def __hash__(self):
        return hash(("PreparedG2", self.point))


def prepare_g2(point) -> PreparedG2:
    """Precompute the Miller-loop lines of a fixed G2 point (None, infinity, is allowed)."""
    if point is None:
        return PreparedG2(None, None)
    return PreparedG2(point, tuple(_affine_lines([point])[0]))


def pairing(p, q):
    """The reduced pairing e(p, q) in GT, for p in G1 and q in G2 (a point or a PreparedG2)."""
    if backend.current() == backend.REFERENCE:
        return _ref_pairing_product([(p, q)])
    return _ints(_final_exponentiation(_miller_loop([(p, q)])))


def pairing_product(pairs):
    """prod e(P_i, Q_i) in GT, with one shared Miller loop and one final exponentiation."""
    if backend.current() == backend.REFERENCE:
        return _ref_pairing_product(pairs)
    return _ints(_final_exponentiation(_miller_loop(pairs)))


def pairing_check(pairs, gt_factor=None) -> bool:
    """Whether prod e(P_i, Q_i) * gt_factor == 1 in GT.

    ``pairs`` is a list of ``(G1 point, G2 point or PreparedG2)``; a pair with
    a point at infinity contributes 1. ``gt_factor`` is an optional value of
    ``pairing()`` (a prepared verifying key caches e(alpha, beta) this way).
    One Miller loop whose squarings all pairs share, one final exponentiation.
    """
    value = pairing_product(pairs)
    if gt_factor is not None:
        value = gt_mul(value, gt_factor)
    return value == GT_ONE


def gt_mul(a, b):
    """The product of two GT values."""
    _check_gt(a)
    _check_gt(b)
    if backend.current() == backend.REFERENCE:
        return _from_pyecc(_to_pyecc(a) * _to_pyecc(b))
    return _ints(_t.mul(a, b))


def gt_pow(a, k: int):
    """a^k in GT for any int k (GT has order r, so k counts mod r)."""
    _check_gt(a)
    k %= R
    if backend.current() == backend.REFERENCE:
        return _from_pyecc(_to_pyecc(a) ** k)
    result = GT_ONE
    for bit in bin(k)[2:]:
        result = _t.cyclotomic_sqr(result)  # GT lies in the cyclotomic subgroup
        if bit == "1":
            result = _t.mul(result, a)
    return _ints(result)


def _ints(a):
    """A GT value as plain ints (the arithmetic may run on mpz)."""
    return tuple(int(c) for c in a)


def _check_gt(a):
    if not (isinstance(a, tuple) and len(a) == 12):
        raise TypeError("a GT value is the 12-tuple that pairing() returns")


# --------------------------------------------------------------------------
# Fast backend: G2 lines.
# --------------------------------------------------------------------------
def _frobenius_points(point):
    """pi(Q) and -pi^2(Q) for an affine G2 point, as flat (x0, x1, y0, y1) tuples."""
    (x0, x1), (y0, y1) = point
    fx0, fx1 = _t.G2_FROB1_X
    fy0, fy1 = _t.G2_FROB1_Y
    q1 = (
        (x0 * fx0 + x1 * fx1) % _q,  # conj(x) * G2_FROB1_X
        (x0 * fx1 - x1 * fx0) % _q,
        (y0 * fy0 + y1 * fy1) % _q,  # conj(y) * G2_FROB1_Y
        (y0 * fy1 - y1 * fy0) % _q,
    )
    c = _t.G2_FROB2_X
    nq2 = (x0 * c % _q, x1 * c % _q, y0, y1)  # -pi^2(Q) = (x * c, y), since pi^2 negates y
    return q1, nq2


def _raw_lines(point, xp, yp):
    """The lines of one G2 point evaluated at P = (xp, yp), projective steps, in loop order.

    Each line is (c0, c1, A0, A1, B0, B1), proportional to c + A w + B w^3.
    """
    (x0, x1), (y0, y1) = point
    q_pos = (x0, x1, y0, y1)
    q_neg = (x0, x1, -y0 % _q, -y1 % _q)
    t = (x0, x1, y0, y1, 1, 0)  # homogeneous projective (X : Y : Z)
    dbl, add = _t.g2_double_step, _t.g2_add_step
    out = []
    for d in _ATE_NAF[1:]:
        t, line = dbl(t, xp, yp)
        out.append(line)
        if d:
            t, line = add(t, q_pos if d > 0 else q_neg, xp, yp)
            out.append(line)
    q1, nq2 = _frobenius_points(point)
    t, line = add(t, q1, xp, yp)
    out.append(line)
    out.append(add(t, nq2, xp, yp)[1])  # the point itself is not needed
    return out


def _affine_lines(points):
    """The normalised lines (la0, la1, lb0, lb1) of several G2 points, one list per point.

    Affine steps need one inversion per step and point; Montgomery's trick
    shares each step's inversions among all the points.
    """
    ts = [(x0, x1, y0, y1) for (x0, x1), (y0, y1) in points]
    pos = list(ts)
    neg = [(x0, x1, -y0 % _q, -y1 % _q) for x0, x1, y0, y1 in ts]
    out = [[] for _ in ts]
    dbl, add = _t.g2_affine_double_step, _t.g2_affine_add_step

    def double():
        invs = _batch_inverse([4 * (t[2] * t[2] + t[3] * t[3]) % _q for t in ts])  # norm(2y)
        for i, (t, inv) in enumerate(zip(ts, invs)):
            ts[i], line = dbl(t, inv)
            out[i].append(line)

    def add_points(rs):
        invs = _batch_inverse([((r[0] - t[0]) ** 2 + (r[1] - t[1]) ** 2) % _q for t, r in zip(ts, rs)])
        for i, (t, r, inv) in enumerate(zip(ts, rs, invs)):
            ts[i], line = add(t, r, inv)
            out[i].append(line)

    for d in _ATE_NAF[1:]:
        double()
        if d:
            add_points(pos if d > 0 else neg)
    frob = [_frobenius_points(p) for p in points]
    add_points([q1 for q1, _ in frob])
    add_points([nq2 for _, nq2 in frob])
    return out


def _batch_inverse(values):
    """Inverses mod q of nonzero values with one modular inversion (Montgomery's trick)."""
    prefix = []
    acc = 1
    for v in values:
        prefix.append(acc)
        acc = acc * v % _q
    if acc == 0:
        # Impossible for valid points (no G1 point has y = 0, and no Miller-loop
        # step of a point of order r degenerates): the caller skipped validation.
        raise ValueError("degenerate pairing input: not a point of the prime-order subgroups")
    inv = _t._invert(acc, _q)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = prefix[i] * inv % _q
        inv = inv * values[i] % _q
    return out


# --------------------------------------------------------------------------
# Fast backend: Miller loop and final exponentiation.
# --------------------------------------------------------------------------
def _miller_loop(pairs):
    """prod f_{6x+2,Q_i}(P_i) times the correction lines, up to factors the final exponentiation kills."""
    prepared = []  # (P, normalised lines)
    plain = []  # (P, affine Q)
    for p, q in pairs:
        if p is None or q is None:
            continue
        if isinstance(q, PreparedG2):
            if q.point is not None:
                prepared.append((p, q.lines))
        else:
            plain.append((p, q))
    raw = []  # lines already evaluated at their P, for mul_line_raw
    if len(plain) >= AFFINE_BATCH_MIN:
        prepared += zip([p for p, _ in plain], _affine_lines([q for _, q in plain]))
    else:
        raw = [_raw_lines(q, p[0], p[1]) for p, q in plain]
    if not prepared and not raw:
        return GT_ONE
    # A normalised line is evaluated at P via xs = xP / yP and ys = 1 / yP.
    items = []
    if prepared:
        inverses = _batch_inverse([p[1] for p, _ in prepared])
        items = [(p[0] * yi % _q, yi, lines) for (p, lines), yi in zip(prepared, inverses)]

    mul_line, mul_line_raw, sqr = _t.mul_line, _t.mul_line_raw, _t.sqr
    f = GT_ONE
    start = 0
    last = len(_STEPS)
    for step, n in enumerate(_STEPS + (2,)):  # the extra step holds the two correction lines
        if 0 < step < last:  # f is still 1 at the first step; corrections do not square
            f = sqr(f)
        end = start + n
        for xs, ys, lines in items:
            for line in lines[start:end]:
                f = mul_line(f, line, xs, ys)
        for lines in raw:
            for line in lines[start:end]:
                f = mul_line_raw(f, line)
        start = end
    return f


def _exp_by_x(a):
    """a^X for a in the cyclotomic subgroup.

    Right to left: X = sum_j k_j 2^(e_j) in width-4 NAF (odd |k_j| <= 7), so
    a^X = prod_k B_k^k with B_k = prod_{|k_j| = k} (a^(2^(e_j)))^(sign k_j).
    The 62 squarings run on Karabina's compressed form (4 of the 6 Fq2
    coefficients; 4 Fq2 products instead of 9 Fq2 squarings); only the 13
    powers the digits need are decompressed, sharing one inversion; 10
    products group them by digit, and Yao's method raises the groups to the
    powers 1, 3, 5, 7 with 6 more and one squaring. Measured:
    0.44 ms (gmpy2; 0.75 ms on ints), against 0.56 ms (0.93 ms) for NAF
    square-and-multiply with Granger-Scott squarings (``_exp_by_x_plain``).
    """
    comp = (a[2], a[3], a[8], a[9], a[4], a[5], a[10], a[11])  # (g2, g3, g4, g5), see _tower
    csqr = _t.compressed_sqr
    wanted = []
    for e in range(1, _X_TOP + 1):
        comp = csqr(comp)
        if e in _X_WNAF:
            wanted.append(comp)
    norms = [16 * (c[0] * c[0] + c[1] * c[1]) % _q for c in wanted]  # norm(4 g2)
    if 0 in norms:
        # g2 = 0: a = 1 (an empty product) or, with negligible probability,
        # an unlucky power; the uncompressed method needs no inversion.
        return _exp_by_x_plain(a)
    decompress, mul, conj = _t.decompress, _t.mul, _t.conj
    powers = {0: a}
    for e, c, n in zip(_X_WNAF_EXPS, wanted, _batch_inverse(norms)):
        powers[e] = decompress(c, (4 * c[0] * n % _q, -4 * c[1] * n % _q))  # 1/(4 g2) = conj(4 g2)/norm
    groups = {}
    for e, k in _X_WNAF.items():
        v = powers[e] if k > 0 else conj(powers[e])
        groups[abs(k)] = mul(groups[abs(k)], v) if abs(k) in groups else v
    # Yao: r = prod_{k >= 3} B_k^((k - 1) / 2) and s = prod_k B_k, so a^X = r^2 s.
    r = s = None
    for k in range(max(groups), 1, -2):
        if k in groups:
            s = groups[k] if s is None else mul(s, groups[k])
        if s is not None:
            r = s if r is None else mul(r, s)
    if 1 in groups:
        s = groups[1] if s is None else mul(s, groups[1])
    return s if r is None else mul(_t.cyclotomic_sqr(r), s)


def _exp_by_x_plain(a):
    """a^X for a in the cyclotomic subgroup: NAF square-and-multiply, Granger-Scott squarings."""
    a_inv = _t.conj(a)
    csqr, mul = _t.cyclotomic_sqr, _t.mul
    r = a
    for d in _X_NAF[1:]:
        r = csqr(r)
        if d == 1:
            r = mul(r, a)
        elif d == -1:
            r = mul(r, a_inv)
    return r


def _final_exponentiation(f):
    """f^((q^12 - 1) / r), exactly (not a multiple of the exponent).

    Easy part: f^((q^6 - 1)(q^2 + 1)) by a conjugation, an inversion and a
    Frobenius; the result lies in the cyclotomic subgroup, where squaring is
    cheaper and inversion is conjugation. Hard part: (q^4 - q^2 + 1) / r
    = l0 + l1 q + l2 q^2 + l3 q^3 with l3 = 1, l2 = 6x^2 + 1,
    l1 = -36x^3 - 18x^2 - 12x + 1, l0 = -36x^3 - 30x^2 - 18x - 2, computed from
    f^x, f^(x^2), f^(x^3) by the vectorial addition chain of Scott, Benger,
    Charlemagne, Dominguez Perez and Kachisa, "On the final exponentiation for
    calculating pairings on ordinary elliptic curves" (Pairing 2009).
    tests/test_pairing.py checks the decomposition, the chain's exponents and
    the result against py_ecc's plain power.
    """
    if f == GT_ONE:
        return GT_ONE
    mul, conj, csqr = _t.mul, _t.conj, _t.cyclotomic_sqr
    frob1, frob2, frob3 = _t.frobenius1, _t.frobenius2, _t.frobenius3
    f = mul(conj(f), _t.inv(f))  # f^(q^6 - 1)
    f = mul(frob2(f), f)  # f^((q^6 - 1)(q^2 + 1))
    fx = _exp_by_x(f)
    fx2 = _exp_by_x(fx)
    fx3 = _exp_by_x(fx2)
    y0 = mul(mul(frob1(f), frob2(f)), frob3(f))
    y1 = conj(f)
    y2 = frob2(fx2)
    y3 = conj(frob1(fx))
    y4 = conj(mul(fx, frob1(fx2)))
    y5 = conj(fx2)
    y6 = conj(mul(fx3, frob1(fx3)))
    # y0 y1^2 y2^6 y3^12 y4^18 y5^30 y6^36, with 4 squarings and 7 products:
    t0 = mul(mul(csqr(y6), y4), y5)
    t1 = mul(mul(y3, y5), t0)
    t0 = mul(t0, y2)
    t1 = csqr(mul(csqr(t1), t0))
    t0 = mul(t1, y1)
    t1 = mul(t1, y0)
    return mul(csqr(t0), t1)


# --------------------------------------------------------------------------
# Reference backend: py_ecc, converted to and from our representation.
# --------------------------------------------------------------------------
def _pyecc():
    # Imported on first use: loading py_ecc takes a noticeable time and the
    # fast backend never needs it.
    from py_ecc.optimized_bn128 import optimized_pairing

    return optimized_pairing


def _to_pyecc(a):
    """Our Fq12 12-tuple -> py_ecc's FQ12 (polynomials in w modulo w^12 - 18 w^6 + 82).

    Both towers use the same w, w^6 = 9 + u, so u = w^6 - 9 and
    (c0 + c1 u) w^k = (c0 - 9 c1) w^k + c1 w^(k + 6).
    """
    coeffs = [(a[2 * k] - 9 * a[2 * k + 1]) % Q for k in range(6)] + [a[2 * k + 1] % Q for k in range(6)]
    return _pyecc().FQ12(coeffs)


def _from_pyecc(f):
    """py_ecc's FQ12 -> our 12-tuple, using w^(k + 6) = (9 + u) w^k."""
    p = [int(c) for c in f.coeffs]
    out = []
    for k in range(6):
        out += [(p[k] + 9 * p[k + 6]) % Q, p[k + 6] % Q]
    return tuple(out)


def _ref_pairing_product(pairs):
    m = _pyecc()
    f = m.FQ12.one()
    for p, q in pairs:
        if isinstance(q, PreparedG2):
            q = q.point
        if p is None or q is None:
            continue
        (x0, x1), (y0, y1) = q
        qq = (m.FQ2([x0, x1]), m.FQ2([y0, y1]), m.FQ2.one())
        pp = (m.FQ(p[0]), m.FQ(p[1]), m.FQ.one())
        # py_ecc takes G2 first, and wants both points already mapped into Fq12.
        f = f * m.miller_loop(m.twist(qq), m.cast_point_to_fq12(pp), final_exponentiate=False)
    return _from_pyecc(m.final_exponentiate(f))
