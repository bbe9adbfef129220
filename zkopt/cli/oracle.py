"""``zkopt oracle``: member keys (``keygen``), signed observations (``sign``), price reports to a ledger (``post``)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from zkopt.cli.common import (
    AMOUNT,
    DB,
    TICKER,
    TIME,
    echo_json,
    handle_errors,
    open_ledger,
    receipt_line,
)


@click.group()
def oracle():
    """Oracle committee members: make a key, sign a price observation, post a price report."""


@oracle.command("keygen")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="New private key file (owner-only).")
@click.option("--committee", "committee", type=click.Path(dir_okay=False), help="Also add the public key to this committee file.")
@click.option("--ethereum", is_flag=True, help="A member of a pool on chain: a secp256k1 key; prints its address.")
@handle_errors
def oracle_keygen(out: str, committee: str | None, ethereum: bool):
    """Make a member's Ed25519 key; write it to OUT (mode 0600, never overwritten) and print the public key."""
    from zkopt.ledger import oracle as ledger_oracle
    from zkopt.oracle_files import add_to_committee, read_committee, write_oracle_key

    if ethereum:
        from zkopt.chain import oracle as chain_oracle

        if committee:
            raise click.UsageError("--ethereum keys go to `zkopt chain deploy --member ADDRESS`, not a committee file")
        click.echo("0x" + chain_oracle.write_key_file(out, chain_oracle.keygen()).hex())
        return
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
@handle_errors
def oracle_sign(key_file: str, asset: int, expiry: int, price: int, observed_at: int | None, out: str):
    """Sign one price observation of ASSET for an expiry; write it to OBS.json."""
    from zkopt.errors import MalformedInput
    from zkopt.files import write_json_atomic
    from zkopt.ledger import Observation
    from zkopt.ledger import oracle as ledger_oracle
    from zkopt.oracle_files import read_oracle_key
    from zkopt.units import format_amount, format_time

    observed_at = int(time.time()) if observed_at is None else observed_at
    if observed_at < expiry:
        raise MalformedInput(f"observed at {format_time(observed_at)}, before the expiry {format_time(expiry)}: "
                             "a settlement price is observed after expiry")
    observation = Observation(asset, expiry, price, observed_at)
    chain_key = _chain_key(key_file)
    if chain_key is not None:
        from zkopt.chain import oracle as chain_oracle

        attestation = chain_oracle.sign(observation, chain_key)
    else:
        attestation = ledger_oracle.sign(observation, read_oracle_key(key_file))
    write_json_atomic(out, attestation.to_json(), 0o644)
    click.echo(f"signed price {format_amount(price)} at expiry {format_time(expiry)}, observed "
               f"{format_time(observed_at)}, by {attestation.member.hex()[:16]}...: {out}")


@oracle.command("post")
@DB
@click.argument("files", metavar="OBS.json...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
@handle_errors
def oracle_post(db, files: tuple[str, ...], as_json: bool):
    """Post signed observations of one (asset, expiry) as a price report; exit 1 when the ledger refuses it."""
    from zkopt.oracle_files import read_attestations

    attestations = read_attestations(files)
    with open_ledger(db) as opened:
        receipt = opened.post_price(attestations)
    if as_json:
        echo_json(receipt.to_json())
    else:
        click.echo(f"{receipt_line(receipt)} ({len(attestations)} signatures)")


def _chain_key(key_file: str) -> bytes | None:
    """An Ethereum member's key (``oracle keygen --ethereum``), or None for an Ed25519 key file."""
    try:
        from zkopt.chain import oracle as chain_oracle
    except ImportError:  # web3's dependencies (the chain extra) are not installed: only Ed25519 keys then
        return None
    return chain_oracle.read_key_file(key_file)
