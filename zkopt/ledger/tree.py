"""The note-commitment Merkle tree kept in the ledger file: append and paths without rebuilding.

Same tree as ``zkopt.native.merkle.MerkleTree`` (empty leaf 0, zero subtrees
``Z_i``, nodes ``Poseidon(left, right)``), stored so that opening a ledger
costs nothing: leaves live in ``leaves`` and every node computed so far in
``tree_nodes`` (level 1 .. depth, position within the level). A node is
rewritten whenever a leaf below it is appended, so the stored value always
covers the current leaves; a node that was never written covers only empty
leaves and equals ``Z_level``.

An append reads at most one stored node per level (the left sibling) and
hashes ``depth`` times; ``plan_append`` does this without writing, so the
ledger can finish every check before the first write. Within one write
transaction (``begin_writes`` ... ``end_writes``, under the ledger's write
lock, so nobody else changes the tree meanwhile) the nodes read and written
are remembered, so the appends of a batch read each node once (on a
PostgreSQL ledger every read is a round trip to the server), and the nodes
are written once, as they stand at the end (``flush``, before the commit):
the appends of a batch rewrite the upper levels again and again, and only
the last value of each node is ever seen outside the transaction.
"""

from __future__ import annotations

from zkopt.errors import MalformedInput
from zkopt.ledger.schema import fe_bytes, fe_from
from zkopt.native import poseidon
from zkopt.native.merkle import zero_hashes


#: Nodes per INSERT statement of ``flush`` (three parameters each: well inside both engines' limits).
FLUSH_ROWS = 300


class StoredTree:
    """Read side of the stored tree on one connection; writes go through ``write_plan``."""

    def __init__(self, conn, depth: int):
        self.conn = conn
        self.depth = depth
        self.capacity = 1 << depth
        self.zeros = zero_hashes(depth)
        self._known: dict[tuple[int, int], int] | None = None
        self._unwritten: dict[tuple[int, int], int] = {}

    def begin_writes(self) -> None:
        """The write lock is held: remember nodes until ``end_writes`` (the transaction's commit or rollback)."""
        self._known, self._unwritten = {}, {}

    def flush(self) -> None:
        """Write the nodes this transaction changed, at their last values (the caller commits next)."""
        rows = list(self._unwritten.items())
        self._unwritten = {}
        for start in range(0, len(rows), FLUSH_ROWS):
            chunk = rows[start : start + FLUSH_ROWS]
            self.conn.execute(
                f"INSERT INTO tree_nodes (level, position, value) VALUES {', '.join(['(?, ?, ?)'] * len(chunk))} "
                "ON CONFLICT (level, position) DO UPDATE SET value = excluded.value",
                [v for (level, position), value in chunk for v in (level, position, fe_bytes(value))],
            )

    def end_writes(self) -> None:
        self._known, self._unwritten = None, {}

    def node(self, level: int, position: int) -> int:
        """The current value of a node (level 0 = leaves), ``Z_level`` when nothing was written there."""
        if self._known is not None and (level, position) in self._known:
            return self._known[(level, position)]
        value = self._stored(level, position)
        if self._known is not None:
            self._known[(level, position)] = value
        return value

    def _stored(self, level: int, position: int) -> int:
        if level == 0:
            row = self.conn.execute("SELECT cm FROM leaves WHERE leaf_index = ?", (position,)).fetchone()
        else:
            row = self.conn.execute(
                "SELECT value FROM tree_nodes WHERE level = ? AND position = ?", (level, position)
            ).fetchone()
        if not row:
            return self.zeros[level]
        try:
            return fe_from(row[0], f"tree node ({level}, {position})")
        except ValueError as exc:
            raise MalformedInput(f"the stored tree is damaged ({exc}); run zkopt audit") from None

    def root(self) -> int:
        return self.node(self.depth, 0)

    def plan_append(self, start: int, leaves: list[int]) -> tuple[dict[tuple[int, int], int], int]:
        """Nodes to write (level >= 1) and the resulting root when ``leaves`` are appended at ``start``.

        Reads only; the caller has checked that the leaves fit.
        """
        written: dict[tuple[int, int], int] = {}

        def current(level: int, position: int) -> int:
            if level == 0 and start <= position < start + len(leaves):
                return leaves[position - start]
            if (level, position) in written:
                return written[(level, position)]
            return self.node(level, position)

        root = self.root()
        for offset, leaf in enumerate(leaves):
            node, position = leaf, start + offset
            for level in range(self.depth):
                if position & 1:
                    left, right = current(level, position - 1), node
                else:
                    # The right sibling lies after the newest leaf, so it is empty.
                    left, right = node, self.zeros[level]
                node, position = poseidon.hash(left, right), position >> 1
                written[(level + 1, position)] = node
            root = node
        return written, root

    def write_plan(self, nodes: dict[tuple[int, int], int], start: int = 0, leaves: list[int] = ()) -> None:
        """Take ``plan_append``'s nodes, written by ``flush``; ``leaves`` (at ``start``), written by the caller,
        are remembered with them. Only within a write transaction."""
        if self._known is None:
            raise RuntimeError("the tree is written only within the ledger's write transaction")
        self._unwritten.update(nodes)
        self._known.update(nodes)
        self._known.update(((0, start + i), leaf) for i, leaf in enumerate(leaves))

    def path(self, index: int, leaf_count: int) -> tuple[list[int], list[int]]:
        """(siblings, directions) of leaf ``index`` against the current root, leaf level first (as the native tree)."""
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < leaf_count:
            raise ValueError(f"no leaf at index {index!r} (the tree has {leaf_count} leaves)")
        siblings, directions = [], []
        position = index
        for level in range(self.depth):
            siblings.append(self.node(level, position ^ 1))
            directions.append(position & 1)
            position >>= 1
        return siblings, directions
