"""Groth16 over BN254 for any R1CS: setup, prove, verify (one or a batch), snarkjs files.

This package knows nothing about particular circuits: it takes an ``R1CS`` and
a ``Witness`` from ``zkopt.r1cs``. Its names are loaded on first use, so that
verifying (``zkopt verify``) never imports the prover's FFT and numpy.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "PreparedVerifyingKey": ("zkopt.groth16.keys", "PreparedVerifyingKey"),
    "Proof": ("zkopt.groth16.keys", "Proof"),
    "ProvingKey": ("zkopt.groth16.keys", "ProvingKey"),
    "VerifyingKey": ("zkopt.groth16.keys", "VerifyingKey"),
    "prepare": ("zkopt.groth16.verifier", "prepare_checked"),
    "prove": ("zkopt.groth16.prover", "prove"),
    "setup": ("zkopt.groth16.setup", "setup"),
    "verify": ("zkopt.groth16.verifier", "verify"),
    "verify_batch": ("zkopt.groth16.verifier", "verify_batch"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__():
    return __all__
