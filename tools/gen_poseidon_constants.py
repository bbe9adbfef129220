"""Generate zkopt/native/poseidon_constants.py: Poseidon round constants and MDS matrices.

Run ``python tools/gen_poseidon_constants.py`` to rewrite the module;
``--check`` exits 1 instead when the file on disk differs from what the
procedure gives. The output holds no date or machine detail, so regenerating
is byte-identical and a test pins it.

The procedure is the one of the Poseidon paper (Grassi, Khovratovich,
Rechberger, Roy, Schofnegger, "Poseidon: A New Hash Function for
Zero-Knowledge Proof Systems", USENIX Security 2021, and its reference
script ``generate_parameters_grain.sage``), written afresh here for one case:
the BN254 scalar field, S-box x^5, R_F = 8 and circomlib's partial round
counts, which is what makes the outputs agree with circomlib's Poseidon.

1. A Grain LFSR (80 bits, taps 62, 51, 38, 23, 13, 0) is seeded with
   field type (2 bits, 1 = GF(p)), S-box type (4 bits, 0 = x^alpha),
   field size n (12 bits), t (12 bits), R_F (10 bits), R_P (10 bits) and
   thirty 1 bits, all most significant bit first; 160 output bits are
   discarded.
2. Its raw bits are read in pairs; a pair (1, b) yields b, a pair (0, b)
   yields nothing (the self-shrinking rule).
3. Each round constant takes n = 254 of those bits, most significant bit
   first, and is resampled while >= p: (R_F + R_P) * t of them, round by
   round, t per round.
4. The MDS matrix is the Cauchy matrix M[i][j] = 1 / (x_i + y_j) of 2t more
   n-bit samples (reduced mod p, all distinct, no x_i + y_j = 0), drawn until
   it passes the paper's three checks against infinitely long invariant
   subspace trails (algorithms 1 to 3 of the reference script).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    # Run as a script from anywhere: the field modulus has one definition, in zkopt.field.
    sys.path.insert(0, str(REPO))

from zkopt.field import R  # noqa: E402

OUTPUT = REPO / "zkopt" / "native" / "poseidon_constants.py"
GENERATOR = "tools/gen_poseidon_constants.py"

FIELD_GF_P = 1  # the reference script's field type code for a prime field
SBOX_POWER = 0  # its S-box code for x^alpha (1 would be x^-1)
ALPHA = 5  # smallest alpha with gcd(alpha, p - 1) = 1 for BN254's r
FIELD_BITS = R.bit_length()  # n = 254
FULL_ROUNDS = 8
#: Partial rounds for t = 2..17, the numbers circomlib uses. They are part of
#: the LFSR seed, so every constant depends on them, not only the round count.
PARTIAL_ROUNDS = dict(zip(range(2, 18), [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]))


# --------------------------------------------------------------------------
# Grain LFSR
# --------------------------------------------------------------------------

_TAPS = (62, 51, 38, 23, 13, 0)  # s[k+80] = XOR of s[k+tap]
_STATE_BITS = 80
_WARMUP = 160


def _init_bits(field: int, sbox: int, n: int, t: int, r_f: int, r_p: int) -> list[int]:
    """The 80-bit seed: each field most significant bit first, then thirty ones."""
    bits: list[int] = []
    for value, width in ((field, 2), (sbox, 4), (n, 12), (t, 12), (r_f, 10), (r_p, 10)):
        if value >> width:
            raise ValueError(f"{value} does not fit the LFSR seed field of {width} bits")
        bits += [(value >> (width - 1 - k)) & 1 for k in range(width)]
    bits += [1] * 30
    return bits


class Grain:
    """The Poseidon paper's Grain LFSR in self-shrinking mode, as a source of n-bit integers.

    Bit-at-a-time stepping is too slow in Python for the ~15 million steps all
    widths need, so the raw sequence is produced in blocks: it satisfies
    P(x) = x^80 + x^62 + x^51 + x^38 + x^23 + x^13 + 1, hence also
    P(x)^16 = P(x^16) over GF(2), whose taps are 16 times further apart and
    let one big-int step produce 1280 - 992 = 288 bits. The self-shrinking
    rule is then a numpy mask on the pairs.
    """

    _POWER = 16
    _WINDOW = _STATE_BITS * _POWER  # 1280 bits of sequence in the sliding window
    _BLOCK = (_STATE_BITS - _TAPS[0]) * _POWER  # 288 new bits per step

    def __init__(self, field: int, sbox: int, n: int, t: int, r_f: int, r_p: int):
        seed = _init_bits(field, sbox, n, t, r_f, r_p)
        # Plain recurrence up to the first full window; list index = position in the sequence.
        seq = list(seed)
        while len(seq) < self._WINDOW:
            k = len(seq) - _STATE_BITS
            bit = 0
            for tap in _TAPS:
                bit ^= seq[k + tap]
            seq.append(bit)
        # Window as an int: bit j is sequence position self._base + j.
        self._window = sum(bit << j for j, bit in enumerate(seq))
        self._base = 0
        self._mask = (1 << self._BLOCK) - 1
        self._taps = [tap * self._POWER for tap in _TAPS]
        # Next unread raw position: the seed itself and the 160 warm-up bits after it are never used.
        self._raw_pos = _STATE_BITS + _WARMUP
        self._out = np.zeros(0, dtype=np.uint8)  # shrunk output bits not yet consumed
        self._out_pos = 0

    def _raw_bits(self, start: int, count: int) -> np.ndarray:
        """Raw sequence bits [start, start + count) as a uint8 array; start >= current base."""
        blocks = []
        end = self._base + self._WINDOW
        while end < start + count:
            w = self._window
            new = 0
            for tap in self._taps:
                new ^= w >> tap
            new &= self._mask
            blocks.append(w & self._mask)
            self._window = (w >> self._BLOCK) | (new << (self._WINDOW - self._BLOCK))
            self._base += self._BLOCK
            end += self._BLOCK
        blocks.append(self._window)
        first = self._base - self._BLOCK * (len(blocks) - 1)
        data = b"".join(b.to_bytes(self._BLOCK // 8, "little") for b in blocks[:-1])
        data += blocks[-1].to_bytes(self._WINDOW // 8, "little")
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
        if first > start:
            raise RuntimeError("raw LFSR bits requested behind the window")
        return bits[start - first : start - first + count]

    def _refill(self, needed: int) -> None:
        # Two raw bits per pair, half the pairs kept on average: ask for a margin.
        pairs = max(4096, 3 * needed)
        raw = self._raw_bits(self._raw_pos, 2 * pairs)
        self._raw_pos += 2 * pairs
        kept = raw[1::2][raw[0::2] == 1]
        self._out = np.concatenate([self._out[self._out_pos :], kept])
        self._out_pos = 0

    def bits(self, n: int) -> int:
        """The next n output bits as an integer, the first bit most significant."""
        while len(self._out) - self._out_pos < n:
            self._refill(n)
        chunk = self._out[self._out_pos : self._out_pos + n]
        self._out_pos += n
        pad = (-n) % 8
        packed = np.packbits(np.concatenate([np.zeros(pad, dtype=np.uint8), chunk]))
        return int.from_bytes(packed.tobytes(), "big")


# --------------------------------------------------------------------------
# Linear algebra over GF(p) for the MDS checks
# --------------------------------------------------------------------------


def _mat_mul(a: list[list[int]], b: list[list[int]], p: int) -> list[list[int]]:
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) % p for col in cols] for row in a]


def _mat_vec(a: list[list[int]], v: list[int], p: int) -> list[int]:
    return [sum(x * y for x, y in zip(row, v)) % p for row in a]


def _echelon(rows: list[list[int]], p: int) -> list[list[int]]:
    """Reduced row echelon form of the span of rows (zero rows dropped)."""
    basis: list[list[int]] = []
    pivots: list[int] = []
    for row in rows:
        v = [x % p for x in row]
        for b, c in zip(basis, pivots):
            if v[c]:
                f = v[c]
                v = [(x - f * y) % p for x, y in zip(v, b)]
        lead = next((k for k, x in enumerate(v) if x), None)
        if lead is None:
            continue
        inv = pow(v[lead], -1, p)
        v = [x * inv % p for x in v]
        # Keep earlier rows reduced at the new pivot, so the form is canonical.
        for idx, b in enumerate(basis):
            if b[lead]:
                f = b[lead]
                basis[idx] = [(x - f * y) % p for x, y in zip(b, v)]
        basis.append(v)
        pivots.append(lead)
    order = sorted(range(len(basis)), key=lambda k: pivots[k])
    return [basis[k] for k in order]


def _kernel(rows: list[list[int]], ncols: int, p: int) -> list[list[int]]:
    """A basis of {v : row . v = 0 for every row}."""
    ech = _echelon(rows, p)
    pivots = [next(k for k, x in enumerate(r) if x) for r in ech]
    free = [k for k in range(ncols) if k not in pivots]
    out = []
    for f in free:
        v = [0] * ncols
        v[f] = 1
        for r, c in zip(ech, pivots):
            v[c] = -r[f] % p
        out.append(v)
    return out


def _same_span(a: list[list[int]], b: list[list[int]], p: int) -> bool:
    return _echelon(a, p) == _echelon(b, p)


def _charpoly(a: list[list[int]], p: int) -> list[int]:
    """Characteristic polynomial det(xI - A), coefficients lowest degree first.

    Reduce to upper Hessenberg form by similarity, then use the standard
    recurrence on its leading principal minors: O(t^3), where expanding
    determinants would be exponential.
    """
    n = len(a)
    h = [row[:] for row in a]
    for m in range(1, n - 1):
        piv = next((i for i in range(m, n) if h[i][m - 1]), None)
        if piv is None:
            continue
        if piv != m:
            h[piv], h[m] = h[m], h[piv]
            for row in h:
                row[piv], row[m] = row[m], row[piv]
        inv = pow(h[m][m - 1], -1, p)
        for i in range(m + 1, n):
            u = h[i][m - 1] * inv % p
            if u:
                h[i] = [(x - u * y) % p for x, y in zip(h[i], h[m])]
                for row in h:
                    row[m] = (row[m] + u * row[i]) % p
    polys: list[list[int]] = [[1]]
    for k in range(1, n + 1):
        # p_k = (x - h[k-1][k-1]) p_{k-1} - sum_i h[i-1][k-1] (prod_{j=i+1..k} h[j-1][j-2]) p_{i-1}
        prev = polys[k - 1]
        cur = [0] + prev
        for d, c in enumerate(prev):
            cur[d] = (cur[d] - h[k - 1][k - 1] * c) % p
        prod = 1
        for i in range(k - 1, 0, -1):
            prod = prod * h[i][i - 1] % p
            coef = h[i - 1][k - 1] * prod % p
            if coef:
                for d, c in enumerate(polys[i - 1]):
                    cur[d] = (cur[d] - coef * c) % p
        polys.append(cur)
    return polys[n]


def _poly_trim(f: list[int]) -> list[int]:
    while f and f[-1] == 0:
        f = f[:-1]
    return f


def _poly_mod(f: list[int], g: list[int], p: int) -> list[int]:
    """f mod g, trimmed. Coefficients stay unreduced until the end: one % per
    coefficient instead of one per multiply-subtract (the hot loop of root finding)."""
    g = _poly_trim([x % p for x in g])
    dg = len(g) - 1
    if g[-1] != 1:
        inv = pow(g[-1], -1, p)
        g = [x * inv % p for x in g]
    f = list(f)
    low = g[:-1]
    for k in range(len(f) - 1, dg - 1, -1):
        q = f[k] % p
        if q:
            base = k - dg
            for j, c in enumerate(low):
                f[base + j] -= q * c
    return _poly_trim([x % p for x in f[:dg]])


def _poly_mulmod(f: list[int], g: list[int], m: list[int], p: int) -> list[int]:
    if not f or not g:
        return []
    prod = [0] * (len(f) + len(g) - 1)
    for i, x in enumerate(f):
        if x:
            for j, y in enumerate(g):
                prod[i + j] += x * y
    return _poly_mod(prod, m, p)


def _poly_powmod(base: list[int], e: int, m: list[int], p: int) -> list[int]:
    result = [1]
    base = _poly_mod(base, m, p)
    for bit in bin(e)[2:]:
        result = _poly_mulmod(result, result, m, p)
        if bit == "1":
            result = _poly_mulmod(result, base, m, p)
    return result


def _poly_gcd(f: list[int], g: list[int], p: int) -> list[int]:
    f, g = _poly_trim([x % p for x in f]), _poly_trim([x % p for x in g])
    while g:
        f, g = g, _poly_mod(f, g, p)
    inv = pow(f[-1], -1, p)
    return [x * inv % p for x in f]


def _poly_sub_one(f: list[int], p: int) -> list[int]:
    """f - 1, trimmed."""
    g = list(f) if f else [0]
    g[0] = (g[0] - 1) % p
    return _poly_trim(g)


def _roots(f: list[int], p: int) -> list[int]:
    """The distinct roots in GF(p) of f (Cantor-Zassenhaus with deterministic shifts)."""
    # gcd(f, x^p - x) is the product of f's distinct linear factors.
    xp = _poly_powmod([0, 1], p, f, p)
    xp_minus_x = xp + [0] * max(0, 2 - len(xp))
    xp_minus_x[1] = (xp_minus_x[1] - 1) % p
    stack = [_poly_gcd(f, xp_minus_x, p) if _poly_trim(xp_minus_x) else f]
    out: list[int] = []
    while stack:
        g = stack.pop()
        if len(g) <= 1:
            continue
        if len(g) == 2:
            out.append(-g[0] * pow(g[1], -1, p) % p)
            continue
        # (x + a)^((p-1)/2) - 1 vanishes exactly at the roots z with z + a a nonzero
        # square, so its gcd with g splits g for about half of all shifts a.
        for a in range(1, 1000):
            h = _poly_sub_one(_poly_powmod([a, 1], (p - 1) // 2, g, p), p)
            d = _poly_gcd(g, h, p) if h else g
            if 1 < len(d) < len(g):
                stack += [d, _poly_div_exact(g, d, p)]
                break
        else:  # pragma: no cover - would need ~1000 unlucky shifts in a row
            raise RuntimeError("root splitting did not converge")
    return sorted(out)


def _poly_div_exact(f: list[int], g: list[int], p: int) -> list[int]:
    f = [x % p for x in f]
    dg = len(g) - 1
    inv = pow(g[-1], -1, p)
    q = [0] * (len(f) - dg)
    for k in range(len(f) - 1 - dg, -1, -1):
        c = f[k + dg] * inv % p
        q[k] = c
        for j, y in enumerate(g):
            f[k + j] = (f[k + j] - c * y) % p
    if any(f):
        raise RuntimeError("inexact polynomial division")
    return q


def _identity(t: int) -> list[list[int]]:
    return [[int(i == j) for j in range(t)] for i in range(t)]


def _check_no_eigen_trails(m: list[list[int]], p: int) -> bool:
    """Algorithm 1 of the reference script (s = 1 S-box per partial round).

    For i = 1 .. t-1: M^i must not be a scalar matrix; the subspace S_i of
    states that keep the S-box input zero for i - 1 more partial rounds
    (v_0 = 0 and (M^k v)_0 = 0 for k = 1 .. i-1) must contain no eigenvector
    of M^i for an eigenvalue in GF(p), and must not be invariant under M^j
    for j = 1 .. i.
    """
    t = len(m)
    powers = [_identity(t)]
    for _ in range(t):
        powers.append(_mat_mul(powers[-1], m, p))
    e0 = [1] + [0] * (t - 1)
    for i in range(1, t):
        a = powers[i]
        if all(a[r][c] == (a[0][0] if r == c else 0) for r in range(t) for c in range(t)):
            return False
        s_basis = _kernel([e0] + [powers[k][0] for k in range(1, i)], t, p)
        for lam in _roots(_charpoly(a, p), p):
            shifted = [[(a[r][c] - (lam if r == c else 0)) % p for c in range(t)] for r in range(t)]
            # Nonzero v in S with (M^i - lam) v = 0  <=>  the images of S's basis are dependent.
            images = [_mat_vec(shifted, v, p) for v in s_basis]
            if len(_echelon(images, p)) < len(s_basis):
                return False
        for j in range(1, i + 1):
            if _same_span(s_basis, [_mat_vec(powers[j], v, p) for v in s_basis], p):
                return False
    return True


def _e0_is_cyclic(m: list[list[int]], p: int) -> bool:
    """Algorithm 2 (s = 1): e_0, M e_0, M^2 e_0, ... span the whole state space."""
    t = len(m)
    v = [1] + [0] * (t - 1)
    span = [v]
    dim = 1
    while dim < t:
        v = _mat_vec(m, v, p)
        span = _echelon(span + [v], p)
        if len(span) == dim:
            return False
        dim = len(span)
    return True


def mds_is_secure(m: list[list[int]], p: int = R) -> bool:
    """The reference script's three checks: algorithm 1, algorithm 2, algorithm 3 (2 on M^r, r = 2..4t)."""
    t = len(m)
    if not _check_no_eigen_trails(m, p):
        return False
    if not _e0_is_cyclic(m, p):
        return False
    power = m
    for _ in range(2, 4 * t + 1):
        power = _mat_mul(power, m, p)
        if not _e0_is_cyclic(power, p):
            return False
    return True


