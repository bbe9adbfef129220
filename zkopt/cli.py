"""The ``zkopt`` command line: thin click commands that parse, call the library and print.

Exit codes: 0 success; 1 checked and invalid (a proof that does not verify, a
witness that does not satisfy its circuit, a transaction the ledger rejects,
an audit with findings, a wallet that cannot do what was asked); 2 unusable
input (unreadable or malformed file, wrong shapes, non-canonical numbers, bad
options). Failures print one line to stderr, never a traceback. Commands whose
output is data take ``--json``. Progress (setup, proving, auditing) goes to
stderr only when stderr is a terminal, so piped output holds results only.
Heavy modules are imported inside the commands so that ``zkopt verify``
starts fast. The work itself is in the library: ``zkopt.wallet`` (wallets,
key directories, building transactions), ``zkopt.demo``, ``zkopt.ledger``,
``zkopt.audit``.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

from zkopt import cli_ceremony

EXIT_INVALID = 1
EXIT_UNUSABLE = 2


def _fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)


def _handle_errors(fn):
    """Map zkopt's exceptions to one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from zkopt.errors import InvalidProof, LedgerRejected, MalformedInput, Unsatisfied, ZkoptError

        try:
            return fn(*args, **kwargs)
        except MalformedInput as exc:
            _fail(EXIT_UNUSABLE, f"error: {exc}")
        except (InvalidProof, Unsatisfied) as exc:
            _fail(EXIT_INVALID, f"invalid: {exc}")
        except LedgerRejected as exc:
            _fail(EXIT_INVALID, f"rejected: {exc.reason}")
        except ZkoptError as exc:
            _fail(EXIT_INVALID, f"error: {exc}")
        except BrokenPipeError:
            raise  # click exits quietly when the reader of our output went away
        except sqlite3.DatabaseError as exc:
            _fail(EXIT_UNUSABLE, f"error: the ledger file is unusable: {exc}")
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            _fail(EXIT_UNUSABLE, f"error: {exc.strerror or exc.__class__.__name__}{where}")

    return wrapper


def _parse_params(pairs: tuple[str, ...]) -> dict[str, int]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value.isdigit():
            raise click.BadParameter(f"{pair!r} is not KEY=INTEGER", param_hint="--param")
        params[key] = int(value)
    return params


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _status():
    """A progress callback printing to stderr when it is a terminal, else None (piped output holds results only)."""
    if not _stderr_is_tty():
        return None
    started = time.perf_counter()

    def say(message: str) -> None:
        click.echo(f"zkopt [{time.perf_counter() - started:6.1f} s] {message} ...", err=True)

    return say


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=1))


class _Parsed(click.ParamType):
    """A click type backed by one of zkopt.wallet's parsers (imported on use, so startup stays light)."""

    def __init__(self, name: str, parser: str, *args):
        self.name = name
        self._parser = parser
        self._args = args

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        from zkopt import wallet
        from zkopt.errors import MalformedInput

        try:
            return getattr(wallet, self._parser)(value, *self._args)
        except MalformedInput as exc:
            self.fail(str(exc), param, ctx)


AMOUNT = _Parsed("decimal", "parse_amount", "value")
TIME = _Parsed("time", "parse_time", "time")
TICKER = _Parsed("ticker", "asset_id")
RECIPIENT = _Parsed("recipient", "parse_recipient")
PUBLIC_KEY = _Parsed("public key", "parse_field", "public key")


