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

The schema version is SQLite's ``PRAGMA user_version`` (a ``zkopt_schema`` row in
PostgreSQL, ``database.py``); ``MIGRATIONS`` lists the steps from an empty file to
``SCHEMA_VERSION``, applied in order, each in its own transaction. The same
statements make a PostgreSQL ledger, translated by ``database.PgConnection``.

Also here, the readers of the rows that both the ledger and the auditor decode
(``read_genesis_rows``, ``read_transaction``, ``read_price_report``,
``read_state``): they return what the file holds, as stored, and leave
trusting it to the caller (the ledger validates a ``Genesis``; the auditor
recomputes every hash from these very bytes).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zkopt import curve, field
from zkopt.errors import DamagedValue, InvalidPoint, MalformedInput, MalformedProof
from zkopt.groth16 import Proof
from zkopt.ledger import database
from zkopt.ledger.oracle import Attestation, FinalPrice, Observation
from zkopt.native.payoff import U64_BOUND

R = field.R


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

#: The version whose ``circuits`` rows record each key's setup transcript hash.
TRANSCRIPTS_VERSION = 4

_V4 = (
    # Keys from a multi-party setup: the transcript hash of each circuit's ceremony (NULL: single-party setup,
    # which is what every ledger made before this version used).
    "ALTER TABLE circuits ADD COLUMN transcript_hash BLOB",
)

#: The version whose transactions carry encrypted notes and may belong to an atomic bundle.
BUNDLES_VERSION = 5

_V5 = (
    # A bundle's entries each record (first seq, size) of their bundle; NULL: not in a bundle.
    "ALTER TABLE transactions ADD COLUMN bundle_first INTEGER",
    "ALTER TABLE transactions ADD COLUMN bundle_size INTEGER",
    # The openings of a transaction's new notes, encrypted to their owners: opaque to the ledger.
    """CREATE TABLE encrypted_notes (
        seq        INTEGER NOT NULL REFERENCES transactions (seq),
        position   INTEGER NOT NULL,
        ciphertext BLOB NOT NULL,
        PRIMARY KEY (seq, position)
    ) WITHOUT ROWID""",
)

#: Every schema step, oldest first; the last version is ``SCHEMA_VERSION``.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _V1),
    Migration(2, "genesis margin shocks", _V2),
    # No table changes: version 3 marks ledgers whose circuits bind every new note to the nullifier
    # its transaction spends. Their notes, nullifiers and keys differ from a version-2 ledger's.
    Migration(3, "circuits v2: new notes bound to the spent nullifier", ()),
    Migration(TRANSCRIPTS_VERSION, "setup transcript hashes", _V4),
    Migration(BUNDLES_VERSION, "encrypted notes and atomic bundles", _V5),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

#: The oldest version this zkopt opens. A file below it is refused before anything is written: its
#: notes were made by circuits whose rho was free (a blocking attack), and no migration can re-make them.
OLDEST_READABLE = 3


def schema_version(conn) -> int:
    return database.schema_version(conn)


def unreadable_version(version: int) -> str | None:
    """Why a file of schema ``version`` cannot be used (None when it can; 0 is a new, empty file)."""
    if version > SCHEMA_VERSION:
        return f"ledger schema version {version} is newer than this zkopt supports ({SCHEMA_VERSION})"
    if 0 < version < OLDEST_READABLE:
        return (
            f"ledger schema version {version} was made for the circuits before note binding (notes, nullifiers "
            f"and keys changed in version {OLDEST_READABLE}); create a new ledger with `zkopt ledger init`"
        )
    return None


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring the file to ``target`` (default ``SCHEMA_VERSION``), one migration per transaction; return the version.

    Refuses (MalformedInput), before writing anything, a file written by a
    newer zkopt or older than ``OLDEST_READABLE``. The connection
    must be in autocommit mode (``isolation_level=None``).
    """
    current = schema_version(conn)
    reason = unreadable_version(current)
    if reason:
        raise MalformedInput(reason)
    for step in MIGRATIONS:
        if step.version <= current or (target is not None and step.version > target):
            continue
        database.begin_migration(conn)
        try:
            for statement in step.statements:
                conn.execute(statement)
            # SQLite's user_version lives in the file header and is part of the transaction.
            database.set_schema_version(conn, step.version)
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


def _blob(data: object, what: str) -> bytes:
    """A stored BLOB as bytes; ValueError when a damaged row holds another type there (bytes(5) is five zeros)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DamagedValue(f"{what}: the stored value is {type(data).__name__}, not a BLOB")
    return bytes(data)


