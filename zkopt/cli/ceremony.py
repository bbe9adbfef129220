"""``zkopt ptau`` (alias ``powersoftau``) and ``zkopt zkey``: the two phases of a multi-party setup, in snarkjs' shapes.

Each command takes snarkjs' positional arguments in snarkjs' order and
snarkjs' options (``-n=NAME`` / ``--name=NAME``, ``-e=TEXT`` /
``--entropy=TEXT``, ``-v``), so a ceremony script written for snarkjs runs
with ``zkopt`` in its place::

    zkopt powersoftau new bn128 12 pot_0.ptau
    zkopt powersoftau contribute pot_0.ptau pot_1.ptau --name=alice -e="some text"
    zkopt powersoftau beacon pot_1.ptau pot_b.ptau 0102...1f 10 -n="final beacon"
    zkopt powersoftau prepare phase2 pot_b.ptau pot_final.ptau
    zkopt zkey new circuit.r1cs pot_final.ptau c_0.zkey      (or a zkopt circuit: settle --param depth=20)
    zkopt zkey contribute c_0.zkey c_1.zkey --name=bob -e="more text"
    zkopt zkey beacon c_1.zkey c_final.zkey 0102...1f 10
    zkopt zkey verify circuit.r1cs pot_final.ptau c_final.zkey
    zkopt zkey export verificationkey c_final.zkey verification_key.json

Every contribution prints its hash for the contributor to publish; every
verify lists them. Exit codes are zkopt's (``common``): 0 valid, 1 checked
and invalid (the first bad contribution is named), 2 unusable input. The
work is in ``zkopt.ceremony``; ceremony files are public, so they are
written world-readable (atomically, like every file zkopt writes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zkopt.cli.common import JSON, PARAMS, VERBOSE, build_circuit, echo_json, handle_errors, status
from zkopt.files import write_atomic

NAME = click.option("-n", "--name", "name", help="The contributor's name, kept in the file (first 64 characters).")
ENTROPY = click.option("-e", "--entropy", "entropy", help="Text mixed with 64 bytes from the OS into the secret.")


def write_public(path: str | Path, data: bytes | str) -> None:
    """Write a ceremony file (public: world-readable) atomically."""
    write_atomic(path, data, 0o644)


def _value(text: str | None) -> str | None:
    """snarkjs writes -n=NAME and -e=TEXT; click hands a short option's value over with the '='."""
    return text[1:] if text is not None and text.startswith("=") else text


def _entropy(entropy: str | None) -> str:
    entropy = _value(entropy)
    if entropy is not None:
        return entropy
    if sys.stdin.isatty():
        return click.prompt("Enter a random text (entropy)", hide_input=True, default="", show_default=False)
    return ""  # the OS's 64 random bytes alone


def _beacon_args(beacon_hex: str, iterations: str) -> tuple[bytes, int]:
    from zkopt.ceremony import transcript
    from zkopt.errors import MalformedInput

    try:
        beacon = transcript.parse_beacon_hash(beacon_hex)
        exp = int(iterations)
        transcript.check_beacon(beacon, exp)
    except ValueError as exc:
        raise MalformedInput(f"beacon: {exc}") from None
    return beacon, exp


def load_shape(circuit: str, params: tuple[str, ...] = ()):
    """The R1CS of a .r1cs file or of a registered zkopt circuit (with --param values)."""
    from zkopt import circuits, r1cs
    from zkopt.errors import MalformedInput
    from zkopt.r1cs import circom

    if circuit in circuits.REGISTRY:
        return r1cs.compile(build_circuit(circuit, params))
    if circuit.endswith(".r1cs") or Path(circuit).exists():
        if params:
            raise MalformedInput("--param applies to zkopt circuits, not to an .r1cs file")
        return circom.read_r1cs(circuit).shape
    raise MalformedInput(f"{circuit!r} is neither an .r1cs file nor a zkopt circuit "
                         f"({', '.join(sorted(circuits.REGISTRY))})")


# --- phase 1 ---------------------------------------------------------------------------------------------


@click.group("ptau")
def ptau():
    """Phase 1, the powers of tau (snarkjs' .ptau files); also available as `zkopt powersoftau`."""


_CURVES = ("bn128", "bn254", "alt_bn128")


