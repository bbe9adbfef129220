"""snarkjs' Groth16 proving-key file (``.zkey``, version 1, bn128): read, validate, write, turn into a ProvingKey.

Sections (iden3 container, see ``zkopt.binfile``; points in the LEM storage
encoding of ``zkopt.curve.snarkjs_encoding``):

1. protocol: u32 1 (Groth16);
2. header: u32 n8q, q, u32 n8r, r, u32 nVars, u32 nPublic, u32 domainSize,
   then alpha_1, beta_1 (G1), beta_2, gamma_2 (G2), delta_1 (G1), delta_2 (G2);
3. IC: nPublic + 1 points [beta u_i + alpha v_i + w_i]_1 (gamma = 1);
4. coefficients: u32 count, then (u32 matrix 0 = A | 1 = B, u32 row, u32 wire,
   value * 2^512 mod r as 32 bytes LE) with one extra A row per public wire;
5. A: [u_i(tau)]_1; 6. B1: [v_i(tau)]_1; 7. B2: [v_i(tau)]_2 (all wires);
8. C ("L"): [(beta u_i + alpha v_i + w_i) / delta]_1 for the private wires;
9. H: the odd Lagrange points of the size-2n domain over delta,
   [L_(2j+1)(tau) / delta]_1, j < n (the prover evaluates on that coset);
10. MPC parameters: the circuit hash (64 bytes), u32 count, then per
    contribution deltaAfter, s, s*x (G1), s'*x (G2), transcript (64 bytes),
    u32 type (0 normal, 1 beacon), u32 length, sorted TLV parameters
    (1 name: u8 length + UTF-8; 2 numIterationsExp: u8; 3 beacon hash: u8
    length + bytes).

``snarkjs zkey new`` writes the sections in the order 1 2 4 3 9 8 5 6 7 10,
``zkey contribute`` and ``beacon`` in numeric order; a ZKey remembers its order
so that unchanged files round-trip byte for byte.

Reading is strict: the primes must be BN254's, every size must match the
header, every coordinate and coefficient must be canonical, every point on its
curve; the header's G2 points and contribution G2 points must be in G2 (the
B2 section's subgroup check is ``check_b2_subgroup``, run by verification).
Failures raise ``MalformedKey`` with one line.
"""

from __future__ import annotations

import dataclasses
import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zkopt import binfile, curve
from zkopt.curve import snarkjs_encoding as enc
from zkopt.errors import InvalidPoint, MalformedKey
from zkopt.groth16.keys import ProvingKey, VerifyingKey
from zkopt.field import R

Q = curve.Q
PROTOCOL_GROTH16 = 1
SECTIONS = tuple(range(1, 11))
#: Section order of ``snarkjs zkey new`` (the init key) and of contribute / beacon.
NEW_ORDER = (1, 2, 4, 3, 9, 8, 5, 6, 7, 10)
CONTRIBUTE_ORDER = SECTIONS
MAX_DOMAIN = 1 << 27

#: Coefficients are stored as c * 2^512 mod r ("double Montgomery"), read back with the inverse.
COEFF_FACTOR = pow(2, 512, R)
COEFF_FACTOR_INV = pow(COEFF_FACTOR, -1, R)

_COUNTS = struct.Struct("<III")
_COEFF = struct.Struct("<III32s")
#: TLV parameter tags of a contribution record.
PARAM_NAME, PARAM_ITERATIONS, PARAM_BEACON_HASH = 1, 2, 3
#: snarkjs keeps the first 64 UTF-16 code units of a contributor's name.
NAME_UNITS = 64


@dataclass(frozen=True)
class Contribution:
    """One phase-2 contribution record (section 10); ``kind`` 0 normal, 1 beacon."""

    delta_after: tuple | None
    g1_s: tuple | None
    g1_sx: tuple | None
    g2_spx: tuple | None
    transcript: bytes
    kind: int = 0
    name: str | None = None
    iterations_exp: int | None = None
    beacon_hash: bytes | None = None

    def public_key_bytes(self) -> bytes:
        """U(deltaAfter) || U(s) || U(sx) || U(spx) || transcript: what transcripts and contribution hashes hash."""
        return enc.g1_to_u([self.delta_after, self.g1_s, self.g1_sx]) + enc.g2_to_u([self.g2_spx]) + self.transcript


