"""``zkopt ledger``: create a ledger (``init``), ``show`` it, ``submit`` transaction files, ``check-opening``,
``check`` its store, ``serve`` it, ``migrate`` it into another store (SQLite file or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.common import (
    DB,
    EXIT_INVALID,
    JSON,
    echo_json,
    fail,
    handle_errors,
    ledger_args,
    open_ledger,
    public_summary,
    receipt_line,
    status,
)


@click.group()
def ledger():
    """Create a ledger, show it, check its file, submit transaction files to it."""


@ledger.command("init")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False),
              help="The new ledger file, or an empty PostgreSQL database (postgresql://...).")
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="Key directory (created or loaded).")
@click.option("--committee", "committee", required=True, type=click.Path(dir_okay=False),
              help="Committee file of member public keys (written by `oracle keygen --committee`).")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(1, 32), help="Note tree depth.")
@click.option("--threshold", type=click.IntRange(1), help="Signatures a price needs [default: the file's, else a majority].")
@click.option("--root-history", default=32, show_default=True, type=click.IntRange(1), help="Recent roots a proof may use.")
@click.option("--margin-shocks", "margin_shocks", metavar="PCT,PCT,...",
              help="The margin grid's shocks in percent, one per grid price [default: -50,-30,-20,-10,10,20,30,50]; "
                   "their number is the open circuit's grid size (8, or 16 for a finer grid).")
@click.option("--zkeys", "zkeys", type=click.Path(file_okay=False),
              help="A ceremony directory (one prepared .ptau and KIND.zkey per circuit): verify it and install its "
                   "keys in --keys.")
@handle_errors
def ledger_init(db: str, keys_dir: str, committee: str, depth: int, threshold: int | None, root_history: int,
                margin_shocks: str | None, zkeys: str | None):
    """Create a ledger: set up (or load) the five transaction circuits' keys at DEPTH, register the committee.

    Without --zkeys the setup is single-party (the toxic waste is known to
    this machine): for tests and demos only. With --zkeys the keys come from
    a multi-party ceremony, verified first; the genesis records each
    circuit's transcript hash.
    """
    from zkopt.errors import MalformedInput
    from zkopt.keydir import TX_KINDS, KeyDir
    from zkopt.ledger import Genesis, Ledger, database
    from zkopt.native.payoff import DEFAULT_SHOCKS
    from zkopt.oracle_files import read_committee
    from zkopt.units import parse_shocks

    members, file_threshold = read_committee(committee)
    k = threshold or file_threshold or len(members) // 2 + 1
    shocks = parse_shocks(margin_shocks) if margin_shocks is not None else None
    if not database.is_url(db) and Path(db).exists():
        raise MalformedInput(f"{db} already exists; a ledger is created only once")
    grid = len(shocks) if shocks is not None else len(DEFAULT_SHOCKS)
    if zkeys is not None:
        from zkopt import ceremony_keys

        infos = ceremony_keys.install(zkeys, KeyDir(keys_dir), depth, grid=grid, status=status())
    else:
        infos = KeyDir(keys_dir).ensure(depth, grid=grid, status=status())
    genesis = Genesis(
        circuits={kind: infos[kind].entry for kind in TX_KINDS},
        committee=members,
        threshold=k,
        tree_depth=depth,
        root_history=root_history,
        **({"margin_shocks": shocks} if shocks is not None else {}),
    )
    with Ledger.create(db, genesis) as created:
        where = created.path
    click.echo(f"created {where}: tree depth {depth}, oracle committee {k} of {len(members)}")
    if zkeys is not None:
        click.echo(f"keys from the ceremony in {zkeys} (transcripts verified; the genesis records their hashes)")
    click.echo(f"genesis hash {genesis.hash().hex()} (publish it; `zkopt audit --genesis-hash` checks it)")
    for kind in TX_KINDS:
        info = infos[kind]
        how = f"set up in {info.seconds:.1f} s" if info.created else "loaded"
        if info.entry.transcript_hash is not None:
            how = f"from the ceremony, transcript {info.entry.transcript_hash.hex()[:16]}..."
        click.echo(f"  {kind:<9} {info.constraints:>6,} constraints, keys {how}")
    if zkeys is None and any(info.created for info in infos.values()):
        click.echo(f"keys written to {keys_dir}/ (single-party setup: not for production)")


@ledger.command("show")
@DB
@click.option("--entries", "list_entries", is_flag=True, help="Also list every log entry.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def ledger_show(db, list_entries: bool, as_json: bool):
    """Show a ledger: root, pool balance, leaf count, entries, circuits and oracle committee."""
    from zkopt.cli.common import ChainTarget
    from zkopt.units import format_amount, format_time

    if isinstance(db, ChainTarget):
        raise click.UsageError("ledger show reads a ledger file or server; for a pool: zkopt audit --chain")
    with open_ledger(db) as opened:
        info = opened.summary(entries=list_entries)
    if as_json:
        echo_json(info)
        return
    click.echo(f"ledger        {info['path']}")
    click.echo(f"genesis hash  {info['genesis_hash']}")
    click.echo(f"head hash     {info['head_hash']}")
    click.echo(f"entries       {info['entries']}")
    click.echo(f"tree          depth {info['tree_depth']}, {info['leaf_count']} leaves, root {info['root']}")
    click.echo(f"root history  {info['root_history']}")
    pool = int(info["pool_balance"])
    click.echo(f"pool balance  {format_amount(pool)} ({pool} units of 10^-6)")
    for kind, c in info["circuits"].items():
        click.echo(f"circuit       {kind:<9} vk sha256 {c['vk_sha256'][:16]}... public: {public_summary(c['public_names'])}")
        setup = f"ceremony, transcript {c['transcript_hash'][:16]}..." if c["transcript_hash"] else "single-party setup"
        click.echo(f"              {'':<9} keys: {setup}")
    committee = info["committee"]
    click.echo(f"oracle        {committee['threshold']} of {len(committee['members'])} signatures")
    shocks = " ".join(f"{shock / 10_000:+g}%" for shock in info["margin_shocks"])
    click.echo(f"margin grid   last attested spot x (1 + shock), shocks {shocks}")
    for i, member in enumerate(committee["members"]):
        click.echo(f"  member {i}    {member}")
    for item in info.get("log", []):
        when = format_time(item["accepted_at"])
        if item["type"] == "tx":
            click.echo(f"  #{item['seq']:<4} {when}  {item['kind']}")
        else:
            price = format_amount(int(item["price"]))
            click.echo(f"  #{item['seq']:<4} {when}  price {price} at expiry {format_time(item['expiry'])} "
                       f"({item['signatures']} signatures)")


@ledger.command("submit")
@DB
@click.argument("tx_file", metavar="TX.json", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
@handle_errors
def ledger_submit(db, tx_file: str, as_json: bool):
    """Submit a transaction file {"kind", "public", "proof", "notes"} or a bundle {"bundle": [...]}.

    A bundle is accepted whole or not at all. Exit 1 with the ledger's reason
    (naming the bundle's transaction) when rejected; the ledger is unchanged.
    """
    from zkopt.errors import MalformedInput
    from zkopt.files import read_json
    from zkopt.ledger.transactions import parse_submission

    obj = read_json(tx_file, "transaction")
    if isinstance(obj, list) or (isinstance(obj, dict) and "attestations" in obj):
        raise MalformedInput(f"{tx_file} is a price report, not a transaction: post it with `zkopt oracle post {ledger_args(db)} {tx_file}`")
    parsed = parse_submission(obj)
    with open_ledger(db) as opened:
        if isinstance(parsed, list):
            receipts = opened.submit_bundle(parsed)
        else:
            receipts = [opened.submit(parsed.kind, list(parsed.public), parsed.proof, parsed.notes)]
    if as_json:
        echo_json(receipts[0].to_json() if not isinstance(parsed, list) else [r.to_json() for r in receipts])
    else:
        for receipt in receipts:
            click.echo(receipt_line(receipt))


@ledger.command("serve")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False),
              help="The ledger to serve: a file, or a PostgreSQL database (postgresql://...).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8470, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@handle_errors
def ledger_serve(db: str, host: str, port: int):
    """Serve the ledger over HTTP to many parties: a JSON API for `--ledger URL`, and an explorer page at /.

    Submissions that arrive together are judged as one batch (one batch
    verification). Every request is one JSON line on stderr; the first line on
    stdout is the URL once it listens. Stop it with Ctrl-C or SIGTERM.
    """
    import sys

    from zkopt.serve.app import serve

    from zkopt.ledger import database

    shown = database.shown_url(db) if database.is_url(db) else db

    def listening(url: str) -> None:
        click.echo(f"serving {shown} at {url}")
        sys.stdout.flush()  # whoever started the server waits for this line

    serve(db, host, port, on_ready=listening)


@ledger.command("check-opening")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.argument("opening", metavar="OPENING.json", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def ledger_check_opening(db: str, opening: str, as_json: bool):
    """Check a disclosed note (from `wallet disclose`) against the ledger: exit 0 if it is there, 1 if not."""
    from zkopt.audit import check_disclosure
    from zkopt.files import read_json
    from zkopt.units import format_time

    disclosed = check_disclosure(db, read_json(opening, "opening"))
    if as_json:
        echo_json(disclosed.to_json())
        return
    values = ", ".join(f"{k}={v}" for k, v in disclosed.values.items() if k != "rho")
    click.echo(f"on the ledger: {disclosed.note_type} note at leaf {disclosed.leaf_index}, created by entry "
               f"{disclosed.seq} ({disclosed.kind}) at {format_time(disclosed.accepted_at)}")
    click.echo(f"  {values}")
    if disclosed.note_type == "option":
        click.echo(f"  settled in entry {disclosed.spent_in}" if disclosed.spent_in else "  not settled")


@ledger.command("check")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False),
              help="The ledger file, or a PostgreSQL database (postgresql://...).")
@JSON
@handle_errors
def ledger_check(db: str, as_json: bool):
    """Check the store itself (no proof is re-verified): SQLite's integrity check, schema, state row, uniqueness.

    Exit 0 when every check holds, 1 with problems (one line each), 2 for a
    file or database that is no ledger. `zkopt audit` runs the same checks first.
    """
    from zkopt.ledger import database
    from zkopt.ledger.integrity import check_file

    found = check_file(db)
    shown = database.shown_url(db) if database.is_url(db) else db
    if as_json:
        echo_json({"path": shown, "ok": not found, "problems": found})
    else:
        for line in found:
            click.echo(line)
        if not found:
            pages = "" if database.is_url(db) else "SQLite's integrity check, "
            click.echo(f"OK: {shown}: {pages}the schema, the state row and every uniqueness rule hold")
    if found:
        count = len(found)
        fail(EXIT_INVALID, f"check failed: {count} problem{'s' if count != 1 else ''} (first: {found[0]})")


@ledger.command("migrate")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False),
              help="The ledger to copy: a file, or a PostgreSQL database (postgresql://...).")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False),
              help="Where the copy goes: an empty PostgreSQL database (postgresql://...), or a new file.")
@JSON
@handle_errors
def ledger_migrate(db: str, target: str, as_json: bool):
    """Copy a ledger into another store row for row, e.g. a SQLite file into PostgreSQL.

    The copy has the same genesis and head hash (audit both to see it); the
    source is left as it is. A copy that fails leaves no ledger behind.
    """
    from zkopt.ledger import database
    from zkopt.ledger.copy import copy_ledger

    state = copy_ledger(db, target)
    shown = database.shown_url(target) if database.is_url(target) else target
    if as_json:
        echo_json({"from": database.shown_url(db) if database.is_url(db) else db, "to": shown,
                   "entries": state.entries, "head_hash": state.head_hash.hex()})
        return
    click.echo(f"copied {state.entries} entries to {shown}; head hash {state.head_hash.hex()}")
    click.echo(f"serve it with `zkopt ledger serve --db {shown}`")
