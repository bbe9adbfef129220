"""Gas of verifyProof: zkopt's generated verifier against snarkjs' on the same keys; prints JSON lines and a table.

    python benchmarks/bench_evm.py               # the four transaction circuits at depth 4, and a circom key
    python benchmarks/bench_evm.py --depth 20    # the production depth (same gas: it depends on the inputs only)

Needs `pip install -e '.[test]'` (eth-tester, py-evm) and `npm ci --prefix
tools/interop` (solc, snarkjs, circom2, @ethereumjs/evm).

Rows:
- deposit, open, settle, withdraw: zkopt keys (single-party setup) and a
  valid zkopt proof. snarkjs' verifier for the same key is its own template
  (node_modules/snarkjs/templates/verifier_groth16.sol.ejs) rendered by its own
  ejs with the key's JSON, which is what `snarkjs zkey export
  solidityverifier` does with the key it reads from a .zkey.
- two_public (circom): a key and a proof made by snarkjs for the circom
  fixture tests/interop/two_public.circom; snarkjs' verifier from `snarkjs zkey
  export solidityverifier`, ours from `zkopt export solidity`.
Execution gas is measured on py-evm (a valid proof, so every precompile
runs) and cross-checked on @ethereumjs/evm; it excludes the transaction's
intrinsic 21,000 and calldata gas, which are the same for both verifiers
(same ABI, same call data).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
NODE_MODULES = REPO / "tools" / "interop" / "node_modules"

from tests.circuit_fixtures import transaction_inputs  # noqa: E402 - after the path insert
from tests.conftest import NodeTools  # noqa: E402
from tests.snarkjs_tools import circom_groth16, ok  # noqa: E402
from zkopt import circuits, r1cs  # noqa: E402
from zkopt.evm import calldata, ethereumjs, solc, solidity  # noqa: E402
from zkopt.evm.devchain import DevChain  # noqa: E402
from zkopt.evm.node import run_script  # noqa: E402
from zkopt.groth16 import prove, proving_key_file, snarkjs  # noqa: E402
from zkopt.keydir import circuit_params, KeyDir  # noqa: E402

RENDER_SNARKJS = r"""
const ejs = require('ejs');
const fs = require('fs');
const path = require('path');
let data = '';
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(data);
  const template = fs.readFileSync(path.join(request.modules, 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'), 'utf8');
  process.stdout.write(JSON.stringify({ source: ejs.render(template, request.vk) }));
});
"""


def snarkjs_template_verifier(vk_json: dict) -> str:
    answer = run_script(RENDER_SNARKJS, {"modules": str(NODE_MODULES.resolve()), "vk": vk_json}, NODE_MODULES)
    return answer["source"]


def measure(label: str, ours_source: str, theirs_source: str, proof, public) -> dict:
    """Compile both verifiers (each its own solc run: both contracts are called Groth16Verifier or similar), call both."""
    ours = next(iter(solc.compile_sources({"Ours.sol": ours_source}, NODE_MODULES).values()))
    theirs = solc.compile_source(theirs_source, "Groth16Verifier", NODE_MODULES)
    chain = DevChain()
    row = {"circuit": label, "n_public": len(public)}
    contracts = []
    for name, contract in (("zkopt", ours), ("snarkjs", theirs)):
        (selector,) = contract.selectors.values()
        data = calldata.encode_call(bytes.fromhex(selector), proof, public)
        result = chain.call(chain.deploy(contract.bytecode), data)
        if not result.as_bool():
            raise SystemExit(f"{label}: the {name} verifier refused a valid proof")
        row[f"{name}_gas"] = result.gas
        row[f"{name}_runtime_bytes"] = len(contract.runtime)
        row["calldata_bytes"] = len(data)
        contracts.append((contract.bytecode, [data]))
    for name, (_, results) in zip(("zkopt", "snarkjs"), ethereumjs.run(contracts, NODE_MODULES)):
        if results[0].gas != row[f"{name}_gas"]:
            raise SystemExit(f"{label}: @ethereumjs/evm measured {results[0].gas} gas for {name}, py-evm {row[f'{name}_gas']}")
    row["saved"] = row["snarkjs_gas"] - row["zkopt_gas"]
    return row


def transaction_rows(depth: int, work: Path) -> list[dict]:
    keys = KeyDir(work / "keys")
    keys.ensure(depth, rng=random.Random(1))
    rows = []
    for kind, inputs in transaction_inputs(random.Random(2), depth).items():
        pk = proving_key_file.read(keys.pk_path(kind))
        witness = r1cs.solve(circuits.build(kind, circuit_params(kind, depth)), inputs)
        proof = prove(pk, witness, random.Random(3))
        vk_json = json.loads(keys.vk_path(kind).read_text())
        names = circuits.describe(kind, circuit_params(kind, depth))["public"]
        ours = solidity.verifier_source(pk.vk, circuit=kind, input_names=names)
        rows.append(measure(kind, ours, snarkjs_template_verifier(vk_json), proof, witness.public))
    return rows


def circom_row(work: Path) -> dict:
    made = circom_groth16(NodeTools(REPO / "tools" / "interop"), work, "two_public", {"a": "5", "b": "7", "x": "11"})
    vk = snarkjs.vk_from_json(json.loads(made.vk.read_text()))
    proof = snarkjs.proof_from_json(json.loads(made.proof.read_text()))
    public = snarkjs.public_from_json(json.loads(made.public.read_text()))
    ok([*NodeTools(REPO / "tools" / "interop").snarkjs(), "zkey", "export", "solidityverifier", str(made.zkey),
        "Theirs.sol"], work)
    return measure("two_public (circom)", solidity.verifier_source(vk), (work / "Theirs.sol").read_text(), proof, public)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=4, help="tree depth of the transaction circuits' keys")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zkopt-bench-evm-") as tmp:
        work = Path(tmp)
        (work / "circom").mkdir()
        rows = transaction_rows(args.depth, work) + [circom_row(work / "circom")]
    for row in rows:
        print(json.dumps(row))
    print()
    print(f"solc {solc.SOLC_VERSION}, optimizer {solc.OPTIMIZER_RUNS} runs, evmVersion {solc.EVM_VERSION}; "
          "execution gas of one verifyProof of a valid proof")
    print()
    print("| circuit | public inputs | calldata bytes | zkopt gas | snarkjs gas | saved | zkopt runtime bytes | snarkjs runtime bytes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['circuit']} | {r['n_public']} | {r['calldata_bytes']:,} | {r['zkopt_gas']:,} | {r['snarkjs_gas']:,} "
              f"| {r['saved']:,} | {r['zkopt_runtime_bytes']:,} | {r['snarkjs_runtime_bytes']:,} |")


if __name__ == "__main__":
    main()
