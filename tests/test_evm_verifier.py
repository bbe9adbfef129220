"""Generated Solidity verifiers on real EVMs: zkopt proofs of the four transaction circuits and a snarkjs proof.

Each verifier is written by ``zkopt export solidity`` from a depth-4 key,
compiled with solc-js and deployed once on py-evm (eth-tester). For every
circuit: a valid proof is accepted, and a changed public input, a public
input + r, B in proof.json's coordinate order (not EIP-197's), a
non-canonical A.y (+ q), a B outside the G2 subgroup and the proof of another
circuit are refused, with
``false`` rather than a revert. The same calls on @ethereumjs/evm give the
same answers and the same gas. The call data is what ``snarkjs zkey export
soliditycalldata`` prints. Everything (keys, proofs, contracts) is derived
at test time; only py-evm's pairing is slow (~1 s), so each call runs once,
in a module fixture (half of them in a forked copy of the chain).
"""

from __future__ import annotations

import json
import multiprocessing
import random
from dataclasses import dataclass

import pytest

from tests.circuit_fixtures import DEPTH, transaction_inputs
from tests.cli_fixtures import ok, shared_keys
from tests.snarkjs_tools import shared_circom_groth16
from tests.snarkjs_tools import ok as run_ok
from zkopt import circuits, r1cs
from zkopt.curve import Q
from zkopt.evm import calldata, ethereumjs, solc
from zkopt.evm.devchain import CallResult, DevChain
from zkopt.field import R
from zkopt.groth16 import prove, proving_key_file, snarkjs
from zkopt.keydir import TX_KINDS, circuit_params, KeyDir

pytestmark = pytest.mark.evm

SEED = 14_2026
#: What the precompiles alone cost (EIP-1108): a 4-pair ecPairing, and an ecMul + ecAdd per public input.
PAIRING_GAS = 45_000 + 4 * 34_000
TERM_GAS = 6_000 + 150
#: Our bound on everything else: the dispatcher and memory, and per input two warm calls (100 each) and their setup.
OVERHEAD_GAS, TERM_OVERHEAD_GAS = 1_000, 400


@dataclass
class Case:
    """One call of verifyProof: its arguments and the answer the verifier must give."""

    args: tuple
    expected: bool
    #: A precompile refuses a point: the failed call burns the gas it was given, which differs between EVM harnesses.
    refused_point: bool = False


def _cases(kind: str, proofs: dict, g2_outside_subgroup) -> dict[str, Case]:
    proof, public = proofs[kind]
    a, b, c, inputs = calldata.call_arguments(proof, public)
    (x0, x1), (y0, y1) = g2_outside_subgroup
    other_proof, _ = proofs[TX_KINDS[(TX_KINDS.index(kind) + 1) % len(TX_KINDS)]]
    changed = list(inputs)
    changed[-1] = (changed[-1] + 1) % R
    return {
        "valid": Case((a, b, c, inputs), True),
        "changed-input": Case((a, b, c, changed), False),
        "input-plus-r": Case((a, b, c, [inputs[0] + R, *inputs[1:]]), False),
        "g2-in-proof-json-order": Case((a, [b[0][::-1], b[1][::-1]], c, inputs), False, refused_point=True),
        "a-y-plus-q": Case(([a[0], a[1] + Q], b, c, inputs), False, refused_point=True),
        "b-outside-the-subgroup": Case((a, [[x1, x0], [y1, y0]], c, inputs), False, refused_point=True),
        "proof-of-another-circuit": Case((*calldata.call_arguments(other_proof, public)[:3], inputs), False),
    }


CASES = [
    "valid",
    "changed-input",
    "input-plus-r",
    "g2-in-proof-json-order",
    "a-y-plus-q",
    "b-outside-the-subgroup",
    "proof-of-another-circuit",
]


def _parse_calldata(text: str) -> tuple:
    """snarkjs' soliditycalldata text -> (a, b, c, input) as integers."""
    a, b, c, inputs = json.loads(f"[{text}]")
    return _ints(a), [_ints(pair) for pair in b], _ints(c), _ints(inputs)


def _ints(hex_strings: list[str]) -> list[int]:
    return [int(x, 16) for x in hex_strings]


def _encode(selector: str, n_public: int, args: tuple) -> bytes:
    import eth_abi

    types = ["uint256[2]", "uint256[2][2]", "uint256[2]", f"uint256[{n_public}]"]
    return bytes.fromhex(selector) + eth_abi.encode(types, list(args))


