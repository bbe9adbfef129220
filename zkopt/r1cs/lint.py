"""Static checks of a compiled R1CS for classic under-constraint mistakes; returns findings, never raises.

Each finding is one line that starts with its class:

- ``unused-public``: a public signal (output or input) occurs in no constraint,
  so the proof says nothing about it (a verifier could change it freely).
- ``unused-private``: a private variable occurs in no constraint: a hint
  nobody pinned down.
- ``vacuous-constraint``: a private variable occurs in exactly one
  constraint, and that constraint is affine in it with a coefficient that
  does not depend on other variables (it occurs only in C; or in A and maybe
  C while B is a constant, with a nonzero net coefficient; or the mirror
  image with A and B swapped). Then for *any* values
  of the other variables some value of this one satisfies the constraint, so
  the constraint restricts nothing: a computed result that is never used, or
  a check whose slack variable was left free.
- ``constant-constraint``: a constraint mentions no variable; it is always
  true (useless) or always false (the circuit can never be satisfied).
- ``disconnected``: a group of private variables shares no chain of
  constraints with any public signal, so whatever it proves is the same for
  every statement (dead code, or a missing link to the public inputs). Only
  reported when the circuit has public signals.

A clean lint is necessary, not sufficient: ``tests/soundness.mutation_sweep``
checks witnesses dynamically, and neither replaces a soundness argument.
"""

from __future__ import annotations

from zkopt.field import R
from zkopt.r1cs import ONE, R1CS

_SHOWN = 5


def _coefficient(row: list[tuple[int, int]], index: int) -> int:
    for key, coeff in row:
        if key == index:
            return coeff % R
    return 0


def _constant(row: list[tuple[int, int]]) -> int | None:
    """The row's value if it uses only the constant one (0 for an empty row), else None."""
    if any(key != ONE and coeff % R for key, coeff in row):
        return None
    return sum(coeff for key, coeff in row if key == ONE) % R


def _free_in(r1cs: R1CS, k: int, v: int) -> bool:
    """True if constraint k can be satisfied by choosing v, whatever the other variables are."""
    alpha = _coefficient(r1cs.a[k], v)
    beta = _coefficient(r1cs.b[k], v)
    gamma = _coefficient(r1cs.c[k], v)
    if alpha and beta:
        return False  # quadratic in v
    if alpha:
        b0 = _constant(r1cs.b[k])
        return b0 is not None and (alpha * b0 - gamma) % R != 0
    if beta:
        a0 = _constant(r1cs.a[k])
        return a0 is not None and (beta * a0 - gamma) % R != 0
    return gamma != 0


def _names(r1cs: R1CS, indices: list[int]) -> str:
    shown = ", ".join(repr(r1cs.variable_names[i]) for i in indices[:_SHOWN])
    more = len(indices) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def lint(r1cs: R1CS) -> list[str]:
    """Return the findings for ``r1cs`` (empty when none), in a stable order: by class, then by index."""
    occurs: list[list[int]] = [[] for _ in range(r1cs.n_variables)]
    constant_rows = []
    for k in range(r1cs.n_constraints):
        seen = {key for row in (r1cs.a[k], r1cs.b[k], r1cs.c[k]) for key, coeff in row if coeff % R and key != ONE}
        if not seen:
            constant_rows.append(k)
        for key in sorted(seen):
            occurs[key].append(k)

    findings = []
    first_private = 1 + r1cs.n_public
    for i in range(1, first_private):
        if not occurs[i]:
            findings.append(
                f"unused-public: public signal {r1cs.variable_names[i]!r} (index {i}) occurs in no constraint"
            )
    for i in range(first_private, r1cs.n_variables):
        if not occurs[i]:
            findings.append(
                f"unused-private: private variable {r1cs.variable_names[i]!r} (index {i}) occurs in no constraint"
            )
    for i in range(first_private, r1cs.n_variables):
        if len(occurs[i]) == 1 and _free_in(r1cs, occurs[i][0], i):
            label = r1cs.labels[occurs[i][0]]
            findings.append(
                f"vacuous-constraint: {label!r} restricts nothing: private {r1cs.variable_names[i]!r} "
                "occurs only there, linearly, so any values of the others satisfy it"
            )
    for k in constant_rows:
        findings.append(f"constant-constraint: {r1cs.labels[k]!r} mentions no variable")
    if r1cs.n_public:
        findings.extend(_disconnected(r1cs, occurs, first_private))
    return findings


def _disconnected(r1cs: R1CS, occurs: list[list[int]], first_private: int) -> list[str]:
    """Union-find over variables that share a constraint; report used private groups with no public member."""
    parent = list(range(r1cs.n_variables))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in range(r1cs.n_constraints):
        keys = {key for row in (r1cs.a[k], r1cs.b[k], r1cs.c[k]) for key, coeff in row if coeff % R and key != ONE}
        it = iter(keys)
        root = next(it, None)
        if root is None:
            continue
        root = find(root)
        for key in it:
            other = find(key)
            if other != root:
                parent[other] = root
    public_roots = {find(i) for i in range(1, first_private)}
    groups: dict[int, list[int]] = {}
    for i in range(first_private, r1cs.n_variables):
        if occurs[i] and find(i) not in public_roots:
            groups.setdefault(find(i), []).append(i)
    return [
        f"disconnected: {len(members)} private variable(s) share no constraint with any public signal: "
        + _names(r1cs, members)
        for members in sorted(groups.values())
    ]
