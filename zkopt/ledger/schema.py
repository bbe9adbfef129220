"""The ledger's SQLite schema, its migrations, and the canonical byte encodings its hash chain uses.

One SQLite file per ledger. The tables fall in three groups:

- genesis (written once by ``Ledger.create``): ``genesis`` (with the margin
  shocks since version 2), ``circuits`` (with each key's setup transcript
  hash since version 3), ``oracle_members``;
- the log, the source of truth the auditor replays: ``log`` (one row per
  entry with its hash-chain link), ``transactions`` and ``price_reports`` +
  ``price_signatures`` (the content of each entry);
- derived state, kept so every check is an index lookup and the auditor can
  compare it with its own recomputation: ``nullifiers``, ``leaves``,
  ``tree_nodes``, ``roots``, ``ledger_state``.

Numbers are stored as fixed-width big-endian BLOBs: field elements in 32
bytes, 64-bit values (expiry, price, observation time) in 8 bytes. SQLite's
INTEGER is a signed 64-bit number, too small for a u64, and fixed-width
big-endian BLOBs compare (memcmp) in numeric order. The pool balance, a sum of
many u64 amounts, is a decimal TEXT.

The schema version is SQLite's ``PRAGMA user_version``; ``MIGRATIONS`` lists
the steps from an empty file to ``SCHEMA_VERSION``, applied in order, each in
its own transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from zkopt import curve, field
from zkopt.errors import InvalidPoint, MalformedInput, MalformedProof
from zkopt.groth16 import Proof

R = field.R

#: Exclusive bound of every 64-bit quantity (amounts, prices, expiries, times).
U64_BOUND = 1 << 64

#: Bytes of one stored proof: A (64) || B (128) || C (64), coordinates big-endian, B's c0 before c1.
PROOF_BYTES = 256

#: Domain separators of the two hashes the ledger commits to.
GENESIS_DOMAIN = b"zkopt/ledger/genesis/v2\x00"
ENTRY_DOMAIN = b"zkopt/ledger/entry/v1\x00"

#: Entry types of the log.
TX, PRICE = "tx", "price"


@dataclass(frozen=True)
class Migration:
    """One step of the schema: applied when ``PRAGMA user_version`` is below ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


_V1 = (
    # --- genesis: written once, never updated --------------------------------------
    """CREATE TABLE genesis (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        tree_depth       INTEGER NOT NULL,
        root_history     INTEGER NOT NULL,
        oracle_threshold INTEGER NOT NULL,
        genesis_hash     BLOB NOT NULL
    )""",
    """CREATE TABLE circuits (
        kind         TEXT PRIMARY KEY,
        vk_json      TEXT NOT NULL,
        vk_sha256    BLOB NOT NULL,
        public_names TEXT NOT NULL
    )""",
    """CREATE TABLE oracle_members (
        member     INTEGER PRIMARY KEY,
        public_key BLOB NOT NULL UNIQUE
    )""",
    # --- the log -------------------------------------------------------------------
    """CREATE TABLE log (
        seq         INTEGER PRIMARY KEY,
        entry_type  TEXT NOT NULL CHECK (entry_type IN ('tx', 'price')),
        accepted_at INTEGER NOT NULL,
        prev_hash   BLOB NOT NULL,
        entry_hash  BLOB NOT NULL
    )""",
    """CREATE TABLE transactions (
        seq    INTEGER PRIMARY KEY REFERENCES log (seq),
        kind   TEXT NOT NULL,
        public BLOB NOT NULL,
        proof  BLOB NOT NULL,
        root   BLOB NOT NULL
    )""",
    """CREATE TABLE price_reports (
        seq         INTEGER PRIMARY KEY REFERENCES log (seq),
        asset       BLOB NOT NULL,
        expiry      BLOB NOT NULL,
        price       BLOB NOT NULL,
        observed_at BLOB NOT NULL,
        UNIQUE (asset, expiry)
    )""",
    """CREATE TABLE price_signatures (
        seq         INTEGER NOT NULL REFERENCES price_reports (seq),
        position    INTEGER NOT NULL,
        member_key  BLOB NOT NULL,
        price       BLOB NOT NULL,
        observed_at BLOB NOT NULL,
        signature   BLOB NOT NULL,
        PRIMARY KEY (seq, position)
    )""",
    # --- derived state -------------------------------------------------------------
    "CREATE TABLE nullifiers (nf BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
    """CREATE TABLE leaves (
        leaf_index INTEGER PRIMARY KEY,
        cm         BLOB NOT NULL UNIQUE,
        seq        INTEGER NOT NULL
    )""",
    """CREATE TABLE tree_nodes (
        level    INTEGER NOT NULL,
        position INTEGER NOT NULL,
        value    BLOB NOT NULL,
        PRIMARY KEY (level, position)
    ) WITHOUT ROWID""",
    """CREATE TABLE roots (
        position INTEGER PRIMARY KEY,
        root     BLOB NOT NULL,
        seq      INTEGER NOT NULL
    )""",
    "CREATE INDEX roots_by_value ON roots (root)",
    """CREATE TABLE ledger_state (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        entries      INTEGER NOT NULL,
        head_hash    BLOB NOT NULL,
        pool_balance TEXT NOT NULL,
        leaf_count   INTEGER NOT NULL
    )""",
)

