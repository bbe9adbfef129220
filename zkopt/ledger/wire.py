"""The ledger's values as JSON, shared by the HTTP server (``zkopt.serve``) and its client (``ledger.remote``).

Field elements travel as decimal strings (as snarkjs writes them), bytes as
lowercase hex. Errors travel as ``{"error": one line, "code": the CLI's exit
code}`` with an HTTP status per code: 400 unusable input (2), 422 checked and
refused (1), 503 busy, retry (75); ``error_for`` turns one back into the
exception the ledger raised, so a client refuses exactly as a file would.
"""

from __future__ import annotations

from collections.abc import Mapping

from zkopt.errors import LedgerBusy, LedgerRejected, MalformedInput, MalformedSubmission
from zkopt.field import parse_decimal
from zkopt.ledger.oracle import FinalPrice
from zkopt.ledger.transactions import Receipt
from zkopt.native.merkle import MerklePath

#: (HTTP status, exit code) of each refusal, most specific first.
STATUS = {"unusable": (400, 2), "refused": (422, 1), "busy": (503, 75), "missing": (404, 2)}


def error_body(exc: Exception) -> tuple[int, dict]:
    """The HTTP status and JSON body of a refusal (one line, never a trace)."""
    if isinstance(exc, LedgerBusy):
        status, code = STATUS["busy"]
    elif isinstance(exc, (MalformedSubmission, MalformedInput)):
        status, code = STATUS["unusable"]
    elif isinstance(exc, LedgerRejected):
        status, code = STATUS["refused"]
    else:
        status, code = 500, 1
    text = getattr(exc, "reason", None) or str(exc) or exc.__class__.__name__
    return status, {"error": " ".join(str(text).split()), "code": code}


def error_for(status: int, body: object) -> Exception:
    """The exception a refusal with ``status`` and ``body`` stands for."""
    message = body.get("error") if isinstance(body, Mapping) else None
    message = str(message) if message else f"the ledger server answered HTTP {status}"
    code = body.get("code") if isinstance(body, Mapping) else None
    if status == 503 or code == 75:
        return LedgerBusy(message)
    if status in (400, 404, 413) or code == 2:
        return MalformedSubmission(message)
    return LedgerRejected(message)


def fe(text: object, what: str) -> int:
    try:
        return parse_decimal(text, what=what)
    except (ValueError, TypeError) as exc:
        raise MalformedInput(f"the ledger server sent a bad {what}: {exc}") from None


def receipt_to_json(receipt: Receipt) -> dict:
    return receipt.to_json()


def receipt_from_json(obj: object) -> Receipt:
    try:
        return Receipt(
            seq=int(obj["seq"]), entry_type=str(obj["entry_type"]), kind=str(obj["kind"]),
            entry_hash=bytes.fromhex(obj["entry_hash"]), accepted_at=int(obj["accepted_at"]),
            root=fe(obj["root"], "root"), leaf_indices=tuple(int(i) for i in obj["leaf_indices"]),
            price=fe(obj["price"], "price") if obj.get("price") is not None else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedInput(f"the ledger server sent a bad receipt: {exc}") from None


def path_to_json(path: MerklePath) -> dict:
    return {"index": path.index, "leaf": str(path.leaf), "root": str(path.root),
            "siblings": [str(s) for s in path.siblings], "directions": list(path.directions)}


def path_from_json(obj: object) -> MerklePath:
    """A Merkle path; checked on construction (it must hash up to its root), so a server cannot mislead a prover."""
    try:
        return MerklePath(int(obj["index"]), fe(obj["leaf"], "leaf"), fe(obj["root"], "root"),
                          tuple(fe(s, "sibling") for s in obj["siblings"]), tuple(int(d) for d in obj["directions"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedInput(f"the ledger server sent a bad Merkle path: {exc}") from None


def price_to_json(price: FinalPrice) -> dict:
    return {"asset": str(price.asset), "expiry": price.expiry, "price": str(price.price), "observed_at": price.observed_at}


def price_from_json(obj: object) -> FinalPrice:
    try:
        return FinalPrice(fe(obj["asset"], "asset"), int(obj["expiry"]), fe(obj["price"], "price"), int(obj["observed_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedInput(f"the ledger server sent a bad price: {exc}") from None
