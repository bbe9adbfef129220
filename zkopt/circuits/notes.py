"""In-circuit formulas of keys, notes, nullifiers and payoff: the twins of ``zkopt.native.notes`` and ``payoff``.

Each function here adds the constraints of one formula of
``zkopt.native.notes`` (or the intrinsic and net values of
``zkopt.native.payoff``) under its ``label/`` and returns the result as a
combination; the circuits bind results to public inputs with
``enforce_equal``. The hashes are the Poseidon gadget with the native tags as
constant inputs, so a gadget and its native twin agree on every input (tested
in tests/test_circuit_notes.py).

The hashes accept any field elements. The native functions additionally
*refuse* out-of-range fields (an amount of 2^64 or more, a kind or side other
than 0 or 1); in a circuit that refusal is the caller's range check, made once where
the value is declared (``gadgets.inputs``) or derived. The circuits of this
package range-check every bounded field of each note they *create*, and every value they
use in arithmetic; the one field hashed unchecked is settle's public
``expiry``, which only re-opens a note that ``open`` checked (settle/SPEC.md).

Widths (the fixed-point convention of ``zkopt.native.payoff``):

- ``AMOUNT_BITS = 64``: amounts, prices, strikes, quantities, collateral, expiry;
- ``PRODUCT_BITS = 128``: a product of two 64-bit values is below 2^128 < r,
  so it is its own canonical integer (no wrap-around) without a check;
- ``NET_BITS = 130``: a position's net value is Short - Long, where Short and
  Long (the sums of its short and long legs' products) are each below
  MAX_LEGS * 2^128 = 2^130; as a field element it is that integer mod r;
- ``FLOOR_BITS = 111``: |floor(net / SCALE)| < 2^130 / 10^6 < 2^111;
- ``REMAINDER_BITS = 20``: SCALE = 10^6 < 2^20;
- ``MARGIN_SLACK_BITS = 131``: an honest margin slack collateral * SCALE +
  SCALE - 1 - net is below 2^84 + 2^130 < 2^131 (collateral * SCALE + SCALE - 1
  < 2^64 * 10^6 <= 2^84), and a failing one wraps to at least r - 2^130.

The legs of a position (``leg_inputs``, ``LegTerms``, ``position_value``)
are shared by open and settle: both allocate the same private leg inputs with
the same checks, hash them into the same commitment and value them with the
same gadget.

Shared by the circuits that spend a note, closing the module: ``spend_cash``
(the spend of a cash note), ``check_depth`` (the ``depth`` parameter) and
``path_inputs`` (a ``MerklePath`` as input lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkopt.gadgets.boolean import Bit, enforce_boolean, negate
from zkopt.gadgets.compare import is_less_than_unchecked
from zkopt.gadgets.inputs import private_input
from zkopt.gadgets.merkle import enforce_membership
from zkopt.gadgets.poseidon import poseidon
from zkopt.native import notes as _notes
from zkopt.native import payoff as _payoff
from zkopt.native.merkle import MAX_DEPTH, MerklePath
from zkopt.r1cs import Circuit, ConstraintSystem, LinearCombination, Value

#: Width of every amount, price, strike, quantity, collateral and expiry (DESIGN.md "Numbers").
AMOUNT_BITS = 64
#: Width of a product of two AMOUNT_BITS values: (2^64 - 1)^2 < 2^128, far below r (about 2^253.6).
PRODUCT_BITS = 2 * AMOUNT_BITS
#: Leg slots of every option note (native ``MAX_LEGS``).
MAX_LEGS = _notes.MAX_LEGS
#: Width of |net value| = |Short - Long|: each sum of at most MAX_LEGS products is below MAX_LEGS * 2^128 = 2^130.
NET_BITS = PRODUCT_BITS + (MAX_LEGS - 1).bit_length()
#: Width of |floor(net / SCALE)|: MAX_LEGS * (2^64 - 1)^2 // 10^6 < 2^111 (pinned in the tests).
FLOOR_BITS = 111
#: Width of a remainder modulo SCALE: 10^6 < 2^20.
REMAINDER_BITS = 20
#: Width of an honest margin slack collateral * SCALE + SCALE - 1 - net: below 2^84 + 2^130 < 2^131.
MARGIN_SLACK_BITS = NET_BITS + 1
#: Settle divides net + DIVISION_OFFSET, a multiple of SCALE above 2^NET_BITS, so the dividend is positive.
DIVISION_OFFSET = _payoff.SCALE << FLOOR_BITS

SCALE = _payoff.SCALE
CALL = _payoff.CALL
PUT = _payoff.PUT

#: Constraints of ``intrinsic_unchecked``: the comparison (AMOUNT_BITS + 2) and one product.
INTRINSIC_CONSTRAINTS = AMOUNT_BITS + 3
#: Constraints of one leg's private inputs (``leg_inputs``): two bits, two 64-bit ranges, the signed quantity.
LEG_INPUT_CONSTRAINTS = 2 + 2 * (AMOUNT_BITS + 1) + 1
#: Constraints of one leg's value at one price (``position_value``): the intrinsic value and one product.
LEG_VALUE_CONSTRAINTS = INTRINSIC_CONSTRAINTS + 1


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
    expiry: Value,
    collateral: Value,
    holder_pk: Value,
    writer_pk: Value,
    rho: Value,
    packed_legs: Sequence[Value],
    label: str,
) -> LinearCombination:
    """Enforces and returns Poseidon(OPTION_TAG, asset, expiry, collateral, holder_pk, writer_pk, rho, leg_0..leg_3).

    ASSUMES each packed leg is ``LegTerms.packed`` of range-checked parts
    (``leg_inputs``) and collateral and expiry are 64-bit: the hash holds for
    any values, the assumptions make the result a valid option note whose
    packing is one-to-one (native ``option_commitment``, ``pack_leg``). 468
    constraints (Poseidon, t = 12) under ``label/``.
    """
    if len(packed_legs) != MAX_LEGS:
        raise ValueError(f"an option note has {MAX_LEGS} leg slots, got {len(packed_legs)}")
    fields = [asset, expiry, collateral, holder_pk, writer_pk, rho, *packed_legs]
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

    One comparison and one product:

    - ``label/compare/diff/*`` (66 constraints): the bit [S < K] as
      ``is_less_than_unchecked``; its answer is only right for 64-bit S and K,
      which is why they must be range-checked first (unchecked);
    - ``label/value``: ([S >= K] - kind) * (S - K). For a call that is
      [S >= K] (S - K) = max(S - K, 0); for a put ([S >= K] - 1)(S - K) =
      [S < K] (K - S) = max(K - S, 0).

    67 constraints (``INTRINSIC_CONSTRAINTS``). The result is below 2^64 and
    never a wrapped "negative" K - S: with S > K the put's value is 0.
    """
    if not isinstance(kind, Bit):
        raise TypeError("intrinsic_unchecked takes kind as a Bit (already constrained to be boolean)")
    strike, price = LinearCombination.of(strike), LinearCombination.of(price)
    with cs.namespace(label):
        at_or_above = negate(is_less_than_unchecked(cs, price, strike, AMOUNT_BITS, "compare"))
        return cs.mul(at_or_above - kind, price - strike, "value")


