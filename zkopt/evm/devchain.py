"""A local Ethereum chain in py-evm (through eth-tester): deploy contracts, call them, read execution gas.

For tests and benchmarks: it needs the test extra (``eth-tester[py-evm]``,
pinned in pyproject.toml), imported only when a chain is made. The chain is
eth-tester's default (the Prague VM, funded test accounts, a block per
transaction). ``call`` runs a message against the latest block and throws the
state change away, as ``eth_call`` does, but keeps what ``eth_call`` drops:
whether the call succeeded and its execution gas (gas used minus the
transaction's intrinsic cost).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Gas for deployment and calls: far above any verifier's need, below the block gas limit.
GAS = 10_000_000


@dataclass(frozen=True)
class CallResult:
    """What one call did: ``success`` (no revert, no exceptional halt), its return data and execution gas."""

    success: bool
    output: bytes
    gas: int

    def as_bool(self) -> bool:
        """The return data as an ABI bool; raises ValueError unless the call succeeded with exactly one bool word."""
        if not self.success:
            raise ValueError("the call reverted")
        if len(self.output) != 32 or int.from_bytes(self.output, "big") > 1:
            raise ValueError(f"the call returned {self.output.hex() or 'nothing'}, not a bool")
        return self.output[-1] == 1


class DevChain:
    """A fresh in-memory py-evm chain with one funded sender."""

    def __init__(self):
        from eth_tester import EthereumTester, PyEVMBackend

        self._backend = PyEVMBackend()
        self._tester = EthereumTester(self._backend)
        self.sender = self._tester.get_accounts()[0]

    def deploy(self, initcode: bytes) -> str:
        """Deploy ``initcode``; return the new contract's address. Raises RuntimeError if the creation failed."""
        tx = self._tester.send_transaction({"from": self.sender, "data": "0x" + initcode.hex(), "gas": GAS})
        receipt = self._tester.get_transaction_receipt(tx)
        if receipt["status"] != 1 or not receipt["contract_address"]:
            raise RuntimeError("contract creation failed")
        return receipt["contract_address"]

    def code(self, address: str) -> bytes:
        """The runtime code stored at ``address``."""
        code = self._tester.get_code(address)
        return bytes.fromhex(code[2:]) if isinstance(code, str) else bytes(code)

    def call(self, address: str, data: bytes) -> CallResult:
        """Run ``data`` against ``address`` as eth_call does (state discarded), keeping success and execution gas."""
        from eth_tester.backends.pyevm.main import EVMSpoofTransaction, _execute_and_revert_transaction

        backend = self._backend
        sender = _canonical(self.sender)
        unsigned = backend._get_normalized_and_unsigned_evm_transaction(
            {"from": sender, "to": _canonical(address), "data": bytes(data), "gas": GAS}
        )
        computation = _execute_and_revert_transaction(backend.chain, EVMSpoofTransaction(unsigned, from_=sender))
        return CallResult(success=computation.is_success, output=bytes(computation.output), gas=computation.get_gas_used())


def _canonical(address: str) -> bytes:
    """'0xAbC...' (20 bytes in hex) -> the 20 raw bytes py-evm takes."""
    return bytes.fromhex(address.removeprefix("0x"))
