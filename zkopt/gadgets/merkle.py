"""Merkle membership as constraints: the root of a leaf's path, as ``zkopt.native.merkle`` computes it.

Per level i (label ``label/level_i``), with ``cur`` the node so far (the leaf
at level 0) and ``d`` the direction bit (1: ``cur`` is the RIGHT child):

- ``level_i/direction``: d * (1 - d) = 0, unless d is already a ``Bit``;
- ``level_i/left/select``: left = d ? sibling : cur (one constraint);
- right = cur + sibling - left (linear, free);
- ``level_i/hash/...``: the parent = Poseidon(left, right) (243 constraints).

That is ``CONSTRAINTS_PER_LEVEL = 245`` per level (244 when the direction is a Bit).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkopt.gadgets.boolean import Bit, enforce_boolean
from zkopt.gadgets.poseidon import CONSTRAINTS as _POSEIDON_CONSTRAINTS
from zkopt.gadgets.poseidon import poseidon
from zkopt.gadgets.select import select
from zkopt.r1cs import ConstraintSystem, LinearCombination, Value

#: Constraints per level when the direction bit is a plain combination: booleanity + select + Poseidon(2).
CONSTRAINTS_PER_LEVEL = 2 + _POSEIDON_CONSTRAINTS[3]


def merkle_root(
    cs: ConstraintSystem,
    leaf: Value,
    directions: Sequence[Value],
    siblings: Sequence[Value],
    label: str,
) -> LinearCombination:
    """Enforces every direction bit in {0, 1} and returns the root the path leads to; assumes nothing.

    ``directions[i]`` is bit i of the leaf index (1: the node at level i is
    the right child), ``siblings[i]`` the sibling at level i, leaf level
    first, as ``MerkleTree.path`` gives them. The depth is ``len(siblings)``.
    """
    if len(directions) != len(siblings):
        raise ValueError(f"{len(directions)} direction bits but {len(siblings)} siblings")
    if not siblings:
        raise ValueError("a Merkle path needs at least one level")
    node = LinearCombination.of(leaf)
    with cs.namespace(label):
        for level, (direction, sibling) in enumerate(zip(directions, siblings)):
            with cs.namespace(f"level_{level}"):
                bit = direction if isinstance(direction, Bit) else enforce_boolean(cs, direction, "direction")
                sibling = LinearCombination.of(sibling)
                left = select(cs, bit, sibling, node, "left")
                right = node + sibling - left
                node = poseidon(cs, [left, right], "hash")
    return node


def enforce_membership(
    cs: ConstraintSystem,
    leaf: Value,
    directions: Sequence[Value],
    siblings: Sequence[Value],
    root: Value,
    label: str,
) -> None:
    """Enforces that ``leaf`` is in the tree of ``root`` at the index the direction bits spell; assumes nothing.

    ``merkle_root`` under ``label``, then ``label/root``: the computed root equals ``root``.
    """
    computed = merkle_root(cs, leaf, directions, siblings, label)
    with cs.namespace(label):
        cs.enforce_equal(computed, root, "root")
