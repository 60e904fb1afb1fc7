"""The HubSpot request gate: Bearer authentication and API rate limits, before routing.

Rate limits (research/crm.md §0.3, §1.2): a rolling 10-second burst budget per app and a daily
budget per account. CRM search (`POST .../search`) has its own budget, 5 requests per second per
account, and still counts toward the daily one. Every non-search response carries
`X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`, `-Daily`, `-Daily-Remaining`;
search responses carry none, 429s included. Counting always happens so the headers move like
HubSpot's; refusing with 429 (body with `errorType` RATE_LIMIT and `policyName`
TEN_SECONDLY_ROLLING, SECONDLY for search, or DAILY) happens only when a `HubSpotRateLimit` is
configured. The emulator's own 429s carry no `Retry-After`: whether HubSpot sends one is
unverified (research/crm.md §7); a programmed fault can add it (`retry_after`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callstate.sandbox.faults import CONTROL_PREFIX, route_path
from callstate.sandbox.hubspot.errors import error_body, rate_limit_body


@dataclass(frozen=True)
class HubSpotRateLimit:
    """Budgets to enforce; the defaults are a Free/Starter private app (100/10 s, 250k/day)
    and the CRM search limit of 5 requests per second per account."""

    max_per_interval: int = 100
    interval_seconds: float = 10.0
    daily: int = 250_000
    search_per_second: int = 5


class RateCounter:
    """Rolling-window and daily request counts, shared by every request of one emulator."""

    def __init__(self, limit: HubSpotRateLimit | None, clock: Callable[[], float]) -> None:
        self.enforced = limit is not None
        self.limit = limit or HubSpotRateLimit()
        self._clock = clock
        self._window: deque[float] = deque()
        self._search_window: deque[float] = deque()
        self._day = ""
        self._day_count = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._window.clear()
            self._search_window.clear()
            self._day_count = 0

    def take_search(self) -> str | None:
        """Count one search request; returns the exhausted policy or None (no headers)."""
        now = self._clock()
        with self._lock:
            _expire(self._search_window, now - 1.0)
            self._roll_day(now)
            policy = None
            if self.enforced and self._day_count >= self.limit.daily:
                policy = "DAILY"
            elif self.enforced and len(self._search_window) >= self.limit.search_per_second:
                policy = "SECONDLY"
            if policy is None:
                self._search_window.append(now)
                self._day_count += 1
            return policy

    def take(self) -> tuple[str | None, dict[str, str]]:
        """Count one request; returns (exhausted policy or None, rate-limit headers)."""
        now = self._clock()
        with self._lock:
            _expire(self._window, now - self.limit.interval_seconds)
            self._roll_day(now)
            policy = None
            if self.enforced and self._day_count >= self.limit.daily:
                policy = "DAILY"
            elif self.enforced and len(self._window) >= self.limit.max_per_interval:
                policy = "TEN_SECONDLY_ROLLING"
            if policy is None:
                self._window.append(now)
                self._day_count += 1
            headers = {
                "X-HubSpot-RateLimit-Max": str(self.limit.max_per_interval),
                "X-HubSpot-RateLimit-Remaining": str(
                    max(0, self.limit.max_per_interval - len(self._window))
                ),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(
                    int(self.limit.interval_seconds * 1000)
                ),
                "X-HubSpot-RateLimit-Daily": str(self.limit.daily),
                "X-HubSpot-RateLimit-Daily-Remaining": str(
                    max(0, self.limit.daily - self._day_count)
                ),
            }
        return policy, headers

    def _roll_day(self, now: float) -> None:
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        if day != self._day:
            self._day, self._day_count = day, 0


def _expire(window: deque[float], before: float) -> None:
    while window and window[0] <= before:
        window.popleft()


_NO_AUTH = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


class HubSpotGate:
    """ASGI middleware: 401 without a Bearer token, rate-limit headers and optional 429s."""

    def __init__(self, app: ASGIApp, *, counter: RateCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        if not _has_bearer(scope):
            await JSONResponse(error_body("INVALID_AUTHENTICATION", _NO_AUTH), 401)(
                scope, receive, send
            )
            return
        if path.endswith("/search"):
            # Search is metered separately and answers without rate-limit headers.
            exhausted = self.counter.take_search()
            if exhausted is not None:
                await JSONResponse(rate_limit_body(exhausted), 429)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        policy, headers = self.counter.take()
        if policy is not None:
            await JSONResponse(rate_limit_body(policy), 429, headers=headers)(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for name, value in headers.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def _has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip())
    return False
