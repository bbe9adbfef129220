"""``zkopt demo``: the main job, one private call option from deposit to payout on a fresh ledger (``zkopt.demo``)."""

from __future__ import annotations

import click

from zkopt.cli.common import EXIT_INVALID, fail, handle_errors, status


@click.command()
@click.option("--dir", "work_dir", default="zkopt-demo", show_default=True, type=click.Path(file_okay=False),
              help="Working directory (keys are cached in DIR/keys/).")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(1, 32), help="Note tree depth.")
@click.option("--zkeys", "zkeys", type=click.Path(file_okay=False),
              help="Use the keys of a multi-party ceremony (one .ptau and KIND.zkey per circuit in this directory).")
@handle_errors
def demo(work_dir: str, depth: int, zkeys: str | None):
    """Run the main job: a private call option from deposit to payout on a fresh ledger, then an audit.

    Leaves DIR/ledger.db, DIR/wallets/, DIR/keys/, DIR/oracle/ and every
    accepted transaction as DIR/txs/NNN-KIND.json. A second run starts a
    fresh ledger and reuses the keys.
    """
    from zkopt import demo as demo_module

    result = demo_module.run(work_dir, depth, echo=click.echo, status=status(), zkeys=zkeys)
    if not result.ok:
        fail(EXIT_INVALID, "demo: the audit or the privacy check failed (see above)")
