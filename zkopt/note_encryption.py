"""Notes sent in-band: a note's opening encrypted to its owner's X25519 key, as Zcash's in-band note delivery.

Every transaction carries, for each new note, its opening sealed to the
owner; the ledger stores the ciphertexts as opaque bytes and every wallet
trial-decrypts them (``zkopt wallet sync``). The scheme is ECIES-shaped, built
only from ``cryptography``'s primitives, nothing hand-written:

- a fresh ephemeral X25519 key per note; shared secret = X25519(ephemeral, owner);
- key = HKDF-SHA256(shared secret, info = DOMAIN || ephemeral public || owner public), 32 bytes;
- ChaCha20-Poly1305 with that key (used once, so the all-zero nonce is safe),
  associated data = DOMAIN;
- ciphertext = ephemeral public (32) || AEAD(plaintext) (PLAINTEXT_BYTES + 16).

The plaintext is the note's opening in a fixed-width binary form padded to
``PLAINTEXT_BYTES``, so every ciphertext has one length (``CIPHERTEXT_BYTES``)
and tells neither a cash note from an option nor an amount. Whoever decrypts
checks that the opening's commitment is on the ledger in the very entry that
carried it, so a ciphertext copied into another transaction opens nothing.
"""

from __future__ import annotations

from zkopt.field import R
from zkopt.native.notes import MAX_LEGS, CashNote, Leg, OptionNote, Position

DOMAIN = b"zkopt/note-encryption/v1"
KEY_BYTES = 32
PLAINTEXT_BYTES = 256
CIPHERTEXT_BYTES = KEY_BYTES + PLAINTEXT_BYTES + 16

_CASH, _OPTION = 1, 2


def new_private_key() -> bytes:
    """A fresh X25519 private key (32 raw bytes) from the OS's CSPRNG."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key(private: bytes) -> bytes:
    """The X25519 public key (32 raw bytes) of a private key; ValueError when it is not 32 bytes."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return X25519PrivateKey.from_private_bytes(_key(private)).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key(data: bytes) -> bytes:
    if not isinstance(data, (bytes, bytearray)) or len(data) != KEY_BYTES:
        raise ValueError(f"an X25519 key is {KEY_BYTES} bytes")
    return bytes(data)


def _aead_key(shared: bytes, ephemeral_public: bytes, owner_public: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt=None, info=DOMAIN + ephemeral_public + owner_public).derive(shared)


def encrypt(note: CashNote | OptionNote, owner_public: bytes) -> bytes:
    """The opening of ``note`` sealed to ``owner_public`` (an X25519 public key): ``CIPHERTEXT_BYTES`` bytes."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    owner = X25519PublicKey.from_public_bytes(_key(owner_public))
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = _aead_key(ephemeral.exchange(owner), ephemeral_public, bytes(owner_public))
    return ephemeral_public + ChaCha20Poly1305(key).encrypt(bytes(12), encode_opening(note), DOMAIN)


def decrypt(ciphertext: bytes, private: bytes) -> CashNote | OptionNote | None:
    """The note sealed in ``ciphertext`` if it was sealed to ``private``'s public key; None otherwise (never raises)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if not isinstance(ciphertext, (bytes, bytearray)) or len(ciphertext) != CIPHERTEXT_BYTES:
        return None
    ephemeral_public, sealed = bytes(ciphertext[:KEY_BYTES]), bytes(ciphertext[KEY_BYTES:])
    try:
        own = X25519PrivateKey.from_private_bytes(_key(private))
        shared = own.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _aead_key(shared, ephemeral_public, public_key(private))
        plaintext = ChaCha20Poly1305(key).decrypt(bytes(12), sealed, DOMAIN)
    except (InvalidTag, ValueError):  # not ours, tampered with, or a low-order ephemeral point
        return None
    try:
        return decode_opening(plaintext)
    except ValueError:
        return None


# --- the plaintext: a note's opening in fixed-width binary ------------------------------------------


def _fe(value: int) -> bytes:
    return int(value).to_bytes(32, "big")


def _u64(value: int) -> bytes:
    return int(value).to_bytes(8, "big")


def encode_opening(note: CashNote | OptionNote) -> bytes:
    """The note's fields, big-endian and fixed-width, after a type byte; zero-padded to ``PLAINTEXT_BYTES``."""
    if isinstance(note, CashNote):
        body = bytes([_CASH]) + _u64(note.amount) + _fe(note.owner_pk) + _fe(note.rho)
    elif isinstance(note, OptionNote):
        position = note.position
        legs = b"".join(
            bytes([leg.kind, leg.side]) + _u64(leg.strike) + _u64(leg.quantity) for leg in position.legs
        )
        body = (
            bytes([_OPTION, len(position.legs)]) + _fe(position.asset) + _u64(position.expiry)
            + _u64(note.collateral) + _fe(note.holder_pk) + _fe(note.writer_pk) + _fe(note.rho) + legs
        )
    else:
        raise TypeError("only cash and option notes are sent")
    return body + bytes(PLAINTEXT_BYTES - len(body))


def decode_opening(data: bytes) -> CashNote | OptionNote:
    """The note of ``encode_opening``'s bytes; ValueError for anything else (a field >= r, a bad leg, padding)."""
    if len(data) != PLAINTEXT_BYTES:
        raise ValueError("a note opening is exactly PLAINTEXT_BYTES bytes")
    reader = _Reader(data)
    kind = reader.byte()
    if kind == _CASH:
        note = CashNote(reader.u64(), reader.fe(), reader.fe())
    elif kind == _OPTION:
        count = reader.byte()
        if not 1 <= count <= MAX_LEGS:
            raise ValueError("an option opening has 1 to MAX_LEGS legs")
        asset, expiry, collateral = reader.fe(), reader.u64(), reader.u64()
        holder, writer, rho = reader.fe(), reader.fe(), reader.fe()
        legs = []
        for _ in range(count):
            kind, side = reader.byte(), reader.byte()
            legs.append(Leg(kind, reader.u64(), reader.u64(), side))
        note = OptionNote(Position(asset, expiry, tuple(legs)), collateral, holder, writer, rho)
    else:
        raise ValueError("unknown note type")
    if any(data[reader.at:]):
        raise ValueError("the padding of a note opening is not zero")
    return note


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def _take(self, n: int) -> bytes:
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def byte(self) -> int:
        return self._take(1)[0]

    def u64(self) -> int:
        return int.from_bytes(self._take(8), "big")

    def fe(self) -> int:
        value = int.from_bytes(self._take(32), "big")
        if value >= R:
            raise ValueError("a field of a note opening is not below r")
        return value
