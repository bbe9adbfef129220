"""In-circuit formulas of keys, notes, nullifiers and payoff: the twins of ``zkopt.native.notes`` and ``payoff``.

Each function here adds the constraints of one formula of
``zkopt.native.notes`` (or the intrinsic value of ``zkopt.native.payoff``)
under its ``label/`` and returns the result as a combination; the circuits
bind results to public inputs with ``enforce_equal``. The hashes are the
Poseidon gadget with the native tags as constant inputs, so a gadget and its
native twin agree on every input (tested in tests/test_circuit_notes.py).

The hashes accept any field elements. The native functions additionally
*refuse* out-of-range fields (an amount of 2^64 or more, a kind other than 0
or 1); in a circuit that refusal is the caller's range check, made once where
the value is declared (``gadgets.inputs``) or derived. The circuits of this
package range-check every bounded field of each note they *create*, and every value they
use in arithmetic; the one field hashed unchecked is settle's public
``expiry``, which only re-opens a note that ``open`` checked (settle/SPEC.md).

Widths (the fixed-point convention of ``zkopt.native.payoff``):

- ``AMOUNT_BITS = 64``: amounts, prices, strikes, quantities, collateral, expiry;
- ``PRODUCT_BITS = 128``: a product of two 64-bit values is below 2^128 < r,
  so it is its own canonical integer (no wrap-around) without a check;
- ``QUOTIENT_BITS = 109``: floor(product / SCALE) < 2^128 / 10^6 < 2^109;
- ``REMAINDER_BITS = 20``: SCALE = 10^6 < 2^20;
- ``MARGIN_SLACK_BITS = 84``: collateral * SCALE + SCALE - 1 < 2^64 * 10^6 <= 2^84.

Shared by the circuits that spend a note, closing the module: ``spend_cash``
(the spend of a cash note), ``check_depth`` (the ``depth`` parameter) and
``path_inputs`` (a ``MerklePath`` as input lists).
"""

from __future__ import annotations

from zkopt.gadgets.boolean import Bit, negate
from zkopt.gadgets.compare import is_less_than_unchecked
from zkopt.gadgets.merkle import enforce_membership
from zkopt.gadgets.poseidon import poseidon
from zkopt.gadgets.select import select
from zkopt.native import notes as _notes
from zkopt.native import payoff as _payoff
from zkopt.native.merkle import MAX_DEPTH, MerklePath
from zkopt.r1cs import Circuit, ConstraintSystem, LinearCombination, Value

#: Width of every amount, price, strike, quantity, collateral and expiry (DESIGN.md "Numbers").
AMOUNT_BITS = 64
#: Width of a product of two AMOUNT_BITS values: (2^64 - 1)^2 < 2^128, far below r (about 2^253.6).
PRODUCT_BITS = 2 * AMOUNT_BITS
#: Width of floor(product / SCALE): (2^64 - 1)^2 // 10^6 < 2^109 (pinned in the tests).
QUOTIENT_BITS = 109
#: Width of a remainder modulo SCALE: 10^6 < 2^20.
REMAINDER_BITS = 20
#: Width of the margin slack collateral * SCALE + SCALE - 1 - product: the bound is below 2^64 * 10^6 <= 2^84.
MARGIN_SLACK_BITS = 84

SCALE = _payoff.SCALE
CALL = _payoff.CALL
PUT = _payoff.PUT

#: Constraints of ``intrinsic_unchecked``: the comparison (AMOUNT_BITS + 2), the call's positive part, the select.
INTRINSIC_CONSTRAINTS = AMOUNT_BITS + 4


def public_key(cs: ConstraintSystem, sk: Value, label: str) -> LinearCombination:
    """Enforces and returns pk = Poseidon(sk) (native ``public_key``); assumes nothing (sk any field element).

    216 constraints (Poseidon, t = 2) under ``label/``.
    """
    return poseidon(cs, [sk], label)


def cash_commitment(cs: ConstraintSystem, amount: Value, owner_pk: Value, rho: Value, label: str) -> LinearCombination:
    """Enforces and returns Poseidon(CASH_TAG, amount, owner_pk, rho); assumes the caller range-checked amount (64).

    The hash itself holds for any field elements; the assumption is what makes
    the result a *valid* cash note (the native ``cash_commitment`` refuses an
    amount of 2^64 or more). 300 constraints (Poseidon, t = 5) under ``label/``.
    """
    return poseidon(cs, [_notes.CASH_TAG, amount, owner_pk, rho], label)


def option_commitment(
    cs: ConstraintSystem,
    asset: Value,
    kind: Value,
    strike: Value,
    quantity: Value,
    expiry: Value,
    collateral: Value,
    holder_pk: Value,
    writer_pk: Value,
    rho: Value,
    label: str,
) -> LinearCombination:
    """Enforces and returns Poseidon(OPTION_TAG, asset, kind, ..., rho); assumes kind boolean, the four amounts 64-bit.

    The field order is the native ``option_commitment``'s: asset, kind, strike,
    quantity, expiry, collateral, holder_pk, writer_pk, rho. As for
    ``cash_commitment``, the hash holds for any values and the assumptions
    (kind in {0, 1}; strike, quantity, expiry, collateral < 2^64) are the
    caller's range checks. 462 constraints (Poseidon, t = 11) under ``label/``.
    """
    fields = [asset, kind, strike, quantity, expiry, collateral, holder_pk, writer_pk, rho]
    return poseidon(cs, [_notes.OPTION_TAG, *fields], label)