@ptau.command("new")
@click.argument("curve")
@click.argument("power", type=click.IntRange(1, 27))
@click.argument("out", default="powersoftau_0000.ptau", required=False)
@VERBOSE
@handle_errors
def ptau_new(curve: str, power: int, out: str, verbose: bool):
    """Start a powers of tau of POWER (circuits of up to 2^POWER rows): every point a generator."""
    from zkopt.ceremony import phase1
    from zkopt.ceremony import ptau as ptau_file
    from zkopt.errors import MalformedInput

    if curve.lower() not in _CURVES:
        raise MalformedInput(f"curve {curve!r} is not supported; zkopt works on bn128 (BN254)")
    write_public(out, ptau_file.dumps(phase1.new(power)))
    click.echo(f"wrote {out}: an empty powers of tau of power {power}")
    click.echo(f"first challenge hash {phase1.first_challenge(power).hex()}")


def _ptau_result(out: str, new, response: bytes) -> None:
    from zkopt.ceremony import ptau as ptau_file

    write_public(out, ptau_file.dumps(new))
    record = new.contributions[-1]
    who = f" ({record.name})" if record.name else ""
    click.echo(f"contribution #{len(new.contributions)}{who} written to {out}")
    click.echo(f"response hash {response.hex()}")
    click.echo(f"next challenge {record.next_challenge.hex()}")


def _read_ptau(path: str, say):
    from zkopt.ceremony import ptau as ptau_file

    if say:
        say(f"reading {path}")
    loaded = ptau_file.read(path)
    if loaded.prepared:
        click.echo("warning: contributing to a prepared file; the new file must be prepared again", err=True)
    return loaded


@ptau.command("contribute")
@click.argument("old")
@click.argument("out")
@NAME
@ENTROPY
@VERBOSE
@handle_errors
def ptau_contribute(old: str, out: str, name: str | None, entropy: str | None, verbose: bool):
    """Add a contribution: fresh secrets applied to every point, with proofs of knowledge."""
    from zkopt.ceremony import phase1

    say = status(verbose)
    new, response = phase1.contribute(_read_ptau(old, say), _entropy(entropy), _value(name), say)
    _ptau_result(out, new, response)


@ptau.command("beacon")
@click.argument("old")
@click.argument("out")
@click.argument("beacon_hex", metavar="BEACON_HASH")
@click.argument("iterations", metavar="NUM_ITERATIONS_EXP")
@NAME
@VERBOSE
@handle_errors
def ptau_beacon(old: str, out: str, beacon_hex: str, iterations: str, name: str | None, verbose: bool):
    """Add the beacon: secrets derived from a public random value by 2^NUM_ITERATIONS_EXP SHA-256 rounds."""
    from zkopt.ceremony import phase1

    beacon, exp = _beacon_args(beacon_hex, iterations)
    say = status(verbose)
    new, response = phase1.beacon(_read_ptau(old, say), beacon, exp, _value(name), say)
    _ptau_result(out, new, response)
    click.echo(f"beacon {beacon.hex()}, 2^{exp} SHA-256 iterations")


@ptau.command("prepare")
@click.argument("args", nargs=-1, metavar="[phase2] OLD OUT")
@VERBOSE
@handle_errors
def ptau_prepare(args: tuple[str, ...], verbose: bool):
    """Compute the Lagrange forms phase 2 reads (snarkjs: powersoftau prepare phase2 OLD OUT)."""
    from zkopt.ceremony import phase1
    from zkopt.ceremony import ptau as ptau_file

    if args and args[0] == "phase2":
        args = args[1:]
    if len(args) != 2:
        raise click.UsageError("give the input and the output file: zkopt ptau prepare [phase2] OLD OUT")
    old, out = args
    prepared = phase1.prepare(ptau_file.read(old), status(verbose))
    write_public(out, ptau_file.dumps(prepared))
    click.echo(f"wrote {out}: prepared for phase 2 (Lagrange levels 2^0 to 2^{prepared.power + 1})")


def _ptau_report_json(report) -> dict:
    return {
        "power": report.power, "ceremony_power": report.ceremony_power, "prepared": report.prepared,
        "contributions": [
            {"index": c.index, "name": c.name, "type": "beacon" if c.kind == 1 else "contribution",
             "response_hash": c.response_hash.hex(), "next_challenge": c.next_challenge.hex(),
             **({"beacon_hash": c.beacon_hash.hex(), "num_iterations_exp": c.iterations_exp} if c.kind == 1 else {})}
            for c in report.contributions
        ],
    }


