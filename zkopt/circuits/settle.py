"""The ``settle`` circuit: an option note pays min(gross payout, collateral) to the holder, the rest to the writer."""

from __future__ import annotations

from zkopt.circuits import notes
from zkopt.gadgets.bits import enforce_range
from zkopt.gadgets.boolean import enforce_boolean
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


class Settle(notes.TreeCircuit):
    """Enforces that a member option note settles at the public price into the two cash notes; assumes nothing.

    Public: root, nf_option, asset, expiry, price (64 bits), cm_holder,
    cm_writer. Private: kind (1), strike (64), quantity (64), collateral (64),
    holder_pk, writer_pk, rho, directions[depth], siblings[depth].

    The option commitment is computed with the PUBLIC asset and expiry
    variables inside the hash, so they equal the note's by construction
    (``cm/*``), and it is in the tree of ``root`` (``merkle/*``); nf_option is
    its nullifier Poseidon(NULLIFIER_TAG, rho, cm) (``nf_option/*``). With P = quantity * intrinsic(kind,
    strike, price): the hinted quotient q and remainder m satisfy P = q *
    SCALE + m, q < 2^109, m < SCALE (``payoff/*``), so q = floor(P / SCALE);
    payout = min(q, collateral); the holder gets cash_commitment(payout,
    holder_pk, rho_h) and the writer cash_commitment(collateral - payout,
    writer_pk, rho_w) with rho_h = output_rho(nf_option, 0, rho) and rho_w =
    output_rho(nf_option, 1, rho) (``rho_holder/*``, ``rho_writer/*``). See
    circuits/settle/SPEC.md.
    """

    name = "settle"
    #: The notes it creates, in output-index order; no private input is a term of theirs (all follow from the option).
    new_notes = ("cm_holder", "cm_writer")
    note_terms = ()
    statement = (
        "an option note under `root` with nullifier `nf_option`, on `asset` expiring at `expiry`, settles at `price`: "
        "`cm_holder` gets min(quantity * intrinsic / SCALE, collateral), `cm_writer` the rest of the collateral"
    )

    def define(self, cs: ConstraintSystem) -> None:
        bits = notes.AMOUNT_BITS
        public = public_inputs(cs, PUBLIC, bits={"price": bits})
        root, nf_option, asset, expiry, price, cm_holder, cm_writer = (public[n] for n in PUBLIC)

        kind = cs.private_input("kind")
        strike = private_input(cs, "strike", bits=bits)
        quantity = private_input(cs, "quantity", bits=bits)
        collateral = private_input(cs, "collateral", bits=bits)
        holder_pk = cs.private_input("holder_pk")
        writer_pk = cs.private_input("writer_pk")
        rho = cs.private_input("rho")
        directions = cs.private_input("directions", self.depth)
        siblings = cs.private_input("siblings", self.depth)

        with cs.namespace("kind"):
            kind = enforce_boolean(cs, kind, "boolean")
        # strike, quantity and collateral are range-checked here although open already checked
        # them: settle's arithmetic must not rest on another circuit. asset and expiry are only
        # hashed (no arithmetic), so the note's binding is all they need.
        cm = notes.option_commitment(
            cs, asset, kind, strike, quantity, expiry, collateral, holder_pk, writer_pk, rho, "cm"
        )
        enforce_membership(cs, cm, directions, siblings, root, "merkle")
        with cs.namespace("nf_option"):
            cs.enforce_equal(notes.nullifier(cs, rho, cm, "hash"), nf_option, "equal")

        with cs.namespace("payoff"):
            value = notes.intrinsic_unchecked(cs, kind, strike, price, "intrinsic")
            # P = quantity * value < 2^128 (two 64-bit factors): its own canonical integer.
            quotient = cs.witness(
                "quotient", lambda: cs.value(quantity) * cs.value(value) // notes.SCALE
            )
            remainder = cs.witness(
                "remainder", lambda: cs.value(quantity) * cs.value(value) % notes.SCALE
            )
            # q < 2^109 and m < SCALE make q * SCALE + m < 2^129 < r, so this field equation
            # is the integer equation, and (q, m) is the one Euclidean division of P by SCALE.
            cs.enforce(quantity, value, quotient * notes.SCALE + remainder, "division")
            enforce_range(cs, quotient, notes.QUOTIENT_BITS, "quotient_range")
            enforce_range(cs, remainder, notes.REMAINDER_BITS, "remainder_range")
            enforce_range(cs, (notes.SCALE - 1) - remainder, notes.REMAINDER_BITS, "remainder_below_scale")
            # min(q, collateral): both are below 2^109 (collateral is 64-bit), as the comparison assumes.
            below = is_less_than_unchecked(cs, quotient, collateral, notes.QUOTIENT_BITS, "cap")
            payout = select(cs, below, quotient, collateral, "payout")

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
        "asset": str(option.asset),
        "expiry": str(option.expiry),
        "price": str(price),
        "cm_holder": str(holder.commitment()),
        "cm_writer": str(writer.commitment()),
        "kind": str(option.kind),
        "strike": str(option.strike),
        "quantity": str(option.quantity),
        "collateral": str(option.collateral),
        "holder_pk": str(option.holder_pk),
        "writer_pk": str(option.writer_pk),
        "rho": str(option.rho),
    }
