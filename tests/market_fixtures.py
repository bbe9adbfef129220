"""``Market``: a ledger with the REAL circuits at depth 4, driven through the Python API.

Shared by the scenario test and the attack tests: every proof is a real
Groth16 proof of the project's circuits, with the keys of the ``real_keys``
fixture (tests/conftest.py; the depth-4 keys the CLI tests share).
"""

from __future__ import annotations

from tests.cli_fixtures import DEPTH
from tests.ledger_fixtures import FakeClock, member_keys
from zkopt import r1cs
from zkopt.circuits import build
from zkopt.groth16 import prove
from zkopt.ledger import Genesis, Ledger, oracle
from zkopt.native.merkle import MerkleTree


class Market:
    """A ledger with the real circuits, a mirror of its tree, a fake clock and a committee of three (2 of 3)."""

    def __init__(self, path, keys, rng):
        self.keys = keys
        self.rng = rng
        self.clock = FakeClock()
        self.members = member_keys(3)
        genesis = Genesis(
            circuits={kind: entry for kind, (entry, _) in keys.items()},
            committee=[oracle.public_key_bytes(m) for m in self.members],
            threshold=2,
            tree_depth=DEPTH,
        )
        self.ledger = Ledger.create(path, genesis, clock=self.clock)
        self.tree = MerkleTree(DEPTH)

    def prove(self, kind: str, inputs: dict):
        entry, pk = self.keys[kind]
        witness = r1cs.solve(build(kind, pk.params), inputs)
        assert witness.r1cs.public_names == list(entry.public_names)
        return witness.public, prove(pk, witness, self.rng)

    def submit(self, kind: str, inputs: dict):
        public, proof = self.prove(kind, inputs)
        receipt = self.ledger.submit(kind, public, proof)
        names = self.keys[kind][0].public_names
        for index, name in zip(receipt.leaf_indices, [n for n in names if n.startswith("cm_")]):
            assert self.tree.append(public[names.index(name)]) == index
        assert receipt.root == self.tree.root == self.ledger.root
        return receipt, public, proof
