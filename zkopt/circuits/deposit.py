"""The ``deposit`` circuit: a new cash note holds exactly the public amount."""

from __future__ import annotations

from zkopt.circuits import notes
from zkopt.gadgets.inputs import public_inputs
from zkopt.native.notes import CashNote, deposit_rho
from zkopt.r1cs import Circuit, ConstraintSystem

#: Public inputs, in order (the ledger reads them by name).
PUBLIC = ("amount", "cm_out")


class Deposit(Circuit):
    """Enforces amount < 2^64 and cm_out = cash_commitment(amount, owner_pk, Poseidon(DEPOSIT_TAG, seed)); assumes nothing.

    Public: amount (64 bits), cm_out. Private: owner_pk, seed (field
    elements). The note's rho is the deposit-domain hash of the seed, so no
    deposit can equal a note that a spend creates (those take their rho from
    a nullifier, native.notes). Constraints: ``deposit/amount/range/*`` (65),
    ``deposit/rho/*`` (243), ``deposit/cm_out/hash/*`` (300) and
    ``deposit/cm_out/equal`` (1). See circuits/deposit/SPEC.md.
    """

    name = "deposit"
    statement = "cm_out is a cash note of exactly `amount` (< 2^64), for an owner key and rho the prover knows"

    def params(self) -> dict[str, int]:
        return {}

    def define(self, cs: ConstraintSystem) -> None:
        public = public_inputs(cs, PUBLIC, bits={"amount": notes.AMOUNT_BITS})
        amount, cm_out = (public[n] for n in PUBLIC)
        owner_pk = cs.private_input("owner_pk")
        seed = cs.private_input("seed")
        rho = notes.deposit_rho(cs, seed, "rho")
        with cs.namespace("cm_out"):
            cm = notes.cash_commitment(cs, amount, owner_pk, rho, "hash")
            cs.enforce_equal(cm, cm_out, "equal")


def inputs(note: CashNote, seed: int) -> dict[str, str]:
    """The inputs of ``deposit`` (decimal strings, as ``zkopt prove`` reads them) for ``deposit_note(..., seed)``.

    Raises ValueError when the note's rho is not the deposit rho of ``seed``.
    """
    if not isinstance(note, CashNote):
        raise TypeError(f"deposit.inputs takes a CashNote, got {type(note).__name__}")
    if deposit_rho(seed) != note.rho:
        raise ValueError("the note's rho is not the deposit rho of this seed (build it with native.notes.deposit_note)")
    return {
        "amount": str(note.amount),
        "cm_out": str(note.commitment()),
        "owner_pk": str(note.owner_pk),
        "seed": str(seed),
    }