# --------------------------------------------------------------------------
# Constants per width
# --------------------------------------------------------------------------


def generate(t: int, p: int = R) -> tuple[list[int], list[list[int]], int]:
    """(round constants flat and round by round, MDS matrix rows, Cauchy draws used) for width t."""
    r_f, r_p = FULL_ROUNDS, PARTIAL_ROUNDS[t]
    grain = Grain(FIELD_GF_P, SBOX_POWER, FIELD_BITS, t, r_f, r_p)
    constants = []
    for _ in range((r_f + r_p) * t):
        c = grain.bits(FIELD_BITS)
        while c >= p:  # rejection sampling keeps constants uniform in GF(p)
            c = grain.bits(FIELD_BITS)
        constants.append(c)
    draws = 0
    while True:
        # Unlike the constants, Cauchy points are reduced mod p (as in the reference).
        draws += 1
        points = [grain.bits(FIELD_BITS) % p for _ in range(2 * t)]
        while len(set(points)) != 2 * t:
            points = [grain.bits(FIELD_BITS) % p for _ in range(2 * t)]
        xs, ys = points[:t], points[t:]
        if any((x + y) % p == 0 for x in xs for y in ys):
            continue
        mds = [[pow(x + y, -1, p) for y in ys] for x in xs]
        if mds_is_secure(mds, p):
            return constants, mds, draws


