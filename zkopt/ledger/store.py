"""The ledger's store: a SQLite file in WAL mode (or a PostgreSQL database) where each entry is checked, then
applied, in one transaction.

``Ledger.create(path, genesis)`` writes a new file; ``Ledger.open(path)``
opens one; either takes a ``postgresql://`` URL instead of a path
(``database.py`` holds what differs between the two engines). ``submit`` and ``post_price`` either append one entry to the
hash-chained log with all its effects, or raise ``LedgerRejected`` with a
one-line reason and leave the file exactly as it was; ``submit_batch``
(each on its own) and ``submit_bundle`` (all or none) judge many at once,
with one batch verification (``batches.py``). The rest of ``Ledger`` reads:
the head, lookups, paths, entries, encrypted notes, ``summary()``.

This module owns the file's reads and writes; the rules themselves live in
``rules.py`` (shared with the auditor) and the table layout in ``schema.py``.
``submit`` is: stateless rules (shape, canonical inputs), the proof, then
under the write lock (SQLite's ``BEGIN IMMEDIATE``; ``database.begin_write``) the state rules on reads
only, and only when all of them pass the rows are written and committed.
The pairing check runs before the lock because it needs no state and is the
slow part. Any failure on the way (a rule, a lost race, a crash) ends in
ROLLBACK, and a rolled-back transaction that wrote nothing leaves the main
file and the WAL untouched.

Replay protection rests on nullifiers only, never on proof bytes: Groth16
proofs are malleable and the same statement has many proofs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zkopt import field
from zkopt.errors import (
    InvalidProof,
    LedgerBusy,
    LedgerRejected,
    MalformedInput,
    MalformedKey,
    MalformedProof,
    MalformedSubmission,
)
from zkopt.groth16 import PreparedVerifyingKey, Proof, prepare, verify
from zkopt.ledger import database, integrity, rules, schema, views
from zkopt.ledger.batches import Batches
from zkopt.ledger.genesis import CircuitEntry, Genesis
from zkopt.ledger.oracle import FinalPrice, Observation
from zkopt.ledger.prices import Prices
from zkopt.ledger.lookahead import Lookahead
from zkopt.ledger.schema import fe_bytes, fe_from, u64_bytes, u64_from
from zkopt.ledger.transactions import Receipt, Transaction
from zkopt.ledger.tree import StoredTree
from zkopt.native.merkle import MerklePath
from zkopt.native.payoff import U64_BOUND

R = field.R

#: Seconds a writer waits for another process's write lock before giving up (LedgerBusy).
DEFAULT_BUSY_TIMEOUT = 30.0
#: Milliseconds of one attempt at the write lock, so a waiting writer can say why it waits.
_LOCK_ATTEMPT_MS = 200

# Prepared keys by SHA-256 of their snarkjs text: preparing costs pairings, and
# one process may open the same ledger many times.
_PREPARED: dict[bytes, PreparedVerifyingKey] = {}


# Times are stored in SQLite INTEGER columns, which are signed 64-bit.
_TIME_BOUND = 1 << 63


def _now_from(clock: Callable[[], float] | None) -> Callable[[], int]:
    clock = clock or time.time

    def now() -> int:
        value = int(clock())
        if not 0 <= value < _TIME_BOUND:
            raise LedgerRejected(f"the ledger clock reads {value}, outside [0, 2^63)")
        return value

    return now


@dataclass(frozen=True)
class LedgerState:
    """The head of the ledger: entries so far, last entry hash, pool balance, leaves, current root."""

    entries: int
    head_hash: bytes
    pool_balance: int
    leaf_count: int
    root: int


class Ledger(Batches, Prices):
    """One ledger file. Use ``Ledger.create`` or ``Ledger.open``; close it (or use ``with``) when done.

    A ``Ledger`` holds one SQLite connection and must stay in the thread and
    process that opened it; other processes open their own (SQLite's locks
    and the busy timeout serialise the writers).
    """

    #: Transactions carry their new notes' openings, encrypted to their owners (``encrypted_notes``).
    carries_notes = True

    def __init__(
        self,
        conn: sqlite3.Connection | database.PgConnection,
        location: Path | str,
        genesis: Genesis,
        clock: Callable[[], float] | None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ):
        self._conn = conn
        self._busy_timeout = busy_timeout
        #: Told once (one line) when a write waits for another process's lock; the CLI prints it on a terminal.
        self.on_wait: Callable[[str], None] | None = None
        #: Where the ledger lives: the file's Path, or the PostgreSQL URL as given (with any password).
        self.location = location
        #: The same for messages and ``summary()``: a PostgreSQL URL without its password.
        self.path = database.shown_url(location) if database.is_url(location) else location
        self.genesis = genesis
        self._now = _now_from(clock)
        self._tree = StoredTree(conn, genesis.tree_depth)
        # The state row as this write transaction last wrote it (None outside one, or before its first entry).
        self._written_head: tuple[int, bytes, int, int] | None = None
        # A batch's uniqueness lookups, asked at its start (None outside a batch's or a bundle's write).
        self._lookahead: Lookahead | None = None
        self._names = {kind: entry.public_names for kind, entry in genesis.circuits.items()}

    # --- opening -------------------------------------------------------------------

    @staticmethod
    def _connect(location: Path | str, create: bool, busy_timeout: float):
        mode = "rwc" if create else "rw"
        conn = schema.connect(location, mode, busy_timeout)
        if database.is_postgres(conn):
            return conn
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk before submit returns, so a receipt is never lost, even on power loss.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        genesis: Genesis,
        *,
        clock: Callable[[], float] | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> Ledger:
        """Create a new ledger file (it must not exist), or one in an empty PostgreSQL database, with this genesis."""
        path = path if database.is_url(path) else Path(path)
        if not isinstance(genesis, Genesis):
            raise MalformedInput("Ledger.create needs a Genesis")
        if isinstance(path, Path) and path.exists():
            raise MalformedInput(f"{path} already exists; a ledger is created only once")
        conn = cls._connect(path, create=True, busy_timeout=busy_timeout)
        try:
            if database.is_postgres(conn) and database.user_tables(conn):
                raise MalformedInput(
                    f"the database {database.shown_url(path)} is not empty; a ledger is created only in a new one"
                )
            schema.migrate(conn)
            database.begin_write(conn, int(busy_timeout * 1000))
            try:
                cls._write_genesis(conn, genesis)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, genesis, clock, busy_timeout)

    @staticmethod
    def _write_genesis(conn: sqlite3.Connection, genesis: Genesis) -> None:
        ghash = genesis.hash()
        conn.execute(
            "INSERT INTO genesis (id, tree_depth, root_history, oracle_threshold, genesis_hash, margin_shocks) "
            "VALUES (1, ?, ?, ?, ?, ?)",
            (genesis.tree_depth, genesis.root_history, genesis.threshold, ghash, json.dumps(list(genesis.margin_shocks))),
        )
        for kind, entry in sorted(genesis.circuits.items()):
            conn.execute(
                "INSERT INTO circuits (kind, vk_json, vk_sha256, public_names, transcript_hash) VALUES (?, ?, ?, ?, ?)",
                (kind, entry.vk_json, entry.vk_sha256, json.dumps(list(entry.public_names)), entry.transcript_hash),
            )
        conn.executemany(
            "INSERT INTO oracle_members (member, public_key) VALUES (?, ?)", list(enumerate(genesis.committee))
        )
        empty_root = StoredTree(conn, genesis.tree_depth).zeros[genesis.tree_depth]
        conn.execute("INSERT INTO roots (position, root, seq) VALUES (0, ?, 0)", (fe_bytes(empty_root),))
        conn.execute(
            "INSERT INTO ledger_state (id, entries, head_hash, pool_balance, leaf_count) VALUES (1, 0, ?, '0', 0)",
            (ghash,),
        )

    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        clock: Callable[[], float] | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> Ledger:
        """Open an existing ledger file; refuses one whose schema, genesis or state row is not consistent.

        Checks the genesis hash, the keys' digests and ``integrity.quick_problems``
        (the schema objects, the state row against the log's last entry).
        """
        path = path if database.is_url(path) else Path(path)
        if isinstance(path, Path) and not path.is_file():
            raise MalformedInput(f"no ledger file at {path}")
        where = database.shown_url(path) if isinstance(path, str) else path
        try:
            conn = cls._connect(path, create=False, busy_timeout=busy_timeout)
        except schema.DAMAGE as exc:
            raise MalformedInput(f"{where} is not a usable ledger: {exc}") from None
        try:
            if database.is_postgres(conn) and database.schema_version(conn) == 0:
                raise MalformedInput(f"{where} holds no zkopt ledger; create one with `zkopt ledger init`")
            schema.migrate(conn)
            rows = schema.read_genesis_rows(conn)
            if rows is None:
                raise MalformedInput(f"{where} is not a usable ledger: its genesis row is missing")
            genesis = Genesis.from_rows(rows)
            if genesis.hash() != rows.genesis_hash:
                raise MalformedInput(f"{where}: the genesis does not match its recorded hash; run the auditor")
            for row in rows.circuits:
                if row.vk_sha256 != genesis.circuits[row.kind].vk_sha256:
                    raise MalformedInput(
                        f"{where}: the {row.kind} key does not match its recorded SHA-256; run the auditor"
                    )
            damage = integrity.quick_problems(conn, rows.genesis_hash)
            if damage:
                raise MalformedInput(f"{where}: {damage[0]}; run `zkopt ledger check`")
        except schema.DAMAGE as exc:
            conn.close()
            raise MalformedInput(f"{where} is not a usable ledger: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, genesis, clock, busy_timeout)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (for backups and byte-level comparisons); nothing for PostgreSQL."""
        if not database.is_postgres(self._conn):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- reading -------------------------------------------------------------------

    @contextlib.contextmanager
    def _snapshot(self):
        """One read transaction, so values read together belong to one ledger state even while others write."""
        if self._conn.in_transaction:
            yield
            return
        database.begin_read(self._conn)
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def state(self) -> LedgerState:
        with self._snapshot():
            return LedgerState(*self._head(), self._tree.root())

    def time(self) -> int:
        """The ledger's clock now (Unix seconds), as its rules read it: an open's expiry must lie after it."""
        return self._now()

    @property
    def root(self) -> int:
        return self._tree.root()

    @property
    def pool_balance(self) -> int:
        return self.state().pool_balance

    @property
    def leaf_count(self) -> int:
        return self.state().leaf_count

    def recent_roots(self) -> list[int]:
        """The roots a proof may be made against, oldest first; the last is the current root."""
        rows = self._conn.execute(
            "SELECT root FROM roots ORDER BY position DESC LIMIT ?", (self.genesis.root_history,)
        ).fetchall()
        return [fe_from(r[0], "root") for r in reversed(rows)]

    def membership(self, leaf_index: int) -> MerklePath:
        """Leaf ``leaf_index`` with its path against the current root, read from one ledger state.

        What a wallet proves against. ValueError for an index with no leaf;
        MalformedInput when the stored tree is damaged (the path does not
        lead to the stored root), so nobody proves against a broken tree.
        """
        with self._snapshot():
            siblings, directions = self._tree.path(leaf_index, self.leaf_count)
            root, leaf = self._tree.root(), self.leaf(leaf_index)
        try:
            return MerklePath(leaf_index, leaf, root, tuple(siblings), tuple(directions))
        except ValueError:
            raise MalformedInput(
                f"the ledger's Merkle path of leaf {leaf_index} does not lead to its root; run zkopt audit"
            ) from None

    def leaf(self, leaf_index: int) -> int:
        row = self._conn.execute("SELECT cm FROM leaves WHERE leaf_index = ?", (leaf_index,)).fetchone()
        if row is None:
            raise ValueError(f"no leaf at index {leaf_index!r}")
        try:
            return fe_from(row[0], "leaf")
        except ValueError as exc:
            raise MalformedInput(f"leaf {leaf_index} is damaged ({exc}); run zkopt audit") from None

    def find_commitment(self, cm: int) -> tuple[int, int] | None:
        """(leaf index, log seq) of a commitment, or None when it is not on the ledger."""
        if not isinstance(cm, int) or not 0 <= cm < R:
            return None
        if self._lookahead is not None and fe_bytes(cm) in self._lookahead.leaves:
            return self._lookahead.leaves[fe_bytes(cm)]
        row = self._conn.execute("SELECT leaf_index, seq FROM leaves WHERE cm = ?", (fe_bytes(cm),)).fetchone()
        return (row[0], row[1]) if row else None

    def nullifier_seq(self, nf: int) -> int | None:
        """The log seq of the transaction that published ``nf``, or None when it is unspent."""
        if not isinstance(nf, int) or not 0 <= nf < R:
            return None
        if self._lookahead is not None and fe_bytes(nf) in self._lookahead.spent:
            return self._lookahead.spent[fe_bytes(nf)]
        row = self._conn.execute("SELECT seq FROM nullifiers WHERE nf = ?", (fe_bytes(nf),)).fetchone()
        return row[0] if row else None

    def is_spent(self, nf: int) -> bool:
        return self.nullifier_seq(nf) is not None

    def final_price(self, asset: int, expiry: int) -> FinalPrice | None:
        """The attested final price of (asset, expiry), or None."""
        if not (0 <= asset < R and 0 <= expiry < U64_BOUND):
            return None
        row = self._conn.execute(
            "SELECT price, observed_at FROM price_reports WHERE asset = ? AND expiry = ?",
            (fe_bytes(asset), u64_bytes(expiry)),
        ).fetchone()
        if row is None:
            return None
        return FinalPrice(asset, expiry, u64_from(row[0], "price"), u64_from(row[1], "observed_at"))

    def _spot(self, asset: int, now: int) -> FinalPrice | None:
        """The attested report of ``asset`` with the latest expiry (attestation time) <= ``now``, or None."""
        if not 0 <= asset < R:
            return None
        row = self._conn.execute(
            "SELECT expiry, price, observed_at FROM price_reports WHERE asset = ? AND expiry <= ? "
            "ORDER BY expiry DESC LIMIT 1",
            (fe_bytes(asset), u64_bytes(min(now, U64_BOUND - 1))),
        ).fetchone()
        if row is None:
            return None
        expiry, price, observed = (u64_from(v, n) for v, n in zip(row, ("expiry", "price", "observed_at")))
        return FinalPrice(asset, expiry, price, observed)

    def spot_price(self, asset: int) -> FinalPrice | None:
        """The ledger's spot of ``asset`` now: its attested report with the latest expiry <= now, or None."""
        if isinstance(asset, bool) or not isinstance(asset, int):
            return None
        with self._snapshot():
            return self._spot(asset, self._now())

    def margin_grid(self, asset: int) -> list[int]:
        """The scenario grid an open on ``asset`` must publish now: default_grid(spot, genesis margin shocks).

        The spot is the final price of the attested report for ``asset`` with
        the latest expiry (attestation time) at or before the ledger's clock.
        Raises LedgerRejected when there is none. A later report changes the
        grid, so a wallet reads it right before proving.
        """
        if isinstance(asset, bool) or not isinstance(asset, int):
            raise LedgerRejected("the asset must be a field element")
        with self._snapshot():
            return rules.required_grid(asset, self._spot(asset, self._now()), self.genesis.margin_shocks)

    def entry(self, seq: int) -> dict:
        """One log entry as JSON-friendly data (what anyone may see); see ``views.entry``."""
        with self._snapshot():
            return views.entry(self._conn, seq, self._names)

    def entries(self, start: int = 1):
        """Every log entry from ``start`` on, as ``entry`` gives them."""
        last = self.state().entries
        for seq in range(start, last + 1):
            yield self.entry(seq)

    def summary(self, entries: bool = False) -> dict:
        """The ledger at a glance, JSON-friendly, from one ledger state: what ``zkopt ledger show --json`` prints.

        Keys: path, genesis_hash, head_hash, entries, tree_depth, root_history,
        root, leaf_count, pool_balance, circuits (per kind its public names and
        key SHA-256), committee (threshold, members), margin_shocks; with
        ``entries``, also ``log``: per entry its seq, type and time, and a
        transaction's kind and public inputs by name or a price report's asset,
        expiry, price and number of signatures.
        """
        with self._snapshot():
            return views.summary(self.path, self.genesis, self.state(), self.entries() if entries else None)

    # --- keys -------------------------------------------------------------------------

    def _prepared(self, kind: str) -> PreparedVerifyingKey:
        entry: CircuitEntry = self.genesis.circuits[kind]
        digest = entry.vk_sha256
        pvk = _PREPARED.get(digest)
        if pvk is None:
            try:
                pvk = prepare(self.genesis.verifying_key(kind))
            except MalformedKey as exc:
                raise LedgerRejected(f"the {kind} verification key is unusable: {exc}") from None
            _PREPARED[digest] = pvk
        return pvk

    # --- writing --------------------------------------------------------------------------

    def _lock(self) -> None:
        """The write lock within the busy timeout, telling ``on_wait`` once if another writer holds it.

        The engine's own wait would take the same time in silence; a short
        one per attempt lets a terminal say why nothing happens. After the
        timeout: LedgerBusy, a refusal that means "retry", not "invalid".
        """
        deadline = time.monotonic() + self._busy_timeout
        told = False
        try:
            while True:
                try:
                    database.begin_write(self._conn, _LOCK_ATTEMPT_MS)
                    return
                except database.ENGINE_ERRORS as exc:
                    raise LedgerRejected(f"the ledger could not be locked for writing ({exc})") from None
                except database.LockTimeout:
                    if time.monotonic() >= deadline:
                        raise LedgerBusy(
                            f"the ledger is busy: another process held its write lock for {self._busy_timeout:g} s; "
                            "nothing was changed, retry"
                        ) from None
                    if not told and self.on_wait is not None:
                        self.on_wait("waiting for the ledger: another process holds its write lock")
                        told = True
        finally:
            if not database.is_postgres(self._conn):
                self._conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")

    @contextlib.contextmanager
    def _write(self):
        """The write lock ... COMMIT, or ROLLBACK on any exception (the ledger is then unchanged)."""
        self._lock()
        self._tree.begin_writes()
        try:
            yield self._conn
            self._tree.flush()
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, database.ENGINE_ERRORS):
                reason = f"the ledger could not record the entry ({exc.__class__.__name__}: {exc})"
                raise LedgerRejected(reason) from None
            raise
        finally:
            self._tree.end_writes()
            self._written_head = self._lookahead = None

    def _look_ahead(self, shapes) -> None:
        """Within a write: the uniqueness lookups of these transactions' (spec, values), asked at once."""
        self._lookahead = Lookahead()
        self._lookahead.read(
            self._conn,
            [values[name] for spec, values in shapes for name in spec.nullifiers],
            [values[name] for spec, values in shapes for name in spec.outputs],
        )

    def _head(self) -> tuple[int, bytes, int, int]:
        """(entries, head hash, pool balance, leaf count) from the state row (as last written, within a write)."""
        if self._written_head is not None:
            return self._written_head
        entries, head, pool, leaves = schema.read_state(self._conn)
        return entries, head, int(pool), leaves

    def _now_in_order(self) -> int:
        """The clock, read under the write lock (so racing processes log in time order), not before the last entry."""
        now = self._now()
        rules.in_time_order(now, self._conn.execute("SELECT MAX(accepted_at) FROM log").fetchone()[0])
        return now

    def _is_recent_root(self, root: int) -> bool:
        last = self._conn.execute("SELECT MAX(position) FROM roots").fetchone()[0]
        row = self._conn.execute(
            "SELECT 1 FROM roots WHERE root = ? AND position > ?",
            (fe_bytes(root), last - self.genesis.root_history),
        ).fetchone()
        return row is not None

    def _created_in(self, cm: int) -> int | None:
        found = self.find_commitment(cm)
        return found[1] if found else None

    def submit_json(self, tx: object) -> Receipt:
        """Submit ``{"kind", "public": [decimal strings], "proof": snarkjs proof}``; see ``submit``."""
        try:
            parsed = Transaction.from_json(tx)
        except MalformedInput as exc:
            raise MalformedSubmission(f"malformed transaction: {exc}") from None
        return self.submit(parsed.kind, list(parsed.public), parsed.proof, parsed.notes)

    def submit(self, kind: str, public: Sequence[int], proof: Proof, notes: Sequence[bytes] = ()) -> Receipt:
        """Check a transaction and, if every check passes, apply it; else raise LedgerRejected (file unchanged).

        In order: the stateless rules (kind, count, canonical and 64-bit
        inputs), the proof under the kind's key, then under the write lock the
        state rules (time order, nullifiers, recent root, settlement, margin
        grid, pool, outputs); docs/ledger.md lists them, ``rules.py`` has each.
        """
        spec, values = rules.transaction_shape(kind, self._names, public, proof)
        notes = rules.encrypted_notes(notes)
        try:
            verify(self._prepared(kind), list(public), proof)
        except InvalidProof:
            raise LedgerRejected(f"the proof does not verify under the {kind} verification key") from None
        except MalformedProof as exc:
            raise MalformedSubmission(f"malformed proof: {exc}") from None

        with self._write():
            return self._append(self._now_in_order(), kind, spec, values, public, proof, notes)

    def encrypted_notes(self, start: int = 1) -> list[tuple[int, int, bytes]]:
        """Every encrypted note of the entries from ``start`` on: (entry seq, position in the entry, ciphertext)."""
        rows = self._conn.execute(
            "SELECT seq, position, ciphertext FROM encrypted_notes WHERE seq >= ? ORDER BY seq, position", (int(start),)
        ).fetchall()
        return [schema.typed(row, "iib", "an encrypted_notes row") for row in rows]

    def _append(
        self,
        now: int,
        kind: str,
        spec,
        values: Mapping[str, int],
        public: Sequence[int],
        proof: Proof,
        notes: Sequence[bytes] = (),
        bundle: tuple[int, int] | None = None,
    ) -> Receipt:
        """Under the write lock: the state rules on reads only, then the writes of one log entry; its receipt."""
        conn = self._conn
        entries, head, pool, leaf_count = self._head()
        if bundle is None:
            rules.unconditional(spec, values)
        nullifiers = rules.fresh_nullifiers(spec, values, self.nullifier_seq)
        rules.recent_root(spec, values, self._is_recent_root, self.genesis.root_history)
        rules.open_expiry(spec, values, now)
        rules.settlement_time(spec, values, now)
        rules.settlement_price(spec, values, self.final_price)
        if spec.margin_asset:
            spot = self._spot(values[spec.margin_asset], now)
            rules.margin_grid(spec, self._names[kind], values, spot, self.genesis.margin_shocks)
        new_pool = rules.pool_after(pool, rules.pool_change(spec, values))
        outputs = rules.new_outputs(spec, values, self._created_in, leaf_count, self._tree.capacity)
        nodes, new_root = self._tree.plan_append(leaf_count, outputs)

        # Every rule holds: from here on, only writes.
        seq = entries + 1
        public_blob, proof_blob = schema.public_bytes(public), schema.proof_bytes(proof)
        root_blob = fe_bytes(new_root)
        body = schema.encode_tx_entry(seq, now, kind, public_blob, proof_blob, root_blob, notes, bundle)
        digest = schema.entry_hash(head, body)
        conn.execute(
            "INSERT INTO log (seq, entry_type, accepted_at, prev_hash, entry_hash) VALUES (?, 'tx', ?, ?, ?)",
            (seq, now, head, digest),
        )
        first, size = bundle if bundle is not None else (None, None)
        conn.execute(
            "INSERT INTO transactions (seq, kind, public, proof, root, bundle_first, bundle_size) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, kind, public_blob, proof_blob, root_blob, first, size),
        )
        conn.executemany(
            "INSERT INTO encrypted_notes (seq, position, ciphertext) VALUES (?, ?, ?)",
            [(seq, i, bytes(note)) for i, note in enumerate(notes)],
        )
        conn.executemany(
            "INSERT INTO nullifiers (nf, seq) VALUES (?, ?)", [(fe_bytes(nf), seq) for nf in nullifiers]
        )
        conn.executemany(
            "INSERT INTO leaves (leaf_index, cm, seq) VALUES (?, ?, ?)",
            [(leaf_count + i, fe_bytes(cm), seq) for i, cm in enumerate(outputs)],
        )
        self._tree.write_plan(nodes, leaf_count, outputs)
        conn.execute(
            "INSERT INTO roots (position, root, seq) VALUES ((SELECT MAX(position) + 1 FROM roots), ?, ?)",
            (root_blob, seq),
        )
        conn.execute(
            "UPDATE ledger_state SET entries = ?, head_hash = ?, pool_balance = ?, leaf_count = ? WHERE id = 1",
            (seq, digest, str(new_pool), leaf_count + len(outputs)),
        )
        self._written_head = (seq, digest, new_pool, leaf_count + len(outputs))
        if self._lookahead is not None:
            self._lookahead.record(seq, nullifiers, leaf_count, outputs)
        return Receipt(
            seq=seq,
            entry_type=schema.TX,
            kind=kind,
            entry_hash=digest,
            accepted_at=now,
            root=new_root,
            leaf_indices=tuple(range(leaf_count, leaf_count + len(outputs))),
        )


def read_genesis(conn) -> tuple[Genesis, bytes]:
    """Rebuild the Genesis from its tables (validating it) and return it with the stored genesis hash."""
    rows = schema.read_genesis_rows(conn)
    return Genesis.from_rows(rows), rows.genesis_hash


__all__ = ["Ledger", "LedgerState", "Observation", "Receipt", "read_genesis"]
