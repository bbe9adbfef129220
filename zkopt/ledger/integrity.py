"""The store's own integrity: SQLite's integrity check, the schema objects, the state row against the log, uniqueness
recounted.

The ledger's live checks read through indexes (a nullifier or a commitment
is "new" when its index has no entry), and SQLite indexes can be damaged
while the rows look fine: one flipped byte in the commitment index once let
a replayed deposit in. So nothing here trusts an index:

- ``quick_problems``: the schema objects are exactly zkopt's (names and SQL),
  and the state row agrees with the log's last entry (count, head hash, leaf
  count). Cheap (a handful of lookups by primary key); ``Ledger.open`` refuses
  a file that fails it.
- ``problems``: that, plus ``PRAGMA integrity_check`` (every page, every
  index against its table) and each uniqueness rule (commitments,
  nullifiers, one content row per log entry, log positions without gaps)
  recounted with ``NOT INDEXED`` table scans. For ``zkopt ledger check`` and
  the auditor; linear in the file's size.

A PostgreSQL ledger gets the same checks: its catalog (tables, columns,
indexes, constraints, triggers) against a new ledger's made in a scratch
schema, and the recounts as sequential scans (index scans switched off);
the server keeps its own pages, so there is no SQLite integrity check.

Each problem is one line; an empty list means the check holds.
"""

from __future__ import annotations

import functools
import sqlite3

from zkopt.ledger import database, schema

#: SQLite objects that are not the schema's own (statistics tables appear after ANALYZE).
_IGNORED = ("sqlite_stat", "sqlite_sequence")


@functools.lru_cache(maxsize=4)
def _expected_objects(version: int) -> frozenset[tuple[str, str, str | None]]:
    """(type, name, SQL) of every object a ledger file of schema ``version`` holds, from the migrations themselves."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        schema.migrate(conn, version)
        return frozenset(_objects(conn))
    finally:
        conn.close()


@functools.lru_cache(maxsize=8)
def _expected_catalog(url: str, server_version: int, version: int) -> frozenset[tuple[str, str, str | None]]:
    statements = [st for step in schema.MIGRATIONS if step.version <= version for st in step.statements]
    conn = database.connect_postgres(url)
    try:
        return frozenset(database.scratch_catalog(conn, statements, version))
    finally:
        conn.close()


def _expected(conn, version: int | None) -> frozenset[tuple[str, str, str | None]]:
    if not database.is_postgres(conn):
        return _expected_objects(version)
    return _expected_catalog(conn.url, conn.server_version, version or schema.SCHEMA_VERSION)


def _objects(conn) -> set[tuple[str, str, str | None]]:
    if database.is_postgres(conn):
        return database.catalog(conn)
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    # str(): a damaged entry may hold a number or a BLOB where a name belongs; it then simply matches nothing.
    return {(str(t), str(n), s if s is None else str(s)) for t, n, s in rows if not str(n).startswith(_IGNORED)}


def schema_problems(conn: sqlite3.Connection) -> list[str]:
    """Objects missing from the file or added to it, or whose SQL differs, compared with a new ledger's of the
    file's schema version (the auditor reads a file not yet migrated as it is)."""
    version = schema.schema_version(conn)
    found, expected = _objects(conn), _expected(conn, version if 0 < version <= schema.SCHEMA_VERSION else None)
    names = {n: (t, s) for t, n, s in found}
    out = []
    for kind, name, sql in sorted(expected, key=lambda o: o[1]):
        if name not in names:
            out.append(f"the {kind} {name} is missing")
        elif names[name] != (kind, sql):
            out.append(f"the {kind} {name} is not zkopt's (its definition was changed)")
    out += [f"the {t} {n} is not zkopt's" for t, n, _ in sorted(found, key=lambda o: o[1]) if n not in {e[1] for e in expected}]
    return out


def head_problems(conn: sqlite3.Connection, genesis_hash: bytes) -> list[str]:
    """The state row against the log: entry count, head hash, leaf count (lookups by primary key)."""
    state = schema.read_state(conn)
    if state is None:
        return ["the ledger state row is missing"]
    entries, head, _, leaf_count = state
    last = conn.execute("SELECT seq, entry_hash FROM log ORDER BY seq DESC LIMIT 1").fetchone()
    out = []
    if last is None:
        if entries != 0 or head != genesis_hash:
            out.append(f"the state row counts {entries} entries but the log is empty")
    else:
        seq, entry_hash = last
        if entries != seq:
            out.append(f"the state row counts {entries} entries but the log's last entry is {seq}")
        elif bytes(entry_hash) != head:
            out.append(f"the state row's head hash is not the hash of log entry {seq}")
    leaf = conn.execute("SELECT leaf_index FROM leaves ORDER BY leaf_index DESC LIMIT 1").fetchone()
    if leaf_count != (0 if leaf is None else leaf[0] + 1):
        out.append(f"the state row counts {leaf_count} leaves but the last leaf is {None if leaf is None else leaf[0]}")
    return out


def quick_problems(conn: sqlite3.Connection, genesis_hash: bytes) -> list[str]:
    """The checks ``Ledger.open`` runs: schema objects and the state row against the log."""
    return schema_problems(conn) or head_problems(conn, genesis_hash)


