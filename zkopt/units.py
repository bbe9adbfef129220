"""Human units: decimal amounts, tickers, times, recipients, field elements and margin shocks, parsed and printed.

**Amounts.** Amounts, prices, strikes, collateral and quantities are typed as
decimal strings with at most six decimals (``"12.5"``, ``"0.000001"``,
``"3000"``) and held as exact integers in units of 10^-6
(``zkopt.native.payoff.SCALE``): ``parse_amount("12.5") == 12_500_000``. More
decimals, signs, exponents, separators and values of 2^64 units or more are
refused, never rounded. ``format_amount`` prints them back.

**Assets.** An underlying is named by a ticker such as ``"ETH-USD"``; its id
in notes, oracle messages and settle proofs is the field element
``asset_id(ticker) = int.from_bytes(SHA-256(UTF-8 ticker)[:31], "big")``
(248 bits, so below r). Tickers are case-sensitive and used as typed.

**Times** (expiry, observation time) are Unix seconds, or an ISO 8601 date or
date-time (UTC unless it names a zone): ``parse_time("2026-03-27T08:00:00Z")``.

**Recipients** of a withdrawal are field elements: a decimal number below r,
or else a text of at most 31 UTF-8 bytes read as a big-endian integer
(``"acct:alice"``); the recipient is bound into the withdraw proof.

**Legs** of a position are ``KIND:STRIKE:QUANTITY`` (``"call:3100:2"``,
``"put:2900:0.5"``), the quantity from the holder's side: positive when the
holder is long the leg (the writer is SHORT it and pays it), negative
(``"call:3300:-2"``) when the holder is short it (the writer is LONG it: it
offsets the position's other legs, as in a call spread).

**Margin shocks** are percentages with up to four decimals (``"-50,-30,10.5"``)
held in millionths.

Every parser raises MalformedInput with one line; the command line passes
these functions to click as its parameter types.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re

from zkopt.errors import MalformedInput, shown
from zkopt.field import R, parse_decimal
from zkopt.native.payoff import CALL, LONG, PUT, SCALE, SHORT, U64_BOUND, Leg

#: Fixed-point decimals of every human amount (SCALE = 10^DECIMALS).
DECIMALS = 6

_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def parse_amount(text: object, what: str = "amount") -> int:
    """A decimal string with at most 6 decimals -> exact integer in units of 10^-6; MalformedInput otherwise."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what} must be a decimal string such as \"12.5\"")
    match = _AMOUNT.fullmatch(text)
    if not match or len(text) > 40:
        raise MalformedInput(f"{what} {shown(text)} is not a decimal number such as 12.5 (no sign, exponent or separators)")
    whole, frac = match.group(1), match.group(2) or ""
    if len(frac) > DECIMALS:
        raise MalformedInput(f"{what} {shown(text)} has more than {DECIMALS} decimals")
    value = int(whole) * SCALE + int(frac.ljust(DECIMALS, "0"))
    if value >= U64_BOUND:
        raise MalformedInput(f"{what} {shown(text)} is too large (at most {format_amount(U64_BOUND - 1)})")
    return value


def format_amount(value: int) -> str:
    """The shortest exact decimal form of a fixed-point value: 12_500_000 -> "12.5"."""
    whole, frac = divmod(int(value), SCALE)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:0{DECIMALS}d}".rstrip("0")


def asset_id(ticker: str) -> int:
    """The field element naming an underlying: int.from_bytes(SHA-256(UTF-8 ticker)[:31], "big")."""
    if not isinstance(ticker, str) or not ticker or ticker != ticker.strip() or not ticker.isprintable():
        raise MalformedInput(f"asset ticker {shown(ticker)} must be a non-empty printable name without surrounding spaces")
    return int.from_bytes(hashlib.sha256(ticker.encode("utf-8")).digest()[:31], "big")


