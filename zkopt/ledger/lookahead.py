"""What a write transaction already knows of its nullifiers and new commitments: asked once, kept exact.

The uniqueness rules ask, per entry, whether a nullifier was spent and
whether a new commitment is already a leaf. In a batch or a bundle those
lookups would each be a query after the previous entry's writes, and on
PostgreSQL a query inside the write pipeline is a round trip that waits for
those writes. ``Lookahead.read`` answers every such question of the batch
with two queries at the start; ``record`` adds what each entry writes, so an
answer is what the tables hold at that moment (the write lock keeps other
writers out). A value not asked ahead is simply not known here: the caller
queries the table as usual. The rules themselves stay in ``rules``.
"""

from __future__ import annotations

from collections.abc import Iterable

from zkopt.ledger.schema import fe_bytes

#: Values per IN (...) list: well inside SQLite's and PostgreSQL's limits on parameters.
CHUNK = 500


class Lookahead:
    """Answers of one write transaction, keyed by the stored 32 bytes: a nullifier's spending seq, a
    commitment's (leaf index, seq), or None for "not there"."""

    def __init__(self) -> None:
        self.spent: dict[bytes, int | None] = {}
        self.leaves: dict[bytes, tuple[int, int] | None] = {}

    def read(self, conn, nullifiers: Iterable[int], commitments: Iterable[int]) -> None:
        """Ask the tables once about these nullifiers and commitments (canonical field elements)."""
        for values, known, sql in (
            (nullifiers, self.spent, "SELECT nf, seq FROM nullifiers WHERE nf IN ({})"),
            (commitments, self.leaves, "SELECT cm, leaf_index, seq FROM leaves WHERE cm IN ({})"),
        ):
            keys = sorted({fe_bytes(v) for v in values} - known.keys())
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start : start + CHUNK]
                known.update(dict.fromkeys(chunk))
                for key, *answer in conn.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall():
                    known[bytes(key)] = answer[0] if len(answer) == 1 else (answer[0], answer[1])

    def record(self, seq: int, nullifiers: Iterable[int], first_leaf: int, commitments: Iterable[int]) -> None:
        """What the entry ``seq`` has just written: its nullifiers spent, its commitments leaves from ``first_leaf``."""
        self.spent.update(dict.fromkeys(map(fe_bytes, nullifiers), seq))
        self.leaves.update({fe_bytes(cm): (first_leaf + i, seq) for i, cm in enumerate(commitments)})
