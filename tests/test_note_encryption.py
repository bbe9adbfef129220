"""Notes sealed to their owners, and addresses: round trips, and everything that must not open."""

from __future__ import annotations

import hashlib

import pytest

from zkopt import note_encryption as sealing
from zkopt.errors import MalformedInput
from zkopt.field import R
from zkopt.native.notes import CALL, LONG, PUT, CashNote, Leg, OptionNote, Position
from zkopt.wallet.address import Address, parse

CASH = CashNote(123_456_789, R - 2, 987_654_321)
OPTION = OptionNote(
    Position(int.from_bytes(b"ETH-USD", "big"), 1_767_225_600, (Leg(CALL, 3_100_000_000, 2_000_000), Leg(PUT, 2_900_000_000, 1, LONG))),
    3_200_000_000, 11, R - 1, 42,
)


@pytest.fixture(scope="module")
def key():
    return sealing.new_private_key()


@pytest.mark.parametrize("note", [CASH, OPTION], ids=["cash", "option"])
def test_a_note_opens_with_its_owners_key_only(note, key):
    sealed = sealing.encrypt(note, sealing.public_key(key))
    assert len(sealed) == sealing.CIPHERTEXT_BYTES  # one length for every note
    assert sealing.decrypt(sealed, key) == note
    assert sealing.decrypt(sealed, sealing.new_private_key()) is None
    assert sealing.encrypt(note, sealing.public_key(key)) != sealed  # a fresh ephemeral key each time


@pytest.mark.parametrize("position", [0, 31, 32, 100, sealing.CIPHERTEXT_BYTES - 1])
def test_a_changed_byte_opens_nothing(key, position):
    sealed = bytearray(sealing.encrypt(CASH, sealing.public_key(key)))
    sealed[position] ^= 0x01
    assert sealing.decrypt(bytes(sealed), key) is None


@pytest.mark.parametrize("data", [b"", b"\x00" * 32, b"\x01" * (sealing.CIPHERTEXT_BYTES + 1), "text"])
def test_anything_else_opens_nothing_and_never_raises(key, data):
    assert sealing.decrypt(data, key) is None


def test_the_plaintext_refuses_what_is_no_note():
    good = sealing.encode_opening(CASH)
    assert sealing.decode_opening(good) == CASH
    for bad in (b"\x09" + good[1:], good[:-1] + b"\x01", good[:9] + (R).to_bytes(32, "big") + good[41:]):
        with pytest.raises(ValueError):
            sealing.decode_opening(bad)


def test_an_address_round_trips_and_a_damaged_one_is_refused():
    address = Address(R - 1, bytes(range(32)))
    text = str(address)
    assert parse(text) == address and len(text) == 139 and text.startswith("zk1")
    flipped = text[:10] + ("0" if text[10] != "0" else "1") + text[11:]
    for bad in (flipped, text[:-1], text.upper(), "zk1" + "0" * 136, 42):
        with pytest.raises(MalformedInput):
            parse(bad)
    too_big = "zk1" + (R).to_bytes(32, "big").hex() + bytes(32).hex()
    check = hashlib.sha256(b"zkopt/address/v1" + bytes.fromhex(too_big[3:])).digest()[:4].hex()
    with pytest.raises(MalformedInput, match="not a field element"):
        parse(too_big + check)
