"""Phase 1, the powers of tau, as snarkjs runs it: new, contribute, beacon, verify, prepare for phase 2.

A contribution with secrets (t, a, b) maps the accumulator
``[tau^i]_1, [tau^i]_2, [alpha tau^i]_1, [beta tau^i]_1, [beta]_2`` to the one of
(t tau, a alpha, b beta): point i of each section times t^i (times a or b).
It publishes, per secret x, s and s x in G1 and r x in G2 with
r = hash_to_g2(BLAKE2b(personalisation 0/1/2 || challenge || s || s x)), where
the challenge is the previous contribution's ``next_challenge`` (the first
one hashes the empty accumulator). The response hash (BLAKE2b over the
challenge, the new points compressed and the public key) is what a
contributor publishes; the next challenge hashes the response hash and the
new points uncompressed.

``verify`` checks each contribution's proofs of knowledge and that its first
points follow from the previous ones by the same secrets; then that the
final sections are geometric sequences in tau (batched with 128-bit random
weights, where snarkjs uses 32 bits), that their first points are the last
record's, that the next challenge hashes them, and, for a prepared file, that
every Lagrange level is the inverse FFT of the powers (all levels of a section
in one random combination). ``prepare`` computes those Lagrange levels with
group FFTs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkopt import curve, field
from zkopt.ceremony import _parallel, transcript
from zkopt.ceremony.blake2 import Blake2b
from zkopt.ceremony.ptau import (ALPHA_TAU_G1, BETA_G2, BETA_TAU_G1, LAGRANGE, NAMES, TAU_G1, TAU_G2, Contribution,
                                 Ptau, PublicKey, section_points)
from zkopt.curve import snarkjs_encoding as enc
from zkopt.errors import InvalidTranscript, MalformedKey

R = field.R
G1, G2 = curve.G1_GENERATOR, curve.G2_GENERATOR
POINT_SECTIONS = (TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1, BETA_G2)
#: Random weights of the batched checks have this many bits (snarkjs: 32).
CHECK_BITS = 128
Status = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _is_g2(kind: int) -> bool:
    return kind in (TAU_G2, BETA_G2)


# --- hashes --------------------------------------------------------------------------------------


def first_challenge(power: int) -> bytes:
    """The challenge of the first contribution: BLAKE2b over BLAKE2b("") and the accumulator of generators."""
    g1, g2 = enc.g1_to_u([G1]), enc.g2_to_u([G2])
    n = 1 << power
    h = hashlib.blake2b()
    h.update(hashlib.blake2b().digest())
    for point, count in ((g1, 2 * n - 1), (g2, n), (g1, n), (g1, n), (g2, 1)):
        h.update(point * count)
    return h.digest()


def _next_challenge(response_hash: bytes, sections: dict[int, list]) -> bytes:
    h = hashlib.blake2b()
    h.update(response_hash)
    for kind in POINT_SECTIONS:
        h.update((enc.g2_to_u if _is_g2(kind) else enc.g1_to_u)(sections[kind]))
    return h.digest()


def _chunked_compressed(kind: int, points: list):
    """The compressed points of a section in snarkjs' update chunks (2^20 bytes of stored points each)."""
    step = (1 << 20) // (enc.G2_SIZE if _is_g2(kind) else enc.G1_SIZE)
    encode = enc.g2_to_c if _is_g2(kind) else enc.g1_to_c
    for i in range(0, len(points), step):
        yield encode(points[i : i + step])


def response_hash(partial_state: bytes, key: PublicKey) -> bytes:
    """A record's response hash: its saved BLAKE2b state, finished with its public key."""
    try:
        hasher = Blake2b.from_state(partial_state)
    except ValueError as exc:
        raise InvalidTranscript(f"the saved response-hash state is unusable: {exc}") from None
    return hasher.update(key.to_u()).digest()


def _key_hash_to_g2(personalisation: int, challenge: bytes, g1_s, g1_sx):
    h = hashlib.blake2b()
    h.update(bytes([personalisation]) + challenge + enc.g1_to_u([g1_s, g1_sx]))
    return transcript.hash_to_g2(h.digest())


# --- keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Secrets:
    tau: int
    alpha: int
    beta: int
    key: PublicKey


