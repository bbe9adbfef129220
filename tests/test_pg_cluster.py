"""The throwaway PostgreSQL cluster the PostgreSQL ledger tests will use starts, answers and is torn down."""

import os

import pytest

from tests.pg_cluster import pg_server


def test_throwaway_cluster_answers_and_is_removed():
    psycopg = pytest.importorskip("psycopg")
    with pg_server() as url:
        if url is None:
            if os.environ.get("ZKOPT_REQUIRE_INTEROP") == "1":
                pytest.fail("no PostgreSQL server binaries (initdb, pg_ctl), but ZKOPT_REQUIRE_INTEROP=1")
            pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl)")
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select 1 + 1").fetchone() == (2,)
            conn.execute("create database zkopt_probe")
            assert conn.execute("select count(*) from pg_database where datname = 'zkopt_probe'").fetchone() == (1,)
