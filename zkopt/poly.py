"""Radix-2 evaluation domains over Fr: fft/ifft, coset fft, vanishing polynomial, Lagrange basis at a point.

Values are plain ints in ``[0, R)``; a polynomial is the list of its
coefficients, lowest degree first. A ``Domain`` of size n is the subgroup
{omega^0, ..., omega^(n-1)} of n-th roots of unity (n a power of two, at most
2^TWO_ADICITY), plus the coset shift * domain on which the Groth16 prover
divides by the vanishing polynomial Z(X) = X^n - 1.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from . import field
from .field import R

#: Largest supported domain size: Fr has 2-adicity 28.
MAX_SIZE = 1 << field.TWO_ADICITY


def _canonical_list(values: Iterable[int], what: str) -> list[int]:
    """Copy values into a list, rejecting anything but canonical ints.

    The butterflies below never reduce their inputs first, so a stray float,
    bool or negative number would otherwise come out as a plausible-looking
    wrong answer instead of an error.
    """
    out = list(values)
    for x in out:
        if type(x) is not int:
            raise TypeError(f"{what} must be ints, got {type(x).__name__}")
        if not 0 <= x < R:
            raise ValueError(f"{what} must be canonical field elements in [0, r)")
    return out


def _canonical_scalar(x: int, what: str) -> int:
    if type(x) is not int:
        raise TypeError(f"{what} must be an int, got {type(x).__name__}")
    if not 0 <= x < R:
        raise ValueError(f"{what} must be a canonical field element in [0, r)")
    return x


def _object_array(values: list[int]) -> np.ndarray:
    # Filling an empty object array (rather than np.array(values)) guarantees a
    # 1-D array of the very Python ints we were given, whatever their size.
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _geometric(ratio: int, count: int, start: int = 1) -> np.ndarray:
    """[start * ratio^i for i < count] as an object array, by doubling (log2(count) vector steps)."""
    out = np.empty(count, dtype=object)
    if count == 0:
        return out
    out[0] = start % R
    filled = 1
    step = ratio % R  # ratio^filled
    while filled < count:
        take = min(filled, count - filled)
        out[filled : filled + take] = out[:take] * step % R
        filled += take
        step = step * step % R
    return out


def _frozen(arr: np.ndarray) -> np.ndarray:
    # Cached tables are shared by every Domain of a size; a write would corrupt all of them.
    arr.flags.writeable = False
    return arr


def _bit_reversal(log_size: int) -> np.ndarray:
    idx = np.arange(1 << log_size, dtype=np.intp)
    rev = np.zeros_like(idx)
    for bit in range(log_size):
        rev |= ((idx >> bit) & 1) << (log_size - 1 - bit)
    return rev


class _Tables:
    """Per-size precomputation, built lazily and shared by every Domain of that size.

    Every array here is read-only: the transforms gather their input into a
    fresh array before working in place.
    """

    def __init__(self, log_size: int, omega: int):
        size = 1 << log_size
        self.size = size
        # omega^0 .. omega^(n/2 - 1); layer with half-width m uses every (n/2m)-th entry.
        self.twiddles = _frozen(_geometric(omega, max(size // 2, 1)))
        rev = _bit_reversal(log_size)
        # fft wants input[rev[k]] at position k.
        self.forward_perm = _frozen(rev)
        # sum_i e_i omega^(-ik) is the forward transform of e'[i] = e[-i mod n], so the
        # inverse transform is the forward one with the index negation folded into the
        # bit-reversal gather: no second twiddle table is needed.
        self.inverse_perm = _frozen((-rev) % size)

    @functools.cached_property
    def elements(self) -> np.ndarray:
        half = self.twiddles
        if self.size == 1:
            return half
        # omega^(n/2) = -1, so the second half is the negated first half.
        return _frozen(np.concatenate([half, (R - half) % R]))

    @functools.cached_property
    def coset_powers(self) -> np.ndarray:
        """shift^i: scaling coefficient i by it turns f(X) into f(shift X)."""
        return _frozen(_geometric(field.MULTIPLICATIVE_GENERATOR, self.size))

    @functools.cached_property
    def coset_inv_powers_scaled(self) -> np.ndarray:
        """shift^(-i) / n: undoes the coset shift and the 1/n of the inverse transform in one product."""
        shift_inv = field.inv(field.MULTIPLICATIVE_GENERATOR)
        return _frozen(_geometric(shift_inv, self.size, start=field.inv(self.size)))


# A 2^16 domain's tables hold ~200k ints (~15 MB); a program uses only a few sizes.
@functools.lru_cache(maxsize=16)
def _tables(log_size: int) -> _Tables:
    omega = pow(field.ROOT_OF_UNITY, 1 << (field.TWO_ADICITY - log_size), R)
    return _Tables(log_size, omega)


def _butterflies(arr: np.ndarray, twiddles: np.ndarray) -> None:
    """Iterative radix-2 decimation-in-time on a bit-reversed object array, in place.

    Numpy object arrays are used because a whole layer then costs one C loop per
    operation over Python ints; at 2^14 and 2^16 points this takes about 20% less
    time than the same algorithm as a pure-Python loop (see benchmarks/bench_fft.py). Only the
    products are reduced: sums and differences are left unreduced (they grow by
    at most r per layer, and may be negative) and reduced once at the end, which
    saves two of the three modular reductions per butterfly.
    """
    n = len(arr)
    m = 1
    while m < n:
        blocks = n // (2 * m)
        view = arr.reshape(blocks, 2, m)
        lo = view[:, 0, :]
        hi = view[:, 1, :]
        if m == 1:
            # The only twiddle is omega^0 = 1.
            t = hi.copy()
        else:
            t = hi * twiddles[::blocks][:m] % R
        np.subtract(lo, t, out=hi)
        np.add(lo, t, out=lo)
        m *= 2


def evaluate(coeffs: Iterable[int], x: int) -> int:
    """sum_i coeffs[i] x^i by Horner's rule (any number of coefficients)."""
    values = _canonical_list(coeffs, "coefficients")
    x = _canonical_scalar(x, "x")
    acc = 0
    for c in reversed(values):
        acc = (acc * x + c) % R
    return acc


