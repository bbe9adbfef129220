"""Poseidon over BN254's scalar field, compatible with circomlib: the plain-integer spec.

``hash(*inputs)`` equals circomlib's ``Poseidon(n)`` template and circomlibjs's
``poseidon`` for 1 to 16 inputs: width t = n + 1, initial state
``[0, inputs...]`` (the capacity element first), S-box x^5, R_F = 8 full
rounds (4 before and 4 after the partial rounds), R_P partial rounds by
width, and the output is ``state[0]`` after the permutation.

Each round is, in order: add the round's t constants (ARK); apply the S-box to
every element (full round) or to ``state[0]`` only (partial round); multiply
by the MDS matrix, ``state'[i] = sum_j M[i][j] * state[j]``. circomlib's
circuit computes the same permutation with pre-transformed constants (sparse
partial-round matrices); this module's reference is the straightforward form
(``_permute``), which the gadget mirrors round for round through
``params(t)``. The two-input hash of the Merkle tree, the ledger's hot path,
takes an unrolled form with sparse partial rounds (``_permute_pair``) that is
checked against it.

The constants come from ``poseidon_constants``, generated in this project
from the Poseidon paper's procedure by ``tools/gen_poseidon_constants.py``.
"""

from __future__ import annotations

from operator import mul

from gmpy2 import mpz

from zkopt.field import R
from zkopt.native import poseidon_constants as _constants

#: Fewest and most inputs ``hash`` accepts (widths t = 2..17).
MIN_INPUTS = 1
MAX_INPUTS = 16

#: The S-box exponent: the smallest alpha with gcd(alpha, r - 1) = 1.
ALPHA = _constants.ALPHA

WIDTHS = tuple(range(MIN_INPUTS + 1, MAX_INPUTS + 2))


def _per_round(flat: tuple[int, ...], t: int) -> tuple[tuple[int, ...], ...]:
    return tuple(flat[k : k + t] for k in range(0, len(flat), t))


# Regrouped once at import so every hash call reads ready tuples of plain ints.
_PARAMS: dict[int, tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...], int, int]] = {
    t: (
        _per_round(_constants.ROUND_CONSTANTS[t], t),
        tuple(tuple(row) for row in _constants.MDS[t]),
        _constants.FULL_ROUNDS,
        _constants.PARTIAL_ROUNDS[t],
    )
    for t in WIDTHS
}


def params(t: int) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...], int, int]:
    """(round_constants, mds, full_rounds, partial_rounds) for width t in 2..17.

    ``round_constants[k]`` is the tuple of t constants added at the start of
    round k, for k in ``range(full_rounds + partial_rounds)``; rounds
    ``full_rounds // 2 .. full_rounds // 2 + partial_rounds - 1`` are the
    partial ones. ``mds[i][j]`` is the coefficient of ``state[j]`` in the new
    ``state[i]``.
    """
    if not _is_int(t) or t not in _PARAMS:
        raise ValueError(f"Poseidon width must be an int in {WIDTHS[0]}..{WIDTHS[-1]}, got {t!r}")
    return _PARAMS[t]


def _is_int(x: object) -> bool:
    # bool is an int subclass, but True as a field element is almost surely a bug.
    return isinstance(x, int) and not isinstance(x, bool)


def _check_elements(values, what: str) -> None:
    for k, x in enumerate(values):
        if not _is_int(x):
            raise ValueError(f"{what} {k} must be an int, got {type(x).__name__}")
        if not 0 <= x < R:
            raise ValueError(f"{what} {k} is not a field element (must be in [0, r))")


def _permute(state: list[int], t: int) -> list[int]:
    """The permutation on canonical ints, no checks (the hot path of ``hash``)."""
    round_constants, mds, full_rounds, partial_rounds = _PARAMS[t]
    half = full_rounds // 2
    first_partial, after_partial = half, half + partial_rounds
    for k, constants in enumerate(round_constants):
        if first_partial <= k < after_partial:
            # Only state[0] needs reducing here; the MDS sums reduce the rest.
            x = (state[0] + constants[0]) % R
            x2 = x * x % R
            state = [s + c for s, c in zip(state, constants)]
            state[0] = x2 * x2 % R * x
        else:
            state = [(s + c) % R for s, c in zip(state, constants)]
            state = [x * (x2 := x * x % R) % R * x2 for x in state]
        state = [sum(map(mul, row, state)) % R for row in mds]
    return state


