"""A ledger reached over HTTP (``zkopt ledger serve``): the ``LedgerBackend`` of a file, for other machines.

``RemoteLedger(url)`` speaks the JSON API of ``zkopt.serve`` with the
standard library's ``http.client`` (one kept-alive connection; no import
cost at start-up) and raises what the ledger raised: ``LedgerRejected``,
``MalformedSubmission`` (unusable input), ``LedgerBusy`` (retry). It trusts
the server for nothing it can check: the genesis must hash to the hash the
server states (and, given ``genesis_hash``, to the one the caller trusts),
and every Merkle path must hash up to its root. ``snapshot(path)`` downloads
a consistent copy of the ledger file for the auditor, which re-verifies
everything in it.
"""

from __future__ import annotations

import functools
import http.client
import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from zkopt.errors import MalformedInput, MalformedSubmission
from zkopt.groth16 import Proof
from zkopt.ledger import wire
from zkopt.ledger.genesis import Genesis
from zkopt.ledger.oracle import Attestation, FinalPrice
from zkopt.ledger.transactions import Receipt, Transaction
from zkopt.native.merkle import MerklePath

#: Seconds a request may take before the client gives up (a submission waits for its batch).
TIMEOUT = 60.0
#: Largest answer the client reads (a snapshot is streamed to a file instead).
MAX_ANSWER = 16 << 20


