"""``zkopt demo``: the main job, one private call option from deposit to payout on a fresh ledger (``zkopt.demo``)."""

from __future__ import annotations

from pathlib import Path

import click

from zkopt.cli.common import EXIT_INVALID, EXIT_UNUSABLE, fail, handle_errors, status


@click.command()
@click.option("--dir", "work_dir", default="zkopt-demo", show_default=True, type=click.Path(file_okay=False),
              help="Working directory (keys are cached in DIR/keys/).")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(4, 32),
              help="Note tree depth (4 or more: the story makes 9 notes).")
@click.option("--zkeys", "zkeys", type=click.Path(file_okay=False),
              help="Use the keys of a multi-party ceremony (one .ptau and KIND.zkey per circuit in this directory).")
@click.option("--chain", "on_chain", is_flag=True,
              help="Play the story on an in-process Ethereum chain (py-evm): the pool contract, gas per step.")
@handle_errors
def demo(work_dir: str, depth: int, zkeys: str | None, on_chain: bool):
    """Run the main job: a private call option from deposit to payout on a fresh ledger, then an audit.

    Leaves DIR/ledger.db, DIR/wallets/, DIR/keys/, DIR/oracle/ and every
    accepted transaction as DIR/txs/NNN-KIND.json. A second run starts a
    fresh ledger and reuses the keys. With --chain the ledger is a pool
    contract on an in-process chain (compiled with solc-js from
    tools/interop/node_modules or ZKOPT_NODE_MODULES; needs the chain extra).
    """
    from zkopt import demo as demo_module

    node_modules = None
    if on_chain:
        from zkopt.cli.chain import node_modules as chain_node_modules

        node_modules = chain_node_modules()
        if not (Path(node_modules) / "solc").is_dir():
            fail(EXIT_UNUSABLE, f"error: --chain compiles the pool with solc-js, not found in {node_modules} (run "
                 "`npm ci --prefix tools/interop` in the repository, or set ZKOPT_NODE_MODULES)")
        try:
            import web3  # noqa: F401
        except ImportError:
            fail(EXIT_UNUSABLE, "error: --chain needs web3.py: pip install -e '.[chain]'")
    result = demo_module.run(work_dir, depth, echo=click.echo, status=status(), chain_node_modules=node_modules,
                             zkeys=zkeys)
    if not result.ok:
        fail(EXIT_INVALID, "demo: the audit or the privacy check failed (see above)")
