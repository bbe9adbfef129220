"""A market at one expiry, with the REAL circuits at depth 4: a market maker's book of options, ready to settle.

``build_book(directory)`` plays it once through the Python API: a ledger with
a root window of K = 2, a committee of three (two sign), a market maker who
deposits and writes four options to one holder (two on ETH-USD and one on
BTC-USD expiring at E1, one on ETH-USD expiring at E2), the E1 prices
attested. The tree of depth 4 holds 16 leaves: 9 are used, 6 more when the
three due options are settled. ``Book.copy(target)`` gives each test its own ledger and wallets.
Also ``LocalDask``: a scheduler and two workers started as subprocesses on
127.0.0.1, as a real cluster is started.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.cli_fixtures import DEPTH, shared_keys
from tests.ledger_fixtures import FakeClock, member_keys
from zkopt.audit import export_opening
from zkopt.keydir import TX_KINDS, KeyDir
from zkopt.ledger import Genesis, Ledger, Observation, oracle
from zkopt.native.notes import CALL, PUT, Leg, Position
from zkopt.units import asset_id, parse_amount
from zkopt.wallet import Wallet

REPO = Path(__file__).resolve().parent.parent
ROOT_HISTORY = 2
START = 1_700_000_000
E1 = START + 3600
E2 = START + 7200
SETTLE_AT = E1 + 600
ETH, BTC = asset_id("ETH-USD"), asset_id("BTC-USD")
PRICES = {ETH: parse_amount("3400"), BTC: parse_amount("65000")}

# (ticker, kind, strike, quantity, expiry, collateral): margin-checked on spot 3000 / 60000 x the default shocks.
POSITIONS = (
    ("ETH-USD", CALL, "3100", "1", E1, "1600"),  # pays 300
    ("ETH-USD", PUT, "2900", "1", E1, "1500"),  # pays 0
    ("BTC-USD", CALL, "61000", "0.1", E1, "3000"),  # pays 400
    ("ETH-USD", CALL, "3000", "1", E2, "1600"),  # no price yet
)


@dataclass
class Book:
    """Where the book's files are, and the option ids in the order they were written."""

    dir: Path
    ids: list[str]

    @property
    def db(self) -> Path:
        return self.dir / "ledger.db"

    @property
    def maker(self) -> Path:
        return self.dir / "maker.json"

    @property
    def holder(self) -> Path:
        return self.dir / "holder.json"

    def copy(self, target: Path) -> Book:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("ledger.db", "maker.json", "holder.json"):
            shutil.copy2(self.dir / name, target / name)
        return Book(target, list(self.ids))

    def ledger(self, t: int = SETTLE_AT) -> Ledger:
        return Ledger.open(self.db, clock=FakeClock(t))


def build_book(directory: Path) -> Book:
    keys = KeyDir(shared_keys())
    infos = keys.ensure(DEPTH)
    members = member_keys(3)
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=[oracle.public_key_bytes(m) for m in members],
        threshold=2,
        tree_depth=DEPTH,
        root_history=ROOT_HISTORY,
    )
    clock = FakeClock(START)
    directory.mkdir(parents=True, exist_ok=True)
    ledger = Ledger.create(directory / "ledger.db", genesis, clock=clock)
    maker, holder = Wallet.create(directory / "maker.json"), Wallet.create(directory / "holder.json")

    def attest(asset: int, expiry: int, price: int, observed_at: int):
        return ledger.post_price([oracle.sign(Observation(asset, expiry, price, observed_at), m) for m in members[:2]])

    maker.deposit(ledger, keys, parse_amount("100000"))
    attest(ETH, START, parse_amount("3000"), START)
    attest(BTC, START, parse_amount("60000"), START)
    clock.advance(60)
    ids = []
    for ticker, kind, strike, quantity, expiry, collateral in POSITIONS:
        position = Position(asset_id(ticker), expiry, (Leg(kind, parse_amount(strike), parse_amount(quantity)),))
        opened = maker.open_position(
            ledger, keys, holder_pk=holder.pk, position=position, collateral=parse_amount(collateral), ticker=ticker
        )
        holder.import_opening(export_opening(opened.tx.share), ticker)
        ids.append(opened.tx.creates[0].id)
    clock.t = E1 + 120
    for asset, price in PRICES.items():
        attest(asset, E1, price, E1 + 60)
    holder.sync(ledger)
    holder.save()
    ledger.close()
    return Book(directory, ids)


class LocalDask:
    """``dask scheduler`` and two ``dask worker`` processes (one thread, no nanny) on 127.0.0.1, as subprocesses.

    Every listener binds 127.0.0.1 (the dashboard's HTTP server too). The
    workers import this checkout's zkopt (PYTHONPATH). ``kill(name)`` sends
    SIGKILL to a worker: a machine lost mid-batch.
    """

    def __init__(self, directory: Path, names=("w1", "w2")):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        scheduler_file = self.dir / "scheduler.json"
        local = ["--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0"]
        self.scheduler = self._start(
            "scheduler", ["scheduler", *local, "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)]
        )
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                self.close()
                raise RuntimeError(f"the dask scheduler did not start: {self._log('scheduler')}")
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = {
            name: self._start(name, [
                "worker", self.address, *local, "--nthreads", "1", "--no-nanny", "--name", name,
                "--local-directory", str(self.dir / "scratch"), "--death-timeout", "60",
            ])
            for name in names
        }

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=log, env=self.env,
                                   cwd=self.dir)
        log.close()
        return process

    def _log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")[-2000:]

    def kill(self, name: str) -> None:
        self.workers[name].kill()
        self.workers[name].wait(timeout=30)

    def close(self) -> None:
        for process in [*getattr(self, "workers", {}).values(), self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*getattr(self, "workers", {}).values(), self.scheduler]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
