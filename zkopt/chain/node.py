"""Chains to run the pool on: py-evm in process (eth-tester), and a Hardhat JSON-RPC node on 127.0.0.1.

``in_process()`` is a web3 client of a fresh py-evm chain (the demo's ``--chain``
and the tests); ``HardhatNode`` starts ``hardhat node`` from
``tools/interop/node_modules`` on a free local port and stops it (the tests'
second node). ``set_time`` moves a development chain's clock forward, the
one thing a test of expiries needs that a real chain does by itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from zkopt.errors import MalformedInput


def in_process():
    """A web3 client of a new in-memory py-evm chain (eth-tester's funded, unlocked accounts)."""
    from eth_tester import EthereumTester, PyEVMBackend
    from web3 import EthereumTesterProvider, Web3

    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))


def connect(url: str):
    """A web3 client of the JSON-RPC node at ``url``; MalformedInput if nothing answers there."""
    from web3 import HTTPProvider, Web3

    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 120}))
    try:
        w3.eth.chain_id
    except Exception as exc:  # any transport failure: connection refused, DNS, HTTP error
        raise MalformedInput(f"no Ethereum JSON-RPC node answers at {url} ({exc.__class__.__name__})") from None
    return w3


def now(w3) -> int:
    """The latest block's timestamp."""
    return int(w3.eth.get_block("latest")["timestamp"])


def set_time(w3, timestamp: int) -> None:
    """Mine a block at ``timestamp`` (not before the latest block) on a development chain."""
    from web3 import EthereumTesterProvider

    timestamp = max(int(timestamp), now(w3) + 1)
    if isinstance(w3.provider, EthereumTesterProvider):
        w3.provider.ethereum_tester.time_travel(timestamp)
    else:
        w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
        w3.provider.make_request("evm_mine", [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HardhatNode:
    """``hardhat node`` on 127.0.0.1 at a free port, from ``tools/interop``; use as a context manager."""

    def __init__(self, interop_dir: str | os.PathLike, *, timeout: float = 60):
        self.interop_dir = Path(interop_dir)
        self.timeout = timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> HardhatNode:
        cli = self.interop_dir / "node_modules" / "hardhat" / "internal" / "cli" / "cli.js"
        node = shutil.which("node")
        if node is None or not cli.is_file():
            raise MalformedInput(f"hardhat is not installed in {self.interop_dir} (run `npm ci --prefix tools/interop`)")
        env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true", "DO_NOT_TRACK": "1"}
        self._process = subprocess.Popen(
            [node, str(cli), "--config", str(self.interop_dir / "hardhat.config.js"), "node",
             "--hostname", "127.0.0.1", "--port", str(self.port)],
            cwd=self.interop_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode(errors="replace").strip().splitlines()
                raise MalformedInput(f"hardhat node exited: {error[-1] if error else self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise MalformedInput(f"hardhat node did not listen on port {self.port} within {self.timeout:.0f} s")

    def __exit__(self, *exc) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
