"""Selective disclosure: the owner of one note reveals its opening, and anyone checks it against the ledger.

An opening is the note's fields (``CashNote`` / ``OptionNote``) as JSON,
``{"type": "cash" | "option", "note": {field: decimal string}}``. Checking it
needs no other secret: recompute the commitment, find it among the ledger's
leaves, and report the entry that created it. For an option note the
nullifier ``Poseidon(NULLIFIER_TAG, rho, cm)`` follows from the opening too, so the
check also says whether (and in which entry) the position was settled; a cash
note's nullifier needs the owner's spending key, so its spent status is not
disclosed.

A disclosure proves what the note holds and that the ledger recorded it; it
does not re-check the ledger itself (run ``audit`` for that).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from zkopt.errors import InvalidProof, MalformedInput
from zkopt.ledger import Ledger
from zkopt.native.notes import CashNote, OptionNote

_TYPES = {"cash": CashNote, "option": OptionNote}


def export_opening(note: CashNote | OptionNote) -> dict:
    """The JSON opening of one note, to hand to an auditor or counterparty."""
    for name, cls in _TYPES.items():
        if isinstance(note, cls):
            return {"type": name, "note": note.to_dict()}
    raise MalformedInput("only a CashNote or an OptionNote can be disclosed")


def parse_opening(opening: object) -> CashNote | OptionNote:
    """Parse an opening strictly; MalformedInput with one line when it is not one."""
    if not isinstance(opening, Mapping) or set(opening) != {"type", "note"}:
        raise MalformedInput('an opening is a JSON object {"type": "cash" | "option", "note": {...}}')
    cls = _TYPES.get(opening["type"])
    if cls is None:
        raise MalformedInput(f"unknown note type {opening['type']!r}; expected cash or option")
    try:
        return cls.from_dict(dict(opening["note"]) if isinstance(opening["note"], Mapping) else opening["note"])
    except ValueError as exc:
        raise MalformedInput(f"opening: {exc}") from None


@dataclass(frozen=True)
class Disclosure:
    """A checked opening: the disclosed values and where the ledger holds the note."""

    note_type: str
    values: dict[str, int]
    commitment: int
    leaf_index: int
    seq: int
    kind: str
    accepted_at: int
    nullifier: int | None = None
    spent_in: int | None = None

    def to_json(self) -> dict:
        return {
            "type": self.note_type,
            "values": {k: str(v) for k, v in self.values.items()},
            "commitment": str(self.commitment),
            "leaf_index": self.leaf_index,
            "seq": self.seq,
            "kind": self.kind,
            "accepted_at": self.accepted_at,
            "nullifier": None if self.nullifier is None else str(self.nullifier),
            "spent_in": self.spent_in,
        }


def check_disclosure(ledger: Ledger | str | os.PathLike, opening: object) -> Disclosure:
    """Check that the opened note is on the ledger and return what it discloses.

    Raises MalformedInput for an unusable opening and InvalidProof when the
    note's commitment is not on the ledger (a wrong value in any field gives
    another commitment).
    """
    note = parse_opening(opening)
    if isinstance(ledger, Ledger):
        return _check(ledger, note, opening["type"])
    with Ledger.open(ledger) as opened:
        return _check(opened, note, opening["type"])


def _check(ledger: Ledger, note: CashNote | OptionNote, note_type: str) -> Disclosure:
    cm = note.commitment()
    found = ledger.find_commitment(cm)
    if found is None:
        raise InvalidProof("the disclosed note's commitment is not on the ledger")
    leaf_index, seq = found
    entry = ledger.entry(seq)
    nullifier = spent_in = None
    if isinstance(note, OptionNote):
        nullifier = note.nullifier()
        spent_in = ledger.nullifier_seq(nullifier)
    return Disclosure(
        note_type=note_type,
        values={k: int(v) for k, v in note.to_dict().items()},
        commitment=cm,
        leaf_index=leaf_index,
        seq=seq,
        kind=entry.get("kind", entry["entry_type"]),
        accepted_at=entry["accepted_at"],
        nullifier=nullifier,
        spent_in=spent_in,
    )
