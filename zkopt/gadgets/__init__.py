"""Gadgets: reusable constraint fragments (booleans, bits and ranges, comparisons, selection, typed inputs).

Every gadget takes the ConstraintSystem first and a label last, puts its
constraints under ``label/``, and says in its docstring's first line what it
enforces and what it assumes; the ``*_unchecked`` ones assume a precondition.
Poseidon and Merkle gadgets live in their own modules.
"""

from zkopt.gadgets.bits import MAX_BITS, check_width, enforce_range, from_bits, to_bits
from zkopt.gadgets.boolean import Bit, alloc_bit, constant_bit, enforce_boolean, negate
from zkopt.gadgets.compare import (
    MAX_COMPARE_BITS,
    enforce_less_or_equal,
    enforce_less_or_equal_unchecked,
    is_equal,
    is_less_than,
    is_less_than_unchecked,
    is_zero,
    minimum,
    positive_part,
)
from zkopt.gadgets.inputs import private_input, public_input
from zkopt.gadgets.select import select

__all__ = [
    "MAX_BITS",
    "MAX_COMPARE_BITS",
    "Bit",
    "alloc_bit",
    "check_width",
    "constant_bit",
    "enforce_boolean",
    "enforce_less_or_equal",
    "enforce_less_or_equal_unchecked",
    "enforce_range",
    "from_bits",
    "is_equal",
    "is_less_than",
    "is_less_than_unchecked",
    "is_zero",
    "minimum",
    "negate",
    "positive_part",
    "private_input",
    "public_input",
    "select",
    "to_bits",
]
