"""Gadgets: native answer first, then the gadget on edge and random values, then the attack that must fail."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.soundness import (
    GadgetCircuit,
    assert_rejected,
    assert_satisfied,
    assert_values_rejected,
    index_of,
    mutated,
    mutation_sweep,
    outputs,
    satisfying_assignments,
    solve_gadget,
)
from zkopt import gadgets as g
from zkopt import r1cs
from zkopt.field import R
from zkopt.r1cs import Circuit
from zkopt.r1cs.lint import lint

HYP = settings(max_examples=40, deadline=None, derandomize=True)
WIDTHS = [1, 8, 64]


def edges(n: int) -> list[int]:
    """The edge values of STYLE: 0, 1, 2^n - 1 (largest in range), 2^n (smallest out), r - 1 (a wrapped -1)."""
    return [0, 1, (1 << n) - 1, 1 << n, R - 1]


def fits(x: int, n: int) -> bool:
    return 0 <= x < (1 << n)


# --- the gadgets under test, each in a circuit "t" with its constraints under "t/g/" ---------------


def lt(n):
    return GadgetCircuit(["a", "b"], lambda cs, a, b: g.is_less_than(cs, a, b, n, "g"))


def lt_unchecked(n):
    return GadgetCircuit(["a", "b"], lambda cs, a, b: g.is_less_than_unchecked(cs, a, b, n, "g"))


def le(n):
    return GadgetCircuit(["a", "b"], lambda cs, a, b: g.enforce_less_or_equal(cs, a, b, n, "g"))


def le_unchecked(n):
    return GadgetCircuit(["a", "b"], lambda cs, a, b: g.enforce_less_or_equal_unchecked(cs, a, b, n, "g"))


def pos(n):
    return GadgetCircuit(["a", "b"], lambda cs, a, b: g.positive_part(cs, a, b, n, "g"))


def mini(n):
    return GadgetCircuit(["a", "b"], lambda cs, a, b: g.minimum(cs, a, b, n, "g"))


def bits(n):
    return GadgetCircuit(["x"], lambda cs, x: g.to_bits(cs, x, n, "g"))


def rng_check(n):
    return GadgetCircuit(["x"], lambda cs, x: g.enforce_range(cs, x, n, "g"))


IS_ZERO = GadgetCircuit(["x"], lambda cs, x: g.is_zero(cs, x, "g"))
IS_EQUAL = GadgetCircuit(["a", "b"], lambda cs, a, b: g.is_equal(cs, a, b, "g"))
SELECT = GadgetCircuit(["bit", "t", "f"], lambda cs, b, t, f: g.select(cs, b, t, f, "g"))
BOOLEAN = GadgetCircuit(["x"], lambda cs, x: g.enforce_boolean(cs, x, "b"))

# Comparisons that return a value, with their plain-integer reference.
VALUED = {
    "is_less_than": (lt, lambda a, b: int(a < b)),
    "positive_part": (pos, lambda a, b: max(a - b, 0)),
    "minimum": (mini, min),
}


# --- boolean ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0, 1])
def test_enforce_boolean_accepts_bits(x):
    w = solve_gadget(BOOLEAN, x)
    assert_satisfied(w)
    assert outputs(w) == [x]


@pytest.mark.parametrize("x", [2, R - 1, 1 << 64])
def test_enforce_boolean_rejects_non_bits(x):
    assert solve_gadget(BOOLEAN, x).which_unsatisfied() == "t/b"


def test_alloc_bit_hint_is_pinned():
    circuit = GadgetCircuit(["x"], lambda cs, x: g.alloc_bit(cs, "bit", lambda: cs.value(x) & 1))
    w = solve_gadget(circuit, 5)
    assert_satisfied(w)
    assert outputs(w) == [1]
    assert_rejected(w, "bit", 2, "t/bit")
    assert_rejected(w, "bit", R - 1, "t/bit")
    mutation_sweep(w)
    # A hint that returns 2 is reduced and stored, and the booleanity constraint names it.
    bad = GadgetCircuit(["x"], lambda cs, x: g.alloc_bit(cs, "bit", lambda: 2))
    assert solve_gadget(bad, 5).which_unsatisfied() == "t/bit"


def test_bit_helpers():
    assert g.negate(g.constant_bit(1)).constant_value() == 0
    with pytest.raises(ValueError):
        g.constant_bit(2)
    with pytest.raises(TypeError, match="Bit"):
        g.negate(r1cs.LC({1: 1}))
    # Arithmetic forgets booleanity: 1 + bit is not a Bit.
    assert not isinstance(g.constant_bit(1) + 1, g.Bit)


# --- bits and range checks -------------------------------------------------------------------------


def test_bit_width_limit_is_below_the_aliasing_point():
    # Native facts behind MAX_BITS: 2^253 < r < 2^254, so a 254-bit sum could equal x + r.
    assert 2 ** (g.MAX_BITS + 1) < R < 2**254
    assert 5 + R < 2**254  # 5 and 5 + r would both have 254-bit decompositions
    for n in (0, 253, 254, True, 8.0):
        with pytest.raises(ValueError, match="bit width"):
            r1cs.compile(bits(n))
    with pytest.raises(ValueError, match="bit width"):
        r1cs.compile(lt(g.MAX_BITS))  # the comparison needs n + 1 bits


@pytest.mark.parametrize("n", [*WIDTHS, 252])
def test_to_bits_of_in_range_edges(n):
    for x in edges(n):
        if not fits(x, n):
            continue
        w = solve_gadget(bits(n), x)
        assert_satisfied(w)
        assert outputs(w) == [x >> i & 1 for i in range(n)]


@pytest.mark.parametrize("n", [*WIDTHS, 252])
def test_to_bits_rejects_out_of_range_edges(n):
    for x in (1 << n, R - 1, R - (1 << n)):
        assert solve_gadget(bits(n), x).which_unsatisfied() == "t/g/sum"
        assert solve_gadget(rng_check(n), x).which_unsatisfied() == "t/g/sum"


@HYP
@given(n=st.sampled_from([1, 8, 64, 128, 252]), data=st.data())
def test_to_bits_matches_native(n, data):
    x = data.draw(st.integers(0, (1 << n) - 1))
    w = solve_gadget(bits(n), x)
    assert_satisfied(w)
    assert outputs(w) == [x >> i & 1 for i in range(n)]
    big = data.draw(st.integers(1 << n, R - 1))
    assert solve_gadget(rng_check(n), big).which_unsatisfied() == "t/g/sum"


def test_to_bits_overwritten_bits_are_rejected():
    w = solve_gadget(bits(8), 0b1010_0110)
    assert_rejected(w, "g/bit_3", 2, "t/g/bit_3")  # not a bit
    assert_rejected(w, "g/bit_0", 1, "t/g/sum")  # a bit, but the sum moves
    # Moving value between bits (bit_1 := 0, bit_0 := 2) keeps the sum and fails booleanity.
    assert_values_rejected(w, {"g/bit_1": 0, "g/bit_0": 2}, "t/g/bit_0")
    mutation_sweep(w)


def test_to_bits_is_exhaustively_unique():
    # Every {0,1} assignment of the 3 bits for every x in [0, 8) and beyond: exactly the native one passes.
    for x in [*range(8), 8, R - 1]:
        w = solve_gadget(bits(3), x)
        found = satisfying_assignments(w, ["g/bit_0", "g/bit_1", "g/bit_2", "out[0]", "out[1]", "out[2]"])
        native = tuple(x >> i & 1 for i in range(3))
        assert found == ([native + native] if x < 8 else [])


def test_from_bits_is_little_endian_and_free():
    terms = g.from_bits([1, 0, 1, 1]).constant_value()
    assert terms == 0b1101


# --- is_less_than and the circomlib trap ----------------------------------------------------------------


@pytest.mark.parametrize("name", VALUED)
@pytest.mark.parametrize("n", WIDTHS)
def test_valued_comparisons_on_in_range_edges(name, n):
    make, native = VALUED[name]
    circuit = make(n)
    for a in edges(n):
        for b in edges(n):
            if fits(a, n) and fits(b, n):
                w = solve_gadget(circuit, a, b)
                assert_satisfied(w)
                assert outputs(w) == [native(a, b)], (a, b)


@pytest.mark.parametrize("name", VALUED)
@pytest.mark.parametrize("n", WIDTHS)
def test_valued_comparisons_reject_out_of_range_edges(name, n):
    make, _ = VALUED[name]
    circuit = make(n)
    for a in edges(n):
        for b in edges(n):
            if not fits(a, n):
                assert solve_gadget(circuit, a, b).which_unsatisfied() == "t/g/range_a/sum", (a, b)
            elif not fits(b, n):
                assert solve_gadget(circuit, a, b).which_unsatisfied() == "t/g/range_b/sum", (a, b)


@HYP
@given(name=st.sampled_from(sorted(VALUED)), n=st.sampled_from([1, 8, 64, 251]), data=st.data())
def test_valued_comparisons_match_native(name, n, data):
    make, native = VALUED[name]
    a = data.draw(st.integers(0, (1 << n) - 1))
    b = data.draw(st.one_of(st.just(a), st.integers(0, (1 << n) - 1)))
    w = solve_gadget(make(n), a, b)
    assert_satisfied(w)
    assert outputs(w) == [native(a, b)]
    # The twin: a "negative" difference wrapped mod r (here min - max - 1 < 0) is no input.
    wrapped = (min(a, b) - max(a, b) - 1) % R
    assert solve_gadget(make(n), wrapped, b).which_unsatisfied() == "t/g/range_a/sum"


def test_less_than_overwritten_comparison_bit_is_rejected():
    w = solve_gadget(lt(8), 3, 200)  # 3 < 200: the answer is 1, top bit of a - b + 2^8 is 0
    assert outputs(w) == [1]
    assert_rejected(w, "g/diff/bit_8", 1, "t/g/diff/sum")
    assert_rejected(w, "g/diff/bit_8", 2, "t/g/diff/bit_8")
    assert_rejected(w, "out", 0, "t/out")
    # Flip the answer and both outputs together: the difference still pins it.
    assert_values_rejected(w, {"g/diff/bit_8": 1, "out": 0}, "t/g/diff/sum")
    mutation_sweep(w)


def test_less_than_is_exhaustively_sound_for_two_bits():
    # All 2^8 witnesses with every bit and the output in {0, 1} (the booleanity constraints allow no
    # others) for inputs in and beyond [0, 4): exactly one satisfies when both are 2-bit, and it is native.
    variables = [f"g/{part}/bit_{i}" for part, k in (("range_a", 2), ("range_b", 2), ("diff", 3)) for i in range(k)]
    for a in [0, 1, 2, 3, 4, R - 1]:
        for b in [0, 1, 2, 3, 4, R - 1]:
            found = satisfying_assignments(solve_gadget(lt(2), a, b), [*variables, "out"])
            if fits(a, 2) and fits(b, 2):
                assert len(found) == 1 and found[0][-1] == int(a < b), (a, b)
            else:
                assert found == [], (a, b)


def test_less_than_unchecked_is_wrong_on_out_of_range_inputs():
    """The trap, documented: r - 1 (a wrapped -1) is 'less than' 5, and every constraint holds."""
    a, b = R - 1, 5
    assert int(a < b) == 0  # native: as integers, r - 1 is not below 5
    w = solve_gadget(lt_unchecked(8), a, b)
    assert_satisfied(w)  # unsound: satisfied ...
    assert outputs(w) == [1]  # ... with the wrong answer
    # The checked comparison refuses the same input, at its range check.
    assert solve_gadget(lt(8), a, b).which_unsatisfied() == "t/g/range_a/sum"


def test_less_than_unchecked_exhaustively_accepts_wrong_answers_out_of_range():
    variables = ["g/diff/bit_0", "g/diff/bit_1", "g/diff/bit_2", "out"]
    wrong = []
    for a in [0, 1, 2, 3, 4, 5, R - 1, R - 2]:
        for b in [0, 1, 2, 3, 4, 5, R - 1, R - 2]:
            for *_, out in satisfying_assignments(solve_gadget(lt_unchecked(2), a, b), variables):
                if fits(a, 2) and fits(b, 2):
                    assert out == int(a < b)
                elif out != int(a < b):
                    wrong.append((a, b))
    assert (R - 1, 0) in wrong and (R - 1, 1) in wrong


# --- enforce_less_or_equal ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [*WIDTHS, 252])
def test_enforce_less_or_equal_on_edges(n):
    for a in edges(n):
        for b in edges(n):
            label = solve_gadget(le(n), a, b).which_unsatisfied()
            if not fits(a, n):
                assert label == "t/g/range_a/sum", (a, b)
            elif not fits(b, n):
                assert label == "t/g/range_b/sum", (a, b)
            elif a > b:
                assert label == "t/g/diff/sum", (a, b)  # b - a wrapped to near r
            else:
                assert label is None, (a, b)


@HYP
@given(n=st.sampled_from([1, 8, 64, 252]), data=st.data())
def test_enforce_less_or_equal_matches_native(n, data):
    a = data.draw(st.integers(0, (1 << n) - 1))
    b = data.draw(st.one_of(st.just(a), st.integers(0, (1 << n) - 1)))
    lo, hi = min(a, b), max(a, b)
    assert solve_gadget(le(n), lo, hi).which_unsatisfied() is None
    if lo != hi:
        assert solve_gadget(le(n), hi, lo).which_unsatisfied() == "t/g/diff/sum"


def test_enforce_less_or_equal_unchecked_trap_and_the_checked_fix():
    a, b = R - 1, 5  # "-1 <= 5": true for signed numbers, false for the unsigned amounts we mean
    assert solve_gadget(le_unchecked(64), a, b).which_unsatisfied() is None  # the trap
    assert solve_gadget(le(64), a, b).which_unsatisfied() == "t/g/range_a/sum"
    # On range-checked values the unchecked form is sound: 7 <= 5 fails.
    assert solve_gadget(le_unchecked(64), 5, 7).which_unsatisfied() is None
    assert solve_gadget(le_unchecked(64), 7, 5).which_unsatisfied() == "t/g/diff/sum"


def test_enforce_less_or_equal_overwritten_difference_bits_are_rejected():
    w = solve_gadget(le(8), 5, 7)
    assert_rejected(w, "g/diff/bit_1", 0, "t/g/diff/sum")
    mutation_sweep(w)


# --- positive_part and minimum -----------------------------------------------------------------------


def test_positive_part_never_returns_a_wrapped_negative():
    a, b = 3, 5
    assert max(a - b, 0) == 0 and (a - b) % R == R - 2  # what a naive a - b would give
    w = solve_gadget(pos(64), a, b)
    assert outputs(w) == [0]
    # An adversary claims the wrapped difference instead of 0: the product constraint refuses.
    assert_values_rejected(w, {"g/pos": R - 2, "out": R - 2}, "t/g/pos")
    # ... and claiming a >= b as well (top bit set) breaks the difference decomposition.
    assert_values_rejected(w, {"g/diff/bit_64": 1, "g/pos": R - 2, "out": R - 2}, "t/g/diff/sum")
    # A wrapped negative as input is refused by the range check.
    assert solve_gadget(pos(64), R - 2, 0).which_unsatisfied() == "t/g/range_a/sum"
    mutation_sweep(w)


def test_minimum_overwrites_are_rejected():
    w = solve_gadget(mini(64), 10, 4)
    assert outputs(w) == [4]
    assert_rejected(w, "out", 10, "t/out")
    assert_values_rejected(w, {"g/pos": 0, "out": 10}, "t/g/pos")
    mutation_sweep(w)


# --- is_zero and is_equal -----------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0, 1, 2, (1 << 64) - 1, 1 << 64, R - 1])
def test_is_zero_on_edges(x):
    w = solve_gadget(IS_ZERO, x)
    assert_satisfied(w)
    assert outputs(w) == [int(x == 0)]


@HYP
@given(x=st.integers(0, R - 1))
def test_is_zero_matches_native(x):
    w = solve_gadget(IS_ZERO, x)
    assert_satisfied(w)
    assert outputs(w) == [int(x == 0)]


def test_is_zero_overwritten_hints_are_rejected():
    w = solve_gadget(IS_ZERO, 7)
    assert_rejected(w, "g/inv", 0, "t/g/inv")
    assert_rejected(w, "g/out", 1, "t/g/inv")
    # The classic attack on a zero test without its second constraint: inv = 0, out = 1 claims 7 == 0.
    assert_values_rejected(w, {"g/inv": 0, "g/out": 1, "out": 1}, "t/g/zero")
    mutation_sweep(w)


def test_is_zero_of_zero_pins_the_answer_but_not_the_inverse():
    w = solve_gadget(IS_ZERO, 0)
    assert_rejected(w, "g/out", 0, "t/g/inv")
    assert_values_rejected(w, {"g/out": 0, "out": 0, "g/inv": 5}, "t/g/inv")  # 0 * inv can never be 1
    # inv is free by design when x = 0 (no inverse exists); the sweep is told so, and fails if not.
    mutation_sweep(w, free=["g/inv"])
    with pytest.raises(AssertionError, match="g/inv"):
        mutation_sweep(w)


@pytest.mark.parametrize("a, b", [(0, 0), (5, 5), (R - 1, R - 1), (0, R - 1), (1 << 64, 0), (3, 4)])
def test_is_equal_on_edges(a, b):
    w = solve_gadget(IS_EQUAL, a, b)
    assert_satisfied(w)
    assert outputs(w) == [int(a == b)]
    if a != b:
        assert_values_rejected(w, {"g/inv": 0, "g/out": 1, "out": 1}, "t/g/zero")
        mutation_sweep(w)
    else:
        assert_rejected(w, "g/out", 0, "t/g/inv")


# --- select ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bit", [0, 1])
def test_select_picks_native(bit):
    t, f = 1 << 64, R - 1
    w = solve_gadget(SELECT, bit, t, f)
    assert_satisfied(w)
    assert outputs(w) == [t if bit else f]
    assert_rejected(w, "g/select", f if bit else t, "t/g/select")
    mutation_sweep(w)


@pytest.mark.parametrize("bit", [2, R - 1])
def test_select_refuses_a_non_boolean_selector(bit):
    # A plain input as selector gets its booleanity enforced: 2 would blend f + 2 (t - f).
    assert solve_gadget(SELECT, bit, 10, 3).which_unsatisfied() == "t/g/bit"


def test_select_with_a_bit_costs_one_constraint_and_rejects_constants_other_than_bits():
    with_bit = GadgetCircuit(["a", "b"], lambda cs, a, b: g.select(cs, g.is_equal(cs, a, b, "eq"), a, b, "g"))
    plain = r1cs.compile(SELECT)
    bitted = r1cs.compile(with_bit)
    assert [lb for lb in bitted.labels if lb.startswith("t/g/")] == ["t/g/select"]
    assert [lb for lb in plain.labels if lb.startswith("t/g/")] == ["t/g/bit", "t/g/select"]
    w = solve_gadget(with_bit, 4, 4)
    assert outputs(w) == [4]
    constant = GadgetCircuit(["a", "b"], lambda cs, a, b: g.select(cs, 1, a, b, "g"))
    assert outputs(solve_gadget(constant, 4, 9)) == [4]
    with pytest.raises(ValueError, match="0 or 1"):
        r1cs.compile(GadgetCircuit(["a", "b"], lambda cs, a, b: g.select(cs, 2, a, b, "g")))


# --- inputs with declared widths -------------------------------------------------------------------------


class Declared(Circuit):
    """A public 64-bit amount, a private list of three 8-bit values and an undeclared public field element."""

    name = "t"

    def define(self, cs):
        amount = g.public_input(cs, "amount", bits=64)
        grid = g.private_input(cs, "grid", bits=8, length=3)
        free = g.public_input(cs, "key")
        total = cs.public_output("total", lambda: cs.value(amount + grid[0] + grid[1] + grid[2] + free))
        cs.enforce_equal(total, amount + grid[0] + grid[1] + grid[2] + free, "total")


def test_declared_widths_are_range_checked():
    good = {"amount": str((1 << 64) - 1), "grid": ["0", "1", "255"], "key": str(R - 1)}
    w = r1cs.solve(Declared(), good)
    assert_satisfied(w)
    mutation_sweep(w)
    shape = w.r1cs
    assert lint(shape) == []
    assert shape.public_names == ["total", "amount", "key"]
    assert shape.n_constraints == 65 + 3 * 9 + 1
    assert shape.labels[64] == "t/amount/range/sum" and shape.labels[65] == "t/grid[0]/range/bit_0"


@pytest.mark.parametrize(
    "changes, label",
    [
        ({"amount": str(1 << 64)}, "t/amount/range/sum"),
        ({"amount": str(R - 1)}, "t/amount/range/sum"),
        ({"grid": ["0", "256", "0"]}, "t/grid[1]/range/sum"),
        ({"grid": ["0", "0", str(R - 1)]}, "t/grid[2]/range/sum"),
    ],
)
def test_declared_widths_reject_out_of_range(changes, label):
    inputs = {"amount": "1", "grid": ["0", "1", "2"], "key": "3"} | changes
    assert r1cs.solve(Declared(), inputs).which_unsatisfied() == label


def test_declared_width_must_be_valid():
    class Wide(Circuit):
        name = "t"

        def define(self, cs):
            g.public_input(cs, "x", bits=300)

    with pytest.raises(ValueError, match="bit width"):
        r1cs.compile(Wide())


# --- pinned costs ------------------------------------------------------------------------------------------

#: Constraint counts at n = 64 (excluding the test harness's "t/out" constraints). Changing one is a deliberate diff.
COSTS_64 = {
    "to_bits": 65,
    "enforce_range": 65,
    "is_less_than": 196,
    "is_less_than_unchecked": 66,
    "enforce_less_or_equal": 195,
    "enforce_less_or_equal_unchecked": 65,
    "positive_part": 197,
    "minimum": 197,
    "is_zero": 2,
    "is_equal": 2,
    "select (Bit selector)": 1,
    "select (plain selector)": 2,
    "enforce_boolean": 1,
    "public_input(bits=64)": 65,
}


def test_pinned_costs_at_64_bits():
    def cost(circuit):
        return sum(1 for lb in r1cs.compile(circuit).labels if not lb.startswith("t/out"))

    class Input64(Circuit):
        name = "t"

        def define(self, cs):
            g.public_input(cs, "x", bits=64)

    measured = {
        "to_bits": cost(bits(64)),
        "enforce_range": cost(rng_check(64)),
        "is_less_than": cost(lt(64)),
        "is_less_than_unchecked": cost(lt_unchecked(64)),
        "enforce_less_or_equal": cost(le(64)),
        "enforce_less_or_equal_unchecked": cost(le_unchecked(64)),
        "positive_part": cost(pos(64)),
        "minimum": cost(mini(64)),
        "is_zero": cost(IS_ZERO),
        "is_equal": cost(IS_EQUAL),
        "select (Bit selector)": cost(
            GadgetCircuit(["b", "t", "f"], lambda cs, b, t, f: g.select(cs, g.constant_bit(1), t, f, "g"))
        ),
        "select (plain selector)": cost(SELECT),
        "enforce_boolean": cost(BOOLEAN),
        "public_input(bits=64)": cost(Input64()),
    }
    assert measured == COSTS_64


# --- every gadget's honest witness survives a full mutation sweep ----------------------------------------------


def test_every_gadget_passes_a_mutation_sweep(rng):
    cases = [
        (lt(64), [rng.getrandbits(64), rng.getrandbits(64)]),
        (lt_unchecked(64), [rng.getrandbits(64), rng.getrandbits(64)]),
        (le(64), sorted([rng.getrandbits(64), rng.getrandbits(64)])),
        (le_unchecked(64), sorted([rng.getrandbits(64), rng.getrandbits(64)])),
        (pos(64), [rng.getrandbits(64), rng.getrandbits(64)]),
        (mini(64), [rng.getrandbits(64), rng.getrandbits(64)]),
        (bits(252), [rng.getrandbits(252)]),
        (IS_ZERO, [rng.randrange(1, R)]),
        (IS_EQUAL, [3, rng.randrange(R)]),
        (SELECT, [1, rng.randrange(R), rng.randrange(R)]),
    ]
    for circuit, values in cases:
        mutation_sweep(solve_gadget(circuit, *values))


# --- the soundness kit itself (tests/soundness.py) -------------------------------------------------------------


def test_mutated_copies_and_assert_rejected_checks_the_label():
    w = solve_gadget(lt(8), 3, 200)
    before = list(w.values)
    values = mutated(w, "g/diff/bit_8", 1)
    assert w.values == before and values != before
    assert values[index_of(w, "g/diff/bit_8")] == 1
    assert mutated(w, index_of(w, "a"), -1)[index_of(w, "a")] == R - 1
    assert assert_rejected(w, "g/diff/bit_8", 1) == "t/g/diff/sum"
    assert_rejected(w, "g/diff/bit_8", 1, "t/g/diff")  # a namespace prefix is enough
    with pytest.raises(AssertionError, match="expected 't/g/range_a'"):
        assert_rejected(w, "g/diff/bit_8", 1, "t/g/range_a")
    with pytest.raises(AssertionError, match="expected 't/g/di'"):
        assert_rejected(w, "g/diff/bit_8", 1, "t/g/di")  # a prefix must end at a "/"
    with pytest.raises(AssertionError, match="satisfies every constraint"):
        assert_rejected(w, "g/diff/bit_8", 0)  # its honest value
    with pytest.raises(KeyError, match="no variable named"):
        mutated(w, "g/diff/bit_9", 1)
    with pytest.raises(IndexError):
        mutated(w, w.r1cs.n_variables, 1)


def test_assert_satisfied_names_the_failing_constraint():
    with pytest.raises(AssertionError, match="t/g/range_a/sum"):
        assert_satisfied(solve_gadget(lt(8), 256, 0))
    with pytest.raises(AssertionError, match="t/g/range_a/sum"):
        mutation_sweep(solve_gadget(lt(8), 256, 0))  # a sweep needs an honest, satisfying witness


def _bits_without_sum(cs, x):
    """Under-constrained on purpose: the boolean bits of a range check whose sum constraint was forgotten."""
    for i in range(4):
        g.alloc_bit(cs, f"bit_{i}", lambda i=i: cs.value(x) >> i & 1)


def _square_root(cs, x):
    """Under-constrained on purpose: y with y * y = x is only determined up to sign."""
    y = cs.witness("y", lambda: 3)
    cs.enforce(y, y, x, "square")
    return x


def test_mutation_sweep_fails_on_under_constrained_circuits():
    w = solve_gadget(GadgetCircuit(["x"], _bits_without_sum), 0b0101)
    with pytest.raises(AssertionError, match="under-constrained") as info:
        mutation_sweep(w)
    assert "'bit_1'" in str(info.value) and "'bit_3'" in str(info.value)
    w = solve_gadget(GadgetCircuit(["x"], _square_root), 9)
    assert_satisfied(w)
    with pytest.raises(AssertionError, match=f"'y' .* set from 3 to {R - 3}"):
        mutation_sweep(w)  # the -v mutation finds the other root


def test_mutation_sweep_free_entries_must_match_something():
    w = solve_gadget(IS_ZERO, 0)
    mutation_sweep(w, free=["*/inv"])  # an fnmatch pattern works too
    with pytest.raises(AssertionError, match="stale"):
        mutation_sweep(w, free=["g/inv", "g/inverse"])
    with pytest.raises(TypeError):
        mutation_sweep(w, free="g/inv")


def test_mutation_sweep_sample_is_seeded():
    w = solve_gadget(GadgetCircuit(["x"], _bits_without_sum), 0)
    # All four bits are free: any sample of two finds two of them, and the same two for the same seed.
    messages = []
    for _ in range(2):
        with pytest.raises(AssertionError) as info:
            mutation_sweep(w, sample=2, rng=random.Random(7))
        messages.append(str(info.value))
    assert messages[0] == messages[1] and messages[0].count("'bit_") >= 2


class ManyComparisons(Circuit):
    """About 10,000 constraints: 50 range-checked 64-bit comparisons, each answer a public output."""

    name = "many"

    def define(self, cs):
        xs = cs.private_input("xs", length=51)
        for i in range(50):
            bit = g.is_less_than(cs, xs[i], xs[i + 1], 64, f"lt_{i}")
            out = cs.public_output(f"lt[{i}]", lambda bit=bit: cs.value(bit))
            cs.enforce_equal(out, bit, f"out_{i}")


def test_mutation_sweep_is_fast_on_ten_thousand_constraints(rng):
    w = r1cs.solve(ManyComparisons(), {"xs": [str(rng.getrandbits(64)) for _ in range(51)]})
    assert w.r1cs.n_constraints == 50 * 197
    start = time.perf_counter()
    mutation_sweep(w)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"sweep of {w.r1cs.n_variables} variables took {elapsed:.1f} s"
    # A sample sweep on the same circuit, for circuits too large to sweep fully.
    mutation_sweep(w, sample=100, rng=rng)
