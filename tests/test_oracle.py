"""The oracle committee: message bytes, signatures, agreement on one price, and every report the ledger refuses."""

from __future__ import annotations

import json

import pytest

from tests.ledger_fixtures import ASSET, World, assert_rejected, member_keys
from zkopt.errors import LedgerRejected, MalformedInput
from zkopt.field import R
from zkopt.ledger import Attestation, Observation, oracle

EXPIRY = 1_700_000_000


@pytest.fixture
def world(ledger_location, tmp_path, rng):
    # 4 members, threshold 3; the clock is an hour past the expiry.
    w = World(ledger_location, rng, n_members=4, threshold=3)
    w.clock.t = EXPIRY + 3600
    yield w
    w.ledger.close()


def test_message_is_fixed_width_big_endian_and_domain_separated():
    obs = Observation(asset=0x0102, expiry=3, price=4, observed_at=5)
    msg = obs.message()
    assert len(msg) == oracle.MESSAGE_BYTES == 22 + 32 + 8 * 3
    assert msg == (
        b"zkopt/oracle/price/v1\x00"
        + bytes(30) + b"\x01\x02"
        + bytes(7) + b"\x03"
        + bytes(7) + b"\x04"
        + bytes(7) + b"\x05"
    )
    # Each field has its own place: moving a value between fields changes the message.
    assert Observation(0x0102, 4, 3, 5).message() != msg
    big = Observation(R - 1, 2**64 - 1, 2**64 - 1, 2**64 - 1).message()
    assert len(big) == oracle.MESSAGE_BYTES


@pytest.mark.parametrize(
    "kwargs, what",
    [
        (dict(asset=R, expiry=1, price=1, observed_at=1), "asset"),
        (dict(asset=1, expiry=2**64, price=1, observed_at=1), "expiry"),
        (dict(asset=1, expiry=1, price=-1, observed_at=1), "price"),
        (dict(asset=1, expiry=1, price=1, observed_at=True), "observed_at"),
    ],
)
def test_observation_fields_are_range_checked(kwargs, what):
    with pytest.raises(MalformedInput, match=what):
        Observation(**kwargs)


def test_sign_and_verify_round_trip():
    key = member_keys(1)[0]
    att = oracle.sign(Observation(ASSET, EXPIRY, 100, EXPIRY), key)
    assert att.member == oracle.public_key_bytes(key) and len(att.signature) == 64
    final = oracle.check_report([att], [att.member], 1, now=EXPIRY)
    assert final.price == 100
    forged = Attestation(att.member, Observation(ASSET, EXPIRY, 101, EXPIRY), att.signature)
    with pytest.raises(LedgerRejected, match="bad signature"):
        oracle.check_report([forged], [att.member], 1, now=EXPIRY)


def test_keygen_uses_fresh_randomness_and_keys_round_trip():
    a, b = oracle.keygen(), oracle.keygen()
    assert oracle.public_key_bytes(a) != oracle.public_key_bytes(b)
    raw = oracle.private_key_bytes(a)
    assert oracle.public_key_bytes(oracle.load_private_key(raw)) == oracle.public_key_bytes(a)
    with pytest.raises(MalformedInput):
        oracle.load_private_key(raw[:31])
    with pytest.raises(MalformedInput, match="32"):
        oracle.check_public_key(b"\x00" * 31)


def test_report_with_k_signatures_of_one_price_is_accepted(world):
    report = world.attest(ASSET, EXPIRY, [101] * 4, observed_at=EXPIRY + 60)
    receipt = world.ledger.post_price(report)
    assert receipt.price == 101 and receipt.seq == 1 and receipt.kind == "price"
    final = world.ledger.final_price(ASSET, EXPIRY)
    assert (final.price, final.observed_at) == (101, EXPIRY + 60)
    entry = world.ledger.entry(1)
    assert entry["price"] == "101" and len(entry["attestations"]) == 4
    assert world.ledger.final_price(ASSET, EXPIRY + 1) is None


@pytest.mark.parametrize("prices", [[103, 100, 101, 102], [101, 101, 101, 100], [0, 2**64 - 1, 5, 5]])
def test_signers_that_disagree_on_the_price_are_no_report(world, prices):
    report = world.attest(ASSET, EXPIRY, prices, observed_at=EXPIRY)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(report), "must all attest one price")


def test_fewer_than_k_members_cannot_set_the_price(world):
    """The subset attack: one corrupt member's price plus public honest observations, chosen by the submitter.

    Under a median of any k signed observations, {honest at 101, honest at 101, corrupt at 0} gave 101 but
    {honest at 101, corrupt at 0, corrupt at 0} with k = 3 gave 0, and with k = 2 one corrupt member and one
    honest observation gave 0. Now a price needs k members attesting it.
    """
    honest = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY, signers=[0, 1, 2])
    corrupt = world.attest(ASSET, EXPIRY, [0], observed_at=EXPIRY, signers=[3])
    for report in ([*honest[:2], *corrupt], [honest[0], *corrupt], [*corrupt, *honest]):
        assert_rejected(world.ledger, lambda report=report: world.ledger.post_price(report), "must all attest one price")
    # The corrupt member alone is fewer than k = 3.
    assert_rejected(world.ledger, lambda: world.ledger.post_price(corrupt), "1 oracle signatures, at least 3 required")
    # Twin: k members attesting one price make the report, whoever submits it.
    assert world.ledger.post_price(honest).price == 101


