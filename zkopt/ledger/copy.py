"""Copying a ledger into a new store, row for row: ``zkopt ledger migrate`` (SQLite to PostgreSQL, or back), and the
SQLite snapshot a server of a PostgreSQL ledger hands to an auditor.

Every stored byte is copied as it is (the log, the entries' content, the
derived state), so the copy has the same genesis hash and head hash, and its
audit replays exactly what the source holds. The source is read in one
snapshot while it may keep taking entries; the target is made and filled in
one transaction (both engines' DDL is transactional), so a failed copy
leaves no half ledger behind: a new file is removed, a PostgreSQL database is
left empty.
"""

from __future__ import annotations

from pathlib import Path

from zkopt.errors import MalformedInput
from zkopt.ledger import database, schema
from zkopt.ledger.store import Ledger, LedgerState

#: Every table of the schema, each after the tables its rows refer to.
TABLES = (
    "genesis",
    "circuits",
    "oracle_members",
    "log",
    "transactions",
    "price_reports",
    "price_signatures",
    "encrypted_notes",
    "nullifiers",
    "leaves",
    "tree_nodes",
    "roots",
    "ledger_state",
)

_ROWS_AT_ONCE = 2000


def _name(location) -> str:
    return database.shown_url(location) if database.is_url(location) else str(location)


def _new_store(target):
    """A connection to an empty target (a file that did not exist, or a database without tables)."""
    if not database.is_url(target):
        path = Path(target)
        if path.exists():
            raise MalformedInput(f"{path} already exists; a ledger is copied only into a new file")
        return schema.connect(path, "rwc")
    conn = database.connect_postgres(target)
    if database.user_tables(conn):
        conn.close()
        raise MalformedInput(f"the database {database.shown_url(target)} is not empty; copy into a new one")
    return conn


def copy_ledger(source, target) -> LedgerState:
    """Copy the ledger at ``source`` into ``target`` (a path or a ``postgresql://`` URL each); the copy's state.

    The source is opened as a ledger first (so a damaged one is refused, and
    an older file is migrated); the copy is opened as one afterwards and must
    have the source's head, else MalformedInput.
    """
    with Ledger.open(source):
        pass
    src = schema.connect(source, "ro")
    try:
        dst = _new_store(target)
    except BaseException:
        src.close()
        raise
    created = not database.is_url(target)
    try:
        database.begin_read(src)
        head = schema.read_state(src)
        database.begin_migration(dst)
        try:
            for step in schema.MIGRATIONS:
                for statement in step.statements:
                    dst.execute(statement)
            database.set_schema_version(dst, schema.SCHEMA_VERSION)
            for table in TABLES:
                _copy_table(src, dst, table)
            dst.execute("COMMIT")
        except BaseException:
            if dst.in_transaction:
                dst.execute("ROLLBACK")
            raise
        src.execute("COMMIT")
    except database.DAMAGE as exc:
        raise MalformedInput(f"the ledger could not be copied to {_name(target)}: {exc}") from None
    finally:
        src.close()
        dst.close()
        if created and not _committed(target):
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
    with Ledger.open(target) as copy:
        state = copy.state()
    if (state.entries, state.head_hash) != (head[0], head[1]):
        raise MalformedInput(f"the copy at {_name(target)} does not have the source's head; do not use it")
    return state


def _committed(path) -> bool:
    """Whether the file at ``path`` holds a complete copy (its schema version is recorded)."""
    try:
        conn = schema.connect(path, "ro")
    except database.DAMAGE:
        return False
    try:
        return database.schema_version(conn) == schema.SCHEMA_VERSION
    except database.DAMAGE:
        return False
    finally:
        conn.close()


def _copy_table(src, dst, table: str) -> None:
    cursor = src.execute(f"SELECT * FROM {table}")
    columns = [d[0] for d in cursor.description]
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    while rows := cursor.fetchmany(_ROWS_AT_ONCE):
        dst.executemany(insert, rows)