def _make_key(challenge: bytes, rng: transcript.ChaCha) -> _Secrets:
    """Secrets and public key drawn as snarkjs' createPTauKey draws them: three scalars, then each s."""
    return key_for([transcript.fr_from_rng(rng) for _ in range(3)], challenge, rng)


def key_for(xs: Sequence[int], challenge: bytes, rng: transcript.ChaCha) -> _Secrets:
    """The public key (s, s x, r x per secret) of secrets (tau, alpha, beta) answering ``challenge``."""
    parts = []
    for personalisation, x in enumerate(xs):
        s = transcript.g1_from_rng(rng)
        sx = curve.g1_mul(s, x)
        parts.append((s, sx, curve.g2_mul(_key_hash_to_g2(personalisation, challenge, s, sx), x)))
    return _Secrets(*xs, PublicKey(*parts))


def _powers(x: int, count: int, start: int = 1) -> list[int]:
    out = []
    acc = start % R
    for _ in range(count):
        out.append(acc)
        acc = acc * x % R
    return out


# --- new, contribute, beacon -----------------------------------------------------------------------


def new(power: int) -> Ptau:
    """The empty accumulator (tau = alpha = beta = 1): every point a generator, no contribution."""
    if not 1 <= power <= 27:
        raise MalformedKey(f"a powers-of-tau power must be in [1, 27], got {power}")
    n = 1 << power
    g1, g2 = enc.g1_to_lem([G1]), enc.g2_to_lem([G2])
    points = {TAU_G1: g1 * (2 * n - 1), TAU_G2: g2 * n, ALPHA_TAU_G1: g1 * n, BETA_TAU_G1: g1 * n, BETA_G2: g2}
    return Ptau(power, power, points, [])


def _current_points(p: Ptau, status: Status) -> dict[int, list]:
    """Sections 2-6 decoded; G2 points must be in G2 (a contributor must not multiply small-order parts)."""
    out = {}
    for kind in POINT_SECTIONS:
        status(f"reading {NAMES[kind]}")
        if _is_g2(kind):
            p.check_g2_subgroup(kind)
            points = p.g2(kind, subgroup=False)
        else:
            points = p.g1(kind)
        out[kind] = points
    if out[TAU_G1][0] != G1 or out[TAU_G2][0] != G2:
        raise MalformedKey("ptau: the first tau points must be the generators")
    return out


def last_challenge(p: Ptau) -> bytes:
    """The challenge the next contribution answers; it chains every contribution so far (it names the ceremony)."""
    return p.contributions[-1].next_challenge if p.contributions else first_challenge(p.ceremony_power)


def _contribute(p: Ptau, rng: transcript.ChaCha, name: str | None, kind: int, beacon: tuple | None,
                status: Status) -> tuple[Ptau, bytes]:
    if p.power != p.ceremony_power:
        raise MalformedKey(f"this ptau was truncated from a power-{p.ceremony_power} ceremony: "
                           "contribute to the full file")
    status("checking the current accumulator")
    current = _current_points(p, status)
    challenge = last_challenge(p)
    key = _make_key(challenge, rng)
    n = 1 << p.power
    t_powers = _powers(key.tau, 2 * n - 1)
    scalars = {TAU_G1: t_powers, TAU_G2: t_powers[:n], ALPHA_TAU_G1: [key.alpha * t % R for t in t_powers[:n]],
               BETA_TAU_G1: [key.beta * t % R for t in t_powers[:n]], BETA_G2: [key.beta]}
    new_points = {}
    for section in POINT_SECTIONS:
        status(f"applying the secrets to {NAMES[section]} ({len(current[section]):,} points)")
        new_points[section] = _parallel.mul_each(2 if _is_g2(section) else 1, current[section], scalars[section])
    return with_record(p, challenge, key, new_points, kind, name, beacon, status)


