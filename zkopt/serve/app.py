"""The ledger's HTTP JSON API on aiohttp: reads, submissions in batches, price reports, the explorer page.

One ``LedgerService`` owns the ledger (a SQLite file or a PostgreSQL
database). A connection stays in its thread, so the service keeps two: a
writer thread that applies every change, and a reader thread that answers
the reads (WAL lets them run side by side; PostgreSQL's snapshots do the
same). Submissions are queued; the server takes whatever has queued up while
it was busy (waiting ``BATCH_WINDOW`` for more after the first) as one batch,
judges it with ``Ledger.judge_batch`` (shapes, points, one batch verification
per kind; the pairings in a helper process, ``groth16.two_process``) while
the writer is still writing the batch before, then hands it to the writer,
``Ledger.apply_judged`` (each transaction's state rules in order, one
database transaction). So the server's rate grows with its load, and its two
halves run on two cores. Bundles and price reports take the writer alone, in
queue order, after the writes before them.

Limits: a request body of at most ``MAX_BODY`` bytes, at most
``REQUEST_SECONDS`` per request, entries and notes served ``PAGE`` at a
time. Every refusal is one line of JSON, ``{"error", "code"}`` (``wire``),
never a trace; every request is one JSON line in the access log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from zkopt.errors import LedgerRejected, MalformedInput, MalformedSubmission, ZkoptError
from zkopt.groth16.two_process import TwoProcessVerifier
from zkopt.ledger import Ledger, database, schema, wire
from zkopt.ledger.copy import copy_ledger
from zkopt.ledger.transactions import Transaction, parse_submission

MAX_BODY = 1 << 20
REQUEST_SECONDS = 60.0
PAGE = 500
#: At most this many queued transactions are judged as one batch.
MAX_BATCH = 128
#: After the first change of a batch, the writer waits this long for more to queue (unless MAX_BATCH are there).
#: Clients that were just answered resubmit within a few milliseconds; without the wait the writer would judge
#: the first one alone and the rest as the next batch, paying a batch's fixed costs (one final exponentiation,
#: one commit) twice. A lone request waits this much longer for its answer.
BATCH_WINDOW = 0.004

EXPLORER = Path(__file__).with_name("explorer.html")
log = logging.getLogger("zkopt.serve")


class LedgerService:
    """The ledger file behind the API: a reader and a writer thread, and the queue of changes (module docstring)."""

    def __init__(self, path: str | Path):
        #: The file's Path, or the PostgreSQL URL.
        self.path = path if database.is_url(path) else Path(path)
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="zkopt-reader")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="zkopt-writer")
        self._judge = ThreadPoolExecutor(1, thread_name_prefix="zkopt-judge")
        self._auditor = ThreadPoolExecutor(1, thread_name_prefix="zkopt-auditor")
        self._read: Ledger | None = None
        self._write: Ledger | None = None
        self._queue: asyncio.Queue | None = None
        self._batcher: asyncio.Task | None = None
        self._audit: tuple[str, dict] | None = None
        self._verifier = TwoProcessVerifier(local_share=0)

    # --- life --------------------------------------------------------------------------------

    async def start(self, app=None) -> None:
        loop = asyncio.get_running_loop()
        self._read = await loop.run_in_executor(self._reader, Ledger.open, self.path)
        self._write = await loop.run_in_executor(self._writer, Ledger.open, self.path)
        await loop.run_in_executor(self._judge, self._verifier.start)
        self._write.batch_verifier = self._verifier.verify_batch
        self._queue = asyncio.Queue()
        self._batcher = asyncio.create_task(self._run())

    async def stop(self, app=None) -> None:
        if self._batcher is not None:
            self._batcher.cancel()
        loop = asyncio.get_running_loop()
        for ledger, pool in ((self._read, self._reader), (self._write, self._writer)):
            if ledger is not None:
                await loop.run_in_executor(pool, ledger.close)
        await loop.run_in_executor(self._judge, self._verifier.close)
        for pool in (self._reader, self._writer, self._judge, self._auditor):
            pool.shutdown(wait=False, cancel_futures=True)

    @property
    def ready(self) -> bool:
        return self._read is not None and self._write is not None and self._batcher is not None and not self._batcher.done()

    # --- reads and writes ------------------------------------------------------------------------

    async def read(self, fn, *args):
        """``fn(ledger, *args)`` on the reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._reader, fn, self._read, *args)

    async def change(self, kind: str, payload):
        """Queue a change (a transaction, a bundle, a price report) and wait for its outcome."""
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((kind, payload, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        writing = None  # the previous batch's write: the next batch is judged beside it
        try:
            while True:
                for group in _groups(await self._collect(loop)):
                    if group[0][0] == "tx":
                        judged = await self._outcomes(loop, self._judge, self._write.judge_batch, group)
                        if writing is not None:
                            await writing
                            writing = None
                        if isinstance(judged, list):  # the whole batch was refused
                            _answer(group, judged)
                        else:
                            writing = asyncio.ensure_future(self._write_judged(loop, group, judged))
                        continue
                    if writing is not None:  # a bundle or a price report: after the writes before it, alone
                        await writing
                        writing = None
                    fn = self._write.submit_bundle if group[0][0] == "bundle" else self._write.post_price_json
                    _answer(group, await self._outcomes(loop, self._writer, lambda payloads: [fn(payloads[0])], group))
        finally:
            if writing is not None:
                writing.cancel()

    async def _collect(self, loop) -> list:
        """The next changes: the first to queue, and what else queues within ``BATCH_WINDOW`` (at most MAX_BATCH)."""
        items = [await self._queue.get()]
        deadline = loop.time() + BATCH_WINDOW
        while len(items) < MAX_BATCH and (wait := deadline - loop.time()) > 0:
            try:
                items.append(await asyncio.wait_for(self._queue.get(), wait))
            except asyncio.TimeoutError:
                break
        while not self._queue.empty() and len(items) < MAX_BATCH:
            items.append(self._queue.get_nowait())
        return items

    async def _write_judged(self, loop, group, judged) -> None:
        _answer(group, await self._outcomes(loop, self._writer, self._write.apply_judged, group, judged))

    async def _outcomes(self, loop, pool, fn, group, arg=None):
        """``fn(arg)`` on ``pool`` (arg: the group's payloads unless given); on failure its error for each."""
        try:
            return await loop.run_in_executor(pool, fn, [p for _, p, _ in group] if arg is None else arg)
        except (ZkoptError, ValueError) as exc:
            return [exc] * len(group)
        except Exception as exc:  # never leave a waiting request without an answer
            log.exception("the writer failed")
            return [LedgerRejected(f"the ledger server failed ({exc.__class__.__name__})")] * len(group)

    async def audit(self) -> dict:
        """The audit of the ledger as of its head, cached per head hash (it re-verifies every proof)."""
        from zkopt.audit import audit

        head = await self.read(lambda ledger: ledger.state().head_hash.hex())
        if self._audit is None or self._audit[0] != head:
            report = await asyncio.get_running_loop().run_in_executor(self._auditor, audit, self.path)
            self._audit = (head, {"ok": report.ok, "entries": report.entries, "head_hash": report.head_hash.hex(),
                                  "findings": [str(f) for f in report.findings[:20]]})
        return self._audit[1]


def _groups(items: list):
    """Queued changes in order: each run of transactions as one group, each bundle or price report alone."""
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and items[j][0] == "tx":
            j += 1
        group = items[i:j] if j > i else items[i:i + 1]
        i += len(group)
        yield group


def _answer(group, outcomes) -> None:
    """Resolve each queued change's future with its outcome (a result, or the exception that refused it)."""
    for (_, _, future), outcome in zip(group, outcomes):
        if future.done():
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


# --- the routes ------------------------------------------------------------------------------------


def _int(request: web.Request, name: str) -> int:
    text = request.match_info.get(name) or request.query.get(name, "")
    if not text.isdigit() or len(text) > 80:
        raise MalformedInput(f"{name} must be a non-negative decimal integer")
    return int(text)


async def _body(request: web.Request) -> object:
    try:
        return json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise MalformedSubmission("the request body is not JSON") from None


def routes(service: LedgerService) -> web.RouteTableDef:
    r = web.RouteTableDef()
    ok = web.json_response

    @r.get("/")
    async def explorer(request):
        return web.FileResponse(EXPLORER, headers={"Content-Type": "text/html; charset=utf-8"})

    @r.get("/health")
    async def health(request):
        return ok({"ok": True})

    @r.get("/ready")
    async def ready(request):
        return ok({"ready": service.ready}, status=200 if service.ready else 503)

    @r.get("/v1/genesis")
    async def genesis(request):
        g = service._read.genesis
        return ok({"genesis": g.to_json(), "genesis_hash": g.hash().hex(), "carries_notes": True})

    @r.get("/v1/state")
    async def state(request):
        def read(ledger):
            s = ledger.state()
            return {"entries": s.entries, "head_hash": s.head_hash.hex(), "root": str(s.root),
                    "leaf_count": s.leaf_count, "pool_balance": str(s.pool_balance), "time": ledger.time()}
        return ok(await service.read(read))

    @r.get("/v1/summary")
    async def summary(request):
        with_entries = request.query.get("entries") == "1"
        return ok(await service.read(lambda ledger: ledger.summary(entries=with_entries)))

    @r.get("/v1/roots")
    async def roots(request):
        return ok({"roots": [str(x) for x in await service.read(lambda ledger: ledger.recent_roots())]})

    @r.get("/v1/leaves/{index}/path")
    async def path(request):
        index = _int(request, "index")
        try:
            found = await service.read(lambda ledger: ledger.membership(index))
        except ValueError:
            raise web.HTTPNotFound(text=json.dumps({"error": f"no leaf {index}", "code": 2}),
                                   content_type="application/json") from None
        return ok(wire.path_to_json(found))

    @r.get("/v1/leaves")
    async def leaves(request):
        since = _int(request, "since") if "since" in request.query else 0
        def read(ledger):
            last = ledger.leaf_count
            return [{"index": i, "cm": str(ledger.leaf(i))} for i in range(since, min(last, since + PAGE))]
        return ok({"leaves": await service.read(read)})

    @r.get("/v1/commitments/{cm}")
    async def commitment(request):
        found = await service.read(lambda ledger: ledger.find_commitment(_int(request, "cm")))
        return ok(None if found is None else {"leaf_index": found[0], "seq": found[1]})

    @r.get("/v1/nullifiers/{nf}")
    async def nullifier(request):
        seq = await service.read(lambda ledger: ledger.nullifier_seq(_int(request, "nf")))
        return ok(None if seq is None else {"seq": seq})

    @r.get("/v1/prices/{asset}/{expiry}")
    async def price(request):
        asset, expiry = _int(request, "asset"), _int(request, "expiry")
        found = await service.read(lambda ledger: ledger.final_price(asset, expiry))
        return ok(None if found is None else wire.price_to_json(found))

    @r.get("/v1/margin-grid/{asset}")
    async def grid(request):
        asset = _int(request, "asset")
        return ok({"grid": [str(g) for g in await service.read(lambda ledger: ledger.margin_grid(asset))]})

    @r.get("/v1/entries")
    async def entries(request):
        since = max(1, _int(request, "since")) if "since" in request.query else 1
        def read(ledger):
            last = min(ledger.state().entries, since + PAGE - 1)
            return [ledger.entry(seq) for seq in range(since, last + 1)]
        return ok({"entries": await service.read(read)})

    @r.get("/v1/notes")
    async def notes(request):
        since = _int(request, "since") if "since" in request.query else 1
        rows = await service.read(lambda ledger: ledger.encrypted_notes(since))
        return ok({"notes": [{"seq": s, "position": p, "ciphertext": c.hex()} for s, p, c in rows[: PAGE * 4]]})

    @r.get("/v1/audit")
    async def audit(request):
        return ok(await service.audit())

    @r.get("/v1/snapshot")
    async def snapshot(request):
        def copy(ledger) -> Path:
            target = Path(tempfile.mkdtemp(prefix="zkopt-snapshot-")) / "ledger.db"
            if database.is_url(service.path):  # a SQLite copy of the PostgreSQL ledger, row for row
                copy_ledger(service.path, target)
                return target
            source = schema.connect(service.path, "ro")
            try:
                with sqlite3.connect(target) as out:
                    source.backup(out)
            finally:
                source.close()
            return target
        target = await service.read(copy)
        response = web.StreamResponse(headers={"Content-Type": "application/vnd.sqlite3"})
        await response.prepare(request)
        try:
            with target.open("rb") as data:
                while chunk := data.read(1 << 16):
                    await response.write(chunk)
        finally:
            shutil.rmtree(target.parent, ignore_errors=True)
        await response.write_eof()
        return response

    @r.post("/v1/transactions")
    async def submit(request):
        parsed = parse_submission(await _body(request))
        if isinstance(parsed, list):
            raise MalformedSubmission("a bundle goes to /v1/bundles")
        return ok(wire.receipt_to_json(await service.change("tx", parsed)))

    @r.post("/v1/bundles")
    async def bundle(request):
        parsed = parse_submission(await _body(request))
        if isinstance(parsed, Transaction):
            parsed = [parsed]
        receipts = await service.change("bundle", parsed)
        return ok({"receipts": [wire.receipt_to_json(x) for x in receipts]})

    @r.post("/v1/prices")
    async def prices(request):
        return ok(wire.receipt_to_json(await service.change("price", await _body(request))))

    return r


@web.middleware
async def one_line_errors(request: web.Request, handler):
    """Every refusal as ``{"error", "code"}`` within the time limit; an unexpected failure is logged, not shown."""
    try:
        return await asyncio.wait_for(handler(request), REQUEST_SECONDS)
    except web.HTTPException as exc:
        if exc.content_type == "application/json":
            raise
        code = 2 if exc.status < 500 else 75
        return web.json_response({"error": exc.reason, "code": code}, status=exc.status)
    except asyncio.TimeoutError:
        return web.json_response({"error": f"the request took longer than {REQUEST_SECONDS:g} s; retry",
                                  "code": 75}, status=503)
    except (ZkoptError, ValueError) as exc:
        status, body = wire.error_body(exc)
        return web.json_response(body, status=status)
    except Exception:
        log.exception("unexpected failure on %s %s", request.method, request.path)
        return web.json_response({"error": "the ledger server failed on this request", "code": 1}, status=500)


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON line per request: time, client, method, path, status, bytes and milliseconds."""

    def log(self, request, response, elapsed):
        self.logger.info(json.dumps({
            "time": round(time.time(), 3), "remote": request.remote, "method": request.method,
            "path": request.path_qs, "status": response.status, "bytes": response.body_length,
            "ms": round(elapsed * 1000, 2),
        }))


def make_app(path: str | Path) -> web.Application:
    """The aiohttp application serving the ledger file at ``path``."""
    service = LedgerService(path)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[one_line_errors])
    app["service"] = service
    app.add_routes(routes(service))
    app.on_startup.append(service.start)
    app.on_cleanup.append(service.stop)
    return app


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8470, on_ready=None) -> None:
    """Run the server until SIGINT or SIGTERM (``zkopt ledger serve``); ``on_ready(url)`` once it listens.

    ``port`` 0 takes a free port (the URL given to ``on_ready`` names it).
    """
    import signal

    Ledger.open(path).close()  # an unusable file is refused here, before anything listens
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    async def main() -> None:
        runner = web.AppRunner(make_app(path), access_log=logging.getLogger("zkopt.serve.access"),
                               access_log_class=JsonAccessLogger)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if on_ready is not None:
            on_ready(f"http://{host}:{bound}")
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())
