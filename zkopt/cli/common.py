"""What every command shares: exit codes, one-line errors, progress on a terminal, JSON output, parameter types.

Exit codes: 0 success; 1 checked and invalid (a proof that does not verify, a
witness that does not satisfy its circuit, a transaction the ledger rejects,
an audit with findings, a wallet that cannot do what was asked); 2 unusable
input (unreadable or malformed file, wrong shapes, non-canonical numbers, bad
options). ``handle_errors`` maps the library's exceptions to those, with one
line on stderr and never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import click

from zkopt import units
from zkopt.errors import MalformedInput, shown

EXIT_INVALID = 1
EXIT_UNUSABLE = 2
#: sysexits' EX_TEMPFAIL: the ledger was busy for the whole bounded wait; nothing changed, retry.
EXIT_BUSY = 75


def fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)


def handle_errors(fn):
    """Map zkopt's exceptions to one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from zkopt.errors import (
            InvalidProof,
            LedgerBusy,
            LedgerRejected,
            Unsatisfied,
            ZkoptError,
        )

        try:
            return fn(*args, **kwargs)
        except MalformedInput as exc:
            fail(EXIT_UNUSABLE, f"error: {exc}")
        except (InvalidProof, Unsatisfied) as exc:
            fail(EXIT_INVALID, f"invalid: {exc}")
        except LedgerBusy as exc:
            fail(EXIT_BUSY, f"busy: {exc.reason}")
        except LedgerRejected as exc:
            fail(EXIT_INVALID, f"rejected: {exc.reason}")
        except ZkoptError as exc:
            fail(EXIT_INVALID, f"error: {exc}")
        except BrokenPipeError:
            raise  # click exits quietly when the reader of our output went away
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            fail(EXIT_UNUSABLE, f"error: the ledger file is unusable: {shown(str(exc), 120)}")
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            fail(EXIT_UNUSABLE, f"error: {exc.strerror or exc.__class__.__name__}{where}")
        except Exception as exc:
            # A PostgreSQL ledger's error (only possible once its module was loaded): unusable, one line.
            database = sys.modules.get("zkopt.ledger.database")
            if database is not None and isinstance(exc, database.StoreError):
                fail(EXIT_UNUSABLE, f"error: the PostgreSQL ledger is unusable: {shown(str(exc), 120)}")
            # A chain node that went away or answered nonsense (web3.py, requests, eth-*): unusable, one line.
            if type(exc).__module__.split(".")[0] in ("web3", "requests", "urllib3", "eth_utils", "eth_abi", "hexbytes"):
                fail(EXIT_UNUSABLE, f"error: the chain node failed: {exc.__class__.__name__}: {shown(str(exc), 120)}")
            raise

    return wrapper


def parse_params(pairs: tuple[str, ...]) -> dict[str, int]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value.isdigit():
            raise click.BadParameter(f"{pair!r} is not KEY=INTEGER", param_hint="--param")
        params[key] = int(value)
    return params


def build_circuit(name: str, pairs: tuple[str, ...]):
    """The registered circuit ``name`` built with ``--param`` KEY=VALUE pairs; MalformedInput for an unknown one."""
    from zkopt import circuits

    try:
        return circuits.build(name, parse_params(pairs))
    except ValueError as exc:
        raise MalformedInput(str(exc)) from None


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def status(always: bool = False):
    """A progress callback printing to stderr when it is a terminal (or ``always``: -v), else None.

    Piped output holds results only.
    """
    if not (always or _stderr_is_tty()):
        return None
    started = time.perf_counter()

    def say(message: str) -> None:
        click.echo(f"zkopt [{time.perf_counter() - started:6.1f} s] {message} ...", err=True)

    return say


def progress_bar(label: str):
    """A callback (done, total) drawing a bar on stderr when it is a terminal, else None (like ``status``)."""
    if not _stderr_is_tty():
        return None
    width = 30

    def draw(done: int, total: int) -> None:
        filled = width * min(done, total) // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        click.echo(f"\rzkopt {label} [{bar}] {done}/{total}", err=True, nl=done >= total)

    return draw


def echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=1))


