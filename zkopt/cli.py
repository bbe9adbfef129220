"""The ``zkopt`` command line: thin click commands that parse, call the library and print.

Exit codes: 0 success; 1 checked and invalid (a proof that does not verify, a
witness that does not satisfy its circuit); 2 unusable input (unreadable or
malformed file, wrong shapes, non-canonical numbers, bad options). Failures
print one line to stderr, never a traceback. Heavy modules are imported inside
the commands so that ``zkopt verify`` starts fast.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

EXIT_INVALID = 1
EXIT_UNUSABLE = 2


def _fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)


def _handle_errors(fn):
    """Map zkopt's exceptions to one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from zkopt.errors import InvalidProof, MalformedInput, Unsatisfied, ZkoptError

        try:
            return fn(*args, **kwargs)
        except MalformedInput as exc:
            _fail(EXIT_UNUSABLE, f"error: {exc}")
        except (InvalidProof, Unsatisfied) as exc:
            _fail(EXIT_INVALID, f"invalid: {exc}")
        except ZkoptError as exc:
            _fail(EXIT_INVALID, f"error: {exc}")

    return wrapper


def _parse_params(pairs: tuple[str, ...]) -> dict[str, int]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value.isdigit():
            raise click.BadParameter(f"{pair!r} is not KEY=INTEGER", param_hint="--param")
        params[key] = int(value)
    return params


@click.group()
@click.version_option(package_name="zkopt")
def main():
    """zkopt: confidential settlement of options with Groth16 proofs over BN254."""


@main.command()
@click.argument("circuit")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for the keys.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Circuit parameter, e.g. n=1024.")
@_handle_errors
def setup(circuit: str, out_dir: str, params: tuple[str, ...]):
    """Single-party trusted setup (UNSAFE for production: the toxic waste is known to this machine).

    Writes OUT/proving_key.zkpk and OUT/verification_key.json.
    """
    from zkopt import circuits, r1cs
    from zkopt.errors import MalformedInput
    from zkopt.groth16 import setup as groth16_setup
    from zkopt.groth16 import snarkjs, zkpk

    try:
        instance = circuits.build(circuit, _parse_params(params))
    except ValueError as exc:
        raise MalformedInput(str(exc)) from None
    shape = r1cs.compile(instance)
    pk = groth16_setup(shape)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    zkpk.write(pk, out / "proving_key.zkpk")
    (out / "verification_key.json").write_text(snarkjs.dumps(snarkjs.vk_to_json(pk.vk)))
    click.echo(
        f"{circuit}: {shape.n_constraints} constraints, {shape.n_public} public signals; "
        f"keys written to {out}/ (single-party setup: not for production)"
    )


@main.command()
@click.option("--pk", "pk_path", required=True, type=click.Path(dir_okay=False), help="proving_key.zkpk from setup.")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False), help="input.json: names to decimal strings.")
@click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False), help="Where to write proof.json.")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False), help="Where to write public.json.")
@_handle_errors
def prove(pk_path: str, input_path: str, proof_path: str, public_path: str):
    """Prove a statement with the circuit recorded in the proving key."""
    from zkopt import circuits, r1cs
    from zkopt.errors import MalformedInput, MalformedKey
    from zkopt.groth16 import prove as groth16_prove
    from zkopt.groth16 import snarkjs, zkpk

    pk = zkpk.read(pk_path)
    try:
        instance = circuits.build(pk.circuit, pk.params)
    except ValueError as exc:
        raise MalformedKey(f"proving key names {exc}") from None
    inputs = snarkjs.load_json(input_path, MalformedInput, "input")
    witness = r1cs.solve(instance, inputs)
    proof = groth16_prove(pk, witness)
    Path(proof_path).write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    Path(public_path).write_text(snarkjs.dumps(snarkjs.public_to_json(witness.public)))


