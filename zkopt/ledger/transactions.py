"""The transaction kinds as the ledger sees them: which named public input plays which role.

The ledger never hard-codes positions. Each kind's ``KindSpec`` names the
public signals it acts on (nullifiers to record, output commitments to append,
the Merkle root to check, the amount that moves the pool balance, the
settlement's asset, expiry and price, the open's asset and scenario grid);
the positions come from the public names recorded at genesis for that kind's
circuit. Every other public input (the withdrawal's recipient) is bound by
the proof and logged, and the ledger does nothing else with it.

Also here: ``Transaction``, the one submitted object, and its JSON form
``{"kind", "public": [decimal strings], "proof": snarkjs proof object,
"notes": [hex strings]}`` (``notes``, optional: the new notes' openings
encrypted to their owners, opaque to the ledger); a bundle's JSON form
``{"bundle": [transaction, ...]}`` (``parse_submission``); and ``Receipt``,
what an accepted entry (a transaction or a price report) got.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zkopt import field
from zkopt.errors import MalformedInput, MalformedProof
from zkopt.groth16 import Proof
from zkopt.groth16 import snarkjs


@dataclass(frozen=True)
class KindSpec:
    """The roles of named public inputs in one transaction kind.

    ``amount_sign`` is +1 when ``amount`` enters the pool (deposit), -1 when
    it leaves (withdraw). ``settlement`` is (asset, expiry, price) for the
    kind that needs an attested price. ``grid`` names a public array
    ``grid[0] .. grid[G-1]`` that must have at least ``min_grid`` entries;
    ``margin_asset`` names the public asset whose attested spot and the
    genesis's margin shocks fix that grid (the margin policy). ``opens_until``
    names the expiry of a position the transaction opens, which must lie
    after the ledger's clock. ``condition`` names a public commitment that,
    when not 0, another transaction of the same bundle must create (a premium
    paid only together with the option it pays for).
    """

    kind: str
    nullifiers: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    root: str | None = None
    amount: str | None = None
    amount_sign: int = 0
    settlement: tuple[str, str, str] | None = None
    grid: str | None = None
    min_grid: int = 0
    margin_asset: str | None = None
    opens_until: str | None = None
    condition: str | None = None

    def role_names(self) -> tuple[str, ...]:
        """Every public name this spec gives a role, in a fixed order."""
        names = [*self.nullifiers, *self.outputs]
        if self.root:
            names.append(self.root)
        if self.amount:
            names.append(self.amount)
        if self.settlement:
            names.extend(self.settlement)
        if self.margin_asset:
            names.append(self.margin_asset)
        if self.opens_until:
            names.append(self.opens_until)
        if self.condition:
            names.append(self.condition)
        return tuple(names)

    def grid_names(self, names: Sequence[str]) -> tuple[str, ...]:
        """The ``grid[i]`` names among ``names``, in index order (empty when this kind has no grid)."""
        if not self.grid:
            return ()
        pattern = re.compile(re.escape(self.grid) + r"\[(0|[1-9][0-9]*)\]")
        found = sorted((int(m.group(1)), n) for n in names if (m := pattern.fullmatch(n)))
        return tuple(n for _, n in found)

    def check_layout(self, names: Sequence[str]) -> None:
        """Raise MalformedInput unless ``names`` (a circuit's public signals) can serve this kind."""
        if len(set(names)) != len(names):
            raise MalformedInput(f"{self.kind}: public signal names are not unique")
        missing = [n for n in self.role_names() if n not in names]
        if missing:
            raise MalformedInput(f"{self.kind}: the circuit has no public signal {missing[0]!r}")
        if self.grid:
            pattern = re.compile(re.escape(self.grid) + r"\[(0|[1-9][0-9]*)\]")
            indices = sorted(int(m.group(1)) for n in names if (m := pattern.fullmatch(n)))
            if indices != list(range(len(indices))):
                raise MalformedInput(f"{self.kind}: {self.grid}[i] must be numbered 0 .. G-1 without gaps")
            if len(indices) < self.min_grid:
                raise MalformedInput(
                    f"{self.kind}: the scenario grid has {len(indices)} prices, at least {self.min_grid} are required"
                )


#: The transaction kinds of DESIGN.md and the role of each of their public inputs.
SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec("deposit", outputs=("cm_out",), amount="amount", amount_sign=+1),
        KindSpec(
            "open",
            root="root",
            nullifiers=("nf_in",),
            outputs=("cm_option", "cm_change"),
            grid="grid",
            min_grid=8,
            margin_asset="asset",
            opens_until="expiry",
        ),
        KindSpec(
            "settle",
            root="root",
            nullifiers=("nf_option",),
            outputs=("cm_holder", "cm_writer"),
            settlement=("asset", "expiry", "price"),
        ),
        KindSpec(
            "withdraw", root="root", nullifiers=("nf_in",), outputs=("cm_change",), amount="amount", amount_sign=-1
        ),
        KindSpec(
            "transfer", root="root", nullifiers=("nf_a", "nf_b"), outputs=("cm_out_a", "cm_out_b"), condition="condition"
        ),
    )
}

