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


def compile_source(
    source: str, contract: str, node_modules: str | os.PathLike, *, unit: str = "Contract.sol"
) -> Compiled:
    """Compile ``source`` (one file, called ``unit``) and return ``contract``; raises NodeToolError.

    Compiler errors (not warnings) raise with the first error's message.
    """
    request = {"language": "Solidity", "sources": {unit: {"content": source}}, "settings": settings()}
    answer = run_script(_SCRIPT, request, node_modules)
    version = answer["version"]
    if not version.startswith(SOLC_VERSION + "+"):
        raise NodeToolError(f"solc {version} found, zkopt compiles with {SOLC_VERSION} (run `npm ci --prefix tools/interop`)")
    output = answer["output"]
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise NodeToolError(f"solc: {errors[0].get('formattedMessage', errors[0].get('message')).splitlines()[0]}")
    try:
        found = output["contracts"][unit][contract]
    except KeyError:
        raise NodeToolError(f"solc output has no contract {contract!r} in {unit}") from None
    evm = found["evm"]
    return Compiled(
        name=contract,
        abi=found["abi"],
        bytecode=bytes.fromhex(evm["bytecode"]["object"]),
        runtime=bytes.fromhex(evm["deployedBytecode"]["object"]),
        selectors=dict(evm["methodIdentifiers"]),
        solc_version=version,
        warnings=tuple(
            e.get("formattedMessage", e.get("message", "")).splitlines()[0]
            for e in output.get("errors", [])
            if e.get("severity") == "warning"
        ),
    )
