"""Phase 2 (BGM17) as snarkjs runs it: the init key from a prepared ptau, contributions, beacon, full verification.

``new`` builds snarkjs' init key (delta = gamma = 1) from the circuit's R1CS
and the Lagrange points of a prepared ptau, byte for byte as ``snarkjs zkey
new`` does, including the circuit hash (csHash) that binds every later
transcript to this circuit and phase 1.

A contribution with secret x sets delta <- x delta (G1 and G2) and multiplies
the L (section 8) and H (section 9) points by 1/x. Its record holds
deltaAfter, s, s x (G1, s drawn at random) and r x (G2) for r =
hash_to_g2(T), T = BLAKE2b(csHash || earlier records || s || s x), stored as
the record's transcript. Its *contribution hash*, BLAKE2b of the record
(deltaAfter, s, s x, r x, T), is what the contributor publishes and finds again
in ``verify``'s list.

``verify`` checks, naming the first bad contribution: each transcript T_k;
e(s, r x) = e(s x, r) (knowledge of x); e(delta_(k-1), r x) = e(deltaAfter_k,
r) (delta moved by that same x); a beacon's s and s x re-derived from its
public parameters; the header's delta_1 = last deltaAfter and delta_2
matching delta_1. Then, against the circuit and the ptau: the header, the
coefficients, the IC points and csHash exactly (IC and the init L points are
rebuilt); the A, B1 and B2 points with one random linear combination each
(128-bit weights: sum rho_i P_i against sum_c (sum_i rho_i M[c][i]) [L_c]);
L_final = L_init / delta and H_final against [tau^i Z(tau)] from the ptau's
powers, each one pairing check of random combinations (128-bit weights where
snarkjs uses 32 bits for L). B2 and the ptau's G2 points are checked to be in
G2.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkopt import curve, field
from zkopt.ceremony import _parallel, transcript
from zkopt.ceremony.phase1 import last_challenge
from zkopt.ceremony.ptau import ALPHA_TAU_G1, BETA_G2, BETA_TAU_G1, LAGRANGE, TAU_G1, TAU_G2, Ptau
from zkopt.curve import snarkjs_encoding as enc
from zkopt.errors import InvalidTranscript, MalformedKey
from zkopt.groth16.zkey import CONTRIBUTE_ORDER, NEW_ORDER, Contribution, ZKey, coefficients_of
from zkopt.r1cs import R1CS

R = field.R
G1, G2 = curve.G1_GENERATOR, curve.G2_GENERATOR
CHECK_BITS = 128
#: Above this many distinct coefficients a wire's sum is one Pippenger MSM instead of separate products.
_MSM_TERMS = 24
Status = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# --- composing the init key ---------------------------------------------------------------------------


@dataclass
class _Bases:
    """The ptau points a circuit of domain size n needs (validated when decoded)."""

    tau_g1: list        # [L_c(tau)]_1, size-n Lagrange basis
    tau_g2: list        # [L_c(tau)]_2
    alpha_tau_g1: list  # [alpha L_c(tau)]_1
    beta_tau_g1: list   # [beta L_c(tau)]_1
    h_odd: list         # [L_(2j+1)(tau)]_1 of the size-2n basis
    h_monomial: list    # [tau^i Z(tau)]_1 = [tau^(n+i)] - [tau^i], i < n - 1
    alpha_1: tuple
    beta_1: tuple
    beta_2: tuple


def _bases(p: Ptau, n: int, status: Status) -> _Bases:
    if not p.prepared:
        raise MalformedKey("the ptau is not prepared for phase 2: run `zkopt ptau prepare` (snarkjs: "
                           "powersoftau prepare phase2) first")
    if n > 1 << p.power:
        raise MalformedKey(f"the circuit needs a domain of {n} rows but the ptau has power {p.power} "
                           f"(2^{p.power} rows): use a ptau of power {n.bit_length() - 1} or more")
    status(f"reading the ptau's Lagrange points for {n} rows")
    p.check_g2_subgroup(LAGRANGE[TAU_G2], n - 1, n)
    tau_g2 = p.lagrange_g2(n, subgroup=False)
    two_n = p.g1(LAGRANGE[TAU_G1], 2 * n - 1, 2 * n)
    powers = p.g1(TAU_G1, 0, 2 * n - 1)
    h_monomial = [curve.g1_add(powers[n + i], curve.g1_neg(powers[i])) for i in range(n - 1)]
    (beta_2,) = p.g2(BETA_G2)
    return _Bases(p.lagrange_g1(TAU_G1, n), tau_g2, p.lagrange_g1(ALPHA_TAU_G1, n), p.lagrange_g1(BETA_TAU_G1, n),
                  two_n[1::2], h_monomial, p.g1(ALPHA_TAU_G1, 0, 1)[0], p.g1(BETA_TAU_G1, 0, 1)[0], beta_2)


def _columns(shape: R1CS) -> tuple[list, list, list]:
    """Per wire, its (row, coefficient) terms in A (with the public rows), B and C."""
    n = shape.n_variables
    cols = ([[] for _ in range(n)], [[] for _ in range(n)], [[] for _ in range(n)])
    for matrix, out in zip((shape.a, shape.b, shape.c), cols):
        for row, terms in enumerate(matrix):
            for wire, coeff in terms:
                out[wire].append((row, coeff))
    m = shape.n_constraints
    for i in range(shape.n_public + 1):
        cols[0][i].append((m + i, 1))
    return cols


def _column_msm(group: int, points: list, scalars: list):
    return (curve.msm_g1 if group == 1 else curve.msm_g2)(points, scalars)


def compose(group: int, columns: Sequence[Sequence[tuple]], status: Status = _quiet) -> list:
    """For each column of (base point, coefficient) terms, sum_k coefficient_k * base_k.

    Terms with equal coefficients are added first, units are added, small
    columns' products are made in one GLV batch over two processes, and
    columns with many distinct coefficients are Pippenger MSMs.
    """
    neg = curve.g1_neg if group == 1 else curve.g2_neg
    plain: list[list] = []        # per column: points to add
    products: list[tuple] = []    # (column, base, coefficient) for the batch
    msm_jobs: list[tuple] = []    # (column, points, scalars)
    for col, terms in enumerate(columns):
        grouped: dict[int, list] = {}
        for base, coeff in terms:
            if base is not None and coeff:
                grouped.setdefault(coeff, []).append(base)
        units = grouped.pop(1, []) + [neg(b) for b in grouped.pop(R - 1, [])]
        plain.append(units)
        sums = [(_column_msm(group, bases, [1] * len(bases)) if len(bases) > 1 else bases[0], coeff)
                for coeff, bases in grouped.items()]
        if len(sums) > _MSM_TERMS:
            msm_jobs.append((col, [s for s, _ in sums], [k for _, k in sums]))
        else:
            products += [(col, s, k) for s, k in sums]
    status(f"{len(products):,} products and {len(msm_jobs)} multi-scalar multiplications")
    done = _parallel.mul_each(group, [b for _, b, _ in products], [k for _, _, k in products])
    for (col, _, _), point in zip(products, done):
        plain[col].append(point)
    msm_results = _parallel.run_split(_column_msm, [(group, pts, ks) for _, pts, ks in msm_jobs]) if (
        _parallel.enabled(sum(len(p) for _, p, _ in msm_jobs))) else [_column_msm(group, p, k) for _, p, k in msm_jobs]
    for (col, _, _), point in zip(msm_jobs, msm_results):
        plain[col].append(point)
    return [_column_msm(group, pts, [1] * len(pts)) if pts else None for pts in plain]


def _ic_and_l(columns: tuple, bases: _Bases, status: Status) -> list:
    """[beta u_i + alpha v_i + w_i]_1 for every wire (IC for the public ones, the init L for the private ones)."""
    a_cols, b_cols, c_cols = columns
    cols = [[(bases.beta_tau_g1[r], k) for r, k in a] + [(bases.alpha_tau_g1[r], k) for r, k in b]
            + [(bases.tau_g1[r], k) for r, k in c] for a, b, c in zip(a_cols, b_cols, c_cols)]
    return compose(1, cols, status)


def circuit_hash(header: Sequence, ic: list, h_monomial: list, l_init: list, a: list, b1: list, b2: list) -> bytes:
    """csHash: BLAKE2b-512 over alpha_1, beta_1, beta_2, gamma_2, delta_1, delta_2 and the point lists of the init key."""
    alpha_1, beta_1, beta_2 = header
    h = hashlib.blake2b()
    h.update(enc.g1_to_u([alpha_1, beta_1]) + enc.g2_to_u([beta_2, G2]) + enc.g1_to_u([G1]) + enc.g2_to_u([G2]))
    for points, encode in ((ic, enc.g1_to_u), (h_monomial, enc.g1_to_u), (l_init, enc.g1_to_u), (a, enc.g1_to_u),
                           (b1, enc.g1_to_u), (b2, enc.g2_to_u)):
        h.update(struct.pack(">I", len(points)))
        h.update(encode(points))
    return h.digest()


def _domain_size(shape: R1CS) -> int:
    from zkopt.groth16 import qap  # numpy, which a contribution does not need

    return qap.domain_for(shape).size


def new(shape: R1CS, p: Ptau, status: Status | None = None) -> ZKey:
    """snarkjs' init key for ``shape`` (delta = 1: anyone can forge proofs until someone contributes)."""
    say = status or _quiet
    n = _domain_size(shape)
    bases = _bases(p, n, say)
    columns = _columns(shape)
    a_cols, b_cols, _ = columns
    say("composing the A points")
    a = compose(1, [[(bases.tau_g1[r], k) for r, k in col] for col in a_cols], say)
    say("composing the B1 points")
    b1 = compose(1, [[(bases.tau_g1[r], k) for r, k in col] for col in b_cols], say)
    say("composing the B2 points (G2)")
    b2 = compose(2, [[(bases.tau_g2[r], k) for r, k in col] for col in b_cols], say)
    say("composing the IC and L points")
    ic_l = _ic_and_l(columns, bases, say)
    ic, l_init = ic_l[: shape.n_public + 1], ic_l[shape.n_public + 1 :]
    header = (bases.alpha_1, bases.beta_1, bases.beta_2)
    return ZKey(
        n_vars=shape.n_variables, n_public=shape.n_public, domain_size=n, alpha_1=bases.alpha_1,
        beta_1=bases.beta_1, beta_2=bases.beta_2, gamma_2=G2, delta_1=G1, delta_2=G2, ic=ic,
        coeffs=coefficients_of(shape), a=a, b1=b1, b2=b2, c=l_init, h=bases.h_odd,
        cs_hash=circuit_hash(header, ic, bases.h_monomial, l_init, a, b1, b2), contributions=[], order=NEW_ORDER,
    )


