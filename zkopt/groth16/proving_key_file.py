"""The proving-key file format (``.zkpk``): versioned, self-describing, checksummed binary.

Layout (all integers big-endian):
    magic      8 bytes  b"ZKOPTPK\\n"
    version    u16      1, or 2 for a key whose H points are snarkjs' odd-coset
                        Lagrange points (a key imported from a .zkey)
    header_len u32
    header     JSON (UTF-8): circuit, params, r1cs_digest (hex), domain_size,
               n_variables, n_public; version 2 adds "h_form": "odd-coset"
    points     alpha_g1, beta_g1, delta_g1 (G1); beta_g2, gamma_g2, delta_g2 (G2);
               ic[n_public+1], a_query[n_variables], b_g1_query[n_variables],
               l_query[n_variables-n_public-1], h_query[domain_size-1] (version 1)
               or h_query[domain_size] (version 2) (G1); b_g2_query[n_variables] (G2)
    checksum   32 bytes SHA-256 of everything before it
G1 points take 64 bytes, G2 points 128 (see zkopt.curve encodings; infinity
is all zeros). Any truncation, corruption or inconsistency raises MalformedKey.
Loading checks every point is on the curve; G2 subgroup membership is checked
for the verifying-key points (the query points only feed the prover, and the
checksum guards them against corruption).
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

from zkopt import curve
from zkopt.errors import InvalidPoint, MalformedKey
from zkopt.files import read_bytes
from zkopt.groth16.keys import ProvingKey, VerifyingKey

MAGIC = b"ZKOPTPK\n"
VERSION = 1
#: The version of keys with odd-coset H points, and their H form (see ProvingKey).
VERSION_ODD_COSET = 2
_H_FORMS = {VERSION: "monomial", VERSION_ODD_COSET: "odd-coset"}
G1_BYTES = 64
G2_BYTES = 128
_CHECKSUM_BYTES = 32
_PREFIX = struct.Struct(">8sHI")


def dumps(pk: ProvingKey) -> bytes:
    fields = {
        "circuit": pk.circuit,
        "params": pk.params,
        "r1cs_digest": pk.r1cs_digest.hex(),
        "domain_size": pk.domain_size,
        "n_variables": pk.n_variables,
        "n_public": pk.n_public,
    }
    version = {form: v for v, form in _H_FORMS.items()}.get(pk.h_form)
    if version is None:
        raise MalformedKey(f"proving key has an unknown H form {pk.h_form!r}")
    if version == VERSION_ODD_COSET:
        fields["h_form"] = pk.h_form
    header = json.dumps(fields, sort_keys=True).encode()
    g1 = curve.g1_to_bytes
    g2 = curve.g2_to_bytes
    parts = [_PREFIX.pack(MAGIC, version, len(header)), header]
    parts += [g1(p) for p in (pk.alpha_g1, pk.beta_g1, pk.delta_g1)]
    parts += [g2(p) for p in (pk.beta_g2, pk.vk.gamma_g2, pk.delta_g2)]
    for points in (pk.vk.ic, pk.a_query, pk.b_g1_query, pk.l_query, pk.h_query):
        parts += [g1(p) for p in points]
    parts += [g2(p) for p in pk.b_g2_query]
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def write(pk: ProvingKey, path: str | Path) -> None:
    Path(path).write_bytes(dumps(pk))


def _int_field(header: dict, name: str, minimum: int) -> int:
    value = header.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MalformedKey(f"proving key header: {name} must be an integer >= {minimum}")
    return value


def loads(data: bytes) -> ProvingKey:
    """Parse a proving key; raises MalformedKey with a one-line reason on any defect."""
    if len(data) < _PREFIX.size + _CHECKSUM_BYTES:
        raise MalformedKey("proving key is truncated")
    magic, version, header_len = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise MalformedKey("not a zkopt proving key (bad magic)")
    if version not in _H_FORMS:
        raise MalformedKey(f"unsupported proving key version {version} (this zkopt reads {VERSION} and {VERSION_ODD_COSET})")
    h_form = _H_FORMS[version]
    body, checksum = data[:-_CHECKSUM_BYTES], data[-_CHECKSUM_BYTES:]
    if hashlib.sha256(body).digest() != checksum:
        raise MalformedKey("proving key is corrupted or truncated (checksum mismatch)")
    start = _PREFIX.size
    try:
        header = json.loads(body[start : start + header_len].decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedKey("proving key header is not valid JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("circuit"), str):
        raise MalformedKey("proving key header lacks the circuit name")
    params = header.get("params")
    if not isinstance(params, dict):
        raise MalformedKey("proving key header lacks the circuit parameters")
    if header.get("h_form", "monomial") != h_form:
        raise MalformedKey(f"proving key header: version {version} keys have H form {h_form!r}")
    try:
        digest = bytes.fromhex(header.get("r1cs_digest", ""))
    except (TypeError, ValueError):
        raise MalformedKey("proving key header has a bad r1cs_digest") from None
    domain_size = _int_field(header, "domain_size", 1)
    n_variables = _int_field(header, "n_variables", 1)
    n_public = _int_field(header, "n_public", 0)
    if n_public >= n_variables:
        raise MalformedKey("proving key header: n_public must be below n_variables")
    n_private = n_variables - n_public - 1
    n_h = domain_size if h_form == "odd-coset" else domain_size - 1
    n_g1 = 3 + (n_public + 1) + 2 * n_variables + n_private + n_h
    n_g2 = 3 + n_variables
    offset = start + header_len
    if len(body) - offset != n_g1 * G1_BYTES + n_g2 * G2_BYTES:
        raise MalformedKey("proving key size does not match its header")

    def take_g1(count: int, what: str) -> list:
        nonlocal offset
        chunk = body[offset : offset + count * G1_BYTES]
        offset += count * G1_BYTES
        return curve.g1_points_from_bytes(chunk, what)

    def take_g2(count: int, what: str) -> list:
        nonlocal offset
        chunk = body[offset : offset + count * G2_BYTES]
        offset += count * G2_BYTES
        return curve.g2_points_from_bytes(chunk, what)

    try:
        alpha_g1, beta_g1, delta_g1 = take_g1(3, "pk.g1")
        beta_g2, gamma_g2, delta_g2 = (
            curve.validate_g2(p, f"pk.{name}", allow_infinity=True)
            for p, name in zip(take_g2(3, "pk.g2"), ("beta", "gamma", "delta"))
        )
        ic = take_g1(n_public + 1, "pk.IC")
        a_query = take_g1(n_variables, "pk.a_query")
        b_g1_query = take_g1(n_variables, "pk.b_g1_query")
        l_query = take_g1(n_private, "pk.l_query")
        h_query = take_g1(n_h, "pk.h_query")
        b_g2_query = take_g2(n_variables, "pk.b_g2_query")
    except InvalidPoint as exc:
        raise MalformedKey(f"proving key: {exc}") from None
    for point, what in ((alpha_g1, "alpha"), (beta_g2, "beta"), (gamma_g2, "gamma"), (delta_g2, "delta")):
        if point is None:
            raise MalformedKey(f"proving key: {what} is the point at infinity")

    vk = VerifyingKey(alpha_g1=alpha_g1, beta_g2=beta_g2, gamma_g2=gamma_g2, delta_g2=delta_g2, ic=tuple(ic))
    return ProvingKey(
        circuit=header["circuit"],
        params=params,
        r1cs_digest=digest,
        domain_size=domain_size,
        n_variables=n_variables,
        n_public=n_public,
        alpha_g1=alpha_g1,
        beta_g1=beta_g1,
        beta_g2=beta_g2,
        delta_g1=delta_g1,
        delta_g2=delta_g2,
        a_query=a_query,
        b_g1_query=b_g1_query,
        b_g2_query=b_g2_query,
        l_query=l_query,
        h_query=h_query,
        vk=vk,
        h_form=h_form,
    )


#: Largest proving-key file read (a 2^20-constraint circuit's key is about 300 MB).
MAX_KEY_BYTES = 1 << 31


def read(path: str | Path) -> ProvingKey:
    return loads(read_bytes(path, "proving key", MalformedKey, MAX_KEY_BYTES))
