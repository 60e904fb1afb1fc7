"""The GoHighLevel request gate: token → location, the `Version` header, rate limits.

- Auth: `Authorization: Bearer <PIT>`; a PIT is bound to one location (research/crm.md §2.1).
  No or unknown token → 401 `UnauthorizedDTO`. Which location and scopes the token grants is
  put in the ASGI scope (`GRANT_KEY`) for the routes, which answer 403 for another location's
  resources and 401 for a missing scope.
- `Version`: every operation the emulator serves requires `Version: 2021-07-28` (each
  operation's header enum in apps/*.json). A missing or different value → 400 with a message
  saying so. The real API's status and wording for this case are unverified (crm.md §4).
- Rate limits (crm.md §2.2): per location, 100 requests per rolling 10 s and 200,000 per UTC
  day (when GoHighLevel's day resets is unverified). Every authenticated response carries
  `X-RateLimit-Limit-Daily`, `-Daily-Remaining`, `-Interval-Milliseconds`, `-Max`, `-Remaining`.
  Counting always happens; refusing with 429 only when a `GoHighLevelRateLimit` is configured.
  No `Retry-After` is sent: GoHighLevel does not document one (crm.md §7).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callstate.sandbox.faults import CONTROL_PREFIX, route_path
from callstate.sandbox.gohighlevel.errors import (
    INVALID_TOKEN,
    NOT_FOR_LOCATION,
    NOT_FOR_SCOPE,
    GhlError,
    error_body,
    rate_limit_body,
)

API_VERSION = "2021-07-28"
GRANT_KEY = "callstate.gohighlevel.grant"


@dataclass(frozen=True)
class GoHighLevelRateLimit:
    """Budgets to enforce; the defaults are GoHighLevel's documented ones."""

    max_per_interval: int = 100
    interval_seconds: float = 10.0
    daily: int = 200_000


@dataclass(frozen=True)
class Grant:
    """What a token may touch: one location (and its company) and a set of scopes."""

    location_id: str
    company_id: str
    scopes: frozenset[str] | None = None  # None: every scope

    def require(self, scope: str, location_id: str | None = None) -> None:
        """401 without the scope (checked first, as a token's scopes are), 403 for another
        location's data."""
        if self.scopes is not None and scope not in self.scopes:
            raise GhlError(401, NOT_FOR_SCOPE)
        if location_id is not None and location_id != self.location_id:
            raise GhlError(403, NOT_FOR_LOCATION)


def grant_of(request: Request) -> Grant:
    grant = request.scope.get(GRANT_KEY)
    assert isinstance(grant, Grant), "GoHighLevelGate must run before the routes"
    return grant


@dataclass
class _Budget:
    window: deque[float] = field(default_factory=deque)
    day: str = ""
    day_count: int = 0


class RateCounter:
    """Rolling-window and daily request counts per location."""

    def __init__(self, limit: GoHighLevelRateLimit | None, clock: Callable[[], float]) -> None:
        self.enforced = limit is not None
        self.limit = limit or GoHighLevelRateLimit()
        self._clock = clock
        self._budgets: dict[str, _Budget] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._budgets.clear()

    def take(self, location_id: str) -> tuple[str | None, dict[str, str]]:
        """Count one request; returns ("burst" | "daily" | None, rate-limit headers)."""
        now = self._clock()
        limit = self.limit
        with self._lock:
            budget = self._budgets.setdefault(location_id, _Budget())
            while budget.window and budget.window[0] <= now - limit.interval_seconds:
                budget.window.popleft()
            day = datetime.fromtimestamp(now, UTC).date().isoformat()
            if day != budget.day:
                budget.day, budget.day_count = day, 0
            refused = None
            if self.enforced and budget.day_count >= limit.daily:
                refused = "daily"
            elif self.enforced and len(budget.window) >= limit.max_per_interval:
                refused = "burst"
            if refused is None:
                budget.window.append(now)
                budget.day_count += 1
            headers = {
                "X-RateLimit-Limit-Daily": str(limit.daily),
                "X-RateLimit-Daily-Remaining": str(max(0, limit.daily - budget.day_count)),
                "X-RateLimit-Interval-Milliseconds": str(int(limit.interval_seconds * 1000)),
                "X-RateLimit-Max": str(limit.max_per_interval),
                "X-RateLimit-Remaining": str(max(0, limit.max_per_interval - len(budget.window))),
            }
        return refused, headers


class GoHighLevelGate:
    """ASGI middleware: 401 without a known PIT, 400 without `Version`, rate limits."""

    def __init__(self, app: ASGIApp, *, grants: Mapping[str, Grant], counter: RateCounter) -> None:
        self.app = app
        self.grants = grants
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope).startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        grant = self.grants.get(_bearer(headers.get("authorization", "")))
        if grant is None:
            await GhlError(401, INVALID_TOKEN).response()(scope, receive, send)
            return
        refused, limits = self.counter.take(grant.location_id)
        if refused is not None:
            body = rate_limit_body(daily=refused == "daily")
            await JSONResponse(body, 429, headers=limits)(scope, receive, send)
            return
        version = headers.get("version")
        if version != API_VERSION:
            problem = "is missing" if version is None else f"{version!r} is not supported"
            message = (
                f"Version header {problem}: this API requires `Version: {API_VERSION}` "
                "(sandbox wording; GoHighLevel's own status and message are unverified)"
            )
            await JSONResponse(error_body(400, message), 400, headers=limits)(scope, receive, send)
            return
        scope[GRANT_KEY] = grant

        async def with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for name, value in limits.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, with_limits)


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
