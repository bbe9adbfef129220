"""The zkopt ledger: genesis, verify-then-append transactions, the oracle committee, all in one SQLite file.

Typical use::

    genesis = Genesis(circuits={"deposit": CircuitEntry.from_vk(pk.vk, r1cs.public_names), ...},
                      committee=[oracle.public_key_bytes(k) for k in member_keys], threshold=2)
    with Ledger.create("ledger.db", genesis) as ledger:
        receipt = ledger.submit("deposit", public, proof)
        ledger.post_price([oracle.sign(Observation(asset, expiry, price, t), key) for key in member_keys])

See docs/ledger.md for the schema and every check.
"""

from zkopt.ledger import oracle
from zkopt.ledger.genesis import CircuitEntry, Genesis
from zkopt.ledger.oracle import Attestation, FinalPrice, Observation, keygen, sign
from zkopt.ledger.store import Ledger, LedgerState, read_genesis
from zkopt.ledger.transactions import SPECS, KindSpec, Receipt, Transaction

__all__ = [
    "SPECS",
    "Attestation",
    "CircuitEntry",
    "FinalPrice",
    "Genesis",
    "KindSpec",
    "Ledger",
    "LedgerState",
    "Observation",
    "Receipt",
    "Transaction",
    "keygen",
    "oracle",
    "read_genesis",
    "sign",
]