def _hex(v: int) -> str:
    return f"0x{v:064x}"


def render() -> str:
    """The full text of the constants module."""
    widths = sorted(PARTIAL_ROUNDS)
    lines = [
        '"""Poseidon round constants and MDS matrices over BN254\'s scalar field (GENERATED: do not edit).',
        "",
        f"Generated by {GENERATOR} (run it to rewrite this file; the output is",
        "byte-identical on every run). Procedure: the Poseidon paper's Grain LFSR and",
        "Cauchy MDS with its three subspace-trail checks; see the generator's docstring.",
        "",
        f"Field: p = r (BN254), n = {FIELD_BITS} bits, field type {FIELD_GF_P} (GF(p)), S-box type {SBOX_POWER} (x^{ALPHA}).",
        f"Widths t = 2..17 (1..16 inputs), R_F = {FULL_ROUNDS}; R_P and MDS draws (Cauchy",
        "matrices sampled until one passed the checks) per width:",
        "",
    ]
    results = {t: generate(t) for t in widths}
    for t in widths:
        lines.append(f"    t = {t:2d}: R_F = {FULL_ROUNDS}, R_P = {PARTIAL_ROUNDS[t]}, MDS draws = {results[t][2]}")
    lines += [
        "",
        "ROUND_CONSTANTS[t] has (R_F + R_P) * t entries, t per round in round order",
        "(added before the S-boxes of that round); MDS[t][i][j] = 1 / (x_i + y_j),",
        "applied as state'[i] = sum_j MDS[t][i][j] * state[j].",
        '"""',
        "",
        f"ALPHA = {ALPHA}",
        f"FULL_ROUNDS = {FULL_ROUNDS}",
        "PARTIAL_ROUNDS = {" + ", ".join(f"{t}: {PARTIAL_ROUNDS[t]}" for t in widths) + "}",
        "",
        "ROUND_CONSTANTS = {",
    ]
    for t in widths:
        lines.append(f"    {t}: (")
        lines += [f"        {_hex(c)}," for c in results[t][0]]
        lines.append("    ),")
    lines += ["}", "", "MDS = {"]
    for t in widths:
        lines.append(f"    {t}: (")
        for row in results[t][1]:
            lines.append("        (")
            lines += [f"            {_hex(v)}," for v in row]
            lines.append("        ),")
        lines.append("    ),")
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file on disk is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        # Bytes, not text: a checkout that rewrote line endings is out of date too.
        current = OUTPUT.read_bytes() if OUTPUT.exists() else None
        if current != text.encode("utf-8"):
            print(f"{OUTPUT.relative_to(REPO)} is out of date: run python {GENERATOR}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
