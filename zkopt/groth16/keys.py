"""Groth16 key and proof types, with the formula behind every field.

Notation: tau, alpha, beta, gamma, delta are the setup's secret scalars;
u_i, v_i, w_i are the QAP polynomials of witness variable i (from the A, B, C
matrices), Z the vanishing polynomial of the evaluation domain, G and H the
generators of G1 and G2, and l = n_public (the constant one is variable 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkopt import curve


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof: A in G1, B in G2, C in G1 (snarkjs' pi_a, pi_b, pi_c)."""

    a: tuple
    b: tuple
    c: tuple


@dataclass(frozen=True)
class VerifyingKey:
    """What a verifier needs; ``ic`` has n_public + 1 points.

    alpha_g1 = alpha G, beta_g2 = beta H, gamma_g2 = gamma H, delta_g2 = delta H,
    ic[i] = gamma^-1 (beta u_i(tau) + alpha v_i(tau) + w_i(tau)) G for i = 0..l.
    """

    alpha_g1: tuple
    beta_g2: tuple
    gamma_g2: tuple
    delta_g2: tuple
    ic: tuple

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1


@dataclass
class PreparedVerifyingKey:
    """A verifying key with e(alpha, beta) computed and beta, gamma, delta prepared for the Miller loop.

    Build it with ``verifier.prepare_checked`` (which validates the key first).
    """

    vk: VerifyingKey
    alpha_beta: object
    beta_g2: object = field(repr=False)
    gamma_g2: object = field(repr=False)
    delta_g2: object = field(repr=False)


@dataclass
class ProvingKey:
    """Everything the prover needs, bound to one circuit shape by ``r1cs_digest``.

    a_query[i] = u_i(tau) G,  b_g1_query[i] = v_i(tau) G,  b_g2_query[i] = v_i(tau) H  (all i),
    l_query[j] = delta^-1 (beta u_i(tau) + alpha v_i(tau) + w_i(tau)) G  for private i = l+1+j,
    h_query in one of two forms (``h_form``), n = domain_size:
      "monomial" (zkopt's setup): h_query[j] = delta^-1 tau^j Z(tau) G  for j = 0 .. n - 2;
      "odd-coset" (snarkjs .zkey): h_query[j] = delta^-1 L_(2j+1)(tau) G  for j = 0 .. n - 1, the odd
      Lagrange polynomials of the size-2n domain, so the prover evaluates on that coset (see qap),
    plus alpha G, beta G, beta H, delta G, delta H and the verifying key.
    """

    circuit: str
    params: dict[str, int]
    r1cs_digest: bytes
    domain_size: int
    n_variables: int
    n_public: int
    alpha_g1: tuple
    beta_g1: tuple
    beta_g2: tuple
    delta_g1: tuple
    delta_g2: tuple
    a_query: list
    b_g1_query: list
    b_g2_query: list
    l_query: list
    h_query: list
    vk: VerifyingKey
    h_form: str = "monomial"


def prepare(vk: VerifyingKey) -> PreparedVerifyingKey:
    """Cache e(alpha, beta) and the Miller-loop lines of beta (for batches), gamma and delta.

    Assumes a validated key; ``verifier.prepare_checked`` validates and prepares.
    """
    return PreparedVerifyingKey(
        vk=vk,
        alpha_beta=curve.pairing(vk.alpha_g1, vk.beta_g2),
        beta_g2=curve.prepare_g2(vk.beta_g2),
        gamma_g2=curve.prepare_g2(vk.gamma_g2),
        delta_g2=curve.prepare_g2(vk.delta_g2),
    )