def fe_from(data: bytes, what: str) -> int:
    """Decode 32 stored big-endian bytes to a canonical field element; DamagedValue (a ValueError) names ``what``."""
    data = _blob(data, what)
    try:
        return field.from_bytes(data)
    except ValueError as exc:
        raise DamagedValue(f"{what}: {exc}") from None


def u64_bytes(value: int) -> bytes:
    if not 0 <= value < U64_BOUND:
        raise ValueError("value is not a 64-bit unsigned integer")
    return value.to_bytes(8, "big")


def u64_from(data: bytes, what: str) -> int:
    data = _blob(data, what)
    if len(data) != 8:
        raise DamagedValue(f"{what}: expected 8 bytes, got {len(data)}")
    return int.from_bytes(data, "big")


def public_bytes(values: Sequence[int]) -> bytes:
    """Public inputs as n consecutive 32-byte big-endian field elements."""
    return b"".join(fe_bytes(v) for v in values)


def public_from(data: bytes) -> list[int]:
    """Decode ``public_bytes``; ValueError for a ragged length or a value >= r."""
    data = _blob(data, "public inputs")
    if len(data) % field.BYTES:
        raise DamagedValue(f"public inputs blob has {len(data)} bytes, not a multiple of {field.BYTES}")
    size = field.BYTES
    return [fe_from(data[i : i + size], f"public input {i // size}") for i in range(0, len(data), size)]


def proof_bytes(proof: Proof) -> bytes:
    """A (64) || B (128) || C (64): the curve module's uncompressed big-endian encodings."""
    return curve.g1_to_bytes(proof.a) + curve.g2_to_bytes(proof.b) + curve.g1_to_bytes(proof.c)


def proof_from(data: bytes) -> Proof:
    """Decode and validate ``proof_bytes`` (on curve, in subgroup, not infinity); raises MalformedProof."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedProof(f"the stored proof is {type(data).__name__}, not a BLOB")
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


#: Marks the extension of a transaction entry's bytes with its encrypted notes and bundle (schema 5).
_TX_EXTENSION = b"notes+bundle/v1"


def encode_tx_entry(
    seq: int,
    accepted_at: int,
    kind: str,
    public: bytes,
    proof: bytes,
    root: bytes,
    notes: Sequence[bytes] = (),
    bundle: tuple[int, int] | None = None,
) -> bytes:
    """Canonical bytes of a transaction entry: type, seq, time, kind, public inputs, proof, resulting root.

    An entry with encrypted notes or in a bundle appends an extension: a
    marker, the bundle's (first seq, size) or (0, 0), and each ciphertext
    length-prefixed. An entry with neither has exactly the bytes of schema 4,
    so the hashes of entries logged before schema 5 do not change. Takes the
    stored BLOBs as they are, so the auditor hashes exactly what the file holds.
    """
    parts = [
        _lp(TX.encode()),
        u64_bytes(seq),
        u64_bytes(accepted_at),
        _lp(kind.encode()),
        _lp(bytes(public)),
        _lp(bytes(proof)),
        _lp(bytes(root)),
    ]
    if notes or bundle is not None:
        first, size = bundle if bundle is not None else (0, 0)
        parts += [_lp(_TX_EXTENSION), u64_bytes(first), _u32(size), _u32(len(notes))]
        parts += [_lp(bytes(note)) for note in notes]
    return b"".join(parts)


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


# --- reading the file -------------------------------------------------------------------


def sqlite_uri(path: str | os.PathLike) -> str:
    """The ``file:`` URI of a path, percent-encoded so names with ?, # or % open the right file."""
    return Path(path).resolve().as_uri()


#: What a query of a damaged file raises: SQLite's errors, a UnicodeDecodeError when SQLite's own error
#: message quotes damaged bytes (a broken schema entry), a PostgreSQL ledger's StoreError. Every reader catches them.
DAMAGE = database.DAMAGE


_TYPES = {"b": bytes, "i": int, "t": str}


