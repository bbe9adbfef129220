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

import click

from zkopt import units
from zkopt.errors import MalformedInput

EXIT_INVALID = 1
EXIT_UNUSABLE = 2


def fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)


def handle_errors(fn):
    """Map zkopt's exceptions to one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from zkopt.errors import InvalidProof, LedgerRejected, Unsatisfied, ZkoptError

        try:
            return fn(*args, **kwargs)
        except MalformedInput as exc:
            fail(EXIT_UNUSABLE, f"error: {exc}")
        except (InvalidProof, Unsatisfied) as exc:
            fail(EXIT_INVALID, f"invalid: {exc}")
        except LedgerRejected as exc:
            fail(EXIT_INVALID, f"rejected: {exc.reason}")
        except ZkoptError as exc:
            fail(EXIT_INVALID, f"error: {exc}")
        except BrokenPipeError:
            raise  # click exits quietly when the reader of our output went away
        except sqlite3.DatabaseError as exc:
            fail(EXIT_UNUSABLE, f"error: the ledger file is unusable: {exc}")
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            fail(EXIT_UNUSABLE, f"error: {exc.strerror or exc.__class__.__name__}{where}")

    return wrapper


def parse_params(pairs: tuple[str, ...]) -> dict[str, int]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value.isdigit():
            raise click.BadParameter(f"{pair!r} is not KEY=INTEGER", param_hint="--param")
        params[key] = int(value)
    return params


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def status():
    """A progress callback printing to stderr when it is a terminal, else None (piped output holds results only)."""
    if not _stderr_is_tty():
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

WALLET = click.option("--wallet", "wallet_file", required=True, type=click.Path(dir_okay=False), help="The wallet file.")
DB = click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="The ledger file.")
KEYS = click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False), help="Key directory (from `ledger init`).")
OUT = click.option("--out", "out", type=click.Path(dir_okay=False), help="Write the transaction to TX.json instead of submitting it.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


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
