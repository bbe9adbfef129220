"""Single-party Groth16 setup. UNSAFE for production: whoever runs it knows the toxic waste.

The secret scalars tau, alpha, beta, gamma, delta are drawn from the given
random source and dropped when the function returns; anyone who kept them
could forge proofs. Use this for tests and demos; production needs a
multi-party phase 2 in which each contributor re-randomises delta.
"""

from __future__ import annotations

import secrets

from zkopt import curve, field
from zkopt.groth16 import qap
from zkopt.groth16.keys import ProvingKey, VerifyingKey
from zkopt.r1cs import R1CS

R = field.R


def _nonzero_scalar(rng) -> int:
    return rng.randrange(1, R)


def setup(r1cs: R1CS, rng=None) -> ProvingKey:
    """Generate the proving key (which contains the verifying key as ``.vk``) for one circuit shape.

    ``rng`` is any object with ``randrange`` (``random.Random`` for
    reproducible tests); by default the operating system's CSPRNG.
    """
    rng = rng or secrets.SystemRandom()
    domain = qap.domain_for(r1cs)
    while True:
        tau = _nonzero_scalar(rng)
        if domain.vanishing_at(tau) != 0:  # tau must lie outside the domain
            break
    alpha, beta, gamma, delta = (_nonzero_scalar(rng) for _ in range(4))
    gamma_inv, delta_inv = field.batch_inverse([gamma, delta])

    u, v, w = qap.evaluate_at(r1cs, domain, tau)
    l = r1cs.n_public
    combined = [(beta * ui + alpha * vi + wi) % R for ui, vi, wi in zip(u, v, w)]
    ic_scalars = [c * gamma_inv % R for c in combined[: l + 1]]
    l_scalars = [c * delta_inv % R for c in combined[l + 1 :]]
    z_over_delta = domain.vanishing_at(tau) * delta_inv % R
    h_scalars = []
    power = z_over_delta
    for _ in range(domain.size - 1):
        h_scalars.append(power)
        power = power * tau % R

    g1_scalars = [alpha, beta, delta, *u, *v, *ic_scalars, *l_scalars, *h_scalars]
    g1 = curve.g1_mul_many(curve.G1_GENERATOR, g1_scalars)
    g2 = curve.g2_mul_many(curve.G2_GENERATOR, [beta, gamma, delta, *v])

    n = r1cs.n_variables
    alpha_g1, beta_g1, delta_g1 = g1[0:3]
    a_query = g1[3 : 3 + n]
    b_g1_query = g1[3 + n : 3 + 2 * n]
    ic = g1[3 + 2 * n : 3 + 2 * n + l + 1]
    l_query = g1[3 + 2 * n + l + 1 : 3 + 3 * n]
    h_query = g1[3 + 3 * n :]
    beta_g2, gamma_g2, delta_g2 = g2[0:3]
    b_g2_query = g2[3:]

    vk = VerifyingKey(alpha_g1=alpha_g1, beta_g2=beta_g2, gamma_g2=gamma_g2, delta_g2=delta_g2, ic=tuple(ic))
    return ProvingKey(
        circuit=r1cs.name,
        params=dict(r1cs.params),
        r1cs_digest=r1cs.digest(),
        domain_size=domain.size,
        n_variables=n,
        n_public=l,
        alpha_g1=alpha_g1,
        beta_g1=beta_g1,
        beta_g2=beta_g2,
        delta_g1=delta_g1,
        delta_g2=delta_g2,
        a_query=a_query,
        b_g1_query=b_g1_query,
        b_g2_query=b_g2_query,
        l_query=l_query,
        h_query=h_query,
        vk=vk,
    )
