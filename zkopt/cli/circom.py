"""circom circuits on the command line: snarkjs' ``groth16 setup | prove | verify`` and ``wtns calculate``,
and the work behind ``zkopt setup --r1cs`` and ``zkopt prove --zkey``.

Keys are snarkjs' ``.zkey`` files, witnesses circom's ``.wtns`` (or its
``.wasm`` witness calculator, run with node); proofs and keys are snarkjs'
JSON. The work is in ``zkopt.r1cs.circom``, ``zkopt.groth16.zkey`` and
``zkopt.ceremony.phase2``.
"""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.ceremony import write_public, zkey_new
from zkopt.cli.common import PARAMS, VERBOSE, build_circuit, handle_errors
from zkopt.files import read_json, write_atomic


def prove_zkey(zkey_path: str, wtns_path: str | None, wasm_path: str | None, input_path: str | None,
               circuit: str | None, params: tuple[str, ...], proof_path: str, public_path: str) -> None:
    """`zkopt prove --zkey`: a circom witness (.wtns, or .wasm + input.json) or a zkopt circuit's input."""
    from zkopt import r1cs
    from zkopt.errors import MalformedInput, MalformedKey
    from zkopt.groth16 import snarkjs
    from zkopt.groth16 import zkey as zkey_file
    from zkopt.proving_jobs import prove_inputs
    from zkopt.r1cs import circom

    given = [name for name, v in (("--wtns", wtns_path), ("--wasm", wasm_path), ("--circuit", circuit)) if v]
    if len(given) != 1:
        raise click.UsageError("with --zkey give one witness source: --wtns W.wtns, --wasm C.wasm --input "
                               "input.json, or --circuit NAME --input input.json")
    key = zkey_file.read(zkey_path)
    if circuit is not None:
        if input_path is None:
            raise click.UsageError("--circuit needs --input input.json")
        shape = r1cs.compile(build_circuit(circuit, params))
        if key.n_vars != shape.n_variables or key.coeffs != zkey_file.coefficients_of(shape):
            raise MalformedKey(f"{zkey_path} is not a key for {circuit} {shape.params}")
        pk = key.to_proving_key(shape.name, shape.params, shape.digest())
        public, proof = prove_inputs(pk, read_json(input_path, "input", MalformedInput))
    else:
        if params:
            raise click.UsageError("--param applies to --circuit")
        if wasm_path is not None and input_path is None:
            raise click.UsageError("--wasm needs --input input.json")
        if wtns_path is not None and input_path is not None:
            raise click.UsageError("--input goes with --wasm or --circuit, not with --wtns")
        values = circom.read_wtns(wtns_path) if wtns_path else circom.calculate_witness(wasm_path, input_path)
        proof, public = key.prove(values)
    write_atomic(proof_path, snarkjs.dumps(snarkjs.proof_to_json(proof)), 0o644)
    write_atomic(public_path, snarkjs.dumps(snarkjs.public_to_json(public)), 0o644)


def setup_r1cs(r1cs_path: str, out_dir: str) -> None:
    """`zkopt setup --r1cs C.r1cs`: a single-party setup of a circom circuit, written as a .zkey snarkjs reads."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import snarkjs
    from zkopt.groth16 import zkey as zkey_file
    from zkopt.r1cs import circom

    shape = circom.read_r1cs(r1cs_path).shape
    key = phase2.single_party(shape)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_public(out / "circuit.zkey", zkey_file.dumps(key))
    write_public(out / "verification_key.json", snarkjs.dumps(snarkjs.vk_to_json(key.verifying_key())))
    click.echo(f"{r1cs_path}: {shape.n_constraints} constraints, {shape.n_public} public signals; "
               f"{out}/circuit.zkey and {out}/verification_key.json written (single-party setup: not for production)")


@click.group("groth16")
def groth16():
    """snarkjs' groth16 setup / prove / verify, on .zkey and .wtns files."""


@groth16.command("setup")
@click.argument("circuit", metavar="CIRCUIT.r1cs|CIRCUIT")
@click.argument("ptau_path", metavar="PTAU")
@click.argument("out", default="circuit_0000.zkey", required=False)
@PARAMS
@VERBOSE
@handle_errors
def groth16_setup(circuit: str, ptau_path: str, out: str, params: tuple[str, ...], verbose: bool):
    """The same as `zkey new` (snarkjs' alias)."""
    zkey_new(circuit, ptau_path, out, params, verbose)


@groth16.command("prove")
@click.argument("zkey_path", metavar="ZKEY")
@click.argument("wtns_path", metavar="WTNS")
@click.argument("proof_path", metavar="PROOF", default="proof.json", required=False)
@click.argument("public_path", metavar="PUBLIC", default="public.json", required=False)
@VERBOSE
@handle_errors
def groth16_prove(zkey_path: str, wtns_path: str, proof_path: str, public_path: str, verbose: bool):
    """Prove with a zkey and a circom witness file; the proof is checked before it is written."""
    prove_zkey(zkey_path, wtns_path, None, None, None, (), proof_path, public_path)


@groth16.command("verify")
@click.argument("vk_path", metavar="VERIFICATION_KEY")
@click.argument("public_path", metavar="PUBLIC")
@click.argument("proof_path", metavar="PROOF")
@VERBOSE
@click.pass_context
def groth16_verify(ctx: click.Context, vk_path: str, public_path: str, proof_path: str, verbose: bool):
    """Verify a proof (exit 0 valid, 1 invalid, 2 unusable): `zkopt verify VK PUBLIC PROOF` under snarkjs' name."""
    from zkopt.cli.proofs import verify

    ctx.invoke(verify, files=(vk_path, public_path, proof_path))


@click.group("wtns")
def wtns():
    """circom witness files."""


@wtns.command("calculate")
@click.argument("wasm_path", metavar="CIRCUIT.wasm")
@click.argument("input_path", metavar="INPUT.json")
@click.argument("out", default="witness.wtns", required=False)
@VERBOSE
@handle_errors
def wtns_calculate(wasm_path: str, input_path: str, out: str, verbose: bool):
    """Run the circuit's witness calculator (node) and write the .wtns."""
    from zkopt.r1cs import circom

    values = circom.calculate_witness(wasm_path, input_path)
    write_atomic(out, circom.dumps_wtns(values), 0o600)
    click.echo(f"wrote {out}: {len(values)} values")
