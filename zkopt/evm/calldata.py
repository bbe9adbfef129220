"""The arguments of ``verifyProof`` for a proof: as Python integers, as ABI call data, and as snarkjs prints them.

``solidity_calldata`` is the text ``snarkjs zkey export soliditycalldata``
prints for the same proof.json and public.json (without the newline that
``console.log`` adds): each number as a quoted, zero-padded 64-digit hex
string, and B's coordinate pairs swapped to EIP-197's (c1, c0) order.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkopt.groth16.keys import Proof

#: The ABI signature of the verifier function, for a verifier with ``n`` public inputs.
SIGNATURE = "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n}])"

Arguments = tuple[list[int], list[list[int]], list[int], list[int]]


def signature(n_public: int) -> str:
    return SIGNATURE.format(n=n_public)


def _g1(point) -> list[int]:
    return [0, 0] if point is None else [point[0], point[1]]


def call_arguments(proof: Proof, public: Sequence[int]) -> Arguments:
    """(a, b, c, input) as verifyProof takes them; b is [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197's order)."""
    (x0, x1), (y0, y1) = proof.b if proof.b is not None else ((0, 0), (0, 0))
    return _g1(proof.a), [[x1, x0], [y1, y0]], _g1(proof.c), [int(v) for v in public]


def encode_call(selector: bytes, proof: Proof, public: Sequence[int]) -> bytes:
    """The call data of verifyProof: the 4-byte ``selector``, then every argument word (all are static types)."""
    if len(selector) != 4:
        raise ValueError("a function selector is 4 bytes")
    a, b, c, inputs = call_arguments(proof, public)
    words = [*a, *b[0], *b[1], *c, *inputs]
    return selector + b"".join(w.to_bytes(32, "big") for w in words)


def _hex(value: int) -> str:
    return f'"0x{value:064x}"'


def _pair(values: Sequence[int]) -> str:
    return f"[{_hex(values[0])}, {_hex(values[1])}]"


def solidity_calldata(proof: Proof, public: Sequence[int]) -> str:
    """What ``snarkjs zkey export soliditycalldata`` prints for this proof and these public inputs."""
    a, b, c, inputs = call_arguments(proof, public)
    return f"{_pair(a)},[{_pair(b[0])},{_pair(b[1])}],{_pair(c)},[{','.join(_hex(v) for v in inputs)}]"
