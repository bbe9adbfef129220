"""The zkopt CLI through click's runner: results, exit codes 0/1/2, one-line reasons, no tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zkopt.cli import main
from zkopt.field import R


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_one_line_error(result, code: int, fragment: str):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    result = invoke("setup", "chain", "--param", "n=4", "--out", str(d / "keys") + "/")  # a trailing slash as typed
    assert result.exit_code == 0, result.output
    assert "4 constraints" in result.output and "//" not in result.output
    (d / "input.json").write_text('{"x": "3"}')
    result = invoke(
        "prove", "--pk", str(d / "keys" / "proving_key.zkpk"), "--input", str(d / "input.json"),
        "--proof", str(d / "proof.json"), "--public", str(d / "public.json"),
    )
    assert result.exit_code == 0, result.output
    return d


def verify_args(d, public=None, proof=None, vk=None):
    return (
        "verify", "--vk", str(vk or d / "keys" / "verification_key.json"),
        "--public", str(public or d / "public.json"), "--proof", str(proof or d / "proof.json"),
    )


def test_verify_valid(proved):
    assert json.loads((proved / "public.json").read_text()) == [str(3**5)]
    result = invoke(*verify_args(proved))
    assert result.exit_code == 0
    assert result.output.strip() == "valid: proof verifies"


def test_verify_takes_snarkjs_positional_order_and_json(proved, tmp_path):
    files = [str(proved / "keys" / "verification_key.json"), str(proved / "public.json"), str(proved / "proof.json")]
    result = invoke("verify", *files)
    assert result.exit_code == 0 and result.output.strip() == "valid: proof verifies"
    result = invoke("verify", "--json", *files)
    assert result.exit_code == 0 and json.loads(result.output) == {"valid": True, "proofs": 1}
    result = invoke("verify", "--batch", "--json", *files, files[1], files[2])
    assert result.exit_code == 0 and json.loads(result.output) == {"valid": True, "proofs": 2}
    # Negative twins: a changed public input is still 1; mixed or incomplete forms are usage errors (2).
    (tmp_path / "public.json").write_text(json.dumps([str(3**5 + 1)]))
    assert_one_line_error(invoke("verify", files[0], str(tmp_path / "public.json"), files[2]), 1, "invalid:")
    assert_one_line_error(invoke("verify", files[0], files[1]), 2, "VK PUBLIC PROOF")
    assert_one_line_error(invoke("verify", *files, "--vk", files[0]), 2, "either positionally")
    assert_one_line_error(invoke("verify"), 2, "missing files")


def test_echoed_input_is_quoted_ascii_and_short(tmp_path):
    # A look-alike name (Cyrillic e) is shown escaped, never as the real name; a huge one is cut.
    assert_one_line_error(invoke("setup", "d\u0435posit", "--out", str(tmp_path)), 2, "unknown circuit 'd\\u0435posit'")
    result = invoke("setup", "x" * 100_000, "--out", str(tmp_path))
    assert_one_line_error(result, 2, "(100,000 characters)")
    assert len(result.output) < 300


def test_setup_help_lists_the_circuits():
    from zkopt.circuits import REGISTRY

    result = invoke("setup", "--help")
    assert result.exit_code == 0
    for name in REGISTRY:
        assert f"  {name} " in result.output, name


def test_verify_changed_public_input_exits_1(proved, tmp_path):
    (tmp_path / "public.json").write_text(json.dumps([str(3**5 + 1)]))
    assert_one_line_error(invoke(*verify_args(proved, public=tmp_path / "public.json")), 1, "invalid:")


@pytest.mark.parametrize(
    "public, fragment",
    [
        ([str(3**5 + R)], "out of range"),
        (["0xf3"], "not a canonical decimal"),
        (["0243"], "not a canonical decimal"),
        ([243], "decimal string"),
        ([], "expected 1 public inputs, got 0"),
        (["243", "1"], "expected 1 public inputs, got 2"),
        ({"y": "243"}, "must be a JSON list"),
    ],
)
def test_verify_malformed_public_exits_2(proved, tmp_path, public, fragment):
    (tmp_path / "public.json").write_text(json.dumps(public))
    assert_one_line_error(invoke(*verify_args(proved, public=tmp_path / "public.json")), 2, fragment)


def _tamper_proof(proved, tmp_path, change):
    proof = json.loads((proved / "proof.json").read_text())
    change(proof)
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    return path


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda p: p["pi_a"].__setitem__(1, str(int(p["pi_a"][1]) + 1)), "not on the curve"),
        (lambda p: p["pi_a"].__setitem__(2, "2"), "z coordinate"),
        (lambda p: p["pi_a"].pop(), "list of 3"),
        (lambda p: p["pi_b"].__setitem__(0, p["pi_b"][0][::-1]), "proof.pi_b"),
        (lambda p: p["pi_c"].__setitem__(0, hex(int(p["pi_c"][0]))), "not a canonical decimal"),
        (lambda p: p.__setitem__("protocol", "plonk"), "not for groth16"),
        (lambda p: p.__setitem__("extra", 1), "unknown field 'extra'"),
        (lambda p: p.pop("pi_c"), "lacks 'pi_c'"),
        (lambda p: p.__setitem__("pi_c", ["0", "1", "0"]), "infinity"),
    ],
)
def test_verify_malformed_proof_exits_2(proved, tmp_path, change, fragment):
    path = _tamper_proof(proved, tmp_path, change)
    assert_one_line_error(invoke(*verify_args(proved, proof=path)), 2, fragment)


def test_verify_swapped_a_and_c_exits_1(proved, tmp_path):
    def swap(p):
        p["pi_a"], p["pi_c"] = p["pi_c"], p["pi_a"]

    assert_one_line_error(invoke(*verify_args(proved, proof=_tamper_proof(proved, tmp_path, swap))), 1, "invalid:")


@pytest.mark.parametrize(
    "content, fragment",
    [("", "not valid JSON"), ("{", "not valid JSON"), ("[1, 2]", "must be a JSON object")],
)
def test_verify_unreadable_files_exit_2(proved, tmp_path, content, fragment):
    (tmp_path / "proof.json").write_text(content)
    assert_one_line_error(invoke(*verify_args(proved, proof=tmp_path / "proof.json")), 2, fragment)


def test_verify_missing_file_exits_2(proved, tmp_path):
    assert_one_line_error(invoke(*verify_args(proved, vk=tmp_path / "nope.json")), 2, "not found")


def test_verify_bad_vk_exits_2(proved, tmp_path):
    vk = json.loads((proved / "keys" / "verification_key.json").read_text())
    vk["nPublic"] = 2
    (tmp_path / "vk.json").write_text(json.dumps(vk))
    assert_one_line_error(invoke(*verify_args(proved, vk=tmp_path / "vk.json")), 2, "IC must hold")


def test_setup_rejects_unknown_circuit_and_bad_params(tmp_path):
    assert_one_line_error(invoke("setup", "nope", "--out", str(tmp_path)), 2, "unknown circuit")
    result = invoke("setup", "chain", "--param", "n=abc", "--out", str(tmp_path))
    assert result.exit_code == 2 and "KEY=INTEGER" in result.output
    assert_one_line_error(invoke("setup", "chain", "--param", "m=3", "--out", str(tmp_path)), 2, "bad parameters")


def test_prove_rejects_bad_input_and_key(proved, tmp_path):
    pk = str(proved / "keys" / "proving_key.zkpk")
    out = ("--proof", str(tmp_path / "p.json"), "--public", str(tmp_path / "q.json"))
    (tmp_path / "in.json").write_text('{"x": "-3"}')
    assert_one_line_error(invoke("prove", "--pk", pk, "--input", str(tmp_path / "in.json"), *out), 2, "input x")
    (tmp_path / "in.json").write_text('{"y": "3"}')
    assert_one_line_error(invoke("prove", "--pk", pk, "--input", str(tmp_path / "in.json"), *out), 2, "missing")
    data = (proved / "keys" / "proving_key.zkpk").read_bytes()
    (tmp_path / "short.zkpk").write_bytes(data[:-10])
    (tmp_path / "in.json").write_text('{"x": "3"}')
    result = invoke("prove", "--pk", str(tmp_path / "short.zkpk"), "--input", str(tmp_path / "in.json"), *out)
    assert_one_line_error(result, 2, "proving key")
    assert not (tmp_path / "p.json").exists()


@pytest.fixture(scope="module")
def batch(proved, tmp_path_factory):
    """Three fresh proofs of the same statement, plus the module's first one."""
    d = tmp_path_factory.mktemp("batch")
    pairs = [(proved / "public.json", proved / "proof.json")]
    for i in range(3):
        public, proof = d / f"public{i}.json", d / f"proof{i}.json"
        result = invoke(
            "prove", "--pk", str(proved / "keys" / "proving_key.zkpk"), "--input", str(proved / "input.json"),
            "--proof", str(proof), "--public", str(public),
        )
        assert result.exit_code == 0, result.output
        pairs.append((public, proof))
    return pairs


