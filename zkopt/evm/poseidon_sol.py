"""Poseidon on the EVM: a Solidity contract generated from zkopt's own constants, equal to ``zkopt.native.poseidon``.

The contract ``PoseidonT<t>`` hashes ``t - 1`` field elements: call it with
exactly ``32 * (t - 1)`` bytes of call data (the inputs as big-endian words,
no selector) and it returns one word, ``poseidon.hash(*inputs)``. Inputs are
taken mod r (the pool only passes canonical values); any other call-data length
reverts.

Gas tricks (docs/decisions.md):

* **Sparse partial rounds.** In a partial round only ``state[0]`` goes through
  the S-box, so (Poseidon paper, appendix B) the dense MDS matrix of every
  partial round can be factored into a sparse matrix, ``[[a, b^T], [w, I]]``
  (2t - 1 multiplications instead of t^2), times a block-diagonal matrix
  ``diag(1, A)`` that commutes with the partial S-box and is pushed back into
  the previous round, down to the last full round before the partial rounds
  (whose matrix becomes ``P = D_0 M``). Likewise the round constants of
  ``state[1..t-1]`` in partial rounds pass linearly through the S-box and are
  pushed forward into the next round's constants, leaving one constant per
  partial round. ``optimized(t)`` derives all of this from
  ``poseidon.params(t)`` by exact arithmetic mod r, and ``permute_optimized``
  runs the result in Python, so the derivation is tested against the
  straightforward permutation without any EVM.
* **Lazy reduction.** r < 2^254, so up to four reduced values add without
  overflowing 256 bits: round constants are added with ``add`` (not
  ``addmod``), the S-box's ``mulmod`` takes unreduced inputs, and each mixed
  element is a plain sum of ``mulmod`` products; only the sparse column,
  which accumulates over many rounds, uses ``addmod``, and the output is
  reduced once.
* **No dispatcher, no memory**: the fallback reads call data and keeps the
  state on the stack; the constants are in the code (PUSH32).
"""

from __future__ import annotations

from dataclasses import dataclass

import zkopt
from zkopt.field import R
from zkopt.native import poseidon

#: Solidity versions the generated source accepts (tested with zkopt.evm.solc.SOLC_VERSION).
PRAGMA = ">=0.8.0 <0.9.0"
LICENSE = "MIT"


def _inverse(matrix: list[list[int]]) -> list[list[int]]:
    """The inverse of a square matrix mod r (Gauss-Jordan); ValueError if it is singular."""
    n = len(matrix)
    rows = [list(row) + [int(i == j) for j in range(n)] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = next((i for i in range(col, n) if rows[i][col] % R), None)
        if pivot is None:
            raise ValueError("singular matrix")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        inv = pow(rows[col][col], -1, R)
        rows[col] = [x * inv % R for x in rows[col]]
        for i in range(n):
            if i != col and rows[i][col]:
                factor = rows[i][col]
                rows[i] = [(x - factor * y) % R for x, y in zip(rows[i], rows[col])]
    return [row[n:] for row in rows]


def _mat_mul(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    return [[sum(x * y for x, y in zip(row, col)) % R for col in zip(*b)] for row in a]


def _mat_vec(m, v) -> list[int]:
    return [sum(x * y for x, y in zip(row, v)) % R for row in m]


@dataclass(frozen=True)
class Optimized:
    """The permutation of width t in its sparse form (see the module docstring), equal to the plain one.

    ``first`` are the constants of the first half's full rounds, ``matrices``
    the matrix applied after each of them (M, and P = D_0 M after the last);
    ``partial`` one (constant, row, column) per partial round: ``s0 += c``,
    S-box on s0, then ``s0' = row . s`` and ``s_i' = s_i + column[i-1] * s0``;
    ``second`` the constants of the second half's full rounds (the first of
    them absorbs what the partial rounds pushed forward), each followed by M.
    """

    t: int
    first: tuple[tuple[int, ...], ...]
    matrices: tuple[tuple[tuple[int, ...], ...], ...]
    partial: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]
    second: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]