def truncate_name(name: str) -> str:
    """snarkjs' ``name.substring(0, 64)``: the first 64 UTF-16 code units (never splitting a surrogate pair)."""
    units = name.encode("utf-16-le")
    if len(units) <= 2 * NAME_UNITS:
        return name
    cut = units[: 2 * NAME_UNITS]
    return cut.decode("utf-16-le", errors="ignore")


def params_bytes(kind: int, name: str | None, iterations_exp: int | None, beacon_hash: bytes | None) -> bytes:
    """The sorted TLV parameters of a contribution record (shared with .ptau records)."""
    out = bytearray()
    if name:
        data = truncate_name(name).encode("utf-8")
        out += bytes([PARAM_NAME, len(data)]) + data
    if kind == 1:
        out += bytes([PARAM_ITERATIONS, iterations_exp, PARAM_BEACON_HASH, len(beacon_hash)]) + beacon_hash
    return struct.pack("<I", len(out)) + bytes(out)


def parse_params(reader: binfile.SectionReader, kind: int, where: str) -> tuple:
    """(name, iterations_exp, beacon_hash) from a record's TLV parameters; strict about order and kind."""
    length = reader.u32(f"{where} parameter length")
    params = binfile.SectionReader(reader.take(length, f"{where} parameters"), f"{where} parameters", reader.error)
    name = iterations = beacon = None
    last = 0
    while params.remaining():
        tag = params.u8("parameter tag")
        if tag <= last:
            raise reader.error(f"{where}: parameters are not sorted or repeat (tag {tag} after {last})")
        last = tag
        if tag == PARAM_NAME:
            raw = bytes(params.take(params.u8("name length"), "name"))
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise reader.error(f"{where}: the contributor name is not UTF-8") from None
        elif tag == PARAM_ITERATIONS:
            iterations = params.u8("iteration exponent")
        elif tag == PARAM_BEACON_HASH:
            beacon = bytes(params.take(params.u8("beacon hash length"), "beacon hash"))
        else:
            raise reader.error(f"{where}: unknown parameter tag {tag}")
    if kind == 1:
        if iterations is None or not beacon:
            raise reader.error(f"{where}: a beacon record needs its iteration exponent and beacon hash")
        if not 10 <= iterations <= 63:
            raise reader.error(f"{where}: beacon iteration exponent {iterations} is outside [10, 63]")
    elif kind == 0:
        if iterations is not None or beacon is not None:
            raise reader.error(f"{where}: a normal contribution carries beacon parameters")
    else:
        raise reader.error(f"{where}: unknown contribution type {kind}")
    return name, iterations, beacon


def _g1(data, what: str, allow_infinity: bool = True):
    return enc.g1_from_lem(data, what, allow_infinity=allow_infinity)


def _g2(data, what: str, subgroup: bool = True, allow_infinity: bool = True):
    return enc.g2_from_lem(data, what, subgroup=subgroup, allow_infinity=allow_infinity)


