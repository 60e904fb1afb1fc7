"""What the CRM knows of a live caller, read once per call within a time budget.

The inbound-call webhook (before the call is answered) and the in-call tools (during it) both
need the caller's record, and both must answer fast. One `CallerLookup` per process serves them:
the read runs in a small thread pool, a caller waits at most the budget (a slow or failing CRM
means an answer without the record, never a late one), and the read is kept per call, so the
tools reuse what the inbound webhook started instead of asking the CRM again.

The inbound webhook waits on the event loop (`look_up_async`): the read's thread wakes the loop
directly, instead of a worker thread being handed the wait and then handing the answer back
(two thread hand-offs fewer per call, own time measured by bench/inbound.py).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from threading import Lock

import structlog

from callstate.config.model import Workspace
from callstate.connectors.errors import ConnectorError
from callstate.connectors.ports import ContactSnapshot
from callstate.domain.ids import deal_key
from callstate.domain.values import mask_phone
from callstate.execution.services import Services
from callstate.policy.inbound import LookupState

log = structlog.get_logger(__name__)
# Reads that outlive their budget keep a worker until the CRM client's own timeout; a small pool
# caps how many pile up, and a caller that finds it full waits out its budget.
_WORKERS = 8
_KEPT_CALLS = 2048


class CallerLookup:
    def __init__(self, services: Services, *, budget_seconds: float = 0.35) -> None:
        self._services = services
        self.budget_seconds = budget_seconds
        self._pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="crm-lookup")
        self._calls: OrderedDict[tuple[str, str], Future[ContactSnapshot | None]] = OrderedDict()
        self._lock = Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def look_up(
        self,
        workspace: Workspace,
        phone: str | None,
        pipeline: str,
        *,
        call_id: str | None,
        asker: str,
    ) -> tuple[ContactSnapshot | None, LookupState]:
        """The caller's record and how the read went. Blocks at most the budget; safe to call
        from any thread. Without a `call_id` the read is not kept. `asker` prefixes the log
        events (`inbound.lookup_slow`, `tool.lookup_failed`)."""
        if phone is None:
            return None, LookupState.NO_CALLER_ID
        future = self._future(workspace, phone, pipeline, call_id)
        finished, _ = wait([future], timeout=self.budget_seconds)
        if not finished:
            return _timed_out(workspace, phone, asker)
        return _outcome(future, workspace, phone, asker)

    async def look_up_async(
        self,
        workspace: Workspace,
        phone: str | None,
        pipeline: str,
        *,
        call_id: str | None,
        asker: str,
    ) -> tuple[ContactSnapshot | None, LookupState]:
        """`look_up` for a coroutine: the same answers and log events, awaited on the running
        loop without holding a thread. A read that outlives the budget is not cancelled: it
        keeps running for the in-call tools, exactly as with `look_up`."""
        if phone is None:
            return None, LookupState.NO_CALLER_ID
        future = self._future(workspace, phone, pipeline, call_id)
        loop = asyncio.get_running_loop()
        finished = loop.create_future()

        def wake(_: Future[ContactSnapshot | None]) -> None:
            # A closed loop (the app stopped) has nobody waiting for this read any more.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, finished)

        future.add_done_callback(wake)
        try:
            await asyncio.wait_for(finished, self.budget_seconds)
        except TimeoutError:
            return _timed_out(workspace, phone, asker)
        return _outcome(future, workspace, phone, asker)

    def _future(
        self, workspace: Workspace, phone: str, pipeline: str, call_id: str | None
    ) -> Future[ContactSnapshot | None]:
        key = (workspace.id, call_id) if call_id else None
        with self._lock:
            kept = self._calls.get(key) if key else None
            if kept is not None and not (kept.done() and kept.exception() is not None):
                return kept
            crm = self._services.connectors[workspace.id].crm
            future = self._pool.submit(
                crm.find_contact,
                phone,
                deal_key=deal_key(workspace.id, phone, pipeline),
                pipeline=pipeline,
            )
            if key is not None:
                self._calls[key] = future
                while len(self._calls) > _KEPT_CALLS:
                    self._calls.popitem(last=False)
            return future


def _settle(finished: asyncio.Future[None]) -> None:
    if not finished.done():  # `wait_for` cancels it when the budget runs out first
        finished.set_result(None)


def _timed_out(
    workspace: Workspace, phone: str, asker: str
) -> tuple[ContactSnapshot | None, LookupState]:
    log.warning(f"{asker}.lookup_slow", workspace=workspace.id, caller=mask_phone(phone))
    return None, LookupState.TIMED_OUT


def _outcome(
    future: Future[ContactSnapshot | None], workspace: Workspace, phone: str, asker: str
) -> tuple[ContactSnapshot | None, LookupState]:
    """A finished read as an answer. Anything but a `ConnectorError` is a bug and is raised."""
    try:
        snapshot = future.result()
    except ConnectorError as exc:
        log.warning(
            f"{asker}.lookup_failed",
            workspace=workspace.id,
            caller=mask_phone(phone),
            error=str(exc),
        )
        return None, LookupState.FAILED
    if snapshot is None:
        return None, LookupState.NOT_FOUND
    return snapshot, LookupState.FOUND
