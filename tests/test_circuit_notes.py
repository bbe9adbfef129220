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
from zkopt import r1cs
from zkopt.r1cs import compile as compile_circuit
from zkopt.r1cs.lint import lint

HYP = settings(max_examples=40, deadline=None, derandomize=True)
U64_MAX = 2**64 - 1


def _formula(build, names):
    return GadgetCircuit(names, build)


PK = _formula(lambda cs, sk: notes.public_key(cs, sk, "g"), ["sk"])
CASH = _formula(lambda cs, a, pk, rho: notes.cash_commitment(cs, a, pk, rho, "g"), ["amount", "pk", "rho"])
OPTION_FIELDS = ["asset", "expiry", "collateral", "holder_pk", "writer_pk", "rho", "leg_0", "leg_1", "leg_2", "leg_3"]
OPTION = _formula(lambda cs, *f: notes.option_commitment(cs, *f[:6], f[6:], "g"), OPTION_FIELDS)
NF = _formula(lambda cs, secret, cm: notes.nullifier(cs, secret, cm, "g"), ["secret", "cm"])
RHO_0 = _formula(lambda cs, nf, secret: notes.output_rho(cs, nf, 0, secret, "g"), ["nf", "secret"])
RHO_1 = _formula(lambda cs, nf, secret: notes.output_rho(cs, nf, 1, secret, "g"), ["nf", "secret"])
DEPOSIT_RHO = _formula(lambda cs, seed: notes.deposit_rho(cs, seed, "g"), ["seed"])


