"""A ledger server for tests: ``zkopt ledger serve`` in its own process on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def served(db: Path, log: Path | None = None):
    """Serve ``db``; yield its URL; stop the server (SIGTERM) on exit. Its access log goes to ``log``."""
    err = open(log or os.devnull, "w")
    process = subprocess.Popen([sys.executable, "-m", "zkopt.cli", "ledger", "serve", "--db", str(db), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+)", line)
        if not match:
            process.kill()
            raise RuntimeError(f"the ledger server did not start: {line!r}")
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        err.close()
