"""snarkjs' powers-of-tau file (``.ptau``, version 1, bn128): read, validate, write.

Sections (iden3 container; points in LEM storage encoding), for power p:

1. header: u32 n8 = 32, q (32 bytes LE), u32 power, u32 ceremonyPower
   (ceremonyPower > power for a file truncated from a bigger ceremony);
2. tau G1: [tau^i]_1, i < 2^(p+1) - 1;  3. tau G2: [tau^i]_2, i < 2^p;
4. alpha tau G1: [alpha tau^i]_1;  5. beta tau G1: [beta tau^i]_1 (i < 2^p);
6. beta G2: [beta]_2;
7. contributions: u32 count, then per contribution the first points
   after it (tau G1, tau G2, alpha G1, beta G1, beta G2), its public key
   (s, s*x in G1 for tau, alpha, beta, then s'*x in G2 for tau, alpha, beta),
   216 bytes of BLAKE2b state (the response hash before the key, see
   ``blake2``), the next challenge hash (64 bytes), u32 type, TLV parameters
   (as in .zkey records);
12-15 (``prepare phase2``): the Lagrange-basis forms of sections 2, 3, 4, 5:
   for each level m = 0..p (and p + 1 for tau G1) the 2^m points
   [L_j(tau)]_g of the size-2^m domain, level m starting at point 2^m - 1.

Reading checks the container, the header (BN254's q; 1 <= power <= 27),
every section size and the contribution records (canonical, on the curve,
G2 points in G2). The big point sections stay bytes until a caller decodes
a range (``g1``/``g2``), which validates that range. Failures raise
``MalformedKey`` with one line.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from zkopt import binfile, curve
from zkopt.curve import snarkjs_encoding as enc
from zkopt.errors import InvalidPoint, MalformedKey
from zkopt.groth16.zkey import params_bytes, parse_params

Q = curve.Q
TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1, BETA_G2, CONTRIBUTIONS = 2, 3, 4, 5, 6, 7
LAGRANGE = {TAU_G1: 12, TAU_G2: 13, ALPHA_TAU_G1: 14, BETA_TAU_G1: 15}
SECTIONS = (1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15)
#: Largest power read: the tau G1 Lagrange section goes to level power + 1 <= 28 (Fr's 2-adicity).
MAX_POWER = 27
NAMES = {TAU_G1: "tauG1", TAU_G2: "tauG2", ALPHA_TAU_G1: "alphaTauG1", BETA_TAU_G1: "betaTauG1", BETA_G2: "betaG2",
         12: "lagrange tauG1", 13: "lagrange tauG2", 14: "lagrange alphaTauG1", 15: "lagrange betaTauG1"}
PARTIAL_HASH_BYTES = 216


def section_points(kind: int, power: int) -> int:
    """How many points section ``kind`` holds at this power."""
    n = 1 << power
    return {TAU_G1: 2 * n - 1, TAU_G2: n, ALPHA_TAU_G1: n, BETA_TAU_G1: n, BETA_G2: 1,
            12: 4 * n - 1, 13: 2 * n - 1, 14: 2 * n - 1, 15: 2 * n - 1}[kind]


def is_g2(kind: int) -> bool:
    return kind in (TAU_G2, BETA_G2, 13)


@dataclass(frozen=True)
class PublicKey:
    """A contribution's proofs of knowledge: per secret (tau, alpha, beta) s, s*x in G1 and r*x in G2."""

    tau: tuple
    alpha: tuple
    beta: tuple

    def to_u(self) -> bytes:
        """The uncompressed public key as the response hash takes it (G1 pairs first, then the G2 points)."""
        return (enc.g1_to_u([self.tau[0], self.tau[1], self.alpha[0], self.alpha[1], self.beta[0], self.beta[1]])
                + enc.g2_to_u([self.tau[2], self.alpha[2], self.beta[2]]))

    def to_lem(self) -> bytes:
        return (enc.g1_to_lem([self.tau[0], self.tau[1], self.alpha[0], self.alpha[1], self.beta[0], self.beta[1]])
                + enc.g2_to_lem([self.tau[2], self.alpha[2], self.beta[2]]))


