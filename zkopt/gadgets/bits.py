"""Bit decomposition: ``to_bits`` (which is also the range check), ``enforce_range``, ``from_bits``."""

from __future__ import annotations

from collections.abc import Sequence

from zkopt.gadgets.boolean import Bit, alloc_bit
from zkopt.field import R
from zkopt.r1cs import ConstraintSystem, LinearCombination, Value

#: The widest decomposition we allow. A sum of n boolean terms is an integer
#: below 2^n; while 2^n < r it is the canonical value of x, so the bits are
#: unique and prove x < 2^n. r lies between 2^253 and 2^254: at 254 bits both
#: x and x + r (same field element) would fit, so the "range check" would
#: accept any field element (the aliasing trap). We stop at 252, one bit
#: below the exact limit of 253, so that a comparison's n+1-bit difference
#: (``compare``) never crosses it either.
MAX_BITS = 252


def check_width(n_bits: object, limit: int = MAX_BITS) -> int:
    """Return n_bits if it is an int in [1, limit]; raise ValueError otherwise (called at definition time)."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, int) or not 1 <= n_bits <= limit:
        raise ValueError(f"bit width must be an integer in [1, {limit}], got {n_bits!r}")
    return n_bits


def to_bits(cs: ConstraintSystem, x: Value, n_bits: int, label: str) -> list[Bit]:
    """Enforces x = sum b_i 2^i with every b_i boolean, so x is n-bit; assumes nothing (n_bits <= 252).

    Little-endian. Costs n_bits + 1 constraints, under ``label/``: ``bit_i``
    for each bit (hint: bit i of x) and ``sum`` for the recomposition. An x of
    2^n or more (including "negative" values near r) fails ``label/sum``.
    """
    check_width(n_bits)
    x = LinearCombination.of(x)
    with cs.namespace(label):
        bits = [alloc_bit(cs, f"bit_{i}", lambda i=i: cs.value(x) >> i & 1) for i in range(n_bits)]
        cs.enforce_equal(from_bits(bits), x, "sum")
    return bits


def enforce_range(cs: ConstraintSystem, x: Value, n_bits: int, label: str) -> None:
    """Enforces 0 <= x < 2^n_bits (as the canonical integer of x); assumes nothing (n_bits <= 252).

    Same constraints as ``to_bits`` (n_bits + 1), bits discarded.
    """
    to_bits(cs, x, n_bits, label)


def from_bits(bits: Sequence[Value]) -> LinearCombination:
    """Returns sum b_i 2^i (little-endian) with no constraint; assumes each b_i is already boolean."""
    terms: dict[int, int] = {}
    for i, bit in enumerate(bits):
        for key, coeff in LinearCombination.of(bit).terms.items():
            terms[key] = (terms.get(key, 0) + coeff * (1 << i)) % R
    return LinearCombination({k: c for k, c in terms.items() if c})
