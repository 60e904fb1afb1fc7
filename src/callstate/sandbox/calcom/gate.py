"""The Cal.com request gate: API key, the `cal-api-version` header, rate limits.

- Auth: `Authorization: Bearer <api key>` (research/calendar_slack.md §1.1). An unknown key is
  refused with 401 on every route; no key is allowed where the spec marks auth optional (slots,
  create/get/cancel/reschedule a booking, event types) and refused on `GET /v2/bookings` and
  `/v2/webhooks`, which require it.
- `cal-api-version` per endpoint family (§1.1 table). Cal.com silently routes a missing or
  unknown value to its oldest version (2024-04-15), whose shapes differ; the emulator refuses
  such a request with 400 and a message saying so, so a connector that forgets the header fails
  in the sandbox instead of misbehaving in production. This is a deliberate departure.
- Rate limits (§1.2, CAL-CODE throttler-guard.ts): per API key (unauthenticated: per client
  IP) 120 requests per 60 s window, then blocked for 60 s. Every response carries
  `X-RateLimit-Limit-Default`, `X-RateLimit-Remaining-Default`, `X-RateLimit-Reset-Default`
  (seconds until the window or block expires, not an epoch). Over the limit: 429 with the
  throttler's message and no `Retry-After`. Refusing only when a `CalcomRateLimit` is given.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callstate.sandbox.calcom.errors import INVALID_KEY, error_body, rate_limit_body
from callstate.sandbox.faults import CONTROL_PREFIX, route_path

VERSIONS = {
    "/v2/bookings": "2024-08-13",
    "/v2/slots": "2024-09-04",
    "/v2/event-types": "2024-06-14",
}
_AUTH_REQUIRED = (("GET", "/v2/bookings"), ("*", "/v2/webhooks"))


@dataclass(frozen=True)
class CalcomRateLimit:
    """The budget to enforce; the defaults are Cal.com's for an API key."""

    limit: int = 120
    ttl_seconds: float = 60.0
    block_seconds: float = 60.0


@dataclass
class _Window:
    started: float
    hits: int = 0
    blocked_until: float = 0.0


class RateCounter:
    """Fixed windows per tracker, as @nestjs/throttler's storage counts them."""

    def __init__(self, limit: CalcomRateLimit | None, clock: Callable[[], float]) -> None:
        self.enforced = limit is not None
        self.limit = limit or CalcomRateLimit()
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def take(self, tracker: str) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (refused, rate-limit headers)."""
        now, limit = self._clock(), self.limit
        with self._lock:
            window = self._windows.get(tracker)
            if window is None or (
                now >= window.started + limit.ttl_seconds and now >= window.blocked_until
            ):
                window = self._windows[tracker] = _Window(started=now)
            window.hits += 1
            if self.enforced and window.blocked_until <= now and window.hits > limit.limit:
                window.blocked_until = now + limit.block_seconds
            blocked = self.enforced and window.blocked_until > now
            expires = window.blocked_until if blocked else window.started + limit.ttl_seconds
            remaining = 0 if blocked else max(0, limit.limit - window.hits)
        headers = {
            "X-RateLimit-Limit-Default": str(limit.limit),
            "X-RateLimit-Remaining-Default": str(remaining),
            "X-RateLimit-Reset-Default": str(max(1, math.ceil(expires - now))),
        }
        return blocked, headers


def _version_for(path: str) -> str | None:
    for prefix, version in VERSIONS.items():
        if path == prefix or path.startswith(prefix + "/"):
            return version
    return None


class CalcomGate:
    """ASGI middleware: 401 for an unknown key, 400 for a wrong version, rate limits."""

    def __init__(self, app: ASGIApp, *, api_keys: Collection[str], counter: RateCounter) -> None:
        self.app = app
        self.api_keys = frozenset(api_keys)
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        url = path + (f"?{query}" if query else "")
        scheme, _, key = headers.get("authorization", "").partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        if key and key not in self.api_keys:
            await JSONResponse(error_body(401, INVALID_KEY, url), 401)(scope, receive, send)
            return
        if not key and any(m in ("*", scope["method"]) and path == p for m, p in _AUTH_REQUIRED):
            body = error_body(401, "No authorization header provided", url)  # wording unverified
            await JSONResponse(body, 401)(scope, receive, send)
            return
        client = scope.get("client") or ("unknown", 0)
        tracker = "key:" + hashlib.sha256(key.encode()).hexdigest() if key else f"ip:{client[0]}"
        refused, limits = self.counter.take(tracker)
        if refused:
            await JSONResponse(rate_limit_body(url), 429, headers=limits)(scope, receive, send)
            return
        wanted = _version_for(path)
        sent = headers.get("cal-api-version")
        if wanted is not None and sent != wanted:
            problem = "is missing" if sent is None else f"{sent!r} is not this endpoint's version"
            message = (
                f"cal-api-version header {problem}: send `cal-api-version: {wanted}` (sandbox "
                "refusal; Cal.com would silently answer with its 2024-04-15 version instead)"
            )
            await JSONResponse(error_body(400, message, url), 400, headers=limits)(
                scope, receive, send
            )
            return

        async def with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for name, value in limits.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, with_limits)