_V2 = (
    # The margin policy: the genesis's shocks (a JSON list of ints in millionths). A file made
    # before it has NULL here; such a ledger predates the open circuit's public asset and cannot be used.
    "ALTER TABLE genesis ADD COLUMN margin_shocks TEXT",
)

_V3 = (
    # Keys from a multi-party setup: the transcript hash of each circuit's ceremony (NULL: single-party setup).
    "ALTER TABLE circuits ADD COLUMN transcript_hash BLOB",
)

#: Every schema step, oldest first; the last version is ``SCHEMA_VERSION``.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _V1),
    Migration(2, "genesis margin shocks", _V2),
    Migration(3, "setup transcript hashes", _V3),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def transcript_hashes(conn: sqlite3.Connection) -> dict[str, bytes]:
    """The recorded setup transcript hash per kind ({} for a file older than version 3, read-only or not)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(circuits)")}
    if "transcript_hash" not in columns:
        return {}
    return {kind: bytes(h) for kind, h in conn.execute("SELECT kind, transcript_hash FROM circuits") if h is not None}


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file to ``SCHEMA_VERSION``, one migration per transaction; return the version.

    Refuses (MalformedInput) a file written by a newer zkopt. The connection
    must be in autocommit mode (``isolation_level=None``).
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise MalformedInput(f"ledger schema version {current} is newer than this zkopt supports ({SCHEMA_VERSION})")
    for step in MIGRATIONS:
        if step.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in step.statements:
                conn.execute(statement)
            # user_version lives in the file header and is part of the transaction.
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        current = step.version
    return current


# --- fixed-width encodings ---------------------------------------------------------


def fe_bytes(value: int) -> bytes:
    """A canonical field element as 32 big-endian bytes."""
    return field.to_bytes(value)


def fe_from(data: bytes, what: str) -> int:
    """Decode 32 big-endian bytes to a canonical field element; ValueError names ``what``."""
    try:
        return field.from_bytes(bytes(data))
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def u64_bytes(value: int) -> bytes:
    if not 0 <= value < U64_BOUND:
        raise ValueError("value is not a 64-bit unsigned integer")
    return value.to_bytes(8, "big")


def u64_from(data: bytes, what: str) -> int:
    data = bytes(data)
    if len(data) != 8:
        raise ValueError(f"{what}: expected 8 bytes, got {len(data)}")
    return int.from_bytes(data, "big")


def public_bytes(values: Sequence[int]) -> bytes:
    """Public inputs as n consecutive 32-byte big-endian field elements."""
    return b"".join(fe_bytes(v) for v in values)


def public_from(data: bytes) -> list[int]:
    """Decode ``public_bytes``; ValueError for a ragged length or a value >= r."""
    data = bytes(data)
    if len(data) % field.BYTES:
        raise ValueError(f"public inputs blob has {len(data)} bytes, not a multiple of {field.BYTES}")
    size = field.BYTES
    return [fe_from(data[i : i + size], f"public input {i // size}") for i in range(0, len(data), size)]


def proof_bytes(proof: Proof) -> bytes:
    """A (64) || B (128) || C (64): the curve module's uncompressed big-endian encodings."""
    return curve.g1_to_bytes(proof.a) + curve.g2_to_bytes(proof.b) + curve.g1_to_bytes(proof.c)


