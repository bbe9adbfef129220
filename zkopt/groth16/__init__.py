"""Groth16 over BN254 for any R1CS: setup, prove, verify (one or a batch), snarkjs files.

This package knows nothing about particular circuits: it takes an ``R1CS`` and
a ``Witness`` from ``zkopt.r1cs``.
"""

from zkopt.groth16.keys import PreparedVerifyingKey, Proof, ProvingKey, VerifyingKey
from zkopt.groth16.prover import prove
from zkopt.groth16.setup import setup
from zkopt.groth16.verifier import prepare_checked as prepare
from zkopt.groth16.verifier import verify, verify_batch

__all__ = [
    "PreparedVerifyingKey",
    "Proof",
    "ProvingKey",
    "VerifyingKey",
    "prepare",
    "prove",
    "setup",
    "verify",
    "verify_batch",
]
