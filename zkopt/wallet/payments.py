"""Transfers a wallet builds: paying an address, and merging its own notes when no single one covers an amount.

A transfer spends one or two of the wallet's cash notes (a dummy second input
when one suffices) into two outputs: the payee's and the change back to the
wallet, each sealed to its owner's encryption key so the payee's ``sync``
finds it. Note selection: the smallest note that covers the amount, else the
pair of notes with the smallest sum that covers it, else merging the two
largest notes into one until one covers it (each merge a transfer of its own,
submitted first, and said on the status line).
"""

from __future__ import annotations

from itertools import combinations

from zkopt.keydir import KeyDir, Status, _quiet
from zkopt.native.notes import transfer_notes
from zkopt.units import format_amount
from zkopt.wallet.address import Address
from zkopt.wallet.core import Wallet, WalletError
from zkopt.wallet.notes import Outcome, WalletNote


def spendable(wallet: Wallet) -> list[WalletNote]:
    """The wallet's unspent cash notes on the ledger, smallest first."""
    notes = [n for n in wallet.notes if n.type == "cash" and n.status == "unspent" and n.note.owner_pk == wallet.pk]
    return sorted(notes, key=lambda n: (n.note.amount, n.leaf_index))


def choose(wallet: Wallet, amount: int) -> list[WalletNote] | None:
    """One note that covers ``amount``, else two, each choice the one with the smallest total; None when none does."""
    notes = spendable(wallet)
    single = [n for n in notes if n.note.amount >= amount]
    if single:
        return [single[0]]
    pairs = [p for p in combinations(notes, 2) if p[0].note.amount + p[1].note.amount >= amount]
    if pairs:
        return list(min(pairs, key=lambda p: p[0].note.amount + p[1].note.amount))
    return None


def transfer(
    wallet: Wallet,
    ledger,
    keys: KeyDir,
    spend: list[WalletNote],
    outputs: list[tuple[int, Address]],
    *,
    condition: int = 0,
    submit: bool = True,
    status: Status | None = None,
) -> Outcome:
    """Prove (and submit) a transfer of one or two of the wallet's notes into two outputs (amount, address)."""
    from zkopt.circuits import transfer as circuit

    status = status or _quiet
    if not 1 <= len(spend) <= 2 or len(outputs) != 2:
        raise WalletError("a transfer spends one or two notes into two outputs")
    first, second = spend[0], (spend[1] if len(spend) == 2 else None)
    pairs = [(amount, address.pk) for amount, address in outputs]
    paths = _paths(ledger, [n.leaf_index for n in spend])
    inputs = circuit.inputs(
        first.note, paths[0], wallet.sk, pairs, second.note if second else None, paths[1] if second else None, condition,
    )
    _, made = transfer_notes(first.note, second.note if second else None, wallet.sk, pairs)
    built = wallet._prove("transfer", inputs, ledger, keys, status)
    built.spends = [n.id for n in spend]
    built.creates = [WalletNote(note, f"transfer of {', '.join(built.spends)}") for note in made if note.owner_pk == wallet.pk]
    built.deliver = [(note, address.encryption_key) for note, (_, address) in zip(made, outputs)]
    return wallet._finish(built, ledger, submit)


def _paths(ledger, indices: list[int]) -> list:
    """The Merkle paths of ``indices`` against one root: read again if an entry landed between the reads."""
    for _ in range(3):
        paths = [ledger.membership(i) for i in indices]
        if len({p.root for p in paths}) == 1:
            return paths
    raise WalletError("the ledger kept changing while the notes' paths were read; try again")


def pay(
    wallet: Wallet,
    ledger,
    keys: KeyDir,
    to: Address,
    amount: int,
    *,
    condition: int = 0,
    submit: bool = True,
    status: Status | None = None,
) -> Outcome:
    """Pay ``amount`` to the address ``to`` from one or two notes (merging first if it takes more); change comes back."""
    status = status or _quiet
    if amount <= 0:
        raise WalletError("a payment must be positive")
    spend = choose(wallet, amount) or [cover(wallet, ledger, keys, amount, "payment", submit=submit, status=status)]
    change = sum(n.note.amount for n in spend) - amount
    return transfer(wallet, ledger, keys, spend, [(amount, to), (change, wallet.address)],
                    condition=condition, submit=submit, status=status)


def cover(
    wallet: Wallet, ledger, keys: KeyDir, amount: int, what: str, *, submit: bool = True, status: Status | None = None
) -> WalletNote:
    """One unspent note of at least ``amount``, merging the two largest notes into one until there is one."""
    status = status or _quiet
    while True:
        notes = spendable(wallet)
        covering = [n for n in notes if n.note.amount >= amount]
        if covering:
            return covering[0]
        total = sum(n.note.amount for n in notes)
        if total < amount or len(notes) < 2:
            raise WalletError(
                f"the {what} of {format_amount(amount)} exceeds this wallet's unspent cash of {format_amount(total)}"
                + wallet._pending_hint()
            )
        if not submit:
            raise WalletError(
                f"no single note holds the {what} of {format_amount(amount)}: merging notes takes a transfer that is "
                "submitted first, so run it without --out"
            )
        a, b = notes[-2:]
        merged = transfer(wallet, ledger, keys, [b, a], [(a.note.amount + b.note.amount, wallet.address),
                                                         (0, wallet.address)], submit=True, status=status)
        wallet.notices.append(
            f"merged notes {a.id} and {b.id} ({format_amount(a.note.amount)} + {format_amount(b.note.amount)}) in entry "
            f"{merged.receipt.seq}: no single note held the {what} of {format_amount(amount)}"
        )
