"""Replay a ledger file from genesis without any secret and report every disagreement with its log entry.

The auditor trusts nothing the ledger derived. It reads the genesis and the
log (the ``log``, ``transactions``, ``price_reports`` and
``price_signatures`` rows, through ``schema``'s readers), and from them alone
recomputes: the genesis hash and each key's SHA-256; every entry hash and
chain link; the Merkle tree (with the plain-integer
``zkopt.native.merkle.MerkleTree``, an implementation independent of the
ledger's stored tree), every root and the recent-root window; the nullifier
set; the pool balance; every oracle rule and signature; the margin policy
(each open's grid is the genesis shocks applied to the asset's last spot
attested earlier in the log); and every Groth16 proof (one batch per kind,
then the failing proofs are named). Then it compares this with the derived
tables the ledger keeps (``nullifiers``, ``leaves``, ``tree_nodes``,
``roots``, ``ledger_state``).

The rules an entry must have met are the ledger's own (``zkopt.ledger.rules``),
applied to the auditor's recomputed state, never to the store's tables or
lookups: a broken rule becomes a finding under the rule's check name.

Each finding names a log entry number (``seq``); 0 is the genesis. A file
whose content was changed after the fact is caught twice over: the entry's
hash no longer matches, and the replay disagrees with what is stored.

The hash chain proves integrity only relative to a trusted genesis hash and
head hash: someone who rewrites the whole file and recomputes every hash is
caught only by comparing those with published values (``genesis_hash=``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from zkopt.errors import (
    InvalidProof,
    LedgerRejected,
    MalformedInput,
    MalformedProof,
    ZkoptError,
)
from zkopt.groth16 import PreparedVerifyingKey, prepare, verify, verify_batch
from zkopt.ledger import Ledger, database, integrity, oracle, rules, schema
from zkopt.ledger.genesis import MAX_TREE_DEPTH, CircuitEntry
from zkopt.ledger.oracle import FinalPrice
from zkopt.ledger.rules import RuleBroken
from zkopt.ledger.schema import fe_bytes, fe_from
from zkopt.ledger.transactions import SPECS
from zkopt.native import poseidon
from zkopt.native.merkle import MerkleTree, zero_hashes
from zkopt.units import format_amount


@dataclass(frozen=True)
class Finding:
    """One disagreement: the log entry it concerns (0 = genesis), which check, and a one-line message."""

    seq: int
    check: str
    message: str

    def to_json(self) -> dict:
        return {"seq": self.seq, "check": self.check, "message": self.message}

    def __str__(self) -> str:
        return f"#{self.seq} [{self.check}] {self.message}"


@dataclass
class AuditReport:
    """The auditor's result: ``ok`` when there is no finding, plus what was recomputed."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    genesis_hash: bytes = b""
    head_hash: bytes = b""
    entries: int = 0
    transactions: int = 0
    price_reports: int = 0
    proofs_checked: int = 0
    signatures_checked: int = 0
    encrypted_notes: int = 0
    leaf_count: int = 0
    nullifiers: int = 0
    pool_balance: int = 0
    root: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def seqs(self) -> list[int]:
        """The entry numbers named by findings, ascending, each once."""
        return sorted({f.seq for f in self.findings})

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "path": self.path,
            "genesis_hash": self.genesis_hash.hex(),
            "head_hash": self.head_hash.hex(),
            "entries": self.entries,
            "transactions": self.transactions,
            "price_reports": self.price_reports,
            "proofs_checked": self.proofs_checked,
            "signatures_checked": self.signatures_checked,
            "encrypted_notes": self.encrypted_notes,
            "leaf_count": self.leaf_count,
            "nullifiers": self.nullifiers,
            "pool_balance": str(self.pool_balance),
            "root": str(self.root),
            "findings": [f.to_json() for f in self.findings],
        }

    def to_text(self) -> str:
        lines = [
            f"audit of {self.path}",
            f"genesis hash   {self.genesis_hash.hex()}",
            f"head hash      {self.head_hash.hex()}",
            f"entries        {self.entries} ({self.transactions} transactions, {self.price_reports} price reports)",
            f"checked        {self.proofs_checked} proofs, {self.signatures_checked} oracle signatures",
            f"carried        {self.encrypted_notes} encrypted notes",
            f"tree           {self.leaf_count} leaves, root {self.root}",
            f"nullifiers     {self.nullifiers}",
            f"pool balance   {format_amount(self.pool_balance)} ({self.pool_balance} units of 10^-6)",
        ]
        if self.ok:
            lines.append("result         OK: every check holds")
        else:
            lines.append(f"result         FAILED: {len(self.findings)} findings")
            lines += [f"  {f}" for f in sorted(self.findings, key=lambda f: f.seq)]
        return "\n".join(lines)