@main.command()
@click.option("--vk", "vk_path", required=True, type=click.Path(dir_okay=False), help="verification_key.json (snarkjs format).")
@click.option("--public", "public_paths", required=True, multiple=True, type=click.Path(dir_okay=False), help="public.json (repeat with --batch).")
@click.option("--proof", "proof_paths", required=True, multiple=True, type=click.Path(dir_okay=False), help="proof.json (repeat with --batch).")
@click.option("--batch", is_flag=True, help="Verify many proofs of one circuit at once; the n-th --public goes with the n-th --proof.")
@_handle_errors
def verify(vk_path: str, public_paths: tuple[str, ...], proof_paths: tuple[str, ...], batch: bool):
    """Verify a Groth16 proof (ours or snarkjs'): exit 0 valid, 1 invalid, 2 unusable input.

    With --batch, all proofs are checked with one random linear combination
    and one final exponentiation; if any fails, each failing one is named.
    """
    from zkopt.errors import InvalidProof, MalformedKey, MalformedProof
    from zkopt.groth16 import snarkjs
    from zkopt.groth16.verifier import check_public_inputs, prepare_checked, verify_batch
    from zkopt.groth16.verifier import verify as groth16_verify

    if len(public_paths) != len(proof_paths):
        raise click.UsageError(f"got {len(public_paths)} --public and {len(proof_paths)} --proof files; they go in pairs")
    if not batch and len(proof_paths) > 1:
        raise click.UsageError("several proofs given: add --batch to verify them together")
    vk = snarkjs.vk_from_json(snarkjs.load_json(vk_path, MalformedKey, "verification key"))
    items = []
    for public_path, proof_path in zip(public_paths, proof_paths):
        public = snarkjs.public_from_json(snarkjs.load_json(public_path, MalformedProof, "public signals"))
        proof = snarkjs.proof_from_json(snarkjs.load_json(proof_path, MalformedProof, "proof"))
        try:
            check_public_inputs(vk.n_public, public)
        except MalformedProof as exc:
            raise MalformedProof(f"{public_path}: {exc}") from None
        items.append((public, proof))
    if not batch:
        groth16_verify(vk, *items[0])
        click.echo("valid: proof verifies")
        return
    try:
        verify_batch(prepare_checked(vk), items)
    except InvalidProof as exc:
        named = ", ".join(proof_paths[i] for i in exc.indices)
        raise InvalidProof(f"{len(exc.indices)} of {len(items)} proofs do not verify: {named}") from None
    click.echo(f"valid: all {len(items)} proofs verify")


@main.command()
@click.option("--dir", "work_dir", default="zkopt-demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--n", default=1024, show_default=True, help="Chain length (constraints).")
@_handle_errors
def demo(work_dir: str, n: int):
    """Run the main job end to end (for now: a chain-circuit setup, prove and verify round trip)."""
    from zkopt import circuits, r1cs
    from zkopt.groth16 import prove as groth16_prove
    from zkopt.groth16 import setup as groth16_setup
    from zkopt.groth16 import snarkjs, zkpk
    from zkopt.groth16.verifier import verify as groth16_verify

    out = Path(work_dir)
    out.mkdir(parents=True, exist_ok=True)
    instance = circuits.build("chain", {"n": n})
    t0 = time.perf_counter()
    shape = r1cs.compile(instance)
    pk = groth16_setup(shape)
    zkpk.write(pk, out / "proving_key.zkpk")
    (out / "verification_key.json").write_text(snarkjs.dumps(snarkjs.vk_to_json(pk.vk)))
    t1 = time.perf_counter()
    witness = r1cs.solve(instance, {"x": "3"})
    proof = groth16_prove(pk, witness)
    (out / "proof.json").write_text(snarkjs.dumps(snarkjs.proof_to_json(proof)))
    (out / "public.json").write_text(snarkjs.dumps(snarkjs.public_to_json(witness.public)))
    t2 = time.perf_counter()
    groth16_verify(pk.vk, witness.public, proof)
    t3 = time.perf_counter()
    click.echo(f"chain n={n}: {shape.n_constraints} constraints; private x = 3, public y = 3^{n + 1} mod r")
    click.echo(f"setup  {t1 - t0:7.2f} s  (single-party, unsafe outside demos)")
    click.echo(f"prove  {t2 - t1:7.2f} s")
    click.echo(f"verify {t3 - t2:7.2f} s  -> valid")
    click.echo(f"files in {out}/: proving_key.zkpk verification_key.json proof.json public.json")


if __name__ == "__main__":
    main()
