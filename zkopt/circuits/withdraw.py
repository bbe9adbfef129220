"""The ``withdraw`` circuit: a cash note pays a public amount to a public recipient; the change stays private."""

from __future__ import annotations

from zkopt.circuits import notes
from zkopt.gadgets.bits import enforce_range
from zkopt.gadgets.inputs import private_input, public_inputs
from zkopt.native.merkle import MerklePath
from zkopt.native.notes import WITHDRAW_CHANGE, CashNote, withdraw_change
from zkopt.r1cs import ConstraintSystem

#: Public inputs, in order (the ledger reads them by name).
PUBLIC = ("root", "nf_in", "amount", "recipient", "cm_change")

DEFAULT_DEPTH = notes.DEFAULT_DEPTH


class Withdraw(notes.TreeCircuit):
    """Enforces that a member cash note holds amount + change, the change going to the same owner; assumes nothing.

    Public: root, nf_in, amount (64 bits), recipient, cm_change. Private: sk,
    amount_in (64), rho_in, directions[depth], siblings[depth].

    With pk = Poseidon(sk): cash_commitment(amount_in, pk, rho_in) is in the
    tree of ``root`` (``merkle/*``); nf_in = Poseidon(NULLIFIER_TAG, sk, cm_in)
    (``nf_in/*``); change = amount_in - amount is 64-bit (``change/range/*``,
    so amount <= amount_in); cm_change = cash_commitment(change, pk,
    rho_change) with rho_change = output_rho(nf_in, 0, sk) (``rho_change/*``,
    ``cm_change/*``). ``recipient/bind`` puts the recipient into the
    constraint system; the binding itself is Groth16's (SPEC.md).
    """

    name = "withdraw"
    #: The note it creates; its terms all follow from the spent note and the public amount.
    new_notes = ("cm_change",)
    note_terms = ()
    statement = (
        "a cash note under `root` with nullifier `nf_in` pays `amount` to `recipient`; "
        "the change goes to `cm_change`, a note of the same owner"
    )

    def define(self, cs: ConstraintSystem) -> None:
        bits = notes.AMOUNT_BITS
        public = public_inputs(cs, PUBLIC, bits={"amount": bits})
        root, nf_in, amount, recipient, cm_change = (public[n] for n in PUBLIC)

        sk = cs.private_input("sk")
        amount_in = private_input(cs, "amount_in", bits=bits)
        rho_in = cs.private_input("rho_in")
        directions = cs.private_input("directions", self.depth)
        siblings = cs.private_input("siblings", self.depth)

        # Any recipient is acceptable, so no constraint can restrict it; what matters is that
        # a proof made for one recipient does not verify for another. Groth16 gives that for
        # every public input (each one enters vk_x, and the QAP's rows x_i * 0 = 0 keep the
        # public polynomials independent). This row, the same one, makes the recipient visible
        # in the R1CS itself, so the lint and anyone reading the constraints see it used.
        with cs.namespace("recipient"):
            cs.enforce(recipient, 0, 0, "bind")

        # change = amount_in - amount is 64-bit: an amount above amount_in would wrap to at
        # least r - 2^64 and fail.
        change = amount_in - amount
        with cs.namespace("change"):
            enforce_range(cs, change, bits, "range")

        pk = notes.spend_cash(cs, amount_in, sk, rho_in, directions, siblings, root, nf_in)
        rho_change = notes.output_rho(cs, nf_in, WITHDRAW_CHANGE, sk, "rho_change")
        with cs.namespace("cm_change"):
            cs.enforce_equal(notes.cash_commitment(cs, change, pk, rho_change, "hash"), cm_change, "equal")


def inputs(spent: CashNote, sk: int, path: MerklePath, amount: int, recipient: int) -> dict[str, object]:
    """The inputs of ``withdraw`` (decimal strings): pay ``amount`` of ``spent`` (with its ``path``) to ``recipient``.

    ``recipient`` is any field element naming the payee (an account id, an
    address as an integer); the change is ``native.notes.withdraw_change``.
    Raises ValueError when ``sk`` is not the owner's key, the amount is not
    in [0, spent.amount], or the path is not the note's.
    """
    change = withdraw_change(spent, sk, amount)
    return {
        **notes.path_inputs(path, spent.commitment()),
        "nf_in": str(spent.nullifier(sk)),
        "amount": str(amount),
        "recipient": str(recipient),
        "cm_change": str(change.commitment()),
        "sk": str(sk),
        "amount_in": str(spent.amount),
        "rho_in": str(spent.rho),
    }