@dataclass(frozen=True)
class LegTerms:
    """One leg slot in a circuit: ``kind`` and ``side`` Bits, 64-bit ``strike`` and ``quantity``, ``signed_quantity``.

    ``signed_quantity`` is quantity for a SHORT leg and -quantity (r -
    quantity) for a LONG one; ``packed`` is the native ``pack_leg``.
    """

    kind: Bit
    side: Bit
    strike: LinearCombination
    quantity: LinearCombination
    signed_quantity: LinearCombination

    @property
    def packed(self) -> LinearCombination:
        """quantity + 2^64 strike + 2^128 kind + 2^129 side: linear, no constraint; one-to-one on checked parts."""
        return (
            self.quantity
            + self.strike * (1 << _notes.STRIKE_SHIFT)
            + self.kind * (1 << _notes.KIND_SHIFT)
            + self.side * (1 << _notes.SIDE_SHIFT)
        )


def leg_inputs(cs: ConstraintSystem) -> list[LegTerms]:
    """Allocates the private leg inputs kind[L], side[L], strike[L], quantity[L] and enforces their widths; assumes nothing.

    Constraints per slot i (``LEG_INPUT_CONSTRAINTS`` = 133):
    ``strike[i]/range/*`` and ``quantity[i]/range/*`` (65 each, allocated with
    their width), ``kind[i]/boolean`` and ``side[i]/boolean`` (1 each), and
    ``quantity[i]/signed`` (side * quantity, so signed_quantity = quantity -
    2 side quantity). The inputs are declared in this order: kind, side,
    strike, quantity, each a list of MAX_LEGS.
    """
    kinds = cs.private_input("kind", MAX_LEGS)
    sides = cs.private_input("side", MAX_LEGS)
    strikes = private_input(cs, "strike", bits=AMOUNT_BITS, length=MAX_LEGS)
    quantities = private_input(cs, "quantity", bits=AMOUNT_BITS, length=MAX_LEGS)
    legs = []
    for i in range(MAX_LEGS):
        with cs.namespace(f"kind[{i}]"):
            kind = enforce_boolean(cs, kinds[i], "boolean")
        with cs.namespace(f"side[{i}]"):
            side = enforce_boolean(cs, sides[i], "boolean")
        with cs.namespace(f"quantity[{i}]"):
            signed = quantities[i] - 2 * cs.mul(side, quantities[i], "signed")
        legs.append(LegTerms(kind, side, strikes[i], quantities[i], signed))
    return legs


def leg_values(position: _notes.Position) -> dict[str, list[str]]:
    """The leg inputs of ``position`` as ``leg_inputs`` reads them: ``kind``, ``side``, ``strike``, ``quantity`` lists."""
    return {name: [str(getattr(leg, name)) for leg in position.legs] for name in _notes.LEG_FIELDS}


def position_value(cs: ConstraintSystem, legs: Sequence[LegTerms], price: Value, label: str) -> LinearCombination:
    """Returns sum_i signed_quantity_i * intrinsic_i(price), the position's net value; ASSUMES price < 2^64, legs checked.

    The native ``payoff.net_value``: per slot, ``label/leg_i/intrinsic/*`` (67)
    and ``label/leg_i/value`` (1), ``LEG_VALUE_CONSTRAINTS`` in all. As an
    integer the value is Short - Long, the sums of the short and the long
    legs' products, each below 2^130 (``NET_BITS``); the field element is that
    integer mod r, so a "negative" net value is r - |net|. Callers compare it
    only through range checks sized for that (open's slack, settle's division).
    """
    net = LinearCombination()
    with cs.namespace(label):
        for i, leg in enumerate(legs):
            with cs.namespace(f"leg_{i}"):
                value = intrinsic_unchecked(cs, leg.kind, leg.strike, price, "intrinsic")
                net = net + cs.mul(leg.signed_quantity, value, "value")
    return net


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
