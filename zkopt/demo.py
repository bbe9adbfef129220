"""The demo: one private call option from deposit to payout on a fresh ledger, told step by step.

``run(directory, depth)`` is what ``zkopt demo`` calls. In ``directory`` it
builds or loads the Groth16 keys of the four transaction circuits
(``keys/``, kept between runs), creates an oracle committee of three members
of which any two settle a price (``oracle/``), a new ledger (``ledger.db``)
and two traders' wallets (``wallets/alice.json``, the writer, and
``wallets/bob.json``, the holder). Then alice deposits cash, two of the three
oracle members attest the ETH-USD spot, alice writes bob a call margin-checked
on the ledger's grid (that spot x the genesis shocks), two members sign the
price at expiry, bob settles privately and withdraws his payout, alice's wallet
finds her share of the collateral, and the auditor replays the ledger. Every
accepted transaction is left as ``txs/NNN-KIND.json`` (NNN is its log entry;
the spot and the settlement price reports are ``NNN-price.json``), so ``zkopt ledger submit`` and
``zkopt oracle post`` can replay them onto a new ledger.

Time: the story spans two days that end now. The ledger's clock is a
scripted clock that reads the story's time at each step (deposit, spot and
open two days ago, expiry a day later, the price report and settlement after it, all
before the real present). A replay onto a new ledger passes the same checks
at the same times; on the real clock the open is refused, its expiry having
passed. A second run in the same directory starts a fresh ledger, fresh
wallets and a fresh committee, and reuses the keys (rebuilt only when they
were made for another depth or another version of a circuit).

Only files the demo writes are ever removed: a directory that is not empty
and carries no ``.zkopt-demo`` marker is refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zkopt.errors import MalformedInput
from zkopt.files import write_json_atomic
from zkopt.keydir import TX_KINDS, KeyDir
from zkopt.oracle_files import add_to_committee, write_oracle_key
from zkopt.units import asset_id, format_amount, format_time, short
from zkopt.wallet import Wallet, note_id

MARKER = ".zkopt-demo"

#: The story's numbers (fixed point, SCALE = 10^6).
SCALE = 10**6
TICKER = "ETH-USD"
DEPOSIT = 10_000 * SCALE
SPOT = 3_000 * SCALE
STRIKE = 3_100 * SCALE
QUANTITY = 2 * SCALE
COLLATERAL = 3_200 * SCALE
SHORT_COLLATERAL = 2_500 * SCALE
PRICES = (3_400 * SCALE, None, 3_400 * SCALE)  # members 1 and 3 attest the agreed price; member 2 does not sign
SPOT_PRICES = (SPOT, SPOT, None)  # the spot before the open: members 1 and 2 sign, member 3 is silent
RECIPIENT_TEXT = "acct:bob-bank-42"
THRESHOLD = 2
MEMBERS = 3

DAY = 86_400


@dataclass
class DemoResult:
    """What a demo run did: its directory, per-step timings, the audit report, and the files it left."""

    directory: Path
    depth: int
    steps: list[tuple[str, float]] = field(default_factory=list)
    audit: object = None  # zkopt.audit.AuditReport
    files: list[Path] = field(default_factory=list)
    keys_created: bool = False
    leaked: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(s for _, s in self.steps)

    @property
    def ok(self) -> bool:
        return self.audit is not None and self.audit.ok and not self.leaked


class _ScriptedClock:
    """The ledger's clock during the demo: the story's current time, set step by step."""

    def __init__(self, t: int):
        self.t = t

    def __call__(self) -> int:
        return self.t


def _prepare(directory: Path) -> None:
    """Make ``directory`` a demo directory, removing only what an earlier demo run left (never foreign files)."""
    if directory.exists() and not directory.is_dir():
        raise MalformedInput(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MARKER).exists():
        raise MalformedInput(f"{directory} is not empty and is not a zkopt demo directory; choose another --dir")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("`zkopt demo` may replace ledger.db, wallets/, oracle/ and txs/ here\n")
    stale = [directory / f"ledger.db{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    stale += [directory / "wallets" / f"{name}.json" for name in ("alice", "bob", "option-for-bob")]
    stale += [directory / "oracle" / f"member-{i}.key" for i in range(1, MEMBERS + 1)]
    stale += [directory / "oracle" / "committee.json"]
    if (directory / "txs").is_dir():
        stale += [p for p in (directory / "txs").glob("[0-9][0-9][0-9]-*.json")]
    for path in stale:
        if path.exists():
            path.unlink()
    for sub in ("wallets", "oracle", "txs"):
        (directory / sub).mkdir(exist_ok=True)


def _show(name: str, value: int) -> str:
    if name in ("amount", "price") or name.startswith("grid["):
        return f"{name}={value} ({format_amount(value)})"
    if name == "expiry":
        return f"{name}={value} ({format_time(value)})"
    if name == "asset":
        return f"{name}={short(value)} (SHA-256 of {TICKER!r})"
    if name == "recipient":
        return f"{name}={short(value)} ({RECIPIENT_TEXT!r})"
    return f"{name}={short(value)}"


def _public_lines(names, values) -> list[str]:
    shown = []
    grid = [(n, v) for n, v in zip(names, values) if n.startswith("grid[")]
    for n, v in zip(names, values):
        if not n.startswith("grid["):
            shown.append(_show(n, v))
    if grid:
        shown.append(f"grid[0..{len(grid) - 1}]=" + " ".join(format_amount(v) for _, v in grid))
    lines, line = [], "public "
    for item in shown:
        if len(line) + len(item) > 100 and line.strip() != "public":
            lines.append(line.rstrip())
            line = "       "
        line += " " + item
    lines.append(line.rstrip())
    return lines


def _encodings(value: int) -> list[bytes]:
    found = [value.to_bytes(32, "big")]
    if value < 1 << 64:
        found.append(value.to_bytes(8, "big"))
    if value >= 10**8:
        found.append(str(value).encode())
    return found


def _leaks(ledger_path: Path, private: dict[str, int]) -> list[str]:
    """Names of private values found in the ledger's files (main, WAL, shared memory) in any stored encoding."""
    data = b"".join(
        Path(str(ledger_path) + s).read_bytes() for s in ("", "-wal", "-shm") if Path(str(ledger_path) + s).exists()
    )
    return sorted({name for name, value in private.items() for enc in _encodings(value) if enc in data})


