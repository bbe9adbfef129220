"""Batch verification on two processes: this one and a helper it keeps, for a server judging batches.

A ledger server spends much of a batch's time in the pairing check, and a
Python process uses one core of the two. ``TwoProcessVerifier`` keeps
``verify_batch``'s contract (returns, or raises ``InvalidProof`` naming
every bad position, or ``MalformedProof`` naming the first malformed one)
and checks the last part of a batch in a helper process while this process
checks the first (``local_share``; all of it in the helper with 0, as the
server does, whose own process meanwhile writes the previous batch): each
part is its own random combination with its own weights, so each is exactly
as sound as ``verify_batch`` of it. Every proof's inputs are checked here
first, so a malformed one is named as ``verify_batch`` names it.

The helper is started with ``spawn`` (a fresh interpreter that inherits no
state of the server, no database connection, no thread) and prepares each
verification key once. Below ``MIN_SPLIT`` proofs (unless the helper takes
everything), with one CPU or ``ZKOPT_PROCESSES=1``, and whenever the helper
fails (it is started again for the next batch), the whole batch is checked
here: a dead helper costs time, never a verdict.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from zkopt.errors import InvalidProof
from zkopt.groth16.keys import PreparedVerifyingKey, Proof, VerifyingKey, prepare
from zkopt.groth16.verifier import _prepared, batch_failure, checked_items, verify_batch

#: Fewer proofs than this are checked in this process alone, unless the helper takes everything (for so few,
#: the round trip to the helper and back outweighs the part it takes).
MIN_SPLIT = 4

log = logging.getLogger("zkopt.groth16")


def enabled() -> bool:
    return os.environ.get("ZKOPT_PROCESSES") != "1" and (os.cpu_count() or 1) > 1


class TwoProcessVerifier:
    """``verify_batch`` with part of each batch in a helper process (module docstring); ``close()`` stops it."""

    def __init__(self, local_share: float = 0.5):
        if not 0 <= local_share < 1:
            raise ValueError("local_share is a fraction in [0, 1)")
        #: The part of each batch checked in this process (the first proofs); the helper checks the rest. A
        #: server that writes one batch while the next is judged gives the helper all of it (0).
        self.local_share = local_share
        self._helper: ProcessPoolExecutor | None = None
        #: How often the helper failed and the batch was checked here instead.
        self.failures = 0

    def start(self) -> None:
        """Start the helper now (a spawned interpreter takes a second), so the first batch does not wait for it."""
        if enabled() and self._helper is None:
            self._helper = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_end_with_parent
            )
            self._helper.submit(_ready).result()

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True, cancel_futures=True)
            self._helper = None

    def __enter__(self) -> TwoProcessVerifier:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def verify_batch(
        self,
        vk: VerifyingKey | PreparedVerifyingKey,
        items: Sequence[tuple[Sequence[int], Proof]],
        *,
        points_checked: bool = False,
    ) -> None:
        pvk = _prepared(vk)
        checked = checked_items(pvk, items, points_checked)
        if not checked or not enabled() or (self.local_share and len(checked) < MIN_SPLIT):
            return verify_batch(pvk, checked, points_checked=True)
        here = round(len(checked) * self.local_share)
        try:
            self.start()
            theirs = self._helper.submit(_bad_positions, pvk.vk, checked[here:])
        except Exception as exc:  # noqa: BLE001 - no helper: every proof is checked here
            self._lost(exc)
            return verify_batch(pvk, checked, points_checked=True)
        bad = _bad_positions(pvk, checked[:here])
        try:
            bad += [here + j for j in theirs.result()]
        except Exception as exc:  # noqa: BLE001 - the helper died or failed: its part is checked here
            self._lost(exc)
            bad += [here + j for j in _bad_positions(pvk, checked[here:])]
        if bad:
            raise batch_failure(bad, len(checked))

    def _lost(self, exc: Exception) -> None:
        self.failures += 1
        log.warning("the verification helper failed (%s); checking here", exc.__class__.__name__)
        helper, self._helper = self._helper, None
        if helper is not None:
            helper.shutdown(wait=False, cancel_futures=True)


def _ready() -> bool:
    return True


def _end_with_parent() -> None:
    """In the helper: exit when the process that started it is gone (a killed server leaves no helper behind)."""

    def watch(sentinel) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, args=(multiprocessing.parent_process().sentinel,), daemon=True).start()


@functools.lru_cache(maxsize=16)
def _prepared_in_helper(vk: VerifyingKey) -> PreparedVerifyingKey:
    return prepare(vk)  # the server validated the key before it sent it


def _bad_positions(vk: VerifyingKey | PreparedVerifyingKey, items: list) -> list[int]:
    """Positions in ``items`` (already checked) whose proofs fail: [] when the batch holds."""
    pvk = vk if isinstance(vk, PreparedVerifyingKey) else _prepared_in_helper(vk)
    try:
        verify_batch(pvk, items, points_checked=True)
    except InvalidProof as exc:
        return exc.indices
    return []
