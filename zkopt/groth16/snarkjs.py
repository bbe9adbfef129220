"""snarkjs' JSON files: proof.json, public.json and verification_key.json (snarkjs 0.7.x, bn128).

Written byte for byte as snarkjs writes them (``JSON.stringify(x, null, 1)``,
no trailing newline). Read strictly: decimal strings only, canonical
coordinates (< q), the projective Z must be present and equal 1 (or the
snarkjs encoding of infinity where infinity is allowed), no unknown keys.
``vk_alphabeta_12`` is accepted on input and ignored (verification never uses
it) and is not written, since its value depends on snarkjs' own tower and
final-exponentiation conventions.
"""

from __future__ import annotations

import json

from zkopt import curve, field
from zkopt.errors import InvalidPoint, MalformedInput, MalformedKey, MalformedProof, shown
from zkopt.groth16.keys import Proof, VerifyingKey

_G1_INFINITY = ["0", "1", "0"]
_G2_INFINITY = [["0", "0"], ["1", "0"], ["0", "0"]]
_PROOF_KEYS = {"pi_a", "pi_b", "pi_c", "protocol", "curve"}
_VK_KEYS = {"protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"}
_VK_OPTIONAL_KEYS = {"vk_alphabeta_12"}


def dumps(obj) -> str:
    """Serialise as snarkjs does: one-space indent, no trailing newline."""
    return json.dumps(obj, indent=1)


# --- numbers and points -------------------------------------------------------


def _num(x: int) -> str:
    return str(x)


def g1_to_json(point) -> list[str]:
    if point is None:
        return list(_G1_INFINITY)
    return [_num(point[0]), _num(point[1]), "1"]


def g2_to_json(point) -> list[list[str]]:
    if point is None:
        return [list(p) for p in _G2_INFINITY]
    (x0, x1), (y0, y1) = point
    return [[_num(x0), _num(x1)], [_num(y0), _num(y1)], ["1", "0"]]


def _coordinate(text, what: str) -> int:
    return field.parse_decimal(text, curve.Q, what, bound_name="q")


def g1_from_json(obj, what: str, allow_infinity: bool = False):
    """Parse [x, y, "1"] (or ["0","1","0"] for infinity where allowed) and validate the point."""
    if not isinstance(obj, list) or len(obj) != 3:
        raise InvalidPoint(f"{what} must be a list of 3 decimal strings [x, y, z]")
    if obj == _G1_INFINITY:
        if not allow_infinity:
            raise InvalidPoint(f"{what} is the point at infinity")
        return None
    x = _coordinate(obj[0], f"{what}.x")
    y = _coordinate(obj[1], f"{what}.y")
    if obj[2] != "1":
        raise InvalidPoint(f"{what} must be affine: its z coordinate must be \"1\"")
    return curve.validate_g1((x, y), what)


def _fq2_from_json(obj, what: str) -> tuple[int, int]:
    if not isinstance(obj, list) or len(obj) != 2:
        raise InvalidPoint(f"{what} must be a pair [c0, c1] of decimal strings")
    return (_coordinate(obj[0], f"{what}.c0"), _coordinate(obj[1], f"{what}.c1"))


def g2_from_json(obj, what: str, allow_infinity: bool = False):
    """Parse [[x0, x1], [y0, y1], ["1", "0"]] and validate the point (on curve and in the subgroup)."""
    if not isinstance(obj, list) or len(obj) != 3:
        raise InvalidPoint(f"{what} must be a list of 3 pairs [x, y, z]")
    if obj == _G2_INFINITY:
        if not allow_infinity:
            raise InvalidPoint(f"{what} is the point at infinity")
        return None
    x = _fq2_from_json(obj[0], f"{what}.x")
    y = _fq2_from_json(obj[1], f"{what}.y")
    if obj[2] != ["1", "0"]:
        raise InvalidPoint(f"{what} must be affine: its z coordinate must be [\"1\", \"0\"]")
    return curve.validate_g2((x, y), what)


