"""The ledger: a SQLite file in WAL mode where every transaction is checked, then applied, in one database transaction.

``Ledger.create(path, genesis)`` writes a new file; ``Ledger.open(path)``
opens one. ``submit`` and ``post_price`` either append one entry to the
hash-chained log with all its effects, or raise ``LedgerRejected`` with a
one-line reason and leave the file exactly as it was.

How "exactly as it was" is achieved: the stateless checks (shape, canonical
inputs, the proof) run before the write lock is taken, since they do not
depend on the ledger's state and pairings are the slow part; then ``BEGIN
IMMEDIATE`` takes SQLite's write lock, every state-dependent check runs on
reads only, and only when all of them pass are the rows written and
committed. Any failure on the way (a check, a lost race, a crash) ends in
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zkopt import field
from zkopt.errors import InvalidProof, LedgerRejected, MalformedInput, MalformedKey, MalformedProof
from zkopt.groth16 import PreparedVerifyingKey, Proof, prepare, verify
from zkopt.ledger import oracle, schema
from zkopt.ledger.genesis import CircuitEntry, Genesis
from zkopt.ledger.oracle import Attestation, FinalPrice, Observation
from zkopt.ledger.schema import fe_bytes, fe_from, u64_bytes, u64_from
from zkopt.ledger.transactions import SPECS, Transaction
from zkopt.ledger.tree import StoredTree
from zkopt.native import payoff

R = field.R
U64_BOUND = schema.U64_BOUND

#: Seconds a writer waits for another process's write lock before giving up (SQLite busy timeout).
DEFAULT_BUSY_TIMEOUT = 30.0

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
class Receipt:
    """What an accepted entry got: its log position and hash, its time, and its effect on the tree.

    ``leaf_indices`` are the tree positions of the output commitments in
    public-input order; ``root`` is the root after the entry; ``price`` is set
    for price reports.
    """

    seq: int
    entry_type: str
    kind: str
    entry_hash: bytes
    accepted_at: int
    root: int
    leaf_indices: tuple[int, ...] = ()
    price: int | None = None

    def to_json(self) -> dict:
        out = {
            "seq": self.seq,
            "entry_type": self.entry_type,
            "kind": self.kind,
            "entry_hash": self.entry_hash.hex(),
            "accepted_at": self.accepted_at,
            "root": str(self.root),
            "leaf_indices": list(self.leaf_indices),
        }
        if self.price is not None:
            out["price"] = str(self.price)
        return out


@dataclass(frozen=True)
class LedgerState:
    """The head of the ledger: entries so far, last entry hash, pool balance, leaves, current root."""

    entries: int
    head_hash: bytes
    pool_balance: int
    leaf_count: int
    root: int


class Ledger:
    """One ledger file. Use ``Ledger.create`` or ``Ledger.open``; close it (or use ``with``) when done.

    A ``Ledger`` holds one SQLite connection and must stay in the thread and
    process that opened it; other processes open their own (SQLite's locks
    and the busy timeout serialise the writers).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, genesis: Genesis, clock: Callable[[], float] | None):
        self._conn = conn
        self.path = path
        self.genesis = genesis
        self._now = _now_from(clock)
        self._tree = StoredTree(conn, genesis.tree_depth)
        self._names = {kind: entry.public_names for kind, entry in genesis.circuits.items()}

    # --- opening -------------------------------------------------------------------

    @staticmethod
    def _connect(path: Path, create: bool, busy_timeout: float) -> sqlite3.Connection:
        mode = "rwc" if create else "rw"
        conn = sqlite3.connect(
            f"{sqlite_uri(path)}?mode={mode}", uri=True, timeout=busy_timeout, isolation_level=None
        )
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
        """Create a new ledger file (it must not exist) with this genesis."""
        path = Path(path)
        if not isinstance(genesis, Genesis):
            raise MalformedInput("Ledger.create needs a Genesis")
        if path.exists():
            raise MalformedInput(f"{path} already exists; a ledger is created only once")
        conn = cls._connect(path, create=True, busy_timeout=busy_timeout)
        try:
            schema.migrate(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                cls._write_genesis(conn, genesis)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, genesis, clock)

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
        """Open an existing ledger file, migrating its schema if it is older; checks the genesis hash."""
        path = Path(path)
        if not path.is_file():
            raise MalformedInput(f"no ledger file at {path}")
        try:
            conn = cls._connect(path, create=False, busy_timeout=busy_timeout)
        except sqlite3.DatabaseError as exc:
            raise MalformedInput(f"{path} is not a usable ledger: {exc}") from None
        try:
            schema.migrate(conn)
            genesis, stored_hash = read_genesis(conn)
            if genesis.hash() != stored_hash:
                raise MalformedInput(f"{path}: the genesis does not match its recorded hash; run the auditor")
            for kind, digest in conn.execute("SELECT kind, vk_sha256 FROM circuits"):
                if bytes(digest) != genesis.circuits[kind].vk_sha256:
                    raise MalformedInput(f"{path}: the {kind} key does not match its recorded SHA-256; run the auditor")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise MalformedInput(f"{path} is not a usable ledger: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, genesis, clock)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (for backups and byte-level comparisons)."""
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- reading -------------------------------------------------------------------

    @contextlib.contextmanager
    def _snapshot(self):
        """One read transaction, so values read together belong to one ledger state even while others write."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def state(self) -> LedgerState:
        with self._snapshot():
            entries, head, pool, leaves = self._conn.execute(
                "SELECT entries, head_hash, pool_balance, leaf_count FROM ledger_state WHERE id = 1"
            ).fetchone()
            return LedgerState(entries, bytes(head), int(pool), leaves, self._tree.root())

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

    def merkle_path(self, leaf_index: int) -> tuple[list[int], list[int]]:
        """(siblings, directions) of a leaf against the current root (see ``membership`` for the root too)."""
        return self.membership(leaf_index)[1:]

    def membership(self, leaf_index: int) -> tuple[int, list[int], list[int]]:
        """(root, siblings, directions) of a leaf, read from one ledger state: what a wallet proves against."""
        with self._snapshot():
            siblings, directions = self._tree.path(leaf_index, self.leaf_count)
            return self._tree.root(), siblings, directions

    def leaf(self, leaf_index: int) -> int:
        row = self._conn.execute("SELECT cm FROM leaves WHERE leaf_index = ?", (leaf_index,)).fetchone()
        if row is None:
            raise ValueError(f"no leaf at index {leaf_index!r}")
        return fe_from(row[0], "leaf")

    def find_commitment(self, cm: int) -> tuple[int, int] | None:
        """(leaf index, log seq) of a commitment, or None when it is not on the ledger."""
        if not isinstance(cm, int) or not 0 <= cm < R:
            return None
        row = self._conn.execute("SELECT leaf_index, seq FROM leaves WHERE cm = ?", (fe_bytes(cm),)).fetchone()
        return (row[0], row[1]) if row else None

    def nullifier_seq(self, nf: int) -> int | None:
        """The log seq of the transaction that published ``nf``, or None when it is unspent."""
        if not isinstance(nf, int) or not 0 <= nf < R:
            return None
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

    def _required_grid(self, asset: int, now: int) -> tuple[FinalPrice, list[int]]:
        """(spot, grid): the margin grid an open on ``asset`` must use at time ``now``; LedgerRejected without a spot."""
        spot = self._spot(asset, now)
        if spot is None:
            raise LedgerRejected(f"no attested spot price for asset {asset} (the margin grid needs one)")
        try:
            grid = payoff.default_grid(spot.price, self.genesis.margin_shocks)
        except ValueError as exc:
            raise LedgerRejected(f"the margin grid of asset {asset} is unusable: {exc}") from None
        return spot, grid

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
            return self._required_grid(asset, self._now())[1]

    def entry(self, seq: int) -> dict:
        """One log entry as JSON-friendly data (what anyone may see)."""
        with self._snapshot():
            return self._entry(seq)

    def entries(self, start: int = 1):
        """Every log entry from ``start`` on, as ``entry`` gives them."""
        last = self.state().entries
        for seq in range(start, last + 1):
            yield self.entry(seq)

    def _entry(self, seq: int) -> dict:
        row = self._conn.execute(
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
            kind, public, proof, root = self._conn.execute(
                "SELECT kind, public, proof, root FROM transactions WHERE seq = ?", (seq,)
            ).fetchone()
            out.update(
                kind=kind,
                public=[str(v) for v in schema.public_from(public)],
                public_names=list(self._names.get(kind, ())),
                proof=bytes(proof).hex(),
                root=str(fe_from(root, "root")),
            )
        else:
            out.update(self._price_entry(seq))
        return out

    def _price_entry(self, seq: int) -> dict:
        asset, expiry, price, observed = self._conn.execute(
            "SELECT asset, expiry, price, observed_at FROM price_reports WHERE seq = ?", (seq,)
        ).fetchone()
        sigs = self._conn.execute(
            "SELECT member_key, price, observed_at, signature FROM price_signatures WHERE seq = ? ORDER BY position",
            (seq,),
        ).fetchall()
        return {
            "asset": str(fe_from(asset, "asset")),
            "expiry": u64_from(expiry, "expiry"),
            "price": str(u64_from(price, "price")),
            "observed_at": u64_from(observed, "observed_at"),
            "attestations": [
                {
                    "member": bytes(m).hex(),
                    "price": str(u64_from(p, "price")),
                    "observed_at": u64_from(t, "observed_at"),
                    "signature": bytes(s).hex(),
                }
                for m, p, t, s in sigs
            ],
        }

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

    @contextlib.contextmanager
    def _write(self):
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (the file is then unchanged)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LedgerRejected(f"the ledger is busy, try again ({exc})") from None
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                reason = f"the ledger could not record the entry ({exc.__class__.__name__}: {exc})"
                raise LedgerRejected(reason) from None
            raise

    def _head(self) -> tuple[int, bytes, int, int]:
        entries, head, pool, leaves = self._conn.execute(
            "SELECT entries, head_hash, pool_balance, leaf_count FROM ledger_state WHERE id = 1"
        ).fetchone()
        return entries, bytes(head), int(pool), leaves

    def _check_clock(self, now: int) -> None:
        """Refuse to log an entry earlier than the last one: the log's times never go backwards."""
        last = self._conn.execute("SELECT MAX(accepted_at) FROM log").fetchone()[0]
        if last is not None and now < last:
            raise LedgerRejected(f"the ledger clock went backwards ({now} is before the last entry's {last})")

    def _is_recent_root(self, root: int) -> bool:
        last = self._conn.execute("SELECT MAX(position) FROM roots").fetchone()[0]
        row = self._conn.execute(
            "SELECT 1 FROM roots WHERE root = ? AND position > ?",
            (fe_bytes(root), last - self.genesis.root_history),
        ).fetchone()
        return row is not None

    def submit_json(self, tx: object) -> Receipt:
        """Submit ``{"kind", "public": [decimal strings], "proof": snarkjs proof}``; see ``submit``."""
        try:
            parsed = Transaction.from_json(tx)
        except MalformedInput as exc:
            raise LedgerRejected(f"malformed transaction: {exc}") from None
        return self.submit(parsed.kind, list(parsed.public), parsed.proof)

    def submit(self, kind: str, public: Sequence[int], proof: Proof) -> Receipt:
        """Check a transaction and, if every check passes, apply it; else raise LedgerRejected (file unchanged).

        Checks, in order: the kind is one of the genesis's; the public inputs
        have the circuit's count and each is a canonical field element (< r);
        the amount, expiry and price are 64-bit; the proof verifies under the
        kind's key; then, under the write lock: every nullifier is new (and
        distinct); the root is one of the last K roots; for settle, the
        ledger's clock has reached the expiry and the price equals the
        attested final price of (asset, expiry); for open, the grid equals
        ``margin_grid(asset)`` point by point; the pool balance stays >= 0;
        every output commitment is non-zero, new and distinct, and the tree
        has room.
        """
        if not isinstance(kind, str) or kind not in self.genesis.circuits:
            known = ", ".join(sorted(self.genesis.circuits))
            raise LedgerRejected(f"unknown transaction kind {kind!r}; this ledger accepts {known}")
        spec = SPECS[kind]
        names = self._names[kind]
        if isinstance(public, (str, bytes)) or not isinstance(public, Sequence):
            raise LedgerRejected("public inputs must be a list of integers")
        if len(public) != len(names):
            raise LedgerRejected(f"{kind} takes {len(names)} public inputs, got {len(public)}")
        for name, value in zip(names, public):
            if isinstance(value, bool) or not isinstance(value, int):
                raise LedgerRejected(f"public input {name} is not an integer")
            if not 0 <= value < R:
                raise LedgerRejected(f"public input {name} is not a canonical field element (must be in [0, r))")
        values = dict(zip(names, public))
        u64_names = [spec.amount] if spec.amount else []
        if spec.settlement:
            u64_names += list(spec.settlement[1:])
        for name in u64_names:
            if values[name] >= U64_BOUND:
                raise LedgerRejected(f"public input {name} exceeds 64 bits")
        if not isinstance(proof, Proof):
            raise LedgerRejected("the proof is not a Groth16 proof")
        try:
            verify(self._prepared(kind), list(public), proof)
        except InvalidProof:
            raise LedgerRejected(f"the proof does not verify under the {kind} verification key") from None
        except MalformedProof as exc:
            raise LedgerRejected(f"malformed proof: {exc}") from None

        with self._write() as conn:
            # The clock is read under the lock, so entries are logged in time order
            # even when several processes race to submit.
            now = self._now()
            self._check_clock(now)
            entries, head, pool, leaf_count = self._head()

            nullifiers = [values[n] for n in spec.nullifiers]
            if len(set(nullifiers)) != len(nullifiers):
                raise LedgerRejected("the transaction publishes the same nullifier twice")
            for name in spec.nullifiers:
                spent = conn.execute("SELECT seq FROM nullifiers WHERE nf = ?", (fe_bytes(values[name]),)).fetchone()
                if spent:
                    raise LedgerRejected(f"nullifier {name} was already spent (entry {spent[0]})")

            if spec.root and not self._is_recent_root(values[spec.root]):
                raise LedgerRejected(
                    f"root is not one of the last {self.genesis.root_history} roots (stale or unknown)"
                )

            if spec.settlement:
                asset, expiry, price = (values[n] for n in spec.settlement)
                if now < expiry:
                    raise LedgerRejected(f"expiry {expiry} has not passed (ledger time {now})")
                final = self.final_price(asset, expiry)
                if final is None:
                    raise LedgerRejected(f"no attested price for asset {asset} at expiry {expiry}")
                if final.observed_at < expiry:
                    raise LedgerRejected(f"the attested price for expiry {expiry} was observed before it")
                if price != final.price:
                    raise LedgerRejected(f"settlement price {price} differs from the attested price {final.price}")

            if spec.margin_asset:
                asset = values[spec.margin_asset]
                spot, required = self._required_grid(asset, now)
                given = [values[n] for n in spec.grid_names(names)]
                if given != required:
                    raise LedgerRejected(
                        f"the margin grid is not the ledger's for asset {asset}: expected "
                        f"[{min(required)} .. {max(required)}] (spot {spot.price} x the genesis shocks), "
                        f"given [{min(given)} .. {max(given)}]"
                    )

            new_pool = pool
            if spec.amount:
                new_pool = pool + spec.amount_sign * values[spec.amount]
                if new_pool < 0:
                    raise LedgerRejected(f"withdrawal of {values[spec.amount]} exceeds the pool balance {pool}")

            outputs = [values[n] for n in spec.outputs]
            for name in spec.outputs:
                if values[name] == 0:
                    raise LedgerRejected(f"output commitment {name} is 0, the empty leaf")
                found = conn.execute("SELECT seq FROM leaves WHERE cm = ?", (fe_bytes(values[name]),)).fetchone()
                if found:
                    raise LedgerRejected(f"output commitment {name} is already on the ledger (entry {found[0]})")
            if len(set(outputs)) != len(outputs):
                raise LedgerRejected("the transaction creates the same commitment twice")
            if leaf_count + len(outputs) > self._tree.capacity:
                raise LedgerRejected(f"the note tree is full ({self._tree.capacity} leaves)")

            nodes, new_root = self._tree.plan_append(leaf_count, outputs)

            # Every check passed: from here on, only writes.
            seq = entries + 1
            public_blob = schema.public_bytes(public)
            proof_blob = schema.proof_bytes(proof)
            root_blob = fe_bytes(new_root)
            digest = schema.entry_hash(head, schema.encode_tx_entry(seq, now, kind, public_blob, proof_blob, root_blob))
            conn.execute(
                "INSERT INTO log (seq, entry_type, accepted_at, prev_hash, entry_hash) VALUES (?, 'tx', ?, ?, ?)",
                (seq, now, head, digest),
            )
            conn.execute(
                "INSERT INTO transactions (seq, kind, public, proof, root) VALUES (?, ?, ?, ?, ?)",
                (seq, kind, public_blob, proof_blob, root_blob),
            )
            conn.executemany(
                "INSERT INTO nullifiers (nf, seq) VALUES (?, ?)", [(fe_bytes(nf), seq) for nf in nullifiers]
            )
            conn.executemany(
                "INSERT INTO leaves (leaf_index, cm, seq) VALUES (?, ?, ?)",
                [(leaf_count + i, fe_bytes(cm), seq) for i, cm in enumerate(outputs)],
            )
            self._tree.write_plan(nodes)
            conn.execute(
                "INSERT INTO roots (position, root, seq) VALUES ((SELECT MAX(position) + 1 FROM roots), ?, ?)",
                (root_blob, seq),
            )
            conn.execute(
                "UPDATE ledger_state SET entries = ?, head_hash = ?, pool_balance = ?, leaf_count = ? WHERE id = 1",
                (seq, digest, str(new_pool), leaf_count + len(outputs)),
            )
        return Receipt(
            seq=seq,
            entry_type=schema.TX,
            kind=kind,
            entry_hash=digest,
            accepted_at=now,
            root=new_root,
            leaf_indices=tuple(range(leaf_count, leaf_count + len(outputs))),
        )

    def post_price(self, attestations: Sequence[Attestation]) -> Receipt:
        """Accept a price report (signed observations of one (asset, expiry)) or raise LedgerRejected (file unchanged).

        See ``oracle.check_report`` for the committee rules; in addition the
        ledger accepts only the first final price of each (asset, expiry).
        """
        if isinstance(attestations, Attestation):
            attestations = [attestations]
        if isinstance(attestations, (str, bytes, Mapping)) or not isinstance(attestations, Iterable):
            raise LedgerRejected("a price report is a list of Attestation objects")
        attestations = list(attestations)
        with self._write() as conn:
            now = self._now()  # under the lock, as in submit
            self._check_clock(now)
            final = oracle.check_report(attestations, self.genesis.committee, self.genesis.threshold, now)
            existing = conn.execute(
                "SELECT seq FROM price_reports WHERE asset = ? AND expiry = ?",
                (fe_bytes(final.asset), u64_bytes(final.expiry)),
            ).fetchone()
            if existing:
                raise LedgerRejected(
                    f"asset {final.asset} at expiry {final.expiry} already has a final price (entry {existing[0]})"
                )
            entries, head, pool, leaf_count = self._head()
            seq = entries + 1
            blobs = (
                fe_bytes(final.asset),
                u64_bytes(final.expiry),
                u64_bytes(final.price),
                u64_bytes(final.observed_at),
            )
            sig_rows = [
                (
                    bytes(a.member),
                    u64_bytes(a.observation.price),
                    u64_bytes(a.observation.observed_at),
                    bytes(a.signature),
                )
                for a in attestations
            ]
            digest = schema.entry_hash(head, schema.encode_price_entry(seq, now, *blobs, sig_rows))
            conn.execute(
                "INSERT INTO log (seq, entry_type, accepted_at, prev_hash, entry_hash) VALUES (?, 'price', ?, ?, ?)",
                (seq, now, head, digest),
            )
            conn.execute(
                "INSERT INTO price_reports (seq, asset, expiry, price, observed_at) VALUES (?, ?, ?, ?, ?)",
                (seq, *blobs),
            )
            conn.executemany(
                "INSERT INTO price_signatures (seq, position, member_key, price, observed_at, signature) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(seq, i, *row) for i, row in enumerate(sig_rows)],
            )
            conn.execute("UPDATE ledger_state SET entries = ?, head_hash = ? WHERE id = 1", (seq, digest))
        return Receipt(
            seq=seq,
            entry_type=schema.PRICE,
            kind=schema.PRICE,
            entry_hash=digest,
            accepted_at=now,
            root=self._tree.root(),
            price=final.price,
        )

    def post_price_json(self, report: object) -> Receipt:
        """Post ``{"attestations": [Attestation.to_json(), ...]}`` (or the bare list); see ``post_price``."""
        items = report.get("attestations") if isinstance(report, Mapping) else report
        if not isinstance(items, list):
            raise LedgerRejected("malformed price report: expected a list of attestations")
        try:
            parsed = [Attestation.from_json(a) for a in items]
        except MalformedInput as exc:
            raise LedgerRejected(f"malformed price report: {exc}") from None
        return self.post_price(parsed)


def sqlite_uri(path: str | os.PathLike) -> str:
    """The ``file:`` URI of a path, percent-encoded so names with ?, # or % open the right file."""
    return Path(path).resolve().as_uri()


def read_genesis(conn: sqlite3.Connection) -> tuple[Genesis, bytes]:
    """Rebuild the Genesis from its tables (validating it) and return it with the stored genesis hash."""
    row = conn.execute(
        "SELECT tree_depth, root_history, oracle_threshold, genesis_hash, margin_shocks FROM genesis WHERE id = 1"
    ).fetchone()
    if row is None:
        raise MalformedInput("the ledger file has no genesis")
    depth, history, threshold, stored, shocks_json = row
    shocks = parse_margin_shocks(shocks_json)
    transcripts = schema.transcript_hashes(conn)
    circuits = {
        kind: CircuitEntry(vk_json, tuple(json.loads(names)), transcripts.get(kind))
        for kind, vk_json, names in conn.execute("SELECT kind, vk_json, public_names FROM circuits ORDER BY kind")
    }
    members = tuple(bytes(k) for (k,) in conn.execute("SELECT public_key FROM oracle_members ORDER BY member"))
    genesis = Genesis(
        circuits=circuits,
        committee=members,
        threshold=threshold,
        tree_depth=depth,
        root_history=history,
        margin_shocks=shocks,
    )
    return genesis, bytes(stored)


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


__all__ = ["Ledger", "LedgerState", "Observation", "Receipt", "read_genesis"]
