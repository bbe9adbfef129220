"""What anyone may see of a ledger, JSON-friendly: one log entry.

Read-only renderings of stored rows (through ``schema``'s readers).
``Ledger.entry`` and ``Ledger.entries`` call them inside one read snapshot,
so what they show belongs to one state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from zkopt.ledger import schema
from zkopt.ledger.schema import fe_from


def entry(conn: sqlite3.Connection, seq: int, names: Mapping[str, Sequence[str]]) -> dict:
    """Log entry ``seq``: its link and hash, and a transaction's content or a price report with its signatures.

    ``names`` maps each kind to its public names (the genesis's); ValueError when there is no entry ``seq``.
    """
    row = conn.execute(
        "SELECT entry_type, accepted_at, prev_hash, entry_hash FROM log WHERE seq = ?", (seq,)
    ).fetchone()
    if row is None:
        raise ValueError(f"no log entry {seq!r}")
    out = {
        "seq": seq,
        "entry_type": row[0],
        "accepted_at": row[1],
        "prev_hash": bytes(row[2]).hex(),
        "entry_hash": bytes(row[3]).hex(),
    }
    if row[0] == schema.TX:
        tx = schema.read_transaction(conn, seq)
        out.update(
            kind=tx.kind,
            public=[str(v) for v in schema.public_from(tx.public)],
            public_names=list(names.get(tx.kind, ())),
            proof=tx.proof.hex(),
            root=str(fe_from(tx.root, "root")),
        )
    else:
        final, attestations = schema.read_price_report(conn, seq).decode()
        out.update(
            asset=str(final.asset),
            expiry=final.expiry,
            price=str(final.price),
            observed_at=final.observed_at,
            attestations=[
                {
                    "member": a.member.hex(),
                    "price": str(a.observation.price),
                    "observed_at": a.observation.observed_at,
                    "signature": a.signature.hex(),
                }
                for a in attestations
            ],
        )
    return out
