"""``ChainLedger``: the ledger interface (``zkopt.ledger.backend``) over a deployed ZkoptPool, with web3.py.

The pool holds the rules; this client only shapes calls and reads. ``submit``
applies the stateless rules the SQLite ledger applies first (kind, counts,
canonical and 64-bit inputs: ``rules.transaction_shape``, so unusable input is
``MalformedSubmission`` on both backends) and then sends the transaction; a
revert becomes ``LedgerRejected`` with the pool's reason. A deposit first
approves the pool for the amount, if its allowance is short. Lookups are the
pool's views; Merkle paths come from a tree rebuilt from the pool's events
(``zkopt.native.merkle``) and are refused unless it ends at the pool's root.

Entries: every transaction and price report is one entry with a seq (the
pool's ``entries``), as in the SQLite log; a receipt's ``entry_hash`` is the
Ethereum transaction hash, its time the block's timestamp, and it carries the
gas used (``ChainReceipt``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.evm import calldata
from zkopt.evm import pool as pool_sources
from zkopt.groth16 import Proof
from zkopt.ledger import rules
from zkopt.ledger.oracle import Attestation, FinalPrice
from zkopt.ledger.store import LedgerState
from zkopt.ledger.transactions import SPECS, Receipt, Transaction
from zkopt.native.merkle import MerklePath, MerkleTree
from zkopt.chain import oracle as chain_oracle
from zkopt.chain.deploy import ChainGenesis

#: Gas limit of one pool transaction (an open at depth 20 uses about 0.8M).
TX_GAS = 5_000_000
_REVERTED = "execution reverted: "


@dataclass(frozen=True)
class ChainReceipt(Receipt):
    """A Receipt from the chain: also the gas the transaction used and its block (``entry_hash`` is the tx hash)."""

    gas_used: int = 0
    block: int = 0
    approve_gas: int = 0


@dataclass(frozen=True)
class ChainEvent:
    """One pool event in chain order: its entry, kind (a transaction kind or 'price'), decoded args, where it is."""

    seq: int
    kind: str
    args: dict
    block: int
    timestamp: int
    tx_hash: bytes
    log_index: int

    @property
    def values(self) -> list[int]:
        """A transaction's public inputs, in circuit order."""
        return [int(v) for v in self.args["input"]]


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc).strip().splitlines()[0] if str(exc) else exc.__class__.__name__
    text = text.strip("'\" ")
    return text[len(_REVERTED):] if text.startswith(_REVERTED) else text


def proof_words(proof: Proof, public: Sequence[int]) -> list[int]:
    """The 8 proof words the pool takes: A, then B in EIP-197's order, then C (``zkopt export calldata``)."""
    a, b, c, _ = calldata.call_arguments(proof, public)
    return [*a, *b[0], *b[1], *c]


