"""Conditional selection: ``select`` (out = bit ? if_true : if_false)."""

from __future__ import annotations

from zkopt.gadgets.boolean import Bit, enforce_boolean
from zkopt.r1cs import ConstraintSystem, LinearCombination, Value


def select(cs: ConstraintSystem, bit: Value, if_true: Value, if_false: Value, label: str) -> LinearCombination:
    """Enforces out = if_false + bit * (if_true - if_false) and bit in {0, 1}; assumes nothing.

    One constraint, ``label/select``, when ``bit`` is a ``Bit`` (already
    proven boolean by the gadget that made it) or the constant 0 or 1;
    otherwise a booleanity constraint ``label/bit`` is added first (two in
    all), so a plain combination can never select a blend of the two values.
    The output is the hinted variable ``label/select``.
    """
    t, f = LinearCombination.of(if_true), LinearCombination.of(if_false)
    b = LinearCombination.of(bit)
    constant = b.constant_value()
    if constant is not None and constant not in (0, 1):
        raise ValueError(f"select: the constant selector must be 0 or 1, got {constant}")
    with cs.namespace(label):
        if constant is None and not isinstance(bit, Bit):
            b = enforce_boolean(cs, b, "bit")
        out = cs.witness("select", lambda: cs.value(f) + cs.value(b) * (cs.value(t) - cs.value(f)))
        cs.enforce(b, t - f, out - f, "select")
    return out
