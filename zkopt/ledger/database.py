"""Where a ledger lives: a SQLite file or a PostgreSQL database, behind the one connection surface the store uses.

The ledger's SQL is written once, in what both engines accept (``?``
placeholders, ``ON CONFLICT`` upserts, ``LIMIT``, SQLite's column types and
``NOT INDEXED`` hints). A SQLite ledger uses ``sqlite3`` as it is; a
``postgresql://`` ledger goes through ``PgConnection``, which speaks psycopg 3
and translates: ``%s`` placeholders, ``BIGINT``/``BYTEA`` for SQLite's
``INTEGER``/``BLOB`` (so 64-bit integers and byte strings round-trip
exactly, and ``bytea`` compares byte by byte as SQLite's BLOBs do), no
``WITHOUT ROWID`` or ``NOT INDEXED``. Whatever differs beyond the text of
a statement is a function here, one per engine:

- the schema version: SQLite's ``PRAGMA user_version``, a one-row
  ``zkopt_schema`` table in PostgreSQL;
- the write lock (``begin_write``): SQLite's ``BEGIN IMMEDIATE``; in
  PostgreSQL a SERIALIZABLE transaction whose first statement locks
  ``ledger_state`` in EXCLUSIVE mode (before the snapshot is taken, so the
  writer that gets the lock reads every committed entry and writers queue
  one behind the other, while readers go on);
- a read snapshot (``begin_read``): ``BEGIN`` / REPEATABLE READ READ ONLY.

psycopg is imported only when a PostgreSQL ledger is opened, and every
psycopg error leaves here as ``StoreError`` (one line, with its SQLSTATE), so
callers catch one family of errors for both engines (``DAMAGE``).
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from urllib.parse import urlsplit, urlunsplit

from zkopt.errors import MalformedInput

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

#: Seconds to wait for a PostgreSQL server to answer before the ledger is "unusable".
CONNECT_TIMEOUT = 10


class StoreError(Exception):
    """A PostgreSQL error, as one line; ``sqlstate`` is its five-character code (None when the server gave none)."""

    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


class LockTimeout(Exception):
    """Another writer held the ledger's write lock for the whole attempt."""


#: What a read or write of a damaged or unreachable store raises; every reader catches these.
DAMAGE = (sqlite3.DatabaseError, UnicodeDecodeError, StoreError)
#: Any error of the engine underneath (a write that fails with one is rolled back and refused).
ENGINE_ERRORS = (sqlite3.Error, StoreError)


