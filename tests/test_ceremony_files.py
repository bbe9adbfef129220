"""circom/snarkjs binary files: round trips, byte-exact rewrites of snarkjs' own files, and every reader's refusals."""

from __future__ import annotations

import struct

import pytest

from tests.sample_circuits import TwoPublic
from tests.snarkjs_artifacts import ok, snarkjs_files
from zkopt import binfile, curve, r1cs
from zkopt.ceremony import ptau
from zkopt.curve import snarkjs_encoding as enc
from zkopt.errors import InvalidPoint, MalformedInput, MalformedKey
from zkopt.field import R
from zkopt.groth16 import zkey
from zkopt.r1cs import circom

BLS12_381_R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def _lem_g1(x: int, y: int) -> bytes:
    """Any pair of coordinates in the storage encoding (the encoder takes only curve points)."""
    m = (1 << 256) % curve.Q
    return (x * m % curve.Q).to_bytes(32, "little") + (y * m % curve.Q).to_bytes(32, "little")


def _two_public() -> r1cs.R1CS:
    return r1cs.compile(TwoPublic())


def _sections(data: bytes) -> list[tuple[int, bytes]]:
    magic = bytes(data[:4]).decode()
    parsed = binfile.parse(data, magic, (1, 2), range(32))
    return [(k, bytes(parsed.sections[k])) for k in parsed.order]


def _rebuild(data: bytes, sections: list[tuple[int, bytes]], version: int | None = None) -> bytes:
    magic = bytes(data[:4]).decode()
    return binfile.dumps(magic, version or struct.unpack_from("<I", data, 4)[0], sections)


def _patch(data: bytes, kind: int, offset: int, new: bytes) -> bytes:
    out = []
    for k, body in _sections(data):
        if k == kind:
            body = body[:offset] + new + body[offset + len(new):]
        out.append((k, body))
    return _rebuild(data, out)


# --- the container --------------------------------------------------------------------------------


def test_container_round_trips_and_refuses_damage():
    data = binfile.dumps("zkey", 1, [(1, b"abcd"), (3, b""), (2, b"xy")])
    parsed = binfile.parse(data, "zkey", (1,), (1, 2, 3))
    assert parsed.order == [1, 3, 2] and bytes(parsed.sections[2]) == b"xy"
    cases = {
        "not a zkey file": b"zkez" + data[4:],
        "version 2 is not supported": data[:4] + struct.pack("<I", 2) + data[8:],
        "truncated": data[:-1],
        "bytes after its last section": data + b"\0",
        "section 1 twice": binfile.dumps("zkey", 1, [(1, b""), (1, b"")]),
        "unexpected section type 9": binfile.dumps("zkey", 1, [(9, b"")]),
        "shorter than the header": b"zk",
    }
    for fragment, bad in cases.items():
        with pytest.raises(MalformedInput, match=fragment):
            binfile.parse(bad, "zkey", (1,), (1, 2, 3))


def test_section_reader_stops_at_the_section_end():
    reader = binfile.SectionReader(memoryview(b"\x01\x00\x00\x00\x02"), "test section", MalformedInput)
    assert reader.u32() == 1
    with pytest.raises(MalformedInput, match="1 bytes more"):
        reader.done()
    with pytest.raises(MalformedInput, match="too short"):
        reader.u32()


# --- point encodings ------------------------------------------------------------------------------


def test_storage_encoding_round_trips_and_is_montgomery(rng):
    g1 = [curve.g1_mul(curve.G1_GENERATOR, rng.randrange(1, R)) for _ in range(5)] + [None]
    g2 = [curve.g2_mul(curve.G2_GENERATOR, rng.randrange(1, R)) for _ in range(3)] + [None]
    assert enc.g1_from_lem(enc.g1_to_lem(g1), "g1") == g1
    assert enc.g2_from_lem(enc.g2_to_lem(g2), "g2") == g2
    stored = enc.g1_to_lem([curve.G1_GENERATOR])
    assert int.from_bytes(stored[:32], "little") == (1 << 256) % curve.Q  # x = 1 in Montgomery form
    assert enc.g1_to_u([curve.G1_GENERATOR]) == curve.g1_to_bytes(curve.G1_GENERATOR)
    (x0, x1), (y0, y1) = curve.G2_GENERATOR
    assert enc.g2_to_u([curve.G2_GENERATOR]) == b"".join(c.to_bytes(32, "big") for c in (x1, x0, y1, y0))


