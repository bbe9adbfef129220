"""Shared helpers for the ledger, oracle and audit tests: stand-in circuits, seeded keys, a fake clock, file snapshots.

The stand-in circuits have exactly the public signal names of the real
transaction circuits (``public_names``, read from ``zkopt.circuits.describe``)
and prove nothing about them except knowledge of their squares: every public input is bound by the proof
(it occurs in a constraint, so a changed input fails verification), which is
all the ledger's own checks rely on. Real Groth16 proofs of them take
milliseconds. The end-to-end test with the real circuits lives elsewhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from zkopt import circuits, r1cs
from zkopt.errors import LedgerRejected
from zkopt.groth16 import ProvingKey, prove, setup
from zkopt.ledger import CircuitEntry, Genesis, Ledger, Observation, database, oracle, schema
from zkopt.native import notes
from zkopt.r1cs import Circuit

GRID_SIZE = 8
KINDS = ("deposit", "open", "settle", "withdraw")
# The real circuits' parameters whose public names the stand-ins take (the depth does not change the names).
CIRCUIT_PARAMS = {
    "deposit": {},
    "open": {"depth": 4, "grid": GRID_SIZE},
    "settle": {"depth": 4},
    "withdraw": {"depth": 4},
}


@functools.lru_cache(maxsize=None)
def public_names(kind: str) -> tuple[str, ...]:
    """The public signal names of the real ``kind`` circuit, in proof order: the one source of that order."""
    return tuple(circuits.describe(kind, CIRCUIT_PARAMS[kind])["public"])


class StandIn(Circuit):
    """Enforces only x_i^power = s_i for each public input x_i (private s_i); same public names as the real circuit."""

    def __init__(self, kind: str, power: int = 2):
        self.kind = kind
        self.power = power
        self.name = f"standin_{kind}" if power == 2 else f"standin_{kind}_pow{power}"

    def define(self, cs):
        for n in public_names(self.kind):
            x = cs.public_input(n)
            t = cs.mul(x, x, f"sq/{n}")
            for i in range(self.power - 2):
                t = cs.mul(t, x, f"pow{i}/{n}")


@functools.lru_cache(maxsize=None)
def standin_key(kind: str, seed: int = 7, power: int = 2) -> ProvingKey:
    """The stand-in circuit's proving key; deterministic in (kind, seed, power), so every process gets the same."""
    rng = random.Random(f"{seed}/{kind}/{power}")
    return setup(r1cs.compile(StandIn(kind, power)), rng)


def prove_standin(kind: str, values: dict[str, int], rng: random.Random, seed: int = 7, power: int = 2):
    """(public list, proof) of the stand-in circuit for the named public values."""
    circuit = StandIn(kind, power)
    witness = r1cs.solve(circuit, values)
    return witness.public, prove(standin_key(kind, seed, power), witness, rng)


def member_keys(n: int, seed: int = 11):
    """n deterministic Ed25519 member keys (tests only; production uses oracle.keygen)."""
    rng = random.Random(seed)
    return [oracle.load_private_key(rng.randbytes(32)) for _ in range(n)]


def make_genesis(members, threshold: int, depth: int = 4, history: int = 32, kinds=KINDS, seed: int = 7) -> Genesis:
    return Genesis(
        circuits={k: CircuitEntry.from_vk(standin_key(k, seed).vk, public_names(k)) for k in kinds},
        committee=[oracle.public_key_bytes(m) for m in members],
        threshold=threshold,
        tree_depth=depth,
        root_history=history,
    )


class FakeClock:
    """An injectable clock: Unix seconds that move only when told."""

    def __init__(self, t: int = 1_700_000_000):
        self.t = t

    def __call__(self) -> int:
        return self.t

    def advance(self, seconds: int) -> None:
        self.t += seconds


# --- files -----------------------------------------------------------------------


def snapshot(path) -> tuple:
    """SHA-256 of the main file and of the WAL, and the logical dump of the database.

    For a PostgreSQL ledger (a URL) there are no file bytes: (None, None, every table's rows).
    """
    if database.is_url(path):
        return None, None, pg_dump(path)
    path = Path(path)
    wal = Path(str(path) + "-wal")
    main = hashlib.sha256(path.read_bytes()).hexdigest()
    wal_hash = hashlib.sha256(wal.read_bytes()).hexdigest() if wal.exists() else None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dump = tuple(conn.iterdump())
    finally:
        conn.close()
    return main, wal_hash, dump


