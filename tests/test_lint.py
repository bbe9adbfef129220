"""R1CS lint: clean circuits give no findings; each deliberately broken one gives exactly its finding."""

from __future__ import annotations

import pytest

from tests.sample_circuits import TwoPublic
from tests.soundness import GadgetCircuit
from zkopt import gadgets as g
from zkopt import r1cs
from zkopt.circuits.chain import Chain
from zkopt.r1cs import Circuit
from zkopt.r1cs.lint import lint


class Inline(Circuit):
    """A circuit defined by a function, for one-off bad examples."""

    name = "bad"

    def __init__(self, define):
        self._define = define

    def define(self, cs):
        self._define(cs)


GOOD = {
    "chain": Chain(4),
    "two_public": TwoPublic(),
    "to_bits": GadgetCircuit(["x"], lambda cs, x: g.to_bits(cs, x, 8, "g")),
    "enforce_range": GadgetCircuit(["x"], lambda cs, x: g.enforce_range(cs, x, 8, "g")),
    "is_less_than": GadgetCircuit(["a", "b"], lambda cs, a, b: g.is_less_than(cs, a, b, 8, "g")),
    "is_less_than_unchecked": GadgetCircuit(["a", "b"], lambda cs, a, b: g.is_less_than_unchecked(cs, a, b, 8, "g")),
    "enforce_less_or_equal": GadgetCircuit(["a", "b"], lambda cs, a, b: g.enforce_less_or_equal(cs, a, b, 8, "g")),
    "positive_part": GadgetCircuit(["a", "b"], lambda cs, a, b: g.positive_part(cs, a, b, 8, "g")),
    "minimum": GadgetCircuit(["a", "b"], lambda cs, a, b: g.minimum(cs, a, b, 8, "g")),
    "is_zero": GadgetCircuit(["x"], lambda cs, x: g.is_zero(cs, x, "g")),
    "is_equal": GadgetCircuit(["a", "b"], lambda cs, a, b: g.is_equal(cs, a, b, "g")),
    "select": GadgetCircuit(["b", "t", "f"], lambda cs, b, t, f: g.select(cs, b, t, f, "g")),
    "declared_input": Inline(lambda cs: g.public_input(cs, "amount", bits=64)),
}


@pytest.mark.parametrize("name", GOOD)
def test_clean_circuits_have_no_findings(name):
    assert lint(r1cs.compile(GOOD[name])) == []


def _findings(define):
    return lint(r1cs.compile(Inline(define)))


def test_unused_public_input():
    def define(cs):
        cs.public_input("ignored")  # the classic: a public input the proof never mentions
        x = cs.public_input("x")
        g.enforce_range(cs, x, 8, "x")

    assert _findings(define) == ["unused-public: public signal 'ignored' (index 1) occurs in no constraint"]


def test_unused_public_output():
    def define(cs):
        x = cs.public_input("x")
        cs.public_output("y", lambda: cs.value(x))  # computed, never constrained
        g.enforce_range(cs, x, 8, "x")

    assert _findings(define) == ["unused-public: public signal 'y' (index 1) occurs in no constraint"]


def test_unused_private_hint():
    def define(cs):
        x = cs.public_input("x")
        cs.witness("inverse", lambda: 1)  # a hint nobody pinned down
        g.enforce_range(cs, x, 8, "x")

    (finding,) = _findings(define)
    assert finding.startswith("unused-private: private variable 'inverse'")


def test_result_never_used_makes_its_constraint_vacuous():
    def define(cs):
        x = cs.public_input("x")
        g.enforce_range(cs, x, 8, "x")
        cs.mul(x, x, "square")  # the product is never used: the constraint says nothing about x

    (finding,) = _findings(define)
    assert finding.startswith("vacuous-constraint: 'bad/square' restricts nothing: private 'square'")


