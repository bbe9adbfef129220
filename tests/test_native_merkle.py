"""Tests for zkopt.native.merkle: zero hashes, roots against a naive rebuild, paths, the root window."""

from __future__ import annotations

import pytest

from zkopt.errors import InvalidProof
from zkopt.field import R
from zkopt.native import poseidon
from zkopt.native.merkle import MerklePath, MerkleTree, zero_hashes


def naive_root(leaves: list[int], depth: int) -> int:
    """The root by hashing every level of the full tree (independent of the incremental code)."""
    level = list(leaves) + [0] * ((1 << depth) - len(leaves))
    for _ in range(depth):
        level = [poseidon.hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def test_zero_hashes():
    z = zero_hashes(3)
    assert z[0] == 0
    assert z[1] == poseidon.hash(0, 0)
    assert z[3] == poseidon.hash(z[2], z[2])
    assert MerkleTree(depth=3).root == z[3] == naive_root([], 3)


def test_every_leaf_of_a_depth_4_tree_has_a_verifying_path(rng):
    tree = MerkleTree(depth=4)
    leaves = [rng.randrange(1, R) for _ in range(16)]
    for i, leaf in enumerate(leaves):
        assert tree.append(leaf) == i
        assert tree.root == naive_root(leaves[: i + 1], 4)
        # Paths of every earlier leaf are recomputed against the new root.
        for j in range(i + 1):
            siblings, directions = tree.path(j)
            assert directions == [(j >> b) & 1 for b in range(4)]
            assert len(siblings) == 4
            assert MerkleTree.verify_path(leaves[j], directions, siblings, tree.root) is True
    assert len(tree) == 16 and tree.leaf(5) == leaves[5]


def test_wrong_sibling_direction_leaf_or_root_fails(rng):
    tree = MerkleTree(depth=4)
    leaves = [rng.randrange(1, R) for _ in range(11)]
    for leaf in leaves:
        tree.append(leaf)
    siblings, directions = tree.path(6)
    root = tree.root
    MerkleTree.verify_path(leaves[6], directions, siblings, root)

    bad_sibling = list(siblings)
    bad_sibling[2] = (bad_sibling[2] + 1) % R
    with pytest.raises(InvalidProof):
        MerkleTree.verify_path(leaves[6], directions, bad_sibling, root)
    flipped = list(directions)
    flipped[0] ^= 1
    with pytest.raises(InvalidProof):
        MerkleTree.verify_path(leaves[6], flipped, siblings, root)
    swapped = [siblings[1], siblings[0], *siblings[2:]]
    with pytest.raises(InvalidProof):
        MerkleTree.verify_path(leaves[6], directions, swapped, root)
    with pytest.raises(InvalidProof):
        MerkleTree.verify_path(leaves[7], directions, siblings, root)
    with pytest.raises(InvalidProof):
        MerkleTree.verify_path(leaves[6], directions, siblings, (root + 1) % R)
    # Malformed paths are not "false", they are unusable.
    with pytest.raises(ValueError, match="direction bit 1 must be 0 or 1"):
        MerkleTree.verify_path(leaves[6], [0, 2, 1, 0], siblings, root)
    with pytest.raises(ValueError, match="3 direction bits but 4 siblings"):
        MerkleTree.verify_path(leaves[6], directions[:3], siblings, root)


def test_recent_root_window_drops_the_oldest(rng):
    tree = MerkleTree(depth=4, history=3)
    empty = tree.root
    assert tree.recent_roots == (empty,) and tree.is_known_root(empty)
    roots = [empty]
    for _ in range(4):
        tree.append(rng.randrange(1, R))
        roots.append(tree.root)
    assert tree.recent_roots == tuple(roots[-3:])
    assert tree.recent_roots[-1] == tree.root
    assert all(tree.is_known_root(r) for r in roots[-3:])
    # Negative twin: the two oldest roots have left the window.
    assert not tree.is_known_root(roots[0]) and not tree.is_known_root(roots[1])
    assert not tree.is_known_root(12345)


def test_old_path_still_verifies_against_its_own_recent_root(rng):
    tree = MerkleTree(depth=4)
    first = rng.randrange(1, R)
    tree.append(first)
    siblings, directions = tree.path(0)
    old_root = tree.root
    tree.append(rng.randrange(1, R))
    assert tree.is_known_root(old_root)
    MerkleTree.verify_path(first, directions, siblings, old_root)
    with pytest.raises(InvalidProof):
        MerkleTree.verify_path(first, directions, siblings, tree.root)


def test_full_tree_raises_and_changes_nothing(rng):
    tree = MerkleTree(depth=2, history=8)
    for _ in range(4):
        tree.append(rng.randrange(1, R))
    root, recent = tree.root, tree.recent_roots
    with pytest.raises(ValueError, match="full"):
        tree.append(7)
    assert tree.root == root and tree.recent_roots == recent and len(tree) == 4


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t: t.append(0), "empty leaf"),
        (lambda t: t.append(R), "not a field element"),
        (lambda t: t.append(True), "must be an int"),
        (lambda t: t.path(1), "no leaf at index 1"),
        (lambda t: t.path(-1), "no leaf at index -1"),
        (lambda t: MerkleTree(depth=0), "depth must be"),
        (lambda t: MerkleTree(history=0), "history must be"),
    ],
)
def test_rejects_bad_arguments(call, message):
    tree = MerkleTree(depth=3)
    tree.append(5)
    with pytest.raises(ValueError, match=message):
        call(tree)


def test_default_depth_appends_are_cheap(rng):
    tree = MerkleTree()
    assert (tree.depth, tree.history, tree.capacity) == (20, 32, 2**20)
    leaves = [rng.randrange(1, R) for _ in range(5)]
    for leaf in leaves:
        tree.append(leaf)
    siblings, directions = tree.path(3)
    assert MerkleTree.verify_path(leaves[3], directions, siblings, tree.root)
    assert MerkleTree.compute_root(leaves[3], directions, siblings) == tree.root


# --- MerklePath: one leaf's path, checked on construction ----------------------------------


def test_membership_gives_a_checked_path_and_its_inputs(rng):
    tree = MerkleTree(depth=3)
    leaves = [rng.randrange(1, R) for _ in range(5)]
    for leaf in leaves:
        tree.append(leaf)
    path = tree.membership(3)
    siblings, directions = tree.path(3)
    assert (path.index, path.leaf, path.root, path.depth) == (3, leaves[3], tree.root, 3)
    assert (list(path.siblings), list(path.directions)) == (siblings, directions)
    assert path.inputs() == {
        "root": str(tree.root), "directions": [str(d) for d in directions], "siblings": [str(s) for s in siblings],
    }


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: {"root": (p.root + 1) % R}, "does not lead to its root"),
        (lambda p: {"leaf": (p.leaf + 1) % R}, "does not lead to its root"),
        (lambda p: {"siblings": (p.siblings[0] + 1,) + p.siblings[1:]}, "does not lead to its root"),
        (lambda p: {"directions": (1 - p.directions[0],) + p.directions[1:]}, "not those of leaf index"),
        (lambda p: {"index": p.index + 8}, "does not fit"),
        (lambda p: {"index": -1}, "non-negative"),
        (lambda p: {"siblings": p.siblings[:-1]}, "direction bits but"),
    ],
)
def test_a_damaged_path_is_refused(rng, change, message):
    tree = MerkleTree(depth=3)
    for _ in range(4):
        tree.append(rng.randrange(1, R))
    path = tree.membership(2)
    with pytest.raises(ValueError, match=message):
        MerklePath(**{**path.__dict__, **change(path)})
