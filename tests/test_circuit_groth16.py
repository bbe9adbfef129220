"""Groth16 round trips of deposit, open and withdraw at depth 4; a changed public input (the recipient) fails.

One setup per circuit (module scope, seeded); settle's end-to-end run at the
production depth, with snarkjs, is tests/test_circuit_settle_e2e.py.
"""

from __future__ import annotations

import random

import pytest

from tests.circuit_fixtures import DEPTH, SCALE, World, grid8, solve
from zkopt import r1cs
from zkopt.circuits import build, deposit, open_position, withdraw
from zkopt.errors import InvalidProof, Unsatisfied
from zkopt.native.notes import PUT, deposit_note
from zkopt.groth16 import prove, setup, verify

SEED = 4_2026


@pytest.fixture(scope="module")
def world():
    return World(random.Random(SEED))


def _setup(name, **params):
    return setup(r1cs.compile(build(name, params)), random.Random(SEED + len(name)))


def _changed(public, position):
    changed = list(public)
    changed[position] = (changed[position] + 1) % (1 << 64)
    return changed


def test_deposit_round_trip(world):
    pk = _setup("deposit")
    w = solve("deposit", deposit.inputs(deposit_note(5 * SCALE, world.holder_pk, 11), 11))
    proof = prove(pk, w, random.Random(1))
    verify(pk.vk, w.public, proof)
    with pytest.raises(InvalidProof):
        verify(pk.vk, _changed(w.public, 0), proof)  # another amount


def test_open_round_trip(world):
    pk = _setup("open", depth=DEPTH)
    option = world.written(kind=PUT)
    spend = (world.cash, world.writer_sk, world.tree.membership(world.cash_index))
    inputs = open_position.inputs(*spend, option, grid8(100 * SCALE))
    w = solve("open", inputs, depth=DEPTH)
    proof = prove(pk, w, random.Random(2))
    verify(pk.vk, w.public, proof)
    names = w.r1cs.public_names
    with pytest.raises(InvalidProof):
        verify(pk.vk, _changed(w.public, names.index("grid[0]")), proof)  # a grid price moved after proving
    # A proof for one asset does not verify under another public asset (the ledger's grid follows the asset).
    assert w.public[names.index("asset")] == option.position.asset
    other_asset = list(w.public)
    other_asset[names.index("asset")] = int.from_bytes(b"BTC-USD", "big")
    assert other_asset[names.index("asset")] != option.position.asset
    with pytest.raises(InvalidProof):
        verify(pk.vk, other_asset, proof)
    # A margin that does not hold gets no proof at all.
    short = world.written(kind=PUT, collateral=0)
    bad = open_position.inputs(*spend, short, grid8(100 * SCALE))
    with pytest.raises(Unsatisfied, match="open/margin/point_0/slack/sum"):
        prove(pk, solve("open", bad, depth=DEPTH), random.Random(3))


def test_withdraw_round_trip_and_recipient_is_bound(world):
    pk = _setup("withdraw", depth=DEPTH)
    alice, mallory = int.from_bytes(b"acct:alice", "big"), int.from_bytes(b"acct:mallory", "big")
    inputs = withdraw.inputs(world.cash, world.writer_sk, world.tree.membership(world.cash_index), 250 * SCALE, alice)
    w = solve("withdraw", inputs, depth=DEPTH)
    proof = prove(pk, w, random.Random(4))
    verify(pk.vk, w.public, proof)
    recipient = w.r1cs.public_names.index("recipient")
    redirected = list(w.public)
    redirected[recipient] = mallory
    with pytest.raises(InvalidProof):
        verify(pk.vk, redirected, proof)
    with pytest.raises(InvalidProof):
        verify(pk.vk, _changed(w.public, w.r1cs.public_names.index("amount")), proof)
