"""`RequestGate`: waits for the vendor account's shared budget before a request goes out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from callstate.connectors.errors import RateLimited
from callstate.domain.budget import Budget
from callstate.storage.throttle import Throttle


class RequestGate:
    """Short waits are slept in the step's thread; a long one (a burst of calls ahead of us)
    becomes `RateLimited`, which the workflow turns into a durable sleep without holding a
    worker thread.

    One database transaction per request would sit on every latency-bound path (the inbound
    webhook's CRM lookup makes three requests in a row), so the gate takes up to `batch`
    tokens at once and spends the spare ones in this process for `Budget.reservation_seconds`
    (0.3 s for a 10 s window). Spares not spent by then are dropped: the shared budget is
    under-used a little, never over-spent.
    """

    def __init__(
        self,
        throttle: Throttle,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 5.0,
        batch: int = 3,
    ) -> None:
        self._throttle = throttle
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._batch = batch
        self._lock = threading.Lock()
        self._spare: dict[str, tuple[int, float]] = {}  # key → (tokens, usable until)

    def __call__(self, key: str, budget: Budget) -> None:
        if self._spend_spare(key):
            return
        waited = 0.0
        while True:
            now = self._clock()
            granted, wait = self._throttle.take_up_to(key, budget, now, self._batch)
            if granted:
                if granted > 1:
                    with self._lock:
                        self._spare[key] = (granted - 1, now + budget.reservation_seconds)
                return
            if waited + wait > self._max_wait:
                vendor = key.partition(":")[0]
                raise RateLimited(
                    vendor,
                    f"request budget {budget.limit}/{budget.window_seconds:g}s in use",
                    retry_after=wait,
                )
            self._sleep(wait)
            waited += wait

    def _spend_spare(self, key: str) -> bool:
        with self._lock:
            tokens, until = self._spare.get(key, (0, 0.0))
            if tokens < 1 or self._clock() >= until:
                self._spare.pop(key, None)
                return False
            self._spare[key] = (tokens - 1, until)
            return True
