"""``zkopt export``: a Solidity verifier for a verification key, the call data of a proof for it, and a zkopt
circuit as circom's ``.r1cs``.

The work is in ``zkopt.evm`` and ``zkopt.r1cs.circom``; this module only
reads files, names the contract and prints.
"""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.common import PARAMS, handle_errors, parse_params
from zkopt.files import read_json


@click.group("export")
def export():
    """Export for Ethereum (a Solidity verifier of a key, the verifyProof call data of a proof) and for circom
    tooling (a circuit as .r1cs)."""


def _circuit_of(vk_path: Path, circuit: str | None, params: dict[str, int]) -> tuple[str | None, dict[str, int]]:
    """The circuit a key belongs to: --circuit, else the key's directory name when it names a circuit.

    Key directories (`ledger init --keys DIR`) hold DIR/<circuit>/verification_key.json
    next to DIR/keys.json, which records each circuit's parameters; those are
    the defaults for --param.
    """
    from zkopt import circuits
    from zkopt.errors import MalformedInput
    from zkopt.keydir import KeyDir

    named = circuit or (vk_path.parent.name if vk_path.parent.name in circuits.REGISTRY else None)
    if named is None:
        return None, params
    recorded: dict[str, int] = {}
    if circuit is None:
        try:
            entry = KeyDir(vk_path.parent.parent).manifest().get(named)
        except MalformedInput:
            entry = None
        if isinstance(entry, dict) and isinstance(entry.get("params"), dict):
            recorded = entry["params"]
    return named, {**recorded, **params}


@export.command("solidity")
@click.option("--vk", "vk_path", required=True, type=click.Path(dir_okay=False), help="verification_key.json (snarkjs format).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Where to write the contract (Verifier.sol).")
@click.option("--circuit", "circuit", help="The key's circuit: names the contract (SettleVerifier) and its inputs "
              "[default: the key's directory name when it is a circuit's, else a generic Groth16Verifier].")
@PARAMS
@handle_errors
def export_solidity(vk_path: str, out: str, circuit: str | None, params: tuple[str, ...]):
    """Write a Solidity verifier of VK: verifyProof(a, b, c, input) returns true iff the proof verifies.

    The ABI is the one snarkjs' verifiers have; feed it `zkopt export calldata`.
    Tested with solc 0.8.28 (optimizer on, evmVersion shanghai).
    """
    from zkopt import circuits
    from zkopt.errors import MalformedInput, MalformedKey
    from zkopt.evm import solc, solidity
    from zkopt.groth16 import snarkjs

    vk = snarkjs.vk_from_json(read_json(vk_path, "verification key", MalformedKey))
    name, circuit_params = _circuit_of(Path(vk_path), circuit, parse_params(params))
    input_names = None
    if name is not None:
        try:
            input_names = circuits.describe(name, circuit_params)["public"]
        except ValueError as exc:
            raise MalformedInput(str(exc)) from None
        if len(input_names) != vk.n_public:
            raise MalformedKey(
                f"{vk_path} has {vk.n_public} public inputs, but circuit {name} ({circuit_params or 'defaults'}) takes "
                f"{len(input_names)}: pass the right --circuit and --param"
            )
    try:
        source = solidity.verifier_source(vk, circuit=name, input_names=input_names)
    except ValueError as exc:
        raise MalformedKey(str(exc)) from None
    Path(out).write_text(source)
    contract = solidity.contract_name(name)
    click.echo(
        f"{contract} ({vk.n_public} public inputs) written to {out}; "
        f"compile with solc {solc.SOLC_VERSION}, optimizer on, evmVersion {solc.EVM_VERSION}"
    )


@export.command("calldata")
@click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False), help="proof.json.")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False), help="public.json.")
@handle_errors
def export_calldata(proof_path: str, public_path: str):
    """Print verifyProof's arguments for PROOF and PUBLIC, as `snarkjs zkey export soliditycalldata` does.

    The proof's points are checked (on the curve, in the subgroup) and the
    public signals must be canonical (< r); the proof itself is not verified.
    """
    from zkopt.errors import MalformedProof
    from zkopt.evm import calldata
    from zkopt.groth16 import snarkjs

    proof = snarkjs.proof_from_json(read_json(proof_path, "proof", MalformedProof))
    public = snarkjs.public_from_json(read_json(public_path, "public signals", MalformedProof))
    click.echo(calldata.solidity_calldata(proof, public))


@export.command("r1cs")
@click.argument("circuit")
@click.argument("out", required=False)
@PARAMS
@click.option("--sym", "sym_path", type=click.Path(dir_okay=False), help="Also write circom's .sym (wire names).")
@handle_errors
def export_r1cs(circuit: str, out: str | None, params: tuple[str, ...], sym_path: str | None):
    """Write a zkopt circuit as circom's .r1cs (default CIRCUIT.r1cs), for snarkjs and R1CS tooling."""
    import json

    from zkopt import r1cs
    from zkopt.cli.common import build_circuit
    from zkopt.files import write_atomic
    from zkopt.r1cs import circom

    shape = r1cs.compile(build_circuit(circuit, params))
    out = out or f"{circuit}.r1cs"
    write_atomic(out, circom.dumps_r1cs(shape), 0o644)
    if sym_path:
        write_atomic(sym_path, circom.sym_text(shape), 0o644)
    click.echo(f"wrote {out}: {shape.n_constraints} constraints, {shape.n_variables} wires, "
               f"{shape.n_public} public ({json.dumps(shape.params) if shape.params else 'no parameters'})")
