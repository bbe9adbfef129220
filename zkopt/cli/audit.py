"""``zkopt audit``: replay and re-verify a ledger from genesis; findings exit 1, an unusable file exits 2."""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.common import EXIT_INVALID, JSON, echo_json, fail, handle_errors, status


@click.command("audit")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
@click.option("--genesis-hash", "genesis_hash", help="The published genesis hash (hex) the file must carry.")
@click.option("--transcripts", "transcripts", type=click.Path(file_okay=False),
              help="Also re-verify the keys' setup ceremony from this directory (one .ptau and KIND.zkey per circuit).")
@JSON
@handle_errors
def audit_cmd(db: str, genesis_hash: str | None, transcripts: str | None, as_json: bool):
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
    say = status()
    if say:
        say(f"auditing {db}")
    report = audit(db, genesis_hash=expected)
    unusable = [f for f in report.findings if f.check == "file"]
    if unusable:
        raise MalformedInput(unusable[0].message)
    if transcripts is not None:
        from zkopt import ceremony_keys

        report.findings += ceremony_keys.check(transcripts, db, say)
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(report.to_text())
    if not report.ok:
        count = len(report.findings)
        fail(EXIT_INVALID, f"audit failed: {count} finding{'s' if count != 1 else ''} (first: {report.findings[0]})")
