"""Tests of zkopt.field: constants, field laws, inverses, encodings, parse_decimal, Fr.

Independent references: galois (primality tests and GF(r) arithmetic), the
published factorisation of r - 1, and the BN254 2^28-th root of unity published
by libsnark (alt_bn128 Fr root_of_unity) and gnark-crypto (BN254 fft config).
"""

from __future__ import annotations

import math

import galois
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkopt import field
from zkopt.field import R, Fr

# galois.GF(R) with defaults spends ~96 s proving primality and searching for a
# primitive element; both facts are checked independently below.
GF = galois.GF(R, primitive_element=field.MULTIPLICATIVE_GENERATOR, verify=False)

elements = st.integers(min_value=0, max_value=R - 1)
nonzero = st.integers(min_value=1, max_value=R - 1)

# r - 1 = 2^28 * 3^2 * 13 * 29 * 983 * 11003 * 237073 * 405928799 * 1670836401704629
#         * 13818364434197438864469338081 (published with arkworks' BN254 Fr parameters;
# test_r_minus_one_factorisation re-checks the product and each factor's primality).
R_MINUS_ONE_ODD_PRIMES = [
    3, 13, 29, 983, 11003, 237073, 405928799, 1670836401704629, 13818364434197438864469338081
]
R_MINUS_ONE_FACTORS = [2] * 28 + [3, 3] + R_MINUS_ONE_ODD_PRIMES[1:]

# From libsnark's alt_bn128 Fr root_of_unity and gnark-crypto's BN254 fft config.
PUBLISHED_ROOT_OF_UNITY = 19103219067921713944291392827692070036145651957329286315305642004821462161904


# --- constants -------------------------------------------------------------------------


def test_r_is_the_bn254_scalar_field_prime():
    assert R.bit_length() == 254
    assert galois.is_prime(R)
    assert not galois.is_prime(R + 2)  # negative twin: the test can say no
    assert field.BYTES == 32


def test_r_minus_one_factorisation():
    assert math.prod(R_MINUS_ONE_FACTORS) == R - 1
    assert all(galois.is_prime(p) for p in R_MINUS_ONE_ODD_PRIMES)


def test_two_adicity_is_exact():
    assert (R - 1) % (1 << field.TWO_ADICITY) == 0
    assert (R - 1) % (1 << (field.TWO_ADICITY + 1)) != 0


