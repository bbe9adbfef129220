"""The throwaway PostgreSQL cluster the PostgreSQL ledger tests will use starts, answers and is torn down."""

import os

import pytest

from tests.pg_cluster import fresh_database, pg_server


def test_throwaway_cluster_answers_and_a_fresh_database_is_removed():
    psycopg = pytest.importorskip("psycopg")
    with pg_server() as url:
        if url is None:
            if os.environ.get("ZKOPT_REQUIRE_INTEROP") == "1":
                pytest.fail("no PostgreSQL server binaries (initdb, pg_ctl), but ZKOPT_REQUIRE_INTEROP=1")
            pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl)")
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select 1 + 1").fetchone() == (2,)
        # A server shared by several runs (ZKOPT_PG_URL) must not keep a test's database: each name is new, and gone.
        with fresh_database(url) as db_url:
            name = db_url.rsplit("/", 1)[1]
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute("create table probe (x integer)")
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select count(*) from pg_database where datname = %s", (name,)).fetchone() == (0,)
