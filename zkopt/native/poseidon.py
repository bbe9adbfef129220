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
partial-round matrices); this module is the straightforward form, which the
gadget mirrors round for round through ``params(t)``.

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


def _plan_pair() -> tuple[tuple[bool, int, int, int], ...]:
    """The rounds of t = 3 as (partial?, c0, c1, c2), for the unrolled permutation of ``hash(a, b)``."""
    round_constants, _, full_rounds, partial_rounds = _PARAMS[3]
    half = full_rounds // 2
    return tuple((half <= k < half + partial_rounds, *c) for k, c in enumerate(round_constants))


_PAIR_ROUNDS = tuple((partial, mpz(c0), mpz(c1), mpz(c2)) for partial, c0, c1, c2 in _plan_pair())
_PAIR_MDS = tuple(mpz(x) for row in _PARAMS[3][1] for x in row)
_R = mpz(R)


def _permute_pair(a: int, b: int) -> int:
    """state[0] of the t = 3 permutation of [0, a, b]: ``_permute`` written out for the Merkle tree's hash.

    The same rounds and the same arithmetic with the state in three gmpy2
    locals instead of lists (tests/test_poseidon_native.py checks it against
    ``_permute`` and circomlibjs' vectors); about 2.5x faster, and the ledger
    hashes ``depth`` pairs per new note.
    """
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = _PAIR_MDS
    s0, s1, s2 = mpz(0), mpz(a), mpz(b)
    for partial, c0, c1, c2 in _PAIR_ROUNDS:
        x = (s0 + c0) % _R
        x2 = x * x % _R
        s0 = x2 * x2 % _R * x
        if partial:
            s1 += c1
            s2 += c2
        else:
            y = (s1 + c1) % _R
            y2 = y * y % _R
            s1 = y2 * y2 % _R * y
            z = (s2 + c2) % _R
            z2 = z * z % _R
            s2 = z2 * z2 % _R * z
        s0, s1, s2 = (m00 * s0 + m01 * s1 + m02 * s2) % _R, (m10 * s0 + m11 * s1 + m12 * s2) % _R, (
            m20 * s0 + m21 * s1 + m22 * s2) % _R
    return int(s0)


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
