"""Deploying a zkopt market on a chain: four verifiers, Poseidon, the pool (and a test token), from a key directory.

``ChainGenesis`` is what the SQLite ``Genesis`` is for a file: per kind the
verification key (exact snarkjs text) and public names, the tree depth, the
root history, the margin shocks, and the committee, here Ethereum addresses
with a threshold. The pool emits it once, as a canonical JSON document in its
``Genesis`` event, and keeps its SHA-256 (``genesisHash``), so every client
and the auditor read the keys from the chain itself and check them.

``deploy`` compiles (solc-js) the verifiers generated from the keys
(``zkopt.evm.solidity``), Poseidon (``zkopt.evm.poseidon_sol``) and the pool
with the config generated from the genesis (``zkopt.evm.pool``), and deploys
them from one account; compiled code is cached per process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zkopt.errors import MalformedInput, MalformedKey
from zkopt.evm import pool as pool_sources
from zkopt.evm import solc, solidity
from zkopt.ledger.genesis import MAX_SHOCK, MIN_SHOCK, CircuitEntry
from zkopt.ledger.transactions import SPECS

GENESIS_FORMAT = "zkopt-chain-genesis/v1"
KINDS = pool_sources.KINDS
#: Gas limit of one deployment transaction (the pool and Poseidon are the large ones).
DEPLOY_GAS = 8_000_000


@dataclass(frozen=True)
class ChainGenesis:
    """A chain market's genesis (see the module docstring); validated on construction (MalformedInput)."""

    circuits: Mapping[str, CircuitEntry]
    committee: tuple[bytes, ...]
    threshold: int
    tree_depth: int
    root_history: int
    margin_shocks: tuple[int, ...]
    _keys: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "circuits", dict(self.circuits))
        object.__setattr__(self, "committee", tuple(bytes(m) for m in self.committee))
        object.__setattr__(self, "margin_shocks", tuple(self.margin_shocks))
        if sorted(self.circuits) != sorted(KINDS):
            raise MalformedInput(f"a chain market needs exactly the circuits {', '.join(KINDS)}")
        for kind, entry in self.circuits.items():
            vk = entry.verifying_key()
            if vk.n_public != len(entry.public_names):
                raise MalformedKey(f"{kind}: the key has {vk.n_public} public inputs, {len(entry.public_names)} names")
            SPECS[kind].check_layout(entry.public_names)
            self._keys[kind] = vk
        if not all(isinstance(s, int) and not isinstance(s, bool) and MIN_SHOCK <= s <= MAX_SHOCK
                   for s in self.margin_shocks):
            raise MalformedInput(f"margin shocks must be integers in [{MIN_SHOCK}, {MAX_SHOCK}] (millionths)")
        if not self.committee or len(self.committee) > 256 or any(len(m) != 20 for m in self.committee):
            raise MalformedInput("the committee must be 1 to 256 Ethereum addresses (20 bytes each)")
        if len(set(self.committee)) != len(self.committee):
            raise MalformedInput("an address appears twice in the committee")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) or not (
            1 <= self.threshold <= len(self.committee)
        ):
            raise MalformedInput(f"the oracle threshold must be in [1, {len(self.committee)}]")
        try:
            self.config_source()
        except ValueError as exc:
            raise MalformedInput(f"the circuits cannot serve the pool: {exc}") from None

    def verifying_key(self, kind: str):
        return self._keys[kind]

    def public_names(self) -> dict[str, tuple[str, ...]]:
        return {kind: tuple(entry.public_names) for kind, entry in self.circuits.items()}

    def config_source(self) -> str:
        return pool_sources.config_source(
            self.public_names(), depth=self.tree_depth, root_history=self.root_history,
            margin_shocks=self.margin_shocks,
        )

    def document(self) -> bytes:
        """The canonical JSON the pool emits and hashes (sorted keys, no spaces)."""
        obj = {
            "format": GENESIS_FORMAT,
            "tree_depth": self.tree_depth,
            "root_history": self.root_history,
            "margin_shocks": list(self.margin_shocks),
            "oracle": {"threshold": self.threshold, "members": ["0x" + m.hex() for m in self.committee]},
            "circuits": {
                kind: {"public_names": list(e.public_names), "vk_json": e.vk_json} for kind, e in sorted(self.circuits.items())
            },
        }
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def hash(self) -> bytes:
        return hashlib.sha256(self.document()).digest()

    @staticmethod
    def from_document(raw: bytes) -> ChainGenesis:
        """Parse ``document()`` output; MalformedInput when it is not one."""
        try:
            obj = json.loads(bytes(raw).decode("utf-8"))
            if obj.get("format") != GENESIS_FORMAT:
                raise ValueError(f"not a {GENESIS_FORMAT} document")
            return ChainGenesis(
                circuits={k: CircuitEntry(c["vk_json"], tuple(c["public_names"])) for k, c in obj["circuits"].items()},
                committee=tuple(bytes.fromhex(m.removeprefix("0x")) for m in obj["oracle"]["members"]),
                threshold=obj["oracle"]["threshold"],
                tree_depth=obj["tree_depth"],
                root_history=obj["root_history"],
                margin_shocks=tuple(obj["margin_shocks"]),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise MalformedInput(f"the pool's genesis document is unusable: {exc.__class__.__name__}: {exc}") from None


def verifier_name(kind: str) -> str:
    return solidity.contract_name(kind)


def contract_sources(genesis: ChainGenesis) -> dict[str, str]:
    """Every source unit of the market: the four verifiers, Poseidon, the config, the pool, the test token."""
    out = pool_sources.sources(genesis.config_source())
    for kind in KINDS:
        out[f"{verifier_name(kind)}.sol"] = solidity.verifier_source(
            genesis.verifying_key(kind), circuit=kind, input_names=genesis.circuits[kind].public_names
        )
    return out


_COMPILED: dict[bytes, dict] = {}


def compile_market(genesis: ChainGenesis, node_modules) -> dict:
    """The compiled contracts of ``contract_sources`` by name (cached per process by the sources' digest)."""
    sources = contract_sources(genesis)
    digest = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).digest()
    if digest not in _COMPILED:
        _COMPILED[digest] = solc.compile_sources(sources, node_modules)
    return _COMPILED[digest]