# Parsed and prepared keys by the SHA-256 of their stored text (the same text is the same key): parsing
# checks every point and preparing costs pairings, and one process often audits the same ledger again.
_PREPARED: dict[bytes, PreparedVerifyingKey] = {}


@dataclass
class _Tx:
    seq: int
    values: list[int]
    proof: object


class _Auditor:
    def __init__(self, conn: sqlite3.Connection, report: AuditReport, rng):
        self.conn = conn
        self.report = report
        self.rng = rng
        self.keys: dict[str, object] = {}
        self.names: dict[str, tuple[str, ...]] = {}

    def record(self, seq: int, check: str, message: str) -> None:
        self.report.findings.append(Finding(seq, check, message))

    def holds(self, seq: int, rule, *args) -> bool:
        """Apply one ledger rule to entry ``seq``; a broken rule becomes a finding (and False)."""
        try:
            rule(*args)
        except RuleBroken as exc:
            self.record(seq, exc.check, exc.finding)
            return False
        return True

    # --- genesis -----------------------------------------------------------------------

    def integrity(self) -> None:
        """The file itself: SQLite's check of every page and index, the schema, uniqueness recounted by scans."""
        damage = integrity.sqlite_problems(self.conn) + integrity.schema_problems(self.conn)
        for problem in damage + integrity.uniqueness_problems(self.conn):
            self.record(0, "integrity", problem)

    def genesis(self, expected_hash: bytes | None) -> bool:
        reason = schema.unreadable_version(schema.schema_version(self.conn))
        if reason:
            self.record(0, "genesis", reason)
        rows = schema.read_genesis_rows(self.conn)
        if rows is None:
            self.record(0, "file", "the file is no usable ledger: it has no genesis")
            return False
        self.depth, self.history, self.threshold = rows.tree_depth, rows.root_history, rows.threshold
        try:
            self.shocks: tuple[int, ...] | None = schema.parse_margin_shocks(rows.margin_shocks)
        except MalformedInput as exc:
            self.record(0, "genesis", str(exc))
            self.shocks = None
        self.report.genesis_hash = rows.genesis_hash
        shape_ok = isinstance(self.depth, int) and 1 <= self.depth <= MAX_TREE_DEPTH
        if not (shape_ok and isinstance(self.history, int) and self.history >= 1):
            self.record(0, "genesis", f"unusable tree depth {self.depth!r} or root history {self.history!r}")
            return False
        circuits = []
        transcripts = [(str(row.kind), row.transcript_hash) for row in rows.circuits if row.transcript_hash is not None]
        for row in rows.circuits:
            kind = row.kind
            digest = hashlib.sha256(str(row.vk_json).encode("utf-8")).digest()
            if digest != row.vk_sha256:
                self.record(0, "genesis", f"the {kind} verification key does not match its recorded SHA-256")
            names: tuple[str, ...] = ()
            try:
                names = tuple(json.loads(row.public_names))
                if not all(isinstance(n, str) for n in names):
                    raise ValueError("public names must be strings")
                if kind not in SPECS:
                    raise MalformedInput(f"unknown transaction kind {kind!r}")
                SPECS[kind].check_layout(names)
                prepared = _PREPARED.get(digest)
                if prepared is None:
                    prepared = prepare(CircuitEntry(row.vk_json, names).verifying_key())
                if prepared.vk.n_public != len(names):
                    raise MalformedInput(f"the key has {prepared.vk.n_public} public inputs, {len(names)} names")
                self.keys[kind] = _PREPARED.setdefault(digest, prepared)
            except (ZkoptError, ValueError, TypeError) as exc:
                self.record(0, "genesis", f"the {kind} circuit is unusable: {exc}")
                self.keys[kind] = None
                names = names if all(isinstance(n, str) for n in names) else ()
            self.names[kind] = names
            circuits.append((str(kind), digest, names))
        self.members = list(rows.members)
        for i, key in enumerate(self.members):
            try:
                oracle.check_public_key(key, f"oracle member {i}")
            except MalformedInput as exc:
                self.record(0, "genesis", str(exc))
        if not isinstance(self.threshold, int) or not 1 <= self.threshold <= len(self.members):
            self.record(0, "genesis", f"oracle threshold {self.threshold!r} does not fit {len(self.members)} members")
        if self.shocks is not None:
            size = len(SPECS["open"].grid_names(self.names.get("open", ())))
            if "open" in self.names and size != len(self.shocks):
                count = len(self.shocks)
                self.record(0, "genesis", f"the open circuit takes {size} grid prices, the genesis has {count} shocks")
        try:
            encoded = schema.encode_genesis(
                self.depth, self.history, self.threshold, self.members, circuits, self.shocks or (), transcripts
            )
        except OverflowError:
            self.record(0, "genesis", "a margin shock does not fit 64 bits")
            encoded = b""
        recomputed = schema.genesis_hash(encoded)
        if recomputed != self.report.genesis_hash:
            self.record(0, "genesis", "the genesis content does not match the genesis hash")
        if expected_hash is not None and bytes(expected_hash) != self.report.genesis_hash:
            self.record(0, "genesis", "the genesis hash differs from the published one")
        return True

    # --- the log -------------------------------------------------------------------------

    def replay(self) -> None:
        self.tree = MerkleTree(self.depth, history=1)
        self.window = deque([self.tree.root], maxlen=self.history)
        self.roots = [(self.tree.root, 0)]
        self.nullifiers: dict[int, int] = {}  # nf -> the entry that spent it
        self.leaves: list[tuple[int, int]] = []  # (cm, seq) in tree order
        self.created_in: dict[int, int] = {}  # cm -> the entry that created it
        self.pool = 0
        self.prices: dict[tuple[int, int], tuple[int, FinalPrice]] = {}  # (asset, expiry) -> (seq, report)
        self.spots: dict[int, list[FinalPrice]] = defaultdict(list)  # asset -> its reports, in log order
        self.batches: dict[str, list[_Tx]] = defaultdict(list)
        self.bundle: tuple[tuple[int, int], int, list] | None = None  # ((first, size), time, members) being read
        prev = self.report.genesis_hash
        expected = 1
        last_seq = 0
        last_time = None
        for row in self.conn.execute(
            "SELECT seq, entry_type, accepted_at, prev_hash, entry_hash FROM log ORDER BY seq"
        ).fetchall():
            try:
                seq, entry_type, accepted_at, prev_hash, stored_hash = schema.typed(row, "itibb", "a log row")
            except MalformedInput as exc:
                self.record(row[0] if isinstance(row[0], int) else expected, "hash-chain", str(exc))
                return
            if seq != expected:
                self.record(seq, "hash-chain", f"entry {seq} follows entry {expected - 1}: entries are missing")
            expected = seq + 1
            last_seq = seq
            self.holds(seq, rules.in_time_order, accepted_at, last_time)
            last_time = accepted_at
            if bytes(prev_hash) != prev:
                self.record(seq, "hash-chain", "the entry does not link to the previous entry's hash")
            if entry_type == schema.TX:
                body = self.transaction(seq, accepted_at)
            elif entry_type == schema.PRICE:
                self.bundle_ends(seq)
                body = self.price_report(seq, accepted_at)
            else:
                self.record(seq, "log", f"unknown entry type {entry_type!r}")
                body = None
            if body is not None and schema.entry_hash(prev_hash, body) != bytes(stored_hash):
                self.record(seq, "hash-chain", "the entry's content does not match its hash")
            prev = bytes(stored_hash)
        self.bundle_ends(last_seq + 1)
        self.report.entries = last_seq
        self.report.head_hash = prev
        for table, entry_type in (("transactions", "tx"), ("price_reports", "price")):
            for (seq,) in self.conn.execute(
                f"SELECT seq FROM {table} WHERE seq NOT IN (SELECT seq FROM log WHERE entry_type = ?)", (entry_type,)
            ):
                self.record(seq, "log", f"a {table} row has no {entry_type} entry in the log")

    def transaction(self, seq: int, accepted_at: int) -> bytes | None:
        tx = schema.read_transaction(self.conn, seq)
        if tx is None:
            self.record(seq, "log", "the transaction entry has no content")
            return None
        self.report.transactions += 1
        body = tx.body(accepted_at)
        kind = tx.kind
        if not self.holds(seq, rules.known_kind, kind, self.names):
            return body
        names = self.names[kind]
        try:
            values = schema.public_from(tx.public)
        except ValueError as exc:
            self.record(seq, "public-input", f"stored public inputs are unusable: {exc}")
            return body
        if not self.holds(seq, rules.public_values, kind, names, values):
            return body
        try:
            proof = schema.proof_from(tx.proof)
        except MalformedProof as exc:
            self.record(seq, "proof", f"stored proof is malformed: {exc}")
            proof = None
        if self.keys.get(kind) is None:
            self.record(seq, "proof", f"the proof cannot be checked: the {kind} key is unusable")
        elif proof is not None:
            self.batches[kind].append(_Tx(seq, values, proof))
        self.report.encrypted_notes += len(tx.notes)
        self.holds(seq, rules.encrypted_notes, tx.notes)
        named = dict(zip(names, values))
        self.in_bundle(seq, accepted_at, tx.bundle, SPECS[kind], named)
        self.apply(seq, accepted_at, kind, named)
        try:
            stored_root = fe_from(tx.root, "root")
        except ValueError:
            stored_root = None
        if stored_root != self.tree.root:
            self.record(seq, "root", "the stored resulting root differs from the recomputed root")
        return body

    def in_bundle(self, seq: int, accepted_at: int, bundle: tuple[int, int] | None, spec, v: dict[str, int]) -> None:
        """Bundles are whole: entries first .. first + size - 1, at one time, their conditions met among them."""
        if self.bundle is not None and bundle != self.bundle[0]:
            self.bundle_ends(seq)
        if bundle is None:
            self.holds(seq, rules.unconditional, spec, v)
            return
        first, size = bundle
        if self.bundle is None:
            if first != seq or not self.holds(seq, rules.bundle_size, size):
                self.record(seq, "bundle", f"the entry names a bundle of {size} from entry {first} that does not start here")
                return
            self.bundle = (bundle, accepted_at, [])
        if accepted_at != self.bundle[1]:
            self.record(seq, "bundle", "the entries of one bundle were not accepted at one time")
        members = self.bundle[2]
        members.append((spec, v))
        if len(members) == size:
            self.holds(first, rules.bundle_conditions, members)
            self.bundle = None

    def bundle_ends(self, seq: int) -> None:
        """Entry ``seq`` is not part of the bundle being read: that bundle is incomplete."""
        if self.bundle is not None:
            (first, size), _, members = self.bundle
            self.record(first, "bundle", f"the bundle of {size} entries from entry {first} has only {len(members)}")
            self.bundle = None

    def apply(self, seq: int, accepted_at: int, kind: str, v: dict[str, int]) -> None:
        """The ledger's state rules against the replayed state, then the entry's effects on it (applied regardless)."""
        spec = SPECS[kind]
        self.holds(seq, rules.u64_inputs, spec, v)
        self.holds(seq, rules.fresh_nullifiers, spec, v, self.nullifiers.get)
        for name in spec.nullifiers:
            self.nullifiers.setdefault(v[name], seq)
        self.holds(seq, rules.recent_root, spec, v, self.window.__contains__, self.history)
        self.holds(seq, rules.open_expiry, spec, v, accepted_at)
        self.holds(seq, rules.settlement_time, spec, v, accepted_at)
        self.holds(seq, rules.settlement_price, spec, v, self.final_price)
        if spec.margin_asset:
            self.margin(seq, accepted_at, spec, v)
        change = rules.pool_change(spec, v)
        self.holds(seq, rules.pool_after, self.pool, change)
        self.pool += change
        for name in spec.outputs:
            cm = v[name]
            # One output at a time, so the valid ones are appended as the ledger would have.
            if self.holds(seq, rules.new_output, name, cm, self.created_in.get) and self.holds(
                seq, rules.tree_room, len(self.tree), 1, self.tree.capacity
            ):
                self.tree.append(cm)
                self.leaves.append((cm, seq))
                self.created_in[cm] = seq
        self.window.append(self.tree.root)
        self.roots.append((self.tree.root, seq))

    def final_price(self, asset: int, expiry: int) -> FinalPrice | None:
        """The report of (asset, expiry) earlier in the log, or None."""
        found = self.prices.get((asset, expiry))
        return found[1] if found else None

    def margin(self, seq: int, accepted_at: int, spec, v: dict[str, int]) -> None:
        """The open's grid must be the genesis shocks applied to the asset's latest spot attested earlier in the log."""
        names = self.names["open"]
        if not spec.grid_names(names):
            return  # an unusable open layout is already a genesis finding
        earlier = [r for r in self.spots.get(v[spec.margin_asset], ()) if r.expiry <= accepted_at]
        spot = max(earlier, key=lambda r: r.expiry) if earlier else None
        if spot is not None and self.shocks is None:
            self.record(seq, "margin", "the margin grid cannot be checked: the genesis has no usable margin shocks")
            return
        self.holds(seq, rules.margin_grid, spec, names, v, spot, self.shocks or ())

    def price_report(self, seq: int, accepted_at: int) -> bytes | None:
        stored = schema.read_price_report(self.conn, seq)
        if stored is None:
            self.record(seq, "log", "the price entry has no content")
            return None
        self.report.price_reports += 1
        body = stored.body(accepted_at)
        try:
            recorded, attestations = stored.decode()
        except (ValueError, MalformedInput) as exc:
            self.record(seq, "oracle", f"stored price report is unusable: {exc}")
            return body
        self.report.signatures_checked += len(attestations)
        try:
            final = oracle.check_report(attestations, self.members, self.threshold, accepted_at)
            if (final.price, final.observed_at) != (recorded.price, recorded.observed_at):
                self.record(seq, "oracle", f"stored final price {recorded.price} is not the price {final.price} its signers attest")
        except LedgerRejected as exc:
            self.record(seq, "oracle", exc.reason)
        key = (recorded.asset, recorded.expiry)
        existing = self.prices.get(key)
        if self.holds(seq, rules.first_final_price, *key, existing[0] if existing else None):
            self.prices[key] = (seq, recorded)
            self.spots[recorded.asset].append(recorded)
        return body

    # --- proofs ------------------------------------------------------------------------------

    def proofs(self) -> None:
        for kind, items in self.batches.items():
            self.report.proofs_checked += len(items)
            try:
                verify_batch(self.keys[kind], [(t.values, t.proof) for t in items], self.rng)
            except InvalidProof as exc:
                for i in exc.indices:
                    self.record(items[i].seq, "proof", f"the proof does not verify under the {kind} key")
            except MalformedProof:
                # Cannot happen for decoded proofs; check one by one so the culprit is still named.
                for t in items:
                    try:
                        verify(self.keys[kind], t.values, t.proof)
                    except (InvalidProof, MalformedProof) as exc:
                        self.record(t.seq, "proof", f"the proof does not verify under the {kind} key: {exc}")

    # --- derived state ----------------------------------------------------------------------------

    def derived(self) -> None:
        report = self.report
        expected_nf = {fe_bytes(nf): seq for nf, seq in self.nullifiers.items()}
        stored_nf = {bytes(nf): seq for nf, seq in self.conn.execute("SELECT nf, seq FROM nullifiers")}
        for nf, seq in stored_nf.items():
            if nf not in expected_nf:
                self.record(seq, "nullifier", "the nullifier table holds a value no transaction published")
            elif expected_nf[nf] != seq:
                self.record(expected_nf[nf], "nullifier", f"the nullifier table credits this nullifier to entry {seq}")
        for nf, seq in expected_nf.items():
            if nf not in stored_nf:
                self.record(seq, "nullifier", "a published nullifier is missing from the nullifier table")

        rows = self.conn.execute("SELECT leaf_index, cm, seq FROM leaves")
        stored_leaves = {i: (bytes(cm), seq) for i, cm, seq in rows}
        for i, (cm, seq) in enumerate(self.leaves):
            stored = stored_leaves.pop(i, None)
            if stored is None:
                self.record(seq, "commitment", f"leaf {i} is missing from the leaves table")
            elif stored != (fe_bytes(cm), seq):
                self.record(seq, "commitment", f"the stored leaf {i} differs from the commitment in the log")
        for i, (_, seq) in sorted(stored_leaves.items()):
            self.record(seq, "commitment", f"the leaves table holds a leaf {i} no transaction created")

        self.tree_nodes()

        stored_roots = {p: (bytes(r), s) for p, r, s in self.conn.execute("SELECT position, root, seq FROM roots")}
        for position, (root, seq) in enumerate(self.roots):
            if stored_roots.pop(position, None) != (fe_bytes(root), seq):
                self.record(seq, "root", f"root history entry {position} differs from the recomputed root")
        for position, (_, seq) in sorted(stored_roots.items()):
            self.record(seq, "root", f"the root history holds an entry {position} no transaction produced")

        row = schema.read_state(self.conn)
        head = report.entries
        if row is None:
            self.record(head, "state", "the ledger state row is missing")
        else:
            entries, head_hash, pool, leaf_count = row
            if entries != report.entries or head_hash != report.head_hash:
                self.record(head, "state", "the recorded head (entry count, hash) differs from the log")
            if str(pool) != str(self.pool):
                self.record(head, "state", f"the recorded pool balance {pool} differs from the recomputed {self.pool}")
            if leaf_count != len(self.leaves):
                self.record(head, "state", f"the recorded leaf count {leaf_count} differs from {len(self.leaves)}")
        report.leaf_count = len(self.leaves)
        report.nullifiers = len(self.nullifiers)
        report.pool_balance = self.pool
        report.root = self.tree.root

    def tree_nodes(self) -> None:
        """Every stored node equals the node recomputed level by level from the log's commitments."""
        zeros = zero_hashes(self.depth)
        level = [cm for cm, _ in self.leaves]
        expected: dict[tuple[int, int], int] = {}
        for height in range(1, self.depth + 1):
            below = level
            level = [
                poseidon.hash(below[i], below[i + 1] if i + 1 < len(below) else zeros[height - 1])
                for i in range(0, len(below), 2)
            ]
            expected.update(((height, p), value) for p, value in enumerate(level))

        def writer(height: int, position: int) -> int:
            # The entry that last rewrote a node is the one that appended the last leaf below it.
            last = min((position + 1) << height, len(self.leaves)) - 1
            return self.leaves[last][1] if 0 <= last < len(self.leaves) else self.report.entries

        stored = {(h, p): bytes(v) for h, p, v in self.conn.execute("SELECT level, position, value FROM tree_nodes")}
        for key, value in expected.items():
            if stored.pop(key, None) != fe_bytes(value):
                self.record(writer(*key), "tree", f"stored tree node (level {key[0]}, position {key[1]}) is wrong")
        for key in sorted(stored):
            self.record(writer(*key), "tree", f"stored tree node (level {key[0]}, position {key[1]}) should not exist")


