"""One ledger interface, two backends: what the wallet, the oracle commands and the CLI use of a ledger.

``LedgerBackend`` is exactly that surface; ``zkopt.ledger.Ledger`` (the SQLite
file) and ``zkopt.chain.ledger.ChainLedger`` (the pool contract, over web3.py)
both provide it, with the same rules (docs/ledger.md; the pool's in
``zkopt/evm/contracts/ZkoptPool.sol``) and the same refusals
(``LedgerRejected`` with one line). Each backend has its own auditor
(``zkopt.audit.audit`` for a file, ``zkopt.chain.audit.audit_chain`` for a pool),
since what there is to check differs: a hash-chained file against a trusted
genesis hash, or a contract's events against the chain's consensus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from zkopt.errors import LedgerRejected
from zkopt.groth16 import Proof
from zkopt.ledger.genesis import CircuitEntry
from zkopt.ledger.oracle import Attestation, FinalPrice
from zkopt.ledger.transactions import Receipt, Transaction
from zkopt.native.merkle import MerklePath


class LedgerGenesis(Protocol):
    """What a client reads of a ledger's genesis: the circuits (keys and public names) and the market's rules."""

    circuits: Mapping[str, CircuitEntry]
    committee: tuple[bytes, ...]
    threshold: int
    tree_depth: int
    root_history: int
    margin_shocks: tuple[int, ...]


@runtime_checkable
class LedgerBackend(Protocol):
    """A ledger a wallet trades on and an oracle reports to (see the module docstring)."""

    genesis: LedgerGenesis
    #: Whether transactions may carry encrypted notes (``Transaction.notes``) that ``encrypted_notes`` returns.
    carries_notes: bool

    def time(self) -> int:
        """The ledger's clock (Unix seconds) as its rules read it."""

    def membership(self, leaf_index: int) -> MerklePath:
        """Leaf ``leaf_index`` with its path against the current root (what a spend proves against)."""

    def find_commitment(self, cm: int) -> tuple[int, int] | None:
        """(leaf index, entry) of a commitment, or None."""

    def nullifier_seq(self, nf: int) -> int | None:
        """The entry that published ``nf``, or None."""

    def final_price(self, asset: int, expiry: int) -> FinalPrice | None:
        """The attested price of (asset, expiry), or None."""

    def margin_grid(self, asset: int) -> list[int]:
        """The only grid an open on ``asset`` may publish now; LedgerRejected without an attested spot."""

    def submit(self, kind: str, public: Sequence[int], proof: Proof, notes: Sequence[bytes] = ()) -> Receipt:
        """Check and apply one transaction (with its encrypted notes), or raise LedgerRejected (nothing changes)."""

    def submit_batch(self, transactions: Sequence[Transaction]) -> list[Receipt | LedgerRejected]:
        """Judge each transaction as ``submit`` would, in order: its Receipt or the LedgerRejected that refused it."""

    def submit_bundle(self, transactions: Sequence[Transaction]) -> list[Receipt]:
        """Apply every transaction of the bundle, in order, or none: LedgerRejected naming the one refused."""

    def encrypted_notes(self, start: int = 1) -> list[tuple[int, int, bytes]]:
        """(entry seq, position, ciphertext) of every encrypted note from entry ``start`` on."""

    def post_price(self, attestations: Sequence[Attestation]) -> Receipt:
        """Accept a price report (k members attesting one price), or raise LedgerRejected."""

    def close(self) -> None:
        """Release the backend (a file's connection; nothing for a chain client)."""
