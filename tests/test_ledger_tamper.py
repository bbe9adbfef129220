"""One flipped byte anywhere in a ledger file: a finding, exit 2, or harmless, and never "OK" on a damaged file.

A small ledger (the scripted scenario, stand-in circuits) is checkpointed
into one file; a seeded sample of its bytes is flipped, one per copy. For
each copy: the auditor never raises and never reports OK while SQLite's
integrity check or the uniqueness recount fails; `zkopt ledger check`,
`ledger show` and `audit` exit 0, 1 or 2 with no traceback; and a copy that
audits OK has the scenario's head hash (the flip was in unused space).
`benchmarks/tamper_ledger.py` flips every byte, for the long run.
"""

from __future__ import annotations

import random
import sqlite3

import pytest

from tests.cli_fixtures import invoke
from tests.ledger_fixtures import World, run_scenario
from zkopt.audit import audit
from zkopt.ledger import schema
from zkopt.ledger.integrity import check_file, sqlite_problems

FLIPS = 300


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("tamper") / "ledger.db"
    world = World(path, random.Random(31))
    run_scenario(world)
    head = world.ledger.state().head_hash
    world.ledger.checkpoint()
    world.ledger.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file: nothing left in a WAL
    conn.close()
    return path.read_bytes(), head


def _integrity_fails(path) -> bool:
    conn = schema.connect(path, "ro")
    try:
        return bool(sqlite_problems(conn))
    except sqlite3.DatabaseError:
        return True
    finally:
        conn.close()


def test_every_sampled_flip_is_caught_or_harmless(pristine, tmp_path):
    data, head = pristine
    positions = sorted(random.Random(2026).sample(range(len(data)), FLIPS))
    caught = harmless = 0
    for i, position in enumerate(positions):
        path = tmp_path / f"flip-{position}.db"
        damaged = bytearray(data)
        damaged[position] ^= 1 << (position % 8)
        path.write_bytes(bytes(damaged))
        report = audit(path, rng=random.Random(position))  # must not raise, whatever the damage
        if report.ok:
            assert not _integrity_fails(path), f"byte {position}: audit OK on a file that fails integrity_check"
            assert check_file(path) == [], f"byte {position}: audit OK but ledger check finds problems"
            assert report.head_hash == head, f"byte {position}: audit OK with another head"
            harmless += 1
        else:
            caught += 1
        if i % 10 == 0:  # the commands too, on a tenth of the copies (each starts the CLI machinery)
            for args in (("ledger", "check"), ("ledger", "show"), ("audit",)):
                result = invoke(*args, "--db", path)
                assert result.exit_code in (0, 1, 2), (position, args, result.output)
                assert "Traceback" not in result.output and result.exception is None or isinstance(
                    result.exception, SystemExit
                ), (position, args, result.exception)
        path.unlink()
    # Most of a small file is free space inside its pages; the sample still hits the data many times.
    assert caught + harmless == FLIPS and caught >= 40, (caught, harmless)
