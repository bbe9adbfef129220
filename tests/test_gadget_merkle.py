"""Tests for zkopt.gadgets.merkle: membership proofs against zkopt.native.merkle, and the ways they must fail."""

from __future__ import annotations

import pytest

from tests.soundness import assert_rejected, assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.field import R
from zkopt.gadgets.bits import to_bits
from zkopt.gadgets.merkle import CONSTRAINTS_PER_LEVEL, enforce_membership, merkle_root
from zkopt.native.merkle import MerkleTree
from zkopt.r1cs import Circuit

DEPTH = 4

# Pinned: booleanity + select + Poseidon(2) (243) per level.
PINNED_PER_LEVEL = 245


class Membership(Circuit):
    """Public root; private leaf, direction bits and siblings; enforce_membership under ``path``."""

    name = "membership"

    def __init__(self, depth: int = DEPTH):
        self.depth = depth

    def params(self):
        return {"depth": self.depth}

    def define(self, cs):
        root = cs.public_input("root")
        leaf = cs.private_input("leaf")
        directions = cs.private_input("directions", self.depth)
        siblings = cs.private_input("siblings", self.depth)
        enforce_membership(cs, leaf, directions, siblings, root, "path")


class MembershipByIndex(Circuit):
    """As Membership, but the directions are the bits of a private index (already Bits: no booleanity per level)."""

    name = "membership_by_index"

    def define(self, cs):
        root = cs.public_input("root")
        leaf = cs.private_input("leaf")
        index = cs.private_input("index")
        siblings = cs.private_input("siblings", DEPTH)
        bits = to_bits(cs, index, DEPTH, "index_bits")
        enforce_membership(cs, leaf, bits, siblings, root, "path")


@pytest.fixture
def tree(rng):
    t = MerkleTree(depth=DEPTH)
    for _ in range(11):
        t.append(rng.randrange(1, R))
    return t


def _inputs(tree, index, **changes):
    siblings, directions = tree.path(index)
    inputs = {"root": tree.root, "leaf": tree.leaf(index), "directions": directions, "siblings": siblings}
    inputs.update(changes)
    return inputs


def _failing(witness) -> list[str]:
    return [witness.r1cs.labels[i] for i in witness.r1cs.unsatisfied(witness.values)]


def test_constraint_count_is_pinned():
    assert CONSTRAINTS_PER_LEVEL == PINNED_PER_LEVEL
    assert r1cs.compile(Membership()).n_constraints == DEPTH * PINNED_PER_LEVEL + 1  # + path/root
    labels = r1cs.compile(Membership()).labels
    assert "membership/path/level_3/direction" in labels
    assert "membership/path/level_3/left/select" in labels
    assert "membership/path/level_3/hash/round_64/sbox_2/x5" in labels
    assert labels[-1] == "membership/path/root"


@pytest.mark.parametrize("index", [0, 5, 6, 10])
def test_member_is_accepted(tree, index):
    w = r1cs.solve(Membership(), _inputs(tree, index))
    assert_satisfied(w)


def test_gadget_root_equals_native_root(tree, rng):
    class RootOf(Circuit):
        name = "root_of"

        def define(self, cs):
            leaf = cs.private_input("leaf")
            directions = cs.private_input("directions", DEPTH)
            siblings = cs.private_input("siblings", DEPTH)
            computed = merkle_root(cs, leaf, directions, siblings, "path")
            out = cs.public_output("root", lambda: cs.value(computed))
            cs.enforce_equal(out, computed, "root")

    leaf = rng.randrange(R)
    siblings = [rng.randrange(R) for _ in range(DEPTH)]
    directions = [1, 0, 1, 1]
    w = r1cs.solve(RootOf(), {"leaf": leaf, "directions": directions, "siblings": siblings})
    assert w.public == [MerkleTree.compute_root(leaf, directions, siblings)]
    assert_satisfied(w)


def test_non_member_is_rejected_at_the_root(tree, rng):
    w = r1cs.solve(Membership(), _inputs(tree, 6, leaf=rng.randrange(1, R)))
    assert _failing(w) == ["membership/path/root"]


