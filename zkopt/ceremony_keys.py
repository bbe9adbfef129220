"""Keys from a multi-party setup for a ledger: verify the circuits' transcripts, install the keys, re-audit them.

A *ceremony directory* holds one prepared ``.ptau`` (phase 1) and
``KIND.zkey`` for deposit, open, settle and withdraw: the final key of each
circuit's phase 2, made for the ledger's tree depth (``zkopt zkey new settle
pot.ptau settle_0.zkey --param depth=20``, contributions, a beacon).

``install`` verifies phase 1 once and every circuit's phase 2 against zkopt's
own circuit at that depth (the transcript, the key against the circuit and
the ptau), then writes the proving keys into a key directory with each
circuit's transcript hash in its manifest; ``zkopt ledger init`` records the
hashes in the genesis. ``check`` is the auditor's side: the same verification
of a ceremony directory against the hashes and keys a ledger's genesis holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from zkopt.errors import InvalidTranscript, MalformedInput, MalformedKey
from zkopt.keydir import TX_KINDS, KeyDir, KeyInfo, Status, circuit_params

@dataclass(frozen=True)
class Verified:
    """One circuit's ceremony, checked: its final key and the verifier's report."""

    kind: str
    key: object     # zkopt.groth16.zkey.ZKey
    report: object  # zkopt.ceremony.phase2.Report
    shape: object   # zkopt.r1cs.R1CS


def _find_ptau(directory: Path) -> Path:
    found = sorted(Path(directory).glob("*.ptau"))
    if len(found) != 1:
        raise MalformedInput(f"{directory} must hold exactly one .ptau (the prepared phase 1), found {len(found)}")
    return found[0]


def _read(directory: Path, kinds: tuple[str, ...]) -> tuple[Path, dict]:
    """The ptau path and each kind's zkey (read, its contribution records checked): the cheap checks first."""
    from zkopt.ceremony import phase2
    from zkopt.groth16 import zkey

    if not directory.is_dir():
        raise MalformedInput(f"no ceremony directory at {directory}")
    pot_path = _find_ptau(directory)
    keys = {}
    for kind in kinds:
        path = directory / f"{kind}.zkey"
        if not path.is_file():
            raise MalformedInput(f"{directory} has no {kind}.zkey")
        key = zkey.read(path)
        try:
            if not phase2.check_chain(key):
                raise InvalidTranscript("it has no contribution: anyone could forge its proofs")
        except InvalidTranscript as exc:
            raise InvalidTranscript(f"{kind}.zkey: {exc}", exc.contribution) from None
        keys[kind] = key
    return pot_path, keys


def verify(directory: str | Path, depth: int, status: Status | None = None, *, grid: int = 8,
           kinds: tuple[str, ...] = TX_KINDS) -> dict[str, Verified]:
    """Verify phase 1 and the circuits' phase 2 in ``directory`` for a ledger of tree depth ``depth`` (and ``grid``
    margin prices)."""
    from zkopt import circuits, r1cs
    from zkopt.ceremony import phase1, phase2, ptau

    say = status or (lambda _message: None)
    directory = Path(directory)
    pot_path, keys = _read(directory, kinds)
    say(f"verifying phase 1 ({pot_path.name})")
    pot = ptau.read(pot_path)
    try:
        phase1.verify(pot, say)
    except InvalidTranscript as exc:
        raise InvalidTranscript(f"{pot_path.name}: {exc}", exc.contribution) from None
    out = {}
    for kind, key in keys.items():
        shape = r1cs.compile(circuits.build(kind, circuit_params(kind, depth, grid)))
        say(f"verifying the {kind} transcript ({shape.n_constraints:,} constraints)")
        try:
            report = phase2.verify(key, shape, pot, say)
        except InvalidTranscript as exc:
            raise InvalidTranscript(f"{kind}.zkey: {exc}", exc.contribution) from None
        out[kind] = Verified(kind, key, report, shape)
    return out


def install(directory: str | Path, keys: KeyDir, depth: int, status: Status | None = None, *, grid: int = 8,
            replace: bool = False, kinds: tuple[str, ...] = TX_KINDS) -> dict[str, KeyInfo]:
    """Verify the ceremony and write its keys into ``keys``; returns each circuit's ledger entry.

    A key directory that already holds other keys is refused (MalformedKey)
    unless ``replace`` is set; installing the same ceremony again is fine.
    """
    import time

    from zkopt.groth16 import snarkjs

    held = {} if replace else keys.manifest()
    for kind, key in _read(Path(directory), kinds)[1].items():
        vk_text = snarkjs.dumps(snarkjs.vk_to_json(key.verifying_key()))
        recorded = held.get(kind)
        if recorded is not None and recorded.get("vk_sha256") != hashlib.sha256(vk_text.encode()).hexdigest():
            raise MalformedKey(f"{keys.path} holds other {kind} keys; use an empty --keys directory")
    verified = verify(directory, depth, status, grid=grid, kinds=kinds)
    keys.path.mkdir(parents=True, exist_ok=True)
    manifest: dict = {}
    out = {}
    for kind, v in verified.items():
        start = time.perf_counter()
        pk = v.key.to_proving_key(v.shape.name, v.shape.params, v.shape.digest())
        entry = keys.install(kind, pk, v.shape, manifest, v.report.transcript_hash)
        out[kind] = KeyInfo(kind, entry, v.shape.n_constraints, True, time.perf_counter() - start)
    return out


def check(directory: str | Path, db: str | Path, status: Status | None = None) -> list:
    """The auditor's check of a ledger's setup: its genesis's transcript hashes and keys against ``directory``.

    Returns findings (``zkopt.audit.Finding``, entry 0, check "setup"); none
    when every circuit's key comes from a valid transcript in the directory
    whose hash the genesis records. Unusable files raise MalformedInput.
    """
    from zkopt.audit import Finding
    from zkopt.ledger import schema
    from zkopt.ledger.store import read_genesis

    try:
        conn = schema.connect(db, "ro")
        try:
            genesis, _ = read_genesis(conn)
        finally:
            conn.close()
    except schema.DAMAGE as exc:
        raise MalformedInput(f"the ledger file cannot be read: {exc}") from None
    findings = []
    recorded = tuple(k for k in TX_KINDS if k in genesis.circuits and genesis.circuits[k].transcript_hash is not None)
    for kind in TX_KINDS:
        if kind in genesis.circuits and kind not in recorded:
            findings.append(Finding(0, "setup", f"the {kind} key comes from a single-party setup "
                                                "(no transcript recorded)"))
    if not recorded:
        return findings
    try:
        verified = verify(directory, genesis.tree_depth, status, grid=len(genesis.margin_shocks), kinds=recorded)
    except InvalidTranscript as exc:  # unusable files (MalformedInput) are the caller's exit 2
        return findings + [Finding(0, "setup", str(exc))]
    for kind, v in verified.items():
        entry = genesis.circuits[kind]
        if entry.transcript_hash != v.report.transcript_hash:
            findings.append(Finding(0, "setup", f"the {kind} transcript in {directory} is not the one the genesis "
                                                "records"))
        if entry.verifying_key() != v.key.verifying_key():
            findings.append(Finding(0, "setup", f"{kind}.zkey's verification key is not the ledger's"))
    return findings

