"""The ``transfer`` circuit: a 2-in/2-out join-split of cash notes, value conserved, no public amount.

As Zcash Sapling's spends and outputs in one statement: two cash notes of one
spending key go in (the second may be a dummy of value 0), two cash notes to
any owners come out. The outputs' rho derive from the first nullifier, the
dummy's rho too, so the transaction has no free randomness (SPEC.md).
"""

from __future__ import annotations

from zkopt import field
from zkopt.circuits import notes
from zkopt.gadgets.boolean import enforce_boolean, negate
from zkopt.gadgets.inputs import private_input, public_inputs
from zkopt.gadgets.merkle import merkle_root
from zkopt.gadgets.poseidon import poseidon
from zkopt.native import notes as native
from zkopt.native.merkle import MerklePath
from zkopt.native.notes import TRANSFER_OUTPUTS, CashNote, transfer_notes
from zkopt.r1cs import ConstraintSystem

#: Public inputs, in order (the ledger reads them by name).
PUBLIC = ("root", "nf_a", "nf_b", "cm_out_a", "cm_out_b", "condition")

#: The two outputs' names: the public commitment, the private amount and owner.
OUTPUTS = (("cm_out_a", "amount_out_a", "owner_out_a"), ("cm_out_b", "amount_out_b", "owner_out_b"))

DEFAULT_DEPTH = notes.DEFAULT_DEPTH


class Transfer(notes.TreeCircuit):
    """Enforces that two cash notes of one key become two cash notes of equal total value; assumes nothing.

    Public: root, nf_a, nf_b, cm_out_a, cm_out_b, condition. Private: sk;
    input a: amount_a (64), rho_a, directions_a, siblings_a; input b:
    dummy_b (bit), amount_b (64), rho_b, directions_b, siblings_b; per
    output: amount_out_* (64), owner_out_*.

    Input a is ``spend_cash`` (member of ``root``, nullifier nf_a). Input b
    is the same spend when dummy_b = 0; when dummy_b = 1 its amount is 0, its
    rho is Poseidon(DUMMY_TAG, nf_a), its path is all zeros and its root is
    not checked. nf_a != nf_b. Output i is cash_commitment(amount_out_i,
    owner_out_i, output_rho(nf_a, i, sk)); amount_a + amount_b =
    amount_out_a + amount_out_b over the integers (all four below 2^64).
    ``condition`` is bound by the proof (``condition/bind``); the ledger
    gives it its meaning.
    """

    name = "transfer"
    new_notes = ("cm_out_a", "cm_out_b")
    note_terms = ("amount_out_a", "owner_out_a", "amount_out_b", "owner_out_b")
    statement = (
        "two cash notes of one key, spent under `root` as `nf_a` and `nf_b` (the second may be a dummy), "
        "become `cm_out_a` and `cm_out_b` of the same total value"
    )

    def define(self, cs: ConstraintSystem) -> None:
        bits = notes.AMOUNT_BITS
        public = public_inputs(cs, PUBLIC)
        root, nf_a, nf_b, condition = (public[n] for n in ("root", "nf_a", "nf_b", "condition"))

        sk = cs.private_input("sk")
        amount_a = private_input(cs, "amount_a", bits=bits)
        rho_a = cs.private_input("rho_a")
        directions_a = cs.private_input("directions_a", self.depth)
        siblings_a = cs.private_input("siblings_a", self.depth)
        dummy = enforce_boolean(cs, cs.private_input("dummy_b"), "dummy_b")
        amount_b = private_input(cs, "amount_b", bits=bits)
        rho_b = cs.private_input("rho_b")
        directions_b = cs.private_input("directions_b", self.depth)
        siblings_b = cs.private_input("siblings_b", self.depth)
        outputs = [
            (public[cm], private_input(cs, amount, bits=bits), cs.private_input(owner))
            for cm, amount, owner in OUTPUTS
        ]

        # As withdraw's recipient (withdraw/SPEC.md): Groth16 binds every public input; this row
        # shows the condition used in the R1CS itself.
        with cs.namespace("condition"):
            cs.enforce(condition, 0, 0, "bind")

        with cs.namespace("in_a"):
            pk = notes.spend_cash(cs, amount_a, sk, rho_a, directions_a, siblings_a, root, nf_a)

        with cs.namespace("in_b"):
            with cs.namespace("dummy"):
                # A dummy is worth nothing, and nothing about it is the prover's choice.
                cs.enforce(dummy, amount_b, 0, "amount")
                derived = poseidon(cs, [native.DUMMY_TAG, nf_a], "rho")
                cs.enforce(dummy, rho_b - derived, 0, "rho_equal")
                for level in range(self.depth):
                    cs.enforce(dummy, directions_b[level], 0, f"direction_{level}")
                    cs.enforce(dummy, siblings_b[level], 0, f"sibling_{level}")
            cm_b = notes.cash_commitment(cs, amount_b, pk, rho_b, "cm_in")
            computed = merkle_root(cs, cm_b, directions_b, siblings_b, "merkle")
            with cs.namespace("merkle"):
                cs.enforce(negate(dummy), computed - root, 0, "root")
            with cs.namespace("nf_in"):
                cs.enforce_equal(notes.nullifier(cs, sk, cm_b, "hash"), nf_b, "equal")

        with cs.namespace("distinct"):
            # nf_a != nf_b: their difference has an inverse. The ledger refuses it too.
            difference = nf_a - nf_b
            inverse = cs.witness("inverse", lambda: _inverse_or_zero(cs.value(difference)))
            cs.enforce(difference, inverse, 1, "nullifiers")

        with cs.namespace("balance"):
            # Four 64-bit amounts: both sums are below 2^65 < r, so equality mod r is equality.
            cs.enforce_equal(amount_a + amount_b, outputs[0][1] + outputs[1][1], "equal")

        for index, (cm_out, amount, owner) in zip(TRANSFER_OUTPUTS, outputs):
            label = OUTPUTS[index][0]
            rho = notes.output_rho(cs, nf_a, index, sk, f"rho_{label[3:]}")
            with cs.namespace(label):
                cs.enforce_equal(notes.cash_commitment(cs, amount, owner, rho, "hash"), cm_out, "equal")