def parse_time(text: object, what: str = "time") -> int:
    """Unix seconds from a decimal integer or an ISO 8601 date / date-time (UTC when no zone is given)."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text:
        raise MalformedInput(f"{what} must be Unix seconds or an ISO 8601 date-time")
    if re.fullmatch(r"[0-9]{1,20}", text):
        value = int(text)
    else:
        try:
            moment = _dt.datetime.fromisoformat(text)
        except ValueError:
            raise MalformedInput(f"{what} {shown(text)} is neither Unix seconds nor an ISO 8601 date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_dt.timezone.utc)
        value = int(moment.timestamp())
    if not 0 <= value < U64_BOUND:
        raise MalformedInput(f"{what} {shown(text)} is out of range")
    return value


def format_time(seconds: int) -> str:
    """ISO 8601 UTC form of Unix seconds, e.g. 2026-03-27T08:00:00Z."""
    try:
        return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{seconds} (Unix seconds)"


def parse_field(text: object, what: str) -> int:
    """A canonical decimal field element (< r); MalformedInput otherwise."""
    try:
        return parse_decimal(text, R, what)
    except ValueError as exc:
        raise MalformedInput(str(exc)) from None


def parse_recipient(text: str) -> int:
    """A withdrawal recipient: a decimal number below r, an Ethereum address 0x + 40 hex digits (as its integer),
    or a text of at most 31 UTF-8 bytes (big-endian)."""
    if not isinstance(text, str) or not text:
        raise MalformedInput("recipient must be a decimal number or a short text such as acct:alice")
    if re.fullmatch(r"[0-9]+", text):
        return parse_field(text, "recipient")
    if re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        return int(text, 16)  # an Ethereum address: the pool pays it (a text that long was refused before)
    raw = text.encode("utf-8")
    if len(raw) > 31:
        raise MalformedInput(f"recipient text {shown(text)} is longer than 31 bytes")
    return int.from_bytes(raw, "big")


_KINDS = {"call": CALL, "put": PUT}


def parse_leg(text: object) -> Leg:
    """'call:3100:2' -> Leg(CALL, 3100 * SCALE, 2 * SCALE); a negative quantity ('put:2900:-1') is a LONG leg."""
    if not isinstance(text, str) or text.count(":") != 2:
        raise MalformedInput(f"leg {text!r} is not KIND:STRIKE:QUANTITY such as call:3100:2 (or put:2900:-1)")
    kind, strike, quantity = text.split(":")
    if kind not in _KINDS:
        raise MalformedInput(f"leg {text!r}: the kind must be call or put")
    side = LONG if quantity.startswith("-") else SHORT
    amount = parse_amount(quantity[1:] if side == LONG else quantity, f"leg {text!r}: quantity")
    if amount == 0:
        raise MalformedInput(f"leg {text!r}: the quantity must not be 0")
    return Leg(_KINDS[kind], parse_amount(strike, f"leg {text!r}: strike"), amount, side)


def format_leg(leg: Leg) -> str:
    """The ``parse_leg`` form of a leg: 'call:3100:2', 'call:3300:-2' for a LONG leg."""
    kind = "call" if leg.kind == CALL else "put"
    sign = "-" if leg.side == LONG else ""
    return f"{kind}:{format_amount(leg.strike)}:{sign}{format_amount(leg.quantity)}"


def short(value: int, digits: int = 12) -> str:
    """A long field element abbreviated for people: its first decimal digits and its length."""
    text = str(value)
    return text if len(text) <= digits + 4 else f"{text[:digits]}...({len(text)} digits)"


def parse_shocks(text: str) -> tuple[int, ...]:
    """'-50,-30,10.5' (percent, up to 4 decimals) -> shocks in millionths (-500000, -300000, 105000)."""
    shocks = []
    for item in text.split(","):
        item = item.strip()
        match = re.fullmatch(r"(-?)(\d+)(?:\.(\d{1,4}))?", item)
        if not match:
            raise MalformedInput(f"margin shock {shown(item)} is not a percentage like -50 or 12.5")
        sign, whole, frac = match.groups()
        value = int(whole) * 10_000 + int((frac or "").ljust(4, "0"))
        shocks.append(-value if sign else value)
    return tuple(shocks)
