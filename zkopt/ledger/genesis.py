"""The genesis of a ledger: per kind its verification key and public layout; the tree; the oracle; the margin shocks.

Everything here is fixed when the ledger is created and bound by the genesis
hash, which is the "previous hash" of the first log entry. A verification
key is kept as the exact snarkjs JSON text (``snarkjs.dumps``) and bound by
the SHA-256 of that text, so anyone holding the published
``verification_key.json`` can check it is the one the ledger uses.

The margin policy is part of the genesis: ``margin_shocks`` (ints in
millionths, one per grid price of the open circuit) turn the last attested
spot of an asset into the only scenario grid an open on that asset may use,
``payoff.default_grid(spot, margin_shocks)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zkopt.errors import MalformedInput, MalformedKey
from zkopt.groth16 import VerifyingKey
from zkopt.groth16 import snarkjs
from zkopt.ledger import oracle, schema
from zkopt.ledger.transactions import SPECS
from zkopt.native.merkle import DEFAULT_DEPTH, DEFAULT_HISTORY
from zkopt.native.payoff import DEFAULT_SHOCKS, SCALE

#: Deepest tree a ledger accepts (2^32 notes is far beyond what SQLite rows of a single file should hold).
MAX_TREE_DEPTH = 32

#: Largest margin shock (millionths): +10,000%. The smallest is -100% (a price cannot go below 0).
MAX_SHOCK = 100 * SCALE
MIN_SHOCK = -SCALE


@dataclass(frozen=True)
class CircuitEntry:
    """One transaction kind's circuit: its snarkjs verification key (text) and its public signal names in order.

    ``transcript_hash`` (64 bytes) names the multi-party setup the key came
    from (``zkopt.ceremony.phase2.Report.transcript_hash``; ``zkopt audit
    --transcripts`` re-verifies it); None for a single-party setup.
    """

    vk_json: str
    public_names: tuple[str, ...]
    transcript_hash: bytes | None = None

    @staticmethod
    def from_vk(vk: VerifyingKey, public_names: Sequence[str]) -> CircuitEntry:
        """Record a verifying key in snarkjs form with the circuit's public names (``R1CS.public_names``)."""
        return CircuitEntry(snarkjs.dumps(snarkjs.vk_to_json(vk)), tuple(public_names))

    @property
    def vk_sha256(self) -> bytes:
        return hashlib.sha256(self.vk_json.encode("utf-8")).digest()

    def verifying_key(self) -> VerifyingKey:
        """Parse and validate the key; MalformedKey with one line when it is unusable."""
        try:
            obj = json.loads(self.vk_json)
        except (TypeError, ValueError):
            raise MalformedKey("verification key is not valid JSON") from None
        return snarkjs.vk_from_json(obj)


