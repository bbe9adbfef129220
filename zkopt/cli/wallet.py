"""``zkopt wallet``: a trader's commands; each loads the wallet, syncs it with the ledger, acts and reports."""

from __future__ import annotations

import click

from zkopt.cli.common import (
    ADDRESS,
    AMOUNT,
    DB,
    EXIT_INVALID,
    JSON,
    KEYS,
    LEGS,
    OPTIONAL_LEDGER,
    OUT,
    PARTY,
    RECIPIENT,
    TIME,
    WALLET,
    echo_json,
    fail,
    handle_errors,
    ledger_args,
    open_ledger,
    position_legs,
    progress_bar,
    receipt_line,
    status,
)


@click.group()
def wallet():
    """A trader's wallet: a spending key and note openings in one local file (mode 0600).

    Amounts, prices, strikes, collateral and quantities are decimal strings
    with at most 6 decimals (12.5); assets are tickers (ETH-USD); times are
    Unix seconds or ISO 8601. Commands that make a transaction submit it,
    or write it to --out TX.json for `zkopt ledger submit`.
    """


def run_tx(wallet_file: str, db: str, keys_dir: str, out: str | None, action):
    """Load the wallet, sync it with the ledger, run ``action(wallet, ledger, keys, submit, status)``."""
    from zkopt.files import write_json_atomic
    from zkopt.keydir import KeyDir
    from zkopt.wallet import Wallet

    loaded = Wallet.load(wallet_file)
    with open_ledger(db) as opened:
        loaded.sync(opened)
        loaded.save()
        outcome = action(loaded, opened, KeyDir(keys_dir), out is None, status())
    if out:
        write_json_atomic(out, outcome.tx.to_json(), 0o644)
    return loaded, outcome


