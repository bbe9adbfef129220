"""zkopt's ceremony commands in snarkjs' shapes: ptau (alias powersoftau), zkey, groth16, wtns, export r1cs.

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
verify lists them. Exit codes are zkopt's: 0 valid, 1 checked and invalid
(the first bad contribution is named), 2 unusable input. The commands are
registered on the root group by ``zkopt.cli`` (``register``), which lends its
error handler and progress helpers, so both modules report alike.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from pathlib import Path

import click

_HELPERS: dict = {}


def register(main: click.Group, *, handle_errors, status, parse_params, echo_json) -> None:
    """Add the groups to ``main``, with the root's helpers for errors, progress and parameters."""
    _HELPERS.update(handle_errors=handle_errors, status=status, parse_params=parse_params, echo_json=echo_json)
    for group in (ptau, zkey_group, groth16_group, wtns_group, export_group):
        main.add_command(group)
    main.add_command(ptau, "powersoftau")


def _handled(fn):
    """Run a command under the root's error handler (one line, exit 1 or 2, never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return _HELPERS["handle_errors"](fn)(*args, **kwargs)

    return wrapper


def _progress(verbose: bool):
    """The root's progress callback (stderr when it is a terminal); with -v always."""
    status = _HELPERS["status"]()
    if status is None and verbose:
        import time

        started = time.perf_counter()

        def status(message: str) -> None:
            click.echo(f"zkopt [{time.perf_counter() - started:6.1f} s] {message} ...", err=True)
    return status


def _value(text: str | None) -> str | None:
    """snarkjs writes -n=NAME and -e=TEXT; click hands a short option's value over with the '='."""
    return text[1:] if text is not None and text.startswith("=") else text


NAME = click.option("-n", "--name", "name", help="The contributor's name, kept in the file (first 64 characters).")
ENTROPY = click.option("-e", "--entropy", "entropy", help="Text mixed with 64 bytes from the OS into the secret.")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Progress on stderr.")
JSON_OUT = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
PARAM = click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Parameter of a zkopt circuit.")


def _write(path: str | Path, data: bytes | str) -> None:
    """Write through a temporary file and a rename, so a failure never leaves half a file."""
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.chmod(tmp, 0o644)  # ceremony files are public (mkstemp makes them owner-only)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _entropy(entropy: str | None) -> str:
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


def _hex(data: bytes) -> str:
    return data.hex()


# --- shapes: an .r1cs file or a zkopt circuit ------------------------------------------------------------


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


def build_circuit(name: str, params: tuple[str, ...]):
    """A registered zkopt circuit with KEY=VALUE parameters."""
    from zkopt import circuits
    from zkopt.errors import MalformedInput

    try:
        return circuits.build(name, _HELPERS["parse_params"](params))
    except ValueError as exc:
        raise MalformedInput(str(exc)) from None


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
@_handled
def ptau_new(curve: str, power: int, out: str, verbose: bool):
    """Start a powers of tau of POWER (circuits of up to 2^POWER rows): every point a generator."""
    from zkopt.ceremony import phase1, ptau as ptau_file
    from zkopt.errors import MalformedInput

    if curve.lower() not in _CURVES:
        raise MalformedInput(f"curve {curve!r} is not supported; zkopt works on bn128 (BN254)")
    _write(out, ptau_file.dumps(phase1.new(power)))
    click.echo(f"wrote {out}: an empty powers of tau of power {power}")
    click.echo(f"first challenge hash {_hex(phase1.first_challenge(power))}")


def _ptau_result(out: str, new, response: bytes) -> None:
    from zkopt.ceremony import ptau as ptau_file

    _write(out, ptau_file.dumps(new))
    record = new.contributions[-1]
    who = f" ({record.name})" if record.name else ""
    click.echo(f"contribution #{len(new.contributions)}{who} written to {out}")
    click.echo(f"response hash {_hex(response)}")
    click.echo(f"next challenge {_hex(record.next_challenge)}")


