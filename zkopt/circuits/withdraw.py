"""The ``withdraw`` circuit: a cash note pays a public amount to a public recipient; the change stays private."""

from __future__ import annotations

from zkopt.circuits import notes
from zkopt.gadgets.bits import range_check
from zkopt.gadgets.inputs import private_input, public_input
from zkopt.gadgets.merkle import enforce_membership
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CashNote, public_key
from zkopt.r1cs import Circuit, ConstraintSystem

#: Public inputs, in order (the ledger reads them by name).
PUBLIC = ("root", "nf_in", "amount", "recipient", "cm_change")

DEFAULT_DEPTH = 20


class Withdraw(Circuit):
    """Enforces that a member cash note holds amount + change, the change going to the same owner; assumes nothing.

    Public: root, nf_in, amount (64 bits), recipient, cm_change. Private: sk,
    amount_in (64), rho_in, directions[depth], siblings[depth], rho_change.

    With pk = Poseidon(sk): cash_commitment(amount_in, pk, rho_in) is in the
    tree of ``root`` (``merkle/*``); nf_in is its nullifier (``nf_in/*``);
    change = amount_in - amount is 64-bit (``change/range/*``, so amount <=
    amount_in); cm_change = cash_commitment(change, pk, rho_change)
    (``cm_change/*``). ``recipient/bind`` puts the recipient into the
    constraint system; the binding itself is Groth16's (SPEC.md).
    """

    name = "withdraw"
    statement = (
        "a cash note under `root` with nullifier `nf_in` pays `amount` to `recipient`; "
        "the change goes to `cm_change`, a note of the same owner"
    )

    def __init__(self, depth: int = DEFAULT_DEPTH):
        self.depth = notes.check_depth(depth)

    def params(self) -> dict[str, int]:
        return {"depth": self.depth}

    def define(self, cs: ConstraintSystem) -> None:
        bits = notes.AMOUNT_BITS
        root = cs.public_input("root")
        nf_in = cs.public_input("nf_in")
        amount = public_input(cs, "amount", bits=bits)
        recipient = cs.public_input("recipient")
        cm_change = cs.public_input("cm_change")

        sk = cs.private_input("sk")
        amount_in = private_input(cs, "amount_in", bits=bits)
        rho_in = cs.private_input("rho_in")
        directions = cs.private_input("directions", self.depth)
        siblings = cs.private_input("siblings", self.depth)
        rho_change = cs.private_input("rho_change")

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
            range_check(cs, change, bits, "range")

        pk = notes.public_key(cs, sk, "pk")
        cm_in = notes.cash_commitment(cs, amount_in, pk, rho_in, "cm_in")
        enforce_membership(cs, cm_in, directions, siblings, root, "merkle")
        with cs.namespace("nf_in"):
            cs.enforce_equal(notes.cash_nullifier(cs, rho_in, sk, "hash"), nf_in, "equal")
        with cs.namespace("cm_change"):
            cs.enforce_equal(notes.cash_commitment(cs, change, pk, rho_change, "hash"), cm_change, "equal")


def change_note(spent: CashNote, amount: int, rho_change: int) -> CashNote:
    """The change note a withdrawal of ``amount`` creates: spent.amount - amount, same owner."""
    return CashNote(spent.amount - amount, spent.owner_pk, rho_change)


def inputs(
    spent: CashNote, sk: int, tree: MerkleTree, index: int, amount: int, recipient: int, rho_change: int
) -> dict[str, object]:
    """The inputs of ``withdraw`` (decimal strings): pay ``amount`` of ``spent`` (leaf ``index``) to ``recipient``.

    ``recipient`` is any field element naming the payee (an account id, an
    address as an integer). Raises ValueError when ``sk`` is not the owner's
    key, the amount is not in [0, spent.amount], or the note is not leaf ``index``.
    """
    if public_key(sk) != spent.owner_pk:
        raise ValueError("sk is not the spending key of the spent note's owner")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= spent.amount:
        raise ValueError("amount must be an int in [0, the spent note's amount]")
    change = change_note(spent, amount, rho_change)
    return {
        **notes.path_inputs(tree, index, spent.commitment()),
        "nf_in": str(spent.nullifier(sk)),
        "amount": str(amount),
        "recipient": str(recipient),
        "cm_change": str(change.commitment()),
        "sk": str(sk),
        "amount_in": str(spent.amount),
        "rho_in": str(spent.rho),
        "rho_change": str(rho_change),
    }
