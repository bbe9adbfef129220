"""BN254 G1 and G2: constants, group operations, validation, byte encodings, MSM, fixed-base batches.

Points are canonical affine tuples so that ``==`` compares them:

* G1: ``(x, y)``, Python ints in ``[0, Q)``, on y^2 = x^3 + 3;
* G2: ``((x_c0, x_c1), (y_c0, y_c1))`` where ``(c0, c1)`` is c0 + c1*u in
  Fq2 = Fq[u]/(u^2 + 1), on the twist y^2 = x^3 + 3/(9 + u);
* the point at infinity is ``None`` in both groups.

Arithmetic trusts its inputs: it assumes valid points and does not check them.
Anything that arrives from outside (a proof, a key, bytes) goes through
``validate_g1``/``validate_g2`` or the ``*_from_bytes`` decoders first, which
raise ``InvalidPoint`` with a one-line reason naming the offending value.

Every operation dispatches on ``zkopt.curve.backend.current()``: ``"fast"``
runs our own code (``_g1_fast``, ``_g2_fast``), ``"reference"`` runs py_ecc
(``_reference``). Scalars are any ints and are reduced mod r first.
"""

from __future__ import annotations

import functools
from typing import Optional, Sequence

from zkopt.curve import _g1_fast, _g2_fast, _scale, backend
from zkopt.errors import InvalidPoint


def _ref():
    """The py_ecc reference backend, imported on first use so the fast path never pays for py_ecc."""
    from zkopt.curve import _reference

    return _reference

#: The BN254 base field prime q (py_ecc's ``field_modulus``, EIP-196's ``p``).
Q = _g1_fast.Q

#: The G1 generator (EIP-196, py_ecc ``G1``, snarkjs).
G1_GENERATOR = (1, 2)

#: The G2 generator (EIP-197, py_ecc ``G2``, snarkjs), as ((x_c0, x_c1), (y_c0, y_c1)).
G2_GENERATOR = (
    (10857046999023057135944570762232829481370756359578518086990519993285655852781,
     11559732032986387107991004021392285783925812861821192530917403151452391805634),
    (8495653923123431417604973247489272438418190587263600148770280649306958101930,
     4082367875863433681332203403145435568316851327593401208105741076214120093531),
)

G1Point = Optional[tuple]
G2Point = Optional[tuple]

#: Bytes in one encoded coordinate (one Fq element, big-endian).
COORD_BYTES = 32
G1_BYTES = 2 * COORD_BYTES
G2_BYTES = 4 * COORD_BYTES


def _fast() -> bool:
    return backend.current() == backend.FAST


# --- G1 ------------------------------------------------------------------------------------


def g1_add(P: G1Point, Q: G1Point) -> G1Point:  # noqa: N803 - the API names points P and Q
    return _g1_fast.add(P, Q) if _fast() else _ref().g1_add(P, Q)


def g1_neg(P: G1Point) -> G1Point:
    return _g1_fast.neg(P) if _fast() else _ref().g1_neg(P)


def g1_double(P: G1Point) -> G1Point:
    return _g1_fast.double(P) if _fast() else _ref().g1_double(P)


def g1_mul(P: G1Point, k: int) -> G1Point:
    return _g1_fast.mul(P, k) if _fast() else _ref().g1_mul(P, k)


def msm_g1(points: Sequence[G1Point], scalars: Sequence[int]) -> G1Point:
    """sum_i [scalars[i]] points[i]; raises ValueError if the lengths differ."""
    return _g1_fast.msm(points, scalars) if _fast() else _ref().msm_g1(points, scalars)


def g1_mul_many(P: G1Point, scalars: Sequence[int]) -> list:
    """[[k]P for k in scalars], sharing one window table of P (trusted setup's workhorse)."""
    return _g1_fast.mul_many(P, scalars) if _fast() else _ref().g1_mul_many(P, scalars)