def proof_from(data: bytes) -> Proof:
    """Decode and validate ``proof_bytes`` (on curve, in subgroup, not infinity); raises MalformedProof."""
    data = bytes(data)
    if len(data) != PROOF_BYTES:
        raise MalformedProof(f"stored proof has {len(data)} bytes, expected {PROOF_BYTES}")
    try:
        return Proof(
            a=curve.g1_from_bytes(data[0:64], "proof.A"),
            b=curve.g2_from_bytes(data[64:192], "proof.B"),
            c=curve.g1_from_bytes(data[192:256], "proof.C"),
        )
    except InvalidPoint as exc:
        raise MalformedProof(str(exc)) from None


# --- the hash chain ------------------------------------------------------------------


def _lp(data: bytes) -> bytes:
    """Length-prefixed bytes (4-byte big-endian length), so concatenations decode one way only."""
    return len(data).to_bytes(4, "big") + data


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def encode_tx_entry(seq: int, accepted_at: int, kind: str, public: bytes, proof: bytes, root: bytes) -> bytes:
    """Canonical bytes of a transaction entry: type, seq, time, kind, public inputs, proof, resulting root.

    Takes the stored BLOBs as they are, so the auditor hashes exactly what the file holds.
    """
    return b"".join(
        [
            _lp(TX.encode()),
            u64_bytes(seq),
            u64_bytes(accepted_at),
            _lp(kind.encode()),
            _lp(bytes(public)),
            _lp(bytes(proof)),
            _lp(bytes(root)),
        ]
    )


def encode_price_entry(
    seq: int,
    accepted_at: int,
    asset: bytes,
    expiry: bytes,
    price: bytes,
    observed_at: bytes,
    signatures: Sequence[tuple[bytes, bytes, bytes, bytes]],
) -> bytes:
    """Canonical bytes of a price entry: the final (asset, expiry, price, time) and every signed observation.

    ``signatures`` holds (member public key, price, observation time, signature) BLOBs in stored order.
    """
    parts = [
        _lp(PRICE.encode()),
        u64_bytes(seq),
        u64_bytes(accepted_at),
        _lp(bytes(asset)),
        _lp(bytes(expiry)),
        _lp(bytes(price)),
        _lp(bytes(observed_at)),
        _u32(len(signatures)),
    ]
    for member_key, sig_price, sig_time, signature in signatures:
        parts += [_lp(bytes(member_key)), _lp(bytes(sig_price)), _lp(bytes(sig_time)), _lp(bytes(signature))]
    return b"".join(parts)


def entry_hash(prev_hash: bytes, body: bytes) -> bytes:
    """SHA-256(ENTRY_DOMAIN || previous entry's hash || canonical entry bytes)."""
    return hashlib.sha256(ENTRY_DOMAIN + bytes(prev_hash) + body).digest()


def encode_genesis(
    tree_depth: int,
    root_history: int,
    threshold: int,
    members: Sequence[bytes],
    circuits: Sequence[tuple[str, bytes, Sequence[str]]],
    margin_shocks: Sequence[int],
    transcripts: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """Canonical bytes of the genesis: tree shape, committee, per kind (sorted) the key hash and names, margin shocks.

    ``circuits`` holds (kind, vk_sha256, public_names); the key itself is
    bound through its SHA-256, which the auditor recomputes from ``vk_json``.
    ``margin_shocks`` (ints in millionths) are each 8 bytes, two's complement.
    ``transcripts`` holds (kind, setup transcript hash) for keys from a
    multi-party setup; when there are any, they follow (sorted, counted), so a
    genesis without them encodes exactly as before.
    """
    parts = [_u32(tree_depth), _u32(root_history), _u32(threshold), _u32(len(members))]
    parts += [_lp(bytes(key)) for key in members]
    parts.append(_u32(len(circuits)))
    for kind, vk_sha256, names in sorted(circuits, key=lambda c: c[0]):
        parts += [_lp(kind.encode()), _lp(bytes(vk_sha256)), _u32(len(names))]
        parts += [_lp(name.encode()) for name in names]
    parts.append(_u32(len(margin_shocks)))
    parts += [int(shock).to_bytes(8, "big", signed=True) for shock in margin_shocks]
    if transcripts:
        parts.append(_u32(len(transcripts)))
        for kind, digest in sorted(transcripts):
            parts += [_lp(kind.encode()), _lp(bytes(digest))]
    return b"".join(parts)


def genesis_hash(body: bytes) -> bytes:
    """SHA-256(GENESIS_DOMAIN || canonical genesis bytes): the first entry's previous hash."""
    return hashlib.sha256(GENESIS_DOMAIN + body).digest()
