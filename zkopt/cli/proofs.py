"""Proof commands: single-party ``setup``, ``prove``, ``verify`` (one proof or a batch) and ``circuits``."""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.common import PARAMS, build_circuit, echo_json, handle_errors, public_summary
from zkopt.files import read_json


class _SetupCommand(click.Command):
    """``setup --help`` names the circuits CIRCUIT may be (read from the registry only when help is shown)."""

    def format_epilog(self, ctx, formatter):
        from zkopt import circuits

        with formatter.section("Circuits"):
            formatter.write_dl([(name, circuits.describe(name)["statement"]) for name in sorted(circuits.REGISTRY)])
        super().format_epilog(ctx, formatter)


@click.command(cls=_SetupCommand)
@click.argument("circuit", required=False)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for the keys.")
@PARAMS
@click.option("--r1cs", "r1cs_path", type=click.Path(dir_okay=False),
              help="A circom circuit instead of CIRCUIT: writes OUT/circuit.zkey (snarkjs' format).")
@handle_errors
def setup(circuit: str | None, out_dir: str, params: tuple[str, ...], r1cs_path: str | None):
    """Single-party trusted setup (UNSAFE for production: the toxic waste is known to this machine).

    Writes OUT/proving_key.zkpk and OUT/verification_key.json; with --r1cs
    (a circom circuit) OUT/circuit.zkey and OUT/verification_key.json. For
    keys no single machine could forge, run a ceremony (`zkopt ptau`, `zkopt zkey`).
    """
    from zkopt import r1cs
    from zkopt.groth16 import proving_key_file, snarkjs
    from zkopt.groth16 import setup as groth16_setup

    if r1cs_path is not None:
        if circuit is not None or params:
            raise click.UsageError("--r1cs replaces CIRCUIT and --param")
        from zkopt.cli.circom import setup_r1cs

        return setup_r1cs(r1cs_path, out_dir)
    if circuit is None:
        raise click.UsageError("give a CIRCUIT (see `zkopt circuits`) or --r1cs C.r1cs")
    shape = r1cs.compile(build_circuit(circuit, params))
    pk = groth16_setup(shape)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    proving_key_file.write(pk, out / "proving_key.zkpk")
    (out / "verification_key.json").write_text(snarkjs.dumps(snarkjs.vk_to_json(pk.vk)))
    click.echo(
        f"{circuit}: {shape.n_constraints} constraints, {shape.n_public} public signals; "
        f"keys written to {out / 'proving_key.zkpk'} and {out / 'verification_key.json'} "
        "(single-party setup: not for production)"
    )


@click.command()
@click.option("--pk", "pk_path", type=click.Path(dir_okay=False), help="proving_key.zkpk from setup.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False), help="input.json: names to decimal strings.")
@click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False), help="Where to write proof.json.")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False), help="Where to write public.json.")
@click.option("--zkey", "zkey_path", type=click.Path(dir_okay=False),
              help="A snarkjs .zkey instead of --pk (with --wtns, --wasm and --input, or --circuit and --input).")
@click.option("--wtns", "wtns_path", type=click.Path(dir_okay=False), help="With --zkey: circom's witness file.")
@click.option("--wasm", "wasm_path", type=click.Path(dir_okay=False),
              help="With --zkey and --input: circom's witness calculator (run with node).")
@click.option("--circuit", "circuit", help="With --zkey and --input: the zkopt circuit the key is for.")
@PARAMS
@handle_errors
def prove(pk_path: str | None, input_path: str | None, proof_path: str, public_path: str, zkey_path: str | None,
          wtns_path: str | None, wasm_path: str | None, circuit: str | None, params: tuple[str, ...]):
    """Prove a statement with the circuit recorded in the proving key, or with a .zkey (snarkjs' key format)."""
    from zkopt.errors import MalformedInput
    from zkopt.groth16 import proving_key_file, snarkjs
    from zkopt.proving_jobs import prove_inputs

    if zkey_path is not None:
        if pk_path is not None:
            raise click.UsageError("give --pk or --zkey, not both")
        from zkopt.cli.circom import prove_zkey

        return prove_zkey(zkey_path, wtns_path, wasm_path, input_path, circuit, params, proof_path, public_path)
    if pk_path is None or input_path is None or wtns_path or wasm_path or circuit or params:
        raise click.UsageError("give --pk and --input (or --zkey with --wtns, --wasm or --circuit)")
    pk = proving_key_file.read(pk_path)
    public, proof = prove_inputs(pk, read_json(input_path, "input", MalformedInput))
    Path(proof_path).write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    Path(public_path).write_text(snarkjs.dumps(snarkjs.public_to_json(public)))