def _inverse_or_zero(value: int) -> int:
    return field.inv(value) if value else 0


def inputs(
    spent_a: CashNote,
    path_a: MerklePath,
    sk: int,
    outputs: list[tuple[int, int]],
    spent_b: CashNote | None = None,
    path_b: MerklePath | None = None,
    condition: int = 0,
) -> dict[str, object]:
    """The inputs of ``transfer`` (decimal strings): spend ``spent_a`` (and ``spent_b``, or a dummy) into ``outputs``.

    ``outputs`` are two (amount, owner_pk) pairs; ``condition`` is 0 or the
    commitment whose creation in the same bundle the transfer requires.
    Raises ValueError when ``sk`` does not own the inputs, a path is not its
    note's, the amounts do not add up, or only one of ``spent_b`` and
    ``path_b`` is given.
    """
    if (spent_b is None) != (path_b is None):
        raise ValueError("a real second input needs its Merkle path (and a dummy none)")
    second, made = transfer_notes(spent_a, spent_b, sk, outputs)
    a = notes.path_inputs(path_a, spent_a.commitment())
    depth = len(a["siblings"])
    b = notes.path_inputs(path_b, second.commitment()) if path_b is not None else {
        "root": a["root"], "directions": ["0"] * depth, "siblings": ["0"] * depth,
    }
    if b["root"] != a["root"]:
        raise ValueError("both inputs' paths must be under the same root")
    if isinstance(condition, bool) or not isinstance(condition, int) or not 0 <= condition < field.R:
        raise ValueError("the condition must be a field element (0 for none)")
    result: dict[str, object] = {
        "root": a["root"],
        "nf_a": str(spent_a.nullifier(sk)),
        "nf_b": str(second.nullifier(sk)),
        "cm_out_a": str(made[0].commitment()),
        "cm_out_b": str(made[1].commitment()),
        "condition": str(condition),
        "sk": str(sk),
        "amount_a": str(spent_a.amount),
        "rho_a": str(spent_a.rho),
        "directions_a": a["directions"],
        "siblings_a": a["siblings"],
        "dummy_b": "1" if spent_b is None else "0",
        "amount_b": str(second.amount),
        "rho_b": str(second.rho),
        "directions_b": b["directions"],
        "siblings_b": b["siblings"],
    }
    for (_, amount_name, owner_name), note in zip(OUTPUTS, made):
        result[amount_name] = str(note.amount)
        result[owner_name] = str(note.owner_pk)
    return result
