"""Transfers, encrypted notes, atomic bundles and conditions on a real ledger, with REAL proofs at depth 4.

The premium of an option is a transfer conditioned on the option's
commitment: it is valid only in a bundle whose open creates that option. The
attacks are the counterparties': the writer takes the premium without the
open, or pairs it with another open; anyone replays or re-orders a bundle; a
bundle with one bad transaction must change nothing at all.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3

import pytest

from tests.conftest import BACKENDS
from tests.ledger_fixtures import ASSET, SPOT, assert_rejected
from tests.market_fixtures import Market
from tests.pg_cluster import fresh_database
from zkopt.audit import audit
from zkopt.circuits import deposit, open_position, transfer
from zkopt.errors import MalformedSubmission
from zkopt.ledger import Observation, Transaction, oracle
from zkopt.ledger.copy import copy_ledger
from zkopt.ledger.transactions import MAX_NOTE_BYTES, MAX_NOTES, parse_submission
from zkopt.native import payoff
from zkopt.native.notes import (
    CALL,
    Leg,
    Position,
    deposit_note,
    open_notes,
    public_key,
    transfer_notes,
)

SCALE = payoff.SCALE
PREMIUM = 5 * SCALE


@pytest.fixture(scope="module", params=BACKENDS)
def story(request, real_keys, tmp_path_factory):
    """Alice (writer) holds 1000 spot; bob holds two notes of 60; a spot is attested. On a file or on PostgreSQL."""
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            location = stack.enter_context(fresh_database(request.getfixturevalue("pg_server_url")))
        else:
            location = tmp_path_factory.mktemp("bundles") / "ledger.db"
        world = _story(location, real_keys)
        yield world
        world["market"].ledger.close()


def _story(location, real_keys):
    rng = random.Random(12_2026)
    market = Market(location, real_keys, rng)
    alice_sk, bob_sk, carol_sk = (rng.randrange(1, 2**250) for _ in range(3))
    notes = {
        "alice": deposit_note(1_000 * SPOT, public_key(alice_sk), 21),
        "bob_1": deposit_note(60 * SCALE, public_key(bob_sk), 22),
        "bob_2": deposit_note(60 * SCALE, public_key(bob_sk), 23),
    }
    index = {}
    for name, seed in (("alice", 21), ("bob_1", 22), ("bob_2", 23)):
        receipt, _, _ = market.submit("deposit", deposit.inputs(notes[name], seed))
        index[name] = receipt.leaf_indices[0]
    t = market.clock.t
    market.ledger.post_price([oracle.sign(Observation(ASSET, t, SPOT, t), market.members[i]) for i in (0, 1)])
    return {"market": market, "rng": rng, "sk": {"alice": alice_sk, "bob": bob_sk, "carol": carol_sk},
            "notes": notes, "index": index}


def _tx(market, kind, inputs, notes=()):
    public, proof = market.prove(kind, inputs)
    return Transaction(kind, tuple(public), proof, tuple(notes))


def _offer(story, spent="alice"):
    """Alice's open of a call to bob (not submitted) and the option it creates."""
    market, sk = story["market"], story["sk"]
    grid = market.ledger.margin_grid(ASSET)
    leg = Leg(CALL, SPOT * 11 // 10, SCALE)
    position = Position(ASSET, market.clock.t + 3600, (leg,))
    cash = story["notes"][spent]
    option, _ = open_notes(cash, sk["alice"], position, collateral=payoff.worst_loss([leg], grid), holder_pk=public_key(sk["bob"]))
    path = market.ledger.membership(story["index"][spent])
    return _tx(market, "open", open_position.inputs(cash, sk["alice"], path, option, grid)), option


def _premium(story, condition, note="bob_1"):
    """Bob's payment of the premium to alice from one note (a dummy second input), conditioned on ``condition``."""
    market, sk = story["market"], story["sk"]
    cash = story["notes"][note]
    outputs = [(PREMIUM, public_key(sk["alice"])), (cash.amount - PREMIUM, public_key(sk["bob"]))]
    path = market.ledger.membership(story["index"][note])
    return _tx(market, "transfer", transfer.inputs(cash, path, sk["bob"], outputs, condition=condition))


def test_a_conditioned_premium_alone_is_refused(story):
    market = story["market"]
    open_tx, option = _offer(story)
    pay = _premium(story, option.commitment())
    assert_rejected(market.ledger, lambda: market.ledger.submit(pay.kind, list(pay.public), pay.proof),
                    "valid only in a bundle")
    assert_rejected(market.ledger, lambda: market.ledger.submit_bundle([pay]), "no other transaction of the bundle creates")
    # In a batch it is judged alone too.
    [refusal] = market.ledger.submit_batch([pay])
    assert "valid only in a bundle" in refusal.reason


def test_a_premium_paired_with_another_open_is_refused(story):
    market = story["market"]
    _, option = _offer(story)
    pay = _premium(story, option.commitment())
    # The writer's other open (another expiry: another commitment) does not create the premium's condition.
    grid = market.ledger.margin_grid(ASSET)
    leg = Leg(CALL, SPOT * 12 // 10, SCALE)
    sk, cash = story["sk"], story["notes"]["alice"]
    position = Position(ASSET, market.clock.t + 7200, (leg,))
    different, _ = open_notes(cash, sk["alice"], position, collateral=payoff.worst_loss([leg], grid),
                              holder_pk=public_key(sk["bob"]))
    assert different.commitment() != option.commitment()
    other_open = _tx(market, "open", open_position.inputs(cash, sk["alice"], market.ledger.membership(story["index"]["alice"]),
                                                          different, grid))
    reason = assert_rejected(market.ledger, lambda: market.ledger.submit_bundle([other_open, pay]))
    assert reason.startswith("bundle transaction 2 of 2: its condition is a commitment no other")


def test_a_bundle_whose_second_transaction_is_invalid_changes_nothing(story):
    market = story["market"]
    fresh = deposit_note(7 * SCALE, public_key(story["sk"]["carol"]), 31)
    good = _tx(market, "deposit", deposit.inputs(fresh, 31))
    open_tx, _ = _offer(story)
    # A proof of another statement: the open's public inputs with a changed grid price.
    bad = Transaction("open", tuple(open_tx.public[:-1]) + (open_tx.public[-1] + 1,), open_tx.proof)
    reason = assert_rejected(market.ledger, lambda: market.ledger.submit_bundle([good, bad]))
    assert reason.startswith("bundle transaction 2 of 2:")
    # The same deposit twice: the second's commitment is the first's.
    reason = assert_rejected(market.ledger, lambda: market.ledger.submit_bundle([good, good]))
    assert reason.startswith("bundle transaction 2 of 2:") and "already on the ledger" in reason
    assert market.ledger.find_commitment(fresh.commitment()) is None


def test_the_premium_bundle_is_accepted_whole_and_cannot_be_replayed(story):
    market = story["market"]
    before = market.ledger.state().entries
    open_tx, option = _offer(story)
    pay = _premium(story, option.commitment())
    receipts = market.ledger.submit_bundle([pay, open_tx])  # order does not matter to a condition
    assert [r.seq for r in receipts] == [before + 1, before + 2]
    assert len({r.accepted_at for r in receipts}) == 1
    for tx, receipt in zip((pay, open_tx), receipts):
        names = market.keys[tx.kind][0].public_names
        for leaf, name in zip(receipt.leaf_indices, [n for n in names if n.startswith("cm_")]):
            assert market.tree.append(tx.public[names.index(name)]) == leaf
    assert market.ledger.find_commitment(option.commitment()) is not None
    # Replayed whole, or the open alone: its nullifiers are spent.
    assert "already spent" in assert_rejected(market.ledger, lambda: market.ledger.submit_bundle([pay, open_tx]))
    assert "already spent" in assert_rejected(
        market.ledger, lambda: market.ledger.submit(open_tx.kind, list(open_tx.public), open_tx.proof))
    # The entries record their bundle; the audit checks it whole.
    report = audit(market.ledger.location)
    assert report.ok, report.to_text()


def test_a_payment_from_two_notes_carries_its_encrypted_notes(story):
    market, sk = story["market"], story["sk"]
    notes = story["notes"]
    used = notes["bob_2"]
    # bob_1 was spent by the premium; its change (bob's 55) and bob_2 pay carol 100.
    change = transfer_notes(notes["bob_1"], None, sk["bob"], [(PREMIUM, public_key(sk["alice"])),
                                                             (55 * SCALE, public_key(sk["bob"]))])[1][1]
    change_index = market.ledger.find_commitment(change.commitment())[0]
    outputs = [(100 * SCALE, public_key(sk["carol"])), (15 * SCALE, public_key(sk["bob"]))]
    inputs = transfer.inputs(change, market.ledger.membership(change_index), sk["bob"], outputs,
                             used, market.ledger.membership(story["index"]["bob_2"]))
    ciphertexts = (b"\x01" * MAX_NOTE_BYTES, b"\x02" * 40)
    tx = _tx(market, "transfer", inputs, ciphertexts)
    # The limits: too many notes, or one too long, is unusable input (exit 2), the file unchanged.
    for notes_given in ((b"x",) * (MAX_NOTES + 1), (b"y" * (MAX_NOTE_BYTES + 1),)):
        with pytest.raises(MalformedSubmission):
            market.ledger.submit(tx.kind, list(tx.public), tx.proof, notes_given)
    receipt = market.ledger.submit(tx.kind, list(tx.public), tx.proof, tx.notes)
    assert [c for seq, _, c in market.ledger.encrypted_notes(receipt.seq)] == list(ciphertexts)
    assert market.ledger.encrypted_notes(receipt.seq + 1) == []
    # The JSON form carries them too.
    assert parse_submission(tx.to_json()) == tx
    assert parse_submission({"bundle": [tx.to_json()]}) == [tx]
    assert audit(market.ledger.location).encrypted_notes == 2


def test_a_changed_ciphertext_or_bundle_record_is_found_by_the_audit(story, tmp_path):
    market = story["market"]
    copy = tmp_path / "copy.db"
    copy_ledger(market.ledger.location, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE encrypted_notes SET ciphertext = X'03' WHERE position = 1")
    assert "hash-chain" in {f.check for f in audit(copy).findings}
    with sqlite3.connect(copy) as conn:
        seq = conn.execute("SELECT MIN(seq) FROM transactions WHERE bundle_size = 2").fetchone()[0]
        conn.execute("UPDATE transactions SET bundle_first = NULL, bundle_size = NULL WHERE seq = ?", (seq,))
    checks = {(f.seq, f.check) for f in audit(copy).findings}
    assert (seq, "hash-chain") in checks and (seq + 1, "bundle") in checks
