"""Many transactions at once: ``submit_batch`` (each judged alone) and ``submit_bundle`` (all or none).

A mixin of ``Ledger`` (``store.py``), kept apart because it is the one place
that judges several transactions under one write lock: the stateless rules
and the proofs first (one batch verification per kind), then, in one SQLite
transaction, each transaction's state rules on the state the previous ones
left. A batch applies the good ones and reports the rest; a bundle applies
every one or none, its entries recording (first seq, size) so the auditor can
check it whole, and its conditions (``rules.bundle_conditions``) must hold
among its own transactions.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from zkopt.errors import InvalidProof, LedgerRejected, MalformedProof, MalformedSubmission
from zkopt.groth16 import verify_batch
from zkopt.groth16.verifier import check_proof
from zkopt.ledger import rules
from zkopt.ledger.rules import RuleBroken
from zkopt.ledger.transactions import Receipt, Transaction


@dataclasses.dataclass(frozen=True)
class JudgedBatch:
    """A batch after ``judge_batch``: per transaction its shape, and None (passed) or the refusal in ``results``."""

    genesis: object
    transactions: list
    shapes: dict
    results: list


class Batches:
    """``Ledger.submit_batch`` and ``Ledger.submit_bundle``; needs the Ledger's ``_names``, ``_prepared``,
    ``_write``, ``_now_in_order``, ``_look_ahead``, ``_head`` and ``_append``."""

    #: What checks the proofs of a kind: ``groth16.verify_batch`` or what keeps its contract (a server sets
    #: ``TwoProcessVerifier.verify_batch``, which checks half of each batch in a helper process).
    batch_verifier = staticmethod(verify_batch)

    def submit_batch(self, transactions: Sequence[Transaction]) -> list[Receipt | LedgerRejected]:
        """Judge each transaction as ``submit`` would, in order at one clock reading; apply the good ones together.

        Returns per transaction its ``Receipt`` or the ``LedgerRejected`` that
        refused it (a refused one changes nothing; the rest go on). The proofs
        of a kind are checked with one ``batch_verifier`` call (128-bit random
        weights, one final exponentiation), one by one only to name the bad
        ones. The accepted ones are written in one SQLite transaction: a
        failure while writing refuses them all. Each is logged as an ordinary
        entry, so the auditor replays a batch entry by entry with the same
        rules: a root must be recent as of the transaction's own place in the
        log (docs/ledger.md "Batches and the root window").

        It is ``apply_judged(judge_batch(transactions))``: a server judges the
        next batch while the previous one is written.
        """
        return self.apply_judged(self.judge_batch(transactions))

    def judge_batch(self, transactions: Sequence[Transaction]) -> JudgedBatch:
        """What ``submit_batch`` checks before it takes the write lock: each transaction's shape, its notes, its
        proof's points, and the proofs of each kind in one batch verification. Reads no database (the genesis
        is in memory), so it may run in another thread than the one that writes."""
        if isinstance(transactions, (str, bytes, Mapping)) or not isinstance(transactions, Iterable):
            raise LedgerRejected("a batch is a list of Transaction objects")
        transactions = list(transactions)
        results: list[Receipt | LedgerRejected | None] = [None] * len(transactions)
        shapes: dict[int, tuple] = {}
        for i, tx in enumerate(transactions):
            try:
                if not isinstance(tx, Transaction):
                    raise LedgerRejected("a batch holds Transaction objects")
                shapes[i] = rules.transaction_shape(tx.kind, self._names, list(tx.public), tx.proof)
                rules.encrypted_notes(tx.notes)
                check_proof(tx.proof)
            except MalformedProof as exc:
                results[i] = MalformedSubmission(f"malformed proof: {exc}")
            except LedgerRejected as exc:
                results[i] = exc
        for kind in sorted({transactions[i].kind for i in shapes if results[i] is None}):
            batch = [i for i in shapes if results[i] is None and transactions[i].kind == kind]
            items = [(list(transactions[i].public), transactions[i].proof) for i in batch]
            try:
                self.batch_verifier(self._prepared(kind), items, points_checked=True)
            except InvalidProof as exc:
                for j in exc.indices:
                    results[batch[j]] = LedgerRejected(f"the proof does not verify under the {kind} verification key")
            except LedgerRejected as exc:  # an unusable key refuses its whole kind
                for i in batch:
                    results[i] = exc
        return JudgedBatch(self.genesis, transactions, shapes, results)

    def apply_judged(self, judged: JudgedBatch) -> list[Receipt | LedgerRejected]:
        """The rest of ``submit_batch``: the state rules of each verified transaction, in order, and one write."""
        if not isinstance(judged, JudgedBatch) or judged.genesis is not self.genesis:
            raise LedgerRejected("a batch is applied by the ledger that judged it")
        transactions, shapes, results = judged.transactions, judged.shapes, list(judged.results)
        verified = [i for i in range(len(transactions)) if results[i] is None]
        if not verified:
            return results
        applied: dict[int, Receipt | LedgerRejected] = {}
        try:
            with self._write():
                now = self._now_in_order()
                self._look_ahead([shapes[i] for i in verified])
                for i in verified:
                    tx = transactions[i]
                    try:
                        applied[i] = self._append(now, tx.kind, *shapes[i], list(tx.public), tx.proof, tx.notes)
                    except RuleBroken as exc:  # its rules only read: nothing of it was written
                        applied[i] = exc
        except LedgerRejected as exc:  # nothing was committed, so no receipt stands
            applied = dict.fromkeys(verified, exc)
        for i, outcome in applied.items():
            results[i] = outcome
        return results

    def submit_bundle(self, transactions: Sequence[Transaction]) -> list[Receipt]:
        """Accept every transaction of the bundle, in order, in one SQLite transaction, or none (file unchanged).

        Each is judged as ``submit`` judges it, on the state the previous ones
        left, all at one clock reading; in addition every non-zero condition
        must be an output commitment of another transaction of the bundle.
        The proofs of a kind are checked with one batch verification. Each
        entry records (first seq, size) of its bundle in its hashed bytes, so
        the auditor checks the bundle whole. A refusal names the transaction:
        ``LedgerRejected("bundle transaction i of n: reason")``.
        """
        if isinstance(transactions, (str, bytes, Mapping)) or not isinstance(transactions, Iterable):
            raise MalformedSubmission("a bundle is a list of Transaction objects")
        transactions = list(transactions)
        rules.bundle_size(len(transactions))
        n = len(transactions)
        shapes = []
        for i, tx in enumerate(transactions):
            with _naming(i, n):
                if not isinstance(tx, Transaction):
                    raise MalformedSubmission("a bundle holds Transaction objects")
                shapes.append(rules.transaction_shape(tx.kind, self._names, list(tx.public), tx.proof))
                rules.encrypted_notes(tx.notes)
                try:
                    check_proof(tx.proof)
                except MalformedProof as exc:
                    raise MalformedSubmission(f"malformed proof: {exc}") from None
        rules.bundle_conditions(shapes)
        for kind in sorted({tx.kind for tx in transactions}):
            members = [i for i, tx in enumerate(transactions) if tx.kind == kind]
            try:
                self.batch_verifier(
                    self._prepared(kind),
                    [(list(transactions[i].public), transactions[i].proof) for i in members],
                    points_checked=True,
                )
            except InvalidProof as exc:
                with _naming(members[exc.indices[0]], n):
                    raise LedgerRejected(f"the proof does not verify under the {kind} verification key") from None

        with self._write():
            now = self._now_in_order()
            self._look_ahead(shapes)
            first = self._head()[0] + 1
            receipts = []
            for i, (tx, (spec, values)) in enumerate(zip(transactions, shapes)):
                with _naming(i, n):
                    receipts.append(
                        self._append(now, tx.kind, spec, values, list(tx.public), tx.proof, tx.notes, (first, n))
                    )
            return receipts



@contextlib.contextmanager
def _naming(index: int, size: int):
    """Prefix a refusal with the bundle transaction it is about (the refusal keeps its class and check)."""
    try:
        yield
    except LedgerRejected as exc:
        prefix = f"bundle transaction {index + 1} of {size}: "
        if not exc.reason.startswith("bundle transaction"):
            exc.reason = prefix + exc.reason
            exc.args = (exc.reason, *exc.args[1:])
        raise
