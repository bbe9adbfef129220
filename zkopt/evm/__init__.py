"""zkopt on Ethereum: Solidity Groth16 verifiers, their call data, and the tools that compile and run them.

Modules: ``solidity`` (the verifier generator), ``calldata`` (verifyProof's
arguments, and snarkjs' soliditycalldata text), ``solc`` (solc-js driver with
pinned settings), ``devchain`` (py-evm through eth-tester) and ``ethereumjs``
(@ethereumjs/evm, a second EVM), both for tests and benchmarks; ``node`` runs
their node.js scripts. This layer takes groth16 keys and proofs and never
imports circuits: callers pass circuit names and public-input names in.
"""
