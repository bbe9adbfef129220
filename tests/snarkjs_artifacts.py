"""A small ceremony run by the real snarkjs once per test session: .ptau, .r1cs, .wtns, .zkey files to read.

Power 5 (32 QAP rows) and the two_public circom fixture keep it to a few
seconds. Tests get the paths through ``snarkjs_files(node_tools)``; the
directory is removed at exit. Every command runs the real CLI from
tools/interop, so the files are exactly what snarkjs 0.7.x writes.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "interop"
POWER = 5
BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def ok(cmd: list[str], cwd: Path) -> str:
    done = run(cmd, cwd)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd[1:5]))} failed: {done.stdout[-800:]} {done.stderr[-800:]}")
    return done.stdout


@dataclass
class SnarkjsFiles:
    dir: Path
    ptau_new: Path        # powersoftau new
    ptau_1: Path          # + one contribution
    ptau_beacon: Path     # + a beacon
    ptau_final: Path      # prepared for phase 2
    r1cs: Path            # two_public.circom compiled
    wasm: Path
    input: Path
    wtns: Path
    zkey_0: Path          # zkey new
    zkey_1: Path          # + one contribution
    zkey_final: Path      # + a beacon
    vk: Path
    proof: Path
    public: Path


_CACHE: dict[str, SnarkjsFiles] = {}


def snarkjs_files(node_tools) -> SnarkjsFiles:
    if "files" in _CACHE:
        return _CACHE["files"]
    work = Path(tempfile.mkdtemp(prefix="zkopt-snarkjs-"))
    atexit.register(shutil.rmtree, work, True)
    sj = node_tools.snarkjs()
    ok([*sj, "powersoftau", "new", "bn128", str(POWER), "pot_0.ptau"], work)
    ok([*sj, "powersoftau", "contribute", "pot_0.ptau", "pot_1.ptau", "--name=alice", "-e=snarkjs entropy"], work)
    ok([*sj, "powersoftau", "beacon", "pot_1.ptau", "pot_beacon.ptau", BEACON, "10", "-n=final beacon"], work)
    ok([*sj, "powersoftau", "prepare", "phase2", "pot_beacon.ptau", "pot_final.ptau"], work)
    shutil.copy(FIXTURES / "two_public.circom", work)
    ok([*node_tools.circom(), "two_public.circom", "--r1cs", "--wasm", "-o", "."], work)
    (work / "input.json").write_text(json.dumps({"a": "5", "b": "7", "x": "11"}))
    ok([*sj, "wtns", "calculate", "two_public_js/two_public.wasm", "input.json", "two_public.wtns"], work)
    ok([*sj, "zkey", "new", "two_public.r1cs", "pot_final.ptau", "tp_0.zkey"], work)
    ok([*sj, "zkey", "contribute", "tp_0.zkey", "tp_1.zkey", "--name=bob", "-e=zkey entropy"], work)
    ok([*sj, "zkey", "beacon", "tp_1.zkey", "tp_final.zkey", BEACON, "10", "-n=zkey beacon"], work)
    ok([*sj, "zkey", "export", "verificationkey", "tp_final.zkey", "vk.json"], work)
    ok([*sj, "groth16", "prove", "tp_final.zkey", "two_public.wtns", "proof.json", "public.json"], work)
    files = SnarkjsFiles(
        work, work / "pot_0.ptau", work / "pot_1.ptau", work / "pot_beacon.ptau", work / "pot_final.ptau",
        work / "two_public.r1cs", work / "two_public_js" / "two_public.wasm", work / "input.json",
        work / "two_public.wtns", work / "tp_0.zkey", work / "tp_1.zkey", work / "tp_final.zkey",
        work / "vk.json", work / "proof.json", work / "public.json",
    )
    _CACHE["files"] = files
    return files