def single_party(shape: R1CS, rng=None, phase1_secrets: tuple[int, int, int] | None = None) -> ZKey:
    """A .zkey from one machine's secrets (UNSAFE outside tests and demos: this process knows tau and delta).

    The same key as ``new`` from a ptau with these tau, alpha, beta, followed
    by one contribution of delta (with its proof of knowledge), computed
    directly from the secrets with fixed-base multiplications; the secrets
    are dropped on return. snarkjs proves with it and can contribute to it.
    ``phase1_secrets`` fixes (tau, alpha, beta), as a ptau made from them
    would (tests build whole ceremonies this way); delta is always fresh.
    """
    from zkopt.groth16 import qap
    from zkopt.poly import Domain

    rng = rng or secrets.SystemRandom()
    domain = qap.domain_for(shape)
    n = domain.size
    if phase1_secrets is not None:
        tau, alpha, beta = phase1_secrets
    else:
        tau, alpha, beta = (rng.randrange(1, R) for _ in range(3))
    while not Domain(2 * n).vanishing_at(tau):  # tau outside the size-2n domain (so off the size-n one too)
        if phase1_secrets is not None:
            raise ValueError("tau lies on the evaluation domain")
        tau = rng.randrange(1, R)
    delta = rng.randrange(1, R)
    delta_inv = field.inv(delta)
    u, v, w = qap.evaluate_at(shape, domain, tau)
    combined = [(beta * ui + alpha * vi + wi) % R for ui, vi, wi in zip(u, v, w)]
    l_init = combined[shape.n_public + 1 :]
    odd = Domain(2 * n).lagrange_at(tau)[1::2]
    z = domain.vanishing_at(tau)
    h_monomial = [z * t % R for t in _powers(tau, n - 1)]
    scalars = [alpha, beta, *u, *v, *combined[: shape.n_public + 1], *l_init, *h_monomial,
               *(x * delta_inv % R for x in l_init), *(x * delta_inv % R for x in odd)]
    g1 = iter(curve.g1_mul_many(G1, scalars))
    take = lambda count: [next(g1) for _ in range(count)]  # noqa: E731
    alpha_1, beta_1 = take(2)
    a, b1, ic = take(shape.n_variables), take(shape.n_variables), take(shape.n_public + 1)
    l_init_points, h_monomial_points = take(len(l_init)), take(n - 1)
    l_final, h_final = take(len(l_init)), take(n)
    beta_2, *b2 = curve.g2_mul_many(G2, [beta, *v])
    cs_hash = circuit_hash((alpha_1, beta_1, beta_2), ic, h_monomial_points, l_init_points, a, b1, b2)
    init = ZKey(n_vars=shape.n_variables, n_public=shape.n_public, domain_size=n, alpha_1=alpha_1, beta_1=beta_1,
                beta_2=beta_2, gamma_2=G2, delta_1=G1, delta_2=G2, ic=ic, coeffs=coefficients_of(shape), a=a, b1=b1,
                b2=b2, c=l_init_points, h=[None] * n, cs_hash=cs_hash, contributions=[], order=CONTRIBUTE_ORDER)
    record, delta_1, delta_2 = _record(init, delta, transcript.g1_from_rng(
        transcript.ChaCha([rng.randrange(1 << 32) for _ in range(8)])), 0, "single-party setup (unsafe)", None)
    return init.replace(delta_1=delta_1, delta_2=delta_2, c=l_final, h=h_final, contributions=[record])