class _Main(click.Group):
    """The root group: click's usage errors also become one line on stderr (exit 2)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(EXIT_UNUSABLE, f"error: {exc.format_message()}{hint}")
        except click.ClickException as exc:
            _fail(exc.exit_code, f"error: {exc.format_message()}")
        except click.Abort:
            _fail(EXIT_INVALID, "aborted")
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Main)
@click.version_option(package_name="zkopt")
def main():
    """zkopt: confidential settlement of options with Groth16 proofs over BN254."""


cli_ceremony.register(main, handle_errors=_handle_errors, status=_status, parse_params=_parse_params,
                      echo_json=_echo_json)


@main.command()
@click.argument("circuit", required=False)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for the keys.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Circuit parameter, e.g. n=1024.")
@click.option("--r1cs", "r1cs_path", type=click.Path(dir_okay=False), help="A circom circuit instead: writes OUT/circuit.zkey.")
@_handle_errors
def setup(circuit: str | None, out_dir: str, params: tuple[str, ...], r1cs_path: str | None):
    """Single-party trusted setup (UNSAFE for production: the toxic waste is known to this machine).

    Writes OUT/proving_key.zkpk and OUT/verification_key.json; with --r1cs
    (a circom circuit) OUT/circuit.zkey (snarkjs' format) and the key.
    """
    if r1cs_path is not None:
        return cli_ceremony.setup_r1cs(r1cs_path, circuit, out_dir, params)
    if circuit is None:
        raise click.UsageError("give a CIRCUIT (see `zkopt circuits`) or --r1cs C.r1cs")
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
@click.option("--pk", "pk_path", type=click.Path(dir_okay=False), help="proving_key.zkpk from setup.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False), help="input.json: names to decimal strings.")
@click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False), help="Where to write proof.json.")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False), help="Where to write public.json.")
@click.option("--zkey", "zkey_path", type=click.Path(dir_okay=False), help="A snarkjs .zkey instead of --pk (with --wtns, --wasm or --circuit).")
@click.option("--wtns", "wtns_path", type=click.Path(dir_okay=False), help="With --zkey: circom's witness file.")
@click.option("--wasm", "wasm_path", type=click.Path(dir_okay=False), help="With --zkey and --input: circom's witness calculator (run with node).")
@click.option("--circuit", "circuit", help="With --zkey and --input: the zkopt circuit the key is for.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="With --circuit: its parameters.")
@_handle_errors
def prove(pk_path: str | None, input_path: str | None, proof_path: str, public_path: str, zkey_path: str | None,
          wtns_path: str | None, wasm_path: str | None, circuit: str | None, params: tuple[str, ...]):
    """Prove a statement with the circuit recorded in the proving key, or with a .zkey."""
    if zkey_path is not None:
        if pk_path is not None:
            raise click.UsageError("give --pk or --zkey, not both")
        return cli_ceremony.prove_zkey(zkey_path, wtns_path, wasm_path, input_path, circuit, params, proof_path,
                                       public_path)
    if pk_path is None or input_path is None or wtns_path or wasm_path or circuit or params:
        raise click.UsageError("give --pk and --input (or --zkey with --wtns, --wasm or --circuit)")
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


# --- circuits ----------------------------------------------------------------------------


def _public_summary(names: list[str]) -> str:
    """Public names with a grid array folded: root, nf_in, ..., grid[0..7]."""
    plain = [n for n in names if "[" not in n]
    arrays: dict[str, int] = {}
    for n in names:
        if "[" in n:
            base = n.split("[", 1)[0]
            arrays[base] = arrays.get(base, 0) + 1
    return ", ".join(plain + [f"{base}[0..{count - 1}]" for base, count in arrays.items()])


@main.command("circuits")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: name, params, statement, constraints, public.")
@_handle_errors
def circuits_cmd(as_json: bool):
    """List the circuits with their constraint counts (default parameters) and public inputs, in order."""
    from zkopt import circuits

    rows = [circuits.describe(name) for name in sorted(circuits.REGISTRY)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items()) or "no parameters"
        click.echo(f"{row['name']:<9} {row['constraints']:>7,} constraints ({params})")
        click.echo(f"          public: {_public_summary(row['public']) or '(none)'}")
        click.echo(f"          {row['statement']}")


# --- ledger --------------------------------------------------------------------------------


@main.group()
def ledger():
    """Create a ledger, show it, submit transaction files to it."""


def _parse_shocks(text: str) -> tuple[int, ...]:
    """'-50,-30,10.5' (percent, up to 4 decimals) -> shocks in millionths (-500000, -300000, 105000)."""
    import re

    from zkopt.errors import MalformedInput

    shocks = []
    for item in text.split(","):
        item = item.strip()
        match = re.fullmatch(r"(-?)(\d+)(?:\.(\d{1,4}))?", item)
        if not match:
            raise MalformedInput(f"margin shock {item!r} is not a percentage like -50 or 12.5")
        sign, whole, frac = match.groups()
        value = int(whole) * 10_000 + int((frac or "").ljust(4, "0"))
        shocks.append(-value if sign else value)
    return tuple(shocks)


@ledger.command("init")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The new ledger file.")
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="Key directory (created or loaded).")
@click.option("--committee", "committee", required=True, type=click.Path(dir_okay=False),
              help="Committee file of member public keys (written by `oracle keygen --committee`).")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(1, 32), help="Note tree depth.")
@click.option("--threshold", type=click.IntRange(1), help="Signatures a price needs [default: the file's, else a majority].")
@click.option("--root-history", default=32, show_default=True, type=click.IntRange(1), help="Recent roots a proof may use.")
@click.option("--margin-shocks", "margin_shocks", metavar="PCT,PCT,...",
              help="The margin grid's shocks in percent, one per grid price [default: -50,-30,-20,-10,10,20,30,50].")
@click.option("--zkeys", "zkeys", type=click.Path(file_okay=False),
              help="A ceremony directory (pot.ptau and KIND.zkey): verify it and install its keys in --keys.")
@_handle_errors
def ledger_init(db: str, keys_dir: str, committee: str, depth: int, threshold: int | None, root_history: int,
                margin_shocks: str | None, zkeys: str | None):
    """Create a ledger: set up (or load) the four transaction circuits' keys at DEPTH, register the committee.

    Without --zkeys the setup is single-party (the toxic waste is known to
    this machine): for tests and demos only. With --zkeys the keys come from
    a multi-party ceremony, verified first; the genesis records each
    circuit's transcript hash.
    """
    from zkopt.errors import MalformedInput
    from zkopt.ledger import Genesis, Ledger
    from zkopt.wallet import TX_KINDS, KeyDir, read_committee

    members, file_threshold = read_committee(committee)
    k = threshold or file_threshold or len(members) // 2 + 1
    shocks = _parse_shocks(margin_shocks) if margin_shocks is not None else None
    if Path(db).exists():
        raise MalformedInput(f"{db} already exists; a ledger is created only once")
    if zkeys is not None:
        from zkopt import ceremony_keys

        infos = ceremony_keys.install(zkeys, KeyDir(keys_dir), depth, status=_status())
    else:
        infos = KeyDir(keys_dir).ensure(depth, status=_status())
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=members,
        threshold=k,
        tree_depth=depth,
        root_history=root_history,
        **({"margin_shocks": shocks} if shocks is not None else {}),
    )
    Ledger.create(db, genesis).close()
    click.echo(f"created {db}: tree depth {depth}, oracle committee {k} of {len(members)}")
    if zkeys is not None:
        click.echo(f"keys from the ceremony in {zkeys} (transcripts verified; the genesis records their hashes)")
    click.echo(f"genesis hash {genesis.hash().hex()} (publish it; `zkopt audit --genesis-hash` checks it)")
    for kind in TX_KINDS:
        info = infos[kind]
        how = f"set up in {info.seconds:.1f} s" if info.created else "loaded"
        if zkeys is not None:
            how = f"from the ceremony, transcript {info.entry.transcript_hash.hex()[:16]}..."
        click.echo(f"  {kind:<9} {info.constraints:>6,} constraints, keys {how}")
    if zkeys is None and any(info.created for info in infos.values()):
        click.echo(f"keys written to {keys_dir}/ (single-party setup: not for production)")


@ledger.command("show")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.option("--entries", "list_entries", is_flag=True, help="Also list every log entry.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def ledger_show(db: str, list_entries: bool, as_json: bool):
    """Show a ledger: root, pool balance, leaf count, entries, circuits and oracle committee."""
    from zkopt.ledger import Ledger
    from zkopt.wallet import format_amount, format_time

    with Ledger.open(db) as opened:
        state = opened.state()
        genesis = opened.genesis
        info = {
            "path": str(db),
            "genesis_hash": genesis.hash().hex(),
            "head_hash": state.head_hash.hex(),
            "entries": state.entries,
            "tree_depth": genesis.tree_depth,
            "root_history": genesis.root_history,
            "root": str(state.root),
            "leaf_count": state.leaf_count,
            "pool_balance": str(state.pool_balance),
            "circuits": {
                kind: {"public_names": list(e.public_names), "vk_sha256": e.vk_sha256.hex(),
                       "transcript_hash": e.transcript_hash.hex() if e.transcript_hash is not None else None}
                for kind, e in sorted(genesis.circuits.items())
            },
            "committee": {"threshold": genesis.threshold, "members": [m.hex() for m in genesis.committee]},
            "margin_shocks": list(genesis.margin_shocks),
        }
        log = []
        if list_entries:
            for entry in opened.entries():
                item = {"seq": entry["seq"], "type": entry["entry_type"], "accepted_at": entry["accepted_at"]}
                if entry["entry_type"] == "tx":
                    item["kind"] = entry["kind"]
                    item["public"] = dict(zip(entry["public_names"], entry["public"]))
                else:
                    item.update(asset=entry["asset"], expiry=entry["expiry"], price=entry["price"],
                                signatures=len(entry["attestations"]))
                log.append(item)
            info["log"] = log
    if as_json:
        _echo_json(info)
        return
    click.echo(f"ledger        {db}")
    click.echo(f"genesis hash  {info['genesis_hash']}")
    click.echo(f"head hash     {info['head_hash']}")
    click.echo(f"entries       {state.entries}")
    click.echo(f"tree          depth {genesis.tree_depth}, {state.leaf_count} leaves, root {state.root}")
    click.echo(f"root history  {genesis.root_history}")
    click.echo(f"pool balance  {format_amount(state.pool_balance)} ({state.pool_balance} units of 10^-6)")
    for kind, c in info["circuits"].items():
        click.echo(f"circuit       {kind:<9} vk sha256 {c['vk_sha256'][:16]}... public: {_public_summary(c['public_names'])}")
        setup = f"ceremony, transcript {c['transcript_hash'][:16]}..." if c["transcript_hash"] else "single-party setup"
        click.echo(f"              {'':<9} keys: {setup}")
    click.echo(f"oracle        {genesis.threshold} of {len(genesis.committee)} signatures")
    shocks = " ".join(f"{shock / 10_000:+g}%" for shock in genesis.margin_shocks)
    click.echo(f"margin grid   last attested spot x (1 + shock), shocks {shocks}")
    for i, member in enumerate(info["committee"]["members"]):
        click.echo(f"  member {i}    {member}")
    for item in log:
        when = format_time(item["accepted_at"])
        if item["type"] == "tx":
            click.echo(f"  #{item['seq']:<4} {when}  {item['kind']}")
        else:
            price = format_amount(int(item["price"]))
            click.echo(f"  #{item['seq']:<4} {when}  price {price} at expiry {format_time(item['expiry'])} "
                       f"({item['signatures']} signatures)")


def _receipt_line(receipt) -> str:
    from zkopt.wallet import format_amount, format_time

    text = f"accepted: entry {receipt.seq} ({receipt.kind}) at {format_time(receipt.accepted_at)}"
    if receipt.leaf_indices:
        text += f"; new notes at leaves {', '.join(map(str, receipt.leaf_indices))}"
    if receipt.price is not None:
        text += f"; settlement price {format_amount(receipt.price)}"
    return text


@ledger.command("submit")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.argument("tx_file", metavar="TX.json", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
@_handle_errors
def ledger_submit(db: str, tx_file: str, as_json: bool):
    """Submit a transaction file {"kind", "public", "proof"}; exit 1 with the ledger's reason when rejected."""
    from zkopt.ledger import Ledger, Transaction
    from zkopt.wallet import read_json

    tx = Transaction.from_json(read_json(tx_file, "transaction"))
    with Ledger.open(db) as opened:
        receipt = opened.submit(tx.kind, list(tx.public), tx.proof)
    if as_json:
        _echo_json(receipt.to_json())
    else:
        click.echo(_receipt_line(receipt))


@ledger.command("check-opening")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.argument("opening", metavar="OPENING.json", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_handle_errors
def ledger_check_opening(db: str, opening: str, as_json: bool):
    """Check a disclosed note (from `wallet disclose`) against the ledger: exit 0 if it is there, 1 if not."""
    from zkopt.audit import check_disclosure
    from zkopt.wallet import format_time, read_json

    disclosed = check_disclosure(db, read_json(opening, "opening"))
    if as_json:
        _echo_json(disclosed.to_json())
        return
    values = ", ".join(f"{k}={v}" for k, v in disclosed.values.items() if k != "rho")
    click.echo(f"on the ledger: {disclosed.note_type} note at leaf {disclosed.leaf_index}, created by entry "
               f"{disclosed.seq} ({disclosed.kind}) at {format_time(disclosed.accepted_at)}")
    click.echo(f"  {values}")
    if disclosed.note_type == "option":
        click.echo(f"  settled in entry {disclosed.spent_in}" if disclosed.spent_in else "  not settled")


# --- oracle ---------------------------------------------------------------------------------


@main.group()
def oracle():
    """Oracle committee members: make a key, sign a price observation, post a price report."""


@oracle.command("keygen")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="New private key file (owner-only).")
@click.option("--committee", "committee", type=click.Path(dir_okay=False), help="Also add the public key to this committee file.")
@_handle_errors
def oracle_keygen(out: str, committee: str | None):
    """Make a member's Ed25519 key; write it to OUT (mode 0600, never overwritten) and print the public key."""
    from zkopt.ledger import oracle as ledger_oracle
    from zkopt.wallet import add_to_committee, read_committee, write_oracle_key

    if committee and Path(committee).exists():
        read_committee(committee)  # refuse a damaged committee file before a key is written
    public = write_oracle_key(out, ledger_oracle.keygen())
    if committee:
        add_to_committee(committee, public)
    click.echo(public.hex())


@oracle.command("sign")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False), help="The member's key file.")
@click.option("--asset", required=True, type=TICKER, help="Underlying ticker, e.g. ETH-USD.")
@click.option("--expiry", required=True, type=TIME, help="Option expiry: Unix seconds or ISO 8601.")
@click.option("--price", required=True, type=AMOUNT, help="Observed price, decimal (6 decimals at most).")
@click.option("--observed-at", "observed_at", type=TIME, help="Observation time [default: now].")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Where to write OBS.json.")
@_handle_errors
def oracle_sign(key_file: str, asset: int, expiry: int, price: int, observed_at: int | None, out: str):
    """Sign one price observation of ASSET for an expiry; write it to OBS.json."""
    from zkopt.errors import MalformedInput
    from zkopt.ledger import Observation
    from zkopt.ledger import oracle as ledger_oracle
    from zkopt.wallet import format_amount, format_time, read_oracle_key, write_json_atomic

    key = read_oracle_key(key_file)
    observed_at = int(time.time()) if observed_at is None else observed_at
    if observed_at < expiry:
        raise MalformedInput(f"observed at {format_time(observed_at)}, before the expiry {format_time(expiry)}: "
                             "a settlement price is observed after expiry")
    attestation = ledger_oracle.sign(Observation(asset, expiry, price, observed_at), key)
    write_json_atomic(out, attestation.to_json(), 0o644)
    click.echo(f"signed price {format_amount(price)} at expiry {format_time(expiry)}, observed "
               f"{format_time(observed_at)}, by {attestation.member.hex()[:16]}...: {out}")


