"""Tests for zkopt.gadgets.poseidon: the gadget equals the native hash, costs what is pinned, rejects tampering.

The native hash (zkopt.native.poseidon) is itself checked against circomlib's
published vectors and circomlibjs in tests/test_poseidon_native.py.
"""

from __future__ import annotations

import pytest

from tests.soundness import assert_rejected, assert_satisfied, mutation_sweep
from zkopt import r1cs
from zkopt.field import R
from zkopt.gadgets.poseidon import CONSTRAINTS, constraint_count, poseidon
from zkopt.native import poseidon as native
from zkopt.r1cs import Circuit

# 3 * (8 * t + R_P) per width t = 2..17. Changing these is a deliberate, visible diff.
PINNED = {
    2: 216, 3: 243, 4: 264, 5: 300, 6: 324, 7: 357, 8: 384, 9: 405,
    10: 420, 11: 462, 12: 468, 13: 507, 14: 546, 15: 540, 16: 576, 17: 612,
}


class PoseidonOf(Circuit):
    """Public output out = Poseidon(x[0..n-1]) with the inputs private; the only extra constraint is ``out``."""

    name = "poseidon_of"

    def __init__(self, n: int):
        self.n = n

    def params(self):
        return {"n": self.n}

    def define(self, cs):
        xs = cs.private_input("x", self.n)
        h = poseidon(cs, xs, "hash")
        out = cs.public_output("out", lambda: cs.value(h))
        cs.enforce_equal(out, h, "out")


def _solve(xs):
    return r1cs.solve(PoseidonOf(len(xs)), {"x": list(xs)})


def test_pinned_counts_match_the_formula():
    assert CONSTRAINTS == PINNED
    for t, count in PINNED.items():
        _, _, full, partial = native.params(t)
        assert constraint_count(t) == count == 3 * (full * t + partial)


@pytest.mark.parametrize("n", range(1, 17))
def test_gadget_equals_native_and_costs_the_pinned_count(n, rng):
    shape = r1cs.compile(PoseidonOf(n))
    assert shape.n_constraints == PINNED[n + 1] + 1  # + the circuit's own "out"
    vectors = [[0] * n, [1] * n, [R - 1] * n, [rng.randrange(R) for _ in range(n)]]
    vectors.append([(0, 1, R - 1)[i % 3] for i in range(n)])
    for xs in vectors:
        w = _solve(xs)
        assert w.r1cs.digest() == shape.digest()
        assert w.public == [native.hash(*xs)]
        assert_satisfied(w)


def test_gadget_takes_combinations_and_constants(rng):
    a, b = rng.randrange(R), rng.randrange(R)

    class Mixed(Circuit):
        name = "mixed"

        def define(self, cs):
            x = cs.private_input("x")
            y = cs.private_input("y")
            h = poseidon(cs, [x + 3 * y, 7, y - x], "hash")
            out = cs.public_output("out", lambda: cs.value(h))
            cs.enforce_equal(out, h, "out")

    w = r1cs.solve(Mixed(), {"x": a, "y": b})
    assert w.public == [native.hash((a + 3 * b) % R, 7, (b - a) % R)]
    assert_satisfied(w)
    assert w.r1cs.n_constraints == PINNED[4] + 1


def test_constraint_labels_follow_the_rounds():
    labels = r1cs.compile(PoseidonOf(2)).labels
    assert labels[:3] == [f"poseidon_of/hash/round_0/sbox_0/{p}" for p in ("x2", "x4", "x5")]
    # Round 4 is the first partial round: only element 0 goes through the S-box.
    assert [lb for lb in labels if "/round_4/" in lb] == [
        f"poseidon_of/hash/round_4/sbox_0/{p}" for p in ("x2", "x4", "x5")
    ]
    assert "poseidon_of/hash/round_64/sbox_2/x5" in labels
    assert labels[-1] == "poseidon_of/out"
    assert len(set(labels)) == len(labels)


def test_combinations_stay_bounded():
    # t + R_P + 1 terms at most (see the module docstring); the output row is t variables + a constant + out.
    shape = r1cs.compile(PoseidonOf(2))
    _, _, _, partial = native.params(3)
    assert max(len(row) for row in shape.a) <= 3 + partial + 1
    assert len(shape.a[-1]) <= 3 + 1 + 1


@pytest.mark.parametrize(
    "name",
    [
        "hash/round_0/sbox_1/x2",
        "hash/round_10/sbox_0/x4",  # a partial round
        "hash/round_64/sbox_2/x5",  # the last round
    ],
)
def test_overwritten_sbox_intermediate_is_rejected_where_it_is_made(name, rng):
    w = _solve([rng.randrange(R), rng.randrange(R)])
    index = w.r1cs.variable_names.index(name)
    assert_rejected(w, name, w.values[index] + 1, label=f"poseidon_of/{name}")
    assert_rejected(w, name, 0, label=f"poseidon_of/{name}")


def test_overwritten_output_is_rejected(rng):
    w = _solve([rng.randrange(R), rng.randrange(R)])
    assert_rejected(w, "out", w.public[0] + 1, label="poseidon_of/out")
    assert_rejected(w, "out", native.hash(1, 2), label="poseidon_of/out")


def test_a_changed_input_with_the_honest_output_is_rejected(rng):
    xs = [rng.randrange(R), rng.randrange(R)]
    w = _solve(xs)
    # x[0] first enters round 0's S-box of element 1.
    assert_rejected(w, "x[0]", xs[0] + 1, label="poseidon_of/hash/round_0/sbox_1/x2")


def test_mutation_sweep_t3(rng):
    mutation_sweep(_solve([rng.randrange(R), rng.randrange(R)]))


@pytest.mark.parametrize("n", [0, 17])
def test_wrong_arity_raises(n):
    with pytest.raises(ValueError, match="Poseidon takes 1..16 inputs"):
        r1cs.compile(PoseidonOf(n))


@pytest.mark.interop
def test_gadget_matches_circomlibjs_directly_for_1_to_9_inputs(node_tools, rng):
    """Known answers from circomlibjs for the gadget itself, not only through the native hash."""
    import json
    import os
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "tools" / "interop" / "poseidon_vectors.js"
    vectors = [[rng.randrange(R) for _ in range(n)] for n in range(1, 10)]
    vectors.append([R - 1] * 9)
    proc = subprocess.run(
        [node_tools.node, str(script)],
        input=json.dumps([[str(x) for x in v] for v in vectors]),
        capture_output=True,
        text=True,
        env=dict(os.environ, NODE_PATH=node_tools.node_path),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    expected = [int(x) for x in json.loads(proc.stdout)]
    for inputs, answer in zip(vectors, expected):
        witness = r1cs.solve(PoseidonOf(len(inputs)), {"x": [str(x) for x in inputs]})
        assert witness.is_satisfied()
        assert witness.public == [answer], f"{len(inputs)} inputs"
