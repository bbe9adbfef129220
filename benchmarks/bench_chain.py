"""Gas of the zkopt pool on py-evm: every transaction of the demo's story end to end, and Poseidon per hash.

    python benchmarks/bench_chain.py               # depth 20 (production), keys in a temporary directory
    python benchmarks/bench_chain.py --depth 4

Needs `pip install -e '.[test]'` and `npm ci --prefix tools/interop` (solc-js).
Prints one JSON line per measurement. Transaction gas is the receipt's
gasUsed: the 21,000 intrinsic gas and the calldata included. A deposit also
needs one ERC-20 approve (reported as approve_gas). Poseidon's gas is the
execution gas of one call of the generated contract (without the intrinsic
gas), as the pool pays it per tree node (plus about 700 for the call).
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

from zkopt.audit import export_opening  # noqa: E402
from zkopt.chain import node, oracle as chain_oracle  # noqa: E402
from zkopt.chain.deploy import deploy, genesis_from_keys  # noqa: E402
from zkopt.chain.ledger import ChainLedger  # noqa: E402
from zkopt.evm import pool as pool_sources  # noqa: E402
from zkopt.evm import poseidon_sol, solc  # noqa: E402
from zkopt.evm.devchain import DevChain  # noqa: E402
from zkopt.keydir import KeyDir  # noqa: E402
from zkopt.ledger import Observation  # noqa: E402
from zkopt.native.notes import CALL  # noqa: E402
from zkopt.units import asset_id  # noqa: E402
from zkopt.wallet import Wallet, note_id  # noqa: E402

SCALE = 10**6


def emit(row: dict) -> None:
    print(json.dumps(row), flush=True)


def poseidon_gas() -> int:
    contract = solc.compile_source(poseidon_sol.source(3), pool_sources.POSEIDON, NODE_MODULES)
    chain = DevChain()
    address = chain.deploy(contract.bytecode)
    result = chain.call(address, (1).to_bytes(32, "big") + (2).to_bytes(32, "big"))
    assert result.success
    return result.gas


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(2026)
    emit({"measure": "poseidon_t3_execution_gas", "gas": poseidon_gas()})
    with tempfile.TemporaryDirectory() as tmp:
        infos = KeyDir(Path(tmp) / "keys").ensure(args.depth, rng=rng)
        keys = KeyDir(Path(tmp) / "keys")
        members = [rng.randrange(1, chain_oracle.ORDER).to_bytes(32, "big") for _ in range(3)]
        genesis = genesis_from_keys({k: i.entry for k, i in infos.items()}, [chain_oracle.address(m) for m in members],
                                    2, depth=args.depth)
        w3 = node.in_process()
        deployment = deploy(w3, genesis, NODE_MODULES)
        for name, gas in deployment.gas.items():
            emit({"measure": "deploy", "contract": name, "gas": gas})
        ledger = ChainLedger(w3, deployment.pool)
        token = w3.eth.contract(address=deployment.token, abi=pool_sources.TOKEN_ABI)
        w3.eth.wait_for_transaction_receipt(token.functions.mint(ledger.sender, 10**12).transact({"from": ledger.sender}))
        alice, bob = Wallet.create(rng=rng), Wallet.create(rng=rng)
        asset = asset_id("ETH-USD")

        def row(step, receipt, outputs):
            emit({"measure": "transaction", "depth": args.depth, "step": step, "gas": receipt.gas_used,
                  "outputs": outputs, "approve_gas": getattr(receipt, "approve_gas", 0)})

        row("deposit (the pool's first)", alice.deposit(ledger, keys, 10_000 * SCALE).receipt, 1)
        row("deposit", alice.deposit(ledger, keys, 10_000 * SCALE).receipt, 1)
        now = node.now(w3)
        node.set_time(w3, now + 10)
        spot = [chain_oracle.sign(Observation(asset, now, 3_000 * SCALE, now), m) for m in members[:2]]
        row("spot (2 signatures)", ledger.post_price(spot), 0)
        expiry = now + 86_400
        out = alice.open_position(ledger, keys, holder_pk=bob.pk, asset=asset, kind=CALL, strike=3_100 * SCALE,
                                  quantity=2 * SCALE, expiry=expiry, collateral=3_200 * SCALE)
        row("open", out.receipt, 2)
        bob.import_opening(export_opening(out.tx.share))
        bob.sync(ledger)
        node.set_time(w3, expiry + 60)
        price = [chain_oracle.sign(Observation(asset, expiry, 3_400 * SCALE, expiry + 30), m) for m in members[1:]]
        row("price (2 signatures)", ledger.post_price(price), 0)
        row("settle", bob.settle(ledger, keys, note_id(out.tx.share)).receipt, 2)
        row("withdraw", bob.withdraw(ledger, keys, 600 * SCALE, int("b0" * 20, 16)).receipt, 1)


if __name__ == "__main__":
    main()