def nullifier(cs: ConstraintSystem, secret: Value, cm: Value, label: str) -> LinearCombination:
    """Enforces and returns Poseidon(NULLIFIER_TAG, secret, cm) (native ``nullifier``); assumes nothing.

    ``secret`` is sk for a cash note, the note's rho for an option note; ``cm``
    is the note's commitment as the circuit computed it, so the nullifier
    belongs to that note alone. 264 constraints (Poseidon, t = 4) under ``label/``.
    """
    return poseidon(cs, [_notes.NULLIFIER_TAG, secret, cm], label)


def output_rho(cs: ConstraintSystem, nf: Value, index: int, secret: Value, label: str) -> LinearCombination:
    """Enforces and returns Poseidon(RHO_TAG, nf, index, secret) (native ``output_rho``); assumes nothing.

    ``index`` is a constant (the output's position), never a witness: the
    outputs of one spend are distinct by construction. 300 constraints
    (Poseidon, t = 5) under ``label/``.
    """
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 2**16:
        raise ValueError(f"output index must be a constant int in [0, 2^16), got {index!r}")
    return poseidon(cs, [_notes.RHO_TAG, nf, index, secret], label)


def deposit_rho(cs: ConstraintSystem, seed: Value, label: str) -> LinearCombination:
    """Enforces and returns Poseidon(DEPOSIT_TAG, seed) (native ``deposit_rho``); assumes nothing.

    243 constraints (Poseidon, t = 3) under ``label/``.
    """
    return poseidon(cs, [_notes.DEPOSIT_TAG, seed], label)


def intrinsic_unchecked(cs: ConstraintSystem, kind: Bit, strike: Value, price: Value, label: str) -> LinearCombination:
    """Returns max(S - K, 0) for a call (kind 0), max(K - S, 0) for a put (kind 1); ASSUMES K, S < 2^64 and kind a Bit.

    The positive parts of both signs come from one comparison:

    - ``label/compare/diff/*`` (66 constraints): the bit [S < K] as
      ``is_less_than_unchecked``; its answer is only right for 64-bit S and K,
      which is why they must be range-checked first (unchecked);
    - ``label/call``: call = [S >= K] * (S - K) = max(S - K, 0);
    - put = call - (S - K) = max(K - S, 0), linear (max(x, 0) - x = max(-x, 0));
    - ``label/select/select``: the result = kind ? put : call.

    68 constraints (``INTRINSIC_CONSTRAINTS``). The result is below 2^64 and
    never a wrapped "negative" K - S: with S > K the put's value is 0.
    """
    if not isinstance(kind, Bit):
        raise TypeError("intrinsic_unchecked takes kind as a Bit (already constrained to be boolean)")
    strike, price = LinearCombination.of(strike), LinearCombination.of(price)
    with cs.namespace(label):
        below = is_less_than_unchecked(cs, price, strike, AMOUNT_BITS, "compare")
        call = cs.mul(negate(below), price - strike, "call")
        put = call - (price - strike)
        return select(cs, kind, put, call, "select")


# --- shared by the circuits that spend a note ---------------------------------------


def spend_cash(
    cs: ConstraintSystem,
    amount: Value,
    sk: Value,
    rho: Value,
    directions: list[LinearCombination],
    siblings: list[LinearCombination],
    root: Value,
    nf: Value,
) -> LinearCombination:
    """Enforces that the cash note (amount, Poseidon(sk), rho) is under ``root`` with nullifier ``nf``; returns pk.

    Assumes the caller range-checked ``amount`` (64). The spend of open,
    withdraw and every circuit that consumes a cash note: ``pk/*`` (216),
    ``cm_in/*`` (300), ``merkle/*`` (245 per level) and ``nf_in/*`` (265:
    the nullifier Poseidon(NULLIFIER_TAG, sk, cm_in) and its equality with
    the public ``nf``); a circuit spending two notes puts each in a namespace of its own.
    """
    pk = public_key(cs, sk, "pk")
    cm = cash_commitment(cs, amount, pk, rho, "cm_in")
    enforce_membership(cs, cm, directions, siblings, root, "merkle")
    with cs.namespace("nf_in"):
        cs.enforce_equal(nullifier(cs, sk, cm, "hash"), nf, "equal")
    return pk


#: The production tree depth (DESIGN.md), every spending circuit's default.
DEFAULT_DEPTH = 20


class TreeCircuit(Circuit):
    """A circuit that proves membership in the note tree: its one shape parameter is the tree ``depth``."""

    def __init__(self, depth: int = DEFAULT_DEPTH):
        self.depth = check_depth(depth)

    def params(self) -> dict[str, int]:
        return {"depth": self.depth}


def check_depth(depth: object) -> int:
    """Return ``depth`` if it is an int in 1..MAX_DEPTH (the native tree's limit); raise ValueError otherwise."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be an int in 1..{MAX_DEPTH}, got {depth!r}")
    return depth


def path_inputs(path: MerklePath, leaf: int) -> dict[str, object]:
    """``root``, ``directions``, ``siblings`` (decimal strings) of ``path``; ValueError unless it is ``leaf``'s.

    The check catches a wallet that pairs a note with another leaf's path
    before a proof is attempted (the circuit would reject it at ``merkle/root``).
    """
    if not isinstance(path, MerklePath):
        raise TypeError(f"expected a MerklePath, got {type(path).__name__}")
    if path.leaf != leaf:
        raise ValueError(f"leaf {path.index} of the path is not this note's commitment")
    return path.inputs()