def _read_ptau(path: str, verbose_status):
    from zkopt.ceremony import ptau as ptau_file

    if verbose_status:
        verbose_status(f"reading {path}")
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
@_handled
def ptau_contribute(old: str, out: str, name: str | None, entropy: str | None, verbose: bool):
    """Add a contribution: fresh secrets applied to every point, with proofs of knowledge."""
    from zkopt.ceremony import phase1

    status = _progress(verbose)
    new, response = phase1.contribute(_read_ptau(old, status), _entropy(_value(entropy)), _value(name), status)
    _ptau_result(out, new, response)


@ptau.command("beacon")
@click.argument("old")
@click.argument("out")
@click.argument("beacon_hex", metavar="BEACON_HASH")
@click.argument("iterations", metavar="NUM_ITERATIONS_EXP")
@NAME
@VERBOSE
@_handled
def ptau_beacon(old: str, out: str, beacon_hex: str, iterations: str, name: str | None, verbose: bool):
    """Add the beacon: secrets derived from a public random value by 2^NUM_ITERATIONS_EXP SHA-256 rounds."""
    from zkopt.ceremony import phase1

    beacon, exp = _beacon_args(beacon_hex, iterations)
    status = _progress(verbose)
    new, response = phase1.beacon(_read_ptau(old, status), beacon, exp, _value(name), status)
    _ptau_result(out, new, response)
    click.echo(f"beacon {beacon.hex()}, 2^{exp} SHA-256 iterations")