class Domain:
    """The multiplicative subgroup of size n = 2^k of Fr, with transforms between coefficients and values.

    ``omega`` is ROOT_OF_UNITY^(2^(28 - k)), a primitive n-th root of unity;
    ``coset_shift`` is MULTIPLICATIVE_GENERATOR, which lies outside every such
    subgroup, so Z(X) = X^n - 1 equals the non-zero constant shift^n - 1 on the
    coset shift * domain.
    """

    __slots__ = ("size", "log_size", "omega", "omega_inv", "size_inv", "coset_shift")

    def __init__(self, size: int):
        if type(size) is not int:
            raise TypeError(f"domain size must be an int, got {type(size).__name__}")
        if size < 1 or size > MAX_SIZE or size & (size - 1):
            raise ValueError(f"domain size must be a power of two in [1, 2^{field.TWO_ADICITY}], got {size}")
        self.size = size
        self.log_size = size.bit_length() - 1
        self.omega = pow(field.ROOT_OF_UNITY, 1 << (field.TWO_ADICITY - self.log_size), R)
        self.omega_inv = field.inv(self.omega)
        self.size_inv = field.inv(size)
        self.coset_shift = field.MULTIPLICATIVE_GENERATOR

    @classmethod
    def for_size(cls, n: int) -> Domain:
        """The smallest domain with at least n points (n = 0 gives the size-1 domain)."""
        if type(n) is not int:
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0 or n > MAX_SIZE:
            raise ValueError(f"no radix-2 domain holds {n} points (maximum 2^{field.TWO_ADICITY})")
        return cls(1 << max(n - 1, 0).bit_length())

    def __repr__(self) -> str:
        return f"Domain(2^{self.log_size})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Domain) and other.size == self.size

    def __hash__(self) -> int:
        return hash(("Domain", self.size))

    @property
    def _tables(self) -> _Tables:
        return _tables(self.log_size)

    def _padded(self, coeffs: Iterable[int]) -> np.ndarray:
        values = _canonical_list(coeffs, "coefficients")
        if len(values) > self.size:
            raise ValueError(f"{len(values)} coefficients do not fit a domain of size {self.size}")
        arr = np.zeros(self.size, dtype=object)  # np.zeros(dtype=object) holds Python int 0
        arr[: len(values)] = values
        return arr

    def _exact(self, evals: Iterable[int]) -> np.ndarray:
        values = _canonical_list(evals, "evaluations")
        if len(values) != self.size:
            raise ValueError(f"expected {self.size} evaluations, got {len(values)}")
        return _object_array(values)

    def _forward(self, arr: np.ndarray) -> np.ndarray:
        tables = self._tables
        work = arr[tables.forward_perm]
        _butterflies(work, tables.twiddles)
        return work

    def _inverse_unscaled(self, arr: np.ndarray) -> np.ndarray:
        """n * (the coefficients), unreduced."""
        tables = self._tables
        work = arr[tables.inverse_perm]
        _butterflies(work, tables.twiddles)
        return work

    def fft(self, coeffs: Iterable[int]) -> list[int]:
        """Evaluations at omega^0, ..., omega^(n-1); shorter inputs are zero-padded."""
        return (self._forward(self._padded(coeffs)) % R).tolist()

    def ifft(self, evals: Iterable[int]) -> list[int]:
        """The coefficients of the unique polynomial of degree < n with these n evaluations."""
        # The unscaled values may be unreduced or negative; x * s % R is right for any int x.
        return (self._inverse_unscaled(self._exact(evals)) * self.size_inv % R).tolist()

    def coset_fft(self, coeffs: Iterable[int]) -> list[int]:
        """Evaluations at shift * omega^i: f(shift X) has coefficients c_i shift^i."""
        arr = self._padded(coeffs) * self._tables.coset_powers % R
        return (self._forward(arr) % R).tolist()

    def shifted_fft(self, coeffs: Iterable[int], shift: int) -> list[int]:
        """Evaluations at shift * omega^i for any shift (snarkjs' prover uses the 2n-th root of unity)."""
        shift = _canonical_scalar(shift, "shift")
        arr = self._padded(coeffs) * _geometric(shift, self.size) % R
        return (self._forward(arr) % R).tolist()

    def coset_ifft(self, evals: Iterable[int]) -> list[int]:
        """The coefficients of the polynomial of degree < n with these values at shift * omega^i."""
        arr = self._inverse_unscaled(self._exact(evals))
        return (arr * self._tables.coset_inv_powers_scaled % R).tolist()

    def elements(self) -> list[int]:
        """[omega^0, omega^1, ..., omega^(n-1)]."""
        return self._tables.elements.tolist()

    def vanishing_at(self, tau: int) -> int:
        """Z(tau) = tau^n - 1, zero exactly on the domain."""
        return (pow(_canonical_scalar(tau, "tau"), self.size, R) - 1) % R

    def vanishing_on_coset(self) -> int:
        """Z on the coset: (shift omega^i)^n - 1 = shift^n - 1 for every i, never zero."""
        return (pow(self.coset_shift, self.size, R) - 1) % R

    def lagrange_at(self, tau: int) -> list[int]:
        """[L_0(tau), ..., L_(n-1)(tau)] where L_i is 1 at omega^i and 0 elsewhere on the domain.

        L_i(tau) = omega^i (tau^n - 1) / (n (tau - omega^i)), with all n
        denominators inverted by one batch inversion. For tau on the domain the
        formula is 0/0, and the answer is the indicator vector of tau's index.
        """
        tau = _canonical_scalar(tau, "tau")
        elements = self._tables.elements
        z = self.vanishing_at(tau)
        if z == 0:
            out = [0] * self.size
            out[elements.tolist().index(tau)] = 1
            return out
        denominators = ((tau - elements) % R).tolist()
        inverses = _object_array(field.batch_inverse(denominators))
        scale = z * self.size_inv % R
        return (elements * inverses % R * scale % R).tolist()

    evaluate = staticmethod(evaluate)