def test_compressed_encoding_flags_the_sign_of_y():
    p = curve.G1_GENERATOR
    assert enc.g1_to_c([p])[0] & 0x80 == 0 and enc.g1_to_c([curve.g1_neg(p)])[0] & 0x80 == 0x80
    assert enc.g1_to_c([None]) == b"\x40" + bytes(31)
    q = curve.G2_GENERATOR
    flags = {enc.g2_to_c([q])[0] & 0x80, enc.g2_to_c([curve.g2_neg(q)])[0] & 0x80}
    assert flags == {0, 0x80}


def test_storage_decoders_refuse_bad_points(g2_outside_subgroup):
    good = enc.g1_to_lem([curve.G1_GENERATOR])
    with pytest.raises(InvalidPoint, match="g1 has a coordinate >= q"):
        enc.g1_from_lem(curve.Q.to_bytes(32, "little") + good[32:], "g1")
    with pytest.raises(InvalidPoint, match="not on the curve"):
        enc.g1_from_lem(_lem_g1(1, 3), "g1")
    with pytest.raises(InvalidPoint, match="whole number"):
        enc.g1_from_lem(good[:-1], "g1")
    with pytest.raises(InvalidPoint, match="point at infinity"):
        enc.g1_from_lem(bytes(64), "g1", allow_infinity=False)
    outside = enc.g2_to_lem([g2_outside_subgroup])
    with pytest.raises(InvalidPoint, match="outside the prime-order subgroup"):
        enc.g2_from_lem(outside, "g2")
    assert enc.g2_from_lem(outside, "g2", subgroup=False) == [g2_outside_subgroup]


# --- .r1cs and .wtns ------------------------------------------------------------------------------


def test_r1cs_of_a_zkopt_circuit_round_trips():
    shape = _two_public()
    data = circom.dumps_r1cs(shape)
    back = circom.loads_r1cs(data, "two_public")
    assert back.shape.digest() == shape.digest()
    assert (back.shape.n_public, back.shape.n_outputs, back.n_private_inputs) == (3, 1, 0)
    assert circom.dumps_r1cs(back) == data
    sym = circom.sym_text(shape).splitlines()
    assert sym[0] == "1,1,0,main.out" and len(sym) == shape.n_variables - 1


def _r1cs_header(n_wires=4, n_out=1, n_pub=0, n_prv=0, n_labels=4, n_constraints=1, prime=R) -> bytes:
    return binfile.prime_bytes(prime)[:4] + prime.to_bytes(32, "little") + struct.pack(
        "<IIIIQI", n_wires, n_out, n_pub, n_prv, n_labels, n_constraints)


def _lc(*terms) -> bytes:
    return struct.pack("<I", len(terms)) + b"".join(struct.pack("<I", w) + c.to_bytes(32, "little") for w, c in terms)


def _r1cs(header=None, constraints=None, labels=None, extra=()) -> bytes:
    header = header if header is not None else _r1cs_header()
    constraints = constraints if constraints is not None else _lc((1, 1)) + _lc((2, 1)) + _lc((3, 1))
    labels = labels if labels is not None else b"".join(struct.pack("<Q", i) for i in range(4))
    return binfile.dumps("r1cs", 1, [(1, header), (2, constraints), (3, labels), *extra])


def test_r1cs_reader_accepts_the_minimal_file():
    shape = circom.loads_r1cs(_r1cs()).shape
    assert shape.a == [[(1, 1)]] and shape.is_satisfied([1, 2, 3, 6]) and not shape.is_satisfied([1, 2, 3, 5])


@pytest.mark.parametrize("fragment, data", [
    ("not BN254's r", _r1cs(header=_r1cs_header(prime=BLS12_381_R))),
    ("not canonical", _r1cs(constraints=_lc((1, R)) + _lc((2, 1)) + _lc((3, 1)))),
    ("wire 9 is out of range", _r1cs(constraints=_lc((9, 1)) + _lc((2, 1)) + _lc((3, 1)))),
    ("appears twice", _r1cs(constraints=_lc((1, 1), (1, 2)) + _lc((2, 1)) + _lc((3, 1)))),
    ("too short", _r1cs(constraints=_lc((1, 1)) + _lc((2, 1)))),
    ("bytes more than its contents", _r1cs(constraints=_lc((1, 1)) + _lc((2, 1)) + _lc((3, 1)) + b"\0")),
    ("inconsistent", _r1cs(header=_r1cs_header(n_out=2, n_pub=2))),
    ("custom gates", _r1cs(extra=[(4, b"")])),
    ("label id 7", _r1cs(labels=b"".join(struct.pack("<Q", i) for i in (0, 1, 2, 7)))),
    ("no constraints section", binfile.dumps("r1cs", 1, [(1, _r1cs_header())])),
    ("version 2", _r1cs()[:4] + struct.pack("<I", 2) + _r1cs()[8:]),
])
def test_r1cs_reader_refuses(fragment, data):
    with pytest.raises(MalformedInput, match=fragment):
        circom.loads_r1cs(data)


