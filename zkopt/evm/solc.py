"""Compiling Solidity with solc-js (npm ``solc``, pinned) under fixed settings, so bytecode is reproducible.

There is no solc on PyPI or Debian; the npm package is emscripten JavaScript,
so compiling needs node and ``tools/interop/node_modules`` (``npm ci --prefix
tools/interop``). Settings are fixed here: optimizer on, EVM version
``shanghai`` (PUSH0, nothing newer is used, so the code runs on every chain
past Shanghai) and no metadata hash in the bytecode (``bytecodeHash: none``),
so the same source gives the same bytes whatever its file is called.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from zkopt.evm.node import NodeToolError, run_script

#: The solc-js release the tests pin in tools/interop/package.json; another one is refused.
SOLC_VERSION = "0.8.28"
EVM_VERSION = "shanghai"
OPTIMIZER_RUNS = 200

_SCRIPT = r"""
const solc = require('solc');
let data = '';
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => {
  const output = JSON.parse(solc.compile(data));
  process.stdout.write(JSON.stringify({ version: solc.version(), output }));
});
"""


@dataclass(frozen=True)
class Compiled:
    """One compiled contract: its ABI, creation code, runtime code and function selectors (name(types) -> hex)."""

    name: str
    abi: list
    bytecode: bytes
    runtime: bytes
    selectors: dict[str, str]
    solc_version: str
    warnings: tuple[str, ...] = ()


def settings() -> dict:
    """The solc standard-JSON settings every zkopt contract is compiled with."""
    return {
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "evmVersion": EVM_VERSION,
        "metadata": {"bytecodeHash": "none"},
        "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object",
                                        "evm.methodIdentifiers"]}},
    }


def compile_sources(sources: Mapping[str, str], node_modules: str | os.PathLike) -> dict[str, Compiled]:
    """Compile files ``{unit name: source}`` in one solc run; return every contract by name. Raises NodeToolError.

    Compiler errors (not warnings) raise with the first error's message; two
    contracts of one name raise too.
    """
    request = {
        "language": "Solidity",
        "sources": {unit: {"content": text} for unit, text in sources.items()},
        "settings": settings(),
    }
    answer = run_script(_SCRIPT, request, node_modules)
    version = answer["version"]
    if not version.startswith(SOLC_VERSION + "+"):
        raise NodeToolError(f"solc {version} found, zkopt compiles with {SOLC_VERSION} (run `npm ci --prefix tools/interop`)")
    output = answer["output"]
    diagnostics = output.get("errors", [])
    errors = [e for e in diagnostics if e.get("severity") == "error"]
    if errors:
        raise NodeToolError(f"solc: {_first_line(errors[0])}")
    warnings = {}
    for w in diagnostics:
        if w.get("severity") == "warning":
            unit = w.get("sourceLocation", {}).get("file", "")
            warnings.setdefault(unit, []).append(_first_line(w))
    compiled: dict[str, Compiled] = {}
    for unit, contracts in output.get("contracts", {}).items():
        for name, found in contracts.items():
            if name in compiled:
                raise NodeToolError(f"two contracts are called {name}")
            evm = found["evm"]
            compiled[name] = Compiled(
                name=name,
                abi=found["abi"],
                bytecode=bytes.fromhex(evm["bytecode"]["object"]),
                runtime=bytes.fromhex(evm["deployedBytecode"]["object"]),
                selectors=dict(evm["methodIdentifiers"]),
                solc_version=version,
                warnings=tuple(warnings.get(unit, ())),
            )
    return compiled


def compile_source(
    source: str, contract: str, node_modules: str | os.PathLike, *, unit: str = "Contract.sol"
) -> Compiled:
    """Compile one file (called ``unit``) and return its ``contract``; raises NodeToolError."""
    compiled = compile_sources({unit: source}, node_modules)
    if contract not in compiled:
        raise NodeToolError(f"solc output has no contract {contract!r} in {unit}")
    return compiled[contract]


def _first_line(diagnostic: dict) -> str:
    return (diagnostic.get("formattedMessage") or diagnostic.get("message", "")).strip().splitlines()[0]
