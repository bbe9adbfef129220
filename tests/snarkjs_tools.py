"""Running the real snarkjs and circom2 from tools/interop: a command that must succeed, and a circom circuit proved.

``circom_groth16`` takes a fixture circuit of tests/interop through the
snarkjs flow a circom user runs: a powers-of-tau with one contribution, a
zkey with one contribution (an uncontributed setup has trivial secrets and
accepts anything), the verification key, a witness and a proof.
``shared_circom_groth16`` does it once per test process for every module
that only reads the files (one directory, one ptau for all circuits).
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "interop"


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def ok(cmd: list[str], cwd: Path) -> str:
    """Run ``cmd`` in ``cwd``; its stdout, or AssertionError with the tail of its output."""
    done = run(cmd, cwd)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd[:4])} failed: {done.stdout[-800:]} {done.stderr[-800:]}")
    return done.stdout


@dataclass(frozen=True)
class CircomProof:
    """The files of one circom circuit proved with snarkjs."""

    zkey: Path
    vk: Path
    public: Path
    proof: Path


def circom_groth16(node_tools, work: Path, name: str, inputs: dict, power: int = 5) -> CircomProof:
    """Compile tests/interop/NAME.circom, set it up with snarkjs (ptau of 2^power, made once per ``work``), prove."""
    sj = node_tools.snarkjs()
    if not (work / "pot.ptau").exists():
        ok([*sj, "powersoftau", "new", "bn128", str(power), "pot0.ptau"], work)
        ok([*sj, "powersoftau", "contribute", "pot0.ptau", "pot1.ptau", "-e=zkopt interop entropy"], work)
        ok([*sj, "powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau"], work)
    shutil.copy(FIXTURES / f"{name}.circom", work)
    ok([*node_tools.circom(), f"{name}.circom", "--r1cs", "--wasm", "-o", "."], work)
    (work / f"{name}_input.json").write_text(json.dumps(inputs))
    ok([*sj, "wtns", "calculate", f"{name}_js/{name}.wasm", f"{name}_input.json", f"{name}.wtns"], work)
    ok([*sj, "groth16", "setup", f"{name}.r1cs", "pot.ptau", f"{name}_0.zkey"], work)
    ok([*sj, "zkey", "contribute", f"{name}_0.zkey", f"{name}.zkey", "-e=zkopt zkey entropy"], work)
    ok([*sj, "zkey", "export", "verificationkey", f"{name}.zkey", f"{name}_vk.json"], work)
    ok([*sj, "groth16", "prove", f"{name}.zkey", f"{name}.wtns", f"{name}_proof.json", f"{name}_public.json"], work)
    return CircomProof(
        zkey=work / f"{name}.zkey",
        vk=work / f"{name}_vk.json",
        public=work / f"{name}_public.json",
        proof=work / f"{name}_proof.json",
    )


@functools.lru_cache(maxsize=None)
def _shared_work() -> Path:
    path = Path(tempfile.mkdtemp(prefix="zkopt-snarkjs-"))
    atexit.register(shutil.rmtree, path, True)
    return path


_SHARED: dict[str, tuple[str, CircomProof]] = {}


def shared_circom_groth16(node_tools, name: str, inputs: dict) -> CircomProof:
    """``circom_groth16`` of ``name`` on ``inputs``, made once per test process (its files must only be read)."""
    wanted = json.dumps(inputs, sort_keys=True)
    if name not in _SHARED:
        _SHARED[name] = (wanted, circom_groth16(node_tools, _shared_work(), name, inputs))
    made_for, made = _SHARED[name]
    if made_for != wanted:
        raise ValueError(f"{name} was proved on {made_for}, not {wanted}: its files are shared")
    return made
