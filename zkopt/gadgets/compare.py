"""Comparisons of n-bit numbers (is_less_than, enforce_less_or_equal, positive_part, minimum) and zero tests.

Field elements have no order, so "a < b" only means something for numbers
known to be small. The default gadgets here range-check their inputs (the
lesson of circomlib's ``LessThan``, which assumes n-bit inputs and silently
gives wrong answers on others: a wrapped "negative" value r - 1 compares as
less than 0). The ``*_unchecked`` variants skip those checks and say so in
their first docstring line; use them only on values already range-checked
(for instance inputs allocated with a width by ``gadgets.inputs``).
"""

from __future__ import annotations

from zkopt import field
from zkopt.gadgets.bits import MAX_BITS, check_width, enforce_range, to_bits
from zkopt.gadgets.boolean import Bit, negate
from zkopt.r1cs import ConstraintSystem, LinearCombination, Value

#: Widest comparison: a - b + 2^n is decomposed into n + 1 bits, which must stay within MAX_BITS.
MAX_COMPARE_BITS = MAX_BITS - 1


def _ge_bit(cs: ConstraintSystem, a: LinearCombination, b: LinearCombination, n_bits: int) -> Bit:
    """[a >= b] as the top bit of a - b + 2^n in n+1 bits (``diff/``); assumes a, b are n-bit.

    For n-bit a, b the difference a - b + 2^n lies in (0, 2^(n+1)) with no
    wrap-around, and its bit n is set exactly when a >= b.
    """
    bits = to_bits(cs, a - b + (1 << n_bits), n_bits + 1, "diff")
    return bits[n_bits]


def is_less_than_unchecked(cs: ConstraintSystem, a: Value, b: Value, n_bits: int, label: str) -> Bit:
    """Returns the bit [a < b]; ASSUMES a and b are already n-bit (unchecked: out-of-range inputs give wrong answers).

    Costs n_bits + 2 constraints (``label/diff/bit_i``, ``label/diff/sum``);
    the answer is 1 - ``diff/bit_n``. With a = r - 1 (a wrapped -1) and b = 5
    it satisfies every constraint and answers 1: the circomlib trap that
    ``is_less_than`` closes.
    """
    check_width(n_bits, MAX_COMPARE_BITS)
    a, b = LinearCombination.of(a), LinearCombination.of(b)
    with cs.namespace(label):
        return negate(_ge_bit(cs, a, b, n_bits))


def is_less_than(cs: ConstraintSystem, a: Value, b: Value, n_bits: int, label: str) -> Bit:
    """Enforces a, b < 2^n_bits and returns the bit [a < b]; assumes nothing (n_bits <= 251).

    Costs 3 n_bits + 4 constraints: ``label/range_a/*`` and ``label/range_b/*``
    (n_bits + 1 each), then ``label/diff/*`` (n_bits + 2) as in
    ``is_less_than_unchecked``.
    """
    check_width(n_bits, MAX_COMPARE_BITS)
    a, b = LinearCombination.of(a), LinearCombination.of(b)
    with cs.namespace(label):
        enforce_range(cs, a, n_bits, "range_a")
        enforce_range(cs, b, n_bits, "range_b")
        return negate(_ge_bit(cs, a, b, n_bits))


def enforce_less_or_equal_unchecked(cs: ConstraintSystem, a: Value, b: Value, n_bits: int, label: str) -> None:
    """Enforces a <= b; ASSUMES a and b are already n-bit (unchecked: out-of-range inputs may pass).

    One range check of b - a to n bits (n_bits + 1 constraints,
    ``label/diff/*``). Sound for n-bit a, b because a > b makes b - a wrap to
    at least r - 2^n, which is not n-bit while 2^(n+1) <= r.
    """
    check_width(n_bits)
    a, b = LinearCombination.of(a), LinearCombination.of(b)
    with cs.namespace(label):
        enforce_range(cs, b - a, n_bits, "diff")


def enforce_less_or_equal(cs: ConstraintSystem, a: Value, b: Value, n_bits: int, label: str) -> None:
    """Enforces a, b < 2^n_bits and a <= b; assumes nothing (n_bits <= 252).

    Three range checks, 3 n_bits + 3 constraints: ``label/range_a/*``,
    ``label/range_b/*`` and ``label/diff/*`` (b - a); a > b fails ``label/diff/sum``.
    Cheaper than ``is_less_than`` when only the assertion, not a bit, is needed.
    """
    check_width(n_bits)
    a, b = LinearCombination.of(a), LinearCombination.of(b)
    with cs.namespace(label):
        enforce_range(cs, a, n_bits, "range_a")
        enforce_range(cs, b, n_bits, "range_b")
        enforce_range(cs, b - a, n_bits, "diff")


def is_zero(cs: ConstraintSystem, x: Value, label: str) -> Bit:
    """Returns the bit [x == 0] for any field element x; assumes nothing.

    Two constraints: ``label/inv`` x * inv = 1 - out and ``label/zero``
    x * out = 0, with hints ``inv`` (1/x, or 0 when x = 0) and ``out``.
    For x != 0 they force out = 0 and inv = 1/x; for x = 0 they force out = 1
    and leave inv free (any value satisfies them: free by design).
    """
    x = LinearCombination.of(x)
    with cs.namespace(label):
        inv = cs.witness("inv", lambda: field.inv(cs.value(x)) if cs.value(x) else 0)
        out = cs.witness("out", lambda: 1 if cs.value(x) == 0 else 0)
        cs.enforce(x, inv, 1 - out, "inv")
        cs.enforce(x, out, 0, "zero")
    return Bit(dict(out.terms))


def is_equal(cs: ConstraintSystem, a: Value, b: Value, label: str) -> Bit:
    """Returns the bit [a == b] for any field elements; assumes nothing. Two constraints, as ``is_zero(a - b)``."""
    return is_zero(cs, LinearCombination.of(a) - b, label)


def _positive_part(cs: ConstraintSystem, a: LinearCombination, b: LinearCombination, n_bits: int) -> LinearCombination:
    """max(a - b, 0) with range checks of a and b; call inside the gadget's namespace."""
    enforce_range(cs, a, n_bits, "range_a")
    enforce_range(cs, b, n_bits, "range_b")
    ge = _ge_bit(cs, a, b, n_bits)
    return cs.mul(ge, a - b, "pos")


def positive_part(cs: ConstraintSystem, a: Value, b: Value, n_bits: int, label: str) -> LinearCombination:
    """Enforces a, b < 2^n_bits and returns max(a - b, 0); assumes nothing (n_bits <= 251).

    Costs 3 n_bits + 5 constraints: the range checks and ``diff/*`` of
    ``is_less_than``, then ``label/pos`` = [a >= b] * (a - b). The result is
    n-bit, and never a wrapped "negative" a - b.
    """
    check_width(n_bits, MAX_COMPARE_BITS)
    a, b = LinearCombination.of(a), LinearCombination.of(b)
    with cs.namespace(label):
        return _positive_part(cs, a, b, n_bits)


def minimum(cs: ConstraintSystem, a: Value, b: Value, n_bits: int, label: str) -> LinearCombination:
    """Enforces a, b < 2^n_bits and returns min(a, b); assumes nothing (n_bits <= 251).

    min(a, b) = a - max(a - b, 0): the same 3 n_bits + 5 constraints as
    ``positive_part`` under ``label/``, and no more.
    """
    check_width(n_bits, MAX_COMPARE_BITS)
    a, b = LinearCombination.of(a), LinearCombination.of(b)
    with cs.namespace(label):
        return a - _positive_part(cs, a, b, n_bits)