def sqlite_problems(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """``PRAGMA integrity_check``: every page, and every index against its table (at most ``limit`` lines).

    Nothing for PostgreSQL, whose server keeps (and checksums) its own pages.
    """
    if database.is_postgres(conn):
        return []
    try:
        rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    except schema.DAMAGE as exc:
        return [f"SQLite cannot check the file: {exc}"]
    lines = [str(r[0]) for r in rows]
    return [] if lines == ["ok"] else [f"SQLite integrity check: {line}" for line in lines]


#: (what, query returning one count of violations), each a full table scan that no index can mislead.
_UNIQUENESS = (
    ("a commitment appears twice among the leaves",
     "SELECT COUNT(*) - COUNT(DISTINCT cm) FROM leaves NOT INDEXED"),
    ("a nullifier appears twice",
     "SELECT COUNT(*) - COUNT(DISTINCT nf) FROM nullifiers"),
    ("a root position appears twice",
     "SELECT COUNT(*) - COUNT(DISTINCT position) FROM roots NOT INDEXED"),
    ("the log's positions are not 1, 2, ... without gaps",
     "SELECT CASE WHEN COUNT(*) = COALESCE(MAX(seq), 0) AND COALESCE(MIN(seq), 1) = 1 THEN 0 ELSE 1 END "
     "FROM log NOT INDEXED"),
    ("a log entry has no content row, or a content row no log entry",
     "SELECT (SELECT COUNT(*) FROM log NOT INDEXED) - (SELECT COUNT(*) FROM transactions NOT INDEXED)"
     " - (SELECT COUNT(*) FROM price_reports NOT INDEXED)"),
    ("a transaction's content row is not a transaction entry of the log",
     "SELECT COUNT(*) FROM transactions t NOT INDEXED WHERE NOT EXISTS "
     "(SELECT 1 FROM log l NOT INDEXED WHERE l.seq = t.seq AND l.entry_type = 'tx')"),
    ("a price report's content row is not a price entry of the log",
     "SELECT COUNT(*) FROM price_reports p NOT INDEXED WHERE NOT EXISTS "
     "(SELECT 1 FROM log l NOT INDEXED WHERE l.seq = p.seq AND l.entry_type = 'price')"),
    ("a price report repeats an (asset, expiry)",
     "SELECT COUNT(*) - COUNT(DISTINCT asset || expiry) FROM price_reports NOT INDEXED"),
)

#: The same for the tables of later schema versions: (version, what, query).
_UNIQUENESS_SINCE = (
    (schema.BUNDLES_VERSION, "an encrypted note belongs to no transaction entry",
     "SELECT COUNT(*) FROM encrypted_notes e NOT INDEXED WHERE NOT EXISTS "
     "(SELECT 1 FROM transactions t NOT INDEXED WHERE t.seq = e.seq)"),
    (schema.BUNDLES_VERSION, "an entry's encrypted notes are not numbered 0, 1, ... without gaps",
     "SELECT COUNT(*) FROM (SELECT seq FROM encrypted_notes NOT INDEXED GROUP BY seq "
     "HAVING COUNT(*) != MAX(position) + 1 OR MIN(position) != 0) AS numbered"),
)


def uniqueness_problems(conn: sqlite3.Connection) -> list[str]:
    """Every uniqueness rule recounted by table scans, never by the index that enforces it live."""
    out = []
    version = schema.schema_version(conn)
    later = [(what, query) for since, what, query in _UNIQUENESS_SINCE if version >= since]
    if database.is_postgres(conn):
        return _recount_on_postgres(conn, (*_UNIQUENESS, *later))
    for what, query in (*_UNIQUENESS, *later):
        try:
            (count,) = conn.execute(query).fetchone()
        except schema.DAMAGE as exc:
            out.append(f"cannot recount ({what}): {exc}")
            continue
        if count:
            out.append(what)
    return out


def _recount_on_postgres(conn, rules) -> list[str]:
    """The recounts with index scans switched off (PostgreSQL has no NOT INDEXED), set back afterwards.

    An error aborts the PostgreSQL transaction (and undoes the settings with it), so it is not caught here.
    """
    for setting in _PG_SCANS:
        conn.execute(f"SET {setting} = off")
    out = [what for what, query in rules if conn.execute(query).fetchone()[0]]
    for setting in _PG_SCANS:
        conn.execute(f"RESET {setting}")
    return out


_PG_SCANS = ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan")


def problems(conn: sqlite3.Connection, genesis_hash: bytes) -> list[str]:
    """Everything: SQLite's integrity check, the schema, the state row, and the uniqueness rules."""
    return sqlite_problems(conn) + schema_problems(conn) + head_problems(conn, genesis_hash) + uniqueness_problems(conn)


def check_file(path) -> list[str]:
    """``problems`` of the ledger at ``path`` (a file, opened read-only, or a PostgreSQL URL); MalformedInput when it
    is no ledger."""
    from pathlib import Path

    from zkopt.errors import MalformedInput

    if database.is_url(path):
        location, path = path, database.shown_url(path)
    else:
        location = path = Path(path)
        if not path.is_file():
            raise MalformedInput(f"no ledger file at {path}")
    try:
        conn = schema.connect(location, "ro")
    except schema.DAMAGE as exc:
        raise MalformedInput(f"{path} is not a usable ledger: {exc}") from None
    try:
        version = schema.schema_version(conn)
        reason = schema.unreadable_version(version)
        if reason:
            raise MalformedInput(reason)
        if version == 0:
            raise MalformedInput(f"{path} is not a zkopt ledger (it holds no zkopt schema)")
        row = conn.execute("SELECT genesis_hash FROM genesis WHERE id = 1").fetchone()
        if not row or not isinstance(row[0], bytes):
            raise MalformedInput(f"{path} is not a usable ledger: its genesis row is missing or damaged")
        return problems(conn, bytes(row[0]))
    except schema.DAMAGE as exc:
        raise MalformedInput(f"{path} is not a usable ledger: {exc}") from None
    finally:
        conn.close()
