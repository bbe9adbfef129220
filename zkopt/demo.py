"""The demo: one private call option from deposit to payout on a fresh ledger, told step by step.

``run(directory, depth)`` is what ``zkopt demo`` calls. In ``directory`` it
builds or loads the Groth16 keys of the five transaction circuits
(``keys/``, kept between runs), creates an oracle committee of three members
of which any two settle a price (``oracle/``), a new ledger (``ledger.db``)
and two traders' wallets (``wallets/alice.json``, the writer, and
``wallets/bob.json``, the holder). Then alice deposits cash, two of the three
oracle members attest the ETH-USD spot, alice sells bob a call margin-checked
on the ledger's grid (that spot x the genesis shocks) for a premium, paid in
one bundle with her open so neither can take without giving, and bob's
wallet finds the option by itself (its note sealed to him); two members sign the
price at expiry, bob settles privately and withdraws his payout, alice's wallet
finds her share of the collateral, and the auditor replays the ledger. Every
accepted transaction is left as ``txs/NNN-KIND.json`` (NNN is its log entry;
the spot and the settlement price reports are ``NNN-price.json``), so ``zkopt ledger submit`` and
``zkopt oracle post`` can replay them onto a new ledger.

On a chain (``chain_node_modules``, ``zkopt demo --chain``) the same story
runs on an in-process py-evm chain: the pool contract and its verifiers are
deployed from the same keys, the members are Ethereum keys, each step prints
its gas, and the pool is audited from its events. The pool takes neither
bundles nor sealed notes yet, so there alice writes the call without a
premium and bob imports its opening by hand. The chain's clock only moves
forward, so there the story starts now and runs a day ahead.

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
#: The story makes 9 notes (6 on a chain): a tree of depth 4 (16 leaves) is the smallest that holds them.
MIN_DEPTH = 4
#: What bob pays alice for the option (a conditioned transfer, in one bundle with her open), from his deposit.
PREMIUM = 150 * SCALE
BOB_DEPOSIT = 500 * SCALE


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
    gas: list[tuple[str, int]] = field(default_factory=list)  # (kind, gas) per transaction, on a chain

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


class _FileVenue:
    """The demo on the embedded SQLite ledger: Ed25519 members in a committee file, the story's scripted clock
    (two days that end now), the file audited from its genesis and scanned for private values."""

    name = "ledger.db"

    def __init__(self, directory: Path):
        from zkopt.ledger import oracle

        self.directory, self.path, self.oracle = directory, directory / "ledger.db", oracle
        self.clock = _ScriptedClock(0)
        self.committee_file = directory / "oracle" / "committee.json"

    def story_start(self) -> int:
        return int(time.time()) - 2 * DAY

    def new_member(self, i: int, rng):
        key = self.oracle.keygen() if rng is None else self.oracle.load_private_key(rng.randbytes(32))
        write_oracle_key(self.directory / "oracle" / f"member-{i}.key", key)
        add_to_committee(self.committee_file, self.oracle.public_key_bytes(key))
        return key

    def sign(self, observation, key):
        return self.oracle.sign(observation, key)

    def create(self, infos, members, depth: int):
        from zkopt.ledger import Genesis, Ledger

        genesis = Genesis(
            circuits={k: infos[k].entry for k in TX_KINDS},
            committee=[self.oracle.public_key_bytes(m) for m in members],
            threshold=THRESHOLD,
            tree_depth=depth,
        )
        return Ledger.create(self.path, genesis, clock=self.clock), f"a new ledger {self.path}"

    def set_time(self, t: int) -> None:
        self.clock.t = t

    def cost(self, receipt) -> int | None:
        return None

    def audit(self, ledger, rng):
        from zkopt.audit import audit

        ledger.close()
        return audit(self.path, rng=rng)

    def public_bytes(self, ledger) -> bytes:
        """Everything the ledger stores: its main file, WAL and shared memory."""
        paths = [Path(str(self.path) + s) for s in ("", "-wal", "-shm")]
        return b"".join(p.read_bytes() for p in paths if p.exists())


class _ChainVenue:
    """The demo on an in-process py-evm chain: the pool contract and its verifiers deployed from the demo's keys,
    Ethereum members, the chain's own clock moved forward through the story (a day from now), the pool audited
    from its events, and every transaction's call data and every event scanned for private values."""

    name = "the chain's transactions and events"

    def __init__(self, directory: Path, node_modules):
        from zkopt.chain import node
        from zkopt.chain import oracle as chain_oracle

        self.directory, self.node_modules, self.node, self.oracle = directory, node_modules, node, chain_oracle
        self.w3 = node.in_process()

    def story_start(self) -> int:
        return self.node.now(self.w3) + 60

    def new_member(self, i: int, rng):
        key = self.oracle.keygen() if rng is None else (int.from_bytes(rng.randbytes(32), "big") % (self.oracle.ORDER - 1)
                                                        + 1).to_bytes(32, "big")
        self.oracle.write_key_file(self.directory / "oracle" / f"member-{i}.key", key)
        return key

    def sign(self, observation, key):
        return self.oracle.sign(observation, key)

    def create(self, infos, members, depth: int):
        from zkopt.chain.deploy import deploy, genesis_from_keys
        from zkopt.chain.ledger import ChainLedger

        genesis = genesis_from_keys({k: infos[k].entry for k in TX_KINDS}, [self.oracle.address(m) for m in members],
                                    THRESHOLD, depth=depth)
        deployment = deploy(self.w3, genesis, self.node_modules)
        ledger = ChainLedger(self.w3, deployment.pool)
        minted = ledger.token.functions.mint(ledger.sender, DEPOSIT).transact({"from": ledger.sender})
        self.w3.eth.wait_for_transaction_receipt(minted)
        gas = sum(deployment.gas.values())
        return ledger, (f"a pool {deployment.pool} on an in-process py-evm chain (deployed for {gas:,} gas; "
                        f"{format_amount(DEPOSIT)} test tokens minted to alice's account)")

    def set_time(self, t: int) -> None:
        self.node.set_time(self.w3, t)

    def cost(self, receipt) -> int | None:
        return receipt.gas_used + receipt.approve_gas

    def audit(self, ledger, rng):
        from zkopt.chain.audit import audit_chain

        return audit_chain(ledger, node_modules=self.node_modules, rng=rng)

    def public_bytes(self, ledger) -> bytes:
        """Every transaction's call data and every log's topics and data, block by block."""
        eth, out = self.w3.eth, []
        for number in range(eth.block_number + 1):
            for tx in eth.get_block(number, full_transactions=True)["transactions"]:
                out.append(bytes(tx.get("input", tx.get("data", b""))))
                for log in eth.get_transaction_receipt(tx["hash"])["logs"]:
                    out += [bytes(t) for t in log["topics"]] + [bytes(log["data"])]
        return b"".join(out)


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