def test_formulas_equal_the_native_ones(rng):
    sk, rho, pk, cm, nf = (rng.randrange(R) for _ in range(5))
    legs = (payoff.Leg(native.PUT, U64_MAX, 1_500_000), payoff.Leg(native.CALL, 7, U64_MAX, native.LONG))
    position = native.Position(rng.randrange(R), 1_767_225_600, legs)
    option = [position.asset, position.expiry, 0, pk, rng.randrange(R), rho, *map(native.pack_leg, position.legs)]
    cases = [
        (PK, [sk], [native.public_key(sk)]),
        (CASH, [U64_MAX, pk, rho], [native.cash_commitment(U64_MAX, pk, rho)]),
        (OPTION, option, [native.option_commitment(position, *option[2:6])]),
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
    # t = inputs + 1: pk 2, deposit rho 3, nullifier 4, cash 5, output rho 5, option 12.
    expected = {
        PK: POSEIDON[2], CASH: POSEIDON[5], OPTION: POSEIDON[12], NF: POSEIDON[4], RHO_0: POSEIDON[5],
        DEPOSIT_RHO: POSEIDON[3],
    }
    for circuit, cost in expected.items():
        assert compile_circuit(circuit).n_constraints == cost + 1  # + t/out
    assert (POSEIDON[2], POSEIDON[3], POSEIDON[4], POSEIDON[5], POSEIDON[12]) == (216, 243, 264, 300, 468)


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
    assert notes.INTRINSIC_CONSTRAINTS == 67
    assert lint(shape) == []
    for kind, strike, price in [(0, 5, 9), (1, 5, 9), (1, 9, 5), (0, 7, 7)]:
        mutation_sweep(solve_gadget(INTRINSIC, kind, strike, price))


def test_put_above_the_strike_cannot_claim_the_wrapped_difference():
    # A put with S > K is worth 0. A cheating prover claims [S < K] (bit 64 of S - K + 2^64 cleared),
    # so the value ([S >= K] - 1)(S - K) = K - S mod r, a huge "positive" value; every later hint
    # (the product, the output) follows the lie, and only the comparison's recomposition objects.
    strike, price = 100, 130
    lie = (strike - price) % R
    inputs = {"kind": 1, "strike": strike, "price": price}
    w = solve_with_hints(INTRINSIC, inputs, {"g/compare/diff/bit_64": lambda b: 0})
    assert outputs(w) == [lie]
    assert failing(w) == ["t/g/compare/diff/sum"]
    # The same value written straight into the product.
    honest = solve_gadget(INTRINSIC, 1, strike, price)
    assert outputs(honest) == [0]
    assert_rejected(honest, "g/value", lie, label="t/g/value")


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
    scale, top, legs = payoff.SCALE, U64_MAX, notes.MAX_LEGS
    assert notes.AMOUNT_BITS == 64 and notes.PRODUCT_BITS == 128 and legs == native.MAX_LEGS == 4
    assert top * top < 2**notes.PRODUCT_BITS < R
    # |net| = |Short - Long| <= MAX_LEGS (2^64 - 1)^2: the smallest power of two above it.
    net_max = legs * top * top
    assert notes.NET_BITS == 130 and 2 ** (notes.NET_BITS - 1) <= net_max < 2**notes.NET_BITS
    floor_max = net_max // scale
    assert notes.FLOOR_BITS == 111 and 2 ** (notes.FLOOR_BITS - 1) <= floor_max < 2**notes.FLOOR_BITS
    assert 2 ** (notes.REMAINDER_BITS - 1) < scale <= 2**notes.REMAINDER_BITS
    # The margin slack: an honest one is at most the bound plus Long; a failing one wraps above r - 2^130.
    bound_max = top * scale + scale - 1
    assert bound_max < 2**84
    assert 2 ** (notes.MARGIN_SLACK_BITS - 1) <= bound_max + net_max < 2**notes.MARGIN_SLACK_BITS
    assert R - net_max > 2**notes.MARGIN_SLACK_BITS
    # The settle division: the shifted dividend is positive and below 2^132, its quotient below 2^112.
    assert notes.DIVISION_OFFSET == scale * 2**notes.FLOOR_BITS > net_max
    assert (notes.DIVISION_OFFSET + net_max) // scale < 2 ** (notes.FLOOR_BITS + 1)
    assert (2 ** (notes.FLOOR_BITS + 1) - 1) * scale + scale - 1 < 2**132 < R


# --- legs and the net value of a position ------------------------------------------------


class _Value(r1cs.Circuit):
    """The leg inputs and the net value of the position at a public price (outputs ``net`` and the packed legs)."""

    name = "t"

    def define(self, cs):
        price = cs.public_input("price")
        legs = notes.leg_inputs(cs)
        net = notes.position_value(cs, legs, price, "value")
        out = cs.public_output("net", lambda: cs.value(net))
        cs.enforce_equal(out, net, "net")
        for i, leg in enumerate(legs):
            packed = cs.public_output(f"packed[{i}]", lambda leg=leg: cs.value(leg.packed))
            cs.enforce_equal(packed, leg.packed, f"packed[{i}]")


def _value_inputs(legs, price):
    return {"price": str(price), **notes.leg_values(native.Position(1, 1, legs))}


LEG_EDGES = [payoff.Leg(payoff.CALL, U64_MAX, U64_MAX), payoff.Leg(payoff.PUT, 0, 1, payoff.LONG),
             payoff.Leg(payoff.PUT, U64_MAX, U64_MAX, payoff.LONG), payoff.Leg(payoff.CALL, 0, 0)]


@pytest.mark.parametrize("price", EDGES)
def test_net_value_and_packing_equal_native_on_edges(price):
    for legs in ([LEG_EDGES[0]], LEG_EDGES, LEG_EDGES[1:], [LEG_EDGES[2]] * 4, [LEG_EDGES[0]] * 4):
        w = r1cs.solve(_Value(), _value_inputs(legs, price))
        assert_satisfied(w)
        slots = native.Position(1, 1, legs).legs
        assert outputs(w) == [payoff.net_value(legs, price) % R, *map(native.pack_leg, slots)]


leg_strategy = st.builds(
    payoff.Leg, st.sampled_from([payoff.CALL, payoff.PUT]), st.integers(0, U64_MAX), st.integers(0, U64_MAX),
    st.sampled_from([payoff.SHORT, payoff.LONG]),
)


@HYP
@given(st.lists(leg_strategy, min_size=1, max_size=4), st.integers(0, U64_MAX))
def test_net_value_equals_native(legs, price):
    w = r1cs.solve(_Value(), _value_inputs(legs, price))
    assert outputs(w)[0] == payoff.net_value(legs, price) % R


def test_leg_costs_lint_and_sweep():
    shape = r1cs.compile(_Value())
    legs = notes.MAX_LEGS
    assert notes.LEG_INPUT_CONSTRAINTS == 133 and notes.LEG_VALUE_CONSTRAINTS == 68
    assert shape.n_constraints == legs * (notes.LEG_INPUT_CONSTRAINTS + notes.LEG_VALUE_CONSTRAINTS) + 1 + legs
    assert lint(shape) == []
    mutation_sweep(r1cs.solve(_Value(), _value_inputs(LEG_EDGES[:3], 5)))


def test_a_negative_quantity_is_no_long_leg():
    # The wrapped quantity r - q is no way to write a long leg: the quantity's range check refuses it,
    # so a leg's sign is its side bit alone.
    inputs = _value_inputs([payoff.Leg(payoff.CALL, 0, 5)], 9)
    inputs["quantity"][0] = str(R - 5)
    assert failing(r1cs.solve(_Value(), inputs))[0] == "t/quantity[0]/range/sum"


def test_a_false_signed_quantity_is_rejected():
    w = r1cs.solve(_Value(), _value_inputs([payoff.Leg(payoff.CALL, 0, 5, payoff.LONG)], 9))
    assert_rejected(w, "quantity[0]/signed", 0, label="t/quantity[0]/signed")
