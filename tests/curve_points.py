"""Test helpers for points the library never makes: points of the G2 twist outside the subgroup.

An Fq2 square root (q = 3 mod 4, via the norm map) and try-and-increment give
points on E'(Fq2) that are almost surely not in the prime-order subgroup.
"""

from __future__ import annotations

from zkopt.curve import _g2_fast
from zkopt.curve.groups import Q


def _sqrt_fq(a):
    s = pow(a, (Q + 1) // 4, Q)
    return s if s * s % Q == a % Q else None


def f2mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)


def fq2_sqrt(a):
    """A square root of a in Fq2 via the norm map, or None when a is not a square."""
    a0, a1 = a[0] % Q, a[1] % Q
    if a1 == 0:
        s = _sqrt_fq(a0)
        # -1 is not a square mod q, so exactly one of a0, -a0 is (u^2 = -1)
        return (s, 0) if s is not None else (0, _sqrt_fq(-a0 % Q))
    gamma = _sqrt_fq((a0 * a0 + a1 * a1) % Q)
    if gamma is None:
        return None
    half = pow(2, -1, Q)
    for delta in ((a0 + gamma) * half % Q, (a0 - gamma) * half % Q):
        s0 = _sqrt_fq(delta)
        if s0:
            s = (s0, a1 * pow(2 * s0, -1, Q) % Q)
            if f2mul(s, s) == (a0, a1):
                return s
    return None


def twist_point(rng):
    """A random point of the twist E'(Fq2) by try-and-increment; almost surely outside G2."""
    x = (rng.randrange(Q), rng.randrange(Q))
    while True:
        rhs = f2mul(f2mul(x, x), x)
        rhs = ((rhs[0] + _g2_fast.B2[0]) % Q, (rhs[1] + _g2_fast.B2[1]) % Q)
        y = fq2_sqrt(rhs)
        if y is not None:
            return (x, y)
        x = ((x[0] + 1) % Q, x[1])