@click.command()
@click.argument("files", metavar="[VK PUBLIC PROOF [PUBLIC PROOF ...]]", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--vk", "vk_path", type=click.Path(dir_okay=False), help="verification_key.json (snarkjs format).")
@click.option("--public", "public_paths", multiple=True, type=click.Path(dir_okay=False), help="public.json (repeat with --batch).")
@click.option("--proof", "proof_paths", multiple=True, type=click.Path(dir_okay=False), help="proof.json (repeat with --batch).")
@click.option("--batch", is_flag=True, help="Verify many proofs of one circuit at once; the n-th --public goes with the n-th --proof.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def verify(files: tuple[str, ...], vk_path: str | None, public_paths: tuple[str, ...], proof_paths: tuple[str, ...],
           batch: bool, as_json: bool):
    """Verify a Groth16 proof (ours or snarkjs'): exit 0 valid, 1 invalid, 2 unusable input.

    The files go as options (--vk, --public, --proof) or, as `snarkjs groth16
    verify` takes them, positionally: VK PUBLIC PROOF. With --batch, all
    proofs are checked with one random linear combination and one final
    exponentiation; if any fails, each failing one is named.
    """
    from zkopt.errors import InvalidProof, MalformedKey, MalformedProof
    from zkopt.groth16 import snarkjs
    from zkopt.groth16.verifier import (
        check_public_inputs,
        prepare_checked,
        verify_batch,
    )
    from zkopt.groth16.verifier import verify as groth16_verify

    if files:
        if vk_path or public_paths or proof_paths:
            raise click.UsageError("give the files either positionally (VK PUBLIC PROOF) or as --vk/--public/--proof")
        if len(files) < 3 or len(files) % 2 == 0:
            raise click.UsageError("positional files are VK PUBLIC PROOF (more PUBLIC PROOF pairs with --batch)")
        vk_path, public_paths, proof_paths = files[0], files[1::2], files[2::2]
    if not vk_path or not public_paths or not proof_paths:
        raise click.UsageError("missing files: give VK PUBLIC PROOF, or --vk, --public and --proof")
    if len(public_paths) != len(proof_paths):
        raise click.UsageError(f"got {len(public_paths)} --public and {len(proof_paths)} --proof files; they go in pairs")
    if not batch and len(proof_paths) > 1:
        raise click.UsageError("several proofs given: add --batch to verify them together")
    vk = snarkjs.vk_from_json(read_json(vk_path, "verification key", MalformedKey))
    items = []
    for public_path, proof_path in zip(public_paths, proof_paths):
        public = snarkjs.public_from_json(read_json(public_path, "public signals", MalformedProof))
        proof = snarkjs.proof_from_json(read_json(proof_path, "proof", MalformedProof))
        try:
            check_public_inputs(vk.n_public, public)
        except MalformedProof as exc:
            raise MalformedProof(f"{public_path}: {exc}") from None
        items.append((public, proof))
    if not batch:
        groth16_verify(vk, *items[0])
    else:
        try:
            verify_batch(prepare_checked(vk), items)
        except InvalidProof as exc:
            named = ", ".join(proof_paths[i] for i in exc.indices)
            raise InvalidProof(f"{len(exc.indices)} of {len(items)} proofs do not verify: {named}") from None
    if as_json:
        echo_json({"valid": True, "proofs": len(items)})
    elif batch:
        click.echo(f"valid: all {len(items)} proofs verify")
    else:
        click.echo("valid: proof verifies")





@click.command("circuits")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: name, params, statement, constraints, public.")
@handle_errors
def circuits_cmd(as_json: bool):
    """List the circuits with their constraint counts (default parameters) and public inputs, in order."""
    from zkopt import circuits

    rows = [circuits.describe(name) for name in sorted(circuits.REGISTRY)]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items()) or "no parameters"
        click.echo(f"{row['name']:<9} {row['constraints']:>7,} constraints ({params})")
        click.echo(f"          public: {public_summary(row['public']) or '(none)'}")
        click.echo(f"          {row['statement']}")
