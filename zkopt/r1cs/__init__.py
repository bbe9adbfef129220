"""Rank-1 constraint systems: variables, linear combinations, labelled constraints, witnesses.

A circuit is a class with a ``define(cs)`` method (the gnark habit). The same
definition runs twice: ``compile`` runs it without values to get the shape
(the ``R1CS``: matrices, labels, public names) and ``solve`` runs it with the
inputs to get the witness. Because both come from one definition, setup and
proving cannot drift apart; ``R1CS.digest`` pins the shape so a proving key
made for another shape is refused.

Variable order in the witness vector (the order snarkjs and circom use):
``[1, public outputs..., public inputs..., private variables...]``, each group
in declaration order.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field as dataclass_field

from zkopt import field
from zkopt.errors import MalformedInput, Unsatisfied, shown

R = field.R

# Key of the constant-one variable; every LinearCombination constant is a multiple of it.
ONE = 0

_OUTPUT, _PUBLIC, _PRIVATE = "output", "public", "private"


class LinearCombination:
    """A sum of coefficient * variable terms over Fr; variables are keys of one ConstraintSystem.

    Supports +, - and multiplication by a constant; ints are promoted to
    multiples of the constant one. Multiplying two combinations is a
    constraint, so it is ``cs.mul(a, b, label)``, never an operator.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: dict[int, int] | None = None):
        self.terms = terms if terms is not None else {}

    @staticmethod
    def constant(value: int) -> LinearCombination:
        value %= R
        return LinearCombination({ONE: value} if value else {})

    @staticmethod
    def of(x: LinearCombination | int) -> LinearCombination:
        if isinstance(x, LinearCombination):
            return x
        if isinstance(x, int) and not isinstance(x, bool):
            return LinearCombination.constant(x)
        raise TypeError(f"expected a LinearCombination or int, got {type(x).__name__}")

    def _combine(self, other, sign: int) -> LinearCombination:
        try:
            other = LinearCombination.of(other)
        except TypeError:
            return NotImplemented
        terms = dict(self.terms)
        for key, coeff in other.terms.items():
            c = (terms.get(key, 0) + sign * coeff) % R
            if c:
                terms[key] = c
            else:
                terms.pop(key, None)
        return LinearCombination(terms)

    def __add__(self, other):
        return self._combine(other, 1)

    __radd__ = __add__

    def __sub__(self, other):
        return self._combine(other, -1)

    def __rsub__(self, other):
        return (-self)._combine(other, 1)

    def __neg__(self):
        return LinearCombination({k: -c % R for k, c in self.terms.items()})

    def __mul__(self, scalar):
        if isinstance(scalar, LinearCombination):
            raise TypeError("multiplying two linear combinations needs a constraint: use cs.mul(a, b, label)")
        if not isinstance(scalar, int) or isinstance(scalar, bool):
            return NotImplemented
        scalar %= R
        if scalar == 0:
            return LinearCombination()
        return LinearCombination({k: c * scalar % R for k, c in self.terms.items()})

    __rmul__ = __mul__

    def constant_value(self) -> int | None:
        """The value if this combination is a constant (no variables), else None."""
        if all(k == ONE for k in self.terms):
            return self.terms.get(ONE, 0)
        return None

    def __repr__(self):
        return "LC(" + " + ".join(f"{c}*v{k}" for k, c in sorted(self.terms.items())) + ")"


LC = LinearCombination
Value = LinearCombination | int


class Circuit:
    """Base class of every circuit: a name, parameters, and one ``define`` used for shape and witness."""

    #: Registry name, e.g. "chain" or "settle".
    name: str = "circuit"

    def params(self) -> dict[str, int]:
        """The parameters that fix the shape (recorded in the proving key)."""
        return {}

    def define(self, cs: ConstraintSystem) -> None:
        raise NotImplementedError


