"""zkopt.circuits.notes: each in-circuit formula against its native twin, the intrinsic value's edges, the widths."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.circuit_fixtures import failing, solve_with_hints
from tests.soundness import GadgetCircuit, assert_rejected, assert_satisfied, mutation_sweep, outputs, solve_gadget
from zkopt.circuits import notes
from zkopt.field import R
from zkopt.gadgets.boolean import enforce_boolean
from zkopt.gadgets.poseidon import CONSTRAINTS as POSEIDON
from zkopt.native import notes as native
from zkopt.native import payoff
from zkopt.r1cs import compile as compile_circuit
from zkopt.r1cs.lint import lint

HYP = settings(max_examples=40, deadline=None, derandomize=True)
U64_MAX = 2**64 - 1


def _formula(build, names):
    return GadgetCircuit(names, build)


PK = _formula(lambda cs, sk: notes.public_key(cs, sk, "g"), ["sk"])
CASH = _formula(lambda cs, a, pk, rho: notes.cash_commitment(cs, a, pk, rho, "g"), ["amount", "pk", "rho"])
OPTION_FIELDS = ["asset", "kind", "strike", "quantity", "expiry", "collateral", "holder_pk", "writer_pk", "rho"]
OPTION = _formula(lambda cs, *f: notes.option_commitment(cs, *f, "g"), OPTION_FIELDS)
NF = _formula(lambda cs, secret, cm: notes.nullifier(cs, secret, cm, "g"), ["secret", "cm"])
RHO_0 = _formula(lambda cs, nf, secret: notes.output_rho(cs, nf, 0, secret, "g"), ["nf", "secret"])
RHO_1 = _formula(lambda cs, nf, secret: notes.output_rho(cs, nf, 1, secret, "g"), ["nf", "secret"])
DEPOSIT_RHO = _formula(lambda cs, seed: notes.deposit_rho(cs, seed, "g"), ["seed"])


def test_formulas_equal_the_native_ones(rng):
    sk, rho, pk, cm, nf = (rng.randrange(R) for _ in range(5))
    option = [rng.randrange(R), native.PUT, U64_MAX, 1_500_000, 1_767_225_600, 0, pk, rng.randrange(R), rho]
    cases = [
        (PK, [sk], [native.public_key(sk)]),
        (CASH, [U64_MAX, pk, rho], [native.cash_commitment(U64_MAX, pk, rho)]),
        (OPTION, option, [native.option_commitment(*option)]),
        (NF, [sk, cm], [native.cash_nullifier(sk, cm)]),
        (NF, [rho, cm], [native.option_nullifier(rho, cm)]),
        (RHO_0, [nf, sk], [native.output_rho(nf, 0, sk)]),
        (RHO_1, [nf, rho], [native.output_rho(nf, 1, rho)]),
        (DEPOSIT_RHO, [rho], [native.deposit_rho(rho)]),
    ]
    for circuit, args, expected in cases:
        w = solve_gadget(circuit, *args)
        assert outputs(w) == expected
        assert_satisfied(w)


def test_formula_costs_are_the_poseidon_widths():
    # t = inputs + 1: pk 2, deposit rho 3, nullifier 4, cash 5, output rho 5, option 11.
    expected = {
        PK: POSEIDON[2], CASH: POSEIDON[5], OPTION: POSEIDON[11], NF: POSEIDON[4], RHO_0: POSEIDON[5],
        DEPOSIT_RHO: POSEIDON[3],
    }
    for circuit, cost in expected.items():
        assert compile_circuit(circuit).n_constraints == cost + 1  # + t/out
    assert (POSEIDON[2], POSEIDON[3], POSEIDON[4], POSEIDON[5], POSEIDON[11]) == (216, 243, 264, 300, 462)


def test_output_index_is_a_constant():
    for bad in (-1, 2**16, True, "0"):
        with pytest.raises(ValueError, match="output index"):
            compile_circuit(_formula(lambda cs, nf, s, bad=bad: notes.output_rho(cs, nf, bad, s, "g"), ["nf", "s"]))


def test_a_changed_output_is_rejected(rng):
    w = solve_gadget(OPTION, *[rng.randrange(R) for _ in OPTION_FIELDS])
    assert_rejected(w, "out", outputs(w)[0] + 1, label="t/out")


# --- intrinsic value --------------------------------------------------------------------


def _intrinsic(cs, kind, strike, price):
    return notes.intrinsic_unchecked(cs, enforce_boolean(cs, kind, "kind"), strike, price, "g")


INTRINSIC = GadgetCircuit(["kind", "strike", "price"], _intrinsic)

EDGES = [0, 1, 100 * payoff.SCALE, U64_MAX - 1, U64_MAX]


@pytest.mark.parametrize("kind", [payoff.CALL, payoff.PUT])
@pytest.mark.parametrize("strike", EDGES)
@pytest.mark.parametrize("price", EDGES)
def test_intrinsic_equals_native_on_edges(kind, strike, price):
    w = solve_gadget(INTRINSIC, kind, strike, price)
    assert outputs(w) == [payoff.intrinsic(kind, strike, price)]
    assert_satisfied(w)


@HYP
@given(st.sampled_from([payoff.CALL, payoff.PUT]), st.integers(0, U64_MAX), st.integers(0, U64_MAX))
def test_intrinsic_equals_native(kind, strike, price):
    w = solve_gadget(INTRINSIC, kind, strike, price)
    assert outputs(w) == [payoff.intrinsic(kind, strike, price)]
    assert_satisfied(w)


def test_intrinsic_cost_lint_and_sweep():
    shape = compile_circuit(INTRINSIC)
    assert shape.n_constraints == notes.INTRINSIC_CONSTRAINTS + 2  # + kind booleanity + t/out
    assert notes.INTRINSIC_CONSTRAINTS == 68
    assert lint(shape) == []
    for kind, strike, price in [(0, 5, 9), (1, 5, 9), (1, 9, 5), (0, 7, 7)]:
        mutation_sweep(solve_gadget(INTRINSIC, kind, strike, price))


def test_put_above_the_strike_cannot_claim_the_wrapped_difference():
    # A put with S > K is worth 0. A cheating prover claims [S < K] (bit 64 of S - K + 2^64 cleared),
    # so call = 0 and put = call - (S - K) = K - S mod r, a huge "positive" value; every later
    # hint (the select, the output) follows the lie, and only the comparison's recomposition objects.
    strike, price = 100, 130
    lie = (strike - price) % R
    inputs = {"kind": 1, "strike": strike, "price": price}
    w = solve_with_hints(INTRINSIC, inputs, {"g/compare/diff/bit_64": lambda b: 0})
    assert outputs(w) == [lie]
    assert failing(w) == ["t/g/compare/diff/sum"]
    # The same value written straight into the select's output, or into the call's positive part.
    honest = solve_gadget(INTRINSIC, 1, strike, price)
    assert outputs(honest) == [0]
    assert_rejected(honest, "g/select/select", lie, label="t/g/select/select")
    assert_rejected(honest, "g/call", lie, label="t/g/call")


def test_intrinsic_is_unchecked_outside_64_bits():
    # Documented precondition (the name says unchecked): a wrapped strike r - 1 with S = 5 passes the
    # comparison (S - K + 2^64 = 2^64 + 6 fits 65 bits) and yields a nonsense positive part. The
    # circuits range-check strike and price before calling it; this test pins why they must.
    w = solve_gadget(INTRINSIC, payoff.CALL, R - 1, 5)
    assert_satisfied(w)
    assert outputs(w) == [6]  # "max(5 - (-1), 0)": not a valid intrinsic value of any 64-bit strike


def test_kind_must_be_a_bit():
    with pytest.raises(TypeError, match="Bit"):
        compile_circuit(GadgetCircuit(["k", "p"], lambda cs, k, p: notes.intrinsic_unchecked(cs, k, 5, p, "g")))
    assert_rejected(solve_gadget(INTRINSIC, 0, 5, 9), "kind", 2, label="t/kind")


# --- widths -------------------------------------------------------------------------------


def test_widths_are_the_smallest_that_hold():
    scale, top = payoff.SCALE, U64_MAX
    assert notes.AMOUNT_BITS == 64 and notes.PRODUCT_BITS == 128
    assert top * top < 2**notes.PRODUCT_BITS < R
    q_max = top * top // scale
    assert 2 ** (notes.QUOTIENT_BITS - 1) <= q_max < 2**notes.QUOTIENT_BITS
    assert 2 ** (notes.REMAINDER_BITS - 1) < scale <= 2**notes.REMAINDER_BITS
    bound_max = top * scale + scale - 1
    assert 2 ** (notes.MARGIN_SLACK_BITS - 1) <= bound_max < 2**notes.MARGIN_SLACK_BITS
    # No wrap-around in the settle division (q * SCALE + m) nor in a failing margin slack (bound - P).
    assert (2**notes.QUOTIENT_BITS - 1) * scale + scale - 1 < R
    assert R - 2**notes.PRODUCT_BITS >= 2**notes.MARGIN_SLACK_BITS
