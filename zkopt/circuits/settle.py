"""The ``settle`` circuit: a position note pays min(gross claim, collateral) to the holder, the rest to the writer."""

from __future__ import annotations

from zkopt.circuits import notes
from zkopt.gadgets.bits import enforce_range, from_bits, to_bits
from zkopt.gadgets.compare import is_less_than_unchecked
from zkopt.gadgets.inputs import private_input, public_inputs
from zkopt.gadgets.merkle import enforce_membership
from zkopt.gadgets.select import select
from zkopt.native.merkle import MerklePath
from zkopt.native.notes import SETTLE_HOLDER, SETTLE_WRITER, OptionNote
from zkopt.native.payoff import U64_BOUND
from zkopt.r1cs import ConstraintSystem

#: Public inputs, in order (the ledger reads them by name).
PUBLIC = ("root", "nf_option", "asset", "expiry", "price", "cm_holder", "cm_writer")

DEFAULT_DEPTH = notes.DEFAULT_DEPTH

#: Width of the shifted quotient floor((net + DIVISION_OFFSET) / SCALE) = floor(net / SCALE) + 2^FLOOR_BITS.
SHIFTED_QUOTIENT_BITS = notes.FLOOR_BITS + 1


class Settle(notes.TreeCircuit):
    """Enforces that a member position note settles at the public price into the two cash notes; assumes nothing.

    Public: root, nf_option, asset, expiry, price (64 bits), cm_holder,
    cm_writer. Private: kind[L] (1), side[L] (1), strike[L] (64), quantity[L]
    (64), collateral (64), holder_pk, writer_pk, rho, directions[depth],
    siblings[depth], with L = MAX_LEGS = 4 leg slots.

    The option commitment is computed with the PUBLIC asset and expiry
    variables inside the hash, so they equal the note's by construction
    (``cm/*``), and it is in the tree of ``root`` (``merkle/*``); nf_option is
    its nullifier Poseidon(NULLIFIER_TAG, rho, cm) (``nf_option/*``). With net
    the exact sum of the legs' signed quantity * intrinsic(price): the hinted
    shifted quotient q and the remainder m = net + DIVISION_OFFSET - q * SCALE
    satisfy q < 2^112 and 0 <= m < SCALE (``payoff/*``), so q = floor(net /
    SCALE) + 2^111; its top bit says whether that floor is >= 0, and gross =
    top bit * (q - 2^111) = max(floor(net / SCALE), 0); payout = min(gross,
    collateral); the holder gets cash_commitment(payout, holder_pk, rho_h) and
    the writer cash_commitment(collateral - payout, writer_pk, rho_w) with
    rho_h = output_rho(nf_option, 0, rho) and rho_w = output_rho(nf_option, 1,
    rho) (``rho_holder/*``, ``rho_writer/*``). See circuits/settle/SPEC.md.
    """

    name = "settle"
    #: The notes it creates, in output-index order; no private input is a term of theirs (all follow from the option).
    new_notes = ("cm_holder", "cm_writer")
    note_terms = ()
    statement = (
        "a position note under `root` with nullifier `nf_option`, on `asset` expiring at `expiry`, settles at `price`: "
        "`cm_holder` gets min(max(sum of the legs' signed quantity * intrinsic, 0) / SCALE, collateral), "
        "`cm_writer` the rest of the collateral"
    )

    def define(self, cs: ConstraintSystem) -> None:
        bits = notes.AMOUNT_BITS
        public = public_inputs(cs, PUBLIC, bits={"price": bits})
        root, nf_option, asset, expiry, price, cm_holder, cm_writer = (public[n] for n in PUBLIC)

        legs = notes.leg_inputs(cs)
        collateral = private_input(cs, "collateral", bits=bits)
        holder_pk = cs.private_input("holder_pk")
        writer_pk = cs.private_input("writer_pk")
        rho = cs.private_input("rho")
        directions = cs.private_input("directions", self.depth)
        siblings = cs.private_input("siblings", self.depth)

        # The legs' parts and the collateral are range-checked here although open already checked
        # them: settle's arithmetic must not rest on another circuit. asset and expiry are only
        # hashed (no arithmetic), so the note's binding is all they need.
        packed = [leg.packed for leg in legs]
        cm = notes.option_commitment(cs, asset, expiry, collateral, holder_pk, writer_pk, rho, packed, "cm")
        enforce_membership(cs, cm, directions, siblings, root, "merkle")
        with cs.namespace("nf_option"):
            cs.enforce_equal(notes.nullifier(cs, rho, cm, "hash"), nf_option, "equal")

        with cs.namespace("payoff"):
            # net = Short - Long, |net| < 2^130; shifted by DIVISION_OFFSET = SCALE * 2^111 > 2^130 it is a
            # positive integer below 2^132, whose Euclidean division by SCALE is (q, m).
            net = notes.position_value(cs, legs, price, "value")
            shifted = net + notes.DIVISION_OFFSET
            quotient = cs.witness("quotient", lambda: cs.value(shifted) // notes.SCALE)
            remainder = shifted - quotient * notes.SCALE
            # q < 2^112 and 0 <= m < SCALE make q * SCALE + m < 2^132 < r: the field equation is the
            # integer equation, so (q, m) is the one Euclidean division of the shifted value.
            quotient_bits = to_bits(cs, quotient, SHIFTED_QUOTIENT_BITS, "quotient_range")
            enforce_range(cs, remainder, notes.REMAINDER_BITS, "remainder_range")
            enforce_range(cs, (notes.SCALE - 1) - remainder, notes.REMAINDER_BITS, "remainder_below_scale")
            # q = floor(net / SCALE) + 2^111: its top bit is [floor(net / SCALE) >= 0] and the lower bits
            # are the floor itself when it is; so gross = max(floor(net / SCALE), 0) < 2^111.
            floor_bits, non_negative = quotient_bits[: notes.FLOOR_BITS], quotient_bits[notes.FLOOR_BITS]
            gross = cs.mul(non_negative, from_bits(floor_bits), "gross")
            # min(gross, collateral): both are below 2^111 (collateral is 64-bit), as the comparison assumes.
            below = is_less_than_unchecked(cs, gross, collateral, notes.FLOOR_BITS, "cap")
            payout = select(cs, below, gross, collateral, "payout")

        rho_holder = notes.output_rho(cs, nf_option, SETTLE_HOLDER, rho, "rho_holder")
        rho_writer = notes.output_rho(cs, nf_option, SETTLE_WRITER, rho, "rho_writer")
        with cs.namespace("cm_holder"):
            cs.enforce_equal(notes.cash_commitment(cs, payout, holder_pk, rho_holder, "hash"), cm_holder, "equal")
        with cs.namespace("cm_writer"):
            rest = collateral - payout  # in [0, collateral]: payout <= collateral by the min
            cs.enforce_equal(notes.cash_commitment(cs, rest, writer_pk, rho_writer, "hash"), cm_writer, "equal")


def inputs(option: OptionNote, path: MerklePath, price: int) -> dict[str, object]:
    """The inputs of ``settle`` for ``option`` (with its Merkle ``path``) at settlement ``price`` (decimal strings).

    The output notes are ``option.settlement_notes(price)``; either party can
    build these inputs (both know the note). Raises ValueError for a price
    outside [0, 2^64) or a path that is not the note's.
    """
    if not isinstance(option, OptionNote):
        raise TypeError(f"settle.inputs takes an OptionNote, got {type(option).__name__}")
    if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price < U64_BOUND:
        raise ValueError("price must be an int in [0, 2^64)")
    holder, writer = option.settlement_notes(price)
    return {
        **notes.path_inputs(path, option.commitment()),
        "nf_option": str(option.nullifier()),
        "asset": str(option.position.asset),
        "expiry": str(option.position.expiry),
        "price": str(price),
        "cm_holder": str(holder.commitment()),
        "cm_writer": str(writer.commitment()),
        **notes.leg_values(option.position),
        "collateral": str(option.collateral),
        "holder_pk": str(option.holder_pk),
        "writer_pk": str(option.writer_pk),
        "rho": str(option.rho),
    }
