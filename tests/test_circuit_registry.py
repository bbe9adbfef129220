"""The circuit registry: build, describe (statement, public names in order), pinned costs in circuits/stats.json."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.conftest import REPO
from zkopt import r1cs
from zkopt.circuits import REGISTRY, build, describe
from zkopt.gadgets.merkle import CONSTRAINTS_PER_LEVEL
from zkopt.gadgets.poseidon import CONSTRAINTS as POSEIDON

PUBLIC = {
    "deposit": ["amount", "cm_out"],
    "open": ["root", "nf_in", "cm_option", "cm_change", "asset", "expiry", *(f"grid[{i}]" for i in range(8))],
    "settle": ["root", "nf_option", "asset", "expiry", "price", "cm_holder", "cm_writer"],
    "withdraw": ["root", "nf_in", "amount", "recipient", "cm_change"],
    "transfer": ["root", "nf_a", "nf_b", "cm_out_a", "cm_out_b", "condition"],
    "chain": ["y"],
}


def _load_tool():
    spec = importlib.util.spec_from_file_location("gen_circuit_stats", REPO / "tools" / "gen_circuit_stats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_registry_names():
    assert sorted(REGISTRY) == ["chain", "deposit", "open", "settle", "transfer", "withdraw"]
    for name, cls in REGISTRY.items():
        assert cls.name == name


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_describe_gives_the_ledger_names_in_order(name):
    info = describe(name)
    assert set(info) == {"name", "params", "statement", "constraints", "public"}
    assert info["name"] == name
    assert info["public"] == PUBLIC[name]
    assert info["statement"] and "\n" not in info["statement"]
    assert info["constraints"] == r1cs.compile(build(name)).n_constraints


def test_describe_fills_in_defaults_and_takes_params():
    assert describe("open")["params"] == {"depth": 20, "grid": 8}
    assert describe("settle")["params"] == {"depth": 20}
    assert describe("withdraw", {"depth": 4})["params"] == {"depth": 4}
    assert describe("open", {"depth": 4, "grid": 9})["public"][-1] == "grid[8]"
    assert describe("chain", {"n": 4})["constraints"] == 4


def test_describe_returns_a_fresh_copy():
    info = describe("settle", {"depth": 4})
    info["public"].append("extra")
    info["params"]["depth"] = 99
    assert describe("settle", {"depth": 4})["public"] == PUBLIC["settle"]
    assert describe("settle", {"depth": 4})["params"] == {"depth": 4}


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [("nope", None, "unknown circuit"), ("settle", {"size": 3}, "bad parameters"), ("open", {"grid": 7}, "grid >= 8")],
)
def test_describe_and_build_refuse_bad_requests(name, params, message):
    with pytest.raises(ValueError, match=message):
        describe(name, params)


def test_stats_file_is_up_to_date():
    # A change of cost is a deliberate diff: run tools/gen_circuit_stats.py and commit circuits/stats.json.
    tool = _load_tool()
    pinned = json.loads((REPO / "circuits" / "stats.json").read_text())
    assert pinned == tool.stats()
    assert (REPO / "circuits" / "stats.json").read_text() == tool.render(tool.stats())


def test_costs_add_up_from_their_parts():
    """Each count as the sum of the parts the SPECs list, so a change shows which part moved."""
    level, u64 = CONSTRAINTS_PER_LEVEL, 65  # a 64-bit range check is 64 booleanity rows + 1 recomposition
    intrinsic = 66 + 1  # comparison, ([S >= K] - kind) * (S - K)
    legs = 4 * (u64 + u64 + 1 + 1 + 1)  # per slot: strike, quantity, kind, side, side * quantity
    value = 4 * (intrinsic + 1)  # per slot at one price: intrinsic, signed quantity * intrinsic
    output_rho = POSEIDON[5]  # Poseidon(RHO_TAG, nf, i, secret): one per new note of a spend
    deposit = u64 + POSEIDON[3] + POSEIDON[5] + 1  # amount, the deposit rho, cm_out
    spend_common = POSEIDON[2] + POSEIDON[5] + 1 + POSEIDON[4] + 1  # pk, cm_in, merkle root, nf_in hash + equal
    withdraw = 1 + 2 * u64 + u64 + spend_common + output_rho + POSEIDON[5] + 1  # bind, widths, change, ..., cm_change
    settle = (
        u64 + legs + u64  # price; the legs; collateral
        + POSEIDON[12] + 1 + POSEIDON[4] + 1  # cm, merkle root, nf_option (binds cm)
        + value + 113 + 21 + 21 + 1 + 113 + 1  # net value, quotient, remainder x2, gross, cap, payout
        + 2 * output_rho + 2 * (POSEIDON[5] + 1)  # rhos, cm_holder, cm_writer
    )
    open_fixed = u64 + legs + 2 * u64 + u64 + spend_common + 2 * output_rho + POSEIDON[12] + 1 + POSEIDON[5] + 1
    open_per_point = u64 + value + 132  # grid range, net value, 131-bit slack
    dummy = 1 + POSEIDON[3] + 1  # amount * dummy = 0, the dummy rho, its equality
    transfer = (
        4 * u64 + 1 + 1  # amounts in and out, condition bind, dummy_b booleanity
        + spend_common  # input a
        + dummy + POSEIDON[5] + 1 + POSEIDON[4] + 1  # input b: dummy rules, cm_in, root unless dummy, nf
        + 1 + 1  # nf_a != nf_b, balance
        + 2 * (output_rho + POSEIDON[5] + 1)  # per output: rho, commitment, equality
    )
    transfer_per_level = 2 * level + 2  # two paths, and a dummy's direction and sibling pinned to 0
    for depth in (4, 20):
        assert describe("deposit")["constraints"] == deposit == 609
        assert describe("withdraw", {"depth": depth})["constraints"] == withdraw + level * depth
        assert describe("settle", {"depth": depth})["constraints"] == settle + level * depth
        assert describe("transfer", {"depth": depth})["constraints"] == transfer + transfer_per_level * depth
        for grid in (8, 9, 16):
            expected = open_fixed + open_per_point * grid + level * depth
            assert describe("open", {"depth": depth, "grid": grid})["constraints"] == expected
