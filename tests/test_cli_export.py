"""`zkopt export solidity` and `zkopt export calldata` without an EVM: naming, determinism, and every refusal.

What the generated contracts do on a real EVM is tests/test_evm_verifier.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil

import pytest

from tests.cli_fixtures import fails, ok, shared_keys
from zkopt import circuits
from zkopt.evm import calldata, solidity
from zkopt.field import R
from zkopt.groth16 import snarkjs
from zkopt.keydir import KeyDir


@pytest.fixture(scope="module")
def keys() -> KeyDir:
    return KeyDir(shared_keys())


def _vk(keys: KeyDir, kind: str):
    return snarkjs.vk_from_json(json.loads(keys.vk_path(kind).read_text()))


def test_a_key_directory_names_the_contract_and_its_inputs(keys, tmp_path):
    out = tmp_path / "Verifier.sol"
    result = ok("export", "solidity", "--vk", keys.vk_path("withdraw"), "--out", out)
    assert result.stdout.startswith("WithdrawVerifier (5 public inputs) written to")
    source = out.read_text()
    assert "contract WithdrawVerifier {" in source
    names = re.findall(r"///        \[(\d+)\] (\S+)", source)
    assert [name for _, name in names] == circuits.describe("withdraw", {"depth": 4})["public"]
    assert "uint256[5] calldata input" in source


def test_the_export_is_deterministic_and_names_its_key(keys, tmp_path):
    first, second = tmp_path / "a.sol", tmp_path / "b.sol"
    ok("export", "solidity", "--vk", keys.vk_path("open"), "--out", first)
    ok("export", "solidity", "--vk", keys.vk_path("open"), "--out", second)
    assert first.read_bytes() == second.read_bytes()
    digest = hashlib.sha256(keys.vk_path("open").read_bytes()).hexdigest()  # what sha256sum and `ledger show` print
    assert solidity.key_digest(_vk(keys, "open")) == digest
    assert f"Verification key sha256 {digest}." in first.read_text()


def test_a_key_elsewhere_gets_the_generic_name_unless_a_circuit_is_given(keys, tmp_path):
    vk = tmp_path / "verification_key.json"
    shutil.copy(keys.vk_path("deposit"), vk)
    ok("export", "solidity", "--vk", vk, "--out", tmp_path / "generic.sol")
    generic = (tmp_path / "generic.sol").read_text()
    assert "contract Groth16Verifier {" in generic and "the 2 public inputs, in public.json's order" in generic
    ok("export", "solidity", "--vk", vk, "--out", tmp_path / "named.sol", "--circuit", "deposit")
    assert "contract DepositVerifier {" in (tmp_path / "named.sol").read_text()


def test_a_key_of_another_shape_than_the_circuit_is_refused(keys, tmp_path):
    out = tmp_path / "x.sol"
    fails(2, "has 14 public inputs, but circuit settle", "export", "solidity", "--vk", keys.vk_path("open"),
          "--out", out, "--circuit", "settle")
    fails(2, "unknown circuit 'nope'", "export", "solidity", "--vk", keys.vk_path("open"), "--out", out,
          "--circuit", "nope")
    fails(2, "has 14 public inputs, but circuit open", "export", "solidity", "--vk", keys.vk_path("open"),
          "--out", out, "--param", "grid=9")
    fails(2, "--param", "export", "solidity", "--vk", keys.vk_path("open"), "--out", out, "--param", "grid")
    assert not out.exists()


def test_unusable_keys_are_refused_in_one_line(keys, tmp_path):
    out = tmp_path / "x.sol"
    fails(2, "not found", "export", "solidity", "--vk", tmp_path / "missing.json", "--out", out)
    (tmp_path / "bad.json").write_text("{")
    fails(2, "not valid JSON", "export", "solidity", "--vk", tmp_path / "bad.json", "--out", out)
    obj = json.loads(keys.vk_path("deposit").read_text())
    obj["vk_alpha_1"][1] = str(int(obj["vk_alpha_1"][1]) + 1)
    (tmp_path / "off_curve.json").write_text(json.dumps(obj))
    fails(2, "vk.vk_alpha_1", "export", "solidity", "--vk", tmp_path / "off_curve.json", "--out", out)
    obj = json.loads(keys.vk_path("deposit").read_text())
    obj["nPublic"], obj["IC"] = 0, obj["IC"][:1]
    (tmp_path / "no_inputs.json").write_text(json.dumps(obj))
    fails(2, "no public inputs", "export", "solidity", "--vk", tmp_path / "no_inputs.json", "--out", out)
    assert not out.exists()


def test_an_ic_point_at_infinity_drops_its_term_but_not_its_range_check(keys):
    vk = _vk(keys, "withdraw")
    source = solidity.verifier_source(dataclasses.replace(vk, ic=(vk.ic[0], None, *vk.ic[2:])))
    assert "input[0]: IC1 is the point at infinity" in source
    assert "mstore(0x1c0, IC1_X)" not in source and "mstore(0x1c0, IC2_X)" in source
    assert "let ok := lt(calldataload(input), R)" in source
    assert "uint256 internal constant IC1_X = 0;" in source


def test_contract_names_and_input_names_are_checked():
    assert solidity.contract_name("settle") == "SettleVerifier"
    assert solidity.contract_name("two_public") == "TwoPublicVerifier"
    assert solidity.contract_name(None) == "Groth16Verifier"
    with pytest.raises(ValueError, match="Solidity contract name"):
        solidity.contract_name("9lives")


def test_input_names_must_match_the_key_and_be_plain(keys):
    vk = _vk(keys, "deposit")
    with pytest.raises(ValueError, match="1 public input names given for a key with 2"):
        solidity.verifier_source(vk, input_names=["amount"])
    with pytest.raises(ValueError, match="not a plain identifier"):
        solidity.verifier_source(vk, input_names=["amount", "x\n}"])


def _proof_files(keys, tmp_path):
    """A proof of deposit written by `zkopt prove` with the shared keys."""
    from zkopt.circuits import deposit
    from zkopt.native.notes import deposit_note

    (tmp_path / "input.json").write_text(json.dumps(deposit.inputs(deposit_note(7, 5, 3), 3)))
    ok("prove", "--pk", keys.pk_path("deposit"), "--input", tmp_path / "input.json",
       "--proof", tmp_path / "proof.json", "--public", tmp_path / "public.json")
    return tmp_path / "proof.json", tmp_path / "public.json"


def test_calldata_lists_the_proof_with_b_in_eip197_order(keys, tmp_path):
    proof_path, public_path = _proof_files(keys, tmp_path)
    text = ok("export", "calldata", "--proof", proof_path, "--public", public_path).stdout
    assert text.endswith("\n") and "\n" not in text[:-1]
    proof = json.loads(proof_path.read_text())
    public = json.loads(public_path.read_text())
    a, b, c, inputs = json.loads(f"[{text}]")
    assert all(re.fullmatch(r"0x[0-9a-f]{64}", x) for x in [*a, *b[0], *b[1], *c, *inputs])
    assert [int(x, 16) for x in a] == [int(x) for x in proof["pi_a"][:2]]
    assert [[int(x, 16) for x in pair] for pair in b] == [[int(p[1]), int(p[0])] for p in proof["pi_b"][:2]]
    assert [int(x, 16) for x in c] == [int(x) for x in proof["pi_c"][:2]]
    assert [int(x, 16) for x in inputs] == [int(x) for x in public]
    parsed = snarkjs.proof_from_json(proof), snarkjs.public_from_json(public)
    assert text[:-1] == calldata.solidity_calldata(*parsed)


def test_calldata_refuses_what_could_not_be_verified(keys, tmp_path):
    proof_path, public_path = _proof_files(keys, tmp_path)
    public = json.loads(public_path.read_text())
    (tmp_path / "big.json").write_text(json.dumps([str(R), *public[1:]]))
    fails(2, "out of range", "export", "calldata", "--proof", proof_path, "--public", tmp_path / "big.json")
    proof = json.loads(proof_path.read_text())
    proof["pi_c"][0] = str(int(proof["pi_c"][0]) + 1)
    (tmp_path / "off.json").write_text(json.dumps(proof))
    fails(2, "proof.pi_c", "export", "calldata", "--proof", tmp_path / "off.json", "--public", public_path)
    fails(2, "not found", "export", "calldata", "--proof", tmp_path / "none.json", "--public", public_path)


def test_encode_call_takes_a_four_byte_selector(keys, tmp_path):
    proof_path, public_path = _proof_files(keys, tmp_path)
    proof = snarkjs.proof_from_json(json.loads(proof_path.read_text()))
    public = snarkjs.public_from_json(json.loads(public_path.read_text()))
    data = calldata.encode_call(b"\x01\x02\x03\x04", proof, public)
    assert len(data) == 4 + 32 * (8 + len(public))
    assert int.from_bytes(data[4 + 32 * 2: 4 + 32 * 3], "big") == proof.b[0][1]  # b[0][0] is x.c1
    with pytest.raises(ValueError, match="4 bytes"):
        calldata.encode_call(b"\x01", proof, public)
