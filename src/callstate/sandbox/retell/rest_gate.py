"""The Retell REST request gate: Bearer API key, and an optional account rate limit.

- Auth: `Authorization: Bearer <api key>` (research/voice.md §4.1). Missing or unknown key →
  401 `{"status": "error", "message": "API key is missing or invalid."}`.
- Rate limit: Retell publishes no request-rate numbers, only that 429 "Account rate limited"
  exists (voice.md §4.7). Off by default; a `RetellRateLimit` refuses requests past
  `max_requests` per rolling `interval_seconds`. No `Retry-After` is sent unless
  `retry_after` is set: Retell does not document one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from callstate.sandbox.faults import CONTROL_PREFIX, route_path
from callstate.sandbox.retell.rest_errors import RATE_LIMITED, UNAUTHORIZED, error_body


@dataclass(frozen=True)
class RetellRateLimit:
    """A rolling-window budget for the whole account (our invention: Retell's is unpublished)."""

    max_requests: int = 20
    interval_seconds: float = 1.0
    retry_after: float | None = None


class RequestWindow:
    """Counts requests in the rolling window; thread-safe, clock injected."""

    def __init__(self, limit: RetellRateLimit | None, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._times.clear()

    def admit(self) -> bool:
        if self.limit is None:
            return True
        now = self._clock()
        with self._lock:
            while self._times and self._times[0] <= now - self.limit.interval_seconds:
                self._times.popleft()
            if len(self._times) >= self.limit.max_requests:
                return False
            self._times.append(now)
            return True


class RetellGate:
    """ASGI middleware: 401 without the account's API key, 429 past the optional limit."""

    def __init__(self, app: ASGIApp, *, api_keys: frozenset[str], window: RequestWindow) -> None:
        self.app = app
        self.api_keys = api_keys
        self.window = window

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope).startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self.api_keys:
            await JSONResponse(error_body(UNAUTHORIZED), 401)(scope, receive, send)
            return
        if not self.window.admit():
            limit = self.window.limit
            extra = {}
            if limit is not None and limit.retry_after is not None:
                extra["Retry-After"] = f"{limit.retry_after:g}"
            await JSONResponse(error_body(RATE_LIMITED), 429, headers=extra)(scope, receive, send)
            return
        await self.app(scope, receive, send)