def _print_ptau_report(report, as_json: bool) -> None:
    if as_json:
        echo_json(_ptau_report_json(report))
        return
    for c in report.contributions:
        who = f" {c.name}" if c.name else ""
        click.echo(f"contribution #{c.index}{who}: response hash {c.response_hash.hex()}")
        if c.kind == 1:
            click.echo(f"  beacon {c.beacon_hash.hex()}, 2^{c.iterations_exp} iterations")
    truncated = f" (truncated from power {report.ceremony_power})" if report.ceremony_power != report.power else ""
    prepared = ", prepared for phase 2" if report.prepared else ", not prepared for phase 2"
    click.echo(f"valid: powers of tau of power {report.power}{truncated}, "
               f"{len(report.contributions)} contributions{prepared}")


@ptau.command("verify")
@click.argument("path", metavar="PTAU")
@JSON
@VERBOSE
@handle_errors
def ptau_verify(path: str, as_json: bool, verbose: bool):
    """Check every contribution and every point; exit 0 valid, 1 invalid (naming the first bad contribution)."""
    from zkopt.ceremony import phase1
    from zkopt.ceremony import ptau as ptau_file

    _print_ptau_report(phase1.verify(ptau_file.read(path), status(verbose)), as_json)


@ptau.command("import")
@click.argument("path", metavar="PTAU")
@click.argument("out")
@click.option("--blake2b", "expected", help="The file's published BLAKE2b-512 (hex), e.g. from the Hermez list.")
@JSON
@VERBOSE
@handle_errors
def ptau_import(path: str, out: str, expected: str | None, as_json: bool, verbose: bool):
    """Take an existing .ptau (e.g. a Perpetual Powers of Tau file): check its hash and verify it, then copy it."""
    import hashlib

    from zkopt import binfile
    from zkopt.ceremony import phase1
    from zkopt.ceremony import ptau as ptau_file
    from zkopt.errors import InvalidTranscript, MalformedInput, MalformedKey

    data = binfile.read(path, "ptau", MalformedKey)
    digest = hashlib.blake2b(data).hexdigest()
    if expected is not None:
        if len(expected) != 128 or any(c not in "0123456789abcdefABCDEF" for c in expected):
            raise MalformedInput("--blake2b must be 128 hex digits (b2sum's output)")
        if digest != expected.lower():
            raise InvalidTranscript(f"{path} has BLAKE2b {digest}, not the published {expected.lower()}")
    report = phase1.verify(ptau_file.loads(data), status(verbose))
    if not report.prepared:
        raise MalformedKey(f"{path} is not prepared for phase 2: run `zkopt ptau prepare` on it first")
    write_public(out, data)
    _print_ptau_report(report, as_json)
    if not as_json:
        click.echo(f"imported as {out}; BLAKE2b-512 of the file {digest}")


# --- phase 2 ---------------------------------------------------------------------------------------------


@click.group("zkey")
def zkey():
    """Phase 2 per circuit (snarkjs' .zkey files): new, contribute, beacon, verify, export."""


def zkey_new(circuit: str, ptau_path: str, out: str, params: tuple[str, ...], verbose: bool) -> None:
    """The init key of ``circuit`` (an .r1cs file or a zkopt circuit) from a prepared ptau, written to ``out``."""
    from zkopt.ceremony import phase2
    from zkopt.ceremony import ptau as ptau_file
    from zkopt.groth16 import zkey as zkey_file

    shape = load_shape(circuit, params)
    key = phase2.new(shape, ptau_file.read(ptau_path), status(verbose))
    write_public(out, zkey_file.dumps(key))
    click.echo(f"wrote {out}: {shape.n_constraints} constraints, domain {key.domain_size}")
    click.echo(f"circuit hash {key.cs_hash.hex()}")
    click.echo("the key has no contribution yet: anyone could forge proofs with it")


@zkey.command("new")
@click.argument("circuit", metavar="CIRCUIT.r1cs|CIRCUIT")
@click.argument("ptau_path", metavar="PTAU")
@click.argument("out", default="circuit_0000.zkey", required=False)
@PARAMS
@VERBOSE
@handle_errors
def zkey_new_cmd(circuit: str, ptau_path: str, out: str, params: tuple[str, ...], verbose: bool):
    """The init key of a circuit from a prepared ptau (an .r1cs file or a zkopt circuit name)."""
    zkey_new(circuit, ptau_path, out, params, verbose)


def _zkey_result(out: str, key, digest: bytes) -> None:
    from zkopt.groth16 import zkey as zkey_file

    write_public(out, zkey_file.dumps(key))
    record = key.contributions[-1]
    who = f" ({record.name})" if record.name else ""
    click.echo(f"contribution #{len(key.contributions)}{who} written to {out}")
    click.echo(f"contribution hash {digest.hex()}")
    click.echo(f"circuit hash {key.cs_hash.hex()}")


