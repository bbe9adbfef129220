"""Property: notes created by different transactions never share a commitment or a nullifier.

A model ledger (nullifiers once, commitments once, as zkopt.ledger checks)
replays random sequences of deposits, opens, settlements and withdrawals
built with the native formulas, the way wallets build them. Hypothesis picks
the parties, amounts and terms from small sets, so the same terms, the same
keys and 0 amounts recur all the time: with a free rho they would repeat
notes; bound to the spent nullifier they never do, and the ledger never has to
refuse an honest transaction.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zkopt.native import payoff
from zkopt.native.notes import (
    CALL,
    PUT,
    CashNote,
    Leg,
    OptionNote,
    Position,
    deposit_note,
    open_notes,
    public_key,
    withdraw_change,
)

SCALE = payoff.SCALE
KEYS = (11, 22, 33)  # three parties' spending keys
AMOUNTS = (0, 1, 5 * SCALE, 100 * SCALE)

deposits = st.tuples(st.just("deposit"), st.sampled_from(KEYS), st.sampled_from(AMOUNTS))
opens = st.tuples(
    st.just("open"), st.integers(0, 50), st.sampled_from(KEYS), st.sampled_from((CALL, PUT)),
    st.sampled_from((0, SCALE)), st.sampled_from((0, SCALE)),
)
settles = st.tuples(st.just("settle"), st.integers(0, 50), st.sampled_from((0, 90 * SCALE, 200 * SCALE)))
withdraws = st.tuples(st.just("withdraw"), st.integers(0, 50), st.sampled_from((0, 1)))
actions = st.lists(st.one_of(deposits, opens, settles, withdraws), min_size=1, max_size=12)


class ModelLedger:
    """Unspent notes by owner key; every commitment and nullifier ever published, each at most once."""

    def __init__(self):
        self.commitments: set[int] = set()
        self.nullifiers: set[int] = set()
        self.cash: list[tuple[CashNote, int]] = []  # (note, owner sk), unspent
        self.options: list[OptionNote] = []  # unsettled
        self.seeds = 0

    def create(self, *notes) -> None:
        for note in notes:
            cm = note.commitment()
            assert cm not in self.commitments, f"a new note repeats commitment {cm}"
            self.commitments.add(cm)

    def spend(self, nf: int) -> None:
        assert nf not in self.nullifiers, f"a spend repeats nullifier {nf}"
        self.nullifiers.add(nf)

    def apply(self, action) -> None:
        kind = action[0]
        if kind == "deposit":
            _, sk, amount = action
            self.seeds += 1  # a wallet draws a fresh seed per deposit
            note = deposit_note(amount, public_key(sk), self.seeds)
            self.create(note)
            self.cash.append((note, sk))
        elif kind == "open" and self.cash:
            _, pick, holder_sk, option_kind, quantity, collateral = action
            spent, sk = self.cash.pop(pick % len(self.cash))
            collateral = min(collateral, spent.amount)
            position = Position(7, 1, (Leg(option_kind, 100 * SCALE, quantity),))
            option, change = open_notes(spent, sk, position, collateral=collateral, holder_pk=public_key(holder_sk))
            self.spend(spent.nullifier(sk))
            self.create(option, change)
            self.options.append(option)
            self.cash.append((change, sk))
        elif kind == "settle" and self.options:
            _, pick, price = action
            option = self.options.pop(pick % len(self.options))
            self.spend(option.nullifier())
            holder, writer = option.settlement_notes(price)
            self.create(holder, writer)
            by_pk = {public_key(k): k for k in KEYS}
            self.cash += [(holder, by_pk[holder.owner_pk]), (writer, by_pk[writer.owner_pk])]
        elif kind == "withdraw" and self.cash:
            _, pick, whole = action
            spent, sk = self.cash.pop(pick % len(self.cash))
            change = withdraw_change(spent, sk, spent.amount if whole else 0)
            self.spend(spent.nullifier(sk))
            self.create(change)
            self.cash.append((change, sk))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(actions)
def test_no_two_transactions_create_the_same_note_or_publish_the_same_nullifier(sequence):
    ledger = ModelLedger()
    for action in sequence:
        ledger.apply(action)
    # Nullifiers and commitments are different kinds of hash (tags, widths): they never meet either.
    assert not ledger.commitments & ledger.nullifiers


def test_the_same_terms_from_the_same_writer_give_different_notes():
    """The case a free rho got wrong only by bad luck, and a chosen rho on purpose: identical opens."""
    ledger = ModelLedger()
    for _ in range(2):
        ledger.apply(("deposit", 11, 100 * SCALE))
    for pick in (0, 0):
        ledger.apply(("open", pick, 22, CALL, SCALE, SCALE))
    first, second = ledger.options
    assert (first.position, first.collateral, first.holder_pk) == (second.position, second.collateral, second.holder_pk)
    assert first.commitment() != second.commitment() and first.nullifier() != second.nullifier()
    # Both settle at a price out of the money: the two holder outputs are 0 notes to one key, still distinct.
    for pick in (0, 0):
        ledger.apply(("settle", pick, 0))
    assert len(ledger.commitments) == 2 + 2 * 2 + 2 * 2
