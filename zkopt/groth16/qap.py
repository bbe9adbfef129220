"""From an R1CS to a quadratic arithmetic program: evaluations at tau (setup) and h(X) (proving).

Rows 0..m-1 of the QAP are the circuit's constraints; rows m..m+l add
``x_i * 0 = 0`` for the constant one and each public signal i (as snarkjs
does), which makes the public polynomials u_0..u_l linearly independent, a
condition of Groth16's soundness proof. The domain is the smallest power of two
holding all rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkopt import field
from zkopt.poly import Domain
from zkopt.r1cs import R1CS

R = field.R


def n_rows(r1cs: R1CS) -> int:
    return r1cs.n_constraints + r1cs.n_public + 1


def domain_for(r1cs: R1CS) -> Domain:
    return Domain.for_size(n_rows(r1cs))


def evaluate_at(r1cs: R1CS, domain: Domain, tau: int) -> tuple[list[int], list[int], list[int]]:
    """u_i(tau), v_i(tau), w_i(tau) for every variable i, via the Lagrange basis at tau."""
    lagrange = domain.lagrange_at(tau)
    n = r1cs.n_variables
    u, v, w = [0] * n, [0] * n, [0] * n
    for matrix, out in ((r1cs.a, u), (r1cs.b, v), (r1cs.c, w)):
        for j, row in enumerate(matrix):
            lj = lagrange[j]
            for index, coeff in row:
                out[index] += coeff * lj
    m = r1cs.n_constraints
    for i in range(r1cs.n_public + 1):
        u[i] += lagrange[m + i]
    return [x % R for x in u], [x % R for x in v], [x % R for x in w]


def _row_values(matrix: list[list[tuple[int, int]]], witness: Sequence[int]) -> list[int]:
    return [sum(coeff * witness[index] for index, coeff in row) % R for row in matrix]


def row_values(r1cs: R1CS, witness: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """A, B and C of every QAP row at the witness (the public rows included), unpadded."""
    a = _row_values(r1cs.a, witness) + list(witness[: r1cs.n_public + 1])
    return a, _row_values(r1cs.b, witness), _row_values(r1cs.c, witness)


def _padded(values: Sequence[int], size: int) -> list[int]:
    if len(values) > size:
        raise ValueError(f"{len(values)} rows do not fit a domain of size {size}")
    return list(values) + [0] * (size - len(values))


def h_coefficients(r1cs: R1CS, domain: Domain, witness: Sequence[int]) -> list[int]:
    """Coefficients of h(X) = (A(X) B(X) - C(X)) / Z(X) for an R1CS and a witness (see ``h_from_rows``)."""
    return h_from_rows(domain, *row_values(r1cs, witness))


def odd_coset_values(domain: Domain, a: Sequence[int], b: Sequence[int], c: Sequence[int]) -> list[int]:
    """A(X) B(X) - C(X) at the odd points omega_2n^(2j+1) of the size-2n domain: snarkjs' H scalars.

    A * B - C has degree < 2n and vanishes on the size-n domain (the even
    points), so sum_j value_j L_(2j+1)(tau) over the 2n-domain's Lagrange
    basis equals h(tau) Z(tau): no division by Z, and a key's H points are
    [L_(2j+1)(tau) / delta]_1 (snarkjs' .zkey section 9).
    """
    size = domain.size
    shift = Domain(2 * size).omega
    a_odd, b_odd, c_odd = (domain.shifted_fft(domain.ifft(_padded(v, size)), shift) for v in (a, b, c))
    return [(x * y - z) % R for x, y, z in zip(a_odd, b_odd, c_odd)]


def h_from_rows(domain: Domain, a: Sequence[int], b: Sequence[int], c: Sequence[int]) -> list[int]:
    """Coefficients of h(X) = (A(X) B(X) - C(X)) / Z(X), degree < domain.size - 1.

    Computed on the coset shift * <omega>, where Z is the non-zero constant
    shift^n - 1. The result is only meaningful for a satisfying witness (for
    any other, A*B - C has no such quotient); the prover checks that first.
    """
    size = domain.size
    a, b, c = (_padded(v, size) for v in (a, b, c))
    a_coset = domain.coset_fft(domain.ifft(a))
    b_coset = domain.coset_fft(domain.ifft(b))
    c_coset = domain.coset_fft(domain.ifft(c))
    z_inv = field.inv(domain.vanishing_on_coset())
    h_coset = [(x * y - z) * z_inv % R for x, y, z in zip(a_coset, b_coset, c_coset)]
    # deg h <= size - 2, so the top coefficient is zero for a satisfying witness.
    return domain.coset_ifft(h_coset)[:-1]
