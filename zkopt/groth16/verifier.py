"""Groth16 verification, one proof or a batch: raises, never returns a boolean to forget.

The check is e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) = 1 with
vk_x = IC[0] + sum_i public[i] * IC[i+1], the same equation snarkjs checks.
Unusable input (wrong count, a public input >= r, a point off the curve,
outside the subgroup or at infinity) raises MalformedProof / MalformedKey
before any pairing is computed; a false statement raises InvalidProof.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from zkopt import curve, field
from zkopt.errors import InvalidPoint, InvalidProof, MalformedKey, MalformedProof
from zkopt.groth16.keys import PreparedVerifyingKey, Proof, VerifyingKey, prepare

R = field.R

# Batch weights have this many random bits: a batch containing a false proof
# passes with probability about 2^-BATCH_WEIGHT_BITS.
BATCH_WEIGHT_BITS = 128


def check_verifying_key(vk: VerifyingKey) -> None:
    """Raise MalformedKey unless every point of the key is valid (IC points may be infinity)."""
    try:
        curve.validate_g1(vk.alpha_g1, "vk.alpha")
        curve.validate_g2(vk.beta_g2, "vk.beta")
        curve.validate_g2(vk.gamma_g2, "vk.gamma")
        curve.validate_g2(vk.delta_g2, "vk.delta")
        if len(vk.ic) < 1:
            raise MalformedKey("vk.IC is empty")
        for i, point in enumerate(vk.ic):
            curve.validate_g1(point, f"vk.IC[{i}]", allow_infinity=True)
    except InvalidPoint as exc:
        raise MalformedKey(str(exc)) from None


def prepare_checked(vk: VerifyingKey) -> PreparedVerifyingKey:
    """Validate a verifying key and prepare it for repeated verification."""
    check_verifying_key(vk)
    return prepare(vk)


def check_proof(proof: Proof) -> None:
    """Raise MalformedProof unless A, C are valid G1 points and B a valid G2 point (none at infinity)."""
    if not isinstance(proof, Proof):
        raise MalformedProof("not a Groth16 proof")
    try:
        curve.validate_g1(proof.a, "proof.A")
        curve.validate_g2(proof.b, "proof.B")
        curve.validate_g1(proof.c, "proof.C")
    except InvalidPoint as exc:
        raise MalformedProof(str(exc)) from None


def check_public_inputs(n_public: int, public: Sequence[int]) -> list[int]:
    """Raise MalformedProof unless there are exactly n_public canonical field elements."""
    if isinstance(public, (str, bytes)) or not isinstance(public, Sequence):
        raise MalformedProof("public inputs must be a list of numbers")
    if len(public) != n_public:
        raise MalformedProof(f"expected {n_public} public inputs, got {len(public)}")
    for i, value in enumerate(public):
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedProof(f"public input {i} is not an integer")
        if not 0 <= value < R:
            raise MalformedProof(f"public input {i} is not a canonical field element (must be in [0, r))")
    return list(public)


def _prepared(vk: VerifyingKey | PreparedVerifyingKey) -> PreparedVerifyingKey:
    if isinstance(vk, PreparedVerifyingKey):
        return vk
    if isinstance(vk, VerifyingKey):
        return prepare_checked(vk)
    raise MalformedKey("not a Groth16 verifying key")


def _vk_x(vk: VerifyingKey, public: Sequence[int]):
    return curve.g1_add(vk.ic[0], curve.msm_g1(vk.ic[1:], public))


def verify(vk: VerifyingKey | PreparedVerifyingKey, public: Sequence[int], proof: Proof) -> None:
    """Return quietly if the proof verifies; raise InvalidProof, MalformedProof or MalformedKey otherwise.

    With a plain VerifyingKey (checked here) all four pairings run in one
    Miller loop; a PreparedVerifyingKey reuses e(alpha, beta) and the
    precomputed lines of gamma and delta, which pays from the second proof on.
    """
    if isinstance(vk, PreparedVerifyingKey):
        key, gamma, delta, gt_factor = vk.vk, vk.gamma_g2, vk.delta_g2, vk.alpha_beta
        pairs = []
    elif isinstance(vk, VerifyingKey):
        check_verifying_key(vk)
        key, gamma, delta, gt_factor = vk, vk.gamma_g2, vk.delta_g2, None
        pairs = [(vk.alpha_g1, vk.beta_g2)]
    else:
        raise MalformedKey("not a Groth16 verifying key")
    public = check_public_inputs(key.n_public, public)
    check_proof(proof)
    pairs += [
        (curve.g1_neg(proof.a), proof.b),
        (_vk_x(key, public), gamma),
        (proof.c, delta),
    ]
    if not curve.pairing_check(pairs, gt_factor=gt_factor):
        raise InvalidProof("proof does not verify")


def checked_items(
    vk: VerifyingKey | PreparedVerifyingKey, items: Sequence[tuple[Sequence[int], Proof]], points_checked: bool = False
) -> list[tuple[list[int], Proof]]:
    """The (public inputs, proof) pairs of a batch, each checked (``check_public_inputs``, and ``check_proof``
    unless ``points_checked``); MalformedProof names the first bad one's position."""
    n_public = _prepared(vk).vk.n_public
    checked = []
    for j, (public, proof) in enumerate(items):
        try:
            checked.append((check_public_inputs(n_public, public), proof))
            if not points_checked:
                check_proof(proof)
        except MalformedProof as exc:
            raise MalformedProof(f"proof {j}: {exc}") from None
    return checked