def is_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL database (``postgresql://...``) rather than a ledger file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def shown_url(url: str) -> str:
    """The URL without its password, for messages, logs and ``summary()["path"]``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def is_postgres(conn: object) -> bool:
    return isinstance(conn, PgConnection)


# --- PostgreSQL ------------------------------------------------------------------------

_DDL_TYPES = ((re.compile(r"\bINTEGER\b"), "BIGINT"), (re.compile(r"\bBLOB\b"), "BYTEA"))


@functools.lru_cache(maxsize=512)
def _postgres_sql(sql: str) -> str:
    """One statement of the ledger's SQL as PostgreSQL reads it (see the module docstring)."""
    text = sql.replace(" NOT INDEXED", "").replace("%", "%%").replace("?", "%s")
    if text.lstrip().upper().startswith(("CREATE", "ALTER")):
        text = text.replace(" WITHOUT ROWID", "")
        for pattern, name in _DDL_TYPES:
            text = pattern.sub(name, text)
    return text


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or exc.__class__.__name__


def _store_error(exc: Exception) -> StoreError:
    return StoreError(_one_line(exc), getattr(exc, "sqlstate", None))


class PgConnection:
    """A psycopg 3 connection (autocommit; transactions are explicit, as with the store's sqlite3 connections)."""

    def __init__(self, raw, url: str):
        self._raw = raw
        self.url = url
        self._pipeline = self._pipeline_context = None

    def _call(self, method: str, sql: str, params):
        import psycopg

        try:
            cursor = getattr(self._raw, method)(_postgres_sql(sql), params)
            if self._pipeline is not None and sql.lstrip().startswith("SELECT"):
                # A read waits for its answer anyway: sync here, so an error of a pipelined write surfaces now,
                # as a StoreError, rather than out of a later fetch.
                self._pipeline.sync()
            return cursor
        except psycopg.Error as exc:
            raise _store_error(exc) from None

    def execute(self, sql: str, params=()):
        if self._pipeline is not None and sql in ("COMMIT", "ROLLBACK"):
            return self._end_pipeline(sql)
        return self._call("execute", sql, tuple(params))

    def begin_pipeline(self) -> None:
        """Send statements without waiting for each answer until COMMIT or ROLLBACK (psycopg's pipeline mode).

        A write transaction's inserts need no answer, so a batch's entries
        cost a round trip only where a rule reads; an error surfaces at the
        next read or at COMMIT, and ends the transaction as any error does.
        """
        self._pipeline_context = self._raw.pipeline()
        self._pipeline = self._pipeline_context.__enter__()

    def _end_pipeline(self, statement: str):
        import psycopg

        pipeline, self._pipeline = self._pipeline_context, None
        if statement == "ROLLBACK":  # after an error the pipeline is aborted: leave it first, then roll back
            with contextlib.suppress(psycopg.Error):
                pipeline.__exit__(None, None, None)
            return self._call("execute", "ROLLBACK", ())
        try:
            self._raw.execute("COMMIT")
            pipeline.__exit__(None, None, None)
        except psycopg.Error as exc:
            with contextlib.suppress(psycopg.Error):
                pipeline.__exit__(None, None, None)
            raise _store_error(exc) from None
        return None

    def executemany(self, sql: str, rows):
        import psycopg

        rows = [tuple(r) for r in rows]
        if not rows:
            return None
        try:
            with self._raw.cursor() as cursor:
                cursor.executemany(_postgres_sql(sql), rows)
        except psycopg.Error as exc:
            raise _store_error(exc) from None

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._raw.info.transaction_status != TransactionStatus.IDLE

    @property
    def server_version(self) -> int:
        return self._raw.info.server_version

    def close(self) -> None:
        self._raw.close()


def connect_postgres(url: str) -> PgConnection:
    """A connection to the PostgreSQL database at ``url``; MalformedInput (one line) when it cannot be reached."""
    try:
        import psycopg
    except ImportError:
        raise MalformedInput("a postgresql:// ledger needs psycopg 3: pip install 'psycopg[binary]'") from None
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except (psycopg.Error, ValueError) as exc:
        raise MalformedInput(f"cannot reach the PostgreSQL ledger at {shown_url(url)}: {_one_line(exc)}") from None
    return PgConnection(raw, url)


# --- what differs beyond the SQL text ---------------------------------------------------------

_PG_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS zkopt_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"


def schema_version(conn) -> int:
    """The store's schema version; 0 for an empty file or database."""
    if not is_postgres(conn):
        return conn.execute("PRAGMA user_version").fetchone()[0]
    if conn.execute("SELECT to_regclass('zkopt_schema')").fetchone()[0] is None:
        return 0
    row = conn.execute("SELECT version FROM zkopt_schema WHERE id = 1").fetchone()
    return 0 if row is None else int(row[0])


def set_schema_version(conn, version: int) -> None:
    """Record ``version``, inside the caller's transaction (a SQLite file keeps it in its header)."""
    if not is_postgres(conn):
        conn.execute(f"PRAGMA user_version = {int(version)}")
        return
    conn.execute(_PG_VERSION_TABLE)
    conn.execute(
        "INSERT INTO zkopt_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        (int(version),),
    )


#: A constant key of PostgreSQL's advisory locks: schema changes of one database queue behind each other.
_MIGRATION_LOCK = 0x7A6B6F7074


def begin_migration(conn) -> None:
    """Start a transaction that changes the schema, alone."""
    if is_postgres(conn):
        conn.execute("BEGIN")
        conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
    else:
        conn.execute("BEGIN IMMEDIATE")


def begin_write(conn, attempt_ms: int) -> None:
    """Start the write transaction of one entry, holding the ledger's write lock; LockTimeout after ``attempt_ms``."""
    if not is_postgres(conn):
        conn.execute(f"PRAGMA busy_timeout = {int(attempt_ms)}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LockTimeout(str(exc)) from None
            raise
        return
    conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
    try:
        conn.execute(f"SET LOCAL lock_timeout = {int(attempt_ms)}")
        conn.execute("LOCK TABLE ledger_state IN EXCLUSIVE MODE")
        conn.execute("SET LOCAL lock_timeout = 0")  # the bound was for the write lock only
    except StoreError as exc:
        conn.execute("ROLLBACK")
        if exc.sqlstate == "55P03":  # lock_not_available
            raise LockTimeout(str(exc)) from None
        raise
    conn.begin_pipeline()


def user_tables(conn) -> list[str]:
    """The tables of a PostgreSQL database's current schema (what ``Ledger.create`` requires to be none)."""
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
    ).fetchall()
    return [str(r[0]) for r in rows]


#: Every object of the current schema as (type, name, definition): tables and views, columns (type, nullability,
#: default), indexes, constraints and triggers; what ``integrity.schema_problems`` compares for PostgreSQL.
_CATALOG = """
SELECT 'table', table_name, table_type FROM information_schema.tables WHERE table_schema = current_schema()
UNION ALL
SELECT 'column', table_name || '.' || column_name, data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
  FROM information_schema.columns WHERE table_schema = current_schema()
UNION ALL
SELECT 'index', indexname, replace(indexdef, schemaname || '.', '') FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
UNION ALL
SELECT 'trigger', c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
"""


def catalog(conn) -> set[tuple[str, str, str | None]]:
    """(type, name, definition) of every object in a PostgreSQL ledger's schema."""
    return {(str(t), str(n), None if d is None else str(d)) for t, n, d in conn.execute(_CATALOG).fetchall()}


def scratch_catalog(conn, statements, version: int) -> set[tuple[str, str, str | None]]:
    """``catalog`` of a new ledger of schema ``version`` made by ``statements`` on ``conn``'s server, then undone.

    Made on a connection of its own, in a scratch schema inside one
    transaction that is rolled back, so the ledger is never touched (the
    caller's connection may be inside its read-only snapshot).
    """
    import secrets

    scratch = connect_postgres(conn.url)
    try:
        name = f"zkopt_expected_{secrets.token_hex(4)}"
        scratch.execute("BEGIN")
        try:
            scratch.execute(f"CREATE SCHEMA {name}")
            scratch.execute(f"SET LOCAL search_path TO {name}")
            for statement in statements:
                scratch.execute(statement)
            set_schema_version(scratch, version)
            return catalog(scratch)
        finally:
            scratch.execute("ROLLBACK")
    finally:
        scratch.close()


def begin_read(conn) -> None:
    """Start a read-only transaction: every read until COMMIT sees one state of the ledger."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if is_postgres(conn) else "BEGIN")