@contextlib.contextmanager
def raw_store(location):
    """A plain connection to a ledger's store (autocommit, ``?`` placeholders), for tests that tamper with it."""
    conn = schema.connect(location, "rw")
    try:
        yield conn
    finally:
        conn.close()


def pg_dump(url: str) -> tuple:
    """Every row of every table of a PostgreSQL ledger, by table, in a fixed order."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1")]
        return tuple((t, tuple(sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr))) for t in tables)


def assert_rejected(ledger: Ledger, action, match: str | None = None) -> str:
    """Run ``action``; it must raise LedgerRejected with a one-line reason and leave the store as it was."""
    ledger.checkpoint()
    before = snapshot(ledger.location)
    with pytest.raises(LedgerRejected) as info:
        action()
    after = snapshot(ledger.location)
    reason = info.value.reason
    assert "\n" not in reason and reason
    if match is not None:
        assert match in reason, reason
    assert before[0] == after[0], "the main database file changed"
    assert before[1] == after[1], "the WAL changed"
    assert before[2] == after[2], "the logical content changed"
    return reason


# --- a small world: one ledger, stand-in keys, a committee, a clock ------------------------------


@dataclass
class World:
    """A ledger with stand-in circuits, n oracle members, a fake clock and the one seeded rng.

    ``path`` is where it lives: a file's Path or a PostgreSQL URL (the ``ledger_location`` fixture gives either).
    """

    path: Path | str
    rng: random.Random
    n_members: int = 3
    threshold: int = 2
    depth: int = 4
    history: int = 32
    clock: FakeClock = field(default_factory=FakeClock)
    #: The genesis's margin shocks (None: the default policy).
    margin_shocks: tuple[int, ...] | None = None

    def __post_init__(self):
        self.members = member_keys(self.n_members)
        self.genesis = make_genesis(self.members, self.threshold, self.depth, self.history)
        if self.margin_shocks is not None:
            self.genesis = dataclasses.replace(self.genesis, margin_shocks=self.margin_shocks)
        self.ledger = Ledger.create(self.path, self.genesis, clock=self.clock)

    def prove(self, kind: str, **values):
        """A stand-in proof of the named public values; an open's expiry defaults to a day after the clock."""
        if kind == "open":
            values.setdefault("expiry", self.clock.t + 86_400)
        return prove_standin(kind, _named(kind, values), self.rng)

    def submit(self, kind: str, **values):
        public, proof = self.prove(kind, **values)
        return self.ledger.submit(kind, public, proof)

    def attest(self, asset: int, expiry: int, prices, observed_at: int, signers=None):
        signers = range(len(prices)) if signers is None else signers
        return [
            oracle.sign(Observation(asset, expiry, price, observed_at), self.members[i])
            for i, price in zip(signers, prices)
        ]

    def post_spot(self, asset: int, price: int, signers=(0, 1)):
        """Post a spot report of ``asset``: ``signers`` observe ``price`` now, for the attestation time now."""
        now = self.clock.t
        return self.ledger.post_price(self.attest(asset, now, [price] * len(signers), now, signers=signers))

    def fresh(self) -> int:
        """A fresh random field element (a commitment or nullifier stand-in)."""
        return self.rng.randrange(1, notes.R)


def _named(kind: str, values: dict) -> dict:
    """Accept ``grid=[...]`` for open and spell it out as grid[0..G-1]."""
    values = dict(values)
    if "grid" in values:
        for i, v in enumerate(values.pop("grid")):
            values[f"grid[{i}]"] = v
    return values


# --- the scripted scenario with real note formulas -------------------------------------------

