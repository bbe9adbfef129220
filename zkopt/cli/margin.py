"""``zkopt margin``: what a position of up to 4 legs needs as collateral on the ledger's grid, leg by leg and as a whole."""

from __future__ import annotations

import click

from zkopt.cli.common import AMOUNT, LEGS, OPTIONAL_LEDGER, echo_json, handle_errors, open_ledger, position_legs


@click.command("margin")
@click.option("--asset", required=True, help="Underlying ticker, e.g. ETH-USD.")
@LEGS
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Use this ledger's margin grid for ASSET.")
@OPTIONAL_LEDGER
@click.option("--spot", type=AMOUNT, help="Without a ledger: the grid of this spot x the margin shocks.")
@click.option("--margin-shocks", "margin_shocks", metavar="PCT,PCT,...",
              help="With --spot: the shocks in percent [default: -50,-30,-20,-10,10,20,30,50].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def margin(asset, legs, db, spot, margin_shocks, as_json):
    """Print each leg's and the whole position's margin requirement on the grid; no proof, nothing written.

    The requirement is the worst loss over the grid prices (what `wallet
    open` must lock): of each leg alone, and of the position, whose legs
    offset each other at each price (a straddle needs the larger of its two
    legs, a call spread the spread). The grid is the ledger's for ASSET
    (--db: its last attested spot x the genesis shocks), or --spot x
    --margin-shocks. Exit 1 when the ledger has no spot for ASSET.
    """
    from zkopt.native import payoff
    from zkopt.units import asset_id, format_amount, format_leg, parse_shocks

    if (db is None) == (spot is None):
        raise click.UsageError("give either --db or --ledger (the ledger's grid), or --spot")
    if margin_shocks is not None and spot is None:
        raise click.UsageError("--margin-shocks goes with --spot (a ledger's shocks are in its genesis)")
    if not legs:
        raise click.UsageError("give the position's legs with --leg KIND:STRIKE:QUANTITY (repeatable)")
    legs = position_legs(legs)
    if db is not None:
        from zkopt.wallet import margin_grid

        with open_ledger(db) as opened:
            grid = margin_grid(opened, asset_id(asset), asset)
        source = f"the ledger's: the last attested spot of {asset} x the genesis margin shocks"
    else:
        shocks = parse_shocks(margin_shocks) if margin_shocks is not None else payoff.DEFAULT_SHOCKS
        try:
            grid = payoff.default_grid(spot, shocks)
        except ValueError as exc:
            raise click.UsageError(f"--spot {format_amount(spot)} with these shocks: {exc}") from None
        source = f"spot {format_amount(spot)} x the shocks"
    each = payoff.leg_requirements(legs, grid)
    whole, at = payoff.worst_loss(legs, grid), payoff.worst_price(legs, grid)
    saving = sum(each) - whole
    if as_json:
        echo_json({
            "asset": asset,
            "grid": [str(g) for g in grid],
            "legs": [
                {"leg": format_leg(leg), "requirement": str(need),
                 "at": str(payoff.worst_price([leg], grid)) if need else None}
                for leg, need in zip(legs, each)
            ],
            "sum_of_legs": str(sum(each)),
            "portfolio": str(whole),
            "at": str(at),
            "saving": str(saving),
        })
        return
    click.echo(f"grid {' '.join(format_amount(g) for g in grid)} ({source})")
    for leg, need in zip(legs, each):
        where = f"at {format_amount(payoff.worst_price([leg], grid))}" if need else "(never loses alone)"
        click.echo(f"  leg {format_leg(leg):<24} {format_amount(need):>14}  {where}")
    click.echo(f"  {'the legs one by one':<28} {format_amount(sum(each)):>14}")
    click.echo(f"  {'the position (portfolio)':<28} {format_amount(whole):>14}  at {format_amount(at)}")
    if saving >= 0:
        percent = f" ({100 * saving / sum(each):.0f}%)" if saving else ""
        click.echo(f"saving {format_amount(saving)}{percent}: `wallet open` must lock {format_amount(whole)}")
    else:  # the position's sum is rounded once, each leg alone on its own: under 10^-6 per extra leg
        click.echo(f"no saving: the position needs {format_amount(-saving)} more than its legs rounded one by one")