def test_empty_position_is_not_a_member_of_a_non_empty_tree(tree):
    # Leaf 11 is unused: a path for the value 0 there is consistent, which is why
    # the circuits only prove membership of commitments they compute (never 0).
    siblings, directions = tree.path(10)
    directions = [1, 1, 0, 1]  # index 11, the sibling of leaf 10
    siblings = [tree.leaf(10), *siblings[1:]]
    w = r1cs.solve(Membership(), {"root": tree.root, "leaf": 0, "directions": directions, "siblings": siblings})
    assert_satisfied(w)
    w = r1cs.solve(Membership(), {"root": tree.root, "leaf": 1, "directions": directions, "siblings": siblings})
    assert _failing(w) == ["membership/path/root"]


def test_direction_bit_two_is_rejected_at_its_level(tree):
    inputs = _inputs(tree, 5)
    directions = list(inputs["directions"])
    directions[3] = 2
    w = r1cs.solve(Membership(), {**inputs, "directions": directions})
    # Every hint is consistent with the 2, so only booleanity and the root can catch it.
    assert _failing(w) == ["membership/path/level_3/direction", "membership/path/root"]


def test_overwritten_direction_is_rejected_at_its_level(tree):
    w = r1cs.solve(Membership(), _inputs(tree, 5))
    assert_rejected(w, "directions[3]", 2, label="membership/path/level_3/direction")
    assert_rejected(w, "directions[0]", R - 1, label="membership/path/level_0/direction")
    # A flipped (still boolean) bit gets past booleanity and breaks the select.
    assert_rejected(w, "directions[2]", 0, label="membership/path/level_2/left/select")


def test_wrong_direction_with_honest_hints_is_rejected_at_the_root(tree):
    inputs = _inputs(tree, 5)
    directions = list(inputs["directions"])
    directions[1] ^= 1
    w = r1cs.solve(Membership(), {**inputs, "directions": directions})
    assert _failing(w) == ["membership/path/root"]


def test_swapped_siblings_are_rejected(tree):
    inputs = _inputs(tree, 6)
    s = list(inputs["siblings"])
    w = r1cs.solve(Membership(), {**inputs, "siblings": [s[1], s[0], *s[2:]]})
    assert _failing(w) == ["membership/path/root"]
    # Swapping leaf and sibling at level 0 (the node on the other side) is caught too.
    w = r1cs.solve(Membership(), {**inputs, "leaf": s[0], "siblings": [inputs["leaf"], *s[1:]]})
    assert _failing(w) == ["membership/path/root"]


def test_overwritten_select_output_is_rejected(tree):
    w = r1cs.solve(Membership(), _inputs(tree, 6))
    assert_rejected(w, "path/level_1/left/select", 12345, label="membership/path/level_1/left/select")


def test_mutation_sweep(tree):
    mutation_sweep(r1cs.solve(Membership(), _inputs(tree, 9)))


def test_directions_given_as_bits_skip_the_booleanity_constraint(tree):
    bits_cost = r1cs.compile(MembershipByIndex()).n_constraints - DEPTH * (PINNED_PER_LEVEL - 1) - 1
    assert bits_cost >= DEPTH  # to_bits made the Bits, one booleanity each
    assert "membership_by_index/path/level_0/direction" not in r1cs.compile(MembershipByIndex()).labels
    siblings, _ = tree.path(6)
    inputs = {"root": tree.root, "leaf": tree.leaf(6), "index": 6, "siblings": siblings}
    assert_satisfied(r1cs.solve(MembershipByIndex(), inputs))
    w = r1cs.solve(MembershipByIndex(), {**inputs, "index": 7})
    assert _failing(w) == ["membership_by_index/path/root"]


def test_mismatched_lengths_raise():
    class Bad(Circuit):
        name = "bad"

        def define(self, cs):
            merkle_root(cs, 1, [0, 1], [5], "path")

    with pytest.raises(ValueError, match="2 direction bits but 1 siblings"):
        r1cs.compile(Bad())