SCALE = 10**6
ASSET = int.from_bytes(b"BTC-USD", "big")
DEPOSIT = 9_000_000_000_000
COLLATERAL = 3_141_592_653_589
STRIKE = 27_182_818_284
QUANTITY = 161_803_398
SETTLE_PRICE = 31_415_926_535
WITHDRAW = 500_000_000_000
RECIPIENT = int.from_bytes(b"recipient account 42", "big")
SPOT = 30_000_000_000
# payoff.default_grid(SPOT) with the default shocks: the grid the ledger requires once SPOT is attested.
GRID = [SPOT * (100 + s) // 100 for s in (-50, -30, -20, -10, 10, 20, 30, 50)]


@dataclass
class Scenario:
    """What the scripted scenario made: the notes, the private values, and every receipt."""

    secrets: dict
    notes: dict
    receipts: dict
    expiry: int
    public_values: set


def run_scenario(world: World) -> Scenario:
    """Deposit, attest a spot, open a call on its margin grid, attest the price after expiry, settle, withdraw."""
    rng = world.rng
    sk_writer, sk_holder = rng.randrange(1, notes.R), rng.randrange(1, notes.R)
    pk_writer, pk_holder = notes.public_key(sk_writer), notes.public_key(sk_holder)
    expiry = world.clock.t + 3600
    deposit = notes.CashNote(DEPOSIT, pk_writer, rng.randrange(1, notes.R))
    position = notes.Position(ASSET, expiry, (notes.Leg(notes.CALL, STRIKE, QUANTITY),))
    option = notes.OptionNote(position, COLLATERAL, pk_holder, pk_writer, rng.randrange(1, notes.R))
    change = notes.CashNote(DEPOSIT - COLLATERAL, pk_writer, rng.randrange(1, notes.R))
    receipts = {}
    receipts["deposit"] = world.submit("deposit", amount=DEPOSIT, cm_out=deposit.commitment())
    # Two members attest the spot now: the ledger's margin grid for ASSET becomes GRID.
    receipts["spot"] = world.post_spot(ASSET, SPOT)
    receipts["open"] = world.submit(
        "open",
        root=world.ledger.root,
        nf_in=deposit.nullifier(sk_writer),
        cm_option=option.commitment(),
        cm_change=change.commitment(),
        asset=ASSET,
        expiry=expiry,
        grid=GRID,
    )
    world.clock.advance(3600 + 120)
    observed = world.clock.t - 60
    # All three members attest the agreed settlement price.
    report = world.attest(ASSET, expiry, [SETTLE_PRICE] * 3, observed)
    receipts["price"] = world.ledger.post_price(report)
    holder_note, writer_note = option.settlement_notes(SETTLE_PRICE)
    receipts["settle"] = world.submit(
        "settle",
        root=world.ledger.root,
        nf_option=option.nullifier(),
        asset=ASSET,
        expiry=expiry,
        price=SETTLE_PRICE,
        cm_holder=holder_note.commitment(),
        cm_writer=writer_note.commitment(),
    )
    holder_change = notes.CashNote(holder_note.amount - WITHDRAW, pk_holder, rng.randrange(1, notes.R))
    receipts["withdraw"] = world.submit(
        "withdraw",
        root=world.ledger.root,
        nf_in=holder_note.nullifier(sk_holder),
        amount=WITHDRAW,
        recipient=RECIPIENT,
        cm_change=holder_change.commitment(),
    )
    secret_values = {
        "sk_writer": sk_writer,
        "sk_holder": sk_holder,
        "pk_writer": pk_writer,
        "pk_holder": pk_holder,
        "strike": STRIKE,
        "quantity": QUANTITY,
        "collateral": COLLATERAL,
        "payout": holder_note.amount,
        "writer_amount": writer_note.amount,
        "change_amount": change.amount,
        "holder_change": holder_change.amount,
    }
    for name, note in (("deposit", deposit), ("option", option), ("change", change), ("holder", holder_note),
                       ("writer", writer_note), ("holder_change", holder_change)):
        secret_values[f"rho_{name}"] = note.rho
    public_values = {DEPOSIT, WITHDRAW, ASSET, expiry, RECIPIENT, SPOT, receipts["spot"].accepted_at, SETTLE_PRICE, *GRID}
    return Scenario(
        secrets=secret_values,
        notes={
            "deposit": deposit,
            "option": option,
            "change": change,
            "holder": holder_note,
            "writer": writer_note,
            "holder_change": holder_change,
        },
        receipts=receipts,
        expiry=expiry,
        public_values=public_values,
    )


def refused(world, kind, public, proof, match):
    """Submit to ``world``'s ledger; it must be rejected with ``match`` in the reason and the file unchanged."""
    return assert_rejected(world.ledger, lambda: world.ledger.submit(kind, public, proof), match)


def deposit(world, amount=1_000):
    """An accepted stand-in deposit of ``amount`` to a fresh commitment; its receipt."""
    return world.submit("deposit", amount=amount, cm_out=world.fresh())
