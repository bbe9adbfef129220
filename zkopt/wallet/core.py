"""A trader's wallet: a spending key and the openings of its notes, and the transactions it builds.

The prover's side of the ledger: each transaction method (``deposit``,
``open_position``, ``settle``, ``withdraw``) picks the notes, derives the new
notes with ``zkopt.native.notes``, proves with the key directory's key
(``zkopt.keydir``) and submits, or hands the transaction back for a file.
Numbers and names are parsed in ``zkopt.units``, files written by
``zkopt.files``; the command line only parses, calls and prints.

**Wallet file.** One JSON object holding the spending key and the opening of
every note the wallet knows, with where each note is on the ledger::

    {"format": "zkopt-wallet/v1", "spending_key": "...", "public_key": "...",
     "assets": {"<asset id>": "<ticker>"},
     "notes": [{"id": "3f1c0a9b72de", "type": "cash" | "option", "note": {field: decimal},
                "origin": "deposit", "leaf_index": 7 | null, "created_in": 3 | null,
                "spent_in": 5 | null}]}

A note's ``id`` is the first 12 hex digits of its commitment, so the writer's
and the holder's wallets name a shared option note alike. The file is
rewritten atomically with owner-only permissions (0600): it holds the
spending key. A transaction's new notes are written to the file *before* the
transaction is submitted (as ``pending``), so a crash between the two never
loses an opening; a rejected transaction's notes are dropped again. ``sync``
reads the ledger: it finds each pending note's leaf index by its commitment,
marks a note spent when its nullifier is on the ledger, and, once an option
note the wallet holds has been settled (by either party), adds this wallet's
settlement note, whose opening follows from the option's opening and the
attested price. One process at a time should write a wallet.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zkopt.errors import LedgerRejected, MalformedInput, ZkoptError, shown
from zkopt.field import R
from zkopt.files import read_json, write_atomic, write_new
from zkopt.keydir import KeyDir, Status, _quiet
from zkopt.native import payoff
from zkopt.native.notes import (
    CashNote,
    OptionNote,
    Position,
    deposit_note,
    open_notes,
    public_key,
    withdraw_change,
)
from zkopt.units import asset_id, format_amount, format_leg, format_time, parse_field, short
from zkopt import note_encryption
from zkopt.wallet.address import Address
from zkopt.wallet.notes import Built, Outcome, WalletNote

if TYPE_CHECKING:
    from zkopt.ledger import Ledger

WALLET_FORMAT = "zkopt-wallet/v1"

#: Shortest note id prefix accepted on the command line.
MIN_ID_PREFIX = 4


class WalletError(ZkoptError):
    """The wallet cannot do what was asked (no note large enough, an unknown note, no attested price yet)."""


def margin_grid(ledger: Ledger, asset: int, name: str) -> list[int]:
    """The ledger's margin grid for ``asset`` now (``Ledger.margin_grid``); WalletError naming ``name`` without a spot."""
    try:
        return ledger.margin_grid(asset)
    except LedgerRejected:
        raise WalletError(
            f"no attested spot price for {name}: the ledger's margin grid is the last attested spot "
            "x the genesis shocks, so the oracle must report a spot first"
        ) from None