def batch_args(proved, pairs):
    args = ["verify", "--batch", "--vk", str(proved / "keys" / "verification_key.json")]
    for public, proof in pairs:
        args += ["--public", str(public), "--proof", str(proof)]
    return args


def test_verify_batch_valid(proved, batch):
    result = invoke(*batch_args(proved, batch))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "valid: all 4 proofs verify"


def test_verify_batch_names_the_bad_proof(proved, batch, tmp_path):
    bad_public = tmp_path / "bad_public.json"
    bad_public.write_text(json.dumps([str(3**5 + 1)]))
    pairs = list(batch)
    pairs[2] = (bad_public, pairs[2][1])
    result = invoke(*batch_args(proved, pairs))
    assert_one_line_error(result, 1, f"1 of 4 proofs do not verify: {pairs[2][1]}")


def test_verify_batch_malformed_member_exits_2(proved, batch, tmp_path):
    short = tmp_path / "short_public.json"
    short.write_text("[]")
    pairs = list(batch)
    pairs[1] = (short, pairs[1][1])
    assert_one_line_error(invoke(*batch_args(proved, pairs)), 2, f"{short}: expected 1 public inputs, got 0")


def test_verify_pairs_must_match(proved, batch):
    args = batch_args(proved, batch)[:-2]  # drop the last --proof
    result = invoke(*args)
    assert result.exit_code == 2 and "pairs" in result.output
    result = invoke(*batch_args(proved, batch)[1:])  # several proofs without --batch
    assert result.exit_code == 2 and "--batch" in result.output


