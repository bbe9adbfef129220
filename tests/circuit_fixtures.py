"""Shared helpers of the circuit tests: a seeded world of keys, notes and a small tree; failures by label; evil provers.

``World`` holds a writer and a holder (keys), the writer's cash note in a
depth-4 tree among random filler leaves, and builds option notes and inputs
maps. ``solve_with_hints`` plays a cheating prover: it runs the circuit's
own definition but replaces chosen hints, so every later hint is computed
from the lie and only the constraints that really catch it fail.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field as dataclass_field

from zkopt import r1cs
from zkopt.circuits import build
from zkopt.field import R
from zkopt.native import payoff, poseidon
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import (
    CALL,
    CASH_TAG,
    MAX_LEGS,
    OPTION_TAG,
    SHORT,
    CashNote,
    Leg,
    OptionNote,
    Position,
    deposit_note,
    open_notes,
    public_key,
)
from zkopt.r1cs import Circuit, ConstraintSystem, Witness

#: Tree depth of the unit tests (production is 20; the one end-to-end test uses it).
DEPTH = 4
SCALE = payoff.SCALE
U64 = 1 << 64

#: The default underlying and expiry of the test options.
ETH = int.from_bytes(b"ETH", "big")
EXPIRY = 1_767_225_600

#: Eight shocks (the native nine without 0): -50% .. +50%, so the default open circuit (grid = 8) takes them.
SHOCKS_8 = payoff.DEFAULT_SHOCKS


def grid8(spot: int) -> list[int]:
    """Eight grid prices around ``spot``: spot * (1 + shock) for the shocks of SHOCKS_8, lowest first."""
    return payoff.default_grid(spot, SHOCKS_8)


def failing(witness: Witness) -> list[str]:
    """Labels of every constraint the witness violates, in order."""
    return [witness.r1cs.labels[i] for i in witness.r1cs.unsatisfied(witness.values)]


def solve(name: str, inputs: Mapping[str, object], **params: int) -> Witness:
    return r1cs.solve(build(name, params), inputs)


class _HintedSystem(ConstraintSystem):
    """A constraint system whose named hints (exact variable names) are replaced by ``overrides[name](honest)``."""

    def __init__(self, name: str, inputs: Mapping[str, object], overrides: Mapping[str, Callable[[int], int]]):
        super().__init__(name, inputs)
        self._overrides = dict(overrides)
        self.replaced: set[str] = set()

    def witness(self, name, compute):
        full = self._var_path(name)
        if full in self._overrides:
            self.replaced.add(full)
            lie = self._overrides[full]
            return super().witness(name, lambda: lie(compute() % R))
        return super().witness(name, compute)


def solve_with_hints(
    circuit: Circuit, inputs: Mapping[str, object], overrides: Mapping[str, Callable[[int], int]]
) -> Witness:
    """Solve as a cheating prover would: each hint named in ``overrides`` returns ``overrides[name](honest value)``.

    Every hint after a replaced one sees the replaced value. Raises
    AssertionError if an override names no hint (a stale test).
    """
    cs = _HintedSystem(circuit.name, inputs, overrides)
    circuit.define(cs)
    stale = set(overrides) - cs.replaced
    if stale:
        raise AssertionError(f"no hint named {sorted(stale)}")
    return Witness(cs.r1cs(circuit.params()), cs.assignment())


@dataclass
class World:
    """Keys, the writer's cash note in a tree with filler leaves, and builders for options and inputs."""

    rng: random.Random
    depth: int = DEPTH
    tree: MerkleTree = dataclass_field(init=False)
    writer_sk: int = dataclass_field(init=False)
    holder_sk: int = dataclass_field(init=False)
    cash: CashNote = dataclass_field(init=False)
    cash_index: int = dataclass_field(init=False)

    def __post_init__(self):
        rng = self.rng
        self.tree = MerkleTree(depth=self.depth)
        self.writer_sk = rng.randrange(R)
        self.holder_sk = rng.randrange(R)
        for _ in range(3):
            self.tree.append(rng.randrange(1, R))
        self.cash = CashNote(1_000 * SCALE, self.writer_pk, rng.randrange(R))
        self.cash_index = self.tree.append(self.cash.commitment())
        self.tree.append(rng.randrange(1, R))

    @property
    def writer_pk(self) -> int:
        return public_key(self.writer_sk)

    @property
    def holder_pk(self) -> int:
        return public_key(self.holder_sk)

    def option(self, **fields) -> OptionNote:
        """An option written by the writer to the holder; defaults: one short call, K = 100, q = 1.5, collateral 80.

        ``kind``, ``strike``, ``quantity`` and ``side`` change the one leg;
        ``legs`` gives the position's legs instead.
        """
        values = dict(collateral=80 * SCALE, holder_pk=self.holder_pk, writer_pk=self.writer_pk, rho=self.rng.randrange(R))
        position = _position(fields)
        values.update(fields)
        return OptionNote(position, **values)

    def written(self, spent: CashNote | None = None, sk: int | None = None, **terms) -> OptionNote:
        """The option an open of ``spent`` (default: the writer's cash note) creates: rho derived, defaults as ``option``."""
        values = dict(collateral=80 * SCALE, holder_pk=self.holder_pk)
        position = _position(terms)
        values.update(terms)
        return open_notes(spent or self.cash, self.writer_sk if sk is None else sk, position, **values)[0]

    def add_option(self, option: OptionNote) -> int:
        """Append the option's commitment to the tree (as open does) and return its index."""
        return self.tree.append(option.commitment())

    def cash_note(self, amount: int) -> tuple[CashNote, int]:
        """A fresh cash note of the writer in the tree: (note, index)."""
        note = CashNote(amount, self.writer_pk, self.rng.randrange(R))
        return note, self.tree.append(note.commitment())


