"""Soundness test kit: mutate a solved witness and assert the constraints reject it.

Used by every gadget and circuit test. ``assert_rejected`` checks one
adversarial overwrite and names the constraint that must catch it;
``mutation_sweep`` overwrites every private variable in turn;
``GadgetCircuit`` wraps one gadget into a circuit with raw public inputs.

A sweep is a necessary check, not a proof: it changes one variable at a time,
so a variable that is only wrong together with another (two hints that can
move in step) needs its own targeted ``assert_values_rejected``.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence

from zkopt import r1cs as _r1cs
from zkopt.field import R
from zkopt.r1cs import R1CS, Circuit, ConstraintSystem, LinearCombination, Witness


def index_of(witness: Witness, name_or_index: str | int) -> int:
    """The witness-vector index of a variable given by its exact name or its index."""
    names = witness.r1cs.variable_names
    if isinstance(name_or_index, int) and not isinstance(name_or_index, bool):
        if not 0 <= name_or_index < len(names):
            raise IndexError(f"variable index {name_or_index} out of range (0..{len(names) - 1})")
        return name_or_index
    matches = [i for i, n in enumerate(names) if n == name_or_index]
    if len(matches) != 1:
        near = [n for n in names if str(name_or_index).split("/")[-1] in n][:8]
        what = "no variable" if not matches else f"{len(matches)} variables"
        raise KeyError(f"{what} named {name_or_index!r}; similar names: {near}")
    return matches[0]


def mutated(witness: Witness, name_or_index: str | int, value: int) -> list[int]:
    """A copy of the witness values with one variable set to ``value`` (reduced mod r)."""
    return mutated_many(witness, {name_or_index: value})


def mutated_many(witness: Witness, changes: Mapping[str | int, int]) -> list[int]:
    """A copy of the witness values with several variables overwritten at once (values reduced mod r)."""
    values = list(witness.values)
    for key, value in changes.items():
        values[index_of(witness, key)] = value % R
    return values


def _check_label(got: str | None, label: str | None, what: str) -> str:
    if got is None:
        raise AssertionError(f"{what} satisfies every constraint; expected a rejection")
    if label is not None and got != label and not got.startswith(label.rstrip("/") + "/"):
        raise AssertionError(f"{what} is rejected by {got!r}, expected {label!r}")
    return got


def assert_rejected(witness: Witness, name_or_index: str | int, value: int, label: str | None = None) -> str:
    """Assert that setting one variable to ``value`` violates a constraint; return the first violated label.

    With ``label``, the first violated constraint must be ``label`` or lie under ``label/``.
    """
    got = witness.r1cs.which_unsatisfied(mutated(witness, name_or_index, value))
    return _check_label(got, label, f"setting {name_or_index!r} to {value % R}")


def assert_values_rejected(witness: Witness, changes: Mapping[str | int, int], label: str | None = None) -> str:
    """Like ``assert_rejected`` for several variables changed together (hints that could move in step)."""
    got = witness.r1cs.which_unsatisfied(mutated_many(witness, changes))
    return _check_label(got, label, f"setting {dict(changes)}")


def assert_satisfied(witness: Witness) -> None:
    """Assert the honest witness satisfies every constraint, naming the first one that does not."""
    got = witness.which_unsatisfied()
    if got is not None:
        raise AssertionError(f"honest witness violates {got!r}")


def _occurrences(r1cs: R1CS) -> list[list[tuple[int, int, int, int]]]:
    """For each variable, the (row, a_coeff, b_coeff, c_coeff) of every constraint it occurs in."""
    occ: dict[int, dict[int, list[int]]] = {}
    for slot, matrix in enumerate((r1cs.a, r1cs.b, r1cs.c)):
        for k, row in enumerate(matrix):
            for index, coeff in row:
                occ.setdefault(index, {}).setdefault(k, [0, 0, 0])[slot] = coeff
    out: list[list[tuple[int, int, int, int]]] = [[] for _ in range(r1cs.n_variables)]
    for index, rows in occ.items():
        out[index] = [(k, *coeffs) for k, coeffs in sorted(rows.items())]
    return out


def _mutations(value: int) -> list[int]:
    """Deterministic wrong values: v + 1, 1 - v (flips a bit either way) and -v (a wrapped negative)."""
    out = []
    for candidate in ((value + 1) % R, (1 - value) % R, -value % R):
        if candidate != value and candidate not in out:
            out.append(candidate)
    return out


def mutation_sweep(
    witness: Witness,
    free: Iterable[str] = (),
    sample: int | None = None,
    rng: random.Random | None = None,
) -> None:
    """Assert that overwriting any one private variable of a satisfying witness violates some constraint.

    Each private variable (index > n_public: private inputs and internal
    hints) is set in turn to v + 1, 1 - v and -v. Variables whose names match
    an entry of ``free`` (an exact name or an fnmatch pattern such as
    ``"*/inv"``) are skipped: they are free by design and the caller says so.
    An entry that matches no private variable fails the sweep, so a stale
    exception cannot hide. With ``sample``, only that many variables, chosen
    with ``rng`` (default: a fixed seed), are checked.

    Only the constraints a variable occurs in can change when it changes, and
    each of those moves by coefficient * delta, so a mutation costs time in
    proportion to the variable's occurrences, not to the circuit's size.
    Raises AssertionError listing every accepted mutation.
    """
    r1cs = witness.r1cs
    values = witness.values
    assert_satisfied(witness)
    names = r1cs.variable_names
    private = range(1 + r1cs.n_public, r1cs.n_variables)

    if isinstance(free, str):
        raise TypeError("free must be a collection of names or patterns, not one string")
    patterns = list(free)
    stale = [p for p in patterns if not any(fnmatch.fnmatchcase(names[i], p) for i in private)]
    if stale:
        raise AssertionError(f"free entries match no private variable (stale exceptions?): {stale}")
    candidates = [i for i in private if not any(fnmatch.fnmatchcase(names[i], p) for p in patterns)]
    if sample is not None and sample < len(candidates):
        candidates = sorted((rng or random.Random(0)).sample(candidates, sample))

    ev = R1CS._eval
    base = [(ev(r1cs.a[k], values), ev(r1cs.b[k], values), ev(r1cs.c[k], values)) for k in range(r1cs.n_constraints)]
    occurrences = _occurrences(r1cs)

    accepted = []
    for i in candidates:
        for new in _mutations(values[i]):
            delta = new - values[i]
            if not any(
                (base[k][0] + ca * delta) * (base[k][1] + cb * delta) % R != (base[k][2] + cc * delta) % R
                for k, ca, cb, cc in occurrences[i]
            ):
                accepted.append(f"{names[i]!r} (index {i}) set from {values[i]} to {new}")
    if accepted:
        shown = "\n  ".join(accepted[:20])
        more = f"\n  ... and {len(accepted) - 20} more" if len(accepted) > 20 else ""
        raise AssertionError(f"under-constrained: these changes satisfy every constraint:\n  {shown}{more}")


def satisfying_assignments(
    witness: Witness, variables: Sequence[str | int], domain: Sequence[int] = (0, 1)
) -> list[tuple[int, ...]]:
    """Every assignment of ``variables`` over ``domain`` (all else kept) that satisfies the constraints.

    An exhaustive soundness check for tiny circuits: when the other
    constraints force each listed variable into ``domain`` (bits into {0, 1}),
    the result is the complete set of satisfying witnesses.
    """
    indices = [index_of(witness, v) for v in variables]
    values = list(witness.values)
    found = []
    for combo in itertools.product(domain, repeat=len(indices)):
        for i, v in zip(indices, combo):
            values[i] = v % R
        if witness.r1cs.is_satisfied(values):
            found.append(combo)
    return found


def private_names(witness: Witness) -> list[str]:
    """Names of the private variables (the ones a sweep mutates), for writing ``free`` lists."""
    r1cs = witness.r1cs
    return r1cs.variable_names[1 + r1cs.n_public :]


# --- no free randomness in the notes a spend creates -----------------------------------------


def _elements(inputs: Mapping[str, object], names: Iterable[str]) -> list[tuple[str, int | None]]:
    """(input name, list position or None) of every element of the named inputs."""
    out = []
    for name in names:
        value = inputs[name]
        if isinstance(value, (list, tuple)):
            out += [(name, i) for i in range(len(value))]
        else:
            out.append((name, None))
    return out


def _with_element(inputs: Mapping[str, object], name: str, position: int | None, value: int) -> dict[str, object]:
    changed = dict(inputs)
    if position is None:
        changed[name] = str(value)
    else:
        items = list(changed[name])
        items[position] = str(value)
        changed[name] = items
    return changed


def output_freedom(
    circuit: Circuit, inputs: Mapping[str, object], new_notes: Sequence[str], terms: Iterable[str] = ()
) -> list[str]:
    """The private inputs a prover can change to get other new notes from the same spend (the rule's violations).

    ``new_notes`` names the public commitments of the notes the circuit
    creates; each must be bound by a constraint ``<circuit>/<name>/equal``
    of the form (computed - public) * 1 = 0. For every private input element
    outside ``terms`` (the notes' chosen contents, such as a strike or a
    holder key), the circuit is solved again with that element changed
    (v + 1, and 1 - v, which flips a bit), the new-note commitments are set
    to what the circuit computed, and the result is checked: if every
    constraint holds, the element only moved the outputs, i.e. it is free
    randomness of a new note. Returns the names of those elements
    (``name`` or ``name[i]``); an empty list means every other private input
    is pinned by what the transaction spends.
    """
    honest = _r1cs.solve(circuit, inputs)
    assert_satisfied(honest)
    shape = honest.r1cs
    bindings = []
    for note in new_notes:
        label = f"{circuit.name}/{note}/equal"
        if label not in shape.labels:
            raise AssertionError(f"{circuit.name}: no constraint {label!r} binds the new note {note!r}")
        bindings.append((shape.labels.index(label), shape.variable_names.index(note)))
    terms = set(terms)
    unknown = terms - set(inputs)
    if unknown:
        raise AssertionError(f"terms that are not inputs of {circuit.name}: {sorted(unknown)}")
    public = {name.split("[")[0] for name in shape.public_names}  # list inputs are public as name[i]
    private = [n for n in inputs if n not in public and n not in terms]
    free = []
    for name, position in _elements(inputs, private):
        raw = inputs[name] if position is None else inputs[name][position]
        value = int(raw)
        for new in sorted({(value + 1) % R, (1 - value) % R} - {value}):
            values = list(_r1cs.solve(circuit, _with_element(inputs, name, position, new)).values)
            for row, index in bindings:
                values[index] = (values[index] + R1CS._eval(shape.a[row], values)) % R
            if shape.is_satisfied(values):
                free.append(name if position is None else f"{name}[{position}]")
                break
    return free


# --- a harness for one-gadget test circuits ---------------------------------------

#: Every test circuit is called "t", so failing labels read "t/<gadget label>/...".
NAME = "t"


class GadgetCircuit(Circuit):
    """Public inputs ``names`` (no range check, so tests can feed any field element) go to ``build``.

    ``build(cs, *inputs)`` returns None, one combination (exposed as public
    output ``out``) or a list (exposed as ``out[i]``), each pinned by a
    constraint ``t/out`` or ``t/out[i]``.
    """

    name = NAME

    def __init__(self, names: Sequence[str], build: Callable[..., object]):
        self.names = list(names)
        self.build = build

    def define(self, cs: ConstraintSystem) -> None:
        inputs = [cs.public_input(n) for n in self.names]
        result = self.build(cs, *inputs)
        if result is None:
            return
        items = [result] if isinstance(result, LinearCombination) else list(result)
        single = isinstance(result, LinearCombination)
        for i, item in enumerate(items):
            out_name = "out" if single else f"out[{i}]"
            out = cs.public_output(out_name, lambda item=item: cs.value(item))
            cs.enforce_equal(out, item, out_name)


def solve_gadget(circuit: GadgetCircuit, *values: int) -> Witness:
    """Solve with the inputs in declaration order (ints in [0, r))."""
    return _r1cs.solve(circuit, dict(zip(circuit.names, values, strict=True)))


def outputs(witness: Witness) -> list[int]:
    """The public outputs (they come first among the public signals)."""
    return witness.public[: witness.r1cs.n_outputs]


__all__: Sequence[str] = [
    "GadgetCircuit",
    "assert_rejected",
    "assert_satisfied",
    "assert_values_rejected",
    "index_of",
    "mutated",
    "mutated_many",
    "mutation_sweep",
    "output_freedom",
    "outputs",
    "private_names",
    "satisfying_assignments",
    "solve_gadget",
]
