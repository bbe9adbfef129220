"""What both ceremony phases share with snarkjs bit for bit: ChaCha draws, hash to G2, beacons, same-ratio checks.

snarkjs derives every random value of a contribution from a ChaCha20 stream
(ffjavascript's ``ChaCha``: the seed is 8 u32 words, the counter is word
12, 20 rounds, the output is read word by word):

* a scalar or coordinate (``fr_from_rng``, ``fq_from_rng``): four u64 draws
  (each ``hi << 32 | lo`` of two u32 draws), draw i shifted by 64 i, masked to
  254 bits, redrawn while >= the modulus, and the result read as a
  *Montgomery* representation: the value is v * 2^-256;
* a point (``g1_from_rng``, ``g2_from_rng``): draw x (in Fq2 c0 then c1) and
  a u32 whose low bit says whether y is "negative", until x^3 + b is a
  square; G2 points are then multiplied by the twist's cofactor;
* ``hash_to_g2(h)``: a G2 point from a ChaCha seeded with the first 32 bytes
  of h read as 8 big-endian u32 words. The ceremonies' proofs of knowledge
  pair (s, s x) with (r, r x) for r = hash_to_g2(transcript), which no one
  can choose: r is not stored, every verifier recomputes it.

Sources of randomness: a contribution seeds ChaCha with BLAKE2b-512 of 64
bytes from ``secrets`` and the contributor's entropy text (as snarkjs does);
a beacon with SHA-256 iterated 2^e times over the public beacon hash, so
that anyone can re-derive its secret.
"""

from __future__ import annotations

import hashlib
import secrets
import struct

from zkopt import curve
from zkopt.curve import snarkjs_encoding as enc
from zkopt.field import R

Q = curve.Q
_MASK32 = 0xFFFFFFFF
#: The cofactor of G2 in the twist (ffjavascript's ``cofactorG2``).
G2_COFACTOR = 0x30644E72E131A029B85045B68181585E06CEECDA572A2489345F2299C0F9FA8D
_B1 = 3
_B2 = curve.groups._g2_fast.B2
#: Beacon iteration exponents snarkjs accepts.
MIN_ITERATIONS_EXP, MAX_ITERATIONS_EXP = 10, 63
MAX_BEACON_BYTES = 255


class ChaCha:
    """ffjavascript's ChaCha20 stream of u32 words."""

    def __init__(self, seed: list[int]):
        if len(seed) != 8:
            raise ValueError("a ChaCha seed is 8 u32 words")
        self.state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *(w & _MASK32 for w in seed), 0, 0, 0, 0]
        self.buffer: list[int] = []
        self.index = 16

    @staticmethod
    def from_hash(digest: bytes) -> ChaCha:
        """Seeded with the first 32 bytes of a hash, read as big-endian words."""
        return ChaCha(list(struct.unpack(">8I", digest[:32])))

    def _block(self) -> None:
        x = list(self.state)

        def quarter(a, b, c, d):
            x[a] = (x[a] + x[b]) & _MASK32
            x[d] ^= x[a]
            x[d] = ((x[d] << 16) | (x[d] >> 16)) & _MASK32
            x[c] = (x[c] + x[d]) & _MASK32
            x[b] ^= x[c]
            x[b] = ((x[b] << 12) | (x[b] >> 20)) & _MASK32
            x[a] = (x[a] + x[b]) & _MASK32
            x[d] ^= x[a]
            x[d] = ((x[d] << 8) | (x[d] >> 24)) & _MASK32
            x[c] = (x[c] + x[d]) & _MASK32
            x[b] ^= x[c]
            x[b] = ((x[b] << 7) | (x[b] >> 25)) & _MASK32

        for _ in range(10):
            quarter(0, 4, 8, 12)
            quarter(1, 5, 9, 13)
            quarter(2, 6, 10, 14)
            quarter(3, 7, 11, 15)
            quarter(0, 5, 10, 15)
            quarter(1, 6, 11, 12)
            quarter(2, 7, 8, 13)
            quarter(3, 4, 9, 14)
        self.buffer = [(a + b) & _MASK32 for a, b in zip(x, self.state)]
        self.index = 0
        for word in range(12, 16):  # the 128-bit counter, carried word by word
            self.state[word] = (self.state[word] + 1) & _MASK32
            if self.state[word]:
                break

    def u32(self) -> int:
        if self.index == 16:
            self._block()
        value = self.buffer[self.index]
        self.index += 1
        return value

    def u64(self) -> int:
        high = self.u32()
        return (high << 32) | self.u32()

    def bit(self) -> bool:
        return bool(self.u32() & 1)


def _element_from_rng(rng: ChaCha, modulus: int) -> int:
    mask = (1 << modulus.bit_length()) - 1
    while True:
        v = 0
        for i in range(4):
            v += rng.u64() << (64 * i)
        v &= mask
        if v < modulus:
            return v * pow(2, -256, modulus) % modulus


def fr_from_rng(rng: ChaCha) -> int:
    """A scalar as ffjavascript's ``Fr.fromRng`` draws it."""
    return _element_from_rng(rng, R)


