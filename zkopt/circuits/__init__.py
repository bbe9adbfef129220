"""The circuits zkopt proves, by name: deposit, open, settle, withdraw, transfer, and the ``chain`` benchmark.

``build(name, params)`` is how the CLI and the proving-key loader turn a
recorded (name, parameters) pair back into the one circuit definition;
``describe(name, params)`` says what a circuit proves and which public inputs
it takes, in order (the ledger reads public inputs by these names). Each
transaction module also has ``inputs(...)``, which turns native notes and a
Merkle tree into the inputs map ``zkopt prove`` reads.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping

from zkopt import r1cs
from zkopt.circuits.chain import Chain
from zkopt.circuits.deposit import Deposit
from zkopt.circuits.open_position import OpenPosition
from zkopt.circuits.settle import Settle
from zkopt.circuits.transfer import Transfer
from zkopt.circuits.withdraw import Withdraw
from zkopt.errors import shown
from zkopt.r1cs import Circuit

REGISTRY: dict[str, type[Circuit]] = {
    Chain.name: Chain,
    Deposit.name: Deposit,
    OpenPosition.name: OpenPosition,
    Settle.name: Settle,
    Transfer.name: Transfer,
    Withdraw.name: Withdraw,
}


def build(name: str, params: Mapping[str, int] | None = None) -> Circuit:
    """Instantiate a registered circuit; raises ValueError with a one-line reason."""
    if name not in REGISTRY:
        raise ValueError(f"unknown circuit {shown(name)}; known: {', '.join(sorted(REGISTRY))}")
    try:
        return REGISTRY[name](**dict(params or {}))
    except TypeError as exc:
        raise ValueError(f"bad parameters for circuit {name}: {exc}") from None


def _statement(circuit: Circuit) -> str:
    """The circuit's one-line statement: its ``statement`` attribute, else its docstring's first line."""
    text = getattr(circuit, "statement", None)
    if text:
        return text
    doc = type(circuit).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


@functools.lru_cache(maxsize=32)
def _describe(name: str, params: tuple[tuple[str, int], ...]) -> dict:
    circuit = build(name, dict(params))
    shape = r1cs.compile(circuit)
    return {
        "name": name,
        "params": circuit.params(),
        "statement": _statement(circuit),
        "constraints": shape.n_constraints,
        "public": list(shape.public_names),
    }


def describe(name: str, params: Mapping[str, int] | None = None) -> dict:
    """What circuit ``name`` proves: name, params (defaults filled in), statement (one line), constraints, public.

    ``public`` lists the names of all public signals in the order a proof's
    public inputs use (outputs first, then inputs; the transaction circuits
    have no outputs). Compiles the circuit once per (name, params) and caches
    the answer; the dict returned is a fresh copy. Raises ValueError for an
    unknown name or bad parameters.
    """
    key = tuple(sorted(dict(params or {}).items()))
    try:
        hash(key)
    except TypeError:
        raise ValueError(f"bad parameters for circuit {name}: values must be integers") from None
    return copy.deepcopy(_describe(name, key))


__all__ = ["REGISTRY", "build", "describe"]
