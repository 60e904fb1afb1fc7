"""Group commit for the webhook inbox: concurrent requests share one transaction.

Each request still gets its answer only after its event is committed (ack after a durable
write), but under load one insert carries many events, so the database work per webhook falls
as traffic rises instead of queueing behind a lock. One writer thread also means SQLite never
sees two writers.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Sequence

from callstate.domain.call import CallEvent

_Item = tuple[CallEvent, "asyncio.Future[bool]", asyncio.AbstractEventLoop]


class BatchRecorder:
    def __init__(
        self, record_many: Callable[[Sequence[CallEvent]], list[bool]], *, max_batch: int = 256
    ) -> None:
        self._record_many = record_many
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="callstate-inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def record(self, event: CallEvent) -> bool:
        """True when the event is new; raises what the database raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.put((event, future, loop))
        return await future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        try:
            results = self._record_many([event for event, _, _ in batch])
        except Exception as exc:  # noqa: BLE001 - forwarded to every waiting request, not swallowed
            for _, future, loop in batch:
                loop.call_soon_threadsafe(_fail, future, exc)
            return
        for (_, future, loop), stored in zip(batch, results, strict=True):
            loop.call_soon_threadsafe(_succeed, future, stored)


def _succeed(future: asyncio.Future[bool], stored: bool) -> None:
    if not future.done():  # the client may have gone away
        future.set_result(stored)


def _fail(future: asyncio.Future[bool], exc: Exception) -> None:
    if not future.done():
        future.set_exception(exc)