def test_multiplicative_generator_generates_fr_star():
    g = field.MULTIPLICATIVE_GENERATOR
    for p in [2, *R_MINUS_ONE_ODD_PRIMES]:
        assert pow(g, (R - 1) // p, R) != 1, p


def test_a_non_generator_is_detected():
    # Negative twin: 4 is a square, so its order divides (r - 1) / 2.
    assert pow(4, (R - 1) // 2, R) == 1


def test_root_of_unity_known_answer_and_exact_order():
    w = field.ROOT_OF_UNITY
    assert w == PUBLISHED_ROOT_OF_UNITY
    assert pow(w, 1 << field.TWO_ADICITY, R) == 1
    assert pow(w, 1 << (field.TWO_ADICITY - 1), R) == R - 1  # primitive: half the order gives -1


# --- field laws (hypothesis) -----------------------------------------------------------


@given(elements, elements, elements)
def test_ring_laws(a, b, c):
    assert field.add(a, b) == field.add(b, a)
    assert field.mul(a, b) == field.mul(b, a)
    assert field.add(field.add(a, b), c) == field.add(a, field.add(b, c))
    assert field.mul(field.mul(a, b), c) == field.mul(a, field.mul(b, c))
    assert field.mul(a, field.add(b, c)) == field.add(field.mul(a, b), field.mul(a, c))
    assert field.add(a, 0) == a and field.mul(a, 1) == a and field.mul(a, 0) == 0


@given(elements, elements)
def test_sub_and_neg_are_additive_inverses(a, b):
    assert field.add(a, field.neg(a)) == 0
    assert field.sub(a, b) == field.add(a, field.neg(b))
    assert field.add(field.sub(a, b), b) == a
    assert 0 <= field.neg(a) < R


@given(nonzero, elements)
def test_inverse_and_division(a, b):
    assert field.mul(a, field.inv(a)) == 1
    assert field.mul(field.div(b, a), a) == b
    assert field.inv(field.inv(a)) == a


@given(st.integers())
def test_reduce_maps_any_int_into_range(x):
    y = field.reduce(x)
    assert 0 <= y < R and (x - y) % R == 0


@settings(max_examples=50)
@given(st.lists(elements, max_size=20), elements)
def test_results_are_canonical_even_for_unreduced_inputs(values, k):
    for v in values:
        for x in (v, v + R, v - R, -v):
            assert 0 <= field.add(x, k) < R and 0 <= field.mul(x, k) < R and 0 <= field.sub(x, k) < R


def test_inverse_of_zero_raises():
    with pytest.raises(ZeroDivisionError):
        field.inv(0)
    with pytest.raises(ZeroDivisionError):
        field.inv(R)  # congruent to 0
    with pytest.raises(ZeroDivisionError):
        field.div(1, 0)


def test_inverse_edge_values():
    assert field.inv(1) == 1
    assert field.inv(R - 1) == R - 1
    assert field.inv(-1) == R - 1
    assert field.inv(2) == (R + 1) // 2


# --- batch inverse ----------------------------------------------------------------------


def test_batch_inverse_matches_single_inverses(rng):
    values = [rng.randrange(1, R) for _ in range(200)] + [1, R - 1]
    original = list(values)
    out = field.batch_inverse(values)
    assert out == [field.inv(v) for v in values]
    assert values == original  # the input is not modified


def test_batch_inverse_empty_and_single():
    assert field.batch_inverse([]) == []
    assert field.batch_inverse([7]) == [field.inv(7)]


@pytest.mark.parametrize("position", [0, 5, 9])
@pytest.mark.parametrize("zero", [0, R])
def test_batch_inverse_rejects_a_zero_anywhere(rng, position, zero):
    values = [rng.randrange(1, R) for _ in range(10)]
    values[position] = zero
    with pytest.raises(ZeroDivisionError):
        field.batch_inverse(values)


def test_batch_inverse_wrong_result_detected(rng):
    # Negative twin: a single wrong entry is caught by the elementwise product check.
    values = [rng.randrange(1, R) for _ in range(20)]
    out = field.batch_inverse(values)
    out[7] = field.add(out[7], 1)
    bad = [i for i, (v, w) in enumerate(zip(values, out)) if field.mul(v, w) != 1]
    assert bad == [7]


# --- against galois ----------------------------------------------------------------------


def test_arithmetic_matches_galois(rng):
    a = [rng.randrange(R) for _ in range(300)] + [0, 1, R - 1]
    b = [rng.randrange(1, R) for _ in range(300)] + [1, R - 1, R - 1]
    ga, gb = GF(a), GF(b)
    assert [int(x) for x in ga + gb] == [field.add(x, y) for x, y in zip(a, b)]
    assert [int(x) for x in ga - gb] == [field.sub(x, y) for x, y in zip(a, b)]
    assert [int(x) for x in ga * gb] == [field.mul(x, y) for x, y in zip(a, b)]
    assert [int(x) for x in -ga] == [field.neg(x) for x in a]
    assert [int(x) for x in np.reciprocal(gb)] == [field.inv(y) for y in b]
    assert [int(x) for x in np.reciprocal(gb)] == field.batch_inverse(b)
    assert [int(x) for x in ga / gb] == [field.div(x, y) for x, y in zip(a, b)]
    assert [int(x) for x in ga**5] == [pow(x, 5, R) for x in a]


def test_galois_comparison_detects_a_wrong_product(rng):
    # Negative twin: an off-by-one product disagrees with galois.
    a, b = rng.randrange(R), rng.randrange(R)
    assert int(GF(a) * GF(b)) != field.add(field.mul(a, b), 1)


# --- encodings ---------------------------------------------------------------------------


def test_encoding_known_answers():
    assert field.to_bytes(0) == bytes(32)
    assert field.to_bytes(1) == bytes(31) + b"\x01"
    assert field.to_bytes(1, "little") == b"\x01" + bytes(31)
    assert field.to_bytes(R - 1).hex() == "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000"


@given(elements)
def test_encoding_round_trip(a):
    for order in ("big", "little"):
        data = field.to_bytes(a, order)
        assert len(data) == field.BYTES
        assert field.from_bytes(data, order) == a
        assert Fr.from_bytes(data, order) == Fr(a)
        assert Fr(a).to_bytes(order) == data


@pytest.mark.parametrize("value", [R, R + 1, 2**256 - 1])
def test_from_bytes_rejects_non_canonical(value):
    data = value.to_bytes(32, "big")
    with pytest.raises(ValueError, match="not canonical"):
        field.from_bytes(data)
    with pytest.raises(ValueError, match="not canonical"):
        field.from_bytes(value.to_bytes(32, "little"), "little")


def test_from_bytes_accepts_the_largest_canonical_value():
    # Positive twin of the rejection above.
    assert field.from_bytes((R - 1).to_bytes(32, "big")) == R - 1


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_from_bytes_rejects_wrong_length(length):
    with pytest.raises(ValueError, match="expected 32 bytes"):
        field.from_bytes(bytes(length))


@pytest.mark.parametrize("value", [R, R + 5, -1, 2**256])
def test_to_bytes_rejects_non_canonical(value):
    with pytest.raises(ValueError):
        field.to_bytes(value)


# --- parse_decimal -----------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [("0", 0), ("123", 123), ("1", 1), (str(R - 1), R - 1)])
def test_parse_decimal_accepts_canonical(text, expected):
    assert field.parse_decimal(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "-1", "+1", "01", "00", "0x10", " 1", "1 ", "1\n", "1.0", "1e3", "1_000", "١٢", "１"]
    + [str(R), str(R + 1)],
)
def test_parse_decimal_rejects(text):
    with pytest.raises(ValueError):
        field.parse_decimal(text)


@pytest.mark.parametrize("value", [5, None, True, 1.0, b"5", ["5"]])
def test_parse_decimal_rejects_non_strings(value):
    with pytest.raises(ValueError, match="must be a decimal string"):
        field.parse_decimal(value)


def test_parse_decimal_bound_and_name():
    assert field.parse_decimal("4", bound=5) == 4
    with pytest.raises(ValueError, match="amount is out of range"):
        field.parse_decimal("5", bound=5, what="amount")
    with pytest.raises(ValueError, match="out of range \\(must be < r\\)"):
        field.parse_decimal(str(R))


def test_parse_decimal_rejects_very_long_input_with_value_error():
    with pytest.raises(ValueError):
        field.parse_decimal("9" * 5000)


@given(elements)
def test_parse_decimal_round_trips_str(a):
    assert field.parse_decimal(str(a)) == a


# --- Fr ----------------------------------------------------------------------------------


@given(elements, nonzero)
def test_fr_operators_agree_with_functions(a, b):
    x, y = Fr(a), Fr(b)
    assert (x + y).value == field.add(a, b)
    assert (x - y).value == field.sub(a, b)
    assert (x * y).value == field.mul(a, b)
    assert (x / y).value == field.div(a, b)
    assert (-x).value == field.neg(a)
    assert (x**3).value == pow(a, 3, R)
    assert (y**-2).value == field.mul(field.inv(b), field.inv(b))
    assert y.inverse().value == field.inv(b)
    # Mixed with ints on either side.
    assert x + b == Fr(field.add(a, b)) and b + x == x + b
    assert a - y == Fr(field.sub(a, b)) and x - b == Fr(field.sub(a, b))
    assert b * x == x * b == Fr(field.mul(a, b))
    assert a / y == Fr(field.div(a, b)) and x / b == Fr(field.div(a, b))


def test_fr_construction_reduces_and_copies():
    assert Fr(-1).value == R - 1
    assert Fr(R).value == 0
    assert Fr(R + 3).value == 3
    assert Fr(Fr(7)).value == 7


def test_fr_equality_hash_and_conversions():
    assert Fr(5) == 5 and Fr(5) == Fr(5) and Fr(5) != Fr(6)
    assert Fr(5) != 6
    assert Fr(R - 1) != -1 and Fr(R - 1) == Fr(-1)  # ints compare as canonical representatives
    assert hash(Fr(5)) == hash(Fr(5)) == hash(5)
    assert len({Fr(1), Fr(1), Fr(2)}) == 2
    assert int(Fr(-2)) == R - 2
    assert repr(Fr(3)) == "Fr(3)"
    assert Fr(1) != "1" and Fr(1) != 1.0


def test_fr_zero_inverse_raises():
    with pytest.raises(ZeroDivisionError):
        Fr(0).inverse()
    with pytest.raises(ZeroDivisionError):
        Fr(1) / 0
    with pytest.raises(ZeroDivisionError):
        1 / Fr(0)
    with pytest.raises(ZeroDivisionError):
        Fr(0) ** -1


def test_fr_rejects_foreign_operands():
    with pytest.raises(TypeError):
        Fr(1) + 1.5
    with pytest.raises(TypeError):
        Fr(1) * "2"
    with pytest.raises(TypeError):
        2.0 - Fr(1)


# --- Fr's own contract -----------------------------------------------------------------


@pytest.mark.parametrize("bad", [1.5, "3", True, None])
def test_fr_rejects_non_integers(bad):
    with pytest.raises(TypeError):
        Fr(bad)


def test_fr_zero_is_falsy():
    assert not Fr(0)
    assert Fr(R + 1)


def test_fr_equals_only_canonical_ints_so_hashes_agree():
    assert Fr(1) == 1 and hash(Fr(1)) == hash(1)
    assert Fr(R + 1) == 1
    assert Fr(1) != R + 1
    assert {Fr(5), 5} == {5}


def test_parse_decimal_refuses_huge_strings_with_its_own_reason():
    with pytest.raises(ValueError, match="not a canonical decimal"):
        field.parse_decimal("9" * 5000)
