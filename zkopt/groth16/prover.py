"""Groth16 proving: a witness and a proving key in, a proof with fresh blinding out.

A = alpha + sum_i w_i u_i(tau) + r delta                         (G1)
B = beta  + sum_i w_i v_i(tau) + s delta                         (G2, and in G1 for C)
C = sum_private w_i l_i + sum_j h_j h_query_j + s A + r B_g1 - r s delta   (G1)
with r, s fresh random scalars, so the same witness gives unlinkable proofs.
The G2 multi-scalar multiplication, the longest single piece, runs in a
second process while this one does the FFTs and the G1 work.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections.abc import Callable

from zkopt import curve, field
from zkopt.errors import MalformedKey
from zkopt.groth16 import qap
from zkopt.groth16.keys import Proof, ProvingKey
from zkopt.poly import Domain
from zkopt.r1cs import Witness

R = field.R

# Below this many G2 terms a second process costs more than it saves.
_PARALLEL_MIN_TERMS = 256


class _Deferred:
    """A computation started now and collected with ``result()``: in a child process or in line."""

    def __init__(self, fn: Callable, *args, parallel: bool):
        self._pool = None
        if parallel:
            self._pool = multiprocessing.get_context("fork").Pool(1)
            self._async = self._pool.apply_async(fn, args)
        else:
            self._value = fn(*args)

    def result(self):
        if self._pool is None:
            return self._value
        try:
            return self._async.get()
        finally:
            self._pool.close()
            self._pool.join()


def _use_second_process(terms: int) -> bool:
    if os.environ.get("ZKOPT_PROCESSES") == "1":
        return False
    return terms >= _PARALLEL_MIN_TERMS and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def prove(pk: ProvingKey, witness: Witness, rng=None) -> Proof:
    """Prove that ``witness`` satisfies the circuit ``pk`` was made for.

    Raises MalformedKey if the key belongs to another circuit shape and
    Unsatisfied (naming the first failing constraint) if the witness is wrong:
    no proof is ever produced for a false statement.
    """
    if witness.r1cs.digest() != pk.r1cs_digest:
        raise MalformedKey(
            f"proving key is for another circuit shape than {witness.r1cs.name} {witness.r1cs.params}"
        )
    witness.check()
    rng = rng or secrets.SystemRandom()
    r = rng.randrange(1, R)
    s = rng.randrange(1, R)
    w = witness.values

    b_g2 = _Deferred(curve.msm_g2, pk.b_g2_query, w, parallel=_use_second_process(len(w)))

    h = qap.h_coefficients(witness.r1cs, Domain(pk.domain_size), w)
    a = curve.g1_add(curve.g1_add(pk.alpha_g1, curve.msm_g1(pk.a_query, w)), curve.g1_mul(pk.delta_g1, r))
    b_g1 = curve.g1_add(curve.g1_add(pk.beta_g1, curve.msm_g1(pk.b_g1_query, w)), curve.g1_mul(pk.delta_g1, s))
    private = w[pk.n_public + 1 :]
    c = curve.msm_g1(
        [*pk.l_query, *pk.h_query, a, b_g1, pk.delta_g1],
        [*private, *h, s, r, -r * s % R],
    )
    b = curve.g2_add(curve.g2_add(pk.beta_g2, b_g2.result()), curve.g2_mul(pk.delta_g2, s))
    return Proof(a=a, b=b, c=c)
