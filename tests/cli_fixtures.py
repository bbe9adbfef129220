"""Shared by the CLI, wallet, scenario, demo and example tests: one set of depth-4 keys and CLI runners.

``shared_keys()`` runs the four setups once per test process (seeded, so a
rerun makes the same keys) into a temporary directory; every test that needs
real keys copies or reads that directory instead of running its own setup.
"""

from __future__ import annotations

import atexit
import functools
import random
import shutil
import tempfile
import time
from pathlib import Path

from zkopt.keydir import KeyDir

DEPTH = 4
SEED = 2026_06
#: An expiry a month away, for openings a test never settles (the ledger refuses an expiry not after its clock).
FUTURE = int(time.time()) + 30 * 86_400


def short_expiry(seconds: int = 7) -> int:
    """An expiry ``seconds`` from now: an open made right away is accepted, and after ``wait_until`` it settles.

    An open at depth 4 (prove and submit, from the command line) takes about a second here; seven seconds leave
    room for a loaded machine, and every second more is a second each caller sleeps in ``wait_until``.
    """
    return int(time.time()) + seconds


def wait_until(t: int) -> None:
    """Sleep until the real clock, read as the ledger and ``oracle sign`` read it (whole seconds), reaches ``t``."""
    while int(time.time()) < t:
        time.sleep(0.1)

@functools.lru_cache(maxsize=None)
def shared_keys() -> Path:
    """A key directory with the four transaction circuits at depth 4 (made once per process, removed at exit)."""
    path = Path(tempfile.mkdtemp(prefix="zkopt-test-keys-"))
    atexit.register(shutil.rmtree, path, True)
    KeyDir(path).ensure(DEPTH, rng=random.Random(SEED))
    return path


def copy_keys(target: Path) -> Path:
    """A private copy of the shared keys (for tests that may change or rebuild them)."""
    shutil.copytree(shared_keys(), target)
    return target


def invoke(*args):
    """Run ``zkopt ARGS`` in-process (click's runner); stdout and stderr are kept apart."""
    from click.testing import CliRunner

    from zkopt.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def ok(*args):
    """Run a command that must succeed; return its result."""
    result = invoke(*args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    assert "Traceback" not in result.output
    return result


def fails(code: int, fragment: str, *args):
    """Run a command that must fail with ``code`` and exactly one line on stderr containing ``fragment``."""
    result = invoke(*args)
    assert result.exit_code == code, f"{args}: exit {result.exit_code}: {result.output}"
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0], lines[0]
    return result