def test_wtns_round_trips_and_refuses_bad_values():
    values = [1, 6, 2, 3, R - 1]
    data = circom.dumps_wtns(values)
    assert circom.loads_wtns(data) == values
    header = binfile.prime_bytes(R) + struct.pack("<I", 2)
    cases = {
        "not canonical": binfile.dumps("wtns", 2, [(1, header), (2, (1).to_bytes(32, "little") + R.to_bytes(32, "little"))]),
        "announces 2 values": binfile.dumps("wtns", 2, [(1, header), (2, bytes(32))]),
        "not BN254's r": binfile.dumps("wtns", 2, [(1, binfile.prime_bytes(BLS12_381_R) + struct.pack("<I", 0)), (2, b"")]),
        "not a wtns file": b"wtnX" + data[4:],
    }
    for fragment, bad in cases.items():
        with pytest.raises(MalformedInput, match=fragment):
            circom.loads_wtns(bad)


# --- snarkjs' own files (interop) -----------------------------------------------------------------


@pytest.mark.interop
def test_snarkjs_files_read_and_write_back_byte_for_byte(node_tools):
    files = snarkjs_files(node_tools)
    r1cs_data = files.r1cs.read_bytes()
    assert circom.dumps_r1cs(circom.loads_r1cs(r1cs_data)) == r1cs_data
    wtns_data = files.wtns.read_bytes()
    values = circom.loads_wtns(wtns_data)
    assert circom.dumps_wtns(values) == wtns_data
    assert circom.loads_r1cs(r1cs_data).shape.is_satisfied(values)
    for path in (files.zkey_0, files.zkey_1, files.zkey_final):
        data = path.read_bytes()
        key = zkey.loads(data)
        assert zkey.dumps(key) == data
        changed = key.replace(c=list(key.c), h=list(key.h), a=list(key.a), coeffs=list(key.coeffs))
        assert zkey.dumps(changed) == data  # re-encoded from points, not copied
    for path in (files.ptau_new, files.ptau_1, files.ptau_beacon, files.ptau_final):
        data = path.read_bytes()
        assert ptau.dumps(ptau.loads(data)) == data
    final = zkey.read(files.zkey_final)
    assert [(c.kind, c.name) for c in final.contributions] == [(0, "bob"), (1, "zkey beacon")]
    assert final.contributions[1].iterations_exp == 10
    assert ptau.read(files.ptau_final).prepared and not ptau.read(files.ptau_beacon).prepared


@pytest.mark.interop
def test_snarkjs_reads_a_zkopt_circuit_exported_as_r1cs(node_tools, tmp_path):
    shape = _two_public()
    (tmp_path / "c.r1cs").write_bytes(circom.dumps_r1cs(shape))
    (tmp_path / "c.sym").write_text(circom.sym_text(shape))
    info = ok([*node_tools.snarkjs(), "r1cs", "info", "c.r1cs"], tmp_path)
    assert f"# of Constraints: {shape.n_constraints}" in info and "# of Outputs: 1" in info
    assert "# of Public Inputs: 2" in info and f"# of Wires: {shape.n_variables}" in info
    printed = ok([*node_tools.snarkjs(), "r1cs", "print", "c.r1cs", "c.sym"], tmp_path)
    assert "main.ab" in printed and "main.xx" in printed


def _zkey_cases(data: bytes, g2_outside: tuple) -> dict:
    """Damaged copies of a one-contribution (named) zkey, each with the reason it must be refused for."""
    delta_2_at = 4 + 32 + 4 + 32 + 12 + 64 * 2 + 128 * 2 + 64
    coeff_value_at = 4 + 12
    name_at = 64 + 4 + 3 * 64 + 128 + 64 + 4 + 4 + 2  # first byte of the first contribution's name
    return {
        "not a Groth16 key": _patch(data, 1, 0, struct.pack("<I", 2)),
        "not BN254's q": _patch(data, 2, 4, BLS12_381_R.to_bytes(32, "little")),
        "domain size 48 is not a power of two": _patch(data, 2, 4 + 32 + 4 + 32 + 8, struct.pack("<I", 48)),
        "zkey delta_2 is outside the prime-order subgroup": _patch(data, 2, delta_2_at, enc.g2_to_lem([g2_outside])),
        "coefficient 0 is not canonical": _patch(data, 4, coeff_value_at, R.to_bytes(32, "little")),
        "coefficient 0: matrix 2": _patch(data, 4, 4, struct.pack("<I", 2)),
        r"zkey A\[0\] has a coordinate >= q": _patch(data, 5, 0, curve.Q.to_bytes(32, "little")),
        r"zkey B1\[0\] is not on the curve": _patch(data, 6, 0, _lem_g1(1, 3)),
        "H section holds": _rebuild(data, [(k, b[:-64] if k == 9 else b) for k, b in _sections(data)]),
        "no section 8": _rebuild(data, [(k, b) for k, b in _sections(data) if k != 8]),
        "contributor name is not UTF-8": _patch(data, 10, name_at, b"\xff"),
        "unknown parameter tag 9": _patch(data, 10, name_at - 2, b"\x09"),
        "normal contribution carries beacon parameters": _patch(data, 10, name_at - 2, b"\x03"),
        "header section is too short": _rebuild(data, [(k, b[:-1] if k == 2 else b) for k, b in _sections(data)]),
    }


