"""zkopt on an existing chain: the pool contract as a ledger backend, its deployment, its oracle and its audit.

``ledger`` (``ChainLedger``: the ledger interface of ``zkopt.ledger.backend`` over
web3.py), ``deploy`` (verifiers, Poseidon and pool from a key directory),
``oracle`` (committee members as Ethereum keys: EIP-191 signatures of the
ledger's observation message), ``audit`` (replay the pool's events and
re-verify every proof off chain) and ``node`` (an in-process py-evm chain and
a Hardhat JSON-RPC node for tests and the demo). Needs the ``chain`` extra
(web3.py) and, to compile, node with ``tools/interop``'s solc.
"""