def _sparse_pair_plan():
    """The t = 3 permutation regrouped for ``_permute_pair``: per partial round 6 constants instead of a dense MDS.

    In a partial round only state[0] goes through the S-box, so the linear
    part can be carried forward. Keep the true state as ``H x + p`` with H =
    diag(1, B) (B 2x2) and p a constant vector. A round adds c, S-boxes
    component 0 and multiplies by M: with q = p + c, that is
    ``M H S(x + q0 e0) + M (q - q0 e0)``. Split A = M H as H' S' with
    H' = diag(1, A[1:, 1:]) and the sparse S' = [[A00, A01, A02], [w1, 1, 0],
    [w2, 0, 1]], w = A[1:, 1:]^-1 A[1:, 0]; then x' = S' S(x + q0 e0) and the
    new p is M (q - q0 e0). After the last partial round H is applied once
    and p joins the next full round's constants. The Poseidon paper
    (Grassi et al., appendix B) describes the same factorisation; this one is
    derived and checked here (tests/test_poseidon_native.py against
    ``_permute`` and circomlibjs' vectors).
    """
    round_constants, mds, full_rounds, partial_rounds = _PARAMS[3]
    half = full_rounds // 2

    def matvec(a, v):
        return [sum(x * y for x, y in zip(row, v)) % R for row in a]

    h, p, partial = [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0], []
    for c in round_constants[half : half + partial_rounds]:
        q = [(x + y) % R for x, y in zip(p, c)]
        a = [[sum(mds[i][k] * h[k][j] for k in range(3)) % R for j in range(3)] for i in range(3)]
        (b11, b12), (b21, b22) = a[1][1:], a[2][1:]
        det_inv = pow((b11 * b22 - b12 * b21) % R, -1, R)
        w1 = (b22 * a[1][0] - b12 * a[2][0]) * det_inv % R
        w2 = (b11 * a[2][0] - b21 * a[1][0]) * det_inv % R
        partial.append((q[0], a[0][0], a[0][1], a[0][2], w1, w2))
        h, p = [[1, 0, 0], [0, b11, b12], [0, b21, b22]], matvec(mds, [0, q[1], q[2]])
    after = [tuple((x + y) % R for x, y in zip(p, round_constants[half + partial_rounds]))]
    after += round_constants[half + partial_rounds + 1 :]
    big = lambda rows: tuple(tuple(mpz(x) for x in row) for row in rows)  # noqa: E731
    return big(round_constants[:half]), big(partial), tuple(mpz(x) for x in (*h[1][1:], *h[2][1:])), big(after)


_PAIR_FIRST, _PAIR_PARTIAL, _PAIR_H, _PAIR_LAST = _sparse_pair_plan()
_PAIR_MDS = tuple(mpz(x) for row in _PARAMS[3][1] for x in row)
_R = mpz(R)


def _full_rounds(s0, s1, s2, rounds):
    """Full rounds of t = 3 on three gmpy2 locals; a value below 2r is squared before it is reduced."""
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = _PAIR_MDS
    for c0, c1, c2 in rounds:
        x = s0 + c0
        x2 = x * x % _R
        s0 = x2 * x2 % _R * x
        y = s1 + c1
        y2 = y * y % _R
        s1 = y2 * y2 % _R * y
        z = s2 + c2
        z2 = z * z % _R
        s2 = z2 * z2 % _R * z
        s0, s1, s2 = (m00 * s0 + m01 * s1 + m02 * s2) % _R, (m10 * s0 + m11 * s1 + m12 * s2) % _R, (
            m20 * s0 + m21 * s1 + m22 * s2) % _R
    return s0, s1, s2


def _permute_pair(a: int, b: int) -> int:
    """state[0] of the t = 3 permutation of [0, a, b], for the Merkle tree's hash (``depth`` per new note).

    The full rounds as ``_permute`` does them, with the state in three gmpy2
    locals; the partial rounds in the sparse form of ``_sparse_pair_plan``
    (6 products instead of 12, two reductions instead of four). About 5x
    faster than ``_permute``; tests/test_poseidon_native.py checks it against
    ``_permute`` and circomlibjs' vectors.
    """
    s0, s1, s2 = _full_rounds(mpz(0), mpz(a), mpz(b), _PAIR_FIRST)
    for q0, a00, u1, u2, w1, w2 in _PAIR_PARTIAL:
        x = s0 + q0
        x2 = x * x % _R
        x = x2 * x2 % _R * x
        s0 = (a00 * x + u1 * s1 + u2 * s2) % _R
        s1 += w1 * x  # left unreduced: they grow by one product per round
        s2 += w2 * x
    h11, h12, h21, h22 = _PAIR_H
    s1, s2 = (h11 * s1 + h12 * s2) % _R, (h21 * s1 + h22 * s2) % _R
    return int(_full_rounds(s0, s1, s2, _PAIR_LAST)[0])


def permute(state: list[int]) -> list[int]:
    """The Poseidon permutation of a width-t state (t in 2..17, elements in [0, r)); returns a new list."""
    state = list(state)
    t = len(state)
    if t not in _PARAMS:
        raise ValueError(f"Poseidon state must have {WIDTHS[0]}..{WIDTHS[-1]} elements, got {t}")
    _check_elements(state, "state element")
    return _permute(state, t)


def hash(*inputs: int) -> int:  # noqa: A001 - the module's one job; callers write poseidon.hash
    """Poseidon of 1..16 field elements, as circomlib's Poseidon(n): state[0] of permute([0, *inputs])."""
    n = len(inputs)
    if not MIN_INPUTS <= n <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes {MIN_INPUTS}..{MAX_INPUTS} inputs, got {n}")
    _check_elements(inputs, "input")
    if n == 2:
        return _permute_pair(*inputs)
    return _permute([0, *inputs], n + 1)[0]
