"""The rule of circuits/README.md, "No free randomness": no output note of a spending transaction has free randomness.

Every registered circuit that publishes a nullifier (a public input named
``nf*``) is a spend: it declares ``new_notes`` (the public commitments of the
notes it creates) and ``note_terms`` (the private inputs that are the new
notes' chosen contents), and ``tests.soundness.output_freedom`` checks, on an
honest witness, that no other private input can move those commitments
alone. A new spending circuit must add its honest inputs to ``HONEST`` below,
or this test fails. The checker itself is tested on a circuit that breaks the
rule and on a real circuit with its terms undeclared.
"""

from __future__ import annotations

import random

import pytest

from tests.circuit_fixtures import SCALE, World, grid8
from tests.soundness import output_freedom
from zkopt.circuits import REGISTRY, build, describe, open_position, settle, transfer, withdraw
from zkopt.gadgets.poseidon import poseidon
from zkopt.native import notes as native
from zkopt.native.payoff import CALL, LONG, PUT, Leg
from zkopt.native import poseidon as native_poseidon
from zkopt.r1cs import Circuit

DEPTH = 3  # the rule does not depend on the depth; a shallow tree keeps the re-solves cheap


def _world():
    return World(random.Random(77), depth=DEPTH)


#: A position using every leg slot, short and long legs of both kinds, well covered by its collateral.
LEGS = (
    Leg(CALL, 100 * SCALE, 2 * SCALE), Leg(PUT, 100 * SCALE, SCALE),
    Leg(CALL, 120 * SCALE, SCALE, LONG), Leg(PUT, 80 * SCALE, SCALE, LONG),
)


def _open():
    world = _world()
    option = world.written(legs=LEGS, collateral=500 * SCALE)
    return open_position.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), option, grid8(100 * SCALE))


def _settle():
    world = _world()
    option = world.option(legs=LEGS, collateral=500 * SCALE)
    index = world.add_option(option)
    return settle.inputs(option, world.tree.membership(index), 130 * SCALE)


def _withdraw():
    world = _world()
    return withdraw.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), 250 * SCALE, 42)


def _transfer():
    world = _world()
    (note, index) = world.cash_note(70 * SCALE)
    outputs = [(600 * SCALE, world.holder_pk), (470 * SCALE, world.writer_pk)]
    spend = (world.cash, world.tree.membership(world.cash_index), world.writer_sk, outputs)
    return transfer.inputs(*spend, note, world.tree.membership(index))


#: Honest inputs of every spending circuit, at DEPTH.
HONEST = {"open": _open, "settle": _settle, "transfer": _transfer, "withdraw": _withdraw}


def _spends(name: str) -> bool:
    params = {"depth": DEPTH} if "depth" in build(name).params() else {}
    return any(n.startswith("nf") for n in describe(name, params)["public"])


SPENDING = sorted(name for name in REGISTRY if _spends(name))


def test_every_spending_circuit_is_covered():
    assert SPENDING == sorted(HONEST)
    assert not _spends("deposit")  # a deposit spends nothing: its seed is the one free randomness (its own domain)


@pytest.mark.parametrize("name", SPENDING)
def test_no_output_note_has_free_randomness(name):
    circuit = build(name, {"depth": DEPTH})
    assert set(circuit.new_notes) <= set(describe(name, {"depth": DEPTH})["public"])
    assert output_freedom(circuit, HONEST[name](), circuit.new_notes, circuit.note_terms) == []


def test_the_checker_finds_the_terms_of_open_when_they_are_not_declared():
    """Positive control on a real circuit: its declared terms are exactly what moves the outputs alone."""
    circuit = build("open", {"depth": DEPTH})
    inputs = _open()
    elements = [
        f"{name}[{i}]" if isinstance(inputs[name], list) else name
        for name in sorted(circuit.note_terms, key=list(inputs).index)
        for i in range(len(inputs[name]) if isinstance(inputs[name], list) else 1)
    ]
    assert output_freedom(circuit, inputs, circuit.new_notes) == elements


class _FreeRhoSpend(Circuit):
    """The old open's flaw in miniature: a spend whose new note takes a private, free rho."""

    name = "free_rho"
    new_notes = ("cm_out",)

    def define(self, cs):
        nf = cs.public_input("nf")
        cm_out = cs.public_input("cm_out")
        sk = cs.private_input("sk")
        rho_out = cs.private_input("rho_out")
        with cs.namespace("nf"):
            cs.enforce_equal(poseidon(cs, [native.NULLIFIER_TAG, sk], "hash"), nf, "equal")
        with cs.namespace("cm_out"):
            cs.enforce_equal(poseidon(cs, [native.CASH_TAG, 0, sk, rho_out], "hash"), cm_out, "equal")


def test_the_checker_finds_a_free_rho():
    sk, rho = 5, 7
    inputs = {
        "nf": str(native_poseidon.hash(native.NULLIFIER_TAG, sk)),
        "cm_out": str(native_poseidon.hash(native.CASH_TAG, 0, sk, rho)),
        "sk": str(sk),
        "rho_out": str(rho),
    }
    assert output_freedom(_FreeRhoSpend(), inputs, _FreeRhoSpend.new_notes) == ["rho_out"]
    # Declared a term, rho_out is not reported; sk cannot move the output alone (the nullifier pins it).
    assert output_freedom(_FreeRhoSpend(), inputs, _FreeRhoSpend.new_notes, terms=("rho_out",)) == []
