"""`zkopt margin` and `zkopt wallet open --leg`: positions of several legs from the command line (depth 4).

The module fixture plays a small market: a committee, a ledger, a writer
and a holder; the writer deposits, two members attest the ETH-USD spot
(3000: grid 1500 .. 4500), `zkopt margin` prices a strangle on that grid,
the writer opens it with exactly the portfolio requirement (the larger leg,
not the sum), two members sign the price after expiry on the put's side, and
the holder settles. Then the refusals: one unit less collateral (exit 1),
mixed or malformed leg options (exit 2). Last, a ledger whose genesis has
sixteen margin shocks (its open circuit takes G = 16) requires collateral for
a butterfly whose peak the eight-point grid misses.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.cli_fixtures import DEPTH, FUTURE, copy_keys, fails, ok, shared_keys, short_expiry, wait_until
from tests.test_cli_wallet import post_spot
from zkopt.native.payoff import FINE_SHOCKS

STRANGLE = ("--leg", "call:3100:2", "--leg", "put:2900:2")  # 2800 at 4500 (call), 2800 at 1500 (put)


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-margin")
    keys, db = shared_keys(), d / "ledger.db"
    w, h = d / "writer.json", d / "holder.json"
    for i in range(3):
        ok("oracle", "keygen", "--out", d / f"m{i}.key", "--committee", d / "committee.json")
    ok("ledger", "init", "--db", db, "--keys", keys, "--committee", d / "committee.json", "--depth", DEPTH)
    ok("wallet", "new", "--wallet", w)
    holder_pk = ok("wallet", "new", "--wallet", h).stdout.strip()
    tx = ("--db", db, "--keys", keys)
    ok("wallet", "deposit", "--wallet", w, *tx, "--amount", "5000")
    return {"dir": d, "db": db, "keys": keys, "writer": w, "holder": h, "holder_pk": holder_pk, "tx": tx}


@pytest.fixture(scope="module")
def opened(market):
    d, db = market["dir"], market["db"]
    post_spot(d, db, "ETH-USD", "3000")
    market["margin"] = ok("margin", "--db", db, "--asset", "ETH-USD", *STRANGLE).stdout
    expiry = short_expiry()
    market["open"] = ok(
        "wallet", "open", "--wallet", market["writer"], *market["tx"], "--holder", market["holder_pk"],
        "--asset", "ETH-USD", *STRANGLE, "--expiry", expiry, "--collateral", "2800", "--share", d / "share.json",
    ).stdout
    ok("wallet", "import", "--wallet", market["holder"], d / "share.json", "--asset", "ETH-USD", "--db", db)
    wait_until(expiry + 1)
    for i in (0, 1):
        ok("oracle", "sign", "--key", d / f"m{i}.key", "--asset", "ETH-USD", "--expiry", expiry, "--price", "2400",
           "--out", d / f"o{i}.json")
    ok("oracle", "post", "--db", db, d / "o0.json", d / "o1.json")
    note = json.loads(ok("wallet", "notes", "--wallet", market["holder"], "--json").stdout)["notes"][0]["id"]
    market["settle"] = ok("wallet", "settle", "--wallet", market["holder"], *market["tx"], "--note", note).stdout
    market["holder_notes"] = ok("wallet", "notes", "--wallet", market["holder"], "--db", db).stdout
    post_spot(d, db, "ETH-USD", "3000", at=expiry + 1)  # last, as entry numbers are checked: the spot is 3000 again after the settlement price
    return market


def test_margin_prints_each_leg_and_the_position_on_the_ledgers_grid(opened):
    lines = opened["margin"].splitlines()
    assert lines[0] == ("grid 1500 2100 2400 2700 3300 3600 3900 4500 (the ledger's: the last attested spot of "
                        "ETH-USD x the genesis margin shocks)")
    assert lines[1].split() == ["leg", "call:3100:2", "2800", "at", "4500"]
    assert lines[2].split() == ["leg", "put:2900:2", "2800", "at", "1500"]
    assert lines[3].split()[-1] == "5600" and lines[4].split()[-3:] == ["2800", "at", "1500"]
    assert lines[5] == "saving 2800 (50%): `wallet open` must lock 2800"


def test_margin_json_and_a_spread_without_a_ledger():
    out = json.loads(ok("margin", "--spot", "3000", "--asset", "ETH-USD", "--leg", "call:3100:2",
                        "--leg", "call:3300:-2", "--json").stdout)
    assert out["grid"][-1] == "4500000000"
    assert out["legs"] == [
        {"leg": "call:3100:2", "requirement": "2800000000", "at": "4500000000"},
        {"leg": "call:3300:-2", "requirement": "0", "at": None},  # a leg the writer is long never loses alone
    ]
    assert (out["sum_of_legs"], out["portfolio"], out["at"], out["saving"]) == (
        "2800000000", "400000000", "3300000000", "2400000000"
    )
    text = ok("margin", "--spot", "100", "--margin-shocks", "-50,50", "--asset", "X", "--leg", "put:90:1").stdout
    assert text.splitlines()[0] == "grid 50 150 (spot 100 x the shocks)" and "(never loses alone)" not in text


def test_a_strangle_opens_with_the_larger_leg_and_settles_on_the_put_side(opened):
    text = opened["open"]
    assert text.startswith("accepted: entry 3 (open)")
    assert "ETH-USD call:3100:2 put:2900:2 expiry " in text and "collateral 2800 (writer)" in text
    assert "cash 2200" in text  # 5000 - 2800, not 5000 - 5600
    # At 2400 the put pays 2 x (2900 - 2400) = 1000; the call is out of the money.
    assert opened["settle"].startswith("accepted: entry 5 (settle)")
    assert "cash 1000  (settlement of" in opened["holder_notes"]
    assert opened["holder_notes"].strip().endswith("balance 1000 (unspent cash notes, as of the last sync)")


def test_one_unit_below_the_portfolio_requirement_is_refused(opened):
    fails(1, "margin check fails: collateral 2799.999999 does not cover the worst loss 2800 (at the grid price 1500)",
          "wallet", "open", "--wallet", opened["writer"], *opened["tx"], "--holder", opened["holder_pk"],
          "--asset", "ETH-USD", *STRANGLE, "--expiry", FUTURE, "--collateral", "2799.999999")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--leg", "call:3100:2", "--kind", "call"), "give the legs with --leg, or one leg with --kind"),
        (("--kind", "call", "--strike", "1"), "or one leg with all of --kind, --strike and --quantity"),
        (("--kind", "call", "--strike", "1", "--quantity", "0"), "every leg of the position needs a positive quantity"),
        (("--leg", "call:1:1",) * 5, "a position has at most 4 legs, got 5"),
        (("--leg", "straddle:1:1",), "the kind must be call or put"),
        (("--leg", "call:1",), "is not KIND:STRIKE:QUANTITY"),
        (("--leg", "call:1:-0",), "the quantity must not be 0"),
        (("--leg", "call:-1:1",), "strike '-1' is not a decimal number"),
        (("--leg", "put:1:1.0000001",), "has more than 6 decimals"),
    ],
)
def test_malformed_legs_exit_2(opened, args, message):
    fails(2, message, "wallet", "open", "--wallet", opened["writer"], *opened["tx"], "--holder", "1",
          "--asset", "ETH-USD", *args, "--expiry", "1", "--collateral", "1")


def test_margin_refusals(market, tmp_path):
    fails(1, "no attested spot price for DOGE-USD", "margin", "--db", market["db"], "--asset", "DOGE-USD",
          "--leg", "call:1:1")
    fails(2, "give either --db or --ledger (the ledger's grid), or --spot", "margin", "--asset", "X", "--leg", "call:1:1")
    fails(2, "give either --db", "margin", "--asset", "X", "--leg", "call:1:1", "--spot", "1", "--db", market["db"])
    fails(2, "--margin-shocks goes with --spot", "margin", "--db", market["db"], "--asset", "X", "--leg", "call:1:1",
          "--margin-shocks", "10")
    fails(2, "give the position's legs with --leg KIND:STRIKE:QUANTITY (repeatable)", "margin", "--asset", "X",
          "--spot", "1")
    fails(2, "No such option '--kind'", "margin", "--asset", "X", "--spot", "1", "--kind", "call")
    fails(2, "below -100%", "margin", "--asset", "X", "--spot", "1", "--leg", "call:1:1", "--margin-shocks", "-101")
    fails(2, "no ledger file", "margin", "--db", tmp_path / "none.db", "--asset", "X", "--leg", "call:1:1")


FINE = ",".join(f"{s // 10_000}" for s in FINE_SHOCKS)  # -50,-40,-30,-25,...,50: sixteen prices
BUTTERFLY = ("--leg", "call:2700:1", "--leg", "call:2850:-2", "--leg", "call:3000:1")  # peaks at 2850 (claim 150)


def test_a_ledger_of_sixteen_shocks_margins_what_eight_miss(tmp_path):
    # Its open circuit takes 16 grid prices: the shared depth-4 keys have open at 8, so only open is set up anew
    # (and keys for 8 prices are refused for it, not overwritten).
    keys = copy_keys(tmp_path / "keys")
    committee, db = tmp_path / "committee.json", tmp_path / "ledger.db"
    for i in range(3):
        ok("oracle", "keygen", "--out", tmp_path / f"m{i}.key", "--committee", committee)
    init = ("ledger", "init", "--db", db, "--keys", keys, "--committee", committee, "--depth", DEPTH, "--margin-shocks",
            FINE)
    fails(2, "holds open keys for parameters {'depth': 4, 'grid': 8}", *init)
    shutil.rmtree(keys / "open")
    assert "open      11,428 constraints, keys set up" in ok(*init).stdout
    w, h = tmp_path / "writer.json", tmp_path / "holder.json"
    ok("wallet", "new", "--wallet", w)
    holder = ok("wallet", "new", "--wallet", h).stdout.strip()
    tx = ("--db", db, "--keys", keys)
    ok("wallet", "deposit", "--wallet", w, *tx, "--amount", "1000")
    post_spot(tmp_path, db, "ETH-USD", "3000")
    on_sixteen = ok("margin", "--db", db, "--asset", "ETH-USD", *BUTTERFLY).stdout
    on_eight = ok("margin", "--spot", "3000", "--asset", "ETH-USD", *BUTTERFLY).stdout
    assert "the position (portfolio) 150 at 2850" in " ".join(on_sixteen.split())
    assert "the position (portfolio) 0 at 1500" in " ".join(on_eight.split())
    opening = ("wallet", "open", "--wallet", w, *tx, "--holder", holder, "--asset", "ETH-USD", *BUTTERFLY,
               "--expiry", FUTURE)
    fails(1, "does not cover the worst loss 150 (at the grid price 2850)", *opening, "--collateral", "149.999999")
    text = ok(*opening, "--collateral", "150").stdout
    assert text.startswith("accepted: entry 3 (open)") and "grid: 1500 1800 2100 2250 2400 2550 2700 2850 3150" in text