def _powers(x: int, count: int) -> list[int]:
    out, acc = [], 1
    for _ in range(count):
        out.append(acc)
        acc = acc * x % R
    return out


# --- contributions ---------------------------------------------------------------------------------------


def _transcript_hasher(zk: ZKey, upto: int):
    h = hashlib.blake2b()
    h.update(zk.cs_hash)
    for c in zk.contributions[:upto]:
        h.update(c.public_key_bytes())
    return h


def contribution_hash(c: Contribution) -> bytes:
    """What a contributor publishes: BLAKE2b-512 of its record (deltaAfter, s, s x, r x, transcript)."""
    return hashlib.blake2b(c.public_key_bytes()).digest()


def _record(zk: ZKey, x: int, s, kind: int, name: str | None, beacon: tuple | None) -> tuple:
    """The record of a contribution of secret x with random point s, and the new delta_1, delta_2."""
    sx = curve.g1_mul(s, x)
    h = _transcript_hasher(zk, len(zk.contributions))
    h.update(enc.g1_to_u([s, sx]))
    t = h.digest()
    spx = curve.g2_mul(transcript.hash_to_g2(t), x)
    delta_1 = curve.g1_mul(zk.delta_1, x)
    record = Contribution(delta_1, s, sx, spx, t, kind, name, beacon[1] if beacon else None,
                          beacon[0] if beacon else None)
    return record, delta_1, curve.g2_mul(zk.delta_2, x)