def optimized(t: int) -> Optimized:
    """Derive the sparse form of Poseidon of width ``t`` from ``poseidon.params(t)``."""
    constants, mds, full_rounds, partial_rounds = poseidon.params(t)
    mds = [list(row) for row in mds]
    half = full_rounds // 2
    # Constants: only state[0]'s constant of a partial round stays before its S-box; the rest goes forward.
    carry = [0] * t
    partial_constants = []
    for k in range(half, half + partial_rounds):
        effective = [(c + x) % R for c, x in zip(constants[k], carry)]
        partial_constants.append(effective[0])
        carry = _mat_vec(mds, [0] + effective[1:])
    second = [list(c) for c in constants[half + partial_rounds:]]
    second[0] = [(c + x) % R for c, x in zip(second[0], carry)]
    # Matrices, backwards: D M = B D' with B sparse and D' = diag(1, A); D' moves into the round before.
    carry_matrix = [[int(i == j) for j in range(t)] for i in range(t)]
    sparse = []
    for _ in range(partial_rounds):
        x = _mat_mul(carry_matrix, mds)
        block = [row[1:] for row in x[1:]]
        row0 = [x[0][0]] + _mat_vec(list(map(list, zip(*_inverse(block)))), x[0][1:])
        column = [x[i][0] for i in range(1, t)]
        sparse.append((tuple(row0), tuple(column)))
        carry_matrix = [[int(i == j == 0) for j in range(t)] for i in range(t)]
        for i in range(1, t):
            carry_matrix[i][1:] = block[i - 1]
    sparse.reverse()
    first_matrix = _mat_mul(carry_matrix, mds)
    as_tuple = lambda m: tuple(tuple(row) for row in m)  # noqa: E731
    return Optimized(
        t=t,
        first=tuple(tuple(c) for c in constants[:half]),
        matrices=tuple([as_tuple(mds)] * (half - 1) + [as_tuple(first_matrix)]),
        partial=tuple((c, row, col) for c, (row, col) in zip(partial_constants, sparse)),
        second=tuple(tuple(c) for c in second),
        mds=as_tuple(mds),
    )


def _full(state: list[int], constants, matrix) -> list[int]:
    state = [pow((s + c) % R, poseidon.ALPHA, R) for s, c in zip(state, constants)]
    return _mat_vec(matrix, state)


def permute_optimized(form: Optimized, state: list[int]) -> list[int]:
    """The permutation computed in the sparse form: must equal ``poseidon.permute``."""
    state = list(state)
    for constants, matrix in zip(form.first, form.matrices):
        state = _full(state, constants, matrix)
    for constant, row, column in form.partial:
        s0 = pow((state[0] + constant) % R, poseidon.ALPHA, R)
        state = [sum(a * b for a, b in zip(row, [s0, *state[1:]])) % R] + [
            (s + w * s0) % R for s, w in zip(state[1:], column)
        ]
    for constants in form.second:
        state = _full(state, constants, form.mds)
    return state


def contract_name(t: int) -> str:
    return f"PoseidonT{t}"


#: Where the MDS matrix is kept in memory, row by row (see ``_matrix_entry``).
_MDS_AT = 0x80


def _matrix_entry(matrix, i: int, j: int) -> str:
    """The Yul expression of ``matrix[i][j]``: the MDS matrix is read from memory, any other one inlined.

    The MDS matrix repeats in seven full rounds; as PUSH32 constants solc's constant optimizer would load each
    occurrence with a CODECOPY (about 35 gas) instead, so it is stored once and read with MLOAD (6 gas).
    """
    if isinstance(matrix, _Memory):
        return f"mload({_MDS_AT + 32 * (i * len(matrix.rows) + j):#x})"
    return f"{matrix[i][j]:#066x}"


@dataclass(frozen=True)
class _Memory:
    """A matrix kept in memory at _MDS_AT."""

    rows: tuple[tuple[int, ...], ...]

    def __iter__(self):
        return iter(self.rows)


def _store_mds(mds) -> list[str]:
    # The address is offset by callvalue() (0: the fallback is not payable) so that the optimizer cannot match
    # the loads to these stores and fold them back into constants.
    return [
        f"mstore(add(callvalue(), {_MDS_AT + 32 * (i * len(mds) + j):#x}), {m:#066x})"
        for i, row in enumerate(mds)
        for j, m in enumerate(row)
    ]