class Parsed(click.ParamType):
    """A click type backed by a parser of ``zkopt.units`` (one MalformedInput line becomes click's usage error)."""

    def __init__(self, name: str, parser: Callable[[str], object]):
        self.name = name
        self._parser = parser

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return self._parser(value)
        except MalformedInput as exc:
            self.fail(str(exc), param, ctx)


AMOUNT = Parsed("decimal", lambda text: units.parse_amount(text, "value"))
TIME = Parsed("time", lambda text: units.parse_time(text, "time"))
TICKER = Parsed("ticker", units.asset_id)
RECIPIENT = Parsed("recipient", units.parse_recipient)
PUBLIC_KEY = Parsed("public key", lambda text: units.parse_field(text, "public key"))


def _address(text: str):
    from zkopt.wallet.address import parse

    return parse(text)


ADDRESS = Parsed("address", _address)
#: A party to pay or write to: an address (zk1...: notes reach it in-band), or a bare public key (share by hand).
PARTY = Parsed("address", lambda text: _address(text) if text.strip().startswith("zk1") else units.parse_field(text, "public key"))
LEG = Parsed("leg", units.parse_leg)

LEGS = click.option(
    "--leg", "legs", multiple=True, type=LEG, metavar="KIND:STRIKE:QUANTITY",
    help="A leg of the position, e.g. call:3100:2; a negative quantity (call:3300:-2) is a leg the holder is "
         "short (the writer long). Repeat for up to 4 legs.",
)


def position_legs(legs: tuple, kind: int | None = None, strike: int | None = None, quantity: int | None = None) -> list:
    """The legs of ``--leg`` (repeated), or the one leg of ``--kind/--strike/--quantity``; a usage error otherwise."""
    from zkopt.native.notes import MAX_LEGS
    from zkopt.native.payoff import Leg

    one = (kind, strike, quantity)
    if legs and any(v is not None for v in one):
        raise click.UsageError("give the legs with --leg, or one leg with --kind, --strike and --quantity, not both")
    if not legs:
        if any(v is None for v in one):
            raise click.UsageError("give the position's legs with --leg KIND:STRIKE:QUANTITY (repeatable), "
                                   "or one leg with all of --kind, --strike and --quantity")
        legs = (Leg(kind, strike, quantity),)
    if len(legs) > MAX_LEGS:
        raise click.UsageError(f"a position has at most {MAX_LEGS} legs, got {len(legs)}")
    return list(legs)

WALLET = click.option("--wallet", "wallet_file", required=True, type=click.Path(dir_okay=False), help="The wallet file.")
@dataclass(frozen=True)
class ChainTarget:
    """A ledger on a chain: a JSON-RPC node, a pool address and the account that sends (what --db is for a file)."""

    url: str
    pool: str
    sender: str | None = None

    def __str__(self) -> str:
        return f"--chain {self.url} --pool {self.pool}"


@dataclass(frozen=True)
class RemoteTarget:
    """A ledger served by `zkopt ledger serve` (what --db is for a file)."""

    url: str

    def __str__(self) -> str:
        return f"--ledger {self.url}"


def DB(fn):  # noqa: N802 - an option decorator, named like the others
    """--db FILE, --ledger URL, or --chain URL --pool ADDRESS [--from ADDRESS]: the ledger, passed on as ``db``."""

    @functools.wraps(fn)
    def wrapper(*args, db=None, ledger_url=None, chain_url=None, pool=None, sender=None, **kwargs):
        given = [name for name, v in (("--db", db), ("--ledger", ledger_url), ("--chain", chain_url or pool or sender))
                 if v]
        if len(given) > 1:
            raise click.UsageError(f"give one ledger: {' and '.join(given)} were both given")
        if chain_url or pool or sender:
            if not (chain_url and pool):
                raise click.UsageError("give either --db FILE, --ledger URL or --chain URL --pool ADDRESS")
            db = ChainTarget(chain_url, pool, sender)
        elif ledger_url:
            db = RemoteTarget(ledger_url)
        elif not db:
            raise click.UsageError("the ledger is missing: --db FILE, --ledger URL, or --chain URL --pool ADDRESS")
        return fn(*args, db=db, **kwargs)

    for option in reversed((
        click.option("--db", "db", type=click.Path(dir_okay=False), help="The ledger file."),
        click.option("--ledger", "ledger_url", metavar="URL", help="Or a ledger served by `zkopt ledger serve`."),
        click.option("--chain", "chain_url", metavar="RPC_URL", help="Or a pool on this chain's JSON-RPC node..."),
        click.option("--pool", "pool", metavar="ADDRESS", help="... at this address (`zkopt chain deploy`)."),
        click.option("--from", "sender", metavar="ADDRESS", help="With --chain: the node's account that sends [first]."),
    )):
        wrapper = option(wrapper)
    return wrapper