@dataclass
class ZKey:
    """A Groth16 .zkey: header, coefficient list, point sections and the MPC transcript.

    ``coeffs`` holds (matrix, row, wire, value) with values in standard form.
    Read from a file, the coefficients and point lists are ``Section``s, decoded
    (and checked) on first use.
    Point lists use zkopt's affine tuples (None = infinity). ``raw`` keeps the
    stored bytes of sections not changed since reading, so writing copies them.
    """

    n_vars: int
    n_public: int
    domain_size: int
    alpha_1: tuple
    beta_1: tuple
    beta_2: tuple
    gamma_2: tuple
    delta_1: tuple
    delta_2: tuple
    ic: list
    coeffs: list
    a: list
    b1: list
    b2: list
    c: list
    h: list
    cs_hash: bytes
    contributions: list
    order: tuple = NEW_ORDER
    raw: dict = field(default_factory=dict, repr=False)

    def replace(self, **changes) -> ZKey:
        """A copy with some fields changed; stored bytes of the sections they touch are dropped."""
        touched = {"ic": 3, "coeffs": 4, "a": 5, "b1": 6, "b2": 7, "c": 8, "h": 9}
        raw = {k: v for k, v in self.raw.items() if k not in {touched[f] for f in changes if f in touched}}
        return dataclasses.replace(self, raw=raw, **changes)

    @property
    def power(self) -> int:
        return self.domain_size.bit_length() - 1

    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey(alpha_g1=self.alpha_1, beta_g2=self.beta_2, gamma_g2=self.gamma_2,
                            delta_g2=self.delta_2, ic=tuple(self.ic))

    def check_b2_subgroup(self) -> None:
        """Raise MalformedKey unless every B2 point is in G2 (reading checks only that they are on the curve)."""
        for i, point in enumerate(self.b2):
            if point is not None and not curve.is_in_subgroup_g2(point):
                raise MalformedKey(f"zkey B2[{i}] is outside the prime-order subgroup")

    def matrices(self) -> tuple[list, list]:
        """The A and B rows (domain_size of them) as lists of (wire, value), from the coefficient section."""
        rows = ([[] for _ in range(self.domain_size)], [[] for _ in range(self.domain_size)])
        for matrix, row, wire, value in self.coeffs:
            rows[matrix][row].append((wire, value))
        return rows

    def to_proving_key(self, circuit: str = "zkey", params: dict | None = None, r1cs_digest: bytes = b"") -> ProvingKey:
        """The prover's view of this key (its H points are snarkjs' odd-coset Lagrange points)."""
        return ProvingKey(
            circuit=circuit,
            params=dict(params or {}),
            r1cs_digest=r1cs_digest,
            domain_size=self.domain_size,
            n_variables=self.n_vars,
            n_public=self.n_public,
            alpha_g1=self.alpha_1,
            beta_g1=self.beta_1,
            beta_g2=self.beta_2,
            delta_g1=self.delta_1,
            delta_g2=self.delta_2,
            a_query=list(self.a),
            b_g1_query=list(self.b1),
            b_g2_query=list(self.b2),
            l_query=list(self.c),
            h_query=list(self.h),
            vk=self.verifying_key(),
            h_form="odd-coset",
        )


    def prove(self, values: list[int], rng=None) -> tuple:
        """(proof, public signals) for a full witness, as snarkjs proves: A and B rows from the coefficients, C = A*B.

        Without an R1CS the witness cannot be checked against C, so the proof
        is verified before it is returned: InvalidProof if it does not verify
        (the witness does not satisfy the key's circuit).
        """
        from zkopt.errors import InvalidProof, MalformedInput
        from zkopt.groth16 import prover, verifier

        if len(values) != self.n_vars:
            raise MalformedInput(f"the witness has {len(values)} values, the key's circuit {self.n_vars} wires")
        if values[0] != 1:
            raise MalformedInput("the witness's first value (the constant wire) must be 1")
        a_rows, b_rows = self.matrices()
        a = [sum(c * values[w] for w, c in row) % R for row in a_rows]
        b = [sum(c * values[w] for w, c in row) % R for row in b_rows]
        proof = prover.prove_rows(self.to_proving_key(), values, a, b, [x * y % R for x, y in zip(a, b)], rng)
        public = list(values[1 : 1 + self.n_public])
        try:
            verifier.verify(self.verifying_key(), public, proof)
        except InvalidProof:
            raise InvalidProof("the witness does not satisfy the key's circuit (the proof made from it does not "
                               "verify)") from None
        return proof, public


def coefficients_of(shape) -> list[tuple[int, int, int, int]]:
    """The coefficient section snarkjs' ``zkey new`` writes for an R1CS: A then B terms per row, then the public rows."""
    out = []
    for row, (a, b) in enumerate(zip(shape.a, shape.b)):
        out += [(0, row, wire, value) for wire, value in a]
        out += [(1, row, wire, value) for wire, value in b]
    m = shape.n_constraints
    out += [(0, m + i, i, 1) for i in range(shape.n_public + 1)]
    return out


# --- reading -----------------------------------------------------------------------------------


