"""A second, independent EVM: @ethereumjs/evm (npm, pinned; BN254 from noble-curves) run by node.

One node process deploys contracts and runs a list of calls against each,
every call reporting success, return data and execution gas. Each call is made as
a transaction would make it: the precompiles and the called contract are
warm (EIP-2929), so gas is comparable with py-evm's (``zkopt.evm.devchain``).
Needs node and ``npm ci --prefix tools/interop``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from zkopt.evm.devchain import GAS, CallResult
from zkopt.evm.node import NodeToolError, run_script

#: The hardfork the chain runs (the one eth-tester's py-evm chain runs).
HARDFORK = "prague"

_SCRIPT = r"""
const { createEVM } = require('@ethereumjs/evm');
const { Common, Mainnet } = require('@ethereumjs/common');
const { hexToBytes, bytesToHex, createAddressFromString } = require('@ethereumjs/util');
let data = '';
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', async () => {
  const request = JSON.parse(data);
  const common = new Common({ chain: Mainnet, hardfork: request.hardfork });
  const evm = await createEVM({ common });
  const caller = createAddressFromString('0x' + '11'.repeat(20));
  const gasLimit = BigInt(request.gas);
  const answers = [];
  for (const contract of request.contracts) {
    const created = await evm.runCall({ caller, data: hexToBytes(contract.initcode), gasLimit });
    if (created.execResult.exceptionError || !created.createdAddress) {
      answers.push({ error: 'contract creation failed' });
      continue;
    }
    const to = created.createdAddress;
    const runtime = bytesToHex(await evm.stateManager.getCode(to));
    const results = [];
    for (const call of contract.calls) {
      // As in a transaction (EIP-2929): the precompiles and the called contract start warm.
      for (let i = 1; i <= 0x11; i++) evm.journal.addAlwaysWarmAddress(i.toString(16).padStart(40, '0'));
      evm.journal.addAlwaysWarmAddress(to.toString().slice(2));
      const r = (await evm.runCall({ caller, to, data: hexToBytes(call), gasLimit })).execResult;
      results.push({ success: !r.exceptionError, output: bytesToHex(r.returnValue), gas: r.executionGasUsed.toString() });
    }
    answers.push({ runtime, results });
  }
  process.stdout.write(JSON.stringify(answers));
});
"""


def run(
    contracts: Sequence[tuple[bytes, Sequence[bytes]]], node_modules: str | os.PathLike, *, gas: int = GAS
) -> list[tuple[bytes, list[CallResult]]]:
    """Deploy each ``(initcode, calls)`` on one fresh @ethereumjs/evm and run its calls.

    Returns, per contract, its runtime code and one result per call; raises
    NodeToolError if node fails or a creation fails.
    """
    request = {
        "hardfork": HARDFORK,
        "gas": str(gas),
        "contracts": [
            {"initcode": "0x" + initcode.hex(), "calls": ["0x" + call.hex() for call in calls]}
            for initcode, calls in contracts
        ],
    }
    out = []
    for answer in run_script(_SCRIPT, request, node_modules):
        if "error" in answer:
            raise NodeToolError(f"@ethereumjs/evm: {answer['error']}")
        results = [
            CallResult(success=r["success"], output=bytes.fromhex(r["output"][2:]), gas=int(r["gas"]))
            for r in answer["results"]
        ]
        out.append((bytes.fromhex(answer["runtime"][2:]), results))
    return out
