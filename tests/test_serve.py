"""`zkopt ledger serve` with real proofs at depth 4: the API's answers and refusals, a race, the explorer page.

The server runs in its own process (tests/serve_fixtures.py). The race: 8
clients at once submit 8 different withdrawals of one note (one nullifier):
exactly one is accepted, the others are refused with one line each. The page
is rendered by Debian's headless chromium (required under
ZKOPT_REQUIRE_INTEROP=1), its DOM checked against the ledger and a
screenshot written to the test's directory.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from tests.cli_fixtures import fails, ok
from tests.ledger_fixtures import ASSET, SPOT, snapshot
from tests.market_fixtures import Market
from tests.serve_fixtures import served
from zkopt.circuits import deposit, withdraw
from zkopt.errors import LedgerRejected, MalformedInput, MalformedSubmission
from zkopt.ledger import Observation, Transaction, oracle
from zkopt.ledger.remote import RemoteLedger
from zkopt.native import payoff
from zkopt.native.notes import deposit_note, public_key
from zkopt.units import asset_id

SCALE = payoff.SCALE
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def server(real_keys, tmp_path_factory):
    """A ledger with two deposits and a spot, served; the Market that made it (its file is the server's)."""
    d = tmp_path_factory.mktemp("serve")
    rng = random.Random(16_2026)
    market = Market(d / "ledger.db", real_keys, rng)
    sk = rng.randrange(1, 2**250)
    note = deposit_note(80 * SCALE, public_key(sk), 41)
    market.submit("deposit", deposit.inputs(note, 41))
    market.submit("deposit", deposit.inputs(deposit_note(5 * SCALE, public_key(sk), 42), 42))
    t = market.clock.t
    for asset in (ASSET, asset_id("BTC-USD")):  # the tests' asset id, and the CLI's for the ticker
        market.ledger.post_price([oracle.sign(Observation(asset, t, SPOT, t), market.members[i]) for i in (0, 1)])
    market.ledger.close()
    with served(d / "ledger.db", d / "access.log") as url:
        yield {"url": url, "dir": d, "market": market, "sk": sk, "note": note}


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _post(url: str, data: bytes):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_health_readiness_and_reads(server):
    url = server["url"]
    assert _get(f"{url}/health") == (200, {"ok": True})
    assert _get(f"{url}/ready") == (200, {"ready": True})
    with RemoteLedger(url) as remote:
        assert remote.state()["entries"] == 4
        assert remote.find_commitment(server["note"].commitment()) == (0, 1)
        assert remote.membership(0).leaf == server["note"].commitment()
        assert remote.final_price(ASSET, 0) is None and remote.nullifier_seq(7) is None
        assert len(remote.margin_grid(ASSET)) == 8
        assert [e["seq"] for e in remote.entries()] == [1, 2, 3, 4]
        assert remote.encrypted_notes() == []


@pytest.mark.parametrize(("path", "body", "status", "fragment"), [
    ("/v1/transactions", b"not json", 400, "not JSON"),
    ("/v1/transactions", b'{"kind": "deposit"}', 400, "lacks 'public'"),
    ("/v1/transactions", b'{"kind": "deposit", "public": ["1", "2"], "proof": {}}', 400, "proof"),
    ("/v1/bundles", b'{"bundle": []}', 400, "1 to 8 transactions"),
    ("/v1/prices", b'{"attestations": "x"}', 400, "attestations"),
    ("/v1/transactions", b"x" * ((1 << 20) + 10), 413, ""),
])
def test_bad_requests_get_one_json_line_and_change_nothing(server, path, body, status, fragment):
    before = snapshot(server["dir"] / "ledger.db")
    got, answer = _post(server["url"] + path, body)
    assert got == status and set(answer) == {"error", "code"} and answer["code"] == 2
    assert fragment in answer["error"] and "\n" not in answer["error"] and "Traceback" not in answer["error"]
    assert snapshot(server["dir"] / "ledger.db") == before


def test_show_and_margin_read_the_served_ledger(server):
    shown = json.loads(ok("ledger", "show", "--ledger", server["url"], "--json").stdout)
    assert shown["entries"] >= 4 and shown["genesis_hash"]
    text = ok("margin", "--ledger", server["url"], "--asset", "BTC-USD", "--leg", "call:33000:1").stdout
    assert "the ledger's: the last attested spot of BTC-USD" in text


def test_unknown_paths_and_bad_numbers_are_one_line(server):
    assert _get(server["url"] + "/v1/nope") == (404, {"error": "Not Found", "code": 2})
    status, answer = _get(server["url"] + "/v1/commitments/12x")
    assert status == 400 and "decimal" in answer["error"]
    assert _get(server["url"] + "/v1/leaves/99/path")[0] == 404


def test_a_client_refuses_what_it_cannot_use(server, tmp_path):
    with pytest.raises(MalformedInput, match="cannot be reached"):
        RemoteLedger("http://127.0.0.1:9")
    with pytest.raises(MalformedInput, match="http://HOST:PORT"):
        RemoteLedger("ftp://example")
    with pytest.raises(MalformedInput, match="not the ledger of genesis hash"):
        RemoteLedger(server["url"], genesis_hash=bytes(32))
    ok("wallet", "new", "--wallet", tmp_path / "w.json")
    fails(2, "cannot be reached", "wallet", "sync", "--wallet", tmp_path / "w.json", "--ledger", "http://127.0.0.1:9")
    fails(2, "give one ledger", "audit", "--db", tmp_path / "x.db", "--ledger", server["url"])


def _submitted_at_once(url: str, txs: list[Transaction]) -> list:
    """Each transaction from its own client, all released at once: per transaction its Receipt or refusal."""
    outcomes: list = [None] * len(txs)
    barrier = threading.Barrier(len(txs))

    def client(i: int) -> None:
        with RemoteLedger(url) as remote:
            barrier.wait()
            try:
                outcomes[i] = remote.submit(txs[i].kind, list(txs[i].public), txs[i].proof)
            except LedgerRejected as exc:
                outcomes[i] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(txs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_eight_clients_racing_one_nullifier_exactly_one_wins(server):
    market, sk, note = server["market"], server["sk"], server["note"]
    with RemoteLedger(server["url"]) as remote:
        path = remote.membership(0)
    proofs = []
    for i in range(8):
        public, proof = market.prove("withdraw", withdraw.inputs(note, sk, path, SCALE, 1000 + i))
        proofs.append(Transaction("withdraw", tuple(public), proof))
    outcomes = _submitted_at_once(server["url"], proofs)
    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, LedgerRejected)]
    assert len(accepted) == 1 and len(refused) == 7, outcomes
    assert all("already spent" in r.reason and not isinstance(r, MalformedSubmission) for r in refused)
    ok("audit", "--ledger", server["url"])


