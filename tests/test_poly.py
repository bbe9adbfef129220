"""Tests of zkopt.poly: domains, fft/ifft, coset transforms, vanishing polynomial, Lagrange basis.

References: naive O(n^2) evaluation written here from the definitions, and
galois.Poly evaluation over galois' GF(r) as an independent implementation.
"""

from __future__ import annotations

import galois
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkopt import field, poly
from zkopt.field import R
from zkopt.poly import Domain, evaluate

# Skip galois' ~96 s primality proof and primitive-element search (see test_field.py).
GF = galois.GF(R, primitive_element=field.MULTIPLICATIVE_GENERATOR, verify=False)

SMALL_SIZES = [1, 2, 4, 8, 16]
SHIFT = field.MULTIPLICATIVE_GENERATOR


def naive_eval(coeffs, x):
    return sum(c * pow(x, k, R) for k, c in enumerate(coeffs)) % R


def naive_points(size):
    w = pow(field.ROOT_OF_UNITY, (1 << field.TWO_ADICITY) // size, R)
    return [pow(w, i, R) for i in range(size)]


def naive_lagrange(points, tau):
    out = []
    for i, xi in enumerate(points):
        num, den = 1, 1
        for j, xj in enumerate(points):
            if j != i:
                num = num * (tau - xj) % R
                den = den * (xi - xj) % R
        out.append(num * pow(den, -1, R) % R)
    return out


def random_vector(rng, n):
    return [rng.randrange(R) for _ in range(n)]


# --- domain construction -------------------------------------------------------------------


@pytest.mark.parametrize("log_size", range(field.TWO_ADICITY + 1))
def test_domain_parameters(log_size):
    d = Domain(1 << log_size)
    assert d.size == 1 << log_size and d.log_size == log_size
    assert pow(d.omega, d.size, R) == 1
    if d.size > 1:
        assert pow(d.omega, d.size // 2, R) == R - 1  # primitive: order exactly n
    assert d.omega * d.omega_inv % R == 1
    assert d.size * d.size_inv % R == 1
    assert d.coset_shift == SHIFT
    assert pow(SHIFT, d.size, R) != 1  # the shift is not in the domain
    assert d.vanishing_on_coset() == (pow(SHIFT, d.size, R) - 1) % R != 0


def test_largest_domain_uses_the_field_root_of_unity():
    assert Domain(1 << 28).omega == field.ROOT_OF_UNITY
    assert Domain(1).omega == 1


@pytest.mark.parametrize("size", [0, -1, -4, 3, 5, 6, 12, 1000, (1 << 28) + 1, 1 << 29, 1 << 64])
def test_invalid_sizes_rejected(size):
    with pytest.raises(ValueError, match="power of two"):
        Domain(size)


@pytest.mark.parametrize("size", [4.0, "4", True, None])
def test_non_int_sizes_rejected(size):
    with pytest.raises(TypeError):
        Domain(size)


@pytest.mark.parametrize(
    "n, size", [(0, 1), (1, 1), (2, 2), (3, 4), (4, 4), (5, 8), (8193, 16384), (1 << 28, 1 << 28)]
)
def test_for_size(n, size):
    assert Domain.for_size(n).size == size


@pytest.mark.parametrize("n", [-1, (1 << 28) + 1])
def test_for_size_rejects(n):
    with pytest.raises(ValueError):
        Domain.for_size(n)


def test_domain_equality():
    assert Domain(8) == Domain(8) and hash(Domain(8)) == hash(Domain(8))
    assert Domain(8) != Domain(16)
    assert repr(Domain(8)) == "Domain(2^3)"


@pytest.mark.parametrize("size", SMALL_SIZES + [64])
def test_elements(size):
    d = Domain(size)
    els = d.elements()
    assert els == naive_points(size)
    assert len(set(els)) == size
    assert all(type(x) is int for x in els)


# --- fft / ifft ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_fft_matches_naive_evaluation(rng, size):
    d = Domain(size)
    coeffs = random_vector(rng, size)
    assert d.fft(coeffs) == [naive_eval(coeffs, x) for x in naive_points(size)]


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_fft_edge_values(size):
    d = Domain(size)
    for coeffs in ([0] * size, [R - 1] * size, [1] + [0] * (size - 1)):
        assert d.fft(coeffs) == [naive_eval(coeffs, x) for x in naive_points(size)]
    assert d.fft([R - 1] * size)[0] == (R - size) % R  # sum of coefficients at X = 1


@pytest.mark.parametrize("size", [16, 256])
def test_fft_matches_galois(rng, size):
    d = Domain(size)
    coeffs = random_vector(rng, size)
    p = galois.Poly(GF(coeffs), order="asc")
    expected = [int(v) for v in p(GF(naive_points(size)))]
    assert d.fft(coeffs) == expected
    # ... and ifft recovers galois' coefficients from galois' values.
    assert d.ifft(expected) == coeffs


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_short_input_is_zero_padded(rng, size):
    d = Domain(size)
    coeffs = random_vector(rng, size // 2)
    assert d.fft(coeffs) == d.fft(coeffs + [0] * (size - len(coeffs)))
    assert d.fft([]) == [0] * size
    assert d.fft(coeffs) == [naive_eval(coeffs, x) for x in naive_points(size)]


@pytest.mark.parametrize("size", [1, 2, 4, 8, 16, 1024, 4096])
def test_round_trips(rng, size):
    d = Domain(size)
    x = random_vector(rng, size)
    assert d.ifft(d.fft(x)) == x
    assert d.fft(d.ifft(x)) == x
    assert d.coset_ifft(d.coset_fft(x)) == x
    assert d.coset_fft(d.coset_ifft(x)) == x


def test_outputs_are_canonical_python_ints_and_inputs_untouched(rng):
    d = Domain(64)
    x = random_vector(rng, 64)
    before = list(x)
    for out in (d.fft(x), d.ifft(x), d.coset_fft(x), d.coset_ifft(x)):
        assert type(out) is list and len(out) == 64
        assert all(type(v) is int and 0 <= v < R for v in out)
    assert x == before


def test_repeated_calls_do_not_corrupt_cached_tables(rng):
    d = Domain(32)
    x, y = random_vector(rng, 32), random_vector(rng, 32)
    first = d.fft(x)
    d.fft(y), d.ifft(y), d.coset_fft(y), d.coset_ifft(y)
    assert Domain(32).fft(x) == first
    assert d.elements() == naive_points(32)
    assert not poly._tables(5).twiddles.flags.writeable  # shared tables are read-only


def test_accepts_tuples_and_generators(rng):
    d = Domain(8)
    x = random_vector(rng, 8)
    assert d.fft(tuple(x)) == d.fft(iter(x)) == d.fft(x)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, R - 1), min_size=8, max_size=8),
    st.lists(st.integers(0, R - 1), min_size=8, max_size=8),
)
def test_convolution_theorem(a, b):
    # Pointwise products of evaluations are the evaluations of the product mod X^n - 1.
    d = Domain(8)
    cyclic = [0] * 8
    for i, ai in enumerate(a):
        for j, bj in enumerate(b):
            cyclic[(i + j) % 8] = (cyclic[(i + j) % 8] + ai * bj) % R
    product = [x * y % R for x, y in zip(d.fft(a), d.fft(b))]
    assert d.ifft(product) == cyclic


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, R - 1), max_size=16), st.integers(0, R - 1))
def test_fft_is_linear_and_matches_evaluate(coeffs, k):
    d = Domain(16)
    scaled = [c * k % R for c in coeffs]
    assert d.fft(scaled) == [v * k % R for v in d.fft(coeffs)]
    assert d.fft(coeffs) == [evaluate(coeffs, x) for x in d.elements()]


