"""The ceremony commands: snarkjs' shapes, one-line errors, exit 2 for unusable input and 1 for invalid transcripts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.cli_fixtures import fails, invoke, ok
from zkopt import curve
from zkopt.groth16 import zkey

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A whole ceremony from the command line, as a snarkjs script would run it (power 4, chain n=6)."""
    d = tmp_path_factory.mktemp("ceremony")
    p = lambda name: str(d / name)  # noqa: E731
    ok("powersoftau", "new", "bn128", "4", p("0.ptau"))
    ok("powersoftau", "contribute", p("0.ptau"), p("1.ptau"), "--name=alice", "-e=some text")
    ok("ptau", "beacon", p("1.ptau"), p("b.ptau"), BEACON, "10", "-n=beacon")
    ok("ptau", "prepare", "phase2", p("b.ptau"), p("final.ptau"))
    ok("export", "r1cs", "chain", p("c.r1cs"), "--param", "n=6", "--sym", p("c.sym"))
    ok("zkey", "new", p("c.r1cs"), p("final.ptau"), p("0.zkey"))
    ok("zkey", "contribute", p("0.zkey"), p("1.zkey"), "--name=bob", "-e=more text")
    result = ok("zkey", "beacon", p("1.zkey"), p("final.zkey"), BEACON, "10", "-n=zkey beacon")
    return d, result.output


def test_a_contribution_prints_its_hash_and_verify_lists_it(run):
    d, output = run
    contributed = ok("zkey", "contribute", d / "0.zkey", d / "other.zkey", "-e=x").output
    digest = next(line.split()[-1] for line in contributed.splitlines() if line.startswith("contribution hash"))
    listed = ok("zkey", "verify", d / "c.r1cs", d / "final.ptau", d / "other.zkey").output
    assert f"contribution #1: {digest}" in listed and listed.endswith("through 1 contributions\n")
    report = json.loads(ok("zkey", "verify", "chain", d / "final.ptau", d / "final.zkey", "--param", "n=6",
                           "--json").output)
    assert [c["name"] for c in report["contributions"]] == ["bob", "zkey beacon"]
    assert report["contributions"][1]["num_iterations_exp"] == 10
    assert "contribution hash" in output and (d / "c.sym").read_text().startswith("1,1,0,main.")


def test_verify_names_the_bad_contribution_with_exit_1(run, tmp_path):
    d, _ = run
    key = zkey.read(d / "final.zkey")
    records = list(key.contributions)
    import dataclasses

    records[1] = dataclasses.replace(records[1], g1_s=curve.g1_mul(records[1].g1_s, 3))
    zkey.write(key.replace(contributions=records), tmp_path / "bad.zkey")
    fails(1, "invalid: contribution #2 (zkey beacon): its transcript hash", "zkey", "verify", d / "c.r1cs",
          d / "final.ptau", tmp_path / "bad.zkey")
    fails(1, "invalid: the zkey is for", "zkey", "verify", "chain", d / "final.ptau", d / "final.zkey",
          "--param", "n=5")
    fails(1, "invalid: the file has no contribution", "ptau", "verify", d / "0.ptau")


def test_unusable_input_is_exit_2_with_one_line(run, tmp_path):
    d, _ = run
    cases = [
        ("not supported; zkopt works on bn128", ("ptau", "new", "bls12-381", "4", tmp_path / "x.ptau")),
        ("beacon: the beacon hash must be a non-empty hexadecimal", ("ptau", "beacon", d / "1.ptau",
                                                                     tmp_path / "x.ptau", "xyz", "10")),
        ("iteration exponent must be in [10, 63]", ("zkey", "beacon", d / "1.zkey", tmp_path / "x.zkey", BEACON, "9")),
        ("ptau file not found", ("ptau", "verify", tmp_path / "missing.ptau")),
        ("not a zkey file", ("zkey", "verify", d / "c.r1cs", d / "final.ptau", d / "final.ptau")),
        ("not prepared for phase 2", ("zkey", "new", d / "c.r1cs", d / "b.ptau", tmp_path / "x.zkey")),
        ("neither an .r1cs file nor a zkopt circuit", ("zkey", "new", "nosuch", d / "final.ptau", tmp_path / "x.zkey")),
        ("give the circuit, the ptau and the zkey", ("zkey", "verify", d / "c.r1cs", d / "final.zkey")),
        ("give the input and the output file", ("ptau", "prepare", "phase2", d / "b.ptau")),
        ("one witness source", ("prove", "--zkey", d / "final.zkey", "--proof", tmp_path / "p", "--public",
                                tmp_path / "q")),
        ("give --pk and --input", ("prove", "--pk", d / "x.zkpk", "--proof", tmp_path / "p", "--public", tmp_path / "q")),
        ("give a CIRCUIT", ("setup", "--out", tmp_path / "k")),
        ("--param applies to zkopt circuits", ("zkey", "new", d / "c.r1cs", d / "final.ptau", tmp_path / "x",
                                                "--param", "n=3")),
    ]
    for fragment, args in cases:
        fails(2, fragment, *args)
    assert not (tmp_path / "x.ptau").exists() and not (tmp_path / "x.zkey").exists()


