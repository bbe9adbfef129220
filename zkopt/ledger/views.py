"""What anyone may see of a ledger, JSON-friendly: one log entry, and the summary ``zkopt ledger show`` prints.

Read-only renderings of stored rows (through ``schema``'s readers) and of the
ledger's head. ``Ledger.entry``, ``Ledger.entries`` and ``Ledger.summary``
call them inside one read snapshot, so what they show belongs to one state.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from zkopt.errors import MalformedInput
from zkopt.ledger import schema
from zkopt.ledger.genesis import Genesis
from zkopt.ledger.schema import fe_from


def entry(conn: sqlite3.Connection, seq: int, names: Mapping[str, Sequence[str]]) -> dict:
    """Log entry ``seq``: its link and hash, and a transaction's content or a price report with its signatures.

    ``names`` maps each kind to its public names (the genesis's); ValueError when there is no entry ``seq``,
    MalformedInput when its rows are damaged (run the auditor).
    """
    row = conn.execute(
        "SELECT entry_type, accepted_at, prev_hash, entry_hash FROM log WHERE seq = ?", (seq,)
    ).fetchone()
    if row is None:
        raise ValueError(f"no log entry {seq!r}")
    row = schema.typed(row, "tibb", f"log entry {seq}")
    try:
        return _entry(conn, seq, row, names)
    except (ValueError, AttributeError) as exc:
        raise MalformedInput(f"log entry {seq} is damaged ({exc}); run zkopt audit") from None


def _entry(conn: sqlite3.Connection, seq: int, row: tuple, names: Mapping[str, Sequence[str]]) -> dict:
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


def log_item(entry: dict) -> dict:
    """One line of the summary's log: an ``entry`` without hashes, proof or signatures, public inputs by name."""
    item = {"seq": entry["seq"], "type": entry["entry_type"], "accepted_at": entry["accepted_at"]}
    if entry["entry_type"] == schema.TX:
        item["kind"] = entry["kind"]
        item["public"] = dict(zip(entry["public_names"], entry["public"]))
    else:
        item.update(
            asset=entry["asset"], expiry=entry["expiry"], price=entry["price"], signatures=len(entry["attestations"])
        )
    return item


def summary(path: str | os.PathLike, genesis: Genesis, state, entries: Iterable[dict] | None = None) -> dict:
    """The ledger at a glance: its file, hashes, head (a ``LedgerState``), genesis, and with ``entries`` a ``log``."""
    info = {
        "path": str(path),
        "genesis_hash": genesis.hash().hex(),
        "head_hash": state.head_hash.hex(),
        "entries": state.entries,
        "tree_depth": genesis.tree_depth,
        "root_history": genesis.root_history,
        "root": str(state.root),
        "leaf_count": state.leaf_count,
        "pool_balance": str(state.pool_balance),
        "circuits": {
            kind: {
                "public_names": list(e.public_names),
                "vk_sha256": e.vk_sha256.hex(),
                "transcript_hash": e.transcript_hash.hex() if e.transcript_hash is not None else None,
            }
            for kind, e in sorted(genesis.circuits.items())
        },
        "committee": {"threshold": genesis.threshold, "members": [m.hex() for m in genesis.committee]},
        "margin_shocks": list(genesis.margin_shocks),
    }
    if entries is not None:
        info["log"] = [log_item(e) for e in entries]
    return info
