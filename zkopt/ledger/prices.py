"""Price reports: ``post_price`` appends one attested (asset, expiry, price) entry to the log, or refuses it.

A mixin of ``Ledger`` (``store.py``): the committee's rules are
``oracle.check_report``; the ledger adds that each (asset, expiry) has one
final price, the first accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from zkopt.errors import LedgerRejected, MalformedInput, MalformedSubmission
from zkopt.ledger import oracle, rules, schema
from zkopt.ledger.oracle import Attestation
from zkopt.ledger.schema import fe_bytes, u64_bytes
from zkopt.ledger.transactions import Receipt


class Prices:
    """``Ledger.post_price`` and ``post_price_json``; needs the Ledger's ``genesis``, ``_write``, ``_now_in_order``,
    ``_head`` and ``_tree``."""

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
            now = self._now_in_order()
            final = oracle.check_report(attestations, self.genesis.committee, self.genesis.threshold, now)
            existing = conn.execute(
                "SELECT seq FROM price_reports WHERE asset = ? AND expiry = ?",
                (fe_bytes(final.asset), u64_bytes(final.expiry)),
            ).fetchone()
            rules.first_final_price(final.asset, final.expiry, existing[0] if existing else None)
            entries, head, pool, leaves = self._head()
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
            self._written_head = (seq, digest, pool, leaves)
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
            raise MalformedSubmission("malformed price report: expected a list of attestations")
        try:
            parsed = [Attestation.from_json(a) for a in items]
        except MalformedInput as exc:
            raise MalformedSubmission(f"malformed price report: {exc}") from None
        return self.post_price(parsed)
