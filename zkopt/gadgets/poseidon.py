"""The Poseidon hash as constraints, mirroring ``zkopt.native.poseidon`` round for round.

Layout (width t = number of inputs + 1, the same constants as the native
spec through ``poseidon.params(t)``): the state starts as ``[0, inputs...]``
(capacity element first); each round adds its t constants (ARK), applies the
S-box x^5 to every element (full round) or to element 0 only (partial round),
then multiplies by the MDS matrix; the output is ``state[0]``.

Cost: 3 constraints per S-box (``x2 = x*x``, ``x4 = x2*x2``, ``x5 = x4*x``);
ARK and MDS are linear, so they stay LinearCombinations and cost nothing.
That is ``3 * (R_F * t + R_P)`` constraints (``CONSTRAINTS[t]``): 243 for
t = 3. circomlib's version reaches 240 with pre-transformed constants; this
one stays the readable form that matches the native spec step by step.

Size of the combinations: each S-box output is a fresh variable, so after a
full round every element is a combination of t variables plus a constant.
In the partial rounds the t - 1 untouched elements carry one more variable
per round, so a combination has at most t + R_P + 1 terms; the last R_F / 2
rounds are full, so the output is again a combination of t variables.

Speed: only round 0 sees the caller's inputs; every later S-box input is a
combination of earlier S-box outputs whose coefficients depend on t alone.
``_plan(t)`` runs those rounds once on symbolic combinations (cached), so a
hash costs O(constraints * terms) dictionary work, not t^2 per round.
Witness generation runs the native permutation alongside: each S-box hint
returns a value computed from plain ints, never by evaluating a combination.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import mul

from zkopt.field import R
from zkopt.native import poseidon as _native
from zkopt.r1cs import ONE, ConstraintSystem, LinearCombination, Value

#: Fewest and most inputs the gadget takes (widths t = 2..17), as in the native hash.
MIN_INPUTS = _native.MIN_INPUTS
MAX_INPUTS = _native.MAX_INPUTS


def constraint_count(t: int) -> int:
    """Constraints of one Poseidon of width t: 3 per S-box, R_F * t full-round and R_P partial-round S-boxes."""
    _, _, full_rounds, partial_rounds = _native.params(t)
    return 3 * (full_rounds * t + partial_rounds)


#: Constraints per width, t = 2..17 (pinned in tests/test_gadget_poseidon.py).
CONSTRAINTS = {t: constraint_count(t) for t in _native.WIDTHS}


def _mix(mds: tuple[tuple[int, ...], ...], state: list[dict[int, int]]) -> list[dict[int, int]]:
    """state'[i] = sum_j mds[i][j] * state[j] on term dictionaries (reduced once per entry)."""
    out = []
    for row in mds:
        acc: dict[int, int] = {}
        for m, terms in zip(row, state):
            for key, c in terms.items():
                acc[key] = acc.get(key, 0) + m * c
        reduced = {}
        for key, c in acc.items():
            c %= R
            if c:
                reduced[key] = c
        out.append(reduced)
    return out


def _add_constant(terms: dict[int, int], constant: int) -> dict[int, int]:
    out = dict(terms)
    c = (out.get(0, 0) + constant) % R
    if c:
        out[0] = c
    else:
        out.pop(0, None)
    return out


def _sbox(cs: ConstraintSystem, x: LinearCombination, value: int | None, name: str) -> LinearCombination:
    """x^5 as three labelled constraints name/x2, name/x4, name/x5; each hint returns a natively computed value."""
    if value is None:
        v2 = v4 = v5 = 0  # compiling: hints never run
    else:
        v2 = value * value % R
        v4 = v2 * v2 % R
        v5 = v4 * value % R
    x2 = cs.witness(f"{name}/x2", lambda: v2)
    cs.enforce(x, x, x2, f"{name}/x2")
    x4 = cs.witness(f"{name}/x4", lambda: v4)
    cs.enforce(x2, x2, x4, f"{name}/x4")
    x5 = cs.witness(f"{name}/x5", lambda: v5)
    cs.enforce(x4, x, x5, f"{name}/x5")
    return x5


