"""The wallet's records: a note it can open (``WalletNote``), a proved transaction (``Built``) and its outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zkopt.errors import MalformedInput, shown
from zkopt.native.notes import CashNote, OptionNote

if TYPE_CHECKING:
    from zkopt.groth16 import Proof
    from zkopt.ledger import Receipt

#: Hex digits of a commitment that name a note.
NOTE_ID_DIGITS = 12


def note_id(note: CashNote | OptionNote) -> str:
    """A note's name: the first 12 hex digits of its commitment."""
    return f"{note.commitment():064x}"[:NOTE_ID_DIGITS]


@dataclass
class WalletNote:
    """A note this wallet can open, where it is on the ledger, and whether it is spent."""

    note: CashNote | OptionNote
    origin: str
    leaf_index: int | None = None
    created_in: int | None = None
    spent_in: int | None = None

    @property
    def id(self) -> str:
        return note_id(self.note)

    @property
    def type(self) -> str:
        return "cash" if isinstance(self.note, CashNote) else "option"

    @property
    def status(self) -> str:
        """pending (not yet found on the ledger), unspent, or spent (settled, for an option)."""
        if self.spent_in is not None:
            return "spent"
        return "pending" if self.leaf_index is None else "unspent"

    def to_json(self, openings: bool = True) -> dict:
        """The wallet-file form; without ``openings`` the rho is left out (as ``wallet notes --json`` prints it)."""
        values = self.note.to_dict()
        if not openings:
            values.pop("rho")
        return {
            "id": self.id,
            "type": self.type,
            "note": values,
            "origin": self.origin,
            "leaf_index": self.leaf_index,
            "created_in": self.created_in,
            "spent_in": self.spent_in,
        }

    @staticmethod
    def from_json(obj: object) -> WalletNote:
        if not isinstance(obj, Mapping):
            raise MalformedInput("a wallet note must be a JSON object")
        kind = obj.get("type")
        cls = {"cash": CashNote, "option": OptionNote}.get(kind)
        if cls is None:
            raise MalformedInput(f"wallet note type {shown(kind)} is not cash or option")
        try:
            note = cls.from_dict(obj.get("note"))
        except ValueError as exc:
            raise MalformedInput(f"wallet note: {exc}") from None
        if "id" in obj and obj["id"] != note_id(note):
            raise MalformedInput(f"wallet note {shown(obj['id'])} does not match its opening (commitment {note_id(note)})")
        out = WalletNote(note, str(obj.get("origin", "")))
        for name in ("leaf_index", "created_in", "spent_in"):
            value = obj.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise MalformedInput(f"wallet note {out.id}: {name} must be a non-negative integer or null")
            setattr(out, name, value)
        return out


@dataclass
class Built:
    """A proved transaction: kind, public inputs (named), proof, what it spends and creates, and timings."""

    kind: str
    public: list[int]
    names: list[str]
    proof: Proof
    spends: list[str] = field(default_factory=list)
    creates: list[WalletNote] = field(default_factory=list)
    share: OptionNote | None = None
    grid: list[int] | None = None
    prove_seconds: float = 0.0
    #: (note, X25519 public key of its owner) for each new note, sealed into ``sealed`` before submitting.
    deliver: list[tuple[CashNote | OptionNote, bytes]] = field(default_factory=list)
    sealed: tuple[bytes, ...] = ()

    def transaction(self):
        """The ``zkopt.ledger.Transaction`` with its sealed notes."""
        from zkopt.ledger import Transaction

        return Transaction(self.kind, tuple(self.public), self.proof, self.sealed)

    def to_json(self) -> dict:
        """The transaction file ``{"kind", "public", "proof", "notes"}`` that ``zkopt ledger submit`` reads."""
        return self.transaction().to_json()

    def named(self) -> dict[str, int]:
        return dict(zip(self.names, self.public))


@dataclass
class Outcome:
    """What a wallet transaction did: the proved transaction and, when it was submitted, the ledger's receipt."""

    tx: Built
    receipt: Receipt | None = None