@dataclass(frozen=True)
class Genesis:
    """Everything a ledger is created with; validated on construction (MalformedInput / MalformedKey)."""

    circuits: Mapping[str, CircuitEntry]
    committee: tuple[bytes, ...]
    threshold: int
    tree_depth: int = DEFAULT_DEPTH
    root_history: int = DEFAULT_HISTORY
    margin_shocks: tuple[int, ...] = DEFAULT_SHOCKS
    _keys: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "circuits", dict(self.circuits))
        object.__setattr__(self, "committee", tuple(bytes(k) for k in self.committee))
        if isinstance(self.margin_shocks, (str, bytes)) or not isinstance(self.margin_shocks, Sequence):
            raise MalformedInput("margin shocks must be a list of integers (millionths)")
        object.__setattr__(self, "margin_shocks", tuple(self.margin_shocks))
        for name, value, low, high in (
            ("tree depth", self.tree_depth, 1, MAX_TREE_DEPTH),
            ("root history", self.root_history, 1, 1 << 20),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise MalformedInput(f"{name} must be an integer in [{low}, {high}], got {value!r}")
        if not self.circuits:
            raise MalformedInput("the genesis lists no circuit")
        for kind, entry in self.circuits.items():
            if kind not in SPECS:
                raise MalformedInput(f"unknown transaction kind {kind!r}; known: {', '.join(SPECS)}")
            if not isinstance(entry, CircuitEntry):
                raise MalformedInput(f"{kind}: expected a CircuitEntry")
            if not all(isinstance(n, str) and n for n in entry.public_names):
                raise MalformedInput(f"{kind}: public signal names must be non-empty strings")
            if entry.transcript_hash is not None and (
                    not isinstance(entry.transcript_hash, bytes) or len(entry.transcript_hash) != 64):
                raise MalformedInput(f"{kind}: a setup transcript hash is 64 bytes")
            vk = entry.verifying_key()
            if vk.n_public != len(entry.public_names):
                raise MalformedKey(
                    f"{kind}: the key has {vk.n_public} public inputs but {len(entry.public_names)} names are given"
                )
            SPECS[kind].check_layout(entry.public_names)
            self._keys[kind] = vk
        if not self.margin_shocks:
            raise MalformedInput("the genesis lists no margin shock")
        for i, shock in enumerate(self.margin_shocks):
            if not isinstance(shock, int) or isinstance(shock, bool) or not MIN_SHOCK <= shock <= MAX_SHOCK:
                raise MalformedInput(
                    f"margin shock {i} must be an integer in [{MIN_SHOCK}, {MAX_SHOCK}] (millionths), got {shock!r}"
                )
        if "open" in self.circuits:
            size = len(SPECS["open"].grid_names(self.circuits["open"].public_names))
            if size != len(self.margin_shocks):
                count = len(self.margin_shocks)
                raise MalformedInput(f"open: the circuit takes {size} grid prices but the genesis lists {count} margin shocks")
        if not self.committee:
            raise MalformedInput("the oracle committee is empty")
        for i, key in enumerate(self.committee):
            oracle.check_public_key(key, f"oracle member {i}")
        if len(set(self.committee)) != len(self.committee):
            raise MalformedInput("an oracle key appears twice in the committee")
        if not isinstance(self.threshold, int) or isinstance(self.threshold, bool):
            raise MalformedInput("the oracle threshold must be an integer")
        if not 1 <= self.threshold <= len(self.committee):
            raise MalformedInput(f"the oracle threshold must be in [1, {len(self.committee)}], got {self.threshold}")

    def verifying_key(self, kind: str) -> VerifyingKey:
        return self._keys[kind]

    def encode(self) -> bytes:
        return schema.encode_genesis(
            self.tree_depth,
            self.root_history,
            self.threshold,
            self.committee,
            [(kind, entry.vk_sha256, entry.public_names) for kind, entry in self.circuits.items()],
            self.margin_shocks,
            [(kind, e.transcript_hash) for kind, e in self.circuits.items() if e.transcript_hash is not None],
        )

    def hash(self) -> bytes:
        """The genesis hash: the chain's starting point, to publish with the ledger."""
        return schema.genesis_hash(self.encode())

    def to_json(self) -> dict:
        return {
            "tree_depth": self.tree_depth,
            "root_history": self.root_history,
            "oracle": {"threshold": self.threshold, "members": [k.hex() for k in self.committee]},
            "margin_shocks": list(self.margin_shocks),
            "circuits": {
                kind: {
                    "public_names": list(e.public_names),
                    "vk": json.loads(e.vk_json),
                    "vk_sha256": e.vk_sha256.hex(),
                    **({"transcript_hash": e.transcript_hash.hex()} if e.transcript_hash is not None else {}),
                }
                for kind, e in sorted(self.circuits.items())
            },
        }

    @staticmethod
    def from_json(obj: object) -> Genesis:
        """Parse ``to_json`` output (a stated ``vk_sha256``, if present, must match); raises MalformedInput."""
        try:
            circuits = {}
            for kind, c in obj["circuits"].items():
                transcript = c.get("transcript_hash")
                entry = CircuitEntry(snarkjs.dumps(c["vk"]), tuple(c["public_names"]),
                                     bytes.fromhex(transcript) if transcript is not None else None)
                if "vk_sha256" in c and c["vk_sha256"] != entry.vk_sha256.hex():
                    raise MalformedInput(f"{kind}: the verification key does not match its stated SHA-256")
                circuits[kind] = entry
            members = tuple(bytes.fromhex(k) for k in obj["oracle"]["members"])
            return Genesis(
                circuits=circuits,
                committee=members,
                threshold=obj["oracle"]["threshold"],
                tree_depth=obj.get("tree_depth", DEFAULT_DEPTH),
                root_history=obj.get("root_history", DEFAULT_HISTORY),
                margin_shocks=tuple(obj.get("margin_shocks", DEFAULT_SHOCKS)),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise MalformedInput(f"genesis JSON is malformed: {exc.__class__.__name__}: {exc}") from None

    @staticmethod
    def from_rows(rows: schema.GenesisRows | None) -> Genesis:
        """The genesis a file's tables hold (``schema.read_genesis_rows``), validated: MalformedInput if unusable."""
        if rows is None:
            raise MalformedInput("the ledger file has no genesis")
        shocks = schema.parse_margin_shocks(rows.margin_shocks)
        return Genesis(
            circuits={
                c.kind: CircuitEntry(c.vk_json, tuple(json.loads(c.public_names)), c.transcript_hash)
                for c in rows.circuits
            },
            committee=rows.members,
            threshold=rows.threshold,
            tree_depth=rows.tree_depth,
            root_history=rows.root_history,
            margin_shocks=shocks,
        )