# --- coset transforms ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_coset_fft_matches_naive_evaluation(rng, size):
    d = Domain(size)
    coeffs = random_vector(rng, size)
    coset = [SHIFT * w % R for w in naive_points(size)]
    assert d.coset_fft(coeffs) == [naive_eval(coeffs, x) for x in coset]
    assert d.coset_fft(coeffs[: size // 2]) == [naive_eval(coeffs[: size // 2], x) for x in coset]


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_coset_ifft_interpolates(rng, size):
    d = Domain(size)
    values = random_vector(rng, size)
    coeffs = d.coset_ifft(values)
    assert [naive_eval(coeffs, SHIFT * w % R) for w in naive_points(size)] == values


def test_coset_is_disjoint_from_domain():
    for size in SMALL_SIZES + [256]:
        d = Domain(size)
        assert not set(d.elements()) & {SHIFT * w % R for w in d.elements()}


# --- vanishing polynomial -----------------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_vanishing(rng, size):
    d = Domain(size)
    points = naive_points(size)
    assert all(d.vanishing_at(w) == 0 for w in points)
    for tau in [0, 1, R - 1, SHIFT] + random_vector(rng, 5):
        product = 1
        for w in points:
            product = product * (tau - w) % R
        assert d.vanishing_at(tau) == product  # X^n - 1 = prod (X - omega^i)
    for w in points:
        assert d.vanishing_at(SHIFT * w % R) == d.vanishing_on_coset()


def test_vanishing_nonzero_off_domain(rng):
    # Negative twin: a point outside the domain does not vanish.
    d = Domain(16)
    tau = rng.randrange(R)
    assert tau not in d.elements()
    assert d.vanishing_at(tau) != 0
    assert d.vanishing_at(d.omega) == 0 and Domain(8).vanishing_at(Domain(16).omega) != 0


# --- Lagrange basis at a point ------------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_lagrange_at_random_tau(rng, size):
    d = Domain(size)
    points = naive_points(size)
    for tau in random_vector(rng, 3) + [0, SHIFT]:
        basis = d.lagrange_at(tau)
        assert basis == naive_lagrange(points, tau)
        assert sum(basis) % R == 1  # the basis interpolates the constant 1


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_lagrange_at_domain_points_is_indicator(size):
    d = Domain(size)
    for i, w in enumerate(naive_points(size)):
        expected = [0] * size
        expected[i] = 1
        assert d.lagrange_at(w) == expected == naive_lagrange(naive_points(size), w)


def test_lagrange_interpolates_fft_values(rng):
    # sum_i L_i(tau) f(omega^i) = f(tau) for deg f < n.
    d = Domain(256)
    coeffs = random_vector(rng, 256)
    tau = rng.randrange(R)
    basis = d.lagrange_at(tau)
    assert sum(b * v for b, v in zip(basis, d.fft(coeffs))) % R == evaluate(coeffs, tau)


def test_lagrange_wrong_basis_detected(rng):
    # Negative twin: a perturbed basis no longer interpolates; the index says where.
    d = Domain(8)
    tau = rng.randrange(R)
    basis = d.lagrange_at(tau)
    basis[3] = (basis[3] + 1) % R
    wrong = [i for i, (a, b) in enumerate(zip(basis, naive_lagrange(naive_points(8), tau))) if a != b]
    assert wrong == [3]
    assert sum(basis) % R != 1


# --- evaluate -----------------------------------------------------------------------------------


def test_evaluate(rng):
    coeffs = random_vector(rng, 20)
    x = rng.randrange(R)
    assert evaluate(coeffs, x) == naive_eval(coeffs, x)
    assert Domain.evaluate(coeffs, x) == Domain(4).evaluate(coeffs, x) == evaluate(coeffs, x)
    assert evaluate([], x) == 0
    assert evaluate(coeffs, 0) == coeffs[0]
    assert evaluate([1, 1], R - 1) == 0


# --- invalid input ------------------------------------------------------------------------------


def test_too_many_coefficients_rejected():
    d = Domain(4)
    for fn in (d.fft, d.coset_fft):
        with pytest.raises(ValueError, match="do not fit"):
            fn([1] * 5)


@pytest.mark.parametrize("length", [0, 3, 5])
def test_inverse_transforms_need_exactly_size_values(length):
    d = Domain(4)
    for fn in (d.ifft, d.coset_ifft):
        with pytest.raises(ValueError, match="expected 4 evaluations"):
            fn([1] * length)


@pytest.mark.parametrize("bad", [R, R + 1, -1])
def test_non_canonical_values_rejected(bad):
    d = Domain(4)
    for fn in (d.fft, d.ifft, d.coset_fft, d.coset_ifft):
        with pytest.raises(ValueError, match="canonical"):
            fn([1, 2, bad, 3])
    with pytest.raises(ValueError, match="canonical"):
        d.lagrange_at(bad)
    with pytest.raises(ValueError, match="canonical"):
        d.vanishing_at(bad)
    with pytest.raises(ValueError, match="canonical"):
        evaluate([1, bad], 2)
    with pytest.raises(ValueError, match="canonical"):
        evaluate([1, 2], bad)


@pytest.mark.parametrize("bad", [1.0, True, "1", None, np.int64(1)])
def test_non_int_values_rejected(bad):
    d = Domain(4)
    for fn in (d.fft, d.ifft, d.coset_fft, d.coset_ifft):
        with pytest.raises(TypeError):
            fn([1, 2, bad, 3])
    with pytest.raises(TypeError):
        d.lagrange_at(bad)
    with pytest.raises(TypeError):
        evaluate([1], bad)


# --- negative twins: a wrong transform is detected -----------------------------------------------


def test_fft_of_perturbed_input_differs_everywhere(rng):
    # Adding 1 to coefficient k adds omega^(ik) != 0 to every evaluation.
    d = Domain(16)
    coeffs = random_vector(rng, 16)
    good = d.fft(coeffs)
    coeffs[5] = (coeffs[5] + 1) % R
    bad = d.fft(coeffs)
    assert [i for i in range(16) if good[i] != bad[i]] == list(range(16))
    assert bad == [naive_eval(coeffs, x) for x in naive_points(16)]


def test_corrupted_twiddle_detected_by_naive_check(rng):
    # The comparison with naive evaluation has teeth: butterflies fed a wrong twiddle
    # table disagree with it, and the mismatching points are reported.
    d = Domain(8)
    tables = poly._Tables(3, d.omega)  # a private copy, not the shared cached one
    tables.twiddles = tables.twiddles.copy()
    tables.twiddles[1] = tables.twiddles[1] * 2 % R
    coeffs = random_vector(rng, 8)
    work = poly._object_array(coeffs)[tables.forward_perm]
    poly._butterflies(work, tables.twiddles)
    got = (work % R).tolist()
    expected = [naive_eval(coeffs, x) for x in naive_points(8)]
    wrong = [i for i in range(8) if got[i] != expected[i]]
    assert wrong, "a corrupted twiddle went unnoticed"
    # Positive twin with the correct table.
    work = poly._object_array(coeffs)[tables.forward_perm]
    poly._butterflies(work, poly._tables(3).twiddles)
    assert (work % R).tolist() == expected


def test_ifft_without_scaling_detected(rng):
    # Dropping the 1/n of the inverse transform breaks the round trip.
    d = Domain(8)
    x = random_vector(rng, 8)
    unscaled = [v * 8 % R for v in d.ifft(x)]
    assert d.fft(unscaled) != x
    assert d.fft(d.ifft(x)) == x
