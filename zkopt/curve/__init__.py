"""BN254 for zkopt: G1/G2 points, checks, encodings, multi-scalar multiplication and pairings.

The only package that imports py_ecc (as the reference backend). Points are
plain tuples: G1 ``(x, y)``, G2 ``((x_c0, x_c1), (y_c0, y_c1))``, infinity
``None``. Every security check raises ``InvalidPoint``; none relies on
``assert``. ``backend.use("reference")`` switches every operation to py_ecc.
"""

from zkopt.curve import backend
from zkopt.curve.groups import (
    G1_GENERATOR,
    G2_GENERATOR,
    Q,
    g1_add,
    g1_double,
    g1_from_bytes,
    g1_mul,
    g1_mul_each,
    g1_mul_many,
    g1_neg,
    g1_points_from_bytes,
    g1_to_bytes,
    g2_add,
    g2_double,
    g2_from_bytes,
    g2_mul,
    g2_mul_each,
    g2_mul_many,
    g2_mul_unreduced,
    g2_neg,
    g2_points_from_bytes,
    g2_to_bytes,
    is_in_subgroup_g2,
    is_on_curve_g1,
    is_on_curve_g2,
    msm_g1,
    msm_g2,
    validate_g1,
    validate_g2,
)
from zkopt.curve.pairing import PreparedG2, gt_mul, pairing, pairing_check, prepare_g2

__all__ = [
    "G1_GENERATOR",
    "G2_GENERATOR",
    "PreparedG2",
    "Q",
    "backend",
    "g1_add",
    "g1_double",
    "g1_from_bytes",
    "g1_mul",
    "g1_mul_each",
    "g1_mul_many",
    "g1_neg",
    "g1_points_from_bytes",
    "g1_to_bytes",
    "g2_add",
    "g2_double",
    "g2_from_bytes",
    "g2_mul",
    "g2_mul_each",
    "g2_mul_many",
    "g2_mul_unreduced",
    "g2_neg",
    "g2_points_from_bytes",
    "g2_to_bytes",
    "gt_mul",
    "is_in_subgroup_g2",
    "is_on_curve_g1",
    "is_on_curve_g2",
    "msm_g1",
    "msm_g2",
    "pairing",
    "pairing_check",
    "prepare_g2",
    "validate_g1",
    "validate_g2",
]