def _header(parsed: binfile.BinFile) -> dict:
    protocol = parsed.reader(1, "protocol")
    kind = protocol.u32("protocol id")
    protocol.done()
    if kind != PROTOCOL_GROTH16:
        raise MalformedKey(f"zkey is not a Groth16 key (protocol id {kind}; 2 is PLONK, 10 FFLONK)")
    hdr = parsed.reader(2, "header")
    binfile.read_prime(hdr, Q, "q")
    binfile.read_prime(hdr, R, "r")
    n_vars, n_public, domain = _COUNTS.unpack(bytes(hdr.take(12, "sizes")))
    if n_vars < 1 or n_public >= n_vars:
        raise MalformedKey(f"zkey header: nPublic = {n_public} must be below nVars = {n_vars}")
    if domain < 1 or domain & (domain - 1) or domain > MAX_DOMAIN:
        raise MalformedKey(f"zkey header: domain size {domain} is not a power of two up to 2^27")
    if domain < n_public + 1:
        raise MalformedKey(f"zkey header: domain size {domain} cannot hold the {n_public + 1} public rows")
    points = bytes(hdr.take(3 * 64 + 3 * 128, "points"))
    hdr.done()
    try:
        (alpha_1,) = _g1(points[0:64], "zkey alpha_1", allow_infinity=False)
        (beta_1,) = _g1(points[64:128], "zkey beta_1", allow_infinity=False)
        (beta_2,) = _g2(points[128:256], "zkey beta_2", allow_infinity=False)
        (gamma_2,) = _g2(points[256:384], "zkey gamma_2", allow_infinity=False)
        (delta_1,) = _g1(points[384:448], "zkey delta_1", allow_infinity=False)
        (delta_2,) = _g2(points[448:576], "zkey delta_2", allow_infinity=False)
    except InvalidPoint as exc:
        raise MalformedKey(str(exc)) from None
    return dict(n_vars=n_vars, n_public=n_public, domain_size=domain, alpha_1=alpha_1, beta_1=beta_1,
                beta_2=beta_2, gamma_2=gamma_2, delta_1=delta_1, delta_2=delta_2)


class Section(Sequence):
    """A read section's entries, checked and decoded on first use (then kept).

    A command reads only what it needs: contributing copies A, B1, B2, IC and
    the coefficients byte for byte and decodes only L and H, so reading a key
    costs little. Whatever is read is checked as strictly as ever (decoding
    raises MalformedKey); sizes are checked when the file is parsed.
    """

    def __init__(self, raw: bytes, decode):
        self._raw = raw
        self._decode = decode
        self._entries: list | None = None

    @property
    def entries(self) -> list:
        if self._entries is None:
            self._entries = self._decode(self._raw)
        return self._entries

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index):
        return self.entries[index]

    def __iter__(self):
        return iter(self.entries)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and self.entries == list(other)

    __hash__ = None  # a sequence compared by value


def _coefficients(parsed: binfile.BinFile, n_vars: int, domain: int) -> Section:
    reader = parsed.reader(4, "coefficients")
    count = reader.u32("coefficient count")
    raw = bytes(reader.take(44 * count, "coefficients"))
    reader.done()
    return Section(raw, functools.partial(_decode_coefficients, n_vars=n_vars, domain=domain))


def _decode_coefficients(raw: bytes, n_vars: int, domain: int) -> list:
    """The (matrix, row, wire, value) entries, each checked; values back from c * 2^512 mod r."""
    out = []
    append = out.append
    frm = int.from_bytes
    inv = COEFF_FACTOR_INV
    for i, (matrix, row, wire, stored) in enumerate(_COEFF.iter_unpack(raw)):
        value = frm(stored, "little")
        if matrix > 1 or row >= domain or wire >= n_vars or value >= R:
            if matrix > 1:
                raise MalformedKey(f"zkey coefficient {i}: matrix {matrix} is neither A (0) nor B (1)")
            if row >= domain:
                raise MalformedKey(f"zkey coefficient {i}: row {row} is outside the domain of {domain}")
            if wire >= n_vars:
                raise MalformedKey(f"zkey coefficient {i}: wire {wire} is out of range ({n_vars} wires)")
            raise MalformedKey(f"zkey coefficient {i} is not canonical (>= r)")
        append((matrix, row, wire, value * inv % R))
    return out


def _decode_points(data: bytes, what: str, group: int) -> list:
    try:
        return _g1(data, what) if group == 1 else _g2(data, what, subgroup=False)
    except InvalidPoint as exc:
        raise MalformedKey(str(exc)) from None


def _points(parsed: binfile.BinFile, kind: int, what: str, count: int, group: int) -> Section:
    size = enc.G1_SIZE if group == 1 else enc.G2_SIZE
    data = parsed.section(kind, what)
    if len(data) != count * size:
        raise MalformedKey(f"zkey {what} section holds {len(data)} bytes, expected {count} points ({count * size} bytes)")
    return Section(bytes(data), functools.partial(_decode_points, what=f"zkey {what}", group=group))