#: At most this many encrypted notes on one transaction, each at most this many bytes.
MAX_NOTES, MAX_NOTE_BYTES = 4, 512
#: A bundle holds 1 .. MAX_BUNDLE transactions.
MAX_BUNDLE = 8


def check_notes(notes: object) -> tuple[bytes, ...]:
    """``notes`` as a tuple of bytes within the limits; MalformedInput otherwise."""
    if isinstance(notes, (str, bytes)) or not isinstance(notes, Sequence):
        raise MalformedInput("a transaction's notes must be a list of ciphertexts")
    if len(notes) > MAX_NOTES:
        raise MalformedInput(f"a transaction carries at most {MAX_NOTES} encrypted notes, got {len(notes)}")
    for i, note in enumerate(notes):
        if not isinstance(note, (bytes, bytearray)) or not 0 < len(note) <= MAX_NOTE_BYTES:
            raise MalformedInput(f"encrypted note {i} must be 1 to {MAX_NOTE_BYTES} bytes")
    return tuple(bytes(n) for n in notes)


def _notes_from_json(raw: object) -> tuple[bytes, ...]:
    if not isinstance(raw, list):
        raise MalformedInput("transaction notes must be a list of hex strings")
    out = []
    for i, text in enumerate(raw):
        if not isinstance(text, str) or len(text) > 2 * MAX_NOTE_BYTES or not re.fullmatch(r"(?:[0-9a-f]{2})+", text):
            raise MalformedInput(f"encrypted note {i} is not lowercase hex of at most {MAX_NOTE_BYTES} bytes")
        out.append(bytes.fromhex(text))
    return check_notes(out)

@dataclass(frozen=True)
class Transaction:
    """One submitted transaction: its kind, its public inputs in circuit order, and the Groth16 proof."""

    kind: str
    public: tuple[int, ...]
    proof: Proof
    notes: tuple[bytes, ...] = ()

    def to_json(self) -> dict:
        out = {
            "kind": self.kind,
            "public": snarkjs.public_to_json(list(self.public)),
            "proof": snarkjs.proof_to_json(self.proof),
        }
        if self.notes:
            out["notes"] = [note.hex() for note in self.notes]
        return out

    @staticmethod
    def from_json(obj: object) -> Transaction:
        """Parse the JSON form strictly; raises MalformedInput (MalformedProof for the proof) with one line."""
        if not isinstance(obj, Mapping):
            raise MalformedInput("a transaction must be a JSON object with kind, public and proof")
        unknown = sorted(set(obj) - {"kind", "public", "proof", "notes"})
        if unknown:
            raise MalformedInput(f"transaction has an unknown field {unknown[0]!r}")
        missing = [k for k in ("kind", "public", "proof") if k not in obj]
        if missing:
            raise MalformedInput(f"transaction lacks {missing[0]!r}")
        kind = obj["kind"]
        if not isinstance(kind, str):
            raise MalformedInput("transaction kind must be a string")
        raw = obj["public"]
        if not isinstance(raw, list):
            raise MalformedInput("transaction public inputs must be a list of decimal strings")
        public = []
        for i, text in enumerate(raw):
            # Parse without the < r bound so the ledger can name a non-canonical input precisely.
            try:
                public.append(field.parse_decimal(text, 1 << 512, f"public input {i}"))
            except ValueError as exc:
                raise MalformedInput(str(exc)) from None
        proof = snarkjs.proof_from_json(obj["proof"])
        notes = _notes_from_json(obj["notes"]) if "notes" in obj else ()
        return Transaction(kind, tuple(public), proof, notes)


def parse_submission(obj: object) -> list[Transaction] | Transaction:
    """A transaction's JSON form, or a bundle's ``{"bundle": [...]}`` as a list; MalformedInput with one line."""
    if isinstance(obj, Mapping) and "bundle" in obj:
        if set(obj) != {"bundle"}:
            raise MalformedInput("a bundle is {\"bundle\": [transaction, ...]} and nothing else")
        items = obj["bundle"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BUNDLE:
            raise MalformedInput(f"a bundle holds 1 to {MAX_BUNDLE} transactions")
        out = []
        for i, item in enumerate(items):
            try:
                out.append(Transaction.from_json(item))
            except MalformedInput as exc:
                raise MalformedInput(f"bundle transaction {i + 1} of {len(items)}: {exc}") from None
        return out
    return Transaction.from_json(obj)


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


def named_values(names: Sequence[str], values: Sequence[int]) -> dict[str, int]:
    """Map public names to values; MalformedProof when the counts differ."""
    if len(names) != len(values):
        raise MalformedProof(f"expected {len(names)} public inputs, got {len(values)}")
    return dict(zip(names, values))