def _answers(method):
    """A read whose answer the server could have malformed: any shape error becomes one MalformedInput line."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedInput(f"the ledger at {self.url} sent a malformed answer ({exc.__class__.__name__})") from None

    return wrapper


class RemoteLedger:
    """A client of one ledger server; see the module docstring."""

    carries_notes = True

    def __init__(self, url: str, *, genesis_hash: bytes | None = None, timeout: float = TIMEOUT):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise MalformedInput(f"a ledger URL is http://HOST:PORT, got {url!r}")
        self.url = url.rstrip("/")
        self._host, self._port = parts.hostname, parts.port or 80
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self.genesis, stated = self._genesis()
        if self.genesis.hash() != stated:
            raise MalformedInput(f"the ledger at {self.url} sent a genesis that does not hash to its genesis hash")
        if genesis_hash is not None and stated != genesis_hash:
            raise MalformedInput(f"the ledger at {self.url} is not the ledger of genesis hash {genesis_hash.hex()}")
        self.path = self.url

    @_answers
    def _genesis(self) -> tuple[Genesis, bytes]:
        info = self._get("/v1/genesis")
        return Genesis.from_json(info["genesis"]), bytes.fromhex(info["genesis_hash"])

    # --- the connection ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: object = None) -> http.client.HTTPResponse:
        """Send one request. A read reuses the kept-alive connection (re-opened once if the server closed it);
        a write always goes on a new one, so it is never sent twice."""
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        if method != "GET":
            self.close()
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._conn.request(method, path, body=payload, headers=headers)
                return self._conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt or method != "GET":
                    raise MalformedInput(f"the ledger at {self.url} cannot be reached: {exc}") from None
        raise AssertionError("unreachable")

    def _call(self, method: str, path: str, body: object = None):
        response = self._request(method, path, body)
        data = response.read(MAX_ANSWER + 1)
        if len(data) > MAX_ANSWER:
            self.close()
            raise MalformedInput(f"the ledger at {self.url} sent an answer over {MAX_ANSWER} bytes")
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            raise MalformedInput(f"the ledger at {self.url} did not answer in JSON (HTTP {response.status})") from None
        if response.status >= 400:
            raise wire.error_for(response.status, parsed)
        return parsed

    def _get(self, path: str):
        return self._call("GET", path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> RemoteLedger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------------------

    @_answers
    def time(self) -> int:
        return int(self._get("/v1/state")["time"])

    @_answers
    def state(self) -> dict:
        state = self._get("/v1/state")
        if not isinstance(state, dict):
            raise TypeError("state")
        return state

    @property
    def root(self) -> int:
        return wire.fe(self.state()["root"], "root")

    @_answers
    def summary(self, entries: bool = False) -> dict:
        return self._get(f"/v1/summary?entries={int(bool(entries))}")

    def membership(self, leaf_index: int) -> MerklePath:
        return wire.path_from_json(self._get(f"/v1/leaves/{int(leaf_index)}/path"))

    @_answers
    def find_commitment(self, cm: int) -> tuple[int, int] | None:
        found = self._get(f"/v1/commitments/{int(cm)}")
        return None if found is None else (int(found["leaf_index"]), int(found["seq"]))

    @_answers
    def nullifier_seq(self, nf: int) -> int | None:
        found = self._get(f"/v1/nullifiers/{int(nf)}")
        return None if found is None else int(found["seq"])

    def final_price(self, asset: int, expiry: int) -> FinalPrice | None:
        found = self._get(f"/v1/prices/{int(asset)}/{int(expiry)}")
        return None if found is None else wire.price_from_json(found)

    @_answers
    def margin_grid(self, asset: int) -> list[int]:
        return [wire.fe(g, "grid price") for g in self._get(f"/v1/margin-grid/{int(asset)}")["grid"]]

    @_answers
    def entries(self, start: int = 1) -> list[dict]:
        return self._get(f"/v1/entries?since={int(start)}")["entries"]

    def encrypted_notes(self, start: int = 1) -> list[tuple[int, int, bytes]]:
        rows = self._get(f"/v1/notes?since={int(start)}")["notes"]
        try:
            return [(int(r["seq"]), int(r["position"]), bytes.fromhex(r["ciphertext"])) for r in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedInput(f"the ledger at {self.url} sent bad encrypted notes: {exc}") from None

    def snapshot(self, target: str | Path) -> Path:
        """Write a consistent copy of the ledger file to ``target`` (for ``zkopt audit --ledger URL``)."""
        response = self._request("GET", "/v1/snapshot")
        if response.status >= 400:
            data = response.read(MAX_ANSWER)
            raise wire.error_for(response.status, json.loads(data) if data else None)
        target = Path(target)
        with target.open("wb") as out:
            while chunk := response.read(1 << 16):
                out.write(chunk)
        return target

    # --- writing ------------------------------------------------------------------------------------

    def submit(self, kind: str, public: Sequence[int], proof: Proof, notes: Sequence[bytes] = ()) -> Receipt:
        tx = Transaction(kind, tuple(public), proof, tuple(notes))
        return wire.receipt_from_json(self._call("POST", "/v1/transactions", tx.to_json()))

    def submit_json(self, tx: object) -> Receipt:
        return wire.receipt_from_json(self._call("POST", "/v1/transactions", tx))

    def submit_batch(self, transactions: Sequence[Transaction]) -> list:
        """Each transaction as ``submit`` would (the server batches what arrives together): receipt or refusal."""
        from zkopt.errors import LedgerRejected

        results = []
        for tx in transactions:
            try:
                results.append(self.submit(tx.kind, list(tx.public), tx.proof, tx.notes))
            except LedgerRejected as exc:
                results.append(exc)
        return results

    @_answers
    def submit_bundle(self, transactions: Sequence[Transaction]) -> list[Receipt]:
        body = {"bundle": [tx.to_json() for tx in transactions]}
        return [wire.receipt_from_json(r) for r in self._call("POST", "/v1/bundles", body)["receipts"]]

    def post_price(self, attestations: Sequence[Attestation]) -> Receipt:
        if isinstance(attestations, Attestation):
            attestations = [attestations]
        if not all(isinstance(a, Attestation) for a in attestations):
            raise MalformedSubmission("a price report is a list of Attestation objects")
        body = {"attestations": [a.to_json() for a in attestations]}
        return wire.receipt_from_json(self._call("POST", "/v1/prices", body))

    def post_price_json(self, report: object) -> Receipt:
        return wire.receipt_from_json(self._call("POST", "/v1/prices", report))