def report_tx(loaded, outcome, db: str, out: str | None, as_json: bool, extra: dict | None = None) -> None:
    tx = outcome.tx
    created = [n for n in loaded.notes if any(n.note == c.note for c in tx.creates)]
    if loaded.notices:
        extra = {**(extra or {}), "wallet": list(loaded.notices) if as_json else "; ".join(loaded.notices)}
    if as_json:
        echo_json({
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
        click.echo(f"{receipt_line(outcome.receipt)}; proof {tx.prove_seconds:.1f} s")
    else:
        click.echo(f"{tx.kind} transaction written to {out} (not submitted; proof {tx.prove_seconds:.1f} s)")
        click.echo(f"  submit it: zkopt ledger submit {ledger_args(db)} {out}; then zkopt wallet sync --wallet {loaded.path} {ledger_args(db)}")
    for spent in tx.spends:
        click.echo(f"  spends  {spent}")
    for n in created:
        click.echo(f"  new     {n.id}  {loaded.describe(n)}  [{n.status}]")
    for key, value in (extra or {}).items():
        click.echo(f"  {key}: {value}")


@wallet.command("new")
@WALLET
@JSON
@handle_errors
def wallet_new(wallet_file: str, as_json: bool):
    """Create a wallet with a fresh spending key (refuses an existing file); print its public key."""
    from zkopt.wallet import Wallet

    created = Wallet.create(wallet_file)
    if as_json:
        echo_json({"wallet": wallet_file, "public_key": str(created.pk), "address": str(created.address)})
    else:
        click.echo(str(created.pk))


@wallet.command("address")
@WALLET
@handle_errors
def wallet_address(wallet_file: str):
    """Print this wallet's address (zk1...): give it to whoever pays you or writes you an option."""
    from zkopt.wallet import Wallet

    click.echo(str(Wallet.load(wallet_file).address))


@wallet.command("pay")
@WALLET
@DB
@KEYS
@click.option("--to", "to", type=ADDRESS, help="The payee's address (from `wallet address`).")
@click.option("--amount", type=AMOUNT, help="Amount to pay.")
@click.option("--for", "quote_file", type=click.Path(dir_okay=False),
              help="Pay the premium of a writer's QUOTE.json (from `wallet open --premium`): written to --out for the writer.")
@OUT
@JSON
@handle_errors
def wallet_pay(wallet_file, db, keys_dir, to, amount, quote_file, out, as_json):
    """Pay AMOUNT to the address TO privately (a transfer): the payee finds the note with `wallet sync`.

    One or two of the wallet's notes are spent (merged first when it takes
    more), the change comes back in a new note. With --for QUOTE.json the
    payment is the premium of an option, valid only in one bundle with the
    writer's open: write it with --out and send the file to the writer.
    """
    from zkopt.files import read_json
    from zkopt.wallet import note_id
    from zkopt.wallet.payments import pay
    from zkopt.wallet.premium import Quote, pay_premium

    if quote_file:
        if to is not None or amount is not None:
            raise click.UsageError("--for takes the payee and the amount from the quote")
        if not out:
            raise click.UsageError("a premium is paid only in the writer's bundle: write it with --out PAYMENT.json")
        offer = Quote.parse(read_json(quote_file, "quote"))
        loaded, outcome = run_tx(wallet_file, db, keys_dir, out,
                                 lambda w, lg, k, submit, status: pay_premium(w, lg, k, offer, status=status))
        report_tx(loaded, outcome, db, out, as_json)
        if not as_json:
            click.echo(f"  send {out} to the writer: it is valid only in one bundle with the open of option "
                       f"{note_id(offer.option)}")
        return
    if to is None or amount is None:
        raise click.UsageError("give --to ADDRESS and --amount, or --for QUOTE.json")
    loaded, outcome = run_tx(
        wallet_file, db, keys_dir, out,
        lambda w, lg, k, submit, status: pay(w, lg, k, to, amount, submit=submit, status=status),
    )
    report_tx(loaded, outcome, db, out, as_json)


@wallet.command("deposit")
@WALLET
@DB
@KEYS
@click.option("--amount", required=True, type=AMOUNT, help="Amount to deposit, e.g. 10000 or 12.5.")
@OUT
@JSON
@handle_errors
def wallet_deposit(wallet_file, db, keys_dir, amount, out, as_json):
    """Deposit AMOUNT into a new private cash note of this wallet."""
    loaded, outcome = run_tx(
        wallet_file, db, keys_dir, out, lambda w, lg, k, submit, status: w.deposit(lg, k, amount, submit=submit, status=status)
    )
    report_tx(loaded, outcome, db, out, as_json)


@wallet.command("open")
@WALLET
@DB
@KEYS
@click.option("--holder", type=PARTY, help="The holder's address (`wallet address`), or bare public key (then --share).")
@click.option("--asset", help="Underlying ticker, e.g. ETH-USD.")
@LEGS
@click.option("--kind", "option_kind", type=click.Choice(["call", "put"]), help="One-leg form: call or put.")
@click.option("--strike", type=AMOUNT, help="One-leg form: the strike price.")
@click.option("--quantity", type=AMOUNT, help="One-leg form: the quantity (6 decimals).")
@click.option("--expiry", type=TIME, help="Expiry: Unix seconds or ISO 8601.")
@click.option("--collateral", type=AMOUNT, help="Collateral locked from one cash note.")
@click.option("--share", "share", type=click.Path(dir_okay=False), help="Write the option's opening here for the holder (`wallet import`).")
@click.option("--premium", type=AMOUNT, help="Sell it for PREMIUM: write a quote (--quote-out) for the holder to pay.")
@click.option("--quote-out", "quote_out", type=click.Path(dir_okay=False), help="With --premium: where to write QUOTE.json.")
@click.option("--quote", "quote_file", type=click.Path(dir_okay=False), help="Write the option of your QUOTE.json ...")
@click.option("--payment", "payment_file", type=click.Path(dir_okay=False),
              help="... for the holder's PAYMENT.json (`wallet pay --for`): both submitted as one bundle.")
@OUT
@JSON
@handle_errors
def wallet_open(wallet_file, db, keys_dir, holder, asset, legs, option_kind, strike, quantity, expiry, collateral,
                share, premium, quote_out, quote_file, payment_file, out, as_json):
    """Write a position of up to 4 legs to HOLDER as its writer, locking COLLATERAL; the proof checks the margin.

    The legs are --leg KIND:STRIKE:QUANTITY, repeated (--leg call:3100:2
    --leg put:2900:2 is a strangle), or one leg with --kind, --strike and
    --quantity. The collateral must cover the whole position's worst loss at
    every price of the ledger's grid (`zkopt margin` computes it): the last
    attested spot of ASSET x the genesis margin shocks. With --out the ledger
    is still read for it, so the transaction must be submitted before a newer
    spot arrives.

    Sold for a premium, neither party can take without giving: the writer
    runs `--premium P --quote-out QUOTE.json`, the holder `wallet pay --for
    QUOTE.json --out PAYMENT.json`, the writer `--quote QUOTE.json --payment
    PAYMENT.json`, which submits the open and the payment as one bundle.
    """
    from zkopt.audit import export_opening
    from zkopt.files import write_json_atomic
    from zkopt.native.notes import CALL, PUT, Position
    from zkopt.units import asset_id as ticker_id
    from zkopt.units import format_amount
    from zkopt.wallet.address import Address

    if quote_file or payment_file:
        terms = (holder, asset, legs, option_kind, strike, quantity, expiry, collateral, share, premium, quote_out, out)
        if not (quote_file and payment_file) or any(v not in (None, ()) for v in terms):
            raise click.UsageError("--quote QUOTE.json --payment PAYMENT.json take everything from the two files")
        open_sold(wallet_file, db, keys_dir, quote_file, payment_file, as_json)
        return
    missing = [name for name, v in (("--holder", holder), ("--asset", asset), ("--expiry", expiry),
                                    ("--collateral", collateral)) if v is None]
    if missing:
        raise click.UsageError(f"missing option {missing[0]}")
    if (premium is None) != (quote_out is None) or (premium is not None and out):
        raise click.UsageError("--premium P goes with --quote-out QUOTE.json (the open is proved once paid)")
    if premium is not None and not isinstance(holder, Address):
        raise click.UsageError("a quote needs the holder's address (zk1...), not a bare public key")
    kind = None if option_kind is None else CALL if option_kind == "call" else PUT
    position = Position(ticker_id(asset), expiry, tuple(position_legs(legs, kind, strike, quantity)))
    holder_pk = holder.pk if isinstance(holder, Address) else holder
    holder_key = holder.encryption_key if isinstance(holder, Address) else None
    if premium is not None:
        write_quote(wallet_file, db, keys_dir, holder, premium, quote_out, as_json,
                    position=position, collateral=collateral, ticker=asset)
        return

    def action(w, lg, k, submit, status):
        return w.open_position(
            lg, k, holder_pk=holder_pk, position=position, collateral=collateral, ticker=asset, submit=submit,
            status=status, holder_key=holder_key,
        )

    loaded, outcome = run_tx(wallet_file, db, keys_dir, out, action)
    grid = outcome.tx.grid or []
    extra = {}
    if share:
        write_json_atomic(share, export_opening(outcome.tx.share), 0o600)
        extra["share"] = share
    if as_json:
        extra["grid"] = [str(g) for g in grid]
    else:
        shown = " ".join(format_amount(g) for g in grid)
        extra["grid"] = f"{shown} (the ledger's: last attested spot of {asset} x the genesis margin shocks)"
    report_tx(loaded, outcome, db, out, as_json, extra)


def write_quote(wallet_file, db, keys_dir, holder, premium, quote_out, as_json, **terms) -> None:
    """``wallet open --premium``: the writer's quote, pinned to one cash note, for the holder to pay."""
    from zkopt.files import write_json_atomic
    from zkopt.keydir import KeyDir
    from zkopt.units import format_amount
    from zkopt.wallet import Wallet, WalletNote
    from zkopt.wallet.premium import quote

    loaded = Wallet.load(wallet_file)
    with open_ledger(db) as opened:
        loaded.sync(opened)
        offer = quote(loaded, opened, KeyDir(keys_dir), holder, premium, status=status(), **terms)
    loaded.save()
    write_json_atomic(quote_out, offer.to_json(), 0o600)
    if as_json:
        echo_json({"quote": quote_out, "cm_option": str(offer.option.commitment()), "premium": str(premium),
                   "spends": offer.spends})
        return
    click.echo(f"quote written to {quote_out}: {loaded.describe(WalletNote(offer.option, 'quote'))} for a premium of "
               f"{format_amount(premium)}, locking note {offer.spends}")
    click.echo(f"  the holder pays it: zkopt wallet pay --wallet HOLDER.json {ledger_args(db)} --keys {keys_dir} "
               f"--for {quote_out} --out PAYMENT.json")
    click.echo(f"  then: zkopt wallet open --wallet {wallet_file} {ledger_args(db)} --keys {keys_dir} "
               f"--quote {quote_out} --payment PAYMENT.json")


def open_sold(wallet_file, db, keys_dir, quote_file, payment_file, as_json) -> None:
    """``wallet open --quote --payment``: check the holder's payment, prove the open, submit both as one bundle."""
    from zkopt.files import read_json
    from zkopt.keydir import KeyDir
    from zkopt.ledger import Transaction
    from zkopt.units import format_amount
    from zkopt.wallet import Wallet, note_id
    from zkopt.wallet.premium import Quote, open_with_payment

    offer = Quote.parse(read_json(quote_file, "quote"))
    payment = Transaction.from_json(read_json(payment_file, "payment"))
    loaded = Wallet.load(wallet_file)
    with open_ledger(db) as opened:
        loaded.sync(opened)
        receipts, _ = open_with_payment(loaded, opened, KeyDir(keys_dir), offer, payment, status=status())
    loaded.save()
    if as_json:
        echo_json({"receipts": [r.to_json() for r in receipts], "balance": str(loaded.balance())})
        return
    for receipt in receipts:
        click.echo(receipt_line(receipt))
    click.echo(f"  option {note_id(offer.option)} written for a premium of {format_amount(offer.premium)} "
               f"(one bundle); balance {format_amount(loaded.balance())}")


@wallet.command("settle")
@WALLET
@DB
@KEYS
@click.option("--note", "note", help="The option note's id (see `wallet notes`).")
@click.option("--all", "every", is_flag=True, help="Settle every option note with an attested price, proved in parallel.")
@click.option("--expiry", type=TIME, help="With --all: only the notes of this expiry.")
@click.option("--asset", "ticker", help="With --all: only the notes on this ticker, e.g. ETH-USD.")
@click.option("--scheduler", help="With --all: prove on the Dask cluster at tcp://HOST:PORT instead of a local pool.")
@click.option("--workers", type=click.IntRange(min=1), help="With --all: processes of the local pool (default: one per core).")
@OUT
@JSON
@handle_errors
def wallet_settle(wallet_file, db, keys_dir, note, every, expiry, ticker, scheduler, workers, out, as_json):
    """Settle an option note (--note ID), or every due one (--all), at the attested price of its asset and expiry.

    Either party may settle. With --all the proofs run in parallel on a local
    process pool, or with --scheduler on an existing Dask cluster, and are
    submitted in batches; a note that fails is reported and the rest go on,
    and a rerun picks up what is left. A worker sees each option's terms (never
    the wallet file or its spending key): run workers only on machines you control.
    """
    if every == (note is not None):
        raise click.UsageError("give either --note ID or --all")
    if not every and any(v is not None for v in (expiry, ticker, scheduler, workers)):
        raise click.UsageError("--expiry, --asset, --scheduler and --workers go with --all")
    if every and out:
        raise click.UsageError("--all submits its settlements; --out writes one (--note ID)")
    if scheduler and workers:
        raise click.UsageError("--workers sizes the local pool; a Dask cluster brings its own workers")
    if every:
        settle_every_note(wallet_file, db, keys_dir, expiry, ticker, scheduler, workers, as_json)
        return
    loaded, outcome = run_tx(
        wallet_file, db, keys_dir, out, lambda w, lg, k, submit, status: w.settle(lg, k, note, submit=submit, status=status)
    )
    report_tx(loaded, outcome, db, out, as_json)


def settle_every_note(wallet_file, db, keys_dir, expiry, ticker, scheduler, workers, as_json) -> None:
    """``wallet settle --all``: zkopt.expiry.settle_all on a local pool or a Dask cluster; exit 1 if a note failed."""
    from zkopt.expiry import settle_all
    from zkopt.keydir import KeyDir
    from zkopt.proving_jobs import DaskCluster, LocalPool
    from zkopt.units import asset_id, format_amount
    from zkopt.wallet import Wallet

    loaded = Wallet.load(wallet_file)
    asset = asset_id(ticker) if ticker else None
    with open_ledger(db) as opened, (DaskCluster(scheduler) if scheduler else LocalPool(workers)) as provers:
        report = settle_all(
            loaded, opened, KeyDir(keys_dir), provers, expiry=expiry, asset=asset,
            progress=progress_bar("settle"), status=status(),
        )
    failed = report.having("failed")
    if as_json:
        echo_json({**report.to_json(), "wallet": wallet_file})
    else:
        for o in report.outcomes:
            what = loaded.describe(loaded.find(o.id))
            if o.status == "settled":
                shares = ", ".join(format_amount(a) for a in o.amounts) or "nothing"
                click.echo(f"settled   {o.id}  {what}: entry {o.seq}; to this wallet {shares}")
            elif o.status == "elsewhere":
                click.echo(f"settled   {o.id}  {what}: already, in entry {o.seq} (another submission)")
            elif o.status == "failed":
                click.echo(f"failed    {o.id}  {what}: {o.reason}")
            else:
                click.echo(f"waiting   {o.id}  {what}: {o.reason}")
        rate = report.proofs / report.seconds if report.seconds else 0.0
        counts = ", ".join(f"{len(report.having(s))} {label}" for s, label in (
            ("settled", "settled"), ("elsewhere", "settled elsewhere"), ("failed", "failed"), ("waiting", "waiting")))
        proofs = f"{report.proofs} proof{'' if report.proofs == 1 else 's'}"
        click.echo(f"{counts}; {proofs} in {report.seconds:.1f} s ({rate:.2f}/s) on {report.provers}")
    if failed:
        due = len(report.outcomes) - len(report.having("waiting"))
        fail(EXIT_INVALID, f"error: {len(failed)} of {due} due settlements failed; run again to retry them")


@wallet.command("withdraw")
@WALLET
@DB
@KEYS
@click.option("--amount", required=True, type=AMOUNT, help="Amount to pay out of the pool.")
@click.option("--recipient", required=True, type=RECIPIENT, help="Payee: a decimal number < r, or a text of at most 31 bytes.")
@OUT
@JSON
@handle_errors
def wallet_withdraw(wallet_file, db, keys_dir, amount, recipient, out, as_json):
    """Withdraw AMOUNT to RECIPIENT from one cash note; the change stays in a new private note."""
    loaded, outcome = run_tx(
        wallet_file, db, keys_dir, out,
        lambda w, lg, k, submit, status: w.withdraw(lg, k, amount, recipient, submit=submit, status=status),
    )
    report_tx(loaded, outcome, db, out, as_json)


@wallet.command("notes")
@WALLET
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Sync with this ledger first.")
@OPTIONAL_LEDGER
@JSON
@click.option("--openings", is_flag=True, help="With --json: include each note's full opening (its rho: secret).")
@handle_errors
def wallet_notes(wallet_file, db, as_json, openings):
    """List the wallet's notes and balance (never the spending key; openings only with --json --openings)."""
    from zkopt.units import format_amount
    from zkopt.wallet import Wallet

    if openings and not as_json:
        raise click.UsageError("--openings prints secrets and needs --json")
    loaded = Wallet.load(wallet_file)
    if db:
        with open_ledger(db) as opened:
            loaded.sync(opened)
        loaded.save()
    if as_json:
        echo_json({
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
@handle_errors
def wallet_disclose(wallet_file, note, out):
    """Write one note's opening, for the counterparty (`wallet import`) or an auditor (`ledger check-opening`)."""
    from zkopt.files import write_json_atomic
    from zkopt.wallet import Wallet

    loaded = Wallet.load(wallet_file)
    entry = loaded.find(note)
    write_json_atomic(out, loaded.opening(entry.id), 0o600)
    click.echo(f"opening of {entry.id} ({loaded.describe(entry)}) written to {out}")


@wallet.command("import")
@WALLET
@click.argument("opening", metavar="OPENING.json", type=click.Path(dir_okay=False))
@click.option("--asset", "ticker", help="The option's ticker, for display (must match the note).")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Find the note on this ledger now.")
@OPTIONAL_LEDGER
@handle_errors
def wallet_import(wallet_file, opening, ticker, db):
    """Add a shared note (from `wallet open --share` or `wallet disclose`) that names this wallet's key."""
    from zkopt.files import read_json
    from zkopt.wallet import Wallet

    loaded = Wallet.load(wallet_file)
    entry, new = loaded.import_opening(read_json(opening, "opening"), ticker)
    if db:
        with open_ledger(db) as opened:
            loaded.sync(opened)
    loaded.save()
    verb = "imported" if new else "already in the wallet:"
    click.echo(f"{verb} {entry.id}  {loaded.describe(entry)}  [{entry.status}]")


@wallet.command("sync")
@WALLET
@DB
@handle_errors
def wallet_sync(wallet_file, db):
    """Find pending notes on the ledger, mark spent notes, and pick up settlement notes."""
    from zkopt.units import format_amount
    from zkopt.wallet import Wallet

    loaded = Wallet.load(wallet_file)
    with open_ledger(db) as opened:
        changes = loaded.sync(opened)
    loaded.save()
    for line in changes:
        click.echo(line)
    click.echo(f"{len(changes)} changes; balance {format_amount(loaded.balance())}")
