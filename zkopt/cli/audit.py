"""``zkopt audit``: replay and re-verify a ledger from genesis; findings exit 1, an unusable file exits 2."""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.common import (
    DB,
    EXIT_INVALID,
    JSON,
    ChainTarget,
    RemoteTarget,
    echo_json,
    fail,
    handle_errors,
    open_ledger,
    status,
)


@click.command("audit")
@DB
@click.option("--genesis-hash", "genesis_hash", help="The published genesis hash (hex) the file or pool must carry.")
@click.option("--transcripts", "transcripts", type=click.Path(file_okay=False),
              help="Also re-verify the keys' setup ceremony from this directory (one .ptau and KIND.zkey per circuit).")
@JSON
@handle_errors
def audit_cmd(db, genesis_hash: str | None, transcripts: str | None, as_json: bool):
    """Replay and re-verify a ledger from genesis: exit 0 when every check holds, 1 with findings, 2 unusable file.

    With --chain/--pool: the pool's events from its deployment block, every proof re-verified off chain, the
    verifiers' code against the genesis keys (with solc-js) and the token's balance of the pool.
    """
    from zkopt.errors import MalformedInput

    expected = None
    if genesis_hash is not None:
        try:
            expected = bytes.fromhex(genesis_hash)
        except ValueError:
            raise MalformedInput("--genesis-hash must be hex") from None
        if len(expected) != 32:
            raise MalformedInput("--genesis-hash must be 32 bytes (64 hex digits)")
    say = status()
    if isinstance(db, ChainTarget):
        if transcripts is not None:
            raise click.UsageError("--transcripts re-verifies the ceremony a ledger file's genesis records, not a pool's")
        from zkopt.audit.replay import Finding
        from zkopt.chain.audit import audit_chain
        from zkopt.cli.chain import node_modules

        if say:
            say(f"auditing the pool {db.pool}")
        with open_ledger(db) as pool:
            modules = node_modules() if Path(node_modules()).is_dir() else None
            report = audit_chain(pool, node_modules=modules)
        if expected is not None and report.genesis_hash != expected:
            report.findings.insert(0, Finding(0, "genesis", "the genesis hash differs from the published one"))
    elif isinstance(db, RemoteTarget):
        import tempfile

        from zkopt.ledger.remote import RemoteLedger

        with tempfile.TemporaryDirectory(prefix="zkopt-audit-") as scratch:
            if say:
                say(f"copying the ledger served at {db.url}")
            with RemoteLedger(db.url, genesis_hash=expected) as served:
                copy = served.snapshot(Path(scratch) / "ledger.db")
                expected = served.genesis.hash()
            report = _audit_file(copy, expected, transcripts, say)
        report.path = db.url
    else:
        from zkopt.ledger import database

        if not database.is_url(db) and not Path(db).is_file():
            raise MalformedInput(f"no ledger file at {db}")
        report = _audit_file(db, expected, transcripts, say)
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(report.to_text())
    if not report.ok:
        count = len(report.findings)
        fail(EXIT_INVALID, f"audit failed: {count} finding{'s' if count != 1 else ''} (first: {report.findings[0]})")


def _audit_file(path, expected: bytes | None, transcripts: str | None, say):
    """The audit of a ledger file (a copy of a served one too): the replay, then the ceremony it records."""
    from zkopt.audit import audit
    from zkopt.errors import MalformedInput

    if say:
        say(f"auditing {path}")
    report = audit(path, genesis_hash=expected)
    unusable = [f for f in report.findings if f.check == "file"]
    if unusable:
        raise MalformedInput(unusable[0].message)
    if transcripts is not None:
        from zkopt import ceremony_keys

        report.findings += ceremony_keys.check(transcripts, path, say)
    return report
