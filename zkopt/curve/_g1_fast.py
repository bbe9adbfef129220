"""The fast G1 backend: BN254 G1 arithmetic on gmpy2 integers, Pippenger MSM, fixed-base batches.

Private to ``zkopt.curve``; ``groups`` is the public face. Points come in and go
out as affine ``(x, y)`` tuples of Python ints, or ``None`` for infinity; inside,
coordinates are ``mpz`` and intermediate points are Jacobian ``(X, Y, Z)`` with
``x = X/Z^2, y = Y/Z^3``, again ``None`` for infinity. Inputs are assumed to be
valid curve points: nothing here validates (``groups`` does that at the
boundary).

The hot loops spell their point additions out inline instead of calling a
helper, because in CPython a function call costs about as much as two field
multiplications. On this machine gmpy2's ``mpz`` multiplies and reduces 254-bit
numbers about 2.5 times faster than ``int`` (see benchmarks/bench_msm.py), so it
is used when available; the code is written so that plain ints also work.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Optional, Sequence

from zkopt.field import R

try:
    from gmpy2 import invert as _invert
    from gmpy2 import mpz
except ImportError:  # pragma: no cover - gmpy2 is a dependency; ints are the slow fallback
    mpz = int

    def _invert(a, m):
        return pow(a, -1, m)


#: The BN254 base field prime q (py_ecc's ``field_modulus``, EIP-196's ``p``).
Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583

#: The constant of the G1 equation y^2 = x^3 + 3.
B = 3

_q = mpz(Q)
_ONE = mpz(1)
_HALF_R = R // 2

Affine = Optional[tuple]
Jacobian = Optional[tuple]


# --- single operations on Jacobian points (used outside the hottest loops) ---------


def jac_double(P: Jacobian) -> Jacobian:
    """2P for a Jacobian P (a = 0 doubling, dbl-2009-l with fewer reductions)."""
    if P is None:
        return None
    q = _q
    X, Y, Z = P
    if not Y:
        return None
    A = X * X % q
    BB = Y * Y % q
    D = 4 * X * BB % q
    E = 3 * A
    X3 = (E * E - 2 * D) % q
    return X3, (E * (D - X3) - 8 * BB * BB) % q, 2 * Y * Z % q


def jac_add(P: Jacobian, P2: Jacobian) -> Jacobian:
    """P + P2 for Jacobian points, handling infinity, doubling and inverses."""
    if P is None:
        return P2
    if P2 is None:
        return P
    q = _q
    X1, Y1, Z1 = P
    X2, Y2, Z2 = P2
    Z1Z1 = Z1 * Z1 % q
    Z2Z2 = Z2 * Z2 % q
    U1 = X1 * Z2Z2 % q
    S1 = Y1 * Z2 * Z2Z2 % q
    H = (X2 * Z1Z1 - U1) % q
    r = (Y2 * Z1 * Z1Z1 - S1) % q
    if not H:
        return jac_double(P) if not r else None
    HH = H * H % q
    HHH = H * HH % q
    V = U1 * HH % q
    X3 = (r * r - HHH - 2 * V) % q
    return X3, (r * (V - X3) - S1 * HHH) % q, Z1 * Z2 * H % q


def jac_madd(P: Jacobian, x, y) -> Jacobian:
    """P + (x, y) for Jacobian P and an affine point (x, y) given as mpz."""
    if P is None:
        return x, y, _ONE
    q = _q
    X1, Y1, Z1 = P
    ZZ = Z1 * Z1 % q
    H = (x * ZZ - X1) % q
    r = (y * ZZ * Z1 - Y1) % q
    if not H:
        return jac_double(P) if not r else None
    HH = H * H % q
    HHH = H * HH % q
    V = X1 * HH % q
    X3 = (r * r - HHH - 2 * V) % q
    return X3, (r * (V - X3) - Y1 * HHH) % q, Z1 * H % q


def to_affine(P: Jacobian) -> Affine:
    if P is None:
        return None
    X, Y, Z = P
    q = _q
    zi = _invert(Z, q)
    zi2 = zi * zi % q
    return int(X * zi2 % q), int(Y * zi2 * zi % q)


def normalize_many(points: list) -> list:
    """Jacobian points to affine ``(mpz, mpz)`` with one inversion (Montgomery's trick)."""
    q = _q
    prefix = []
    acc = _ONE
    for P in points:
        prefix.append(acc)
        if P is not None:
            acc = acc * P[2] % q
    inv = _invert(acc, q)
    out: list = [None] * len(points)
    for i in range(len(points) - 1, -1, -1):
        P = points[i]
        if P is None:
            continue
        X, Y, Z = P
        zi = inv * prefix[i] % q
        inv = inv * Z % q
        zi2 = zi * zi % q
        out[i] = (X * zi2 % q, Y * zi2 * zi % q)
    return out


def batch_to_affine(points: list) -> list:
    """Jacobian points to public affine ``(int, int)`` points with one inversion."""
    return [None if P is None else (int(P[0]), int(P[1])) for P in normalize_many(points)]


# --- the public operations, affine in and out --------------------------------------


def neg(P: Affine) -> Affine:
    if P is None:
        return None
    x, y = P
    return (x, -y % Q)


def add(P: Affine, P2: Affine) -> Affine:
    # One inversion costs about six multiplications with gmpy2, so a single
    # affine addition is cheaper than a Jacobian round trip.
    if P is None:
        return P2
    if P2 is None:
        return P
    q = _q
    x1, y1 = mpz(P[0]), mpz(P[1])
    x2, y2 = mpz(P2[0]), mpz(P2[1])
    if x1 == x2:
        if (y1 + y2) % q == 0:
            return None
        lam = 3 * x1 * x1 * _invert(2 * y1, q) % q
    else:
        lam = (y2 - y1) * _invert(x2 - x1, q) % q
    x3 = (lam * lam - x1 - x2) % q
    return int(x3), int((lam * (x1 - x3) - y1) % q)


def double(P: Affine) -> Affine:
    return add(P, P)


def _split(P: Affine, k: int):
    """Reduce k mod R and use -P when that makes the scalar shorter: (x, y, k) or None."""
    k %= R
    if P is None or k == 0:
        return None
    x, y = P
    if k > _HALF_R:
        return mpz(x), mpz(-y % Q), R - k
    return mpz(x), mpz(y), k


def mul(P: Affine, k: int) -> Affine:
    """[k]P by left-to-right double-and-add with mixed additions."""
    s = _split(P, k)
    if s is None:
        return None
    x, y, k = s
    acc = (x, y, _ONE)
    for i in range(k.bit_length() - 2, -1, -1):
        acc = jac_double(acc)
        if (k >> i) & 1:
            acc = jac_madd(acc, x, y)
    return to_affine(acc)


def is_on_curve(P: Affine) -> bool:
    """y^2 == x^3 + 3 for an affine point of canonical ints (infinity is on the curve)."""
    if P is None:
        return True
    x, y = P
    return (y * y - x * x * x - B) % Q == 0


# --- multi-scalar multiplication ---------------------------------------------------

# Pippenger window width by number of non-trivial points, from benchmarks/bench_msm.py
# --tune on the 2-core development machine (G1 and G2 agree). The optimum sits
# near log2(n) - 3 rather than the textbook log2(n): a Jacobian+Jacobian addition
# in the bucket reduction costs about 1.6 mixed additions, and every bucket costs two.
_WINDOWS = ((8, 2), (32, 3), (128, 4), (384, 5), (768, 6), (2048, 7), (6144, 8), (16384, 9),
            (40000, 10), (100000, 11), (250000, 12))


def window_for(n: int) -> int:
    """The Pippenger window width for an MSM of n points (scalars other than 0 and +-1)."""
    for limit, c in _WINDOWS:
        if n <= limit:
            return c
    return 13


def msm(points: Sequence[Affine], scalars: Sequence[int], window: int | None = None) -> Affine:
    """Sum of [k_i]P_i by Pippenger's bucket method.

    Zero scalars and infinity are dropped, scalars 1 (and R - 1, via -P) are a
    single addition, scalars above R/2 are replaced by R - k on -P, and each
    window only visits the scalars long enough to have a digit there.
    """
    if len(points) != len(scalars):
        raise ValueError(f"msm needs as many scalars as points ({len(scalars)} != {len(points)})")
    q = _q
    half = _HALF_R
    unit = None  # Jacobian sum of the points whose scalar is +-1
    work = []
    for P, k in zip(points, scalars):
        k %= R
        if P is None or k == 0:
            continue
        x, y = P
        if k > half:
            k = R - k
            y = -y % Q
        if k == 1:
            unit = jac_madd(unit, mpz(x), mpz(y))
        else:
            work.append((k, x, y))
    if not work:
        return to_affine(unit)

    work.sort(key=lambda t: t[0])
    ks = [t[0] for t in work]
    xs = [mpz(t[1]) for t in work]
    ys = [mpz(t[2]) for t in work]
    n = len(ks)
    c = window or window_for(n)
    mask = (1 << c) - 1
    nwin = (ks[-1].bit_length() + c - 1) // c

    result = None
    for w in range(nwin - 1, -1, -1):
        if result is not None:
            for _ in range(c):
                result = jac_double(result)
        shift = w * c
        start = bisect_left(ks, 1 << shift) if shift else 0
        buckets: list = [None] * (mask + 1)
        for i in range(start, n):
            d = (ks[i] >> shift) & mask
            if not d:
                continue
            b = buckets[d]
            if b is None:
                buckets[d] = (xs[i], ys[i], _ONE)
                continue
            # mixed addition bucket + (x, y), inline
            X1, Y1, Z1 = b
            x = xs[i]
            ZZ = Z1 * Z1 % q
            H = (x * ZZ - X1) % q
            r = (ys[i] * ZZ * Z1 - Y1) % q
            if not H:
                buckets[d] = jac_double(b) if not r else None
                continue
            HH = H * H % q
            HHH = H * HH % q
            V = X1 * HH % q
            X3 = (r * r - HHH - 2 * V) % q
            buckets[d] = (X3, (r * (V - X3) - Y1 * HHH) % q, Z1 * H % q)
        running = None
        total = None
        for d in range(mask, 0, -1):
            b = buckets[d]
            if b is not None:
                running = jac_add(running, b)
            if running is not None:
                total = jac_add(total, running)
        result = jac_add(result, total)
    return to_affine(jac_add(result, unit))


# --- fixed-base batch multiplication -----------------------------------------------


def fixed_window(n: int) -> int:
    """Table width for n scalars: minimise one addition per window per scalar plus the table.

    A table entry (an addition, its share of the batch normalisation and the
    bookkeeping) costs about three additions; the weight was fitted by timing
    widths around the optimum for 100, 1000 and 8192 scalars.
    """
    best = None
    for w in range(2, 17):
        windows = (R.bit_length() + w - 1) // w
        cost = windows * (n + 3 * (1 << w))
        if best is None or cost < best[0]:
            best = (cost, w)
    return best[1]


def mul_many(P: Affine, scalars: Sequence[int]) -> list:
    """[[k]P for k in scalars]: a window table of P, then one inversion for all results."""
    if P is None or not scalars:
        return [None] * len(scalars)
    q = _q
    reduced = [k % R for k in scalars]
    w = fixed_window(len(reduced))
    mask = (1 << w) - 1
    bits = R.bit_length()
    nwin = (bits + w - 1) // w

    # table[i][d] = d * 2^(w*i) * P, affine, for d in 1..2^w - 1
    flat = []
    bx, by = mpz(P[0]), mpz(P[1])
    for i in range(nwin):
        row = [(bx, by, _ONE)]
        acc = jac_double(row[0])
        row.append(acc)
        for _ in range(3, mask + 1):
            acc = jac_madd(acc, bx, by)
            row.append(acc)
        flat.extend(row)
        if i + 1 < nwin:
            nxt = to_affine(jac_madd(acc, bx, by))
            bx, by = mpz(nxt[0]), mpz(nxt[1])
    affine = normalize_many(flat)
    table = [[None] + affine[i * mask:(i + 1) * mask] for i in range(nwin)]

    results = []
    for k in reduced:
        acc = None
        i = 0
        while k:
            d = k & mask
            k >>= w
            if d:
                x, y = table[i][d]
                if acc is None:
                    acc = (x, y, _ONE)
                else:
                    X1, Y1, Z1 = acc
                    ZZ = Z1 * Z1 % q
                    H = (x * ZZ - X1) % q
                    r = (y * ZZ * Z1 - Y1) % q
                    if not H:
                        # unreachable for k < R, kept so the table stays correct by construction
                        acc = jac_double(acc) if not r else None
                    else:
                        HH = H * H % q
                        HHH = H * HH % q
                        V = X1 * HH % q
                        X3 = (r * r - HHH - 2 * V) % q
                        acc = (X3, (r * (V - X3) - Y1 * HHH) % q, Z1 * H % q)
            i += 1
        results.append(acc)
    return batch_to_affine(results)