def g1_mul_each(points: Sequence[G1Point], scalars: Sequence[int]) -> list:
    """[[k_i]P_i for each i]: every point times its own scalar (ceremonies' workhorse; GLV-split)."""
    return _scale.g1_mul_each(points, scalars) if _fast() else _ref().g1_mul_each(points, scalars)


# --- G2 ------------------------------------------------------------------------------------


def g2_add(P: G2Point, Q: G2Point) -> G2Point:  # noqa: N803
    return _g2_fast.add(P, Q) if _fast() else _ref().g2_add(P, Q)


def g2_neg(P: G2Point) -> G2Point:
    return _g2_fast.neg(P) if _fast() else _ref().g2_neg(P)


def g2_double(P: G2Point) -> G2Point:
    return _g2_fast.double(P) if _fast() else _ref().g2_double(P)


def g2_mul(P: G2Point, k: int) -> G2Point:
    return _g2_fast.mul(P, k) if _fast() else _ref().g2_mul(P, k)


def msm_g2(points: Sequence[G2Point], scalars: Sequence[int]) -> G2Point:
    """sum_i [scalars[i]] points[i]; raises ValueError if the lengths differ."""
    return _g2_fast.msm(points, scalars) if _fast() else _ref().msm_g2(points, scalars)


def g2_mul_many(P: G2Point, scalars: Sequence[int]) -> list:
    """[[k]P for k in scalars], sharing one window table of P."""
    return _g2_fast.mul_many(P, scalars) if _fast() else _ref().g2_mul_many(P, scalars)


def g2_mul_each(points: Sequence[G2Point], scalars: Sequence[int]) -> list:
    """[[k_i]P_i for each i] for points of G2 (psi-split: the points must be in the subgroup)."""
    return _scale.g2_mul_each(points, scalars) if _fast() else _ref().g2_mul_each(points, scalars)


def g2_mul_unreduced(P: G2Point, k: int) -> G2Point:
    """[k]P for any point of the twist and any k >= 0, k not reduced mod r (clears the cofactor)."""
    if k < 0:
        raise ValueError("g2_mul_unreduced takes k >= 0")
    return _scale.g2_mul_unreduced(P, k) if _fast() else _ref().g2_mul_unreduced(P, k)


# --- shape, curve and subgroup checks ----------------------------------------------------


def _is_int(v: object) -> bool:
    # bool is an int subclass; True as a coordinate is a bug, never a point.
    return isinstance(v, int) and not isinstance(v, bool)


def _g1_shape_problem(P: object) -> str | None:
    """Why P is not a pair of canonical Fq ints, or None if it is one."""
    if not (isinstance(P, tuple) and len(P) == 2 and _is_int(P[0]) and _is_int(P[1])):
        return "is not a pair of integers"
    return _range_problem(P)


def _g2_shape_problem(P: object) -> str | None:
    if not (isinstance(P, tuple) and len(P) == 2
            and all(isinstance(c, tuple) and len(c) == 2 and _is_int(c[0]) and _is_int(c[1])
                    for c in P)):
        return "is not a pair of pairs of integers"
    return _range_problem(P[0] + P[1])


def _range_problem(coords: tuple) -> str | None:
    if any(c < 0 for c in coords):
        return "has a negative coordinate"
    if any(c >= Q for c in coords):
        return "has a coordinate >= q"
    return None


def is_on_curve_g1(P: object) -> bool:
    """True for infinity and for canonical (x, y) on y^2 = x^3 + 3; False for anything else."""
    if P is None:
        return True
    if _g1_shape_problem(P) is not None:
        return False
    return _g1_fast.is_on_curve(P) if _fast() else _ref().is_on_curve_g1(P)


def is_on_curve_g2(P: object) -> bool:
    """True for infinity and for canonical points on the twist; False for anything else."""
    if P is None:
        return True
    if _g2_shape_problem(P) is not None:
        return False
    return _g2_fast.is_on_curve(P) if _fast() else _ref().is_on_curve_g2(P)


