"""Booleans in R1CS: the ``Bit`` marker, the booleanity constraint, allocating a hinted bit."""

from __future__ import annotations

from collections.abc import Callable

from zkopt.r1cs import ConstraintSystem, LinearCombination, Value


class Bit(LinearCombination):
    """A linear combination already constrained to be 0 or 1.

    Only gadgets that have enforced booleanity make one (``enforce_boolean``,
    ``alloc_bit``, ``to_bits``, the comparisons, ``is_zero``), so ``select``
    can skip a second booleanity constraint. Arithmetic on a Bit returns a
    plain LinearCombination: ``bit + 1`` is no longer known to be boolean.
    """

    __slots__ = ()


def enforce_boolean(cs: ConstraintSystem, x: Value, label: str) -> Bit:
    """Enforces x in {0, 1} with one constraint x * (1 - x) = 0; assumes nothing. Returns x as a Bit."""
    x = LinearCombination.of(x)
    cs.enforce(x, 1 - x, 0, label)
    return Bit(dict(x.terms))


def alloc_bit(cs: ConstraintSystem, name: str, compute: Callable[[], int]) -> Bit:
    """Enforces that the new variable ``name`` (set by the hint ``compute``) is 0 or 1; assumes nothing.

    One constraint, labelled ``name``. The hint's value is reduced mod r, so a
    hint that returns 2 gives a witness that fails this constraint.
    """
    bit = cs.witness(name, compute)
    return enforce_boolean(cs, bit, name)


def negate(bit: Bit) -> Bit:
    """Returns 1 - bit, which is boolean when bit is; no constraint. Assumes ``bit`` is a Bit."""
    if not isinstance(bit, Bit):
        raise TypeError("negate takes a Bit (a combination already constrained to be boolean)")
    return Bit(dict((1 - bit).terms))


def constant_bit(value: int) -> Bit:
    """The constant 0 or 1 as a Bit; raises ValueError for anything else."""
    if isinstance(value, bool) or value not in (0, 1):
        raise ValueError(f"a constant bit must be 0 or 1, got {value!r}")
    return Bit(dict(LinearCombination.constant(value).terms))