def test_free_slack_makes_a_range_check_vacuous():
    def define(cs):
        x = cs.public_input("x")
        bits = [g.alloc_bit(cs, f"bit_{i}", lambda i=i: cs.value(x) >> i & 1) for i in range(4)]
        slack = cs.witness("slack", lambda: cs.value(x) - (cs.value(x) & 15))
        cs.enforce_equal(g.from_bits(bits), x - slack, "sum")  # slack absorbs anything

    (finding,) = _findings(define)
    assert finding.startswith("vacuous-constraint: 'bad/sum' restricts nothing: private 'slack'")


def test_linear_with_a_variable_factor_is_not_vacuous():
    # x * inv = 1 - out is linear in inv, but the factor x is a variable: when x = 0 the
    # constraint forces out = 1 whatever inv is, so it restricts the others. Not reported.
    def define(cs):
        x = cs.public_input("x")
        inv = cs.witness("inv", lambda: 0)
        out = cs.public_output("out", lambda: 1)
        cs.enforce(x, inv, 1 - out, "inv")
        cs.enforce(x, out, 0, "zero")

    assert _findings(define) == []


def test_coefficients_that_cancel_are_not_vacuous():
    # (v + x) * 1 = v + y: v cancels, so the constraint is x = y, a real restriction.
    def define(cs):
        x, y = cs.public_input("x"), cs.public_input("y")
        v = cs.witness("v", lambda: 0)
        cs.enforce(v + x, 1, v + y, "cancel")

    assert _findings(define) == []
    # Without the cancellation ((v + x) * 2 = v + y) it is vacuous.

    def define2(cs):
        x, y = cs.public_input("x"), cs.public_input("y")
        v = cs.witness("v", lambda: 0)
        cs.enforce(v + x, 2, v + y, "scaled")

    (finding,) = _findings(define2)
    assert finding.startswith("vacuous-constraint: 'bad/scaled'")


def test_constant_constraint():
    def define(cs):
        x = cs.public_input("x")
        g.enforce_range(cs, x, 8, "x")
        cs.enforce(2, 3, 6, "arithmetic")  # always true: useless

    assert _findings(define) == ["constant-constraint: 'bad/arithmetic' mentions no variable"]


def test_range_checked_value_never_used_is_vacuous():
    def define(cs):
        x = cs.public_input("x")
        g.enforce_range(cs, x, 8, "x")
        secret = cs.private_input("secret")
        g.enforce_range(cs, secret, 4, "secret")  # whatever the bits, secret can be chosen to match

    vacuous, disconnected = _findings(define)
    assert vacuous.startswith("vacuous-constraint: 'bad/secret/sum' restricts nothing: private 'secret'")
    assert disconnected.startswith("disconnected: 5 private variable(s)")


def _secret_bit(cs):
    secret = cs.private_input("secret")
    g.enforce_range(cs, secret, 4, "secret")
    cs.enforce(secret, secret, secret, "secret_is_a_bit")  # secret in {0, 1}: used, but only by itself


def test_private_part_disconnected_from_the_public_signals():
    def define(cs):
        x = cs.public_input("x")
        g.enforce_range(cs, x, 8, "x")
        _secret_bit(cs)  # proves "some secret is 0 or 1": the same for every statement

    (finding,) = _findings(define)
    assert finding.startswith("disconnected: 5 private variable(s) share no constraint with any public signal")
    assert "'secret'" in finding and "'secret/bit_0'" in finding


def test_no_disconnected_report_without_public_signals():
    assert _findings(_secret_bit) == []


def test_findings_are_ordered_by_class():
    def define(cs):
        cs.public_input("ignored")
        x = cs.public_input("x")
        cs.witness("hint", lambda: 1)
        cs.mul(x, x, "square")
        cs.enforce(1, 1, 1, "one")

    kinds = [f.split(":")[0] for f in _findings(define)]
    assert kinds == ["unused-public", "unused-private", "vacuous-constraint", "constant-constraint"]