def is_in_subgroup_g2(P: object) -> bool:
    """True iff P is in G2, the order-r subgroup of the twist (off-curve input gives False).

    The fast backend tests psi(P) == [6x^2]P; the reference backend [r]P == 0.
    """
    if not is_on_curve_g2(P):
        return False
    if P is None:
        return True
    if not _fast():
        return _ref().is_in_subgroup_g2(P)
    (x0, x1), (y0, y1) = P
    return _fast_in_subgroup(((int(x0), int(x1)), (int(y0), int(y1))))


@functools.lru_cache(maxsize=4096)
def _fast_in_subgroup(P: G2Point) -> bool:
    # Remembered by value: a server checks each proof's B when it parses the request and again when the ledger
    # judges the transaction, and the answer (about 0.7 ms to find) depends on nothing else.
    return _g2_fast.is_in_subgroup(P)


def validate_g1(P: object, what: str, allow_infinity: bool = False) -> G1Point:
    """Return P as a canonical G1 point, or raise InvalidPoint saying what is wrong with `what`.

    G1 has cofactor 1, so being on the curve already puts P in the subgroup.
    """
    if P is None:
        if allow_infinity:
            return None
        raise InvalidPoint(f"{what} is the point at infinity")
    problem = _g1_shape_problem(P)
    if problem is not None:
        raise InvalidPoint(f"{what} {problem}")
    point = (int(P[0]), int(P[1]))
    if not is_on_curve_g1(point):
        raise InvalidPoint(f"{what} is not on the curve")
    return point


def validate_g2(P: object, what: str, allow_infinity: bool = False) -> G2Point:
    """Return P as a canonical G2 point, or raise InvalidPoint saying what is wrong with `what`.

    The twist has a large cofactor, so on-curve points must also pass the subgroup check.
    """
    if P is None:
        if allow_infinity:
            return None
        raise InvalidPoint(f"{what} is the point at infinity")
    problem = _g2_shape_problem(P)
    if problem is not None:
        raise InvalidPoint(f"{what} {problem}")
    (x0, x1), (y0, y1) = P
    point = ((int(x0), int(x1)), (int(y0), int(y1)))
    if not is_on_curve_g2(point):
        raise InvalidPoint(f"{what} is not on the curve")
    if not is_in_subgroup_g2(point):
        raise InvalidPoint(f"{what} is outside the prime-order subgroup")
    return point


# --- byte encodings --------------------------------------------------------------------------
# Big-endian 32-byte coordinates; infinity is all zeros, which is no curve point
# because (0, 0) satisfies neither curve equation. G2 puts c0 before c1 in each
# coordinate (EIP-197's precompile input puts c1 first; convert when talking to it).


def _coords_to_bytes(coords: tuple) -> bytes:
    return b"".join(c.to_bytes(COORD_BYTES, "big") for c in coords)


def g1_to_bytes(P: G1Point) -> bytes:
    """x || y, 64 bytes; infinity is 64 zero bytes. Raises InvalidPoint for a non-canonical tuple."""
    if P is None:
        return bytes(G1_BYTES)
    problem = _g1_shape_problem(P)
    if problem is not None:
        raise InvalidPoint(f"point to encode {problem}")
    return _coords_to_bytes(P)


def g2_to_bytes(P: G2Point) -> bytes:
    """x.c0 || x.c1 || y.c0 || y.c1, 128 bytes; infinity is 128 zero bytes."""
    if P is None:
        return bytes(G2_BYTES)
    problem = _g2_shape_problem(P)
    if problem is not None:
        raise InvalidPoint(f"point to encode {problem}")
    return _coords_to_bytes(P[0] + P[1])