#: The chain a forked process of ``_call_all`` calls (set before the fork; the child inherits it).
_FORKED_CHAIN: DevChain | None = None


def _call_each(calls: list) -> list[CallResult]:
    return [_FORKED_CHAIN.call(address, data) for address, data in calls]


def _call_all(chain: DevChain, calls: list) -> list[CallResult]:
    """[chain.call(address, data) for (address, data) in calls], every other call in a forked copy of the chain.

    The calls only read the chain, so the copy answers as the chain would; py-evm's pairing takes most of a
    second a call, and two processes halve this module's setup.
    """
    global _FORKED_CHAIN
    _FORKED_CHAIN = chain
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            theirs = pool.apply_async(_call_each, (calls[1::2],))
            mine = _call_each(calls[0::2])
            results = [None] * len(calls)
            results[0::2], results[1::2] = mine, theirs.get()
            return results
    finally:
        _FORKED_CHAIN = None


@pytest.fixture(scope="module")
def deployed(evm_tools, tmp_path_factory, g2_outside_subgroup):
    """Per circuit: proof and public inputs, the compiled verifier, its address, and py-evm's result of every case."""
    keys = KeyDir(shared_keys())
    work = tmp_path_factory.mktemp("evm")
    proofs, sources = {}, {}
    for kind, inputs in transaction_inputs(random.Random(SEED)).items():
        pk = proving_key_file.read(keys.pk_path(kind))
        witness = r1cs.solve(circuits.build(kind, circuit_params(kind, DEPTH)), inputs)
        proofs[kind] = (prove(pk, witness, random.Random(SEED + len(kind))), witness.public)
        out = work / f"{kind}.sol"
        ok("export", "solidity", "--vk", keys.vk_path(kind), "--out", out)
        sources[f"{kind}.sol"] = out.read_text()
    compiled = solc.compile_sources(sources, evm_tools.node_path)
    chain = DevChain()
    result = {}
    for kind in TX_KINDS:
        contract = compiled[f"{kind.capitalize()}Verifier"]
        (selector,) = contract.selectors.values()
        address = chain.deploy(contract.bytecode)
        n = len(proofs[kind][1])
        cases = _cases(kind, proofs, g2_outside_subgroup)
        assert list(cases) == CASES
        data = {name: _encode(selector, n, case.args) for name, case in cases.items()}
        result[kind] = {
            "proof": proofs[kind],
            "contract": contract,
            "source": sources[f"{kind}.sol"],
            "address": address,
            "cases": cases,
            "data": data,
        }
    calls = [(kind, name, result[kind]["address"], d) for kind in TX_KINDS for name, d in result[kind]["data"].items()]
    answers = _call_all(chain, [(address, d) for _, _, address, d in calls])
    for kind in TX_KINDS:
        result[kind]["py-evm"] = {name: answer for (k, name, _, _), answer in zip(calls, answers) if k == kind}
    result["chain"] = chain
    return result


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", TX_KINDS)
def test_verify_proof_on_py_evm(deployed, kind, case):
    outcome: CallResult = deployed[kind]["py-evm"][case]
    assert outcome.success, "verifyProof must answer false, never revert"
    assert outcome.as_bool() is deployed[kind]["cases"][case].expected


@pytest.mark.parametrize("kind", TX_KINDS)
def test_out_of_field_input_is_refused_before_any_precompile(deployed, kind):
    # No ecMul ran: the gas is far below a single one (6000) plus the pairing.
    assert deployed[kind]["py-evm"]["input-plus-r"].gas < 2_000
    valid = deployed[kind]["py-evm"]["valid"].gas
    n = len(deployed[kind]["proof"][1])
    assert PAIRING_GAS + n * TERM_GAS < valid < PAIRING_GAS + n * TERM_GAS + OVERHEAD_GAS + n * TERM_OVERHEAD_GAS


def test_second_evm_gives_the_same_answers_and_gas(deployed, evm_tools):
    contracts = [(deployed[k]["contract"].bytecode, list(deployed[k]["data"].values())) for k in TX_KINDS]
    answers = ethereumjs.run(contracts, evm_tools.node_path)
    for kind, (runtime, results) in zip(TX_KINDS, answers):
        assert runtime == deployed[kind]["contract"].runtime
        for (case, ours), theirs in zip(deployed[kind]["py-evm"].items(), results):
            assert (theirs.success, theirs.output) == (ours.success, ours.output), (kind, case)
            if deployed[kind]["cases"][case].refused_point:
                assert min(theirs.gas, ours.gas) > 1_000_000, "a refused point burns the gas forwarded to the precompile"
            else:
                assert theirs.gas == ours.gas, (kind, case)


