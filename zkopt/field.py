"""Fr, the BN254 scalar field: constants, arithmetic on canonical ints, inverses, encodings.

Hot code (the prover, FFTs, MSM scalars) works on plain Python ints in
``[0, R)`` with the module functions below; the ``Fr`` class is the same
arithmetic with operators, for readable code and tests. Both share one
definition of every operation.
"""

from __future__ import annotations

import re

from zkopt.errors import shown

#: The prime order r of BN254's groups; the field every circuit computes in.
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617

#: Bytes in a canonical encoding of one element.
BYTES = 32

#: The largest power of two dividing R - 1 (radix-2 FFT domains up to 2^28 points).
TWO_ADICITY = 28

#: A generator of Fr's multiplicative group (the one circom, snarkjs and arkworks use).
MULTIPLICATIVE_GENERATOR = 5

#: A primitive 2^28-th root of unity: MULTIPLICATIVE_GENERATOR^((R-1) / 2^28).
ROOT_OF_UNITY = pow(MULTIPLICATIVE_GENERATOR, (R - 1) >> TWO_ADICITY, R)

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
# Far above any 254-bit value, far below Python's int-parsing limit of 4300 digits.
_MAX_DIGITS = 200


def reduce(x: int) -> int:
    """Return x mod R (negative ints map to their field value)."""
    return x % R


def add(a: int, b: int) -> int:
    return (a + b) % R


def sub(a: int, b: int) -> int:
    return (a - b) % R


def neg(a: int) -> int:
    return -a % R


def mul(a: int, b: int) -> int:
    return a * b % R


def inv(a: int) -> int:
    """The multiplicative inverse; raises ZeroDivisionError for 0."""
    a %= R
    if a == 0:
        raise ZeroDivisionError("0 has no inverse in Fr")
    return pow(a, -1, R)


def div(a: int, b: int) -> int:
    return a * inv(b) % R


def batch_inverse(values: list[int]) -> list[int]:
    """Invert every element with one field inversion (Montgomery's trick); zeros raise."""
    prefix = []
    acc = 1
    for v in values:
        if v % R == 0:
            raise ZeroDivisionError("0 has no inverse in Fr")
        prefix.append(acc)
        acc = acc * v % R
    acc_inv = pow(acc, -1, R)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = acc_inv * prefix[i] % R
        acc_inv = acc_inv * values[i] % R
    return out


def to_bytes(a: int, byteorder: str = "big") -> bytes:
    """Canonical 32-byte encoding of a field element (must already be in [0, R))."""
    if not 0 <= a < R:
        raise ValueError("not a canonical field element")
    return a.to_bytes(BYTES, byteorder)


def from_bytes(data: bytes, byteorder: str = "big") -> int:
    """Decode 32 bytes, rejecting values >= R (no silent reduction)."""
    if len(data) != BYTES:
        raise ValueError(f"expected {BYTES} bytes, got {len(data)}")
    value = int.from_bytes(data, byteorder)
    if value >= R:
        raise ValueError("encoding is not canonical: value >= r")
    return value


def parse_decimal(text: object, bound: int = R, what: str = "value", bound_name: str | None = None) -> int:
    """Parse a canonical decimal string in [0, bound): no sign, no hex, no leading zeros.

    This is the one parser for every number read from a JSON file; it raises
    ValueError with a one-line reason, which callers turn into their own
    Malformed* error.
    """
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a decimal string, got {type(text).__name__}")
    if len(text) > _MAX_DIGITS or not _DECIMAL.fullmatch(text):
        raise ValueError(f"{what} is not a canonical decimal number: {shown(text)}")
    value = int(text)
    if value >= bound:
        limit = bound_name or ("r" if bound == R else str(bound))
        raise ValueError(f"{what} is out of range (must be < {limit})")
    return value


class Fr:
    """An element of the scalar field with operators; wraps a canonical int."""

    __slots__ = ("value",)

    def __init__(self, value: int | Fr):
        if isinstance(value, Fr):
            self.value = value.value
        elif isinstance(value, int) and not isinstance(value, bool):
            self.value = value % R
        else:
            raise TypeError(f"Fr takes an int or Fr, not {type(value).__name__}")

    @staticmethod
    def _coerce(other: object) -> int:
        if isinstance(other, Fr):
            return other.value
        if isinstance(other, int):
            return other % R
        return NotImplemented  # type: ignore[return-value]

    def __add__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is NotImplemented else Fr(self.value + o)

    __radd__ = __add__

    def __sub__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is NotImplemented else Fr(self.value - o)

    def __rsub__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is NotImplemented else Fr(o - self.value)

    def __mul__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is NotImplemented else Fr(self.value * o)

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is NotImplemented else Fr(div(self.value, o))

    def __rtruediv__(self, other):
        o = self._coerce(other)
        return NotImplemented if o is NotImplemented else Fr(div(o, self.value))

    def __neg__(self):
        return Fr(-self.value)

    def __pow__(self, exponent: int):
        if exponent < 0:
            return Fr(pow(inv(self.value), -exponent, R))
        return Fr(pow(self.value, exponent, R))

    def inverse(self) -> Fr:
        return Fr(inv(self.value))

    def __eq__(self, other):
        # Against ints, only the canonical representative is equal, so that
        # equal values also hash equal (hash(Fr(1)) == hash(1) != hash(R + 1)).
        if isinstance(other, Fr):
            return self.value == other.value
        if isinstance(other, int) and not isinstance(other, bool):
            return self.value == other
        return NotImplemented

    def __hash__(self):
        return hash(self.value)

    def __bool__(self):
        return self.value != 0

    def __int__(self):
        return self.value

    def __repr__(self):
        return f"Fr({self.value})"

    def to_bytes(self, byteorder: str = "big") -> bytes:
        return to_bytes(self.value, byteorder)

    @classmethod
    def from_bytes(cls, data: bytes, byteorder: str = "big") -> Fr:
        return cls(from_bytes(data, byteorder))
