"""The ``chain`` benchmark circuit: y = x^(n+1) in exactly n constraints, as circom's Chain(N)."""

from __future__ import annotations

from zkopt.field import R
from zkopt.r1cs import Circuit, ConstraintSystem


class Chain(Circuit):
    """Enforces y = x^(n+1) for a private x and a public output y; assumes nothing.

    Constraints: t0 = x*x, t_i = t_(i-1)*x for i < n-1, and y = t_(n-2)*x (y = x*x when n = 1).
    """

    name = "chain"

    def __init__(self, n: int = 1024):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError("chain needs n >= 1")
        self.n = n

    def params(self) -> dict[str, int]:
        return {"n": self.n}

    def define(self, cs: ConstraintSystem) -> None:
        x = cs.private_input("x")
        y = cs.public_output("y", lambda: pow(cs.value(x), self.n + 1, R))
        t = x
        for i in range(self.n - 1):
            t = cs.mul(t, x, f"t{i}")
        cs.enforce(t, x, y, "y")