@zkey.command("contribute")
@click.argument("old")
@click.argument("out")
@NAME
@ENTROPY
@VERBOSE
@handle_errors
def zkey_contribute(old: str, out: str, name: str | None, entropy: str | None, verbose: bool):
    """Add a contribution: a fresh secret delta, with its proof of knowledge."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import zkey as zkey_file

    key, digest = phase2.contribute(zkey_file.read(old), _entropy(entropy), _value(name), status(verbose))
    _zkey_result(out, key, digest)


@zkey.command("beacon")
@click.argument("old")
@click.argument("out")
@click.argument("beacon_hex", metavar="BEACON_HASH")
@click.argument("iterations", metavar="NUM_ITERATIONS_EXP")
@NAME
@VERBOSE
@handle_errors
def zkey_beacon(old: str, out: str, beacon_hex: str, iterations: str, name: str | None, verbose: bool):
    """Add the beacon: delta's last factor derived from a public random value."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import zkey as zkey_file

    beacon, exp = _beacon_args(beacon_hex, iterations)
    key, digest = phase2.beacon(zkey_file.read(old), beacon, exp, _value(name), status(verbose))
    _zkey_result(out, key, digest)
    click.echo(f"beacon {beacon.hex()}, 2^{exp} SHA-256 iterations")


def _zkey_report_json(report) -> dict:
    return {
        "circuit_hash": report.cs_hash.hex(),
        "transcript_hash": report.transcript_hash.hex(),
        "contributions": [
            {"index": c.index, "name": c.name, "type": "beacon" if c.kind == 1 else "contribution",
             "hash": c.hash.hex(),
             **({"beacon_hash": c.beacon_hash.hex(), "num_iterations_exp": c.iterations_exp} if c.kind == 1 else {})}
            for c in report.contributions
        ],
    }


@zkey.command("verify")
@click.argument("args", nargs=-1, metavar="[r1cs] CIRCUIT.r1cs|CIRCUIT PTAU ZKEY")
@PARAMS
@JSON
@VERBOSE
@handle_errors
def zkey_verify(args: tuple[str, ...], params: tuple[str, ...], as_json: bool, verbose: bool):
    """Check the whole transcript from the ptau and the circuit; exit 1 names the first bad contribution."""
    from zkopt.ceremony import phase2
    from zkopt.ceremony import ptau as ptau_file
    from zkopt.groth16 import zkey as zkey_file

    if len(args) == 4 and args[0] == "r1cs":  # snarkjs: zkey verify r1cs C.r1cs pot.ptau final.zkey
        args = args[1:]
    if len(args) != 3:
        raise click.UsageError("give the circuit, the ptau and the zkey: zkopt zkey verify C.r1cs pot.ptau final.zkey")
    circuit, ptau_path, zkey_path = args
    shape = load_shape(circuit, params)
    report = phase2.verify(zkey_file.read(zkey_path), shape, ptau_file.read(ptau_path), status(verbose))
    if as_json:
        echo_json(_zkey_report_json(report))
        return
    for c in report.contributions:
        who = f" {c.name}" if c.name else ""
        click.echo(f"contribution #{c.index}{who}: {c.hash.hex()}")
        if c.kind == 1:
            click.echo(f"  beacon {c.beacon_hash.hex()}, 2^{c.iterations_exp} iterations")
    click.echo(f"circuit hash {report.cs_hash.hex()}")
    click.echo(f"transcript hash {report.transcript_hash.hex()}")
    if not report.contributions:
        click.echo("warning: the key has no contribution: anyone could forge proofs with it", err=True)
    click.echo(f"valid: the key follows from the ptau and the circuit through {len(report.contributions)} contributions")


@zkey.group("export")
def zkey_export():
    """Export from a .zkey."""


@zkey_export.command("verificationkey")
@click.argument("zkey_path", metavar="ZKEY", default="circuit_final.zkey", required=False)
@click.argument("out", default="verification_key.json", required=False)
@VERBOSE
@handle_errors
def zkey_export_vk(zkey_path: str, out: str, verbose: bool):
    """Write the verification key (snarkjs JSON) of a zkey."""
    from zkopt.groth16 import snarkjs
    from zkopt.groth16 import zkey as zkey_file

    write_public(out, snarkjs.dumps(snarkjs.vk_to_json(zkey_file.read(zkey_path).verifying_key())))
    click.echo(f"wrote {out}")
