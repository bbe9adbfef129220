"""Point encodings of circom/snarkjs binary files (ffjavascript's conventions), bulk decode and encode.

Three encodings, all affine (ffjavascript names in brackets):

* storage [LEM], in .zkey and .ptau sections: each Fq coordinate in
  Montgomery form ``x * 2^256 mod q``, 32 bytes little-endian; G2 as
  ``x.c0, x.c1, y.c0, y.c1``; infinity is all zero bytes;
* hashing [U, "uncompressed"], for circuit hashes, transcripts and challenge
  hashes: plain big-endian coordinates; a G2 coordinate is written ``c1 || c0``
  (imaginary part first, the bellman/Zcash order); infinity is all zeros;
* compressed [C], for powers-of-tau response hashes: the U encoding of x,
  with bit 0x80 of the first byte set when y is "negative" (y > (q-1)/2; in
  Fq2 the sign of c1, or of c0 when c1 = 0) and 0x40 alone for infinity.

Decoders validate as they go: a stored coordinate must be < q (a canonical
Montgomery value), the point on its curve, and, when asked, a G2 point in
the prime-order subgroup. They raise ``InvalidPoint`` naming the section and
index.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkopt.curve import _g2_fast
from zkopt.curve import groups
from zkopt.errors import InvalidPoint

Q = groups.Q
#: Montgomery radix of Fq: 2^256 mod q, and its inverse.
MONT = (1 << 256) % Q
MONT_INV = pow(MONT, -1, Q)
_HALF = (Q - 1) // 2
_B2 = _g2_fast.B2

G1_SIZE = 64
G2_SIZE = 128


# --- storage (LEM) ------------------------------------------------------------------------


def _name(what: str, index: int, count: int) -> str:
    """``what[index]`` in a run of points, plain ``what`` for a single point."""
    return what if count == 1 else f"{what}[{index}]"


def g1_from_lem(data, what: str, allow_infinity: bool = True) -> list:
    """Decode a run of 64-byte LEM points; each must be canonical and on the curve."""
    raw = bytes(data)
    if len(raw) % G1_SIZE:
        raise InvalidPoint(f"{what}: {len(raw)} bytes is not a whole number of G1 points")
    q, rinv, frm = Q, MONT_INV, int.from_bytes
    out = []
    append = out.append
    count = len(raw) // G1_SIZE
    for i in range(0, len(raw), G1_SIZE):
        a = frm(raw[i : i + 32], "little")
        b = frm(raw[i + 32 : i + 64], "little")
        if not (a or b):
            if not allow_infinity:
                raise InvalidPoint(f"{_name(what, i // G1_SIZE, count)} is the point at infinity")
            append(None)
            continue
        if a >= q or b >= q:
            raise InvalidPoint(f"{_name(what, i // G1_SIZE, count)} has a coordinate >= q "
                               "(not a canonical Montgomery value)")
        x = a * rinv % q
        y = b * rinv % q
        if (y * y - x * x * x - 3) % q:
            raise InvalidPoint(f"{_name(what, i // G1_SIZE, count)} is not on the curve")
        append((x, y))
    return out


def g2_from_lem(data, what: str, subgroup: bool = True, allow_infinity: bool = True) -> list:
    """Decode a run of 128-byte LEM points: canonical, on the twist and (with ``subgroup``) in G2."""
    raw = bytes(data)
    if len(raw) % G2_SIZE:
        raise InvalidPoint(f"{what}: {len(raw)} bytes is not a whole number of G2 points")
    q, rinv, frm = Q, MONT_INV, int.from_bytes
    b0, b1 = _B2
    out = []
    count = len(raw) // G2_SIZE
    for i in range(0, len(raw), G2_SIZE):
        c = [frm(raw[i + j : i + j + 32], "little") for j in (0, 32, 64, 96)]
        name = _name(what, i // G2_SIZE, count)
        if not any(c):
            if not allow_infinity:
                raise InvalidPoint(f"{name} is the point at infinity")
            out.append(None)
            continue
        if max(c) >= q:
            raise InvalidPoint(f"{name} has a coordinate >= q (not a canonical Montgomery value)")
        x0, x1, y0, y1 = (v * rinv % q for v in c)
        xx0, xx1 = x0 * x0 - x1 * x1, 2 * x0 * x1
        if (y0 * y0 - y1 * y1 - (xx0 * x0 - xx1 * x1) - b0) % q or (2 * y0 * y1 - (xx0 * x1 + xx1 * x0) - b1) % q:
            raise InvalidPoint(f"{name} is not on the curve")
        point = ((x0, x1), (y0, y1))
        if subgroup and not _g2_fast.is_in_subgroup(point):
            raise InvalidPoint(f"{name} is outside the prime-order subgroup")
        out.append(point)
    return out


def g1_to_lem(points: Sequence) -> bytes:
    q, m = Q, MONT
    parts = []
    for p in points:
        if p is None:
            parts.append(bytes(G1_SIZE))
        else:
            parts.append((p[0] * m % q).to_bytes(32, "little") + (p[1] * m % q).to_bytes(32, "little"))
    return b"".join(parts)


def g2_to_lem(points: Sequence) -> bytes:
    q, m = Q, MONT
    parts = []
    for p in points:
        if p is None:
            parts.append(bytes(G2_SIZE))
        else:
            (x0, x1), (y0, y1) = p
            parts.append(b"".join((c * m % q).to_bytes(32, "little") for c in (x0, x1, y0, y1)))
    return b"".join(parts)


# --- hashing (U) and compressed (C) -----------------------------------------------------------


def g1_to_u(points: Sequence) -> bytes:
    parts = []
    for p in points:
        parts.append(bytes(G1_SIZE) if p is None else p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big"))
    return b"".join(parts)


def g2_to_u(points: Sequence) -> bytes:
    parts = []
    for p in points:
        if p is None:
            parts.append(bytes(G2_SIZE))
        else:
            (x0, x1), (y0, y1) = p
            parts.append(x1.to_bytes(32, "big") + x0.to_bytes(32, "big") + y1.to_bytes(32, "big") + y0.to_bytes(32, "big"))
    return b"".join(parts)


def g1_from_u(data, what: str) -> list:
    """Decode U-encoded G1 points (used by tests and imports); canonical and on the curve."""
    raw = bytes(data)
    if len(raw) % G1_SIZE:
        raise InvalidPoint(f"{what}: {len(raw)} bytes is not a whole number of G1 points")
    return [groups.g1_from_bytes(raw[i : i + G1_SIZE], f"{what}[{i // G1_SIZE}]", allow_infinity=True)
            for i in range(0, len(raw), G1_SIZE)]


def g1_to_c(points: Sequence) -> bytes:
    parts = []
    for p in points:
        if p is None:
            parts.append(b"\x40" + bytes(31))
            continue
        x = bytearray(p[0].to_bytes(32, "big"))
        if p[1] > _HALF:
            x[0] |= 0x80
        parts.append(bytes(x))
    return b"".join(parts)


def g2_to_c(points: Sequence) -> bytes:
    parts = []
    for p in points:
        if p is None:
            parts.append(b"\x40" + bytes(63))
            continue
        (x0, x1), (y0, y1) = p
        x = bytearray(x1.to_bytes(32, "big") + x0.to_bytes(32, "big"))
        if (y1 > _HALF) if y1 else (y0 > _HALF):
            x[0] |= 0x80
        parts.append(bytes(x))
    return b"".join(parts)


def is_negative_fq2(c0: int, c1: int) -> bool:
    """ffjavascript's sign of an Fq2 element: that of c1, or of c0 when c1 = 0 (sign: > (q-1)/2)."""
    return c1 > _HALF if c1 else c0 > _HALF


def is_negative_fq(v: int) -> bool:
    return v > _HALF