def audit(source: Ledger | str | os.PathLike, *, genesis_hash: bytes | None = None, rng=None) -> AuditReport:
    """Replay and re-verify the ledger at ``source`` (a path or an open Ledger); never raises for a bad ledger.

    ``genesis_hash``, when given, is the published genesis hash the file must
    carry. ``rng`` drives the batch-verification weights (default: the OS's
    CSPRNG; pass a seeded one only in tests).
    """
    location = source.location if isinstance(source, Ledger) else source
    if database.is_url(location):
        report = AuditReport(path=database.shown_url(location))
    else:
        location = Path(location)
        report = AuditReport(path=str(location))
        if not location.is_file():
            report.findings.append(Finding(0, "file", f"no ledger file at {location}"))
            return report
    try:
        conn = schema.connect(location, "ro")
    except (*schema.DAMAGE, MalformedInput) as exc:
        report.findings.append(Finding(0, "file", f"the ledger file cannot be opened: {exc}"))
        return report
    try:
        auditor = _Auditor(conn, report, rng)
        # One read transaction: the whole replay sees one consistent snapshot even while the ledger keeps writing.
        database.begin_read(conn)
        auditor.integrity()
        if auditor.genesis(genesis_hash):
            auditor.replay()
            auditor.proofs()
            auditor.derived()
        conn.execute("COMMIT")
    except schema.DAMAGE as exc:
        report.findings.append(Finding(0, "file", f"the ledger file cannot be read: {exc}"))
    except (ZkoptError, ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
        # Fail closed: a value of a damaged file that no check above named still makes the audit fail,
        # never a traceback and never OK.
        report.findings.append(Finding(0, "damage", f"a stored value is unusable ({exc.__class__.__name__}: {exc})"))
    finally:
        conn.close()
    return report
