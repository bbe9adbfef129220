"""Shared by the chain tests: a market of stand-in circuits on one chain, oracle members as Ethereum keys.

The stand-in circuits (tests/ledger_fixtures.py) have the real circuits' public
names and prove in milliseconds; the verifiers the pool calls are generated
from their keys like any others, so every rule of the pool is exercised with
real Groth16 proofs on a real EVM. ``ChainMarket`` mirrors
``ledger_fixtures.World`` (same method names), so one rule test runs on both
backends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.ledger_fixtures import KINDS, FakeClock, prove_standin, public_names, standin_key
from tests.conftest import INTEROP_DIR
from zkopt.chain import node, oracle as chain_oracle
from zkopt.chain.deploy import ChainGenesis, deploy
from zkopt.chain.ledger import ChainLedger
from zkopt.evm import pool as pool_sources
from zkopt.ledger import CircuitEntry, Observation
from zkopt.native import notes, payoff

NODE_MODULES = INTEROP_DIR / "node_modules"


def member_keys(n: int, seed: int = 11) -> list[bytes]:
    """n deterministic secp256k1 member keys (tests only)."""
    rng = random.Random(seed)
    return [rng.randrange(1, chain_oracle.ORDER).to_bytes(32, "big") for _ in range(n)]


def standin_genesis(members: list[bytes], threshold: int, depth: int = 4, history: int = 32) -> ChainGenesis:
    return ChainGenesis(
        circuits={k: CircuitEntry.from_vk(standin_key(k).vk, public_names(k)) for k in KINDS},
        committee=tuple(chain_oracle.address(m) for m in members),
        threshold=threshold,
        tree_depth=depth,
        root_history=history,
        margin_shocks=payoff.DEFAULT_SHOCKS,
    )


class ChainClock:
    """The chain's time: reading it reads the latest block; setting it mines a block then (never backwards)."""

    def __init__(self, w3):
        self.w3 = w3

    @property
    def t(self) -> int:
        return node.now(self.w3)

    @t.setter
    def t(self, value: int) -> None:
        node.set_time(self.w3, value)

    def advance(self, seconds: int) -> None:
        node.set_time(self.w3, self.t + seconds)


@dataclass
class ChainMarket:
    """A pool of stand-in circuits on ``w3``: the chain twin of ledger_fixtures.World."""

    w3: object
    rng: random.Random
    n_members: int = 3
    threshold: int = 2
    depth: int = 4
    history: int = 32
    clock: ChainClock = field(init=False)

    def __post_init__(self):
        self.members = member_keys(self.n_members)
        self.genesis = standin_genesis(self.members, self.threshold, self.depth, self.history)
        self.deployment = deploy(self.w3, self.genesis, NODE_MODULES)
        self.ledger = ChainLedger(self.w3, self.deployment.pool)
        self.clock = ChainClock(self.w3)
        self.mint(self.ledger.sender, 10**15)

    def mint(self, to: str, amount: int) -> None:
        token = self.w3.eth.contract(address=self.deployment.token, abi=pool_sources.TOKEN_ABI)
        self.w3.eth.wait_for_transaction_receipt(token.functions.mint(to, amount).transact({"from": self.ledger.sender}))

    def prove(self, kind: str, **values):
        """A stand-in proof of the named public values; an open's expiry defaults to a day after the clock."""
        values = dict(values)
        if kind == "open":
            values.setdefault("expiry", self.clock.t + 86_400)
        if "grid" in values:
            values.update({f"grid[{i}]": v for i, v in enumerate(values.pop("grid"))})
        return prove_standin(kind, values, self.rng)

    def submit(self, kind: str, **values):
        public, proof = self.prove(kind, **values)
        return self.ledger.submit(kind, public, proof)

    def attest(self, asset: int, expiry: int, prices, observed_at: int, signers=None):
        signers = range(len(prices)) if signers is None else signers
        return [
            chain_oracle.sign(Observation(asset, expiry, price, observed_at), self.members[i])
            for i, price in zip(signers, prices)
        ]

    def post_spot(self, asset: int, price: int, signers=(0, 1)):
        self.clock.advance(1)
        now = self.clock.t
        return self.ledger.post_price(self.attest(asset, now, [price] * len(signers), now, signers=signers))

    def fresh(self) -> int:
        return self.rng.randrange(1, notes.R)


__all__ = ["ChainClock", "ChainMarket", "FakeClock", "member_keys", "standin_genesis"]