def test_the_access_log_is_one_json_line_per_request(server):
    _get(server["url"] + "/health")
    lines = [json.loads(line) for line in (server["dir"] / "access.log").read_text().splitlines() if line.startswith("{")]
    assert lines and {"time", "remote", "method", "path", "status", "ms"} <= set(lines[-1])
    assert any(line["path"] == "/health" and line["status"] == 200 for line in lines)


@pytest.mark.browser
def test_the_explorer_page_shows_the_ledger_in_a_real_browser(server, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=8000", "--window-size=1280,1400"]
    with RemoteLedger(server["url"]) as remote:
        state = remote.state()
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", server["url"] + "/"], capture_output=True, text=True,
                         timeout=120).stdout
    assert f'<b id="entries">{state["entries"]}</b>' in dom
    assert f'<b id="pool">{int(state["pool_balance"]) // SCALE}</b>' in dom
    assert 'class="ok">OK (' in dom  # the audit ran and holds
    assert dom.count("<tr data-seq=") >= state["entries"] + 1  # every entry, and the price row
    assert ">deposit<" in dom and ">price<" in dom and "3000" in dom
    shot = tmp_path / "explorer.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", server["url"] + "/"], capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    print(f"explorer screenshot: {shot}")


@pytest.mark.parametrize("answer", [b"[]", b'{"genesis": {}, "genesis_hash": "zz"}', b"not json", b'{"genesis_hash": "00"}'])
def test_a_server_that_answers_nonsense_is_one_clear_error(answer):
    import http.server

    class Nonsense(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Nonsense)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(MalformedInput) as info:
            RemoteLedger(f"http://127.0.0.1:{server.server_address[1]}")
        assert "\n" not in str(info.value)
    finally:
        server.shutdown()


def test_a_batch_with_bad_proofs_among_good_ones_names_each_and_accepts_the_rest(server):
    """Eight deposits at once (one or two batches, their proofs checked in the server's helper process while
    the previous batch is written): the two whose proofs are swapped are refused, the six others accepted."""
    market = server["market"]
    made = [market.prove("deposit", deposit.inputs(deposit_note((i + 1) * SCALE, public_key(7 + i), 900 + i), 900 + i))
            for i in range(8)]
    bad = {2, 5}
    txs = [Transaction("deposit", tuple(public), made[(i + 1) % 8][1] if i in bad else proof)
           for i, (public, proof) in enumerate(made)]
    with RemoteLedger(server["url"]) as remote:
        before = remote.state()["entries"]
    outcomes = _submitted_at_once(server["url"], txs)
    refused = {i for i, o in enumerate(outcomes) if isinstance(o, LedgerRejected)}
    assert refused == bad, outcomes
    assert all("does not verify" in outcomes[i].reason for i in bad)
    with RemoteLedger(server["url"]) as remote:
        assert remote.state()["entries"] == before + 6
    ok("audit", "--ledger", server["url"])