def fq_from_rng(rng: ChaCha) -> int:
    return _element_from_rng(rng, Q)


# --- square roots (q = 3 mod 4) -----------------------------------------------------------------


def _sqrt_fq(a: int) -> int | None:
    root = pow(a, (Q + 1) // 4, Q)
    return root if root * root % Q == a % Q else None


def _sqrt_fq2(a0: int, a1: int) -> tuple[int, int] | None:
    """A square root in Fq2 = Fq[u]/(u^2 + 1), or None (the "complex method": via the norm)."""
    if a1 == 0:
        root = _sqrt_fq(a0)
        if root is not None:
            return root, 0
        root = _sqrt_fq(-a0 % Q)
        return None if root is None else (0, root)
    norm = _sqrt_fq((a0 * a0 + a1 * a1) % Q)
    if norm is None:
        return None
    half = pow(2, -1, Q)
    x0 = _sqrt_fq((a0 + norm) * half % Q)
    if x0 is None:
        x0 = _sqrt_fq((a0 - norm) * half % Q)
    if not x0:  # pragma: no cover - a square with a1 != 0 always gives x0 != 0
        return None
    return x0, a1 * pow(2 * x0, -1, Q) % Q


def g1_from_rng(rng: ChaCha) -> tuple:
    """A G1 point as ffjavascript's ``G1.fromRng`` draws it (G1 has cofactor 1)."""
    while True:
        x = fq_from_rng(rng)
        negative = rng.bit()
        y = _sqrt_fq((x * x * x + _B1) % Q)
        if y is not None:
            break
    if enc.is_negative_fq(y) != negative:
        y = -y % Q
    return (x, y)


def g2_from_rng(rng: ChaCha) -> tuple:
    """A G2 point as ffjavascript's ``G2.fromRng`` draws it: a twist point times the cofactor."""
    while True:
        x0 = fq_from_rng(rng)
        x1 = fq_from_rng(rng)
        negative = rng.bit()
        xx0, xx1 = (x0 * x0 - x1 * x1) % Q, 2 * x0 * x1 % Q
        rhs = ((xx0 * x0 - xx1 * x1 + _B2[0]) % Q, (xx0 * x1 + xx1 * x0 + _B2[1]) % Q)
        y = _sqrt_fq2(*rhs)
        if y is not None:
            break
    if enc.is_negative_fq2(*y) != negative:
        y = (-y[0] % Q, -y[1] % Q)
    return curve.g2_mul_unreduced(((x0, x1), y), G2_COFACTOR)


def hash_to_g2(digest: bytes) -> tuple:
    """r = G2 point drawn from ChaCha seeded with the digest (snarkjs' ``hashToG2``)."""
    return g2_from_rng(ChaCha.from_hash(digest))


# --- seeds ---------------------------------------------------------------------------------------


def rng_from_entropy(entropy: str) -> ChaCha:
    """A contributor's stream: BLAKE2b-512(64 bytes from ``secrets`` || UTF-8 entropy) as the seed."""
    return ChaCha.from_hash(hashlib.blake2b(secrets.token_bytes(64) + entropy.encode("utf-8")).digest())


def check_beacon(beacon_hash: bytes, iterations_exp: int) -> None:
    """ValueError unless snarkjs would accept these beacon parameters."""
    if not 1 <= len(beacon_hash) <= MAX_BEACON_BYTES:
        raise ValueError(f"the beacon hash must be 1 to {MAX_BEACON_BYTES} bytes, got {len(beacon_hash)}")
    if not MIN_ITERATIONS_EXP <= iterations_exp <= MAX_ITERATIONS_EXP:
        raise ValueError(f"the beacon's iteration exponent must be in [{MIN_ITERATIONS_EXP}, {MAX_ITERATIONS_EXP}], "
                         f"got {iterations_exp}")


def rng_from_beacon(beacon_hash: bytes, iterations_exp: int) -> ChaCha:
    """The beacon's stream: SHA-256 applied 2^iterations_exp times to the beacon hash, as the seed."""
    check_beacon(beacon_hash, iterations_exp)
    digest = bytes(beacon_hash)
    sha256 = hashlib.sha256
    for _ in range(1 << iterations_exp):
        digest = sha256(digest).digest()
    return ChaCha.from_hash(digest)


def parse_beacon_hash(text: str) -> bytes:
    """A beacon hash typed as hex (an optional 0x, an even number of digits), as snarkjs takes it."""
    digits = text[2:] if text.startswith("0x") else text
    if not digits or len(digits) % 2 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError("the beacon hash must be a non-empty hexadecimal string with an even number of digits")
    return bytes.fromhex(digits)


# --- pairing checks -------------------------------------------------------------------------------


def same_ratio(g1_a, g1_b, g2_a, g2_b) -> bool:
    """e(g1_a, g2_b) == e(g1_b, g2_a), i.e. the same x takes a to b in both groups; False if any is infinity."""
    if g1_a is None or g1_b is None or g2_a is None or g2_b is None:
        return False
    return curve.pairing_check([(g1_a, g2_b), (curve.g1_neg(g1_b), g2_a)])
