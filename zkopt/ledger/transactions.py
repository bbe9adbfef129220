"""The four transaction kinds as the ledger sees them: which named public input plays which role.

The ledger never hard-codes positions. Each kind's ``KindSpec`` names the
public signals it acts on (nullifiers to record, output commitments to append,
the Merkle root to check, the amount that moves the pool balance, the
settlement's asset, expiry and price, the open's asset and scenario grid);
the positions come from the public names recorded at genesis for that kind's
circuit. Every other public input (the withdrawal's recipient) is bound by
the proof and logged, and the ledger does nothing else with it.

Also here: ``Transaction``, the one submitted object, and its JSON form
``{"kind", "public": [decimal strings], "proof": snarkjs proof object}``; and
``Receipt``, what an accepted entry (a transaction or a price report) got.
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
    after the ledger's clock.
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
    )
}

@dataclass(frozen=True)
class Transaction:
    """One submitted transaction: its kind, its public inputs in circuit order, and the Groth16 proof."""

    kind: str
    public: tuple[int, ...]
    proof: Proof

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "public": snarkjs.public_to_json(list(self.public)),
            "proof": snarkjs.proof_to_json(self.proof),
        }

    @staticmethod
    def from_json(obj: object) -> Transaction:
        """Parse the JSON form strictly; raises MalformedInput (MalformedProof for the proof) with one line."""
        if not isinstance(obj, Mapping):
            raise MalformedInput("a transaction must be a JSON object with kind, public and proof")
        unknown = sorted(set(obj) - {"kind", "public", "proof"})
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
        return Transaction(kind, tuple(public), proof)


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