# Terms of a symbolic combination: (basis index, coefficient) pairs; see _plan.
_Terms = tuple[tuple[int, int], ...]
# One round's S-boxes: (state element, terms of its input).
_Round = tuple[tuple[int, _Terms], ...]


@functools.lru_cache(maxsize=None)
def _plan(t: int) -> tuple[tuple[_Round, ...], _Terms]:
    """The rounds after round 0 run once on symbolic combinations, cached per width.

    Basis index 0 is the constant one and index j >= 1 the j-th S-box output
    in creation order (round 0's t outputs are 1..t). Returns, for each round
    k >= 1, the (element, terms) of every S-box input, ARK included, and the
    terms of the output ``state[0]``. Round 0 is left to the gadget because
    only there do the caller's inputs appear: every later element is a
    combination of S-box outputs, so the combinations depend on t alone and
    are computed once, not per hash.
    """
    round_constants, mds, full_rounds, partial_rounds = _native.params(t)
    first_partial, after_partial = full_rounds // 2, full_rounds // 2 + partial_rounds
    state: list[dict[int, int]] = [{j + 1: 1} for j in range(t)]  # round 0's S-box outputs
    next_index = t + 1
    state = _mix(mds, state)
    rounds = []
    for k in range(1, len(round_constants)):
        state = [_add_constant(s, c) for s, c in zip(state, round_constants[k])]
        boxed = (0,) if first_partial <= k < after_partial else range(t)
        sboxes = []
        for i in boxed:
            sboxes.append((i, tuple(state[i].items())))
            state[i] = {next_index: 1}
            next_index += 1
        rounds.append(tuple(sboxes))
        state = _mix(mds, state)
    return tuple(rounds), tuple(state[0].items())


def poseidon(cs: ConstraintSystem, inputs: Sequence[Value], label: str) -> LinearCombination:
    """Enforces out = Poseidon(inputs) (circomlib's, 1..16 inputs) and returns out; assumes nothing.

    The inputs are any field elements (no range assumption). Constraints are
    labelled ``label/round_k/sbox_i/x2|x4|x5``; there are ``CONSTRAINTS[len(inputs) + 1]``.
    The result is a combination of t variables plus a constant, not a fresh
    variable: bind it with ``enforce_equal`` where a named output is needed.
    """
    n = len(inputs)
    if not MIN_INPUTS <= n <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes {MIN_INPUTS}..{MAX_INPUTS} inputs, got {n}")
    t = n + 1
    round_constants, mds, full_rounds, partial_rounds = _native.params(t)
    first_partial, after_partial = full_rounds // 2, full_rounds // 2 + partial_rounds
    rounds, output = _plan(t)
    lcs = [LinearCombination.of(x) for x in inputs]
    # The native state, tracked only while solving: the S-box hints read it.
    values: list[int] | None = [0] + [cs.value(x) for x in lcs] if cs.solving else None
    keys = [ONE]  # basis index of _plan -> the variable key of that S-box output

    def box(x: LinearCombination, i: int) -> None:
        x5 = _sbox(cs, x, None if values is None else values[i], f"sbox_{i}")
        (key,) = x5.terms
        keys.append(key)

    with cs.namespace(label):
        for k, constants in enumerate(round_constants):
            if values is not None:
                values = [(v + c) % R for v, c in zip(values, constants)]
            with cs.namespace(f"round_{k}"):
                if k == 0:
                    for i in range(t):
                        box(LinearCombination.constant(constants[0]) if i == 0 else lcs[i - 1] + constants[i], i)
                else:
                    for i, terms in rounds[k - 1]:
                        box(LinearCombination({keys[b]: c for b, c in terms}), i)
            if values is not None:
                boxed = (0,) if first_partial <= k < after_partial else range(t)
                for i in boxed:
                    v2 = values[i] * values[i] % R
                    values[i] = v2 * v2 % R * values[i] % R
                values = [sum(map(mul, row, values)) % R for row in mds]
    return LinearCombination({keys[b]: c for b, c in output})