def test_prove_with_a_zkey_checks_the_circuit_and_the_witness(run, tmp_path):
    d, _ = run
    (tmp_path / "in.json").write_text('{"x": "2"}')
    out = ("--proof", tmp_path / "p.json", "--public", tmp_path / "pub.json")
    ok("prove", "--zkey", d / "final.zkey", "--circuit", "chain", "--param", "n=6", "--input", tmp_path / "in.json",
       *out)
    ok("zkey", "export", "verificationkey", d / "final.zkey", tmp_path / "vk.json")
    assert "valid" in ok("verify", "--vk", tmp_path / "vk.json", "--public", tmp_path / "pub.json",
                         "--proof", tmp_path / "p.json").output
    fails(2, "is not a key for chain", "prove", "--zkey", d / "final.zkey", "--circuit", "chain", "--param", "n=5",
          "--input", tmp_path / "in.json", *out)
    from zkopt import r1cs
    from zkopt.circuits.chain import Chain
    from zkopt.r1cs import circom

    values = list(r1cs.solve(Chain(6), {"x": "2"}).values)
    (tmp_path / "w.wtns").write_bytes(circom.dumps_wtns(values))
    ok("groth16", "prove", d / "final.zkey", tmp_path / "w.wtns", tmp_path / "p2.json", tmp_path / "pub2.json")
    assert json.loads((tmp_path / "pub2.json").read_text()) == [str(2 ** 7)]
    values[-1] += 1
    (tmp_path / "bad.wtns").write_bytes(circom.dumps_wtns(values))
    fails(1, "does not satisfy the key's circuit", "groth16", "prove", d / "final.zkey", tmp_path / "bad.wtns",
          tmp_path / "p3.json", tmp_path / "pub3.json")
    fails(2, "the witness has 3 values", "groth16", "prove", d / "final.zkey",
          _wtns(tmp_path / "short.wtns", [1, 2, 3]), tmp_path / "p4.json", tmp_path / "pub4.json")


def _wtns(path: Path, values: list[int]) -> Path:
    from zkopt.r1cs import circom

    path.write_bytes(circom.dumps_wtns(values))
    return path


def test_ptau_import_checks_the_published_hash(run, tmp_path):
    d, _ = run
    digest = hashlib.blake2b((d / "final.ptau").read_bytes()).hexdigest()
    result = ok("ptau", "import", d / "final.ptau", tmp_path / "pot.ptau", "--blake2b", digest)
    assert (tmp_path / "pot.ptau").read_bytes() == (d / "final.ptau").read_bytes() and digest in result.output
    fails(1, "not the published", "ptau", "import", d / "final.ptau", tmp_path / "p2.ptau", "--blake2b", "0" * 128)
    fails(2, "not prepared for phase 2", "ptau", "import", d / "b.ptau", tmp_path / "p3.ptau")
    assert not (tmp_path / "p2.ptau").exists()


def test_contributing_to_a_prepared_ptau_warns(run, tmp_path):
    d, _ = run
    result = invoke("ptau", "contribute", d / "final.ptau", tmp_path / "again.ptau", "-e=x")
    assert result.exit_code == 0 and "warning: contributing to a prepared file" in result.stderr
