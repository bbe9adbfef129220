"""A throwaway PostgreSQL cluster for the tests of the PostgreSQL ledger backend (issue 16).

`pg_server()` yields a `postgresql://` URL: ZKOPT_PG_URL when set (so .ci/run can start one cluster for the whole
run), else a cluster made by `initdb` in a temporary directory and started with `pg_ctl` on a free port of
127.0.0.1 (unix socket in the same directory), stopped and removed afterwards. PostgreSQL refuses to run as root,
so under root the server runs as `nobody` (via runuser). Returns None when no server binaries are found.
``durable=True`` keeps PostgreSQL's fsync (for benchmarks; tests run without it).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def pg_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: PATH, `pg_config --bindir`, or Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.insert(0, out.stdout.strip())
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *argv] if os.geteuid() == 0 else argv


@contextlib.contextmanager
def pg_server(durable: bool = False) -> Iterator[str | None]:
    external = os.environ.get("ZKOPT_PG_URL")
    if external:
        yield external
        return
    bindir = pg_bindir()
    if bindir is None:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="zkopt-pg-"))
    os.chmod(tmp, 0o777)  # the server user (nobody, under root) owns the data directory and the socket
    data, port = tmp / "data", _free_port()
    run = lambda argv: subprocess.run(_as_server_user(argv), check=True, capture_output=True)  # noqa: E731
    try:
        run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "zkopt", "--no-sync"])
        # Tests need no durability (fsync off); a benchmark does (``durable``: PostgreSQL's defaults, fsync on).
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp}" + ("" if durable else " -c fsync=off")
        run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-o", options, "-w", "start"])
        try:
            yield f"postgresql://zkopt@127.0.0.1:{port}/postgres"
        finally:
            run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server at ``server_url``: its URL; dropped (connections and all) afterwards."""
    import secrets
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"zkopt_test_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