def _contribute(zk: ZKey, rng: transcript.ChaCha, name: str | None, kind: int, beacon: tuple | None,
                status: Status) -> tuple[ZKey, bytes]:
    x = transcript.fr_from_rng(rng)
    record, delta_1, delta_2 = _record(zk, x, transcript.g1_from_rng(rng), kind, name, beacon)
    x_inv = field.inv(x)
    status(f"multiplying {len(zk.c):,} L and {len(zk.h):,} H points by 1/x")
    moved = _parallel.mul_each(1, [*zk.c, *zk.h], [x_inv] * (len(zk.c) + len(zk.h)))
    out = zk.replace(delta_1=delta_1, delta_2=delta_2, c=moved[: len(zk.c)], h=moved[len(zk.c) :],
                     contributions=[*zk.contributions, record], order=CONTRIBUTE_ORDER)
    return out, contribution_hash(record)


def contribute(zk: ZKey, entropy: str, name: str | None = None, status: Status | None = None) -> tuple[ZKey, bytes]:
    """Add a contribution with a fresh secret (after checking the chain so far); returns the key and its hash."""
    say = status or _quiet
    say("checking the contributions so far")
    check_chain(zk)
    return _contribute(zk, transcript.rng_from_entropy(entropy), name, 0, None, say)


