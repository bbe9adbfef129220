"""R1CS layer: linear combinations, compile/solve from one definition, labels, satisfiability."""

import pytest

from zkopt import r1cs
from zkopt.circuits.chain import Chain
from zkopt.errors import MalformedInput, Unsatisfied
from zkopt.field import R
from zkopt.r1cs import LC, Circuit, ConstraintSystem


class Square(Circuit):
    """out = x^2 + pub, with x private and pub public; used to see ordering and labels."""

    name = "square"

    def define(self, cs: ConstraintSystem) -> None:
        pub = cs.public_input("pub")
        x = cs.private_input("x")
        with cs.namespace("inner"):
            sq = cs.mul(x, x, "sq")
        out = cs.public_output("out", lambda: cs.value(sq) + cs.value(pub))
        cs.enforce_equal(out, sq + pub, "out")


def test_linear_combination_arithmetic():
    a, b = LC({1: 1}), LC({2: 1})
    combo = 3 * a + b - 2 + a * 2
    assert combo.terms == {1: 5, 2: 1, 0: R - 2}
    assert (a - a).terms == {}
    assert (-a).terms == {1: R - 1}
    assert LC.constant(7).constant_value() == 7
    assert combo.constant_value() is None
    with pytest.raises(TypeError, match="cs.mul"):
        a * b  # noqa: B018 - the product of two combinations needs a constraint
    with pytest.raises(TypeError):
        LC.of(True)


def test_public_signals_are_outputs_first_then_inputs_in_declaration_order():
    shape = r1cs.compile(Square())
    assert shape.public_names == ["out", "pub"]
    assert shape.n_public == 2 and shape.n_outputs == 1
    assert shape.variable_names[:3] == ["one", "out", "pub"]
    assert shape.labels == ["square/inner/sq", "square/out"]
    w = r1cs.solve(Square(), {"pub": 5, "x": "4"})
    assert w.public == [21, 5]
    assert w.is_satisfied()


def test_compile_and_solve_give_the_same_shape():
    circuit = Chain(5)
    assert r1cs.compile(circuit).digest() == r1cs.solve(circuit, {"x": 2}).r1cs.digest()
    assert r1cs.compile(Chain(5)).digest() != r1cs.compile(Chain(6)).digest()


@pytest.mark.parametrize("n", [1, 2, 7])
def test_chain_has_exactly_n_constraints_and_computes_the_power(n):
    shape = r1cs.compile(Chain(n))
    assert shape.n_constraints == n
    assert shape.public_names == ["y"]
    w = r1cs.solve(Chain(n), {"x": "3"})
    assert w.public == [pow(3, n + 1, R)]
    assert w.which_unsatisfied() is None


def test_wrong_witness_names_the_failing_constraint():
    w = r1cs.solve(Chain(4), {"x": "3"})
    values = list(w.values)
    index = w.r1cs.variable_names.index("t1")
    values[index] = (values[index] + 1) % R
    # t1 is produced by constraint t1 and consumed by t2: the first to fail is t1.
    assert w.r1cs.which_unsatisfied(values) == "chain/t1"
    assert not w.r1cs.is_satisfied(values)
    with pytest.raises(Unsatisfied) as info:
        w.r1cs.check(values)
    assert info.value.label == "chain/t1"


def test_wrong_public_output_fails_last_constraint():
    w = r1cs.solve(Chain(3), {"x": "3"})
    values = list(w.values)
    values[1] = (values[1] + 1) % R  # the output y
    assert w.r1cs.which_unsatisfied(values) == "chain/y"


def test_constant_one_must_be_one():
    w = r1cs.solve(Chain(2), {"x": "3"})
    values = list(w.values)
    values[0] = 2
    assert not w.r1cs.is_satisfied(values)


def test_witness_of_wrong_length_is_refused():
    w = r1cs.solve(Chain(2), {"x": "3"})
    with pytest.raises(ValueError, match="variables"):
        w.r1cs.is_satisfied(w.values[:-1])


@pytest.mark.parametrize(
    "inputs, reason",
    [
        ({}, "missing"),
        ({"x": "3", "z": "1"}, "unknown input 'z'"),
        ({"x": "0x03"}, "not a canonical decimal"),
        ({"x": "-3"}, "not a canonical decimal"),
        ({"x": str(R)}, "out of range"),
        ({"x": R}, "out of range"),
        ({"x": -1}, "out of range"),
        ({"x": True}, "decimal string"),
        ({"x": ["3"]}, "decimal string"),
    ],
)
def test_bad_inputs_are_malformed(inputs, reason):
    with pytest.raises(MalformedInput, match=reason):
        r1cs.solve(Chain(2), inputs)


def test_array_inputs():
    class Sum(Circuit):
        name = "sum"

        def define(self, cs):
            xs = cs.private_input("xs", length=3)
            total = cs.public_input("total")
            cs.enforce_equal(xs[0] + xs[1] + xs[2], total, "sum")

    assert r1cs.solve(Sum(), {"xs": ["1", "2", "3"], "total": "6"}).is_satisfied()
    assert not r1cs.solve(Sum(), {"xs": ["1", "2", "3"], "total": "7"}).is_satisfied()
    with pytest.raises(MalformedInput, match="list of 3"):
        r1cs.solve(Sum(), {"xs": ["1", "2"], "total": "3"})


def test_duplicate_labels_are_refused():
    class Twice(Circuit):
        name = "twice"

        def define(self, cs):
            x = cs.private_input("x")
            cs.enforce(x, x, x, "same")
            cs.enforce(x, 1, x, "same")

    with pytest.raises(ValueError, match="duplicate constraint label"):
        r1cs.compile(Twice())


def test_hints_do_not_run_while_compiling():
    calls = []

    class Hinted(Circuit):
        name = "hinted"

        def define(self, cs):
            x = cs.private_input("x")
            y = cs.witness("y", lambda: calls.append(1) or cs.value(x) + 1)
            cs.enforce_equal(y, x + 1, "y")

    r1cs.compile(Hinted())
    assert calls == []
    assert r1cs.solve(Hinted(), {"x": "1"}).is_satisfied()
    assert calls == [1]