def test_exactly_k_signatures_is_enough_and_k_minus_1_is_not(world):
    short = world.attest(ASSET, EXPIRY, [101, 101], observed_at=EXPIRY)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(short), "2 oracle signatures, at least 3 required")
    enough = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY)
    assert world.ledger.post_price(enough).price == 101


def test_duplicate_signer_is_rejected(world):
    dup = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY, signers=[0, 1, 1])
    assert_rejected(world.ledger, lambda: world.ledger.post_price(dup), "oracle member 1 signed twice")
    # The same member signing the same observation twice counts once too.
    same = world.attest(ASSET, EXPIRY, [101, 101], observed_at=EXPIRY, signers=[0, 1])
    assert_rejected(world.ledger, lambda: world.ledger.post_price(same + same[:1]), "signed twice")
    world.ledger.post_price(world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY, signers=[0, 1, 2]))


def test_unknown_signer_is_rejected(world):
    outsider = member_keys(5, seed=99)[0]
    report = world.attest(ASSET, EXPIRY, [101, 101], observed_at=EXPIRY)
    report.append(oracle.sign(Observation(ASSET, EXPIRY, 101, EXPIRY), outsider))
    assert_rejected(world.ledger, lambda: world.ledger.post_price(report), "unknown key")
    report[-1] = world.attest(ASSET, EXPIRY, [101], observed_at=EXPIRY, signers=[3])[0]
    world.ledger.post_price(report)


@pytest.mark.parametrize("what", ["signature", "price", "time"])
def test_bad_signature_is_rejected(world, what):
    report = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY)
    att = report[1]
    if what == "signature":
        sig = bytearray(att.signature)
        sig[10] ^= 0x40
        report[1] = Attestation(att.member, att.observation, bytes(sig))
    elif what == "price":
        report[1] = Attestation(att.member, Observation(ASSET, EXPIRY, 5, EXPIRY), att.signature)
    else:
        report[1] = Attestation(att.member, Observation(ASSET, EXPIRY, 101, EXPIRY + 1), att.signature)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(report), "bad signature from oracle member 1")
    report[1] = att
    world.ledger.post_price(report)


def test_truncated_signature_is_rejected(world):
    report = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY)
    report[0] = Attestation(report[0].member, report[0].observation, report[0].signature[:63])
    assert_rejected(world.ledger, lambda: world.ledger.post_price(report), "bad signature")


def test_late_second_report_is_rejected(world):
    first = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY + 10)
    world.ledger.post_price(first)
    world.clock.advance(600)
    second = world.attest(ASSET, EXPIRY, [201, 201, 201], observed_at=EXPIRY + 500)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(second), "already has a final price (entry 1)")
    assert_rejected(world.ledger, lambda: world.ledger.post_price(first), "already has a final price")
    assert world.ledger.final_price(ASSET, EXPIRY).price == 101
    # Twin: another expiry (or asset) is a new report.
    world.ledger.post_price(world.attest(ASSET, EXPIRY + 1, [201, 201, 201], observed_at=EXPIRY + 500))
    world.ledger.post_price(world.attest(ASSET + 1, EXPIRY, [8, 8, 8], observed_at=EXPIRY + 500))


def test_observation_before_expiry_or_in_the_future_is_rejected(world):
    early = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY - 1)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(early), "before the expiry")
    future = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=world.clock.t + 1)
    assert_rejected(world.ledger, lambda: world.ledger.post_price(future), "after the ledger's time")
    world.ledger.post_price(world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=world.clock.t))


def test_mixed_or_empty_reports_are_rejected(world):
    mixed = world.attest(ASSET, EXPIRY, [101, 101], observed_at=EXPIRY)
    mixed += world.attest(ASSET, EXPIRY + 1, [101], observed_at=EXPIRY + 1, signers=[2])
    assert_rejected(world.ledger, lambda: world.ledger.post_price(mixed), "another (asset, expiry)")
    assert_rejected(world.ledger, lambda: world.ledger.post_price([]), "at least one")
    assert_rejected(world.ledger, lambda: world.ledger.post_price(["x"]), "Attestation")
    assert_rejected(world.ledger, lambda: world.ledger.post_price("report"), "Attestation")
    # Any iterable of attestations will do (a generator here).
    good = world.attest(ASSET, EXPIRY, [2, 2, 2], observed_at=EXPIRY)
    assert world.ledger.post_price(a for a in good).price == 2


def test_report_json_round_trip(world):
    report = world.attest(ASSET, EXPIRY, [101, 101, 101], observed_at=EXPIRY)
    obj = json.loads(json.dumps({"attestations": [a.to_json() for a in report]}))
    assert [Attestation.from_json(a) for a in obj["attestations"]] == report
    bad = json.loads(json.dumps(obj))
    bad["attestations"][0]["price"] = "0100"
    assert_rejected(world.ledger, lambda: world.ledger.post_price_json(bad), "malformed price report")
    bad["attestations"][0] = {"member": "zz"}
    assert_rejected(world.ledger, lambda: world.ledger.post_price_json(bad), "malformed price report")
    assert_rejected(world.ledger, lambda: world.ledger.post_price_json({"attestations": "no"}), "malformed")
    assert world.ledger.post_price_json(obj).price == 101