@ptau.command("prepare", context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[phase2] OLD OUT")
@VERBOSE
@_handled
def ptau_prepare(args: tuple[str, ...], verbose: bool):
    """Compute the Lagrange forms phase 2 reads (snarkjs: powersoftau prepare phase2 OLD OUT)."""
    from zkopt.ceremony import phase1, ptau as ptau_file

    if args and args[0] == "phase2":
        args = args[1:]
    if len(args) != 2:
        raise click.UsageError("give the input and the output file: zkopt ptau prepare [phase2] OLD OUT")
    old, out = args
    status = _progress(verbose)
    prepared = phase1.prepare(ptau_file.read(old), status)
    _write(out, ptau_file.dumps(prepared))
    click.echo(f"wrote {out}: prepared for phase 2 (Lagrange levels 2^0 to 2^{prepared.power + 1})")


def _ptau_report_json(report) -> dict:
    return {
        "power": report.power, "ceremony_power": report.ceremony_power, "prepared": report.prepared,
        "contributions": [
            {"index": c.index, "name": c.name, "type": "beacon" if c.kind == 1 else "contribution",
             "response_hash": _hex(c.response_hash), "next_challenge": _hex(c.next_challenge),
             **({"beacon_hash": c.beacon_hash.hex(), "num_iterations_exp": c.iterations_exp} if c.kind == 1 else {})}
            for c in report.contributions
        ],
    }


def _print_ptau_report(report, as_json: bool) -> None:
    if as_json:
        _HELPERS["echo_json"](_ptau_report_json(report))
        return
    for c in report.contributions:
        who = f" {c.name}" if c.name else ""
        click.echo(f"contribution #{c.index}{who}: response hash {_hex(c.response_hash)}")
        if c.kind == 1:
            click.echo(f"  beacon {c.beacon_hash.hex()}, 2^{c.iterations_exp} iterations")
    truncated = f" (truncated from power {report.ceremony_power})" if report.ceremony_power != report.power else ""
    prepared = ", prepared for phase 2" if report.prepared else ", not prepared for phase 2"
    click.echo(f"valid: powers of tau of power {report.power}{truncated}, "
               f"{len(report.contributions)} contributions{prepared}")


@ptau.command("verify")
@click.argument("path", metavar="PTAU")
@JSON_OUT
@VERBOSE
@_handled
def ptau_verify(path: str, as_json: bool, verbose: bool):
    """Check every contribution and every point; exit 0 valid, 1 invalid (naming the first bad contribution)."""
    from zkopt.ceremony import phase1, ptau as ptau_file

    _print_ptau_report(phase1.verify(ptau_file.read(path), _progress(verbose)), as_json)


@ptau.command("import")
@click.argument("path", metavar="PTAU")
@click.argument("out")
@click.option("--blake2b", "expected", help="The file's published BLAKE2b-512 (hex), e.g. from the Hermez list.")
@JSON_OUT
@VERBOSE
@_handled
def ptau_import(path: str, out: str, expected: str | None, as_json: bool, verbose: bool):
    """Take an existing .ptau (e.g. a Perpetual Powers of Tau file): check its hash and verify it, then copy it."""
    import hashlib

    from zkopt import binfile
    from zkopt.ceremony import phase1, ptau as ptau_file
    from zkopt.errors import InvalidTranscript, MalformedInput, MalformedKey

    data = binfile.read_bytes(path, "ptau", MalformedKey)
    digest = hashlib.blake2b(data).hexdigest()
    if expected is not None:
        if len(expected) != 128 or any(c not in "0123456789abcdefABCDEF" for c in expected):
            raise MalformedInput("--blake2b must be 128 hex digits (b2sum's output)")
        if digest != expected.lower():
            raise InvalidTranscript(f"{path} has BLAKE2b {digest}, not the published {expected.lower()}")
    report = phase1.verify(ptau_file.loads(data), _progress(verbose))
    if not report.prepared:
        raise MalformedKey(f"{path} is not prepared for phase 2: run `zkopt ptau prepare` on it first")
    _write(out, data)
    _print_ptau_report(report, as_json)
    if not as_json:
        click.echo(f"imported as {out}; BLAKE2b-512 of the file {digest}")


# --- phase 2 ---------------------------------------------------------------------------------------------


@click.group("zkey")
def zkey_group():
    """Phase 2 per circuit (snarkjs' .zkey files): new, contribute, beacon, verify, export."""


def _zkey_new(circuit: str, ptau_path: str, out: str, params: tuple[str, ...], verbose: bool) -> None:
    from zkopt.ceremony import phase2, ptau as ptau_file
    from zkopt.groth16 import zkey

    status = _progress(verbose)
    shape = load_shape(circuit, params)
    key = phase2.new(shape, ptau_file.read(ptau_path), status)
    _write(out, zkey.dumps(key))
    click.echo(f"wrote {out}: {shape.n_constraints} constraints, domain {key.domain_size}")
    click.echo(f"circuit hash {_hex(key.cs_hash)}")
    click.echo("the key has no contribution yet: anyone could forge proofs with it")


@zkey_group.command("new")
@click.argument("circuit", metavar="CIRCUIT.r1cs|CIRCUIT")
@click.argument("ptau_path", metavar="PTAU")
@click.argument("out", default="circuit_0000.zkey", required=False)
@PARAM
@VERBOSE
@_handled
def zkey_new(circuit: str, ptau_path: str, out: str, params: tuple[str, ...], verbose: bool):
    """The init key of a circuit from a prepared ptau (an .r1cs file or a zkopt circuit name)."""
    _zkey_new(circuit, ptau_path, out, params, verbose)


def _zkey_result(out: str, key, digest: bytes) -> None:
    from zkopt.groth16 import zkey

    _write(out, zkey.dumps(key))
    record = key.contributions[-1]
    who = f" ({record.name})" if record.name else ""
    click.echo(f"contribution #{len(key.contributions)}{who} written to {out}")
    click.echo(f"contribution hash {_hex(digest)}")
    click.echo(f"circuit hash {_hex(key.cs_hash)}")


@zkey_group.command("contribute")
@click.argument("old")
@click.argument("out")
@NAME
@ENTROPY
@VERBOSE
@_handled
def zkey_contribute(old: str, out: str, name: str | None, entropy: str | None, verbose: bool):
    """Add a contribution: a fresh secret delta, with its proof of knowledge."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import zkey

    key, digest = phase2.contribute(zkey.read(old), _entropy(_value(entropy)), _value(name), _progress(verbose))
    _zkey_result(out, key, digest)


@zkey_group.command("beacon")
@click.argument("old")
@click.argument("out")
@click.argument("beacon_hex", metavar="BEACON_HASH")
@click.argument("iterations", metavar="NUM_ITERATIONS_EXP")
@NAME
@VERBOSE
@_handled
def zkey_beacon(old: str, out: str, beacon_hex: str, iterations: str, name: str | None, verbose: bool):
    """Add the beacon: delta's last factor derived from a public random value."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import zkey

    beacon, exp = _beacon_args(beacon_hex, iterations)
    key, digest = phase2.beacon(zkey.read(old), beacon, exp, _value(name), _progress(verbose))
    _zkey_result(out, key, digest)
    click.echo(f"beacon {beacon.hex()}, 2^{exp} SHA-256 iterations")


def report_json(report) -> dict:
    return {
        "circuit_hash": _hex(report.cs_hash),
        "transcript_hash": _hex(report.transcript_hash),
        "contributions": [
            {"index": c.index, "name": c.name, "type": "beacon" if c.kind == 1 else "contribution",
             "hash": _hex(c.hash),
             **({"beacon_hash": c.beacon_hash.hex(), "num_iterations_exp": c.iterations_exp} if c.kind == 1 else {})}
            for c in report.contributions
        ],
    }


def verify_zkey(circuit: str, ptau_path: str, zkey_path: str, params: tuple[str, ...] = (), status=None):
    """Read the three files and verify the transcript (the library call behind `zkey verify`)."""
    from zkopt.ceremony import phase2, ptau as ptau_file
    from zkopt.groth16 import zkey

    shape = load_shape(circuit, params)
    return phase2.verify(zkey.read(zkey_path), shape, ptau_file.read(ptau_path), status)


@zkey_group.command("verify")
@click.argument("args", nargs=-1, metavar="[r1cs] CIRCUIT.r1cs|CIRCUIT PTAU ZKEY")
@PARAM
@JSON_OUT
@VERBOSE
@_handled
def zkey_verify(args: tuple[str, ...], params: tuple[str, ...], as_json: bool, verbose: bool):
    """Check the whole transcript from the ptau and the circuit; exit 1 names the first bad contribution."""
    if len(args) == 4 and args[0] == "r1cs":  # snarkjs: zkey verify r1cs C.r1cs pot.ptau final.zkey
        args = args[1:]
    if len(args) != 3:
        raise click.UsageError("give the circuit, the ptau and the zkey: zkopt zkey verify C.r1cs pot.ptau final.zkey")
    report = verify_zkey(*args, params=params, status=_progress(verbose))
    if as_json:
        _HELPERS["echo_json"](report_json(report))
        return
    for c in report.contributions:
        who = f" {c.name}" if c.name else ""
        click.echo(f"contribution #{c.index}{who}: {_hex(c.hash)}")
        if c.kind == 1:
            click.echo(f"  beacon {c.beacon_hash.hex()}, 2^{c.iterations_exp} iterations")
    click.echo(f"circuit hash {_hex(report.cs_hash)}")
    click.echo(f"transcript hash {_hex(report.transcript_hash)}")
    if not report.contributions:
        click.echo("warning: the key has no contribution: anyone could forge proofs with it", err=True)
    click.echo(f"valid: the key follows from the ptau and the circuit through {len(report.contributions)} contributions")


@zkey_group.group("export")
def zkey_export():
    """Export from a .zkey."""


def export_vk(zkey_path: str, out: str) -> None:
    from zkopt.groth16 import snarkjs, zkey

    _write(out, snarkjs.dumps(snarkjs.vk_to_json(zkey.read(zkey_path).verifying_key())))


@zkey_export.command("verificationkey")
@click.argument("zkey_path", metavar="ZKEY", default="circuit_final.zkey", required=False)
@click.argument("out", default="verification_key.json", required=False)
@VERBOSE
@_handled
def zkey_export_vk(zkey_path: str, out: str, verbose: bool):
    """Write the verification key (snarkjs JSON) of a zkey."""
    export_vk(zkey_path, out)
    click.echo(f"wrote {out}")


# --- proving with a zkey ------------------------------------------------------------------------------------


def prove_zkey(zkey_path: str, wtns_path: str | None, wasm_path: str | None, input_path: str | None,
               circuit: str | None, params: tuple[str, ...], proof_path: str, public_path: str) -> None:
    """`zkopt prove --zkey`: a circom witness (.wtns, or .wasm + input.json) or a zkopt circuit's input."""
    from zkopt import r1cs
    from zkopt.errors import MalformedInput, MalformedKey
    from zkopt.groth16 import prove, snarkjs, zkey
    from zkopt.groth16.zkey import coefficients_of
    from zkopt.r1cs import circom

    given = [name for name, v in (("--wtns", wtns_path), ("--wasm", wasm_path), ("--circuit", circuit)) if v]
    if len(given) != 1:
        raise click.UsageError("with --zkey give one witness source: --wtns W.wtns, --wasm C.wasm --input "
                               "input.json, or --circuit NAME --input input.json")
    key = zkey.read(zkey_path)
    if circuit is not None:
        if input_path is None:
            raise click.UsageError("--circuit needs --input input.json")
        instance = build_circuit(circuit, params)
        shape = r1cs.compile(instance)
        if key.n_vars != shape.n_variables or key.coeffs != coefficients_of(shape):
            raise MalformedKey(f"{zkey_path} is not a key for {circuit} {shape.params}")
        witness = r1cs.solve(instance, snarkjs.load_json(input_path, MalformedInput, "input"))
        proof = prove(key.to_proving_key(shape.name, shape.params, shape.digest()), witness)
        public = witness.public
    else:
        if params:
            raise click.UsageError("--param applies to --circuit")
        if wasm_path is not None and input_path is None:
            raise click.UsageError("--wasm needs --input input.json")
        if wtns_path is not None and input_path is not None:
            raise click.UsageError("--input goes with --wasm or --circuit, not with --wtns")
        values = circom.read_wtns(wtns_path) if wtns_path else circom.calculate_witness(wasm_path, input_path)
        proof, public = key.prove(values)
    _write(proof_path, snarkjs.dumps(snarkjs.proof_to_json(proof)))
    _write(public_path, snarkjs.dumps(snarkjs.public_to_json(public)))


def setup_r1cs(r1cs_path: str, circuit: str | None, out_dir: str, params: tuple[str, ...]) -> None:
    """`zkopt setup --r1cs C.r1cs`: a single-party setup of a circom circuit, written as a .zkey snarkjs reads."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import snarkjs, zkey
    from zkopt.r1cs import circom

    if circuit is not None or params:
        raise click.UsageError("--r1cs replaces CIRCUIT and --param")
    shape = circom.read_r1cs(r1cs_path).shape
    key = phase2.single_party(shape)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "circuit.zkey", zkey.dumps(key))
    _write(out / "verification_key.json", snarkjs.dumps(snarkjs.vk_to_json(key.verifying_key())))
    click.echo(f"{r1cs_path}: {shape.n_constraints} constraints, {shape.n_public} public signals; "
               f"{out}/circuit.zkey and {out}/verification_key.json written (single-party setup: not for production)")


# --- snarkjs' groth16 and wtns commands ---------------------------------------------------------------------


@click.group("groth16")
def groth16_group():
    """snarkjs' groth16 setup / prove / verify, on .zkey and .wtns files."""


@groth16_group.command("setup")
@click.argument("circuit", metavar="CIRCUIT.r1cs|CIRCUIT")
@click.argument("ptau_path", metavar="PTAU")
@click.argument("out", default="circuit_0000.zkey", required=False)
@PARAM
@VERBOSE
@_handled
def groth16_setup(circuit: str, ptau_path: str, out: str, params: tuple[str, ...], verbose: bool):
    """The same as `zkey new` (snarkjs' alias)."""
    _zkey_new(circuit, ptau_path, out, params, verbose)


@groth16_group.command("prove")
@click.argument("zkey_path", metavar="ZKEY")
@click.argument("wtns_path", metavar="WTNS")
@click.argument("proof_path", metavar="PROOF", default="proof.json", required=False)
@click.argument("public_path", metavar="PUBLIC", default="public.json", required=False)
@VERBOSE
@_handled
def groth16_prove(zkey_path: str, wtns_path: str, proof_path: str, public_path: str, verbose: bool):
    """Prove with a zkey and a circom witness file; the proof is checked before it is written."""
    prove_zkey(zkey_path, wtns_path, None, None, None, (), proof_path, public_path)


@groth16_group.command("verify")
@click.argument("vk_path", metavar="VERIFICATION_KEY")
@click.argument("public_path", metavar="PUBLIC")
@click.argument("proof_path", metavar="PROOF")
@VERBOSE
@_handled
def groth16_verify(vk_path: str, public_path: str, proof_path: str, verbose: bool):
    """Verify a proof (exit 0 valid, 1 invalid, 2 unusable)."""
    from zkopt.errors import MalformedKey, MalformedProof
    from zkopt.groth16 import snarkjs, verify

    vk = snarkjs.vk_from_json(snarkjs.load_json(vk_path, MalformedKey, "verification key"))
    public = snarkjs.public_from_json(snarkjs.load_json(public_path, MalformedProof, "public signals"))
    proof = snarkjs.proof_from_json(snarkjs.load_json(proof_path, MalformedProof, "proof"))
    verify(vk, public, proof)
    click.echo("valid: proof verifies")


@click.group("wtns")
def wtns_group():
    """circom witness files."""


@wtns_group.command("calculate")
@click.argument("wasm_path", metavar="CIRCUIT.wasm")
@click.argument("input_path", metavar="INPUT.json")
@click.argument("out", default="witness.wtns", required=False)
@VERBOSE
@_handled
def wtns_calculate(wasm_path: str, input_path: str, out: str, verbose: bool):
    """Run the circuit's witness calculator (node) and write the .wtns."""
    from zkopt.r1cs import circom

    values = circom.calculate_witness(wasm_path, input_path)
    _write(out, circom.dumps_wtns(values))
    click.echo(f"wrote {out}: {len(values)} values")


# --- export ---------------------------------------------------------------------------------------------------


@click.group("export")
def export_group():
    """Export zkopt's circuits to circom's formats."""


@export_group.command("r1cs")
@click.argument("circuit")
@click.argument("out", required=False)
@PARAM
@click.option("--sym", "sym_path", type=click.Path(dir_okay=False), help="Also write circom's .sym (wire names).")
@_handled
def export_r1cs(circuit: str, out: str | None, params: tuple[str, ...], sym_path: str | None):
    """Write a zkopt circuit as circom's .r1cs (default CIRCUIT.r1cs), for snarkjs and R1CS tooling."""
    from zkopt.errors import MalformedInput
    from zkopt.r1cs import circom

    if circuit.endswith(".r1cs"):
        raise MalformedInput("give a zkopt circuit name (see `zkopt circuits`), not an .r1cs file")
    shape = load_shape(circuit, params)
    out = out or f"{circuit}.r1cs"
    _write(out, circom.dumps_r1cs(shape))
    if sym_path:
        _write(sym_path, circom.sym_text(shape))
    click.echo(f"wrote {out}: {shape.n_constraints} constraints, {shape.n_variables} wires, "
               f"{shape.n_public} public ({json.dumps(shape.params) if shape.params else 'no parameters'})")