def with_record(p: Ptau, challenge: bytes, key: _Secrets, new_points: dict[int, list], kind: int = 0,
                name: str | None = None, beacon: tuple | None = None,
                status: Status = _quiet) -> tuple[Ptau, bytes]:
    """The accumulator ``new_points`` with the record of the contribution (``key``) that made it from ``p``."""
    status("hashing the response")
    hasher = Blake2b().update(challenge)
    for section in POINT_SECTIONS:
        for chunk in _chunked_compressed(section, new_points[section]):
            hasher.update(chunk)
    partial = hasher.state()
    response = hasher.update(key.key.to_u()).digest()
    record = Contribution(
        tau_g1=new_points[TAU_G1][1], tau_g2=new_points[TAU_G2][1], alpha_g1=new_points[ALPHA_TAU_G1][0],
        beta_g1=new_points[BETA_TAU_G1][0], beta_g2=new_points[BETA_G2][0], key=key.key, partial_hash=partial,
        next_challenge=_next_challenge(response, new_points), kind=kind, name=name,
        iterations_exp=beacon[1] if beacon else None, beacon_hash=beacon[0] if beacon else None,
    )
    stored = {k: (enc.g2_to_lem if _is_g2(k) else enc.g1_to_lem)(v) for k, v in new_points.items()}
    return Ptau(p.power, p.power, stored, [*p.contributions, record]), response


def contribute(p: Ptau, entropy: str, name: str | None = None, status: Status | None = None) -> tuple[Ptau, bytes]:
    """Add a contribution with fresh secrets; returns the new accumulator (unprepared) and its response hash."""
    return _contribute(p, transcript.rng_from_entropy(entropy), name, 0, None, status or _quiet)


def beacon(p: Ptau, beacon_hash: bytes, iterations_exp: int, name: str | None = None,
           status: Status | None = None) -> tuple[Ptau, bytes]:
    """Add the beacon: a contribution whose secrets anyone re-derives from the public beacon."""
    rng = transcript.rng_from_beacon(beacon_hash, iterations_exp)
    return _contribute(p, rng, name, 1, (bytes(beacon_hash), iterations_exp), status or _quiet)


# --- verify -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionSummary:
    """What a verifier prints per contribution, for contributors to find theirs."""

    index: int
    name: str | None
    kind: int
    response_hash: bytes
    next_challenge: bytes
    beacon_hash: bytes | None
    iterations_exp: int | None


@dataclass(frozen=True)
class Report:
    power: int
    ceremony_power: int
    prepared: bool
    contributions: tuple[ContributionSummary, ...]


def _check_record(cur: Contribution, prev: tuple, challenge: bytes, index: int) -> None:
    """One contribution against the previous first points (tauG1[1], tauG2[1], alphaG1, betaG1, betaG2)."""
    label = f"contribution #{index}" + (f" ({cur.name})" if cur.name else "")

    def fail(what: str):
        raise InvalidTranscript(f"{label}: {what}", index)

    if cur.kind == 1:
        expected = _make_key(challenge, transcript.rng_from_beacon(cur.beacon_hash, cur.iterations_exp)).key
        if expected != cur.key:
            fail("the beacon's key is not the one its beacon hash and iterations give")
    rs = [_key_hash_to_g2(i, challenge, part[0], part[1]) for i, part in enumerate((cur.key.tau, cur.key.alpha,
                                                                                     cur.key.beta))]
    for (s, sx, spx), r, secret in zip((cur.key.tau, cur.key.alpha, cur.key.beta), rs, ("tau", "alpha", "beta")):
        if not transcript.same_ratio(s, sx, r, spx):
            fail(f"the proof of knowledge of {secret} does not hold")
    prev_tau_g1, prev_tau_g2, prev_alpha, prev_beta, prev_beta_g2 = prev
    (tau_s, tau_sx, tau_spx), (_, _, alpha_spx), (beta_s, beta_sx, beta_spx) = cur.key.tau, cur.key.alpha, cur.key.beta
    checks = (
        ("tau*G1 does not follow the previous contribution", (prev_tau_g1, cur.tau_g1, rs[0], tau_spx)),
        ("tau*G2 does not follow the previous contribution", (tau_s, tau_sx, prev_tau_g2, cur.tau_g2)),
        ("alpha*G1 does not follow the previous contribution", (prev_alpha, cur.alpha_g1, rs[1], alpha_spx)),
        ("beta*G1 does not follow the previous contribution", (prev_beta, cur.beta_g1, rs[2], beta_spx)),
        ("beta*G2 does not follow the previous contribution", (beta_s, beta_sx, prev_beta_g2, cur.beta_g2)),
    )
    for what, args in checks:
        if not transcript.same_ratio(*args):
            fail(what)


def _weights(count: int) -> list[int]:
    return [secrets.randbits(CHECK_BITS) for _ in range(count)]


def _group(kind: int) -> int:
    return 2 if _is_g2(kind) else 1