def test_bytecode_is_reproducible_and_carries_no_metadata_hash(deployed, evm_tools):
    settle_verifier = deployed["settle"]
    again = solc.compile_source(settle_verifier["source"], "SettleVerifier", evm_tools.node_path, unit="Other.sol")
    assert again.bytecode == settle_verifier["contract"].bytecode
    assert deployed["chain"].code(settle_verifier["address"]) == settle_verifier["contract"].runtime
    # The CBOR trailer holds only the compiler version: {"solc": 0.8.28}, then its length (0x000a).
    major, minor, patch = (int(p) for p in solc.SOLC_VERSION.split("."))
    trailer = bytes.fromhex("a164736f6c6343") + bytes([major, minor, patch]) + bytes.fromhex("000a")
    assert settle_verifier["contract"].runtime.endswith(trailer)
    assert settle_verifier["contract"].warnings == ()


def test_our_encoding_is_the_abi_encoding(deployed):
    for kind in TX_KINDS:
        (selector,) = deployed[kind]["contract"].selectors.values()
        proof, public = deployed[kind]["proof"]
        assert calldata.encode_call(bytes.fromhex(selector), proof, public) == deployed[kind]["data"]["valid"]
        assert deployed[kind]["contract"].selectors == {calldata.signature(len(public)): selector}


@pytest.mark.parametrize("kind", TX_KINDS)
def test_calldata_is_what_snarkjs_prints(deployed, evm_tools, tmp_path, kind):
    proof, public = deployed[kind]["proof"]
    (tmp_path / "proof.json").write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    (tmp_path / "public.json").write_text(snarkjs.dumps(snarkjs.public_to_json(public)))
    ours = ok("export", "calldata", "--proof", tmp_path / "proof.json", "--public", tmp_path / "public.json").stdout
    theirs = run_ok([*evm_tools.snarkjs(), "zkey", "export", "soliditycalldata", "public.json", "proof.json"], tmp_path)
    assert ours == theirs
    # And it is exactly what the EVM accepted.
    assert _parse_calldata(ours) == deployed[kind]["cases"]["valid"].args


@pytest.fixture(scope="module")
def snarkjs_case(evm_tools, tmp_path_factory):
    """A circom circuit proved by snarkjs; zkopt's and snarkjs' own verifiers of its key, each deployed on py-evm."""
    work = tmp_path_factory.mktemp("snarkjs-evm")
    made = shared_circom_groth16(evm_tools, "two_public", {"a": "5", "b": "7", "x": "11"})
    ok("export", "solidity", "--vk", made.vk, "--out", work / "Ours.sol")
    run_ok([*evm_tools.snarkjs(), "zkey", "export", "solidityverifier", str(made.zkey), "Theirs.sol"], work)
    text = ok("export", "calldata", "--proof", made.proof, "--public", made.public).stdout
    snarkjs_text = run_ok(
        [*evm_tools.snarkjs(), "zkey", "export", "soliditycalldata", str(made.public), str(made.proof)], work
    )
    a, b, c, inputs = _parse_calldata(text)
    calls = {
        "Ours": {"valid": inputs, "changed": [(inputs[0] + 1) % R, *inputs[1:]]},
        "Theirs": {"valid": inputs},
    }
    chain = DevChain()
    out = {"calldata": (text, snarkjs_text)}
    for label, cases in calls.items():
        contract = solc.compile_source((work / f"{label}.sol").read_text(), "Groth16Verifier", evm_tools.node_path)
        (selector,) = contract.selectors.values()
        address = chain.deploy(contract.bytecode)
        out[label] = {
            name: chain.call(address, _encode(selector, len(public), (a, b, c, public))) for name, public in cases.items()
        }
    return out


def test_snarkjs_proof_verifies_on_chain_and_a_changed_input_does_not(snarkjs_case):
    assert snarkjs_case["Ours"]["valid"].as_bool() is True
    assert snarkjs_case["Ours"]["changed"].as_bool() is False


def test_snarkjs_calldata_text_is_ours(snarkjs_case):
    ours, theirs = snarkjs_case["calldata"]
    assert ours == theirs


def test_our_verifier_costs_no_more_gas_than_snarkjs_on_the_same_key(snarkjs_case):
    assert snarkjs_case["Theirs"]["valid"].as_bool() is True
    assert snarkjs_case["Ours"]["valid"].gas <= snarkjs_case["Theirs"]["valid"].gas