def test_transaction_circuits_through_setup_prove_verify(tmp_path):
    """zkopt setup/prove/verify work for the option circuits too (withdraw at depth 4: a Merkle path inside)."""
    from zkopt.circuits import withdraw
    from zkopt.native.merkle import MerkleTree
    from zkopt.native.notes import CashNote, public_key

    sk = 123456789
    note = CashNote(5_000_000, public_key(sk), 42)
    tree = MerkleTree(depth=4)
    tree.append(777)
    index = tree.append(note.commitment())
    inputs = withdraw.inputs(note, sk, tree.membership(index), amount=1_250_000, recipient=99)
    (tmp_path / "input.json").write_text(json.dumps(inputs))

    keys = tmp_path / "keys"
    result = invoke("setup", "withdraw", "--param", "depth=4", "--out", str(keys))
    assert result.exit_code == 0 and "withdraw: 2559 constraints" in result.output, result.output
    result = invoke(
        "prove", "--pk", str(keys / "proving_key.zkpk"), "--input", str(tmp_path / "input.json"),
        "--proof", str(tmp_path / "proof.json"), "--public", str(tmp_path / "public.json"),
    )
    assert result.exit_code == 0, result.output
    public = json.loads((tmp_path / "public.json").read_text())
    assert public[2:4] == ["1250000", "99"]  # root, nf_in, amount, recipient, cm_change
    args = ("verify", "--vk", str(keys / "verification_key.json"), "--public", str(tmp_path / "public.json"),
            "--proof", str(tmp_path / "proof.json"))
    assert invoke(*args).exit_code == 0
    # Redirecting the withdrawal to another recipient breaks the proof.
    public[3] = "100"
    (tmp_path / "public.json").write_text(json.dumps(public))
    assert_one_line_error(invoke(*args), 1, "invalid:")
    # Asking for more than the note holds gives no proof: the circuit names the failing constraint.
    (tmp_path / "input.json").write_text(json.dumps({**inputs, "amount": "6000000"}))
    result = invoke(
        "prove", "--pk", str(keys / "proving_key.zkpk"), "--input", str(tmp_path / "input.json"),
        "--proof", str(tmp_path / "p2.json"), "--public", str(tmp_path / "q2.json"),
    )
    assert_one_line_error(result, 1, "invalid: constraint not satisfied: withdraw/")