def _geometric(kind: int, points: list) -> tuple:
    """(sum rho_i P_i, sum rho_i P_(i+1)): equal ratio tau for every i iff they have ratio tau (w.h.p.)."""
    rho = _weights(len(points) - 1)
    return _parallel.msm_pair(_group(kind), (points[:-1], rho), (points[1:], rho))


def verify(p: Ptau, status: Status | None = None) -> Report:
    """Check the whole file; raise InvalidTranscript naming the first bad contribution or section."""
    say = status or _quiet
    if not p.contributions:
        raise InvalidTranscript("the file has no contribution: its tau, alpha and beta are 1, known to everyone")
    prev = (G1, G2, G1, G1, G2)
    challenge = first_challenge(p.ceremony_power)
    summaries = []
    for index, cur in enumerate(p.contributions, 1):
        say(f"checking contribution #{index}")
        _check_record(cur, prev, challenge, index)
        summaries.append(ContributionSummary(index, cur.name, cur.kind, response_hash(cur.partial_hash, cur.key),
                                             cur.next_challenge, cur.beacon_hash, cur.iterations_exp))
        prev = (cur.tau_g1, cur.tau_g2, cur.alpha_g1, cur.beta_g1, cur.beta_g2)
        challenge = cur.next_challenge
    last = p.contributions[-1]
    points = _current_points(p, say)
    say("checking that the sections are powers of tau")
    if points[TAU_G1][1] != last.tau_g1 or points[TAU_G2][1] != last.tau_g2:
        raise InvalidTranscript("the second tau points do not match the last contribution")
    if points[ALPHA_TAU_G1][0] != last.alpha_g1 or points[BETA_TAU_G1][0] != last.beta_g1:
        raise InvalidTranscript("the first alpha/beta points do not match the last contribution")
    if points[BETA_G2][0] != last.beta_g2:
        raise InvalidTranscript("betaG2 does not match the last contribution")
    for kind in (TAU_G1, ALPHA_TAU_G1, BETA_TAU_G1):
        r1, r2 = _geometric(kind, points[kind])
        if not transcript.same_ratio(r1, r2, G2, last.tau_g2):
            raise InvalidTranscript(f"the {NAMES[kind]} section is not a sequence of powers of tau")
    r1, r2 = _geometric(TAU_G2, points[TAU_G2])
    if not transcript.same_ratio(G1, last.tau_g1, r1, r2):
        raise InvalidTranscript("the tauG2 section is not a sequence of powers of tau")
    if p.power == p.ceremony_power:
        if _next_challenge(summaries[-1].response_hash, points) != last.next_challenge:
            raise InvalidTranscript("the points do not hash to the last contribution's next challenge", len(summaries))
    if p.prepared:
        for kind in (TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1):
            say(f"checking the prepared (Lagrange) form of {NAMES[kind]}")
            _check_lagrange(p, kind, points[kind])
    return Report(p.power, p.ceremony_power, p.prepared, tuple(summaries))


def _levels(kind: int, power: int) -> range:
    return range(power + 2) if kind == TAU_G1 else range(power + 1)


def _check_lagrange(p: Ptau, kind: int, monomial: list) -> None:
    """sum over levels m of (sum_j c_m,j L_m,j - sum_i IFFT(c_m)_i P_i) = 0, for independent random c_m.

    Level m's Lagrange points are L_j = (1/2^m) sum_i w^(-ij) P_i (P_i = [tau^i]; tau G1's
    top level lacks its last power), so sum_j c_j L_j = sum_i IFFT(c)_i P_i for any c. A wrong
    point of L makes the difference a non-zero linear form in the 128-bit weights c, zero
    with probability 2^-128; one MSM per side covers every level.
    """
    g2 = _is_g2(kind)
    lag_kind = LAGRANGE[kind]
    if g2:
        p.check_g2_subgroup(lag_kind)
    lagrange = p.g2(lag_kind, subgroup=False) if g2 else p.g1(lag_kind)
    from zkopt.poly import Domain  # numpy: only for a prepared file's check

    mono_scalars = [0] * len(monomial)
    lag_scalars = []
    for m in _levels(kind, p.power):
        c = _weights(1 << m)
        lag_scalars += c
        for i, v in enumerate(Domain(1 << m).ifft(c)[: len(monomial)]):
            mono_scalars[i] += v
    mono = [s % R for s in mono_scalars]
    mono_sum, lag_sum = _parallel.msm_pair(_group(kind), (monomial, mono), (lagrange, lag_scalars))
    if mono_sum != lag_sum:
        raise InvalidTranscript(f"the prepared {NAMES[lag_kind]} section is not the Lagrange form of {NAMES[kind]}")


