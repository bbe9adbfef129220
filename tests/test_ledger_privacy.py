"""Privacy: after the scenario, no private value is anywhere in the ledger's files (main, WAL, shared memory), nor in
any row of a PostgreSQL ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger_fixtures import DEPOSIT, World, pg_dump, run_scenario


def encodings(value: int) -> list[bytes]:
    found = [str(value).encode(), value.to_bytes(32, "big"), value.to_bytes(32, "little")]
    if value < 2**64:
        found += [value.to_bytes(8, "big"), value.to_bytes(8, "little")]
    return found


def ledger_bytes(path: Path) -> bytes:
    parts = [Path(str(path) + suffix) for suffix in ("", "-wal", "-shm")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def occurrences(data: bytes, values: dict) -> list[str]:
    return [name for name, value in values.items() for enc in encodings(value) if enc in data]


def test_no_private_value_is_in_the_ledger_files(tmp_path, rng):
    world = World(tmp_path / "ledger.db", rng)
    scenario = run_scenario(world)
    secrets = scenario.secrets
    assert not set(secrets.values()) & scenario.public_values, "private and public values must differ"
    assert all(v > 10**8 for v in secrets.values()), "private values must be distinctive enough to search for"
    assert Path(str(world.path) + "-wal").exists()
    # While the ledger is open (pages in the WAL) and after it is closed (folded into the main file).
    assert occurrences(ledger_bytes(world.path), secrets) == []
    world.ledger.close()
    data = ledger_bytes(world.path)
    assert occurrences(data, secrets) == []

    # Twin: the same search does find what is public (so it would find a leak).
    public = {
        "deposit amount": DEPOSIT,
        "option commitment": scenario.notes["option"].commitment(),
        "settlement price": scenario.receipts["price"].price,
    }
    assert sorted(set(occurrences(data, public))) == sorted(public)


@pytest.mark.postgres
def test_no_private_value_is_in_a_postgresql_ledgers_rows(pg_url, rng):
    world = World(pg_url, rng)
    scenario = run_scenario(world)
    world.ledger.close()
    values = [v for _, rows in pg_dump(pg_url) for row in rows for v in row]
    data = b"\x00".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in values)
    assert occurrences(data, scenario.secrets) == []
    public = {"deposit amount": DEPOSIT, "option commitment": scenario.notes["option"].commitment()}
    assert sorted(set(occurrences(data, public))) == sorted(public)