@dataclass(frozen=True)
class Deployment:
    """Where a market lives: the pool, its token, verifiers and Poseidon, its first block, and each creation's gas."""

    pool: str
    token: str
    verifiers: dict[str, str]
    poseidon: str
    block: int
    gas: dict[str, int]

    def to_json(self) -> dict:
        return {"pool": self.pool, "token": self.token, "verifiers": self.verifiers, "poseidon": self.poseidon,
                "block": self.block, "gas": self.gas}


def _create(w3, compiled, sender: str, *args) -> tuple[str, int]:
    contract = w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    tx = contract.constructor(*args).transact({"from": sender, "gas": DEPLOY_GAS})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1 or not receipt["contractAddress"]:
        raise MalformedInput(f"the creation of {compiled.name} failed")
    return receipt["contractAddress"], int(receipt["gasUsed"])


def deploy(
    w3,
    genesis: ChainGenesis,
    node_modules,
    *,
    sender: str | None = None,
    token: str | None = None,
) -> Deployment:
    """Compile and deploy a market for ``genesis``; with no ``token``, a new ZkoptTestToken (anyone may mint)."""
    compiled = compile_market(genesis, node_modules)
    sender = sender or w3.eth.accounts[0]
    gas = {}
    if token is None:
        token, gas["token"] = _create(w3, compiled[pool_sources.TOKEN], sender)
    elif not w3.eth.get_code(w3.to_checksum_address(token)):
        raise MalformedInput(f"no contract at the token address {token}")
    poseidon, gas["poseidon"] = _create(w3, compiled[pool_sources.POSEIDON], sender)
    verifiers = {}
    for kind in KINDS:
        verifiers[kind], gas[f"{kind}_verifier"] = _create(w3, compiled[verifier_name(kind)], sender)
    members = [w3.to_checksum_address(m) for m in genesis.committee]
    pool, gas["pool"] = _create(
        w3, compiled[pool_sources.POOL], sender, [verifiers[k] for k in KINDS], poseidon,
        w3.to_checksum_address(token), members, genesis.threshold, genesis.document(),
    )
    block = int(w3.eth.contract(address=pool, abi=compiled[pool_sources.POOL].abi).functions.deploymentBlock().call())
    return Deployment(pool, w3.to_checksum_address(token), verifiers, poseidon, block, gas)


def genesis_from_keys(
    entries: Mapping[str, CircuitEntry],
    members: Sequence[bytes],
    threshold: int,
    *,
    depth: int,
    root_history: int = 32,
    margin_shocks: Sequence[int] | None = None,
) -> ChainGenesis:
    """A ChainGenesis from a key directory's entries (``KeyDir.ensure``) and the committee's addresses."""
    from zkopt.native.payoff import DEFAULT_SHOCKS

    return ChainGenesis(
        circuits={k: entries[k] for k in KINDS},
        committee=tuple(members),
        threshold=threshold,
        tree_depth=depth,
        root_history=root_history,
        margin_shocks=tuple(DEFAULT_SHOCKS if margin_shocks is None else margin_shocks),
    )