class ChainLedger:
    """A client of one pool: ``ChainLedger(w3, pool_address, sender=...)`` (see the module docstring)."""

    #: The pool's events carry no encrypted notes: a wallet shares openings by hand (``wallet share``/``import``).
    carries_notes = False

    def __init__(self, w3, address: str, *, sender: str | None = None):
        self.w3 = w3
        try:
            self.address = w3.to_checksum_address(address)
        except (TypeError, ValueError):
            raise MalformedInput(f"{address!r} is not an Ethereum address") from None
        if not w3.eth.get_code(self.address):
            raise MalformedInput(f"no contract at {self.address}")
        probe = w3.eth.contract(address=self.address, abi=pool_sources.genesis_abi())
        try:
            self.deployment_block = int(probe.functions.deploymentBlock().call())
            genesis_hash = bytes(probe.functions.genesisHash().call())
            logs = probe.events.Genesis().get_logs(from_block=self.deployment_block, to_block=self.deployment_block)
        except Exception as exc:  # a contract that is no pool: bad ABI decode, revert, missing function
            raise MalformedInput(f"{self.address} is not a zkopt pool ({exc.__class__.__name__})") from None
        documents = [bytes(log["args"]["genesis"]) for log in logs if log["address"] == self.address]
        if len(documents) != 1:
            raise MalformedInput(f"{self.address} is not a zkopt pool: no Genesis event in its deployment block")
        self.genesis_document = documents[0]
        self.genesis = ChainGenesis.from_document(self.genesis_document)
        if self.genesis.hash() != genesis_hash:
            raise MalformedInput("the pool's Genesis event does not match its genesis hash")
        self.names = self.genesis.public_names()
        self.pool = w3.eth.contract(address=self.address, abi=pool_sources.abi(self.names))
        self.token = w3.eth.contract(address=self.pool.functions.token().call(), abi=pool_sources.TOKEN_ABI)
        self.sender = w3.to_checksum_address(sender) if sender else w3.eth.accounts[0]
        self._events: list[ChainEvent] = []
        self._next_block = self.deployment_block
        self._tree = MerkleTree(self.genesis.tree_depth, self.genesis.root_history)
        self._decoders = {pool_sources.event_name(k): k for k in pool_sources.KINDS} | {"PricePosted": "price"}

    def close(self) -> None:
        pass

    def __enter__(self) -> ChainLedger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- events -----------------------------------------------------------------------------------

    def events(self, refresh: bool = True) -> list[ChainEvent]:
        """Every entry's event from the deployment block on, in chain order (fetched incrementally)."""
        if refresh:
            self._fetch()
        return list(self._events)

    def _fetch(self) -> None:
        latest = self.w3.eth.block_number
        if latest < self._next_block:
            return
        logs = self.w3.eth.get_logs({"address": self.address, "fromBlock": self._next_block, "toBlock": latest})
        times: dict[int, int] = {}
        for log in sorted(logs, key=lambda item: (item["blockNumber"], item["logIndex"])):
            event = self._decode(log, times)
            if event is None:
                continue
            self._events.append(event)
            if event.kind != "price":
                for name in SPECS[event.kind].outputs:
                    self._tree.append(dict(zip(self.names[event.kind], event.values))[name])
        self._next_block = latest + 1

    def _decode(self, log, times: dict[int, int]) -> ChainEvent | None:
        for name, kind in self._decoders.items():
            handle = getattr(self.pool.events, name)()
            try:
                decoded = handle.process_log(log)
            except Exception:  # web3 raises MismatchedABI (or a decoding error) for another event type
                continue
            block = int(log["blockNumber"])
            if block not in times:
                times[block] = int(self.w3.eth.get_block(block)["timestamp"])
            args = dict(decoded["args"])
            return ChainEvent(int(args["seq"]), kind, args, block, times[block], bytes(log["transactionHash"]),
                              int(log["logIndex"]))
        return None

    # --- reading ------------------------------------------------------------------------------------

    def state(self) -> LedgerState:
        f = self.pool.functions
        head = bytes(self.w3.eth.get_block("latest")["hash"])
        return LedgerState(f.entries().call(), head, f.poolBalance().call(), f.leafCount().call(), f.currentRoot().call())

    def time(self) -> int:
        """The latest block's timestamp: the pool's clock (an open's expiry must lie after the block that includes it)."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    @property
    def root(self) -> int:
        return int(self.pool.functions.currentRoot().call())

    @property
    def pool_balance(self) -> int:
        return int(self.pool.functions.poolBalance().call())

    @property
    def leaf_count(self) -> int:
        return int(self.pool.functions.leafCount().call())

    def token_balance(self) -> int:
        return int(self.token.functions.balanceOf(self.address).call())

    def membership(self, leaf_index: int) -> MerklePath:
        """Leaf ``leaf_index`` with its path, from the events' tree; refused unless it ends at the pool's root."""
        self._fetch()
        path = self._tree.membership(leaf_index)
        if path.root != self.root:
            raise MalformedInput("the pool's events do not rebuild its current root; run zkopt audit --chain")
        return path

    def find_commitment(self, cm: int) -> tuple[int, int] | None:
        if isinstance(cm, bool) or not isinstance(cm, int) or not 0 <= cm < 1 << 256:
            return None
        leaf, seq, found = self.pool.functions.commitment(cm).call()
        return (int(leaf), int(seq)) if found else None

    def nullifier_seq(self, nf: int) -> int | None:
        if isinstance(nf, bool) or not isinstance(nf, int) or not 0 <= nf < 1 << 256:
            return None
        seq = int(self.pool.functions.nullifierSeq(nf).call())
        return seq or None

    def is_spent(self, nf: int) -> bool:
        return self.nullifier_seq(nf) is not None

    def final_price(self, asset: int, expiry: int) -> FinalPrice | None:
        if not (0 <= asset < 1 << 256 and 0 <= expiry < 1 << 256):
            return None
        price, observed, seq = self.pool.functions.finalPrice(asset, expiry).call()
        return FinalPrice(asset, expiry, int(price), int(observed)) if seq else None

    def spot_price(self, asset: int) -> FinalPrice | None:
        expiry, price, observed, seq = self.pool.functions.spotPrice(asset).call()
        return FinalPrice(asset, int(expiry), int(price), int(observed)) if seq else None

    def margin_grid(self, asset: int) -> list[int]:
        if isinstance(asset, bool) or not isinstance(asset, int) or not 0 <= asset < 1 << 256:
            raise LedgerRejected("the asset must be a field element")
        try:
            return [int(p) for p in self.pool.functions.marginGrid(asset).call()]
        except Exception as exc:  # web3's ContractLogicError (a revert) or a provider error
            raise LedgerRejected(_reason(exc)) from None

    # --- writing ------------------------------------------------------------------------------------

    def submit_json(self, tx: object) -> Receipt:
        from zkopt.errors import MalformedSubmission

        try:
            parsed = Transaction.from_json(tx)
        except MalformedInput as exc:
            raise MalformedSubmission(f"malformed transaction: {exc}") from None
        return self.submit(parsed.kind, list(parsed.public), parsed.proof, parsed.notes)

    def submit_bundle(self, transactions: Sequence[Transaction]) -> list[Receipt]:
        """Not on a chain yet: the pool contract takes one transaction per call (docs/ledger.md)."""
        raise LedgerRejected("the pool contract does not take bundles yet: submit bundles to a ledger file")

    def encrypted_notes(self, start: int = 1) -> list[tuple[int, int, bytes]]:
        """None: the pool contract does not carry encrypted notes yet (``carries_notes``)."""
        return []

    def submit_batch(self, transactions: Sequence[Transaction]) -> list[Receipt | LedgerRejected]:
        """Each transaction sent in order as ``submit`` would (the pool verifies each in its own call), its receipt
        or the refusal; a refused one changes nothing and the rest go on, as ``Ledger.submit_batch``."""
        results: list[Receipt | LedgerRejected] = []
        for tx in transactions:
            try:
                if not isinstance(tx, Transaction):
                    raise LedgerRejected("a batch holds Transaction objects")
                results.append(self.submit(tx.kind, list(tx.public), tx.proof, tx.notes))
            except LedgerRejected as exc:
                results.append(exc)
        return results

    def submit(self, kind: str, public: Sequence[int], proof: Proof, notes: Sequence[bytes] = ()) -> Receipt:
        """Send one transaction to the pool; LedgerRejected with the pool's reason when it reverts."""
        spec, values = rules.transaction_shape(kind, self.names, public, proof)
        if notes:
            raise LedgerRejected("the pool contract does not carry encrypted notes yet: share the notes' openings")
        approve_gas = 0
        if spec.amount and spec.amount_sign > 0:
            approve_gas = self._allow(values[spec.amount])
        function = getattr(self.pool.functions, kind)(proof_words(proof, public), [int(v) for v in public])
        receipt, event = self._send(function, pool_sources.event_name(kind))
        args = event["args"]
        first = int(args["firstLeaf"])
        return ChainReceipt(
            seq=int(args["seq"]), entry_type="tx", kind=kind, entry_hash=bytes(receipt["transactionHash"]),
            accepted_at=self._time(receipt), root=int(args["root"]),
            leaf_indices=tuple(range(first, first + len(spec.outputs))), gas_used=int(receipt["gasUsed"]),
            block=int(receipt["blockNumber"]), approve_gas=approve_gas,
        )

    def post_price(self, attestations: Iterable[Attestation]) -> Receipt:
        """Post signed observations of one (asset, expiry, price) as one report (the pool checks the committee)."""
        if isinstance(attestations, Attestation):
            attestations = [attestations]
        if isinstance(attestations, (str, bytes, Mapping)) or not isinstance(attestations, Iterable):
            raise LedgerRejected("a price report is a list of Attestation objects")
        attestations = list(attestations)
        if not attestations or not all(isinstance(a, Attestation) for a in attestations):
            raise LedgerRejected("a price report needs at least one signed observation")
        first = attestations[0].observation
        if any((a.observation.asset, a.observation.expiry) != (first.asset, first.expiry) for a in attestations):
            raise LedgerRejected("a report's observations must all be of one (asset, expiry)")
        if any(a.observation.price != first.price for a in attestations):
            raise LedgerRejected("a report's signers must all attest one price")
        items = []
        for a in attestations:
            try:
                v, r, s = chain_oracle.split(a)
            except MalformedInput as exc:
                raise LedgerRejected(f"not a chain oracle attestation: {exc}") from None
            items.append((a.observation.observed_at, v, r.to_bytes(32, "big"), s.to_bytes(32, "big")))
        function = self.pool.functions.postPrice(first.asset, first.expiry, first.price, items)
        receipt, event = self._send(function, "PricePosted")
        args = event["args"]
        return ChainReceipt(
            seq=int(args["seq"]), entry_type="price", kind="price", entry_hash=bytes(receipt["transactionHash"]),
            accepted_at=self._time(receipt), root=self.root, price=int(args["price"]),
            gas_used=int(receipt["gasUsed"]), block=int(receipt["blockNumber"]),
        )

    def _allow(self, amount: int) -> int:
        """Approve the pool for ``amount`` of the sender's tokens if its allowance is short; the approval's gas."""
        if self.token.functions.allowance(self.sender, self.address).call() >= amount:
            return 0
        receipt, _ = self._send(self.token.functions.approve(self.address, amount), None)
        return int(receipt["gasUsed"])

    def _send(self, function, event: str | None):
        """Transact; (receipt, the named event of this contract in it). A revert is LedgerRejected (its reason)."""
        try:
            tx = function.transact({"from": self.sender, "gas": TX_GAS})
        except Exception as exc:  # a dev node refuses a reverting transaction at once, with the reason
            raise LedgerRejected(f"the pool refused it: {_reason(exc)}") from None
        receipt = self.w3.eth.wait_for_transaction_receipt(tx)
        if receipt["status"] != 1:
            reason = "the transaction reverted on chain"
            try:  # replay it at its block for the reason
                function.call({"from": self.sender, "gas": TX_GAS}, block_identifier=receipt["blockNumber"] - 1)
            except Exception as exc:
                reason = _reason(exc)
            raise LedgerRejected(f"the pool refused it: {reason}")
        if event is None:
            return receipt, None
        from web3.logs import DISCARD

        found = getattr(self.pool.events, event)().process_receipt(receipt, errors=DISCARD)  # the token's logs too
        if len(found) != 1:
            raise LedgerRejected(f"the transaction was mined but the pool emitted no {event} event")
        return receipt, found[0]

    def _time(self, receipt) -> int:
        return int(self.w3.eth.get_block(receipt["blockNumber"])["timestamp"])