def batch_failure(bad: list[int], size: int) -> InvalidProof:
    """The refusal of a batch of ``size`` whose proofs at positions ``bad`` failed."""
    return InvalidProof(f"{len(bad)} of {size} proofs do not verify: " + ", ".join(f"#{j}" for j in bad), indices=bad)


def verify_batch(
    vk: VerifyingKey | PreparedVerifyingKey,
    items: Sequence[tuple[Sequence[int], Proof]],
    rng=None,
    *,
    points_checked: bool = False,
) -> None:
    """Verify many proofs of one circuit with one random linear combination and one final exponentiation.

    With random weights r_j, checks
    prod_j e(r_j A_j, B_j) * e(-(sum r_j) alpha, beta) * e(-sum_j r_j vk_x_j, gamma) * e(-sum_j r_j C_j, delta) = 1.
    If the batch fails, every proof is checked alone and InvalidProof names
    the failing positions in ``indices``. ``points_checked``: the caller has
    already passed every proof through ``check_proof`` (the ledger does, to
    name a malformed one on its own), so the points are not checked twice; the
    public inputs always are. The weights multiply A (128-bit scalars) and the
    three sums are negated instead, so no scalar is a full 254 bits.
    """
    pvk = _prepared(vk)
    checked = checked_items(pvk, items, points_checked)
    if not checked:
        return
    rng = rng or secrets.SystemRandom()
    weights = [rng.getrandbits(BATCH_WEIGHT_BITS) | 1 for _ in checked]
    n_public = pvk.vk.n_public
    public_sums = [0] * n_public
    for weight, (public, _) in zip(weights, checked):
        for i, value in enumerate(public):
            public_sums[i] += weight * value
    weight_sum = sum(weights) % R
    vk_x = curve.msm_g1(pvk.vk.ic, [weight_sum, *(p % R for p in public_sums)])
    c_sum = curve.msm_g1([proof.c for _, proof in checked], weights)
    pairs = [(curve.g1_mul(proof.a, weight), proof.b) for weight, (_, proof) in zip(weights, checked)]
    pairs += [
        (curve.g1_neg(curve.g1_mul(pvk.vk.alpha_g1, weight_sum)), pvk.beta_g2),
        (curve.g1_neg(vk_x), pvk.gamma_g2),
        (curve.g1_neg(c_sum), pvk.delta_g2),
    ]
    if curve.pairing_check(pairs):
        return
    bad = []
    for j, (public, proof) in enumerate(checked):
        try:
            verify(pvk, public, proof)
        except InvalidProof:
            bad.append(j)
    raise batch_failure(bad, len(checked))