def beacon(zk: ZKey, beacon_hash: bytes, iterations_exp: int, name: str | None = None,
           status: Status | None = None) -> tuple[ZKey, bytes]:
    """Add the beacon: a contribution whose secret is derived from the public beacon hash."""
    say = status or _quiet
    check_chain(zk)
    rng = transcript.rng_from_beacon(beacon_hash, iterations_exp)
    return _contribute(zk, rng, name, 1, (bytes(beacon_hash), iterations_exp), say)


# --- verification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionSummary:
    index: int
    name: str | None
    kind: int
    hash: bytes
    beacon_hash: bytes | None
    iterations_exp: int | None


@dataclass(frozen=True)
class Report:
    cs_hash: bytes
    contributions: tuple[ContributionSummary, ...]
    phase1_challenge: bytes = b""

    @property
    def transcript_hash(self) -> bytes:
        """One value naming the whole setup of this circuit (a ledger's genesis records it).

        BLAKE2b-512 over the ptau's last challenge hash (which chains every
        phase-1 contribution), the circuit hash (the circuit and the phase-1
        points it uses) and each phase-2 contribution hash in order.
        """
        h = hashlib.blake2b()
        h.update(self.phase1_challenge)
        h.update(self.cs_hash)
        for c in self.contributions:
            h.update(c.hash)
        return h.digest()


def check_chain(zk: ZKey) -> tuple[ContributionSummary, ...]:
    """The contribution records alone (transcripts, proofs of knowledge, delta chain, beacons, header delta)."""
    delta = G1
    out = []
    for index, c in enumerate(zk.contributions, 1):
        label = f"contribution #{index}" + (f" ({c.name})" if c.name else "")

        def fail(what: str):
            raise InvalidTranscript(f"{label}: {what}", index)

        h = _transcript_hasher(zk, index - 1)
        h.update(enc.g1_to_u([c.g1_s, c.g1_sx]))
        if h.digest() != c.transcript:
            fail("its transcript hash does not match the records before it")
        if c.g1_s is None or c.g1_sx is None or c.delta_after is None or c.g2_spx is None:
            fail("a point of its record is the point at infinity")
        r = transcript.hash_to_g2(c.transcript)
        if not transcript.same_ratio(c.g1_s, c.g1_sx, r, c.g2_spx):
            fail("its proof of knowledge does not hold (s, s*x and r*x do not share x)")
        if not transcript.same_ratio(delta, c.delta_after, r, c.g2_spx):
            fail("its deltaAfter is not the previous delta times its secret")
        if c.kind == 1:
            rng = transcript.rng_from_beacon(c.beacon_hash, c.iterations_exp)
            x = transcript.fr_from_rng(rng)
            s = transcript.g1_from_rng(rng)
            if s != c.g1_s or curve.g1_mul(s, x) != c.g1_sx:
                fail("the beacon's key is not the one its beacon hash and iterations give")
        out.append(ContributionSummary(index, c.name, c.kind, contribution_hash(c), c.beacon_hash, c.iterations_exp))
        delta = c.delta_after
    if zk.delta_1 != delta:
        raise InvalidTranscript("the key's delta_1 is not the last contribution's deltaAfter", len(out) or None)
    if not transcript.same_ratio(G1, zk.delta_1, G2, zk.delta_2):
        raise InvalidTranscript("the key's delta_2 does not match its delta_1", len(out) or None)
    return tuple(out)


def _weights(count: int) -> list[int]:
    return [secrets.randbits(CHECK_BITS) for _ in range(count)]


def _row_weights(columns: Sequence[Sequence[tuple]], rho: Sequence[int], rows: int) -> list[int]:
    """s_c = sum_i rho_i M[c][i]: the combination of the Lagrange points that sum_i rho_i P_i must equal."""
    out = [0] * rows
    for weight, col in zip(rho, columns):
        for row, coeff in col:
            out[row] += weight * coeff
    return [v % R for v in out]


