"""zkopt.wallet without proofs: human numbers, assets, times, the wallet file, sync, imports, coin selection, oracle files.

The ledger here is a small fake with the lookups a wallet uses
(``find_commitment``, ``nullifier_seq``, ``final_price``, ``membership``,
``submit``); the real ledger and real proofs are exercised by
tests/test_scenario.py and the CLI tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import stat
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkopt import files as files_module
from zkopt.audit import export_opening
from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.field import R
from zkopt.ledger import FinalPrice, Observation, oracle
from zkopt.native import payoff
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CALL, LONG, PUT, CashNote, Leg, OptionNote, Position, public_key
from zkopt.files import write_atomic
from zkopt.oracle_files import add_to_committee, read_attestations, read_committee, read_oracle_key, write_oracle_key
from zkopt.units import asset_id, format_amount, parse_amount, parse_recipient, parse_time
from zkopt.wallet import Built, Wallet, WalletError, WalletNote
from zkopt.wallet.payments import choose, cover

SCALE = 10**6


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("0", 0),
        ("12.5", 12_500_000),
        ("0.000001", 1),
        ("3000", 3_000 * SCALE),
        ("007.250000", 7_250_000),
        ("18446744073709.551615", 2**64 - 1),
    ],
)
def test_parse_amount_is_exact(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("1.1234567", "more than 6 decimals"),
        ("18446744073709.551616", "too large"),
        ("-1", "not a decimal number"),
        ("+1", "not a decimal number"),
        ("1e3", "not a decimal number"),
        ("1,000", "not a decimal number"),
        ("1_000", "not a decimal number"),
        (" 1", "not a decimal number"),
        ("1.", "not a decimal number"),
        (".5", "not a decimal number"),
        ("", "not a decimal number"),
        ("\u0661", "not a decimal number"),  # an Arabic-Indic digit: str.isdigit() says yes, we say no
    ],
)
def test_parse_amount_refuses_instead_of_rounding(text, fragment):
    with pytest.raises(MalformedInput, match=fragment):
        parse_amount(text)


def test_parse_amount_takes_only_strings():
    with pytest.raises(MalformedInput, match="decimal string"):
        parse_amount(12)  # an int would be ambiguous: units or whole coins?


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_format_and_parse_round_trip(value):
    text = format_amount(value)
    assert parse_amount(text) == value
    assert not text.endswith(".") and (("." not in text) or not text.endswith("0"))


def test_asset_id_is_the_documented_hash():
    expected = int.from_bytes(hashlib.sha256(b"ETH-USD").digest()[:31], "big")
    assert asset_id("ETH-USD") == expected < R
    assert asset_id("eth-usd") != expected
    for bad in ("", " ETH-USD", "ETH\nUSD"):
        with pytest.raises(MalformedInput, match="ticker"):
            asset_id(bad)


def test_parse_time_accepts_unix_seconds_and_iso_8601():
    assert parse_time("1700000000") == 1_700_000_000
    assert parse_time("2026-03-27T08:00:00Z") == 1_774_598_400
    assert parse_time("2026-03-27T10:00:00+02:00") == 1_774_598_400
    assert parse_time("2026-03-27T08:00:00") == 1_774_598_400  # no zone: UTC
    for bad in ("yesterday", "-5", "", "1.5"):
        with pytest.raises(MalformedInput):
            parse_time(bad)


def test_parse_recipient():
    assert parse_recipient("42") == 42
    assert parse_recipient("acct:alice") == int.from_bytes(b"acct:alice", "big")
    with pytest.raises(MalformedInput, match="longer than 31 bytes"):
        parse_recipient("x" * 32)
    with pytest.raises(MalformedInput, match="out of range"):
        parse_recipient(str(R))


# --- the wallet file ------------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_wallet_is_owner_only_and_never_overwritten(tmp_path, rng):
    path = tmp_path / "w.json"
    created = Wallet.create(path, rng)
    assert mode(path) == 0o600
    obj = json.loads(path.read_text())
    assert obj["format"] == "zkopt-wallet/v1" and int(obj["public_key"]) == public_key(created.sk)
    with pytest.raises(MalformedInput, match="already exists"):
        Wallet.create(path, rng)
    assert json.loads(path.read_text()) == obj


def test_save_is_atomic_and_restores_owner_only_permissions(tmp_path, rng):
    path = tmp_path / "w.json"
    created = Wallet.create(path, rng)
    os.chmod(path, 0o644)
    created.notes.append(WalletNote(CashNote(5 * SCALE, created.pk, 7), "deposit", 0, 1))
    created.save()
    assert mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]  # no temporary file left behind
    loaded = Wallet.load(path)
    assert loaded.sk == created.sk and loaded.notes == created.notes


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "f.json"
    write_atomic(path, "old")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files_module.os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]


def _tamper(path, change):
    obj = json.loads(path.read_text())
    change(obj)
    path.write_text(json.dumps(obj))


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda o: o.__setitem__("format", "other"), "not a zkopt wallet"),
        (lambda o: o.__setitem__("public_key", "5"), "does not belong to the spending key"),
        (lambda o: o.__setitem__("spending_key", "0"), "spending key"),
        (lambda o: o.__setitem__("spending_key", str(R)), "out of range"),
        (lambda o: o["notes"][0].__setitem__("id", "000000000000"), "does not match its opening"),
        (lambda o: o["notes"][0]["note"].__setitem__("amount", "-1"), "canonical decimal"),
        (lambda o: o["notes"][0].__setitem__("type", "bond"), "not cash or option"),
        (lambda o: o["notes"][0].__setitem__("leaf_index", -1), "non-negative"),
        (lambda o: o["notes"].append(o["notes"][0]), "appears twice"),
        (lambda o: o.__setitem__("notes", {}), "must be a list"),
        # An option note of the one-leg format before positions (kind, strike, quantity at the top level).
        (lambda o: o["notes"].append({"type": "option", "note": dict.fromkeys(
            ("asset", "kind", "strike", "quantity", "expiry", "collateral", "holder_pk", "writer_pk", "rho"), "1")}),
         r"OptionNote is missing 'kind\[0\]'"),
    ],
)
def test_a_damaged_wallet_file_is_refused_with_one_line(tmp_path, rng, change, fragment):
    path = tmp_path / "w.json"
    created = Wallet.create(path, rng)
    created.notes.append(WalletNote(CashNote(5 * SCALE, created.pk, 7), "deposit", 0, 1))
    created.save()
    _tamper(path, change)
    with pytest.raises(MalformedInput, match=fragment) as info:
        Wallet.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_unreadable_wallet_files(tmp_path):
    with pytest.raises(MalformedInput, match="not found"):
        Wallet.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(MalformedInput, match="not valid JSON"):
        Wallet.load(tmp_path / "bad.json")


# --- a fake ledger ------------------------------------------------------------------------------


class FakeLedger:
    """The lookups a wallet makes, over plain dicts; ``submit`` records or rejects."""

    def __init__(self, depth=4):
        self.tree = MerkleTree(depth)
        self.leaves: dict[int, tuple[int, int]] = {}
        self.nullifiers: dict[int, int] = {}
        self.prices: dict[tuple[int, int], int] = {}
        self.spots: dict[int, int] = {}
        self.reject: str | None = None
        self.submitted = []
        self.now = 1_700_000_000
        self.genesis = SimpleNamespace(
            tree_depth=depth,
            circuits={"open": SimpleNamespace(public_names=("root",) + tuple(f"grid[{i}]" for i in range(8)))},
        )

    def add(self, note, seq: int) -> int:
        index = self.tree.append(note.commitment())
        self.leaves[note.commitment()] = (index, seq)
        return index

    def find_commitment(self, cm):
        return self.leaves.get(cm)

    def nullifier_seq(self, nf):
        return self.nullifiers.get(nf)

    def margin_grid(self, asset):
        if asset not in self.spots:
            raise LedgerRejected(f"no attested spot price for asset {asset}")
        return payoff.default_grid(self.spots[asset])

    def final_price(self, asset, expiry):
        price = self.prices.get((asset, expiry))
        return None if price is None else FinalPrice(asset, expiry, price, expiry + 1)

    def membership(self, index):
        return self.tree.membership(index)

    def time(self):
        return self.now

    def submit(self, kind, public, proof, notes=()):
        if self.reject:
            raise LedgerRejected(self.reject)
        self.submitted.append((kind, public))
        return SimpleNamespace(seq=len(self.submitted), leaf_indices=())


def position(*legs: Leg) -> Position:
    """A position on ETH-USD expiring at 1_800_000_000; by default one call struck at 100 on 2 units."""
    return Position(asset_id("ETH-USD"), 1_800_000_000, legs or (Leg(CALL, 100 * SCALE, 2 * SCALE),))


def option_between(writer: Wallet, holder: Wallet, **fields) -> OptionNote:
    values = dict(position=position(), collateral=80 * SCALE, holder_pk=holder.pk, writer_pk=writer.pk, rho=12345)
    values.update(fields)
    return OptionNote(**values)


def test_sync_finds_leaves_spends_and_settlement_notes(rng):
    ledger = FakeLedger()
    writer, holder = Wallet.create(rng=rng), Wallet.create(rng=rng)
    cash = CashNote(500 * SCALE, writer.pk, 99)
    option = option_between(writer, holder)
    writer.notes += [WalletNote(cash, "deposit"), WalletNote(option, "open (writer)")]
    holder.import_opening(export_opening(option), "ETH-USD")
    assert [n.status for n in writer.notes] == ["pending", "pending"]
    assert writer.sync(ledger) == []

    ledger.add(cash, 1)
    ledger.add(option, 2)
    ledger.nullifiers[cash.nullifier(writer.sk)] = 2
    changes = writer.sync(ledger)
    assert [n.status for n in writer.notes] == ["spent", "unspent"]
    assert writer.notes[1].leaf_index == 1 and writer.notes[1].created_in == 2
    assert len(changes) == 3

    # Settled by the holder at 130: 2 x 30 = 60 to the holder, 20 back to the writer.
    ledger.prices[(option.position.asset, option.position.expiry)] = 130 * SCALE
    ledger.nullifiers[option.nullifier()] = 4
    holder_note, writer_note = option.settlement_notes(130 * SCALE)
    assert writer.sync(ledger) == ["%s was spent in entry 4" % writer.notes[1].id]  # outputs not on the ledger yet
    ledger.add(holder_note, 4)
    ledger.add(writer_note, 4)
    writer.sync(ledger)
    holder.sync(ledger)
    assert [n.note for n in writer.notes if n.origin.startswith("settlement")] == [writer_note]
    assert [n.note for n in holder.notes if n.origin.startswith("settlement")] == [holder_note]
    assert writer.balance() == 20 * SCALE and holder.balance() == 60 * SCALE
    assert writer.sync(ledger) == [] and holder.sync(ledger) == []  # idempotent


def test_a_cash_note_of_someone_else_is_never_marked_spent_or_counted(rng):
    ledger = FakeLedger()
    mine, theirs = Wallet.create(rng=rng), Wallet.create(rng=rng)
    with pytest.raises(WalletError, match="does not name this wallet"):
        mine.import_opening(export_opening(CashNote(5, theirs.pk, 3)))
    with pytest.raises(WalletError, match="does not name this wallet"):
        mine.import_opening(export_opening(option_between(theirs, theirs)))
    assert mine.notes == [] and mine.sync(ledger) == []


def test_import_is_idempotent_and_checks_the_ticker(rng):
    writer, holder = Wallet.create(rng=rng), Wallet.create(rng=rng)
    opening = export_opening(option_between(writer, holder))
    entry, new = holder.import_opening(opening)
    assert new and entry.status == "pending"
    assert holder.import_opening(opening) == (entry, False)
    with pytest.raises(WalletError, match="asset is not"):
        holder.import_opening(opening, "BTC-USD")
    with pytest.raises(MalformedInput, match="opening"):
        holder.import_opening({"type": "option", "note": {}})


def test_find_by_prefix(rng):
    owner = Wallet.create(rng=rng)
    by_prefix: dict[str, WalletNote] = {}
    collision = None
    while collision is None:  # two notes whose ids share the first 4 hex digits
        entry = WalletNote(CashNote(1, owner.pk, rng.randrange(1, R)), "test")
        owner.notes.append(entry)
        collision = by_prefix.get(entry.id[:4])
        by_prefix.setdefault(entry.id[:4], entry)
    assert owner.find(entry.id) is entry
    assert owner.find(entry.id[:8].upper()) is entry
    with pytest.raises(WalletError, match="ambiguous"):
        owner.find(entry.id[:4])
    with pytest.raises(MalformedInput, match="at least 4 hex digits"):
        owner.find("ab")
    with pytest.raises(MalformedInput, match="hex digits"):
        owner.find("zzzzzz")
    unused = next(f"{i:04x}" for i in range(1 << 16) if f"{i:04x}" not in by_prefix)
    with pytest.raises(WalletError, match="no note"):
        owner.find(unused)


def test_coin_selection_takes_the_smallest_note_that_suffices(rng):
    owner = Wallet.create(rng=rng)
    for i, amount in enumerate((5, 50, 20)):
        owner.notes.append(WalletNote(CashNote(amount * SCALE, owner.pk, 100 + i), "deposit", i, i + 1))
    owner.notes.append(WalletNote(CashNote(900 * SCALE, owner.pk, 200), "deposit"))  # pending
    assert [n.note.amount for n in choose(owner, 10 * SCALE)] == [20 * SCALE]
    assert [n.note.amount for n in choose(owner, 20 * SCALE)] == [20 * SCALE]
    assert sorted(n.note.amount for n in choose(owner, 60 * SCALE)) == [20 * SCALE, 50 * SCALE]  # a pair, the smallest sum
    assert choose(owner, 71 * SCALE) is None
    with pytest.raises(WalletError, match=r"exceeds this wallet's unspent cash of 75; 1 notes are pending"):
        cover(owner, None, None, 80 * SCALE, "withdrawal")
    with pytest.raises(WalletError, match="run it without --out"):
        cover(owner, None, None, 71 * SCALE, "withdrawal", submit=False)


def _stub_prove(monkeypatch):
    def fake_prove(self, kind, inputs, ledger, keys, status):
        return Built(kind, [int(inputs.get("amount", 0))], ["amount"], proof=None)

    monkeypatch.setattr(Wallet, "_prove", fake_prove)


def test_new_notes_are_saved_before_submission_and_dropped_on_rejection(tmp_path, rng, monkeypatch):
    _stub_prove(monkeypatch)
    path = tmp_path / "w.json"
    owner = Wallet.create(path, rng)
    before = path.read_bytes()
    ledger = FakeLedger()
    ledger.reject = "the proof does not verify under the deposit verification key"

    seen = []
    original = FakeLedger.submit

    def submit(self, kind, public, proof, notes=()):
        seen.append(json.loads(path.read_text())["notes"])  # what the file held at submission time
        return original(self, kind, public, proof)

    monkeypatch.setattr(FakeLedger, "submit", submit)
    with pytest.raises(LedgerRejected):
        owner.deposit(ledger, keys=None, amount=5 * SCALE)
    assert len(seen[0]) == 1 and seen[0][0]["leaf_index"] is None
    assert path.read_bytes() == before and owner.notes == []

    ledger.reject = None
    outcome = owner.deposit(ledger, keys=None, amount=5 * SCALE, submit=False)
    assert outcome.receipt is None and ledger.submitted == []
    assert [n["origin"] for n in json.loads(path.read_text())["notes"]] == ["deposit"]


def test_wallet_refuses_nonsense_before_proving(rng, monkeypatch):
    def no_proof(*args, **kwargs):
        raise AssertionError("must fail before proving")

    monkeypatch.setattr(Wallet, "_prove", no_proof)
    ledger = FakeLedger()
    writer, holder = Wallet.create(rng=rng), Wallet.create(rng=rng)
    cash = CashNote(5_000 * SCALE, writer.pk, 5)
    ledger.add(cash, 1)
    writer.notes.append(WalletNote(cash, "deposit"))
    writer.sync(ledger)
    grid = [p * SCALE for p in (50, 70, 80, 90, 110, 120, 130, 150)]
    terms = dict(holder_pk=holder.pk, position=position(), grid=grid)
    with pytest.raises(WalletError, match=r"margin check fails: collateral 99.999999 does not cover the worst loss 100 "
                                          r"\(at the grid price 150\)"):
        writer.open_position(ledger, None, collateral=100 * SCALE - 1, **terms)
    with pytest.raises(MalformedInput, match="takes 8 grid prices"):
        writer.open_position(ledger, None, collateral=100 * SCALE, **{**terms, "grid": grid[:7]})
    # Without a grid the wallet takes the ledger's, which needs an attested spot of the asset.
    ledger_terms = {k: v for k, v in terms.items() if k != "grid"}
    with pytest.raises(WalletError, match="no attested spot price for ETH-USD: the ledger's margin grid"):
        writer.open_position(ledger, None, collateral=100 * SCALE, ticker="ETH-USD", **ledger_terms)
    ledger.spots[asset_id("ETH-USD")] = 100 * SCALE  # grid 50 .. 150, as above
    with pytest.raises(WalletError, match=r"does not cover the worst loss 100 \(at the grid price 150\)"):
        writer.open_position(ledger, None, collateral=100 * SCALE - 1, **ledger_terms)
    # An expiry that is not after the ledger's clock is refused before any proof (the ledger would refuse it too).
    late = dict(ledger_terms, position=Position(asset_id("ETH-USD"), ledger.now, position().legs))
    with pytest.raises(WalletError, match="is not after the ledger's time"):
        writer.open_position(ledger, None, collateral=100 * SCALE, **late)
    with pytest.raises(WalletError, match="collateral of 6000"):
        writer.open_position(ledger, None, collateral=6_000 * SCALE, **{**terms, "position": position(Leg(PUT, 100, 1))})
    # The whole position is margined: a straddle needs the larger leg (100 at 150), and one unit less fails there.
    straddle = position(Leg(CALL, 100 * SCALE, 2 * SCALE), Leg(PUT, 100 * SCALE, SCALE))
    with pytest.raises(WalletError, match=r"does not cover the worst loss 100 \(at the grid price 150\)"):
        writer.open_position(ledger, None, collateral=100 * SCALE - 1, **{**terms, "position": straddle})
    no_leg = Position(asset_id("ETH-USD"), 1, ())
    for bad in (no_leg, position(Leg(CALL, 100 * SCALE, 0)), position(Leg(CALL, 1, 1), Leg(PUT, 1, 0, LONG))):
        with pytest.raises(MalformedInput, match="positive quantity"):
            writer.open_position(ledger, None, collateral=SCALE, **{**terms, "position": bad})
    with pytest.raises(MalformedInput, match="must be a zkopt.native.notes.Position"):
        writer.open_position(ledger, None, collateral=SCALE, **{**terms, "position": (Leg(CALL, 1, 1),)})
    with pytest.raises(MalformedInput, match="positive"):
        writer.withdraw(ledger, None, 0, 1)
    with pytest.raises(MalformedInput, match="positive"):
        writer.deposit(ledger, None, 0)
    with pytest.raises(WalletError, match="cash note; only an option"):
        writer.settle(ledger, None, writer.notes[0].id)
    option = option_between(writer, holder)
    writer.notes.append(WalletNote(option, "open (writer)"))
    with pytest.raises(WalletError, match="not on the ledger yet"):
        writer.settle(ledger, None, writer.notes[1].id)
    ledger.add(option, 2)
    writer.sync(ledger)
    with pytest.raises(WalletError, match="no attested price yet for asset"):
        writer.settle(ledger, None, writer.notes[1].id)


# --- oracle key and committee files -------------------------------------------------------------


def test_oracle_key_files(tmp_path):
    key = oracle.load_private_key(random.Random(1).randbytes(32))
    path = tmp_path / "m.key"
    public = write_oracle_key(path, key)
    assert mode(path) == 0o600 and public == oracle.public_key_bytes(key)
    assert oracle.public_key_bytes(read_oracle_key(path)) == public
    with pytest.raises(MalformedInput, match="already exists"):
        write_oracle_key(path, key)
    _tamper(path, lambda o: o.__setitem__("public_key", "00" * 32))
    with pytest.raises(MalformedInput, match="does not belong"):
        read_oracle_key(path)
    (tmp_path / "x.key").write_text('{"format": "zkopt-oracle-key/v1", "private_key": "zz"}')
    with pytest.raises(MalformedInput, match="oracle key"):
        read_oracle_key(tmp_path / "x.key")


def test_committee_files(tmp_path):
    keys = [oracle.public_key_bytes(oracle.load_private_key(bytes([i]) * 32)) for i in range(3)]
    path = tmp_path / "committee.json"
    assert [add_to_committee(path, k) for k in keys] == [1, 2, 3]
    assert read_committee(path) == (keys, None)
    with pytest.raises(MalformedInput, match="already lists"):
        add_to_committee(path, keys[0])
    path.write_text(json.dumps({"members": [k.hex() for k in keys], "threshold": 2}))
    assert read_committee(path) == (keys, 2)
    for bad, fragment in (({"members": ["zz"]}, "not a hex"), ({"members": ["00" * 31]}, "32 raw bytes"),
                          ({"people": []}, "expected"), ({"members": [], "threshold": "2"}, "integer")):
        path.write_text(json.dumps(bad))
        with pytest.raises(MalformedInput, match=fragment):
            read_committee(path)


def test_read_attestations_takes_one_a_list_or_a_report(tmp_path):
    key = oracle.load_private_key(bytes(32))
    signed = [oracle.sign(Observation(7, 100, price, 101), key) for price in (5, 6)]
    (tmp_path / "one.json").write_text(json.dumps(signed[0].to_json()))
    (tmp_path / "list.json").write_text(json.dumps([a.to_json() for a in signed]))
    (tmp_path / "report.json").write_text(json.dumps({"attestations": [signed[1].to_json()]}))
    found = read_attestations([tmp_path / "one.json", tmp_path / "list.json", tmp_path / "report.json"])
    assert found == [signed[0], *signed, signed[1]]
    (tmp_path / "bad.json").write_text(json.dumps({"member": "00"}))
    with pytest.raises(MalformedInput, match="bad.json"):
        read_attestations([tmp_path / "bad.json"])


class _SealedLedger:
    """A ledger stand-in that carries sealed notes: ``rows`` are (seq, ciphertext), ``leaves`` cm -> (leaf, seq)."""

    carries_notes = True

    def __init__(self, rows, leaves):
        self.rows, self.leaves = rows, leaves
        self.genesis = SimpleNamespace(hash=lambda: b"\x07" * 32)

    def encrypted_notes(self, start=1):
        return [(seq, 0, ct) for seq, ct in self.rows if seq >= start]

    def find_commitment(self, cm):
        return self.leaves.get(cm)

    def nullifier_seq(self, nf):
        return None

    def final_price(self, asset, expiry):
        return None


def test_sync_keeps_only_sealed_notes_that_are_on_the_ledger_in_their_own_entry(rng):
    from zkopt import note_encryption

    bob = Wallet.create(rng=rng)
    key = bob.address.encryption_key
    paid = CashNote(7 * SCALE, bob.pk, 11)
    copied = CashNote(8 * SCALE, bob.pk, 12)
    absent = CashNote(9 * SCALE, bob.pk, 13)
    empty = CashNote(0, bob.pk, 14)
    foreign = CashNote(5 * SCALE, public_key(5), 15)
    rows = [(3, note_encryption.encrypt(n, key)) for n in (paid, absent, empty, foreign)]
    rows += [(4, note_encryption.encrypt(copied, key)), (4, b"\x00" * note_encryption.CIPHERTEXT_BYTES)]
    rows += [(4, note_encryption.encrypt(CashNote(6 * SCALE, bob.pk, 16), note_encryption.public_key(
        note_encryption.new_private_key())))]  # sealed to someone else
    leaves = {paid.commitment(): (0, 3), copied.commitment(): (1, 2), empty.commitment(): (2, 3),
              foreign.commitment(): (3, 3)}
    changes = bob.sync(_SealedLedger(rows, leaves))
    assert [n.note for n in bob.notes] == [paid]  # copied: created in entry 2, carried by 4; absent; 0; foreign
    assert changes == [f"{bob.notes[0].id}: received cash 7 (entry 3)"]
    assert bob.balance() == 7 * SCALE and bob.scanned == {"07" * 32: 4}
    assert bob.sync(_SealedLedger(rows, leaves)) == []  # nothing new since entry 4
