"""Declaring circuit inputs with their widths: public_input and private_input range-check declared bits.

``public_inputs`` declares a circuit's whole public layout from one tuple of
names, so the order a proof's public inputs take (the order the ledger reads
them by name) is written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zkopt.gadgets.bits import check_width, enforce_range
from zkopt.r1cs import ConstraintSystem, LinearCombination


def _declare(cs: ConstraintSystem, kind: str, name: str, bits: int | None, length: int | None):
    if bits is not None:
        check_width(bits)
    allocate = cs.public_input if kind == "public" else cs.private_input
    values = allocate(name, length)
    if bits is not None:
        items = [values] if length is None else values
        names = [name] if length is None else [f"{name}[{i}]" for i in range(length)]
        for item, item_name in zip(items, names):
            with cs.namespace(item_name):
                enforce_range(cs, item, bits, "range")
    return values


def public_input(
    cs: ConstraintSystem, name: str, bits: int | None = None, length: int | None = None
) -> LinearCombination | list[LinearCombination]:
    """Allocates public input(s) ``name`` and enforces each is ``bits``-bit when bits is given; assumes nothing.

    One value, or a list of ``length`` values.

    Costs bits + 1 constraints per value, labelled ``name/range/*`` (``name[i]/range/*``
    for a list); a value of 2^bits or more fails ``name/range/sum``. Without
    ``bits`` nothing is enforced: the value is any field element.
    """
    return _declare(cs, "public", name, bits, length)


def private_input(
    cs: ConstraintSystem, name: str, bits: int | None = None, length: int | None = None
) -> LinearCombination | list[LinearCombination]:
    """Allocates private input(s) ``name`` and enforces each is ``bits``-bit when bits is given; assumes nothing.

    Same labels and costs as ``public_input``.
    """
    return _declare(cs, "private", name, bits, length)


def public_inputs(
    cs: ConstraintSystem, names: Sequence[str], bits: Mapping[str, int] | None = None
) -> dict[str, LinearCombination]:
    """Allocates the public inputs ``names`` in that order and enforces ``bits[name]`` widths; assumes nothing.

    Returns them by name. Each name in ``bits`` is range-checked as
    ``public_input`` does (``name/range/*``); the others are any field element.
    """
    widths = dict(bits or {})
    unknown = sorted(set(widths) - set(names))
    if unknown:
        raise ValueError(f"widths given for names that are not inputs: {unknown}")
    return {name: public_input(cs, name, bits=widths.get(name)) for name in names}