def _same_combination(group: int, points: list, columns, bases: list) -> bool:
    rho = _weights(len(points))
    left, right = _parallel.msm_pair(group, (points, rho), (bases, _row_weights(columns, rho, len(bases))))
    return left == right


def verify(zk: ZKey, shape: R1CS, p: Ptau, status: Status | None = None) -> Report:
    """Check the whole transcript against the circuit and the ptau; InvalidTranscript names what is wrong."""
    say = status or _quiet
    say("checking the contribution records")
    summaries = check_chain(zk)
    n = _domain_size(shape)
    if (zk.n_vars, zk.n_public, zk.domain_size) != (shape.n_variables, shape.n_public, n):
        raise InvalidTranscript(f"the zkey is for {zk.n_vars} wires, {zk.n_public} public, domain {zk.domain_size}; "
                                f"the circuit has {shape.n_variables}, {shape.n_public}, {n}")
    if zk.coeffs != coefficients_of(shape):
        raise InvalidTranscript("the zkey's A and B coefficients are not the circuit's")
    bases = _bases(p, n, say)
    if (zk.alpha_1, zk.beta_1, zk.beta_2, zk.gamma_2) != (bases.alpha_1, bases.beta_1, bases.beta_2, G2):
        raise InvalidTranscript("the zkey's alpha, beta or gamma are not the ptau's")
    say("checking that B2 is in G2")
    bad = _parallel.g2_outside_subgroup(zk.b2)
    if bad:
        raise InvalidTranscript(f"B2[{bad[0]}] is outside the prime-order subgroup")
    columns = _columns(shape)
    a_cols, b_cols, _ = columns
    say("checking A, B1 and B2 against the ptau")
    for name, group, points, cols, basis in (("A", 1, zk.a, a_cols, bases.tau_g1), ("B1", 1, zk.b1, b_cols, bases.tau_g1),
                                             ("B2", 2, zk.b2, b_cols, bases.tau_g2)):
        if not _same_combination(group, points, cols, basis):
            raise InvalidTranscript(f"the {name} points are not the circuit's (from the ptau)")
    say("rebuilding the IC and init L points")
    ic_l = _ic_and_l(columns, bases, say)
    ic, l_init = ic_l[: shape.n_public + 1], ic_l[shape.n_public + 1 :]
    if ic != list(zk.ic):
        raise InvalidTranscript("the IC points are not the circuit's (from the ptau)")
    cs_hash = circuit_hash((bases.alpha_1, bases.beta_1, bases.beta_2), ic, bases.h_monomial, l_init, zk.a, zk.b1, zk.b2)
    if cs_hash != zk.cs_hash:
        raise InvalidTranscript("the circuit hash does not match: the key was not made from this circuit and ptau")
    say("checking L and H against delta")
    rho = _weights(len(l_init))
    if l_init and not transcript.same_ratio(*_parallel.msm_pair(1, (l_init, rho), (zk.c, rho)), zk.delta_2, G2):
        raise InvalidTranscript("the L points are not the init key's divided by delta", len(summaries) or None)
    if not _h_matches(zk, bases, n):
        raise InvalidTranscript("the H points are not the ptau's divided by delta", len(summaries) or None)
    return Report(zk.cs_hash, summaries, last_challenge(p))


def _h_matches(zk: ZKey, bases: _Bases, n: int) -> bool:
    """sum_i rho_i [tau^i Z(tau)] (i < n - 1) against sum_j c_j H_j with c = FFT(-2 rho_i w_2n^i), via delta.

    P(X) = sum_i rho_i X^i Z(X) has degree < 2n - 1 and vanishes on the size-n
    domain; at the odd points w_2n^(2j+1), where Z = -2, it is c_j. So
    P(tau) = sum_j c_j L_(2j+1)(tau), and H_j = [L_(2j+1)(tau) / delta]_1.
    """
    from zkopt.poly import Domain

    rho = _weights(n - 1) + [0]
    w = Domain(2 * n).omega
    twisted = []
    acc = R - 2
    for weight in rho:
        twisted.append(weight * acc % R)
        acc = acc * w % R
    r1, r2 = _parallel.msm_pair(1, (bases.h_monomial, rho[:-1]), (zk.h, Domain(n).fft(twisted)))
    return transcript.same_ratio(r1, r2, zk.delta_2, G2)
