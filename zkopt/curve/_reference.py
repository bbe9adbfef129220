"""The reference backend: BN254 G1/G2 through py_ecc's optimized_bn128, converted at the boundary.

Private to ``zkopt.curve``. This module exists so every fast result can be
checked against an independent implementation, so it stays deliberately naive
(an MSM is a sum of multiplications). py_ecc's traps are handled here and
nowhere else: its points are projective ``(X, Y, Z)`` triples of field objects,
its ``FQ`` is the *base* field, ``multiply`` neither reduces nor accepts
negative scalars, its checks are ``assert``s, and it has no G2 subgroup check
(so ours is the slow definition, ``[r]P == 0``).
"""

from __future__ import annotations

from typing import Sequence

from py_ecc import optimized_bn128 as _bn

from zkopt.field import R

_FQ = _bn.FQ
_FQ2 = _bn.FQ2

if _bn.curve_order != R or _bn.field_modulus != 21888242871839275222246405745257275088696311157297823662689037894645226208583:
    raise RuntimeError("py_ecc's BN254 constants differ from zkopt's")


# --- conversions ------------------------------------------------------------------------


def _to1(P):
    if P is None:
        return _bn.Z1
    x, y = P
    return (_FQ(x), _FQ(y), _FQ.one())


def _from1(P):
    if _bn.is_inf(P):
        return None
    x, y = _bn.normalize(P)
    return (int(x.n), int(y.n))


def _to2(P):
    if P is None:
        return _bn.Z2
    x, y = P
    return (_FQ2(list(x)), _FQ2(list(y)), _FQ2.one())


def _from2(P):
    if _bn.is_inf(P):
        return None
    x, y = _bn.normalize(P)
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


# --- G1 ----------------------------------------------------------------------------------


def g1_add(P, P2):
    return _from1(_bn.add(_to1(P), _to1(P2)))


def g1_neg(P):
    return _from1(_bn.neg(_to1(P)))


def g1_double(P):
    return _from1(_bn.double(_to1(P)))


def g1_mul(P, k: int):
    return _from1(_bn.multiply(_to1(P), k % R))


def is_on_curve_g1(P) -> bool:
    return _bn.is_on_curve(_to1(P), _bn.b)


def msm_g1(points: Sequence, scalars: Sequence[int]):
    if len(points) != len(scalars):
        raise ValueError(f"msm needs as many scalars as points ({len(scalars)} != {len(points)})")
    acc = _bn.Z1
    for P, k in zip(points, scalars):
        acc = _bn.add(acc, _bn.multiply(_to1(P), k % R))
    return _from1(acc)


def g1_mul_many(P, scalars: Sequence[int]) -> list:
    return [g1_mul(P, k) for k in scalars]


def g1_mul_each(points: Sequence, scalars: Sequence[int]) -> list:
    if len(points) != len(scalars):
        raise ValueError(f"mul_each needs as many scalars as points ({len(scalars)} != {len(points)})")
    return [g1_mul(P, k) for P, k in zip(points, scalars)]


# --- G2 ----------------------------------------------------------------------------------


def g2_add(P, P2):
    return _from2(_bn.add(_to2(P), _to2(P2)))


def g2_neg(P):
    return _from2(_bn.neg(_to2(P)))


def g2_double(P):
    return _from2(_bn.double(_to2(P)))


def g2_mul(P, k: int):
    return _from2(_bn.multiply(_to2(P), k % R))


def is_on_curve_g2(P) -> bool:
    return _bn.is_on_curve(_to2(P), _bn.b2)


def is_in_subgroup_g2(P) -> bool:
    return _bn.is_inf(_bn.multiply(_to2(P), R))


def msm_g2(points: Sequence, scalars: Sequence[int]):
    if len(points) != len(scalars):
        raise ValueError(f"msm needs as many scalars as points ({len(scalars)} != {len(points)})")
    acc = _bn.Z2
    for P, k in zip(points, scalars):
        acc = _bn.add(acc, _bn.multiply(_to2(P), k % R))
    return _from2(acc)


def g2_mul_many(P, scalars: Sequence[int]) -> list:
    return [g2_mul(P, k) for k in scalars]


def g2_mul_each(points: Sequence, scalars: Sequence[int]) -> list:
    if len(points) != len(scalars):
        raise ValueError(f"mul_each needs as many scalars as points ({len(scalars)} != {len(points)})")
    return [g2_mul(P, k) for P, k in zip(points, scalars)]


def g2_mul_unreduced(P, k: int):
    return _from2(_bn.multiply(_to2(P), k))


#: py_ecc's generators in our representation, for the tests' known-answer check.
G1 = _from1(_bn.G1)
G2 = _from2(_bn.G2)