@dataclass(frozen=True)
class Contribution:
    """One phase-1 contribution record; ``kind`` 0 normal, 1 beacon."""

    tau_g1: tuple
    tau_g2: tuple
    alpha_g1: tuple
    beta_g1: tuple
    beta_g2: tuple
    key: PublicKey
    partial_hash: bytes
    next_challenge: bytes
    kind: int = 0
    name: str | None = None
    iterations_exp: int | None = None
    beacon_hash: bytes | None = None


@dataclass
class Ptau:
    """A powers-of-tau file: header, raw point sections (by section id) and contribution records."""

    power: int
    ceremony_power: int
    points: dict[int, bytes]
    contributions: list
    order: tuple = (1, 2, 3, 4, 5, 6, 7)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def prepared(self) -> bool:
        return all(k in self.points for k in LAGRANGE.values())

    def g1(self, kind: int, start: int = 0, count: int | None = None) -> list:
        """Points start..start+count of a G1 section, decoded and checked."""
        return self._decode(kind, start, count, subgroup=False)

    def g2(self, kind: int, start: int = 0, count: int | None = None, subgroup: bool = True) -> list:
        """Points of a G2 section, decoded, checked on the curve and (by default) in G2."""
        return self._decode(kind, start, count, subgroup)

    def _decode(self, kind: int, start: int, count: int | None, subgroup: bool) -> list:
        if kind not in self.points:
            raise MalformedKey(f"ptau file has no {NAMES[kind]} section ({kind}); run `ptau prepare` first"
                               if kind in LAGRANGE.values() else f"ptau file has no section {kind}")
        total = section_points(kind, self.power)
        count = total - start if count is None else count
        if start < 0 or count < 0 or start + count > total:
            raise MalformedKey(f"ptau {NAMES[kind]}: points {start}..{start + count} are beyond its {total}")
        key = (kind, start, count, subgroup)
        if key not in self._cache:
            size = enc.G2_SIZE if is_g2(kind) else enc.G1_SIZE
            data = self.points[kind][start * size : (start + count) * size]
            what = f"ptau {NAMES[kind]}"
            try:
                if is_g2(kind):
                    points = enc.g2_from_lem(data, what, subgroup=subgroup)
                else:
                    points = enc.g1_from_lem(data, what)
            except InvalidPoint as exc:
                raise MalformedKey(f"{exc} (counting from point {start})" if start else str(exc)) from None
            if len(self._cache) > 8:
                checked = self._cache.get("g2 checked", set())
                self._cache.clear()
                self._cache["g2 checked"] = checked
            self._cache[key] = points
        return self._cache[key]

    def check_g2_subgroup(self, kind: int, start: int = 0, count: int | None = None) -> None:
        """MalformedKey unless the G2 points of the range are in G2; a whole section is checked once per object."""
        from zkopt.ceremony import _parallel

        if kind in self._cache.setdefault("g2 checked", set()):
            return
        points = self.g2(kind, start, count, subgroup=False)
        bad = _parallel.g2_outside_subgroup(points)
        if bad:
            raise MalformedKey(f"ptau {NAMES[kind]}[{start + bad[0]}] is outside the prime-order subgroup")
        if start == 0 and len(points) == section_points(kind, self.power):
            self._cache["g2 checked"].add(kind)

    def lagrange_g1(self, kind: int, size: int) -> list:
        """The size-``size`` Lagrange points of a prepared G1 section (tau, alpha tau or beta tau)."""
        return self.g1(LAGRANGE[kind], size - 1, size)

    def lagrange_g2(self, size: int, subgroup: bool = True) -> list:
        return self.g2(LAGRANGE[TAU_G2], size - 1, size, subgroup)


# --- reading ---------------------------------------------------------------------------------------