def typed(row: Sequence[object], kinds: str, what: str) -> tuple:
    """A stored row whose values have the types ``kinds`` says ('b' BLOB, 'i' INTEGER, 't' TEXT; '?' after one: or NULL).

    SQLite's columns take any type, and a flipped byte can turn a BLOB into
    an INTEGER or a NULL; ``bytes(5)`` would then silently read five zero
    bytes. MalformedInput names the damaged row instead.
    """
    tokens = [(kind, kinds[i + 1 : i + 2] == "?") for i, kind in enumerate(kinds) if kind != "?"]
    values = tuple(row)
    if len(values) != len(tokens):
        raise MalformedInput(f"{what} is damaged: {len(values)} columns, not {len(tokens)}")
    for i, (value, (kind, optional)) in enumerate(zip(values, tokens)):
        expected = _TYPES[kind]
        if (value is None and optional) or (isinstance(value, expected) and not isinstance(value, bool)):
            continue
        raise MalformedInput(f"{what} is damaged: column {i + 1} holds {type(value).__name__}, not {expected.__name__}")
    return values


def _text(data: bytes) -> str:
    # A damaged TEXT value decodes with U+FFFD in it, so it fails the checks that read it (a kind, a JSON list)
    # and becomes a finding, instead of a UnicodeDecodeError out of the middle of a query.
    return data.decode("utf-8", errors="replace")


def connect(path: str | os.PathLike, mode: str, timeout: float = 5.0):
    """A connection to the ledger at ``path`` (``mode`` "ro", "rw" or "rwc"), autocommit, lenient on damaged text.

    A ``postgresql://`` URL gives a ``database.PgConnection`` (there "ro" is the read-only transactions the
    readers start with ``database.begin_read``).
    """
    if database.is_url(path):
        return database.connect_postgres(path)
    conn = sqlite3.connect(f"{sqlite_uri(path)}?mode={mode}", uri=True, timeout=timeout, isolation_level=None)
    conn.text_factory = _text
    return conn


@dataclass(frozen=True)
class CircuitRow:
    """One ``circuits`` row as stored: kind, snarkjs key text, its recorded SHA-256, public names (JSON text),
    setup transcript hash (None: single-party setup, or a file older than ``TRANSCRIPTS_VERSION``)."""

    kind: str
    vk_json: str
    vk_sha256: bytes
    public_names: str
    transcript_hash: bytes | None


@dataclass(frozen=True)
class GenesisRows:
    """The genesis tables as stored (``margin_shocks`` is JSON text, None in a file made before them); unchecked."""

    tree_depth: int
    root_history: int
    threshold: int
    genesis_hash: bytes
    margin_shocks: str | None
    circuits: tuple[CircuitRow, ...]
    members: tuple[bytes, ...]


