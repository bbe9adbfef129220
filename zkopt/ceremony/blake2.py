"""BLAKE2b-512 whose intermediate state can be saved and resumed, as snarkjs stores it in .ptau records.

A powers-of-tau contribution record keeps the response hash *before* its
public key was hashed (216 bytes: the 128-byte block buffer, the eight
64-bit chaining words, the number of bytes compressed and the buffer
position, in the layout of @noble/hashes 1.x that snarkjs uses), so anyone
can finish the hash with the key. hashlib does not expose that state, so
this is a plain-Python BLAKE2b (RFC 7693, 64-byte digest, no key) that
buffers input exactly like @noble/hashes: the last block stays in the buffer
until more input arrives, whole blocks in the middle of an ``update`` are
compressed without touching the buffer. Given the same sequence of
``update`` calls the saved state is byte-identical, stale buffer bytes
included. Its digests are checked against hashlib in the tests.

Speed: the compression function is generated straight-line code (about 70
microseconds per 128-byte block here); hashing a 2^14 response takes a few
seconds. Use hashlib wherever no state is needed.
"""

from __future__ import annotations

import struct

_IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)
_SIGMA = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)
BLOCK = 128
DIGEST = 64
STATE_BYTES = 216
_WORDS = struct.Struct("<16Q")


def _generate_compress():
    """Source of compress(h, block, t, last) -> new h, with the 12 rounds unrolled over local variables."""
    lines = [
        "def compress(h, block, t, last):",
        "    M = 0xFFFFFFFFFFFFFFFF",
        "    m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = _WORDS.unpack(block)",
        "    v0, v1, v2, v3, v4, v5, v6, v7 = h",
        "    v8, v9, v10, v11 = IV[0], IV[1], IV[2], IV[3]",
        "    v12 = IV[4] ^ (t & M)",
        "    v13 = IV[5] ^ (t >> 64)",
        "    v14 = IV[6] ^ M if last else IV[6]",
        "    v15 = IV[7]",
    ]

    def g(a, b, c, d, x, y):
        a, b, c, d = (f"v{i}" for i in (a, b, c, d))
        return [
            f"    {a} = ({a} + {b} + m{x}) & M",
            f"    {d} ^= {a}; {d} = ({d} >> 32) | (({d} << 32) & M)",
            f"    {c} = ({c} + {d}) & M",
            f"    {b} ^= {c}; {b} = ({b} >> 24) | (({b} << 40) & M)",
            f"    {a} = ({a} + {b} + m{y}) & M",
            f"    {d} ^= {a}; {d} = ({d} >> 16) | (({d} << 48) & M)",
            f"    {c} = ({c} + {d}) & M",
            f"    {b} ^= {c}; {b} = ({b} >> 63) | (({b} << 1) & M)",
        ]

    for rnd in range(12):
        s = _SIGMA[rnd % 10]
        for i, (a, b, c, d) in enumerate(((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                                          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))):
            lines += g(a, b, c, d, s[2 * i], s[2 * i + 1])
    lines.append("    return (" + ", ".join(f"h[{i}] ^ v{i} ^ v{i + 8}" for i in range(8)) + ")")
    return "\n".join(lines)


_namespace = {"_WORDS": _WORDS, "IV": _IV}
exec(compile(_generate_compress(), "<blake2b compress>", "exec"), _namespace)  # noqa: S102 - generated above
_compress = _namespace["compress"]


class Blake2b:
    """BLAKE2b-512 with @noble/hashes' buffering; ``state()`` / ``from_state`` save and resume it."""

    def __init__(self):
        self.h = (_IV[0] ^ 0x01010040,) + _IV[1:]
        self.buffer = bytearray(BLOCK)
        self.length = 0
        self.pos = 0

    def update(self, data: bytes) -> Blake2b:
        data = memoryview(bytes(data))
        n = len(data)
        p = 0
        while p < n:
            if self.pos == BLOCK:
                self.h = _compress(self.h, self.buffer, self.length, False)
                self.pos = 0
            take = min(BLOCK - self.pos, n - p)
            if take == BLOCK and p + take < n:
                # whole blocks straight from the input, keeping the last one for the buffer
                while p + BLOCK < n:
                    self.length += BLOCK
                    self.h = _compress(self.h, data[p : p + BLOCK], self.length, False)
                    p += BLOCK
                continue
            self.buffer[self.pos : self.pos + take] = data[p : p + take]
            self.pos += take
            self.length += take
            p += take
        return self

    def digest(self) -> bytes:
        block = bytes(self.buffer[: self.pos]) + bytes(BLOCK - self.pos)
        h = _compress(self.h, block, self.length, True)
        return struct.pack("<8Q", *h)

    def state(self) -> bytes:
        """The 216-byte saved state: buffer, chaining words, bytes compressed, buffer position."""
        return (bytes(self.buffer) + struct.pack("<8Q", *self.h)
                + struct.pack("<QQ", self.length - self.pos, self.pos) + bytes(8))

    @classmethod
    def from_state(cls, state: bytes) -> Blake2b:
        """Resume a saved state (``ValueError`` if it is not one)."""
        if len(state) != STATE_BYTES:
            raise ValueError(f"a BLAKE2b state is {STATE_BYTES} bytes, got {len(state)}")
        out = cls()
        out.buffer = bytearray(state[:BLOCK])
        out.h = struct.unpack_from("<8Q", state, BLOCK)
        compressed, pos = struct.unpack_from("<QQ", state, BLOCK + 64)
        if pos > BLOCK:
            raise ValueError(f"a BLAKE2b state's buffer position must be at most {BLOCK}, got {pos}")
        out.length = compressed + pos
        out.pos = pos
        return out
