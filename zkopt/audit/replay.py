"""Replay a ledger file from genesis without any secret and report every disagreement with its log entry.

The auditor trusts nothing the ledger derived. It reads the genesis and the
log (the ``log``, ``transactions``, ``price_reports`` and
``price_signatures`` rows), and from them alone recomputes: the genesis hash
and each key's SHA-256; every entry hash and chain link; the Merkle tree
(with the plain-integer ``zkopt.native.merkle.MerkleTree``, an implementation
independent of the ledger's stored tree), every root and the recent-root
window; the nullifier set; the pool balance; every oracle rule and signature;
the margin policy (each open's grid is the genesis shocks applied to the
asset's last spot attested earlier in the log); and every Groth16 proof (one
batch per kind, then the failing proofs are named). Then it compares this with the derived tables the ledger keeps
(``nullifiers``, ``leaves``, ``tree_nodes``, ``roots``, ``ledger_state``).

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

from zkopt.errors import InvalidProof, LedgerRejected, MalformedInput, MalformedProof, ZkoptError
from zkopt.groth16 import prepare, verify, verify_batch
from zkopt.ledger import Ledger, oracle, schema
from zkopt.ledger.store import parse_margin_shocks, sqlite_uri
from zkopt.ledger.genesis import MAX_TREE_DEPTH, CircuitEntry
from zkopt.ledger.oracle import Attestation, Observation
from zkopt.ledger.schema import U64_BOUND, fe_bytes, fe_from, u64_from
from zkopt.ledger.transactions import SPECS
from zkopt.native import payoff, poseidon
from zkopt.native.merkle import MerkleTree, zero_hashes


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
            f"tree           {self.leaf_count} leaves, root {self.root}",
            f"nullifiers     {self.nullifiers}",
            f"pool balance   {self.pool_balance}",
        ]
        if self.ok:
            lines.append("result         OK: every check holds")
        else:
            lines.append(f"result         FAILED: {len(self.findings)} findings")
            lines += [f"  {f}" for f in sorted(self.findings, key=lambda f: f.seq)]
        return "\n".join(lines)


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

    def find(self, seq: int, check: str, message: str) -> None:
        self.report.findings.append(Finding(seq, check, message))

    # --- genesis -----------------------------------------------------------------------

    def genesis(self, expected_hash: bytes | None) -> bool:
        row = self.conn.execute(
            "SELECT tree_depth, root_history, oracle_threshold, genesis_hash, margin_shocks FROM genesis WHERE id = 1"
        ).fetchone()
        if row is None:
            self.find(0, "genesis", "the file has no genesis")
            return False
        self.depth, self.history, self.threshold, stored_hash, shocks_json = row
        try:
            self.shocks: tuple[int, ...] | None = parse_margin_shocks(shocks_json)
        except MalformedInput as exc:
            self.find(0, "genesis", str(exc))
            self.shocks = None
        self.report.genesis_hash = bytes(stored_hash)
        shape_ok = isinstance(self.depth, int) and 1 <= self.depth <= MAX_TREE_DEPTH
        if not (shape_ok and isinstance(self.history, int) and self.history >= 1):
            self.find(0, "genesis", f"unusable tree depth {self.depth!r} or root history {self.history!r}")
            return False
        circuits = []
        for kind, vk_json, vk_sha256, names_json in self.conn.execute(
            "SELECT kind, vk_json, vk_sha256, public_names FROM circuits ORDER BY kind"
        ):
            digest = hashlib.sha256(str(vk_json).encode("utf-8")).digest()
            if digest != bytes(vk_sha256):
                self.find(0, "genesis", f"the {kind} verification key does not match its recorded SHA-256")
            names: tuple[str, ...] = ()
            try:
                names = tuple(json.loads(names_json))
                if not all(isinstance(n, str) for n in names):
                    raise ValueError("public names must be strings")
                if kind not in SPECS:
                    raise MalformedInput(f"unknown transaction kind {kind!r}")
                SPECS[kind].check_layout(names)
                vk = CircuitEntry(vk_json, names).verifying_key()
                if vk.n_public != len(names):
                    raise MalformedInput(f"the key has {vk.n_public} public inputs, {len(names)} names")
                self.keys[kind] = prepare(vk)
            except (ZkoptError, ValueError, TypeError) as exc:
                self.find(0, "genesis", f"the {kind} circuit is unusable: {exc}")
                self.keys[kind] = None
                names = names if all(isinstance(n, str) for n in names) else ()
            self.names[kind] = names
            circuits.append((str(kind), digest, names))
        self.members = [bytes(k) for (k,) in self.conn.execute("SELECT public_key FROM oracle_members ORDER BY member")]
        for i, key in enumerate(self.members):
            try:
                oracle.check_public_key(key, f"oracle member {i}")
            except MalformedInput as exc:
                self.find(0, "genesis", str(exc))
        if not isinstance(self.threshold, int) or not 1 <= self.threshold <= len(self.members):
            self.find(0, "genesis", f"oracle threshold {self.threshold!r} does not fit {len(self.members)} members")
        if self.shocks is not None:
            size = len(SPECS["open"].grid_names(self.names.get("open", ())))
            if "open" in self.names and size != len(self.shocks):
                count = len(self.shocks)
                self.find(0, "genesis", f"the open circuit takes {size} grid prices, the genesis has {count} shocks")
        try:
            encoded = schema.encode_genesis(
                self.depth, self.history, self.threshold, self.members, circuits, self.shocks or (),
                sorted(schema.transcript_hashes(self.conn).items()),
            )
        except OverflowError:
            self.find(0, "genesis", "a margin shock does not fit 64 bits")
            encoded = b""
        recomputed = schema.genesis_hash(encoded)
        if recomputed != self.report.genesis_hash:
            self.find(0, "genesis", "the genesis content does not match the genesis hash")
        if expected_hash is not None and bytes(expected_hash) != self.report.genesis_hash:
            self.find(0, "genesis", "the genesis hash differs from the published one")
        return True

    # --- the log -------------------------------------------------------------------------

    def replay(self) -> None:
        self.tree = MerkleTree(self.depth, history=1)
        self.window = deque([self.tree.root], maxlen=self.history)
        self.roots = [(self.tree.root, 0)]
        self.nullifiers: dict[int, int] = {}
        self.leaves: list[tuple[int, int]] = []
        self.leaf_set: set[int] = set()
        self.pool = 0
        self.prices: dict[tuple[int, int], int] = {}
        self.spots: dict[int, list[tuple[int, int]]] = defaultdict(list)  # asset -> [(expiry, price)]
        self.batches: dict[str, list[_Tx]] = defaultdict(list)
        prev = self.report.genesis_hash
        expected = 1
        last_seq = 0
        last_time = None
        for seq, entry_type, accepted_at, prev_hash, stored_hash in self.conn.execute(
            "SELECT seq, entry_type, accepted_at, prev_hash, entry_hash FROM log ORDER BY seq"
        ).fetchall():
            if seq != expected:
                self.find(seq, "hash-chain", f"entry {seq} follows entry {expected - 1}: entries are missing")
            expected = seq + 1
            last_seq = seq
            if last_time is not None and accepted_at < last_time:
                self.find(seq, "clock", f"accepted at {accepted_at}, before the previous entry ({last_time})")
            last_time = accepted_at
            if bytes(prev_hash) != prev:
                self.find(seq, "hash-chain", "the entry does not link to the previous entry's hash")
            if entry_type == schema.TX:
                body = self.transaction(seq, accepted_at)
            elif entry_type == schema.PRICE:
                body = self.price_report(seq, accepted_at)
            else:
                self.find(seq, "log", f"unknown entry type {entry_type!r}")
                body = None
            if body is not None and schema.entry_hash(prev_hash, body) != bytes(stored_hash):
                self.find(seq, "hash-chain", "the entry's content does not match its hash")
            prev = bytes(stored_hash)
        self.report.entries = last_seq
        self.report.head_hash = prev
        for table, entry_type in (("transactions", "tx"), ("price_reports", "price")):
            for (seq,) in self.conn.execute(
                f"SELECT seq FROM {table} WHERE seq NOT IN (SELECT seq FROM log WHERE entry_type = ?)", (entry_type,)
            ):
                self.find(seq, "log", f"a {table} row has no {entry_type} entry in the log")

    def transaction(self, seq: int, accepted_at: int) -> bytes | None:
        row = self.conn.execute("SELECT kind, public, proof, root FROM transactions WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            self.find(seq, "log", "the transaction entry has no content")
            return None
        kind, public_blob, proof_blob, root_blob = row
        self.report.transactions += 1
        body = schema.encode_tx_entry(seq, accepted_at, str(kind), public_blob, proof_blob, root_blob)
        if kind not in self.names:
            self.find(seq, "transaction", f"unknown transaction kind {kind!r}")
            return body
        names = self.names[kind]
        try:
            values = schema.public_from(public_blob)
            if len(values) != len(names):
                raise ValueError(f"{len(values)} public inputs, the {kind} circuit has {len(names)}")
        except ValueError as exc:
            self.find(seq, "public-input", f"stored public inputs are unusable: {exc}")
            return body
        try:
            proof = schema.proof_from(proof_blob)
        except MalformedProof as exc:
            self.find(seq, "proof", f"stored proof is malformed: {exc}")
            proof = None
        if self.keys.get(kind) is None:
            self.find(seq, "proof", f"the proof cannot be checked: the {kind} key is unusable")
        elif proof is not None:
            self.batches[kind].append(_Tx(seq, values, proof))
        self.apply(seq, accepted_at, kind, dict(zip(names, values)))
        try:
            stored_root = fe_from(root_blob, "root")
        except ValueError:
            stored_root = None
        if stored_root != self.tree.root:
            self.find(seq, "root", "the stored resulting root differs from the recomputed root")
        return body

    def apply(self, seq: int, accepted_at: int, kind: str, v: dict[str, int]) -> None:
        """The ledger's state checks and effects, recomputed."""
        spec = SPECS[kind]
        for name in spec.nullifiers:
            nf = v[name]
            if nf in self.nullifiers:
                self.find(seq, "nullifier", f"nullifier {name} was already spent in entry {self.nullifiers[nf]}")
            else:
                self.nullifiers[nf] = seq
        if spec.root and v[spec.root] not in self.window:
            self.find(seq, "root", f"the proof's root was not one of the last {self.history} roots")
        if spec.settlement:
            asset, expiry, price = (v[n] for n in spec.settlement)
            attested = self.prices.get((asset, expiry))
            if accepted_at < expiry:
                self.find(seq, "settlement", f"settled at {accepted_at}, before the expiry {expiry}")
            if attested is None:
                self.find(seq, "settlement", "no price for this asset and expiry was attested earlier in the log")
            elif attested != price:
                self.find(seq, "settlement", f"settlement price {price} differs from the attested price {attested}")
        if spec.margin_asset:
            self.margin(seq, accepted_at, spec, v)
        if spec.amount:
            amount = v[spec.amount]
            if amount >= U64_BOUND:
                self.find(seq, "pool", f"{spec.amount} exceeds 64 bits")
            self.pool += spec.amount_sign * amount
            if self.pool < 0:
                self.find(seq, "pool", f"the pool balance becomes negative ({self.pool})")
        for name in spec.outputs:
            cm = v[name]
            if cm == 0 or cm in self.leaf_set:
                self.find(seq, "commitment", f"output {name} is {'0' if cm == 0 else 'already on the ledger'}")
                continue
            if len(self.tree) >= self.tree.capacity:
                self.find(seq, "commitment", "the tree is full")
                continue
            self.tree.append(cm)
            self.leaves.append((cm, seq))
            self.leaf_set.add(cm)
        self.window.append(self.tree.root)
        self.roots.append((self.tree.root, seq))

    def margin(self, seq: int, accepted_at: int, spec, v: dict[str, int]) -> None:
        """The open's grid must be the genesis shocks applied to the asset's latest spot attested earlier in the log."""
        asset = v[spec.margin_asset]
        given = [v[n] for n in spec.grid_names(self.names["open"])]
        if not given:
            return  # an unusable open layout is already a genesis finding
        earlier = [(expiry, price) for expiry, price in self.spots.get(asset, ()) if expiry <= accepted_at]
        if not earlier:
            self.find(seq, "margin", f"no spot price for asset {asset} was attested earlier in the log")
            return
        spot = max(earlier)[1]
        if self.shocks is None:
            self.find(seq, "margin", "the margin grid cannot be checked: the genesis has no usable margin shocks")
            return
        try:
            required = payoff.default_grid(spot, self.shocks)
        except ValueError as exc:
            self.find(seq, "margin", f"the margin grid of spot {spot} is unusable: {exc}")
            return
        if given != required:
            self.find(
                seq,
                "margin",
                f"the grid [{min(given)} .. {max(given)}] is not the margin grid [{min(required)} .. "
                f"{max(required)}] of the attested spot {spot}",
            )

    def price_report(self, seq: int, accepted_at: int) -> bytes | None:
        row = self.conn.execute(
            "SELECT asset, expiry, price, observed_at FROM price_reports WHERE seq = ?", (seq,)
        ).fetchone()
        if row is None:
            self.find(seq, "log", "the price entry has no content")
            return None
        self.report.price_reports += 1
        sigs = self.conn.execute(
            "SELECT member_key, price, observed_at, signature FROM price_signatures WHERE seq = ? ORDER BY position",
            (seq,),
        ).fetchall()
        body = schema.encode_price_entry(seq, accepted_at, *row, sigs)
        try:
            asset = fe_from(row[0], "asset")
            expiry, price, observed_at = (u64_from(b, n) for b, n in zip(row[1:], ("expiry", "price", "observed_at")))
            attestations = [
                Attestation(bytes(m), Observation(asset, expiry, u64_from(p, "price"), u64_from(t, "time")), bytes(s))
                for m, p, t, s in sigs
            ]
        except (ValueError, MalformedInput) as exc:
            self.find(seq, "oracle", f"stored price report is unusable: {exc}")
            return body
        self.report.signatures_checked += len(attestations)
        try:
            final = oracle.check_report(attestations, self.members, self.threshold, accepted_at)
            if (final.price, final.observed_at) != (price, observed_at):
                self.find(seq, "oracle", f"stored final price {price} is not the lower median {final.price}")
        except LedgerRejected as exc:
            self.find(seq, "oracle", exc.reason)
        if (asset, expiry) in self.prices:
            self.find(seq, "oracle", "a second final price for the same asset and expiry")
        else:
            self.prices[(asset, expiry)] = price
            self.spots[asset].append((expiry, price))
        return body

    # --- proofs ------------------------------------------------------------------------------

    def proofs(self) -> None:
        for kind, items in self.batches.items():
            self.report.proofs_checked += len(items)
            try:
                verify_batch(self.keys[kind], [(t.values, t.proof) for t in items], self.rng)
            except InvalidProof as exc:
                for i in exc.indices:
                    self.find(items[i].seq, "proof", f"the proof does not verify under the {kind} key")
            except MalformedProof:
                # Cannot happen for decoded proofs; check one by one so the culprit is still named.
                for t in items:
                    try:
                        verify(self.keys[kind], t.values, t.proof)
                    except (InvalidProof, MalformedProof) as exc:
                        self.find(t.seq, "proof", f"the proof does not verify under the {kind} key: {exc}")

    # --- derived state ----------------------------------------------------------------------------

    def derived(self) -> None:
        report = self.report
        expected_nf = {fe_bytes(nf): seq for nf, seq in self.nullifiers.items()}
        stored_nf = {bytes(nf): seq for nf, seq in self.conn.execute("SELECT nf, seq FROM nullifiers")}
        for nf, seq in stored_nf.items():
            if nf not in expected_nf:
                self.find(seq, "nullifier", "the nullifier table holds a value no transaction published")
            elif expected_nf[nf] != seq:
                self.find(expected_nf[nf], "nullifier", f"the nullifier table credits this nullifier to entry {seq}")
        for nf, seq in expected_nf.items():
            if nf not in stored_nf:
                self.find(seq, "nullifier", "a published nullifier is missing from the nullifier table")

        rows = self.conn.execute("SELECT leaf_index, cm, seq FROM leaves")
        stored_leaves = {i: (bytes(cm), seq) for i, cm, seq in rows}
        for i, (cm, seq) in enumerate(self.leaves):
            stored = stored_leaves.pop(i, None)
            if stored is None:
                self.find(seq, "commitment", f"leaf {i} is missing from the leaves table")
            elif stored != (fe_bytes(cm), seq):
                self.find(seq, "commitment", f"the stored leaf {i} differs from the commitment in the log")
        for i, (_, seq) in sorted(stored_leaves.items()):
            self.find(seq, "commitment", f"the leaves table holds a leaf {i} no transaction created")

        self.tree_nodes()

        stored_roots = {p: (bytes(r), s) for p, r, s in self.conn.execute("SELECT position, root, seq FROM roots")}
        for position, (root, seq) in enumerate(self.roots):
            if stored_roots.pop(position, None) != (fe_bytes(root), seq):
                self.find(seq, "root", f"root history entry {position} differs from the recomputed root")
        for position, (_, seq) in sorted(stored_roots.items()):
            self.find(seq, "root", f"the root history holds an entry {position} no transaction produced")

        row = self.conn.execute(
            "SELECT entries, head_hash, pool_balance, leaf_count FROM ledger_state WHERE id = 1"
        ).fetchone()
        head = report.entries
        if row is None:
            self.find(head, "state", "the ledger state row is missing")
        else:
            entries, head_hash, pool, leaf_count = row
            if entries != report.entries or bytes(head_hash) != report.head_hash:
                self.find(head, "state", "the recorded head (entry count, hash) differs from the log")
            if str(pool) != str(self.pool):
                self.find(head, "state", f"the recorded pool balance {pool} differs from the recomputed {self.pool}")
            if leaf_count != len(self.leaves):
                self.find(head, "state", f"the recorded leaf count {leaf_count} differs from {len(self.leaves)}")
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
                self.find(writer(*key), "tree", f"stored tree node (level {key[0]}, position {key[1]}) is wrong")
        for key in sorted(stored):
            self.find(writer(*key), "tree", f"stored tree node (level {key[0]}, position {key[1]}) should not exist")


def audit(source: Ledger | str | os.PathLike, *, genesis_hash: bytes | None = None, rng=None) -> AuditReport:
    """Replay and re-verify the ledger at ``source`` (a path or an open Ledger); never raises for a bad ledger.

    ``genesis_hash``, when given, is the published genesis hash the file must
    carry. ``rng`` drives the batch-verification weights (default: the OS's
    CSPRNG; pass a seeded one only in tests).
    """
    path = Path(source.path if isinstance(source, Ledger) else source)
    report = AuditReport(path=str(path))
    if not path.is_file():
        report.findings.append(Finding(0, "file", f"no ledger file at {path}"))
        return report
    try:
        conn = sqlite3.connect(f"{sqlite_uri(path)}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        report.findings.append(Finding(0, "file", f"the ledger file cannot be opened: {exc}"))
        return report
    try:
        auditor = _Auditor(conn, report, rng)
        # One read transaction: the whole replay sees one consistent snapshot even while the ledger keeps writing.
        conn.execute("BEGIN")
        if auditor.genesis(genesis_hash):
            auditor.replay()
            auditor.proofs()
            auditor.derived()
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        report.findings.append(Finding(0, "file", f"the ledger file cannot be read: {exc}"))
    finally:
        conn.close()
    return report
