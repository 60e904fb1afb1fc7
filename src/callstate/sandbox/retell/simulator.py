"""Plays planned deliveries at a webhook URL the way Retell's webhook sender does.

Owns the HTTP side: sign each request at send time with an injectable clock, send duplicate
copies concurrently, retry a non-2xx answer or a timeout up to three times, and report every
attempt. Retell's rules (docs webhook-overview; voice.md §1.7): 10 s timeout, up to 3 retries,
"triggered in order, but not blocking", so by default a retried event may land after later ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from callstate.sandbox.retell.delivery import SIGNATURE_HEADER, Delivery, sign

Clock = Callable[[], int]


def wall_clock_ms() -> int:
    """Milliseconds since the epoch, the unit of Retell's signature timestamp."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP attempt at copy `copy` of the `delivery`-th planned delivery.

    `attempt` 0 is the first try, 1.. are retries. `status_code` is None when no answer came
    (`error` says why: a timeout or a transport error).
    """

    delivery: int
    event: str
    call_id: str
    copy: int
    attempt: int
    status_code: int | None
    error: str | None
    latency_ms: float
    signature: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class Report:
    """Every attempt: first tries in plan order, each retry when it finished."""

    attempts: tuple[Attempt, ...]

    def of(self, event: str) -> tuple[Attempt, ...]:
        return tuple(a for a in self.attempts if a.event == event)

    @property
    def acknowledged(self) -> int:
        """Copies the receiver answered with 2xx (at most once per copy)."""
        return sum(1 for a in self.attempts if a.ok)

    @property
    def failed(self) -> tuple[Attempt, ...]:
        """The last attempt of each copy that never got a 2xx: Retell gives up on these."""
        done = {(a.delivery, a.copy) for a in self.attempts if a.ok}
        last: dict[tuple[int, int], Attempt] = {}
        for a in self.attempts:
            if (a.delivery, a.copy) not in done:
                last[(a.delivery, a.copy)] = a
        return tuple(last.values())


class Simulator:
    """Sends `Delivery` lists to one webhook URL, signed with one Retell API key.

    `now_ms` stamps signatures (inject a fixed clock to test the five-minute window);
    `retry_delay` seconds separate retries (Retell does not document its spacing; duplicates
    within a second are reported); `block_on_retry=True` holds later events until an event's
    retries finish, which Retell does not do. `transport` replaces the network in tests.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        now_ms: Clock = wall_clock_ms,
        timeout: float = 10.0,
        max_retries: int = 3,
        retry_delay: float = 1.0,
        concurrent_duplicates: bool = True,
        block_on_retry: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.url = url
        self._api_key = api_key
        self._now_ms = now_ms
        self._timeout = timeout
        self._max_retries = max_retries
        self._retry_delay = retry_delay
        self._concurrent = concurrent_duplicates
        self._block = block_on_retry
        self._transport = transport

    def deliver(self, deliveries: Sequence[Delivery]) -> Report:
        """Blocking form of `adeliver`; not for use inside a running event loop."""
        return asyncio.run(self.adeliver(deliveries))

    async def adeliver(self, deliveries: Sequence[Delivery]) -> Report:
        """Send every delivery in order, retrying failures; returns when all attempts ended."""
        attempts: list[Attempt] = []
        retrying: list[asyncio.Task[None]] = []
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
            for index, delivery in enumerate(deliveries):
                firsts = [self._post(client, index, delivery, c, 0) for c in range(delivery.copies)]
                if self._concurrent:
                    outcomes = list(await asyncio.gather(*firsts))
                else:
                    outcomes = [await first for first in firsts]
                attempts.extend(outcomes)
                for outcome in outcomes:
                    if outcome.ok or self._max_retries == 0:
                        continue
                    retry = self._retry(client, index, delivery, outcome.copy, attempts)
                    if self._block:
                        await retry
                    else:
                        retrying.append(asyncio.create_task(retry))
            await asyncio.gather(*retrying)
        return Report(tuple(attempts))

    async def _retry(
        self,
        client: httpx.AsyncClient,
        index: int,
        delivery: Delivery,
        copy: int,
        sink: list[Attempt],
    ) -> None:
        for n in range(1, self._max_retries + 1):
            await asyncio.sleep(self._retry_delay)
            outcome = await self._post(client, index, delivery, copy, n)
            sink.append(outcome)
            if outcome.ok:
                return

    async def _post(
        self, client: httpx.AsyncClient, index: int, delivery: Delivery, copy: int, attempt: int
    ) -> Attempt:
        # Signed at send time: a retry carries a fresh `v=`, as a real resend would.
        signature = sign(delivery.body, self._api_key, self._now_ms())
        headers = {"content-type": "application/json", SIGNATURE_HEADER: signature}
        status: int | None = None
        error: str | None = None
        began = time.perf_counter()
        try:
            response = await client.post(self.url, content=delivery.body, headers=headers)
            status = response.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except httpx.TransportError as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Attempt(
            delivery=index,
            event=delivery.event,
            call_id=delivery.call_id,
            copy=copy,
            attempt=attempt,
            status_code=status,
            error=error,
            latency_ms=round((time.perf_counter() - began) * 1000, 3),
            signature=signature,
        )