@dataclass
class R1CS:
    """The shape of a circuit: constraints A*B = C over the witness vector, with labels and names.

    Each row of ``a``, ``b``, ``c`` is a list of (variable index, coefficient).
    ``n_public`` counts the public signals (outputs, then public inputs), not the constant one.
    """

    name: str
    params: dict[str, int]
    n_variables: int
    n_outputs: int
    n_public: int
    public_names: list[str]
    variable_names: list[str]
    labels: list[str]
    a: list[list[tuple[int, int]]]
    b: list[list[tuple[int, int]]]
    c: list[list[tuple[int, int]]]
    _digest: bytes | None = dataclass_field(default=None, repr=False)

    @property
    def n_constraints(self) -> int:
        return len(self.labels)

    @property
    def n_private(self) -> int:
        return self.n_variables - 1 - self.n_public

    def digest(self) -> bytes:
        """SHA-256 of the matrices and public layout: equal digests mean the same statement shape."""
        if self._digest is None:
            h = hashlib.sha256()
            h.update(f"zkopt-r1cs-v1|{self.n_variables}|{self.n_outputs}|{self.n_public}|".encode())
            for matrix in (self.a, self.b, self.c):
                for row in matrix:
                    h.update(len(row).to_bytes(4, "big"))
                    for index, coeff in row:
                        h.update(index.to_bytes(4, "big") + coeff.to_bytes(32, "big"))
            self._digest = h.digest()
        return self._digest

    @staticmethod
    def _eval(row: list[tuple[int, int]], w: Sequence[int]) -> int:
        return sum(coeff * w[index] for index, coeff in row) % R

    def unsatisfied(self, witness: Sequence[int]) -> Iterator[int]:
        """Indices of the constraints the witness vector violates, in order."""
        if len(witness) != self.n_variables:
            raise ValueError(f"witness has {len(witness)} values, the circuit has {self.n_variables} variables")
        if witness[0] != 1:
            yield from range(self.n_constraints)
            return
        ev = self._eval
        for i in range(self.n_constraints):
            if ev(self.a[i], witness) * ev(self.b[i], witness) % R != ev(self.c[i], witness):
                yield i

    def which_unsatisfied(self, witness: Sequence[int]) -> str | None:
        """The label of the first violated constraint, or None when all hold."""
        for i in self.unsatisfied(witness):
            return self.labels[i]
        return None

    def is_satisfied(self, witness: Sequence[int]) -> bool:
        return self.which_unsatisfied(witness) is None

    def check(self, witness: Sequence[int]) -> None:
        """Raise Unsatisfied naming the first violated constraint."""
        label = self.which_unsatisfied(witness)
        if label is not None:
            raise Unsatisfied(label)


class ConstraintSystem:
    """Collects variables and constraints while a circuit's ``define`` runs.

    Built by ``compile`` (shape only: every value is None and hints never run)
    or by ``solve`` (witness mode: inputs are read, hints compute values).
    """

    def __init__(self, name: str, inputs: Mapping[str, object] | None = None):
        self.name = name
        self._inputs = inputs
        self._used_inputs: set[str] = set()
        self._kinds: list[str] = ["one"]
        self._names: list[str] = ["one"]
        self._values: list[int | None] = [1]
        self._namespace: list[str] = [name]
        self._labels: list[str] = []
        self._label_set: set[str] = set()
        self._rows: list[tuple[dict[int, int], dict[int, int], dict[int, int]]] = []

    # --- modes and names ---------------------------------------------------

    @property
    def solving(self) -> bool:
        """True when values are being computed (witness mode), False while compiling the shape."""
        return self._inputs is not None

    @contextlib.contextmanager
    def namespace(self, name: str):
        """Prefix the labels and variable names created inside the block with ``name/``."""
        self._namespace.append(name)
        try:
            yield
        finally:
            self._namespace.pop()

    def _path(self, name: str) -> str:
        """Constraint label: the full namespace path, rooted at the circuit's name."""
        return "/".join([*self._namespace, name])

    def _var_path(self, name: str) -> str:
        """Variable name: the namespace path below the circuit, so public names read as in the spec."""
        return "/".join([*self._namespace[1:], name])

    # --- variables ----------------------------------------------------------

    def _new(self, kind: str, name: str, value: int | None) -> LinearCombination:
        key = len(self._kinds)
        self._kinds.append(kind)
        self._names.append(name)
        self._values.append(value)
        return LinearCombination({key: 1})

    def _read_input(self, name: str, length: int | None) -> list[int | None]:
        count = 1 if length is None else length
        if not self.solving:
            return [None] * count
        if name not in self._inputs:
            raise MalformedInput(f"input {shown(name)} is missing")
        self._used_inputs.add(name)
        raw = self._inputs[name]
        if length is None:
            items = [raw]
        else:
            if not isinstance(raw, (list, tuple)) or len(raw) != length:
                raise MalformedInput(f"input {shown(name)} must be a list of {length} numbers")
            items = list(raw)
        values = []
        for i, item in enumerate(items):
            what = name if length is None else f"{name}[{i}]"
            if isinstance(item, int) and not isinstance(item, bool):
                if not 0 <= item < R:
                    raise MalformedInput(f"input {what} is out of range (must be in [0, r))")
                values.append(item)
            else:
                try:
                    values.append(field.parse_decimal(item, R, f"input {what}"))
                except ValueError as exc:
                    raise MalformedInput(str(exc)) from None
        return values

    def _inputs_of(self, kind: str, name: str, length: int | None):
        values = self._read_input(name, length)
        if length is None:
            return self._new(kind, self._var_path(name), values[0])
        return [self._new(kind, self._var_path(f"{name}[{i}]"), v) for i, v in enumerate(values)]

    def public_input(self, name: str, length: int | None = None):
        """A public input read from the inputs map (one value, or a list of ``length``)."""
        return self._inputs_of(_PUBLIC, name, length)

    def private_input(self, name: str, length: int | None = None):
        """A private input read from the inputs map (one value, or a list of ``length``)."""
        return self._inputs_of(_PRIVATE, name, length)

    def public_output(self, name: str, compute: Callable[[], int]) -> LinearCombination:
        """A public output whose value ``compute`` gives; the circuit must constrain it."""
        return self._new(_OUTPUT, self._var_path(name), self._run_hint(compute))

    def witness(self, name: str, compute: Callable[[], int]) -> LinearCombination:
        """A private variable set by a named hint; unconstrained until the caller pins it down."""
        return self._new(_PRIVATE, self._var_path(name), self._run_hint(compute))

    def _run_hint(self, compute: Callable[[], int]) -> int | None:
        if not self.solving:
            return None
        value = compute()
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"a hint must return an int, got {type(value).__name__}")
        return value % R

    def value(self, x: Value) -> int:
        """The value of a combination in witness mode (only call from hints or when solving)."""
        if not self.solving:
            raise RuntimeError("values are only known while solving; call cs.value inside a hint")
        lc = LinearCombination.of(x)
        return sum(c * self._values[k] for k, c in lc.terms.items()) % R

    # --- constraints --------------------------------------------------------

    def enforce(self, a: Value, b: Value, c: Value, label: str) -> None:
        """Add the constraint a * b = c, labelled with the current namespace path."""
        full = self._path(label)
        if full in self._label_set:
            raise ValueError(f"duplicate constraint label {full!r}")
        self._label_set.add(full)
        self._labels.append(full)
        self._rows.append((LC.of(a).terms, LC.of(b).terms, LC.of(c).terms))

    def enforce_equal(self, a: Value, b: Value, label: str) -> None:
        """Add the constraint (a - b) * 1 = 0."""
        self.enforce(LC.of(a) - b, 1, 0, label)

    def mul(self, a: Value, b: Value, label: str) -> LinearCombination:
        """Allocate a private variable equal to a * b and enforce it."""
        product = self.witness(label, lambda: self.value(a) * self.value(b))
        self.enforce(a, b, product, label)
        return product

    # --- results ------------------------------------------------------------

    def _order(self) -> list[int]:
        """Variable keys in witness order: one, outputs, public inputs, private variables."""
        by_kind = {kind: [] for kind in (_OUTPUT, _PUBLIC, _PRIVATE)}
        for key in range(1, len(self._kinds)):
            by_kind[self._kinds[key]].append(key)
        return [ONE, *by_kind[_OUTPUT], *by_kind[_PUBLIC], *by_kind[_PRIVATE]]

    def r1cs(self, params: dict[str, int] | None = None) -> R1CS:
        order = self._order()
        index_of = {key: i for i, key in enumerate(order)}
        n_outputs = sum(1 for k in self._kinds if k == _OUTPUT)
        n_public = n_outputs + sum(1 for k in self._kinds if k == _PUBLIC)

        def row(terms: dict[int, int]) -> list[tuple[int, int]]:
            return sorted((index_of[k], c) for k, c in terms.items())

        return R1CS(
            name=self.name,
            params=dict(params or {}),
            n_variables=len(order),
            n_outputs=n_outputs,
            n_public=n_public,
            public_names=[self._names[k] for k in order[1 : 1 + n_public]],
            variable_names=[self._names[k] for k in order],
            labels=list(self._labels),
            a=[row(a) for a, _, _ in self._rows],
            b=[row(b) for _, b, _ in self._rows],
            c=[row(c) for _, _, c in self._rows],
        )

    def assignment(self) -> list[int]:
        """The full witness vector in R1CS order (witness mode only)."""
        if not self.solving:
            raise RuntimeError("no witness: this system was compiled without inputs")
        return [self._values[k] for k in self._order()]


