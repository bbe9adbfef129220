"""The layers' dependencies point one way (DEVELOPERS guide, STYLE.md): walk every import and check it.

errors -> (field, files) -> (poly, curve, native, binfile) -> r1cs -> gadgets -> circuits -> groth16
-> (ledger, evm, proving_jobs, ceremony) -> audit -> (keydir, wallet, chain, ceremony_keys) -> (demo, expiry) -> cli,
and groth16, evm and ceremony never import circuits or gadgets (they take any R1CS, any key). Imports inside
functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "zkopt"

RANK = {
    "errors": 0,
    "field": 1,
    "files": 1,  # atomic writes and the one JSON reader: every file reader (groth16's too) goes through it
    "binfile": 2,  # the iden3 container of .r1cs/.wtns/.zkey/.ptau, read through files
    "poly": 2,
    "curve": 2,
    "native": 2,
    "r1cs": 3,
    "units": 3,
    "note_encryption": 3,  # a note's opening sealed to its owner: native notes and ``cryptography`` only  # human amounts, times, tickers: above native (payoff's SCALE), below everything that prints
    "gadgets": 4,
    "circuits": 5,
    "groth16": 6,
    "ledger": 7,
    "evm": 7,
    "ceremony": 7,  # powers of tau and phase 2: any R1CS, never a circuit of zkopt's
    "proving_jobs": 7,  # many proofs on a process pool or Dask: circuits + groth16, nothing of the ledger or wallet
    "audit": 8,
    "keydir": 8,
    "oracle_files": 8,
    "wallet": 9,
    "serve": 9,  # the ledger over HTTP (aiohttp): ledger and audit; its client is ledger.remote
    "chain": 9,  # the pool as a ledger backend: over ledger, evm, audit and keydir; beside the wallet, which takes any
    "ceremony_keys": 9,  # a ledger's keys from a ceremony directory: verified against zkopt's circuits
    "demo": 10,
    "expiry": 10,  # settling a whole expiry: a wallet's due notes, proving_jobs, Ledger.submit_batch
    "cli": 11,
}
FORBIDDEN = {(low, high) for low in ("groth16", "evm", "ceremony") for high in ("circuits", "gadgets")}


def layer_of(module: str) -> str | None:
    """'zkopt.curve.groups' -> 'curve'; the package root itself has no layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "zkopt" else None


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "zkopt":
                found += [(node.lineno, f"zkopt.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.startswith("zkopt.")]


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_known_layer():
    layers = {layer_of("zkopt." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in MODULES}
    assert layers - {None, "__init__"} <= set(RANK), layers - set(RANK)


def violations(path: Path, own: str) -> list[str]:
    """Every import in ``path`` (a module of layer ``own``) that points up or sideways, or is forbidden."""
    found = []
    for line, name in imports_of(path):
        target = layer_of(name)
        if target is None or target == own:
            continue
        if (own, target) in FORBIDDEN:
            found.append(f"{path.name}:{line}: {own} must never import {target}")
        elif RANK[target] >= RANK[own]:
            found.append(f"{path.name}:{line}: {own} (layer {RANK[own]}) imports {name} (layer {RANK[target]})")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    own = layer_of("zkopt." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    if own in (None, "__init__"):
        return
    assert violations(path, own) == []


def test_upward_sideways_and_forbidden_imports_are_caught(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from zkopt.circuits import build\nfrom zkopt.ledger import Ledger\nfrom zkopt import field\n")
    assert [v.split(": ", 1)[1] for v in violations(sample, "groth16")] == [
        "groth16 must never import circuits",
        "groth16 (layer 6) imports zkopt.ledger (layer 7)",
    ]
    sample.write_text("from zkopt.circuits import build\nfrom zkopt.groth16 import snarkjs\n")
    assert [v.split(": ", 1)[1] for v in violations(sample, "evm")] == ["evm must never import circuits"]
    sample.write_text("from zkopt.poly import Domain\n")
    assert violations(sample, "curve") == ["sample.py:1: curve (layer 2) imports zkopt.poly (layer 2)"]


def test_the_walker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from zkopt.circuits import build\n    import zkopt.curve.groups\n")
    assert imports_of(sample) == [(2, "zkopt.circuits"), (3, "zkopt.curve.groups")]
