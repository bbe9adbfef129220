"""Ceremonies across zkopt and the real snarkjs 0.7.x, both directions: continue, verify, tamper, prove.

Where snarkjs is deterministic (a beacon, prepare phase2, zkey new) zkopt's
output must be the same bytes; where it is not (contributions draw OS
randomness) each tool must accept the other's files and reject a tampered one.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.snarkjs_artifacts import BEACON, ok, run, snarkjs_files
from zkopt import curve, r1cs
from zkopt.circuits.chain import Chain
from zkopt.groth16 import zkey
from zkopt.r1cs import circom

pytestmark = pytest.mark.interop

ZKOPT = [sys.executable, "-m", "zkopt.cli"]


def zkopt(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ZKOPT, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)


def zkopt_ok(*args, cwd: Path) -> str:
    done = zkopt(*args, cwd=cwd)
    assert done.returncode == 0, f"zkopt {' '.join(map(str, args[:3]))}: {done.stdout[-600:]} {done.stderr[-600:]}"
    return done.stdout


@pytest.fixture(scope="module")
def files(node_tools):
    return snarkjs_files(node_tools)


def test_deterministic_steps_give_snarkjs_bytes(files, tmp_path):
    """beacon (phase 1 and 2), prepare phase2 and zkey new: zkopt writes exactly what snarkjs wrote."""
    zkopt_ok("powersoftau", "beacon", files.ptau_1, tmp_path / "b.ptau", BEACON, "10", "-n=final beacon", cwd=tmp_path)
    assert (tmp_path / "b.ptau").read_bytes() == files.ptau_beacon.read_bytes()
    zkopt_ok("powersoftau", "prepare", "phase2", files.ptau_beacon, tmp_path / "f.ptau", cwd=tmp_path)
    assert (tmp_path / "f.ptau").read_bytes() == files.ptau_final.read_bytes()
    zkopt_ok("zkey", "new", files.r1cs, files.ptau_final, tmp_path / "0.zkey", cwd=tmp_path)
    assert (tmp_path / "0.zkey").read_bytes() == files.zkey_0.read_bytes()
    zkopt_ok("zkey", "beacon", files.zkey_1, tmp_path / "f.zkey", BEACON, "10", "-n=zkey beacon", cwd=tmp_path)
    assert (tmp_path / "f.zkey").read_bytes() == files.zkey_final.read_bytes()


def test_a_snarkjs_ptau_continued_by_zkopt_verifies_in_snarkjs(files, node_tools, tmp_path):
    zkopt_ok("ptau", "contribute", files.ptau_1, "2.ptau", "--name=zkopt", "-e=zkopt text", cwd=tmp_path)
    zkopt_ok("ptau", "beacon", "2.ptau", "3.ptau", BEACON, "10", cwd=tmp_path)
    zkopt_ok("ptau", "prepare", "3.ptau", "final.ptau", cwd=tmp_path)
    assert "Powers of Tau Ok!" in ok([*node_tools.snarkjs(), "powersoftau", "verify", "final.ptau"], tmp_path)
    report = zkopt_ok("ptau", "verify", "final.ptau", cwd=tmp_path)
    assert "contribution #1 alice" in report and "contribution #2 zkopt" in report and report.endswith(
        "prepared for phase 2\n")


def test_a_zkopt_ptau_continued_by_snarkjs_verifies_in_zkopt(node_tools, tmp_path):
    sj = node_tools.snarkjs()
    zkopt_ok("ptau", "new", "bn128", "4", "0.ptau", cwd=tmp_path)
    zkopt_ok("ptau", "contribute", "0.ptau", "1.ptau", "-n=zkopt", "-e=text", cwd=tmp_path)
    ok([*sj, "powersoftau", "contribute", "1.ptau", "2.ptau", "--name=snarkjs", "-e=more text"], tmp_path)
    ok([*sj, "powersoftau", "prepare", "phase2", "2.ptau", "final.ptau"], tmp_path)
    out = json.loads(zkopt_ok("ptau", "verify", "final.ptau", "--json", cwd=tmp_path))
    assert [c["name"] for c in out["contributions"]] == ["zkopt", "snarkjs"] and out["prepared"]
    assert "Powers of Tau Ok!" in ok([*sj, "powersoftau", "verify", "final.ptau"], tmp_path)


def test_phase2_across_both_tools(files, node_tools, tmp_path):
    sj = node_tools.snarkjs()
    zkopt_ok("zkey", "contribute", files.zkey_0, "1.zkey", "--name=zkopt one", "-e=a", cwd=tmp_path)
    ok([*sj, "zkey", "contribute", "1.zkey", "2.zkey", "--name=snarkjs two", "-e=b"], tmp_path)
    zkopt_ok("zkey", "contribute", "2.zkey", "3.zkey", "-n=zkopt three", "-e=c", cwd=tmp_path)
    assert "ZKey Ok!" in ok([*sj, "zkey", "verify", files.r1cs, files.ptau_final, "3.zkey"], tmp_path)
    out = json.loads(zkopt_ok("zkey", "verify", "r1cs", files.r1cs, files.ptau_final, "3.zkey", "--json",
                              cwd=tmp_path))
    assert [c["name"] for c in out["contributions"]] == ["zkopt one", "snarkjs two", "zkopt three"]
    # snarkjs prints the same contribution hashes zkopt lists
    printed = ok([*sj, "zkey", "verify", files.r1cs, files.ptau_final, "3.zkey"], tmp_path).replace(" ", "")
    for c in out["contributions"]:
        assert "".join(c["hash"][i : i + 8] for i in range(0, 32, 8)) in printed.replace("\n", "").replace("\t", "")
    # and the snarkjs-only transcript of the fixture verifies in zkopt
    assert "valid" in zkopt_ok("zkey", "verify", files.r1cs, files.ptau_final, files.zkey_final, cwd=tmp_path)


def test_a_tampered_contribution_is_caught_by_both(files, node_tools, tmp_path):
    key = zkey.read(files.zkey_final)
    records = list(key.contributions)
    records[0] = dataclasses.replace(records[0], g2_spx=curve.g2_mul(records[0].g2_spx, 2))
    zkey.write(key.replace(contributions=records), tmp_path / "bad.zkey")
    done = run([*node_tools.snarkjs(), "zkey", "verify", files.r1cs, files.ptau_final, "bad.zkey"], tmp_path)
    assert "ZKey Ok!" not in done.stdout and "INVALID" in done.stdout + done.stderr
    ours = zkopt("zkey", "verify", files.r1cs, files.ptau_final, "bad.zkey", cwd=tmp_path)
    assert ours.returncode == 1 and ours.stderr.startswith("invalid: contribution #1 (bob): its proof of knowledge")
    assert ours.stderr.count("\n") == 1


def test_proofs_from_the_final_key_cross_over(files, node_tools, tmp_path):
    sj = node_tools.snarkjs()
    zkopt_ok("zkey", "contribute", files.zkey_final, "ours.zkey", "-e=x", cwd=tmp_path)
    zkopt_ok("zkey", "export", "verificationkey", "ours.zkey", "vk.json", cwd=tmp_path)
    # zkopt proves (from a .wtns and from the .wasm), snarkjs verifies
    zkopt_ok("prove", "--zkey", "ours.zkey", "--wtns", files.wtns, "--proof", "p1.json", "--public", "pub1.json",
             cwd=tmp_path)
    zkopt_ok("prove", "--zkey", "ours.zkey", "--wasm", files.wasm, "--input", files.input, "--proof", "p2.json",
             "--public", "pub2.json", cwd=tmp_path)
    for proof, public in (("p1.json", "pub1.json"), ("p2.json", "pub2.json")):
        assert "OK!" in ok([*sj, "groth16", "verify", "vk.json", public, proof], tmp_path)
    assert json.loads((tmp_path / "pub1.json").read_text()) == [str(5 * 7 + 11 * 11), "5", "7"]
    # snarkjs proves with zkopt's key, zkopt verifies (and refuses a changed public input)
    ok([*sj, "groth16", "prove", "ours.zkey", files.wtns, "p3.json", "pub3.json"], tmp_path)
    assert "valid" in zkopt_ok("groth16", "verify", "vk.json", "pub3.json", "p3.json", cwd=tmp_path)
    (tmp_path / "pub4.json").write_text(json.dumps([str(5 * 7 + 11 * 11 + 1), "5", "7"]))
    assert zkopt("verify", "--vk", "vk.json", "--public", "pub4.json", "--proof", "p3.json", cwd=tmp_path).returncode == 1


def test_single_party_setup_of_a_circom_circuit(files, node_tools, tmp_path):
    sj = node_tools.snarkjs()
    zkopt_ok("setup", "--r1cs", files.r1cs, "--out", "keys", cwd=tmp_path)
    ok([*sj, "groth16", "prove", "keys/circuit.zkey", files.wtns, "p.json", "pub.json"], tmp_path)
    assert "OK!" in ok([*sj, "groth16", "verify", "keys/verification_key.json", "pub.json", "p.json"], tmp_path)
    zkopt_ok("groth16", "prove", "keys/circuit.zkey", files.wtns, "q.json", "qub.json", cwd=tmp_path)
    assert "OK!" in ok([*sj, "groth16", "verify", "keys/verification_key.json", "qub.json", "q.json"], tmp_path)


def test_an_exported_zkopt_circuit_gets_the_same_zkey_from_both(files, node_tools, tmp_path):
    zkopt_ok("export", "r1cs", "chain", "c.r1cs", "--param", "n=6", cwd=tmp_path)
    ok([*node_tools.snarkjs(), "zkey", "new", "c.r1cs", files.ptau_final, "s.zkey"], tmp_path)
    zkopt_ok("zkey", "new", "chain", files.ptau_final, "z.zkey", "--param", "n=6", cwd=tmp_path)
    assert (tmp_path / "s.zkey").read_bytes() == (tmp_path / "z.zkey").read_bytes()
    assert circom.read_r1cs(tmp_path / "c.r1cs").shape.digest() == r1cs.compile(Chain(6)).digest()
    # a snarkjs contribution to a zkopt circuit's key, then a zkopt proof of that circuit
    ok([*node_tools.snarkjs(), "zkey", "contribute", "z.zkey", "z1.zkey", "-e=t"], tmp_path)
    (tmp_path / "in.json").write_text('{"x": "3"}')
    zkopt_ok("prove", "--zkey", "z1.zkey", "--circuit", "chain", "--param", "n=6", "--input", "in.json",
             "--proof", "p.json", "--public", "pub.json", cwd=tmp_path)
    zkopt_ok("zkey", "export", "verificationkey", "z1.zkey", "vk.json", cwd=tmp_path)
    assert "OK!" in ok([*node_tools.snarkjs(), "groth16", "verify", "vk.json", "pub.json", "p.json"], tmp_path)
    assert json.loads((tmp_path / "pub.json").read_text()) == [str(3 ** 7)]