class Wallet:
    """A spending key and the notes it can open; see the module docstring for the file and ``sync``.

    ``rng`` (any object with ``randrange``) draws rhos and proof blinding;
    by default the OS's CSPRNG. Pass a seeded one only in tests.
    """

    def __init__(self, sk: int, path: str | os.PathLike | None = None, rng=None, encryption_key: bytes | None = None):
        if isinstance(sk, bool) or not isinstance(sk, int) or not 0 < sk < R:
            raise MalformedInput("the spending key must be a field element in [1, r)")
        self.sk = sk
        self.pk = public_key(sk)
        self.path = Path(path) if path is not None else None
        self.rng = rng or secrets.SystemRandom()
        self.notes: list[WalletNote] = []
        self.assets: dict[int, str] = {}
        self.encryption_key = encryption_key if encryption_key is not None else note_encryption.new_private_key()
        #: Per ledger (its genesis hash, hex), the last entry whose encrypted notes ``sync`` has read.
        self.scanned: dict[str, int] = {}
        #: What the wallet did on its own while building a transaction (merging notes), for the user to be told.
        self.notices: list[str] = []

    @property
    def address(self) -> Address:
        """Where others pay this wallet: its spending public key and its X25519 public key."""
        return Address(self.pk, note_encryption.public_key(self.encryption_key))

    # --- files ----------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike | None = None, rng=None) -> Wallet:
        """A new wallet with a fresh spending key; written to ``path`` (which must not exist) when given."""
        rng = rng or secrets.SystemRandom()
        wallet = cls(rng.randrange(1, R), path, rng)
        if path is not None:
            write_new(path, wallet._dumps(), 0o600)
        return wallet

    @classmethod
    def load(cls, path: str | os.PathLike, rng=None) -> Wallet:
        """Read a wallet file; MalformedInput with one line when it is not a usable wallet."""
        path = Path(path)
        obj = read_json(path, "wallet")
        try:
            if not isinstance(obj, dict) or obj.get("format") != WALLET_FORMAT:
                raise MalformedInput(f"not a zkopt wallet (format {WALLET_FORMAT})")
            sk = parse_field(obj.get("spending_key"), "spending_key")
            key_text = obj.get("encryption_key")
            if key_text is not None and (not isinstance(key_text, str) or not re.fullmatch(r"[0-9a-f]{64}", key_text)):
                raise MalformedInput("encryption_key must be 64 lowercase hex digits")
            wallet = cls(sk, path, rng, bytes.fromhex(key_text) if key_text else None)
            scanned = obj.get("scanned", {})
            if not isinstance(scanned, dict) or not all(
                isinstance(k, str) and re.fullmatch(r"[0-9a-f]{64}", k) and isinstance(v, int)
                and not isinstance(v, bool) and v >= 0 for k, v in scanned.items()
            ):
                raise MalformedInput("scanned must map genesis hashes to entry numbers")
            wallet.scanned = dict(scanned)
            if parse_field(obj.get("public_key"), "public_key") != wallet.pk:
                raise MalformedInput("the public key does not belong to the spending key")
            notes = obj.get("notes")
            if not isinstance(notes, list):
                raise MalformedInput("notes must be a list")
            wallet.notes = [WalletNote.from_json(n) for n in notes]
            ids = [n.id for n in wallet.notes]
            if len(set(ids)) != len(ids):
                raise MalformedInput("a note appears twice")
            assets = obj.get("assets", {})
            if not isinstance(assets, dict):
                raise MalformedInput("assets must map asset ids to tickers")
            wallet.assets = {parse_field(k, "asset id"): str(v) for k, v in assets.items()}
        except MalformedInput as exc:
            raise MalformedInput(f"wallet {path}: {exc}") from None
        if key_text is None:  # a wallet from before addresses: give it its encryption key, once
            wallet.save()
        return wallet

    def _dumps(self) -> str:
        obj = {
            "format": WALLET_FORMAT,
            "spending_key": str(self.sk),
            "public_key": str(self.pk),
            "encryption_key": self.encryption_key.hex(),
            "scanned": dict(sorted(self.scanned.items())),
            "assets": {str(k): v for k, v in sorted(self.assets.items())},
            "notes": [n.to_json() for n in self.notes],
        }
        return json.dumps(obj, indent=1) + "\n"

    def save(self) -> None:
        """Rewrite the wallet file atomically with owner-only permissions (no-op for an in-memory wallet)."""
        if self.path is not None:
            write_atomic(self.path, self._dumps(), 0o600)

    # --- queries ----------------------------------------------------------------------

    def find(self, prefix: str) -> WalletNote:
        """The note whose id starts with ``prefix`` (at least 4 hex digits); WalletError if none or several."""
        text = str(prefix).strip().lower()
        if len(text) < MIN_ID_PREFIX or not re.fullmatch(r"[0-9a-f]+", text):
            raise MalformedInput(f"note id {shown(prefix)} must be at least {MIN_ID_PREFIX} hex digits (see `wallet notes`)")
        found = [n for n in self.notes if n.id.startswith(text) or f"{n.note.commitment():064x}".startswith(text)]
        if not found:
            raise WalletError(f"no note {shown(prefix)} in this wallet")
        if len(found) > 1:
            raise WalletError(f"note id {shown(prefix)} is ambiguous: {', '.join(n.id for n in found)}")
        return found[0]

    def owns(self, note: CashNote | OptionNote) -> bool:
        if isinstance(note, CashNote):
            return note.owner_pk == self.pk
        return self.pk in (note.holder_pk, note.writer_pk)

    def balance(self) -> int:
        """The sum of this wallet's unspent cash notes on the ledger."""
        return sum(
            n.note.amount for n in self.notes if n.type == "cash" and n.status == "unspent" and self.owns(n.note)
        )

    def asset_name(self, asset: int) -> str:
        return self.assets.get(asset, f"asset {short(asset)}")

    def describe(self, entry: WalletNote) -> str:
        """One line about a note, without its rho or any key."""
        note = entry.note
        if isinstance(note, CashNote):
            return f"cash {format_amount(note.amount)}"
        side = "holder" if note.holder_pk == self.pk else "writer"
        if note.holder_pk == note.writer_pk:
            side = "holder and writer"
        position = note.position
        legs = " ".join(format_leg(leg) for leg in position.used_legs) or "no leg"
        return (
            f"{self.asset_name(position.asset)} {legs} expiry {format_time(position.expiry)} "
            f"collateral {format_amount(note.collateral)} ({side})"
        )

    # --- the ledger ----------------------------------------------------------------------

    def _nullifier(self, entry: WalletNote) -> int | None:
        note = entry.note
        if isinstance(note, OptionNote):
            return note.nullifier()
        return note.nullifier(self.sk) if note.owner_pk == self.pk else None

    def _add(self, entry: WalletNote) -> WalletNote:
        """Keep ``entry`` (once); a cash note of 0 is worth nothing and is never kept."""
        for existing in self.notes:
            if existing.id == entry.id and existing.note == entry.note:
                return existing
        if not _is_empty(entry.note):
            self.notes.append(entry)
        return entry

    def sync(self, ledger: Ledger) -> list[str]:
        """Bring every note up to date with the ledger; return one line per change (see the module docstring)."""
        changes = self._receive(ledger)
        for entry in list(self.notes):
            if entry.leaf_index is None:
                found = ledger.find_commitment(entry.note.commitment())
                if found is not None:
                    entry.leaf_index, entry.created_in = found
                    changes.append(f"{entry.id} is on the ledger (leaf {entry.leaf_index}, entry {entry.created_in})")
            if entry.leaf_index is not None and entry.spent_in is None:
                nf = self._nullifier(entry)
                seq = ledger.nullifier_seq(nf) if nf is not None else None
                if seq is not None:
                    entry.spent_in = seq
                    changes.append(f"{entry.id} was spent in entry {seq}")
            if entry.type == "option" and entry.spent_in is not None:
                changes += self._discover_settlement(ledger, entry)
        return changes

    def _receive(self, ledger: Ledger) -> list[str]:
        """Every note sealed to this wallet in the entries this ledger has added since the last sync (``scanned``),
        kept when it is found on the ledger in the entry that carried it."""
        if not getattr(ledger, "carries_notes", False):
            return []
        changes = []
        market = ledger.genesis.hash().hex()
        for seq, _, ciphertext in ledger.encrypted_notes(self.scanned.get(market, 0) + 1):
            self.scanned[market] = max(self.scanned.get(market, 0), seq)
            note = note_encryption.decrypt(ciphertext, self.encryption_key)
            if note is None or not self.owns(note) or _is_empty(note) or any(n.note == note for n in self.notes):
                continue
            found = ledger.find_commitment(note.commitment())
            if found is None or found[1] != seq:  # a ciphertext copied into another entry opens nothing
                continue
            new = self._add(WalletNote(note, f"received in entry {seq}", *found))
            changes.append(f"{new.id}: received {self.describe(new)} (entry {seq})")
        return changes

    def _discover_settlement(self, ledger: Ledger, entry: WalletNote) -> list[str]:
        option: OptionNote = entry.note
        final = ledger.final_price(option.position.asset, option.position.expiry)
        if final is None:
            return []
        changes = []
        for output in option.settlement_notes(final.price):
            if output.owner_pk != self.pk or _is_empty(output) or any(n.note == output for n in self.notes):
                continue
            found = ledger.find_commitment(output.commitment())
            if found is None:
                continue
            new = self._add(WalletNote(output, f"settlement of {entry.id}", *found))
            changes.append(f"{new.id}: {format_amount(output.amount)} from the settlement of {entry.id}")
        return changes

    def import_opening(self, opening: object, ticker: str | None = None) -> tuple[WalletNote, bool]:
        """Add a shared note (an opening from ``wallet open --share`` or ``disclose``); (entry, True if new).

        The note must name this wallet's key (as cash owner, option holder or
        writer). ``ticker``, when given, must be the option's asset.
        """
        from zkopt.audit import parse_opening

        note = parse_opening(opening)
        if not self.owns(note):
            raise WalletError("the note does not name this wallet's public key (as owner, holder or writer)")
        if ticker is not None:
            if not isinstance(note, OptionNote) or asset_id(ticker) != note.position.asset:
                raise WalletError(f"the note's asset is not {shown(ticker)}")
            self.assets[note.position.asset] = ticker
        for existing in self.notes:
            if existing.note == note:
                return existing, False
        entry = WalletNote(note, "imported")
        self.notes.append(entry)
        return entry, True

    def opening(self, prefix: str) -> dict:
        """The JSON opening of one note (``{"type", "note"}``), for a counterparty or an auditor."""
        from zkopt.audit import export_opening

        return export_opening(self.find(prefix).note)

    # --- building and submitting transactions --------------------------------------------------

    def _fresh(self) -> int:
        return self.rng.randrange(1, R)

    def _pending_hint(self) -> str:
        pending = sum(1 for n in self.notes if n.status == "pending")
        if not pending:
            return ""
        return f"; {pending} notes are pending (run `zkopt wallet sync` once their transactions are on the ledger)"

    def _cover(self, ledger: Ledger, keys: KeyDir, amount: int, what: str, submit: bool, status: Status) -> WalletNote:
        """One unspent cash note of at least ``amount``, merging notes first when none is (``payments.cover``)."""
        from zkopt.wallet.payments import cover

        return cover(self, ledger, keys, amount, what, submit=submit, status=status)

    def _prove(self, kind: str, inputs: Mapping, ledger: Ledger, keys: KeyDir, status: Status) -> Built:
        from zkopt import circuits, r1cs
        from zkopt.groth16 import prove

        if kind not in ledger.genesis.circuits:
            raise WalletError(f"this ledger does not accept {kind} transactions")
        expected = ledger.genesis.circuits[kind]
        pk = keys.proving_key(kind, expected, status)
        witness = r1cs.solve(circuits.build(kind, pk.params), dict(inputs))
        status(f"proving {kind} ({witness.r1cs.n_constraints:,} constraints)")
        start = time.perf_counter()
        proof = prove(pk, witness, self.rng)
        seconds = time.perf_counter() - start
        return Built(kind, list(witness.public), list(expected.public_names), proof, prove_seconds=seconds)

    def seal(self, built: Built, ledger: Ledger) -> None:
        """Seal each new note to its owner (``built.deliver``; by default this wallet's own notes to itself)."""
        if not getattr(ledger, "carries_notes", False):
            return
        deliver = built.deliver or [(entry.note, self.address.encryption_key) for entry in built.creates]
        built.sealed = tuple(note_encryption.encrypt(note, key) for note, key in deliver)

    def _finish(self, built: Built, ledger: Ledger, submit: bool) -> Outcome:
        """Write the new notes to the wallet file first (pending), then submit; a rejection drops them again."""
        added = [n for n in built.creates if n not in self.notes and not _is_empty(n.note)]
        for entry in added:
            self._add(entry)
        self.save()
        self.seal(built, ledger)
        if not submit:
            return Outcome(built)
        try:
            receipt = ledger.submit(built.kind, built.public, built.proof, built.sealed)
        except LedgerRejected:
            self.notes = [n for n in self.notes if n not in added]
            self.save()
            raise
        self.sync(ledger)
        self.save()
        return Outcome(built, receipt)

    def deposit(
        self, ledger: Ledger, keys: KeyDir, amount: int, *, submit: bool = True, status: Status | None = None
    ) -> Outcome:
        """Prove a deposit of ``amount`` (fixed point) into a new cash note of this wallet."""
        from zkopt.circuits import deposit

        status = status or _quiet
        if amount <= 0:
            raise MalformedInput("a deposit amount must be positive")
        seed = self._fresh()
        note = deposit_note(amount, self.pk, seed)
        built = self._prove("deposit", deposit.inputs(note, seed), ledger, keys, status)
        built.creates = [WalletNote(note, "deposit")]
        return self._finish(built, ledger, submit)

    def open_position(
        self,
        ledger: Ledger,
        keys: KeyDir,
        *,
        holder_pk: int,
        position: Position,
        collateral: int,
        grid: Sequence[int] | None = None,
        ticker: str | None = None,
        submit: bool = True,
        status: Status | None = None,
        spend: WalletNote | None = None,
        holder_key: bytes | None = None,
        prove: bool = True,
    ) -> Outcome:
        """Write ``position`` to ``holder_pk``, locking ``collateral`` from one cash note; margin-checked over the grid.

        The grid is the ledger's, ``margin_grid(ledger, position.asset)``
        (the asset's last attested spot x the genesis margin shocks): the only
        grid the ledger accepts. ``grid`` overrides it (tests of the ledger's
        refusal). The wallet checks the margin of the whole position first
        (collateral >= its worst loss over the grid, ``payoff.worst_loss``)
        and says where it fails; the circuit then proves it. The result's
        ``tx.grid`` is the grid used and ``tx.share`` the option note to hand
        to the holder (``wallet import``). ``spend`` pins the cash note to
        lock (a quote's); ``holder_key`` seals the option to the holder's
        encryption key; without ``prove`` only the notes are derived (a quote).
        """
        from zkopt.circuits import open_position

        status = status or _quiet
        if not isinstance(position, Position):
            raise MalformedInput("the position must be a zkopt.native.notes.Position")
        if isinstance(holder_pk, bool) or not isinstance(holder_pk, int) or not 0 <= holder_pk < R:
            raise MalformedInput("the holder's public key must be a field element")
        if not position.used_legs or any(leg.quantity <= 0 for leg in position.used_legs):
            raise MalformedInput("every leg of the position needs a positive quantity")
        asset = position.asset
        now = ledger.time()
        if position.expiry <= now:
            raise WalletError(
                f"the expiry {format_time(position.expiry)} is not after the ledger's time {format_time(now)}: "
                "the ledger refuses such an open (it could settle at once)"
            )
        if grid is None:
            grid = margin_grid(ledger, asset, ticker or self.asset_name(asset))
        grid = list(grid)
        names = ledger.genesis.circuits["open"].public_names if "open" in ledger.genesis.circuits else ()
        size = sum(1 for n in names if n.startswith("grid["))
        if size and len(grid) != size:
            raise MalformedInput(f"this ledger's open circuit takes {size} grid prices, got {len(grid)}")
        worst = payoff.worst_loss(position.legs, grid)
        if worst > collateral:
            at = payoff.worst_price(position.legs, grid)
            raise WalletError(
                f"margin check fails: collateral {format_amount(collateral)} does not cover the worst loss "
                f"{format_amount(worst)} (at the grid price {format_amount(at)})"
            )
        spent = spend or self._cover(ledger, keys, collateral, "collateral", submit or not prove, status)
        option, change = open_notes(spent.note, self.sk, position, collateral=collateral, holder_pk=holder_pk)
        if not prove:
            return Outcome(Built("open", [], [], None, spends=[spent.id], share=option, grid=grid))
        inputs = open_position.inputs(spent.note, self.sk, ledger.membership(spent.leaf_index), option, grid)
        built = self._prove("open", inputs, ledger, keys, status)
        built.spends = [spent.id]
        built.creates = [WalletNote(option, "open (writer)"), WalletNote(change, f"change of {spent.id}")]
        built.share = option
        built.grid = grid
        if holder_key is not None:
            built.deliver = [(option, holder_key), (change, self.address.encryption_key)]
        if ticker:
            self.assets[asset] = ticker
        return self._finish(built, ledger, submit)

    def settle(
        self, ledger: Ledger, keys: KeyDir, prefix: str, *, submit: bool = True, status: Status | None = None
    ) -> Outcome:
        """Settle one option note of this wallet at the attested price of its asset and expiry."""
        from zkopt.circuits import settle

        status = status or _quiet
        entry = self.find(prefix)
        if entry.type != "option":
            raise WalletError(f"note {entry.id} is a cash note; only an option note can be settled")
        if entry.status == "spent":
            raise WalletError(f"option {entry.id} was already settled (entry {entry.spent_in})")
        if entry.status == "pending":
            raise WalletError(f"option {entry.id} is not on the ledger yet (run `zkopt wallet sync`)")
        option: OptionNote = entry.note
        asset, expiry = option.position.asset, option.position.expiry
        final = ledger.final_price(asset, expiry)
        if final is None:
            raise WalletError(f"no attested price yet for {self.asset_name(asset)} at expiry {format_time(expiry)}")
        inputs = settle.inputs(option, ledger.membership(entry.leaf_index), final.price)
        built = self._prove("settle", inputs, ledger, keys, status)
        built.spends = [entry.id]
        built.creates = [
            WalletNote(out, f"settlement of {entry.id}") for out in option.settlement_notes(final.price)
            if out.owner_pk == self.pk
        ]
        return self._finish(built, ledger, submit)

    def withdraw(
        self,
        ledger: Ledger,
        keys: KeyDir,
        amount: int,
        recipient: int,
        *,
        submit: bool = True,
        status: Status | None = None,
    ) -> Outcome:
        """Pay ``amount`` out of the pool to ``recipient`` from one cash note; the change stays in a new note."""
        from zkopt.circuits import withdraw

        status = status or _quiet
        if amount <= 0:
            raise MalformedInput("a withdrawal amount must be positive")
        if isinstance(recipient, bool) or not isinstance(recipient, int) or not 0 <= recipient < R:
            raise MalformedInput("the recipient must be a field element")
        spent = self._cover(ledger, keys, amount, "withdrawal", submit, status)
        inputs = withdraw.inputs(spent.note, self.sk, ledger.membership(spent.leaf_index), amount, recipient)
        built = self._prove("withdraw", inputs, ledger, keys, status)
        built.spends = [spent.id]
        built.creates = [WalletNote(withdraw_change(spent.note, self.sk, amount), f"change of {spent.id}")]
        return self._finish(built, ledger, submit)


def _is_empty(note: CashNote | OptionNote) -> bool:
    """A cash note of 0: a valid leaf (every transaction has the same shape) that no wallet keeps."""
    return isinstance(note, CashNote) and note.amount == 0


__all__ = ["Wallet", "WalletError", "margin_grid"]