def _read_everything(data: bytes):
    """Parse a zkey and decode every section (the point and coefficient sections decode on first use)."""
    key = zkey.loads(data)
    for section in (key.ic, key.coeffs, key.a, key.b1, key.b2, key.c, key.h):
        list(section)
    return key


@pytest.mark.interop
def test_zkey_reader_refuses_damaged_snarkjs_keys(node_tools, g2_outside_subgroup):
    data = snarkjs_files(node_tools).zkey_1.read_bytes()
    assert zkey.loads(data).contributions[0].name == "bob"
    for fragment, bad in _zkey_cases(data, g2_outside_subgroup).items():
        with pytest.raises(MalformedKey, match=fragment):
            _read_everything(bad)


@pytest.mark.interop
def test_a_section_is_checked_when_it_is_used(node_tools, tmp_path):
    """A contribution copies A, B1, B2, IC and the coefficients unread; verifying or proving reads and refuses them."""
    from zkopt.ceremony import phase2

    files = snarkjs_files(node_tools)
    bad = _patch(files.zkey_1.read_bytes(), 5, 0, curve.Q.to_bytes(32, "little"))
    key, _ = phase2.contribute(zkey.loads(bad), "x")
    assert dict(_sections(zkey.dumps(key)))[5] == dict(_sections(bad))[5]  # the damaged A section, copied as it was
    with pytest.raises(MalformedKey, match=r"zkey A\[0\] has a coordinate >= q"):
        key.to_proving_key()
    with pytest.raises(MalformedKey, match=r"zkey A\[0\]"):
        phase2.verify(zkey.loads(zkey.dumps(key)), circom.read_r1cs(files.r1cs).shape, ptau.read(files.ptau_final))


@pytest.mark.interop
def test_ptau_reader_refuses_damaged_snarkjs_files(node_tools, g2_outside_subgroup):
    files = snarkjs_files(node_tools)
    data = files.ptau_final.read_bytes()
    record_g2_at = 4 + 64  # the contribution's tau G2 point
    cases = {
        "not BN254's q": _patch(data, 1, 4, BLS12_381_R.to_bytes(32, "little")),
        "power 40 is outside": _patch(data, 1, 36, struct.pack("<I", 40)),
        "tauG1 section holds 4032 bytes": _patch(data, 1, 36, struct.pack("<I", 4)),
        "ceremony power 2 is below": _patch(data, 1, 40, struct.pack("<I", 2)),
        "contribution #1 tauG2 is outside the prime-order subgroup": _patch(
            data, 7, record_g2_at, enc.g2_to_lem([g2_outside_subgroup])),
        "some but not all of the prepared": _rebuild(data, [(k, b) for k, b in _sections(data) if k != 14]),
        "no alphaTauG1 section": _rebuild(data, [(k, b) for k, b in _sections(data) if k != 4]),
    }
    for fragment, bad in cases.items():
        with pytest.raises(MalformedKey, match=fragment):
            ptau.loads(bad)
    # the big point sections are checked when a range of them is decoded
    off_curve = _patch(data, 2, 64 * 3, _lem_g1(1, 3))
    with pytest.raises(MalformedKey, match=r"ptau tauG1\[3\] is not on the curve"):
        ptau.loads(off_curve).g1(ptau.TAU_G1)
    outside = _patch(data, 3, 128, enc.g2_to_lem([g2_outside_subgroup]))
    with pytest.raises(MalformedKey, match=r"tauG2\[1\] is outside the prime-order subgroup"):
        ptau.loads(outside).g2(ptau.TAU_G2)
    assert len(ptau.loads(outside).g2(ptau.TAU_G2, subgroup=False)) == 1 << ptau.loads(data).power