@dataclass
class Witness:
    """A solved circuit: the full assignment and its public signals (outputs, then public inputs)."""

    r1cs: R1CS
    values: list[int]

    @property
    def public(self) -> list[int]:
        return self.values[1 : 1 + self.r1cs.n_public]

    def which_unsatisfied(self) -> str | None:
        return self.r1cs.which_unsatisfied(self.values)

    def is_satisfied(self) -> bool:
        return self.r1cs.is_satisfied(self.values)

    def check(self) -> None:
        self.r1cs.check(self.values)


def compile(circuit: Circuit) -> R1CS:  # noqa: A001 - the verb circom and gnark use
    """Run the circuit's definition without values and return its shape."""
    cs = ConstraintSystem(circuit.name)
    circuit.define(cs)
    return cs.r1cs(circuit.params())


def solve(circuit: Circuit, inputs: Mapping[str, object]) -> Witness:
    """Run the circuit's definition with the inputs and return the witness (not yet checked).

    Raises MalformedInput for a missing, unknown or non-canonical input. The
    witness may still violate constraints (a hint cannot make a false
    statement true); call ``check()`` or ``is_satisfied()``.
    """
    if not isinstance(inputs, Mapping):
        raise MalformedInput("inputs must be a JSON object mapping names to values")
    cs = ConstraintSystem(circuit.name, inputs)
    circuit.define(cs)
    unknown = sorted(set(inputs) - cs._used_inputs)
    if unknown:
        raise MalformedInput(f"unknown input {shown(unknown[0])} for circuit {circuit.name}")
    return Witness(cs.r1cs(circuit.params()), cs.assignment())
