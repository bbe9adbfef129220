"""``zkopt chain``: deploy a market on an Ethereum chain (``deploy``) and mint test tokens (``mint``)."""

from __future__ import annotations

import os

import click

from zkopt.cli.common import AMOUNT, JSON, echo_json, handle_errors, status

#: Where solc-js is found (``npm ci --prefix tools/interop``), unless ZKOPT_NODE_MODULES says otherwise.
DEFAULT_NODE_MODULES = os.path.join("tools", "interop", "node_modules")


def node_modules() -> str:
    return os.environ.get("ZKOPT_NODE_MODULES") or DEFAULT_NODE_MODULES


def _address(text: str) -> bytes:
    from zkopt.errors import MalformedInput

    raw = text.removeprefix("0x")
    if len(raw) != 40:
        raise MalformedInput(f"{text!r} is not an Ethereum address (0x and 40 hex digits)")
    try:
        return bytes.fromhex(raw)
    except ValueError:
        raise MalformedInput(f"{text!r} is not an Ethereum address (0x and 40 hex digits)") from None


@click.group()
def chain():
    """A zkopt pool on an Ethereum chain: the ledger's rules as a contract, the chain's consensus as operator."""


@chain.command("deploy")
@click.option("--chain", "url", required=True, metavar="RPC_URL", help="The chain's JSON-RPC node.")
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="Key directory (made if missing).")
@click.option("--member", "members", required=True, multiple=True, metavar="ADDRESS",
              help="An oracle member's address (`oracle keygen --ethereum`); repeat for each.")
@click.option("--threshold", type=click.IntRange(1), help="Signatures a price needs [default: a majority].")
@click.option("--depth", default=20, show_default=True, type=click.IntRange(1, 32), help="Note tree depth.")
@click.option("--root-history", default=32, show_default=True, type=click.IntRange(1), help="Recent roots a proof may use.")
@click.option("--margin-shocks", "margin_shocks", metavar="PCT,PCT,...", help="The margin grid's shocks in percent.")
@click.option("--token", "token", metavar="ADDRESS", help="The collateral ERC-20 (6 decimals) [default: a new test token].")
@click.option("--from", "sender", metavar="ADDRESS", help="The node's account that deploys [default: its first].")
@JSON
@handle_errors
def chain_deploy(url, keys_dir, members, threshold, depth, root_history, margin_shocks, token, sender, as_json):
    """Deploy the four verifiers, Poseidon and the pool for the keys in DIR (set up at DEPTH if missing).

    Compiling needs node and solc-js (tools/interop/node_modules, or ZKOPT_NODE_MODULES).
    """
    from zkopt.chain import node
    from zkopt.chain.deploy import deploy, genesis_from_keys
    from zkopt.keydir import KeyDir
    from zkopt.units import parse_shocks

    committee = [_address(m) for m in members]
    k = threshold or len(committee) // 2 + 1
    shocks = parse_shocks(margin_shocks) if margin_shocks is not None else None
    w3 = node.connect(url)
    infos = KeyDir(keys_dir).ensure(depth, status=status())
    genesis = genesis_from_keys({kind: info.entry for kind, info in infos.items()}, committee, k, depth=depth,
                                root_history=root_history, margin_shocks=shocks)
    deployment = deploy(w3, genesis, node_modules(), sender=sender, token=token)
    if as_json:
        echo_json({**deployment.to_json(), "genesis_hash": genesis.hash().hex()})
        return
    click.echo(f"pool {deployment.pool} (block {deployment.block}): tree depth {depth}, oracle {k} of {len(committee)}")
    click.echo(f"token {deployment.token}{' (a new test token: anyone may mint)' if token is None else ''}")
    click.echo(f"genesis hash {genesis.hash().hex()}")
    click.echo("gas: " + ", ".join(f"{name} {gas:,}" for name, gas in deployment.gas.items()))


@chain.command("mint")
@click.option("--chain", "url", required=True, metavar="RPC_URL", help="The chain's JSON-RPC node.")
@click.option("--pool", "pool", required=True, metavar="ADDRESS", help="The pool (its token is minted).")
@click.option("--to", "to", required=True, metavar="ADDRESS", help="Who gets the tokens.")
@click.option("--amount", required=True, type=AMOUNT, help="Amount, e.g. 10000 (6 decimals).")
@click.option("--from", "sender", metavar="ADDRESS", help="The node's account that sends [default: its first].")
@handle_errors
def chain_mint(url, pool, to, amount, sender):
    """Mint test tokens of the pool's token (only the test token lets anyone mint)."""
    from zkopt.chain import node
    from zkopt.chain.ledger import ChainLedger
    from zkopt.errors import LedgerRejected

    ledger = ChainLedger(node.connect(url), pool, sender=sender)
    recipient = ledger.w3.to_checksum_address(_address(to))
    try:
        ledger.w3.eth.wait_for_transaction_receipt(
            ledger.token.functions.mint(recipient, amount).transact({"from": ledger.sender}))
    except LedgerRejected:
        raise
    except Exception as exc:  # a real token has no public mint: the node refuses the call
        raise LedgerRejected(f"the token refused to mint ({exc.__class__.__name__}); only the test token mints") from None
    click.echo(f"minted {amount} units to {recipient}")