def _split_coords(data: object, size: int, what: str) -> tuple:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidPoint(f"{what} is not bytes but {type(data).__name__}")
    data = bytes(data)
    if len(data) != size:
        raise InvalidPoint(f"{what} must be {size} bytes, got {len(data)}")
    return tuple(int.from_bytes(data[i:i + COORD_BYTES], "big") for i in range(0, size, COORD_BYTES))


def g1_from_bytes(data: bytes, what: str, allow_infinity: bool = False) -> G1Point:
    """Decode and validate 64 bytes (see g1_to_bytes); raises InvalidPoint, never reduces mod q."""
    coords = _split_coords(data, G1_BYTES, what)
    if not any(coords):
        return validate_g1(None, what, allow_infinity)
    return validate_g1(coords, what)


def g2_from_bytes(data: bytes, what: str, allow_infinity: bool = False) -> G2Point:
    """Decode and validate 128 bytes (see g2_to_bytes), including the subgroup check."""
    x0, x1, y0, y1 = _split_coords(data, G2_BYTES, what)
    if not (x0 or x1 or y0 or y1):
        return validate_g2(None, what, allow_infinity)
    return validate_g2(((x0, x1), (y0, y1)), what)


def g1_points_from_bytes(data: bytes, what: str) -> list:
    """Decode a run of 64-byte G1 encodings (infinity allowed), checking each is on the curve.

    The bulk form of ``g1_from_bytes`` for proving keys: the same checks in
    one tight loop, since a key holds hundreds of thousands of points.
    """
    if len(data) % G1_BYTES:
        raise InvalidPoint(f"{what}: {len(data)} bytes is not a whole number of G1 points")
    q, b, from_bytes = Q, _g1_fast.B, int.from_bytes
    out = []
    for i in range(0, len(data), G1_BYTES):
        x = from_bytes(data[i : i + 32], "big")
        y = from_bytes(data[i + 32 : i + 64], "big")
        if not (x or y):
            out.append(None)
            continue
        if x >= q or y >= q:
            raise InvalidPoint(f"{what}[{i // G1_BYTES}] has a coordinate >= q")
        if (y * y - x * x * x - b) % q:
            raise InvalidPoint(f"{what}[{i // G1_BYTES}] is not on the curve")
        out.append((x, y))
    return out


def g2_points_from_bytes(data: bytes, what: str) -> list:
    """Decode a run of 128-byte G2 encodings (infinity allowed), checking each is on the curve.

    No subgroup check: this is for the proving key's query points, which only
    feed the prover (the checksum guards them against corruption); verifying-key
    points go through ``g2_from_bytes``.
    """
    if len(data) % G2_BYTES:
        raise InvalidPoint(f"{what}: {len(data)} bytes is not a whole number of G2 points")
    q, (b0, b1), from_bytes = Q, _g2_fast.B2, int.from_bytes
    out = []
    for i in range(0, len(data), G2_BYTES):
        x0 = from_bytes(data[i : i + 32], "big")
        x1 = from_bytes(data[i + 32 : i + 64], "big")
        y0 = from_bytes(data[i + 64 : i + 96], "big")
        y1 = from_bytes(data[i + 96 : i + 128], "big")
        if not (x0 or x1 or y0 or y1):
            out.append(None)
            continue
        if x0 >= q or x1 >= q or y0 >= q or y1 >= q:
            raise InvalidPoint(f"{what}[{i // G2_BYTES}] has a coordinate >= q")
        # (x0 + x1 u)^3 and (y0 + y1 u)^2 with u^2 = -1
        xx0, xx1 = x0 * x0 - x1 * x1, 2 * x0 * x1
        if (y0 * y0 - y1 * y1 - (xx0 * x0 - xx1 * x1) - b0) % q or (
            2 * y0 * y1 - (xx0 * x1 + xx1 * x0) - b1
        ) % q:
            raise InvalidPoint(f"{what}[{i // G2_BYTES}] is not on the curve")
        out.append(((x0, x1), (y0, y1)))
    return out