def _check_header(obj: dict, error: type[MalformedInput], what: str, required: set, optional: set = frozenset()):
    if not isinstance(obj, dict):
        raise error(f"{what} must be a JSON object")
    missing = sorted(required - obj.keys())
    if missing:
        raise error(f"{what} lacks {shown(missing[0])}")
    unknown = sorted(obj.keys() - required - optional)
    if unknown:
        raise error(f"{what} has an unknown field {shown(unknown[0])}")
    if obj["protocol"] != "groth16":
        raise error(f"{what} is not for groth16 (protocol {shown(obj['protocol'])})")
    if obj["curve"] != "bn128":
        raise error(f"{what} is not for bn128 (curve {shown(obj['curve'])})")


# --- proof ------------------------------------------------------------------


def proof_to_json(proof: Proof) -> dict:
    return {
        "pi_a": g1_to_json(proof.a),
        "pi_b": g2_to_json(proof.b),
        "pi_c": g1_to_json(proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    }


def proof_from_json(obj) -> Proof:
    """Parse and validate a snarkjs proof object; raises MalformedProof with a one-line reason."""
    _check_header(obj, MalformedProof, "proof", _PROOF_KEYS)
    try:
        return Proof(
            a=g1_from_json(obj["pi_a"], "proof.pi_a"),
            b=g2_from_json(obj["pi_b"], "proof.pi_b"),
            c=g1_from_json(obj["pi_c"], "proof.pi_c"),
        )
    except (InvalidPoint, ValueError) as exc:
        raise MalformedProof(str(exc)) from None


# --- public signals -----------------------------------------------------------


def public_to_json(public: list[int]) -> list[str]:
    return [_num(x) for x in public]


def public_from_json(obj) -> list[int]:
    """Parse public.json: a list of canonical decimal strings < r; raises MalformedProof."""
    if not isinstance(obj, list):
        raise MalformedProof("public signals must be a JSON list of decimal strings")
    try:
        return [field.parse_decimal(x, field.R, f"public signal {i}") for i, x in enumerate(obj)]
    except ValueError as exc:
        raise MalformedProof(str(exc)) from None


# --- verifying key --------------------------------------------------------------


def vk_to_json(vk: VerifyingKey) -> dict:
    return {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.n_public,
        "vk_alpha_1": g1_to_json(vk.alpha_g1),
        "vk_beta_2": g2_to_json(vk.beta_g2),
        "vk_gamma_2": g2_to_json(vk.gamma_g2),
        "vk_delta_2": g2_to_json(vk.delta_g2),
        "IC": [g1_to_json(p) for p in vk.ic],
    }


def vk_from_json(obj) -> VerifyingKey:
    """Parse and validate a snarkjs verification key; raises MalformedKey with a one-line reason."""
    _check_header(obj, MalformedKey, "verification key", _VK_KEYS, _VK_OPTIONAL_KEYS)
    n_public = obj["nPublic"]
    if isinstance(n_public, bool) or not isinstance(n_public, int) or n_public < 0:
        raise MalformedKey("verification key: nPublic must be a non-negative integer")
    ic = obj["IC"]
    if not isinstance(ic, list) or len(ic) != n_public + 1:
        raise MalformedKey(f"verification key: IC must hold nPublic + 1 = {n_public + 1} points")
    try:
        return VerifyingKey(
            alpha_g1=g1_from_json(obj["vk_alpha_1"], "vk.vk_alpha_1"),
            beta_g2=g2_from_json(obj["vk_beta_2"], "vk.vk_beta_2"),
            gamma_g2=g2_from_json(obj["vk_gamma_2"], "vk.vk_gamma_2"),
            delta_g2=g2_from_json(obj["vk_delta_2"], "vk.vk_delta_2"),
            ic=tuple(g1_from_json(p, f"vk.IC[{i}]", allow_infinity=True) for i, p in enumerate(ic)),
        )
    except (InvalidPoint, ValueError) as exc:
        raise MalformedKey(str(exc)) from None
