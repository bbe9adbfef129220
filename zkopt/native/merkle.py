"""The incremental Poseidon Merkle tree of note commitments with plain ints, and its recent-root window.

Shape: a binary tree of fixed ``depth``; leaves are appended left to right;
an empty leaf is 0, the zero subtree hashes are ``Z_0 = 0``,
``Z_(i+1) = Poseidon(Z_i, Z_i)``, and every node is ``Poseidon(left, right)``
(circomlib's 2-input Poseidon, t = 3). The root of the empty tree is
``Z_depth``.

Paths: ``path(index)`` gives the siblings from the leaf level up and the
direction bits, bit i of the index: 1 means the node at level i is the RIGHT
child (so its sibling is on the left). The Merkle gadget takes the same
lists. ``membership(index)`` gives a ``MerklePath``: one leaf, its path and
the root it leads to, checked on construction; it is what a spending circuit
proves membership with (the ledger's ``Ledger.membership`` returns the same).

Leaf 0 is refused by ``append``: it is the empty leaf, so appending it would
not change the root, and a membership proof of 0 would hold at every unused
position. Real leaves are Poseidon commitments, never 0 in practice; the
circuits only prove membership of commitments they compute themselves.

Cost: ``append`` hashes ``depth`` times (only the new leaf's ancestors change);
every node computed so far is kept per level, so ``path`` reads ``depth``
stored values and never hashes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from zkopt.errors import InvalidProof
from zkopt.field import R
from zkopt.native import poseidon

#: Production tree depth and recent-root window (DESIGN.md).
DEFAULT_DEPTH = 20
DEFAULT_HISTORY = 32

#: Deepest tree accepted (levels are stored sparsely, so this bounds indices, not memory).
MAX_DEPTH = 64


def _zero_hashes(depth: int) -> tuple[int, ...]:
    zeros = [0]
    for _ in range(depth):
        zeros.append(poseidon.hash(zeros[-1], zeros[-1]))
    return tuple(zeros)


_ZEROS = _zero_hashes(32)


def zero_hashes(depth: int) -> tuple[int, ...]:
    """(Z_0, ..., Z_depth): the roots of empty subtrees of height 0..depth."""
    if depth < len(_ZEROS):
        return _ZEROS[: depth + 1]
    return _zero_hashes(depth)


def _check_element(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value < R:
        raise ValueError(f"{what} is not a field element (must be in [0, r))")
    return value


@dataclass(frozen=True)
class MerklePath:
    """Leaf ``index`` (value ``leaf``) with its ``siblings`` and ``directions``, leading to ``root``.

    Checked on construction (ValueError otherwise): as many siblings as
    directions, each direction the bit of ``index`` at its level, and the path
    hashes up to ``root``. So a path read from a damaged store is refused
    before anyone proves against it.
    """

    index: int
    leaf: int
    root: int
    siblings: tuple[int, ...]
    directions: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "siblings", tuple(self.siblings))
        object.__setattr__(self, "directions", tuple(self.directions))
        if not isinstance(self.index, int) or isinstance(self.index, bool) or self.index < 0:
            raise ValueError(f"leaf index must be a non-negative int, got {self.index!r}")
        if self.index >> len(self.directions):
            raise ValueError(f"leaf index {self.index} does not fit a path of {len(self.directions)} levels")
        expected = tuple((self.index >> level) & 1 for level in range(len(self.directions)))
        if self.directions != expected:
            raise ValueError(f"the direction bits are not those of leaf index {self.index}")
        if MerkleTree.compute_root(self.leaf, self.directions, self.siblings) != _check_element(self.root, "root"):
            raise ValueError(f"the Merkle path of leaf {self.index} does not lead to its root")

    @property
    def depth(self) -> int:
        return len(self.siblings)

    def inputs(self) -> dict[str, object]:
        """``root``, ``directions`` and ``siblings`` as decimal strings, as the spending circuits read them."""
        return {
            "root": str(self.root),
            "directions": [str(d) for d in self.directions],
            "siblings": [str(s) for s in self.siblings],
        }


class MerkleTree:
    """An append-only Poseidon Merkle tree with the window of its last ``history`` roots."""

    def __init__(self, depth: int = DEFAULT_DEPTH, history: int = DEFAULT_HISTORY):
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"depth must be an int in 1..{MAX_DEPTH}, got {depth!r}")
        if not isinstance(history, int) or isinstance(history, bool) or history < 1:
            raise ValueError(f"history must be a positive int, got {history!r}")
        self.depth = depth
        self.history = history
        self.capacity = 1 << depth
        self._zeros = zero_hashes(depth)
        # _levels[i][j] is node j at height i (0 = leaves) for every node computed so far.
        self._levels: list[list[int]] = [[] for _ in range(depth + 1)]
        self._recent: deque[int] = deque([self._zeros[depth]], maxlen=history)

    def __len__(self) -> int:
        """How many leaves have been appended."""
        return len(self._levels[0])

    @property
    def root(self) -> int:
        """The current root (Z_depth while the tree is empty)."""
        top = self._levels[self.depth]
        return top[0] if top else self._zeros[self.depth]

    @property
    def recent_roots(self) -> tuple[int, ...]:
        """The last ``history`` roots, oldest first; the last one is the current root."""
        return tuple(self._recent)

    def is_known_root(self, root: int) -> bool:
        """True when ``root`` is one of the recent roots (the roots a proof may be made against)."""
        return root in self._recent

    def append(self, leaf: int) -> int:
        """Append a leaf (a non-zero field element) and return its index; ValueError when full."""
        _check_element(leaf, "leaf")
        if leaf == 0:
            raise ValueError("leaf 0 is the empty leaf and cannot be appended")
        index = len(self)
        if index >= self.capacity:
            raise ValueError(f"the Merkle tree is full ({self.capacity} leaves)")
        self._levels[0].append(leaf)
        node, position = leaf, index
        for height in range(self.depth):
            if position & 1:
                left, right = self._levels[height][position - 1], node
            else:
                left, right = node, self._zeros[height]
            node, position = poseidon.hash(left, right), position >> 1
            above = self._levels[height + 1]
            if position < len(above):
                above[position] = node
            else:
                above.append(node)
        self._recent.append(node)
        return index

    def leaf(self, index: int) -> int:
        """The leaf appended at ``index``."""
        self._check_index(index)
        return self._levels[0][index]

    def path(self, index: int) -> tuple[list[int], list[int]]:
        """(siblings, directions) of leaf ``index`` against the current root, leaf level first."""
        self._check_index(index)
        siblings, directions = [], []
        position = index
        for height in range(self.depth):
            level = self._levels[height]
            sibling = position ^ 1
            siblings.append(level[sibling] if sibling < len(level) else self._zeros[height])
            directions.append(position & 1)
            position >>= 1
        return siblings, directions

    def membership(self, index: int) -> MerklePath:
        """Leaf ``index`` with its path against the current root."""
        siblings, directions = self.path(index)
        return MerklePath(index, self.leaf(index), self.root, tuple(siblings), tuple(directions))

    def _check_index(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self):
            raise ValueError(f"no leaf at index {index!r} (the tree has {len(self)} leaves)")

    @staticmethod
    def compute_root(leaf: int, index_bits: Sequence[int], siblings: Sequence[int]) -> int:
        """The root a path leads to: hash the leaf up with each sibling, on the side the bit says."""
        if len(index_bits) != len(siblings):
            raise ValueError(f"{len(index_bits)} direction bits but {len(siblings)} siblings")
        node = _check_element(leaf, "leaf")
        for height, (bit, sibling) in enumerate(zip(index_bits, siblings)):
            if bit not in (0, 1) or isinstance(bit, bool):
                raise ValueError(f"direction bit {height} must be 0 or 1, got {bit!r}")
            sibling = _check_element(sibling, f"sibling {height}")
            node = poseidon.hash(sibling, node) if bit else poseidon.hash(node, sibling)
        return node

    @staticmethod
    def verify_path(leaf: int, index_bits: Sequence[int], siblings: Sequence[int], root: int) -> bool:
        """Return True when the path leads to ``root``; raise InvalidProof when it does not.

        Raising (rather than returning False) means a caller cannot forget the
        check; a malformed path (bit not 0/1, lengths differ) raises ValueError.
        """
        if MerkleTree.compute_root(leaf, index_bits, siblings) != root:
            raise InvalidProof("Merkle path does not lead to the root")
        return True