# --- prepare ----------------------------------------------------------------------------------------


def _group_ifft(group: int, points: list) -> list:
    """[L_j(tau)] = (1/n) sum_i w^(-ij) [tau^i] for the size-n domain: radix-2 butterflies in the group."""
    from zkopt.poly import Domain

    n = len(points)
    if n == 1:
        return list(points)
    add = curve.g1_add if group == 1 else curve.g2_add
    neg = curve.g1_neg if group == 1 else curve.g2_neg
    mul_each = curve.g1_mul_each if group == 1 else curve.g2_mul_each
    domain = Domain(n)
    log = domain.log_size
    rev = [int(f"{i:0{log}b}"[::-1], 2) for i in range(n)]
    a = [points[rev[i]] for i in range(n)]
    m = 1
    while m < n:
        w = pow(domain.omega_inv, n // (2 * m), R)
        last = 2 * m == n
        # the last layer folds the 1/n into its twiddles and scales the upper inputs itself
        twiddles = [pow(w, j, R) * (domain.size_inv if last else 1) % R for j in range(m)]
        slots = [(k + j, twiddles[j]) for k in range(0, n, 2 * m) for j in range(m)]
        products = mul_each([a[i + m] for i, _ in slots], [t for _, t in slots])
        if last:
            a[:m] = mul_each(a[:m], [domain.size_inv] * m)
        for (i, _), t in zip(slots, products):
            a[i], a[i + m] = add(a[i], t), add(a[i], neg(t))
        m *= 2
    return a


def _lagrange_level(kind: int, power: int, m: int, data: bytes) -> bytes:
    group = _group(kind)
    decode = (lambda d: enc.g2_from_lem(d, NAMES[kind], subgroup=False)) if group == 2 else (
        lambda d: enc.g1_from_lem(d, NAMES[kind]))
    points = decode(data)
    points += [None] * ((1 << m) - len(points))  # tau G1's top level lacks its last power
    return (enc.g2_to_lem if group == 2 else enc.g1_to_lem)(_group_ifft(group, points))


def _level_cost(kind: int, m: int) -> float:
    return (2.5 if _is_g2(kind) else 1.0) * (m + 1) * (1 << m)


def prepare(p: Ptau, status: Status | None = None) -> Ptau:
    """Add sections 12-15, the Lagrange forms of every level; the levels run on two processes."""
    say = status or _quiet
    _current_points(p, say)  # validates every point (and G2 subgroups) before the long run
    jobs = []
    for kind in (TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1):
        size = enc.G2_SIZE if _is_g2(kind) else enc.G1_SIZE
        for m in _levels(kind, p.power):
            count = min(1 << m, section_points(kind, p.power))
            jobs.append((kind, p.power, m, p.points[kind][: count * size]))
    say(f"computing {len(jobs)} Lagrange levels (group FFTs up to 2^{p.power + 1} points)")
    order = sorted(range(len(jobs)), key=lambda i: -_level_cost(jobs[i][0], jobs[i][2]))
    mine, theirs, load = [], [], [0.0, 0.0]
    for i in order:  # greedy: the next biggest level goes to the less loaded process
        side = 0 if load[0] <= load[1] else 1
        (mine, theirs)[side].append(i)
        load[side] += _level_cost(jobs[i][0], jobs[i][2])
    if _parallel.enabled(1 << p.power):
        results = _parallel.run_split(_run_levels, [([jobs[i] for i in mine],), ([jobs[i] for i in theirs],)])
    else:
        results = [_run_levels([jobs[i] for i in mine]), _run_levels([jobs[i] for i in theirs])]
    by_job = dict(zip(mine + theirs, results[0] + results[1]))
    points = dict(p.points)
    for kind, lag in LAGRANGE.items():
        points[lag] = b"".join(by_job[i] for i, job in enumerate(jobs) if job[0] == kind)
    return Ptau(p.power, p.ceremony_power, points, list(p.contributions), (1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15))


def _run_levels(jobs: Sequence[tuple]) -> list[bytes]:
    return [_lagrange_level(*job) for job in jobs]