def read_genesis_rows(conn: sqlite3.Connection) -> GenesisRows | None:
    """The ``genesis``, ``circuits`` (by kind) and ``oracle_members`` (by member) rows; None without a genesis."""
    row = conn.execute(
        "SELECT tree_depth, root_history, oracle_threshold, genesis_hash, margin_shocks FROM genesis WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    depth, history, threshold, stored_hash, shocks = typed(row, "iiibt?", "the genesis row")
    # A file not yet migrated (the auditor opens files read-only) has no transcript column: single-party keys.
    transcript = "transcript_hash" if schema_version(conn) >= TRANSCRIPTS_VERSION else "NULL"
    circuits = tuple(
        CircuitRow(*typed(row, "ttbtb?", "a circuits row"))
        for row in conn.execute(f"SELECT kind, vk_json, vk_sha256, public_names, {transcript} FROM circuits ORDER BY kind")
    )
    members = tuple(
        typed(row, "b", "an oracle_members row")[0]
        for row in conn.execute("SELECT public_key FROM oracle_members ORDER BY member")
    )
    return GenesisRows(depth, history, threshold, stored_hash, shocks, circuits, members)


def parse_margin_shocks(text: object) -> tuple[int, ...]:
    """The stored margin shocks (a JSON list of ints); MalformedInput for a file made before the margin policy."""
    if text is None:
        raise MalformedInput(
            "the ledger has no margin shocks: it was created before the margin policy (the open circuit's public "
            "asset); create a new ledger"
        )
    try:
        shocks = json.loads(text)
    except (TypeError, ValueError):
        raise MalformedInput("the stored margin shocks are not valid JSON") from None
    if not isinstance(shocks, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in shocks):
        raise MalformedInput("the stored margin shocks are not a list of integers")
    return tuple(shocks)


@dataclass(frozen=True)
class StoredTransaction:
    """One ``transactions`` row as stored: kind, public inputs, proof and resulting root BLOBs; notes and bundle.

    ``notes`` are its ``encrypted_notes`` ciphertexts in position order;
    ``bundle`` its (first seq, size), None outside a bundle.
    """

    seq: int
    kind: str
    public: bytes
    proof: bytes
    root: bytes
    notes: tuple[bytes, ...] = ()
    bundle: tuple[int, int] | None = None

    def body(self, accepted_at: int) -> bytes:
        """The entry's canonical bytes (``encode_tx_entry``) over exactly the stored BLOBs."""
        return encode_tx_entry(
            self.seq, accepted_at, str(self.kind), self.public, self.proof, self.root, self.notes, self.bundle
        )


def read_transaction(conn: sqlite3.Connection, seq: int) -> StoredTransaction | None:
    if schema_version(conn) < BUNDLES_VERSION:  # the auditor reads a file not yet migrated as it is
        row = conn.execute("SELECT kind, public, proof, root FROM transactions WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            return None
        return StoredTransaction(seq, *typed(row, "tbbb", f"the transactions row of entry {seq}"))
    row = conn.execute(
        "SELECT kind, public, proof, root, bundle_first, bundle_size FROM transactions WHERE seq = ?", (seq,)
    ).fetchone()
    if row is None:
        return None
    what = f"the transactions row of entry {seq}"
    kind, public, proof, root = typed(row[:4], "tbbb", what)
    first, size = row[4:]
    if first is None and size is None:
        bundle = None
    else:
        bundle = typed((first, size), "ii", what)
    notes = tuple(
        typed(r, "b", f"an encrypted note of entry {seq}")[0]
        for r in conn.execute("SELECT ciphertext FROM encrypted_notes WHERE seq = ? ORDER BY position", (seq,))
    )
    return StoredTransaction(seq, kind, public, proof, root, notes, bundle)


@dataclass(frozen=True)
class StoredPriceReport:
    """One ``price_reports`` row and its ``price_signatures`` (member key, price, time, signature) in stored order."""

    seq: int
    asset: bytes
    expiry: bytes
    price: bytes
    observed_at: bytes
    signatures: tuple[tuple[bytes, bytes, bytes, bytes], ...]

    def body(self, accepted_at: int) -> bytes:
        """The entry's canonical bytes (``encode_price_entry``) over exactly the stored BLOBs."""
        return encode_price_entry(
            self.seq, accepted_at, self.asset, self.expiry, self.price, self.observed_at, self.signatures
        )

    def decode(self) -> tuple[FinalPrice, list[Attestation]]:
        """The final price and the signed observations; ValueError for a value of the wrong width or >= r."""
        asset = fe_from(self.asset, "asset")
        expiry = u64_from(self.expiry, "expiry")
        price = u64_from(self.price, "price")
        observed_at = u64_from(self.observed_at, "observed_at")
        attestations = [
            Attestation(member, Observation(asset, expiry, u64_from(p, "price"), u64_from(t, "observed_at")), sig)
            for member, p, t, sig in self.signatures
        ]
        return FinalPrice(asset, expiry, price, observed_at), attestations


def read_price_report(conn: sqlite3.Connection, seq: int) -> StoredPriceReport | None:
    row = conn.execute("SELECT asset, expiry, price, observed_at FROM price_reports WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        return None
    signatures = tuple(
        typed(sig, "bbbb", f"a price_signatures row of entry {seq}")
        for sig in conn.execute(
            "SELECT member_key, price, observed_at, signature FROM price_signatures WHERE seq = ? ORDER BY position",
            (seq,),
        )
    )
    return StoredPriceReport(seq, *typed(row, "bbbb", f"the price_reports row of entry {seq}"), signatures)


def read_state(conn: sqlite3.Connection) -> tuple[int, bytes, str, int] | None:
    """The ``ledger_state`` row as stored: (entries, head hash, pool balance as decimal text, leaf count)."""
    row = conn.execute("SELECT entries, head_hash, pool_balance, leaf_count FROM ledger_state WHERE id = 1").fetchone()
    if row is None:
        return None
    return typed(row, "ibti", "the ledger_state row")
