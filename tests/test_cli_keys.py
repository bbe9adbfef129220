"""Key directories (``zkopt.keydir.KeyDir``): loading, refusing mismatched keys, rebuilding."""

from __future__ import annotations

import json
import random

import pytest

from tests.cli_fixtures import DEPTH, copy_keys, shared_keys
from zkopt.errors import MalformedKey
from zkopt.keydir import TX_KINDS, circuit_params, KeyDir


def test_ensure_loads_existing_keys_without_setup():
    infos = KeyDir(shared_keys()).ensure(DEPTH)
    assert set(infos) == set(TX_KINDS)
    assert not any(i.created for i in infos.values())
    assert infos["open"].constraints == 7_676 and infos["deposit"].constraints == 609
    assert infos["settle"].entry.public_names == ("root", "nf_option", "asset", "expiry", "price", "cm_holder", "cm_writer")
    manifest = json.loads((shared_keys() / "keys.json").read_text())
    assert manifest["circuits"]["open"]["params"] == circuit_params("open", DEPTH) == {"depth": 4, "grid": 8}


def test_keys_for_another_depth_are_refused_not_overwritten(tmp_path):
    keys = copy_keys(tmp_path / "keys")
    before = (keys / "open" / "proving_key.zkpk").read_bytes()
    with pytest.raises(MalformedKey, match="parameters"):
        KeyDir(keys).ensure(5)
    assert (keys / "open" / "proving_key.zkpk").read_bytes() == before


def test_a_verification_key_that_does_not_match_the_manifest_is_refused(tmp_path):
    keys = copy_keys(tmp_path / "keys")
    other = (keys / "withdraw" / "verification_key.json").read_text()
    (keys / "settle" / "verification_key.json").write_text(other)
    with pytest.raises(MalformedKey, match="does not match the key manifest"):
        KeyDir(keys).ensure(DEPTH)


def test_keys_without_a_manifest_are_refused(tmp_path):
    keys = copy_keys(tmp_path / "keys")
    (keys / "keys.json").unlink()
    with pytest.raises(MalformedKey, match="does not describe"):
        KeyDir(keys).ensure(DEPTH)


def test_rebuild_replaces_mismatched_keys(tmp_path):
    keys = copy_keys(tmp_path / "keys")
    manifest = json.loads((keys / "keys.json").read_text())
    manifest["circuits"]["deposit"]["r1cs_digest"] = "00" * 32  # as if the circuit had changed since
    (keys / "keys.json").write_text(json.dumps(manifest))
    with pytest.raises(MalformedKey, match="another version"):
        KeyDir(keys).ensure(DEPTH)
    (keys / "withdraw" / "verification_key.json").write_text("{}")  # and a damaged file
    infos = KeyDir(keys).ensure(DEPTH, rebuild=True, rng=random.Random(1))
    assert [k for k, i in infos.items() if i.created] == ["deposit", "withdraw"]
    assert not any(i.created for i in KeyDir(keys).ensure(DEPTH).values())
    (keys / "keys.json").write_text("[]")
    with pytest.raises(MalformedKey, match="not a zkopt key manifest"):
        KeyDir(keys).ensure(DEPTH)


def test_proving_key_must_be_the_ledgers(tmp_path):
    directory = KeyDir(shared_keys())
    infos = directory.ensure(DEPTH)
    pk = directory.proving_key("settle", infos["settle"].entry)
    assert pk.circuit == "settle" and pk.params == {"depth": DEPTH}
    with pytest.raises(MalformedKey, match="not the one this ledger was created with"):
        directory.proving_key("settle", infos["withdraw"].entry)
    with pytest.raises(MalformedKey, match="no deposit proving key"):
        KeyDir(tmp_path).proving_key("deposit")
