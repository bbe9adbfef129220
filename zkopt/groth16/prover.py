"""Groth16 proving: a witness and a proving key in, a proof with fresh blinding out.

A = alpha + sum_i w_i u_i(tau) + r delta                         (G1)
B = beta  + sum_i w_i v_i(tau) + s delta                         (G2, and in G1 for C)
C = sum_private w_i l_i + sum_j h_j h_query_j + s A + r B_g1 - r s delta   (G1)
with r, s fresh random scalars, so the same witness gives unlinkable proofs.
The work is shared by two processes: a forked child starts on the B side
(the G2 MSM, the longest single piece, and its G1 twin) while this process
runs the FFTs and the A MSM, and the big C MSM is split between them so both
finish together.
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

# Below this many witness terms a second process costs more than it saves.
_PARALLEL_MIN_TERMS = 256

# Relative costs, in G1 multi-scalar-multiplication terms, for splitting work
# between the two processes (measured with benchmarks/bench_msm.py and
# bench_fft.py: a G2 term costs ~2.8 G1 terms; the FFTs of a domain of size n
# ~0.45 n G1 terms). Scalars 0 and 1 cost next to nothing and are not counted.
_G2_TERM_COST = 2.8
_FFT_COST_PER_POINT = 0.45


class _Worker:
    """A second process (forked) that runs submitted calls in order; or, without one, runs them in line."""

    def __init__(self, parallel: bool):
        self._pool = multiprocessing.get_context("fork").Pool(1) if parallel else None

    def submit(self, fn: Callable, *args):
        if self._pool is None:
            value = fn(*args)
            return lambda: value
        pending = self._pool.apply_async(fn, args)
        return pending.get

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()


def _b_sums(b_g2_query: list, b_g1_query: list, w: list[int]) -> tuple:
    """sum_i w_i v_i(tau) in G2 and in G1: the witness part of B (module level, so a child can run it)."""
    return curve.msm_g2(b_g2_query, w), curve.msm_g1(b_g1_query, w)


def _heavy_terms(points, scalars) -> int:
    return sum(1 for p, k in zip(points, scalars) if p is not None and k > 1)


def _use_second_process(terms: int) -> bool:
    if os.environ.get("ZKOPT_PROCESSES") == "1":
        return False
    return terms >= _PARALLEL_MIN_TERMS and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def _child_share_of_c(pk: ProvingKey, w: list[int], c_scalars: list[int]) -> int:
    """How many leading terms of C's MSM the child should take so both processes finish together.

    The child starts with the B side while this process runs the FFTs and
    the A MSM; the rest of C is then split to even out the two timelines.
    """
    child = _G2_TERM_COST * _heavy_terms(pk.b_g2_query, w) + _heavy_terms(pk.b_g1_query, w)
    main = _FFT_COST_PER_POINT * pk.domain_size + _heavy_terms(pk.a_query, w)
    c_points = len(c_scalars)
    c_total = sum(1 for k in c_scalars if k > 1)
    wanted = max(0.0, min(c_total, (main + c_total - child) / 2))
    if c_total == 0:
        return 0
    return min(c_points, round(c_points * wanted / c_total))


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
    return prove_rows(pk, witness.values, *qap.row_values(witness.r1cs, witness.values), rng=rng)


def _h_scalars(pk: ProvingKey, a: list[int], b: list[int], c: list[int]) -> list[int]:
    domain = Domain(pk.domain_size)
    if pk.h_form == "monomial":
        return qap.h_from_rows(domain, a, b, c)
    if pk.h_form == "odd-coset":
        return qap.odd_coset_values(domain, a, b, c)
    raise MalformedKey(f"proving key has an unknown H form {pk.h_form!r}")


def prove_rows(pk: ProvingKey, w: list[int], a: list[int], b: list[int], c: list[int], rng=None) -> Proof:
    """The proof for witness values ``w`` whose QAP rows evaluate to ``a``, ``b``, ``c`` (public rows included).

    The caller vouches for the witness: ``prove`` checks it against the R1CS;
    a .zkey prover without the C matrix verifies the proof it gets instead.
    """
    if len(w) != pk.n_variables:
        raise MalformedKey(f"the witness has {len(w)} values, the proving key {pk.n_variables} wires")
    rng = rng or secrets.SystemRandom()
    r = rng.randrange(1, R)
    s = rng.randrange(1, R)

    worker = _Worker(parallel=_use_second_process(len(w)))
    try:
        b_side = worker.submit(_b_sums, pk.b_g2_query, pk.b_g1_query, w)
        h = _h_scalars(pk, a, b, c)
        c_points = [*pk.l_query, *pk.h_query]
        c_scalars = [*w[pk.n_public + 1 :], *h]
        split = _child_share_of_c(pk, w, c_scalars)
        c_child = worker.submit(curve.msm_g1, c_points[:split], c_scalars[:split])
        a_point = curve.g1_add(curve.g1_add(pk.alpha_g1, curve.msm_g1(pk.a_query, w)), curve.g1_mul(pk.delta_g1, r))
        c_sum = curve.g1_add(curve.msm_g1(c_points[split:], c_scalars[split:]), c_child())
        b_g2_sum, b_g1_sum = b_side()
    finally:
        worker.close()
    b_point = curve.g2_add(curve.g2_add(pk.beta_g2, b_g2_sum), curve.g2_mul(pk.delta_g2, s))
    b_g1 = curve.g1_add(curve.g1_add(pk.beta_g1, b_g1_sum), curve.g1_mul(pk.delta_g1, s))
    c_point = curve.g1_add(c_sum, curve.msm_g1([a_point, b_g1, pk.delta_g1], [s, r, -r * s % R]))
    return Proof(a=a_point, b=b_point, c=c_point)
