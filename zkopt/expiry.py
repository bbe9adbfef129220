"""Settling a whole expiry: every due option note of a wallet, proved in parallel and submitted in batches.

``settle_all(wallet, ledger, keys, provers)`` takes the wallet's option notes
that can be settled now (on the ledger, unspent, with an attested price for
their asset and expiry; ``expiry`` and ``asset`` narrow the choice), proves
their settlements on ``provers`` (``zkopt.proving_jobs``: a local process pool
or a Dask cluster) and submits them with the ledger's ``submit_batch``. A note that
fails is reported with its reason and the others go on.

**Waves and the root window.** A proof is accepted only while its root is
among the ledger's last K roots (genesis ``root_history``), and every accepted
transaction adds a root. So the notes go in waves of at most ``per_root``
(default K): a wave's Merkle paths are read from the ledger, its proofs made
in parallel, and the wave is submitted as one batch, in the wallet's order,
which the ledger judges entry by entry as the auditor replays it. A proof
refused as stale (other traders' transactions pushed its root out of the
window between proving and submitting) is proved again in the next wave, at
most ``STALE_RETRIES`` times.

**The wallet file.** A wave's new notes are written to the file as pending
before its batch is submitted; after the batch the wallet marks what the
ledger acknowledged (``sync``), and the refused transactions' notes are
dropped, as ``Wallet.settle`` does for one. Settlement outputs are
deterministic (their rho comes from the option's nullifier), so a rerun after
an interruption finds the accepted ones on the ledger, proves exactly the
notes still unspent and recreates the same notes.

**What a worker sees:** the settle circuit's inputs (the option's opening, its
Merkle path, the price) and the proving key; never the wallet file or its
spending key, which a settlement does not use.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zkopt.keydir import KeyDir, Status, _quiet
from zkopt.native.notes import OptionNote
from zkopt.proving_jobs import ProofJob, Provers
from zkopt.wallet import Wallet, WalletError, WalletNote

if TYPE_CHECKING:
    from zkopt.ledger.backend import LedgerBackend

#: How often one note's proof may go stale (its root pushed out of the window) before it is reported failed.
STALE_RETRIES = 3

#: Progress callback: (proofs finished, proofs planned so far).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class NoteOutcome:
    """What became of one option note.

    ``status`` is ``settled`` (by this run, in entry ``seq``), ``elsewhere``
    (settled in entry ``seq`` by another submission, e.g. the counterparty's),
    ``failed`` (``reason`` says why; the note is left as it was) or ``waiting``
    (no attested price for its asset and expiry yet). ``amounts`` are the
    settlement notes this wallet receives.
    """

    id: str
    status: str
    seq: int | None = None
    reason: str = ""
    amounts: tuple[int, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "seq": self.seq,
            "reason": self.reason,
            "amounts": [str(a) for a in self.amounts],
        }


@dataclass
class ExpiryReport:
    """The outcome of every note considered, how many proofs were made, where, and how long it took."""

    provers: str
    outcomes: list[NoteOutcome] = field(default_factory=list)
    proofs: int = 0
    seconds: float = 0.0

    def having(self, status: str) -> list[NoteOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.having("failed")

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "provers": self.provers,
            "proofs": self.proofs,
            "seconds": round(self.seconds, 3),
            "notes": [o.to_json() for o in self.outcomes],
        }


def due_notes(
    wallet: Wallet, ledger: LedgerBackend, expiry: int | None = None, asset: int | None = None
) -> tuple[list[tuple[WalletNote, int]], list[NoteOutcome]]:
    """The wallet's unspent option notes on the ledger (of ``expiry`` and ``asset`` when given), split in two.

    Returns (notes with the attested price they settle at, ``waiting``
    outcomes of those whose asset and expiry have no attested price yet).
    """
    due, waiting = [], []
    for entry in wallet.notes:
        if entry.type != "option" or entry.status != "unspent":
            continue
        option: OptionNote = entry.note
        if (expiry is not None and option.position.expiry != expiry) or (asset is not None and option.position.asset != asset):
            continue
        final = ledger.final_price(option.position.asset, option.position.expiry)
        if final is None:
            waiting.append(NoteOutcome(entry.id, "waiting", reason="no attested price yet"))
        else:
            due.append((entry, final.price))
    return due, waiting


def settle_all(
    wallet: Wallet,
    ledger: LedgerBackend,
    keys: KeyDir,
    provers: Provers,
    *,
    expiry: int | None = None,
    asset: int | None = None,
    per_root: int | None = None,
    progress: Progress | None = None,
    status: Status | None = None,
) -> ExpiryReport:
    """Settle every due option note of ``wallet`` (see the module docstring); the report says what became of each."""
    from zkopt.circuits import settle
    from zkopt.ledger import Receipt, Transaction
    from zkopt.ledger.rules import RuleBroken

    status = status or _quiet
    start = time.perf_counter()
    wallet.sync(ledger)
    wallet.save()
    if "settle" not in ledger.genesis.circuits:
        raise WalletError("this ledger does not accept settle transactions")
    entry_of_circuit = ledger.genesis.circuits["settle"]
    due, waiting = due_notes(wallet, ledger, expiry, asset)
    report = ExpiryReport(provers.describe())
    if not due:
        report.outcomes = waiting
        return report
    pk = keys.proving_key("settle", entry_of_circuit, status)
    names = entry_of_circuit.public_names
    per_root = per_root or ledger.genesis.root_history
    outcomes: dict[str, NoteOutcome] = {}
    stale: Counter[str] = Counter()
    planned = len(due)
    queue = list(due)
    status(f"settling {planned} option notes on {report.provers}, at most {per_root} proofs per root")

    def fail(entry: WalletNote, reason: str) -> None:
        outcomes[entry.id] = NoteOutcome(entry.id, "failed", reason=reason)

    finished = 0
    while queue:
        wave, queue = queue[:per_root], queue[per_root:]
        by_id = {entry.id: entry for entry, _ in wave}
        inputs: dict[str, dict] = {}
        for entry, price in wave:
            try:
                inputs[entry.id] = settle.inputs(entry.note, ledger.membership(entry.leaf_index), price)
            except ValueError as exc:
                fail(entry, f"no settlement can be proved for it: {exc}")
        proved: dict[str, Transaction] = {}
        for result in provers.prove(pk, [ProofJob(tag, values) for tag, values in inputs.items()]):
            finished += 1
            if progress:
                progress(finished, planned)
            if result.error is not None:
                fail(by_id[result.tag], f"proving failed: {result.error}")
            elif result.public != [int(inputs[result.tag][n]) for n in names]:
                fail(by_id[result.tag], "the worker answered with a proof of other public inputs")
            else:
                proved[result.tag] = Transaction("settle", tuple(result.public), result.proof)
                report.proofs += 1

        ready = [(entry, price) for entry, price in wave if entry.id in proved]
        outputs = {entry.id: _own_outputs(wallet, entry, price) for entry, price in ready}
        added = [n for notes in outputs.values() for n in notes if not any(e.note == n.note for e in wallet.notes)]
        wallet.notes.extend(added)
        wallet.save()
        results = ledger.submit_batch([proved[entry.id] for entry, _ in ready]) if ready else []
        dropped = []
        for (entry, price), result in zip(ready, results):
            if isinstance(result, Receipt):
                amounts = tuple(n.note.amount for n in outputs[entry.id])
                outcomes[entry.id] = NoteOutcome(entry.id, "settled", result.seq, amounts=amounts)
                continue
            dropped += [n for n in outputs[entry.id] if n in added]
            check = result.check if isinstance(result, RuleBroken) else None
            if check == "root" and stale[entry.id] < STALE_RETRIES:
                stale[entry.id] += 1
                planned += 1
                queue.append((entry, price))
            elif check == "nullifier":
                spent_in = ledger.nullifier_seq(entry.note.nullifier())
                outcomes[entry.id] = NoteOutcome(entry.id, "elsewhere", spent_in, reason=result.reason)
            else:
                fail(entry, f"rejected: {result.reason}")
        for entry, _ in wave:
            if entry.id not in outcomes and entry.id not in proved:
                fail(entry, "the provers gave no answer for it")
        wallet.notes = [n for n in wallet.notes if n not in dropped]
        wallet.sync(ledger)
        wallet.save()

    report.outcomes = [outcomes[entry.id] for entry, _ in due] + waiting
    report.seconds = time.perf_counter() - start
    return report


def _own_outputs(wallet: Wallet, entry: WalletNote, price: int) -> list[WalletNote]:
    """The settlement notes of option ``entry`` at ``price`` that belong to ``wallet`` (as ``Wallet.settle`` adds them)."""
    option: OptionNote = entry.note
    return [
        WalletNote(out, f"settlement of {entry.id}") for out in option.settlement_notes(price) if out.owner_pk == wallet.pk
    ]


__all__ = ["STALE_RETRIES", "ExpiryReport", "NoteOutcome", "due_notes", "settle_all"]