def ledger_args(db) -> str:
    """The options that name ``db`` on a command line: ``--db FILE``, ``--ledger URL`` or ``--chain URL --pool A``."""
    return str(db) if isinstance(db, (ChainTarget, RemoteTarget)) else f"--db {db}"


def OPTIONAL_LEDGER(fn):  # noqa: N802 - an option decorator, named like the others
    """``--ledger URL`` beside a command's optional ``--db FILE``: either becomes ``db`` (None when neither)."""

    @functools.wraps(fn)
    def wrapper(*args, db=None, ledger_url=None, **kwargs):
        if db and ledger_url:
            raise click.UsageError("give one ledger: --db and --ledger were both given")
        return fn(*args, db=RemoteTarget(ledger_url) if ledger_url else db, **kwargs)

    return click.option("--ledger", "ledger_url", metavar="URL", help="Or a ledger served by `zkopt ledger serve`.")(wrapper)


KEYS = click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="Key directory (from `ledger init`).")
OUT = click.option("--out", "out", type=click.Path(dir_okay=False), help="Write the transaction to TX.json instead of submitting it.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
PARAMS = click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Circuit parameter, e.g. depth=20.")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Progress on stderr (also when it is not a terminal).")


def public_summary(names: list[str]) -> str:
    """Public names with a grid array folded: root, nf_in, ..., grid[0..7]."""
    plain = [n for n in names if "[" not in n]
    arrays: dict[str, int] = {}
    for n in names:
        if "[" in n:
            base = n.split("[", 1)[0]
            arrays[base] = arrays.get(base, 0) + 1
    return ", ".join(plain + [f"{base}[0..{count - 1}]" for base, count in arrays.items()])


def receipt_line(receipt) -> str:
    from zkopt.units import format_amount, format_time

    text = f"accepted: entry {receipt.seq} ({receipt.kind}) at {format_time(receipt.accepted_at)}"
    if receipt.leaf_indices:
        text += f"; new notes at leaves {', '.join(map(str, receipt.leaf_indices))}"
    if receipt.price is not None:
        text += f"; settlement price {format_amount(receipt.price)}"
    return text


def open_ledger(db):
    """Open the ledger ``db``: a file, a server (``RemoteTarget``: a ``zkopt.ledger.remote.RemoteLedger``), or a
    pool on a chain (``ChainTarget``, a ``zkopt.chain.ledger.ChainLedger``).

    On a terminal, a write to a file that waits for another process says so on stderr.

    A write waits at most ``ZKOPT_BUSY_TIMEOUT`` seconds (default 30) for
    another process's write lock, then exits with EXIT_BUSY.
    """
    import os

    from zkopt.ledger import Ledger
    from zkopt.ledger.store import DEFAULT_BUSY_TIMEOUT

    if isinstance(db, ChainTarget):
        from zkopt.chain import node
        from zkopt.chain.ledger import ChainLedger

        return ChainLedger(node.connect(db.url), db.pool, sender=db.sender)
    if isinstance(db, RemoteTarget):
        from zkopt.ledger.remote import RemoteLedger

        return RemoteLedger(db.url)

    text = os.environ.get("ZKOPT_BUSY_TIMEOUT", "")
    try:
        wait = float(text) if text else DEFAULT_BUSY_TIMEOUT
    except ValueError:
        wait = -1.0
    if not 0 <= wait <= 86_400:
        raise MalformedInput(f"ZKOPT_BUSY_TIMEOUT must be seconds in [0, 86400], got {shown(text)}")
    opened = Ledger.open(db, busy_timeout=wait)
    if _stderr_is_tty():
        opened.on_wait = lambda message: click.echo(f"zkopt: {message} ...", err=True)
    return opened