def _position(fields: dict) -> Position:
    """Pop the position's terms from ``fields``: asset, expiry, and ``legs`` or the one leg's kind/strike/quantity/side."""
    leg = dict(kind=CALL, strike=100 * SCALE, quantity=1_500_000, side=SHORT)
    leg.update({name: fields.pop(name) for name in list(leg) if name in fields})
    legs = fields.pop("legs", None) or (Leg(**leg),)
    return Position(fields.pop("asset", ETH), fields.pop("expiry", EXPIRY), tuple(legs))


def with_list_item(inputs: Mapping[str, object], name: str, index: int, value: object) -> dict[str, object]:
    """A copy of ``inputs`` with item ``index`` of the list input ``name`` replaced."""
    items = list(inputs[name])
    items[index] = str(value)
    return {**inputs, name: items}


def raw_cash_commitment(amount: int, owner_pk: int, rho: int) -> int:
    """The cash commitment formula without the native range checks (for out-of-range attack notes)."""
    return poseidon.hash(CASH_TAG, amount % R, owner_pk, rho)


def raw_option_commitment(asset, expiry, collateral, holder_pk, writer_pk, rho, legs) -> int:
    """The option commitment formula without the native range checks: ``legs`` are (kind, side, strike, quantity).

    Any values (reduced mod r), packed as the circuits pack them (quantity + 2^64 strike + 2^128 kind
    + 2^129 side), the slots after ``legs`` zero: for attack notes with out-of-range parts.
    """
    slots = list(legs) + [(0, 0, 0, 0)] * (MAX_LEGS - len(legs))
    packed = [(q + (strike << 64) + (kind << 128) + (side << 129)) % R for kind, side, strike, q in slots]
    return poseidon.hash(OPTION_TAG, *(f % R for f in (asset, expiry, collateral, holder_pk, writer_pk, rho)), *packed)


def transaction_inputs(rng: random.Random, depth: int = DEPTH) -> dict[str, dict]:
    """One valid inputs map per transaction circuit (deposit, open, settle, withdraw, transfer), in one tree of ``depth``."""
    from zkopt.circuits import deposit, open_position, settle, transfer, withdraw

    world = World(rng, depth=depth)
    spend = (world.cash, world.writer_sk, world.tree.membership(world.cash_index))
    seed = rng.randrange(R)
    out = {
        "deposit": deposit.inputs(deposit_note(5 * SCALE, world.holder_pk, seed), seed),
        "open": open_position.inputs(*spend, world.written(), grid8(100 * SCALE)),
        "withdraw": withdraw.inputs(*spend, 250 * SCALE, int.from_bytes(b"acct:alice", "big")),
    }
    option = world.option()
    out["settle"] = settle.inputs(option, world.tree.membership(world.add_option(option)), 130 * SCALE)
    out["transfer"] = transfer.inputs(
        world.cash, world.tree.membership(world.cash_index), world.writer_sk,
        [(400 * SCALE, world.holder_pk), (600 * SCALE, world.writer_pk)],
    )
    return out