def _leaks(data: bytes, private: dict[str, int]) -> list[str]:
    """Names of private values found in what the ledger made public, in any stored encoding."""
    return sorted({name for name, value in private.items() for enc in _encodings(value) if enc in data})


def run(
    directory: str | os.PathLike = "zkopt-demo",
    depth: int = 20,
    *,
    echo: Callable[[str], None] | None = None,
    status: Callable[[str], None] | None = None,
    rng=None,
    chain_node_modules: str | os.PathLike | None = None,
    zkeys: str | os.PathLike | None = None,
) -> DemoResult:
    """Run the demo in ``directory`` at tree depth ``depth``; ``echo`` gets the story line by line.

    ``status`` gets progress messages (setup, proving, auditing); ``rng``
    (tests only) replaces the OS's randomness for keys, notes and proofs.
    ``zkeys`` is a ceremony directory (``zkopt.ceremony_keys``) whose verified
    keys replace the single-party setup.
    With ``chain_node_modules`` (where solc-js is) the story runs on an
    in-process chain instead, and each transaction's gas is printed.
    """
    from zkopt import circuits, r1cs
    from zkopt.circuits import open_position
    from zkopt.ledger import Observation
    from zkopt.native import payoff
    from zkopt.native.notes import CALL, Leg, Position, open_notes

    echo = echo or print
    directory = Path(directory)
    if isinstance(depth, bool) or not isinstance(depth, int) or not MIN_DEPTH <= depth <= 32:
        raise MalformedInput(f"depth must be an integer in [{MIN_DEPTH}, 32] (the story makes 9 notes), got {depth!r}")
    _prepare(directory)
    result = DemoResult(directory, depth)
    venue = _FileVenue(directory) if chain_node_modules is None else _ChainVenue(directory, chain_node_modules)

    start_of_story = venue.story_start()
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

    def costs(receipt) -> str:
        gas = venue.cost(receipt)
        if gas is None:
            return ""
        result.gas.append((receipt.kind, gas))
        return f", gas {gas:,}"

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
    if zkeys is not None:
        from zkopt import ceremony_keys

        infos = ceremony_keys.install(zkeys, keys, depth, status, replace=True)
    else:
        infos = keys.ensure(depth, rebuild=True, rng=rng, status=status)
    for kind in TX_KINDS:
        keys.proving_key(kind, infos[kind].entry, status)
    result.keys_created = any(i.created for i in infos.values())
    sizes = ", ".join(f"{k} {infos[k].constraints:,}" for k in TX_KINDS)
    seconds = step("keys", t0)
    how = "made by a single-party setup (UNSAFE outside demos)" if result.keys_created else "loaded from the cache"
    if zkeys is not None:
        how = f"from the multi-party ceremony in {zkeys} (transcripts verified)"
    echo(f"[1] keys      the five circuits' Groth16 keys, {how}, in {directory / 'keys'}/  ({seconds:.1f} s)")
    echo(f"    constraints: {sizes}")

    # 2. The market: committee, ledger, wallets.
    t0 = time.perf_counter()
    members = [venue.new_member(i, rng) for i in range(1, MEMBERS + 1)]
    ledger, where = venue.create(infos, members, depth)
    genesis = ledger.genesis
    alice = Wallet.create(directory / "wallets" / "alice.json", rng)
    bob = Wallet.create(directory / "wallets" / "bob.json", rng)
    seconds = step("market", t0)
    echo(f"[2] market    {where}; an oracle committee of {MEMBERS}, any {THRESHOLD} of whom fix a price"
         f"  ({seconds:.1f} s)")
    echo(f"    traders: alice (writer) and bob (holder), wallets in {directory / 'wallets'}/")
    echo(f"    genesis hash {genesis.hash().hex()}")

    try:
        # 3. Deposit.
        t0 = time.perf_counter()
        venue.set_time(times["deposit"])
        out = alice.deposit(ledger, keys, DEPOSIT, status=status)
        save_tx(out.receipt.seq, "deposit", out.tx.to_json())
        seconds = step("deposit", t0)
        echo(f"[3] deposit   {format_time(times['deposit'])}: alice pays {format_amount(DEPOSIT)} into the pool as a private "
             f"cash note  (proof {out.tx.prove_seconds:.1f} s, step {seconds:.1f} s{costs(out.receipt)})")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")
        premium_bundle = getattr(ledger, "carries_notes", False)
        if premium_bundle:
            out = bob.deposit(ledger, keys, BOB_DEPOSIT, status=status)
            save_tx(out.receipt.seq, "deposit", out.tx.to_json())
            echo(f"    bob pays {format_amount(BOB_DEPOSIT)} into the pool the same way, for the premium")

        # 4. The spot: two of three members attest it, so the ledger can fix the margin grid.
        t0 = time.perf_counter()
        venue.set_time(times["spot"])
        asset = asset_id(TICKER)
        spot_signed = [
            venue.sign(Observation(asset, times["spot"], price, times["spot"]), members[i])
            for i, price in enumerate(SPOT_PRICES) if price is not None
        ]
        spot_receipt = ledger.post_price(spot_signed)
        save_tx(spot_receipt.seq, "price", {"attestations": [a.to_json() for a in spot_signed]})
        shocks = " ".join(f"{s / 10_000:+g}%" for s in genesis.margin_shocks)
        seconds = step("spot", t0)
        echo(f"[4] spot      {format_time(times['spot'])}: oracle members 1 and 2 sign the {TICKER} spot, "
             f"{format_amount(spot_receipt.price)} (member 3 is silent)  ({seconds:.1f} s{costs(spot_receipt)})")
        echo("    the margin grid is the ledger's: the last attested spot x the genesis shocks")
        echo(f"    ({shocks}); an open with any other grid is rejected")

        # 5. Open a call, margin-checked on the ledger's grid.
        t0 = time.perf_counter()
        venue.set_time(times["open"])
        grid = ledger.margin_grid(asset)
        position = Position(asset, expiry, (Leg(CALL, STRIKE, QUANTITY),))
        worst = payoff.worst_loss(position.legs, grid)
        # An under-collateralised twin cannot even be proven: the circuit names the grid point it fails.
        spent = alice.notes[0]
        short_option, _ = open_notes(spent.note, alice.sk, position, collateral=SHORT_COLLATERAL, holder_pk=bob.pk)
        inputs = open_position.inputs(spent.note, alice.sk, ledger.membership(spent.leaf_index), short_option, grid)
        failing = r1cs.solve(circuits.build("open", {"depth": depth, "grid": len(grid)}), inputs).which_unsatisfied()
        if premium_bundle:
            out, option, sold, payment = _sell(alice, bob, ledger, keys, position, status)
            save_tx(sold[0].seq, "bundle", {"bundle": [out.tx.to_json(), payment.to_json()]})
            open_receipt = sold[0]
        else:
            out = alice.open_position(
                ledger, keys, holder_pk=bob.pk, position=position, collateral=COLLATERAL, ticker=TICKER, status=status,
            )
            save_tx(out.receipt.seq, "open", out.tx.to_json())
            option, open_receipt = out.tx.share, out.receipt
            share_path = directory / "wallets" / "option-for-bob.json"
            from zkopt.audit import export_opening

            write_json_atomic(share_path, export_opening(option), 0o600)
            bob.import_opening(export_opening(option), TICKER)
            bob.sync(ledger)
            bob.save()
        seconds = step("open", t0)
        sale = f" for a premium of {format_amount(PREMIUM)}" if premium_bundle else ""
        echo(f"[5] open      {format_time(times['open'])}: alice sells bob a call on {TICKER}{sale}, strike "
             f"{format_amount(STRIKE)}, quantity {format_amount(QUANTITY)}, expiry {format_time(expiry)}  (proof "
             f"{out.tx.prove_seconds:.1f} s, step {seconds:.1f} s{costs(open_receipt)})")
        echo(f"    margin: on the ledger's grid (the attested spot {format_amount(spot_receipt.price)} x the genesis "
             f"shocks, {format_amount(min(grid))} .. {format_amount(max(grid))}) alice's worst loss is "
             f"{format_amount(worst)}, at {format_amount(max(grid))};")
        echo(f"    her collateral {format_amount(COLLATERAL)} covers it (change {format_amount(DEPOSIT - COLLATERAL)}), "
             "and the proof shows so without revealing either number.")
        echo(f"    with collateral {format_amount(SHORT_COLLATERAL)} there is no proof: the circuit fails at {failing}")
        if premium_bundle:
            echo("    alice quotes the option (its commitment is fixed by the note she locks); bob pays the premium by a")
            echo("    transfer conditioned on that commitment; alice submits her open and his payment as one bundle:")
            echo(f"    entries {sold[0].seq} and {sold[1].seq}, accepted together or not at all. Alone, his payment is refused.")
            echo(f"    bob's wallet finds the option by itself (sync opens the note sealed to him): {note_id(option)}")
        else:
            echo(f"    bob gets the option's opening ({share_path}) and imports it into his wallet "
                 "(the pool carries no sealed notes or bundles yet, so no premium here)")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")

        # 6. The price at expiry: two of three members sign.
        t0 = time.perf_counter()
        venue.set_time(times["price"])
        signed = [
            venue.sign(Observation(asset, expiry, price, times["observed"]), members[i])
            for i, price in enumerate(PRICES) if price is not None
        ]
        receipt = ledger.post_price(signed)
        save_tx(receipt.seq, "price", {"attestations": [a.to_json() for a in signed]})
        seconds = step("price", t0)
        echo(f"[6] price     {format_time(times['price'])}: oracle members 1 and 3 sign the agreed price "
             f"{format_amount(receipt.price)} (member 2 is silent)  ({seconds:.1f} s{costs(receipt)})")
        echo(f"    the ledger checks both signatures (2 of 3, one price), and {format_amount(receipt.price)} is the "
             f"settlement price of {TICKER} at {format_time(expiry)}")

        # 7. Bob settles privately.
        t0 = time.perf_counter()
        venue.set_time(times["settle"])
        option_id = note_id(option)
        out = bob.settle(ledger, keys, option_id, status=status)
        save_tx(out.receipt.seq, "settle", out.tx.to_json())
        holder_note, writer_note = option.settlement_notes(receipt.price)
        seconds = step("settle", t0)
        echo(f"[7] settle    {format_time(times['settle'])}: bob settles option {option_id}  (proof {out.tx.prove_seconds:.1f} s, "
             f"step {seconds:.1f} s{costs(out.receipt)})")
        echo(f"    he gets {format_amount(holder_note.amount)} = {format_amount(QUANTITY)} x ({format_amount(receipt.price)}"
             f" - {format_amount(STRIKE)}) and alice {format_amount(writer_note.amount)} of her collateral, as two new "
             "private notes;")
        echo("    the proof shows the split is right for the hidden strike, quantity and collateral")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")

        # 8. Bob withdraws the payout.
        t0 = time.perf_counter()
        venue.set_time(times["withdraw"])
        recipient = int.from_bytes(RECIPIENT_TEXT.encode(), "big")
        out = bob.withdraw(ledger, keys, holder_note.amount, recipient, status=status)
        save_tx(out.receipt.seq, "withdraw", out.tx.to_json())
        alice.sync(ledger)
        alice.save()
        seconds = step("withdraw", t0)
        echo(f"[8] withdraw  {format_time(times['withdraw'])}: bob withdraws his {format_amount(holder_note.amount)} to "
             f"{RECIPIENT_TEXT!r}  (proof {out.tx.prove_seconds:.1f} s, step {seconds:.1f} s{costs(out.receipt)})")
        premium_part = f" + premium {format_amount(PREMIUM)}" if premium_bundle else ""
        echo(f"    alice's wallet finds her settlement note on its own: balance {format_amount(alice.balance())} "
             f"(change {format_amount(DEPOSIT - COLLATERAL)} + {format_amount(writer_note.amount)}{premium_part})")
        for line in _public_lines(out.tx.names, out.tx.public):
            echo(f"    {line}")
        state = ledger.state()

        # 9. Audit.
        t0 = time.perf_counter()
        if status:
            status("auditing the ledger")
        report = venue.audit(ledger, rng)
        public_data = venue.public_bytes(ledger)
    finally:
        ledger.close()
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
        **({"premium": PREMIUM, "bob's change after the premium": BOB_DEPOSIT - PREMIUM} if premium_bundle else {}),
        "alice's settlement amount": writer_note.amount,
        "alice's spending key": alice.sk,
        "bob's spending key": bob.sk,
        "alice's public key": alice.pk,
        "bob's public key": bob.pk,
    }
    for entry in alice.notes + bob.notes:
        private[f"rho of note {entry.id}"] = entry.note.rho
    result.leaked = _leaks(public_data, private)

    echo("")
    echo(f"What was public (in {venue.name}, for anyone): the deposit and withdrawal amounts, the spot, the asset id (also")
    echo("  of the new position), expiry and settlement price, the margin grid, note commitments, nullifiers, Merkle")
    echo("  roots, proofs, oracle signatures" + (", and each new note's opening sealed to its owner (opaque bytes)."
                                                 if premium_bundle else "."))
    echo(f"What stayed private (only in the wallets): strike {format_amount(STRIKE)}, quantity "
         f"{format_amount(QUANTITY)}, collateral {format_amount(COLLATERAL)},")
    if premium_bundle:
        echo(f"  the premium {format_amount(PREMIUM)} and bob's change {format_amount(BOB_DEPOSIT - PREMIUM)},")
    echo(f"  alice's change {format_amount(DEPOSIT - COLLATERAL)} and settlement {format_amount(writer_note.amount)},"
         " both parties' keys, every note's randomness, which")
    echo("  commitment was spent by which nullifier, and that it was bob who settled. The payout became public only as")
    echo("  the withdrawal's amount, unlinked to the option.")
    if result.leaked:
        echo(f"  WARNING: found in {venue.name}: {', '.join(result.leaked)}")
    else:
        echo(f"  checked: none of these {len(private)} values occurs in {venue.name} (32- and 8-byte big-endian, "
             "decimal).")
    echo(f"Ledger: {state.entries} entries, {state.leaf_count} notes, pool balance {format_amount(state.pool_balance)}.")
    echo("")
    if isinstance(venue, _FileVenue):
        echo(f"Files in {directory}/: ledger.db, keys/, wallets/ (alice.json, bob.json), oracle/ (member keys, "
             "committee.json),")
        echo("  txs/ (every accepted transaction and both price reports), replayable onto a new ledger at their")
        echo("  own times (the open's expiry has passed on today's clock).")
    else:
        echo("Gas: " + ", ".join(f"{kind} {gas:,}" for kind, gas in result.gas) + " (each transaction, token "
             "approval included); the in-process chain ends with the demo.")
    echo("")
    echo("Timings: " + ", ".join(f"{name} {s:.1f} s" for name, s in result.steps) + f"; total {result.total_seconds:.1f} s")
    return result


def _sell(alice: Wallet, bob: Wallet, ledger, keys: KeyDir, position, status):
    """Alice's quote, bob's conditioned premium, alice's bundle: (her open's outcome, the option, receipts, payment)."""
    from zkopt.wallet.premium import open_with_payment, pay_premium, quote

    offer = quote(alice, ledger, keys, bob.address, PREMIUM, position=position, collateral=COLLATERAL, ticker=TICKER,
                  status=status)
    payment = pay_premium(bob, ledger, keys, offer, status=status).tx.transaction()
    receipts, opened = open_with_payment(alice, ledger, keys, offer, payment, status=status)
    bob.notes = [n for n in bob.notes if n.note != offer.option]  # he finds it on the ledger, not from the quote
    bob.sync(ledger)
    bob.save()
    return opened, offer.option, receipts, payment


__all__ = ["DemoResult", "run"]