def _contributions(parsed: binfile.BinFile) -> tuple[bytes, list]:
    reader = parsed.reader(10, "contributions")
    cs_hash = bytes(reader.take(64, "circuit hash"))
    count = reader.u32("contribution count")
    out = []
    for i in range(count):
        where = f"zkey contribution #{i + 1}"
        raw = bytes(reader.take(64 * 3 + 128 + 64, f"{where} record"))
        try:
            delta_after, g1_s, g1_sx = _g1(raw[:192], f"{where} (deltaAfter, s, sx)")
            (g2_spx,) = _g2(raw[192:320], f"{where} spx")
        except InvalidPoint as exc:
            raise MalformedKey(str(exc)) from None
        kind = reader.u32(f"{where} type")
        name, iterations, beacon = parse_params(reader, kind, where)
        out.append(Contribution(delta_after, g1_s, g1_sx, g2_spx, raw[320:384], kind, name, iterations, beacon))
    reader.done()
    return cs_hash, out


def loads(data: bytes) -> ZKey:
    """Parse and validate a .zkey; raises MalformedKey with a one-line reason."""
    parsed = binfile.parse(data, "zkey", (1,), SECTIONS, MalformedKey)
    missing = [k for k in SECTIONS if k not in parsed.sections]
    if missing:
        raise MalformedKey(f"zkey has no section {missing[0]} (a Groth16 zkey has sections 1 to 10)")
    head = _header(parsed)
    n_vars, n_public, domain = head["n_vars"], head["n_public"], head["domain_size"]
    coeffs = _coefficients(parsed, n_vars, domain)
    cs_hash, contributions = _contributions(parsed)
    return ZKey(
        **head,
        ic=_points(parsed, 3, "IC", n_public + 1, 1),
        coeffs=coeffs,
        a=_points(parsed, 5, "A", n_vars, 1),
        b1=_points(parsed, 6, "B1", n_vars, 1),
        b2=_points(parsed, 7, "B2", n_vars, 2),
        c=_points(parsed, 8, "C", n_vars - n_public - 1, 1),
        h=_points(parsed, 9, "H", domain, 1),
        cs_hash=cs_hash,
        contributions=contributions,
        order=tuple(parsed.order),
        raw={k: bytes(parsed.sections[k]) for k in range(3, 10)},
    )


def read(path: str | Path) -> ZKey:
    return loads(binfile.read(path, "zkey", MalformedKey))


# --- writing -----------------------------------------------------------------------------------


def header_bytes(zk: ZKey) -> bytes:
    return (binfile.prime_bytes(Q) + binfile.prime_bytes(R) + _COUNTS.pack(zk.n_vars, zk.n_public, zk.domain_size)
            + enc.g1_to_lem([zk.alpha_1, zk.beta_1]) + enc.g2_to_lem([zk.beta_2, zk.gamma_2])
            + enc.g1_to_lem([zk.delta_1]) + enc.g2_to_lem([zk.delta_2]))


def contribution_bytes(c: Contribution) -> bytes:
    return (enc.g1_to_lem([c.delta_after, c.g1_s, c.g1_sx]) + enc.g2_to_lem([c.g2_spx]) + c.transcript
            + struct.pack("<I", c.kind) + params_bytes(c.kind, c.name, c.iterations_exp, c.beacon_hash))


def mpc_bytes(cs_hash: bytes, contributions: Sequence[Contribution]) -> bytes:
    return cs_hash + struct.pack("<I", len(contributions)) + b"".join(contribution_bytes(c) for c in contributions)


def coefficients_bytes(coeffs: Sequence) -> bytes:
    f = COEFF_FACTOR
    return struct.pack("<I", len(coeffs)) + b"".join(
        _COUNTS.pack(m, row, wire) + (value * f % R).to_bytes(32, "little") for m, row, wire, value in coeffs
    )


def section_bytes(zk: ZKey, kind: int) -> bytes:
    if kind in zk.raw:
        return zk.raw[kind]
    if kind == 1:
        return struct.pack("<I", PROTOCOL_GROTH16)
    if kind == 2:
        return header_bytes(zk)
    if kind == 4:
        return coefficients_bytes(zk.coeffs)
    if kind == 7:
        return enc.g2_to_lem(zk.b2)
    if kind == 10:
        return mpc_bytes(zk.cs_hash, zk.contributions)
    return enc.g1_to_lem({3: zk.ic, 5: zk.a, 6: zk.b1, 8: zk.c, 9: zk.h}[kind])


def dumps(zk: ZKey) -> bytes:
    return binfile.dumps("zkey", 1, [(k, section_bytes(zk, k)) for k in zk.order])


def write(zk: ZKey, path: str | Path) -> None:
    Path(path).write_bytes(dumps(zk))
