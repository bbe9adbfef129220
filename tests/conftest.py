"""Shared test fixtures: the seeded random source, the npm interop tools, dask, the real depth-4 keys, PostgreSQL.

PostgreSQL tests (marked ``postgres``) ask for ``pg_url`` (a new database per test on the session's server:
ZKOPT_PG_URL, or a throwaway cluster from initdb) or for ``ledger_location``, which runs a ledger test once per
backend (a SQLite file, a PostgreSQL database); ``file_only`` tests keep to the file.

Interop tests ask for the ``node_tools`` fixture, EVM tests (marked ``evm``) for
``evm_tools``, chain tests for ``chain_tools`` and ``hardhat_url`` (a Hardhat node the tests start), Dask tests
(marked ``dask``) for ``dask_tools``. Where node, the npm packages, eth-tester, web3 or dask.distributed are
missing they skip, unless ZKOPT_REQUIRE_INTEROP=1 (set by .ci/run), where a missing tool fails the run
instead, so CI can never pass with interop, EVM, chain or Dask tests skipped.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INTEROP_DIR = REPO / "tools" / "interop"
#: Tests with these markers must run in CI (ZKOPT_REQUIRE_INTEROP=1): skipping one fails the run.
REQUIRED_MARKERS = ("interop", "evm", "dask", "browser", "postgres")


class NodeTools:
    """Paths to the interop tools installed by `npm ci` in tools/interop."""

    def __init__(self, root: Path):
        self.root = root
        self.node = shutil.which("node")
        self.bin = root / "node_modules" / ".bin"

    def snarkjs(self) -> list[str]:
        return [self.node, str(self.root / "node_modules" / "snarkjs" / "build" / "cli.cjs")]

    def circom(self) -> list[str]:
        return [str(self.bin / "circom2")]

    @property
    def node_path(self) -> str:
        return str(self.root / "node_modules")


def _missing_tool(missing: str):
    if os.environ.get("ZKOPT_REQUIRE_INTEROP") == "1":
        pytest.fail(f"interop test cannot run: {missing}")
    pytest.skip(missing)


@pytest.fixture(scope="session")
def node_tools() -> NodeTools:
    tools = NodeTools(INTEROP_DIR)
    if tools.node is None:
        _missing_tool("node is not installed")
    elif not (INTEROP_DIR / "node_modules" / "snarkjs").is_dir():
        _missing_tool("npm tools missing: run `npm ci --prefix tools/interop`")
    return tools


@pytest.fixture(scope="session")
def evm_tools(node_tools) -> NodeTools:
    """node_tools, checked to hold solc and @ethereumjs/evm, with eth-tester (py-evm) importable."""
    for package in ("solc", "@ethereumjs/evm"):
        if not (node_tools.root / "node_modules" / package).is_dir():
            _missing_tool(f"npm package {package} missing: run `npm ci --prefix tools/interop`")
    try:
        import eth_abi  # noqa: F401
        import eth_tester  # noqa: F401
    except ImportError as exc:
        _missing_tool(f"{exc.name} is not installed: pip install -e '.[test]'")
    return node_tools


@pytest.fixture(scope="session")
def chain_tools(evm_tools) -> NodeTools:
    """evm_tools, with web3.py importable (the chain backend's client)."""
    try:
        import web3  # noqa: F401
    except ImportError as exc:
        _missing_tool(f"{exc.name} is not installed: pip install -e '.[test]'")
    return evm_tools


@pytest.fixture(scope="session")
def hardhat_url(chain_tools):
    """A Hardhat JSON-RPC development node on 127.0.0.1 (a free port), started once, stopped at the end."""
    from zkopt.chain.node import HardhatNode

    if not (INTEROP_DIR / "node_modules" / "hardhat").is_dir():
        _missing_tool("npm package hardhat missing: run `npm ci --prefix tools/interop`")
    with HardhatNode(INTEROP_DIR) as running:
        yield running.url


@pytest.fixture(scope="session")
def dask_tools() -> None:
    """dask.distributed importable (the `dask` extra, also in `test`), or the test skips (fails in CI)."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        _missing_tool(f"{exc.name} is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="session")
def pg_server_url():
    """A PostgreSQL server's URL: ZKOPT_PG_URL (.ci/run starts one), else a throwaway cluster for this session."""
    from tests.pg_cluster import pg_server

    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing_tool("psycopg is not installed: pip install -e '.[test]'")
    with pg_server() as url:
        if url is None:
            _missing_tool("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
        yield url


@pytest.fixture
def pg_url(pg_server_url):
    """A new, empty database on the test server, dropped after the test: one PostgreSQL ledger's URL."""
    from tests.pg_cluster import fresh_database

    with fresh_database(pg_server_url) as url:
        yield url


#: The ledger's two stores; tests marked ``file_only`` (the bytes of a SQLite file) run on the first only.
BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


@pytest.fixture(params=BACKENDS)
def ledger_location(request, tmp_path):
    """Where a test's ledger lives, once per backend: a new SQLite file, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "ledger.db"
    return request.getfixturevalue("pg_url")


def pytest_collection_modifyitems(config, items):
    """A ``file_only`` test runs on the SQLite backend only (it reads or damages the file's bytes)."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = params.get("ledger_location") == "postgresql"
        (dropped if on_postgres and item.get_closest_marker("file_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def rng() -> random.Random:
    """The one seeded random source for tests (production randomness uses `secrets`)."""
    return random.Random(20261124)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ZKOPT_REQUIRE_INTEROP=1 an interop, EVM, Dask, browser or PostgreSQL test that skipped counts as failed."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("ZKOPT_REQUIRE_INTEROP") == "1"
        and any(item.get_closest_marker(name) is not None for name in REQUIRED_MARKERS)
    ):
        report.outcome = "failed"
        report.longrepr = f"interop, EVM, Dask, browser or PostgreSQL test skipped, but ZKOPT_REQUIRE_INTEROP=1: {report.longrepr}"


@pytest.fixture(scope="session")
def g2_outside_subgroup():
    """A point on the G2 twist curve that is not in the prime-order subgroup."""
    from tests.curve_points import twist_point
    from zkopt import curve

    point = twist_point(random.Random(3))
    if not curve.is_on_curve_g2(point) or curve.is_in_subgroup_g2(point):
        raise RuntimeError("twist_point did not give a point outside the subgroup")
    return point


@pytest.fixture(scope="module")
def real_keys():
    """{kind: (ledger entry, proving key)} of the four circuits at depth 4."""
    from tests.cli_fixtures import DEPTH, shared_keys
    from zkopt.keydir import TX_KINDS, KeyDir

    directory = KeyDir(shared_keys())
    infos = directory.ensure(DEPTH)
    return {kind: (infos[kind].entry, directory.proving_key(kind, infos[kind].entry)) for kind in TX_KINDS}
