"""Running a node.js script against the npm packages in a node_modules directory (solc-js, @ethereumjs/evm).

The scripts are short CommonJS programs kept in the Python modules that use
them; they read one JSON document on stdin and print one on stdout. Packages
resolve through NODE_PATH, so no file is written next to node_modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from zkopt.errors import ZkoptError


class NodeToolError(ZkoptError):
    """node or an npm package is missing, or a script failed; the message is one line."""


def run_script(script: str, request: object, node_modules: str | os.PathLike, *, timeout: float = 300) -> object:
    """Run ``script`` with ``request`` as JSON on stdin; return the JSON it prints. Raises NodeToolError."""
    node = shutil.which("node")
    if node is None:
        raise NodeToolError("node is not installed")
    modules = Path(node_modules)
    if not modules.is_dir():
        raise NodeToolError(f"no node_modules directory at {modules} (run `npm ci --prefix tools/interop`)")
    env = {**os.environ, "NODE_PATH": str(modules.resolve())}
    try:
        done = subprocess.run(
            [node, "-e", script], input=json.dumps(request), capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        raise NodeToolError(f"node script did not finish in {timeout:.0f} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = next((line for line in lines if "Error" in line), lines[-1] if lines else f"exit {done.returncode}")
        raise NodeToolError(f"node script failed: {reason.strip()}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise NodeToolError(f"node script printed no JSON: {done.stdout[:200]!r}") from None