@oracle.command("post")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.argument("files", metavar="OBS.json...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
@_handle_errors
def oracle_post(db: str, files: tuple[str, ...], as_json: bool):
    """Post signed observations of one (asset, expiry) as a price report; exit 1 when the ledger refuses it."""
    from zkopt.ledger import Ledger
    from zkopt.wallet import read_attestations

    attestations = read_attestations(files)
    with Ledger.open(db) as opened:
        receipt = opened.post_price(attestations)
    if as_json:
        _echo_json(receipt.to_json())
    else:
        click.echo(f"{_receipt_line(receipt)} ({len(attestations)} signatures)")


# --- wallet ----------------------------------------------------------------------------------


WALLET = click.option("--wallet", "wallet_file", required=True, type=click.Path(dir_okay=False), help="The wallet file.")
DB = click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
KEYS = click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="Key directory (from `ledger init`).")
OUT = click.option("--out", "out", type=click.Path(dir_okay=False), help="Write the transaction to TX.json instead of submitting it.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@main.group()
def wallet():
    """A trader's wallet: a spending key and note openings in one local file (mode 0600).

    Amounts, prices, strikes, collateral and quantities are decimal strings
    with at most 6 decimals (12.5); assets are tickers (ETH-USD); times are
    Unix seconds or ISO 8601. Commands that make a transaction submit it,
    or write it to --out TX.json for `zkopt ledger submit`.
    """


def _run_tx(wallet_file: str, db: str, keys_dir: str, out: str | None, action):
    """Load the wallet, sync it with the ledger, run ``action(wallet, ledger, keys, submit, status)``."""
    from zkopt.ledger import Ledger
    from zkopt.wallet import KeyDir, Wallet, write_json_atomic

    loaded = Wallet.load(wallet_file)
    with Ledger.open(db) as opened:
        loaded.sync(opened)
        loaded.save()
        outcome = action(loaded, opened, KeyDir(keys_dir), out is None, _status())
    if out:
        write_json_atomic(out, outcome.tx.to_json(), 0o644)
    return loaded, outcome


def _report_tx(loaded, outcome, db: str, out: str | None, as_json: bool, extra: dict | None = None) -> None:
    tx = outcome.tx
    created = [n for n in loaded.notes if any(n.note == c.note for c in tx.creates)]
    if as_json:
        _echo_json({
            "kind": tx.kind,
            "submitted": outcome.receipt is not None,
            "receipt": outcome.receipt.to_json() if outcome.receipt is not None else None,
            "tx_file": out,
            "public": {n: str(v) for n, v in zip(tx.names, tx.public)},
            "spends": tx.spends,
            "creates": [{"id": n.id, "type": n.type, "status": n.status} for n in created],
            "prove_seconds": round(tx.prove_seconds, 3),
            **(extra or {}),
        })
        return
    if outcome.receipt is not None:
        click.echo(f"{_receipt_line(outcome.receipt)}; proof {tx.prove_seconds:.1f} s")
    else:
        click.echo(f"{tx.kind} transaction written to {out} (not submitted; proof {tx.prove_seconds:.1f} s)")
        click.echo(f"  submit it: zkopt ledger submit --db {db} {out}; then zkopt wallet sync")
    for spent in tx.spends:
        click.echo(f"  spends  {spent}")
    for n in created:
        click.echo(f"  new     {n.id}  {loaded.describe(n)}  [{n.status}]")
    for key, value in (extra or {}).items():
        click.echo(f"  {key}: {value}")


@wallet.command("new")
@WALLET
@JSON
@_handle_errors
def wallet_new(wallet_file: str, as_json: bool):
    """Create a wallet with a fresh spending key (refuses an existing file); print its public key."""
    from zkopt.wallet import Wallet

    created = Wallet.create(wallet_file)
    if as_json:
        _echo_json({"wallet": wallet_file, "public_key": str(created.pk)})
    else:
        click.echo(str(created.pk))


@wallet.command("deposit")
@WALLET
@DB
@KEYS
@click.option("--amount", required=True, type=AMOUNT, help="Amount to deposit, e.g. 10000 or 12.5.")
@OUT
@JSON
@_handle_errors
def wallet_deposit(wallet_file, db, keys_dir, amount, out, as_json):
    """Deposit AMOUNT into a new private cash note of this wallet."""
    loaded, outcome = _run_tx(
        wallet_file, db, keys_dir, out, lambda w, lg, k, submit, status: w.deposit(lg, k, amount, submit=submit, status=status)
    )
    _report_tx(loaded, outcome, db, out, as_json)


@wallet.command("open")
@WALLET
@DB
@KEYS
@click.option("--holder", required=True, type=PUBLIC_KEY, help="The holder's public key (from `wallet new`).")
@click.option("--asset", required=True, help="Underlying ticker, e.g. ETH-USD.")
@click.option("--kind", "option_kind", required=True, type=click.Choice(["call", "put"]), help="Call or put.")
@click.option("--strike", required=True, type=AMOUNT, help="Strike price.")
@click.option("--quantity", required=True, type=AMOUNT, help="Quantity (6 decimals).")
@click.option("--expiry", required=True, type=TIME, help="Expiry: Unix seconds or ISO 8601.")
@click.option("--collateral", required=True, type=AMOUNT, help="Collateral locked from one cash note.")
@click.option("--share", "share", type=click.Path(dir_okay=False), help="Write the option's opening here for the holder (`wallet import`).")
@OUT
@JSON
@_handle_errors
def wallet_open(wallet_file, db, keys_dir, holder, asset, option_kind, strike, quantity, expiry, collateral,
                share, out, as_json):
    """Write an option to HOLDER as its writer, locking COLLATERAL; the proof checks the margin over the grid.

    The grid is the ledger's (the only one it accepts): the last attested spot
    of ASSET x the genesis margin shocks. With --out the ledger is still read
    for it, so the transaction must be submitted before a newer spot arrives.
    """
    from zkopt.audit import export_opening
    from zkopt import wallet as wallet_lib
    from zkopt.native.notes import CALL, PUT

    asset_id = wallet_lib.asset_id(asset)

    def action(w, lg, k, submit, status):
        return w.open_position(
            lg, k, holder_pk=holder, asset=asset_id, kind=CALL if option_kind == "call" else PUT, strike=strike,
            quantity=quantity, expiry=expiry, collateral=collateral, ticker=asset, submit=submit, status=status,
        )

    loaded, outcome = _run_tx(wallet_file, db, keys_dir, out, action)
    grid = outcome.tx.grid or []
    extra = {}
    if share:
        wallet_lib.write_json_atomic(share, export_opening(outcome.tx.share), 0o600)
        extra["share"] = share
    if as_json:
        extra["grid"] = [str(g) for g in grid]
    else:
        shown = " ".join(wallet_lib.format_amount(g) for g in grid)
        extra["grid"] = f"{shown} (the ledger's: last attested spot of {asset} x the genesis margin shocks)"
    _report_tx(loaded, outcome, db, out, as_json, extra)


@wallet.command("settle")
@WALLET
@DB
@KEYS
@click.option("--note", "note", required=True, help="The option note's id (see `wallet notes`).")
@OUT
@JSON
@_handle_errors
def wallet_settle(wallet_file, db, keys_dir, note, out, as_json):
    """Settle an option note at the attested price of its asset and expiry (either party may)."""
    loaded, outcome = _run_tx(
        wallet_file, db, keys_dir, out, lambda w, lg, k, submit, status: w.settle(lg, k, note, submit=submit, status=status)
    )
    _report_tx(loaded, outcome, db, out, as_json)


@wallet.command("withdraw")
@WALLET
@DB
@KEYS
@click.option("--amount", required=True, type=AMOUNT, help="Amount to pay out of the pool.")
@click.option("--recipient", required=True, type=RECIPIENT, help="Payee: a decimal number < r, or a text of at most 31 bytes.")
@OUT
@JSON
@_handle_errors
def wallet_withdraw(wallet_file, db, keys_dir, amount, recipient, out, as_json):
    """Withdraw AMOUNT to RECIPIENT from one cash note; the change stays in a new private note."""
    loaded, outcome = _run_tx(
        wallet_file, db, keys_dir, out,
        lambda w, lg, k, submit, status: w.withdraw(lg, k, amount, recipient, submit=submit, status=status),
    )
    _report_tx(loaded, outcome, db, out, as_json)


@wallet.command("notes")
@WALLET
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Sync with this ledger first.")
@JSON
@click.option("--openings", is_flag=True, help="With --json: include each note's full opening (its rho: secret).")
@_handle_errors
def wallet_notes(wallet_file, db, as_json, openings):
    """List the wallet's notes and balance (never the spending key; openings only with --json --openings)."""
    from zkopt.ledger import Ledger
    from zkopt.wallet import Wallet, format_amount

    if openings and not as_json:
        raise click.UsageError("--openings prints secrets and needs --json")
    loaded = Wallet.load(wallet_file)
    if db:
        with Ledger.open(db) as opened:
            loaded.sync(opened)
        loaded.save()
    if as_json:
        _echo_json({
            "public_key": str(loaded.pk),
            "balance": str(loaded.balance()),
            "notes": [n.to_json(openings=openings) for n in loaded.notes],
        })
        return
    click.echo(f"public key {loaded.pk}")
    click.echo(f"{'id':<12}  {'status':<8} {'leaf':>5}  note")
    for n in loaded.notes:
        leaf = "-" if n.leaf_index is None else str(n.leaf_index)
        click.echo(f"{n.id:<12}  {n.status:<8} {leaf:>5}  {loaded.describe(n)}  ({n.origin})")
    click.echo(f"balance {format_amount(loaded.balance())} (unspent cash notes, as of the last sync)")


@wallet.command("disclose")
@WALLET
@click.option("--note", "note", required=True, help="The note's id.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Where to write OPENING.json (mode 0600).")
@_handle_errors
def wallet_disclose(wallet_file, note, out):
    """Write one note's opening, for the counterparty (`wallet import`) or an auditor (`ledger check-opening`)."""
    from zkopt.wallet import Wallet, write_json_atomic

    loaded = Wallet.load(wallet_file)
    entry = loaded.find(note)
    write_json_atomic(out, loaded.opening(entry.id), 0o600)
    click.echo(f"opening of {entry.id} ({loaded.describe(entry)}) written to {out}")


@wallet.command("import")
@WALLET
@click.argument("opening", metavar="OPENING.json", type=click.Path(dir_okay=False))
@click.option("--asset", "ticker", help="The option's ticker, for display (must match the note).")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Find the note on this ledger now.")
@_handle_errors
def wallet_import(wallet_file, opening, ticker, db):
    """Add a shared note (from `wallet open --share` or `wallet disclose`) that names this wallet's key."""
    from zkopt.ledger import Ledger
    from zkopt.wallet import Wallet, read_json

    loaded = Wallet.load(wallet_file)
    entry, new = loaded.import_opening(read_json(opening, "opening"), ticker)
    if db:
        with Ledger.open(db) as opened:
            loaded.sync(opened)
    loaded.save()
    verb = "imported" if new else "already in the wallet:"
    click.echo(f"{verb} {entry.id}  {loaded.describe(entry)}  [{entry.status}]")


@wallet.command("sync")
@WALLET
@DB
@_handle_errors
def wallet_sync(wallet_file, db):
    """Find pending notes on the ledger, mark spent notes, and pick up settlement notes."""
    from zkopt.ledger import Ledger
    from zkopt.wallet import Wallet, format_amount

    loaded = Wallet.load(wallet_file)
    with Ledger.open(db) as opened:
        changes = loaded.sync(opened)
    loaded.save()
    for line in changes:
        click.echo(line)
    click.echo(f"{len(changes)} changes; balance {format_amount(loaded.balance())}")


# --- audit and demo --------------------------------------------------------------------------


@main.command("audit")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.option("--genesis-hash", "genesis_hash", help="The published genesis hash (hex) the file must carry.")
@click.option("--transcripts", "transcripts", type=click.Path(file_okay=False),
              help="Also re-verify the keys' setup ceremony from this directory (pot.ptau and KIND.zkey).")
@JSON
@_handle_errors
def audit_cmd(db: str, genesis_hash: str | None, as_json: bool, transcripts: str | None):
    """Replay and re-verify a ledger from genesis: exit 0 when every check holds, 1 with findings, 2 unusable file."""
    from zkopt.audit import audit
    from zkopt.errors import MalformedInput

    expected = None
    if genesis_hash is not None:
        try:
            expected = bytes.fromhex(genesis_hash)
        except ValueError:
            raise MalformedInput("--genesis-hash must be hex") from None
        if len(expected) != 32:
            raise MalformedInput("--genesis-hash must be 32 bytes (64 hex digits)")
    if not Path(db).is_file():
        raise MalformedInput(f"no ledger file at {db}")
    status = _status()
    if status:
        status(f"auditing {db}")
    report = audit(db, genesis_hash=expected)
    unusable = [f for f in report.findings if f.check == "file"]
    if unusable:
        raise MalformedInput(unusable[0].message)
    if transcripts is not None:
        from zkopt import ceremony_keys

        report.findings += ceremony_keys.check(transcripts, db, status)
    if as_json:
        _echo_json(report.to_json())
    else:
        click.echo(report.to_text())
    if not report.ok:
        _fail(EXIT_INVALID, f"audit failed: {len(report.findings)} findings (first: {report.findings[0]})")


@main.command()
@click.option("--dir", "work_dir", default="zkopt-demo", show_default=True, type=click.Path(file_okay=False),
              help="Working directory (keys are cached in DIR/keys/).")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(1, 32), help="Note tree depth.")
@click.option("--zkeys", "zkeys", type=click.Path(file_okay=False),
              help="Use the keys of a multi-party ceremony (pot.ptau and KIND.zkey in this directory).")
@_handle_errors
def demo(work_dir: str, depth: int, zkeys: str | None):
    """Run the main job: a private call option from deposit to payout on a fresh ledger, then an audit.

    Leaves DIR/ledger.db, DIR/wallets/, DIR/keys/, DIR/oracle/ and every
    accepted transaction as DIR/txs/NNN-KIND.json. A second run starts a
    fresh ledger and reuses the keys.
    """
    from zkopt import demo as demo_module

    result = demo_module.run(work_dir, depth, echo=click.echo, status=_status(), zkeys=zkeys)
    if not result.ok:
        _fail(EXIT_INVALID, "demo: the audit or the privacy check failed (see above)")


if __name__ == "__main__":
    main()
