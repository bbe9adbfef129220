"""Tiny circuits the tests share (mirrored by tests/interop/*.circom for the snarkjs side)."""

from zkopt.r1cs import Circuit


class TwoPublic(Circuit):
    """Public output out = a*b + x*x with public inputs a, b and private x (outputs come first)."""

    name = "two_public"

    def define(self, cs):
        a = cs.public_input("a")
        b = cs.public_input("b")
        x = cs.private_input("x")
        ab = cs.mul(a, b, "ab")
        xx = cs.mul(x, x, "xx")
        out = cs.public_output("out", lambda: cs.value(ab) + cs.value(xx))
        cs.enforce_equal(out, ab + xx, "out")
