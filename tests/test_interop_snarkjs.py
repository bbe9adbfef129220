"""Interop with the real snarkjs 0.7.x and circom 2 from npm (installed by `.ci/run`).

Both directions: snarkjs accepts proofs and keys zkopt writes, and `zkopt verify`
accepts proofs snarkjs made from circom circuits; each with a tampered twin
that both tools reject. The snarkjs side uses a powers-of-tau and a zkey
contribution, since an uncontributed setup has trivial secrets and accepts
anything.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkopt import r1cs
from zkopt.circuits.chain import Chain
from zkopt.cli import main
from zkopt.groth16 import prove, setup, snarkjs
from tests.sample_circuits import TwoPublic
from tests.snarkjs_tools import run, shared_circom_groth16

pytestmark = pytest.mark.interop

@pytest.fixture(scope="module")
def snarkjs_proofs(node_tools):
    """Compile both fixture circuits with circom2 and prove them with snarkjs: name -> (vk, public, proof)."""
    cases = {"chain": {"x": "3"}, "two_public": {"a": "5", "b": "7", "x": "11"}}
    out = {}
    for name, inputs in cases.items():
        made = shared_circom_groth16(node_tools, name, inputs)
        out[name] = (made.vk, made.public, made.proof)
    return out


@pytest.mark.parametrize("name", ["chain", "two_public"])
def test_zkopt_verify_accepts_snarkjs_proofs(snarkjs_proofs, name):
    vk, public, proof = snarkjs_proofs[name]
    result = CliRunner().invoke(main, ["verify", "--vk", str(vk), "--public", str(public), "--proof", str(proof)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_snarkjs_public_order_is_outputs_then_inputs(snarkjs_proofs):
    _, public, _ = snarkjs_proofs["two_public"]
    assert json.loads(public.read_text()) == [str(5 * 7 + 11 * 11), "5", "7"]


@pytest.mark.parametrize("name", ["chain", "two_public"])
def test_zkopt_verify_rejects_tampered_snarkjs_proofs(snarkjs_proofs, name, tmp_path):
    vk, public, proof = snarkjs_proofs[name]
    signals = json.loads(public.read_text())
    signals[0] = str(int(signals[0]) + 1)
    tampered = tmp_path / "public.json"
    tampered.write_text(json.dumps(signals))
    result = CliRunner().invoke(main, ["verify", "--vk", str(vk), "--public", str(tampered), "--proof", str(proof)])
    assert result.exit_code == 1, result.output


def test_snarkjs_files_have_the_layout_zkopt_writes(snarkjs_proofs):
    for path in snarkjs_proofs["two_public"]:
        text = path.read_text()
        assert snarkjs.dumps(json.loads(text)) == text


def _write_ours(tmp_path: Path, pk, witness, rng) -> tuple[Path, Path, Path]:
    proof = prove(pk, witness, rng)
    vk_path, public_path, proof_path = tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json"
    vk_path.write_text(snarkjs.dumps(snarkjs.vk_to_json(pk.vk)))
    public_path.write_text(snarkjs.dumps(snarkjs.public_to_json(witness.public)))
    proof_path.write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    return vk_path, public_path, proof_path


def _our_two_public():
    return TwoPublic(), {"a": "5", "b": "7", "x": "11"}


@pytest.mark.parametrize("case", ["chain", "two_public"])
def test_snarkjs_verifies_our_proofs_and_rejects_tampered_ones(node_tools, tmp_path, case):
    rng = random.Random(7)
    circuit, inputs = (Chain(4), {"x": "3"}) if case == "chain" else _our_two_public()
    pk = setup(r1cs.compile(circuit), rng)
    witness = r1cs.solve(circuit, inputs)
    vk_path, public_path, proof_path = _write_ours(tmp_path, pk, witness, rng)
    done = run([*node_tools.snarkjs(), "groth16", "verify", str(vk_path), str(public_path), str(proof_path)], tmp_path)
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr

    signals = json.loads(public_path.read_text())
    signals[-1] = str(int(signals[-1]) + 1)
    public_path.write_text(snarkjs.dumps(signals))
    done = run([*node_tools.snarkjs(), "groth16", "verify", str(vk_path), str(public_path), str(proof_path)], tmp_path)
    assert done.returncode != 0 and "Invalid proof" in done.stdout + done.stderr


def test_snarkjs_verifies_a_proof_made_by_the_zkopt_cli(node_tools, tmp_path):
    runner = CliRunner()
    keys = tmp_path / "keys"
    assert runner.invoke(main, ["setup", "chain", "--param", "n=4", "--out", str(keys)]).exit_code == 0
    (tmp_path / "input.json").write_text('{"x": "3"}')
    result = runner.invoke(
        main,
        ["prove", "--pk", str(keys / "proving_key.zkpk"), "--input", str(tmp_path / "input.json"),
         "--proof", str(tmp_path / "proof.json"), "--public", str(tmp_path / "public.json")],
    )
    assert result.exit_code == 0, result.output
    done = run(
        [*node_tools.snarkjs(), "groth16", "verify", str(keys / "verification_key.json"),
         str(tmp_path / "public.json"), str(tmp_path / "proof.json")],
        tmp_path,
    )
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr
