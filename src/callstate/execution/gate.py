"""`RequestGate`: waits for the vendor account's shared budget before a request goes out."""

from __future__ import annotations

import time
from collections.abc import Callable

from callstate.connectors.errors import RateLimited
from callstate.domain.budget import Budget
from callstate.storage.throttle import Throttle


class RequestGate:
    """Short waits are slept in the step's thread; a long one (a burst of calls ahead of us)
    becomes `RateLimited`, which the workflow turns into a durable sleep without holding a
    worker thread."""

    def __init__(
        self,
        throttle: Throttle,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 5.0,
    ) -> None:
        self._throttle = throttle
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait

    def __call__(self, key: str, budget: Budget) -> None:
        waited = 0.0
        while (wait := self._throttle.take(key, budget, self._clock())) > 0.0:
            if waited + wait > self._max_wait:
                vendor = key.partition(":")[0]
                raise RateLimited(
                    vendor,
                    f"request budget {budget.limit}/{budget.window_seconds:g}s in use",
                    retry_after=wait,
                )
            self._sleep(wait)
            waited += wait