def _contribution(reader: binfile.SectionReader, index: int) -> Contribution:
    where = f"ptau contribution #{index + 1}"
    raw = bytes(reader.take(64 + 128 + 64 + 64 + 128 + 6 * 64 + 3 * 128, f"{where} points"))
    try:
        tau_g1 = enc.g1_from_lem(raw[0:64], f"{where} tauG1")[0]
        tau_g2 = enc.g2_from_lem(raw[64:192], f"{where} tauG2")[0]
        alpha_g1 = enc.g1_from_lem(raw[192:256], f"{where} alphaG1")[0]
        beta_g1 = enc.g1_from_lem(raw[256:320], f"{where} betaG1")[0]
        beta_g2 = enc.g2_from_lem(raw[320:448], f"{where} betaG2")[0]
        g1s = enc.g1_from_lem(raw[448:832], f"{where} key (G1 points)")
        g2s = enc.g2_from_lem(raw[832:1216], f"{where} key (G2 points)")
    except InvalidPoint as exc:
        raise MalformedKey(str(exc)) from None
    key = PublicKey((g1s[0], g1s[1], g2s[0]), (g1s[2], g1s[3], g2s[1]), (g1s[4], g1s[5], g2s[2]))
    partial = bytes(reader.take(PARTIAL_HASH_BYTES, f"{where} hash state"))
    challenge = bytes(reader.take(64, f"{where} next challenge"))
    kind = reader.u32(f"{where} type")
    name, iterations, beacon = parse_params(reader, kind, where)
    return Contribution(tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2, key, partial, challenge, kind, name,
                        iterations, beacon)


def loads(data: bytes) -> Ptau:
    """Parse a .ptau; raises MalformedKey with a one-line reason."""
    parsed = binfile.parse(data, "ptau", (1,), SECTIONS, MalformedKey)
    header = parsed.reader(1, "header")
    binfile.read_prime(header, Q, "q")
    power = header.u32("power")
    ceremony_power = header.u32("ceremony power")
    header.done()
    if not 1 <= power <= MAX_POWER:
        raise MalformedKey(f"ptau power {power} is outside [1, {MAX_POWER}]")
    if ceremony_power < power:
        raise MalformedKey(f"ptau ceremony power {ceremony_power} is below its power {power}")
    points = {}
    for kind in (TAU_G1, TAU_G2, ALPHA_TAU_G1, BETA_TAU_G1, BETA_G2, *LAGRANGE.values()):
        if kind not in parsed.sections:
            if kind < 12:
                raise MalformedKey(f"ptau file has no {NAMES[kind]} section ({kind})")
            continue
        size = section_points(kind, power) * (enc.G2_SIZE if is_g2(kind) else enc.G1_SIZE)
        if len(parsed.sections[kind]) != size:
            raise MalformedKey(f"ptau {NAMES[kind]} section holds {len(parsed.sections[kind])} bytes, "
                               f"expected {section_points(kind, power)} points ({size} bytes) at power {power}")
        points[kind] = bytes(parsed.sections[kind])
    lagrange = [k for k in LAGRANGE.values() if k in points]
    if lagrange and len(lagrange) != 4:
        raise MalformedKey("ptau file has some but not all of the prepared (Lagrange) sections 12-15")
    reader = parsed.reader(CONTRIBUTIONS, "contributions")
    contributions = [_contribution(reader, i) for i in range(reader.u32("contribution count"))]
    reader.done()
    return Ptau(power, ceremony_power, points, contributions, tuple(parsed.order))


def read(path: str | Path) -> Ptau:
    return loads(binfile.read(path, "ptau", MalformedKey))


# --- writing ---------------------------------------------------------------------------------------


def contribution_bytes(c: Contribution) -> bytes:
    return (enc.g1_to_lem([c.tau_g1]) + enc.g2_to_lem([c.tau_g2]) + enc.g1_to_lem([c.alpha_g1, c.beta_g1])
            + enc.g2_to_lem([c.beta_g2]) + c.key.to_lem() + c.partial_hash + c.next_challenge
            + struct.pack("<I", c.kind) + params_bytes(c.kind, c.name, c.iterations_exp, c.beacon_hash))


def header_bytes(power: int, ceremony_power: int) -> bytes:
    return binfile.prime_bytes(Q) + struct.pack("<II", power, ceremony_power)


def dumps(p: Ptau) -> bytes:
    bodies = dict(p.points)
    bodies[1] = header_bytes(p.power, p.ceremony_power)
    bodies[CONTRIBUTIONS] = struct.pack("<I", len(p.contributions)) + b"".join(
        contribution_bytes(c) for c in p.contributions)
    return binfile.dumps("ptau", 1, [(k, bodies[k]) for k in p.order])


def write(p: Ptau, path: str | Path) -> None:
    Path(path).write_bytes(dumps(p))
