"""zkopt: confidential settlement of options with Groth16 proofs over BN254.

Layers, with dependencies pointing one way only:
field -> (poly, curve) -> r1cs -> gadgets -> circuits -> groth16 -> ledger -> audit -> cli.
"""

__version__ = "0.1.0"
