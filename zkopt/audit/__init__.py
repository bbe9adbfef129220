"""Audit a zkopt ledger without secrets: replay and re-verify the whole log, and check selective disclosures.

``audit(path)`` returns an ``AuditReport`` (``.ok``, ``.findings`` each naming
its log entry, ``.to_text()``, ``.to_json()``); ``check_disclosure(ledger,
opening)`` checks one note's opening against the ledger.
"""

from zkopt.audit.disclosure import Disclosure, check_disclosure, export_opening, parse_opening
from zkopt.audit.replay import AuditReport, Finding, audit

__all__ = ["AuditReport", "Disclosure", "Finding", "audit", "check_disclosure", "export_opening", "parse_opening"]
