"""Key directories: one Groth16 key pair per transaction circuit, made once and refused when stale.

``KeyDir(path)`` holds ``<kind>/proving_key.zkpk`` and
``<kind>/verification_key.json`` per transaction circuit (the layout
``zkopt setup`` writes), and ``keys.json``, which records each circuit's
parameters and constraint-system digest so that keys made for another depth
or another version of a circuit are refused instead of producing proofs the
ledger rejects. ``ensure`` makes missing keys by a single-party setup: fine
for tests and demos, unsafe for real value. ``install`` writes keys from a
multi-party ceremony (``zkopt.ceremony_keys``), whose transcript hash the
manifest keeps. Proving keys are cached per process (reading one re-checks
every point).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zkopt.errors import MalformedInput, MalformedKey, shown
from zkopt.files import (
    parse_json,
    read_bytes,
    read_json,
    write_atomic,
    write_json_atomic,
)

if TYPE_CHECKING:
    from zkopt.groth16 import ProvingKey
    from zkopt.ledger import CircuitEntry

#: The transaction circuits, in the order a market uses them.
TX_KINDS = ("deposit", "open", "settle", "withdraw", "transfer")

KEYS_FORMAT = "zkopt-keys/v1"

#: A progress callback: one line per step.
Status = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def circuit_params(kind: str, depth: int, grid: int = 8) -> dict[str, int]:
    """The circuit parameters of transaction ``kind`` for a ledger of tree depth ``depth`` and ``grid`` margin prices."""
    if kind == "deposit":
        return {}
    if kind == "open":
        return {"depth": depth, "grid": grid}
    if kind in ("settle", "withdraw", "transfer"):
        return {"depth": depth}
    raise MalformedInput(f"unknown transaction kind {shown(kind)}; known: {', '.join(TX_KINDS)}")


@dataclass(frozen=True)
class KeyInfo:
    """One circuit of a key directory: its ledger entry, its size, whether this call made it, and how long that took."""

    kind: str
    entry: CircuitEntry
    constraints: int
    created: bool
    seconds: float


# Proving keys by (resolved path, mtime, size, inode): reading a key re-checks every point and
# costs seconds, and one process (the tests, the demo) often needs the same key again.
_PK_CACHE: dict[tuple, ProvingKey] = {}
_PK_CACHE_SIZE = 8


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size, st.st_ino)


def _remember(key: tuple, pk) -> None:
    if len(_PK_CACHE) >= _PK_CACHE_SIZE:
        _PK_CACHE.pop(next(iter(_PK_CACHE)))
    _PK_CACHE[key] = pk


class KeyDir:
    """A directory of Groth16 keys for the transaction circuits at one tree depth (see the module docstring)."""

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
        grid: int = 8,
        rebuild: bool = False,
        rng=None,
        status: Status | None = None,
    ) -> dict[str, KeyInfo]:
        """Load the circuits' keys at ``depth`` (open with ``grid`` prices), running a setup for each one missing.

        The setup is single-party. ``grid`` is the number of the genesis's
        margin shocks (8 by default, 16 for the finer grid). Keys recorded for
        other parameters or another version of a circuit raise MalformedKey,
        unless ``rebuild`` is set (then they are replaced).
        ``rng`` drives the setup (default: the OS's CSPRNG).
        """
        from zkopt import circuits, r1cs
        from zkopt.circuits.open_position import MIN_GRID
        from zkopt.groth16 import setup as groth16_setup

        status = status or _quiet
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 32:
            raise MalformedInput(f"tree depth must be an integer in [1, 32], got {depth!r}")
        if isinstance(grid, bool) or not isinstance(grid, int) or grid < MIN_GRID:
            raise MalformedInput(f"the open circuit needs at least {MIN_GRID} grid prices (margin shocks), got {grid!r}")
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            manifest = dict(self.manifest())
        except MalformedInput:
            if not rebuild:
                raise
            manifest = {}
        out: dict[str, KeyInfo] = {}
        for kind in TX_KINDS:
            params = circuit_params(kind, depth, grid)
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
        from zkopt.groth16 import proving_key_file, snarkjs
        from zkopt.ledger import CircuitEntry

        manifest = dict(self.manifest()) if manifest is None else manifest
        (self.path / kind).mkdir(parents=True, exist_ok=True)
        write_atomic(self.pk_path(kind), proving_key_file.dumps(pk), 0o644)
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

        vk_bytes = read_bytes(self.vk_path(kind), "verification key", MalformedKey)
        if hashlib.sha256(vk_bytes).hexdigest() != recorded.get("vk_sha256"):
            if raise_:
                raise MalformedKey(f"{self.vk_path(kind)} does not match the key manifest {self.manifest_path}")
            return None
        vk = snarkjs.vk_from_json(parse_json(vk_bytes, f"verification key {self.vk_path(kind)}", MalformedKey))
        transcript = recorded.get("transcript_hash")
        try:
            transcript_hash = bytes.fromhex(transcript) if transcript is not None else None
        except (TypeError, ValueError):
            raise MalformedKey(f"{self.manifest_path}: the {kind} transcript hash is not hex") from None
        return CircuitEntry(snarkjs.dumps(snarkjs.vk_to_json(vk)), tuple(public_names), transcript_hash)

    def proving_key(self, kind: str, expected=None, status: Status | None = None):
        """The proving key of ``kind``; with ``expected`` (the ledger's CircuitEntry) its key must match it."""
        from zkopt.groth16 import proving_key_file
        from zkopt.ledger import CircuitEntry

        path = self.pk_path(kind)
        if not path.exists():
            raise MalformedKey(f"no {kind} proving key in {self.path} (expected {path}); run `zkopt ledger init`")
        key = _stat_key(path)
        pk = _PK_CACHE.get(key)
        if pk is None:
            (status or _quiet)(f"loading the {kind} proving key")
            pk = proving_key_file.read(path)
            _remember(key, pk)
        if pk.circuit != kind:
            raise MalformedKey(f"{path} is a proving key for {pk.circuit}, not {kind}")
        if expected is not None:
            mine = CircuitEntry.from_vk(pk.vk, expected.public_names)
            if mine.vk_sha256 != expected.vk_sha256:
                raise MalformedKey(f"the {kind} key in {self.path} is not the one this ledger was created with")
        return pk
