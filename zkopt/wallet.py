"""A trader's wallet and the prover's side of the ledger: key directories, wallet files, building transactions.

This is the library behind ``zkopt wallet``, ``zkopt ledger init`` and
``zkopt oracle``; the command line only parses, calls and prints.

**Human numbers.** Amounts, prices, strikes, collateral and quantities are
typed as decimal strings with at most six decimals (``"12.5"``, ``"0.000001"``,
``"3000"``) and stored as exact integers in units of 10^-6
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

**Wallet file.** One JSON object holding the spending key and the opening of
every note the wallet knows, with where each note is on the ledger::

    {"format": "zkopt-wallet/v1", "spending_key": "...", "public_key": "...",
     "assets": {"<asset id>": "<ticker>"},
     "notes": [{"id": "3f1c0a9b72de", "type": "cash" | "option", "note": {field: decimal},
                "origin": "deposit", "leaf_index": 7 | null, "created_in": 3 | null,
                "spent_in": 5 | null}]}

A note's ``id`` is the first 12 hex digits of its commitment, so the writer's
and the holder's wallets name a shared option note alike. The file is
rewritten atomically (temporary file in the same directory, fsync,
``os.replace``, fsync of the directory) with owner-only permissions (0600):
it holds the spending key. A transaction's new notes are written to the file
*before* the transaction is submitted (as ``pending``), so a crash between
the two never loses an opening; a rejected transaction's notes are dropped
again. ``sync`` reads the ledger: it finds each pending note's leaf index by
its commitment, marks a note spent when its nullifier is on the ledger, and,
once an option note the wallet holds has been settled (by either party),
adds this wallet's settlement note, whose opening follows from the option's
opening and the attested price. One process at a time should write a wallet.

**Key directory.** ``KeyDir(path)`` holds one Groth16 key pair per
transaction circuit, ``<kind>/proving_key.zkpk`` and
``<kind>/verification_key.json`` (the layout ``zkopt setup`` writes), and
``keys.json``, which records each circuit's parameters and constraint-system
digest so that keys made for another depth or another version of a circuit
are refused instead of producing proofs the ledger rejects. The setup is
single-party: fine for tests and demos, unsafe for real value.

**Oracle key files** (``zkopt oracle keygen``) are JSON with the raw Ed25519
private key in hex (owner-only permissions); a committee file lists members'
public keys, ``{"members": ["<hex>", ...], "threshold": k}`` (threshold optional).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zkopt.errors import LedgerRejected, MalformedInput, MalformedKey, ZkoptError
from zkopt.field import R, parse_decimal
from zkopt.native import payoff
from zkopt.native.merkle import MerkleTree
from zkopt.native.notes import CALL, PUT, CashNote, OptionNote, cash_nullifier, public_key

#: The four transaction circuits, in the order a market uses them.
TX_KINDS = ("deposit", "open", "settle", "withdraw")

#: Fixed-point decimals of every human amount (SCALE = 10^DECIMALS).
DECIMALS = 6
SCALE = payoff.SCALE
U64_BOUND = payoff.U64_BOUND

WALLET_FORMAT = "zkopt-wallet/v1"
KEYS_FORMAT = "zkopt-keys/v1"
ORACLE_KEY_FORMAT = "zkopt-oracle-key/v1"

#: Hex digits of a commitment that name a note.
NOTE_ID_DIGITS = 12
#: Shortest note id prefix accepted on the command line.
MIN_ID_PREFIX = 4

Status = Callable[[str], None]


class WalletError(ZkoptError):
    """The wallet cannot do what was asked (no note large enough, an unknown note, no attested price yet)."""


def _quiet(_: str) -> None:
    pass


# --- numbers, assets, times, recipients --------------------------------------------------

_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def parse_amount(text: object, what: str = "amount") -> int:
    """A decimal string with at most 6 decimals -> exact integer in units of 10^-6; MalformedInput otherwise."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what} must be a decimal string such as \"12.5\"")
    match = _AMOUNT.fullmatch(text)
    if not match or len(text) > 40:
        raise MalformedInput(f"{what} {text!r} is not a decimal number such as 12.5 (no sign, exponent or separators)")
    whole, frac = match.group(1), match.group(2) or ""
    if len(frac) > DECIMALS:
        raise MalformedInput(f"{what} {text!r} has more than {DECIMALS} decimals")
    value = int(whole) * SCALE + int(frac.ljust(DECIMALS, "0"))
    if value >= U64_BOUND:
        raise MalformedInput(f"{what} {text!r} is too large (at most {format_amount(U64_BOUND - 1)})")
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
        raise MalformedInput(f"asset ticker {ticker!r} must be a non-empty printable name without surrounding spaces")
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
            raise MalformedInput(f"{what} {text!r} is neither Unix seconds nor an ISO 8601 date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_dt.timezone.utc)
        value = int(moment.timestamp())
    if not 0 <= value < U64_BOUND:
        raise MalformedInput(f"{what} {text!r} is out of range")
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
    """A withdrawal recipient: a decimal number below r, or a text of at most 31 UTF-8 bytes (big-endian)."""
    if not isinstance(text, str) or not text:
        raise MalformedInput("recipient must be a decimal number or a short text such as acct:alice")
    if re.fullmatch(r"[0-9]+", text):
        return parse_field(text, "recipient")
    raw = text.encode("utf-8")
    if len(raw) > 31:
        raise MalformedInput(f"recipient text {text!r} is longer than 31 bytes")
    return int.from_bytes(raw, "big")


def short(value: int, digits: int = 12) -> str:
    """A long field element abbreviated for people: its first decimal digits and its length."""
    text = str(value)
    return text if len(text) <= digits + 4 else f"{text[:digits]}...({len(text)} digits)"


# --- files ----------------------------------------------------------------------------------


def write_atomic(path: str | os.PathLike, data: bytes | str, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, os.replace, fsync the directory."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def write_json_atomic(path: str | os.PathLike, obj: object, mode: int = 0o600) -> None:
    write_atomic(path, json.dumps(obj, indent=1) + "\n", mode)


def write_new(path: str | os.PathLike, data: bytes | str, mode: int = 0o600) -> None:
    """Create ``path`` with ``data`` (owner-only by default); MalformedInput if it already exists."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise MalformedInput(f"{path} already exists; refusing to overwrite it") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_directory(path.parent if str(path.parent) else Path("."))


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike, what: str) -> object:
    """Parse a JSON file; MalformedInput with one line when it is missing, unreadable or not JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MalformedInput(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"cannot read {what} file {path}: {exc.__class__.__name__}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"{what} file {path} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None


# --- the key directory ------------------------------------------------------------------------


def circuit_params(kind: str, depth: int, grid: int = 8) -> dict[str, int]:
    """The circuit parameters of transaction ``kind`` for a ledger of tree depth ``depth``."""
    if kind == "deposit":
        return {}
    if kind == "open":
        return {"depth": depth, "grid": grid}
    if kind in ("settle", "withdraw"):
        return {"depth": depth}
    raise MalformedInput(f"unknown transaction kind {kind!r}; known: {', '.join(TX_KINDS)}")


@dataclass(frozen=True)
class KeyInfo:
    """One circuit of a key directory: its ledger entry, its size, whether this call made it, and how long that took."""

    kind: str
    entry: object  # zkopt.ledger.CircuitEntry
    constraints: int
    created: bool
    seconds: float


# Proving keys by (resolved path, mtime, size, inode): reading a key re-checks every point and
# costs seconds, and one process (the tests, the demo) often needs the same key again.
_PK_CACHE: dict[tuple, object] = {}
_PK_CACHE_SIZE = 8


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size, st.st_ino)


def _remember(key: tuple, pk) -> None:
    if len(_PK_CACHE) >= _PK_CACHE_SIZE:
        _PK_CACHE.pop(next(iter(_PK_CACHE)))
    _PK_CACHE[key] = pk


class KeyDir:
    """A directory of Groth16 keys for the four transaction circuits at one tree depth (see the module docstring)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def pk_path(self, kind: str) -> Path:
        return self.path / kind / "proving_key.zkpk"

    def vk_path(self, kind: str) -> Path:
        return self.path / kind / "verification_key.json"

    @property
    def manifest_path(self) -> Path:
        return self.path / "keys.json"

    def manifest(self) -> dict:
        """The recorded parameters per circuit ({} when there is none yet)."""
        if not self.manifest_path.exists():
            return {}
        obj = read_json(self.manifest_path, "key manifest")
        if not isinstance(obj, dict) or obj.get("format") != KEYS_FORMAT or not isinstance(obj.get("circuits"), dict):
            raise MalformedKey(f"{self.manifest_path} is not a zkopt key manifest")
        return obj["circuits"]

    def ensure(
        self,
        depth: int,
        *,
        rebuild: bool = False,
        rng=None,
        status: Status | None = None,
    ) -> dict[str, KeyInfo]:
        """Load the four circuits' keys at ``depth``, running a (single-party) setup for each one missing.

        Keys recorded for other parameters or another version of a circuit
        raise MalformedKey, unless ``rebuild`` is set (then they are replaced).
        ``rng`` drives the setup (default: the OS's CSPRNG).
        """
        from zkopt import circuits, r1cs
        from zkopt.groth16 import setup as groth16_setup

        status = status or _quiet
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 32:
            raise MalformedInput(f"tree depth must be an integer in [1, 32], got {depth!r}")
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            manifest = dict(self.manifest())
        except MalformedInput:
            if not rebuild:
                raise
            manifest = {}
        out: dict[str, KeyInfo] = {}
        for kind in TX_KINDS:
            params = circuit_params(kind, depth)
            shape = r1cs.compile(circuits.build(kind, params))
            digest = shape.digest().hex()
            recorded = manifest.get(kind)
            have_files = self.pk_path(kind).exists() and self.vk_path(kind).exists()
            if have_files and isinstance(recorded, dict):
                if recorded.get("params") == params and recorded.get("r1cs_digest") == digest:
                    entry = self._recorded_entry(kind, recorded, shape.public_names, raise_=not rebuild)
                    if entry is not None:
                        out[kind] = KeyInfo(kind, entry, shape.n_constraints, False, 0.0)
                        continue
                elif not rebuild:
                    made = recorded.get("params")
                    why = f"parameters {made}" if made != params else "another version of the circuit"
                    raise MalformedKey(
                        f"{self.path / kind} holds {kind} keys for {why}, not {params}; "
                        "use another --keys directory (or delete it)"
                    )
            elif (self.pk_path(kind).exists() or self.vk_path(kind).exists()) and not rebuild:
                raise MalformedKey(
                    f"{self.path / kind} holds keys that {self.manifest_path} does not describe (an interrupted "
                    "setup?); delete that directory or use another --keys directory"
                )
            status(f"setup of {kind} ({shape.n_constraints:,} constraints; single-party, unsafe outside demos)")
            start = time.perf_counter()
            entry = self.install(kind, groth16_setup(shape, rng), shape, manifest)
            out[kind] = KeyInfo(kind, entry, shape.n_constraints, True, time.perf_counter() - start)
        return out

    def install(self, kind: str, pk, shape, manifest: dict | None = None, transcript_hash: bytes | None = None):
        """Write ``kind``'s proving and verifying key and its manifest entry; return its ledger entry.

        ``manifest`` is the circuits map being built (updated in place; read
        from the file when None). ``transcript_hash`` names the multi-party
        setup the key came from (see ``zkopt.ceremony_keys``); None for a
        single-party setup.
        """
        from zkopt.groth16 import snarkjs, zkpk
        from zkopt.ledger import CircuitEntry

        manifest = dict(self.manifest()) if manifest is None else manifest
        (self.path / kind).mkdir(parents=True, exist_ok=True)
        write_atomic(self.pk_path(kind), zkpk.dumps(pk), 0o644)
        vk_text = snarkjs.dumps(snarkjs.vk_to_json(pk.vk))
        write_atomic(self.vk_path(kind), vk_text, 0o644)
        _remember(_stat_key(self.pk_path(kind)), pk)
        manifest[kind] = {
            "params": dict(shape.params),
            "r1cs_digest": shape.digest().hex(),
            "constraints": shape.n_constraints,
            "public_names": list(shape.public_names),
            "vk_sha256": hashlib.sha256(vk_text.encode("utf-8")).hexdigest(),
            **({"transcript_hash": transcript_hash.hex()} if transcript_hash is not None else {}),
        }
        write_json_atomic(self.manifest_path, {"format": KEYS_FORMAT, "circuits": manifest}, 0o644)
        return CircuitEntry(vk_text, tuple(shape.public_names), transcript_hash)

    def _recorded_entry(self, kind: str, recorded: dict, public_names, raise_: bool):
        """The ledger entry of a recorded key; None (or MalformedKey with ``raise_``) if its file does not match."""
        from zkopt.groth16 import snarkjs
        from zkopt.ledger import CircuitEntry

        vk_text = self.vk_path(kind).read_text(encoding="utf-8")
        if hashlib.sha256(vk_text.encode("utf-8")).hexdigest() != recorded.get("vk_sha256"):
            if raise_:
                raise MalformedKey(f"{self.vk_path(kind)} does not match the key manifest {self.manifest_path}")
            return None
        try:
            vk = snarkjs.vk_from_json(json.loads(vk_text))
        except ValueError:
            raise MalformedKey(f"{self.vk_path(kind)} is not valid JSON") from None
        transcript = recorded.get("transcript_hash")
        try:
            transcript_hash = bytes.fromhex(transcript) if transcript is not None else None
        except (TypeError, ValueError):
            raise MalformedKey(f"{self.manifest_path}: the {kind} transcript hash is not hex") from None
        return CircuitEntry(snarkjs.dumps(snarkjs.vk_to_json(vk)), tuple(public_names), transcript_hash)

    def proving_key(self, kind: str, expected=None, status: Status | None = None):
        """The proving key of ``kind``; with ``expected`` (the ledger's CircuitEntry) its key must match it."""
        from zkopt.groth16 import zkpk
        from zkopt.ledger import CircuitEntry

        path = self.pk_path(kind)
        if not path.exists():
            raise MalformedKey(f"no {kind} proving key in {self.path} (expected {path}); run `zkopt ledger init`")
        key = _stat_key(path)
        pk = _PK_CACHE.get(key)
        if pk is None:
            (status or _quiet)(f"loading the {kind} proving key")
            pk = zkpk.read(path)
            _remember(key, pk)
        if pk.circuit != kind:
            raise MalformedKey(f"{path} is a proving key for {pk.circuit}, not {kind}")
        if expected is not None:
            mine = CircuitEntry.from_vk(pk.vk, expected.public_names)
            if mine.vk_sha256 != expected.vk_sha256:
                raise MalformedKey(f"the {kind} key in {self.path} is not the one this ledger was created with")
        return pk


# --- the wallet --------------------------------------------------------------------------------


def note_id(note: CashNote | OptionNote) -> str:
    """A note's name: the first 12 hex digits of its commitment."""
    return f"{note.commitment():064x}"[:NOTE_ID_DIGITS]


@dataclass
class WalletNote:
    """A note this wallet can open, where it is on the ledger, and whether it is spent."""

    note: CashNote | OptionNote
    origin: str
    leaf_index: int | None = None
    created_in: int | None = None
    spent_in: int | None = None

    @property
    def id(self) -> str:
        return note_id(self.note)

    @property
    def type(self) -> str:
        return "cash" if isinstance(self.note, CashNote) else "option"

    @property
    def status(self) -> str:
        """pending (not yet found on the ledger), unspent, or spent (settled, for an option)."""
        if self.spent_in is not None:
            return "spent"
        return "pending" if self.leaf_index is None else "unspent"

    def to_json(self, openings: bool = True) -> dict:
        """The wallet-file form; without ``openings`` the rho is left out (as ``wallet notes --json`` prints it)."""
        values = self.note.to_dict()
        if not openings:
            values.pop("rho")
        return {
            "id": self.id,
            "type": self.type,
            "note": values,
            "origin": self.origin,
            "leaf_index": self.leaf_index,
            "created_in": self.created_in,
            "spent_in": self.spent_in,
        }

    @staticmethod
    def from_json(obj: object) -> WalletNote:
        if not isinstance(obj, Mapping):
            raise MalformedInput("a wallet note must be a JSON object")
        kind = obj.get("type")
        cls = {"cash": CashNote, "option": OptionNote}.get(kind)
        if cls is None:
            raise MalformedInput(f"wallet note type {kind!r} is not cash or option")
        try:
            note = cls.from_dict(obj.get("note"))
        except ValueError as exc:
            raise MalformedInput(f"wallet note: {exc}") from None
        if "id" in obj and obj["id"] != note_id(note):
            raise MalformedInput(f"wallet note {obj['id']!r} does not match its opening (commitment {note_id(note)})")
        out = WalletNote(note, str(obj.get("origin", "")))
        for name in ("leaf_index", "created_in", "spent_in"):
            value = obj.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise MalformedInput(f"wallet note {out.id}: {name} must be a non-negative integer or null")
            setattr(out, name, value)
        return out


@dataclass
class Built:
    """A proved transaction: kind, public inputs (named), proof, what it spends and creates, and timings."""

    kind: str
    public: list[int]
    names: list[str]
    proof: object
    spends: list[str] = field(default_factory=list)
    creates: list[WalletNote] = field(default_factory=list)
    share: OptionNote | None = None
    grid: list[int] | None = None
    prove_seconds: float = 0.0

    def to_json(self) -> dict:
        """The transaction file ``{"kind", "public", "proof"}`` that ``zkopt ledger submit`` reads."""
        from zkopt.ledger import Transaction

        return Transaction(self.kind, tuple(self.public), self.proof).to_json()

    def named(self) -> dict[str, int]:
        return dict(zip(self.names, self.public))


@dataclass
class Outcome:
    """What a wallet transaction did: the proved transaction and, when it was submitted, the ledger's receipt."""

    tx: Built
    receipt: object | None = None  # zkopt.ledger.Receipt


class LedgerTree(MerkleTree):
    """The ledger's tree at one state, seen through one leaf's path: what the circuits' ``inputs`` read.

    ``ledger.membership(index)`` gives the root, siblings and directions of a
    leaf from one snapshot; the path is checked against the root here, so a
    damaged ledger is caught before a proof is attempted.
    """

    def __init__(self, ledger, index: int, leaf: int):
        super().__init__(depth=ledger.genesis.tree_depth)
        root, siblings, directions = ledger.membership(index)
        if MerkleTree.compute_root(leaf, directions, siblings) != root:
            raise WalletError(f"the ledger's Merkle path of leaf {index} does not lead to its root; run zkopt audit")
        self._view = (index, leaf, root, siblings, directions)

    @property
    def root(self) -> int:
        return self._view[2]

    def leaf(self, index: int) -> int:
        if index != self._view[0]:
            raise ValueError(f"this view holds leaf {self._view[0]}, not {index}")
        return self._view[1]

    def path(self, index: int) -> tuple[list[int], list[int]]:
        self.leaf(index)
        return list(self._view[3]), list(self._view[4])


class Wallet:
    """A spending key and the notes it can open; see the module docstring for the file and ``sync``.

    ``rng`` (any object with ``randrange``) draws rhos and proof blinding;
    by default the OS's CSPRNG. Pass a seeded one only in tests.
    """

    def __init__(self, sk: int, path: str | os.PathLike | None = None, rng=None):
        if isinstance(sk, bool) or not isinstance(sk, int) or not 0 < sk < R:
            raise MalformedInput("the spending key must be a field element in [1, r)")
        self.sk = sk
        self.pk = public_key(sk)
        self.path = Path(path) if path is not None else None
        self.rng = rng or secrets.SystemRandom()
        self.notes: list[WalletNote] = []
        self.assets: dict[int, str] = {}

    # --- files ----------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike | None = None, rng=None) -> Wallet:
        """A new wallet with a fresh spending key; written to ``path`` (which must not exist) when given."""
        rng = rng or secrets.SystemRandom()
        wallet = cls(rng.randrange(1, R), path, rng)
        if path is not None:
            write_new(path, wallet._dumps(), 0o600)
        return wallet

    @classmethod
    def load(cls, path: str | os.PathLike, rng=None) -> Wallet:
        """Read a wallet file; MalformedInput with one line when it is not a usable wallet."""
        path = Path(path)
        obj = read_json(path, "wallet")
        try:
            if not isinstance(obj, dict) or obj.get("format") != WALLET_FORMAT:
                raise MalformedInput(f"not a zkopt wallet (format {WALLET_FORMAT})")
            sk = parse_field(obj.get("spending_key"), "spending_key")
            wallet = cls(sk, path, rng)
            if parse_field(obj.get("public_key"), "public_key") != wallet.pk:
                raise MalformedInput("the public key does not belong to the spending key")
            notes = obj.get("notes")
            if not isinstance(notes, list):
                raise MalformedInput("notes must be a list")
            wallet.notes = [WalletNote.from_json(n) for n in notes]
            ids = [n.id for n in wallet.notes]
            if len(set(ids)) != len(ids):
                raise MalformedInput("a note appears twice")
            assets = obj.get("assets", {})
            if not isinstance(assets, dict):
                raise MalformedInput("assets must map asset ids to tickers")
            wallet.assets = {parse_field(k, "asset id"): str(v) for k, v in assets.items()}
        except MalformedInput as exc:
            raise MalformedInput(f"wallet {path}: {exc}") from None
        return wallet

    def _dumps(self) -> str:
        obj = {
            "format": WALLET_FORMAT,
            "spending_key": str(self.sk),
            "public_key": str(self.pk),
            "assets": {str(k): v for k, v in sorted(self.assets.items())},
            "notes": [n.to_json() for n in self.notes],
        }
        return json.dumps(obj, indent=1) + "\n"

    def save(self) -> None:
        """Rewrite the wallet file atomically with owner-only permissions (no-op for an in-memory wallet)."""
        if self.path is not None:
            write_atomic(self.path, self._dumps(), 0o600)

    # --- queries ----------------------------------------------------------------------

    def find(self, prefix: str) -> WalletNote:
        """The note whose id starts with ``prefix`` (at least 4 hex digits); WalletError if none or several."""
        text = str(prefix).strip().lower()
        if len(text) < MIN_ID_PREFIX or not re.fullmatch(r"[0-9a-f]+", text):
            raise MalformedInput(f"note id {prefix!r} must be at least {MIN_ID_PREFIX} hex digits (see `wallet notes`)")
        found = [n for n in self.notes if n.id.startswith(text) or f"{n.note.commitment():064x}".startswith(text)]
        if not found:
            raise WalletError(f"no note {prefix!r} in this wallet")
        if len(found) > 1:
            raise WalletError(f"note id {prefix!r} is ambiguous: {', '.join(n.id for n in found)}")
        return found[0]

    def owns(self, note: CashNote | OptionNote) -> bool:
        if isinstance(note, CashNote):
            return note.owner_pk == self.pk
        return self.pk in (note.holder_pk, note.writer_pk)

    def balance(self) -> int:
        """The sum of this wallet's unspent cash notes on the ledger."""
        return sum(
            n.note.amount for n in self.notes if n.type == "cash" and n.status == "unspent" and self.owns(n.note)
        )

    def asset_name(self, asset: int) -> str:
        return self.assets.get(asset, f"asset {short(asset)}")

    def describe(self, entry: WalletNote) -> str:
        """One line about a note, without its rho or any key."""
        note = entry.note
        if isinstance(note, CashNote):
            return f"cash {format_amount(note.amount)}"
        side = "holder" if note.holder_pk == self.pk else "writer"
        if note.holder_pk == note.writer_pk:
            side = "holder and writer"
        kind = "call" if note.kind == CALL else "put"
        return (
            f"{kind} {self.asset_name(note.asset)} strike {format_amount(note.strike)} "
            f"quantity {format_amount(note.quantity)} expiry {format_time(note.expiry)} "
            f"collateral {format_amount(note.collateral)} ({side})"
        )

    # --- the ledger ----------------------------------------------------------------------

    def _nullifier(self, entry: WalletNote) -> int | None:
        note = entry.note
        if isinstance(note, OptionNote):
            return note.nullifier()
        return cash_nullifier(note.rho, self.sk) if note.owner_pk == self.pk else None

    def _add(self, entry: WalletNote) -> WalletNote:
        for existing in self.notes:
            if existing.id == entry.id and existing.note == entry.note:
                return existing
        self.notes.append(entry)
        return entry

    def sync(self, ledger) -> list[str]:
        """Bring every note up to date with the ledger; return one line per change (see the module docstring)."""
        changes = []
        for entry in list(self.notes):
            if entry.leaf_index is None:
                found = ledger.find_commitment(entry.note.commitment())
                if found is not None:
                    entry.leaf_index, entry.created_in = found
                    changes.append(f"{entry.id} is on the ledger (leaf {entry.leaf_index}, entry {entry.created_in})")
            if entry.leaf_index is not None and entry.spent_in is None:
                nf = self._nullifier(entry)
                seq = ledger.nullifier_seq(nf) if nf is not None else None
                if seq is not None:
                    entry.spent_in = seq
                    changes.append(f"{entry.id} was spent in entry {seq}")
            if entry.type == "option" and entry.spent_in is not None:
                changes += self._discover_settlement(ledger, entry)
        return changes

    def _discover_settlement(self, ledger, entry: WalletNote) -> list[str]:
        option: OptionNote = entry.note
        final = ledger.final_price(option.asset, option.expiry)
        if final is None:
            return []
        changes = []
        for output in option.settlement_notes(final.price):
            if output.owner_pk != self.pk or any(n.note == output for n in self.notes):
                continue
            found = ledger.find_commitment(output.commitment())
            if found is None:
                continue
            new = self._add(WalletNote(output, f"settlement of {entry.id}", *found))
            changes.append(f"{new.id}: {format_amount(output.amount)} from the settlement of {entry.id}")
        return changes

    def import_opening(self, opening: object, ticker: str | None = None) -> tuple[WalletNote, bool]:
        """Add a shared note (an opening from ``wallet open --share`` or ``disclose``); (entry, True if new).

        The note must name this wallet's key (as cash owner, option holder or
        writer). ``ticker``, when given, must be the option's asset.
        """
        from zkopt.audit import parse_opening

        note = parse_opening(opening)
        if not self.owns(note):
            raise WalletError("the note does not name this wallet's public key (as owner, holder or writer)")
        if ticker is not None:
            if not isinstance(note, OptionNote) or asset_id(ticker) != note.asset:
                raise WalletError(f"the note's asset is not {ticker!r}")
            self.assets[note.asset] = ticker
        for existing in self.notes:
            if existing.note == note:
                return existing, False
        entry = WalletNote(note, "imported")
        self.notes.append(entry)
        return entry, True

    def opening(self, prefix: str) -> dict:
        """The JSON opening of one note (``{"type", "note"}``), for a counterparty or an auditor."""
        from zkopt.audit import export_opening

        return export_opening(self.find(prefix).note)

    # --- building and submitting transactions --------------------------------------------------

    def _fresh(self) -> int:
        return self.rng.randrange(1, R)

    def _pick_cash(self, amount: int, what: str) -> WalletNote:
        usable = [
            n for n in self.notes
            if n.type == "cash" and n.status == "unspent" and n.note.owner_pk == self.pk and n.note.amount >= amount
        ]
        if not usable:
            cash = [n for n in self.notes if n.type == "cash" and n.status == "unspent" and n.note.owner_pk == self.pk]
            largest = max((n.note.amount for n in cash), default=0)
            pending = sum(1 for n in self.notes if n.status == "pending")
            hint = ""
            if pending:
                hint = f"; {pending} notes are pending (run `zkopt wallet sync` once their transactions are on the ledger)"
            raise WalletError(
                f"no unspent cash note holds the {what} of {format_amount(amount)} "
                f"(largest: {format_amount(largest)}; a transaction spends one note){hint}"
            )
        return min(usable, key=lambda n: (n.note.amount, n.leaf_index))

    def _prove(self, kind: str, inputs: Mapping, ledger, keys: KeyDir, status: Status) -> Built:
        from zkopt import circuits, r1cs
        from zkopt.groth16 import prove

        if kind not in ledger.genesis.circuits:
            raise WalletError(f"this ledger does not accept {kind} transactions")
        expected = ledger.genesis.circuits[kind]
        pk = keys.proving_key(kind, expected, status)
        witness = r1cs.solve(circuits.build(kind, pk.params), dict(inputs))
        status(f"proving {kind} ({witness.r1cs.n_constraints:,} constraints)")
        start = time.perf_counter()
        proof = prove(pk, witness, self.rng)
        seconds = time.perf_counter() - start
        return Built(kind, list(witness.public), list(expected.public_names), proof, prove_seconds=seconds)

    def _finish(self, built: Built, ledger, submit: bool) -> Outcome:
        """Write the new notes to the wallet file first (pending), then submit; a rejection drops them again."""
        added = [n for n in built.creates if n not in self.notes]
        for entry in added:
            self._add(entry)
        self.save()
        if not submit:
            return Outcome(built)
        try:
            receipt = ledger.submit(built.kind, built.public, built.proof)
        except LedgerRejected:
            self.notes = [n for n in self.notes if n not in added]
            self.save()
            raise
        self.sync(ledger)
        self.save()
        return Outcome(built, receipt)

    def deposit(
        self, ledger, keys: KeyDir, amount: int, *, submit: bool = True, status: Status | None = None
    ) -> Outcome:
        """Prove a deposit of ``amount`` (fixed point) into a new cash note of this wallet."""
        from zkopt.circuits import deposit

        status = status or _quiet
        if amount <= 0:
            raise MalformedInput("a deposit amount must be positive")
        note = CashNote(amount, self.pk, self._fresh())
        built = self._prove("deposit", deposit.inputs(note), ledger, keys, status)
        built.creates = [WalletNote(note, "deposit")]
        return self._finish(built, ledger, submit)

    def open_position(
        self,
        ledger,
        keys: KeyDir,
        *,
        holder_pk: int,
        asset: int,
        kind: int,
        strike: int,
        quantity: int,
        expiry: int,
        collateral: int,
        grid: Sequence[int] | None = None,
        ticker: str | None = None,
        submit: bool = True,
        status: Status | None = None,
    ) -> Outcome:
        """Write an option to ``holder_pk``, locking ``collateral`` from one cash note; margin-checked over the grid.

        The grid is the ledger's, ``ledger.margin_grid(asset)`` (the asset's
        last attested spot x the genesis margin shocks): the only grid the
        ledger accepts. ``grid`` overrides it (tests of the ledger's refusal).
        The wallet checks the margin first (collateral >= the worst loss over
        the grid, ``payoff.margin_ok``) and says where it fails; the circuit
        then proves it. The result's ``tx.grid`` is the grid used and
        ``tx.share`` the option note to hand to the holder (``wallet import``).
        """
        from zkopt.circuits import open_position

        status = status or _quiet
        if kind not in (CALL, PUT):
            raise MalformedInput("kind must be call (0) or put (1)")
        if isinstance(holder_pk, bool) or not isinstance(holder_pk, int) or not 0 <= holder_pk < R:
            raise MalformedInput("the holder's public key must be a field element")
        if quantity <= 0:
            raise MalformedInput("the quantity must be positive")
        if grid is None:
            try:
                grid = ledger.margin_grid(asset)
            except LedgerRejected:
                name = ticker or self.asset_name(asset)
                raise WalletError(
                    f"no attested spot price for {name}: the ledger's margin grid is the last attested spot "
                    "x the genesis shocks, so the oracle must report a spot first"
                ) from None
        grid = list(grid)
        names = ledger.genesis.circuits["open"].public_names if "open" in ledger.genesis.circuits else ()
        size = sum(1 for n in names if n.startswith("grid["))
        if size and len(grid) != size:
            raise MalformedInput(f"this ledger's open circuit takes {size} grid prices, got {len(grid)}")
        worst = payoff.worst_loss(kind, strike, quantity, grid)
        if worst > collateral:
            at = max(grid, key=lambda p: payoff.gross_payout(kind, strike, quantity, p))
            raise WalletError(
                f"margin check fails: collateral {format_amount(collateral)} does not cover the worst loss "
                f"{format_amount(worst)} (at the grid price {format_amount(at)})"
            )
        option = OptionNote(asset, kind, strike, quantity, expiry, collateral, holder_pk, self.pk, self._fresh())
        spent = self._pick_cash(collateral, "collateral")
        rho_change = self._fresh()
        tree = LedgerTree(ledger, spent.leaf_index, spent.note.commitment())
        inputs = open_position.inputs(spent.note, self.sk, tree, spent.leaf_index, option, rho_change, grid)
        built = self._prove("open", inputs, ledger, keys, status)
        change = open_position.change_note(spent.note, option, rho_change)
        built.spends = [spent.id]
        built.creates = [WalletNote(option, "open (writer)"), WalletNote(change, f"change of {spent.id}")]
        built.share = option
        built.grid = grid
        if ticker:
            self.assets[asset] = ticker
        return self._finish(built, ledger, submit)

    def settle(
        self, ledger, keys: KeyDir, prefix: str, *, submit: bool = True, status: Status | None = None
    ) -> Outcome:
        """Settle one option note of this wallet at the attested price of its asset and expiry."""
        from zkopt.circuits import settle

        status = status or _quiet
        entry = self.find(prefix)
        if entry.type != "option":
            raise WalletError(f"note {entry.id} is a cash note; only an option note can be settled")
        if entry.status == "spent":
            raise WalletError(f"option {entry.id} was already settled (entry {entry.spent_in})")
        if entry.status == "pending":
            raise WalletError(f"option {entry.id} is not on the ledger yet (run `zkopt wallet sync`)")
        option: OptionNote = entry.note
        final = ledger.final_price(option.asset, option.expiry)
        if final is None:
            raise WalletError(
                f"no attested price yet for {self.asset_name(option.asset)} at expiry {format_time(option.expiry)}"
            )
        tree = LedgerTree(ledger, entry.leaf_index, option.commitment())
        built = self._prove("settle", settle.inputs(option, tree, entry.leaf_index, final.price), ledger, keys, status)
        built.spends = [entry.id]
        built.creates = [
            WalletNote(out, f"settlement of {entry.id}") for out in option.settlement_notes(final.price)
            if out.owner_pk == self.pk
        ]
        return self._finish(built, ledger, submit)

    def withdraw(
        self,
        ledger,
        keys: KeyDir,
        amount: int,
        recipient: int,
        *,
        submit: bool = True,
        status: Status | None = None,
    ) -> Outcome:
        """Pay ``amount`` out of the pool to ``recipient`` from one cash note; the change stays in a new note."""
        from zkopt.circuits import withdraw

        status = status or _quiet
        if amount <= 0:
            raise MalformedInput("a withdrawal amount must be positive")
        if isinstance(recipient, bool) or not isinstance(recipient, int) or not 0 <= recipient < R:
            raise MalformedInput("the recipient must be a field element")
        spent = self._pick_cash(amount, "withdrawal")
        rho_change = self._fresh()
        tree = LedgerTree(ledger, spent.leaf_index, spent.note.commitment())
        inputs = withdraw.inputs(spent.note, self.sk, tree, spent.leaf_index, amount, recipient, rho_change)
        built = self._prove("withdraw", inputs, ledger, keys, status)
        built.spends = [spent.id]
        built.creates = [WalletNote(withdraw.change_note(spent.note, amount, rho_change), f"change of {spent.id}")]
        return self._finish(built, ledger, submit)


# --- oracle key files and committee lists ------------------------------------------------------


def write_oracle_key(path: str | os.PathLike, private_key) -> bytes:
    """Write a new member key file (owner-only; refuses to overwrite) and return the raw public key."""
    from zkopt.ledger import oracle

    public = oracle.public_key_bytes(private_key)
    obj = {
        "format": ORACLE_KEY_FORMAT,
        "private_key": oracle.private_key_bytes(private_key).hex(),
        "public_key": public.hex(),
    }
    write_new(path, json.dumps(obj, indent=1) + "\n", 0o600)
    return public


def read_oracle_key(path: str | os.PathLike):
    """A member's private key from its key file; MalformedInput when the file is not one."""
    from zkopt.ledger import oracle

    obj = read_json(path, "oracle key")
    try:
        if not isinstance(obj, dict) or obj.get("format") != ORACLE_KEY_FORMAT:
            raise ValueError(f"not a zkopt oracle key file ({ORACLE_KEY_FORMAT})")
        key = oracle.load_private_key(bytes.fromhex(obj["private_key"]))
        if oracle.public_key_bytes(key).hex() != obj.get("public_key"):
            raise ValueError("the public key does not belong to the private key")
    except (KeyError, TypeError, ValueError, MalformedInput) as exc:
        raise MalformedInput(f"oracle key {path}: {exc}") from None
    return key


def read_committee(path: str | os.PathLike) -> tuple[list[bytes], int | None]:
    """(member public keys, threshold or None) from a committee file."""
    from zkopt.ledger import oracle

    obj = read_json(path, "committee")
    if isinstance(obj, list):
        obj = {"members": obj}
    if not isinstance(obj, dict) or not isinstance(obj.get("members"), list):
        raise MalformedInput(f'committee {path}: expected {{"members": ["<hex public key>", ...]}}')
    members = []
    for i, text in enumerate(obj["members"]):
        try:
            raw = bytes.fromhex(text)
        except (TypeError, ValueError):
            raise MalformedInput(f"committee {path}: member {i} is not a hex public key") from None
        members.append(oracle.check_public_key(raw, f"committee member {i}"))
    threshold = obj.get("threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int)):
        raise MalformedInput(f"committee {path}: threshold must be an integer")
    return members, threshold


def add_to_committee(path: str | os.PathLike, public: bytes) -> int:
    """Append a member's public key to a committee file (created if missing); return the member count."""
    path = Path(path)
    members, threshold = read_committee(path) if path.exists() else ([], None)
    if public in members:
        raise MalformedInput(f"{path} already lists this key")
    members.append(public)
    obj: dict = {"members": [m.hex() for m in members]}
    if threshold is not None:
        obj["threshold"] = threshold
    write_json_atomic(path, obj, 0o644)
    return len(members)


def read_attestations(paths: Sequence[str | os.PathLike]) -> list:
    """Signed observations from files: each an attestation, a list of them, or {"attestations": [...]}."""
    from zkopt.ledger import Attestation

    out = []
    for path in paths:
        obj = read_json(path, "observation")
        items = obj.get("attestations") if isinstance(obj, dict) and "attestations" in obj else obj
        items = items if isinstance(items, list) else [items]
        for item in items:
            try:
                out.append(Attestation.from_json(item))
            except MalformedInput as exc:
                raise MalformedInput(f"{path}: {exc}") from None
    return out


__all__ = [
    "DECIMALS",
    "TX_KINDS",
    "Built",
    "KeyDir",
    "KeyInfo",
    "LedgerTree",
    "Outcome",
    "Wallet",
    "WalletError",
    "WalletNote",
    "add_to_committee",
    "asset_id",
    "circuit_params",
    "format_amount",
    "format_time",
    "note_id",
    "parse_amount",
    "parse_field",
    "parse_recipient",
    "parse_time",
    "read_attestations",
    "read_committee",
    "read_json",
    "read_oracle_key",
    "short",
    "write_atomic",
    "write_json_atomic",
    "write_new",
    "write_oracle_key",
]