def _full_round(t: int, constants, matrix) -> list[str]:
    lines = ["{"]
    if isinstance(matrix, _Memory):
        # A write the optimizer cannot place (callvalue() is 0: scratch word 0) keeps it from hoisting every
        # round's loads of the matrix to the top, which would need more stack than the EVM reaches.
        lines.append("    mstore(callvalue(), 0)")
    for i, c in enumerate(constants):
        lines.append(f"    let x{i} := add(s{i}, {c:#066x})")
        lines.append(f"    let y{i} := mulmod(x{i}, x{i}, R)")
        lines.append(f"    x{i} := mulmod(mulmod(y{i}, y{i}, R), x{i}, R)")
    for i, row in enumerate(matrix):
        terms = [_matrix_entry(matrix, i, j) for j in range(t)]
        terms = [f"mulmod(x{j}, {m}, R)" for j, m in enumerate(terms)]
        expr = terms[0]
        for term in terms[1:]:
            expr = f"add({expr}, {term})"
        lines.append(f"    s{i} := {expr}")
    lines.append("}")
    return lines


def _partial_round(t: int, constant: int, row, column) -> list[str]:
    lines = [
        "{",
        f"    let x := add(s0, {constant:#066x})",
        "    let y := mulmod(x, x, R)",
        "    x := mulmod(mulmod(y, y, R), x, R)",
    ]
    # row[0] is M[0][0] in every partial round (D's corner is 1): read from the stored matrix, like a full round's.
    terms = [f"mulmod(x, mload({_MDS_AT:#x}), R)"] + [f"mulmod(s{j}, {row[j]:#066x}, R)" for j in range(1, t)]
    expr = terms[0]
    for term in terms[1:]:
        expr = f"add({expr}, {term})"
    lines.append(f"    s0 := {expr}")
    for i in range(1, t):
        lines.append(f"    s{i} := addmod(s{i}, mulmod(x, {column[i - 1]:#066x}, R), R)")
    lines.append("}")
    return lines


def source(t: int = 3) -> str:
    """The Solidity source of ``PoseidonT<t>``: hash of ``t - 1`` words of call data, as ``poseidon.hash``."""
    form = optimized(t)
    n = t - 1
    body = [f"if iszero(eq(calldatasize(), {32 * n:#x})) {{ revert(0, 0) }}", "let s0 := 0"]
    body += [f"let s{i} := mod(calldataload({32 * (i - 1):#x}), R)" for i in range(1, t)]
    body += _store_mds(form.mds)
    memory = _Memory(form.mds)
    for constants, matrix in zip(form.first, form.matrices):
        body += _full_round(t, constants, memory if matrix == form.mds else matrix)
    for constant, row, column in form.partial:
        assert row[0] == form.mds[0][0]
        body += _partial_round(t, constant, row, column)
    for constants in form.second:
        body += _full_round(t, constants, memory)
    body += ["mstore(0, mod(s0, R))", "return(0, 0x20)"]
    name = contract_name(t)
    lines = [
        f"// SPDX-License-Identifier: {LICENSE}",
        f"// Generated by zkopt {zkopt.__version__} (zkopt.evm.poseidon_sol) from zkopt.native.poseidon_constants",
        "// (circomlib's Poseidon constants). Do not edit: regenerate it.",
        f"pragma solidity {PRAGMA};",
        "",
        f"/// @title {name}",
        f"/// @notice Poseidon of {n} field elements over BN254's scalar field, equal to circomlib's Poseidon({n}).",
        f"/// @dev Call with exactly {32 * n} bytes (the inputs, big-endian words, no selector); returns one word.",
        "///      Inputs are taken mod r. Partial rounds in sparse form; see zkopt/evm/poseidon_sol.py.",
        f"contract {name} {{",
        "    fallback() external {",
        "        assembly {",
        # callvalue() is 0 here (the fallback is not payable), but the optimizer cannot know it: so R stays on the
        # stack (DUP, 1 byte, 3 gas) instead of being rematerialised 700 times as a 33-byte PUSH32 or a CODECOPY.
        f"            let R := xor(callvalue(), {R:#066x})",
        *[f"            {line}" for line in body],
        "        }",
        "    }",
        "}",
        "",
    ]
    return "\n".join(lines)
