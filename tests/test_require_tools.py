"""Under ZKOPT_REQUIRE_INTEROP=1 (CI) a skipped interop, EVM or Dask test fails the run; elsewhere it only skips."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
import pytest

@pytest.mark.evm
def test_evm():
    pytest.skip("no EVM here")

@pytest.mark.interop
def test_interop():
    pytest.skip("no node here")

@pytest.mark.dask
def test_dask():
    pytest.skip("no dask here")

def test_plain():
    pytest.skip("allowed to skip")
"""


@pytest.mark.parametrize("required, outcomes", [("1", {"failed": 3, "skipped": 1}), ("0", {"skipped": 4})])
def test_skipped_tool_tests_fail_only_when_required(pytester, monkeypatch, required, outcomes):
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport  # noqa: F401\n")
    pytester.makeini("[pytest]\nmarkers =\n    evm: x\n    interop: x\n    dask: x\n")
    pytester.makepyfile(SAMPLE)
    monkeypatch.setenv("ZKOPT_REQUIRE_INTEROP", required)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(**outcomes)