def run(
    directory: str | os.PathLike = "zkopt-demo",
    depth: int = 20,
    *,
    echo: Callable[[str], None] | None = None,
    status: Callable[[str], None] | None = None,
    rng=None,
) -> DemoResult:
    """Run the demo in ``directory`` at tree depth ``depth``; ``echo`` gets the story line by line.

    ``status`` gets progress messages (setup, proving, auditing); ``rng``
    (tests only) replaces the OS's randomness for keys, notes and proofs.
    """
    from zkopt import circuits, r1cs
    from zkopt.audit import audit
    from zkopt.circuits import open_position
    from zkopt.ledger import Genesis, Ledger, Observation, oracle
    from zkopt.native import payoff
    from zkopt.native.notes import CALL, Leg, Position, open_notes

    echo = echo or print
    directory = Path(directory)
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 32:
        raise MalformedInput(f"depth must be an integer in [1, 32], got {depth!r}")
    _prepare(directory)
    result = DemoResult(directory, depth)
    clock = _ScriptedClock(0)

    now = int(time.time())
    start_of_story = now - 2 * DAY
    expiry = (start_of_story // 3600 + 24) * 3600  # a round hour, one day after the option is written
    times = {
        "deposit": start_of_story,
        "spot": start_of_story + 30,  # attested (and observed) then; the ledger takes it as the spot from then on
        "open": start_of_story + 60,
        "observed": expiry + 60,
        "price": expiry + 120,
        "settle": expiry + 180,
        "withdraw": expiry + 240,
    }

    def step(name: str, started: float) -> float:
        seconds = time.perf_counter() - started
        result.steps.append((name, seconds))
        return seconds

    def save_tx(seq: int, kind: str, obj: dict) -> Path:
        path = directory / "txs" / f"{seq:03d}-{kind}.json"
        write_json_atomic(path, obj, 0o644)
        result.files.append(path)
        return path

    echo(f"zkopt demo: a private call option from deposit to payout (tree depth {depth}, directory {directory}/)")
    echo("")

    # 1. Keys.
    t0 = time.perf_counter()
    keys = KeyDir(directory / "keys")
    infos = keys.ensure(depth, rebuild=True, rng=rng, status=status)
    for kind in TX_KINDS:
        keys.proving_key(kind, infos[kind].entry, status)
    result.keys_created = any(i.created for i in infos.values())
    sizes = ", ".join(f"{k} {infos[k].constraints:,}" for k in TX_KINDS)
    seconds = step("keys", t0)
    how = "made by a single-party setup (UNSAFE outside demos)" if result.keys_created else "loaded from the cache"
    echo(f"[1] keys      the four circuits' Groth16 keys, {how}, in {directory / 'keys'}/  ({seconds:.1f} s)")
    echo(f"    constraints: {sizes}")

    # 2. The market: committee, ledger, wallets.
    t0 = time.perf_counter()
    if rng is None:
        members = [oracle.keygen() for _ in range(MEMBERS)]
    else:
        members = [oracle.load_private_key(rng.randbytes(32)) for _ in range(MEMBERS)]
    committee_file = directory / "oracle" / "committee.json"
    for i, member in enumerate(members, 1):
        write_oracle_key(directory / "oracle" / f"member-{i}.key", member)
        add_to_committee(committee_file, oracle.public_key_bytes(member))
    genesis = Genesis(
        circuits={k: infos[k].entry for k in TX_KINDS},
        committee=[oracle.public_key_bytes(m) for m in members],
        threshold=THRESHOLD,
        tree_depth=depth,
    )
    ledger_path = directory / "ledger.db"
    ledger = Ledger.create(ledger_path, genesis, clock=clock)
    alice = Wallet.create(directory / "wallets" / "alice.json", rng)
    bob = Wallet.create(directory / "wallets" / "bob.json", rng)
    seconds = step("market", t0)
    echo(f"[2] market    a new ledger {ledger_path}; an oracle committee of {MEMBERS}, any {THRESHOLD} of whom fix a price"
         f"  ({seconds:.1f} s)")
    echo(f"    traders: alice (writer) and bob (holder), wallets in {directory / 'wallets'}/")
    echo(f"    genesis hash {genesis.hash().hex()}")

    try:
        # 3. Deposit.
        t0 = time.perf_counter()
        clock.t = times["deposit"]
        out = alice.deposit(ledger, keys, DEPOSIT, status=status)
        save_tx(out.receipt.seq, "deposit", out.tx.to_json())
        seconds = step("deposit", t0)
        echo(f"[3] deposit   {format_time(clock.t)}: alice pays {format_amount(DEPOSIT)} into the pool as a private "
             f"cash note  (proof {out.tx.prove_seconds:.1f} s, step {seconds:.1f} s)")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")

        # 4. The spot: two of three members attest it, so the ledger can fix the margin grid.
        t0 = time.perf_counter()
        clock.t = times["spot"]
        asset = asset_id(TICKER)
        spot_signed = [
            oracle.sign(Observation(asset, times["spot"], price, times["spot"]), members[i])
            for i, price in enumerate(SPOT_PRICES) if price is not None
        ]
        spot_receipt = ledger.post_price(spot_signed)
        save_tx(spot_receipt.seq, "price", {"attestations": [a.to_json() for a in spot_signed]})
        shocks = " ".join(f"{s / 10_000:+g}%" for s in genesis.margin_shocks)
        seconds = step("spot", t0)
        echo(f"[4] spot      {format_time(clock.t)}: oracle members 1 and 2 sign the {TICKER} spot, "
             f"{format_amount(spot_receipt.price)} (member 3 is silent)  ({seconds:.1f} s)")
        echo("    the margin grid is the ledger's: the last attested spot x the genesis shocks")
        echo(f"    ({shocks}); an open with any other grid is rejected")

        # 5. Open a call, margin-checked on the ledger's grid.
        t0 = time.perf_counter()
        clock.t = times["open"]
        grid = ledger.margin_grid(asset)
        position = Position(asset, expiry, (Leg(CALL, STRIKE, QUANTITY),))
        worst = payoff.worst_loss(position.legs, grid)
        # An under-collateralised twin cannot even be proven: the circuit names the grid point it fails.
        spent = alice.notes[0]
        short_option, _ = open_notes(spent.note, alice.sk, position, collateral=SHORT_COLLATERAL, holder_pk=bob.pk)
        inputs = open_position.inputs(spent.note, alice.sk, ledger.membership(spent.leaf_index), short_option, grid)
        failing = r1cs.solve(circuits.build("open", {"depth": depth, "grid": len(grid)}), inputs).which_unsatisfied()
        out = alice.open_position(
            ledger, keys, holder_pk=bob.pk, position=position, collateral=COLLATERAL, ticker=TICKER, status=status,
        )
        save_tx(out.receipt.seq, "open", out.tx.to_json())
        option = out.tx.share
        share_path = directory / "wallets" / "option-for-bob.json"
        from zkopt.audit import export_opening

        write_json_atomic(share_path, export_opening(option), 0o600)
        bob.import_opening(export_opening(option), TICKER)
        bob.sync(ledger)
        bob.save()
        seconds = step("open", t0)
        echo(f"[5] open      {format_time(clock.t)}: alice writes bob a call on {TICKER}, strike {format_amount(STRIKE)}, "
             f"quantity {format_amount(QUANTITY)}, expiry {format_time(expiry)}  (proof {out.tx.prove_seconds:.1f} s, "
             f"step {seconds:.1f} s)")
        echo(f"    margin: on the ledger's grid (the attested spot {format_amount(spot_receipt.price)} x the genesis "
             f"shocks, {format_amount(min(grid))} .. {format_amount(max(grid))}) alice's worst loss is "
             f"{format_amount(worst)}, at {format_amount(max(grid))};")
        echo(f"    her collateral {format_amount(COLLATERAL)} covers it (change {format_amount(DEPOSIT - COLLATERAL)}), "
             "and the proof shows so without revealing either number.")
        echo(f"    with collateral {format_amount(SHORT_COLLATERAL)} there is no proof: the circuit fails at {failing}")
        echo(f"    bob gets the option's opening ({share_path}) and imports it into his wallet")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")

        # 6. The price at expiry: two of three members sign.
        t0 = time.perf_counter()
        clock.t = times["price"]
        signed = [
            oracle.sign(Observation(asset, expiry, price, times["observed"]), members[i])
            for i, price in enumerate(PRICES) if price is not None
        ]
        receipt = ledger.post_price(signed)
        save_tx(receipt.seq, "price", {"attestations": [a.to_json() for a in signed]})
        seconds = step("price", t0)
        echo(f"[6] price     {format_time(clock.t)}: oracle members 1 and 3 sign the agreed price "
             f"{format_amount(receipt.price)} (member 2 is silent)  ({seconds:.1f} s)")
        echo(f"    the ledger checks both signatures (2 of 3, one price), and {format_amount(receipt.price)} is the "
             f"settlement price of {TICKER} at {format_time(expiry)}")

        # 7. Bob settles privately.
        t0 = time.perf_counter()
        clock.t = times["settle"]
        option_id = note_id(option)
        out = bob.settle(ledger, keys, option_id, status=status)
        save_tx(out.receipt.seq, "settle", out.tx.to_json())
        holder_note, writer_note = option.settlement_notes(receipt.price)
        seconds = step("settle", t0)
        echo(f"[7] settle    {format_time(clock.t)}: bob settles option {option_id}  (proof {out.tx.prove_seconds:.1f} s, "
             f"step {seconds:.1f} s)")
        echo(f"    he gets {format_amount(holder_note.amount)} = {format_amount(QUANTITY)} x ({format_amount(receipt.price)}"
             f" - {format_amount(STRIKE)}) and alice {format_amount(writer_note.amount)} of her collateral, as two new "
             "private notes;")
        echo("    the proof shows the split is right for the hidden strike, quantity and collateral")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")

        # 8. Bob withdraws the payout.
        t0 = time.perf_counter()
        clock.t = times["withdraw"]
        recipient = int.from_bytes(RECIPIENT_TEXT.encode(), "big")
        out = bob.withdraw(ledger, keys, holder_note.amount, recipient, status=status)
        save_tx(out.receipt.seq, "withdraw", out.tx.to_json())
        alice.sync(ledger)
        alice.save()
        seconds = step("withdraw", t0)
        echo(f"[8] withdraw  {format_time(clock.t)}: bob withdraws his {format_amount(holder_note.amount)} to "
             f"{RECIPIENT_TEXT!r}  (proof {out.tx.prove_seconds:.1f} s, step {seconds:.1f} s)")
        echo(f"    alice's wallet finds her settlement note on its own: balance {format_amount(alice.balance())} "
             f"(change {format_amount(DEPOSIT - COLLATERAL)} + {format_amount(writer_note.amount)})")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")
        state = ledger.state()
    finally:
        ledger.close()

    # 9. Audit.
    t0 = time.perf_counter()
    if status:
        status(f"auditing {ledger_path}")
    report = audit(ledger_path, rng=rng)
    result.audit = report
    seconds = step("audit", t0)
    verdict = "OK, every check holds" if report.ok else f"FAILED, {len(report.findings)} findings"
    echo(f"[9] audit     replayed {report.entries} entries from genesis, re-checking {report.proofs_checked} proofs, "
         f"{report.signatures_checked} oracle signatures, the tree and the pool -> {verdict}  ({seconds:.1f} s)")
    for finding in report.findings:
        echo(f"    {finding}")

    private = {
        "strike": STRIKE,
        "quantity": QUANTITY,
        "collateral": COLLATERAL,
        "alice's change": DEPOSIT - COLLATERAL,
        "alice's settlement amount": writer_note.amount,
        "alice's spending key": alice.sk,
        "bob's spending key": bob.sk,
        "alice's public key": alice.pk,
        "bob's public key": bob.pk,
    }
    for entry in alice.notes + bob.notes:
        private[f"rho of note {entry.id}"] = entry.note.rho
    result.leaked = _leaks(ledger_path, private)

    echo("")
    echo("What was public (in ledger.db, for anyone): the deposit and withdrawal amounts, the spot, the asset id (also")
    echo("  of the new position), expiry and settlement price, the margin grid, note commitments, nullifiers, Merkle")
    echo("  roots, proofs, oracle signatures.")
    echo(f"What stayed private (only in the wallets): strike {format_amount(STRIKE)}, quantity "
         f"{format_amount(QUANTITY)}, collateral {format_amount(COLLATERAL)},")
    echo(f"  alice's change {format_amount(DEPOSIT - COLLATERAL)} and settlement {format_amount(writer_note.amount)},"
         " both parties' keys, every note's randomness, which")
    echo("  commitment was spent by which nullifier, and that it was bob who settled. The payout became public only as")
    echo("  the withdrawal's amount, unlinked to the option.")
    if result.leaked:
        echo(f"  WARNING: found in the ledger files: {', '.join(result.leaked)}")
    else:
        echo(f"  checked: none of these {len(private)} values occurs in ledger.db (32- and 8-byte big-endian, decimal).")
    echo(f"Ledger: {state.entries} entries, {state.leaf_count} notes, pool balance {format_amount(state.pool_balance)}.")
    echo("")
    echo(f"Files in {directory}/: ledger.db, keys/, wallets/ (alice.json, bob.json), oracle/ (member keys, committee.json),")
    echo("  txs/ (every accepted transaction and both price reports). Replay them onto a new ledger:")
    echo(f"  zkopt ledger init --db replay.db --keys {directory / 'keys'} --committee {committee_file} "
         f"--depth {depth} --threshold {THRESHOLD}")
    for path in result.files:
        verb = "oracle post" if path.name.endswith("-price.json") else "ledger submit"
        echo(f"  zkopt {verb} --db replay.db {path}")
    echo("")
    echo("Timings: " + ", ".join(f"{name} {s:.1f} s" for name, s in result.steps) + f"; total {result.total_seconds:.1f} s")
    return result


__all__ = ["DemoResult", "run"]
