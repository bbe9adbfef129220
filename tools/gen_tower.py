"""Generate zkopt/curve/_tower.py: straight-line BN254 Fq12 and G2-step arithmetic on flat tuples.

Usage: ``python tools/gen_tower.py`` rewrites zkopt/curve/_tower.py;
``python tools/gen_tower.py --check`` exits 1 if the checked-in file differs
from what this script would write (tests/test_pairing.py runs the same check).

Why generate: in CPython the cost of field arithmetic is the number of
executed bytecodes and big-integer operations, so the fastest form is one
function per tower operation with every coefficient unrolled into a local
variable, and each output reduced mod q once (Python integers never overflow,
so intermediate sums stay unreduced). ~1,000 such lines written by hand would
be unreviewable; this script states each algorithm once, at the level of Fq2
and Fq6 (below), and a small tracer turns it into code.

Tower and layout (shared with zkopt/curve/pairing.py)
-----------------------------------------------------
Fq2 = Fq[u]/(u^2 + 1); xi = 9 + u; Fq12 = Fq2[w]/(w^6 - xi), which is the
usual Fq6 = Fq2[v]/(v^3 - xi), Fq12 = Fq6[w]/(w^2 - v) with v = w^2.
An Fq12 element is a flat 12-tuple: index 2k + j holds component j (0: real
part, 1: coefficient of u) of the Fq2 coefficient of w^k.

The tracer: every arithmetic operation on a ``Node`` builds an expression DAG
(hash-consed, so repeated subexpressions are shared); the emitter gives a
local variable to every node used more than once, inlines the rest into one
Python expression, and wraps each function output in ``% _q``. Functions take
reduced inputs (in [0, q)) and return reduced outputs; an intermediate is
reduced only where the algorithm asks for it with ``.mod()`` (before it is
multiplied again).

The generated module runs on gmpy2's ``mpz`` when gmpy2 is installed (a
project dependency) and on plain ``int`` otherwise: the code is the same,
only the type of the modulus ``_q`` differs, and mixed operations promote.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
XI = (9, 1)  # xi = 9 + u: neither a square nor a cube in Fq2, so w^6 - xi is irreducible

OUT = Path(__file__).resolve().parent.parent / "zkopt" / "curve" / "_tower.py"


# --------------------------------------------------------------------------
# Plain Fq2 arithmetic on (c0, c1) int pairs, used only to derive constants.
# --------------------------------------------------------------------------
def _f2mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)


def _f2pow(a, e):
    result = (1, 0)
    while e:
        if e & 1:
            result = _f2mul(result, a)
        a = _f2mul(a, a)
        e >>= 1
    return result


def _f2inv(a):
    n = pow((a[0] * a[0] + a[1] * a[1]) % Q, -1, Q)
    return (a[0] * n % Q, -a[1] * n % Q)


# b' = 3 / xi: G2 lives on the D-type sextic twist y^2 = x^3 + b' over Fq2.
TWIST_B = _f2mul((3, 0), _f2inv(XI))

# Frobenius on Fq12: (sum f_k w^k)^(q^i) = sum f_k^(q^i) * w^k * xi^(k (q^i - 1) / 6),
# because w^(q^i) = w * (w^6)^((q^i - 1) / 6) and 6 | q^i - 1 (q = 1 mod 6).
FROB = {i: [_f2pow(XI, k * (Q**i - 1) // 6) for k in range(6)] for i in (1, 2, 3)}


# --------------------------------------------------------------------------
# The tracer.
# --------------------------------------------------------------------------
class Node:
    """One value in a traced computation: an input, a constant, or an operation on nodes.

    Nodes are hash-consed (``Node.make``): building the same operation on the
    same operands twice yields the same node, so common subexpressions (an
    ``a0 + a1`` needed by two Karatsuba products, say) are computed once.
    """

    __slots__ = ("kind", "args", "value", "uses", "name", "serial")
    _serial = 0
    _table: dict = {}

    def __init__(self, kind, args, value):
        self.kind = kind  # "var", "const", "sum", "mul", "mod", "inv"
        self.args = args  # sum: tuple of (int coefficient, Node); others: tuple of Nodes
        self.value = value  # var: name; const: int
        self.uses = 0
        self.name = None
        Node._serial += 1
        self.serial = Node._serial  # deterministic identity (id() is not, across runs)

    @classmethod
    def make(cls, kind, args=(), value=None):
        if kind == "sum":
            key = (kind, tuple(sorted((n.serial, c) for c, n in args)))
        elif kind == "mul":
            key = (kind, tuple(sorted(n.serial for n in args)))
        else:
            key = (kind, tuple(n.serial for n in args), value)
        node = cls._table.get(key)
        if node is None:
            node = cls._table[key] = cls(kind, args, value)
        return node

    @classmethod
    def reset(cls):
        """Forget shared nodes: each traced function starts from a clean table."""
        cls._table = {}

    def __add__(self, other):
        return lin((1, self), (1, _node(other)))

    __radd__ = __add__

    def __sub__(self, other):
        return lin((1, self), (-1, _node(other)))

    def __rsub__(self, other):
        return lin((1, _node(other)), (-1, self))

    def __neg__(self):
        return lin((-1, self))

    def __mul__(self, other):
        if isinstance(other, int):
            return lin((other, self))
        other = _node(other)
        # Pull signs and small factors out of products: (-a) * b -> -(a * b).
        for x, y in ((self, other), (other, self)):
            if x.kind == "sum" and len(x.args) == 1:
                k, inner = x.args[0]
                return lin((k, inner * y))
        return Node.make("mul", (self, other))

    __rmul__ = __mul__

    def mod(self):
        return Node.make("mod", (self,))


def _node(x):
    return x if isinstance(x, Node) else Node.make("const", value=x)


def lin(*terms):
    """The linear combination sum(c * node): merges repeated nodes, drops zero terms."""
    coef = {}
    nodes = {}
    for c, n in terms:
        if n.kind == "sum" and len(n.args) == 1:  # k * (j * x) -> (k j) * x
            c, n = c * n.args[0][0], n.args[0][1]
        if n.kind == "const" and n.value == 0:
            continue
        coef[n.serial] = coef.get(n.serial, 0) + c
        nodes[n.serial] = n
    kept = [(c, nodes[k]) for k, c in coef.items() if c != 0]
    if not kept:
        return Node.make("const", value=0)
    if len(kept) == 1 and kept[0][0] == 1:
        return kept[0][1]
    return Node.make("sum", tuple(kept))


def inverse(n):
    """A node for n^-1 mod q (reduces its argument first)."""
    return Node.make("inv", (n,))


class Function:
    """A traced function: named int parameters in, a tuple of reduced ints out."""

    def __init__(self, name, doc):
        self.name = name
        self.doc = doc
        self.params = []  # (python parameter, [variable names] or None for a scalar)
        Node.reset()

    def tuple_param(self, pyname, size):
        if pyname.startswith("t"):
            raise ValueError("names starting with t are reserved for temporaries")
        names = [f"{pyname}{i}" for i in range(size)]
        self.params.append((pyname, names))
        return [Node.make("var", value=n) for n in names]

    def scalar_param(self, pyname):
        self.params.append((pyname, None))
        return Node.make("var", value=pyname)

    def emit(self, outputs, groups=None):
        """Python source of the function: it returns the outputs (Nodes), each reduced
        mod q, as one tuple or as a tuple of tuples of the sizes in ``groups``."""
        # Inputs are reduced, so an output that is an input needs no "% _q".
        outs = [o if o.kind in ("mod", "const", "var") else o.mod() for o in outputs]
        order = []
        seen = set()

        def visit(n):
            n.uses += 1
            if id(n) in seen:
                return
            seen.add(id(n))
            for a in (t[1] for t in n.args) if n.kind == "sum" else n.args:
                visit(a)
            order.append(n)

        for o in outs:
            visit(o)
        counter = iter(range(10**6))
        body = []
        for n in order:  # post-order, so every temporary is defined before use
            if n.kind in ("var", "const"):
                continue
            if n.uses > 1 or n.kind == "inv":
                text = _expr(n, top=True)
                n.name = f"t{next(counter)}"  # parameters never start with "t"
                body.append(f"    {n.name} = {text}")
        params = ", ".join(p for p, _ in self.params)
        lines = [f"def {self.name}({params}):", f'    """{self.doc}"""']
        for p, names in self.params:
            if names is not None:
                lines.append(f"    {', '.join(names)} = {p}")
        lines += body
        rets = [_expr(o) for o in outs]
        lines.append("    return (")
        if groups is None:
            lines += [f"        {r}," for r in rets]
        else:
            for size in groups:
                lines.append("        (")
                lines += [f"            {r}," for r in rets[:size]]
                lines.append("        ),")
                rets = rets[size:]
        lines.append("    )")
        return "\n".join(lines) + "\n"


def _flat_terms(n, coef):
    """Terms of a sum with single-use ±1-weighted sub-sums merged in (no extra multiplications)."""
    out = []
    for c, a in n.args:
        cc = c * coef
        if a.kind == "sum" and a.name is None and a.uses == 1 and abs(c) == 1:
            out += _flat_terms(a, cc)
        else:
            out.append((cc, a))
    return out


def _expr(n, top=False):
    """Source text for node n; atoms and named temporaries are returned bare."""
    if n.name is not None and not top:
        return n.name
    if n.kind == "var":
        return n.value
    if n.kind == "const":
        return str(n.value) if n.value >= 0 else f"({n.value})"
    if n.kind == "mul":
        a, b = n.args
        return f"{_factor(a)} * {_factor(b)}"
    if n.kind == "mod":
        (a,) = n.args
        return f"({_expr(a)}) % _q" if _is_compound(a) else f"{_expr(a)} % _q"
    if n.kind == "inv":
        (a,) = n.args
        return f"_invert({_expr(a)}, _q)" if a.kind == "mod" else f"_invert(({_expr(a)}) % _q, _q)"
    if n.kind == "sum":
        terms = _flat_terms(n, 1)
        # Lead with a positive term where there is one: "a - b" beats "-b + a".
        terms.sort(key=lambda t: t[0] < 0)
        parts = []
        for i, (c, a) in enumerate(terms):
            mag = abs(c)
            body = _factor(a) if mag != 1 else _term(a)
            text = body if mag == 1 else f"{mag} * {body}"
            if i == 0:
                parts.append(text if c > 0 else f"-{_factor(a) if mag == 1 else text}")
            else:
                parts.append(("+ " if c > 0 else "- ") + text)
        return " ".join(parts)
    raise ValueError(n.kind)


def _is_compound(n):
    return n.name is None and n.kind in ("sum", "mul")


def _term(n):
    """Operand of + or -: a product needs no parentheses, a sum does (it was not flattened)."""
    text = _expr(n)
    return f"({text})" if n.name is None and n.kind == "sum" else text


def _factor(n):
    """Operand of *: sums need parentheses."""
    text = _expr(n)
    return f"({text})" if n.name is None and n.kind == "sum" else text


# --------------------------------------------------------------------------
# Fq2 on pairs of nodes.
#
# Cost model, measured on the development machine (CPython 3.11, 254-bit
# operands, inside a function): with gmpy2 mpz, a product ~32 ns, an addition
# ~22 ns, a product by a small constant ~29 ns, a reduction of a 510-bit value
# ~80 ns; with int, 109 / 18 / 30 / 190 ns. Hence, for mpz: schoolbook Fq2
# products (4 products, 2 additions) beat Karatsuba (3 and 5): Fq12 mul 9.3 us
# against 11.0 us (with ints it is the other way round, 16.6 against 15.4,
# which we accept for the fallback); Karatsuba still pays at the Fq6 and Fq12
# levels, where it saves whole Fq2 products (Fq12 mul: 18 Fq2 products, 9.3 us,
# against 36 and 10.1 us for the flat schoolbook form); and operands are
# reduced before they are multiplied again.
# --------------------------------------------------------------------------
def f2(nodes, k):
    return (nodes[2 * k], nodes[2 * k + 1])


def f2_add(a, b):
    return (a[0] + b[0], a[1] + b[1])


def f2_sub(a, b):
    return (a[0] - b[0], a[1] - b[1])


def f2_neg(a):
    return (-a[0], -a[1])


def f2_mul(a, b):
    """Schoolbook: 4 products, 2 additions (see the cost model above)."""
    return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])


def f2_sqr(a):
    return ((a[0] + a[1]) * (a[0] - a[1]), 2 * (a[0] * a[1]))


def f2_scale(a, s):
    return (a[0] * s, a[1] * s)


def f2_mul_xi(a):
    """a * (9 + u)."""
    return (9 * a[0] - a[1], a[0] + 9 * a[1])


def f2_mod(a):
    return (a[0].mod(), a[1].mod())


def _signed(c):
    """The representative of c mod q closest to zero (q - 1 becomes -1: no product at all)."""
    c %= Q
    return c - Q if c > Q // 2 else c


def f2_mul_const(a, c):
    """a times the constant c (ints); skips zero parts."""
    c0, c1 = (_signed(x) for x in c)
    if c1 == 0:
        return (c0 * a[0], c0 * a[1])
    if c0 == 0:
        return (-c1 * a[1], c1 * a[0])
    return (c0 * a[0] - c1 * a[1], c1 * a[0] + c0 * a[1])


def f2_conj(a):
    return (a[0], -a[1])


def f2_inv(a):
    n = inverse(a[0] * a[0] + a[1] * a[1])
    return (a[0].mod() * n, -(a[1].mod() * n))


# --------------------------------------------------------------------------
# Fq6 = Fq2[v]/(v^3 - xi): lists of three Fq2 coefficients.
# --------------------------------------------------------------------------
def fq6_add(a, b):
    return [f2_add(x, y) for x, y in zip(a, b)]


def fq6_sub(a, b):
    return [f2_sub(x, y) for x, y in zip(a, b)]


def fq6_mul_v(a):
    """a * v: (a0 + a1 v + a2 v^2) v = xi a2 + a0 v + a1 v^2."""
    return [f2_mul_xi(a[2]), a[0], a[1]]


def fq6_mul(a, b):
    """Karatsuba in Fq6: 6 Fq2 products."""
    v0, v1, v2 = f2_mul(a[0], b[0]), f2_mul(a[1], b[1]), f2_mul(a[2], b[2])
    c0 = f2_add(v0, f2_mul_xi(f2_sub(f2_sub(f2_mul(f2_add(a[1], a[2]), f2_add(b[1], b[2])), v1), v2)))
    c1 = f2_add(f2_sub(f2_sub(f2_mul(f2_add(a[0], a[1]), f2_add(b[0], b[1])), v0), v1), f2_mul_xi(v2))
    c2 = f2_add(f2_sub(f2_sub(f2_mul(f2_add(a[0], a[2]), f2_add(b[0], b[2])), v0), v2), v1)
    return [c0, c1, c2]


def fq6_mul_by_01(a, b0, b1):
    """a * (b0 + b1 v): 6 Fq2 products (Karatsuba's 5 measured slower)."""
    return [
        f2_add(f2_mul(a[0], b0), f2_mul_xi(f2_mul(a[2], b1))),
        f2_add(f2_mul(a[0], b1), f2_mul(a[1], b0)),
        f2_add(f2_mul(a[1], b1), f2_mul(a[2], b0)),
    ]


def fq6_mul_by_0(a, b0):
    return [f2_mul(x, b0) for x in a]


def fq6_sqr(c):
    c0, c1, c2 = c
    return [
        f2_add(f2_sqr(c0), f2_mul_xi(f2_scale(f2_mul(c1, c2), 2))),
        f2_add(f2_mul_xi(f2_sqr(c2)), f2_scale(f2_mul(c0, c1), 2)),
        f2_add(f2_sqr(c1), f2_scale(f2_mul(c0, c2), 2)),
    ]


def fq6_inv(c):
    """c^-1 = (t0, t1, t2) / (c0 t0 + xi (c2 t1 + c1 t2)), the adjugate over the norm."""
    c0, c1, c2 = c
    t0 = f2_mod(f2_sub(f2_sqr(c0), f2_mul_xi(f2_mul(c1, c2))))
    t1 = f2_mod(f2_sub(f2_mul_xi(f2_sqr(c2)), f2_mul(c0, c1)))
    t2 = f2_mod(f2_sub(f2_sqr(c1), f2_mul(c0, c2)))
    norm = f2_add(f2_mul(c0, t0), f2_mul_xi(f2_add(f2_mul(c2, t1), f2_mul(c1, t2))))
    inv = f2_mod(f2_inv(norm))
    return [f2_mul(t, inv) for t in (t0, t1, t2)]


# --------------------------------------------------------------------------
# Fq12 = Fq2[w]/(w^6 - xi) = Fq6[w]/(w^2 - v): lists of six Fq2 coefficients
# of w^0..w^5. The even ones are the Fq6 "real" half, the odd ones the w half.
# --------------------------------------------------------------------------
def fq12_of(nodes):
    return [f2(nodes, k) for k in range(6)]


def fq12_flat(c):
    return [x for pair in c for x in pair]


def _halves(a):
    return [a[0], a[2], a[4]], [a[1], a[3], a[5]]


def _join(e, o):
    return [e[0], o[0], e[1], o[1], e[2], o[2]]


def fq12_mul(a, b):
    """Karatsuba over Fq6[w]/(w^2 - v): ae be + v ao bo + ((ae + ao)(be + bo) - ae be - ao bo) w."""
    ae, ao = _halves(a)
    be, bo = _halves(b)
    t0 = fq6_mul(ae, be)
    t1 = fq6_mul(ao, bo)
    t2 = fq6_mul(fq6_add(ae, ao), fq6_add(be, bo))
    return _join(fq6_add(t0, fq6_mul_v(t1)), fq6_sub(fq6_sub(t2, t0), t1))


def fq12_sqr(a):
    """Complex squaring: (e + o w)^2 = ((e + o)(e + v o) - e o - v e o) + 2 e o w; 12 Fq2 products."""
    e, o = _halves(a)
    eo = fq6_mul(e, o)
    t = fq6_mul(fq6_add(e, o), fq6_add(e, fq6_mul_v(o)))
    return _join(fq6_sub(fq6_sub(t, eo), fq6_mul_v(eo)), [f2_scale(x, 2) for x in eo])


def fq12_mul_line(f, la, lb, xs, ys):
    """f * (1 + A w + A' w^3), A = la xs, A' = lb ys: a normalised line at P (see pairing.py).

    With L = A + A' v in Fq6: f (1 + L w) = (e + v o L) + (o + e L) w, 12 Fq2 products.
    A and A' are reduced first: they enter six products each (unreduced: 5.7 us
    instead of 5.0 with mpz).
    """
    A = f2_mod(f2_scale(la, xs))
    B = f2_mod(f2_scale(lb, ys))
    e, o = _halves(f)
    return _join(fq6_add(e, fq6_mul_v(fq6_mul_by_01(o, A, B))), fq6_add(o, fq6_mul_by_01(e, A, B)))


def fq12_mul_line_raw(f, c, A, B):
    """f * (c + A w + B w^3), an evaluated line that is not normalised (c in Fq2).

    Karatsuba with the sparse halves c and L = A + B v:
    f (c + L w) = (e c + v o L) + ((e + o)(c + L) - e c - o L) w; 15 Fq2 products.
    """
    e, o = _halves(f)
    t0 = fq6_mul_by_0(e, c)
    t1 = fq6_mul_by_01(o, A, B)
    t2 = fq6_mul_by_01(fq6_add(e, o), f2_add(c, A), B)
    return _join(fq6_add(t0, fq6_mul_v(t1)), fq6_sub(fq6_sub(t2, t0), t1))


def fq12_conj(a):
    """a^(q^6): w^(q^6) = -w, so odd powers of w change sign."""
    return [x if k % 2 == 0 else f2_neg(x) for k, x in enumerate(a)]


def fq12_frobenius(a, i):
    """a^(q^i): conjugate each Fq2 coefficient i times, then scale by xi^(k (q^i - 1) / 6)."""
    out = []
    for k, x in enumerate(a):
        if i % 2:
            x = f2_conj(x)
        out.append(f2_mul_const(x, FROB[i][k]))
    return out


def fq4_sqr(x, y):
    """(x + y s)^2 in Fq4 = Fq2[s]/(s^2 - xi): returns (x^2 + xi y^2, 2 x y)."""
    x2 = f2_sqr(x)
    y2 = f2_sqr(y)
    xy2 = f2_sub(f2_sqr(f2_add(x, y)), f2_add(x2, y2))
    return f2_add(x2, f2_mul_xi(y2)), xy2


def fq12_cyclotomic_sqr(a):
    """Granger-Scott squaring, valid only in the cyclotomic subgroup (after the easy part).

    View Fq12 as Fq4[w]/(w^3 - s) with s = w^3 and Fq4 = Fq2[s]/(s^2 - xi),
    so z = A + B w + C w^2 with A = (a0, a3), B = (a1, a4), C = (a2, a5).
    For z^(q^6 + 1) = 1 (Granger and Scott, PKC 2010):
        z^2 = (3 A^2 - 2 conj(A)) + (3 s C^2 + 2 conj(B)) w + (3 B^2 - 2 conj(C)) w^2,
    conj being s -> -s. Nine Fq2 squarings (18 products) instead of 36.
    """
    A = (a[0], a[3])
    B = (a[1], a[4])
    C = (a[2], a[5])
    A2 = fq4_sqr(*A)
    B2 = fq4_sqr(*B)
    C2 = fq4_sqr(*C)
    sC2 = (f2_mul_xi(C2[1]), C2[0])  # s * (x + y s) = xi y + x s

    def comb(sq, orig, sign):
        # 3 sq - 2 conj(orig) when sign = -1; 3 sq + 2 conj(orig) when sign = +1
        (s0, s1), (o0, o1) = sq, orig
        part0 = tuple(3 * s + (2 * sign) * o for s, o in zip(s0, o0))
        part1 = tuple(3 * s - (2 * sign) * o for s, o in zip(s1, o1))
        return part0, part1

    nA = comb(A2, A, -1)
    nB = comb(sC2, B, +1)
    nC = comb(B2, C, -1)
    return [nA[0], nB[0], nC[0], nA[1], nB[1], nC[1]]


def compressed_sqr(g2, g3, g4, g5):
    """Karabina's squaring of a compressed cyclotomic element (g2, g3, g4, g5).

    Karabina, "Squaring in cyclotomic subgroups" (Math. Comp. 2013), in the
    notation of the Granger-Scott view above: z = (g0 + g1 s) + (g2 + g3 s) w
    + (g4 + g5 s) w^2, i.e. g0..g5 = a0, a3, a1, a4, a2, a5 (Fq2 coefficients
    of w^0, w^3, w^1, w^4, w^2, w^5). Expanding the Granger-Scott formula for
    the last four coefficients gives, with B_ij = g_i g_j and
    A_ij = (g_i + g_j)(g_i + xi g_j) = g_i^2 + xi g_j^2 + (xi + 1) B_ij:
        h2 = 2 (g2 + 3 xi B45),  h3 = 3 (A45 - (xi + 1) B45) - 2 g3,
        h4 = 3 (A23 - (xi + 1) B23) - 2 g4,  h5 = 2 (g5 + 3 B23).
    Four Fq2 products and 8 reductions, against nine Fq2 squarings and 12
    reductions (3.3 us against 5.0 us with gmpy2).
    """
    B45 = f2_mul(g4, g5)
    B23 = f2_mul(g2, g3)
    A45 = f2_mul(f2_add(g4, g5), f2_add(g4, f2_mul_xi(g5)))
    A23 = f2_mul(f2_add(g2, g3), f2_add(g2, f2_mul_xi(g3)))
    xi1 = (10, 1)  # xi + 1
    h2 = f2_scale(f2_add(g2, f2_scale(f2_mul_xi(B45), 3)), 2)
    h3 = f2_sub(f2_scale(f2_sub(A45, f2_mul_const(B45, xi1)), 3), f2_scale(g3, 2))
    h4 = f2_sub(f2_scale(f2_sub(A23, f2_mul_const(B23, xi1)), 3), f2_scale(g4, 2))
    h5 = f2_scale(f2_add(g5, f2_scale(B23, 3)), 2)
    return h2, h3, h4, h5


def decompress(g2, g3, g4, g5, inv):
    """The full element from (g2, g3, g4, g5) and inv = 1 / (4 g2), g2 != 0 (Karabina):
    g1 = (xi g5^2 + 3 g4^2 - 2 g3) / (4 g2), g0 = xi (2 g1^2 + g2 g5 - 3 g3 g4) + 1."""
    num = f2_mod(f2_sub(f2_add(f2_mul_xi(f2_sqr(g5)), f2_scale(f2_sqr(g4), 3)), f2_scale(g3, 2)))
    g1 = f2_mod(f2_mul(num, inv))
    t = f2_sub(f2_add(f2_scale(f2_sqr(g1), 2), f2_mul(g2, g5)), f2_scale(f2_mul(g3, g4), 3))
    g0 = f2_add(f2_mul_xi(t), (Node.make("const", value=1), Node.make("const", value=0)))
    return [g0, g2, g4, g1, g3, g5]


def fq12_inv(a):
    """(e + o w)^-1 = (e - o w) / (e^2 - v o^2) with e, o the even and odd halves in Fq6."""
    e, o = _halves(a)
    e2 = fq6_sqr(e)
    o2 = fq6_sqr(o)
    d = [f2_mod(x) for x in fq6_sub(e2, fq6_mul_v(o2))]
    di = [f2_mod(t) for t in fq6_inv(d)]
    ne = fq6_mul(e, di)
    no = [f2_neg(x) for x in fq6_mul(o, di)]
    return _join(ne, no)


# --------------------------------------------------------------------------
# G2 Miller-loop steps (homogeneous projective coordinates on the twist),
# each returning the new point and the line evaluated at P = (xp, yp).
# --------------------------------------------------------------------------
def g2_double_step(X, Y, Z, xp, yp):
    """2T for T = (X : Y : Z) on y^2 = x^3 + b', and the tangent at T evaluated at P.

    The tangent, mapped through the untwisting (x, y) -> (x w^2, y w^3) and
    evaluated at P, is proportional to c0 yP + c3 xP w + c4 w^3 with
    c0 = -2YZ, c3 = 3X^2, c4 = 3b'Z^2 - Y^2 (multiply the affine line
    yP - lambda xP w + (lambda x - y) w^3 by -2YZ; use Y^2 Z = X^3 + b' Z^3).
    Doubling: Costello, Lange, Naehrig, "Faster pairing computations on curves
    with high-degree twists" (PKC 2010): with E = 3b'Z^2, F = 3E,
    X3 = 2XY(Y^2 - F), Y3 = (Y^2 + F)^2 - 12E^2, Z3 = 8Y^3 Z (theirs times 4).
    Since 3b' = 9/xi, we use E' = xi E = 9Z^2 (no product by a 254-bit
    constant) and scale the point by xi^2 and the line by xi, both harmless:
        X3 = 2 xi XY (xi Y^2 - 3E'), Y3 = (xi Y^2 + 3E')^2 - 12 E'^2,
        Z3 = 4 xi^2 Y^2 (2YZ),  line = (-xi 2YZ yP, 3 xi X^2 xP, E' - xi Y^2).
    """
    XX = f2_sqr(X)
    YY = f2_mod(f2_sqr(Y))
    E = f2_mod(f2_scale(f2_sqr(Z), 9))
    H = f2_mod(f2_scale(f2_mul(Y, Z), 2))
    XY = f2_mod(f2_mul(X, Y))
    xYY = f2_mul_xi(YY)
    E3 = f2_scale(E, 3)
    X3 = f2_scale(f2_mul_xi(f2_mul(XY, f2_sub(xYY, E3))), 2)
    Y3 = f2_sub(f2_sqr(f2_add(xYY, E3)), f2_scale(f2_sqr(E), 12))
    Z3 = f2_scale(f2_mul_const(f2_mul(YY, H), _f2mul(XI, XI)), 4)
    c = f2_scale(f2_mul_xi(f2_neg(H)), yp)
    A = f2_scale(f2_mul_xi(f2_scale(XX, 3)), xp)
    B = f2_sub(E, xYY)
    return X3, Y3, Z3, c, A, B


def g2_add_step(X, Y, Z, x2, y2, xp, yp):
    """T + R for projective T and affine R (mixed addition), and the line through them at P.

    theta = Y - y2 Z and lam = X - x2 Z are Z times the slope's numerator and
    denominator, so the line is proportional to
        c0 yP + c3 xP w + c4 w^3,  c0 = lam, c3 = -theta, c4 = theta x2 - lam y2.
    Addition: Costello, Lange, Naehrig (PKC 2010), homogeneous coordinates:
    C = theta^2, D = lam^2, E = lam^3, F = Z C, G = X D, H = E + F - 2G,
    X3 = lam H, Y3 = theta (G - H) - E Y, Z3 = Z E.
    """
    theta = f2_mod(f2_sub(Y, f2_mul(y2, Z)))
    lam = f2_mod(f2_sub(X, f2_mul(x2, Z)))
    C = f2_mod(f2_sqr(theta))
    D = f2_mod(f2_sqr(lam))
    E = f2_mod(f2_mul(lam, D))
    F = f2_mod(f2_mul(Z, C))
    G = f2_mod(f2_mul(X, D))
    H = f2_mod(f2_sub(f2_add(E, F), f2_scale(G, 2)))
    X3 = f2_mul(lam, H)
    Y3 = f2_sub(f2_mul(theta, f2_sub(G, H)), f2_mul(E, Y))
    Z3 = f2_mul(Z, E)
    c = f2_scale(lam, yp)
    A = f2_scale(f2_neg(theta), xp)
    B = f2_sub(f2_mul(theta, x2), f2_mul(lam, y2))
    return X3, Y3, Z3, c, A, B


def g2_affine_double_step(x, y, inv):
    """2T for affine T = (x, y), and the tangent as a normalised line, given inv = 1 / norm(2y).

    In affine coordinates the line is yP - lambda xP w + (lambda x - y) w^3
    (c0 = 1), so the prepared form (la, lb) = (c3 / c0, c4 / c0) is
    (-lambda, lambda x - y) with no further inversion. 1 / (2y) = conj(2y) * inv.
    """
    d_inv = f2_mod(f2_scale(f2_conj(f2_scale(y, 2)), inv))
    lam = f2_mod(f2_mul(f2_scale(f2_sqr(x), 3), d_inv))
    x3 = f2_mod(f2_sub(f2_sqr(lam), f2_scale(x, 2)))
    mu = f2_mod(f2_sub(f2_mul(lam, x), y))
    y3 = f2_sub(mu, f2_mul(lam, x3))
    return x3, y3, f2_neg(lam), mu


def g2_affine_add_step(x1, y1, x2, y2, inv):
    """T + R for affine T = (x1, y1), R = (x2, y2), x1 != x2, and the normalised line through
    them, given inv = 1 / norm(x2 - x1): lambda = (y2 - y1) / (x2 - x1), as for doubling."""
    d_inv = f2_mod(f2_scale(f2_conj(f2_sub(x2, x1)), inv))
    lam = f2_mod(f2_mul(f2_sub(y2, y1), d_inv))
    x3 = f2_mod(f2_sub(f2_sub(f2_sqr(lam), x1), x2))
    mu = f2_mod(f2_sub(f2_mul(lam, x1), y1))
    y3 = f2_sub(mu, f2_mul(lam, x3))
    return x3, y3, f2_neg(lam), mu


# --------------------------------------------------------------------------
# Assembling the module.
# --------------------------------------------------------------------------
def _fn_unary(name, doc, op):
    fn = Function(name, doc)
    a = fq12_of(fn.tuple_param("a", 12))
    return fn.emit(fq12_flat(op(a)))


def _functions():
    out = []
    fn = Function("mul", "a * b in Fq12.")
    a = fq12_of(fn.tuple_param("a", 12))
    b = fq12_of(fn.tuple_param("b", 12))
    out.append(fn.emit(fq12_flat(fq12_mul(a, b))))

    out.append(_fn_unary("sqr", "a^2 in Fq12.", fq12_sqr))
    out.append(
        _fn_unary(
            "cyclotomic_sqr",
            "a^2 for a in the cyclotomic subgroup (a^(q^6 + 1) = 1) only; wrong elsewhere.",
            fq12_cyclotomic_sqr,
        )
    )

    fn = Function(
        "mul_line",
        "f * (1 + (la xs) w + (lb ys) w^3) for a prepared line = (la0, la1, lb0, lb1) at P = (xs, ys).",
    )
    f = fq12_of(fn.tuple_param("f", 12))
    line = fn.tuple_param("line", 4)
    xs = fn.scalar_param("xs")
    ys = fn.scalar_param("ys")
    out.append(fn.emit(fq12_flat(fq12_mul_line(f, f2(line, 0), f2(line, 1), xs, ys))))

    fn = Function(
        "mul_line_raw",
        "f * (c + A w + B w^3) for an evaluated line = (c0, c1, A0, A1, B0, B1) from a G2 step.",
    )
    f = fq12_of(fn.tuple_param("f", 12))
    line = fn.tuple_param("line", 6)
    out.append(fn.emit(fq12_flat(fq12_mul_line_raw(f, f2(line, 0), f2(line, 1), f2(line, 2)))))

    fn = Function(
        "compressed_sqr",
        "Karabina squaring of c = (g2, g3, g4, g5) flattened, for cyclotomic elements only.",
    )
    g = fn.tuple_param("c", 8)
    out.append(fn.emit([x for pair in compressed_sqr(*[f2(g, k) for k in range(4)]) for x in pair]))

    fn = Function(
        "decompress",
        "The Fq12 element with compressed form c, given inv = 1 / (4 g2) as (i0, i1); g2 != 0.",
    )
    g = fn.tuple_param("c", 8)
    inv = fn.tuple_param("inv", 2)
    out.append(fn.emit(fq12_flat(decompress(*[f2(g, k) for k in range(4)], f2(inv, 0)))))

    out.append(_fn_unary("conj", "a^(q^6), which is a^-1 in the cyclotomic subgroup.", fq12_conj))
    for i in (1, 2, 3):
        out.append(_fn_unary(f"frobenius{i}", f"a^(q^{i}).", lambda a, i=i: fq12_frobenius(a, i)))
    out.append(_fn_unary("inv", "a^-1 in Fq12 (one Fq inversion); a must be nonzero.", fq12_inv))

    fn = Function(
        "g2_double_step",
        "((X0, X1, Y0, Y1, Z0, Z1), xp, yp) -> (2T, (c0, c1, A0, A1, B0, B1)): the tangent line at P.",
    )
    t = fn.tuple_param("p", 6)
    xp, yp = fn.scalar_param("xp"), fn.scalar_param("yp")
    res = g2_double_step(f2(t, 0), f2(t, 1), f2(t, 2), xp, yp)
    out.append(fn.emit([x for pair in res for x in pair], groups=(6, 6)))

    fn = Function(
        "g2_add_step",
        "(T, (x0, x1, y0, y1), xp, yp) -> (T + R, (c0, c1, A0, A1, B0, B1)), R affine: the line at P.",
    )
    t = fn.tuple_param("p", 6)
    r = fn.tuple_param("r", 4)
    xp, yp = fn.scalar_param("xp"), fn.scalar_param("yp")
    res = g2_add_step(f2(t, 0), f2(t, 1), f2(t, 2), f2(r, 0), f2(r, 1), xp, yp)
    out.append(fn.emit([x for pair in res for x in pair], groups=(6, 6)))

    fn = Function(
        "g2_affine_double_step",
        "((x0, x1, y0, y1), inv = 1 / norm(2y)) -> (2T, (la0, la1, lb0, lb1)): the normalised tangent.",
    )
    t = fn.tuple_param("p", 4)
    inv = fn.scalar_param("inv")
    res = g2_affine_double_step(f2(t, 0), f2(t, 1), inv)
    out.append(fn.emit([x for pair in res for x in pair], groups=(4, 4)))

    fn = Function(
        "g2_affine_add_step",
        "(T, R, inv = 1 / norm(xR - xT)) -> (T + R, (la0, la1, lb0, lb1)): the normalised line, T != +-R.",
    )
    t = fn.tuple_param("p", 4)
    r = fn.tuple_param("r", 4)
    inv = fn.scalar_param("inv")
    res = g2_affine_add_step(f2(t, 0), f2(t, 1), f2(r, 0), f2(r, 1), inv)
    out.append(fn.emit([x for pair in res for x in pair], groups=(4, 4)))
    return out


HEADER = '''\
"""Straight-line BN254 tower arithmetic on flat tuples (GENERATED FILE: do not edit by hand).

Generated by tools/gen_tower.py, which documents the tower, the layout and the
algorithms; change the generator and run ``python tools/gen_tower.py``.
tests/test_pairing.py fails if this file differs from the generator's output.

Layout: Fq12 = Fq2[w]/(w^6 - xi), xi = 9 + u, Fq2 = Fq[u]/(u^2 + 1); index
2k + j of a 12-tuple is component j (0: real, 1: u) of the coefficient of w^k.
Inputs must be reduced (in [0, Q)); outputs are reduced, of type ``mpz`` when
gmpy2 is installed (it is a dependency) and ``int`` otherwise.
"""

# fmt: off
# ruff: noqa: E501

try:
    from gmpy2 import invert as _invert
    from gmpy2 import mpz as _mpz

    BIGINT = "gmpy2"
except ImportError:  # pragma: no cover - gmpy2 is a dependency; ints are the slower fallback
    _mpz = int
    BIGINT = "int"

    def _invert(a, m):
        return pow(a, -1, m)


#: The BN254 base-field prime q, and q in the type the arithmetic runs on.
Q = {q}
_q = _mpz(Q)

#: b' = 3 / xi, the constant of the D-type sextic twist y^2 = x^3 + b' carrying G2.
TWIST_B = {twist_b}

#: xi^((q - 1) / 3) and xi^((q - 1) / 2): the q-power Frobenius of G2 points is
#: (x, y) -> (conj(x) * G2_FROB1_X, conj(y) * G2_FROB1_Y).
G2_FROB1_X = {g2x1}
G2_FROB1_Y = {g2y1}

#: xi^((q^2 - 1) / 3), in Fq: pi^2(x, y) = (x * G2_FROB2_X, -y) on the twist.
G2_FROB2_X = {g2x2}

#: The unit of Fq12.
ONE = (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


'''


def render() -> str:
    g2x1, g2y1 = FROB[1][2], FROB[1][3]
    g2x2, g2y2 = FROB[2][2], FROB[2][3]
    if g2x2[1] != 0 or g2y2 != (Q - 1, 0):  # the derivation in HEADER relies on both
        raise RuntimeError("unexpected q^2-Frobenius constants")
    text = HEADER.format(
        q=Q,
        twist_b=TWIST_B,
        g2x1=g2x1,
        g2y1=g2y1,
        g2x2=g2x2[0],
    )
    text += "\n\n".join(_functions())
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the checked-in file")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = args.out.exists() and args.out.read_text() == text
        print("up to date" if same else f"{args.out} differs from the generator's output")
        return 0 if same else 1
    args.out.write_text(text)
    print(f"wrote {args.out} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
